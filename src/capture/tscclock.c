/* TSC to wall time; see tscclock.h. */
#include "capture/tscclock.h"
#include "arch/x86/tsc.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

static uint64_t realtime_ns(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* A (TSC, realtime) pair: of a few tries, the one whose TSC reads around the
   clock read were closest (least disturbed by an interrupt). */
static void sample(uint64_t *tsc, uint64_t *ns)
{
  uint64_t best = UINT64_MAX;
  for (int i = 0; i < 5; i++) {
    uint64_t a = ospy_arch_tsc(), t = realtime_ns(), b = ospy_arch_tsc();
    if (b - a < best) {
      best = b - a;
      *tsc = a + (b - a) / 2;
      *ns = t;
    }
  }
}

int ospy_tscclock_usable(void)
{
  FILE *f = fopen("/proc/cpuinfo", "r");
  if (!f)
    return 0;
  char line[4096];
  int constant = 0, nonstop = 0;
  while (fgets(line, sizeof line, f) && !(constant && nonstop))
    if (!strncmp(line, "flags", 5)) {
      constant = strstr(line, " constant_tsc") != NULL;
      nonstop = strstr(line, " nonstop_tsc") != NULL;
      break;
    }
  fclose(f);
  return constant && nonstop;
}

void ospy_tscclock_init(ospy_tscclock *c, unsigned ms)
{
  sample(&c->tsc0, &c->ns0);
  uint64_t until = c->ns0 + (uint64_t)ms * 1000000u;
  while (realtime_ns() < until)
    ;
  c->ns_per_tick = 0;
  c->ns_per_tick_q32 = 0;
  ospy_tscclock_sample(c);
}

void ospy_tscclock_sample(ospy_tscclock *c)
{
  uint64_t tsc, ns;
  sample(&tsc, &ns);
  if (tsc <= c->tsc0 || ns <= c->ns0)
    return; /* the clock stepped back: keep the last good pair */
  c->tsc_now = tsc;
  c->ns_now = ns;
  c->ns_per_tick = (double)(ns - c->ns0) / (double)(tsc - c->tsc0);
  c->ns_per_tick_q32 = (uint64_t)(c->ns_per_tick * 4294967296.0 + 0.5);
}

