/*
 * Addresses of a capture turned into module!function+0xoff, outside the
 * target and after the fact: the modules come from the capture's
 * ModuleLoad/ModuleUnload records (per process), the symbols from the module
 * files' .symtab (or .dynsym when stripped), read with libelf, and source
 * lines and inlined frames from their DWARF with libdw (symbolize_dwarf.h).
 * Controller and readers only.
 */
#ifndef OSPY_CAPTURE_SYMBOLIZE_H
#define OSPY_CAPTURE_SYMBOLIZE_H

#include <stddef.h>
#include <stdint.h>

#include "capture/event.h"

typedef struct ospy_symbolizer ospy_symbolizer;

/* A C++ symbol demangled (Rot13::encode(char const*, int, char*)), other
 * names as they are; malloc'ed, NULL when out of memory. */
char *ospy_symbol_readable(const char *name);

ospy_symbolizer *ospy_symbolizer_new(void);
void ospy_symbolizer_free(ospy_symbolizer *s);
/* Follows ModuleLoad/ModuleUnload and ProcessStart records (an exec is a new
 * image; a forked child's addresses are looked up in its parent's modules,
 * capture/procmap.h). */
void ospy_symbolizer_note(ospy_symbolizer *s, const ospy_event_hdr *rec);
/* "libc.so.6!read+0x12" (the function from the symbol table, else from
   the DWARF: a function local to a stripped library), "prog+0x1234" (neither
   names one), or "0x7f..." (no module), followed where the module has debug information by " (file.c:12)"
   or " (inlined f at a.h:3, in g at file.c:12)" for the call before addr (a
   return address); always NUL-terminated. */
void ospy_symbolizer_name(ospy_symbolizer *s, uint32_t pid, uint64_t addr, char *out, size_t cap);

#endif
