/*
 * ns added per call by the interceptor, against the unhooked call of the same
 * trivial noinline function, all measured in one run: attach with an empty
 * on_enter, attach with empty on_enter + on_leave, and replace. Each variant
 * runs ROUNDS times; the median is printed. Usage: bench_interceptor [calls]
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "interceptor/interceptor.h"

#define ROUNDS 9

int bench_target(int x);
int bench_replacement(int x);

__attribute__((noinline)) int bench_target(int x) { return x * 3 + 1; }
__attribute__((noinline)) int bench_replacement(int x) { return x * 3 + 1; }

static int (*volatile call)(int) = bench_target;
static volatile int sink;

static void empty(ospy_invocation *inv) { (void)inv; }

static double now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static double ns_per_call(long n) {
  int (*f)(int) = call;
  int acc = 0;
  double t0 = now_ns();
  for (long i = 0; i < n; i++)
    acc += f((int)i);
  double t1 = now_ns();
  sink = acc;
  return (t1 - t0) / (double)n;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static double median(long n) {
  double r[ROUNDS];
  for (int i = 0; i < ROUNDS; i++)
    r[i] = ns_per_call(n);
  qsort(r, ROUNDS, sizeof r[0], cmp_double);
  return r[ROUNDS / 2];
}

static void fail(const char *what, ospy_interceptor_status st, const ospy_interceptor_error *err) {
  fprintf(stderr, "bench: %s: %s (%s)\n", what, ospy_interceptor_status_name(st), err->why);
  exit(1);
}

int main(int argc, char **argv) {
  long n = argc > 1 ? atol(argv[1]) : 20000000;
  ospy_interceptor_error err = { 0 };
  ospy_listener *l;
  (void)median(n / 10); /* warm up */
  double base = median(n);

  ospy_interceptor_status st = ospy_interceptor_attach((void *)bench_target, empty, NULL, NULL, &l, &err);
  if (st)
    fail("attach", st, &err);
  double enter = median(n);
  ospy_interceptor_detach(l);

  st = ospy_interceptor_attach((void *)bench_target, empty, empty, NULL, &l, &err);
  if (st)
    fail("attach", st, &err);
  double both = median(n);
  ospy_interceptor_detach(l);

  void *orig = NULL;
  st = ospy_interceptor_replace((void *)bench_target, (void *)bench_replacement, &orig, &err);
  if (st)
    fail("replace", st, &err);
  double repl = median(n);
  ospy_interceptor_revert((void *)bench_target);

  printf("calls per round: %ld, rounds: %d (median)\n", n, ROUNDS);
  printf("unhooked call:        %6.2f ns\n", base);
  printf("attach enter only:    %6.2f ns  (+%.2f ns, %.1fx the unhooked call)\n", enter, enter - base,
         (enter - base) / base);
  printf("attach enter+leave:   %6.2f ns  (+%.2f ns, %.1fx the unhooked call)\n", both, both - base,
         (both - base) / base);
  printf("replace:              %6.2f ns  (+%.2f ns, %.1fx the unhooked call)\n", repl, repl - base,
         (repl - base) / base);
  return 0;
}
