/* Values of decoded calls for the stream rebuilder (streams_values.h). */
#include "export/streams_values.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

const ospy_xvalue *ospy_sv_arg(const ospy_xevent *ev, const char *name, int out)
{
  const ospy_xvalue *v = out ? ev->args_out : ev->args_in;
  size_t n = out ? ev->nargs_out : ev->nargs_in;
  for (size_t i = 0; i < n; i++)
    if (v[i].name && !strcmp(v[i].name, name))
      return &v[i];
  return NULL;
}

int ospy_sv_int(const ospy_xvalue *v, int64_t *out)
{
  if (!v || !v->text || (v->flags & (OSPY_XVALUE_UNREADABLE | OSPY_XVALUE_UNRECORDED)))
    return 0;
  char *end;
  const char *t = v->text;
  if (t[0] == '-')
    *out = strtoll(t, &end, 0);
  else
    *out = (int64_t)strtoull(t, &end, 0);
  return end != t;
}

const ospy_xvalue *ospy_sv_deref(const ospy_xvalue *v)
{
  while (v && ospy_xvalue_is_pointer(v))
    v = v->nchildren ? &v->children[0] : NULL;
  return v;
}

static uint16_t be16(const uint8_t *p)
{
  return (uint16_t)(p[0] << 8 | p[1]);
}

const ospy_xvalue *ospy_sv_field(const ospy_xvalue *v, const char *name)
{
  v = ospy_sv_deref(v);
  for (size_t i = 0; v && i < v->nchildren; i++)
    if (v->children[i].name && !strcmp(v->children[i].name, name))
      return &v->children[i];
  return NULL;
}

int ospy_sv_family(const ospy_xvalue *v)
{
  int64_t n;
  if (!v || !v->text)
    return 0;
  if (!strcmp(v->text, "AF_INET"))
    return AF_INET;
  if (!strcmp(v->text, "AF_INET6"))
    return AF_INET6;
  if (!strcmp(v->text, "AF_UNIX") || !strcmp(v->text, "AF_LOCAL"))
    return AF_UNIX;
  return ospy_sv_int(v, &n) ? (int)n : 0;
}

static int struct_port(const ospy_xvalue *st, const char *name, ospy_endpoint *e)
{
  int64_t port;
  if (!ospy_sv_int(ospy_sv_field(st, name), &port) || port < 0 || port > 0xffff)
    return 0;
  e->port = (uint16_t)port;
  return 1;
}

static int struct_addr(const ospy_xvalue *st, const char *name, int family, ospy_endpoint *e)
{
  const ospy_xvalue *f = ospy_sv_field(st, name);
  return f && f->text && !(f->flags & OSPY_XVALUE_UNRECORDED) &&
         inet_pton(family, f->text, e->addr) == 1;
}

static int struct_path(const ospy_xvalue *st, ospy_endpoint *e)
{
  const ospy_xvalue *f = ospy_sv_field(st, "sun_path");
  if (!f || !f->text)
    return 0;
  snprintf(e->path, sizeof e->path, "%s", f->text);
  return 1;
}

/* The address family field of a structure: sin_family, as oSpy's
 * Ipv4Sockaddr and the .osd's socket addresses (osd_sockaddr.h) name it, or
 * as C names it in the other forms; NULL when it has none. */
static const ospy_xvalue *family_field(const ospy_xvalue *st)
{
  static const char *const names[] = { "sin_family", "sin6_family", "sun_family", "sa_family",
                                       "ss_family", NULL };
  const ospy_xvalue *f = NULL;
  for (const char *const *n = names; *n && !f; n++)
    f = ospy_sv_field(st, *n);
  return f;
}

/* A socket address in the form the .osd has it (osd_sockaddr.h; oSpy's own
 * Ipv4Sockaddr has the same fields), read back from an imported capture. */
static int sockaddr_struct(const ospy_xvalue *st, ospy_endpoint *e)
{
  memset(e, 0, sizeof *e);
  int fam = ospy_sv_family(family_field(st)), ok = 0;
  if (fam == AF_INET)
    ok = struct_port(st, "sin_port", e) && struct_addr(st, "sin_addr", fam, e);
  else if (fam == AF_INET6)
    ok = struct_port(st, "sin6_port", e) && struct_addr(st, "sin6_addr", fam, e);
  else if (fam == AF_UNIX)
    ok = struct_path(st, e);
  e->family = ok ? fam : 0;
  return ok;
}

int ospy_sv_sockaddr(const ospy_xvalue *v, ospy_endpoint *e)
{
  v = ospy_sv_deref(v);
  if (v && !strcmp(v->type, "Struct"))
    return sockaddr_struct(v, e);
  if (!v || strcmp(v->type, "ByteArray") || v->nbytes < 2)
    return 0;
  const uint8_t *s = v->bytes;
  unsigned fam = (unsigned)(s[0] | s[1] << 8);
  memset(e, 0, sizeof *e);
  if (fam == AF_INET && v->nbytes >= 8) {
    e->port = be16(s + 2);
    memcpy(e->addr, s + 4, 4);
  } else if (fam == AF_INET6 && v->nbytes >= 24) {
    e->port = be16(s + 2);
    memcpy(e->addr, s + 8, 16);
  } else if (fam == AF_UNIX) {
    size_t n = v->nbytes - 2 < sizeof e->path - 1 ? v->nbytes - 2 : sizeof e->path - 1;
    memcpy(e->path, s + 2, n);
    if (n && e->path[0] == '\0')
      e->path[0] = '@'; /* the abstract namespace */
  } else {
    return 0;
  }
  e->family = (int)fam;
  return 1;
}

/* Whether v (a pointer followed) is a socket address by what it is: the
 * bytes of ospy's sockaddr type, or a structure with an address family
 * field (oSpy's Ipv4Sockaddr, the .osd's form, a config's sockaddr_in). */
static int is_sockaddr(const ospy_xvalue *v)
{
  if (!v)
    return 0;
  if (!strcmp(v->type, "ByteArray"))
    return v->subtype && !strcmp(v->subtype, "sockaddr");
  return !strcmp(v->type, "Struct") && family_field(v);
}

int ospy_sv_sockaddr_arg(const ospy_xevent *ev, int out, const char *name, ospy_endpoint *e)
{
  const ospy_xvalue *v = out ? ev->args_out : ev->args_in;
  size_t n = out ? ev->nargs_out : ev->nargs_in;
  for (size_t i = 0; i < n; i++)
    if (is_sockaddr(ospy_sv_deref(&v[i])) && ospy_sv_sockaddr(&v[i], e))
      return 1;
  return name && ospy_sv_sockaddr(ospy_sv_arg(ev, name, out), e);
}

static void buf_add(ospy_sv_buf *b, const uint8_t *p, size_t n)
{
  if (b->failed || !n)
    return;
  if (b->n + n > b->cap) {
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < b->n + n)
      cap *= 2;
    uint8_t *q = realloc(b->p, cap);
    if (!q) {
      b->failed = 1;
      return;
    }
    b->p = q;
    b->cap = cap;
  }
  memcpy(b->p + b->n, p, n);
  b->n += n;
}

void ospy_sv_gather(const ospy_xvalue *v, ospy_sv_buf *b)
{
  if (!v || (v->name && (!strcmp(v->name, "msg_name") || !strcmp(v->name, "msg_control"))))
    return;
  if (!strcmp(v->type, "ByteArray")) {
    buf_add(b, v->bytes, v->nbytes);
    return;
  }
  for (size_t i = 0; i < v->nchildren; i++)
    ospy_sv_gather(&v->children[i], b);
}
