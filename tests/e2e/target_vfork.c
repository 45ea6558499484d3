/* Children that run on their parent's memory until they exec: a vfork child
 * and posix_spawn's, each redirecting its stdout to a file first. Their dup2
 * calls are theirs, not the parent's, whose stdout stays where it was. */
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

int main(int argc, char **argv)
{
  if (argc < 2)
    return 2;
  int fd = open(argv[1], O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0)
    return 1;
  pid_t pid = vfork();
  if (pid == 0) {
    dup2(fd, 1);
    execl("/bin/echo", "echo", "from the vfork child", (char *)NULL);
    _exit(127);
  }
  int status;
  waitpid(pid, &status, 0);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, fd, 1);
  char *args[] = { "echo", "from the spawned child", NULL };
  if (posix_spawn(&pid, "/bin/echo", &fa, NULL, args, environ) != 0)
    return 3;
  waitpid(pid, &status, 0);
  const char msg[] = "parent still writes to its own stdout\n";
  write(1, msg, strlen(msg));
  return 0;
}
