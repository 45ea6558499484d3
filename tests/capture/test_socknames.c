/* Socket descriptor names: the protocol from socket()'s domain and type, an
 * address as an endpoint, and the name strace -yy would give. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "capture/socknames.h"
#include "check.h"

static const char *endpoint(const void *sa, size_t n)
{
  static char out[128];
  ospy_sockaddr_endpoint(sa, n, out, sizeof out);
  return out;
}

static void test_protocols(void)
{
  CHECK(!strcmp(ospy_socket_proto(AF_INET, SOCK_STREAM), "TCP"));
  CHECK(!strcmp(ospy_socket_proto(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK), "UDP"));
  CHECK(!strcmp(ospy_socket_proto(AF_INET6, SOCK_STREAM), "TCPv6"));
  CHECK(!strcmp(ospy_socket_proto(AF_INET6, SOCK_RAW), "RAWv6"));
  CHECK(!strcmp(ospy_socket_proto(AF_UNIX, SOCK_DGRAM), "UNIX-DGRAM"));
  CHECK(!strcmp(ospy_socket_proto(AF_UNIX, SOCK_SEQPACKET), "UNIX-SEQPACKET"));
  CHECK(!strcmp(ospy_socket_proto(AF_NETLINK, SOCK_RAW), "NETLINK"));
  CHECK(!strcmp(ospy_socket_proto(AF_INET, 9), "socket")); /* no such type */
  CHECK(!strcmp(ospy_socket_proto(-1, SOCK_STREAM), "socket"));
  printf("ok protocols\n");
}

static void test_endpoints(void)
{
  struct sockaddr_in in = { .sin_family = AF_INET, .sin_port = htons(8080) };
  inet_pton(AF_INET, "10.1.2.3", &in.sin_addr);
  CHECK(!strcmp(endpoint(&in, sizeof in), "10.1.2.3:8080"));
  CHECK(!strcmp(endpoint(&in, 7), ""));                    /* too short for the address */
  struct sockaddr_in6 in6 = { .sin6_family = AF_INET6, .sin6_port = htons(443) };
  inet_pton(AF_INET6, "::1", &in6.sin6_addr);
  CHECK(!strcmp(endpoint(&in6, sizeof in6), "[::1]:443"));
  struct sockaddr_un un = { .sun_family = AF_UNIX };
  strcpy(un.sun_path, "/run/x.sock");
  CHECK(!strcmp(endpoint(&un, sizeof un), "/run/x.sock"));
  CHECK(!strcmp(endpoint(&un, 2 + 4), "/run"));             /* the length given counts */
  memcpy(un.sun_path, "\0abstract\0junk", 14);
  CHECK(!strcmp(endpoint(&un, 2 + 9), "@abstract"));
  CHECK(!strcmp(endpoint(&un, 2), ""));                     /* unnamed */
  uint8_t unspec[16] = { 0 };
  CHECK(!strcmp(endpoint(unspec, sizeof unspec), ""));      /* AF_UNSPEC: connect() dissolving */
  CHECK(!strcmp(endpoint(unspec, 1), ""));
  printf("ok endpoints\n");
}

static void test_names(void)
{
  char out[300];
  ospy_sockname s = { "TCP", "", "" };
  ospy_sockname_text(&s, out, sizeof out);
  CHECK(!strcmp(out, "TCP"));
  strcpy(s.local, "0.0.0.0:80");
  ospy_sockname_text(&s, out, sizeof out);
  CHECK(!strcmp(out, "TCP:[0.0.0.0:80]"));
  strcpy(s.peer, "10.0.0.2:5555");
  ospy_sockname_text(&s, out, sizeof out);
  CHECK(!strcmp(out, "TCP:[0.0.0.0:80->10.0.0.2:5555]"));
  s.local[0] = 0;
  ospy_sockname_text(&s, out, sizeof out);
  CHECK(!strcmp(out, "TCP:[->10.0.0.2:5555]"));
  printf("ok names\n");
}

int main(void)
{
  test_protocols();
  test_endpoints();
  test_names();
  return 0;
}
