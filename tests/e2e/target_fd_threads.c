/* Threads that open, write and close files of their own, as fast as they can:
 * the kernel hands each a number another thread closed a moment before, so
 * one thread's close is often drained by ospy after another thread's open
 * of the same number (records are written when calls return).
 *   e2e-target-fd-threads DIR [THREADS [ROUNDS]]
 * Thread i writes DIR/fd_<i>.txt; prints what it did. */
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static const char *dir;
static int rounds = 2000;

static void *work(void *arg)
{
  long i = (long)arg;
  char path[4096], line[32];
  snprintf(path, sizeof path, "%s/fd_%ld.txt", dir, i);
  for (int j = 0; j < rounds; j++) {
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0)
      return (void *)1;
    int n = snprintf(line, sizeof line, "t%ld r%d\n", i, j);
    if (write(fd, line, (size_t)n) != n || close(fd) != 0)
      return (void *)1;
  }
  return NULL;
}

int main(int argc, char **argv)
{
  if (argc < 2)
    return 2;
  dir = argv[1];
  int threads = argc > 2 ? atoi(argv[2]) : 4;
  if (argc > 3)
    rounds = atoi(argv[3]);
  pthread_t t[16];
  if (threads < 1 || threads > 16 || rounds < 1)
    return 2;
  for (long i = 0; i < threads; i++)
    if (pthread_create(&t[i], NULL, work, (void *)i) != 0)
      return 3;
  int failed = 0;
  for (int i = 0; i < threads; i++) {
    void *r;
    pthread_join(t[i], &r);
    failed |= r != NULL;
  }
  printf("fd-threads: %d threads x %d open/write/close%s\n", threads, rounds,
         failed ? " FAILED" : "");
  return failed;
}
