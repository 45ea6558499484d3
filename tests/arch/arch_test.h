/* Minimal assertion helpers shared by the arch tests. */
#ifndef OSPY_TESTS_ARCH_TEST_H
#define OSPY_TESTS_ARCH_TEST_H

#include <stdio.h>

static int arch_test_failures;
static int arch_test_checks;

#define CHECK(cond, ...)                                                 \
  do {                                                                   \
    arch_test_checks++;                                                  \
    if (!(cond)) {                                                       \
      arch_test_failures++;                                              \
      fprintf(stderr, "%s:%d: check failed: %s: ", __FILE__, __LINE__, #cond); \
      fprintf(stderr, __VA_ARGS__);                                      \
      fputc('\n', stderr);                                               \
    }                                                                    \
  } while (0)

static inline int arch_test_finish(const char *name) {
  printf("%s: %d checks, %d failed\n", name, arch_test_checks, arch_test_failures);
  return arch_test_failures ? 1 : 0;
}

#endif
