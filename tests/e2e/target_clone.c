/* Processes made with glibc's clone(), not threads: two with a copy of the
 * parent's memory (clone 1's function returns 5, clone 2 has CLONE_VFORK
 * and calls _exit(6)) and one on the parent's memory (CLONE_VM |
 * CLONE_VFORK, posix_spawn's way, _exit(7)).
 *   target_clone FILE_A FILE_B
 * The parent opens FILE_A as descriptor 3; each child closes its 3, opens
 * FILE_B (3 again) and reads 4 bytes of it. After each child the parent
 * reads the first 4 bytes of its own 3 (FILE_A's) with pread, and at the end
 * with read. Each child's pid goes to stderr, the rest to stdout. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

#define STACK_SIZE (64 * 1024)

static const char *file_b;
/* one child's stack after another's, the last with room above it */
static char stacks[4 * STACK_SIZE] __attribute__((aligned(16)));

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

static int run(int n, int (*fn)(void *), int flags)
{
  pid_t pid = clone(fn, stacks + n * STACK_SIZE, flags | SIGCHLD, NULL);
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
      run(3, exits_7, CLONE_VM | CLONE_VFORK) < 0)
    return 3;
  char buf[5] = "";
  if (read(3, buf, 4) != 4)
    return 3;
  printf("parent: descriptor 3 reads %s\n", buf);
  return 4;
}
