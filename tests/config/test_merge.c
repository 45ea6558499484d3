/* Configs put together (config_merge.c, what `ospy capture -c X -f F` does
   with the catalogue): a hook of one config imported into another takes its
   spec and the types it needs; same-named types are shared when identical and
   kept apart (NAME@FILE) when not; the destination's spec of a name wins;
   Dynamic's run-time types come along; the result survives the spec codec. */
#include <stdlib.h>
#include <string.h>

#include "../marshal/marshal_test.h"
#include "config/config.h"

#define HM(body) "<hookManager>\n" body "</hookManager>\n"

static const char user_xml[] = HM(
  "<types>\n"
  "<enumeration name=\"OpenFlags\"><member name=\"MINE\" value=\"1\"/></enumeration>\n"
  "<structure name=\"S\"><field name=\"x\" offset=\"0\" type=\"Int32\"/></structure>\n"
  "<structure name=\"P\"><field name=\"r\" offset=\"0\" type=\"Int32\"/></structure>\n"
  "<flags name=\"Acc\"><member name=\"RD\" value=\"0\"/><member name=\"WR\" value=\"1\"/></flags>\n"
  "</types>\n"
  "<specs><functions>\n"
  "<function name=\"w\"><returnValue type=\"Int32\"/><arguments>\n"
  "  <argument name=\"fd\" type=\"OpenFlags\"/></arguments></function>\n"
  "</functions></specs>\n"
  "<hooks><module name=\"libc.so.6\"><function specId=\"w\"/></module></hooks>\n");

static const char cat_xml[] = HM(
  "<types>\n"
  "<enumeration name=\"OpenFlags\" flags=\"true\"><member name=\"O_RDONLY\" value=\"0\"/>\n"
  "  <member name=\"O_CREAT\" value=\"0x40\"/></enumeration>\n"
  "<structure name=\"S\"><field name=\"x\" offset=\"0\" type=\"Int32\"/></structure>\n"
  "<structure name=\"Node\"><field name=\"next\" offset=\"0\" type=\"NodePtr\"/>\n"
  "  <field name=\"v\" offset=\"8\" type=\"Int32\"/></structure>\n"
  "<enumeration name=\"Af\"><member name=\"AF_INET\" value=\"2\"/></enumeration>\n"
  "<enumeration name=\"AF_INET_Protocol\"><member name=\"IPPROTO_TCP\" value=\"6\"/></enumeration>\n"
  "<enumeration name=\"Unused\"><member name=\"U\" value=\"6\"/></enumeration>\n"
  "<structure name=\"P\"><field name=\"r\" offset=\"0\" type=\"Int32\" direction=\"out\"/>"
  "</structure>\n"
  "<flags name=\"Acc\"><member name=\"RD\" value=\"0\" mask=\"0x1\"/>"
  "<member name=\"WR\" value=\"1\" mask=\"0x1\"/></flags>\n"
  "</types>\n"
  "<specs><functions>\n"
  "<function name=\"open\"><returnValue type=\"FileDescriptor\"/><arguments>\n"
  "  <argument name=\"path\" type=\"AsciiStringPtr\"/>\n"
  "  <argument name=\"flags\" type=\"OpenFlags\"/>\n"
  "  <argument name=\"n\" type=\"NodePtr\"/>\n"
  "  <argument name=\"buf\" direction=\"out\" type=\"ByteArrayPtr\" size=\"arg.v/(i32)retval\">\n"
  "    <logCondition>(i32)retval &gt; 0</logCondition></argument>\n"
  "  <argument name=\"v\" type=\"Int32\"/></arguments></function>\n"
  "<function name=\"sock\"><returnValue type=\"Int32\"/><arguments>\n"
  "  <argument name=\"af\" type=\"Af\"/>\n"
  "  <argument name=\"proto\" type=\"Dynamic\" typeNameBase=\"arg.af\" typeNameSuffix=\"_Protocol\"/>\n"
  "</arguments></function>\n"
  "<function name=\"useS\"><arguments><argument name=\"s\" type=\"SPtr\"/></arguments></function>\n"
  "<function name=\"useP\"><arguments><argument name=\"p\" direction=\"in/out\" type=\"PPtr\"/>"
  "</arguments></function>\n"
  "<function name=\"w\"><returnValue type=\"SSize\"/><arguments>\n"
  "  <argument name=\"fd\" type=\"FileDescriptor\"/></arguments></function>\n"
  "<function name=\"useAcc\"><arguments><argument name=\"a\" type=\"Acc\"/></arguments></function>\n"
  "</functions></specs>\n"
  "<hooks><module name=\"libc.so.6\">\n"
  "  <function specId=\"open\"/><function specId=\"sock\"/><function specId=\"useS\"/>\n"
  "  <function specId=\"useP\"/><function specId=\"useAcc\"/>\n"
  "  <function specId=\"w\" backtrace=\"true\"/>\n"
  "</module></hooks>\n");

static ospy_config *load(const char *name, const char *xml)
{
  ospy_diag d;
  ospy_diag_init(&d);
  ospy_config *c = NULL;
  if (ospy_config_load_buffer(name, xml, strlen(xml), 64, &c, &d) < 0) {
    ospy_diag_print(&d, stderr);
    test_failures++;
  }
  ospy_diag_free(&d);
  return c;
}

static unsigned count_named(const ospy_spec_table *t, const char *name)
{
  unsigned n = 0;
  for (uint32_t i = OSPY_SPEC_NBUILTIN; i < t->ntypes; i++)
    n += !strcmp(t->types[i].name, name);
  return n;
}

static size_t hook_named(const ospy_config *c, const char *symbol)
{
  for (size_t i = 0; i < c->nhooks; i++)
    if (!strcmp(c->hooks[i].h.symbol, symbol))
      return i;
  return (size_t)-1;
}

int main(void)
{
  ospy_config *dst = load("mine.xml", user_xml), *src = load("/x/cat.xml", cat_xml);
  if (!dst || !src)
    return 1;
  uint32_t user_w = ospy_spec_fn_lookup(dst->specs, "w");
  const char *want[] = { "open", "sock", "useS", "useP", "useAcc", "w" };
  for (int k = 0; k < 6; k++)
    CHECK(ospy_config_import_hook(dst, src, hook_named(src, want[k]),
                                  k == 0 ? "libc.so.*" : NULL) == 0);
  uint32_t ntypes = dst->specs->ntypes;
  CHECK(ospy_config_import_hook(dst, src, hook_named(src, "open"), NULL) == 0);
  CHECK(dst->specs->ntypes == ntypes); /* a second import adds no type */
  CHECK(dst->nhooks == 8);

  const ospy_spec_table *t = dst->specs;
  /* the user's OpenFlags is untouched; open uses the catalogue's, apart */
  ospy_spec_typeref r;
  CHECK(ospy_spec_type_lookup(t, "OpenFlags", &r) == 0 && t->types[r.type].nmembers == 1);
  const ospy_spec_fn *open = ospy_spec_table_fn(t, ospy_spec_fn_lookup(t, "open"));
  CHECK(open && open->nargs == 5 && open->table == t);
  if (open && open->nargs == 5) {
    const ospy_spec_type *fl = &t->types[open->args[1].t.type];
    CHECK_STR(fl->name, "OpenFlags@cat.xml");
    CHECK(fl->kind == OSPY_KIND_FLAGS && fl->nmembers == 2 && fl->members[1].value == 0x40);
    /* a structure that points to itself is imported once, pointing to itself */
    const ospy_spec_type *node = &t->types[open->args[2].t.type];
    CHECK_STR(node->name, "Node");
    CHECK(open->args[2].t.ptr && node->nfields == 2 &&
          node->fields[0].t.type == open->args[2].t.type && node->fields[0].t.ptr);
    CHECK_STR(open->args[3].size_in.src, "arg.v");
    CHECK_STR(open->args[3].size_out.src, "(i32)retval");
    CHECK_STR(open->args[3].cond.src, "(i32)retval > 0");
    CHECK(open->args[3].dir == OSPY_DIR_OUT && !open->args[3].cond.compiled);
  }
  CHECK(count_named(t, "Node") == 1 && count_named(t, "OpenFlags@cat.xml") == 1);
  /* identical structures are shared */
  CHECK(count_named(t, "S") == 1 && count_named(t, "S@cat.xml") == 0);
  /* a field's direction="out" makes another structure: it shows less at entry */
  CHECK(count_named(t, "P") == 1 && count_named(t, "P@cat.xml") == 1);
  const ospy_spec_fn *use_p = ospy_spec_table_fn(t, ospy_spec_fn_lookup(t, "useP"));
  if (use_p && use_p->nargs == 1) {
    const ospy_spec_type *pt = &t->types[use_p->args[0].t.type];
    CHECK_STR(pt->name, "P@cat.xml");
    CHECK(pt->nfields == 1 && pt->fields[0].out_only);
  }
  CHECK(ospy_spec_type_lookup(t, "P", &r) == 0 && !t->types[r.type].fields[0].out_only);
  /* so do a flags type's masks (RD, 0, is named beside other flags): the
     imported one keeps them (they were dropped, and the user's Acc shared) */
  const ospy_spec_fn *use_acc = ospy_spec_table_fn(t, ospy_spec_fn_lookup(t, "useAcc"));
  CHECK(use_acc && use_acc->nargs == 1);
  if (use_acc && use_acc->nargs == 1) {
    const ospy_spec_type *acc = &t->types[use_acc->args[0].t.type];
    CHECK_STR(acc->name, "Acc@cat.xml");
    CHECK(acc->nmembers == 2 && acc->members[0].mask == 1 && acc->members[1].mask == 1);
  }
  CHECK(ospy_spec_type_lookup(t, "Acc", &r) == 0 && !t->types[r.type].members[0].mask);
  /* Dynamic: the types named at run time come along, the others do not */
  CHECK(count_named(t, "AF_INET_Protocol") == 1 && count_named(t, "Af") == 1);
  CHECK(count_named(t, "Unused") == 0);
  /* the destination's own spec of a name wins */
  size_t wh = hook_named(dst, "w");
  CHECK(dst->hooks[dst->nhooks - 2].h.spec_index == user_w && wh != (size_t)-1);
  CHECK(ospy_spec_fn_lookup(t, "w") == user_w && t->fns[user_w].args[0].t.type != OSPY_BT_FD);
  CHECK(dst->hooks[dst->nhooks - 2].h.flags & OSPY_HOOK_F_BACKTRACE);
  /* the module given instead of the source's, and the display with it */
  CHECK_STR(dst->hooks[1].h.module, "libc.so.*");
  CHECK_STR(dst->hooks[1].h.display, "libc.so.*!open");
  CHECK_STR(dst->hooks[2].h.display, "libc.so.6!sock");

  /* the merged table goes through the codec and prepares for marshaling */
  size_t n = ospy_spec_table_encode(t, NULL, 0);
  void *b = malloc(n);
  ospy_spec_table_encode(t, b, n);
  ospy_spec_table *t2 = NULL;
  char err[256];
  CHECK(ospy_spec_table_decode(b, n, &t2, err, sizeof err) == 0);
  if (t2) {
    CHECK(t2->nfns == t->nfns && t2->ntypes == t->ntypes);
    CHECK(ospy_marshal_prepare(t2, err, sizeof err) == 0);
    ospy_marshal_release(t2);
  }
  ospy_spec_table_free(t2);
  free(b);

  /* another architecture is refused */
  ospy_config *c32 = ospy_config_new("c32", 32);
  CHECK(c32 && ospy_config_import_hook(c32, src, 0, NULL) < 0 && c32->nhooks == 0);
  ospy_config_free(c32);
  ospy_config_free(dst);
  ospy_config_free(src);
  if (test_failures)
    fprintf(stderr, "%d check(s) failed\n", test_failures);
  return test_failures ? 1 : 0;
}
