/* Single-thread semantics: recursion order, re-entrancy, errno, scratch,
 * depth, ignored threads, longjmp out of a hooked function, transactions,
 * stack walks (backtrace) from inside hooked calls. */
#include <errno.h>
#include <execinfo.h>
#include <setjmp.h>
#include <unwind.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>
#include <signal.h>
#include <string.h>
#include <ucontext.h>

#include "test_common.h"

#define NOINLINE __attribute__((noinline, noclone))

long fact(long n);
int twice(int x);
long jumper(long n);
int add1(int x);
int add2(int x);
long many(long a, long b, long c, long d, long e, long f, long g, long h);

static char order[256];
static size_t order_len;

static void note(char c) {
  if (order_len + 1 < sizeof order)
    order[order_len++] = c;
  order[order_len] = '\0';
}

NOINLINE long fact(long n) {
  if (n <= 1)
    return 1;
  long r = fact(n - 1);
  __asm__ volatile("" : "+r"(r)); /* keeps the recursion a real call */
  return n * r;
}

static void fact_enter(ospy_invocation *inv) {
  note((char)('0' + ospy_invocation_get_arg(inv, 0)));
  *(long *)ospy_invocation_scratch(inv) = (long)ospy_invocation_get_arg(inv, 0);
  CHECK_EQ(ospy_invocation_depth(inv), 4 - ospy_invocation_get_arg(inv, 0));
}

static void fact_leave(ospy_invocation *inv) {
  long n = *(long *)ospy_invocation_scratch(inv);
  note((char)('a' + n));
  long want = 1;
  for (long i = 2; i <= n; i++)
    want *= i;
  CHECK_EQ(ospy_invocation_get_return(inv), want);
}

static void test_recursion(void) {
  ospy_listener *l;
  CHECK_OK(ospy_interceptor_attach((void *)fact, fact_enter, fact_leave, NULL, &l, NULL));
  order_len = 0;
  CHECK_EQ(fact(4), 24);
  if (strcmp(order, "4321bcde") != 0) {
    fprintf(stderr, "recursion order %s, want 4321bcde\n", order);
    exit(1);
  }
  CHECK_OK(ospy_interceptor_detach(l));
  printf("ok recursion order %s\n", order);
}

/* A listener that calls its own hooked function sees no nested callbacks. */
NOINLINE int twice(int x) {
  volatile int k = 2;
  return k * x;
}

static volatile int reentry_enters;
static void reentry_enter(ospy_invocation *inv) {
  reentry_enters++;
  CHECK_EQ(twice(21), 42);
  errno = EBADF; /* must not leak into the caller */
  (void)inv;
}

static void test_reentrancy_errno(void) {
  ospy_listener *l;
  CHECK_OK(ospy_interceptor_attach((void *)twice, reentry_enter, reentry_enter, NULL, &l, NULL));
  errno = ENOENT;
  CHECK_EQ(twice(5), 10);
  CHECK_EQ(errno, ENOENT);
  CHECK_EQ(reentry_enters, 2);
  ospy_interceptor_ignore_current_thread();
  CHECK_EQ(twice(6), 12);
  CHECK_EQ(reentry_enters, 2);
  ospy_interceptor_unignore_current_thread();
  CHECK_EQ(twice(7), 14);
  CHECK_EQ(reentry_enters, 4);
  CHECK_OK(ospy_interceptor_detach(l));
  printf("ok re-entrancy, errno, ignored thread\n");
}

/* longjmp out of a hooked function, many times: stale entries are pruned and
 * later calls still get correct on_leave. */
static jmp_buf jb;
NOINLINE long jumper(long n) {
  __asm__ volatile("");
  if (n < 0)
    longjmp(jb, 1);
  return n + 100;
}

static volatile int jl_enters, jl_leaves, jl_abandoned;
static volatile long jl_last;
static void jl_enter(ospy_invocation *inv) { jl_enters++; (void)inv; }
static void jl_abandon(ospy_invocation *inv) {
  CHECK(ospy_invocation_cpu(inv) == NULL);
  CHECK_EQ(*(long *)ospy_invocation_scratch(inv), -1); /* the call jl_enter saw */
  jl_abandoned++;
}
static void jl_enter_note(ospy_invocation *inv) {
  jl_enter(inv);
  *(long *)ospy_invocation_scratch(inv) = (long)ospy_invocation_get_arg(inv, 0);
}
static void jl_leave(ospy_invocation *inv) {
  jl_leaves++;
  jl_last = (long)ospy_invocation_get_return(inv);
}

static void test_longjmp(void) {
  ospy_listener *l;
  ospy_interceptor_set_abandon_handler(jl_abandon);
  CHECK_OK(ospy_interceptor_attach((void *)jumper, jl_enter_note, jl_leave, NULL, &l, NULL));
  for (int i = 0; i < 200; i++) { /* more than the invocation stack depth */
    if (setjmp(jb) == 0) {
      jumper(-1);
      CHECK(0);
    }
    CHECK_EQ(jumper(i), i + 100);
    CHECK_EQ(jl_last, i + 100);
  }
  CHECK_EQ(jl_enters, 400);
  CHECK_EQ(jl_leaves, 200);
  CHECK_EQ(jl_abandoned, 200); /* each call left by longjmp, once */
  ospy_interceptor_set_abandon_handler(NULL);
  CHECK_OK(ospy_interceptor_detach(l));
  printf("ok longjmp out of a hooked function\n");
}

/* Two listeners on one function, and a transaction installing several. */
NOINLINE int add1(int x) {
  volatile int k = 1;
  return x + k;
}
NOINLINE int add2(int x) {
  volatile int k = 2;
  return x + k;
}
static volatile int count_a, count_b;
static void inc_a(ospy_invocation *inv) { count_a++; (void)inv; }
static void inc_b(ospy_invocation *inv) {
  count_b += *(int *)ospy_invocation_user_data(inv);
}

static void test_transaction(void) {
  ospy_listener *la, *lb, *lc;
  int weight = 10;
  ospy_interceptor_begin_transaction();
  CHECK_OK(ospy_interceptor_attach((void *)add1, inc_a, NULL, NULL, &la, NULL));
  CHECK_OK(ospy_interceptor_attach((void *)add1, inc_b, NULL, &weight, &lb, NULL));
  CHECK_OK(ospy_interceptor_attach((void *)add2, inc_a, NULL, NULL, &lc, NULL));
  CHECK_EQ(add1(1), 2); /* not installed before the commit */
  CHECK_EQ(count_a, 0);
  CHECK_OK(ospy_interceptor_end_transaction());
  CHECK_EQ(add1(1), 2);
  CHECK_EQ(add2(1), 3);
  CHECK_EQ(count_a, 2);
  CHECK_EQ(count_b, 10);
  CHECK_OK(ospy_interceptor_detach(la));
  CHECK_EQ(add1(1), 2);
  CHECK_EQ(count_a, 2);
  CHECK_EQ(count_b, 20);
  ospy_interceptor_begin_transaction();
  CHECK_OK(ospy_interceptor_detach(lb));
  CHECK_OK(ospy_interceptor_detach(lc));
  CHECK_OK(ospy_interceptor_end_transaction());
  CHECK_EQ(add1(1), 2);
  CHECK_EQ(add2(1), 3);
  CHECK_EQ(count_a, 2);
  CHECK_EQ(count_b, 20);
  CHECK(ospy_interceptor_detach(la) == OSPY_INTERCEPTOR_NOT_FOUND);
  printf("ok transactions and shared hooks\n");
}

/* An attach refused inside a transaction returns its error at once and
 * queues nothing; end_transaction reports the installation of what was
 * queued (interceptor.h), so it is OK and the other hooks work. */
static void test_transaction_with_refusal(void) {
  extern long tgt_one_byte(long);
  ospy_listener *la = NULL, *refused = NULL, *lc = NULL;
  ospy_interceptor_error err = { 0 };
  count_a = 0;
  ospy_interceptor_begin_transaction();
  CHECK_OK(ospy_interceptor_attach((void *)add1, inc_a, NULL, NULL, &la, NULL));
  CHECK_EQ(ospy_interceptor_attach((void *)tgt_one_byte, inc_a, NULL, NULL, &refused, &err),
           OSPY_INTERCEPTOR_TOO_SHORT);
  CHECK(refused == NULL && err.why[0] != '\0');
  CHECK_OK(ospy_interceptor_attach((void *)add2, inc_a, NULL, NULL, &lc, NULL));
  CHECK_OK(ospy_interceptor_end_transaction());
  CHECK_EQ(add1(1), 2);
  CHECK_EQ(add2(1), 3);
  tgt_one_byte(0);
  CHECK_EQ(count_a, 2);
  ospy_interceptor_begin_transaction();
  CHECK_OK(ospy_interceptor_detach(la));
  CHECK_OK(ospy_interceptor_detach(lc));
  CHECK_OK(ospy_interceptor_end_transaction());
  CHECK_EQ(add1(1), 2);
  CHECK_EQ(count_a, 2);
  printf("ok a refusal inside a transaction: its own result, the rest installed\n");
}

/* A hook whose installation fails at the end of a transaction (the program
 * rewrote the prologue in between): end_transaction says so, and the
 * listener its attach returned never runs, not even once a later attach of
 * the same function installs it. */
int late(int x);
int late_new(int x);
NOINLINE int late(int x) {
  volatile int k = x;
  return k * 7 + 1;
}
NOINLINE int late_new(int x) {
  volatile int k = x;
  return k * 9 + 2;
}

/* late's address as the program's patch has it: read at run time, so that
 * no code takes the address of a byte inside late's first 5 (ASan's checks
 * of the copies below did: `lea r13, [rip + late+4]`, and the interceptor
 * refuses a function whose first bytes code takes an address of). */
static int (*volatile late_at)(int) = late;

static void test_transaction_install_failed(void) {
  ospy_listener *stale = NULL, *l = NULL;
  count_a = 0;
  long pg = sysconf(_SC_PAGESIZE);
  uintptr_t at = (uintptr_t)late_at, page = at & ~(uintptr_t)(pg - 1);
  uint8_t saved[5], jmp[5] = { 0xe9 };
  int32_t rel = (int32_t)((intptr_t)late_new - (intptr_t)(at + 5));
  memcpy(jmp + 1, &rel, 4);
  memcpy(saved, (const void *)at, 5);
  ospy_interceptor_begin_transaction();
  CHECK_OK(ospy_interceptor_attach((void *)late, inc_a, NULL, NULL, &stale, NULL));
  CHECK(mprotect((void *)page, 2 * (size_t)pg, PROT_READ | PROT_WRITE | PROT_EXEC) == 0);
  memcpy((void *)at, jmp, 5); /* the program patches it before the commit */
  __builtin___clear_cache((char *)at, (char *)at + 5);
  CHECK_EQ(ospy_interceptor_end_transaction(), OSPY_INTERCEPTOR_PATCH_FAILED);
  CHECK(!ospy_interceptor_listener_installed(stale)); /* what a caller asks to retry */
  CHECK(memcmp((const void *)at, jmp, 5) == 0); /* its patch stands */
  CHECK_EQ(late(1), 11);
  memcpy((void *)at, saved, 5); /* and goes away */
  __builtin___clear_cache((char *)at, (char *)at + 5);
  CHECK(mprotect((void *)page, 2 * (size_t)pg, PROT_READ | PROT_EXEC) == 0);
  static int weight = 1;
  CHECK_OK(ospy_interceptor_attach((void *)late, inc_b, NULL, &weight, &l, NULL));
  count_b = 0;
  CHECK_EQ(late(1), 8);
  CHECK_EQ(count_b, 1);
  CHECK_EQ(count_a, 0); /* the listener of the failed transaction stays silent */
  CHECK(ospy_interceptor_listener_installed(l) && !ospy_interceptor_listener_installed(stale));
  CHECK_OK(ospy_interceptor_detach(stale));
  CHECK_OK(ospy_interceptor_detach(l));
  CHECK_EQ(late(2), 15);
  CHECK_EQ(count_b, 1);
  printf("ok a hook that fails to install at the end of a transaction: reported, its "
         "listener silent\n");
}

/* Arguments on the stack (x86-64: the 7th and 8th) and the return address. */
NOINLINE long many(long a, long b, long c, long d, long e, long f, long g, long h) {
  __asm__ volatile("");
  return a + b + c + d + e + f + g + h;
}
static void many_enter(ospy_invocation *inv) {
  for (unsigned i = 0; i < 8; i++)
    CHECK_EQ(ospy_invocation_get_arg(inv, i), i + 1);
  ospy_invocation_set_arg(inv, 7, 100);
  CHECK(ospy_invocation_return_address(inv) != 0);
  CHECK(ospy_invocation_function(inv) == (void *)many);
  /* at enter: ip is the function, [sp] the real return address */
  ospy_cpu_context *c = ospy_invocation_cpu(inv);
#if defined(__x86_64__)
  CHECK_EQ(c->rip, (uintptr_t)many);
  CHECK_EQ(*(uintptr_t *)c->rsp, ospy_invocation_return_address(inv));
#else
  CHECK_EQ(c->eip, (uintptr_t)many);
  CHECK_EQ(*(uintptr_t *)c->esp, ospy_invocation_return_address(inv));
#endif
  CHECK(ospy_invocation_thread_id(inv) != 0);
}
static void many_leave(ospy_invocation *inv) {
  CHECK_EQ(ospy_invocation_get_arg(inv, 6), 7); /* stack arguments survive */
  CHECK_EQ(ospy_invocation_get_return(inv), 128);
  ospy_invocation_set_return(inv, 5);
}

static void test_args(void) {
  ospy_listener *l;
  CHECK_OK(ospy_interceptor_attach((void *)many, many_enter, many_leave, NULL, &l, NULL));
  CHECK_EQ(many(1, 2, 3, 4, 5, 6, 7, 8), 5);
  CHECK_OK(ospy_interceptor_detach(l));
  CHECK_EQ(many(1, 2, 3, 4, 5, 6, 7, 8), 36);
  printf("ok arguments, stack arguments, return value\n");
}

/* A coroutine suspended inside a hooked call while the caller's hooked call
 * returns on the main stack: the coroutine's pending call is kept (it is on
 * another stack) and returns later with its own on_leave. */
static ucontext_t main_ctx, co_ctx;
static char co_stack[65536];
static volatile int co_leaves, co_abandoned;
int co_inner(int v);
int co_outer(int v);
NOINLINE int co_inner(int v) {
  swapcontext(&co_ctx, &main_ctx); /* away in the middle of the call */
  return v + 1;
}
static volatile int co_result;
static void co_body(void) { co_result = co_inner(10); }
NOINLINE int co_outer(int v) {
  swapcontext(&main_ctx, &co_ctx); /* start the coroutine; it suspends in co_inner */
  return v * 2;
}
static void co_leave(ospy_invocation *inv) { (void)inv; co_leaves++; }
static void co_abandon(ospy_invocation *inv) { (void)inv; co_abandoned++; }

static void test_coroutine(void) {
  ospy_listener *a, *b;
  ospy_interceptor_set_abandon_handler(co_abandon);
  CHECK_OK(ospy_interceptor_attach((void *)co_inner, NULL, co_leave, NULL, &a, NULL));
  CHECK_OK(ospy_interceptor_attach((void *)co_outer, NULL, co_leave, NULL, &b, NULL));
  getcontext(&co_ctx);
  co_ctx.uc_stack.ss_sp = co_stack;
  co_ctx.uc_stack.ss_size = sizeof co_stack;
  co_ctx.uc_link = &main_ctx;
  makecontext(&co_ctx, co_body, 0);
  CHECK_EQ(co_outer(3), 6); /* it aborted the process here */
  CHECK_EQ(co_leaves, 1);
  swapcontext(&main_ctx, &co_ctx); /* resume: co_inner returns now */
  CHECK_EQ(co_result, 11);
  CHECK_EQ(co_leaves, 2);
  CHECK_EQ(co_abandoned, 0);
  CHECK_OK(ospy_interceptor_detach(a));
  CHECK_OK(ospy_interceptor_detach(b));
  ospy_interceptor_set_abandon_handler(NULL);
  printf("ok a coroutine switched away inside a hooked call\n");
}

/* Coroutines on stacks carved from one array: a suspended coroutine's
 * pending call lies just below the stack the next one runs on, as a call
 * left by longjmp lies below the frame it jumped to, and is given up as
 * dead. It returns after all, to its own caller (two callers: a return sent
 * to another coroutine's went to the wrong place) with its own result, and
 * each call is heard of once: by its leave, or as given up. The process
 * aborted once more than 32 calls were given up between such a call and its
 * return: 40 coroutines in turn, or two with 40 calls left by longjmp after
 * each turn. */
#define CLOSE_MAX 40
#define CLOSE_STACK (16 * 1024)
#define CLOSE_CALLS 3
static ucontext_t close_main, close_ctx[CLOSE_MAX];
static char close_stacks[CLOSE_MAX][CLOSE_STACK] __attribute__((aligned(16)));
static jmp_buf close_jb;
static int close_bad, close_enters, close_leaves, close_abandoned, close_returned;
int close_yield(int id, int v);
long close_bail(long x);
NOINLINE int close_yield(int id, int v) {
  swapcontext(&close_ctx[id], &close_main);
  return v * 7;
}
NOINLINE long close_bail(long x) {
  volatile long here = x;
  if (here >= 0)
    longjmp(close_jb, 1);
  return here;
}
NOINLINE static void close_body_up(int c) {
  for (int r = 0; r < CLOSE_CALLS; r++) {
    close_bad += close_yield(c, c * 100 + r) != (c * 100 + r) * 7;
    close_returned++;
  }
}
NOINLINE static void close_body_down(int c) {
  for (int r = CLOSE_CALLS; r-- > 0;)
    close_returned += close_yield(c, c * 100 + r) == (c * 100 + r) * 7;
}
NOINLINE static void close_bails(int n) {
  for (volatile int k = 0; k < n; k++)
    if (!setjmp(close_jb))
      close_bail(k);
}
static void close_enter(ospy_invocation *inv) {
  close_enters++;
  *(long *)ospy_invocation_scratch(inv) = (long)ospy_invocation_get_arg(inv, 1);
}
static void close_leave(ospy_invocation *inv) {
  close_leaves++;
  close_bad += (long)ospy_invocation_get_return(inv) != *(long *)ospy_invocation_scratch(inv) * 7;
}
static void close_abandon(ospy_invocation *inv) {
  close_abandoned += ospy_invocation_function(inv) == (void *)close_yield;
}
static void bail_leave(ospy_invocation *inv) {
  (void)inv;
  close_bad++; /* left by longjmp: never returns */
}

static void run_close_coroutines(int coros, int bails) {
  close_bad = close_enters = close_leaves = close_abandoned = close_returned = 0;
  for (volatile int c = 0; c < coros; c++) { /* volatile: getcontext returns twice */
    getcontext(&close_ctx[c]);
    close_ctx[c].uc_stack.ss_sp = close_stacks[c];
    close_ctx[c].uc_stack.ss_size = CLOSE_STACK;
    close_ctx[c].uc_link = &close_main;
    makecontext(&close_ctx[c], (void (*)(void))(c % 2 ? close_body_down : close_body_up), 1, c);
  }
  for (int turn = 0; turn <= CLOSE_CALLS; turn++) /* the start, then a return from each call */
    for (int c = 0; c < coros; c++) {
      swapcontext(&close_main, &close_ctx[c]);
      close_bails(bails);
    }
  CHECK_EQ(close_bad, 0);
  CHECK_EQ(close_returned, coros * CLOSE_CALLS);
  CHECK_EQ(close_enters, coros * CLOSE_CALLS);
  CHECK_EQ(close_leaves + close_abandoned, close_enters);
  printf("ok %d coroutines on 16 KiB stacks of one array, %d longjmps after each turn: "
         "%d calls, %d leaves + %d given up\n",
         coros, bails, close_enters, close_leaves, close_abandoned);
}

static void test_close_coroutines(void) {
  ospy_listener *a, *b;
  ospy_interceptor_set_abandon_handler(close_abandon);
  CHECK_OK(ospy_interceptor_attach((void *)close_yield, close_enter, close_leave, NULL, &a, NULL));
  CHECK_OK(ospy_interceptor_attach((void *)close_bail, NULL, bail_leave, NULL, &b, NULL));
  run_close_coroutines(2, 40);
  run_close_coroutines(CLOSE_MAX, 0);
  CHECK_OK(ospy_interceptor_detach(a));
  CHECK_OK(ospy_interceptor_detach(b));
  ospy_interceptor_set_abandon_handler(NULL);
}

/* A signal handler on a sigaltstack that lies just above the interrupted
 * hooked call's frame (here: in main's frame) calls a hooked function: the
 * pending call below looks dead to that call, and when it returns after all
 * it still goes back to its caller. */
int alt_block(int v);
int alt_inner(int v);
NOINLINE int alt_inner(int v) {
  volatile int k = v; /* long enough to patch */
  return k + 1;
}
static volatile int alt_seen;
static void alt_handler(int sig) {
  (void)sig;
  alt_seen = alt_inner(41);
}
NOINLINE int alt_block(int v) {
  raise(SIGUSR1);
  __asm__ volatile("");
  return v * 2;
}
static void alt_leave(ospy_invocation *inv) { (void)inv; }

static void test_sigaltstack(char *alt, size_t size) {
  stack_t ss = { .ss_sp = alt, .ss_size = size }, old;
  CHECK(sigaltstack(&ss, &old) == 0);
  struct sigaction sa = { 0 };
  sa.sa_handler = alt_handler;
  sa.sa_flags = SA_ONSTACK;
  CHECK(sigaction(SIGUSR1, &sa, NULL) == 0);
  ospy_listener *a, *b;
  CHECK_OK(ospy_interceptor_attach((void *)alt_block, NULL, alt_leave, NULL, &a, NULL));
  CHECK_OK(ospy_interceptor_attach((void *)alt_inner, NULL, alt_leave, NULL, &b, NULL));
  CHECK_EQ(alt_block(21), 42); /* it aborted the process here */
  CHECK_EQ(alt_seen, 42);
  CHECK_OK(ospy_interceptor_detach(a));
  CHECK_OK(ospy_interceptor_detach(b));
  ss.ss_flags = SS_DISABLE;
  CHECK(sigaltstack(&ss, NULL) == 0);
  printf("ok a hooked call from a sigaltstack just above a pending one\n");
}

/* A signal handler that leaves a callback by siglongjmp, never returning
 * into the interceptor (raised here from the listener itself): the thread
 * stayed busy, so that every later call ran unseen as a re-entry. Its next
 * hooked call above that code takes the state back and tells the jump
 * handler which call's on_enter or on_leave was left. A handler that runs
 * while the callback lives (on this stack, or on a sigaltstack above it,
 * also one the kernel disarms while in use) is a re-entry, as before. */
int jo_target(int x);
NOINLINE int jo_target(int x) {
  volatile int k = x; /* long enough to patch */
  return k + 7;
}
enum { JO_NONE, JO_JUMP_AT_ENTER, JO_JUMP_AT_LEAVE, JO_CALL_AT_ENTER };
static volatile int jo_mode;
static sigjmp_buf jo_jb;
static volatile int jo_enters, jo_leaves, jo_told_enter, jo_told_leave, jo_told_thread,
  jo_reentries, jo_handler_result;
static void jo_handler(int sig) {
  (void)sig;
  /* the restorer this handler returns to (the agent notes them for the
   * interceptor: how signal frames are found) */
  ospy_interceptor_note_signal_return((uintptr_t)__builtin_return_address(0));
  if (jo_mode == JO_CALL_AT_ENTER)
    jo_handler_result = jo_target(1); /* a re-entry: the callback lives */
  else
    siglongjmp(jo_jb, 1);
}
static void jo_handler_info(int sig, siginfo_t *si, void *uc) {
  (void)si, (void)uc;
  jo_handler(sig);
}
static void jo_enter(ospy_invocation *inv) {
  jo_enters++;
  *(int *)ospy_invocation_scratch(inv) = (int)ospy_invocation_get_arg(inv, 0);
  if ((int)ospy_invocation_get_arg(inv, 0) == -13 && jo_mode != JO_JUMP_AT_LEAVE)
    raise(SIGUSR2);
}
static void jo_leave(ospy_invocation *inv) {
  int x = *(int *)ospy_invocation_scratch(inv);
  CHECK_EQ((int)ospy_invocation_get_return(inv), x + 7);
  jo_leaves++;
  if (x == -13 && jo_mode == JO_JUMP_AT_LEAVE)
    raise(SIGUSR2);
}
static void jo_jumped(ospy_invocation *inv, ospy_jump_at at) {
  if (!inv) {
    jo_told_thread++;
    return;
  }
  CHECK(ospy_invocation_function(inv) == (void *)jo_target);
  CHECK(ospy_invocation_user_data(inv) == (void *)&jo_mode);
  CHECK(ospy_invocation_scratch(inv) != NULL);
  CHECK_EQ(*(int *)ospy_invocation_scratch(inv), -13); /* the call left */
  if (at == OSPY_JUMP_AT_ENTER)
    jo_told_enter++;
  else
    jo_told_leave++;
}
static void jo_reentry(void *user_data, unsigned depth, uintptr_t ret) {
  (void)user_data, (void)depth, (void)ret;
  jo_reentries++;
}

/* mode, 20 times: a call of jo_target(-13) whose callback raises SIGUSR2,
 * then a call of jo_target(i), which must be seen. */
static void jo_run(int mode) {
  jo_mode = mode;
  jo_enters = jo_leaves = jo_told_enter = jo_told_leave = jo_told_thread = jo_reentries = 0;
  for (int i = 0; i < 20; i++) {
    if (sigsetjmp(jo_jb, 1) == 0) {
      int r = jo_target(-13);
      CHECK(mode == JO_CALL_AT_ENTER && r == -6);
    }
    CHECK_EQ(jo_target(i), i + 7);
  }
}

#ifndef SS_AUTODISARM
#define SS_AUTODISARM (1U << 31) /* (linux/signal.h's, which glibc's headers do not give) */
#endif

static void test_jump_out_of_callback(char *alt, size_t size) {
  struct sigaction sa = { 0 };
  sa.sa_handler = jo_handler;
  CHECK(sigaction(SIGUSR2, &sa, NULL) == 0);
  ospy_interceptor_set_jump_handler(jo_jumped);
  ospy_interceptor_set_reentry_handler(jo_reentry);
  ospy_listener *l;
  CHECK_OK(ospy_interceptor_attach((void *)jo_target, jo_enter, jo_leave, (void *)&jo_mode, &l,
                                   NULL));
  jo_run(JO_JUMP_AT_ENTER);
  CHECK_EQ(jo_enters, 40);
  CHECK_EQ(jo_leaves, 20); /* before: 0, the calls after the first jump unseen */
  CHECK_EQ(jo_told_enter, 20);
  CHECK_EQ(jo_told_thread, 20);
  CHECK_EQ(jo_reentries, 0);
  jo_run(JO_JUMP_AT_LEAVE);
  CHECK_EQ(jo_enters, 40);
  CHECK_EQ(jo_leaves, 40);
  CHECK_EQ(jo_told_leave, 20);
  CHECK_EQ(jo_told_thread, 20);
  CHECK_EQ(jo_reentries, 0);
  printf("ok a signal handler's siglongjmp out of on_enter and on_leave: later calls seen\n");

  jo_run(JO_CALL_AT_ENTER); /* the handler on this stack, below the callback */
  CHECK_EQ(jo_reentries, 20);
  CHECK_EQ(jo_handler_result, 8);
  CHECK_EQ(jo_leaves, 40);
  CHECK_EQ(jo_told_thread, 0);
  stack_t ss = { .ss_sp = alt, .ss_size = size };
  for (int disarm = 0; disarm < 2; disarm++) {
    /* on a sigaltstack above the callback (in main's frame), armed, then
     * disarmed by the kernel while the handler runs on it (with SA_SIGINFO:
     * the i386 kernel arms it again only after such a handler) */
    sa.sa_flags = SA_ONSTACK | (disarm ? SA_SIGINFO : 0);
    if (disarm)
      sa.sa_sigaction = jo_handler_info;
    CHECK(sigaction(SIGUSR2, &sa, NULL) == 0);
    ss.ss_flags = disarm ? (int)SS_AUTODISARM : 0;
    if (sigaltstack(&ss, NULL) != 0) {
      CHECK(disarm && errno == EINVAL); /* (a kernel before 4.7) */
      break;
    }
    jo_run(JO_CALL_AT_ENTER);
    CHECK_EQ(jo_reentries, 20);
    CHECK_EQ(jo_leaves, 40);
    CHECK_EQ(jo_told_thread, 0);
  }
  ss.ss_flags = SS_DISABLE;
  CHECK(sigaltstack(&ss, NULL) == 0);
  printf("ok a handler that interrupted a callback and returns (on this stack, on a sigaltstack "
         "above it, armed or not): a re-entry\n");
  CHECK_OK(ospy_interceptor_detach(l));
  ospy_interceptor_set_jump_handler(NULL);
  ospy_interceptor_set_reentry_handler(NULL);
  signal(SIGUSR2, SIG_DFL);
}

/* A program that hot-patches a hooked function itself: detach must not
 * write the original bytes back over its patch. */
int hot(int x);
int hot_new(int x);
NOINLINE int hot(int x) {
  volatile int k = x;
  return k * 3 + 1;
}
NOINLINE int hot_new(int x) {
  volatile int k = x;
  return k * 5 + 2;
}
static int hot_calls;
static void hot_enter(ospy_invocation *inv) {
  (void)inv;
  hot_calls++;
}

/* (read at run time: see late_at) */
static int (*volatile hot_at)(int) = hot;

static void test_rewritten_prologue(void) {
  ospy_listener *l;
  CHECK_OK(ospy_interceptor_attach((void *)hot, hot_enter, NULL, NULL, &l, NULL));
  CHECK_EQ(hot(1), 4);
  CHECK_EQ(hot_calls, 1);
  long pg = sysconf(_SC_PAGESIZE);
  uintptr_t at = (uintptr_t)hot_at, page = at & ~(uintptr_t)(pg - 1);
  CHECK(mprotect((void *)page, 2 * (size_t)pg, PROT_READ | PROT_WRITE | PROT_EXEC) == 0);
  uint8_t jmp[5] = { 0xe9 };
  int32_t rel = (int32_t)((intptr_t)hot_new - (intptr_t)(at + 5));
  memcpy(jmp + 1, &rel, 4);
  memcpy((void *)at, jmp, 5); /* the program's own patch: hot -> hot_new */
  __builtin___clear_cache((char *)at, (char *)at + 5);
  CHECK_EQ(hot(1), 7);
  CHECK_OK(ospy_interceptor_detach(l));
  CHECK(memcmp((const void *)at, jmp, 5) == 0); /* still the program's patch */
  CHECK_EQ(hot(2), 12);
  CHECK_EQ(hot_calls, 1);
  printf("ok a prologue the program rewrote after the hook is left as it wrote it\n");
}

/* backtrace(3) and _Unwind_Backtrace from inside four pending hooked calls
 * see the frames an unhooked run sees (they met the leave thunk instead: on
 * i386 the walk crashed, on x86-64 it stopped there), and every call still
 * reaches its on_leave. */
long walker(long n);
static void *walk_frames[64];
static int walk_n, unwind_n;

static _Unwind_Reason_Code count_frame(struct _Unwind_Context *ctx, void *data) {
  (void)ctx;
  (*(int *)data)++;
  return _URC_NO_REASON;
}

NOINLINE long walker(long n) {
  long r;
  if (n > 0) {
    r = walker(n - 1);
  } else {
    walk_n = backtrace(walk_frames, 64);
    unwind_n = 0;
    _Unwind_Backtrace(count_frame, &unwind_n);
    r = walk_n;
  }
  __asm__ volatile("" : "+r"(r)); /* keeps the recursion a real call */
  return r + 1;
}

static int walker_leaves;
static void walker_leave(ospy_invocation *inv) {
  (void)inv;
  walker_leaves++;
}

/* one call site for both runs (not a tail call: its frame is walked) */
NOINLINE static long run_walker(void) {
  long r = walker(3);
  __asm__ volatile("" : "+r"(r));
  return r;
}

static void test_backtrace(void) {
  ospy_listener *l;
  CHECK_OK(ospy_interceptor_attach((void *)walker, NULL, walker_leave, NULL, &l, NULL));
  long hooked = run_walker();
  void *hooked_frames[64];
  int hooked_n = walk_n, hooked_unwind_n = unwind_n;
  memcpy(hooked_frames, walk_frames, sizeof walk_frames);
  CHECK_EQ(walker_leaves, 4);
  CHECK_OK(ospy_interceptor_detach(l));
  long plain = run_walker();
  CHECK_EQ(hooked, plain);
  CHECK(walk_n >= 6); /* walker x4, run_walker, test_backtrace... */
  CHECK_EQ(hooked_n, walk_n);
  CHECK_EQ(hooked_unwind_n, unwind_n);
  for (int i = 0; i < 5; i++) /* walker x4 and run_walker; above, two call sites */
    CHECK_EQ((uintptr_t)hooked_frames[i], (uintptr_t)walk_frames[i]);
  printf("ok backtrace from inside hooked calls: %d frames, as unhooked\n", walk_n);
}

/* A pc inside a hook's code stands for an address in the original: the
 * trampoline's copy of a moved instruction for that instruction, a stub for
 * the function's entry (a crash report names the program's pc with it). */
long origin_target(long x);
#if defined(__x86_64__)
#define ORIGIN_SECOND 3 /* offset of the second instruction */
__asm__(".text\n.globl origin_target\n.type origin_target,@function\norigin_target:\n"
        "mov %rdi, %rax\nadd $1, %rax\nadd $2, %rax\nadd $3, %rax\nret\n"
        ".size origin_target, .-origin_target\n");
#else
#define ORIGIN_SECOND 4
__asm__(".text\n.globl origin_target\n.type origin_target,@function\norigin_target:\n"
        "mov 4(%esp), %eax\nadd $1, %eax\nadd $2, %eax\nadd $3, %eax\nret\n"
        ".size origin_target, .-origin_target\n");
#endif

static long origin_replacement(long x) { return -x; }

static void test_original_address(void) {
  uintptr_t fn = (uintptr_t)origin_target, function = 0;
  bool moved = false;
  void *tramp = NULL;
  CHECK_OK(ospy_interceptor_replace((void *)origin_target, (void *)origin_replacement, &tramp, NULL));
  CHECK_EQ(origin_target(1), -1);
  CHECK_EQ(((long (*)(long))tramp)(1), 7);
  uintptr_t t = (uintptr_t)tramp;
  CHECK_EQ(ospy_interceptor_original_address(t, &function, &moved), fn);
  CHECK_EQ(function, fn);
  CHECK(moved);
  CHECK_EQ(ospy_interceptor_original_address(t + ORIGIN_SECOND, NULL, NULL), fn + ORIGIN_SECOND);
  CHECK_EQ(ospy_interceptor_original_address(t + ORIGIN_SECOND + 1, NULL, NULL), fn + ORIGIN_SECOND);
  /* the whole copy and its jump back: within the function, in order */
  uintptr_t last = fn;
  for (uintptr_t k = 0; k < 48; k++) {
    uintptr_t a = ospy_interceptor_original_address(t + k, NULL, NULL);
    CHECK(a >= last && a < fn + 16);
    last = a;
  }
  CHECK(last > fn + ORIGIN_SECOND); /* the jump back: the first byte not moved */
  /* the stub before the trampoline: the function's entry */
  moved = true;
  CHECK_EQ(ospy_interceptor_original_address(t - 1, &function, &moved), fn);
  CHECK(!moved);
  int local = 0;
  CHECK_EQ(ospy_interceptor_original_address(fn, NULL, NULL), 0);
  CHECK_EQ(ospy_interceptor_original_address((uintptr_t)&local, NULL, NULL), 0);
  CHECK_OK(ospy_interceptor_revert((void *)origin_target));
  CHECK_EQ(origin_target(1), 7);
  printf("ok a pc in a hook's trampoline or stub maps back to the function's own address\n");
}

/* A function both attached and replaced, in either order: the listeners see
 * each call (the leave with the replacement's value), the replacement runs it
 * and can call the original; either can go, the other stays (unwind.c wraps
 * the unwinder's entry points that a user may hook). */
int tripled(int x);
__attribute__((noipa)) int tripled(int x) {
  volatile int k = 3; /* (a body long enough to patch, no constant to fold) */
  return x * k;
}

static int (*tripled_original)(int);
static int tripled_left;

static int tripled_wrapper(int x) {
  note('w');
  return tripled_original(x) + 1;
}

static void tripled_enter(ospy_invocation *inv) {
  note('e');
  CHECK_EQ(ospy_invocation_get_arg(inv, 0), 2);
}

static void tripled_leave(ospy_invocation *inv) {
  note('l');
  tripled_left = (int)ospy_invocation_get_return(inv);
}

static void expect_tripled(int value, const char *seen) {
  order_len = 0;
  order[0] = '\0';
  CHECK_EQ(tripled(2), value);
  if (strcmp(order, seen) != 0) {
    fprintf(stderr, "tripled(2): callbacks %s, expected %s\n", order, seen);
    exit(1);
  }
}

static void test_attach_and_replace(void) {
  ospy_listener *l;
  ospy_interceptor_error err;
  CHECK_OK(ospy_interceptor_attach((void *)tripled, tripled_enter, tripled_leave, NULL, &l, NULL));
  CHECK_OK(ospy_interceptor_replace((void *)tripled, (void *)tripled_wrapper,
                                    (void **)&tripled_original, NULL));
  expect_tripled(7, "ewl");
  CHECK_EQ(tripled_left, 7);
  CHECK_EQ(ospy_interceptor_replace((void *)tripled, (void *)tripled_wrapper, NULL, &err),
           OSPY_INTERCEPTOR_ALREADY);
  CHECK_OK(ospy_interceptor_detach(l)); /* the replacement stays */
  expect_tripled(7, "w");
  CHECK_OK(ospy_interceptor_attach((void *)tripled, tripled_enter, tripled_leave, NULL, &l, NULL));
  expect_tripled(7, "ewl");
  CHECK_OK(ospy_interceptor_revert((void *)tripled)); /* the listener stays */
  expect_tripled(6, "el");
  CHECK_EQ(tripled_left, 6);
  CHECK_OK(ospy_interceptor_detach(l));
  expect_tripled(6, "");
  printf("ok attach and replace on one function: listeners around the replacement\n");
}

/* A function that hands its own return address down, as glibc's dlopen
 * hands it to the loader's lookup of the calling library: hooked with a
 * leave, it reads the leave thunk. The lookup's on_enter gets the real
 * return address back from ospy_invocation_passed_return: the innermost
 * pending call's that holds the thunk, passing over those the client does
 * not take for the caller (on_the_way, called inside passer). */
uintptr_t lookup(uintptr_t addr);
uintptr_t on_the_way(uintptr_t addr);
uintptr_t passer(void);
uintptr_t call_passer(void);

NOINLINE uintptr_t lookup(uintptr_t addr) {
  __asm__ volatile("" : "+r"(addr));
  return addr;
}

NOINLINE uintptr_t on_the_way(uintptr_t addr) {
  uintptr_t r = lookup(addr);
  __asm__ volatile("" : "+r"(r)); /* no tail call */
  return r;
}

NOINLINE uintptr_t passer(void) {
  uintptr_t r = on_the_way((uintptr_t)__builtin_return_address(0));
  __asm__ volatile("" : "+r"(r));
  return r;
}

/* passer called from one place: its real return address, what the lookup
 * must get */
NOINLINE uintptr_t call_passer(void) {
  uintptr_t r = passer();
  __asm__ volatile("" : "+r"(r));
  return r;
}

static uintptr_t passer_ret, on_the_way_ret;
static bool pass_over_on_the_way;

static void passer_enter(ospy_invocation *inv) { passer_ret = ospy_invocation_return_address(inv); }
static void on_the_way_enter(ospy_invocation *inv) {
  on_the_way_ret = ospy_invocation_return_address(inv);
}
static void nothing_leave(ospy_invocation *inv) { (void)inv; }
static bool is_on_the_way_ret(uintptr_t ret) { return ret == on_the_way_ret; }

static void lookup_enter(ospy_invocation *inv) {
  uintptr_t addr = ospy_invocation_get_arg(inv, 0);
  ospy_invocation_set_arg(inv, 0, ospy_invocation_passed_return(inv, addr,
                                  pass_over_on_the_way ? is_on_the_way_ret : NULL));
}

static void test_passed_return(void) {
  ospy_listener *lp, *lw, *ll;
  CHECK_OK(ospy_interceptor_attach((void *)lookup, lookup_enter, NULL, NULL, &ll, NULL));
  /* passer unhooked: its real return address, untouched */
  uintptr_t plain = call_passer();
  CHECK(plain != ospy_interceptor_leave_thunk());
  CHECK_OK(ospy_interceptor_attach((void *)passer, passer_enter, nothing_leave, NULL, &lp, NULL));
  CHECK_EQ(call_passer(), plain);
  CHECK_EQ(passer_ret, plain);
  CHECK_OK(ospy_interceptor_attach((void *)on_the_way, on_the_way_enter, nothing_leave, NULL, &lw,
                                   NULL));
  CHECK_EQ(call_passer(), on_the_way_ret); /* nothing passed over: the innermost, inside passer */
  CHECK(on_the_way_ret != plain);
  pass_over_on_the_way = true;
  CHECK_EQ(call_passer(), plain);
  CHECK_OK(ospy_interceptor_detach(lw));
  CHECK_OK(ospy_interceptor_detach(lp));
  CHECK_OK(ospy_interceptor_detach(ll));
  printf("ok a return address passed down as the leave thunk: the real one given back\n");
}

int main(void) {
  char alt[65536]; /* above the frames of the calls main makes */
  test_coroutine();
  test_close_coroutines();
  test_sigaltstack(alt, sizeof alt);
  test_jump_out_of_callback(alt, sizeof alt);
  test_recursion();
  test_reentrancy_errno();
  test_longjmp();
  test_transaction();
  test_transaction_with_refusal();
  test_transaction_install_failed();
  test_args();
  test_rewritten_prologue();
  test_backtrace();
  test_original_address();
  test_attach_and_replace();
  test_passed_return();
  return 0;
}
