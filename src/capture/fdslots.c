/* Open-addressing table keyed by (pid, fd); see fdslots.h. */
#include "capture/fdslots.h"

#include <stdlib.h>
#include <string.h>

enum { SLOT_EMPTY, SLOT_USED, SLOT_DELETED };

static uint32_t hash_of(uint64_t k)
{
  k ^= k >> 33;
  k *= 0xff51afd7ed558ccdull;
  k ^= k >> 33;
  return (uint32_t)k;
}

static ospy_fdslot *slot(const ospy_fdslots *t, void *slots, uint32_t i)
{
  return (ospy_fdslot *)(void *)((char *)slots + (size_t)i * t->size);
}

void ospy_fdslots_init(ospy_fdslots *t, size_t entry_size)
{
  memset(t, 0, sizeof *t);
  t->size = entry_size;
}

void ospy_fdslots_free(ospy_fdslots *t)
{
  free(t->slots);
  size_t size = t->size;
  ospy_fdslots_init(t, size);
}

uint64_t ospy_fdslots_key(uint32_t pid, int32_t fd)
{
  return (uint64_t)pid << 32 | (uint32_t)fd;
}

void *ospy_fdslots_find(const ospy_fdslots *t, uint64_t k)
{
  if (!t->cap)
    return NULL;
  for (uint32_t i = hash_of(k) & (t->cap - 1), n = 0; n < t->cap; i = (i + 1) & (t->cap - 1), n++) {
    ospy_fdslot *e = slot(t, t->slots, i);
    if (e->state == SLOT_EMPTY)
      return NULL;
    if (e->state == SLOT_USED && e->key == k)
      return e;
  }
  return NULL;
}

/* Rehashes into a table of at least 64 slots, four per live entry. */
static int grow(ospy_fdslots *t)
{
  uint32_t cap = 64;
  while (cap < t->live * 4)
    cap *= 2;
  void *slots = calloc(cap, t->size);
  if (!slots)
    return -1;
  for (uint32_t i = 0; i < t->cap; i++) {
    ospy_fdslot *e = slot(t, t->slots, i);
    if (e->state != SLOT_USED)
      continue;
    uint32_t j = hash_of(e->key) & (cap - 1);
    while (slot(t, slots, j)->state == SLOT_USED)
      j = (j + 1) & (cap - 1);
    memcpy(slot(t, slots, j), e, t->size);
  }
  free(t->slots);
  t->slots = slots;
  t->cap = cap;
  t->used = t->live;
  return 0;
}

void *ospy_fdslots_add(ospy_fdslots *t, uint64_t k)
{
  if ((t->used + 1) * 4 > t->cap * 3 && grow(t) < 0)
    return NULL;
  uint32_t i = hash_of(k) & (t->cap - 1);
  while (slot(t, t->slots, i)->state == SLOT_USED)
    i = (i + 1) & (t->cap - 1);
  ospy_fdslot *e = slot(t, t->slots, i);
  if (e->state == SLOT_EMPTY)
    t->used++;
  memset(e, 0, t->size);
  e->key = k;
  e->state = SLOT_USED;
  t->live++;
  return e;
}

void ospy_fdslots_remove(ospy_fdslots *t, void *entry)
{
  ((ospy_fdslot *)entry)->state = SLOT_DELETED;
  t->live--;
}

void *ospy_fdslots_used(const ospy_fdslots *t, uint32_t i)
{
  ospy_fdslot *e = slot(t, t->slots, i);
  return e->state == SLOT_USED ? e : NULL;
}
