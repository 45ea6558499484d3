/* Attach target: the main thread and two others call busy_add without pause
 * for SECS seconds, then main prints how many calls it made and exits 3.
 * busy_add's first five bytes hold two instructions, so a thread stopped
 * between them when the hook goes in must be moved, the main thread (the one
 * ptrace interrupts to inject the agent) included. With "masked" after
 * SECS the two others block every signal, so they cannot be stopped. */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

long busy_add(long x);
#if defined(__x86_64__)
__asm__(".text\n.globl busy_add\n.type busy_add,@function\nbusy_add:\n"
        "mov %rdi, %rax\nadd %rdi, %rax\nadd %rdi, %rax\nadd $1, %rax\nret\n"
        ".size busy_add, .-busy_add\n");
#else
__asm__(".text\n.globl busy_add\n.type busy_add,@function\nbusy_add:\n"
        "mov 4(%esp), %eax\nlea 1(%eax,%eax,2), %eax\nret\n"
        ".size busy_add, .-busy_add\n");
#endif

static volatile int stop;

static int masked; /* "masked": the workers block every signal they can */

static void *worker(void *arg)
{
  if (masked) {
    sigset_t all;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, NULL);
  }
  for (long k = 0; !stop; k++)
    if (busy_add(k) != 3 * k + 1)
      abort();
  return arg;
}

int main(int argc, char **argv)
{
  double secs = argc > 1 ? atof(argv[1]) : 2;
  masked = argc > 2 && !strcmp(argv[2], "masked");
  pthread_t t[2];
  for (int i = 0; i < 2; i++)
    pthread_create(&t[i], NULL, worker, NULL);
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  printf("pid=%d\n", (int)getpid());
  fflush(stdout);
  long k = 0;
  for (;; k++) {
    if (busy_add(k) != 3 * k + 1)
      abort();
    if ((k & 1023) == 0) {
      clock_gettime(CLOCK_MONOTONIC, &t1);
      if ((double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9 > secs)
        break;
    }
  }
  printf("main made %ld\n", k);
  fflush(stdout);
  exit(3);
}
