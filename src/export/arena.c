/* Bump allocation in 64 KiB blocks (or larger for one big request). */
#include "export/arena.h"

#include <stdlib.h>
#include <string.h>

struct ospy_arena_block {
  ospy_arena_block *next;
  size_t size, used;
  _Alignas(16) unsigned char data[];
};

#define ARENA_BLOCK 65536

void ospy_arena_init(ospy_arena *a, size_t limit)
{
  a->head = NULL;
  a->total = 0;
  a->limit = limit;
}

void *ospy_arena_alloc(ospy_arena *a, size_t n)
{
  n = (n + 15) & ~(size_t)15;
  ospy_arena_block *b = a->head;
  if (!b || b->size - b->used < n) {
    size_t size = n > ARENA_BLOCK ? n : ARENA_BLOCK;
    if (a->limit && a->total + size > a->limit)
      return NULL;
    b = malloc(sizeof *b + size);
    if (!b)
      return NULL;
    b->size = size;
    b->used = 0;
    b->next = a->head;
    a->head = b;
    a->total += size;
  }
  void *p = b->data + b->used;
  b->used += n;
  memset(p, 0, n);
  return p;
}

char *ospy_arena_strdup(ospy_arena *a, const char *s)
{
  size_t n = strlen(s) + 1;
  char *p = ospy_arena_alloc(a, n);
  if (p)
    memcpy(p, s, n);
  return p;
}

void ospy_arena_reset(ospy_arena *a)
{
  ospy_arena_block *b = a->head;
  if (!b)
    return;
  /* keep the oldest block (at the tail): it is the common case's size */
  while (b->next) {
    ospy_arena_block *next = b->next;
    a->total -= b->size;
    free(b);
    b = next;
  }
  b->used = 0;
  a->head = b;
}

void ospy_arena_free(ospy_arena *a)
{
  while (a->head) {
    ospy_arena_block *next = a->head->next;
    free(a->head);
    a->head = next;
  }
  a->total = 0;
}
