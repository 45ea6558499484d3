/* Internals of the config loader. */
#ifndef OSPY_CONFIG_INTERNAL_H
#define OSPY_CONFIG_INTERNAL_H

#include <libxml/tree.h>

#include "config/config.h"
#include "expr/closest.h"

/* A position in the source: 1-based line and byte column. entity: of
   something an entity's replacement text holds, the position of its
   reference, whose name (entity_len bytes of the source; "" when the
   reference was not found) a diagnostic says. */
typedef struct cfg_pos {
  unsigned line, col;
  const char *entity;
  unsigned entity_len;
} cfg_pos;

typedef struct cfg_sig {
  const char *name;
  uint8_t *bytes, *mask;
  uint32_t len, cap;
} cfg_sig;

/* A map from names to indexes (config_names.c). Keys are not copied: they
   must live as long as the map (strings of the spec table's arena). */
typedef struct cfg_name_slot {
  const char *key; /* NULL: empty */
  size_t len;
  uint32_t value;
} cfg_name_slot;
typedef struct cfg_names {
  cfg_name_slot *slots;
  size_t cap, n; /* cap: a power of two, or 0 */
} cfg_names;
/* 0 added, 1 the key was there (its value kept: the first one counts), -1 out
   of memory. value: not OSPY_SPEC_NONE. */
int cfg_names_add(cfg_names *m, const char *key, uint32_t value);
/* The key's slot, added with the value OSPY_SPEC_NONE when it was not
   there; NULL: out of memory. */
cfg_name_slot *cfg_names_slot(cfg_names *m, const char *key);
/* The key's value, or OSPY_SPEC_NONE. _n: the first len bytes of key. */
uint32_t cfg_names_find(const cfg_names *m, const char *key);
uint32_t cfg_names_find_n(const cfg_names *m, const char *key, size_t len);
void cfg_names_clear(cfg_names *m); /* empty, its room kept */
void cfg_names_free(cfg_names *m);

/* A structure declared for one architecture or for all (arch_bits 0). */
typedef struct cfg_decl {
  const char *name;
  unsigned arch_bits;
  xmlNodePtr node;
  size_t prev_same; /* the declaration before it with the same name, or SIZE_MAX */
} cfg_decl;

/* What a <structure> element says beyond its fields, by type index: read
   once (an attribute read twice reports its problem twice). */
typedef struct cfg_struct_src {
  xmlNodePtr node;        /* the element (the target's variant); NULL: none */
  int has_size;           /* size="N" given (a bad value is reported, not kept) */
  int64_t size;
  uint32_t align;         /* worked out with the size (config_types.c) */
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
  size_t nsigs, capsigs;
  cfg_decl *decls;        /* every <structure> seen, for duplicates across arches */
  size_t ndecls, capdecls;
  cfg_struct_src *struct_src; /* by type index, [0, nstruct_src) */
  uint32_t nstruct_src;
  char last_xml_error[300]; /* libxml2's last message, not said twice in a row */
  int xml_fatal_seen;        /* libxml2 reported a fatal error (it stopped reading there) */
  size_t hooks_cap;          /* room of c->hooks */
  /* Names -> indexes (config_names.c): the spec table's types, function
     specs and vtable specs (indexed up to the count said), the structure
     declarations (the last of each name), the signatures, and one for
     the members or fields of the enumeration or structure being read. */
  cfg_names type_names, fn_names, vtable_names, decl_names, sig_names, scratch;
  cfg_names hook_places;     /* where each hook goes (config_hooks.c) -> its index */
  uint32_t types_named, fns_named, vtables_named;
  int names_failed;          /* out of memory: lookups scan the table */
  int other_arch_cc_said;    /* a convention of the other architecture was warned of */
  unsigned type_hints;       /* unknown type names looked for a close one (at most
                                CFG_TYPE_HINTS_MAX: each looks at every type) */
} cfg;

/* The spec table's lookups (ospy_spec_type_lookup, _fn_lookup,
   _vtable_lookup), by name instead of by scan. */
int cfg_find_type(cfg *g, const char *name, ospy_spec_typeref *out);
uint32_t cfg_find_fn(cfg *g, const char *name);
uint32_t cfg_find_vtable(cfg *g, const char *id);
void cfg_names_free_all(cfg *g);

/* Source positions (config_src.c). */
int cfg_src_init(cfg *g);
/* Finds where each element of the document is in the source, once: the
   positions below are then found without a search. */
void cfg_src_index(cfg *g, xmlNodePtr root);
/* Marks n, a node of the replacement text of the entity that reference ref
   refers to, as where ref is: its positions are ref's (its start tag and
   attributes are in the entity's declaration). */
void cfg_src_from_entity(const cfg *g, xmlNodePtr ref, xmlNodePtr n);
/* Replaces each reference to an entity in element content (&args;) with its
   replacement text, as if written there (config_entities.c); one to an
   external or undeclared entity is an error there. -1: the entities expand
   to more than a config may hold (reported). */
int cfg_expand_entities(cfg *g, xmlNodePtr root);
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
  int from_entity;  /* of an element from an entity: off is its reference */
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
/* n's 'name' attribute; NULL, said as an error, when it is missing (at the
   element) or empty (at the attribute). */
const char *cfg_name_attr(cfg *g, xmlNodePtr n);
int cfg_check_attrs(cfg *g, xmlNodePtr n, const char *const *allowed);
int cfg_attr_bool(cfg *g, xmlNodePtr n, const char *name, int *out);
int cfg_attr_int(cfg *g, xmlNodePtr n, const char *name, int64_t *out);
int cfg_is(xmlNodePtr n, const char *name);
/* arch="x86-64|i386" (a <structure>, a hook): 64, 32, 0 when absent, -1
   when bad (reported). */
int cfg_arch_attr(cfg *g, xmlNodePtr n);
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
/* The 1-based column of the first place src names fn's argument i
 * (arg.NAME, argN); 1 when none is found. */
unsigned cfg_arg_ref_column(const char *src, const ospy_spec_fn *fn, uint32_t i);

/* hex="true" / octal="true" on a <field>, <argument> or <returnValue>: the
   base an integer is shown in (octal: modes, 0644; a flags enumeration's
   bits no member names, S_IFREG|0644). */
void cfg_parse_radix(cfg *g, xmlNodePtr n, ospy_spec_typeref *r);
/* marshalAs="INTEGER TYPE" on a <field>, <argument> or <returnValue>: the
   width and signedness the value is read with (an enumeration of a wider
   integer: SigHandler as Size). */
void cfg_parse_marshal_as(cfg *g, xmlNodePtr n, ospy_spec_typeref *r);
/* hex, octal, marshalAs and elementType on a <field>, <argument> or
 * <returnValue> whose type makes no use of them (hex on a Float, marshalAs on
 * a string, elementType on anything but an Array): a warning at the
 * attribute, and the attribute dropped from r, so that the plan and `ospy
 * check` hold only what is used. what: "argument 'a'", "field 'x'", "the
 * return value"; tn: the type as written, known. */
void cfg_unused_type_attrs(cfg *g, xmlNodePtr n, const char *what, const char *tn,
                           ospy_spec_typeref *r);
/* size="1|2|4" on a Boolean, CPPBool or MSBool (or its Ptr) <field>,
   <argument> or <returnValue>: the width it is read with, as oSpy's
   Boolean::SetProperty took it (kept as a marshalAs of UInt8, UInt16 or
   UInt32). Returns 1 when r is a boolean (its size, if any, taken; a bad one
   reported at file:line:col), 0 otherwise (size is then the caller's). */
int cfg_parse_bool_size(cfg *g, xmlNodePtr n, ospy_spec_typeref *r);
/* Whether a size="..." means something for values of r's type: the bytes of
   a ByteArray, the bound of a SockAddr (a boolean's width is
   cfg_parse_bool_size's). */
int cfg_type_takes_size(cfg *g, const ospy_spec_typeref *r);
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

/* "Did you mean": expr/closest.h (ospy_closest), shared with the expression
 * language. */
/* The attribute of allowed (NULL-terminated) closest to name, or NULL. */
const char *cfg_closest_attr(const char *name, const char *const *allowed);
/* What a C spelling (int, unsigned int, char *) or a Windows name (DWORD)
 * of a type is called here, as a sentence into buf ("C's int is Int32
 * here"); NULL for any other name. */
const char *cfg_foreign_type_hint(const char *name, char *buf, size_t cap);
#define CFG_TYPE_HINTS_MAX 64

/* Sections. cfg_parse_types: every <types> child of root at once (a type
   may use one a later section declares); the others: one section each. */
void cfg_parse_types(cfg *g, xmlNodePtr root);
void cfg_parse_specs(cfg *g, xmlNodePtr specs);
void cfg_parse_signatures(cfg *g, xmlNodePtr sigs);
void cfg_parse_hooks(cfg *g, xmlNodePtr hooks);

#endif
