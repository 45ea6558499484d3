/* Processes made with glibc's clone(), not threads: two with a copy of the
 * parent's memory (clone 1's function returns 5, clone 2 has CLONE_VFORK
 * and calls _exit(6)) and two on the parent's memory (CLONE_VM |
 * CLONE_VFORK, posix_spawn's way: clone 3 calls _exit(7), clone 4's
 * function is a call of close(3), its status close's 0).
 *   target_clone FILE_A FILE_B
 * The parent opens FILE_A as descriptor 3; children 1 to 3 close their 3,
 * open FILE_B (3 again) and read 4 bytes of it. After each child the parent
 * reads the first 4 bytes of its own 3 (FILE_A's) with pread, and at the end
 * with read. Each child's pid goes to stderr, the rest to stdout.
 * Each child's stack comes from mmap, as clone(2)'s example has it, with an
 * inaccessible page right above its top: a hooked call made there must not
 * read past it (clone 4's close is made at the very top). */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#define STACK_SIZE (64 * 1024)

static const char *file_b;

/* The top of a new stack, with a page no one may read right above it. */
static char *stack_top(void)
{
  long page = sysconf(_SC_PAGESIZE);
  char *p = mmap(NULL, STACK_SIZE + page, PROT_READ | PROT_WRITE,
                 MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
  if (p == MAP_FAILED || mprotect(p + STACK_SIZE, page, PROT_NONE) != 0)
    return NULL;
  return p + STACK_SIZE;
}

static void use_file_b(void)
{
  char buf[4];
  close(3);
  int fd = open(file_b, O_RDONLY);
  if (fd != 3 || read(fd, buf, sizeof buf) != 4)
    _exit(99);
}

static int returns_5(void *arg)
{
  (void)arg;
  use_file_b();
  return 5;
}

static int exits_6(void *arg)
{
  (void)arg;
  use_file_b();
  _exit(6);
}

static int exits_7(void *arg)
{
  (void)arg;
  use_file_b();
  _exit(7);
}

static int closes_3(void *arg)
{
  (void)arg;
  return close(3);
}

static int run(int n, int (*fn)(void *), int flags)
{
  char *top = stack_top();
  pid_t pid = top ? clone(fn, top, flags | SIGCHLD, NULL) : -1;
  int status = 0;
  if (pid < 0 || waitpid(pid, &status, 0) != pid)
    return -1;
  fprintf(stderr, "clone %d pid %d\n", n, (int)pid);
  char buf[5] = "";
  if (pread(3, buf, 4, 0) != 4)
    return -1;
  if (WIFEXITED(status))
    printf("clone %d: exit status %d; the parent's descriptor 3 reads %s\n", n,
           WEXITSTATUS(status), buf);
  else
    printf("clone %d: killed by signal %d\n", n, WTERMSIG(status));
  return fflush(stdout);
}

int main(int argc, char **argv)
{
  if (argc != 3 || open(argv[1], O_RDONLY) != 3)
    return 2;
  file_b = argv[2];
  if (run(1, returns_5, 0) < 0 || run(2, exits_6, CLONE_VFORK) < 0 ||
      run(3, exits_7, CLONE_VM | CLONE_VFORK) < 0 || run(4, closes_3, CLONE_VM | CLONE_VFORK) < 0)
    return 3;
  char buf[5] = "";
  if (read(3, buf, 4) != 4)
    return 3;
  printf("parent: descriptor 3 reads %s\n", buf);
  return 4;
}
