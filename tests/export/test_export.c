/* Exporter and .osd reader tests.
 *   test-export unit GOLDEN_DIR OUT_DIR   golden files, round trips, bad input
 *   test-export write OUT_DIR             just write golden.{osd,xml,jsonl}, old.osd
 *   test-export bigmem OUT_DIR N          N events out and back in bounded memory */
#include <bzlib.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>

#include "capture/event.h"
#include "export/bz2_parallel.h"
#include "export/export.h"
#include "export/from_capture.h"
#include "export/osd_charrefs.h"
#include "export/xml_writer.h"
#include "export/osd_reader.h"
#include "export/streams_values.h"
#include "export/text.h"
#include "golden_events.h"

static int failures;

#define CHECK(cond, ...)                                                      \
  do {                                                                        \
    if (!(cond)) {                                                            \
      fprintf(stderr, "%s:%d: check failed: %s: ", __FILE__, __LINE__, #cond); \
      fprintf(stderr, __VA_ARGS__);                                           \
      fputc('\n', stderr);                                                    \
      failures++;                                                             \
    }                                                                         \
  } while (0)

static char *path_in(const char *dir, const char *name)
{
  static char buf[8][4096];
  static int next;
  char *p = buf[next++ % 8];
  snprintf(p, sizeof buf[0], "%s/%s", dir, name);
  return p;
}

static uint8_t *slurp(const char *path, size_t *len)
{
  FILE *f = fopen(path, "rb");
  if (!f)
    return NULL;
  size_t cap = 4096, n = 0;
  uint8_t *buf = malloc(cap);
  size_t got;
  while (buf && (got = fread(buf + n, 1, cap - n, f)) > 0) {
    n += got;
    if (n == cap)
      buf = realloc(buf, cap *= 2);
  }
  fclose(f);
  *len = n;
  return buf;
}

static int spit(const char *path, const void *p, size_t n)
{
  FILE *f = fopen(path, "wb");
  if (!f)
    return -1;
  int ok = fwrite(p, 1, n, f) == n;
  return (fclose(f) == 0 && ok) ? 0 : -1;
}

static int same_files(const char *a, const char *b)
{
  size_t na, nb;
  uint8_t *pa = slurp(a, &na), *pb = slurp(b, &nb);
  int same = pa && pb && na == nb && !memcmp(pa, pb, na);
  if (!same)
    fprintf(stderr, "  %s (%zu bytes) differs from %s (%zu bytes)\n", a, na, b, nb);
  free(pa);
  free(pb);
  return same;
}

static int write_events(const char *path, ospy_export_format fmt,
                        const ospy_xevent *evs, size_t n)
{
  char err[512];
  ospy_export_writer *w = ospy_export_open(path, fmt, err, sizeof err);
  if (!w) {
    fprintf(stderr, "open %s: %s\n", path, err);
    return -1;
  }
  for (size_t i = 0; i < n; i++)
    ospy_export_write(w, &evs[i]);
  if (ospy_export_close(w, err, sizeof err) < 0) {
    fprintf(stderr, "close %s: %s\n", path, err);
    return -1;
  }
  return 0;
}

static int write_golden(const char *out)
{
  return write_events(path_in(out, "golden.osd"), OSPY_EXPORT_OSD, golden_events, GOLDEN_NEVENTS) |
    write_events(path_in(out, "golden-plain.osd"), OSPY_EXPORT_OSD_UNCOMPRESSED,
                 golden_events, GOLDEN_NEVENTS) |
    write_events(path_in(out, "golden.xml"), OSPY_EXPORT_XML, golden_events, GOLDEN_NEVENTS) |
    write_events(path_in(out, "golden.jsonl"), OSPY_EXPORT_JSONL, golden_events, GOLDEN_NEVENTS);
}

/* The older variant: bzip2 over (u32 count, UTF-8 BOM, the XML). */
static int write_old_variant(const char *xml_path, const char *out_path)
{
  size_t n;
  uint8_t *xml = slurp(xml_path, &n);
  if (!xml)
    return -1;
  size_t rawlen = 4 + 3 + n;
  char *raw = malloc(rawlen);
  unsigned zlen = (unsigned)(rawlen + rawlen / 100 + 600);
  char *z = malloc(zlen);
  uint32_t cnt = GOLDEN_NEVENTS; /* little-endian host */
  memcpy(raw, &cnt, 4);
  memcpy(raw + 4, "\xEF\xBB\xBF", 3);
  memcpy(raw + 7, xml, n);
  int rc = BZ2_bzBuffToBuffCompress(z, &zlen, raw, (unsigned)rawlen, 9, 0, 0) == BZ_OK
             ? spit(out_path, z, zlen) : -1;
  free(xml);
  free(raw);
  free(z);
  return rc;
}

/* The older uncompressed variant, as the 2008 UI's "save uncompressed"
 * wrote it: "oSpy", u32 count, the XML (its .NET writer put a BOM first). */
static int write_old_uncompressed(const char *xml, size_t n, uint32_t count, int bom,
                                  const char *out_path)
{
  uint8_t *raw = malloc(8 + 3 + n);
  if (!raw)
    return -1;
  memcpy(raw, "oSpy", 4);
  for (int i = 0; i < 4; i++)
    raw[4 + i] = (uint8_t)(count >> (8 * i));
  size_t at = 8;
  if (bom) {
    memcpy(raw + at, "\xEF\xBB\xBF", 3);
    at += 3;
  }
  memcpy(raw + at, xml, n);
  int rc = spit(out_path, raw, at + n);
  free(raw);
  return rc;
}

/* ---- reading back ---- */

typedef struct convert_ctx {
  ospy_export_writer *w;
  size_t n;
  int compare;          /* compare each event with golden_events */
} convert_ctx;

static int same_str(const char *a, const char *b)
{
  return (!a && !b) || (a && b && !strcmp(a, b));
}

static int same_value(const ospy_xvalue *a, const ospy_xvalue *b)
{
  if (!same_str(a->name, b->name) || !same_str(a->type, b->type) ||
      !same_str(a->subtype, b->subtype) || !same_str(a->text, b->text) ||
      !same_str(a->number, b->number) ||
      a->flags != b->flags || a->nchildren != b->nchildren || a->nbytes != b->nbytes)
    return 0;
  if (a->nbytes && memcmp(a->bytes, b->bytes, a->nbytes))
    return 0;
  if ((a->flags & OSPY_XVALUE_TRUNCATED) && a->total != b->total)
    return 0;
  if ((a->flags & OSPY_XVALUE_UNREADABLE) && a->addr != b->addr)
    return 0;
  if ((a->flags & OSPY_XVALUE_BAD_SIZE) && a->bad_size != b->bad_size)
    return 0;
  for (size_t i = 0; i < a->nchildren; i++)
    if (!same_value(&a->children[i], &b->children[i]))
      return 0;
  return 1;
}

static int same_values(const ospy_xvalue *a, const ospy_xvalue *b, size_t n)
{
  for (size_t i = 0; i < n; i++)
    if (!same_value(&a[i], &b[i]))
      return 0;
  return 1;
}

/* Text with characters XML cannot carry comes back with U+FFFD instead. */
static const char golden_label_read_back[] = "a<b & \"c\"\t\n\r\xEF\xBF\xBD\xEF\xBF\xBD\xc3\xa9";

static void compare_event(const ospy_xevent *got, const ospy_xevent *want)
{
  CHECK(got->id == want->id, "id %" PRIu64, got->id);
  CHECK(got->type == want->type, "event %" PRIu64 " type", want->id);
  CHECK(got->ts_ns == want->ts_ns / 100 * 100, "event %" PRIu64 " ts %" PRId64,
        want->id, got->ts_ns);
  CHECK(got->pid == want->pid && got->tid == want->tid, "event %" PRIu64 " pid/tid", want->id);
  CHECK(same_str(got->process_name, want->process_name), "process name");
  CHECK(same_str(got->name, want->name), "event %" PRIu64 " name", want->id);
  CHECK(same_str(got->message, want->message), "event %" PRIu64 " message", want->id);
  CHECK(got->has_last_error == want->has_last_error && got->last_error == want->last_error,
        "event %" PRIu64 " lastError %d", want->id, got->last_error);
  /* the .osd holds the frames in known modules (write_backtrace) */
  size_t k = 0;
  for (size_t i = 0; i < want->nframes; i++) {
    if (!want->backtrace[i].module)
      continue;
    CHECK(k < got->nframes && got->backtrace[k].addr == want->backtrace[i].addr &&
          same_str(got->backtrace[k].module, want->backtrace[i].module), "frame %zu", i);
    k++;
  }
  CHECK(got->nframes == k, "event %" PRIu64 " backtrace: %zu frames, expected %zu",
        want->id, got->nframes, k);
  CHECK(!got->retval == !want->retval &&
        (!got->retval || same_value(got->retval, want->retval)), "retval");
  CHECK(got->has_args_out == want->has_args_out && got->nargs_out == want->nargs_out &&
        same_values(got->args_out, want->args_out, want->nargs_out), "args out");
  CHECK(got->has_args_in == want->has_args_in && got->nargs_in == want->nargs_in,
        "event %" PRIu64 " args in", want->id);
  if (want->id == 3 && got->nargs_in == want->nargs_in) {
    size_t last = want->nargs_in - 1;
    CHECK(same_values(got->args_in, want->args_in, last), "connect args");
    CHECK(!strcmp(got->args_in[last].text, golden_label_read_back), "label \"%s\"",
          got->args_in[last].text);
  } else if (got->nargs_in == want->nargs_in) {
    CHECK(same_values(got->args_in, want->args_in, want->nargs_in), "args in");
  }
}

static int on_event(const ospy_xevent *ev, void *data)
{
  convert_ctx *c = data;
  if (c->compare && c->n < GOLDEN_NEVENTS)
    compare_event(ev, &golden_events[c->n]);
  c->n++;
  return c->w ? ospy_export_write(c->w, ev) : 0;
}

/* Reads `in` and writes it as `out` in fmt; returns the reader's result. */
static int convert(const char *in, const char *out, ospy_export_format fmt, int compare,
                   char *err, size_t errcap, ospy_osd_info *info)
{
  convert_ctx c = { .compare = compare };
  char werr[256];
  if (out && !(c.w = ospy_export_open(out, fmt, werr, sizeof werr))) {
    snprintf(err, errcap, "open %s: %s", out, werr);
    return -1;
  }
  int rc = ospy_osd_read(in, on_event, &c, info, err, errcap);
  if (c.w) {
    if (rc == 0 && ospy_export_close(c.w, werr, sizeof werr) < 0) {
      snprintf(err, errcap, "close %s: %s", out, werr);
      rc = -1;
    } else if (rc != 0) {
      ospy_export_abort(c.w);
    }
  }
  return rc;
}

/* ---- the tests ---- */

static void test_golden_xml(const char *golden, const char *out)
{
  CHECK(same_files(path_in(out, "golden.xml"), path_in(golden, "events.xml")),
        "XML differs from the golden file");
  CHECK(same_files(path_in(out, "golden.jsonl"), path_in(golden, "events.jsonl")),
        "JSON Lines differ from the golden file");
}

static void test_osd_header(const char *out)
{
  size_t n;
  uint8_t *p = slurp(path_in(out, "golden.osd"), &n);
  static const uint8_t want[16] = { 'o', 'S', 'p', 'y', 2, 0, 0, 0, 1, 0, 0, 0,
                                    GOLDEN_NEVENTS, 0, 0, 0 };
  CHECK(p && n > 16 && !memcmp(p, want, 16), "compressed .osd header");
  CHECK(p && n > 19 && !memcmp(p + 16, "BZh9", 4), "bzip2 payload after the header");
  free(p);
  p = slurp(path_in(out, "golden-plain.osd"), &n);
  size_t xn;
  uint8_t *xml = slurp(path_in(out, "golden.xml"), &xn);
  CHECK(p && n > 16 && p[8] == 0 && !memcmp(p, want, 8) && !memcmp(p + 12, want + 12, 4),
        "uncompressed .osd header");
  CHECK(p && xml && n == 16 + xn && !memcmp(p + 16, xml, xn),
        "uncompressed payload is the XML export");
  free(p);
  free(xml);
}

static void test_round_trips(const char *golden, const char *out)
{
  char err[512];
  ospy_osd_info info;
  int rc = convert(path_in(out, "golden.osd"), path_in(out, "rt.osd"), OSPY_EXPORT_OSD, 1,
                   err, sizeof err, &info);
  CHECK(rc == 0, "%s", err);
  CHECK(info.version == 2 && info.compressed == 1 && info.nevents == GOLDEN_NEVENTS,
        "info %d %d %u", info.version, info.compressed, info.nevents);
  CHECK(same_files(path_in(out, "rt.osd"), path_in(out, "golden.osd")), "osd -> osd");
  rc = convert(path_in(out, "golden.osd"), path_in(out, "rt.xml"), OSPY_EXPORT_XML, 0,
               err, sizeof err, NULL);
  CHECK(rc == 0 && same_files(path_in(out, "rt.xml"), path_in(golden, "events.xml")),
        "osd -> xml: %s", rc ? err : "differs");
  rc = convert(path_in(out, "golden-plain.osd"), path_in(out, "rt-plain.osd"),
               OSPY_EXPORT_OSD_UNCOMPRESSED, 1, err, sizeof err, &info);
  CHECK(rc == 0 && info.compressed == 0, "plain: %s", err);
  CHECK(same_files(path_in(out, "rt-plain.osd"), path_in(out, "golden-plain.osd")),
        "plain osd -> plain osd");
  CHECK(write_old_variant(path_in(golden, "events.xml"), path_in(out, "old.osd")) == 0,
        "cannot write the old variant");
  rc = convert(path_in(out, "old.osd"), path_in(out, "rt-old.xml"), OSPY_EXPORT_XML, 1,
               err, sizeof err, &info);
  CHECK(rc == 0 && info.version == 1 && info.nevents == GOLDEN_NEVENTS, "old: %s", err);
  CHECK(same_files(path_in(out, "rt-old.xml"), path_in(golden, "events.xml")),
        "old variant -> xml");
}

/* The older uncompressed variant ("oSpy", u32 count, BOM, XML): its count
 * was taken for v2's version ("offset 4: unsupported .osd version 5"). Read
 * with and without the BOM, and with a count of 2, v2's version number. */
static void test_old_uncompressed(const char *golden, const char *out)
{
  size_t n;
  char *xml = (char *)slurp(path_in(golden, "events.xml"), &n);
  CHECK(xml, "events.xml missing");
  if (!xml)
    return;
  for (int bom = 0; bom <= 1; bom++) {
    const char *name = bom ? "old-unc-bom.osd" : "old-unc.osd";
    char err[512] = "";
    ospy_osd_info info = { 0 };
    CHECK(write_old_uncompressed(xml, n, GOLDEN_NEVENTS, bom, path_in(out, name)) == 0,
          "write %s", name);
    int rc = convert(path_in(out, name), path_in(out, "rt-old-unc.xml"), OSPY_EXPORT_XML, 1,
                     err, sizeof err, &info);
    CHECK(rc == 0 && info.version == 1 && !info.compressed && info.nevents == GOLDEN_NEVENTS,
          "%s: expected 5 events of the older uncompressed variant (version 1, not "
          "compressed), got rc %d version %d compressed %d count %u: %s", name, rc,
          info.version, info.compressed, info.nevents, err);
    CHECK(same_files(path_in(out, "rt-old-unc.xml"), path_in(golden, "events.xml")),
          "%s -> xml differs from events.xml", name);
  }
  free(xml);
  static const char two[] =
    "<?xml version=\"1.0\" encoding=\"utf-8\" standalone=\"yes\"?><events>"
    "<event id=\"1\" type=\"Info\" timestamp=\"0\" processName=\"a\" processId=\"1\" "
    "threadId=\"1\"><message>one</message></event>"
    "<event id=\"2\" type=\"Info\" timestamp=\"0\" processName=\"a\" processId=\"1\" "
    "threadId=\"1\"><message>two</message></event></events>";
  char err[512] = "";
  ospy_osd_info info = { 0 };
  CHECK(write_old_uncompressed(two, sizeof two - 1, 2, 0, path_in(out, "old-unc-2.osd")) == 0,
        "write old-unc-2.osd");
  int rc = convert(path_in(out, "old-unc-2.osd"), NULL, OSPY_EXPORT_XML, 0, err, sizeof err,
                   &info);
  CHECK(rc == 0 && info.version == 1 && info.nevents == 2,
        "old-unc-2.osd (count 2, then '<'): expected 2 events of the older variant, got "
        "rc %d version %d count %u: %s", rc, info.version, info.nevents, err);
}

/* Writes bytes to a file, reads it, expects an error containing `want`. */
static void expect_error(const char *out, const char *name, const void *p, size_t n,
                         const char *want)
{
  char err[512] = "";
  const char *path = path_in(out, name);
  CHECK(spit(path, p, n) == 0, "cannot write %s", path);
  int rc = convert(path, NULL, OSPY_EXPORT_XML, 0, err, sizeof err, NULL);
  CHECK(rc == -1 && strstr(err, want), "%s: rc %d, error \"%s\", wanted \"%s\"",
        name, rc, err, want);
  CHECK(rc != -1 || strstr(err, path), "%s: error does not name the file: %s", name, err);
}

static void expect_plain_error(const char *out, const char *name, const char *xml,
                               uint32_t count, const char *want)
{
  size_t n = strlen(xml);
  uint8_t *buf = malloc(16 + n);
  ospy_osd_header_encode(buf, 0, count);
  memcpy(buf + 16, xml, n);
  expect_error(out, name, buf, 16 + n, want);
  free(buf);
}

#define EV_HEAD "<?xml version=\"1.0\"?><events><event id=\"1\" type=\"FunctionCall\" " \
                "timestamp=\"0\" processId=\"1\" threadId=\"1\">"

static void test_bad_input(const char *out)
{
  size_t n;
  uint8_t *osd = slurp(path_in(out, "golden.osd"), &n);
  CHECK(osd && n > 200, "golden.osd missing");
  if (!osd || n <= 200)
    return;
  expect_error(out, "empty.osd", "", 0, "offset 0: not an oSpy capture");
  expect_error(out, "magic.osd", "XSpy\2\0\0\0\1\0\0\0\5\0\0\0", 16, "not an oSpy capture");
  expect_error(out, "short.osd", osd, 10, "truncated header");
  expect_error(out, "truncated.osd", osd, n / 2, "truncated");
  uint8_t *bad = malloc(n);
  memcpy(bad, osd, n);
  bad[4] = 3;
  expect_error(out, "version.osd", bad, n, "offset 4: unsupported .osd version 3");
  memcpy(bad, osd, n);
  bad[8] = 7;
  expect_error(out, "flag.osd", bad, n, "offset 8: invalid isCompressed value 7");
  memcpy(bad, osd, n);
  bad[12] = 9;
  expect_error(out, "count.osd", bad, n, "announces 9 events but the file holds 5");
  memcpy(bad, osd, n);
  bad[n / 2] ^= 0x55;
  expect_error(out, "flipped.osd", bad, n, "corrupt bzip2 data");
  free(bad);
  free(osd);
  expect_plain_error(out, "cutxml.osd", EV_HEAD "<name>x</na", 1, "XML error at line 1");
  expect_plain_error(out, "xml.osd", EV_HEAD "<name>x</event></events>", 1,
                     "XML error at line 1");
  expect_plain_error(out, "notype.osd", EV_HEAD "<returnValue><value value=\"1\"/>"
                     "</returnValue></event></events>", 1, "line 1: <value> without a type");
  expect_plain_error(out, "b64.osd", EV_HEAD "<returnValue><value type=\"ByteArray\" "
                     "size=\"3\">QUJ*</value></returnValue></event></events>", 1,
                     "not valid base64");
  expect_plain_error(out, "size.osd", EV_HEAD "<returnValue><value type=\"ByteArray\" "
                     "size=\"4\">QUJD</value></returnValue></event></events>", 1,
                     "size=\"4\" but its base64 holds 3 bytes");
  expect_plain_error(out, "type.osd", "<events>\n<event id=\"1\" type=\"Bogus\" "
                     "timestamp=\"0\" processId=\"1\" threadId=\"1\"/></events>", 1,
                     "line 2: unknown event type \"Bogus\"");
  expect_plain_error(out, "owntype.osd", "<events>\n<event id=\"1\" type=\"Info\" "
                     "ospyType=\"Bogus\" timestamp=\"0\" processId=\"1\" threadId=\"1\"/>"
                     "</events>", 1, "line 2: unknown ospyType \"Bogus\"");
  expect_plain_error(out, "id.osd", "<events><event id=\"-1\" type=\"Info\" "
                     "timestamp=\"0\" processId=\"1\" threadId=\"1\"/></events>", 1,
                     "bad event id \"-1\"");
  expect_plain_error(out, "notid.osd", "<events><event id=\"1\" type=\"Info\" "
                     "timestamp=\"0\" processId=\"1\"/></events>", 1,
                     "line 1: <event> needs id, type, timestamp, processId and threadId");
}

/* A foreign file: indentation, a BOM, a CPU context, an argument logged
 * without a value, and a NULL pointer, as the original's files had. */
static void test_foreign_file(const char *out)
{
  static const char xml[] =
    "\xEF\xBB\xBF<?xml version=\"1.0\" encoding=\"utf-8\" standalone=\"yes\"?>\n<events>\n"
    "  <event id=\"130\" type=\"FunctionCall\" timestamp=\"128837553525259808\"\n"
    "         processName=\"msnmsgr.exe\" processId=\"2684\" threadId=\"544\">\n"
    "    <name>\n      WSOCK32.dll::recv\n    </name>\n"
    "    <backtrace>\n      <entry moduleName=\"msnmsgr.exe\">\n        0x4a3b2c\n"
    "      </entry>\n    </backtrace>\n"
    "    <cpuContext direction=\"in\"><register name=\"eax\" value=\"0\"/></cpuContext>\n"
    "    <arguments direction=\"in\">\n"
    "      <argument name=\"s\"><value type=\"UInt32\" value=\"0x8ac\"/></argument>\n"
    "      <argument name=\"buf\"><value type=\"Pointer\" value=\"NULL\"/></argument>\n"
    "      <argument name=\"empty\"/>\n"
    "    </arguments>\n"
    "    <lastError value=\"4294967295\"/>\n"
    "  </event>\n</events>\n";
  uint8_t *buf = malloc(16 + sizeof xml - 1);
  ospy_osd_header_encode(buf, 0, 1);
  memcpy(buf + 16, xml, sizeof xml - 1);
  const char *path = path_in(out, "foreign.osd");
  CHECK(spit(path, buf, 16 + sizeof xml - 1) == 0, "write foreign.osd");
  free(buf);
  char err[512];
  int rc = convert(path, path_in(out, "foreign.xml"), OSPY_EXPORT_XML, 0, err, sizeof err, NULL);
  CHECK(rc == 0, "foreign: %s", err);
  size_t n;
  char *got = (char *)slurp(path_in(out, "foreign.xml"), &n);
  /* (oSpy's recv parser reads a return value and in-arguments 3 and 4 this
   * recv lacks: the call is written as an Info event, osd_parsers.h) */
  static const char want[] =
    "<?xml version=\"1.0\" encoding=\"utf-8\" standalone=\"yes\"?><events>"
    "<event id=\"130\" type=\"Info\" ospyType=\"FunctionCall\" "
    "timestamp=\"128837553525259808\" "
    "processName=\"msnmsgr.exe\" processId=\"2684\" threadId=\"544\">"
    "<name>WSOCK32.dll::recv</name>"
    "<backtrace><entry moduleName=\"msnmsgr.exe\">0x4a3b2c</entry></backtrace>"
    "<arguments direction=\"in\">"
    "<argument name=\"s\"><value type=\"UInt32\" value=\"0x8ac\"/></argument>"
    "<argument name=\"buf\"><value type=\"Pointer\" value=\"NULL\"/></argument>"
    "<argument name=\"empty\"></argument></arguments>"
    "<lastError value=\"-1\"/>"
    "<message>call not in the form oSpy's socket parsers read: WSOCK32.dll::recv</message>"
    "</event></events>";
  CHECK(got && n == sizeof want - 1 && !memcmp(got, want, n), "foreign -> xml:\n%.*s",
        (int)n, got ? got : "");
  free(got);
}

/* The original's other event types (oSpy.SharpDumpLib's EventType):
 * AsyncResult, as its AsyncIO plugin wrote it, and
 * IOCTL_INTERNAL_USB_SUBMIT_URB, as its USB driver agent did, indented. ospy
 * has no model of their content: it is kept as elements (attributes, text,
 * children; the indentation between elements dropped, an entity and a CDATA
 * section as their text), written back as they were, in JSON Lines as
 * "elements". */
static void test_unmodelled_types(const char *out)
{
  static const char xml[] =
    "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<events>\n"
    "<event id=\"7\" type=\"AsyncResult\" timestamp=\"128837553502326832\" "
    "processName=\"msnmsgr.exe\" processId=\"2684\" threadId=\"1128\">"
    "<requestId>5</requestId><data><value type=\"Pointer\" value=\"0x1000\">"
    "<value type=\"KSSTREAM_HEADER\" size=\"3\">AAEC</value>"
    "<value type=\"ByteArray\" size=\"0\"/></value></data></event>\n"
    "<event id=\"8\" type=\"IOCTL_INTERNAL_USB_SUBMIT_URB\" timestamp=\"128837553502326840\" "
    "processName=\"oSpyDriverAgent.sys\" processId=\"0\" threadId=\"0\">\n"
    "  <URB direction=\"out\">\n    <Function>URB_FUNCTION_CONTROL_TRANSFER</Function>\n"
    "    <Note>a &amp; b <![CDATA[<raw>]]></Note>\n"
    "    <Status code=\"0x00000000\">USBD_STATUS_SUCCESS</Status>\n  </URB>\n"
    "  <PendingReturned>true</PendingReturned>\n</event>\n</events>\n";
  uint8_t *buf = malloc(16 + sizeof xml - 1);
  ospy_osd_header_encode(buf, 0, 2);
  memcpy(buf + 16, xml, sizeof xml - 1);
  const char *path = path_in(out, "unmodelled.osd");
  CHECK(spit(path, buf, 16 + sizeof xml - 1) == 0, "write unmodelled.osd");
  free(buf);
  char err[512] = "";
  CHECK(convert(path, path_in(out, "unmodelled.xml"), OSPY_EXPORT_XML, 0, err, sizeof err,
                NULL) == 0,
        "AsyncResult, IOCTL_INTERNAL_USB_SUBMIT_URB: %s", err);
  size_t n;
  char *got = (char *)slurp(path_in(out, "unmodelled.xml"), &n);
  static const char want[] =
    "<event id=\"7\" type=\"AsyncResult\" timestamp=\"128837553502326832\" "
    "processName=\"msnmsgr.exe\" processId=\"2684\" threadId=\"1128\">"
    "<requestId>5</requestId><data><value type=\"Pointer\" value=\"0x1000\">"
    "<value type=\"KSSTREAM_HEADER\" size=\"3\">AAEC</value>"
    "<value type=\"ByteArray\" size=\"0\"/></value></data></event>"
    "<event id=\"8\" type=\"IOCTL_INTERNAL_USB_SUBMIT_URB\" timestamp=\"128837553502326840\" "
    "processName=\"oSpyDriverAgent.sys\" processId=\"0\" threadId=\"0\">"
    "<URB direction=\"out\"><Function>URB_FUNCTION_CONTROL_TRANSFER</Function>"
    "<Note>a &amp; b &lt;raw&gt;</Note>"
    "<Status code=\"0x00000000\">USBD_STATUS_SUCCESS</Status></URB>"
    "<PendingReturned>true</PendingReturned></event></events>";
  CHECK(got && strstr(got, want), "unmodelled -> xml:\n%.*s", (int)n, got ? got : "");
  free(got);
  CHECK(convert(path, path_in(out, "unmodelled.jsonl"), OSPY_EXPORT_JSONL, 0, err, sizeof err,
                NULL) == 0,
        "unmodelled -> jsonl: %s", err);
  got = (char *)slurp(path_in(out, "unmodelled.jsonl"), &n);
  CHECK(got && strstr(got, "\"type\":\"AsyncResult\"") &&
          strstr(got, "\"elements\":[{\"name\":\"requestId\",\"text\":\"5\"},"
                      "{\"name\":\"data\",\"children\":[{\"name\":\"value\","
                      "\"attributes\":{\"type\":\"Pointer\",\"value\":\"0x1000\"},") &&
          strstr(got, "\"type\":\"IOCTL_INTERNAL_USB_SUBMIT_URB\"") &&
          strstr(got, "{\"name\":\"Status\",\"attributes\":{\"code\":\"0x00000000\"},"
                      "\"text\":\"USBD_STATUS_SUCCESS\"}]},"
                      "{\"name\":\"PendingReturned\",\"text\":\"true\"}]}"),
        "unmodelled -> jsonl:\n%.*s", (int)n, got ? got : "");
  free(got);
  /* as oSpy's loader wants them: written as they were, read back the same */
  const char *osd = path_in(out, "unmodelled-w.osd");
  CHECK(convert(path, osd, OSPY_EXPORT_OSD, 0, err, sizeof err, NULL) == 0 &&
          convert(osd, path_in(out, "unmodelled-rt.osd"), OSPY_EXPORT_OSD, 0, err,
                  sizeof err, NULL) == 0 &&
          same_files(osd, path_in(out, "unmodelled-rt.osd")),
        "unmodelled: osd -> osd changed: %s", err);
}

/* ---- the value builder and the capture adapter with a decoder ---- */

/* Stands in for the values decoder: enter -> fd, addr -> Struct; leave ->
 * buf -> ByteArray (truncated), an unreadable pointer, and the return value. */
static int fake_decode(void *data, const ospy_plan *plan, uint32_t hook, int leave,
                       const uint8_t *blob, size_t len, ospy_xbuilder *b, char *err,
                       size_t errcap)
{
  (void)plan, (void)blob, (void)len;
  int *calls = data;
  (*calls)++;
  if (hook != 0) {
    snprintf(err, errcap, "unexpected hook %u", hook);
    return -1;
  }
  if (!leave) {
    ospy_xb_open(b, "fd", "Int32", NULL, "3");
    ospy_xb_close(b);
    ospy_xb_open(b, "addr", "Pointer", NULL, "0x1000");
    ospy_xb_open(b, NULL, "Struct", "sockaddr_in", NULL);
    ospy_xb_open(b, "sin_port", "UInt16", NULL, "80");
    ospy_xb_close(b);
    ospy_xb_close(b);
    ospy_xb_close(b);
    return 0;
  }
  ospy_xb_open(b, "buf", "Pointer", NULL, "0x2000");
  ospy_xb_open(b, NULL, "ByteArray", NULL, NULL);
  ospy_xb_bytes(b, "hi", 2, 10);
  ospy_xb_close(b);
  ospy_xb_close(b);
  ospy_xb_open(b, "opt", "Pointer", NULL, "0x8");
  ospy_xb_unreadable(b, 8);
  ospy_xb_close(b);
  ospy_xb_begin_return(b);
  ospy_xb_open(b, NULL, "Int32", NULL, "2");
  ospy_xb_close(b);
  return 0;
}

static void test_adapter_with_decoder(const char *out)
{
  _Alignas(8) uint8_t buf[256] = { 0 };
  ospy_event_call *c = (void *)buf;
  c->h.type = OSPY_EV_CALL;
  c->h.size = (uint32_t)sizeof *c + 8;
  c->h.pid = 7;
  c->h.tid = 8;
  c->h.ts = 1700000000000000000ull;
  c->ts_leave = c->h.ts + 100;
  c->arch_bits = 64;
  c->enter_len = 4;
  c->leave_len = 4;
  int calls = 0;
  ospy_from_capture *a = ospy_from_capture_new(NULL, "prog");
  CHECK(a != NULL, "adapter");
  if (!a)
    return;
  ospy_from_capture_set_decoder(a, fake_decode, NULL, &calls);
  ospy_xevent ev;
  char err[256] = "";
  CHECK(ospy_from_capture_convert(a, &c->h, &ev, err, sizeof err) == 0, "%s", err);
  CHECK(calls == 2, "decoder called %d times", calls);
  ospy_sink *s = malloc(sizeof *s);
  FILE *f = fopen(path_in(out, "adapter.xml"), "w+b");
  CHECK(s && f && ospy_sink_init(s, f, "adapter.xml", false) == 0, "sink");
  ospy_xml_write_event(s, &ev);
  CHECK(ospy_sink_finish(s) == 0, "%s", s->err);
  static const char want[] =
    "<event id=\"1\" type=\"FunctionCall\" timestamp=\"133444736000000000\" "
    "processName=\"prog\" processId=\"7\" threadId=\"8\"><name>::hook#0</name>"
    "<arguments direction=\"in\"><argument name=\"fd\"><value type=\"Int32\" value=\"3\"/>"
    "</argument><argument name=\"addr\"><value type=\"Pointer\" value=\"0x1000\">"
    "<value type=\"Struct\" subType=\"sockaddr_in\"><field name=\"sin_port\">"
    "<value type=\"UInt16\" value=\"80\"/></field></value></value></argument></arguments>"
    "<arguments direction=\"out\"><argument name=\"buf\"><value type=\"Pointer\" "
    "value=\"0x2000\"><value type=\"ByteArray\" size=\"2\" totalSize=\"10\">aGk=</value>"
    "</value></argument><argument name=\"opt\"><value type=\"Pointer\" value=\"0x8\" "
    "unreadable=\"0x8\"/></argument></arguments><returnValue><value type=\"Int32\" "
    "value=\"2\"/></returnValue><lastError value=\"0\"/></event>";
  char got[2048] = "";
  size_t n = 0;
  if (f) {
    rewind(f);
    n = fread(got, 1, sizeof got - 1, f);
    fclose(f);
  }
  CHECK(n == sizeof want - 1 && !memcmp(got, want, n), "adapter XML:\n%s", got);
  free(s);

  /* an unbalanced tree from a decoder is an error, not a crash */
  ospy_arena arena;
  ospy_arena_init(&arena, 0);
  ospy_xbuilder b;
  const ospy_xvalue *args, *ret;
  size_t nargs;
  ospy_xb_init(&b, &arena);
  ospy_xb_open(&b, "x", "Int32", NULL, "1");
  CHECK(ospy_xb_finish(&b, &args, &nargs, &ret) < 0, "open node accepted");
  ospy_xb_init(&b, &arena);
  ospy_xb_close(&b);
  CHECK(ospy_xb_finish(&b, &args, &nargs, &ret) < 0, "extra close accepted");
  ospy_arena_free(&arena);
  ospy_from_capture_free(a);
}

/* Damaged files, made deterministically: byte flips, XML-significant bytes
 * dropped in, truncations. Each read must end in success or a clean error
 * naming the file; ASan/UBSan builds check that nothing worse happens. */
static uint32_t lcg(uint32_t *state)
{
  *state = *state * 1103515245u + 12345u;
  return *state >> 8;
}

static void mutate_one(const char *out, const uint8_t *orig, size_t n, uint32_t *rng,
                       int *clean, int *errors)
{
  static const char specials[] = "<>&\"'=/\0\xff\xc3";
  uint8_t *p = malloc(n);
  memcpy(p, orig, n);
  size_t len = n;
  switch (lcg(rng) % 3) {
  case 0:
    p[16 + lcg(rng) % (n - 16)] ^= (uint8_t)(1u << (lcg(rng) % 8));
    break;
  case 1:
    p[16 + lcg(rng) % (n - 16)] = (uint8_t)specials[lcg(rng) % (sizeof specials - 1)];
    break;
  default:
    len = lcg(rng) % n;
    break;
  }
  const char *path = path_in(out, "mutant.osd");
  char err[512] = "";
  if (spit(path, p, len) == 0) {
    int rc = convert(path, NULL, OSPY_EXPORT_XML, 0, err, sizeof err, NULL);
    CHECK(rc == 0 || (rc == -1 && strstr(err, path)), "mutant: rc %d, \"%s\"", rc, err);
    *clean += rc == 0;
    *errors += rc == -1;
  }
  free(p);
}

static void test_mutants(const char *out)
{
  static const char *const files[] = { "golden-plain.osd", "golden.osd" };
  uint32_t rng = 12345;
  for (size_t f = 0; f < 2; f++) {
    size_t n;
    uint8_t *orig = slurp(path_in(out, files[f]), &n);
    CHECK(orig && n > 64, "%s", files[f]);
    int clean = 0, errors = 0;
    for (int i = 0; orig && n > 64 && i < 1500; i++)
      mutate_one(out, orig, n, &rng, &clean, &errors);
    CHECK(errors > 500, "%s: only %d of 1500 mutants rejected", files[f], errors);
    free(orig);
  }
}

/* One event written in fmt, as a NUL-terminated string (malloc'd). */
static char *text_of(const char *out, ospy_export_format fmt, const ospy_xevent *ev)
{
  const char *path = path_in(out, "one.txt");
  size_t n;
  uint8_t *p = write_events(path, fmt, ev, 1) == 0 ? slurp(path, &n) : NULL;
  char *s = p ? realloc(p, n + 1) : NULL;
  if (!s) {
    free(p);
    return NULL;
  }
  s[n] = '\0';
  return s;
}

static char *xml_of(const char *out, const ospy_xevent *ev)
{
  return text_of(out, OSPY_EXPORT_XML, ev);
}

static int keep_event(const ospy_xevent *ev, void *data)
{
  ospy_xevent *got = data;
  got->type = ev->type;
  got->unfinished = ev->unfinished;
  got->message = ev->message ? "(a message)" : NULL;
  return 0;
}

/* An argument that was not recorded (its logCondition did not hold) has no
 * "type" in JSON Lines (keys that do not apply are absent), nor does a
 * return value read without one. */
static void test_jsonl_unrecorded(const char *out)
{
  static const ospy_xvalue in[] = { { .name = "outbuf", .type = "" } };
  static const ospy_xvalue ret = { .type = "" };
  ospy_xevent ev = { .id = 1, .type = OSPY_XEV_FUNCTION_CALL, .name = "m::f",
                     .process_name = "p", .pid = 1, .tid = 1, .has_args_in = true,
                     .args_in = in, .nargs_in = 1, .retval = &ret };
  char *s = text_of(out, OSPY_EXPORT_JSONL, &ev);
  CHECK(s && strstr(s, "\"args_in\":[{\"name\":\"outbuf\"}],\"return\":{}"),
        "unrecorded in JSON Lines: %s", s ? s : "");
  free(s);
}

/* A call that did not return: oSpy's socket parsers read the return value
 * of the calls they know (ReturnValueAsInt), so it is an Info event, which
 * ospy import reads back as the unfinished call it was. */
static void test_unfinished_call(const char *out)
{
  static const ospy_xvalue in[] = { { .name = "sockfd", .type = "FileDescriptor", .text = "3" } };
  ospy_xevent ev = { .id = 7, .type = OSPY_XEV_FUNCTION_CALL, .name = "libc.so.6::recv",
                     .process_name = "p", .pid = 1, .tid = 1, .unfinished = true,
                     .has_args_in = true, .args_in = in, .nargs_in = 1 };
  char *x = xml_of(out, &ev);
  CHECK(x && strstr(x, "<event id=\"7\" type=\"Info\" ospyType=\"FunctionCall\" ") &&
          strstr(x, "<name>libc.so.6::recv</name><arguments direction=\"in\">") &&
          strstr(x, "</arguments><message>call did not return: libc.so.6::recv</message>"
                    "</event>"),
        "unfinished call: %s", x ? x : "");
  free(x);
  char err[512] = "";
  ospy_xevent got = { 0 };
  CHECK(write_events(path_in(out, "unfinished.osd"), OSPY_EXPORT_OSD, &ev, 1) == 0 &&
          ospy_osd_read(path_in(out, "unfinished.osd"), keep_event, &got, NULL, err,
                        sizeof err) == 0 &&
          got.type == OSPY_XEV_FUNCTION_CALL && got.unfinished && !got.message,
        "unfinished call read back: %s type %d unfinished %d", err, got.type, got.unfinished);
  CHECK(convert(path_in(out, "unfinished.osd"), path_in(out, "unfinished-rt.osd"),
                OSPY_EXPORT_OSD, 0, err, sizeof err, NULL) == 0 &&
          same_files(path_in(out, "unfinished-rt.osd"), path_in(out, "unfinished.osd")),
        "unfinished call: osd -> osd %s", err);
}

/* ---- character references XML forbids (oSpy's .NET writer: &#x1B;) ---- */

typedef struct chunked {
  const char *s;
  size_t len, pos, chunk;
} chunked;

static int chunked_read(void *ctx, char *buf, int n)
{
  chunked *c = ctx;
  size_t k = c->len - c->pos;
  if (k > c->chunk)
    k = c->chunk;
  if (k > (size_t)n)
    k = (size_t)n;
  memcpy(buf, c->s + c->pos, k);
  c->pos += k;
  return (int)k;
}

/* The filter alone, its source giving the bytes 1, 2, 3, 5 and 64 at a time
 * (a reference, a comment's or CDATA section's opening and closing split
 * between reads) and read back 1 and 4096 at a time. */
static void test_charref_filter(void)
{
  static const char in[] =
    "<?x a=\"&#x1B;\"?><e a=\"&#27;\">&#x1B;[0m&#0;&#x1f;&#xD800;&#xFFFE;&#65534;"
    "&#x41;&#9;&#xD;&#x10000;&#x110000;&amp;&lt;&#x1B&#x;&#xG;&# x1B;&#;"
    "&#x00000000000000000000000000000001B;"
    "<!-- &#x1B; --->&#x1B;<![CDATA[&#x1B;]]]>&#1;</e>&#x1B";
  static const char want[] =
    "<?x a=\"&#x1B;\"?><e a=\"\xEF\xBF\xBD\">\xEF\xBF\xBD[0m\xEF\xBF\xBD\xEF\xBF\xBD"
    "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD"
    "&#x41;&#9;&#xD;&#x10000;&#x110000;&amp;&lt;&#x1B&#x;&#xG;&# x1B;&#;"
    "&#x00000000000000000000000000000001B;"
    "<!-- &#x1B; --->\xEF\xBF\xBD<![CDATA[&#x1B;]]]>\xEF\xBF\xBD</e>&#x1B";
  static const size_t chunks[] = { 1, 2, 3, 5, 64 };
  for (size_t i = 0; i < sizeof chunks / sizeof *chunks; i++) {
    for (int outn = 1; outn <= 4096; outn += 4095) {
      chunked src = { in, sizeof in - 1, 0, chunks[i] };
      ospy_charrefs *f = malloc(sizeof *f);
      ospy_charrefs_init(f, chunked_read, &src);
      char got[sizeof in];
      size_t n = 0;
      int k;
      while (n < sizeof got && (k = ospy_charrefs_read(f, got + n, outn)) > 0)
        n += (size_t)k;
      free(f);
      CHECK(n == sizeof want - 1 && !memcmp(got, want, n),
            "source %zu bytes a read, read %d at a time:\n got  \"%.*s\"\n want \"%s\"",
            chunks[i], outn, (int)n, got, want);
    }
  }
}

/* An .osd as oSpy's .NET XmlTextWriter wrote a string holding ESC and NUL:
 * character references XML 1.0 forbids, which libxml2 refused (the whole
 * file with it). Read with U+FFFD in their place; written back as ospy
 * writes any character XML cannot carry. */
static void test_control_char_refs(const char *out)
{
  static const char xml[] =
    "<?xml version=\"1.0\" encoding=\"utf-8\" standalone=\"yes\"?><events>"
    "<event id=\"1\" type=\"Info\" timestamp=\"128837553525259808\" "
    "processName=\"a.exe\" processId=\"1\" threadId=\"2\"><message>esc &#x1B;[0m"
    "</message></event>"
    "<event id=\"2\" type=\"FunctionCall\" timestamp=\"128837553525259808\" "
    "processName=\"a.exe\" processId=\"1\" threadId=\"2\"><name>a.dll::f</name>"
    "<arguments direction=\"in\"><argument name=\"s\"><value type=\"Pointer\" "
    "value=\"0x1000\"><value type=\"AsciiString\" value=\"x&#x1;y&#0;z&#27;\"/></value>"
    "</argument></arguments><returnValue><value type=\"Int32\" value=\"0\"/></returnValue>"
    "<lastError value=\"0\"/></event></events>";
  uint8_t *buf = malloc(16 + sizeof xml - 1);
  ospy_osd_header_encode(buf, 0, 2);
  memcpy(buf + 16, xml, sizeof xml - 1);
  const char *path = path_in(out, "cref.osd");
  CHECK(spit(path, buf, 16 + sizeof xml - 1) == 0, "write cref.osd");
  free(buf);
  char err[512] = "";
  int rc = convert(path, path_in(out, "cref.xml"), OSPY_EXPORT_XML, 0, err, sizeof err, NULL);
  CHECK(rc == 0, "an .osd with &#x1B;, &#x1;, &#0;, &#27;: expected it read, got: %s", err);
  size_t n;
  char *got = (char *)slurp(path_in(out, "cref.xml"), &n);
  static const char *const want[] = {
    "<message>esc \xEF\xBF\xBD[0m</message>",
    "<value type=\"AsciiString\" value=\"x\xEF\xBF\xBDy\xEF\xBF\xBDz\xEF\xBF\xBD\"/>",
  };
  for (size_t i = 0; i < 2; i++)
    CHECK(got && strstr(got, want[i]), "expected %s in:\n%.*s", want[i], (int)n,
          got ? got : "");
  free(got);
}

/* ---- calls named like a socket function that oSpy's parsers cannot read ---- */

#define PV(...) ((const ospy_xvalue[]){ __VA_ARGS__ })

static const ospy_xvalue ret_int5 = { .type = "Int32", .text = "5" };
static const ospy_xvalue ret_fail = { .type = "Int32", .text = "-1" };

/* (name, in-arguments, expected to be parsed: a FunctionCall; else an Info) */
static const struct {
  const char *name;
  const ospy_xvalue *args;
  size_t nargs;
  const ospy_xvalue *ret;
  bool parsed;
  const char *why;
} socket_named[] = {
  { "libc.so.6::send",
    PV({ .name = "sockfd", .type = "FileDescriptor", .text = "3" },
       { .name = "buf", .type = "Pointer", .text = "0x7f0000001000", .nchildren = 1,
         .children = PV({ .type = "ByteArray", .bytes = (const uint8_t *)"hi", .nbytes = 2 }) },
       { .name = "len", .type = "UInt64", .text = "2" },
       { .name = "flags", .type = "Flags", .subtype = "MsgFlags", .text = "MSG_NOSIGNAL",
         .number = "0x4000" }), 4, &ret_int5, true, "libc's send" },
  { "libc.so.6::connect",
    PV({ .name = "sockfd", .type = "FileDescriptor", .text = "-1" },
       { .name = "addr", .type = "Pointer", .text = "NULL",
         .flags = OSPY_XVALUE_SOCKADDR_NOT_READ },
       { .name = "addrlen", .type = "UInt32", .text = "16" }), 3, &ret_fail, true,
    "libc's connect of a NULL address, failed" },
  { "own::send",
    PV({ .name = "msg", .type = "Pointer", .text = "0x56441b0d4004", .nchildren = 1,
         .children = PV({ .type = "AsciiString", .text = "hello" }) }), 1, &ret_int5, false,
    "a program's own send(const char *msg), x86-64: its address past 32 bits" },
  { "own::send",
    PV({ .name = "msg", .type = "Pointer", .text = "0x5655a008", .nchildren = 1,
         .children = PV({ .type = "AsciiString", .text = "hello" }) }), 1, &ret_int5, false,
    "the same, i386: no argument 2" },
  { "send",
    PV({ .name = "s", .type = "Int32", .text = "3" },
       { .name = "buf", .type = "Pointer", .text = "0x1000", .nchildren = 1,
         .children = PV({ .type = "AsciiString", .text = "hi" }) },
       { .name = "n", .type = "Int32", .text = "2" },
       { .name = "f", .type = "Int32", .text = "0" }), 4, &ret_int5, false,
    "a bare send (written ::send) whose buffer is a string" },
  { "libc.so.6::recv",
    PV({ .name = "sockfd", .type = "FileDescriptor", .text = "3" },
       { .name = "buf", .type = "Pointer", .text = "0x7f0000001000" },
       { .name = "len", .type = "UInt64", .text = "3000000000" },
       { .name = "flags", .type = "Flags", .subtype = "MsgFlags", .text = "0x0",
         .number = "0" }), 4, &ret_int5, false, "a recv of 3000000000 bytes (Int32 len)" },
  { "ws2_32.dll::connect",
    PV({ .name = "s", .type = "UInt32", .text = "0x8ac" },
       { .name = "name", .type = "Ipv4SockaddrPtr", .text = "0x1000", .nchildren = 1,
         .children = PV({ .type = "Struct", .subtype = "Ipv4Sockaddr", .nchildren = 3,
                          .children = PV({ .name = "sin_family", .type = "Enum",
                                           .subtype = "AddressFamily", .text = "AF_INET" },
                                         { .name = "sin_port", .type = "UInt16",
                                           .text = "70000" },
                                         { .name = "sin_addr", .type = "Ipv4InAddr",
                                           .text = "127.0.0.1" }) }) }), 2, &ret_fail, false,
    "an imported connect to port 70000" },
  { "own::socket",
    PV({ .name = "af", .type = "Int32", .text = "2" },
       { .name = "type", .type = "Int32", .text = "1" }), 2, &ret_int5, false,
    "a socket of 2 arguments" },
};
#define NSOCKET_NAMED (sizeof socket_named / sizeof *socket_named)
#define BARE_SEND 4 /* its name is read back as "::send" */

typedef struct read_calls {
  size_t n;
  int bad; /* an event not read back as the call it was */
} read_calls;

static int read_back_call(const ospy_xevent *ev, void *data)
{
  read_calls *r = data;
  size_t i = r->n++;
  i += i >= BARE_SEND; /* (not written: below) */
  CHECK(i < NSOCKET_NAMED && ev->type == OSPY_XEV_FUNCTION_CALL && !ev->unfinished &&
          !ev->raw_words && !ev->message && ev->retval && ev->nargs_in == socket_named[i].nargs,
        "%s: expected read back as the FunctionCall that returned, got type %d unfinished %d "
        "raw %d message %s", i < NSOCKET_NAMED ? socket_named[i].why : "?", ev->type,
        ev->unfinished, ev->raw_words, ev->message ? ev->message : "(none)");
  return 0;
}

/* oSpy's loader runs its socket parsers on any call whose function is
 * named socket, connect, send, recv or closesocket, whatever its module,
 * and rejects the whole file when one throws: a call one cannot read is an
 * Info event (ospyType FunctionCall), read back by ospy import as the call
 * it was; the calls it can read stay FunctionCalls. */
static void test_calls_not_for_socket_parsers(const char *out)
{
  ospy_xevent evs[NSOCKET_NAMED];
  for (size_t i = 0; i < NSOCKET_NAMED; i++) {
    evs[i] = (ospy_xevent){ .id = i + 1, .type = OSPY_XEV_FUNCTION_CALL,
                            .name = socket_named[i].name, .process_name = "own", .pid = 1,
                            .tid = 1, .has_args_in = true, .args_in = socket_named[i].args,
                            .nargs_in = socket_named[i].nargs, .retval = socket_named[i].ret,
                            .has_last_error = true, .last_error = 0 };
    char *x = xml_of(out, &evs[i]);
    char want[256];
    const char *name = strstr(socket_named[i].name, "::") ? socket_named[i].name : "::send";
    if (socket_named[i].parsed)
      snprintf(want, sizeof want, "<event id=\"%zu\" type=\"FunctionCall\" ", i + 1);
    else
      snprintf(want, sizeof want, "<message>call not in the form oSpy's socket parsers read: "
               "%s</message></event>", socket_named[i].name);
    bool info = x && strstr(x, "type=\"Info\" ospyType=\"FunctionCall\"");
    CHECK(x && strstr(x, want) && info != socket_named[i].parsed && strstr(x, name),
          "%s: expected %s, got:\n%s", socket_named[i].why,
          socket_named[i].parsed ? "a FunctionCall" : "an Info event with that message", x);
    free(x);
  }
  /* read back and written again: the same bytes (a bare name would come
   * back as "::send": left out) */
  const char *path = path_in(out, "socket-named.osd");
  memmove(&evs[BARE_SEND], &evs[BARE_SEND + 1], (NSOCKET_NAMED - BARE_SEND - 1) * sizeof *evs);
  read_calls r = { 0 };
  char err[512] = "";
  CHECK(write_events(path, OSPY_EXPORT_OSD, evs, NSOCKET_NAMED - 1) == 0 &&
          ospy_osd_read(path, read_back_call, &r, NULL, err, sizeof err) == 0 &&
          r.n == NSOCKET_NAMED - 1, "socket-named.osd read back: %s (%zu events)", err, r.n);
  CHECK(convert(path, path_in(out, "socket-named-rt.osd"), OSPY_EXPORT_OSD, 0, err, sizeof err,
                NULL) == 0 &&
          same_files(path_in(out, "socket-named-rt.osd"), path),
        "socket-named.osd -> import -> .osd: expected the same bytes %s", err);
}

/* A backtrace as oSpy's agent wrote one (Util::CreateBacktraceNode): at most
 * 8 entries, each in a known module; an address in none is left out and not
 * counted (it was written without moduleName, and all of them). JSON Lines
 * keeps every frame. */
static void test_backtrace_as_osd(const char *out)
{
  static const ospy_xframe frames[12] = {
    { 0x1010, "a.out", false }, { 0x7fb677946010, NULL, false }, { 0x2020, "libc.so.6", true },
    { 0x3030, "a.out", true },  { 0x4040, "a.out", true },       { 0x7fb677946020, NULL, true },
    { 0x5050, "a.out", true },  { 0x6060, "a.out", true },       { 0x7070, "a.out", true },
    { 0x8080, "a.out", true },  { 0x9090, "a.out", true },       { 0xa0a0, "a.out", true },
  };
  ospy_xevent ev = { .id = 1, .type = OSPY_XEV_FUNCTION_CALL, .name = "a.out::f",
                     .process_name = "a.out", .pid = 1, .tid = 1, .backtrace = frames,
                     .nframes = 12 };
  char *x = xml_of(out, &ev);
  static const char want[] =
    "<name>a.out::f</name><backtrace><entry moduleName=\"a.out\">0x1010</entry>"
    "<entry moduleName=\"libc.so.6\" scanned=\"true\">0x2020</entry>"
    "<entry moduleName=\"a.out\" scanned=\"true\">0x3030</entry>"
    "<entry moduleName=\"a.out\" scanned=\"true\">0x4040</entry>"
    "<entry moduleName=\"a.out\" scanned=\"true\">0x5050</entry>"
    "<entry moduleName=\"a.out\" scanned=\"true\">0x6060</entry>"
    "<entry moduleName=\"a.out\" scanned=\"true\">0x7070</entry>"
    "<entry moduleName=\"a.out\" scanned=\"true\">0x8080</entry></backtrace></event>";
  CHECK(x && strstr(x, want), "12 frames, 2 in no module: expected the first 8 in modules:\n"
        "%s\ngot:\n%s", want, x ? x : "");
  free(x);
  ev.nframes = 2; /* a.out's, then one in no module */
  ev.backtrace = (const ospy_xframe[]){ { 0x7fb677946010, NULL, false },
                                        { 0x7fb677946020, NULL, true } };
  x = xml_of(out, &ev);
  CHECK(x && strstr(x, "<name>a.out::f</name></event>"),
        "frames in no module only: expected no <backtrace>, got:\n%s", x ? x : "");
  free(x);
  ev.nframes = 12;
  ev.backtrace = frames;
  char *j = text_of(out, OSPY_EXPORT_JSONL, &ev);
  CHECK(j && strstr(j, "{\"address\":\"0x7fb677946010\"}") && strstr(j, "0xa0a0"),
        "JSON Lines: expected all 12 frames, got:\n%s", j ? j : "");
  free(j);
}

/* What oSpy's loader (oSpy.SharpDumpLib) needs of an event, written whatever
 * the event holds. */
static void test_original_loader_needs(const char *out)
{
  /* EventFactory splits <name> on "::" and takes [1]: an imported event
   * named without a module must still have one */
  ospy_xevent ev = { .id = 1, .type = OSPY_XEV_FUNCTION_CALL, .name = "getpid",
                     .process_name = "p", .pid = 1, .tid = 1 };
  char *x = xml_of(out, &ev);
  CHECK(x && strstr(x, "<name>::getpid</name>"), "bare name: %s", x ? x : "(no output)");
  free(x);
}

/* A string cut at the value cap (or by unreadable memory) in the middle of
 * a UTF-8 character ends at the character before it, not in U+FFFD; a
 * string that is whole keeps its bad bytes as U+FFFD. */
static void test_cut_utf8(const char *out)
{
  static const struct {
    const char *text;
    uint32_t flags;
    const char *xml, *json;
  } cases[] = {
    { "\xe2\x82\xac\xe2\x82\xac\xe2\x82", OSPY_XVALUE_TRUNCATED,
      "value=\"\xe2\x82\xac\xe2\x82\xac\" truncated=\"true\"",
      "\"value\":\"\xe2\x82\xac\xe2\x82\xac\",\"truncated\":true" },
    { "ok\xf0\x9f\x98", OSPY_XVALUE_UNREADABLE, "value=\"ok\" unreadable=\"0x10\"",
      "\"value\":\"ok\",\"unreadable\":\"0x10\"" },
    { "ok\xf0", OSPY_XVALUE_TRUNCATED, "value=\"ok\" truncated", "\"value\":\"ok\"," },
    { "\xe2\x82\xac\xe2\x82\xac", OSPY_XVALUE_TRUNCATED,
      "value=\"\xe2\x82\xac\xe2\x82\xac\" truncated", "\"value\":\"\xe2\x82\xac\xe2\x82\xac\"," },
    { "ab\xe2\x82", 0, "value=\"ab\xef\xbf\xbd\xef\xbf\xbd\"/>",
      "\"value\":\"ab\xef\xbf\xbd\xef\xbf\xbd\"}" },
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    ospy_xvalue str = { .type = "AsciiString", .text = cases[i].text, .flags = cases[i].flags,
                        .addr = 0x10 };
    ospy_xvalue arg = { .name = "s", .type = "Pointer", .text = "0x1000", .children = &str,
                        .nchildren = 1 };
    ospy_xevent ev = { .id = 1, .type = OSPY_XEV_FUNCTION_CALL, .name = "t3::f_str",
                       .process_name = "t3", .pid = 1, .tid = 1, .has_args_in = true,
                       .args_in = &arg, .nargs_in = 1 };
    char *x = xml_of(out, &ev);
    CHECK(x && strstr(x, cases[i].xml), "cut string %zu in XML: %s", i, x ? x : "");
    free(x);
    x = text_of(out, OSPY_EXPORT_JSONL, &ev);
    CHECK(x && strstr(x, cases[i].json), "cut string %zu in JSON Lines: %s", i, x ? x : "");
    free(x);
  }
  /* stray continuation bytes are not a character cut in half */
  CHECK(ospy_utf8_whole_len("a\x80\x80\x80\x80", 5) == 5 && ospy_utf8_whole_len("", 0) == 0 &&
          ospy_utf8_whole_len("\xf0\x9f\x98\x80", 4) == 4 &&
          ospy_utf8_whole_len("\xf0\x9f\x98", 3) == 0 && ospy_utf8_whole_len("a\xc3", 2) == 1,
        "ospy_utf8_whole_len");
}

/* Reads the names of an .osd's events into an array of strings. */
typedef struct names_ctx {
  size_t n;
  char *names[4];
} names_ctx;

static int keep_name(const ospy_xevent *ev, void *data)
{
  names_ctx *c = data;
  if (c->n < 4)
    c->names[c->n++] = ev->name ? strdup(ev->name) : NULL;
  return 0;
}

/* C++ names: oSpy's loader takes the part of <name> after the first "::" up
 * to the next one as the function (cppsock::socket::open(int) would be
 * "socket", and its socket parser would run on a method and reject the
 * file): the XML name has one "::" after the module, the others as ".",
 * the name itself in ospyName, which ospy import reads back. JSON Lines
 * keeps the name as it is. */
static void test_cxx_names(const char *out)
{
  static const char *const names[] = {
    "cppsock::socket::open(int)",
    "libx.so::ns::Codec<std::string>::encode(ns::Buf const&)",
    "::ns::f",
    "libc.so.6::recv",
  };
  static const char *const want[] = {
    "<name ospyName=\"cppsock::socket::open(int)\">cppsock::socket.open(int)</name>",
    "<name ospyName=\"libx.so::ns::Codec&lt;std::string&gt;::encode(ns::Buf const&amp;)\">"
    "libx.so::ns.Codec&lt;std.string&gt;.encode(ns.Buf const&amp;)</name>",
    "<name ospyName=\"::ns::f\">::ns.f</name>",
    "<name>libc.so.6::recv</name>",
  };
  static const ospy_xvalue ret = { .type = "UInt64", .text = "0x1234567d9" };
  ospy_xevent evs[4];
  for (size_t i = 0; i < 4; i++) {
    evs[i] = (ospy_xevent){ .id = i + 1, .type = OSPY_XEV_FUNCTION_CALL, .name = names[i],
                            .process_name = "cppsock", .pid = 1, .tid = 1, .retval = &ret };
    char *x = xml_of(out, &evs[i]);
    CHECK(x && strstr(x, want[i]), "C++ name %s: %s", names[i], x ? x : "");
    free(x);
    x = text_of(out, OSPY_EXPORT_JSONL, &evs[i]);
    CHECK(x && strstr(x, "\"name\":\"") && strstr(x, i == 1 ? "Codec<std::string>::encode"
                                                          : names[i]),
          "C++ name in JSON Lines: %s", x ? x : "");
    free(x);
  }
  const char *path = path_in(out, "cxx.osd");
  char err[512] = "";
  names_ctx c = { 0 };
  CHECK(write_events(path, OSPY_EXPORT_OSD, evs, 4) == 0 &&
          ospy_osd_read(path, keep_name, &c, NULL, err, sizeof err) == 0 && c.n == 4,
        "cxx.osd: %s", err);
  for (size_t i = 0; i < c.n; i++) {
    CHECK(c.names[i] && !strcmp(c.names[i], names[i]), "C++ name read back: %s, not %s",
          c.names[i] ? c.names[i] : "(none)", names[i]);
    free(c.names[i]);
  }
  CHECK(convert(path, path_in(out, "cxx-rt.osd"), OSPY_EXPORT_OSD, 0, err, sizeof err,
                NULL) == 0 &&
          same_files(path_in(out, "cxx-rt.osd"), path),
        "cxx.osd -> osd changed: %s", err);
}

/* Socket addresses as ospy keeps them (their bytes) */
static const uint8_t sa_inet[16] = { 2, 0, 0xc7, 0x43, 127, 0, 0, 1 }; /* :51011 */
static const uint8_t sa_inet6[28] = { 10, 0, 0x1f, 0x90, 0, 0, 0, 1, [23] = 1, [24] = 3 };
static const uint8_t sa_unix[12] = { 1, 0, '/', 'r', 'u', 'n', '/', 'x', 0, 0x7f, 0x55, 0xaa };
static const uint8_t sa_abstract[8] = { 1, 0, 0, 'b', 'u', 's', 0, 'z' };
static const uint8_t sa_netlink[12] = { 16, 0, 0, 0, 0x39, 0x30 };
static const uint8_t sa_short[1] = { 2 };
/* connect(fd, &sin, 4), (..., 2), (..., 6): the family and what addrlen covers */
static const uint8_t sa_inet_port_only[4] = { 2, 0, 0, 9 };
static const uint8_t sa_inet_family_only[2] = { 2, 0 };
static const uint8_t sa_inet_half_addr[6] = { 2, 0, 0, 9, 127, 0 };
static const uint8_t sa_inet6_short[8] = { 10, 0, 0x1f, 0x90, 0, 0, 0, 1 };
static const struct {
  const uint8_t *p;
  size_t n;
} sockaddrs[] = {
  { sa_inet, sizeof sa_inet }, { sa_inet6, sizeof sa_inet6 }, { sa_unix, sizeof sa_unix },
  { sa_abstract, sizeof sa_abstract }, { sa_netlink, sizeof sa_netlink },
  { sa_short, sizeof sa_short }, { sa_inet_port_only, sizeof sa_inet_port_only },
  { sa_inet_family_only, sizeof sa_inet_family_only },
  { sa_inet_half_addr, sizeof sa_inet_half_addr }, { sa_inet6_short, sizeof sa_inet6_short },
};
#define NSOCKADDRS (sizeof sockaddrs / sizeof *sockaddrs)

/* connect(fd, addr) with the i-th address behind addr */
static void sockaddr_event(size_t i, ospy_xvalue args[2], ospy_xvalue *sa, ospy_xevent *ev)
{
  *sa = (ospy_xvalue){ .type = "ByteArray", .subtype = "sockaddr", .text = "{...}",
                       .bytes = sockaddrs[i].p, .nbytes = sockaddrs[i].n };
  args[0] = (ospy_xvalue){ .name = "sockfd", .type = "FileDescriptor", .text = "3" };
  args[1] = (ospy_xvalue){ .name = "addr", .type = "Pointer", .text = "0x1000",
                           .children = sa, .nchildren = 1 };
  *ev = (ospy_xevent){ .id = i + 1, .type = OSPY_XEV_FUNCTION_CALL,
                       .name = "libc.so.6::connect", .process_name = "p", .pid = 1, .tid = 1,
                       .has_args_in = true, .args_in = args, .nargs_in = 2 };
}

typedef struct sockaddr_ctx {
  size_t n;
  ospy_endpoint got[NSOCKADDRS];
  int ok[NSOCKADDRS];
} sockaddr_ctx;

static int read_sockaddr(const ospy_xevent *ev, void *data)
{
  sockaddr_ctx *c = data;
  if (c->n < NSOCKADDRS && ev->nargs_in == 2) {
    c->ok[c->n] = ospy_sv_sockaddr(&ev->args_in[1], &c->got[c->n]);
    c->n++;
  }
  return 0;
}

/* The structure oSpy's connect parser reads: sin_family whatever the
 * family, AF_INET's sin_port (decimal) and sin_addr (dotted) */
static void test_sockaddr_xml(const char *out)
{
  ospy_xvalue args[2], sa;
  ospy_xevent ev;
  sockaddr_event(0, args, &sa, &ev);
  char *x = xml_of(out, &ev);
  CHECK(x && strstr(x, "<argument name=\"addr\"><value type=\"Pointer\" value=\"0x1000\">"
                       "<value type=\"Struct\" subType=\"sockaddr_in\">"
                       "<field name=\"sin_family\"><value type=\"Enum\" "
                       "subType=\"AddressFamily\" value=\"AF_INET\"/></field>"
                       "<field name=\"sin_port\"><value type=\"UInt16\" value=\"51011\"/>"
                       "</field><field name=\"sin_addr\"><value type=\"Ipv4InAddr\" "
                       "value=\"127.0.0.1\"/></field></value></value></argument>"),
        "AF_INET: %s", x ? x : "");
  free(x);
  static const char *const want[NSOCKADDRS] = {
    NULL,
    "<value type=\"Struct\" subType=\"sockaddr_in6\"><field name=\"sin_family\">"
    "<value type=\"Enum\" subType=\"AddressFamily\" value=\"AF_INET6\"/></field>"
    "<field name=\"sin6_port\"><value type=\"UInt16\" value=\"8080\"/></field>"
    "<field name=\"sin6_flowinfo\"><value type=\"UInt32\" value=\"1\"/></field>"
    "<field name=\"sin6_addr\"><value type=\"AsciiString\" value=\"::1\"/></field>"
    "<field name=\"sin6_scope_id\"><value type=\"UInt32\" value=\"3\"/></field></value>",
    "<field name=\"sun_path\"><value type=\"AsciiString\" value=\"/run/x\"/></field>",
    "<field name=\"sun_path\"><value type=\"AsciiString\" value=\"@bus\"/></field>",
    "<value type=\"Struct\" subType=\"sockaddr\"><field name=\"sin_family\">"
    "<value type=\"Enum\" subType=\"AddressFamily\" value=\"AF_NETLINK\"/></field>"
    "<field name=\"sa_data\"><value type=\"ByteArray\" size=\"10\">AAA5MAAAAAAAAA==",
    "<value type=\"Struct\" subType=\"sockaddr\"><field name=\"sin_family\">"
    "<value type=\"Enum\" subType=\"AddressFamily\" value=\"AF_UNSPEC\" "
    "unrecorded=\"true\"/></field></value>",
    /* every field AF_INET's parser reads, stand-ins marked for the bytes
     * addrlen did not cover */
    "<value type=\"Struct\" subType=\"sockaddr_in\"><field name=\"sin_family\">"
    "<value type=\"Enum\" subType=\"AddressFamily\" value=\"AF_INET\"/></field>"
    "<field name=\"sin_port\"><value type=\"UInt16\" value=\"9\"/></field>"
    "<field name=\"sin_addr\"><value type=\"Ipv4InAddr\" value=\"0.0.0.0\" "
    "unrecorded=\"true\"/></field></value>",
    "<value type=\"Struct\" subType=\"sockaddr_in\"><field name=\"sin_family\">"
    "<value type=\"Enum\" subType=\"AddressFamily\" value=\"AF_INET\"/></field>"
    "<field name=\"sin_port\"><value type=\"UInt16\" value=\"0\" unrecorded=\"true\"/>"
    "</field><field name=\"sin_addr\"><value type=\"Ipv4InAddr\" value=\"0.0.0.0\" "
    "unrecorded=\"true\"/></field></value>",
    "<field name=\"sin_port\"><value type=\"UInt16\" value=\"9\"/></field>"
    "<field name=\"sin_addr\"><value type=\"Ipv4InAddr\" value=\"0.0.0.0\" "
    "unrecorded=\"true\"/></field></value>",
    "<value type=\"Struct\" subType=\"sockaddr_in6\"><field name=\"sin_family\">"
    "<value type=\"Enum\" subType=\"AddressFamily\" value=\"AF_INET6\"/></field>"
    "<field name=\"sin6_port\"><value type=\"UInt16\" value=\"8080\"/></field>"
    "<field name=\"sin6_flowinfo\"><value type=\"UInt32\" value=\"1\"/></field>"
    "<field name=\"sin6_addr\"><value type=\"AsciiString\" value=\"::\" "
    "unrecorded=\"true\"/></field><field name=\"sin6_scope_id\">"
    "<value type=\"UInt32\" value=\"0\" unrecorded=\"true\"/></field></value>",
  };
  for (size_t i = 1; i < NSOCKADDRS; i++) {
    sockaddr_event(i, args, &sa, &ev);
    x = xml_of(out, &ev);
    CHECK(x && strstr(x, want[i]) && strstr(x, "<field name=\"sin_family\">"),
          "sockaddr %zu: %s", i, x ? x : "");
    free(x);
  }
}

/* ospy's readers take the structure back: the same endpoints as from the
 * bytes (streams and pcapng of an imported capture) */
static void test_sockaddr_read_back(const char *out)
{
  ospy_xvalue args[NSOCKADDRS][2], sa[NSOCKADDRS];
  ospy_xevent evs[NSOCKADDRS];
  for (size_t i = 0; i < NSOCKADDRS; i++)
    sockaddr_event(i, args[i], &sa[i], &evs[i]);
  const char *path = path_in(out, "sockaddr.osd");
  sockaddr_ctx c = { 0 };
  char err[512] = "";
  CHECK(write_events(path, OSPY_EXPORT_OSD, evs, NSOCKADDRS) == 0 &&
          ospy_osd_read(path, read_sockaddr, &c, NULL, err, sizeof err) == 0 &&
          c.n == NSOCKADDRS,
        "sockaddr.osd: %s", err);
  for (size_t i = 0; i < c.n; i++) {
    ospy_endpoint want;
    int ok = ospy_sv_sockaddr(&evs[i].args_in[1], &want);
    const ospy_endpoint *g = &c.got[i];
    CHECK(c.ok[i] == ok && (!ok || (g->family == want.family && g->port == want.port &&
                                    !memcmp(g->addr, want.addr, sizeof want.addr) &&
                                    !strcmp(g->path, want.path))),
          "sockaddr %zu read back: %d family %d port %u path \"%s\"", i, c.ok[i],
          c.got[i].family, c.got[i].port, c.got[i].path);
  }
  /* the stand-ins keep their mark: .osd -> import -> .osd is the same file */
  CHECK(convert(path, path_in(out, "sockaddr-rt.osd"), OSPY_EXPORT_OSD, 0, err, sizeof err,
                NULL) == 0 &&
          same_files(path_in(out, "sockaddr-rt.osd"), path),
        "sockaddr.osd -> osd changed: %s", err);
}

static int run_unit(const char *golden, const char *out)
{
  if (write_golden(out) < 0)
    return 1;
  test_golden_xml(golden, out);
  test_osd_header(out);
  test_round_trips(golden, out);
  test_old_uncompressed(golden, out);
  test_bad_input(out);
  test_foreign_file(out);
  test_charref_filter();
  test_control_char_refs(out);
  test_unmodelled_types(out);
  test_original_loader_needs(out);
  test_cxx_names(out);
  test_cut_utf8(out);
  test_unfinished_call(out);
  test_calls_not_for_socket_parsers(out);
  test_backtrace_as_osd(out);
  test_jsonl_unrecorded(out);
  test_sockaddr_xml(out);
  test_sockaddr_read_back(out);
  test_adapter_with_decoder(out);
  test_mutants(out);
  if (failures)
    fprintf(stderr, "%d check(s) failed\n", failures);
  return failures != 0;
}

/* ---- bounded memory ---- */

static int count_event(const ospy_xevent *ev, void *data)
{
  uint64_t *n = data;
  if (ev->id != *n + 1)
    return 3;
  (*n)++;
  return 0;
}

static long max_rss_kib(void)
{
  struct rusage ru;
  return getrusage(RUSAGE_SELF, &ru) == 0 ? ru.ru_maxrss : -1;
}

static double now_s(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* OUT_DIR/times.json: 3000 calls of one thread, back to back (8 to 12 ns
 * apart), at a time of 2026 (ns since the epoch), exported to perfetto with
 * its origin set 10 ms before the first; check_perfetto_times.sh reads it. */
static int run_perfetto_times(const char *out)
{
  char err[512];
  const char *path = path_in(out, "times.json");
  ospy_export_writer *w = ospy_export_open(path, OSPY_EXPORT_PERFETTO, err, sizeof err);
  if (!w) {
    fprintf(stderr, "%s\n", err);
    return 1;
  }
  const int64_t first = 1796677810172510731ll;
  ospy_export_set_time_origin(w, first - 10000000);
  static const ospy_xvalue ret = { .type = "Int32", .text = "0" };
  int64_t ts = first;
  for (uint64_t i = 0; i < 3000; i++) {
    uint64_t dur = 240 - i % 5;
    ospy_xevent ev = { .id = i + 1, .type = OSPY_XEV_FUNCTION_CALL, .ts_ns = ts,
                       .duration_ns = dur, .pid = 4242, .tid = 4242, .name = "m::f",
                       .process_name = "prog", .retval = &ret };
    ospy_export_write(w, &ev);
    ts += (int64_t)dur + 8 + (int64_t)(i % 5);
  }
  if (ospy_export_close(w, err, sizeof err) < 0) {
    fprintf(stderr, "%s\n", err);
    return 1;
  }
  printf("wrote %s: 3000 calls, 8 to 12 ns apart, from %lld ns since the epoch\n", path,
         (long long)first);
  return 0;
}

/* Also prints the write and read times (informational, never asserted). */
static int run_bigmem(const char *out, uint64_t n)
{
  double t0 = now_s();
  char err[512];
  const char *path = path_in(out, "big.osd");
  ospy_export_writer *w = ospy_export_open(path, OSPY_EXPORT_OSD, err, sizeof err);
  if (!w) {
    fprintf(stderr, "%s\n", err);
    return 1;
  }
  ospy_xevent ev = golden_events[2];
  for (uint64_t i = 1; i <= n; i++) {
    ev.id = i;
    ospy_export_write(w, &ev);
  }
  if (ospy_export_close(w, err, sizeof err) < 0) {
    fprintf(stderr, "%s\n", err);
    return 1;
  }
  double t1 = now_s();
  uint64_t seen = 0;
  ospy_osd_info info;
  int rc = ospy_osd_read(path, count_event, &seen, &info, err, sizeof err);
  CHECK(rc == 0, "read: %s", err);
  CHECK(seen == n && info.nevents == n, "read %" PRIu64 " of %" PRIu64, seen, n);
  double t2 = now_s();
  long rss = max_rss_kib();
  printf("%" PRIu64 " events, peak RSS %ld KiB, write %.2f s, read %.2f s\n", n, rss,
         t1 - t0, t2 - t1);
#if !defined(__SANITIZE_ADDRESS__)
  /* The XML is far larger than this (about 1.3 KiB per event); a reader or
   * writer holding all of it would blow the bound. Each bzip2 worker holds
   * libbz2's 7.6 MB and two blocks in flight (bz2_parallel.h). */
  int workers = ospy_bz2par_default_threads();
  long bound = 24 * 1024 + 12 * 1024 * (long)workers;
  CHECK(rss > 0 && rss < bound, "peak RSS %ld KiB, bound %ld MiB (%d bzip2 workers)", rss,
        bound / 1024, workers);
#endif
  remove(path);
  return failures != 0;
}

int main(int argc, char **argv)
{
  if (argc >= 3) /* the output directory; it may exist already */
    mkdir(!strcmp(argv[1], "unit") && argc == 4 ? argv[3] : argv[2], 0755);
  if (argc == 4 && !strcmp(argv[1], "unit"))
    return run_unit(argv[2], argv[3]);
  if (argc == 3 && !strcmp(argv[1], "write"))
    return write_golden(argv[2]) < 0 ||
           write_old_variant(path_in(argv[2], "golden.xml"), path_in(argv[2], "old.osd")) < 0;
  if (argc == 3 && !strcmp(argv[1], "perfetto-times"))
    return run_perfetto_times(argv[2]);
  if (argc == 4 && !strcmp(argv[1], "bigmem"))
    return run_bigmem(argv[2], strtoull(argv[3], NULL, 10));
  fprintf(stderr, "usage: test-export unit GOLDEN_DIR OUT_DIR | write OUT_DIR | "
          "bigmem OUT_DIR N | perfetto-times OUT_DIR\n");
  return 2;
}
