/* When a thread ptrace stopped may be made to call dlopen (controller side,
 * x86-64 build; see inject_safe.c). */
#ifndef OSPY_OS_LINUX_INJECT_SAFE_H
#define OSPY_OS_LINUX_INJECT_SAFE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/user.h>

/* The mappings of a process that tell where a stopped thread is: code of the
 * C library's side (libc, the dynamic loader, the vDSO, ospy's agent), the
 * data of those files, and the code of every other file. */
typedef struct ospy_inject_area {
  uint64_t lo, hi;
  unsigned char kind; /* ospy_inject_area_kind */
} ospy_inject_area;

typedef struct ospy_inject_map {
  ospy_inject_area *areas;
  size_t n, cap;
} ospy_inject_map;

/* Reads /proc/VIA/maps (VIA: the process or one of its live threads) into
 * m, replacing what it held. 0, or -1 (m is then empty). */
int ospy_inject_map_read(pid_t via, ospy_inject_map *m);
void ospy_inject_map_free(ospy_inject_map *m);

/* NULL when a thread stopped with registers r (bits: 64 or 32, the
 * process's) holds no lock of the C library's and may run dlopen; else a
 * few words saying where it was ("running inside the C library"). */
const char *ospy_inject_unsafe_reason(const ospy_inject_map *m, const struct user_regs_struct *r,
                                      int bits);

#endif
