/* strace-like text of decoded values: fd=3, buf="GET / HTTP/1.1\r\n"..., count=4096 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <stdarg.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plan/values.h"
#include "plan/values_format.h"

typedef struct tbuf {
  char *out;
  size_t cap, len;
} tbuf;

/* Appends n bytes (as much as fits; len counts them all, as snprintf). */
static void put_bytes(tbuf *b, const char *s, size_t n)
{
  if (b->len < b->cap) {
    size_t room = b->cap - b->len - 1; /* keeps the terminator's byte */
    memcpy(b->out + b->len, s, n < room ? n : room);
    b->out[b->len + (n < room ? n : room)] = '\0';
  }
  b->len += n;
}

static void put(tbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(tbuf *b, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  /* the common pieces without vsnprintf: a literal, one string */
  if (!strchr(fmt, '%')) {
    put_bytes(b, fmt, strlen(fmt));
    va_end(ap);
    return;
  }
  if (fmt[0] == '%' && fmt[1] == 's' && !fmt[2]) {
    const char *s = va_arg(ap, const char *);
    put_bytes(b, s, strlen(s));
    va_end(ap);
    return;
  }
  size_t room = b->len < b->cap ? b->cap - b->len : 0;
  int n = vsnprintf(room ? b->out + b->len : NULL, room, fmt, ap);
  va_end(ap);
  if (n > 0)
    b->len += (size_t)n;
}

/* An integer in decimal, as %llu or %lld (the most common value). */
static void put_u64(tbuf *b, uint64_t v, int negative)
{
  char d[24];
  size_t n = sizeof d;
  do
    d[--n] = (char)('0' + v % 10);
  while ((v /= 10) != 0);
  if (negative)
    d[--n] = '-';
  put_bytes(b, d + n, sizeof d - n);
}

static void put_i64(tbuf *b, int64_t v)
{
  put_u64(b, v < 0 ? 0 - (uint64_t)v : (uint64_t)v, v < 0);
}

/* ---- escaping ---- */

/* "\xNN", without vsnprintf (a binary buffer is mostly these). */
static void put_hex_escape(tbuf *b, uint8_t byte)
{
  static const char hex[] = "0123456789abcdef";
  const char e[4] = { '\\', 'x', hex[byte >> 4], hex[byte & 15] };
  put_bytes(b, e, sizeof e);
}

/* One character of a quoted string, escaped as C writes it, or as UTF-8.
 * Written by hand: a vsnprintf a character made show -s 0 of large buffers
 * cost ~200 ns a byte. */
static void put_cp(tbuf *b, uint32_t cp)
{
  char u[4];
  if (cp == '"' || cp == '\\') {
    u[0] = '\\';
    u[1] = (char)cp;
    put_bytes(b, u, 2);
  } else if (cp == '\n') {
    put_bytes(b, "\\n", 2);
  } else if (cp == '\r') {
    put_bytes(b, "\\r", 2);
  } else if (cp == '\t') {
    put_bytes(b, "\\t", 2);
  } else if (cp < 0x20 || cp == 0x7f) {
    put_hex_escape(b, (uint8_t)cp);
  } else if (cp < 0x80) {
    u[0] = (char)cp;
    put_bytes(b, u, 1);
  } else if (cp < 0x800) {
    u[0] = (char)(0xc0 | cp >> 6);
    u[1] = (char)(0x80 | (cp & 0x3f));
    put_bytes(b, u, 2);
  } else if (cp < 0x10000) {
    u[0] = (char)(0xe0 | cp >> 12);
    u[1] = (char)(0x80 | (cp >> 6 & 0x3f));
    u[2] = (char)(0x80 | (cp & 0x3f));
    put_bytes(b, u, 3);
  } else {
    u[0] = (char)(0xf0 | cp >> 18);
    u[1] = (char)(0x80 | (cp >> 12 & 0x3f));
    u[2] = (char)(0x80 | (cp >> 6 & 0x3f));
    u[3] = (char)(0x80 | (cp & 0x3f));
    put_bytes(b, u, 4);
  }
}

/* The length of the run of bytes from s that stand for themselves in a
 * quoted string (printable ASCII but '"' and '\\'): appended at once. */
static size_t plain_run(const uint8_t *s, size_t n)
{
  size_t k = 0;
  while (k < n && s[k] >= 0x20 && s[k] < 0x7f && s[k] != '"' && s[k] != '\\')
    k++;
  return k;
}

size_t ospy_utf8_seq(const uint8_t *s, size_t n, uint32_t *cp)
{
  if (s[0] < 0x80) {
    *cp = s[0];
    return 1;
  }
  size_t len = s[0] >= 0xf0 && s[0] <= 0xf4 ? 4 : s[0] >= 0xe0 ? 3 : s[0] >= 0xc2 ? 2 : 0;
  if (len == 0 || len > n || (s[0] >= 0xf8))
    return 0;
  uint32_t c = s[0] & (0x7f >> len);
  for (size_t i = 1; i < len; i++) {
    if ((s[i] & 0xc0) != 0x80)
      return 0;
    c = c << 6 | (s[i] & 0x3f);
  }
  static const uint32_t min[] = { 0, 0, 0x80, 0x800, 0x10000 };
  if (c < min[len] || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
    return 0;
  *cp = c;
  return len;
}

/* d in the fewest significant digits that read back as d (as a float when
 * width is 4: a Float's 0.0001 is not 9.999999747378752e-05), laid out as %g
 * would lay out those digits (fixed between 1e-4 and 1e6, or up to the
 * digits' own length; an exponent outside): 0.30000000000000004, 100, 1e+22,
 * 5e-324. %.*g with a precision of at least 6 wrote 4.94066e-324 for the
 * smallest denormal: the digits of its exact binary value, not the shortest. */
static int reads_back(const char *t, double d, unsigned width)
{
  return width == 4 ? strtof(t, NULL) == (float)d : strtod(t, NULL) == d;
}

size_t ospy_values_real_text(double d, unsigned width, char *out, size_t cap)
{
  char t[48], r[48];
  if (!isfinite(d) || d == 0)
    return (size_t)snprintf(out, cap, "%g", d);
  int p = 1;
  for (; p < 17; p++) {
    snprintf(t, sizeof t, "%.*e", p - 1, d);
    if (reads_back(t, d, width))
      break;
  }
  snprintf(t, sizeof t, "%.*e", p - 1, d); /* [-]D[.DDD]e±XX */
  const char *m = t + (t[0] == '-');
  char digits[24];
  size_t nd = 0;
  for (const char *c = m; *c && *c != 'e'; c++)
    if (*c != '.')
      digits[nd++] = *c;
  int exp = atoi(strchr(t, 'e') + 1);
  size_t n = 0;
  if (t[0] == '-')
    r[n++] = '-';
  if (exp < -4 || exp >= (p > 6 ? p : 6)) { /* D[.DDD]e±XX */
    r[n++] = digits[0];
    if (nd > 1)
      r[n++] = '.';
    for (size_t i = 1; i < nd; i++)
      r[n++] = digits[i];
    n += (size_t)snprintf(r + n, sizeof r - n, "e%c%02d", exp < 0 ? '-' : '+', exp < 0 ? -exp : exp);
  } else if (exp < 0) { /* 0.000DDD */
    r[n++] = '0';
    r[n++] = '.';
    for (int i = -1; i > exp; i--)
      r[n++] = '0';
    for (size_t i = 0; i < nd; i++)
      r[n++] = digits[i];
  } else { /* DDD[.DDD] */
    for (int i = 0; i <= exp; i++)
      r[n++] = (size_t)i < nd ? digits[i] : '0';
    if (nd > (size_t)exp + 1)
      r[n++] = '.';
    for (size_t i = (size_t)exp + 1; i < nd; i++)
      r[n++] = digits[i];
  }
  r[n] = 0;
  if (cap)
    snprintf(out, cap, "%s", r);
  return n;
}

static size_t string_limit; /* 0: whole strings and buffers */

void ospy_values_set_string_limit(size_t bytes)
{
  string_limit = bytes;
}

static ospy_fd_namer fd_namer;
static void *fd_namer_ctx;

void ospy_values_set_fd_namer(ospy_fd_namer namer, void *ctx)
{
  fd_namer = namer;
  fd_namer_ctx = ctx;
}

/* One character of a name at s (n > 0 bytes there) as ospy_safe_text
 * writes it, into out (NUL-terminated); returns the bytes of s it took. */
static size_t safe_char(const uint8_t *s, size_t n, char out[8])
{
  uint32_t cp;
  size_t k = ospy_utf8_seq(s, n, &cp);
  if (k > 1 && cp >= 0xa0) { /* a character past the C1 controls: as it is */
    memcpy(out, s, k);
    out[k] = '\0';
    return k;
  }
  if (k == 1 && cp >= 0x20 && cp != 0x7f) {
    out[0] = (char)cp;
    out[1] = '\0';
    return 1;
  }
  snprintf(out, 8, "\\x%02x", s[0]); /* a control byte, or one that is not UTF-8 */
  return 1;
}

size_t ospy_safe_text(const char *s, size_t n, char *out, size_t cap)
{
  tbuf b = { out, cap, 0 };
  if (cap)
    out[0] = '\0';
  for (size_t i = 0; i < n;) {
    char one[8];
    i += safe_char((const uint8_t *)s + i, n - i, one);
    put(&b, "%s", one);
  }
  return b.len;
}

/* Bytes from s that ospy_safe_text keeps as they are, taken a run of
 * printable ASCII at a time (names and paths are mostly that: the live view
 * writes one per call). */
static size_t plain_ascii_run(const char *s, size_t n)
{
  size_t k = 0;
  while (k < n && (uint8_t)s[k] >= 0x20 && (uint8_t)s[k] < 0x7f)
    k++;
  return k;
}

void ospy_safe_fputs(FILE *out, const char *s, size_t n)
{
  for (size_t i = 0; i < n;) {
    size_t run = plain_ascii_run(s + i, n - i);
    if (run) {
      fwrite(s + i, 1, run, out);
      i += run;
      continue;
    }
    char one[8];
    i += safe_char((const uint8_t *)s + i, n - i, one);
    fputs(one, out);
  }
}

/* A word the shell reads back as it is: nothing to quote. */
static int shell_plain(const char *w, size_t n)
{
  if (!n)
    return 0;
  for (size_t i = 0; i < n; i++)
    if (!strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_@%+=:,./-",
                w[i]) || !w[i])
      return 0;
  return 1;
}

/* Has a character that single quotes cannot show safely (a control
 * character, a byte that is not UTF-8): the word takes $'...'. */
static int needs_ansi_c(const char *w, size_t n)
{
  for (size_t i = 0; i < n;) {
    char one[8];
    size_t k = safe_char((const uint8_t *)w + i, n - i, one);
    if (one[0] == '\\' && k == 1 && w[i] != '\\')
      return 1;
    i += k;
  }
  return 0;
}

static void put_shell_word(tbuf *b, const char *w, size_t n)
{
  if (shell_plain(w, n)) {
    put(b, "%.*s", (int)n, w);
    return;
  }
  int ansi = needs_ansi_c(w, n);
  put(b, ansi ? "$'" : "'");
  for (size_t i = 0; i < n;) {
    char one[8];
    size_t k = safe_char((const uint8_t *)w + i, n - i, one);
    if (w[i] == '\'')
      put(b, ansi ? "\\'" : "'\\''");
    else if (ansi && w[i] == '\\')
      put(b, "\\\\");
    else
      put(b, "%s", one);
    i += k;
  }
  put(b, "'");
}

size_t ospy_argv_text(const char *argv, size_t n, char *out, size_t cap)
{
  tbuf b = { out, cap, 0 };
  if (cap)
    out[0] = '\0';
  while (n && argv[n - 1] == '\0')
    n--; /* the last word's terminator */
  for (size_t i = 0; n && i <= n;) {
    size_t k = strnlen(argv + i, n - i);
    put(&b, "%s", i ? " " : "");
    put_shell_word(&b, argv + i, k);
    i += k + 1;
  }
  return b.len;
}

/* strace -y: 3</etc/hosts>, control characters and bytes that are not
 * UTF-8 escaped. */
static void put_fd_name(tbuf *b, const ospy_value *v)
{
  const char *name = fd_namer ? fd_namer(fd_namer_ctx, (int64_t)v->u) : NULL;
  if (!name)
    return;
  put(b, "<");
  for (size_t i = 0, n = strlen(name); i < n;) {
    char one[8];
    i += safe_char((const uint8_t *)name + i, n - i, one);
    put(b, "%s", one);
  }
  put(b, ">");
}

/* Bytes as a C string: valid UTF-8 kept (when utf8), everything else \xNN;
 * cut after string_limit bytes with "..." after the closing quote, as strace -s. */
static void put_quoted8(tbuf *b, const uint8_t *s, size_t n, int utf8)
{
  int cut = string_limit && n > string_limit;
  if (cut)
    n = string_limit;
  put(b, "\"");
  for (size_t i = 0; i < n;) {
    uint32_t cp;
    size_t k = plain_run(s + i, n - i);
    if (k) {
      put_bytes(b, (const char *)s + i, k);
      i += k;
      continue;
    }
    k = utf8 ? ospy_utf8_seq(s + i, n - i, &cp) : (s[i] < 0x80 ? (cp = s[i], 1) : 0);
    if (k == 0) {
      put_hex_escape(b, s[i]);
      i++;
      continue;
    }
    if (cp >= 0x80 && cp < 0xa0) { /* a C1 control (CSI, OSC...): as its bytes, as names are */
      for (size_t j = 0; j < k; j++)
        put_hex_escape(b, s[i + j]);
      i += k;
      continue;
    }
    put_cp(b, cp);
    i += k;
  }
  put(b, cut ? "\"..." : "\"");
}

static uint32_t unit_at(const uint8_t *s, unsigned unit)
{
  return unit == 2 ? (uint32_t)(s[0] | s[1] << 8)
                   : (uint32_t)s[0] | (uint32_t)s[1] << 8 | (uint32_t)s[2] << 16 | (uint32_t)s[3] << 24;
}

/* A UTF-16 or UTF-32 string as a C string; cut after string_limit
 * characters (a surrogate pair is one) with "..." after the closing quote,
 * as an 8-bit string is cut after string_limit bytes. */
static void put_quoted_wide(tbuf *b, const uint8_t *s, size_t n, unsigned unit)
{
  size_t cnt = n / unit, shown = 0;
  put(b, "\"");
  for (size_t i = 0; i < cnt; i++, shown++) {
    if (string_limit && shown == string_limit) {
      put(b, "\"...");
      return;
    }
    uint32_t c = unit_at(s + i * unit, unit);
    if (unit == 2 && c >= 0xd800 && c <= 0xdbff && i + 1 < cnt) {
      uint32_t lo = unit_at(s + (i + 1) * unit, unit);
      if (lo >= 0xdc00 && lo <= 0xdfff) {
        put_cp(b, 0x10000 + ((c - 0xd800) << 10) + (lo - 0xdc00));
        i++;
        continue;
      }
    }
    if ((c >= 0xd800 && c <= 0xdfff) || c > 0x10ffff || (c >= 0x80 && c < 0xa0))
      put(b, unit == 2 ? "\\u%04x" : "\\U%08x", c); /* (C1 controls: never raw to a terminal) */
    else
      put_cp(b, c);
  }
  put(b, "\"");
}

/* ---- values ---- */

size_t ospy_values_inet_endpoint(const uint8_t *s, size_t n, char *out, size_t cap)
{
  unsigned fam = n >= 2 ? (unsigned)(s[0] | s[1] << 8) : 0xffff;
  unsigned port = n >= 4 ? (unsigned)(s[2] << 8 | s[3]) : 0;
  char addr[INET6_ADDRSTRLEN];
  int len = 0;
  if (fam == AF_INET && n >= 8)
    len = snprintf(out, cap, "%u.%u.%u.%u:%u", s[4], s[5], s[6], s[7], port);
  else if (fam == AF_INET6 && n >= 24 && inet_ntop(AF_INET6, s + 8, addr, sizeof addr))
    len = snprintf(out, cap, "[%s]:%u", addr, port);
  else if (cap)
    out[0] = 0;
  return len > 0 ? (size_t)len : 0;
}

static void put_sockaddr(tbuf *b, const uint8_t *s, size_t n)
{
  unsigned fam = n >= 2 ? (unsigned)(s[0] | s[1] << 8) : 0xffff;
  char ep[80];
  if (n < 2) {
    put(b, "{}"); /* no address (recvfrom on a stream socket: addrlen 0) */
  } else if (ospy_values_inet_endpoint(s, n, ep, sizeof ep)) {
    put(b, "{%s, %s}", fam == AF_INET ? "AF_INET" : "AF_INET6", ep);
  } else if (fam == 1) {
    const uint8_t *p = s + 2;
    size_t len = n - 2, end = 0;
    int abstract = len > 0 && p[0] == 0;
    if (abstract) {
      p++;
      len--;
    }
    while (end < len && p[end])
      end++;
    put(b, "{AF_UNIX, %s", abstract ? "@" : "");
    put_quoted8(b, p, end, 1);
    put(b, "}");
  } else if (fam == 16 && n >= 12) { /* struct sockaddr_nl: pad, port id, groups */
    uint32_t pid, groups;
    memcpy(&pid, s + 4, 4);
    memcpy(&groups, s + 8, 4);
    put(b, "{AF_NETLINK, pid=%u, groups=0x%x}", pid, groups);
  } else {
    put(b, "{family=%u, ", fam);
    put_quoted8(b, s + (n >= 2 ? 2 : 0), n >= 2 ? n - 2 : 0, 0);
    put(b, "}");
  }
}

/* A UTF-8 lead byte and continuation bytes, fewer than the lead asks for. */
static int cut_sequence(const uint8_t *s, size_t n)
{
  size_t need = s[0] >= 0xc2 && s[0] <= 0xdf ? 2 : s[0] >= 0xe0 && s[0] <= 0xef ? 3
              : s[0] >= 0xf0 && s[0] <= 0xf4 ? 4 : 0;
  if (!need || n >= need)
    return 0;
  for (size_t i = 1; i < n; i++)
    if ((s[i] & 0xc0) != 0x80)
      return 0;
  return 1;
}

/* Whether a byte buffer reads as text: valid UTF-8 (a sequence cut by the
 * buffer's end aside), no NUL and no control byte but whitespace and ESC.
 * Binary bytes that happen to form a UTF-8 sequence (de ad) are then shown
 * as \xde\xad, not as a character. */
static int looks_like_text(const uint8_t *s, size_t n)
{
  for (size_t i = 0; i < n;) {
    uint32_t cp;
    size_t k = ospy_utf8_seq(s + i, n - i, &cp);
    if (k == 0) /* only the start of a sequence the buffer's end cut is text */
      return cut_sequence(s + i, n - i);
    if (cp < 0x20 && !strchr("\t\n\r\f\v\033", (int)cp))
      return 0;
    if (cp == 0 || cp == 0x7f)
      return 0;
    i += k;
  }
  return 1;
}

/* A buffer declared hex="true": <01 ab 00 ff>, cut after string_limit bytes
 * with "..." after the '>' as a quoted buffer is (-s applies to every buffer). */
static void put_hex_bytes(tbuf *b, const uint8_t *s, size_t n)
{
  int cut = string_limit && n > string_limit;
  if (cut)
    n = string_limit;
  static const char hex[] = "0123456789abcdef";
  put(b, "<");
  for (size_t i = 0; i < n; i++) {
    const char e[3] = { ' ', hex[s[i] >> 4], hex[s[i] & 15] };
    put_bytes(b, e + !i, 3 - !i); /* no space before the first */
  }
  put(b, cut ? ">..." : ">");
}

/* Characters in a UTF-16 or UTF-32 string (a surrogate pair is one). */
static size_t wide_chars(const uint8_t *s, size_t n, unsigned unit)
{
  size_t cnt = n / unit, chars = 0;
  for (size_t i = 0; i < cnt; i++, chars++) {
    uint32_t c = unit_at(s + i * unit, unit);
    if (unit == 2 && c >= 0xd800 && c <= 0xdbff && i + 1 < cnt) {
      uint32_t lo = unit_at(s + (i + 1) * unit, unit);
      i += lo >= 0xdc00 && lo <= 0xdfff;
    }
  }
  return chars;
}

static void put_buffer(tbuf *b, const ospy_value *v)
{
  int shown_cut = 0; /* "..." written already by the -s cut */
  if (v->kind == OSPY_VALUE_STRING && v->unit != 1) {
    put_quoted_wide(b, v->bytes, v->nbytes, v->unit);
    shown_cut = string_limit && wide_chars(v->bytes, v->nbytes, v->unit) > string_limit;
  } else if (v->type_kind == OSPY_KIND_SOCKADDR) {
    put_sockaddr(b, v->bytes, v->nbytes);
  } else if (v->hex) {
    put_hex_bytes(b, v->bytes, v->nbytes);
    shown_cut = string_limit && v->nbytes > string_limit;
  } else {
    put_quoted8(b, v->bytes, v->nbytes,
                v->kind == OSPY_VALUE_STRING || looks_like_text(v->bytes, v->nbytes));
    shown_cut = string_limit && v->nbytes > string_limit;
  }
  if (v->flags & OSPY_VB_CUT)
    put(b, "<unreadable after %zu bytes>", v->nbytes);
  else if ((v->flags & OSPY_VB_CAPPED) && !shown_cut)
    put(b, "...");
  if (v->kind == OSPY_VALUE_BYTES && v->flags && v->total != v->nbytes)
    put(b, "(%zu of %llu bytes)", v->nbytes, (unsigned long long)v->total);
}

static void put_leaf(tbuf *b, const ospy_value *v)
{
  switch (v->kind) {
  case OSPY_VALUE_INT:
    if (v->text)
      put(b, "%s", v->text);
    else if (v->type_kind == OSPY_KIND_FD && (int32_t)v->u == AT_FDCWD)
      put(b, "AT_FDCWD"); /* openat's "the current directory", as strace names it */
    else if (v->raw_word) /* as show writes a call's raw words: 0x29, 0 */
      put(b, v->u ? "0x%llx" : "0", (unsigned long long)v->u);
    else if (v->hex || v->type_kind == OSPY_KIND_POINTER)
      put(b, "0x%llx", (unsigned long long)ospy_value_hex_bits(v));
    else if (v->octal) /* a mode, as C writes it: 0644 */
      put(b, v->u ? "0%llo" : "0", (unsigned long long)ospy_value_hex_bits(v));
    else if (v->is_signed)
      put_i64(b, (int64_t)v->u);
    else
      put_u64(b, v->u, 0);
    if (v->type_kind == OSPY_KIND_FD && !v->text)
      put_fd_name(b, v);
    break;
  case OSPY_VALUE_FLOAT: {
    char d[40];
    ospy_values_real_text(v->d, v->width, d, sizeof d);
    put(b, "%s", d);
    break;
  }
  case OSPY_VALUE_NULL: put(b, "NULL"); break;
  case OSPY_VALUE_UNREADABLE:
    put(b, "<unreadable at 0x%llx>", (unsigned long long)v->address);
    break;
  case OSPY_VALUE_BYTES:
  case OSPY_VALUE_STRING: put_buffer(b, v); break;
  case OSPY_VALUE_SKIPPED: put(b, "?"); break;
  case OSPY_VALUE_FMT_STOP:
    put(b, "%s", v->u == OSPY_VB_FMT_MORE         ? "..."
                 : v->u == OSPY_VB_FMT_POSITIONAL ? "<positional arguments not decoded>"
                                                  : "<not decoded from an unknown conversion on>");
    break;
  case OSPY_VALUE_BAD_SIZE: /* the pointer, and why its memory was not read */
    put(b, "0x%llx<bad %s %lld>", (unsigned long long)v->address,
        v->type_kind == OSPY_KIND_ARRAY ? "count" : "size", (long long)v->u);
    break;
  case OSPY_VALUE_TRUNCATED: put(b, "..."); break;
  case OSPY_VALUE_NOT_FOLLOWED: { /* the address, and why what is there was not recorded */
    const char *why = ospy_values_not_followed_reason(v->u);
    put(b, "0x%llx<%s>", (unsigned long long)v->address, why ? why : "not recorded");
    break;
  }
  }
}

const char *ospy_values_not_followed_reason(uint64_t why)
{
  return why == OSPY_VB_NO_ROOM       ? "no room"
         : why == OSPY_VB_DEPTH_LIMIT  ? "depth limit"
         : why == OSPY_VB_NOT_LOGGED   ? "logCondition false"
                                       : NULL;
}

/* Types whose pointee prints as [value] (strace's notation for int *). */
static int scalar_kind(int k)
{
  return k == OSPY_KIND_INT || k == OSPY_KIND_BOOL || k == OSPY_KIND_POINTER ||
         k == OSPY_KIND_FLOAT || k == OSPY_KIND_ENUM || k == OSPY_KIND_FLAGS ||
         k == OSPY_KIND_IPV4 || k == OSPY_KIND_ERRNO || k == OSPY_KIND_FD || k == 0;
}

#define MAX_CONVS 64

typedef struct fmt {
  tbuf *b;
  int want;         /* argument index, OSPY_VALUE_RETVAL, or ALL_ARGS */
  int show_names;
  int active;       /* the current depth-0 entry is wanted */
  unsigned count[OSPY_VB_MAX_DEPTH + 4];
  int parent_kind[OSPY_VB_MAX_DEPTH + 4];
  unsigned entries;
  char convs[MAX_CONVS]; /* a format string's conversions, per value it consumed */
  unsigned nconvs;
  struct arg_span *spans; /* SPLIT_ARGS: where each value's text is, by slot */
  unsigned nspans, open;  /* open: the slot being written, or nspans */
  int split_bad;          /* a value the spans cannot hold (two of one index) */
} fmt;

/* Where one top-level value's text lies in a SPLIT_ARGS buffer. */
typedef struct arg_span {
  size_t start, end;
  int set;
} arg_span;

/* Code unit i of a format of `unit`-byte units (little-endian), as a
 * character of its syntax: any unit past ASCII is '?' (no syntax). */
static char fmt_char(const uint8_t *s, unsigned unit, size_t i)
{
  const uint8_t *p = s + i * unit;
  uint32_t c = unit == 1 ? p[0] : unit == 2 ? (uint32_t)(p[0] | p[1] << 8)
                                            : (uint32_t)(p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24);
  return c && c < 0x80 ? (char)c : c ? '?' : '\0';
}

/* Whether a %c or %C prints a wide character: glibc's %lc and %C; in a
 * UTF-16 format (MSVC's wide printf, oSpy's UnicodeFormatString) %c and
 * %lc, its %hc and %C being narrow. */
static int wide_char_conv(char conv, unsigned unit, int longs, int shorts)
{
  if (unit == 2)
    return conv == 'c' ? !shorts : longs;
  return conv == 'C' || longs;
}

unsigned ospy_format_convs(const uint8_t *s, size_t nbytes, unsigned unit, char *out,
                           uint8_t *size, unsigned cap)
{
  unsigned k = 0;
  size_t n = unit == 1 || unit == 2 || unit == 4 ? nbytes / unit : 0;
  for (size_t i = 0; i < n && k < cap; i++) {
    if (fmt_char(s, unit, i) != '%')
      continue;
    if (++i < n && fmt_char(s, unit, i) == '%')
      continue;
    while (i < n && fmt_char(s, unit, i) && strchr("-+ #0'", fmt_char(s, unit, i)))
      i++;
    for (int part = 0; part < 2 && i < n; part++) { /* width, then .precision */
      if (part && fmt_char(s, unit, i) == '.')
        i++;
      else if (part)
        break;
      if (i < n && fmt_char(s, unit, i) == '*') {
        if (k < cap) {
          if (size)
            size[k] = 0;
          out[k++] = '*';
        }
        i++;
      }
      while (i < n && fmt_char(s, unit, i) >= '0' && fmt_char(s, unit, i) <= '9')
        i++;
    }
    uint8_t len = 0;
    int longs = 0, shorts = 0;
    for (char c; i < n && (c = fmt_char(s, unit, i)) && strchr("hlLqjzt", c); i++) {
      longs += c == 'l';
      shorts += c == 'h';
      len = c == 'h' ? len : (c == 'l' && len) || c == 'q' || c == 'L' ? 2 : 1;
    }
    char conv = i < n ? fmt_char(s, unit, i) : 0;
    if (conv && k < cap && conv != 'm') { /* glibc's %m takes no argument */
      if (size)
        size[k] = len;
      if (conv == 'c' || conv == 'C')
        conv = wide_char_conv(conv, unit, longs, shorts) ? 'C' : 'c';
      out[k++] = conv;
    }
  }
  return k;
}

size_t ospy_utf8_encode(uint32_t cp, char out[8])
{
  size_t n = 0;
  if (cp >= 0xd800 && cp <= 0xdfff) /* a surrogate is no character */
    cp = 0x110000;
  if (cp < 0x80) {
    out[n++] = (char)cp;
  } else if (cp < 0x800) {
    out[n++] = (char)(0xc0 | cp >> 6);
    out[n++] = (char)(0x80 | (cp & 0x3f));
  } else if (cp < 0x10000) {
    out[n++] = (char)(0xe0 | cp >> 12);
    out[n++] = (char)(0x80 | (cp >> 6 & 0x3f));
    out[n++] = (char)(0x80 | (cp & 0x3f));
  } else if (cp < 0x110000) {
    out[n++] = (char)(0xf0 | cp >> 18);
    out[n++] = (char)(0x80 | (cp >> 12 & 0x3f));
    out[n++] = (char)(0x80 | (cp >> 6 & 0x3f));
    out[n++] = (char)(0x80 | (cp & 0x3f));
  }
  out[n] = 0;
  return n;
}

/* A value of a format string as its conversion shows it: %c a character,
 * %x/%X/%p and %n (a pointer too) in hex, %o in octal. */
static int put_converted(tbuf *b, const ospy_value *v, char conv)
{
  if (v->kind != OSPY_VALUE_INT || v->text)
    return 0;
  unsigned long long u = v->u;
  switch (conv) {
  case 'c': {
    unsigned char ch = (unsigned char)u;
    if (ch >= 0x20 && ch < 0x7f && ch != '\\' && ch != '\'')
      put(b, "'%c'", ch);
    else
      put(b, "'\\x%02x'", ch);
    return 1;
  }
  case 'C': { /* a wide character: a code point, shown as UTF-8 */
    char utf8[8];
    if (ospy_utf8_encode((uint32_t)u, utf8) && (uint32_t)u >= 0x20 && u != '\\' && u != '\'' &&
        !((uint32_t)u >= 0x7f && (uint32_t)u < 0xa0))
      put(b, "'%s'", utf8);
    else
      put(b, "'\\x{%x}'", (unsigned)(uint32_t)u);
    return 1;
  }
  case 'x': case 'X': case 'p': case 'n': put(b, "0x%llx", u); return 1;
  case 'o': put(b, "0%llo", u); return 1;
  default: return 0;
  }
}

#define ALL_ARGS (-100)
#define SPLIT_ARGS (-101) /* every value, each text in its own span, no names */

/* The span slot of a top-level value: 0 the return value, i + 1 argument i. */
static unsigned span_slot(int index)
{
  return index == OSPY_VALUE_RETVAL ? 0 : index >= 0 ? (unsigned)index + 1 : UINT32_MAX;
}

static void span_close(fmt *f)
{
  if (f->open < f->nspans)
    f->spans[f->open].end = f->b->len;
  f->open = f->nspans;
}

/* A SPLIT_ARGS top-level value starts: whether it gets a span. */
static int span_open(fmt *f, const ospy_value *v)
{
  span_close(f);
  if (v->kind == OSPY_VALUE_TRUNCATED) /* as a single argument's text: not shown */
    return 0;
  unsigned slot = span_slot(v->index);
  if (slot >= f->nspans || f->spans[slot].set) {
    f->split_bad = 1;
    return 0;
  }
  f->spans[slot] = (arg_span){ f->b->len, f->b->len, 1 };
  f->open = slot;
  return 1;
}

static int on_enter(const ospy_value *v, void *data)
{
  fmt *f = data;
  unsigned d = v->depth < OSPY_VB_MAX_DEPTH + 3 ? v->depth : OSPY_VB_MAX_DEPTH + 3;
  if (d == 0 && f->want == SPLIT_ARGS) {
    f->active = span_open(f, v);
    if (!f->active)
      return 0;
  } else if (d == 0) {
    f->active = v->kind == OSPY_VALUE_TRUNCATED
                    ? f->want == ALL_ARGS
                    : f->want == ALL_ARGS ? v->index != OSPY_VALUE_RETVAL : v->index == f->want;
    if (!f->active)
      return 0;
    if (f->entries++)
      put(f->b, ", ");
    if (f->show_names && v->name && v->index != OSPY_VALUE_RETVAL)
      put(f->b, "%s=", v->name);
  } else if (f->active) {
    int pk = f->parent_kind[d - 1];
    unsigned nth = f->count[d]++;
    if (pk == OSPY_VALUE_FORMAT && nth == 1)
      put(f->b, "(");
    else if (pk != OSPY_VALUE_POINTER && nth)
      put(f->b, ", ");
    if (pk == OSPY_VALUE_STRUCT && v->name)
      put(f->b, "%s=", v->name);
  }
  if (!f->active)
    return 0;
  if (d + 1 < OSPY_VB_MAX_DEPTH + 4) {
    f->count[d + 1] = 0;
    f->parent_kind[d] = v->kind;
  }
  if (v->kind == OSPY_VALUE_POINTER)
    put(f->b, "%s", scalar_kind(v->type_kind) ? "[" : "");
  else if (v->kind == OSPY_VALUE_STRUCT)
    put(f->b, "{");
  else if (v->kind == OSPY_VALUE_ARRAY)
    put(f->b, "[");
  else if (v->kind == OSPY_VALUE_FORMAT)
    ;
  else if (d > 0 && f->parent_kind[d - 1] == OSPY_VALUE_FORMAT && f->count[d] > 1 &&
           f->count[d] - 2 < f->nconvs && put_converted(f->b, v, f->convs[f->count[d] - 2]))
    ;
  else
    put_leaf(f->b, v);
  if (d > 0 && f->parent_kind[d - 1] == OSPY_VALUE_FORMAT && f->count[d] == 1 &&
      v->kind == OSPY_VALUE_STRING)
    f->nconvs = ospy_format_convs(v->bytes, v->nbytes, v->unit, f->convs, NULL, MAX_CONVS);
  return 0;
}

static void on_leave(const ospy_value *v, void *data)
{
  fmt *f = data;
  if (!f->active)
    return;
  if (v->kind == OSPY_VALUE_POINTER)
    put(f->b, "%s", scalar_kind(v->type_kind) ? "]" : "");
  else if (v->kind == OSPY_VALUE_STRUCT)
    put(f->b, "}");
  else if (v->kind == OSPY_VALUE_ARRAY && (v->flags & OSPY_VB_CUT))
    /* the elements read (not the unreadable one that ended it) of those
     * asked for, as a buffer cut short says it */
    put(f->b, "](%llu of %llu elements)", (unsigned long long)v->count - 1,
        (unsigned long long)v->total);
  else if (v->kind == OSPY_VALUE_ARRAY && v->total - v->count > 1)
    /* capped by the value cap: the count asked for, as a capped buffer's size
     * (a null-terminated array past its bound has one more: "...") */
    put(f->b, "%s](%llu of %llu elements)", v->count ? ", ..." : "...",
        (unsigned long long)v->count, (unsigned long long)v->total);
  else if (v->kind == OSPY_VALUE_ARRAY)
    put(f->b, "%s]", v->count < v->total ? (v->count ? ", ..." : "...") : "");
  else if (v->kind == OSPY_VALUE_FORMAT && v->count)
    put(f->b, ")");
}

static const ospy_value_visitor text_visitor = { on_enter, on_leave };

/* Append the wanted entries of one blob; returns how many were printed. */
static unsigned format_into(const ospy_spec_fn *fn, const uint8_t *blob, size_t len, int want,
                            int names, tbuf *b)
{
  fmt f = { .b = b, .want = want, .show_names = names };
  char err[128];
  size_t before = b->len;
  if (ospy_values_decode(fn, blob, len, &text_visitor, &f, err, sizeof err) < 0) {
    b->len = before;
    put(b, "<%s>", err);
    return 1;
  }
  return f.entries;
}

static size_t finish(tbuf *b)
{
  if (b->cap)
    b->out[b->len < b->cap ? b->len : b->cap - 1] = 0;
  return b->len;
}

size_t ospy_values_sockaddr_text(const uint8_t *s, size_t n, char *out, size_t cap)
{
  tbuf b = { out, cap, 0 };
  if (cap)
    out[0] = 0;
  put_sockaddr(&b, s, n);
  return finish(&b);
}

size_t ospy_values_leaf_text(const ospy_value *v, char *out, size_t cap)
{
  tbuf b = { out, cap, 0 };
  if (cap)
    out[0] = 0;
  put_leaf(&b, v);
  return finish(&b);
}

size_t ospy_values_format_text(const ospy_spec_fn *fn, const uint8_t *blob, size_t len, int what,
                               char *out, size_t cap)
{
  tbuf b = { out, cap, 0 };
  if (cap)
    out[0] = 0;
  format_into(fn, blob, len, what == OSPY_VALUES_RETVAL ? OSPY_VALUE_RETVAL : ALL_ARGS, 1, &b);
  return finish(&b);
}

/* A value the blob had no room for at all. */
#define NO_ROOM_TEXT "<no room>"

/* A va_list argument: not shown (the format string that uses it shows its
 * values); the agent records its word, for the export (oSpy logged every
 * parameter, a va_list as its address). */
static int shown_by_format(const ospy_spec_fn *fn, uint32_t i)
{
  const ospy_spec_type *ty = ospy_spec_table_type(fn->table, fn->args[i].t.type);
  return ty && ty->kind == OSPY_KIND_VALIST && !fn->args[i].t.ptr;
}

/* One pass over a blob: each top-level value's text in text, its place in
 * spans (nspans = nargs + 1 slots). 0 when the text would not be the one a
 * value formatted alone gives (a decoding error, no room): then the caller
 * formats value by value. */
static int split_blob(const ospy_spec_fn *fn, const uint8_t *blob, size_t len, char *text,
                      size_t cap, arg_span *spans, unsigned nspans)
{
  tbuf b = { text, cap, 0 };
  memset(spans, 0, nspans * sizeof *spans);
  fmt f = { .b = &b, .want = SPLIT_ARGS, .spans = spans, .nspans = nspans, .open = nspans };
  char err[128];
  if (ospy_values_decode(fn, blob, len, &text_visitor, &f, err, sizeof err) < 0)
    return 0;
  span_close(&f);
  return !f.split_bad && b.len < cap;
}

#define SPLIT_TEXT_CAP 16384
#define SPLIT_MAX_ARGS 64

/* Where the texts of a call's values come from: its blobs split once
 * (text and spans set), or each value decoded alone (the reference). Index
 * 0 is the enter blob, 1 the leave blob. */
typedef struct value_source {
  const ospy_spec_fn *fn;
  const uint8_t *blob[2];
  size_t len[2];
  const char *text[2];
  const arg_span *spans[2];
} value_source;

/* Whether the value in slot (0 the return value, i + 1 argument i) of blob
 * k has a text; appends it to b when b is given. */
static int source_value(const value_source *s, int k, unsigned slot, tbuf *b)
{
  if (s->spans[k]) {
    const arg_span *sp = &s->spans[k][slot];
    if (sp->set && b)
      put_bytes(b, s->text[k] + sp->start, sp->end - sp->start);
    return sp->set;
  }
  tbuf probe = { NULL, 0, 0 };
  int want = slot ? (int)slot - 1 : OSPY_VALUE_RETVAL;
  return format_into(s->fn, s->blob[k], s->len[k], want, 0, b ? b : &probe) > 0;
}

/* "(fd=3, buf="abc", count=4096) = 3" from the values' texts. */
static size_t format_call_from(const value_source *s, char *out, size_t cap)
{
  const ospy_spec_fn *fn = s->fn;
  const uint8_t *enter = s->blob[0], *leave = s->blob[1];
  tbuf b = { out, cap, 0 };
  if (cap)
    out[0] = 0;
  put(&b, "(");
  unsigned shown = 0;
  /* a blob that ran out of room: its arguments after the last one recorded
   * are missing, and say so (a call that seems to have fewer arguments) */
  int in_from, out_from;
  int in_cut = enter && ospy_values_cut_short(fn, enter, s->len[0], &in_from);
  int out_cut = leave && ospy_values_cut_short(fn, leave, s->len[1], &out_from);
  for (uint32_t i = 0; i < fn->nargs; i++) {
    if (shown_by_format(fn, i))
      continue;
    int want_in = enter && (fn->args[i].dir & OSPY_DIR_IN);
    int want_out = leave && (fn->args[i].dir & OSPY_DIR_OUT);
    int in = want_in && source_value(s, 0, i + 1, NULL);
    int outv = want_out && source_value(s, 1, i + 1, NULL);
    int in_lost = want_in && !in && in_cut && (int)i >= in_from;
    int out_lost = want_out && !outv && out_cut && (int)i >= out_from;
    if (!in && !outv && !in_lost && !out_lost)
      continue;
    put(&b, "%s%s=", shown++ ? ", " : "", fn->args[i].name);
    if (in)
      source_value(s, 0, i + 1, &b);
    else if (in_lost)
      put(&b, NO_ROOM_TEXT);
    if ((in || in_lost) && (outv || out_lost))
      put(&b, " => ");
    if (outv)
      source_value(s, 1, i + 1, &b);
    else if (out_lost)
      put(&b, NO_ROOM_TEXT);
  }
  put(&b, ")");
  if (leave && source_value(s, 1, 0, NULL)) {
    put(&b, " = ");
    source_value(s, 1, 0, &b);
  } else if (out_cut && fn->has_ret) {
    put(&b, " = " NO_ROOM_TEXT);
  }
  return finish(&b);
}

size_t ospy_values_format_call(const ospy_spec_fn *fn, const uint8_t *enter, size_t elen,
                               const uint8_t *leave, size_t llen, char *out, size_t cap)
{
  /* the common case, each blob decoded once; anything odd value by value */
  if (fn->nargs < SPLIT_MAX_ARGS) {
    char in_text[SPLIT_TEXT_CAP], out_text[SPLIT_TEXT_CAP];
    arg_span in_spans[SPLIT_MAX_ARGS + 1], out_spans[SPLIT_MAX_ARGS + 1];
    unsigned n = fn->nargs + 1;
    int in_ok = !enter || split_blob(fn, enter, elen, in_text, sizeof in_text, in_spans, n);
    int out_ok = !leave || split_blob(fn, leave, llen, out_text, sizeof out_text, out_spans, n);
    if (in_ok && out_ok) {
      value_source s = { fn, { enter, leave }, { elen, llen }, { in_text, out_text },
                         { in_spans, out_spans } };
      return format_call_from(&s, out, cap);
    }
  }
  return ospy_values_format_call_each(fn, enter, elen, leave, llen, out, cap);
}

size_t ospy_values_format_call_each(const ospy_spec_fn *fn, const uint8_t *enter, size_t elen,
                                    const uint8_t *leave, size_t llen, char *out, size_t cap)
{
  value_source s = { fn, { enter, leave }, { elen, llen }, { NULL, NULL }, { NULL, NULL } };
  return format_call_from(&s, out, cap);
}
