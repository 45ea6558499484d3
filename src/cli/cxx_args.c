/* A -f C++ function's arguments from its mangled name (cxx_args.h). The
 * parameter types are in the name; two things are not, and a wrong guess
 * would shift every argument by one word:
 *  - whether a member function takes `this`: a static member function and
 *    a function of a namespace are mangled as a member function is. The
 *    file's DWARF says (an object pointer); without it, a constructor or
 *    destructor, and a const/volatile/&/&& member do for certain, a name
 *    without a scope takes none, and a scope that the file's symbols show
 *    to be a class (its constructors or destructor, a qualified member, a
 *    parameter of its type, template arguments) leaves open whether the
 *    function is static: it stays raw, said so; any other scope may be a
 *    namespace or a class: the function stays raw.
 *  - what it returns (only a template function's name prints it): a class
 *    may come back through a hidden first argument. The DWARF says; an ABI
 *    tag on the name (a std::string returned) keeps it raw; otherwise the
 *    return is taken to be no class (docs/catalogue.md says so). */
#include "cli/cxx_args.h"
#include "cli/elf_functions.h"
#include "capture/symbolize.h"
#include "capture/symbolize_dwarf.h"
#include "config/cxx_signature.h"
#include "plan/cxx_match.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct file_facts {
  char *path;
  ospy_dwarf_module *dwarf; /* NULL: none (or not opened yet: dwarf_tried) */
  int dwarf_tried;
  char **classes; /* scopes the file's symbols show to be classes, sorted */
  size_t nclasses, cap;
  int classes_read;
} file_facts;

struct ospy_cxx_args {
  unsigned bits;
  file_facts *files;
  size_t nfiles;
};

ospy_cxx_args *ospy_cxx_args_new(unsigned bits)
{
  ospy_cxx_args *a = calloc(1, sizeof *a);
  if (a)
    a->bits = bits;
  return a;
}

void ospy_cxx_args_free(ospy_cxx_args *a)
{
  if (!a)
    return;
  for (size_t i = 0; i < a->nfiles; i++) {
    file_facts *f = &a->files[i];
    free(f->path);
    ospy_dwarf_close(f->dwarf);
    for (size_t k = 0; k < f->nclasses; k++)
      free(f->classes[k]);
    free(f->classes);
  }
  free(a->files);
  free(a);
}

static file_facts *facts_of(ospy_cxx_args *a, const char *path)
{
  for (size_t i = 0; i < a->nfiles; i++)
    if (!strcmp(a->files[i].path, path))
      return &a->files[i];
  file_facts *v = realloc(a->files, (a->nfiles + 1) * sizeof *v);
  if (!v)
    return NULL;
  a->files = v;
  file_facts *f = &v[a->nfiles];
  memset(f, 0, sizeof *f);
  if (!(f->path = strdup(path)))
    return NULL;
  a->nfiles++;
  return f;
}

/* ---- the classes a file's symbols name ---- */

static int add_class(file_facts *f, const char *name, size_t len)
{
  if (!len)
    return 0;
  if (f->nclasses == f->cap) {
    size_t cap = f->cap ? f->cap * 2 : 64;
    char **v = realloc(f->classes, cap * sizeof *v);
    if (!v)
      return -1;
    f->classes = v;
    f->cap = cap;
  }
  if (!(f->classes[f->nclasses] = strndup(name, len)))
    return -1;
  f->nclasses++;
  return 0;
}

/* A parameter's type without its pointers, references and qualifiers
 * ("ns::Codec const*" -> "ns::Codec"): a class or an enumeration when it is
 * no built-in type. Its length, 0 when it is none of them. */
static size_t named_type_len(const char *text, size_t len, unsigned bits)
{
  static const char *const tails[] = { " const", " volatile", "*", "&" };
  for (int again = 1; again;) {
    again = 0;
    for (size_t i = 0; i < sizeof tails / sizeof tails[0]; i++) {
      size_t n = strlen(tails[i]);
      if (len > n && !strncmp(text + len - n, tails[i], n)) {
        len -= n;
        again = 1;
      }
    }
  }
  uint32_t type;
  uint8_t ptr;
  if (memchr(text, '(', len) || ospy_cxxsig_type(text, len, bits, &type, &ptr, NULL, 0) == 0)
    return 0;
  return len;
}

typedef struct class_scan {
  file_facts *f;
  unsigned bits;
} class_scan;

/* One symbol: the scope of a constructor, destructor or qualified member
 * is a class, and so is (or an enumeration, which has no functions) every
 * type a parameter names. */
static int note_classes(const char *symbol, uint64_t value, void *data)
{
  class_scan *cs = data;
  (void)value;
  if (strncmp(symbol, "_Z", 2))
    return 0;
  char *d = ospy_symbol_readable(symbol);
  if (!d)
    return 1;
  ospy_cxxsig s;
  int rc = 0;
  if (strcmp(d, symbol) && ospy_cxxsig_read(d, &s) == 0) {
    if ((ospy_cxx_structor_code(symbol) || s.qualified) && s.scope_end > s.name_at)
      rc = add_class(cs->f, d + s.name_at, s.scope_end - s.name_at);
    for (size_t i = 0; i < s.nparams && rc == 0; i++)
      rc = add_class(cs->f, d + s.param_at[i],
                     named_type_len(d + s.param_at[i], s.param_len[i], cs->bits));
  }
  free(d);
  return rc < 0 ? 1 : 0;
}

static int compare_names(const void *x, const void *y)
{
  return strcmp(*(char *const *)x, *(char *const *)y);
}

static int is_class(ospy_cxx_args *a, file_facts *f, const char *scope, size_t len)
{
  if (!f->classes_read) {
    f->classes_read = 1;
    class_scan cs = { f, a->bits };
    ospy_elf_functions(f->path, 0, note_classes, &cs); /* (what it found on a failure stays) */
    if (f->nclasses)
      qsort(f->classes, f->nclasses, sizeof *f->classes, compare_names);
    size_t kept = 0; /* (each type once: a library's parameters name a few many times) */
    for (size_t i = 0; i < f->nclasses; i++) {
      if (kept && !strcmp(f->classes[kept - 1], f->classes[i]))
        free(f->classes[i]);
      else
        f->classes[kept++] = f->classes[i];
    }
    f->nclasses = kept;
  }
  char *key = strndup(scope, len);
  int found = key && bsearch(&key, f->classes, f->nclasses, sizeof *f->classes, compare_names);
  free(key);
  return found;
}

/* ---- deciding `this` ---- */

enum { NO_THIS = 0, WITH_THIS = 1, UNKNOWN = -1 };

/* Constructors and destructors: `this` first; not a base-object form of its
 * own (C2, D2 apart from C1, D1: a class with virtual bases, whose VTT
 * comes after `this`) nor an inheriting constructor. */
static int structor_this(const char *mangled, char *why, size_t cap)
{
  const char *code = ospy_cxx_structor_code(mangled);
  if (!code)
    return NO_THIS;
  if (code[0] == 'C' ? code[1] == '1' : code[1] <= '1')
    return WITH_THIS;
  snprintf(why, cap, "a base-object constructor or destructor (%.2s), which may take a hidden "
           "VTT argument after `this`", code);
  return UNKNOWN;
}

/* The last "::"-separated part of the scope d[from, to). */
static const char *last_part(const char *d, size_t from, size_t to)
{
  const char *last = d + from;
  for (size_t i = from; i + 2 <= to;) {
    size_t u = ospy_cxx_unit_len(d, i);
    if (u == 1 && !strncmp(d + i, "::", 2)) {
      last = d + i + 2;
      u = 2;
    }
    i += u;
  }
  return last;
}

/* By the name and the file's symbols, when there is no DWARF. */
static int this_by_name(ospy_cxx_args *a, file_facts *f, const char *d, const ospy_cxxsig *s,
                        char *why, size_t cap)
{
  if (s->qualified)
    return WITH_THIS;
  if (s->scope_end == s->name_at)
    return NO_THIS;
  const char *part = last_part(d, s->name_at, s->scope_end);
  size_t plen = (size_t)(d + s->scope_end - part);
  if ((plen == 3 && !strncmp(part, "std", 3)) ||
      (plen == 21 && !strncmp(part, "(anonymous namespace)", 21)))
    return NO_THIS;
  if (d[s->scope_end - 1] == '>' || (f && is_class(a, f, d + s->name_at, s->scope_end - s->name_at))) {
    /* a static member is mangled as one that takes `this`: guessed, every
     * argument of one of them was shown one word off */
    snprintf(why, cap, "%.*s is a class, and whether this member function is static (takes no "
             "`this`) the name does not say, nor does the file (no DWARF: built without -g)",
             (int)(s->scope_end - s->name_at), d + s->name_at);
    return UNKNOWN;
  }
  snprintf(why, cap, "whether %.*s is a class (whose member functions take `this` first) or a "
           "namespace, the name does not say, nor does the file (no DWARF, no symbol naming "
           "it as a class)", (int)(s->scope_end - s->name_at), d + s->name_at);
  return UNKNOWN;
}

static int this_of(ospy_cxx_args *a, const char *path, uint64_t value, const char *mangled,
                   const char *d, const ospy_cxxsig *s, char *why, size_t cap)
{
  int structor = structor_this(mangled, why, cap);
  if (structor != NO_THIS)
    return structor;
  file_facts *f = path && path[0] ? facts_of(a, path) : NULL;
  if (f && !f->dwarf_tried) {
    f->dwarf_tried = 1;
    f->dwarf = ospy_dwarf_open_local(path);
  }
  int has_this = 0, returns_class = 0;
  if (f && ospy_dwarf_function_shape(f->dwarf, value, &has_this, &returns_class)) {
    if (!returns_class)
      return has_this ? WITH_THIS : NO_THIS;
    snprintf(why, cap, "it returns a class (its DWARF says), which may come back through a "
             "hidden first argument");
    return UNKNOWN;
  }
  /* no DWARF: a class returned by value in memory takes a hidden first
   * argument, which only a template's name shows it does not (a guess
   * showed std::vector<int> make(int)'s result address as its int) */
  if (s->name_at == 0) {
    snprintf(why, cap, "what it returns the name does not say, nor does the file (no DWARF: "
             "built without -g), and a class returned by value comes back through a hidden "
             "first argument before the others");
    return UNKNOWN;
  }
  return this_by_name(a, f, d, s, why, cap);
}

/* Special names (thunks, transaction clones, guard variables): no function
 * with the name's parameters, or no function. */
static int special_name(const char *mangled)
{
  return !strncmp(mangled, "_ZT", 3) || !strncmp(mangled, "_ZG", 3);
}

uint32_t ospy_cxx_args_spec(ospy_cxx_args *a, ospy_spec_table *t, const char *path,
                            uint64_t value, const char *mangled, char *why, size_t cap)
{
  why[0] = 0;
  if (strncmp(mangled, "_Z", 2))
    return OSPY_SPEC_NONE;
  if (special_name(mangled)) {
    snprintf(why, cap, "%s is a thunk or another special name", mangled);
    return OSPY_SPEC_NONE;
  }
  char *d = ospy_symbol_readable(mangled);
  if (!d)
    return OSPY_SPEC_NONE;
  ospy_cxxsig s;
  uint32_t fi = OSPY_SPEC_NONE;
  int with_this = UNKNOWN;
  if (!strcmp(d, mangled))
    snprintf(why, cap, "%s does not demangle", mangled);
  else if (ospy_cxxsig_read(d, &s) < 0)
    snprintf(why, cap, "%s: its parameter list is not read", d);
  else if (ospy_cxxsig_map(d, &s, a->bits, why, cap) == 0)
    with_this = this_of(a, path, value, mangled, d, &s, why, cap);
  if (with_this != UNKNOWN) {
    char name[512];
    /* (not the symbol itself: -f of a name a spec has takes that spec) */
    snprintf(name, sizeof name, "%s [arguments from its C++ name]", mangled);
    fi = ospy_cxxsig_spec(t, name, &s, with_this);
  }
  free(d);
  return fi;
}
