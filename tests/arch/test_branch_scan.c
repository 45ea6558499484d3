/*
 * The byte scan that lets the hook builder skip decoding the code around a
 * function: it must say "maybe" whenever a decoder finds a direct branch
 * into the window (a superset), for every encoding, in both modes. Hand
 * cases are printed with their verdicts; then random code is decoded with
 * Capstone as the hook builder does, and every branch target it finds is
 * used as a window the scan must flag. The module-wide scan
 * (ospy_x86_scan_refs) likewise: hand cases of each form, and every rel32
 * branch, RIP-relative lea, absolute immediate and GOT-relative lea random
 * code decodes to must be among what it reports.
 */
#include <capstone/capstone.h>
#include <stdlib.h>
#include <string.h>

#include "arch/x86/x86_branch_scan.h"
#include "arch_test.h"

#define PC 0x401000u
#define LO 0x401100u /* the window: (LO, LO + 5) */

typedef struct scan_case {
  const char *what;
  uint8_t bytes[8];
  unsigned len;
  int want; /* whether it lands strictly inside (LO, LO + 5) */
} scan_case;

/* Displacements are from the instruction's end: PC + len + d. */
#define D32(t, len) (uint8_t)((t) - (PC + (len))), (uint8_t)(((t) - (PC + (len))) >> 8), \
                    (uint8_t)(((t) - (PC + (len))) >> 16), (uint8_t)(((t) - (PC + (len))) >> 24)
#define D16(t, len) (uint8_t)((t) - (PC + (len))), (uint8_t)(((t) - (PC + (len))) >> 8)

static const scan_case cases[] = {
  { "jmp rel32 to LO+2", { 0xE9, D32(LO + 2, 5) }, 5, 1 },
  { "call rel32 to LO+4", { 0xE8, D32(LO + 4, 5) }, 5, 1 },
  { "jne rel32 to LO+1", { 0x0F, 0x85, D32(LO + 1, 6) }, 6, 1 },
  { "xbegin to LO+3", { 0xC7, 0xF8, D32(LO + 3, 6) }, 6, 1 },
  { "jmp rel16 (0x66) to LO+2", { 0x66, 0xE9, D16(LO + 2, 4) }, 4, 1 },
  { "jmp rel32 to LO (the start: not inside)", { 0xE9, D32(LO, 5) }, 5, 0 },
  { "call rel32 far away", { 0xE8, D32(LO + 0x1000, 5) }, 5, 0 },
  { "mov $imm32, %eax (no branch)", { 0xB8, 0x01, 0x11, 0x40, 0x00 }, 5, 0 },
  { "nops", { 0x90, 0x90, 0x90, 0x90 }, 4, 0 },
};

static void hand_cases(void) {
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    const scan_case *c = &cases[i];
    bool got = ospy_x86_may_branch_into(c->bytes, c->len, PC, LO, LO + 5);
    printf("%-42s %s\n", c->what, got ? "may branch in" : "no branch in");
    CHECK(got == (c->want != 0), "%s: want %d", c->what, c->want);
  }
  /* rel8 forms, 0x80 bytes before the window so that a rel8 reaches it */
  const uint8_t rel8_ops[] = { 0x70, 0x74, 0x7F, 0xEB, 0xE0, 0xE1, 0xE2, 0xE3 };
  for (size_t i = 0; i < sizeof rel8_ops; i++) {
    uint8_t code[2] = { rel8_ops[i], 0 };
    uint64_t pc = LO - 0x40;
    code[1] = (uint8_t)(LO + 3 - (pc + 2));
    bool in = ospy_x86_may_branch_into(code, 2, pc, LO, LO + 5);
    bool out = false; /* the window's ends are not inside it */
    for (uint64_t t = LO - 2; t <= LO + 7; t += t == LO ? 5 : 1) {
      code[1] = (uint8_t)(t - (pc + 2));
      out |= ospy_x86_may_branch_into(code, 2, pc, LO, LO + 5);
    }
    printf("rel8 opcode %#04x: into %s, to the window's ends or outside %s\n", rel8_ops[i],
           in ? "flagged" : "missed", out ? "flagged" : "not flagged");
    CHECK(in && !out, "rel8 opcode %#x", rel8_ops[i]);
  }
}

static uint32_t rng = 12345;
static uint32_t next(void) {
  rng ^= rng << 13;
  rng ^= rng >> 17;
  rng ^= rng << 5;
  return rng;
}

/* Random code biased towards branch opcodes and prefixes. */
static void random_code(uint8_t *code, size_t n) {
  static const uint8_t common[] = { 0xE8, 0xE9, 0xEB, 0x0F, 0x66, 0x67, 0x74, 0x75, 0xE2, 0xE3,
                                    0xC7, 0xF8, 0x48, 0x85, 0x89, 0x8B, 0xC3, 0x90, 0x00, 0xFF };
  for (size_t i = 0; i < n; i++)
    code[i] = next() % 3 ? (uint8_t)next() : common[next() % sizeof common];
}

/* Decodes code as hook_code.c's find_incoming does and checks the scan flags
 * a window around every direct branch target found. Returns the targets. */
static unsigned check_decoded(csh cs, const uint8_t *code, size_t n, uint64_t pc) {
  unsigned targets = 0;
  size_t off = 0;
  while (off < n) {
    cs_insn *insn = NULL;
    size_t got = cs_disasm(cs, code + off, n - off, pc + off, 64, &insn);
    if (!got) {
      off++;
      continue;
    }
    for (size_t i = 0; i < got; i++) {
      cs_detail *d = insn[i].detail;
      bool branch = false;
      for (uint8_t g = 0; d && g < d->groups_count; g++)
        branch |= d->groups[g] == CS_GRP_JUMP || d->groups[g] == CS_GRP_CALL;
      if (!branch || d->x86.op_count != 1 || d->x86.operands[0].type != X86_OP_IMM)
        continue;
      uint64_t t = (uint64_t)d->x86.operands[0].imm;
      targets++;
      CHECK(ospy_x86_may_branch_into(code, n, pc, t - 1, t + 4),
            "'%s %s' at %#lx targets %#lx, not flagged", insn[i].mnemonic, insn[i].op_str,
            (unsigned long)insn[i].address, (unsigned long)t);
    }
    off = (size_t)(insn[got - 1].address + insn[got - 1].size - pc);
    cs_free(insn, got);
  }
  return targets;
}

static void random_cases(cs_mode mode, const char *name) {
  csh cs;
  if (cs_open(CS_ARCH_X86, mode, &cs) != CS_ERR_OK) {
    CHECK(0, "cs_open %s", name);
    return;
  }
  cs_option(cs, CS_OPT_DETAIL, CS_OPT_ON);
  unsigned targets = 0;
  uint8_t code[512];
  for (int round = 0; round < 1000; round++) {
    random_code(code, sizeof code);
    uint64_t pc = mode == CS_MODE_64 ? 0x7f0000401000ull + (next() & 0xffff) : 0x08048000u + (next() & 0xffff);
    targets += check_decoded(cs, code, sizeof code, pc);
  }
  cs_close(&cs);
  printf("%s: random code, %s direct branches decoded, each flagged\n", name,
         targets > 1000 ? "more than 1000" : "too few");
  CHECK(targets > 1000, "%s: only %u branches decoded", name, targets);
}


/* ---- ospy_x86_scan_refs ---- */

typedef struct ref_seen {
  uint64_t site, target;
} ref_seen;

static ref_seen seen[8192];
static size_t nseen;

static void collect(uint64_t site, uint64_t target, void *data) {
  (void)data;
  if (nseen < sizeof seen / sizeof seen[0])
    seen[nseen++] = (ref_seen){ site, target };
}

/* Whether a reference to target was reported from a site in [lo, hi). */
static bool was_reported(uint64_t lo, uint64_t hi, uint64_t target) {
  for (size_t i = 0; i < nseen; i++)
    if (seen[i].site >= lo && seen[i].site < hi && seen[i].target == target)
      return true;
  return false;
}

static void scan_all(const uint8_t *code, size_t n, uint64_t pc, bool is64, bool absolute,
                     uint32_t got) {
  ospy_x86_ref_scan s = { .is64 = is64, .absolute = absolute, .got = got, .lo = 0,
                          .hi = UINT64_MAX, .found = collect };
  nseen = 0;
  ospy_x86_scan_refs(code, n, n, pc, &s);
}

typedef struct refs_case {
  const char *what;
  uint8_t bytes[12];
  unsigned len;
  bool is64, absolute;
  uint32_t got;
  uint64_t target; /* 0: nothing the scan must report anywhere near LO */
} refs_case;

#define GOT 0x500000u
#define LE32(v) (uint8_t)(v), (uint8_t)((v) >> 8), (uint8_t)((v) >> 16), (uint8_t)((v) >> 24)

static const refs_case ref_cases[] = {
  { "jmp rel32", { 0xE9, D32(LO + 2, 5) }, 5, true, false, 0, LO + 2 },
  { "call rel32 (i386)", { 0xE8, D32(LO + 1, 5) }, 5, false, false, 0, LO + 1 },
  { "js rel32", { 0x0F, 0x88, D32(LO + 3, 6) }, 6, true, false, 0, LO + 3 },
  { "xbegin", { 0xC7, 0xF8, D32(LO + 3, 6) }, 6, true, false, 0, LO + 3 },
  { "lea rcx, [rip + LO+2]", { 0x48, 0x8D, 0x0D, D32(LO + 2, 7) }, 7, true, false, 0, LO + 2 },
  { "mov ecx, LO+2 (absolute)", { 0xB9, LE32(LO + 2) }, 5, false, true, 0, LO + 2 },
  { "lea ecx, [ebx + LO+2@GOTOFF]", { 0x8D, 0x8B, LE32(LO + 2 - GOT) }, 6, false, false, GOT, LO + 2 },
  { "lea ecx, [ebx + eax*4 + LO+2@GOTOFF]", { 0x8D, 0x8C, 0x83, LE32(LO + 2 - GOT) }, 7, false, false, GOT,
    LO + 2 },
  { "mov rax, [rip + LO+2] (a load: no address taken)", { 0x48, 0x8B, 0x05, D32(LO + 2, 7) }, 7, true,
    false, 0, 0 },
  { "mov ecx, LO+2 in PIC code (a number)", { 0xB9, LE32(LO + 2) }, 5, false, false, 0, 0 },
};

static void refs_hand_cases(void) {
  for (size_t i = 0; i < sizeof ref_cases / sizeof ref_cases[0]; i++) {
    const refs_case *c = &ref_cases[i];
    scan_all(c->bytes, c->len, PC, c->is64, c->absolute, c->got);
    bool near = false;
    for (uint64_t t = LO - 4; t <= LO + 8; t++)
      near |= was_reported(PC, PC + c->len, t);
    bool got = c->target ? was_reported(PC, PC + c->len, c->target) : near;
    printf("refs: %-48s %s\n", c->what, got ? "reported" : "not reported");
    CHECK(got == (c->target != 0), "refs: %s", c->what);
  }
}

/* Whether the 4 bytes at code[at] hold imm (Capstone 4 gives `in eax, imm8`
 * an imm_size of 4). */
static bool imm32_is(const uint8_t *code, size_t n, uint64_t at, int64_t imm) {
  uint32_t v;
  if (at + 4 > n)
    return false;
  memcpy(&v, code + at, 4);
  return v == (uint32_t)imm;
}

/* Every reference of the forms the scan stands for that a decoder finds. */
static unsigned check_refs_decoded(csh cs, const uint8_t *code, size_t n, uint64_t pc, bool is64,
                                   bool absolute, uint32_t got) {
  unsigned found = 0;
  scan_all(code, n, pc, is64, absolute, got);
  size_t off = 0;
  while (off < n) {
    cs_insn *insn = NULL;
    size_t count = cs_disasm(cs, code + off, n - off, pc + off, 64, &insn);
    if (!count) {
      off++;
      continue;
    }
    for (size_t i = 0; i < count; i++) {
      const cs_x86 *x = &insn[i].detail->x86;
      uint64_t a = insn[i].address, end = a + insn[i].size;
      if (x->prefix[2] == 0x66 || x->prefix[3] == 0x67)
        continue; /* rel16 and 16-bit addressing: not what compilers emit */
      uint64_t t = 0;
      bool rel32 = x->opcode[0] == 0xE8 || x->opcode[0] == 0xE9 ||
                   (x->opcode[0] == 0x0F && (x->opcode[1] & 0xF0) == 0x80) ||
                   (x->opcode[0] == 0xC7 && x->modrm == 0xF8);
      if (rel32 && x->op_count == 1 && x->operands[0].type == X86_OP_IMM)
        t = (uint64_t)x->operands[0].imm;
      else if (insn[i].id == X86_INS_LEA && x->operands[1].mem.base == X86_REG_RIP)
        t = end + (uint64_t)x->operands[1].mem.disp;
      else if (absolute && x->encoding.imm_size == 4 && imm32_is(code, n, a - pc + x->encoding.imm_offset,
                                                                 x->operands[x->op_count - 1].imm))
        t = (uint32_t)x->operands[x->op_count - 1].imm;
      else if (got && insn[i].id == X86_INS_LEA && x->encoding.disp_size == 4 &&
               x->operands[1].mem.base != X86_REG_INVALID)
        t = (uint32_t)(got + (uint32_t)x->operands[1].mem.disp);
      else
        continue;
      found++;
      CHECK(was_reported(a, end, t), "refs: '%s %s' at %#lx names %#lx, not reported",
            insn[i].mnemonic, insn[i].op_str, (unsigned long)a, (unsigned long)t);
    }
    off = (size_t)(insn[count - 1].address + insn[count - 1].size - pc);
    cs_free(insn, count);
  }
  return found;
}

static void refs_random_cases(cs_mode mode, const char *name, bool absolute, uint32_t got) {
  csh cs;
  if (cs_open(CS_ARCH_X86, mode, &cs) != CS_ERR_OK) {
    CHECK(0, "cs_open %s", name);
    return;
  }
  cs_option(cs, CS_OPT_DETAIL, CS_OPT_ON);
  unsigned found = 0;
  uint8_t code[512];
  for (int round = 0; round < 1000; round++) {
    random_code(code, sizeof code);
    uint64_t pc = mode == CS_MODE_64 ? 0x7f0000401000ull + (next() & 0xffff) : 0x08048000u + (next() & 0xffff);
    found += check_refs_decoded(cs, code, sizeof code, pc, mode == CS_MODE_64, absolute, got);
  }
  cs_close(&cs);
  printf("refs: %s: random code, %s references decoded, each reported\n", name,
         found > 1000 ? "more than 1000" : "too few");
  CHECK(found > 1000, "refs %s: only %u references decoded", name, found);
}

int main(void) {
  hand_cases();
  random_cases(CS_MODE_32, "i386");
  random_cases(CS_MODE_64, "x86-64");
  refs_hand_cases();
  refs_random_cases(CS_MODE_64, "x86-64 PIC", false, 0);
  refs_random_cases(CS_MODE_32, "i386 PIC", false, GOT);
  refs_random_cases(CS_MODE_32, "i386 position-dependent", true, 0);
  refs_random_cases(CS_MODE_64, "x86-64 position-dependent", true, 0);
  return arch_test_finish("branch-scan");
}
