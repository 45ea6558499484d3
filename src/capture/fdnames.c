/* Open-addressing table (pid, fd) -> name; see fdnames.h. */
#include "capture/fdnames.h"

#include <stdlib.h>
#include <string.h>

enum { SLOT_EMPTY, SLOT_USED, SLOT_DELETED };

static uint64_t key_of(uint32_t pid, int32_t fd)
{
  return (uint64_t)pid << 32 | (uint32_t)fd;
}

static uint32_t hash_of(uint64_t k)
{
  k ^= k >> 33;
  k *= 0xff51afd7ed558ccdull;
  k ^= k >> 33;
  return (uint32_t)k;
}

void ospy_fdnames_init(ospy_fdnames *t)
{
  memset(t, 0, sizeof *t);
}

void ospy_fdnames_free(ospy_fdnames *t)
{
  for (uint32_t i = 0; i < t->cap; i++)
    if (t->slots[i].state == SLOT_USED)
      free(t->slots[i].name);
  free(t->slots);
  memset(t, 0, sizeof *t);
}

static ospy_fdnames_entry *find(const ospy_fdnames *t, uint64_t k)
{
  if (!t->cap)
    return NULL;
  for (uint32_t i = hash_of(k) & (t->cap - 1), n = 0; n < t->cap; i = (i + 1) & (t->cap - 1), n++) {
    ospy_fdnames_entry *e = &t->slots[i];
    if (e->state == SLOT_EMPTY)
      return NULL;
    if (e->state == SLOT_USED && e->key == k)
      return e;
  }
  return NULL;
}

/* Rehashes into a table twice the live size (at least 64 slots). */
static int grow(ospy_fdnames *t)
{
  uint32_t cap = 64;
  while (cap < t->live * 4)
    cap *= 2;
  ospy_fdnames_entry *slots = calloc(cap, sizeof *slots);
  if (!slots)
    return -1;
  for (uint32_t i = 0; i < t->cap; i++) {
    ospy_fdnames_entry *e = &t->slots[i];
    if (e->state != SLOT_USED)
      continue;
    uint32_t j = hash_of(e->key) & (cap - 1);
    while (slots[j].state == SLOT_USED)
      j = (j + 1) & (cap - 1);
    slots[j] = *e;
  }
  free(t->slots);
  t->slots = slots;
  t->cap = cap;
  t->used = t->live;
  return 0;
}

const char *ospy_fdnames_get(const ospy_fdnames *t, uint32_t pid, int32_t fd)
{
  const ospy_fdnames_entry *e = find(t, key_of(pid, fd));
  return e ? e->name : NULL;
}

int ospy_fdnames_set(ospy_fdnames *t, uint32_t pid, int32_t fd, const char *name)
{
  uint64_t k = key_of(pid, fd);
  ospy_fdnames_entry *e = find(t, k);
  if (e && !strcmp(e->name, name))
    return 0;
  char *copy = strdup(name);
  if (!copy)
    return -1;
  if (e) {
    free(e->name);
    e->name = copy;
    return 1;
  }
  if ((t->used + 1) * 4 > t->cap * 3 && grow(t) < 0) {
    free(copy);
    return -1;
  }
  uint32_t i = hash_of(k) & (t->cap - 1);
  while (t->slots[i].state == SLOT_USED)
    i = (i + 1) & (t->cap - 1);
  if (t->slots[i].state == SLOT_EMPTY)
    t->used++;
  t->slots[i] = (ospy_fdnames_entry){ k, copy, SLOT_USED };
  t->live++;
  return 1;
}

static void drop(ospy_fdnames *t, ospy_fdnames_entry *e)
{
  free(e->name);
  e->name = NULL;
  e->state = SLOT_DELETED;
  t->live--;
}

void ospy_fdnames_forget(ospy_fdnames *t, uint32_t pid, int32_t fd)
{
  ospy_fdnames_entry *e = find(t, key_of(pid, fd));
  if (e)
    drop(t, e);
}

void ospy_fdnames_forget_pid(ospy_fdnames *t, uint32_t pid)
{
  for (uint32_t i = 0; i < t->cap; i++)
    if (t->slots[i].state == SLOT_USED && (uint32_t)(t->slots[i].key >> 32) == pid)
      drop(t, &t->slots[i]);
}
