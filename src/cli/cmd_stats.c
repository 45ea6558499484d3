/* ospy stats FILE: per function calls, errors, total/min/median/max duration
 * and a latency histogram (docs/reading.md). Memory: one fixed histogram per
 * function seen (976 counters), whatever the number of calls. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli_getopt.h"
#include "cli/commands.h"
#include "cli/read_common.h"
#include "cli/read_filter.h"
#include "plan/values.h"

/* Log-linear buckets: values below 16 ns exactly, then 16 sub-buckets per
 * power of two (a bucket is at most 1/16 of its lower bound wide). */
#define SUB_BITS 4
#define NSUB (1u << SUB_BITS)
#define NBUCKETS ((64 - SUB_BITS + 1) * NSUB)
#define MAX_SLOTS (1u << 16) /* hook indices (plan limit), then "other" */

enum { OPT_SORT = 0x200, OPT_NO_HIST, OPT_NO_PROGRESS };
enum { SORT_TOTAL, SORT_CALLS, SORT_ERRORS, SORT_MAX, SORT_NAME };

typedef struct fn_stats {
  char name[128];
  /* the name as the capture gives it, and the next function of the same
   * hook: a module glob's hook (libplug*.so!f) moves from one library to
   * the next, and each is a function of its own */
  char raw[128];
  struct fn_stats *next;
  uint64_t calls, errors, timed, total, min, max;
  uint64_t unreturned; /* recorded without a return (= ? in show) */
  uint64_t bucket[NBUCKETS];
} fn_stats;

typedef struct stats_job {
  read_session s;
  read_filter filter;
  int sort, hist, progress;
  fn_stats **slot; /* MAX_SLOTS + 1 */
  uint64_t lost;
} stats_job;

static void usage(FILE *out)
{
  fprintf(out,
          "usage: ospy stats [OPTIONS] FILE\n"
          "  Per function: calls, errors (--failed rule), total/min/median/max duration\n"
          "  and a log2 latency histogram.\n"
          "  --sort total|calls|errors|max|name  order of the table (default total)\n"
          "  --no-hist            the table only\n"
          "  --no-progress        no progress bar on a terminal's stderr\n"
          READ_FILTER_USAGE
          "See docs/reading.md.\n");
}

static int parse_sort(const char *arg)
{
  static const char *const names[] = { "total", "calls", "errors", "max", "name" };
  for (int i = 0; i < 5; i++)
    if (!strcmp(arg, names[i]))
      return i;
  fprintf(stderr, "ospy stats: --sort: '%s' is not total, calls, errors, max or name\n", arg);
  return -1;
}

static int parse_args(stats_job *j, int argc, char **argv)
{
  static const struct option longopts[] = {
    { "sort", required_argument, 0, OPT_SORT }, { "no-hist", no_argument, 0, OPT_NO_HIST },
    { "no-progress", no_argument, 0, OPT_NO_PROGRESS }, { "help", no_argument, 0, 'h' },
    READ_FILTER_LONGOPTS, { 0, 0, 0, 0 } };
  int c, rc;
  optind = 1;
  while ((c = ospy_cli_getopt(argc, argv, "he:", longopts, "stats", "FILE")) != -1) {
    switch (c) {
    case OPT_SORT: if ((j->sort = parse_sort(optarg)) < 0) return -1; break;
    case OPT_NO_HIST: j->hist = 0; break;
    case OPT_NO_PROGRESS: j->progress = 0; break;
    case 'h': usage(stdout); return 1;
    default:
      if ((rc = read_filter_option(&j->filter, "stats", c, optarg)) == 1)
        break;
      if (rc == 0)
        usage(stderr);
      return -1;
    }
  }
  if (optind + 1 != argc) {
    fprintf(stderr, "ospy stats: %s\n",
            optind == argc ? "no capture file named" : "one capture file at a time");
    usage(stderr);
    return -1;
  }
  return 0;
}

/* ---- buckets ---- */

static unsigned bucket_of(uint64_t ns)
{
  if (ns < NSUB)
    return (unsigned)ns;
  unsigned k = 63u - (unsigned)__builtin_clzll(ns); /* >= SUB_BITS */
  unsigned sub = (unsigned)(ns >> (k - SUB_BITS)) & (NSUB - 1);
  return (k - SUB_BITS + 1) * NSUB + sub;
}

static uint64_t bucket_low(unsigned b, uint64_t *width)
{
  if (b < NSUB) {
    *width = 1;
    return b;
  }
  unsigned k = b / NSUB + SUB_BITS - 1, sub = b % NSUB;
  *width = 1ull << (k - SUB_BITS);
  return (uint64_t)(NSUB + sub) << (k - SUB_BITS);
}

/* The lower median (the value of rank ceil(timed / 2)): the middle of its
 * bucket, clamped to [min, max]; off by at most 1/32 of the true value. */
static uint64_t median_of(const fn_stats *f)
{
  uint64_t rank = (f->timed + 1) / 2, seen = 0, width;
  for (unsigned b = 0; b < NBUCKETS; b++) {
    if ((seen += f->bucket[b]) < rank)
      continue;
    uint64_t mid = bucket_low(b, &width) + width / 2;
    return mid < f->min ? f->min : mid > f->max ? f->max : mid;
  }
  return 0;
}

/* ---- accumulation ---- */

static fn_stats *slot_for(stats_job *j, const ospy_event_call *c)
{
  uint32_t i = c->hook < MAX_SLOTS ? c->hook : MAX_SLOTS;
  char buf[32];
  const char *name = i == MAX_SLOTS ? "(unknown hooks)" : read_call_name(&j->s, c, buf, sizeof buf);
  for (fn_stats *f = j->slot[i]; f; f = f->next)
    if (!strncmp(f->raw, name, sizeof f->raw - 1))
      return f;
  fn_stats *f = calloc(1, sizeof *f);
  if (!f)
    return NULL;
  snprintf(f->raw, sizeof f->raw, "%s", name);
  /* as show writes it: a module's file name is the program's to choose */
  ospy_safe_text(name, strlen(name), f->name, sizeof f->name);
  f->min = UINT64_MAX;
  f->next = j->slot[i];
  return j->slot[i] = f;
}

static int account(stats_job *j, const ospy_event_call *c)
{
  fn_stats *f = slot_for(j, c);
  if (!f)
    return -1;
  f->calls++;
  f->errors += read_call_outcome(&j->s, c) == READ_OUTCOME_FAILED;
  if (c->h.flags & OSPY_CALL_F_NO_RETURN) {
    f->unreturned++;
    return 0;
  }
  if (c->ts_leave < c->h.ts)
    return 0;
  uint64_t d = c->ts_leave - c->h.ts;
  f->timed++;
  f->total += d;
  f->min = d < f->min ? d : f->min;
  f->max = d > f->max ? d : f->max;
  f->bucket[bucket_of(d)]++;
  return 0;
}

static int stats_records(stats_job *j)
{
  char err[1024];
  const ospy_event_hdr *rec;
  int rc, status = 0;
  read_progress prog;
  read_progress_init(&prog, j->progress && isatty(STDERR_FILENO));
  while ((rc = ospy_capfile_next(j->s.r, &rec, err, sizeof err)) != 0) {
    read_progress_tick(&prog, j->s.r);
    if (rc < 0) {
      read_progress_done(&prog);
      fprintf(stderr, "ospy stats: %s\n", err);
      status = 1;
    } else if (rec->type == OSPY_EV_HOOK_NAME) {
      (void)read_filter_match(&j->filter, rec); /* -e/-m see the hook's name as show does */
    } else if (rec->type == OSPY_EV_LOST && read_filter_match(&j->filter, rec)) {
      j->lost += ((const ospy_event_lost *)rec)->count;
    } else if (rec->type == OSPY_EV_CALL && read_filter_match(&j->filter, rec) &&
               account(j, (const ospy_event_call *)rec) < 0) {
      fprintf(stderr, "ospy stats: out of memory\n");
      status = 1;
      break;
    }
  }
  read_progress_done(&prog);
  if (ospy_capfile_truncated(j->s.r, err, sizeof err))
    fprintf(stderr, "ospy stats: warning: %s\n", err);
  return status;
}

/* ---- output ---- */

static const char *fmt_dur(uint64_t ns, char *buf, size_t cap)
{
  if (ns < 1000)
    snprintf(buf, cap, "%" PRIu64 "ns", ns);
  else if (ns < 1000000)
    snprintf(buf, cap, "%.2fus", (double)ns / 1e3);
  else if (ns < 1000000000)
    snprintf(buf, cap, "%.2fms", (double)ns / 1e6);
  else
    snprintf(buf, cap, "%.3fs", (double)ns / 1e9);
  return buf;
}

static int sort_key;

static int cmp_u64_desc(uint64_t a, uint64_t b) { return a < b ? 1 : a > b ? -1 : 0; }

static int cmp_stats(const void *pa, const void *pb)
{
  const fn_stats *a = *(fn_stats *const *)pa, *b = *(fn_stats *const *)pb;
  int r = 0;
  switch (sort_key) {
  case SORT_TOTAL: r = cmp_u64_desc(a->total, b->total); break;
  case SORT_CALLS: r = cmp_u64_desc(a->calls, b->calls); break;
  case SORT_ERRORS: r = cmp_u64_desc(a->errors, b->errors); break;
  case SORT_MAX: r = cmp_u64_desc(a->timed ? a->max : 0, b->timed ? b->max : 0); break;
  default: break;
  }
  return r ? r : strcmp(a->name, b->name);
}

static void print_row(const fn_stats *f)
{
  char t[4][32];
  if (!f->timed) {
    printf("%10" PRIu64 " %8" PRIu64 " %10s %10s %10s %10s  %s\n", f->calls, f->errors, "-",
           "-", "-", "-", f->name);
    return;
  }
  printf("%10" PRIu64 " %8" PRIu64 " %10s %10s %10s %10s  %s\n", f->calls, f->errors,
         fmt_dur(f->total, t[0], 32), fmt_dur(f->min, t[1], 32),
         fmt_dur(median_of(f), t[2], 32), fmt_dur(f->max, t[3], 32), f->name);
}

static const char *fmt_pow2(unsigned k, char *buf, size_t cap)
{
  static const char suffix[] = " KMGTPE";
  snprintf(buf, cap, "%llu%.*s", 1ull << (k % 10), k >= 10, &suffix[k / 10]);
  return buf;
}

static void print_hist(const fn_stats *f)
{
  uint64_t pow2[65] = { 0 }, top = 0;
  unsigned lo = 64, hi = 0;
  for (unsigned b = 0; b < NBUCKETS; b++) {
    if (!f->bucket[b])
      continue;
    uint64_t w, low = bucket_low(b, &w);
    unsigned k = low ? 63u - (unsigned)__builtin_clzll(low) : 64; /* 64: the zero bucket */
    pow2[k] += f->bucket[b];
  }
  for (unsigned k = 0; k < 65; k++)
    if (pow2[k]) {
      top = pow2[k] > top ? pow2[k] : top;
      lo = k < lo ? k : lo;
      hi = k < 64 && k > hi ? k : hi;
    }
  printf("\n%s: %" PRIu64 " call%s", f->name, f->calls, f->calls == 1 ? "" : "s");
  if (f->unreturned)
    printf(" (%" PRIu64 " did not return)", f->unreturned);
  printf(", latency (ns, K = 1024)\n");
  if (pow2[64])
    printf("  %-16s %10" PRIu64 " |%-40.*s|\n", "0", pow2[64],
           (int)(pow2[64] * 40 / top), "@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@");
  for (unsigned k = lo; k <= hi && lo < 64; k++) {
    char a[16], b[16], label[40];
    snprintf(label, sizeof label, "[%s, %s)", fmt_pow2(k, a, 16), fmt_pow2(k + 1, b, 16));
    printf("  %-16s %10" PRIu64 " |%-40.*s|\n", label, pow2[k], (int)(pow2[k] * 40 / top),
           "@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@");
  }
}

/* Where the capture comes from, from its header (the file's own words,
 * escaped as show escapes them): "recorded by ospy 0.1.0 on vm1, started
 * 2026-12-07 21:00:37 UTC (spawn): ./prog 'a b'". */
static void print_origin(const ospy_capfile_info *info)
{
  char when[64] = "at an unknown time";
  time_t t = (time_t)(info->start_ns / 1000000000u);
  struct tm tm;
  if (info->start_ns && gmtime_r(&t, &tm))
    strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S UTC", &tm);
  fputs("  recorded by ospy ", stdout);
  ospy_safe_fputs(stdout, info->version, strnlen(info->version, sizeof info->version));
  fputs(" on ", stdout);
  ospy_safe_fputs(stdout, info->host, strnlen(info->host, sizeof info->host));
  printf(", started %s", when);
  if (info->mode[0]) {
    fputs(" (", stdout);
    ospy_safe_fputs(stdout, info->mode, strnlen(info->mode, sizeof info->mode));
    fputc(')', stdout);
  }
  if (!strcmp(info->mode, "attach") && info->cmdline) { /* ("pid N", one word) */
    fputs(": ", stdout);
    ospy_safe_fputs(stdout, info->cmdline, strnlen(info->cmdline, info->cmdline_len));
    fputc('\n', stdout);
    return;
  }
  size_t len = info->cmdline ? ospy_argv_text(info->cmdline, info->cmdline_len, NULL, 0) : 0;
  char *cmd = len ? malloc(len + 1) : NULL;
  if (cmd) {
    ospy_argv_text(info->cmdline, info->cmdline_len, cmd, len + 1);
    printf(": %s", cmd);
  }
  free(cmd);
  fputc('\n', stdout);
}

static int print_report(stats_job *j)
{
  size_t n = 0, cap = 0;
  for (size_t i = 0; i <= MAX_SLOTS; i++)
    for (fn_stats *f = j->slot[i]; f; f = f->next)
      cap++;
  fn_stats **list = malloc((cap + 1) * sizeof *list);
  if (!list)
    return 1;
  uint64_t calls = 0, errors = 0, unreturned = 0;
  for (size_t i = 0; i <= MAX_SLOTS; i++)
    for (fn_stats *f = j->slot[i]; f; f = f->next) {
      list[n++] = f;
      calls += f->calls;
      errors += f->errors;
      unreturned += f->unreturned;
    }
  sort_key = j->sort;
  qsort(list, n, sizeof *list, cmp_stats);
  printf("%10s %8s %10s %10s %10s %10s  %s\n", "calls", "errors", "total", "min", "median",
         "max", "function");
  for (size_t i = 0; i < n; i++)
    print_row(list[i]);
  printf("%10" PRIu64 " %8" PRIu64 "  total\n", calls, errors);
  if (unreturned) /* (counted as calls, in no duration: say how many) */
    printf("%10" PRIu64 " call%s did not return (= ? in show: the thread or process ended, "
           "longjmp, exception)\n", unreturned, unreturned == 1 ? "" : "s");
  if (j->lost)
    printf("%10" PRIu64 " events lost (dropped by --lossy, or calls that could not be recorded)\n",
           j->lost);
  if (j->s.info)
    print_origin(j->s.info);
  for (size_t i = 0; i < n && j->hist; i++)
    if (list[i]->timed)
      print_hist(list[i]);
  free(list);
  return 0;
}

static int run_stats(stats_job *j, const char *path)
{
  if (!(j->slot = calloc(MAX_SLOTS + 1, sizeof *j->slot))) {
    fprintf(stderr, "ospy stats: out of memory\n");
    return 1;
  }
  if (read_session_open(&j->s, "stats", path) < 0)
    return 1;
  if (read_filter_prepare(&j->filter, &j->s) < 0)
    return 2;
  int status = stats_records(j) | j->s.header_damaged; /* (said when opened) */
  status |= print_report(j);
  return read_stdout_finish("stats") < 0 ? 1 : status;
}

int cmd_stats(int argc, char **argv)
{
  stats_job j = { .sort = SORT_TOTAL, .hist = 1, .progress = 1 };
  int rc = parse_args(&j, argc, argv);
  if (rc == 0)
    rc = run_stats(&j, argv[optind]);
  else
    rc = rc > 0 ? 0 : 2;
  if (j.slot)
    for (size_t i = 0; i <= MAX_SLOTS; i++)
      for (fn_stats *f = j.slot[i], *next; f; f = next) {
        next = f->next;
        free(f);
      }
  free(j.slot);
  read_filter_free(&j.filter);
  read_session_close(&j.s);
  return rc;
}
