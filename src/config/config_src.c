/* Source positions for diagnostics. libxml2 gives the line where an element's
   start tag ends; columns are found by looking at the source text itself. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/entities.h>

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

/* The next node in document order. */
static xmlNodePtr doc_next(xmlNodePtr n)
{
  if (n->children)
    return n->children;
  while (n && !n->next)
    n = n->parent;
  return n ? n->next : NULL;
}

/* How many elements named like n follow it with their start tag ending on
   the same line: with several on one line, n is that many from the last. */
static unsigned same_line_after(xmlNodePtr n, long line)
{
  unsigned k = 0;
  for (xmlNodePtr m = doc_next(n); m; m = doc_next(m)) {
    if (m->type != XML_ELEMENT_NODE)
      continue;
    long l = xmlGetLineNo(m);
    if (l > line)
      break;
    k += l == line && !strcmp((const char *)m->name, (const char *)n->name);
  }
  return k;
}

/* Offset just past `end` from buf[i], or the end of the source. */
static size_t skip_past(const cfg *g, size_t i, const char *end)
{
  size_t el = strlen(end);
  const char *p = i < g->len ? memmem(g->buf + i, g->len - i, end, el) : NULL;
  return p ? (size_t)(p - g->buf) + el : g->len;
}

static int starts(const cfg *g, size_t i, const char *s)
{
  size_t n = strlen(s);
  return i + n <= g->len && !memcmp(g->buf + i, s, n);
}

/* ---- where each element's start tag is ----
 * Found once for the whole document: the start tags in the source, in
 * order, are the elements in document order. Each element's offset is kept
 * in its _private (offset + 1; libxml2 leaves that field to its user). Found
 * from libxml2's line number instead (below), each element cost a walk over
 * the rest of its line: a config written on one line loaded in quadratic
 * time. */

/* Past a start or end tag from its '<': its '>' outside quoted values. */
static size_t past_tag(const cfg *g, size_t i)
{
  char quote = 0;
  for (; i < g->len; i++) {
    char c = g->buf[i];
    if (quote)
      quote = c == quote ? 0 : quote;
    else if (c == '"' || c == '\'')
      quote = c;
    else if (c == '>')
      return i + 1;
  }
  return g->len;
}

/* Past a <!DOCTYPE ...> from its '<': its internal subset's declarations,
 * comments and quoted values hold no tags of the document. */
static size_t past_doctype(const cfg *g, size_t i)
{
  char quote = 0;
  int depth = 0;
  for (i += 2; i < g->len; i++) {
    char c = g->buf[i];
    if (quote)
      quote = c == quote ? 0 : quote;
    else if (starts(g, i, "<!--"))
      i = skip_past(g, i + 4, "-->") - 1;
    else if (starts(g, i, "<?"))
      i = skip_past(g, i + 2, "?>") - 1;
    else if (c == '"' || c == '\'')
      quote = c;
    else if (c == '[' || c == '<')
      depth++;
    else if ((c == ']' || c == '>') && depth > 0)
      depth--;
    else if (c == '>')
      return i + 1;
  }
  return g->len;
}

/* The next start tag's '<' from buf[i], or g->len. */
static size_t next_start_tag(const cfg *g, size_t i)
{
  while (i < g->len) {
    const char *lt = memchr(g->buf + i, '<', g->len - i);
    if (!lt)
      return g->len;
    i = (size_t)(lt - g->buf);
    if (starts(g, i, "<!--"))
      i = skip_past(g, i + 4, "-->");
    else if (starts(g, i, "<![CDATA["))
      i = skip_past(g, i + 9, "]]>");
    else if (starts(g, i, "<?"))
      i = skip_past(g, i + 2, "?>");
    else if (starts(g, i, "<!"))
      i = past_doctype(g, i);
    else if (starts(g, i, "</"))
      i = past_tag(g, i);
    else
      return i;
  }
  return g->len;
}

/* The next element in document order, not into an entity's content (its
   elements are in the entity's declaration, not where it is used). */
static xmlNodePtr next_element(xmlNodePtr n, xmlNodePtr root)
{
  for (;;) {
    if (n->children && n->type == XML_ELEMENT_NODE)
      n = n->children;
    else {
      while (n != root && !n->next)
        n = n->parent;
      if (n == root)
        return NULL;
      n = n->next;
    }
    if (n->type == XML_ELEMENT_NODE)
      return n;
  }
}

static void clear_offsets(xmlNodePtr root)
{
  for (xmlNodePtr n = root; n; n = next_element(n, root))
    n->_private = NULL;
}

void cfg_src_index(cfg *g, xmlNodePtr root)
{
  size_t i = 0;
  xmlNodePtr n;
  for (n = root; n; n = next_element(n, root)) {
    i = next_start_tag(g, i);
    size_t nl = strlen((const char *)n->name);
    if (i + 1 + nl > g->len || strncmp(g->buf + i + 1, (const char *)n->name, nl) ||
        (i + 1 + nl < g->len && name_char(g->buf[i + 1 + nl])))
      break; /* not as expected: each element found by its line instead */
    n->_private = (void *)(uintptr_t)(i + 1);
    i = past_tag(g, i);
  }
  if (n || next_start_tag(g, i) != g->len)
    clear_offsets(root);
}

/* Offset of the '<' of n's start tag: from the index, else from libxml2's
   line, the line where the start tag ends: searched back from its end. */
static size_t elem_off(const cfg *g, xmlNodePtr n)
{
  if (n->_private)
    return (size_t)(uintptr_t)n->_private - 1;
  long line = xmlGetLineNo(n);
  if (line < 1 || (unsigned long)line > g->nlines)
    return 0;
  size_t end = g->line_off[line];
  unsigned skip = same_line_after(n, line);
  size_t nl = strlen((const char *)n->name);
  for (size_t i = end; i-- > 0;) {
    if (g->buf[i] == '<' && i + 1 + nl <= g->len &&
        !strncmp(g->buf + i + 1, (const char *)n->name, nl) &&
        (i + 1 + nl == g->len || !name_char(g->buf[i + 1 + nl])) && skip-- == 0)
      return i;
  }
  return 0;
}

cfg_pos cfg_pos_elem(const cfg *g, xmlNodePtr n) { return pos_of(g, elem_off(g, n)); }

/* Walk the start tag from '<' to its '>', outside quotes; call back on
   each attribute name. Returns the offset just past '>'. */
static size_t tag_end(const cfg *g, size_t i, const char *want, size_t *found, int at_name)
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
        *found = at_name ? i : j + 1 <= g->len ? j + 1 : i;
      }
    }
  }
  return g->len;
}

cfg_pos cfg_pos_attr(const cfg *g, xmlNodePtr n, const char *attr)
{
  size_t start = elem_off(g, n), found = SIZE_MAX;
  tag_end(g, start, attr, &found, 0);
  return pos_of(g, found == SIZE_MAX ? start : found);
}

cfg_pos cfg_pos_attr_name(const cfg *g, xmlNodePtr n, const char *attr)
{
  size_t start = elem_off(g, n), found = SIZE_MAX;
  tag_end(g, start, attr, &found, 1);
  return pos_of(g, found == SIZE_MAX ? start : found);
}

cfg_pos cfg_pos_text(const cfg *g, xmlNodePtr n)
{
  size_t end = tag_end(g, elem_off(g, n), NULL, NULL, 0);
  return pos_of(g, end);
}

/* ---- values as libxml2 decodes them, back to the source bytes ---- */

cfg_val cfg_val_attr(const cfg *g, xmlNodePtr n, const char *attr)
{
  size_t start = elem_off(g, n), found = SIZE_MAX;
  tag_end(g, start, attr, &found, 0);
  if (found == SIZE_MAX || found == 0 || (g->buf[found - 1] != '"' && g->buf[found - 1] != '\''))
    return (cfg_val){ .off = start, .doc = n->doc };
  return (cfg_val){ .off = found, .quote = g->buf[found - 1], .found = 1, .doc = n->doc };
}

cfg_val cfg_val_text(const cfg *g, xmlNodePtr n)
{
  return (cfg_val){ .off = tag_end(g, elem_off(g, n), NULL, NULL, 0), .found = 1,
                    .doc = n->doc };
}

/* A piece of a value's source: `src` bytes there that became `dec` bytes of
 * the value libxml2 gives (xmlGetProp, xmlNodeGetContent). */
typedef struct piece {
  size_t src, dec;
} piece;

static size_t utf8_len(unsigned long cp)
{
  return cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
}

/* The reference at '&' buf[i]: a character reference (&#38;, &#x26;) is its
 * character's UTF-8 bytes, a predefined entity (&amp;) one byte, an entity
 * the document declares its replacement text. */
static piece reference(const cfg *g, const cfg_val *v, size_t i)
{
  const char *s = g->buf + i + 1;
  size_t max = g->len - i - 1, n = 0;
  while (n < max && n < 64 && s[n] != ';')
    n++;
  if (n == 0 || n >= max || s[n] != ';')
    return (piece){ 1, 1 }; /* no reference: malformed XML, reported by libxml2 */
  if (s[0] == '#') {
    unsigned long cp = s[1] == 'x' ? strtoul(s + 2, NULL, 16) : strtoul(s + 1, NULL, 10);
    return (piece){ n + 2, utf8_len(cp) };
  }
  char name[65];
  memcpy(name, s, n);
  name[n] = '\0';
  xmlEntityPtr e = v->doc ? xmlGetDocEntity(v->doc, (const xmlChar *)name) : NULL;
  return (piece){ n + 2, e && e->content ? strlen((const char *)e->content) : 1 };
}

/* Markup in an element's text at '<' buf[i]: a CDATA section's markers are
 * nothing, its content itself; comments, processing instructions and tags
 * are not in the text. */
static piece markup(const cfg *g, size_t i, int *in_cdata)
{
  if (starts(g, i, "<![CDATA[")) {
    *in_cdata = 1;
    return (piece){ 9, 0 };
  }
  if (starts(g, i, "<!--"))
    return (piece){ skip_past(g, i + 4, "-->") - i, 0 };
  if (starts(g, i, "<?"))
    return (piece){ skip_past(g, i + 2, "?>") - i, 0 };
  return (piece){ skip_past(g, i + 1, ">") - i, 0 };
}

/* The piece of value v at buf[i]. XML reads a line end \r\n as one \n (an
 * attribute's blanks then become spaces, one for one); a CDATA section's
 * content is taken as it is. */
static piece next_piece(const cfg *g, const cfg_val *v, size_t i, int *in_cdata)
{
  char c = g->buf[i];
  if (c == '\r' && i + 1 < g->len && g->buf[i + 1] == '\n')
    return (piece){ 2, 1 };
  if (*in_cdata) {
    if (!starts(g, i, "]]>"))
      return (piece){ 1, 1 };
    *in_cdata = 0;
    return (piece){ 3, 0 };
  }
  if (c == '&')
    return reference(g, v, i);
  if (c == '<' && !v->quote)
    return markup(g, i, in_cdata);
  return (piece){ 1, 1 };
}

static int value_ends(const cfg *g, const cfg_val *v, size_t i, int in_cdata)
{
  if (v->quote)
    return g->buf[i] == v->quote;
  return !in_cdata && starts(g, i, "</");
}

/* Source position of byte k of the value (after v.skip bytes): bytes of an
 * entity or character reference point at its '&'; k at the end points just
 * past the value. */
cfg_pos cfg_val_pos(const cfg *g, cfg_val v, size_t k)
{
  size_t want = v.skip + k, dec = 0, i = v.off;
  int in_cdata = 0;
  if (!v.found)
    return pos_of(g, v.off);
  while (i < g->len && !value_ends(g, &v, i, in_cdata)) {
    piece p = next_piece(g, &v, i, &in_cdata);
    if (dec + p.dec > want)
      break;
    dec += p.dec;
    i += p.src;
  }
  return pos_of(g, i < g->len ? i : g->len);
}

void cfg_warning(cfg *g, cfg_pos p, const char *fmt, ...)
{
  char msg[400];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  ospy_diag_warning(g->diag, g->name, p.line, p.col, "%s", msg);
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
