/* Register checker: every register and the flags survive the enter and leave
 * thunks (regcheck_run / regcheck_target in targets_*.S), the callbacks see
 * the right values in the CPU context, and changes they make are applied. */
#include <stdint.h>
#include <string.h>

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

int main(void) {
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
  return 0;
}
