/* Calls whose returned length exceeds the buffer the program gave (e2e
 * cases preset-msg-trunc, preset-msg-trunc-i386): recv, recvfrom and recvmsg
 * with MSG_TRUNC on UDP return the datagram's whole length (10) into a
 * 4-byte buffer; getsockname and recvfrom return an address longer than its
 * buffer. Each buffer is followed by SECRET bytes the call never wrote,
 * which ospy must not show. A TCP recv with MSG_TRUNC discards the data
 * and leaves the buffer as it was. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

struct guarded {
  char b[8];
  char secret[24];
};

static void guard(struct guarded *g)
{
  memset(g->b, '-', sizeof g->b);
  memcpy(g->secret, "SECRETSECRETSECRETSECRET", sizeof g->secret);
}

static int udp(void)
{
  int u = socket(AF_INET, SOCK_DGRAM, 0), v = socket(AF_INET, SOCK_DGRAM, 0);
  struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
  socklen_t l = sizeof a;
  if (u < 0 || v < 0 || bind(u, (void *)&a, sizeof a) < 0 || getsockname(u, (void *)&a, &l) < 0)
    return 1;
  const char *const data[] = { "ABCDEFGHIJ", "KLMNOPQRST", "0123456789", "abcdefghij" };
  for (int i = 0; i < 4; i++)
    sendto(v, data[i], 10, 0, (void *)&a, sizeof a);
  struct guarded g;
  guard(&g);
  ssize_t n = recv(u, g.b, 4, MSG_TRUNC);
  printf("recv(len 4, MSG_TRUNC)=%zd buf=%.4s\n", n, g.b);
  guard(&g);
  n = recvfrom(u, g.b, 4, MSG_TRUNC, NULL, NULL);
  printf("recvfrom(len 4, MSG_TRUNC)=%zd buf=%.4s\n", n, g.b);
  guard(&g);
  struct iovec io = { g.b, 4 };
  struct msghdr m = { .msg_iov = &io, .msg_iovlen = 1 };
  n = recvmsg(u, &m, MSG_TRUNC);
  printf("recvmsg(iov 4, MSG_TRUNC)=%zd flags=%#x buf=%.4s\n", n, (unsigned)m.msg_flags, g.b);
  /* an address longer than its buffer: the kernel cuts it, and says its length */
  struct guarded from;
  guard(&g);
  guard(&from);
  l = 8;
  n = recvfrom(u, g.b, 4, 0, (void *)from.b, &l);
  printf("recvfrom(addrlen 8)=%zd addrlen=%u\n", n, (unsigned)l);
  return 0;
}

static int short_name(void)
{
  int s = socket(AF_INET6, SOCK_DGRAM, 0);
  struct sockaddr_in6 a = { .sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT };
  if (s < 0 || bind(s, (void *)&a, sizeof a) < 0)
    return 0; /* no IPv6 here: nothing to show */
  struct guarded g;
  guard(&g);
  socklen_t l = 8;
  int rc = getsockname(s, (void *)g.b, &l);
  printf("getsockname(addrlen 8)=%d addrlen=%u\n", rc, (unsigned)l);
  return 0;
}

static int tcp(void)
{
  int l = socket(AF_INET, SOCK_STREAM, 0), c = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
  socklen_t sl = sizeof a;
  if (l < 0 || c < 0 || bind(l, (void *)&a, sizeof a) < 0 || getsockname(l, (void *)&a, &sl) < 0 ||
      listen(l, 1) < 0 || connect(c, (void *)&a, sizeof a) < 0)
    return 1;
  int s = accept(l, NULL, NULL);
  if (s < 0 || send(c, "REALDATA", 8, 0) != 8)
    return 1;
  char b[8];
  memcpy(b, "garbage!", 8);
  ssize_t n = recv(s, b, 8, MSG_TRUNC | MSG_WAITALL);
  printf("recv(TCP, MSG_TRUNC)=%zd buf=%.8s\n", n, b);
  return 0;
}

int main(void)
{
  return udp() || short_name() || tcp();
}
