/* The hooked functions of the robustness tests (robustlib.c). */
#ifndef OSPY_TESTS_ROBUSTLIB_H
#define OSPY_TESTS_ROBUSTLIB_H

unsigned robust_work(unsigned n);
unsigned robust_work_expected(unsigned n);
long robust_mix(long a, long b);
int robust_exec(const char *path, char *const argv[]);

#endif
