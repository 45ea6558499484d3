/* Scratch buffers off the calling thread's stack (see os_scratch.h). */
#include "os/linux/os_scratch.h"

#include <stdint.h>

#include "os/linux/os_memory.h"

#define STATIC_BUFFERS 4

static _Alignas(16) unsigned char buffers[STATIC_BUFFERS][OSPY_OS_SCRATCH_SIZE];
static uint32_t taken; /* bit i: buffers[i] is someone's */
static unsigned mapped;

/* A free static buffer, claimed by one compare-and-swap: no lock to wait
 * for, so a signal handler that interrupts a holder on its own thread (or a
 * holder suspended by the agent) never waits for it. */
static void *take_static(void) {
  uint32_t now = __atomic_load_n(&taken, __ATOMIC_ACQUIRE);
  for (;;) {
    unsigned i = 0;
    while (i < STATIC_BUFFERS && (now >> i) & 1)
      i++;
    if (i == STATIC_BUFFERS)
      return NULL;
    if (__atomic_compare_exchange_n(&taken, &now, now | (1u << i), true, __ATOMIC_ACQ_REL,
                                    __ATOMIC_ACQUIRE))
      return buffers[i];
  }
}

void *ospy_os_scratch_take(void) {
  void *b = take_static();
  if (b)
    return b;
  /* (a fork child keeps the bits of buffers its parent's other threads held:
   * they are never given back there, and it maps its own) */
  b = ospy_os_alloc(OSPY_OS_SCRATCH_SIZE);
  if (b)
    __atomic_fetch_add(&mapped, 1, __ATOMIC_RELAXED);
  return b;
}

void ospy_os_scratch_give(void *buf) {
  uintptr_t p = (uintptr_t)buf, first = (uintptr_t)buffers[0];
  if (p >= first && p < first + sizeof buffers) {
    unsigned i = (unsigned)((p - first) / OSPY_OS_SCRATCH_SIZE);
    __atomic_fetch_and(&taken, ~(1u << i), __ATOMIC_RELEASE);
    return;
  }
  ospy_os_free(buf, OSPY_OS_SCRATCH_SIZE);
}

unsigned ospy_os_scratch_mapped(void) { return __atomic_load_n(&mapped, __ATOMIC_RELAXED); }
