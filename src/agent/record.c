/* Hot path: from a trampoline frame to a FunctionCall record in the ring. */
#include <errno.h>
#include <string.h>

#include "agent/agent.h"
#include "agent/record.h"
#include "agent/safe_read.h"

#if defined(__x86_64__)
#define RAW_ARGS 6
#else
#define RAW_ARGS 4
#endif

/* Set while the agent itself runs on this thread: its own libc calls and
 * anything they trigger are not recorded. */
static __thread int busy __attribute__((tls_model("initial-exec")));

void ospy_got_on_enter(ospy_got_frame *f)
{
  ospy_got_hook *h = (ospy_got_hook *)(uintptr_t)f->hook;
  f->target = (uintptr_t)h->orig;
  f->skip = 1;
  if (busy || (!ospy_agent_g.active && !h->internal))
    return;
  int saved = errno;
  f->skip = 0;
  f->ts = ospy_agent_now_ns();
  errno = saved;
}

/* Return addresses: the caller's, then a frame-pointer walk with safe reads
 * (a frame without a frame pointer ends the walk early, never faults). */
static unsigned backtrace_walk(const ospy_got_frame *f, uint64_t *out, unsigned max)
{
  unsigned n = 0;
  if (!max)
    return 0;
  out[n++] = f->ret_addr;
#if defined(__x86_64__)
  uintptr_t fp_slot = (uintptr_t)f->stack_args - 16; /* the trampoline's saved rbp */
#else
  uintptr_t fp_slot = (uintptr_t)f->stack_args - 12;
#endif
  uintptr_t fp = *(const uintptr_t *)fp_slot, prev = fp_slot;
  while (n < max && fp > prev && fp - prev < (8u << 20) && !(fp % sizeof(uintptr_t))) {
    uintptr_t pair[2];
    if (ospy_agent_safe_read(fp, pair, sizeof pair) != sizeof pair || !pair[1])
      break;
    out[n++] = pair[1];
    prev = fp;
    fp = pair[0];
  }
  return n;
}

static void record_call(ospy_got_hook *h, ospy_got_frame *f, int err)
{
  const ospy_plan_hook *ph = h->plan;
  uint32_t depth = ospy_agent_g.backtrace;
  if (!depth && (ph->flags & OSPY_HOOK_F_BACKTRACE))
    depth = 16;
  uint32_t enter_len = RAW_ARGS * 8;
  uint32_t size = ospy_event_align(sizeof(ospy_event_call) + (size_t)depth * 8 + enter_len);
  uint64_t tok;
  ospy_event_call *c = ospy_agent_record_begin(OSPY_EV_CALL, size, f->ts, &tok);
  if (!c)
    return;
  uint64_t *bt = (uint64_t *)(c + 1);
  unsigned nbt = backtrace_walk(f, bt, depth);
  uint64_t *args = bt + nbt;
#if defined(__x86_64__)
  for (int i = 0; i < RAW_ARGS; i++)
    args[i] = f->args[i];
  c->retval = f->retval;
#else
  const uint32_t *sp = (const uint32_t *)(uintptr_t)f->stack_args;
  for (int i = 0; i < RAW_ARGS; i++)
    args[i] = sp[i]; /* the caller's own stack: always mapped */
  c->retval = f->retval;
#endif
  c->h.size = ospy_event_align(sizeof *c + (size_t)nbt * 8 + enter_len);
  c->h.flags = OSPY_CALL_F_RAW;
  c->seq = atomic_fetch_add_explicit(&ospy_agent_g.ring.ctl->seq, 1, memory_order_relaxed);
  c->ts_leave = ospy_agent_now_ns();
  c->ret_addr = f->ret_addr;
  c->hook = h->index;
  c->err = err;
  c->nbt = (uint16_t)nbt;
  c->arch_bits = sizeof(void *) * 8;
  c->enter_len = enter_len;
  c->leave_len = 0;
  c->reserved = 0;
  ospy_agent_record_end(tok);
}

void ospy_got_on_leave(ospy_got_frame *f)
{
  if (f->skip)
    return;
  ospy_got_hook *h = (ospy_got_hook *)(uintptr_t)f->hook;
  int err = errno;
  busy = 1;
  if (h->internal) {
    if (ospy_agent_modules_rescan())
      ospy_got_patch_all(); /* hooks in modules that just appeared */
  } else if (ospy_agent_g.active) {
    record_call(h, f, err);
  }
  busy = 0;
  errno = err;
}
