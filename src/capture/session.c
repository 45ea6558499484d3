/* Controller drain loop pieces; see session.h. */
#include "capture/session.h"
#include "capture/array_grow.h"
#include "capture/reader.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static uint64_t now_ns(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int ospy_session_init(ospy_session *s)
{
  s->buf = malloc(OSPY_EVENT_MAX_SIZE);
  return s->buf ? 0 : -1;
}

void ospy_session_free(ospy_session *s)
{
  while (s->nheld)
    free(s->held[--s->nheld].rec);
  free(s->held);
  s->held = NULL;
  ospy_exec_watch_free(&s->execs);
  ospy_lost_track_free(&s->lost_track);
  ospy_replay_free(&s->replay);
  free(s->buf);
  s->buf = NULL;
}

/* Agents stop recording (attached ones also unhook); producers waiting for
 * room in the ring are woken to see it. */
static void ask_agents_to_stop(ospy_session *s)
{
  atomic_store(&s->ring.ctl->detach, 1);
  ospy_ring_wake_producers(&s->ring);
}

/* The capture file cannot take more (disk full, I/O error): say so once and
 * ask every agent to stop recording, so that no producer waits for a consumer
 * that only discards. The program runs on. */
static void stop_recording(ospy_session *s, const char *err)
{
  fprintf(stderr, "ospy: %s\nospy: recording stopped; the program continues\n", err);
  s->write_failed = 1;
  ask_agents_to_stop(s);
}

/* What the live view shows: not module loads, nor Info notes unless they
 * say that calls were left out (OSPY_MESSAGE_F_LIVE); with -q only what
 * went wrong (-q hides calls, not a warning that the program exec'd what is
 * not recorded). */
static int shown_live(const ospy_session *s, const ospy_event_hdr *rec)
{
  if (s->live_problems_only)
    return rec->type == OSPY_EV_WARNING || rec->type == OSPY_EV_ERROR;
  if (rec->type == OSPY_EV_INFO)
    return (rec->flags & OSPY_MESSAGE_F_LIVE) != 0;
  return rec->type != OSPY_EV_MODULE_LOAD && rec->type != OSPY_EV_MODULE_UNLOAD;
}

/* A copy replay.h repeats: for the file only (not shown, not counted). */
static int add_repeat(void *ctx, const ospy_event_hdr *rec)
{
  ospy_session *s = ctx;
  char err[512];
  if (ospy_capfile_append(s->file, rec, rec->size, err, sizeof err) < 0) {
    stop_recording(s, err);
    return -1;
  }
  return 0;
}

static int add_one(ospy_session *s, const ospy_event_hdr *rec)
{
  char err[512];
  if (s->write_failed)
    return -1; /* recording stopped: the file could not be written */
  /* a chunk starts: what a reader needs from the chunks before it, when
   * that changed, so that it survives their loss (replay.h) */
  if (ospy_replay_due(&s->replay) && ospy_capfile_chunk_empty(s->file) &&
      ospy_replay_write(&s->replay, add_repeat, s) < 0)
    return -1;
  if (rec->type == OSPY_EV_HOOK_NAME)
    ospy_hook_name_apply(s->plan, rec); /* the live view names calls as show will */
  int problem = rec->type == OSPY_EV_WARNING || rec->type == OSPY_EV_ERROR;
  if (s->live && s->live_muted && rec->type == OSPY_EV_CALL && !s->live_problems_only)
    s->live_skipped++;
  else if (s->live && problem && s->live_problems >= OSPY_LIVE_PROBLEMS_MAX)
    s->live_problems_hidden++;
  else if (s->live && shown_live(s, rec)) {
    ospy_format_event(s->live, rec, s->plan, &s->live_opts);
    s->live_problems += (uint64_t)problem;
  }
  s->records++;
  if (rec->type == OSPY_EV_CALL)
    s->calls++;
  if (rec->type == OSPY_EV_ERROR)
    s->errors++;
  s->unflushed++;
  if (ospy_capfile_append(s->file, rec, rec->size, err, sizeof err) < 0) {
    stop_recording(s, err);
    return -1;
  }
  if (ospy_replay_kept(rec->type))
    ospy_replay_note(&s->replay, rec);
  return 0;
}

static int add_from_tracker(void *ctx, const ospy_event_hdr *rec)
{
  return add_one(ctx, rec);
}

/* A record's times by the agent's clock, taken before its TSC ticks are
   turned into wall time: what the descriptor tracker orders calls by. */
static ospy_fdtrack_times agent_times(const ospy_event_hdr *rec)
{
  if (rec->type == OSPY_EV_CALL)
    return (ospy_fdtrack_times){ rec->ts, ((const ospy_event_call *)rec)->ts_leave };
  if (rec->type == OSPY_EV_FD_CLOSED && rec->size >= sizeof(ospy_event_fd_closed)) {
    const ospy_event_fd_closed *r = (const ospy_event_fd_closed *)rec;
    return (ospy_fdtrack_times){ r->ts_enter ? r->ts_enter : r->h.ts, r->h.ts };
  }
  return (ospy_fdtrack_times){ rec->ts, rec->ts };
}

static int emit(ospy_session *s, const ospy_event_hdr *rec, const ospy_fdtrack_times *times)
{
  if (rec->type == OSPY_EV_CALL) { /* drained or held: ours to change */
    ospy_event_call *c = (ospy_event_call *)rec;
    c->seq = s->next_seq++; /* in the order the capture gets them */
    c->h.flags &= (uint16_t)~(OSPY_CALL_F_TENTATIVE | OSPY_CALL_F_SUPERSEDES);
  }
  ospy_fdtrack *fds = s->fds;
  if (fds && rec->type == OSPY_EV_CALL && ospy_fdtrack_ignores(fds, (const ospy_event_call *)rec))
    fds = NULL; /* (most calls: no descriptor in them) */
  if (fds)
    ospy_fdtrack_before(fds, rec, times, add_from_tracker, s);
  if (rec->type == OSPY_EV_FD_CLOSED)
    return 0; /* for the tracker only: its FdName, if any, says it */
  int r = add_one(s, rec);
  if (fds)
    ospy_fdtrack_after(fds, rec, times, add_from_tracker, s);
  return r;
}

/* Held record i leaves the list (the others keep their order): written
 * when keep (it did not return: NO_RETURN, as recorded), else dropped. */
static void unhold(ospy_session *s, unsigned i, int keep)
{
  ospy_session_held h = s->held[i];
  memmove(&s->held[i], &s->held[i + 1], (s->nheld - i - 1) * sizeof s->held[0]);
  s->nheld--;
  if (keep)
    emit(s, h.rec, &h.times);
  free(h.rec);
}

/* What rec says about the held calls: the call's own record (the exec
 * failed and the call returned: it replaces the held one, found by thread,
 * hook and entry time by the agent's clock, the same in both records), or
 * a new image (ProcessStart) or the end of the same process (the exec
 * succeeded, or the call never returned: the held one is written, in the
 * order held). Other records of the thread (calls nested in the exec)
 * leave it held. */
static void settle_held(ospy_session *s, const ospy_event_hdr *rec, const ospy_fdtrack_times *times)
{
  int ends = rec->type == OSPY_EV_PROCESS_START || rec->type == OSPY_EV_PROCESS_EXIT;
  const ospy_event_call *c = (const ospy_event_call *)rec;
  if (!ends && !(rec->type == OSPY_EV_CALL && (c->h.flags & OSPY_CALL_F_SUPERSEDES)))
    return;
  for (unsigned i = 0; i < s->nheld;) {
    const ospy_event_call *h = (const ospy_event_call *)s->held[i].rec;
    if (h->h.pid == rec->pid && ends) {
      unhold(s, i, 1);
      continue;
    }
    if (h->h.pid == rec->pid && h->h.tid == rec->tid && c->hook == h->hook &&
        s->held[i].times.enter == times->enter) {
      unhold(s, i, 0);
      return; /* one record replaces one held call */
    }
    i++;
  }
}

/* At most this many calls held at once: a target writing tentative records
 * without end cannot make the controller grow without bound (the oldest is
 * written as it is). */
#define HELD_MAX 4096u

static void hold(ospy_session *s, const ospy_event_hdr *rec, const ospy_fdtrack_times *times)
{
  ospy_event_hdr *copy = malloc(rec->size);
  if (!copy || ospy_array_grow((void **)&s->held, &s->held_cap, s->nheld, sizeof s->held[0]) < 0) {
    free(copy);
    emit(s, rec, times); /* (out of memory: as it is) */
    return;
  }
  if (s->nheld == HELD_MAX)
    unhold(s, 0, 1);
  memcpy(copy, rec, rec->size);
  s->held[s->nheld++] = (ospy_session_held){ copy, *times };
}

/* times: rec's by the agent's clock (NULL: the record's own, not converted). */
static int add_timed(ospy_session *s, const ospy_event_hdr *rec, const ospy_fdtrack_times *times)
{
  ospy_fdtrack_times own = agent_times(rec);
  if (!times)
    times = &own;
  if (s->nheld)
    settle_held(s, rec, times);
  if (rec->type == OSPY_EV_CALL && (rec->flags & OSPY_CALL_F_TENTATIVE)) {
    hold(s, rec, times);
    return 0;
  }
  return emit(s, rec, times);
}

int ospy_session_add(ospy_session *s, const ospy_event_hdr *rec)
{
  return add_timed(s, rec, NULL);
}

void ospy_session_add_message(ospy_session *s, uint16_t type, const char *text)
{
  size_t len = strlen(text);
  if (len > 4000)
    len = 4000;
  uint32_t size = ospy_event_align(sizeof(ospy_event_message) + len);
  ospy_event_message *m = calloc(1, size);
  if (!m)
    return;
  m->h = (ospy_event_hdr){ size, type, 0, 0, 0, now_ns() };
  m->hook = UINT32_MAX;
  m->text_len = (uint32_t)len;
  memcpy(m + 1, text, len);
  ospy_session_add(s, &m->h);
  free(m);
}

int ospy_session_exit_code(const ospy_session *s, uint32_t pid)
{
  unsigned n = s->n_agent_exits < 64 ? s->n_agent_exits : 64;
  for (unsigned i = 0; i < n; i++)
    if (s->agent_exits[i] == pid)
      return s->agent_exit_codes[i];
  return -1;
}

int ospy_session_exit_recorded(const ospy_session *s, uint32_t pid)
{
  return ospy_session_exit_code(s, pid) >= 0;
}

/* A program awaited (exec_watch.h) that never started its agent: said. */
static void say_unstarted(ospy_session *s, const ospy_exec_wait *w, int ended)
{
  char msg[1024];
  ospy_exec_watch_message(w, ended, msg, sizeof msg);
  ospy_session_add_message(s, OSPY_EV_WARNING, msg);
  if (!s->live) /* (the live view shows warnings, also with -q) */
    fprintf(stderr, "ospy: warning: %s\n", msg);
}

void ospy_session_expect_agent(ospy_session *s, uint32_t pid, const char *path, uint32_t why)
{
  ospy_exec_watch_expect(&s->execs, pid, 0, why, path, strlen(path));
}

void ospy_session_check_execs(ospy_session *s)
{
  uint64_t now = now_ns();
  if (!s->execs.n || now - s->execs_checked_ns < 200000000u)
    return;
  s->execs_checked_ns = now;
  for (size_t i = 0; i < s->execs.n; i++) {
    int unused;
    uint32_t pid = s->execs.w[i].pid;
    if (!ospy_session_task_ended(pid, &unused))
      continue;
    ospy_session_drain(s); /* what its agent wrote before it ended, if it had one */
    ospy_exec_wait w;
    if (ospy_exec_watch_take(&s->execs, pid, &w))
      say_unstarted(s, &w, 1);
    i = (size_t)-1; /* the list changed: from its start again */
  }
}

void ospy_session_end_execs(ospy_session *s)
{
  ospy_exec_wait w;
  while (s->execs.n) {
    int unused;
    uint32_t pid = s->execs.w[0].pid;
    int ended = ospy_session_task_ended(pid, &unused);
    if (ospy_exec_watch_take(&s->execs, pid, &w))
      say_unstarted(s, &w, ended);
  }
}

void ospy_session_add_exit(ospy_session *s, uint32_t pid, uint32_t how, int32_t status)
{
  ospy_exec_wait w;
  if (how != OSPY_EXIT_DETACHED && ospy_exec_watch_take(&s->execs, pid, &w))
    say_unstarted(s, &w, 1);
  ospy_event_process_exit e = { { sizeof e, OSPY_EV_PROCESS_EXIT, 0, pid, pid, now_ns() }, how, status };
  ospy_session_add(s, &e.h);
}

static void write_lost(void *ctx, uint32_t pid, uint32_t tid, uint64_t count, uint64_t ts)
{
  ospy_session *s = ctx;
  ospy_event_lost l = { { sizeof l, OSPY_EV_LOST, 0, pid, tid, ts }, count };
  s->lost += count;
  ospy_session_add(s, &l.h);
}

/* What the lost counters grew by: counted now, written where it belongs. */
static void look_for_lost(ospy_session *s)
{
  ospy_lost_track_look(&s->lost_track, &s->ring, now_ns(), write_lost, s);
}

void ospy_session_add_lost(ospy_session *s)
{
  while (s->nheld)
    unhold(s, 0, 1);
  look_for_lost(s);
  ospy_lost_track_flush(&s->lost_track, write_lost, s);
}

/* When the ring runs dry, what was appended reaches the disk within 100 ms,
 * so a controller killed with SIGKILL loses at most that much. */
static void flush_when_idle(ospy_session *s)
{
  uint64_t now = now_ns();
  if (!s->unflushed || s->write_failed || now - s->last_flush_ns < 100000000u)
    return;
  char err[512];
  if (ospy_capfile_flush(s->file, err, sizeof err) < 0) {
    stop_recording(s, err);
    return;
  }
  s->unflushed = 0;
  s->last_flush_ns = now;
}

/* TSC timestamps of an agent's record to wall time (tscclock.h). */
static void convert_times(ospy_session *s, ospy_event_hdr *rec, int *sampled)
{
  if (!*sampled) {
    ospy_tscclock_sample(s->tsc);
    *sampled = 1;
  }
  rec->ts = ospy_tscclock_to_ns(s->tsc, rec->ts);
  if (rec->type == OSPY_EV_CALL) {
    ospy_event_call *c = (ospy_event_call *)rec;
    if (c->ts_leave)
      c->ts_leave = ospy_tscclock_to_ns(s->tsc, c->ts_leave);
  }
  if (rec->type == OSPY_EV_FD_CLOSED && rec->size >= sizeof(ospy_event_fd_closed)) {
    ospy_event_fd_closed *r = (ospy_event_fd_closed *)rec;
    if (r->ts_enter)
      r->ts_enter = ospy_tscclock_to_ns(s->tsc, r->ts_enter);
  }
}

/* When a record was produced, as the lanes merge them: a call's leave. */
static uint64_t merge_time(const ospy_event_hdr *rec)
{
  if (rec->type == OSPY_EV_CALL && ((const ospy_event_call *)rec)->ts_leave)
    return ((const ospy_event_call *)rec)->ts_leave;
  return rec->ts;
}

long ospy_session_drain(ospy_session *s)
{
  return ospy_session_drain_for(s, 0);
}

long ospy_session_drain_for(ospy_session *s, uint64_t max_ns)
{
  long n = 0;
  int sampled = 0;
  /* Only what was produced before this call: busy producers would otherwise
   * keep the controller here for good (no --duration, no Ctrl-C, no reaping). */
  ospy_ring_bound(&s->ring);
  look_for_lost(s);
  uint64_t until = max_ns ? now_ns() + max_ns : UINT64_MAX;
  for (;;) {
    const char *why = NULL;
    long k = max_ns && (n & 1023) == 1023 && now_ns() >= until
               ? 0 : ospy_ring_consume(&s->ring, s->buf, OSPY_EVENT_MAX_SIZE, &why);
    if (k == 0 && ospy_lost_track_due(&s->lost_track, &s->ring))
      look_for_lost(s); /* (the lanes ran dry: their tails were published) */
    if (k == 0) {
      /* read up to where the heads were: drops found before are behind us */
      ospy_lost_track_caught_up(&s->lost_track, &s->ring, write_lost, s);
      ospy_ring_unbound(&s->ring);
      if (s->live)
        fflush(s->live);
      flush_when_idle(s);
      return s->write_failed ? -1 : n;
    }
    if (k < 0) {
      char msg[256];
      snprintf(msg, sizeof msg, "controller: the event ring was corrupted by the target (%s); "
               "no more events are read from it", why);
      fprintf(stderr, "ospy: %s\n", msg);
      ospy_session_add_message(s, OSPY_EV_ERROR, msg);
      /* agents stop recording (attached ones unhook): with nobody reading,
       * producers would otherwise wait for room forever */
      ask_agents_to_stop(s);
      ospy_ring_unbound(&s->ring);
      return s->write_failed ? -1 : n;
    }
    ospy_event_hdr *rec = (ospy_event_hdr *)s->buf;
    ospy_fdtrack_times times = agent_times(rec); /* (the descriptor names' order) */
    if (s->tsc)
      convert_times(s, rec, &sampled);
    /* Drops are counted as they happen: looked for whenever room was made
     * (producers write again, after what they dropped) and before a record
     * of a thread that has drops counted (they came before it: the count is
     * made before the record's commit, which this read saw), so that their
     * Lost record goes before it (lost_track.h) */
    if (ospy_lost_track_due(&s->lost_track, &s->ring) ||
        ospy_ring_has_lost(&s->ring, rec->pid, rec->tid))
      look_for_lost(s);
    ospy_lost_track_before(&s->lost_track, &s->ring, write_lost, s);
    ospy_lost_track_taken(&s->lost_track, &s->ring, merge_time(rec));
    if (s->execs.n || rec->type == OSPY_EV_EXEC) /* (nothing awaited: nothing to note) */
      ospy_exec_watch_note(&s->execs, rec);
    if (rec->type == OSPY_EV_EXEC || rec->type == OSPY_EV_VOID)
      continue; /* (ring only: what the controller waits for; a record given up) */
    if (rec->type == OSPY_EV_FD_NAME) { /* only the controller writes these */
      if (!s->forged++)
        ospy_session_add_message(s, OSPY_EV_WARNING, "controller: dropped FdName records "
                                 "found in the event ring (not written by the agent)");
      continue;
    }
    if (rec->type == OSPY_EV_PROCESS_EXIT && rec->size >= sizeof(ospy_event_process_exit)) {
      const ospy_event_process_exit *e = (const ospy_event_process_exit *)rec;
      unsigned slot = s->n_agent_exits++ % 64;
      s->agent_exits[slot] = rec->pid;
      s->agent_exit_codes[slot] = e->how == OSPY_EXIT_SIGNAL ? 128 + (e->status & 127) : e->status & 255;
    }
    rec->flags &= (uint16_t)~OSPY_EVENT_F_REPEATED; /* the controller's alone: readers skip them */
    add_timed(s, rec, &times); /* calls numbered in the lanes' merge order (ring.h) */
    n++;
  }
}

int ospy_session_task_ended(uint32_t id, int *wstatus)
{
  char path[48], buf[1024];
  *wstatus = -1;
  snprintf(path, sizeof path, "/proc/%u/stat", id);
  FILE *f = fopen(path, "re");
  if (!f)
    return errno == ENOENT || errno == ESRCH;
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  fclose(f);
  buf[n] = 0;
  const char *p = strrchr(buf, ')'); /* the name may hold spaces and parentheses */
  if (!p || p[1] != ' ' || (p[2] != 'Z' && p[2] != 'X'))
    return 0;
  for (int field = 2; field < 52 && p; field++) /* p: before field `field + 1` */
    p = strchr(p + 1, ' ');
  if (p && sscanf(p + 1, "%d", wstatus) != 1)
    *wstatus = -1;
  return 1;
}

/* A writer thread's tid since reused by another task counts as alive: the
 * lane waits, which is the safe side (a slot passed while its writer lives
 * on would be written into after the consumer moved on). */
static int thread_gone(uint32_t tid)
{
  int unused;
  return ospy_session_task_ended(tid, &unused);
}

/* How long a claimed slot may stay unfinished before its writer is asked
 * after: a live writer finishes in microseconds, unless it was descheduled. */
#define DEAD_WRITER_AFTER_MS 1000u

void ospy_session_pass_dead_writers(ospy_session *s)
{
  ospy_ring_writer by[OSPY_RING_MAX_LANES];
  unsigned n = ospy_ring_pass_dead_writers(&s->ring, now_ns() / 1000000u, DEAD_WRITER_AFTER_MS,
                                           thread_gone, by);
  for (unsigned i = 0; i < n; i++) {
    ospy_ring_count_lost(&s->ring, by[i].pid, by[i].tid);
    char msg[200];
    snprintf(msg, sizeof msg, "controller: thread %u died in the middle of writing a record into "
             "the event ring (its process was killed): that call is not in the capture, "
             "counted as lost; the records after it are", by[i].tid);
    ospy_session_add_message(s, OSPY_EV_WARNING, msg);
  }
}

long ospy_session_drain_last(ospy_session *s)
{
  long n = ospy_session_drain(s);
  int passed = 0;
  while (n >= 0 && ospy_ring_skip_unfinished(&s->ring) > 0) {
    passed = 1;
    long more = ospy_session_drain(s);
    n = more < 0 ? -1 : n + more;
  }
  if (passed) /* (adjacent ones are passed at once: their number is not known) */
    ospy_session_add_message(s, OSPY_EV_WARNING, "controller: threads ended (their process "
                             "exited) in the middle of writing records into the event ring: "
                             "those calls are not in the capture; the records after them are");
  return n;
}
