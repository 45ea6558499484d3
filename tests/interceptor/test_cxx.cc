// C++ exceptions thrown through hooked frames are still caught above them,
// and hooked frames that survive the exception still get their on_leave.
#include <cstdio>
#include <cstdlib>
#include <dlfcn.h>
#include <pthread.h>
#include <stdexcept>

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
  for (auto *x : l)
    CHECK(ospy_interceptor_detach(x) == OSPY_INTERCEPTOR_OK);
  std::printf("ok C++ exceptions through hooked frames\n");
  test_pthread_exit_given_up();
  return 0;
}
