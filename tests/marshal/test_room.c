/* A call's values when the blob (the ring record's room) cannot hold them
   all, and values nested past the depth limit. The arguments after a big
   value keep their values: each argument still to come keeps room for its
   scalar value or its address (a pointer whose pointee found no room is
   shown 0xADDR<no room>); a blob that ended early (a few bytes, or an older
   agent's) shows the arguments it lacks as <no room>, not as absent. A
   structure that points to itself is cut at the depth limit, shown
   0xADDR<depth limit>, not `?` (a faulted read). x86-64 and i386. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "marshal_test.h"
#include "plan/values.h"
#include "plan/values_format.h"

#define IN OSPY_DIR_IN
#define OUT OSPY_DIR_OUT
#define P(x) ((uint64_t)(uintptr_t)(x))

static char text[1 << 16];
static uint8_t blob[1 << 16], leave_blob[1 << 16];

/* "(a=..., ...) = r" of an enter blob (and a leave blob, when llen). */
static const char *call_text(const ospy_spec_fn *fn, size_t elen, size_t llen)
{
  ospy_values_format_call(fn, blob, elen, llen ? leave_blob : NULL, llen, text, sizeof text);
  return text;
}

static void expect(const char *what, const char *got, const char *want)
{
  printf("room: %s: %s\n", what, want);
  CHECK_STR(got, want);
}

/* f3(void *a, void *b, long n, int tag) with a and b 3000 bytes each
 * (size="arg.n") in a blob of 4096: a whole, b cut to what is left, n and
 * tag kept (they were dropped without a trace). */
static void test_room_for_later_args(void)
{
  ospy_spec_table *t = tt_table();
  uint32_t fn = tt_fn(t, "f3", "Int32");
  tt_arg(t, fn, "a", IN, "ByteArrayPtr")->size_in.src = "arg.n";
  tt_arg(t, fn, "b", IN, "ByteArrayPtr")->size_in.src = "arg.n";
  tt_arg(t, fn, "n", IN, "Int32");
  tt_arg(t, fn, "tag", IN, "Int32");
  tt_prepare(t);
  static uint8_t big[3000];
  memset(big, 'z', sizeof big);
  tt_call k;
  tt_call_init(&k);
  tt_int(&k, P(big), sizeof(void *));
  tt_int(&k, P(big), sizeof(void *));
  tt_int(&k, sizeof big, 4);
  tt_int(&k, 77, 4);
  tt_done(&k, 0);
  size_t n = ospy_marshal_enter(&t->fns[fn], &k.c, blob, 4096, 65536);
  CHECK(n <= 4096);
  CHECK(!(blob[3] & OSPY_VB_F_TRUNCATED)); /* every argument is in it */
  ospy_values_set_string_limit(4);
  call_text(&t->fns[fn], n, 0);
  ospy_values_set_string_limit(0);
  /* how much of b fits depends on the addresses' encoded size */
  const char *b = strstr(text, "b=\"zzzz\"...(");
  unsigned got = 0;
  CHECK(b && sscanf(b, "b=\"zzzz\"...(%u of 3000 bytes)", &got) == 1 && got > 1000 && got < 3000);
  char want[128];
  snprintf(want, sizeof want, "(a=\"zzzz\"..., b=\"zzzz\"...(%u of 3000 bytes), n=3000, tag=77)",
           got);
  expect("a 3000-byte a and b in 4096 bytes", text, want);
  ospy_marshal_release(t);
  ospy_spec_table_free(t);
}

/* Ten buffers of 1 TiB asked for (size="arg.n", an Int64), at most 1000
 * bytes each (the value cap), in a blob of 4096 bytes: the first three
 * whole, the fourth cut to what is left, the others their addresses
 * (<no room>), and n kept. */
static void test_room_many_buffers(void)
{
  ospy_spec_table *t = tt_table();
  uint32_t fn = tt_fn(t, "many", "Int32");
  static const char *const names[] = { "a", "b", "c", "d", "e", "f", "g", "h", "i", "j" };
  for (int i = 0; i < 10; i++)
    tt_arg(t, fn, names[i], IN, "ByteArrayPtr")->size_in.src = "arg.n";
  tt_arg(t, fn, "n", IN, "Int64");
  tt_prepare(t);
  static uint8_t big[1 << 12];
  memset(big, 'z', sizeof big);
  tt_call k;
  tt_call_init(&k);
  for (int i = 0; i < 10; i++)
    tt_int(&k, P(big + i), sizeof(void *));
  tt_int(&k, 1ull << 40, 8);
  tt_done(&k, 0);
  size_t n = ospy_marshal_enter(&t->fns[fn], &k.c, blob, 4096, 1000);
  CHECK(n <= 4096 && !(blob[3] & OSPY_VB_F_TRUNCATED));
  ospy_values_set_string_limit(2);
  call_text(&t->fns[fn], n, 0);
  ospy_values_set_string_limit(0);
  const char *d = strstr(text, "d=\"zz\"...(");
  unsigned got = 0;
  CHECK(d && sscanf(d, "d=\"zz\"...(%u of", &got) == 1 && got > 0 && got < 1000);
  char want[1024];
  int len = snprintf(want, sizeof want, "(");
  for (int i = 0; i < 10; i++) {
    const char *sep = i ? ", " : "";
    if (i < 4)
      len += snprintf(want + len, sizeof want - (size_t)len,
                      "%s%s=\"zz\"...(%u of 1099511627776 bytes)", sep, names[i],
                      i < 3 ? 1000u : got);
    else
      len += snprintf(want + len, sizeof want - (size_t)len, "%s%s=0x%llx<no room>", sep,
                      names[i], (unsigned long long)P(big + i));
  }
  snprintf(want + len, sizeof want - (size_t)len, ", n=1099511627776)");
  expect("ten big buffers in 4096 bytes", text, want);
  ospy_marshal_release(t);
  ospy_spec_table_free(t);
}

static int32_t filled_count;
static uint8_t filled[3000];

static void fill_out(void *data)
{
  (void)data;
  memset(filled, 'o', sizeof filled);
  filled_count = 5;
}

/* At return likewise: two out buffers of 3000 bytes in a leave blob of 4096,
 * then an out Int32Ptr and the return value, kept. */
static void test_room_at_return(void)
{
  ospy_spec_table *t = tt_table();
  uint32_t fn = tt_fn(t, "rd", "Int32");
  tt_arg(t, fn, "a", OUT, "ByteArrayPtr")->size_out.src = "arg.n";
  tt_arg(t, fn, "b", OUT, "ByteArrayPtr")->size_out.src = "arg.n";
  tt_arg(t, fn, "count", OUT, "Int32Ptr");
  tt_arg(t, fn, "n", IN, "Int32");
  tt_prepare(t);
  tt_call k;
  tt_call_init(&k);
  tt_int(&k, P(filled), sizeof(void *));
  tt_int(&k, P(filled), sizeof(void *));
  tt_int(&k, P(&filled_count), sizeof(void *));
  tt_int(&k, sizeof filled, 4);
  tt_done(&k, 0);
  const ospy_spec_fn *f = &t->fns[fn];
  size_t ne = ospy_marshal_enter(f, &k.c, blob, 4096, 65536);
  fill_out(NULL);
  tt_set_return(&k, 3);
  size_t nl = ospy_marshal_leave(f, &k.c, leave_blob, 4096, 65536);
  CHECK(nl <= 4096 && !(leave_blob[3] & OSPY_VB_F_TRUNCATED));
  ospy_values_set_string_limit(4);
  call_text(f, ne, nl);
  ospy_values_set_string_limit(0);
  const char *b = strstr(text, "b=\"oooo\"...(");
  unsigned got = 0;
  CHECK(b && sscanf(b, "b=\"oooo\"...(%u of 3000 bytes)", &got) == 1 && got > 1000);
  char want[128];
  snprintf(want, sizeof want,
           "(a=\"oooo\"..., b=\"oooo\"...(%u of 3000 bytes), count=[5], n=3000) = 3", got);
  expect("two 3000-byte out buffers in 4096 bytes at return", text, want);
  ospy_marshal_release(t);
  ospy_spec_table_free(t);
}

/* A blob of a few bytes has room for nothing but its first argument: the
 * blob ends (END_TRUNCATED) and readers name the arguments it lacks, at
 * entry and at return. Captures of older agents ended so after a big value. */
static void test_room_tiny_blob(void)
{
  ospy_spec_table *t = tt_table();
  uint32_t fn = tt_fn(t, "big", "Int32");
  tt_arg(t, fn, "a", IN, "Int32");
  tt_arg(t, fn, "buf", IN, "ByteArrayPtr")->size_in.src = "1000";
  tt_arg(t, fn, "b", IN, "Int32");
  tt_arg(t, fn, "out", OUT, "Int32Ptr");
  tt_prepare(t);
  static uint8_t data[1000];
  int32_t out = 9;
  tt_call k;
  tt_call_init(&k);
  tt_int(&k, 1, 4);
  tt_int(&k, P(data), sizeof(void *));
  tt_int(&k, 2, 4);
  tt_int(&k, P(&out), sizeof(void *));
  tt_done(&k, 0);
  size_t n = ospy_marshal_enter(&t->fns[fn], &k.c, blob, 8, 65536);
  CHECK(blob[3] & OSPY_VB_F_TRUNCATED);
  tt_set_return(&k, 0);
  size_t nl = ospy_marshal_leave(&t->fns[fn], &k.c, leave_blob, 8, 65536);
  CHECK(leave_blob[3] & OSPY_VB_F_TRUNCATED);
  expect("8-byte enter and leave blobs", call_text(&t->fns[fn], n, nl),
         "(a=1, buf=<no room>, b=<no room>, out=<no room>) = <no room>");
  ospy_marshal_release(t);
  ospy_spec_table_free(t);
}

struct inner {
  int32_t x;
};

struct node {
  const char *name;
  struct inner in;
  struct node *next;
};

/* A list whose next points to itself: followed down to the depth limit,
 * where the pointers (next, and name) and the inline structure (in) are
 * their addresses marked <depth limit>. They were `?`, which says that a
 * read faulted. */
static void test_depth_limit(void)
{
  ospy_spec_table *t = tt_table();
  uint32_t inner = tt_struct(t, "Inner", 1);
  tt_field(t, inner, 0, "x", offsetof(struct inner, x), "Int32");
  t->types[inner].size = sizeof(struct inner);
  uint32_t node = tt_struct(t, "Node", 3);
  tt_field(t, node, 0, "name", offsetof(struct node, name), "AsciiStringPtr");
  tt_field(t, node, 1, "in", offsetof(struct node, in), "Inner");
  tt_field(t, node, 2, "next", offsetof(struct node, next), "NodePtr");
  t->types[node].size = sizeof(struct node);
  uint32_t fn = tt_fn(t, "walk", NULL);
  tt_arg(t, fn, "n", IN, "NodePtr");
  tt_prepare(t);
  static struct node loop = { "a", { 7 }, &loop };
  tt_call k;
  tt_call_init(&k);
  tt_int(&k, P(&loop), sizeof(void *));
  tt_done(&k, 0);
  size_t n = ospy_marshal_enter(&t->fns[fn], &k.c, blob, sizeof blob, 65536);
  char want[512];
  unsigned long long self = P(&loop), name = P(loop.name), in = P(&loop.in);
  snprintf(want, sizeof want,
           "(n={name=\"a\", in={x=7}, next={name=\"a\", in={x=7}, next={name=\"a\", in={x=7}, "
           "next={name=0x%llx<depth limit>, in=0x%llx<depth limit>, next=0x%llx<depth limit>}}}})",
           name, in, self);
  expect("a structure whose next points to itself", call_text(&t->fns[fn], n, 0), want);
  ospy_marshal_release(t);
  ospy_spec_table_free(t);
}

void test_room_all(void);

void test_room_all(void)
{
  test_room_for_later_args();
  test_room_many_buffers();
  test_room_at_return();
  test_room_tiny_blob();
  test_depth_limit();
}
