/* oSpy's socket parsers (oSpy.SharpDumpLib/Socket/, a file each) and what
 * they read of an event (osd_parsers.h): each reads its values through XPath from the
 * event's XML (Xml/FunctionCallDataElement.cs), so this reads the event as
 * the XML writer writes it (xml_writer.c: a socket address's structure, a
 * negative descriptor's hex, a Flags value's number, the empty pointee of a
 * buffer not read). */
#include "export/osd_parsers.h"

#include <stdint.h>
#include <string.h>

#include "export/osd_sockaddr.h"
#include "export/xml_writer.h"

static const char *function_of(const char *name)
{
  const char *sep = strstr(name, "::");
  return sep ? sep + 2 : name;
}

bool ospy_osd_parser_named(const char *name)
{
  static const char *const parsed[] = { "socket", "connect", "send", "recv", "closesocket" };
  if (!name)
    return false;
  const char *fn = function_of(name);
  for (size_t i = 0; i < sizeof parsed / sizeof parsed[0]; i++)
    if (!strcmp(fn, parsed[i]))
      return true;
  return false;
}

/* v's value="" as the writer writes it, NULL when its <value> has none or
 * is no plain value (no <value> at all; a format string, written as a
 * Pointer to the text printed; a socket address, written as a structure). */
static const char *value_attr(const ospy_xvalue *v, char fd[OSPY_XML_VALUE_TEXT_MAX])
{
  if (!v || !v->type[0] || (v->flags & OSPY_XVALUE_FORMAT) || ospy_is_sockaddr_bytes(v))
    return NULL;
  return ospy_xml_value_attr(v, fd);
}

static int digit(char c, int base)
{
  int d = c >= '0' && c <= '9' ? c - '0'
        : c >= 'a' && c <= 'f' ? c - 'a' + 10
        : c >= 'A' && c <= 'F' ? c - 'A' + 10 : 99;
  return d < base ? d : -1;
}

/* The digits of s[0, n) in base, no more than max; false for none, another
 * character, or a value past max. */
static bool digits_upto(const char *s, size_t n, int base, uint64_t max, uint64_t *out)
{
  uint64_t v = 0;
  if (!n)
    return false;
  for (size_t i = 0; i < n; i++) {
    int d = digit(s[i], base);
    if (d < 0 || (v = v * (uint64_t)base + (uint64_t)d) > max)
      return false;
  }
  *out = v;
  return true;
}

/* s without the blanks .NET's Trim and Int32.Parse skip around it: its
 * first character, its length in *n. */
static const char *trimmed(const char *s, size_t *n)
{
  static const char blanks[] = " \t\n\v\f\r";
  s += strspn(s, blanks);
  size_t k = strlen(s);
  while (k && strchr(blanks, s[k - 1]))
    k--;
  *n = k;
  return s;
}

/* Convert.ToInt32 / ToUInt32 of decimal text (Int32.Parse): an optional
 * sign, digits, within the type's range. */
static bool decimal_converts(const char *s, bool is_signed, int64_t *out)
{
  size_t n;
  uint64_t v;
  if (!s)
    return false;
  s = trimmed(s, &n);
  bool minus = n && s[0] == '-';
  size_t sign = n && (s[0] == '-' || s[0] == '+');
  uint64_t max = !is_signed ? (minus ? 0 : UINT32_MAX) : minus ? 1ull << 31 : INT32_MAX;
  if (!digits_upto(s + sign, n - sign, 10, max, &v))
    return false;
  *out = minus ? -(int64_t)v : (int64_t)v;
  return true;
}

/* A value's text converted as FunctionCallDataElement converts it (after
 * .NET's Trim): after "0x", Convert.ToInt32/ToUInt32(text, 16), within 32
 * bits (a signed one past 2^31 wraps); else decimal. */
static bool converts(const char *s, bool is_signed, int64_t *out)
{
  size_t n;
  uint64_t v;
  if (!s)
    return false;
  s = trimmed(s, &n);
  if (n < 2 || s[0] != '0' || s[1] != 'x')
    return decimal_converts(s, is_signed, out);
  if (!digits_upto(s + 2, n - 2, 16, UINT32_MAX, &v))
    return false;
  *out = is_signed ? (int64_t)(int32_t)(uint32_t)v : (int64_t)v;
  return true;
}

static bool converts_to(const ospy_xvalue *v, bool is_signed, int64_t *out)
{
  char fd[OSPY_XML_VALUE_TEXT_MAX];
  return converts(value_attr(v, fd), is_signed, out);
}

/* in-argument n (from 1), as "arguments[@direction='in']/argument[n]" */
static const ospy_xvalue *in_arg(const ospy_xevent *ev, size_t n)
{
  return ev->has_args_in && n <= ev->nargs_in ? &ev->args_in[n - 1] : NULL;
}

static bool in_arg_converts(const ospy_xevent *ev, size_t n, bool is_signed)
{
  int64_t v;
  return converts_to(in_arg(ev, n), is_signed, &v);
}

static bool in_arg_has_text(const ospy_xevent *ev, size_t n)
{
  char fd[OSPY_XML_VALUE_TEXT_MAX];
  return value_attr(in_arg(ev, n), fd) != NULL;
}

/* The value "argument[n]/value/value" finds in v's argument: the first
 * value inside v's own, as the writer writes v (a structure's fields are
 * <field>s; a buffer or socket address not read gets an empty one, made in
 * *empty); NULL when there is none. */
static const ospy_xvalue *inner_value(const ospy_xvalue *v, ospy_xvalue *empty)
{
  if (!v || !v->type[0] || (v->flags & OSPY_XVALUE_FORMAT) || ospy_is_sockaddr_bytes(v))
    return NULL;
  for (size_t i = 0; i < v->nchildren; i++)
    if (!v->children[i].name)
      return &v->children[i];
  if (v->nchildren || !(v->flags & (OSPY_XVALUE_BUFFER_NOT_READ | OSPY_XVALUE_SOCKADDR_NOT_READ)))
    return NULL;
  bool sockaddr = v->flags & OSPY_XVALUE_SOCKADDR_NOT_READ;
  *empty = (ospy_xvalue){ .type = "ByteArray", .subtype = sockaddr ? "sockaddr" : NULL };
  return empty;
}

/* A buffer whose text send and recv decode as base64 (Convert.FromBase64String
 * of InnerText): a ByteArray, its bytes base64. (Other values' text would
 * decode too, often as nothing, but they hold no buffer.) */
static bool is_buffer(const ospy_xvalue *v)
{
  return v && !strcmp(v->type, "ByteArray") && !ospy_is_sockaddr_bytes(v) &&
         !(v->flags & OSPY_XVALUE_FORMAT);
}

static const ospy_xvalue *field(const ospy_xvalue *s, const char *name)
{
  for (size_t i = 0; i < s->nchildren; i++)
    if (s->children[i].name && !strcmp(s->children[i].name, name))
      return &s->children[i];
  return NULL;
}

/* IPAddress.Parse of an IPv4 address as ospy and oSpy wrote one. */
static bool dotted_quad(const char *s)
{
  for (int part = 0; part < 4; part++) {
    size_t n = strspn(s, "0123456789");
    uint64_t v;
    if (n > 3 || !digits_upto(s, n, 10, 255, &v) || s[n] != (part < 3 ? '.' : '\0'))
      return false;
    s += n + 1;
  }
  return true;
}

/* connect's "argument[2]/value/value": sin_family's value for any family,
 * and for AF_INET an IPEndPoint of sin_addr (IPAddress.Parse) and sin_port
 * (Convert.ToInt32, 0 to 65535). */
static bool socket_address_reads(const ospy_xvalue *sa)
{
  ospy_sockaddr_struct st;
  if (sa && ospy_is_sockaddr_bytes(sa)) { /* written as its structure */
    ospy_sockaddr_to_struct(sa, &st);
    sa = &st.v;
  }
  if (!sa || strcmp(sa->type, "Struct"))
    return false;
  char fd[OSPY_XML_VALUE_TEXT_MAX];
  const char *family = value_attr(field(sa, "sin_family"), fd);
  if (!family)
    return false;
  if (strcmp(family, "AF_INET"))
    return true; /* no endpoint: nothing more is read */
  const char *addr = value_attr(field(sa, "sin_addr"), fd);
  if (!addr || !dotted_quad(addr))
    return false;
  int64_t port; /* (Convert.ToInt32 of the text alone: decimal) */
  return decimal_converts(value_attr(field(sa, "sin_port"), fd), true, &port) && port >= 0 &&
         port <= 65535;
}

static bool returns(const ospy_xevent *ev, bool is_signed, int64_t *v)
{
  return ev->retval && converts_to(ev->retval, is_signed, v);
}

/* Socket/CreateEvent.cs: arguments 1-3 as text, the return value UInt32. */
static bool socket_reads(const ospy_xevent *ev)
{
  int64_t r;
  return in_arg_has_text(ev, 1) && in_arg_has_text(ev, 2) && in_arg_has_text(ev, 3) &&
         returns(ev, false, &r);
}

/* Socket/ConnectEvent.cs: argument 1 UInt32, the address, the return
 * value Int32, and when it is not 0 lastError (Convert.ToInt32). */
static bool connect_reads(const ospy_xevent *ev)
{
  ospy_xvalue empty;
  int64_t r;
  return in_arg_converts(ev, 1, false) &&
         socket_address_reads(inner_value(in_arg(ev, 2), &empty)) && returns(ev, true, &r) &&
         (r == 0 || ev->has_last_error);
}

/* Socket/SendEvent.cs: argument 1 UInt32, argument 2's buffer, argument 4
 * (flags) Int32, the return value Int32. */
static bool send_reads(const ospy_xevent *ev)
{
  ospy_xvalue empty;
  int64_t r;
  return in_arg_converts(ev, 1, false) && is_buffer(inner_value(in_arg(ev, 2), &empty)) &&
         in_arg_converts(ev, 4, true) && returns(ev, true, &r);
}

/* Socket/ReceiveEvent.cs: argument 1 UInt32, the out list's first
 * argument's buffer when there is one, arguments 3 (len) and 4 (flags)
 * Int32, the return value Int32. */
static bool recv_reads(const ospy_xevent *ev)
{
  ospy_xvalue empty;
  const ospy_xvalue *buf = ev->has_args_out && ev->nargs_out
                             ? inner_value(&ev->args_out[0], &empty) : NULL;
  int64_t r;
  return in_arg_converts(ev, 1, false) && (!buf || is_buffer(buf)) &&
         in_arg_converts(ev, 3, true) && in_arg_converts(ev, 4, true) && returns(ev, true, &r);
}

/* Socket/CloseEvent.cs: argument 1 UInt32, the return value Int32. */
static bool closesocket_reads(const ospy_xevent *ev)
{
  int64_t r;
  return in_arg_converts(ev, 1, false) && returns(ev, true, &r);
}

bool ospy_osd_parser_reads(const ospy_xevent *ev)
{
  const char *fn = ev->name ? function_of(ev->name) : "";
  if (!strcmp(fn, "socket"))
    return socket_reads(ev);
  if (!strcmp(fn, "connect"))
    return connect_reads(ev);
  if (!strcmp(fn, "send"))
    return send_reads(ev);
  if (!strcmp(fn, "recv"))
    return recv_reads(ev);
  if (!strcmp(fn, "closesocket"))
    return closesocket_reads(ev);
  return true; /* no parser */
}
