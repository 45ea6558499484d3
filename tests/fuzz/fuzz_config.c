/* libFuzzer harness for the config loader: any bytes must give either a
   config or diagnostics, never a crash, a leak or an out-of-bounds access.
   A loaded config is also pushed through the spec table codec, the
   expression compiler and the plan builder.

   Build and run (bounded):  tests/fuzz/fuzz_config.sh [SECONDS]
   Linked with fuzz_replay.c instead of libFuzzer it replays files given on the
   command line; the test suite runs the committed corpus that way. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "agent/marshal.h"
#include "config/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  ospy_diag d;
  ospy_diag_init(&d);
  ospy_config *c = NULL;
  unsigned bits = size && (data[0] & 1) ? 32 : 64;
  if (ospy_config_load_buffer("fuzz.xml", (const char *)data, size, bits, &c, &d) == 0) {
    size_t n = ospy_spec_table_encode(c->specs, NULL, 0);
    void *blob = malloc(n);
    ospy_spec_table *t = NULL;
    char err[256];
    if (blob) {
      ospy_spec_table_encode(c->specs, blob, n);
      if (ospy_spec_table_decode(blob, n, &t, err, sizeof err) != 0)
        abort(); /* what we encoded must decode */
      if (bits == 8 * sizeof(void *) && ospy_marshal_prepare(t, err, sizeof err) != 0)
        abort(); /* the loader validated every expression */
      ospy_marshal_release(t);
      ospy_spec_table_free(t);
      free(blob);
    }
    ospy_plan_builder *b = ospy_plan_builder_new(bits);
    if (b && ospy_config_to_plan(c, b) == 0) {
      size_t plen;
      void *p = ospy_plan_builder_encode(b, &plen);
      ospy_plan *plan = NULL;
      if (p && ospy_plan_decode(p, plen, &plan, err, sizeof err) != 0)
        abort();
      ospy_plan_free(plan);
      free(p);
    }
    ospy_plan_builder_free(b);
    FILE *null = fopen("/dev/null", "w");
    if (null) {
      ospy_config_print(c, null);
      fclose(null);
    }
  } else if (d.errors == 0) {
    abort(); /* a failure always says why */
  }
  ospy_config_free(c);
  ospy_diag_free(&d);
  return 0;
}
