/* ospy diff A B: compare two recordings of the same program call by call
 * (src/export/diff.h aligns them, docs/diff-and-streams.md). Exit status 0:
 * equivalent, 1: different, 2: error. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli_getopt.h"
#include "cli/commands.h"
#include "cli/read_common.h"
#include "export/call_text.h"
#include "export/capture_source.h"
#include "export/diff.h"
#include "plan/values.h"

#define DIFF_USAGE "usage: ospy diff [-w CALLS] A B\n"

static void diff_help(void)
{
  printf(DIFF_USAGE
         "  Compares two recordings of the same program: calls are aligned per\n"
         "  thread by function and arguments, ignoring addresses, timestamps,\n"
         "  pids, tids and sequence numbers. Prints removed (-), added (+) and\n"
         "  changed (~) calls; exit status 0 when equivalent, 1 when not, 2 on error.\n"
         "  -w CALLS  alignment window per thread (default %d, 2..65535)\n",
         OSPY_DIFF_DEFAULT_WINDOW);
}

/* The name of a piece ("fd" of "fd=3", "return value" of "=3"). */
static size_t piece_name(const char *p)
{
  const char *eq = strchr(p, '=');
  return eq ? (size_t)(eq - p) : strlen(p);
}

/* The value of a piece: "3" of "fd=3", "\"x\"" of "buf=>\"x\"". */
static const char *piece_value(const char *p)
{
  const char *v = p + piece_name(p);
  return v + (*v == '=' ? 1 + (v[1] == '>') : 0);
}

/* The elements of an array value ("[1, 2]", "&[\"a\", \"b\"]" as
 * call_text writes them): their starts and lengths, split at the ", " that
 * are outside quotes and brackets. 0 for anything else, or an array cut
 * short (a text at its size limit). *starts is malloc'd. */
static size_t array_elements(const char *v, const char ***starts, size_t **lens)
{
  *starts = NULL;
  *lens = NULL;
  v += *v == '&';
  size_t len = strlen(v);
  if (len < 2 || v[0] != '[' || v[len - 1] != ']')
    return 0;
  size_t n = 0, cap = 0, depth = 0;
  int quoted = 0;
  const char *start = v + 1;
  for (const char *c = v + 1; c < v + len; c++) {
    if (quoted) { /* \" and \\ inside a string */
      if (*c == '\\' && c[1])
        c++;
      else
        quoted = *c != '"';
      continue;
    }
    int ends = (c == v + len - 1 && depth == 0) || (*c == ',' && depth == 0);
    if (ends && c > start) {
      if (n == cap) {
        cap = cap ? cap * 2 : 32;
        const char **s2 = realloc(*starts, cap * sizeof *s2);
        size_t *l2 = s2 ? realloc(*lens, cap * sizeof *l2) : NULL;
        if (s2)
          *starts = s2;
        if (!l2) {
          free(*starts), free(*lens);
          *starts = NULL, *lens = NULL;
          return 0;
        }
        *lens = l2;
      }
      (*starts)[n] = start;
      (*lens)[n++] = (size_t)(c - start);
      start = c + 1 + (c[1] == ' ');
    }
    quoted = *c == '"';
    depth += *c == '[' || *c == '{' || *c == '(';
    depth -= depth && (*c == ']' || *c == '}' || *c == ')');
  }
  return quoted || depth ? 0 : n;
}

static void print_elements(const char **starts, const size_t *lens, size_t from, size_t to)
{
  if (from == to)
    printf("(none)");
  for (size_t i = from; i < to; i++)
    printf("%s%.*s", i > from ? ", " : "", (int)lens[i], starts[i]);
}

typedef struct elements {
  const char **starts;
  size_t *lens;
  size_t n;
} elements;

static int same_at(const elements *a, size_t i, const elements *b, size_t j)
{
  return a->lens[i] == b->lens[j] && !memcmp(a->starts[i], b->starts[j], a->lens[i]);
}

/* One run of elements that differ: "    envp[12]: \"A=1\" -> \"A=2\"". */
static void print_element_run(int n, const char *name, const elements *a, size_t i0, size_t i1,
                              const elements *b, size_t j0, size_t j1)
{
  if (i0 == j0)
    printf("    %.*s[%zu]: ", n, name, i0);
  else
    printf("    %.*s[%zu in A, %zu in B]: ", n, name, i0, j0);
  print_elements(a->starts, a->lens, i0, i1);
  printf(" -> ");
  print_elements(b->starts, b->lens, j0, j1);
  printf("\n");
}

/* Two arrays that differ (an environment, argv): only the elements that
 * differ, aligned by a longest common subsequence (an array's text is at
 * most OSPY_CALL_TEXT_MAX bytes: a few thousand elements at most). 0 when
 * the values are not both arrays. */
static int print_array_change(int n, const char *name, const char *va, const char *vb)
{
  elements a, b;
  a.n = array_elements(va, &a.starts, &a.lens);
  b.n = array_elements(vb, &b.starts, &b.lens);
  size_t w = b.n + 1;
  uint16_t *lcs = a.n && b.n ? calloc((a.n + 1) * w, sizeof *lcs) : NULL;
  if (lcs) { /* lcs[i * w + j]: of a from i and b from j */
    for (size_t i = a.n; i-- > 0;)
      for (size_t j = b.n; j-- > 0;)
        lcs[i * w + j] = same_at(&a, i, &b, j) ? (uint16_t)(lcs[(i + 1) * w + j + 1] + 1)
                         : lcs[(i + 1) * w + j] > lcs[i * w + j + 1] ? lcs[(i + 1) * w + j]
                                                                     : lcs[i * w + j + 1];
    size_t i = 0, j = 0;
    while (i < a.n || j < b.n) {
      if (i < a.n && j < b.n && same_at(&a, i, &b, j)) {
        i++, j++;
        continue;
      }
      size_t i0 = i, j0 = j; /* a run of removed and added elements */
      while (i < a.n || j < b.n) {
        if (i < a.n && j < b.n && same_at(&a, i, &b, j))
          break;
        if (j == b.n || (i < a.n && lcs[(i + 1) * w + j] >= lcs[i * w + j + 1]))
          i++;
        else
          j++;
      }
      print_element_run(n, name, &a, i0, i, &b, j0, j);
    }
  }
  free(lcs);
  free(a.starts), free(a.lens), free(b.starts), free(b.lens);
  return lcs != NULL;
}

/* A changed call's argument that is an array shows as its size on the "~"
 * line when it is long: the lines below show the elements that differ. */
#define ARRAY_INLINE_MAX 80

static void print_piece(const char *p, const char *other)
{
  const char *v = piece_value(p);
  const char **starts;
  size_t *lens;
  size_t n;
  if (other && strcmp(p, other) && strlen(v) > ARRAY_INLINE_MAX &&
      (n = array_elements(v, &starts, &lens))) {
    free(starts), free(lens);
    printf("%.*s%s[%zu elements]", (int)(v - p), p, *v == '&' ? "&" : "", n);
  } else {
    printf("%s", p);
  }
}

/* Text the traced program chose (its command line, its name, a
 * module's file name in a call's), escaped as
 * show escapes it: no control sequence of its reaches the terminal. */
static void print_safe(const char *s)
{
  ospy_safe_fputs(stdout, s, strlen(s));
}

/* One call: "name(arg=v, out=>v) = ret errno=N". For a changed call, other
 * is the call it changed from. */
static void print_call(char mark, const ospy_diff_call *c, const ospy_diff_call *other)
{
  const char *p = c->text, *q = other ? other->text : NULL;
  int nargs = 0, closed = 0;
  printf("%c ", mark);
  print_safe(p);
  putchar('(');
  while ((p = ospy_call_text_next(c->text, c->len, p))) {
    q = q ? ospy_call_text_next(other->text, other->len, q) : NULL;
    if (p[0] == '=' && !closed) {
      printf(") = %s", p + 1);
      closed = 1;
    } else if (closed)
      printf(" %s", p);
    else {
      printf("%s", nargs++ ? ", " : "");
      print_piece(p, other ? (q ? q : "") : NULL);
    }
  }
  printf("%s\n", closed ? "" : ")");
}

/* For a changed call: each piece that differs, "    fd: 3 -> 4". */
static void print_changes(const ospy_diff_call *a, const ospy_diff_call *b)
{
  const char *pa = a->text, *pb = b->text;
  for (;;) {
    /* one call may have more pieces (errno=, an out value logged in one run) */
    pa = pa ? ospy_call_text_next(a->text, a->len, pa) : NULL;
    pb = pb ? ospy_call_text_next(b->text, b->len, pb) : NULL;
    if (!pa && !pb)
      return;
    if (pa && pb && !strcmp(pa, pb))
      continue;
    const char *named = pa ? pa : pb;
    size_t n = piece_name(named);
    const char *va = pa ? piece_value(pa) : "", *vb = pb ? piece_value(pb) : "";
    if (n && pa && pb && piece_name(pa) == piece_name(pb) && !strncmp(pa, pb, n) &&
        print_array_change((int)n, named, va, vb))
      continue;
    if (n)
      printf("    %.*s: %s -> %s\n", (int)n, named, pa ? va : "(absent)", pb ? vb : "(absent)");
    else
      printf("    return value: %s -> %s\n", pa ? va : "(absent)", pb ? vb : "(absent)");
  }
}

static void print_header_once(void);

static void on_diff(void *data, int op, const ospy_diff_lane_info *lane,
                    const ospy_diff_call *a, const ospy_diff_call *b)
{
  (void)data;
  print_header_once();
  switch (op) {
  case OSPY_DIFF_HUNK:
    printf("@@ ");
    print_safe(lane->label); /* the process's name: its executable's */
    printf(": call %llu in A, %llu in B @@\n", (unsigned long long)lane->first_a,
           (unsigned long long)lane->first_b);
    if (lane->context)
      print_call(' ', lane->context, NULL);
    break;
  case OSPY_DIFF_REMOVED: print_call('-', a, NULL); break;
  case OSPY_DIFF_ADDED: print_call('+', b, NULL); break;
  default:
    print_call('~', b, a);
    print_changes(a, b);
  }
}

typedef struct diff_input {
  const char *path;
  ospy_capsrc *src;
  uint64_t calls; /* in the recording (first pass) */
  uint64_t fed;   /* taken by the diff in this pass */
  int done, damaged;
  uint64_t lost_records, lost_events; /* Lost records, the events they count */
  uint32_t main_pid; /* the first process recorded: the program run */
  char exit_text[128]; /* how it ended ("exited with status 9"), "" if not recorded */
} diff_input;

/* The two files' names, printed before the first difference (none when the
 * recordings are equivalent, as diff -u prints nothing). */
static const diff_input *header_pending;

static void print_header_once(void)
{
  const diff_input *in = header_pending;
  header_pending = NULL;
  for (int s = 0; in && s < 2; s++) {
    printf("%s %c ", s ? "+++" : "---", 'A' + s);
    print_safe(in[s].path);
    printf(" (");
    print_safe(ospy_capsrc_cmdline(in[s].src));
    printf(")\n");
  }
}

/* How the program itself ended is part of what it did. */
static void note_exit(diff_input *in, const ospy_xevent *ev)
{
  if (ev->type == OSPY_XEV_PROCESS_START && !in->main_pid)
    in->main_pid = ev->pid;
  if (ev->type == OSPY_XEV_PROCESS_EXIT && ev->pid == in->main_pid && !in->exit_text[0])
    snprintf(in->exit_text, sizeof in->exit_text, "%s", ev->message ? ev->message : "ended");
}

/* Reads the next event of `in` into the diff; 0 at its end, -1 on error.
 * Damage was reported by the first pass (note_threads): not again. */
static int feed_one(ospy_diff *d, diff_input *in, int side)
{
  char err[1024];
  ospy_xevent ev;
  int rc = ospy_capsrc_next(in->src, &ev, err, sizeof err);
  if (rc == -1)
    return 1;
  if (rc == -2) {
    fprintf(stderr, "ospy diff: %s\n", err);
    return -1;
  }
  if (rc == 0) {
    in->done = 1;
    ospy_diff_side_ended(d, side);
    return 0;
  }
  int taken = ospy_diff_feed(d, side, &ev);
  if (taken < 0) {
    fprintf(stderr, "ospy diff: out of memory\n");
    return -1;
  }
  in->fed += (uint64_t)taken; /* in step by the calls of the lanes this pass takes */
  return 1;
}

/* Reads both recordings in step (the one with fewer calls so far first),
 * so that the lanes' queues stay short when the recordings are alike. */
static int run_inputs(ospy_diff *d, diff_input in[2])
{
  while (!in[0].done || !in[1].done) {
    int side = in[0].done ? 1 : in[1].done ? 0 : in[1].fed < in[0].fed;
    if (feed_one(d, &in[side], side) < 0)
      return -1;
  }
  return ospy_diff_finish(d);
}

/* Both recordings from their start again (a pass). */
static int reopen(diff_input in[2])
{
  char err[1024];
  for (int s = 0; s < 2; s++) {
    ospy_capsrc_close(in[s].src);
    in[s].done = 0;
    in[s].fed = 0;
    if (!(in[s].src = ospy_capsrc_open(in[s].path, NULL, err, sizeof err))) {
      fprintf(stderr, "ospy diff: %s\n", err);
      return -1;
    }
  }
  return 0;
}

/* Lanes are compared a pass over both recordings at a time, as many
 * passes as lanes up to LANE_PASSES_MAX, beyond that several lanes a pass
 * (two runs interleave their threads differently: read in step through the
 * whole files, a thread's calls waited for the other run's in their
 * thousands, beyond the memory bound, and two identical 2-thread runs
 * differed in nearly every call; with every lane in one pass, as was done
 * past 64 threads, so did two identical 65-thread runs). The fewer lanes a
 * pass holds, the fewer calls can wait; LANE_PASSES_MAX bounds the reading
 * time. */
#define LANE_PASSES_MAX 64

static int run_passes(ospy_diff *d, diff_input in[2])
{
  long lanes = ospy_diff_plan_lanes(d);
  if (lanes < 0) {
    fprintf(stderr, "ospy diff: out of memory\n");
    return -1;
  }
  long passes = lanes < LANE_PASSES_MAX ? lanes : LANE_PASSES_MAX;
  for (long k = 0; k < passes; k++) {
    ospy_diff_only_lanes(d, lanes * k / passes, lanes * (k + 1) / passes);
    if ((k > 0 && reopen(in) < 0) || run_inputs(d, in) < 0)
      return -1;
  }
  return 0;
}

static int parse_window(const char *s, size_t *w)
{
  char *end;
  unsigned long n = strtoul(s, &end, 10);
  if (*end || end == s || n < 2 || n > 65535) {
    fprintf(stderr, "ospy diff: -w: '%s' is not a number of calls in 2..65535\n", s);
    return -1;
  }
  *w = n;
  return 0;
}

/* The window to suggest when the memory bound forced early alignment. */
static size_t larger_window(size_t window)
{
  return window < 65535 / 4 ? window * 4 : 65535;
}

static int report(const ospy_diff *d, diff_input in[2], size_t window)
{
  ospy_diff_counts c = ospy_diff_get_counts(d);
  uint64_t n = c.removed + c.added + c.changed;
  if (strcmp(in[0].exit_text, in[1].exit_text)) {
    print_header_once();
    printf("@@ how the program ended @@\n- %s\n+ %s\n",
           in[0].exit_text[0] ? in[0].exit_text : "(not recorded)",
           in[1].exit_text[0] ? in[1].exit_text : "(not recorded)");
    n++;
    c.changed++;
  }
  if (n)
    fprintf(stderr, "ospy diff: %llu difference(s): %llu removed, %llu added, %llu changed "
            "(%llu call%s in A, %llu in B)\n", (unsigned long long)n,
            (unsigned long long)c.removed, (unsigned long long)c.added,
            (unsigned long long)c.changed, (unsigned long long)in[0].calls,
            in[0].calls == 1 ? "" : "s", (unsigned long long)in[1].calls);
  else
    fprintf(stderr, "ospy diff: equivalent (%llu call%s)\n", (unsigned long long)in[0].calls,
            in[0].calls == 1 ? "" : "s");
  if (c.forced)
    fprintf(stderr, "ospy diff: warning: calls of one recording were aligned before the other's "
            "had been read (%llu time(s): more were waiting than the window bounds), so some of "
            "the differences may not be real; a larger window compares more at once (-w %zu)\n",
            (unsigned long long)c.forced, larger_window(window));
  if (in[0].damaged || in[1].damaged)
    return 2;
  return n ? 1 : 0;
}

/* The first pass: the processes, their parents and the threads that make
 * calls (ospy_diff_note), how many calls, how the program ended; damage is
 * reported here, once. 0, or -1 (message on stderr). */
static int note_threads(ospy_diff *d, diff_input *in, int side)
{
  char err[1024] = "";
  ospy_capsrc *src = ospy_capsrc_open(in->path, "ospy diff", err, sizeof err);
  if (!src) {
    fprintf(stderr, "ospy diff: %s\n", err);
    return -1;
  }
  ospy_xevent ev;
  int rc;
  while ((rc = ospy_capsrc_next(src, &ev, err, sizeof err)) != 0) {
    if (rc == -2)
      break;
    if (rc == -1) { /* a damaged chunk: said, skipped */
      fprintf(stderr, "ospy diff: %s\n", err);
      in->damaged = 1;
      continue;
    }
    in->calls += ev.type == OSPY_XEV_FUNCTION_CALL;
    if (ev.type == OSPY_XEV_LOST) {
      in->lost_records++;
      in->lost_events += ev.has_lost_count ? ev.lost_count : 0;
    }
    note_exit(in, &ev);
    if (ospy_diff_note(d, side, &ev) < 0) {
      rc = -2;
      break;
    }
  }
  ospy_capsrc_close(src);
  if (rc == -2)
    fprintf(stderr, "ospy diff: %s\n", err[0] ? err : "out of memory");
  return rc == -2 ? -1 : 0;
}

/* A recording that lost events (--lossy, a full ring) lacks calls the
 * program made: said before the differences, which may be these. */
static void say_losses(const diff_input in[2])
{
  for (int s = 0; s < 2; s++) {
    if (!in[s].lost_records)
      continue;
    fprintf(stderr, "ospy diff: warning: %c (%s): ", 'A' + s, in[s].path);
    if (in[s].lost_events)
      fprintf(stderr, "%llu event%s lost while capturing", (unsigned long long)in[s].lost_events,
              in[s].lost_events == 1 ? " was" : "s were");
    else
      fprintf(stderr, "events were lost while capturing");
    fprintf(stderr, ": differences may be these losses, not the program's doing\n");
  }
}

static int diff_files(diff_input in[2], size_t window)
{
  char err[1024];
  for (int s = 0; s < 2; s++)
    if (!(in[s].src = ospy_capsrc_open(in[s].path, NULL, err, sizeof err))) {
      fprintf(stderr, "ospy diff: %s\n", err);
      return 2;
    }
  ospy_diff *d = ospy_diff_new(window, on_diff, NULL);
  if (!d) {
    fprintf(stderr, "ospy diff: out of memory\n");
    return 2;
  }
  if (note_threads(d, &in[0], 0) < 0 || note_threads(d, &in[1], 1) < 0) {
    ospy_diff_free(d);
    return 2;
  }
  say_losses(in);
  header_pending = in;
  int rc = run_passes(d, in) < 0 ? 2 : report(d, in, window);
  ospy_diff_free(d);
  /* the differences are the output: lost, the comparison did not happen */
  return read_stdout_finish("diff") < 0 ? 2 : rc;
}

int cmd_diff(int argc, char **argv)
{
  static const struct option longopts[] = {
    { "window", required_argument, 0, 'w' }, { "help", no_argument, 0, 'h' }, { 0, 0, 0, 0 } };
  size_t window = OSPY_DIFF_DEFAULT_WINDOW;
  int c;
  optind = 1;
  while ((c = ospy_cli_getopt(argc, argv, "w:h", longopts, "diff", "FILE")) != -1) {
    if (c == 'h') {
      diff_help();
      return 0;
    }
    if (c != 'w' || parse_window(optarg, &window) < 0) {
      fprintf(stderr, DIFF_USAGE);
      return 2;
    }
  }
  if (optind + 2 != argc) {
    fprintf(stderr, "ospy diff: two capture files to compare, %d given\n", argc - optind);
    fprintf(stderr, DIFF_USAGE);
    return 2;
  }
  diff_input in[2] = { { .path = argv[optind] }, { .path = argv[optind + 1] } };
  int rc = diff_files(in, window);
  ospy_capsrc_close(in[0].src);
  ospy_capsrc_close(in[1].src);
  return rc;
}
