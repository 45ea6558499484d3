/*
 * Which module holds an address of a captured process, from the capture's
 * ProcessStart and ModuleLoad/ModuleUnload records (readers: backtrace
 * module names in the exports, symbolized backtraces in show).
 *
 * A process forked with -F inherits its parent's address space, but its
 * agent writes no ModuleLoad records for it (they were the parent's): its
 * addresses are looked up in its parent's map until it execs. Fork and exec
 * both write a ProcessStart (with the parent's pid); an exec is told by what
 * follows it, the ModuleLoad of the process's own executable (the agent
 * rescans its modules after an exec, a forked child never loads its
 * executable again). A ProcessStart starts a new map for its
 * pid (an exec is a new address space); the old one stays for the children
 * that inherited it. (A parent's loads and unloads after the fork change the
 * map its children see: a child's own modules are found first, and code of
 * a library its parent unloaded later loses its name.)
 */
#ifndef OSPY_CAPTURE_PROCMAP_H
#define OSPY_CAPTURE_PROCMAP_H

#include <stddef.h>
#include <stdint.h>

typedef struct ospy_procmap ospy_procmap;

typedef struct ospy_procmap_module {
  uint64_t base, size; /* the image's extent */
  uint64_t bias;       /* its load bias: address - bias is an address of the file (a symbol's) */
  void *data;          /* the caller's, given to ospy_procmap_module_load */
} ospy_procmap_module;

ospy_procmap *ospy_procmap_new(void);
/* free_data (may be NULL) is called on every module's data still held. */
void ospy_procmap_free(ospy_procmap *m, void (*free_data)(void *));

/* exe: the executable's path (exe_len bytes, not NUL-terminated). -1 when
 * out of memory. */
int ospy_procmap_process_start(ospy_procmap *m, uint32_t pid, uint32_t ppid, const char *exe,
                               size_t exe_len);
/* The image at [base, base + size), load bias `bias` (ospy_event_module_bias).
 * -1 when out of memory (data is then not held). */
int ospy_procmap_module_load(ospy_procmap *m, uint32_t pid, uint64_t base, uint64_t size,
                             uint64_t bias, const char *path, size_t path_len, void *data);
/* The unloaded module's data for the caller to release, or NULL. */
void *ospy_procmap_module_unload(ospy_procmap *m, uint32_t pid, uint64_t base);

/* The module of pid's map holding addr (the one with the highest base when
 * they overlap), else of the map it inherited; NULL when none. */
const ospy_procmap_module *ospy_procmap_find(const ospy_procmap *m, uint32_t pid, uint64_t addr);

#endif
