/* ospy show FILE: the recorded events, one line per call. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "capture/format.h"
#include "capture/reader.h"
#include "cli/commands.h"
#include "plan/plan.h"
#include "plan/values.h"

int cmd_show(int argc, char **argv)
{
  static const struct option longopts[] = {
    { "backtrace", no_argument, 0, 'b' }, { "string-limit", required_argument, 0, 's' }, { "help", no_argument, 0, 'h' }, { 0, 0, 0, 0 } };
  ospy_format_opts fo = { .show_tid = 1 };
  size_t string_limit = 32; /* as strace: -s N, -s 0 for whole strings and buffers */
  int c;
  optind = 1;
  while ((c = getopt_long(argc, argv, "Ths:", longopts, NULL)) != -1) {
    switch (c) {
    case 'T': fo.show_duration = 1; break;
    case 'b': fo.show_backtrace = 1; break;
    case 's': {
      char *end;
      unsigned long n = strtoul(optarg, &end, 10);
      if (*end || end == optarg) {
        fprintf(stderr, "ospy show: -s: '%s' is not a number of bytes\n", optarg);
        return 2;
      }
      string_limit = n;
      break;
    }
    case 'h': printf("usage: ospy show [-T] [-s N] [--backtrace] FILE\n"); return 0;
    default: fprintf(stderr, "usage: ospy show [-T] [-s N] [--backtrace] FILE\n"); return 2;
    }
  }
  if (optind + 1 != argc) {
    fprintf(stderr, "usage: ospy show [-T] [-s N] [--backtrace] FILE\n");
    return 2;
  }
  ospy_values_set_string_limit(string_limit);
  char err[1024];
  ospy_capfile_reader *r = ospy_capfile_open(argv[optind], err, sizeof err);
  if (!r) {
    fprintf(stderr, "ospy show: %s\n", err);
    return 1;
  }
  const ospy_capfile_info *info = ospy_capfile_info_get(r);
  ospy_plan *plan = NULL;
  if (info->plan_len && ospy_plan_decode(info->plan, info->plan_len, &plan, err, sizeof err) < 0)
    fprintf(stderr, "ospy show: %s: the plan in the header is invalid: %s\n", argv[optind], err);
  ospy_spec_table *specs = plan ? ospy_format_specs_of(plan, err, sizeof err) : NULL;
  if (plan && !specs && err[0])
    fprintf(stderr, "ospy show: %s: the specs in the header are invalid: %s\n", argv[optind], err);
  fo.specs = specs;
  ospy_fdnames fdnames; /* FdName records: fd=3</etc/hosts> */
  ospy_fdnames_init(&fdnames);
  fo.fdnames = &fdnames;
  if (fo.show_backtrace)
    fo.symbols = ospy_symbolizer_new(); /* NULL (no libelf): raw addresses */
  const ospy_event_hdr *rec;
  int rc, status = 0;
  while ((rc = ospy_capfile_next(r, &rec, err, sizeof err)) != 0) {
    if (rc < 0) {
      fprintf(stderr, "ospy show: %s\n", err);
      status = 1;
      continue;
    }
    ospy_format_event(stdout, rec, plan, &fo);
  }
  if (ospy_capfile_truncated(r, err, sizeof err))
    fprintf(stderr, "ospy show: warning: %s\n", err);
  ospy_fdnames_free(&fdnames);
  ospy_symbolizer_free(fo.symbols);
  ospy_spec_table_free(specs);
  ospy_plan_free(plan);
  ospy_capfile_close_reader(r);
  return status;
}
