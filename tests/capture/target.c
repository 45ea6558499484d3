/*
 * Capture test target: calls ospy_test_add a known number of times from a
 * number of threads, then ends the way it is told, and prints what it did so
 * the test can compare with the capture.
 *   target THREADS CALLS [exit N | segv | abort | fork | sleep MS | churn ROUNDS |
 *                         recurse DEPTH | orphan | seek]
 * (orphan: a child that exits with 7 and is left unreaped by its parent, which
 * exits as soon as the child is a zombie: ospy, the subreaper, reaps it)
 * (churn: ROUNDS times THREADS new threads, each started after the last
 * round's ended: a program that keeps starting short-lived threads)
 * (seek: two lseek64 calls with 64-bit results, then exit)
 * (twice: vfork + exec of /bin/true, then setjmp/longjmp: calls that return
 * twice; prints what the parent saw)
 * (spawns: 5 rounds of ospy_test_add, posix_spawn and system(): children that
 * share the parent's memory until they exec)
 * (coro: two coroutines on their own stacks take turns inside the hooked
 * ospy_test_yield, 50 calls each)
 * (coro-close COROS JUMPS: COROS coroutines on 16 KiB stacks carved from one
 * malloc'ed block take turns inside ospy_test_yield, 3 calls each, from two
 * callers; after each turn the main context leaves ospy_test_jump by longjmp
 * JUMPS times)
 * (texit: 3 threads each end with pthread_exit inside the hooked
 * ospy_test_thread_exit)
 * (jump-return ROUNDS JUMPS [exec | attach GOFILE ENDFILE]: ROUNDS times
 * THREADS threads, each round started after the last ended; each thread
 * leaves JUMPS calls of ospy_test_jump by longjmp, then returns from its
 * start routine: its last call stays pending, and no hook sees the thread
 * end. Prints its pid, then "jumped TID X" for each call (X its argument,
 * in hex), then returns, or execs /bin/true; attach: announces its pid,
 * waits for GOFILE before the threads, prints "threads done" and waits for
 * ENDFILE after them)
 * (sleepers: prints its pid; a thread polls nothing for 2 s while the main
 * thread sleeps 2 s in nanosleep; prints whether both slept the whole time)
 * (spin FILE: prints its pid, then its threads call ospy_test_add without
 * pause until FILE exists; prints the calls made: a busy process to attach to)
 * (paced FILE: prints its pid, then its threads call ospy_test_add(THREAD,
 * I), I counting 0, 1, 2... in each thread, pausing 1 ms every 20 calls,
 * until FILE exists; prints the calls made: a program whose capture is cut
 * short, each thread's calls numbered)
 * (forks N: N children at once, each making THREADS x CALLS calls, then the
 * parent the same; prints the total)
 * (kids: three children, each dies inside a hooked ospy_test_store: of
 * SIGSEGV, of SIGTERM it sends itself, of SIGPIPE writing to a closed pipe;
 * the parent reaps them and prints how each ended)
 * (segv-in, fpe-in: a hooked ospy_test_store returns, then one dies inside
 * of SIGSEGV (a fault) or of SIGFPE it raises (a sent signal))
 * (load-in: a hooked ospy_test_load returns, then one faults on its load of
 * NULL, an instruction the hook moved)
 * (noreturn [exec]: a hooked call left by longjmp, a failed execv, then
 * execv("/bin/true") or exit(3): calls that do not return; exit's work is
 * the program's: an atexit handler writes "bye 1".."bye 3" and stdio's flush
 * "unflushed")
 * (unfinished [GOFILE]: a thread calls ospy_test_add once; when it sleeps
 * (under OSPY_TEST_STALL_RECORD=ospy_test_add the agent keeps it in the
 * middle of writing that call's record), the main thread makes CALLS calls
 * and exits 3, the thread still there. With GOFILE: prints its pid and
 * waits for the file first, for an attach)
 * (unfinished-child: a child's thread calls ospy_test_store once and,
 * stalled there as above (OSPY_TEST_STALL_RECORD=ospy_test_store: the
 * parent's own agent would stall its first record too), dies when the child
 * exits 3; then the parent makes CALLS
 * calls, more than a lane holds, and prints them: run with -F)
 */
#define _LARGEFILE64_SOURCE 1 /* lseek64 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1 /* unshare (the i386 build: cc -m32 by the test itself) */
#endif
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <sched.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

extern char **environ;
int ospy_test_add(int a, int b);
int ospy_test_recurse(int n);
int ospy_test_yield(void *from, void *to, int v);
int ospy_test_thread_exit(int v);
int ospy_test_store(int *p, int v);
int ospy_test_load(const int *p);
long ospy_test_jump(void *jb, long x);

static long calls_per_thread;
static volatile long sink;

static void *worker(void *arg)
{
  long id = (long)arg;
  for (long i = 0; i < calls_per_thread; i++)
    sink += ospy_test_add((int)id, (int)i);
  return NULL;
}

static const char *spin_until;
static volatile int spin_stop;
static long spun[64];

static void *spinner(void *arg)
{
  long id = (long)arg;
  while (!spin_stop)
    spun[id] += ospy_test_add((int)id, 1) > 0;
  return NULL;
}

/* Threads call without pause until the file spin_until exists. */
static void spin(long threads)
{
  pthread_t t[64];
  for (long i = 0; i < threads; i++)
    pthread_create(&t[i], NULL, spinner, (void *)i);
  printf("pid=%d\n", (int)getpid());
  fflush(stdout);
  while (access(spin_until, F_OK) != 0) {
    struct timespec ts = { 0, 10 * 1000000L };
    nanosleep(&ts, NULL);
  }
  spin_stop = 1;
  long total = 0;
  for (long i = 0; i < threads; i++) {
    pthread_join(t[i], NULL);
    total += spun[i];
  }
  printf("spun=%ld\n", total);
}

static volatile int paced_stop;
static long paced_made[64];

static void *paced_worker(void *arg)
{
  long id = (long)arg;
  for (long i = 0; !paced_stop; i++) {
    sink += ospy_test_add((int)id, (int)i);
    paced_made[id]++;
    if (i % 20 == 19) {
      struct timespec ts = { 0, 1000000L };
      nanosleep(&ts, NULL);
    }
  }
  return NULL;
}

/* Threads call at a steady pace until the file `until` exists. */
static void paced(long threads, const char *until)
{
  pthread_t t[64];
  for (long i = 0; i < threads; i++)
    pthread_create(&t[i], NULL, paced_worker, (void *)i);
  printf("pid=%d\n", (int)getpid());
  fflush(stdout);
  while (access(until, F_OK) != 0) {
    struct timespec ts = { 0, 10 * 1000000L };
    nanosleep(&ts, NULL);
  }
  paced_stop = 1;
  long total = 0;
  for (long i = 0; i < threads; i++) {
    pthread_join(t[i], NULL);
    total += paced_made[i];
  }
  printf("calls=%ld\n", total);
}

static void run(long threads)
{
  pthread_t t[64];
  for (long i = 0; i < threads; i++)
    if (pthread_create(&t[i], NULL, worker, (void *)i) != 0)
      exit(90);
  for (long i = 0; i < threads; i++)
    pthread_join(t[i], NULL);
}

/* The address space in use, for the churn test: what exited threads left. */
static void print_vmsize(void)
{
  char line[256];
  FILE *f = fopen("/proc/self/status", "r");
  while (f && fgets(line, sizeof line, f))
    if (!strncmp(line, "VmSize:", 7))
      printf("vmsize_kb=%ld\n", atol(line + 7));
  if (f)
    fclose(f);
}

static void *thread_exit_body(void *arg)
{
  ospy_test_thread_exit((int)(long)arg);
  return NULL;
}

/* Coroutine c: 50 hooked calls that switch back to main in the middle; the
 * results must be 7 v whatever ran meanwhile. */
static ucontext_t *coro_main, *coro_self[2];
static int coro_bad;
static void coro_body(int c)
{
  for (int v = 0; v < 25; v++)
    if (ospy_test_yield(coro_self[c], coro_main, c * 100 + v) != (c * 100 + v) * 7)
      coro_bad++;
}

/* noreturn's atexit handler: calls the program makes while exit runs */
static void say_bye(void)
{
  char line[] = "bye 0\n";
  for (int i = 1; i <= 3; i++) {
    line[4] = (char)('0' + i);
    if (write(1, line, sizeof line - 1) < 0)
      return;
  }
}

/* The modes below run in functions of their own: main uses setjmp and
 * vfork, and their variables there would be clobbered. */
static int run_texit(void)
{
  pthread_t t[3];
  for (long i = 0; i < 3; i++)
    pthread_create(&t[i], NULL, thread_exit_body, (void *)i);
  for (int i = 0; i < 3; i++)
    pthread_join(t[i], NULL);
  printf("texit done\n");
  return 0;
}

static int jumps_per_thread;
static long jump_serial;

/* A call of ospy_test_jump(x) left by longjmp. */
__attribute__((noinline)) static void jump_out(long x)
{
  jmp_buf jb;
  if (!setjmp(jb))
    ospy_test_jump(&jb, x);
}

static void *jump_and_return(void *arg)
{
  (void)arg;
  long tid = (long)syscall(SYS_gettid);
  for (int j = 0; j < jumps_per_thread; j++) {
    long x = __atomic_add_fetch(&jump_serial, 1, __ATOMIC_RELAXED);
    jump_out(x);
    printf("jumped %ld 0x%lx\n", tid, x);
  }
  return NULL; /* (no pthread_exit: the thread's end passes no hook) */
}

static void wait_for_file(const char *path)
{
  while (access(path, F_OK) != 0) {
    struct timespec ts = { 0, 10 * 1000000L };
    nanosleep(&ts, NULL);
  }
}

static int run_jump_return(long threads, int argc, char **argv)
{
  long rounds = atol(argv[4]);
  jumps_per_thread = atoi(argv[5]);
  const char *end = argc > 6 ? argv[6] : "";
  int attach = !strcmp(end, "attach") && argc > 8;
  printf("pid=%d\n", (int)getpid());
  fflush(stdout);
  if (attach)
    wait_for_file(argv[7]);
  pthread_t t[64];
  for (long r = 0; r < rounds; r++) {
    for (long i = 0; i < threads && i < 64; i++)
      pthread_create(&t[i], NULL, jump_and_return, NULL);
    for (long i = 0; i < threads && i < 64; i++)
      pthread_join(t[i], NULL);
  }
  printf("threads done\n");
  fflush(stdout);
  if (attach)
    wait_for_file(argv[8]);
  if (!strcmp(end, "exec"))
    execl("/bin/true", "true", (char *)NULL);
  return 0;
}

static int run_spawns(void)
{
  long sum = 0;
  for (int r = 0; r < 5; r++) {
    sum += ospy_test_add(r, r);
    char *av[] = { "true", NULL };
    pid_t p;
    if (posix_spawn(&p, "/bin/true", NULL, NULL, av, environ) == 0)
      waitpid(p, NULL, 0);
    if (system("exit 3") == -1)
      return 9;
  }
  printf("calls=5 sum=%ld\n", sum);
  return 0;
}

static int run_coro(void)
{
  static ucontext_t main_ctx, co_ctx[2];
  for (volatile int c = 0; c < 2; c++) { /* volatile: getcontext returns twice */
    getcontext(&co_ctx[c]);
    co_ctx[c].uc_stack.ss_size = 4 << 20; /* apart: stacks in one 256 KiB look like one */
    co_ctx[c].uc_stack.ss_sp = malloc(co_ctx[c].uc_stack.ss_size);
    co_ctx[c].uc_link = &main_ctx;
    makecontext(&co_ctx[c], (void (*)(void))coro_body, 1, c);
  }
  coro_main = &main_ctx;
  coro_self[0] = &co_ctx[0];
  coro_self[1] = &co_ctx[1];
  for (int turn = 0; turn < 52; turn++) /* 26 each: the start, then 25 returns from yield */
    swapcontext(&main_ctx, &co_ctx[turn % 2]);
  printf("coro bad=%d\n", coro_bad);
  return 0;
}

/* coro-close: a suspended coroutine's pending call lies just below the
 * stack the next one runs on, as a call left by longjmp lies below the
 * frame it jumped to. Calls of two callers (their returns must not be
 * swapped) whose results must be 7 v. */
#define CLOSE_STACK (16 * 1024)
#define CLOSE_CALLS 3
static ucontext_t *close_ctx;
static int close_yields, close_jumps_made;

__attribute__((noinline)) static void close_body_up(int c)
{
  for (int r = 0; r < CLOSE_CALLS; r++) {
    int v = c * 100 + r;
    if (ospy_test_yield(&close_ctx[c], coro_main, v) != v * 7)
      coro_bad++;
    close_yields++;
  }
}

__attribute__((noinline)) static void close_body_down(int c)
{
  for (int r = CLOSE_CALLS; r-- > 0;) {
    int v = c * 100 + r;
    close_yields += ospy_test_yield(&close_ctx[c], coro_main, v) == v * 7;
  }
}

/* n calls left by longjmp, one after the other (40: more than the 32 calls
 * given up the interceptor kept the return addresses of) */
__attribute__((noinline)) static void close_jumps(int n)
{
  static jmp_buf jb;
  for (volatile int k = 0; k < n; k++)
    if (!setjmp(jb))
      ospy_test_jump(&jb, 1);
    else
      close_jumps_made++;
}

static int run_coro_close(int coros, int jumps)
{
  static ucontext_t main_ctx;
  close_ctx = calloc((size_t)coros, sizeof *close_ctx);
  char *stacks = malloc((size_t)coros * CLOSE_STACK);
  if (!close_ctx || !stacks)
    return 9;
  for (volatile int c = 0; c < coros; c++) { /* volatile: getcontext returns twice */
    getcontext(&close_ctx[c]);
    close_ctx[c].uc_stack.ss_sp = stacks + (size_t)c * CLOSE_STACK;
    close_ctx[c].uc_stack.ss_size = CLOSE_STACK;
    close_ctx[c].uc_link = &main_ctx;
    makecontext(&close_ctx[c], (void (*)(void))(c % 2 ? close_body_down : close_body_up), 1, c);
  }
  coro_main = &main_ctx;
  for (int turn = 0; turn <= CLOSE_CALLS; turn++) /* the start, then a return from each call */
    for (int c = 0; c < coros; c++) {
      swapcontext(&main_ctx, &close_ctx[c]);
      close_jumps(jumps);
    }
  printf("coro-close bad=%d yields=%d jumps=%d\n", coro_bad, close_yields, close_jumps_made);
  return 0;
}

static volatile pid_t staller_tid;

static void *staller(void *arg)
{
  staller_tid = (pid_t)syscall(SYS_gettid);
  sink += ospy_test_add(1, 1);
  return arg;
}

/* Whether task tid of this process sleeps, or has ended ('S', or no stat). */
static int task_asleep(pid_t tid)
{
  char path[64], st[512];
  snprintf(path, sizeof path, "/proc/self/task/%d/stat", (int)tid);
  FILE *f = fopen(path, "r");
  if (!f)
    return 1;
  size_t n = fread(st, 1, sizeof st - 1, f);
  fclose(f);
  st[n] = 0;
  char *close_paren = strrchr(st, ')');
  return !close_paren || close_paren[1] != ' ' || close_paren[2] == 'S' || close_paren[2] == 'Z';
}

static int run_unfinished(const char *go)
{
  if (go) {
    printf("pid=%d\n", (int)getpid());
    fflush(stdout);
    while (access(go, F_OK) != 0) {
      struct timespec ts = { 0, 10 * 1000000L };
      nanosleep(&ts, NULL);
    }
  }
  pthread_t t;
  if (pthread_create(&t, NULL, staller, NULL) != 0)
    return 90;
  for (int i = 0; i < 5000 && (!staller_tid || !task_asleep(staller_tid)); i++) { /* bounded */
    struct timespec ts = { 0, 1000000L };
    nanosleep(&ts, NULL);
  }
  for (long i = 0; i < calls_per_thread; i++)
    sink += ospy_test_add(0, (int)i);
  printf("calls=%ld\n", calls_per_thread);
  fflush(stdout);
  exit(3);
}

static void *store_staller(void *arg)
{
  static int cell;
  staller_tid = (pid_t)syscall(SYS_gettid);
  sink += ospy_test_store(&cell, 1);
  return arg;
}

static int run_unfinished_child(void)
{
  pid_t p = fork();
  if (p < 0)
    return 91;
  if (p == 0) {
    pthread_t t;
    if (pthread_create(&t, NULL, store_staller, NULL) != 0)
      _exit(90);
    for (int i = 0; i < 5000 && (!staller_tid || !task_asleep(staller_tid)); i++) { /* bounded */
      struct timespec ts = { 0, 1000000L };
      nanosleep(&ts, NULL);
    }
    _exit(3);
  }
  int st = 0;
  if (waitpid(p, &st, 0) != p)
    return 92;
  for (long i = 0; i < calls_per_thread; i++)
    sink += ospy_test_add(0, (int)i);
  printf("child %d, calls=%ld\n", WIFEXITED(st) ? WEXITSTATUS(st) : -1, calls_per_thread);
  return 0;
}

/* "blocked": threads that wait in read() on a pipe no one writes to while
 * the process ends (by returning, a fault or abort), or while the main
 * thread execs (/bin/true: their reads never return; a program that does
 * not exist: they go on, and return once main writes to the pipe). */
static int blocked_pipe[2];
static int blocked_done;

static void *blocked_reader(void *arg)
{
  char c;
  (void)arg;
  (void)!read(blocked_pipe[0], &c, 1);
  __atomic_add_fetch(&blocked_done, 1, __ATOMIC_RELEASE);
  return NULL;
}

/* After an exec that failed: each reader gets its byte, and main waits
 * (at most 5 s) until all returned. */
static int wake_blocked(long threads)
{
  for (long i = 0; i < threads; i++)
    if (write(blocked_pipe[1], "x", 1) != 1)
      return 95;
  for (int i = 0; i < 500 && __atomic_load_n(&blocked_done, __ATOMIC_ACQUIRE) < threads; i++) {
    struct timespec ts = { 0, 10 * 1000000L };
    nanosleep(&ts, NULL);
  }
  printf("returned=%d\n", __atomic_load_n(&blocked_done, __ATOMIC_ACQUIRE));
  return 0;
}

/* Whether n threads of this process other than the main one sleep (in their
 * read, once they have started). */
static int others_asleep(long n)
{
  long asleep = 0;
  for (int tid = getpid() + 1; tid < getpid() + 4096 && asleep < n; tid++) {
    char path[64], st[256];
    snprintf(path, sizeof path, "/proc/self/task/%d/stat", tid);
    FILE *f = fopen(path, "r");
    if (!f)
      continue;
    size_t len = fread(st, 1, sizeof st - 1, f);
    fclose(f);
    st[len] = '\0';
    const char *close_paren = strrchr(st, ')');
    asleep += close_paren && close_paren[1] == ' ' && close_paren[2] == 'S';
  }
  return asleep == n;
}

static int end_while_blocked(long threads, const char *end)
{
  if (pipe(blocked_pipe) < 0)
    return 98;
  pthread_t t;
  for (long i = 0; i < threads; i++)
    if (pthread_create(&t, NULL, blocked_reader, NULL) != 0)
      return 97;
  for (int i = 0; i < 500 && !others_asleep(threads); i++) { /* at most 5 s */
    struct timespec ts = { 0, 10 * 1000000L };
    nanosleep(&ts, NULL);
  }
  printf("blocked=%ld\n", threads);
  fflush(stdout);
  if (!strcmp(end, "segv"))
    *(volatile int *)0 = 1;
  if (!strcmp(end, "abort"))
    abort();
  if (!strcmp(end, "exec")) {
    execl("/bin/true", "true", (char *)NULL);
    return 96;
  }
  if (!strcmp(end, "execfail")) {
    execl("/nonexistent/program", "program", (char *)NULL);
    return wake_blocked(threads);
  }
  return 0;
}

/* "dropexec": as root, drop to uid/gid 65534 (in a network namespace of its
 * own with "netns"), fork; the child closes every inherited descriptor
 * (the ring's too) and execs this program again ("dropped-child"), which
 * makes its calls and exits 12. Its agent cannot open the controller's
 * /proc/PID/fd (root's): it asks the controller's socket for the ring,
 * which another network namespace does not reach. */
static int run_dropexec(const char *arg)
{
  if (arg && !strcmp(arg, "netns") && unshare(CLONE_NEWNET) != 0)
    return 94;
  if (setgroups(0, NULL) != 0 || setgid(65534) != 0 || setuid(65534) != 0)
    return 93;
  pid_t p = fork();
  if (p == 0) {
    char calls[32];
    snprintf(calls, sizeof calls, "%ld", calls_per_thread);
    syscall(SYS_close_range, 3, ~0U, 0);
    execl("/proc/self/exe", "capture-target", "1", calls, "dropped-child", (char *)NULL);
    _exit(127);
  }
  int st = -1;
  waitpid(p, &st, 0);
  printf("child=%d\n", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
  return 0;
}

/* poll() with no descriptors for 2 s: 0, or -1 when a signal cut it short. */
static void *poller(void *arg)
{
  *(long *)arg = poll(NULL, 0, 2000);
  return NULL;
}

int main(int argc, char **argv)
{
  if (argc < 3)
    return 99;
  long threads = atol(argv[1]);
  calls_per_thread = atol(argv[2]);
  const char *how = argc > 3 ? argv[3] : "exit";
  if (threads < 1 || threads > 64)
    return 99;
  if (!strcmp(how, "blocked") && argc > 4)
    return end_while_blocked(threads, argv[4]);
  if (!strcmp(how, "dropexec"))
    return run_dropexec(argc > 4 ? argv[4] : NULL);
  if (!strcmp(how, "dropped-child")) {
    run(threads);
    return 12;
  }
  if (!strcmp(how, "forks") && argc > 4) {
    long n = atol(argv[4]);
    for (long k = 0; k < n; k++)
      if (fork() == 0) {
        run(threads);
        _exit(0);
      }
    for (long k = 0; k < n; k++)
      wait(NULL);
    run(threads);
    printf("calls=%ld\n", threads * calls_per_thread * (n + 1));
    return 0;
  }
  if (!strcmp(how, "kids")) {
    for (int k = 0; k < 3; k++) {
      int fds[2];
      if (pipe(fds) < 0)
        return 98;
      close(fds[0]); /* no reader: a write raises SIGPIPE */
      pid_t p = fork();
      if (p == 0) {
        if (k == 0)
          ospy_test_store(NULL, 1);
        if (k == 1)
          ospy_test_store(NULL, -SIGTERM);
        (void)!write(fds[1], "x", 1);
        _exit(0);
      }
      close(fds[1]);
      int st;
      waitpid(p, &st, 0);
      printf("kid%d=%d\n", k, WIFSIGNALED(st) ? WTERMSIG(st) : -1);
    }
    return 0;
  }
  if (!strcmp(how, "paced") && argc > 4) {
    paced(threads, argv[4]);
    return 0;
  }
  if (!strcmp(how, "spin") && argc > 4) {
    spin_until = argv[4];
    spin(threads);
    return 0;
  }
  if (!strcmp(how, "sleep")) {
    /* attach tests: announce the pid, wait for the go file, then call */
    printf("pid=%d\n", (int)getpid());
    fflush(stdout);
    while (access(argv[4], F_OK) != 0) {
      struct timespec ts = { 0, 10 * 1000000L };
      nanosleep(&ts, NULL);
    }
  }
  if (!strcmp(how, "fork")) {
    pid_t p = fork();
    if (p == 0) {
      run(threads);
      _exit(5); /* reaped by its parent, not by ospy: the agent records it */
    }
    waitpid(p, NULL, 0);
  }
  if (!strcmp(how, "orphan")) {
    pid_t p = fork();
    if (p == 0) {
      run(threads);
      _exit(7);
    }
    char path[64], st[512];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)p);
    for (int i = 0; i < 5000; i++) { /* until the child is a zombie (bounded) */
      FILE *f = fopen(path, "r");
      size_t n = f ? fread(st, 1, sizeof st - 1, f) : 0;
      if (f)
        fclose(f);
      st[n] = 0;
      char *close_paren = strrchr(st, ')');
      if (close_paren && close_paren[1] == ' ' && close_paren[2] == 'Z')
        break;
      struct timespec ts = { 0, 1000000L };
      nanosleep(&ts, NULL);
    }
    printf("calls=%ld\n", threads * calls_per_thread);
    return 0;
  }
  if (!strcmp(how, "twice")) {
    pid_t p = vfork();
    if (p == 0) {
      execl("/bin/true", "true", (char *)NULL);
      _exit(127);
    }
    int st = -1;
    waitpid(p, &st, 0);
    static jmp_buf jb;
    volatile int rounds = 0;
    if (setjmp(jb) < 3) {
      rounds++;
      longjmp(jb, rounds);
    }
    printf("vfork child status %d, setjmp rounds %d\n", WIFEXITED(st) ? WEXITSTATUS(st) : -1, rounds);
    return 0;
  }
  if (!strcmp(how, "texit"))
    return run_texit();
  if (!strcmp(how, "jump-return") && argc > 5)
    return run_jump_return(threads, argc, argv);
  if (!strcmp(how, "unfinished"))
    return run_unfinished(argc > 4 ? argv[4] : NULL);
  if (!strcmp(how, "unfinished-child"))
    return run_unfinished_child();
  if (!strcmp(how, "spawns"))
    return run_spawns();
  if (!strcmp(how, "coro"))
    return run_coro();
  if (!strcmp(how, "coro-close"))
    return run_coro_close(argc > 4 ? atoi(argv[4]) : 2, argc > 5 ? atoi(argv[5]) : 40);
  if (!strcmp(how, "sleepers")) {
    pthread_t t;
    static long poll_r = -2;
    pthread_create(&t, NULL, poller, &poll_r);
    printf("pid=%d\n", (int)getpid());
    fflush(stdout);
    struct timespec ts = { 2, 0 };
    int r = nanosleep(&ts, NULL);
    pthread_join(t, NULL);
    printf("nanosleep=%d poll=%ld\n", r, poll_r);
    return 0;
  }
  if (!strcmp(how, "noreturn")) {
    static jmp_buf jb;
    atexit(say_bye);
    if (!setjmp(jb))
      ospy_test_jump(&jb, 1);
    printf("jump=%ld\n", ospy_test_jump(&jb, 0));
    fflush(stdout);
    char *nothing[] = { "/nonexistent/program", NULL }, *yes[] = { "/bin/true", NULL };
    execv(nothing[0], nothing);
    if (argc > 4 && !strcmp(argv[4], "exec"))
      execv(yes[0], yes);
    printf("unflushed\n"); /* written by exit (stdout is a file or a pipe) */
    exit(3);
  }
  if (!strcmp(how, "seek")) {
    /* 64-bit results (edx:eax on i386): -1, then 2^32 + 5 */
    int fd = open(argv[0], O_RDONLY); /* a regular file: any offset goes */
    long long a = (long long)lseek64(-1, 0, SEEK_SET);
    long long b = (long long)lseek64(fd, 0x100000005LL, SEEK_SET);
    printf("seek=%lld,%lld\n", a, b);
    return 0;
  }
  if (!strcmp(how, "recurse") && argc > 4) {
    int depth = atoi(argv[4]);
    printf("recurse=%d calls=%d\n", ospy_test_recurse(depth), depth + 1);
    return 0;
  }
  long rounds = !strcmp(how, "churn") && argc > 4 ? atol(argv[4]) : 1;
  for (long r = 0; r < rounds; r++)
    run(threads);
  printf("calls=%ld\n", threads * calls_per_thread * rounds * (!strcmp(how, "fork") ? 2 : 1));
  if (rounds > 1)
    print_vmsize();
  fflush(stdout);
  if (!strcmp(how, "segv"))
    *(volatile int *)0 = 1;
  if (!strcmp(how, "segv-in") || !strcmp(how, "fpe-in")) {
    int cell = 0;
    printf("store=%d\n", ospy_test_store(&cell, 41));
    fflush(stdout);
    ospy_test_store(NULL, !strcmp(how, "segv-in") ? 42 : -SIGFPE);
  }
  if (!strcmp(how, "load-in")) {
    int cell = 43;
    printf("load=%d\n", ospy_test_load(&cell));
    fflush(stdout);
    ospy_test_load(NULL);
  }
  if (!strcmp(how, "abort"))
    abort();
  if (!strcmp(how, "exit") && argc > 4)
    return atoi(argv[4]);
  return 0;
}
