/* A coroutine runs on a stack carved from one 1 MiB arena (its upper half)
 * and writes 6 bytes from the arena's first page, then makes that page
 * PROT_NONE and writes them again: the kernel says EFAULT (QA's
 * corostale). The agent kept the whole arena as the coroutine's stack and
 * copied from the page without asking again: SIGSEGV. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

static ucontext_t main_ctx, co_ctx;
static char *arena;

static void coroutine(void)
{
  char *page = arena;
  memcpy(page, "hello\n", 6);
  ssize_t r1 = write(1, page, 6);
  mprotect(page, 4096, PROT_NONE);
  ssize_t r2 = write(1, page, 6);
  printf("r1=%zd r2=%zd errno=%s\n", r1, r2, r2 < 0 ? strerror(errno) : "-");
  fflush(stdout);
}

int main(void)
{
  arena = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (arena == MAP_FAILED || getcontext(&co_ctx))
    return 2;
  co_ctx.uc_stack.ss_sp = arena + (512 << 10);
  co_ctx.uc_stack.ss_size = 512 << 10;
  co_ctx.uc_link = &main_ctx;
  makecontext(&co_ctx, coroutine, 0);
  if (swapcontext(&main_ctx, &co_ctx))
    return 3;
  printf("back in main\n");
  return 0;
}
