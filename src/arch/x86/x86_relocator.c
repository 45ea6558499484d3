/*
 * Prologue relocator, planning: decodes the first instructions of a function
 * (Capstone) and scans the rest of its body for branches back into them.
 * Writing the relocated copy is in x86_relocator_write.c.
 *
 * Capstone allocates (cs_open, detail records): this is hook-installation
 * code, not something to run from inside a hooked allocator.
 */
#include "arch/x86/x86_relocator.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "arch/x86/x86_decode.h"

/* Body scan when the function size is unknown. */
#define SCAN_UNKNOWN_SIZE 256u

/* ---- plan --------------------------------------------------------------- */

static ospy_x86_reloc_status refuse(ospy_x86_reloc_plan *plan, ospy_x86_reloc_status status,
                                    const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static ospy_x86_reloc_status refuse(ospy_x86_reloc_plan *plan, ospy_x86_reloc_status status,
                                    const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(plan->why, sizeof plan->why, fmt, ap);
  va_end(ap);
  plan->len = 0;
  plan->n_insns = 0;
  return status;
}

/* "mnemonic operands" of the decoded instruction, for messages. */
static const char *insn_text(const cs_insn *insn, char *buf, size_t n) {
  /* Truncation is fine: the text only names the instruction in a message. */
  if (snprintf(buf, n, "%s%s%s", insn->mnemonic, insn->op_str[0] ? " " : "", insn->op_str) < 0)
    buf[0] = '\0';
  return buf;
}

typedef struct reader {
  const uint8_t *code;
  size_t avail;
  uint64_t pc;
  ospy_x86_read_fn read;
  void *data;
} reader;

static bool read_bytes(const reader *r, uint64_t addr, void *out, size_t n) {
  if (addr >= r->pc && addr - r->pc <= r->avail && r->avail - (addr - r->pc) >= n) {
    memcpy(out, r->code + (addr - r->pc), n);
    return true;
  }
  if (r->read) return r->read(addr, out, n, r->data);
  if ((uint64_t)(uintptr_t)r->code == r->pc) { /* live code: the call target is mapped */
    memcpy(out, (const void *)(uintptr_t)addr, n);
    return true;
  }
  return false;
}

/* `mov reg, [esp]; ret` (8B /r with SIB [esp]) is a get_pc_thunk: returns reg or -1. */
static int pc_thunk_reg(const reader *r, uint64_t target) {
  uint8_t b[4];
  if (!read_bytes(r, target, b, sizeof b)) return -1;
  if (b[0] != 0x8B || (b[1] & 0xC7) != 0x04 || b[2] != 0x24 || b[3] != 0xC3) return -1;
  return (b[1] >> 3) & 7;
}

/* i386 padding as older assemblers write it: an instruction that moves a
 * register to itself (mov esi, esi; lea esi, [esi + 0]; lea esi,
 * [esi + eiz*1 + 0]), optionally with segment prefixes. */
static bool is_self_move_32(const uint8_t *b, size_t n) {
  size_t i = 0;
  while (i < n && (b[i] == 0x2e || b[i] == 0x3e))
    i++;
  if (i + 2 > n)
    return false;
  uint8_t op = b[i], modrm = b[i + 1], mod = modrm >> 6, reg = (modrm >> 3) & 7, rm = modrm & 7;
  if (op == 0x89 || op == 0x8b)
    return mod == 3 && reg == rm && i + 2 == n;
  if (op != 0x8d || mod == 0 || mod == 3)
    return false;
  size_t at = i + 2;
  if (rm == 4) { /* SIB: no index (100), base = reg */
    if (at >= n || ((b[at] >> 3) & 7) != 4 || (b[at] & 7) != reg)
      return false;
    at++;
  } else if (rm != reg) {
    return false;
  }
  size_t disp = mod == 1 ? 1 : 4;
  if (at + disp != n)
    return false;
  for (size_t k = at; k < n; k++)
    if (b[k])
      return false;
  return true;
}

/* Alignment padding: int3 or a nop of any length (and i386's older forms). */
static bool is_padding(const cs_insn *insn, ospy_x86_mode mode) {
  return insn->id == X86_INS_INT3 || insn->id == X86_INS_NOP ||
         (mode == OSPY_X86_MODE_32 && is_self_move_32(insn->bytes, insn->size));
}

/* Functions are aligned to 16 bytes (gcc and clang at -O1 and up): the
 * bytes between a function's last instruction and the next 16-byte boundary
 * are alignment padding, never run. */
#define PAD_ALIGN 16u

/* The bytes the jump covers after a function's end are taken for padding
 * only when the padding runs on to a 16-byte boundary where code starts:
 * nops that are followed by code elsewhere are the start of the next
 * function (-falign-functions=1 with -fpatchable-function-entry puts a
 * function's nops right after the ret of the one before), which a static
 * function's symbol cannot tell. */
static ospy_x86_reloc_status padding_to_code(ospy_x86_decoder *d, const reader *r, size_t off,
                                             const char *end_text, size_t end_off,
                                             size_t end_size, size_t min_bytes,
                                             ospy_x86_reloc_plan *plan) {
  size_t len = off - plan->skip;
  char text[96];
  bool decoded;
  while ((decoded = off < r->avail &&
                    ospy_x86_dec_one(d, r->code + off, r->avail - off, r->pc + off)) &&
         is_padding(d->insn, plan->mode))
    off += d->insn->size;
  if (!decoded || ((r->pc + off) & (PAD_ALIGN - 1)))
    return refuse(plan, OSPY_X86_RELOC_TOO_SHORT,
                  "'%s' at +0x%zx ends the function after %zu of the %zu bytes needed; "
                  "padding after it ends off a 16-byte boundary, at +0x%zx%s%s%s",
                  end_text, end_off, end_off + end_size - plan->skip, min_bytes, off,
                  decoded ? " ('" : "", decoded ? insn_text(d->insn, text, sizeof text) : "",
                  decoded ? "')" : "");
  plan->len = len;
  return OSPY_X86_RELOC_OK;
}

/* Takes whole instructions until min_bytes are covered. An unconditional end
 * (jmp, ret, ...) before that may be followed only by padding (int3 or nops),
 * within the function's known size or after it up to the next 16-byte
 * boundary: dead bytes the jump may cover, so `lea eax, [rdi+rsi]; ret` (4
 * bytes at -O2) can be hooked (a branch into them is refused like any
 * branch into the moved bytes; hook_code.c checks no symbol starts there). */
static ospy_x86_reloc_status take_insns(ospy_x86_decoder *d, const reader *r, size_t fn_size,
                                        size_t min_bytes, ospy_x86_reloc_plan *plan) {
  size_t off = plan->skip;
  char text[96];
  /* an end before min_bytes, after which only padding may be taken */
  bool after_end = false;
  size_t end_off = 0, end_size = 0, pad_end = 0; /* padding may run up to pad_end */
  char end_text[96];
  while (off - plan->skip < min_bytes) {
    if (plan->n_insns == OSPY_X86_RELOC_MAX_INSNS)
      return refuse(plan, OSPY_X86_RELOC_UNSUPPORTED,
                    "more than %d instructions in the first %zu bytes", OSPY_X86_RELOC_MAX_INSNS,
                    min_bytes);
    if (off >= r->avail || !ospy_x86_dec_one(d, r->code + off, r->avail - off, r->pc + off)) {
      if (after_end)
        return refuse(plan, OSPY_X86_RELOC_TOO_SHORT,
                      "'%s' at +0x%zx ends the function after %zu of the %zu bytes needed; "
                      "the bytes after it are not padding",
                      end_text, end_off, end_off + end_size - plan->skip, min_bytes);
      if (off >= r->avail)
        return refuse(plan, OSPY_X86_RELOC_DECODE_ERROR,
                      "only %zu bytes readable at +0x%zx, %zu needed", r->avail, off,
                      plan->skip + min_bytes);
      return refuse(plan, OSPY_X86_RELOC_DECODE_ERROR,
                    "cannot decode the bytes at +0x%zx (first byte 0x%02x)", off, r->code[off]);
    }
    const cs_insn *insn = d->insn;
    bool padding = after_end && is_padding(insn, plan->mode);
    if (padding && off + insn->size > pad_end)
      return refuse(plan, OSPY_X86_RELOC_TOO_SHORT,
                    "'%s' at +0x%zx ends the function after %zu of the %zu bytes needed, "
                    "with only %zu bytes of padding after it",
                    end_text, end_off, end_off + end_size - plan->skip, min_bytes,
                    pad_end - (end_off + end_size));
    if (after_end && !padding)
      return refuse(plan, OSPY_X86_RELOC_TOO_SHORT,
                    "'%s' at +0x%zx ends the function after %zu of the %zu bytes needed; "
                    "'%s' after it is not padding",
                    end_text, end_off, end_off + end_size - plan->skip, min_bytes,
                    insn_text(insn, text, sizeof text));
    if (fn_size && off + insn->size > fn_size && !padding)
      return refuse(plan, OSPY_X86_RELOC_TOO_SHORT,
                    "'%s' at +0x%zx runs past the end of the %zu-byte function",
                    insn_text(insn, text, sizeof text), off, fn_size);
    ospy_x86_shape s = ospy_x86_classify(insn->bytes, insn->size, insn->address, plan->mode);
    if (s.kind == OSPY_X86_K_BAD_REL)
      return refuse(plan, OSPY_X86_RELOC_UNSUPPORTED, "'%s' at +0x%zx cannot be relocated",
                    insn_text(insn, text, sizeof text), off);
    plan->insn_offset[plan->n_insns] = (uint8_t)off;
    plan->pc_thunk_reg[plan->n_insns] = -1;
    bool call_away = s.kind == OSPY_X86_K_CALL && s.target != insn->address + insn->size;
    if (call_away && plan->mode == OSPY_X86_MODE_32)
      plan->pc_thunk_reg[plan->n_insns] = (int8_t)pc_thunk_reg(r, s.target);
    plan->n_insns++;
    off += insn->size;
    if (after_end) continue; /* padding */
    bool ends = s.kind == OSPY_X86_K_END || s.kind == OSPY_X86_K_JMP;
    if (ends && off - plan->skip < min_bytes) {
      insn_text(insn, end_text, sizeof end_text);
      end_off = off - insn->size;
      end_size = insn->size;
      /* the function's own bytes, then the alignment padding after its end
       * (the size unknown: after this instruction, as far as it is padding) */
      uint64_t fn_end = r->pc + (fn_size && fn_size > off ? fn_size : off);
      pad_end = (size_t)(((fn_end + PAD_ALIGN - 1) & ~(uint64_t)(PAD_ALIGN - 1)) - r->pc);
      if (fn_size > pad_end)
        pad_end = fn_size;
      after_end = true;
      continue;
    }
    if (ends) break;
  }
  if (after_end && (!fn_size || off > fn_size))
    return padding_to_code(d, r, off, end_text, end_off, end_size, min_bytes, plan);
  plan->len = off - plan->skip;
  return OSPY_X86_RELOC_OK;
}

/* Branches among the moved instructions must land on instruction starts. */
static ospy_x86_reloc_status check_moved_branches(ospy_x86_decoder *d, const reader *r,
                                                  ospy_x86_reloc_plan *plan,
                                                  uint64_t *pending) {
  uint64_t start = r->pc + plan->skip, end = start + plan->len;
  char text[96];
  for (unsigned i = 0; i < plan->n_insns; i++) {
    size_t off = plan->insn_offset[i];
    if (!ospy_x86_dec_one(d, r->code + off, r->avail - off, r->pc + off)) continue; /* seen */
    const cs_insn *insn = d->insn;
    ospy_x86_shape s = ospy_x86_classify(insn->bytes, insn->size, insn->address, plan->mode);
    if (!ospy_x86_is_rel_branch(s.kind)) continue;
    if (s.target > start && s.target < end && ospy_x86_moved_index(plan, s.target - r->pc) < 0)
      return refuse(plan, OSPY_X86_RELOC_UNSUPPORTED,
                    "'%s' at +0x%zx branches into the middle of a moved instruction",
                    insn_text(d->insn, text, sizeof text), off);
    if (s.kind != OSPY_X86_K_CALL && s.target > *pending) *pending = s.target;
  }
  return OSPY_X86_RELOC_OK;
}

/* Scans the body after the moved bytes for relative branches into them. */
static ospy_x86_reloc_status scan_body(ospy_x86_decoder *d, const reader *r, size_t fn_size,
                                       uint64_t pending, ospy_x86_reloc_plan *plan) {
  uint64_t start = r->pc + plan->skip, end = start + plan->len;
  size_t limit = fn_size ? fn_size : SCAN_UNKNOWN_SIZE;
  if (limit > r->avail) limit = r->avail;
  uint64_t horizon = r->pc + limit; /* forward targets beyond it are not waited for */
  char text[96];
  for (size_t off = plan->skip + plan->len; off < limit;) {
    if (!ospy_x86_dec_one(d, r->code + off, limit - off, r->pc + off)) break; /* data or padding */
    const cs_insn *insn = d->insn;
    ospy_x86_shape s = ospy_x86_classify(insn->bytes, insn->size, insn->address, plan->mode);
    if (ospy_x86_is_rel_branch(s.kind) && s.target > start && s.target < end)
      return refuse(plan, OSPY_X86_RELOC_BRANCH_BACK,
                    "'%s' at +0x%zx branches to +0x%" PRIx64 ", inside the moved bytes "
                    "+0x%zx..+0x%zx",
                    insn_text(insn, text, sizeof text), off, s.target - r->pc, plan->skip,
                    plan->skip + plan->len);
    off += insn->size;
    bool jump = ospy_x86_is_rel_branch(s.kind) && s.kind != OSPY_X86_K_CALL;
    if (jump && s.target > pending && s.target < horizon)
      pending = s.target;
    bool ends = s.kind == OSPY_X86_K_END || s.kind == OSPY_X86_K_JMP;
    if (!fn_size && ends && r->pc + off > pending) break;
  }
  return OSPY_X86_RELOC_OK;
}

ospy_x86_reloc_status ospy_x86_relocator_plan_read(const uint8_t *code, size_t avail,
                                                   uint64_t pc, size_t fn_size,
                                                   size_t min_bytes, ospy_x86_mode mode,
                                                   ospy_x86_read_fn read, void *data,
                                                   ospy_x86_reloc_plan *plan) {
  memset(plan, 0, sizeof *plan);
  plan->mode = mode;
  plan->pc = pc;
  if (mode != OSPY_X86_MODE_32 && mode != OSPY_X86_MODE_64)
    return refuse(plan, OSPY_X86_RELOC_UNSUPPORTED, "unknown mode %d", (int)mode);
  if (min_bytes == 0 || min_bytes > 64)
    return refuse(plan, OSPY_X86_RELOC_UNSUPPORTED, "cannot move %zu bytes", min_bytes);
  plan->skip = ospy_x86_starts_with_endbr(code, avail, mode) ? 4 : 0;
  ospy_x86_decoder d;
  if (!ospy_x86_dec_open(&d, mode))
    return refuse(plan, OSPY_X86_RELOC_DECODE_ERROR, "Capstone cannot be opened");
  reader r = {.code = code, .avail = avail, .pc = pc, .read = read, .data = data};
  ospy_x86_reloc_status st = take_insns(&d, &r, fn_size, min_bytes, plan);
  uint64_t pending = pc + plan->skip + plan->len;
  if (st == OSPY_X86_RELOC_OK) st = check_moved_branches(&d, &r, plan, &pending);
  if (st == OSPY_X86_RELOC_OK) st = scan_body(&d, &r, fn_size, pending, plan);
  ospy_x86_dec_close(&d);
  return st;
}

ospy_x86_reloc_status ospy_x86_relocator_plan(const uint8_t *code, size_t avail, uint64_t pc,
                                              size_t fn_size, size_t min_bytes,
                                              ospy_x86_mode mode, ospy_x86_reloc_plan *plan) {
  return ospy_x86_relocator_plan_read(code, avail, pc, fn_size, min_bytes, mode, NULL, NULL,
                                      plan);
}

const char *ospy_x86_reloc_status_name(ospy_x86_reloc_status status) {
  switch (status) {
  case OSPY_X86_RELOC_OK: return "ok";
  case OSPY_X86_RELOC_TOO_SHORT: return "too-short";
  case OSPY_X86_RELOC_BRANCH_BACK: return "branch-back";
  case OSPY_X86_RELOC_DECODE_ERROR: return "decode-error";
  case OSPY_X86_RELOC_UNSUPPORTED: return "unsupported";
  }
  return "unknown";
}
