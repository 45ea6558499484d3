/* Attach target for system calls the kernel restarts: the main thread (the
 * one ptrace interrupts to inject the agent) and one other alternate
 * poll(NULL, 0, MS) and clock_nanosleep(CLOCK_MONOTONIC, 0, MS) until the
 * file STOP exists, calling tick() between them. No signal handler is
 * installed, so each call must run to its timeout (0), however often the
 * process is attached meanwhile. Each call is printed as strace -f prints
 * it, "<unfinished ...>" when it starts and "<... NAME resumed>) = R" when
 * it returns; exits 1 if one returned anything but 0.
 *   target_restart MS STOP */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int ms;
static const char *stop;
static volatile int cut_short;

__attribute__((noinline)) int tick(int n)
{
  __asm__ volatile("");
  return n + 1;
}

static void poll_once(const char *who)
{
  printf("[%s] poll(NULL, 0, %d) <unfinished ...>\n", who, ms);
  fflush(stdout);
  int r = poll(NULL, 0, ms), e = errno;
  if (r != 0) {
    cut_short = 1;
    printf("[%s] <... poll resumed>) = %d %s (%s)\n", who, r, strerrorname_np(e) ?: "?",
           strerror(e));
  } else {
    printf("[%s] <... poll resumed>) = 0 (Timeout)\n", who);
  }
  fflush(stdout);
}

static void sleep_once(const char *who)
{
  struct timespec t = { ms / 1000, (ms % 1000) * 1000000L }, left = { 0, 0 };
  printf("[%s] clock_nanosleep(CLOCK_MONOTONIC, 0, {tv_sec=%ld, tv_nsec=%ld}, <unfinished ...>\n",
         who, (long)t.tv_sec, t.tv_nsec);
  fflush(stdout);
  int r = clock_nanosleep(CLOCK_MONOTONIC, 0, &t, &left); /* (returns the error number) */
  if (r != 0) {
    cut_short = 1;
    printf("[%s] <... clock_nanosleep resumed>{tv_sec=%ld, tv_nsec=%ld}) = %s (%s)\n", who,
           (long)left.tv_sec, left.tv_nsec, strerrorname_np(r) ?: "?", strerror(r));
  } else {
    printf("[%s] <... clock_nanosleep resumed>0x%lx) = 0\n", who, (unsigned long)&left);
  }
  fflush(stdout);
}

/* Alternates the two until STOP exists; first_sleep: clock_nanosleep first. */
static void alternate(const char *who, int first_sleep)
{
  for (int n = 0; access(stop, F_OK) != 0; n++) {
    if ((n + first_sleep) % 2)
      sleep_once(who);
    else
      poll_once(who);
    tick(n);
  }
}

static void *other(void *arg)
{
  alternate("thread", 1);
  return arg;
}

int main(int argc, char **argv)
{
  if (argc < 3)
    return 2;
  ms = atoi(argv[1]);
  stop = argv[2];
  pthread_t t;
  printf("pid=%d\n", (int)getpid());
  fflush(stdout);
  if (pthread_create(&t, NULL, other, NULL) != 0)
    return 2;
  alternate("main", 0);
  pthread_join(t, NULL);
  printf("+++ exited with %d +++\n", cut_short);
  return cut_short;
}
