/* A bump allocator for the reader's per-event data: everything one event
 * needs comes from here and is released at once before the next event. */
#ifndef OSPY_EXPORT_ARENA_H
#define OSPY_EXPORT_ARENA_H

#include <stddef.h>

typedef struct ospy_arena_block ospy_arena_block;
typedef struct ospy_arena {
  ospy_arena_block *head;
  size_t total;       /* bytes held, for the bound check */
  size_t limit;       /* 0 = none; beyond it allocations fail */
} ospy_arena;

void ospy_arena_init(ospy_arena *a, size_t limit);
/* 16-byte aligned, zeroed; NULL when out of memory or over the limit. */
void *ospy_arena_alloc(ospy_arena *a, size_t n);
char *ospy_arena_strdup(ospy_arena *a, const char *s);
/* Frees all but the first block, which is kept for reuse. */
void ospy_arena_reset(ospy_arena *a);
void ospy_arena_free(ospy_arena *a);

#endif
