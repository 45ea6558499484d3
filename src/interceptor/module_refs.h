/*
 * What in a module may lead into a few bytes of its code (module_refs.c):
 * for the hook builder, which must not write its jump over bytes that
 * something else jumps to.
 */
#ifndef OSPY_INTERCEPTOR_MODULE_REFS_H
#define OSPY_INTERCEPTOR_MODULE_REFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct ospy_module_ref {
  uintptr_t site;   /* where the reference is */
  uintptr_t target; /* the address it leads to */
  bool pointer;     /* a word of data holding it (exact), not code (to confirm by decoding) */
} ospy_module_ref;

/* The references found into (lo, hi), and how the module's code names an
 * address, for decoding a site: absolute (position-dependent code), got
 * (i386 PIC: the base of GOT-relative displacements; 0 if none). */
typedef struct ospy_module_refs {
  const uint64_t *at;
  size_t n;
  uintptr_t base;
  uintptr_t code_lo; /* where the module's executable segments start */
  bool absolute;
  uintptr_t got;
} ospy_module_refs;

/* Everything in the module holding fn that may lead strictly inside (lo,
 * hi). False when fn is in no loaded module, or its module cannot be
 * scanned (then nothing was looked at). The module is scanned at its first
 * query and its index kept for the next (until ospy_module_refs_forget, or
 * the loader unloads a module); out holds until the next call. */
bool ospy_module_refs_into(uintptr_t fn, uintptr_t lo, uintptr_t hi, ospy_module_refs *out);

/* Lets go of every module's index (the end of an installation batch: a
 * large library's is tens of MiB, not to be kept for the program's life). */
void ospy_module_refs_forget(void);

/* The i-th of them (i < refs->n). */
ospy_module_ref ospy_module_refs_get(const ospy_module_refs *refs, size_t i);

#endif
