/*
 * An IFUNC's chosen functions, per resolver (ifunc_choices.h). A slot is
 * claimed by a compare-and-swap of its word from 0, then the count
 * published; a thread that finds the next slot claimed and the count not
 * yet past it publishes it itself, so no thread ever waits for another.
 */
#include "agent/ifunc_choices.h"

#include <stdbool.h>
#include <stddef.h>

typedef struct resolver_choices {
  uintptr_t resolver; /* 0: a free entry */
  unsigned n;         /* published choices */
  uintptr_t target[OSPY_IFUNC_CHOICES_MAX];
} resolver_choices;

static resolver_choices table[OSPY_IFUNC_RESOLVERS_MAX];

/* resolver's entry; with make, claimed when there is none (NULL: no room). */
static resolver_choices *entry_of(uintptr_t resolver, bool make)
{
  for (unsigned i = 0; i < OSPY_IFUNC_RESOLVERS_MAX; i++) {
    uintptr_t r = __atomic_load_n(&table[i].resolver, __ATOMIC_ACQUIRE);
    if (r == resolver)
      return &table[i];
    if (r)
      continue;
    if (!make)
      return NULL; /* (entries are claimed in order: none past a free one) */
    uintptr_t expected = 0;
    if (__atomic_compare_exchange_n(&table[i].resolver, &expected, resolver, false,
                                    __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE) ||
        expected == resolver)
      return &table[i];
  }
  return NULL;
}

static bool holds(const resolver_choices *e, unsigned n, uintptr_t target)
{
  for (unsigned i = 0; i < n; i++)
    if (__atomic_load_n(&e->target[i], __ATOMIC_ACQUIRE) == target)
      return true;
  return false;
}

int ospy_ifunc_choice_add(uintptr_t resolver, uintptr_t target)
{
  resolver_choices *e = target ? entry_of(resolver, true) : NULL;
  if (!e)
    return 0;
  for (;;) {
    unsigned n = __atomic_load_n(&e->n, __ATOMIC_ACQUIRE);
    if (holds(e, n, target) || n == OSPY_IFUNC_CHOICES_MAX)
      return 0;
    uintptr_t expected = 0;
    bool mine = __atomic_compare_exchange_n(&e->target[n], &expected, target, false,
                                            __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
    /* published by whoever claimed slot n (or helped along by this thread) */
    unsigned want = n;
    __atomic_compare_exchange_n(&e->n, &want, n + 1, false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
    if (mine)
      return 1;
  }
}

unsigned ospy_ifunc_choices(uintptr_t resolver, uintptr_t *out, unsigned cap)
{
  resolver_choices *e = entry_of(resolver, false);
  if (!e)
    return 0;
  unsigned n = __atomic_load_n(&e->n, __ATOMIC_ACQUIRE);
  for (unsigned i = 0; i < n && i < cap; i++)
    out[i] = __atomic_load_n(&e->target[i], __ATOMIC_ACQUIRE);
  return n < cap ? n : cap;
}

void ospy_ifunc_choices_forget(int (*gone)(uintptr_t resolver, void *data), void *data)
{
  for (unsigned i = 0; i < OSPY_IFUNC_RESOLVERS_MAX; i++) {
    resolver_choices *e = &table[i];
    uintptr_t r = __atomic_load_n(&e->resolver, __ATOMIC_ACQUIRE);
    if (!r || !gone(r, data))
      continue;
    /* kept claimed (entries are found in order), emptied: the resolver's
     * address is another module's now, its choices none yet */
    __atomic_store_n(&e->n, 0, __ATOMIC_RELEASE);
    for (unsigned k = 0; k < OSPY_IFUNC_CHOICES_MAX; k++)
      __atomic_store_n(&e->target[k], 0, __ATOMIC_RELEASE);
  }
}
