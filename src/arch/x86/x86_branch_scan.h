/*
 * A cheap superset test for "does any direct branch in this code land in
 * (lo, hi)?": every byte offset is read as the start of a relative jmp,
 * jcc, call, loop/jrcxz or xbegin, whatever the real instruction boundaries.
 * When none lands there, no decoded instruction can, and the caller skips
 * the full decode (which costs ~0.7 ms per hooked function with Capstone's
 * details; hooking all of libc spent two thirds of its start-up in it).
 */
#ifndef OSPY_ARCH_X86_BRANCH_SCAN_H
#define OSPY_ARCH_X86_BRANCH_SCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* code: len bytes that run at pc. True when some offset's bytes, read as a
 * direct relative branch (rel8, rel16 or rel32 displacement), target an
 * address strictly between lo and hi. */
bool ospy_x86_may_branch_into(const uint8_t *code, size_t len, uint64_t pc, uint64_t lo,
                              uint64_t hi);

/*
 * The same idea over a whole module (the hook builder's refusal of code far
 * away that jumps into the bytes it patches: a gcc `.cold` fragment's
 * `jmp fn+3` tens of KiB off), for the forms that reach that far, each read
 * at every byte offset:
 *  - a rel32 jmp, jcc, call or xbegin: its target;
 *  - x86-64: a RIP-relative lea, the address it takes (`lea rcx,
 *    [rip+fn+2]; jmp rcx`; a load from there reads the code as data and
 *    leads nowhere);
 *  - absolute: any 4 bytes as an address (position-dependent code:
 *    `mov ecx, offset fn+2`);
 *  - got (i386 PIC code): `lea r32, [reg + disp32]` as got + disp32 (GCC's
 *    `lea ecx, fn+2@GOTOFF[ebx]`).
 * Most of what this finds is no instruction (bytes inside others: a
 * `4d 01 e9` read from its e9 jumps somewhere): the caller decodes around
 * each site it keeps before it believes one.
 */
typedef struct ospy_x86_ref_scan {
  bool is64;
  bool absolute;
  uint32_t got;    /* 0: no GOT-relative lea looked for */
  uint64_t lo, hi; /* targets reported: lo <= target < hi */
  void (*found)(uint64_t site, uint64_t target, void *data);
  void *data;
} ospy_x86_ref_scan;

/* code: len bytes that run at pc; sites only at offsets below sites (the
 * bytes after them are read as the end of those instructions: a caller
 * scanning in chunks overlaps them). site is the offset's address. */
void ospy_x86_scan_refs(const uint8_t *code, size_t len, size_t sites, uint64_t pc,
                        const ospy_x86_ref_scan *s);

#endif
