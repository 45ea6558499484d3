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
  return (cfg_pos){ lo + 1, (unsigned)(off - g->line_off[lo]) + 1, NULL, 0 };
}

static int name_char(char c);

/* The position at off; from_entity: of something an entity's replacement
 * text put there, off at the reference's '&' (the entity then named). */
static cfg_pos pos_at(const cfg *g, size_t off, int from_entity)
{
  cfg_pos p = pos_of(g, off);
  if (from_entity && off < g->len && g->buf[off] == '&') {
    unsigned n = 0;
    while (off + 1 + n < g->len && n < 64 && name_char(g->buf[off + 1 + n]))
      n++;
    p.entity = g->buf + off + 1;
    p.entity_len = n;
  } else if (from_entity) {
    p.entity = ""; /* the reference itself was not found: only that it is one */
  }
  return p;
}

static int name_char(char c)
{
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         c == '_' || c == '-' || c == ':' || c == '.';
}

/* The next node in document order. */
static xmlNodePtr doc_next(xmlNodePtr n)
{
  if (n->children && n->type == XML_ELEMENT_NODE) /* not into an entity's declaration */
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
 * order, are the elements in document order, and the references to
 * declared entities in element content (&args;) the entity reference nodes
 * libxml2 leaves in the tree. Each one's offset is kept in its _private
 * (libxml2 leaves that field to its user). Found from libxml2's line number
 * instead (below), each element cost a walk over the rest of its line: a
 * config written on one line loaded in quadratic time.
 *
 * What an entity's replacement text puts in the document (cfg_expand_entities)
 * has no start tag where it is used (its text is in the DTD): its nodes are
 * kept at the reference's '&', marked as from an entity. */

/* _private: 0 unknown, else 2 * offset + 1 + from_entity. */
typedef struct src_loc {
  size_t off;
  int from_entity;
} src_loc;

static void set_loc(xmlNodePtr n, src_loc l)
{
  n->_private = (void *)(uintptr_t)(2 * l.off + 1 + (l.from_entity != 0));
}

static int get_loc(xmlNodePtr n, src_loc *l)
{
  uintptr_t v = (uintptr_t)n->_private;
  if (!v)
    return 0;
  *l = (src_loc){ (v - 1) / 2, (int)((v - 1) & 1) };
  return 1;
}

static int predefined_entity(const char *s, size_t n)
{
  static const char *const names[] = { "amp", "lt", "gt", "apos", "quot" };
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
    if (strlen(names[i]) == n && !memcmp(s, names[i], n))
      return 1;
  return 0;
}

/* The length of the entity name at buf[i] after '&' when a ';' ends it; 0
 * for none. */
static size_t entity_name_len(const cfg *g, size_t i)
{
  size_t n = 0;
  while (i + n < g->len && g->buf[i + n] != ';' && name_char(g->buf[i + n]))
    n++;
  return i + n < g->len && g->buf[i + n] == ';' ? n : 0;
}

/* Whether '&' at buf[i] refers to a declared entity (&args;): not a
   character reference (&#38;) nor a predefined entity (&amp;), which are
   text to libxml2. */
static int general_entity_ref(const cfg *g, size_t i)
{
  size_t n = entity_name_len(g, i + 1);
  return n && g->buf[i + 1] != '#' && !predefined_entity(g->buf + i + 1, n);
}

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

/* The next start tag's '<' or entity reference's '&' from buf[i], or
   g->len. */
static size_t next_start_tag(const cfg *g, size_t i)
{
  while (i < g->len) {
    while (i < g->len && g->buf[i] != '<' && g->buf[i] != '&')
      i++;
    if (i == g->len)
      return g->len;
    if (g->buf[i] == '&') {
      if (general_entity_ref(g, i))
        return i;
      i++;
    } else if (starts(g, i, "<!--"))
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

/* Whether the start tag ('<') or reference ('&') at buf[i] is n's. */
static int source_is(const cfg *g, size_t i, xmlNodePtr n)
{
  size_t nl = strlen((const char *)n->name);
  char want = n->type == XML_ENTITY_REF_NODE ? '&' : '<';
  if (i >= g->len || g->buf[i] != want || i + 1 + nl > g->len ||
      strncmp(g->buf + i + 1, (const char *)n->name, nl))
    return 0;
  if (want == '&')
    return i + 1 + nl < g->len && g->buf[i + 1 + nl] == ';';
  return i + 1 + nl == g->len || !name_char(g->buf[i + 1 + nl]);
}

/* The next element or entity reference in document order, not into an
   entity reference (its content is the entity's, in its declaration). */
static xmlNodePtr next_indexed(xmlNodePtr n, xmlNodePtr root)
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
    if (n->type == XML_ELEMENT_NODE || n->type == XML_ENTITY_REF_NODE)
      return n;
  }
}

static void clear_offsets(xmlNodePtr root)
{
  for (xmlNodePtr n = root; n; n = next_indexed(n, root))
    n->_private = NULL;
}

void cfg_src_index(cfg *g, xmlNodePtr root)
{
  size_t i = 0;
  xmlNodePtr n;
  for (n = root; n; n = next_indexed(n, root)) {
    i = next_start_tag(g, i);
    if (!source_is(g, i, n))
      break; /* not as expected: each element found by its line instead */
    set_loc(n, (src_loc){ i, 0 });
    i = n->type == XML_ENTITY_REF_NODE ? i + 1 : past_tag(g, i);
  }
  if (n || next_start_tag(g, i) != g->len)
    clear_offsets(root);
}

/* Offset of the '<' of n's start tag: from the index, else from libxml2's
   line, the line where the start tag ends: searched back from its end. */
static size_t elem_off(const cfg *g, xmlNodePtr n)
{
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

/* Where n is: its start tag, or the reference of the entity it is from. */
static src_loc elem_loc(const cfg *g, xmlNodePtr n)
{
  src_loc l;
  if (get_loc(n, &l))
    return l;
  if (n->type != XML_ELEMENT_NODE && n->parent && n->parent->type == XML_ELEMENT_NODE)
    return (src_loc){ elem_off(g, n->parent), 0 }; /* a reference not in the index */
  return (src_loc){ elem_off(g, n), 0 };
}

void cfg_src_from_entity(const cfg *g, xmlNodePtr ref, xmlNodePtr n)
{
  src_loc l = elem_loc(g, ref);
  l.from_entity = 1;
  set_loc(n, l);
}

cfg_pos cfg_pos_elem(const cfg *g, xmlNodePtr n)
{
  src_loc l = elem_loc(g, n);
  return pos_at(g, l.off, l.from_entity);
}

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

/* An attribute of n (its value, or its name): in the start tag, or, for an
   element from an entity, the reference. */
static cfg_pos attr_pos(const cfg *g, xmlNodePtr n, const char *attr, int at_name)
{
  src_loc l = elem_loc(g, n);
  size_t found = SIZE_MAX;
  if (!l.from_entity)
    tag_end(g, l.off, attr, &found, at_name);
  return pos_at(g, found == SIZE_MAX ? l.off : found, l.from_entity);
}

cfg_pos cfg_pos_attr(const cfg *g, xmlNodePtr n, const char *attr)
{
  return attr_pos(g, n, attr, 0);
}

cfg_pos cfg_pos_attr_name(const cfg *g, xmlNodePtr n, const char *attr)
{
  return attr_pos(g, n, attr, 1);
}

cfg_pos cfg_pos_text(const cfg *g, xmlNodePtr n)
{
  src_loc l = elem_loc(g, n);
  if (l.from_entity)
    return pos_at(g, l.off, 1);
  return pos_of(g, tag_end(g, l.off, NULL, NULL, 0));
}

/* ---- values as libxml2 decodes them, back to the source bytes ---- */

cfg_val cfg_val_attr(const cfg *g, xmlNodePtr n, const char *attr)
{
  src_loc l = elem_loc(g, n);
  size_t found = SIZE_MAX;
  if (l.from_entity)
    return (cfg_val){ .off = l.off, .from_entity = 1, .doc = n->doc };
  tag_end(g, l.off, attr, &found, 0);
  if (found == SIZE_MAX || found == 0 || (g->buf[found - 1] != '"' && g->buf[found - 1] != '\''))
    return (cfg_val){ .off = l.off, .doc = n->doc };
  return (cfg_val){ .off = found, .quote = g->buf[found - 1], .found = 1, .doc = n->doc };
}

cfg_val cfg_val_text(const cfg *g, xmlNodePtr n)
{
  src_loc l = elem_loc(g, n);
  if (l.from_entity)
    return (cfg_val){ .off = l.off, .from_entity = 1, .doc = n->doc };
  return (cfg_val){ .off = tag_end(g, l.off, NULL, NULL, 0), .found = 1, .doc = n->doc };
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

/* The bytes of text in nodes (an entity's replacement text): its elements'
 * text included, as xmlNodeGetContent gives it; its entities' own (depth:
 * how deep in entities, libxml2 refused loops and deeper ones). */
static size_t text_len(xmlNodePtr n, unsigned depth)
{
  size_t len = 0;
  for (; n && depth < 40; n = n->next) {
    if (n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE)
      len += n->content ? strlen((const char *)n->content) : 0;
    else if (n->type == XML_ELEMENT_NODE)
      len += text_len(n->children, depth);
    else if (n->type == XML_ENTITY_REF_NODE) {
      xmlEntityPtr e = xmlGetDocEntity(n->doc, n->name);
      len += e && e->etype == XML_INTERNAL_GENERAL_ENTITY ? text_len(e->children, depth + 1) : 0;
    }
  }
  return len;
}

/* The reference at '&' buf[i]: a character reference (&#38;, &#x26;) is its
 * character's UTF-8 bytes, a predefined entity (&amp;) one byte, an entity
 * the document declares the text of its replacement text (its markup is
 * none, its entities' text is). */
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
  if (e && e->etype == XML_INTERNAL_GENERAL_ENTITY && e->children)
    return (piece){ n + 2, text_len(e->children, 0) };
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
    return pos_at(g, v.off, v.from_entity);
  while (i < g->len && !value_ends(g, &v, i, in_cdata)) {
    piece p = next_piece(g, &v, i, &in_cdata);
    if (dec + p.dec > want)
      break;
    dec += p.dec;
    i += p.src;
  }
  if (i >= g->len)
    return pos_of(g, g->len);
  /* inside an entity's replacement text: at the reference, the entity named */
  return pos_at(g, i, !in_cdata && g->buf[i] == '&' && general_entity_ref(g, i));
}

/* A problem in what an entity's replacement text put in the document is at
   the reference: the message says so, as " (from entity &NAME;)". */
static void from_entity_suffix(cfg_pos p, char *buf, size_t cap)
{
  if (!p.entity)
    buf[0] = 0;
  else if (p.entity_len)
    snprintf(buf, cap, " (from entity &%.*s;)", (int)p.entity_len, p.entity);
  else
    snprintf(buf, cap, " (from an entity)");
}

void cfg_warning(cfg *g, cfg_pos p, const char *fmt, ...)
{
  char *msg = NULL, from[90]; /* (whole: a message naming a long name was cut at 399 bytes) */
  va_list ap;
  va_start(ap, fmt);
  int n = vasprintf(&msg, fmt, ap);
  va_end(ap);
  from_entity_suffix(p, from, sizeof from);
  ospy_diag_warning(g->diag, g->name, p.line, p.col, "%s%s", n < 0 ? "out of memory" : msg, from);
  free(msg);
}

void cfg_error(cfg *g, cfg_pos p, const char *fmt, ...)
{
  char *msg = NULL, from[90]; /* (whole: a message naming a long name was cut at 399 bytes) */
  va_list ap;
  va_start(ap, fmt);
  int n = vasprintf(&msg, fmt, ap);
  va_end(ap);
  from_entity_suffix(p, from, sizeof from);
  ospy_diag_error(g->diag, g->name, p.line, p.col, "%s%s", n < 0 ? "out of memory" : msg, from);
  free(msg);
}
