/* Cost of marshaling one call (enter + leave + function condition) for a few
   realistic specs, in process, without the interceptor: what the agent adds
   to a hooked call for its values. Prints the median of 7 runs per case. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "agent/marshal.h"
#include "arch/x86/cpu_context.h"

static ospy_spec_table *t;

static ospy_spec_arg *arg(uint32_t fn, const char *name, int dir, const char *type)
{
  ospy_spec_fn *f = &t->fns[fn];
  ospy_spec_arg *a = &f->args[f->nargs++];
  memset(a, 0, sizeof *a);
  a->name = name;
  a->dir = (uint8_t)dir;
  ospy_spec_type_lookup(t, type, &a->t);
  a->valist_arg = OSPY_SPEC_NONE;
  return a;
}

static uint32_t fn(const char *name, const char *ret)
{
  uint32_t i = ospy_spec_add_fn(t, name);
  t->fns[i].args = ospy_spec_alloc(t, 8 * sizeof(ospy_spec_arg));
  t->fns[i].has_ret = 1;
  ospy_spec_type_lookup(t, ret, &t->fns[i].ret);
  return i;
}

static double now(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static int cmp(const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static double per_call(uint32_t f, const uint64_t *args, unsigned nargs, uint64_t retval)
{
  static uint8_t blob[1 << 16];
  ospy_cpu_context ctx;
  memset(&ctx, 0, sizeof ctx);
  uint64_t state[OSPY_MARSHAL_STATE_SIZE / 8];
  ospy_marshal_call c = { .ctx = &ctx, .args = args, .nargs = nargs, .retval = retval,
                          .state = state, .state_size = sizeof state };
  const int n = 200000;
  double runs[7];
  for (int r = 0; r < 7; r++) {
    double t0 = now();
    for (int i = 0; i < n; i++) {
      ospy_marshal_enter(&t->fns[f], &c, blob, sizeof blob, 65536);
      ospy_marshal_leave(&t->fns[f], &c, blob, sizeof blob, 65536);
      ospy_marshal_should_log(&t->fns[f], &c);
    }
    runs[r] = (now() - t0) / n;
  }
  qsort(runs, 7, sizeof *runs, cmp);
  return runs[3];
}

int main(void)
{
  t = ospy_spec_table_new(sizeof(void *));
  uint32_t ints = fn("close", "Int32");
  arg(ints, "fd", OSPY_DIR_IN, "FileDescriptor");
  uint32_t rd = fn("read", "SSize");
  arg(rd, "fd", OSPY_DIR_IN, "FileDescriptor");
  arg(rd, "buf", OSPY_DIR_OUT, "ByteArrayPtr")->size_in.src = "retval";
  arg(rd, "count", OSPY_DIR_IN, "Size");
  uint32_t op = fn("open", "Int32");
  arg(op, "path", OSPY_DIR_IN, "AsciiStringPtr");
  arg(op, "flags", OSPY_DIR_IN, "Int32");
  uint32_t dc = fn("dev_control", "Int32");
  arg(dc, "fd", OSPY_DIR_IN, "Int32");
  arg(dc, "code", OSPY_DIR_IN, "UInt32");
  arg(dc, "in", OSPY_DIR_IN, "ByteArrayPtr")->size_in.src = "arg.in_len";
  arg(dc, "in_len", OSPY_DIR_IN, "Size");
  ospy_spec_arg *o = arg(dc, "out", OSPY_DIR_INOUT, "ByteArrayPtr");
  o->size_in.src = "arg.out_cap";
  o->size_out.src = "arg.out_len";
  o->cond.src = "retval != 0";
  arg(dc, "out_cap", OSPY_DIR_IN, "Size");
  arg(dc, "out_len", OSPY_DIR_OUT, "SizePtr");
  char err[200];
  if (ospy_marshal_prepare(t, err, sizeof err) < 0) {
    fprintf(stderr, "%s\n", err);
    return 1;
  }
  static char buf[4096] = "0123456789abcdef";
  size_t out_len = 16;
  uint64_t a1[] = { 3 };
  uint64_t a2[] = { 3, (uint64_t)(uintptr_t)buf, sizeof buf };
  uint64_t a3[] = { (uint64_t)(uintptr_t)"/etc/hostname", 0 };
  uint64_t a4[] = { 3, 0xc0de, (uint64_t)(uintptr_t)buf, 16, (uint64_t)(uintptr_t)buf, 64,
                    (uint64_t)(uintptr_t)&out_len };
  printf("close(fd)                         %6.0f ns/call\n", per_call(ints, a1, 1, 0));
  printf("read(fd, buf[retval=512], count)  %6.0f ns/call\n", per_call(rd, a2, 3, 512));
  printf("open(\"/etc/hostname\", flags)      %6.0f ns/call\n", per_call(op, a3, 2, 3));
  printf("dev_control (seed, success)       %6.0f ns/call\n", per_call(dc, a4, 7, 1));
  ospy_marshal_release(t);
  ospy_spec_table_free(t);
  return 0;
}
