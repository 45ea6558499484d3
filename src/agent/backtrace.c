/*
 * Backtraces in the target, cheap enough to leave on (issue: at most 2x the
 * recorded call without one).
 *
 * Frame pointers first: exact when the code keeps them. Most distribution
 * code does not (Debian builds with -O2, no frame pointers), and a walk that
 * trusts rbp then records garbage or stops at the first frame. So every
 * address either method finds must be a return address: inside a loaded
 * module's executable range and right after a call instruction
 * (arch/x86/x86_call_site.h). When the frame-pointer walk yields nothing
 * past the caller, the stack above the call is scanned for such addresses,
 * as crash reporters do: deep backtraces through any code, at the price of
 * an occasional stale return address left in a frame's unused slot.
 *
 * The stack is the calling thread's own (read directly); the code bytes
 * before a candidate are read safely (the module may be going away), once:
 * verdicts are cached by address until the module set changes.
 */
#include "agent/backtrace.h"

#include <string.h>

#include "agent/agent.h"
#include "arch/x86/x86_call_site.h"
#include "os/linux/os_memory.h"
#include "os/linux/os_read.h"

#define WORD sizeof(uintptr_t)
#define SCAN_BYTES 2048u     /* of stack above the call, at most */
#define VERDICT_SLOTS 4096u  /* power of two */
#define MAX_TEXT 1024u

/* Executable ranges, sorted, read by any thread while a dlopen may rewrite
 * them: a sequence lock, odd while rewritten, checked before and after a
 * backtrace (whose addresses are dropped if it moved). */
static uintptr_t text_lo[MAX_TEXT], text_hi[MAX_TEXT];
static uint32_t text_n;
static uintptr_t text_min, text_max; /* bounds of them all: most stack words fail these */
static uint32_t text_seq;

/* (address << 1) | is-a-return-address; 0 = empty. Shared by all threads:
 * a lost race merely recomputes a verdict. */
static uint64_t verdicts[VERDICT_SLOTS];
static uint32_t verdicts_seq; /* module set they were computed for */

#define LOAD(x) __atomic_load_n(&(x), __ATOMIC_RELAXED)
#define STORE(x, v) __atomic_store_n(&(x), (v), __ATOMIC_RELAXED)

void ospy_agent_backtrace_set_text(const uintptr_t *lo, const uintptr_t *hi, uint32_t n)
{
  if (n > MAX_TEXT)
    n = MAX_TEXT;
  __atomic_store_n(&text_seq, text_seq + 1, __ATOMIC_RELEASE); /* odd: rewriting */
  __atomic_thread_fence(__ATOMIC_SEQ_CST);
  uintptr_t min = UINTPTR_MAX, max = 0;
  for (uint32_t i = 0; i < n; i++) { /* insertion sort: a few hundred at most */
    uint32_t j = i;
    for (; j > 0 && LOAD(text_lo[j - 1]) > lo[i]; j--) {
      STORE(text_lo[j], LOAD(text_lo[j - 1]));
      STORE(text_hi[j], LOAD(text_hi[j - 1]));
    }
    STORE(text_lo[j], lo[i]);
    STORE(text_hi[j], hi[i]);
    min = lo[i] < min ? lo[i] : min;
    max = hi[i] > max ? hi[i] : max;
  }
  STORE(text_n, n);
  STORE(text_min, min);
  STORE(text_max, max);
  __atomic_store_n(&text_seq, text_seq + 1, __ATOMIC_RELEASE);
}

static inline bool in_text(uintptr_t addr)
{
  if (addr < LOAD(text_min) || addr >= LOAD(text_max))
    return false;
  uint32_t lo = 0, hi = LOAD(text_n);
  if (hi > MAX_TEXT)
    return false;
  while (lo < hi) { /* the last range starting at or below addr */
    uint32_t mid = lo + (hi - lo) / 2;
    if (LOAD(text_lo[mid]) <= addr)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo > 0 && addr < LOAD(text_hi[lo - 1]);
}

/*
 * A scan reads up to SCAN_BYTES of stack per call (~700 ns); most calls come
 * from a call site already seen at the same stack depth, with the same
 * callers. So each thread remembers, per (return address, depth), where its
 * last scan found the frames and what they held: if those slots still hold
 * the same addresses, that backtrace is the answer, for the cost of reading
 * them. Kept in a per-thread mapping (no malloc, little static TLS).
 */
#define MEMO_SLOTS 64u
#define MEMO_FRAMES 32u

typedef struct memo {
  uintptr_t ret, depth;
  uint32_t seq, max, n, pad;
  uint16_t off[MEMO_FRAMES]; /* word offsets from sp */
  uintptr_t val[MEMO_FRAMES];
} memo;

static __thread memo *tls_memo __attribute__((tls_model("initial-exec")));

static memo *memo_slot(uintptr_t ret, uintptr_t depth)
{
  if (!tls_memo) { /* kept across threads like the frame area (inline.c) */
    void **slot = ospy_interceptor_thread_slot(OSPY_AGENT_SLOT_BT_MEMO);
    memo *m = slot ? *slot : NULL;
    if (m) {
      memset(m, 0, MEMO_SLOTS * sizeof(memo)); /* an exited thread's offsets */
    } else {
      m = ospy_os_alloc(MEMO_SLOTS * sizeof(memo));
      if (!m)
        return NULL;
      if (slot)
        *slot = m;
    }
    tls_memo = m;
  }
  return &tls_memo[(ret ^ (ret >> 12) ^ depth * 7) & (MEMO_SLOTS - 1)];
}

static bool follows_call(uintptr_t addr)
{
  unsigned char before[OSPY_X86_CALL_SITE_BYTES];
  if (addr < sizeof before ||
      ospy_os_read_memory(addr - sizeof before, before, sizeof before) != sizeof before)
    return false;
  if (!ospy_x86_follows_call(before, sizeof(void *) == 8))
    return false;
  /* i386 position-independent code calls a get_pc_thunk in its prologue;
   * that return address stays behind in the frame, never a live one */
  unsigned char target[OSPY_X86_PC_THUNK_BYTES];
  uintptr_t callee = ospy_x86_call_rel32_target(before, addr);
  return !callee || ospy_os_read_memory(callee, target, sizeof target) != sizeof target ||
         !ospy_x86_is_pc_thunk(target);
}

/* The agent's own code: never a live frame of a call it records (its own
 * calls are not intercepted), only stale words left from its start-up. */
static bool in_agent(uintptr_t addr)
{
  extern char __ehdr_start[] __attribute__((visibility("hidden")));
  extern char _end[] __attribute__((visibility("hidden")));
  return addr >= (uintptr_t)__ehdr_start && addr < (uintptr_t)_end;
}

static bool is_return_address(uintptr_t addr)
{
  if (!in_text(addr) || in_agent(addr))
    return false;
  uint64_t key = (uint64_t)addr << 1;
  uint64_t *slot = &verdicts[(addr ^ (addr >> 13)) & (VERDICT_SLOTS - 1)];
  uint64_t v = __atomic_load_n(slot, __ATOMIC_RELAXED);
  if ((v & ~(uint64_t)1) == key)
    return v & 1;
  bool ok = follows_call(addr);
  __atomic_store_n(slot, key | ok, __ATOMIC_RELAXED);
  return ok;
}

static void verdicts_check(uint32_t seq)
{
  if (__atomic_load_n(&verdicts_seq, __ATOMIC_RELAXED) == seq)
    return;
  for (unsigned i = 0; i < VERDICT_SLOTS; i++)
    __atomic_store_n(&verdicts[i], 0, __ATOMIC_RELAXED);
  __atomic_store_n(&verdicts_seq, seq, __ATOMIC_RELAXED);
}

static unsigned walk_frame_pointers(uintptr_t fp, uintptr_t sp, uint64_t *out, unsigned n,
                                    unsigned max)
{
  uintptr_t prev = sp;
  while (n < max && fp > prev && fp - prev < (8u << 20) && !(fp % WORD)) {
    uintptr_t pair[2];
    if (ospy_os_read_memory(fp, pair, sizeof pair) != sizeof pair)
      break;
    pair[1] = ospy_interceptor_real_return(fp + WORD, pair[1]);
    if (!is_return_address(pair[1]))
      break;
    out[n++] = pair[1];
    prev = fp;
    fp = pair[0];
  }
  return n;
}

static uintptr_t read_slot(uintptr_t p, uintptr_t leave_thunk)
{
  uintptr_t v = *(const volatile uintptr_t *)p;
  return v == leave_thunk ? ospy_interceptor_real_return(p, v) : v;
}

/* Not instrumented: the words scanned belong to frames ASan does not own.
 * Return addresses in [sp + WORD, sp + bytes) appended to out[n..max);
 * where they were found goes to off (word offsets from sp) when not NULL. */
__attribute__((no_sanitize_address)) static unsigned scan_range(uintptr_t sp, uintptr_t end,
                                                                 uint64_t *out, uint16_t *off,
                                                                 unsigned n, unsigned max)
{
  uintptr_t leave_thunk = ospy_interceptor_leave_thunk();
  uintptr_t min = LOAD(text_min), span = LOAD(text_max) - min;
  for (uintptr_t p = sp + WORD; p + WORD <= end && n < max; p += WORD) {
    uintptr_t v = *(const volatile uintptr_t *)p;
    if (v == leave_thunk)
      v = ospy_interceptor_real_return(p, v);
    else if (v - min >= span)
      continue; /* most words: data, stack and heap addresses, small numbers */
    if (is_return_address(v)) {
      if (off)
        off[n] = (uint16_t)((p - sp) / WORD);
      out[n++] = v;
    }
  }
  return n;
}

static bool stack_end(uintptr_t sp, uintptr_t bytes, uintptr_t *end, uintptr_t *hi)
{
  uintptr_t lo;
  if (!ospy_os_own_stack(&lo, hi) || sp < lo || sp >= *hi)
    return false;
  *end = *hi - sp > bytes ? sp + bytes : *hi;
  return true;
}

__attribute__((no_sanitize_address)) static bool memo_matches(const memo *m, uintptr_t sp,
                                                              uintptr_t end)
{
  uintptr_t leave_thunk = ospy_interceptor_leave_thunk();
  for (uint32_t i = 1; i < m->n; i++) {
    uintptr_t p = sp + (uintptr_t)m->off[i] * WORD;
    if (p + WORD > end || read_slot(p, leave_thunk) != m->val[i])
      return false;
  }
  return true;
}

/* The stack scan, or what the last one from the same place found. */
static unsigned scan_stack(uintptr_t sp, uint32_t seq, uint64_t *out, unsigned max)
{
  uintptr_t end, hi;
  if (!stack_end(sp, SCAN_BYTES, &end, &hi))
    return 1;
  memo *m = memo_slot((uintptr_t)out[0], hi - sp);
  if (m && m->seq == seq && m->ret == out[0] && m->depth == hi - sp && m->max == max &&
      memo_matches(m, sp, end)) {
    for (uint32_t i = 1; i < m->n; i++)
      out[i] = m->val[i];
    return m->n;
  }
  uint16_t off[MEMO_FRAMES];
  unsigned n = scan_range(sp, end, out, off, 1, max < MEMO_FRAMES ? max : MEMO_FRAMES);
  if (m) {
    *m = (memo){ .ret = (uintptr_t)out[0], .depth = hi - sp, .seq = seq, .max = max, .n = n };
    for (unsigned i = 1; i < n; i++) {
      m->off[i] = off[i];
      m->val[i] = (uintptr_t)out[i];
    }
  }
  return n;
}

/* Whether the call right before ret is a direct call of a function that
 * contains inner (within 1 MiB of its start). */
static bool direct_call_contains(uintptr_t ret, uintptr_t inner)
{
  unsigned char before[OSPY_X86_CALL_SITE_BYTES];
  if (ret < sizeof before ||
      ospy_os_read_memory(ret - sizeof before, before, sizeof before) != sizeof before)
    return false;
  uintptr_t callee = ospy_x86_call_rel32_target(before, ret);
  return callee && callee <= inner && inner - callee < (1u << 20);
}

/*
 * Code without frame pointers leaves rbp/ebp as an outer function set it
 * (often libc's start code): a walk from there is a valid chain that skips
 * every frame in between. So the chain is followed only when its first frame
 * is near and nothing between the stack pointer and it is a return address,
 * or, when something there looks like one (a stale word in an uninitialised
 * local of -O0 code), when the frame's return address comes right after a
 * direct call of the function the hooked call returns into: then rbp is that
 * function's own frame pointer.
 */
static bool frame_pointers_trusted(uintptr_t fp, uintptr_t sp, uintptr_t caller_ret)
{
  uintptr_t end, hi;
  if (fp <= sp || fp - sp > SCAN_BYTES || fp % WORD || !stack_end(sp, fp - sp, &end, &hi))
    return false;
  uint64_t skipped[1];
  if (scan_range(sp, end, skipped, NULL, 0, 1) == 0)
    return true;
  uintptr_t pair[2];
  if (ospy_os_read_memory(fp, pair, sizeof pair) != sizeof pair)
    return false;
  pair[1] = ospy_interceptor_real_return(fp + WORD, pair[1]);
  return is_return_address(pair[1]) && direct_call_contains(pair[1], caller_ret);
}

unsigned ospy_agent_backtrace(ospy_invocation *inv, uint64_t *out, unsigned max, bool *scanned)
{
  *scanned = false;
  if (!max)
    return 0;
  ospy_cpu_context *cpu = ospy_invocation_cpu(inv);
#if defined(__x86_64__)
  uintptr_t fp = cpu->rbp, sp = cpu->rsp;
#else
  uintptr_t fp = cpu->ebp, sp = cpu->esp;
#endif
  unsigned n = 0;
  out[n++] = ospy_invocation_return_address(inv); /* exact: the slot the call wrote */
  uint32_t seq = __atomic_load_n(&text_seq, __ATOMIC_ACQUIRE);
  if (seq & 1)
    return n; /* a dlopen/dlclose is rewriting the module table */
  verdicts_check(seq);
  if (frame_pointers_trusted(fp, sp, (uintptr_t)out[0]))
    n = walk_frame_pointers(fp, sp, out, n, max);
  if (n == 1 && max > 1) {
    n = scan_stack(sp, seq, out, max);
    *scanned = n > 1;
  }
  __atomic_thread_fence(__ATOMIC_ACQUIRE);
  if (LOAD(text_seq) != seq) {
    *scanned = false;
    return 1;
  }
  return n;
}

bool ospy_agent_is_return_address(uintptr_t word)
{
  uint32_t seq = __atomic_load_n(&text_seq, __ATOMIC_ACQUIRE);
  if (seq & 1) /* (the module table is being rewritten: the code itself asked) */
    return !in_agent(word) && follows_call(word);
  verdicts_check(seq);
  return is_return_address(word);
}
