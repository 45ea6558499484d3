/* Safe reads (os/linux/os_read.h), the path every marshaled value takes:
 * a buffer on the calling thread's stack (copied without a system call), one
 * on the heap, one running into an unmapped page (the readable prefix), an
 * unmapped address (0), and the same on another thread's and a signal
 * handler's stack (the stack the reader runs on changes). */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "os/linux/os_read.h"

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
  return failures ? 1 : 0;
}
