/*
 * Whether the calling thread holds one of the dynamic loader's locks
 * (glibc's ld.so: dl_load_lock, which dlopen, dlclose and dlsym hold while
 * they relocate, run constructors and run an IFUNC's resolver;
 * dl_load_write_lock, which dl_iterate_phdr holds around its callbacks).
 * inline.c asks it before a thread waits for the agent's lock, whose
 * holder may call into the loader. No allocation, no lock, no libc call
 * after ospy_loader_locks_find.
 */
#ifndef OSPY_AGENT_LOADER_LOCKS_H
#define OSPY_AGENT_LOADER_LOCKS_H

#include <stdbool.h>

/* Finds the loader's locks (once; it calls dlsym, dladdr1 and
 * dl_iterate_phdr: only where the loader may be called). */
void ospy_loader_locks_find(void);

/* Whether this thread holds one of them: OSPY_LOADER_LOCK_NONE, _HELD,
 * _WANTED (one it holds that another thread waits for), or _UNKNOWN (not
 * found: not glibc's loader, or one whose locks look otherwise than
 * ospy_loader_locks_find checked). */
enum { OSPY_LOADER_LOCK_NONE, OSPY_LOADER_LOCK_HELD, OSPY_LOADER_LOCK_WANTED,
       OSPY_LOADER_LOCK_UNKNOWN };
int ospy_loader_lock_held(void);

#endif
