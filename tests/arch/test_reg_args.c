/* Which of eax, edx, ecx an i386 function reads as arguments (GCC's
 * regparm for local functions), on hand-encoded functions: each case prints
 * the registers found and the regparm(N) they make, and what it wants. */
#include <stdio.h>
#include <string.h>

#include "arch/x86/x86_reg_args.h"

#define BASE 0x8049000u
#define CODE_BYTES 0x200u

/* Functions the cases call or jump to, at fixed offsets. */
enum {
  F_RET = 0x100,        /* ret: reads nothing */
  F_SUM2 = 0x110,       /* lea (%eax,%edx,1),%eax; ret: regparm(2) */
  F_THUNK_BX = 0x120,   /* mov (%esp),%ebx; ret: __x86.get_pc_thunk.bx */
  F_CDECL1 = 0x130,     /* mov 0x4(%esp),%eax; ret: cdecl */
  F_PUSH_EAX = 0x140,   /* push %eax; call ret; pop %ecx; ret: eax only pushed */
};

typedef struct code {
  uint8_t b[CODE_BYTES];
  unsigned n;
} code;

static void put(code *c, const char *bytes, unsigned n)
{
  memcpy(c->b + c->n, bytes, n);
  c->n += n;
}
#define PUT(c, s) put((c), (s), sizeof(s) - 1)

static void rel32_to(code *c, uint8_t op, unsigned target)
{
  int32_t rel = (int32_t)target - (int32_t)(c->n + 5);
  c->b[c->n++] = op;
  memcpy(c->b + c->n, &rel, 4);
  c->n += 4;
}
static void call_to(code *c, unsigned target) { rel32_to(c, 0xE8, target); }
static void jmp_to(code *c, unsigned target) { rel32_to(c, 0xE9, target); }

static size_t read_code(uint64_t addr, void *buf, size_t n, void *ctx)
{
  const code *c = ctx;
  if (addr < BASE || addr >= BASE + CODE_BYTES)
    return 0;
  size_t left = BASE + CODE_BYTES - addr;
  if (n > left)
    n = left;
  memcpy(buf, c->b + (addr - BASE), n);
  return n;
}

/* A fresh buffer: int3 everywhere, the helper functions in place. */
static void start(code *c)
{
  memset(c->b, 0xCC, sizeof c->b);
  memcpy(c->b + F_RET, "\xC3", 1);
  memcpy(c->b + F_SUM2, "\x8D\x04\x10\xC3", 4);
  memcpy(c->b + F_THUNK_BX, "\x8B\x1C\x24\xC3", 4);
  memcpy(c->b + F_CDECL1, "\x8B\x44\x24\x04\xC3", 5);
  c->n = F_PUSH_EAX;
  PUT(c, "\x50");
  call_to(c, F_RET);
  PUT(c, "\x59\xC3");
  c->n = 0;
}

static int fails;

/* "eax,edx" for the registers of set (OSPY_X86_ARG_*), "none" for none. */
static const char *register_list(unsigned set, char *out, size_t cap)
{
  static const char *const names[6] = { "eax", "edx", "ecx", "xmm0", "xmm1", "xmm2" };
  out[0] = 0;
  for (unsigned r = 0; r < 6; r++)
    if (set & (1u << r))
      snprintf(out + strlen(out), cap - strlen(out), "%s%s", out[0] ? "," : "", names[r]);
  return out[0] ? out : "none";
}

/* Runs the detector on the case's function (at offset 0, size bytes, 0:
 * unknown) and compares with want (OSPY_X86_ARG_*) and, when want_pushed
 * is not ANY_PUSHED, with the registers it only pushes before a call. */
#define ANY_PUSHED 0x100u
static void check_pushed(const char *what, code *c, uint64_t size, unsigned want,
                         unsigned want_pushed)
{
  ospy_x86_code view = { BASE, BASE + CODE_BYTES, read_code, c };
  unsigned pushed = 0;
  unsigned got = ospy_x86_live_in_args_pushed(&view, BASE, size, &pushed);
  char regs[32], only[32];
  char conv[16] = "cdecl";
  if (ospy_x86_regparm_count(got))
    snprintf(conv, sizeof conv, "regparm(%u)", ospy_x86_regparm_count(got));
  printf("%-64s reads %-12s -> %s", what, register_list(got, regs, sizeof regs), conv);
  if (want_pushed != ANY_PUSHED)
    printf(" (only pushed: %s)", register_list(pushed, only, sizeof only));
  printf("\n");
  if (got != want || ospy_x86_live_in_args(&view, BASE, size) != got ||
      (want_pushed != ANY_PUSHED && pushed != want_pushed)) {
    printf("FAIL: want %#x (only pushed %#x), got %#x (only pushed %#x)\n", want, want_pushed,
           got, pushed);
    fails++;
  }
}

static void check(const char *what, code *c, uint64_t size, unsigned want)
{
  check_pushed(what, c, size, want, ANY_PUSHED);
}

enum { EAX = OSPY_X86_ARG_EAX, EDX = OSPY_X86_ARG_EDX, ECX = OSPY_X86_ARG_ECX,
       XMM0 = OSPY_X86_ARG_XMM0, XMM1 = OSPY_X86_ARG_XMM1, XMM2 = OSPY_X86_ARG_XMM2 };

int main(void)
{
  code c;

  start(&c); /* imul $7,%eax,%eax; ret */
  PUT(&c, "\x6B\xC0\x07\xC3");
  check("regparm(1): imul $7,%eax,%eax; ret", &c, 0, EAX);

  start(&c); /* lea (%eax,%edx,1),%eax; ret */
  PUT(&c, "\x8D\x04\x10\xC3");
  check("regparm(2): lea (%eax,%edx,1),%eax; ret", &c, 0, EAX | EDX);

  start(&c); /* gcc -O2's helper(a,b,c,d) = a*1000+b*100+c*10+d */
  PUT(&c, "\x6B\xD2\x64\x53\x69\xC0\xE8\x03\x00\x00\x01\xD0\x8D\x14\x89\x8D\x04\x50"
          "\x03\x44\x24\x08\x5B\xC3");
  check("regparm(3): a*1000+b*100+c*10+d (the fourth on the stack)", &c, 24, EAX | EDX | ECX);

  start(&c); /* mov 0x4(%esp),%eax; add 0x8(%esp),%eax; ret */
  PUT(&c, "\x8B\x44\x24\x04\x03\x44\x24\x08\xC3");
  check("cdecl: mov 0x4(%esp),%eax; add 0x8(%esp),%eax; ret", &c, 0, 0);

  start(&c); /* xor %eax,%eax; sub %edx,%edx; or $-1,%ecx; add 0x4(%esp),%eax;
              * add %edx,%eax; and %ecx,%eax; ret */
  PUT(&c, "\x31\xC0\x29\xD2\x83\xC9\xFF\x03\x44\x24\x04\x01\xD0\x21\xC8\xC3");
  check("xor %eax,%eax; sub %edx,%edx; or $-1,%ecx: written, not read", &c, 0, 0);

  start(&c); /* cmpl $0,0x4(%esp); sete %al; movzbl %al,%eax; sbb %edx,%edx; ret */
  PUT(&c, "\x83\x7C\x24\x04\x00\x0F\x94\xC0\x0F\xB6\xC0\x19\xD2\xC3");
  check("sete %al; movzbl %al,%eax; sbb %edx,%edx: al written first", &c, 0, 0);

  start(&c); /* movsbl %al,%eax; ret: a char argument */
  PUT(&c, "\x0F\xBE\xC0\xC3");
  check("movsbl %al,%eax: a sub-register read", &c, 0, EAX);

  start(&c); /* nopl 0x0(%eax,%eax,1); xchg %ax,%ax; mov 0x4(%esp),%eax; ret */
  PUT(&c, "\x0F\x1F\x44\x00\x00\x66\x90\x8B\x44\x24\x04\xC3");
  check("nopl 0x0(%eax,%eax,1); xchg %ax,%ax: padding reads nothing", &c, 0, 0);

  start(&c); /* -Os: push %ebp; mov %esp,%ebp; push %ecx (room for a local);
              * mov 0x8(%ebp),%eax; mov %eax,-0x4(%ebp); mov -0x4(%ebp),%eax; leave; ret */
  PUT(&c, "\x55\x89\xE5\x51\x8B\x45\x08\x89\x45\xFC\x8B\x45\xFC\xC9\xC3");
  check("push %ecx making room for a local: no read", &c, 0, 0);

  start(&c); /* push %ecx; push %ecx (sub $8); push $1; call ret; add $0xc,%esp; ret */
  PUT(&c, "\x51\x51\x6A\x01");
  call_to(&c, F_RET);
  PUT(&c, "\x83\xC4\x0C\xC3");
  check("push %ecx; push %ecx; push $1; call: alignment, no read", &c, 0, 0);

  start(&c); /* push %edx; push %eax; call cdecl1; add $8,%esp; ret */
  PUT(&c, "\x52\x50");
  call_to(&c, F_CDECL1);
  PUT(&c, "\x83\xC4\x08\xC3");
  check_pushed("push %edx; push %eax; call: both passed on as arguments", &c, 0, EAX | EDX,
               EAX | EDX);

  start(&c); /* push %eax; lea 0x10(%esp),%edx; push %edx; call cdecl1; add $8,%esp; ret */
  PUT(&c, "\x50\x8D\x54\x24\x10\x52");
  call_to(&c, F_CDECL1);
  PUT(&c, "\x83\xC4\x08\xC3");
  check("push %eax; lea ..,%edx; push %edx; call: eax an argument", &c, 0, EAX);

  start(&c); /* mov (%eax),%ecx; push %eax; call cdecl1; add $4,%esp; ret */
  PUT(&c, "\x8B\x08\x50");
  call_to(&c, F_CDECL1);
  PUT(&c, "\x83\xC4\x04\xC3");
  check_pushed("mov (%eax),%ecx; push %eax; call: eax read before its push", &c, 0, EAX, 0);

  /* clang -O2 (-fno-pic) k(int a) { printf("x"); return a; }: push %ebx;
   * push %esi; push %eax (room for the argument it stores); mov %ecx,%esi;
   * movl $0x78,(%esp); call putchar; mov %esi,%eax; add $4,%esp; pop %esi;
   * pop %ebx; ret. clang passes nothing in eax: its push is only room, which
   * the walk cannot tell from an argument; it says it was only pushed */
  start(&c);
  PUT(&c, "\x53\x56\x50\x89\xCE\xC7\x04\x24\x78\x00\x00\x00");
  call_to(&c, F_RET);
  PUT(&c, "\x89\xF0\x83\xC4\x04\x5E\x5B\xC3");
  check_pushed("clang -fno-pic: push %eax (room); mov %ecx,%esi; movl; call", &c, 0, EAX | ECX,
               EAX);

  /* the same with -fpie: the push is followed by `call 1f; 1: pop %ebx`,
   * which only gets the pc: no call the push passes an argument to (it
   * was taken for one: eax, read as regparm(3)) */
  start(&c);
  PUT(&c, "\x53\x56\x50\x89\xCE\xE8\x00\x00\x00\x00\x5B\x81\xC3\x1A\x2E\x00\x00"
          "\xC7\x04\x24\x78\x00\x00\x00");
  call_to(&c, F_RET);
  PUT(&c, "\x89\xF0\x83\xC4\x04\x5E\x5B\xC3");
  check_pushed("clang -fpie: push %eax (room); mov %ecx,%esi; call 1f; 1: pop %ebx", &c, 0, ECX,
               0);

  start(&c); /* call f (push %eax; call); ret: what f only pushes, its caller too */
  call_to(&c, F_PUSH_EAX);
  PUT(&c, "\xC3");
  check_pushed("call f(push %eax; call): eax handed on, only pushed", &c, 0, EAX, EAX);

  start(&c); /* push %eax; call __x86.get_pc_thunk.bx; ...: room, not an argument */
  PUT(&c, "\x50");
  call_to(&c, F_THUNK_BX);
  PUT(&c, "\x81\xC3\x00\x10\x00\x00\x58\xC3");
  check("push %eax; call __x86.get_pc_thunk.bx: room, no read", &c, 0, 0);

  start(&c); /* clang -O2's helper(x, y) = x*100+y: imul $0x64,%ecx,%eax; add %edx,%eax; ret */
  PUT(&c, "\x6B\xC1\x64\x01\xD0\xC3");
  check("clang's local function: imul $0x64,%ecx,%eax; add %edx,%eax", &c, 0, EDX | ECX);

  start(&c); /* call ret; add %edx,%eax; ret */
  call_to(&c, F_RET);
  PUT(&c, "\x01\xD0\xC3");
  check("call; add %edx,%eax: read after a call (it clobbers them)", &c, 0, 0);

  start(&c); /* call sum2; ret: handed on to a regparm(2) function unread */
  call_to(&c, F_SUM2);
  PUT(&c, "\xC3");
  check("call f(eax, edx): handed on to a regparm function", &c, 0, EAX | EDX);

  start(&c); /* mov $1,%eax; call sum2; ret: edx handed on, eax set first */
  PUT(&c, "\xB8\x01\x00\x00\x00");
  call_to(&c, F_SUM2);
  PUT(&c, "\xC3");
  check("mov $1,%eax; call f(eax, edx): only edx handed on", &c, 0, EDX);

  start(&c); /* add $1,%eax; jmp sum2: a tail call */
  PUT(&c, "\x83\xC0\x01");
  jmp_to(&c, F_SUM2);
  check("add $1,%eax; jmp f(eax, edx): a tail call reads edx", &c, 0, EAX | EDX);

  start(&c); /* push %ebx; call thunk.bx; add $0x1000,%ebx; mov (%ebx,%eax,4),%eax;
              * pop %ebx; ret */
  PUT(&c, "\x53");
  call_to(&c, F_THUNK_BX);
  PUT(&c, "\x81\xC3\x00\x10\x00\x00\x8B\x04\x83\x5B\xC3");
  check("call __x86.get_pc_thunk.bx; then eax read: the thunk is no call", &c, 0, EAX);

  start(&c); /* cmpl $0,0x4(%esp); je 1f; mov %ecx,%eax; ret; 1: xor %eax,%eax; ret */
  PUT(&c, "\x83\x7C\x24\x04\x00\x74\x03\x89\xC8\xC3\x31\xC0\xC3");
  check("ecx read on one branch only", &c, 0, ECX);

  start(&c); /* cmpl $0,0x4(%esp); je 1f; mov $5,%ecx; 1: mov %ecx,%eax; ret */
  PUT(&c, "\x83\x7C\x24\x04\x00\x74\x05\xB9\x05\x00\x00\x00\x89\xC8\xC3");
  check("ecx written on one branch, read where both meet", &c, 0, ECX);

  start(&c); /* xor %eax,%eax; mov 0x4(%esp),%ecx; 1: add %ecx,%eax; dec %ecx; jne 1b; ret */
  PUT(&c, "\x31\xC0\x8B\x4C\x24\x04\x01\xC8\x49\x75\xFB\xC3");
  check("a loop over registers it set itself", &c, 0, 0);

  start(&c); /* nop; mov %ecx,%eax; ret: with its size 1, the line ends after nop */
  PUT(&c, "\x90\x89\xC8\xC3");
  check("code past the symbol's end (size 1) is not its own", &c, 1, 0);
  check("the same code with no size known", &c, 0, ECX);

  start(&c); /* jmp 1f; ... 1: nop x7; then mov (%ecx),%eax cut by the end of the code */
  jmp_to(&c, CODE_BYTES - 8);
  memset(c.b + CODE_BYTES - 8, 0x90, 7);
  memcpy(c.b + CODE_BYTES - 1, "\x8B", 1);
  check("nops up to an instruction cut by the end of the code", &c, 0, 0);
  memcpy(c.b + CODE_BYTES - 2, "\x8B\x01", 2);
  check("... and that instruction whole, mov (%ecx),%eax", &c, 0, ECX);

  /* SSE2 math: a local function's float and double arguments in xmm0-2 */
  start(&c); /* gcc -O2 -msse2 -mfpmath=sse idi(int a, double b, int c): cvttsd2si %xmm0,%edx;
              * add %edx,%eax; ret (c in edx, overwritten: its read is gone) */
  PUT(&c, "\xF2\x0F\x2C\xD0\x01\xD0\xC3");
  check("sseregparm: cvttsd2si %xmm0,%edx; add %edx,%eax; ret", &c, 0, EAX | XMM0);

  start(&c); /* addss %xmm1,%xmm2; cvttss2si %xmm2,%eax; ret */
  PUT(&c, "\xF3\x0F\x58\xD1\xF3\x0F\x2C\xC2\xC3");
  check("addss %xmm1,%xmm2: both read", &c, 0, XMM1 | XMM2);

  start(&c); /* pxor %xmm0,%xmm0; cvtsi2sd %eax,%xmm0; xorps %xmm1,%xmm1; addsd %xmm1,%xmm0;
              * ret (retd's return built in xmm0) */
  PUT(&c, "\x66\x0F\xEF\xC0\xF2\x0F\x2A\xC0\x0F\x57\xC9\xF2\x0F\x58\xC1\xC3");
  check("pxor %xmm0,%xmm0; cvtsi2sd %eax,%xmm0; xorps %xmm1,%xmm1: written, not read", &c, 0,
        EAX);

  start(&c); /* movsd 0x4(%esp),%xmm0; mulsd %xmm0,%xmm0; ret: a cdecl double from the stack */
  PUT(&c, "\xF2\x0F\x10\x44\x24\x04\xF2\x0F\x59\xC0\xC3");
  check("cdecl: movsd 0x4(%esp),%xmm0 writes it", &c, 0, 0);

  printf("reg-args: %s\n", fails ? "FAILED" : "ok");
  return fails != 0;
}
