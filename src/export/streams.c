/* Conversations rebuilt from decoded calls (see streams.h). */
#include "export/streams.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "capture/event.h"
#include "export/streams_values.h"

/* An open descriptor and the conversation it refers to: a dup'd copy refers
 * to its original's (one open file, two numbers). */
typedef struct fd_ref {
  uint32_t pid;
  int64_t fd;
  ospy_conv *c;
} fd_ref;

/* An endpoint of an IPv4 or IPv6 connection, compared whole. */
typedef struct ip_end {
  int family;
  uint8_t addr[16];
  uint16_t port;
} ip_end;

/* The connections accept() returned lately, by their two ends: a forked
 * handler's copy, named by the capture's FdName records alone, is the
 * accepted end of one of them (its SYN came from the peer). */
#define ACCEPTED_KEPT 64
typedef struct accepted_tuple {
  ip_end local, remote;
} accepted_tuple;

struct ospy_streams {
  ospy_streams_cb cb;
  accepted_tuple accepted[ACCEPTED_KEPT]; /* a ring, the latest at naccepted - 1 */
  size_t naccepted;
  ospy_conv **all;     /* every conversation, open ones and those with data */
  size_t nall, capall;
  fd_ref *refs;        /* the open descriptors, one entry each (no TLS sessions) */
  size_t nrefs, caprefs;
  ospy_streams_gaps gaps;
  ospy_conv **byid;    /* index id - 1 */
  size_t nids, capids;
  ospy_sv_buf buf;     /* one call's bytes */
  int64_t last_ns;
  int failed;
};

/* (__sendmsg64, __recvmsg64: i386 glibc's names for a program built with
   64-bit time_t) */
static const char *const out_fns[] = { "send", "sendto", "sendmsg", "__sendmsg64", "write",
                                       "writev", "pwrite", "pwrite64", "pwritev", "SSL_write",
                                       "SSL_write_ex", NULL };
static const char *const in_fns[] = { "recv", "__recv_chk", "recvfrom", "__recvfrom_chk",
                                      "recvmsg", "__recvmsg64", "read", "__read_chk", "readv",
                                      "pread", "pread64", "__pread_chk", "__pread64_chk",
                                      "preadv", "SSL_read", "SSL_read_ex", NULL };
static const char *const open_fns[] = { "open", "open64", "openat", "openat64", "creat",
                                        "creat64", "__open_2", "__open64_2", "__openat_2",
                                        "__openat64_2", NULL };
static const char *const dup_fns[] = { "dup", "dup2", "dup3", NULL };
/* (fcntl64: i386 with _FILE_OFFSET_BITS=64; __fcntl_time64: with _TIME_BITS=64) */
static const char *const fcntl_fns[] = { "fcntl", "fcntl64", "__fcntl_time64", NULL };
/* the other calls on_call reads */
static const char *const other_fns[] = { "socket", "socketpair", "accept", "accept4", "connect",
                                         "getpeername", "bind", "getsockname", "close",
                                         "SSL_set_fd", "SSL_free", NULL };

const char *ospy_conv_kind_name(ospy_conv_kind k)
{
  static const char *const names[] = { "fd", "file", "socket", "tcp", "udp", "unix", "tls" };
  return (unsigned)k < sizeof names / sizeof names[0] ? names[k] : "?";
}

void ospy_endpoint_text(const ospy_endpoint *e, char *out, size_t cap)
{
  char a[INET6_ADDRSTRLEN] = "?";
  if (e->family == AF_INET || e->family == AF_INET6)
    inet_ntop(e->family, e->addr, a, sizeof a);
  if (e->family == AF_INET)
    snprintf(out, cap, "%s:%u", a, e->port);
  else if (e->family == AF_INET6)
    snprintf(out, cap, "[%s]:%u", a, e->port);
  else if (e->family == AF_UNIX)
    snprintf(out, cap, "%s", e->path[0] ? e->path : "(unnamed)");
  else
    snprintf(out, cap, "?");
}

/* ---- the table ---- */

ospy_streams *ospy_streams_new(const ospy_streams_cb *cb)
{
  ospy_streams *s = calloc(1, sizeof *s);
  if (s)
    s->cb = *cb;
  return s;
}

void ospy_streams_free(ospy_streams *s)
{
  if (!s)
    return;
  for (size_t i = 0; i < s->nall; i++)
    free(s->all[i]);
  free(s->all);
  free(s->refs);
  free(s->byid);
  free(s->buf.p);
  free(s);
}

size_t ospy_streams_count(const ospy_streams *s)
{
  return s->nids;
}

const ospy_conv *ospy_streams_get(const ospy_streams *s, uint32_t id)
{
  return id && id <= s->nids ? s->byid[id - 1] : NULL;
}

static int grow(void *pp, size_t *cap, size_t n, size_t size)
{
  if (n < *cap)
    return 0;
  size_t c = *cap ? *cap * 2 : 16;
  void *p = realloc(*(void **)pp, c * size);
  if (!p)
    return -1;
  *(void **)pp = p;
  *cap = c;
  return 0;
}

static fd_ref *find_ref(ospy_streams *s, uint32_t pid, int64_t fd)
{
  for (size_t i = s->nrefs; i-- > 0;)
    if (s->refs[i].pid == pid && s->refs[i].fd == fd)
      return &s->refs[i];
  return NULL;
}

/* The open conversation of (pid, fd), or of (pid, ssl) when tls. */
static ospy_conv *find_open(ospy_streams *s, uint32_t pid, int tls, int64_t key)
{
  if (!tls) {
    const fd_ref *r = find_ref(s, pid, key);
    return r ? r->c : NULL;
  }
  for (size_t i = s->nall; i-- > 0;) {
    ospy_conv *c = s->all[i];
    if (!c->closed && c->pid == pid && c->kind == OSPY_CONV_TLS && c->ssl == (uint64_t)key)
      return c;
  }
  return NULL;
}

static void end_conv(ospy_streams *s, ospy_conv *c, int64_t ts)
{
  c->closed = 1;
  if (c->id && s->cb.close)
    s->cb.close(s->cb.user, c, ts);
}

/* (pid, fd) no longer refers to its conversation (closed, or another
 * descriptor dup2'd onto it): the conversation ends with its last
 * descriptor, not before (dup's copy still carries it). */
static void let_go(ospy_streams *s, uint32_t pid, int64_t fd, int64_t ts)
{
  fd_ref *r = find_ref(s, pid, fd);
  if (!r)
    return;
  ospy_conv *c = r->c;
  *r = s->refs[--s->nrefs];
  if (--c->nfds == 0)
    end_conv(s, c, ts);
}

/* (pid, fd) refers to c from now on, and no longer to what it did. */
static int refer(ospy_streams *s, uint32_t pid, int64_t fd, ospy_conv *c, int64_t ts)
{
  let_go(s, pid, fd, ts);
  if (grow(&s->refs, &s->caprefs, s->nrefs, sizeof *s->refs) < 0) {
    s->failed = 1;
    return -1;
  }
  s->refs[s->nrefs++] = (fd_ref){ pid, fd, c };
  c->nfds++;
  return 0;
}

/* Forgets closed conversations that never had data. */
static void prune(ospy_streams *s)
{
  size_t k = 0;
  for (size_t i = 0; i < s->nall; i++) {
    if (s->all[i]->closed && !s->all[i]->id)
      free(s->all[i]);
    else
      s->all[k++] = s->all[i];
  }
  s->nall = k;
}

/* A new conversation on (pid, fd) (or ssl): the descriptor no longer
 * refers to the one it did (a TLS session's ends). */
static ospy_conv *new_conv(ospy_streams *s, const ospy_xevent *ev, ospy_conv_kind kind,
                           int64_t fd, uint64_t ssl)
{
  int tls = kind == OSPY_CONV_TLS;
  ospy_conv *old = tls ? find_open(s, ev->pid, 1, (int64_t)ssl) : NULL;
  if (old)
    end_conv(s, old, ev->ts_ns);
  if (s->nall >= 64 && s->nall == s->capall)
    prune(s);
  ospy_conv *c = calloc(1, sizeof *c);
  if (!c || grow(&s->all, &s->capall, s->nall, sizeof *s->all) < 0) {
    free(c);
    s->failed = 1;
    return NULL;
  }
  /* a conversation exists once the call that made it returned (accept
   * blocks until a peer connects) */
  int64_t at = ev->ts_ns + (int64_t)ev->duration_ns;
  *c = (ospy_conv){ .pid = ev->pid, .fd = fd, .ssl = ssl, .kind = kind, .initiated = -1,
                    .first_ns = at, .last_ns = at };
  s->all[s->nall++] = c;
  if (!tls && refer(s, ev->pid, fd, c, ev->ts_ns) < 0) {
    c->closed = 1; /* (pruned later) */
    return NULL;
  }
  return c;
}

static ospy_conv *conv_of(ospy_streams *s, const ospy_xevent *ev, int64_t fd,
                          ospy_conv_kind kind)
{
  ospy_conv *c = find_open(s, ev->pid, 0, fd);
  return c ? c : new_conv(s, ev, kind, fd, 0);
}

/* ---- calls ---- */

static const char *base_name(const char *name)
{
  const char *p = name ? strstr(name, "::") : NULL;
  return p ? p + 2 : name ? name : "";
}

static int in_list(const char *const *list, const char *f)
{
  for (; *list; list++)
    if (!strcmp(*list, f))
      return 1;
  return 0;
}

static int fd_arg(const ospy_xevent *ev, int64_t *fd)
{
  static const char *const names[] = { "sockfd", "fd", "s", NULL };
  for (const char *const *n = names; *n; n++)
    if (ospy_sv_int(ospy_sv_arg(ev, *n, 0), fd))
      return 1;
  return 0;
}

static int retval(const ospy_xevent *ev, int64_t *r)
{
  return ev->retval && ospy_sv_int(ev->retval, r);
}

static ospy_conv_kind socket_kind(int domain, const ospy_xvalue *type)
{
  const char *t = type && type->text ? type->text : "";
  int64_t n = 0;
  if (domain == AF_UNIX)
    return OSPY_CONV_UNIX;
  if (domain != AF_INET && domain != AF_INET6)
    return OSPY_CONV_SOCKET;
  if (strstr(t, "SOCK_STREAM") || (ospy_sv_int(type, &n) && (n & 0xf) == SOCK_STREAM))
    return OSPY_CONV_TCP;
  if (strstr(t, "SOCK_DGRAM") || (ospy_sv_int(type, &n) && (n & 0xf) == SOCK_DGRAM))
    return OSPY_CONV_UDP;
  return OSPY_CONV_SOCKET;
}

/* socket's argument i (domain, type): by its place, as every socket API
 * has them (oSpy's Winsock spec names the domain `af`). */
static const ospy_xvalue *socket_arg(const ospy_xevent *ev, size_t i)
{
  return i < ev->nargs_in ? &ev->args_in[i] : NULL;
}

static void on_socket(ospy_streams *s, const ospy_xevent *ev)
{
  int64_t fd;
  if (!retval(ev, &fd) || fd < 0)
    return;
  int domain = ospy_sv_family(socket_arg(ev, 0));
  ospy_conv *c = new_conv(s, ev, socket_kind(domain, socket_arg(ev, 1)), fd, 0);
  if (c)
    c->domain = domain;
}

/* Both ends of a socketpair are unnamed AF_UNIX sockets, each the other's
 * peer: that is known from the call on (a later getsockname/getpeername
 * says no more; the first data's header and the summary agree). */
static void on_socketpair(ospy_streams *s, const ospy_xevent *ev)
{
  int64_t r, fd;
  const ospy_xvalue *sv = ospy_sv_deref(ospy_sv_arg(ev, "sv", 1));
  if (!retval(ev, &r) || r != 0 || !sv)
    return;
  for (size_t i = 0; i < sv->nchildren && i < 2; i++) {
    ospy_conv *c = ospy_sv_int(&sv->children[i], &fd)
                       ? new_conv(s, ev, OSPY_CONV_UNIX, fd, 0) : NULL;
    if (c) {
      c->domain = AF_UNIX;
      c->local.family = c->remote.family = AF_UNIX; /* path "": unnamed */
    }
  }
}

static int conv_from_name(ospy_conv *c, const char *name);

/* What the name of descriptor fd of pid says of its socket (a listener a
 * forked child inherited: no call of the child's made it), into *c; 0 when
 * it names no socket. */
static int conv_named(ospy_streams *s, uint32_t pid, int64_t fd, ospy_conv *c)
{
  const char *name = fd >= 0 && s->cb.fd_name ? s->cb.fd_name(s->cb.user, pid, fd) : NULL;
  return name && conv_from_name(c, name);
}

/* An IPv4 or IPv6 endpoint as compared, 0 for any other. */
static int ip_end_of(const ospy_endpoint *e, ip_end *out)
{
  if (e->family != AF_INET && e->family != AF_INET6)
    return 0;
  memset(out, 0, sizeof *out); /* (its padding too: compared with memcmp) */
  out->family = e->family;
  out->port = e->port;
  memcpy(out->addr, e->addr, e->family == AF_INET ? 4 : 16);
  return 1;
}

static void remember_accepted(ospy_streams *s, const ospy_conv *c)
{
  accepted_tuple t;
  if (ip_end_of(&c->local, &t.local) && ip_end_of(&c->remote, &t.remote))
    s->accepted[s->naccepted++ % ACCEPTED_KEPT] = t;
}

/* Whether c's two ends are those of a connection accept() returned lately
 * (a forked handler's copy of it). */
static int was_accepted(const ospy_streams *s, const ospy_conv *c)
{
  accepted_tuple t;
  if (!ip_end_of(&c->local, &t.local) || !ip_end_of(&c->remote, &t.remote))
    return 0;
  size_t n = s->naccepted < ACCEPTED_KEPT ? s->naccepted : ACCEPTED_KEPT;
  for (size_t i = 0; i < n; i++)
    if (!memcmp(&s->accepted[i], &t, sizeof t))
      return 1;
  return 0;
}

static void on_accept(ospy_streams *s, const ospy_xevent *ev)
{
  int64_t lfd = -1, fd;
  if (!retval(ev, &fd) || fd < 0)
    return;
  fd_arg(ev, &lfd);
  const ospy_conv *l = find_open(s, ev->pid, 0, lfd);
  ospy_conv named = { 0 }, accepted = { 0 };
  if (!l && conv_named(s, ev->pid, lfd, &named))
    l = &named;
  ospy_conv_kind kind = l && l->kind != OSPY_CONV_SOCKET ? l->kind : OSPY_CONV_TCP;
  ospy_endpoint local = l ? l->local : (ospy_endpoint){ 0 };
  int domain = l ? l->domain : 0;
  ospy_conv *c = new_conv(s, ev, kind, fd, 0);
  if (!c)
    return;
  c->local = local;
  c->domain = domain;
  c->initiated = 0;
  if (ospy_sv_sockaddr_arg(ev, 1, "addr", &c->remote) && !c->domain)
    c->domain = c->remote.family;
  /* (accept(fd, NULL, NULL), or a listener not known: the new descriptor's
   * name, when the capture has it, has both ends) */
  if ((!c->remote.family || !c->local.family) && conv_named(s, ev->pid, fd, &accepted)) {
    if (!c->local.family)
      c->local = accepted.local;
    if (!c->remote.family)
      c->remote = accepted.remote;
    if (!c->domain)
      c->domain = accepted.domain;
  }
  remember_accepted(s, c);
}

/* connect, bind, getsockname, getpeername: an address of the socket (the
 * argument that holds one, whatever its name: oSpy's connect names it
 * `name`). */
static void on_address(ospy_streams *s, const ospy_xevent *ev, int remote, int out)
{
  int64_t fd, r = 0;
  ospy_endpoint e;
  if (!fd_arg(ev, &fd) || !ospy_sv_sockaddr_arg(ev, out, "addr", &e))
    return;
  if (out && (!retval(ev, &r) || r != 0))
    return;
  ospy_conv *c = conv_of(s, ev, fd, OSPY_CONV_SOCKET);
  if (!c)
    return;
  *(remote ? &c->remote : &c->local) = e;
  if (!c->domain)
    c->domain = e.family;
  if (remote && !out && c->initiated < 0)
    c->initiated = 1; /* connect() */
}

static void on_open(ospy_streams *s, const ospy_xevent *ev)
{
  int64_t fd;
  const ospy_xvalue *path = ospy_sv_deref(ospy_sv_arg(ev, "pathname", 0));
  if (!retval(ev, &fd) || fd < 0)
    return;
  ospy_conv *c = new_conv(s, ev, OSPY_CONV_FILE, fd, 0);
  if (c && path && path->text)
    snprintf(c->name, sizeof c->name, "%s", path->text);
}

static void on_close(ospy_streams *s, const ospy_xevent *ev)
{
  int64_t fd;
  if (fd_arg(ev, &fd))
    let_go(s, ev->pid, fd, ev->ts_ns);
}

/* fcntl's cmd copies the descriptor: F_DUPFD, F_DUPFD_CLOEXEC (by name, or
 * recorded as a number by a config without their names). */
static int fcntl_copies(const ospy_xevent *ev)
{
  const ospy_xvalue *cmd = ospy_sv_arg(ev, "cmd", 0);
  int64_t n;
  if (!cmd || !cmd->text)
    return 0;
  if (ospy_sv_int(cmd, &n))
    return n == 0 || n == 1030;
  return !strcmp(cmd->text, "F_DUPFD") || !strcmp(cmd->text, "F_DUPFD_CLOEXEC");
}

/* dup(oldfd), dup2(oldfd, newfd), dup3(oldfd, newfd, flags),
 * fcntl(fd, F_DUPFD, min): the descriptor returned is the same open file as
 * the old one, and carries the same conversation (a program's stdout
 * dup2'd onto a socket writes to the socket). An old descriptor no call
 * named yet gets its conversation now, of the kind its first data says. */
static void on_dup(ospy_streams *s, const ospy_xevent *ev, int fcntl)
{
  int64_t old, fd;
  if (!retval(ev, &fd) || fd < 0 || (fcntl && !fcntl_copies(ev)))
    return;
  if (!ospy_sv_int(ospy_sv_arg(ev, "oldfd", 0), &old) && !fd_arg(ev, &old))
    return;
  if (fd == old)
    return; /* dup2(fd, fd): nothing changes */
  ospy_conv *c = conv_of(s, ev, old, OSPY_CONV_FD);
  if (c)
    refer(s, ev->pid, fd, c, ev->ts_ns);
}

static int ssl_arg(const ospy_xevent *ev, int64_t *ssl)
{
  return ospy_sv_int(ospy_sv_arg(ev, "ssl", 0), ssl);
}

static ospy_conv *tls_of(ospy_streams *s, const ospy_xevent *ev, int64_t ssl)
{
  ospy_conv *c = find_open(s, ev->pid, 1, ssl);
  return c ? c : new_conv(s, ev, OSPY_CONV_TLS, -1, (uint64_t)ssl);
}

static void on_ssl_set_fd(ospy_streams *s, const ospy_xevent *ev)
{
  int64_t ssl, fd;
  ospy_conv *c = ssl_arg(ev, &ssl) && fd_arg(ev, &fd) ? tls_of(s, ev, ssl) : NULL;
  if (c)
    c->fd = fd;
}

static void on_ssl_free(ospy_streams *s, const ospy_xevent *ev)
{
  int64_t ssl;
  ospy_conv *c = ssl_arg(ev, &ssl) ? find_open(s, ev->pid, 1, ssl) : NULL;
  if (c)
    end_conv(s, c, ev->ts_ns);
}

/* ---- data ---- */

/* Bytes the call moved: the return value, or *readbytes / *written. */
static int moved(const ospy_xevent *ev, const char *f, int64_t *count)
{
  size_t n = strlen(f);
  if (!retval(ev, count))
    return 0;
  if (n > 3 && !strcmp(f + n - 3, "_ex")) {
    const char *name = !strncmp(f, "SSL_read", 8) ? "readbytes" : "written";
    if (*count != 1 || !ospy_sv_int(ospy_sv_deref(ospy_sv_arg(ev, name, 1)), count))
      return 0;
  }
  return *count > 0;
}

/* The datagram's address: the argument holding one (sendto's dest_addr,
 * recvfrom's src_addr; oSpy's `to`, `from`), or the message's msg_name. */
static int peer_of(const ospy_xevent *ev, int out, ospy_endpoint *e)
{
  return ospy_sv_sockaddr_arg(ev, out, out ? "src_addr" : "dest_addr", e) ||
         ospy_sv_sockaddr(ospy_sv_field(ospy_sv_arg(ev, "msg", out), "msg_name"), e);
}

static void gather_data(ospy_streams *s, const ospy_xevent *ev, int dir)
{
  static const char *const names[] = { "buf", "iov", "msg", NULL };
  s->buf.n = 0;
  for (const char *const *n = names; *n; n++) {
    const ospy_xvalue *v = ospy_sv_arg(ev, *n, dir == OSPY_STREAM_IN);
    if (v) {
      ospy_sv_gather(v, &s->buf);
      return;
    }
  }
}

/* The conversation of a data call, and in *fd the descriptor it used. */
static ospy_conv *data_conv(ospy_streams *s, const ospy_xevent *ev, const char *f, int64_t *fd)
{
  int64_t key;
  if (!strncmp(f, "SSL_", 4)) {
    ospy_conv *c = ssl_arg(ev, &key) ? tls_of(s, ev, key) : NULL;
    *fd = c ? c->fd : -1;
    return c;
  }
  if (!fd_arg(ev, &key))
    return NULL;
  int sock = strstr(f, "send") || strstr(f, "recv");
  *fd = key;
  return conv_of(s, ev, key, sock ? OSPY_CONV_SOCKET : OSPY_CONV_FD);
}

/* ---- a socket known by its descriptor's name ---- */

/* The family and kind of a socket name's protocol, as the controller names
 * sockets (capture/socknames.h: strace -yy's words, "INET" and the like for
 * a socket whose socket() it did not see, "socket" from /proc); 0 when proto
 * is none of them (the name is a file's, a pipe's). */
static int socket_proto(const char *proto, size_t n, int *domain, ospy_conv_kind *kind)
{
  static const struct { const char *name; int domain; ospy_conv_kind kind; } protos[] = {
    { "TCP", AF_INET, OSPY_CONV_TCP }, { "UDP", AF_INET, OSPY_CONV_UDP },
    { "RAW", AF_INET, OSPY_CONV_SOCKET }, { "INET", AF_INET, OSPY_CONV_SOCKET },
    { "TCPv6", AF_INET6, OSPY_CONV_TCP }, { "UDPv6", AF_INET6, OSPY_CONV_UDP },
    { "RAWv6", AF_INET6, OSPY_CONV_SOCKET }, { "INET6", AF_INET6, OSPY_CONV_SOCKET },
    { "UNIX", AF_UNIX, OSPY_CONV_UNIX }, { "UNIX-STREAM", AF_UNIX, OSPY_CONV_UNIX },
    { "UNIX-DGRAM", AF_UNIX, OSPY_CONV_UNIX }, { "UNIX-SEQPACKET", AF_UNIX, OSPY_CONV_UNIX },
    { "NETLINK", 0, OSPY_CONV_SOCKET }, { "PACKET", 0, OSPY_CONV_SOCKET },
    { "socket", 0, OSPY_CONV_SOCKET },
  };
  for (size_t i = 0; i < sizeof protos / sizeof protos[0]; i++)
    if (strlen(protos[i].name) == n && !memcmp(protos[i].name, proto, n)) {
      *domain = protos[i].domain;
      *kind = protos[i].kind;
      return 1;
    }
  return 0;
}

/* "127.0.0.1:80", "[::1]:443" (domain AF_INET, AF_INET6), "/run/x.sock",
 * "@name" (AF_UNIX) into e; "?" and "" leave it unknown. */
static void name_endpoint(const char *p, size_t n, int domain, ospy_endpoint *e)
{
  char text[128];
  if (!n || n >= sizeof text || (n == 1 && p[0] == '?'))
    return;
  memcpy(text, p, n);
  text[n] = 0;
  if (domain == AF_UNIX) {
    e->family = AF_UNIX;
    snprintf(e->path, sizeof e->path, "%.*s", (int)sizeof e->path - 1, text);
    return;
  }
  char *colon = strrchr(text, ':'), *end;
  if (!colon || (domain != AF_INET && domain != AF_INET6))
    return;
  *colon = 0;
  unsigned long port = strtoul(colon + 1, &end, 10);
  char *host = text;
  if (domain == AF_INET6 && host[0] == '[' && colon > host + 1 && colon[-1] == ']') {
    host++;
    colon[-1] = 0;
  }
  if (*end || port > 65535 || inet_pton(domain, host, e->addr) != 1)
    return;
  e->family = domain;
  e->port = (uint16_t)port;
}

/* A socket conversation the capture saw no call make (a forked child's
 * copy of its parent's socket, one made by code not hooked) takes what its
 * descriptor's name says: "TCP:[127.0.0.1:8000->127.0.0.1:45678]", the
 * name ospy show prints. 0 when the name is no socket's. */
static int conv_from_name(ospy_conv *c, const char *name)
{
  const char *bracket = strstr(name, ":[");
  size_t plen = bracket ? (size_t)(bracket - name) : strlen(name);
  int domain;
  ospy_conv_kind kind;
  if (!socket_proto(name, plen, &domain, &kind))
    return 0;
  c->kind = kind;
  c->domain = domain;
  size_t len = bracket ? strlen(bracket + 2) : 0;
  if (!len || bracket[2 + len - 1] != ']')
    return 1;
  const char *in = bracket + 2, *arrow = strstr(in, "->"); /* (local->peer, or local) */
  size_t inlen = len - 1;
  if (arrow && arrow < in + inlen) {
    name_endpoint(in, (size_t)(arrow - in), domain, &c->local);
    name_endpoint(arrow + 2, inlen - (size_t)(arrow + 2 - in), domain, &c->remote);
  } else {
    name_endpoint(in, inlen, domain, &c->local);
  }
  return 1;
}

/* Whether nothing but its descriptor is known of c: a conversation a data
 * call started. */
static int unknown_descriptor(const ospy_conv *c)
{
  return (c->kind == OSPY_CONV_FD || c->kind == OSPY_CONV_SOCKET) && !c->domain &&
         !c->local.family && !c->remote.family && !c->name[0];
}

/* First data, through descriptor fd: a number, the descriptor it is listed
 * with (a socket dup2'd onto stdout and used through 1: fd=1, as the
 * program's calls name it; the one it was made on may be closed by now),
 * and a TLS session's addresses from its socket. */
static int number(ospy_streams *s, ospy_conv *c, int64_t fd)
{
  if (grow(&s->byid, &s->capids, s->nids, sizeof *s->byid) < 0)
    return -1;
  s->byid[s->nids++] = c;
  c->id = (uint32_t)s->nids;
  if (c->kind != OSPY_CONV_TLS)
    c->fd = fd;
  int unknown = unknown_descriptor(c);
  const char *name = !c->name[0] && (c->kind == OSPY_CONV_FD || c->kind == OSPY_CONV_FILE ||
                                     unknown) && s->cb.fd_name
                         ? s->cb.fd_name(s->cb.user, c->pid, fd) : NULL;
  if (name && unknown && conv_from_name(c, name)) {
    name = NULL; /* (a socket: its addresses, no path) */
    if (c->initiated < 0 && was_accepted(s, c))
      c->initiated = 0; /* a forked handler's copy of an accepted connection */
  }
  if (name && c->kind != OSPY_CONV_SOCKET)
    snprintf(c->name, sizeof c->name, "%s", name);
  const ospy_conv *sock = c->kind == OSPY_CONV_TLS && c->fd >= 0
                              ? find_open(s, c->pid, 0, c->fd) : NULL;
  if (sock) {
    c->sock_kind = sock->kind;
    c->domain = sock->domain;
    c->local = sock->local;
    c->remote = sock->remote;
    c->initiated = sock->initiated;
  }
  return 0;
}

/* Whether the call's flags argument has the MSG_ flag `name`; recorded as a
 * number (a config without the flag names), whether it has `bit` (0: the
 * flag is known by its name only). */
static int has_msg_flag(const ospy_xevent *ev, const char *name, int64_t bit)
{
  const ospy_xvalue *fl = ospy_sv_arg(ev, "flags", 0);
  if (!fl || !fl->text)
    return 0;
  int64_t v;
  if (ospy_sv_int(fl, &v))
    return (v & bit) != 0;
  size_t n = strlen(name);
  for (const char *p = fl->text; (p = strstr(p, name)); p += n)
    if ((p == fl->text || p[-1] == '|') && (p[n] == 0 || p[n] == '|'))
      return 1;
  return 0;
}

/* recv(..., MSG_PEEK): the bytes stay queued; the next read returns them. */
static int peeked(const ospy_xevent *ev)
{
  return has_msg_flag(ev, "MSG_PEEK", MSG_PEEK);
}

/* Adds the iov_len fields under v (recvmsg's iovecs) to *sum; 0 when v has
 * none recorded. */
static int sum_iov_lens(const ospy_xvalue *v, uint64_t *sum)
{
  int64_t n;
  if (v->name && !strcmp(v->name, "iov_len")) {
    if (!ospy_sv_int(v, &n) || n < 0)
      return 0;
    *sum += (uint64_t)n;
    return 1;
  }
  int found = 0;
  for (size_t i = 0; i < v->nchildren; i++)
    found |= sum_iov_lens(&v->children[i], sum);
  return found;
}

/* The room the call's buffers had: recv's and recvfrom's len, the lengths of
 * recvmsg's iovecs. 0 when the call does not say. */
static int buffer_room(const ospy_xevent *ev, uint64_t *room)
{
  int64_t len;
  if (ospy_sv_int(ospy_sv_arg(ev, "len", 0), &len) && len >= 0) {
    *room = (uint64_t)len;
    return 1;
  }
  const ospy_xvalue *iov = ospy_sv_field(ospy_sv_arg(ev, "msg", 1), "msg_iov");
  *room = 0;
  return iov && sum_iov_lens(iov, room);
}

/* Whether a receiving call gave the program data, and *count the bytes it
 * did. With MSG_TRUNC the call returns the datagram's real length, which
 * may exceed the buffer: the program received what the buffer held, the
 * kernel dropped the rest. On a TCP socket MSG_TRUNC discards the data and
 * leaves the buffer as it was: nothing was received (the buffer's old
 * bytes, which the preset cannot tell from a datagram's, are no data). */
static int received(const ospy_conv *c, const ospy_xevent *ev, int64_t *count)
{
  uint64_t room;
  /* (by its name: 0x20 is another flag elsewhere, Winsock's
     MSG_PUSH_IMMEDIATE in an imported .osd) */
  if (!has_msg_flag(ev, "MSG_TRUNC", 0))
    return 1;
  if (c->kind == OSPY_CONV_TCP)
    return 0;
  if (buffer_room(ev, &room) && (uint64_t)*count > room)
    *count = (int64_t)room;
  return *count > 0;
}

static void on_data(ospy_streams *s, const ospy_xevent *ev, const char *f, int dir)
{
  int64_t count, fd = -1;
  ospy_endpoint peer;
  ospy_conv *c = moved(ev, f, &count) ? data_conv(s, ev, f, &fd) : NULL;
  if (c && dir == OSPY_STREAM_IN && !received(c, ev, &count))
    return;
  if (!c || (!c->id && number(s, c, fd) < 0))
    return;
  gather_data(s, ev, dir);
  int has_peer = peer_of(ev, dir == OSPY_STREAM_IN, &peer);
  if (has_peer && !c->remote.family)
    c->remote = peer;
  /* received data exists when the call returns (a blocking recv is entered
   * long before the peer sends); sent data when the call is made */
  int64_t at = dir == OSPY_STREAM_IN ? ev->ts_ns + (int64_t)ev->duration_ns : ev->ts_ns;
  ospy_stream_data d = { dir, s->buf.p, s->buf.n < (uint64_t)count ? s->buf.n : (size_t)count,
                         (uint64_t)count, at, f, has_peer ? &peer : NULL, fd, c->gap_pending };
  c->gap_pending = 0;
  c->bytes[dir] += d.count;
  c->captured[dir] += d.nbytes;
  c->calls[dir]++;
  c->last_ns = at;
  if (s->cb.data)
    s->cb.data(s->cb.user, c, &d);
}

/* ---- dispatch ---- */

static void on_call(ospy_streams *s, const ospy_xevent *ev, const char *f)
{
  if (in_list(out_fns, f))
    on_data(s, ev, f, OSPY_STREAM_OUT);
  else if (in_list(in_fns, f)) {
    if (!peeked(ev))
      on_data(s, ev, f, OSPY_STREAM_IN);
  }
  else if (!strcmp(f, "socket"))
    on_socket(s, ev);
  else if (!strcmp(f, "socketpair"))
    on_socketpair(s, ev);
  else if (!strncmp(f, "accept", 6))
    on_accept(s, ev);
  else if (!strcmp(f, "connect") || !strcmp(f, "getpeername"))
    on_address(s, ev, 1, f[0] == 'g');
  else if (!strcmp(f, "bind") || !strcmp(f, "getsockname"))
    on_address(s, ev, 0, f[0] == 'g');
  else if (in_list(open_fns, f))
    on_open(s, ev);
  else if (!strcmp(f, "close"))
    on_close(s, ev);
  else if (in_list(dup_fns, f))
    on_dup(s, ev, 0);
  else if (in_list(fcntl_fns, f))
    on_dup(s, ev, 1);
  else if (!strcmp(f, "SSL_set_fd"))
    on_ssl_set_fd(s, ev);
  else if (!strcmp(f, "SSL_free"))
    on_ssl_free(s, ev);
}

/* ---- what the capture lacks ---- */

/* Whether the calls of f (a base name) are read here: left out, they may
 * take data with them. */
static int reads_calls_of(const char *f)
{
  return in_list(out_fns, f) || in_list(in_fns, f) || in_list(open_fns, f) ||
         in_list(dup_fns, f) || in_list(fcntl_fns, f) || in_list(other_fns, f);
}

/* Events of a process were dropped (--lossy, or calls that could not be
 * recorded): any of its conversations may miss data from here. */
static void on_lost(ospy_streams *s, const ospy_xevent *ev)
{
  s->gaps.lost_records++;
  if (ev->has_lost_count)
    s->gaps.lost_events += ev->lost_count;
  for (size_t i = 0; i < s->nall; i++)
    if (!s->all[i]->closed && s->all[i]->pid == ev->pid)
      s->all[i]->gap_pending = 1;
}

/* Whether the list "a, b, c" has name. */
static int listed(const char *list, const char *name, size_t n)
{
  for (const char *p = list; (p = strstr(p, name)); p += n)
    if ((p == list || p[-1] == ' ') && (p[n] == 0 || p[n] == ','))
      return 1;
  return 0;
}

static void add_nested_fn(ospy_streams_gaps *g, const char *name, size_t n)
{
  size_t used = strlen(g->nested_fns), room = sizeof g->nested_fns - used;
  if ((used >= 3 && !strcmp(g->nested_fns + used - 3, "...")) ||
      listed(g->nested_fns, name, n))
    return;
  if (used + 2 + n + 4 > sizeof g->nested_fns) {
    snprintf(g->nested_fns + used, room, "%s...", used ? ", " : "");
    return;
  }
  snprintf(g->nested_fns + used, room, "%s%.*s", used ? ", " : "", (int)n, name);
}

/* An agent's Info on the calls logNested="false" left out, about its hook
 * ("[libc.so.6::write] libc.so.6!write: 2 calls made inside other hooked
 * calls were left out (...)", the hook's name in brackets as calls are
 * named): counted when they are calls read here. */
static void on_info(ospy_streams *s, const ospy_xevent *ev)
{
  const char *m = ev->message, *phrase = NULL, *close;
  if (!m || m[0] != '[' || !(close = strstr(m, "] ")))
    return;
  if (!(phrase = strstr(close, OSPY_NESTED_HIDDEN_MANY)) &&
      !(phrase = strstr(close, OSPY_NESTED_HIDDEN_ONE)))
    return;
  const char *digits = phrase;
  while (digits > close && digits[-1] >= '0' && digits[-1] <= '9')
    digits--;
  if (digits == phrase || digits - close < 2 || digits[-1] != ' ' || digits[-2] != ':')
    return;
  char name[256];
  size_t n = (size_t)(close - (m + 1));
  snprintf(name, sizeof name, "%.*s", (int)n, m + 1);
  if (!reads_calls_of(base_name(name)))
    return;
  s->gaps.nested_calls += strtoull(digits, NULL, 10);
  add_nested_fn(&s->gaps, name, strlen(name));
}

void ospy_streams_get_gaps(const ospy_streams *s, ospy_streams_gaps *g)
{
  *g = s->gaps;
}

void ospy_streams_say_gaps(const char *cmd, const ospy_streams_gaps *g)
{
  if (g->lost_events)
    fprintf(stderr, "%s: warning: %llu event%s lost while capturing: the streams may miss "
            "data\n", cmd, (unsigned long long)g->lost_events,
            g->lost_events == 1 ? " was" : "s were");
  else if (g->lost_records)
    fprintf(stderr, "%s: warning: events were lost while capturing: the streams may miss "
            "data\n", cmd);
  if (g->nested_calls)
    fprintf(stderr, "%s: warning: %llu %s not recorded (logNested=\"false\"): %s: the "
            "streams may miss data\n", cmd, (unsigned long long)g->nested_calls,
            g->nested_calls == 1 ? "call made inside another hooked call was"
                                 : "calls made inside other hooked calls were",
            g->nested_fns);
}

/* ---- the table, fed ---- */

int ospy_streams_feed(ospy_streams *s, const ospy_xevent *ev)
{
  if (ev->type == OSPY_XEV_FUNCTION_CALL && ev->name)
    on_call(s, ev, base_name(ev->name));
  else if (ev->type == OSPY_XEV_LOST)
    on_lost(s, ev);
  else if (ev->type == OSPY_XEV_INFO)
    on_info(s, ev);
  if (ev->ts_ns > s->last_ns)
    s->last_ns = ev->ts_ns;
  return s->failed || s->buf.failed ? -1 : 0;
}

void ospy_streams_finish(ospy_streams *s)
{
  for (size_t i = 0; i < s->nall; i++)
    if (!s->all[i]->closed)
      end_conv(s, s->all[i], s->last_ns);
  s->nrefs = 0;
}
