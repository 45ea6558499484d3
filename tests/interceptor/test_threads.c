/* Hooks under concurrency: malloc/free hooked while 8 threads allocate,
 * pthread_create hooked, a hooked free in thread-exit destructors, new
 * threads whose first hooked call is __errno_location, 1,000
 * attach/detach cycles while 2 threads call the function, detach while a
 * thread is blocked inside the hooked function, a thread that blocks the
 * suspension signal, and threads that leave a hooked call by longjmp and
 * end by returning. */
#include <pthread.h>
#include <setjmp.h>
#include <stdbool.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "test_common.h"

#define NOINLINE __attribute__((noinline, noclone))

static long malloc_enters, malloc_leaves, free_enters;

static void count_enter(ospy_invocation *inv) {
  __atomic_add_fetch((long *)ospy_invocation_user_data(inv), 1, __ATOMIC_RELAXED);
}
static void malloc_leave(ospy_invocation *inv) {
  CHECK(ospy_invocation_get_return(inv) != 0);
  __atomic_add_fetch(&malloc_leaves, 1, __ATOMIC_RELAXED);
}

#define ALLOCS 20000
static void *alloc_worker(void *arg) {
  uintptr_t id = (uintptr_t)arg;
  for (int i = 0; i < ALLOCS; i++) {
    size_t n = 16 + (size_t)(i % 200);
    unsigned char *p = malloc(n);
    CHECK(p != NULL);
    memset(p, (int)id, n);
    CHECK(p[n - 1] == (unsigned char)id);
    free(p);
  }
  return NULL;
}

static void test_malloc_threads(void) {
  ospy_listener *lm, *lf;
  ospy_interceptor_begin_transaction();
  CHECK_OK(ospy_interceptor_attach((void *)malloc, count_enter, malloc_leave, &malloc_enters, &lm, NULL));
  CHECK_OK(ospy_interceptor_attach((void *)free, count_enter, NULL, &free_enters, &lf, NULL));
  CHECK_OK(ospy_interceptor_end_transaction());
  pthread_t t[8];
  for (uintptr_t i = 0; i < 8; i++)
    CHECK(pthread_create(&t[i], NULL, alloc_worker, (void *)(i + 1)) == 0);
  for (int i = 0; i < 8; i++)
    CHECK(pthread_join(t[i], NULL) == 0);
  ospy_interceptor_begin_transaction();
  CHECK_OK(ospy_interceptor_detach(lm));
  CHECK_OK(ospy_interceptor_detach(lf));
  CHECK_OK(ospy_interceptor_end_transaction());
  CHECK(malloc_enters >= 8 * ALLOCS);
  CHECK_EQ(malloc_enters, malloc_leaves);
  CHECK(free_enters >= 8 * ALLOCS);
  printf("ok malloc/free hooked in 8 threads: %ld mallocs, %ld frees\n", malloc_enters, free_enters);
}

/* pthread_create hooked, and a hooked free called from a thread's TLS destructor. */
static long create_enters, create_leaves;
static volatile long destructor_frees;
static pthread_key_t key;
static volatile int in_destructor;

static void create_leave(ospy_invocation *inv) {
  CHECK_EQ(ospy_invocation_get_return(inv), 0);
  __atomic_add_fetch(&create_leaves, 1, __ATOMIC_RELAXED);
}
static void free_in_destructor(ospy_invocation *inv) {
  (void)inv;
  if (in_destructor)
    __atomic_add_fetch(&destructor_frees, 1, __ATOMIC_RELAXED);
}
static void destructor(void *p) {
  in_destructor = 1;
  free(p);
  in_destructor = 0;
}
static void *keyed_worker(void *arg) {
  (void)arg;
  CHECK(pthread_setspecific(key, malloc(64)) == 0);
  return NULL;
}

static void test_create_and_exit(void) {
  CHECK(pthread_key_create(&key, destructor) == 0);
  ospy_listener *lc, *lf;
  CHECK_OK(ospy_interceptor_attach((void *)pthread_create, count_enter, create_leave, &create_enters, &lc, NULL));
  CHECK_OK(ospy_interceptor_attach((void *)free, free_in_destructor, free_in_destructor, NULL, &lf, NULL));
  for (int round = 0; round < 20; round++) {
    pthread_t t;
    CHECK(pthread_create(&t, NULL, keyed_worker, NULL) == 0);
    CHECK(pthread_join(t, NULL) == 0);
  }
  CHECK_OK(ospy_interceptor_detach(lc));
  CHECK_OK(ospy_interceptor_detach(lf));
  CHECK_EQ(create_enters, 20);
  CHECK_EQ(create_leaves, 20);
  CHECK(destructor_frees >= 40); /* enter and leave of each destructor free */
  printf("ok pthread_create hooked, hooked free in thread-exit destructors\n");
}

/* A new thread whose first hooked call is __errno_location itself: claiming
 * its state takes errno's address, which re-enters the hook. That nested
 * call must run unseen, not recurse (it did: stack overflow) nor be reported
 * as a lost re-entry. */
static long errno_enters, reentries;
static void count_reentry(void *user_data, unsigned depth, uintptr_t ret) {
  (void)user_data, (void)depth, (void)ret;
  __atomic_add_fetch(&reentries, 1, __ATOMIC_RELAXED);
}
static void *errno_worker(void *arg) {
  (void)arg;
  errno = 7;
  return (void *)(intptr_t)errno;
}

static void test_new_thread_errno_hooked(void) {
  ospy_interceptor_set_reentry_handler(count_reentry);
  ospy_listener *l;
  CHECK_OK(ospy_interceptor_attach((void *)__errno_location, count_enter, NULL, &errno_enters, &l, NULL));
  for (int round = 0; round < 5; round++) {
    pthread_t t;
    void *ret = NULL;
    CHECK(pthread_create(&t, NULL, errno_worker, NULL) == 0);
    CHECK(pthread_join(t, &ret) == 0);
    CHECK_EQ((intptr_t)ret, 7);
  }
  CHECK_OK(ospy_interceptor_detach(l));
  ospy_interceptor_set_reentry_handler(NULL);
  CHECK(__atomic_load_n(&errno_enters, __ATOMIC_RELAXED) >= 5);
  CHECK_EQ(__atomic_load_n(&reentries, __ATOMIC_RELAXED), 0);
  printf("ok new threads with __errno_location hooked\n");
}

/* Counters are read with atomic loads: the compiler can see that the hooked
 * functions themselves do not modify them. */

/* Torture: attach/detach cycles while two threads call the function. */
long torture_target(long x);
NOINLINE long torture_target(long x) {
  volatile long k = 3;
  return x * k + 1;
}
static volatile int stop_callers;
static long torture_calls, torture_hits;
static void torture_enter(ospy_invocation *inv) {
  (void)inv;
  __atomic_add_fetch(&torture_hits, 1, __ATOMIC_RELAXED);
}
static void torture_leave(ospy_invocation *inv) {
  long x = *(long *)ospy_invocation_scratch(inv);
  CHECK_EQ(ospy_invocation_get_return(inv), x * 3 + 1);
}
static void torture_enter_save(ospy_invocation *inv) {
  *(long *)ospy_invocation_scratch(inv) = (long)ospy_invocation_get_arg(inv, 0);
  torture_enter(inv);
}
static void *caller(void *arg) {
  long base = (long)(uintptr_t)arg;
  while (!__atomic_load_n(&stop_callers, __ATOMIC_ACQUIRE)) {
    for (long i = 0; i < 100; i++)
      if (torture_target(base + i) != (base + i) * 3 + 1) {
        fprintf(stderr, "torture: wrong result\n");
        exit(1);
      }
    __atomic_add_fetch(&torture_calls, 100, __ATOMIC_RELAXED);
  }
  return NULL;
}

static void test_torture(void) {
  pthread_t t[2];
  for (uintptr_t i = 0; i < 2; i++)
    CHECK(pthread_create(&t[i], NULL, caller, (void *)(i * 1000)) == 0);
  for (int cycle = 0; cycle < 1000; cycle++) {
    ospy_listener *l;
    CHECK_OK(ospy_interceptor_attach((void *)torture_target, torture_enter_save,
                                     cycle % 2 ? torture_leave : NULL, NULL, &l, NULL));
    CHECK_OK(ospy_interceptor_detach(l));
  }
  __atomic_store_n(&stop_callers, 1, __ATOMIC_RELEASE);
  for (int i = 0; i < 2; i++)
    CHECK(pthread_join(t[i], NULL) == 0);
  printf("ok 1000 attach/detach cycles under 2 calling threads (%ld calls, %ld hooked)\n",
         torture_calls, torture_hits);
}

/* Torture with more calling threads than CPUs, on a function whose patched
 * bytes hold several instructions: a thread preempted between two of them
 * (or inside the suspension handler, before it says it stopped) must be
 * stopped and moved, never left running into a half-patched prologue. */
long crowd_target(long x);
#if defined(__x86_64__)
__asm__(".text\n.globl crowd_target\n.type crowd_target,@function\ncrowd_target:\n"
        "mov %rdi, %rax\nadd %rdi, %rax\nadd %rdi, %rax\nadd $1, %rax\nret\n"
        ".size crowd_target, .-crowd_target\n");
#else
__asm__(".text\n.globl crowd_target\n.type crowd_target,@function\ncrowd_target:\n"
        "mov 4(%esp), %eax\nlea 1(%eax,%eax,2), %eax\nnop\nnop\nret\n"
        ".size crowd_target, .-crowd_target\n");
#endif
static volatile int stop_crowd;
static long crowd_calls;
static void *crowd_caller(void *arg) {
  long base = (long)(uintptr_t)arg;
  while (!__atomic_load_n(&stop_crowd, __ATOMIC_ACQUIRE)) {
    for (long i = 0; i < 100; i++)
      if (crowd_target(base + i) != (base + i) * 3 + 1) {
        fprintf(stderr, "crowd: wrong result\n");
        exit(1);
      }
    __atomic_add_fetch(&crowd_calls, 100, __ATOMIC_RELAXED);
  }
  return NULL;
}

static void test_torture_crowd(void) {
  long cpus = sysconf(_SC_NPROCESSORS_ONLN);
  unsigned n = cpus > 0 && cpus < 14 ? (unsigned)cpus + 2 : 16;
  pthread_t t[16];
  for (uintptr_t i = 0; i < n; i++)
    CHECK(pthread_create(&t[i], NULL, crowd_caller, (void *)(i * 1000)) == 0);
  for (int cycle = 0; cycle < 100; cycle++) {
    ospy_listener *l;
    CHECK_OK(ospy_interceptor_attach((void *)crowd_target, torture_enter, NULL, NULL, &l, NULL));
    CHECK_OK(ospy_interceptor_detach(l));
  }
  __atomic_store_n(&stop_crowd, 1, __ATOMIC_RELEASE);
  for (unsigned i = 0; i < n; i++)
    CHECK(pthread_join(t[i], NULL) == 0);
  printf("ok 100 attach/detach cycles under %u calling threads, %ld CPUs (%ld calls)\n", n,
         cpus, crowd_calls);
}

/* Detach while a thread is blocked inside the hooked function. */
long blocking_read(int fd);
NOINLINE long blocking_read(int fd) {
  char c = 0;
  ssize_t n = read(fd, &c, 1);
  return n == 1 ? c : -1;
}
static volatile int blocked_inside;
static volatile long block_leaves;
static void block_enter(ospy_invocation *inv) {
  (void)inv;
  __atomic_store_n(&blocked_inside, 1, __ATOMIC_RELEASE);
}
static void block_leave(ospy_invocation *inv) {
  (void)inv;
  block_leaves++;
}
static void *block_worker(void *arg) {
  int fd = (int)(intptr_t)arg;
  return (void *)(intptr_t)blocking_read(fd);
}

static void test_detach_while_blocked(void) {
  int p[2];
  CHECK(pipe(p) == 0);
  ospy_listener *l1, *l2;
  CHECK_OK(ospy_interceptor_attach((void *)blocking_read, block_enter, block_leave, NULL, &l1, NULL));
  CHECK_OK(ospy_interceptor_attach((void *)read, NULL, block_leave, NULL, &l2, NULL));
  pthread_t t;
  CHECK(pthread_create(&t, NULL, block_worker, (void *)(intptr_t)p[0]) == 0);
  while (!__atomic_load_n(&blocked_inside, __ATOMIC_ACQUIRE))
    sched_yield();
  /* It is now in (or about to be in) read(); remove both hooks under it. */
  CHECK_OK(ospy_interceptor_detach(l1));
  CHECK_OK(ospy_interceptor_detach(l2));
  CHECK(write(p[1], "x", 1) == 1);
  void *ret = NULL;
  CHECK(pthread_join(t, &ret) == 0);
  CHECK_EQ((intptr_t)ret, 'x');
  CHECK_EQ(block_leaves, 0);
  close(p[0]);
  close(p[1]);
  printf("ok detach while a thread is blocked inside\n");
}

/* A thread that blocks every signal cannot be suspended. Asleep in a system
 * call (its pc known, outside the bytes to patch) it is no danger: patching
 * proceeds. Running code we cannot see, it may stand between two of the
 * instructions a jump covers: the hook is refused (THREAD_UNSTOPPED), and
 * goes in once that thread sleeps. two_insns' jump covers two instructions. */
long two_insns(long x);
#if defined(__x86_64__)
__asm__(".text\n.globl two_insns\n.type two_insns,@function\ntwo_insns:\n"
        "mov %rdi, %rax\nadd %rdi, %rax\nadd %rdi, %rax\nadd $1, %rax\nret\n"
        ".size two_insns, .-two_insns\n");
#else
__asm__(".text\n.globl two_insns\n.type two_insns,@function\ntwo_insns:\n"
        "mov 4(%esp), %eax\nlea 1(%eax,%eax,2), %eax\nret\n.size two_insns, .-two_insns\n");
#endif

static volatile int blocker_mode = 1; /* 1: spin without system calls, 2: sleep in read, 0: end */
static int blocker_pipe[2];
static volatile pid_t blocker_tid;
static void *blocker(void *arg) {
  (void)arg;
  blocker_tid = (pid_t)syscall(SYS_gettid);
  while (__atomic_load_n(&blocker_mode, __ATOMIC_ACQUIRE) == 1)
    ;
  char c;
  if (__atomic_load_n(&blocker_mode, __ATOMIC_ACQUIRE) == 2)
    (void)!read(blocker_pipe[0], &c, 1);
  return NULL;
}

static bool asleep_in_read(void) {
  for (int i = 0; i < 500; i++) { /* the thread's state, until it sleeps (5 s at most) */
    char path[300], st[512];
    DIR *d = opendir("/proc/self/task");
    struct dirent *e;
    int sleeping = 0;
    while (d && (e = readdir(d))) {
      if (e->d_name[0] == '.' || atoi(e->d_name) == (int)syscall(SYS_gettid))
        continue;
      snprintf(path, sizeof path, "/proc/self/task/%s/stat", e->d_name);
      FILE *f = fopen(path, "r");
      size_t n = f ? fread(st, 1, sizeof st - 1, f) : 0;
      if (f)
        fclose(f);
      st[n] = '\0';
      const char *paren = strrchr(st, ')');
      sleeping += paren && paren[2] == 'S';
    }
    if (d)
      closedir(d);
    if (sleeping)
      return true;
    usleep(10000);
  }
  return false;
}

/* Whether signal sig waits for thread tid (SigPnd in its status). */
static bool pending_for(pid_t tid, int sig) {
  char path[64], st[4096];
  snprintf(path, sizeof path, "/proc/self/task/%d/status", (int)tid);
  FILE *f = fopen(path, "r");
  size_t n = f ? fread(st, 1, sizeof st - 1, f) : 0;
  if (f)
    fclose(f);
  st[n] = '\0';
  const char *line = strstr(st, "\nSigPnd:");
  return line && (strtoull(line + 8, NULL, 16) >> (sig - 1)) & 1;
}

static void test_blocked_signal_thread(void) {
  sigset_t all, old;
  sigfillset(&all);
  CHECK(pipe(blocker_pipe) == 0);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  pthread_t t;
  CHECK(pthread_create(&t, NULL, blocker, NULL) == 0);
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  ospy_listener *l;
  ospy_interceptor_error err = { 0 };
  while (!blocker_tid)
    usleep(1000);
  CHECK_EQ(ospy_interceptor_attach((void *)two_insns, torture_enter, NULL, NULL, &l, &err),
           OSPY_INTERCEPTOR_THREAD_UNSTOPPED);
  CHECK_EQ(two_insns(2), 7); /* untouched */
  /* never sent the signal it blocks: it would wait there for good (a
   * program that takes its signals from a signalfd read it) */
  CHECK(!pending_for(blocker_tid, SIGRTMAX - 3));
  __atomic_store_n(&blocker_mode, 2, __ATOMIC_RELEASE);
  CHECK(asleep_in_read());
  CHECK_OK(ospy_interceptor_attach((void *)two_insns, torture_enter, NULL, NULL, &l, NULL));
  long before = __atomic_load_n(&torture_hits, __ATOMIC_ACQUIRE);
  CHECK_EQ(two_insns(2), 7);
  CHECK_EQ(__atomic_load_n(&torture_hits, __ATOMIC_ACQUIRE), before + 1);
  CHECK_OK(ospy_interceptor_detach(l));
  __atomic_store_n(&blocker_mode, 0, __ATOMIC_RELEASE);
  CHECK(write(blocker_pipe[1], "x", 1) == 1);
  CHECK(pthread_join(t, NULL) == 0);
  close(blocker_pipe[0]);
  close(blocker_pipe[1]);
  printf("ok a thread that blocks all signals: refused while it runs, patched while it sleeps\n");
}

/* Threads that leave a hooked call by longjmp and then return from their
 * start routine, which no hook sees: each such call is given up once, under
 * the ended thread's id (not the reporting thread's), with its scratch. By
 * the new thread that takes over the ended one's block (a thread takes a
 * free block first: past the first chunk's 32, the later threads take over
 * the blocks of ended ones), else by ospy_interceptor_abandon_ended_threads
 * (a detach), never again by ospy_interceptor_abandon_other_threads (the
 * process's end) nor a later owner. A forked child reports none of its
 * parent's. They were dropped unreported. */
#define LEAPERS 80
long leap(long x);
static __thread jmp_buf *leap_jb;
NOINLINE long leap(long x) {
  __asm__ volatile("");
  if (x > 0)
    longjmp(*leap_jb, 1);
  return x;
}

static pid_t leap_tid[LEAPERS + 1]; /* the thread that made call x */
static int leap_reported[LEAPERS + 1];
static int leap_bad, leap_leaves;

static int returner_entered;
static void leap_enter(ospy_invocation *inv) {
  long x = (long)ospy_invocation_get_arg(inv, 0);
  *(long *)ospy_invocation_scratch(inv) = x;
  if (x == 0)
    __atomic_store_n(&returner_entered, 1, __ATOMIC_RELEASE);
}
static void leap_leave(ospy_invocation *inv) {
  (void)inv;
  __atomic_add_fetch(&leap_leaves, 1, __ATOMIC_RELAXED);
}
/* Set: the next report starts a thread whose first hooked call claims a
 * block while the reporting thread holds one lent (the one reported from,
 * when it is the first ended block: then the new thread waits for it). */
static int start_claimer_in_report;
static pthread_t claimer;
static void *returner(void *arg);

static void start_claimer(void) {
  __atomic_store_n(&returner_entered, 0, __ATOMIC_RELEASE);
  CHECK(pthread_create(&claimer, NULL, returner, NULL) == 0);
  for (int i = 0; i < 300 && !__atomic_load_n(&returner_entered, __ATOMIC_ACQUIRE); i++)
    usleep(1000); /* (bounded: it may wait for this block) */
  printf("  a thread started while a block was lent %s\n",
         __atomic_load_n(&returner_entered, __ATOMIC_ACQUIRE) ? "took another block"
                                                              : "waited for it to be given back");
}

static void leap_abandon(ospy_invocation *inv) {
  long x = *(long *)ospy_invocation_scratch(inv);
  bool right = x >= 1 && x <= LEAPERS && !ospy_invocation_on_current_thread(inv) &&
               ospy_invocation_thread_id(inv) == (uint32_t)leap_tid[x] &&
               syscall(SYS_gettid) != leap_tid[x];
  __atomic_add_fetch(right ? &leap_reported[x] : &leap_bad, 1, __ATOMIC_RELAXED);
  if (__atomic_exchange_n(&start_claimer_in_report, 0, __ATOMIC_ACQ_REL))
    start_claimer();
}

NOINLINE static void leap_out(long x) {
  jmp_buf jb;
  leap_jb = &jb;
  if (!setjmp(jb))
    leap(x);
}
static void *leaper(void *arg) {
  long x = (long)arg;
  leap_tid[x] = (pid_t)syscall(SYS_gettid);
  leap_out(x);
  return NULL; /* (no pthread_exit: nothing hooked sees this thread end) */
}
static void *returner(void *arg) { return (void *)leap((long)arg); }

static void run_thread(void *(*fn)(void *), long arg) {
  pthread_t t;
  CHECK(pthread_create(&t, NULL, fn, (void *)arg) == 0);
  CHECK(pthread_join(t, NULL) == 0);
}

static int leaps_reported(void) {
  int n = 0;
  for (int x = 1; x <= LEAPERS; x++)
    n += __atomic_load_n(&leap_reported[x], __ATOMIC_RELAXED);
  return n;
}

/* In a forked child the parent's ended threads look ended too: their calls
 * are the parent's to report. Exits 0 when the child reported none. */
static void child_reports_none(void) {
  int before = leaps_reported();
  (void)ospy_interceptor_abandon_other_threads();
  (void)ospy_interceptor_abandon_ended_threads();
  run_thread(returner, 0); /* (takes a freed block of the parent's) */
  _exit(leaps_reported() != before || leap_bad ? 1 : 0);
}

static void test_ended_threads(void) {
  ospy_interceptor_set_abandon_handler(leap_abandon);
  ospy_listener *l;
  CHECK_OK(ospy_interceptor_attach((void *)leap, leap_enter, leap_leave, NULL, &l, NULL));
  for (long x = 1; x <= LEAPERS; x++)
    run_thread(leaper, x);
  int by_new_owners = leaps_reported();
  printf("  %d of %d calls left by ended threads given up by the threads that took over their blocks\n",
         by_new_owners, LEAPERS);
  CHECK(by_new_owners > 0 && by_new_owners < LEAPERS);
  pid_t child = fork();
  CHECK(child >= 0);
  if (child == 0)
    child_reports_none();
  int st = -1;
  CHECK(waitpid(child, &st, 0) == child);
  CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
  CHECK_EQ(leaps_reported(), by_new_owners);
  start_claimer_in_report = 1;
  CHECK_EQ(ospy_interceptor_abandon_ended_threads(), LEAPERS - by_new_owners);
  CHECK(pthread_join(claimer, NULL) == 0);
  /* nothing twice: not at the end, not by later owners of those blocks */
  (void)ospy_interceptor_abandon_other_threads();
  for (int i = 0; i < LEAPERS; i++)
    run_thread(returner, 0);
  for (int x = 1; x <= LEAPERS; x++)
    CHECK_EQ(leap_reported[x], 1);
  CHECK_EQ(leap_bad, 0);
  CHECK_EQ(leap_leaves, LEAPERS + 1); /* the returners' */
  CHECK_OK(ospy_interceptor_detach(l));
  ospy_interceptor_set_abandon_handler(NULL);
  printf("ok %d calls left pending by threads that ended by returning: each given up once, "
         "under its thread\n", LEAPERS);
}

int main(int argc, char **argv) {
  /* An optional argument runs one part: malloc, create, errno, torture, crowd, blocked, sigblock, ended. */
  const char *only = argc > 1 ? argv[1] : "";
  if (!*only || !strcmp(only, "malloc"))
    test_malloc_threads();
  if (!*only || !strcmp(only, "create"))
    test_create_and_exit();
  if (!*only || !strcmp(only, "errno"))
    test_new_thread_errno_hooked();
  /* qemu-i386 (used when the kernel cannot run i386 binaries) corrupts %gs
   * when signals interrupt busy threads often: 2,000 suspension rounds break
   * its TLS even without ospy (a plain __thread check fails), so the torture
   * part only runs natively. */
  if (getenv("OSPY_UNDER_QEMU_I386"))
    printf("skipped torture: qemu-i386 signal handling corrupts TLS\n");
  else if (!*only || !strcmp(only, "torture"))
    test_torture();
  if (!getenv("OSPY_UNDER_QEMU_I386") && (!*only || !strcmp(only, "crowd")))
    test_torture_crowd();
  if (!*only || !strcmp(only, "blocked"))
    test_detach_while_blocked();
  if (!*only || !strcmp(only, "sigblock"))
    test_blocked_signal_thread();
  if (!*only || !strcmp(only, "ended"))
    test_ended_threads();
  return 0;
}
