/* The arguments of a C++ function read from its demangled name
 * (src/config/cxx_signature.c, what `ospy capture -f` decodes a C++
 * function without a definition with): the parameter list split as
 * __cxa_demangle prints it, each type mapped conservatively (anything whose
 * layout the name does not give keeps the function raw), the scope and
 * qualifiers that decide `this`, and the spec, whose return value is raw
 * and survives the spec codec. Each case prints what it checks. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../marshal/marshal_test.h"
#include "config/cxx_signature.h"

/* "scope=ns::Codec const (p1:AsciiStringPtr, p2:Int32)" or "raw: WHY". */
static void describe(const char *d, unsigned bits, char *out, size_t cap)
{
  ospy_cxxsig s;
  char why[512] = "";
  if (ospy_cxxsig_read(d, &s) < 0) {
    snprintf(out, cap, "unread");
    return;
  }
  if (ospy_cxxsig_map(d, &s, bits, why, sizeof why) < 0) {
    snprintf(out, cap, "raw: %s", why);
    return;
  }
  ospy_spec_table *t = ospy_spec_table_new(bits / 8);
  size_t n = (size_t)snprintf(out, cap, "scope=%.*s%s (", (int)(s.scope_end - s.name_at),
                              d + s.name_at, s.qualified ? " qualified" : "");
  for (size_t i = 0; i < s.nparams && n < cap; i++) {
    const char *tn = ospy_spec_type_name(t, s.type[i]);
    n += (size_t)snprintf(out + n, cap - n, "%sp%zu:%s%s%s", i ? ", " : "", i + 1, tn,
                          s.ptr[i] ? "Ptr" : "", s.inout[i] ? " inout" : "");
  }
  if (n < cap)
    snprintf(out + n, cap - n, ")");
  ospy_spec_table_free(t);
}

static void expect(const char *d, unsigned bits, const char *want)
{
  char got[1024];
  describe(d, bits, got, sizeof got);
  printf("[%u] %s\n    -> %s\n", bits, d, got);
  if (strncmp(got, want, strlen(want))) {
    fprintf(stderr, "FAIL: %s: want '%s'\n", d, want);
    exit(1);
  }
}

static void types(void)
{
  expect("work(int)", 64, "scope= (p1:Int32)");
  expect("work(double)", 64, "scope= (p1:Double)");
  expect("f()", 64, "scope= ()");
  expect("flag(bool, char, signed char, unsigned char, short, unsigned short, int, unsigned int, "
         "long, unsigned long, long long, unsigned long long, float, double)", 64,
         "scope= (p1:CPPBool, p2:Int8, p3:Int8, p4:UInt8, p5:Int16, p6:UInt16, p7:Int32, "
         "p8:UInt32, p9:Int64, p10:UInt64, p11:Int64, p12:UInt64, p13:Float, p14:Double)");
  /* long is the target's width; long long is 64 bits on both */
  expect("w(long, unsigned long, long long)", 32, "scope= (p1:Int32, p2:UInt32, p3:Int64)");
  expect("by_hand(size_t, ssize_t, std::size_t)", 64, "scope= (p1:UInt64, p2:Int64, p3:UInt64)");
  expect("by_hand(size_t, ssize_t)", 32, "scope= (p1:UInt32, p2:Int32)");
  /* strings: char (const) * only; any other pointer or reference is a Pointer;
   * one not const may be a buffer the function fills: read at return too */
  expect("s(char const*, char*, wchar_t const*, wchar_t*, unsigned char const*, "
         "char const* const*, char const*&, int*)", 64,
         "scope= (p1:AsciiStringPtr, p2:AsciiStringPtr inout, p3:WideStringPtr, "
         "p4:WideStringPtr inout, "
         "p5:Pointer, p6:Pointer, p7:Pointer, p8:Pointer)");
  expect("len(std::__cxx11::basic_string<char, std::char_traits<char>, std::allocator<char> > "
         "const&)", 64, "scope= (p1:Pointer)");
  expect("mv(std::vector<int, std::allocator<int> >&&, std::map<int, int, std::less<int>, "
         "std::allocator<std::pair<int const, int> > > const*)", 64,
         "scope= (p1:Pointer, p2:Pointer)");
  expect("cb(void (*)(int, char), char const (&) [4], int (*) [3])", 64,
         "scope= (p1:Pointer, p2:Pointer, p3:Pointer)");
  expect("h((anonymous namespace)::T const&)", 64, "scope= (p1:Pointer)");
  /* what keeps a function raw: never a guessed layout */
  expect("sum(Big)", 64, "raw: a parameter Big passed by value (a class or an enumeration");
  expect("g(int, ns::Mode)", 64, "raw: a parameter ns::Mode passed by value");
  expect("v(std::vector<int, std::allocator<int> >)", 64,
         "raw: a parameter std::vector<int, std::allocator<int> > passed by value");
  expect("pm(int ns::Codec::*)", 64, "raw: a pointer to member (int ns::Codec::*)");
  expect("pmf(int (ns::Codec::*)(int))", 64, "raw: a pointer to member (int (ns::Codec::*)(int))");
  expect("va(char const*, ...)", 64, "raw: a variadic function (...)");
  expect("ld(long double)", 64, "raw: a parameter long double, a type ospy does not map");
  expect("wc(wchar_t)", 64, "raw: a parameter wchar_t, a type ospy does not map");
  expect("ns::Codec::name[abi:cxx11]() const", 64,
         "raw: the ABI tag of ns::Codec::name[abi:cxx11] says it returns a class");
  expect("f(int) [clone .isra.0]", 64, "raw: f(int) [clone .isra.0] is a compiler clone");
  /* a template function's return type is printed: a class keeps it raw */
  expect("int ns::twice<int>(int)", 64, "scope=ns (p1:Int32)");
  expect("char const* ns::name_of<char>(char)", 64, "scope=ns (p1:Int8)");
  expect("void ns::run<int>(int*)", 32, "scope=ns (p1:Pointer)");
  expect("std::vector<int, std::allocator<int> > ns::make<int>(int)", 64,
         "raw: it returns std::vector<int, std::allocator<int> >, which may come back");
}

static void scopes(void)
{
  expect("ns::Codec::encode(char const*, int)", 64, "scope=ns::Codec (p1:AsciiStringPtr, p2:Int32)");
  expect("ns::Codec::scale(long) const", 64, "scope=ns::Codec qualified (p1:Int64)");
  expect("ns::F::operator()(int) &&", 64, "scope=ns::F qualified (p1:Int32)");
  expect("ns::F::operator<(ns::F const&) const volatile &", 64, "scope=ns::F qualified (p1:Pointer)");
  expect("operator new(unsigned long)", 64, "scope= (p1:UInt64)");
  expect("operator new[](unsigned int)", 32, "scope= (p1:UInt32)");
  expect("(anonymous namespace)::hidden(int)", 64, "scope=(anonymous namespace) (p1:Int32)");
  expect("main::{lambda(int)#1}::operator()(int) const", 64,
         "scope=main::{lambda(int)#1} qualified (p1:Int32)");
  expect("ns::Box<int>::get(int) const", 64, "scope=ns::Box<int> qualified (p1:Int32)");
  expect("bool ns::operator< <int>(ns::Box<int> const&, ns::Box<int> const&)", 64,
         "scope=ns (p1:Pointer, p2:Pointer)");
  expect("geo::Rect::~Rect()", 64, "scope=geo::Rect ()");
  /* words after the list that are no qualifiers: not read */
  expect("f(int) noexcept", 64, "unread");
  expect("no_list", 64, "unread");
  expect("f(int", 64, "unread");
}

/* The spec: `this` first when asked, p1..pN, a raw return (none for a
 * constructor's), through the codec. */
static void spec(void)
{
  ospy_cxxsig s;
  const char *d = "ns::Codec::encode(char const*, int)";
  CHECK(ospy_cxxsig_read(d, &s) == 0 && ospy_cxxsig_map(d, &s, 64, NULL, 0) == 0);
  ospy_spec_table *t = ospy_spec_table_new(8);
  uint32_t with = ospy_cxxsig_spec(t, "_ZN2ns5Codec6encodeEPKci [C++]", &s, 1, 0);
  uint32_t without = ospy_cxxsig_spec(t, "other", &s, 0, 0);
  uint32_t structor = ospy_cxxsig_spec(t, "_ZN2ns5CodecC1EPKci [C++]", &s, 1, 1);
  CHECK(with != OSPY_SPEC_NONE && without != OSPY_SPEC_NONE && structor != OSPY_SPEC_NONE);
  size_t len = ospy_spec_table_encode(t, NULL, 0);
  void *blob = malloc(len);
  CHECK(blob && ospy_spec_table_encode(t, blob, len) == len);
  ospy_spec_table *back = NULL;
  char err[256];
  CHECK(ospy_spec_table_decode(blob, len, &back, err, sizeof err) == 0);
  const ospy_spec_fn *fn = ospy_spec_table_fn(back, with);
  printf("spec %s: %u arguments:", fn->name, fn->nargs);
  for (uint32_t i = 0; i < fn->nargs; i++)
    printf(" %s:%s%s", fn->args[i].name, ospy_spec_type_name(back, fn->args[i].t.type),
           fn->args[i].t.ptr ? "Ptr" : "");
  printf(", return %s\n", fn->ret_raw && !fn->has_ret ? "raw" : "typed");
  CHECK(fn->nargs == 3 && !strcmp(fn->args[0].name, "this") && !strcmp(fn->args[1].name, "p1") &&
        fn->args[1].t.type == OSPY_BT_ASCIISTRING && fn->args[1].t.ptr &&
        fn->args[2].t.type == OSPY_BT_INT32 && fn->ret_raw && !fn->has_ret);
  fn = ospy_spec_table_fn(back, without);
  CHECK(fn->nargs == 2 && !strcmp(fn->args[0].name, "p1"));
  /* a constructor's: no return value (void), not a raw one */
  fn = ospy_spec_table_fn(back, structor);
  printf("spec %s: return %s\n", fn->name, fn->ret_raw ? "raw" : fn->has_ret ? "typed" : "none");
  CHECK(fn->nargs == 3 && !fn->ret_raw && !fn->has_ret);
  free(blob);
  ospy_spec_table_free(back);
  ospy_spec_table_free(t);
}

int main(void)
{
  types();
  scopes();
  spec();
  printf("cxx-signature: %s\n", test_failures ? "FAILED" : "ok");
  return test_failures ? 1 : 0;
}
