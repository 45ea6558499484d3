/* ospy import FILE.osd [--format xml|jsonl|osd|osd-plain|perfetto|pcapng] -o OUT
 *
 * Reads an oSpy .osd capture (v2, or an older variant: all-bzip2, or
 * uncompressed) and writes it out again through the exporters. Importing into an ospy capture file is
 * the integration step that follows once the capture format exists; until
 * then the output format is one of the export formats, taken from --format
 * or from OUT's extension. */
#include <stdio.h>
#include <string.h>

#include "cli/commands.h"
#include "export/export.h"
#include "export/osd_reader.h"

static void import_usage(FILE *out)
{
  fprintf(out,
          "usage: ospy import FILE.osd [--format xml|jsonl|osd|osd-plain|perfetto|pcapng] -o OUT\n"
          "  Reads an oSpy capture (.osd v2, compressed or not, or an older\n"
          "  variant: all-bzip2, or \"oSpy\" and the count before the XML) and\n"
          "  writes its events in the given format, as\n"
          "  ospy export does (perfetto: every slice 0 long, an .osd has no\n"
          "  durations; pcapng: the socket streams its calls show).\n"
          "  Without --format the format follows OUT's extension:\n"
          "    " OSPY_EXPORT_EXTENSIONS "\n"
          "  OUT may be '-' (stdout) for xml, jsonl, perfetto and pcapng (a pipe, not\n"
          "  a terminal: -o - | tshark -r -).\n"
          "  After --, FILE may start with '-' (the options go before it).\n");
}

static int write_event(const ospy_xevent *ev, void *data)
{
  return ospy_export_write(data, ev) < 0 ? 2 : 0;
}

static int run_import(const char *in, const char *out, int fmt)
{
  char err[512];
  ospy_osd_info info;
  ospy_export_writer *w = ospy_export_open(out, (ospy_export_format)fmt, err, sizeof err);
  if (!w) {
    fprintf(stderr, "ospy import: %s\n", err);
    return 1;
  }
  int rc = ospy_osd_read(in, write_event, w, &info, err, sizeof err);
  if (rc != 0) {
    if (rc == 2) /* the writer failed: its close says why */
      ospy_export_close(w, err, sizeof err);
    else
      ospy_export_abort(w);
    fprintf(stderr, "ospy import: %s\n", err);
    return 1;
  }
  ospy_export_summary sum = { 0 };
  if (ospy_export_close_summary(w, &sum, err, sizeof err) < 0) {
    fprintf(stderr, "ospy import: %s\n", err);
    return 1;
  }
  if (fmt == OSPY_EXPORT_PCAPNG)
    ospy_export_say_packets("ospy import", &sum, out);
  fprintf(stderr, "ospy import: %u event%s from %s (oSpy %s%s)\n", info.nevents,
          info.nevents == 1 ? "" : "s", in,
          info.version == 2 ? "v2"
          : info.compressed ? "all-bzip2 variant" : "older uncompressed variant",
          info.version == 2 && !info.compressed ? ", uncompressed" : "");
  return 0;
}

int cmd_import(int argc, char **argv)
{
  const char *in = NULL, *out = NULL, *fmt_name = NULL;
  int options = 1; /* until "--": then a file name may start with '-' */
  int got;
  for (int i = 1; i < argc; i++) {
    if (options && !strcmp(argv[i], "--")) {
      options = 0;
    } else if (options && (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help"))) {
      import_usage(stdout);
      return 0;
    } else if (options && (got = ospy_cli_out_format_option(argc, argv, &i, &out, &fmt_name))) {
      if (got < 0) {
        ospy_cli_missing_value("import", argv[i]);
        import_usage(stderr);
        return 2;
      }
    } else if (options && argv[i][0] == '-' && argv[i][1]) {
      ospy_cli_unknown_option("import", argv[i], "FILE");
      import_usage(stderr);
      return 2;
    } else if (!in) {
      in = argv[i];
    } else {
      fprintf(stderr, "ospy import: one input file only ('%s')\n", argv[i]);
      return 2;
    }
  }
  if (!in || !out) {
    import_usage(stderr);
    return 2;
  }
  int fmt = fmt_name ? ospy_export_format_parse(fmt_name) : ospy_export_format_from_path(out);
  if (fmt < 0) {
    if (fmt_name)
      fprintf(stderr, "ospy import: unknown format '%s' (xml, jsonl, osd, osd-plain, perfetto, "
              "pcapng)\n", fmt_name);
    else
      fprintf(stderr, "ospy import: cannot tell the format from '%s': its extension is none of "
              OSPY_EXPORT_EXTENSIONS "; give --format (importing into an ospy capture file is "
              "not available yet)\n", out);
    return 2;
  }
  char err[512];
  if (ospy_export_check_output(out, in, fmt, err, sizeof err) < 0) {
    fprintf(stderr, "ospy import: %s\n", err);
    return 2;
  }
  return run_import(in, out, fmt);
}
