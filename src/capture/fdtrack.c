/* Descriptor names resolved by the controller; see fdtrack.h. */
#include "capture/fdtrack.h"
#include "capture/socknames.h"
#include "os/linux/proc_task.h"
#include "plan/values.h"
#include "plan/values_format.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int ospy_fdtrack_init(ospy_fdtrack *t, const ospy_plan *plan, const ospy_spec_table *specs)
{
  memset(t, 0, sizeof *t);
  ospy_fdnames_init(&t->known);
  ospy_fdhist_init(&t->bindings);
  t->plan = plan;
  t->specs = specs;
  t->nfns = specs ? specs->nfns : 0;
  if (t->nfns && !(t->fn_role = calloc(t->nfns, 1)))
    return -1;
  t->nhooks = plan ? ospy_plan_hook_count(plan) : 0;
  if (t->nhooks && !(t->hook_quiet = calloc(t->nhooks, 1)))
    return -1;
  return 0;
}

void ospy_fdtrack_free(ospy_fdtrack *t)
{
  ospy_fdnames_free(&t->known);
  ospy_fdhist_free(&t->bindings);
  free(t->fn_role);
  t->fn_role = NULL;
  free(t->hook_quiet);
  t->hook_quiet = NULL;
  t->nhooks = 0;
}

static int kind_of(const ospy_fdtrack *t, const ospy_spec_typeref *r)
{
  const ospy_spec_type *ty = ospy_spec_table_type(t->specs, r->type);
  return ty ? ty->kind : 0;
}

/* Whether values of type index `type` hold a descriptor: the type itself, or
   a field of a structure or an element of an array in it (a few levels). */
static int holds_fd(const ospy_fdtrack *t, uint32_t type, uint32_t elem_type, int depth)
{
  const ospy_spec_type *ty = ospy_spec_table_type(t->specs, type);
  if (!ty || depth > 4)
    return 0;
  if (ty->kind == OSPY_KIND_FD)
    return 1;
  if (elem_type != OSPY_SPEC_NONE && holds_fd(t, elem_type, OSPY_SPEC_NONE, depth + 1))
    return 1;
  for (uint32_t i = 0; i < ty->nfields; i++)
    if (holds_fd(t, ty->fields[i].t.type, ty->fields[i].t.elem_type, depth + 1))
      return 1;
  return 0;
}

/* What a function does to descriptor names, found once per spec function
 * (by its name: the tracker runs for every call the controller drains, and
 * string compares there cost the read benchmark 40 ns a call). */
enum { ROLE_UNKNOWN = 0, ROLE_NONE, ROLE_USES_FD, ROLE_SOCKET, ROLE_PIPE, ROLE_CLOSE,
       ROLE_CLOSEFROM, ROLE_CLOSE_RANGE, ROLE_DUP, ROLE_FCNTL };

static int fn_role(ospy_fdtrack *t, uint32_t index, const ospy_spec_fn *fn)
{
  if (t->fn_role[index])
    return t->fn_role[index];
  int uses = fn->has_ret && !fn->ret.ptr && kind_of(t, &fn->ret) == OSPY_KIND_FD;
  for (uint32_t i = 0; i < fn->nargs && !uses; i++)
    uses = !fn->args[i].t.ptr && kind_of(t, &fn->args[i].t) == OSPY_KIND_FD;
  /* (descriptors in structures and arrays: named as the call was made too) */
  int nested = 0;
  for (uint32_t i = 0; i < fn->nargs && !uses && !nested; i++)
    nested = holds_fd(t, fn->args[i].t.type, fn->args[i].t.elem_type, 0);
  int role = uses || nested ? ROLE_USES_FD : ROLE_NONE;
  if (ospy_socknames_handles(fn->name))
    role = ROLE_SOCKET;
  else if (!strcmp(fn->name, "pipe") || !strcmp(fn->name, "pipe2"))
    role = ROLE_PIPE; /* (the ends: an array) */
  else if (!strcmp(fn->name, "closefrom"))
    role = ROLE_CLOSEFROM;
  else if (!strcmp(fn->name, "close_range"))
    role = ROLE_CLOSE_RANGE;
  else if (!strcmp(fn->name, "close") && uses)
    role = ROLE_CLOSE;
  else if (uses && (!strcmp(fn->name, "dup") || !strcmp(fn->name, "dup2") ||
                    !strcmp(fn->name, "dup3")))
    role = ROLE_DUP;
  else if (uses && (!strcmp(fn->name, "fcntl") || !strcmp(fn->name, "fcntl64") ||
                    !strcmp(fn->name, "__fcntl_time64")))
    role = ROLE_FCNTL; /* (fcntl64: i386, _FILE_OFFSET_BITS=64; __fcntl_time64: _TIME_BITS=64) */
  t->fn_role[index] = (uint8_t)role;
  return role;
}

/* Writes an FdName record (name "" : the descriptor was closed). */
static int emit_record(uint32_t pid, int32_t fd, uint64_t ts, const char *name,
                       ospy_fdtrack_emit emit, void *ctx)
{
  size_t len = strlen(name);
  if (len > 4096)
    len = 4096;
  union {
    ospy_event_fd_name r;
    char bytes[sizeof(ospy_event_fd_name) + 4096 + 8];
  } u;
  memset(&u, 0, sizeof u.r + len + 8);
  u.r.h = (ospy_event_hdr){ ospy_event_align(sizeof u.r + len), OSPY_EV_FD_NAME, 0, pid, pid, ts };
  u.r.fd = fd;
  u.r.name_len = (uint32_t)len;
  memcpy(&u.r + 1, name, len);
  return emit(ctx, &u.r.h);
}

/* From the next record on, the capture shows (pid, fd) as name (NULL or "":
   a number): an FdName record, unless it says so already. */
static void tell(ospy_fdtrack *t, uint32_t pid, int32_t fd, const char *name,
                 ospy_fdtrack_emit emit, void *ctx)
{
  if (name && *name) {
    if (ospy_fdnames_set(&t->known, pid, fd, name) > 0)
      emit_record(pid, fd, t->ts, name, emit, ctx);
    return;
  }
  const char *was = ospy_fdnames_get(&t->known, pid, fd);
  if (was && *was)
    emit_record(pid, fd, t->ts, "", emit, ctx);
  ospy_fdnames_forget(&t->known, pid, fd);
}

/* What a call made now would find behind (pid, fd). */
static const char *newest_name(const ospy_fdtrack *t, uint32_t pid, int32_t fd)
{
  const ospy_fdbinding *b = ospy_fdhist_newest(&t->bindings, pid, fd);
  return b ? b->name : NULL;
}

/* The record of the call being handled shows fd as name; after it, the
   capture is told what fd refers to now (the newest binding), if that
   differs: a call drained late is shown with the file it was made on. */
static void show_for_call(ospy_fdtrack *t, int32_t fd, const char *name, ospy_fdtrack_emit emit,
                          void *ctx)
{
  unsigned i = 0;
  while (i < t->nshown && t->shown[i] != fd)
    i++;
  if (i == t->nshown) {
    if (t->nshown == sizeof t->shown / sizeof t->shown[0])
      return; /* (a call with more descriptors: the others shown as they are now) */
    t->shown[t->nshown++] = fd;
  }
  tell(t, t->pid, fd, name, emit, ctx);
}

/* After the call's record: its descriptors as they are now. */
static void tell_shown_as_now(ospy_fdtrack *t, ospy_fdtrack_emit emit, void *ctx)
{
  for (unsigned i = 0; i < t->nshown; i++)
    tell(t, t->pid, t->shown[i], newest_name(t, t->pid, t->shown[i]), emit, ctx);
  t->nshown = 0;
}

/* A new binding of fd, made by the call being handled (named `name`, NULL:
   not known), shown with it. */
static void bind_returned(ospy_fdtrack *t, int32_t fd, const char *name, ospy_fdtrack_emit emit,
                          void *ctx)
{
  (void)ospy_fdhist_bind(&t->bindings, t->pid, fd, t->call.leave, name);
  show_for_call(t, fd, name, emit, ctx);
}

/* readlink of /proc/PID/fd/N (PID 0: the controller itself) into buf; 0, or
   -1 when the process does not have the descriptor. */
static int resolve(uint32_t pid, int32_t fd, char *buf, size_t cap)
{
  char path[64];
  if (pid)
    snprintf(path, sizeof path, "/proc/%u/fd/%d", pid, fd);
  else
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
  ssize_t n = readlink(path, buf, cap - 1);
  if (n <= 0)
    return -1;
  buf[n] = 0;
  return 0;
}

typedef struct walk {
  int32_t fds[4];      /* the descriptor arguments */
  unsigned nfds;
  int32_t used[8];     /* every descriptor the call was given (in a structure, an array too) */
  unsigned nused;
  int64_t arg0;        /* the first argument, an integer (closefrom's lowest descriptor) */
  int64_t arg1;        /* the second argument, an integer (fcntl's command); -1 if not */
  uint64_t flags;      /* the third argument, an integer (close_range's flags) */
  const uint8_t *path; /* first string argument (a path, for open and friends) */
  size_t path_len;
} walk;

/* One pass over the enter values: the descriptors, integers and path a call
   was given. */
static int on_value(const ospy_value *v, void *data)
{
  walk *w = data;
  if (v->kind == OSPY_VALUE_STRING && v->unit == 1 && v->depth <= 1 && !w->path &&
      v->nbytes && !(v->flags & (OSPY_VB_CAPPED | OSPY_VB_CUT))) {
    w->path = v->bytes;
    w->path_len = v->nbytes;
  }
  if (v->kind == OSPY_VALUE_INT && v->type_kind == OSPY_KIND_FD &&
      v->index != OSPY_VALUE_RETVAL && w->nused < sizeof w->used / sizeof w->used[0])
    w->used[w->nused++] = (int32_t)v->u;
  if (v->depth != 0 || v->kind != OSPY_VALUE_INT)
    return 0;
  if (v->index == 0)
    w->arg0 = (int64_t)v->u;
  if (v->index == 1)
    w->arg1 = (int64_t)v->u;
  if (v->index == 2)
    w->flags = v->u;
  if (v->type_kind == OSPY_KIND_FD && v->index != OSPY_VALUE_RETVAL && w->nfds < 4)
    w->fds[w->nfds++] = (int32_t)v->u;
  return 0;
}

/* The enter values of c into w; -1 when they do not decode. */
static int read_enter(const ospy_event_call *c, const ospy_spec_fn *fn, walk *w)
{
  const uint8_t *enter = (const uint8_t *)(c + 1) + (size_t)c->nbt * 8;
  *w = (walk){ .nfds = 0, .arg0 = -1, .arg1 = -1 };
  ospy_value_visitor vis = { on_value, NULL };
  return ospy_values_decode(fn, enter, c->enter_len, &vis, w, NULL, 0);
}

/* The descriptors the call was given, shown with what they referred to when
   it was made. (before_call decodes nothing for a call made after the last
   change of any binding: the capture shows what it was made under already.) */
static void name_arguments(ospy_fdtrack *t, const walk *w, ospy_fdtrack_emit emit, void *ctx)
{
  for (unsigned i = 0; i < w->nused; i++) {
    const ospy_fdbinding *b = ospy_fdhist_at(&t->bindings, t->pid, w->used[i], &t->call);
    show_for_call(t, w->used[i], b ? b->name : NULL, emit, ctx);
  }
}

/* The descriptor a call returned: named by its path argument (open, openat,
   creat: exact). Without one it is a number: /proc, read when the call is
   drained milliseconds later, may already show a file that reused the
   number. (Sockets: socknames.c.) */
static void name_returned(ospy_fdtrack *t, const ospy_event_call *c, const walk *w,
                          ospy_fdtrack_emit emit, void *ctx)
{
  int32_t fd = (int32_t)(uint32_t)c->retval;
  if (fd < 0)
    return;
  char name[4097];
  size_t n = w->path_len < sizeof name - 1 ? w->path_len : sizeof name - 1;
  if (w->path)
    memcpy(name, w->path, n);
  name[w->path ? n : 0] = 0;
  bind_returned(t, fd, name[0] ? name : NULL, emit, ctx);
}

/* dup(old), dup2(old, new), dup3(old, new, flags), fcntl(old, F_DUPFD or
   F_DUPFD_CLOEXEC, min): the returned descriptor is the same open file as
   old (as it was when the call was made); it takes old's name, or none. 0
   for an fcntl that copies nothing. */
static int name_duplicate(ospy_fdtrack *t, const ospy_event_call *c, const walk *w, int fcntl,
                          ospy_fdtrack_emit emit, void *ctx)
{
  int32_t fd = (int32_t)(uint32_t)c->retval;
  if (!w->nfds)
    return 1;
  if (fcntl && w->arg1 != 0 && w->arg1 != 1030)
    return 0; /* fcntl, but no copy */
  if (fd < 0)
    return 1;
  const ospy_fdbinding *old = ospy_fdhist_at(&t->bindings, t->pid, w->fds[0], &t->call);
  /* (copies: binding the new number may move the old binding) */
  char name[4097], sock[512];
  snprintf(name, sizeof name, "%s", old && old->name ? old->name : "");
  snprintf(sock, sizeof sock, "%s", old && old->sock ? old->sock : "");
  int is_sock = old && old->sock;
  ospy_fdbinding *b = ospy_fdhist_bind(&t->bindings, t->pid, fd, t->call.leave,
                                       name[0] ? name : NULL);
  if (b && is_sock) /* a later connect() on the copy names both */
    (void)ospy_fdbinding_set_sock(b, sock);
  show_for_call(t, fd, name, emit, ctx);
  return 1;
}

/* Descriptors in an array (pipe's pipefd). */
static int on_element(const ospy_value *v, void *data)
{
  walk *w = data;
  if (v->depth > 0 && v->kind == OSPY_VALUE_INT && v->type_kind == OSPY_KIND_FD && w->nfds < 4)
    w->fds[w->nfds++] = (int32_t)v->u;
  return 0;
}

/* pipe, pipe2: the two ends are new descriptors, named for what they are. */
static void name_pipe(ospy_fdtrack *t, const ospy_event_call *c, const ospy_spec_fn *fn,
                      ospy_fdtrack_emit emit, void *ctx)
{
  const uint8_t *leave = (const uint8_t *)(c + 1) + (size_t)c->nbt * 8 + c->enter_len;
  walk w = { .nfds = 0 };
  ospy_value_visitor vis = { on_element, NULL };
  if (c->leave_len == 0 || ospy_values_decode(fn, leave, c->leave_len, &vis, &w, NULL, 0) < 0)
    return;
  for (unsigned i = 0; i < w.nfds && i < 2; i++)
    bind_returned(t, w.fds[i], i == 0 ? "pipe:[read]" : "pipe:[write]", emit, ctx);
}

const char *ospy_fdtrack_sock(const ospy_fdtrack *t, int32_t fd)
{
  const ospy_fdbinding *b = ospy_fdhist_at(&t->bindings, t->pid, fd, &t->call);
  return b ? b->sock : NULL;
}

void ospy_fdtrack_sock_said(ospy_fdtrack *t, int32_t fd, int made, const char *sock,
                            const char *name, ospy_fdtrack_emit emit, void *ctx)
{
  ospy_fdbinding *b = made ? NULL : ospy_fdhist_at(&t->bindings, t->pid, fd, &t->call);
  if (!b) /* a new socket, or one whose making the capture did not see: known from here */
    b = ospy_fdhist_bind(&t->bindings, t->pid, fd, made ? t->call.leave : t->call.enter, NULL);
  if (b && ospy_fdbinding_set_sock(b, sock) == 0)
    (void)ospy_fdbinding_set_name(b, name);
  show_for_call(t, fd, name, emit, ctx);
}

/* The spec of a call's hook, when its calls are decoded; NULL otherwise. */
static const ospy_spec_fn *spec_of(const ospy_fdtrack *t, const ospy_event_call *c)
{
  if (c->h.flags & OSPY_CALL_F_RAW) /* (first: this runs twice for every call drained) */
    return NULL;
  const ospy_plan_hook *hk = t->plan ? ospy_plan_hook_at(t->plan, c->hook) : NULL;
  if (!hk || hk->spec_index == OSPY_PLAN_NO_SPEC || hk->spec_index >= t->nfns)
    return NULL;
  return ospy_spec_table_fn(t->specs, hk->spec_index);
}

/* The record being handled: whose, when (the agent's clock) and the wall time
   of the FdName records it brings. */
static void begin_record(ospy_fdtrack *t, const ospy_event_hdr *rec, uint64_t enter,
                         uint64_t leave, const ospy_fdtrack_times *times)
{
  t->pid = rec->pid;
  t->ts = rec->ts;
  t->call = (ospy_fdcall){ times ? times->enter : enter, times ? times->leave : leave, rec->tid };
}

/* A call's spec and role, looked up once for before_call and after_call (its
   record is handled by both, one after the other): ROLE_NONE without a spec. */
static int role_of(ospy_fdtrack *t, const ospy_event_call *c, const ospy_spec_fn **fn)
{
  if (t->looked_up != c) {
    t->fn = spec_of(t, c);
    t->role = t->fn ? fn_role(t, ospy_plan_hook_at(t->plan, c->hook)->spec_index, t->fn)
                    : ROLE_NONE;
    t->looked_up = c;
  }
  *fn = t->fn;
  return t->role;
}

static void before_call(ospy_fdtrack *t, const ospy_event_call *c,
                        const ospy_fdtrack_times *times, ospy_fdtrack_emit emit, void *ctx)
{
  t->nshown = 0;
  t->looked_up = NULL; /* (a new record, perhaps in the same buffer as the last) */
  const ospy_spec_fn *fn;
  int role = role_of(t, c, &fn);
  if (c->hook < t->nhooks && !(c->h.flags & OSPY_CALL_F_RAW)) /* (the role is the hook's) */
    t->hook_quiet[c->hook] = role == ROLE_NONE ? 1 : 2;
  if (role == ROLE_NONE || role == ROLE_CLOSEFROM || role == ROLE_CLOSE_RANGE)
    return;
  begin_record(t, &c->h, c->h.ts, c->ts_leave, times);
  int returned = !(c->h.flags & OSPY_CALL_F_NO_RETURN);
  int returns_fd = fn->has_ret && kind_of(t, &fn->ret) == OSPY_KIND_FD;
  int makes = returned && role != ROLE_SOCKET &&
              (returns_fd || role == ROLE_DUP || role == ROLE_FCNTL);
  walk w;
  if ((makes || t->call.enter <= t->bindings.latest) && read_enter(c, fn, &w) == 0)
    name_arguments(t, &w, emit, ctx);
  else /* (values that do not decode: nothing known, a returned descriptor has no name) */
    w = (walk){ .nfds = 0, .arg0 = -1, .arg1 = -1 };
  if (!returned)
    return;
  if (role == ROLE_SOCKET) {
    ospy_socknames_on_call(t, c, fn, emit, ctx);
    return;
  }
  if (role == ROLE_PIPE) {
    if (c->retval == 0)
      name_pipe(t, c, fn, emit, ctx);
    return;
  }
  if (!makes)
    return;
  if ((role == ROLE_DUP || role == ROLE_FCNTL) && name_duplicate(t, c, &w, role == ROLE_FCNTL,
                                                                 emit, ctx))
    return;
  if (returns_fd)
    name_returned(t, c, &w, emit, ctx);
}

typedef struct closing {
  ospy_fdtrack *t;
  ospy_fdtrack_emit emit;
  void *ctx;
} closing;

/* (pid, fd) was closed by the call being handled: its binding then ends,
   and the capture is told what the number refers to now (nothing, unless
   another thread's open took it meanwhile). */
static void close_one(int32_t fd, void *data)
{
  closing *k = data;
  ospy_fdhist_close(&k->t->bindings, k->t->pid, fd, &k->t->call);
  tell(k->t, k->t->pid, fd, newest_name(k->t, k->t->pid, fd), k->emit, k->ctx);
}

/* A successful close(fd), closefrom, close_range: the binding the call
   referred to ends. */
static void after_close(ospy_fdtrack *t, const ospy_event_call *c, const ospy_spec_fn *fn,
                        int role, ospy_fdtrack_emit emit, void *ctx)
{
  walk w;
  if (read_enter(c, fn, &w) < 0)
    return;
  closing k = { t, emit, ctx };
  if ((role == ROLE_CLOSEFROM || role == ROLE_CLOSE_RANGE) && w.arg0 < 0)
    return;
  if (role == ROLE_CLOSEFROM)
    ospy_fdhist_each(&t->bindings, t->pid, (uint32_t)w.arg0, INT32_MAX, close_one, &k);
  else if (role == ROLE_CLOSE_RANGE && !(w.flags & 4)) /* (CLOSE_RANGE_CLOEXEC: at exec, not now) */
    ospy_fdhist_each(&t->bindings, t->pid, (uint32_t)w.arg0, (uint32_t)w.arg1, close_one, &k);
  else if (role == ROLE_CLOSE && w.nfds == 1)
    close_one(w.fds[0], &k);
}

static void after_call(ospy_fdtrack *t, const ospy_event_call *c, const ospy_fdtrack_times *times,
                       ospy_fdtrack_emit emit, void *ctx)
{
  const ospy_spec_fn *fn;
  int role = role_of(t, c, &fn);
  t->looked_up = NULL;
  if (!fn || (role == ROLE_NONE && !t->nshown))
    return; /* (no descriptor in it: nothing to do, for most calls) */
  begin_record(t, &c->h, c->h.ts, c->ts_leave, times);
  t->ts = c->ts_leave ? c->ts_leave : c->h.ts; /* (after the call) */
  if ((role == ROLE_CLOSE || role == ROLE_CLOSEFROM || role == ROLE_CLOSE_RANGE) &&
      (uint32_t)c->retval == 0 && !(c->h.flags & OSPY_CALL_F_NO_RETURN))
    after_close(t, c, fn, role, emit, ctx);
  tell_shown_as_now(t, emit, ctx);
}

/* The agent saw a close (any, the C library's own included): the binding it
   referred to ends. */
static void on_fd_closed(ospy_fdtrack *t, const ospy_event_fd_closed *r,
                         const ospy_fdtrack_times *times, ospy_fdtrack_emit emit, void *ctx)
{
  begin_record(t, &r->h, r->ts_enter ? r->ts_enter : r->h.ts, r->h.ts, times);
  closing k = { t, emit, ctx };
  close_one(r->fd, &k);
}

/* The descriptors a process starts with: stdin, stdout and stderr (spawn,
   fork, exec), or all of them when ospy attaches to a running process. */
static void snapshot(ospy_fdtrack *t, const ospy_event_hdr *rec, ospy_fdtrack_emit emit, void *ctx)
{
  char name[4097];
  int last = t->snapshot_all ? 4095 : 2;
  /* a process whose main thread ended (pthread_exit) shows its descriptors
   * through a live thread's /proc/TID/fd only */
  uint32_t via = (uint32_t)ospy_proc_live_task((pid_t)rec->pid);
  t->pid = rec->pid;
  t->ts = rec->ts;
  for (int fd = 0; fd <= last; fd++) {
    /* the spawned program starts with the controller's stdio: exact, unlike
       /proc of a program that may have moved on by the time this is drained */
    int own = fd <= 2 && rec->pid == t->stdio_of_controller;
    if (own && (t->stdio_closed & (1u << fd)))
      continue; /* (closed for the program: no name) */
    if (resolve(own ? 0 : via, fd, name, sizeof name) == 0) {
      /* (bound since the process began: its calls all come after) */
      (void)ospy_fdhist_bind(&t->bindings, rec->pid, fd, 0, name);
      tell(t, rec->pid, fd, name, emit, ctx);
    }
  }
}

typedef struct inheriting {
  ospy_fdtrack *t;
  uint32_t child;
  ospy_fdtrack_emit emit;
  void *ctx;
} inheriting;

static void tell_inherited(int32_t fd, const ospy_fdbinding *b, void *data)
{
  inheriting *k = data;
  tell(k->t, k->child, fd, b->name, k->emit, k->ctx);
}

/* A forked child (its ProcessStart flagged FORKED, stamped with the fork):
 * its descriptors are a copy of its parent's as they were at the fork,
 * known from the parent's calls drained so far, not from /proc (by the time
 * this is drained the child may have dup2'd over its stdout, and the parent
 * closed what it handed over). 0, or -1 when the parent is not known here
 * (no descriptor of its has a history). */
static int inherit(ospy_fdtrack *t, const ospy_event_process_start *s,
                   const ospy_fdtrack_times *times, ospy_fdtrack_emit emit, void *ctx)
{
  if (!(s->h.flags & OSPY_START_F_FORKED) || s->ppid == s->h.pid)
    return -1;
  t->pid = s->h.pid;
  t->ts = s->h.ts;
  inheriting k = { t, s->h.pid, emit, ctx };
  uint64_t at = times ? times->enter : s->h.ts;
  return ospy_fdhist_inherit(&t->bindings, s->ppid, s->h.pid, at, tell_inherited, &k) > 0 ? 0
                                                                                         : -1;
}

void ospy_fdtrack_before(ospy_fdtrack *t, const ospy_event_hdr *rec,
                         const ospy_fdtrack_times *times, ospy_fdtrack_emit emit, void *ctx)
{
  if (rec->type == OSPY_EV_CALL)
    before_call(t, (const ospy_event_call *)rec, times, emit, ctx);
  else if (rec->type == OSPY_EV_FD_CLOSED && rec->size >= sizeof(ospy_event_fd_closed))
    on_fd_closed(t, (const ospy_event_fd_closed *)rec, times, emit, ctx);
  else if (rec->type == OSPY_EV_PROCESS_START || rec->type == OSPY_EV_PROCESS_EXIT) {
    ospy_fdnames_forget_pid(&t->known, rec->pid); /* exec closes CLOEXEC descriptors */
    ospy_fdhist_forget_pid(&t->bindings, rec->pid);
  }
}

void ospy_fdtrack_after(ospy_fdtrack *t, const ospy_event_hdr *rec,
                        const ospy_fdtrack_times *times, ospy_fdtrack_emit emit, void *ctx)
{
  if (rec->type == OSPY_EV_CALL)
    after_call(t, (const ospy_event_call *)rec, times, emit, ctx);
  else if (rec->type == OSPY_EV_PROCESS_START &&
           (rec->size < sizeof(ospy_event_process_start) ||
            inherit(t, (const ospy_event_process_start *)rec, times, emit, ctx) < 0))
    snapshot(t, rec, emit, ctx);
}
