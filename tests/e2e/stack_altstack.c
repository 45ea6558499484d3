/* A SIGUSR1 handler on an 8 KiB alternate signal stack, a PROT_NONE guard
 * page below it, writes 4 bytes from its stack (QA's altstack_min): the
 * agent's look-up of that stack took 8 KiB of it. */
#include <signal.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

static void handler(int sig)
{
  char b[4] = { 's', 'i', 'g', '\n' };
  (void)sig;
  (void)!write(1, b, 4);
}

int main(void)
{
  char *p = mmap(NULL, 3 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED || mprotect(p, 4096, PROT_NONE))
    return 2;
  stack_t ss = { .ss_sp = p + 4096, .ss_size = 8192 };
  struct sigaction sa = { .sa_handler = handler, .sa_flags = SA_ONSTACK };
  if (sigaltstack(&ss, NULL) || sigaction(SIGUSR1, &sa, NULL))
    return 3;
  raise(SIGUSR1);
  printf("done\n");
  return 0;
}
