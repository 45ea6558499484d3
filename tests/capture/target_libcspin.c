/* Test target for an attach (-p) that finds no moment to load the agent
 * safely (e2e-attach-give-up): its only thread spins inside the C library
 * for ever (pthread_spin_lock on a lock it holds itself), never in a system
 * call, never in its own code. SIGUSR1 lets it go (its handler unlocks the
 * lock): it says so and exits 0. */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static pthread_spinlock_t lock;

static void on_usr1(int sig)
{
  (void)sig;
  pthread_spin_unlock(&lock);
}

int main(void)
{
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_usr1;
  sigaction(SIGUSR1, &sa, NULL);
  pthread_spin_init(&lock, PTHREAD_PROCESS_PRIVATE);
  pthread_spin_lock(&lock);
  printf("pid=%d\n", (int)getpid());
  fflush(stdout);
  pthread_spin_lock(&lock); /* (until SIGUSR1) */
  printf("let go OK\n");
  return 0;
}
