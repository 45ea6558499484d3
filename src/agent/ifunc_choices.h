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

/* Forgets the choices of the resolvers gone(resolver, data) says are gone
 * (their module was unloaded: another may be loaded at its addresses).
 * Called while no resolver of theirs can run. */
void ospy_ifunc_choices_forget(int (*gone)(uintptr_t resolver, void *data), void *data);

#endif
