/* Hard prologues (targets_*.S): each hooked function still returns the right
 * value and fires its callbacks once per call; too-short functions and
 * branches back into the prologue are refused with the code left untouched. */
#include <dlfcn.h>
#include <link.h>
#include <stdint.h>
#include <string.h>

#include "test_common.h"

typedef long (*fn1)(long);
extern long tgt_rip_load(long), tgt_short_jcc(long), tgt_short_jmp(long), tgt_call_first(long);
extern long tgt_one_byte(long), tgt_three_byte(long), tgt_three_padded(long), tgt_branch_back(long), tgt_endbr(long);
extern long tgt_tail_thunk(long), tgt_tail_target(long), tgt_plt_stub(long), tgt_plt_target(long);
extern long tgt_call_next(long), tgt_jmp_to_short(long), tgt_jmp_to_short_nopad(long);
extern long tgt_jmp_into_loop(long), tgt_jmp_into_loop_hidden(long);
extern char tgt_jil_hidden_branch[];
extern long tgt_far_entered(long), tgt_far_jumper(long), tgt_lea_entered(long), tgt_lea_jumper(long);
extern long tgt_table_entered(long), tgt_table_jumper(long);
#if defined(__x86_64__)
extern long tgt_eip_lea(long), tgt_evex_rip(long), tgt_rsp_rip(long);
extern char tgt_value[];
#endif

static int enters, leaves;
static long last_arg;

static void on_enter(ospy_invocation *inv) {
  enters++;
  last_arg = (long)ospy_invocation_get_arg(inv, 0);
}

static void on_leave(ospy_invocation *inv) {
  (void)inv;
  leaves++;
}

typedef struct good_case {
  const char *name;
  fn1 hook_at, call;
  long arg, expect;
} good_case;

static void check_good(const good_case *c) {
  CHECK_EQ(c->call(c->arg), c->expect);
  ospy_listener *l = NULL;
  ospy_interceptor_error err = { 0 };
  ospy_interceptor_status st = ospy_interceptor_attach((void *)c->hook_at, on_enter, on_leave,
                                                       NULL, &l, &err);
  if (st != OSPY_INTERCEPTOR_OK) {
    fprintf(stderr, "%s: attach failed: %s\n", c->name, err.why);
    exit(1);
  }
  enters = leaves = 0;
  for (int i = 0; i < 3; i++)
    CHECK_EQ(c->call(c->arg + i), c->expect + i);
  if (enters != 3 || leaves != 3) {
    fprintf(stderr, "%s: %d enters, %d leaves (want 3)\n", c->name, enters, leaves);
    exit(1);
  }
  CHECK_EQ(last_arg, c->arg + 2);
  CHECK_OK(ospy_interceptor_detach(l));
  CHECK_EQ(c->call(c->arg), c->expect);
  CHECK_EQ(enters, 3);
  printf("ok %s\n", c->name);
}

#if defined(__x86_64__)
static long replacement(long x) { return x; }

/* An EVEX instruction's RIP-relative operand is re-aimed (not run: the CPU
 * may have no AVX-512): the trampoline holds vmovdqu64 zmm16, [rip+disp32]
 * (62 e1 fe 48 6f 05 disp32) reading the same address, then a jump back. */
static void check_evex_relocated(void) {
  const uint8_t *fn = (const uint8_t *)tgt_evex_rip;
  uint8_t before[10]; /* the patch replaces them */
  memcpy(before, fn, sizeof before);
  void *orig = NULL;
  CHECK_OK(ospy_interceptor_replace((void *)tgt_evex_rip, (void *)replacement, &orig, NULL));
  const uint8_t *t = orig;
  CHECK(memcmp(t, before, 6) == 0);
  int32_t d0, d1, back;
  memcpy(&d0, before + 6, 4);
  memcpy(&d1, t + 6, 4);
  CHECK(t + 10 + d1 == fn + 10 + d0);
  CHECK_EQ(t[10], 0xe9);
  memcpy(&back, t + 11, 4);
  CHECK(t + 15 + back == fn + 10);
  CHECK_OK(ospy_interceptor_revert((void *)tgt_evex_rip));
  printf("ok evex rip-relative relocated\n");
}
#endif

/* A jmp padded to 5 bytes or more, to a tail too short to patch: the jmp
 * itself is patched (relocated into the trampoline), the tail untouched. */
static void check_jmp_to_short(void) {
  void *tail = (char *)tgt_jmp_to_short + 8;
  CHECK(ospy_interceptor_resolve((void *)tgt_jmp_to_short) == (void *)tgt_jmp_to_short);
  uint8_t tail_before[4];
  memcpy(tail_before, tail, sizeof tail_before);
  CHECK_EQ(tgt_jmp_to_short(1), 7);
  ospy_listener *l = NULL;
  ospy_interceptor_error err = { 0 };
  if (ospy_interceptor_attach((void *)tgt_jmp_to_short, on_enter, on_leave, NULL, &l, &err) !=
      OSPY_INTERCEPTOR_OK) {
    fprintf(stderr, "jmp to a short tail: attach failed: %s\n", err.why);
    exit(1);
  }
  CHECK(ospy_interceptor_resolve((void *)tgt_jmp_to_short) == (void *)tgt_jmp_to_short);
  CHECK(memcmp(tail, tail_before, sizeof tail_before) == 0);
  enters = leaves = 0;
  for (int i = 0; i < 3; i++)
    CHECK_EQ(tgt_jmp_to_short(i), 7);
  CHECK_EQ(enters, 3);
  CHECK_EQ(leaves, 3);
  CHECK_OK(ospy_interceptor_detach(l));
  CHECK_EQ(tgt_jmp_to_short(1), 7);
  CHECK_EQ(enters, 3);
  printf("ok jmp to a short tail: the padded jmp hooked\n");
}

/* A 3-byte function followed by alignment padding: the jump covers the
 * padding; calls are seen and return right; detach puts every byte back. */
static void check_three_padded(void) {
  uint8_t before[16];
  memcpy(before, (void *)tgt_three_padded, sizeof before);
  ospy_listener *l = NULL;
  ospy_interceptor_error err = { 0 };
  if (ospy_interceptor_attach((void *)tgt_three_padded, on_enter, on_leave, NULL, &l, &err) !=
      OSPY_INTERCEPTOR_OK) {
    fprintf(stderr, "3 bytes and padding: attach failed: %s\n", err.why);
    exit(1);
  }
  enters = leaves = 0;
  for (int i = 0; i < 3; i++)
    CHECK_EQ(tgt_three_padded(i + 5), 0);
  CHECK_EQ(enters, 3);
  CHECK_EQ(leaves, 3);
  CHECK_OK(ospy_interceptor_detach(l));
  CHECK(memcmp(before, (void *)tgt_three_padded, sizeof before) == 0);
  CHECK_EQ(tgt_three_padded(1), 0);
  printf("ok 3-byte function before alignment padding hooked\n");
}

static const char *last_refusal;

static void check_refused(const char *name, fn1 f, ospy_interceptor_status want) {
  static char why[sizeof(((ospy_interceptor_error *)0)->why)];
  uint8_t before[16], after[16];
  memcpy(before, (void *)f, sizeof before);
  ospy_listener *l = NULL;
  ospy_interceptor_error err = { 0 };
  ospy_interceptor_status st = ospy_interceptor_attach((void *)f, on_enter, on_leave, NULL, &l, &err);
  memcpy(after, (void *)f, sizeof after);
  if (st != want) {
    fprintf(stderr, "%s: got %s (%s), want %s\n", name, ospy_interceptor_status_name(st), err.why,
            ospy_interceptor_status_name(want));
    exit(1);
  }
  CHECK(l == NULL);
  CHECK(err.why[0] != '\0');
  CHECK(memcmp(before, after, sizeof before) == 0);
  printf("ok %s refused: %s\n", name, err.why);
  memcpy(why, err.why, sizeof why);
  last_refusal = why;
}

/* The same loop in a function without a dynamic symbol (a stripped
 * file's, as dladdr sees it): the branch back is named by its module and
 * offset, "no symbol"; it was said to come from outside the function,
 * which it is inside of. */
static void check_jmp_into_loop_unnamed(void) {
  check_refused("jmp into a loop, no symbol", (fn1)tgt_jmp_into_loop_hidden,
                OSPY_INTERCEPTOR_BRANCH_BACK);
  /* (its address in the file, as nm shows it: the module's load bias off) */
  Dl_info info;
  struct link_map *map = NULL;
  CHECK(dladdr1(tgt_jil_hidden_branch, &info, (void **)&map, RTLD_DL_LINKMAP) && map &&
        info.dli_fname);
  const char *file = strrchr(info.dli_fname, '/');
  char says[256];
  snprintf(says, sizeof says, "code at %#lx (%s+%#lx, no symbol) jumps into the bytes to patch",
           (unsigned long)(uintptr_t)tgt_jil_hidden_branch, file ? file + 1 : info.dli_fname,
           (unsigned long)((uintptr_t)tgt_jil_hidden_branch - (uintptr_t)map->l_addr));
  printf("expect: ...%s...\n", says);
  CHECK(strstr(last_refusal, says) && !strstr(last_refusal, "outside the function"));
  CHECK_EQ(tgt_jmp_into_loop_hidden(5), 5);
}

/* Functions entered inside the bytes a hook's jump covers from elsewhere
 * in the module (targets_*.S: a rel32 jmp 70 KB away, an address taken for
 * an indirect jmp, a jump table's entry): refused, saying what leads there
 * and from where, and every way in still computes 2n + 7. Hooked, the
 * jumpers landed inside the jump: SIGSEGV or SIGILL. */
static void check_entered_from_afar(void) {
  static const struct {
    const char *name;
    fn1 entered, jumper;
    const char *from, *says; /* from: where the reason must say the way in is */
  } cases[] = {
    { "entered by a rel32 jmp 70 KB away", tgt_far_entered, tgt_far_jumper, "(tgt_far_jumper+0x",
      ", outside the function) jumps into the bytes to patch" },
    { "entered by an indirect jmp to an address taken", tgt_lea_entered, tgt_lea_jumper,
      "(tgt_lea_jumper+0x",
      ", outside the function) takes an address inside the bytes to patch, for a jump there" },
    { "entered through a jump table", tgt_table_entered, tgt_table_jumper, "a pointer at 0x",
      ") leads into the bytes to patch (a jump table's entry)" },
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    check_refused(cases[i].name, cases[i].entered, OSPY_INTERCEPTOR_BRANCH_BACK);
    if (!strstr(last_refusal, cases[i].from) || !strstr(last_refusal, cases[i].says)) {
      fprintf(stderr, "%s: the reason does not say '%s...%s'\n", cases[i].name, cases[i].from,
              cases[i].says);
      exit(1);
    }
    CHECK_EQ(cases[i].jumper(5), 17);
    CHECK_EQ(cases[i].entered(5), 17);
  }
  CHECK_EQ(tgt_far_jumper(-1), -1);
  printf("ok functions entered from afar: refused, all of them and their jumpers run\n");
}

int main(void) {
  const good_case cases[] = {
    { "rip-relative load", tgt_rip_load, tgt_rip_load, 5, 1005 },
    { "short jcc", tgt_short_jcc, tgt_short_jcc, 10, 11 },
    { "short jcc taken", tgt_short_jcc, tgt_short_jcc, 0, -1 },
    { "short jmp", tgt_short_jmp, tgt_short_jmp, 10, 12 },
    { "call in prologue", tgt_call_first, tgt_call_first, 10, 17 },
    { "endbr entry", tgt_endbr, tgt_endbr, 10, 13 },
    { "tail-call thunk", tgt_tail_thunk, tgt_tail_thunk, 10, 14 },
    { "plt-style stub", tgt_plt_stub, tgt_plt_stub, 10, 15 },
    { "plt target via stub hook", tgt_plt_stub, tgt_plt_target, 10, 15 },
#if defined(__x86_64__)
    /* lea eax, [eip+x]: the low 32 bits of the address, from anywhere */
    { "rip-relative store of rsp", tgt_rsp_rip, tgt_rsp_rip, 10, 10 },
    { "eip-relative lea", tgt_eip_lea, tgt_eip_lea, 10, (long)(uint32_t)((uintptr_t)tgt_value + 10) },
#endif
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    good_case c = cases[i];
    if (c.expect == -1) { /* the taken branch: argument 0 every time */
      CHECK_EQ(c.call(0), -1);
      ospy_listener *l = NULL;
      CHECK_OK(ospy_interceptor_attach((void *)c.hook_at, on_enter, on_leave, NULL, &l, NULL));
      enters = leaves = 0;
      CHECK_EQ(c.call(0), -1);
      CHECK_EQ(enters, 1);
      CHECK_EQ(leaves, 1);
      CHECK_OK(ospy_interceptor_detach(l));
      printf("ok %s\n", c.name);
      continue;
    }
    check_good(&c);
  }
  /* a tail-call thunk is hooked at its own entry: its calls are its own,
   * the target's direct calls the target's */
  CHECK(ospy_interceptor_resolve((void *)tgt_tail_thunk) == (void *)tgt_tail_thunk);
  {
    ospy_listener *l = NULL;
    CHECK_OK(ospy_interceptor_attach((void *)tgt_tail_thunk, on_enter, on_leave, NULL, &l, NULL));
    enters = leaves = 0;
    for (int i = 0; i < 3; i++)
      CHECK_EQ(tgt_tail_target(i), i + 4);
    CHECK_EQ(enters, 0);
    CHECK_EQ(tgt_tail_thunk(1), 5);
    CHECK_EQ(enters, 1);
    CHECK_EQ(leaves, 1);
    CHECK_OK(ospy_interceptor_detach(l));
    printf("ok tail-call thunk hooked at its own entry\n");
  }
  CHECK(ospy_interceptor_resolve((void *)tgt_plt_stub) == (void *)tgt_plt_target);
#if defined(__x86_64__) || defined(__i386__)
  {
    /* call $+5 / get_pc idiom: the function returns its own address. */
    long self = tgt_call_next(0);
    ospy_listener *l = NULL;
    CHECK_OK(ospy_interceptor_attach((void *)tgt_call_next, on_enter, on_leave, NULL, &l, NULL));
    enters = 0;
    CHECK_EQ(tgt_call_next(0), self);
    CHECK_EQ(enters, 1);
    CHECK_OK(ospy_interceptor_detach(l));
    printf("ok call-next idiom\n");
  }
#endif
#if defined(__x86_64__)
  check_evex_relocated();
#endif
  check_refused("1-byte function", tgt_one_byte, OSPY_INTERCEPTOR_TOO_SHORT);
  check_refused("3-byte function", tgt_three_byte, OSPY_INTERCEPTOR_TOO_SHORT);
  check_three_padded();
  check_refused("branch back", tgt_branch_back, OSPY_INTERCEPTOR_BRANCH_BACK);
  CHECK_EQ(tgt_branch_back(9), 9);
  check_jmp_to_short();
  check_entered_from_afar();
  /* no padding after the jmp: both refusals are given */
  check_refused("jmp to a short tail, unpadded", tgt_jmp_to_short_nopad, OSPY_INTERCEPTOR_TOO_SHORT);
  CHECK(strstr(last_refusal, ": jumps to ") &&
        strstr(last_refusal, "its own first bytes cannot be patched either: 'jmp ") &&
        strstr(last_refusal, "is not padding"));
  CHECK_EQ(tgt_jmp_to_short_nopad(1), 7);
  /* the branch into the followed jmp's target comes from the same function */
  check_refused("jmp into a loop", tgt_jmp_into_loop, OSPY_INTERCEPTOR_BRANCH_BACK);
  CHECK(strstr(last_refusal, "(tgt_jmp_into_loop+0x") &&
        strstr(last_refusal, ", earlier in the same function) jumps into the bytes to patch") &&
        !strstr(last_refusal, "outside the function"));
  CHECK_EQ(tgt_jmp_into_loop(5), 5);
  check_jmp_into_loop_unnamed();
  CHECK_EQ(tgt_three_byte(1), 0);
  {
    ospy_interceptor_error err = { 0 };
    CHECK(ospy_interceptor_attach((void *)16, on_enter, NULL, NULL, NULL, &err) ==
          OSPY_INTERCEPTOR_NOT_READABLE);
    printf("ok unmapped refused: %s\n", err.why);
  }
  /* replace: the replacement runs, the original stays callable. */
  {
    void *orig = NULL;
    CHECK_OK(ospy_interceptor_replace((void *)tgt_rip_load, (void *)tgt_plt_target, &orig, NULL));
    CHECK_EQ(tgt_rip_load(1), 6);
    CHECK_EQ(((fn1)orig)(1), 1001);
    ospy_interceptor_error err = { 0 };
    /* (a listener is welcome: it sees the calls the replacement runs,
     * test_behaviour's attach and replace; a second replacement is not) */
    CHECK(ospy_interceptor_replace((void *)tgt_rip_load, (void *)tgt_plt_target, NULL, &err) ==
          OSPY_INTERCEPTOR_ALREADY);
    CHECK_OK(ospy_interceptor_revert((void *)tgt_rip_load));
    CHECK_EQ(tgt_rip_load(1), 1001);
    printf("ok replace/revert\n");
  }
  return 0;
}
