/*
 * Writer: byte-exact encodings (checked by hand against the Intel manual),
 * label resolution and error handling, in both modes.
 */
#include <string.h>

#include "arch/x86/x86_writer.h"
#include "arch_test.h"

#define PC0 0x1000u

static void check_bytes(int line, const char *what, const ospy_x86_writer *w, const uint8_t *exp,
                        size_t n) {
  bool same = ospy_x86_writer_ok(w) && w->len == n && memcmp(w->buf, exp, n) == 0;
  CHECK(same, "line %d: %s: %s", line, what,
        ospy_x86_writer_ok(w) ? "bytes differ" : ospy_x86_writer_error(w));
  if (!same && ospy_x86_writer_ok(w)) {
    fprintf(stderr, "  got:     ");
    for (size_t i = 0; i < w->len; i++) fprintf(stderr, "%02x ", w->buf[i]);
    fprintf(stderr, "\n  expected:");
    for (size_t i = 0; i < n; i++) fprintf(stderr, " %02x", exp[i]);
    fputc('\n', stderr);
  }
}

#define EXPECT(mode, code, ...)                                        \
  do {                                                                 \
    static const uint8_t exp_[] = {__VA_ARGS__};                       \
    uint8_t buf_[64];                                                  \
    ospy_x86_writer w_;                                                \
    ospy_x86_writer_init(&w_, buf_, sizeof buf_, PC0, mode);           \
    ospy_x86_writer *w = &w_;                                          \
    code;                                                              \
    ospy_x86_writer_flush(w);                                          \
    check_bytes(__LINE__, #code, w, exp_, sizeof exp_);                \
  } while (0)
#define E64(code, ...) EXPECT(OSPY_X86_MODE_64, code, __VA_ARGS__)
#define E32(code, ...) EXPECT(OSPY_X86_MODE_32, code, __VA_ARGS__)

/* Expect the writer to refuse, writing nothing, with an error message. */
#define EXPECT_ERROR(mode, code)                                          \
  do {                                                                    \
    uint8_t buf_[64];                                                     \
    ospy_x86_writer w_;                                                   \
    ospy_x86_writer_init(&w_, buf_, sizeof buf_, PC0, mode);              \
    ospy_x86_writer *w = &w_;                                             \
    code;                                                                 \
    CHECK(!ospy_x86_writer_ok(w) && w->len == 0 && ospy_x86_writer_error(w), \
          "line %d: %s should fail", __LINE__, #code);                    \
  } while (0)

#define M(b, d) ospy_x86_mem_base_disp(OSPY_X86_##b, d)
#define R(x) OSPY_X86_##x

static void test_moves(void) {
  E64(ospy_x86_writer_put_mov_reg_reg(w, R(RAX), R(RBX)), 0x48, 0x89, 0xd8);
  E64(ospy_x86_writer_put_mov_reg_reg(w, R(R8), R(RAX)), 0x49, 0x89, 0xc0);
  E64(ospy_x86_writer_put_mov_reg_reg(w, R(RAX), R(R8)), 0x4c, 0x89, 0xc0);
  E64(ospy_x86_writer_put_mov_reg_reg(w, R(SIL), R(AL)), 0x40, 0x88, 0xc6);
  E64(ospy_x86_writer_put_mov_reg_reg(w, R(AX), R(BX)), 0x66, 0x89, 0xd8);
  E64(ospy_x86_writer_put_mov_reg_reg(w, R(R15D), R(EAX)), 0x41, 0x89, 0xc7);
  E64(ospy_x86_writer_put_mov_reg_imm(w, R(EAX), 0x12345678), 0xb8, 0x78, 0x56, 0x34, 0x12);
  E64(ospy_x86_writer_put_mov_reg_imm(w, R(RAX), 0x12345678), 0xb8, 0x78, 0x56, 0x34, 0x12);
  E64(ospy_x86_writer_put_mov_reg_imm(w, R(RAX), UINT64_MAX), 0x48, 0xc7, 0xc0, 0xff, 0xff,
      0xff, 0xff);
  E64(ospy_x86_writer_put_mov_reg_imm(w, R(RAX), 0x123456789ull), 0x48, 0xb8, 0x89, 0x67, 0x45,
      0x23, 0x01, 0, 0, 0);
  E64(ospy_x86_writer_put_mov_reg_imm(w, R(R9), 0x123456789ull), 0x49, 0xb9, 0x89, 0x67, 0x45,
      0x23, 0x01, 0, 0, 0);
  E64(ospy_x86_writer_put_mov_reg_imm(w, R(R10), 5), 0x41, 0xba, 5, 0, 0, 0);
  E64(ospy_x86_writer_put_mov_reg_imm(w, R(AL), 0x7f), 0xb0, 0x7f);
  E64(ospy_x86_writer_put_mov_reg_imm(w, R(DIL), 1), 0x40, 0xb7, 0x01);
  E64(ospy_x86_writer_put_mov_reg_imm(w, R(AX), 0x1234), 0x66, 0xb8, 0x34, 0x12);
  /* a sign-extended value names the same bits at the register's width */
  E64(ospy_x86_writer_put_mov_reg_imm(w, R(ECX), UINT64_MAX), 0xb9, 0xff, 0xff, 0xff, 0xff);
  E32(ospy_x86_writer_put_mov_reg_imm(w, R(CL), (uint64_t)-2), 0xb1, 0xfe);
  E64(ospy_x86_writer_put_mov_reg_mem(w, R(RAX), M(RSP, 0)), 0x48, 0x8b, 0x04, 0x24);
  E64(ospy_x86_writer_put_mov_reg_mem(w, R(RAX), M(RBP, 0)), 0x48, 0x8b, 0x45, 0x00);
  E64(ospy_x86_writer_put_mov_reg_mem(w, R(RAX), M(R12, 8)), 0x49, 0x8b, 0x44, 0x24, 0x08);
  E64(ospy_x86_writer_put_mov_reg_mem(w, R(RAX), M(R13, 0)), 0x49, 0x8b, 0x45, 0x00);
  E64(ospy_x86_writer_put_mov_reg_mem(w, R(RAX), M(RBX, 0x100)), 0x48, 0x8b, 0x83, 0, 1, 0, 0);
  E64(ospy_x86_writer_put_mov_reg_mem(w, R(RAX), ospy_x86_mem_index(R(RBX), R(RCX), 8, 16)),
      0x48, 0x8b, 0x44, 0xcb, 0x10);
  E64(ospy_x86_writer_put_mov_reg_mem(w, R(RAX), ospy_x86_mem_index(R(RBX), R(R12), 2, 0)),
      0x4a, 0x8b, 0x04, 0x63);
  E64(ospy_x86_writer_put_mov_reg_mem(w, R(EAX), ospy_x86_mem_rip_abs(0x2000)), 0x8b, 0x05, 0xfa,
      0x0f, 0, 0);
  E64(ospy_x86_writer_put_mov_reg_mem(w, R(RAX), ospy_x86_mem_abs32(0x1234)), 0x48, 0x8b, 0x04,
      0x25, 0x34, 0x12, 0, 0);
  E64(ospy_x86_writer_put_mov_reg_mem(w, R(EAX), M(EAX, 0)), 0x67, 0x8b, 0x00);
  E64(ospy_x86_writer_put_mov_mem_reg(w, M(RDI, 4), R(ESI)), 0x89, 0x77, 0x04);
  E64(ospy_x86_writer_put_mov_mem_imm(w, 32, M(RAX, 0), 0x1234), 0xc7, 0x00, 0x34, 0x12, 0, 0);
  E64(ospy_x86_writer_put_mov_mem_imm(w, 64, ospy_x86_mem_rip_abs(0x2000), -1), 0x48, 0xc7, 0x05,
      0xf5, 0x0f, 0, 0, 0xff, 0xff, 0xff, 0xff);
  E64(ospy_x86_writer_put_mov_mem_imm(w, 8, M(RAX, 0), 1), 0xc6, 0x00, 0x01);
  E64(ospy_x86_writer_put_mov_mem_imm(w, 16, M(RAX, 0), 0x1234), 0x66, 0xc7, 0x00, 0x34, 0x12);
  E64(ospy_x86_writer_put_movzx_reg_mem(w, R(EAX), 8, M(RDI, 0)), 0x0f, 0xb6, 0x07);
  E64(ospy_x86_writer_put_movzx_reg_mem(w, R(RAX), 16, M(RDI, 0)), 0x48, 0x0f, 0xb7, 0x07);
  E64(ospy_x86_writer_put_movsx_reg_mem(w, R(RAX), 32, M(RDI, 0)), 0x48, 0x63, 0x07);
  E64(ospy_x86_writer_put_movzx_reg_mem(w, R(RAX), 32, M(RDI, 0)), 0x8b, 0x07);
  E64(ospy_x86_writer_put_movsx_reg_reg(w, R(EAX), R(CL)), 0x0f, 0xbe, 0xc1);
  E64(ospy_x86_writer_put_movzx_reg_reg(w, R(EAX), R(SIL)), 0x40, 0x0f, 0xb6, 0xc6);
  E64(ospy_x86_writer_put_lea_reg_mem(w, R(RAX), ospy_x86_mem_rip_abs(0x1010)), 0x48, 0x8d, 0x05,
      0x09, 0, 0, 0);
  E64(ospy_x86_writer_put_lea_reg_mem(w, R(RSP), M(RSP, -128)), 0x48, 0x8d, 0x64, 0x24, 0x80);
  E64(ospy_x86_writer_put_xchg_reg_reg(w, R(RAX), R(RCX)), 0x48, 0x87, 0xc8);

  E32(ospy_x86_writer_put_mov_reg_reg(w, R(EAX), R(EBX)), 0x89, 0xd8);
  E32(ospy_x86_writer_put_mov_reg_mem(w, R(EAX), M(ESP, 4)), 0x8b, 0x44, 0x24, 0x04);
  E32(ospy_x86_writer_put_mov_reg_mem(w, R(EAX), ospy_x86_mem_abs32(0x1234)), 0x8b, 0x05, 0x34,
      0x12, 0, 0);
  E32(ospy_x86_writer_put_mov_reg_mem(w, R(EAX),
                                      ospy_x86_mem_index(OSPY_X86_NOREG, R(ECX), 4, 0x1000)),
      0x8b, 0x04, 0x8d, 0x00, 0x10, 0, 0);
  E32(ospy_x86_writer_put_mov_reg_imm(w, R(EBX), 0x08049000), 0xbb, 0x00, 0x90, 0x04, 0x08);
  E32(ospy_x86_writer_put_mov_reg_mem(w, R(AX), M(EBP, -2)), 0x66, 0x8b, 0x45, 0xfe);
}

static void test_alu(void) {
  E64(ospy_x86_writer_put_alu_reg_reg(w, OSPY_X86_ADD, R(RAX), R(RBX)), 0x48, 0x01, 0xd8);
  E64(ospy_x86_writer_put_alu_reg_imm(w, OSPY_X86_SUB, R(EAX), 1), 0x83, 0xe8, 0x01);
  E64(ospy_x86_writer_put_alu_reg_imm(w, OSPY_X86_ADD, R(EAX), 0x1000), 0x05, 0, 0x10, 0, 0);
  E64(ospy_x86_writer_put_alu_reg_imm(w, OSPY_X86_CMP, R(RCX), 0x1000), 0x48, 0x81, 0xf9, 0,
      0x10, 0, 0);
  E64(ospy_x86_writer_put_alu_reg_imm(w, OSPY_X86_AND, R(AL), 0x0f), 0x24, 0x0f);
  E64(ospy_x86_writer_put_alu_reg_imm(w, OSPY_X86_OR, R(CL), 1), 0x80, 0xc9, 0x01);
  E64(ospy_x86_writer_put_alu_reg_imm(w, OSPY_X86_ADD, R(AX), 0x1234), 0x66, 0x05, 0x34, 0x12);
  E64(ospy_x86_writer_put_alu_reg_imm(w, OSPY_X86_SUB, R(RSP), -128), 0x48, 0x83, 0xec, 0x80);
  E64(ospy_x86_writer_put_alu_reg_reg(w, OSPY_X86_XOR, R(R8D), R(R8D)), 0x45, 0x31, 0xc0);
  E64(ospy_x86_writer_put_alu_reg_mem(w, OSPY_X86_ADD, R(RAX), M(RBP, -8)), 0x48, 0x03, 0x45,
      0xf8);
  E64(ospy_x86_writer_put_alu_reg_mem(w, OSPY_X86_CMP, R(CL), M(RAX, 0)), 0x3a, 0x08);
  E64(ospy_x86_writer_put_test_reg_reg(w, R(EAX), R(EAX)), 0x85, 0xc0);
  E64(ospy_x86_writer_put_test_reg_imm(w, R(AL), 1), 0xa8, 0x01);
  E64(ospy_x86_writer_put_test_reg_imm(w, R(ECX), 0x100), 0xf7, 0xc1, 0, 1, 0, 0);
  E64(ospy_x86_writer_put_unary_reg(w, OSPY_X86_NEG, R(RAX)), 0x48, 0xf7, 0xd8);
  E64(ospy_x86_writer_put_unary_reg(w, OSPY_X86_DIV, R(RCX)), 0x48, 0xf7, 0xf1);
  E64(ospy_x86_writer_put_unary_reg(w, OSPY_X86_NOT, R(DL)), 0xf6, 0xd2);
  E64(ospy_x86_writer_put_imul_reg_reg(w, R(RAX), R(RCX)), 0x48, 0x0f, 0xaf, 0xc1);
  E64(ospy_x86_writer_put_shift_reg_cl(w, OSPY_X86_SHL, R(RAX)), 0x48, 0xd3, 0xe0);
  E64(ospy_x86_writer_put_shift_reg_imm(w, OSPY_X86_SAR, R(EAX), 1), 0xd1, 0xf8);
  E64(ospy_x86_writer_put_shift_reg_imm(w, OSPY_X86_SHR, R(R9), 3), 0x49, 0xc1, 0xe9, 0x03);
  E64(ospy_x86_writer_put_shld_reg_reg_cl(w, R(EAX), R(EDX)), 0x0f, 0xa5, 0xd0);
  E64(ospy_x86_writer_put_shrd_reg_reg_cl(w, R(EAX), R(EDX)), 0x0f, 0xad, 0xd0);
  E64(ospy_x86_writer_put_sign_extend_ax(w, 64), 0x48, 0x99);
  E64(ospy_x86_writer_put_setcc_reg(w, OSPY_X86_CC_E, R(AL)), 0x0f, 0x94, 0xc0);
  E64(ospy_x86_writer_put_setcc_reg(w, OSPY_X86_CC_NE, R(SIL)), 0x40, 0x0f, 0x95, 0xc6);
  E64(ospy_x86_writer_put_cmovcc_reg_reg(w, OSPY_X86_CC_L, R(RAX), R(RDX)), 0x48, 0x0f, 0x4c,
      0xc2);
  E32(ospy_x86_writer_put_sign_extend_ax(w, 32), 0x99);
  E32(ospy_x86_writer_put_alu_reg_imm(w, OSPY_X86_ADD, R(AX), 1), 0x66, 0x83, 0xc0, 0x01);
  E32(ospy_x86_writer_put_alu_reg_imm(w, OSPY_X86_SUB, R(ESP), 0x100), 0x81, 0xec, 0, 1, 0, 0);
  E32(ospy_x86_writer_put_shld_reg_reg_cl(w, R(EDX), R(EAX)), 0x0f, 0xa5, 0xc2);
}

static void test_control(void) {
  E64(ospy_x86_writer_put_jmp_reg(w, R(RAX)), 0xff, 0xe0);
  E64(ospy_x86_writer_put_jmp_reg(w, R(R11)), 0x41, 0xff, 0xe3);
  E64(ospy_x86_writer_put_call_reg(w, R(RCX)), 0xff, 0xd1);
  E64(ospy_x86_writer_put_call_mem(w, M(RAX, 8)), 0xff, 0x50, 0x08);
  E64(ospy_x86_writer_put_jmp_mem(w, ospy_x86_mem_rip_abs(0x2000)), 0xff, 0x25, 0xfa, 0x0f, 0,
      0);
  E64(ospy_x86_writer_put_push_reg(w, R(RBP)), 0x55);
  E64(ospy_x86_writer_put_push_reg(w, R(R12)), 0x41, 0x54);
  E64(ospy_x86_writer_put_pop_reg(w, R(R15)), 0x41, 0x5f);
  E64(ospy_x86_writer_put_push_reg(w, R(AX)), 0x66, 0x50);
  E64(ospy_x86_writer_put_push_imm(w, 1), 0x6a, 0x01);
  E64(ospy_x86_writer_put_push_imm(w, 0x1000), 0x68, 0x00, 0x10, 0, 0);
  E64((ospy_x86_writer_put_pushf(w), ospy_x86_writer_put_popf(w)), 0x9c, 0x9d);
  E64((ospy_x86_writer_put_ret(w), ospy_x86_writer_put_ret_imm(w, 8)), 0xc3, 0xc2, 0x08, 0x00);
  E64(ospy_x86_writer_put_jmp_address(w, 0x2000), 0xe9, 0xfb, 0x0f, 0, 0);
  E64(ospy_x86_writer_put_jmp_address(w, 0x7fff00001234ull), 0xff, 0x25, 0, 0, 0, 0, 0x34, 0x12,
      0, 0, 0xff, 0x7f, 0, 0);
  E64(ospy_x86_writer_put_jmp_address_abs(w, 0x2000), 0xff, 0x25, 0, 0, 0, 0, 0, 0x20, 0, 0, 0, 0,
      0, 0);
  E64(ospy_x86_writer_put_jcc_address(w, OSPY_X86_CC_E, 0x2000), 0x0f, 0x84, 0xfa, 0x0f, 0, 0);
  E64(ospy_x86_writer_put_jcc_address(w, OSPY_X86_CC_E, 0x7fff00001234ull), 0x75, 0x0e, 0xff,
      0x25, 0, 0, 0, 0, 0x34, 0x12, 0, 0, 0xff, 0x7f, 0, 0);
  E64(ospy_x86_writer_put_call_address(w, 0x2000, R(R11)), 0xe8, 0xfb, 0x0f, 0, 0);
  E64(ospy_x86_writer_put_call_address(w, 0x7fff00001234ull, R(R11)), 0x49, 0xbb, 0x34, 0x12, 0,
      0, 0xff, 0x7f, 0, 0, 0x41, 0xff, 0xd3);
  E64(ospy_x86_writer_put_push_address(w, 0x7fff12345678ull), 0x68, 0x78, 0x56, 0x34, 0x12,
      0xc7, 0x44, 0x24, 0x04, 0xff, 0x7f, 0, 0);
  E64(ospy_x86_writer_put_push_address(w, 0x1000), 0x68, 0x00, 0x10, 0, 0);
  E64(ospy_x86_writer_put_endbr(w), 0xf3, 0x0f, 0x1e, 0xfa);
  E64(ospy_x86_writer_put_int3(w), 0xcc);
  E64(ospy_x86_writer_put_nop(w, 1), 0x90);
  E64(ospy_x86_writer_put_nop(w, 5), 0x0f, 0x1f, 0x44, 0x00, 0x00);
  E64(ospy_x86_writer_put_nop(w, 11), 0x66, 0x0f, 0x1f, 0x84, 0, 0, 0, 0, 0, 0x66, 0x90);

  E64(ospy_x86_writer_put_movdqu_mem_xmm(w, M(RSP, 0x10), 0), 0xf3, 0x0f, 0x7f, 0x44, 0x24, 0x10);
  E64(ospy_x86_writer_put_movdqu_xmm_mem(w, 7, M(R12, 0)), 0xf3, 0x41, 0x0f, 0x6f, 0x3c, 0x24);
  E64(ospy_x86_writer_put_movdqu_mem_xmm(w, M(RAX, 0), 9), 0xf3, 0x44, 0x0f, 0x7f, 0x08);
  E32(ospy_x86_writer_put_fst_mem64(w, M(ESP, 8)), 0xdd, 0x54, 0x24, 0x08);
  E32(ospy_x86_writer_put_fld_mem64(w, M(EBP, -8)), 0xdd, 0x45, 0xf8);
  E32(ospy_x86_writer_put_push_reg(w, R(EBP)), 0x55);
  E32(ospy_x86_writer_put_pop_reg(w, R(EBX)), 0x5b);
  E32(ospy_x86_writer_put_jmp_address(w, 0x80000000u), 0xe9, 0xfb, 0xef, 0xff, 0x7f);
  E32(ospy_x86_writer_put_jmp_address_abs(w, 0x2000), 0xe9, 0xfb, 0x0f, 0, 0);
  E32(ospy_x86_writer_put_jcc_address(w, OSPY_X86_CC_NE, 0x2000), 0x0f, 0x85, 0xfa, 0x0f, 0, 0);
  E32(ospy_x86_writer_put_call_address(w, 0x0800, R(EAX)), 0xe8, 0xfb, 0xf7, 0xff, 0xff);
  E32(ospy_x86_writer_put_push_address(w, 0x12345678), 0x68, 0x78, 0x56, 0x34, 0x12);
  E32(ospy_x86_writer_put_endbr(w), 0xf3, 0x0f, 0x1e, 0xfb);
  E32(ospy_x86_writer_put_jmp_mem(w, M(EBX, 0x10)), 0xff, 0x63, 0x10);
  E32(ospy_x86_writer_put_call_reg(w, R(EDX)), 0xff, 0xd2);
}

static void test_labels(void) {
  ospy_x86_label l;
  /* Forward references always use rel32. */
  E64((l = ospy_x86_writer_new_label(w), ospy_x86_writer_put_jmp_label(w, l),
       ospy_x86_writer_put_nop(w, 1), ospy_x86_writer_put_label(w, l)),
      0xe9, 0x01, 0, 0, 0, 0x90);
  E64((l = ospy_x86_writer_new_label(w), ospy_x86_writer_put_jcc_label(w, OSPY_X86_CC_E, l),
       ospy_x86_writer_put_label(w, l)),
      0x0f, 0x84, 0, 0, 0, 0);
  /* Backward references use rel8 when they fit. */
  E64((l = ospy_x86_writer_new_label(w), ospy_x86_writer_put_label(w, l),
       ospy_x86_writer_put_nop(w, 1), ospy_x86_writer_put_jmp_label(w, l)),
      0x90, 0xeb, 0xfd);
  E32((l = ospy_x86_writer_new_label(w), ospy_x86_writer_put_label(w, l),
       ospy_x86_writer_put_jcc_label(w, OSPY_X86_CC_NE, l)),
      0x75, 0xfe);
  static const uint8_t loop_op = 0xE2;
  E32((l = ospy_x86_writer_new_label(w), ospy_x86_writer_put_rel8_label(w, &loop_op, 1, l),
       ospy_x86_writer_put_nop(w, 2), ospy_x86_writer_put_label(w, l)),
      0xe2, 0x02, 0x66, 0x90);

  /* A backward branch beyond rel8 range uses rel32. */
  uint8_t buf[512];
  ospy_x86_writer w;
  ospy_x86_writer_init(&w, buf, sizeof buf, PC0, OSPY_X86_MODE_64);
  l = ospy_x86_writer_new_label(&w);
  ospy_x86_writer_put_label(&w, l);
  ospy_x86_writer_put_nop(&w, 200);
  ospy_x86_writer_put_jmp_label(&w, l);
  CHECK(ospy_x86_writer_flush(&w), "%s", ospy_x86_writer_error(&w));
  int32_t rel;
  memcpy(&rel, buf + 201, 4);
  CHECK(w.len == 205 && buf[200] == 0xe9 && rel == -205, "len %zu rel %d", w.len, rel);

  /* A rel8-only branch whose label ends up too far fails at flush. */
  ospy_x86_writer_init(&w, buf, sizeof buf, PC0, OSPY_X86_MODE_32);
  l = ospy_x86_writer_new_label(&w);
  ospy_x86_writer_put_rel8_label(&w, &loop_op, 1, l);
  ospy_x86_writer_put_nop(&w, 200);
  ospy_x86_writer_put_label(&w, l);
  CHECK(!ospy_x86_writer_flush(&w) && strstr(ospy_x86_writer_error(&w), "rel8"), "%s",
        ospy_x86_writer_error(&w) ? ospy_x86_writer_error(&w) : "no error");

  /* An unplaced label fails at flush. */
  ospy_x86_writer_init(&w, buf, sizeof buf, PC0, OSPY_X86_MODE_64);
  l = ospy_x86_writer_new_label(&w);
  ospy_x86_writer_put_jmp_label(&w, l);
  CHECK(!ospy_x86_writer_flush(&w) && strstr(ospy_x86_writer_error(&w), "placed"), "%s",
        ospy_x86_writer_error(&w) ? ospy_x86_writer_error(&w) : "no error");

  /* The label table has a fixed size. */
  ospy_x86_writer_init(&w, buf, sizeof buf, PC0, OSPY_X86_MODE_64);
  for (int i = 0; i < OSPY_X86_WRITER_MAX_LABELS; i++) ospy_x86_writer_new_label(&w);
  CHECK(ospy_x86_writer_ok(&w), "64 labels fit");
  ospy_x86_writer_new_label(&w);
  CHECK(!ospy_x86_writer_ok(&w), "label 65 fails");
}

static void test_errors(void) {
  EXPECT_ERROR(OSPY_X86_MODE_32, ospy_x86_writer_put_mov_reg_reg(w, R(R8D), R(EAX)));
  EXPECT_ERROR(OSPY_X86_MODE_32, ospy_x86_writer_put_mov_reg_reg(w, R(EAX), R(R9D)));
  EXPECT_ERROR(OSPY_X86_MODE_32, ospy_x86_writer_put_mov_reg_reg(w, R(RAX), R(RBX)));
  EXPECT_ERROR(OSPY_X86_MODE_32, ospy_x86_writer_put_mov_reg_reg(w, R(SIL), R(AL)));
  EXPECT_ERROR(OSPY_X86_MODE_32, ospy_x86_writer_put_push_reg(w, R(R8)));
  EXPECT_ERROR(OSPY_X86_MODE_32, ospy_x86_writer_put_mov_reg_mem(w, R(EAX), M(R8D, 0)));
  EXPECT_ERROR(OSPY_X86_MODE_32,
               ospy_x86_writer_put_mov_reg_mem(w, R(EAX), ospy_x86_mem_rip_abs(0x2000)));
  EXPECT_ERROR(OSPY_X86_MODE_32, ospy_x86_writer_put_sign_extend_ax(w, 64));
  EXPECT_ERROR(OSPY_X86_MODE_32, ospy_x86_writer_put_movdqu_mem_xmm(w, M(EAX, 0), 8));
  EXPECT_ERROR(OSPY_X86_MODE_64, ospy_x86_writer_put_movdqu_mem_xmm(w, M(RAX, 0), 16));
  EXPECT_ERROR(OSPY_X86_MODE_64, ospy_x86_writer_put_mov_reg_reg(w, R(RAX), R(EBX)));
  EXPECT_ERROR(OSPY_X86_MODE_64, ospy_x86_writer_put_push_reg(w, R(EAX)));
  EXPECT_ERROR(OSPY_X86_MODE_64, ospy_x86_writer_put_mov_reg_mem(
                                     w, R(EAX), ospy_x86_mem_index(R(RAX), R(RSP), 1, 0)));
  EXPECT_ERROR(OSPY_X86_MODE_64, ospy_x86_writer_put_mov_reg_mem(
                                     w, R(EAX), ospy_x86_mem_index(R(RAX), R(RCX), 3, 0)));
  EXPECT_ERROR(OSPY_X86_MODE_64, ospy_x86_writer_put_alu_reg_imm(w, OSPY_X86_ADD, R(AL), 300));
  EXPECT_ERROR(OSPY_X86_MODE_64, ospy_x86_writer_put_imul_reg_reg(w, R(AL), R(BL)));
  EXPECT_ERROR(OSPY_X86_MODE_64, ospy_x86_writer_put_mov_reg_imm(w, R(EAX), 0x100000000ull));
  EXPECT_ERROR(OSPY_X86_MODE_64, ospy_x86_writer_put_mov_reg_imm(w, R(AL), 0x100));
  EXPECT_ERROR(OSPY_X86_MODE_64, ospy_x86_writer_put_mov_mem_imm(w, 8, M(RAX, 0), 0x1ff));
  EXPECT_ERROR(OSPY_X86_MODE_64, ospy_x86_writer_put_mov_mem_imm(w, 12, M(RAX, 0), 1));
  EXPECT_ERROR(OSPY_X86_MODE_64, ospy_x86_writer_put_setcc_reg(w, OSPY_X86_CC_E, R(EAX)));
  /* RIP-relative target out of +-2GB. */
  EXPECT_ERROR(OSPY_X86_MODE_64,
               ospy_x86_writer_put_mov_reg_mem(w, R(RAX), ospy_x86_mem_rip_abs(0x7fff00000000ull)));

  /* Buffer full: nothing partial is written, and the error is sticky. */
  uint8_t buf[8];
  ospy_x86_writer w;
  ospy_x86_writer_init(&w, buf, 3, PC0, OSPY_X86_MODE_64);
  ospy_x86_writer_put_push_reg(&w, R(RBP));
  ospy_x86_writer_put_mov_reg_imm(&w, R(RAX), 0x123456789ull);
  CHECK(!ospy_x86_writer_ok(&w) && w.len == 1, "len %zu", w.len);
  CHECK(ospy_x86_writer_error(&w) && strstr(ospy_x86_writer_error(&w), "full"), "error %s",
        ospy_x86_writer_error(&w));
  ospy_x86_writer_put_ret(&w);
  CHECK(w.len == 1, "sticky: nothing written after a failure, len %zu", w.len);
  CHECK(!ospy_x86_writer_flush(&w), "flush reports the failure");

  /* The first error is the one reported. */
  ospy_x86_writer_init(&w, buf, sizeof buf, PC0, OSPY_X86_MODE_32);
  ospy_x86_writer_put_push_reg(&w, R(R8));
  const char *first = ospy_x86_writer_error(&w);
  ospy_x86_writer_put_nop(&w, 100);
  CHECK(first && ospy_x86_writer_error(&w) == first && strstr(first, "R8"), "%s", first);
  CHECK(ospy_x86_writer_pc(&w) == PC0 && ospy_x86_writer_offset(&w) == 0, "pc unchanged");
}

static void test_regs(void) {
  CHECK(ospy_x86_reg_width(R(R9)) == 64 && ospy_x86_reg_width(R(R9D)) == 32 &&
            ospy_x86_reg_width(R(R9W)) == 16 && ospy_x86_reg_width(R(R9B)) == 8 &&
            ospy_x86_reg_width(R(RIP)) == 0,
        "widths");
  CHECK(ospy_x86_reg_index(R(R13W)) == 13 && ospy_x86_reg_index(R(DIL)) == 7, "indexes");
  CHECK(ospy_x86_reg_with_width(R(R10B), 64) == R(R10) &&
            ospy_x86_reg_with_width(R(RSP), 8) == R(SPL) &&
            ospy_x86_reg_with_width(R(RAX), 12) == R(NOREG),
        "with_width");
  CHECK(ospy_x86_rel32_reachable(0x1000, 0x1000 + 0x7fffffffull) &&
            !ospy_x86_rel32_reachable(0x1000, 0x1000 + 0x80000000ull) &&
            ospy_x86_rel32_reachable(0x80001000ull, 0x1000) &&
            !ospy_x86_rel32_reachable(0x80001001ull, 0x1000),
        "rel32 reach");
}

int main(void) {
  test_regs();
  test_moves();
  test_alu();
  test_control();
  test_labels();
  test_errors();
  return arch_test_finish("writer-bytes");
}
