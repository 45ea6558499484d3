/* Source positions for diagnostics. libxml2 gives the line where an element's
   start tag ends; columns are found by looking at the source text itself. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config_internal.h"

int cfg_src_init(cfg *g)
{
  unsigned n = 1;
  for (size_t i = 0; i < g->len; i++)
    n += g->buf[i] == '\n';
  g->line_off = malloc((n + 1) * sizeof *g->line_off);
  if (!g->line_off)
    return -1;
  unsigned l = 0;
  g->line_off[l++] = 0;
  for (size_t i = 0; i < g->len; i++)
    if (g->buf[i] == '\n')
      g->line_off[l++] = i + 1;
  g->line_off[l] = g->len;
  g->nlines = n;
  return 0;
}

static cfg_pos pos_of(const cfg *g, size_t off)
{
  unsigned lo = 0, hi = g->nlines; /* last line start <= off */
  while (hi - lo > 1) {
    unsigned mid = (lo + hi) / 2;
    if (g->line_off[mid] <= off)
      lo = mid;
    else
      hi = mid;
  }
  return (cfg_pos){ lo + 1, (unsigned)(off - g->line_off[lo]) + 1 };
}

static int name_char(char c)
{
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         c == '_' || c == '-' || c == ':' || c == '.';
}

/* Offset of the '<' of n's start tag: the last "<name" at or before the end
   of the line libxml2 reports. */
static size_t elem_off(const cfg *g, xmlNodePtr n)
{
  long line = xmlGetLineNo(n);
  if (line < 1 || (unsigned long)line > g->nlines)
    return 0;
  size_t end = g->line_off[line] > 0 ? g->line_off[line] : g->len;
  if ((unsigned long)line == g->nlines)
    end = g->len;
  size_t nl = strlen((const char *)n->name);
  for (size_t i = end; i-- > 0;) {
    if (g->buf[i] == '<' && i + 1 + nl <= g->len &&
        !strncmp(g->buf + i + 1, (const char *)n->name, nl) &&
        (i + 1 + nl == g->len || !name_char(g->buf[i + 1 + nl])))
      return i;
  }
  return 0;
}

cfg_pos cfg_pos_elem(const cfg *g, xmlNodePtr n) { return pos_of(g, elem_off(g, n)); }

/* Walk the start tag from '<' to its '>', outside quotes; call back on
   each attribute name. Returns the offset just past '>'. */
static size_t tag_end(const cfg *g, size_t i, const char *want, size_t *found)
{
  size_t wl = want ? strlen(want) : 0;
  char quote = 0;
  for (; i < g->len; i++) {
    char c = g->buf[i];
    if (quote) {
      if (c == quote)
        quote = 0;
      continue;
    }
    if (c == '"' || c == '\'') {
      quote = c;
      continue;
    }
    if (c == '>')
      return i + 1;
    if (want && found && *found == SIZE_MAX && !strncmp(g->buf + i, want, wl) &&
        i > 0 && !name_char(g->buf[i - 1]) && i + wl < g->len && !name_char(g->buf[i + wl])) {
      size_t j = i + wl;
      while (j < g->len && (g->buf[j] == ' ' || g->buf[j] == '\t' || g->buf[j] == '\n' ||
                            g->buf[j] == '\r'))
        j++;
      if (j < g->len && g->buf[j] == '=') {
        j++;
        while (j < g->len && g->buf[j] != '"' && g->buf[j] != '\'')
          j++;
        *found = j + 1 <= g->len ? j + 1 : i;
      }
    }
  }
  return g->len;
}

cfg_pos cfg_pos_attr(const cfg *g, xmlNodePtr n, const char *attr)
{
  size_t start = elem_off(g, n), found = SIZE_MAX;
  tag_end(g, start, attr, &found);
  return pos_of(g, found == SIZE_MAX ? start : found);
}

cfg_pos cfg_pos_text(const cfg *g, xmlNodePtr n)
{
  size_t end = tag_end(g, elem_off(g, n), NULL, NULL);
  return pos_of(g, end);
}

cfg_pos cfg_pos_advance(const cfg *g, cfg_pos p, unsigned k)
{
  if (p.line < 1 || p.line > g->nlines)
    return p;
  size_t off = g->line_off[p.line - 1] + p.col - 1;
  for (unsigned i = 1; i < k && off < g->len; i++)
    off++;
  return pos_of(g, off);
}

void cfg_error(cfg *g, cfg_pos p, const char *fmt, ...)
{
  char msg[400];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  ospy_diag_error(g->diag, g->name, p.line, p.col, "%s", msg);
}
