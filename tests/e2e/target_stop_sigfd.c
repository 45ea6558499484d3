/* Every thread blocks every signal; the main thread takes them from a
 * signalfd. Another thread opens the library argv[1] and calls its
 * stop_lib_triple (hooked: ospy stops the other threads to put the hook
 * in) while the main thread spins. Then the main thread sends itself
 * SIGUSR1 and reads its signalfd: that SIGUSR1 must be all it finds
 * (e2e stop-signal-signalfd). */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <sys/signalfd.h>
#include <unistd.h>

static const char *library;
static volatile int loaded;

static void *loader(void *arg) {
  (void)arg;
  void *h = dlopen(library, RTLD_NOW);
  int (*triple)(int) = h ? (int (*)(int))dlsym(h, "stop_lib_triple") : NULL;
  if (triple)
    printf("stop_lib_triple(2) = %d\n", triple(2));
  else
    printf("cannot open %s\n", library);
  loaded = 1;
  return NULL;
}

int main(int argc, char **argv) {
  if (argc < 2)
    return 2;
  library = argv[1];
  sigset_t all;
  sigfillset(&all);
  pthread_sigmask(SIG_BLOCK, &all, NULL);
  int sfd = signalfd(-1, &all, SFD_NONBLOCK);
  if (sfd < 0)
    return 3;
  pthread_t t;
  pthread_create(&t, NULL, loader, NULL);
  volatile unsigned long spins = 0;
  while (!loaded) /* running, in no system call */
    spins++;
  pthread_join(t, NULL);
  kill(getpid(), SIGUSR1);
  struct signalfd_siginfo si;
  int others = 0, usr1 = 0;
  while (read(sfd, &si, sizeof si) == sizeof si) {
    if (si.ssi_signo == SIGUSR1) {
      usr1++;
      continue;
    }
    printf("signalfd: signal %u (code %d)\n", si.ssi_signo, si.ssi_code);
    others++;
  }
  printf("signalfd: SIGUSR1 %d time(s), %d other signal(s)\n", usr1, others);
  return usr1 == 1 && others == 0 ? 0 : 99;
}
