/* Socket descriptor names from the hooked calls; see socknames.h. */
#include "capture/socknames.h"
#include "plan/values.h"
#include "plan/values_format.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

const char *ospy_socket_proto(int domain, int type)
{
  static const char *const inet[] = { [SOCK_STREAM] = "TCP", [SOCK_DGRAM] = "UDP", [SOCK_RAW] = "RAW" };
  static const char *const inet6[] = { [SOCK_STREAM] = "TCPv6", [SOCK_DGRAM] = "UDPv6",
                                       [SOCK_RAW] = "RAWv6" };
  static const char *const unx[] = { [SOCK_STREAM] = "UNIX-STREAM", [SOCK_DGRAM] = "UNIX-DGRAM",
                                     [SOCK_SEQPACKET] = "UNIX-SEQPACKET" };
  unsigned kind = (unsigned)type & 0xf; /* without SOCK_NONBLOCK, SOCK_CLOEXEC */
  const char *p = NULL;
  if (domain == AF_INET && kind <= SOCK_RAW)
    p = inet[kind];
  else if (domain == AF_INET6 && kind <= SOCK_RAW)
    p = inet6[kind];
  else if (domain == AF_UNIX && kind <= SOCK_SEQPACKET)
    p = unx[kind];
  else if (domain == AF_NETLINK)
    p = "NETLINK";
  else if (domain == AF_PACKET)
    p = "PACKET";
  return p ? p : "socket";
}

void ospy_sockaddr_endpoint(const uint8_t *sa, size_t n, char *out, size_t cap)
{
  unsigned fam = n >= 2 ? (unsigned)(sa[0] | sa[1] << 8) : AF_UNSPEC;
  if (ospy_values_inet_endpoint(sa, n, out, cap))
    return;
  if (fam == AF_UNIX && n > 2) {
    const char *path = (const char *)sa + 2;
    size_t len = n - 2;
    if (path[0]) /* a path; an abstract name follows a NUL (shown from @, up to a NUL) */
      snprintf(out, cap, "%.*s", (int)strnlen(path, len), path);
    else if (len > 1)
      snprintf(out, cap, "@%.*s", (int)strnlen(path + 1, len - 1), path + 1);
  }
}

void ospy_sockname_text(const ospy_sockname *s, char *out, size_t cap)
{
  if (!s->local[0] && !s->peer[0])
    snprintf(out, cap, "%s", s->proto);
  else if (!s->peer[0])
    snprintf(out, cap, "%s:[%s]", s->proto, s->local);
  else
    snprintf(out, cap, "%s:[%s->%s]", s->proto, s->local, s->peer);
}

/* ---- what a call said ---- */

typedef struct said {
  int64_t ints[3];      /* the first three integer arguments (socket's domain and type) */
  int32_t fds[2];       /* descriptors: the first argument, or socketpair's pair */
  unsigned nfds;
  const uint8_t *addr;  /* the socket address argument */
  size_t addr_len;
} said;

static int on_value(const ospy_value *v, void *data)
{
  said *s = data;
  if (v->depth == 0 && v->kind == OSPY_VALUE_INT && v->index >= 0 && v->index < 3)
    s->ints[v->index] = (int64_t)v->u;
  if (v->kind == OSPY_VALUE_INT && v->type_kind == OSPY_KIND_FD && v->index != OSPY_VALUE_RETVAL &&
      s->nfds < 2)
    s->fds[s->nfds++] = (int32_t)v->u;
  if (v->kind == OSPY_VALUE_BYTES && v->type_kind == OSPY_KIND_SOCKADDR && !s->addr &&
      !(v->flags & (OSPY_VB_CAPPED | OSPY_VB_CUT))) {
    s->addr = v->bytes;
    s->addr_len = v->nbytes;
  }
  return 0;
}

/* The values of one phase of the call (enter or leave) into s. */
static int read_phase(const ospy_spec_fn *fn, const uint8_t *blob, size_t len, said *s)
{
  ospy_value_visitor vis = { on_value, NULL };
  memset(s, 0, sizeof *s);
  return len ? ospy_values_decode(fn, blob, len, &vis, s, NULL, 0) : -1;
}

/* ---- a socket's fields, "proto\x1flocal\x1fpeer", kept with its binding (fdtrack.h) ---- */

/* What the capture knows of the socket fd the call being handled passed. */
static int load(const ospy_fdtrack *t, int32_t fd, ospy_sockname *s)
{
  const char *v = ospy_fdtrack_sock(t, fd);
  memset(s, 0, sizeof *s);
  if (!v)
    return 0;
  const char *a = strchr(v, '\x1f'), *b = a ? strchr(a + 1, '\x1f') : NULL;
  if (!b)
    return 0;
  snprintf(s->proto, sizeof s->proto, "%.*s", (int)(a - v), v);
  snprintf(s->local, sizeof s->local, "%.*s", (int)(b - a - 1), a + 1);
  snprintf(s->peer, sizeof s->peer, "%s", b + 1);
  return 1;
}

/* Keeps s for fd, a descriptor the call made (socket, accept) or passed, and
   names the descriptor after it. */
static void store(ospy_fdtrack *t, int32_t fd, int made, const ospy_sockname *s,
                  ospy_fdtrack_emit emit, void *ctx)
{
  char v[sizeof *s + 4], name[sizeof *s + 8];
  snprintf(v, sizeof v, "%s\x1f%s\x1f%s", s->proto, s->local, s->peer);
  ospy_sockname_text(s, name, sizeof name);
  ospy_fdtrack_sock_said(t, fd, made, v, name, emit, ctx);
}

/* A socket address the call named, as an endpoint ("" when none). */
static void endpoint_of(const said *s, char *out, size_t cap)
{
  out[0] = 0;
  if (s->addr)
    ospy_sockaddr_endpoint(s->addr, s->addr_len, out, cap);
}

static int family_of(const said *s)
{
  return s->addr && s->addr_len >= 2 ? s->addr[0] | s->addr[1] << 8 : AF_UNSPEC;
}

/* A socket whose socket() the capture did not see: its family, from an address. */
static void guess_proto(ospy_sockname *s, int family)
{
  if (!s->proto[0])
    snprintf(s->proto, sizeof s->proto, "%s",
             family == AF_INET ? "INET" : family == AF_INET6 ? "INET6" :
             family == AF_UNIX ? "UNIX" : "socket");
}

static void on_socket(ospy_fdtrack *t, const ospy_event_call *c, const said *in,
                      ospy_fdtrack_emit emit, void *ctx)
{
  ospy_sockname s = { 0 };
  snprintf(s.proto, sizeof s.proto, "%s", ospy_socket_proto((int)in->ints[0], (int)in->ints[1]));
  store(t, (int32_t)(uint32_t)c->retval, 1, &s, emit, ctx);
}

static void on_socketpair(ospy_fdtrack *t, const said *in, const said *out,
                          ospy_fdtrack_emit emit, void *ctx)
{
  ospy_sockname s = { 0 };
  snprintf(s.proto, sizeof s.proto, "%s", ospy_socket_proto((int)in->ints[0], (int)in->ints[1]));
  for (unsigned i = 0; i < out->nfds; i++)
    store(t, out->fds[i], 1, &s, emit, ctx);
}

/* bind, connect, getsockname, getpeername: an address of socket fds[0]. */
static void on_address(ospy_fdtrack *t, const said *s, int peer, ospy_fdtrack_emit emit,
                       void *ctx)
{
  ospy_sockname n;
  if (!s->nfds)
    return;
  load(t, s->fds[0], &n);
  guess_proto(&n, family_of(s));
  endpoint_of(s, peer ? n.peer : n.local, sizeof n.local);
  if (peer && !n.peer[0] && s->addr && family_of(s) != AF_UNSPEC)
    snprintf(n.peer, sizeof n.peer, "?"); /* connected to an unnamed socket */
  store(t, s->fds[0], 0, &n, emit, ctx);
}

/* accept, accept4: a new socket, local as the listening one's (when bound to
   a known port), its peer from the returned address. */
static void on_accept(ospy_fdtrack *t, const ospy_event_call *c, const said *in, const said *out,
                      ospy_fdtrack_emit emit, void *ctx)
{
  ospy_sockname listening, n = { 0 };
  if (in->nfds && load(t, in->fds[0], &listening)) {
    memcpy(n.proto, listening.proto, sizeof n.proto);
    size_t len = strlen(listening.local);
    if (len > 2 && strcmp(listening.local + len - 2, ":0"))
      memcpy(n.local, listening.local, sizeof n.local);
  }
  if (!n.proto[0]) /* only stream sockets accept (SCTP and SEQPACKET aside) */
    snprintf(n.proto, sizeof n.proto, "%s", ospy_socket_proto(family_of(out), SOCK_STREAM));
  guess_proto(&n, family_of(out));
  endpoint_of(out, n.peer, sizeof n.peer);
  if (!n.peer[0]) /* accept(fd, NULL, NULL): connected, to whom unsaid */
    snprintf(n.peer, sizeof n.peer, "?");
  store(t, (int32_t)(uint32_t)c->retval, 1, &n, emit, ctx);
}

static const char *const sock_fns[] = { "socket", "socketpair", "bind", "connect", "accept",
                                        "accept4", "getsockname", "getpeername" };
#define NSOCK_FNS (sizeof sock_fns / sizeof *sock_fns)

static unsigned sock_fn_index(const char *name)
{
  unsigned which = 0;
  while (which < NSOCK_FNS && strcmp(name, sock_fns[which]))
    which++;
  return which;
}

int ospy_socknames_handles(const char *fn_name)
{
  return sock_fn_index(fn_name) < NSOCK_FNS;
}

int ospy_socknames_on_call(ospy_fdtrack *t, const ospy_event_call *c, const ospy_spec_fn *fn,
                           ospy_fdtrack_emit emit, void *ctx)
{
  unsigned which = sock_fn_index(fn->name);
  if (which == NSOCK_FNS)
    return 0;
  const uint8_t *enter = (const uint8_t *)(c + 1) + (size_t)c->nbt * 8;
  said in, out;
  if (read_phase(fn, enter, c->enter_len, &in) < 0)
    return 1;
  if (read_phase(fn, enter + c->enter_len, c->leave_len, &out) < 0)
    memset(&out, 0, sizeof out);
  int32_t ret = (int32_t)(uint32_t)c->retval;
  /* a non-blocking connect() is under way when it fails with EINPROGRESS */
  int ok = ret == 0 || (which == 3 && ret == -1 && c->err == EINPROGRESS);
  switch (which) {
  case 0: if (ret >= 0) on_socket(t, c, &in, emit, ctx); break;
  case 1: if (ret == 0) on_socketpair(t, &in, &out, emit, ctx); break;
  case 2: if (ok) on_address(t, &in, 0, emit, ctx); break;
  case 3: if (ok) on_address(t, &in, 1, emit, ctx); break;
  case 4: case 5: if (ret >= 0) on_accept(t, c, &in, &out, emit, ctx); break;
  case 6: case 7:
    if (ok) {
      out.fds[0] = in.fds[0];
      out.nfds = in.nfds;
      on_address(t, &out, which == 7, emit, ctx);
    }
    break;
  }
  return 1;
}
