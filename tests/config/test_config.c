/* The config loader: every element and attribute, every diagnostic (exact
   text with line:column), the original oSpy default config, the binary spec
   table round trip, the plan, and the seed's scenario from XML. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../marshal/marshal_test.h"
#include "config/config.h"
#include "plan/plan.h"
#include "plan/spec_expr.h"

static char *diag_text(const ospy_diag *d)
{
  static char buf[8192];
  buf[0] = 0;
  char *tmp = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&tmp, &len);
  ospy_diag_print(d, f);
  fclose(f);
  snprintf(buf, sizeof buf, "%s", tmp ? tmp : "");
  free(tmp);
  return buf;
}

/* Load `xml` as "t.xml" and compare all diagnostics with `want`. */
static void expect(const char *xml, const char *want, int line)
{
  ospy_diag d;
  ospy_diag_init(&d);
  ospy_config *c = NULL;
  int rc = ospy_config_load_buffer("t.xml", xml, strlen(xml), 64, &c, &d);
  const char *got = diag_text(&d);
  if (strcmp(got, want) != 0 || (rc == 0) != (want[0] == 0)) {
    fprintf(stderr, "test_config.c:%d: diagnostics differ\n--- got (rc %d)\n%s--- want\n%s", line,
            rc, got, want);
    test_failures++;
  }
  ospy_config_free(c);
  ospy_diag_free(&d);
}
#define EXPECT(xml, want) expect(xml, want, __LINE__)

/* Load `xml`: it loads (warnings are no failure), with the diagnostics `want`. */
static void expect_loads(const char *xml, const char *want, int line)
{
  ospy_diag d;
  ospy_diag_init(&d);
  ospy_config *c = NULL;
  int rc = ospy_config_load_buffer("t.xml", xml, strlen(xml), 64, &c, &d);
  const char *got = diag_text(&d);
  if (strcmp(got, want) != 0 || rc != 0) {
    fprintf(stderr, "test_config.c:%d: diagnostics differ\n--- got (rc %d)\n%s--- want (rc 0)\n%s",
            line, rc, got, want);
    test_failures++;
  }
  ospy_config_free(c);
  ospy_diag_free(&d);
}

#define HM(body) "<hookManager>\n" body "</hookManager>\n"
#define FN(args) \
  "<specs><functions>\n<function name=\"f\">\n<arguments>\n" args "</arguments>\n</function>\n</functions></specs>\n"

static void test_diagnostics(void)
{
  /* one problem, one error: the tags left open where libxml2 stopped are not
     a second one (each of these said "Premature end of data in tag
     hookManager line 1" as well) */
  EXPECT("<hookManager>\n<types>\n</hookManager>\n",
         "t.xml:3:15: error: malformed XML: Opening and ending tag mismatch: types line 2 and hookManager\n");
  EXPECT("<hookManager><specs></specs>\n<bad",
         "t.xml:2:5: error: malformed XML: Couldn't find end of Start Tag bad line 2\n");
  /* a file that ends inside its elements: that is the one error */
  EXPECT("<hookManager>\n<types><x>\n",
         "t.xml:3:1: error: malformed XML: Premature end of data in tag x line 2\n");
  EXPECT("", "t.xml:1:1: error: malformed XML: Document is empty\n");
  /* libxml2's errors once each, on one line: entities that expand past its
   limit were said 7 times (once per level), a bad encoding's bytes on a
   line of their own */
  EXPECT("<?xml version=\"1.0\"?><!DOCTYPE l [<!ENTITY a \"aaaaaaaaaa\">"
         "<!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\"><!ENTITY c \"&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;\">"
         "<!ENTITY d \"&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;\"><!ENTITY e \"&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;\">"
         "<!ENTITY f \"&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;\"><!ENTITY g \"&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;\">"
         "<!ENTITY h \"&g;&g;&g;&g;&g;&g;&g;&g;&g;&g;\">]><hookManager><specs><functions>"
         "<function name=\"x\"><logCondition>&h;</logCondition></function></functions></specs>"
         "</hookManager>\n",
         "t.xml:1:4: error: malformed XML: Detected an entity reference loop\n");
  EXPECT("<hookManager><specs><functions><function name=\"f\xff\xfe\"/></functions></specs>"
         "</hookManager>\n",
         "t.xml:1:49: error: malformed XML: Input is not proper UTF-8, indicate encoding ! Bytes: "
         "0xFF 0xFE 0x22 0x2F\n");
  /* an in argument's size or value is taken at entry: no return value yet */
  EXPECT(HM(FN("<argument name=\"b\" type=\"ByteArrayPtr\" size=\"retval\"/>\n"
               "<argument name=\"w\" type=\"Int32\" value=\"1 + retval\"/>\n"
               "<argument name=\"o\" direction=\"out\" type=\"ByteArrayPtr\" size=\"retval\"/>\n"
               "<argument name=\"io\" direction=\"in/out\" type=\"ByteArrayPtr\" size=\"4/retval\"/>\n")),
         "t.xml:5:46: error: bad expression 'retval' in size: retval is not available here (an in "
         "value is taken when the call enters; use size=\"ENTER/RETURN\" or direction=\"out\")\n"
         "t.xml:6:44: error: bad expression '1 + retval' in value: retval is not available here (an "
         "in value is taken when the call enters; use size=\"ENTER/RETURN\" or direction=\"out\")\n");
  /* the return register in an in value: a computed argument reads it as it
     is at entry (an i386 regparm function's first argument is there); a
     size reading it at entry is the original's size="reg.eax" (the return
     value) misplaced: it was "retval is not available here" for both */
  EXPECT(HM(FN("<argument name=\"x\" type=\"Int32\" value=\"reg.eax\"/>\n"
               "<argument name=\"b\" type=\"ByteArrayPtr\" size=\"reg.ecx + reg.eax\"/>\n")),
         "t.xml:6:56: error: bad expression 'reg.ecx + reg.eax' in size: reg.eax, the return "
         "register, is read here when the call enters (an in value is taken then), before it "
         "holds the return value: for the return value use size=\"ENTER/RETURN\" or "
         "direction=\"out\"; for the register at entry, a computed argument (<argument "
         "name=\"n\" type=\"UInt32\" value=\"reg.eax\"/>) and size=\"arg.n\"\n");
  EXPECT(HM(FN("<argument name=\"x\" type=\"Int32\" value=\"reg.eax\"/>\n")), "");
  /* errno in an in value: the agent reads it when the call returns (it read
     0 at entry, silently) */
  EXPECT(HM(FN("<argument name=\"b\" type=\"ByteArrayPtr\" size=\"errno\"/>\n"
               "<argument name=\"e\" type=\"Int32\" value=\"errno + 1\"/>\n"
               "<argument name=\"o\" direction=\"out\" type=\"Int32\" value=\"errno\"/>\n")),
         "t.xml:5:46: error: bad expression 'errno' in size: errno is not available here (an in "
         "value is taken when the call enters, errno when it returns; use size=\"ENTER/RETURN\" "
         "or direction=\"out\")\n"
         "t.xml:6:40: error: bad expression 'errno + 1' in value: errno is not available here (an "
         "in value is taken when the call enters, errno when it returns; use direction=\"out\")\n");

  EXPECT("<config/>\n", "t.xml:1:1: error: expected <hookManager> as the root element, found <config>\n");
  EXPECT(HM("<typez/>\n"), "t.xml:2:1: error: unknown element <typez> in <hookManager>\n");
  /* a hook's <function> takes no element (one was passed over unsaid) */
  EXPECT(HM(FN("") "<hooks><module name=\"m\"><function specId=\"f\"><junk/></function></module></hooks>\n"),
         "t.xml:8:46: error: unknown element <junk> in <function>\n");
  EXPECT(HM("<types><enumeration name=\"E\"><member name=\"A\" value=\"1x\"/></enumeration></types>\n"),
         "t.xml:2:54: error: bad value '1x' for 'value': expected an integer\n");
  EXPECT(HM("<types><enumeration name=\"E\"><member name=\"A\"/></enumeration></types>\n"),
         "t.xml:2:30: error: <member> 'A' needs a 'value' attribute\n");
  EXPECT(HM("<types><enumeration name=\"E\" flags=\"yes\"/></types>\n"),
         "t.xml:2:37: error: bad value 'yes' for 'flags': expected true or false\n");
  EXPECT(HM("<types><structure name=\"UInt32\"/><structure name=\"S\"/><enumeration name=\"S\"/></types>\n"),
         "t.xml:2:25: error: type 'UInt32' redefines a built-in type\n"
         "t.xml:2:74: error: duplicate type 'S'\n");
  EXPECT(HM("<types><structure name=\"S\">\n"
            "  <field name=\"a\" offset=\"0\" type=\"UInt33\"/>\n"
            "  <field name=\"b\" offset=\"4\" type=\"UInt32\" endian=\"middle\" marshalAs=\"S\"/>\n"
            "  <field name=\"c\" offset=\"8\" type=\"ByteArrayPtr\">\n"
            "    <bindTypeProperty propertyName=\"length\" sourceField=\"b\"/>\n"
            "    <bindTypeProperty propertyName=\"size\" sourceField=\"z\"/>\n"
            "  </field>\n"
            "  <field name=\"d\" type=\"Array\"/>\n"
            "</structure></types>\n"),
         "t.xml:3:36: error: unknown type 'UInt33' (did you mean UInt32?)\n"
         "t.xml:4:52: error: bad endian 'middle': expected big or little\n"
         "t.xml:4:71: error: marshalAs type 'S' is not an integer type\n"
         "t.xml:6:37: error: bad propertyName 'length': expected size or elementCount\n"
         "t.xml:7:56: error: unknown field 'z' in structure 'S'\n"
         "t.xml:9:3: error: <field> 'd' needs an 'offset' attribute\n"
         "t.xml:9:25: error: field 'd' of type Array needs an elementType\n");
  /* an unknown elementType is reported once: not as missing as well */
  EXPECT(HM("<types><structure name=\"S\">\n"
            "  <field name=\"a\" offset=\"0\" type=\"Array\" elementType=\"Nope\"/>\n"
            "</structure></types>\n"
            FN("<argument name=\"z\" type=\"ArrayPtr\" elementType=\"Nope\" elementCount=\"1\"/>\n")),
         "t.xml:3:56: error: unknown type 'Nope'\n"
         "t.xml:8:49: error: unknown type 'Nope'\n");
  /* the names issue 4 and oSpy's marshallers give kinds of types are no type
     names here: the error says how such a type is declared and named (it
     said only "unknown type 'Flags'") */
  EXPECT(HM("<types><structure name=\"S\">\n"
            "  <field name=\"a\" offset=\"0\" type=\"Enumeration\"/>\n"
            "</structure></types>\n"
            FN("<argument name=\"f\" type=\"Flags\"/>\n"
               "<argument name=\"s\" type=\"Structure\"/>\n"
               "<argument name=\"p\" type=\"StructurePtr\"/>\n"
               "<argument name=\"q\" type=\"ArrayPtr\" elementType=\"FlagsPtr\" elementCount=\"1\"/>\n"
               "<argument name=\"r\" type=\"Structures\"/>\n")),
         "t.xml:3:36: error: unknown type 'Enumeration': an enumeration is declared in <types> as "
         "<enumeration name=\"NAME\"> and used by its name, type=\"NAME\"; a pointer to one by its "
         "name with Ptr, type=\"NAMEPtr\"\n"
         "t.xml:8:26: error: unknown type 'Flags': a flags type is declared in <types> as <flags "
         "name=\"NAME\"> (or <enumeration name=\"NAME\" flags=\"true\">) and used by its name, "
         "type=\"NAME\"; a pointer to one by its name with Ptr, type=\"NAMEPtr\"\n"
         "t.xml:9:26: error: unknown type 'Structure': a structure is declared in <types> as "
         "<structure name=\"NAME\"> and used by its name, type=\"NAME\"; a pointer to one by its "
         "name with Ptr, type=\"NAMEPtr\"\n"
         "t.xml:10:26: error: unknown type 'StructurePtr': a structure is declared in <types> as "
         "<structure name=\"NAME\"> and used by its name, type=\"NAME\"; a pointer to one by its "
         "name with Ptr, type=\"NAMEPtr\"\n"
         "t.xml:11:49: error: unknown type 'FlagsPtr': a flags type is declared in <types> as <flags "
         "name=\"NAME\"> (or <enumeration name=\"NAME\" flags=\"true\">) and used by its name, "
         "type=\"NAME\"; a pointer to one by its name with Ptr, type=\"NAMEPtr\"\n"
         "t.xml:12:26: error: unknown type 'Structures'\n");
  EXPECT(HM("<specs><functions>\n<function name=\"f\" callingConvention=\"pascal\" colour=\"red\"/>\n"
            "<function name=\"f\"/>\n<function/>\n</functions></specs>\n"),
         "t.xml:3:39: error: unknown calling convention 'pascal': expected cdecl, stdcall, fastcall, thiscall, regparm (regparm(3)), regparm(2), regparm(1), fastcc, sysv or default\n"
         "t.xml:3:47: error: unknown attribute 'colour' on <function>\n"
         "t.xml:4:17: error: duplicate function spec 'f'\n"
         "t.xml:5:1: error: <function> needs a 'name' attribute\n");
  EXPECT(HM(FN("<argument name=\"a\" direction=\"up\" type=\"Int32\"/>\n"
               "<argument name=\"a\" type=\"Nope\"/>\n"
               "<argument type=\"Int32\"/>\n"
               "<argument name=\"b\" type=\"ByteArrayPtr\"/>\n"
               "<argument name=\"c\" type=\"ArrayPtr\" elementType=\"Int32\"/>\n"
               "<argument name=\"d\" type=\"Dynamic\" typeNameBase=\"arg.a\"/>\n"
               "<argument name=\"e\" type=\"AsciiFormatStringPtr\" vaList=\"args\"/>\n")),
         "t.xml:5:31: error: bad direction 'up': expected in, out or in/out\n"
         "t.xml:6:17: error: duplicate argument 'a'\n"
         "t.xml:6:26: error: unknown type 'Nope'\n"
         "t.xml:7:1: error: <argument> needs a 'name' attribute\n"
         "t.xml:8:1: error: argument 'b' of type ByteArrayPtr needs a 'size'\n"
         "t.xml:9:1: error: argument 'c' of type ArrayPtr needs an 'elementCount' (an expression, "
         "or nullTerminated=\"true\" for an array that ends at an all-zero element)\n"
         "t.xml:10:1: error: argument 'd' of type Dynamic needs 'typeNameBase' and 'typeNameSuffix'\n"
         "t.xml:11:56: error: vaList 'args' does not name an argument (arg.NAME)\n");
  /* an argument name an expression could not write as arg.NAME (a byte
   * column: "ä" is 2 bytes) */
  EXPECT(HM(FN("<argument name=\"\xc3\xa4\" type=\"Int32\"/>\n"
               "<argument name=\"1st\" type=\"Int32\"/>\n"
               "<argument name=\"a-b\" type=\"Int32\"/>\n"
               "<argument name=\"_ok9\" type=\"Int32\"/>\n"
               "<argument name=\"x\" type=\"Int32\"><logCondition>arg.\xc3\xa4 == 1</logCondition></argument>\n"
               "<argument name=\"\" type=\"Int32\"/>\n")),
         "t.xml:5:17: error: argument name '\xc3\xa4' is not an identifier (ASCII letters, digits and "
         "'_', not a digit first): expressions could not name it as arg.NAME\n"
         "t.xml:6:17: error: argument name '1st' is not an identifier (ASCII letters, digits and "
         "'_', not a digit first): expressions could not name it as arg.NAME\n"
         "t.xml:7:17: error: argument name 'a-b' is not an identifier (ASCII letters, digits and "
         "'_', not a digit first): expressions could not name it as arg.NAME\n"
         "t.xml:9:51: error: bad expression 'arg.\xc3\xa4 == 1' in logCondition: unexpected '\xc3\xa4'\n"
         /* an empty name, at the attribute (it said the name was missing, at '<') */
         "t.xml:10:17: error: <argument> has an empty 'name'\n");
  /* attributes that were taken without a word and meant something else:
     A/B/C split as A and B/C, a negative offset as 0xfff...fb, a vaList or a
     typeNameBase naming an argument that cannot give what they take */
  EXPECT(HM("<types><enumeration name=\"E\"><member name=\"A\" value=\"1\"/></enumeration>"
            "<flags name=\"F\"><member name=\"X\" value=\"1\"/></flags></types>\n"
            FN("<argument name=\"a\" type=\"Int32\"/>\n"
               "<argument name=\"e\" type=\"ByteArrayPtr\" size=\"arg.a/arg.a/(arg.a/2)/2\"/>\n"
               "<argument name=\"c\" type=\"ArrayPtr\" elementType=\"Int8\" elementCount=\"1/2/3\"/>\n"
               "<argument name=\"j\" type=\"Dynamic\" typeNameBase=\"arg.a\" typeNameSuffix=\"_X\"/>\n"
               "<argument name=\"k\" type=\"AsciiFormatStringPtr\" vaList=\"arg.a\"/>\n"
               "<argument name=\"fl\" type=\"F\"/><argument name=\"en\" type=\"E\"/>\n"
               "<argument name=\"l\" type=\"Dynamic\" typeNameBase=\"arg.fl\" typeNameSuffix=\"_X\"/>\n"
               "<argument name=\"m\" type=\"Dynamic\" typeNameBase=\"arg.en + 1\" typeNameSuffix=\"_X\"/>\n"
               "<argument name=\"n\" type=\"Int32\" typeNameBase=\"arg.en\" vaList=\"arg.ap\"/>\n"
               "<argument name=\"ap\" type=\"VaList\"/>\n")
            "<hooks><module name=\"m\"><function specId=\"f\" offset=\"-5\"/>"
            "<function specId=\"f\" offset=\"0\"/></module></hooks>\n"),
         "t.xml:7:57: error: size 'arg.a/arg.a/(arg.a/2)/2' has more than one '/' outside "
         "parentheses: one splits the value at entry from the value at return (ENTER/RETURN); "
         "write a division in parentheses, (arg.len / 2)\n"
         "t.xml:8:72: error: elementCount '1/2/3' has more than one '/' outside parentheses: one "
         "splits the value at entry from the value at return (ENTER/RETURN); write a division in "
         "parentheses, (arg.len / 2)\n"
         "t.xml:9:49: error: typeNameBase 'arg.a' names argument 'a' of type Int32: expected an "
         "enumeration argument (not flags), whose member names the type\n"
         "t.xml:10:56: error: vaList 'arg.a' names argument 'a' of type Int32: expected the "
         "function's VaList argument\n"
         "t.xml:12:49: error: typeNameBase 'arg.fl' names argument 'fl' of type F: expected an "
         "enumeration argument (not flags), whose member names the type\n"
         "t.xml:13:49: error: typeNameBase 'arg.en + 1' is not an argument (arg.NAME): the member "
         "of its enumeration names the type\n"
         "t.xml:14:33: warning: typeNameBase on argument 'n' of type Int32 is not used: it picks "
         "the type of a Dynamic argument\n"
         "t.xml:14:55: warning: vaList on argument 'n' of type Int32 is not used: it gives a "
         "format string its values\n"
         "t.xml:19:54: error: bad offset '-5' of <function> 'f': expected the function's offset "
         "from the module's load base, 0 or more\n");
  /* an argument whose type is unknown: that is said, not that its vaList or
     typeNameBase is unused */
  EXPECT(HM(FN("<argument name=\"q\" type=\"Nope\" vaList=\"arg.ap\" typeNameBase=\"arg.ap\"/>\n"
               "<argument name=\"ap\" type=\"VaList\"/>\n")),
         "t.xml:5:26: error: unknown type 'Nope'\n");
  /* expressions: the column is the attribute's column plus the offset in it */
  EXPECT(HM(FN("<argument name=\"n\" type=\"Int32\"/>\n"
               "<argument name=\"b\" type=\"ByteArrayPtr\" size=\"arg.n/arg.m\"/>\n"
               "<argument name=\"c\" type=\"ByteArrayPtr\" size=\"arg.n +\"/>\n"
               "<argument name=\"d\" type=\"Int32\">\n"
               "  <logCondition>reg.eaz != 0</logCondition>\n"
               "</argument>\n")
            ),
         "t.xml:6:56: error: bad expression 'arg.m' in size: unknown argument 'm'\n"
         "t.xml:7:53: error: bad expression 'arg.n +' in size: unexpected end of input\n"
         "t.xml:9:21: error: bad expression 'reg.eaz != 0' in logCondition: unknown register 'eaz' (did you mean eax?)\n");
  /* an argument's bare name (ospy show --filter takes them): arg.NAME said,
     where the name stands (it was "unknown name 'len'" alone) */
  EXPECT(HM(FN("<argument name=\"len\" type=\"Size\"/>\n"
               "<argument name=\"out\" type=\"SizePtr\"/>\n"
               "<argument name=\"b\" type=\"ByteArrayPtr\" size=\"len\"/>\n"
               "<argument name=\"c\" type=\"ByteArrayPtr\" size=\"arg.len/*out\"/>\n"
               "<argument name=\"d\" type=\"Int32\">\n"
               "  <logCondition>arg.len &gt; 0 &amp;&amp; lne &lt; 9</logCondition>\n"
               "</argument>\n")),
         "t.xml:7:46: error: bad expression 'len' in size: unknown name 'len' (did you mean "
         "arg.len?)\n"
         "t.xml:8:54: error: bad expression '*out' in size: '*' applies only to a pointer "
         "argument (did you mean *arg.out?)\n"
         "t.xml:10:43: error: bad expression 'arg.len > 0 && lne < 9' in logCondition: unknown "
         "name 'lne' (did you mean arg.len?)\n");
  /* libxml2 gives the values decoded: columns are the source's bytes, past
   * entities (&gt; is 1 byte of 4), character references (&#38;, &#233; is 2
   * bytes of 6), CDATA markers, comments and \r\n line ends */
  EXPECT(HM(FN("<argument name=\"a\" type=\"Int32\"/>\n"
               "<argument name=\"b\" type=\"ByteArrayPtr\" size=\"arg.a &amp;&amp; arg.zz\"/>\n"
               "<argument name=\"c\" type=\"ByteArrayPtr\" size=\"arg.a &gt; 1/arg.a &#38;&#x26; arg.yy\"/>\n"
               "<argument name=\"d\" type=\"Int32\"><logCondition>arg.a &gt; 0 &amp;&amp; reg.eaz"
               "</logCondition></argument>\n"
               "<argument name=\"e\" type=\"Int32\"><logCondition><![CDATA[arg.a > 0 && ]]>"
               "<!-- \xc3\xa9 --> &#233;</logCondition></argument>\n"
               "<argument name=\"g\" type=\"Int32\"><logCondition>arg.a &gt; 0 &amp;&amp;\r\n"
               "  arg.a &lt; 4 &amp;&amp; reg.ebz</logCondition></argument>\n")),
         "t.xml:6:67: error: bad expression 'arg.a && arg.zz' in size: unknown argument 'zz'\n"
         "t.xml:7:81: error: bad expression 'arg.a && arg.yy' in size: unknown argument 'yy'\n"
         "t.xml:8:75: error: bad expression 'arg.a > 0 && reg.eaz' in logCondition: unknown "
         "register 'eaz' (did you mean eax?)\n"
         "t.xml:9:84: error: bad expression 'arg.a > 0 &&  \xc3\xa9' in logCondition: "
         "unexpected '\xc3\xa9'\n"
         "t.xml:11:31: error: bad expression 'arg.a > 0 &&   arg.a < 4 && reg.ebz' in "
         "logCondition: unknown register 'ebz' (did you mean ebx?)\n");
  /* a multi-line expression is echoed on the message's one line */
  EXPECT(HM("<specs><functions><function name=\"f\"><logCondition>\n\treg.eaz &amp;&amp;\n"
            "  1</logCondition></function></functions></specs>\n"),
         "t.xml:3:6: error: bad expression '  reg.eaz &&   1' in logCondition: unknown register "
         "'eaz' (did you mean eax?)\n");
  /* a long expression is quoted shortened, so that the reason fits (it was
     quoted whole and the message cut before the reason) */
  {
    static char xml[4096], want[1024];
    char sum[2048] = "";
    for (int i = 0; i < 120; i++)
      strcat(sum, "arg.a + ");
    snprintf(xml, sizeof xml, HM(FN("<argument name=\"a\" type=\"Int32\">"
                                    "<logCondition>%sarg.zz</logCondition></argument>\n")),
             sum);
    snprintf(want, sizeof want, "t.xml:5:%zu: error: bad expression 'arg.a + arg.a + arg.a + "
             "arg.a + arg.a + arg.a + arg.a + ...' in logCondition: unknown argument 'zz'\n",
             strlen("<argument name=\"a\" type=\"Int32\"><logCondition>") + strlen(sum) + 5);
    EXPECT(xml, want);
  }
  EXPECT(HM(FN("<argument name=\"a\" type=\"Int32\"/>\n"
               "<argument name=\"b\" type=\"ByteArrayPtr\" size='arg.a &gt;'/>\n")),
         "t.xml:6:56: error: bad expression 'arg.a >' in size: unexpected end of input\n");
  EXPECT(HM("<specs><functions><function name=\"f\"><logCondition>retval == (1</logCondition>"
            "</function></functions></specs>\n"),
         "t.xml:2:64: error: bad expression 'retval == (1' in logCondition: unexpected end of input\n");
  /* a signature's bad token at its bytes in the file, past entities and
   * comments (a token the comment holds too) */
  EXPECT(HM("<signatures>\n<signature name=\"s\">&#x38;B &#70;F <!-- zz --> zz</signature>\n"
            "</signatures>\n"),
         "t.xml:3:48: error: bad byte 'zz' in signature 's'\n");
  EXPECT(HM("<signatures>\n<signature name=\"s\">8B FF <!-- c --> zz</signature>\n"
            "<signature name=\"e\"> <!-- only a comment --> </signature>\n"
            "<signature name=\"v\">90</signature>\n<signature name=\"v\">91</signature>\n</signatures>\n"),
         "t.xml:3:38: error: bad byte 'zz' in signature 's'\n"
         "t.xml:4:1: error: signature 'e' is empty\n"
         "t.xml:6:18: error: duplicate signature 'v'\n");
  EXPECT(HM("<specs><functions><function name=\"f\"/></functions>"
            "<vtables><vtable id=\"V\" methodCount=\"2\"><method index=\"5\" name=\"m\"/></vtable></vtables></specs>\n"
            "<hooks>\n<module name=\"libc.so.6\">\n"
            "  <function specId=\"g\"/>\n"
            "  <function specId=\"f\" symbol=\"x\" offset=\"16\"/>\n"
            "</module>\n"
            "<functions processName=\"p\">\n"
            "  <function specId=\"f\" sigId=\"nope\"/>\n"
            "  <function specId=\"f\"/>\n"
            "</functions>\n"
            "<vtables><vtable specId=\"W\" name=\"n\" ctorSigId=\"s\"/><vtable specId=\"V\" name=\"n\"/></vtables>\n"
            "<dllModule/>\n"
            "</hooks>\n"),
         "t.xml:2:106: error: method index 5 beyond methodCount 2\n"
         "t.xml:5:21: error: unknown function spec 'g'\n"
         "t.xml:6:3: error: <function> 'f': use only one of symbol, offset and sigId\n"
         "t.xml:9:31: error: unknown signature 'nope'\n"
         "t.xml:10:3: error: <function> 'f' in <functions> needs a sigId, or a moduleName with symbol or offset\n"
         "t.xml:12:26: error: unknown vtable spec 'W'\n"
         "t.xml:12:53: error: <vtable> 'n' needs a ctorSigId or a vtableSymbol\n"
         "t.xml:13:1: error: <dllModule> needs a 'name' attribute\n");
}

/* A config that uses every element and attribute; checked through the model. */
static const char full_xml[] =
  "<hookManager>\n"
  "  <types>\n"
  "    <enumeration name=\"Fam\"><member name=\"AF_INET\" value=\"2\"/></enumeration>\n"
  "    <enumeration name=\"AF_INET_Protocol\"><member name=\"IPPROTO_TCP\" value=\"6\"/></enumeration>\n"
  "    <enumeration name=\"OFlags\" flags=\"true\"><member name=\"O_CREAT\" value=\"0x40\"/></enumeration>\n"
  "    <flags name=\"MFlags\"><member name=\"MAP_SHARED\" value=\"1\"/></flags>\n"
  "    <structure name=\"Buf\">\n"
  "      <field name=\"len\" offset=\"0\" type=\"UInt32\" hex=\"true\"/>\n"
  "      <field name=\"port\" offset=\"4\" type=\"UInt16\" endian=\"big\"/>\n"
  "      <field name=\"fam\" offset=\"6\" type=\"Fam\" marshalAs=\"Int16\"/>\n"
  "      <field name=\"data\" offset=\"8\" type=\"ByteArrayPtr\">\n"
  "        <bindTypeProperty propertyName=\"size\" sourceField=\"len\"/>\n"
  "      </field>\n"
  "      <field name=\"items\" offset=\"16\" type=\"ArrayPtr\" elementType=\"Int32\">\n"
  "        <bindTypeProperty propertyName=\"elementCount\" sourceField=\"len\"/>\n"
  "      </field>\n"
  "      <field name=\"guid\" offset=\"24\" type=\"ByteArray\" size=\"16\"/>\n"
  "      <field name=\"names\" offset=\"40\" type=\"ArrayPtr\" elementType=\"AsciiStringPtr\">\n"
  "        <bindTypeProperty propertyName=\"elementCount\" sourceField=\"len\"/>\n"
  "      </field>\n"
  "    </structure>\n"
  "  </types>\n"
  "  <specs>\n"
  "    <functions>\n"
  "      <function name=\"op\" callingConvention=\"sysv\" logNested=\"true\">\n"
  "        <returnValue type=\"Int32\" hex=\"true\"/>\n"
  "        <arguments>\n"
  "          <argument name=\"af\" direction=\"in\" type=\"Fam\"/>\n"
  "          <argument name=\"proto\" direction=\"in\" type=\"Dynamic\" typeNameBase=\"arg.af\" typeNameSuffix=\"_Protocol\"/>\n"
  "          <argument name=\"b\" direction=\"in/out\" type=\"BufPtr\"/>\n"
  "          <argument name=\"out\" direction=\"out\" type=\"ByteArrayPtr\" size=\"arg.n/retval\" hex=\"true\">\n"
  "            <logCondition>retval &gt; 0</logCondition>\n"
  "          </argument>\n"
  "          <argument name=\"n\" direction=\"in\" type=\"Size\"/>\n"
  "          <argument name=\"v\" direction=\"in/out\" type=\"ArrayPtr\" elementType=\"Int16\" elementCount=\"arg.n/(arg.n - 1)\"/>\n"
  "          <argument name=\"fmt\" direction=\"in\" type=\"AsciiFormatStringPtr\" vaList=\"arg.ap\"/>\n"
  "          <argument name=\"ap\" direction=\"in\" type=\"VaList\"/>\n"
  "        </arguments>\n"
  "        <logCondition>arg.n != 0 &amp;&amp; reg.rax != 1</logCondition>\n"
  "      </function>\n"
  "    </functions>\n"
  "    <vtables>\n"
  "      <vtable id=\"V\" methodCount=\"4\">\n"
  "        <method index=\"1\" name=\"m\" callingConvention=\"thiscall\" argsSize=\"8\" logNested=\"true\"/>\n"
  "      </vtable>\n"
  "    </vtables>\n"
  "  </specs>\n"
  "  <signatures>\n"
  "    <signature name=\"S\">55 48 <!-- push --> 89 xx E5</signature>\n"
  "  </signatures>\n"
  "  <hooks>\n"
  "    <dllModule name=\"libfoo.so\"><function specId=\"op\"/></dllModule>\n"
  "    <module name=\"libbar.so\" processName=\"bar\">\n"
  "      <function specId=\"op\" symbol=\"op_internal\" backtrace=\"true\"/>\n"
  "      <function specId=\"op\" offset=\"0x1234\"/>\n"
  "    </module>\n"
  "    <functions processName=\"foo\">\n"
  "      <function specId=\"op\" sigId=\"S\" sigOffset=\"-3\" moduleName=\"libfoo.so\"/>\n"
  "    </functions>\n"
  "    <vtables processName=\"foo\">\n"
  "      <vtable specId=\"V\" name=\"Impl\" ctorSigId=\"S\" ctorSigOffset=\"10\" moduleName=\"libfoo.so\"/>\n"
  "      <vtable specId=\"V\" name=\"Impl2\" vtableSymbol=\"_ZTV4Impl\"/>\n"
  "    </vtables>\n"
  "  </hooks>\n"
  "</hookManager>\n";

static void test_model(void)
{
  ospy_diag d;
  ospy_diag_init(&d);
  ospy_config *c;
  CHECK(ospy_config_load_buffer("full.xml", full_xml, strlen(full_xml), 64, &c, &d) == 0);
  if (d.n)
    fprintf(stderr, "%s", diag_text(&d));
  ospy_diag_free(&d);
  if (!c)
    return;
  const ospy_spec_table *t = c->specs;
  ospy_spec_typeref r;
  CHECK(ospy_spec_type_lookup(t, "Buf", &r) == 0 && !r.ptr);
  const ospy_spec_type *buf = ospy_spec_table_type(t, r.type);
  CHECK(buf->kind == OSPY_KIND_STRUCT && buf->nfields == 7);
  CHECK(buf->fields[6].t.elem_type == OSPY_BT_ASCIISTRING && buf->fields[6].t.elem_ptr);
  CHECK(buf->fields[0].t.hex && buf->fields[1].t.big_endian);
  CHECK(buf->fields[2].t.marshal_as == OSPY_BT_INT16);
  CHECK(buf->fields[3].size_field == 0 && buf->fields[3].t.ptr);
  CHECK(buf->fields[4].count_field == 0 && buf->fields[4].t.elem_type == OSPY_BT_INT32);
  CHECK(buf->fields[5].size == 16 && buf->size == 48);
  CHECK(ospy_spec_type_lookup(t, "OFlags", &r) == 0 && t->types[r.type].kind == OSPY_KIND_FLAGS);
  /* <flags>: issue 4's Flags type, the same as <enumeration flags="true"> */
  CHECK(ospy_spec_type_lookup(t, "MFlags", &r) == 0 && t->types[r.type].kind == OSPY_KIND_FLAGS);
  const ospy_spec_fn *fn = ospy_spec_table_fn(t, ospy_spec_fn_lookup(t, "op"));
  CHECK(fn && fn->nargs == 8 && fn->callconv == OSPY_CALLCONV_SYSV && fn->log_nested);
  CHECK(fn->has_ret && fn->ret.hex && fn->ret.type == OSPY_BT_INT32);
  CHECK_STR(fn->cond.src, "arg.n != 0 && reg.rax != 1");
  CHECK_STR(fn->args[1].type_base.src, "arg.af");
  CHECK_STR(fn->args[1].type_suffix, "_Protocol");
  CHECK(fn->args[2].dir == OSPY_DIR_INOUT && fn->args[2].t.ptr);
  CHECK_STR(fn->args[3].size_in.src, "arg.n");
  CHECK_STR(fn->args[3].size_out.src, "retval");
  CHECK_STR(fn->args[3].cond.src, "retval > 0");
  CHECK(fn->args[3].dir == OSPY_DIR_OUT && fn->args[3].t.hex);
  CHECK_STR(fn->args[5].count_in.src, "arg.n");
  CHECK_STR(fn->args[5].count_out.src, "(arg.n - 1)");
  CHECK(fn->args[5].dir == OSPY_DIR_INOUT); /* (an in one's RETURN part is never used) */
  CHECK(fn->args[6].valist_arg == 7);
  CHECK(t->nvtables == 1 && t->vtables[0].method_count == 4 && t->vtables[0].nmethods == 1);
  const ospy_spec_fn *m = ospy_spec_table_fn(t, t->vtables[0].methods[0].fn);
  CHECK_STR(m->name, "V::m");
  CHECK(m->callconv == OSPY_CALLCONV_THISCALL && m->args_size == 8 && m->log_nested && m->is_method);
  CHECK(c->nhooks == 6);
  if (c->nhooks == 6) {
    const ospy_plan_hook *h = &c->hooks[0].h;
    CHECK(h->kind == OSPY_HOOK_EXPORT && !strcmp(h->module, "libfoo.so") && !strcmp(h->symbol, "op"));
    CHECK_STR(h->display, "libfoo.so!op");
    CHECK(h->flags == OSPY_HOOK_F_LOG_NESTED);
    h = &c->hooks[1].h;
    CHECK(h->kind == OSPY_HOOK_SYMTAB && !strcmp(h->symbol, "op_internal") &&
          !strcmp(h->process, "bar") && (h->flags & OSPY_HOOK_F_BACKTRACE));
    h = &c->hooks[2].h;
    CHECK(h->kind == OSPY_HOOK_OFFSET && h->offset == 0x1234);
    h = &c->hooks[3].h;
    CHECK(h->kind == OSPY_HOOK_SIGNATURE && h->sig_len == 5 && h->sig_offset == -3 &&
          !strcmp(h->process, "foo") && !strcmp(h->module, "libfoo.so"));
    static const uint8_t sig[] = { 0x55, 0x48, 0x89, 0, 0xe5 }, mask[] = { 0xff, 0xff, 0xff, 0, 0xff };
    CHECK(h->sig && !memcmp(h->sig, sig, 5) && !memcmp(h->mask, mask, 5));
    h = &c->hooks[4].h;
    /* a vtable hook becomes one hook per described method: spec = the
       method, offset = its slot */
    CHECK(h->kind == OSPY_HOOK_VTABLE && h->spec_index == t->vtables[0].methods[0].fn &&
          h->offset == 1 && h->sig_offset == 10 && h->sig_len == 5);
    CHECK(h->flags == OSPY_HOOK_F_LOG_NESTED);
    CHECK_STR(h->display, "libfoo.so!Impl::m");
    h = &c->hooks[5].h;
    CHECK(h->kind == OSPY_HOOK_VTABLE && !strcmp(h->symbol, "_ZTV4Impl") && h->sig_len == 0);
  }
  /* spec table: encode -> decode -> encode gives the same bytes */
  size_t n = ospy_spec_table_encode(t, NULL, 0);
  uint8_t *b1 = malloc(n), *b2 = malloc(n);
  CHECK(ospy_spec_table_encode(t, b1, n) == n);
  ospy_spec_table *t2;
  char err[200];
  CHECK(ospy_spec_table_decode(b1, n, &t2, err, sizeof err) == 0);
  CHECK(ospy_spec_table_encode(t2, b2, n) == n && !memcmp(b1, b2, n));
  /* every truncation and every single-byte corruption is handled */
  for (size_t cut = 0; cut < n; cut++) {
    ospy_spec_table *bad;
    CHECK(ospy_spec_table_decode(b1, cut, &bad, err, sizeof err) < 0);
  }
  for (size_t i = 0; i < n; i++) {
    ospy_spec_table *x;
    b2[i] ^= 0x5a;
    if (ospy_spec_table_decode(b2, n, &x, err, sizeof err) == 0)
      ospy_spec_table_free(x);
    b2[i] ^= 0x5a;
  }
  ospy_spec_table_free(t2);
  /* the plan: hooks + spec blob survive encode/decode */
  ospy_plan_builder *pb = ospy_plan_builder_new(64);
  CHECK(ospy_config_to_plan(c, pb) == 0);
  size_t plen;
  void *pbytes = ospy_plan_builder_encode(pb, &plen);
  ospy_plan *plan;
  CHECK(pbytes && ospy_plan_decode(pbytes, plen, &plan, err, sizeof err) == 0);
  if (pbytes && plan) {
    CHECK(ospy_plan_hook_count(plan) == 6);
    size_t slen;
    const void *spec = ospy_plan_spec_blob(plan, &slen);
    CHECK(slen == n && !memcmp(spec, b1, n));
    ospy_plan_free(plan);
  }
  free(pbytes);
  ospy_plan_builder_free(pb);
  free(b1);
  free(b2);
  ospy_config_free(c);
}

static void test_original_config(const char *dir)
{
  char path[1024];
  snprintf(path, sizeof path, "%s/ospy-v2-config.xml", dir);
  for (unsigned bits = 32; bits <= 64; bits += 32) {
    ospy_diag d;
    ospy_diag_init(&d);
    ospy_config *c;
    CHECK(ospy_config_load(path, bits, &c, &d) == 0);
    if (d.n)
      fprintf(stderr, "%s", diag_text(&d));
    if (c) {
      /* the 7 vtable hooks count once per described method */
      CHECK(c->nhooks == 93 && c->specs->nfns == 62 && c->specs->nvtables == 4);
      const ospy_spec_fn *dic = ospy_spec_table_fn(c->specs, ospy_spec_fn_lookup(c->specs, "DeviceIoControl"));
      CHECK(dic && dic->callconv == OSPY_CALLCONV_STDCALL && dic->nargs == 8);
      CHECK(dic && !strcmp(dic->args[4].cond.src, "reg.eax != 0"));
      CHECK(dic && !strcmp(dic->args[4].size_out.src, "arg.lpBytesReturned"));
      char err[200];
      CHECK(ospy_marshal_prepare(c->specs, err, sizeof err) == 0 || bits == 32);
      ospy_marshal_release(c->specs);
    }
    ospy_config_free(c);
    ospy_diag_free(&d);
  }
  ospy_diag d;
  ospy_diag_init(&d);
  ospy_config *c;
  CHECK(ospy_config_load("/nonexistent/x.xml", 64, &c, &d) < 0);
  CHECK_STR(diag_text(&d), "/nonexistent/x.xml: error: cannot open: No such file or directory\n");
  ospy_diag_free(&d);
}

/* A file is read up to 64 MiB (OSPY_CONFIG_MAX_BYTES): one over it is not
 * read (it was read whole, a device like /dev/zero until memory ran out:
 * tests/config/meson.build, check-endless), and a file that cannot be read
 * says why (a directory said only "cannot read"). */
static void test_file_limits(const char *dir)
{
  ospy_diag d;
  ospy_diag_init(&d);
  ospy_config *c;
  char want[1200];
  CHECK(ospy_config_load(dir, 64, &c, &d) < 0);
  snprintf(want, sizeof want, "%s: error: cannot read: Is a directory\n", dir);
  CHECK_STR(diag_text(&d), want);
  ospy_diag_free(&d);
  char path[] = "/tmp/ospy-test-big-XXXXXX";
  int fd = mkstemp(path);
  CHECK(fd >= 0);
  if (fd < 0)
    return;
  /* sparse: no 64 MiB written; a tag first, so that read whole it would be
     malformed XML, not this error */
  CHECK(write(fd, "<hookManager>", 13) == 13);
  CHECK(ftruncate(fd, (off_t)OSPY_CONFIG_MAX_BYTES + 1) == 0);
  close(fd);
  ospy_diag_init(&d);
  CHECK(ospy_config_load(path, 64, &c, &d) < 0);
  snprintf(want, sizeof want, "%s: error: cannot read: larger than 64 MiB, the most a config "
           "may be\n", path);
  CHECK_STR(diag_text(&d), want);
  ospy_diag_free(&d);
  unlink(path);
}

static void set_out(void *p)
{
  void **a = p;
  memcpy(a[0], "pong!", 5);
  *(size_t *)a[1] = 5;
}

static void fail_out(void *p)
{
  void **a = p;
  *(size_t *)a[1] = 0x7fffffff;
}

/* The seed's scenario, from XML this time (x86-64). */
static void test_seed_xml(const char *dir)
{
  char path[1024];
  snprintf(path, sizeof path, "%s/seed.xml", dir);
  ospy_diag d;
  ospy_diag_init(&d);
  ospy_config *c;
  CHECK(ospy_config_load(path, 64, &c, &d) == 0);
  ospy_diag_free(&d);
  if (!c)
    return;
  tt_prepare(c->specs);
  static char text[4096];
  for (uint32_t fi = 0; fi < c->specs->nfns; fi++) {
    static uint8_t out[16];
    size_t out_len = 0;
    void *data[2] = { out, &out_len };
    for (int ok = 0; ok < 2; ok++) {
      memcpy(out, "0123456789abcdef", 16);
      tt_call k;
      tt_call_init(&k);
      uint64_t words[] = { 3, 0xc0de, (uint64_t)(uintptr_t)"ping", 4, (uint64_t)(uintptr_t)out, 16,
                           (uint64_t)(uintptr_t)&out_len };
      for (int i = 0; i < 7; i++)
        tt_int(&k, words[i], 8);
      tt_done(&k, 0);
      tt_run(c->specs, fi, &k, (uint64_t)ok, ok ? set_out : fail_out, data, 65536, text, sizeof text);
      CHECK_STR(text, ok ? "(fd=3, code=0xc0de, in=\"ping\", in_len=4, out=\"0123456789abcdef\" => "
                           "\"pong!\", out_cap=16, out_len=[5]) = 1"
                         : "(fd=3, code=0xc0de, in=\"ping\", in_len=4, out=\"0123456789abcdef\", "
                           "out_cap=16, out_len=[2147483647]) = 0");
    }
  }
  ospy_marshal_release(c->specs);
  ospy_config_free(c);
}

/* ProcessId: an int the readers know for a process id (ospy diff ignores it),
 * added to the table when a config names it, itself or as ProcessIdPtr;
 * a declaration may not take its name. */
static void test_process_id(void)
{
  static const char xml[] = HM(
    "<specs><functions>\n<function name=\"f\">\n<returnValue type=\"ProcessId\"/>\n"
    "<arguments>\n<argument name=\"p\" direction=\"out\" type=\"ProcessIdPtr\"/>\n"
    "<argument name=\"q\" type=\"ProcessId\"/>\n</arguments>\n</function>\n"
    "</functions></specs>\n");
  ospy_diag d;
  ospy_diag_init(&d);
  ospy_config *c = NULL;
  CHECK(ospy_config_load_buffer("t.xml", xml, strlen(xml), 64, &c, &d) == 0);
  if (d.n)
    fprintf(stderr, "%s", diag_text(&d));
  ospy_diag_free(&d);
  if (c) {
    const ospy_spec_table *t = c->specs;
    const ospy_spec_fn *fn = ospy_spec_table_fn(t, ospy_spec_fn_lookup(t, "f"));
    const ospy_spec_type *ty = fn ? ospy_spec_table_type(t, fn->ret.type) : NULL;
    CHECK(ty && !strcmp(ty->name, "ProcessId") && ty->kind == OSPY_KIND_INT && ty->width == 4 &&
          ty->is_signed);
    CHECK(fn && fn->nargs == 2 && fn->args[0].t.ptr && fn->args[0].t.type == fn->ret.type &&
          !fn->args[1].t.ptr && fn->args[1].t.type == fn->ret.type);
  }
  ospy_config_free(c);
  EXPECT(HM("<types><enumeration name=\"ProcessId\"/></types>\n"),
         "t.xml:2:27: error: type 'ProcessId' redefines a built-in type\n");
}

/* Loads xml for 64-bit targets, with no diagnostic at all; NULL (said) when
   it does not. */
static ospy_config *load_clean(const char *xml, int line)
{
  ospy_diag d;
  ospy_diag_init(&d);
  ospy_config *c = NULL;
  if (ospy_config_load_buffer("t.xml", xml, strlen(xml), 64, &c, &d) != 0 || d.n) {
    fprintf(stderr, "test_config.c:%d: expected a clean load, got:\n%s", line, diag_text(&d));
    test_failures++;
  }
  ospy_diag_free(&d);
  return c;
}

/* The ENTER and RETURN parts argument `name` of spec f has for attr. */
static void expect_parts(const ospy_config *c, const char *name, int count, const char *in,
                         const char *out, int line)
{
  const ospy_spec_table *t = c ? c->specs : NULL;
  const ospy_spec_fn *f = t ? ospy_spec_table_fn(t, ospy_spec_fn_lookup(t, "f")) : NULL;
  for (uint32_t i = 0; f && i < f->nargs; i++) {
    const ospy_spec_arg *a = &f->args[i];
    if (strcmp(a->name, name))
      continue;
    const char *gi = count ? a->count_in.src : a->size_in.src;
    const char *go = count ? a->count_out.src : a->size_out.src;
    if (!gi || !go || strcmp(gi, in) || strcmp(go, out)) {
      fprintf(stderr, "test_config.c:%d: %s: got '%s' / '%s', want '%s' / '%s'\n", line, name,
              gi ? gi : "(null)", go ? go : "(null)", in, out);
      test_failures++;
    }
    return;
  }
  fprintf(stderr, "test_config.c:%d: no argument %s\n", line, name);
  test_failures++;
}

/* size="A/B" splits at a '/' outside parentheses and brackets, and not at
 * all when a '?' stands outside them: u8[arg.idx + arg.len / 4] and
 * arg.len > 8 ? arg.len / 2 : arg.len were split inside (a cryptic
 * "unexpected end of input"). The RETURN part of an in argument's split is
 * never used (arg.hdr + arg.len / 2 silently meant hdr + len bytes): said.
 * A constant negative size or count is refused, as a field's. */
static void test_size_split(void)
{
  ospy_config *c = load_clean(HM(
    FN("<argument name=\"m\" type=\"ByteArrayPtr\" size=\"u8[arg.idx + arg.len / 4]\"/>\n"
       "<argument name=\"q\" type=\"ByteArrayPtr\" size=\"arg.len &gt; 8 ? arg.len / 2 : arg.len\"/>\n"
       "<argument name=\"s\" direction=\"in/out\" type=\"ByteArrayPtr\" "
       "size=\"(arg.len &gt; 8 ? 8 : arg.len) / (retval &gt; 0 ? retval : 0)\"/>\n"
       "<argument name=\"e\" type=\"ArrayPtr\" elementType=\"Int8\" elementCount=\"arg.len &lt; 4 ? 4 : arg.len / 4\"/>\n"
       "<argument name=\"len\" type=\"Int32\"/>\n"
       "<argument name=\"idx\" type=\"Pointer\"/>\n")), __LINE__);
  expect_parts(c, "m", 0, "u8[arg.idx + arg.len / 4]", "u8[arg.idx + arg.len / 4]", __LINE__);
  expect_parts(c, "q", 0, "arg.len > 8 ? arg.len / 2 : arg.len",
               "arg.len > 8 ? arg.len / 2 : arg.len", __LINE__);
  expect_parts(c, "s", 0, "(arg.len > 8 ? 8 : arg.len) ", " (retval > 0 ? retval : 0)", __LINE__);
  expect_parts(c, "e", 1, "arg.len < 4 ? 4 : arg.len / 4", "arg.len < 4 ? 4 : arg.len / 4",
               __LINE__);
  ospy_config_free(c);
  expect_loads(HM(FN("<argument name=\"b\" type=\"ByteArrayPtr\" size=\"arg.hdr + arg.len / 2\"/>\n"
                     "<argument name=\"io\" direction=\"in/out\" type=\"ByteArrayPtr\" size=\"arg.len/arg.hdr\"/>\n"
                     "<argument name=\"o\" direction=\"out\" type=\"ByteArrayPtr\" size=\"arg.len/arg.hdr\"/>\n"
                     "<argument name=\"a\" type=\"ArrayPtr\" elementType=\"Int8\" elementCount=\"arg.len/2\"/>\n"
                     "<argument name=\"len\" type=\"Int32\"/>\n"
                     "<argument name=\"hdr\" type=\"Int32\"/>\n")),
               "t.xml:5:64: warning: size 'arg.hdr + arg.len / 2' of in argument 'b': a '/' splits "
               "the size into ENTRY / RETURN, and an in argument is recorded when the call enters: "
               "its size is 'arg.hdr + arg.len', the part after '/' is never used; for a division "
               "write (a / b)\n"
               "t.xml:8:76: warning: elementCount 'arg.len/2' of in argument 'a': a '/' splits the "
               "elementCount into ENTRY / RETURN, and an in argument is recorded when the call "
               "enters: its elementCount is 'arg.len', the part after '/' is never used; for a "
               "division write (a / b)\n",
               __LINE__);
  EXPECT(HM(FN("<argument name=\"b\" type=\"ByteArrayPtr\" size=\"-1\"/>\n"
               "<argument name=\"o\" direction=\"out\" type=\"ByteArrayPtr\" size=\"arg.n/0 - 4\"/>\n"
               "<argument name=\"a\" type=\"ArrayPtr\" elementType=\"Int8\" elementCount=\"-3\"/>\n"
               "<argument name=\"z\" type=\"ByteArrayPtr\" size=\"0\"/>\n"
               "<argument name=\"n\" type=\"Int32\"/>\n")),
         "t.xml:5:46: error: bad size '-1' for argument 'b': a constant size is a number of "
         "bytes, 0 or more (one that varies: an expression, size=\"arg.len\")\n"
         "t.xml:6:68: error: bad size '0 - 4' for argument 'o': a constant size is a number of "
         "bytes, 0 or more (one that varies: an expression, size=\"arg.len\")\n"
         "t.xml:7:69: error: bad elementCount '-3' for argument 'a': a constant elementCount is "
         "a number of elements, 0 or more (one that varies: an expression, "
         "elementCount=\"arg.len\")\n");
}

/* The type a field of structure sname has, by the field's index; NULL when
   there is no such structure or field. */
static const ospy_spec_type *field_type(const ospy_spec_table *t, const char *sname,
                                        unsigned field, int *is_ptr)
{
  ospy_spec_typeref r;
  if (ospy_spec_type_lookup(t, sname, &r) != 0 || r.ptr)
    return NULL;
  const ospy_spec_type *s = ospy_spec_table_type(t, r.type);
  if (s->kind != OSPY_KIND_STRUCT || field >= s->nfields)
    return NULL;
  *is_ptr = s->fields[field].t.ptr;
  return ospy_spec_table_type(t, s->fields[field].t.type);
}

/* <types> may come more than once, in any order (docs/config.md): every
 * section's names are declared before any field is read, so a structure may
 * use a type a later section declares. Each section was resolved alone: a
 * type of a later section was "unknown type 'E'". */
static void test_types_across_sections(void)
{
  int failures_before = test_failures;
  /* an enumeration, a structure (by value), a flags type and a pointer to an
     enumeration from later sections; <specs> before them all; a ProcessId
     field (a type added while fields are read) before a later section's */
  static const char xml[] = HM(
    "<specs><functions><function name=\"f\"><arguments><argument name=\"s\" type=\"SPtr\"/>"
    "</arguments></function></functions></specs>\n"
    "<types><structure name=\"S\"><field name=\"e\" offset=\"0\" type=\"E\"/>"
    "<field name=\"p\" offset=\"4\" type=\"ProcessId\"/><field name=\"t\" offset=\"8\" type=\"T\"/>"
    "<field name=\"g\" offset=\"16\" type=\"G\"/><field name=\"ep\" offset=\"24\" type=\"EPtr\"/>"
    "</structure></types>\n"
    "<types><enumeration name=\"E\"><member name=\"A\" value=\"1\"/></enumeration></types>\n"
    "<types><structure name=\"T\"><field name=\"x\" offset=\"0\" type=\"UInt64\"/></structure>"
    "<flags name=\"G\"><member name=\"B\" value=\"2\"/></flags></types>\n");
  ospy_config *c = load_clean(xml, __LINE__);
  if (c) {
    const ospy_spec_table *t = c->specs;
    int ptr = -1;
    const ospy_spec_type *ty = field_type(t, "S", 0, &ptr);
    CHECK(ty && !strcmp(ty->name, "E") && ty->kind == OSPY_KIND_ENUM && !ptr);
    ty = field_type(t, "S", 1, &ptr);
    CHECK(ty && !strcmp(ty->name, "ProcessId") && ty->kind == OSPY_KIND_INT && !ptr);
    ty = field_type(t, "S", 2, &ptr);
    CHECK(ty && !strcmp(ty->name, "T") && ty->kind == OSPY_KIND_STRUCT && ty->size == 8 && !ptr);
    ty = field_type(t, "S", 3, &ptr);
    CHECK(ty && !strcmp(ty->name, "G") && ty->kind == OSPY_KIND_FLAGS && !ptr);
    ty = field_type(t, "S", 4, &ptr);
    CHECK(ty && !strcmp(ty->name, "E") && ptr == 1);
    ospy_spec_typeref r;
    CHECK(ospy_spec_type_lookup(t, "S", &r) == 0 && t->types[r.type].size == 32);
    const ospy_spec_type *e = NULL;
    if (ospy_spec_type_lookup(t, "E", &r) == 0)
      e = ospy_spec_table_type(t, r.type);
    CHECK(e && e->nmembers == 1 && !strcmp(e->members[0].name, "A"));
  }
  ospy_config_free(c);
  /* a structure's variants for each architecture in two sections are a pair:
     no "declared only for x86-64" warning */
  ospy_config_free(load_clean(
    HM("<types><structure name=\"V\" arch=\"x86-64\"><field name=\"v\" offset=\"0\" "
       "type=\"UInt32\"/></structure></types>\n"
       "<types><structure name=\"V\" arch=\"i386\"><field name=\"v\" offset=\"0\" "
       "type=\"UInt32\"/></structure></types>\n"),
    __LINE__));
  /* the errors are where they were: a type no section declares, a name a
     later section declares again, a loop by value across sections */
  EXPECT(HM("<types><structure name=\"S\"><field name=\"e\" offset=\"0\" type=\"Z\"/></structure></types>\n"
            "<types><enumeration name=\"S\"><member name=\"A\" value=\"1\"/></enumeration></types>\n"
            "<types><structure name=\"L\"><field name=\"m\" offset=\"0\" type=\"M\"/></structure></types>\n"
            "<types><structure name=\"M\"><field name=\"l\" offset=\"0\" type=\"L\"/></structure></types>\n"),
         "t.xml:2:61: error: unknown type 'Z'\n"
         "t.xml:3:27: error: duplicate type 'S'\n"
         "t.xml:4:25: error: structure 'L' contains itself by value (field 'm'): a field can hold "
         "it only through a pointer (LPtr)\n");
  printf("%s types across sections: E, T, G, EPtr of later sections; variants paired; "
         "errors in place\n", test_failures == failures_before ? "ok" : "FAILED");
}

/* EXPECT, with what it expects printed first: the test's output says what
   each case checks. */
#define EXPECT_SAID(what, xml, want) \
  (printf("expect (%s):\n%s", what, want), EXPECT(xml, want))

/* An unknown type name says what was most likely meant (it said only
 * "unknown type 'Uint32'"): a name written in another case (Uint32,
 * Int32ptr, asciistringptrptr), one a typo or two away (Int23, UInt33,
 * Colr: the config's own Col), a C or Windows spelling (int, unsigned int,
 * char *, void *, bool, DWORD), where a type is named: type, elementType,
 * marshalAs, a field's. A name close to none (Nope, Z: not S) is said
 * plainly, and a pointer deeper than PtrPtr is no typo of one. */
static void test_type_hints(void)
{
  int failures_before = test_failures;
  EXPECT_SAID("types written in another case, or a typo away",
    HM("<types><enumeration name=\"Col\"><member name=\"RED\" value=\"1\"/></enumeration>"
       "<structure name=\"S\"><field name=\"a\" offset=\"0\" type=\"uint8\"/></structure></types>\n"
       FN("<argument name=\"a\" type=\"Uint32\"/>\n"
          "<argument name=\"b\" type=\"Int32ptr\"/>\n"
          "<argument name=\"c\" type=\"asciistringptrptr\"/>\n"
          "<argument name=\"d\" type=\"Int23\"/>\n"
          "<argument name=\"e\" type=\"Colr\"/>\n"
          "<argument name=\"f\" type=\"ArrayPtr\" elementType=\"Doubel\" elementCount=\"2\"/>\n"
          "<argument name=\"g\" type=\"Col\" marshalAs=\"UInt61\"/>\n"
          "<argument name=\"h\" type=\"Nope\"/>\n"
          "<argument name=\"i\" type=\"Z\"/>\n"
          "<argument name=\"j\" type=\"processid\"/>\n"
          "<argument name=\"k\" type=\"Int32PtrPtrPtr\"/>\n")),
    "t.xml:2:129: error: unknown type 'uint8' (did you mean UInt8?)\n"
    "t.xml:6:26: error: unknown type 'Uint32' (did you mean UInt32?)\n"
    "t.xml:7:26: error: unknown type 'Int32ptr' (did you mean Int32Ptr?)\n"
    "t.xml:8:26: error: unknown type 'asciistringptrptr' (did you mean AsciiStringPtrPtr?)\n"
    "t.xml:9:26: error: unknown type 'Int23' (did you mean Int32?)\n"
    "t.xml:10:26: error: unknown type 'Colr' (did you mean Col?)\n"
    "t.xml:11:49: error: unknown type 'Doubel' (did you mean Double?)\n"
    "t.xml:12:42: error: unknown type 'UInt61' (did you mean UInt16?)\n"
    "t.xml:13:26: error: unknown type 'Nope'\n"
    "t.xml:14:26: error: unknown type 'Z'\n"
    "t.xml:15:26: error: unknown type 'processid' (did you mean ProcessId?)\n"
    "t.xml:16:26: error: unknown type 'Int32PtrPtrPtr'\n");
  EXPECT_SAID("C and Windows spellings",
    HM("<specs><functions>\n<function name=\"f\">\n<returnValue type=\"void\"/>\n<arguments>\n"
       "<argument name=\"a\" type=\"int\"/>\n"
       "<argument name=\"b\" type=\"unsigned int\"/>\n"
       "<argument name=\"c\" type=\"const char *\"/>\n"
       "<argument name=\"d\" type=\"char**\"/>\n"
       "<argument name=\"e\" type=\"void*\"/>\n"
       "<argument name=\"f\" type=\"bool\"/>\n"
       "<argument name=\"g\" type=\"long\"/>\n"
       "<argument name=\"h\" type=\"size_t\"/>\n"
       "<argument name=\"i\" type=\"uint16_t *\"/>\n"
       "<argument name=\"j\" type=\"DWORD\"/>\n"
       "<argument name=\"k\" type=\"pid_t\"/>\n"
       "</arguments>\n</function>\n</functions></specs>\n"),
    "t.xml:4:20: error: unknown type 'void' (C's void is no value: a function that returns "
    "nothing has no <returnValue>; void * is Pointer)\n"
    "t.xml:6:26: error: unknown type 'int' (C's int is Int32 here)\n"
    "t.xml:7:26: error: unknown type 'unsigned int' (C's unsigned int is UInt32 here)\n"
    "t.xml:8:26: error: unknown type 'const char *' (C's char * is AsciiStringPtr here)\n"
    "t.xml:9:26: error: unknown type 'char**' (C's char ** is AsciiStringPtrPtr here)\n"
    "t.xml:10:26: error: unknown type 'void*' (C's void * is Pointer here)\n"
    "t.xml:11:26: error: unknown type 'bool' (C's bool is Boolean here)\n"
    "t.xml:12:26: error: unknown type 'long' (C's long is SSize here)\n"
    "t.xml:13:26: error: unknown type 'size_t' (C's size_t is Size here)\n"
    "t.xml:14:26: error: unknown type 'uint16_t *' (C's uint16_t * is UInt16Ptr here)\n"
    "t.xml:15:26: error: unknown type 'DWORD' (Windows' DWORD is UInt32 here)\n"
    "t.xml:16:26: error: unknown type 'pid_t' (C's pid_t is ProcessId here)\n");
  printf("%s type hints\n", test_failures == failures_before ? "ok" : "FAILED");
}

/* An unknown attribute is an error (a misspelt one would be ignored), and
 * says which attribute of that element was most likely meant (it said only
 * "unknown attribute 'calingConvention' on <function>"). */
static void test_attr_hints(void)
{
  int failures_before = test_failures;
  EXPECT_SAID("misspelt attributes",
    HM("<types><enumeration name=\"E\"><member name=\"A\" valeu=\"1\"/></enumeration></types>\n"
       "<specs><functions>\n<function name=\"f\" calingConvention=\"cdecl\" colour=\"red\">\n"
       "<arguments>\n<argument name=\"a\" type=\"Int32\" Hex=\"true\"/>\n"
       "<argument name=\"b\" type=\"ByteArrayPtr\" size=\"4\" drection=\"out\"/>\n"
       "</arguments>\n</function>\n</functions></specs>\n"
       "<hooks><module name=\"m\"><function specid=\"f\"/></module></hooks>\n"),
    "t.xml:2:30: error: <member> 'A' needs a 'value' attribute\n"
    "t.xml:2:47: error: unknown attribute 'valeu' on <member> (did you mean value?)\n"
    "t.xml:4:20: error: unknown attribute 'calingConvention' on <function> (did you mean "
    "callingConvention?)\n"
    "t.xml:4:45: error: unknown attribute 'colour' on <function>\n"
    "t.xml:6:33: error: unknown attribute 'Hex' on <argument> (did you mean hex?)\n"
    "t.xml:7:49: error: unknown attribute 'drection' on <argument> (did you mean direction?)\n"
    "t.xml:11:25: error: <function> needs a 'specId' attribute\n"
    "t.xml:11:35: error: unknown attribute 'specid' on <function> (did you mean specId?)\n");
  printf("%s attribute hints\n", test_failures == failures_before ? "ok" : "FAILED");
}

/* Attributes that mean nothing where they are were taken without a word
 * (elementCount on an Int32 even showed in ospy check's plan): a warning at
 * the attribute, as for size and typeNameBase, and the attribute dropped
 * from the spec. Where they mean something (hex on an AsciiString: show
 * writes its bytes in hex; marshalAs on an Int32: read as an Int8; an out
 * Int32Ptr, a computed value, an out Int32 recorded when a condition holds at
 * return) nothing is said. */
static const char unused_attrs_xml[] = HM(
  "<types><structure name=\"P\">\n"
  "<field name=\"x\" offset=\"0\" type=\"Int32\" elementType=\"Int8\"/>\n"
  "<field name=\"d\" offset=\"8\" type=\"Double\" hex=\"true\"/>\n"
  "<field name=\"s\" offset=\"16\" type=\"AsciiStringPtr\" marshalAs=\"UInt8\"/>\n"
  "</structure></types>\n"
  "<specs><functions>\n<function name=\"f\">\n<returnValue type=\"Float\" hex=\"true\"/>\n"
  "<arguments>\n"
  "<argument name=\"a\" type=\"Int32\" elementCount=\"3\"/>\n"
  "<argument name=\"b\" type=\"PPtr\" elementType=\"Int8\"/>\n"
  "<argument name=\"c\" type=\"Float\" hex=\"true\"/>\n"
  "<argument name=\"d\" type=\"UnicodeStringPtr\" hex=\"true\"/>\n"
  "<argument name=\"e\" type=\"Pointer\" octal=\"true\"/>\n"
  "<argument name=\"g\" type=\"AsciiStringPtr\" marshalAs=\"UInt8\"/>\n"
  "<argument name=\"h\" type=\"Double\" marshalAs=\"Int32\"/>\n"
  "<argument name=\"i\" type=\"Int32\" direction=\"out\"/>\n"
  "<argument name=\"j\" type=\"Pointer\" direction=\"in/out\"/>\n"
  "<argument name=\"k\" type=\"AsciiStringPtr\" hex=\"true\"/>\n"
  "<argument name=\"l\" type=\"ByteArrayPtr\" size=\"4\" hex=\"true\"/>\n"
  "<argument name=\"m\" type=\"ArrayPtr\" elementType=\"Int32\" elementCount=\"2\" hex=\"true\"/>\n"
  "<argument name=\"n\" type=\"Int32\" marshalAs=\"Int8\"/>\n"
  "<argument name=\"o\" type=\"Int32Ptr\" direction=\"out\"/>\n"
  "<argument name=\"p\" type=\"Int32\" direction=\"out\" value=\"arg.a + 1\"/>\n"
  "<argument name=\"q\" type=\"UInt32\" octal=\"true\"/>\n"
  "<argument name=\"r\" type=\"Int32\" direction=\"out\"><logCondition>errno == 0"
  "</logCondition></argument>\n"
  "</arguments>\n</function>\n</functions></specs>\n");

static const char unused_attrs_want[] =
  "t.xml:3:41: warning: elementType on field 'x' of type Int32 is not used: it gives the "
  "type of an Array's or ArrayPtr's elements\n"
  "t.xml:4:42: warning: hex on field 'd' of type Double is not used: it shows an integer in "
  "hex (and a ByteArray's or AsciiString's bytes as hex digits)\n"
  "t.xml:5:51: warning: marshalAs on field 's' of type AsciiStringPtr is not used: it gives "
  "an integer, an enumeration or a flags value the width and signedness it is read with\n"
  "t.xml:9:27: warning: hex on the return value of type Float is not used: it shows an "
  "integer in hex (and a ByteArray's or AsciiString's bytes as hex digits)\n"
  "t.xml:11:33: warning: elementCount on argument 'a' of type Int32 is not used: it counts "
  "the elements of an Array or ArrayPtr\n"
  "t.xml:12:32: warning: elementType on argument 'b' of type PPtr is not used: it gives the "
  "type of an Array's or ArrayPtr's elements\n"
  "t.xml:13:33: warning: hex on argument 'c' of type Float is not used: it shows an integer "
  "in hex (and a ByteArray's or AsciiString's bytes as hex digits)\n"
  "t.xml:14:44: warning: hex on argument 'd' of type UnicodeStringPtr is not used: it shows "
  "an integer in hex (and a ByteArray's or AsciiString's bytes as hex digits)\n"
  "t.xml:15:35: warning: octal on argument 'e' of type Pointer is not used: it shows an "
  "integer in octal\n"
  "t.xml:16:42: warning: marshalAs on argument 'g' of type AsciiStringPtr is not used: it "
  "gives an integer, an enumeration or a flags value the width and signedness it is read "
  "with\n"
  "t.xml:17:34: warning: marshalAs on argument 'h' of type Double is not used: it gives an "
  "integer, an enumeration or a flags value the width and signedness it is read with\n"
  "t.xml:18:33: warning: direction=\"out\" on argument 'i' of type Int32, passed by value: "
  "the function works on its own copy, and nothing it writes there reaches the caller (a "
  "value the function fills is passed by address: Int32Ptr)\n"
  "t.xml:19:35: warning: direction=\"in/out\" on argument 'j' of type Pointer, passed by "
  "value: the function works on its own copy, and nothing it writes there reaches the "
  "caller (a value the function fills is passed by address: PointerPtr)\n";

static void test_unused_attrs(void)
{
  int failures_before = test_failures;
  printf("expect (attributes that mean nothing where they are; the config loads):\n%s",
         unused_attrs_want);
  expect_loads(unused_attrs_xml, unused_attrs_want, __LINE__);
  /* dropped from the spec: ospy check's plan shows what is used */
  ospy_diag d;
  ospy_diag_init(&d);
  ospy_config *c = NULL;
  CHECK(ospy_config_load_buffer("t.xml", unused_attrs_xml, strlen(unused_attrs_xml), 64, &c,
                                &d) == 0);
  ospy_diag_free(&d);
  const ospy_spec_fn *fn = c ? ospy_spec_table_fn(c->specs, ospy_spec_fn_lookup(c->specs, "f"))
                             : NULL;
  CHECK(fn && fn->nargs == 17);
  if (fn && fn->nargs == 17) {
    CHECK(!fn->ret.hex && !fn->args[0].count_in.src && !fn->args[0].count_out.src);
    CHECK(fn->args[1].t.elem_type == OSPY_SPEC_NONE && !fn->args[2].t.hex && !fn->args[3].t.hex);
    CHECK(!fn->args[4].t.octal && fn->args[5].t.marshal_as == OSPY_SPEC_NONE &&
          fn->args[6].t.marshal_as == OSPY_SPEC_NONE);
    /* the ones used are kept */
    CHECK(fn->args[9].t.hex && fn->args[10].t.hex && fn->args[11].t.hex &&
          fn->args[12].t.marshal_as == OSPY_BT_INT8 && fn->args[15].t.octal);
    ospy_spec_typeref r;
    const ospy_spec_type *p = ospy_spec_type_lookup(c->specs, "P", &r) == 0
                                ? ospy_spec_table_type(c->specs, r.type) : NULL;
    CHECK(p && p->nfields == 3 && p->fields[0].t.elem_type == OSPY_SPEC_NONE &&
          !p->fields[1].t.hex && p->fields[2].t.marshal_as == OSPY_SPEC_NONE);
  }
  ospy_config_free(c);
  printf("%s unused attributes: said, and dropped from the spec\n",
         test_failures == failures_before ? "ok" : "FAILED");
}

/* An Array argument without its element type or its count: the one missing
 * is named (with elementType given, it said "needs an 'elementType' and an
 * 'elementCount'"); nullTerminated stands for a count, an unknown
 * elementType is said once, as unknown. */
static void test_array_needs(void)
{
  int failures_before = test_failures;
  EXPECT_SAID("an Array argument's missing elementType or elementCount",
    HM(FN("<argument name=\"a\" type=\"ArrayPtr\"/>\n"
          "<argument name=\"b\" type=\"ArrayPtr\" elementType=\"Int32\"/>\n"
          "<argument name=\"c\" type=\"ArrayPtr\" elementCount=\"4\"/>\n"
          "<argument name=\"d\" type=\"ArrayPtr\" elementType=\"AsciiStringPtr\" "
          "nullTerminated=\"true\"/>\n"
          "<argument name=\"e\" type=\"ArrayPtr\" elementType=\"Nope\"/>\n"
          "<argument name=\"f\" type=\"Array\" elementType=\"Int8\" elementCount=\"2\"/>\n")),
    "t.xml:5:1: error: argument 'a' of type ArrayPtr needs an 'elementType' and an "
    "'elementCount'\n"
    "t.xml:6:1: error: argument 'b' of type ArrayPtr needs an 'elementCount' (an expression, or "
    "nullTerminated=\"true\" for an array that ends at an all-zero element)\n"
    "t.xml:7:1: error: argument 'c' of type ArrayPtr needs an 'elementType' (the type of its "
    "elements)\n"
    "t.xml:9:1: error: argument 'e' of type ArrayPtr needs an 'elementCount' (an expression, or "
    "nullTerminated=\"true\" for an array that ends at an all-zero element)\n"
    "t.xml:9:49: error: unknown type 'Nope'\n");
  printf("%s array needs\n", test_failures == failures_before ? "ok" : "FAILED");
}

/* ospy check's line for a hook by name says where the agent looks, in its
 * order: a specId alone among the exported symbols, then in the symbol
 * table (a static function is found there: it was printed "export
 * w_hidden in libwidget.so"), a symbol= the other way round. */
static void test_check_lookup_wording(void)
{
  int failures_before = test_failures;
  static const char xml[] = HM(
    "<specs><functions><function name=\"w_hidden\"/><function name=\"g\"/></functions></specs>\n"
    "<hooks><module name=\"libwidget.so\"><function specId=\"w_hidden\"/>"
    "<function specId=\"g\" symbol=\"g_impl\"/></module></hooks>\n");
  static const char *const want[] = {
    "  libwidget.so!w_hidden: symbol w_hidden in libwidget.so (its exported symbols, else its "
    "symbol table) (line 3)\n",
    "  libwidget.so!g: symbol g_impl in libwidget.so (its symbol table, else its exported "
    "symbols) (line 3)\n",
  };
  ospy_config *c = load_clean(xml, __LINE__);
  char *text = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&text, &len);
  if (c && f)
    ospy_config_print(c, f);
  if (f)
    fclose(f);
  for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
    printf("expect (ospy check):\n%s", want[i]);
    if (!text || !strstr(text, want[i])) {
      fprintf(stderr, "test_config.c:%d: ospy check printed:\n%s", __LINE__, text ? text : "");
      test_failures++;
    }
  }
  free(text);
  ospy_config_free(c);
  printf("%s check's lookup wording\n", test_failures == failures_before ? "ok" : "FAILED");
}

/* i386 GCC's regparm: "regparm" is regparm(3), as GCC passes a local
   function's arguments at -O2; regparm(1) and regparm(2) use fewer
   registers; clang's fastcc (ecx, edx). `ospy check` names them. */
static void test_regparm(void)
{
  static const struct { const char *spelled, *shown; int cc; } forms[] = {
    { "regparm", "regparm", OSPY_CALLCONV_REGPARM3 },
    { "regparm(3)", "regparm", OSPY_CALLCONV_REGPARM3 },
    { "regparm(2)", "regparm(2)", OSPY_CALLCONV_REGPARM2 },
    { "regparm(1)", "regparm(1)", OSPY_CALLCONV_REGPARM1 },
    { "fastcc", "fastcc", OSPY_CALLCONV_FASTCC },
  };
  for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++) {
    char xml[512];
    snprintf(xml, sizeof xml, HM("<specs><functions>\n<function name=\"f\" "
                                 "callingConvention=\"%s\"/>\n</functions></specs>\n"),
             forms[i].spelled);
    ospy_diag d;
    ospy_diag_init(&d);
    ospy_config *c = NULL;
    CHECK(ospy_config_load_buffer("t.xml", xml, strlen(xml), 32, &c, &d) == 0);
    const ospy_spec_fn *fn =
      c ? ospy_spec_table_fn(c->specs, ospy_spec_fn_lookup(c->specs, "f")) : NULL;
    CHECK(fn && fn->callconv == forms[i].cc);
    CHECK_STR(ospy_spec_callconv_name(forms[i].cc), forms[i].shown);
    ospy_diag_free(&d);
    ospy_config_free(c);
  }
  printf("ok regparm: regparm, regparm(1..3), fastcc\n");
}

/* Entities in element content (an internal DTD's <!ENTITY>): what they stand
 * for is used as if written where they are referenced. The references were
 * skipped: a spec lost the arguments an entity held (and an error in them
 * was never said), a signature the bytes (15 bytes of 19: the hook landed 4
 * bytes into the function, whose target then died of SIGSEGV). A problem in
 * an entity's elements is at its reference, the entity named. Text on both
 * sides of a reference is one text (&prologue;5: a byte e5 written across). */
#define DTD(decls) "<?xml version=\"1.0\"?>\n<!DOCTYPE hookManager [\n" decls "]>\n"
static void test_entities(void)
{
  static const char xml[] =
    DTD("<!ENTITY sockargs '<argument name=\"af\" type=\"Int32\"/><argument name=\"type\" type=\"Int32\"/>'>\n"
        "<!ENTITY more '&sockargs;<argument name=\"protocol\" type=\"Int32\"/>'>\n"
        "<!ENTITY prologue '55 48 <!-- mov --> 89 e'>\n"
        "<!ENTITY hook '<function specId=\"sock\" sigId=\"s\" sigOffset=\"0\" moduleName=\"libwin.so\"/>'>\n"
        "<!ENTITY none ''>\n")
    "<hookManager><specs><functions>\n"
    "<function name=\"sock\"><arguments>&none;&more;</arguments></function>\n"
    "</functions></specs>\n"
    "<signatures><signature name=\"s\">&prologue;5 89 7d fc</signature></signatures>\n"
    "<hooks><functions>&hook;</functions></hooks></hookManager>\n";
  ospy_diag d;
  ospy_diag_init(&d);
  ospy_config *c = NULL;
  CHECK(ospy_config_load_buffer("t.xml", xml, strlen(xml), 64, &c, &d) == 0);
  if (d.n)
    fprintf(stderr, "%s", diag_text(&d));
  ospy_diag_free(&d);
  if (c) {
    const ospy_spec_fn *fn = ospy_spec_table_fn(c->specs, ospy_spec_fn_lookup(c->specs, "sock"));
    printf("entities: spec sock has %u arguments (want 3), %zu hooks (want 1)\n",
           fn ? (unsigned)fn->nargs : 0, c->nhooks);
    CHECK(fn && fn->nargs == 3 && !strcmp(fn->args[0].name, "af") &&
          !strcmp(fn->args[2].name, "protocol"));
    CHECK(c->nhooks == 1);
    if (c->nhooks == 1) {
      static const uint8_t sig[] = { 0x55, 0x48, 0x89, 0xe5, 0x89, 0x7d, 0xfc };
      const ospy_plan_hook *h = &c->hooks[0].h;
      printf("entities: signature of %u bytes (want 7), hook on line %u (want 13)\n", h->sig_len,
             c->hooks[0].line);
      CHECK(h->kind == OSPY_HOOK_SIGNATURE && h->sig_len == 7 && !memcmp(h->sig, sig, 7));
      CHECK(c->hooks[0].line == 13);
    }
  }
  ospy_config_free(c);

  /* errors in what entities hold: at the reference, the entity named; one
     in text at the reference as well; past it, the columns are the file's */
  EXPECT(DTD("<!ENTITY bad '<argument name=\"zz\" type=\"Int33\"/>'>\n"
             "<!ENTITY outer '<argument name=\"a\" type=\"Int32\"/>&bad;'>\n"
             "<!ENTITY cond 'arg.a == reg.eaz'>\n"
             "<!ENTITY bytes '55 zz'>\n")
         "<hookManager><specs><functions>\n"
         "<function name=\"f\"><arguments>&outer;</arguments><logCondition>&cond;</logCondition></function>\n"
         "</functions></specs>\n"
         "<signatures><signature name=\"s\">&bytes; 89</signature><signature name=\"t\">&bytes;</signature>"
         "<signature name=\"u\">55 &bytes; yy</signature></signatures>\n"
         "<typez/>&bytes;</hookManager>\n",
         "t.xml:8:1: error: unexpected text in <hookManager>\n"
         "t.xml:9:31: error: unknown type 'Int33' (did you mean Int32?) (from entity &outer;)\n"
         "t.xml:9:64: error: bad expression 'arg.a == reg.eaz' in logCondition: unknown register "
         "'eaz' (did you mean eax?) (from entity &cond;)\n"
         "t.xml:11:33: error: bad byte 'zz' in signature 's' (from entity &bytes;)\n"
         "t.xml:11:75: error: bad byte 'zz' in signature 't' (from entity &bytes;)\n"
         "t.xml:11:117: error: bad byte 'zz' in signature 'u' (from entity &bytes;)\n"
         "t.xml:12:1: error: unknown element <typez> in <hookManager>\n");
  /* an element's attribute in an entity: at the reference too */
  EXPECT(DTD("<!ENTITY m '<member name=\"A\" value=\"1x\"/>'>\n")
         "<hookManager><types><enumeration name=\"E\">&m;</enumeration></types></hookManager>\n",
         "t.xml:5:43: error: bad value '1x' for 'value': expected an integer (from entity &m;)\n");
  /* an external entity is not read (a config reads no file but itself): its
     reference is an error, not nothing */
  EXPECT(DTD("<!ENTITY ext SYSTEM \"/nonexistent/ospy-entity.xml\">\n")
         "<hookManager><specs><functions><function name=\"f\"><arguments>&ext;</arguments>"
         "</function></functions></specs></hookManager>\n",
         "t.xml:5:62: error: entity &ext; is external: a config reads no other file (declare it "
         "with its text, <!ENTITY ext '...'>)\n");
  /* one undeclared (an external DTD may declare it, not read): libxml2 says it */
  EXPECT("<?xml version=\"1.0\"?>\n<!DOCTYPE hookManager SYSTEM \"/nonexistent/ospy.dtd\">\n"
         "<hookManager><specs><functions><function name=\"f\"><arguments>&ext;</arguments>"
         "</function></functions></specs></hookManager>\n",
         "t.xml:3:67: error: malformed XML: Entity 'ext' not defined\n");
}

/* Entities that expand to many elements (libxml2 lets 1000 elements used 200
 * times through) stop at what a config may hold from entities, an error at
 * the reference: not hundreds of MB of nodes (billion laughs). */
static void test_entity_limit(void)
{
  const char *head = "<?xml version=\"1.0\"?>\n<!DOCTYPE hookManager [\n<!ENTITY many '",
             *mid = "'>\n]>\n",
             *open = "<hookManager><specs><functions><function name=\"f\"><arguments>",
             *close = "</arguments></function></functions></specs></hookManager>\n";
  size_t cap = strlen(head) + 1000 * 4 + strlen(mid) + strlen(open) + 200 * 6 + strlen(close) + 1;
  char *xml = malloc(cap), *p = xml;
  p += sprintf(p, "%s", head);
  for (int i = 0; i < 1000; i++)
    p += sprintf(p, "<x/>");
  p += sprintf(p, "%s%s", mid, open);
  for (int i = 0; i < 200; i++)
    p += sprintf(p, "&many;");
  sprintf(p, "%s", close);
  expect(xml, "t.xml:5:662: error: entities expand to more than 100000 nodes or 16 MiB of text "
         "here, the most a config may hold from entities\n", __LINE__);
  free(xml);
}

/* A UTF-16 or UCS-4 config's positions are those of the same config in
 * UTF-8: they were found in its raw bytes (1:1, or 2:3 for 3:31). */
static void expect_wide(const char *ascii, int unit, int big_endian, int bom, const char *want,
                        int line)
{
  size_t n = strlen(ascii), len = 0;
  char *buf = calloc(n + 1, (size_t)unit);
  if (bom)
    for (int k = 0; k < unit; k++) /* U+FEFF */
      buf[len++] = (char)(unsigned char)(big_endian ? (k == unit - 1 ? 0xff : k == unit - 2 ? 0xfe : 0)
                                                    : (k == 0 ? 0xff : k == 1 ? 0xfe : 0));
  for (size_t i = 0; i < n; i++, len += (size_t)unit)
    buf[len + (big_endian ? (size_t)unit - 1 : 0)] = ascii[i];
  ospy_diag d;
  ospy_diag_init(&d);
  ospy_config *c = NULL;
  int rc = ospy_config_load_buffer("t.xml", buf, len, 64, &c, &d);
  const char *got = diag_text(&d);
  printf("UTF-%d%s%s: %s", unit * 8, big_endian ? "BE" : "LE", bom ? " with BOM" : "", got);
  if (strcmp(got, want) != 0 || rc == 0) {
    fprintf(stderr, "test_config.c:%d: diagnostics differ\n--- got (rc %d)\n%s--- want\n%s", line,
            rc, got, want);
    test_failures++;
  }
  ospy_config_free(c);
  ospy_diag_free(&d);
  free(buf);
}

static void test_wide_encodings(void)
{
  const char *xml = "<?xml version=\"1.0\"?>\n<hookManager><specs><functions>\n"
                    "<function name=\"f\"><arguments><argument name=\"a\" type=\"UInt32Ptrr\"/>"
                    "</arguments><logCondition>reg.eaz</logCondition></function>\n"
                    "</functions></specs></hookManager>\n",
             *want = "t.xml:3:56: error: unknown type 'UInt32Ptrr' (did you mean UInt32Ptr?)\n"
                     "t.xml:3:99: error: bad expression 'reg.eaz' in logCondition: unknown "
                     "register 'eaz' (did you mean eax?)\n";
  expect(xml, want, __LINE__); /* the same in UTF-8 */
  expect_wide(xml, 2, 0, 1, want, __LINE__);
  expect_wide(xml, 2, 0, 0, want, __LINE__);
  expect_wide(xml, 2, 1, 1, want, __LINE__);
  expect_wide(xml, 4, 1, 0, want, __LINE__); /* (libxml2 2.9 reads no UCS-4 with a BOM) */
}

int main(int argc, char **argv)
{
  const char *dir = argc > 1 ? argv[1] : "tests/config";
  test_diagnostics();
  test_size_split();
  test_model();
  test_process_id();
  test_regparm();
  test_types_across_sections();
  test_type_hints();
  test_attr_hints();
  test_unused_attrs();
  test_array_needs();
  test_check_lookup_wording();
  test_original_config(dir);
  test_file_limits(dir);
  test_seed_xml(dir);
  test_entities();
  test_entity_limit();
  test_wide_encodings();
  if (test_failures)
    fprintf(stderr, "%d check(s) failed\n", test_failures);
  return test_failures ? 1 : 0;
}
