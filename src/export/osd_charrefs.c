/* Character references XML 1.0 forbids, as U+FFFD (osd_charrefs.h). The
 * bytes pass through a buffer: a reference the source's bytes end inside is
 * held back until the rest of it arrives; markup is followed byte by byte,
 * so that a comment, CDATA section or processing instruction split between
 * two reads is still told from text. */
#include "export/osd_charrefs.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

enum { IN_TEXT, IN_COMMENT, IN_CDATA, IN_PI, NMARKUP };

/* where references are not references, and how each starts and ends */
static const char *const opening[NMARKUP] = { "", "<!--", "<![CDATA[", "<?" };
static const char *const closing[NMARKUP] = { "", "-->", "]]>", "?>" };

#define REPLACEMENT "\xEF\xBF\xBD" /* U+FFFD in UTF-8: shorter than any reference */

void ospy_charrefs_init(ospy_charrefs *f, ospy_charrefs_source src, void *ctx)
{
  memset(f, 0, offsetof(ospy_charrefs, buf));
  f->src = src;
  f->ctx = ctx;
}

/* XML 1.0's production Char */
static int xml_char(uint32_t c)
{
  return c == 0x9 || c == 0xA || c == 0xD || (c >= 0x20 && c <= 0xD7FF) ||
         (c >= 0xE000 && c <= 0xFFFD) || (c >= 0x10000 && c <= 0x10FFFF);
}

static int digit_value(char c, int hex)
{
  if (c >= '0' && c <= '9')
    return c - '0';
  if (hex && c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (hex && c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

/* The reference at s (n bytes, s[0] == '&'): its length when it is whole
 * and names a character XML forbids; 0 when it is anything else (an entity
 * reference, an allowed character, not a reference); -1 when the bytes end
 * before that can be told. */
static int forbidden_ref(const char *s, size_t n)
{
  if (n < 3)
    return n == 2 && s[1] != '#' ? 0 : -1;
  if (s[1] != '#')
    return 0;
  int hex = s[2] == 'x'; /* (XML writes the x in lower case only) */
  size_t i = 2 + (size_t)hex, digits = 0;
  uint32_t v = 0;
  for (; i < n && i < OSPY_CHARREF_MAX; i++, digits++) {
    int d = digit_value(s[i], hex);
    if (d < 0)
      break;
    if (v <= 0x10FFFF) /* (past it, it stays past it: no overflow) */
      v = v * (hex ? 16u : 10u) + (uint32_t)d;
  }
  if (i == n && i < OSPY_CHARREF_MAX)
    return -1;
  if (i == OSPY_CHARREF_MAX || s[i] != ';' || !digits)
    return 0;
  return v <= 0x10FFFF && !xml_char(v) ? (int)i + 1 : 0;
}

/* Follows markup over byte c: what text opens (a '<' and what may follow
 * it), and inside a comment, CDATA section or processing instruction, how
 * much of its closing has been seen. */
static void follow_markup(ospy_charrefs *f, char c)
{
  if (f->markup != IN_TEXT) {
    const char *close = closing[f->markup];
    if (c == close[f->matched])
      f->matched++;
    else if (c != close[0])
      f->matched = 0;
    else /* "--->", "]]]>": the last two still open the closing */
      f->matched = f->matched == 2 && close[1] == close[0] ? 2 : 1;
    if (!close[f->matched])
      f->markup = IN_TEXT, f->matched = 0;
    return;
  }
  if (c == '<') {
    f->opening[0] = '<';
    f->matched = 1;
    return;
  }
  if (!f->matched || (size_t)f->matched >= sizeof f->opening)
    return (void)(f->matched = 0);
  f->opening[f->matched++] = c;
  int prefix = 0;
  for (int k = IN_COMMENT; k < NMARKUP; k++) {
    if ((size_t)f->matched == strlen(opening[k]) &&
        !memcmp(f->opening, opening[k], (size_t)f->matched)) {
      f->markup = k;
      f->matched = 0;
      return;
    }
    prefix |= !strncmp(opening[k], f->opening, (size_t)f->matched);
  }
  if (!prefix)
    f->matched = 0;
}

/* A reference of len bytes at buf[i] becomes U+FFFD. */
static void replace_ref(ospy_charrefs *f, size_t i, size_t len)
{
  memmove(f->buf + i + 3, f->buf + i + len, f->end - i - len);
  memcpy(f->buf + i, REPLACEMENT, 3);
  f->end -= len - 3;
}

/* Filters buf[ready, end) as far as it can be told: to its end, or to a
 * reference whose rest the source has not given yet. */
static void filter(ospy_charrefs *f)
{
  size_t i = f->ready;
  while (i < f->end) {
    if (f->markup == IN_TEXT && f->buf[i] == '&') {
      int len = forbidden_ref(f->buf + i, f->end - i);
      if (len < 0 && !f->at_end)
        break;
      if (len > 0) {
        replace_ref(f, i, (size_t)len);
        i += 3;
        f->matched = 0;
        continue;
      }
    }
    follow_markup(f, f->buf[i++]);
  }
  f->ready = i;
}

int ospy_charrefs_read(ospy_charrefs *f, char *out, int n)
{
  while (f->pos == f->ready) {
    if (f->at_end)
      return 0;
    size_t held = f->end - f->ready; /* a reference's start, to the front */
    memmove(f->buf, f->buf + f->ready, held);
    f->pos = f->ready = 0;
    f->end = held;
    int got = f->src(f->ctx, f->buf + held, (int)(sizeof f->buf - held));
    if (got < 0)
      return -1;
    f->at_end = got == 0;
    f->end += (size_t)got;
    filter(f);
  }
  size_t k = f->ready - f->pos;
  if (n <= 0)
    return 0;
  if (k > (size_t)n)
    k = (size_t)n;
  memcpy(out, f->buf + f->pos, k);
  f->pos += k;
  return (int)k;
}
