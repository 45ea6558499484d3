/* C++ functions named as `nm -C` prints them, looked up in a file's symbol
 * tables (see cxx_names.h). */
#include "cli/cxx_names.h"
#include "cli/elf_functions.h"
#include "capture/symbolize.h"

#include <stdlib.h>
#include <string.h>

int ospy_cxx_name_like(const char *name)
{
  return strstr(name, "::") || strstr(name, "[abi:") || strpbrk(name, "()<>~ ,") != NULL;
}

/* The demangled name up to its parameter list ("ns::f" of "ns::f(int) const"):
 * the first '(' outside template brackets. */
static size_t base_len(const char *d)
{
  int depth = 0;
  for (size_t i = 0; d[i]; i++) {
    if (d[i] == '<')
      depth++;
    else if (d[i] == '>' && depth)
      depth--;
    else if (d[i] == '(' && !depth)
      return i;
  }
  return strlen(d);
}

/* A name without its parameter list matches every overload, but not the
 * compiler's clones ("f(int) [clone .cold]"): a .cold part is not a function
 * entry (hooking it broke exception handling), and .isra/.constprop copies take
 * other arguments than the source declares. Named in full, a clone matches. */
static int name_is(const char *demangled, const char *name)
{
  if (!strcmp(demangled, name))
    return 1;
  if (strstr(demangled, " [clone "))
    return 0;
  size_t n = base_len(demangled);
  return !strchr(name, '(') && strlen(name) == n && !strncmp(demangled, name, n);
}

/* d without its ABI tags ("name[abi:cxx11]() const" -> "name() const"), or
 * NULL when out of memory. */
static char *without_abi_tags(const char *d)
{
  char *s = strdup(d), *w = s;
  for (const char *r = d; s && *r;) {
    const char *end = strncmp(r, "[abi:", 5) ? NULL : strchr(r, ']');
    if (end)
      r = end + 1;
    else
      *w++ = *r++;
  }
  if (s)
    *w = 0;
  return s;
}

/* 1 when demangled is name, 0 when not, -1 when out of memory. nm -C prints
 * the ABI tags g++ adds (a function returning std::string is
 * "name[abi:cxx11]() const"), the source has none: a name written without
 * them matches a function with them. */
static int matches(const char *demangled, const char *name)
{
  if (strstr(name, "[abi:") || !strstr(demangled, "[abi:"))
    return name_is(demangled, name);
  char *plain = without_abi_tags(demangled);
  int rc = plain ? name_is(plain, name) : -1;
  free(plain);
  return rc;
}

static int add_unique(ospy_cxx_matches *m, const char *mangled, const char *demangled)
{
  for (size_t i = 0; i < m->n; i++)
    if (!strcmp(m->mangled[i], mangled))
      return 0;
  char **a = realloc(m->mangled, (m->n + 1) * sizeof *a);
  char **b = a ? realloc(m->demangled, (m->n + 1) * sizeof *b) : NULL;
  if (a)
    m->mangled = a;
  if (!b)
    return -1;
  m->demangled = b;
  if (!(m->mangled[m->n] = strdup(mangled)) || !(m->demangled[m->n] = strdup(demangled)))
    return -1;
  m->n++;
  return 0;
}

/* One symbol, d its demangled name: a function named name goes to m; a
 * compiler clone of one ("f(int) [clone .isra.0]") to clones, by the mangled
 * name of the function it copies (its own up to the clone's ".isra.0"). */
static int consider(const char *mangled, char *d, const char *name, ospy_cxx_matches *m,
                    ospy_cxx_matches *clones)
{
  int rc = matches(d, name);
  char *cut = rc == 0 ? strstr(d, " [clone ") : NULL;
  if (rc > 0) {
    rc = add_unique(m, mangled, d);
  } else if (cut) {
    *cut = 0;
    rc = matches(d, name);
    *cut = ' ';
    char *origin = rc > 0 ? strndup(mangled, strcspn(mangled, ".")) : NULL;
    if (rc > 0)
      rc = origin ? add_unique(clones, origin, d) : -1;
    free(origin);
  }
  return rc < 0 ? -1 : 0;
}

#define OUT_OF_MEMORY 2 /* consider_symbol's stop code */

/* The lookup's state, for ospy_elf_functions: per name, its matches and
 * clones, and (plain not NULL) whether a symbol is the name itself, found
 * through the names sorted (by_name: a preset names hundreds of functions
 * of libc, which has thousands). */
typedef struct lookup {
  const char *const *names;
  size_t n;
  ospy_cxx_matches *m, *clones;
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
static int consider_symbol(const char *symbol, void *data)
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
      rc = consider(symbol, d, l->names[k], &l->m[k], &l->clones[k]);
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

int ospy_cxx_lookup_names(const char *path, const char *const *names, size_t n,
                          ospy_cxx_matches *m, int *plain)
{
  memset(m, 0, n * sizeof *m);
  if (plain)
    memset(plain, 0, n * sizeof *plain);
  ospy_cxx_matches *clones = calloc(n ? n : 1, sizeof *clones);
  const char *const **by_name = plain ? calloc(n ? n : 1, sizeof *by_name) : NULL;
  if (!clones || (plain && !by_name)) {
    free(clones);
    free(by_name);
    return -1;
  }
  for (size_t k = 0; by_name && k < n; k++)
    by_name[k] = &names[k];
  if (by_name)
    qsort(by_name, n, sizeof *by_name, compare_names);
  lookup l = { names, n, m, clones, plain, by_name };
  int rc = ospy_elf_functions(path, 0, consider_symbol, &l);
  for (size_t k = 0; k < n; k++)
    keep_clones_if_alone(&m[k], &clones[k]);
  free(clones);
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

void ospy_cxx_matches_free(ospy_cxx_matches *m)
{
  for (size_t i = 0; i < m->n; i++) {
    free(m->mangled[i]);
    free(m->demangled[i]);
  }
  free(m->mangled);
  free(m->demangled);
  memset(m, 0, sizeof *m);
}
