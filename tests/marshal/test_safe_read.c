/* Safe reads (os/linux/os_read.h), the path every marshaled value takes:
 * a buffer on the calling thread's stack (copied without a system call), one
 * on the heap, one running into an unmapped page (the readable prefix), an
 * unmapped address (0), and the same on another thread's and a signal
 * handler's stack (the stack the reader runs on changes). On a coroutine
 * whose stack is carved from an arena: a page of the arena below it made
 * PROT_NONE after the reader found the stack reads as 0 (it was copied
 * directly: SIGSEGV), and a read that looks its stack up takes little of
 * it (it took 8 KiB for the maps buffer). /proc/self/maps read from a
 * signal handler that interrupted another read of it, and with every
 * static buffer taken. */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

#include "os/linux/os_maps.h"
#include "os/linux/os_read.h"
#include "os/linux/os_scratch.h"

static int failures;
#define CHECK(c) \
  do { if (!(c)) { fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #c); failures++; } } while (0)

static void check_stack_and_heap(const char *who)
{
  char local[300], out[300];
  for (unsigned i = 0; i < sizeof local; i++)
    local[i] = (char)(i * 7 + 1);
  memset(out, 0, sizeof out);
  CHECK(ospy_os_read_memory((uintptr_t)local, out, sizeof local) == sizeof local);
  CHECK(!memcmp(local, out, sizeof local));
  CHECK(ospy_os_read_memory((uintptr_t)local + 3, out, 5) == 5 && !memcmp(local + 3, out, 5));
  char *heap = malloc(1000);
  CHECK(heap != NULL);
  if (heap) {
    memset(heap, 0x5a, 1000);
    CHECK(ospy_os_read_memory((uintptr_t)heap, out, 100) == 100 && out[99] == 0x5a);
    free(heap);
  }
  printf("ok %s: stack and heap buffers\n", who);
}

static void check_guard(void)
{
  long page = sysconf(_SC_PAGESIZE);
  uint8_t *p = mmap(NULL, (size_t)page * 2, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  CHECK(p != MAP_FAILED);
  if (p == MAP_FAILED)
    return;
  CHECK(munmap(p + page, (size_t)page) == 0);
  memset(p, 0x11, (size_t)page);
  uint8_t out[64];
  CHECK(ospy_os_read_memory((uintptr_t)(p + page - 16), out, 64) == 16); /* the readable prefix */
  CHECK(ospy_os_read_memory((uintptr_t)(p + page), out, 8) == 0);        /* unmapped */
  CHECK(ospy_os_read_memory(8, out, 8) == 0);                           /* near NULL */
  munmap(p, (size_t)page);
  printf("ok a buffer into an unmapped page gives its readable prefix, unmapped gives 0\n");
}

static void *thread_main(void *arg)
{
  (void)arg;
  check_stack_and_heap("another thread");
  return NULL;
}

static void on_signal(int sig)
{
  (void)sig;
  char local[64], out[64];
  memset(local, 0x33, sizeof local);
  CHECK(ospy_os_read_memory((uintptr_t)local, out, sizeof out) == sizeof out && out[63] == 0x33);
}

/* ---- a coroutine on a stack carved from an arena ---- */

#if !defined(__SANITIZE_ADDRESS__) /* (ASan does not follow swapcontext) */

#define ARENA_SIZE (1u << 20)
#define PAINT 0xa5

static ucontext_t main_ctx, co_ctx;
static uint8_t *arena;

/* corostale (QA): the arena's first page, below the coroutine's stack, is
 * read (the reader finds and keeps the stack's mapping: the whole arena),
 * then made PROT_NONE, then read again. */
static void co_stale_page(void)
{
  long page = sysconf(_SC_PAGESIZE);
  uint8_t out[8] = { 0 };
  memset(arena, 0x44, 8);
  CHECK(ospy_os_read_memory((uintptr_t)arena, out, 8) == 8 && out[7] == 0x44);
  CHECK(mprotect(arena, (size_t)page, PROT_NONE) == 0);
  CHECK(ospy_os_read_memory((uintptr_t)arena, out, 8) == 0);
  char local[16];
  memset(local, 0x55, sizeof local);
  CHECK(ospy_os_read_memory((uintptr_t)local, out, 8) == 8 && out[0] == 0x55);
}

/* The stack a read uses when it must look up the stack it runs on. */
static size_t co_used;

__attribute__((noinline)) static void read_a_local(void)
{
  char local[16], out[16];
  memset(local, 0x66, sizeof local);
  CHECK(ospy_os_read_memory((uintptr_t)local, out, sizeof out) == sizeof out && out[15] == 0x66);
  __asm__ volatile("" ::"r"(local), "r"(out) : "memory");
}

static void co_stack_use(void)
{
  uint8_t here = 0;
  uint8_t *lo = arena + ARENA_SIZE / 2; /* the stack's bottom: painted below here */
  __asm__ volatile("" ::"r"(&here) : "memory");
  read_a_local();
  uint8_t *p = lo;
  while (p < &here && *p == PAINT)
    p++;
  co_used = (size_t)(&here - p);
}

static void run_on_arena(void (*fn)(void), int paint)
{
  arena = mmap(NULL, ARENA_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  CHECK(arena != MAP_FAILED);
  if (arena == MAP_FAILED)
    return;
  if (paint)
    memset(arena + ARENA_SIZE / 2, PAINT, ARENA_SIZE / 2);
  CHECK(getcontext(&co_ctx) == 0);
  co_ctx.uc_stack.ss_sp = arena + ARENA_SIZE / 2; /* the upper half */
  co_ctx.uc_stack.ss_size = ARENA_SIZE / 2;
  co_ctx.uc_link = &main_ctx;
  makecontext(&co_ctx, fn, 0);
  CHECK(swapcontext(&main_ctx, &co_ctx) == 0);
  munmap(arena, ARENA_SIZE);
  /* a read on this stack again: the next arena's reader looks its stack up
   * (it may be mapped where this one was, inside the range the reader
   * keeps until it runs elsewhere) */
  char local[8], out[8];
  memset(local, 0x77, sizeof local);
  CHECK(ospy_os_read_memory((uintptr_t)local, out, sizeof out) == sizeof out && out[0] == 0x77);
}

static void check_coroutine_stacks(void)
{
  run_on_arena(co_stale_page, 0);
  printf("ok a page below the running stack, made PROT_NONE since the stack was found, reads as 0\n");
  run_on_arena(co_stack_use, 1);
  CHECK(co_used > 0 && co_used < 2048);
  if (co_used >= 2048)
    fprintf(stderr, "a read that looked its stack up used %zu bytes of it\n", co_used);
  printf("ok a read that looks its stack up uses under 2 KiB of it\n");
}
#else
static void check_coroutine_stacks(void)
{
  printf("skip coroutine stacks: ASan does not follow swapcontext\n");
}
#endif

/* ---- /proc/self/maps read re-entered, and without a static buffer ---- */

static int count_cb_calls;

static bool count_cb(const ospy_os_map *m, void *data)
{
  (void)m;
  (*(int *)data)++;
  return true;
}

static void on_usr2(int sig)
{
  (void)sig;
  ospy_os_map m;
  CHECK(ospy_os_maps_find((uintptr_t)&m, &m) && (m.prot & OSPY_OS_PROT_R));
}

/* Raises SIGUSR2 at the first mapping: its handler reads maps itself. */
static bool count_and_interrupt(const ospy_os_map *m, void *data)
{
  if (count_cb_calls++ == 0)
    raise(SIGUSR2);
  return count_cb(m, data);
}

static void check_maps_reentered(void)
{
  struct sigaction sa = { .sa_handler = on_usr2 };
  CHECK(sigaction(SIGUSR2, &sa, NULL) == 0);
  int plain = 0, interrupted = 0;
  CHECK(ospy_os_maps_foreach(count_cb, &plain) == 0);
  CHECK(ospy_os_maps_foreach(count_and_interrupt, &interrupted) == 0);
  CHECK(plain > 3 && interrupted == plain);
  printf("ok maps read in a signal handler that interrupted a read of maps: both whole\n");

  void *held[64];
  unsigned n = 0, mapped = ospy_os_scratch_mapped();
  while (n < 64 && ospy_os_scratch_mapped() == mapped && (held[n] = ospy_os_scratch_take()) != NULL)
    n++; /* every static buffer taken, and one mapped */
  CHECK(ospy_os_scratch_mapped() == mapped + 1);
  ospy_os_map m;
  CHECK(ospy_os_maps_find((uintptr_t)&m, &m));
  CHECK(ospy_os_scratch_mapped() == mapped + 2);
  while (n)
    ospy_os_scratch_give(held[--n]);
  CHECK(ospy_os_maps_find((uintptr_t)&m, &m) && ospy_os_scratch_mapped() == mapped + 2);
  printf("ok maps read with every static buffer taken (one mapped for it), a static one after\n");
}

int main(void)
{
  check_stack_and_heap("main thread");
  check_guard();
  pthread_t t;
  CHECK(pthread_create(&t, NULL, thread_main, NULL) == 0);
  CHECK(pthread_join(t, NULL) == 0);
  /* a handler on an alternate signal stack: the reader is on another mapping */
  stack_t ss = { .ss_sp = malloc(65536), .ss_size = 65536 };
  CHECK(ss.ss_sp && sigaltstack(&ss, NULL) == 0);
  struct sigaction sa = { .sa_handler = on_signal, .sa_flags = SA_ONSTACK };
  CHECK(sigaction(SIGUSR1, &sa, NULL) == 0);
  raise(SIGUSR1);
  check_stack_and_heap("main thread after the signal");
  printf("ok on an alternate signal stack\n");
  stack_t off = { .ss_flags = SS_DISABLE };
  CHECK(sigaltstack(&off, NULL) == 0);
  free(ss.ss_sp);
  check_coroutine_stacks();
  check_maps_reentered();
  return failures ? 1 : 0;
}
