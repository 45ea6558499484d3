/*
 * Relocator robustness on seeded random input: random bytes and random
 * sequences of typical prologue instructions, in both modes, near and far.
 * Whatever the input, the plan must be self-consistent or refuse with a
 * reason; the copy must fit OSPY_X86_RELOC_MAX_OUTPUT, decode as whole
 * instructions (Capstone), and the map must point at instruction starts.
 * Run under ASan/UBSan too, this is the relocator's fuzzing in miniature.
 */
#include <capstone/capstone.h>
#include <stdlib.h>
#include <string.h>

#include "arch/x86/x86_relocator.h"
#include "arch_test.h"

#define ITERATIONS 20000
#define CODE_LEN 96

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;
static unsigned n_status[5], n_written, n_refused_by_write;

static uint64_t rng(void) {
  uint64_t x = rng_state;
  x ^= x << 13;
  x ^= x >> 7;
  x ^= x << 17;
  return rng_state = x;
}

/* Instruction templates: bytes, with random displacement/immediate bytes after them. */
typedef struct snippet {
  uint8_t n;
  uint8_t b[8];
  uint8_t random_tail; /* random bytes appended (displacement, immediate, rel) */
  bool only64;
} snippet;

static const snippet snippets[] = {
    {1, {0x55}, 0, false},                          /* push rbp */
    {3, {0x48, 0x89, 0xe5}, 0, true},               /* mov rbp, rsp */
    {2, {0x89, 0xe5}, 0, false},                    /* mov ebp, esp */
    {3, {0x48, 0x83, 0xec}, 1, true},               /* sub rsp, imm8 */
    {3, {0x48, 0x8b, 0x05}, 4, true},               /* mov rax, [rip+x] */
    {3, {0x48, 0x8d, 0x3d}, 4, true},               /* lea rdi, [rip+x] */
    {3, {0x4c, 0x8b, 0x15}, 4, true},               /* mov r10, [rip+x] */
    {2, {0x83, 0x3d}, 5, true},                     /* cmp dword [rip+x], imm8 */
    {4, {0xf2, 0x0f, 0x10, 0x05}, 4, true},         /* movsd xmm0, [rip+x] */
    {3, {0xc5, 0xfa, 0x6f}, 5, true},               /* vmovdqu xmm?, [rip+x] (modrm random) */
    {2, {0xff, 0x25}, 4, true},                     /* jmp [rip+x] */
    {2, {0xff, 0x15}, 4, true},                     /* call [rip+x] */
    {2, {0xff, 0x35}, 4, true},                     /* push [rip+x] */
    {1, {0x74}, 1, false},                          /* je rel8 */
    {2, {0x0f, 0x85}, 4, false},                    /* jne rel32 */
    {1, {0xeb}, 1, false},                          /* jmp rel8 */
    {1, {0xe9}, 4, false},                          /* jmp rel32 */
    {1, {0xe8}, 4, false},                          /* call rel32 */
    {5, {0xe8, 0, 0, 0, 0}, 0, false},              /* call $+5 */
    {1, {0xe2}, 1, false},                          /* loop */
    {1, {0xe3}, 1, false},                          /* jecxz/jrcxz */
    {4, {0xf3, 0x0f, 0x1e, 0xfa}, 0, false},        /* endbr64 */
    {4, {0xf3, 0x0f, 0x1e, 0xfb}, 0, false},        /* endbr32 */
    {1, {0xc3}, 0, false},                          /* ret */
    {2, {0x31, 0xc0}, 0, false},                    /* xor eax, eax */
    {4, {0x8b, 0x44, 0x24}, 1, false},              /* mov eax, [esp+x] */
    {2, {0xf2, 0xe9}, 4, false},                    /* bnd jmp rel32 */
    {1, {0x90}, 0, false},                          /* nop */
};

static void fill(uint8_t *code, ospy_x86_mode mode) {
  if (rng() % 4 == 0) { /* plain random bytes */
    for (size_t i = 0; i < CODE_LEN; i++) code[i] = (uint8_t)rng();
    return;
  }
  size_t n = 0;
  while (n < CODE_LEN) {
    const snippet *s = &snippets[rng() % (sizeof snippets / sizeof snippets[0])];
    if (s->only64 && mode == OSPY_X86_MODE_32) continue;
    for (unsigned i = 0; i < s->n && n < CODE_LEN; i++) code[n++] = s->b[i];
    for (unsigned i = 0; i < s->random_tail && n < CODE_LEN; i++) {
      /* small branch offsets land inside the buffer more often */
      uint8_t v = (uint8_t)rng();
      code[n++] = (i == 0 && rng() % 2) ? (uint8_t)((v % 24) - 8) : v;
    }
  }
}

static void check_plan(const ospy_x86_reloc_plan *plan, ospy_x86_reloc_status st,
                       size_t min_bytes) {
  if (st != OSPY_X86_RELOC_OK) {
    CHECK(plan->why[0] != '\0', "status %s without a reason", ospy_x86_reloc_status_name(st));
    return;
  }
  CHECK(plan->len >= min_bytes && (plan->skip == 0 || plan->skip == 4) && plan->n_insns >= 1 &&
            plan->insn_offset[0] == plan->skip,
        "plan len %zu skip %zu n %u", plan->len, plan->skip, plan->n_insns);
  for (unsigned i = 1; i < plan->n_insns; i++)
    CHECK(plan->insn_offset[i] > plan->insn_offset[i - 1] &&
              plan->insn_offset[i] < plan->skip + plan->len,
          "offsets not increasing");
}

/* Decodes the copy; the 8 bytes after `jmp [rip+0]` are data. Returns false
 * on undecodable bytes; marks instruction starts. */
static bool decode_copy(csh cs, const uint8_t *buf, size_t len, uint64_t pc, bool *starts) {
  cs_insn *insn = cs_malloc(cs);
  size_t off = 0;
  bool ok = true;
  while (off < len) {
    const uint8_t *p = buf + off;
    size_t n = len - off;
    uint64_t a = pc + off;
    if (!cs_disasm_iter(cs, &p, &n, &a, insn)) {
      ok = false;
      break;
    }
    starts[off] = true;
    off += insn->size;
    if (insn->size == 6 && memcmp(insn->bytes, "\xff\x25\0\0\0\0", 6) == 0) off += 8;
  }
  cs_free(insn, 1);
  return ok && off == len;
}

static void one_case(csh cs, ospy_x86_mode mode, uint64_t pc, uint64_t tramp) {
  uint8_t code[CODE_LEN];
  fill(code, mode);
  size_t min_bytes = 1 + rng() % 16;
  size_t fn_size = rng() % 2 ? 0 : rng() % CODE_LEN;
  ospy_x86_reloc_plan plan;
  ospy_x86_reloc_status st =
      ospy_x86_relocator_plan(code, CODE_LEN, pc, fn_size, min_bytes, mode, &plan);
  check_plan(&plan, st, min_bytes);
  n_status[st < 5 ? st : 4]++;
  if (st != OSPY_X86_RELOC_OK) return;

  uint8_t buf[OSPY_X86_RELOC_MAX_OUTPUT(OSPY_X86_RELOC_MAX_INSNS)];
  ospy_x86_writer w;
  ospy_x86_writer_init(&w, buf, OSPY_X86_RELOC_MAX_OUTPUT(plan.n_insns), tramp, mode);
  ospy_x86_reloc_map map;
  if (!ospy_x86_relocator_write(&w, code, &plan, &map)) {
    const char *err = ospy_x86_writer_error(&w);
    CHECK(err && strncmp(err, "relocator: ", 11) == 0, "write failed: %s", err ? err : "?");
    n_refused_by_write++;
    if (getenv("ARCH_TEST_VERBOSE")) fprintf(stderr, "refused: %s\n", err);
    return;
  }
  n_written++;
  bool starts[sizeof buf + 16] = {false};
  CHECK(decode_copy(cs, buf, w.len, tramp, starts), "copy does not decode (%zu bytes)", w.len);
  CHECK(map.n == plan.n_insns, "map n %u, plan %u", map.n, plan.n_insns);
  for (unsigned i = 0; i < map.n; i++)
    CHECK(map.from[i] == plan.insn_offset[i] && map.to[i] < w.len && starts[map.to[i]],
          "map entry %u: %u -> %u", i, map.from[i], map.to[i]);
}

static bool random_read(uint64_t addr, void *out, size_t n, void *data) {
  (void)data;
  if (addr % 7 == 0) return false;
  uint8_t *o = out;
  for (size_t i = 0; i < n; i++) o[i] = (uint8_t)(rng() % 3 == 0 ? 0xff : rng());
  if (n >= 2 && rng() % 2) o[0] = 0xEB;
  return true;
}

int main(void) {
  csh cs32, cs64;
  if (cs_open(CS_ARCH_X86, CS_MODE_32, &cs32) != CS_ERR_OK ||
      cs_open(CS_ARCH_X86, CS_MODE_64, &cs64) != CS_ERR_OK)
    return 1;
  for (int i = 0; i < ITERATIONS; i++) {
    uint64_t pc64 = 0x400000ull + (rng() % 0x100000) * 16;
    uint64_t far = rng() % 2 ? 0x7f0000000000ull : 0x100000000000ull;
    one_case(cs64, OSPY_X86_MODE_64, pc64, i % 2 ? pc64 + 0x100000 : far + (rng() % 4096));
    uint64_t pc32 = 0x8048000ull + (rng() % 0x10000) * 16;
    one_case(cs32, OSPY_X86_MODE_32, pc32, (uint32_t)rng());
    uint64_t t = ospy_x86_resolve_thunks(rng(), i % 2 ? OSPY_X86_MODE_64 : OSPY_X86_MODE_32,
                                         random_read, NULL);
    (void)t; /* terminates without crashing: that is the check */
  }
  cs_close(&cs32);
  cs_close(&cs64);
  printf("plans: %u ok, %u too-short, %u branch-back, %u decode-error, %u unsupported; "
         "copies: %u written, %u refused\n",
         n_status[0], n_status[1], n_status[2], n_status[3], n_status[4], n_written,
         n_refused_by_write);
  CHECK(n_written > ITERATIONS / 4, "too few copies written: %u", n_written);
  return arch_test_finish("relocator-random");
}
