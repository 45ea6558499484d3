/*
 * A function's parameters and return type as its DWARF describes them
 * (`ospy capture -f` of a function no config or preset defines, in a file
 * built with -g or with a debug file under /usr/lib/debug:
 * docs/catalogue.md, "Arguments from DWARF"). The types are read
 * conservatively into the few kinds an ospy type decodes exactly; anything
 * a guess could get wrong (a structure passed or returned by value, long
 * double, a variadic list, a compiler's local copy) keeps the function raw,
 * with the reason. Controller only.
 */
#ifndef OSPY_CAPTURE_DWARF_SIGNATURE_H
#define OSPY_CAPTURE_DWARF_SIGNATURE_H

#include <stddef.h>
#include <stdint.h>

#include "capture/symbolize_dwarf.h"

#define OSPY_DWARF_MAX_PARAMS 32 /* (OSPY_SPEC_MAX_ARGS) */

enum ospy_dwarf_kind {
  OSPY_DWK_VOID,    /* the return value of a function that returns none */
  OSPY_DWK_INT,     /* an integer of size bytes, is_signed */
  OSPY_DWK_BOOL,    /* _Bool / bool, size bytes */
  OSPY_DWK_FLOAT,   /* float (4) or double (8) */
  OSPY_DWK_ENUM,    /* an enumeration of 4 bytes, its enumerators listed */
  OSPY_DWK_STRING,  /* a pointer to char */
  OSPY_DWK_WSTRING, /* a pointer to wchar_t (4 bytes) */
  OSPY_DWK_POINTER, /* any other pointer or reference */
};

typedef struct ospy_dwarf_enumerator {
  char *name;
  int64_t value; /* within INT32_MIN..UINT32_MAX */
} ospy_dwarf_enumerator;

typedef struct ospy_dwarf_value {
  uint8_t kind;       /* enum ospy_dwarf_kind */
  uint8_t size;       /* bytes: INT, BOOL, FLOAT, ENUM */
  uint8_t is_signed;  /* INT, ENUM */
  uint8_t writable;   /* STRING, WSTRING: the characters are not const (a buffer
                         the function may fill, as often as a string it reads) */
  uint8_t artificial; /* a parameter the compiler adds: a member function's `this` */
  uint8_t entry_reg;  /* a parameter the DWARF says is in a register when the
                         function starts: its DWARF register number + 1 (i386:
                         1 eax, 2 ecx, 3 edx); 0 elsewhere or not said; of a
                         value in two 4-byte pieces, its first (low) piece's */
  uint8_t entry_reg_hi; /* the register of such a value's second (high) piece
                           when the function starts, as entry_reg; 0 not said */
  uint8_t has_entry_stack; /* the DWARF says where on the stack it is at entry: */
  int32_t entry_stack;     /* its byte offset from the first stack argument (i386:
                              a DW_OP_fbreg from the CFA, gcc, or from ebp, clang
                              -O0, at or past the first stack argument) */
  uint8_t in_own_frame; /* the DWARF says it is below the first stack argument,
                           in the function's own frame (a DW_OP_fbreg as
                           entry_stack's, negative): a copy, as gcc -O0 makes
                           of one that arrived in a register (or of a char) */
  uint8_t is_constant; /* a parameter with a constant value and no location in
                          the DWARF (DW_AT_const_value): every call passed that
                          value, and the compiler may have dropped it from the
                          calls (clang, without renaming the function) */
  uint64_t constant;   /* is_constant: its value's bytes, little-endian */
  char name[64];      /* a parameter's name, "" when the DWARF gives none */
  char type_name[64]; /* ENUM: the enumeration's name, "" when anonymous */
  size_t nenumerators;
  ospy_dwarf_enumerator *enumerators;
} ospy_dwarf_value;

/* Which compiler built a function, by its unit's DW_AT_producer. */
enum ospy_dwarf_producer {
  OSPY_DWARF_BY_OTHER = 0, /* not said, or another compiler */
  OSPY_DWARF_BY_GCC,       /* "GNU C17 12.2.0 ...", "GNU C++17 ...", "GNU GIMPLE ..." */
  OSPY_DWARF_BY_CLANG,     /* "clang version 14.0.6", "Debian clang version ..." */
};

/* A calling convention a function's DWARF names (DW_AT_calling_convention,
 * clang's for an i386 function declared with one). */
enum ospy_dwarf_cc {
  OSPY_DWARF_CC_NORMAL = 0, /* not said, or DW_CC_normal */
  OSPY_DWARF_CC_STDCALL,    /* DW_CC_BORLAND_stdcall: __attribute__((stdcall)) */
  OSPY_DWARF_CC_FASTCALL,   /* DW_CC_BORLAND_msfastcall: __attribute__((fastcall)) */
};

typedef struct ospy_dwarf_sig {
  uint8_t producer; /* enum ospy_dwarf_producer */
  uint8_t external; /* DW_AT_external: a global function (exported, or hidden) */
  uint8_t cc;       /* enum ospy_dwarf_cc */
  ospy_dwarf_value ret;
  size_t nparams;
  ospy_dwarf_value params[OSPY_DWARF_MAX_PARAMS];
} ospy_dwarf_sig;

/* The signature of the function whose entry is at ELF address vaddr in
 * module d. 1 and *sig (free it with ospy_dwarf_sig_free); 0 when no DWARF
 * describes a function starting there (or what it needs cannot be read);
 * -1 when it does but a decode could be wrong, with why (*sig empty). */
int ospy_dwarf_signature(ospy_dwarf_module *d, uint64_t vaddr, ospy_dwarf_sig *sig, char *why,
                         size_t cap);
void ospy_dwarf_sig_free(ospy_dwarf_sig *sig);

#endif
