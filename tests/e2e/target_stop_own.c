/* A program that uses the signal ospy stops threads with (SIGRTMAX-3) for
 * itself, as some runtimes use high real-time signals: its handler, set
 * before a library is opened (ospy stops the other threads to hook its
 * function), must get its own signals only, each once, and sigaction must
 * answer as without ospy: at start (the default, or SIG_IGN inherited), for
 * its handler, after SA_RESETHAND fired, for SIG_IGN, and after an exec
 * (e2e stop-signal-own).
 *   target_stop_own LIBRARY   or   target_stop_own report */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static volatile int calls;
static volatile int codes[8], values[8];

static void own(int sig, siginfo_t *si, void *uc) {
  (void)sig, (void)uc;
  if (calls < 8) {
    codes[calls] = si->si_code;
    values[calls] = si->si_code == SI_QUEUE ? si->si_value.sival_int : 0;
  }
  calls++;
}

static const char *name(const struct sigaction *sa) {
  if (sa->sa_handler == SIG_DFL)
    return "SIG_DFL";
  if (sa->sa_handler == SIG_IGN)
    return "SIG_IGN";
  return sa->sa_sigaction == own ? "own" : "another handler";
}

/* the restorer by its offset in its file: the same in every run */
static void print_action(const char *what, const struct sigaction *sa) {
  char restorer[128] = "none";
  Dl_info di;
  if (sa->sa_restorer && dladdr((void *)(uintptr_t)sa->sa_restorer, &di))
    snprintf(restorer, sizeof restorer, "%s+%#lx", strrchr(di.dli_fname, '/') + 1,
             (unsigned long)((uintptr_t)sa->sa_restorer - (uintptr_t)di.dli_fbase));
  unsigned long long mask;
  memcpy(&mask, &sa->sa_mask, sizeof mask);
  printf("%s: %s flags=%#x mask=%#llx restorer=%s\n", what, name(sa), (unsigned)sa->sa_flags,
         mask, restorer);
  fflush(stdout);
}

static void print_current(const char *what) {
  struct sigaction o;
  memset(&o, 0, sizeof o);
  sigaction(SIGRTMAX - 3, NULL, &o);
  print_action(what, &o);
}

static void print_calls(void) {
  printf("handler: %d call(s):", calls);
  for (int i = 0; i < calls && i < 8; i++)
    printf(" %s", codes[i] == SI_TKILL ? "raise" : codes[i] == SI_QUEUE ? "sigqueue" : "other");
  for (int i = 0; i < calls && i < 8; i++)
    if (codes[i] == SI_QUEUE)
      printf(" (value %d)", values[i]);
  printf("\n");
  fflush(stdout);
}

static void set_own(int flags) {
  struct sigaction sa, old;
  memset(&sa, 0, sizeof sa);
  memset(&old, 0, sizeof old);
  sa.sa_sigaction = own;
  sa.sa_flags = SA_SIGINFO | flags;
  sigemptyset(&sa.sa_mask);
  sigaddset(&sa.sa_mask, SIGUSR2);
  sigaction(SIGRTMAX - 3, &sa, &old);
  print_action("before", &old);
  print_current("set");
}

static volatile int stop;
static void *spin(void *arg) {
  (void)arg;
  volatile unsigned long n = 0;
  while (!stop)
    n++;
  return NULL;
}

int main(int argc, char **argv) {
  int sig = SIGRTMAX - 3;
  if (argc > 1 && !strcmp(argv[1], "report")) {
    print_current("after exec");
    return 0;
  }
  if (argc < 2)
    return 2;
  print_current("start");
  struct sigaction start;
  sigaction(sig, NULL, &start);
  if (start.sa_handler == SIG_IGN) {
    raise(sig);
    printf("raised while ignored\n");
  }
  set_own(SA_RESTART);
  pthread_t t;
  pthread_create(&t, NULL, spin, NULL);
  void *h = dlopen(argv[1], RTLD_NOW);
  int (*triple)(int) = h ? (int (*)(int))dlsym(h, "stop_lib_triple") : NULL;
  if (!triple)
    return 3;
  printf("stop_lib_triple(2) = %d\n", triple(2));
  print_current("after dlopen");
  raise(sig);
  raise(sig);
  sigqueue(getpid(), sig, (union sigval){ .sival_int = 42 });
  print_calls();
  set_own(SA_RESETHAND);
  raise(sig);
  print_current("after reset");
  print_calls();
  signal(sig, SIG_IGN);
  raise(sig);
  print_current("ignored");
  print_calls();
  stop = 1;
  pthread_join(t, NULL);
  fflush(stdout);
  execl("/proc/self/exe", argv[0], "report", (char *)NULL);
  printf("exec failed\n");
  return 4;
}
