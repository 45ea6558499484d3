/*
 * The loader's locks (loader_locks.h). glibc's ld.so keeps them in
 * _rtld_global (an exported GLIBC_PRIVATE object whose layout changes from
 * one release to the next): recursive pthread mutexes, whose owner word
 * holds the thread id of the thread that holds one. Rather than an offset
 * per release, every word of _rtld_global that looks like such a mutex
 * owned by the calling thread counts; the look is checked once, inside a
 * dl_iterate_phdr callback, where this thread holds dl_load_write_lock: when
 * it does not find one more there than outside, the locks are "not found"
 * and every thread may hold them (inline.c then never waits). A held lock
 * another thread waits for has the lock word 2 (glibc's "locked, with
 * waiters").
 */
#include "agent/loader_locks.h"

#include <dlfcn.h>
#include <link.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "os/linux/os_syscall.h"

static const volatile int32_t *rtld_words; /* _rtld_global, as 32-bit words */
static size_t rtld_nwords;
static int found; /* 1: checked and usable */

/* A recursive mutex held by tid at word i: glibc's struct __pthread_mutex_s,
 * { int lock; unsigned count; int owner; ... int kind }, kind at word 4 on
 * x86-64 (after nusers), word 3 on i386. */
#if defined(__x86_64__)
#define KIND_WORD 4
#define STEP 2 /* (8-aligned) */
#else
#define KIND_WORD 3
#define STEP 1
#endif
#define MUTEX_WORDS (sizeof(pthread_mutex_t) / 4)

/* How many tid holds; *wanted: one of them another thread waits for (its
 * lock word 2: glibc's "locked, with waiters"). */
static unsigned held_by(int32_t tid, bool *wanted)
{
  unsigned n = 0;
  for (size_t i = 0; i + MUTEX_WORDS <= rtld_nwords; i += STEP) {
    const volatile int32_t *m = rtld_words + i;
    int32_t lock = m[0];
    if (m[2] == tid && lock != 0 && m[1] >= 1 &&
        (m[KIND_WORD] & 0x7f) == PTHREAD_MUTEX_RECURSIVE_NP) {
      n++;
      if (wanted && lock == 2)
        *wanted = true;
    }
  }
  return n;
}

static int check_cb(struct dl_phdr_info *info, size_t size, void *data)
{
  (void)info;
  (void)size;
  *(unsigned *)data = held_by(ospy_os_gettid(), NULL);
  return 1; /* (one module is enough) */
}

void ospy_loader_locks_find(void)
{
  static int done;
  if (done++)
    return;
  void *g = dlsym(RTLD_DEFAULT, "_rtld_global");
  Dl_info di;
  const ElfW(Sym) *sym = NULL;
  if (!g || !dladdr1(g, &di, (void **)&sym, RTLD_DL_SYMENT) || !sym ||
      sym->st_size < sizeof(pthread_mutex_t) || ((uintptr_t)g & 3))
    return;
  rtld_words = g;
  rtld_nwords = sym->st_size / 4;
  unsigned outside = held_by(ospy_os_gettid(), NULL), inside = 0;
  dl_iterate_phdr(check_cb, &inside);
  found = inside > outside;
}

int ospy_loader_lock_held(void)
{
  if (!found)
    return OSPY_LOADER_LOCK_UNKNOWN;
  bool wanted = false;
  if (!held_by(ospy_os_gettid(), &wanted))
    return OSPY_LOADER_LOCK_NONE;
  return wanted ? OSPY_LOADER_LOCK_WANTED : OSPY_LOADER_LOCK_HELD;
}
