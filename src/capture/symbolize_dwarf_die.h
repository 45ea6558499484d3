/*
 * The DIE lookups symbolize_dwarf.c shares with dwarf_signature.c (libdw
 * types, so apart from symbolize_dwarf.h, which its other users include
 * without libdw's headers). Controller only.
 */
#ifndef OSPY_CAPTURE_SYMBOLIZE_DWARF_DIE_H
#define OSPY_CAPTURE_SYMBOLIZE_DWARF_DIE_H

#include <elfutils/libdw.h>
#include <stdint.h>

#include "capture/symbolize_dwarf.h"

/* The DW_TAG_subprogram of the concrete tree whose entry is at ELF address
 * vaddr: 1 and *out, 0 when the module's DWARF describes none. */
int ospy_dwarf_function_die(ospy_dwarf_module *d, uint64_t vaddr, Dwarf_Die *out);

/* The DIE die completes (DW_AT_abstract_origin, else DW_AT_specification):
 * 1 and *out, 0 none, -1 when the reference cannot be followed. */
int ospy_dwarf_origin_of(Dwarf_Die *die, Dwarf_Die *out);

/* Attribute name of die or of a DIE it completes: 1 and *a, 0 none, -1 when
 * a reference on the way cannot be followed. */
int ospy_dwarf_attr_through(Dwarf_Die *die, unsigned name, Dwarf_Attribute *a);

#endif
