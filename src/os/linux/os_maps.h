/*
 * /proc/self/maps, parsed with raw syscalls and no allocation (safe while the
 * allocator is hooked or other threads are suspended holding its lock).
 */
#ifndef OSPY_OS_LINUX_MAPS_H
#define OSPY_OS_LINUX_MAPS_H

#include <stdbool.h>
#include <stdint.h>

#define OSPY_OS_PROT_R 1
#define OSPY_OS_PROT_W 2
#define OSPY_OS_PROT_X 4

typedef struct ospy_os_map {
  uintptr_t start, end;
  int prot;              /* OSPY_OS_PROT_* (same values as PROT_*) */
  bool shared;
  uint64_t offset;
  const char *path;      /* valid only during the callback; "" when anonymous */
  bool special;          /* a kernel mapping such as [vdso] or [vvar] (cannot be patched) */
} ospy_os_map;

/* Returns false to stop. */
typedef bool (*ospy_os_map_fn)(const ospy_os_map *map, void *data);

/* The process's /proc directory for the calling thread: "/proc/self" while
 * the main thread lives, else "/proc/thread-self". /proc/self is the main
 * thread's: once it has ended alone (pthread_exit, the process running on
 * in its other threads) its exe link is gone and its maps and cmdline read
 * empty. thread-self is not used first: qemu-user emulates /proc/self/maps
 * and exe for the program it runs, not thread-self's. One readlink. */
const char *ospy_os_proc_self(void);
/* Its exe link: "/proc/self/exe", or "/proc/thread-self/exe". */
const char *ospy_os_self_exe(void);

/* Calls fn for each mapping in address order; 0, or -errno if maps cannot be read.
 * (/proc/self/maps, or the thread's when that reads empty: ospy_os_proc_self.) */
int ospy_os_maps_foreach(ospy_os_map_fn fn, void *data);

/* The mapping holding addr; false when addr is unmapped. */
bool ospy_os_maps_find(uintptr_t addr, ospy_os_map *out);

/* Lowest start and highest end of the mappings whose path ends with path_suffix
 * (e.g. "/libc.so.6"); false when none. */
bool ospy_os_module_range(const char *path_suffix, uintptr_t *start, uintptr_t *end);

#endif
