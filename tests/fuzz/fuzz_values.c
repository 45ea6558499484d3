/* libFuzzer harness for the reader side of values blobs: a blob comes from
   the target's memory, so any bytes must decode to values or to an error,
   never to a crash or an out-of-bounds read. The spec table covers every
   kind of type.   Build and run:  tests/fuzz/fuzz_config.sh SECONDS values */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "plan/values.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char spec_xml[] =
  "<hookManager><types>"
  "<enumeration name=\"E\"><member name=\"A\" value=\"1\"/><member name=\"N\" value=\"-2\"/></enumeration>"
  "<enumeration name=\"F\" flags=\"true\"><member name=\"X\" value=\"4\"/>"
  "<member name=\"R\" value=\"0\" mask=\"0x3\"/><member name=\"W\" value=\"1\" mask=\"0x3\"/></enumeration>"
  "<structure name=\"S\"><field name=\"n\" offset=\"0\" type=\"UInt32\"/>"
  "<field name=\"b\" offset=\"8\" type=\"ByteArrayPtr\"><bindTypeProperty propertyName=\"size\" sourceField=\"n\"/></field>"
  "<field name=\"s\" offset=\"16\" type=\"SPtr\"/></structure>"
  "</types><specs><functions>"
  "<function name=\"f\"><returnValue type=\"Errno\"/><arguments>"
  "<argument name=\"a\" type=\"Int8\"/><argument name=\"b\" type=\"E\"/><argument name=\"c\" type=\"F\"/>"
  "<argument name=\"d\" type=\"SPtr\" direction=\"in/out\"/>"
  "<argument name=\"e\" type=\"ArrayPtr\" elementType=\"S\" elementCount=\"arg.a\"/>"
  "<argument name=\"g\" type=\"ArrayPtr\" elementType=\"AsciiStringPtr\" elementCount=\"2\"/>"
  "<argument name=\"h\" type=\"UnicodeStringPtr\" direction=\"out\"/>"
  "<argument name=\"i\" type=\"SockAddrPtr\"/><argument name=\"j\" type=\"Double\"/>"
  "<argument name=\"k\" type=\"AsciiFormatStringPtr\"/><argument name=\"l\" type=\"Dynamic\" typeNameBase=\"arg.b\" typeNameSuffix=\"_x\"/>"
  "<argument name=\"m\" type=\"ByteArrayPtr\" size=\"4\" hex=\"true\"/><argument name=\"n\" type=\"Ipv4InAddr\"/>"
  "</arguments></function></functions></specs></hookManager>";

static ospy_config *cfg;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  if (!cfg) {
    ospy_diag d;
    ospy_diag_init(&d);
    if (ospy_config_load_buffer("spec.xml", spec_xml, sizeof spec_xml - 1, 64, &cfg, &d) < 0) {
      ospy_diag_print(&d, stderr);
      abort();
    }
    ospy_diag_free(&d);
  }
  const ospy_spec_fn *fn = ospy_spec_table_fn(cfg->specs, 0);
  static char out[1 << 16];
  /* split the input: first half the enter blob, second half the leave blob */
  size_t half = size / 2;
  size_t n = ospy_values_format_call(fn, data, half, data + half, size - half, out, sizeof out);
  /* the one-pass text is the value-by-value one, byte for byte */
  static char each[1 << 16];
  size_t m = ospy_values_format_call_each(fn, data, half, data + half, size - half, each,
                                          sizeof each);
  if (n != m || strcmp(out, each) != 0) {
    fprintf(stderr, "one pass:      %s\nvalue by value: %s\n", out, each);
    abort();
  }
  ospy_values_format_text(fn, data, size, OSPY_VALUES_ARGS, out, 64);
  return 0;
}
