/*
 * When a thread ptrace stopped may be made to call dlopen.
 *
 * dlopen allocates (so does the agent it loads), and malloc takes its
 * arena's lock: a thread stopped in the middle of malloc, holding that lock,
 * and made to call dlopen waits for itself for ever (a multi-threaded
 * process), or corrupts the heap it was changing (a single-threaded one:
 * glibc's malloc takes no lock there). The same goes for the dynamic
 * loader's own locks and the other locks of the C library. ptrace cannot
 * see a lock, so the injector waits for a moment that cannot be inside
 * one:
 *  - the thread is in a system call the C library does not make with a lock
 *    of its own held: not mmap, munmap, mremap, brk, madvise, mprotect
 *    (malloc calls them holding its arena's lock), not clone, fork, vfork
 *    (fork holds every arena's lock across the clone), not a futex wait on
 *    a word of the C library's or the loader's (a thread waiting for one of
 *    their locks may hold another: dlopen's lock while it waits for
 *    malloc's, fork's handlers take the arenas one after the other). An idle
 *    thread blocked in epoll_wait, read, poll, nanosleep, a condition
 *    variable's futex: these are the common case;
 *  - or it runs outside the C library, the dynamic loader, the vDSO and
 *    ospy's agent (the agent's hooks run with the lock of the call they
 *    hook held, mmap's inside malloc), in the code of a file: the program's
 *    own, or another library's. Code of no file (ospy's trampolines, a JIT's
 *    code) may be a hook's: not taken.
 * Either way the thread needs room on its stack for the calls (the main
 * thread's grows; another's is fixed, and may be small).
 * A thread called back by the C library with a lock held (a signal handler
 * run in the middle of malloc, a dl_iterate_phdr callback) passes the second
 * test: such moments are rare and short, and ptrace cannot tell them.
 */
#include "os/linux/inject_safe.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum ospy_inject_area_kind {
  AREA_OTHER_CODE = 1, /* a file's code: the program's, or a library's */
  AREA_LIBC_CODE,      /* code of the C library's side (libc, ld.so, vDSO, agent) */
  AREA_LIBC_DATA,      /* their data: their locks */
  AREA_MAIN_STACK,     /* [stack]: grows on demand */
  AREA_OTHER_DATA,     /* anything else: a thread's stack among them */
};

/* The stack dlopen and the agent's start get below the stopped thread's
 * stack pointer, at least: a thread of the program's with a small stack of
 * its own (64 KiB and less are seen) is not taken, the main thread always. */
enum { STACK_ROOM_MIN = 64 * 1024 };

/* Whether a mapping's name is a file of the C library's side: a thread
 * there may hold one of its locks. libpthread and libdl: glibc before
 * 2.34, where they were libraries of their own. */
static bool libc_side(const char *name)
{
  static const char deleted[] = " (deleted)";
  static const char *const prefixes[] = { "libc.so", "libc-", "ld-linux", "ld-", "libpthread",
                                          "libdl", "libospy-agent" };
  if (!strcmp(name, "[vdso]") || !strcmp(name, "[vsyscall]"))
    return true;
  const char *base = strrchr(name, '/');
  base = base ? base + 1 : name;
  size_t len = strlen(base), dl = sizeof deleted - 1;
  if (len > dl && !strcmp(base + len - dl, deleted))
    len -= dl;
  if (!memmem(base, len, ".so", 3))
    return false;
  for (size_t i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++)
    if (!strncmp(base, prefixes[i], strlen(prefixes[i])))
      return true;
  return false;
}

static int add_area(ospy_inject_map *m, uint64_t lo, uint64_t hi, unsigned char kind)
{
  if (m->n == m->cap) {
    size_t cap = m->cap ? m->cap * 2 : 256;
    ospy_inject_area *a = realloc(m->areas, cap * sizeof *a);
    if (!a)
      return -1;
    m->areas = a;
    m->cap = cap;
  }
  m->areas[m->n++] = (ospy_inject_area){ lo, hi, kind };
  return 0;
}

int ospy_inject_map_read(pid_t via, ospy_inject_map *m)
{
  char path[64], line[4200];
  snprintf(path, sizeof path, "/proc/%d/maps", (int)via);
  m->n = 0;
  FILE *f = fopen(path, "re");
  if (!f)
    return -1;
  int rc = 0;
  while (rc == 0 && fgets(line, sizeof line, f)) {
    unsigned long long lo, hi;
    char perms[8];
    int name_at = 0;
    if (sscanf(line, "%llx-%llx %7s %*s %*s %*s %n", &lo, &hi, perms, &name_at) < 3)
      continue;
    const char *name = name_at ? line + name_at : "";
    line[strcspn(line, "\n")] = 0;
    bool exec = perms[2] == 'x', libc = *name && libc_side(name);
    bool file = name[0] == '/' || libc;
    if (exec && file)
      rc = add_area(m, lo, hi, libc ? AREA_LIBC_CODE : AREA_OTHER_CODE);
    else if (libc)
      rc = add_area(m, lo, hi, AREA_LIBC_DATA);
    else
      rc = add_area(m, lo, hi, strcmp(name, "[stack]") ? AREA_OTHER_DATA : AREA_MAIN_STACK);
  }
  fclose(f);
  if (rc < 0)
    m->n = 0;
  return rc;
}

void ospy_inject_map_free(ospy_inject_map *m)
{
  free(m->areas);
  *m = (ospy_inject_map){ 0 };
}

/* The area address a falls in, NULL for none. */
static const ospy_inject_area *area_of(const ospy_inject_map *m, uint64_t a)
{
  for (size_t i = 0; i < m->n; i++)
    if (a >= m->areas[i].lo && a < m->areas[i].hi)
      return &m->areas[i];
  return NULL;
}

static unsigned char area_kind(const ospy_inject_map *m, uint64_t a)
{
  const ospy_inject_area *area = area_of(m, a);
  return area ? area->kind : 0;
}

/* Whether the stack at sp has STACK_ROOM_MIN below it (the injector's
 * strings and the call's frames go there). */
static bool stack_roomy(const ospy_inject_map *m, uint64_t sp)
{
  const ospy_inject_area *area = area_of(m, sp - 1);
  return area && (area->kind == AREA_MAIN_STACK || sp - area->lo >= STACK_ROOM_MIN);
}

/* System call numbers (arch/x86/entry/syscalls/syscall_64.tbl and
 * syscall_32.tbl): both tables, the process may be an i386 one. */
enum {
  X64_MMAP = 9, X64_MPROTECT = 10, X64_MUNMAP = 11, X64_BRK = 12, X64_MREMAP = 25,
  X64_MADVISE = 28, X64_CLONE = 56, X64_FORK = 57, X64_VFORK = 58, X64_FUTEX = 202,
  X32_FORK = 2, X32_BRK = 45, X32_OLD_MMAP = 90, X32_MUNMAP = 91, X32_CLONE = 120,
  X32_MPROTECT = 125, X32_MREMAP = 163, X32_VFORK = 190, X32_MMAP2 = 192, X32_MADVISE = 219,
  X32_FUTEX = 240, X32_FUTEX_TIME64 = 422,
  ANY_CLONE3 = 435, ANY_FUTEX_WAITV = 449,
};

/* Whether the C library makes system call nr with a lock of its own held:
 * malloc's calls for memory, fork's clone. */
static bool made_under_a_libc_lock(long long nr, int bits)
{
  static const int x64[] = { X64_MMAP, X64_MPROTECT, X64_MUNMAP, X64_BRK, X64_MREMAP,
                             X64_MADVISE, X64_CLONE, X64_FORK, X64_VFORK, ANY_CLONE3 };
  static const int x32[] = { X32_FORK, X32_BRK, X32_OLD_MMAP, X32_MUNMAP, X32_CLONE,
                             X32_MPROTECT, X32_MREMAP, X32_VFORK, X32_MMAP2, X32_MADVISE,
                             ANY_CLONE3 };
  const int *list = bits == 32 ? x32 : x64;
  size_t n = bits == 32 ? sizeof x32 / sizeof x32[0] : sizeof x64 / sizeof x64[0];
  for (size_t i = 0; i < n; i++)
    if (nr == list[i])
      return true;
  return false;
}

static bool is_futex(long long nr, int bits)
{
  return bits == 32 ? nr == X32_FUTEX || nr == X32_FUTEX_TIME64 : nr == X64_FUTEX;
}

const char *ospy_inject_unsafe_reason(const ospy_inject_map *m, const struct user_regs_struct *r,
                                      int bits)
{
  /* orig_rax: the system call the thread is in (or has just made), -1 when
   * ptrace stopped it running in user space */
  long long nr = bits == 32 ? (int32_t)r->orig_rax : (long long)r->orig_rax;
  if (!stack_roomy(m, bits == 32 ? (uint32_t)r->rsp : r->rsp))
    return "on a stack with less than 64 KiB left";
  if (nr >= 0) {
    if (made_under_a_libc_lock(nr, bits))
      return "in a system call malloc or fork makes holding a lock";
    uint64_t word = bits == 32 ? (uint32_t)r->rbx : r->rdi; /* the futex's first argument */
    if (is_futex(nr, bits) && area_kind(m, word) == AREA_LIBC_DATA)
      return "waiting for a lock of the C library";
    return NULL; /* (a futex_waitv's words: a program's own; glibc does not use it) */
  }
  uint64_t pc = bits == 32 ? (uint32_t)r->rip : r->rip;
  switch (area_kind(m, pc)) {
  case AREA_OTHER_CODE:
    return NULL;
  case AREA_LIBC_CODE:
    return "running inside the C library or the dynamic loader";
  default:
    return "running code of no file (a hook's trampoline or a JIT's code)";
  }
}
