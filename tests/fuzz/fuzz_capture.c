/* libFuzzer harness for the capture reader (src/capture/reader.c) and the
   text of its records (src/capture/format.c, as `ospy show` prints them):
   any bytes as a capture file must give records, reported corrupt chunks, a
   damaged header said, or an error, never a crash, a hang or an
   out-of-bounds access. The reader
   opens a path, so the input goes into a memfd read as /proc/self/fd/N.

   Build and run (bounded):  tests/fuzz/fuzz_config.sh SECONDS capture
   Linked with fuzz_replay.c it replays the files given on the command
   line; the test suite runs the committed corpus that way. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_file.h"

#include "capture/format.h"
#include "capture/reader.h"
#include "plan/plan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);


int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  const char *path = fuzz_input_path(data, size);
  FILE *null_out = fuzz_null_out;
  char err[1024];
  ospy_capfile_reader *r = ospy_capfile_open(path, err, sizeof err);
  if (!r) {
    if (!err[0])
      abort(); /* a failure always says why */
    return 0;
  }
  const char *damage = ospy_capfile_header_damage(r);
  if (damage && !strstr(damage, "damaged header: "))
    abort(); /* a damaged header always says what was damaged */
  const ospy_capfile_info *info = ospy_capfile_info_get(r);
  ospy_plan *plan = NULL;
  ospy_spec_table *specs = NULL;
  if (info->plan_len && ospy_plan_decode(info->plan, info->plan_len, &plan, err, sizeof err) == 0)
    specs = ospy_format_specs_of(plan, err, sizeof err);
  ospy_fdnames fdnames; /* FdName records replayed as ospy show does */
  ospy_fdnames_init(&fdnames);
  ospy_format_opts fo = { .show_tid = 1, .show_duration = 1, .show_backtrace = 1, .specs = specs,
                          .fdnames = &fdnames };
  const ospy_event_hdr *rec;
  int rc;
  unsigned long steps = 0;
  while ((rc = ospy_capfile_next(r, &rec, err, sizeof err)) != 0) {
    if (++steps > 10000000)
      abort(); /* the reader must make progress */
    if (rc > 0)
      ospy_format_event(null_out, rec, plan, &fo);
  }
  ospy_capfile_truncated(r, err, sizeof err);
  ospy_fdnames_free(&fdnames);
  ospy_spec_table_free(specs);
  ospy_plan_free(plan);
  ospy_capfile_close_reader(r);
  return 0;
}
