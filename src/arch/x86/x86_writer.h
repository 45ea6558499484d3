/*
 * x86 instruction writer: appends machine code to a caller-owned buffer, one
 * function per instruction shape, for x86-64 or i386 code (the mode is chosen
 * per writer, whatever the host). Used by the interceptor (thunks,
 * trampolines, relocated prologues) and by the expression JIT. Nothing else in
 * ospy builds instruction bytes by hand.
 *
 * No hidden allocation: labels live in a fixed table inside the writer. Errors
 * (buffer full, operand the mode cannot encode, label table full, branch out of
 * range) are sticky: the writer stops writing and ospy_x86_writer_ok() turns
 * false, so a caller can emit a whole sequence and check once.
 *
 * Register names carry their width: OSPY_X86_RAX is 64-bit, OSPY_X86_EAX 32,
 * OSPY_X86_AX 16, OSPY_X86_AL 8. An instruction's operand size is the width of
 * its register operand(s).
 */
#ifndef OSPY_ARCH_X86_WRITER_H
#define OSPY_ARCH_X86_WRITER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum ospy_x86_mode {
  OSPY_X86_MODE_32 = 32,
  OSPY_X86_MODE_64 = 64,
} ospy_x86_mode;

/* Within each width group, registers are in hardware encoding order. */
typedef enum ospy_x86_reg {
  OSPY_X86_RAX, OSPY_X86_RCX, OSPY_X86_RDX, OSPY_X86_RBX,
  OSPY_X86_RSP, OSPY_X86_RBP, OSPY_X86_RSI, OSPY_X86_RDI,
  OSPY_X86_R8, OSPY_X86_R9, OSPY_X86_R10, OSPY_X86_R11,
  OSPY_X86_R12, OSPY_X86_R13, OSPY_X86_R14, OSPY_X86_R15,

  OSPY_X86_EAX, OSPY_X86_ECX, OSPY_X86_EDX, OSPY_X86_EBX,
  OSPY_X86_ESP, OSPY_X86_EBP, OSPY_X86_ESI, OSPY_X86_EDI,
  OSPY_X86_R8D, OSPY_X86_R9D, OSPY_X86_R10D, OSPY_X86_R11D,
  OSPY_X86_R12D, OSPY_X86_R13D, OSPY_X86_R14D, OSPY_X86_R15D,

  OSPY_X86_AX, OSPY_X86_CX, OSPY_X86_DX, OSPY_X86_BX,
  OSPY_X86_SP, OSPY_X86_BP, OSPY_X86_SI, OSPY_X86_DI,
  OSPY_X86_R8W, OSPY_X86_R9W, OSPY_X86_R10W, OSPY_X86_R11W,
  OSPY_X86_R12W, OSPY_X86_R13W, OSPY_X86_R14W, OSPY_X86_R15W,

  /* SPL..DIL need a REX prefix (x86-64 only); AH..BH are not offered. */
  OSPY_X86_AL, OSPY_X86_CL, OSPY_X86_DL, OSPY_X86_BL,
  OSPY_X86_SPL, OSPY_X86_BPL, OSPY_X86_SIL, OSPY_X86_DIL,
  OSPY_X86_R8B, OSPY_X86_R9B, OSPY_X86_R10B, OSPY_X86_R11B,
  OSPY_X86_R12B, OSPY_X86_R13B, OSPY_X86_R14B, OSPY_X86_R15B,

  OSPY_X86_RIP,  /* only as the base of a memory operand, x86-64 only */
  OSPY_X86_NOREG,
} ospy_x86_reg;

/* Returns 8, 16, 32 or 64; 0 for RIP/NOREG. */
unsigned ospy_x86_reg_width(ospy_x86_reg reg);
/* Hardware number 0..15. */
unsigned ospy_x86_reg_index(ospy_x86_reg reg);
/* The same hardware register at another width (8, 16, 32 or 64). */
ospy_x86_reg ospy_x86_reg_with_width(ospy_x86_reg reg, unsigned width);

/* Memory operand [base + index*scale + disp]. base may be NOREG (absolute
 * disp32) or RIP (disp is then relative to the end of the instruction, as the
 * CPU computes it; use ospy_x86_mem_rip_abs() to name an absolute target). */
typedef struct ospy_x86_mem {
  ospy_x86_reg base;
  ospy_x86_reg index; /* NOREG for none; never RSP */
  uint8_t scale;      /* 1, 2, 4 or 8 */
  int32_t disp;
  bool rip_absolute;  /* base RIP: disp_abs is the absolute target address */
  uint64_t disp_abs;
} ospy_x86_mem;

ospy_x86_mem ospy_x86_mem_base_disp(ospy_x86_reg base, int32_t disp);
ospy_x86_mem ospy_x86_mem_index(ospy_x86_reg base, ospy_x86_reg index,
                                uint8_t scale, int32_t disp);
ospy_x86_mem ospy_x86_mem_rip_abs(uint64_t target);
ospy_x86_mem ospy_x86_mem_abs32(uint32_t address);

typedef enum ospy_x86_cc {
  OSPY_X86_CC_O, OSPY_X86_CC_NO, OSPY_X86_CC_B, OSPY_X86_CC_AE,
  OSPY_X86_CC_E, OSPY_X86_CC_NE, OSPY_X86_CC_BE, OSPY_X86_CC_A,
  OSPY_X86_CC_S, OSPY_X86_CC_NS, OSPY_X86_CC_P, OSPY_X86_CC_NP,
  OSPY_X86_CC_L, OSPY_X86_CC_GE, OSPY_X86_CC_LE, OSPY_X86_CC_G,
} ospy_x86_cc;

/* Two-operand ALU group, in /digit encoding order. */
typedef enum ospy_x86_alu {
  OSPY_X86_ADD, OSPY_X86_OR, OSPY_X86_ADC, OSPY_X86_SBB,
  OSPY_X86_AND, OSPY_X86_SUB, OSPY_X86_XOR, OSPY_X86_CMP,
} ospy_x86_alu;

/* One-operand group F6/F7 /digit. */
typedef enum ospy_x86_unary {
  OSPY_X86_NOT = 2, OSPY_X86_NEG = 3, OSPY_X86_MUL = 4,
  OSPY_X86_IMUL1 = 5, OSPY_X86_DIV = 6, OSPY_X86_IDIV = 7,
} ospy_x86_unary;

/* Shift group D3/C1 /digit. */
typedef enum ospy_x86_shift {
  OSPY_X86_SHL = 4, OSPY_X86_SHR = 5, OSPY_X86_SAR = 7,
} ospy_x86_shift;

typedef uint32_t ospy_x86_label;

#define OSPY_X86_WRITER_MAX_LABELS 64
#define OSPY_X86_WRITER_MAX_REFS 128

typedef struct ospy_x86_label_ref {
  ospy_x86_label label;
  uint32_t field;   /* offset of the displacement field, the instruction's last */
  uint8_t size;     /* 1 or 4 */
} ospy_x86_label_ref;

/* The labels and the pending references (branches to labels not placed
 * yet: one to a placed label is resolved as it is written). The writer has
 * room for OSPY_X86_WRITER_MAX_LABELS and _REFS of its own; a caller that
 * needs more (the expression JITs) hands it larger tables. */
typedef struct ospy_x86_writer {
  uint8_t *buf;
  size_t capacity;
  size_t len;
  uint64_t pc0;     /* address buf[0] will execute at */
  ospy_x86_mode mode;
  bool failed;
  const char *error; /* static string, set with failed */
  uint32_t n_labels, max_labels;
  int32_t *label_offset; /* -1 until placed */
  uint32_t n_refs, max_refs;
  ospy_x86_label_ref *refs;
  int32_t own_label_offset[OSPY_X86_WRITER_MAX_LABELS];
  ospy_x86_label_ref own_refs[OSPY_X86_WRITER_MAX_REFS];
} ospy_x86_writer;

/* (the writer points into itself: it is not to be copied) */
void ospy_x86_writer_init(ospy_x86_writer *w, void *buf, size_t capacity,
                          uint64_t pc, ospy_x86_mode mode);
/* Larger label and reference tables than the writer's own, from now on
 * (before any label is made); they must outlive the writer's use. */
void ospy_x86_writer_use_tables(ospy_x86_writer *w, int32_t *label_offset, uint32_t max_labels,
                                ospy_x86_label_ref *refs, uint32_t max_refs);
/* Address the next instruction will execute at. */
uint64_t ospy_x86_writer_pc(const ospy_x86_writer *w);
size_t ospy_x86_writer_offset(const ospy_x86_writer *w);
bool ospy_x86_writer_ok(const ospy_x86_writer *w);
const char *ospy_x86_writer_error(const ospy_x86_writer *w);
/* Resolves label references; false (and failed) if any is unplaced or out of range. */
bool ospy_x86_writer_flush(ospy_x86_writer *w);
/* Resolves only the references to labels already placed, keeping the others
 * pending; false (and failed) if one is out of range. */
bool ospy_x86_writer_resolve_placed(ospy_x86_writer *w);

ospy_x86_label ospy_x86_writer_new_label(ospy_x86_writer *w);
void ospy_x86_writer_put_label(ospy_x86_writer *w, ospy_x86_label label);

void ospy_x86_writer_put_bytes(ospy_x86_writer *w, const void *bytes, size_t n);
void ospy_x86_writer_put_nop(ospy_x86_writer *w, size_t n); /* n bytes of (multi-byte) nops */
void ospy_x86_writer_put_int3(ospy_x86_writer *w);
void ospy_x86_writer_put_endbr(ospy_x86_writer *w); /* endbr64 or endbr32 by mode */

void ospy_x86_writer_put_mov_reg_reg(ospy_x86_writer *w, ospy_x86_reg dst, ospy_x86_reg src);
/* Shortest encoding of the immediate for dst's width (e.g. mov r32, imm32 for a
 * 64-bit value that fits). The value must fit the width, read as unsigned or
 * sign-extended (mov eax, (uint64_t)-1 is fine, mov eax, 1ull << 32 fails). */
void ospy_x86_writer_put_mov_reg_imm(ospy_x86_writer *w, ospy_x86_reg dst, uint64_t imm);
void ospy_x86_writer_put_mov_reg_mem(ospy_x86_writer *w, ospy_x86_reg dst, ospy_x86_mem src);
void ospy_x86_writer_put_mov_mem_reg(ospy_x86_writer *w, ospy_x86_mem dst, ospy_x86_reg src);
/* width 8/16/32/64; a 64-bit store sign-extends imm32. */
void ospy_x86_writer_put_mov_mem_imm(ospy_x86_writer *w, unsigned width, ospy_x86_mem dst, int32_t imm);
/* src_width 8 or 16 (movzx/movsx), or 32 with movsx into a 64-bit dst (movsxd). */
void ospy_x86_writer_put_movzx_reg_mem(ospy_x86_writer *w, ospy_x86_reg dst, unsigned src_width, ospy_x86_mem src);
void ospy_x86_writer_put_movsx_reg_mem(ospy_x86_writer *w, ospy_x86_reg dst, unsigned src_width, ospy_x86_mem src);
void ospy_x86_writer_put_movzx_reg_reg(ospy_x86_writer *w, ospy_x86_reg dst, ospy_x86_reg src);
void ospy_x86_writer_put_movsx_reg_reg(ospy_x86_writer *w, ospy_x86_reg dst, ospy_x86_reg src);
void ospy_x86_writer_put_lea_reg_mem(ospy_x86_writer *w, ospy_x86_reg dst, ospy_x86_mem src);
void ospy_x86_writer_put_xchg_reg_reg(ospy_x86_writer *w, ospy_x86_reg a, ospy_x86_reg b);

void ospy_x86_writer_put_alu_reg_reg(ospy_x86_writer *w, ospy_x86_alu op, ospy_x86_reg dst, ospy_x86_reg src);
void ospy_x86_writer_put_alu_reg_imm(ospy_x86_writer *w, ospy_x86_alu op, ospy_x86_reg dst, int32_t imm);
void ospy_x86_writer_put_alu_reg_mem(ospy_x86_writer *w, ospy_x86_alu op, ospy_x86_reg dst, ospy_x86_mem src);
void ospy_x86_writer_put_test_reg_reg(ospy_x86_writer *w, ospy_x86_reg a, ospy_x86_reg b);
void ospy_x86_writer_put_test_reg_imm(ospy_x86_writer *w, ospy_x86_reg a, int32_t imm);
void ospy_x86_writer_put_unary_reg(ospy_x86_writer *w, ospy_x86_unary op, ospy_x86_reg reg);
void ospy_x86_writer_put_imul_reg_reg(ospy_x86_writer *w, ospy_x86_reg dst, ospy_x86_reg src);
void ospy_x86_writer_put_shift_reg_cl(ospy_x86_writer *w, ospy_x86_shift op, ospy_x86_reg reg);
void ospy_x86_writer_put_shift_reg_imm(ospy_x86_writer *w, ospy_x86_shift op, ospy_x86_reg reg, uint8_t count);
/* Double-precision shifts by CL (i386 code uses them for 64-bit shifts). */
void ospy_x86_writer_put_shld_reg_reg_cl(ospy_x86_writer *w, ospy_x86_reg dst, ospy_x86_reg src);
void ospy_x86_writer_put_shrd_reg_reg_cl(ospy_x86_writer *w, ospy_x86_reg dst, ospy_x86_reg src);
/* cdq (32-bit) or cqo (64-bit), by the width given. */
void ospy_x86_writer_put_sign_extend_ax(ospy_x86_writer *w, unsigned width);

void ospy_x86_writer_put_setcc_reg(ospy_x86_writer *w, ospy_x86_cc cc, ospy_x86_reg reg8);
void ospy_x86_writer_put_cmovcc_reg_reg(ospy_x86_writer *w, ospy_x86_cc cc, ospy_x86_reg dst, ospy_x86_reg src);

/* Branches to labels pick rel8 when the label is already placed and near, rel32 otherwise. */
void ospy_x86_writer_put_jmp_label(ospy_x86_writer *w, ospy_x86_label label);
void ospy_x86_writer_put_jcc_label(ospy_x86_writer *w, ospy_x86_cc cc, ospy_x86_label label);
/* A rel8-only branch (loop, loopcc, jecxz/jrcxz: give the opcode bytes, with
 * any prefix) to a label; fails at flush if the label is out of rel8 range. */
void ospy_x86_writer_put_rel8_label(ospy_x86_writer *w, const uint8_t *opcode, size_t n,
                                    ospy_x86_label label);
/* rel32 when reachable; otherwise (x86-64) an absolute jmp [rip+0] with the
 * address inline, which clobbers no register. */
void ospy_x86_writer_put_jmp_address(ospy_x86_writer *w, uint64_t target);
/* Always the 14-byte absolute form on x86-64 (5-byte rel32 on i386). */
void ospy_x86_writer_put_jmp_address_abs(ospy_x86_writer *w, uint64_t target);
/* jcc to an absolute target: rel32 if reachable, else inverted jcc over an absolute jmp. */
void ospy_x86_writer_put_jcc_address(ospy_x86_writer *w, ospy_x86_cc cc, uint64_t target);
void ospy_x86_writer_put_jmp_reg(ospy_x86_writer *w, ospy_x86_reg reg);
void ospy_x86_writer_put_jmp_mem(ospy_x86_writer *w, ospy_x86_mem mem);
/* rel32 when reachable; otherwise (x86-64) via scratch: mov scratch, imm64; call scratch. */
void ospy_x86_writer_put_call_address(ospy_x86_writer *w, uint64_t target, ospy_x86_reg scratch);
void ospy_x86_writer_put_call_reg(ospy_x86_writer *w, ospy_x86_reg reg);
void ospy_x86_writer_put_call_mem(ospy_x86_writer *w, ospy_x86_mem mem);
void ospy_x86_writer_put_ret(ospy_x86_writer *w);
void ospy_x86_writer_put_ret_imm(ospy_x86_writer *w, uint16_t pop_bytes);

void ospy_x86_writer_put_push_reg(ospy_x86_writer *w, ospy_x86_reg reg);
void ospy_x86_writer_put_pop_reg(ospy_x86_writer *w, ospy_x86_reg reg);
/* push imm32 (sign-extended to 64 bits on x86-64). */
void ospy_x86_writer_put_push_imm(ospy_x86_writer *w, int32_t imm);
/* Pushes a pointer-sized value without touching any register: push imm32
 * (always the 5-byte form), plus on x86-64, when the value does not sign-extend
 * from 32 bits, mov dword [rsp+4], imm32 for the high half (13 bytes). */
void ospy_x86_writer_put_push_address(ospy_x86_writer *w, uint64_t value);
/* The size put_push_address will use for this value: 5 or 13. */
size_t ospy_x86_push_address_size(ospy_x86_mode mode, uint64_t value);
void ospy_x86_writer_put_pushf(ospy_x86_writer *w);
void ospy_x86_writer_put_popf(ospy_x86_writer *w);

/* Float state, for saving/restoring contexts: movdqu m128 <-> xmm0..15
 * (xmm8+ x86-64 only), and x87 st0 as a double: fst qword (st0 stays) and
 * fld qword (pushes). */
void ospy_x86_writer_put_movdqu_mem_xmm(ospy_x86_writer *w, ospy_x86_mem dst, unsigned xmm);
void ospy_x86_writer_put_movdqu_xmm_mem(ospy_x86_writer *w, unsigned xmm, ospy_x86_mem src);
void ospy_x86_writer_put_fst_mem64(ospy_x86_writer *w, ospy_x86_mem dst);
void ospy_x86_writer_put_fld_mem64(ospy_x86_writer *w, ospy_x86_mem src);

/* Is target reachable with a rel32 from an instruction ending at from_end? */
bool ospy_x86_rel32_reachable(uint64_t from_end, uint64_t target);

#endif
