/* The stream rebuilder and the pcapng export on hand-made decoded calls
 * (no capture, so it runs under ASan too):
 *   test-streams OUT.pcapng BOTH-ENDS.pcapng
 * TCP over IPv6, a descriptor closed and reused, bytes not recorded, UDP
 * with sendto/recvfrom, a TLS session over a connected socket, a plain fd;
 * a socketpair's unnamed ends; both ends of connections in one process
 * (BOTH-ENDS.pcapng); descriptors known only by their names; descriptors
 * copied with dup, dup2, fcntl(F_DUPFD); events lost and calls left out as
 * nested (GAP.pcapng: a comment on the packet after the loss).
 * check_unit.sh then reads the files with tshark. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "capture/event.h"
#include "export/export.h"
#include "export/streams.h"

static int failures;
#define CHECK(c)                                                                   \
  do {                                                                             \
    if (!(c)) {                                                                    \
      fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #c);       \
      failures++;                                                                  \
    }                                                                              \
  } while (0)

/* ---- building calls ---- */

#define MAXV 8
typedef struct call {
  ospy_xevent ev;
  ospy_xvalue in[MAXV], out[MAXV], ret, kids[MAXV];
  uint8_t sa[2][28];
  char rtext[32];
} call;

static int64_t now = 1700000000000000000;

static call *begin(call *c, const char *fn, long ret)
{
  static char name[64];
  memset(c, 0, sizeof *c);
  snprintf(name, sizeof name, "libc.so.6::%s", fn);
  now += 1000000;
  c->ev = (ospy_xevent){ .type = OSPY_XEV_FUNCTION_CALL, .ts_ns = now, .pid = 42, .tid = 42,
                         .process_name = "t", .name = name, .args_in = c->in,
                         .args_out = c->out, .retval = &c->ret, .has_last_error = true };
  snprintf(c->rtext, sizeof c->rtext, "%ld", ret);
  c->ret = (ospy_xvalue){ .name = "retval", .type = "Int64", .text = c->rtext };
  return c;
}

static void arg(call *c, const char *name, const char *type, const char *text)
{
  c->in[c->ev.nargs_in++] = (ospy_xvalue){ .name = name, .type = type, .text = text };
}

/* A pointer argument to bytes (in, or out when out != 0). */
static void bytes(call *c, int out, const char *name, const void *p, size_t n)
{
  ospy_xvalue *k = &c->kids[c->ev.nargs_in + c->ev.nargs_out];
  *k = (ospy_xvalue){ .type = "ByteArray", .bytes = p, .nbytes = n };
  ospy_xvalue v = { .name = name, .type = "Pointer", .text = "0x7ffc1000", .children = k,
                    .nchildren = 1 };
  if (out)
    c->out[c->ev.nargs_out++] = v;
  else
    c->in[c->ev.nargs_in++] = v;
}

static void sockaddr(call *c, int out, const char *name, int fam, const char *ip, int port)
{
  uint8_t *s = c->sa[out];
  memset(s, 0, 28);
  s[0] = (uint8_t)fam;
  s[2] = (uint8_t)(port >> 8);
  s[3] = (uint8_t)port;
  inet_pton(fam, ip, fam == AF_INET ? s + 4 : s + 8);
  bytes(c, out, name, s, fam == AF_INET ? 16 : 28);
}

/* ---- the scenario ---- */

typedef void (*sink_fn)(const ospy_xevent *ev, void *data);

static void socket_call(sink_fn f, void *d, const char *dom, const char *type, long fd)
{
  call c;
  begin(&c, "socket", fd);
  arg(&c, "domain", "Enum", dom);
  arg(&c, "type", "Flags", type);
  f(&c.ev, d);
}

static void fd_call(sink_fn f, void *d, const char *fn, long fd, int out, const char *data,
                    size_t n, long ret)
{
  call c;
  char fdt[16];
  snprintf(fdt, sizeof fdt, "%ld", fd);
  begin(&c, fn, ret);
  arg(&c, strstr(fn, "send") || strstr(fn, "recv") ? "sockfd" : "fd", "FileDescriptor", fdt);
  if (data)
    bytes(&c, out, "buf", data, n);
  f(&c.ev, d);
}

static void connect_call(sink_fn f, void *d, long fd, int fam, const char *ip, int port)
{
  call c;
  char fdt[16];
  snprintf(fdt, sizeof fdt, "%ld", fd);
  begin(&c, "connect", 0);
  arg(&c, "sockfd", "FileDescriptor", fdt);
  sockaddr(&c, 0, "addr", fam, ip, port);
  f(&c.ev, d);
}

static void udp_calls(sink_fn f, void *d)
{
  call c;
  socket_call(f, d, "AF_INET", "SOCK_DGRAM|SOCK_CLOEXEC", 4);
  begin(&c, "sendto", 4);
  arg(&c, "sockfd", "FileDescriptor", "4");
  bytes(&c, 0, "buf", "ping", 4);
  sockaddr(&c, 0, "dest_addr", AF_INET, "192.0.2.1", 5353);
  f(&c.ev, d);
  begin(&c, "recvfrom", 4);
  arg(&c, "sockfd", "FileDescriptor", "4");
  bytes(&c, 1, "buf", "pong", 4);
  sockaddr(&c, 1, "src_addr", AF_INET, "192.0.2.1", 5353);
  f(&c.ev, d);
}

static void ssl_call(sink_fn f, void *d, const char *fn, int out, const char *data, long ret)
{
  call c;
  begin(&c, fn, ret);
  arg(&c, "ssl", "Pointer", "0x55550000abc0");
  if (!strcmp(fn, "SSL_set_fd"))
    arg(&c, "fd", "FileDescriptor", "5");
  if (data)
    bytes(&c, out, "buf", data, strlen(data));
  f(&c.ev, d);
}

static void tls_calls(sink_fn f, void *d)
{
  static const char req[] = "GET /secret HTTP/1.1\r\nHost: example.org\r\n\r\n";
  static const char resp[] = "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n";
  socket_call(f, d, "AF_INET", "SOCK_STREAM", 5);
  connect_call(f, d, 5, AF_INET, "198.51.100.7", 443);
  ssl_call(f, d, "SSL_set_fd", 0, NULL, 1);
  ssl_call(f, d, "SSL_write", 0, req, (long)strlen(req));
  ssl_call(f, d, "SSL_read", 1, resp, (long)strlen(resp));
  ssl_call(f, d, "SSL_free", 0, NULL, 0);
}

static void scenario(sink_fn f, void *d)
{
  static const char req[] = "GET /v6 HTTP/1.1\r\nHost: localhost\r\n\r\n";
  static const char resp[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi";
  socket_call(f, d, "AF_INET6", "SOCK_STREAM", 3);
  connect_call(f, d, 3, AF_INET6, "::1", 8080);
  fd_call(f, d, "send", 3, 0, req, strlen(req), (long)strlen(req));
  /* a peek leaves the bytes queued: not data of the stream (the recv after
   * it returns them) */
  call pk;
  begin(&pk, "recv", (long)strlen(resp));
  arg(&pk, "sockfd", "FileDescriptor", "3");
  bytes(&pk, 1, "buf", resp, strlen(resp));
  arg(&pk, "flags", "Flags", "MSG_DONTWAIT|MSG_PEEK");
  f(&pk.ev, d);
  fd_call(f, d, "recv", 3, 1, resp, strlen(resp), (long)strlen(resp));
  fd_call(f, d, "recv", 3, 1, NULL, 0, 0); /* end of stream: no data */
  fd_call(f, d, "close", 3, 0, NULL, 0, 0);
  socket_call(f, d, "AF_INET", "SOCK_STREAM", 3); /* the same fd again */
  fd_call(f, d, "send", 3, 0, "x", 1, 10);         /* 10 bytes sent, 1 recorded */
  udp_calls(f, d);
  tls_calls(f, d);
  fd_call(f, d, "read", 0, 1, "input", 5, 5);
}

/* ---- both ends of one connection in the capture ---- */

static void addr_call(sink_fn f, void *d, const char *fn, long fd, int out, int fam,
                      const char *ip, int port)
{
  call c;
  char fdt[16];
  snprintf(fdt, sizeof fdt, "%ld", fd);
  begin(&c, fn, 0);
  arg(&c, "sockfd", "FileDescriptor", fdt);
  sockaddr(&c, out, "addr", fam, ip, port);
  f(&c.ev, d);
}

static void accept_call(sink_fn f, void *d, long lfd, long fd, int fam, const char *ip,
                        int port)
{
  call c;
  char fdt[16];
  snprintf(fdt, sizeof fdt, "%ld", lfd);
  begin(&c, "accept", fd);
  arg(&c, "sockfd", "FileDescriptor", fdt);
  sockaddr(&c, 1, "addr", fam, ip, port);
  f(&c.ev, d);
}

/* A listener on ip:sport and a client from ip:cport connected to it in the
 * same process, each end's addresses known (bind, getsockname; connect,
 * getsockname; accept's peer). Descriptors: listener 10, client 11,
 * accepted 12. */
static void loopback_pair(sink_fn f, void *d, const char *dom, int fam, const char *ip,
                          int sport, int cport)
{
  socket_call(f, d, dom, "SOCK_STREAM", 10);
  addr_call(f, d, "bind", 10, 0, fam, ip, sport);
  socket_call(f, d, dom, "SOCK_STREAM", 11);
  connect_call(f, d, 11, fam, ip, sport);
  addr_call(f, d, "getsockname", 11, 1, fam, ip, cport);
  accept_call(f, d, 10, 12, fam, ip, cport);
}

static void close_pair(sink_fn f, void *d)
{
  fd_call(f, d, "close", 11, 0, NULL, 0, 0);
  fd_call(f, d, "close", 12, 0, NULL, 0, 0);
  fd_call(f, d, "close", 10, 0, NULL, 0, 0);
}

/* Each byte once: the pcapng had both ends' views of each connection, two
 * handshakes with one 4-tuple and different sequence numbers. */
static void both_ends(sink_fn f, void *d)
{
  /* IPv4, the client speaks first (as dup4.c) */
  loopback_pair(f, d, "AF_INET", AF_INET, "127.0.0.1", 5001, 43001);
  fd_call(f, d, "send", 11, 0, "ping", 4, 4);
  fd_call(f, d, "recv", 12, 1, "ping", 4, 4);
  fd_call(f, d, "send", 12, 0, "pong!", 5, 5);
  fd_call(f, d, "recv", 11, 1, "pong!", 5, 5);
  close_pair(f, d);
  /* IPv6, the server speaks first: its end is the one written */
  loopback_pair(f, d, "AF_INET6", AF_INET6, "::1", 5002, 43002);
  fd_call(f, d, "write", 12, 0, "hello", 5, 5);
  fd_call(f, d, "read", 11, 1, "hello", 5, 5);
  fd_call(f, d, "write", 11, 0, "bye", 3, 3);
  fd_call(f, d, "read", 12, 1, "bye", 3, 3);
  close_pair(f, d);
  /* the first 4-tuple again: a new connection of its own */
  loopback_pair(f, d, "AF_INET", AF_INET, "127.0.0.1", 5001, 43001);
  fd_call(f, d, "send", 11, 0, "again", 5, 5);
  fd_call(f, d, "recv", 12, 1, "again", 5, 5);
  close_pair(f, d);
}

/* ---- descriptors copied ---- */

static void dup_call(sink_fn f, void *d, const char *fn, long oldfd, long newfd, long ret)
{
  call c;
  char o[16], n[16];
  snprintf(o, sizeof o, "%ld", oldfd);
  snprintf(n, sizeof n, "%ld", newfd);
  begin(&c, fn, ret);
  arg(&c, "oldfd", "FileDescriptor", o);
  if (newfd >= 0)
    arg(&c, "newfd", "FileDescriptor", n);
  f(&c.ev, d);
}

static void fcntl_call(sink_fn f, void *d, long fd, const char *cmd, long ret)
{
  call c;
  char t[16];
  snprintf(t, sizeof t, "%ld", fd);
  begin(&c, "fcntl", ret);
  arg(&c, "fd", "FileDescriptor", t);
  arg(&c, "cmd", "Enum", cmd);
  arg(&c, "arg", "Pointer", "0xa");
  f(&c.ev, d);
}

static void open_call(sink_fn f, void *d, const char *path, long fd)
{
  call c;
  begin(&c, "open", fd);
  c.kids[0] = (ospy_xvalue){ .type = "AsciiString", .text = path };
  c.in[c.ev.nargs_in++] = (ospy_xvalue){ .name = "pathname", .type = "Pointer",
                                         .text = "0x7ffc3000", .children = &c.kids[0],
                                         .nchildren = 1 };
  f(&c.ev, d);
}

/* dupsock.c: stdout written, then a socket dup2'd onto it (the old stdout
 * saved with dup); the request written to and the response read from fd 1
 * are the socket's, the response relayed to the saved stdout is stdout's.
 * They were one conversation, "fd=1 fd <stdout>", and no packet. */
static void dup_socket_calls(sink_fn f, void *d)
{
  static const char req[] = "GET / HTTP/1.0\r\n\r\n";
  static const char resp[] = "HTTP/1.0 200 OK\r\n\r\nhi";
  fd_call(f, d, "write", 1, 0, "banner\n", 7, 7);
  socket_call(f, d, "AF_INET", "SOCK_STREAM", 3);
  connect_call(f, d, 3, AF_INET, "127.0.0.1", 8716);
  dup_call(f, d, "dup", 1, -1, 4);
  dup_call(f, d, "dup2", 3, 1, 1);
  fd_call(f, d, "write", 1, 0, req, strlen(req), (long)strlen(req));
  fd_call(f, d, "read", 1, 1, resp, strlen(resp), (long)strlen(resp));
  fd_call(f, d, "read", 1, 1, NULL, 0, 0);
  fd_call(f, d, "write", 4, 0, resp, strlen(resp), (long)strlen(resp));
}

/* dupw.c: a file dup2'd onto stdout and closed, written through 1; stdout
 * put back from its saved copy (the file's conversation ends: no descriptor
 * refers to it any more) and written; a copy made by fcntl(F_DUPFD_CLOEXEC)
 * writes to stdout too; F_GETFD copies nothing. */
static void dup_file_calls(sink_fn f, void *d)
{
  open_call(f, d, "/tmp/dup.out", 3);
  fd_call(f, d, "write", 3, 0, "first\n", 6, 6);
  dup_call(f, d, "dup", 1, -1, 4);
  dup_call(f, d, "dup2", 3, 1, 1);
  fd_call(f, d, "close", 3, 0, NULL, 0, 0);
  fd_call(f, d, "write", 1, 0, "to-file\n", 8, 8);
  dup_call(f, d, "dup3", 4, 1, 1);
  fd_call(f, d, "write", 1, 0, "to-stdout\n", 10, 10);
  fcntl_call(f, d, 1, "F_GETFD", 0);
  fcntl_call(f, d, 1, "F_DUPFD_CLOEXEC", 10);
  fd_call(f, d, "write", 10, 0, "via-dup\n", 8, 8);
  dup_call(f, d, "dup2", 4, 4, 4); /* onto itself: nothing changes */
  fd_call(f, d, "write", 4, 0, "saved\n", 6, 6);
}

/* ---- what the capture lacks ---- */

static void lost_event(sink_fn f, void *d, uint32_t pid, uint64_t n)
{
  call c;
  begin(&c, "x", 0);
  c.ev = (ospy_xevent){ .type = OSPY_XEV_LOST, .ts_ns = now, .pid = pid, .tid = pid,
                        .process_name = "t", .has_lost_count = true, .lost_count = n };
  f(&c.ev, d);
}

static void info_event(sink_fn f, void *d, const char *message)
{
  call c;
  begin(&c, "x", 0);
  c.ev = (ospy_xevent){ .type = OSPY_XEV_INFO, .ts_ns = now, .pid = 42, .tid = 42,
                        .process_name = "t", .message = message };
  f(&c.ev, d);
}

/* A TCP connection and a file written, 7 events of the process lost
 * between two sends (3 of another process too), the connection's next data
 * after_gap; then the agent's notes on calls logNested="false" left out:
 * 2 writes and 1 open count (streams reads them), 5 fstatat do not. */
static void gap_calls(sink_fn f, void *d)
{
  socket_call(f, d, "AF_INET", "SOCK_STREAM", 3);
  connect_call(f, d, 3, AF_INET, "192.0.2.9", 7000);
  open_call(f, d, "/tmp/log", 5);
  fd_call(f, d, "send", 3, 0, "one", 3, 3);
  fd_call(f, d, "write", 5, 0, "a", 1, 1);
  lost_event(f, d, 42, 7);
  lost_event(f, d, 43, 3);
  fd_call(f, d, "send", 3, 0, "three", 5, 5);
  fd_call(f, d, "send", 3, 0, "four", 4, 4);
  fd_call(f, d, "write", 5, 0, "b", 1, 1);
  info_event(f, d, "[libc.so.6::write] libc.so.6!write: 2" OSPY_NESTED_HIDDEN_MANY
                   " (logNested=\"false\", the default; logNested=\"true\" records them)");
  info_event(f, d, "[libc.so.6::fstatat] libc.so.6!fstatat: 5" OSPY_NESTED_HIDDEN_MANY " (...)");
  info_event(f, d, "[libc.so.6::open] libc.so.6!open: 1" OSPY_NESTED_HIDDEN_ONE " (...)");
  info_event(f, d, "agent: hooks installed");
}

/* ---- checks ---- */

static void feed(const ospy_xevent *ev, void *data)
{
  CHECK(ospy_streams_feed(data, ev) == 0);
}

static void expect_conv(const ospy_streams *s, uint32_t id, ospy_conv_kind kind, long fd,
                        const char *local, const char *remote, uint64_t out, uint64_t in)
{
  const ospy_conv *c = ospy_streams_get(s, id);
  char l[128], r[128];
  CHECK(c != NULL);
  if (!c)
    return;
  ospy_endpoint_text(&c->local, l, sizeof l);
  ospy_endpoint_text(&c->remote, r, sizeof r);
  fprintf(stderr, "#%u %s fd=%lld %s -> %s out=%llu in=%llu\n", id, ospy_conv_kind_name(c->kind),
          (long long)c->fd, l, r, (unsigned long long)c->bytes[0], (unsigned long long)c->bytes[1]);
  CHECK(c->kind == kind);
  CHECK(c->fd == fd);
  CHECK(!strcmp(l, local));
  CHECK(!strcmp(r, remote));
  CHECK(c->bytes[0] == out && c->bytes[1] == in);
}

static void check_streams(void)
{
  ospy_streams_cb cb = { 0 };
  ospy_streams *s = ospy_streams_new(&cb);
  scenario(feed, s);
  ospy_streams_finish(s);
  CHECK(ospy_streams_count(s) == 5);
  expect_conv(s, 1, OSPY_CONV_TCP, 3, "?", "[::1]:8080", 37, 40);
  expect_conv(s, 2, OSPY_CONV_TCP, 3, "?", "?", 10, 0);
  CHECK(ospy_streams_get(s, 2)->captured[0] == 1);
  expect_conv(s, 3, OSPY_CONV_UDP, 4, "?", "192.0.2.1:5353", 4, 4);
  expect_conv(s, 4, OSPY_CONV_TLS, 5, "?", "198.51.100.7:443", 43, 45);
  expect_conv(s, 5, OSPY_CONV_FD, 0, "?", "?", 0, 5);
  ospy_streams_free(s);
}

/* The endpoints as the first data found them: what the header of
 * --follow prints. */
static void note_first_data(void *user, const ospy_conv *c, const ospy_stream_data *d)
{
  char(*seen)[64] = user;
  (void)d;
  if (seen[0][0])
    return;
  ospy_endpoint_text(&c->local, seen[0], sizeof seen[0]);
  ospy_endpoint_text(&c->remote, seen[1], sizeof seen[1]);
}

/* socketpair: both ends are unnamed AF_UNIX sockets, from the call on,
 * whether or not the program asks getsockname/getpeername (the header of
 * --follow said "(unnamed) -> ?" for a pair whose peer name was asked after
 * the data, the summary "(unnamed) -> (unnamed)") */
static void check_socketpair(void)
{
  char seen[2][64] = { "", "" };
  ospy_streams_cb cb = { .data = note_first_data, .user = seen };
  ospy_streams *s = ospy_streams_new(&cb);
  call c;
  begin(&c, "socketpair", 0);
  arg(&c, "domain", "Enum", "AF_UNIX");
  arg(&c, "type", "Flags", "SOCK_STREAM");
  ospy_xvalue fds[2] = { { .type = "Int32", .text = "3" }, { .type = "Int32", .text = "4" } };
  c.kids[0] = (ospy_xvalue){ .type = "Array", .children = fds, .nchildren = 2 };
  c.out[c.ev.nargs_out++] = (ospy_xvalue){ .name = "sv", .type = "Pointer", .text = "0x7ffc2000",
                                           .children = &c.kids[0], .nchildren = 1 };
  feed(&c.ev, s);
  fd_call(feed, s, "send", 3, 0, "ping", 4, 4);
  fd_call(feed, s, "recv", 4, 1, "ping", 4, 4);
  ospy_streams_finish(s);
  fprintf(stderr, "socketpair, at the first data: %s -> %s\n", seen[0], seen[1]);
  CHECK(!strcmp(seen[0], "(unnamed)") && !strcmp(seen[1], "(unnamed)"));
  CHECK(ospy_streams_count(s) == 2);
  expect_conv(s, 1, OSPY_CONV_UNIX, 3, "(unnamed)", "(unnamed)", 4, 0);
  expect_conv(s, 2, OSPY_CONV_UNIX, 4, "(unnamed)", "(unnamed)", 0, 4);
  ospy_streams_free(s);
}

/* Descriptors no recorded call made (a forked child's copies of its
 * parent's: the capture names them after the parent's calls) take what
 * their names say: a socket's kind and addresses (they were `socket ? -> ?`),
 * a file's path. */
static const char *fd_names(void *user, uint32_t pid, int64_t fd)
{
  static const char *const names[] = {
    [7] = "TCP:[127.0.0.1:8000->127.0.0.1:45678]", [8] = "UDPv6:[[::1]:53->[2001:db8::1]:5353]",
    [9] = "UNIX-STREAM:[->/run/x.sock]", [10] = "/var/log/x.log", [11] = "pipe:[write]",
    [12] = "TCP", [13] = "socket:[4711]", [14] = "TCP:[127.0.0.1:8000->?]", [3] = "UDP:[1.2.3.4:5]",
  };
  (void)user;
  return pid == 42 && fd >= 0 && fd < (int64_t)(sizeof names / sizeof *names) ? names[fd] : NULL;
}

static void check_named_descriptors(void)
{
  ospy_streams_cb cb = { .fd_name = fd_names };
  ospy_streams *s = ospy_streams_new(&cb);
  fd_call(feed, s, "recv", 7, 1, "ping", 4, 4);
  fd_call(feed, s, "send", 8, 0, "q", 1, 1);
  fd_call(feed, s, "read", 9, 1, "r", 1, 1);
  fd_call(feed, s, "write", 10, 0, "log", 3, 3);
  fd_call(feed, s, "write", 11, 0, "p", 1, 1);
  fd_call(feed, s, "send", 12, 0, "t", 1, 1);
  fd_call(feed, s, "read", 13, 1, "s", 1, 1);
  fd_call(feed, s, "write", 14, 0, "w", 1, 1);
  /* made by a recorded call: what the calls said, not the name */
  socket_call(feed, s, "AF_INET6", "SOCK_STREAM", 3);
  connect_call(feed, s, 3, AF_INET6, "::1", 8080);
  fd_call(feed, s, "send", 3, 0, "x", 1, 1);
  ospy_streams_finish(s);
  CHECK(ospy_streams_count(s) == 9);
  expect_conv(s, 1, OSPY_CONV_TCP, 7, "127.0.0.1:8000", "127.0.0.1:45678", 0, 4);
  expect_conv(s, 2, OSPY_CONV_UDP, 8, "[::1]:53", "[2001:db8::1]:5353", 1, 0);
  expect_conv(s, 3, OSPY_CONV_UNIX, 9, "?", "/run/x.sock", 0, 1);
  expect_conv(s, 4, OSPY_CONV_FD, 10, "?", "?", 3, 0);
  CHECK(!strcmp(ospy_streams_get(s, 4)->name, "/var/log/x.log"));
  expect_conv(s, 5, OSPY_CONV_FD, 11, "?", "?", 1, 0);
  CHECK(!strcmp(ospy_streams_get(s, 5)->name, "pipe:[write]"));
  expect_conv(s, 6, OSPY_CONV_TCP, 12, "?", "?", 1, 0);
  expect_conv(s, 7, OSPY_CONV_SOCKET, 13, "?", "?", 0, 1);
  CHECK(!ospy_streams_get(s, 7)->name[0]);
  expect_conv(s, 8, OSPY_CONV_TCP, 14, "127.0.0.1:8000", "?", 1, 0);
  expect_conv(s, 9, OSPY_CONV_TCP, 3, "?", "[::1]:8080", 1, 0);
  ospy_streams_free(s);
}

static void export_one(const ospy_xevent *ev, void *data)
{
  CHECK(ospy_export_write(data, ev) == 0);
}

static void write_pcapng(const char *path, void (*calls)(sink_fn f, void *d))
{
  char err[256];
  ospy_export_writer *w = ospy_export_open(path, OSPY_EXPORT_PCAPNG, err, sizeof err);
  CHECK(w != NULL);
  if (!w)
    return;
  calls(export_one, w);
  CHECK(ospy_export_close(w, err, sizeof err) == 0);
}

/* `ospy streams` keeps both ends: each is its own conversation. */
static void check_both_ends_streams(void)
{
  ospy_streams_cb cb = { 0 };
  ospy_streams *s = ospy_streams_new(&cb);
  both_ends(feed, s);
  ospy_streams_finish(s);
  CHECK(ospy_streams_count(s) == 6);
  expect_conv(s, 1, OSPY_CONV_TCP, 11, "127.0.0.1:43001", "127.0.0.1:5001", 4, 5);
  expect_conv(s, 2, OSPY_CONV_TCP, 12, "127.0.0.1:5001", "127.0.0.1:43001", 5, 4);
  expect_conv(s, 3, OSPY_CONV_TCP, 12, "[::1]:5002", "[::1]:43002", 5, 3);
  expect_conv(s, 4, OSPY_CONV_TCP, 11, "[::1]:43002", "[::1]:5002", 3, 5);
  ospy_streams_free(s);
}

/* What each data call was given: "fd:after_gap" per call, in order. */
static void note_calls(void *user, const ospy_conv *c, const ospy_stream_data *d)
{
  char *seen = user;
  snprintf(seen + strlen(seen), 512 - strlen(seen), "%s#%u:%lld%s", seen[0] ? " " : "", c->id,
           (long long)d->fd, d->after_gap ? "+gap" : "");
}

static void check_dup_socket(void)
{
  char seen[512] = "";
  ospy_streams_cb cb = { .data = note_calls, .user = seen };
  ospy_streams *s = ospy_streams_new(&cb);
  dup_socket_calls(feed, s);
  ospy_streams_finish(s);
  fprintf(stderr, "dup2 of a socket onto stdout: calls %s\n", seen);
  CHECK(ospy_streams_count(s) == 2);
  expect_conv(s, 1, OSPY_CONV_FD, 1, "?", "?", 7 + 21, 0);
  expect_conv(s, 2, OSPY_CONV_TCP, 1, "?", "127.0.0.1:8716", 18, 21); /* (its data's fd) */
  CHECK(!strcmp(seen, "#1:1 #2:1 #2:1 #1:4"));
  ospy_streams_free(s);
}

/* The conversations that ended, by id, in order. */
static void note_close(void *user, const ospy_conv *c, int64_t ts)
{
  char *ended = user;
  (void)ts;
  snprintf(ended + strlen(ended), 64 - strlen(ended), "%s#%u", ended[0] ? " " : "", c->id);
}

static void check_dup_file(void)
{
  char ended[64] = "";
  ospy_streams_cb cb = { .close = note_close, .user = ended };
  ospy_streams *s = ospy_streams_new(&cb);
  dup_file_calls(feed, s);
  fprintf(stderr, "dup2 of a file onto stdout: ended before the end: %s\n", ended);
  CHECK(!strcmp(ended, "#1")); /* the file, at the dup3 that put stdout back */
  ospy_streams_finish(s);
  CHECK(ospy_streams_count(s) == 2);
  expect_conv(s, 1, OSPY_CONV_FILE, 3, "?", "?", 6 + 8, 0);
  CHECK(!strcmp(ospy_streams_get(s, 1)->name, "/tmp/dup.out"));
  expect_conv(s, 2, OSPY_CONV_FD, 1, "?", "?", 10 + 8 + 6, 0);
  ospy_streams_free(s);
}

static void check_gaps(void)
{
  char seen[512] = "";
  ospy_streams_cb cb = { .data = note_calls, .user = seen };
  ospy_streams *s = ospy_streams_new(&cb);
  gap_calls(feed, s);
  ospy_streams_finish(s);
  ospy_streams_gaps g;
  ospy_streams_get_gaps(s, &g);
  fprintf(stderr, "events lost: calls %s; lost %llu in %llu records; nested %llu (%s)\n", seen,
          (unsigned long long)g.lost_events, (unsigned long long)g.lost_records,
          (unsigned long long)g.nested_calls, g.nested_fns);
  CHECK(!strcmp(seen, "#1:3 #2:5 #1:3+gap #1:3 #2:5+gap"));
  CHECK(g.lost_events == 10 && g.lost_records == 2);
  CHECK(g.nested_calls == 3);
  CHECK(!strcmp(g.nested_fns, "libc.so.6::write, libc.so.6::open"));
  ospy_streams_free(s);
}

/* The pcapng of gap_calls: the connection's first packet after the loss
 * carries a comment (check_unit.sh has tshark read it). */
static void check_gap_pcapng(const char *path)
{
  FILE *f = fopen(path, "rb");
  static char bytes[1 << 16];
  size_t n = f ? fread(bytes, 1, sizeof bytes, f) : 0;
  if (f)
    fclose(f);
  static const char comment[] = "ospy: events were lost while capturing before this packet";
  size_t hits = 0;
  for (size_t i = 0; i + sizeof comment - 1 <= n; i++)
    hits += !memcmp(bytes + i, comment, sizeof comment - 1);
  fprintf(stderr, "%s: %zu packet comment(s) on lost events\n", path, hits);
  CHECK(hits == 1);
}

/* ---- packets in time order ---- */

/* A call of process pid at time t (ms after `now`'s start), not in order. */
static void call_at(sink_fn f, void *d, uint32_t pid, int64_t t_ms, const char *fn, long ret,
                    const char *data)
{
  call c;
  begin(&c, fn, ret);
  c.ev.pid = c.ev.tid = pid;
  c.ev.ts_ns = 1700000000000000000 + t_ms * 1000000;
  if (!strcmp(fn, "socket")) {
    arg(&c, "domain", "Enum", "AF_INET");
    arg(&c, "type", "Flags", "SOCK_STREAM");
  } else {
    arg(&c, "sockfd", "FileDescriptor", "3");
    if (!strcmp(fn, "connect"))
      sockaddr(&c, 0, "addr", AF_INET, pid == 42 ? "192.0.2.1" : "192.0.2.2", 7000);
    else
      bytes(&c, 0, "buf", data, strlen(data));
  }
  f(&c.ev, d);
}

/* Two processes followed with -F: the events come in record order, each
 * process's lanes drained in turn, so process 43's calls, made before 42's
 * last, come after them. */
static void two_processes(sink_fn f, void *d)
{
  call_at(f, d, 42, 100, "socket", 3, NULL);
  call_at(f, d, 42, 101, "connect", 0, NULL);
  call_at(f, d, 42, 102, "send", 5, "first");
  call_at(f, d, 43, 50, "socket", 3, NULL);
  call_at(f, d, 43, 51, "connect", 0, NULL);
  call_at(f, d, 43, 52, "send", 6, "second");
  call_at(f, d, 42, 103, "send", 5, "third");
}

/* The pcapng of two_processes: packets in time order (the handshake's three
 * in theirs), the payloads second, first, third; they were written in
 * record order, the time going back 52 ms at process 43's. */
static void check_time_order(const char *path)
{
  FILE *f = fopen(path, "rb");
  static uint8_t b[1 << 16];
  size_t n = f ? fread(b, 1, sizeof b, f) : 0;
  if (f)
    fclose(f);
  char seen[512] = "";
  size_t k = 0, back = 0, packets = 0;
  uint64_t last = 0;
  for (size_t off = 0; off + 12 <= n;) {
    uint32_t type, len;
    memcpy(&type, b + off, 4);
    memcpy(&len, b + off + 4, 4);
    if (len < 12 || off + len > n)
      break;
    if (type == 6 && len >= 28 + 40) { /* an Enhanced Packet Block: IPv4 TCP */
      uint32_t hi, lo, cap;
      memcpy(&hi, b + off + 12, 4);
      memcpy(&lo, b + off + 16, 4);
      memcpy(&cap, b + off + 20, 4);
      uint64_t ts = (uint64_t)hi << 32 | lo;
      back += ts < last;
      last = ts;
      const uint8_t *ip = b + off + 28, *tcp = ip + (ip[0] & 15) * 4;
      size_t head = (size_t)(tcp - ip) + (size_t)(tcp[12] >> 4) * 4;
      unsigned fl = tcp[13];
      k += (size_t)snprintf(seen + k, k < sizeof seen ? sizeof seen - k : 0, "%s%lu:%s%s%s%.*s",
                            packets ? " " : "", (unsigned long)(ts / 1000000 % 1000),
                            fl & 2 ? "S" : "", fl & 1 ? "F" : "", fl & 16 ? "A" : "",
                            (int)(cap - head), (const char *)ip + head);
      packets++;
    }
    off += len;
  }
  fprintf(stderr, "%s: %zu packets, ms:flags+payload: %s\n", path, packets, seen);
  static const char want[] =
      "50:S 50:SA 50:A 52:Asecond 100:S 100:SA 100:A 102:Afirst 103:Athird "
      "103:FA 103:FA 103:A 103:FA 103:FA 103:A";
  fprintf(stderr, "expected:                      %s\n", want);
  CHECK(back == 0);
  CHECK(!strcmp(seen, want));
}

int main(int argc, char **argv)
{
  if (argc != 5) {
    fprintf(stderr, "usage: test-streams OUT.pcapng BOTH-ENDS.pcapng GAP.pcapng ORDER.pcapng\n");
    return 2;
  }
  CHECK(ospy_export_format_parse("pcapng") == OSPY_EXPORT_PCAPNG);
  check_streams();
  check_socketpair();
  check_both_ends_streams();
  check_named_descriptors();
  check_dup_socket();
  check_dup_file();
  check_gaps();
  write_pcapng(argv[1], scenario);
  write_pcapng(argv[2], both_ends);
  write_pcapng(argv[3], gap_calls);
  check_gap_pcapng(argv[3]);
  write_pcapng(argv[4], two_processes);
  check_time_order(argv[4]);
  fprintf(stderr, failures ? "%d check(s) failed\n" : "streams: all checks passed\n", failures);
  return failures != 0;
}
