/* Which instruction holds a word of code as its displacement or immediate,
 * and how it uses it: the vtable-address encodings compilers emit in a
 * constructor (x86_word_operand.h), each encoded by hand at address 0x1000
 * and printed with what was found. */
#include <stdio.h>
#include <string.h>

#include "arch/x86/x86_word_operand.h"
#include "arch_test.h"

typedef struct word_case {
  const char *what;
  ospy_x86_mode mode;
  unsigned char code[16];
  unsigned len, word; /* the bytes, and the word's offset in them */
  size_t from;        /* a known instruction start, SIZE_MAX: none */
  unsigned found;     /* 0: no instruction holds the word there */
  ospy_x86_word_kind kind;
  ospy_x86_word_use use;
  uint64_t value;
  unsigned start;
} word_case;

#define X64 OSPY_X86_MODE_64
#define X32 OSPY_X86_MODE_32
#define NONE SIZE_MAX

static const word_case cases[] = {
  { "lea rdx, [rip + 0x2bdf] (x86-64 PIE)", X64, { 0x48, 0x8D, 0x15, 0xDF, 0x2B, 0x00, 0x00 },
    7, 3, 0, 1, OSPY_X86_WORD_RIP, OSPY_X86_USE_VALUE, 0x1000 + 7 + 0x2bdf, 0 },
  /* without the match's start: the longest reading first (lea rdx, not adc eax) */
  { "lea rdx, [rip + 0x2bdf], no known start", X64, { 0x48, 0x8D, 0x15, 0xDF, 0x2B, 0x00, 0x00 },
    7, 3, NONE, 3, OSPY_X86_WORD_RIP, OSPY_X86_USE_VALUE, 0x1000 + 7 + 0x2bdf, 0 },
  { "mov qword ptr [rdi], 0x402078 (x86-64 non-PIE -O2)", X64,
    { 0x48, 0xC7, 0x07, 0x78, 0x20, 0x40, 0x00 }, 7, 3, 0, 1, OSPY_X86_WORD_IMM,
    OSPY_X86_USE_VALUE, 0x402078, 0 },
  { "mov qword ptr [rdi], -0x80000000: sign-extended", X64,
    { 0x48, 0xC7, 0x07, 0x00, 0x00, 0x00, 0x80 }, 7, 3, 0, 1, OSPY_X86_WORD_IMM,
    OSPY_X86_USE_VALUE, 0xffffffff80000000ull, 0 },
  { "mov edx, 0x80000000: zero-extended (x86-64 non-PIE -O0)", X64,
    { 0xBA, 0x00, 0x00, 0x00, 0x80 }, 5, 1, 0, 1, OSPY_X86_WORD_IMM, OSPY_X86_USE_VALUE,
    0x80000000, 0 },
  { "mov rax, qword ptr [rip + 0x2d21] (x86-64 -fPIC: GOT)", X64,
    { 0x48, 0x8B, 0x05, 0x21, 0x2D, 0x00, 0x00 }, 7, 3, 0, 1, OSPY_X86_WORD_RIP,
    OSPY_X86_USE_LOAD, 0x1000 + 7 + 0x2d21, 0 },
  { "movabs rax, imm64", X64, { 0x48, 0xB8, 1, 2, 3, 4, 5, 6, 7, 8 }, 10, 2, 0, 1,
    OSPY_X86_WORD_IMM, OSPY_X86_USE_VALUE, 0x0807060504030201ull, 0 },
  { "mov dword ptr [rax + 8], 0x1234 after mov rax, rdi", X64,
    { 0x48, 0x89, 0xF8, 0xC7, 0x40, 0x08, 0x34, 0x12, 0x00, 0x00 }, 10, 6, 0, 1,
    OSPY_X86_WORD_IMM, OSPY_X86_USE_VALUE, 0x1234, 3 },
  { "mov dword ptr [rip + x], 0x1234: the displacement, a store", X64,
    { 0xC7, 0x05, 0x10, 0x00, 0x00, 0x00, 0x34, 0x12, 0x00, 0x00 }, 10, 2, 0, 1,
    OSPY_X86_WORD_RIP, OSPY_X86_USE_OTHER, 0x1000 + 10 + 0x10, 0 },
  { "add eax, 0x1234: an operand of a sum", X64, { 0x05, 0x34, 0x12, 0x00, 0x00 }, 5, 1, 0, 1,
    OSPY_X86_WORD_IMM, OSPY_X86_USE_OTHER, 0x1234, 0 },
  { "the middle of an immediate: nothing", X64, { 0x48, 0xC7, 0x07, 0x78, 0x20, 0x40, 0x00, 0x90 },
    8, 4, 0, 0, 0, 0, 0, 0 },
  { "mov dword ptr [eax], 0x804a05c (i386 non-PIE)", X32,
    { 0xC7, 0x00, 0x5C, 0xA0, 0x04, 0x08 }, 6, 2, 0, 1, OSPY_X86_WORD_IMM, OSPY_X86_USE_VALUE,
    0x804a05c, 0 },
  { "lea edx, [edx - 0x130] (i386 PIE: @GOTOFF)", X32, { 0x8D, 0x92, 0xD0, 0xFE, 0xFF, 0xFF },
    6, 2, 0, 1, OSPY_X86_WORD_BASE, OSPY_X86_USE_VALUE, 0xfffffed0, 0 },
  { "mov eax, dword ptr [ebx - 0x10] (i386 -fPIC: @GOT)", X32,
    { 0x8B, 0x83, 0xF0, 0xFF, 0xFF, 0xFF }, 6, 2, 0, 1, OSPY_X86_WORD_BASE, OSPY_X86_USE_LOAD,
    0xfffffff0, 0 },
  { "mov eax, dword ptr [0x804a05c]: absolute", X32, { 0xA1, 0x5C, 0xA0, 0x04, 0x08 }, 5, 1, 0,
    1, OSPY_X86_WORD_ABS, OSPY_X86_USE_LOAD, 0x804a05c, 0 },
  { "push 0x804a05c", X32, { 0x68, 0x5C, 0xA0, 0x04, 0x08 }, 5, 1, 0, 1, OSPY_X86_WORD_IMM,
    OSPY_X86_USE_VALUE, 0x804a05c, 0 },
  { "mov rax, qword ptr fs:[0x28]: thread data, no address taken", X64,
    { 0x64, 0x48, 0x8B, 0x04, 0x25, 0x28, 0x00, 0x00, 0x00 }, 9, 5, 0, 1, OSPY_X86_WORD_ABS,
    OSPY_X86_USE_OTHER, 0x28, 0 },
  { "lea eax, [ecx*4 + 0x804a05c]: indexed, no address taken", X32,
    { 0x8D, 0x04, 0x8D, 0x5C, 0xA0, 0x04, 0x08 }, 7, 3, 0, 1, OSPY_X86_WORD_ABS,
    OSPY_X86_USE_OTHER, 0x804a05c, 0 },
};

static const char *kind_name(ospy_x86_word_kind k)
{
  static const char *const names[] = { "immediate", "rip-relative", "absolute", "base+disp" };
  return names[k];
}

static const char *use_name(ospy_x86_word_use u)
{
  static const char *const names[] = { "value", "load", "other" };
  return names[u];
}

int main(void)
{
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    const word_case *c = &cases[i];
    ospy_x86_word_operand o[4];
    size_t n = ospy_x86_word_operands(c->code, c->len, c->word, 0x1000, c->from, c->mode, o, 4);
    if (!n) {
      printf("%-58s %s: nothing\n", c->what, c->mode == X64 ? "x86-64" : "i386  ");
      CHECK(!c->found, "%s: expected an instruction", c->what);
      continue;
    }
    printf("%-58s %s: `%s` at +%u, %s, %s, 0x%llx (%zu reading%s)\n", c->what,
           c->mode == X64 ? "x86-64" : "i386  ", o[0].text, o[0].start, kind_name(o[0].kind),
           use_name(o[0].use), (unsigned long long)o[0].value, n, n == 1 ? "" : "s");
    CHECK(c->found, "%s: expected nothing", c->what);
    CHECK(n >= c->found, "%s: %zu readings, expected %u", c->what, n, c->found);
    CHECK(o[0].kind == c->kind, "%s: kind %s", c->what, kind_name(o[0].kind));
    CHECK(o[0].use == c->use, "%s: use %s", c->what, use_name(o[0].use));
    CHECK(o[0].value == c->value, "%s: value 0x%llx, expected 0x%llx", c->what,
          (unsigned long long)o[0].value, (unsigned long long)c->value);
    CHECK(o[0].start == c->start, "%s: start %u", c->what, o[0].start);
  }
  /* what the code adds next to the register the instruction sets: a GOT
   * load the linker relaxed into lea gives the _ZTV symbol, 16 before slot 0 */
  static const struct {
    const char *what;
    ospy_x86_mode mode;
    unsigned char code[24];
    unsigned len, word;
    int64_t added;
  } follow[] = {
    { "lea rax, [rip + x]; mov dword ptr [rdi + 8], 0x1234; add rax, 0x10", X64,
      { 0x48, 0x8D, 0x05, 0xE9, 0x2A, 0x00, 0x00, 0xC7, 0x47, 0x08, 0x34, 0x12, 0x00, 0x00,
        0x48, 0x83, 0xC0, 0x10, 0x48, 0x89, 0x07, 0xC3 }, 22, 3, 16 },
    { "mov rax, qword ptr [rip + x]; lea rdx, [rax + 0x10] (-O0)", X64,
      { 0x48, 0x8B, 0x05, 0x1F, 0x2E, 0x00, 0x00, 0x48, 0x8D, 0x50, 0x10 }, 11, 3, 16 },
    { "lea rdx, [rip + x]; mov rax, qword ptr [rbp - 8]; mov qword ptr [rax], rdx", X64,
      { 0x48, 0x8D, 0x15, 0xDF, 0x2B, 0x00, 0x00, 0x48, 0x8B, 0x45, 0xF8, 0x48, 0x89, 0x10 },
      14, 3, 0 },
    { "mov edx, imm; mov rax, qword ptr [rbp - 8]; mov qword ptr [rax], rdx (rdx: edx's)", X64,
      { 0xBA, 0x40, 0x20, 0x40, 0x00, 0x48, 0x8B, 0x45, 0xF8, 0x48, 0x89, 0x10 }, 12, 1, 0 },
    { "lea rax, [rip + x]; mov eax, 1; add rax, 0x10 (set again first)", X64,
      { 0x48, 0x8D, 0x05, 0xE9, 0x2A, 0x00, 0x00, 0xB8, 0x01, 0x00, 0x00, 0x00, 0x48, 0x83, 0xC0,
        0x10 }, 16, 3, 0 },
    { "lea rax, [rip + x]; ret; add rax, 0x10 (a branch first)", X64,
      { 0x48, 0x8D, 0x05, 0xE9, 0x2A, 0x00, 0x00, 0xC3, 0x48, 0x83, 0xC0, 0x10 }, 12, 3, 0 },
    { "lea edx, [edx - 0x12c]; add edx, 8 (i386 relaxed @GOT)", X32,
      { 0x8D, 0x92, 0xD4, 0xFE, 0xFF, 0xFF, 0x83, 0xC2, 0x08, 0x89, 0x10, 0xC3 }, 12, 2, 8 },
    { "mov edx, dword ptr [edx - 0x10]; add edx, 8 (i386 @GOT)", X32,
      { 0x8B, 0x92, 0xF0, 0xFF, 0xFF, 0xFF, 0x83, 0xC2, 0x08, 0x89, 0x10, 0xC3 }, 12, 2, 8 },
    { "mov dword ptr [eax], imm: no register set", X32,
      { 0xC7, 0x00, 0x5C, 0xA0, 0x04, 0x08, 0x83, 0xC0, 0x08 }, 9, 2, 0 },
  };
  for (size_t i = 0; i < sizeof follow / sizeof follow[0]; i++) {
    ospy_x86_word_operand f;
    size_t n = ospy_x86_word_operands(follow[i].code, follow[i].len, follow[i].word, 0x1000, 0,
                                      follow[i].mode, &f, 1);
    printf("%-82s then adds %lld\n", follow[i].what, n ? (long long)f.then_added : -1LL);
    CHECK(n == 1 && f.then_added == follow[i].added, "%s: expected %lld", follow[i].what,
          (long long)follow[i].added);
  }
  /* the word too near the end of the bytes: nothing, and nothing read past them */
  ospy_x86_word_operand o;
  const unsigned char cut[] = { 0x48, 0x8D, 0x15, 0xDF, 0x2B, 0x00 };
  CHECK(ospy_x86_word_operands(cut, sizeof cut, 3, 0x1000, 0, X64, &o, 1) == 0,
        "a word cut short by the end of the code");
  return arch_test_finish("word-operand");
}
