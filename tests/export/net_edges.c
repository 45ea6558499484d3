/* Socket calls in the shapes oSpy's loader parses them badly when written
 * naively (tests/export/check_loader.sh): flags with names, descriptors of
 * -1, a NULL buffer, addresses of every family and none, addresses cut
 * short by their length, failed calls, a
 * recv whose buffer is not recorded, and a recv that never returns (SIGALRM
 * ends the program in it). */
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static void loopback_exchange(void)
{
  struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
  socklen_t len = sizeof a;
  int srv = socket(AF_INET, SOCK_STREAM, 0);
  if (srv < 0 || bind(srv, (struct sockaddr *)&a, sizeof a) < 0 || listen(srv, 1) < 0 ||
      getsockname(srv, (struct sockaddr *)&a, &len) < 0)
    return;
  int cli = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (cli < 0 || connect(cli, (struct sockaddr *)&a, sizeof a) < 0)
    return;
  int peer = accept(srv, NULL, NULL);
  char buf[64];
  send(cli, "hello", 5, MSG_NOSIGNAL);
  send(cli, NULL, 0, MSG_NOSIGNAL);
  recv(peer, buf, 1, MSG_PEEK);
  recv(peer, buf, sizeof buf, MSG_DONTWAIT);
  recv(peer, buf, sizeof buf, MSG_DONTWAIT); /* EAGAIN: buf not recorded */
  close(cli);
  close(peer);
  close(srv);
}

static void failed_calls(void)
{
  char buf[8];
  socket(12345, SOCK_STREAM, 0); /* -1 */
  send(-1, "x", 1, 0);
  recv(-1, buf, sizeof buf, 0);
  int s = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in refused = { .sin_family = AF_INET, .sin_port = htons(1),
                                 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
  connect(s, (struct sockaddr *)&refused, sizeof refused);
  /* addrlen shorter than the address: only the family and the port (4),
   * the family (2), half the address (6) recorded; EINVAL */
  connect(s, (struct sockaddr *)&refused, 4);
  connect(s, (struct sockaddr *)&refused, 2);
  connect(s, (struct sockaddr *)&refused, 6);
  close(s);
  s = socket(AF_INET6, SOCK_STREAM, 0);
  struct sockaddr_in6 six = { .sin6_family = AF_INET6, .sin6_port = htons(1),
                              .sin6_addr = IN6ADDR_LOOPBACK_INIT };
  connect(s, (struct sockaddr *)&six, sizeof six);
  connect(s, NULL, 0);
  close(s);
  s = socket(AF_UNIX, SOCK_STREAM, 0);
  struct sockaddr_un un = { .sun_family = AF_UNIX, .sun_path = "/nonexistent/ospy" };
  connect(s, (struct sockaddr *)&un, sizeof un);
  close(s);
}

int main(void)
{
  loopback_exchange();
  failed_calls();
  int sv[2];
  char buf[16];
  if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0)
    return 1;
  alarm(1); /* the default action: the program ends inside this recv */
  recv(sv[0], buf, sizeof buf, 0);
  return 1;
}
