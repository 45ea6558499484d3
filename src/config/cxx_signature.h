/*
 * A C++ function's signature read from its demangled name, as
 * __cxa_demangle prints it ("ns::Codec::encode(char const*, int) const"),
 * and the function spec that decodes its arguments: `ospy capture -f` of a
 * C++ function no config or preset defines (docs/catalogue.md). Text only:
 * whether a member function takes `this` is decided by the caller (the name
 * does not say whether a member is static), and the return type is not in
 * a non-template function's name at all: the spec leaves it raw (ret_raw).
 */
#ifndef OSPY_CONFIG_CXX_SIGNATURE_H
#define OSPY_CONFIG_CXX_SIGNATURE_H

#include <stddef.h>
#include <stdint.h>

#include "plan/spec.h"

typedef struct ospy_cxxsig {
  /* the parts before the parameter list (ospy_cxx_name_parts): a template
   * function's return type d[0, name_at - 1), the scope d[name_at,
   * scope_end), the list at base ('(') */
  size_t name_at, scope_end, base;
  size_t nparams;
  size_t param_at[OSPY_SPEC_MAX_ARGS], param_len[OSPY_SPEC_MAX_ARGS]; /* their text */
  uint8_t qualified;  /* const, volatile, & or && after the list: a non-static member */
  uint8_t abi_tagged; /* the function's own name has an ABI tag ("name[abi:cxx11]") */
  uint8_t clone;      /* " [clone .isra.0]": a copy whose parameters may differ */
  /* ospy_cxxsig_map: each parameter's type (enum ospy_builtin) and ...Ptr form */
  uint32_t type[OSPY_SPEC_MAX_ARGS];
  uint8_t ptr[OSPY_SPEC_MAX_ARGS];
  /* a `char*` or `wchar_t*` (not const): a buffer the function may fill, as
   * often as a string it reads; decoded at entry and at return */
  uint8_t inout[OSPY_SPEC_MAX_ARGS];
} ospy_cxxsig;

/* Reads the structure of demangled name d. 0, or -1 when d is no function
 * signature it can read (no parameter list, unbalanced brackets, words
 * after the list other than qualifiers, more than OSPY_SPEC_MAX_ARGS
 * parameters). */
int ospy_cxxsig_read(const char *d, ospy_cxxsig *s);

/* The type that decodes a parameter printed as text[0, len) on a target of
 * bits (64 or 32), conservatively: bool, the integer types (long at the
 * target's width), float, double, char const* / char* (AsciiStringPtr),
 * wchar_t const* / wchar_t* (WideStringPtr), any other pointer or reference
 * (Pointer). 0 and *type, *ptr; -1 for anything else (a class or
 * enumeration passed by value, long double, a pointer to member, "..."),
 * with why ("" when cap is 0). */
int ospy_cxxsig_type(const char *text, size_t len, unsigned bits, uint32_t *type, uint8_t *ptr,
                     char *why, size_t cap);

/* Maps every parameter of s (read from d) with ospy_cxxsig_type, and checks
 * what else would make a decode wrong: a variadic list, a compiler clone,
 * an ABI tag on the function's own name (it returns a tagged class such as
 * std::string, maybe by value through a hidden first argument), a template
 * function's printed return type that is a class. 0, or -1 with why. */
int ospy_cxxsig_map(const char *d, ospy_cxxsig *s, unsigned bits, char *why, size_t cap);

/* A function spec named name for a mapped signature: `this` (Pointer)
 * first when with_this, then p1..pN; the return value raw (ret_raw), or
 * none when returns_nothing (a constructor or destructor: void in the
 * Itanium C++ ABI of x86). Its index in t, or OSPY_SPEC_NONE when out of
 * memory or with too many arguments. */
uint32_t ospy_cxxsig_spec(ospy_spec_table *t, const char *name, const ospy_cxxsig *s,
                          int with_this, int returns_nothing);

#endif
