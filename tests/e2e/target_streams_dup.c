/* Descriptors copied (e2e case streams-dup): dupsock.c's and dupw.c's
 * patterns, self-contained.
 *   target_streams_dup DIR
 * Writes a banner to stdout; connects to its own loopback listener, saves
 * stdout with dup and dup2s the connection onto 1, writes a request through
 * 1, the accepted end answers, and the answer read through 1 is relayed to
 * the saved stdout; then DIR/dup.out is dup2'd onto 1 and closed, written
 * through 1, stdout put back from its copy and written, and written through
 * a copy fcntl(F_DUPFD_CLOEXEC) made. Prints nothing else. */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static const char request[] = "GET / HTTP/1.0\r\n\r\n";
static const char answer[] = "HTTP/1.0 200 OK\r\n\r\nhi";

/* A connection to a listener of our own: *client connected, *server accepted. */
static int connect_self(int *client, int *server)
{
  struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
  socklen_t l = sizeof a;
  int ls = socket(AF_INET, SOCK_STREAM, 0);
  if (ls < 0 || bind(ls, (struct sockaddr *)&a, sizeof a) || listen(ls, 1) ||
      getsockname(ls, (struct sockaddr *)&a, &l))
    return -1;
  *client = socket(AF_INET, SOCK_STREAM, 0);
  if (*client < 0 || connect(*client, (struct sockaddr *)&a, sizeof a))
    return -1;
  *server = accept(ls, NULL, NULL);
  close(ls);
  return *server < 0 ? -1 : 0;
}

/* The socket on stdout: the request out through 1, the answer in through 1,
 * relayed to the saved stdout. */
static int socket_on_stdout(void)
{
  int client, server;
  char buf[64];
  ssize_t n;
  if (write(1, "banner\n", 7) != 7 || connect_self(&client, &server) < 0)
    return 1;
  int saved = dup(1);
  if (saved < 0 || dup2(client, 1) != 1 || write(1, request, strlen(request)) < 0)
    return 2;
  if (recv(server, buf, sizeof buf, 0) != (ssize_t)strlen(request) ||
      send(server, answer, strlen(answer), 0) < 0 || close(server))
    return 3;
  while ((n = read(1, buf, sizeof buf)) > 0)
    if (write(saved, buf, (size_t)n) != n)
      return 4;
  return dup2(saved, 1) == 1 && close(saved) == 0 && close(client) == 0 ? 0 : 5;
}

/* A file on stdout, then stdout back, and a copy of it made by fcntl. */
static int file_on_stdout(const char *dir)
{
  char path[4096];
  snprintf(path, sizeof path, "%s/dup.out", dir);
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  int saved = dup(1);
  if (fd < 0 || saved < 0 || dup2(fd, 1) != 1 || close(fd))
    return 6;
  if (write(1, "to-file\n", 8) != 8 || dup2(saved, 1) != 1 || write(1, "to-stdout\n", 10) != 10)
    return 7;
  int copy = fcntl(1, F_DUPFD_CLOEXEC, 10);
  return copy >= 10 && write(copy, "via-fcntl\n", 10) == 10 ? 0 : 8;
}

int main(int argc, char **argv)
{
  if (argc != 2)
    return 9;
  int rc = socket_on_stdout();
  return rc ? rc : file_on_stdout(argv[1]);
}
