/* Calls add() (or, with a third argument, read(fd, buf, 64) from /dev/zero)
 * N times from T threads; each thread prints the CPU time it spent per call
 * (its own user + system time): what a hook costs the program's thread,
 * whatever the host's load does to wall time.   thread_cpu N T [read] */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <unistd.h>

int add(int a, int b);

static long n_calls;
static int do_read;

static double cpu_ns(void)
{
  struct rusage r;
  if (getrusage(RUSAGE_THREAD, &r) < 0)
    return 0;
  return (r.ru_utime.tv_sec + r.ru_stime.tv_sec) * 1e9 +
         (r.ru_utime.tv_usec + r.ru_stime.tv_usec) * 1e3;
}

static void *worker(void *arg)
{
  long sum = 0;
  char buf[64];
  int fd = open("/dev/zero", O_RDONLY);
  double t0 = cpu_ns();
  for (long i = 0; i < n_calls; i++)
    sum += do_read ? read(fd, buf, sizeof buf) : add((int)i, 1);
  fprintf(stderr, "cpu %.1f\n", (cpu_ns() - t0) / (double)n_calls);
  *(long *)arg = sum;
  if (fd >= 0)
    close(fd);
  return NULL;
}

int main(int argc, char **argv)
{
  n_calls = argc > 1 ? atol(argv[1]) : 1000000;
  int threads = argc > 2 ? atoi(argv[2]) : 1;
  do_read = argc > 3;
  pthread_t t[16];
  long sums[16];
  if (n_calls < 1 || threads < 1 || threads > 16)
    return 2;
  for (int i = 0; i < threads; i++)
    pthread_create(&t[i], NULL, worker, &sums[i]);
  for (int i = 0; i < threads; i++)
    pthread_join(t[i], NULL);
  return 0;
}
