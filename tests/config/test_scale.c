/* Loading time grows with the size of a config, not faster: generated
   configs with tens of thousands of structures, members, fields, function
   specs, hooks and signatures load in well under a second each. Each was
   quadratic or worse before (names looked up by scanning, structure sizes
   settled round after round, each element's column found by walking the rest
   of its line): each took minutes (a chain of 20000 structures 68 s, the
   structures and fields of test_arch_structs_and_fields 200 s).
   No time is asserted: meson's timeout fails the test when loading is
   superlinear again. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../marshal/marshal_test.h"
#include "config/config.h"

typedef struct text {
  char *buf;
  size_t len;
  FILE *f;
} text;

static void text_open(text *t)
{
  memset(t, 0, sizeof *t);
  t->f = open_memstream(&t->buf, &t->len);
}

static double now(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Loads the generated config (freeing its text); NULL, with the problems
   printed, when it does not load. */
static ospy_config *load(text *t, const char *what)
{
  fclose(t->f);
  ospy_diag d;
  ospy_diag_init(&d);
  ospy_config *c = NULL;
  double start = now();
  int rc = ospy_config_load_buffer(what, t->buf, t->len, 64, &c, &d);
  fprintf(stderr, "%s: %zu bytes loaded in %.3f s\n", what, t->len, now() - start);
  if (rc < 0 || d.n) {
    ospy_diag_print(&d, stderr);
    test_failures++;
  }
  ospy_diag_free(&d);
  free(t->buf);
  return c;
}

static uint32_t struct_size(const ospy_config *c, const char *name)
{
  ospy_spec_typeref r;
  return ospy_spec_type_lookup(c->specs, name, &r) == 0 ? c->specs->types[r.type].size : 0;
}

/* S0 holds S1 by value, S1 holds S2... each declared before the one it holds
   (its size known only once all are), each an Int32 and then the one it
   holds: S_i is 4 * (N - i) bytes. */
static void test_struct_chain(void)
{
  enum { N = 50000 };
  text t;
  text_open(&t);
  fprintf(t.f, "<hookManager><types>\n");
  for (int i = 0; i < N; i++) {
    fprintf(t.f, "<structure name=\"S%d\"><field name=\"v\" offset=\"0\" type=\"Int32\"/>", i);
    if (i + 1 < N)
      fprintf(t.f, "<field name=\"in\" offset=\"4\" type=\"S%d\"/>", i + 1);
    fprintf(t.f, "</structure>\n");
  }
  fprintf(t.f, "</types></hookManager>\n");
  ospy_config *c = load(&t, "chain.xml");
  if (!c)
    return;
  CHECK(struct_size(c, "S0") == 4 * N);
  CHECK(struct_size(c, "S10000") == 4 * (N - 10000));
  CHECK(struct_size(c, "S49999") == 4);
  ospy_config_free(c);
}

/* A structure for each target of each of many names (the pairs are checked
   for duplicates and for a missing variant), and one with many fields. */
static void test_arch_structs_and_fields(void)
{
  enum { N = 20000, FIELDS = 100000 };
  text t;
  text_open(&t);
  fprintf(t.f, "<hookManager><types>\n");
  for (int i = 0; i < N; i++)
    fprintf(t.f, "<structure name=\"A%d\" arch=\"x86-64\"><field name=\"p\" offset=\"0\" "
            "type=\"Pointer\"/></structure><structure name=\"A%d\" arch=\"i386\"><field "
            "name=\"p\" offset=\"0\" type=\"Pointer\"/></structure>\n", i, i);
  fprintf(t.f, "<structure name=\"Wide\">");
  for (int i = 0; i < FIELDS; i++)
    fprintf(t.f, "<field name=\"f%d\" offset=\"%d\" type=\"Int32\"/>", i, 4 * i);
  fprintf(t.f, "</structure>\n</types></hookManager>\n");
  ospy_config *c = load(&t, "arch.xml");
  if (!c)
    return;
  CHECK(struct_size(c, "A19999") == 8);
  CHECK(struct_size(c, "Wide") == 4 * FIELDS);
  ospy_config_free(c);
}

/* One enumeration with many members. */
static void test_big_enum(void)
{
  enum { N = 300000 };
  text t;
  text_open(&t);
  fprintf(t.f, "<hookManager><types><enumeration name=\"E\">\n");
  for (int i = 0; i < N; i++)
    fprintf(t.f, "<member name=\"M%d\" value=\"%d\"/>\n", i, i);
  fprintf(t.f, "</enumeration></types></hookManager>\n");
  ospy_config *c = load(&t, "enum.xml");
  if (!c)
    return;
  ospy_spec_typeref r;
  CHECK(ospy_spec_type_lookup(c->specs, "E", &r) == 0 && c->specs->types[r.type].nmembers == N);
  ospy_config_free(c);
}

/* Many function specs, each hooked, each hooked by a signature too, on one
   line (every element's position was found by walking the rest of its
   line). */
static void test_many_functions(void)
{
  enum { N = 50000 };
  text t;
  text_open(&t);
  fprintf(t.f, "<hookManager><specs><functions>");
  for (int i = 0; i < N; i++)
    fprintf(t.f, "<function name=\"fn%d\"><returnValue type=\"Int32\"/><arguments>"
            "<argument name=\"n\" type=\"Size\"/><argument name=\"b\" type=\"ByteArrayPtr\" "
            "size=\"arg.n\"/></arguments></function>", i);
  fprintf(t.f, "</functions></specs><signatures>");
  for (int i = 0; i < N; i++)
    fprintf(t.f, "<signature name=\"sig%d\">55 48 89 E5 %02X %02X</signature>", i, i & 0xff,
            i >> 8); /* (each its own: two alike find one function, hooked once, warned of) */
  fprintf(t.f, "</signatures><hooks><module name=\"libx.so\">");
  for (int i = 0; i < N; i++)
    fprintf(t.f, "<function specId=\"fn%d\"/>", i);
  fprintf(t.f, "</module><functions>");
  for (int i = 0; i < N; i++)
    fprintf(t.f, "<function specId=\"fn%d\" sigId=\"sig%d\"/>", i, i);
  fprintf(t.f, "</functions></hooks></hookManager>\n");
  ospy_config *c = load(&t, "fns.xml");
  if (!c)
    return;
  CHECK(c->specs->nfns == N && c->nhooks == 2 * N);
  CHECK(ospy_spec_fn_lookup(c->specs, "fn49999") == N - 1);
  ospy_config_free(c);
}

/* Arguments: the cases to run (all without). */
int main(int argc, char **argv)
{
  static const struct { const char *name; void (*run)(void); } cases[] = {
    { "chain", test_struct_chain },
    { "arch", test_arch_structs_and_fields },
    { "enum", test_big_enum },
    { "functions", test_many_functions },
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    int wanted = argc < 2;
    for (int a = 1; a < argc; a++)
      wanted |= !strcmp(argv[a], cases[i].name);
    if (wanted)
      cases[i].run();
  }
  if (test_failures)
    fprintf(stderr, "%d check(s) failed\n", test_failures);
  return test_failures ? 1 : 0;
}
