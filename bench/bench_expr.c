/*
 * Expression evaluation cost: ten realistic log conditions through the JIT
 * and through the interpreter, and one register comparison through the JIT
 * against the same comparison written in C, called through a function
 * pointer. Prints ns per evaluation, the median of RUNS runs.
 *
 *   build/bench/bench_expr [evaluations-per-run]
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "arch/x86/cpu_context.h"
#include "expr/expr.h"

#define RUNS 7

#if defined(__x86_64__)
#define OSPY_BENCH_AX rax
#else
#define OSPY_BENCH_AX eax
#endif

static const char *const conditions[10] = {
  "reg.eax != 0",
  "arg.len > 16",
  "reg.eax != 0 && arg.len > 16",
  "retval >= 0 && retval <= arg.len",
  "arg.outSize != 0 && *arg.bytesReturned <= arg.outSize",
  "errno == 11 || errno == 4",
  "arg.flags & 0x40",
  "(arg.flags & 3) == 2 && arg.fd > 2",
  "arg.count * 4 < 65536",
  "u16[arg.buf] == 0x5a4d",
};

static const ospy_expr_arg bench_args[] = {
  { "fd", 0, 32, true, false, 0, false, false, false, false },
  { "buf", 1, OSPY_CPU_BITS, false, true, 8, false, false, false, false },
  { "len", 2, OSPY_CPU_BITS, false, false, 0, false, false, false, false },
  { "flags", 3, 32, false, false, 0, false, false, false, false },
  { "count", 4, 32, false, false, 0, false, false, false, false },
  { "outSize", 5, 32, false, false, 0, false, false, false, false },
  { "bytesReturned", 6, OSPY_CPU_BITS, false, true, 32, false, false, false, false },
};

static uint8_t memory[64] = { 0x4d, 0x5a };

static bool bench_read(uint64_t addr, void *out, size_t n, void *data)
{
  (void)data;
  uintptr_t base = (uintptr_t)memory;
  if (addr < base || addr - base > sizeof memory - n)
    return false;
  memcpy(out, (const void *)(uintptr_t)addr, n);
  return true;
}

/* The single comparison, hand-written. */
__attribute__((noinline)) static uint64_t c_eax_nonzero(const ospy_expr_frame *f,
                                                        uint32_t *faulted)
{
  *faulted = 0;
  const ospy_cpu_context *ctx = (const ospy_cpu_context *)(uintptr_t)f->ctx;
  return (uint32_t)ctx->OSPY_BENCH_AX != 0;
}

static double now_ns(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static double median(double *v, int n)
{
  qsort(v, (size_t)n, sizeof *v, cmp_double);
  return v[n / 2];
}

static volatile uint64_t sink;

/* ns per evaluation of fn (one run). */
static double time_fn(ospy_expr_fn fn, ospy_expr_frame *f, long n)
{
  uint32_t faulted;
  uint64_t acc = 0;
  double t0 = now_ns();
  for (long i = 0; i < n; i++)
    acc += fn(f, &faulted);
  double t1 = now_ns();
  sink = acc;
  return (t1 - t0) / (double)n;
}

static double time_interp(const ospy_expr *e, ospy_expr_frame *f, long n)
{
  bool faulted;
  uint64_t acc = 0;
  double t0 = now_ns();
  for (long i = 0; i < n; i++)
    acc += ospy_expr_eval_interp(e, f, &faulted);
  double t1 = now_ns();
  sink = acc;
  return (t1 - t0) / (double)n;
}

int main(int argc, char **argv)
{
  long n = argc > 1 ? strtol(argv[1], NULL, 0) : 2000000;
  ospy_cpu_context ctx;
  memset(&ctx, 0, sizeof ctx);
  ctx.OSPY_BENCH_AX = 1;
  uint32_t returned = 12;
  /* *bytesReturned lives in the readable memory too */
  uint64_t args[7] = { 5, (uintptr_t)memory, 100, 0x42, 100, 64, (uintptr_t)(memory + 16) };
  memcpy(memory + 16, &returned, 4);
  ospy_expr_frame f = { .ctx = (uintptr_t)&ctx, .args = (uintptr_t)args, .nargs = 7,
                        .retval = 40, .err = 4, .tid = 1,
                        .read_mem = (uintptr_t)bench_read, .read_data = 0 };
  ospy_expr_scope scope = { .arch = OSPY_EXPR_ARCH_NATIVE, .args = bench_args, .nargs = 7,
                            .has_retval = true, .retval_width = OSPY_CPU_BITS,
                            .retval_signed = true };
  ospy_expr_codepool *pool = ospy_expr_codepool_new();
  ospy_expr *exprs[10];
  ospy_expr_fn fns[10];
  for (int i = 0; i < 10; i++) {
    ospy_expr_error err;
    if (!ospy_expr_compile(conditions[i], &scope, &exprs[i], &err) ||
        !(fns[i] = ospy_expr_jit(exprs[i], pool, &err))) {
      fprintf(stderr, "bench_expr: %s: %s\n", conditions[i], err.message);
      return 1;
    }
  }
  if (!ospy_expr_codepool_seal(pool))
    return 1;

  printf("%-56s %10s %10s %7s\n", "condition (ns per evaluation, median of 7)", "interp",
         "jit", "ratio");
  double sum_i = 0, sum_j = 0;
  for (int i = 0; i < 10; i++) {
    double ti[RUNS], tj[RUNS];
    for (int r = 0; r < RUNS; r++) {
      ti[r] = time_interp(exprs[i], &f, n);
      tj[r] = time_fn(fns[i], &f, n);
    }
    double mi = median(ti, RUNS), mj = median(tj, RUNS);
    sum_i += mi;
    sum_j += mj;
    printf("%-56s %10.2f %10.2f %6.1fx\n", conditions[i], mi, mj, mi / mj);
  }
  printf("%-56s %10.2f %10.2f %6.1fx\n", "all ten", sum_i, sum_j, sum_i / sum_j);

  double tc[RUNS], tj[RUNS];
  ospy_expr_fn volatile c_fn = c_eax_nonzero;
  for (int r = 0; r < RUNS; r++) {
    tc[r] = time_fn(c_fn, &f, n);
    tj[r] = time_fn(fns[0], &f, n);
  }
  double mc = median(tc, RUNS), mj = median(tj, RUNS);
  printf("single comparison reg.eax != 0: jit %.2f ns, C via function pointer %.2f ns, "
         "jit/C %.2f\n", mj, mc, mj / mc);
  for (int i = 0; i < 10; i++)
    ospy_expr_free(exprs[i]);
  ospy_expr_codepool_free(pool);
  return 0;
}
