/* UTF-8 checking, XML and JSON escaping, base64. */
#include "export/text.h"

#include <string.h>

static const char replacement[] = "\xEF\xBF\xBD"; /* U+FFFD */

size_t ospy_utf8_decode(const unsigned char *s, size_t n, uint32_t *cp)
{
  unsigned char c = s[0];
  size_t len;
  uint32_t v, min;
  if (c < 0x80) {
    *cp = c;
    return 1;
  } else if ((c & 0xE0) == 0xC0) {
    len = 2, v = c & 0x1F, min = 0x80;
  } else if ((c & 0xF0) == 0xE0) {
    len = 3, v = c & 0x0F, min = 0x800;
  } else if ((c & 0xF8) == 0xF0) {
    len = 4, v = c & 0x07, min = 0x10000;
  } else {
    return 0;
  }
  if (len > n)
    return 0;
  for (size_t i = 1; i < len; i++) {
    if ((s[i] & 0xC0) != 0x80)
      return 0;
    v = (v << 6) | (s[i] & 0x3F);
  }
  if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
    return 0;
  *cp = v;
  return len;
}

size_t ospy_utf8_whole_len(const char *str, size_t n)
{
  const unsigned char *s = (const unsigned char *)str;
  size_t i = n, cont = 0;
  while (i > 0 && cont < 3 && (s[i - 1] & 0xC0) == 0x80)
    i--, cont++;
  if (i == 0)
    return n;
  unsigned char lead = s[i - 1];
  size_t want = (lead & 0xE0) == 0xC0 ? 1 : (lead & 0xF0) == 0xE0 ? 2 : (lead & 0xF8) == 0xF0 ? 3 : 0;
  return want > cont ? i - 1 : n;
}

/* Characters XML 1.0 forbids (TAB, LF, CR are handled by the caller). */
static int xml_forbidden(uint32_t cp)
{
  return cp < 0x20 || cp == 0xFFFE || cp == 0xFFFF;
}

static const char *xml_entity(uint32_t cp, int in_attr)
{
  switch (cp) {
  case '&': return "&amp;";
  case '<': return "&lt;";
  case '>': return "&gt;";
  case '\r': return "&#13;";
  case '"': return in_attr ? "&quot;" : NULL;
  case '\t': return in_attr ? "&#9;" : NULL;
  case '\n': return in_attr ? "&#10;" : NULL;
  default: return NULL;
  }
}

void ospy_xml_escape(ospy_sink *out, const char *str, int in_attr)
{
  ospy_xml_escape_n(out, str, strlen(str), in_attr);
}

void ospy_xml_escape_n(ospy_sink *out, const char *str, size_t n, int in_attr)
{
  const unsigned char *s = (const unsigned char *)str;
  size_t run = 0; /* bytes copied verbatim, pending */
  for (size_t i = 0; i < n;) {
    uint32_t cp;
    size_t k = ospy_utf8_decode(s + i, n - i, &cp);
    const char *ent = k ? xml_entity(cp, in_attr) : NULL;
    int bad = !k || (!ent && cp != '\t' && cp != '\n' && xml_forbidden(cp));
    if (!ent && !bad) {
      i += k, run += k;
      continue;
    }
    ospy_sink_write(out, s + i - run, run);
    run = 0;
    ospy_sink_puts(out, ent ? ent : replacement);
    i += k ? k : 1;
  }
  ospy_sink_write(out, s + n - run, run);
}

void ospy_json_string(ospy_sink *out, const char *str)
{
  ospy_json_string_n(out, str, strlen(str));
}

void ospy_json_string_n(ospy_sink *out, const char *str, size_t n)
{
  const unsigned char *s = (const unsigned char *)str;
  size_t run = 0;
  ospy_sink_write(out, "\"", 1);
  for (size_t i = 0; i < n;) {
    uint32_t cp;
    size_t k = ospy_utf8_decode(s + i, n - i, &cp);
    if (k && cp >= 0x20 && cp != '"' && cp != '\\') {
      i += k, run += k;
      continue;
    }
    ospy_sink_write(out, s + i - run, run);
    run = 0;
    if (!k)
      ospy_sink_puts(out, replacement);
    else if (cp == '"' || cp == '\\')
      ospy_sink_printf(out, "\\%c", (char)cp);
    else if (cp == '\n')
      ospy_sink_puts(out, "\\n");
    else if (cp == '\t')
      ospy_sink_puts(out, "\\t");
    else if (cp == '\r')
      ospy_sink_puts(out, "\\r");
    else
      ospy_sink_printf(out, "\\u%04x", (unsigned)cp);
    i += k ? k : 1;
  }
  ospy_sink_write(out, s + n - run, run);
  ospy_sink_write(out, "\"", 1);
}

static const char b64[] =
  "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

void ospy_base64_encode(ospy_sink *out, const uint8_t *p, size_t n)
{
  char quad[4];
  for (size_t i = 0; i < n; i += 3) {
    uint32_t v = (uint32_t)p[i] << 16;
    if (i + 1 < n)
      v |= (uint32_t)p[i + 1] << 8;
    if (i + 2 < n)
      v |= p[i + 2];
    quad[0] = b64[v >> 18];
    quad[1] = b64[(v >> 12) & 63];
    quad[2] = i + 1 < n ? b64[(v >> 6) & 63] : '=';
    quad[3] = i + 2 < n ? b64[v & 63] : '=';
    ospy_sink_write(out, quad, 4);
  }
}

static int b64_value(char c)
{
  const char *p = c ? strchr(b64, c) : NULL;
  return p ? (int)(p - b64) : -1;
}

size_t ospy_base64_decode(const char *text, uint8_t *out)
{
  size_t len = 0;
  int quad[4], nq = 0, pad = 0, done = 0;
  for (const char *c = text; *c; c++) {
    if (*c == ' ' || *c == '\t' || *c == '\n' || *c == '\r')
      continue;
    if (done)
      return (size_t)-1; /* text after the padding */
    if (*c == '=') {
      if (nq < 2)
        return (size_t)-1;
      quad[nq++] = 0, pad++;
    } else {
      if (pad || (quad[nq] = b64_value(*c)) < 0)
        return (size_t)-1;
      nq++;
    }
    if (nq == 4) {
      uint32_t v = (uint32_t)quad[0] << 18 | (uint32_t)quad[1] << 12 |
                   (uint32_t)quad[2] << 6 | (uint32_t)quad[3];
      out[len++] = (uint8_t)(v >> 16);
      if (pad < 2)
        out[len++] = (uint8_t)(v >> 8);
      if (pad < 1)
        out[len++] = (uint8_t)v;
      nq = 0;
      done = pad;
    }
  }
  if (nq != 0)
    return (size_t)-1;
  return len;
}

size_t ospy_text_digits(char *end, uint64_t v, int hex)
{
  char *p = end;
  do {
    *--p = hex ? "0123456789abcdef"[v & 15] : (char)('0' + v % 10);
    v = hex ? v >> 4 : v / 10;
  } while (v);
  if (hex) {
    *--p = 'x';
    *--p = '0';
  }
  return (size_t)(end - p);
}

void ospy_sink_u64(ospy_sink *out, uint64_t v)
{
  char b[OSPY_TEXT_DIGITS_MAX];
  size_t n = ospy_text_digits(b + sizeof b, v, 0);
  ospy_sink_write(out, b + sizeof b - n, n);
}

void ospy_sink_i64(ospy_sink *out, int64_t v)
{
  if (v < 0)
    ospy_sink_write(out, "-", 1);
  ospy_sink_u64(out, v < 0 ? -(uint64_t)v : (uint64_t)v);
}

void ospy_sink_hex64(ospy_sink *out, uint64_t v)
{
  char b[OSPY_TEXT_DIGITS_MAX];
  size_t n = ospy_text_digits(b + sizeof b, v, 1);
  ospy_sink_write(out, b + sizeof b - n, n);
}
