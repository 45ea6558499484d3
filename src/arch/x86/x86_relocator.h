/*
 * Prologue relocator: moves the first instructions of a function to a
 * trampoline so their place can hold a jump, rewriting what depends on where
 * they ran (RIP-relative operands, relative call/jmp/jcc, call $+5 and
 * get_pc_thunk idioms). Decoding uses Capstone.
 *
 * The caller first asks ospy_x86_relocator_plan() whether (and how many) bytes
 * can be moved; nothing is written if the answer is no. Then
 * ospy_x86_relocator_write() emits the relocated copy through a writer, ending
 * with a jump back to the first byte that was not moved, and fills a map from
 * original instruction offsets to offsets in the copy (used to move a thread
 * whose pc is inside the patched bytes, and to name the original instruction
 * of a pc inside the copy: a crash there).
 *
 * Relocated (the copy behaves as the original did in place):
 *  - any instruction without an address dependency: copied;
 *  - x86-64 RIP-relative operands (found from the ModRM byte, whatever the
 *    prefixes, VEX/EVEX, or immediate after the disp32): new disp32 when the
 *    copy is within 2GB of the target (always for [eip+x], 0x67 prefix: its
 *    address wraps at 4GB); else `lea reg,[rip+x]` becomes `mov reg, imm`, `jmp/call/push
 *    [rip+x]` load the slot through rax saved on the stack, and any other
 *    instruction (mov/cmp/add/... , SSE/AVX too) runs with [scratch] in place
 *    of [rip+x], scratch being a register it does not touch, saved below the
 *    red zone;
 *  - jmp/jcc rel8/rel32 (any bnd prefix dropped): to the same absolute target
 *    (far jcc: inverted jcc over an absolute jmp), or to the copy when the
 *    target is a moved instruction;
 *  - call rel32: same target (far on x86-64: push of the return address in
 *    the copy + absolute jmp); `call $+5` and calls into the moved bytes push
 *    the ORIGINAL return address; i386 `call get_pc_thunk.<reg>` (a function
 *    reading `mov reg,[esp]; ret`) becomes `mov reg, original_return_address`;
 *  - loop/loope/loopne/jecxz/jrcxz: rel8 to a moved instruction, or a jump
 *    island to an outside target;
 *  - a ret/jmp that ends the moved bytes (the jump back is then never taken);
 *    when it ends them too early, the int3/nop padding after it within the
 *    function's known size is moved too (dead bytes the patch may cover: a
 *    thunk `jmp target` padded to its alignment).
 * Refused by the plan (status, and `why` names the instruction and offset):
 *  TOO_SHORT (ret/jmp/hlt/ud2/int3 before min_bytes followed by anything but
 *  padding, or with the function's size unknown; or a symbol too small),
 *  BRANCH_BACK (a relative jmp/jcc/call/loop after the moved bytes, within the
 *  function, lands strictly inside them; indirect branches such as jump
 *  tables cannot be seen), UNSUPPORTED (xbegin, 0x66-prefixed relative
 *  branches, a branch into the middle of a moved instruction, more than
 *  OSPY_X86_RELOC_MAX_INSNS instructions), DECODE_ERROR (bytes Capstone
 *  rejects, or fewer readable bytes than needed). Refused by write (writer
 *  error): a far RIP-relative instruction that touches rsp other than
 *  jmp/call/push, or whose encoding is not understood.
 *
 * Capstone allocates (cs_open, detail records): plan and write are
 * hook-installation code, not for a context where malloc may be re-entered.
 */
#ifndef OSPY_ARCH_X86_RELOCATOR_H
#define OSPY_ARCH_X86_RELOCATOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arch/x86/x86_writer.h"

#define OSPY_X86_RELOC_MAX_INSNS 16

typedef enum ospy_x86_reloc_status {
  OSPY_X86_RELOC_OK = 0,
  OSPY_X86_RELOC_TOO_SHORT,        /* function ends (ret, jmp away, symbol end) before enough bytes */
  OSPY_X86_RELOC_BRANCH_BACK,      /* code after the moved bytes branches into them */
  OSPY_X86_RELOC_DECODE_ERROR,     /* bytes that do not decode */
  OSPY_X86_RELOC_UNSUPPORTED,      /* an instruction that cannot be moved (e.g. loop/jrcxz far away) */
} ospy_x86_reloc_status;

typedef struct ospy_x86_reloc_plan {
  ospy_x86_mode mode;
  uint64_t pc;          /* address of the function's first byte */
  size_t len;           /* bytes to move: whole instructions, >= the bytes asked for */
  size_t skip;          /* leading bytes kept in place (endbr64/endbr32): the patch goes after them */
  unsigned n_insns;
  uint8_t insn_offset[OSPY_X86_RELOC_MAX_INSNS]; /* offsets (from pc) of moved instructions */
  /* i386 `call __x86.get_pc_thunk.<reg>`: the hardware index of the register
   * the thunk loads (the copy gets `mov reg, original_return_address`), else -1. */
  int8_t pc_thunk_reg[OSPY_X86_RELOC_MAX_INSNS];
  char why[160];        /* human-readable reason when the status is not OK */
} ospy_x86_reloc_plan;

typedef struct ospy_x86_reloc_map {
  unsigned n;
  uint8_t from[OSPY_X86_RELOC_MAX_INSNS]; /* offset in the original, from pc */
  uint16_t to[OSPY_X86_RELOC_MAX_INSNS];  /* offset in the relocated copy */
  uint16_t end; /* offset in the copy of the jump back: the relocated instructions end there */
  int8_t failed; /* after a failed write: index of the instruction that could not be
                  * relocated, -1 when the failure was not one instruction's (no room) */
} ospy_x86_reloc_map;

/*
 * Can at least min_bytes (after any endbr) of the code at pc be moved?
 * code points at a readable copy of the function bytes (at least avail bytes);
 * fn_size is the symbol's size when known, 0 when not. The scan for branches
 * back into the moved bytes covers the function body (fn_size, or up to the
 * first unconditional end it can see within avail).
 */
ospy_x86_reloc_status ospy_x86_relocator_plan(const uint8_t *code, size_t avail,
                                              uint64_t pc, size_t fn_size,
                                              size_t min_bytes, ospy_x86_mode mode,
                                              ospy_x86_reloc_plan *plan);

/*
 * As ospy_x86_relocator_plan(), with a reader for memory outside code[0..avail)
 * (used to look at call targets: is it a get_pc_thunk?). read may be NULL:
 * then targets outside code are read directly only when code is the live
 * function (code == (void *)pc), else calls are assumed not to be thunks.
 */
typedef bool (*ospy_x86_read_fn)(uint64_t addr, void *out, size_t n, void *data);
ospy_x86_reloc_status ospy_x86_relocator_plan_read(const uint8_t *code, size_t avail,
                                                   uint64_t pc, size_t fn_size,
                                                   size_t min_bytes, ospy_x86_mode mode,
                                                   ospy_x86_read_fn read, void *data,
                                                   ospy_x86_reloc_plan *plan);

/* Upper bound of the bytes ospy_x86_relocator_write() emits for a plan. */
#define OSPY_X86_RELOC_MAX_OUTPUT(n_insns) ((size_t)(n_insns) * 48u + 16u)

/*
 * Writes the planned instructions, relocated, then a jump back to pc+skip+len.
 * The writer's pc must be where the copy will execute. map->to[] is relative
 * to the writer offset at the call. Label references inside the copy are
 * resolved before returning (the caller's own pending labels are left alone).
 * Returns false, with the writer failed and its error set, when an
 * instruction cannot be relocated to this address (e.g. an RIP-relative
 * operand of a kind that cannot go through a scratch register when the copy
 * is more than 2GB away; map->failed names it) or the writer runs out of room.
 */
bool ospy_x86_relocator_write(ospy_x86_writer *w, const uint8_t *code,
                              const ospy_x86_reloc_plan *plan,
                              ospy_x86_reloc_map *map);

/*
 * Follows PLT stubs and jump thunks (jmp rel, jmp [rip+x], jmp [abs],
 * endbr + bnd jmp ...) to the function they lead to. read() copies n bytes of
 * target memory and returns false when they are unreadable. Returns addr
 * itself when it is not a thunk.
 */
uint64_t ospy_x86_resolve_thunks(uint64_t addr, ospy_x86_mode mode,
                                 ospy_x86_read_fn read, void *data);

/* The same through PLT stubs only (jumps through a GOT slot: not functions
 * of their own), stopping at a direct jmp (a tail-call wrapper, libstdc++'s
 * operator new[]: a function whose calls are its own). */
uint64_t ospy_x86_resolve_stubs(uint64_t addr, ospy_x86_mode mode,
                                ospy_x86_read_fn read, void *data);

const char *ospy_x86_reloc_status_name(ospy_x86_reloc_status status);

/*
 * Whether off is where an instruction starts, decoding code (size bytes, the
 * code of one function from its first byte) instruction after instruction:
 * 1 when one starts there; 0 when off lies inside one, whose offset and
 * length go to *start and *len; -1 when decoding stopped before off (bytes
 * Capstone does not know: data in the code, or a wrong size). A hook placed
 * inside an instruction patches the middle of it, and what runs there is
 * garbage. Capstone allocates: for hook-installation code.
 */
int ospy_x86_insn_boundary(const uint8_t *code, size_t size, size_t off, ospy_x86_mode mode,
                           size_t *start, size_t *len);

#endif
