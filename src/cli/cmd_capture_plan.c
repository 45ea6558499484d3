/* The hook plan for `ospy capture`: configs (-c, --preset) and -f functions,
 * which take their definitions from a config or the shipped catalogue
 * (docs/catalogue.md, "Picking functions with -f"). */
#include <elf.h>
#include <errno.h>
#include <signal.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "cli/catalogue.h"
#include "cli/cmd_capture.h"
#include "cli/config_aliases.h"
#include "cli/cxx_args.h"
#include "cli/cxx_names.h"
#include "cli/func_glob.h"
#include "os/linux/inject.h"
#include "os/linux/proc_task.h"
#include "config/config.h"
#include "ospy-config.h"
#include "plan/plan.h"
#include "plan/values.h"

static int elf_class_of(const char *path);
static int find_in_path(const char *prog, char *out, size_t cap);

/* The architecture the plan is for: the program's (spawn) or the process's (-p). */
static unsigned target_bits(const ospy_capture_opts *o)
{
  char path[PATH_MAX];
  int bits = 64;
  if (o->pid > 0) {
    snprintf(path, sizeof path, "/proc/%d/exe", (int)ospy_proc_live_task(o->pid));
    bits = elf_class_of(path);
  } else if (o->argv && o->argv[0] && find_in_path(o->argv[0], path, sizeof path) == 0) {
    bits = elf_class_of(path);
  }
  return bits == 32 ? 32 : 64;
}

/* ---- the hooks: configs, then -f functions ---- */

typedef struct raw_fn {
  char *module, *symbol;
  char *display; /* NULL: module!symbol */
  size_t function_at; /* display's function part (ospy_plan_hook.function_at) */
  int from_glob; /* found by expanding a -f pattern (OSPY_HOOK_F_GLOB); 2: one the
                    catalogue defined functions for too (not OSPY_HOOK_F_NAMED) */
  int cxx_name;  /* symbol is a C++ name for the agent to look up (OSPY_HOOK_F_CXX_NAME) */
  uint32_t spec; /* a spec made from its mangled name (cxx_args.h), or OSPY_PLAN_NO_SPEC:
                    raw argument words */
} raw_fn;

typedef struct planner {
  const ospy_capture_opts *o;
  unsigned bits;
  ospy_config *merged; /* -c/--preset, then the definitions -f takes */
  size_t nconfig_hooks; /* merged->hooks[0..nconfig_hooks): from -c/--preset */
  ospy_catalogue cat;
  int cat_state; /* 0 not loaded, 1 loaded, -1 failed */
  raw_fn *raw;   /* -f functions without a definition */
  size_t nraw;
  ospy_func_files files; /* what -f patterns are expanded against */
  int files_state;       /* 0 not collected, 1 collected, -1 failed */
  ospy_capture_notes *notes;
  ospy_config_hook *extra; /* config hooks for the other functions of a C++ name (a
                              destructor's deleting form), added once all are looked up */
  size_t nextra;
  ospy_cxx_args *cxx_args; /* what decoding C++ functions' arguments read of their files */
} planner;

static void note(planner *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void note(planner *p, const char *fmt, ...)
{
  char buf[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  if (!p->o->quiet) { /* (it may name the program's files, which it named) */
    fputs("ospy: note: ", stderr);
    ospy_safe_fputs(stderr, buf, strlen(buf));
    fputc('\n', stderr);
  }
  char **m = realloc(p->notes->msgs, (p->notes->n + 1) * sizeof *m);
  if (!m)
    return;
  p->notes->msgs = m;
  if ((m[p->notes->n] = strdup(buf)))
    p->notes->n++;
}

void ospy_capture_notes_free(ospy_capture_notes *notes)
{
  for (size_t i = 0; i < notes->n; i++)
    free(notes->msgs[i]);
  free(notes->msgs);
  notes->msgs = NULL;
  notes->n = 0;
}

static int has_hook(const ospy_config *c, size_t upto, const ospy_plan_hook *h)
{
  for (size_t i = 0; i < upto; i++) {
    const ospy_plan_hook *x = &c->hooks[i].h;
    if (x->kind == h->kind && !strcmp(x->module, h->module) && !strcmp(x->symbol, h->symbol) &&
        !strcmp(x->process, h->process) && x->offset == h->offset && x->sig_len == h->sig_len &&
        (!x->sig_len || !memcmp(x->sig, h->sig, x->sig_len)))
      return 1;
  }
  return 0;
}

static int load_config(planner *p, const char *path, ospy_config **out)
{
  ospy_diag d;
  ospy_diag_init(&d);
  int rc = ospy_config_load(path, p->bits, out, &d);
  if (rc < 0 || (d.warnings && !p->o->quiet)) /* (warnings: for this target's architecture) */
    ospy_diag_print(&d, stderr);
  ospy_diag_free(&d);
  return rc;
}

static int module_file(planner *p, const char *module, char *out, size_t cap);
static int module_file_in(planner *p, const char *module, int search_dirs, char *out, size_t cap);
static int collect_files(planner *p);
static void cxx_module_ambiguous(const char *who, const char *module, const char *func);
static void note_thunks(planner *p, const char *who, const char *module,
                        const ospy_cxx_matches *m);

/* Whether the functions of cm all have one demangled name (a constructor's
 * or destructor's forms), not several (overloads). */
static int one_name(const ospy_cxx_matches *cm)
{
  for (size_t i = 1; i < cm->n; i++)
    if (strcmp(cm->demangled[i], cm->demangled[0]))
      return 0;
  return 1;
}

/* What the demangled name lacks to tell function i apart (" [deleting]"), or "". */
static const char *form_of(const ospy_cxx_matches *cm, size_t i)
{
  return cm->shown[i] + strlen(cm->demangled[i]);
}

/* The hook base for function i of cm: its mangled name, shown as base is
 * with the function's form. 0, or -1 when out of memory. */
static int cxx_function_hook(planner *p, const ospy_plan_hook *base, const ospy_cxx_matches *cm,
                             size_t i, ospy_plan_hook *out)
{
  char *display = NULL; /* (whole: a template's demangled name was cut at 1023 bytes) */
  if (asprintf(&display, "%s%s", base->display, form_of(cm, i)) < 0)
    return -1;
  *out = *base;
  out->symbol = ospy_spec_strdup(p->merged->specs, cm->mangled[i]);
  out->display = ospy_spec_strdup(p->merged->specs, display);
  free(display);
  return out->symbol && out->display ? 0 : -1;
}

/* A config hook named by a C++ name that n functions of its module's file
 * carry (cm): hooked by the mangled name of the one. Several of one name (a
 * destructor's deleting and complete forms, which nm -C prints alike; C1 and
 * C2 when the compiler made two) are each hooked, told apart by their form
 * (app!dtor [deleting]); several names (overloads) are an error that names
 * them (docs/catalogue.md: a config's name designates one function). 0, or
 * -1 when refused. */
static int take_cxx_match(planner *p, ospy_plan_hook *h, int n, const ospy_cxx_matches *cm)
{
  if (n <= 0)
    return 0;
  if (n > 1 && !one_name(cm)) {
    char list[1024] = "";
    size_t functions = 0; /* (a thunk has its function's name) */
    for (size_t i = 0; i < cm->n && strlen(list) < sizeof list - 1; i++)
      if (!cm->thunk[i])
        snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s",
                 functions++ ? ", " : "", cm->demangled[i]);
    fprintf(stderr, "ospy capture: hook %s: %zu functions have that C++ name (overloads); "
            "give its parameter list, as nm -C prints it: %s\n", h->display, functions, list);
    return -1;
  }
  const ospy_plan_hook base = *h;
  char said[1024] = "";
  size_t functions = 0;
  for (size_t i = 0; i < cm->n; i++) {
    ospy_plan_hook one;
    if (cxx_function_hook(p, &base, cm, i, &one) < 0) {
      fprintf(stderr, "ospy capture: out of memory\n");
      return -1;
    }
    if (!cm->thunk[i]) /* (a thunk: said by note_thunks) */
      snprintf(said + strlen(said), sizeof said - strlen(said), "%s%s as %s",
               functions++ ? ", " : "", cm->mangled[i], one.display);
    if (i == 0) {
      *h = one;
      continue;
    }
    ospy_config_hook *more = realloc(p->extra, (p->nextra + 1) * sizeof *more);
    if (!more) {
      fprintf(stderr, "ospy capture: out of memory\n");
      return -1;
    }
    p->extra = more;
    p->extra[p->nextra++] = (ospy_config_hook){ .h = one };
  }
  if (functions > 1)
    note(p, "hook %s: %s names %zu functions, each hooked: %s", base.display, cm->demangled[0],
         functions, said);
  char who[1024];
  snprintf(who, sizeof who, "hook %s", base.display);
  note_thunks(p, who, NULL, cm);
  return 0;
}

static int by_function_name(const ospy_plan_hook *h)
{
  return h->kind == OSPY_HOOK_EXPORT || h->kind == OSPY_HOOK_SYMTAB;
}

static int cxx_lookup_at_start(planner *p, const char *program, const char *func, int n,
                               ospy_cxx_matches *m);

/* What a C++ name was looked for in before the program ran and not found,
 * for the note that leaves it to the agent ("the program or the libraries it
 * loads at start"). */
static void cxx_searched(const planner *p, const char *module, char *out, size_t cap)
{
  if (!module[0])
    snprintf(out, cap, "no function of that C++ name in %s (the demangled names of their "
             "symbol tables are searched)", p->o->pid > 0 ? "the files the process has mapped"
             : "the program or the libraries it loads at start");
  else
    snprintf(out, cap, "%s no file named %s%s", p->o->pid > 0 ? "the process has" :
             "the program loads", module, p->o->pid > 0 ? " mapped" : " at start");
}

/* A config hook whose symbol is a C++ name as nm -C prints it: the one
 * function of its module's file with that name (without a module, of the
 * program's and the libraries' it loads at start), by its mangled name. In
 * a library none of them is (one the program opens later), the agent looks
 * it up when it is loaded (OSPY_HOOK_F_CXX_NAME). */
static int config_cxx_symbol(planner *p, ospy_plan_hook *h)
{
  char path[PATH_MAX], who[512];
  int why = module_file(p, h->module, path, sizeof path);
  if (why == -2) {
    snprintf(who, sizeof who, "hook %s", h->display);
    cxx_module_ambiguous(who, h->module, h->symbol);
    return -1;
  }
  ospy_cxx_matches cm = { 0 };
  int n = why == 0 ? ospy_cxx_lookup(path, h->symbol, &cm) : -1;
  if (!h->module[0])
    n = cxx_lookup_at_start(p, why == 0 ? path : "", h->symbol, n, &cm);
  int rc = n > 0 ? take_cxx_match(p, h, n, &cm) : 0;
  ospy_cxx_matches_free(&cm);
  if (n <= 0 && (why < 0 || !h->module[0])) {
    char searched[600];
    cxx_searched(p, h->module, searched, sizeof searched);
    note(p, "hook %s: %s: %s is looked up by that name in each library the program loads "
         "later%s", h->display, searched, h->symbol,
         p->o->follow_forks ? " and in each program it runs" : "");
    h->flags |= OSPY_HOOK_F_CXX_NAME;
  }
  return rc;
}

/* Config hooks named plainly (symbol="run", or no symbol=: the spec's name)
 * in the module of hooks[first]: a name that no function of its file has as
 * its symbol but C++ functions have as their name (run(Job*, int)) is theirs,
 * as for -f. The file is walked once for all of them (a preset hooks
 * hundreds of C functions in libc). A module that is not the program, a path
 * or a library the program loads at start leaves them as they are, and so
 * does a hook without a module (any module's function of that symbol, the
 * one the program's calls bind to, not a C++ one of the program's). done[k]:
 * hook k was considered. */
static int config_plain_symbols_of(planner *p, size_t first, char *done)
{
  ospy_config *c = p->merged;
  const char *module = c->hooks[first].h.module;
  size_t *which = calloc(c->nhooks, sizeof *which);
  const char **names = calloc(c->nhooks, sizeof *names);
  ospy_cxx_matches *cm = calloc(c->nhooks, sizeof *cm);
  int *plain = calloc(c->nhooks, sizeof *plain);
  size_t n = 0;
  int rc = which && names && cm && plain ? 0 : -1;
  for (size_t i = first; i < c->nhooks && rc == 0; i++) {
    const ospy_plan_hook *h = &c->hooks[i].h;
    if (done[i] || !by_function_name(h) || ospy_cxx_name_like(h->symbol) ||
        strcmp(h->module, module))
      continue;
    done[i] = 1;
    which[n] = i;
    names[n++] = h->symbol;
  }
  /* (not in the library directories: reading them for each library a preset
   * names that the program does not load at start took milliseconds) */
  char path[PATH_MAX];
  if (rc == 0 && n && module_file_in(p, module, 0, path, sizeof path) == 0 &&
      ospy_cxx_lookup_names(path, names, n, cm, plain) == 0) {
    for (size_t k = 0; k < n; k++) {
      if (rc == 0 && !plain[k])
        rc = take_cxx_match(p, &c->hooks[which[k]].h, (int)cm[k].n, &cm[k]);
      ospy_cxx_matches_free(&cm[k]);
    }
  }
  if (!which || !names || !cm || !plain)
    fprintf(stderr, "ospy capture: out of memory\n");
  free(which);
  free(names);
  free(cm);
  free(plain);
  return rc;
}

/* The C++ names of the config hooks (-c, --preset): written as nm -C prints
 * them, or plainly when only C++ functions carry the name. */
static int config_cxx_symbols(planner *p)
{
  ospy_config *c = p->merged;
  char *done = calloc(c->nhooks ? c->nhooks : 1, 1);
  int rc = done ? 0 : -1;
  for (size_t i = 0; i < c->nhooks && rc == 0; i++) {
    ospy_plan_hook *h = &c->hooks[i].h;
    if (done[i] || !by_function_name(h))
      continue;
    if (ospy_cxx_name_like(h->symbol)) {
      done[i] = 1;
      rc = config_cxx_symbol(p, h);
    } else if (h->module[0]) {
      rc = config_plain_symbols_of(p, i, done);
    }
  }
  if (!done)
    fprintf(stderr, "ospy capture: out of memory\n");
  free(done);
  return rc;
}

/* The config hooks take_cxx_match made for the other functions of a C++
 * name: config hooks too (a -f function they hook defers to them). */
static int add_extra_hooks(planner *p)
{
  ospy_config *c = p->merged;
  if (!p->nextra)
    return 0;
  ospy_config_hook *hooks = realloc(c->hooks, (c->nhooks + p->nextra) * sizeof *hooks);
  if (!hooks) {
    fprintf(stderr, "ospy capture: out of memory\n");
    return -1;
  }
  c->hooks = hooks;
  memcpy(c->hooks + c->nhooks, p->extra, p->nextra * sizeof *hooks);
  c->nhooks += p->nextra;
  p->nconfig_hooks = c->nhooks;
  return 0;
}

/* -c and --preset, in order: the first as loaded, the others' hooks added to
   it (a spec name already there keeps its first definition). */
static int add_configs(planner *p)
{
  for (int i = 0; i < p->o->nconfigs; i++) {
    ospy_config *c;
    if (load_config(p, p->o->configs[i], &c) < 0)
      return -1;
    /* (a shipped preset given by its path with -c is a config, and a
     * preset still: its own aliases stay quiet) */
    int preset = p->o->config_is_preset[i] || ospy_config_is_shipped_preset(p->o->configs[i]);
    for (size_t k = 0; k < c->nhooks; k++)
      c->hooks[k].h.flags |= (p->o->config_is_preset[i] ? 0 : OSPY_HOOK_F_CONFIG) |
                             (preset ? OSPY_HOOK_F_PRESET : 0);
    if (!p->merged) {
      p->merged = c;
      continue;
    }
    int rc = 0;
    for (size_t k = 0; k < c->nhooks && rc == 0; k++)
      if (!has_hook(p->merged, p->merged->nhooks, &c->hooks[k].h))
        rc = ospy_config_import_hook(p->merged, c, k, NULL);
    ospy_config_free(c);
    if (rc < 0) {
      fprintf(stderr, "ospy capture: out of memory while merging %s\n", p->o->configs[i]);
      return -1;
    }
  }
  p->nconfig_hooks = p->merged ? p->merged->nhooks : 0;
  if (p->merged && (config_cxx_symbols(p) < 0 || add_extra_hooks(p) < 0))
    return -1;
  if (!p->merged && !(p->merged = ospy_config_new("-f", p->bits))) {
    fprintf(stderr, "ospy capture: out of memory\n");
    return -1;
  }
  return 0;
}

static int add_raw(planner *p, const char *module, const char *symbol, const char *display)
{
  for (size_t i = 0; i < p->nraw; i++)
    if (!strcmp(p->raw[i].module, module) && !strcmp(p->raw[i].symbol, symbol))
      return 0;
  raw_fn *r = realloc(p->raw, (p->nraw + 1) * sizeof *r);
  if (!r)
    return -1;
  p->raw = r;
  r[p->nraw].module = strdup(module);
  r[p->nraw].symbol = strdup(symbol);
  r[p->nraw].display = display ? strdup(display) : NULL;
  r[p->nraw].from_glob = 0;
  r[p->nraw].cxx_name = 0;
  r[p->nraw].function_at = 0;
  r[p->nraw].spec = OSPY_PLAN_NO_SPEC;
  if (!r[p->nraw].module || !r[p->nraw].symbol || (display && !r[p->nraw].display)) {
    free(r[p->nraw].module);
    free(r[p->nraw].symbol);
    free(r[p->nraw].display);
    return -1;
  }
  p->nraw++;
  return 0;
}

/* A function without a module, shown with the file it was found in
 * ("my prog!f"): the agent is told where the function's name begins, as a
 * file name may hold any character (a space, a '!'). 0 or -1. */
static int add_raw_found_in(planner *p, const char *where, const char *symbol)
{
  size_t at = strlen(where) + 1;
  char *display = malloc(at + strlen(symbol) + 1);
  if (!display)
    return -1;
  snprintf(display, at + strlen(symbol) + 1, "%s!%s", where, symbol);
  size_t before = p->nraw;
  int rc = add_raw(p, "", symbol, display);
  free(display);
  if (rc == 0 && p->nraw > before)
    p->raw[before].function_at = at;
  return rc;
}

/* The -f functions of one item without a definition: how many have their
 * arguments decoded (from their DWARF, or from their C++ names), how many
 * stay raw, and why the first of those did (for the note). */
typedef struct cxx_tally {
  size_t decoded, raw;
  size_t from_dwarf; /* of decoded */
  char why[768];
} cxx_tally;

/* How a raw function is shown, without its module. */
static const char *shown_function(const raw_fn *r)
{
  size_t mlen = strlen(r->module);
  if (!r->display)
    return r->symbol;
  if (r->function_at)
    return r->display + r->function_at;
  if (mlen && !strncmp(r->display, r->module, mlen) && r->display[mlen] == '!')
    return r->display + mlen + 1;
  return r->display;
}

/* The raw function p->raw[before] if it was just added (not hooked
 * already): its arguments decoded from its DWARF (path, value: the file
 * that defines it, and where), or from its symbol when that is a C++ name
 * that tells them. 0, or -1 when out of memory. */
static int decode_cxx_raw(planner *p, size_t before, const char *path, uint64_t value,
                          cxx_tally *t)
{
  if (p->nraw == before)
    return 0;
  if (!p->cxx_args && !(p->cxx_args = ospy_cxx_args_new(p->bits)))
    return -1;
  char why[600];
  raw_fn *r = &p->raw[before];
  int from_dwarf = 1;
  if (strncmp(r->symbol, "_Z", 2))
    r->spec = ospy_dwarf_args_for(p->cxx_args, p->merged->specs, path, value, r->symbol, why,
                                  sizeof why);
  else
    r->spec = ospy_cxx_args_spec(p->cxx_args, p->merged->specs, path, value, r->symbol,
                                 &from_dwarf, why, sizeof why);
  if (r->spec != OSPY_SPEC_NONE) {
    t->decoded++;
    t->from_dwarf += from_dwarf != 0;
    return 0;
  }
  r->spec = OSPY_PLAN_NO_SPEC;
  t->raw++;
  if (!t->why[0] && why[0])
    snprintf(t->why, sizeof t->why, "%s: %s", shown_function(r), why);
  return 0;
}

/* What the decoded functions of t were decoded from, for a note: "its
 * DWARF", "their C++ names", "their DWARF or C++ names". */
static const char *decoded_from(const cxx_tally *t, size_t n)
{
  if (t->from_dwarf == t->decoded)
    return n == 1 ? "its DWARF" : "their DWARF";
  if (!t->from_dwarf)
    return n == 1 ? "its C++ name" : "their C++ names";
  return "their DWARF or C++ names";
}

/* The note on a -f name that no config or preset defines: its arguments,
 * decoded from its DWARF or its C++ name, or raw. */
static void note_no_definition(planner *p, const char *item, const cxx_tally *t)
{
  size_t n = t->decoded + t->raw;
  if (!t->decoded)
    note(p, "-f %s: no definition in the catalogue%s: arguments are shown as raw register/stack "
         "words%s%s%s", item, p->o->nconfigs ? " or the config" : "", t->why[0] ? " (" : "",
         t->why, t->why[0] ? ")" : "");
  else if (!t->raw)
    note(p, "-f %s: %zu function%s, arguments decoded from %s", item, n, n == 1 ? "" : "s",
         decoded_from(t, n));
  else
    note(p, "-f %s: %zu functions: %zu with arguments decoded from %s, %zu traced "
         "with raw register/stack words (%s)", item, n, t->decoded, decoded_from(t, n), t->raw,
         t->why);
}

/* A -f name that a config defines as a spec but does not hook. */
static int add_config_spec(planner *p, const char *module, const char *func)
{
  ospy_config *m = p->merged;
  uint32_t fi = ospy_spec_fn_lookup(m->specs, func);
  if (fi == OSPY_SPEC_NONE)
    return 0;
  char display[600];
  snprintf(display, sizeof display, "%s%s%s", module, *module ? "!" : "", func);
  ospy_config_hook h = { .h = { .kind = OSPY_HOOK_EXPORT, .spec_index = fi,
                                .flags = (m->specs->fns[fi].log_nested ? OSPY_HOOK_F_LOG_NESTED : 0) |
                                         (*module ? OSPY_HOOK_F_NAMED : 0),
                                .module = ospy_spec_strdup(m->specs, module),
                                .symbol = ospy_spec_strdup(m->specs, func), .process = "",
                                .display = ospy_spec_strdup(m->specs, display) } };
  if (has_hook(m, m->nhooks, &h.h))
    return 1;
  ospy_config_hook *hooks = realloc(m->hooks, (m->nhooks + 1) * sizeof *hooks);
  if (!hooks || !h.h.module || !h.h.symbol || !h.h.display)
    return -1;
  m->hooks = hooks;
  m->hooks[m->nhooks++] = h;
  return 1;
}

/* The program's file when module names it ("" or its file name). */
static int program_file(const planner *p, const char *module, char *out, size_t cap)
{
  char exe[64];
  if (p->o->pid > 0) { /* attach: the file the process runs */
    snprintf(exe, sizeof exe, "/proc/%d/exe", (int)ospy_proc_live_task(p->o->pid));
    ssize_t n = readlink(exe, out, cap - 1);
    if (n <= 0)
      return -1;
    out[n] = 0;
  } else if (!p->o->argv || !p->o->argv[0] || find_in_path(p->o->argv[0], out, cap) < 0) {
    return -1;
  }
  const char *base = strrchr(out, '/');
  return module[0] && fnmatch(module, base ? base + 1 : out, 0) ? -1 : 0;
}

/* The file whose symbol tables a C++ name of module is looked up in: a
 * path, the program, or the one file a library's name (or glob) designates
 * among the program's files or (search_dirs) in the library directories. 0;
 * -1 none (a library opened later from elsewhere: it has to be named by its
 * path), -2 several. */
static int module_file_in(planner *p, const char *module, int search_dirs, char *out, size_t cap)
{
  if (strchr(module, '/')) {
    snprintf(out, cap, "%s", module);
    return 0;
  }
  if (program_file(p, module, out, cap) == 0)
    return 0;
  if (!module[0] || collect_files(p) < 0)
    return -1;
  int n = search_dirs ? ospy_func_module_path(&p->files, p->bits, module, out, cap)
                      : ospy_func_module_loaded_path(&p->files, module, out, cap);
  return n == 1 ? 0 : n == 2 ? -2 : -1;
}

static int module_file(planner *p, const char *module, char *out, size_t cap)
{
  return module_file_in(p, module, 1, out, cap);
}

/* A C++ name whose module names several of the program's files
 * (module_file's -2): it is hooked by its mangled name, which one file tells. */
static void cxx_module_ambiguous(const char *who, const char *module, const char *func)
{
  fprintf(stderr, "ospy capture: %s: %s names several of the program's files, and the C++ "
          "name %s is looked up in one: name that one by its file name or path\n", who, module,
          func);
}

/* The function an exact name found: the first definition, else a compiler
 * clone named in full (scale.constprop.0, which a pattern's expansion keeps
 * apart: its DWARF is read to say why it stays raw). NULL: none. */
static const ospy_func_found *found_or_clone(const ospy_func_founds *f, const char *func)
{
  if (f->n)
    return &f->v[0];
  for (size_t i = 0; i < f->nclones; i++)
    if (!strcmp(f->clones[i].symbol, func))
      return &f->clones[i];
  return NULL;
}

/* A function without a definition: a bare name is shown with the module
 * that defines it in the program's files (the first, as the loader binds
 * it), as the catalogue's are (libc.so.6!getpid; oSpy's module::function). */
static int add_bare_raw(planner *p, const char *module, const char *func, cxx_tally *t)
{
  ospy_func_founds f = { 0 };
  /* (looked up with its module too: its file's DWARF, or a mangled C++
   * name, tells how its arguments are decoded) */
  int looked = !ospy_is_glob(func) && collect_files(p) > 0 &&
               ospy_func_glob_expand(&p->files, p->bits, module, func, &f) >= 0;
  const ospy_func_found *hit = looked ? found_or_clone(&f, func) : NULL;
  size_t before = p->nraw;
  int rc = hit && !module[0] ? add_raw_found_in(p, hit->where, func)
                             : add_raw(p, module, func, NULL);
  if (rc == 0 && hit)
    rc = decode_cxx_raw(p, before, hit->path, hit->value, t);
  ospy_func_founds_free(&f);
  return rc;
}

/* The thunks with code of their own (m->thunk) hooked with the functions
 * of a C++ name, under their method's name, and those that cannot be: said
 * (who: "-f ITEM", "hook MODULE!NAME"), as compiler clones are. */
/* How a -f function symbol of module that another -f item hooked already
 * is shown, when not as display (NULL: not hooked, or hooked as display):
 * add_raw keeps the first, and its calls are recorded under that name
 * (-f 'non-virtual thunk to D::fb(int)' after -f D::fb, which hooks the
 * thunk shown as D::fb(int)). */
static const char *shown_otherwise(const planner *p, const char *module, const char *symbol,
                                   const char *display)
{
  for (size_t i = 0; i < p->nraw; i++) {
    const raw_fn *r = &p->raw[i];
    if (!strcmp(r->module, module) && !strcmp(r->symbol, symbol))
      return r->display && strcmp(r->display, display) ? r->display : NULL;
  }
  return NULL;
}

/* The thunks of m, -f functions of module (NULL: a config's hooks), said:
 * hooked with their method and shown by its name, or (another -f item
 * named one by its own name first) as that hook shows it. */
static void note_thunks(planner *p, const char *who, const char *module,
                        const ospy_cxx_matches *m)
{
  char list[1024] = "";
  size_t n = 0;
  for (size_t i = 0; i < m->n; i++) {
    if (!m->thunk[i] || strlen(list) >= sizeof list - 1)
      continue;
    char display[1024];
    snprintf(display, sizeof display, "%s%s%s", module ? module : "",
             module && module[0] ? "!" : "", m->shown[i]);
    const char *other = module ? shown_otherwise(p, module, m->mangled[i], display) : NULL;
    /* its kind ("non-virtual thunk to "), then its method with its form
     * ("D::~D() [deleting]") */
    int kind = (int)(strlen(m->thunk[i]) - strlen(m->demangled[i]));
    if (other) {
      note(p, "%s: %.*s%s has a copy of its method's code: hooked already, shown as %s: its "
           "calls are recorded under that name", who, kind > 0 ? kind : 0, m->thunk[i],
           m->shown[i], other);
      continue;
    }
    snprintf(list + strlen(list), sizeof list - strlen(list), "%s%.*s%s", n++ ? ", " : "",
             kind > 0 ? kind : 0, m->thunk[i], m->shown[i]);
  }
  if (n == 1)
    note(p, "%s: %s has a copy of its method's code (calls through a base class's pointer run "
         "it): hooked too, its calls recorded under its method's name, with `this` as the "
         "caller passed it", who, list);
  else if (n)
    note(p, "%s: %zu thunks have a copy of their method's code (calls through a base class's "
         "pointer run them): hooked too, their calls recorded under their method's name, with "
         "`this` as the caller passed it: %s", who, n, list);
  for (size_t i = 0; i < m->nunhooked; i++)
    note(p, "%s: %s: a thunk with a copy of its method's code that cannot be hooked: the calls "
         "through a base class's pointer that run it are not recorded", who, m->unhooked[i]);
}

/* Thunk i of m, hooked by its mangled name, shown and decoded as the
 * function it is a thunk of (the raw function of that name added before
 * it: its spec; raw words without one). 0, or -1 when out of memory. */
static int add_raw_thunk(planner *p, const char *module, const ospy_cxx_matches *m, size_t i)
{
  char display[1024];
  snprintf(display, sizeof display, "%s%s%s", module, module[0] ? "!" : "", m->shown[i]);
  uint32_t spec = OSPY_PLAN_NO_SPEC;
  for (size_t k = 0; k < p->nraw; k++)
    if (p->raw[k].display && !strcmp(p->raw[k].display, display))
      spec = p->raw[k].spec;
  size_t before = p->nraw;
  int rc = add_raw(p, module, m->mangled[i], display);
  if (rc == 0 && p->nraw > before)
    p->raw[before].spec = spec;
  return rc;
}

/* The functions a -f C++ name found, each hooked by its mangled name and
 * shown by its demangled one. Compiler clones only: by the name of the
 * function each copies, so that the capture reports it at once as it does
 * a C function's clone (the file has the clone, which is no function of
 * that name: its parameters may differ). */
static int add_cxx_matches(planner *p, const char *item, const char *module,
                           const ospy_cxx_matches *m, cxx_tally *t)
{
  int rc = 0;
  char list[1024] = "";
  size_t n = 0; /* functions, not thunks */
  for (size_t i = 0; i < m->n && rc == 0; i++) {
    char display[1024];
    if (m->thunk[i])
      continue; /* (after the functions: each takes its function's spec) */
    n++;
    const char *d = m->clones ? m->demangled[i] : m->shown[i];
    const char *cut = m->clones ? strstr(d, " [clone ") : NULL;
    snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", n > 1 ? ", " : "", d);
    snprintf(display, sizeof display, "%s%s%.*s", module, module[0] ? "!" : "",
             (int)(cut ? (size_t)(cut - d) : strlen(d)), d);
    const char *other = shown_otherwise(p, module, m->mangled[i], display);
    if (other)
      note(p, "-f %s: %s is hooked already, shown as %s: its calls are recorded under that name",
           item, d, other);
    size_t before = p->nraw;
    rc = add_raw(p, module, m->mangled[i], display);
    /* (a clone is hooked by the name of a function the file lacks: the
     * capture says so at once, nothing to decode) */
    if (rc == 0 && !m->clones)
      rc = decode_cxx_raw(p, before, m->file[i], m->value[i], t);
  }
  for (size_t i = 0; i < m->n && rc == 0; i++)
    if (m->thunk[i])
      rc = add_raw_thunk(p, module, m, i);
  if (m->clones && m->n == 1)
    note(p, "-f %s: only a compiler clone has that name, %s, a copy whose parameters may "
         "differ from the source's: -f '%s' hooks it if it is the one", item, m->demangled[0],
         m->demangled[0]);
  else if (m->clones)
    note(p, "-f %s: only compiler clones have that name (%zu), copies whose parameters may "
         "differ from the source's: name one in full to hook it (-f '%s')", item, m->n,
         m->demangled[0]);
  else if (n > 1 && ospy_cxx_glob_like(item))
    note(p, "-f %s: %zu functions match, each hooked: %s", item, n, list);
  else if (n > 1 && one_name(m)) /* (a destructor's deleting and complete forms) */
    note(p, "-f %s: %zu functions of that name, each hooked: %s", item, n, list);
  else if (n > 1)
    note(p, "-f %s: %zu functions of that name (overloads), each hooked: %s", item, n, list);
  char who[600];
  snprintf(who, sizeof who, "-f %s", item);
  note_thunks(p, who, module, m);
  return rc;
}

/* A C++ name without a module found in the program (n, m): its functions
 * in the libraries the program loads at start too, each symbol in the first
 * file in load order that defines it, the definition the program's calls
 * bind to (-f 'operator new': the program's placement new, libstdc++'s
 * others). How many, or n when there are no files to read. */
static int cxx_lookup_at_start(planner *p, const char *program, const char *func, int n,
                               ospy_cxx_matches *m)
{
  if (collect_files(p) <= 0)
    return n;
  for (size_t k = 0; k < p->files.n; k++) {
    ospy_cxx_matches more = { 0 };
    const char *file = p->files.paths[k];
    if (!strcmp(file, program) || ospy_cxx_lookup(file, func, &more) <= 0 || more.clones) {
      ospy_cxx_matches_free(&more);
      continue;
    }
    if (m->clones) /* (the program's clones of the name: a real function of it wins) */
      ospy_cxx_matches_free(m);
    if (ospy_cxx_matches_take(m, &more) < 0)
      return -1;
  }
  return n > 0 || m->n ? (int)m->n : n;
}

/* A C++ name no file has before the program runs: hooked by that name, the
 * agent looking it up by the demangled names of each library the program
 * loads later (-f 'plug::Engine::run(int)' of a plugin it opens with
 * dlopen). */
static int add_cxx_later(planner *p, const char *item, const char *module, const char *func)
{
  char searched[600];
  cxx_searched(p, module, searched, sizeof searched);
  note(p, "-f %s: %s: looked up by that name in each library the program loads later%s", item,
       searched, p->o->follow_forks ? " and in each program it runs" : "");
  size_t before = p->nraw;
  int rc = add_raw(p, module, func, NULL);
  if (rc == 0 && p->nraw > before)
    p->raw[before].cxx_name = 1;
  return rc;
}

/* A C++ name as nm -C prints it (ns::Cls::method(int), or ns::Cls::method
 * for every overload), or a plain name only C++ functions carry (run for
 * run(int) and run(Job*)): the mangled names of the functions that carry it
 * in the program (and without a module, the libraries it loads at start),
 * each hooked, shown with its demangled name. Else func as it is. */
static void cxx_glob_hint(const char *func, char *out, size_t cap);
static void cxx_glob_none(const planner *p, const char *item, const char *module,
                          const char *func, const char *path);

static int add_named(planner *p, const char *item, const char *module, const char *func)
{
  char path[PATH_MAX];
  size_t len = strlen(func);
  if (len >= 2 && !strcmp(func + len - 2, "::")) {
    /* a scope, no function: it would run a capture that records nothing */
    char hint[600];
    cxx_glob_hint(func, hint, sizeof hint);
    fprintf(stderr, "ospy capture: -f %s: '%s' names a scope, not a function: name the "
            "function (%sNAME)%s\n", item, func, func, hint);
    return -1;
  }
  ospy_cxx_matches m = { 0 };
  int why = module_file(p, module, path, sizeof path);
  int cxx = ospy_cxx_name_like(func);
  if (why == -2 && cxx) {
    char who[600];
    snprintf(who, sizeof who, "-f %s", item);
    cxx_module_ambiguous(who, module, func);
    return -1;
  }
  int n = why == 0 ? ospy_cxx_lookup(path, func, &m) : -1;
  if (!module[0] && cxx)
    n = cxx_lookup_at_start(p, why == 0 ? path : "", func, n, &m);
  int rc = 0;
  cxx_tally t = { 0 };
  if (n <= 0 && ospy_cxx_glob_like(func)) {
    cxx_glob_none(p, item, module, func, why == 0 ? path : NULL);
    rc = -1;
  } else if (n <= 0 && cxx && (why < 0 || !module[0])) {
    note_no_definition(p, item, &t); /* (the agent finds it: no mangled name to read yet) */
    rc = add_cxx_later(p, item, module, func);
  } else if (n <= 0) {
    if (cxx)
      note(p, "-f %s: no function of that C++ name in %s (the demangled names of its symbol "
           "tables are searched)", item, path);
    rc = add_bare_raw(p, module, func, &t);
    note_no_definition(p, item, &t);
  } else {
    rc = add_cxx_matches(p, item, module, &m, &t);
    note_no_definition(p, item, &t);
  }
  ospy_cxx_matches_free(&m);
  return rc;
}

/* Names a -f pattern took from the catalogue: its expansion against the
 * program's files adds the others. */
typedef struct name_list {
  char **v;
  size_t n;
} name_list;

static int name_list_add(name_list *l, const char *name)
{
  char **v = realloc(l->v, (l->n + 1) * sizeof *v);
  if (!v)
    return -1;
  l->v = v;
  if (!(v[l->n] = strdup(name)))
    return -1;
  l->n++;
  return 0;
}

static int name_list_has(const name_list *l, const char *name)
{
  for (size_t i = 0; i < l->n; i++)
    if (!strcmp(l->v[i], name))
      return 1;
  return 0;
}

static void name_list_free(name_list *l)
{
  for (size_t i = 0; i < l->n; i++)
    free(l->v[i]);
  free(l->v);
}

static int collect_files(planner *p)
{
  if (p->files_state == 0) {
    char path[PATH_MAX];
    int have = p->o->pid > 0 ||
               (p->o->argv && p->o->argv[0] && find_in_path(p->o->argv[0], path, sizeof path) == 0);
    p->files_state = !have ? 1
                     : ospy_func_files_collect(p->o->pid > 0 ? NULL : path, p->o->pid, &p->files) < 0
                       ? -1 : 1;
  }
  return p->files_state;
}

/* Whether a config (-c, --preset) hooks function symbol of the file named
 * where: a -f pattern that matches it defers to the config, whose definition
 * decides how its calls are shown (docs/catalogue.md: "the config wins").
 * Hooked by both, the second hook was an alias and said so in a warning. */
static int config_hooks(const planner *p, const char *where, const char *symbol)
{
  for (size_t i = 0; i < p->nconfig_hooks; i++) {
    const ospy_plan_hook *h = &p->merged->hooks[i].h;
    if ((h->kind != OSPY_HOOK_EXPORT && h->kind != OSPY_HOOK_SYMTAB) || strcmp(h->symbol, symbol))
      continue;
    const char *slash = strrchr(h->module, '/');
    const char *mod = slash ? slash + 1 : h->module;
    if (!mod[0] || !fnmatch(mod, where, 0))
      return 1;
  }
  return 0;
}

/* A -f pattern's functions that the catalogue does not define, found in the
 * target's files: traced with raw argument words; those a config hooks are
 * its (deferred: the catalogue's the caller left to the config). */
/* What to tell about a C++ scope given without a function (ns::Codec::):
 * the glob that takes every function of it. */
static void cxx_glob_hint(const char *func, char *out, size_t cap)
{
  snprintf(out, cap, "; -f '%s*' hooks every function of it", func);
}

/* A glob over C++ names (ns::Codec::enc*) that matched no function of the
 * files searched (path, or those the program loads at start). */
static void cxx_glob_none(const planner *p, const char *item, const char *module,
                          const char *func, const char *path)
{
  char where[PATH_MAX + 100];
  if (path && module[0])
    snprintf(where, sizeof where, "in %s", path);
  else if (module[0])
    cxx_searched(p, module, where, sizeof where);
  else
    snprintf(where, sizeof where, "in %s", p->o->pid > 0 ? "the files the process has mapped"
             : "the program or the libraries it loads at start");
  fprintf(stderr, "ospy capture: -f %s: no C++ function matches %s%s%s (a glob over a C++ name "
          "is matched against the demangled names of the symbol tables, without their "
          "parameter lists, as nm -C prints them; a library the program opens later is not "
          "searched by a glob: name its function in full)\n", item, func,
          strncmp(where, "in ", 3) ? ": " : " ", where);
}

/* What to tell about a glob that matched nothing but compiler clones
 * (scale.constprop.0.isra.0 for scale*): globs leave them out, as documented
 * (a clone's parameters may differ from what the source declares), so the
 * user learns they are there and that a full name hooks one. "" when none. */
static void clone_hint(const ospy_func_founds *f, char *out, size_t cap)
{
  out[0] = 0;
  if (!f->nclones)
    return;
  size_t len = (size_t)snprintf(out, cap, "; a glob leaves out compiler clones, copies whose "
                                "parameters may differ from the function's; this one left out "
                                "%zu: ", f->nclones);
  const size_t shown = 4;
  for (size_t i = 0; i < f->nclones && i < shown && len < cap; i++)
    len += (size_t)snprintf(out + len, cap - len, "%s%s!%s", i ? ", " : "", f->clones[i].where,
                            f->clones[i].symbol);
  if (f->nclones > shown && len < cap)
    len += (size_t)snprintf(out + len, cap - len, " and %zu more", f->nclones - shown);
  if (len < cap)
    snprintf(out + len, cap - len, " (named in full, a clone is hooked: -f '%s!%s')",
             f->clones[0].where, f->clones[0].symbol);
}

/* A -f pattern's note when some of the functions it took have their
 * arguments decoded from their C++ names (t): ndecoded defined by the
 * catalogue (presets), raw more in the program's files, t->decoded of them
 * decoded. */
static void note_glob_cxx(planner *p, const char *item, size_t ndecoded, const char *presets,
                          size_t raw, const cxx_tally *t)
{
  char head[512], rest[1024];
  size_t plain = raw - t->decoded;
  if (ndecoded)
    snprintf(head, sizeof head, "%zu functions: %zu defined by the catalogue (preset %s), %zu more "
             "in the program's files", ndecoded + raw, ndecoded, presets, raw);
  else
    snprintf(head, sizeof head, "%zu function%s, none in the catalogue", raw, raw == 1 ? "" : "s");
  if (!plain)
    snprintf(rest, sizeof rest, "arguments decoded from %s", decoded_from(t, raw));
  else
    snprintf(rest, sizeof rest, "%zu with arguments decoded from %s, %zu traced with "
             "raw register/stack words%s%s%s", t->decoded, decoded_from(t, t->decoded), plain,
             t->why[0] ? " (" : "", t->why, t->why[0] ? ")" : "");
  note(p, "-f %s: %s: %s", item, head, rest);
}

static int add_glob_exports(planner *p, const char *item, const char *module, const char *func,
                            const name_list *decoded, size_t ndecoded, size_t deferred,
                            const char *presets)
{
  ospy_func_founds f = { 0 };
  if (collect_files(p) < 0 || ospy_func_glob_expand(&p->files, p->bits, module, func, &f) < 0) {
    fprintf(stderr, "ospy capture: -f %s: out of memory\n", item);
    return -1;
  }
  size_t raw = 0;
  int rc = 0;
  cxx_tally t = { 0 };
  for (size_t i = 0; i < f.n && rc == 0; i++) {
    if (name_list_has(decoded, f.v[i].symbol))
      continue;
    if (config_hooks(p, f.v[i].where, f.v[i].symbol)) {
      deferred++;
      continue;
    }
    size_t before = p->nraw;
    /* a pattern without a module: shown where the name is defined */
    rc = f.v[i].module[0] ? add_raw(p, f.v[i].module, f.v[i].symbol, NULL)
                          : add_raw_found_in(p, f.v[i].where, f.v[i].symbol);
    if (rc == 0 && p->nraw > before) {
      /* the module the user named never loaded: said once, by the catalogue's hooks if any */
      p->raw[before].from_glob = ndecoded ? 2 : 1;
      raw++;
      rc = decode_cxx_raw(p, before, f.v[i].path, f.v[i].value, &t);
    }
  }
  size_t nfiles = f.nfiles;
  char clones[1200];
  clone_hint(&f, clones, sizeof clones);
  ospy_func_founds_free(&f);
  if (rc < 0) {
    fprintf(stderr, "ospy capture: -f %s: out of memory\n", item);
    return -1;
  }
  if (!ndecoded && !raw && deferred) {
    note(p, "-f %s: the config hooks every function it matches already (%zu)", item, deferred);
    return 0;
  }
  if (!ndecoded && !raw && strchr(module, '/') && !ospy_is_glob(module) &&
      access(module, F_OK) < 0) {
    fprintf(stderr, "ospy capture: -f %s: %s does not exist (yet), so the pattern %s cannot be "
            "expanded against its functions: name them exactly (-f '%s!FUNCTION'), and they "
            "are hooked when the program loads it\n", item, module, func, module);
    return -1;
  }
  if (!ndecoded && !raw && module[0] && !nfiles) {
    fprintf(stderr, "ospy capture: -f %s: no function of the catalogue matches, and the program "
            "loads no file named %s at start, nor is there one in the library directories "
            "(name a library it opens later by its path)\n", item, module);
    return -1;
  }
  if (!ndecoded && !raw) {
    /* libgcc_s exports only _-names: the rule that keeps them out of
     * plain globs (docs/catalogue.md) is said where it decides */
    const char *underscore = ospy_is_glob(func) && func[0] != '_'
                                 ? " (names that start with '_' are matched only by a pattern "
                                   "that starts with '_': -f 'MODULE!_*')"
                                 : "";
    fprintf(stderr, "ospy capture: -f %s: no function matches, in the catalogue ('ospy "
            "definitions' lists it) or in the %zu file%s %s%s%s\n", item, nfiles,
            nfiles == 1 ? "" : "s", module[0] ? "of that name" : "the program loads at start",
            clones, underscore);
    return -1;
  }
  if (t.decoded)
    note_glob_cxx(p, item, ndecoded, presets, raw, &t);
  else if (ndecoded && raw)
    note(p, "-f %s: %zu functions: %zu defined by the catalogue (preset %s), %zu more in the "
         "program's files traced with raw register/stack words", item, ndecoded + raw, ndecoded,
         presets, raw);
  else if (ndecoded)
    note(p, "-f %s: %zu function%s defined by the catalogue (preset %s)", item, ndecoded,
         ndecoded == 1 ? "" : "s", presets);
  else
    note(p, "-f %s: %zu function%s, none in the catalogue: arguments are shown as raw "
         "register/stack words", item, raw, raw == 1 ? "" : "s");
  return 0;
}

/* Whether a -f function is a pattern: in a C++ name, the '*' of f(char*) is
 * a pointer and the brackets of name[abi:cxx11] an ABI tag. */
static int func_is_glob(const char *func)
{
  return ospy_is_glob(func) && !strchr(func, '(') && !strstr(func, "[abi:");
}

/* A -f function written without a module ("deflate") that the catalogue
 * hooks in one module (libz.so.1), hooks[from..]: named as if it were
 * written with it (OSPY_HOOK_F_NAMED), so that a module the program never
 * loads is an error at the end, shown live, as for -f 'libz.so.1!deflate'
 * (the capture ended with "0 calls recorded" and no word why). One it
 * hooks in several modules (alternatives) keeps the note at the start. */
static void named_if_one_module(planner *p, size_t from)
{
  for (size_t k = from + 1; k < p->merged->nhooks; k++)
    if (strcmp(p->merged->hooks[k].h.module, p->merged->hooks[from].h.module))
      return;
  for (size_t k = from; k < p->merged->nhooks; k++)
    p->merged->hooks[k].h.flags |= OSPY_HOOK_F_NAMED;
}

/* One -f item: "read", "libc.so.6!read", "SSL_*", "libssl.so.*!SSL_*". */
static int add_function(planner *p, const char *item)
{
  char module[256], func[256];
  if (ospy_func_pattern_split(item, module, sizeof module, func, sizeof func, "ospy capture: -f") < 0)
    return -1;
  int glob = func_is_glob(func);
  /* a config that hooks it already decides how it is shown */
  for (size_t i = 0; i < p->nconfig_hooks; i++)
    if (ospy_catalogue_hook_matches(p->merged, i, module, func) && !glob)
      return 0;
  if (!glob) {
    int rc = add_config_spec(p, module, func);
    if (rc != 0)
      return rc < 0 ? -1 : 0;
  }
  if (p->cat_state == 0)
    p->cat_state = ospy_catalogue_load(p->bits, &p->cat, "ospy capture") < 0 ? -1 : 1;
  if (p->cat_state < 0)
    return -1;
  size_t found = 0, added = 0, deferred = 0;
  char presets[256] = "";
  name_list decoded = { 0 };
  /* a module glob that designates one file is shown as that file
   * (libssl.so.*!SSL_write -> libssl.so.3!SSL_write) */
  char concrete[256];
  const char *mod = module;
  if (ospy_is_glob(module) && collect_files(p) > 0 &&
      ospy_func_module_resolve(&p->files, p->bits, module, concrete, sizeof concrete) == 1)
    mod = concrete;
  for (size_t k = 0; k < p->cat.n; k++) {
    const ospy_config *c = p->cat.presets[k].c;
    size_t before = found;
    for (size_t i = 0; i < c->nhooks; i++) {
      if (!ospy_catalogue_hook_matches(c, i, module, func))
        continue;
      ospy_plan_hook h = c->hooks[i].h;
      if (glob && config_hooks(p, h.module, h.symbol)) { /* the config's definition wins */
        if (name_list_add(&decoded, h.symbol) < 0) {
          name_list_free(&decoded);
          return -1;
        }
        deferred++;
        continue;
      }
      found++;
      if (glob && name_list_add(&decoded, h.symbol) < 0) {
        name_list_free(&decoded);
        return -1;
      }
      if (module[0])
        h.module = mod;
      if (has_hook(p->merged, p->merged->nhooks, &h))
        continue;
      if (ospy_config_import_hook(p->merged, c, i, module[0] ? mod : NULL) < 0) {
        fprintf(stderr, "ospy capture: -f %s: out of memory\n", item);
        return -1;
      }
      if (p->o->backtrace)
        p->merged->hooks[p->merged->nhooks - 1].h.flags |= OSPY_HOOK_F_BACKTRACE;
      if (module[0])
        p->merged->hooks[p->merged->nhooks - 1].h.flags |= OSPY_HOOK_F_NAMED;
      if (glob) /* (not named by the user: its aliases stay quiet, as a preset's) */
        p->merged->hooks[p->merged->nhooks - 1].h.flags |= OSPY_HOOK_F_PRESET;
      added++;
    }
    if (found > before)
      snprintf(presets + strlen(presets), sizeof presets - strlen(presets), "%s%s",
               presets[0] ? ", " : "", p->cat.presets[k].name);
  }
  if (glob && !ospy_cxx_glob_like(func)) {
    int rc = add_glob_exports(p, item, module, func, &decoded, found, deferred, presets);
    name_list_free(&decoded);
    return rc;
  }
  if (found) {
    note(p, "-f %s: defined by the catalogue (preset %s)", item, presets);
    if (!module[0] && added && added == found) /* (none hooked already, maybe elsewhere) */
      named_if_one_module(p, p->merged->nhooks - added);
    return 0;
  }
  return add_named(p, item, module, func);
}

static int add_function_list(planner *p, const char *list)
{
  size_t n = strlen(list);
  if (!n || list[0] == ',' || list[n - 1] == ',' || strstr(list, ",,")) {
    fprintf(stderr, "ospy capture: -f '%s': an empty function name (-f MODULE!FUNC[,FUNC...])\n",
            list);
    return -1;
  }
  char *copy = strdup(list);
  int rc = copy ? 0 : -1;
  /* commas inside a C++ parameter list do not split: f(int, int) */
  char *start = copy;
  int depth = 0;
  for (char *c = copy; c && rc == 0; c++) {
    if (*c == '(' || *c == '<')
      depth++;
    else if ((*c == ')' || *c == '>') && depth)
      depth--;
    if ((*c == ',' && !depth) || !*c) {
      int end = !*c;
      *c = 0;
      rc = add_function(p, start);
      if (end)
        break;
      start = c + 1;
    }
  }
  free(copy);
  return rc;
}

/* The program's file name: the started program's, or the process's. */
static void program_name(const ospy_capture_opts *o, char *out, size_t cap)
{
  char path[PATH_MAX] = "";
  if (o->pid > 0) {
    char exe[64];
    snprintf(exe, sizeof exe, "/proc/%d/exe", (int)ospy_proc_live_task(o->pid));
    ssize_t n = readlink(exe, path, sizeof path - 1);
    path[n > 0 ? n : 0] = 0;
    char *del = strstr(path, " (deleted)");
    if (del)
      *del = 0;
  } else if (o->argv && o->argv[0] && find_in_path(o->argv[0], path, sizeof path) != 0) {
    path[0] = 0;
  }
  const char *slash = strrchr(path, '/');
  snprintf(out, cap, "%s", slash ? slash + 1 : path);
}

/* A signature, offset or vtable hook without a module is looked for in the
 * program: its calls are named after it (oSpy's module::function; they were
 * a bare "Debug" or "Bridge::Send"). */
static int name_program_hooks(planner *p)
{
  char prog[256], display[768];
  program_name(p->o, prog, sizeof prog);
  ospy_config *m = p->merged;
  for (size_t i = 0; prog[0] && m && i < m->nhooks; i++) {
    ospy_plan_hook *h = &m->hooks[i].h;
    if (h->module[0] || (h->kind != OSPY_HOOK_SIGNATURE && h->kind != OSPY_HOOK_OFFSET &&
                         h->kind != OSPY_HOOK_VTABLE))
      continue;
    snprintf(display, sizeof display, "%s!%s", prog, h->display);
    if (!(h->display = ospy_spec_strdup(m->specs, display)))
      return -1;
    h->function_at = (uint32_t)strlen(prog) + 1; /* (a file name may hold a '!') */
  }
  return 0;
}

/* The plan hook of the i-th function -f traces with raw words (display: room
 * for its name when it has none of its own). */
static ospy_plan_hook raw_plan_hook(const planner *p, size_t i, char *display, size_t cap)
{
  snprintf(display, cap, "%s%s%s", p->raw[i].module, p->raw[i].module[0] ? "!" : "",
           p->raw[i].symbol);
  return (ospy_plan_hook){ .kind = OSPY_HOOK_EXPORT,
                          .flags = (p->o->backtrace ? OSPY_HOOK_F_BACKTRACE : 0) |
                                   (p->raw[i].module[0] && p->raw[i].from_glob < 2
                                      ? OSPY_HOOK_F_NAMED : 0) |
                                   (p->raw[i].from_glob ? OSPY_HOOK_F_GLOB : 0) |
                                   (p->raw[i].cxx_name ? OSPY_HOOK_F_CXX_NAME : 0) |
                                   /* (decoded from its C++ name, it nests as a raw one) */
                                   (p->raw[i].spec != OSPY_PLAN_NO_SPEC
                                      ? OSPY_HOOK_F_LOG_NESTED | OSPY_HOOK_F_HIDES_NONE : 0),
                          .module = p->raw[i].module, .symbol = p->raw[i].symbol, .process = "",
                          .spec_index = p->raw[i].spec,
                          .display = p->raw[i].display ? p->raw[i].display : display,
                          .function_at = (uint32_t)p->raw[i].function_at };
}

/* A function by name in a module glob (libplug*.so!f) designates it in every
 * library the glob matches, also in one loaded while another is: spare
 * copies of its hook, after all the others (their indices stay), one for
 * each more library hooked at once. */
static int add_glob_spares(const planner *p, ospy_plan_builder *b, uint32_t nconfig)
{
  const ospy_config *m = p->merged;
  int rc = 0;
  for (uint32_t i = 0; i < nconfig && rc == 0; i++)
    if (ospy_plan_hook_wants_spares(&m->hooks[i].h))
      rc = ospy_plan_builder_add_spares(b, &m->hooks[i].h, i);
  for (size_t i = 0; i < p->nraw && rc == 0; i++) {
    char display[600];
    ospy_plan_hook h = raw_plan_hook(p, i, display, sizeof display);
    if (ospy_plan_hook_wants_spares(&h))
      rc = ospy_plan_builder_add_spares(b, &h, nconfig + (uint32_t)i);
  }
  return rc;
}

static int fill_builder(planner *p, ospy_plan_builder *b)
{
  const ospy_config *m = p->merged;
  int rc = 0;
  if (m->specs->nfns || m->specs->nvtables)
    rc = ospy_config_to_plan(m, b);
  uint32_t nconfig = ospy_plan_builder_hook_count(b);
  for (size_t i = 0; i < p->nraw && rc == 0; i++) {
    char display[600];
    ospy_plan_hook h = raw_plan_hook(p, i, display, sizeof display);
    rc = ospy_plan_builder_add(b, &h);
  }
  if (rc == 0)
    rc = add_glob_spares(p, b, nconfig);
  if (rc < 0)
    fprintf(stderr, "ospy capture: out of memory while building the plan\n");
  return rc;
}

void *ospy_capture_build_plan(const ospy_capture_opts *o, size_t *len, ospy_capture_notes *notes)
{
  planner p = { .o = o, .bits = target_bits(o), .notes = notes };
  void *bytes = NULL;
  ospy_plan_builder *b = ospy_plan_builder_new(p.bits);
  if (!b)
    return NULL;
  ospy_plan_builder_set_options(b, o->lossy ? OSPY_PLAN_OPT_LOSSY : 0);
  ospy_plan_builder_set_backtrace(b, o->backtrace);
  if (o->value_cap)
    ospy_plan_builder_set_value_cap(b, o->value_cap);
  int rc = add_configs(&p);
  for (int i = 0; i < o->nfuncs && rc == 0; i++)
    rc = add_function_list(&p, o->funcs[i]);
  if (rc == 0 && name_program_hooks(&p) == 0 && fill_builder(&p, b) == 0)
    bytes = ospy_plan_builder_encode(b, len);
  ospy_plan_builder_free(b);
  ospy_config_free(p.merged);
  if (p.cat_state > 0)
    ospy_catalogue_free(&p.cat);
  for (size_t i = 0; i < p.nraw; i++) {
    free(p.raw[i].module);
    free(p.raw[i].symbol);
    free(p.raw[i].display);
  }
  free(p.raw);
  free(p.extra);
  ospy_cxx_args_free(p.cxx_args);
  ospy_func_files_free(&p.files);
  return bytes;
}

/* ---- which agent ---- */

static int elf_class_of(const char *path)
{
  unsigned char id[EI_NIDENT];
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return -1;
  ssize_t n = read(fd, id, sizeof id);
  close(fd);
  if (n == (ssize_t)sizeof id && !memcmp(id, ELFMAG, SELFMAG))
    return id[EI_CLASS] == ELFCLASS32 ? 32 : 64;
  return 64; /* scripts: the interpreter is most likely 64-bit */
}

static int find_in_path(const char *prog, char *out, size_t cap)
{
  if (strchr(prog, '/')) {
    snprintf(out, cap, "%s", prog);
    return access(out, X_OK);
  }
  const char *path = getenv("PATH");
  if (!path)
    path = "/usr/local/bin:/usr/bin:/bin";
  while (*path) {
    size_t n = strcspn(path, ":");
    snprintf(out, cap, "%.*s/%s", (int)n, path, prog);
    if (access(out, X_OK) == 0)
      return 0;
    path += n + (path[n] == ':');
  }
  return -1;
}

/* A directory, or a script whose #! interpreter is missing: what the shell
 * says of them (126). */
static int script_check(const char *program, const char *path, char *err, size_t errcap)
{
  struct stat st;
  if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
    snprintf(err, errcap, "%s: Is a directory", program);
    return 126;
  }
  char interp[PATH_MAX];
  if (ospy_script_interpreter(path, interp, sizeof interp) == 0 && access(interp, X_OK) < 0) {
    snprintf(err, errcap, "%s: %s: bad interpreter: %s", program, interp, strerror(errno));
    return 126;
  }
  return 0;
}

/* Before the output file is created: a program that cannot be started (or
 * that no agent of ospy's is there for), or a process that does not exist,
 * must not cost the user the capture already at that path. 0, or the exit
 * status (127 not found, 126 not executable, 2 no such process or no agent)
 * with err. */
int ospy_capture_preflight(const char *program, int pid, char *err, size_t errcap)
{
  if (pid) {
    if (kill(pid, 0) < 0 && errno == ESRCH) {
      snprintf(err, errcap, "-p %d: no such process", pid);
      return 2;
    }
    /* a process ospy cannot inject into (static, another architecture
     * without its agent...) is refused before the file is touched too */
    char agent[PATH_MAX], why[512];
    int bits = 0;
    if (ospy_capture_agent_for_pid(pid, agent, sizeof agent, &bits, why, sizeof why) < 0) {
      snprintf(err, errcap, "-p %d: %s", pid, why);
      return 2;
    }
    if (ospy_capture_other_namespace(pid, why, sizeof why)) {
      snprintf(err, errcap, "-p %d: %s", pid, why);
      return 2;
    }
    /* before the tracer check: an ospy still injecting its agent is the
     * process's tracer too, and "being captured" is what the user needs */
    pid_t holder = ospy_capture_ring_holder(pid);
    if (holder) {
      snprintf(err, errcap, "-p %d: the process is already being captured (by ospy, process %d): "
               "stop that capture first", pid, (int)holder);
      return 2;
    }
    if (ospy_inject_check(pid, why, sizeof why) < 0) {
      snprintf(err, errcap, "-p %d: %s", pid, why);
      return 2;
    }
    if (ospy_inject_seccomp(pid))
      fprintf(stderr, "ospy capture: warning: -p %d: the process runs under a seccomp filter: "
              "a system call the agent makes (mmap, process_vm_readv, socket...) may be refused, "
              "or kill the process\n", pid);
    return 0;
  }
  char path[PATH_MAX], agent[PATH_MAX];
  if (find_in_path(program, path, sizeof path) == 0) {
    int rc = script_check(program, path, err, errcap);
    if (rc == 0 && ospy_capture_agent_for(program, agent, sizeof agent, err, errcap) < 0)
      return 2;
    return rc;
  }
  int e = strchr(program, '/') ? errno : ENOENT;
  if (strchr(program, '/') && e == EACCES && access(path, F_OK) == 0) {
    snprintf(err, errcap, "%s: %s", program, strerror(EACCES));
    return 126;
  }
  snprintf(err, errcap, "%s: %s", program,
           strchr(program, '/') ? strerror(e) : "command not found");
  return e == EACCES ? 126 : 127;
}

/* The agent comes only from where ospy was built or installed: no environment
 * variable can make ospy inject another library. */
static int agent_path(int bits, char *out, size_t cap, char *err, size_t errcap)
{
  if (bits == 32) {
    if (!OSPY_AGENT32_PATH[0]) {
      snprintf(err, errcap, "32-bit program, but this ospy was built without an i386 agent "
               "(meson setup -Dagent32_path=...)");
      return -1;
    }
    snprintf(out, cap, "%s", OSPY_AGENT32_PATH);
  } else {
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0) {
      snprintf(err, errcap, "cannot locate the ospy executable");
      return -1;
    }
    exe[n] = 0;
    char *slash = strrchr(exe, '/');
    *slash = 0;
    /* build tree: build/src/cli/ospy next to build/src/agent/ */
    snprintf(out, cap, "%s/../agent/libospy-agent.so", exe);
    if (access(out, R_OK) < 0)
      snprintf(out, cap, "%s/../lib/libospy-agent.so", exe);
  }
  char real[PATH_MAX];
  if (!realpath(out, real)) {
    snprintf(err, errcap, "agent library %s: %s", out, strerror(errno));
    return -1;
  }
  snprintf(out, cap, "%s", real);
  return 0;
}

/* $LIB as each architecture's ld.so expands it (Debian multiarch, then the
 * lib64/lib of Fedora and SUSE) and the agent each gets. */
static const struct { const char *dir; int bits; } lib_dirs[] = {
  { "lib/x86_64-linux-gnu", 64 }, { "lib/i386-linux-gnu", 32 }, { "lib64", 64 },
  { "lib", 32 }, { "lib32", 32 },
};
static char preload_dir[PATH_MAX];

int ospy_capture_preload_for_all(char *out, size_t cap, char *err, size_t errcap)
{
  char agents[2][PATH_MAX], e2[256];
  if (agent_path(64, agents[0], sizeof agents[0], err, errcap) < 0)
    return -1;
  int have32 = agent_path(32, agents[1], sizeof agents[1], e2, sizeof e2) == 0;
  const char *tmp = getenv("TMPDIR") && *getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
  snprintf(preload_dir, sizeof preload_dir, "%s/ospy-agents.XXXXXX", tmp);
  if (!mkdtemp(preload_dir) || chmod(preload_dir, 0755) < 0) {
    snprintf(err, errcap, "cannot create a directory in %s: %s", tmp, strerror(errno));
    preload_dir[0] = 0;
    return -1;
  }
  for (size_t i = 0; i < sizeof lib_dirs / sizeof lib_dirs[0]; i++) {
    if (lib_dirs[i].bits == 32 && !have32)
      continue;
    char path[PATH_MAX + 64];
    snprintf(path, sizeof path, "%s/%s", preload_dir, lib_dirs[i].dir);
    for (char *p = path + strlen(preload_dir) + 1; (p = strchr(p, '/')); *p++ = '/') {
      *p = 0; /* lib/ of lib/x86_64-linux-gnu */
      mkdir(path, 0755);
    }
    mkdir(path, 0755);
    strcat(path, "/libospy-agent.so");
    if (symlink(agents[lib_dirs[i].bits == 32], path) < 0) {
      snprintf(err, errcap, "%s: %s", path, strerror(errno));
      ospy_capture_preload_remove();
      return -1;
    }
  }
  snprintf(out, cap, "%s/$LIB/libospy-agent.so", preload_dir);
  return 0;
}

const char *ospy_capture_preload_dir(void)
{
  return preload_dir[0] ? preload_dir : NULL;
}

void ospy_capture_preload_remove(void)
{
  if (!preload_dir[0])
    return;
  for (size_t i = sizeof lib_dirs / sizeof lib_dirs[0]; i-- > 0;) {
    char path[PATH_MAX + 64];
    snprintf(path, sizeof path, "%s/%s/libospy-agent.so", preload_dir, lib_dirs[i].dir);
    unlink(path);
    snprintf(path, sizeof path, "%s/%s", preload_dir, lib_dirs[i].dir);
    rmdir(path);
  }
  char lib[PATH_MAX + 8];
  snprintf(lib, sizeof lib, "%s/lib", preload_dir);
  rmdir(lib);
  rmdir(preload_dir);
  preload_dir[0] = 0;
}

int ospy_capture_program_static(const char *program)
{
  char path[PATH_MAX], interp[PATH_MAX];
  unsigned char id[EI_NIDENT];
  if (find_in_path(program, path, sizeof path) != 0)
    return 0;
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return 0;
  ssize_t n = read(fd, id, sizeof id);
  close(fd);
  if (n != (ssize_t)sizeof id || memcmp(id, ELFMAG, SELFMAG))
    return 0; /* a script: its interpreter runs */
  ospy_program_interp(path, interp, sizeof interp);
  return interp[0] == 0;
}

int ospy_capture_program_secure(const char *program)
{
  char path[PATH_MAX], caps[64];
  struct stat st;
  if (find_in_path(program, path, sizeof path) != 0 || stat(path, &st) < 0)
    return 0;
  return ((st.st_mode & S_ISUID) && st.st_uid != geteuid()) ||
         ((st.st_mode & S_ISGID) && st.st_gid != getegid()) ||
         (geteuid() != 0 && getxattr(path, "security.capability", caps, sizeof caps) > 0);
}

int ospy_capture_agent_for(const char *program, char *out, size_t cap, char *err, size_t errcap)
{
  char path[PATH_MAX];
  int bits = find_in_path(program, path, sizeof path) == 0 ? elf_class_of(path) : 64;
  return agent_path(bits < 0 ? 64 : bits, out, cap, err, errcap);
}

/* Why process pid has no program to read (its /proc/PID/exe unreadable
 * with ENOENT): it ended or is a kernel thread. 0 when none of those. */
static int no_program_reason(int pid, char *err, size_t errcap)
{
  char dir[32];
  struct stat st;
  snprintf(dir, sizeof dir, "/proc/%d", pid);
  if (stat(dir, &st) < 0 && errno == ENOENT)
    snprintf(err, errcap, "process %d no longer exists", pid);
  else if (ospy_proc_live_task(pid) == pid && ospy_proc_task_ended(pid))
    snprintf(err, errcap, "process %d has exited (a zombie, not yet reaped by its parent)", pid);
  else if (ospy_proc_kernel_thread(pid))
    snprintf(err, errcap, "process %d is a kernel thread: it runs no program to attach to", pid);
  else
    return 0;
  return 1;
}

int ospy_capture_agent_for_pid(int pid, char *out, size_t cap, int *bits, char *err, size_t errcap)
{
  char exe[64];
  /* (a process whose main thread ended, pthread_exit, has no /proc/PID/exe
   * while its other threads run: one of theirs) */
  snprintf(exe, sizeof exe, "/proc/%d/exe", (int)ospy_proc_live_task(pid));
  *bits = elf_class_of(exe);
  if (*bits < 0) {
    int e = errno;
    if (e == ENOENT && no_program_reason(pid, err, errcap))
      return -1;
    snprintf(err, errcap, "process %d: cannot read %s: %s%s", pid, exe, strerror(e),
             e == EACCES || e == EPERM ? " (the kernel does not let this user trace it: "
             "another user's process, or ptrace is restricted)" : "");
    return -1;
  }
  char target[PATH_MAX];
  ssize_t n = readlink(exe, target, sizeof target - 1);
  target[n > 0 ? n : 0] = 0;
  const char *base = strrchr(target, '/') ? strrchr(target, '/') + 1 : target;
  if (!strncmp(base, "qemu-", 5)) {
    /* an i386 (or other) program emulated by qemu user mode, as scripts/setup.sh
     * arranges where the kernel cannot run i386 code: hooking qemu's own libc
     * would record the emulator, not the program */
    snprintf(err, errcap, "process %d is run by %s (a foreign-architecture program under "
             "emulation): attaching would trace the emulator; start the program under "
             "`ospy capture -- PROGRAM` instead", pid, base);
    return -1;
  }
  return agent_path(*bits, out, cap, err, errcap);
}
