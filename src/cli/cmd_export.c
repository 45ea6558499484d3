/* ospy export FILE --format osd|osd-plain|xml|jsonl|perfetto|pcapng -o OUT
 *
 * Streams a capture file through the exporters: one record in memory at a
 * time (the capture reader holds one chunk). The formats oSpy read (osd,
 * osd-plain, xml) have the events in the order they began, as oSpy
 * numbered them: the file is read twice for them, and a window of events
 * held (export/start_order.h). A corrupt chunk is reported with its offset
 * and skipped; the intact ones are still exported and the exit status is 1. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "capture/reader.h"
#include "cli/commands.h"
#include "cli/read_common.h"
#include "export/export.h"
#include "export/from_capture.h"
#include "export/start_order.h"
#include "export/values_bridge.h"
#include "plan/plan.h"

static void export_usage(FILE *out)
{
  fprintf(out,
          "usage: ospy export FILE [--format osd|osd-plain|xml|jsonl|perfetto|pcapng] -o OUT\n"
          "                   [--no-progress]\n"
          "  Writes the events of an ospy capture as an oSpy .osd (bzip2; osd-plain:\n"
          "  uncompressed), the .osd's event XML, JSON Lines, Chrome trace-event\n"
          "  JSON for the Perfetto UI, or the data sent and received over sockets as\n"
          "  synthetic TCP/UDP packets in a pcapng (docs/export-formats.md). The .osd\n"
          "  and its XML have the events in the order they began, numbered so, as\n"
          "  oSpy had them; the other formats in the order the capture has them.\n"
          "  Without --format the format follows OUT's extension:\n"
          "    " OSPY_EXPORT_EXTENSIONS "\n"
          "  OUT may be '-' (stdout) for xml, jsonl, perfetto and pcapng (a pipe, not\n"
          "  a terminal: -o - | tshark -r -).\n"
          "  After --, FILE may start with '-' (the options go before it); FILE '-' is\n"
          "  the standard input. --no-progress: no progress bar (shown on a terminal's\n"
          "  stderr for long exports).\n");
}

/* One read of the capture: the reader, its plan (HookName records rename
 * its hooks as they are read), the converter following it. */
typedef struct export_pass {
  ospy_capfile_reader *r;
  ospy_plan *plan;
  ospy_from_capture *conv;
  ospy_values_bridge *values;
} export_pass;

typedef struct export_job {
  const char *in, *out;
  int fmt;
  export_pass scan;   /* formats in start order: the pass that keeps late events */
  export_pass output; /* the pass that writes */
  ospy_order *order;  /* formats in start order: the events held until their turn */
  ospy_export_writer *w;
  read_progress prog;
  int no_progress; /* --no-progress */
  int damaged;
  int write_failed; /* the output failed (its error comes at close) */
  /* what the scan found, said at the end (the scan is closed by then) */
  uint64_t scan_undecoded;
  char scan_undecoded_why[320];
  int scan_truncated;
  char scan_truncated_msg[512];
} export_job;

/* argv[0] of the captured program, for events of processes never started. */
static const char *program_name(const ospy_capfile_info *info)
{
  if (!info->cmdline_len || !info->cmdline[0])
    return "";
  const char *slash = strrchr(info->cmdline, '/');
  return slash ? slash + 1 : info->cmdline;
}

/* Opens a read of j->in. The header's damage (its checksum, its plan) is
 * said by the first read only (say), which marks the export damaged. */
static int pass_open(export_job *j, export_pass *p, int say, char *err, size_t errcap)
{
  if (!(p->r = ospy_capfile_open(j->in, err, errcap)))
    return -1;
  const ospy_capfile_info *info = ospy_capfile_info_get(p->r);
  const char *damage = ospy_capfile_header_damage(p->r);
  if (damage && say) {
    fprintf(stderr, "ospy export: %s\n", damage);
    j->damaged = 1; /* exit 1, as for a corrupt chunk */
  }
  char perr[256];
  if (info->plan_len && ospy_plan_decode(info->plan, info->plan_len, &p->plan, perr,
                                         sizeof perr) < 0 && say) {
    fprintf(stderr, "ospy export: %s: the plan in the header is invalid (%s); "
            "functions are named hook#N\n", j->in, perr);
    j->damaged = 1; /* exit 1, as for a corrupt chunk */
  }
  ospy_capfile_set_plan(p->r, p->plan); /* hooks named by module as the capture says */
  if (!(p->conv = ospy_from_capture_new(p->plan, program_name(info)))) {
    snprintf(err, errcap, "out of memory");
    return -1;
  }
  size_t speclen = 0;
  if (p->plan && ospy_plan_spec_blob(p->plan, &speclen) && speclen) {
    if ((p->values = ospy_values_bridge_new(p->plan, perr, sizeof perr)))
      {
        ospy_from_capture_set_decoder(p->conv, ospy_values_bridge_decode,
                                      ospy_values_bridge_shape, p->values);
        ospy_from_capture_set_outcome(p->conv, ospy_values_bridge_outcome, p->values);
      }
    else if (say) {
      fprintf(stderr, "ospy export: %s: cannot decode argument values (%s); they are "
              "exported as undecoded bytes\n", j->in, perr);
      j->damaged = 1;
    }
  }
  return 0;
}

static void pass_close(export_pass *p)
{
  ospy_from_capture_free(p->conv);
  ospy_values_bridge_free(p->values);
  ospy_plan_free(p->plan);
  if (p->r)
    ospy_capfile_close_reader(p->r);
  *p = (export_pass){ 0 };
}

/* What a descriptor refers to as the output pass has read so far (its
 * FdName records), for the pcapng's streams. */
static const char *output_fd_name(void *user, uint32_t pid, int64_t fd)
{
  const export_pass *p = user;
  return p->conv ? ospy_from_capture_fd_name(p->conv, pid, fd) : NULL;
}

/* The formats oSpy read get their events in the order they began: a first
 * read of the capture keeps the late ones (start_order.h). */
static int export_open(export_job *j, char *err, size_t errcap)
{
  int in_order = ospy_export_in_start_order((ospy_export_format)j->fmt);
  if (in_order) {
    if (pass_open(j, &j->scan, 1, err, errcap) < 0)
      return -1;
    if (!(j->order = ospy_order_new(0, 0))) {
      snprintf(err, errcap, "out of memory");
      return -1;
    }
  }
  if (pass_open(j, &j->output, !in_order, err, errcap) < 0)
    return -1;
  j->w = ospy_export_open(j->out, (ospy_export_format)j->fmt, err, errcap);
  if (j->w) {
    ospy_export_set_fd_names(j->w, output_fd_name, &j->output);
    /* perfetto's ts count from the capture's start */
    uint64_t start = ospy_capfile_info_get(j->output.r)->start_ns;
    if (start && start <= INT64_MAX)
      ospy_export_set_time_origin(j->w, (int64_t)start);
  }
  return j->w ? 0 : -1;
}

/* The scan: every event asked about, the late ones converted and kept, the
 * others followed only. Corrupt chunks are said by the output pass. */
static int scan_records(export_job *j, char *err, size_t errcap)
{
  export_pass *p = &j->scan;
  const ospy_event_hdr *rec;
  int rc;
  while ((rc = ospy_capfile_next(p->r, &rec, err, errcap)) != 0) {
    read_progress_tick(&j->prog, p->r);
    if (rc < 0)
      continue;
    ospy_xevent ev;
    if (!ospy_from_capture_is_event(rec) || !ospy_order_late(j->order, (int64_t)rec->ts, rec->size)) {
      if (ospy_from_capture_follow(p->conv, rec, err, errcap) < 0)
        return -1;
    } else if (ospy_from_capture_convert(p->conv, rec, &ev, err, errcap) < 0 ||
               ospy_order_keep_late(j->order, &ev, err, errcap) < 0) {
      return -1;
    }
  }
  return 0;
}

/* One record of the output pass: 0 (go on), 1 (the output failed: its
 * error comes at close), -1 (err). In start order, a late event is only
 * followed (the scan kept it) and the others are held until their turn. */
static int output_record(export_job *j, const ospy_event_hdr *rec, char *err, size_t errcap)
{
  export_pass *p = &j->output;
  ospy_xevent ev;
  if (j->order && ospy_from_capture_is_event(rec) &&
      ospy_order_late(j->order, (int64_t)rec->ts, rec->size))
    return ospy_from_capture_follow(p->conv, rec, err, errcap);
  int c = ospy_from_capture_convert(p->conv, rec, &ev, err, errcap);
  if (c != 0)
    return c < 0 ? -1 : 0;
  if (j->order)
    return ospy_order_put(j->order, &ev, err, errcap);
  return ospy_export_write(j->w, &ev) < 0;
}

/* The events the scan saw, and no more: a capture still being written has
 * more by now, which the scan did not ask about. */
static int output_done(const export_job *j, const ospy_event_hdr *rec)
{
  return j->order && ospy_from_capture_is_event(rec) && ospy_order_output_complete(j->order);
}

static int export_records(export_job *j, char *err, size_t errcap)
{
  export_pass *p = &j->output;
  const ospy_event_hdr *rec;
  int rc, out = 0;
  if (j->order && ospy_order_start_output(j->order, j->w, err, errcap) < 0)
    return -1;
  while (out == 0 && (rc = ospy_capfile_next(p->r, &rec, err, errcap)) != 0) {
    read_progress_tick(&j->prog, p->r);
    if (rc < 0) { /* a corrupt chunk: say so, go on with the next */
      read_progress_done(&j->prog);
      fprintf(stderr, "ospy export: %s\n", err);
      j->damaged = 1;
      continue;
    }
    if (output_done(j, rec))
      break;
    out = output_record(j, rec, err, errcap);
  }
  if (out == 0 && j->order)
    out = ospy_order_finish(j->order, err, errcap);
  j->write_failed = out > 0;
  return out < 0 ? -1 : 0;
}

/* The warnings of the end: calls whose values did not decode (in either
 * pass: each converts its own), a capture cut short (as the scan found it,
 * which read it to its end; the output pass may stop before). */
static void say_end_warnings(export_job *j)
{
  const char *why;
  uint64_t bad = ospy_from_capture_decode_failures(j->output.conv, &why);
  if (!bad)
    why = j->scan_undecoded_why;
  bad += j->scan_undecoded;
  if (bad)
    fprintf(stderr, "ospy export: warning: the values of %llu call(s) did not match their "
            "spec and are exported undecoded (first: %s)\n", (unsigned long long)bad, why);
  char msg[512];
  /* Stopped early by the output, the output pass is short of the end marker
   * it would have met: the input is not what was cut short (the scan, which
   * the output does not stop, read it to its end). */
  if (j->order ? j->scan_truncated
               : !j->write_failed && ospy_capfile_truncated(j->output.r, msg, sizeof msg))
    fprintf(stderr, "ospy export: warning: %s\n", j->order ? j->scan_truncated_msg : msg);
}

/* Keeps what the scan has to say at the end, and closes it: its chunk's
 * memory is not needed while the output pass reads. */
static void scan_done(export_job *j)
{
  const char *why;
  j->scan_undecoded = ospy_from_capture_decode_failures(j->scan.conv, &why);
  snprintf(j->scan_undecoded_why, sizeof j->scan_undecoded_why, "%s", why);
  j->scan_truncated = ospy_capfile_truncated(j->scan.r, j->scan_truncated_msg,
                                             sizeof j->scan_truncated_msg);
  pass_close(&j->scan);
}

/* The capture into the writer: read twice for the formats in start order. */
static int export_all(export_job *j, char *err, size_t errcap)
{
  if (export_open(j, err, errcap) < 0)
    return -1;
  if (j->order) {
    read_progress_set_passes(&j->prog, 2);
    if (scan_records(j, err, errcap) < 0)
      return -1;
    read_progress_next_pass(&j->prog);
    scan_done(j);
  }
  return export_records(j, err, errcap);
}

static int run_export(export_job *j)
{
  char err[1024];
  ospy_export_summary sum = { 0 };
  /* on a terminal's stderr, unless the output goes there too */
  read_progress_init(&j->prog, !j->no_progress && isatty(STDERR_FILENO) &&
                                 !(!strcmp(j->out, "-") && isatty(STDOUT_FILENO)));
  int ok = export_all(j, err, sizeof err) == 0;
  read_progress_done(&j->prog);
  if (ok)
    say_end_warnings(j);
  if (j->w) {
    if (!ok)
      ospy_export_abort(j->w);
    else if (ospy_export_close_summary(j->w, &sum, err, sizeof err) < 0)
      ok = 0;
  }
  if (!ok)
    fprintf(stderr, "ospy export: %s\n", err);
  else if (j->fmt == OSPY_EXPORT_PCAPNG)
    ospy_export_say_packets("ospy export", &sum, j->out);
  else
    fprintf(stderr, "ospy export: %llu event%s to %s\n", (unsigned long long)sum.events,
            sum.events == 1 ? "" : "s", j->out);
  ospy_order_free(j->order);
  pass_close(&j->scan);
  pass_close(&j->output);
  return ok && !j->damaged ? 0 : 1;
}

int cmd_export(int argc, char **argv)
{
  export_job j = { 0 };
  const char *fmt_name = NULL;
  int options = 1; /* until "--": then a file name may start with '-' */
  int got;
  for (int i = 1; i < argc; i++) {
    if (options && !strcmp(argv[i], "--")) {
      options = 0;
    } else if (options && (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help"))) {
      export_usage(stdout);
      return 0;
    } else if (options && !strcmp(argv[i], "--no-progress")) {
      j.no_progress = 1;
    } else if (options && (got = ospy_cli_out_format_option(argc, argv, &i, &j.out, &fmt_name))) {
      if (got < 0) {
        ospy_cli_missing_value("export", argv[i]);
        export_usage(stderr);
        return 2;
      }
    } else if (options && argv[i][0] == '-' && argv[i][1]) {
      ospy_cli_unknown_option("export", argv[i], "FILE");
      export_usage(stderr);
      return 2;
    } else if (!j.in) {
      j.in = argv[i];
    } else {
      fprintf(stderr, "ospy export: one capture file only ('%s')\n", argv[i]);
      return 2;
    }
  }
  if (!j.in || !j.out) {
    export_usage(stderr);
    return 2;
  }
  j.fmt = fmt_name ? ospy_export_format_parse(fmt_name) : ospy_export_format_from_path(j.out);
  if (j.fmt < 0 && fmt_name) {
    fprintf(stderr, "ospy export: unknown format '%s' (osd, osd-plain, xml, jsonl, perfetto, pcapng)\n",
            fmt_name);
    return 2;
  }
  if (j.fmt < 0) {
    fprintf(stderr, "ospy export: cannot tell the format from '%s': its extension is none of "
            OSPY_EXPORT_EXTENSIONS "; give --format\n", j.out);
    return 2;
  }
  char err[512];
  if (ospy_export_check_output(j.out, j.in, j.fmt, err, sizeof err) < 0) {
    fprintf(stderr, "ospy export: %s\n", err);
    return 2;
  }
  return run_export(&j);
}
