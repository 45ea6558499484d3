/* C++ functions named as `nm -C` prints them, looked up in a file's symbol
 * tables (see cxx_names.h). */
#include "cli/cxx_names.h"
#include "cli/cxx_thunks.h"
#include "cli/elf_functions.h"
#include "capture/symbolize.h"
#include "plan/cxx_match.h"

#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int ospy_cxx_name_like(const char *name)
{
  return strstr(name, "::") || strstr(name, "[abi:") || strpbrk(name, "()<>~ ,") != NULL;
}

/* Whether name has a '(' that opens a parameter list: not the one of
 * "(anonymous namespace)" or of "operator()". */
static int has_parameter_list(const char *name)
{
  for (const char *p = strchr(name, '('); p; p = strchr(p + 1, '(')) {
    if (!strncmp(p, "(anonymous namespace)", 21)) {
      p += 20;
      continue;
    }
    if (p - name >= 8 && !strncmp(p - 8, "operator()", 10)) {
      p++;
      continue;
    }
    return 1;
  }
  return 0;
}

int ospy_cxx_glob_like(const char *name)
{
  return strstr(name, "::") && strpbrk(name, "*?[") && !has_parameter_list(name) &&
         !strstr(name, "[abi:");
}

/* A glob against demangled name d: its qualified name, without a template
 * function's return type and without the parameter list (ns::Codec::* takes
 * ns::Codec::encode(char const*, int)); '*' crosses "::" as it crosses '/'
 * without FNM_PATHNAME. A clone ("f(int) [clone .isra.0]") never matches. */
static int glob_matches(const char *d, const char *glob)
{
  if (strstr(d, " [clone "))
    return 0;
  size_t at = 0, scope = 0, base = ospy_cxx_base_len(d);
  ospy_cxx_name_parts(d, &at, &scope);
  char *name = strndup(d + at, base - at);
  int match = name && fnmatch(glob, name, 0) == 0;
  free(name);
  return match;
}

/* Adds a function (thunk: NULL) or a thunk of one (its own demangled name;
 * demangled is its method's) unless m has its mangled name. */
static int add_unique(ospy_cxx_matches *m, const char *mangled, const char *demangled,
                      uint64_t value, const char *file, const char *thunk)
{
  for (size_t i = 0; i < m->n; i++)
    if (!strcmp(m->mangled[i], mangled))
      return 0;
  size_t n = m->n + 1;
  char **a = realloc(m->mangled, n * sizeof *a);
  if (a)
    m->mangled = a;
  char **b = a ? realloc(m->demangled, n * sizeof *b) : NULL;
  if (b)
    m->demangled = b;
  char **c = b ? realloc(m->shown, n * sizeof *c) : NULL;
  if (c)
    m->shown = c;
  uint64_t *v = c ? realloc(m->value, n * sizeof *v) : NULL;
  if (v)
    m->value = v;
  char **f = v ? realloc(m->file, n * sizeof *f) : NULL;
  if (f)
    m->file = f;
  char **t = f ? realloc(m->thunk, n * sizeof *t) : NULL;
  if (!t)
    return -1;
  m->thunk = t;
  m->thunk[m->n] = thunk ? strdup(thunk) : NULL;
  m->mangled[m->n] = strdup(mangled);
  m->demangled[m->n] = strdup(demangled);
  m->shown[m->n] = NULL; /* (ospy_cxx_lookup_names names them once all are found) */
  m->value[m->n] = value;
  m->file[m->n] = strdup(file);
  m->n++;
  return m->mangled[m->n - 1] && m->demangled[m->n - 1] && m->file[m->n - 1] &&
                 (!thunk || m->thunk[m->n - 1])
             ? 0 : -1;
}

/* A thunk's symbol, d its demangled name ("non-virtual thunk to
 * D::fb(int)"): a thunk of a function named name goes to thunks, its
 * method's name as its demangled one (ospy_cxx_lookup_names keeps those
 * with code of their own). A clone of a thunk never. */
static int consider_thunk(const char *mangled, uint64_t value, const char *d, const char *method,
                          const char *name, const char *file, ospy_cxx_matches *thunks)
{
  if (strstr(method, " [clone "))
    return 0;
  int match = ospy_cxx_glob_like(name) ? glob_matches(method, name)
                                       : ospy_cxx_name_matches(method, name);
  return match ? add_unique(thunks, mangled, method, value, file, d) : 0;
}

/* One symbol, d its demangled name: a function named name goes to m; a
 * compiler clone of one ("f(int) [clone .isra.0]") to clones, by the mangled
 * name of the function it copies (its own up to the clone's ".isra.0"). */
static int consider(const char *mangled, uint64_t value, char *d, const char *name,
                    const char *file, ospy_cxx_matches *m, ospy_cxx_matches *clones,
                    ospy_cxx_matches *thunks)
{
  const char *method = ospy_cxx_thunk_method(d);
  if (method && !ospy_cxx_glob_like(name) && ospy_cxx_name_matches(d, name))
    return add_unique(m, mangled, d, value, file, NULL); /* the thunk by its own name */
  if (method)
    return consider_thunk(mangled, value, d, method, name, file, thunks);
  if (ospy_cxx_glob_like(name)) /* (a glob leaves clones out, as a C name's does) */
    return glob_matches(d, name) ? add_unique(m, mangled, d, value, file, NULL) : 0;
  if (ospy_cxx_name_matches(d, name))
    return add_unique(m, mangled, d, value, file, NULL);
  char *cut = strstr(d, " [clone ");
  if (!cut)
    return 0;
  *cut = 0;
  int rc = ospy_cxx_name_matches(d, name);
  *cut = ' ';
  if (!rc)
    return 0;
  char *origin = strndup(mangled, strcspn(mangled, "."));
  rc = origin ? add_unique(clones, origin, d, value, file, NULL) : -1;
  free(origin);
  return rc;
}

#define OUT_OF_MEMORY 2 /* consider_symbol's stop code */

/* The lookup's state, for ospy_elf_functions: per name, its matches, its
 * clones and the thunks of functions of the name, and (plain not NULL)
 * whether a symbol is the name itself, found through the names sorted
 * (by_name: a preset names hundreds of functions of libc, which has
 * thousands). */
typedef struct lookup {
  const char *path;
  const char *const *names;
  size_t n;
  ospy_cxx_matches *m, *clones, *thunks;
  int *plain;
  const char *const **by_name;
} lookup;

static int compare_names(const void *a, const void *b)
{
  return strcmp(**(const char *const *const *)a, **(const char *const *const *)b);
}

static void note_plain(const lookup *l, const char *symbol)
{
  typedef const char *const *name_ref; /* an element of l->names */
  const name_ref key = &symbol;
  const name_ref *hit = bsearch(&key, l->by_name, l->n, sizeof *l->by_name, compare_names);
  if (!hit)
    return;
  const name_ref *first = hit, *end = l->by_name + l->n;
  while (first > l->by_name && !strcmp(*first[-1], symbol)) /* (a name may come twice) */
    first--;
  for (; first < end && !strcmp(**first, symbol); first++)
    l->plain[*first - l->names] = 1;
}

/* A symbol is demangled once for all the names. */
static int consider_symbol(const char *symbol, uint64_t value, void *data)
{
  lookup *l = data;
  if (strncmp(symbol, "_Z", 2)) {
    if (l->plain)
      note_plain(l, symbol);
    return 0;
  }
  char *d = ospy_symbol_readable(symbol);
  if (!d)
    return OUT_OF_MEMORY;
  int rc = 0;
  if (strcmp(d, symbol)) /* (else not demangled: no C++ name to compare) */
    for (size_t k = 0; k < l->n && rc == 0; k++)
      rc = consider(symbol, value, d, l->names[k], l->path, &l->m[k], &l->clones[k],
                    &l->thunks[k]);
  free(d);
  return rc < 0 ? OUT_OF_MEMORY : 0;
}

/* Only clones of a name: said as for a C function's (m->clones). */
static void keep_clones_if_alone(ospy_cxx_matches *m, ospy_cxx_matches *clones)
{
  if (!m->n && clones->n) {
    *m = *clones;
    m->clones = 1;
  } else {
    ospy_cxx_matches_free(clones);
  }
}

/* Symbols at one address are one function: a constructor's complete- and
 * base-object forms (C1, C2) and a destructor's (D1, D2) when the compiler
 * made them one, a name in both symbol tables. Kept: the smallest mangled
 * name (C1 before C2). */
static void merge_same_address(ospy_cxx_matches *m)
{
  size_t kept = 0;
  for (size_t i = 0; i < m->n; i++) {
    size_t k = 0;
    while (k < kept && m->value[k] != m->value[i])
      k++;
    if (k == kept) {
      m->mangled[kept] = m->mangled[i];
      m->demangled[kept] = m->demangled[i];
      m->file[kept] = m->file[i];
      m->value[kept++] = m->value[i];
      continue;
    }
    if (strcmp(m->mangled[i], m->mangled[k]) < 0) {
      char *t = m->mangled[k], *u = m->demangled[k];
      m->mangled[k] = m->mangled[i];
      m->demangled[k] = m->demangled[i];
      m->mangled[i] = t;
      m->demangled[i] = u;
    }
    free(m->mangled[i]);
    free(m->demangled[i]);
    free(m->file[i]);
  }
  m->n = kept; /* (m->thunk: all NULL yet) */
}

static int add_unhooked(ospy_cxx_matches *m, const char *thunk, const char *why)
{
  char **u = realloc(m->unhooked, (m->nunhooked + 1) * sizeof *u);
  if (!u)
    return -1;
  m->unhooked = u;
  if (asprintf(&u[m->nunhooked], "%s (%s)", thunk, why) < 0)
    return -1;
  m->nunhooked++;
  return 0;
}

/* The thunks of m's functions (thunks) that have code of their own join m:
 * a call through a base class's pointer runs it and not the function, whose
 * hook never sees it. Those that go on into their function stay out (hooked
 * too, their calls would be recorded twice); those a hook cannot go into are
 * kept for the note. -1 when out of memory. */
static int settle_thunks(const char *path, ospy_cxx_matches *m, ospy_cxx_matches *thunks)
{
  if (!thunks->n)
    return 0;
  ospy_cxx_thunk_file *f = ospy_cxx_thunk_file_open(path);
  int rc = 0;
  for (size_t i = 0; i < thunks->n && rc == 0; i++) {
    char why[512];
    switch (ospy_cxx_thunk_examine(f, thunks->mangled[i], thunks->value[i], why, sizeof why)) {
    case OSPY_CXX_THUNK_GOES_ON:
      break;
    case OSPY_CXX_THUNK_OWN_CODE:
      rc = add_unique(m, thunks->mangled[i], thunks->demangled[i], thunks->value[i],
                      thunks->file[i], thunks->thunk[i]);
      break;
    case OSPY_CXX_THUNK_UNHOOKABLE:
      rc = add_unhooked(m, thunks->thunk[i], why);
      break;
    }
  }
  ospy_cxx_thunk_file_close(f);
  return rc;
}

/* Whether another function of m with i's demangled name is of form code. */
static int other_form(const ospy_cxx_matches *m, size_t i, const char *code)
{
  for (size_t k = 0; k < m->n; k++) {
    const char *c = k == i ? NULL : ospy_cxx_structor_code(m->mangled[k]);
    if (c && !strcmp(m->demangled[k], m->demangled[i]) && !strncmp(c, code, 2))
      return 1;
  }
  return 0;
}

/* What tells function i apart from another of its demangled name (a
 * destructor's deleting form, D0, has the name of the one it calls), or
 * NULL when nothing needs to. */
static const char *form_label(const ospy_cxx_matches *m, size_t i)
{
  size_t same = 0;
  for (size_t k = 0; k < m->n; k++)
    same += !strcmp(m->demangled[k], m->demangled[i]);
  const char *c = same > 1 ? ospy_cxx_structor_code(m->mangled[i]) : NULL;
  if (!c)
    return NULL;
  if (!strncmp(c, "D0", 2))
    return "deleting";
  if ((!strncmp(c, "C1", 2) && other_form(m, i, "C2")) ||
      (!strncmp(c, "D1", 2) && other_form(m, i, "D2")))
    return "complete object";
  if ((!strncmp(c, "C2", 2) && other_form(m, i, "C1")) ||
      (!strncmp(c, "D2", 2) && other_form(m, i, "D1")))
    return "base object";
  return NULL;
}

/* m->shown: each function's demangled name, with its form when another
 * function has that name. -1 when out of memory. */
static int name_forms(ospy_cxx_matches *m)
{
  for (size_t i = 0; i < m->n; i++) {
    const char *label = form_label(m, i);
    size_t len = strlen(m->demangled[i]) + (label ? strlen(label) + 4 : 0) + 1;
    if (!(m->shown[i] = malloc(len)))
      return -1;
    snprintf(m->shown[i], len, label ? "%s [%s]" : "%s", m->demangled[i], label);
  }
  return 0;
}

int ospy_cxx_lookup_names(const char *path, const char *const *names, size_t n,
                          ospy_cxx_matches *m, int *plain)
{
  memset(m, 0, n * sizeof *m);
  if (plain)
    memset(plain, 0, n * sizeof *plain);
  ospy_cxx_matches *clones = calloc(n ? n : 1, sizeof *clones);
  ospy_cxx_matches *thunks = calloc(n ? n : 1, sizeof *thunks);
  const char *const **by_name = plain ? calloc(n ? n : 1, sizeof *by_name) : NULL;
  if (!clones || !thunks || (plain && !by_name)) {
    free(clones);
    free(thunks);
    free(by_name);
    return -1;
  }
  for (size_t k = 0; by_name && k < n; k++)
    by_name[k] = &names[k];
  if (by_name)
    qsort(by_name, n, sizeof *by_name, compare_names);
  lookup l = { path, names, n, m, clones, thunks, plain, by_name };
  int rc = ospy_elf_functions(path, 0, consider_symbol, &l);
  for (size_t k = 0; k < n; k++) {
    keep_clones_if_alone(&m[k], &clones[k]);
    merge_same_address(&m[k]);
    /* (not for clones: a clone's name is only said) */
    if (rc == 0 && !m[k].clones && settle_thunks(path, &m[k], &thunks[k]) < 0)
      rc = OUT_OF_MEMORY;
    ospy_cxx_matches_free(&thunks[k]);
    if (rc == 0 && name_forms(&m[k]) < 0)
      rc = OUT_OF_MEMORY;
  }
  free(clones);
  free(thunks);
  free(by_name);
  if (rc < 0 || rc == OUT_OF_MEMORY) {
    for (size_t k = 0; k < n; k++)
      ospy_cxx_matches_free(&m[k]);
    return -1;
  }
  return 0;
}

int ospy_cxx_lookup(const char *path, const char *name, ospy_cxx_matches *m)
{
  return ospy_cxx_lookup_names(path, &name, 1, m, NULL) < 0 ? -1 : (int)m->n;
}

int ospy_cxx_matches_take(ospy_cxx_matches *into, ospy_cxx_matches *from)
{
  int rc = 0;
  for (size_t i = 0; i < from->n && rc == 0; i++) {
    size_t k = 0;
    while (k < into->n && strcmp(into->mangled[k], from->mangled[i]))
      k++;
    if (k < into->n)
      continue; /* (an earlier file's definition, the one calls bind to) */
    rc = add_unique(into, from->mangled[i], from->demangled[i], from->value[i], from->file[i],
                    from->thunk[i]);
    if (rc == 0 && !(into->shown[into->n - 1] = strdup(from->shown[i])))
      rc = -1;
  }
  for (size_t i = 0; i < from->nunhooked && rc == 0; i++) {
    char **u = realloc(into->unhooked, (into->nunhooked + 1) * sizeof *u);
    if (u)
      into->unhooked = u;
    if (!u || !(u[into->nunhooked] = strdup(from->unhooked[i])))
      rc = -1;
    else
      into->nunhooked++;
  }
  ospy_cxx_matches_free(from);
  return rc;
}

void ospy_cxx_matches_free(ospy_cxx_matches *m)
{
  for (size_t i = 0; i < m->n; i++) {
    free(m->mangled[i]);
    free(m->demangled[i]);
    free(m->shown[i]);
    free(m->file[i]);
    free(m->thunk[i]);
  }
  for (size_t i = 0; i < m->nunhooked; i++)
    free(m->unhooked[i]);
  free(m->unhooked);
  free(m->thunk);
  free(m->file);
  free(m->mangled);
  free(m->demangled);
  free(m->shown);
  free(m->value);
  memset(m, 0, sizeof *m);
}
