/* Capture records to export events. The record was validated by the capture
 * reader (sizes and lengths lie inside it), so the variable parts are read
 * directly. */
#include "export/from_capture.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture/array_grow.h"
#include "capture/fdnames.h"
#include "capture/format.h"
#include "capture/procmap.h"
#include "export/arena.h"
#include "export/text.h"
#include "plan/values.h"

typedef struct xc_process {
  uint32_t pid;
  char *name;
} xc_process;

struct ospy_from_capture {
  const ospy_plan *plan;
  char *default_process;
  ospy_xvalues_decode_fn decode;
  ospy_xshape_fn shape;
  void *decode_data;
  ospy_xoutcome_fn outcome;
  void *outcome_data;
  uint64_t next_id;
  uint64_t decode_failures;
  char decode_error[320];
  ospy_arena arena; /* one event's data */
  xc_process *procs;
  size_t nprocs, capprocs;
  ospy_procmap *modules; /* module file names (base names) by process */
  ospy_fdnames fdnames;  /* what each descriptor refers to (FdName records) */
  ospy_format_opts follow; /* keeps fdnames up to date, as show does */
};

const char *ospy_from_capture_fd_name(const ospy_from_capture *a, uint32_t pid, int64_t fd)
{
  ospy_fdnames_of of = { &a->fdnames, pid };
  return ospy_fdnames_namer(&of, fd);
}

static const char *afmt(ospy_from_capture *a, const char *fmt, ...)
  __attribute__((format(printf, 2, 3)));

static const char *afmt(ospy_from_capture *a, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  char *s = n >= 0 ? ospy_arena_alloc(&a->arena, (size_t)n + 1) : NULL;
  if (!s)
    return NULL;
  va_start(ap, fmt);
  vsnprintf(s, (size_t)n + 1, fmt, ap);
  va_end(ap);
  return s;
}

/* Bytes that are not NUL-terminated, as an arena string (NULs -> sep). */
static char *astr(ospy_from_capture *a, const void *p, size_t n, char sep)
{
  char *s = ospy_arena_alloc(&a->arena, n + 1);
  if (!s)
    return NULL;
  memcpy(s, p, n);
  for (size_t i = 0; i < n; i++)
    if (!s[i])
      s[i] = sep;
  while (n && s[n - 1] == sep) /* argv's trailing NUL */
    s[--n] = '\0';
  return s;
}

static const char *base_name(const char *path)
{
  const char *slash = strrchr(path, '/');
  return slash ? slash + 1 : path;
}

ospy_from_capture *ospy_from_capture_new(const ospy_plan *plan, const char *default_process)
{
  ospy_from_capture *a = calloc(1, sizeof *a);
  if (!a)
    return NULL;
  a->plan = plan;
  a->default_process = strdup(default_process ? default_process : "");
  if (!a->default_process) {
    free(a);
    return NULL;
  }
  if (!(a->modules = ospy_procmap_new())) {
    free(a->default_process);
    free(a);
    return NULL;
  }
  a->next_id = 1;
  ospy_arena_init(&a->arena, 0);
  ospy_fdnames_init(&a->fdnames);
  a->follow.fdnames = &a->fdnames;
  return a;
}

void ospy_from_capture_set_decoder(ospy_from_capture *a, ospy_xvalues_decode_fn fn,
                                   ospy_xshape_fn shape, void *data)
{
  a->decode = fn;
  a->shape = shape;
  a->decode_data = data;
}

void ospy_from_capture_set_outcome(ospy_from_capture *a, ospy_xoutcome_fn fn, void *data)
{
  a->outcome = fn;
  a->outcome_data = data;
}

uint64_t ospy_from_capture_decode_failures(const ospy_from_capture *a, const char **first)
{
  *first = a->decode_error;
  return a->decode_failures;
}

void ospy_from_capture_free(ospy_from_capture *a)
{
  if (!a)
    return;
  for (size_t i = 0; i < a->nprocs; i++)
    free(a->procs[i].name);
  free(a->procs);
  ospy_procmap_free(a->modules, free);
  ospy_fdnames_free(&a->fdnames);
  free(a->default_process);
  ospy_arena_free(&a->arena);
  free(a);
}

/* ---- processes and modules seen so far ---- */

static const char *process_name(ospy_from_capture *a, uint32_t pid)
{
  if (!pid)
    return "ospy"; /* the controller's own notes, before any process */
  for (size_t i = a->nprocs; i-- > 0;)
    if (a->procs[i].pid == pid)
      return a->procs[i].name;
  return a->default_process;
}

static int add_process(ospy_from_capture *a, uint32_t pid, const char *exe)
{
  char *name = strdup(base_name(exe));
  if (!name || ospy_array_grow((void **)&a->procs, &a->capprocs, a->nprocs, sizeof *a->procs) < 0) {
    free(name);
    return -1;
  }
  a->procs[a->nprocs++] = (xc_process){ pid, name };
  return 0;
}

static int add_module(ospy_from_capture *a, const ospy_event_module *m, const char *path)
{
  const char *bn = base_name(path);
  char *mod = strdup(bn); /* what backtraces name it by: its file name */
  if (!mod)
    return -1;
  if (ospy_procmap_module_load(a->modules, m->h.pid, m->base, m->size, ospy_event_module_bias(m),
                               path, strlen(path), mod) < 0) {
    free(mod);
    return -1;
  }
  return 0;
}

/* A return address as oSpy wrote it, with its module's file name (NULL: no
 * module, the address as it is): the module's preferred address plus the
 * offset from where it was loaded, i.e. the address less the load bias (an
 * offset for a PIE or a library, linked at 0; the address itself for an
 * ET_EXEC executable, loaded where it was linked). A forked child's addresses
 * are in its parent's modules (procmap.h). */
static uint64_t canonical_frame(ospy_from_capture *a, uint32_t pid, uint64_t addr,
                                const char **module)
{
  const ospy_procmap_module *m = ospy_procmap_find(a->modules, pid, addr);
  *module = m ? m->data : NULL;
  return m ? addr - m->bias : addr;
}

/* ---- function calls ---- */

/* v in decimal (with a '-' when negative) or in hex, as a string in the arena. */
static const char *anum(ospy_from_capture *a, uint64_t v, int hex, int negative)
{
  char b[OSPY_TEXT_DIGITS_MAX + 2];
  size_t n = ospy_text_digits(b + sizeof b - 1, v, hex);
  b[sizeof b - 1] = 0;
  if (negative)
    b[sizeof b - 2 - n++] = '-';
  char *s = ospy_arena_alloc(&a->arena, n + 1);
  if (s)
    memcpy(s, b + sizeof b - 1 - n, n + 1);
  return s;
}

/* oSpy showed raw words in hex when they looked like addresses. */
static const char *raw_text(ospy_from_capture *a, uint64_t v)
{
  return anum(a, v, v > 0xffff, 0);
}

/* arg0..: as `show` prints them and --filter names them (the XML writes
 * arg1..: OSPY_XVALUE_RAW_WORD) */
static const char *arg_name(ospy_from_capture *a, size_t i)
{
  static const char *const names[] = { "arg0", "arg1", "arg2", "arg3", "arg4", "arg5",
                                       "arg6", "arg7", "arg8", "arg9", "arg10", "arg11" };
  return i < sizeof names / sizeof *names ? names[i] : afmt(a, "arg%zu", i);
}

static int raw_args(ospy_from_capture *a, const ospy_event_call *c, const uint8_t *enter,
                    ospy_xevent *ev)
{
  size_t n = c->enter_len / 8;
  ospy_xvalue *args = ospy_arena_alloc(&a->arena, (n ? n : 1) * sizeof *args);
  if (!args)
    return -1;
  for (size_t i = 0; i < n; i++) {
    uint64_t w;
    memcpy(&w, enter + i * 8, 8);
    args[i].name = arg_name(a, i);
    args[i].type = c->arch_bits == 32 ? "UInt32" : "UInt64";
    args[i].text = raw_text(a, c->arch_bits == 32 ? (uint32_t)w : w);
    args[i].flags = OSPY_XVALUE_RAW_WORD;
    if (!args[i].name || !args[i].text)
      return -1;
  }
  ev->args_in = args;
  ev->nargs_in = n;
  return 0;
}

/* No decoded return value: the raw register, as `show` writes it (signed,
 * in hex when it could be an address: ospy_format_raw_return). */
static const ospy_xvalue *raw_retval(ospy_from_capture *a, const ospy_event_call *c)
{
  ospy_xvalue *r = ospy_arena_alloc(&a->arena, sizeof *r);
  if (!r)
    return NULL;
  char text[OSPY_RAW_RETURN_TEXT_MAX];
  ospy_format_raw_return(text, c->retval, c->arch_bits);
  r->type = c->arch_bits == 32 ? "Int32" : "Int64";
  r->text = afmt(a, "%s", text);
  return r->text ? r : NULL;
}

static int undecoded(ospy_from_capture *a, const uint8_t *blob, size_t len,
                     const ospy_xvalue **out, size_t *n)
{
  ospy_xvalue *v = ospy_arena_alloc(&a->arena, sizeof *v);
  if (!v)
    return -1;
  *v = (ospy_xvalue){ .name = "(values)", .type = "ByteArray", .subtype = "ospy.values",
                      .bytes = blob, .nbytes = len };
  *out = v;
  *n = 1;
  return 0;
}

/* Decodes one blob through the decoder, or exports it undecoded. */
static int spec_values(ospy_from_capture *a, const ospy_event_call *c, int leave,
                       const uint8_t *blob, size_t len, const ospy_xvalue **out,
                       size_t *n, const ospy_xvalue **ret, char *err, size_t errcap)
{
  if (!a->decode)
    return undecoded(a, blob, len, out, n);
  ospy_xbuilder b;
  ospy_xb_init(&b, &a->arena);
  ospy_fdnames_of fds = { &a->fdnames, c->h.pid };
  b.fd_name = ospy_fdnames_namer;
  b.fd_ctx = &fds;
  char why[256];
  if (a->decode(a->decode_data, a->plan, c->hook, leave, blob, len, &b, why, sizeof why) < 0 ||
      ospy_xb_finish(&b, out, n, ret) < 0) {
    /* a blob that does not match its spec: keep its bytes, say so once */
    if (!a->decode_failures++)
      snprintf(a->decode_error, sizeof a->decode_error, "call #%" PRIu64 ": %s", c->seq,
               b.failed ? "out of memory or unbalanced value tree" : why);
    *ret = NULL;
    return undecoded(a, blob, len, out, n);
  }
  (void)err, (void)errcap;
  return 0;
}

/* oSpy's names are module::function, and its loader takes the part after
 * the first "::" as the function: a name whose module is not known (a
 * capture made before bare -f names were shown with their module, a hook
 * without a display name) is "::function", never a bare "function". */
static const char *call_name(ospy_from_capture *a, uint32_t hook)
{
  const ospy_plan_hook *h = a->plan && hook < ospy_plan_hook_count(a->plan)
                              ? ospy_plan_hook_at(a->plan, hook) : NULL;
  if (!h || !h->display || !h->display[0])
    return afmt(a, "::hook#%" PRIu32, hook);
  /* (where the file name the agent or the controller put before it ends:
   * a file name may hold a '!', "a!b") */
  const char *bang = h->function_at ? h->display + h->function_at - 1 : strchr(h->display, '!');
  if (!bang)
    return afmt(a, "::%s", h->display);
  return afmt(a, "%.*s::%s", (int)(bang - h->display), h->display, bang + 1);
}

static int call_backtrace(ospy_from_capture *a, const ospy_event_call *c, ospy_xevent *ev)
{
  const uint8_t *p = (const uint8_t *)(c + 1);
  ospy_xframe *fr = ospy_arena_alloc(&a->arena, (c->nbt ? c->nbt : 1) * sizeof *fr);
  if (!fr)
    return -1;
  for (uint16_t i = 0; i < c->nbt; i++) {
    uint64_t addr;
    memcpy(&addr, p + (size_t)i * 8, 8);
    fr[i].addr = canonical_frame(a, c->h.pid, addr, &fr[i].module);
    /* the caller (frame 0) is the return address itself; the flag is about
     * the frames above it, as show --backtrace marks them */
    fr[i].scanned = i > 0 && (c->h.flags & OSPY_CALL_F_BT_SCANNED);
  }
  ev->backtrace = fr;
  ev->nframes = c->nbt;
  return 0;
}

static const ospy_xvalue *find_arg(const ospy_xvalue *v, size_t n, const char *name)
{
  for (size_t i = 0; i < n; i++)
    if (v[i].name && !strcmp(v[i].name, name))
      return &v[i];
  return NULL;
}

/* Values the decoder gave that the shape does not name (none, unless the
 * spec changed shape): kept, after the shaped ones. */
static size_t add_unshaped(const ospy_xshape *sh, const ospy_xvalue *v, size_t n,
                           ospy_xvalue *out, size_t k)
{
  for (size_t i = 0; i < n; i++) {
    size_t j = 0;
    while (j < sh->nargs && !(v[i].name && !strcmp(v[i].name, sh->names[j])))
      j++;
    if (j == sh->nargs)
      out[k++] = v[i];
  }
  return k;
}

/* The shape's arguments in list order: the parameters in order, then the
 * computed arguments (value="EXPR") in order. */
static void shape_order(const ospy_xshape *sh, uint8_t *order)
{
  size_t k = 0;
  for (int computed = 0; computed < 2; computed++)
    for (size_t i = 0; i < sh->nargs; i++)
      if (!(sh->dirs[i] & OSPY_XSHAPE_COMPUTED) == !computed)
        order[k++] = (uint8_t)i;
}

/* The in list as oSpy wrote it: every parameter in order; an out-only one
 * as the address its out value was written at; then the computed in
 * arguments (an out-only computed one is no parameter: not there). */
static int shape_in(ospy_from_capture *a, const ospy_xshape *sh, ospy_xevent *ev)
{
  ospy_xvalue *v = ospy_arena_alloc(&a->arena, (sh->nargs + ev->nargs_in + 1) * sizeof *v);
  if (!v)
    return -1;
  size_t k = 0;
  uint8_t order[OSPY_XSHAPE_MAX_ARGS];
  shape_order(sh, order);
  for (size_t n = 0; n < sh->nargs; n++) {
    size_t i = order[n];
    if (!(sh->dirs[i] & (OSPY_XSHAPE_IN | OSPY_XSHAPE_OUT)))
      continue; /* (a parameter of neither direction) */
    if ((sh->dirs[i] & OSPY_XSHAPE_COMPUTED) && !(sh->dirs[i] & OSPY_XSHAPE_IN))
      continue;
    int in = sh->dirs[i] & OSPY_XSHAPE_IN;
    const ospy_xvalue *f = find_arg(in ? ev->args_in : ev->args_out,
                                    in ? ev->nargs_in : ev->nargs_out, sh->names[i]);
    v[k] = (ospy_xvalue){ .name = sh->names[i], .type = "" }; /* not recorded */
    if (f && in)
      v[k] = *f;
    else if (f && ospy_xvalue_is_pointer(f))
      v[k] = (ospy_xvalue){ .name = f->name, .type = f->type, .text = f->text };
    k++;
  }
  ev->nargs_in = add_unshaped(sh, ev->args_in, ev->nargs_in, v, k);
  ev->args_in = v;
  return 0;
}

/* An out parameter not recorded at return: the address an in/out one had at
 * entry, a Pointer without pointee as oSpy wrote a parameter it did not log
 * deep; else no value. (An out pointer whose logCondition did not hold is
 * recorded as its address, OSPY_VB_NOT_LOGGED, which the decoder gives as
 * that Pointer: this is for captures of agents that recorded nothing of it,
 * and for scalars, of which nothing is recorded.) */
static ospy_xvalue unrecorded_out(const ospy_xevent *ev, const char *name, int in)
{
  const ospy_xvalue *f = in ? find_arg(ev->args_in, ev->nargs_in, name) : NULL;
  if (f && ospy_xvalue_is_pointer(f))
    return (ospy_xvalue){ .name = name, .type = f->type, .text = f->text };
  return (ospy_xvalue){ .name = name, .type = "" };
}

/* The out list: every out parameter, recorded or not, then the computed
 * out arguments. */
static int shape_out(ospy_from_capture *a, const ospy_xshape *sh, ospy_xevent *ev)
{
  ospy_xvalue *v = ospy_arena_alloc(&a->arena, (sh->nargs + ev->nargs_out + 1) * sizeof *v);
  if (!v)
    return -1;
  size_t k = 0;
  uint8_t order[OSPY_XSHAPE_MAX_ARGS];
  shape_order(sh, order);
  for (size_t n = 0; n < sh->nargs; n++) {
    size_t i = order[n];
    if (!(sh->dirs[i] & OSPY_XSHAPE_OUT))
      continue;
    const ospy_xvalue *f = find_arg(ev->args_out, ev->nargs_out, sh->names[i]);
    v[k++] = f ? *f : unrecorded_out(ev, sh->names[i], sh->dirs[i] & OSPY_XSHAPE_IN);
  }
  ev->nargs_out = add_unshaped(sh, ev->args_out, ev->nargs_out, v, k);
  ev->args_out = v;
  ev->has_args_out = ev->nargs_out > 0;
  return 0;
}

static int undecoded_list(const ospy_xvalue *v, size_t n)
{
  return n == 1 && v[0].name && !strcmp(v[0].name, "(values)");
}

/* 1: the call's values follow its spec's shape; 0: no spec shape (raw or
 * undecoded values stay as they are); -1: out of memory. */
static int apply_shape(ospy_from_capture *a, const ospy_event_call *c, int returned,
                       ospy_xevent *ev, int *has_ret)
{
  ospy_xshape sh;
  if (!a->shape || a->shape(a->decode_data, a->plan, c->hook, &sh) < 0 ||
      undecoded_list(ev->args_in, ev->nargs_in) || undecoded_list(ev->args_out, ev->nargs_out))
    return 0;
  *has_ret = sh.has_ret;
  if ((returned && shape_out(a, &sh, ev) < 0) || shape_in(a, &sh, ev) < 0)
    return -1;
  return 1;
}

static int convert_call(ospy_from_capture *a, const ospy_event_call *c, ospy_xevent *ev,
                        char *err, size_t errcap)
{
  const uint8_t *enter = (const uint8_t *)(c + 1) + (size_t)c->nbt * 8;
  const uint8_t *leave = enter + c->enter_len;
  int returned = !(c->h.flags & OSPY_CALL_F_NO_RETURN);
  ev->type = OSPY_XEV_FUNCTION_CALL;
  ev->unfinished = !returned;
  ev->duration_ns = returned && c->ts_leave > c->h.ts ? c->ts_leave - c->h.ts : 0;
  ev->return_address = c->ret_addr;
  if (!(ev->name = call_name(a, c->hook)) || call_backtrace(a, c, ev) < 0)
    goto oom;
  ev->has_args_in = true;
  const ospy_xvalue *ret = NULL, *unused;
  ev->raw_words = (c->h.flags & OSPY_CALL_F_RAW) != 0;
  if (c->h.flags & OSPY_CALL_F_RAW) {
    if (raw_args(a, c, enter, ev) < 0)
      goto oom;
  } else {
    if (spec_values(a, c, 0, enter, c->enter_len, &ev->args_in, &ev->nargs_in, &unused,
                    err, errcap) < 0)
      return -1;
    if (returned && c->leave_len &&
        spec_values(a, c, 1, leave, c->leave_len, &ev->args_out, &ev->nargs_out, &ret,
                    err, errcap) < 0)
      return -1;
    ev->has_args_out = ev->nargs_out > 0; /* as oSpy: only when there are out values */
  }
  int has_ret = 1;
  if (apply_shape(a, c, returned, ev, &has_ret) < 0)
    goto oom;
  if (returned) {
    if (has_ret && !ret && !(ret = raw_retval(a, c)))
      goto oom;
    ev->retval = has_ret ? ret : NULL;
    ev->has_last_error = true;
    ev->last_error = c->err;
    if (ev->raw_words)
      ev->outcome = (uint8_t)ospy_call_outcome(NULL, NULL, c);
    else if (a->outcome)
      ev->outcome = (uint8_t)a->outcome(a->outcome_data, a->plan, c);
  }
  return 0;
oom:
  snprintf(err, errcap, "out of memory converting call #%" PRIu64, c->seq);
  return -1;
}

/* ---- the other records ---- */

static const char *message_text(ospy_from_capture *a, const ospy_event_message *m)
{
  const char *text = astr(a, m + 1, m->text_len, '\0');
  if (!text || m->hook == UINT32_MAX)
    return text;
  const char *name = call_name(a, m->hook);
  return name ? afmt(a, "[%s] %s", name, text) : NULL;
}

static const char *exit_text(ospy_from_capture *a, const ospy_event_process_exit *x)
{
  char sig[OSPY_SIGNAL_TEXT_MAX];
  switch (x->how) {
  case OSPY_EXIT_CODE: return afmt(a, "exited with status %" PRId32, x->status);
  case OSPY_EXIT_SIGNAL: return afmt(a, "killed by %s", ospy_signal_text(x->status, sig));
  case OSPY_EXIT_DETACHED: return "detached";
  default: return afmt(a, "ended (how %" PRIu32 ", status %" PRId32 ")", x->how, x->status);
  }
}

/* A command line quoted as `ospy show` prints it, so that its words can be
 * told apart (sh -c 'cat /etc/hostname >/dev/null; exec /bin/true'). */
static const char *argv_text(ospy_from_capture *a, const char *argv, size_t n)
{
  size_t len = ospy_argv_text(argv, n, NULL, 0);
  char *text = ospy_arena_alloc(&a->arena, len + 1);
  if (text)
    ospy_argv_text(argv, n, text, len + 1);
  return text;
}

static const char *process_start(ospy_from_capture *a, const ospy_event_process_start *s)
{
  const char *cmd = (const char *)(s + 1);
  const char *exe = astr(a, cmd + s->cmd_len, s->exe_len, '\0');
  const char *line = astr(a, cmd, s->cmd_len, ' ');
  if (!exe || !line || add_process(a, s->h.pid, exe[0] ? exe : line) < 0 ||
      ospy_procmap_process_start(a->modules, s->h.pid, s->ppid, exe, strlen(exe)) < 0)
    return NULL;
  return argv_text(a, cmd, s->cmd_len);
}

static const char *module_event(ospy_from_capture *a, const ospy_event_module *m)
{
  const char *path = astr(a, m + 1, m->path_len, '\0');
  if (!path)
    return NULL;
  if (m->h.type == OSPY_EV_MODULE_UNLOAD)
    free(ospy_procmap_module_unload(a->modules, m->h.pid, m->base));
  else if (add_module(a, m, path) < 0)
    return NULL;
  return afmt(a, "%s at 0x%" PRIx64, path, m->base);
}

static const char *other_message(ospy_from_capture *a, const ospy_event_hdr *rec)
{
  switch (rec->type) {
  case OSPY_EV_ERROR:
  case OSPY_EV_WARNING:
  case OSPY_EV_INFO:
    return message_text(a, (const ospy_event_message *)rec);
  case OSPY_EV_PROCESS_START:
    return process_start(a, (const ospy_event_process_start *)rec);
  case OSPY_EV_PROCESS_EXIT:
    return exit_text(a, (const ospy_event_process_exit *)rec);
  case OSPY_EV_MODULE_LOAD:
  case OSPY_EV_MODULE_UNLOAD:
    return module_event(a, (const ospy_event_module *)rec);
  case OSPY_EV_LOST:
    return afmt(a, "%" PRIu64 " events lost", ((const ospy_event_lost *)rec)->count);
  default:
    return NULL;
  }
}

static const ospy_xevent_type type_map[OSPY_EV_TYPE_MAX + 1] = {
  [OSPY_EV_CALL] = OSPY_XEV_FUNCTION_CALL,
  [OSPY_EV_MODULE_LOAD] = OSPY_XEV_MODULE_LOAD,
  [OSPY_EV_MODULE_UNLOAD] = OSPY_XEV_MODULE_UNLOAD,
  [OSPY_EV_ERROR] = OSPY_XEV_ERROR,
  [OSPY_EV_WARNING] = OSPY_XEV_WARNING,
  [OSPY_EV_INFO] = OSPY_XEV_INFO,
  [OSPY_EV_PROCESS_START] = OSPY_XEV_PROCESS_START,
  [OSPY_EV_PROCESS_EXIT] = OSPY_XEV_PROCESS_EXIT,
  [OSPY_EV_LOST] = OSPY_XEV_LOST,
};

/* FdName and HookName records name what later calls show: no event of
 * their own; a repeated record is a copy of one an earlier chunk had. */
static bool record_of_its_own(const ospy_event_hdr *rec)
{
  return !(rec->type == OSPY_EV_PAD || rec->type == OSPY_EV_FD_NAME ||
           rec->type == OSPY_EV_HOOK_NAME || rec->type > OSPY_EV_TYPE_MAX);
}

bool ospy_from_capture_is_event(const ospy_event_hdr *rec)
{
  return record_of_its_own(rec) && !(rec->flags & OSPY_EVENT_F_REPEATED);
}

int ospy_from_capture_follow(ospy_from_capture *a, const ospy_event_hdr *rec, char *err,
                             size_t errcap)
{
  ospy_xevent ev;
  if (rec->type != OSPY_EV_CALL || !ospy_from_capture_is_event(rec))
    return ospy_from_capture_convert(a, rec, &ev, err, errcap) < 0 ? -1 : 0;
  /* a call changes nothing later records need but the descriptor names
   * (and takes its id) */
  ospy_format_follow(rec, &a->follow);
  a->next_id++;
  return 0;
}

int ospy_from_capture_convert(ospy_from_capture *a, const ospy_event_hdr *rec,
                              ospy_xevent *ev, char *err, size_t errcap)
{
  ospy_format_follow(rec, &a->follow); /* descriptor names, as show keeps them */
  if (!record_of_its_own(rec))
    return 1;
  ospy_arena_reset(&a->arena);
  if (rec->flags & OSPY_EVENT_F_REPEATED) {
    /* a process's start or module after a lost chunk: its state (names,
     * module map), not an event again */
    if (rec->type == OSPY_EV_PROCESS_START || rec->type == OSPY_EV_MODULE_LOAD)
      (void)other_message(a, rec);
    return 1;
  }
  memset(ev, 0, sizeof *ev);
  ev->id = a->next_id++; /* record ordinal: unique across all record types */
  ev->type = type_map[rec->type];
  ev->ts_ns = (int64_t)rec->ts;
  ev->pid = rec->pid;
  ev->tid = rec->tid;
  if (rec->type == OSPY_EV_CALL) {
    if (convert_call(a, (const ospy_event_call *)rec, ev, err, errcap) < 0)
      return -1;
  } else if (!(ev->message = other_message(a, rec))) {
    snprintf(err, errcap, "out of memory converting a %s record",
             ospy_event_type_name(rec->type));
    return -1;
  }
  if (rec->type == OSPY_EV_PROCESS_START) {
    ev->attached = rec->flags & OSPY_START_F_ATTACHED;
    ev->ppid = ((const ospy_event_process_start *)rec)->ppid;
  }
  if (rec->type == OSPY_EV_LOST) {
    ev->has_lost_count = true;
    ev->lost_count = ((const ospy_event_lost *)rec)->count;
  }
  ev->process_name = process_name(a, rec->pid);
  return 0;
}
