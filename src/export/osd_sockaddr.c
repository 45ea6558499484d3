/* Socket address bytes to the structure oSpy's loader reads (osd_sockaddr.h). */
#include "export/osd_sockaddr.h"

#include <arpa/inet.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

/* The members of configs/net.xml's AddressFamily, by number. */
static const char *const family_names[] = {
  [0] = "AF_UNSPEC", [1] = "AF_UNIX", [2] = "AF_INET", [3] = "AF_AX25",
  [4] = "AF_IPX", [5] = "AF_APPLETALK", [6] = "AF_NETROM", [7] = "AF_BRIDGE",
  [9] = "AF_X25", [10] = "AF_INET6", [11] = "AF_ROSE", [12] = "AF_DECnet",
  [15] = "AF_KEY", [16] = "AF_NETLINK", [17] = "AF_PACKET", [23] = "AF_IRDA",
  [24] = "AF_PPPOX", [26] = "AF_LLC", [27] = "AF_IB", [28] = "AF_MPLS",
  [29] = "AF_CAN", [30] = "AF_TIPC", [31] = "AF_BLUETOOTH", [38] = "AF_ALG",
  [39] = "AF_NFC", [40] = "AF_VSOCK", [41] = "AF_KCM", [42] = "AF_QIPCRTR",
  [43] = "AF_SMC", [44] = "AF_XDP",
};

int ospy_is_sockaddr_bytes(const ospy_xvalue *v)
{
  return !strcmp(v->type, "ByteArray") && v->subtype && !strcmp(v->subtype, "sockaddr");
}

/* A member name, or the number in hex as oSpy's enumerations wrote one
 * they did not know. */
static void family_text(unsigned fam, char *out, size_t cap)
{
  const char *name = fam < sizeof family_names / sizeof *family_names ? family_names[fam] : NULL;
  if (name)
    snprintf(out, cap, "%s", name);
  else
    snprintf(out, cap, "0x%x", fam);
}

static ospy_xvalue *add_field(ospy_sockaddr_struct *o, const char *name, const char *type,
                              const char *text)
{
  ospy_xvalue *f = &o->fields[o->v.nchildren++];
  *f = (ospy_xvalue){ .name = name, .type = type, .text = text };
  return f;
}

/* A field the recorded bytes do not wholly reach (an addrlen of 4 with
 * AF_INET): a stand-in marked unrecorded, so that the structure has every
 * field whatever the length (oSpy's connect parser reads AF_INET's
 * sin_addr and sin_port without checking that they are there). */
static void add_unrecorded(ospy_sockaddr_struct *o, const char *name, const char *type,
                           const char *stand_in)
{
  add_field(o, name, type, stand_in)->flags |= OSPY_XVALUE_UNRECORDED;
}

static unsigned be16(const uint8_t *p)
{
  return (unsigned)(p[0] << 8 | p[1]);
}

static uint32_t be32(const uint8_t *p)
{
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void add_port(ospy_sockaddr_struct *o, const char *name, const uint8_t *s, size_t n)
{
  if (n < 4) {
    add_unrecorded(o, name, "UInt16", "0");
    return;
  }
  snprintf(o->port, sizeof o->port, "%u", be16(s + 2));
  add_field(o, name, "UInt16", o->port);
}

static void inet_fields(ospy_sockaddr_struct *o, const uint8_t *s, size_t n)
{
  o->v.subtype = "sockaddr_in";
  add_port(o, "sin_port", s, n);
  if (n < 8) {
    add_unrecorded(o, "sin_addr", "Ipv4InAddr", "0.0.0.0");
    return;
  }
  snprintf(o->addr, sizeof o->addr, "%u.%u.%u.%u", s[4], s[5], s[6], s[7]);
  add_field(o, "sin_addr", "Ipv4InAddr", o->addr);
}

/* The address as text: oSpy had no IPv6 type, a string is what any of its
 * readers shows. */
static void inet6_fields(ospy_sockaddr_struct *o, const uint8_t *s, size_t n)
{
  o->v.subtype = "sockaddr_in6";
  add_port(o, "sin6_port", s, n);
  if (n >= 8) {
    snprintf(o->flowinfo, sizeof o->flowinfo, "%" PRIu32, be32(s + 4));
    add_field(o, "sin6_flowinfo", "UInt32", o->flowinfo);
  } else {
    add_unrecorded(o, "sin6_flowinfo", "UInt32", "0");
  }
  if (n >= 24 && inet_ntop(AF_INET6, s + 8, o->addr, sizeof o->addr))
    add_field(o, "sin6_addr", "AsciiString", o->addr);
  else
    add_unrecorded(o, "sin6_addr", "AsciiString", "::");
  if (n >= 28) {
    uint32_t scope;
    memcpy(&scope, s + 24, 4); /* host order, and host and target are little-endian */
    snprintf(o->scope, sizeof o->scope, "%" PRIu32, scope);
    add_field(o, "sin6_scope_id", "UInt32", o->scope);
  } else {
    add_unrecorded(o, "sin6_scope_id", "UInt32", "0");
  }
}

/* The path up to its NUL, as show prints it; an abstract name (a leading
 * NUL) with @ in its place. */
static void unix_fields(ospy_sockaddr_struct *o, const uint8_t *s, size_t n)
{
  o->v.subtype = "sockaddr_un";
  const uint8_t *p = s + 2;
  size_t len = n - 2, k = 0;
  if (len && p[0] == 0) {
    o->path[k++] = '@';
    p++;
    len--;
  }
  for (size_t i = 0; i < len && p[i] && k < sizeof o->path - 1; i++)
    o->path[k++] = (char)p[i];
  o->path[k] = '\0';
  add_field(o, "sun_path", "AsciiString", o->path);
}

static void other_fields(ospy_sockaddr_struct *o, const uint8_t *s, size_t n)
{
  o->v.subtype = "sockaddr";
  if (n <= 2)
    return;
  ospy_xvalue *f = add_field(o, "sa_data", "ByteArray", NULL);
  f->bytes = s + 2;
  f->nbytes = n - 2;
}

void ospy_sockaddr_to_struct(const ospy_xvalue *v, ospy_sockaddr_struct *o)
{
  const uint8_t *s = v->bytes;
  size_t n = v->nbytes;
  /* fewer than 2 bytes (none: a NULL or unreadable address) hold no
   * family: unspecified, for the parser that reads sin_family whatever the
   * address */
  unsigned fam = n >= 2 ? (unsigned)(s[0] | s[1] << 8) : AF_UNSPEC;
  o->v = (ospy_xvalue){ .name = v->name, .type = "Struct", .flags = v->flags,
                        .total = v->total, .addr = v->addr, .children = o->fields };
  family_text(fam, o->family, sizeof o->family);
  ospy_xvalue *family = add_field(o, "sin_family", "Enum", o->family);
  family->subtype = "AddressFamily";
  if (n < 2)
    family->flags |= OSPY_XVALUE_UNRECORDED;
  if (fam == AF_INET)
    inet_fields(o, s, n);
  else if (fam == AF_INET6)
    inet6_fields(o, s, n);
  else if (fam == AF_UNIX)
    unix_fields(o, s, n);
  else
    other_fields(o, s, n);
}
