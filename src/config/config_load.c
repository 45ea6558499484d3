/* Loading a config: XML parsing (libxml2), the root element, attribute
   helpers shared by the section parsers. */
#include <ctype.h>
#include <errno.h>
#include <iconv.h>
#include <libxml/encoding.h>
#include <libxml/parser.h>
#include <libxml/xmlversion.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "config/config_internal.h"
#include "expr/expr.h"
#include "plan/spec_expr.h"

int cfg_is(xmlNodePtr n, const char *name)
{
  return n->type == XML_ELEMENT_NODE && !strcmp((const char *)n->name, name);
}

void cfg_unknown_child(cfg *g, xmlNodePtr n, xmlNodePtr parent)
{
  if (n->type == XML_ELEMENT_NODE)
    cfg_error(g, cfg_pos_elem(g, n), "unknown element <%s> in <%s>", (const char *)n->name,
              (const char *)parent->name);
  else if (n->type == XML_TEXT_NODE && !xmlIsBlankNode(n))
    cfg_error(g, cfg_pos_elem(g, parent), "unexpected text in <%s>", (const char *)parent->name);
  else if (n->type == XML_ENTITY_REF_NODE) /* none: cfg_expand_entities replaced them */
    cfg_error(g, cfg_pos_elem(g, n), "entity &%s; is not expanded here", (const char *)n->name);
}

const char *cfg_attr(cfg *g, xmlNodePtr n, const char *name)
{
  xmlChar *v = xmlGetProp(n, (const xmlChar *)name);
  if (!v)
    return NULL;
  const char *s = ospy_spec_strdup(g->t, (const char *)v);
  xmlFree(v);
  return s;
}

const char *cfg_name_attr(cfg *g, xmlNodePtr n)
{
  const char *name = cfg_attr(g, n, "name");
  if (!name)
    cfg_error(g, cfg_pos_elem(g, n), "<%s> needs a 'name' attribute", (const char *)n->name);
  else if (!*name)
    cfg_error(g, cfg_pos_attr(g, n, "name"), "<%s> has an empty 'name'", (const char *)n->name);
  return name && *name ? name : NULL;
}

int cfg_check_attrs(cfg *g, xmlNodePtr n, const char *const *allowed)
{
  int bad = 0;
  for (xmlAttrPtr a = n->properties; a; a = a->next) {
    size_t i = 0;
    while (allowed[i] && strcmp(allowed[i], (const char *)a->name))
      i++;
    if (allowed[i])
      continue;
    /* a misspelt attribute is an error (it would be ignored); the one meant,
       when one is close, is named: calingConvention is callingConvention */
    const char *close = cfg_closest_attr((const char *)a->name, allowed);
    cfg_error(g, cfg_pos_attr_name(g, n, (const char *)a->name), "unknown attribute '%s' on "
              "<%s>%s%s%s", (const char *)a->name, (const char *)n->name,
              close ? " (did you mean " : "", close ? close : "", close ? "?)" : "");
    bad = 1;
  }
  return bad ? -1 : 0;
}

int cfg_attr_bool(cfg *g, xmlNodePtr n, const char *name, int *out)
{
  const char *v = cfg_attr(g, n, name);
  *out = 0;
  if (!v)
    return 0;
  if (!strcmp(v, "true") || !strcmp(v, "1")) {
    *out = 1;
    return 0;
  }
  if (!strcmp(v, "false") || !strcmp(v, "0"))
    return 0;
  cfg_error(g, cfg_pos_attr(g, n, name), "bad value '%s' for '%s': expected true or false", v,
            name);
  return -1;
}

/* 1 = present and valid, 0 = absent, -1 = invalid (reported). */
int cfg_attr_int(cfg *g, xmlNodePtr n, const char *name, int64_t *out)
{
  const char *v = cfg_attr(g, n, name);
  *out = 0;
  if (!v)
    return 0;
  char *end;
  errno = 0;
  long long x = strtoll(v, &end, 0);
  if (errno == ERANGE && v[0] != '-') {
    errno = 0;
    x = (long long)strtoull(v, &end, 0); /* 0xffffffffffffffff and friends */
  }
  const char *digits = v + (*v == '-' || *v == '+');
  int octal = digits[0] == '0' && isdigit((unsigned char)digits[1]);
  if (octal && *end && isdigit((unsigned char)*end)) { /* 08, 019: it said "expected an integer" */
    cfg_error(g, cfg_pos_attr(g, n, name), "bad value '%s' for '%s': a number that starts with "
              "0 is octal, and %c is no octal digit (a decimal number: without the leading 0)",
              v, name, *end);
    return -1;
  }
  if (!*v || *end || errno) {
    cfg_error(g, cfg_pos_attr(g, n, name), "bad value '%s' for '%s': expected an integer", v,
              name);
    return -1;
  }
  /* (an enumeration member's value or mask 0644, 0170000 is meant: a mode, S_IFMT) */
  if (octal && strcmp(name, "value") && strcmp(name, "mask"))
    cfg_warning(g, cfg_pos_attr(g, n, name), "'%s' for '%s' is octal, that is %lld: a "
                "number that starts with 0 is octal (a decimal number: without the leading 0)",
                v, name, x);
  *out = x;
  return 1;
}

const char *cfg_quote_expr(const char *src, char *buf, size_t size)
{
  ospy_expr_one_line(src, buf, size);
  size_t n = strlen(buf);
  if (n <= CFG_QUOTED_EXPR_MAX || size < CFG_QUOTED_EXPR_MAX + 4)
    return buf;
  n = CFG_QUOTED_EXPR_MAX;
  size_t space = n;
  while (space > CFG_QUOTED_EXPR_MAX * 2 / 3 && buf[space - 1] != ' ')
    space--;
  if (buf[space - 1] == ' ')
    n = space; /* after a blank rather than in a name */
  while (n > 0 && ((unsigned char)buf[n] & 0xc0) == 0x80)
    n--; /* not inside a UTF-8 character */
  memcpy(buf + n, "...", 4);
  return buf;
}

int cfg_check_expr(cfg *g, const char *src, const ospy_spec_fn *fn, cfg_val at, const char *what)
{
  return cfg_check_expr_at(g, src, fn, at, what, 0);
}

/* Where src names the return register (reg.rax, reg.eax and their views),
 * as the column of its first; 1 when none is found. */
static unsigned return_register_column(const char *src, char *name, size_t cap)
{
  static const char *const regs[] = { "reg.rax", "reg.eax", "reg.ax", "reg.al", "reg.ah" };
  const char *first = NULL;
  snprintf(name, cap, "reg.eax");
  for (size_t i = 0; i < sizeof regs / sizeof regs[0]; i++) {
    size_t n = strlen(regs[i]);
    for (const char *r = strstr(src, regs[i]); r; r = strstr(r + 1, regs[i]))
      if (!isalnum((unsigned char)r[n]) && r[n] != '_' && (!first || r < first)) {
        first = r;
        snprintf(name, cap, "%s", regs[i]);
        break;
      }
  }
  return first ? (unsigned)(first - src) + 1 : 1;
}

unsigned cfg_arg_ref_column(const char *src, const ospy_spec_fn *fn, uint32_t i)
{
  char ref[2][80];
  snprintf(ref[0], sizeof ref[0], "arg.%s", fn->args[i].name);
  snprintf(ref[1], sizeof ref[1], "arg%u", (unsigned)i);
  for (int k = 0; k < 2; k++) {
    size_t n = strlen(ref[k]);
    for (const char *r = strstr(src, ref[k]); r; r = strstr(r + 1, ref[k]))
      if ((r == src || !ospy_expr_ident_char(r[-1])) && !ospy_expr_ident_char(r[n]))
        return (unsigned)(r - src) + 1;
  }
  return 1;
}

/* Whether an expression taken when the call enters reads an out computed
 * argument (value="retval" direction="out"): that value exists only once
 * the call returned (it read as 0). Said in msg, at *col. */
static int reads_return_value(const ospy_sexpr *e, const char *src, const ospy_spec_fn *fn,
                              const char *what, char *msg, size_t cap, unsigned *col)
{
  uint64_t named = ospy_sexpr_return_args(e) & ospy_sexpr_args(e);
  if (!named)
    return 0;
  uint32_t j = (uint32_t)__builtin_ctzll(named);
  int own = !strcmp(what, "value") || !strcmp(what, "typeNameBase");
  *col = cfg_arg_ref_column(src, fn, j);
  snprintf(msg, cap, "'%s' is a computed out argument, whose value is taken when the call "
           "returns, and an in value is taken when the call enters: %s%s%s", fn->args[j].name,
           own ? "make this argument direction=\"out\" too" : "use ", own ? "" : what,
           own ? "" : "=\"ENTER/RETURN\" or direction=\"out\"");
  return 1;
}

/* at_enter: the value is needed when the call enters (an in argument's size
 * or value), before there is a return value, or the value of an out computed
 * argument. A computed value (value=) may read the return register all the
 * same: it is the register as it is then (reg.eax at entry: where regparm
 * functions pass their first argument); a size that reads it at entry is
 * the original's size="reg.eax" (the return value) misplaced. */
int cfg_check_expr_at(cfg *g, const char *src, const ospy_spec_fn *fn, cfg_val at,
                      const char *what, int at_enter)
{
  ospy_sexpr *e;
  char msg[320];
  unsigned col = 1;
  if (ospy_sexpr_compile(src, g->t, fn, &e, msg, sizeof msg, &col) == 0) {
    int out_value = at_enter && reads_return_value(e, src, fn, what, msg, sizeof msg, &col);
    /* (reading an out computed argument counts as reading what it reads) */
    int uses_retval = ospy_sexpr_uses_retval(e);
    int uses_reg = ospy_sexpr_uses_return(e) && strcmp(what, "value");
    int uses_errno = ospy_sexpr_uses_errno(e);
    ospy_sexpr_free(e);
    if (!at_enter || (!out_value && !uses_retval && !uses_reg && !uses_errno))
      return 0;
    if (out_value) {
      /* said */
    } else if (uses_errno && !uses_retval) {
      /* (the agent reads errno when the call returns: at entry it read 0) */
      const char *r = strstr(src, "errno");
      col = r ? (unsigned)(r - src) + 1 : 1;
      snprintf(msg, sizeof msg, "errno is not available here (an in value is taken when the "
               "call enters, errno when it returns; use %s%sdirection=\"out\")",
               strcmp(what, "value") ? what : "", /* (a value has no ENTER/RETURN form) */
               strcmp(what, "value") ? "=\"ENTER/RETURN\" or " : "");
    } else if (uses_retval) {
      const char *r = strstr(src, "retval");
      col = r ? (unsigned)(r - src) + 1 : 1;
      snprintf(msg, sizeof msg, "retval is not available here (an in value is taken when the "
               "call enters; use size=\"ENTER/RETURN\" or direction=\"out\")");
    } else {
      char reg[16];
      col = return_register_column(src, reg, sizeof reg);
      snprintf(msg, sizeof msg, "%s, the return register, is read here when the call enters "
               "(an in value is taken then), before it holds the return value: for the "
               "return value use %s=\"ENTER/RETURN\" or direction=\"out\"; for the "
               "register at entry, a computed argument (<argument name=\"n\" "
               "type=\"UInt32\" value=\"%s\"/>) and %s=\"arg.n\"", reg, what, reg, what);
    }
  }
  char quoted[CFG_QUOTED_EXPR_MAX + 8];
  cfg_error(g, cfg_val_pos(g, at, col - 1), "bad expression '%s' in %s: %s",
            cfg_quote_expr(src, quoted, sizeof quoted), what, msg);
  return -1;
}

/* ---- XML ---- */

/* libxml2's message on one line: its own line breaks ("...encoding !\nBytes:
 * 0xFF 0xFE") as spaces, none at the end. */
static void one_line_message(const char *in, char *out, size_t cap)
{
  size_t n = 0;
  for (const char *p = in; *p && n + 1 < cap; p++) {
    char c = *p == '\n' || *p == '\r' || *p == '\t' ? ' ' : *p;
    if (c == ' ' && (n == 0 || out[n - 1] == ' '))
      continue;
    out[n++] = c;
  }
  while (n && out[n - 1] == ' ')
    n--;
  out[n] = 0;
}

#if LIBXML_VERSION >= 21200
static void xml_error(void *data, const xmlError *e)
#else
static void xml_error(void *data, xmlError *e) /* const since libxml2 2.12 */
#endif
{
  cfg *g = data;
  char msg[300];
  one_line_message(e->message ? e->message : "error", msg, sizeof msg);
  /* libxml2 repeats some errors as it unwinds (an entity reference loop
     once per level of entities): the first says it */
  if (!strcmp(msg, g->last_xml_error))
    return;
  /* after a fatal error libxml2 reads no further: the elements still open
     then are its consequence ("Premature end of data in tag hookManager"
     after "Couldn't find end of Start Tag"), not a second problem */
  if (e->code == XML_ERR_TAG_NOT_FINISHED && g->xml_fatal_seen)
    return;
  g->xml_fatal_seen |= e->level == XML_ERR_FATAL;
  snprintf(g->last_xml_error, sizeof g->last_xml_error, "%s", msg);
  ospy_diag_error(g->diag, g->name, e->line > 0 ? (unsigned)e->line : 1,
                  e->int2 > 0 ? (unsigned)e->int2 : 1, "malformed XML: %s", msg);
}

static void parse_root(cfg *g, xmlNodePtr root)
{
  static const char *const none[] = { NULL };
  cfg_check_attrs(g, root, none);
  /* types first: the other sections refer to them, wherever they are */
  cfg_parse_types(g, root);
  for (xmlNodePtr n = root->children; n; n = n->next)
    if (cfg_is(n, "specs"))
      cfg_parse_specs(g, n);
  for (xmlNodePtr n = root->children; n; n = n->next)
    if (cfg_is(n, "signatures"))
      cfg_parse_signatures(g, n);
  for (xmlNodePtr n = root->children; n; n = n->next)
    if (cfg_is(n, "hooks"))
      cfg_parse_hooks(g, n);
  for (xmlNodePtr n = root->children; n; n = n->next)
    if (!cfg_is(n, "types") && !cfg_is(n, "specs") && !cfg_is(n, "signatures") &&
        !cfg_is(n, "hooks"))
      cfg_unknown_child(g, n, root);
}

static void free_sigs(cfg *g)
{
  for (size_t i = 0; i < g->nsigs; i++) {
    free(g->sigs[i].bytes);
    free(g->sigs[i].mask);
  }
  free(g->sigs);
}

/* The iconv name of the encoding of a config in UTF-16 or UCS-4 (found as
   libxml2 finds it, from its first bytes); NULL for any other. */
static const char *wide_encoding(const char *buf, size_t len)
{
  if (len < 4)
    return NULL;
  switch (xmlDetectCharEncoding((const unsigned char *)buf, 4)) {
  case XML_CHAR_ENCODING_UTF16LE: return "UTF-16LE";
  case XML_CHAR_ENCODING_UTF16BE: return "UTF-16BE";
  case XML_CHAR_ENCODING_UCS4LE: return "UCS-4LE";
  case XML_CHAR_ENCODING_UCS4BE: return "UCS-4BE";
  default: return NULL;
  }
}

/* A UTF-16 or UCS-4 config as UTF-8, its byte order mark left out: the text
 * the positions of diagnostics are found in (config_src.c), as for the same
 * config written in UTF-8 (found in the UTF-16 bytes, every one was 1:1 or
 * on a wrong line). A character that does not convert is a '?'. NULL for a
 * config in another encoding, or out of memory. */
static char *utf8_source(const char *buf, size_t len, size_t *out_len)
{
  const char *from = wide_encoding(buf, len);
  if (!from || len > SIZE_MAX / 2 - 8)
    return NULL;
  size_t unit = from[1] == 'T' ? 2 : 4, cap = len * 2 + 8; /* 2 bytes -> 3 at most */
  iconv_t cd = iconv_open("UTF-8", from);
  char *out = cd == (iconv_t)-1 ? NULL : malloc(cap);
  if (!out) {
    if (cd != (iconv_t)-1)
      iconv_close(cd);
    return NULL;
  }
  char *in = (char *)buf, *o = out;
  size_t in_left = len, out_left = cap;
  while (in_left > 0 && iconv(cd, &in, &in_left, &o, &out_left) == (size_t)-1 && out_left > 0) {
    size_t skip = in_left < unit ? in_left : unit; /* a bad or cut character */
    in += skip;
    in_left -= skip;
    *o++ = '?';
    out_left--;
  }
  iconv_close(cd);
  size_t n = (size_t)(o - out), bom = n >= 3 && !memcmp(out, "\xef\xbb\xbf", 3) ? 3 : 0;
  memmove(out, out + bom, n - bom);
  *out_len = n - bom;
  return out;
}

int ospy_config_load_buffer(const char *name, const char *buf, size_t len, unsigned arch_bits,
                            ospy_config **out, ospy_diag *diag)
{
  *out = NULL;
  size_t utf8_len = 0;
  char *utf8 = len <= INT32_MAX ? utf8_source(buf, len, &utf8_len) : NULL;
  cfg g = { .name = name, .buf = utf8 ? utf8 : buf, .len = utf8 ? utf8_len : len, .diag = diag };
  unsigned errors_before = diag->errors;
  ospy_config *c = calloc(1, sizeof *c);
  if (!c || len > INT32_MAX || cfg_src_init(&g) < 0) {
    free(utf8);
    free(c);
    ospy_diag_error(diag, name, 1, 1, "out of memory or file too large");
    return -1;
  }
  c->arch_bits = arch_bits == 32 ? 32 : 64;
  c->specs = g.t = ospy_spec_table_new(c->arch_bits / 8);
  c->path = ospy_spec_strdup(g.t, name);
  g.c = c;
  xmlSetStructuredErrorFunc(&g, xml_error);
  xmlDocPtr doc = xmlReadMemory(buf, (int)len, name, NULL,
                                XML_PARSE_NONET | XML_PARSE_NOCDATA);
  xmlSetStructuredErrorFunc(NULL, NULL);
  xmlNodePtr root = doc ? xmlDocGetRootElement(doc) : NULL;
  if (doc && !root)
    ospy_diag_error(diag, name, 1, 1, "empty document");
  else if (root && strcmp((const char *)root->name, "hookManager") != 0)
    cfg_error(&g, cfg_pos_elem(&g, root), "expected <hookManager> as the root element, found <%s>",
              (const char *)root->name);
  else if (root) {
    cfg_src_index(&g, root);
    if (cfg_expand_entities(&g, root) == 0)
      parse_root(&g, root);
  }
  if (doc)
    xmlFreeDoc(doc);
  else if (diag->errors == errors_before)
    ospy_diag_error(diag, name, 1, 1, "malformed XML: Document is empty");
  free_sigs(&g);
  free(g.decls);
  free(g.struct_src);
  cfg_names_free_all(&g);
  free(g.line_off);
  free(utf8);
  if (diag->errors != errors_before) {
    ospy_config_free(c);
    return -1;
  }
  *out = c;
  return 0;
}

/* Reads the whole file, at most OSPY_CONFIG_MAX_BYTES: a config is text a
 * person wrote or a tool generated, and a device (/dev/zero) or a huge file
 * named by mistake would otherwise be read until memory runs out. 0, or -1
 * with the problem in diag. */
static int read_config_file(const char *path, char **out, size_t *out_len, ospy_diag *diag)
{
  FILE *f = fopen(path, "rb");
  if (!f) {
    ospy_diag_error(diag, path, 0, 0, "cannot open: %s", strerror(errno));
    return -1;
  }
  char *buf = NULL;
  size_t len = 0, cap = 0;
  struct stat st; /* a regular file says its size: not read when it is over */
  int err = 0, too_big = fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode) &&
                         (uint64_t)st.st_size > OSPY_CONFIG_MAX_BYTES;
  while (!too_big) {
    if (len > OSPY_CONFIG_MAX_BYTES) {
      too_big = 1;
      break;
    }
    if (cap - len < 65536) {
      cap = cap ? cap * 2 : 65536;
      char *p = realloc(buf, cap + 1); /* +1: one byte past the limit tells a file over it */
      if (!p) {
        err = ENOMEM;
        break;
      }
      buf = p;
    }
    size_t want = cap - len;
    if (len + want > OSPY_CONFIG_MAX_BYTES + 1)
      want = OSPY_CONFIG_MAX_BYTES + 1 - len;
    errno = 0;
    size_t n = fread(buf + len, 1, want, f);
    len += n;
    if (n == 0) {
      err = ferror(f) ? (errno ? errno : EIO) : 0;
      break;
    }
  }
  fclose(f);
  if (too_big || err) {
    free(buf);
    if (too_big)
      ospy_diag_error(diag, path, 0, 0, "cannot read: larger than %u MiB, the most a config "
                      "may be", OSPY_CONFIG_MAX_BYTES >> 20);
    else
      ospy_diag_error(diag, path, 0, 0, "cannot read: %s", strerror(err));
    return -1;
  }
  *out = buf;
  *out_len = len;
  return 0;
}

int ospy_config_load(const char *path, unsigned arch_bits, ospy_config **out, ospy_diag *diag)
{
  *out = NULL;
  char *buf;
  size_t len;
  if (read_config_file(path, &buf, &len, diag) < 0)
    return -1;
  int rc = ospy_config_load_buffer(path, buf, len, arch_bits, out, diag);
  free(buf);
  return rc;
}

void ospy_config_free(ospy_config *c)
{
  if (!c)
    return;
  ospy_spec_table_free(c->specs);
  free(c->hooks);
  free(c);
}
