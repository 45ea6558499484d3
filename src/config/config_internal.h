/* Internals of the config loader. */
#ifndef OSPY_CONFIG_INTERNAL_H
#define OSPY_CONFIG_INTERNAL_H

#include <libxml/tree.h>

#include "config/config.h"

/* A position in the source: 1-based line and byte column. */
typedef struct cfg_pos {
  unsigned line, col;
} cfg_pos;

typedef struct cfg_sig {
  const char *name;
  uint8_t *bytes, *mask;
  uint32_t len;
} cfg_sig;

/* A structure declared for one architecture or for all (arch_bits 0). */
typedef struct cfg_decl {
  const char *name;
  unsigned arch_bits;
  xmlNodePtr node;
} cfg_decl;

/* What a <structure> element says beyond its fields, by type index: read
   once (an attribute read twice reports its problem twice). */
typedef struct cfg_struct_src {
  xmlNodePtr node;        /* the element (the target's variant); NULL: none */
  int has_size;           /* size="N" given (a bad value is reported, not kept) */
  int64_t size;
} cfg_struct_src;

typedef struct cfg {
  const char *name;       /* file name for diagnostics */
  const char *buf;        /* the source text */
  size_t len;
  size_t *line_off;       /* offset of each line start; [nlines] = len */
  unsigned nlines;
  ospy_diag *diag;
  ospy_config *c;
  ospy_spec_table *t;
  cfg_sig *sigs;
  size_t nsigs;
  cfg_decl *decls;        /* every <structure> seen, for duplicates across arches */
  size_t ndecls, capdecls;
  cfg_struct_src *struct_src; /* by type index, [0, nstruct_src) */
  uint32_t nstruct_src;
  char last_xml_error[300]; /* libxml2's last message, not said twice in a row */
} cfg;

/* Source positions (config_src.c). */
int cfg_src_init(cfg *g);
cfg_pos cfg_pos_elem(const cfg *g, xmlNodePtr n);
cfg_pos cfg_pos_attr(const cfg *g, xmlNodePtr n, const char *attr);
cfg_pos cfg_pos_attr_name(const cfg *g, xmlNodePtr n, const char *attr);
cfg_pos cfg_pos_text(const cfg *g, xmlNodePtr n);
/* A value as libxml2 gives it (an attribute's value, an element's text),
 * where it lies in the source: its entities (&amp;), character references
 * (&#38;), CDATA markers, comments and \r\n line ends make decoded offsets
 * differ from source columns. */
typedef struct cfg_val {
  size_t off;       /* the value's first byte in the source */
  char quote;       /* an attribute's quote; 0: an element's text */
  int found;        /* 0: not found, off is the element's '<' */
  size_t skip;      /* decoded bytes before the part meant (size="A/B": B) */
  xmlDocPtr doc;    /* the entities it declares */
} cfg_val;
cfg_val cfg_val_attr(const cfg *g, xmlNodePtr n, const char *attr);
cfg_val cfg_val_text(const cfg *g, xmlNodePtr n);
/* The source position of byte k (from 0) of the value past v.skip. */
cfg_pos cfg_val_pos(const cfg *g, cfg_val v, size_t k);

void cfg_error(cfg *g, cfg_pos p, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Something valid that most likely does not mean what was meant (ospy check
 * prints it; the config still loads). */
void cfg_warning(cfg *g, cfg_pos p, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Attribute helpers (config_parse.c). Returned strings are owned by the spec
   table (cfg_attr) and live as long as it. */
const char *cfg_attr(cfg *g, xmlNodePtr n, const char *name);
int cfg_check_attrs(cfg *g, xmlNodePtr n, const char *const *allowed);
int cfg_attr_bool(cfg *g, xmlNodePtr n, const char *name, int *out);
int cfg_attr_int(cfg *g, xmlNodePtr n, const char *name, int64_t *out);
int cfg_is(xmlNodePtr n, const char *name);
void cfg_unknown_child(cfg *g, xmlNodePtr n, xmlNodePtr parent);
/* An expression as a message quotes it: on one line, and at most
 * CFG_QUOTED_EXPR_MAX bytes of it followed by "...", so that the reason after
 * it always fits the message (a long one was cut before it). The
 * line:column points at the offending token wherever it is. buf: at least
 * CFG_QUOTED_EXPR_MAX + 4 bytes. */
#define CFG_QUOTED_EXPR_MAX 60
const char *cfg_quote_expr(const char *src, char *buf, size_t size);
/* Compile an expression for validation; errors point into the source. */
int cfg_check_expr(cfg *g, const char *src, const ospy_spec_fn *fn, cfg_val at,
                   const char *what);
int cfg_check_expr_at(cfg *g, const char *src, const ospy_spec_fn *fn, cfg_val at,
                      const char *what, int at_enter);

/* hex="true" / octal="true" on a <field>, <argument> or <returnValue>: the
   base an integer is shown in (octal: modes, 0644; a flags enumeration's
   bits no member names, S_IFREG|0644). */
void cfg_parse_radix(cfg *g, xmlNodePtr n, ospy_spec_typeref *r);
/* marshalAs="INTEGER TYPE" on a <field>, <argument> or <returnValue>: the
   width and signedness the value is read with (an enumeration of a wider
   integer: SigHandler as Size). */
void cfg_parse_marshal_as(cfg *g, xmlNodePtr n, ospy_spec_typeref *r);
/* A type by name ("Foo" or "FooPtr"), the named integer types (ProcessId)
 * included: added to the table when first used (config_types.c). 0 or -1. */
int cfg_type_lookup(cfg *g, const char *name, ospy_spec_typeref *out);
/* "FooPtrPtr" (C's `Foo **`, as strtol's endptr or getline's lineptr): an
 * ArrayPtr of one FooPtr, shown as strace shows a pointer, ["text"]; the
 * caller gives it its count of 1. 0, or -1 when name is not such a name. */
int cfg_double_ptr_lookup(cfg *g, const char *name, ospy_spec_typeref *out);
/* Report a type name cfg_type_lookup did not find: "unknown type", or, for a
 * structure declared only for the other architecture, that it is. */
void cfg_error_unknown_type(cfg *g, cfg_pos p, const char *name);
/* name is one of those named integer types (a declaration may not reuse it). */
int cfg_is_named_int(const char *name);

/* Sections. */
void cfg_parse_types(cfg *g, xmlNodePtr types);
void cfg_parse_specs(cfg *g, xmlNodePtr specs);
void cfg_parse_signatures(cfg *g, xmlNodePtr sigs);
void cfg_parse_hooks(cfg *g, xmlNodePtr hooks);

#endif
