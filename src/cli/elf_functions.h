/* The functions an ELF file defines, from its symbol tables (.symtab and
 * .dynsym): what -f patterns and C++ names are matched against before the
 * program runs. */
#ifndef OSPY_CLI_ELF_FUNCTIONS_H
#define OSPY_CLI_ELF_FUNCTIONS_H

#include <stdint.h>

/* Called for each defined function symbol (STT_FUNC or STT_GNU_IFUNC, or a
 * global STT_NOTYPE one in a section of code: hand-written assembly without
 * `.type`; with an address), not for a .dynsym symbol of a hidden version (an old ABI's
 * clnt_spcreateerror@GLIBC_2.2.5, which no name looks up); a symbol in both
 * tables comes twice; value is its address in the file (two names of one
 * function have the same). Non-zero stops the walk and is returned. */
typedef int (*ospy_elf_function_fn)(const char *name, uint64_t value, void *data);

/* Walks the file at path; bits 32 or 64 refuses a file of the other class
 * (0: either). 0 when walked, 1 when the file is no ELF file of that class,
 * -1 when it cannot be opened, else what fn returned. */
int ospy_elf_functions(const char *path, unsigned bits, ospy_elf_function_fn fn, void *data);

/* The same for the IFUNC symbols alone (STT_GNU_IFUNC: the address is a
 * resolver's, which returns the implementation the loader binds the name to). */
int ospy_elf_ifuncs(const char *path, unsigned bits, ospy_elf_function_fn fn, void *data);

#endif
