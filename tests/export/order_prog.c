/* The target of the start-order end-to-end test (check_order.sh):
 *   order-prog CALLS THREADS
 * A thread blocks in wait_for (a read of a pipe); once it is inside, THREADS
 * workers each call outer CALLS times, and outer calls inner twice (both
 * hooked: inner with logNested). Then the pipe is written, and a child is
 * forked that calls outer CALLS times once its parent is inside reap, where
 * the parent waits for it (waitpid). So the blocking calls began before all
 * that the others did while they blocked, and returned after it: ospy
 * records them after it. Each hooked function says it is inside by writing
 * a byte to a pipe (its entry was recorded before). */
#include <pthread.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

/* hooked by name (the program is linked with -rdynamic) */
int inner(int x);
int outer(int x);
int wait_for(int fd, int ready);
int reap(int pid, int ready);

static volatile long sink;
static int calls;

__attribute__((noinline)) int inner(int x)
{
  sink += x;
  return x + 1;
}

__attribute__((noinline)) int outer(int x)
{
  return inner(x) + inner(x + 1);
}

/* Says "inside" on fd ready, then reads a byte of fd. */
__attribute__((noinline)) int wait_for(int fd, int ready)
{
  char c = 'r';
  if (write(ready, &c, 1) != 1)
    return -1;
  return (int)read(fd, &c, 1);
}

/* Says "inside" on fd ready, then waits for child pid. */
__attribute__((noinline)) int reap(int pid, int ready)
{
  int st = 1;
  char c = 'r';
  if (write(ready, &c, 1) != 1)
    return -1;
  return waitpid(pid, &st, 0) == pid ? st : -1;
}

static int wake[2], ready[2];

static void *blocker(void *arg)
{
  (void)arg;
  return (void *)(long)wait_for(wake[0], ready[1]);
}

static void *worker(void *arg)
{
  int base = (int)(long)arg;
  for (int i = 0; i < calls; i++)
    outer(base + i);
  return NULL;
}

static int await_byte(int fd)
{
  char c;
  return read(fd, &c, 1) == 1 ? 0 : -1;
}

int main(int argc, char **argv)
{
  calls = argc > 1 ? atoi(argv[1]) : 10;
  int nthreads = argc > 2 ? atoi(argv[2]) : 2;
  pthread_t b, w[16];
  if (nthreads < 1 || nthreads > 16 || pipe(wake) != 0 || pipe(ready) != 0 ||
      pthread_create(&b, NULL, blocker, NULL) != 0 || await_byte(ready[0]) < 0)
    return 2;
  for (int t = 0; t < nthreads; t++)
    if (pthread_create(&w[t], NULL, worker, (void *)(long)(1000 * (t + 1))) != 0)
      return 2;
  for (int t = 0; t < nthreads; t++)
    pthread_join(w[t], NULL);
  void *got;
  if (write(wake[1], "x", 1) != 1 || pthread_join(b, &got) != 0 || (long)got != 1)
    return 3;
  pid_t pid = fork();
  if (pid == 0) {
    if (await_byte(ready[0]) < 0)
      _exit(5);
    for (int i = 0; i < calls; i++)
      outer(i);
    _exit(0);
  }
  return pid > 0 && reap(pid, ready[1]) == 0 ? 0 : 4;
}
