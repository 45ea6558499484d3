/*
 * Source lines and inlined frames of a module address, from the module's
 * DWARF (or its separate debug file under /usr/lib/debug) with libdw: what
 * symbolize.c appends to a backtrace frame. Controller and readers only.
 */
#ifndef OSPY_CAPTURE_SYMBOLIZE_DWARF_H
#define OSPY_CAPTURE_SYMBOLIZE_DWARF_H

#include <stddef.h>
#include <stdint.h>

typedef struct ospy_dwarf_module ospy_dwarf_module;

/* NULL when the file cannot be read (no debug information is not an error:
 * lookups then find nothing). */
ospy_dwarf_module *ospy_dwarf_open(const char *path);
/* The same from local files only: the file's own DWARF or its debug file
 * by build-id, never a debuginfod server (a capture's start must not wait
 * on the network). */
ospy_dwarf_module *ospy_dwarf_open_local(const char *path);
void ospy_dwarf_close(ospy_dwarf_module *d);
/* For the code at ELF address vaddr (a return address minus one): " (file.c:12)",
 * or with inlined frames " (inlined inner at a.h:3, in outer at file.c:12)".
 * Empty when nothing is known. Always NUL-terminated. */
void ospy_dwarf_describe(ospy_dwarf_module *d, uint64_t vaddr, char *out, size_t cap);

/* The function whose code holds ELF address vaddr (a return address minus
 * one; at: the address itself), by its DWARF (a function local to a stripped
 * library that only its debug file names: ld.so's _dl_fini): 1 with its
 * name (C++ demangled) and *base, what at's offset counts from (its entry;
 * for a part of it below the entry or in another range, that part's start,
 * and the name gets ".cold", as GCC's symbols name it); 0 when the DWARF
 * describes no function there. A cut name is NUL-terminated. */
int ospy_dwarf_function_name(ospy_dwarf_module *d, uint64_t vaddr, uint64_t at, char *name,
                             size_t cap, uint64_t *base);

/* What the DWARF says of the function whose entry is at ELF address vaddr
 * (`ospy capture -f` of a C++ function, whose mangled name tells neither):
 * 1 with *has_this (it takes an object pointer, `this`: a member function
 * that is not static) and *returns_class (it returns a structure, class or
 * union, which may come back through a hidden first argument); 0 when the
 * module has no DWARF describing a function there, or not all it needs (a
 * reference into a supplementary file that was not found). */
int ospy_dwarf_function_shape(ospy_dwarf_module *d, uint64_t vaddr, int *has_this,
                              int *returns_class);
/* 1 when the module has DWARF (in the file or a debug file of its own),
 * 0 when not: whether a function it does not describe was built without
 * -g, or the rest of the file was. */
int ospy_dwarf_present(ospy_dwarf_module *d);

#endif
