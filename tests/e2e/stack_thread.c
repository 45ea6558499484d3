/* A thread with a PTHREAD_STACK_MIN (16 KiB) stack keeps 4 KiB of locals
 * and writes 3 bytes of them (QA's smallthread_min): the agent's look-up
 * of the thread's stack took 8 KiB more. */
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static void *thread_main(void *arg)
{
  char buf[4096];
  memset(buf, 'x', sizeof buf);
  buf[0] = 'o';
  buf[1] = 'k';
  buf[2] = '\n';
  (void)!write(1, buf, 3);
  __asm__ volatile("" ::"r"(buf) : "memory");
  return arg;
}

int main(void)
{
  pthread_attr_t at;
  pthread_t t;
  if (pthread_attr_init(&at) || pthread_attr_setstacksize(&at, PTHREAD_STACK_MIN) ||
      pthread_create(&t, &at, thread_main, NULL) || pthread_join(t, NULL))
    return 2;
  printf("done\n");
  return 0;
}
