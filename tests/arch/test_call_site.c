/* The return-address check of the stack-scanning backtrace: every call form
 * a compiler emits is recognized right before the address, and other code is
 * not. Each case is encoded by hand and printed with its verdict. */
#include <stdio.h>
#include <string.h>

#include "arch/x86/x86_call_site.h"

typedef struct call_case {
  const char *what;
  unsigned char tail[8]; /* the instruction, right-aligned in the 8 bytes */
  unsigned len;
  int x64_only;
  int want;
} call_case;

static const call_case cases[] = {
  { "call rel32", { 0xE8, 0x10, 0x20, 0x30, 0x40 }, 5, 0, 1 },
  { "call *%rax", { 0xFF, 0xD0 }, 2, 0, 1 },
  { "call *%r11", { 0x41, 0xFF, 0xD3 }, 3, 1, 1 },
  { "call *0x10(%rax)", { 0xFF, 0x50, 0x10 }, 3, 0, 1 },
  { "call *0x8(%rsp)", { 0xFF, 0x54, 0x24, 0x08 }, 4, 0, 1 },
  { "call *0x12345678(%rip)", { 0xFF, 0x15, 0x78, 0x56, 0x34, 0x12 }, 6, 0, 1 },
  { "call *0x100(%rbx)", { 0xFF, 0x93, 0x00, 0x01, 0x00, 0x00 }, 6, 0, 1 },
  { "call *0x100(%rsp)", { 0xFF, 0x94, 0x24, 0x00, 0x01, 0x00, 0x00 }, 7, 0, 1 },
  { "call *0x100(%r12)", { 0x41, 0xFF, 0x94, 0x24, 0x00, 0x01, 0x00, 0x00 }, 8, 1, 1 },
  { "call *(%rax)", { 0xFF, 0x10 }, 2, 0, 1 },
  { "jmp *%rax (not a call)", { 0xFF, 0xE0 }, 2, 0, 0 },
  { "push %rbp; mov %rsp,%rbp (function start)", { 0x55, 0x48, 0x89, 0xE5 }, 4, 0, 0 },
  { "ret; nop", { 0xC3, 0x90 }, 2, 0, 0 },
  { "jmp rel32", { 0xE9, 0x10, 0x20, 0x30, 0x40 }, 5, 0, 0 },
  { "inc dword ptr (%rax) (FF /0)", { 0xFF, 0x00 }, 2, 0, 0 },
};

int main(void)
{
  int fails = 0;
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    const call_case *c = &cases[i];
    for (int x64 = 0; x64 <= 1; x64++) {
      if (c->x64_only && !x64)
        continue;
      unsigned char before[OSPY_X86_CALL_SITE_BYTES];
      memset(before, 0xCC, sizeof before); /* int3 padding in front */
      memcpy(before + sizeof before - c->len, c->tail, c->len);
      int got = ospy_x86_follows_call(before, x64);
      printf("%-44s %s: %s\n", c->what, x64 ? "x86-64" : "i386  ", got ? "call" : "no call");
      if (got != c->want) {
        printf("FAIL: want %s\n", c->want ? "call" : "no call");
        fails++;
      }
    }
  }
  /* rel32 target and the i386 get_pc_thunk */
  unsigned char rel[8] = { 0xCC, 0xCC, 0xCC, 0xE8, 0xF0, 0xFF, 0xFF, 0xFF };
  if (ospy_x86_call_rel32_target(rel, 0x1000) != 0x1000 - 0x10) {
    printf("FAIL: rel32 target\n");
    fails++;
  }
  const unsigned char thunk_bx[4] = { 0x8B, 0x1C, 0x24, 0xC3 }, not_thunk[4] = { 0x55, 0x89, 0xE5, 0x53 };
  if (!ospy_x86_is_pc_thunk(thunk_bx) || ospy_x86_is_pc_thunk(not_thunk)) {
    printf("FAIL: get_pc_thunk recognition\n");
    fails++;
  }
  printf("call-site: %s\n", fails ? "FAILED" : "ok");
  return fails != 0;
}
