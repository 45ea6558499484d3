/* The arguments of a function that `capture -f` hooks without a
 * definition: from the file's DWARF when it has some for the function (or
 * its debug file under /usr/lib/debug: docs/catalogue.md, "Arguments from
 * DWARF"), else for a C++ function from its mangled name ("Arguments from a
 * C++ name"): the parameter types come from the demangled signature
 * (config/cxx_signature.h); whether a member function takes `this` and
 * whether it returns a class from the file's DWARF, else from what its
 * symbols tell. */
#ifndef OSPY_CLI_CXX_ARGS_H
#define OSPY_CLI_CXX_ARGS_H

#include <stddef.h>
#include <stdint.h>

#include "plan/spec.h"

/* What was read of each file (its DWARF, the classes its symbols name),
 * kept for the capture's other functions. */
typedef struct ospy_cxx_args ospy_cxx_args;

ospy_cxx_args *ospy_cxx_args_new(unsigned bits);
void ospy_cxx_args_free(ospy_cxx_args *a);

/* A function spec, added to t, that decodes the arguments of the function
 * whose symbol is mangled, at ELF address value in the file at path: as its
 * DWARF describes them when the file (or its debug file) has some for it,
 * the return value too (*from_dwarf set), else from the name, the return
 * value left raw. OSPY_SPEC_NONE when it stays raw, with why (empty when
 * mangled is no C++ name, or out of memory). */
uint32_t ospy_cxx_args_spec(ospy_cxx_args *a, ospy_spec_table *t, const char *path,
                            uint64_t value, const char *mangled, int *from_dwarf, char *why,
                            size_t cap);

/* The same for a function whose symbol is no C++ name (a C function), from
 * its DWARF alone (docs/catalogue.md, "Arguments from DWARF"). OSPY_SPEC_NONE
 * when it stays raw: why says why when its DWARF describes it, empty when
 * nothing does (built without -g) or out of memory. */
uint32_t ospy_dwarf_args_for(ospy_cxx_args *a, ospy_spec_table *t, const char *path,
                             uint64_t value, const char *symbol, char *why, size_t cap);

#endif
