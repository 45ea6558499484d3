/* ospy show FILE: the recorded events, one line per call (docs/reading.md). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "capture/format.h"
#include "cli/cli_getopt.h"
#include "cli/commands.h"
#include "cli/read_common.h"
#include "cli/read_filter.h"
#include "plan/values.h"
#include "plan/values_format.h"

enum { OPT_BACKTRACE = 0x200, OPT_COLOR, OPT_NO_PROGRESS };

typedef struct show_job {
  read_session s;
  read_filter filter;
  ospy_format_opts fo;
  size_t string_limit;
  int hexdump, progress;
  const char *color;
} show_job;

static void usage(FILE *out)
{
  fprintf(out,
          "usage: ospy show [OPTIONS] FILE\n"
          "  -T                   call durations <seconds>\n"
          "  -s N                 strings and buffers cut at N bytes (default 32, 0: whole)\n"
          "  -x                   buffers and strings also as hex+ASCII dumps under the call\n"
          "  --backtrace          the recorded return addresses\n"
          "  --color=auto|always|never  colours (auto: when stdout is a terminal)\n"
          "  --no-progress        no progress bar (shown on a terminal's stderr for long runs)\n"
          READ_FILTER_USAGE
          "See docs/reading.md.\n");
}

static int parse_limit(const char *arg, size_t *out)
{
  char *end;
  unsigned long n = strtoul(arg, &end, 10);
  if (*end || end == arg || arg[0] == '-') {
    fprintf(stderr, "ospy show: -s: '%s' is not a number of bytes\n", arg);
    return -1;
  }
  *out = n;
  return 0;
}

/* --color's value, checked when the option is read: getopt also takes the
 * next word as the value (--color always), so `--color FILE` made the file
 * the colour mode and then said no capture file was named. */
static int color_mode_valid(const char *mode)
{
  if (!strcmp(mode, "auto") || !strcmp(mode, "always") || !strcmp(mode, "never"))
    return 1;
  fprintf(stderr, "ospy show: --color takes auto, always or never (--color=WHEN), not '%s'\n",
          mode);
  return 0;
}

static int color_wanted(const char *mode)
{
  if (!mode || !strcmp(mode, "auto")) {
    const char *term = getenv("TERM");
    return isatty(STDOUT_FILENO) && !getenv("NO_COLOR") && !(term && !strcmp(term, "dumb"));
  }
  return !strcmp(mode, "always");
}

/* 0 to go on, 1 after --help, -1 on a usage error. */
static int parse_args(show_job *j, int argc, char **argv)
{
  static const struct option longopts[] = {
    { "backtrace", no_argument, 0, OPT_BACKTRACE }, { "string-limit", required_argument, 0, 's' },
    { "color", required_argument, 0, OPT_COLOR }, { "colour", required_argument, 0, OPT_COLOR },
    { "no-progress", no_argument, 0, OPT_NO_PROGRESS }, { "help", no_argument, 0, 'h' },
    READ_FILTER_LONGOPTS, { 0, 0, 0, 0 } };
  int c, rc;
  optind = 1;
  while ((c = ospy_cli_getopt(argc, argv, "Ths:xe:", longopts, "show", "FILE")) != -1) {
    switch (c) {
    case 'T': j->fo.show_duration = 1; break;
    case 'x': j->hexdump = 1; break;
    case OPT_BACKTRACE: j->fo.show_backtrace = 1; break;
    case OPT_COLOR:
      if (!color_mode_valid(optarg))
        return -1;
      j->color = optarg;
      break;
    case OPT_NO_PROGRESS: j->progress = 0; break;
    case 's': if (parse_limit(optarg, &j->string_limit) < 0) return -1; break;
    case 'h': usage(stdout); return 1;
    default:
      if ((rc = read_filter_option(&j->filter, "show", c, optarg)) == 1)
        break;
      if (rc == 0)
        usage(stderr);
      return -1;
    }
  }
  if (optind + 1 != argc) {
    fprintf(stderr, "ospy show: %s\n", optind == argc ? "no capture file named"
                                                      : "one capture file at a time");
    usage(stderr);
    return -1;
  }
  j->fo.color = color_wanted(j->color);
  return 0;
}

/* ---- -x: hex+ASCII dumps ---- */

typedef struct dump_visit {
  const char *phase;
  size_t limit;
  char path[OSPY_VB_MAX_DEPTH + 2][96]; /* the value's name per depth */
  int kind[OSPY_VB_MAX_DEPTH + 2];
} dump_visit;

/* The offset in hex, at least 4 digits (printf's %04zx); returns the end. */
static char *put_offset(char *o, size_t off)
{
  static const char hex[] = "0123456789abcdef";
  int digits = 4;
  while (digits < (int)(2 * sizeof off) && off >> (4 * digits))
    digits++;
  for (int d = digits; d-- > 0;)
    *o++ = hex[(off >> (4 * d)) & 15];
  return o;
}

/* One dump line of k (1..16) bytes, as "    %04zx " then " %02x" a byte
 * (an extra space before the ninth), "   " for each missing one, and
 * "  |ASCII|": built in a buffer and written at once (a printf a byte made
 * -x -s 0 of large buffers ten times slower than xxd). */
static void dump_line(const uint8_t *p, size_t off, size_t k)
{
  static const char hex[] = "0123456789abcdef";
  char line[128], *o = line;
  memcpy(o, "    ", 4);
  o = put_offset(o + 4, off);
  *o++ = ' ';
  for (size_t i = 0; i < 16; i++) {
    if (i == 8)
      *o++ = ' ';
    o[0] = ' ';
    o[1] = i < k ? hex[p[i] >> 4] : ' ';
    o[2] = i < k ? hex[p[i] & 15] : ' ';
    o += 3;
  }
  memcpy(o, "  |", 3);
  o += 3;
  for (size_t i = 0; i < k; i++)
    *o++ = p[i] >= 32 && p[i] < 127 ? (char)p[i] : '.';
  *o++ = '|';
  *o++ = '\n';
  fwrite(line, 1, (size_t)(o - line), stdout);
}

static void dump_bytes(const uint8_t *p, size_t n)
{
  for (size_t off = 0; off < n; off += 16)
    dump_line(p + off, off, n - off < 16 ? n - off : 16);
}

static void dump_name(dump_visit *dv, const ospy_value *v)
{
  unsigned d = v->depth < OSPY_VB_MAX_DEPTH + 1 ? v->depth : OSPY_VB_MAX_DEPTH + 1;
  char name[sizeof dv->path[0]];
  if (v->depth == 0)
    snprintf(name, sizeof name, "%s", v->index == OSPY_VALUE_RETVAL ? "retval"
                                      : v->name ? v->name : "?");
  else if (v->name)
    snprintf(name, sizeof name, "%.60s.%.30s", dv->path[d - 1], v->name);
  else if (dv->kind[d - 1] == OSPY_VALUE_POINTER) /* a pointee: the pointer's name */
    snprintf(name, sizeof name, "%s", dv->path[d - 1]);
  else
    snprintf(name, sizeof name, "%.80s[%d]", dv->path[d - 1], v->index);
  memcpy(dv->path[d], name, sizeof name);
  dv->kind[d] = v->kind;
}

static int dump_enter(const ospy_value *v, void *data)
{
  dump_visit *dv = data;
  dump_name(dv, v);
  if ((v->kind != OSPY_VALUE_BYTES && v->kind != OSPY_VALUE_STRING) || !v->nbytes)
    return 0;
  /* -s N: N characters of a string (its code units: 4 bytes each of a
   * wchar_t string), as the line shows them; N bytes of a buffer */
  size_t unit = v->kind == OSPY_VALUE_STRING && v->unit > 1 ? v->unit : 1;
  size_t n = dv->limit && v->nbytes / unit > dv->limit ? dv->limit * unit : v->nbytes;
  printf("    %s (%s, %zu bytes", dv->path[v->depth < OSPY_VB_MAX_DEPTH + 1 ? v->depth : 0],
         dv->phase, v->nbytes);
  if (v->total > v->nbytes && v->kind == OSPY_VALUE_BYTES)
    printf(" of %llu", (unsigned long long)v->total);
  printf(n < v->nbytes ? ", first %zu shown):\n" : "):\n", n);
  dump_bytes(v->bytes, n);
  return 0;
}

static void dump_call(show_job *j, const ospy_event_call *c)
{
  const ospy_spec_fn *fn = read_call_spec(&j->s, c);
  static const ospy_value_visitor vis = { dump_enter, NULL };
  char err[128];
  if (!fn)
    return;
  dump_visit dv = { .phase = "in", .limit = j->string_limit };
  if (c->enter_len)
    ospy_values_decode(fn, read_call_enter(c), c->enter_len, &vis, &dv, err, sizeof err);
  dv.phase = "out";
  if (c->leave_len)
    ospy_values_decode(fn, read_call_leave(c), c->leave_len, &vis, &dv, err, sizeof err);
}

/* ---- the loop ---- */

static void show_record(show_job *j, const ospy_event_hdr *rec)
{
  const ospy_event_call *c = rec->type == OSPY_EV_CALL ? (const ospy_event_call *)rec : NULL;
  j->fo.failed = c && read_call_outcome(&j->s, c) == READ_OUTCOME_FAILED;
  ospy_format_event(stdout, rec, j->s.plan, &j->fo);
  if (c && j->hexdump)
    dump_call(j, c);
}

static int show_records(show_job *j)
{
  char err[1024];
  const ospy_event_hdr *rec;
  int rc, status = 0;
  read_progress prog;
  uint64_t calls_read = 0, calls_shown = 0;
  read_progress_init(&prog, j->progress && isatty(STDERR_FILENO) && !isatty(STDOUT_FILENO));
  while ((rc = ospy_capfile_next(j->s.r, &rec, err, sizeof err)) != 0) {
    read_progress_tick(&prog, j->s.r);
    int is_call = rc > 0 && rec->type == OSPY_EV_CALL;
    calls_read += is_call;
    if (rc < 0) {
      read_progress_done(&prog);
      fprintf(stderr, "ospy show: %s\n", err);
      status = 1;
    } else if (read_filter_match(&j->filter, rec)) {
      calls_shown += is_call;
      show_record(j, rec);
      if (ferror(stdout))
        break; /* the output failed: said at the end (read_stdout_finish) */
    } else {
      ospy_format_follow(rec, &j->fo); /* what later calls are shown with */
    }
  }
  read_progress_done(&prog);
  /* an empty answer is not taken for a broken filter or capture in silence */
  if (read_filter_any(&j->filter) && !calls_shown && !ferror(stdout))
    fprintf(stderr, "ospy show: no call matched the filters (%" PRIu64 " call%s read)\n", calls_read,
            calls_read == 1 ? "" : "s");
  /* (stopped by its output, the reader has not met the end marker yet) */
  if (!ferror(stdout) && ospy_capfile_truncated(j->s.r, err, sizeof err))
    fprintf(stderr, "ospy show: warning: %s\n", err);
  return status;
}

int cmd_show(int argc, char **argv)
{
  show_job j = { .fo = { .show_tid = 1 }, .string_limit = 32, .progress = 1 };
  int rc = parse_args(&j, argc, argv);
  if (rc != 0) {
    read_filter_free(&j.filter);
    return rc > 0 ? 0 : 2;
  }
  ospy_values_set_string_limit(j.string_limit); /* as strace: -s N, -s 0 whole */
  if (read_session_open(&j.s, "show", argv[optind]) < 0) {
    read_filter_free(&j.filter);
    return 1;
  }
  j.fo.specs = j.s.specs;
  ospy_fdnames fdnames; /* FdName records: fd=3</etc/hosts> */
  ospy_fdnames_init(&fdnames);
  j.fo.fdnames = &fdnames;
  if (j.fo.show_backtrace)
    j.fo.symbols = ospy_symbolizer_new(); /* NULL (no libelf): raw addresses */
  rc = read_filter_prepare(&j.filter, &j.s) < 0 ? 2 : show_records(&j);
  if (rc == 0 && j.s.header_damaged)
    rc = 1; /* said when opened; the calls were shown as hook#N */
  ospy_fdnames_free(&fdnames);
  ospy_symbolizer_free(j.fo.symbols);
  if (read_stdout_finish("show") < 0 && !rc)
    rc = 1;
  read_filter_free(&j.filter);
  read_session_close(&j.s);
  return rc;
}
