/* Descriptor names resolved by the controller; see fdtrack.h. */
#include "capture/fdtrack.h"
#include "capture/socknames.h"
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
  ospy_fdnames_init(&t->sockets);
  t->plan = plan;
  t->specs = specs;
  t->nfns = specs ? specs->nfns : 0;
  if (t->nfns && !(t->fn_role = calloc(t->nfns, 1)))
    return -1;
  return 0;
}

void ospy_fdtrack_free(ospy_fdtrack *t)
{
  ospy_fdnames_free(&t->known);
  ospy_fdnames_free(&t->sockets);
  free(t->fn_role);
  t->fn_role = NULL;
}

static int kind_of(const ospy_fdtrack *t, const ospy_spec_typeref *r)
{
  const ospy_spec_type *ty = ospy_spec_table_type(t->specs, r->type);
  return ty ? ty->kind : 0;
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
  int role = uses ? ROLE_USES_FD : ROLE_NONE;
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
  else if (uses && !strcmp(fn->name, "fcntl"))
    role = ROLE_FCNTL;
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

/* Records and announces a name, unless the capture already says so. */
void ospy_fdtrack_name(ospy_fdtrack *t, uint32_t pid, int32_t fd, uint64_t ts, const char *name,
                       ospy_fdtrack_emit emit, void *ctx)
{
  if (ospy_fdnames_set(&t->known, pid, fd, name) > 0)
    emit_record(pid, fd, ts, name, emit, ctx);
}

/* The descriptor is now another file, or closed: readers forget its name
   (an FdName with no name, when the capture had one for it). */
static void forget_name(ospy_fdtrack *t, uint32_t pid, int32_t fd, uint64_t ts,
                        ospy_fdtrack_emit emit, void *ctx)
{
  const char *was = ospy_fdnames_get(&t->known, pid, fd);
  if (was && *was)
    emit_record(pid, fd, ts, "", emit, ctx);
  ospy_fdnames_forget(&t->known, pid, fd);
  ospy_fdnames_forget(&t->sockets, pid, fd);
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
  int32_t fds[4];
  unsigned nfds;
  int64_t arg0;        /* the first argument, an integer (closefrom's lowest descriptor) */
  int64_t arg1;        /* the second argument, an integer (fcntl's command); -1 if not */
  uint64_t flags;      /* the third argument, an integer (close_range's flags) */
  const uint8_t *path; /* first string argument (a path, for open and friends) */
  size_t path_len;
} walk;

static int on_value(const ospy_value *v, void *data)
{
  walk *w = data;
  if (v->depth != 0)
    return 0;
  if (v->kind == OSPY_VALUE_INT && v->index == 0 && v->depth == 0)
    w->arg0 = (int64_t)v->u;
  if (v->kind == OSPY_VALUE_INT && v->index == 1)
    w->arg1 = (int64_t)v->u;
  if (v->kind == OSPY_VALUE_INT && v->index == 2)
    w->flags = v->u;
  if (v->kind == OSPY_VALUE_INT && v->type_kind == OSPY_KIND_FD && v->index != OSPY_VALUE_RETVAL &&
      w->nfds < 4)
    w->fds[w->nfds++] = (int32_t)v->u;
  return 0;
}

static int on_path(const ospy_value *v, void *data)
{
  walk *w = data;
  if (v->kind == OSPY_VALUE_STRING && v->unit == 1 && v->depth <= 1 && !w->path &&
      v->nbytes && !(v->flags & (OSPY_VB_CAPPED | OSPY_VB_CUT))) {
    w->path = v->bytes;
    w->path_len = v->nbytes;
  }
  return 0;
}

/* The descriptor a call returned: named by its path argument (open, openat,
   creat: exact). Without one it is left unnamed: /proc, read when the call
   is drained milliseconds later, may already show a file that reused the
   number. (Sockets: socknames.c.) */
static void name_returned(ospy_fdtrack *t, const ospy_event_call *c, const ospy_spec_fn *fn,
                          const uint8_t *enter, ospy_fdtrack_emit emit, void *ctx)
{
  int32_t fd = (int32_t)(uint32_t)c->retval;
  if (fd < 0)
    return;
  char name[4097];
  walk w = { .nfds = 0 };
  ospy_value_visitor vis = { on_path, NULL };
  if (ospy_values_decode(fn, enter, c->enter_len, &vis, &w, NULL, 0) == 0 && w.path) {
    size_t n = w.path_len < sizeof name - 1 ? w.path_len : sizeof name - 1;
    memcpy(name, w.path, n);
    name[n] = 0;
    ospy_fdtrack_name(t, c->h.pid, fd, c->h.ts, name, emit, ctx);
    return;
  }
  forget_name(t, c->h.pid, fd, c->h.ts, emit, ctx); /* the number is reused: the old name is wrong */
}

/* dup(old), dup2(old, new), dup3(old, new, flags), fcntl(old, F_DUPFD or
   F_DUPFD_CLOEXEC, min): the returned descriptor is the same open file as
   old; it takes old's name, or none. 0 for an fcntl that copies nothing. */
static int name_duplicate(ospy_fdtrack *t, const ospy_event_call *c, const ospy_spec_fn *fn,
                          int fcntl, const uint8_t *enter, ospy_fdtrack_emit emit, void *ctx)
{
  int32_t fd = (int32_t)(uint32_t)c->retval;
  walk w = { .nfds = 0, .arg1 = -1 };
  ospy_value_visitor vis = { on_value, NULL };
  if (ospy_values_decode(fn, enter, c->enter_len, &vis, &w, NULL, 0) < 0 || !w.nfds)
    return 1;
  if (fcntl && w.arg1 != 0 && w.arg1 != 1030)
    return 0; /* fcntl, but no copy */
  if (fd < 0)
    return 1;
  const char *old = ospy_fdnames_get(&t->known, c->h.pid, w.fds[0]);
  char name[4097]; /* (a copy: setting the new name may move the old) */
  snprintf(name, sizeof name, "%s", old ? old : "");
  const char *sock = ospy_fdnames_get(&t->sockets, c->h.pid, w.fds[0]);
  char sock_copy[512];
  snprintf(sock_copy, sizeof sock_copy, "%s", sock ? sock : "");
  if (name[0])
    ospy_fdtrack_name(t, c->h.pid, fd, c->h.ts, name, emit, ctx);
  else
    forget_name(t, c->h.pid, fd, c->ts_leave, emit, ctx);
  if (sock) /* a later connect() on the copy names both */
    (void)ospy_fdnames_set(&t->sockets, c->h.pid, fd, sock_copy);
  return 1;
}

/* Forgets the names of pid's descriptors lo..hi (closefrom, close_range). */
static void forget_range(ospy_fdtrack *t, uint32_t pid, uint32_t lo, uint32_t hi, uint64_t ts,
                         ospy_fdtrack_emit emit, void *ctx)
{
  for (uint32_t i = 0; i < t->known.cap; i++) {
    const ospy_fdnames_entry *e = &t->known.slots[i];
    uint32_t fd = (uint32_t)e->key;
    if (e->state == 1 && (uint32_t)(e->key >> 32) == pid && fd >= lo && fd <= hi)
      forget_name(t, pid, (int32_t)fd, ts, emit, ctx); /* (only marks the slot deleted) */
  }
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
                      const uint8_t *enter, ospy_fdtrack_emit emit, void *ctx)
{
  walk w = { .nfds = 0 };
  ospy_value_visitor vis = { on_element, NULL };
  if (c->leave_len == 0 ||
      ospy_values_decode(fn, enter + c->enter_len, c->leave_len, &vis, &w, NULL, 0) < 0)
    return;
  for (unsigned i = 0; i < w.nfds && i < 2; i++) {
    forget_name(t, c->h.pid, w.fds[i], c->h.ts, emit, ctx);
    ospy_fdtrack_name(t, c->h.pid, w.fds[i], c->h.ts, i == 0 ? "pipe:[read]" : "pipe:[write]",
                      emit, ctx);
  }
}

static void on_call(ospy_fdtrack *t, const ospy_event_call *c, ospy_fdtrack_emit emit, void *ctx)
{
  const ospy_plan_hook *hk = t->plan ? ospy_plan_hook_at(t->plan, c->hook) : NULL;
  if (!hk || hk->spec_index == OSPY_PLAN_NO_SPEC || hk->spec_index >= t->nfns ||
      (c->h.flags & OSPY_CALL_F_RAW))
    return;
  const ospy_spec_fn *fn = ospy_spec_table_fn(t->specs, hk->spec_index);
  if (!fn || (c->h.flags & OSPY_CALL_F_NO_RETURN))
    return;
  int role = fn_role(t, hk->spec_index, fn);
  if (role == ROLE_SOCKET) {
    ospy_socknames_on_call(t, c, fn, emit, ctx);
    return;
  }
  const uint8_t *enter = (const uint8_t *)(c + 1) + (size_t)c->nbt * 8;
  if (role == ROLE_PIPE) {
    if (c->retval == 0)
      name_pipe(t, c, fn, enter, emit, ctx);
    return;
  }
  if (role != ROLE_USES_FD && role != ROLE_CLOSE && role != ROLE_DUP && role != ROLE_FCNTL)
    return;
  if ((role == ROLE_DUP || role == ROLE_FCNTL) &&
      name_duplicate(t, c, fn, role == ROLE_FCNTL, enter, emit, ctx))
    return;
  if (fn->has_ret && kind_of(t, &fn->ret) == OSPY_KIND_FD)
    name_returned(t, c, fn, enter, emit, ctx);
}

/* A successful close(fd): readers forget the name after this call, and the
   next use of the number is resolved afresh. */
static void after_call(ospy_fdtrack *t, const ospy_event_call *c, ospy_fdtrack_emit emit, void *ctx)
{
  const ospy_plan_hook *hk = t->plan ? ospy_plan_hook_at(t->plan, c->hook) : NULL;
  if (!hk || hk->spec_index == OSPY_PLAN_NO_SPEC || hk->spec_index >= t->nfns ||
      (c->h.flags & OSPY_CALL_F_RAW) || (uint32_t)c->retval != 0)
    return;
  const ospy_spec_fn *fn = ospy_spec_table_fn(t->specs, hk->spec_index);
  if (!fn)
    return;
  int role = fn_role(t, hk->spec_index, fn);
  int closefrom = role == ROLE_CLOSEFROM, range = role == ROLE_CLOSE_RANGE;
  if (!closefrom && !range && role != ROLE_CLOSE)
    return;
  const uint8_t *enter = (const uint8_t *)(c + 1) + (size_t)c->nbt * 8;
  walk w = { .nfds = 0, .arg0 = -1, .arg1 = -1 };
  ospy_value_visitor vis = { on_value, NULL };
  if (ospy_values_decode(fn, enter, c->enter_len, &vis, &w, NULL, 0) < 0)
    return;
  if ((closefrom || range) && w.arg0 < 0)
    return;
  if (closefrom)
    forget_range(t, c->h.pid, (uint32_t)w.arg0, INT32_MAX, c->ts_leave, emit, ctx);
  else if (range && !(w.flags & 4)) /* (CLOSE_RANGE_CLOEXEC: closed at exec, not now) */
    forget_range(t, c->h.pid, (uint32_t)w.arg0, (uint32_t)w.arg1, c->ts_leave, emit, ctx);
  else if (!range && w.nfds == 1)
    forget_name(t, c->h.pid, w.fds[0], c->ts_leave, emit, ctx);
}

/* The descriptors a process starts with: stdin, stdout and stderr (spawn,
   fork, exec), or all of them when ospy attaches to a running process. */
static void snapshot(ospy_fdtrack *t, const ospy_event_hdr *rec, ospy_fdtrack_emit emit, void *ctx)
{
  char name[4097];
  int last = t->snapshot_all ? 4095 : 2;
  for (int fd = 0; fd <= last; fd++) {
    /* the spawned program starts with the controller's stdio: exact, unlike
       /proc of a program that may have moved on by the time this is drained */
    int own = fd <= 2 && rec->pid == t->stdio_of_controller;
    if (resolve(own ? 0 : rec->pid, fd, name, sizeof name) == 0)
      ospy_fdtrack_name(t, rec->pid, fd, rec->ts, name, emit, ctx);
  }
}

void ospy_fdtrack_before(ospy_fdtrack *t, const ospy_event_hdr *rec, ospy_fdtrack_emit emit,
                         void *ctx)
{
  if (rec->type == OSPY_EV_CALL)
    on_call(t, (const ospy_event_call *)rec, emit, ctx);
  else if (rec->type == OSPY_EV_FD_CLOSED && rec->size >= sizeof(ospy_event_fd_closed))
    forget_name(t, rec->pid, ((const ospy_event_fd_closed *)rec)->fd, rec->ts, emit, ctx);
  else if (rec->type == OSPY_EV_PROCESS_START || rec->type == OSPY_EV_PROCESS_EXIT) {
    ospy_fdnames_forget_pid(&t->known, rec->pid); /* exec closes CLOEXEC descriptors */
    ospy_fdnames_forget_pid(&t->sockets, rec->pid);
  }
}

void ospy_fdtrack_after(ospy_fdtrack *t, const ospy_event_hdr *rec, ospy_fdtrack_emit emit,
                        void *ctx)
{
  if (rec->type == OSPY_EV_CALL)
    after_call(t, (const ospy_event_call *)rec, emit, ctx);
  else if (rec->type == OSPY_EV_PROCESS_START)
    snapshot(t, rec, emit, ctx);
}
