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

#endif
