/*
 * Writer against a real decoder: every register x width x addressing form for
 * mov/alu/lea (and the other register forms) is written, decoded with Capstone
 * and compared with the text the instruction should read as. The expected
 * text is built here from the operands, independently of the encoder.
 */
#include <capstone/capstone.h>
#include <inttypes.h>
#include <stdarg.h>
#include <string.h>

#include "arch/x86/x86_writer.h"
#include "arch_test.h"

#define PC0 0x40000000u

static csh cs32, cs64;
static unsigned n_compared;

static const char *const names64[] = {"rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
                                      "r8",  "r9",  "r10", "r11", "r12", "r13", "r14", "r15"};
static const char *const names32[] = {"eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi",
                                      "r8d", "r9d", "r10d", "r11d", "r12d", "r13d", "r14d", "r15d"};
static const char *const names16[] = {"ax", "cx", "dx", "bx", "sp", "bp", "si", "di",
                                      "r8w", "r9w", "r10w", "r11w", "r12w", "r13w", "r14w", "r15w"};
static const char *const names8[] = {"al", "cl", "dl", "bl", "spl", "bpl", "sil", "dil",
                                     "r8b", "r9b", "r10b", "r11b", "r12b", "r13b", "r14b", "r15b"};
static const char *const alu_names[] = {"add", "or", "adc", "sbb", "and", "sub", "xor", "cmp"};
static const char *const cc_names[] = {"o", "no", "b", "ae", "e", "ne", "be", "a",
                                       "s", "ns", "p", "np", "l", "ge", "le", "g"};
static const unsigned widths[] = {8, 16, 32, 64};

static const char *rn(ospy_x86_reg r) {
  unsigned i = ospy_x86_reg_index(r);
  switch (ospy_x86_reg_width(r)) {
  case 64: return names64[i];
  case 32: return names32[i];
  case 16: return names16[i];
  default: return names8[i];
  }
}

static const char *ptr_word(unsigned width) {
  switch (width) {
  case 8: return "byte ptr ";
  case 16: return "word ptr ";
  case 32: return "dword ptr ";
  default: return "qword ptr ";
  }
}

/* Capstone's number style: decimal up to 9, hex above, minus sign for negatives. */
static void fmt_num(char *out, size_t n, int64_t v) {
  uint64_t mag = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
  const char *sign = v < 0 ? "-" : "";
  if (mag > 9) snprintf(out, n, "%s0x%" PRIx64, sign, mag);
  else snprintf(out, n, "%s%" PRIu64, sign, mag);
}

/* "[base + index*scale + disp]"; rip_end is the end address of the instruction. */
static void fmt_mem(char *out, size_t n, const ospy_x86_mem *m, uint64_t rip_end) {
  char num[32];
  if (m->base == OSPY_X86_RIP) {
    int64_t disp = (int64_t)(m->disp_abs - rip_end);
    fmt_num(num, sizeof num, disp < 0 ? -disp : disp);
    if (disp == 0) snprintf(out, n, "[rip]");
    else snprintf(out, n, "[rip %s %s]", disp < 0 ? "-" : "+", num);
    return;
  }
  char buf[96] = "";
  size_t len = 0;
  if (m->base != OSPY_X86_NOREG)
    len += (size_t)snprintf(buf + len, sizeof buf - len, "%s", rn(m->base));
  if (m->index != OSPY_X86_NOREG) {
    len += (size_t)snprintf(buf + len, sizeof buf - len, "%s%s", len ? " + " : "", rn(m->index));
    if (m->scale != 1) len += (size_t)snprintf(buf + len, sizeof buf - len, "*%u", m->scale);
  }
  if (len == 0) {
    fmt_num(num, sizeof num, (uint32_t)m->disp);
    snprintf(out, n, "[%s]", num);
    return;
  }
  if (m->disp != 0) {
    fmt_num(num, sizeof num, m->disp < 0 ? -(int64_t)m->disp : m->disp);
    snprintf(buf + len, sizeof buf - len, " %s %s", m->disp < 0 ? "-" : "+", num);
  }
  snprintf(out, n, "[%s]", buf);
}

/* Decodes the writer's output as exactly one instruction and compares. */
static void compare(const ospy_x86_writer *w, const char *expected, const char *what) {
  n_compared++;
  if (!ospy_x86_writer_ok(w)) {
    CHECK(false, "%s: writer failed: %s", what, ospy_x86_writer_error(w));
    return;
  }
  cs_insn *insn;
  size_t count = cs_disasm(w->mode == OSPY_X86_MODE_64 ? cs64 : cs32, w->buf, w->len, w->pc0, 1,
                           &insn);
  char got[192] = "(undecodable)";
  size_t size = 0;
  if (count == 1) {
    snprintf(got, sizeof got, "%s%s%s", insn->mnemonic, insn->op_str[0] ? " " : "", insn->op_str);
    size = insn->size;
    cs_free(insn, count);
  }
  bool ok = size == w->len && strcmp(got, expected) == 0;
  if (!ok && arch_test_failures >= 40) { /* enough detail; count the rest */
    arch_test_failures++;
    return;
  }
  CHECK(ok, "%d-bit %s: decoded \"%s\" (%zu of %zu bytes), expected \"%s\"", w->mode, what, got,
        size, w->len, expected);
}

typedef struct gen {
  ospy_x86_writer w;
  uint8_t buf[64];
  char exp[192];
} gen;

static ospy_x86_writer *gen_start(gen *g, ospy_x86_mode mode) {
  ospy_x86_writer_init(&g->w, g->buf, sizeof g->buf, PC0, mode);
  return &g->w;
}

static void expect(gen *g, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void expect(gen *g, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(g->exp, sizeof g->exp, fmt, ap);
  va_end(ap);
  compare(&g->w, g->exp, g->exp);
}

/* Registers that exist in the mode at this width. */
static unsigned mode_regs(ospy_x86_mode mode, unsigned width, ospy_x86_reg *out) {
  unsigned n = 0;
  if (mode == OSPY_X86_MODE_32 && width == 64) return 0;
  for (unsigned i = 0; i < 16; i++) {
    if (mode == OSPY_X86_MODE_32 && (i >= 8 || (width == 8 && i >= 4))) continue;
    out[n++] = ospy_x86_reg_with_width((ospy_x86_reg)(OSPY_X86_RAX + i), width);
  }
  return n;
}

static void reg_reg_forms(ospy_x86_mode mode) {
  gen g;
  ospy_x86_reg regs[16];
  for (unsigned wi = 0; wi < 4; wi++) {
    unsigned n = mode_regs(mode, widths[wi], regs);
    for (unsigned d = 0; d < n; d++) {
      for (unsigned s = 0; s < n; s++) {
        ospy_x86_reg a = regs[d], b = regs[s];
        ospy_x86_writer_put_mov_reg_reg(gen_start(&g, mode), a, b);
        expect(&g, "mov %s, %s", rn(a), rn(b));
        for (unsigned op = 0; op < 8; op++) {
          ospy_x86_writer_put_alu_reg_reg(gen_start(&g, mode), (ospy_x86_alu)op, a, b);
          expect(&g, "%s %s, %s", alu_names[op], rn(a), rn(b));
        }
        ospy_x86_writer_put_test_reg_reg(gen_start(&g, mode), a, b);
        expect(&g, "test %s, %s", rn(a), rn(b));
        ospy_x86_writer_put_xchg_reg_reg(gen_start(&g, mode), a, b);
        expect(&g, "xchg %s, %s", rn(a), rn(b));
        if (widths[wi] == 8) continue;
        ospy_x86_writer_put_imul_reg_reg(gen_start(&g, mode), a, b);
        expect(&g, "imul %s, %s", rn(a), rn(b));
        ospy_x86_writer_put_cmovcc_reg_reg(gen_start(&g, mode), (ospy_x86_cc)(d % 16), a, b);
        expect(&g, "cmov%s %s, %s", cc_names[d % 16], rn(a), rn(b));
        ospy_x86_writer_put_shld_reg_reg_cl(gen_start(&g, mode), a, b);
        expect(&g, "shld %s, %s, cl", rn(a), rn(b));
        ospy_x86_writer_put_shrd_reg_reg_cl(gen_start(&g, mode), a, b);
        expect(&g, "shrd %s, %s, cl", rn(a), rn(b));
      }
    }
  }
  /* movzx/movsx between widths */
  for (unsigned dw = 1; dw < 4; dw++) {
    ospy_x86_reg dregs[16], sregs[16];
    unsigned nd = mode_regs(mode, widths[dw], dregs);
    for (unsigned sw = 0; sw < dw; sw++) {
      unsigned ns = mode_regs(mode, widths[sw], sregs);
      for (unsigned d = 0; d < nd; d++) {
        for (unsigned s = 0; s < ns; s++) {
          ospy_x86_reg a = dregs[d], b = sregs[s];
          ospy_x86_writer_put_movsx_reg_reg(gen_start(&g, mode), a, b);
          if (widths[sw] == 32) expect(&g, "movsxd %s, %s", rn(a), rn(b));
          else expect(&g, "movsx %s, %s", rn(a), rn(b));
          ospy_x86_writer_put_movzx_reg_reg(gen_start(&g, mode), a, b);
          if (widths[sw] == 32)
            expect(&g, "mov %s, %s", rn(ospy_x86_reg_with_width(a, 32)), rn(b));
          else expect(&g, "movzx %s, %s", rn(a), rn(b));
        }
      }
    }
  }
}

static void one_reg_forms(ospy_x86_mode mode) {
  static const char *const unary[] = {NULL, NULL, "not", "neg", "mul", "imul", "div", "idiv"};
  static const struct { ospy_x86_shift op; const char *name; } shifts[] = {
      {OSPY_X86_SHL, "shl"}, {OSPY_X86_SHR, "shr"}, {OSPY_X86_SAR, "sar"}};
  gen g;
  ospy_x86_reg regs[16];
  for (unsigned wi = 0; wi < 4; wi++) {
    unsigned n = mode_regs(mode, widths[wi], regs);
    for (unsigned i = 0; i < n; i++) {
      ospy_x86_reg r = regs[i];
      for (unsigned op = 2; op < 8; op++) {
        ospy_x86_writer_put_unary_reg(gen_start(&g, mode), (ospy_x86_unary)op, r);
        expect(&g, "%s %s", unary[op], rn(r));
      }
      for (unsigned s = 0; s < 3; s++) {
        ospy_x86_writer_put_shift_reg_cl(gen_start(&g, mode), shifts[s].op, r);
        expect(&g, "%s %s, cl", shifts[s].name, rn(r));
        ospy_x86_writer_put_shift_reg_imm(gen_start(&g, mode), shifts[s].op, r, 1);
        expect(&g, "%s %s, 1", shifts[s].name, rn(r));
        ospy_x86_writer_put_shift_reg_imm(gen_start(&g, mode), shifts[s].op, r, 7);
        expect(&g, "%s %s, 7", shifts[s].name, rn(r));
      }
      if (widths[wi] == 8) {
        for (unsigned cc = 0; cc < 16; cc++) {
          ospy_x86_writer_put_setcc_reg(gen_start(&g, mode), (ospy_x86_cc)cc, r);
          expect(&g, "set%s %s", cc_names[cc], rn(r));
        }
      }
      if (widths[wi] == (unsigned)mode) {
        ospy_x86_writer_put_push_reg(gen_start(&g, mode), r);
        expect(&g, "push %s", rn(r));
        ospy_x86_writer_put_pop_reg(gen_start(&g, mode), r);
        expect(&g, "pop %s", rn(r));
        ospy_x86_writer_put_jmp_reg(gen_start(&g, mode), r);
        expect(&g, "jmp %s", rn(r));
        ospy_x86_writer_put_call_reg(gen_start(&g, mode), r);
        expect(&g, "call %s", rn(r));
      }
    }
  }
}

static void imm_forms(ospy_x86_mode mode) {
  static const int64_t movs[] = {0, 1, 9, 0x7f, 0x80, 0xff, 0x1234, 0xffff, 0x12345678,
                                 0x7fffffff, 0xffffffffll, 0x123456789ll, -1, -0x80,
                                 -0x12345678, -0x80000000ll, -0x123456789ll};
  static const int32_t alus[] = {0, 1, 0x7f, -1, -0x80, 0x80, 0x1234, -0x1234, 0x7fff,
                                 -0x8000, 0x12345678, -0x12345678};
  gen g;
  ospy_x86_reg regs[16];
  for (unsigned wi = 0; wi < 4; wi++) {
    unsigned width = widths[wi];
    unsigned n = mode_regs(mode, width, regs);
    for (unsigned i = 0; i < n; i++) {
      ospy_x86_reg r = regs[i];
      char num[32];
      for (unsigned k = 0; k < sizeof movs / sizeof movs[0]; k++) {
        int64_t v = movs[k];
        if (width < 64 && (v < 0 || (uint64_t)v >> width)) continue; /* printed unsigned */
        ospy_x86_writer_put_mov_reg_imm(gen_start(&g, mode), r, (uint64_t)v);
        fmt_num(num, sizeof num, v);
        if (width == 64 && v >= 0 && v <= 0xffffffffll)
          expect(&g, "mov %s, %s", rn(ospy_x86_reg_with_width(r, 32)), num);
        else if (width == 64 && v < 0 && v >= INT32_MIN) expect(&g, "mov %s, %s", rn(r), num);
        else if (width == 64) expect(&g, "movabs %s, 0x%" PRIx64, rn(r), (uint64_t)v);
        else expect(&g, "mov %s, %s", rn(r), num);
      }
      for (unsigned k = 0; k < sizeof alus / sizeof alus[0]; k++) {
        int32_t v = alus[k];
        /* 8-bit immediates decode unsigned; 16-bit ones only sign-extend from imm8. */
        if (width == 8 && (v < 0 || v > 0x7f)) continue;
        if (width == 16 && (v < -0x80 ? true : v > 0x7fff)) continue;
        fmt_num(num, sizeof num, v);
        for (unsigned op = 0; op < 8; op++) {
          ospy_x86_writer_put_alu_reg_imm(gen_start(&g, mode), (ospy_x86_alu)op, r, v);
          /* Capstone shows a negative immediate signed only when it was sign-extended
           * (imm8, or imm32 of a 64-bit op) and the op is arithmetic; otherwise
           * unsigned at the operand width. */
          bool logical = op == OSPY_X86_OR || op == OSPY_X86_AND || op == OSPY_X86_XOR;
          bool extended = v >= -128 || width == 64;
          if (v < 0 && (logical || !extended)) {
            uint64_t mask = width == 64 ? UINT64_MAX : (1ull << width) - 1;
            expect(&g, "%s %s, 0x%" PRIx64, alu_names[op], rn(r), (uint64_t)(int64_t)v & mask);
          } else {
            expect(&g, "%s %s, %s", alu_names[op], rn(r), num);
          }
        }
        if (v >= 0) {
          ospy_x86_writer_put_test_reg_imm(gen_start(&g, mode), r, v);
          expect(&g, "test %s, %s", rn(r), num);
        }
      }
    }
  }
}

/* Every memory form for the mode: base x disp, base x index x scale, absolute, RIP. */
static unsigned mem_forms(ospy_x86_mode mode, ospy_x86_mem *out, unsigned max) {
  static const int32_t disps[] = {0, 8, -0x10, 0x1234, -0x12345};
  unsigned n = 0, nregs = mode == OSPY_X86_MODE_64 ? 16 : 8;
  unsigned aw = mode == OSPY_X86_MODE_64 ? 64 : 32;
  for (unsigned b = 0; b < nregs; b++) {
    ospy_x86_reg base = ospy_x86_reg_with_width((ospy_x86_reg)b, aw);
    for (unsigned d = 0; d < 5 && n < max; d++) out[n++] = ospy_x86_mem_base_disp(base, disps[d]);
    for (unsigned x = 0; x < nregs; x++) {
      if (x == 4) continue;
      ospy_x86_reg index = ospy_x86_reg_with_width((ospy_x86_reg)x, aw);
      for (unsigned s = 1; s <= 8 && n < max; s *= 2)
        out[n++] = ospy_x86_mem_index(base, index, (uint8_t)s, disps[(b + x + s) % 5]);
    }
  }
  for (unsigned x = 0; x < nregs && n + 2 <= max; x++) {
    if (x == 4) continue;
    ospy_x86_reg index = ospy_x86_reg_with_width((ospy_x86_reg)x, aw);
    out[n++] = ospy_x86_mem_index(OSPY_X86_NOREG, index, 4, 0x1000);
    out[n++] = ospy_x86_mem_index(OSPY_X86_NOREG, index, 2, -0x20);
  }
  if (n + 4 <= max) {
    out[n++] = ospy_x86_mem_abs32(0x1234);
    out[n++] = ospy_x86_mem_abs32(0x7ffffff0);
    if (mode == OSPY_X86_MODE_64) {
      out[n++] = ospy_x86_mem_rip_abs(PC0 + 0x100);
      out[n++] = ospy_x86_mem_rip_abs(PC0 - 0x100000);
    }
  }
  return n;
}

static bool simple_mem(const ospy_x86_mem *m) {
  return m->index == OSPY_X86_NOREG;
}

static void mem_ops(ospy_x86_mode mode) {
  static ospy_x86_mem mems[1200];
  unsigned nm = mem_forms(mode, mems, 1200);
  gen g;
  ospy_x86_reg regs[16];
  char mem[128];
  for (unsigned mi = 0; mi < nm; mi++) {
    const ospy_x86_mem *m = &mems[mi];
    for (unsigned wi = 0; wi < 4; wi++) {
      unsigned width = widths[wi];
      unsigned n = mode_regs(mode, width, regs);
      /* Every register with the simple forms; one rotating register with indexes. */
      unsigned first = simple_mem(m) ? 0 : mi % (n ? n : 1), last = simple_mem(m) ? n : first + 1;
      for (unsigned i = first; i < last && i < n; i++) {
        ospy_x86_reg r = regs[i];
        ospy_x86_writer *w = gen_start(&g, mode);
        ospy_x86_writer_put_mov_reg_mem(w, r, *m);
        fmt_mem(mem, sizeof mem, m, PC0 + w->len);
        expect(&g, "mov %s, %s%s", rn(r), ptr_word(width), mem);
        w = gen_start(&g, mode);
        ospy_x86_writer_put_mov_mem_reg(w, *m, r);
        fmt_mem(mem, sizeof mem, m, PC0 + w->len);
        expect(&g, "mov %s%s, %s", ptr_word(width), mem, rn(r));
        for (unsigned op = 0; op < 8; op++) {
          w = gen_start(&g, mode);
          ospy_x86_writer_put_alu_reg_mem(w, (ospy_x86_alu)op, r, *m);
          fmt_mem(mem, sizeof mem, m, PC0 + w->len);
          expect(&g, "%s %s, %s%s", alu_names[op], rn(r), ptr_word(width), mem);
        }
        if (width >= 16) {
          w = gen_start(&g, mode);
          ospy_x86_writer_put_lea_reg_mem(w, r, *m);
          fmt_mem(mem, sizeof mem, m, PC0 + w->len);
          expect(&g, "lea %s, %s", rn(r), mem);
        }
        if (width >= 32) {
          w = gen_start(&g, mode);
          ospy_x86_writer_put_movzx_reg_mem(w, r, 8, *m);
          fmt_mem(mem, sizeof mem, m, PC0 + w->len);
          expect(&g, "movzx %s, byte ptr %s", rn(r), mem);
          w = gen_start(&g, mode);
          ospy_x86_writer_put_movsx_reg_mem(w, r, 16, *m);
          fmt_mem(mem, sizeof mem, m, PC0 + w->len);
          expect(&g, "movsx %s, word ptr %s", rn(r), mem);
        }
      }
      if (widths[wi] == 8 || n == 0) continue;
      ospy_x86_writer *w = gen_start(&g, mode);
      ospy_x86_writer_put_mov_mem_imm(w, width, *m, -0x55);
      fmt_mem(mem, sizeof mem, m, PC0 + w->len);
      if (width == 16) expect(&g, "mov %s%s, 0xffab", ptr_word(width), mem);
      else if (width == 32) expect(&g, "mov %s%s, 0xffffffab", ptr_word(width), mem);
      else expect(&g, "mov %s%s, -0x55", ptr_word(width), mem);
    }
    ospy_x86_writer *w;
    for (unsigned x = 0; x < (mode == OSPY_X86_MODE_64 ? 16u : 8u); x++) {
      w = gen_start(&g, mode);
      ospy_x86_writer_put_movdqu_mem_xmm(w, *m, x);
      fmt_mem(mem, sizeof mem, m, PC0 + w->len);
      expect(&g, "movdqu xmmword ptr %s, xmm%u", mem, x);
      w = gen_start(&g, mode);
      ospy_x86_writer_put_movdqu_xmm_mem(w, x, *m);
      fmt_mem(mem, sizeof mem, m, PC0 + w->len);
      expect(&g, "movdqu xmm%u, xmmword ptr %s", x, mem);
    }
    w = gen_start(&g, mode);
    ospy_x86_writer_put_fst_mem64(w, *m);
    fmt_mem(mem, sizeof mem, m, PC0 + w->len);
    expect(&g, "fst qword ptr %s", mem);
    w = gen_start(&g, mode);
    ospy_x86_writer_put_fld_mem64(w, *m);
    fmt_mem(mem, sizeof mem, m, PC0 + w->len);
    expect(&g, "fld qword ptr %s", mem);
    w = gen_start(&g, mode);
    ospy_x86_writer_put_jmp_mem(w, *m);
    fmt_mem(mem, sizeof mem, m, PC0 + w->len);
    expect(&g, "jmp %s%s", ptr_word(mode), mem);
    w = gen_start(&g, mode);
    ospy_x86_writer_put_call_mem(w, *m);
    fmt_mem(mem, sizeof mem, m, PC0 + w->len);
    expect(&g, "call %s%s", ptr_word(mode), mem);
  }
}

static void branch_forms(ospy_x86_mode mode) {
  gen g;
  static const uint64_t targets[] = {PC0 + 0x10, PC0 - 0x1000, PC0 + 0x7fff0000ull,
                                     0x7fff00001000ull};
  for (unsigned t = 0; t < 4; t++) {
    uint64_t target = targets[t];
    if (mode == OSPY_X86_MODE_32) target &= 0xffffffffu;
    bool far = mode == OSPY_X86_MODE_64 && t == 3;
    ospy_x86_writer_put_jmp_address(gen_start(&g, mode), target);
    if (far) { /* jmp [rip+0] followed by the 8-byte address as data */
      uint64_t inline_addr = 0;
      memcpy(&inline_addr, g.buf + 6, 8);
      CHECK(g.w.len == 14 && inline_addr == target, "far jmp: len %zu", g.w.len);
      g.w.len = 6;
      expect(&g, "jmp qword ptr [rip]");
    } else {
      expect(&g, "jmp 0x%" PRIx64, target);
    }
    ospy_x86_writer_put_call_address(gen_start(&g, mode), target, OSPY_X86_EAX);
    if (!far) expect(&g, "call 0x%" PRIx64, target);
    for (unsigned cc = 0; cc < 16 && !far; cc++) {
      ospy_x86_writer_put_jcc_address(gen_start(&g, mode), (ospy_x86_cc)cc, target);
      expect(&g, "j%s 0x%" PRIx64, cc_names[cc], target);
    }
  }
}

int main(void) {
  if (cs_open(CS_ARCH_X86, CS_MODE_32, &cs32) != CS_ERR_OK ||
      cs_open(CS_ARCH_X86, CS_MODE_64, &cs64) != CS_ERR_OK) {
    fprintf(stderr, "capstone unavailable\n");
    return 1;
  }
  static const ospy_x86_mode modes[] = {OSPY_X86_MODE_32, OSPY_X86_MODE_64};
  for (unsigned i = 0; i < 2; i++) {
    reg_reg_forms(modes[i]);
    one_reg_forms(modes[i]);
    imm_forms(modes[i]);
    mem_ops(modes[i]);
    branch_forms(modes[i]);
  }
  printf("%u instructions compared with Capstone\n", n_compared);
  CHECK(n_compared > 50000, "only %u instructions compared", n_compared);
  cs_close(&cs32);
  cs_close(&cs64);
  return arch_test_finish("writer-capstone");
}
