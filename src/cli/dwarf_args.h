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
 * 32). On i386 where the DWARF says the parameters are when the function
 * starts decides the convention: of a global function (exported, or
 * hidden) cdecl, regparm(N) or fastcall, the one that puts them there; of
 * a static one, GCC's regparm (left to the agent, which finds it for a
 * static function as for a raw one) or the ecx, edx of clang's for a local
 * function (fastcc), or GCC's fastcall; a convention the DWARF names
 * (clang's fastcall, stdcall) when they are where it puts them. Its index;
 * OSPY_SPEC_NONE with why when no convention ospy reads puts them where the
 * DWARF says, or several do, each elsewhere, or out of memory (why empty). */
uint32_t ospy_dwarf_args_spec(ospy_spec_table *t, const char *name, const ospy_dwarf_sig *sig,
                              unsigned bits, char *why, size_t cap);

#endif
