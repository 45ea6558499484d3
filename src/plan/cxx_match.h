/* C++ function names as `nm -C` prints them, matched against demangled
 * symbol names: the controller's lookup in a program's files before it runs
 * (src/cli/cxx_names.c) and the agent's in the libraries the program opens
 * later (src/agent/resolve_cxx.c) decide alike. No allocation: the agent
 * matches inside a dlopen. */
#ifndef OSPY_PLAN_CXX_MATCH_H
#define OSPY_PLAN_CXX_MATCH_H

#include <stddef.h>

/* Where a demangled name's parameter list starts: its first '(' outside
 * template brackets, an operator's own token ("operator()") and
 * "(anonymous namespace)"; strlen(d) when it has none. */
size_t ospy_cxx_base_len(const char *d);

/* The length of the unit of a demangled name at d + i: an operator with
 * its token ("operator<<", "operator()"), "(anonymous namespace)" or a
 * brace group ("{lambda(int)#1}"), whose brackets are no template brackets
 * or parameter list; 1 for any other character. */
size_t ospy_cxx_unit_len(const char *d, size_t i);

/* The parts of a demangled name d before its parameter list (which starts
 * at ospy_cxx_base_len(d)): a template function's return type ends before
 * *name_at ("int " of "int ns::twice<int>(int)"; *name_at is 0 when none is
 * printed), its qualified name starts there, and its scope ("ns") ends at
 * *scope_end, where "::" precedes the function's own name (*scope_end ==
 * *name_at when the name has no scope). */
void ospy_cxx_name_parts(const char *d, size_t *name_at, size_t *scope_end);

/* Whether name designates the function whose demangled name is d:
 *  - d itself ("int ns::twice<int>(int)", "ns::Codec::name[abi:cxx11]() const");
 *  - without the return type the demangler prints for a template function
 *    ("ns::twice<int>(int)", as the source spells it);
 *  - without the parameter list, every overload ("ns::add", "operator new");
 *  - without template arguments, when name has none, every instantiation
 *    ("ns::twice", "ns::Box::get");
 *  - without ABI tags, when name has none ("ns::Codec::name() const").
 * A compiler clone ("f(int) [clone .isra.0]") only by its full name. */
int ospy_cxx_name_matches(const char *d, const char *name);

/* The identifier a symbol of a function name designates must spell, as the
 * mangling writes it ("3run" for ns::Engine::run(int), "4Rect" for
 * geo::Rect::~Rect()): a cheap test before demangling. "" when there is
 * none to test (an operator, a name in std::, whose scopes have short
 * codes). */
void ospy_cxx_name_token(const char *name, char *out, size_t cap);

/* A constructor's or destructor's form in its mangled name: "C1" complete
 * object, "C2" base object, "D0" deleting (it calls D1, then operator
 * delete), "D1", "D2" (the code after the class's name, before the nested
 * name's end or an ABI tag; the two characters at the pointer), or NULL. */
const char *ospy_cxx_structor_code(const char *mangled);

#endif
