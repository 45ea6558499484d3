/* A function's signature from its DWARF (dwarf_signature.h). The types are
 * peeled of typedefs and qualifiers and mapped by what decides how a value
 * travels and reads (its size, signedness, whether it points to characters),
 * never by its name alone; what does not fit one of those kinds keeps the
 * whole function raw: one argument read wrong shifts the others. */
#include "capture/dwarf_signature.h"
#include "capture/symbolize_dwarf_die.h"

#include <dwarf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_ENUMERATORS 1024 /* (a larger enumeration is shown as its integer) */
#define MAX_PEEL 16          /* typedefs and qualifiers peeled, at most */

/* What a type read says: a kind, or that it keeps the function raw. */
enum { MAPPED = 0, UNMAPPABLE = -1, UNREADABLE = -2 };

static void say(char *why, size_t cap, const char *fmt, const char *text)
{
  snprintf(why, cap, fmt, text);
}

/* The type die's DW_AT_type: 1 and *out, 0 none (void), UNREADABLE. */
static int type_of(Dwarf_Die *die, Dwarf_Die *out)
{
  Dwarf_Attribute a;
  if (!dwarf_attr_integrate(die, DW_AT_type, &a))
    return 0;
  return dwarf_formref_die(&a, out) ? 1 : UNREADABLE;
}

static uint64_t udata(Dwarf_Die *die, unsigned name)
{
  Dwarf_Attribute a;
  Dwarf_Word v = 0;
  if (dwarf_attr_integrate(die, name, &a))
    dwarf_formudata(&a, &v);
  return v;
}

/* A type as the source spells it, for a note: "struct pt", "long double",
 * a typedef's name. */
static void type_text(Dwarf_Die *type, char *out, size_t cap)
{
  const char *name = dwarf_diename(type);
  const char *tag = "";
  switch (dwarf_tag(type)) {
  case DW_TAG_structure_type: tag = "struct "; break;
  case DW_TAG_union_type: tag = "union "; break;
  case DW_TAG_class_type: tag = "class "; break;
  case DW_TAG_enumeration_type: tag = "enum "; break;
  default: break;
  }
  snprintf(out, cap, "%s%s", tag, name ? name : "(anonymous)");
}

/* Typedefs and const/volatile/restrict peeled off *type: 1 a type is left,
 * 0 void ("const void"), UNREADABLE. *is_const: a const was peeled;
 * *wide: a typedef named wchar_t was (C's wchar_t is a typedef of int). */
static int peel(Dwarf_Die *type, int *is_const, int *wide)
{
  for (int depth = 0; depth < MAX_PEEL; depth++) {
    int tag = dwarf_tag(type);
    if (tag != DW_TAG_typedef && tag != DW_TAG_const_type && tag != DW_TAG_volatile_type &&
        tag != DW_TAG_restrict_type)
      return 1;
    if (tag == DW_TAG_const_type && is_const)
      *is_const = 1;
    const char *name = dwarf_diename(type);
    if (tag == DW_TAG_typedef && wide && name && !strcmp(name, "wchar_t"))
      *wide = 1;
    int rc = type_of(type, type);
    if (rc <= 0)
      return rc;
  }
  return UNREADABLE;
}

/* A base type (int, unsigned char, _Bool, double...) into v. */
static int map_base(Dwarf_Die *type, ospy_dwarf_value *v, char *why, size_t cap)
{
  uint64_t size = udata(type, DW_AT_byte_size);
  uint64_t enc = udata(type, DW_AT_encoding);
  char text[96];
  type_text(type, text, sizeof text);
  v->size = (uint8_t)size;
  switch (enc) {
  case DW_ATE_boolean:
    v->kind = OSPY_DWK_BOOL;
    if (size == 1) /* (CPPBool's width) */
      return MAPPED;
    break;
  case DW_ATE_signed: case DW_ATE_signed_char:
  case DW_ATE_unsigned: case DW_ATE_unsigned_char: case DW_ATE_UTF:
    v->kind = OSPY_DWK_INT;
    v->is_signed = enc == DW_ATE_signed || enc == DW_ATE_signed_char;
    if (size == 1 || size == 2 || size == 4 || size == 8)
      return MAPPED;
    break;
  case DW_ATE_float:
    v->kind = OSPY_DWK_FLOAT;
    if (size == 4 || size == 8)
      return MAPPED;
    break;
  default:
    break;
  }
  say(why, cap, "%s, a type ospy does not map", text);
  return UNMAPPABLE;
}

/* An enumerator's value, by its form (a negative one is written signed). */
static int enumerator_value(Dwarf_Die *e, int64_t *value)
{
  Dwarf_Attribute a;
  if (!dwarf_attr(e, DW_AT_const_value, &a))
    return -1;
  if (dwarf_whatform(&a) == DW_FORM_sdata || dwarf_whatform(&a) == DW_FORM_implicit_const) {
    Dwarf_Sword s;
    if (dwarf_formsdata(&a, &s) != 0)
      return -1;
    *value = s;
    return 0;
  }
  Dwarf_Word u;
  if (dwarf_formudata(&a, &u) != 0)
    return -1;
  *value = (int64_t)u;
  return 0;
}

static int add_enumerator(ospy_dwarf_value *v, const char *name, int64_t value)
{
  ospy_dwarf_enumerator *e = realloc(v->enumerators, (v->nenumerators + 1) * sizeof *e);
  if (!e)
    return -1;
  v->enumerators = e;
  if (!(e[v->nenumerators].name = strdup(name)))
    return -1;
  e[v->nenumerators++].value = value;
  return 0;
}

static void drop_enumerators(ospy_dwarf_value *v)
{
  for (size_t i = 0; i < v->nenumerators; i++)
    free(v->enumerators[i].name);
  free(v->enumerators);
  v->enumerators = NULL;
  v->nenumerators = 0;
}

/* The enumerators of a 4-byte enumeration into v; when they cannot all be
 * named (too many, a value past 32 bits, no memory) none are: the value is
 * shown as its integer. */
static void read_enumerators(Dwarf_Die *type, ospy_dwarf_value *v)
{
  Dwarf_Die e;
  if (dwarf_child(type, &e) != 0)
    return;
  do {
    int64_t value;
    const char *name = dwarf_diename(&e);
    if (dwarf_tag(&e) != DW_TAG_enumerator)
      continue;
    if (!name || enumerator_value(&e, &value) < 0 || value < INT32_MIN ||
        value > (int64_t)UINT32_MAX || v->nenumerators == MAX_ENUMERATORS ||
        add_enumerator(v, name, value) < 0) {
      drop_enumerators(v);
      return;
    }
  } while (dwarf_siblingof(&e, &e) == 0);
}

/* An enumeration by value: an integer of its size (its underlying type's
 * signedness, else signed when an enumerator is negative), named by its
 * enumerators when 4 bytes (the width an ospy enumeration reads). */
static int map_enum(Dwarf_Die *type, ospy_dwarf_value *v, char *why, size_t cap)
{
  uint64_t size = udata(type, DW_AT_byte_size);
  char text[96];
  type_text(type, text, sizeof text);
  if (size != 1 && size != 2 && size != 4 && size != 8) {
    say(why, cap, "%s, an enumeration of a size ospy does not map", text);
    return UNMAPPABLE;
  }
  v->kind = OSPY_DWK_INT;
  v->size = (uint8_t)size;
  Dwarf_Die under;
  if (type_of(type, &under) == 1 && peel(&under, NULL, NULL) == 1 &&
      dwarf_tag(&under) == DW_TAG_base_type) {
    uint64_t enc = udata(&under, DW_AT_encoding);
    v->is_signed = enc == DW_ATE_signed || enc == DW_ATE_signed_char;
  }
  if (size != 4)
    return MAPPED;
  read_enumerators(type, v);
  for (size_t i = 0; i < v->nenumerators; i++)
    if (v->enumerators[i].value < 0)
      v->is_signed = 1;
  if (v->nenumerators) {
    const char *name = dwarf_diename(type);
    v->kind = OSPY_DWK_ENUM;
    snprintf(v->type_name, sizeof v->type_name, "%s", name ? name : "");
  }
  return MAPPED;
}

/* A pointer or reference: to char a string (in and out when not const), to
 * wchar_t a wide string, else an address. */
static int map_pointer(Dwarf_Die *type, ospy_dwarf_value *v)
{
  Dwarf_Die to;
  int is_const = 0, wide = 0;
  v->kind = OSPY_DWK_POINTER;
  if (dwarf_tag(type) != DW_TAG_pointer_type || type_of(type, &to) != 1 ||
      peel(&to, &is_const, &wide) != 1 || dwarf_tag(&to) != DW_TAG_base_type)
    return MAPPED;
  const char *name = dwarf_diename(&to);
  uint64_t size = udata(&to, DW_AT_byte_size);
  if (name && !strcmp(name, "char") && size == 1)
    v->kind = OSPY_DWK_STRING;
  else if ((wide || (name && !strcmp(name, "wchar_t"))) && size == 4)
    v->kind = OSPY_DWK_WSTRING;
  v->writable = v->kind != OSPY_DWK_POINTER && !is_const;
  return MAPPED;
}

/* The type die (a parameter's or a function's DW_AT_type) into v; what
 * ("a parameter n", "its return type") words the reason. */
static int map_type(Dwarf_Die *die, ospy_dwarf_value *v, const char *what, int is_return,
                    char *why, size_t cap)
{
  Dwarf_Die type;
  int rc = type_of(die, &type);
  if (rc == 0) {
    v->kind = OSPY_DWK_VOID;
    return MAPPED;
  }
  char text[96] = "";
  if (rc == 1)
    type_text(&type, text, sizeof text);
  if (rc < 0 || (rc = peel(&type, NULL, NULL)) < 0)
    return UNREADABLE;
  if (rc == 0) {
    v->kind = OSPY_DWK_VOID;
    return MAPPED;
  }
  char mapped_why[160] = "";
  switch (dwarf_tag(&type)) {
  case DW_TAG_base_type:
    rc = map_base(&type, v, mapped_why, sizeof mapped_why);
    break;
  case DW_TAG_enumeration_type:
    rc = map_enum(&type, v, mapped_why, sizeof mapped_why);
    break;
  case DW_TAG_pointer_type: case DW_TAG_reference_type: case DW_TAG_rvalue_reference_type:
    return map_pointer(&type, v);
  case DW_TAG_structure_type: case DW_TAG_class_type: case DW_TAG_union_type:
    if (is_return)
      snprintf(why, cap, "it returns %s by value, which may come back in registers or through "
               "a hidden first argument", text);
    else
      snprintf(why, cap, "%s: %s passed by value (a structure, whose layout decides whether it "
               "travels in registers, on the stack or through a hidden pointer)", what, text);
    return UNMAPPABLE;
  case DW_TAG_ptr_to_member_type:
    snprintf(why, cap, "%s: %s, a pointer to member, which may take two words", what, text);
    return UNMAPPABLE;
  default:
    snprintf(why, cap, "%s: %s, a type ospy does not map", what, text);
    return UNMAPPABLE;
  }
  if (rc == UNMAPPABLE)
    snprintf(why, cap, "%s: %s", what, mapped_why);
  return rc;
}

/* The DIE whose children list the function's parameters: the concrete one
 * found at the address when it lists any (an out-of-line copy lists those
 * it takes: a complete-object destructor none of the __in_chrg its
 * abstract declaration has), else what it completes. */
static int parameter_list(Dwarf_Die *fn, Dwarf_Die *out)
{
  Dwarf_Die cur = *fn;
  for (int depth = 0; depth < 8; depth++) {
    Dwarf_Die child;
    if (dwarf_child(&cur, &child) == 0)
      do {
        int tag = dwarf_tag(&child);
        if (tag == DW_TAG_formal_parameter || tag == DW_TAG_unspecified_parameters) {
          *out = cur;
          return 1;
        }
      } while (dwarf_siblingof(&child, &child) == 0);
    Dwarf_Die next;
    int rc = ospy_dwarf_origin_of(&cur, &next);
    if (rc <= 0) {
      *out = *fn;
      return rc == 0 ? 1 : UNREADABLE; /* (no parameters anywhere) */
    }
    cur = next;
  }
  return UNREADABLE;
}

static int flag_through(Dwarf_Die *die, unsigned name)
{
  Dwarf_Attribute a;
  bool v = false;
  return ospy_dwarf_attr_through(die, name, &a) == 1 && dwarf_formflag(&a, &v) == 0 && v;
}

/* What a function's DW_AT_frame_base is, for a parameter's DW_OP_fbreg:
 * the CFA (gcc: the stack pointer before the call pushed the return
 * address, so the first stack argument's address), ebp after the usual
 * `push %ebp; mov %esp,%ebp` (clang -O0: the first stack argument at +8),
 * or another (clang -O2's esp, moved by the function's own pushes: an
 * offset from it says nothing of the entry). */
enum { FRAME_BASE_OTHER = 0, FRAME_BASE_CFA, FRAME_BASE_EBP };

static int frame_base_of(Dwarf_Die *fn)
{
  Dwarf_Attribute a;
  Dwarf_Op *expr;
  size_t len;
  if (!dwarf_attr(fn, DW_AT_frame_base, &a) || dwarf_getlocation(&a, &expr, &len) != 0 || len != 1)
    return FRAME_BASE_OTHER;
  if (expr[0].atom == DW_OP_call_frame_cfa)
    return FRAME_BASE_CFA;
  if (expr[0].atom == DW_OP_reg5 || (expr[0].atom == DW_OP_breg5 && expr[0].number == 0))
    return FRAME_BASE_EBP;
  return FRAME_BASE_OTHER;
}

/* The register a location operation names: DWARF register number + 1, 0
 * when it names none. */
static uint8_t op_register(const Dwarf_Op *op)
{
  if (op->atom >= DW_OP_reg0 && op->atom <= DW_OP_reg31)
    return (uint8_t)(op->atom - DW_OP_reg0 + 1);
  if (op->atom == DW_OP_regx && op->number < 255)
    return (uint8_t)(op->number + 1);
  return 0;
}

/* Whether a location expression is a constant (DW_OP_implicit_value, a
 * literal or DW_OP_const* then DW_OP_stack_value): 1 and *value, its
 * bytes little-endian (a parameter no register or stack place holds when
 * its function starts: clang's DWARF for one it dropped from the calls). */
static int constant_location(Dwarf_Attribute *a, const Dwarf_Op *expr, size_t len,
                             uint64_t *value)
{
  Dwarf_Block b;
  if (len == 1 && expr[0].atom == DW_OP_implicit_value) {
    if (dwarf_getlocation_implicit_value(a, &expr[0], &b) != 0 || b.length < 1 || b.length > 8)
      return 0;
    *value = 0;
    for (size_t k = 0; k < b.length; k++)
      *value |= (uint64_t)b.data[k] << (8 * k);
    return 1;
  }
  if (len != 2 || expr[1].atom != DW_OP_stack_value)
    return 0;
  switch (expr[0].atom) {
  case DW_OP_lit0 ... DW_OP_lit31:
    *value = (uint64_t)(expr[0].atom - DW_OP_lit0);
    return 1;
  case DW_OP_const1u: case DW_OP_const2u: case DW_OP_const4u: case DW_OP_const8u:
  case DW_OP_constu: case DW_OP_const1s: case DW_OP_const2s: case DW_OP_const4s:
  case DW_OP_const8s: case DW_OP_consts:
    *value = expr[0].number;
    return 1;
  default:
    return 0;
  }
}

/* Where p is when its function starts at entry, as its location (list)
 * says, into v: the register it is in (DWARF register number + 1, 0 when
 * it is elsewhere or not said); of a value in two 4-byte pieces (an i386
 * 64-bit integer in two registers, edx:ecx) the register of each piece
 * that is in one (a piece the location leaves empty, optimized out, says
 * nothing); or its place on the stack, from a DW_OP_fbreg of a frame base
 * that says where the arguments are (frame_base). What tells the
 * convention a function is called by: a compiler's own for a local
 * function (clang's on i386: ecx, edx), or an attribute's (regparm,
 * fastcall), which its declaration in DWARF does not say. */
static void entry_location(Dwarf_Die *p, Dwarf_Addr entry, int frame_base, ospy_dwarf_value *v)
{
  Dwarf_Attribute a;
  Dwarf_Op *expr;
  size_t len;
  if (!dwarf_attr(p, DW_AT_location, &a) || dwarf_getlocation_addr(&a, entry, &expr, &len, 1) != 1 ||
      len < 1)
    return;
  if (constant_location(&a, expr, len, &v->constant)) {
    v->is_constant = 1;
    return;
  }
  if (len == 1 && expr[0].atom == DW_OP_fbreg) {
    int64_t off = (int64_t)expr[0].number - (frame_base == FRAME_BASE_EBP ? 8 : 0);
    if (frame_base != FRAME_BASE_OTHER && off >= 0 && off < (1 << 20)) {
      v->has_entry_stack = 1;
      v->entry_stack = (int32_t)off;
    } else if (frame_base != FRAME_BASE_OTHER && off < 0) {
      v->in_own_frame = 1;
    }
    return;
  }
  if (len == 1 || (len == 2 && expr[1].atom == DW_OP_piece)) {
    v->entry_reg = op_register(&expr[0]);
    return;
  }
  /* pieces: the low one first, a register or nothing, then the high one */
  v->entry_reg = op_register(&expr[0]);
  size_t k = expr[0].atom == DW_OP_piece ? 0 : 1;
  if (expr[k].atom != DW_OP_piece || expr[k].number != 4 || ++k + 2 != len ||
      expr[k + 1].atom != DW_OP_piece || expr[k + 1].number != 4)
    return;
  v->entry_reg_hi = op_register(&expr[k]);
}

/* A parameter's DW_AT_const_value when it has no location: 1 and *value
 * (its bytes, little-endian, up to 8 of them), else 0. */
static int constant_value(Dwarf_Die *p, uint64_t *value)
{
  Dwarf_Attribute a;
  if (dwarf_hasattr(p, DW_AT_location) || !dwarf_attr(p, DW_AT_const_value, &a))
    return 0;
  Dwarf_Block b;
  Dwarf_Word u;
  Dwarf_Sword sv;
  switch (dwarf_whatform(&a)) {
  case DW_FORM_block: case DW_FORM_block1: case DW_FORM_block2: case DW_FORM_block4:
  case DW_FORM_data16:
    if (dwarf_formblock(&a, &b) != 0 || b.length == 0 || b.length > 8)
      return 0;
    *value = 0;
    for (size_t k = 0; k < b.length; k++)
      *value |= (uint64_t)b.data[k] << (8 * k);
    return 1;
  case DW_FORM_sdata: case DW_FORM_implicit_const:
    if (dwarf_formsdata(&a, &sv) != 0)
      return 0;
    *value = (uint64_t)sv;
    return 1;
  default:
    if (dwarf_formudata(&a, &u) != 0)
      return 0;
    *value = u;
    return 1;
  }
}

/* One formal parameter (the index-th, from 0) of the function starting at
 * entry into v. */
static int read_param(Dwarf_Die *p, size_t index, Dwarf_Addr entry, int frame_base,
                      ospy_dwarf_value *v, char *why, size_t cap)
{
  entry_location(p, entry, frame_base, v);
  if (!v->is_constant)
    v->is_constant = (uint8_t)constant_value(p, &v->constant);
  Dwarf_Attribute a;
  const char *name = NULL;
  if (ospy_dwarf_attr_through(p, DW_AT_name, &a) == 1)
    name = dwarf_formstring(&a);
  v->artificial = (uint8_t)flag_through(p, DW_AT_artificial);
  if (v->artificial && index) {
    snprintf(why, cap, "a hidden parameter %s after the first (the compiler's, such as a "
             "VTT), which the ABI passes as it chooses", name ? name : "(unnamed)");
    return UNMAPPABLE;
  }
  snprintf(v->name, sizeof v->name, "%s", name ? name : "");
  char what[96];
  snprintf(what, sizeof what, "a parameter%s%s", name ? " " : "", name ? name : "");
  /* (the type is the concrete parameter's, or its abstract origin's) */
  Dwarf_Die typed = *p;
  for (int depth = 0; depth < 8 && !dwarf_hasattr_integrate(&typed, DW_AT_type); depth++)
    if (ospy_dwarf_origin_of(&typed, &typed) != 1)
      break;
  int rc = map_type(&typed, v, what, 0, why, cap);
  if (rc == MAPPED && v->kind == OSPY_DWK_VOID) {
    snprintf(why, cap, "%s without a type", what);
    return UNMAPPABLE;
  }
  return rc;
}

static int read_params(Dwarf_Die *list, Dwarf_Addr entry, int frame_base, ospy_dwarf_sig *sig,
                       char *why, size_t cap)
{
  Dwarf_Die child;
  if (dwarf_child(list, &child) != 0)
    return MAPPED;
  do {
    int tag = dwarf_tag(&child);
    if (tag == DW_TAG_unspecified_parameters) {
      snprintf(why, cap, "a variadic function (...): its other arguments' types are not in "
               "its DWARF");
      return UNMAPPABLE;
    }
    if (tag != DW_TAG_formal_parameter)
      continue;
    if (sig->nparams == OSPY_DWARF_MAX_PARAMS) {
      snprintf(why, cap, "more than %d parameters", OSPY_DWARF_MAX_PARAMS);
      return UNMAPPABLE;
    }
    int rc = read_param(&child, sig->nparams, entry, frame_base, &sig->params[sig->nparams], why,
                        cap);
    sig->nparams++; /* (counted before a failure: freed with the others) */
    if (rc != MAPPED)
      return rc;
  } while (dwarf_siblingof(&child, &child) == 0);
  return MAPPED;
}

/* A C function defined without a prototype (K&R, `int f(a) int a;`): its
 * caller promotes a char, short or float argument, which its DWARF types
 * as declared. */
static int unprototyped_c(Dwarf_Die *fn)
{
  Dwarf_Die cu;
  if (!dwarf_diecu(fn, &cu, NULL, NULL))
    return 0;
  int lang = dwarf_srclang(&cu);
  int is_c = lang == DW_LANG_C89 || lang == DW_LANG_C || lang == DW_LANG_C99 ||
             lang == DW_LANG_C11;
#ifdef DW_LANG_C17
  is_c = is_c || lang == DW_LANG_C17;
#endif
  return is_c && !flag_through(fn, DW_AT_prototyped);
}

/* LLVM's values of DW_AT_calling_convention for the i386 attributes (not
 * in elfutils' dwarf.h) */
#define DW_CC_BORLAND_stdcall 0xb1
#define DW_CC_BORLAND_msfastcall 0xb3

/* The convention its DWARF says fn is called by (*cc: enum ospy_dwarf_cc):
 * 0, or -1 when it is one ospy does not read (GCC's DW_CC_nocall: a local
 * function whose calls it changed; another compiler's). */
static int said_convention(Dwarf_Die *fn, uint8_t *cc)
{
  Dwarf_Attribute a;
  Dwarf_Word v = DW_CC_normal;
  if (ospy_dwarf_attr_through(fn, DW_AT_calling_convention, &a) == 1)
    dwarf_formudata(&a, &v);
  *cc = v == DW_CC_BORLAND_stdcall    ? OSPY_DWARF_CC_STDCALL
        : v == DW_CC_BORLAND_msfastcall ? OSPY_DWARF_CC_FASTCALL
                                        : OSPY_DWARF_CC_NORMAL;
  return v == DW_CC_normal || *cc != OSPY_DWARF_CC_NORMAL ? 0 : -1;
}

static int read_signature(Dwarf_Die *fn, Dwarf_Addr entry, ospy_dwarf_sig *sig, char *why,
                          size_t cap)
{
  if (said_convention(fn, &sig->cc) < 0) {
    snprintf(why, cap, "its DWARF says it is not called by the ABI's convention (a compiler's "
             "local copy, whose parameters may differ from its declaration's)");
    return UNMAPPABLE;
  }
  Dwarf_Die list;
  int rc = parameter_list(fn, &list);
  if (rc < 0)
    return rc;
  sig->external = (uint8_t)flag_through(fn, DW_AT_external);
  if ((rc = read_params(&list, entry, frame_base_of(fn), sig, why, cap)) != MAPPED)
    return rc;
  if (sig->nparams && unprototyped_c(fn)) {
    snprintf(why, cap, "a C function defined without a prototype, whose caller promotes its "
             "char, short and float arguments");
    return UNMAPPABLE;
  }
  /* (the return type is the definition's, or its declaration's) */
  Dwarf_Die typed = *fn;
  for (int depth = 0; depth < 8 && !dwarf_hasattr(&typed, DW_AT_type); depth++)
    if (ospy_dwarf_origin_of(&typed, &typed) != 1)
      break;
  return map_type(&typed, &sig->ret, "its return type", 1, why, cap);
}

/* The compiler that built fn, as its unit's DW_AT_producer names it. */
static uint8_t producer_of(Dwarf_Die *fn)
{
  Dwarf_Die cu;
  Dwarf_Attribute a;
  const char *p;
  if (!dwarf_diecu(fn, &cu, NULL, NULL) || !dwarf_attr(&cu, DW_AT_producer, &a) ||
      !(p = dwarf_formstring(&a)))
    return OSPY_DWARF_BY_OTHER;
  if (strstr(p, "clang"))
    return OSPY_DWARF_BY_CLANG;
  return strncmp(p, "GNU ", 4) == 0 ? OSPY_DWARF_BY_GCC : OSPY_DWARF_BY_OTHER;
}

int ospy_dwarf_signature(ospy_dwarf_module *d, uint64_t vaddr, ospy_dwarf_sig *sig, char *why,
                         size_t cap)
{
  memset(sig, 0, sizeof *sig);
  why[0] = 0;
  Dwarf_Die fn;
  if (!d || !ospy_dwarf_function_die(d, vaddr, &fn))
    return 0;
  int rc = read_signature(&fn, vaddr, sig, why, cap);
  if (rc == MAPPED) {
    sig->producer = producer_of(&fn);
    return 1;
  }
  ospy_dwarf_sig_free(sig);
  if (rc == UNREADABLE)
    why[0] = 0;
  return rc == UNREADABLE ? 0 : -1;
}

void ospy_dwarf_sig_free(ospy_dwarf_sig *sig)
{
  drop_enumerators(&sig->ret);
  for (size_t i = 0; i < sig->nparams; i++)
    drop_enumerators(&sig->params[i]);
  memset(sig, 0, sizeof *sig);
}
