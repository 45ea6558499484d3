/* Computed arguments (value="EXPR") and null-terminated arrays
   (nullTerminated="true"), marshaled from known values on x86-64 and i386
   and checked through the reader's text. */
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

#include "marshal_test.h"

#define IN OSPY_DIR_IN
#define OUT OSPY_DIR_OUT
#define INOUT OSPY_DIR_INOUT
#define P(x) ((uint64_t)(uintptr_t)(x))

static char text[1 << 16];

/* A computed argument takes no parameter position: the parameters after it
   are the next words (registers on x86-64, stack slots on i386, including an
   Int64's two slots). An in value is computed at enter, an out value at
   leave (it may use the return value), an in/out value at both. Later
   expressions see a computed argument as arg.NAME. */
static void test_computed(void)
{
  ospy_spec_table *t = tt_table();
  static const char *const dn[] = { "NONE", "WRITE", "READ", "RW" };
  static const uint64_t dv[] = { 0, 1, 2, 3 };
  tt_enum(t, "Dir", 0, dn, dv, 4);
  uint32_t fn = tt_fn(t, "ioctl_like", "Int32");
  tt_arg(t, fn, "request", IN, "UInt32")->t.hex = 1;
  tt_arg(t, fn, "dir", IN, "Dir")->value.src = "(arg.request >> 30) & 3";
  tt_arg(t, fn, "wide", IN, "Int64");
  tt_arg(t, fn, "size", IN, "UInt16")->value.src = "(arg.request >> 16) & 0x3fff";
  tt_arg(t, fn, "buf", IN, "ByteArrayPtr")->size_in.src = "arg.size";
  tt_arg(t, fn, "seen", INOUT, "Int32")->value.src = "(i32)retval";
  tt_arg(t, fn, "tail", IN, "Int32");
  tt_arg(t, fn, "fault", OUT, "UInt32")->value.src = "u32[arg.tail]";
  tt_prepare(t);
  tt_call k;
  tt_call_init(&k);
  tt_int(&k, 0x80045403u, 4);
  tt_int(&k, (uint64_t)-5, 8);
  tt_int(&k, P("abcdefgh"), sizeof(void *));
  tt_int(&k, 16, 4);
  tt_done(&k, 0);
  tt_run(t, fn, &k, (uint64_t)-7, NULL, NULL, 65536, text, sizeof text);
  CHECK_STR(text, "(request=0x80045403, dir=READ, wide=-5, size=4, buf=\"abcd\", seen=0 => -7, "
                  "tail=16, fault=?) = -7");
  ospy_marshal_release(t);
  ospy_spec_table_free(t);
}

/* A computed argument whose read faulted is missing, not 0: an expression
   that uses it faults as well, at enter and at leave (the call's state keeps
   which were missing): a condition on it is false (arg.cv == 0 must not
   hold), a size from it unavailable, a computed argument from it `?`. */
static void test_computed_fault_propagates(void)
{
  ospy_spec_table *t = tt_table();
  uint32_t fn = tt_fn(t, "target", "Int32");
  tt_arg(t, fn, "p", IN, "Pointer");
  tt_arg(t, fn, "cv", IN, "Int32")->value.src = "i32[arg.p] / 100";
  tt_arg(t, fn, "twice", INOUT, "Int32")->value.src = "arg.cv * 2";
  tt_arg(t, fn, "buf", INOUT, "ByteArrayPtr")->size_in.src = "arg.cv";
  tt_arg(t, fn, "n", IN, "Int32")->cond.src = "arg.cv == 0";
  t->fns[fn].cond.src = "arg.cv == 0";
  tt_prepare(t);
  static int32_t cells[2] = { 250, 0 };
  for (int i = 0; i < 3; i++) {
    uint64_t p = i == 0 ? 0 : P(&cells[i - 1]); /* NULL: cv cannot be read */
    tt_call k;
    tt_call_init(&k);
    tt_int(&k, p, sizeof(void *));
    tt_int(&k, P("abcdef"), sizeof(void *));
    tt_int(&k, 9, 4);
    tt_done(&k, 0);
    /* (arg.cv, an in value: decided at entry) */
    int logged = ospy_marshal_should_log_at_entry(&t->fns[fn], &k.c);
    tt_run(t, fn, &k, 1, NULL, NULL, 65536, text, sizeof text);
    CHECK(ospy_marshal_should_log(&t->fns[fn], &k.c) == 1);
    char want[256];
    if (i == 0)
      snprintf(want, sizeof want, "(p=0x0, cv=?, twice=? => ?, buf=? => ?) = 1");
    else if (i == 1)
      snprintf(want, sizeof want, "(p=%p, cv=2, twice=4 => 4, buf=\"ab\" => \"ab\") = 1",
               (void *)&cells[0]);
    else
      snprintf(want, sizeof want, "(p=%p, cv=0, twice=0 => 0, buf=\"\" => \"\", n=9) = 1",
               (void *)&cells[1]);
    CHECK_STR(text, want);
    CHECK(logged == (i == 2));
  }
  ospy_marshal_release(t);
  ospy_spec_table_free(t);
}

/* An out computed argument (got = retval) is computed when the call
   returns, before anything at leave reads it: an out buffer's size, a
   later out value, the function's logCondition and errorCondition see the
   returned value (they saw its value at entry, 0: fill(b="", ...) and a
   condition arg.got == 0 that always held). A size from it is a size from
   the return value: -1 is 0 bytes. At entry it has no value: an in size
   from it is unavailable (the config refuses it), an in argument's
   condition on it holds there, as one on retval; a call that did not return
   has none either (its condition on it cannot be decided: recorded). */
static void test_computed_at_return(void)
{
  ospy_spec_table *t = tt_table();
  uint32_t fn = tt_fn(t, "fill", "Int32");
  tt_arg(t, fn, "b", OUT, "ByteArrayPtr")->size_out.src = "arg.got";
  tt_arg(t, fn, "in", IN, "ByteArrayPtr")->size_in.src = "arg.got + 2";
  tt_arg(t, fn, "n", IN, "Int32")->cond.src = "arg.got == 0";
  tt_arg(t, fn, "got", OUT, "Int32")->value.src = "retval";
  tt_arg(t, fn, "twice", OUT, "Int32")->value.src = "arg.got * 2";
  t->fns[fn].cond.src = "arg.twice != 6";
  t->fns[fn].error_cond.src = "arg.got < 0";
  /* given up (longjmp): no context, no return value (n in/out: a
     condition reading it is decided at return, arg.n == 5 at entry) */
  uint32_t gu = tt_fn(t, "given_up", "Int32");
  tt_arg(t, gu, "n", INOUT, "Int32");
  tt_arg(t, gu, "r", OUT, "Int32")->value.src = "reg.eax + arg.n";
  t->fns[gu].cond.src = "arg.n == 5";
  uint32_t gr = tt_fn(t, "given_up_r", "Int32");
  tt_arg(t, gr, "n", IN, "Int32");
  tt_arg(t, gr, "r", OUT, "Int32")->value.src = "retval";
  t->fns[gr].cond.src = "arg.r == 0";
  tt_prepare(t);
  static const struct { int32_t ret; const char *want; int logged, failed; } cases[] = {
    { 3, "(b=\"abc\", in=?, n=5, got=3, twice=6) = 3", 0, 0 },
    { 5, "(b=\"abcde\", in=?, n=5, got=5, twice=10) = 5", 1, 0 },
    { -1, "(b=\"\", in=?, n=5, got=-1, twice=-2) = -1", 1, 1 },
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    tt_call k;
    tt_call_init(&k);
    tt_int(&k, P("abcdefgh"), sizeof(void *));
    tt_int(&k, P("xyz"), sizeof(void *));
    tt_int(&k, 5, 4);
    tt_done(&k, 0);
    tt_run(t, fn, &k, (uint64_t)(int64_t)cases[i].ret, NULL, NULL, 65536, text, sizeof text);
    printf("  fill%s\n", text);
    CHECK_STR(text, cases[i].want);
    CHECK(ospy_marshal_should_log(&t->fns[fn], &k.c) == cases[i].logged);
    CHECK(ospy_marshal_failed(&t->fns[fn], &k.c) == cases[i].failed);
  }
  /* calls that did not return: their out values were never computed (a
     condition on one is undecided: recorded), and none is computed then */
  static uint8_t blob[4096];
  for (int n = 4; n <= 5; n++)
    for (int with_r = 0; with_r < 2; with_r++) {
      const ospy_spec_fn *f = &t->fns[with_r ? gr : gu];
      tt_call k;
      tt_call_init(&k);
      tt_int(&k, (uint64_t)n, 4);
      tt_done(&k, 0);
      ospy_marshal_enter(f, &k.c, blob, sizeof blob, 65536);
      k.c.ctx = NULL;
      CHECK(ospy_marshal_should_log_unreturned(f, &k.c) == (with_r || n == 5));
    }
  ospy_marshal_release(t);
  ospy_spec_table_free(t);
}

static uint8_t *guard_pages(void)
{
  long pg = sysconf(_SC_PAGESIZE);
  uint8_t *p = mmap(NULL, 2 * (size_t)pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1,
                    0);
  CHECK(p != MAP_FAILED);
  memset(p, 'x', (size_t)pg);
  CHECK(mprotect(p + pg, (size_t)pg, PROT_NONE) == 0);
  return p;
}

static ospy_spec_arg *strv_arg(ospy_spec_table *t, uint32_t fn, const char *name,
                               const char *count)
{
  ospy_spec_arg *a = tt_arg(t, fn, name, IN, "ArrayPtr");
  a->t.elem_type = OSPY_BT_ASCIISTRING;
  a->t.elem_ptr = 1;
  a->t.null_term = 1;
  a->count_in.src = count;
  return a;
}

/* Null-terminated arrays: end before the first NULL; elementCount bounds
   them (no NULL within it: shown cut); without elementCount at most 1024
   elements; an array running into unmapped memory stops there; an array of
   structures ends at the first all-zero structure. */
static void test_null_terminated(void)
{
  ospy_spec_table *t = tt_table();
  uint32_t pr = tt_struct(t, "Pair", 2);
  tt_field(t, pr, 0, "k", 0, "Int32");
  tt_field(t, pr, 1, "v", 4, "Int32");
  uint32_t fn = tt_fn(t, "exec_like", NULL);
  strv_arg(t, fn, "argv", "8");
  strv_arg(t, fn, "cut", "2");
  strv_arg(t, fn, "none", NULL);
  strv_arg(t, fn, "empty", "8");
  strv_arg(t, fn, "exact", "2");
  ospy_spec_arg *pa = tt_arg(t, fn, "pairs", IN, "ArrayPtr");
  pa->t.elem_type = pr;
  pa->t.null_term = 1;
  tt_prepare(t);
  const char *argv[] = { "ls", "-l", NULL, "after" };
  const char *cut[] = { "a", "b", "c", NULL };
  static const char *many[1100];
  for (size_t i = 0; i < sizeof many / sizeof *many; i++)
    many[i] = "m";
  const char *empty[] = { NULL, "x" };
  const char *exact[] = { "p", "q", NULL }; /* the NULL just past elementCount */
  int32_t pairs[] = { 1, 0, 0, 2, 0, 0, 3, 3 };
  tt_call k;
  tt_call_init(&k);
  tt_int(&k, P(argv), sizeof(void *));
  tt_int(&k, P(cut), sizeof(void *));
  tt_int(&k, P(many), sizeof(void *));
  tt_int(&k, P(empty), sizeof(void *));
  tt_int(&k, P(exact), sizeof(void *));
  tt_int(&k, P(pairs), sizeof(void *));
  tt_done(&k, 0);
  tt_run(t, fn, &k, 0, NULL, NULL, 65536, text, sizeof text);
  CHECK(!strncmp(text, "(argv=[\"ls\", \"-l\"], cut=[\"a\", \"b\", ...], none=[\"m\", ", 49));
  size_t nm = 0;
  for (const char *s = strstr(text, "none=["); s && *s && *s != ']'; s++)
    nm += *s == '"';
  CHECK(nm == 2 * 1024);
  CHECK(strstr(text, "\"m\", ...], empty=[], exact=[\"p\", \"q\"], pairs=[{k=1, v=0}, {k=0, v=2}])") != NULL);
  /* the value cap stops a long array first: it is shown cut */
  tt_run(t, fn, &k, 0, NULL, NULL, 40, text, sizeof text);
  CHECK(strstr(text, "none=[\"m\", ") && strstr(text, ", ...], empty=[]"));
  ospy_marshal_release(t);
  ospy_spec_table_free(t);

  /* pointers up to a guard page, no NULL: the element beyond is unreadable */
  t = tt_table();
  fn = tt_fn(t, "guard", NULL);
  strv_arg(t, fn, "v", NULL);
  tt_prepare(t);
  long pg = sysconf(_SC_PAGESIZE);
  uint8_t *p = guard_pages();
  const char **slots = (const char **)(p + pg - 2 * sizeof(char *));
  slots[0] = "y";
  slots[1] = "z";
  tt_call_init(&k);
  tt_int(&k, P(slots), sizeof(void *));
  tt_done(&k, 0);
  tt_run(t, fn, &k, 0, NULL, NULL, 65536, text, sizeof text);
  char want[128];
  snprintf(want, sizeof want, "(v=[\"y\", \"z\", <unreadable at %p>])", (void *)(p + pg));
  CHECK_STR(text, want);
  munmap(p, 2 * (size_t)pg);
  ospy_marshal_release(t);
  ospy_spec_table_free(t);
}

void test_computed_all(void);

void test_computed_all(void)
{
  test_computed();
  test_computed_fault_propagates();
  test_computed_at_return();
  test_null_terminated();
}
