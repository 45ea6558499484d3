/* A fork-per-connection server and a pipe+fork+dup2 child: what a forked
 * child inherits of its parent's descriptors (e2e fork-fd-names).
 *   target_fork_fds DIR
 * The parent listens on 127.0.0.1 (descriptor 3), opens DIR/log (4) and a
 * pipe (5, 6). A client child connects and sends "ping". The parent accepts
 * (7) and forks a handler, then at once closes 7 and opens DIR/parent-new,
 * which takes 7 again: the handler's 7 is still the connection. The
 * handler receives "ping", writes it to DIR/log, answers "pong", then
 * closes 4 and opens DIR/child-own (4 again, in the handler only), closes
 * the listener and the pipe's read end and dup2s its write end over its
 * stdout, which it writes through. The parent reads the pipe, waits for
 * both children and writes to its own 4, still DIR/log.
 * Prints the two children's pids on stderr ("handler PID", "client PID"). */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

static char path_in[4096];

static const char *in_dir(const char *dir, const char *name)
{
  snprintf(path_in, sizeof path_in, "%s/%s", dir, name);
  return path_in;
}

static int listener(struct sockaddr_in *a)
{
  int ls = socket(AF_INET, SOCK_STREAM, 0);
  socklen_t len = sizeof *a;
  memset(a, 0, sizeof *a);
  a->sin_family = AF_INET;
  a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (ls != 3 || bind(ls, (struct sockaddr *)a, sizeof *a) < 0 ||
      getsockname(ls, (struct sockaddr *)a, &len) < 0 || listen(ls, 4) < 0)
    return -1;
  return ls;
}

static void client(const struct sockaddr_in *a)
{
  int c = socket(AF_INET, SOCK_STREAM, 0);
  char reply[8] = { 0 };
  if (c < 0 || connect(c, (const struct sockaddr *)a, sizeof *a) < 0 || send(c, "ping", 4, 0) != 4 ||
      recv(c, reply, sizeof reply - 1, 0) != 4 || strcmp(reply, "pong"))
    _exit(1);
  _exit(0);
}

/* The handler: descriptors 3 (listener), 4 (log), 5 and 6 (pipe), 7 (the
 * connection), all its parent's. */
static void handler(const char *dir)
{
  char got[8] = { 0 };
  if (recv(7, got, sizeof got - 1, 0) != 4 || write(4, got, 4) != 4 || send(7, "pong", 4, 0) != 4)
    _exit(1);
  close(4);
  if (open(in_dir(dir, "child-own"), O_WRONLY | O_CREAT | O_TRUNC, 0644) != 4 ||
      write(4, "the handler's own\n", 18) != 18)
    _exit(2);
  close(3);
  close(5);
  if (dup2(6, 1) != 1 || write(1, "through the pipe", 16) != 16)
    _exit(3);
  close(6);
  close(7);
  _exit(0);
}

int main(int argc, char **argv)
{
  struct sockaddr_in a;
  int p[2];
  if (argc != 2 || listener(&a) != 3 ||
      open(in_dir(argv[1], "log"), O_WRONLY | O_CREAT | O_TRUNC, 0644) != 4 || pipe(p) < 0 ||
      p[0] != 5 || p[1] != 6)
    return 10;
  pid_t cl = fork();
  if (cl == 0)
    client(&a);
  struct sockaddr_in peer;
  socklen_t peer_len = sizeof peer;
  int s = accept(3, (struct sockaddr *)&peer, &peer_len);
  if (s != 7)
    return 11;
  pid_t h = fork();
  if (h == 0)
    handler(argv[1]);
  close(7);
  if (open(in_dir(argv[1], "parent-new"), O_WRONLY | O_CREAT | O_TRUNC, 0644) != 7)
    return 12;
  close(6);
  char piped[32] = { 0 };
  ssize_t n = read(5, piped, sizeof piped - 1);
  int st1 = -1, st2 = -1;
  waitpid(h, &st1, 0);
  waitpid(cl, &st2, 0);
  if (write(4, "the parent's log\n", 17) != 17)
    return 13;
  fprintf(stderr, "handler %d\nclient %d\n", (int)h, (int)cl);
  printf("piped %zd '%s', handler %d, client %d\n", n, piped,
         WIFEXITED(st1) ? WEXITSTATUS(st1) : -1, WIFEXITED(st2) ? WEXITSTATUS(st2) : -1);
  return 0;
}
