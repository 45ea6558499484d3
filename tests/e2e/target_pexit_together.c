/* Threads released together by a barrier, each ending with pthread_exit
 * (the first pthread_exit of the process loads the unwinder, which the
 * agent then wraps: threads that came while that was under way unwound
 * through the unwrapped unwinder and died of SIGSEGV). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

static pthread_barrier_t barrier;

/* a hooked frame the forced unwind goes through */
__attribute__((noinline)) void finish(void *arg);
__attribute__((noinline)) void finish(void *arg)
{
  pthread_exit(arg);
}

static void *thread_main(void *arg)
{
  pthread_barrier_wait(&barrier);
  finish(arg);
  return NULL;
}

int main(int argc, char **argv)
{
  int n = argc > 1 ? atoi(argv[1]) : 8;
  pthread_t t[64];
  if (n < 1 || n > 64)
    return 2;
  pthread_barrier_init(&barrier, NULL, (unsigned)n);
  for (long i = 0; i < n; i++)
    pthread_create(&t[i], NULL, thread_main, (void *)(i + 1));
  long sum = 0;
  for (int i = 0; i < n; i++) {
    void *r = NULL;
    pthread_join(t[i], &r);
    sum += (long)r;
  }
  printf("sum=%ld\n", sum);
  return 0;
}
