/* Event filters: options, globs, times, and the per-record decision. The
 * expression, grep and outcome parts are in read_filter_call.c. */
#include "cli/read_filter.h"

#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/read_filter_internal.h"

static int opt_error(const char *cmd, const char *opt, const char *fmt, const char *arg)
{
  fprintf(stderr, "ospy %s: %s: ", cmd, opt);
  fprintf(stderr, fmt, arg);
  fputc('\n', stderr);
  return -1;
}

/* fnmatch accepts anything; reject what it would silently take literally. */
static int glob_check(const char *cmd, const char *opt, const char *g)
{
  char why[128];
  for (size_t i = 0; g[i]; i++) {
    if (g[i] == '\\' && g[i + 1]) {
      i++;
    } else if (g[i] == '[') {
      size_t j = i + 1 + (g[i + 1] == '!' || g[i + 1] == '^');
      j += g[j] == ']';
      while (g[j] && g[j] != ']')
        j++;
      if (!g[j]) {
        snprintf(why, sizeof why, "unterminated '[' at column %zu in '%%s'", i + 1);
        return opt_error(cmd, opt, why, g);
      }
      i = j;
    }
  }
  if (!g[0])
    return opt_error(cmd, opt, "an empty pattern%s", "");
  return 0;
}

static int add_glob(const char *cmd, const char *opt, const char **list, size_t *n,
                    const char *g)
{
  if (glob_check(cmd, opt, g) < 0)
    return -1;
  if (*n == READ_FILTER_MAX_GLOBS)
    return opt_error(cmd, opt, "at most 32 patterns ('%s')", g);
  list[(*n)++] = g;
  return 1;
}

static int parse_u32(const char *cmd, const char *opt, const char *arg, uint32_t *out)
{
  char *end;
  unsigned long v = strtoul(arg, &end, 10);
  if (!arg[0] || *end || arg[0] == '-' || v > UINT32_MAX)
    return opt_error(cmd, opt, "'%s' is not a process or thread id", arg);
  *out = (uint32_t)v;
  return 1;
}

static int set_outcome(read_filter *f, const char *cmd, int want)
{
  if (f->outcome && f->outcome != want)
    return opt_error(cmd, "--failed", "cannot be combined with --successful%s", "");
  f->outcome = want;
  return 1;
}

static int add_grep(read_filter *f, const char *cmd, const char *opt, const char *arg, int hex)
{
  if (f->ngrep == READ_FILTER_MAX_GREPS)
    return opt_error(cmd, opt, "at most 16 patterns ('%s')", arg);
  read_grep *g = &f->grep[f->ngrep];
  if (read_grep_parse(g, arg, hex) < 0) {
    free(g->bytes);
    free(g->wide[0]);
    free(g->wide[1]);
    g->bytes = g->wide[0] = g->wide[1] = NULL;
    return opt_error(cmd, opt, hex ? "'%s' is not hex bytes (e.g. 'de ad be ef')"
                                   : "an empty pattern%s", hex ? arg : "");
  }
  f->ngrep++;
  return 1;
}

int read_filter_option(read_filter *f, const char *cmd, int opt, const char *arg)
{
  switch (opt) {
  case 'e': return add_glob(cmd, "--function", f->fn_globs, &f->nfn, arg);
  case RF_OPT_MODULE: return add_glob(cmd, "--module", f->mod_globs, &f->nmod, arg);
  case RF_OPT_PID: f->has_pid = 1; return parse_u32(cmd, "--pid", arg, &f->pid);
  case RF_OPT_TID: f->has_tid = 1; return parse_u32(cmd, "--tid", arg, &f->tid);
  case RF_OPT_SINCE: f->since_arg = arg; return 1;
  case RF_OPT_UNTIL: f->until_arg = arg; return 1;
  case RF_OPT_FAILED: return set_outcome(f, cmd, READ_OUTCOME_FAILED);
  case RF_OPT_SUCCESSFUL: return set_outcome(f, cmd, READ_OUTCOME_SUCCESSFUL);
  case RF_OPT_FILTER:
    if (f->expr_src)
      return opt_error(cmd, "--filter", "given twice (combine with &&: '%s')", arg);
    f->expr_src = arg;
    return 1;
  case RF_OPT_GREP: return add_grep(f, cmd, "--grep", arg, 0);
  case RF_OPT_GREP_HEX: return add_grep(f, cmd, "--grep-hex", arg, 1);
  default: return 0;
  }
}

/* Decimal digits after a '.' -> ns (digits past the 9th are ignored); the
 * end of the digits in *end, the ns its last digit counts in *unit. */
static uint64_t parse_fraction(const char *p, const char **end, uint64_t *unit)
{
  uint64_t frac = 0, scale = 1000000000u;
  for (; *p >= '0' && *p <= '9'; p++)
    if (scale > 1)
      frac += (uint64_t)(*p - '0') * (scale /= 10);
  *end = p;
  *unit = scale;
  return frac;
}

/* "+SECONDS[.fraction]" -> ns; -1 when malformed. */
static int parse_relative(const char *s, uint64_t *ns)
{
  uint64_t sec = 0, frac = 0;
  const char *p = s + 1;
  if (*p < '0' || *p > '9')
    return -1;
  for (; *p >= '0' && *p <= '9'; p++)
    if ((sec = sec * 10 + (uint64_t)(*p - '0')) > 1000000000u)
      return -1;
  uint64_t unit;
  if (*p == '.')
    frac = parse_fraction(p + 1, &p, &unit);
  if (*p)
    return -1;
  *ns = sec * 1000000000u + frac;
  return 0;
}

/* "HH:MM:SS[.fraction]" on the local day of day_ns -> ns since the epoch;
 * *unit: the ns its last digit counts (a second without a fraction). */
static int parse_wall(const char *s, uint64_t day_ns, uint64_t *ns, uint64_t *unit)
{
  unsigned h, m, sec;
  int used = 0;
  if (sscanf(s, "%2u:%2u:%2u%n", &h, &m, &sec, &used) != 3 || h > 23 || m > 59 || sec > 60)
    return -1;
  const char *p = s + used;
  uint64_t frac = 0;
  *unit = 1000000000u;
  if (*p == '.')
    frac = parse_fraction(p + 1, &p, unit);
  if (*p)
    return -1;
  time_t day = (time_t)(day_ns / 1000000000u);
  struct tm tm;
  localtime_r(&day, &tm);
  tm.tm_hour = (int)h, tm.tm_min = (int)m, tm.tm_sec = (int)sec, tm.tm_isdst = -1;
  time_t t = mktime(&tm);
  if (t == (time_t)-1)
    return -1;
  *ns = (uint64_t)t * 1000000000u + frac;
  return 0;
}

static int resolve_time(const read_filter *f, const char *opt, const char *arg, uint64_t *ns)
{
  const char *cmd = f->s->cmd;
  uint64_t start = f->s->info->start_ns;
  if (!start)
    return opt_error(cmd, opt, "the capture records no start time ('%s')", arg);
  if (arg[0] == '+') {
    uint64_t rel;
    if (parse_relative(arg, &rel) < 0)
      return opt_error(cmd, opt, "'%s' is not +SECONDS (e.g. +1.5)", arg);
    *ns = start + rel;
    return 0;
  }
  uint64_t unit;
  if (parse_wall(arg, start, ns, &unit) < 0)
    return opt_error(cmd, opt, "'%s' is not HH:MM:SS[.ffffff] or +SECONDS", arg);
  /* a time as show prints it (microseconds) names that whole microsecond:
   * --until with a line's time keeps that line */
  if (!strcmp(opt, "--until"))
    *ns += unit - 1;
  return 0;
}

static int hook_passes(const read_filter *f, const ospy_plan_hook *hk, uint32_t index)
{
  char buf[32], module[256] = "";
  snprintf(buf, sizeof buf, "hook#%u", index);
  const char *full = hk ? (hk->display[0] ? hk->display : hk->symbol) : buf;
  const char *bang = strchr(full, '!');
  const char *fn = bang ? bang + 1 : full;
  if (bang)
    snprintf(module, sizeof module, "%.*s", (int)(bang - full), full);
  else if (hk)
    snprintf(module, sizeof module, "%s", hk->module);
  int ok = !f->nfn;
  for (size_t i = 0; i < f->nfn && !ok; i++)
    ok = !fnmatch(f->fn_globs[i], full, 0) || !fnmatch(f->fn_globs[i], fn, 0) ||
         (hk && !fnmatch(f->fn_globs[i], hk->symbol, 0));
  int mod_ok = !f->nmod;
  for (size_t i = 0; i < f->nmod && !mod_ok; i++)
    mod_ok = !fnmatch(f->mod_globs[i], module, 0);
  return ok && mod_ok;
}

int read_filter_prepare(read_filter *f, const read_session *s)
{
  f->s = s;
  f->until_ns = UINT64_MAX;
  if (f->since_arg && resolve_time(f, "--since", f->since_arg, &f->since_ns) < 0)
    return -1;
  if (f->until_arg && resolve_time(f, "--until", f->until_arg, &f->until_ns) < 0)
    return -1;
  if (f->since_arg && f->until_arg && f->since_ns > f->until_ns) {
    fprintf(stderr, "ospy %s: --since %s is after --until %s: no record can be in between\n",
            s->cmd, f->since_arg, f->until_arg);
    return -1;
  }
  f->nhooks = s->plan ? ospy_plan_hook_count(s->plan) : 0;
  f->hook_pass = calloc((size_t)f->nhooks + 1, 1);
  if (!f->hook_pass)
    return opt_error(s->cmd, "filters", "out of memory%s", "");
  for (uint32_t i = 0; i < f->nhooks; i++)
    f->hook_pass[i] = (uint8_t)hook_passes(f, ospy_plan_hook_at(s->plan, i), i);
  return read_filter_prepare_expr(f);
}

int read_filter_has_call_filters(const read_filter *f)
{
  return f->nfn || f->nmod || f->outcome || f->expr_src || f->ngrep;
}

int read_filter_any(const read_filter *f)
{
  return read_filter_has_call_filters(f) || f->has_pid || f->has_tid || f->since_arg ||
         f->until_arg;
}

static int call_matches(read_filter *f, const ospy_event_call *c)
{
  int pass = c->hook < f->nhooks ? f->hook_pass[c->hook] : hook_passes(f, NULL, c->hook);
  if (!pass)
    return 0;
  if (f->outcome && read_call_outcome(f->s, c) != f->outcome)
    return 0;
  if (f->expr_src && !read_filter_eval(f, c))
    return 0;
  return !f->ngrep || read_filter_grep(f, c);
}

int read_filter_match(read_filter *f, const ospy_event_hdr *rec)
{
  if (rec->type == OSPY_EV_HOOK_NAME) { /* the reader renamed the hook: -e/-m see its new name */
    uint32_t hook = ((const ospy_event_hook_name *)rec)->hook;
    if (hook < f->nhooks)
      f->hook_pass[hook] = (uint8_t)hook_passes(f, ospy_plan_hook_at(f->s->plan, hook), hook);
  }
  if ((f->has_pid && rec->pid != f->pid) || (f->has_tid && rec->tid != f->tid))
    return 0;
  if (rec->ts < f->since_ns || rec->ts > f->until_ns)
    return 0;
  if (rec->type == OSPY_EV_CALL)
    return call_matches(f, (const ospy_event_call *)rec);
  if (!read_filter_has_call_filters(f))
    return 1;
  return rec->type == OSPY_EV_ERROR || rec->type == OSPY_EV_LOST;
}

void read_filter_free(read_filter *f)
{
  read_filter_free_expr(f);
  for (size_t i = 0; i < f->ngrep; i++) {
    free(f->grep[i].bytes);
    free(f->grep[i].wide[0]);
    free(f->grep[i].wide[1]);
  }
  free(f->hook_pass);
  f->hook_pass = NULL;
  f->ngrep = 0;
}
