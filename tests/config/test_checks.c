/* Configs the loader accepted silently and should not have: a ByteArray
   field without its size, a bindTypeProperty whose sourceField holds no
   integer (or names the field itself, or sits beside a fixed size), names
   cut or refused past a fixed buffer's length, two hooks of one function,
   octal numbers. Each case prints the diagnostics it expects. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "../marshal/marshal_test.h"
#include "config/config.h"

static char *diag_text(const ospy_diag *d)
{
  char *text = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&text, &len);
  if (f) {
    ospy_diag_print(d, f);
    fclose(f);
  }
  return text;
}

/* Loads xml as "t.xml" for bits-bit targets: the diagnostics must be want,
   and it loads when want has no error. The config, when asked for. */
static ospy_config *expect_at(const char *what, const char *xml, unsigned bits, const char *want,
                              int line, int keep)
{
  printf("expect (%s):\n%s", what, *want ? want : "(nothing said)\n");
  ospy_diag d;
  ospy_diag_init(&d);
  ospy_config *c = NULL;
  int rc = ospy_config_load_buffer("t.xml", xml, strlen(xml), bits, &c, &d);
  char *got = diag_text(&d);
  if (!got || strcmp(got, want) || (rc == 0) != !strstr(want, ": error: ")) {
    fprintf(stderr, "test_checks.c:%d: diagnostics differ (rc %d)\n--- got\n%s--- want\n%s", line,
            rc, got ? got : "", want);
    test_failures++;
  }
  free(got);
  ospy_diag_free(&d);
  if (keep)
    return c;
  ospy_config_free(c);
  return NULL;
}
#define EXPECT(what, xml, want) expect_at(what, xml, 64, want, __LINE__, 0)

#define HM(body) "<hookManager>\n" body "</hookManager>\n"

/* A ByteArray or ByteArrayPtr field without its bytes is an error at the
   field, as an argument's is (it was accepted and shown buf=?). */
static void test_bytes_field_size(void)
{
  EXPECT("ByteArray fields without a size",
         HM("<types><structure name=\"B\">\n"
            "<field name=\"len\" offset=\"0\" type=\"UInt32\"/>\n"
            "<field name=\"buf\" offset=\"8\" type=\"ByteArrayPtr\"/>\n"
            "<field name=\"bb\" offset=\"16\" type=\"ByteArray\"/>\n"
            "<field name=\"fixed\" offset=\"24\" type=\"ByteArrayPtr\" size=\"4\"/>\n"
            "<field name=\"bound\" offset=\"32\" type=\"ByteArrayPtr\">"
            "<bindTypeProperty propertyName=\"size\" sourceField=\"len\"/></field>\n"
            "<field name=\"inline\" offset=\"40\" type=\"ByteArray\" size=\"8\"/>\n"
            "</structure></types>\n"),
         "t.xml:4:1: error: field 'buf' of type ByteArrayPtr needs a size: size=\"N\" (its "
         "bytes), or <bindTypeProperty propertyName=\"size\" sourceField=...> (an integer field "
         "that holds them)\n"
         "t.xml:5:1: error: field 'bb' of type ByteArray needs a size: size=\"N\" (its bytes), "
         "or <bindTypeProperty propertyName=\"size\" sourceField=...> (an integer field that "
         "holds them)\n");
}

/* bindTypeProperty's sourceField holds an integer: a pointer was read as a
   count (1140 words of stack recorded), a string pointer or a structure as
   a size; the field itself, a binding on a field that takes none, and one
   beside a fixed size (which won) were accepted too. */
static void test_binding_sources(void)
{
  EXPECT("sizes and counts from fields that hold no integer",
         HM("<types><structure name=\"In\"><field name=\"q\" offset=\"0\" type=\"Int32\"/>"
            "</structure>\n"
            "<enumeration name=\"E\"><member name=\"A\" value=\"1\"/></enumeration>\n"
            "<structure name=\"B\">\n"
            "<field name=\"len\" offset=\"0\" type=\"UInt32\"><bindTypeProperty "
            "propertyName=\"size\" sourceField=\"len\"/></field>\n"
            "<field name=\"name\" offset=\"8\" type=\"AsciiStringPtr\"/>\n"
            "<field name=\"inner\" offset=\"16\" type=\"In\"/>\n"
            "<field name=\"p1\" offset=\"24\" type=\"ByteArrayPtr\"><bindTypeProperty "
            "propertyName=\"size\" sourceField=\"name\"/></field>\n"
            "<field name=\"p2\" offset=\"32\" type=\"ByteArrayPtr\"><bindTypeProperty "
            "propertyName=\"size\" sourceField=\"inner\"/></field>\n"
            "<field name=\"p3\" offset=\"40\" type=\"ByteArrayPtr\"><bindTypeProperty "
            "propertyName=\"size\" sourceField=\"p3\"/></field>\n"
            "<field name=\"p4\" offset=\"48\" type=\"ByteArrayPtr\" size=\"4\"><bindTypeProperty "
            "propertyName=\"size\" sourceField=\"len\"/></field>\n"
            "<field name=\"arr\" offset=\"56\" type=\"ArrayPtr\" elementType=\"UInt32\">"
            "<bindTypeProperty propertyName=\"elementCount\" sourceField=\"p1\"/></field>\n"
            "<field name=\"kind\" offset=\"64\" type=\"E\"/>\n"
            "<field name=\"p5\" offset=\"72\" type=\"ByteArrayPtr\"><bindTypeProperty "
            "propertyName=\"size\" sourceField=\"kind\"/></field>\n"
            "<field name=\"p6\" offset=\"80\" type=\"ByteArrayPtr\"><bindTypeProperty "
            "propertyName=\"elementCount\" sourceField=\"len\"/></field>\n"
            "<field name=\"p7\" offset=\"88\" type=\"ByteArrayPtr\"><bindTypeProperty "
            "propertyName=\"size\" sourceField=\"len\"/><bindTypeProperty "
            "propertyName=\"size\" sourceField=\"len\"/></field>\n"
            "</structure></types>\n"),
         "t.xml:5:76: error: bindTypeProperty size on field 'len' of type UInt32: a size is "
         "bound on a ByteArray, SockAddr or string field (an Array's count: "
         "propertyName=\"elementCount\")\n"
         "t.xml:8:101: error: field 'p1' takes its size from field 'name' of type "
         "AsciiStringPtr: a size or count is read from an integer field (Int8 to Int64, UInt8 "
         "to UInt64, Size, SSize)\n"
         "t.xml:9:101: error: field 'p2' takes its size from field 'inner' of type In: a size "
         "or count is read from an integer field (Int8 to Int64, UInt8 to UInt64, Size, "
         "SSize)\n"
         "t.xml:10:101: error: field 'p3' takes its size from itself: sourceField names the "
         "integer field that holds it\n"
         "t.xml:11:91: error: field 'p4' has a fixed size already (size=\"4\"): its size is "
         "either fixed or bound, not both\n"
         "t.xml:12:127: error: field 'arr' takes its elementCount from field 'p1' of type "
         "ByteArrayPtr: a size or count is read from an integer field (Int8 to Int64, UInt8 to "
         "UInt64, Size, SSize)\n"
         "t.xml:14:101: error: field 'p5' takes its size from field 'kind' of type E: a size or "
         "count is read from an integer field (Int8 to Int64, UInt8 to UInt64, Size, SSize)\n"
         "t.xml:15:82: error: bindTypeProperty elementCount on field 'p6' of type ByteArrayPtr: "
         "an elementCount is bound on an Array or ArrayPtr field (a buffer's bytes: "
         "propertyName=\"size\")\n"
         "t.xml:16:107: error: field 'p7' has its size bound already (to 'len')\n");
  /* every integer type is a source, with its endianness and marshalAs */
  EXPECT("sizes and counts from integer fields",
         HM("<types><structure name=\"B\">\n"
            "<field name=\"a\" offset=\"0\" type=\"Int8\"/>\n"
            "<field name=\"b\" offset=\"2\" type=\"UInt16\" endian=\"big\"/>\n"
            "<field name=\"c\" offset=\"4\" type=\"UInt32\" marshalAs=\"UInt8\"/>\n"
            "<field name=\"d\" offset=\"8\" type=\"Int64\"/>\n"
            "<field name=\"e\" offset=\"16\" type=\"Size\"/>\n"
            "<field name=\"f\" offset=\"24\" type=\"SSize\"/>\n"
            "<field name=\"pa\" offset=\"32\" type=\"ByteArrayPtr\"><bindTypeProperty "
            "propertyName=\"size\" sourceField=\"a\"/></field>\n"
            "<field name=\"pb\" offset=\"40\" type=\"AsciiStringPtr\"><bindTypeProperty "
            "propertyName=\"size\" sourceField=\"b\"/></field>\n"
            "<field name=\"pc\" offset=\"48\" type=\"SockAddrPtr\"><bindTypeProperty "
            "propertyName=\"size\" sourceField=\"c\"/></field>\n"
            "<field name=\"pd\" offset=\"56\" type=\"ArrayPtr\" elementType=\"Int32\">"
            "<bindTypeProperty propertyName=\"elementCount\" sourceField=\"d\"/></field>\n"
            "<field name=\"pe\" offset=\"64\" type=\"ByteArrayPtr\"><bindTypeProperty "
            "propertyName=\"size\" sourceField=\"e\"/></field>\n"
            "<field name=\"pf\" offset=\"72\" type=\"ByteArrayPtr\"><bindTypeProperty "
            "propertyName=\"size\" sourceField=\"f\"/></field>\n"
            "</structure></types>\n"),
         "");
}

/* A name of len characters: "n" repeated. */
static char *long_name(size_t len, char c)
{
  char *s = malloc(len + 1);
  if (!s)
    abort();
  memset(s, c, len);
  s[len] = 0;
  return s;
}

static char *format(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *format(const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  char *s = NULL;
  if (vasprintf(&s, fmt, ap) < 0)
    abort();
  va_end(ap);
  return s;
}

static const ospy_config_hook *hook_named(const ospy_config *c, const char *display)
{
  for (size_t i = 0; c && i < c->nhooks; i++)
    if (!strcmp(c->hooks[i].h.display, display))
      return &c->hooks[i];
  return NULL;
}

/* Names past the old buffers (255, 511, 120 characters): a vtable id of
   250 or more made any two methods a "duplicate function spec", FooPtrPtr
   was unknown where FooPtr was known, enumeration members were shown cut at
   255 characters, hook names at 511, a vtable hook's parts at 120. Whole
   now, in the spec table, the hooks, the decoded values and the messages. */
static void test_long_names(void)
{
  char *vt = long_name(300, 'v'), *ty = long_name(400, 't'), *fn = long_name(900, 'f'),
       *member = long_name(906, 'm'), *unknown = long_name(700, 'u');
  char *xml = format(
    HM("<types><structure name=\"%s\"><field name=\"a\" offset=\"0\" type=\"Int32\"/>"
       "</structure>\n"
       "<enumeration name=\"E\"><member name=\"%s\" value=\"5\"/></enumeration></types>\n"
       "<specs><functions><function name=\"%s\"><returnValue type=\"E\"/><arguments>"
       "<argument name=\"pp\" type=\"%sPtrPtr\"/><argument name=\"p\" type=\"%sPtr\"/>"
       "<argument name=\"e\" type=\"E\"/></arguments></function></functions>\n"
       "<vtables><vtable id=\"%s\" methodCount=\"3\"><method index=\"0\" name=\"alpha\"/>"
       "<method index=\"1\" name=\"beta\"/></vtable></vtables></specs>\n"
       "<hooks><module name=\"libwin.so\"><function specId=\"%s\"/></module>\n"
       "<vtables><vtable specId=\"%s\" name=\"%s\" vtableSymbol=\"_ZTV4Impl\" "
       "moduleName=\"libimpl.so\"/></vtables></hooks>\n"),
    ty, member, fn, ty, ty, vt, fn, vt, vt);
  ospy_config *c = expect_at("names of 300 to 900 characters", xml, 64, "", __LINE__, 1);
  if (c) {
    const ospy_spec_table *t = c->specs;
    char *alpha = format("%s::alpha", vt), *beta = format("%s::beta", vt);
    CHECK(ospy_spec_fn_lookup(t, alpha) != OSPY_SPEC_NONE);
    CHECK(ospy_spec_fn_lookup(t, beta) != OSPY_SPEC_NONE);
    char *display = format("libwin.so!%s", fn);
    char *alpha_hook = format("libimpl.so!%s::alpha", vt);
    printf("expect: hooks named whole (%zu, %zu characters)\n", strlen(display),
           strlen(alpha_hook));
    CHECK(hook_named(c, display) != NULL);
    CHECK(hook_named(c, alpha_hook) != NULL);
    /* the enumeration's member decoded whole, as show and the exports give it */
    uint32_t fi = ospy_spec_fn_lookup(t, fn);
    CHECK(fi != OSPY_SPEC_NONE);
    if (fi != OSPY_SPEC_NONE) {
      tt_prepare(c->specs);
      int inner = 7, *innerp = &inner;
      tt_call k;
      tt_call_init(&k);
      tt_int(&k, (uint64_t)(uintptr_t)&innerp, 8);
      tt_int(&k, (uint64_t)(uintptr_t)&inner, 8);
      tt_int(&k, 5, 4);
      tt_done(&k, 0);
      static char text[8192];
      tt_run(c->specs, fi, &k, 5, NULL, NULL, 65536, text, sizeof text);
      char *want_end = format(", e=%s) = %s", member, member);
      size_t tl = strlen(text), wl = strlen(want_end);
      printf("expect: the member's name whole, as argument and return value (%zu characters)\n",
             strlen(member));
      if (tl < wl || strcmp(text + tl - wl, want_end)) {
        fprintf(stderr, "test_checks.c:%d: decoded as\n%s\n", __LINE__, text);
        test_failures++;
      }
      free(want_end);
      ospy_marshal_release(c->specs);
    }
    free(alpha);
    free(beta);
    free(display);
    free(alpha_hook);
    ospy_config_free(c);
  }
  free(xml);
  /* a message names a long name whole (they were cut at 511 characters) */
  xml = format(HM("<specs><functions><function name=\"f\"><arguments>"
                  "<argument name=\"a\" type=\"%s\"/></arguments></function></functions>"
                  "</specs>\n"),
               unknown);
  char *want = format("t.xml:2:74: error: unknown type '%s'\n", unknown);
  EXPECT("an unknown type of 700 characters, named whole", xml, want);
  free(want);
  free(xml);
  free(vt);
  free(ty);
  free(fn);
  free(member);
  free(unknown);
}

/* Two hooks of one function: the capture hooks it once (and warned of a
   second definition); ospy check said nothing. */
static void test_duplicate_hooks(void)
{
  EXPECT("a function hooked twice",
         HM("<specs><functions><function name=\"my_socket\"/><function name=\"my_socket2\"/>"
            "<function name=\"other\"/></functions>\n"
            "<vtables><vtable id=\"V\" methodCount=\"2\"><method index=\"0\" name=\"m\"/>"
            "<method index=\"0\" name=\"n\"/><method index=\"1\" name=\"o\"/></vtable></vtables>"
            "</specs>\n"
            "<hooks><module name=\"libwin.so\"><function specId=\"my_socket\"/>\n"
            "<function specId=\"my_socket\"/>\n"
            "<function specId=\"my_socket2\" symbol=\"my_socket\"/>\n"
            "<function specId=\"other\"/><function specId=\"other\" offset=\"0x10\"/></module>\n"
            "<module name=\"libother.so\"><function specId=\"my_socket\"/></module>\n"
            "<module name=\"libwin.so\" processName=\"prog\"><function specId=\"my_socket\"/>"
            "</module>\n"
            "<vtables><vtable specId=\"V\" name=\"Impl\" vtableSymbol=\"_ZTV4Impl\" "
            "moduleName=\"libimpl.so\"/></vtables></hooks>\n"),
         "t.xml:5:1: warning: libwin.so!my_socket is hooked already (line 4): hooked once, its "
         "calls are recorded once\n"
         "t.xml:6:1: warning: libwin.so!my_socket2: the same function as libwin.so!my_socket "
         "(line 4), hooked already: its calls are recorded under that name and definition\n"
         "t.xml:10:10: warning: libimpl.so!Impl::n: the same function as libimpl.so!Impl::m "
         "(line 10), hooked already: its calls are recorded under that name and definition\n");
}

/* A number that starts with 0 is octal, as in C: 08 said only "expected an
   integer", and offset="010" was 8 without a word. An enumeration member's
   value (a mode, 0644) is octal without a warning. */
static void test_octal(void)
{
  EXPECT("octal numbers",
         HM("<types><enumeration name=\"Mode\"><member name=\"RW\" value=\"0644\"/>"
            "<member name=\"X\" value=\"08\"/><member name=\"Y\" value=\"-019\"/></enumeration>\n"
            "<structure name=\"S\"><field name=\"a\" offset=\"010\" type=\"Int32\"/>"
            "<field name=\"b\" offset=\"0x10\" type=\"Int32\"/>"
            "<field name=\"c\" offset=\"0\" type=\"Int32\"/></structure></types>\n"),
         "t.xml:2:89: error: bad value '08' for 'value': a number that starts with 0 is octal, "
         "and 8 is no octal digit (a decimal number: without the leading 0)\n"
         "t.xml:2:118: error: bad value '-019' for 'value': a number that starts with 0 is "
         "octal, and 9 is no octal digit (a decimal number: without the leading 0)\n"
         "t.xml:3:45: warning: '010' for 'offset' is octal, that is 8: a number that starts "
         "with 0 is octal (a decimal number: without the leading 0)\n");
}

int main(void)
{
  test_bytes_field_size();
  test_binding_sources();
  test_long_names();
  test_duplicate_hooks();
  test_octal();
  if (test_failures)
    fprintf(stderr, "%d check(s) failed\n", test_failures);
  else
    printf("ok config checks\n");
  return test_failures ? 1 : 0;
}
