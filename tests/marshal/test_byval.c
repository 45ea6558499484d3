/* Structures passed and returned by value (a structure type used without
 * Ptr): where the ABI puts them (plan/spec_abi.h), as the agent reads them,
 * and the arguments after them. Each call is laid out as GCC lays it out
 * (gcc -O2 -S of `struct pt mk(int, int)`, `int take(struct pt)`...): the
 * old agent read a structure argument's first word as its address
 * (`p=<unreadable at 0xffffffea0000000b>`) and the arguments after a
 * structure, or after a hidden result pointer, one word off. */
#include <stdint.h>
#include <string.h>

#include "marshal_test.h"
#include "plan/spec_abi.h"
#include "plan/values.h"

#define IN OSPY_DIR_IN
#define P(x) ((uint64_t)(uintptr_t)(x))

static char text[4096];

/* The structures of these tests, laid out for the table's pointer size. */
typedef struct types {
  uint32_t pt, mix, d2, big, named, f3, dl;
} types;

static types declare(ospy_spec_table *t)
{
  types y;
  y.pt = tt_struct(t, "Pt", 2); /* struct { int x, y; }: 8 bytes */
  tt_field(t, y.pt, 0, "x", 0, "Int32");
  tt_field(t, y.pt, 1, "y", 4, "Int32");
  y.mix = tt_struct(t, "Mix", 3); /* struct { int a; float f; double d; } */
  tt_field(t, y.mix, 0, "a", 0, "Int32");
  tt_field(t, y.mix, 1, "f", 4, "Float");
  tt_field(t, y.mix, 2, "d", 8, "Double");
  y.d2 = tt_struct(t, "D2", 2); /* struct { double a, b; } */
  tt_field(t, y.d2, 0, "a", 0, "Double");
  tt_field(t, y.d2, 1, "b", 8, "Double");
  y.big = tt_struct(t, "Big", 3); /* struct { long long a, b, c; }: 24 bytes */
  tt_field(t, y.big, 0, "a", 0, "Int64");
  tt_field(t, y.big, 1, "b", 8, "Int64");
  tt_field(t, y.big, 2, "c", 16, "Int64");
  unsigned ps = t->ptr_size;
  y.named = tt_struct(t, "Named", 2); /* struct { const char *name; int len; } */
  tt_field(t, y.named, 0, "name", 0, "AsciiStringPtr");
  tt_field(t, y.named, 1, "len", ps, "Int32");
  t->types[y.named].size = 2 * ps;
  y.f3 = tt_struct(t, "F3", 1); /* struct { float v[3]; }: xmm0 holds v[0], v[1] */
  ospy_spec_field *v = tt_field(t, y.f3, 0, "v", 0, "Array");
  v->t.elem_type = tt_type(t, "Float").type;
  v->size = 3;
  t->types[y.f3].size = 12;
  y.dl = tt_struct(t, "DL", 2); /* struct { double d; long l; }: xmm0 and rax */
  tt_field(t, y.dl, 0, "d", 0, "Double");
  tt_field(t, y.dl, 1, "l", 8, "Int64");
  return y;
}

/* ---- the classification, for either target (no call made) ---- */

static void expect_class(const ospy_spec_table *t, uint32_t type, int in_memory, unsigned n,
                         int c0, int c1, int problem)
{
  ospy_abi_struct s = ospy_abi_classify(t, type);
  CHECK(s.in_memory == in_memory);
  CHECK(s.n == n);
  CHECK(s.cls[0] == c0);
  CHECK(s.cls[1] == c1);
  CHECK(s.problem == problem);
}

static void test_classify(void)
{
  ospy_spec_table *t = ospy_spec_table_new(8);
  types y = declare(t);
  enum { M = 1, R = 0, I = OSPY_ABI_INTEGER, S = OSPY_ABI_SSE, N = OSPY_ABI_NO_CLASS };
  expect_class(t, y.pt, R, 1, I, N, 0);
  expect_class(t, y.mix, R, 2, I, S, 0);  /* int and float share an eightbyte: INTEGER */
  expect_class(t, y.d2, R, 2, S, S, 0);
  expect_class(t, y.big, M, 0, N, N, 0);  /* more than 16 bytes */
  expect_class(t, y.named, R, 2, I, I, 0);
  expect_class(t, y.f3, R, 2, S, S, 0);   /* an inline array's elements */
  expect_class(t, y.dl, R, 2, S, I, 0);
  /* a union (two fields at one offset): INTEGER wins */
  uint32_t u = tt_struct(t, "U", 3);
  tt_field(t, u, 0, "i", 0, "Int32");
  tt_field(t, u, 1, "f", 0, "Float");
  tt_field(t, u, 2, "g", 4, "Float");
  expect_class(t, u, R, 1, I, N, 0);
  /* a nested structure: its fields at their offsets in the outer one */
  uint32_t nest = tt_struct(t, "Nest", 2);
  tt_field(t, nest, 0, "id", 0, "Int64");
  tt_field(t, nest, 1, "p", 8, "F3");
  t->types[nest].size = 20; /* 24 in C: memory either way */
  expect_class(t, nest, M, 0, N, N, 0);
  uint32_t nest2 = tt_struct(t, "Nest2", 2);
  tt_field(t, nest2, 0, "f", 0, "Float");
  tt_field(t, nest2, 1, "pt", 4, "Pt"); /* (unaligned in C: an int at 4 is fine) */
  t->types[nest2].size = 12;
  expect_class(t, nest2, R, 2, I, I, 0);
  /* packed: an Int32 at offset 1 is unaligned, the structure in memory */
  uint32_t pk = tt_struct(t, "Pk", 2);
  tt_field(t, pk, 0, "c", 0, "Int8");
  tt_field(t, pk, 1, "i", 1, "Int32");
  expect_class(t, pk, M, 0, N, N, 0);
  /* size="16" beyond its one field: the second eightbyte's class unknown */
  uint32_t und = tt_struct(t, "Und", 1);
  tt_field(t, und, 0, "a", 0, "Int32");
  t->types[und].size = 16;
  ospy_abi_struct s = ospy_abi_classify(t, und);
  CHECK(s.problem == OSPY_ABI_UNDESCRIBED && s.undescribed == 1);
  ospy_spec_table_free(t);
  /* i386: every structure by value is in memory */
  t = ospy_spec_table_new(4);
  y = declare(t);
  expect_class(t, y.pt, M, 0, N, N, 0);
  expect_class(t, y.d2, M, 0, N, N, 0);
  ospy_spec_table_free(t);
}

/* The walk of a spec's arguments, as check prints it and the agent reads. */
static void test_locations(void)
{
  ospy_spec_table *t = ospy_spec_table_new(8);
  declare(t);
  uint32_t fn = tt_fn(t, "f", "Big"); /* returned in memory: rdi is its address */
  tt_arg(t, fn, "p", IN, "Pt");
  tt_arg(t, fn, "m", IN, "Mix");
  tt_arg(t, fn, "b", IN, "Big");
  tt_arg(t, fn, "x", IN, "Int32");
  ospy_abi_walk w;
  ospy_abi_start(&w, &t->fns[fn]);
  ospy_abi_loc l = ospy_abi_next(&w, 0);
  CHECK(l.kind == OSPY_LOC_STRUCT_REGS && l.n == 1 && l.reg[0] == 1); /* rsi */
  l = ospy_abi_next(&w, 1);
  /* rdx, xmm0 */
  CHECK(l.kind == OSPY_LOC_STRUCT_REGS && l.n == 2 && l.reg[0] == 2 && l.reg[1] == 0);
  l = ospy_abi_next(&w, 2);
  CHECK(l.kind == OSPY_LOC_STRUCT_STACK && l.stack == 0 && l.words == 3);
  l = ospy_abi_next(&w, 3);
  CHECK(l.kind == OSPY_LOC_GP && l.reg[0] == 3); /* rcx */
  CHECK(ospy_abi_return(&t->fns[fn]).kind == OSPY_LOC_STRUCT_MEMORY);
  ospy_spec_table_free(t);
}

/* ---- calls ---- */

#if defined(__x86_64__)
static uint64_t f32_bits(float f)
{
  uint32_t b;
  memcpy(&b, &f, 4);
  return b;
}

static uint64_t f64_bits(double d)
{
  uint64_t b;
  memcpy(&b, &d, 8);
  return b;
}

static void sse_word(tt_call *k, uint64_t bits) { k->ctx.xmm[k->nsse++][0] = bits; }

/* Arguments at leave are gone: what the callee leaves in the registers is
 * not what was passed (the copies made at entry are shown). */
static void clobber(void *data)
{
  tt_call *k = data;
  memset(k->ctx.xmm, 0x5a, sizeof k->ctx.xmm);
  k->ctx.rdx = 0x5a5a5a5a5a5a5a5aull;
}

static void test_x86_64_args(void)
{
  ospy_spec_table *t = tt_table();
  declare(t);
  /* int f1(struct pt p, int after, struct mix m, struct big b, double z,
   *        struct named n, int last) */
  uint32_t fn = tt_fn(t, "f1", "Int32");
  tt_arg(t, fn, "p", IN, "Pt");
  tt_arg(t, fn, "after", IN, "Int32");
  tt_arg(t, fn, "m", IN, "Mix");
  tt_arg(t, fn, "b", IN, "Big");
  tt_arg(t, fn, "z", IN, "Double");
  tt_arg(t, fn, "n", IN, "Named");
  tt_arg(t, fn, "last", IN, "Int32");
  /* (retval: decided at return) */
  t->fns[fn].cond.src = "retval == 5 && i32[arg.p + 4] == -22 && i32[arg.n + 8] == 2";
  tt_prepare(t);
  static const char name[] = "hi";
  tt_call k;
  tt_call_init(&k);
  tt_int(&k, 11 | (uint64_t)(uint32_t)-22 << 32, 8); /* rdi: p */
  tt_int(&k, 7, 4);                                 /* rsi: after */
  tt_int(&k, 1 | f32_bits(1.5f) << 32, 8);          /* rdx: m.a, m.f */
  sse_word(&k, f64_bits(2.25));                      /* xmm0: m.d */
  sse_word(&k, f64_bits(0.5));                       /* xmm1: z */
  tt_int(&k, P(name), 8);                            /* rcx, r8: n */
  tt_int(&k, 2, 4);
  tt_int(&k, 9, 4);                                  /* r9: last */
  tt_int(&k, 100, 8);                                /* stack: b */
  tt_int(&k, 200, 8);
  tt_int(&k, (uint64_t)-300, 8);
  tt_done(&k, 0);
  tt_run(t, fn, &k, 5, clobber, &k, 65536, text, sizeof text);
  CHECK_STR(text, "(p={x=11, y=-22}, after=7, m={a=1, f=1.5, d=2.25}, "
                  "b={a=100, b=200, c=-300}, z=0.5, n={name=\"hi\", len=2}, last=9) = 5");
  /* arg.p is the address of the copy made at entry: it still reads the
   * structure at return, whatever the registers hold then */
  CHECK(ospy_marshal_should_log(&t->fns[fn], &k.c) == 1);
  ospy_marshal_release(t);
  ospy_spec_table_free(t);
}

/* Not enough registers left for a whole structure: it goes to the stack
 * and the registers stay for the arguments after it (gcc: tfull2). */
static void test_x86_64_registers_run_out(void)
{
  ospy_spec_table *t = tt_table();
  declare(t);
  uint32_t d = tt_struct(t, "L2", 2); /* struct { long a, b; } */
  tt_field(t, d, 0, "a", 0, "Int64");
  tt_field(t, d, 1, "b", 8, "Int64");
  uint32_t fn = tt_fn(t, "f2", "Int64");
  const char *names[] = { "a", "b", "c", "d", "e" };
  for (int i = 0; i < 5; i++)
    tt_arg(t, fn, names[i], IN, "Int64");
  tt_arg(t, fn, "s", IN, "L2");    /* two registers asked, r9 alone left: stack 0, 1 */
  tt_arg(t, fn, "pt", IN, "Pt");   /* r9 */
  tt_arg(t, fn, "after", IN, "Int64"); /* stack 2 */
  tt_prepare(t);
  for (int regs_only = 0; regs_only < 2; regs_only++) {
    tt_call k;
    tt_call_init(&k);
    for (int i = 1; i <= 5; i++)
      tt_int(&k, (uint64_t)i, 8);
    tt_int(&k, 3 | (uint64_t)4 << 32, 8); /* r9: pt */
    tt_int(&k, 40, 8);                    /* stack: s.a, s.b, after */
    tt_int(&k, 41, 8);
    tt_int(&k, 42, 8);
    tt_done(&k, regs_only);
    tt_run(t, fn, &k, 0, NULL, NULL, 65536, text, sizeof text);
    CHECK_STR(text, "(a=1, b=2, c=3, d=4, e=5, s={a=40, b=41}, pt={x=3, y=4}, after=42) = 0");
  }
  ospy_marshal_release(t);
  ospy_spec_table_free(t);
}

typedef struct ret_regs {
  tt_call *k;
  uint64_t rdx, xmm0, xmm1;
} ret_regs;

static void set_ret_regs(void *data)
{
  ret_regs *r = data;
  r->k->ctx.rdx = r->rdx;
  r->k->ctx.xmm[0][0] = r->xmm0;
  r->k->ctx.xmm[1][0] = r->xmm1;
}

static const char *run_ret(ospy_spec_table *t, uint32_t fn, uint64_t rax, uint64_t rdx,
                           uint64_t xmm0, uint64_t xmm1)
{
  static tt_call k;
  tt_call_init(&k);
  tt_int(&k, 6, 4);
  tt_done(&k, 0);
  ret_regs r = { &k, rdx, xmm0, xmm1 };
  tt_run(t, fn, &k, rax, set_ret_regs, &r, 65536, text, sizeof text);
  return text;
}

static void test_x86_64_returns(void)
{
  ospy_spec_table *t = tt_table();
  declare(t);
  uint32_t pt = tt_fn(t, "r_pt", "Pt"), mix = tt_fn(t, "r_mix", "Mix");
  uint32_t d2 = tt_fn(t, "r_d2", "D2"), dl = tt_fn(t, "r_dl", "DL"), f3 = tt_fn(t, "r_f3", "F3");
  uint32_t fns[] = { pt, mix, d2, dl, f3 };
  for (unsigned i = 0; i < 5; i++)
    tt_arg(t, fns[i], "x", IN, "Int32");
  tt_prepare(t);
  CHECK_STR(run_ret(t, pt, 11 | (uint64_t)(uint32_t)-22 << 32, 0, 0, 0), "(x=6) = {x=11, y=-22}");
  CHECK_STR(run_ret(t, mix, 1 | f32_bits(1.5f) << 32, 0, f64_bits(2.25), 0),
            "(x=6) = {a=1, f=1.5, d=2.25}");
  CHECK_STR(run_ret(t, d2, 0, 0, f64_bits(0.5), f64_bits(-4)), "(x=6) = {a=0.5, b=-4}");
  CHECK_STR(run_ret(t, dl, 77, 0, f64_bits(0.25), 0), "(x=6) = {d=0.25, l=77}");
  CHECK_STR(run_ret(t, f3, 0, 0, f32_bits(1) | f32_bits(2) << 32, f32_bits(3)),
            "(x=6) = {v=[1, 2, 3]}");
  ospy_marshal_release(t);
  ospy_spec_table_free(t);
}

/* A structure returned in memory: the caller's buffer in rdi, returned in
 * rax; the arguments start at rsi (a method's `this` there, they at rdx). */
static int64_t big_result[3];

static void fill_big(void *data)
{
  (void)data;
  big_result[0] = 1;
  big_result[1] = -2;
  big_result[2] = 3;
}

static void test_x86_64_hidden_pointer(void)
{
  ospy_spec_table *t = tt_table();
  declare(t);
  uint32_t fn = tt_fn(t, "r_big", "Big");
  tt_arg(t, fn, "x", IN, "Int32");
  tt_arg(t, fn, "p", IN, "Pt");
  uint32_t m = tt_fn(t, "V::r_big", "Big");
  t->fns[m].is_method = 1;
  tt_arg(t, m, "x", IN, "Int32");
  tt_prepare(t);
  memset(big_result, 0, sizeof big_result);
  tt_call k;
  tt_call_init(&k);
  tt_int(&k, P(big_result), 8); /* rdi */
  tt_int(&k, 6, 4);             /* rsi: x */
  tt_int(&k, 8 | (uint64_t)9 << 32, 8);
  tt_done(&k, 0);
  tt_run(t, fn, &k, P(big_result), fill_big, NULL, 65536, text, sizeof text);
  CHECK_STR(text, "(x=6, p={x=8, y=9}) = {a=1, b=-2, c=3}");
  tt_call_init(&k);
  tt_int(&k, P(big_result), 8); /* rdi */
  tt_int(&k, 0x1000, 8);        /* rsi: this */
  tt_int(&k, 6, 4);             /* rdx: x */
  tt_done(&k, 0);
  tt_run(t, m, &k, P(big_result), fill_big, NULL, 65536, text, sizeof text);
  CHECK_STR(text, "(x=6) = {a=1, b=-2, c=3}");
  ospy_marshal_release(t);
  ospy_spec_table_free(t);
}
#else
/* i386: every structure by value on the stack, ceil(size / 4) words; every
 * structure returned in memory, its address the first stack word. */
static void test_i386_args(void)
{
  ospy_spec_table *t = tt_table();
  declare(t);
  uint32_t pk = tt_struct(t, "Pk", 2); /* packed { char c; int i; }: 5 bytes, 2 words */
  tt_field(t, pk, 0, "c", 0, "Int8");
  tt_field(t, pk, 1, "i", 1, "Int32");
  uint32_t fn = tt_fn(t, "f1", "Int32");
  tt_arg(t, fn, "p", IN, "Pt");
  tt_arg(t, fn, "after", IN, "Int32");
  tt_arg(t, fn, "b", IN, "Big");
  tt_arg(t, fn, "z", IN, "Double");
  tt_arg(t, fn, "k", IN, "Pk");
  tt_arg(t, fn, "n", IN, "Named");
  tt_arg(t, fn, "last", IN, "Int32");
  t->fns[fn].callconv = OSPY_CALLCONV_STDCALL; /* the same layout: the callee pops it */
  tt_prepare(t);
  static const char name[] = "hi";
  for (int regs_only = 0; regs_only < 2; regs_only++) {
    tt_call k;
    tt_call_init(&k);
    tt_int(&k, 11, 4);
    tt_int(&k, (uint32_t)-22, 4);
    tt_int(&k, 7, 4);
    tt_int(&k, 100, 8);
    tt_int(&k, 200, 8);
    tt_int(&k, (uint64_t)-300, 8);
    tt_double(&k, 0.5);
    tt_int(&k, 'A' | 0x12345600u, 4); /* k.c, then k.i's low bytes */
    tt_int(&k, 0x78u, 4);             /* k.i's high byte, padding */
    tt_int(&k, P(name), 4);
    tt_int(&k, 2, 4);
    tt_int(&k, 9, 4);
    tt_done(&k, regs_only);
    tt_run(t, fn, &k, 5, NULL, NULL, 65536, text, sizeof text);
    CHECK_STR(text, "(p={x=11, y=-22}, after=7, b={a=100, b=200, c=-300}, z=0.5, "
                    "k={c=65, i=2014458966}, n={name=\"hi\", len=2}, last=9) = 5");
  }
  ospy_marshal_release(t);
  ospy_spec_table_free(t);
}

static int32_t pt_result[2];

static void fill_pt(void *data)
{
  (void)data;
  pt_result[0] = 11;
  pt_result[1] = -22;
}

static void test_i386_returns(void)
{
  ospy_spec_table *t = tt_table();
  declare(t);
  uint32_t fn = tt_fn(t, "mk", "Pt");
  tt_arg(t, fn, "x", IN, "Int32");
  tt_arg(t, fn, "y", IN, "Int32");
  uint32_t m = tt_fn(t, "V::mk", "Pt"); /* a method: the address, then `this` */
  t->fns[m].is_method = 1;
  tt_arg(t, m, "x", IN, "Int32");
  tt_prepare(t);
  tt_call k;
  tt_call_init(&k);
  tt_int(&k, P(pt_result), 4);
  tt_int(&k, 11, 4);
  tt_int(&k, (uint32_t)-22, 4);
  tt_done(&k, 0);
  tt_run(t, fn, &k, P(pt_result), fill_pt, NULL, 65536, text, sizeof text);
  CHECK_STR(text, "(x=11, y=-22) = {x=11, y=-22}");
  tt_call_init(&k);
  tt_int(&k, P(pt_result), 4);
  tt_int(&k, 0x1000, 4);
  tt_int(&k, 11, 4);
  tt_done(&k, 0);
  tt_run(t, m, &k, P(pt_result), fill_pt, NULL, 65536, text, sizeof text);
  CHECK_STR(text, "(x=11) = {x=11, y=-22}");
  ospy_marshal_release(t);
  ospy_spec_table_free(t);
}
#endif

/* A structure the config could not have let through (here: one whose
 * second eightbyte no field describes on x86-64, any under fastcall on
 * i386) is not decoded: `?`, never its registers or stack words taken for
 * what they are not. */
static void test_not_decoded(void)
{
  ospy_spec_table *t = tt_table();
  declare(t);
  uint32_t und = tt_struct(t, "Und", 1);
  tt_field(t, und, 0, "a", 0, "Int32");
  t->types[und].size = 16;
  uint32_t fn = tt_fn(t, "f", "Int32");
  tt_arg(t, fn, "s", IN, t->ptr_size == 8 ? "Und" : "Pt");
  if (t->ptr_size == 4)
    t->fns[fn].callconv = OSPY_CALLCONV_FASTCALL;
  tt_prepare(t);
  tt_call k;
  tt_call_init(&k);
  tt_int(&k, 1, 4);
  tt_int(&k, 2, 4);
  tt_done(&k, 0);
  tt_run(t, fn, &k, 0, NULL, NULL, 65536, text, sizeof text);
  CHECK_STR(text, "(s=?) = 0");
  ospy_marshal_release(t);
  ospy_spec_table_free(t);
}

void test_byval_all(void);
void test_byval_all(void)
{
  test_classify();
  test_locations();
#if defined(__x86_64__)
  test_x86_64_args();
  test_x86_64_registers_run_out();
  test_x86_64_returns();
  test_x86_64_hidden_pointer();
#else
  test_i386_args();
  test_i386_returns();
#endif
  test_not_decoded();
}
