/* Every thread blocks every signal, as servers that take them from a
 * signalfd or sigwaitinfo do: two workers spin in stop_work, the main thread
 * sleeps until the file argv[1] exists. Then each thread says whether a
 * signal waits for it: the one ospy stops threads with did, sent to the
 * workers while attaching (e2e stop-signal-blocked). */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

static volatile int stop;
static volatile int sink;

__attribute__((noinline)) int stop_work(int x) { return x * 3 + 1; }

static int report_pending(const char *who) {
  sigset_t pending;
  sigpending(&pending);
  int n = 0;
  for (int s = 1; s < 65; s++)
    if (sigismember(&pending, s) == 1) {
      printf("%s: signal %d pending\n", who, s);
      n++;
    }
  return n;
}

static void *worker(void *who) {
  while (!stop)
    sink = stop_work(sink);
  return (void *)(long)report_pending(who);
}

int main(int argc, char **argv) {
  if (argc < 2)
    return 2;
  sigset_t all;
  sigfillset(&all);
  pthread_sigmask(SIG_BLOCK, &all, NULL); /* (the workers inherit it) */
  pthread_t t[2];
  pthread_create(&t[0], NULL, worker, "worker 1");
  pthread_create(&t[1], NULL, worker, "worker 2");
  printf("ready\n");
  fflush(stdout);
  while (access(argv[1], F_OK) != 0)
    usleep(20000);
  stop = 1;
  long bad = 0;
  for (int i = 0; i < 2; i++) {
    void *n;
    pthread_join(t[i], &n);
    bad += (long)n;
  }
  bad += report_pending("main");
  printf("%s\n", bad ? "FAIL" : "no signal pending");
  return bad ? 99 : 0;
}
