/*
 * Wall time for TSC timestamps (OSPY_RING_F_TSC): the agent stamps records
 * with the time-stamp counter, one instruction, and the controller turns
 * them into CLOCK_REALTIME ns as it drains them. The rate comes from pairs
 * of (TSC, realtime) samples, the first taken at capture start, the latest
 * at each drain; a record is converted from the latest pair, so the error
 * is the rate's relative error (ppm) times the record's age (milliseconds).
 * Only used when the CPU says its TSC is invariant (constant_tsc and
 * nonstop_tsc).
 */
#ifndef OSPY_CAPTURE_TSCCLOCK_H
#define OSPY_CAPTURE_TSCCLOCK_H

#include <stdint.h>

typedef struct ospy_tscclock {
  uint64_t tsc0, ns0;         /* first sample */
  uint64_t tsc_now, ns_now;   /* latest sample */
  double ns_per_tick;
  uint64_t ns_per_tick_q32;   /* the same in 32.32 fixed point (ospy_tscclock_to_ns) */
} ospy_tscclock;

/* Whether this machine's TSC can serve as a clock (Linux /proc/cpuinfo). */
int ospy_tscclock_usable(void);
/* Samples twice, ms apart (busy-waits that long). */
void ospy_tscclock_init(ospy_tscclock *c, unsigned ms);
/* A new latest sample (each drain); refines the rate. */
void ospy_tscclock_sample(ospy_tscclock *c);
/* (inline, in integers: the controller converts two stamps of every call
   record, and the double conversions were a third of its per-record
   bookkeeping; 32 fraction bits keep an offset of 10^9 ticks within a ns) */
static inline uint64_t ospy_tscclock_to_ns(const ospy_tscclock *c, uint64_t tsc)
{
  /* the offset from the latest sample scaled, the sum in integers (a
     double cannot hold today's ns since the epoch exactly) */
#if defined(__SIZEOF_INT128__)
  __extension__ typedef __int128 wide;
  wide scaled = (wide)(int64_t)(tsc - c->tsc_now) * (wide)c->ns_per_tick_q32;
  return c->ns_now + (uint64_t)(int64_t)((scaled + ((wide)1 << 31)) >> 32);
#else
  int64_t ticks = (int64_t)(tsc - c->tsc_now);
  double d = (double)ticks * c->ns_per_tick; /* rounded by hand: llround is a libm call */
  return c->ns_now + (uint64_t)(int64_t)(d < 0 ? d - 0.5 : d + 0.5);
#endif
}

#endif
