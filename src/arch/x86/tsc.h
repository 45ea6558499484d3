/* The time-stamp counter: the agent's clock when the controller finds it
 * invariant (capture/tscclock.h converts it to wall time outside the target).
 * One instruction instead of a vDSO clock_gettime, which on virtual machines
 * reads a paravirtual clock and costs several times more. */
#ifndef OSPY_ARCH_X86_TSC_H
#define OSPY_ARCH_X86_TSC_H

#include <stdint.h>
#include <x86intrin.h>

static inline uint64_t ospy_arch_tsc(void)
{
  return __rdtsc();
}

#endif
