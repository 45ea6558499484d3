/*
 * Relocator on hand-made byte sequences, both modes: the exact plan (status,
 * skip, length, why) and the exact relocated bytes for a trampoline near the
 * code and one more than 2GB away. The function lives at a fixed pc; nothing
 * runs here (see test_relocator_exec.c for that).
 */
#include <string.h>

#include "arch/x86/x86_relocator.h"
#include "arch_test.h"

#define PC64 0x400000ull
#define NEAR64 0x500000ull
#define FAR64 0x7f0000000000ull
#define PC32 0x8048000ull
#define NEAR32 0x9000000ull

/* Little-endian bytes of a 64-bit address. */
#define A64(a)                                                                           \
  (uint8_t)(a), (uint8_t)((a) >> 8), (uint8_t)((a) >> 16), (uint8_t)((a) >> 24),         \
      (uint8_t)((a) >> 32), (uint8_t)((a) >> 40), (uint8_t)((a) >> 48), (uint8_t)((a) >> 56)
#define A32(a) (uint8_t)(a), (uint8_t)((a) >> 8), (uint8_t)((a) >> 16), (uint8_t)((a) >> 24)
/* jmp [rip+0]; dq a */
#define JMP_ABS(a) 0xff, 0x25, 0, 0, 0, 0, A64(a)
/* rel32 from an instruction ending at end to target */
#define REL32(end, target) A32((uint32_t)((uint64_t)(target) - (uint64_t)(end)))

typedef struct bytes {
  const uint8_t *p;
  size_t n;
} bytes;
#define B(...) ((bytes){(const uint8_t[]){__VA_ARGS__}, sizeof((const uint8_t[]){__VA_ARGS__})})

static void dump(const char *label, const uint8_t *p, size_t n) {
  fprintf(stderr, "  %s:", label);
  for (size_t i = 0; i < n; i++) fprintf(stderr, " %02x", p[i]);
  fputc('\n', stderr);
}

static ospy_x86_reloc_status plan_of(bytes code, ospy_x86_mode mode, size_t fn_size,
                                     size_t min_bytes, ospy_x86_reloc_plan *plan) {
  uint64_t pc = mode == OSPY_X86_MODE_64 ? PC64 : PC32;
  return ospy_x86_relocator_plan(code.p, code.n, pc, fn_size, min_bytes, mode, plan);
}

/* Padding after a function ends at the next 16-byte boundary: 14 bytes
 * needed after a 3-byte function fit, 17 do not. */
static void test_padding_boundary(void) {
  bytes code = B(0x31, 0xc0, 0xc3, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90,
                 0x90, 0x90, 0x90, 0x55);
  ospy_x86_reloc_plan plan;
  ospy_x86_reloc_status st = plan_of(code, OSPY_X86_MODE_64, 3, 14, &plan);
  CHECK(st == OSPY_X86_RELOC_OK && plan.len == 14, "14 bytes: %s, len %zu (%s)",
        ospy_x86_reloc_status_name(st), plan.len, plan.why);
  code = B(0x31, 0xc0, 0xc3, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90,
           0x90, 0x90, 0x90, 0x90, 0x90, 0x55);
  st = plan_of(code, OSPY_X86_MODE_64, 3, 17, &plan);
  CHECK(st == OSPY_X86_RELOC_TOO_SHORT && strstr(plan.why, "with only 13 bytes of padding after it"),
        "17 bytes: %s (%s)", ospy_x86_reloc_status_name(st), plan.why);
}

/* Plans with min_bytes 5 and checks status, skip and length. */
static void expect_plan(int line, bytes code, ospy_x86_mode mode, size_t fn_size,
                        ospy_x86_reloc_status status, size_t skip, size_t len,
                        const char *why_part) {
  ospy_x86_reloc_plan plan;
  ospy_x86_reloc_status st = plan_of(code, mode, fn_size, 5, &plan);
  CHECK(st == status, "line %d: status %s, expected %s (%s)", line,
        ospy_x86_reloc_status_name(st), ospy_x86_reloc_status_name(status), plan.why);
  if (st != status) return;
  if (status == OSPY_X86_RELOC_OK) {
    CHECK(plan.skip == skip && plan.len == len, "line %d: skip %zu len %zu, expected %zu %zu",
          line, plan.skip, plan.len, skip, len);
  } else {
    CHECK(strstr(plan.why, why_part) != NULL, "line %d: why \"%s\" lacks \"%s\"", line, plan.why,
          why_part);
  }
}

/* Plans (min 5), relocates to tramp and compares the copy's bytes. */
static void expect_copy(int line, bytes code, ospy_x86_mode mode, uint64_t tramp, bytes out) {
  ospy_x86_reloc_plan plan;
  ospy_x86_reloc_status st = plan_of(code, mode, 0, 5, &plan);
  CHECK(st == OSPY_X86_RELOC_OK, "line %d: plan %s: %s", line, ospy_x86_reloc_status_name(st),
        plan.why);
  if (st != OSPY_X86_RELOC_OK) return;
  uint8_t buf[256];
  ospy_x86_writer w;
  ospy_x86_writer_init(&w, buf, sizeof buf, tramp, mode);
  ospy_x86_reloc_map map;
  bool ok = ospy_x86_relocator_write(&w, code.p, &plan, &map);
  CHECK(ok, "line %d: write failed: %s", line, ospy_x86_writer_error(&w));
  if (!ok) return;
  CHECK(w.len <= OSPY_X86_RELOC_MAX_OUTPUT(plan.n_insns), "line %d: %zu bytes exceed the bound",
        line, w.len);
  bool same = w.len == out.n && memcmp(buf, out.p, out.n) == 0;
  CHECK(same, "line %d: relocated bytes differ", line);
  if (!same) {
    dump("got     ", buf, w.len);
    dump("expected", out.p, out.n);
  }
  CHECK(map.n == plan.n_insns && map.from[0] == plan.skip && map.to[0] == 0,
        "line %d: map n %u from %u to %u", line, map.n, map.from[0], map.to[0]);
}

#define M64 OSPY_X86_MODE_64
#define M32 OSPY_X86_MODE_32
#define OK OSPY_X86_RELOC_OK

static void test_plans_64(void) {
  /* push rbp; mov rbp, rsp; sub rsp, 0x10 */
  bytes frame = B(0x55, 0x48, 0x89, 0xe5, 0x48, 0x83, 0xec, 0x10, 0xc3);
  expect_plan(__LINE__, frame, M64, 0, OK, 0, 8, NULL);
  /* endbr64 is kept in place */
  expect_plan(__LINE__, B(0xf3, 0x0f, 0x1e, 0xfa, 0x55, 0x48, 0x89, 0xe5, 0x41, 0x54, 0xc3), M64,
              0, OK, 4, 6, NULL);
  /* ret (1-byte function), xor eax,eax; ret (3 bytes): the jump covers the
   * alignment padding after them, with or without a known size */
  expect_plan(__LINE__, B(0xc3, 0xcc, 0xcc, 0xcc, 0xcc, 0xcc, 0xcc, 0xcc, 0xcc, 0xcc, 0xcc, 0xcc, 0xcc,
                          0xcc, 0xcc, 0xcc, 0x55),
              M64, 0, OK, 0, 5, NULL);
  expect_plan(__LINE__, B(0x31, 0xc0, 0xc3, 0x0f, 0x1f, 0x40, 0, 0x66, 0x0f, 0x1f, 0x84, 0, 0, 0, 0, 0, 0x55),
              M64, 0, OK, 0, 7, NULL);
  expect_plan(__LINE__, B(0x31, 0xc0, 0xc3, 0x0f, 0x1f, 0x40, 0, 0x66, 0x0f, 0x1f, 0x84, 0, 0, 0, 0, 0, 0x55),
              M64, 3, OK, 0, 7, NULL);
  /* nops that stop before the boundary are the next function's start
   * (-fpatchable-function-entry after a function that is not aligned) */
  expect_plan(__LINE__, B(0x31, 0xc0, 0xc3, 0x90, 0x90, 0x90, 0x90, 0x8d, 0x04, 0x7f, 0xc3, 0x90, 0x90,
                          0x90, 0x90, 0x90),
              M64, 3, OSPY_X86_RELOC_TOO_SHORT, 0, 0,
              "padding after it ends off a 16-byte boundary, at +0x7 ('lea eax, [rdi + rdi*2]')");
  /* a multi-byte nop is padding too */
  expect_plan(__LINE__, B(0x8d, 0x04, 0x37, 0xc3, 0x66, 0x2e, 0x0f, 0x1f, 0x84, 0, 0, 0, 0, 0, 0x66, 0x90, 0x55),
              M64, 4, OK, 0, 14, NULL);
  /* ... but not what follows it: the next function, or bytes past the
   * 16-byte boundary (the next function may start there) */
  expect_plan(__LINE__, B(0x31, 0xc0, 0xc3, 0x55, 0x90, 0x90), M64, 3, OSPY_X86_RELOC_TOO_SHORT, 0,
              0, "'ret' at +0x2 ends the function after 3 of the 5 bytes needed; 'push rbp' after "
                 "it is not padding");
  test_padding_boundary();
  /* mov eax, 1 (5 bytes) runs past a 4-byte symbol */
  expect_plan(__LINE__, B(0x90, 0xb8, 1, 0, 0, 0, 0xc3), M64, 5, OSPY_X86_RELOC_TOO_SHORT, 0, 0,
              "'mov eax, 1' at +0x1 runs past the end of the 5-byte function");
  /* a jmp away in the first bytes, code after it */
  expect_plan(__LINE__, B(0x31, 0xc0, 0xeb, 0x10, 0x55, 0x90), M64, 0, OSPY_X86_RELOC_TOO_SHORT, 0,
              0, "'jmp 0x400014' at +0x2");
  /* tail-call jmp that completes the bytes: fine */
  expect_plan(__LINE__, B(0x48, 0x89, 0xf7, 0xe9, 0x00, 0x10, 0, 0), M64, 0, OK, 0, 8, NULL);
  /* push rbp; mov rbp,rsp; mov eax,edi; dec eax; jne +4 (into the moved bytes); ret */
  expect_plan(__LINE__, B(0x55, 0x48, 0x89, 0xe5, 0x89, 0xf8, 0xff, 0xc8, 0x75, 0xfa, 0xc3), M64,
              0, OSPY_X86_RELOC_BRANCH_BACK, 0, 0,
              "'jne 0x400004' at +0x8 branches to +0x4, inside the moved bytes +0x0..+0x6");
  /* A branch to the first moved byte (the patch jump) is allowed. */
  expect_plan(__LINE__, B(0x55, 0x48, 0x89, 0xe5, 0x89, 0xf8, 0xff, 0xc8, 0x75, 0xf6, 0xc3), M64,
              0, OK, 0, 6, NULL);
  /* With a known size, the scan covers the body past the first ret. */
  expect_plan(__LINE__,
              B(0x55, 0x48, 0x89, 0xe5, 0x89, 0xf8, 0x74, 0x01, 0xc3, 0xff, 0xc8, 0xeb, 0xf5, 0xc3),
              M64, 14, OSPY_X86_RELOC_BRANCH_BACK, 0, 0, "'jmp 0x400002' at +0xb");
  /* ...and without a size, the pending je target keeps the scan going past the ret. */
  expect_plan(__LINE__,
              B(0x55, 0x48, 0x89, 0xe5, 0x89, 0xf8, 0x74, 0x01, 0xc3, 0xff, 0xc8, 0xeb, 0xf5, 0xc3),
              M64, 0, OSPY_X86_RELOC_BRANCH_BACK, 0, 0, "'jmp 0x400002' at +0xb");
  /* ...but not past an end with nothing pending. */
  expect_plan(__LINE__,
              B(0x55, 0x48, 0x89, 0xe5, 0x89, 0xf8, 0xc3, 0x90, 0x90, 0xff, 0xc8, 0xeb, 0xf5, 0xc3),
              M64, 0, OK, 0, 6, NULL);
  /* je +1 lands in the middle of the next (moved) instruction */
  expect_plan(__LINE__, B(0x74, 0x01, 0xb8, 1, 0, 0, 0, 0xc3), M64, 0, OSPY_X86_RELOC_UNSUPPORTED,
              0, 0, "middle of a moved instruction");
  /* xbegin */
  expect_plan(__LINE__, B(0xc7, 0xf8, 0x10, 0, 0, 0, 0xc3), M64, 0, OSPY_X86_RELOC_UNSUPPORTED, 0,
              0, "'xbegin");
  /* 0x06 (push es) does not exist in 64-bit mode */
  expect_plan(__LINE__, B(0x55, 0x06, 0x90, 0x90, 0x90, 0x90), M64, 0,
              OSPY_X86_RELOC_DECODE_ERROR, 0, 0, "at +0x1 (first byte 0x06)");
  expect_plan(__LINE__, B(0x55, 0x48), M64, 0, OSPY_X86_RELOC_DECODE_ERROR, 0, 0, "at +0x1");
  expect_plan(__LINE__, B(0x55, 0x53), M64, 0, OSPY_X86_RELOC_DECODE_ERROR, 0, 0,
              "only 2 bytes readable");

  ospy_x86_reloc_plan plan;
  CHECK(plan_of(frame, M64, 0, 5, &plan) == OK && plan.n_insns == 3 && plan.insn_offset[0] == 0 &&
            plan.insn_offset[1] == 1 && plan.insn_offset[2] == 4,
        "insn offsets");
  CHECK(plan_of(frame, M64, 0, 1, &plan) == OK && plan.len == 1, "1 byte: len %zu", plan.len);
  /* 14 bytes (an absolute jump): 16 one-byte nops are fine, 17 instructions are not */
  uint8_t nops[40];
  memset(nops, 0x90, sizeof nops);
  CHECK(ospy_x86_relocator_plan(nops, sizeof nops, PC64, 0, 14, M64, &plan) == OK &&
            plan.len == 14 && plan.n_insns == 14,
        "14 nops: %s", plan.why);
  CHECK(ospy_x86_relocator_plan(nops, sizeof nops, PC64, 0, 17, M64, &plan) ==
            OSPY_X86_RELOC_UNSUPPORTED,
        "17 nops: %s", plan.why);
}

static void test_plans_32(void) {
  expect_plan(__LINE__, B(0x55, 0x89, 0xe5, 0x53, 0x83, 0xec, 0x14, 0xc3), M32, 0, OK, 0, 7, NULL);
  expect_plan(__LINE__, B(0xf3, 0x0f, 0x1e, 0xfb, 0x55, 0x89, 0xe5, 0x57, 0x56, 0xc3), M32, 0, OK,
              4, 5, NULL);
  /* endbr64 is not an entry marker in 32-bit code: moved like anything else */
  expect_plan(__LINE__, B(0xf3, 0x0f, 0x1e, 0xfa, 0x55, 0x89, 0xe5, 0xc3), M32, 0, OK, 0, 5, NULL);
  /* a ret that completes the bytes is moved with them */
  expect_plan(__LINE__, B(0x8b, 0x44, 0x24, 0x04, 0xc3, 0x90), M32, 0, OK, 0, 5, NULL);
  expect_plan(__LINE__, B(0x8b, 0xc1, 0xc3, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90,
                          0x90, 0x90, 0x90, 0x55),
              M32, 0, OK, 0, 5, NULL);
  /* older assemblers' i386 padding: lea esi, [esi + eiz*1 + 0]; lea esi, [esi + 0]; mov esi, esi */
  expect_plan(__LINE__, B(0x8b, 0xc1, 0xc3, 0x8d, 0xb4, 0x26, 0, 0, 0, 0, 0x8d, 0x76, 0x00, 0x89, 0xf6, 0x90, 0x55),
              M32, 3, OK, 0, 10, NULL);
  expect_plan(__LINE__, B(0x8b, 0xc1, 0xc3, 0x8d, 0x76, 0x00, 0x8d, 0xb4, 0x26, 0, 0, 0, 0, 0x89, 0xf6, 0x90, 0x55),
              M32, 3, OK, 0, 6, NULL);
  expect_plan(__LINE__, B(0x8b, 0xc1, 0xc3, 0x89, 0xf6, 0x8d, 0xb4, 0x26, 0, 0, 0, 0, 0x8d, 0x76, 0x00, 0x90, 0x55),
              M32, 3, OK, 0, 5, NULL);
  /* ... not a lea that computes something */
  expect_plan(__LINE__, B(0x8b, 0xc1, 0xc3, 0x8d, 0x76, 0x01), M32, 3, OSPY_X86_RELOC_TOO_SHORT, 0,
              0, "after it is not padding");
  expect_plan(__LINE__, B(0x8b, 0xc1, 0xc3, 0x53, 0x90, 0x90), M32, 0, OSPY_X86_RELOC_TOO_SHORT, 0,
              0, "'ret' at +0x2 ends the function after 3 of the 5 bytes needed");
  /* 0x66-prefixed rel16 jcc would be misread: refused */
  expect_plan(__LINE__, B(0x66, 0x0f, 0x84, 0x10, 0x00, 0x90, 0x90, 0xc3), M32, 0,
              OSPY_X86_RELOC_UNSUPPORTED, 0, 0, "at +0x0 cannot be relocated");
  /* jmp [ebx+x] (PIC PLT) ends the function */
  expect_plan(__LINE__, B(0xff, 0xa3, 0x0c, 0, 0, 0, 0x68), M32, 0, OK, 0, 6, NULL);
}

static void test_copies_64(void) {
  bytes frame = B(0x55, 0x48, 0x89, 0xe5, 0x48, 0x83, 0xec, 0x10, 0xc3);
  expect_copy(__LINE__, frame, M64, NEAR64,
              B(0x55, 0x48, 0x89, 0xe5, 0x48, 0x83, 0xec, 0x10, 0xe9,
                REL32(NEAR64 + 13, PC64 + 8)));
  expect_copy(__LINE__, frame, M64, FAR64,
              B(0x55, 0x48, 0x89, 0xe5, 0x48, 0x83, 0xec, 0x10, JMP_ABS(PC64 + 8)));

  /* mov rax, [rip+0x10]: the same absolute target from the copy */
  bytes rip_load = B(0x48, 0x8b, 0x05, 0x10, 0, 0, 0, 0xc3);
  expect_copy(__LINE__, rip_load, M64, NEAR64,
              B(0x48, 0x8b, 0x05, REL32(NEAR64 + 7, PC64 + 0x17), 0xe9,
                REL32(NEAR64 + 12, PC64 + 7)));
  /* far: through rcx (rax is the destination), above the red zone */
  expect_copy(__LINE__, rip_load, M64, FAR64,
              B(0x48, 0x8d, 0x64, 0x24, 0x80,                   /* lea rsp, [rsp-128] */
                0x51,                                           /* push rcx */
                0xb9, A32(PC64 + 0x17),                         /* mov ecx, target */
                0x48, 0x8b, 0x01,                               /* mov rax, [rcx] */
                0x59,                                           /* pop rcx */
                0x48, 0x8d, 0xa4, 0x24, 0x80, 0, 0, 0,          /* lea rsp, [rsp+128] */
                JMP_ABS(PC64 + 7)));
  /* cmp dword [rip+0x20], 0 with an immediate after the displacement; far uses rax */
  bytes rip_cmp = B(0x83, 0x3d, 0x20, 0, 0, 0, 0x00, 0xc3);
  expect_copy(__LINE__, rip_cmp, M64, NEAR64,
              B(0x83, 0x3d, REL32(NEAR64 + 7, PC64 + 0x27), 0x00, 0xe9,
                REL32(NEAR64 + 12, PC64 + 7)));
  expect_copy(__LINE__, rip_cmp, M64, FAR64,
              B(0x48, 0x8d, 0x64, 0x24, 0x80, 0x50, 0xb8, A32(PC64 + 0x27), 0x83, 0x38, 0x00, 0x58,
                0x48, 0x8d, 0xa4, 0x24, 0x80, 0, 0, 0, JMP_ABS(PC64 + 7)));
  /* mov r8, [rip+0x10] (REX.WR): REX.R stays, the scratch is rax */
  expect_copy(__LINE__, B(0x4c, 0x8b, 0x05, 0x10, 0, 0, 0, 0xc3), M64, FAR64,
              B(0x48, 0x8d, 0x64, 0x24, 0x80, 0x50, 0xb8, A32(PC64 + 0x17), 0x4c, 0x8b, 0x00, 0x58,
                0x48, 0x8d, 0xa4, 0x24, 0x80, 0, 0, 0, JMP_ABS(PC64 + 7)));
  /* mov rax, [rip+0x10] with a (meaningless) REX.B: cleared, or it would name r9 */
  expect_copy(__LINE__, B(0x49, 0x8b, 0x05, 0x10, 0, 0, 0, 0xc3), M64, FAR64,
              B(0x48, 0x8d, 0x64, 0x24, 0x80, 0x51, 0xb9, A32(PC64 + 0x17), 0x48, 0x8b, 0x01, 0x59,
                0x48, 0x8d, 0xa4, 0x24, 0x80, 0, 0, 0, JMP_ABS(PC64 + 7)));
  /* movsd xmm8, [rip+0x10] (mandatory prefix before REX.R) */
  expect_copy(__LINE__, B(0xf2, 0x44, 0x0f, 0x10, 0x05, 0x10, 0, 0, 0, 0xc3), M64, FAR64,
              B(0x48, 0x8d, 0x64, 0x24, 0x80, 0x50, 0xb8, A32(PC64 + 0x19), 0xf2, 0x44, 0x0f, 0x10,
                0x00, 0x58, 0x48, 0x8d, 0xa4, 0x24, 0x80, 0, 0, 0, JMP_ABS(PC64 + 9)));
  /* vmovdqu xmm0, [rip+0x10], 2-byte and 3-byte VEX */
  expect_copy(__LINE__, B(0xc5, 0xfa, 0x6f, 0x05, 0x10, 0, 0, 0, 0xc3), M64, FAR64,
              B(0x48, 0x8d, 0x64, 0x24, 0x80, 0x50, 0xb8, A32(PC64 + 0x18), 0xc5, 0xfa, 0x6f, 0x00,
                0x58, 0x48, 0x8d, 0xa4, 0x24, 0x80, 0, 0, 0, JMP_ABS(PC64 + 8)));
  expect_copy(__LINE__, B(0xc4, 0xc1, 0x7a, 0x6f, 0x05, 0x10, 0, 0, 0, 0xc3), M64, FAR64,
              B(0x48, 0x8d, 0x64, 0x24, 0x80, 0x50, 0xb8, A32(PC64 + 0x19), 0xc4, 0xe1, 0x7a, 0x6f,
                0x00, 0x58, 0x48, 0x8d, 0xa4, 0x24, 0x80, 0, 0, 0, JMP_ABS(PC64 + 9)));
  /* lea rdi, [rip+0x100]: far becomes mov edi, imm32 (the address fits) */
  bytes rip_lea = B(0x48, 0x8d, 0x3d, 0x00, 0x01, 0, 0, 0xc3);
  expect_copy(__LINE__, rip_lea, M64, FAR64, B(0xbf, A32(PC64 + 0x107), JMP_ABS(PC64 + 7)));

  /* test edi,edi; je +5; lea eax,[rdi+1]; ret: the jcc target is outside */
  bytes jcc = B(0x85, 0xff, 0x74, 0x05, 0x8d, 0x47, 0x01, 0xc3, 0x90, 0x31, 0xc0, 0xc3);
  expect_copy(__LINE__, jcc, M64, NEAR64,
              B(0x85, 0xff, 0x0f, 0x84, REL32(NEAR64 + 8, PC64 + 9), 0x8d, 0x47, 0x01, 0xe9,
                REL32(NEAR64 + 16, PC64 + 7)));
  expect_copy(__LINE__, jcc, M64, FAR64,
              B(0x85, 0xff, 0x75, 0x0e, JMP_ABS(PC64 + 9), 0x8d, 0x47, 0x01, JMP_ABS(PC64 + 7)));

  /* xor eax,eax; inc eax; jmp back to the inc: stays inside the copy */
  expect_copy(__LINE__, B(0x31, 0xc0, 0xff, 0xc0, 0xeb, 0xfc, 0xc3), M64, FAR64,
              B(0x31, 0xc0, 0xff, 0xc0, 0xeb, 0xfc, JMP_ABS(PC64 + 6)));
  /* a forward jcc to a moved instruction uses rel32 to the copy */
  expect_copy(__LINE__, B(0x74, 0x02, 0x31, 0xc0, 0xff, 0xc0, 0xc3), M64, NEAR64,
              B(0x0f, 0x84, 0x02, 0, 0, 0, 0x31, 0xc0, 0xff, 0xc0, 0xe9,
                REL32(NEAR64 + 15, PC64 + 6)));

  /* call 0x401000 */
  bytes call = B(0xe8, 0xfb, 0x0f, 0, 0, 0xc3);
  expect_copy(__LINE__, call, M64, NEAR64,
              B(0xe8, REL32(NEAR64 + 5, PC64 + 0x1000), 0xe9, REL32(NEAR64 + 10, PC64 + 5)));
  /* far: push the return address in the copy (high half via mov [rsp+4]) and jump */
  expect_copy(__LINE__, call, M64, FAR64,
              B(0x68, A32(FAR64 + 27), 0xc7, 0x44, 0x24, 0x04, 0x00, 0x7f, 0, 0,
                JMP_ABS(PC64 + 0x1000), JMP_ABS(PC64 + 5)));
  /* call $+5; pop rax: the pushed value is the original address */
  expect_copy(__LINE__, B(0xe8, 0, 0, 0, 0, 0x58, 0xc3), M64, FAR64,
              B(0x68, A32(PC64 + 5), JMP_ABS(PC64 + 5)));

  /* endbr64; jmp [rip+0x2fe2] (PLT-style): the patch goes after the endbr */
  bytes plt = B(0xf3, 0x0f, 0x1e, 0xfa, 0xff, 0x25, 0xe2, 0x2f, 0, 0, 0x90, 0x90);
  expect_copy(__LINE__, plt, M64, NEAR64,
              B(0xff, 0x25, REL32(NEAR64 + 6, PC64 + 10 + 0x2fe2), 0xe9,
                REL32(NEAR64 + 11, PC64 + 10)));
  expect_copy(__LINE__, plt, M64, FAR64,
              B(0x50, 0x50, 0xb8, A32(PC64 + 10 + 0x2fe2), 0x48, 0x8b, 0x00, 0x48, 0x89, 0x44,
                0x24, 0x08, 0x58, 0xc3, JMP_ABS(PC64 + 10)));
  /* call [rip+x] far: return address, then jump through the slot */
  expect_copy(__LINE__, B(0xff, 0x15, 0x00, 0x10, 0, 0, 0xc3), M64, FAR64,
              B(0x68, A32(FAR64 + 13 + 17), 0xc7, 0x44, 0x24, 0x04, 0x00, 0x7f, 0, 0, 0x50, 0x50,
                0xb8, A32(PC64 + 0x1006), 0x48, 0x8b, 0x00, 0x48, 0x89, 0x44, 0x24, 0x08, 0x58,
                0xc3, JMP_ABS(PC64 + 6)));

  /* loop to outside: jump island */
  bytes loop = B(0xe2, 0x10, 0x90, 0x90, 0x90, 0xc3);
  expect_copy(__LINE__, loop, M64, NEAR64,
              B(0xe2, 0x02, 0xeb, 0x05, 0xe9, REL32(NEAR64 + 9, PC64 + 0x12), 0x90, 0x90, 0x90,
                0xe9, REL32(NEAR64 + 17, PC64 + 5)));
  expect_copy(__LINE__, loop, M64, FAR64,
              B(0xe2, 0x02, 0xeb, 0x0e, JMP_ABS(PC64 + 0x12), 0x90, 0x90, 0x90, JMP_ABS(PC64 + 5)));
  /* jrcxz to a moved instruction: stays rel8 inside the copy */
  expect_copy(__LINE__, B(0x90, 0xe3, 0xfd, 0x90, 0x90, 0xc3), M64, FAR64,
              B(0x90, 0xe3, 0xfd, 0x90, 0x90, JMP_ABS(PC64 + 5)));
}

static void test_copies_32(void) {
  bytes frame = B(0x55, 0x89, 0xe5, 0x53, 0x83, 0xec, 0x14, 0xc3);
  expect_copy(__LINE__, frame, M32, NEAR32,
              B(0x55, 0x89, 0xe5, 0x53, 0x83, 0xec, 0x14, 0xe9, REL32(NEAR32 + 12, PC32 + 7)));
  /* call $+5; pop ebx */
  expect_copy(__LINE__, B(0xe8, 0, 0, 0, 0, 0x5b, 0x81, 0xc3, 0, 0x10, 0, 0), M32, NEAR32,
              B(0x68, A32(PC32 + 5), 0xe9, REL32(NEAR32 + 10, PC32 + 5)));
  /* call (rel32) in the prologue: same target from the copy */
  expect_copy(__LINE__, B(0xe8, 0xfb, 0x0f, 0, 0, 0xc3), M32, NEAR32,
              B(0xe8, REL32(NEAR32 + 5, PC32 + 0x1000), 0xe9, REL32(NEAR32 + 10, PC32 + 5)));
  /* jmp [abs32] (non-PIC PLT): absolute, copied as is */
  expect_copy(__LINE__, B(0xff, 0x25, A32(0x804a00c), 0x68), M32, NEAR32,
              B(0xff, 0x25, A32(0x804a00c), 0xe9, REL32(NEAR32 + 11, PC32 + 6)));
  /* jne to outside */
  expect_copy(__LINE__, B(0x85, 0xc0, 0x75, 0x10, 0x31, 0xc0, 0xc3), M32, NEAR32,
              B(0x85, 0xc0, 0x0f, 0x85, REL32(NEAR32 + 8, PC32 + 0x14), 0x31, 0xc0, 0xe9,
                REL32(NEAR32 + 15, PC32 + 6)));
  /* jecxz to outside: jump island */
  expect_copy(__LINE__, B(0xe3, 0x10, 0x90, 0x90, 0x90, 0xc3), M32, NEAR32,
              B(0xe3, 0x02, 0xeb, 0x05, 0xe9, REL32(NEAR32 + 9, PC32 + 0x12), 0x90, 0x90, 0x90,
                0xe9, REL32(NEAR32 + 17, PC32 + 5)));

  /* call __x86.get_pc_thunk.bx (at +0x20: mov ebx,[esp]; ret) */
  uint8_t code[0x24] = {0xe8, 0x1b, 0, 0, 0, 0x81, 0xc3, 0, 0x10, 0, 0, 0xc3};
  memcpy(code + 0x20, (const uint8_t[]){0x8b, 0x1c, 0x24, 0xc3}, 4);
  ospy_x86_reloc_plan plan;
  CHECK(ospy_x86_relocator_plan(code, sizeof code, PC32, 12, 5, M32, &plan) == OK &&
            plan.pc_thunk_reg[0] == 3,
        "thunk detected: %s", plan.why);
  uint8_t buf[64];
  ospy_x86_writer w;
  ospy_x86_writer_init(&w, buf, sizeof buf, NEAR32, M32);
  ospy_x86_reloc_map map;
  CHECK(ospy_x86_relocator_write(&w, code, &plan, &map), "%s", ospy_x86_writer_error(&w));
  static const uint8_t want[] = {0xbb, A32(PC32 + 5), 0xe9, REL32(NEAR32 + 10, PC32 + 5)};
  CHECK(w.len == sizeof want && memcmp(buf, want, sizeof want) == 0, "mov ebx, return address");
  /* the same call to an ordinary function stays a call */
  code[0x20] = 0x55;
  CHECK(ospy_x86_relocator_plan(code, sizeof code, PC32, 12, 5, M32, &plan) == OK &&
            plan.pc_thunk_reg[0] == -1,
        "not a thunk");
}

/* The map from original offsets to copy offsets. */
static void test_map(void) {
  static const uint8_t code[] = {0x85, 0xff, 0x74, 0x05, 0x8d, 0x47, 0x01, 0xc3};
  ospy_x86_reloc_plan plan;
  CHECK(ospy_x86_relocator_plan(code, sizeof code, PC64, 0, 5, M64, &plan) == OK, "plan");
  uint8_t buf[128];
  ospy_x86_writer w;
  ospy_x86_writer_init(&w, buf, sizeof buf, FAR64, M64);
  ospy_x86_writer_put_nop(&w, 3); /* the copy need not start the buffer */
  ospy_x86_reloc_map map;
  CHECK(ospy_x86_relocator_write(&w, code, &plan, &map), "write");
  CHECK(map.n == 3 && map.from[0] == 0 && map.to[0] == 0 && map.from[1] == 2 && map.to[1] == 2 &&
            map.from[2] == 4 && map.to[2] == 18,
        "map %u: %u->%u %u->%u %u->%u", map.n, map.from[0], map.to[0], map.from[1], map.to[1],
        map.from[2], map.to[2]);

  /* A writer too small fails cleanly. */
  ospy_x86_writer_init(&w, buf, 10, FAR64, M64);
  CHECK(!ospy_x86_relocator_write(&w, code, &plan, &map) &&
            strstr(ospy_x86_writer_error(&w), "full"),
        "small buffer");
  /* A plan for the other mode is refused. */
  ospy_x86_writer_init(&w, buf, sizeof buf, NEAR32, M32);
  CHECK(!ospy_x86_relocator_write(&w, code, &plan, &map), "mode mismatch");
  /* The caller's pending labels survive the relocator. */
  ospy_x86_writer_init(&w, buf, sizeof buf, NEAR64, M64);
  ospy_x86_label later = ospy_x86_writer_new_label(&w);
  ospy_x86_writer_put_jmp_label(&w, later);
  CHECK(ospy_x86_relocator_write(&w, code, &plan, &map), "write after a pending label");
  ospy_x86_writer_put_label(&w, later);
  CHECK(ospy_x86_writer_flush(&w), "caller's label resolves: %s", ospy_x86_writer_error(&w));
}

typedef struct fake_mem {
  uint64_t base;
  uint8_t bytes[0x3000];
} fake_mem;

static bool fake_read(uint64_t addr, void *out, size_t n, void *data) {
  const fake_mem *m = data;
  if (addr < m->base || addr - m->base > sizeof m->bytes || sizeof m->bytes - (addr - m->base) < n)
    return false;
  memcpy(out, m->bytes + (addr - m->base), n);
  return true;
}

static void put_at(fake_mem *m, uint64_t addr, const uint8_t *b, size_t n) {
  memcpy(m->bytes + (addr - m->base), b, n);
}
#define PUT(m, addr, ...) \
  put_at(m, addr, (const uint8_t[]){__VA_ARGS__}, sizeof((const uint8_t[]){__VA_ARGS__}))

static void test_thunks(void) {
  static fake_mem m;
  memset(&m, 0x90, sizeof m.bytes);
  m.base = 0x400000;
  /* .plt.sec: endbr64; bnd jmp [rip+x] -> GOT slot at 0x402000 -> 0x401800 */
  PUT(&m, 0x400100, 0xf3, 0x0f, 0x1e, 0xfa, 0xf2, 0xff, 0x25, A32(0x402000 - 0x40010b));
  PUT(&m, 0x402000, A64(0x401800ull));
  PUT(&m, 0x401800, 0x55, 0x48, 0x89, 0xe5);
  CHECK(ospy_x86_resolve_thunks(0x400100, M64, fake_read, &m) == 0x401800, ".plt.sec");
  /* jmp rel8 -> jmp rel32 -> jmp [rip+x] -> target */
  PUT(&m, 0x400200, 0xeb, 0x0e);                           /* -> 0x400210 */
  PUT(&m, 0x400210, 0xe9, A32(0x400300 - 0x400215));       /* -> 0x400300 */
  PUT(&m, 0x400300, 0xff, 0x25, A32(0x402008 - 0x400306)); /* -> [0x402008] */
  PUT(&m, 0x402008, A64(0x401800ull));
  CHECK(ospy_x86_resolve_thunks(0x400200, M64, fake_read, &m) == 0x401800, "chain");
  /* not a thunk */
  CHECK(ospy_x86_resolve_thunks(0x401800, M64, fake_read, &m) == 0x401800, "function itself");
  /* lazy binding: the slot still points at the PLT's push; jmp stub */
  PUT(&m, 0x400400, 0xff, 0x25, A32(0x402010 - 0x400406), 0x68, 1, 0, 0, 0, 0xe9, A32(0));
  PUT(&m, 0x402010, A64(0x400406ull));
  CHECK(ospy_x86_resolve_thunks(0x400400, M64, fake_read, &m) == 0x400400, "lazy slot");
  /* unreadable slot */
  PUT(&m, 0x400500, 0xff, 0x25, A32(0x10000000));
  CHECK(ospy_x86_resolve_thunks(0x400500, M64, fake_read, &m) == 0x400500, "unreadable slot");
  /* a jump to itself stops at the depth bound */
  PUT(&m, 0x400600, 0xeb, 0xfe);
  CHECK(ospy_x86_resolve_thunks(0x400600, M64, fake_read, &m) == 0x400600, "self loop");
  PUT(&m, 0x400700, 0xeb, 0x00, 0xeb, 0xfc);
  uint64_t r = ospy_x86_resolve_thunks(0x400700, M64, fake_read, &m);
  CHECK(r == 0x400700 || r == 0x400702, "two-jump loop bounded: %#llx", (unsigned long long)r);

  /* i386: jmp [abs32] -> slot -> function; jmp [ebx+x] stops */
  PUT(&m, 0x400800, 0xff, 0x25, A32(0x402020));
  PUT(&m, 0x402020, A32(0x401800));
  CHECK(ospy_x86_resolve_thunks(0x400800, M32, fake_read, &m) == 0x401800, "i386 jmp [abs]");
  PUT(&m, 0x400900, 0xff, 0xa3, A32(0x0c));
  CHECK(ospy_x86_resolve_thunks(0x400900, M32, fake_read, &m) == 0x400900, "i386 jmp [ebx+x]");
  /* endbr32; jmp rel32 */
  PUT(&m, 0x400a00, 0xf3, 0x0f, 0x1e, 0xfb, 0xe9, A32(0x401800 - 0x400a09));
  CHECK(ospy_x86_resolve_thunks(0x400a00, M32, fake_read, &m) == 0x401800, "i386 endbr jmp");
  /* unreadable start */
  CHECK(ospy_x86_resolve_thunks(0x10, M64, fake_read, &m) == 0x10, "unreadable start");
}

int main(void) {
  test_plans_64();
  test_plans_32();
  test_copies_64();
  test_copies_32();
  test_map();
  test_thunks();
  CHECK(strcmp(ospy_x86_reloc_status_name(OSPY_X86_RELOC_BRANCH_BACK), "branch-back") == 0,
        "status name");
  return arch_test_finish("relocator-table");
}
