/* Configs the loader accepted silently and should not have: a ByteArray
   field without its size, a bindTypeProperty whose sourceField holds no
   integer (or names the field itself, or sits beside a fixed size), two
   hooks of one function, octal numbers. Each case prints the diagnostics it expects. */
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
  test_duplicate_hooks();
  test_octal();
  if (test_failures)
    fprintf(stderr, "%d check(s) failed\n", test_failures);
  else
    printf("ok config checks\n");
  return test_failures ? 1 : 0;
}
