/* A SIGALRM handler (every millisecond) that leaves by siglongjmp, as some
 * programs leave a long computation, while the thread is inside ospy's
 * hook code: it jumps only when the interrupted pc lies outside this
 * program's code (ospy's hooks, the C library they call), so that every
 * jump lands in the middle of a hooked call's recording. Without ospy it
 * never jumps.
 *   target_sigjump one       the main thread calls work() until it has
 *                            made 200000 calls and jumped 20 times
 *   target_sigjump threads   the same, then 4 threads call work() 100000
 *                            times each, with no signal (a record the main
 *                            thread left unfinished held back its lane of
 *                            the ring: they waited for room for ever; a
 *                            watchdog ends the process with status 3)
 * Prints "done" on stdout; on stderr "made=M body=B jumps=J": the calls
 * made (counted before each call), those whose body ran, the jumps. */
#define _GNU_SOURCE
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <ucontext.h>
#include <unistd.h>

static sigjmp_buf jump_back;
static volatile long made, body, jumps, sink;
extern char __executable_start[], etext[];

__attribute__((noinline)) int work(int x)
{
  __atomic_fetch_add(&body, 1, __ATOMIC_RELAXED);
  return x * 5 + 1;
}

static void on_alarm(int sig, siginfo_t *si, void *ctx)
{
  (void)sig;
  (void)si;
  const ucontext_t *uc = ctx;
#if defined(__x86_64__)
  const char *pc = (const char *)uc->uc_mcontext.gregs[REG_RIP];
#else
  const char *pc = (const char *)uc->uc_mcontext.gregs[REG_EIP];
#endif
  if (pc >= __executable_start && pc < etext)
    return; /* in the program's own code: not inside a hook */
  jumps++;
  siglongjmp(jump_back, 1);
}

static void *worker(void *arg)
{
  long s = 0;
  for (int i = 0; i < 100000; i++)
    s += work(i);
  __atomic_fetch_add(&made, 100000, __ATOMIC_RELAXED);
  (void)arg;
  return (void *)(intptr_t)s;
}

static void *watchdog(void *arg)
{
  (void)arg;
  sleep(40);
  fprintf(stderr, "hung: made=%ld body=%ld jumps=%ld\n", made, body, jumps);
  syscall(SYS_exit_group, 3); /* (not the hooked _exit: its record may wait too) */
  return NULL;
}

int main(int argc, char **argv)
{
  int threads = argc > 1 && !strcmp(argv[1], "threads");
  /* the main thread alone takes the signal: a handler on another thread
   * would jump onto the main thread's stack */
  sigset_t alarm_only;
  sigemptyset(&alarm_only);
  sigaddset(&alarm_only, SIGALRM);
  pthread_sigmask(SIG_BLOCK, &alarm_only, NULL);
  pthread_t dog;
  pthread_create(&dog, NULL, watchdog, NULL);
  pthread_sigmask(SIG_UNBLOCK, &alarm_only, NULL);
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = on_alarm;
  sa.sa_flags = SA_SIGINFO;
  sigaction(SIGALRM, &sa, NULL);
  struct itimerval every_ms = { { 0, 1000 }, { 0, 1000 } };
  setitimer(ITIMER_REAL, &every_ms, NULL);
  sigsetjmp(jump_back, 1);
  /* (alone it never jumps: 20 times the calls bound it) */
  while (made < 200000 || (jumps < 20 && made < 4000000)) {
    made++;
    sink += work((int)made);
  }
  struct itimerval off = { { 0, 0 }, { 0, 0 } };
  setitimer(ITIMER_REAL, &off, NULL);
  if (threads) {
    pthread_sigmask(SIG_BLOCK, &alarm_only, NULL); /* (a last alarm may be pending) */
    pthread_t t[4];
    for (int i = 0; i < 4; i++)
      pthread_create(&t[i], NULL, worker, NULL);
    for (int i = 0; i < 4; i++)
      pthread_join(t[i], NULL);
  }
  fprintf(stderr, "made=%ld body=%ld jumps=%ld\n", made, body, jumps);
  printf("done\n");
  return 0;
}
