/* A -f function's arguments (cxx_args.h): from its file's DWARF when that
 * describes it (capture/dwarf_signature.h: names, types, the return value;
 * for any language), else for a C++ function from its mangled name. The
 * parameter types are in the name; two things are not, and a wrong guess
 * would shift every argument by one word:
 *  - whether a member function takes `this`: a static member function and
 *    a function of a namespace are mangled as a member function is. The
 *    file's DWARF says (an object pointer); without it, a constructor or
 *    destructor, and a const/volatile/&/&& member do for certain, a name
 *    without a scope (or in std, an anonymous namespace) takes none; any
 *    other scope may be a namespace or a class, static or not: raw.
 *  - what it returns (only a template function's name prints it): a class
 *    may come back through a hidden first argument. The DWARF says; an ABI
 *    tag on the name (a std::string returned) keeps it raw; without DWARF
 *    only a template's printed return can say it is no class: the others
 *    stay raw (docs/catalogue.md). */
#include "cli/cxx_args.h"
#include "capture/dwarf_signature.h"
#include "capture/symbolize.h"
#include "capture/symbolize_dwarf.h"
#include "cli/dwarf_args.h"
#include "cli/elf_functions.h"
#include "config/cxx_signature.h"
#include "plan/cxx_match.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct file_facts {
  char *path;
  ospy_dwarf_module *dwarf; /* NULL: none (or not opened yet: dwarf_tried) */
  int dwarf_tried;
  uint64_t *ifuncs; /* the addresses of its IFUNC symbols (once ifuncs_read) */
  size_t nifuncs;
  int ifuncs_read;
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
    free(f->ifuncs);
    ospy_dwarf_close(f->dwarf);
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

/* What the note says of the file when its DWARF did not answer: the file
 * may have none, or have it for other functions only (a source file built
 * without -g linked with others built with it). */
static const char *dwarf_silence(const file_facts *f)
{
  if (f && ospy_dwarf_present(f->dwarf))
    return "its DWARF (which describes no function starting there, or only through a "
           "supplementary file that was not found)";
  return "the file (no DWARF: built without -g)";
}

/* By the name alone, when the DWARF does not say (a template printing a
 * return type that is no class): a member qualified const/volatile/&/&&
 * takes `this`; a function without a scope, or directly in std or an
 * anonymous namespace, none; any other scope may be a namespace, or a
 * class whose member may be static or not: left raw. */
static int this_by_name(const char *d, const ospy_cxxsig *s, const char *silence, char *why,
                        size_t cap)
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
  snprintf(why, cap, "whether %.*s is a namespace, or a class whose member function takes "
           "`this` first (not static), the name does not say, nor does %s",
           (int)(s->scope_end - s->name_at), d + s->name_at, silence);
  return UNKNOWN;
}

/* The facts of the file at path, its DWARF opened (from local files only)
 * the first time; NULL when path is unknown or out of memory. */
static file_facts *facts_with_dwarf(ospy_cxx_args *a, const char *path)
{
  file_facts *f = path && path[0] ? facts_of(a, path) : NULL;
  if (f && !f->dwarf_tried) {
    f->dwarf_tried = 1;
    f->dwarf = ospy_dwarf_open_local(path);
  }
  return f;
}

static int this_of(ospy_cxx_args *a, const char *path, uint64_t value, const char *mangled,
                   const char *d, const ospy_cxxsig *s, char *why, size_t cap)
{
  int structor = structor_this(mangled, why, cap);
  if (structor != NO_THIS)
    return structor;
  file_facts *f = facts_with_dwarf(a, path);
  int has_this = 0, returns_class = 0;
  if (f && ospy_dwarf_function_shape(f->dwarf, value, &has_this, &returns_class)) {
    if (!returns_class)
      return has_this ? WITH_THIS : NO_THIS;
    snprintf(why, cap, "it returns a class (its DWARF says), which may come back through a "
             "hidden first argument");
    return UNKNOWN;
  }
  /* no DWARF about it: a class returned by value in memory takes a hidden
   * first argument, which only a template's name shows it does not (a
   * guess showed std::vector<int> make(int)'s result address as its int) */
  if (s->name_at == 0) {
    snprintf(why, cap, "what it returns the name does not say, nor does %s, and a class "
             "returned by value comes back through a hidden first argument before the others",
             dwarf_silence(f));
    return UNKNOWN;
  }
  return this_by_name(d, s, dwarf_silence(f), why, cap);
}

/* Special names (thunks, transaction clones, guard variables): no function
 * with the name's parameters, or no function. */
static int special_name(const char *mangled)
{
  return !strncmp(mangled, "_ZT", 3) || !strncmp(mangled, "_ZG", 3);
}

/* ---- from the DWARF ---- */

static int add_ifunc(const char *name, uint64_t value, void *data)
{
  (void)name;
  file_facts *f = data;
  uint64_t *v = realloc(f->ifuncs, (f->nifuncs + 1) * sizeof *v);
  if (!v)
    return -1;
  f->ifuncs = v;
  v[f->nifuncs++] = value;
  return 0;
}

/* Whether the symbol at value of the file is an IFUNC: its address is the
 * resolver's, whose DWARF (glibc's strlen: no parameter, a pointer
 * returned) says nothing of the function the calls run. Out of memory
 * counts as one (raw is the safe side). */
static int is_ifunc(ospy_cxx_args *a, file_facts *f, uint64_t value)
{
  if (!f->ifuncs_read) {
    f->ifuncs_read = 1;
    if (ospy_elf_ifuncs(f->path, a->bits, add_ifunc, f) < 0) {
      free(f->ifuncs);
      f->ifuncs = NULL;
      f->nifuncs = SIZE_MAX; /* (unknown) */
    }
  }
  if (f->nifuncs == SIZE_MAX)
    return 1;
  for (size_t i = 0; i < f->nifuncs; i++)
    if (f->ifuncs[i] == value)
      return 1;
  return 0;
}

/* The spec from the DWARF of the function at value in the file at path,
 * named "SYMBOL [arguments from its DWARF]": 1 and *fi; 0 when no DWARF
 * describes it; -1 when it does but a decode could be wrong (why), or out
 * of memory (why empty). */
static int by_dwarf(ospy_cxx_args *a, ospy_spec_table *t, const char *path, uint64_t value,
                    const char *symbol, uint32_t *fi, char *why, size_t cap)
{
  file_facts *f = facts_with_dwarf(a, path);
  if (!f || !ospy_dwarf_present(f->dwarf))
    return 0;
  if (is_ifunc(a, f, value)) {
    snprintf(why, cap, "%s is an IFUNC: its address is that of the resolver that picks its "
             "implementation, and what the DWARF says there is the resolver's", symbol);
    return -1;
  }
  ospy_dwarf_sig sig;
  int rc = ospy_dwarf_signature(f->dwarf, value, &sig, why, cap);
  if (rc <= 0)
    return rc;
  char name[512];
  /* (not the symbol itself: -f of a name a spec has takes that spec) */
  snprintf(name, sizeof name, "%s [arguments from its DWARF]", symbol);
  *fi = ospy_dwarf_args_spec(t, name, &sig, a->bits, why, cap);
  ospy_dwarf_sig_free(&sig);
  return *fi == OSPY_SPEC_NONE ? -1 : 1;
}

/* Whether symbol is a compiler clone's (scale.constprop.0, scale.isra.0,
 * scale.part.0, scale.cold): its parameters may differ from those its
 * DWARF declares. */
static const char *clone_suffix(const char *symbol)
{
  const char *dot = strchr(symbol, '.');
  return dot && dot != symbol ? dot : NULL;
}

uint32_t ospy_dwarf_args_for(ospy_cxx_args *a, ospy_spec_table *t, const char *path,
                             uint64_t value, const char *symbol, char *why, size_t cap)
{
  why[0] = 0;
  uint32_t fi = OSPY_SPEC_NONE;
  if (clone_suffix(symbol)) {
    /* (said only when its DWARF describes it: else it is raw as any) */
    file_facts *f = facts_with_dwarf(a, path);
    int has_this, returns_class;
    if (f && ospy_dwarf_function_shape(f->dwarf, value, &has_this, &returns_class))
      snprintf(why, cap, "%s is a compiler clone (%s), whose parameters may differ from those "
               "its DWARF declares", symbol, clone_suffix(symbol));
    return OSPY_SPEC_NONE;
  }
  by_dwarf(a, t, path, value, symbol, &fi, why, cap);
  return fi;
}

uint32_t ospy_cxx_args_spec(ospy_cxx_args *a, ospy_spec_table *t, const char *path,
                            uint64_t value, const char *mangled, int *from_dwarf, char *why,
                            size_t cap)
{
  why[0] = 0;
  *from_dwarf = 0;
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
  else if (!s.clone && structor_this(mangled, why, cap) != UNKNOWN &&
           (*from_dwarf = by_dwarf(a, t, path, value, mangled, &fi, why, cap)) != 0) {
    /* its DWARF decides: the spec made (1), or why it stays raw (-1) */
    *from_dwarf = *from_dwarf > 0;
  } else if (!why[0] && ospy_cxxsig_map(d, &s, a->bits, why, cap) == 0)
    with_this = this_of(a, path, value, mangled, d, &s, why, cap);
  if (with_this != UNKNOWN) {
    char name[512];
    /* (not the symbol itself: -f of a name a spec has takes that spec) */
    snprintf(name, sizeof name, "%s [arguments from its C++ name]", mangled);
    /* a constructor or destructor returns nothing (x86's Itanium C++ ABI:
     * what is left in the return register is no value of it) */
    fi = ospy_cxxsig_spec(t, name, &s, with_this, ospy_cxx_structor_code(mangled) != NULL);
  }
  free(d);
  return fi;
}
