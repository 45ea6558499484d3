/* The function spec that decodes a -f function's arguments and return
 * value as its DWARF describes them (capture/dwarf_signature.h;
 * docs/catalogue.md, "Arguments from DWARF"). */
#ifndef OSPY_CLI_DWARF_ARGS_H
#define OSPY_CLI_DWARF_ARGS_H

#include <stddef.h>
#include <stddef.h>
#include <stdint.h>

#include "capture/dwarf_signature.h"
#include "plan/spec.h"

/* A spec named name, added to t: each parameter by its DWARF name (p1..pN
 * when it has none; a compiler-added first one `this`), typed as sig says,
 * and the return value typed (none for void), for a target of bits (64 or
 * 32). On i386 the parameters the DWARF says arrive in registers decide the
 * convention: GCC's regparm (left to the agent, which finds it for a static
 * function as for a raw one) or the ecx, edx of clang's for a local
 * function (fastcall). Its index; OSPY_SPEC_NONE with why when no
 * convention ospy reads puts them where the DWARF says, or out of memory
 * (why empty). */
uint32_t ospy_dwarf_args_spec(ospy_spec_table *t, const char *name, const ospy_dwarf_sig *sig,
                              unsigned bits, char *why, size_t cap);

#endif
