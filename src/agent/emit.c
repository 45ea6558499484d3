/* Building records in the ring. Hot paths: no allocation, no locks. */
#include "agent/agent.h"
#include "arch/x86/tsc.h"
#include "interceptor/interceptor.h"
#include "os/linux/os_maps.h"
#include "os/linux/os_read.h"
#include "os/linux/os_syscall.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

ospy_agent ospy_agent_g;

static void agent_message(uint16_t type, uint16_t flags, uint32_t hook, const char *text);

uint64_t ospy_agent_clock(void)
{
  if (ospy_agent_g.tsc_clock)
    return ospy_arch_tsc();
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts); /* vDSO: no syscall */
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint32_t ospy_agent_tid(void)
{
  /* the kernel thread id is cached per thread: gettid is a syscall */
  static __thread uint32_t tid __attribute__((tls_model("initial-exec")));
  static __thread uint32_t tid_pid __attribute__((tls_model("initial-exec")));
  if (!tid || tid_pid != ospy_agent_g.pid) {
    tid = (uint32_t)syscall(SYS_gettid);
    tid_pid = ospy_agent_g.pid;
  }
  return tid;
}

/* Whether the controller process still exists. Events other than calls (the
 * agent's "detached, hooks removed", a process's end) wait for room while it
 * does, also after it asked the agent to detach: it drains for a while after
 * the request, and the message, refused at once when the lane was full of
 * calls, went missing from the capture. */
static int controller_alive(void)
{
  ospy_ring_ctl *c = ospy_agent_g.ring.ctl;
  if (kill((pid_t)c->controller_pid, 0) < 0 && errno == ESRCH) {
    ospy_agent_g.active = 0; /* the controller is gone: stop recording for good */
    return 0;
  }
  return 1;
}

int ospy_agent_consumer_alive(void)
{
  return !atomic_load(&ospy_agent_g.ring.ctl->detach) && controller_alive();
}

/* What ospy_agent_call_record_begun reports: the call record's time, with
 * BEGUN_RESERVING until its reservation is over (a slot, or counted lost);
 * 0 for other records. */
static __thread uint64_t begun_call __attribute__((tls_model("initial-exec")));
#define BEGUN_RESERVING (1ull << 63) /* (no time has it) */

uint64_t ospy_agent_call_record_begun(void)
{
  return begun_call;
}

void *ospy_agent_record_begin(uint16_t type, uint32_t size, uint64_t ts, uint64_t *token)
{
  return ospy_agent_record_begin_in(type, size, ts, 0, token);
}

void *ospy_agent_record_begin_in(uint16_t type, uint32_t size, uint64_t ts, uint32_t lane_tid,
                                 uint64_t *token)
{
  ospy_agent *a = &ospy_agent_g;
  if (!a->active)
    return NULL;
  if (!a->attached && atomic_load_explicit(&a->ring.ctl->detach, memory_order_relaxed)) {
    /* spawned: the controller stopped recording (--duration, SIGTERM, the file
     * could not be written, a corrupt ring); an attached agent's control
     * thread unhooks instead */
    a->active = 0;
    return NULL;
  }
  /* --lossy drops calls; process starts and ends, modules and messages are
   * rare and say what the calls mean: they wait for room */
  int lossy = a->lossy && type == OSPY_EV_CALL && !lane_tid;
  begun_call = type == OSPY_EV_CALL ? ts | BEGUN_RESERVING : 0;
  ospy_event_hdr *h = ospy_ring_reserve_in(&a->ring, lane_tid ? lane_tid : ospy_agent_tid(),
                                           ospy_agent_tid(), size, lossy, token,
                                           type == OSPY_EV_CALL ? ospy_agent_consumer_alive
                                                                : controller_alive);
  if (!h) {
    if (a->active && type == OSPY_EV_CALL)
      ospy_ring_count_lost(&a->ring, a->pid, ospy_agent_tid());
    begun_call &= ~BEGUN_RESERVING;
    return NULL;
  }
  begun_call &= ~BEGUN_RESERVING;
  memset((uint8_t *)h + size - 8, 0, 8); /* padding bytes: no stale ring data */
  h->size = size;
  h->type = type;
  h->flags = 0;
  h->pid = a->pid;
  h->tid = ospy_agent_tid();
  h->ts = ts;
  return h;
}

void ospy_agent_record_end(uint64_t token)
{
  ospy_ring_commit(&ospy_agent_g.ring, token);
}

/* Process starts, module loads and messages are rare and what a capture cut
 * short must still hold: the consumer is woken for them at once. */
static void record_end_now(uint64_t token)
{
  ospy_ring_commit(&ospy_agent_g.ring, token);
  ospy_ring_wake(&ospy_agent_g.ring);
}

int ospy_agent_void_unfinished_record(void)
{
  ospy_agent *a = &ospy_agent_g;
  uint32_t room;
  uint64_t tok;
  uint8_t *rec = ospy_ring_take_unfinished(&a->ring, ospy_agent_tid(), &room, &tok);
  if (!rec)
    return 0;
  /* (the header the record had may be half written: a whole new one) */
  ospy_event_hdr v = { sizeof v, OSPY_EV_VOID, 0, a->pid, ospy_agent_tid(), ospy_agent_clock() };
  memcpy(rec, &v, sizeof v);
  (void)room; /* (any record is larger than a Void one) */
  record_end_now(tok);
  return 1;
}

void ospy_agent_message(uint16_t type, uint32_t hook, const char *text)
{
  ospy_agent_message_flags(type, 0, hook, text);
}

void ospy_agent_message_flags(uint16_t type, uint16_t flags, uint32_t hook, const char *text)
{
  /* outside a callback (module tracking after a dlopen...) the strlen and
   * clock calls below would be recorded as the program's if hooked */
  ospy_interceptor_ignore_current_thread();
  agent_message(type, flags, hook, text);
  ospy_interceptor_unignore_current_thread();
}

static void agent_message(uint16_t type, uint16_t flags, uint32_t hook, const char *text)
{
  size_t len = strlen(text);
  if (len > 4000)
    len = 4000;
  uint64_t tok;
  ospy_event_message *m = ospy_agent_record_begin(
    type, ospy_event_align(sizeof *m + len), ospy_agent_clock(), &tok);
  if (!m)
    return;
  m->h.flags = flags;
  m->hook = hook;
  m->text_len = (uint32_t)len;
  memcpy(m + 1, text, len);
  record_end_now(tok);
}

char *ospy_agent_put_dec(char *out, uint64_t v)
{
  char tmp[20];
  int n = 0;
  do
    tmp[n++] = (char)('0' + v % 10);
  while ((v /= 10));
  while (n)
    *out++ = tmp[--n];
  *out = 0;
  return out;
}

void ospy_agent_emit_fd_closed(uint32_t pid, int32_t fd, uint64_t ts_enter)
{
  uint64_t tok;
  ospy_event_fd_closed *r = ospy_agent_record_begin(OSPY_EV_FD_CLOSED, sizeof *r,
                                                    ospy_agent_clock(), &tok);
  if (!r)
    return;
  if (pid) {
    r->h.pid = pid;
    r->h.tid = pid;
  }
  r->fd = fd;
  r->reserved = 0;
  r->ts_enter = ts_enter;
  ospy_agent_record_end(tok);
}

void ospy_agent_emit_exec(uint32_t pid, uint16_t flags, uint32_t why, const char *path)
{
  ospy_agent *a = &ospy_agent_g;
  size_t len = strnlen(path, 1000);
  uint64_t tok;
  /* in the lane the new program's main thread (tid == pid) writes its
   * ProcessStart to: this comes first */
  ospy_event_exec *r = ospy_agent_record_begin_in(
    OSPY_EV_EXEC, ospy_event_align(sizeof *r + len), ospy_agent_clock(), pid, &tok);
  if (!r)
    return;
  r->h.flags = flags;
  r->h.pid = pid;
  r->h.tid = pid == a->pid ? ospy_agent_tid() : pid; /* (a vfork child's cached tid is its parent's) */
  r->why = why;
  r->path_len = (uint32_t)len;
  memcpy(r + 1, path, len);
  record_end_now(tok);
}

void ospy_agent_emit_hook_name(uint32_t hook, const char *name)
{
  ospy_interceptor_ignore_current_thread();
  size_t len = strnlen(name, 1000);
  uint64_t tok;
  ospy_event_hook_name *r = ospy_agent_record_begin(
    OSPY_EV_HOOK_NAME, ospy_event_align(sizeof *r + len), ospy_agent_clock(), &tok);
  if (r) {
    r->hook = hook;
    r->name_len = (uint32_t)len;
    memcpy(r + 1, name, len);
    record_end_now(tok);
  }
  ospy_interceptor_unignore_current_thread();
}

char *ospy_agent_put_hex(char *out, uint64_t v)
{
  char tmp[16];
  int n = 0;
  do
    tmp[n++] = "0123456789abcdef"[v & 15];
  while ((v >>= 4));
  *out++ = '0';
  *out++ = 'x';
  while (n)
    *out++ = tmp[--n];
  *out = 0;
  return out;
}

size_t ospy_agent_join3(char *buf, size_t cap, const char *a, const char *b, const char *c)
{
  size_t n = 0;
  const char *parts[3] = { a, b, c };
  for (int i = 0; i < 3; i++)
    for (const char *p = parts[i]; p && *p && n + 1 < cap; p++)
      buf[n++] = *p;
  if (cap)
    buf[n] = 0;
  return n;
}

/* Three-part message without snprintf (no stdio in the agent). */
void ospy_agent_messagef2(uint16_t type, uint32_t hook, const char *a, const char *b, const char *c)
{
  char buf[1024];
  ospy_agent_join3(buf, sizeof buf, a, b, c);
  ospy_agent_message(type, hook, buf);
}

static void emit_process_start(uint32_t ppid, uint64_t forked_at);

/* In a forked child the hooks are live: the agent's own open, read and
 * readlink of /proc/self are not the program's calls. */
void ospy_agent_emit_process_start(uint32_t ppid, uint64_t forked_at)
{
  ospy_interceptor_ignore_current_thread();
  emit_process_start(ppid, forked_at);
  ospy_interceptor_unignore_current_thread();
}

static void emit_process_start(uint32_t ppid, uint64_t forked_at)
{
  char cmd[4096], exe[1024], cmdline[32];
  stpcpy(stpcpy(cmdline, ospy_os_proc_self()), "/cmdline"); /* (the main thread may have ended) */
  size_t cmd_len = ospy_os_read_small_file(cmdline, cmd, sizeof cmd);
  ssize_t exe_len = readlink(ospy_os_self_exe(), exe, sizeof exe);
  if (exe_len < 0)
    exe_len = 0;
  uint64_t tok;
  ospy_event_process_start *s = ospy_agent_record_begin(
    OSPY_EV_PROCESS_START, ospy_event_align(sizeof *s + cmd_len + (size_t)exe_len),
    forked_at ? forked_at : ospy_agent_clock(), &tok);
  if (!s)
    return;
  s->h.flags = ospy_agent_g.attached ? OSPY_START_F_ATTACHED : 0; /* (a fork child: never) */
  if (forked_at) /* (stamped with the fork: the time its descriptors were copied) */
    s->h.flags |= OSPY_START_F_FORKED;
  s->ppid = ppid ? ppid : (uint32_t)getppid();
  s->arch_bits = sizeof(void *) * 8;
  s->cmd_len = (uint32_t)cmd_len;
  s->exe_len = (uint32_t)exe_len;
  memcpy(s + 1, cmd, cmd_len);
  memcpy((char *)(s + 1) + cmd_len, exe, (size_t)exe_len);
  record_end_now(tok);
}

void ospy_agent_emit_module(uint16_t type, uint16_t flags, uint64_t base, uint64_t size,
                            const char *path)
{
  size_t len = strlen(path);
  uint64_t tok;
  ospy_event_module *m = ospy_agent_record_begin(type, ospy_event_align(sizeof *m + len),
                                                 ospy_agent_clock(), &tok);
  if (!m)
    return;
  m->h.flags = flags;
  m->base = base;
  m->size = size;
  m->path_len = (uint32_t)len;
  m->reserved = 0;
  memcpy(m + 1, path, len);
  record_end_now(tok);
}

void ospy_agent_emit_process_exit(int status)
{
  ospy_agent_emit_process_end(OSPY_EXIT_CODE, status & 0xff);
}

void ospy_agent_emit_process_end(uint32_t how, int status)
{
  ospy_agent *a = &ospy_agent_g;
  /* raw system calls: getpid and getppid may be hooked themselves */
  if (!a->active || (uint32_t)ospy_os_getpid() != a->pid ||
      (uint32_t)ospy_os_sys0(SYS_getppid) == a->ring.ctl->controller_pid)
    return;
  uint64_t tok;
  ospy_event_process_exit *e = ospy_agent_record_begin(OSPY_EV_PROCESS_EXIT, sizeof *e,
                                                       ospy_agent_clock(), &tok);
  if (!e)
    return;
  e->h.tid = a->pid; /* the process, as the controller's records name it */
  e->how = how;
  e->status = status;
  record_end_now(tok);
}
