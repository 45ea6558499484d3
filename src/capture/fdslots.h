/*
 * An open-addressing table keyed by (pid, fd), the one fdnames.c (a name per
 * descriptor) and fdhistory.c (a descriptor's bindings over time) are built
 * on. Entries are `size` bytes each and begin with an ospy_fdslot; the
 * table allocates them zeroed. Controller and readers only (malloc).
 */
#ifndef OSPY_CAPTURE_FDSLOTS_H
#define OSPY_CAPTURE_FDSLOTS_H

#include <stddef.h>
#include <stdint.h>

typedef struct ospy_fdslot {
  uint64_t key;  /* pid << 32 | fd */
  uint8_t state; /* 0 empty, 1 used, 2 deleted */
} ospy_fdslot;

typedef struct ospy_fdslots {
  void *slots;
  size_t size; /* of one entry */
  uint32_t cap, used, live;
} ospy_fdslots;

void ospy_fdslots_init(ospy_fdslots *t, size_t entry_size);
void ospy_fdslots_free(ospy_fdslots *t); /* (the entries' own memory is the caller's) */
uint64_t ospy_fdslots_key(uint32_t pid, int32_t fd);
/* The entry of key, or NULL. */
void *ospy_fdslots_find(const ospy_fdslots *t, uint64_t key);
/* A new entry for key (not in the table), zeroed but for its slot; NULL out of memory. */
void *ospy_fdslots_add(ospy_fdslots *t, uint64_t key);
void ospy_fdslots_remove(ospy_fdslots *t, void *entry);
/* Entry i of the table (i < cap) when it is in use, else NULL: for walks. */
void *ospy_fdslots_used(const ospy_fdslots *t, uint32_t i);

#endif
