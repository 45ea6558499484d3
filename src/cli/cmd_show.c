/* ospy show FILE: the recorded events, one line per call. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "capture/format.h"
#include "capture/reader.h"
#include "cli/commands.h"
#include "plan/plan.h"

int cmd_show(int argc, char **argv)
{
  static const struct option longopts[] = {
    { "backtrace", no_argument, 0, 'b' }, { "help", no_argument, 0, 'h' }, { 0, 0, 0, 0 } };
  ospy_format_opts fo = { .show_tid = 1 };
  int c;
  optind = 1;
  while ((c = getopt_long(argc, argv, "Th", longopts, NULL)) != -1) {
    switch (c) {
    case 'T': fo.show_duration = 1; break;
    case 'b': fo.show_backtrace = 1; break;
    case 'h': printf("usage: ospy show [-T] [--backtrace] FILE\n"); return 0;
    default: fprintf(stderr, "usage: ospy show [-T] [--backtrace] FILE\n"); return 2;
    }
  }
  if (optind + 1 != argc) {
    fprintf(stderr, "usage: ospy show [-T] [--backtrace] FILE\n");
    return 2;
  }
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
  ospy_spec_table_free(specs);
  ospy_plan_free(plan);
  ospy_capfile_close_reader(r);
  return status;
}
