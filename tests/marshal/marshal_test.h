/* Helpers for the marshal tests: build spec tables by hand (the config
   parser is controller-only, these tests also run on i386) and calls as the
   interceptor would hand them over. */
#ifndef OSPY_TESTS_MARSHAL_TEST_H
#define OSPY_TESTS_MARSHAL_TEST_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "agent/marshal.h"
#include "arch/x86/cpu_context.h"
#include "plan/spec.h"

extern int test_failures;

#define CHECK(cond)                                                                    \
  do {                                                                                 \
    if (!(cond)) {                                                                     \
      fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);         \
      test_failures++;                                                                 \
    }                                                                                  \
  } while (0)

#define CHECK_STR(got, want)                                                           \
  do {                                                                                 \
    const char *g_ = (got), *w_ = (want);                                              \
    if (strcmp(g_, w_) != 0) {                                                         \
      fprintf(stderr, "%s:%d: got  %s\n%*s want %s\n", __FILE__, __LINE__, g_,         \
              (int)strlen(__FILE__) + 8, "", w_);                                      \
      test_failures++;                                                                 \
    }                                                                                  \
  } while (0)

/* Spec building. */
ospy_spec_table *tt_table(void);
uint32_t tt_fn(ospy_spec_table *t, const char *name, const char *ret);
ospy_spec_arg *tt_arg(ospy_spec_table *t, uint32_t fn, const char *name, int dir,
                      const char *type);
uint32_t tt_enum(ospy_spec_table *t, const char *name, int flags, const char *const *names,
                 const uint64_t *values, unsigned n);
uint32_t tt_struct(ospy_spec_table *t, const char *name, unsigned nfields);
ospy_spec_field *tt_field(ospy_spec_table *t, uint32_t st, unsigned i, const char *name,
                          unsigned offset, const char *type);
ospy_spec_typeref tt_type(ospy_spec_table *t, const char *name);
void tt_prepare(ospy_spec_table *t);

/* A call as the interceptor extracts it (see marshal.h). */
typedef struct tt_call {
  uint64_t args[32];
  unsigned ngp, nstack, nsse;
  uint64_t stack[32];
  uint64_t fake_stack[34]; /* [0] = return address, then the stack words */
  ospy_cpu_context ctx;
  uint64_t state[OSPY_MARSHAL_STATE_SIZE / 8];
  ospy_marshal_call c;
} tt_call;

void tt_call_init(tt_call *k);
void tt_int(tt_call *k, uint64_t v, unsigned width);
void tt_double(tt_call *k, double d);
void tt_float(tt_call *k, float f);
/* Finish: args words; `regs_only` hands over the register words only, so
   stack arguments must be read from the (fake) stack through the context. */
void tt_done(tt_call *k, int regs_only);
void tt_set_return(tt_call *k, uint64_t v);

/* enter, the callee (may be NULL: it writes the out-values), return with
   retval, leave; formatted as "(a=1, ...) = 3" into out. */
void tt_run(const ospy_spec_table *t, uint32_t fn, tt_call *k, uint64_t retval,
            void (*callee)(void *), void *data, size_t value_cap, char *out, size_t cap);
/* The leave blob of the last tt_run (len bytes). */
const uint8_t *tt_leave_blob(size_t *len);

#endif
