/*
 * Per-thread interceptor state without malloc: an initial-exec __thread
 * pointer (fits glibc's static TLS surplus even when the agent is dlopen'ed;
 * reading it is one fs/gs-relative load, no __tls_get_addr) to a block taken
 * from mmap'ed chunks. A block belongs to a thread id; it is reused by another
 * thread once that id no longer exists (tgkill(..., 0) says ESRCH), so no
 * thread-exit hook (pthread_key destructor) is needed and a hooked free()
 * running in thread-exit destructors still finds its state. glibc clears
 * static TLS when it reuses a cached thread stack, so a new thread starts
 * with a NULL pointer. All of it runs on raw syscalls.
 *
 * A thread that ends by returning from its start routine (or by the exit
 * system call) passes no hook, and may leave calls pending: calls it left
 * by longjmp that no later call of its gave up (prune_dead). They never
 * return. The new owner of its block gives them up first, under the ended
 * thread's id (ts->tid), before the block is its own; until then, the
 * process's end, an exec or a detach gives them up (process_end.c). Each
 * side holds the block's busy word while it does, so each call is given up
 * once: the new owner waits for a thread that borrowed the block to give it
 * back, and what that thread gave up is marked so.
 */
#include <errno.h>
#include <pthread.h>

#include "interceptor/interceptor_internal.h"
#include "os/linux/os_memory.h"
#include "os/linux/os_syscall.h"
#include "os/linux/os_thread.h"

#define STATES_PER_CHUNK 32

typedef struct state_chunk {
  struct state_chunk *volatile next;
  ospy_thread_state states[STATES_PER_CHUNK];
} state_chunk;

static state_chunk *volatile chunks;
__thread ospy_thread_state *ospy_tls_state __attribute__((tls_model("initial-exec")));

static bool try_claim(ospy_thread_state *s, pid_t from, pid_t tid) {
  pid_t expected = from;
  return __atomic_compare_exchange_n(&s->owner, &expected, tid, false, __ATOMIC_ACQ_REL,
                                     __ATOMIC_ACQUIRE);
}

static ospy_thread_state *claim_existing(pid_t tid, bool reclaim_dead) {
  for (state_chunk *c = __atomic_load_n(&chunks, __ATOMIC_ACQUIRE); c; c = c->next) {
    for (unsigned i = 0; i < STATES_PER_CHUNK; i++) {
      ospy_thread_state *s = &c->states[i];
      pid_t owner = __atomic_load_n(&s->owner, __ATOMIC_ACQUIRE);
      if (owner == 0 && try_claim(s, 0, tid))
        return s;
      if (reclaim_dead && owner != 0 && !ospy_os_task_alive(owner) && try_claim(s, owner, tid))
        return s;
    }
  }
  return NULL;
}

static ospy_thread_state *claim_new_chunk(pid_t tid) {
  state_chunk *c = ospy_os_alloc(sizeof *c);
  if (!c)
    return NULL;
  c->states[0].owner = tid;
  state_chunk *head = __atomic_load_n(&chunks, __ATOMIC_ACQUIRE);
  do
    c->next = head;
  while (!__atomic_compare_exchange_n(&chunks, &head, c, false, __ATOMIC_ACQ_REL,
                                      __ATOMIC_ACQUIRE));
  return &c->states[0];
}

/* &errno through a volatile pointer: glibc declares __errno_location
 * __attribute__((const)), so a direct call lets the compiler drop the stores
 * around it (busy = 1 ... busy = 0) or move the call past them. */
static int *errno_address(void) {
  int *(*volatile get)(void) = __errno_location;
  return get();
}

/* The block's busy word for its new owner (busy = 1), once a thread that
 * borrowed it (process_end.c: to give up the ended thread's calls) gave it
 * back. Whether it was clear: a thread that ended inside ospy's hook code
 * (an exit system call in a signal handler) left it set, and its calls
 * half written; no one else takes such a block (a borrow needs it clear),
 * so it is ours all the same. */
static bool take_busy(ospy_thread_state *s) {
  for (;;) {
    uint32_t now = __atomic_load_n(&s->busy, __ATOMIC_ACQUIRE);
    if (now == OSPY_BUSY_LENT)
      (void)ospy_thread_state_wait_returned(s);
    else if (__atomic_compare_exchange_n(&s->busy, &now, 1, false, __ATOMIC_ACQUIRE,
                                         __ATOMIC_RELAXED))
      return now == 0;
  }
}

/* The calls the block's ended thread left pending, given up under its id
 * (ts->tid) and reported to the abandon handler, innermost first (those a
 * borrower gave up already are marked, and skipped). errno is the new
 * thread's, kept. */
static void give_up_ended_calls(ospy_thread_state *s) {
  int saved_errno = *s->errno_ptr;
  unsigned depth = s->depth < OSPY_INVOCATION_MAX_DEPTH ? s->depth : OSPY_INVOCATION_MAX_DEPTH;
  for (unsigned k = depth; k-- > 0;)
    ospy_invocation_abandon(s, k, true);
  *s->errno_ptr = saved_errno;
}

/*
 * &errno calls __errno_location, which may itself be hooked: its enter stub
 * comes back here. So the block is published in ospy_tls_state first, busy and
 * ignored (the nested call then runs the original unseen, and is not reported
 * as a lost re-entry), and only then is errno's address taken. Publishing it
 * after (as before) sent a new thread's first hooked call into endless
 * recursion, each level claiming another block: with all of libc hooked, the
 * first thread python3 started died of a stack overflow. The calls an ended
 * thread left in the block are given up then, busy still set (the abandon
 * handler's hooked calls run unseen), before the block is this thread's
 * (tid): they were dropped unsaid, `0 calls recorded, 0 lost` for a thread
 * that left a call by longjmp and returned.
 */
static void init_state(ospy_thread_state *s) {
  s->busy_sp = 0; /* (not a call's: never taken back, jump_out.c) */
  /* (an ignored thread's calls are not reported: the agent's own) */
  bool ended_calls = take_busy(s) && s->depth > 0 && !s->ignored;
  s->ignored = 1;
  s->errno_ptr = NULL;
  ospy_tls_state = s;
  s->errno_ptr = errno_address();
  s->ignored = 0;
  if (ended_calls)
    give_up_ended_calls(s);
  s->tid = s->owner;
  s->depth = 0;
  s->stack_lo = s->stack_hi = 0; /* another thread's stack, if the block was */
  ospy_grave_clear(s);              /* its calls given up: that thread is gone */
  __atomic_store_n(&s->busy, 0, __ATOMIC_RELEASE);
}

ospy_thread_state *ospy_thread_state_claim(void) {
  pid_t tid = ospy_os_gettid();
  ospy_thread_state *s = claim_existing(tid, false);
  if (!s)
    s = claim_existing(tid, true);
  if (!s)
    s = claim_new_chunk(tid);
  if (!s)
    return NULL;
  init_state(s);
  return s;
}

void **ospy_interceptor_thread_slot(unsigned k) {
  ospy_thread_state *s = ospy_tls_state;
  return s && k < OSPY_THREAD_SLOTS ? &s->user[k] : NULL;
}

/* (not while a new owner gives up the calls its block's ended thread left:
 * those are that thread's) */
bool ospy_invocation_on_current_thread(ospy_invocation *inv) {
  return inv->ts == ospy_tls_state && inv->ts->tid == inv->ts->owner;
}

void **ospy_invocation_thread_slot(ospy_invocation *inv, unsigned k) {
  return k < OSPY_THREAD_SLOTS ? &inv->ts->user[k] : NULL;
}

void ospy_thread_states_foreach_other(void (*fn)(ospy_thread_state *s, void *data), void *data,
                                      bool with_ended) {
  ospy_thread_state *self = ospy_tls_state;
  for (state_chunk *c = __atomic_load_n(&chunks, __ATOMIC_ACQUIRE); c; c = c->next)
    for (unsigned i = 0; i < STATES_PER_CHUNK; i++) {
      ospy_thread_state *s = &c->states[i];
      pid_t owner = __atomic_load_n(&s->owner, __ATOMIC_ACQUIRE);
      if (s != self && owner != 0 && (with_ended || ospy_os_task_alive(owner)))
        fn(s, data);
    }
}

bool ospy_thread_state_ended(const ospy_thread_state *ts) { return !ospy_os_task_alive(ts->tid); }

/* The lender gives the state back in microseconds (it records a few calls)
 * and wakes us; the timeout only bounds a wake that came before the wait. */
bool ospy_thread_state_wait_returned(ospy_thread_state *ts) {
  bool waited = false;
  while (__atomic_load_n(&ts->busy, __ATOMIC_ACQUIRE) == OSPY_BUSY_LENT) {
    (void)ospy_os_futex_wait(&ts->busy, OSPY_BUSY_LENT, 10 * 1000000L);
    waited = true;
  }
  return waited;
}

/* The other blocks of a forked child hold the parent's threads' calls, for
 * the parent to follow or give up (in the child those threads do not exist,
 * and look ended): freed, their calls dropped unreported. Lent at the fork
 * (the lender does not exist here either), such a block would have kept a
 * new thread of the child waiting for good. */
static void free_parent_blocks(ospy_thread_state *self) {
  for (state_chunk *c = __atomic_load_n(&chunks, __ATOMIC_ACQUIRE); c; c = c->next)
    for (unsigned i = 0; i < STATES_PER_CHUNK; i++) {
      ospy_thread_state *s = &c->states[i];
      if (s == self || s->owner == 0)
        continue;
      s->depth = 0;
      s->busy = 0;
      __atomic_store_n(&s->owner, 0, __ATOMIC_RELEASE);
    }
}

/* In a forked child the only thread has a new id: keep its block its own. */
void ospy_thread_state_after_fork(void) {
  ospy_thread_state *s = ospy_tls_state;
  if (s) {
    pid_t tid = ospy_os_gettid();
    s->tid = tid;
    __atomic_store_n(&s->owner, tid, __ATOMIC_RELEASE);
  }
  free_parent_blocks(s);
}

void ospy_interceptor_after_clone_child(void) {
  ospy_thread_state *s = ospy_tls_state;
  if (!s)
    return;
  ospy_thread_state_after_fork();
  s->depth = 0;
}
