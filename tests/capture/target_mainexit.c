/* Attach target whose main thread has ended: main prints "pid=N", starts two
 * threads and ends itself with pthread_exit. The process lives on in them,
 * its main thread a zombie (/proc/PID/exe unreadable, /proc/PID/maps and fd
 * empty). Each thread calls mix(tag, i) every millisecond with a tag of its
 * own on the heap (the agent reads it from outside its stack) until the
 * file STOP exists, checks every result, and prints "thread T calls=N
 * bad=B". The last thread's end ends the process (glibc's exit(0)).
 *   target_mainexit STOP */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char *stop;

__attribute__((noinline)) unsigned mix(const char *tag, int i)
{
  unsigned h = 2166136261u;
  for (const char *p = tag; *p; p++)
    h = (h ^ (unsigned char)*p) * 16777619u;
  __asm__ volatile("" ::: "memory");
  return h ^ (unsigned)i;
}

static void *worker(void *arg)
{
  long id = (long)arg;
  char *tag = malloc(16);
  snprintf(tag, 16, "t%ld-heap", id);
  unsigned want = mix(tag, 0); /* (before any attach: the unhooked result) */
  int calls = 1, bad = 0;
  while (access(stop, F_OK) != 0) {
    bad += mix(tag, calls) != (want ^ (unsigned)calls);
    calls++;
    struct timespec ms = { 0, 1000000L };
    nanosleep(&ms, NULL);
  }
  printf("thread %ld calls=%d bad=%d\n", id, calls, bad);
  fflush(stdout);
  free(tag);
  return NULL;
}

int main(int argc, char **argv)
{
  if (argc < 2)
    return 2;
  stop = argv[1];
  pthread_t t;
  for (long id = 0; id < 2; id++)
    if (pthread_create(&t, NULL, worker, (void *)id) != 0)
      return 1;
  printf("pid=%d\n", (int)getpid());
  fflush(stdout);
  pthread_exit(NULL);
}
