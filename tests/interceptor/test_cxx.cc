// C++ exceptions thrown through hooked frames are still caught above them,
// and hooked frames that survive the exception still get their on_leave.
// The unwinder's own entry points hooked with on_leave too.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <dlfcn.h>
#include <pthread.h>
#include <stdexcept>
#include <unwind.h>

#include "interceptor/interceptor.h"

#define CHECK(cond)                                                        \
  do {                                                                     \
    if (!(cond)) {                                                         \
      std::fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
      std::exit(1);                                                        \
    }                                                                      \
  } while (0)

extern "C" int thrower(int x);
extern "C" int middle(int x);
extern "C" int catcher(int x);

static volatile int destroyed;
struct Guard {
  ~Guard() { destroyed = destroyed + 1; }
};

extern "C" __attribute__((noinline)) int thrower(int x) {
  volatile int k = x;
  if (k > 0)
    throw std::runtime_error("boom");
  return k + 10;
}

extern "C" __attribute__((noinline)) int middle(int x) {
  Guard g;
  int r = thrower(x);
  return r + 1;
}

extern "C" __attribute__((noinline)) int catcher(int x) {
  try {
    return middle(x);
  } catch (const std::runtime_error &) {
    return -1;
  }
}

static volatile int enters, leaves, abandoned;
static void on_enter(ospy_invocation *) { enters = enters + 1; }
static void on_leave(ospy_invocation *) { leaves = leaves + 1; }
static int pthread_exit_tag;
static volatile int pthread_exit_given_up;
static void on_abandon(ospy_invocation *inv) {
  CHECK(ospy_invocation_cpu(inv) == nullptr);
  // only the listeners attached here, never the interceptor's own
  CHECK(ospy_invocation_user_data(inv) != nullptr);
  if (ospy_invocation_user_data(inv) == &pthread_exit_tag)
    pthread_exit_given_up = pthread_exit_given_up + 1;
  else
    abandoned = abandoned + 1;
}

// pthread_exit hooked with on_leave: its call is given up when the thread's
// destructor makes a hooked call below it, and reported for the listener
// attached here. The interceptor has a listener of its own on pthread_exit
// (unwind.c), with no user_data: the agent's abandon handler read through NULL.
extern "C" void noted(void);
extern "C" __attribute__((noinline)) void noted(void) { __asm__ volatile(""); }
struct Noting {
  ~Noting() { noted(); }
};
static void *exit_noting(void *) {
  Noting n;
  pthread_exit((void *)9);
}

static void test_pthread_exit_given_up() {
  ospy_listener *l[2];
  void *pexit = dlsym(RTLD_DEFAULT, "pthread_exit");
  CHECK(pexit != nullptr);
  CHECK(ospy_interceptor_attach(pexit, on_enter, on_leave, &pthread_exit_tag, &l[0], nullptr) ==
        OSPY_INTERCEPTOR_OK);
  CHECK(ospy_interceptor_attach((void *)noted, on_enter, on_leave, (void *)noted, &l[1], nullptr) ==
        OSPY_INTERCEPTOR_OK);
  pthread_t t;
  void *r = nullptr;
  CHECK(pthread_create(&t, nullptr, exit_noting, nullptr) == 0);
  CHECK(pthread_join(t, &r) == 0);
  CHECK(r == (void *)9);
  CHECK(pthread_exit_given_up == 1);
  for (auto *x : l)
    CHECK(ospy_interceptor_detach(x) == OSPY_INTERCEPTOR_OK);
  std::printf("ok a pthread_exit given up is reported for the client's listener alone\n");
}

// ---- listeners on the unwinder's entry points ----

extern "C" int rethrower(int x);
extern "C" long raise_unhandled(void);
extern "C" int walk_depth(void);
extern "C" void exiter(void);

extern "C" __attribute__((noinline)) int rethrower(int x) {
  try {
    try {
      return middle(x);
    } catch (...) {
      throw;
    }
  } catch (const std::runtime_error &) {
    return -2;
  }
}

// _Unwind_RaiseException with no handler above (a foreign exception that
// nothing catches here: no catch (...) on the way) fails and returns.
extern "C" __attribute__((noinline)) long raise_unhandled(void) {
  static _Unwind_Exception exc;
  std::memset(&exc, 0, sizeof exc);
  exc.exception_class = 0x4f53505900000000ull; // "OSPY"
  return (long)_Unwind_RaiseException(&exc);
}

static _Unwind_Reason_Code count_frame(_Unwind_Context *, void *n) {
  ++*(int *)n;
  return _URC_NO_REASON;
}

extern "C" __attribute__((noinline)) int walk_depth(void) {
  int n = 0;
  _Unwind_Backtrace(count_frame, &n);
  return n;
}

extern "C" __attribute__((noinline)) void exiter(void) {
  Guard g;
  pthread_exit((void *)7);
}

static void *exit_thread(void *) {
  Guard g;
  exiter(); // hooked: pending when the thread exits
  return nullptr;
}

struct unwinder_hook {
  const char *name;
  ospy_listener *l;
  volatile int enters, leaves;
  volatile long last;
};
static unwinder_hook unwinder_hooks[] = {
  { "_Unwind_RaiseException", nullptr, 0, 0, 0 },
  { "_Unwind_Resume", nullptr, 0, 0, 0 },
  { "_Unwind_Resume_or_Rethrow", nullptr, 0, 0, 0 },
  { "_Unwind_ForcedUnwind", nullptr, 0, 0, 0 },
  { "_Unwind_Backtrace", nullptr, 0, 0, 0 },
};
enum { RAISE, RESUME, RETHROW, FORCED, BACKTRACE };

static void unwinder_enter(ospy_invocation *inv) {
  auto *h = static_cast<unwinder_hook *>(ospy_invocation_user_data(inv));
  h->enters = h->enters + 1;
}
static void unwinder_leave(ospy_invocation *inv) {
  auto *h = static_cast<unwinder_hook *>(ospy_invocation_user_data(inv));
  h->leaves = h->leaves + 1;
  h->last = (long)ospy_invocation_get_return(inv);
}

static void reset_unwinder_counts() {
  for (auto &h : unwinder_hooks)
    h.enters = h.leaves = 0;
}

// Each of them starts its walk from its own frame: with its return address the
// leave thunk, throws ended in std::terminate, pthread_exit crashed or skipped
// the destructors, walks stopped at the first frame.
static void test_unwinder_listeners() {
  int depth = walk_depth();
  for (auto &h : unwinder_hooks) {
    void *fn = dlsym(RTLD_DEFAULT, h.name);
    CHECK(fn != nullptr);
    CHECK(ospy_interceptor_attach(fn, unwinder_enter, unwinder_leave, &h, &h.l, nullptr) ==
          OSPY_INTERCEPTOR_OK);
  }
  reset_unwinder_counts();
  destroyed = 0;
  CHECK(catcher(1) == -1);
  CHECK(destroyed == 1);
  CHECK(unwinder_hooks[RAISE].enters == 1 && unwinder_hooks[RAISE].leaves == 0);
  CHECK(unwinder_hooks[RESUME].enters >= 1); // middle's cleanup went on from there
  CHECK(rethrower(1) == -2);
  CHECK(destroyed == 2);
  CHECK(unwinder_hooks[RETHROW].enters == 1 && unwinder_hooks[RETHROW].leaves == 0);
  // a failed raise returns through its leave, and the hooked call around it too
  reset_unwinder_counts();
  enters = leaves = 0;
  CHECK(raise_unhandled() == _URC_END_OF_STACK);
  CHECK(unwinder_hooks[RAISE].leaves == 1 && unwinder_hooks[RAISE].last == _URC_END_OF_STACK);
  CHECK(enters == 1 && leaves == 1);
  // a walk is as long as before, and returns through its leave
  CHECK(walk_depth() == depth);
  CHECK(unwinder_hooks[BACKTRACE].leaves == 1 && unwinder_hooks[BACKTRACE].last == _URC_END_OF_STACK);
  // pthread_exit's forced unwind: the destructor runs, the thread's value comes back
  destroyed = 0;
  pthread_t t;
  void *r = nullptr;
  CHECK(pthread_create(&t, nullptr, exit_thread, nullptr) == 0);
  CHECK(pthread_join(t, &r) == 0);
  CHECK(r == (void *)7);
  CHECK(destroyed == 2); // exiter's guard, then the thread's
  CHECK(unwinder_hooks[FORCED].enters == 1);
  for (auto &h : unwinder_hooks)
    CHECK(ospy_interceptor_detach(h.l) == OSPY_INTERCEPTOR_OK);
  std::printf("ok the unwinder's entry points hooked with on_leave: throws, rethrows, "
              "pthread_exit and walks as unhooked\n");
}

int main() {
  ospy_listener *l[3];
  ospy_interceptor_set_abandon_handler(on_abandon);
  const void *fns[3] = { (void *)thrower, (void *)middle, (void *)catcher };
  for (int i = 0; i < 3; i++)
    CHECK(ospy_interceptor_attach(const_cast<void *>(fns[i]), on_enter, on_leave,
                                  const_cast<void *>(fns[i]), &l[i], nullptr) == OSPY_INTERCEPTOR_OK);
  // Thrown in thrower, through middle (a destructor runs), caught outside.
  bool caught = false;
  try {
    middle(1);
  } catch (const std::runtime_error &e) {
    caught = true;
  }
  CHECK(caught);
  CHECK(destroyed == 1);
  CHECK(enters == 2);
  // The two unwound calls are reported as abandoned (at the latest when the
  // next hooked call or return finds them gone).
  CHECK(catcher(0) == 11);
  CHECK(abandoned == 2);
  CHECK(leaves == 3);
  // Caught inside a hooked function: catcher's own on_leave still comes.
  enters = leaves = abandoned = 0;
  CHECK(catcher(1) == -1);
  CHECK(enters == 3);
  CHECK(leaves == 1);
  CHECK(abandoned == 2); // thrower and middle, each once
  // Normal calls afterwards are fine, with balanced callbacks.
  enters = leaves = 0;
  for (int i = 0; i < 100; i++)
    CHECK(catcher(0) == 11);
  CHECK(enters == 300);
  CHECK(leaves == 300);
  // Many exceptions in a row (stale entries must not pile up).
  abandoned = 0;
  for (int i = 0; i < 500; i++)
    CHECK(catcher(1) == -1);
  CHECK(abandoned == 1000);
  std::printf("ok C++ exceptions through hooked frames\n");
  test_pthread_exit_given_up();
  ospy_listener *more[3];
  CHECK(ospy_interceptor_attach((void *)rethrower, on_enter, on_leave, (void *)rethrower, &more[0], nullptr) ==
        OSPY_INTERCEPTOR_OK);
  CHECK(ospy_interceptor_attach((void *)raise_unhandled, on_enter, on_leave, (void *)raise_unhandled, &more[1],
                                nullptr) == OSPY_INTERCEPTOR_OK);
  CHECK(ospy_interceptor_attach((void *)exiter, on_enter, on_leave, (void *)exiter, &more[2], nullptr) ==
        OSPY_INTERCEPTOR_OK);
  test_unwinder_listeners();
  for (auto *x : l)
    CHECK(ospy_interceptor_detach(x) == OSPY_INTERCEPTOR_OK);
  for (auto *x : more)
    CHECK(ospy_interceptor_detach(x) == OSPY_INTERCEPTOR_OK);
  return 0;
}
