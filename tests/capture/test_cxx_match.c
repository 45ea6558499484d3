/* C++ names as nm -C prints them matched against demangled names
 * (src/plan/cxx_match.h): the controller's lookup and the agent's (in
 * libraries loaded later; this test runs in the i386 build too). Each case
 * prints what it checks. */
#include <stdio.h>
#include <string.h>

#include "plan/cxx_match.h"
#include "check.h"

static void expect_match(const char *demangled, const char *name, int want)
{
  int got = ospy_cxx_name_matches(demangled, name);
  printf("%-58s %-34s %s\n", demangled, name, got ? "matches" : "-");
  if (got != want) {
    fprintf(stderr, "FAIL: '%s' %s '%s'\n", name, want ? "should match" : "should not match",
            demangled);
    exit(1);
  }
}

static void expect_token(const char *name, const char *want)
{
  char token[64];
  ospy_cxx_name_token(name, token, sizeof token);
  printf("token of %-40s '%s'\n", name, token);
  CHECK(!strcmp(token, want));
}

static void expect_code(const char *mangled, const char *want)
{
  const char *c = ospy_cxx_structor_code(mangled);
  printf("form of %-40s %.2s\n", mangled, c ? c : "-");
  CHECK(want ? c && !strncmp(c, want, 2) : !c);
}

int main(void)
{
  /* nm -C's names, whole or without the parameter list (every overload) */
  expect_match("ns::add(int, int)", "ns::add(int, int)", 1);
  expect_match("ns::add(int, int)", "ns::add", 1);
  expect_match("ns::add(int, int)", "ns::add(long)", 0);
  expect_match("ns::add(int, int)", "ns::ad", 0);
  expect_match("ns::adder(int)", "ns::add", 0);
  /* a template function is printed with its return type: not needed */
  expect_match("int ns::twice<int>(int)", "int ns::twice<int>(int)", 1);
  expect_match("int ns::twice<int>(int)", "ns::twice<int>(int)", 1);
  expect_match("int ns::twice<int>(int)", "ns::twice<int>", 1);
  expect_match("int ns::twice<int>(int)", "ns::twice", 1); /* every instantiation */
  expect_match("int ns::twice<int>(int)", "ns::twice<double>", 0);
  expect_match("int ns::twice<int>(int)", "twice<int>(int)", 0);
  expect_match("unsigned long ns::sz<char const*>(char const*)",
               "ns::sz<char const*>(char const*)", 1);
  expect_match("std::vector<int, std::allocator<int> > ns::mk<int>(int)", "ns::mk<int>", 1);
  /* a class template's member: without template arguments, every one */
  expect_match("ns::Box<int>::get() const", "ns::Box::get", 1);
  expect_match("ns::Box<int>::get() const", "ns::Box<int>::get", 1);
  expect_match("ns::Box<int>::get() const", "ns::Box<long>::get", 0);
  /* constructors and destructors */
  expect_match("P::P(int)", "P::P(int)", 1);
  expect_match("P::P(int)", "P::P", 1);
  expect_match("geo::Rect::~Rect()", "geo::Rect::~Rect", 1);
  expect_match("geo::Rect::~Rect()", "geo::Rect::Rect", 0);
  /* operators: their brackets are no template or parameter list */
  expect_match("operator new(unsigned long)", "operator new", 1);
  expect_match("operator new[](unsigned long)", "operator new", 0);
  expect_match("operator new[](unsigned long)", "operator new[]", 1);
  expect_match("operator new(unsigned long)", "new", 0);
  expect_match("ns::F::operator()(int) const", "ns::F::operator()", 1);
  expect_match("ns::F::operator()(int) const", "ns::F::operator()(int) const", 1);
  expect_match("ns::operator<<(std::ostream&, ns::X const&)", "ns::operator<<", 1);
  expect_match("ns::operator<<(std::ostream&, ns::X const&)", "ns::operator<", 0);
  expect_match("bool ns::operator< <ns::X>(ns::X const&, ns::X const&)",
               "ns::operator< <ns::X>", 1);
  expect_match("bool ns::operator< <ns::X>(ns::X const&, ns::X const&)", "ns::operator<", 1);
  expect_match("ns::X::operator->() const", "ns::X::operator->", 1);
  /* anonymous namespaces and lambdas */
  expect_match("(anonymous namespace)::helper(int)", "(anonymous namespace)::helper", 1);
  expect_match("main::{lambda(int)#1}::operator()(int) const",
               "main::{lambda(int)#1}::operator()", 1);
  /* ABI tags may be left out, as the source spells the name */
  expect_match("ns::Codec::name[abi:cxx11]() const", "ns::Codec::name", 1);
  expect_match("ns::Codec::name[abi:cxx11]() const", "ns::Codec::name() const", 1);
  expect_match("ns::Codec::name[abi:cxx11]() const", "ns::Codec::name[abi:cxx11]", 1);
  expect_match("std::string ns::f[abi:cxx11]<int>(int)", "ns::f<int>(int)", 1);
  /* a compiler clone only by its full name */
  expect_match("f(int) [clone .isra.0]", "f", 0);
  expect_match("f(int) [clone .isra.0]", "f(int) [clone .isra.0]", 1);

  expect_token("plug::Engine::run(int)", "3run");
  expect_token("P::P(int)", "1P");
  expect_token("geo::Rect::~Rect()", "4Rect");
  expect_token("int ns::twice<int>(int)", "5twice");
  expect_token("ns::twice<int>", "5twice");
  expect_token("ns::Codec::name[abi:cxx11]", "4name");
  expect_token("(anonymous namespace)::helper", "6helper");
  expect_token("operator new(unsigned long)", "");
  expect_token("ns::F::operator()", "");
  expect_token("std::vector<int>::push_back", "");

  expect_code("_ZN3geo4RectD0Ev", "D0");
  expect_code("_ZN3geo4RectD1Ev", "D1");
  expect_code("_ZN1PC2Ei", "C2");
  expect_code("_ZNSt6vectorIiSaIiEEC1Ev", "C1");
  expect_code("_ZN4plug6Engine3runEi", NULL);
  expect_code("_Z3addii", NULL);
  printf("ok\n");
  return 0;
}
