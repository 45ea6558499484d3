/*
 * An IFUNC's chosen functions, per resolver (ifunc_choices.h). A slot is
 * claimed by a compare-and-swap of its word from 0, then the count
 * published; a thread that finds the next slot claimed and the count not
 * yet past it publishes it itself, so no thread ever waits for another.
 * Whether a choice is hooked yet (settled) is published by the holder of
 * inline.c's lock after the pass that hooked it.
 */
#include "agent/ifunc_choices.h"

#include <stdbool.h>
#include <stddef.h>

typedef struct resolver_choices {
  uintptr_t resolver; /* 0: a free entry */
  unsigned n;         /* published choices */
  unsigned settled;   /* choices [0, settled) hooked (or given up) */
  uint32_t unwaited[OSPY_IFUNC_UNWAITED_KINDS]; /* bit k: choice k went to the loader unhooked */
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

/* target's index among e's n first choices, or -1 */
static int index_of(const resolver_choices *e, unsigned n, uintptr_t target)
{
  for (unsigned i = 0; i < n; i++)
    if (__atomic_load_n(&e->target[i], __ATOMIC_ACQUIRE) == target)
      return (int)i;
  return -1;
}

int ospy_ifunc_choice_settled(uintptr_t resolver, uintptr_t target)
{
  resolver_choices *e = entry_of(resolver, false);
  if (!e)
    return 1;
  int k = index_of(e, __atomic_load_n(&e->n, __ATOMIC_ACQUIRE), target);
  return k < 0 || (unsigned)k < __atomic_load_n(&e->settled, __ATOMIC_SEQ_CST);
}

void ospy_ifunc_choice_unwaited(uintptr_t resolver, uintptr_t target, unsigned why)
{
  resolver_choices *e = entry_of(resolver, false);
  int k = e ? index_of(e, __atomic_load_n(&e->n, __ATOMIC_ACQUIRE), target) : -1;
  if (k < 0 || why >= OSPY_IFUNC_UNWAITED_KINDS)
    return;
  uint32_t bit = 1u << k;
  __atomic_fetch_or(&e->unwaited[why], bit, __ATOMIC_SEQ_CST);
  /* settled meanwhile: the settling pass may have looked before the bit
   * was set (then nothing went unhooked: the hook was in before this
   * thread returned), or after it (a note that calls may be missing) */
  if ((unsigned)k < __atomic_load_n(&e->settled, __ATOMIC_SEQ_CST))
    __atomic_fetch_and(&e->unwaited[why], ~bit, __ATOMIC_SEQ_CST);
}

void ospy_ifunc_choices_counts(unsigned counts[OSPY_IFUNC_RESOLVERS_MAX])
{
  for (unsigned i = 0; i < OSPY_IFUNC_RESOLVERS_MAX; i++)
    counts[i] = __atomic_load_n(&table[i].resolver, __ATOMIC_ACQUIRE)
                    ? __atomic_load_n(&table[i].n, __ATOMIC_ACQUIRE)
                    : 0;
}

void ospy_ifunc_choices_settle(const unsigned counts[OSPY_IFUNC_RESOLVERS_MAX],
                               void (*unwaited)(uintptr_t resolver, uintptr_t target,
                                                unsigned why, void *data),
                               void *data)
{
  for (unsigned i = 0; i < OSPY_IFUNC_RESOLVERS_MAX; i++) {
    resolver_choices *e = &table[i];
    uintptr_t r = __atomic_load_n(&e->resolver, __ATOMIC_ACQUIRE);
    unsigned n = counts[i];
    if (!r || n <= __atomic_load_n(&e->settled, __ATOMIC_SEQ_CST))
      continue;
    __atomic_store_n(&e->settled, n, __ATOMIC_SEQ_CST);
    uint32_t mask = n >= 32 ? ~0u : (1u << n) - 1;
    for (unsigned why = 0; why < OSPY_IFUNC_UNWAITED_KINDS; why++) {
      uint32_t bits = __atomic_fetch_and(&e->unwaited[why], ~mask, __ATOMIC_SEQ_CST) & mask;
      for (unsigned k = 0; k < n && bits; k++)
        if (bits & (1u << k)) {
          bits &= ~(1u << k);
          if (unwaited)
            unwaited(r, __atomic_load_n(&e->target[k], __ATOMIC_ACQUIRE), why, data);
        }
    }
  }
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
    __atomic_store_n(&e->settled, 0, __ATOMIC_SEQ_CST);
    for (unsigned why = 0; why < OSPY_IFUNC_UNWAITED_KINDS; why++)
      __atomic_store_n(&e->unwaited[why], 0, __ATOMIC_SEQ_CST);
    for (unsigned k = 0; k < OSPY_IFUNC_CHOICES_MAX; k++)
      __atomic_store_n(&e->target[k], 0, __ATOMIC_RELEASE);
  }
}
