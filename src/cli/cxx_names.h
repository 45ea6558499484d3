/* C++ functions named as `nm -C` prints them ("Codec::encode(char const*,
 * int)", or "Codec::encode" for every overload), found in a file's symbol
 * tables: the agent hooks the mangled names found. */
#ifndef OSPY_CLI_CXX_NAMES_H
#define OSPY_CLI_CXX_NAMES_H

#include <stddef.h>
#include <stdint.h>

typedef struct ospy_cxx_matches {
  char **mangled, **demangled;
  /* demangled, with the form of a constructor or destructor when another
   * function has its name: "geo::Rect::~Rect() [deleting]" (D0, which calls
   * the D1 whose name nm -C prints alike), "P::P(int) [base object]" (C2
   * when it is not C1) */
  char **shown;
  uint64_t *value; /* its address in the file */
  char **file;     /* the file's path */
  size_t n;        /* functions: the symbols of one address (C1 and C2) are one */
  /* 1: no function has the name, only compiler clones of ones that had it
   * (g++ -O2's "f(int) [clone .isra.0]", whose parameters may differ):
   * demangled is the clone's name, mangled the name of the function it
   * copies, which the file lacks. Hooked by that name, the capture reports
   * the clone at once, as for a C function (work.constprop.0). */
  int clones;
  /* thunk[i]: NULL for a function of the name; for a thunk of one that has
   * code of its own (g++ -O2 copies a method's code into its "non-virtual
   * thunk to D::fb(int)", which calls through a base class's pointer
   * enter), that name, the thunk's own: demangled and shown are the
   * method's, mangled and value the thunk's. Thunks that go on into their
   * method (adjust `this` and jump to it) are left out: its hook sees their
   * calls. */
  char **thunk;
  /* thunks with code of their own that no hook can go into, for the note:
   * "non-virtual thunk to D::fb(int) (WHY)" */
  char **unhooked;
  size_t nunhooked;
} ospy_cxx_matches;

/* Whether a function name is written as C++ (::, a parameter list...). */
int ospy_cxx_name_like(const char *name);
/* Whether it is a glob over C++ qualified names (ns::Codec::*, *::encode):
 * "::" and a pattern character, no parameter list (whose '*' is a pointer)
 * and no ABI tag (whose brackets are no pattern). Matched against the
 * demangled names without their parameter lists. */
int ospy_cxx_glob_like(const char *name);
/* The functions of the ELF file at path whose demangled name is name
 * (ospy_cxx_name_matches: also without its return type, parameter list,
 * template arguments or ABI tags), and the thunks of those with code of
 * their own (m->thunk); when there are none, the compiler clones of such
 * functions (m->clones). Returns how many (m filled), -1 when the file
 * cannot be read. */
int ospy_cxx_lookup(const char *path, const char *name, ospy_cxx_matches *m);
/* ospy_cxx_lookup of n names in one walk of the file (a config's hooks of
 * one module): m[k] for names[k]. With plain not NULL, plain[k] says whether
 * a function's symbol is names[k] itself (a C function of that name). 0, or
 * -1 when the file cannot be read (m left empty). */
int ospy_cxx_lookup_names(const char *path, const char *const *names, size_t n,
                          ospy_cxx_matches *m, int *plain);
/* Adds from's functions whose mangled name into lacks to into (a later
 * file's, after the earlier ones': each symbol's first definition), and
 * frees from. 0, or -1 when out of memory. */
int ospy_cxx_matches_take(ospy_cxx_matches *into, ospy_cxx_matches *from);
void ospy_cxx_matches_free(ospy_cxx_matches *m);

#endif
