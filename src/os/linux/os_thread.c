/* Thread enumeration and signal-based suspension (see os_thread.h). */
#include "os/linux/os_thread.h"

#include <fcntl.h>
#include <signal.h>
#include <stddef.h>
#include <ucontext.h>

#include "os/linux/os_scratch.h"
#include "os/linux/os_stop_signal.h"
#include "os/linux/os_syscall.h"

/* In every stop signal's si_uid: no user has this id; with SI_QUEUE, this
 * process as its sender and one of stops[] as its value, it tells ospy's
 * signals from the program's (which go on to the program's action). */
#define STOP_MARK ((uid_t)-1)


static ospy_os_thread_stop stops[OSPY_OS_MAX_THREADS];
static volatile uint32_t active_gen;
static uint32_t gen_counter;
static volatile uint32_t arrived;
static volatile uint32_t left;
static volatile uint32_t resume_word;
/* Stop signals sent to threads the round gave up on: they may arrive later
 * (and are ignored then), when the thread unblocks the signal or runs. */
static volatile uint32_t in_flight;
/* /proc text of the round's threads (rounds are one at a time; the round's
 * thread may run on a small stack, a hooked call's) */
static char task_text[2048];

pid_t ospy_os_thread_id(void) { return ospy_os_gettid(); }

struct dirent64_raw {
  uint64_t ino;
  int64_t off;
  unsigned short reclen;
  unsigned char type;
  char name[];
};

/* The thread ids in one getdents64 answer (n bytes of buf) to fn; false
 * once fn said stop. */
static bool each_task(const char *buf, long n, ospy_os_task_fn fn, void *data) {
  for (long off = 0; off < n;) {
    const struct dirent64_raw *d = (const struct dirent64_raw *)(buf + off);
    off += d->reclen;
    pid_t tid = 0;
    const char *p = d->name;
    if (*p < '0' || *p > '9')
      continue;
    while (*p >= '0' && *p <= '9')
      tid = tid * 10 + (*p++ - '0');
    if (!fn(tid, data))
      return false;
  }
  return true;
}

/* The buffer is not on the stack: threads are stopped from hooked calls
 * (a library loaded later), on the program's stacks (os_scratch.h). */
int ospy_os_tasks_foreach(ospy_os_task_fn fn, void *data) {
  char *buf = ospy_os_scratch_take();
  if (!buf)
    return -12; /* ENOMEM */
  int fd = ospy_os_open_read("/proc/self/task", O_DIRECTORY);
  long n = fd;
  while (fd >= 0) {
    n = ospy_os_sys3(SYS_getdents64, fd, (long)buf, OSPY_OS_SCRATCH_SIZE);
    if (n <= 0 || !each_task(buf, n, fn, data))
      break;
  }
  if (fd >= 0)
    ospy_os_close(fd);
  ospy_os_scratch_give(buf);
  return n < 0 ? (int)n : 0;
}

bool ospy_os_task_alive(pid_t tid) {
  return ospy_os_sys3(SYS_tgkill, ospy_os_getpid(), tid, 0) != -3 /* ESRCH */;
}

static bool is_own_stop(const siginfo_t *si) {
  const ospy_os_thread_stop *t = si->si_value.sival_ptr;
  return si->si_code == SI_QUEUE && si->si_uid == STOP_MARK && t >= stops &&
         t < stops + OSPY_OS_MAX_THREADS && si->si_pid == ospy_os_getpid();
}

static void count_in_flight(int by) {
  uint32_t n = __atomic_load_n(&in_flight, __ATOMIC_ACQUIRE);
  while ((by > 0 || n > 0) &&
         !__atomic_compare_exchange_n(&in_flight, &n, n + (uint32_t)by, false, __ATOMIC_ACQ_REL,
                                      __ATOMIC_ACQUIRE))
    ;
}

bool ospy_os_stop_signals_in_flight(void) { return __atomic_load_n(&in_flight, __ATOMIC_ACQUIRE) > 0; }

static void suspend_handler(int sig, siginfo_t *si, void *ucv) {
  if (!is_own_stop(si)) {
    ospy_os_stop_signal_forward(sig, si, ucv); /* the program's own */
    return;
  }
  ospy_os_thread_stop *t = si->si_value.sival_ptr;
  uint32_t gen = __atomic_load_n(&t->generation, __ATOMIC_ACQUIRE);
  if (gen == 0 || gen != __atomic_load_n(&active_gen, __ATOMIC_ACQUIRE) ||
      t->tid != ospy_os_gettid()) {
    count_in_flight(-1); /* one a round gave up on, late */
    return;
  }
  ucontext_t *uc = ucv;
#if defined(__x86_64__)
  t->pc = (uintptr_t)uc->uc_mcontext.gregs[REG_RIP];
  t->sp = (uintptr_t)uc->uc_mcontext.gregs[REG_RSP];
#else
  t->pc = (uintptr_t)uc->uc_mcontext.gregs[REG_EIP];
  t->sp = (uintptr_t)uc->uc_mcontext.gregs[REG_ESP];
#endif
  uint32_t expected = OSPY_OS_THREAD_SENT;
  if (!__atomic_compare_exchange_n(&t->state, &expected, OSPY_OS_THREAD_STOPPED, false,
                                   __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
    count_in_flight(-1); /* the patcher gave up on us: not part of this round */
    return;
  }
  __atomic_add_fetch(&arrived, 1, __ATOMIC_RELEASE);
  ospy_os_futex_wake(&arrived, 1);
  for (;;) {
    uint32_t v = __atomic_load_n(&resume_word, __ATOMIC_ACQUIRE);
    if (v == gen)
      break;
    ospy_os_futex_wait(&resume_word, v, -1);
  }
  if (t->new_pc) {
#if defined(__x86_64__)
    uc->uc_mcontext.gregs[REG_RIP] = (greg_t)t->new_pc;
#else
    uc->uc_mcontext.gregs[REG_EIP] = (greg_t)t->new_pc;
#endif
  }
  __atomic_store_n(&t->state, OSPY_OS_THREAD_LEFT, __ATOMIC_RELEASE);
  __atomic_add_fetch(&left, 1, __ATOMIC_RELEASE);
  ospy_os_futex_wake(&left, 1);
}

typedef struct collect_ctx {
  ospy_os_suspension *s;
  pid_t self;
  unsigned added;
  ospy_os_pc_fn must_stop;
  void *data;
} collect_ctx;

static void syscall_pc(pid_t tid, ospy_os_thread_stop *t, char *buf, size_t cap);
static bool blocks_signal(pid_t tid);

/* Asleep in a system call whose pc needs no move: left alone (os_thread.h). */
static bool leave_in_syscall(ospy_os_thread_stop *t, const collect_ctx *c) {
  if (!c->must_stop)
    return false;
  syscall_pc(t->tid, t, task_text, sizeof task_text);
  return t->pc && !c->must_stop(t->pc, c->data);
}

/* The signal to t (state SENT), or GONE when the thread has ended. */
static void send_stop(ospy_os_thread_stop *t) {
  siginfo_t info = { 0 };
  info.si_signo = OSPY_OS_SUSPEND_SIGNAL;
  info.si_code = SI_QUEUE;
  info.si_pid = ospy_os_getpid();
  info.si_uid = STOP_MARK;
  info.si_value.sival_ptr = t;
  t->state = OSPY_OS_THREAD_SENT;
  __atomic_store_n(&t->generation, active_gen, __ATOMIC_RELEASE);
  long r = ospy_os_syscall(SYS_rt_tgsigqueueinfo, ospy_os_getpid(), t->tid,
                           OSPY_OS_SUSPEND_SIGNAL, (long)&info, 0, 0);
  if (r != 0)
    t->state = OSPY_OS_THREAD_GONE;
}

static void task_file(pid_t tid, const char *suffix, char path[64]);

/* Whether the main thread (tid == pid) has ended alone (pthread_exit) and
 * waits as a zombie for the others: listed in /proc/self/task, never
 * running our handler again. (Other threads leave the list as they end.) */
static bool ended_main_thread(pid_t tid) {
  char path[64], buf[512];
  if (tid != ospy_os_getpid())
    return false;
  task_file(tid, "/stat", path);
  long n = ospy_os_read_file(path, buf, sizeof buf);
  const char *end = 0; /* after the name's ')', which may hold anything */
  for (long i = 0; i < n; i++)
    if (buf[i] == ')')
      end = buf + i;
  return end && end + 2 < buf + n && end[1] == ' ' && (end[2] == 'Z' || end[2] == 'X');
}

static bool find_other_live(pid_t tid, void *data) {
  bool *found = data;
  if (tid != ospy_os_gettid() && !ended_main_thread(tid)) {
    *found = true;
    return false;
  }
  return true;
}

bool ospy_os_only_thread_left(void) {
  bool other = false;
  return ospy_os_tasks_foreach(find_other_live, &other) == 0 && !other;
}

static bool collect_cb(pid_t tid, void *data) {
  collect_ctx *c = data;
  if (tid == c->self || ended_main_thread(tid))
    return true;
  for (unsigned i = 0; i < c->s->n; i++)
    if (stops[i].tid == tid)
      return true;
  if (c->s->n == OSPY_OS_MAX_THREADS)
    return false;
  ospy_os_thread_stop *t = &stops[c->s->n++];
  t->tid = tid;
  t->pc = t->sp = t->new_pc = 0;
  c->added++;
  if (leave_in_syscall(t, c)) {
    t->state = OSPY_OS_THREAD_RUNNING;
    c->s->n_running++;
    return true;
  }
  if (blocks_signal(tid)) {
    t->state = OSPY_OS_THREAD_MASKED; /* (looked at again while the round waits) */
    return true;
  }
  send_stop(t);
  return true;
}

static uint64_t parse_hex_word(const char **p) {
  uint64_t v = 0;
  while (**p == ' ' || **p == '\t')
    (*p)++;
  if ((*p)[0] == '0' && (*p)[1] == 'x')
    *p += 2;
  for (;; (*p)++) {
    char ch = **p;
    if (ch >= '0' && ch <= '9')
      v = v * 16 + (uint64_t)(ch - '0');
    else if (ch >= 'a' && ch <= 'f')
      v = v * 16 + (uint64_t)(ch - 'a' + 10);
    else
      return v;
  }
}

/* path := /proc/self/task/TID + suffix (no libc: this runs while other
 * threads are stopped, maybe inside it). */
static void task_file(pid_t tid, const char *suffix, char path[64]) {
  static const char dir[] = "/proc/self/task/";
  char digits[16];
  int nd = 0;
  size_t len = 0;
  for (; dir[len]; len++)
    path[len] = dir[len];
  for (pid_t v = tid; v > 0 && nd < 15; v /= 10)
    digits[nd++] = (char)('0' + v % 10);
  while (nd > 0)
    path[len++] = digits[--nd];
  for (int i = 0; suffix[i] && len < 63; i++)
    path[len++] = suffix[i];
  path[len] = '\0';
}

/* The bit of our signal in a "Name:\tHEX" mask line of a status file. */
static bool mask_has_signal(const char *status, const char *name) {
  for (const char *p = status; *p; p++) {
    if (p[0] == name[0] && p[1] == name[1] && p[2] == name[2] && p[3] == name[3] &&
        p[4] == name[4] && p[5] == name[5] && p[6] == ':') {
      p += 7;
      uint64_t mask = parse_hex_word(&p);
      return (mask >> (OSPY_OS_SUSPEND_SIGNAL - 1)) & 1;
    }
  }
  return false;
}

static bool read_status(pid_t tid) {
  char path[64];
  task_file(tid, "/status", path);
  return ospy_os_read_file(path, task_text, sizeof task_text) > 0;
}

/* Does the task block our signal now (SigBlk)? Then it is not sent: it
 * would wait there, and a program that blocks every signal to take them
 * from a signalfd or sigwaitinfo would get it (it did). Its mask may
 * change between this look and the signal: a thread that blocks it just
 * then gets it pending (see wait_arrivals). */
static bool blocks_signal(pid_t tid) {
  return read_status(tid) && mask_has_signal(task_text, "SigBlk");
}

/* Does the task keep our signal waiting, blocked? (SigPnd and SigBlk in
 * /proc/self/task/TID/status.) Blocked alone is not enough: a thread that
 * has just entered our handler blocks every signal too (sa_mask), and one
 * preempted there before it says it stopped, on a machine with more busy
 * threads than CPUs, was given up on and ran on through the bytes being
 * patched (i386, 4 threads calling the function, 2 CPUs). */
static bool signal_held(pid_t tid) {
  return read_status(tid) && mask_has_signal(task_text, "SigBlk") &&
         mask_has_signal(task_text, "SigPnd");
}

/* pc/sp of a running task sitting in a system call, from /proc/.../syscall. */
static void syscall_pc(pid_t tid, ospy_os_thread_stop *t, char *buf, size_t cap) {
  char path[64];
  task_file(tid, "/syscall", path);
  t->pc = t->sp = 0;
  if (ospy_os_read_file(path, buf, cap) <= 0 || buf[0] < '0' || buf[0] > '9')
    return; /* "running" or unreadable: unknown */
  /* "nr a1 a2 a3 a4 a5 a6 sp pc" */
  const char *p = buf;
  uint64_t words[9];
  int n = 0;
  while (n < 9 && *p && *p != '\n') {
    words[n++] = parse_hex_word(&p);
    if (n == 1) /* the number is decimal, but only its presence matters */
      while (*p && *p != ' ')
        p++;
  }
  if (n == 9) {
    t->sp = (uintptr_t)words[7];
    t->pc = (uintptr_t)words[8];
  }
}

/* The round stops waiting for t (signalled, or blocking the signal):
 * GONE, or RUNNING with the pc of the system call it may sit in. A signal
 * sent to it may still arrive: counted in flight until it does. */
static void give_up(ospy_os_suspension *s, ospy_os_thread_stop *t, uint32_t new_state) {
  uint32_t expected = __atomic_load_n(&t->state, __ATOMIC_ACQUIRE);
  if (expected != OSPY_OS_THREAD_SENT && expected != OSPY_OS_THREAD_MASKED)
    return;
  bool signalled = expected == OSPY_OS_THREAD_SENT && new_state == OSPY_OS_THREAD_RUNNING;
  ospy_os_thread_stop where = { 0 }; /* (t's pc is the handler's until the state is ours) */
  if (new_state == OSPY_OS_THREAD_RUNNING)
    syscall_pc(t->tid, &where, task_text, sizeof task_text);
  if (signalled)
    count_in_flight(1); /* (before: it may arrive at once) */
  if (__atomic_compare_exchange_n(&t->state, &expected, new_state, false, __ATOMIC_ACQ_REL,
                                  __ATOMIC_ACQUIRE)) {
    if (new_state == OSPY_OS_THREAD_RUNNING) {
      t->pc = where.pc;
      t->sp = where.sp;
      s->n_running++;
    }
  } else if (signalled) {
    count_in_flight(-1); /* it stopped after all */
  }
}

static unsigned count_waited_for(const ospy_os_suspension *s) {
  unsigned n = 0;
  for (unsigned i = 0; i < s->n; i++) {
    uint32_t state = __atomic_load_n(&stops[i].state, __ATOMIC_ACQUIRE);
    n += state == OSPY_OS_THREAD_SENT || state == OSPY_OS_THREAD_MASKED;
  }
  return n;
}

#define HELD_PATIENCE_STEPS 10

/* A thread that blocked the signal, looked at again: it is sent the signal
 * once it unblocks it (a new thread blocks every signal until it starts,
 * pthread_create's caller for as long as it makes it, a thread leaving our
 * handler until it is out), given up on after 100 ms. */
static void look_again_masked(ospy_os_suspension *s, ospy_os_thread_stop *t, int step) {
  if (!ospy_os_task_alive(t->tid))
    give_up(s, t, OSPY_OS_THREAD_GONE);
  else if (!blocks_signal(t->tid))
    send_stop(t);
  else if (step >= HELD_PATIENCE_STEPS)
    give_up(s, t, OSPY_OS_THREAD_RUNNING);
}

/* A signalled thread that has not stopped yet. One that blocks the signal
 * and keeps it waiting (it blocked it just after our look) is given up on
 * after 100 ms: a thread still on its way out of the last round's handler
 * holds the signal too, for as long as it is preempted there. */
static void look_again_sent(ospy_os_suspension *s, ospy_os_thread_stop *t, int step) {
  if (!ospy_os_task_alive(t->tid))
    give_up(s, t, OSPY_OS_THREAD_GONE);
  else if (step >= HELD_PATIENCE_STEPS && signal_held(t->tid))
    give_up(s, t, OSPY_OS_THREAD_RUNNING);
}

/* Waits (about 10 ms per step, 3 s at most) for every signalled thread,
 * and for the ones that blocked the signal to unblock it. */
static void wait_arrivals(ospy_os_suspension *s) {
  for (int step = 0; step < 300; step++) {
    uint32_t seen = __atomic_load_n(&arrived, __ATOMIC_ACQUIRE);
    if (count_waited_for(s) == 0)
      return;
    ospy_os_futex_wait(&arrived, seen, 10 * 1000 * 1000);
    for (unsigned i = 0; i < s->n; i++) {
      uint32_t state = __atomic_load_n(&stops[i].state, __ATOMIC_ACQUIRE);
      if (state == OSPY_OS_THREAD_MASKED)
        look_again_masked(s, &stops[i], step);
      else if (state == OSPY_OS_THREAD_SENT && step >= 2)
        look_again_sent(s, &stops[i], step);
    }
  }
  for (unsigned i = 0; i < s->n; i++)
    give_up(s, &stops[i], OSPY_OS_THREAD_RUNNING); /* (the ones still waited for) */
}

int ospy_os_suspend_others(ospy_os_suspension *s, ospy_os_pc_fn must_stop, void *data) {
  int r = ospy_os_stop_signal_stand(suspend_handler);
  if (r < 0)
    return r;
  if (++gen_counter == 0)
    gen_counter = 1;
  s->n = 0;
  s->n_running = 0;
  s->threads = stops;
  __atomic_store_n(&arrived, 0, __ATOMIC_RELEASE);
  __atomic_store_n(&left, 0, __ATOMIC_RELEASE);
  __atomic_store_n(&resume_word, 0, __ATOMIC_RELEASE);
  __atomic_store_n(&active_gen, gen_counter, __ATOMIC_RELEASE);
  collect_ctx c = { s, ospy_os_gettid(), 0, must_stop, data };
  for (int pass = 0; pass < 16; pass++) {
    c.added = 0;
    r = ospy_os_tasks_foreach(collect_cb, &c);
    if (r < 0)
      break;
    wait_arrivals(s);
    if (c.added == 0)
      break; /* every thread (including new ones) has been seen stopped */
  }
  if (r < 0) {
    wait_arrivals(s); /* (the signals sent: arrived, or counted in flight) */
    ospy_os_resume_others(s);
    return r;
  }
  return 0;
}

void ospy_os_resume_others(ospy_os_suspension *s) {
  uint32_t stopped = 0;
  for (unsigned i = 0; i < s->n; i++)
    stopped += __atomic_load_n(&stops[i].state, __ATOMIC_ACQUIRE) == OSPY_OS_THREAD_STOPPED;
  __atomic_store_n(&resume_word, __atomic_load_n(&active_gen, __ATOMIC_ACQUIRE), __ATOMIC_RELEASE);
  ospy_os_futex_wake(&resume_word, 0x7fffffff);
  for (;;) {
    uint32_t v = __atomic_load_n(&left, __ATOMIC_ACQUIRE);
    if (v >= stopped)
      break;
    ospy_os_futex_wait(&left, v, 10 * 1000 * 1000);
  }
  __atomic_store_n(&active_gen, 0, __ATOMIC_RELEASE);
  for (unsigned i = 0; i < s->n; i++)
    __atomic_store_n(&stops[i].generation, 0, __ATOMIC_RELEASE);
}
