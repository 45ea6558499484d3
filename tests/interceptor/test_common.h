/* Tiny assertion helpers for the interceptor tests. */
#ifndef OSPY_TEST_INTERCEPTOR_COMMON_H
#define OSPY_TEST_INTERCEPTOR_COMMON_H

#include <stdio.h>
#include <stdlib.h>

#include "interceptor/interceptor.h"

#define CHECK(cond)                                                          \
  do {                                                                       \
    if (!(cond)) {                                                           \
      fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
      exit(1);                                                               \
    }                                                                        \
  } while (0)

#define CHECK_EQ(a, b)                                                       \
  do {                                                                       \
    long long va_ = (long long)(a), vb_ = (long long)(b);                    \
    if (va_ != vb_) {                                                        \
      fprintf(stderr, "%s:%d: %s == %s failed: %#llx != %#llx\n", __FILE__,  \
              __LINE__, #a, #b, va_, vb_);                                   \
      exit(1);                                                               \
    }                                                                        \
  } while (0)

#define CHECK_OK(expr)                                                       \
  do {                                                                       \
    ospy_interceptor_error err_ = { 0 };                                     \
    (void)err_;                                                              \
    ospy_interceptor_status st_ = (expr);                                    \
    if (st_ != OSPY_INTERCEPTOR_OK) {                                        \
      fprintf(stderr, "%s:%d: %s: %s\n", __FILE__, __LINE__, #expr,          \
              ospy_interceptor_status_name(st_));                            \
      exit(1);                                                               \
    }                                                                        \
  } while (0)

#endif
