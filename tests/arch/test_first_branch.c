/* Where a function's code first goes (x86_first_branch.h), on the thunk
 * shapes g++ and clang++ emit: the answer tells a thunk that goes on into its
 * method from one with a copy of its code. Each case is encoded by hand (the
 * bytes as objdump shows them) and printed with its verdict. */
#include <stdio.h>
#include <string.h>

#include "arch/x86/x86_first_branch.h"

#define PC 0x1000u

typedef struct branch_case {
  const char *what;
  ospy_x86_mode mode;
  unsigned char code[40];
  unsigned len;
  ospy_x86_goes want;
  uint64_t where;
} branch_case;

static const branch_case cases[] = {
  { "g++ -O0 non-virtual thunk: sub rdi,16; jmp rel32", OSPY_X86_MODE_64,
    { 0x48, 0x83, 0xEF, 0x10, 0xE9, 0x10, 0x00, 0x00, 0x00 }, 9, OSPY_X86_GOES_DIRECT,
    PC + 9 + 0x10 },
  { "g++ -O0 virtual thunk: mov r10,[rdi]; add rdi,[r10-32]; jmp rel8", OSPY_X86_MODE_64,
    { 0x4C, 0x8B, 0x17, 0x49, 0x03, 0x7A, 0xE0, 0xEB, 0xF0 }, 9, OSPY_X86_GOES_DIRECT,
    PC + 9 - 0x10 },
  { "g++ -O2 copy: imul eax,esi,100; add eax,[rdi+8]; ret", OSPY_X86_MODE_64,
    { 0x6B, 0xC6, 0x64, 0x03, 0x47, 0x08, 0xC3 }, 7, OSPY_X86_GOES_NOWHERE, 0 },
  { "g++ -O2 copy with a jcc, then ret", OSPY_X86_MODE_64,
    { 0x85, 0xF6, 0x74, 0x01, 0x90, 0xC3 }, 6, OSPY_X86_GOES_NOWHERE, 0 },
  { "PLT stub: endbr64; bnd jmp [rip+0x2f00]", OSPY_X86_MODE_64,
    { 0xF3, 0x0F, 0x1E, 0xFA, 0xF2, 0xFF, 0x25, 0x00, 0x2F, 0x00, 0x00 }, 11,
    OSPY_X86_GOES_SLOT, PC + 11 + 0x2F00 },
  { "-fno-plt: call [rip+0x100]", OSPY_X86_MODE_64,
    { 0xFF, 0x15, 0x00, 0x01, 0x00, 0x00 }, 6, OSPY_X86_GOES_SLOT, PC + 6 + 0x100 },
  { "jmp rax (through a register)", OSPY_X86_MODE_64, { 0xFF, 0xE0 }, 2,
    OSPY_X86_GOES_NOWHERE, 0 },
  { "g++ -O0 i386 thunk: sub dword [esp+4],8; jmp rel32", OSPY_X86_MODE_32,
    { 0x83, 0x6C, 0x24, 0x04, 0x08, 0xE9, 0x20, 0x00, 0x00, 0x00 }, 10,
    OSPY_X86_GOES_DIRECT, PC + 10 + 0x20 },
  { "clang -O0 i386: call $+5; pop ebx; ...; call rel32 (the method's PLT stub)",
    OSPY_X86_MODE_32,
    { 0xE8, 0x00, 0x00, 0x00, 0x00, 0x5B, 0x81, 0xC3, 0xA8, 0x2A, 0x00, 0x00,
      0x8B, 0x4D, 0x08, 0xE8, 0x00, 0xFF, 0xFF, 0xFF }, 20, OSPY_X86_GOES_DIRECT,
    PC + 20 - 0x100 },
  { "i386 PIC PLT stub: jmp [ebx+0x40]", OSPY_X86_MODE_32,
    { 0xFF, 0xA3, 0x40, 0x00, 0x00, 0x00 }, 6, OSPY_X86_GOES_GOT_SLOT, 0x40 },
  { "i386 PLT stub: jmp [0x804a010]", OSPY_X86_MODE_32,
    { 0xFF, 0x25, 0x10, 0xA0, 0x04, 0x08 }, 6, OSPY_X86_GOES_SLOT, 0x804A010 },
  { "i386 call get_pc_thunk.bx (mov ebx,[esp]; ret), then jmp rel8", OSPY_X86_MODE_32,
    { 0xE8, 0x02, 0x00, 0x00, 0x00, 0xEB, 0x04, 0x8B, 0x1C, 0x24, 0xC3 }, 11,
    OSPY_X86_GOES_DIRECT, PC + 7 + 4 },
  { "bytes cut off before any branch", OSPY_X86_MODE_64, { 0x48, 0x83, 0xEF }, 3,
    OSPY_X86_GOES_UNKNOWN, 0 },
};

static const char *goes_name(ospy_x86_goes g)
{
  static const char *const names[] = { "direct", "slot", "GOT slot", "nowhere", "unknown" };
  return names[g];
}

int main(void)
{
  int fails = 0;
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    const branch_case *c = &cases[i];
    uint64_t where = 0;
    ospy_x86_goes got = ospy_x86_first_branch(c->code, c->len, PC, c->mode, NULL, NULL, &where);
    int has_where = got != OSPY_X86_GOES_NOWHERE && got != OSPY_X86_GOES_UNKNOWN;
    printf("%-76s %s", c->what, goes_name(got));
    if (has_where)
      printf(" %#llx", (unsigned long long)where);
    printf("\n");
    if (got != c->want || (has_where && where != c->where)) {
      printf("FAIL: want %s %#llx\n", goes_name(c->want), (unsigned long long)c->where);
      fails++;
    }
  }
  printf("first-branch: %zu cases, %d failed\n", sizeof cases / sizeof cases[0], fails);
  return fails ? 1 : 0;
}
