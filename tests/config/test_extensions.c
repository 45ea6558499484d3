/* The format extensions the shipped presets use (docs/config.md):
   arch="x86-64|i386" on <structure>, value="EXPR" on <argument>,
   nullTerminated="true" on an Array argument, errorValue="N", errorCondition
   and setsErrno on <returnValue>, marshalAs and octal on <argument> and <returnValue>,
   direction="out" on <field>, mask on a flags type's <member>.
   Diagnostics are compared
   exactly (FILE:LINE:COL); the valid forms are checked through the model,
   the spec table round trip and marshaling from XML. */
#include <stdlib.h>
#include <string.h>

#include "../marshal/marshal_test.h"
#include "config/config.h"

#define P(x) ((uint64_t)(uintptr_t)(x))

static char *diag_text(const ospy_diag *d)
{
  static char buf[8192];
  char *tmp = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&tmp, &len);
  ospy_diag_print(d, f);
  fclose(f);
  snprintf(buf, sizeof buf, "%s", tmp ? tmp : "");
  free(tmp);
  return buf;
}

/* Load `xml` as "t.xml" for arch_bits; compare the diagnostics with `want`
   ("" = loads). Returns the config when it loaded (the caller frees it). */
static ospy_config *load(const char *xml, unsigned arch_bits, const char *want, int line)
{
  ospy_diag d;
  ospy_diag_init(&d);
  ospy_config *c = NULL;
  int rc = ospy_config_load_buffer("t.xml", xml, strlen(xml), arch_bits, &c, &d);
  const char *got = diag_text(&d);
  if (strcmp(got, want) != 0 || (rc == 0) != (want[0] == 0)) {
    fprintf(stderr, "test_extensions.c:%d: diagnostics differ (%u-bit)\n--- got (rc %d)\n%s"
            "--- want\n%s", line, arch_bits, rc, got, want);
    test_failures++;
  }
  ospy_diag_free(&d);
  return c;
}

/* What `ospy check` prints for the config. */
static char *printed(const ospy_config *c)
{
  static char buf[8192];
  char *tmp = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&tmp, &len);
  ospy_config_print(c, f);
  fclose(f);
  snprintf(buf, sizeof buf, "%s", tmp ? tmp : "");
  free(tmp);
  return buf;
}

static void expect(const char *xml, const char *want, int line)
{
  ospy_config_free(load(xml, 64, want, line));
  ospy_config_free(load(xml, 32, want, line));
}
#define EXPECT(xml, want) expect(xml, want, __LINE__)

#define HM(body) "<hookManager>\n" body "</hookManager>\n"
#define FN(args) \
  "<specs><functions>\n<function name=\"f\">\n<returnValue type=\"Int32\"/>\n<arguments>\n" args \
  "</arguments>\n</function>\n</functions></specs>\n"

#define HOOK_F "<hooks><module name=\"libc.so.6\"><function specId=\"f\"/></module></hooks>\n"

/* ---- arch="..." on <structure> ---- */

static const char arch_xml[] = HM(
  "<types>\n"
  "<structure name=\"IoVec\" arch=\"x86-64\">\n"
  "  <field name=\"base\" offset=\"0\" type=\"Pointer\"/>\n"
  "  <field name=\"len\" offset=\"8\" type=\"Size\"/>\n"
  "</structure>\n"
  "<structure name=\"IoVec\" arch=\"i386\">\n"
  "  <field name=\"base\" offset=\"0\" type=\"Pointer\"/>\n"
  "  <field name=\"len\" offset=\"4\" type=\"Size\"/>\n"
  "  <field name=\"only32\" offset=\"4\" type=\"UInt32\"/>\n"
  "</structure>\n"
  "<structure name=\"Plain\"><field name=\"v\" offset=\"0\" type=\"IoVec\"/></structure>\n"
  "</types>\n");

static void test_arch_variants(void)
{
  for (unsigned bits = 64; bits >= 32; bits -= 32) {
    ospy_config *c = load(arch_xml, bits, "", __LINE__);
    if (!c)
      continue;
    ospy_spec_typeref r;
    CHECK(ospy_spec_type_lookup(c->specs, "IoVec", &r) == 0);
    const ospy_spec_type *ty = ospy_spec_table_type(c->specs, r.type);
    /* the variant of the target, and only that one */
    CHECK(ty->nfields == (bits == 64 ? 2u : 3u));
    CHECK(ty->size == (bits == 64 ? 16u : 8u));
    CHECK(ty->fields[1].offset == (bits == 64 ? 8u : 4u));
    CHECK(c->specs->ntypes == OSPY_SPEC_NBUILTIN + 2);
    CHECK(ospy_spec_type_lookup(c->specs, "Plain", &r) == 0 &&
          ospy_spec_table_type(c->specs, r.type)->size == (bits == 64 ? 16u : 8u));
    ospy_config_free(c);
  }
  /* a bad value; a second variant for the same arch (reported for either
     target); a name given for all arches and for one */
  EXPECT(HM("<types>\n"
            "<structure name=\"A\" arch=\"arm64\"/>\n"
            "<structure name=\"B\" arch=\"i386\"/>\n"
            "<structure name=\"B\" arch=\"i386\"/>\n"
            "<structure name=\"C\"/>\n"
            "<structure name=\"C\" arch=\"x86-64\"/>\n"
            "<structure name=\"D\" arch=\"x86-64\"/>\n"
            "<structure name=\"D\"/>\n"
            "<enumeration name=\"E\" arch=\"i386\"/>\n"
            "</types>\n"),
         "t.xml:3:27: error: bad arch 'arm64': expected x86-64 or i386\n"
         "t.xml:5:18: error: duplicate type 'B' for arch i386\n"
         "t.xml:7:18: error: duplicate type 'C' for arch x86-64\n"
         "t.xml:9:18: error: duplicate type 'D'\n"
         "t.xml:10:23: error: unknown attribute 'arch' on <enumeration>\n");
  /* an arch-specific structure and an enumeration of the same name clash on
     that target only */
  ospy_config_free(load(HM("<types><enumeration name=\"S\"/><structure name=\"S\" arch=\"i386\"/>"
                           "</types>\n"),
                        32, "t.xml:2:48: error: duplicate type 'S'\n", __LINE__));
}

/* ---- arch="..." on a hook ---- */

/* A hook for one architecture (i386 glibc's __fstat64_time64): in that
   target's plan only; its spec and a bad value are checked for both. */
static void test_hook_arch(void)
{
  static const char xml[] = HM(
    "<specs><functions>\n"
    "<function name=\"both\"><returnValue type=\"Int32\"/></function>\n"
    "<function name=\"only32\"><returnValue type=\"Int32\"/></function>\n"
    "<function name=\"only64\"><returnValue type=\"Int32\"/></function>\n"
    "</functions></specs>\n"
    "<hooks><module name=\"libc.so.6\">\n"
    "<function specId=\"both\"/>\n"
    "<function specId=\"only32\" arch=\"i386\"/>\n"
    "<function specId=\"only64\" arch=\"x86-64\"/>\n"
    "</module></hooks>\n");
  for (unsigned bits = 64; bits >= 32; bits -= 32) {
    ospy_config *c = load(xml, bits, "", __LINE__);
    if (!c)
      continue;
    CHECK(c->nhooks == 2);
    if (c->nhooks == 2) {
      CHECK_STR(c->hooks[0].h.display, "libc.so.6!both");
      CHECK_STR(c->hooks[1].h.display, bits == 64 ? "libc.so.6!only64" : "libc.so.6!only32");
    }
    ospy_config_free(c);
  }
  EXPECT(HM("<specs><functions><function name=\"f\"/></functions></specs>\n"
            "<hooks><module name=\"libc.so.6\">\n"
            "<function specId=\"f\" arch=\"arm64\"/>\n"
            "<function specId=\"g\" arch=\"i386\"/>\n"
            "</module></hooks>\n"),
         "t.xml:4:28: error: bad arch 'arm64': expected x86-64 or i386\n"
         "t.xml:5:19: error: unknown function spec 'g'\n");
}

/* ---- value="EXPR" ---- */

static const char value_xml[] = HM(
  "<types><enumeration name=\"Dir\"><member name=\"NONE\" value=\"0\"/>"
  "<member name=\"WRITE\" value=\"1\"/><member name=\"READ\" value=\"2\"/></enumeration></types>\n"
  FN("<argument name=\"fd\" type=\"Int32\"/>\n"
     "<argument name=\"request\" type=\"UInt32\" hex=\"true\"/>\n"
     "<argument name=\"dir\" type=\"Dir\" value=\"(arg.request &gt;&gt; 30) &amp; 3\"/>\n"
     "<argument name=\"nr\" type=\"UInt8\" value=\"arg.request &amp; 0xff\"/>\n"
     "<argument name=\"buf\" type=\"ByteArrayPtr\" size=\"arg.nr\"/>\n"
     "<argument name=\"twice\" direction=\"out\" type=\"Int32\" value=\"(i32)retval * 2\"/>\n"
     "<argument name=\"bad\" type=\"UInt32\" value=\"u32[0]\"/>\n")
  HOOK_F);

static void test_value(void)
{
  ospy_config *c = load(value_xml, 64, "", __LINE__);
  if (!c)
    return;
  ospy_spec_table *t = c->specs;
  const ospy_spec_fn *fn = ospy_spec_table_fn(t, ospy_spec_fn_lookup(t, "f"));
  CHECK(fn && fn->nargs == 7);
  CHECK(!fn->args[0].value.src && !fn->args[4].value.src);
  CHECK_STR(fn->args[2].value.src, "(arg.request >> 30) & 3");
  CHECK_STR(fn->args[5].value.src, "(i32)retval * 2");
  CHECK(strstr(printed(c), "arg 2 dir: in Dir value=((arg.request >> 30) & 3)\n") != NULL);
  /* the spec table keeps it (codec version 2) */
  size_t n = ospy_spec_table_encode(t, NULL, 0);
  uint8_t *b = malloc(n);
  ospy_spec_table_encode(t, b, n);
  ospy_spec_table *t2 = NULL;
  char err[200];
  CHECK(ospy_spec_table_decode(b, n, &t2, err, sizeof err) == 0);
  if (t2) {
    CHECK_STR(t2->fns[0].args[3].value.src, "arg.request & 0xff");
    CHECK(!t2->fns[0].args[1].value.src);
    /* marshaled from the decoded table, as the agent does: computed
       arguments take no parameter position (buf is the third word), nr
       is 8 bits wide, a faulting expression shows as unavailable */
    tt_prepare(t2);
    static char text[4096];
    tt_call k;
    tt_call_init(&k);
    tt_int(&k, 3, 4);
    tt_int(&k, 0x80045403u, 4); /* _IOR('T', 3, int) */
    tt_int(&k, P("abcdefgh"), sizeof(void *));
    tt_done(&k, 0);
    tt_run(t2, 0, &k, 21, NULL, NULL, 65536, text, sizeof text);
    CHECK_STR(text, "(fd=3, request=0x80045403, dir=READ, nr=3, buf=\"abc\", twice=42, "
                    "bad=?) = 21");
    ospy_marshal_release(t2);
    ospy_spec_table_free(t2);
  }
  free(b);
  ospy_config_free(c);
  EXPECT(HM(FN("<argument name=\"n\" type=\"Int32\"/>\n"
               "<argument name=\"b\" type=\"ByteArrayPtr\" size=\"4\" value=\"arg.n\"/>\n"
               "<argument name=\"p\" type=\"Int32Ptr\" value=\"arg.n\"/>\n"
               "<argument name=\"s\" type=\"AsciiString\" value=\"arg.n\"/>\n"
               "<argument name=\"d\" type=\"Double\" value=\"arg.n\"/>\n"
               "<argument name=\"x\" type=\"Int32\" value=\"arg.n +\"/>\n"
               "<argument name=\"y\" type=\"Int32\" value=\"arg.zz\"/>\n")),
         "t.xml:7:26: error: argument 'b' with a 'value' needs an integer, enumeration or flags type, not ByteArrayPtr\n"
         "t.xml:8:26: error: argument 'p' with a 'value' needs an integer, enumeration or flags type, not Int32Ptr\n"
         "t.xml:9:26: error: argument 's' with a 'value' needs an integer, enumeration or flags type, not AsciiString\n"
         "t.xml:10:26: error: argument 'd' with a 'value' needs an integer, enumeration or flags type, not Double\n"
         "t.xml:11:47: error: bad expression 'arg.n +' in value: unexpected end of input\n"
         "t.xml:12:44: error: bad expression 'arg.zz' in value: unknown argument 'zz'\n");
}

/* An out computed argument is computed when the call returns (got =
   retval): an expression taken when the call enters (an in argument's size,
   elementCount, value) cannot read it, by name or as argN, and is refused
   at the place it names it (it read 0); an in argument's logCondition
   holds at entry, said as for retval. A computed value reading one computed
   with it but listed later, or itself, read a value not computed yet:
   refused. What an out value, a size at return or a later computed value
   reads is fine. */
static void test_value_at_return(void)
{
  EXPECT(HM(FN("<argument name=\"n\" type=\"Int32\"/>\n"
               "<argument name=\"got\" direction=\"out\" type=\"Int32\" value=\"retval\"/>\n"
               "<argument name=\"b\" type=\"ByteArrayPtr\" size=\"arg.got\"/>\n"
               "<argument name=\"c\" type=\"ArrayPtr\" elementType=\"Int32\" "
               "elementCount=\"arg.n + arg.got\"/>\n"
               "<argument name=\"v\" type=\"Int32\" value=\"arg.got\"/>\n"
               "<argument name=\"w\" direction=\"in/out\" type=\"Int32\" value=\"arg1 * 2\"/>\n"
               "<argument name=\"g2\" direction=\"out\" type=\"Int32\" value=\"arg.later\"/>\n"
               "<argument name=\"later\" direction=\"in/out\" type=\"Int32\" value=\"arg.n\"/>\n"
               "<argument name=\"me\" type=\"Int32\" value=\"arg.me + 1\"/>\n"
               "<argument name=\"o\" direction=\"out\" type=\"ByteArrayPtr\" size=\"arg.got\"/>\n"
               "<argument name=\"d\" direction=\"in/out\" type=\"ByteArrayPtr\" "
               "size=\"arg.n/arg.got\"/>\n"
               "<argument name=\"x\" direction=\"out\" type=\"Int32\" value=\"arg.later + arg.got\"/>\n"
               "<argument name=\"e\" type=\"Int32\"><logCondition>arg.x != 0</logCondition>"
               "</argument>\n") HOOK_F),
         "t.xml:8:46: error: bad expression 'arg.got' in size: 'got' is a computed out "
         "argument, whose value is taken when the call returns, and an in value is taken when "
         "the call enters: use size=\"ENTER/RETURN\" or direction=\"out\"\n"
         "t.xml:9:78: error: bad expression 'arg.n + arg.got' in elementCount: 'got' is a "
         "computed out argument, whose value is taken when the call returns, and an in value is "
         "taken when the call enters: use elementCount=\"ENTER/RETURN\" or direction=\"out\"\n"
         "t.xml:10:40: error: bad expression 'arg.got' in value: 'got' is a computed out "
         "argument, whose value is taken when the call returns, and an in value is taken when "
         "the call enters: make this argument direction=\"out\" too\n"
         "t.xml:11:59: error: bad expression 'arg1 * 2' in value: 'got' is a computed out "
         "argument, whose value is taken when the call returns, and an in value is taken when "
         "the call enters: make this argument direction=\"out\" too\n"
         "t.xml:12:57: error: bad expression 'arg.later' in value: 'later' is a computed "
         "argument listed after 'g2', and computed values are taken in the order listed: list "
         "'later' first\n"
         "t.xml:14:41: error: bad expression 'arg.me + 1' in value: argument 'me' uses its own "
         "value\n"
         "t.xml:18:33: warning: logCondition of in argument 'e' uses 'x', a computed out "
         "argument, known only when the call returns, but an in argument is recorded "
         "when it enters: it is recorded whatever the condition (a <logCondition> on the "
         "function drops the whole call)\n");
  /* an in Dynamic argument's type is picked when the call enters */
  EXPECT(HM("<types><enumeration name=\"Kind\"><member name=\"A\" value=\"0\"/></enumeration>"
            "</types>\n"
            FN("<argument name=\"kind\" direction=\"out\" type=\"Kind\" value=\"retval\"/>\n"
               "<argument name=\"d\" type=\"Dynamic\" typeNameBase=\"arg.kind\" "
               "typeNameSuffix=\"_T\"/>\n"
               "<argument name=\"o\" direction=\"out\" type=\"Dynamic\" typeNameBase=\"arg.kind\" "
               "typeNameSuffix=\"_T\"/>\n") HOOK_F),
         "t.xml:8:49: error: typeNameBase 'arg.kind' names 'kind', a computed out argument, "
         "whose value is taken when the call returns, and an in argument's type is picked when "
         "the call enters: make this argument direction=\"out\" too\n");
}

/* ---- nullTerminated="true" ---- */

static const char nt_xml[] = HM(
  FN("<argument name=\"argv\" type=\"ArrayPtr\" elementType=\"AsciiStringPtr\" elementCount=\"256\""
     " nullTerminated=\"true\"/>\n"
     "<argument name=\"envp\" type=\"ArrayPtr\" elementType=\"AsciiStringPtr\""
     " nullTerminated=\"true\"/>\n"
     "<argument name=\"two\" type=\"ArrayPtr\" elementType=\"Int32\" elementCount=\"2\""
     " nullTerminated=\"true\"/>\n")
  HOOK_F);

static void test_null_terminated(void)
{
  ospy_config *c = load(nt_xml, 64, "", __LINE__);
  if (!c)
    return;
  ospy_spec_table *t = c->specs;
  CHECK(t->fns[0].args[0].t.null_term && t->fns[0].args[1].t.null_term);
  CHECK(!t->fns[0].args[1].count_in.src); /* no elementCount: bounded by the agent */
  CHECK(strstr(printed(c), "arg 1 envp: in ArrayPtr of AsciiStringPtr nullTerminated\n") != NULL);
  size_t n = ospy_spec_table_encode(t, NULL, 0);
  uint8_t *b = malloc(n);
  ospy_spec_table_encode(t, b, n);
  ospy_spec_table *t2 = NULL;
  char err[200];
  CHECK(ospy_spec_table_decode(b, n, &t2, err, sizeof err) == 0);
  if (t2) {
    CHECK(t2->fns[0].args[0].t.null_term && !t2->fns[0].args[0].t.hex);
    tt_prepare(t2);
    static char text[4096];
    const char *argv[] = { "ls", "-l", NULL, "after" };
    const char *envp[] = { "A=1", NULL };
    int32_t two[] = { 5, 6, 7, 0 }; /* no zero element within elementCount */
    tt_call k;
    tt_call_init(&k);
    tt_int(&k, P(argv), sizeof(void *));
    tt_int(&k, P(envp), sizeof(void *));
    tt_int(&k, P(two), sizeof(void *));
    tt_done(&k, 0);
    tt_run(t2, 0, &k, 0, NULL, NULL, 65536, text, sizeof text);
    CHECK_STR(text, "(argv=[\"ls\", \"-l\"], envp=[\"A=1\"], two=[5, 6, ...]) = 0");
    ospy_marshal_release(t2);
    ospy_spec_table_free(t2);
  }
  free(b);
  ospy_config_free(c);
  EXPECT(HM(FN("<argument name=\"n\" type=\"Int32\" nullTerminated=\"true\"/>\n"
               "<argument name=\"a\" type=\"ArrayPtr\" elementType=\"Int32\" nullTerminated=\"yes\"/>\n"
               "<argument name=\"b\" type=\"ArrayPtr\" elementType=\"Int32\" nullTerminated=\"false\"/>\n")),
         "t.xml:6:49: error: nullTerminated on argument 'n' of type Int32: only an Array can be\n"
         "t.xml:7:1: error: argument 'a' of type ArrayPtr needs an 'elementCount' (an "
         "expression, or nullTerminated=\"true\" for an array that ends at an all-zero element)\n"
         "t.xml:7:72: error: bad value 'yes' for 'nullTerminated': expected true or false\n"
         "t.xml:8:1: error: argument 'b' of type ArrayPtr needs an 'elementCount' (an "
         "expression, or nullTerminated=\"true\" for an array that ends at an all-zero element)\n");
}

/* sizeof a structure: its fields' extent rounded up to its alignment (the
 * stride of an array of them), or size="N"; i386 aligns 8-byte scalars to 4 */
static const char pad_xml[] = HM(
  "<types>\n"
  "<structure name=\"S6\"><field name=\"a\" offset=\"0\" type=\"Int32\"/>"
  "<field name=\"b\" offset=\"4\" type=\"Int16\"/></structure>\n"
  "<structure name=\"L12\"><field name=\"a\" offset=\"0\" type=\"Int64\"/>"
  "<field name=\"b\" offset=\"8\" type=\"Int32\"/></structure>\n"
  "<structure name=\"Packed\" size=\"6\"><field name=\"a\" offset=\"0\" type=\"Int32\"/>"
  "<field name=\"b\" offset=\"4\" type=\"Int16\"/></structure>\n"
  "<structure name=\"Outer\"><field name=\"s\" offset=\"0\" type=\"S6\"/>"
  "<field name=\"c\" offset=\"8\" type=\"UInt8\"/></structure>\n"
  "</types>\n");

static uint32_t size_of(const ospy_config *c, const char *name)
{
  ospy_spec_typeref r;
  return ospy_spec_type_lookup(c->specs, name, &r) == 0 ? ospy_spec_table_type(c->specs, r.type)->size
                                                         : 0;
}

static void test_struct_size(void)
{
  for (unsigned bits = 64; bits >= 32; bits -= 32) {
    ospy_config *c = load(pad_xml, bits, "", __LINE__);
    if (!c)
      continue;
    CHECK(size_of(c, "S6") == 8);
    CHECK(size_of(c, "L12") == (bits == 64 ? 16u : 12u));
    CHECK(size_of(c, "Packed") == 6);
    CHECK(size_of(c, "Outer") == 12);
    ospy_config_free(c);
  }
  EXPECT(HM("<types><structure name=\"T\" size=\"2\"><field name=\"a\" offset=\"0\" type=\"Int32\"/>"
            "</structure></types>\n"),
         "t.xml:2:34: error: structure size 2 is smaller than its fields (4 bytes)\n");
  /* each names the cause that applies (both were said: "is smaller than its
     fields (4 bytes) or above 1 MiB") */
  EXPECT(HM("<types><structure name=\"T\" size=\"2000000\"><field name=\"a\" offset=\"0\" type=\"Int32\"/>"
            "</structure>\n<structure name=\"U\" size=\"0\"/></types>\n"),
         "t.xml:2:34: error: structure size 2000000 is above 1 MiB, the largest a structure may be\n"
         "t.xml:3:27: error: structure size 0: a size=\"N\" is 1 byte or more (a structure without "
         "fields and without size is empty)\n");
  /* a negative size was taken as none given: the structure was 0 bytes, and
     an array of it showed [] */
  EXPECT(HM("<types><structure name=\"T\" size=\"-1\"><field name=\"a\" offset=\"0\" type=\"Int32\"/>"
            "</structure>\n<structure name=\"U\" size=\"-8\"/></types>\n"),
         "t.xml:2:34: error: structure size -1 is negative: size=\"N\" gives its size in bytes (its "
         "fields take 4)\n"
         "t.xml:3:27: error: structure size -8 is negative: size=\"N\" gives its size in bytes (its "
         "fields take 0)\n");
  /* a bad size="N" said once (it was read again each time the sizes were
     worked out: twice, and counted twice) */
  EXPECT(HM("<types><structure name=\"V\" size=\"abc\"/><structure name=\"W\" size=\"4x\">"
            "<field name=\"a\" offset=\"0\" type=\"S6\"/></structure>\n"
            "<structure name=\"S6\"><field name=\"a\" offset=\"0\" type=\"Int32\"/></structure>"
            "</types>\n"),
         "t.xml:2:34: error: bad value 'abc' for 'size': expected an integer\n"
         "t.xml:2:66: error: bad value '4x' for 'size': expected an integer\n");
  /* an inline ByteArray's fixed size is 1 to 16777215 bytes (a negative one
     was taken as none, and the field shown as ?) */
  EXPECT(HM("<types><structure name=\"S\"><field name=\"a\" offset=\"0\" type=\"Int32\"/>\n"
            "<field name=\"v\" offset=\"4\" type=\"ByteArray\" size=\"-5\"/>\n"
            "<field name=\"w\" offset=\"4\" type=\"ByteArray\" size=\"0\"/>\n"
            "<field name=\"x\" offset=\"4\" type=\"ByteArray\" size=\"16777216\"/>\n"
            "<field name=\"y\" offset=\"4\" type=\"ByteArray\" size=\"16\"/></structure></types>\n"),
         "t.xml:3:51: error: bad size '-5' for field 'v': expected a number of bytes from 1 to "
         "16777215 (a size that varies: <bindTypeProperty propertyName=\"size\" sourceField=...>)\n"
         "t.xml:4:51: error: bad size '0' for field 'w': expected a number of bytes from 1 to "
         "16777215 (a size that varies: <bindTypeProperty propertyName=\"size\" sourceField=...>)\n"
         "t.xml:5:51: error: bad size '16777216' for field 'x': expected a number of bytes from 1 "
         "to 16777215 (a size that varies: <bindTypeProperty propertyName=\"size\" "
         "sourceField=...>)\n");
  /* declarations that cannot describe memory: each one error where it is */
  EXPECT(HM("<types><structure name=\"A\"><field name=\"a\" offset=\"0\" type=\"A\"/></structure>\n"
            "<structure name=\"B\"><field name=\"c\" offset=\"0\" type=\"C\"/></structure>\n"
            "<structure name=\"C\"><field name=\"p\" offset=\"0\" type=\"BPtr\"/>"
            "<field name=\"b\" offset=\"8\" type=\"B\"/></structure>\n"
            "<structure name=\"G\"><field name=\"x\" offset=\"0\" type=\"Int32\"/>"
            "<field name=\"x\" offset=\"4\" type=\"Int32\"/></structure>\n"
            "<enumeration name=\"H\"><member name=\"M\" value=\"1\"/><member name=\"M\" value=\"2\"/>"
            "<member name=\"Z\" value=\"0x1ffffffff\"/></enumeration></types>\n"),
         "t.xml:2:25: error: structure 'A' contains itself by value (field 'a'): a field can hold "
         "it only through a pointer (APtr)\n"
         "t.xml:3:18: error: structure 'B' contains itself by value (field 'c'): a field can hold "
         "it only through a pointer (BPtr)\n"
         "t.xml:5:75: error: duplicate field 'x' in structure 'G'\n"
         "t.xml:6:65: error: duplicate member 'M' in 'H'\n"
         "t.xml:6:103: error: member 'Z': value 8589934591 does not fit the enumeration's 32 bits\n");
  /* a signature with a bad byte: said once, not again where it is used */
  EXPECT(HM("<specs><functions><function name=\"f\"/></functions></specs>\n"
            "<signatures><signature name=\"s\">8B zz</signature></signatures>\n"
            "<hooks><functions><function specId=\"f\" sigId=\"s\"/></functions></hooks>\n"),
         "t.xml:3:36: error: bad byte 'zz' in signature 's'\n");
}

/* ---- elementCount="N" on an Array field: C's `int vals[4]` ---- */

/* A structure holding one declared after it (by value, or as an inline
 * array) is sized once both are known: A was 8 bytes (B's size was 0 when
 * A's field was read), and an array of A stepped by 8. */
static void test_forward_struct_size(void)
{
  static const char xml[] = HM(
    "<types><structure name=\"A\"><field name=\"a\" offset=\"0\" type=\"Int32\"/>"
    "<field name=\"b\" offset=\"8\" type=\"B\"/></structure>\n"
    "<structure name=\"C\"><field name=\"bs\" offset=\"0\" type=\"Array\" elementType=\"B\" "
    "elementCount=\"3\"/></structure>\n"
    "<structure name=\"B\"><field name=\"x\" offset=\"0\" type=\"Int64\"/>"
    "<field name=\"y\" offset=\"8\" type=\"Int64\"/></structure></types>\n");
  for (unsigned bits = 64; bits >= 32; bits -= 32) {
    ospy_config *c = load(xml, bits, "", __LINE__);
    if (c) {
      CHECK(size_of(c, "B") == 16);
      CHECK(size_of(c, "A") == 24); /* b at 8, 16 bytes */
      CHECK(size_of(c, "C") == 48);
    }
    ospy_config_free(c);
  }
  /* holding itself through an inline array is a loop by value too */
  EXPECT(HM("<types><structure name=\"S\"><field name=\"a\" offset=\"0\" type=\"Int32\"/>"
            "<field name=\"v\" offset=\"4\" type=\"Array\" elementType=\"S\" elementCount=\"2\"/>"
            "</structure></types>\n"),
         "t.xml:2:25: error: structure 'S' contains itself by value (field 'v'): a field can hold "
         "it only through a pointer (SPtr)\n");
}

static void test_fixed_array_field(void)
{
  static const char xml[] = HM(
    "<types><structure name=\"R\">\n"
    "<field name=\"id\" offset=\"0\" type=\"Int32\"/>\n"
    "<field name=\"vals\" offset=\"4\" type=\"Array\" elementType=\"Int16\" elementCount=\"5\"/>\n"
    "</structure></types>\n");
  for (unsigned bits = 64; bits >= 32; bits -= 32) {
    ospy_config *c = load(xml, bits, "", __LINE__);
    if (c)
      CHECK(size_of(c, "R") == 16); /* 4 + 5 x 2 bytes, aligned to 4 */
    ospy_config_free(c);
  }
  /* an inline array is aligned as its elements: C's { int v[2]; char c; }
   * is 12 bytes (an array of it steps by 12), { S s[1]; char c; } with S's
   * Int64 16 bytes on x86-64, 12 on i386; it counted as 1 (9, 9) */
  static const char aligned[] = HM(
    "<types><structure name=\"V\">"
    "<field name=\"v\" offset=\"0\" type=\"Array\" elementType=\"Int32\" elementCount=\"2\"/>"
    "<field name=\"c\" offset=\"8\" type=\"Int8\"/></structure>\n"
    "<structure name=\"W\">"
    "<field name=\"s\" offset=\"0\" type=\"Array\" elementType=\"L\" elementCount=\"1\"/>"
    "<field name=\"c\" offset=\"8\" type=\"Int8\"/></structure>\n"
    "<structure name=\"L\"><field name=\"x\" offset=\"0\" type=\"Int64\"/></structure></types>\n");
  for (unsigned bits = 64; bits >= 32; bits -= 32) {
    ospy_config *c = load(aligned, bits, "", __LINE__);
    if (c) {
      CHECK(size_of(c, "V") == 12);
      CHECK(size_of(c, "W") == (bits == 64 ? 16u : 12u));
    }
    ospy_config_free(c);
  }
  EXPECT(HM("<types><structure name=\"R\">\n"
            "<field name=\"a\" offset=\"0\" type=\"Int32\" elementCount=\"2\"/>\n"
            "<field name=\"b\" offset=\"4\" type=\"Array\" elementType=\"Int8\" elementCount=\"0\"/>\n"
            "<field name=\"c\" offset=\"8\" type=\"Array\" elementType=\"Int8\" size=\"2\" elementCount=\"2\"/>\n"
            "<field name=\"n\" offset=\"12\" type=\"Int32\"/>\n"
            "<field name=\"d\" offset=\"16\" type=\"ArrayPtr\" elementType=\"Int8\" elementCount=\"2\">"
            "<bindTypeProperty propertyName=\"elementCount\" sourceField=\"n\"/></field>\n"
            "</structure></types>\n"),
         "t.xml:3:55: error: elementCount applies to a field of type Array or ArrayPtr\n"
         "t.xml:4:74: error: bad elementCount '0': expected an integer from 1 to 1048576 (a count "
         "that varies: <bindTypeProperty propertyName=\"elementCount\" sourceField=...>)\n"
         "t.xml:5:66: error: an Array field counts elements: elementCount, not size\n"
         "t.xml:7:113: error: field 'd' has a fixed elementCount already\n");
  EXPECT(HM("<types><structure name=\"R\">\n"
            "<field name=\"e\" offset=\"0\" type=\"Array\" elementType=\"Int8\"/>\n"
            "</structure></types>\n"),
         "t.xml:3:1: error: Array field 'e' needs its element count: elementCount=\"N\", or "
         "<bindTypeProperty propertyName=\"elementCount\" sourceField=...>\n");
}

/* ---- direction="out" on <field> ---- */

static const char field_dir_xml[] = HM(
  "<types>\n"
  "<enumeration name=\"Ev\" flags=\"true\"><member name=\"IN\" value=\"1\"/>"
  "<member name=\"OUT\" value=\"4\"/></enumeration>\n"
  "<structure name=\"Pfd\">\n"
  "  <field name=\"fd\" offset=\"0\" type=\"Int32\"/>\n"
  "  <field name=\"events\" offset=\"4\" type=\"Ev\" marshalAs=\"UInt16\"/>\n"
  "  <field name=\"revents\" offset=\"6\" type=\"Ev\" marshalAs=\"UInt16\" direction=\"out\"/>\n"
  "</structure>\n"
  "<structure name=\"Got\">\n"
  "  <field name=\"cap\" offset=\"0\" type=\"Int32\" direction=\"in/out\"/>\n"
  "  <field name=\"n\" offset=\"4\" type=\"Int32\" direction=\"out\"/>\n"
  "  <field name=\"items\" offset=\"8\" type=\"ArrayPtr\" elementType=\"Int32\">"
  "<bindTypeProperty propertyName=\"elementCount\" sourceField=\"n\"/></field>\n"
  "</structure>\n"
  "</types>\n"
  FN("<argument name=\"fds\" direction=\"in/out\" type=\"ArrayPtr\" elementType=\"Pfd\" "
     "elementCount=\"arg.nfds\"/>\n"
     "<argument name=\"nfds\" type=\"Size\"/>\n"
     "<argument name=\"g\" direction=\"in/out\" type=\"GotPtr\"/>\n")
  HOOK_F);

struct pfd {
  int32_t fd;
  int16_t events, revents;
};

struct got {
  int32_t cap, n;
  int32_t *items;
};

static int32_t got_items[2] = { 10, 20 };

static void fill_polls(void *data)
{
  void **a = data;
  struct pfd *p = a[0];
  struct got *g = a[1];
  p[0].revents = 1;
  p[1].revents = 4;
  g->n = 2;
  g->items = got_items;
}

/* Whether the fields of structure `name` are out_only as `want` says
   ('o' out, '-' not), one character per field. */
static int out_fields(const ospy_spec_table *t, const char *name, const char *want)
{
  ospy_spec_typeref r;
  if (ospy_spec_type_lookup(t, name, &r) < 0 || t->types[r.type].nfields != strlen(want))
    return 0;
  for (uint32_t i = 0; i < t->types[r.type].nfields; i++)
    if (t->types[r.type].fields[i].out_only != (want[i] == 'o'))
      return 0;
  return 1;
}

/* A field the call fills (poll's revents) holds garbage when it enters: it
   was shown then, `revents=IN|OUT|0x5a22`. direction="out" reads it at the
   return only; a field counted by it (items, by n) too; "in/out" is what a
   field is without it. The spec table keeps it (codec version 6). */
static void test_field_direction(void)
{
  ospy_config *c = load(field_dir_xml, sizeof(void *) * 8, "", __LINE__);
  if (!c)
    return;
  CHECK(out_fields(c->specs, "Pfd", "--o"));
  CHECK(out_fields(c->specs, "Got", "-oo"));
  size_t n = ospy_spec_table_encode(c->specs, NULL, 0);
  uint8_t *b = malloc(n);
  ospy_spec_table_encode(c->specs, b, n);
  ospy_spec_table *t2 = NULL;
  char err[200];
  CHECK(ospy_spec_table_decode(b, n, &t2, err, sizeof err) == 0);
  if (t2) {
    CHECK(out_fields(t2, "Pfd", "--o") && out_fields(t2, "Got", "-oo"));
    tt_prepare(t2);
    static char text[4096];
    struct pfd p[2] = { { 3, 1, 0x5a28 }, { 4, 4, -1 } };
    struct got g = { 8, 0x7fffffff, (int32_t *)(uintptr_t)0x10 };
    void *data[2] = { p, &g };
    tt_call k;
    tt_call_init(&k);
    tt_int(&k, P(p), sizeof(void *));
    tt_int(&k, 2, sizeof(void *));
    tt_int(&k, P(&g), sizeof(void *));
    tt_done(&k, 0);
    tt_run(t2, 0, &k, 2, fill_polls, data, 65536, text, sizeof text);
    CHECK_STR(text, "(fds=[{fd=3, events=IN}, {fd=4, events=OUT}] => [{fd=3, events=IN, "
                    "revents=IN}, {fd=4, events=OUT, revents=OUT}], nfds=2, g={cap=8} => "
                    "{cap=8, n=2, items=[10, 20]}) = 2");
    ospy_marshal_release(t2);
    ospy_spec_table_free(t2);
  }
  /* a flags byte no version knows is refused, not read as no flags */
  uint8_t *last_flags = NULL;
  for (size_t i = 0; i + 1 < n; i++) /* (Got's items: the last field written) */
    if (!memcmp(b + i, "items", 5))
      last_flags = b + i + 5 + 4 + 17 + 12;
  CHECK(last_flags && *last_flags == 1);
  if (last_flags) {
    *last_flags = 3;
    CHECK(ospy_spec_table_decode(b, n, &t2, err, sizeof err) < 0);
    CHECK(strstr(err, "unknown structure field flags") != NULL);
  }
  free(b);
  ospy_config_free(c);
  EXPECT(HM("<types><structure name=\"S\">\n"
            "<field name=\"a\" offset=\"0\" type=\"Int32\" direction=\"in\"/>\n"
            "<field name=\"b\" offset=\"4\" type=\"Int32\" direction=\"Out\"/>\n"
            "<field name=\"c\" offset=\"8\" type=\"Int32\" direction=\"\"/>\n"
            "</structure></types>\n"),
         "t.xml:3:52: error: bad direction 'in' for field 'a': expected out (the call fills it: "
         "read when it returns only) or in/out (the default: read when it enters and when it "
         "returns)\n"
         "t.xml:4:52: error: bad direction 'Out' for field 'b': expected out (the call fills it: "
         "read when it returns only) or in/out (the default: read when it enters and when it "
         "returns)\n"
         "t.xml:5:52: error: bad direction '' for field 'c': expected out (the call fills it: "
         "read when it returns only) or in/out (the default: read when it enters and when it "
         "returns)\n");
}

/* ---- FooPtrPtr: C's `char **endptr`, an ArrayPtr of one FooPtr ---- */

static void test_double_pointer(void)
{
  static const char xml[] = HM(
    "<types><structure name=\"R\"><field name=\"pp\" offset=\"0\" type=\"Int32PtrPtr\"/>"
    "</structure></types>\n"
    FN("<argument name=\"end\" direction=\"out\" type=\"AsciiStringPtrPtr\"/>\n"
       "<argument name=\"r\" type=\"RPtr\"/>\n") HOOK_F);
  for (unsigned bits = 64; bits >= 32; bits -= 32) {
    ospy_config *c = load(xml, bits, "", __LINE__);
    if (!c)
      continue;
    CHECK(strstr(printed(c), "arg 0 end: out ArrayPtr of AsciiStringPtr elementCount=\"1\"") != NULL);
    CHECK(size_of(c, "R") == bits / 8);
    ospy_config_free(c);
  }
  /* a count of its own, from another field */
  EXPECT(HM("<types><structure name=\"R\"><field name=\"n\" offset=\"0\" type=\"Int32\"/>"
            "<field name=\"names\" offset=\"8\" type=\"AsciiStringPtrPtr\">"
            "<bindTypeProperty propertyName=\"elementCount\" sourceField=\"n\"/></field>"
            "</structure></types>\n"),
         "");
  EXPECT(HM("<specs><functions>\n<function name=\"f\">\n"
            "<returnValue type=\"AsciiStringPtrPtr\"/></function></functions></specs>\n"),
         "t.xml:4:20: error: a return value cannot be 'AsciiStringPtrPtr' (a pointer to pointers: "
         "for arguments and fields): return it as Pointer\n");
  /* a buffer or an array as a return value: nothing gives its length */
  EXPECT(HM("<specs><functions>\n<function name=\"f\">\n"
            "<returnValue type=\"ByteArray\"/></function>\n<function name=\"g\">\n"
            "<returnValue type=\"ArrayPtr\"/></function></functions></specs>\n"),
         "t.xml:4:20: error: a return value cannot be 'ByteArray': nothing says how long it is "
         "(return it as Pointer, or describe the memory as an out argument with a size)\n"
         "t.xml:6:20: error: a return value cannot be 'ArrayPtr': nothing says how long it is "
         "(return it as Pointer, or describe the memory as an out argument with a size)\n");
  EXPECT(HM(FN("<argument name=\"a\" type=\"NopePtrPtr\"/>\n"
               "<argument name=\"b\" type=\"Int32PtrPtrPtr\"/>\n") HOOK_F),
         "t.xml:6:26: error: unknown type 'NopePtrPtr'\n"
         "t.xml:7:26: error: unknown type 'Int32PtrPtrPtr'\n");
}

/* ---- errorValue="N" on <returnValue> ---- */

static const char error_value_xml[] = HM(
  "<specs><functions>\n"
  "<function name=\"map\"><returnValue type=\"Pointer\" hex=\"true\" errorValue=\"-1\"/></function>\n"
  "<function name=\"plain\"><returnValue type=\"Pointer\"/></function>\n"
  "</functions></specs>\n"
  "<hooks><module name=\"libc.so.6\"><function specId=\"map\"/><function specId=\"plain\"/>"
  "</module></hooks>\n");

static void test_error_value(void)
{
  ospy_config *c = load(error_value_xml, 64, "", __LINE__);
  if (!c)
    return;
  ospy_spec_table *t = c->specs;
  CHECK(t->fns[0].has_error_value && t->fns[0].error_value == -1);
  CHECK(!t->fns[1].has_error_value);
  CHECK(strstr(printed(c), "spec map: default, returns Pointer hex (-1 is the error)\n") != NULL);
  /* the spec table keeps it (codec version 3), for the readers */
  size_t n = ospy_spec_table_encode(t, NULL, 0);
  uint8_t *b = malloc(n);
  ospy_spec_table_encode(t, b, n);
  ospy_spec_table *t2 = NULL;
  char err[200];
  CHECK(ospy_spec_table_decode(b, n, &t2, err, sizeof err) == 0);
  if (t2) {
    CHECK(t2->fns[0].has_error_value && t2->fns[0].error_value == -1);
    CHECK(!t2->fns[1].has_error_value && t2->fns[1].ret.type == OSPY_BT_POINTER);
    ospy_spec_table_free(t2);
  }
  /* a version-2 table (written before errorValue) still reads */
  ospy_config_free(c);
  c = load(HM("<specs><functions><function name=\"p\"><returnValue type=\"Pointer\"/></function>"
              "</functions></specs>\n"), 64, "", __LINE__);
  if (c) {
    n = ospy_spec_table_encode(c->specs, b, n);
    b[8] = 2;
    CHECK(ospy_spec_table_decode(b, n, &t2, err, sizeof err) == 0);
    if (t2)
      ospy_spec_table_free(t2);
  }
  free(b);
  ospy_config_free(c);
  EXPECT(HM("<specs><functions>\n"
            "<function name=\"a\"><returnValue type=\"Pointer\" errorValue=\"MAP_FAILED\"/></function>\n"
            "<function name=\"b\"><returnValue type=\"Double\" errorValue=\"-1\"/></function>\n"
            "<function name=\"c\"><returnValue type=\"AsciiString\" errorValue=\"0\"/></function>\n"
            "<function name=\"d\"><returnValue type=\"Pointer\" nullIsError=\"false\" errorValue=\"-1\"/></function>\n"
            "</functions></specs>\n"),
         "t.xml:3:60: error: bad value 'MAP_FAILED' for 'errorValue': expected an integer\n"
         "t.xml:4:59: error: errorValue needs an integer, enumeration or pointer return type, not Double\n"
         "t.xml:5:64: error: errorValue needs an integer, enumeration or pointer return type, not AsciiString\n"
         "t.xml:6:48: error: nullIsError and errorValue exclude each other: with errorValue, that value alone is a failure\n");
}

/* ---- errorCondition="EXPR" on <returnValue> ---- */

static const char error_cond_xml[] = HM(
  "<specs><functions>\n"
  "<function name=\"re\"><returnValue type=\"Pointer\" hex=\"true\" "
  "errorCondition=\"retval == 0 &amp;&amp; arg.size != 0\"/>\n"
  "<arguments><argument name=\"ptr\" type=\"Pointer\" hex=\"true\"/>"
  "<argument name=\"size\" type=\"Size\"/></arguments></function>\n"
  "</functions></specs>\n"
  "<hooks><module name=\"libc.so.6\"><function specId=\"re\"/></module></hooks>\n");

/* Whether the agent finds re(ptr, size) = ret failed: entered, arguments
   clobbered (the callee may), returned. */
static int re_failed(const ospy_spec_table *t, uint64_t size, uint64_t ret)
{
  static uint8_t in[4096];
  const ospy_spec_fn *f = ospy_spec_table_fn(t, 0);
  tt_call k;
  tt_call_init(&k);
  tt_int(&k, 0x1000, sizeof(void *));
  tt_int(&k, size, sizeof(void *));
  tt_done(&k, 0);
  ospy_marshal_enter(f, &k.c, in, sizeof in, 65536);
  memset(k.args, 0xcc, sizeof k.args);
  tt_set_return(&k, ret);
  return ospy_marshal_failed(f, &k.c);
}

static void test_error_condition(void)
{
  ospy_config *c = load(error_cond_xml, 64, "", __LINE__);
  if (!c)
    return;
  CHECK(strstr(printed(c), "spec re: default, returns Pointer hex "
                           "(failed when retval == 0 && arg.size != 0)\n") != NULL);
  /* the spec table keeps it (codec version 4), for the readers */
  size_t n = ospy_spec_table_encode(c->specs, NULL, 0);
  uint8_t *b = malloc(n);
  ospy_spec_table_encode(c->specs, b, n);
  ospy_spec_table *t2 = NULL;
  char err[200];
  CHECK(ospy_spec_table_decode(b, n, &t2, err, sizeof err) == 0);
  if (t2) {
    CHECK(t2->fns[0].error_cond.src && !strcmp(t2->fns[0].error_cond.src, "retval == 0 && arg.size != 0"));
    CHECK(t2->fns[0].nargs == 2 && !strcmp(t2->fns[0].args[1].name, "size"));
    ospy_spec_table_free(t2);
  }
  free(b);
  ospy_config_free(c);
  /* evaluated by the agent when the call returns, with the arguments it
     entered with: realloc(p, 0)'s NULL is no failure */
  c = load(error_cond_xml, sizeof(void *) * 8, "", __LINE__);
  if (c) {
    tt_prepare(c->specs);
    CHECK(re_failed(c->specs, 100, 0) == 1);
    CHECK(re_failed(c->specs, 0, 0) == 0);
    CHECK(re_failed(c->specs, 100, 0x5000) == 0);
    ospy_marshal_release(c->specs);
    ospy_config_free(c);
  }
  EXPECT(HM("<specs><functions>\n"
            "<function name=\"a\"><returnValue type=\"Pointer\" errorValue=\"-1\" errorCondition=\"retval == 1\"/></function>\n"
            "<function name=\"b\"><returnValue type=\"Pointer\" nullIsError=\"false\" errorCondition=\"retval == 1\"/></function>\n"
            "<function name=\"c\"><returnValue type=\"Pointer\" errorCondition=\"arg.nope == 0\"/></function>\n"
            "<function name=\"d\"><returnValue type=\"Pointer\" errorCondition=\"\"/></function>\n"
            "</functions></specs>\n"),
         "t.xml:3:48: error: errorValue and errorCondition exclude each other: with errorCondition, "
         "the calls for which it holds alone are failures\n"
         "t.xml:4:48: error: nullIsError and errorCondition exclude each other: with errorCondition, "
         "the calls for which it holds alone are failures\n"
         "t.xml:5:68: error: bad expression 'arg.nope == 0' in errorCondition: unknown argument 'nope'\n"
         "t.xml:6:64: error: empty errorCondition\n");
}

/* ---- marshalAs="INTEGER TYPE" on <argument> and <returnValue> ---- */

static const char marshal_as_xml[] = HM(
  "<types><enumeration name=\"Handler\"><member name=\"DFL\" value=\"0\"/>"
  "<member name=\"IGN\" value=\"1\"/><member name=\"ERR\" value=\"-1\"/></enumeration></types>\n"
  "<specs><functions>\n"
  "<function name=\"sig\"><returnValue type=\"Handler\" marshalAs=\"Size\" hex=\"true\"/>\n"
  "<arguments><argument name=\"h\" type=\"Handler\" marshalAs=\"Size\" hex=\"true\"/>"
  "<argument name=\"narrow\" type=\"Handler\" hex=\"true\"/></arguments></function>\n"
  "</functions></specs>\n"
  "<hooks><module name=\"libc.so.6\"><function specId=\"sig\"/></module></hooks>\n");

static void test_marshal_as(void)
{
  ospy_config *c = load(marshal_as_xml, 64, "", __LINE__);
  if (!c)
    return;
  CHECK(strstr(printed(c), "spec sig: default, returns Handler as Size hex\n") != NULL);
  CHECK(strstr(printed(c), "arg 0 h: in Handler as Size hex\n") != NULL);
  ospy_spec_table *t = c->specs;
  tt_prepare(t);
  static char text[4096];
  /* a wide enumeration: every bit kept (an address whose low half is 1 is
     no IGN), a member by its whole value; a 4-byte one as before */
  tt_call k;
  tt_call_init(&k);
  tt_int(&k, sizeof(void *) == 8 ? 0x5600000001ull : 1, sizeof(void *));
  tt_int(&k, 1, 4);
  tt_done(&k, 0);
  tt_run(t, 0, &k, (uint64_t)-1, NULL, NULL, 65536, text, sizeof text);
  CHECK_STR(text, sizeof(void *) == 8 ? "(h=0x5600000001, narrow=IGN) = ERR" : "(h=IGN, narrow=IGN) = ERR");
  ospy_marshal_release(t);
  ospy_config_free(c);
  EXPECT(HM("<specs><functions><function name=\"f\"><returnValue type=\"Int32\" marshalAs=\"Pointer\"/>\n"
            "<arguments><argument name=\"a\" type=\"Int32\" marshalAs=\"Nope\"/></arguments>"
            "</function></functions></specs>\n"),
         "t.xml:2:75: error: marshalAs type 'Pointer' is not an integer type\n"
         "t.xml:3:55: error: unknown type 'Nope'\n");
}

/* marshalAs on a plain integer (docs/config.md, "Types"): an Int32 read as an
 * Int8 is its low byte, sign-extended, in a register, through a pointer, in
 * a structure and as a return value alike (an int that holds a char). */
static const char marshal_as_int_xml[] = HM(
  "<types><structure name=\"S\"><field name=\"b\" offset=\"0\" type=\"Int32\" "
  "marshalAs=\"UInt8\"/><field name=\"w\" offset=\"4\" type=\"Int32\"/></structure></types>\n"
  "<specs><functions>\n"
  "<function name=\"f\"><returnValue type=\"Int32\" marshalAs=\"Int16\"/>\n"
  "<arguments><argument name=\"c\" type=\"Int32\" marshalAs=\"Int8\"/>"
  "<argument name=\"u\" type=\"UInt32\" marshalAs=\"UInt16\"/>"
  "<argument name=\"p\" type=\"Int32Ptr\" marshalAs=\"Int8\"/>"
  "<argument name=\"s\" type=\"SPtr\"/></arguments></function>\n"
  "</functions></specs>\n"
  "<hooks><module name=\"m\"><function specId=\"f\"/></module></hooks>\n");

static void test_marshal_as_integers(void)
{
  ospy_config *c = load(marshal_as_int_xml, 64, "", __LINE__);
  if (!c)
    return;
  CHECK(strstr(printed(c), "arg 0 c: in Int32 as Int8\n") != NULL);
  tt_prepare(c->specs);
  static char text[4096];
  static const char want[] = "(c=-128, u=22136, p=[-1], s={b=255, w=7}) = -1";
  int32_t pointee = 0x1ff; /* its first byte, 0xff, is the Int8's -1 */
  int32_t st[2] = { 0x7ff, 7 };
  tt_call k;
  tt_call_init(&k);
  tt_int(&k, 0x1ff80, 4);
  tt_int(&k, 0x12345678, 4);
  tt_int(&k, (uint64_t)(uintptr_t)&pointee, sizeof(void *));
  tt_int(&k, (uint64_t)(uintptr_t)st, sizeof(void *));
  tt_done(&k, 0);
  tt_run(c->specs, 0, &k, 0x1ffff, NULL, NULL, 65536, text, sizeof text);
  printf("expect (an Int32 read as an Int8, a UInt32 as a UInt16...):\n  f%s\n", want);
  CHECK_STR(text, want);
  ospy_marshal_release(c->specs);
  ospy_config_free(c);
}

/* ---- size="1|2|4" on a Boolean (oSpy's Boolean::SetProperty) ---- */

static void test_boolean_size(void)
{
  const char *xml = HM(
    "<types><structure name=\"S\">\n"
    "<field name=\"ok\" offset=\"0\" type=\"Boolean\"/>\n"
    "<field name=\"w\" offset=\"2\" type=\"Boolean\" size=\"2\"/>\n"
    "</structure></types>\n"
    "<specs><functions>\n<function name=\"f\">\n<returnValue type=\"MSBool\" size=\"1\"/>\n"
    "<arguments>\n"
    "<argument name=\"b\" type=\"Boolean\"/>\n"
    "<argument name=\"b1\" type=\"Boolean\" size=\"1\"/>\n"
    "<argument name=\"b4\" type=\"BooleanPtr\" size=\"4\"/>\n"
    "<argument name=\"s\" type=\"SPtr\"/>\n"
    "</arguments>\n</function>\n</functions></specs>\n" HOOK_F);
  ospy_config *c = load(xml, 64, "", __LINE__);
  if (!c)
    return;
  /* the width, not an expression that nothing reads (it printed size="1") */
  CHECK(strstr(printed(c), "spec f: default, returns MSBool size=1\n"
                           "      arg 0 b: in Boolean\n"
                           "      arg 1 b1: in Boolean size=1\n"
                           "      arg 2 b4: in BooleanPtr size=4\n") != NULL);
  ospy_spec_table *t = c->specs;
  const ospy_spec_fn *fn = ospy_spec_table_fn(t, ospy_spec_fn_lookup(t, "f"));
  CHECK(fn && !fn->args[1].size_in.src && ospy_spec_scalar_width(t, &fn->args[0].t) == 1 &&
        ospy_spec_scalar_width(t, &fn->ret) == 1);
  ospy_spec_typeref r;
  CHECK(ospy_spec_type_lookup(t, "S", &r) == 0);
  const ospy_spec_type *st = ospy_spec_table_type(t, r.type);
  CHECK(st->size == 4 && st->fields[1].size == 0 &&
        ospy_spec_scalar_width(t, &st->fields[0].t) == 1 &&
        ospy_spec_scalar_width(t, &st->fields[1].t) == 2);
  /* marshaled from XML: a C bool false followed by 01 01 01 is false; the
     two bytes at 2 (01 01) true */
  tt_prepare(t);
  static const uint8_t bytes[4] = { 0, 1, 1, 1 };
  uint32_t four = 0x100;
  static char text[4096];
  tt_call k;
  tt_call_init(&k);
  tt_int(&k, 0x100, 4);
  tt_int(&k, 1, 4);
  tt_int(&k, P(&four), sizeof(void *));
  tt_int(&k, P(bytes), sizeof(void *));
  tt_done(&k, 0);
  tt_run(t, 0, &k, 0x100, NULL, NULL, 65536, text, sizeof text);
  CHECK_STR(text, "(b=false, b1=true, b4=[true], s={ok=false, w=true}) = FALSE");
  ospy_marshal_release(t);
  ospy_config_free(c);
  /* any other size is an error; size on a type it means nothing to is said
     (oSpy warned that it failed to set the property); a string's bounds it */
  EXPECT(HM("<types><structure name=\"S\">\n"
            "<field name=\"ok\" offset=\"0\" type=\"CPPBool\" size=\"3\"/>\n"
            "<field name=\"n\" offset=\"4\" type=\"UInt32\" size=\"4\"/>\n"
            "</structure></types>\n"
            FN("<argument name=\"b\" type=\"Boolean\" size=\"arg.n\"/>\n"
               "<argument name=\"m\" type=\"Boolean\" size=\"2\" marshalAs=\"UInt16\"/>\n"
               "<argument name=\"n\" type=\"Int32\" size=\"4\"/>\n"
               "<argument name=\"s\" type=\"AsciiStringPtr\" size=\"arg.n\"/>\n")),
         "t.xml:3:50: error: bad size '3' for a CPPBool: expected 1, 2 or 4 (the bytes it is "
         "read as)\n"
         "t.xml:4:42: warning: size on field 'n' of type UInt32 is not used: it gives the bytes "
         "of a ByteArray (or bounds a SockAddr or a string), and the width of a Boolean, CPPBool "
         "or MSBool\n"
         "t.xml:10:41: error: bad size 'arg.n' for a Boolean: expected 1, 2 or 4 (the bytes it "
         "is read as)\n"
         "t.xml:11:44: error: size and marshalAs exclude each other: size gives a Boolean its "
         "width\n"
         "t.xml:12:33: warning: size on argument 'n' of type Int32 is not used: it gives the "
         "bytes of a ByteArray (or bounds a SockAddr or a string), and the width of a Boolean, "
         "CPPBool or MSBool\n");
  EXPECT(HM("<specs><functions><function name=\"f\"><returnValue type=\"Int32\" size=\"4\"/>"
            "</function></functions></specs>\n"),
         "t.xml:2:64: error: size on a <returnValue> of type Int32: a return value has a size "
         "only as the width of a Boolean, CPPBool or MSBool (1, 2 or 4)\n");
}

/* ---- argsSize="N" without <arguments>: raw words (oSpy's arg1..argN) ---- */

static void expect_loads_saying(const char *xml, unsigned arch_bits, const char *want, int line);

static const char args_size_xml[] = HM(
  "<specs><functions>\n"
  "<function name=\"f\" argsSize=\"12\"><returnValue type=\"Int32\"/>"
  "<logCondition>arg.arg0 != 7</logCondition></function>\n"
  "<function name=\"g\" argsSize=\"8\"><arguments/></function>\n"
  "<function name=\"h\" argsSize=\"8\"><arguments><argument name=\"n\" type=\"Int32\"/>"
  "</arguments></function>\n"
  "</functions><vtables><vtable id=\"V\" methodCount=\"2\">\n"
  "<method index=\"0\" name=\"Init\" argsSize=\"4\" logNested=\"true\"/>\n"
  "<method index=\"1\" name=\"Shutdown\" argsSize=\"0\"/>\n"
  "</vtable></vtables></specs>\n"
  "<hooks><module name=\"libc.so.6\"><function specId=\"f\"/></module>"
  "<vtables><vtable specId=\"V\" name=\"Impl\" vtableSymbol=\"_ZTV4Impl\"/></vtables></hooks>\n");

static void test_args_size(void)
{
  for (unsigned bits = 64; bits >= 32; bits -= 32) {
    ospy_config *c = load(args_size_xml, bits, "", __LINE__);
    if (!c)
      continue;
    ospy_spec_table *t = c->specs;
    const ospy_spec_fn *f = ospy_spec_table_fn(t, ospy_spec_fn_lookup(t, "f"));
    const ospy_spec_fn *g = ospy_spec_table_fn(t, ospy_spec_fn_lookup(t, "g"));
    const ospy_spec_fn *h = ospy_spec_table_fn(t, ospy_spec_fn_lookup(t, "h"));
    const ospy_spec_fn *init = ospy_spec_table_fn(t, ospy_spec_fn_lookup(t, "V::Init"));
    const ospy_spec_fn *shut = ospy_spec_table_fn(t, ospy_spec_fn_lookup(t, "V::Shutdown"));
    /* 12 bytes: three i386 words, two of x86-64 (one partly) */
    CHECK(f && f->nargs == (bits == 64 ? 2u : 3u) && f->args_size == 12);
    for (uint32_t i = 0; f && i < f->nargs; i++) {
      char name[16];
      snprintf(name, sizeof name, "arg%u", i);
      CHECK_STR(f->args[i].name, name);
      CHECK(f->args[i].dir == OSPY_DIR_IN && f->args[i].t.raw_word && !f->args[i].t.ptr &&
            f->args[i].t.type == (bits == 64 ? OSPY_BT_UINT64 : OSPY_BT_UINT32));
    }
    /* <arguments>, even empty, say what the arguments are */
    CHECK(g && g->nargs == 0 && h && h->nargs == 1 && !h->args[0].t.raw_word);
    CHECK(init && init->nargs == 1 && init->is_method && shut && shut->nargs == 0);
    const char *want64 = "    spec f: default, returns Int32\n"
                         "      argsSize 12\n"
                         "      arg 0 arg0: in UInt64 raw word\n"
                         "      arg 1 arg1: in UInt64 raw word\n"
                         "      logCondition: arg.arg0 != 7 (decided at entry)\n";
    const char *want32 = "    spec f: default, returns Int32\n"
                         "      argsSize 12\n"
                         "      arg 0 arg0: in UInt32 raw word\n"
                         "      arg 1 arg1: in UInt32 raw word\n"
                         "      arg 2 arg2: in UInt32 raw word\n"
                         "      logCondition: arg.arg0 != 7 (decided at entry)\n";
    CHECK(strstr(printed(c), bits == 64 ? want64 : want32) != NULL);
    /* the spec table keeps them raw (the readers show and export them so) */
    size_t n = ospy_spec_table_encode(t, NULL, 0);
    uint8_t *b = malloc(n);
    ospy_spec_table_encode(t, b, n);
    ospy_spec_table *t2 = NULL;
    char err[200];
    CHECK(ospy_spec_table_decode(b, n, &t2, err, sizeof err) == 0);
    const ospy_spec_fn *f2 = t2 ? ospy_spec_table_fn(t2, ospy_spec_fn_lookup(t2, "f")) : NULL;
    CHECK(f2 && f2->nargs == f->nargs && f2->args[0].t.raw_word && !f2->ret.raw_word);
    if (t2 && bits == 64) {
      /* marshaled as the agent does: the argument words, shown in hex */
      tt_prepare(t2);
      static char text[4096];
      tt_call k;
      tt_call_init(&k);
      tt_int(&k, 41, 8);
      tt_int(&k, 0, 8);
      tt_done(&k, 0);
      tt_run(t2, ospy_spec_fn_lookup(t2, "f"), &k, 3, NULL, NULL, 65536, text, sizeof text);
      CHECK_STR(text, "(arg0=0x29, arg1=0) = 3");
      ospy_marshal_release(t2);
    }
    ospy_spec_table_free(t2);
    free(b);
    ospy_config_free(c);
  }
  /* more words than a function's 32 arguments: the first 32, said */
  const char *big = HM("<specs><functions><function name=\"f\" argsSize=\"4096\"/>"
                       "</functions></specs>\n");
  expect_loads_saying(big, 64, "t.xml:2:48: warning: argsSize 4096 is 512 words of 8 bytes: "
                      "the first 32 are recorded\n", __LINE__);
  expect_loads_saying(big, 32, "t.xml:2:48: warning: argsSize 4096 is 1024 words of 4 bytes: "
                      "the first 32 are recorded\n", __LINE__);
}

/* ---- setsErrno on <returnValue> ---- */

static void test_sets_errno(void)
{
  ospy_config *c = load(HM("<specs><functions>\n"
                           "<function name=\"lib\"><returnValue type=\"Int32\" setsErrno=\"false\"/></function>\n"
                           "<function name=\"on\"><returnValue type=\"Int32\" setsErrno=\"true\"/></function>\n"
                           "<function name=\"plain\"><returnValue type=\"Int32\"/></function>\n"
                           "</functions></specs>\n"
                           "<hooks><module name=\"libc.so.6\"><function specId=\"lib\"/></module></hooks>\n"),
                        64, "", __LINE__);
  if (!c)
    return;
  ospy_spec_table *t = c->specs;
  CHECK(t->fns[0].errno_rule == OSPY_ERRNO_NOT_SET && t->fns[1].errno_rule == OSPY_ERRNO_SET &&
        t->fns[2].errno_rule == OSPY_ERRNO_BY_TYPE);
  CHECK(strstr(printed(c), "spec lib: default, returns Int32 (does not set errno)\n") != NULL);
  size_t n = ospy_spec_table_encode(t, NULL, 0);
  uint8_t *b = malloc(n);
  ospy_spec_table_encode(t, b, n);
  ospy_spec_table *t2 = NULL;
  char err[200];
  CHECK(ospy_spec_table_decode(b, n, &t2, err, sizeof err) == 0);
  if (t2) {
    CHECK(t2->fns[0].errno_rule == OSPY_ERRNO_NOT_SET && t2->fns[1].errno_rule == OSPY_ERRNO_SET &&
          t2->fns[2].errno_rule == OSPY_ERRNO_BY_TYPE);
    ospy_spec_table_free(t2);
  }
  free(b);
  ospy_config_free(c);
  EXPECT(HM("<specs><functions><function name=\"f\"><returnValue type=\"Int32\" setsErrno=\"no\"/>"
            "</function></functions></specs>\n"),
         "t.xml:2:75: error: bad value 'no' for 'setsErrno': expected true or false\n");
}

/* ---- octal="true": modes ---- */

static const char octal_xml[] = HM(
  "<types><enumeration name=\"Mode\" flags=\"true\"><member name=\"S_IFDIR\" value=\"0x4000\"/>"
  "<member name=\"S_ISVTX\" value=\"0x200\"/></enumeration></types>\n"
  "<specs><functions>\n"
  "<function name=\"mk\"><returnValue type=\"Int32\"/>\n"
  "<arguments><argument name=\"mode\" type=\"UInt32\" octal=\"true\"/>"
  "<argument name=\"st\" type=\"Mode\" octal=\"true\"/><argument name=\"none\" type=\"UInt32\" octal=\"true\"/>"
  "<argument name=\"dirfd\" type=\"FileDescriptor\"/></arguments></function>\n"
  "</functions></specs>\n"
  "<hooks><module name=\"libc.so.6\"><function specId=\"mk\"/></module></hooks>\n");

static void test_octal(void)
{
  ospy_config *c = load(octal_xml, 64, "", __LINE__);
  if (!c)
    return;
  CHECK(strstr(printed(c), "arg 1 st: in Mode octal\n") != NULL);
  size_t n = ospy_spec_table_encode(c->specs, NULL, 0);
  uint8_t *b = malloc(n);
  ospy_spec_table_encode(c->specs, b, n);
  ospy_spec_table *t2 = NULL;
  char err[200];
  CHECK(ospy_spec_table_decode(b, n, &t2, err, sizeof err) == 0);
  if (t2) {
    CHECK(t2->fns[0].args[0].t.octal && !t2->fns[0].args[0].t.hex);
    tt_prepare(t2);
    static char text[4096];
    tt_call k;
    tt_call_init(&k);
    tt_int(&k, 0644, 4);
    tt_int(&k, 041777, 4);
    tt_int(&k, 0, 4);
    tt_int(&k, (uint32_t)-100, 4);
    tt_done(&k, 0);
    tt_run(t2, 0, &k, 0, NULL, NULL, 65536, text, sizeof text);
    CHECK_STR(text, "(mode=0644, st=S_IFDIR|S_ISVTX|0777, none=0, dirfd=AT_FDCWD) = 0");
    ospy_marshal_release(t2);
    ospy_spec_table_free(t2);
  }
  free(b);
  ospy_config_free(c);
  EXPECT(HM("<specs><functions><function name=\"f\"><returnValue type=\"Int32\" hex=\"true\" octal=\"true\"/>"
            "</function></functions></specs>\n"),
         "t.xml:2:75: error: hex and octal exclude each other\n");
}

/* ---- mask="M" on a flags type's <member> ---- */

/* open's flags as files.xml has them: the access mode is a value under
   O_ACCMODE (0x3), of which one member is named, 0 (O_RDONLY) included;
   the file type of a mode one under S_IFMT (octal, 0170000). */
static const char mask_xml[] = HM(
  "<types>\n"
  "<flags name=\"OpenFlags\">\n"
  "  <member name=\"O_TMPFILE\" value=\"0x410000\"/>\n"
  "  <member name=\"O_RDONLY\" value=\"0\" mask=\"0x3\"/>\n"
  "  <member name=\"O_WRONLY\" value=\"1\" mask=\"0x3\"/>\n"
  "  <member name=\"O_RDWR\" value=\"2\" mask=\"0x3\"/>\n"
  "  <member name=\"O_CREAT\" value=\"0x40\"/><member name=\"O_TRUNC\" value=\"0x200\"/>\n"
  "  <member name=\"O_DIRECTORY\" value=\"0x10000\"/><member name=\"O_CLOEXEC\" value=\"0x80000\"/>\n"
  "</flags>\n"
  "<enumeration name=\"Mode\" flags=\"true\">\n"
  "  <member name=\"S_IFREG\" value=\"0100000\" mask=\"0170000\"/>\n"
  "  <member name=\"S_IFDIR\" value=\"040000\" mask=\"0170000\"/>\n"
  "  <member name=\"S_ISVTX\" value=\"01000\"/>\n"
  "</enumeration>\n"
  "</types>\n"
  FN("<argument name=\"f1\" type=\"OpenFlags\"/><argument name=\"f2\" type=\"OpenFlags\"/>\n"
     "<argument name=\"f3\" type=\"OpenFlags\"/><argument name=\"f4\" type=\"OpenFlags\"/>\n"
     "<argument name=\"f5\" type=\"OpenFlags\"/><argument name=\"f6\" type=\"OpenFlags\"/>\n"
     "<argument name=\"f7\" type=\"OpenFlags\"/><argument name=\"m\" type=\"Mode\" octal=\"true\"/>\n")
  HOOK_F);

/* The flags of mask_xml's f1..f7 and m as the table t shows them. */
static const char *mask_text(const ospy_spec_table *t, const uint32_t f[7], uint32_t mode)
{
  static char text[4096];
  tt_call k;
  tt_call_init(&k);
  for (int i = 0; i < 7; i++)
    tt_int(&k, f[i], 4);
  tt_int(&k, mode, 4);
  tt_done(&k, 0);
  tt_run(t, 0, &k, 0, NULL, NULL, 65536, text, sizeof text);
  return text;
}

static void test_member_mask(void)
{
  ospy_config *c = load(mask_xml, 64, "", __LINE__);
  if (!c)
    return;
  ospy_spec_typeref r;
  CHECK(ospy_spec_type_lookup(c->specs, "OpenFlags", &r) == 0);
  const ospy_spec_type *ty = &c->specs->types[r.type];
  CHECK(ty->nmembers == 8 && ty->members[0].mask == 0 && ty->members[1].mask == 3 &&
        ty->members[1].value == 0 && ty->members[3].mask == 3 && ty->members[3].value == 2);
  /* through the spec table's codec (version 7), marshaled as the agent does:
     O_RDONLY named beside O_CLOEXEC (it was O_CLOEXEC alone), an access
     mode of 3 that no member names and a bit no member has in the rest */
  size_t n = ospy_spec_table_encode(c->specs, NULL, 0);
  uint8_t *b = malloc(n);
  ospy_spec_table_encode(c->specs, b, n);
  ospy_spec_table *t2 = NULL;
  char err[200];
  CHECK(ospy_spec_table_decode(b, n, &t2, err, sizeof err) == 0);
  if (t2) {
    tt_prepare(t2);
    static const uint32_t f[7] = { 0, 0x80000, 0x241, 2, 0x4000000, 3, 0x80003 };
    printf("mask=\"0x3\": f%s\n", mask_text(t2, f, 0100644));
    CHECK_STR(mask_text(t2, f, 0100644),
              "(f1=O_RDONLY, f2=O_RDONLY|O_CLOEXEC, f3=O_WRONLY|O_CREAT|O_TRUNC, f4=O_RDWR, "
              "f5=O_RDONLY|0x4000000, f6=0x3, f7=O_CLOEXEC|0x3, m=S_IFREG|0644) = 0");
    static const uint32_t g[7] = { 0x410002, 0x10000, 0x4000003, 1, 0x80001, 0x80002, 0x40 };
    CHECK_STR(mask_text(t2, g, 0161777), /* S_IFMT 0160000: no file type */
              "(f1=O_RDWR|O_TMPFILE, f2=O_RDONLY|O_DIRECTORY, f3=0x4000003, f4=O_WRONLY, "
              "f5=O_WRONLY|O_CLOEXEC, f6=O_RDWR|O_CLOEXEC, f7=O_RDONLY|O_CREAT, m=S_ISVTX|0160777) = 0");
    ospy_marshal_release(t2);
    ospy_spec_table_free(t2);
  }
  /* a table whose member has bits outside its mask is refused, not shown */
  uint8_t *at = b;
  while (at + 8 <= b + n && memcmp(at, "O_WRONLY", 8))
    at++;
  CHECK(at + 8 + 16 <= b + n); /* name, u64 value, u64 mask */
  if (at + 8 + 16 <= b + n) {
    at[8] = 4; /* value 4, mask 3 */
    CHECK(ospy_spec_table_decode(b, n, &t2, err, sizeof err) < 0);
    CHECK(strstr(err, "bad enumeration member") != NULL);
  }
  free(b);
  ospy_config_free(c);

  /* the attribute checked where it is */
  EXPECT(HM("<types>\n"
            "<enumeration name=\"E\"><member name=\"A\" value=\"0\" mask=\"3\"/></enumeration>\n"
            "<flags name=\"F\"><member name=\"A\" value=\"0\" mask=\"3x\"/>\n"
            "  <member name=\"B\" value=\"0\" mask=\"0\"/><member name=\"C\" value=\"1\" mask=\"-1\"/>\n"
            "  <member name=\"D\" value=\"1\" mask=\"0x100000000\"/>\n"
            "  <member name=\"E\" value=\"4\" mask=\"0x3\"/><member name=\"G\" value=\"-1\" mask=\"0x3\"/>\n"
            "</flags>\n"
            "<flags name=\"H\"><member name=\"RD\" value=\"0\" mask=\"0x3\"/>\n"
            "  <member name=\"X\" value=\"0\" mask=\"0x6\"/>\n"
            "  <member name=\"BIT\" value=\"0x2\"/>\n"
            "  <member name=\"LOW\" value=\"0x10\"/><member name=\"T\" value=\"0x10\" mask=\"0xf0\"/>\n"
            "  <member name=\"WR\" value=\"1\" mask=\"0x3\"/><member name=\"NONE\" value=\"0\"/>\n"
            "</flags>\n"
            "</types>\n"),
         "t.xml:3:56: error: mask on member 'A' of an enumeration: a mask picks one of several "
         "values within a flags value (<flags>, or <enumeration flags=\"true\">)\n"
         "t.xml:4:50: error: bad value '3x' for 'mask': expected an integer\n"
         "t.xml:5:36: error: bad mask '0' for member 'B': expected 0x1 to 0xffffffff, the bits "
         "that hold one of several values (O_ACCMODE's 0x3)\n"
         "t.xml:5:73: error: bad mask '-1' for member 'C': expected 0x1 to 0xffffffff, the bits "
         "that hold one of several values (O_ACCMODE's 0x3)\n"
         "t.xml:6:36: error: bad mask '0x100000000' for member 'D': expected 0x1 to "
         "0xffffffff, the bits that hold one of several values (O_ACCMODE's 0x3)\n"
         "t.xml:7:36: error: member 'E': value 4 has bits outside its mask 0x3: a member's "
         "value lies within its mask\n"
         "t.xml:7:76: error: member 'G': value -1 has bits outside its mask 0x3: a member's "
         "value lies within its mask\n"
         "t.xml:10:36: error: member 'X': mask 0x6 shares bits with mask 0x3 of member 'RD' "
         "(line 9): the members of one mask give the same mask, and masks share no bit\n"
         "t.xml:11:29: error: member 'BIT': value 0x2 has bits of mask 0x3 of member 'RD' "
         "(line 9): a value within a mask is one of its members (mask=\"0x3\" on this one)\n"
         "t.xml:12:72: error: member 'T': mask 0xf0 holds bit 0x10 of member 'LOW' (line 12), "
         "which has no mask: a value within a mask is one of its members (mask=\"0xf0\" on "
         "that one too)\n");
}

/* ---- i386 thiscall and an argument named `this` ---- */

/* Loads xml for arch_bits; it must load, with want as its diagnostics. */
static void expect_loads_saying(const char *xml, unsigned arch_bits, const char *want, int line)
{
  ospy_diag d;
  ospy_diag_init(&d);
  ospy_config *c = NULL;
  int rc = ospy_config_load_buffer("t.xml", xml, strlen(xml), arch_bits, &c, &d);
  const char *got = diag_text(&d);
  if (rc != 0 || strcmp(got, want) != 0) {
    fprintf(stderr, "test_extensions.c:%d: (%u-bit, rc %d)\n--- got\n%s--- want\n%s",
            line, arch_bits, rc, got, want);
    test_failures++;
  }
  ospy_config_free(c);
  ospy_diag_free(&d);
}

static void test_thiscall_this(void)
{
  static const char listed[] = HM(
    "<specs><functions>\n<function name=\"add\" callingConvention=\"thiscall\">\n"
    "<arguments><argument name=\"this\" type=\"Pointer\"/><argument name=\"a\" type=\"Int32\"/>"
    "</arguments></function>\n</functions></specs>\n");
  /* the stack's first argument read as `this`, the others one off: said (the
   * doc said a member function lists `this` first, which thiscall does not) */
  expect_loads_saying(listed, 32, "t.xml:4:28: warning: argument 'this' of thiscall function "
                      "'add': on i386 thiscall passes `this` in ecx, and the arguments listed "
                      "are the stack arguments, so this one is the first of them and each after "
                      "it is one off: leave it out (record ecx with a computed argument: "
                      "<argument name=\"self\" type=\"Pointer\" value=\"reg.ecx\"/>)\n",
                      __LINE__);
  /* x86-64: SysV, `this` in rdi, listed first; the i386 convention said once */
  expect_loads_saying(listed, 64, "t.xml:3:41: warning: callingConvention 'thiscall' is an i386 "
                      "convention: on x86-64 functions are read as SysV, the only convention "
                      "there (said once per file)\n", __LINE__);
  /* ecx as a computed argument named this, or another convention: nothing */
  static const char computed[] = HM(
    "<specs><functions>\n<function name=\"add\" callingConvention=\"thiscall\">\n"
    "<arguments><argument name=\"this\" type=\"Pointer\" value=\"reg.ecx\"/>"
    "<argument name=\"a\" type=\"Int32\"/></arguments></function>\n"
    "<function name=\"sub\" callingConvention=\"stdcall\">\n"
    "<arguments><argument name=\"this\" type=\"Pointer\"/></arguments></function>\n"
    "</functions></specs>\n");
  expect_loads_saying(computed, 32, "", __LINE__);
  /* x86-64's convention in an i386 config: read as cdecl, said (once) */
  static const char sysv[] = HM(
    "<specs><functions>\n<function name=\"add\" callingConvention=\"sysv\"/>\n"
    "<function name=\"sub\" callingConvention=\"sysv\"/>\n</functions></specs>\n");
  expect_loads_saying(sysv, 32, "t.xml:3:41: warning: callingConvention 'sysv' is x86-64's: on "
                      "i386 functions are read as cdecl (said once per file)\n", __LINE__);
  expect_loads_saying(sysv, 64, "", __LINE__);
}

/* A retval or errno condition on an in argument holds at entry, where the
   argument is recorded: said. On an out argument, or using only arguments,
   it filters: nothing said. */
static void test_in_cond_at_return(void)
{
  static const char in_errno[] = HM(
    "<specs><functions>\n<function name=\"f\"><returnValue type=\"Int32\"/><arguments>\n"
    "<argument name=\"s\" type=\"AsciiStringPtr\"><logCondition>errno == 22</logCondition>"
    "</argument>\n<argument name=\"o\" direction=\"out\" type=\"Int32Ptr\"><logCondition>"
    "errno == 22 || retval &lt; 0</logCondition></argument>\n<argument name=\"n\" type=\"Int32\">"
    "<logCondition>arg.n &gt; 2</logCondition></argument>\n"
    "</arguments></function>\n</functions></specs>\n");
  /* what it uses is named (it said "retval or errno" whatever it was, a
     reg.eax included) */
  static const char *const uses[][2] = {
    { "errno == 22", "errno" },
    { "retval != 0", "retval" },
    { "reg.eax != 0", "the return register (reg.eax, reg.rax or a part of them)" },
    { "reg.al == 1", "the return register (reg.eax, reg.rax or a part of them)" },
    { "errno + retval", "retval and errno" },
  };
  const char *cond = strstr(in_errno, "errno == 22");
  for (size_t i = 0; i < sizeof uses / sizeof uses[0]; i++) {
    char want[512], xml[sizeof in_errno + 16];
    snprintf(want, sizeof want, "t.xml:4:42: warning: logCondition of in argument 's' uses "
             "%s, known only when the call returns, but an in argument is recorded when it "
             "enters: it is recorded whatever the condition (a <logCondition> on the function "
             "drops the whole call)\n", uses[i][1]);
    snprintf(xml, sizeof xml, "%.*s%s%s", (int)(cond - in_errno), in_errno, uses[i][0],
             cond + strlen("errno == 22"));
    printf("expect (logCondition %s on an in argument):\n%s", uses[i][0], want);
    expect_loads_saying(xml, i % 2 ? 32 : 64, want, __LINE__);
  }
}

/* A structure declared for one architecture only: a config for the other
   one that uses it says so (it said only "unknown type 'ReqPtr'"), and the
   architecture that has it warns, since it checks clean there. */
static void test_single_arch_struct(void)
{
  static const char xml[] = HM(
    "<types>\n<structure name=\"Req\" arch=\"x86-64\"><field name=\"id\" offset=\"0\" "
    "type=\"UInt32\"/></structure>\n</types>\n"
    "<specs><functions>\n<function name=\"f\"><arguments>\n"
    "<argument name=\"r\" type=\"ReqPtr\"/><argument name=\"a\" type=\"ArrayPtr\" "
    "elementType=\"Req\" elementCount=\"2\"/>\n</arguments></function>\n</functions></specs>\n");
  ospy_config_free(load(xml, 32,
                        "t.xml:7:26: error: unknown type 'ReqPtr': structure 'Req' is declared only "
                        "for x86-64 (line 3) and the target is i386: add an i386 variant "
                        "(<structure name=\"Req\" arch=\"i386\">) or declare it without arch\n"
                        "t.xml:7:83: error: unknown type 'Req': structure 'Req' is declared only "
                        "for x86-64 (line 3) and the target is i386: add an i386 variant "
                        "(<structure name=\"Req\" arch=\"i386\">) or declare it without arch\n",
                        __LINE__));
  expect_loads_saying(xml, 64,
                      "t.xml:3:29: warning: structure 'Req' is declared only for x86-64: for i386 "
                      "targets it is unknown (ospy check --arch i386)\n",
                      __LINE__);
}

/* ---- structures by value ---- */

/* A structure type used without Ptr as an argument or return type is the
 * structure itself, passed and returned by value: `ospy check` says where it
 * travels (plan/spec_abi.h; the agent reads it there: tests/marshal/
 * test_byval.c). Before, it was taken as the structure's address and nothing
 * was said. */
static const char byval_xml[] = HM(
  "<types>\n"
  "<structure name=\"Pt\"><field name=\"x\" offset=\"0\" type=\"Int32\"/>"
  "<field name=\"y\" offset=\"4\" type=\"Int32\"/></structure>\n"
  "<structure name=\"Mix\"><field name=\"a\" offset=\"0\" type=\"Int32\"/>"
  "<field name=\"f\" offset=\"4\" type=\"Float\"/><field name=\"d\" offset=\"8\" type=\"Double\"/>"
  "</structure>\n"
  "<structure name=\"Big\"><field name=\"a\" offset=\"0\" type=\"Int64\"/>"
  "<field name=\"b\" offset=\"8\" type=\"Int64\"/><field name=\"c\" offset=\"16\" type=\"Int64\"/>"
  "</structure>\n"
  "</types>\n"
  "<specs><functions>\n"
  "<function name=\"mk\"><returnValue type=\"Big\"/><arguments><argument name=\"p\" type=\"Pt\"/>"
  "<argument name=\"m\" type=\"Mix\"/><argument name=\"b\" type=\"Big\"/>"
  "<argument name=\"n\" type=\"Int32\"/></arguments></function>\n"
  "<function name=\"mix\"><returnValue type=\"Mix\"/><arguments>"
  "<argument name=\"pp\" type=\"PtPtr\"/></arguments></function>\n"
  "</functions></specs>\n"
  "<hooks><module name=\"m\"><function specId=\"mk\"/><function specId=\"mix\"/></module></hooks>\n");

static void test_struct_by_value(void)
{
  ospy_config *c = load(byval_xml, 64, "", __LINE__);
  if (c)
    CHECK_STR(printed(c),
              "config t.xml (x86-64): 3 types, 2 function specs, 0 vtable specs, 2 hooks\n"
              "  m!mk: symbol mk in m (its exported symbols, else its symbol table) (line 11)\n"
              "    spec mk: default, returns Big (by value: 24 bytes in the caller's memory, its "
              "address passed in rdi, before the arguments, and returned in rax)\n"
              "      arg 0 p: in Pt (by value: rsi)\n"
              "      arg 1 m: in Mix (by value: rdx, xmm0)\n"
              "      arg 2 b: in Big (by value: 24 bytes on the stack at rsp+8)\n"
              "      arg 3 n: in Int32\n"
              "  m!mix: symbol mix in m (its exported symbols, else its symbol table) (line 11)\n"
              "    spec mix: default, returns Mix (by value: rax, xmm0)\n"
              "      arg 0 pp: in PtPtr\n");
  ospy_config_free(c);
  c = load(byval_xml, 32, "", __LINE__);
  if (c)
    CHECK_STR(printed(c),
              "config t.xml (i386): 3 types, 2 function specs, 0 vtable specs, 2 hooks\n"
              "  m!mk: symbol mk in m (its exported symbols, else its symbol table) (line 11)\n"
              "    spec mk: default, returns Big (by value: 24 bytes in the caller's memory, its "
              "address passed as the first stack word, before the arguments, and returned in "
              "eax)\n"
              "      arg 0 p: in Pt (by value: 8 bytes on the stack at esp+8)\n"
              "      arg 1 m: in Mix (by value: 16 bytes on the stack at esp+16)\n"
              "      arg 2 b: in Big (by value: 24 bytes on the stack at esp+32)\n"
              "      arg 3 n: in Int32\n"
              "  m!mix: symbol mix in m (its exported symbols, else its symbol table) (line 11)\n"
              "    spec mix: default, returns Mix (by value: 16 bytes in the caller's memory, its "
              "address passed as the first stack word, before the arguments, and returned in "
              "eax)\n"
              "      arg 0 pp: in PtPtr\n");
  ospy_config_free(c);
  /* what cannot be decoded is refused, never read as garbage: an eightbyte
   * no field describes (x86-64: its register is unknown), a convention
   * other than cdecl and stdcall (i386), and an out structure by value (the
   * function's own copy) */
  const char *bad = HM(
    "<types>\n"
    "<structure name=\"Und\" size=\"16\"><field name=\"a\" offset=\"0\" type=\"Int32\"/></structure>\n"
    "<structure name=\"Pt\"><field name=\"x\" offset=\"0\" type=\"Int32\"/></structure>\n"
    "</types>\n"
    "<specs><functions>\n"
    "<function name=\"f\"><returnValue type=\"Und\"/><arguments><argument name=\"u\" type=\"Und\"/>"
    "<argument name=\"p\" type=\"Pt\" direction=\"out\"/></arguments></function>\n"
    "<function name=\"g\" callingConvention=\"fastcall\"><returnValue type=\"Pt\"/><arguments>"
    "<argument name=\"p\" type=\"Pt\"/></arguments></function>\n"
    "</functions></specs>\n");
  const char *out_error =
    "t.xml:7:127: error: argument 'p' passes structure 'Pt' by value and cannot be out or "
    "in/out: the function works on its own copy, and nothing it writes there reaches the "
    "caller (a structure the function fills is passed by address: PtPtr)\n";
  char want[4096];
  snprintf(want, sizeof want,
           "t.xml:7:39: error: the return value of function 'f': structure 'Und' passed by value "
           "(16 bytes) travels on x86-64 in registers chosen by the types of its fields, and no "
           "field describes its bytes 8-15, so the register that holds them is unknown: "
           "describe them with fields (or, if the function takes a pointer to it, use UndPtr)\n"
           "t.xml:7:81: error: argument 'u' of function 'f': structure 'Und' passed by value "
           "(16 bytes) travels on x86-64 in registers chosen by the types of its fields, and no "
           "field describes its bytes 8-15, so the register that holds them is unknown: "
           "describe them with fields (or, if the function takes a pointer to it, use UndPtr)\n"
           "%s"
           "t.xml:8:39: warning: callingConvention 'fastcall' is an i386 convention: on x86-64 "
           "functions are read as SysV, the only convention there (said once per file)\n",
           out_error);
  ospy_config_free(load(bad, 64, want, __LINE__));
  snprintf(want, sizeof want,
           "%s"
           "t.xml:8:68: error: the return value of function 'g': structure 'Pt' passed by value "
           "under callingConvention=\"fastcall\" is not decoded: on i386 ospy reads structures "
           "by value under cdecl and stdcall (copied to the stack, returned through a hidden "
           "pointer), not under fastcall, thiscall or regparm (if the function takes a pointer "
           "to it, use PtPtr)\n"
           "t.xml:8:109: error: argument 'p' of function 'g': structure 'Pt' passed by value "
           "under callingConvention=\"fastcall\" is not decoded: on i386 ospy reads structures "
           "by value under cdecl and stdcall (copied to the stack, returned through a hidden "
           "pointer), not under fastcall, thiscall or regparm (if the function takes a pointer "
           "to it, use PtPtr)\n", out_error);
  ospy_config_free(load(bad, 32, want, __LINE__));
}

int main(void)
{
  test_member_mask();
  test_octal();
  test_sets_errno();
  test_marshal_as();
  test_marshal_as_integers();
  test_boolean_size();
  test_args_size();
  test_error_value();
  test_error_condition();
  test_thiscall_this();
  test_in_cond_at_return();
  test_single_arch_struct();
  test_struct_size();
  test_fixed_array_field();
  test_field_direction();
  test_forward_struct_size();
  test_double_pointer();
  test_arch_variants();
  test_hook_arch();
  test_value();
  test_value_at_return();
  test_null_terminated();
  test_struct_by_value();
  if (test_failures)
    fprintf(stderr, "%d check(s) failed\n", test_failures);
  return test_failures ? 1 : 0;
}
