/* The values bridge: a spec from a config.xml, values blobs as the agent
 * writes them (plan/values_format.h), a call record -> the adapter with the
 * bridge -> exact oSpy XML. Also a blob that does not match its spec: it is
 * exported undecoded and counted, the export goes on. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture/event.h"
#include "config/config.h"
#include "export/call_text.h"
#include "export/from_capture.h"
#include "export/jsonl_writer.h"
#include "export/values_bridge.h"
#include "export/xml_writer.h"
#include "plan/values_format.h"

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

static const char config_xml[] =
  "<hookManager><types>"
  "<enumeration name=\"OpenFlags\"><member name=\"O_RDONLY\" value=\"0\"/>"
  "<member name=\"O_WRONLY\" value=\"1\"/></enumeration>"
  "<enumeration name=\"MsgFlags\" flags=\"true\"><member name=\"MSG_PEEK\" value=\"0x2\"/>"
  "<member name=\"MSG_NOSIGNAL\" value=\"0x4000\"/></enumeration>"
  "<enumeration name=\"Status\"><member name=\"ST_ERR\" value=\"-1\"/>"
  "<member name=\"ST_OK\" value=\"0\"/></enumeration>"
  "<structure name=\"Pair\"><field name=\"n\" offset=\"0\" type=\"Int32\"/>"
  "<field name=\"s\" offset=\"8\" type=\"AsciiStringPtr\"/>"
  "<field name=\"name\" offset=\"16\" type=\"AsciiString\"/>"
  "<field name=\"raw\" offset=\"24\" type=\"ByteArray\" size=\"4\"/></structure></types>"
  "<specs><functions><function name=\"read\"><returnValue type=\"Int64\"/><arguments>"
  "<argument name=\"fd\" direction=\"in\" type=\"Int32\"/>"
  "<argument name=\"buf\" direction=\"out\" type=\"ByteArrayPtr\" size=\"reg.rax\"/>"
  "<argument name=\"count\" direction=\"in\" type=\"UInt64\" hex=\"true\"/>"
  "<argument name=\"flags\" direction=\"in\" type=\"OpenFlags\"/>"
  "</arguments></function>"
  "<function name=\"sum\"><arguments>"
  "<argument name=\"v\" direction=\"in\" type=\"ArrayPtr\" elementType=\"Int32\" "
  "elementCount=\"2\"/>"
  "</arguments></function>"
  "<function name=\"logf\"><arguments>"
  "<argument name=\"fmt\" direction=\"in\" type=\"AsciiFormatStringPtr\"/>"
  "</arguments></function>"
  "<function name=\"vlogf\"><arguments>"
  "<argument name=\"fmt\" direction=\"in\" type=\"AsciiFormatStringPtr\" vaList=\"arg.ap\"/>"
  "<argument name=\"ap\" direction=\"in\" type=\"VaList\"/>"
  "<argument name=\"level\" direction=\"in\" type=\"Int32\"/>"
  "</arguments></function>"
  "<function name=\"connect\"><arguments>"
  "<argument name=\"addr\" direction=\"in\" type=\"SockAddrPtr\" size=\"12\"/>"
  "</arguments></function>"
  "<function name=\"puts\"><arguments>"
  "<argument name=\"s\" direction=\"in\" type=\"AsciiStringPtr\"/>"
  "</arguments></function>"
  "<function name=\"send\"><arguments>"
  "<argument name=\"flags\" direction=\"in\" type=\"MsgFlags\"/>"
  "</arguments></function>"
  "<function name=\"fill\"><returnValue type=\"Int32\"/><arguments>"
  "<argument name=\"p\" direction=\"in/out\" type=\"Int32Ptr\">"
  "<logCondition>retval == 0</logCondition></argument>"
  "</arguments></function>"
  "<function name=\"pair\"><arguments>"
  "<argument name=\"p\" direction=\"in\" type=\"PairPtr\"/>"
  "</arguments></function>"
  "<function name=\"free\"><arguments>"
  "<argument name=\"ptr\" direction=\"in\" type=\"Pointer\"/>"
  "</arguments></function>"
  "<function name=\"flag\"><returnValue type=\"MSBool\"/><arguments>"
  "<argument name=\"b\" direction=\"in\" type=\"Boolean\"/>"
  "<argument name=\"cb\" direction=\"in\" type=\"CPPBool\"/>"
  "<argument name=\"ms\" direction=\"in\" type=\"MSBool\"/>"
  "</arguments></function>"
  "<function name=\"init\" argsSize=\"16\"><returnValue type=\"Int32\"/></function>"
  "<function name=\"op\"><returnValue type=\"Status\"/><arguments>"
  "<argument name=\"in\" direction=\"in\" type=\"Status\"/>"
  "<argument name=\"sh\" direction=\"in\" type=\"OpenFlags\" marshalAs=\"Int16\"/>"
  "<argument name=\"u\" direction=\"in\" type=\"OpenFlags\"/>"
  "</arguments></function>"
  "<function name=\"wlog\"><arguments>"
  "<argument name=\"fmt\" direction=\"in\" type=\"UnicodeFormatStringPtr\"/>"
  "</arguments></function>"
  "</functions></specs>"
  "<hooks><dllModule name=\"libc.so.6\"><function specId=\"read\"/>"
  "<function specId=\"free\"/><function specId=\"puts\"/>"
  "<function specId=\"sum\"/><function specId=\"logf\"/>"
  "<function specId=\"connect\"/><function specId=\"vlogf\"/>"
  "<function specId=\"send\"/><function specId=\"fill\"/><function specId=\"pair\"/>"
  "<function specId=\"flag\"/><function specId=\"init\"/>"
  "<function specId=\"wlog\"/><function specId=\"op\"/></dllModule></hooks>"
  "</hookManager>";

/* enter: fd = 3 (INT_S, zig-zag 6), count = 4096 (INT_U), flags = 1 (INT_U) */
static const uint8_t enter_blob[] = {
  OSPY_VB_MAGIC, OSPY_VB_VERSION, OSPY_VB_PHASE_ENTER, 0,
  0, OSPY_VB_INT_S, 6,
  2, OSPY_VB_INT_U, 0x80, 0x20,
  3, OSPY_VB_INT_U, 1,
};
/* leave: buf -> 0x1000 -> 13 bytes; return value 13 */
static const uint8_t leave_blob[] = {
  OSPY_VB_MAGIC, OSPY_VB_VERSION, OSPY_VB_PHASE_LEAVE, 0,
  1, OSPY_VB_PTR, 0x80, 0x20, OSPY_VB_BYTES, 0, 13, 13,
  'h', 'e', 'l', 'l', 'o', ' ', 'e', 'x', 'p', 'o', 'r', 't', '\n',
  OSPY_VB_RETVAL, OSPY_VB_INT_S, 26,
};

static ospy_plan *make_plan(void)
{
  ospy_config *cfg = NULL;
  ospy_diag diag;
  ospy_diag_init(&diag);
  if (ospy_config_load_buffer("test.xml", config_xml, sizeof config_xml - 1, 64, &cfg,
                              &diag) < 0) {
    ospy_diag_print(&diag, stderr);
    ospy_diag_free(&diag);
    return NULL;
  }
  ospy_diag_free(&diag);
  ospy_plan_builder *b = ospy_plan_builder_new(64);
  size_t len = 0;
  void *bytes = b && ospy_config_to_plan(cfg, b) == 0 ? ospy_plan_builder_encode(b, &len) : NULL;
  ospy_plan *plan = NULL;
  char err[256];
  if (bytes && ospy_plan_decode(bytes, len, &plan, err, sizeof err) < 0)
    fprintf(stderr, "plan: %s\n", err);
  free(bytes);
  ospy_plan_builder_free(b);
  ospy_config_free(cfg);
  return plan;
}

/* leave of a read whose buf was not recorded (a log condition): -1 */
static const uint8_t leave_failed_blob[] = {
  OSPY_VB_MAGIC, OSPY_VB_VERSION, OSPY_VB_PHASE_LEAVE, 0,
  OSPY_VB_RETVAL, OSPY_VB_INT_S, 1,
};
/* free(NULL), a function without a return value */
static const uint8_t free_enter_blob[] = {
  OSPY_VB_MAGIC, OSPY_VB_VERSION, OSPY_VB_PHASE_ENTER, 0,
  0, OSPY_VB_INT_U, 0,
};
static const uint8_t free_leave_blob[] = {
  OSPY_VB_MAGIC, OSPY_VB_VERSION, OSPY_VB_PHASE_LEAVE, 0,
};

/* A call record of hook 0 (read) around the two blobs (enter may be damaged
 * by the caller). */
static size_t make_call(uint8_t *buf, const uint8_t *enter, size_t elen)
{
  ospy_event_call *c = (void *)buf;
  memset(c, 0, sizeof *c);
  c->h.type = OSPY_EV_CALL;
  c->h.pid = 7;
  c->h.tid = 7;
  c->h.ts = 1700000000000000000ull;
  c->ts_leave = c->h.ts + 100;
  c->retval = 13;
  c->arch_bits = 64;
  c->enter_len = (uint32_t)elen;
  c->leave_len = sizeof leave_blob;
  memcpy(c + 1, enter, elen);
  memcpy((uint8_t *)(c + 1) + elen, leave_blob, sizeof leave_blob);
  c->h.size = ospy_event_align(sizeof *c + elen + sizeof leave_blob);
  return c->h.size;
}

/* The same with another hook and leave blob. */
static void make_call2(uint8_t *buf, uint32_t hook, const uint8_t *enter, size_t elen,
                       const uint8_t *leave, size_t llen)
{
  make_call(buf, enter, elen);
  ospy_event_call *c = (void *)buf;
  c->hook = hook;
  c->leave_len = (uint32_t)llen;
  memcpy((uint8_t *)(c + 1) + elen, leave, llen);
  c->h.size = ospy_event_align(sizeof *c + elen + llen);
}

static char *event_xml(const ospy_xevent *ev)
{
  static char text[4096];
  ospy_sink *s = malloc(sizeof *s);
  FILE *f = tmpfile();
  memset(text, 0, sizeof text);
  if (s && f && ospy_sink_init(s, f, "tmp", false) == 0) {
    ospy_xml_write_event(s, ev);
    if (ospy_sink_finish(s) == 0) {
      rewind(f);
      if (fread(text, 1, sizeof text - 1, f) == 0)
        text[0] = '\0';
    }
  }
  if (f)
    fclose(f);
  free(s);
  return text;
}

static char *event_jsonl(const ospy_xevent *ev)
{
  static char text[4096];
  ospy_sink *s = malloc(sizeof *s);
  FILE *f = tmpfile();
  memset(text, 0, sizeof text);
  if (s && f && ospy_sink_init(s, f, "tmp", false) == 0) {
    ospy_jsonl_write_event(s, ev);
    if (ospy_sink_finish(s) == 0) {
      rewind(f);
      if (fread(text, 1, sizeof text - 1, f) == 0)
        text[0] = '\0';
    }
  }
  if (f)
    fclose(f);
  free(s);
  return text;
}

/* Converts the call record at rec and writes it as XML (one check). */
static const char *convert_xml(ospy_from_capture *a, const void *rec, ospy_xevent *ev)
{
  char err[512] = "";
  CHECK(ospy_from_capture_convert(a, (const ospy_event_hdr *)rec, ev, err, sizeof err) == 0,
        "%s", err);
  return event_xml(ev);
}

static const char want_xml[] =
  "<event id=\"1\" type=\"FunctionCall\" timestamp=\"133444736000000000\" "
  "processName=\"cat\" processId=\"7\" threadId=\"7\"><name>libc.so.6::read</name>"
  "<arguments direction=\"in\">"
  "<argument name=\"fd\"><value type=\"Int32\" value=\"3\"/></argument>"
  "<argument name=\"buf\"><value type=\"Pointer\" value=\"0x1000\"/></argument>"
  "<argument name=\"count\"><value type=\"UInt64\" value=\"0x1000\"/></argument>"
  "<argument name=\"flags\"><value type=\"Enum\" subType=\"OpenFlags\" value=\"O_WRONLY\"/>"
  "</argument></arguments><arguments direction=\"out\">"
  "<argument name=\"buf\"><value type=\"Pointer\" value=\"0x1000\">"
  "<value type=\"ByteArray\" size=\"13\">aGVsbG8gZXhwb3J0Cg==</value></value></argument>"
  "</arguments><returnValue><value type=\"Int64\" value=\"13\"/></returnValue>"
  "<lastError value=\"0\"/></event>";

int main(void)
{
  char err[512] = "";
  ospy_plan *plan = make_plan();
  CHECK(plan != NULL, "no plan");
  if (!plan)
    return 1;
  ospy_values_bridge *vb = ospy_values_bridge_new(plan, err, sizeof err);
  CHECK(vb != NULL, "bridge: %s", err);
  ospy_from_capture *a = ospy_from_capture_new(plan, "cat");
  if (!vb || !a)
    return 1;
  ospy_from_capture_set_decoder(a, ospy_values_bridge_decode, ospy_values_bridge_shape, vb);

  _Alignas(8) uint8_t rec[512];
  make_call(rec, enter_blob, sizeof enter_blob);
  ospy_xevent ev;
  const char *got = convert_xml(a, rec, &ev);
  CHECK(!strcmp(got, want_xml), "decoded call:\n got  %s\n want %s", got, want_xml);

  /* a hex="true" integer that is 0 is "0", as oSpy's hex integers wrote it
   * (its marshaller prefixed 0x to non-zero values only) */
  static const uint8_t zero_count_blob[] = {
    OSPY_VB_MAGIC, OSPY_VB_VERSION, OSPY_VB_PHASE_ENTER, 0,
    0, OSPY_VB_INT_S, 6, 2, OSPY_VB_INT_U, 0, 3, OSPY_VB_INT_U, 1,
  };
  make_call(rec, zero_count_blob, sizeof zero_count_blob);
  got = convert_xml(a, rec, &ev);
  CHECK(strstr(got, "<argument name=\"count\"><value type=\"UInt64\" value=\"0\"/>"),
        "hex zero:\n got %s", got);

  /* buf not recorded at return: still listed, without a value, in and out
   * (oSpy wrote every parameter; readers take them by position) */
  make_call2(rec, 0, enter_blob, sizeof enter_blob, leave_failed_blob, sizeof leave_failed_blob);
  got = convert_xml(a, rec, &ev);
  CHECK(strstr(got, "<argument name=\"fd\"><value type=\"Int32\" value=\"3\"/></argument>"
                    "<argument name=\"buf\"></argument><argument name=\"count\">") &&
          strstr(got, "<arguments direction=\"out\"><argument name=\"buf\"></argument>"
                      "</arguments><returnValue><value type=\"Int64\" value=\"-1\"/>"),
        "unrecorded buf:\n got %s", got);

  /* a call that did not return (its process died in it) is written as an
   * Info event: oSpy's socket parsers need a return value */
  make_call(rec, enter_blob, sizeof enter_blob);
  ((ospy_event_call *)rec)->h.flags = OSPY_CALL_F_NO_RETURN;
  got = convert_xml(a, rec, &ev);
  CHECK(ev.unfinished && !ev.retval &&
          strstr(got, "type=\"Info\" ospyType=\"FunctionCall\"") &&
          strstr(got, "<message>call did not return: libc.so.6::read</message>"),
        "unfinished:\n got %s", got);

  /* a NULL or unreadable buffer or socket address gets an empty pointee:
   * oSpy's send and connect parsers read argument[2]/value/value */
  static const uint8_t read_null_blob[] = {
    OSPY_VB_MAGIC, OSPY_VB_VERSION, OSPY_VB_PHASE_LEAVE, 0, 1, OSPY_VB_NULL,
    OSPY_VB_RETVAL, OSPY_VB_INT_S, 0,
  };
  make_call2(rec, 0, enter_blob, sizeof enter_blob, read_null_blob, sizeof read_null_blob);
  got = convert_xml(a, rec, &ev);
  CHECK(strstr(got, "<argument name=\"buf\"><value type=\"Pointer\" value=\"NULL\">"
                    "<value type=\"ByteArray\" size=\"0\"/></value></argument>"),
        "NULL buffer:\n got %s", got);
  static const uint8_t connect_bad_blob[] = {
    OSPY_VB_MAGIC, OSPY_VB_VERSION, OSPY_VB_PHASE_ENTER, 0, 0, OSPY_VB_UNREADABLE, 0x10,
  };
  make_call2(rec, 5, connect_bad_blob, sizeof connect_bad_blob, free_leave_blob,
             sizeof free_leave_blob);
  got = convert_xml(a, rec, &ev);
  CHECK(strstr(got, "<value type=\"Pointer\" value=\"0x10\" unreadable=\"0x10\">"
                    "<value type=\"Struct\" subType=\"sockaddr\"><field name=\"sin_family\">"
                    "<value type=\"Enum\" subType=\"AddressFamily\" value=\"AF_UNSPEC\" "
                    "unrecorded=\"true\"/></field></value></value>"),
        "unreadable sockaddr:\n got %s", got);

  /* an in/out pointer not recorded at return (its logCondition): the out
   * list has the address it had at entry, a Pointer without pointee, as
   * oSpy wrote a parameter it did not log deep */
  static const uint8_t fill_enter_blob[] = {
    OSPY_VB_MAGIC, OSPY_VB_VERSION, OSPY_VB_PHASE_ENTER, 0,
    0, OSPY_VB_PTR, 0x80, 0x20, OSPY_VB_INT_S, 2,
  };
  static const uint8_t fill_failed_blob[] = {
    OSPY_VB_MAGIC, OSPY_VB_VERSION, OSPY_VB_PHASE_LEAVE, 0, OSPY_VB_RETVAL, OSPY_VB_INT_S, 1,
  };
  make_call2(rec, 8, fill_enter_blob, sizeof fill_enter_blob, fill_failed_blob,
             sizeof fill_failed_blob);
  got = convert_xml(a, rec, &ev);
  CHECK(strstr(got, "<arguments direction=\"out\"><argument name=\"p\"><value "
                    "type=\"Pointer\" value=\"0x1000\"/></argument></arguments>"),
        "unrecorded in/out:\n got %s", got);

  /* no return value declared: none exported (the register held garbage);
   * a NULL Pointer written NULL, as the ...Ptr types write it */
  make_call2(rec, 1, free_enter_blob, sizeof free_enter_blob, free_leave_blob,
             sizeof free_leave_blob);
  got = convert_xml(a, rec, &ev);
  CHECK(strstr(got, "<arguments direction=\"in\"><argument name=\"ptr\"><value "
                    "type=\"Pointer\" value=\"NULL\"/></argument></arguments><lastError") &&
          !strstr(got, "returnValue"),
        "free:\n got %s", got);

  /* a plain Pointer argument is an address: 0x..., as oSpy's Pointer
   * marshaller wrote it (not 8272) */
  static const uint8_t free_addr_blob[] = {
    OSPY_VB_MAGIC, OSPY_VB_VERSION, OSPY_VB_PHASE_ENTER, 0,
    0, OSPY_VB_INT_U, 0xd0, 0x40, /* 0x2050 */
  };
  make_call2(rec, 1, free_addr_blob, sizeof free_addr_blob, free_leave_blob,
             sizeof free_leave_blob);
  got = convert_xml(a, rec, &ev);
  CHECK(strstr(got, "<argument name=\"ptr\"><value type=\"Pointer\" value=\"0x2050\"/>"),
        "pointer:\n got %s", got);

  /* a string of 5000 characters comes out whole; one cut at the capture's
   * value cap (CAPPED) says so */
  for (int capped = 0; capped < 2; capped++) {
    static uint8_t blob[8 + 16 + 5000];
    size_t k = 0;
    const uint8_t head[] = { OSPY_VB_MAGIC, OSPY_VB_VERSION, OSPY_VB_PHASE_ENTER, 0, 0,
                             OSPY_VB_PTR, 0x80, 0x20, OSPY_VB_STR,
                             (uint8_t)(capped ? OSPY_VB_CAPPED : 0), 1, 0x88, 0x27 };
    memcpy(blob, head, sizeof head); /* 0x88 0x27: uleb 5000 */
    k = sizeof head;
    memset(blob + k, 'A', 4999);
    blob[k + 4999] = 'Z';
    k += 5000;
    static _Alignas(8) uint8_t big[sizeof blob + 512];
    make_call2(big, 2, blob, k, free_leave_blob, sizeof free_leave_blob);
    CHECK(ospy_from_capture_convert(a, (const ospy_event_hdr *)big, &ev, err, sizeof err) == 0,
          "%s", err);
    const ospy_xvalue *str = ev.nargs_in == 1 && ev.args_in[0].nchildren == 1
                               ? &ev.args_in[0].children[0] : NULL;
    CHECK(str && str->text && strlen(str->text) == 5000 && str->text[4999] == 'Z',
          "long string cut: %zu chars", str && str->text ? strlen(str->text) : 0);
    CHECK(str && !!(str->flags & OSPY_XVALUE_TRUNCATED) == capped, "capped %d: flags %u",
          capped, str ? str->flags : 0);
  }

  /* an array names its element type, as oSpy's Array marshaller did */
  static const uint8_t sum_blob[] = {
    OSPY_VB_MAGIC, OSPY_VB_VERSION, OSPY_VB_PHASE_ENTER, 0,
    0, OSPY_VB_PTR, 0x80, 0x20, OSPY_VB_ARRAY, 3, 2, OSPY_VB_INT_S, 2, OSPY_VB_INT_S, 3,
  };
  make_call2(rec, 3, sum_blob, sizeof sum_blob, free_leave_blob, sizeof free_leave_blob);
  got = convert_xml(a, rec, &ev);
  CHECK(strstr(got, "<value type=\"Array\" elementType=\"Int32\" elementCount=\"2\">"
                    "<value type=\"Int32\" value=\"1\"/><value type=\"Int32\" value=\"-2\"/>"),
        "array:\n got %s", got);

  /* one that ran into unreadable memory keeps the count asked for; the
   * element that could not be read is left out (elementCount counts those
   * written, all of the declared type) and its address is the array's */
  static const uint8_t sum_cut_blob[] = {
    OSPY_VB_MAGIC, OSPY_VB_VERSION, OSPY_VB_PHASE_ENTER, 0,
    0, OSPY_VB_PTR, 0x80, 0x20, OSPY_VB_ARRAY, 3, 2, OSPY_VB_INT_S, 2,
    OSPY_VB_UNREADABLE, 0x84, 0x20,
  };
  make_call2(rec, 3, sum_cut_blob, sizeof sum_cut_blob, free_leave_blob,
             sizeof free_leave_blob);
  got = convert_xml(a, rec, &ev);
  CHECK(strstr(got, "<value type=\"Array\" elementType=\"Int32\" elementCount=\"1\" "
                    "totalSize=\"3\" unreadable=\"0x1004\"><value type=\"Int32\" "
                    "value=\"1\"/></value>"),
        "cut array:\n got %s", got);
  /* an element that starts in readable memory and runs into an unmapped
   * page: the agent writes it at its first unreadable byte (0x1006); it is
   * left out as well, and the array's address is the element's */
  static const uint8_t sum_straddle_blob[] = {
    OSPY_VB_MAGIC, OSPY_VB_VERSION, OSPY_VB_PHASE_ENTER, 0,
    0, OSPY_VB_PTR, 0x80, 0x20, OSPY_VB_ARRAY, 3, 2, OSPY_VB_INT_S, 2,
    OSPY_VB_UNREADABLE, 0x86, 0x20,
  };
  make_call2(rec, 3, sum_straddle_blob, sizeof sum_straddle_blob, free_leave_blob,
             sizeof free_leave_blob);
  got = convert_xml(a, rec, &ev);
  CHECK(strstr(got, "<value type=\"Array\" elementType=\"Int32\" elementCount=\"1\" "
                    "totalSize=\"3\" unreadable=\"0x1004\"><value type=\"Int32\" "
                    "value=\"1\"/></value>"),
        "array cut inside an element:\n got %s", got);
  /* none readable: no element at all */
  static const uint8_t sum_none_blob[] = {
    OSPY_VB_MAGIC, OSPY_VB_VERSION, OSPY_VB_PHASE_ENTER, 0,
    0, OSPY_VB_PTR, 0x80, 0x20, OSPY_VB_ARRAY, 2, 1, OSPY_VB_UNREADABLE, 0x80, 0x20,
  };
  make_call2(rec, 3, sum_none_blob, sizeof sum_none_blob, free_leave_blob,
             sizeof free_leave_blob);
  got = convert_xml(a, rec, &ev);
  CHECK(strstr(got, "<value type=\"Array\" elementType=\"Int32\" elementCount=\"0\" "
                    "totalSize=\"2\" unreadable=\"0x1000\"/></value>"),
        "unreadable array elements:\n got %s", got);

  /* a structure field whose own memory could not be read is an empty
   * <field> with that address; a pointer field whose pointee could not be
   * read is still its pointer */
  static const uint8_t pair_blob[] = {
    OSPY_VB_MAGIC, OSPY_VB_VERSION, OSPY_VB_PHASE_ENTER, 0,
    0, OSPY_VB_PTR, 0x80, 0x20, OSPY_VB_STRUCT, 2,
    0, OSPY_VB_UNREADABLE, 0x80, 0x20,
    1, OSPY_VB_UNREADABLE, 0x80, 0x60,
  };
  make_call2(rec, 9, pair_blob, sizeof pair_blob, free_leave_blob, sizeof free_leave_blob);
  got = convert_xml(a, rec, &ev);
  CHECK(strstr(got, "<value type=\"Struct\" subType=\"Pair\"><field name=\"n\" "
                    "unreadable=\"0x1000\"></field><field name=\"s\"><value type=\"Pointer\" "
                    "value=\"0x3000\" unreadable=\"0x3000\"/></field></value>"),
        "unreadable fields:\n got %s", got);
  /* a pointer to a structure of the config is its XPtr, as oSpy's agent
   * named it (HookManager.cpp: Ipv4SockaddrPtr); it was "Pointer" */
  CHECK(strstr(got, "<argument name=\"p\"><value type=\"PairPtr\" value=\"0x1000\">"
                    "<value type=\"Struct\" subType=\"Pair\">"),
        "pointer to a structure:\n got %s", got);
  /* in the model: a field without a value, holding the address */
  CHECK(ev.nargs_in == 1 && ev.args_in[0].nchildren == 1 &&
          ev.args_in[0].children[0].nchildren == 2 &&
          !ev.args_in[0].children[0].children[0].type[0] &&
          ev.args_in[0].children[0].children[0].addr == 0x1000,
        "unreadable field model");

  /* a string or buffer inline in a structure that ran into unreadable
   * memory: where it stopped counts from the field (0x1010), not from the
   * structure; one of which nothing could be read is an empty <field> */
  static const uint8_t pair_inline_blob[] = {
    OSPY_VB_MAGIC, OSPY_VB_VERSION, OSPY_VB_PHASE_ENTER, 0,
    0, OSPY_VB_PTR, 0x80, 0x20, OSPY_VB_STRUCT, 2,
    2, OSPY_VB_STR, OSPY_VB_CUT, 1, 2, 'a', 'b',
    3, OSPY_VB_BYTES, OSPY_VB_CUT, 4, 0,
  };
  make_call2(rec, 9, pair_inline_blob, sizeof pair_inline_blob, free_leave_blob,
             sizeof free_leave_blob);
  got = convert_xml(a, rec, &ev);
  CHECK(strstr(got, "<field name=\"name\"><value type=\"AsciiString\" value=\"ab\" "
                    "unreadable=\"0x1012\"/></field><field name=\"raw\" "
                    "unreadable=\"0x1018\"></field></value>"),
        "unreadable inline fields:\n got %s", got);

  /* one the value cap stopped keeps the count asked for too */
  static const uint8_t sum_capped_blob[] = {
    OSPY_VB_MAGIC, OSPY_VB_VERSION, OSPY_VB_PHASE_ENTER, 0,
    0, OSPY_VB_PTR, 0x80, 0x20, OSPY_VB_ARRAY, 5, 2, OSPY_VB_INT_S, 2, OSPY_VB_INT_S, 3,
  };
  make_call2(rec, 3, sum_capped_blob, sizeof sum_capped_blob, free_leave_blob,
             sizeof free_leave_blob);
  got = convert_xml(a, rec, &ev);
  CHECK(strstr(got, "<value type=\"Array\" elementType=\"Int32\" elementCount=\"2\" "
                    "totalSize=\"5\">"),
        "capped array:\n got %s", got);

  /* a UTF-16 string cut by unreadable memory after 2 units: it stopped 4
   * bytes after its start (the bytes were counted twice: 0x1008) */
  static const uint8_t wide_cut_blob[] = {
    OSPY_VB_MAGIC, OSPY_VB_VERSION, OSPY_VB_PHASE_ENTER, 0,
    0, OSPY_VB_PTR, 0x80, 0x20, OSPY_VB_STR, OSPY_VB_CUT, 2, 0x84, 0x80, 0x80, 0x80, 0x00,
    'h', 0, 'i', 0,
  };
  make_call2(rec, 3, wide_cut_blob, sizeof wide_cut_blob, free_leave_blob,
             sizeof free_leave_blob);
  got = convert_xml(a, rec, &ev);
  CHECK(strstr(got, "value=\"hi\"") && strstr(got, "unreadable=\"0x1004\""),
        "cut UTF-16 string:\n got %s", got);

  /* one whose memory could not be read is its pointer, marked unreadable
   * (typed as the pointee, its address was taken for the value) */
  static const uint8_t sum_unreadable_blob[] = {
    OSPY_VB_MAGIC, OSPY_VB_VERSION, OSPY_VB_PHASE_ENTER, 0,
    0, OSPY_VB_UNREADABLE, 0x80, 0x20,
  };
  make_call2(rec, 3, sum_unreadable_blob, sizeof sum_unreadable_blob, free_leave_blob,
             sizeof free_leave_blob);
  got = convert_xml(a, rec, &ev);
  CHECK(strstr(got, "<argument name=\"v\"><value type=\"Pointer\" value=\"0x1000\" "
                    "unreadable=\"0x1000\"/></argument>"),
        "unreadable array:\n got %s", got);

  /* one whose count was negative: the pointer, and that count */
  static const uint8_t sum_bad_blob[] = {
    OSPY_VB_MAGIC, OSPY_VB_VERSION, OSPY_VB_PHASE_ENTER, 0,
    0, OSPY_VB_BAD_SIZE, 0x80, 0x20, 9, /* zig-zag -5 */
  };
  make_call2(rec, 3, sum_bad_blob, sizeof sum_bad_blob, free_leave_blob,
             sizeof free_leave_blob);
  got = convert_xml(a, rec, &ev);
  CHECK(strstr(got, "<argument name=\"v\"><value type=\"Pointer\" value=\"0x1000\" "
                    "badSize=\"-5\"/></argument>"),
        "bad count:\n got %s", got);

  /* a blob that ran out of room after fd (an older agent's, after a big
   * value): the arguments it lacks are listed, saying why (they were empty,
   * as if their log condition had failed) */
  static const uint8_t read_cut_blob[] = {
    OSPY_VB_MAGIC, OSPY_VB_VERSION, OSPY_VB_PHASE_ENTER, OSPY_VB_F_TRUNCATED,
    0, OSPY_VB_INT_S, 6, OSPY_VB_END_TRUNCATED,
  };
  /* ... and a pointer the agent found no room for: its address, saying so,
   * with the empty pointee a buffer not read gets */
  static const uint8_t read_no_room_blob[] = {
    OSPY_VB_MAGIC, OSPY_VB_VERSION, OSPY_VB_PHASE_LEAVE, 0,
    1, OSPY_VB_NOT_FOLLOWED, OSPY_VB_NO_ROOM, 0x80, 0x20, OSPY_VB_RETVAL, OSPY_VB_INT_S, 26,
  };
  make_call2(rec, 0, read_cut_blob, sizeof read_cut_blob, read_no_room_blob,
             sizeof read_no_room_blob);
  got = convert_xml(a, rec, &ev);
  CHECK(strstr(got, "<argument name=\"fd\"><value type=\"Int32\" value=\"3\"/></argument>"
                    "<argument name=\"buf\"><value type=\"Pointer\" value=\"0x1000\"/>"
                    "</argument><argument name=\"count\" notRecorded=\"no room\"></argument>"
                    "<argument name=\"flags\" notRecorded=\"no room\"></argument></arguments>") &&
          strstr(got, "<arguments direction=\"out\"><argument name=\"buf\"><value "
                      "type=\"Pointer\" value=\"0x1000\" notRecorded=\"no room\"><value "
                      "type=\"ByteArray\" size=\"0\"/></value></argument></arguments>"),
        "no room:\n got %s", got);
  /* a pointer field past the nesting limit: its address, saying so */
  static const uint8_t pair_deep_blob[] = {
    OSPY_VB_MAGIC, OSPY_VB_VERSION, OSPY_VB_PHASE_ENTER, 0,
    0, OSPY_VB_PTR, 0x80, 0x20, OSPY_VB_STRUCT, 1,
    1, OSPY_VB_NOT_FOLLOWED, OSPY_VB_DEPTH_LIMIT, 0x80, 0x60,
  };
  make_call2(rec, 9, pair_deep_blob, sizeof pair_deep_blob, free_leave_blob,
             sizeof free_leave_blob);
  got = convert_xml(a, rec, &ev);
  CHECK(strstr(got, "<field name=\"s\"><value type=\"Pointer\" value=\"0x3000\" "
                    "notRecorded=\"depth limit\"/></field>"),
        "depth limit:\n got %s", got);

  /* a format string's values typed and shown by their conversions */
  static const uint8_t logf_blob[] = {
    OSPY_VB_MAGIC, OSPY_VB_VERSION, OSPY_VB_PHASE_ENTER, 0,
    0, OSPY_VB_FMT, OSPY_VB_STR, 0, 1, 12, '%', 's', '%', 'x', '%', 'c', '%', 'l', 'd', '%', 'f', 0,
    5, OSPY_VB_STR, 0, 1, 2, 'h', 'i',
    OSPY_VB_INT_S, 1,              /* -1 */
    OSPY_VB_INT_S, 0xa2, 0x01,     /* 81 'Q' */
    OSPY_VB_INT_S, 13,             /* -7 */
    OSPY_VB_F64, 0x6e, 0x86, 0x1b, 0xf0, 0xf9, 0x21, 0x09, 0x40, /* 3.14159 */
  };
  make_call2(rec, 4, logf_blob, sizeof logf_blob, free_leave_blob, sizeof free_leave_blob);
  got = convert_xml(a, rec, &ev);
  /* the XML: the text printed, as oSpy's AsciiFormatString wrote it (a
   * capture that did not record the format's address: no Pointer) */
  CHECK(strstr(got, "<argument name=\"fmt\"><value type=\"AsciiFormatString\" "
                    "value=\"hiffffffffQ-73.141590\"/></argument>"),
        "format text:\n got %s", got);
  /* the model (JSON Lines): the format, then its values */
  const ospy_xvalue *fv = ev.nargs_in == 1 && ev.args_in[0].nchildren == 6
                            ? ev.args_in[0].children : NULL;
  CHECK(fv && !strcmp(fv[1].type, "AsciiString") && !strcmp(fv[1].text, "hi") &&
          !strcmp(fv[2].type, "UInt32") && !strcmp(fv[2].text, "0xffffffff") &&
          !strcmp(fv[3].type, "Char") && !strcmp(fv[3].text, "Q") &&
          !strcmp(fv[4].type, "Int64") && !strcmp(fv[4].text, "-7") &&
          !strcmp(fv[5].type, "Double") && !strcmp(fv[5].text, "3.14159"),
        "format values");

  /* recorded with its address (FMT_AT): a Pointer to the text printed, with
   * printf's flags, widths, precisions and length modifiers */
  static const uint8_t logf_at_blob[] = {
    OSPY_VB_MAGIC, OSPY_VB_VERSION, OSPY_VB_PHASE_ENTER, 0,
    0, OSPY_VB_FMT_AT, 0x80, 0x20, OSPY_VB_STR, 0, 1, 35,
    '<', '%', '-', '4', 's', '|', '%', '5', '.', '1', 'f', '|', '%', '0', '3', 'd', '|',
    '%', 'h', 'h', 'd', '|', '%', '#', 'o', '|', '%', 'p', '|', '%', '*', 'X', '%', '%', '>',
    8, OSPY_VB_STR, 0, 1, 2, 'h', 'i',
    OSPY_VB_F64, 0, 0, 0, 0, 0, 0, 0x04, 0x40, /* 2.5 */
    OSPY_VB_INT_S, 14,             /* 7 */
    OSPY_VB_INT_S, 0xd8, 0x04,     /* 300: (signed char) 44 */
    OSPY_VB_INT_U, 8,              /* 8: 010 */
    OSPY_VB_INT_U, 0,              /* NULL: (nil) */
    OSPY_VB_INT_S, 8,              /* width 4 */
    OSPY_VB_INT_U, 0xff, 0x01,     /* 0xff */
  };
  make_call2(rec, 4, logf_at_blob, sizeof logf_at_blob, free_leave_blob, sizeof free_leave_blob);
  got = convert_xml(a, rec, &ev);
  CHECK(strstr(got, "<argument name=\"fmt\"><value type=\"Pointer\" value=\"0x1000\">"
                    "<value type=\"AsciiFormatString\" "
                    "value=\"&lt;hi  |  2.5|007|44|010|(nil)|  FF%&gt;\"/></value></argument>"),
        "format printed:\n got %s", got);

  /* a value that could not be read: the format itself */
  static const uint8_t logf_unreadable_blob[] = {
    OSPY_VB_MAGIC, OSPY_VB_VERSION, OSPY_VB_PHASE_ENTER, 0,
    0, OSPY_VB_FMT_AT, 0x80, 0x20, OSPY_VB_STR, 0, 1, 5, '%', 's', '=', '%', 'd',
    2, OSPY_VB_UNREADABLE, 0x10, OSPY_VB_INT_S, 2,
  };
  make_call2(rec, 4, logf_unreadable_blob, sizeof logf_unreadable_blob, free_leave_blob,
             sizeof free_leave_blob);
  got = convert_xml(a, rec, &ev);
  CHECK(strstr(got, "<value type=\"Pointer\" value=\"0x1000\">"
                    "<value type=\"AsciiFormatString\" value=\"%s=%d\" "
                    "truncated=\"true\"/></value>"),
        "format with an unreadable value:\n got %s", got);

  /* a %s value recorded with its address (STR_AT) that ran into unreadable
   * memory: where it stopped, as a string argument's (it had no mark) */
  static const uint8_t logf_cut_blob[] = {
    OSPY_VB_MAGIC, OSPY_VB_VERSION, OSPY_VB_PHASE_ENTER, 0,
    0, OSPY_VB_FMT_AT, 0x80, 0x20, OSPY_VB_STR, 0, 1, 2, '%', 's',
    1, OSPY_VB_STR_AT, 0xfd, 0x3f, OSPY_VB_STR, OSPY_VB_CUT, 1, 3, 'z', 'z', 'z',
  };
  make_call2(rec, 4, logf_cut_blob, sizeof logf_cut_blob, free_leave_blob,
             sizeof free_leave_blob);
  got = convert_xml(a, rec, &ev);
  const ospy_xvalue *cut = ev.nargs_in == 1 && ev.args_in[0].nchildren == 2
                             ? &ev.args_in[0].children[1] : NULL;
  CHECK(cut && !strcmp(cut->text, "zzz") && (cut->flags & OSPY_XVALUE_UNREADABLE) &&
          cut->addr == 0x2000,
        "a format's %%s value cut by unreadable memory");
  CHECK(strstr(got, "<value type=\"AsciiFormatString\" value=\"%s\" truncated=\"true\"/>"),
        "format with a cut value:\n got %s", got);

  /* a format that could not be read is its pointer */
  static const uint8_t logf_nofmt_blob[] = {
    OSPY_VB_MAGIC, OSPY_VB_VERSION, OSPY_VB_PHASE_ENTER, 0,
    0, OSPY_VB_FMT_AT, 0x80, 0x20, OSPY_VB_UNREADABLE, 0x80, 0x20, 0,
  };
  make_call2(rec, 4, logf_nofmt_blob, sizeof logf_nofmt_blob, free_leave_blob,
             sizeof free_leave_blob);
  got = convert_xml(a, rec, &ev);
  CHECK(strstr(got, "<argument name=\"fmt\"><value type=\"Pointer\" value=\"0x1000\" "
                    "unreadable=\"0x1000\"/></argument>"),
        "unreadable format:\n got %s", got);

  /* %n's value is where printf stores its count: a Pointer, as %p */
  static const uint8_t logn_blob[] = {
    OSPY_VB_MAGIC, OSPY_VB_VERSION, OSPY_VB_PHASE_ENTER, 0,
    0, OSPY_VB_FMT, OSPY_VB_STR, 0, 1, 2, '%', 'n', 1, OSPY_VB_INT_U, 0x80, 0x01,
  };
  make_call2(rec, 4, logn_blob, sizeof logn_blob, free_leave_blob, sizeof free_leave_blob);
  got = convert_xml(a, rec, &ev);
  CHECK(ev.nargs_in == 1 && ev.args_in[0].nchildren == 2 &&
          !strcmp(ev.args_in[0].children[1].type, "Pointer") &&
          !strcmp(ev.args_in[0].children[1].text, "0x80"),
        "%%n's value");
  CHECK(strstr(got, "<value type=\"AsciiFormatString\" value=\"\"/>"), "%%n:\n got %s", got);

  /* values not all decoded (positional arguments): the format says so */
  static const uint8_t logpos_blob[] = {
    OSPY_VB_MAGIC, OSPY_VB_VERSION, OSPY_VB_PHASE_ENTER, 0,
    0, OSPY_VB_FMT, OSPY_VB_STR, 0, 1, 4, '%', '1', '$', 'd', 1,
    OSPY_VB_FMT_STOP, OSPY_VB_FMT_POSITIONAL,
  };
  make_call2(rec, 4, logpos_blob, sizeof logpos_blob, free_leave_blob, sizeof free_leave_blob);
  got = convert_xml(a, rec, &ev);
  CHECK(strstr(got, "<argument name=\"fmt\"><value type=\"AsciiFormatString\" value=\"%1$d\" "
                    "truncated=\"true\"/></argument>"),
        "positional:\n got %s", got);

  /* a socket address says what it is (readers and diff compare that, not the
   * stack garbage after an AF_UNIX path's NUL); XML writes it as the
   * structure oSpy's loader reads */
  static const uint8_t connect_blob[] = {
    OSPY_VB_MAGIC, OSPY_VB_VERSION, OSPY_VB_PHASE_ENTER, 0,
    0, OSPY_VB_PTR, 0x80, 0x20, OSPY_VB_BYTES, 0, 12, 12,
    1, 0, '/', 'r', 'u', 'n', '/', 'x', 0, 0x7f, 0x55, 0xaa,
  };
  make_call2(rec, 5, connect_blob, sizeof connect_blob, free_leave_blob, sizeof free_leave_blob);
  got = convert_xml(a, rec, &ev);
  const ospy_xvalue *sa = ev.nargs_in == 1 && ev.args_in[0].nchildren == 1
                           ? &ev.args_in[0].children[0] : NULL;
  CHECK(sa && !strcmp(sa->type, "ByteArray") && !strcmp(sa->subtype, "sockaddr") &&
          !strcmp(sa->text, "{AF_UNIX, \"/run/x\"}") && sa->nbytes == 12,
        "sockaddr value");
  CHECK(strstr(got, "<value type=\"Struct\" subType=\"sockaddr_un\"><field name=\"sin_family\">"
                    "<value type=\"Enum\" subType=\"AddressFamily\" value=\"AF_UNIX\"/></field>"
                    "<field name=\"sun_path\"><value type=\"AsciiString\" value=\"/run/x\"/>"),
        "sockaddr:\n got %s", got);

  /* a va_list keeps its place among the parameters (oSpy's parsers read
   * them by position; it was left out, and level became argument 2), its
   * word as oSpy's VaList marshaller wrote it */
  static const uint8_t vlogf_blob[] = {
    OSPY_VB_MAGIC, OSPY_VB_VERSION, OSPY_VB_PHASE_ENTER, 0,
    0, OSPY_VB_FMT, OSPY_VB_STR, 0, 1, 2, '%', 'd', 1, OSPY_VB_INT_S, 6,
    1, OSPY_VB_INT_U, 0x88, 0xa0, 0x01, /* ap: 0x5008 */
    2, OSPY_VB_INT_S, 14, /* level: 7 (zig-zag) */
  };
  make_call2(rec, 6, vlogf_blob, sizeof vlogf_blob, free_leave_blob, sizeof free_leave_blob);
  got = convert_xml(a, rec, &ev);
  printf("va_list: %s\n", got);
  CHECK(strstr(got, "<value type=\"AsciiFormatString\" value=\"3\"/></argument>"
                    "<argument name=\"ap\"><value type=\"VaList\" value=\"0x5008\"/></argument>"
                    "<argument name=\"level\"><value type=\"Int32\" value=\"7\"/></argument>"),
        "va_list:\n got %s", got);
  /* an older agent's capture, which did not record it: in its place all the
   * same, without a value (as oSpy wrote a parameter it did not log) */
  static const uint8_t vlogf_old_blob[] = {
    OSPY_VB_MAGIC, OSPY_VB_VERSION, OSPY_VB_PHASE_ENTER, 0,
    0, OSPY_VB_FMT, OSPY_VB_STR, 0, 1, 2, '%', 'd', 1, OSPY_VB_INT_S, 6,
    2, OSPY_VB_INT_S, 14, /* level: 7 (zig-zag) */
  };
  make_call2(rec, 6, vlogf_old_blob, sizeof vlogf_old_blob, free_leave_blob,
             sizeof free_leave_blob);
  got = convert_xml(a, rec, &ev);
  printf("va_list not recorded: %s\n", got);
  CHECK(strstr(got, "</argument><argument name=\"ap\"></argument>"
                    "<argument name=\"level\"><value type=\"Int32\" value=\"7\"/></argument>"),
        "va_list not recorded:\n got %s", got);

  /* an enumeration's value that is none of its members is written in hex
   * in the XML, as oSpy's enumerations fell back to UInt32 hex="true"; in
   * JSON Lines as show writes it, 4660 (it was 0x1234 there too) */
  static const uint8_t enum_other_blob[] = {
    OSPY_VB_MAGIC, OSPY_VB_VERSION, OSPY_VB_PHASE_ENTER, 0,
    0, OSPY_VB_INT_S, 6, 2, OSPY_VB_INT_U, 0x80, 0x20, 3, OSPY_VB_INT_U, 0xb4, 0x24, /* 0x1234 */
  };
  make_call2(rec, 0, enum_other_blob, sizeof enum_other_blob, leave_blob, sizeof leave_blob);
  got = convert_xml(a, rec, &ev);
  printf("enum value not a member (XML): %s\n", got);
  CHECK(strstr(got, "<value type=\"Enum\" subType=\"OpenFlags\" value=\"0x1234\"/>"),
        "enum value not a member:\n got %s", got);
  got = event_jsonl(&ev);
  printf("enum value not a member (JSON Lines): %s\n", got);
  CHECK(strstr(got, "{\"name\":\"flags\",\"type\":\"Enum\",\"subtype\":\"OpenFlags\","
                    "\"value\":\"4660\"}"),
        "enum value not a member (JSON Lines):\n got %s", got);

  /* flags are a hex number (oSpy's Int32 hex="true": its send and recv
   * parsers read them with Convert.ToInt32), the names beside it */
  static const uint8_t send_blob[] = {
    OSPY_VB_MAGIC, OSPY_VB_VERSION, OSPY_VB_PHASE_ENTER, 0,
    0, OSPY_VB_INT_U, 0x82, 0x80, 0x01, /* 0x4002 */
  };
  make_call2(rec, 7, send_blob, sizeof send_blob, free_leave_blob, sizeof free_leave_blob);
  got = convert_xml(a, rec, &ev);
  CHECK(strstr(got, "<value type=\"Flags\" subType=\"MsgFlags\" value=\"0x4002\" "
                    "names=\"MSG_PEEK|MSG_NOSIGNAL\"/>") &&
          !strcmp(ev.args_in[0].text, "MSG_PEEK|MSG_NOSIGNAL"),
        "flags:\n got %s", got);
  static const uint8_t send0_blob[] = {
    OSPY_VB_MAGIC, OSPY_VB_VERSION, OSPY_VB_PHASE_ENTER, 0, 0, OSPY_VB_INT_U, 0,
  };
  make_call2(rec, 7, send0_blob, sizeof send0_blob, free_leave_blob, sizeof free_leave_blob);
  got = convert_xml(a, rec, &ev);
  CHECK(strstr(got, "<value type=\"Flags\" subType=\"MsgFlags\" value=\"0\"/>"),
        "no flags:\n got %s", got);

  /* a Windows BOOL (MSBool) is TRUE or FALSE, as oSpy's MSBool wrote it;
   * Boolean and CPPBool true or false */
  static const uint8_t flag_blob[] = {
    OSPY_VB_MAGIC, OSPY_VB_VERSION, OSPY_VB_PHASE_ENTER, 0,
    0, OSPY_VB_INT_U, 1, 1, OSPY_VB_INT_U, 0, 2, OSPY_VB_INT_U, 0,
  };
  static const uint8_t flag_leave_blob[] = {
    OSPY_VB_MAGIC, OSPY_VB_VERSION, OSPY_VB_PHASE_LEAVE, 0, OSPY_VB_RETVAL, OSPY_VB_INT_U, 1,
  };
  make_call2(rec, 10, flag_blob, sizeof flag_blob, flag_leave_blob, sizeof flag_leave_blob);
  got = convert_xml(a, rec, &ev);
  CHECK(strstr(got, "<argument name=\"b\"><value type=\"Boolean\" value=\"true\"/></argument>"
                    "<argument name=\"cb\"><value type=\"CPPBool\" value=\"false\"/></argument>"
                    "<argument name=\"ms\"><value type=\"MSBool\" value=\"FALSE\"/></argument>"
                    "</arguments><returnValue><value type=\"MSBool\" value=\"TRUE\"/>"),
        "booleans:\n got %s", got);
  got = event_jsonl(&ev);
  CHECK(strstr(got, "\"value\":\"FALSE\"") && strstr(got, "\"value\":\"TRUE\"") &&
          strstr(got, "\"value\":\"true\"") && strstr(got, "\"value\":\"false\""),
        "booleans (JSON Lines):\n got %s", got);

  /* a function described by argsSize alone: its words are written as the
   * raw words of a call without a definition (oSpy's arg1..argN, UInt64 on
   * x86-64, in hex above 0xffff; JSON Lines arg0.. as show), its return
   * value as its definition says */
  static const uint8_t init_blob[] = {
    OSPY_VB_MAGIC, OSPY_VB_VERSION, OSPY_VB_PHASE_ENTER, 0,
    0, OSPY_VB_INT_U, 41, 1, OSPY_VB_INT_U, 0xc5, 0xc6, 0x04, /* 0x12345 */
  };
  static const uint8_t init_leave_blob[] = {
    OSPY_VB_MAGIC, OSPY_VB_VERSION, OSPY_VB_PHASE_LEAVE, 0, OSPY_VB_RETVAL, OSPY_VB_INT_S, 1,
  };
  make_call2(rec, 11, init_blob, sizeof init_blob, init_leave_blob, sizeof init_leave_blob);
  got = convert_xml(a, rec, &ev);
  CHECK(strstr(got, "<name>libc.so.6::init</name><arguments direction=\"in\">"
                    "<argument name=\"arg1\"><value type=\"UInt64\" value=\"41\"/></argument>"
                    "<argument name=\"arg2\"><value type=\"UInt64\" value=\"0x12345\"/>"
                    "</argument></arguments><returnValue><value type=\"Int32\" value=\"-1\"/>"),
        "argsSize words:\n got %s", got);
  got = event_jsonl(&ev);
  CHECK(strstr(got, "\"args_in\":[{\"name\":\"arg0\",\"type\":\"UInt64\",\"value\":\"41\"},"
                    "{\"name\":\"arg1\",\"type\":\"UInt64\",\"value\":\"0x12345\"}]"),
        "argsSize words (JSON Lines):\n got %s", got);

  /* a UTF-16 format is MSVC's wide printf, as oSpy's UnicodeFormatString ran
   * it: %c and %lc a UTF-16 character (it was taken as a narrow char: \xac),
   * %s and %ls UTF-16 strings, %hs and %S narrow ones, %.2s two characters */
  {
    static const char ftext[] = "%s|%ls|%c|%lc|%hs|%S|%.2s";
    uint8_t wb[256];
    size_t wn = 0;
    static const uint8_t head[] = { OSPY_VB_MAGIC, OSPY_VB_VERSION, OSPY_VB_PHASE_ENTER, 0,
                                    0, OSPY_VB_FMT_AT, 0x80, 0x20, OSPY_VB_STR, 0, 2 };
    memcpy(wb, head, sizeof head);
    wn = sizeof head;
    wb[wn++] = (uint8_t)(2 * strlen(ftext));
    for (const char *c = ftext; *c; c++) {
      wb[wn++] = (uint8_t)*c;
      wb[wn++] = 0;
    }
    static const uint8_t values[] = {
      7,
      OSPY_VB_STR, 0, 2, 6, 'b', 0, 'o', 0, 'b', 0,
      OSPY_VB_STR, 0, 2, 4, 'b', 0, 'o', 0,
      OSPY_VB_INT_U, 0xac, 0x41, /* 0x20ac */
      OSPY_VB_INT_U, 0xe9, 0x01, /* 0xe9 */
      OSPY_VB_STR, 0, 1, 3, 'n', 'a', 'r',
      OSPY_VB_STR, 0, 1, 3, 'r', 'o', 'w',
      OSPY_VB_STR, 0, 2, 4, 'a', 0, 'b', 0,
    };
    memcpy(wb + wn, values, sizeof values);
    wn += sizeof values;
    make_call2(rec, 12, wb, wn, free_leave_blob, sizeof free_leave_blob);
    got = convert_xml(a, rec, &ev);
    CHECK(strstr(got, "<value type=\"UnicodeFormatString\" value=\"bob|bo|\xe2\x82\xac|\xc3\xa9|nar|row|ab\"/>"),
          "UTF-16 format:\n got %s", got);
    const ospy_xvalue *wv = ev.nargs_in == 1 && ev.args_in[0].nchildren == 8
                              ? ev.args_in[0].children : NULL;
    CHECK(wv && !strcmp(wv[3].type, "Char") && !strcmp(wv[3].text, "\xe2\x82\xac") &&
            !strcmp(wv[1].type, "UnicodeString") && !strcmp(wv[5].type, "AsciiString"),
          "UTF-16 format values");
  }

  /* ospy diff's text of a call (call_text.h) shows a value the agent
   * skipped (a read its size needed faulted) as show does, `?`, and leaves
   * out an argument not recorded at all (a logCondition that did not hold:
   * open's mode without O_CREAT), as show does: it wrote flags=? */
  {
    static const uint8_t skipped_blob[] = {
      OSPY_VB_MAGIC, OSPY_VB_VERSION, OSPY_VB_PHASE_ENTER, 0,
      0, OSPY_VB_INT_S, 6,
      2, OSPY_VB_SKIP,
    };
    make_call(rec, skipped_blob, sizeof skipped_blob);
    CHECK(ospy_from_capture_convert(a, (const ospy_event_hdr *)rec, &ev, err, sizeof err) == 0,
          "%s", err);
    char text[OSPY_CALL_TEXT_MAX], line[OSPY_CALL_TEXT_MAX + 1] = "";
    size_t len = ospy_call_text(&ev, text, sizeof text);
    for (const char *p = text; p; p = ospy_call_text_next(text, len, p)) {
      if (line[0])
        strcat(line, " ");
      strncat(line, p, sizeof line - strlen(line) - 1);
    }
    printf("diff's text of read(fd=3, count skipped, flags not recorded): %s\n", line);
    CHECK(!strcmp(line, "libc.so.6::read fd=3 buf=ptr count=? buf=>\"hello export\\n\" =13"),
          "call text:\n got  %s", line);
  }

  /* an enumeration with a negative member is signed (docs/config.md), as one
   * read as a signed marshalAs type is: a negative value that is none of
   * its members is written as show writes it (-123) in JSON Lines, as its
   * two's complement at its width in hex in the XML (oSpy's UInt32
   * fallback); an unsigned enumeration's as show writes it too, 4294967280
   * (JSON Lines wrote its hex), and in hex in the XML */
  static const uint8_t op_blob[] = {
    OSPY_VB_MAGIC, OSPY_VB_VERSION, OSPY_VB_PHASE_ENTER, 0,
    0, OSPY_VB_INT_S, 0x8d, 0x04,                   /* in: -263 */
    1, OSPY_VB_INT_S, 3,                            /* sh: -2 (Int16) */
    2, OSPY_VB_INT_U, 0xf0, 0xff, 0xff, 0xff, 0x0f, /* u: 0xfffffff0 */
  };
  static const uint8_t op_leave_blob[] = {
    OSPY_VB_MAGIC, OSPY_VB_VERSION, OSPY_VB_PHASE_LEAVE, 0,
    OSPY_VB_RETVAL, OSPY_VB_INT_S, 0xf5, 0x01, /* -123 */
  };
  /* as an agent before the rule recorded it: Status unsigned */
  static const uint8_t op_old_blob[] = {
    OSPY_VB_MAGIC, OSPY_VB_VERSION, OSPY_VB_PHASE_ENTER, 0,
    0, OSPY_VB_INT_U, 0xf9, 0xfd, 0xff, 0xff, 0x0f, /* in: 0xfffffef9 */
    1, OSPY_VB_INT_S, 3,
    2, OSPY_VB_INT_U, 0xf0, 0xff, 0xff, 0xff, 0x0f,
  };
  static const uint8_t op_old_leave_blob[] = {
    OSPY_VB_MAGIC, OSPY_VB_VERSION, OSPY_VB_PHASE_LEAVE, 0,
    OSPY_VB_RETVAL, OSPY_VB_INT_U, 0x85, 0xff, 0xff, 0xff, 0x0f, /* 0xffffff85 */
  };
  static const struct {
    const char *what;
    const uint8_t *enter, *leave;
    size_t elen, llen;
  } op_calls[] = {
    { "signed enumeration", op_blob, op_leave_blob, sizeof op_blob, sizeof op_leave_blob },
    { "signed enumeration recorded unsigned", op_old_blob, op_old_leave_blob,
      sizeof op_old_blob, sizeof op_old_leave_blob },
  };
  for (size_t i = 0; i < sizeof op_calls / sizeof op_calls[0]; i++) {
    make_call2(rec, 13, op_calls[i].enter, op_calls[i].elen, op_calls[i].leave,
               op_calls[i].llen);
    ((ospy_event_call *)rec)->retval = 0xffffff85u;
    got = convert_xml(a, rec, &ev);
    printf("%s (XML): %s\n", op_calls[i].what, got);
    CHECK(strstr(got, "<argument name=\"in\"><value type=\"Enum\" subType=\"Status\" "
                      "value=\"0xfffffef9\"/></argument>"
                      "<argument name=\"sh\"><value type=\"Enum\" subType=\"OpenFlags\" "
                      "value=\"0xfffe\"/></argument>"
                      "<argument name=\"u\"><value type=\"Enum\" subType=\"OpenFlags\" "
                      "value=\"0xfffffff0\"/></argument>") &&
            strstr(got, "<returnValue><value type=\"Enum\" subType=\"Status\" "
                        "value=\"0xffffff85\"/></returnValue>"),
          "%s (XML):\n got %s", op_calls[i].what, got);
    got = event_jsonl(&ev);
    printf("%s (JSON Lines): %s\n", op_calls[i].what, got);
    CHECK(strstr(got, "\"args_in\":[{\"name\":\"in\",\"type\":\"Enum\",\"subtype\":\"Status\","
                      "\"value\":\"-263\"},{\"name\":\"sh\",\"type\":\"Enum\","
                      "\"subtype\":\"OpenFlags\",\"value\":\"-2\"},{\"name\":\"u\","
                      "\"type\":\"Enum\",\"subtype\":\"OpenFlags\",\"value\":\"4294967280\"}]") &&
            strstr(got, "\"return\":{\"type\":\"Enum\",\"subtype\":\"Status\","
                        "\"value\":\"-123\"}"),
          "%s (JSON Lines):\n got %s", op_calls[i].what, got);
  }

  /* fd as an unknown tag: the decoder rejects the blob; exported undecoded */
  uint8_t bad[sizeof enter_blob];
  memcpy(bad, enter_blob, sizeof bad);
  bad[5] = 0x7f;
  make_call(rec, bad, sizeof bad);
  CHECK(ospy_from_capture_convert(a, (const ospy_event_hdr *)rec, &ev, err, sizeof err) == 0,
        "%s", err);
  CHECK(ev.nargs_in == 1 && !strcmp(ev.args_in[0].subtype, "ospy.values") &&
          ev.args_in[0].nbytes == sizeof bad,
        "damaged blob not kept undecoded");
  const char *why;
  CHECK(ospy_from_capture_decode_failures(a, &why) == 1 && strstr(why, "call #0"),
        "failures not counted: \"%s\"", why);

  ospy_from_capture_free(a);
  ospy_values_bridge_free(vb);
  ospy_plan_free(plan);
  if (failures)
    fprintf(stderr, "%d check(s) failed\n", failures);
  return failures != 0;
}
