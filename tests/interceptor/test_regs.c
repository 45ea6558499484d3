/* Register checker: every register and the flags survive the enter and leave
 * thunks (regcheck_run / regcheck_target in targets_*.S), the callbacks see
 * the right values in the CPU context, and changes they make are applied.
 * x86-64 also runs it through targets that start with SSE/AVX instructions
 * reading RIP-relative operands, and with --far with every trampoline more
 * than 2GB away (no free memory near the code: absolute jumps, RIP-relative
 * operands through a scratch register). */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>

#include "test_common.h"

extern void regcheck_run(void (*fn)(void));
extern void regcheck_target(void);

static volatile double sink;
static int enters, leaves;

/* Dirties caller-saved registers (SSE, x87, GPRs) like real callbacks do. */
static void clobber(void) {
  volatile double a = 1.5, b = 2.25;
  sink = a * b / (a + b);
  char buf[256];
  memset(buf, 0x77, sizeof buf);
  sink += buf[100];
}

#if defined(__x86_64__)
#define NREG 16
extern uint64_t regcheck_entry[], regcheck_after[], regcheck_in_xmm[], regcheck_ret_xmm[];
static const uint64_t in_regs[NREG] = {
  0x1010101010101010, 0x1111111111111111, 0x1212121212121212, 0x1313131313131313, 0,
  0x1515151515151515, 0x1616161616161616, 0x1717171717171717, 0x1818181818181818,
  0x1919191919191919, 0x1a1a1a1a1a1a1a1a, 0x1b1b1b1b1b1b1b1b, 0x1c1c1c1c1c1c1c1c,
  0x1d1d1d1d1d1d1d1d, 0x1e1e1e1e1e1e1e1e, 0x1f1f1f1f1f1f1f1f,
};
#define STATUS_FLAGS 0x8d5

static void on_enter(ospy_invocation *inv) {
  ospy_cpu_context *c = ospy_invocation_cpu(inv);
  enters++;
  CHECK_EQ(c->rbx, in_regs[3]);
  CHECK_EQ(c->rdi, in_regs[7]);
  CHECK_EQ(c->r15, in_regs[15]);
  CHECK_EQ(c->rflags & STATUS_FLAGS, 0x8d5);
  CHECK_EQ(c->xmm[7][1], regcheck_in_xmm[15]);
  CHECK_EQ(ospy_invocation_get_arg(inv, 0), in_regs[7]);
  CHECK_EQ(ospy_invocation_get_arg(inv, 5), in_regs[9]);
  clobber();
}

static void on_leave(ospy_invocation *inv) {
  ospy_cpu_context *c = ospy_invocation_cpu(inv);
  leaves++;
  CHECK_EQ(ospy_invocation_get_return(inv), 0x5e5e5e5e5e5e5e5e);
  CHECK_EQ(c->rdx, 0x6d6d6d6d6d6d6d6d);
  CHECK_EQ(c->xmm[0][0], regcheck_ret_xmm[0]);
  CHECK_EQ(c->rflags & STATUS_FLAGS, 0x844);
  clobber();
}

static void check_after_run(const char *what) {
  const uint64_t *e = regcheck_entry, *a = regcheck_after;
  for (int r = 0; r < NREG; r++) {
    if (r == 4)
      continue;
    if (e[r] != in_regs[r]) {
      fprintf(stderr, "%s: entry register %d = %#llx, want %#llx\n", what, r,
              (unsigned long long)e[r], (unsigned long long)in_regs[r]);
      exit(1);
    }
    uint64_t want = r == 0 ? 0x5e5e5e5e5e5e5e5e : r == 2 ? 0x6d6d6d6d6d6d6d6d : in_regs[r];
    if (a[r] != want) {
      fprintf(stderr, "%s: register %d after = %#llx, want %#llx\n", what, r,
              (unsigned long long)a[r], (unsigned long long)want);
      exit(1);
    }
  }
  CHECK_EQ(e[4], a[4] - 8); /* sp at entry points at the return address */
  CHECK_EQ(e[16] & STATUS_FLAGS, 0x8d5);
  CHECK_EQ(a[16] & STATUS_FLAGS, 0x844);
  for (int x = 0; x < 16; x++)
    CHECK_EQ(e[17 + x], regcheck_in_xmm[x]);
  for (int x = 0; x < 4; x++)
    CHECK_EQ(a[17 + x], regcheck_ret_xmm[x]);
  for (int x = 4; x < 16; x++)
    CHECK_EQ(a[17 + x], regcheck_in_xmm[x]);
  printf("ok registers %s\n", what);
}

/* Targets starting with an SSE/AVX instruction with a RIP-relative operand;
 * regcheck_vec_out receives its result (dwords). */
extern void regcheck_sse_imm8(void), regcheck_vex_imm8(void), regcheck_vex_3op(void),
    regcheck_vex3_imm8(void);
extern uint32_t regcheck_vec[], regcheck_vec_out[];

typedef struct vec_form {
  const char *name;
  void (*fn)(void);
  const char *needs; /* the CPU feature it needs */
  bool supported;
} vec_form;

/* What each form leaves in regcheck_vec_out: dword k. */
static uint32_t vec_form_expect(const vec_form *f, unsigned k) {
  const uint32_t *in_xmm0 = (const uint32_t *)regcheck_in_xmm;
  if (f->fn == regcheck_sse_imm8 || f->fn == regcheck_vex_imm8)
    return regcheck_vec[3 - k]; /* pshufd $0x1b: dwords reversed */
  if (f->fn == regcheck_vex_3op)
    return regcheck_vec[k] ^ in_xmm0[k];
  return (0x05 >> k) & 1 ? regcheck_vec[k] : in_xmm0[k]; /* vpblendd $0x05 */
}

static void check_vec_form(const vec_form *f) {
  if (!f->supported) {
    printf("skipped %s: no %s on this CPU\n", f->name, f->needs);
    return;
  }
  ospy_listener *l = NULL;
  ospy_interceptor_error err = { 0 };
  if (ospy_interceptor_attach((void *)f->fn, on_enter, on_leave, NULL, &l, &err) !=
      OSPY_INTERCEPTOR_OK) {
    fprintf(stderr, "%s: attach failed: %s\n", f->name, err.why);
    exit(1);
  }
  memset(regcheck_vec_out, 0, 16);
  enters = leaves = 0;
  regcheck_run(f->fn);
  CHECK_EQ(enters, 1);
  CHECK_EQ(leaves, 1);
  for (unsigned k = 0; k < 4; k++)
    if (regcheck_vec_out[k] != vec_form_expect(f, k)) {
      fprintf(stderr, "%s: dword %u of the result = %#x, want %#x\n", f->name, k,
              regcheck_vec_out[k], vec_form_expect(f, k));
      exit(1);
    }
  check_after_run(f->name);
  CHECK_OK(ospy_interceptor_detach(l));
}

static void check_vec_forms(void) {
  const vec_form forms[] = {
    { "pshufd imm8 [rip]", regcheck_sse_imm8, "sse2", true },
    { "vpshufd imm8 [rip] (VEX2)", regcheck_vex_imm8, "avx", __builtin_cpu_supports("avx") },
    { "vpxor [rip] 3 operands", regcheck_vex_3op, "avx", __builtin_cpu_supports("avx") },
    { "vpblendd imm8 [rip] (VEX3)", regcheck_vex3_imm8, "avx2", __builtin_cpu_supports("avx2") },
  };
  for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++)
    check_vec_form(&forms[i]);
}

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif
#define REACH ((uintptr_t)1 << 31)

/* Fills every free gap within 2GB (and a margin) of the code with
 * inaccessible reservations, so that no trampoline can be placed near it. */
static void block_near_memory(uintptr_t code) {
  code &= ~(uintptr_t)0xfff;
  uintptr_t lo = code > REACH + (REACH >> 3) ? code - REACH - (REACH >> 3) : 0x10000;
  uintptr_t hi = code + REACH + (REACH >> 3);
  static char maps[1 << 16];
  FILE *f = fopen("/proc/self/maps", "r");
  CHECK(f != NULL);
  size_t n = fread(maps, 1, sizeof maps - 1, f);
  fclose(f);
  maps[n] = '\0';
  uintptr_t gap = lo;
  for (char *line = maps; *line;) {
    unsigned long start, end;
    if (sscanf(line, "%lx-%lx", &start, &end) == 2 && end > gap && start < hi) {
      if (start > gap)
        mmap((void *)gap, start - gap, PROT_NONE,
             MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED_NOREPLACE, -1, 0);
      gap = end;
    }
    char *nl = strchr(line, '\n');
    line = nl ? nl + 1 : line + strlen(line);
  }
  if (gap < hi)
    mmap((void *)gap, hi - gap, PROT_NONE,
         MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED_NOREPLACE, -1, 0);
}

static void replacement(void) {}

/* The hooks' trampolines are out of rel32 reach: the test is what it says. */
static void check_trampoline_far(void) {
  void *orig = NULL;
  CHECK_OK(ospy_interceptor_replace((void *)regcheck_target, (void *)replacement, &orig, NULL));
  uintptr_t a = (uintptr_t)orig, b = (uintptr_t)regcheck_target;
  uintptr_t distance = a > b ? a - b : b - a;
  CHECK_OK(ospy_interceptor_revert((void *)regcheck_target));
  if (distance < REACH) {
    fprintf(stderr, "trampoline at %#lx is within 2GB of %#lx: near memory was not blocked\n",
            (unsigned long)a, (unsigned long)b);
    exit(1);
  }
  printf("ok trampolines %#lx bytes away\n", (unsigned long)distance);
}

/* A refusal names the instruction that cannot be relocated and why. */
static void check_far_refusal(void) {
  extern char tgt_rsp_rip[];
  ospy_interceptor_error err = { 0 };
  ospy_listener *l = NULL;
  CHECK_EQ(ospy_interceptor_attach(tgt_rsp_rip, on_enter, NULL, NULL, &l, &err),
           OSPY_INTERCEPTOR_UNSUPPORTED);
  CHECK(l == NULL);
  CHECK(strstr(err.why, "'mov qword ptr [rip + ") && strstr(err.why, "], rsp' at +0x0: ") &&
        strstr(err.why, "stack instruction cannot be moved more than 2GB away"));
  printf("ok far rsp store refused: %s\n", err.why);
}

static void on_enter_modify(ospy_invocation *inv) {
  ospy_invocation_set_arg(inv, 0, 0x4242);
  ospy_invocation_cpu(inv)->r12 = 0x1c1c1c1c1c1c1c1c; /* unchanged value: callee-saved */
}

static void on_leave_modify(ospy_invocation *inv) { ospy_invocation_set_return(inv, 0x77); }

static void check_modify(void) {
  ospy_listener *l = NULL;
  CHECK_OK(ospy_interceptor_attach((void *)regcheck_target, on_enter_modify, on_leave_modify, NULL,
                                   &l, NULL));
  regcheck_run(regcheck_target);
  CHECK_EQ(regcheck_entry[7], 0x4242);
  CHECK_EQ(regcheck_after[0], 0x77);
  CHECK_OK(ospy_interceptor_detach(l));
  printf("ok argument and return value changes applied\n");
}
#else
#define NREG 8
extern uint32_t regcheck_entry[], regcheck_after[];
extern double regcheck_after_st0;
/* eax ecx edx ebx esp ebp esi edi */
static const uint32_t in_regs[NREG] = { 0x10101010, 0x11111111, 0x12121212, 0x13131313, 0,
                                        0x15151515, 0x16161616, 0x17171717 };
#define STATUS_FLAGS 0x8d5

static void on_enter(ospy_invocation *inv) {
  ospy_cpu_context *c = ospy_invocation_cpu(inv);
  enters++;
  CHECK_EQ(c->ebx, in_regs[3]);
  CHECK_EQ(c->edi, in_regs[7]);
  CHECK_EQ(c->eflags & STATUS_FLAGS, 0x8d5);
  clobber();
}

static void on_leave(ospy_invocation *inv) {
  ospy_cpu_context *c = ospy_invocation_cpu(inv);
  leaves++;
  CHECK_EQ(ospy_invocation_get_return(inv), 0x5e5e5e5e);
  CHECK_EQ(c->edx, 0x6d6d6d6d);
  CHECK(c->st0_valid);
  CHECK(c->st0 == 2.5);
  CHECK_EQ(c->eflags & STATUS_FLAGS, 0x844);
  clobber();
}

static void check_after_run(const char *what) {
  const uint32_t *e = regcheck_entry, *a = regcheck_after;
  for (int r = 0; r < NREG; r++) {
    if (r == 4)
      continue;
    if (e[r] != in_regs[r]) {
      fprintf(stderr, "%s: entry register %d = %#x, want %#x\n", what, r, e[r], in_regs[r]);
      exit(1);
    }
    uint32_t want = r == 0 ? 0x5e5e5e5e : r == 2 ? 0x6d6d6d6d : in_regs[r];
    if (a[r] != want) {
      fprintf(stderr, "%s: register %d after = %#x, want %#x\n", what, r, a[r], want);
      exit(1);
    }
  }
  CHECK_EQ(e[4], a[4] - 4);
  CHECK_EQ(e[8] & STATUS_FLAGS, 0x8d5);
  CHECK_EQ(a[8] & STATUS_FLAGS, 0x844);
  CHECK(regcheck_after_st0 == 2.5);
  printf("ok registers %s\n", what);
}

static void check_modify(void) {}
#endif

int main(int argc, char **argv) {
  bool far = argc > 1 && strcmp(argv[1], "--far") == 0;
#if defined(__x86_64__)
  if (far) {
    block_near_memory((uintptr_t)regcheck_target);
    check_trampoline_far();
    check_far_refusal();
  }
#else
  if (far) {
    printf("--far: every address is within reach on i386\n");
    return 77;
  }
#endif
  regcheck_run(regcheck_target);
  check_after_run("unhooked");

  ospy_listener *l = NULL;
  CHECK_OK(ospy_interceptor_attach((void *)regcheck_target, on_enter, NULL, NULL, &l, NULL));
  enters = 0;
  regcheck_run(regcheck_target);
  CHECK_EQ(enters, 1);
  check_after_run("enter only");
  CHECK_OK(ospy_interceptor_detach(l));

  CHECK_OK(ospy_interceptor_attach((void *)regcheck_target, on_enter, on_leave, NULL, &l, NULL));
  enters = leaves = 0;
  regcheck_run(regcheck_target);
  CHECK_EQ(enters, 1);
  CHECK_EQ(leaves, 1);
  check_after_run("enter and leave");
  CHECK_OK(ospy_interceptor_detach(l));

  regcheck_run(regcheck_target);
  check_after_run("detached");
  check_modify();
#if defined(__x86_64__)
  check_vec_forms();
#endif
  return 0;
}
