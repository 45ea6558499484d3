/* TSC timestamps converted to wall time (capture/tscclock.h): a TSC read now
 * converts to a time between the clock reads around it, within a bound far
 * above the conversion's error (the test asserts correctness, not speed). */
#include <stdio.h>
#include <time.h>

#include "arch/x86/tsc.h"
#include "capture/tscclock.h"
#include "check.h"

static uint64_t realtime_ns(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int main(void)
{
  if (!ospy_tscclock_usable()) {
    printf("skip: this CPU's TSC is not invariant (no constant_tsc/nonstop_tsc)\n");
    return 77;
  }
  ospy_tscclock c;
  ospy_tscclock_init(&c, 5);
  CHECK(c.ns_per_tick > 0.01 && c.ns_per_tick < 100); /* 10 MHz .. 100 GHz */
  uint64_t worst = 0;
  for (int round = 0; round < 20; round++) {
    struct timespec pause = { 0, 2000000 };
    nanosleep(&pause, NULL);
    uint64_t before = realtime_ns(), tsc = ospy_arch_tsc(), after = realtime_ns();
    ospy_tscclock_sample(&c); /* a later sample: tsc is converted backwards from it */
    uint64_t ns = ospy_tscclock_to_ns(&c, tsc);
    const uint64_t slack = 1000000; /* 1 ms: the rate error times 2 ms is far below */
    CHECK(ns + slack >= before && ns <= after + slack);
    uint64_t err = ns < before ? before - ns : ns > after ? ns - after : 0;
    worst = err > worst ? err : worst;
  }
  /* ordered: later ticks never convert to earlier times */
  uint64_t t0 = ospy_arch_tsc();
  CHECK(ospy_tscclock_to_ns(&c, t0) <= ospy_tscclock_to_ns(&c, t0 + 1000));
  printf("ok 20 conversions within 1 ms of the wall clock (worst outside the window: %llu ns)\n",
         (unsigned long long)worst);
  return 0;
}
