/* <types>: enumerations and structures. */
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "config/config_internal.h"

static unsigned count_children(xmlNodePtr n, const char *name)
{
  unsigned k = 0;
  for (xmlNodePtr c = n->children; c; c = c->next)
    k += cfg_is(c, name);
  return k;
}

/* Integer types known by name whatever the config declares, so that readers
 * can tell what a number is: a ProcessId is a run-time id (ospy diff ignores
 * it). They are not built-ins (the plan's built-in table, and every capture
 * written with it, stay as they are) but user types the table gets when a
 * config first names one, carried in the plan like any other. */
static const struct { const char *name; uint8_t width, is_signed; } named_ints[] = {
  { "ProcessId", 4, 1 }, /* pid_t */
};

int cfg_is_named_int(const char *name)
{
  for (size_t i = 0; i < sizeof named_ints / sizeof named_ints[0]; i++)
    if (!strcmp(name, named_ints[i].name))
      return 1;
  return 0;
}

/* Adds the named integer type that name ("ProcessId" or "ProcessIdPtr")
 * names; 0 when it names none. */
static int add_named_int(cfg *g, const char *name)
{
  for (size_t i = 0; i < sizeof named_ints / sizeof named_ints[0]; i++) {
    size_t k = strlen(named_ints[i].name);
    if (strncmp(name, named_ints[i].name, k) || (name[k] && strcmp(name + k, "Ptr")))
      continue;
    uint32_t ti = ospy_spec_add_type(g->t, named_ints[i].name, OSPY_KIND_INT);
    if (ti == OSPY_SPEC_NONE)
      return 0;
    g->t->types[ti].width = named_ints[i].width;
    g->t->types[ti].is_signed = named_ints[i].is_signed;
    return 1;
  }
  return 0;
}

int cfg_type_lookup(cfg *g, const char *name, ospy_spec_typeref *out)
{
  if (cfg_find_type(g, name, out) == 0)
    return 0;
  return add_named_int(g, name) ? cfg_find_type(g, name, out) : -1;
}

static int is_double_ptr_name(const char *name)
{
  size_t n = name ? strlen(name) : 0;
  return n > 6 && !strcmp(name + n - 6, "PtrPtr");
}

int cfg_double_ptr_lookup(cfg *g, const char *name, ospy_spec_typeref *out)
{
  if (!is_double_ptr_name(name))
    return -1;
  /* FooPtr, whatever its length (a name of 253 characters or more was an
     unknown type as FooPtrPtr, and known as FooPtr) */
  char *inner = strndup(name, strlen(name) - 3);
  ospy_spec_typeref e, arr;
  int found = inner && cfg_type_lookup(g, inner, &e) == 0 && e.ptr &&
              cfg_type_lookup(g, "ArrayPtr", &arr) == 0;
  free(inner);
  if (!found)
    return -1;
  *out = arr;
  out->elem_type = e.type;
  out->elem_ptr = 1;
  return 0;
}

static const char *arch_name(unsigned arch_bits)
{
  return arch_bits == 32 ? "i386" : "x86-64";
}

/* The structure a type name ("Req", "ReqPtr" or "ReqPtrPtr") names when it
   is declared only for the architecture other than the target's; NULL
   otherwise. */
static const cfg_decl *other_arch_struct(const cfg *g, const char *name)
{
  size_t n = strlen(name);
  static const char *const suffixes[] = { "", "Ptr", "PtrPtr" };
  for (size_t k = 0; k < 3; k++) {
    size_t sl = strlen(suffixes[k]);
    if (n <= sl || strcmp(name + n - sl, suffixes[k]))
      continue;
    uint32_t last = cfg_names_find_n(&g->decl_names, name, n - sl);
    for (size_t i = last; last != OSPY_SPEC_NONE && i != SIZE_MAX; i = g->decls[i].prev_same)
      if (g->decls[i].arch_bits && g->decls[i].arch_bits != g->c->arch_bits)
        return &g->decls[i];
  }
  return NULL;
}

/* Issue 4 and oSpy's marshallers name kinds of types (Flags, Enumeration,
 * Structure, StructurePtr); in the config a type of such a kind is declared
 * under a name of its own and used by that name. The sentence that says how,
 * for a kind's name ("Flags", "FlagsPtr"); NULL for any other name. */
static const char *kind_name_hint(const char *name)
{
  static const struct { const char *kind, *hint; } kinds[] = {
    { "Flags", "a flags type is declared in <types> as <flags name=\"NAME\"> (or <enumeration "
               "name=\"NAME\" flags=\"true\">)" },
    { "Enumeration", "an enumeration is declared in <types> as <enumeration name=\"NAME\">" },
    { "Structure", "a structure is declared in <types> as <structure name=\"NAME\">" },
  };
  static char text[256];
  for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
    size_t k = strlen(kinds[i].kind);
    if (strncmp(name, kinds[i].kind, k) || (name[k] && strcmp(name + k, "Ptr")))
      continue;
    snprintf(text, sizeof text, "%s and used by its name, type=\"NAME\"; a pointer to one by its "
             "name with Ptr, type=\"NAMEPtr\"", kinds[i].hint);
    return text;
  }
  return NULL;
}

/* The name a config can write that is closest to name: a type of the table
 * (the built-ins, the config's own) or a named integer, as itself, its Ptr
 * or its PtrPtr (Uint32 is UInt32, Int32ptr Int32Ptr, Int23 Int32); NULL
 * when none is close. Each look compares every type: a file's first
 * CFG_TYPE_HINTS_MAX unknown names get one, so that a file of many keeps
 * loading in time that grows with its size. */
static const char *closest_type(cfg *g, const char *name)
{
  static ospy_closest c; /* (its result is said before the next look) */
  static const char *const suffixes[] = { "", "Ptr", "PtrPtr" };
  size_t n = strlen(name);
  if (g->type_hints >= CFG_TYPE_HINTS_MAX || (n > 9 && !strcasecmp(name + n - 9, "PtrPtrPtr")))
    return NULL; /* (a pointer deeper than PtrPtr is no typo: Int32PtrPtr means another thing) */
  g->type_hints++;
  ospy_closest_init(&c, name);
  for (uint32_t i = 0; i < g->t->ntypes; i++)
    for (size_t k = 0; k < 3 && g->t->types[i].name; k++)
      ospy_closest_offer(&c, g->t->types[i].name, suffixes[k]);
  for (size_t i = 0; i < sizeof named_ints / sizeof named_ints[0]; i++)
    for (size_t k = 0; k < 3; k++)
      ospy_closest_offer(&c, named_ints[i].name, suffixes[k]);
  return ospy_closest_result(&c);
}

/* An unknown type that is no declaration of the other architecture's: what
 * the config most likely meant, when something says it (a kind's name, a C
 * or Windows spelling, a name close to a type's). */
static void error_unknown_name(cfg *g, cfg_pos p, const char *name)
{
  char foreign[200];
  const char *hint = kind_name_hint(name);
  if (hint) {
    cfg_error(g, p, "unknown type '%s': %s", name, hint);
    return;
  }
  hint = cfg_foreign_type_hint(name, foreign, sizeof foreign);
  if (hint) {
    cfg_error(g, p, "unknown type '%s' (%s)", name, hint);
    return;
  }
  hint = closest_type(g, name);
  if (hint)
    cfg_error(g, p, "unknown type '%s' (did you mean %s?)", name, hint);
  else
    cfg_error(g, p, "unknown type '%s'", name);
}

void cfg_error_unknown_type(cfg *g, cfg_pos p, const char *name)
{
  const cfg_decl *d = other_arch_struct(g, name);
  if (!d) {
    error_unknown_name(g, p, name);
    return;
  }
  const char *target = arch_name(g->c->arch_bits);
  cfg_error(g, p, "unknown type '%s': structure '%s' is declared only for %s (line %u) and "
            "the target is %s: add an %s variant (<structure name=\"%s\" arch=\"%s\">) or "
            "declare it without arch", name, d->name, arch_name(d->arch_bits),
            cfg_pos_elem(g, d->node).line, target, target, d->name, target);
}

/* Resolve a type name; report it when unknown. */
static int resolve_type(cfg *g, xmlNodePtr n, const char *attr, const char *name,
                        ospy_spec_typeref *out)
{
  if (cfg_type_lookup(g, name, out) == 0)
    return 0;
  cfg_error_unknown_type(g, cfg_pos_attr(g, n, attr), name);
  return -1;
}

void cfg_parse_radix(cfg *g, xmlNodePtr n, ospy_spec_typeref *r)
{
  int hex = 0, octal = 0;
  cfg_attr_bool(g, n, "hex", &hex);
  cfg_attr_bool(g, n, "octal", &octal);
  if (hex && octal)
    cfg_error(g, cfg_pos_attr_name(g, n, "octal"), "hex and octal exclude each other");
  r->hex = (uint8_t)hex;
  r->octal = (uint8_t)(octal && !hex);
}

void cfg_parse_marshal_as(cfg *g, xmlNodePtr n, ospy_spec_typeref *r)
{
  const char *as = cfg_attr(g, n, "marshalAs");
  ospy_spec_typeref ar;
  if (!as || resolve_type(g, n, "marshalAs", as, &ar) < 0)
    return;
  if (ar.ptr || g->t->types[ar.type].kind != OSPY_KIND_INT)
    cfg_error(g, cfg_pos_attr(g, n, "marshalAs"), "marshalAs type '%s' is not an integer type", as);
  else
    r->marshal_as = ar.type;
}

int cfg_parse_bool_size(cfg *g, xmlNodePtr n, ospy_spec_typeref *r)
{
  if (r->type >= g->t->ntypes || g->t->types[r->type].kind != OSPY_KIND_BOOL)
    return 0;
  const char *v = cfg_attr(g, n, "size");
  if (!v)
    return 1;
  static const uint32_t as_width[] = { [1] = OSPY_BT_UINT8, [2] = OSPY_BT_UINT16,
                                       [4] = OSPY_BT_UINT32 };
  char *end;
  long w = strtol(v, &end, 10);
  if (!*v || *end || w < 1 || w > 4 || w == 3) {
    cfg_error(g, cfg_pos_attr(g, n, "size"), "bad size '%s' for a %s: expected 1, 2 or 4 "
              "(the bytes it is read as)", v, cfg_attr(g, n, "type"));
    return 1;
  }
  if (cfg_attr(g, n, "marshalAs")) {
    cfg_error(g, cfg_pos_attr_name(g, n, "marshalAs"), "size and marshalAs exclude each "
              "other: size gives a %s its width", cfg_attr(g, n, "type"));
    return 1;
  }
  r->marshal_as = as_width[w];
  return 1;
}

int cfg_type_takes_size(cfg *g, const ospy_spec_typeref *r)
{
  if (r->type >= g->t->ntypes)
    return 1; /* (unknown: reported where it is named) */
  uint8_t k = g->t->types[r->type].kind;
  /* a string's: the most bytes it may have (a char name[16] without its NUL) */
  return k == OSPY_KIND_BYTES || k == OSPY_KIND_SOCKADDR || k == OSPY_KIND_STRING;
}

static uint8_t kind_of(const cfg *g, uint32_t type)
{
  return type < g->t->ntypes ? g->t->types[type].kind : 0;
}

/* Whether hex="true" (octal: octal="true") changes how a value of this type
 * is shown: an integer's digits (an enumeration's or flags value's unnamed
 * rest, an errno or descriptor without a name), and with hex, a pointer's,
 * a ByteArray's or an AsciiString's bytes as hex digits; an array's, its
 * elements'. Not a float, a boolean, a structure, a wide string, an address. */
static int shown_in_base(const cfg *g, uint32_t type, uint32_t elem, int octal)
{
  switch (kind_of(g, type)) {
  case OSPY_KIND_INT: case OSPY_KIND_ENUM: case OSPY_KIND_FLAGS: case OSPY_KIND_ERRNO:
  case OSPY_KIND_FD: case OSPY_KIND_DYNAMIC:
    return 1;
  case OSPY_KIND_POINTER: case OSPY_KIND_BYTES:
    return !octal;
  case OSPY_KIND_STRING:
    return !octal && g->t->types[type].width == 1;
  case OSPY_KIND_ARRAY:
    return elem == OSPY_SPEC_NONE || shown_in_base(g, elem, OSPY_SPEC_NONE, octal);
  default:
    return 0;
  }
}

/* Whether marshalAs (the width an integer is read with) applies to this type:
 * the integers, enumerations and other scalars read as one; not a float, a
 * string, a buffer, an array (its elements are read as their type), a
 * structure. */
static int read_as_integer(const cfg *g, uint32_t type)
{
  switch (kind_of(g, type)) {
  case OSPY_KIND_INT: case OSPY_KIND_BOOL: case OSPY_KIND_POINTER: case OSPY_KIND_ENUM:
  case OSPY_KIND_FLAGS: case OSPY_KIND_IPV4: case OSPY_KIND_ERRNO: case OSPY_KIND_FD:
  case OSPY_KIND_DYNAMIC:
    return 1;
  default:
    return 0;
  }
}

void cfg_unused_type_attrs(cfg *g, xmlNodePtr n, const char *what, const char *tn,
                           ospy_spec_typeref *r)
{
  if (r->type >= g->t->ntypes)
    return; /* (unknown: said where it is named) */
  int array = kind_of(g, r->type) == OSPY_KIND_ARRAY;
  if (cfg_attr(g, n, "elementType") && !array) {
    cfg_warning(g, cfg_pos_attr_name(g, n, "elementType"), "elementType on %s of type %s is "
                "not used: it gives the type of an Array's or ArrayPtr's elements", what, tn);
    r->elem_type = OSPY_SPEC_NONE;
    r->elem_ptr = 0;
  }
  uint32_t elem = array ? r->elem_type : OSPY_SPEC_NONE;
  if (r->hex && !shown_in_base(g, r->type, elem, 0)) {
    cfg_warning(g, cfg_pos_attr_name(g, n, "hex"), "hex on %s of type %s is not used: it "
                "shows an integer in hex (and a ByteArray's or AsciiString's bytes as hex "
                "digits)", what, tn);
    r->hex = 0;
  }
  if (r->octal && !shown_in_base(g, r->type, elem, 1)) {
    cfg_warning(g, cfg_pos_attr_name(g, n, "octal"), "octal on %s of type %s is not used: it "
                "shows an integer in octal", what, tn);
    r->octal = 0;
  }
  if (cfg_attr(g, n, "marshalAs") && !read_as_integer(g, r->type)) {
    cfg_warning(g, cfg_pos_attr_name(g, n, "marshalAs"), "marshalAs on %s of type %s is not "
                "used: it gives an integer, an enumeration or a flags value the width and "
                "signedness it is read with", what, tn);
    r->marshal_as = OSPY_SPEC_NONE;
  }
}

int cfg_arch_attr(cfg *g, xmlNodePtr n)
{
  const char *v = cfg_attr(g, n, "arch");
  if (!v)
    return 0;
  if (!strcmp(v, "x86-64"))
    return 64;
  if (!strcmp(v, "i386"))
    return 32;
  cfg_error(g, cfg_pos_attr(g, n, "arch"), "bad arch '%s': expected x86-64 or i386", v);
  return -1;
}

/* arch="x86-64|i386" on a <structure>: 64, 32, 0 when absent, -1 when bad
   (reported). */
static int struct_arch(cfg *g, xmlNodePtr n)
{
  return cfg_is(n, "structure") ? cfg_arch_attr(g, n) : 0;
}

/* Remember a structure's name and arch; report a second one that would apply
   to the same architecture (whichever the target is). 0 or -1. */
static int note_struct(cfg *g, xmlNodePtr n, const char *name, unsigned arch)
{
  uint32_t last = cfg_names_find(&g->decl_names, name);
  for (size_t i = last; last != OSPY_SPEC_NONE && i != SIZE_MAX; i = g->decls[i].prev_same) {
    const cfg_decl *d = &g->decls[i];
    if (d->arch_bits && arch && d->arch_bits != arch)
      continue;
    if (arch)
      cfg_error(g, cfg_pos_attr(g, n, "name"), "duplicate type '%s' for arch %s", name,
                arch == 64 ? "x86-64" : "i386");
    else
      cfg_error(g, cfg_pos_attr(g, n, "name"), "duplicate type '%s'", name);
    return -1;
  }
  if (g->ndecls == g->capdecls) {
    size_t cap = g->capdecls ? 2 * g->capdecls : 16;
    cfg_decl *d = realloc(g->decls, cap * sizeof *d);
    if (!d)
      return 0; /* only duplicate detection across arches is lost */
    g->decls = d;
    g->capdecls = cap;
  }
  size_t prev = last == OSPY_SPEC_NONE ? SIZE_MAX : last;
  g->decls[g->ndecls] = (cfg_decl){ name, arch, n, prev };
  /* the map holds the last declaration of each name, which links to the others */
  cfg_name_slot *slot = cfg_names_slot(&g->decl_names, name);
  if (slot)
    slot->value = (uint32_t)g->ndecls;
  g->ndecls++;
  return 0;
}

/* Pass 1: declare every type name, so that types may refer to later ones. */
static void declare(cfg *g, xmlNodePtr n)
{
  static const char *const enum_attrs[] = { "name", "flags", NULL };
  static const char *const flags_attrs[] = { "name", NULL };
  static const char *const struct_attrs[] = { "name", "arch", "size", NULL };
  int is_flags = cfg_is(n, "flags"); /* <flags>: issue 4's Flags, <enumeration flags="true"> */
  int is_enum = cfg_is(n, "enumeration") || is_flags;
  cfg_check_attrs(g, n, is_flags ? flags_attrs : is_enum ? enum_attrs : struct_attrs);
  const char *name = cfg_name_attr(g, n);
  if (!name)
    return;
  int arch = struct_arch(g, n);
  if (arch < 0 || (!is_enum && note_struct(g, n, name, (unsigned)arch) < 0))
    return;
  if (arch && arch != (int)g->c->arch_bits)
    return; /* a variant for the other architecture: left out of this table */
  ospy_spec_typeref r;
  if (cfg_is_named_int(name) ||
      (cfg_find_type(g, name, &r) == 0 && !r.ptr)) {
    cfg_error(g, cfg_pos_attr(g, n, "name"),
              cfg_is_named_int(name) || r.type < OSPY_SPEC_NBUILTIN
                ? "type '%s' redefines a built-in type"
                : "duplicate type '%s'",
              name);
    return;
  }
  int flags = is_flags;
  if (is_enum && !is_flags)
    cfg_attr_bool(g, n, "flags", &flags);
  ospy_spec_add_type(g->t, name,
                     is_enum ? (flags ? OSPY_KIND_FLAGS : OSPY_KIND_ENUM) : OSPY_KIND_STRUCT);
}

/* What the members of a flags type read so far hold, bit by bit (masks are
   32 bits): the members with a mask="M" (docs/config.md) and those without,
   each bit's first member of either kind, so that a conflict names the
   member it is with, without a scan of the members before. */
typedef struct mask_seen {
  uint32_t masks;               /* every bit some member's mask covers */
  uint32_t bits;                /* every bit some member without a mask sets */
  const char *mask_name[32];    /* per bit: the first member whose mask covers it, */
  xmlNodePtr mask_node[32];
  uint32_t mask_of[32];         /* and that mask */
  const char *bit_name[32];     /* per bit: the first member without a mask setting it */
  xmlNodePtr bit_node[32];
} mask_seen;

static unsigned lowest_bit(uint32_t x) { return (unsigned)__builtin_ctz(x); }

/* A member's mask="M": 0 when it has none; -1 when it is wrong (said): on an
   enumeration that is no flags type, 0 or past 32 bits, or not holding the
   member's value. */
static int64_t member_mask(cfg *g, xmlNodePtr c, const char *name, int64_t value, int is_flags)
{
  int64_t mask;
  int have = cfg_attr_int(g, c, "mask", &mask);
  if (have <= 0)
    return have;
  cfg_pos at = cfg_pos_attr(g, c, "mask");
  if (!is_flags) {
    cfg_error(g, at, "mask on member '%s' of an enumeration: a mask picks one of several "
              "values within a flags value (<flags>, or <enumeration flags=\"true\">)", name);
    return -1;
  }
  if (mask <= 0 || mask > (int64_t)UINT32_MAX) {
    cfg_error(g, at, "bad mask '%s' for member '%s': expected 0x1 to 0xffffffff, the bits "
              "that hold one of several values (O_ACCMODE's 0x3)", cfg_attr(g, c, "mask"), name);
    return -1;
  }
  if ((uint64_t)value & ~(uint64_t)mask) {
    cfg_error(g, at, "member '%s': value %s has bits outside its mask %s: a member's value "
              "lies within its mask", name, cfg_attr(g, c, "value"), cfg_attr(g, c, "mask"));
    return -1;
  }
  return mask;
}

/* Whether the member (mask 0: a bit member) contradicts one before it: two
   masks that share bits without being the same, a bit member's bits inside
   a mask (said, at the member's mask or value). */
static int mask_conflict(cfg *g, const mask_seen *s, xmlNodePtr c, const char *name,
                         uint32_t value, uint32_t mask)
{
  uint32_t shared = mask ? mask & s->masks : value & s->masks;
  if (shared && (!mask || s->mask_of[lowest_bit(shared)] != mask)) {
    unsigned b = lowest_bit(shared);
    cfg_error(g, cfg_pos_attr(g, c, mask ? "mask" : "value"),
              mask ? "member '%s': mask 0x%x shares bits with mask 0x%x of member '%s' "
                     "(line %u): the members of one mask give the same mask, and masks share "
                     "no bit"
                   : "member '%s': value 0x%x has bits of mask 0x%x of member '%s' (line %u): "
                     "a value within a mask is one of its members (mask=\"0x%x\" on this one)",
              name, mask ? mask : value, s->mask_of[b], s->mask_name[b],
              cfg_pos_elem(g, s->mask_node[b]).line, s->mask_of[b]);
    return 1;
  }
  if (mask && (mask & s->bits)) {
    unsigned b = lowest_bit(mask & s->bits);
    cfg_error(g, cfg_pos_attr(g, c, "mask"), "member '%s': mask 0x%x holds bit 0x%x of member "
              "'%s' (line %u), which has no mask: a value within a mask is one of its members "
              "(mask=\"0x%x\" on that one too)", name, mask, 1u << b, s->bit_name[b],
              cfg_pos_elem(g, s->bit_node[b]).line, mask);
    return 1;
  }
  return 0;
}

/* Notes a member kept, for the next ones' mask_conflict. */
static void mask_note(mask_seen *s, xmlNodePtr c, const char *name, uint32_t value,
                      uint32_t mask)
{
  uint32_t fresh = mask ? mask & ~s->masks : value & ~s->bits;
  for (uint32_t x = fresh; x; x &= x - 1) {
    unsigned b = lowest_bit(x);
    if (mask) {
      s->mask_name[b] = name, s->mask_node[b] = c, s->mask_of[b] = mask;
    } else {
      s->bit_name[b] = name, s->bit_node[b] = c;
    }
  }
  if (mask)
    s->masks |= mask;
  else
    s->bits |= value;
}

static void parse_enum(cfg *g, xmlNodePtr n, uint32_t ti)
{
  static const char *const member_attrs[] = { "name", "value", "mask", NULL };
  unsigned cap = count_children(n, "member");
  ospy_spec_member *m = cap ? ospy_spec_alloc(g->t, cap * sizeof *m) : NULL;
  unsigned k = 0;
  int is_flags = g->t->types[ti].kind == OSPY_KIND_FLAGS;
  mask_seen masks = { 0 };
  cfg_names_clear(&g->scratch); /* the members so far, by name */
  for (xmlNodePtr c = n->children; c; c = c->next) {
    if (!cfg_is(c, "member")) {
      cfg_unknown_child(g, c, n);
      continue;
    }
    cfg_check_attrs(g, c, member_attrs);
    const char *name = cfg_name_attr(g, c);
    int64_t v, mask = 0;
    int have = cfg_attr_int(g, c, "value", &v);
    if (!name)
      ; /* said */
    else if (have == 0)
      cfg_error(g, cfg_pos_elem(g, c), "<member> '%s' needs a 'value' attribute", name);
    else if (have > 0 && (v < INT32_MIN || v > (int64_t)UINT32_MAX))
      cfg_error(g, cfg_pos_attr(g, c, "value"), "member '%s': value %lld does not fit the "
                "enumeration's 32 bits", name, (long long)v);
    else if (have > 0 && cfg_names_add(&g->scratch, name, k) == 1)
      cfg_error(g, cfg_pos_attr(g, c, "name"), "duplicate member '%s' in '%s'", name,
                g->t->types[ti].name);
    else if (have > 0 && (mask = member_mask(g, c, name, v, is_flags)) >= 0 &&
             !(is_flags && mask_conflict(g, &masks, c, name, (uint32_t)v, (uint32_t)mask)) &&
             m) {
      if (is_flags)
        mask_note(&masks, c, name, (uint32_t)v, (uint32_t)mask);
      m[k].name = name;
      m[k].value = (uint64_t)v;
      m[k].mask = (uint64_t)mask;
      k++;
    }
  }
  g->t->types[ti].members = m;
  g->t->types[ti].nmembers = k;
  g->t->types[ti].is_signed = (uint8_t)ospy_spec_enum_signed(&g->t->types[ti]);
}

/* The name of a field's type, as far as the table tells it: with "Ptr"
   after it for a pointer (type_ptr_suffix), an array of pointers being an
   ArrayPtr. */
static const char *type_base_name(const cfg *g, const ospy_spec_field *f)
{
  const char *n = f->t.type < g->t->ntypes ? g->t->types[f->t.type].name : NULL;
  return n ? n : "?";
}

static const char *type_ptr_suffix(const ospy_spec_field *f) { return f->t.ptr ? "Ptr" : ""; }

/* Whether a field's value can be a size or a count: a plain integer
   (Int8..Int64, UInt8..UInt64, Size, SSize), as the agent reads it. A
   pointer was read as a count (1140 words of stack dumped for an array), a
   string's or structure's first bytes as a size. */
static int holds_integer(const cfg *g, const ospy_spec_field *f)
{
  return !f->t.ptr && kind_of(g, f->t.type) == OSPY_KIND_INT;
}

/* The slot a binding of property prop fills on field f, or NULL when f
   cannot take one (said): a size for a ByteArray, a SockAddr or a string
   (not one fixed by size="N" already), an elementCount for an Array. */
static uint32_t *binding_slot(cfg *g, xmlNodePtr b, ospy_spec_field *f, const char *prop)
{
  cfg_pos at = prop ? cfg_pos_attr(g, b, "propertyName") : cfg_pos_elem(g, b);
  const char *fname = f->name ? f->name : "";
  int known = f->t.type < g->t->ntypes; /* (an unknown type is reported where it is named) */
  const char *tn = type_base_name(g, f), *tp = type_ptr_suffix(f);
  if (prop && !strcmp(prop, "size")) {
    if (known && (f->t.type == OSPY_BT_ARRAY || !cfg_type_takes_size(g, &f->t))) {
      cfg_error(g, at, "bindTypeProperty size on field '%s' of type %s%s: a size is bound on a "
                "ByteArray, SockAddr or string field (an Array's count: propertyName="
                "\"elementCount\")", fname, tn, tp);
      return NULL;
    }
    if (f->size) {
      cfg_error(g, at, "field '%s' has a fixed size already (size=\"%u\"): its size is either "
                "fixed or bound, not both", fname, f->size);
      return NULL;
    }
    return &f->size_field;
  }
  if (prop && !strcmp(prop, "elementCount")) {
    if (known && f->t.type != OSPY_BT_ARRAY) {
      cfg_error(g, at, "bindTypeProperty elementCount on field '%s' of type %s%s: an "
                "elementCount is bound on an Array or ArrayPtr field (a buffer's bytes: "
                "propertyName=\"size\")", fname, tn, tp);
      return NULL;
    }
    if (f->size) {
      cfg_error(g, at, "field '%s' has a fixed elementCount already", fname);
      return NULL;
    }
    return &f->count_field;
  }
  cfg_error(g, at, "bad propertyName '%s': expected size or elementCount", prop ? prop : "");
  return NULL;
}

/* <bindTypeProperty propertyName="size|elementCount" sourceField="f"/>: the
   size or count of field f held in another field of the structure, an
   integer (docs/config.md); the structure's fields are in g->scratch by
   name. */
static void parse_binding(cfg *g, xmlNodePtr b, ospy_spec_field *f, const ospy_spec_field *all,
                          unsigned nall, const char *sname)
{
  static const char *const attrs[] = { "propertyName", "sourceField", NULL };
  cfg_check_attrs(g, b, attrs);
  const char *prop = cfg_attr(g, b, "propertyName");
  const char *src = cfg_attr(g, b, "sourceField");
  uint32_t *slot = binding_slot(g, b, f, prop);
  if (!slot)
    return;
  const char *fname = f->name ? f->name : "";
  if (*slot != OSPY_SPEC_NONE) {
    cfg_error(g, cfg_pos_elem(g, b), "field '%s' has its %s bound already (to '%s')", fname,
              prop, all[*slot].name ? all[*slot].name : "");
    return;
  }
  uint32_t i = src ? cfg_names_find(&g->scratch, src) : OSPY_SPEC_NONE;
  if (i == OSPY_SPEC_NONE && src && g->names_failed) /* (the map is short of memory) */
    for (i = 0; i < nall && (!all[i].name || strcmp(all[i].name, src)); i++)
      ;
  if (i == OSPY_SPEC_NONE || i >= nall) {
    cfg_error(g, src ? cfg_pos_attr(g, b, "sourceField") : cfg_pos_elem(g, b),
              "unknown field '%s' in structure '%s'", src ? src : "", sname);
    return;
  }
  if (&all[i] == f)
    cfg_error(g, cfg_pos_attr(g, b, "sourceField"), "field '%s' takes its %s from itself: "
              "sourceField names the integer field that holds it", fname, prop);
  else if (all[i].t.type < g->t->ntypes && !holds_integer(g, &all[i]))
    cfg_error(g, cfg_pos_attr(g, b, "sourceField"), "field '%s' takes its %s from field '%s' "
              "of type %s%s: a size or count is read from an integer field (Int8 to Int64, "
              "UInt8 to UInt64, Size, SSize)", fname, prop, src, type_base_name(g, &all[i]),
              type_ptr_suffix(&all[i]));
  else
    *slot = i;
}

/* The bytes one element of an Array field takes (0: not known here). */
static unsigned elem_extent(cfg *g, const ospy_spec_typeref *r)
{
  ospy_spec_typeref e = { .type = r->elem_type, .ptr = r->elem_ptr,
                          .marshal_as = OSPY_SPEC_NONE, .elem_type = OSPY_SPEC_NONE };
  return ospy_spec_element_size(g->t, &e);
}

static unsigned field_extent(cfg *g, const ospy_spec_field *f)
{
  unsigned w = ospy_spec_scalar_width(g->t, &f->t);
  if (!w && f->t.type < g->t->ntypes && g->t->types[f->t.type].kind == OSPY_KIND_STRUCT)
    w = g->t->types[f->t.type].size;
  if (!w && f->t.type == OSPY_BT_ARRAY && !f->t.ptr)
    w = f->size * elem_extent(g, &f->t); /* size: the element count */
  else if (!w)
    w = f->size;
  return f->offset + w;
}

static uint32_t struct_align(const cfg *g, uint32_t ti);

/* The alignment C gives a field of this type: its width, at most 8 (4 for
 * 8-byte scalars on i386, as the SysV i386 ABI lays out structures); a
 * structure's, its widest field's (worked out with its size); an inline
 * array's, its element's. */
static unsigned type_align(cfg *g, const ospy_spec_typeref *r)
{
  unsigned word = g->t->ptr_size;
  if (r->ptr)
    return word;
  unsigned w = ospy_spec_scalar_width(g->t, r);
  if (w)
    return w > word ? word : w;
  if (r->type >= g->t->ntypes)
    return 1;
  if (g->t->types[r->type].kind == OSPY_KIND_ARRAY && r->elem_type != OSPY_SPEC_NONE) {
    /* an inline array (C's int v[2]) is aligned as its elements */
    ospy_spec_typeref e = { .type = r->elem_type, .ptr = r->elem_ptr,
                            .marshal_as = OSPY_SPEC_NONE, .elem_type = OSPY_SPEC_NONE };
    return type_align(g, &e);
  }
  if (g->t->types[r->type].kind != OSPY_KIND_STRUCT)
    return 1;
  return struct_align(g, r->type);
}

/* elementCount="N" on an Array field: a fixed count (C's `int vals[4]`
 * inside the structure, or an ArrayPtr to always N), kept in the field's size
 * word, which an array has no other use for (spec.h). */
static void parse_field_count(cfg *g, xmlNodePtr c, ospy_spec_field *f)
{
  int64_t n;
  int got = cfg_attr_int(g, c, "elementCount", &n);
  if (got <= 0)
    return; /* absent, or not an integer (said by cfg_attr_int) */
  if (f->t.type != OSPY_BT_ARRAY) {
    cfg_error(g, cfg_pos_attr(g, c, "elementCount"),
              "elementCount applies to a field of type Array or ArrayPtr");
    return;
  }
  if (cfg_attr(g, c, "size")) {
    cfg_error(g, cfg_pos_attr(g, c, "size"), "an Array field counts elements: elementCount, "
              "not size");
    return;
  }
  if (n < 1 || n > 1 << 20) {
    cfg_error(g, cfg_pos_attr(g, c, "elementCount"),
              "bad elementCount '%s': expected an integer from 1 to 1048576 (a count that "
              "varies: <bindTypeProperty propertyName=\"elementCount\" sourceField=...>)",
              cfg_attr(g, c, "elementCount"));
    return;
  }
  f->size = (uint32_t)n;
}

/* size="N" on a field: a boolean's width, a ByteArray's bytes (or a
 * SockAddr's bound); on any other type it means nothing, and says so. */
static void parse_field_size(cfg *g, xmlNodePtr c, ospy_spec_field *f)
{
  int64_t size;
  if (cfg_parse_bool_size(g, c, &f->t) || !cfg_attr(g, c, "size"))
    return;
  if (cfg_attr_int(g, c, "size", &size) > 0 && (size < 1 || size >= 1 << 24))
    /* (was taken as no size: an inline ByteArray was shown as ?) */
    cfg_error(g, cfg_pos_attr(g, c, "size"), "bad size '%s' for field '%s': expected a number "
              "of bytes from 1 to 16777215 (a size that varies: <bindTypeProperty "
              "propertyName=\"size\" sourceField=...>)", cfg_attr(g, c, "size"),
              f->name ? f->name : "");
  else if (size > 0)
    f->size = (uint32_t)size;
  if (!cfg_type_takes_size(g, &f->t) && f->t.type != OSPY_BT_ARRAY) /* (its count: below) */
    cfg_warning(g, cfg_pos_attr_name(g, c, "size"), "size on field '%s' of type %s is not "
                "used: it gives the bytes of a ByteArray (or bounds a SockAddr or a string), and the "
                "width of a Boolean, CPPBool or MSBool", f->name ? f->name : "",
                cfg_attr(g, c, "type"));
}

/* direction="out" on a field (extension): the callee fills it, so it is
 * read when the call returns only (src/agent/marshal.c). "in/out", what a
 * field is without the attribute, may be said; "in" may not: a field is
 * never left out at the return. */
static void parse_field_direction(cfg *g, xmlNodePtr c, ospy_spec_field *f)
{
  const char *dir = cfg_attr(g, c, "direction");
  if (!dir || !strcmp(dir, "in/out"))
    return;
  if (!strcmp(dir, "out")) {
    f->out_only = 1;
    return;
  }
  cfg_error(g, cfg_pos_attr(g, c, "direction"), "bad direction '%s' for field '%s': expected "
            "out (the call fills it: read when it returns only) or in/out (the default: read "
            "when it enters and when it returns)", dir, f->name ? f->name : "");
}

static void parse_field(cfg *g, xmlNodePtr c, ospy_spec_field *f)
{
  static const char *const attrs[] = { "name", "offset", "type", "marshalAs", "endian",
                                       "hex", "octal", "elementType", "size", "elementCount",
                                       "direction", NULL };
  cfg_check_attrs(g, c, attrs);
  f->name = cfg_name_attr(g, c); /* NULL: missing or empty, said */
  f->size_field = f->count_field = OSPY_SPEC_NONE;
  f->t.type = OSPY_SPEC_NONE;
  int64_t off;
  if (cfg_attr_int(g, c, "offset", &off) == 0)
    cfg_error(g, cfg_pos_elem(g, c), "<field> '%s' needs an 'offset' attribute",
              f->name ? f->name : "");
  else if (off < 0 || off > 1 << 20)
    cfg_error(g, cfg_pos_attr(g, c, "offset"), "offset %lld out of range", (long long)off);
  f->offset = off >= 0 && off <= 1 << 20 ? (uint32_t)off : 0;
  parse_field_direction(g, c, f);
  const char *type = cfg_attr(g, c, "type");
  if (!type) {
    cfg_error(g, cfg_pos_elem(g, c), "<field> '%s' needs a 'type' attribute",
              f->name ? f->name : "");
    return;
  }
  if (cfg_double_ptr_lookup(g, type, &f->t) < 0 && resolve_type(g, c, "type", type, &f->t) < 0)
    return; /* (a FooPtrPtr's count of 1 is given after its bindings: parse_struct) */
  cfg_parse_radix(g, c, &f->t);
  const char *endian = cfg_attr(g, c, "endian");
  if (endian && strcmp(endian, "big") && strcmp(endian, "little"))
    cfg_error(g, cfg_pos_attr(g, c, "endian"), "bad endian '%s': expected big or little", endian);
  f->t.big_endian = endian && !strcmp(endian, "big");
  cfg_parse_marshal_as(g, c, &f->t);
  parse_field_size(g, c, f);
  const char *et = cfg_attr(g, c, "elementType");
  ospy_spec_typeref er;
  if (et && resolve_type(g, c, "elementType", et, &er) == 0) {
    f->t.elem_type = er.type;
    f->t.elem_ptr = er.ptr;
  }
  char *what = NULL; /* (a long name was cut at 80 characters or so) */
  cfg_unused_type_attrs(g, c, asprintf(&what, "field '%s'", f->name ? f->name : "") < 0
                                ? "a field" : what, type, &f->t);
  free(what);
  if (f->t.type == OSPY_BT_ARRAY && !et && f->t.elem_type == OSPY_SPEC_NONE)
    /* (an unknown one is reported above; a FooPtrPtr has its own) */
    cfg_error(g, cfg_pos_attr(g, c, "type"), "field '%s' of type Array needs an elementType",
              f->name ? f->name : "");
  parse_field_count(g, c, f);
}

static unsigned field_extent(cfg *g, const ospy_spec_field *f);

/* Whether field node c has a <bindTypeProperty>, good or bad (a bad one is
   reported where it is, and says what the field takes). */
static int has_binding(xmlNodePtr c)
{
  for (xmlNodePtr b = c->children; b; b = b->next)
    if (cfg_is(b, "bindTypeProperty"))
      return 1;
  return 0;
}

/* A ByteArray or ByteArrayPtr field needs its bytes, as an argument does:
   without them it was accepted and shown as buf=?. */
static void check_field_size_given(cfg *g, xmlNodePtr c, const ospy_spec_field *f)
{
  if (kind_of(g, f->t.type) != OSPY_KIND_BYTES || f->size || f->size_field != OSPY_SPEC_NONE ||
      cfg_attr(g, c, "size") || has_binding(c))
    return; /* (a bad size or binding is reported already) */
  cfg_error(g, cfg_pos_elem(g, c), "field '%s' of type %s needs a size: size=\"N\" (its "
            "bytes), or <bindTypeProperty propertyName=\"size\" sourceField=...> (an integer "
            "field that holds them)", f->name ? f->name : "", cfg_attr(g, c, "type"));
}

/* The bytes the fields cover (without trailing padding). */
static unsigned size_needed(const ospy_spec_field *fs, unsigned k, cfg *g)
{
  unsigned end = 0;
  for (unsigned i = 0; i < k; i++)
    if (fs[i].t.type != OSPY_SPEC_NONE && field_extent(g, &fs[i]) > end)
      end = field_extent(g, &fs[i]);
  return end;
}

static void note_struct_src(cfg *g, xmlNodePtr n, uint32_t ti);

/* A field whose size or count is held in a direction="out" field is read
 * when the call returns only, as that field is: at the entry the count is
 * whatever the caller left there. (A source field is an integer, bound to
 * nothing itself: one pass.) */
static void sized_at_return(ospy_spec_field *fs, unsigned k)
{
  for (unsigned i = 0; i < k; i++) {
    uint32_t sf = fs[i].size_field, cf = fs[i].count_field;
    if ((sf < k && fs[sf].out_only) || (cf < k && fs[cf].out_only))
      fs[i].out_only = 1;
  }
}

static void parse_struct(cfg *g, xmlNodePtr n, uint32_t ti)
{
  unsigned cap = count_children(n, "field");
  ospy_spec_field *fs = cap ? ospy_spec_alloc(g->t, cap * sizeof *fs) : NULL;
  unsigned k = 0;
  cfg_names_clear(&g->scratch); /* the fields so far, by name */
  for (xmlNodePtr c = n->children; c; c = c->next) {
    if (!cfg_is(c, "field")) {
      cfg_unknown_child(g, c, n);
      continue;
    }
    if (!fs)
      continue;
    parse_field(g, c, &fs[k]);
    int added = fs[k].name ? cfg_names_add(&g->scratch, fs[k].name, k) : 0;
    if (added < 0)
      g->names_failed = 1;
    if (added == 1)
      cfg_error(g, cfg_pos_attr(g, c, "name"), "duplicate field '%s' in structure '%s'",
                fs[k].name, g->t->types[ti].name);
    k++;
  }
  /* bindings may name any field of the structure */
  k = 0;
  for (xmlNodePtr c = n->children; c && fs; c = c->next) {
    if (!cfg_is(c, "field"))
      continue;
    ospy_spec_field *f = &fs[k++];
    for (xmlNodePtr b = c->children; b; b = b->next) {
      if (cfg_is(b, "bindTypeProperty"))
        parse_binding(g, b, f, fs, cap, g->t->types[ti].name);
      else
        cfg_unknown_child(g, b, c);
    }
    check_field_size_given(g, c, f);
    int counted = f->size || f->count_field != OSPY_SPEC_NONE || cfg_attr(g, c, "elementCount") ||
                  has_binding(c); /* (a bad one is reported already) */
    if (f->t.type == OSPY_BT_ARRAY && f->t.elem_type != OSPY_SPEC_NONE && !counted &&
        is_double_ptr_name(cfg_attr(g, c, "type")))
      f->size = 1; /* FooPtrPtr: the one FooPtr it points to (an Array's size word) */
    else if (f->t.type == OSPY_BT_ARRAY && f->t.elem_type != OSPY_SPEC_NONE && !counted)
      cfg_error(g, cfg_pos_elem(g, c), "Array field '%s' needs its element count: "
                "elementCount=\"N\", or <bindTypeProperty propertyName=\"elementCount\" "
                "sourceField=...>", f->name ? f->name : "");
  }
  for (unsigned i = 0; i < k; i++)
    if (fs[i].t.type == OSPY_SPEC_NONE)
      fs[i].t.type = OSPY_BT_UINT8; /* already reported; keep the table valid */
  sized_at_return(fs, k);
  ospy_spec_type *ty = &g->t->types[ti];
  ty->fields = fs;
  ty->nfields = k;
  ty->size = 0; /* struct_layouts, once every structure's fields are known */
  note_struct_src(g, n, ti);
}

/* The <structure> element type ti was parsed from (the target's variant). */
static xmlNodePtr struct_node(const cfg *g, uint32_t ti)
{
  return ti < g->nstruct_src ? g->struct_src[ti].node : NULL;
}

/* Remember where structure ti comes from and its size="N", read once. */
static void note_struct_src(cfg *g, xmlNodePtr n, uint32_t ti)
{
  if (ti >= g->nstruct_src) {
    uint32_t cap = g->nstruct_src ? g->nstruct_src : 64;
    while (cap <= ti)
      cap *= 2;
    cfg_struct_src *p = realloc(g->struct_src, cap * sizeof *p);
    if (!p)
      return; /* its size is then C's, a size="N" unused: only on out of memory */
    memset(p + g->nstruct_src, 0, (cap - g->nstruct_src) * sizeof *p);
    g->struct_src = p;
    g->nstruct_src = cap;
  }
  cfg_struct_src *src = &g->struct_src[ti];
  src->node = n;
  src->has_size = cfg_attr_int(g, n, "size", &src->size) == 1;
}

/* The size="N" of structure ti; NULL when it has none. */
static const int64_t *given_size(const cfg *g, uint32_t ti)
{
  return ti < g->nstruct_src && g->struct_src[ti].has_size ? &g->struct_src[ti].size : NULL;
}

/* The alignment of structure ti, once its layout is worked out (1 before). */
static uint32_t struct_align(const cfg *g, uint32_t ti)
{
  return ti < g->nstruct_src && g->struct_src[ti].align ? g->struct_src[ti].align : 1;
}

/* sizeof structure ti, once the structures it holds are laid out: the
 * fields' extent rounded up to its alignment, as C pads it (the stride of an
 * array of them), or size="N" when given (a packed structure, or trailing
 * members left undescribed; 0 when it is bad). Its alignment is kept. */
static void lay_out(cfg *g, uint32_t ti)
{
  ospy_spec_type *ty = &g->t->types[ti];
  unsigned align = 1;
  for (uint32_t i = 0; i < ty->nfields; i++) {
    unsigned fa = type_align(g, &ty->fields[i].t);
    align = fa > align ? fa : align;
  }
  if (ti < g->nstruct_src)
    g->struct_src[ti].align = align;
  unsigned needed = size_needed(ty->fields, ty->nfields, g);
  const int64_t *given = given_size(g, ti);
  if (given)
    ty->size = *given >= 0 && *given >= needed && *given <= (1 << 20) ? (uint32_t)*given : 0;
  else
    ty->size = (needed + align - 1) / align * align;
}

static void report_bad_size(cfg *g, uint32_t ti)
{
  const int64_t *given = given_size(g, ti);
  unsigned needed = size_needed(g->t->types[ti].fields, g->t->types[ti].nfields, g);
  cfg_pos at = cfg_pos_attr(g, struct_node(g, ti), "size");
  if (*given < 0) /* (was taken as no size: the structure was 0 bytes) */
    cfg_error(g, at, "structure size %lld is negative: size=\"N\" gives its size in bytes "
              "(its fields take %u)", (long long)*given, needed);
  else if (*given > (1 << 20))
    cfg_error(g, at, "structure size %lld is above 1 MiB, the largest a structure may be",
              (long long)*given);
  else if (*given < needed)
    cfg_error(g, at, "structure size %lld is smaller than its fields (%u bytes)",
              (long long)*given, needed);
  else /* 0 for a structure without fields: 0 is the size that says "bad" */
    cfg_error(g, at, "structure size 0: a size=\"N\" is 1 byte or more (a structure without "
              "fields and without size is empty)");
}

/* The structure a field holds by value, itself or as the elements of an
 * inline array (`S s`, `S v[2]`); NONE for anything else. */
static uint32_t struct_held(const cfg *g, const ospy_spec_typeref *r)
{
  uint32_t t = r->type;
  if (!r->ptr && t == OSPY_BT_ARRAY && !r->elem_ptr)
    t = r->elem_type;
  else if (r->ptr)
    return OSPY_SPEC_NONE;
  return t < g->t->ntypes && g->t->types[t].kind == OSPY_KIND_STRUCT ? t : OSPY_SPEC_NONE;
}

/* A structure that holds itself by value, directly or through others
 * (A { B b; }, B { A a; }), has no size: it was accepted and showed nested
 * garbage. Said once per loop, at its first structure, naming that
 * structure's field on the loop; a pointer is fine. */
static void report_loop(cfg *g, uint32_t lowest, const uint32_t *group, uint32_t first)
{
  const ospy_spec_type *ty = &g->t->types[lowest];
  const char *field = "?";
  for (uint32_t i = 0; i < ty->nfields; i++) {
    uint32_t held = struct_held(g, &ty->fields[i].t);
    if (held != OSPY_SPEC_NONE && held >= first && group[held - first] == group[lowest - first]) {
      field = ty->fields[i].name;
      break;
    }
  }
  cfg_error(g, cfg_pos_attr(g, struct_node(g, lowest), "name"), "structure '%s' contains "
            "itself by value (field '%s'): a field can hold it only through a pointer (%sPtr)",
            ty->name, field, ty->name);
}

/* One structure of the walk: Tarjan's strongly connected components over
 * "holds by value". */
typedef struct layout_node {
  uint32_t index, low; /* NONE: not reached yet */
  uint32_t next_field; /* the next of its fields to follow */
  int on_stack;
} layout_node;

typedef struct layout_walk {
  cfg *g;
  uint32_t first, count;
  layout_node *nodes;   /* structure first + i */
  uint32_t *component;  /* Tarjan's stack */
  uint32_t *path;       /* the walk's own stack (no recursion: chains may be long) */
  uint32_t ncomponent, npath, next_index;
  uint32_t *group;      /* each one's component (the index of its root), once done */
} layout_walk;

static int held_in_walk(const layout_walk *w, const ospy_spec_field *f, uint32_t *node)
{
  uint32_t held = struct_held(w->g, &f->t);
  if (held == OSPY_SPEC_NONE || held < w->first || held - w->first >= w->count)
    return 0; /* (one of an earlier <types>: laid out already) */
  *node = held - w->first;
  return 1;
}

static void reach(layout_walk *w, uint32_t v)
{
  w->nodes[v].index = w->nodes[v].low = w->next_index++;
  w->nodes[v].on_stack = 1;
  w->component[w->ncomponent++] = v;
  w->path[w->npath++] = v;
}

/* The component rooted at v is complete, and every structure it holds
 * outside it is laid out (Tarjan finds components in that order): lay its
 * structures out; a component of several, or of one holding itself, is a
 * loop. */
static void complete(layout_walk *w, uint32_t v)
{
  cfg *g = w->g;
  uint32_t lowest = UINT32_MAX, members = 0, u;
  do {
    u = w->component[--w->ncomponent];
    w->nodes[u].on_stack = 0;
    w->group[u] = v;
    lowest = u < lowest ? u : lowest;
    members++;
  } while (u != v);
  int loop = members > 1;
  const ospy_spec_type *ty = &g->t->types[w->first + v];
  for (uint32_t i = 0; i < ty->nfields && !loop; i++) {
    uint32_t h;
    loop = held_in_walk(w, &ty->fields[i], &h) && h == v;
  }
  for (uint32_t i = w->ncomponent; i < w->ncomponent + members; i++) {
    uint32_t ti = w->first + w->component[i];
    lay_out(g, ti);
    if (!loop && given_size(g, ti) && g->t->types[ti].size == 0)
      report_bad_size(g, ti); /* (a loop's sizes mean nothing: the loop is said) */
  }
  if (loop)
    report_loop(g, w->first + lowest, w->group, w->first);
}

static void walk_from(layout_walk *w, uint32_t root)
{
  reach(w, root);
  while (w->npath) {
    uint32_t v = w->path[w->npath - 1];
    const ospy_spec_type *ty = &w->g->t->types[w->first + v];
    if (w->nodes[v].next_field < ty->nfields) {
      uint32_t h;
      if (!held_in_walk(w, &ty->fields[w->nodes[v].next_field++], &h))
        continue;
      if (w->nodes[h].index == OSPY_SPEC_NONE)
        reach(w, h);
      else if (w->nodes[h].on_stack && w->nodes[h].index < w->nodes[v].low)
        w->nodes[v].low = w->nodes[h].index;
      continue;
    }
    w->npath--;
    if (w->npath) {
      uint32_t parent = w->path[w->npath - 1];
      if (w->nodes[v].low < w->nodes[parent].low)
        w->nodes[parent].low = w->nodes[v].low;
    }
    if (w->nodes[v].low == w->nodes[v].index)
      complete(w, v);
  }
}

/* Sizes and alignments of the structures types [first, ntypes), once all
 * are parsed (a field may hold a structure declared after its own), each
 * after those it holds by value; loops by value are errors. One walk over
 * the structures and their fields: sizes were settled round after round
 * before, each round over all structures (a chain of 2000 nested
 * structures took 18 s). */
static void struct_layouts(cfg *g, uint32_t first)
{
  layout_walk w = { .g = g, .first = first, .count = g->t->ntypes - first };
  w.nodes = malloc(w.count * sizeof *w.nodes + 1);
  w.component = malloc(w.count * sizeof *w.component + 1);
  w.path = malloc(w.count * sizeof *w.path + 1);
  w.group = malloc(w.count * sizeof *w.group + 1);
  if (!w.nodes || !w.component || !w.path || !w.group) {
    cfg_error(g, (cfg_pos){ 1, 1, NULL, 0 }, "out of memory");
    goto out;
  }
  for (uint32_t i = 0; i < w.count; i++)
    w.nodes[i] = (layout_node){ .index = OSPY_SPEC_NONE, .low = OSPY_SPEC_NONE };
  for (uint32_t i = 0; i < w.count; i++)
    if (g->t->types[first + i].kind == OSPY_KIND_STRUCT && w.nodes[i].index == OSPY_SPEC_NONE)
      walk_from(&w, i);
out:
  free(w.nodes);
  free(w.component);
  free(w.path);
  free(w.group);
}

/* A structure given for the target's architecture only: the config checks
 * clean for this target, and fails for the other one wherever the structure
 * is used; said here, since `ospy check` checks one architecture. A name
 * another element of any <types> section has too is paired: a variant, or a
 * clash reported. */
static void warn_single_arch_structs(cfg *g, xmlNodePtr root, size_t from)
{
  cfg_names_clear(&g->scratch); /* name -> how many elements of the sections have it */
  for (xmlNodePtr types = root->children; types; types = types->next)
    for (xmlNodePtr n = cfg_is(types, "types") ? types->children : NULL; n; n = n->next) {
      const char *name = n->type == XML_ELEMENT_NODE ? cfg_attr(g, n, "name") : NULL;
      cfg_name_slot *slot = name ? cfg_names_slot(&g->scratch, name) : NULL;
      if (slot)
        slot->value = slot->value == OSPY_SPEC_NONE ? 1 : slot->value + 1;
      else if (name)
        return; /* out of memory: no warning rather than a wrong one */
    }
  for (size_t i = from; i < g->ndecls; i++) {
    const cfg_decl *d = &g->decls[i];
    if (d->arch_bits != g->c->arch_bits || cfg_names_find(&g->scratch, d->name) > 1)
      continue;
    const char *other = arch_name(d->arch_bits == 64 ? 32 : 64);
    cfg_warning(g, cfg_pos_attr(g, d->node, "arch"),
                "structure '%s' is declared only for %s: for %s targets it is unknown (ospy "
                "check --arch %s)", d->name, arch_name(d->arch_bits), other, other);
  }
}

static int is_type_element(xmlNodePtr n)
{
  return cfg_is(n, "enumeration") || cfg_is(n, "flags") || cfg_is(n, "structure");
}

/* Pass 1 over one <types> section: its type names declared. */
static void declare_section(cfg *g, xmlNodePtr types)
{
  static const char *const none[] = { NULL };
  cfg_check_attrs(g, types, none);
  for (xmlNodePtr n = types->children; n; n = n->next) {
    if (is_type_element(n))
      declare(g, n);
    else
      cfg_unknown_child(g, n, types);
  }
}

/* Pass 2 over one <types> section: members and fields, each type into the
 * index pass 1 gave it; *ti: the index of the next type declared. */
static void parse_section(cfg *g, xmlNodePtr types, uint32_t *ti)
{
  for (xmlNodePtr n = types->children; n; n = n->next) {
    if (!is_type_element(n))
      continue;
    const char *arch = cfg_is(n, "structure") ? cfg_attr(g, n, "arch") : NULL;
    if (arch && strcmp(arch, g->c->arch_bits == 32 ? "i386" : "x86-64"))
      continue; /* another target's variant (or a bad arch, reported) */
    const char *name = cfg_attr(g, n, "name");
    if (*ti >= g->t->ntypes || !name || strcmp(g->t->types[*ti].name, name))
      continue; /* not declared (reported in pass 1) */
    if (cfg_is(n, "enumeration") || cfg_is(n, "flags"))
      parse_enum(g, n, *ti);
    else
      parse_struct(g, n, *ti);
    (*ti)++;
  }
}

/* Every <types> section's names are declared before any section's fields
 * are read: a structure may use a type declared after it, in its own
 * section or a later one. */
void cfg_parse_types(cfg *g, xmlNodePtr root)
{
  uint32_t first = g->t->ntypes;
  size_t first_decl = g->ndecls;
  for (xmlNodePtr n = root->children; n; n = n->next)
    if (cfg_is(n, "types"))
      declare_section(g, n);
  warn_single_arch_structs(g, root, first_decl);
  uint32_t ti = first;
  for (xmlNodePtr n = root->children; n; n = n->next)
    if (cfg_is(n, "types"))
      parse_section(g, n, &ti);
  struct_layouts(g, first);
}
