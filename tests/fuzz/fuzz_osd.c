/* libFuzzer harness for the .osd importer (src/export/osd_reader.c): any
   bytes as an .osd file must give events or an error naming where, never a
   crash, a leak or an out-of-bounds access. Every event read is written out
   as JSON Lines (to /dev/null), as `ospy import` would. The reader opens a
   path, so the input goes into a memfd read as /proc/self/fd/N.

   Build and run (bounded):  tests/fuzz/fuzz_config.sh SECONDS osd
   Linked with fuzz_replay.c it replays the files given on the command
   line; the test suite runs the committed corpus that way. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "fuzz_file.h"

#include "export/jsonl_writer.h"
#include "export/osd_reader.h"
#include "export/sink.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);


static int on_event(const ospy_xevent *ev, void *data)
{
  ospy_jsonl_write_event(data, ev);
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  const char *path = fuzz_input_path(data, size);
  FILE *null_out = fuzz_null_out;
  ospy_sink sink;
  if (ospy_sink_init(&sink, null_out, "/dev/null", false) < 0)
    abort();
  char err[1024] = "";
  ospy_osd_info info;
  int rc = ospy_osd_read(path, on_event, &sink, &info, err, sizeof err);
  if (rc != 0 && !err[0])
    abort(); /* a failure always says why */
  ospy_sink_abort(&sink);
  return 0;
}
