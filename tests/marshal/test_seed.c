/* The seed's scenario (seed-ospy-jit-x86.txt): a DeviceIoControl look-alike
 *   int dev_control(int fd, unsigned code, void *in, size_t in_len,
 *                   void *out, size_t out_cap, size_t *out_len)
 * fills *out_len only on success. With size="arg.out_cap/arg.out_len" and a
 * logCondition on the return value, a failed call (out_len left as garbage
 * 0x7fffffff) logs no out-buffer; a successful one logs exactly out_len
 * bytes. Without the condition (the seed's crash) the garbage size is capped
 * and the read stops at the guard page behind the buffer: no crash. */
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

#include "marshal_test.h"
#include "plan/values.h"
#include "plan/values_format.h"

#define P(x) ((uint64_t)(uintptr_t)(x))

void test_seed(void);

typedef struct callee_data {
  uint8_t *out;
  size_t *out_len;
  int ok;
} callee_data;

static void dev_control_callee(void *p)
{
  callee_data *d = p;
  if (d->ok) {
    memcpy(d->out, "pong!", 5);
    *d->out_len = 5;
  } else {
    *d->out_len = 0x7fffffff; /* never initialized by the caller; garbage */
  }
}

static uint32_t dev_control_spec_dir(ospy_spec_table *t, const char *cond, const char *name,
                                     unsigned out_dir)
{
  uint32_t fn = tt_fn(t, name, "Int32");
  tt_arg(t, fn, "fd", OSPY_DIR_IN, "Int32");
  tt_arg(t, fn, "code", OSPY_DIR_IN, "UInt32")->t.hex = 1;
  tt_arg(t, fn, "in", OSPY_DIR_IN, "ByteArrayPtr")->size_in.src = "arg.in_len";
  tt_arg(t, fn, "in_len", OSPY_DIR_IN, "Size");
  ospy_spec_arg *out = tt_arg(t, fn, "out", out_dir, "ByteArrayPtr");
  out->size_in.src = "arg.out_cap";
  out->size_out.src = "arg.out_len";
  out->cond.src = cond;
  tt_arg(t, fn, "out_cap", OSPY_DIR_IN, "Size");
  tt_arg(t, fn, "out_len", OSPY_DIR_OUT, "SizePtr");
  return fn;
}

static uint32_t dev_control_spec(ospy_spec_table *t, const char *cond)
{
  return dev_control_spec_dir(t, cond, cond ? cond : "dev_control", OSPY_DIR_INOUT);
}

static void run(ospy_spec_table *t, uint32_t fn, uint8_t *out, size_t *out_len, int ok,
                char *text, size_t cap)
{
  memcpy(out, "0123456789abcdef", 16);
  callee_data d = { out, out_len, ok };
  tt_call k;
  tt_call_init(&k);
  tt_int(&k, 3, 4);
  tt_int(&k, 0xc0de, 4);
  tt_int(&k, P("ping"), sizeof(void *));
  tt_int(&k, 4, sizeof(size_t));
  tt_int(&k, P(out), sizeof(void *));
  tt_int(&k, 16, sizeof(size_t));
  tt_int(&k, P(out_len), sizeof(void *));
  tt_done(&k, 0);
  tt_run(t, fn, &k, ok ? 1 : 0, dev_control_callee, &d, 65536, text, cap);
}

typedef struct seen_out {
  int n;            /* values named out */
  int kind;
  uint64_t why, address;
} seen_out;

static int note_out(const ospy_value *v, void *data)
{
  seen_out *s = data;
  if (v->depth == 0 && v->name && !strcmp(v->name, "out")) {
    s->n++;
    s->kind = v->kind;
    s->why = v->u;
    s->address = v->address;
  }
  return 0;
}

/* demo.xml's dev_control: out is an out argument (written, not read), its
 * condition false when the call fails. The leave blob holds its address
 * (NOT_FOLLOWED, OSPY_VB_NOT_LOGGED), as oSpy's agent wrote every
 * parameter's: the exports write it (it was an empty argument); show, which
 * leaves an argument whose condition failed out, shows what it showed. */
static void test_out_only_not_logged(ospy_spec_table *t, uint8_t *out, size_t *out_len)
{
  static char text[4096];
  uint32_t fn = dev_control_spec_dir(t, "reg.eax != 0", "dev_control_out", OSPY_DIR_OUT);
  tt_prepare(t);
  run(t, fn, out, out_len, 0, text, sizeof text);
  CHECK_STR(text, "(fd=3, code=0xc0de, in=\"ping\", in_len=4, out_cap=16, "
                  "out_len=[2147483647]) = 0");
  size_t n;
  const uint8_t *blob = tt_leave_blob(&n);
  const ospy_spec_fn *f = ospy_spec_table_fn(t, fn);
  static const ospy_value_visitor vis = { note_out, NULL };
  char err[128];
  seen_out all = { 0 }, shown = { 0 };
  CHECK(ospy_values_decode_all(f, blob, n, &vis, &all, err, sizeof err) == 0);
  CHECK(ospy_values_decode(f, blob, n, &vis, &shown, err, sizeof err) == 0);
  if (all.n != 1 || all.kind != OSPY_VALUE_NOT_FOLLOWED || all.why != OSPY_VB_NOT_LOGGED ||
      all.address != P(out) || shown.n != 0) {
    fprintf(stderr, "out-only, condition false: expected its address %#llx alone "
            "(NOT_FOLLOWED, why %d) in the leave blob, hidden from ospy_values_decode; "
            "got %d value(s), kind %d, why %llu, address %#llx; shown %d\n",
            (unsigned long long)P(out), OSPY_VB_NOT_LOGGED, all.n, all.kind,
            (unsigned long long)all.why, (unsigned long long)all.address, shown.n);
    CHECK(0);
  }
  run(t, fn, out, out_len, 1, text, sizeof text);
  CHECK_STR(text, "(fd=3, code=0xc0de, in=\"ping\", in_len=4, out=\"pong!\", out_cap=16, "
                  "out_len=[5]) = 1");
}

void test_seed(void)
{
  static const char *const conds[] = {
    "retval != 0",
#if defined(__x86_64__)
    "reg.rax != 0",
#endif
    "reg.eax != 0", /* word for word the seed's condition */
  };
  static char text[4096];
  long pg = sysconf(_SC_PAGESIZE);
  uint8_t *page = mmap(NULL, 2 * (size_t)pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                       -1, 0);
  CHECK(page != MAP_FAILED);
  CHECK(mprotect(page + pg, (size_t)pg, PROT_NONE) == 0);
  uint8_t *out = page + pg - 16; /* the guard page follows the 16-byte buffer */
  size_t out_len = 0;
  ospy_spec_table *t = tt_table();
  for (size_t i = 0; i < sizeof conds / sizeof *conds; i++) {
    uint32_t fn = dev_control_spec(t, conds[i]);
    tt_prepare(t);
    run(t, fn, out, &out_len, 0, text, sizeof text);
    CHECK_STR(text, "(fd=3, code=0xc0de, in=\"ping\", in_len=4, out=\"0123456789abcdef\", "
                    "out_cap=16, out_len=[2147483647]) = 0");
    run(t, fn, out, &out_len, 1, text, sizeof text);
    CHECK_STR(text, "(fd=3, code=0xc0de, in=\"ping\", in_len=4, "
                    "out=\"0123456789abcdef\" => \"pong!\", out_cap=16, out_len=[5]) = 1");
  }
  test_out_only_not_logged(t, out, &out_len);
  /* The seed's original config, without the condition: capped and cut, no crash. */
  uint32_t fn = dev_control_spec(t, NULL);
  tt_prepare(t);
  run(t, fn, out, &out_len, 0, text, sizeof text);
  CHECK_STR(text, "(fd=3, code=0xc0de, in=\"ping\", in_len=4, out=\"0123456789abcdef\" => "
                  "\"0123456789abcdef\"<unreadable after 16 bytes>(16 of 2147483647 bytes), "
                  "out_cap=16, out_len=[2147483647]) = 0");
  ospy_marshal_release(t);
  ospy_spec_table_free(t);
  munmap(page, 2 * (size_t)pg);
}
