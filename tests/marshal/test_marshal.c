/* Marshaling of every type from known argument values, checked through the
   reader's decoding and text formatting. Runs on x86-64 and i386. */
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>
#include <uchar.h>
#include <wchar.h>

#include "marshal_test.h"
#include "plan/values.h"
#include "plan/values_format.h"

#define IN OSPY_DIR_IN
#define OUT OSPY_DIR_OUT
#define INOUT OSPY_DIR_INOUT
#define P(x) ((uint64_t)(uintptr_t)(x))

static char text[1 << 16];

static void test_integers(void)
{
  ospy_spec_table *t = tt_table();
  uint32_t fn = tt_fn(t, "ints", "Int64");
  const char *types[] = { "Int8", "UInt8", "Int16", "UInt16", "Int32", "UInt32", "Int64", "UInt64" };
  const char *names[] = { "a", "b", "c", "d", "e", "f", "g", "h" };
  for (int i = 0; i < 8; i++)
    tt_arg(t, fn, names[i], IN, types[i]);
  tt_prepare(t);
  for (int regs_only = 0; regs_only < 2; regs_only++) {
    tt_call k;
    tt_call_init(&k);
    /* sign-extended garbage in the upper bits must not leak into narrow types */
    tt_int(&k, (uint64_t)-1, 1);
    tt_int(&k, 0xffffff00000000ffull, 1);
    tt_int(&k, (uint64_t)-300, 2);
    tt_int(&k, 65535, 2);
    tt_int(&k, (uint64_t)-70000, 4);
    tt_int(&k, 4000000000u, 4);
    tt_int(&k, (uint64_t)INT64_MIN, 8);
    tt_int(&k, UINT64_MAX, 8);
    tt_done(&k, regs_only);
    tt_run(t, fn, &k, (uint64_t)-5, NULL, NULL, 65536, text, sizeof text);
    CHECK_STR(text, "(a=-1, b=255, c=-300, d=65535, e=-70000, f=4000000000, "
                    "g=-9223372036854775808, h=18446744073709551615) = -5");
  }
  ospy_marshal_release(t);
  ospy_spec_table_free(t);
}

static void test_hex_bool_pointer_errno(void)
{
  ospy_spec_table *t = tt_table();
  uint32_t fn = tt_fn(t, "misc", "Errno");
  tt_arg(t, fn, "h", IN, "UInt32")->t.hex = 1;
  tt_arg(t, fn, "b1", IN, "MSBool");
  tt_arg(t, fn, "b2", IN, "CPPBool");
  tt_arg(t, fn, "p", IN, "Pointer");
  tt_arg(t, fn, "fd", IN, "FileDescriptor");
  tt_arg(t, fn, "sz", IN, "SSize");
  tt_prepare(t);
  tt_call k;
  tt_call_init(&k);
  tt_int(&k, 0xdeadbeef, 4);
  tt_int(&k, 7, 4);
  tt_int(&k, 0x100, 1); /* a C++ bool only has its low byte */
  tt_int(&k, 0x1000, sizeof(void *));
  tt_int(&k, 3, 4);
  tt_int(&k, (uint64_t)-1, sizeof(void *));
  tt_done(&k, 0);
  tt_run(t, fn, &k, (uint64_t)-2, NULL, NULL, 65536, text, sizeof text);
  CHECK_STR(text, "(h=0xdeadbeef, b1=TRUE, b2=false, p=0x1000, fd=3, sz=-1) = -ENOENT");
  ospy_marshal_release(t);
  ospy_spec_table_free(t);
}

/* oSpy's Boolean is one byte (a UInt8) unless size="2" or "4" says otherwise
 * (kept as a marshalAs of UInt16 or UInt32); CPPBool one byte, MSBool four.
 * A C bool false followed by the bytes 01 01 01 was read as 4 bytes: true. */
static void test_boolean_widths(void)
{
  ospy_spec_table *t = tt_table();
  uint32_t st = tt_struct(t, "Flagged", 5);
  tt_field(t, st, 0, "b", 0, "Boolean");
  tt_field(t, st, 1, "b2", 0, "Boolean")->t.marshal_as = OSPY_BT_UINT16;
  tt_field(t, st, 2, "b4", 0, "Boolean")->t.marshal_as = OSPY_BT_UINT32;
  tt_field(t, st, 3, "cpp", 0, "CPPBool");
  tt_field(t, st, 4, "ms", 0, "MSBool");
  t->types[st].size = 4;
  uint32_t fn = tt_fn(t, "flagged", "Boolean");
  tt_arg(t, fn, "f", IN, "FlaggedPtr");
  tt_arg(t, fn, "reg", IN, "Boolean");
  tt_arg(t, fn, "reg2", IN, "Boolean")->t.marshal_as = OSPY_BT_UINT16;
  tt_prepare(t);
  static const uint8_t bytes[4] = { 0, 1, 1, 1 };
  tt_call k;
  tt_call_init(&k);
  tt_int(&k, P(bytes), sizeof(void *));
  tt_int(&k, 0x100, 4); /* a register whose low byte is 0 */
  tt_int(&k, 0x100, 4);
  tt_done(&k, 0);
  tt_run(t, fn, &k, 0x200, NULL, NULL, 65536, text, sizeof text);
  CHECK_STR(text, "(f={b=false, b2=true, b4=true, cpp=false, ms=TRUE}, reg=false, reg2=true) "
                  "= false");
  ospy_marshal_release(t);
  ospy_spec_table_free(t);
}

static void test_enums_flags(void)
{
  ospy_spec_table *t = tt_table();
  static const char *const sn[] = { "SOCK_STREAM", "SOCK_DGRAM", "E_NEG" };
  static const uint64_t sv[] = { 1, 2, (uint64_t)-2 }; /* negative members: sign-extended */
  static const char *const fnm[] = { "O_RDONLY", "O_WRONLY", "O_RDWR", "O_CREAT", "O_APPEND" };
  static const uint64_t fv[] = { 0, 1, 2, 0x40, 0x400 };
  tt_enum(t, "SockType", 0, sn, sv, 3);
  tt_enum(t, "OpenFlags", 1, fnm, fv, 5);
  uint32_t fn = tt_fn(t, "e", "SockType");
  tt_arg(t, fn, "t1", IN, "SockType");
  tt_arg(t, fn, "t2", IN, "SockType");
  tt_arg(t, fn, "f1", IN, "OpenFlags");
  tt_arg(t, fn, "f2", IN, "OpenFlags");
  tt_arg(t, fn, "f3", IN, "OpenFlagsPtr");
  tt_prepare(t);
  tt_call k;
  uint32_t flags_mem = 0x40 | 0x400;
  tt_call_init(&k);
  tt_int(&k, 2, 4);
  tt_int(&k, 99, 4);
  tt_int(&k, 2 | 0x40 | 0x1000, 4);
  tt_int(&k, 0, 4);
  tt_int(&k, P(&flags_mem), sizeof(void *));
  tt_done(&k, 0);
  /* a 32-bit -2 in a 64-bit register (upper half zero) is the member -2 */
  tt_run(t, fn, &k, 0xfffffffeu, NULL, NULL, 65536, text, sizeof text);
  CHECK_STR(text, "(t1=SOCK_DGRAM, t2=99, f1=O_RDWR|O_CREAT|0x1000, f2=O_RDONLY, "
                  "f3=[O_CREAT|O_APPEND]) = E_NEG");
  /* it has a negative member: signed (docs/config.md), so a negative value
   * that is none of its members is a negative number, not 4294967291 */
  tt_call_init(&k);
  tt_int(&k, (uint32_t)-5, 4);
  tt_int(&k, 1, 4);
  tt_int(&k, 0, 4);
  tt_int(&k, 0, 4);
  tt_int(&k, 0, sizeof(void *));
  tt_done(&k, 0);
  tt_run(t, fn, &k, 0xffffff85u, NULL, NULL, 65536, text, sizeof text);
  CHECK_STR(text, "(t1=-5, t2=SOCK_STREAM, f1=O_RDONLY, f2=O_RDONLY, f3=NULL) = -123");
  ospy_marshal_release(t);
  ospy_spec_table_free(t);
}

/* open's flags with the access mode a value under O_ACCMODE (mask 0x3,
   files.xml): one of O_RDONLY (0), O_WRONLY, O_RDWR is named, first, as
   strace names it; an access mode no member names (3) and bits no member
   has are the rest. A socket type likewise under 0xf. */
static void test_masked_flags(void)
{
  ospy_spec_table *t = tt_table();
  static const char *const fnm[] = { "O_TMPFILE", "O_RDONLY", "O_WRONLY", "O_RDWR",
                                     "O_CREAT", "O_TRUNC", "O_CLOEXEC" };
  static const uint64_t fv[] = { 0x410000, 0, 1, 2, 0x40, 0x200, 0x80000 };
  static const char *const snm[] = { "SOCK_STREAM", "SOCK_DGRAM", "SOCK_RAW", "SOCK_CLOEXEC" };
  static const uint64_t sv[] = { 1, 2, 3, 0x80000 };
  ospy_spec_type *of = &t->types[tt_enum(t, "OpenFlags", 1, fnm, fv, 7)];
  for (unsigned i = 1; i <= 3; i++)
    of->members[i].mask = 3;
  ospy_spec_type *st = &t->types[tt_enum(t, "SockType", 1, snm, sv, 4)];
  for (unsigned i = 0; i <= 2; i++)
    st->members[i].mask = 0xf;
  uint32_t fn = tt_fn(t, "open", "Int32");
  static const char *const names[] = { "a", "b", "c", "d", "e", "f", "g" };
  for (unsigned i = 0; i < 7; i++)
    tt_arg(t, fn, names[i], IN, "OpenFlags");
  tt_arg(t, fn, "s", IN, "SockType");
  tt_arg(t, fn, "p", IN, "OpenFlagsPtr");
  tt_prepare(t);
  static const uint32_t args[] = { 0, 0x80000, 0x241, 2, 0x4000000, 3, 0x410003 };
  uint32_t in_memory = 0x80000;
  tt_call k;
  tt_call_init(&k);
  for (unsigned i = 0; i < 7; i++)
    tt_int(&k, args[i], 4);
  tt_int(&k, 3 | 0x80000, 4);
  tt_int(&k, P(&in_memory), sizeof(void *));
  tt_done(&k, 0);
  tt_run(t, fn, &k, 3, NULL, NULL, 65536, text, sizeof text);
  printf("masked flags (%zu-bit): open%s\n", sizeof(void *) * 8, text);
  CHECK_STR(text, "(a=O_RDONLY, b=O_RDONLY|O_CLOEXEC, c=O_WRONLY|O_CREAT|O_TRUNC, d=O_RDWR, "
                  "e=O_RDONLY|0x4000000, f=0x3, g=O_TMPFILE|0x3, s=SOCK_RAW|SOCK_CLOEXEC, "
                  "p=[O_RDONLY|O_CLOEXEC]) = 3");
  ospy_marshal_release(t);
  ospy_spec_table_free(t);
}

static void test_strings(void)
{
  ospy_spec_table *t = tt_table();
  uint32_t fn = tt_fn(t, "s", "AsciiStringPtr");
  tt_arg(t, fn, "utf8", IN, "AsciiStringPtr");
  tt_arg(t, fn, "bad", IN, "AsciiStringPtr");
  tt_arg(t, fn, "esc", IN, "AsciiString");
  tt_arg(t, fn, "u16", IN, "UnicodeStringPtr");
  tt_arg(t, fn, "u32", IN, "WideStringPtr");
  tt_arg(t, fn, "empty", IN, "AsciiStringPtr");
  tt_prepare(t);
  static const char utf8[] = "h\xc3\xa9llo \xe2\x82\xac";
  static const char bad[] = "\xff\xfe" "ab\xc3";
  /* C1 controls (CSI U+009B, OSC U+009D) escaped: a terminal acts on them */
  static const char esc[] = "a\"b\\c\n\t\x01\xc2\x9b";
  static const uint16_t u16[] = { 'h', 'i', 0x20ac, 0xd83d, 0xde00, 0xdc00, 0x9d, 0xa0, 0 };
  static const wchar_t u32[] = L"w\u2713";
  tt_call k;
  tt_call_init(&k);
  tt_int(&k, P(utf8), sizeof(void *));
  tt_int(&k, P(bad), sizeof(void *));
  tt_int(&k, P(esc), sizeof(void *));
  tt_int(&k, P(u16), sizeof(void *));
  tt_int(&k, P(u32), sizeof(void *));
  tt_int(&k, P(""), sizeof(void *));
  tt_done(&k, 0);
  tt_run(t, fn, &k, P(utf8), NULL, NULL, 65536, text, sizeof text);
  CHECK_STR(text, "(utf8=\"h\xc3\xa9llo \xe2\x82\xac\", bad=\"\\xff\\xfeab\\xc3\", "
                  "esc=\"a\\\"b\\\\c\\n\\t\\x01\\xc2\\x9b\", "
                  "u16=\"hi\xe2\x82\xac\xf0\x9f\x98\x80\\udc00\\u009d\xc2\xa0\", "
                  "u32=\"w\xe2\x9c\x93\", empty=\"\") = \"h\xc3\xa9llo \xe2\x82\xac\"");
  /* the value cap cuts a long string */
  tt_call_init(&k);
  for (int i = 0; i < 6; i++)
    tt_int(&k, P("0123456789"), sizeof(void *));
  tt_done(&k, 0);
  tt_run(t, fn, &k, 0, NULL, NULL, 4, text, sizeof text);
  CHECK_STR(text, "(utf8=\"0123\"..., bad=\"0123\"..., esc=\"0123\"..., u16=\"\xe3\x84\xb0\xe3\x8c\xb2\"..., "
                  "u32=\"\\U33323130\"..., empty=\"0123\"...) = NULL");
  ospy_marshal_release(t);
  ospy_spec_table_free(t);
}

/* Memory for the unreadable cases: page 0 readable, page 1 PROT_NONE. */
static uint8_t *guard_pages(void)
{
  long pg = sysconf(_SC_PAGESIZE);
  uint8_t *p = mmap(NULL, 2 * (size_t)pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  CHECK(p != MAP_FAILED);
  memset(p, 'x', (size_t)pg);
  CHECK(mprotect(p + pg, (size_t)pg, PROT_NONE) == 0);
  return p;
}

static void test_bad_pointers(void)
{
  ospy_spec_table *t = tt_table();
  uint32_t fn = tt_fn(t, "bad", NULL);
  tt_arg(t, fn, "null", IN, "AsciiStringPtr");
  tt_arg(t, fn, "garbage", IN, "UInt32Ptr");
  tt_arg(t, fn, "run", IN, "AsciiStringPtr");
  tt_arg(t, fn, "buf", IN, "ByteArrayPtr");
  tt_arg(t, fn, "n", IN, "Int32");
  tt_arg(t, fn, "gone", IN, "ByteArrayPtr");
  tt_prepare(t);
  ospy_spec_fn *f = &t->fns[fn];
  f->args[3].size_in.src = "arg.n";
  f->args[5].size_in.src = "16";
  ospy_marshal_release(t);
  tt_prepare(t);
  long pg = sysconf(_SC_PAGESIZE);
  uint8_t *p = guard_pages();
  tt_call k;
  tt_call_init(&k);
  tt_int(&k, 0, sizeof(void *));
  tt_int(&k, 0x10, sizeof(void *));
  tt_int(&k, P(p + pg - 5), sizeof(void *)); /* "xxxxx" then the guard page, no NUL */
  tt_int(&k, P(p + pg - 3), sizeof(void *)); /* 3 readable bytes of 100 */
  tt_int(&k, 100, 4);
  tt_int(&k, P(p + pg), sizeof(void *)); /* entirely unreadable */
  tt_done(&k, 0);
  tt_run(t, fn, &k, 0, NULL, NULL, 65536, text, sizeof text);
  char want[512];
  snprintf(want, sizeof want,
           "(null=NULL, garbage=<unreadable at 0x10>, run=\"xxxxx\"<unreadable after 5 bytes>, "
           "buf=\"xxx\"<unreadable after 3 bytes>(3 of 100 bytes), n=100, "
           "gone=<unreadable at %p>)", (void *)(p + pg));
  CHECK_STR(text, want);
  munmap(p, 2 * (size_t)pg);
  ospy_marshal_release(t);
  ospy_spec_table_free(t);
}

/* A counted array that runs into unmapped memory stops at its first
 * unreadable element (one, not one per element left) and keeps the count
 * asked for; so does one of structures (its element half in unmapped
 * memory is unreadable as a whole) and a null-terminated one. */
static void test_array_into_unmapped(void)
{
  ospy_spec_table *t = tt_table();
  uint32_t pr = tt_struct(t, "Two", 2);
  tt_field(t, pr, 0, "a", 0, "Int32");
  tt_field(t, pr, 1, "b", 4, "Int32");
  t->types[pr].size = 8;
  uint32_t fn = tt_fn(t, "arr", NULL);
  tt_arg(t, fn, "items", IN, "ArrayPtr")->t.elem_type = OSPY_BT_INT32;
  tt_arg(t, fn, "n", IN, "Int32");
  tt_arg(t, fn, "two", IN, "ArrayPtr")->t.elem_type = pr;
  ospy_spec_arg *av = tt_arg(t, fn, "argv", IN, "ArrayPtr");
  av->t.elem_type = OSPY_BT_ASCIISTRING;
  av->t.elem_ptr = 1;
  av->t.null_term = 1;
  t->fns[fn].args[0].count_in.src = "arg.n";
  t->fns[fn].args[2].count_in.src = "arg.n";
  tt_prepare(t);
  long pg = sysconf(_SC_PAGESIZE);
  uint8_t *p = guard_pages();
  int32_t *it = (int32_t *)(p + pg - 8);
  it[0] = 11;
  it[1] = 22;
  uint8_t *q = guard_pages();
  const char **argv = (const char **)(q + pg - sizeof(char *));
  argv[0] = "y";
  tt_call k;
  tt_call_init(&k);
  tt_int(&k, P(it), sizeof(void *));
  tt_int(&k, 1000, 4);
  tt_int(&k, P(p + pg - 12), sizeof(void *)); /* {x, 11}, then a half-readable one */
  tt_int(&k, P(argv), sizeof(void *));
  tt_done(&k, 0);
  tt_run(t, fn, &k, 0, NULL, NULL, 65536, text, sizeof text);
  char want[512];
  snprintf(want, sizeof want,
           "(items=[11, 22, <unreadable at %p>](2 of 1000 elements), n=1000, "
           "two=[{a=2021161080, b=11}, <unreadable at %p>](1 of 1000 elements), "
           "argv=[\"y\", <unreadable at %p>])",
           (void *)(p + pg), (void *)(p + pg), (void *)(q + pg));
  CHECK_STR(text, want);
  /* an array the value cap stops says how many were asked for, as a capped
   * buffer says its size */
  static int32_t many[1000];
  tt_call_init(&k);
  tt_int(&k, P(many), sizeof(void *));
  tt_int(&k, 1000, 4);
  tt_int(&k, 0, sizeof(void *));
  tt_int(&k, 0, sizeof(void *));
  tt_done(&k, 0);
  tt_run(t, fn, &k, 0, NULL, NULL, 16, text, sizeof text);
  CHECK_STR(text, "(items=[0, 0, 0, 0, 0, 0, 0, 0, ...](8 of 1000 elements), "
                  "n=1000, two=NULL, argv=NULL)");
  munmap(p, 2 * (size_t)pg);
  munmap(q, 2 * (size_t)pg);
  ospy_marshal_release(t);
  ospy_spec_table_free(t);
}

/* struct in_addr-like nested struct inside a struct, and an array of structs. */
struct inner {
  uint16_t port; /* big endian in memory */
  uint16_t pad;
  uint8_t addr[4];
};
struct outer {
  int32_t id;
  struct inner in;
  const char *name;
  uint32_t len;
  const uint8_t *data;
};
struct pair {
  int32_t k;
  int8_t v;
};

static void test_structs_arrays(void)
{
  ospy_spec_table *t = tt_table();
  uint32_t in = tt_struct(t, "Inner", 2);
  tt_field(t, in, 0, "port", offsetof(struct inner, port), "UInt16")->t.big_endian = 1;
  tt_field(t, in, 1, "addr", offsetof(struct inner, addr), "Ipv4InAddr");
  uint32_t out = tt_struct(t, "Outer", 5);
  tt_field(t, out, 0, "id", offsetof(struct outer, id), "Int32");
  tt_field(t, out, 1, "in", offsetof(struct outer, in), "Inner");
  tt_field(t, out, 2, "name", offsetof(struct outer, name), "AsciiStringPtr");
  tt_field(t, out, 3, "len", offsetof(struct outer, len), "UInt32");
  tt_field(t, out, 4, "data", offsetof(struct outer, data), "ByteArrayPtr")->size_field = 3;
  t->types[out].size = sizeof(struct outer);
  uint32_t pr = tt_struct(t, "Pair", 2);
  tt_field(t, pr, 0, "k", offsetof(struct pair, k), "Int32");
  tt_field(t, pr, 1, "v", offsetof(struct pair, v), "Int8");
  t->types[pr].size = sizeof(struct pair);
  uint32_t fn = tt_fn(t, "st", NULL);
  tt_arg(t, fn, "o", IN, "OuterPtr");
  tt_arg(t, fn, "pairs", IN, "ArrayPtr")->t.elem_type = pr;
  tt_arg(t, fn, "n", IN, "UInt32");
  tt_arg(t, fn, "nums", IN, "ArrayPtr")->t.elem_type = OSPY_BT_INT16;
  ospy_spec_arg *av = tt_arg(t, fn, "argv", IN, "ArrayPtr");
  av->t.elem_type = OSPY_BT_ASCIISTRING;
  av->t.elem_ptr = 1;
  av->count_in.src = "3";
  t->fns[fn].args[1].count_in.src = "arg.n";
  t->fns[fn].args[3].count_in.src = "3";
  tt_prepare(t);
  struct outer o = { -7, { 0x5000 /* 80 big-endian */, 0, { 127, 0, 0, 1 } }, "nm", 3,
                     (const uint8_t *)"abcdef" };
  o.in.port = (uint16_t)((80 >> 8) | (80 << 8));
  struct pair ps[3] = { { 1, -1 }, { 2, -2 }, { 3, -3 } };
  int16_t nums[3] = { -1, 0, 1 };
  tt_call k;
  tt_call_init(&k);
  tt_int(&k, P(&o), sizeof(void *));
  tt_int(&k, P(ps), sizeof(void *));
  tt_int(&k, 3, 4);
  tt_int(&k, P(nums), sizeof(void *));
  const char *argv[] = { "ls", NULL, "-l" };
  tt_int(&k, P(argv), sizeof(void *));
  tt_done(&k, 0);
  tt_run(t, fn, &k, 0, NULL, NULL, 65536, text, sizeof text);
  CHECK_STR(text, "(o={id=-7, in={port=80, addr=127.0.0.1}, name=\"nm\", len=3, data=\"abc\"}, "
                  "pairs=[{k=1, v=-1}, {k=2, v=-2}, {k=3, v=-3}], n=3, nums=[-1, 0, 1], "
                  "argv=[\"ls\", NULL, \"-l\"])");
  ospy_marshal_release(t);
  ospy_spec_table_free(t);
}

/* A field direction="out" (poll's revents): at a call's entry it holds
 * whatever the caller left there, and was shown so (`revents=POLLERR|...|
 * 0x5000` beside the value the call gave); it is read when the call returns
 * only. In an in/out array of structures, in a structure nested in another,
 * a nested structure that is out itself, an in argument's structure (never
 * shown), an out one and a structure the function returns (shown). */
struct pfd {
  int32_t fd;
  int16_t events, revents;
};

struct holder {
  struct pfd asked; /* its revents: out */
  struct pfd answer; /* out, the whole of it */
  int32_t tag;
};

static struct pfd returned_pfd;

static void answer_polls(void *data)
{
  struct pfd *p = data;
  p[0].revents = 1;
  p[1].revents = 4;
  returned_pfd.revents = 8;
}

static void test_out_fields(void)
{
  ospy_spec_table *t = tt_table();
  uint32_t pf = tt_struct(t, "Pfd", 3);
  tt_field(t, pf, 0, "fd", offsetof(struct pfd, fd), "Int32");
  tt_field(t, pf, 1, "events", offsetof(struct pfd, events), "Int16")->t.hex = 1;
  tt_field(t, pf, 2, "revents", offsetof(struct pfd, revents), "Int16")->out_only = 1;
  t->types[pf].size = sizeof(struct pfd);
  uint32_t ho = tt_struct(t, "Holder", 3);
  tt_field(t, ho, 0, "asked", offsetof(struct holder, asked), "Pfd");
  tt_field(t, ho, 1, "answer", offsetof(struct holder, answer), "Pfd")->out_only = 1;
  tt_field(t, ho, 2, "tag", offsetof(struct holder, tag), "Int32");
  t->types[ho].size = sizeof(struct holder);
  uint32_t fn = tt_fn(t, "poll", "PfdPtr");
  ospy_spec_arg *fds = tt_arg(t, fn, "fds", INOUT, "ArrayPtr");
  fds->t.elem_type = pf;
  fds->count_in.src = fds->count_out.src = "arg.n";
  tt_arg(t, fn, "n", IN, "UInt32");
  tt_arg(t, fn, "in", IN, "HolderPtr");
  tt_arg(t, fn, "both", INOUT, "HolderPtr");
  tt_arg(t, fn, "out", OUT, "HolderPtr");
  tt_prepare(t);
  /* what a program that never sets revents leaves there */
  struct pfd p[2] = { { 3, 1, 0x5a28 }, { 4, 4, -1 } };
  struct holder h = { { 5, 1, 0x5028 }, { 6, 4, 0x7777 }, 9 };
  returned_pfd = (struct pfd){ 7, 4, 0x5028 };
  tt_call k;
  tt_call_init(&k);
  tt_int(&k, P(p), sizeof(void *));
  tt_int(&k, 2, 4);
  tt_int(&k, P(&h), sizeof(void *));
  tt_int(&k, P(&h), sizeof(void *));
  tt_int(&k, P(&h), sizeof(void *));
  tt_done(&k, 0);
  tt_run(t, fn, &k, P(&returned_pfd), answer_polls, p, 65536, text, sizeof text);
  CHECK_STR(text, "(fds=[{fd=3, events=0x1}, {fd=4, events=0x4}] => "
                  "[{fd=3, events=0x1, revents=1}, {fd=4, events=0x4, revents=4}], n=2, "
                  "in={asked={fd=5, events=0x1}, tag=9}, "
                  "both={asked={fd=5, events=0x1}, tag=9} => {asked={fd=5, events=0x1, "
                  "revents=20520}, answer={fd=6, events=0x4, revents=30583}, tag=9}, "
                  "out={asked={fd=5, events=0x1, revents=20520}, answer={fd=6, events=0x4, "
                  "revents=30583}, tag=9}) = {fd=7, events=0x4, revents=8}");
  ospy_marshal_release(t);
  ospy_spec_table_free(t);
}

/* A fixed-size array inside a structure (C's `int vals[4]`), elementCount="4"
 * on the field, kept in its size word; an inline string beside it. */
struct with_array {
  int32_t id;
  int32_t vals[4];
  char name[8];
  int16_t *more;
};

static void test_struct_fixed_array_field(void)
{
  ospy_spec_table *t = tt_table();
  uint32_t st = tt_struct(t, "WithArray", 4);
  tt_field(t, st, 0, "id", offsetof(struct with_array, id), "Int32");
  ospy_spec_field *f = tt_field(t, st, 1, "vals", offsetof(struct with_array, vals), "Array");
  f->t.elem_type = OSPY_BT_INT32;
  f->size = 4;
  tt_field(t, st, 2, "name", offsetof(struct with_array, name), "AsciiString");
  f = tt_field(t, st, 3, "more", offsetof(struct with_array, more), "ArrayPtr");
  f->t.elem_type = OSPY_BT_INT16;
  f->size = 2;
  t->types[st].size = sizeof(struct with_array);
  uint32_t fn = tt_fn(t, "wa", NULL);
  tt_arg(t, fn, "w", IN, "WithArrayPtr");
  tt_prepare(t);
  int16_t more[2] = { -3, 9 };
  struct with_array w = { 7, { 1, -2, 3, 40000 }, "bob", more };
  tt_call k;
  tt_call_init(&k);
  tt_int(&k, P(&w), sizeof(void *));
  tt_done(&k, 0);
  tt_run(t, fn, &k, 0, NULL, NULL, 65536, text, sizeof text);
  CHECK_STR(text, "(w={id=7, vals=[1, -2, 3, 40000], name=\"bob\", more=[-3, 9]})");
  ospy_marshal_release(t);
  ospy_spec_table_free(t);
}

/* A pointer to a structure or an array whose first byte cannot be read
 * (garbage, an unmapped page) is unreadable at its address, as a string or
 * a buffer pointer is: not a structure of unreadable fields, nor an array
 * of one unreadable element. A structure that runs into an unmapped page
 * keeps its readable fields; a field inline in it of which nothing could be
 * read (a string, an array, a buffer) is unreadable at its own address. */
static void test_unreadable_struct_and_array_pointers(void)
{
  ospy_spec_table *t = tt_table();
  uint32_t st = tt_struct(t, "Rec", 4);
  tt_field(t, st, 0, "id", 0, "Int32");
  tt_field(t, st, 1, "name", 4, "AsciiString");
  tt_field(t, st, 2, "vals", 8, "Array")->t.elem_type = OSPY_BT_INT32;
  t->types[st].fields[2].size = 4;
  tt_field(t, st, 3, "raw", 24, "ByteArray")->size = 4;
  t->types[st].size = 28;
  uint32_t fn = tt_fn(t, "rec", NULL);
  tt_arg(t, fn, "r", IN, "RecPtr");
  tt_arg(t, fn, "a", IN, "ArrayPtr")->t.elem_type = OSPY_BT_INT32;
  tt_arg(t, fn, "n", IN, "Int32");
  t->fns[fn].args[1].count_in.src = "arg.n";
  tt_prepare(t);
  long pg = sysconf(_SC_PAGESIZE);
  uint8_t *p = guard_pages();
  uint8_t *guard = p + pg;
  struct {
    uint64_t r, a, n;
    const char *want;
  } cases[] = {
    { 0x10, 0x10, 4, "(r=<unreadable at 0x10>, a=<unreadable at 0x10>, n=4)" },
    { P(guard), P(guard), 1, "(r=<unreadable at %p>, a=<unreadable at %p>, n=1)" },
    /* an empty array reads nothing, wherever it points */
    { 0, 0x10, 0, "(r=NULL, a=[], n=0)" },
    /* id readable, everything after it in the unmapped page */
    { P(guard - 4), 0, 0,
      "(r={id=2021161080, name=<unreadable at %p>, vals=<unreadable at %p>, "
      "raw=<unreadable at %p>}, a=NULL, n=0)" },
    /* name (no NUL: on through vals) and vals cut, the elements read counted */
    { P(guard - 16), P(guard - 4), 3,
      "(r={id=2021161080, name=\"xxxxxxxxxxxx\"<unreadable after 12 bytes>, "
      "vals=[2021161080, 2021161080, <unreadable at %p>](2 of 4 elements), "
      "raw=<unreadable at %p>}, a=[2021161080, <unreadable at %p>](1 of 3 elements), n=3)" },
  };
  void *wants[][3] = {
    { 0 }, { guard, guard }, { 0 }, { guard, guard + 4, guard + 20 },
    { guard, guard + 8, guard },
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    tt_call k;
    tt_call_init(&k);
    tt_int(&k, cases[i].r, sizeof(void *));
    tt_int(&k, cases[i].a, sizeof(void *));
    tt_int(&k, cases[i].n, 4);
    tt_done(&k, 0);
    tt_run(t, fn, &k, 0, NULL, NULL, 65536, text, sizeof text);
    char want[512];
    snprintf(want, sizeof want, cases[i].want, wants[i][0], wants[i][1], wants[i][2]);
    CHECK_STR(text, want);
  }
  munmap(p, 2 * (size_t)pg);
  ospy_marshal_release(t);
  ospy_spec_table_free(t);
}

/* A NULL pointer is NULL also when its size cannot be computed: accept(fd,
 * NULL, NULL) with the net preset's size="arg.addrlen" (a read of *addrlen,
 * which faults), zlib's dest sized by *destLen. A size that faults leaves a
 * pointer that is not NULL unknown: `?`. */
static void test_null_pointer_with_unreadable_size(void)
{
  ospy_spec_table *t = tt_table();
  uint32_t fn = tt_fn(t, "accept", "FileDescriptor");
  tt_arg(t, fn, "sockfd", IN, "FileDescriptor");
  tt_arg(t, fn, "addr", OUT, "SockAddrPtr")->size_in.src = "arg.addrlen";
  tt_arg(t, fn, "addrlen", INOUT, "UInt32Ptr");
  tt_arg(t, fn, "dest", IN, "ByteArrayPtr")->size_in.src = "arg.destLen";
  tt_arg(t, fn, "destLen", IN, "SizePtr");
  tt_arg(t, fn, "items", IN, "ArrayPtr")->t.elem_type = OSPY_BT_INT32;
  t->fns[fn].args[5].count_in.src = "arg.addrlen";
  tt_prepare(t);
  struct {
    uint64_t addr, addrlen, dest, dest_len, items;
    const char *want;
  } cases[] = {
    { 0, 0, 0, 0, 0,
      "(sockfd=3, addr=NULL, addrlen=NULL => NULL, dest=NULL, destLen=NULL, items=NULL) = 5" },
    { 0x10, 0, 0x20, 0, 0x30, "(sockfd=3, addr=?, addrlen=NULL => NULL, dest=?, destLen=NULL, "
                              "items=?) = 5" },
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    tt_call k;
    tt_call_init(&k);
    tt_int(&k, 3, 4);
    tt_int(&k, cases[i].addr, sizeof(void *));
    tt_int(&k, cases[i].addrlen, sizeof(void *));
    tt_int(&k, cases[i].dest, sizeof(void *));
    tt_int(&k, cases[i].dest_len, sizeof(void *));
    tt_int(&k, cases[i].items, sizeof(void *));
    tt_done(&k, 0);
    tt_run(t, fn, &k, 5, NULL, NULL, 65536, text, sizeof text);
    CHECK_STR(text, cases[i].want);
  }
  ospy_marshal_release(t);
  ospy_spec_table_free(t);
}

static void fill_hello(void *buf) { memcpy(buf, "hello world", 11); }

static void test_out_buffer_sized_by_retval(void)
{
  ospy_spec_table *t = tt_table();
  uint32_t fn = tt_fn(t, "read", "SSize");
  tt_arg(t, fn, "fd", IN, "FileDescriptor");
  tt_arg(t, fn, "buf", OUT, "ByteArrayPtr")->size_in.src = "retval";
  tt_arg(t, fn, "count", IN, "Size");
  tt_prepare(t);
  char buf[64] = "";
  tt_call k;
  tt_call_init(&k);
  tt_int(&k, 3, 4);
  tt_int(&k, P(buf), sizeof(void *));
  tt_int(&k, sizeof buf, sizeof(size_t));
  tt_done(&k, 0);
  tt_run(t, fn, &k, 5, fill_hello, buf, 65536, text, sizeof text);
  CHECK_STR(text, "(fd=3, buf=\"hello\", count=64) = 5");
  ospy_marshal_release(t);
  ospy_spec_table_free(t);
}

/* A caller without a state (the agent's calls always have one): the values
 * are resolved again at leave, in a state lent on the stack for the phase,
 * and come out as with one; the conditions too. */
static void test_without_state(void)
{
  ospy_spec_table *t = tt_table();
  uint32_t fn = tt_fn(t, "read", "SSize");
  tt_arg(t, fn, "fd", IN, "FileDescriptor");
  tt_arg(t, fn, "buf", OUT, "ByteArrayPtr")->size_in.src = "retval";
  tt_arg(t, fn, "count", IN, "Size");
  t->fns[fn].cond.src = "arg.fd == 3 && retval == 5";
  t->fns[fn].error_cond.src = "retval < 0";
  tt_prepare(t);
  char buf[64] = "";
  tt_call k;
  tt_call_init(&k);
  tt_int(&k, 3, 4);
  tt_int(&k, P(buf), sizeof(void *));
  tt_int(&k, sizeof buf, sizeof(size_t));
  tt_done(&k, 0);
  k.c.state = NULL;
  k.c.state_size = 0;
  static uint8_t in[4096], lv[4096];
  const ospy_spec_fn *f = ospy_spec_table_fn(t, fn);
  size_t ni = ospy_marshal_enter(f, &k.c, in, sizeof in, 65536);
  fill_hello(buf);
  tt_set_return(&k, 5);
  size_t nl = ospy_marshal_leave(f, &k.c, lv, sizeof lv, 65536);
  CHECK(k.c.retval == 5);
  CHECK(ospy_marshal_should_log(f, &k.c) == 1);
  CHECK(ospy_marshal_failed(f, &k.c) == 0);
  ospy_values_format_call(f, in, ni, lv, nl, text, sizeof text);
  CHECK_STR(text, "(fd=3, buf=\"hello\", count=64) = 5");
  ospy_marshal_release(t);
  ospy_spec_table_free(t);
}

/* The original's recv spec sizes its buffer by the return register
 * (size="reg.eax": a register is unsigned). A call that failed, -1 of its
 * signed return, has 0 bytes in it, not the 4 GiB after buf (recorded up to
 * the first unreadable page: kilobytes of stack). */
static void test_out_buffer_sized_by_return_register(void)
{
  ospy_spec_table *t = tt_table();
  uint32_t fn = tt_fn(t, "recv", "Int32");
  tt_arg(t, fn, "s", IN, "Int32");
  tt_arg(t, fn, "buf", OUT, "ByteArrayPtr")->size_in.src = "reg.eax";
  tt_arg(t, fn, "len", IN, "Int32");
  tt_prepare(t);
  static char buf[64] = "left from before";
  tt_call k;
  tt_call_init(&k);
  tt_int(&k, (uint64_t)-1, 4);
  tt_int(&k, P(buf), sizeof(void *));
  tt_int(&k, sizeof buf, 4);
  tt_done(&k, 0);
  tt_run(t, fn, &k, (uint64_t)-1, NULL, NULL, 65536, text, sizeof text);
  CHECK_STR(text, "(s=-1, buf=\"\", len=64) = -1");
  tt_run(t, fn, &k, 4, NULL, NULL, 65536, text, sizeof text);
  CHECK_STR(text, "(s=-1, buf=\"left\", len=64) = 4");
  ospy_marshal_release(t);
  ospy_spec_table_free(t);
}

/* Only a size that is itself negative (at the width of its type) is the 0
 * bytes of a failed call: a size computed from a negative return value but
 * valid itself reads what it says. */
static void test_out_buffer_sized_by_negative_return_check(void)
{
  ospy_spec_table *t = tt_table();
  uint32_t fn = tt_fn(t, "recv", "Int32");
  tt_arg(t, fn, "s", IN, "Int32");
  tt_arg(t, fn, "buf", OUT, "ByteArrayPtr")->size_in.src = "retval < 0 ? 3 : 1";
  tt_arg(t, fn, "len", IN, "Int32");
  tt_prepare(t);
  static char buf[64] = "left from before";
  tt_call k;
  tt_call_init(&k);
  tt_int(&k, 5, 4);
  tt_int(&k, P(buf), sizeof(void *));
  tt_int(&k, sizeof buf, 4);
  tt_done(&k, 0);
  tt_run(t, fn, &k, (uint64_t)-1, NULL, NULL, 65536, text, sizeof text);
  CHECK_STR(text, "(s=5, buf=\"lef\", len=64) = -1");
  tt_run(t, fn, &k, 4, NULL, NULL, 65536, text, sizeof text);
  CHECK_STR(text, "(s=5, buf=\"l\", len=64) = 4");
  ospy_marshal_release(t);
  ospy_spec_table_free(t);
}

/* A byte buffer shows as text when it is UTF-8 text ("café\n"), else its
 * bytes above 0x7f are escaped, also those that happen to form a UTF-8
 * sequence (de ad is U+07AD). */
static void test_binary_bytes(void)
{
  static const uint8_t bin[] = { 0xde, 0xad, 0xbe, 0xef, 0x00, 'A' };
  static const char txt[] = "caf\xc3\xa9\n";
  static const uint8_t tail[] = { 0xde, 0xad, 0xff }; /* 0xff starts no sequence */
  static const char cut[] = "ab\xc3\xa9\xe2\x82"; /* text whose last character was cut */
  const void *bufs[] = { bin, txt, tail, cut };
  const size_t lens[] = { sizeof bin, sizeof txt - 1, sizeof tail, sizeof cut - 1 };
  const char *want[] = { "(buf=\"\\xde\\xad\\xbe\\xef\\x00A\", len=6) = 0",
                         "(buf=\"caf\xc3\xa9\\n\", len=6) = 0",
                         "(buf=\"\\xde\\xad\\xff\", len=3) = 0",
                         "(buf=\"ab\xc3\xa9\\xe2\\x82\", len=6) = 0" };
  for (int i = 0; i < 4; i++) {
    ospy_spec_table *t = tt_table();
    uint32_t fn = tt_fn(t, "send", "Int32");
    tt_arg(t, fn, "buf", IN, "ByteArrayPtr")->size_in.src = "arg.len";
    tt_arg(t, fn, "len", IN, "Int32");
    tt_prepare(t);
    tt_call k;
    tt_call_init(&k);
    tt_int(&k, P(bufs[i]), sizeof(void *));
    tt_int(&k, lens[i], 4);
    tt_done(&k, 0);
    tt_run(t, fn, &k, 0, NULL, NULL, 65536, text, sizeof text);
    CHECK_STR(text, want[i]);
    ospy_marshal_release(t);
    ospy_spec_table_free(t);
  }
}

/* A garbage length of 2^63 or more ((size_t)-1) is a huge size, capped and
 * marked with the size asked for, not 0 bytes; a -1 return used as the
 * length is 0 bytes. */
static void test_garbage_size(void)
{
  ospy_spec_table *t = tt_table();
  uint32_t fn = tt_fn(t, "peek", "SSize");
  tt_arg(t, fn, "buf", IN, "ByteArrayPtr")->size_in.src = "arg.len";
  tt_arg(t, fn, "len", IN, "Size");
  tt_prepare(t);
  static char buf[] = "abcdefgh";
  tt_call k;
  tt_call_init(&k);
  tt_int(&k, P(buf), sizeof(void *));
  tt_int(&k, (uint64_t)-1, sizeof(size_t));
  tt_done(&k, 0);
  tt_run(t, fn, &k, 0, NULL, NULL, 4, text, sizeof text);
  char want[128];
  snprintf(want, sizeof want, "(buf=\"abcd\"...(4 of %zu bytes), len=%zu) = 0", SIZE_MAX,
           SIZE_MAX);
  CHECK_STR(text, want);
  ospy_marshal_release(t);
  ospy_spec_table_free(t);
}

struct counted {
  int32_t n;
  const int32_t *items;
  int16_t len;
  const char *data;
};

/* One rule for arguments and structure fields: a negative size or count
 * (of a signed type) reads nothing and says so, the pointer still shown. */
static void test_negative_sizes(void)
{
  ospy_spec_table *t = tt_table();
  uint32_t st = tt_struct(t, "Counted", 4);
  tt_field(t, st, 0, "n", offsetof(struct counted, n), "Int32");
  ospy_spec_field *fi = tt_field(t, st, 1, "items", offsetof(struct counted, items), "ArrayPtr");
  fi->t.elem_type = OSPY_BT_INT32;
  fi->count_field = 0;
  tt_field(t, st, 2, "len", offsetof(struct counted, len), "Int16");
  tt_field(t, st, 3, "data", offsetof(struct counted, data), "ByteArrayPtr")->size_field = 2;
  t->types[st].size = sizeof(struct counted);
  uint32_t fn = tt_fn(t, "neg", "SSize");
  tt_arg(t, fn, "buf", IN, "ByteArrayPtr")->size_in.src = "arg.n";
  tt_arg(t, fn, "n", IN, "Int32");
  tt_arg(t, fn, "items", IN, "ArrayPtr")->t.elem_type = OSPY_BT_INT32;
  tt_arg(t, fn, "m", IN, "Int64");
  tt_arg(t, fn, "c", IN, "CountedPtr");
  tt_arg(t, fn, "out", OUT, "ByteArrayPtr")->size_in.src = "retval";
  t->fns[fn].args[2].count_in.src = "arg.m";
  tt_prepare(t);
  static const int32_t items[] = { 7, 8, 9 };
  static char buf[] = "hello";
  struct counted c = { -1, items, -3, buf };
  tt_call k;
  tt_call_init(&k);
  tt_int(&k, P(buf), sizeof(void *));
  tt_int(&k, (uint64_t)-1, 4);
  tt_int(&k, P(items), sizeof(void *));
  tt_int(&k, (uint64_t)-5, 8);
  tt_int(&k, P(&c), sizeof(void *));
  tt_int(&k, P(buf), sizeof(void *));
  tt_done(&k, 0);
  tt_run(t, fn, &k, (uint64_t)-1, NULL, NULL, 65536, text, sizeof text);
  char want[512];
  snprintf(want, sizeof want,
           "(buf=%p<bad size -1>, n=-1, items=%p<bad count -5>, m=-5, "
           "c={n=-1, items=%p<bad count -1>, len=-3, data=%p<bad size -3>}, out=\"\") = -1",
           (void *)buf, (void *)items, (void *)items, (void *)buf);
  CHECK_STR(text, want);
  ospy_marshal_release(t);
  ospy_spec_table_free(t);
}

/* The callee returns -1.5 in xmm0 (x86-64) or st0 (i386). */
static void return_double(void *p)
{
  tt_call *k = p;
  double r = -1.5;
#if defined(__x86_64__)
  memcpy(&k->ctx.xmm[0][0], &r, 8);
#else
  k->ctx.st0 = r;
  k->ctx.st0_valid = 1;
#endif
}

/* fl(a, x, b, y) as shown (it returns -1.5). */
static const char *run_fl(const ospy_spec_table *t, uint32_t fn, int32_t a, double x, int32_t b,
                          float y)
{
  static tt_call k;
  tt_call_init(&k);
  tt_int(&k, (uint64_t)(int64_t)a, 4);
  tt_double(&k, x);
  tt_int(&k, (uint64_t)(int64_t)b, 4);
  tt_float(&k, y);
  tt_done(&k, 0);
  tt_run(t, fn, &k, 0, return_double, &k, 65536, text, sizeof text);
  return text;
}

static void test_floats(void)
{
  ospy_spec_table *t = tt_table();
  uint32_t fn = tt_fn(t, "fl", "Double");
  tt_arg(t, fn, "a", IN, "Int32");
  tt_arg(t, fn, "x", IN, "Double");
  tt_arg(t, fn, "b", IN, "Int32");
  tt_arg(t, fn, "y", IN, "Float");
  tt_prepare(t);
  /* the shortest text that reads back as the same value, as the exports:
   * 0.1 + 0.2 in doubles (%g wrote 0.3), 2^53 (%g wrote 9.0072e+15) */
  CHECK_STR(run_fl(t, fn, 1, 0.30000000000000004, -3, 0.25f),
            "(a=1, x=0.30000000000000004, b=-3, y=0.25) = -1.5");
  CHECK_STR(run_fl(t, fn, 1, 9007199254740992.0, 2, 16777216.0f),
            "(a=1, x=9007199254740992, b=2, y=16777216) = -1.5");
  /* the smallest denormal in its shortest digits (%.6g wrote 4.94066e-324,
   * the start of its exact binary value); round numbers stay as %g lays
   * them; a Float in a float's digits (not 9.999999747378752e-05) */
  CHECK_STR(run_fl(t, fn, 1, 5e-324, 2, 100.0f), "(a=1, x=5e-324, b=2, y=100) = -1.5");
  CHECK_STR(run_fl(t, fn, 1, 1e22, 2, 0.0001f), "(a=1, x=1e+22, b=2, y=0.0001) = -1.5");
  ospy_marshal_release(t);
  ospy_spec_table_free(t);
}

/* The blob never exceeds its cap; what does not fit is marked. */
static void test_blob_cap(void)
{
  ospy_spec_table *t = tt_table();
  uint32_t fn = tt_fn(t, "big", NULL);
  tt_arg(t, fn, "a", IN, "Int32");
  tt_arg(t, fn, "buf", IN, "ByteArrayPtr")->size_in.src = "1000";
  tt_arg(t, fn, "b", IN, "Int32");
  tt_prepare(t);
  static uint8_t data[1000];
  memset(data, 'z', sizeof data);
  tt_call k;
  tt_call_init(&k);
  tt_int(&k, 1, 4);
  tt_int(&k, P(data), sizeof(void *));
  tt_int(&k, 2, 4);
  tt_done(&k, 0);
  uint8_t blob[64];
  memset(blob, 0xee, sizeof blob);
  size_t n = ospy_marshal_enter(&t->fns[fn], &k.c, blob, 48, 65536);
  CHECK(n <= 48);
  CHECK(blob[48] == 0xee);
  CHECK(!(blob[3] & OSPY_VB_F_TRUNCATED)); /* b keeps its room: nothing is missing */
  ospy_values_format_text(&t->fns[fn], blob, n, OSPY_VALUES_ARGS, text, sizeof text);
  /* how many bytes fit depends on the pointer's encoded size */
  CHECK(!strncmp(text, "a=1, buf=\"zz", 12));
  CHECK(strstr(text, "\"...(") && strstr(text, " of 1000 bytes), b=2"));
  n = ospy_marshal_enter(&t->fns[fn], &k.c, blob, 8, 65536);
  ospy_values_format_text(&t->fns[fn], blob, n, OSPY_VALUES_ARGS, text, sizeof text);
  CHECK_STR(text, "a=1, ...");
  ospy_marshal_release(t);
  ospy_spec_table_free(t);
}

/* One phase's blob with the fast paths as `ints_words` and `phases` say
 * (marshal.c put_ints_fast, put_ints), then both as prepared again. */
static size_t blob_with(ospy_spec_fn *f, tt_call *k, uint8_t *out, size_t cap, int leave,
                        uint8_t ints_words, uint8_t phases)
{
  uint8_t kept_words = f->ints_words, kept_phases = f->int_phases;
  f->ints_words = ints_words;
  f->int_phases = phases;
  size_t n = leave ? ospy_marshal_leave(f, &k->c, out, cap, 65536)
                   : ospy_marshal_enter(f, &k->c, out, cap, 65536);
  f->ints_words = kept_words;
  f->int_phases = kept_phases;
  return n;
}

/* Enter and leave blobs of fn with and without the all-integer fast paths
 * (marshal.c put_ints_fast, put_ints) hold the same bytes, for every blob
 * size. */
static void check_fast_same(ospy_spec_table *t, uint32_t fn, tt_call *k, uint64_t retval)
{
  ospy_spec_fn *f = &t->fns[fn];
  uint8_t phases = f->int_phases, words = f->ints_words;
  CHECK(phases != 0);
  for (size_t cap = 8; cap <= 200; cap++)
    for (int leave = 0; leave < 2; leave++) {
      uint8_t a[256], b[256], c[256];
      if (leave)
        tt_set_return(k, retval);
      size_t na = blob_with(f, k, a, cap, leave, words, phases);
      size_t nb = blob_with(f, k, b, cap, leave, 0, phases);
      size_t nc = blob_with(f, k, c, cap, leave, 0, 0);
      CHECK(na == nb && !memcmp(a, b, na));
      CHECK(nb == nc && !memcmp(b, c, nb));
    }
}

static void test_int_fast_path(void)
{
  ospy_spec_table *t = tt_table();
  static const char *const sn[] = { "SOCK_STREAM", "SOCK_DGRAM" };
  static const uint64_t sv[] = { 1, 2 };
  tt_enum(t, "SockType", 0, sn, sv, 2);
  uint32_t fn = tt_fn(t, "ints", "Int32");
  const char *types[] = { "Int8", "UInt16", "Int32", "UInt32", "Boolean", "SockType", "Int64" };
  const char *names[] = { "a", "b", "c", "d", "e", "f", "g" };
  for (int i = 0; i < 7; i++)
    tt_arg(t, fn, names[i], i == 3 ? OUT : IN, types[i]);
  uint32_t mixed = tt_fn(t, "mixed", "Int32");
  tt_arg(t, mixed, "n", IN, "Int32");
  tt_arg(t, mixed, "p", IN, "Int32Ptr");
  uint32_t cond = tt_fn(t, "cond", "Int32");
  tt_arg(t, cond, "n", IN, "Int32")->cond.src = "arg.n > 1";
  uint32_t outbuf = tt_fn(t, "outbuf", "Int32"); /* like read(): integers at enter only */
  tt_arg(t, outbuf, "fd", IN, "Int32");
  tt_arg(t, outbuf, "buf", OUT, "ByteArrayPtr")->size_out.src = "retval";
  tt_arg(t, outbuf, "n", IN, "UInt32");
  uint32_t ret64 = tt_fn(t, "ret64", "Int64"); /* i386: edx:eax, the general path */
  tt_arg(t, ret64, "n", IN, "Int32");
  tt_prepare(t);
  CHECK(t->fns[mixed].int_phases == OSPY_VB_PHASE_LEAVE);
  CHECK(t->fns[cond].int_phases == OSPY_VB_PHASE_LEAVE);
  CHECK(t->fns[ret64].int_phases == (sizeof(void *) == 8 ? 3 : OSPY_VB_PHASE_ENTER));
  CHECK(t->fns[outbuf].int_phases == OSPY_VB_PHASE_ENTER);
  tt_call k;
  tt_call_init(&k);
  tt_int(&k, (uint64_t)-3, 1);
  tt_int(&k, 0xfffff, 2);
  tt_int(&k, (uint64_t)-70000, 4);
  tt_int(&k, 4000000000u, 4);
  tt_int(&k, 1, 4);
  tt_int(&k, 2, 4);
  tt_int(&k, (uint64_t)INT64_MIN, 8);
  tt_done(&k, 0);
  check_fast_same(t, fn, &k, (uint64_t)-1);
  tt_run(t, fn, &k, (uint64_t)-1, NULL, NULL, 65536, text, sizeof text);
  CHECK_STR(text, "(a=-3, b=65535, c=-70000, d=4000000000, e=true, f=SOCK_DGRAM, "
                  "g=-9223372036854775808) = -1");
  char buf[16] = "0123456789abcdef";
  tt_call_init(&k);
  tt_int(&k, 3, 4);
  tt_int(&k, P(buf), sizeof(void *));
  tt_int(&k, 16, 4);
  tt_done(&k, 0);
  check_fast_same(t, outbuf, &k, 5);
  tt_run(t, outbuf, &k, 5, NULL, NULL, 65536, text, sizeof text);
  CHECK_STR(text, "(fd=3, buf=\"01234\", n=16) = 5");
  ospy_marshal_release(t);
  ospy_spec_table_free(t);
}

/* Functions of plain `in` integers in one argument word each and no
 * condition skip the walk of the calling convention (ints_words); the
 * others do not; the bytes are the same either way. */
static void test_ints_words(void)
{
  ospy_spec_table *t = tt_table();
  uint32_t nine = tt_fn(t, "nine", "UInt32"); /* x86-64: three on the stack */
  const char *types[] = { "Int8", "UInt16", "Int32", "UInt32", "Boolean", "Int32",
                          "Int16", "UInt8", "Int32" };
  for (int i = 0; i < 9; i++)
    tt_arg(t, nine, (const char *[]){ "a", "b", "c", "d", "e", "f", "g", "h", "i" }[i], IN,
           types[i]);
  uint32_t none = tt_fn(t, "none", "Int32");
  uint32_t fast = tt_fn(t, "fast", "Int32"); /* i386: ecx, edx, then the stack */
  t->fns[fast].callconv = OSPY_CALLCONV_FASTCALL;
  for (int i = 0; i < 3; i++)
    tt_arg(t, fast, (const char *[]){ "x", "y", "z" }[i], IN, "Int32");
  uint32_t wide = tt_fn(t, "wide", "Int32"); /* i386: two stack words */
  tt_arg(t, wide, "v", IN, "Int64");
  uint32_t inout = tt_fn(t, "inout", "Int32");
  tt_arg(t, inout, "v", OUT, "Int32");
  uint32_t cond = tt_fn(t, "cond", "Int32");
  tt_arg(t, cond, "v", IN, "Int32");
  t->fns[cond].cond.src = "retval > 0";
  tt_prepare(t);
  CHECK(t->fns[nine].ints_words == (sizeof(void *) == 8 ? 9 : 9));
  CHECK(t->fns[none].ints_words != 0);
  CHECK(t->fns[wide].ints_words == (sizeof(void *) == 8 ? 1 : 0));
  CHECK(t->fns[inout].ints_words == 0 && t->fns[cond].ints_words == 0);
  tt_call k;
  tt_call_init(&k);
  for (int i = 0; i < 9; i++)
    tt_int(&k, (uint64_t)(-5 - 1000 * i), 4);
  tt_done(&k, 0);
  check_fast_same(t, nine, &k, 0xfffffffe);
  tt_run(t, nine, &k, 0xfffffffe, NULL, NULL, 65536, text, sizeof text);
  CHECK_STR(text, "(a=-5, b=64531, c=-2005, d=4294964291, e=true, f=-5005, g=-6005, "
                  "h=163, i=-8005) = 4294967294");
  tt_call_init(&k);
  tt_done(&k, 0);
  check_fast_same(t, none, &k, 7);
  tt_run(t, none, &k, 7, NULL, NULL, 65536, text, sizeof text);
  CHECK_STR(text, "() = 7");
  tt_call_init(&k);
#if defined(__i386__)
  CHECK(t->fns[fast].ints_words == 3);
  static uint32_t stack[] = { 0x1234, 33 }; /* ret, z */
  k.ctx.esp = (uint32_t)(uintptr_t)stack;
  k.args[0] = 11; /* ecx */
  k.args[1] = 22; /* edx */
  k.args[2] = 33; /* the first stack word */
  k.c.nargs = 3;
  k.c.ctx = &k.ctx;
  k.c.args = k.args;
  k.c.state = k.state;
  k.c.state_size = sizeof k.state;
#else
  for (int i = 1; i <= 3; i++)
    tt_int(&k, (uint64_t)(11 * i), 4);
  tt_done(&k, 0);
#endif
  check_fast_same(t, fast, &k, 1);
  tt_run(t, fast, &k, 1, NULL, NULL, 65536, text, sizeof text);
  CHECK_STR(text, "(x=11, y=22, z=33) = 1");
  ospy_marshal_release(t);
  ospy_spec_table_free(t);
}

/* One call's enter and leave blobs (the leave after the argument words are
 * clobbered, as a callee does), its state and what the caller reads back,
 * with the fast path for buffers (bytes_words) as `words` says. */
typedef struct bytes_run {
  uint8_t enter[768], leave[768];
  size_t ne, nl;
  uint64_t state[OSPY_MARSHAL_STATE_SIZE / 8];
  uint64_t retval;
  int short_enter, short_leave, failed;
} bytes_run;

static void bytes_blobs(ospy_spec_fn *f, tt_call *k, uint64_t retval, size_t cap,
                        size_t value_cap, uint8_t words, bytes_run *r)
{
  uint8_t kept = f->bytes_words;
  f->bytes_words = words;
  memset(k->state, 0xa5, sizeof k->state);
  memset(r, 0, sizeof *r);
  k->c.retval = 0;
  r->ne = ospy_marshal_enter(f, &k->c, r->enter, cap, value_cap);
  r->short_enter = k->c.short_of_room;
  memcpy(r->state, k->state, sizeof r->state);
  uint64_t args[32];
  ospy_cpu_context ctx = k->ctx;
  memcpy(args, k->args, sizeof args);
  memset(k->args, 0xcc, sizeof k->args);
  tt_set_return(k, retval);
  r->nl = ospy_marshal_leave(f, &k->c, r->leave, cap, value_cap);
  r->short_leave = k->c.short_of_room;
  r->retval = k->c.retval;
  r->failed = ospy_marshal_failed(f, &k->c);
  memcpy(k->args, args, sizeof args);
  k->ctx = ctx;
  f->bytes_words = kept;
}

static int bytes_run_same(const bytes_run *a, const bytes_run *b)
{
  return a->ne == b->ne && !memcmp(a->enter, b->enter, a->ne) && a->nl == b->nl &&
         !memcmp(a->leave, b->leave, a->nl) && !memcmp(a->state, b->state, sizeof a->state) &&
         a->retval == b->retval && a->short_enter == b->short_enter &&
         a->short_leave == b->short_leave && a->failed == b->failed;
}

/* The fast path for buffers writes what the general path writes, at every
 * blob size (where it gives way to the general path, and where the values
 * fit whole), every value cap and return value given. */
static unsigned check_bytes_same(ospy_spec_table *t, uint32_t fn, tt_call *k,
                                 const uint64_t *retvals, unsigned nret, size_t max_cap)
{
  static const size_t caps[] = { 0, 1, 16, 65536 };
  ospy_spec_fn *f = &t->fns[fn];
  unsigned diffs = 0;
  static bytes_run a, b;
  for (unsigned r = 0; r < nret; r++)
    for (size_t v = 0; v < sizeof caps / sizeof *caps; v++)
      for (size_t cap = 0; cap <= max_cap; cap++) {
        bytes_blobs(f, k, retvals[r], cap, caps[v], f->bytes_words, &a);
        bytes_blobs(f, k, retvals[r], cap, caps[v], 0, &b);
        if (!bytes_run_same(&a, &b)) {
          if (!diffs)
            fprintf(stderr, "%s: fast and general differ at cap %zu, value cap %zu, "
                    "retval %lld\n", f->name, cap, caps[v], (long long)retvals[r]);
          diffs++;
        }
      }
  return diffs;
}

static void bytes_call(tt_call *k, const uint64_t *words, const unsigned *widths, unsigned n)
{
  tt_call_init(k);
  for (unsigned i = 0; i < n; i++)
    tt_int(k, words[i], widths[i]);
  tt_done(k, 0);
}

static void test_bytes_fast_path(void)
{
  ospy_spec_table *t = tt_table();
  uint32_t rd = tt_fn(t, "read", "SSize"); /* configs/files.xml */
  tt_arg(t, rd, "fd", IN, "FileDescriptor");
  ospy_spec_arg *a = tt_arg(t, rd, "buf", OUT, "ByteArrayPtr");
  a->size_in.src = "arg.count";
  a->size_out.src = "retval";
  a->cond.src = "(i32)retval > 0";
  tt_arg(t, rd, "count", IN, "Size");
  t->fns[rd].error_cond.src = "retval < 0";
  uint32_t wr = tt_fn(t, "write", "SSize");
  tt_arg(t, wr, "fd", IN, "FileDescriptor");
  tt_arg(t, wr, "buf", IN, "ByteArrayPtr")->size_in.src = "arg.count";
  tt_arg(t, wr, "count", IN, "Size");
  t->fns[wr].error_cond.src = "arg.fd < 0"; /* decided at entry */
  uint32_t rv = tt_fn(t, "recv", "SSize"); /* configs/net.xml */
  tt_arg(t, rv, "sockfd", IN, "FileDescriptor");
  a = tt_arg(t, rv, "buf", OUT, "ByteArrayPtr");
  a->size_in.src = "arg.len";
  a->size_out.src = "retval < arg.len ? retval : arg.len";
  a->cond.src = "(i32)retval > 0";
  tt_arg(t, rv, "len", IN, "Size");
  tt_arg(t, rv, "flags", IN, "Int32");
  uint32_t pr = tt_fn(t, "pread64", "SSize"); /* i386: offset takes two words */
  tt_arg(t, pr, "fd", IN, "FileDescriptor");
  a = tt_arg(t, pr, "buf", OUT, "ByteArrayPtr");
  a->size_in.src = "arg.count";
  a->size_out.src = "retval";
  a->cond.src = "(i32)retval > 0";
  tt_arg(t, pr, "count", IN, "Size");
  tt_arg(t, pr, "offset", IN, "Int64");
  /* a signed size (a negative one is recorded as such), one read from
   * memory (faults on a bad pointer), in/out with a size at leave only, two
   * buffers, no return value */
  uint32_t odd = tt_fn(t, "odd", NULL);
  tt_arg(t, odd, "a", IN, "ByteArrayPtr")->size_in.src = "arg.n";
  tt_arg(t, odd, "n", IN, "Int32");
  tt_arg(t, odd, "b", IN, "ByteArrayPtr")->size_in.src = "u32[arg.lenp]";
  tt_arg(t, odd, "lenp", IN, "Size");
  tt_arg(t, odd, "c", INOUT, "ByteArrayPtr")->size_out.src = "arg.n + 1";
  uint32_t strs = tt_fn(t, "strs", "Int32"); /* a string: the general path */
  tt_arg(t, strs, "s", IN, "AsciiStringPtr");
  uint32_t cnt = tt_fn(t, "cnt", "Int32"); /* a computed argument: the general path */
  tt_arg(t, cnt, "buf", IN, "ByteArrayPtr")->size_in.src = "4";
  tt_arg(t, cnt, "v", IN, "Int32")->value.src = "u8[arg.buf]";
  tt_prepare(t);
  int wide = sizeof(void *) == 8;
  CHECK(t->fns[rd].bytes_words == 3 && t->fns[wr].bytes_words == 3 &&
        t->fns[rv].bytes_words == 4);
  CHECK(t->fns[pr].bytes_words == (wide ? 4 : 0));
  CHECK(t->fns[odd].bytes_words == 5);
  CHECK(t->fns[strs].bytes_words == 0 && t->fns[cnt].bytes_words == 0);
  long pg = sysconf(_SC_PAGESIZE);
  uint8_t *gp = guard_pages();
  for (int i = 0; i < 64; i++)
    gp[pg - 64 + i] = (uint8_t)('A' + i % 26);
  uint64_t full = P(gp + pg - 64), cut = P(gp + pg - 10), bad = P(gp + pg);
  static const uint64_t rets[] = { (uint64_t)-1, 0, 3, 10, 64, 100 };
  unsigned nrets = sizeof rets / sizeof *rets;
  uint64_t bufs[] = { full, cut, bad, 0 };
  unsigned diffs = 0, runs = 0;
  for (unsigned b = 0; b < 4; b++)
    for (unsigned n = 0; n < 3; n++) {
      uint64_t count = (uint64_t[]){ 0, 7, 64 }[n];
      tt_call k;
      bytes_call(&k, (uint64_t[]){ 3, bufs[b], count }, (unsigned[]){ 4, sizeof(void *), sizeof(void *) }, 3);
      diffs += check_bytes_same(t, rd, &k, rets, nrets, 200);
      diffs += check_bytes_same(t, wr, &k, rets, nrets, 200);
      bytes_call(&k, (uint64_t[]){ (uint64_t)-1, bufs[b], count }, (unsigned[]){ 4, sizeof(void *), sizeof(void *) }, 3);
      diffs += check_bytes_same(t, wr, &k, rets, nrets, 200);
      bytes_call(&k, (uint64_t[]){ 5, bufs[b], count, 0x40 },
                 (unsigned[]){ 4, sizeof(void *), sizeof(void *), 4 }, 4);
      diffs += check_bytes_same(t, rv, &k, rets, nrets, 200);
      bytes_call(&k, (uint64_t[]){ 5, bufs[b], count, 1u << 20 },
                 (unsigned[]){ 4, sizeof(void *), sizeof(void *), 8 }, 4);
      diffs += check_bytes_same(t, pr, &k, rets, nrets, 200);
      runs += 5;
    }
  uint32_t len7 = 7;
  uint64_t lens[] = { P(&len7), bad, 0 };
  for (unsigned b = 0; b < 4; b++)
    for (unsigned l = 0; l < 3; l++)
      for (unsigned n = 0; n < 3; n++) {
        uint64_t nv = (uint64_t[]){ 0, 5, (uint64_t)-2 }[n];
        tt_call k;
        bytes_call(&k, (uint64_t[]){ bufs[b], nv, bufs[3 - b], lens[l], bufs[(b + 1) % 4] },
                   (unsigned[]){ sizeof(void *), 4, sizeof(void *), sizeof(void *), sizeof(void *) },
                   5);
        diffs += check_bytes_same(t, odd, &k, rets, 2, 300);
        runs++;
      }
  printf("bytes fast path: %u calls, every blob size to 200 (300), 4 value caps: %u differ\n", runs,
         diffs);
  CHECK(diffs == 0);
  /* what the fast path writes reads back as before */
  tt_call k;
  bytes_call(&k, (uint64_t[]){ 3, full, 64 }, (unsigned[]){ 4, sizeof(void *), sizeof(void *) }, 3);
  tt_run(t, rd, &k, 5, NULL, NULL, 65536, text, sizeof text);
  CHECK_STR(text, "(fd=3, buf=\"ABCDE\", count=64) = 5");
  tt_run(t, rd, &k, (uint64_t)-1, NULL, NULL, 65536, text, sizeof text);
  CHECK_STR(text, "(fd=3, count=64) = -1");
  bytes_call(&k, (uint64_t[]){ 3, cut, 64 }, (unsigned[]){ 4, sizeof(void *), sizeof(void *) }, 3);
  tt_run(t, wr, &k, 64, NULL, NULL, 4, text, sizeof text);
  printf("write: %s\n", text);
  bytes_call(&k, (uint64_t[]){ 3, bad, 64 }, (unsigned[]){ 4, sizeof(void *), sizeof(void *) }, 3);
  tt_run(t, wr, &k, 64, NULL, NULL, 65536, text, sizeof text);
  printf("write: %s\n", text);
  munmap(gp, 2 * (size_t)pg);
  ospy_marshal_release(t);
  ospy_spec_table_free(t);
}

/* Corrupt blobs are reported, never read out of bounds. */
static void test_decode_garbage(void)
{
  ospy_spec_table *t = tt_table();
  uint32_t fn = tt_fn(t, "g", "Int32");
  tt_arg(t, fn, "a", IN, "ByteArrayPtr")->size_in.src = "4";
  tt_prepare(t);
  uint8_t blob[32] = { 'V', 1, 1, 0, 0, OSPY_VB_PTR, 0x10, OSPY_VB_BYTES, 0, 4, 200 };
  char err[128];
  ospy_value_visitor v = { 0 };
  CHECK(ospy_values_decode(&t->fns[fn], blob, 11, &v, NULL, err, sizeof err) < 0);
  uint8_t b2[] = { 'V', 1, 1, 0, 9, OSPY_VB_INT_U, 1 };
  CHECK(ospy_values_decode(&t->fns[fn], b2, sizeof b2, &v, NULL, err, sizeof err) < 0);
  CHECK_STR(err, "values blob: argument index beyond the spec at byte 5");
  srand(1);
  for (int i = 0; i < 20000; i++) { /* random blobs: must not crash (ASan build) */
    uint8_t r[24] = { 'V', 1, 1, 0 };
    for (size_t j = 4; j < sizeof r; j++)
      r[j] = (uint8_t)(rand() % 16);
    ospy_values_format_text(&t->fns[fn], r, 4 + (size_t)(rand() % 20), OSPY_VALUES_ARGS, text,
                            sizeof text);
  }
  ospy_marshal_release(t);
  ospy_spec_table_free(t);
}

static void test_varargs(void)
{
  ospy_spec_table *t = tt_table();
  uint32_t fn = tt_fn(t, "logf", NULL);
  tt_arg(t, fn, "level", IN, "Int32");
  tt_arg(t, fn, "fmt", IN, "AsciiFormatStringPtr");
  tt_prepare(t);
  tt_call k;
  tt_call_init(&k);
  tt_int(&k, 2, 4);
  tt_int(&k, P("%s=%d %5.2f %c %llu %%|%*d|%p %-+#0'ld"), sizeof(void *));
  tt_int(&k, P("key"), sizeof(void *));
  tt_int(&k, (uint64_t)-7, 4);
  tt_double(&k, 3.25);
  tt_int(&k, 'A', 4);
  tt_int(&k, 123456789012ull, 8);
  tt_int(&k, 4, 4);  /* on x86-64 these go to the stack */
  tt_int(&k, 42, 4);
  tt_int(&k, 0x1000, sizeof(void *));
  tt_int(&k, (uint64_t)-1, sizeof(long));
  tt_done(&k, 0);
  tt_run(t, fn, &k, 0, NULL, NULL, 65536, text, sizeof text);
  /* each value as its conversion shows it: %c a character, %p in hex */
  CHECK_STR(text, "(level=2, fmt=\"%s=%d %5.2f %c %llu %%|%*d|%p %-+#0'ld\"(\"key\", -7, 3.25, 'A', "
                  "123456789012, 4, 42, 0x1000, -1))");
  ospy_marshal_release(t);
  ospy_spec_table_free(t);
}

/* A UTF-16 format (UnicodeFormatString) is MSVC's wide printf, as oSpy ran
 * it (vswprintf): %s, %ls and %lS take a UTF-16 string, %hs and %S a narrow
 * one, %c and %lc a UTF-16 character, %hc and %C a narrow one. (Its %s was
 * read as a char *: "b" of u"bob"; %ls as a wchar_t string, running into the
 * format; %c shown as the number 8364.) */
static void test_unicode_format(void)
{
  ospy_spec_table *t = tt_table();
  uint32_t fn = tt_fn(t, "WLMDebug", NULL);
  tt_arg(t, fn, "fmt", IN, "UnicodeFormatStringPtr");
  tt_prepare(t);
  static const char16_t f[] = u"user %s %ls %lS %c %lc|%hs %S %hc %C|%.2s %d";
  tt_call k;
  tt_call_init(&k);
  tt_int(&k, P(f), sizeof(void *));
  tt_int(&k, P(u"bob"), sizeof(void *));
  tt_int(&k, P(u"bo"), sizeof(void *));
  tt_int(&k, P(u"b"), sizeof(void *));
  tt_int(&k, 0x20ac, 4); /* a char16_t, promoted to int */
  tt_int(&k, 0xe9, 4);
  tt_int(&k, P("nar"), sizeof(void *));
  tt_int(&k, P("row"), sizeof(void *));
  tt_int(&k, 'x', 4);
  tt_int(&k, 'y', 4);
  tt_int(&k, P(u"abc"), sizeof(void *));
  tt_int(&k, (uint64_t)-7, 4);
  tt_done(&k, 0);
  tt_run(t, fn, &k, 0, NULL, NULL, 65536, text, sizeof text);
  CHECK_STR(text, "(fmt=\"user %s %ls %lS %c %lc|%hs %S %hc %C|%.2s %d\"(\"bob\", \"bo\", \"b\", "
                  "'€', 'é', \"nar\", \"row\", 'x', 'y', \"ab\", -7))");
  ospy_marshal_release(t);
  ospy_spec_table_free(t);
}

/* logf(2, f, words...) shown: each word pointer-wide (an int or a pointer). */
static const char *run_format(const char *f, const uint64_t *words, unsigned n)
{
  ospy_spec_table *t = tt_table();
  uint32_t fn = tt_fn(t, "logf", NULL);
  tt_arg(t, fn, "level", IN, "Int32");
  tt_arg(t, fn, "fmt", IN, "AsciiFormatStringPtr");
  tt_prepare(t);
  tt_call k;
  tt_call_init(&k);
  tt_int(&k, 2, 4);
  tt_int(&k, P(f), sizeof(void *));
  for (unsigned i = 0; i < n; i++)
    tt_int(&k, words[i], sizeof(void *));
  tt_done(&k, 0);
  tt_run(t, fn, &k, 0, NULL, NULL, 65536, text, sizeof text);
  ospy_marshal_release(t);
  ospy_spec_table_free(t);
  return text;
}

static void test_format_edges(void)
{
  /* glibc's %m takes no argument: the values after it are still decoded */
  static const uint64_t m[] = { 1, 2 };
  CHECK_STR(run_format("x=%d %m y=%d", m, 2), "(level=2, fmt=\"x=%d %m y=%d\"(1, 2))");
  static const uint64_t ff[] = { 255 }; /* and the reader pairs %x with its value */
  CHECK_STR(run_format("%m|%x", ff, 1), "(level=2, fmt=\"%m|%x\"(0xff))");
  /* an unreadable %s, and format, as every unreadable pointer shows */
  static const uint64_t s60[] = { 0, 0x60, 0x70 };
  CHECK_STR(run_format("%s|%s|%ls", s60, 3),
            "(level=2, fmt=\"%s|%s|%ls\"(NULL, <unreadable at 0x60>, <unreadable at 0x70>))");
  CHECK_STR(run_format((const char *)0x90, m, 1), "(level=2, fmt=<unreadable at 0x90>)");
  /* %n's argument is a pointer: in hex, as %p */
  static const uint64_t np[] = { 0x80, 0x90 };
  CHECK_STR(run_format("%n|%p", np, 2), "(level=2, fmt=\"%n|%p\"(0x80, 0x90))");
  /* decoding that stops early says so: past the cap of 32 values, at
   * positional arguments, at a conversion it does not know */
  static uint64_t many[28]; /* as many as the test call holds; the rest garbage */
  char f33[3 * 33 + 1] = "";
  for (int i = 0; i < 33; i++)
    strcat(f33, "%d ");
  for (int i = 0; i < 28; i++)
    many[i] = (uint64_t)i + 1;
  const char *got = run_format(f33, many, 28);
  CHECK(strstr(got, "\"(1, 2, 3, ") && !strcmp(got + strlen(got) - 7, ", ...))"));
  got = run_format(f33 + 3, many, 28); /* 32 conversions: all, no marker */
  CHECK(strstr(got, "\"(1, 2, 3, ") && !strstr(got, "..."));
  const uint64_t pos[] = { 5, P("pos") };
  CHECK_STR(run_format("%2$s %1$d", pos, 2),
            "(level=2, fmt=\"%2$s %1$d\"(<positional arguments not decoded>))");
  CHECK_STR(run_format("%d %Z %d", m, 2),
            "(level=2, fmt=\"%d %Z %d\"(1, <not decoded from an unknown conversion on>))");
}

static ospy_spec_table *vt;

/* A real variadic function handing its va_list to a vprintf-like spec. */
static void vlog(const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  tt_call k;
  tt_call_init(&k);
  tt_int(&k, P(fmt), sizeof(void *));
  tt_int(&k, P(ap), sizeof(void *));
  tt_done(&k, 0);
  tt_run(vt, 0, &k, 0, NULL, NULL, 65536, text, sizeof text);
  va_end(ap);
}

static void test_va_list(void)
{
  vt = tt_table();
  uint32_t fn = tt_fn(vt, "vlogf", NULL);
  tt_arg(vt, fn, "fmt", IN, "AsciiFormatStringPtr")->valist_arg = 1;
  tt_arg(vt, fn, "ap", IN, "VaList");
  tt_prepare(vt);
  vlog("%s|%d|%g|%lld|%s|%d %d %d %d %d %d %d", "x", -5, 1.5, -3ll, (char *)NULL, 1, 2, 3, 4, 5, 6, 7);
  CHECK_STR(text, "(fmt=\"%s|%d|%g|%lld|%s|%d %d %d %d %d %d %d\"(\"x\", -5, 1.5, -3, NULL, 1, 2, 3, 4, 5, 6, 7))");
  /* long doubles (x87 extended, in memory): read and shown as doubles, also
   * after a register-passed value and between others */
  vlog("%Lf|%d|%Lg|%f|%Le", 2.5L, 9, -0.125L, 0.5, 1e300L * 10);
  /* 1e301L rounds down to the double below 1e301 (marshal_args.c) */
  CHECK_STR(text, "(fmt=\"%Lf|%d|%Lg|%f|%Le\"(2.5, 9, -0.125, 0.5, 9.999999999999999e+300))");
  /* a %s's precision is the most printf reads (the rest was recorded); %lc
   * and %C are wide characters, not one byte of them */
  vlog("%.*s|%.3s|%.0s|%.*s|%lc|%C", 3, "abcSECRET", "abcSECRET", "zz", -1, "all", (wint_t)0x2713,
       (wint_t)0xe9);
  CHECK_STR(text, "(fmt=\"%.*s|%.3s|%.0s|%.*s|%lc|%C\"(3, \"abc\", \"abc\", \"\", -1, \"all\", "
                  "'\u2713', '\u00e9'))");
  /* each integer as printf converts it: hh and h truncate (and sign-extend)
   * the int they were promoted to; l, z and t are the target's long and
   * size_t, ll, j and L 8 bytes; the %d after each proves the slots taken */
  vlog("%hhd|%hd|%hhu|%hx|%hho|%d", 300, 70000, -1, -1, 0x1ff, 7);
  CHECK_STR(text, "(fmt=\"%hhd|%hd|%hhu|%hx|%hho|%d\"(44, 4464, 255, 0xffff, 0377, 7))");
  char want[256];
  snprintf(want, sizeof want,
           "(fmt=\"%%ld|%%lu|%%zu|%%zd|%%td|%%lld|%%jd|%%Ld|%%d\"(-2, %lu, %zu, -3, -4, -5, -6, -7, 8))",
           ULONG_MAX, SIZE_MAX);
  vlog("%ld|%lu|%zu|%zd|%td|%lld|%jd|%Ld|%d", -2L, ULONG_MAX, SIZE_MAX, (ssize_t)-3,
       (ptrdiff_t)-4, -5LL, (intmax_t)-6, -7LL, 8);
  CHECK_STR(text, want);
  ospy_marshal_release(vt);
  ospy_spec_table_free(vt);
}

/* vlogf(f, ap) with ap a word the test chose: a va_list it laid out itself. */
static const char *run_va_word(const char *f, uint64_t ap)
{
  tt_call k;
  tt_call_init(&k);
  tt_int(&k, P(f), sizeof(void *));
  tt_int(&k, ap, sizeof(void *));
  tt_done(&k, 0);
  tt_run(vt, 0, &k, 0, NULL, NULL, 65536, text, sizeof text);
  return text;
}

/* The values of a va_list laid out at the end of a readable page, whose
 * next slot is on the guard page after it (x86-64: the structure at the
 * page's start, its areas where the test puts them). */
#if defined(__x86_64__)
typedef struct va_tag {
  uint32_t gp_offset, fp_offset;
  uint64_t overflow_arg_area, reg_save_area;
} va_tag;

static const char *run_va_tag(const char *f, va_tag *at, uint32_t gp, uint32_t fp, uint64_t overflow,
                              uint64_t reg_save)
{
  *at = (va_tag){ gp, fp, overflow, reg_save };
  return run_va_word(f, P(at));
}
#endif

/* A va_list that cannot be read, or whose values run into memory that
 * cannot be: the value that could not be read is shown unreadable at the
 * address that failed, the last value decoded; no value is made up (a 0 or
 * a NULL read from nowhere) and none is dropped silently. */
static void test_va_list_unreadable(void)
{
  vt = tt_table();
  uint32_t fn = tt_fn(vt, "vlogf", NULL);
  tt_arg(vt, fn, "fmt", IN, "AsciiFormatStringPtr")->valist_arg = 1;
  tt_arg(vt, fn, "ap", IN, "VaList");
  tt_prepare(vt);
  CHECK_STR(run_va_word("%d %d", 3), "(fmt=\"%d %d\"(<unreadable at 0x3>))");
  CHECK_STR(run_va_word("%s %d", 0), "(fmt=\"%s %d\"(<unreadable at 0x0>))");
  CHECK_STR(run_va_word("%*d", 0x10), "(fmt=\"%*d\"(<unreadable at 0x10>))");
  /* a format that consumes nothing never reads its va_list */
  CHECK_STR(run_va_word("100%% done", 3), "(fmt=\"100%% done\")");
  long pg = sysconf(_SC_PAGESIZE);
  uint8_t *p = guard_pages(), *end = p + pg;
  char want[256];
  int32_t five = 5;
#if defined(__x86_64__)
  va_tag *tag = (va_tag *)p;
  memcpy(end - 8, &(uint64_t){ 7 }, 8);
  /* the register save area unreadable: integers, then doubles */
  snprintf(want, sizeof want, "(fmt=\"%%d|%%s\"(<unreadable at %p>))", (void *)end);
  CHECK_STR(run_va_tag("%d|%s", tag, 0, 48, P(end - 8), P(end)), want);
  snprintf(want, sizeof want, "(fmt=\"%%f\"(<unreadable at %p>))", (void *)(end + 48));
  CHECK_STR(run_va_tag("%f", tag, 48, 48, P(end - 8), P(end)), want);
  /* the registers used up: the overflow area runs into the guard page */
  snprintf(want, sizeof want, "(fmt=\"%%d|%%f|%%d\"(7, <unreadable at %p>))", (void *)end);
  CHECK_STR(run_va_tag("%d|%f|%d", tag, 48, 176, P(end - 8), 0), want);
  snprintf(want, sizeof want, "(fmt=\"%%Lf\"(<unreadable at %p>))", (void *)end); /* 16-aligned */
  CHECK_STR(run_va_tag("%Lf", tag, 48, 176, P(end - 8), 0), want);
  snprintf(want, sizeof want, "(fmt=\"%%d|%%*d\"(7, <unreadable at %p>))", (void *)end);
  CHECK_STR(run_va_tag("%d|%*d", tag, 48, 176, P(end - 8), 0), want);
  /* the structure itself across the guard page: its first byte that could
   * not be read (it named the structure's start) */
  snprintf(want, sizeof want, "(fmt=\"%%d\"(<unreadable at %p>))", (void *)end);
  CHECK_STR(run_va_word("%d", P(end - 16)), want);
  CHECK_STR(run_va_word("%d", P(end - 4)), want);
  /* and one that can be read still decodes: the last integer register, the
   * first SSE register, then the overflow area */
  uint8_t *regs = p + 64;
  memcpy(regs + 40, &(int64_t){ -5 }, 8);
  memcpy(regs + 48, &(double){ 2.5 }, 8);
  CHECK_STR(run_va_tag("%d|%f|%d", tag, 40, 48, P(end - 8), P(regs)),
            "(fmt=\"%d|%f|%d\"(-5, 2.5, 7))");
#else
  memcpy(end - 4, &five, 4);
  snprintf(want, sizeof want, "(fmt=\"%%d|%%d\"(5, <unreadable at %p>))", (void *)end);
  CHECK_STR(run_va_word("%d|%d", P(end - 4)), want);
  snprintf(want, sizeof want, "(fmt=\"%%d|%%.*s\"(5, <unreadable at %p>))", (void *)end);
  CHECK_STR(run_va_word("%d|%.*s", P(end - 4)), want);
  /* 8 bytes from a slot of 4 readable ones: the slot is unreadable */
  snprintf(want, sizeof want, "(fmt=\"%%lld\"(<unreadable at %p>))", (void *)(end - 4));
  CHECK_STR(run_va_word("%lld", P(end - 4)), want);
  snprintf(want, sizeof want, "(fmt=\"%%f\"(<unreadable at %p>))", (void *)(end - 4));
  CHECK_STR(run_va_word("%f", P(end - 4)), want);
  snprintf(want, sizeof want, "(fmt=\"%%Lf\"(<unreadable at %p>))", (void *)(end - 8));
  CHECK_STR(run_va_word("%Lf", P(end - 8)), want);
#endif
  (void)five;
  munmap(p, 2 * (size_t)pg);
  ospy_marshal_release(vt);
  ospy_spec_table_free(vt);
}

/* A call's own variadic values read from a stack that ends at a page the
 * next one cannot be read from: the value past it is unreadable, the last. */
static void test_varargs_stack_unreadable(void)
{
  ospy_spec_table *t = tt_table();
  uint32_t fn = tt_fn(t, "logf", NULL);
  tt_arg(t, fn, "level", IN, "Int32");
  tt_arg(t, fn, "fmt", IN, "AsciiFormatStringPtr");
  tt_prepare(t);
  long pg = sysconf(_SC_PAGESIZE);
  uint8_t *p = guard_pages(), *end = p + pg;
  const char *f = "%d %d %d %d %d %d";
  tt_call k;
  tt_call_init(&k);
  tt_int(&k, 2, 4);
  tt_int(&k, P(f), sizeof(void *));
  tt_int(&k, 1, 4);
  tt_done(&k, 1); /* the stack words are read through the context */
#if defined(__x86_64__)
  tt_int(&k, 2, 4); /* rdx, rcx, r8, r9 hold 1..4 */
  tt_int(&k, 3, 4);
  tt_int(&k, 4, 4);
  k.c.nargs = k.ngp;
  memcpy(end - 8, &k.fake_stack[0], 8); /* the return address; stack word 0 unreadable */
  k.ctx.rsp = P(end - 8);
  const char *vals = "1, 2, 3, 4, ";
#else
  memcpy(end - 16, k.fake_stack, 16); /* return address, level, fmt, 1 */
  k.ctx.esp = (uint32_t)P(end - 16);
  const char *vals = "1, ";
#endif
  tt_run(t, fn, &k, 0, NULL, NULL, 65536, text, sizeof text);
  char want[256];
  snprintf(want, sizeof want, "(level=2, fmt=\"%s\"(%s<unreadable at %p>))", f, vals, (void *)end);
  CHECK_STR(text, want);
  munmap(p, 2 * (size_t)pg);
  ospy_marshal_release(t);
  ospy_spec_table_free(t);
}

static void test_sockaddr_dynamic_hex(void)
{
  ospy_spec_table *t = tt_table();
  static const char *const dn[] = { "AF_UNIX", "AF_INET", "AF_INET6" };
  static const uint64_t dv[] = { 1, 2, 10 };
  static const char *const pn[] = { "IPPROTO_TCP" };
  static const uint64_t pv[] = { 6 };
  tt_enum(t, "Domain", 0, dn, dv, 3);
  tt_enum(t, "AF_INET_Protocol", 0, pn, pv, 1);
  uint32_t fn = tt_fn(t, "net", NULL);
  tt_arg(t, fn, "domain", IN, "Domain");
  ospy_spec_arg *pa = tt_arg(t, fn, "proto", IN, "Dynamic");
  pa->type_base.src = "arg.domain";
  pa->type_suffix = "_Protocol";
  tt_arg(t, fn, "a4", IN, "SockAddrPtr");
  tt_arg(t, fn, "a6", IN, "SockAddrPtr");
  tt_arg(t, fn, "un", IN, "SockAddrPtr")->size_in.src = "20";
  tt_arg(t, fn, "nl", IN, "SockAddrPtr")->size_in.src = "12";
  /* addrlen 0 (recvfrom on a stream socket) and 1: no address, not the
   * stale bytes of the buffer */
  tt_arg(t, fn, "none", IN, "SockAddrPtr")->size_in.src = "0";
  tt_arg(t, fn, "one", IN, "SockAddrPtr")->size_in.src = "1";
  ospy_spec_arg *hx = tt_arg(t, fn, "raw", IN, "ByteArrayPtr");
  hx->size_in.src = "4";
  hx->t.hex = 1;
  tt_prepare(t);
  static const uint8_t a4[16] = { 2, 0, 0x1f, 0x90, 10, 0, 0, 1 };
  static const uint8_t a6[28] = { 10, 0, 0, 80, 0, 0, 0, 0, /* family, port, flowinfo */
                                  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 /* ::1 */ };
  static const char un[20] = "\x01\x00/tmp/sock";
  static const uint8_t nl[12] = { 16, 0, 0, 0, 0xd2, 0x04, 0, 0, 5, 0, 0, 0 }; /* pid 1234 */
  tt_call k;
  tt_call_init(&k);
  tt_int(&k, 2, 4);
  tt_int(&k, 6, 4);
  tt_int(&k, P(a4), sizeof(void *));
  tt_int(&k, P(a6), sizeof(void *));
  tt_int(&k, P(un), sizeof(void *));
  tt_int(&k, P(nl), sizeof(void *));
  tt_int(&k, P(a6), sizeof(void *));
  tt_int(&k, P(a6), sizeof(void *));
  tt_int(&k, P("\x01\xab\x00\xff"), sizeof(void *));
  tt_done(&k, 0);
  tt_run(t, fn, &k, 0, NULL, NULL, 65536, text, sizeof text);
  CHECK_STR(text, "(domain=AF_INET, proto=IPPROTO_TCP, a4={AF_INET, 10.0.0.1:8080}, "
                  "a6={AF_INET6, [::1]:80}, un={AF_UNIX, \"/tmp/sock\"}, "
                  "nl={AF_NETLINK, pid=1234, groups=0x5}, none={}, one={}, "
                  "raw=<01 ab 00 ff>)");
  /* show -s N cuts a hex buffer as it cuts a quoted one: N bytes, then "..." */
  ospy_values_set_string_limit(2);
  tt_run(t, fn, &k, 0, NULL, NULL, 65536, text, sizeof text);
  ospy_values_set_string_limit(0);
  CHECK(strstr(text, "raw=<01 ab>...)") != NULL);
  ospy_marshal_release(t);
  ospy_spec_table_free(t);
}

/* Strings spanning pages are read whole; UTF-16 units may straddle a page. */
static void test_string_across_pages(void)
{
  long pg = sysconf(_SC_PAGESIZE);
  uint8_t *p = mmap(NULL, 3 * (size_t)pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  CHECK(p != MAP_FAILED);
  char *s1 = (char *)p + pg - 300; /* 600 chars: 300 on each page */
  memset(s1, 'a', 600);
  s1[600] = 0;
  uint8_t *s2 = p + 2 * pg - 3; /* odd address: a code unit straddles the boundary */
  static const uint8_t hi[] = { 'h', 0, 'i', 0, 0, 0 };
  memcpy(s2, hi, sizeof hi);
  ospy_spec_table *t = tt_table();
  uint32_t fn = tt_fn(t, "pages", NULL);
  tt_arg(t, fn, "s", IN, "AsciiStringPtr");
  tt_arg(t, fn, "w", IN, "UnicodeStringPtr");
  tt_prepare(t);
  tt_call k;
  tt_call_init(&k);
  tt_int(&k, P(s1), sizeof(void *));
  tt_int(&k, P(s2), sizeof(void *));
  tt_done(&k, 0);
  tt_run(t, fn, &k, 0, NULL, NULL, 65536, text, sizeof text);
  char want[1024] = "(s=\"";
  memset(want + 4, 'a', 600);
  strcpy(want + 604, "\", w=\"hi\")");
  CHECK_STR(text, want);
  /* show -s N cuts a wide string too: N characters, then "..." */
  ospy_values_set_string_limit(1);
  tt_run(t, fn, &k, 0, NULL, NULL, 65536, text, sizeof text);
  ospy_values_set_string_limit(0);
  CHECK(strstr(text, ", w=\"h\"...)") != NULL);
  munmap(p, 3 * (size_t)pg);
  ospy_marshal_release(t);
  ospy_spec_table_free(t);
}

/* Argument conditions that do not use the return value hold or not at entry;
   a function condition drops the call at return. */
static void test_conditions(void)
{
  ospy_spec_table *t = tt_table();
  uint32_t fn = tt_fn(t, "cond", "Int32");
  tt_arg(t, fn, "n", IN, "Int32");
  tt_arg(t, fn, "s", IN, "AsciiStringPtr")->cond.src = "arg.n > 2";
  t->fns[fn].cond.src = "retval >= 0 && arg.n != 7";
  tt_prepare(t);
  for (int n = 1; n <= 7; n += 2) {
    tt_call k;
    tt_call_init(&k);
    tt_int(&k, (uint64_t)n, 4);
    tt_int(&k, P("str"), sizeof(void *));
    tt_done(&k, 0);
    tt_run(t, fn, &k, (uint64_t)(n == 5 ? -1 : 0), NULL, NULL, 65536, text, sizeof text);
    int logged = ospy_marshal_should_log(&t->fns[fn], &k.c);
    char want[128];
    snprintf(want, sizeof want, n > 2 ? "(n=%d, s=\"str\") = %d" : "(n=%d) = %d", n, n == 5 ? -1 : 0);
    CHECK_STR(text, want);
    CHECK(logged == (n != 5 && n != 7));
  }
  ospy_marshal_release(t);
  ospy_spec_table_free(t);
}

/* fill(n, out) writes n * 2 to *out when out is not NULL. */
static int32_t fill_cell = -5;
static int32_t fill_n;
static void fill_callee(void *data)
{
  (void)data;
  fill_cell = fill_n * 2;
}

/* A function condition (logCondition, errorCondition) that reads only what
   the call entered with, *arg.out of an in Int32Ptr, is decided at entry,
   on the value the record shows: it saw the memory at return (fill(3) with
   out=[-5] logged: *out was 6 once fill returned; fill(10) with out=[6]
   dropped). Reading an out or in/out argument, or retval, it is decided at
   return; a call that did not return passes one decided at entry. */
static void test_conditions_at_entry(void)
{
  ospy_spec_table *t = tt_table();
  uint32_t fn = tt_fn(t, "fill", "Int32");
  tt_arg(t, fn, "n", IN, "Int32");
  tt_arg(t, fn, "out", IN, "Int32Ptr");
  t->fns[fn].cond.src = "*arg.out == 6";
  t->fns[fn].error_cond.src = "arg.out < 0";
  uint32_t fo = tt_fn(t, "fill_out", "Int32");
  tt_arg(t, fo, "n", IN, "Int32");
  tt_arg(t, fo, "out", OUT, "Int32Ptr");
  t->fns[fo].cond.src = "*arg.out == 6";
  t->fns[fo].error_cond.src = "arg.out < 0";
  uint32_t fr = tt_fn(t, "fill_ret", "Int32");
  tt_arg(t, fr, "n", IN, "Int32");
  tt_arg(t, fr, "out", IN, "Int32Ptr");
  t->fns[fr].cond.src = "retval == arg.n && *arg.out == 6";
  tt_prepare(t);
  static const struct {
    uint32_t fn;
    int32_t n, cell;
    int null_out;
    const char *want;
    int at_entry, at_leave, failed;
  } cases[] = {
    { 0, 3, -5, 0, "(n=3, out=[-5]) = 3", 0, 1, 1 },
    { 0, 10, 6, 0, "(n=10, out=[6]) = 10", 1, 1, 0 },
    { 0, 4, 0, 1, "(n=4, out=NULL) = 4", 0, 1, 0 },
    { 1, 3, -5, 0, "(n=3, out=[6]) = 3", 1, 1, 0 },
    { 1, 10, 6, 0, "(n=10, out=[20]) = 10", 1, 0, 0 },
    { 2, 3, -5, 0, "(n=3, out=[-5]) = 3", 1, 1, 0 },
    { 2, 10, 6, 0, "(n=10, out=[6]) = 10", 1, 0, 0 },
  };
  const uint32_t fns[] = { fn, fo, fr };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    const ospy_spec_fn *f = &t->fns[fns[cases[i].fn]];
    fill_cell = cases[i].cell;
    fill_n = cases[i].n;
    tt_call k;
    tt_call_init(&k);
    tt_int(&k, (uint64_t)cases[i].n, 4);
    tt_int(&k, cases[i].null_out ? 0 : P(&fill_cell), sizeof(void *));
    tt_done(&k, 0);
    int at_entry = ospy_marshal_should_log_at_entry(f, &k.c);
    tt_run(t, fns[cases[i].fn], &k, (uint64_t)cases[i].n, cases[i].null_out ? NULL : fill_callee,
           NULL, 65536, text, sizeof text);
    int at_leave = ospy_marshal_should_log(f, &k.c);
    int failed = ospy_marshal_failed(f, &k.c);
    printf("  %s%s: at entry %d, at return %d, failed %d\n", f->name, text, at_entry, at_leave,
           failed);
    CHECK_STR(text, cases[i].want);
    CHECK(at_entry == cases[i].at_entry);
    CHECK(at_leave == cases[i].at_leave);
    CHECK(failed == cases[i].failed);
    k.c.ctx = NULL; /* as given up: one decided at entry held there */
    CHECK(ospy_marshal_should_log_unreturned(f, &k.c) == (cases[i].fn == 0 || cases[i].fn == 2 ||
                                                          cases[i].at_leave));
  }
  ospy_marshal_release(t);
  ospy_spec_table_free(t);
}

#if defined(__i386__)
/* i386 addresses are 32 bits: a condition's read at 4 GiB or above faults
 * (the condition is false), it is not cut to the low half and read there;
 * `ospy expr --arch i386` simulates the same (docs/expressions.md). */
static void test_i386_condition_read_above_4g(void)
{
  static const uint32_t word = 11;
  ospy_spec_table *t = tt_table();
  uint32_t fn = tt_fn(t, "far", NULL);
  tt_arg(t, fn, "p", IN, "UInt32");
  tt_arg(t, fn, "near", IN, "Int32")->cond.src = "u32[(u64)arg.p] != 12345";
  tt_arg(t, fn, "far", IN, "Int32")->cond.src = "u32[(u64)arg.p + 0x100000000] != 12345";
  tt_prepare(t);
  tt_call k;
  tt_call_init(&k);
  tt_int(&k, P(&word), 4);
  tt_int(&k, 1, 4);
  tt_int(&k, 2, 4);
  tt_done(&k, 0);
  tt_run(t, fn, &k, 0, NULL, NULL, 65536, text, sizeof text);
  char want[64];
  snprintf(want, sizeof want, "(p=%u, near=1)", (unsigned)P(&word));
  CHECK_STR(text, want);
  ospy_marshal_release(t);
  ospy_spec_table_free(t);
}
#endif

static void set_einval(void *data)
{
  ((tt_call *)data)->c.err = 22;
}

/* errno in an argument's condition is errno after the call, as retval is the
   return value: decided at return (the caller's errno at entry, here 0, was
   once taken for it and dropped the in argument and the failed call's out). */
static void test_errno_conditions(void)
{
  ospy_spec_table *t = tt_table();
  uint32_t fn = tt_fn(t, "econd", "Int32");
  tt_arg(t, fn, "n", IN, "Int32")->cond.src = "errno == 22";
  tt_arg(t, fn, "o", OUT, "Int32Ptr")->cond.src = "errno == 22";
  tt_prepare(t);
  static int32_t o = 5;
  for (int fail = 0; fail <= 1; fail++) {
    tt_call k;
    tt_call_init(&k);
    tt_int(&k, 3, 4);
    tt_int(&k, P(&o), sizeof(void *));
    tt_done(&k, 0);
    k.c.err = 0;
    tt_run(t, fn, &k, (uint64_t)(fail ? -1 : 0), fail ? set_einval : NULL, &k, 65536, text,
           sizeof text);
    CHECK_STR(text, fail ? "(n=3, o=[5]) = -1" : "(n=3) = 0");
  }
  ospy_marshal_release(t);
  ospy_spec_table_free(t);
}

#if defined(__i386__)
/* i386 register conventions: fastcall (ecx, edx), thiscall (ecx = this). */
static void test_i386_conventions(void)
{
  ospy_spec_table *t = tt_table();
  uint32_t fc = tt_fn(t, "fast", NULL);
  t->fns[fc].callconv = OSPY_CALLCONV_FASTCALL;
  tt_arg(t, fc, "a", IN, "Int32");
  tt_arg(t, fc, "d", IN, "Int64"); /* 64-bit: on the stack, and so is every later one (GCC) */
  tt_arg(t, fc, "b", IN, "Int32");
  tt_arg(t, fc, "c", IN, "Int32");
  uint32_t tc = tt_fn(t, "method", NULL);
  t->fns[tc].callconv = OSPY_CALLCONV_THISCALL;
  tt_arg(t, tc, "x", IN, "Int32");
  tt_arg(t, tc, "y", IN, "Int32");
  tt_prepare(t);
  tt_call k;
  tt_call_init(&k);
  /* what gcc -m32 does with fastcall f(int a, long long d, int b, int c):
   * a in ecx; d, b, c at 4, 12, 16(%esp); edx unused */
  uint32_t stack[] = { 0x1234, 0x89abcdef, 0x01234567, 20, 30 }; /* ret, d lo, d hi, b, c */
  k.ctx.esp = (uint32_t)(uintptr_t)stack;
  k.args[0] = 10; /* ecx */
  k.args[1] = 99; /* edx: garbage */
  k.c.nargs = 2;  /* only the register words: the rest from the stack */
  k.c.ctx = &k.ctx;
  k.c.args = k.args;
  k.c.state = k.state;
  k.c.state_size = sizeof k.state;
  tt_run(t, fc, &k, 0, NULL, NULL, 65536, text, sizeof text);
  CHECK_STR(text, "(a=10, d=81985529216486895, b=20, c=30)");
  uint32_t stack2[] = { 0x1234, 5, 6 };
  tt_call_init(&k);
  k.ctx.esp = (uint32_t)(uintptr_t)stack2;
  k.args[0] = 0x1000; /* ecx: this */
  k.c.nargs = 1;
  k.c.ctx = &k.ctx;
  k.c.args = k.args;
  tt_run(t, tc, &k, 0, NULL, NULL, 65536, text, sizeof text);
  CHECK_STR(text, "(x=5, y=6)");
  ospy_marshal_release(t);
  ospy_spec_table_free(t);
}

/* GCC's regparm(3) (its own choice for an -O2 local function): eax, edx,
 * ecx, then the stack; a 64-bit integer takes two registers when two are
 * left, else the stack, and every later argument is on the stack. They were
 * all read from the stack (garbage). What gcc -m32 -O2 passes for
 * f(int a, long long d, int b, int c) and g(int a, int b, long long d, int c). */
static void run_regparm(const ospy_spec_table *t, uint32_t fn, uint32_t *stack, unsigned nregs,
                        uint32_t eax, uint32_t edx, uint32_t ecx, const char *want)
{
  tt_call k;
  tt_call_init(&k);
  k.ctx.esp = (uint32_t)(uintptr_t)stack;
  k.args[0] = eax;
  k.args[1] = edx;
  k.args[2] = ecx;
  k.c.nargs = nregs; /* the register words: the rest from the stack */
  k.c.ctx = &k.ctx;
  k.c.args = k.args;
  k.c.state = k.state;
  k.c.state_size = sizeof k.state;
  tt_run(t, fn, &k, 0, NULL, NULL, 65536, text, sizeof text);
  CHECK_STR(text, want);
}

static void test_i386_regparm(void)
{
  ospy_spec_table *t = tt_table();
  uint32_t f = tt_fn(t, "f", NULL);
  t->fns[f].callconv = OSPY_CALLCONV_REGPARM3;
  tt_arg(t, f, "a", IN, "Int32");
  tt_arg(t, f, "d", IN, "Int64");
  tt_arg(t, f, "b", IN, "Int32");
  tt_arg(t, f, "c", IN, "Int32");
  uint32_t g = tt_fn(t, "g", NULL);
  t->fns[g].callconv = OSPY_CALLCONV_REGPARM3;
  tt_arg(t, g, "a", IN, "Int32");
  tt_arg(t, g, "b", IN, "Int32");
  tt_arg(t, g, "d", IN, "Int64");
  tt_arg(t, g, "c", IN, "Int32");
  uint32_t one = tt_fn(t, "one", NULL); /* regparm(1): eax, then the stack */
  t->fns[one].callconv = OSPY_CALLCONV_REGPARM1;
  tt_arg(t, one, "a", IN, "Int32");
  tt_arg(t, one, "b", IN, "Int32");
  uint32_t m = tt_fn(t, "V::m", NULL); /* a method: `this` in eax */
  t->fns[m].callconv = OSPY_CALLCONV_REGPARM3;
  t->fns[m].is_method = 1;
  tt_arg(t, m, "a", IN, "Int32");
  tt_arg(t, m, "b", IN, "Int32");
  tt_arg(t, m, "c", IN, "Int32");
  tt_prepare(t);
  uint32_t s_f[] = { 0x1234, 4, 5 };          /* ret, b, c; a eax, d edx:ecx */
  run_regparm(t, f, s_f, 3, 1, 3, 2, "(a=1, d=8589934595, b=4, c=5)");
  uint32_t s_g[] = { 0x1234, 4, 3, 6 };       /* ret, d lo, d hi, c; ecx unused */
  run_regparm(t, g, s_g, 3, 1, 2, 99, "(a=1, b=2, d=12884901892, c=6)");
  uint32_t s_one[] = { 0x1234, 8 };           /* ret, b */
  run_regparm(t, one, s_one, 1, 7, 99, 99, "(a=7, b=8)");
  uint32_t s_m[] = { 0x1234, 30 };            /* ret, c; this eax, a edx, b ecx */
  run_regparm(t, m, s_m, 3, 0x1000, 10, 20, "(a=10, b=20, c=30)");
  ospy_marshal_release(t);
  ospy_spec_table_free(t);
}

/* A vtable method's implicit `this` under each convention, as g++ -m32
 * passes it: fastcall ecx (the arguments then edx and the stack), thiscall
 * ecx, stdcall the first stack word. It was always skipped on the stack: a
 * fastcall method's `a` was shown as `this`. */
static uint32_t method_fn(ospy_spec_table *t, const char *name, int callconv, const char *first)
{
  uint32_t fn = tt_fn(t, name, NULL);
  t->fns[fn].callconv = (uint8_t)callconv;
  t->fns[fn].is_method = 1;
  tt_arg(t, fn, "a", IN, first);
  tt_arg(t, fn, "b", IN, "Int32");
  return fn;
}

static void run_method(const ospy_spec_table *t, uint32_t fn, uint32_t *stack, unsigned nregs,
                       uint32_t ecx, uint32_t edx, const char *want)
{
  tt_call k;
  tt_call_init(&k);
  k.ctx.esp = (uint32_t)(uintptr_t)stack;
  k.args[0] = ecx;
  k.args[1] = edx;
  k.c.nargs = nregs; /* the register words: the rest from the stack */
  k.c.ctx = &k.ctx;
  k.c.args = k.args;
  k.c.state = k.state;
  k.c.state_size = sizeof k.state;
  tt_run(t, fn, &k, 0, NULL, NULL, 65536, text, sizeof text);
  CHECK_STR(text, want);
}

static void test_i386_method_this(void)
{
  ospy_spec_table *t = tt_table();
  uint32_t fast = method_fn(t, "IFoo::Fc", OSPY_CALLCONV_FASTCALL, "Int32");
  uint32_t fast64 = method_fn(t, "IFoo::F64", OSPY_CALLCONV_FASTCALL, "Int64");
  uint32_t std = method_fn(t, "IFoo::Q", OSPY_CALLCONV_STDCALL, "Int32");
  tt_prepare(t);
  uint32_t this_ = 0x1000;
  uint32_t s_fast[] = { 0x1234, 1 };             /* ret, b; this in ecx, a in edx */
  run_method(t, fast, s_fast, 2, this_, 0, "(a=0, b=1)");
  uint32_t s_fast64[] = { 0x1234, 7, 0, 9 };     /* ret, a lo, a hi, b: edx unused */
  run_method(t, fast64, s_fast64, 2, this_, 99, "(a=7, b=9)");
  uint32_t s_std[] = { 0x1234, this_, 3, 4 };    /* ret, this, a, b */
  run_method(t, std, s_std, 0, 99, 99, "(a=3, b=4)");
  ospy_marshal_release(t);
  ospy_spec_table_free(t);
}

/* clang's convention for a local function (LLVM's fastcc): each word of an
 * integer argument takes the next of ecx, edx, the rest the stack, a Double
 * 8-byte aligned there. What clang -m32 -O2 passes for wide(long long v),
 * split(int a, long long v, int b) and late(int a, int b, int c, double d).
 * Read as regparm(3) they were eax (garbage), edx, ecx. */
static void run_fastcc(const ospy_spec_table *t, uint32_t fn, uint32_t *stack, uint32_t ecx,
                       uint32_t edx, const char *want)
{
  run_method(t, fn, stack, 2, ecx, edx, want);
  printf("fastcc: %s%s\n", t->fns[fn].name, text);
}

static void test_i386_fastcc(void)
{
  ospy_spec_table *t = tt_table();
  uint32_t wide = tt_fn(t, "wide", NULL);
  t->fns[wide].callconv = OSPY_CALLCONV_FASTCC;
  tt_arg(t, wide, "v", IN, "Int64");
  uint32_t split = tt_fn(t, "split", NULL);
  t->fns[split].callconv = OSPY_CALLCONV_FASTCC;
  tt_arg(t, split, "a", IN, "Int32");
  tt_arg(t, split, "v", IN, "Int64");
  tt_arg(t, split, "b", IN, "Int32");
  uint32_t late = tt_fn(t, "late", NULL);
  t->fns[late].callconv = OSPY_CALLCONV_FASTCC;
  tt_arg(t, late, "a", IN, "Int32");
  tt_arg(t, late, "b", IN, "Int32");
  tt_arg(t, late, "c", IN, "Int32");
  tt_arg(t, late, "d", IN, "Double");
  tt_prepare(t);
  uint32_t s_wide[] = { 0x1234 };                 /* ret; v in ecx (low), edx (high) */
  run_fastcc(t, wide, s_wide, 5, 5, "(v=21474836485)");
  uint32_t s_split[] = { 0x1234, 5, 6 };          /* ret, v's high word, b; a ecx, v low edx */
  run_fastcc(t, split, s_split, 5, 5, "(a=5, v=21474836485, b=6)");
  uint32_t s_late[] = { 0x1234, 7, 0xdead, 0, 0x40040000 }; /* ret, c, padding, d (2.5) */
  run_fastcc(t, late, s_late, 5, 6, "(a=5, b=6, c=7, d=2.5)");
  ospy_marshal_release(t);
  ospy_spec_table_free(t);
}
#endif

/* A method described by argsSize alone: its words are arguments the config
 * names arg0.. (raw_word, UInt32 or UInt64 as the target's word), read after
 * `this` where listed arguments would be (i386 thiscall: the stack words
 * after the return address, `this` in ecx) and shown as show writes the raw
 * words of a call without a spec: in hex, 0 for zero. */
static void test_args_size_words(void)
{
  ospy_spec_table *t = tt_table();
  uint32_t fn = tt_fn(t, "CP2PTransportBridge::Init", NULL);
  t->fns[fn].callconv = OSPY_CALLCONV_THISCALL;
  t->fns[fn].is_method = 1;
  t->fns[fn].args_size = 3 * sizeof(void *);
  static const char *const names[] = { "arg0", "arg1", "arg2" };
  for (int i = 0; i < 3; i++)
    tt_arg(t, fn, names[i], IN, sizeof(void *) == 8 ? "UInt64" : "UInt32")->t.raw_word = 1;
  tt_prepare(t);
  const char *want = "(arg0=0x29, arg1=0x12345, arg2=0)";
#if defined(__i386__)
  uint32_t stack[] = { 0x1234, 41, 0x12345, 0 }; /* ret, the words; this in ecx */
  run_method(t, fn, stack, 1, 0x1000, 99, want);
#else
  tt_call k;
  tt_call_init(&k);
  tt_int(&k, 0x1000, 8); /* this, in rdi */
  tt_int(&k, 41, 8);
  tt_int(&k, 0x12345, 8);
  tt_int(&k, 0, 8);
  tt_done(&k, 0);
  tt_run(t, fn, &k, 0, NULL, NULL, 65536, text, sizeof text);
  CHECK_STR(text, want);
#endif
  ospy_marshal_release(t);
  ospy_spec_table_free(t);
}

void test_seed(void);
void test_computed_all(void);
void test_room_all(void);
void test_byval_all(void);
void test_windows_all(void);

int main(void)
{
  test_seed();
  test_computed_all();
  test_varargs();
  test_unicode_format();
  test_format_edges();
  test_conditions();
  test_conditions_at_entry();
  test_errno_conditions();
  test_string_across_pages();
#if defined(__i386__)
  test_i386_conventions();
  test_i386_regparm();
  test_i386_method_this();
  test_i386_fastcc();
  test_i386_condition_read_above_4g();
#endif
  test_sockaddr_dynamic_hex();
  test_va_list();
  test_va_list_unreadable();
  test_varargs_stack_unreadable();
  test_integers();
  test_hex_bool_pointer_errno();
  test_boolean_widths();
  test_args_size_words();
  test_enums_flags();
  test_masked_flags();
  test_strings();
  test_bad_pointers();
  test_array_into_unmapped();
  test_structs_arrays();
  test_out_fields();
  test_struct_fixed_array_field();
  test_unreadable_struct_and_array_pointers();
  test_null_pointer_with_unreadable_size();
  test_out_buffer_sized_by_retval();
  test_without_state();
  test_out_buffer_sized_by_return_register();
  test_out_buffer_sized_by_negative_return_check();
  test_binary_bytes();
  test_garbage_size();
  test_negative_sizes();
  test_floats();
  test_blob_cap();
  test_room_all();
  test_int_fast_path();
  test_ints_words();
  test_bytes_fast_path();
  test_decode_garbage();
  test_byval_all();
  test_windows_all();
  if (test_failures)
    fprintf(stderr, "%d check(s) failed\n", test_failures);
  return test_failures ? 1 : 0;
}
