/* ospy export FILE --format osd|osd-plain|xml|jsonl|perfetto|pcapng -o OUT
 *
 * Streams a capture file through the exporters: one record in memory at a
 * time (the capture reader holds one chunk). A corrupt chunk is reported
 * with its offset and skipped; the intact ones are still exported and the
 * exit status is 1. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "capture/reader.h"
#include "cli/commands.h"
#include "cli/read_common.h"
#include "export/export.h"
#include "export/from_capture.h"
#include "export/values_bridge.h"
#include "plan/plan.h"

static void export_usage(FILE *out)
{
  fprintf(out,
          "usage: ospy export FILE [--format osd|osd-plain|xml|jsonl|perfetto|pcapng] -o OUT\n"
          "  Writes the events of an ospy capture as an oSpy .osd (bzip2; osd-plain:\n"
          "  uncompressed), the .osd's event XML, JSON Lines, Chrome trace-event\n"
          "  JSON for the Perfetto UI, or the data sent and received over sockets as\n"
          "  synthetic TCP/UDP packets in a pcapng (docs/export-formats.md).\n"
          "  Without --format the format follows OUT's extension:\n"
          "    " OSPY_EXPORT_EXTENSIONS "\n"
          "  OUT may be '-' (stdout) for xml, jsonl and perfetto.\n"
          "  After --, FILE may start with '-' (the options go before it).\n");
}

typedef struct export_job {
  const char *in, *out;
  int fmt;
  ospy_capfile_reader *r;
  ospy_plan *plan;
  ospy_from_capture *conv;
  ospy_values_bridge *values;
  ospy_export_writer *w;
  unsigned long long nevents;
  int damaged;
} export_job;

/* argv[0] of the captured program, for events of processes never started. */
static const char *program_name(const ospy_capfile_info *info)
{
  if (!info->cmdline_len || !info->cmdline[0])
    return "";
  const char *slash = strrchr(info->cmdline, '/');
  return slash ? slash + 1 : info->cmdline;
}

static int export_open(export_job *j, char *err, size_t errcap)
{
  if (!(j->r = ospy_capfile_open(j->in, err, errcap)))
    return -1;
  const ospy_capfile_info *info = ospy_capfile_info_get(j->r);
  char perr[256];
  if (info->plan_len && ospy_plan_decode(info->plan, info->plan_len, &j->plan, perr,
                                         sizeof perr) < 0) {
    fprintf(stderr, "ospy export: %s: the plan in the header is invalid (%s); "
            "functions are named hook#N\n", j->in, perr);
    j->damaged = 1; /* exit 1, as for a corrupt chunk */
  }
  ospy_capfile_set_plan(j->r, j->plan); /* hooks named by module as the capture says */
  if (!(j->conv = ospy_from_capture_new(j->plan, program_name(info)))) {
    snprintf(err, errcap, "out of memory");
    return -1;
  }
  size_t speclen = 0;
  if (j->plan && ospy_plan_spec_blob(j->plan, &speclen) && speclen) {
    if ((j->values = ospy_values_bridge_new(j->plan, perr, sizeof perr)))
      {
        ospy_from_capture_set_decoder(j->conv, ospy_values_bridge_decode,
                                      ospy_values_bridge_shape, j->values);
        ospy_from_capture_set_outcome(j->conv, ospy_values_bridge_outcome, j->values);
      }
    else {
      fprintf(stderr, "ospy export: %s: cannot decode argument values (%s); they are "
              "exported as undecoded bytes\n", j->in, perr);
      j->damaged = 1;
    }
  }
  j->w = ospy_export_open(j->out, (ospy_export_format)j->fmt, err, errcap);
  return j->w ? 0 : -1;
}

static int export_records(export_job *j, char *err, size_t errcap)
{
  const ospy_event_hdr *rec;
  int rc, write_failed = 0;
  read_progress prog; /* on a terminal's stderr, unless the output goes there too */
  read_progress_init(&prog, isatty(STDERR_FILENO) &&
                              !(!strcmp(j->out, "-") && isatty(STDOUT_FILENO)));
  while ((rc = ospy_capfile_next(j->r, &rec, err, errcap)) != 0) {
    read_progress_tick(&prog, j->r);
    if (rc < 0) { /* a corrupt chunk: say so, go on with the next */
      read_progress_done(&prog);
      fprintf(stderr, "ospy export: %s\n", err);
      j->damaged = 1;
      continue;
    }
    ospy_xevent ev;
    int c = ospy_from_capture_convert(j->conv, rec, &ev, err, errcap);
    if (c < 0) {
      read_progress_done(&prog);
      return -1;
    }
    if (c == 0 && ospy_export_write(j->w, &ev) < 0) {
      write_failed = 1; /* the writer's error comes at close */
      break;
    }
    j->nevents += c == 0;
  }
  read_progress_done(&prog);
  const char *why;
  uint64_t bad = ospy_from_capture_decode_failures(j->conv, &why);
  if (bad)
    fprintf(stderr, "ospy export: warning: the values of %llu call(s) did not match their "
            "spec and are exported undecoded (first: %s)\n", (unsigned long long)bad, why);
  /* Stopped early by the output, the reader is short of the end marker it
   * would have met: the input is not what was cut short. */
  if (!write_failed && ospy_capfile_truncated(j->r, err, errcap))
    fprintf(stderr, "ospy export: warning: %s\n", err);
  return 0;
}

static int run_export(export_job *j)
{
  char err[1024];
  ospy_export_summary sum = { 0 };
  int ok = export_open(j, err, sizeof err) == 0 && export_records(j, err, sizeof err) == 0;
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
    fprintf(stderr, "ospy export: %llu events to %s\n", j->nevents, j->out);
  ospy_from_capture_free(j->conv);
  ospy_values_bridge_free(j->values);
  ospy_plan_free(j->plan);
  if (j->r)
    ospy_capfile_close_reader(j->r);
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
