/*
 * The functions an IFUNC's resolver chose, by resolver: those found bound in
 * the GOT slots of the modules that call it, and those the agent saw it
 * return (inline.c watches the resolvers of the IFUNCs it hooks). Appended
 * to from any thread without a lock (a resolver runs in the thread whose
 * first call binds it, maybe while another thread holds the agent's or the
 * loader's lock): the order of a resolver's choices never changes, and its
 * kth choice is the kth function hooked for it. No allocation.
 */
#ifndef OSPY_AGENT_IFUNC_CHOICES_H
#define OSPY_AGENT_IFUNC_CHOICES_H

#include <stdint.h>

/* How many functions one resolver's choices keep, and how many resolvers. */
#define OSPY_IFUNC_CHOICES_MAX 8
#define OSPY_IFUNC_RESOLVERS_MAX 128

/* Adds target to resolver's choices: 1 when it is new, 0 when it was there
 * already or there is no room. */
int ospy_ifunc_choice_add(uintptr_t resolver, uintptr_t target);

/* resolver's choices, in the order they were added: how many (up to cap
 * into out). */
unsigned ospy_ifunc_choices(uintptr_t resolver, uintptr_t *out, unsigned cap);

/* Whether target is hooked for resolver, or given up (or is not among its
 * choices): the settled choices are those an attach pass of inline.c began
 * with (ospy_ifunc_choices_counts, ospy_ifunc_choices_settle). */
int ospy_ifunc_choice_settled(uintptr_t resolver, uintptr_t target);

/* Why a thread returned a chosen function to the loader before it was
 * hooked: it held the loader's lock (waiting for the agent's lock, whose
 * holder may wait for that one, could deadlock), or it waited too long. */
enum { OSPY_IFUNC_UNWAITED_LOADER_LOCK = 0, OSPY_IFUNC_UNWAITED_TOO_LONG = 1,
       OSPY_IFUNC_UNWAITED_KINDS = 2 };
/* Notes that target, not settled, went to the loader unhooked (why: one of
 * OSPY_IFUNC_UNWAITED_*), for the pass that settles it to say. */
void ospy_ifunc_choice_unwaited(uintptr_t resolver, uintptr_t target, unsigned why);

/* How many choices each resolver entry has now (at an attach pass's start). */
void ospy_ifunc_choices_counts(unsigned counts[OSPY_IFUNC_RESOLVERS_MAX]);
/* The choices counted (at the pass's start) are settled (at its end); each
 * one noted unwaited is told to unwaited (resolver, target, why). */
void ospy_ifunc_choices_settle(const unsigned counts[OSPY_IFUNC_RESOLVERS_MAX],
                               void (*unwaited)(uintptr_t resolver, uintptr_t target,
                                                unsigned why, void *data),
                               void *data);

/* Forgets the choices of the resolvers gone(resolver, data) says are gone
 * (their module was unloaded: another may be loaded at its addresses).
 * Called while no resolver of theirs can run. */
void ospy_ifunc_choices_forget(int (*gone)(uintptr_t resolver, void *data), void *data);

#endif
