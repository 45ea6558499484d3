/* C++ thunks: the code a call through a base class's pointer enters under
 * multiple or virtual inheritance ("non-virtual thunk to D::fb(int)",
 * "virtual thunk to E::f()", "covariant return thunk to ..."). At -O0 a thunk
 * adjusts `this` and jumps to its method, whose hook sees the call; at -O2
 * g++ often gives it a copy of the method's code instead, and a hook of the
 * method alone never sees the calls that come through it. */
#ifndef OSPY_CLI_CXX_THUNKS_H
#define OSPY_CLI_CXX_THUNKS_H

#include <stddef.h>
#include <stdint.h>

/* The method a thunk's demangled name designates ("D::fb(int)" of
 * "non-virtual thunk to D::fb(int)"), NULL when d is no thunk's. */
const char *ospy_cxx_thunk_method(const char *d);

/* The mangled name of the method of a thunk's mangled name
 * (_ZThn16_N1D2fbEi: _ZN1D2fbEi; _ZTv0_n24_..., _ZTch..._v..._...): 1 and
 * out, 0 when mangled is no thunk's (or out is too small). */
int ospy_cxx_thunk_target(const char *mangled, char *out, size_t cap);

typedef enum ospy_cxx_thunk_kind {
  OSPY_CXX_THUNK_GOES_ON,    /* it adjusts `this` (or the result) and goes on into its
                                method, by a jmp or a call, directly or through the
                                method's PLT stub or GOT slot: the method's hook sees
                                each of its calls */
  OSPY_CXX_THUNK_OWN_CODE,   /* it has code of its own (a copy of the method's): only a
                                hook of its own sees its calls */
  OSPY_CXX_THUNK_UNHOOKABLE, /* code of its own that a hook cannot go into (why says) */
} ospy_cxx_thunk_kind;

/* An ELF file whose thunks are examined (opened once for all of a lookup's). */
typedef struct ospy_cxx_thunk_file ospy_cxx_thunk_file;
/* NULL when path cannot be read as an ELF file (or out of memory). */
ospy_cxx_thunk_file *ospy_cxx_thunk_file_open(const char *path);
void ospy_cxx_thunk_file_close(ospy_cxx_thunk_file *f);

/* What the thunk whose symbol is thunk, at value in the file (NULL: one
 * that could not be read), does with its calls. Code that cannot be read is
 * OSPY_CXX_THUNK_UNHOOKABLE, why saying so. */
ospy_cxx_thunk_kind ospy_cxx_thunk_examine(const ospy_cxx_thunk_file *f, const char *thunk,
                                           uint64_t value, char *why, size_t cap);

#endif
