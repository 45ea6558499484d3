/*
 * Signal frames on a thread's stack, found by the address their handler
 * returns to: how ospy_invocation_nested_in tells a signal handler's calls
 * from the calls nested in the hooked call its signal interrupted. Kept
 * apart from invocation.c, whose enter and leave paths run on every hooked
 * call and are not slowed by this rare path's code between them.
 */
#include "interceptor/interceptor_internal.h"
#include "os/linux/os_read.h"

#define WORD sizeof(uintptr_t)

/* The restorers signal handlers return to (ospy_interceptor_note_signal_return):
 * filled from the front, never emptied. */
#define SIGNAL_RETURNS 4
static uintptr_t signal_returns[SIGNAL_RETURNS];

void ospy_interceptor_note_signal_return(uintptr_t restorer) {
  for (unsigned i = 0; restorer && i < SIGNAL_RETURNS; i++) {
    uintptr_t cur = __atomic_load_n(&signal_returns[i], __ATOMIC_ACQUIRE);
    if (cur == 0 && __atomic_compare_exchange_n(&signal_returns[i], &cur, restorer, false,
                                                __ATOMIC_RELEASE, __ATOMIC_ACQUIRE))
      return;
    if (cur == restorer) /* (known, or another thread just noted it) */
      return;
  }
}

static bool is_signal_return(uintptr_t word) {
  for (unsigned i = 0; i < SIGNAL_RETURNS; i++) {
    uintptr_t r = __atomic_load_n(&signal_returns[i], __ATOMIC_ACQUIRE);
    if (!r)
      return false;
    if (r == word)
      return true;
  }
  return false;
}

/* Whether the restorer at p begins a signal frame the kernel built, not a
 * stale copy of the address (glibc's sigaction leaves one in its struct on
 * the stack): the frame's fixed fields hold what the kernel put there, and
 * the stack pointer it saved (the interrupted code's) lies above the frame.
 * The frames' layouts: the kernel's struct rt_sigframe (x86-64, and i386
 * SA_SIGINFO handlers) and struct sigframe (i386 others). */
static bool signal_frame_at(uintptr_t p) {
#if defined(__x86_64__)
  uint64_t f[22]; /* pretcode, uc_flags, uc_link, uc_stack[3], r8..r15, rdi, ..., rsp */
  if (ospy_os_read_memory(p, f, sizeof f) != sizeof f)
    return false;
  return f[2] == 0 && f[21] > p;
#elif defined(__i386__)
  uint32_t f[49];
  size_t got = ospy_os_read_memory(p, f, sizeof f);
  if (got < 10 * sizeof f[0] || f[1] == 0 || f[1] > 64)
    return false;
  /* rt_sigframe: pretcode, sig, pinfo = &info, puc = &uc, info[128 bytes], uc; esp in
   * uc_mcontext (at uc + 20) 7 words in. sigframe: pretcode, sig, sigcontext (esp 7 words in). */
  if (got == sizeof f && f[2] == p + 16 && f[3] == p + 144)
    return f[48] > p;
  return f[9] > p;
#else
  (void)p;
  return false;
#endif
}

/* How far above a call's entry a signal frame is looked for: the handler's
 * own frames, up to the call. A handler deeper than this hides its calls in
 * the interrupted call as before. */
#define SIGNAL_SCAN_SPAN ((uintptr_t)64 * 1024)

/* Whether a signal frame lies in [sp, end): the code at sp runs in a signal
 * handler that interrupted what is at end. Only when a restorer is known. */
bool ospy_signal_frame_between(uintptr_t sp, uintptr_t end) {
  if (!__atomic_load_n(&signal_returns[0], __ATOMIC_ACQUIRE))
    return false;
  if (end - sp > SIGNAL_SCAN_SPAN)
    end = sp + SIGNAL_SCAN_SPAN;
  uintptr_t words[16]; /* (a handler's calls may run on a small sigaltstack) */
  for (uintptr_t at = sp; at < end; at += sizeof words) {
    size_t want = end - at < sizeof words ? end - at : sizeof words;
    size_t got = ospy_os_read_memory(at, words, want);
    for (size_t i = 0; i < got / WORD; i++)
      if (is_signal_return(words[i]) && signal_frame_at(at + i * WORD))
        return true;
    if (got < want)
      return false;
  }
  return false;
}

#define SS_AUTODISARM_FLAG (1u << 31) /* (linux/signal.h's SS_AUTODISARM) */

/* The signal stack an rt signal frame at p saved (uc_stack: restored at the
 * handler's return), when it holds SS_AUTODISARM: [*lo, *lo + *size). */
static bool frame_disarmed_stack(uintptr_t p, uintptr_t *lo, uintptr_t *size) {
#if defined(__x86_64__)
  uint64_t f[6]; /* pretcode, uc_flags, uc_link, uc_stack: ss_sp, ss_flags, ss_size */
  if (ospy_os_read_memory(p, f, sizeof f) != sizeof f || f[2] != 0)
    return false;
  *lo = (uintptr_t)f[3];
  *size = (uintptr_t)f[5];
  return ((uint32_t)f[4] & SS_AUTODISARM_FLAG) != 0;
#elif defined(__i386__)
  uint32_t f[41]; /* pretcode, sig, pinfo, puc, info[32 words], uc_flags, uc_link, uc_stack */
  if (ospy_os_read_memory(p, f, sizeof f) != sizeof f || f[2] != p + 16 || f[3] != p + 144 ||
      f[37] != 0)
    return false;
  *lo = f[38];
  *size = f[40];
  return (f[39] & SS_AUTODISARM_FLAG) != 0;
#else
  (void)p, (void)lo, (void)size;
  return false;
#endif
}

/* The handler running at sp, on a signal stack the kernel disarmed while it
 * runs: its frame is above sp on that stack, and saved the stack as it was. */
bool ospy_signal_stack_disarmed(uintptr_t sp, uintptr_t *lo, uintptr_t *size) {
  if (!__atomic_load_n(&signal_returns[0], __ATOMIC_ACQUIRE))
    return false;
  uintptr_t words[32];
  for (uintptr_t at = sp; at - sp < SIGNAL_SCAN_SPAN; at += sizeof words) {
    size_t got = ospy_os_read_memory(at, words, sizeof words);
    for (size_t i = 0; i < got / WORD; i++) {
      uintptr_t p = at + i * WORD;
      if (is_signal_return(words[i]) && frame_disarmed_stack(p, lo, size) && p - *lo < *size &&
          sp - *lo < *size)
        return true;
    }
    if (got < sizeof words)
      return false; /* (the end of the stack's mapping) */
  }
  return false;
}
