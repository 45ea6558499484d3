/*
 * Target of the robustness tests (tests/robust/robust_test.sh). It does what
 * it is told, counts its own calls of the hooked functions, checks every
 * result it gets back, and prints the counts for the test to compare with the
 * capture. Exit status 0 unless a check failed (or as asked).
 *   robust-target hammer THREADS ITERS      malloc/write/free (+pthread_create) storm
 *   robust-target signals SENDS             signal handlers calling hooked functions
 *   robust-target forks N K EXEC            fork storm, exec in a hooked call, vfork+exec
 *   robust-target busy THREADS STOPFILE     checks results until STOPFILE exists
 *   robust-target spam N STATUS             N 4 KiB writes of random bytes to /dev/null
 *   robust-target scribble N                corrupts the ospy ring, then N calls
 *   robust-target after GOFILE N            prints its pid, N calls once GOFILE exists
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "capture/ring.h"
#include "robustlib.h"

static atomic_long bad;
static int devnull;

static void check(int ok, const char *what)
{
  if (!ok) {
    atomic_fetch_add(&bad, 1);
    fprintf(stderr, "robust-target: check failed: %s\n", what);
  }
}

static void sleep_ms(long ms)
{
  struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
  while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
    ;
}

/* ---- hammer: the counted calls are the ones made here (their return
 * address is in this program); libc's own malloc/free calls are not ---- */

static atomic_long n_malloc, n_free, n_create, n_write;
static long hammer_iters;

static void *noop_thread(void *arg)
{
  return arg;
}

static void *hammer_thread(void *arg)
{
  long id = (long)arg;
  for (long i = 0; i < hammer_iters; i++) {
    size_t sz = 24 + (size_t)((i + id) % 64) * 8;
    char *p = malloc(sz);
    atomic_fetch_add(&n_malloc, 1);
    if (!p)
      abort();
    memset(p, (int)(i & 0xff), sz);
    check(write(devnull, p, 16) == 16, "write to /dev/null");
    atomic_fetch_add(&n_write, 1);
    free(p);
    atomic_fetch_add(&n_free, 1);
    if (i % 64 == 0) {
      pthread_t t;
      int rc = pthread_create(&t, NULL, noop_thread, (void *)i);
      atomic_fetch_add(&n_create, 1);
      check(rc == 0, "pthread_create");
      void *ret = NULL;
      if (rc == 0) {
        pthread_join(t, &ret);
        check(ret == (void *)i, "thread result");
      }
    }
  }
  return NULL;
}

static int hammer(long threads, long iters)
{
  pthread_t t[64];
  hammer_iters = iters;
  if (threads < 1 || threads > 64)
    return 99;
  for (long i = 0; i < threads; i++) {
    int rc = pthread_create(&t[i], NULL, hammer_thread, (void *)i);
    atomic_fetch_add(&n_create, 1);
    if (rc != 0)
      return 90;
  }
  for (long i = 0; i < threads; i++)
    pthread_join(t[i], NULL);
  printf("malloc=%ld free=%ld pthread_create=%ld write=%ld bad=%ld\n", atomic_load(&n_malloc),
         atomic_load(&n_free), atomic_load(&n_create), atomic_load(&n_write), atomic_load(&bad));
  return atomic_load(&bad) ? 3 : 0;
}

/* ---- signals: handlers call robust_mix while the main thread is (mostly)
 * inside the hooked robust_work ---- */

static atomic_long handled_usr1, handled_alrm, n_work;
static atomic_int sender_done;

static void on_usr1(int sig)
{
  int e = errno;
  long a = atomic_load(&handled_usr1);
  long r = robust_mix(a, 7);
  if (r != a * 3 + 7)
    atomic_fetch_add(&bad, 1); /* no stdio in a handler */
  atomic_fetch_add(&handled_usr1, 1);
  errno = e;
  (void)sig;
}

static void on_alrm(int sig)
{
  int e = errno;
  long a = 1000000 + atomic_load(&handled_alrm);
  long r = robust_mix(a, 11);
  if (r != a * 3 + 11)
    atomic_fetch_add(&bad, 1);
  atomic_fetch_add(&handled_alrm, 1);
  errno = e;
  (void)sig;
}

static pthread_t main_thread;
static long sends;

/* Sends SIGUSR1 to the main thread, each time after the previous one was
 * handled (so none merge and the count is exact). */
static void *sender(void *arg)
{
  for (long i = 0; i < sends; i++) {
    long before = atomic_load(&handled_usr1);
    pthread_kill(main_thread, SIGUSR1);
    for (long spins = 0; atomic_load(&handled_usr1) == before; spins++) {
      if (spins > 20000) { /* 20000 x 0.5 ms: 10 s without an answer */
        fprintf(stderr, "robust-target: signal %ld never handled\n", i);
        atomic_fetch_add(&bad, 1);
        break;
      }
      struct timespec ts = { 0, 500000 };
      nanosleep(&ts, NULL);
    }
  }
  atomic_store(&sender_done, 1);
  return arg;
}

static int signals(long n)
{
  struct sigaction sa = { 0 };
  sa.sa_flags = SA_RESTART;
  sa.sa_handler = on_usr1;
  sigaction(SIGUSR1, &sa, NULL);
  sa.sa_handler = on_alrm;
  sigaction(SIGALRM, &sa, NULL);
  sends = n;
  main_thread = pthread_self();
  sigset_t block, old;
  sigemptyset(&block);
  sigaddset(&block, SIGALRM);
  sigaddset(&block, SIGUSR1);
  pthread_t t;
  pthread_sigmask(SIG_BLOCK, &block, &old); /* the sender inherits the mask */
  if (pthread_create(&t, NULL, sender, NULL) != 0)
    return 90;
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  struct itimerval it = { { 0, 1000 }, { 0, 1000 } }; /* SIGALRM every ms, to this thread */
  setitimer(ITIMER_REAL, &it, NULL);
  for (unsigned k = 0; !atomic_load(&sender_done); k++) {
    unsigned rounds = 20000 + (k % 7) * 1000;
    unsigned r = robust_work(rounds);
    atomic_fetch_add(&n_work, 1);
    check(r == robust_work_expected(rounds), "robust_work result");
  }
  struct itimerval off = { { 0, 0 }, { 0, 0 } };
  setitimer(ITIMER_REAL, &off, NULL);
  pthread_sigmask(SIG_BLOCK, &block, NULL); /* no handler runs after the counts are read */
  pthread_join(t, NULL);
  printf("work=%ld usr1=%ld alrm=%ld bad=%ld\n", atomic_load(&n_work), atomic_load(&handled_usr1),
         atomic_load(&handled_alrm), atomic_load(&bad));
  return atomic_load(&bad) ? 3 : 0;
}

/* ---- forks: N children at once, each K robust_mix calls with its own
 * marker and its own exit status; a child that execs from inside a hooked
 * call; a vfork + exec ---- */

static int forks(long n, long k, const char *exec_path)
{
  pid_t pids[256];
  if (n < 1 || n > 200)
    return 99;
  for (long i = 0; i < n; i++) {
    pid_t p = fork();
    if (p < 0)
      return 90;
    if (p == 0) {
      for (long j = 0; j < k; j++)
        if (robust_mix(1000 + i, j) != (1000 + i) * 3 + j)
          _exit(98);
      _exit((int)(i + 1));
    }
    pids[i] = p;
  }
  char kstr[32];
  snprintf(kstr, sizeof kstr, "%ld", k);
  char *exec_argv[] = { (char *)exec_path, "2000", kstr, "60", NULL };
  pid_t pe = fork();
  if (pe == 0) {
    robust_exec(exec_path, exec_argv); /* a hooked call that never returns */
    _exit(127);
  }
  char *vfork_argv[] = { (char *)exec_path, "3000", kstr, "61", NULL };
  pid_t pv = vfork();
  if (pv == 0) {
    execv(exec_path, vfork_argv);
    _exit(127);
  }
  for (long j = 0; j < k; j++)
    check(robust_mix(1, j) == 3 + j, "robust_mix in the parent");
  for (long i = 0; i < n; i++) {
    int st;
    check(waitpid(pids[i], &st, 0) == pids[i], "waitpid");
    check(WIFEXITED(st) && WEXITSTATUS(st) == i + 1, "child exit status");
    printf("child %d marker %ld status %d\n", (int)pids[i], 1000 + i, WEXITSTATUS(st));
  }
  int st;
  check(waitpid(pe, &st, 0) == pe && WIFEXITED(st) && WEXITSTATUS(st) == 60, "exec'd child status");
  printf("child %d marker 2000 status %d\n", (int)pe, WEXITSTATUS(st));
  check(waitpid(pv, &st, 0) == pv && WIFEXITED(st) && WEXITSTATUS(st) == 61, "vfork child status");
  printf("child %d marker 3000 status %d\n", (int)pv, WEXITSTATUS(st));
  printf("parent %d marker 1 calls %ld bad=%ld\n", (int)getpid(), k, atomic_load(&bad));
  return atomic_load(&bad) ? 3 : 0;
}

/* ---- busy: threads check every result until told to stop ---- */

static atomic_int stop;
static atomic_long checks;

static void *busy_thread(void *arg)
{
  long id = (long)arg;
  unsigned long sum = 0, want = 0;
  for (long i = 0; !atomic_load(&stop); i++) {
    long r = robust_mix(id, i);
    check(r == id * 3 + i, "robust_mix result");
    unsigned w = robust_work(2000 + (unsigned)(i % 32));
    check(w == robust_work_expected(2000 + (unsigned)(i % 32)), "robust_work result");
    sum += (unsigned long)r + w;
    want += (unsigned long)(id * 3 + i) + robust_work_expected(2000 + (unsigned)(i % 32));
    atomic_fetch_add(&checks, 2);
  }
  check(sum == want, "checksum");
  return arg;
}

static int busy(long threads, const char *stopfile)
{
  pthread_t t[64];
  if (threads < 1 || threads > 64)
    return 99;
  printf("pid=%d\n", (int)getpid());
  fflush(stdout);
  for (long i = 0; i < threads; i++)
    if (pthread_create(&t[i], NULL, busy_thread, (void *)i) != 0)
      return 90;
  while (access(stopfile, F_OK) != 0)
    sleep_ms(10);
  atomic_store(&stop, 1);
  for (long i = 0; i < threads; i++)
    pthread_join(t[i], NULL);
  printf("busy done checks=%ld bad=%ld\n", atomic_load(&checks), atomic_load(&bad));
  return atomic_load(&bad) ? 3 : 0;
}

/* ---- spam: incompressible writes, to fill a small disk ---- */

static int spam(long n, int status)
{
  static unsigned char buf[4096];
  uint64_t x = 88172645463325252ull;
  for (long i = 0; i < n; i++) {
    for (size_t j = 0; j < sizeof buf; j += 8) {
      x ^= x << 13, x ^= x >> 7, x ^= x << 17;
      memcpy(buf + j, &x, 8);
    }
    check(write(devnull, buf, sizeof buf) == (ssize_t)sizeof buf, "write");
  }
  printf("spam done writes=%ld bad=%ld\n", n, atomic_load(&bad));
  return atomic_load(&bad) ? 3 : status;
}

/* ---- scribble: a target that writes a lying record into the ring ---- */

/* ring.c's slot header: commit word (position + 1), slot size, kind (0: record) */
typedef struct slot_hdr {
  _Atomic uint64_t commit;
  uint32_t size, kind;
} slot_hdr;

static int scribble_ring(void)
{
  FILE *f = fopen("/proc/self/maps", "r");
  char line[512];
  uintptr_t base = 0;
  while (f && fgets(line, sizeof line, f))
    if (strstr(line, "memfd:ospy-ring")) {
      base = (uintptr_t)strtoull(line, NULL, 16);
      break;
    }
  if (f)
    fclose(f);
  if (!base)
    return -1;
  ospy_ring_ctl *c = (ospy_ring_ctl *)base;
  uint8_t *data = (uint8_t *)base + c->data_offset; /* lane 0 */
  uint64_t lane_size = c->data_size / c->lanes, mask = lane_size - 1;
  ospy_ring_lane *l = &c->lane[0];
  for (;;) { /* reserve 64 bytes the way a producer does */
    uint64_t head = atomic_load(&l->head);
    if ((head & mask) + 64 > lane_size) {
      robust_mix(0, 0); /* let real records move head past the wrap */
      continue;
    }
    if (!atomic_compare_exchange_weak(&l->head, &head, head + 64))
      continue;
    slot_hdr *s = (slot_hdr *)(data + (head & mask));
    s->size = 64;
    s->kind = 0;
    uint32_t *rec = (uint32_t *)(s + 1);
    memset(rec, 0xa5, 48);
    rec[0] = 0x7ffffff0u; /* a record size far beyond its slot */
    atomic_store(&s->commit, head + 1);
    return 0;
  }
}

static int scribble(long n)
{
  for (long i = 0; i < 100; i++)
    check(robust_mix(i, 1) == i * 3 + 1, "robust_mix before");
  if (scribble_ring() < 0) {
    printf("no ospy ring mapped\n");
    return 4;
  }
  for (long i = 0; i < n; i++)
    check(robust_mix(i, 2) == i * 3 + 2, "robust_mix after");
  printf("scribble done calls=%ld bad=%ld\n", n + 100, atomic_load(&bad));
  return atomic_load(&bad) ? 3 : 0;
}

/* ---- after: calls made once ospy stopped recording (--duration) ---- */

static int after(const char *gofile, long n)
{
  printf("pid=%d\n", (int)getpid());
  while (access(gofile, F_OK) != 0)
    sleep_ms(10);
  for (long i = 0; i < n; i++)
    check(robust_mix(i, 3) == i * 3 + 3, "robust_mix");
  printf("after done calls=%ld bad=%ld\n", n, atomic_load(&bad));
  return atomic_load(&bad) ? 3 : 0;
}

int main(int argc, char **argv)
{
  setvbuf(stdout, NULL, _IOLBF, 0);
  devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
  if (devnull < 0 || argc < 3)
    return 99;
  const char *mode = argv[1];
  if (!strcmp(mode, "hammer") && argc == 4)
    return hammer(atol(argv[2]), atol(argv[3]));
  if (!strcmp(mode, "signals"))
    return signals(atol(argv[2]));
  if (!strcmp(mode, "forks") && argc == 5)
    return forks(atol(argv[2]), atol(argv[3]), argv[4]);
  if (!strcmp(mode, "busy") && argc == 4)
    return busy(atol(argv[2]), argv[3]);
  if (!strcmp(mode, "spam") && argc == 4)
    return spam(atol(argv[2]), atoi(argv[3]));
  if (!strcmp(mode, "after") && argc == 4)
    return after(argv[2], atol(argv[3]));
  if (!strcmp(mode, "scribble"))
    return scribble(atol(argv[2]));
  return 99;
}
