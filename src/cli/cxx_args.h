/* The arguments of a C++ function that `capture -f` hooks without a
 * definition, decoded from its mangled name (docs/catalogue.md, "Arguments
 * from a C++ name"): the parameter types come from the demangled signature
 * (config/cxx_signature.h); whether a member function takes `this` and
 * whether it returns a class from the file's DWARF when it has some (or
 * /usr/lib/debug), else from what its symbols tell. */
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
 * whose symbol is mangled, at ELF address value in the file at path; its
 * return value is left raw. OSPY_SPEC_NONE when it stays raw, with why
 * (empty when mangled is no C++ name, or out of memory). */
uint32_t ospy_cxx_args_spec(ospy_cxx_args *a, ospy_spec_table *t, const char *path,
                            uint64_t value, const char *mangled, char *why, size_t cap);

#endif
