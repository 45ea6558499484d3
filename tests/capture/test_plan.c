/* Plan builder/decoder round trip, and the decoder on corrupt input. */
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "plan/plan.h"

static void *make_plan(size_t *len)
{
  ospy_plan_builder *b = ospy_plan_builder_new(64);
  ospy_plan_builder_set_options(b, OSPY_PLAN_OPT_LOSSY);
  ospy_plan_builder_set_backtrace(b, 8);
  ospy_plan_hook h = { .kind = OSPY_HOOK_EXPORT, .spec_index = 3, .flags = OSPY_HOOK_F_BACKTRACE,
                       .module = "libc.so.6", .symbol = "read", .display = "libc.so.6!read" };
  CHECK(ospy_plan_builder_add(b, &h) == 0);
  static const uint8_t sig[] = { 0x55, 0x48, 0x89, 0xe5 }, mask[] = { 0xff, 0xff, 0x00, 0xff };
  ospy_plan_hook s = { .kind = OSPY_HOOK_SIGNATURE, .spec_index = OSPY_PLAN_NO_SPEC,
                       .sig = sig, .mask = mask, .sig_len = 4, .mask_len = 4, .sig_offset = -2,
                       .display = "sig" };
  CHECK(ospy_plan_builder_add(b, &s) == 0);
  ospy_plan_hook o = { .kind = OSPY_HOOK_OFFSET, .spec_index = OSPY_PLAN_NO_SPEC,
                       .module = "prog", .offset = 0x1234, .process = "prog*", .display = "prog!+0x1234" };
  CHECK(ospy_plan_builder_add(b, &o) == 0);
  /* a -f function found in a program whose file name has a space */
  ospy_plan_hook f = { .kind = OSPY_HOOK_EXPORT, .spec_index = OSPY_PLAN_NO_SPEC,
                       .module = "", .symbol = "f", .display = "my prog!f", .function_at = 8 };
  CHECK(ospy_plan_builder_add(b, &f) == 0);
  CHECK(ospy_plan_builder_set_spec(b, "SPECBYTES", 9) == 0);
  void *bytes = ospy_plan_builder_encode(b, len);
  ospy_plan_builder_free(b);
  return bytes;
}

static void test_round_trip(const void *bytes, size_t len)
{
  ospy_plan *p;
  char err[256];
  CHECK(ospy_plan_decode(bytes, len, &p, err, sizeof err) == 0);
  CHECK(ospy_plan_arch_bits(p) == 64);
  CHECK(ospy_plan_options(p) == OSPY_PLAN_OPT_LOSSY);
  CHECK(ospy_plan_backtrace_depth(p) == 8);
  CHECK(ospy_plan_value_cap(p) == OSPY_PLAN_DEFAULT_VALUE_CAP);
  CHECK(ospy_plan_hook_count(p) == 4);
  const ospy_plan_hook *h = ospy_plan_hook_at(p, 0);
  CHECK(h->kind == OSPY_HOOK_EXPORT && h->spec_index == 3 && h->flags == OSPY_HOOK_F_BACKTRACE);
  CHECK(!strcmp(h->module, "libc.so.6") && !strcmp(h->symbol, "read") && !strcmp(h->process, ""));
  CHECK(!strcmp(h->display, "libc.so.6!read"));
  h = ospy_plan_hook_at(p, 1);
  CHECK(h->kind == OSPY_HOOK_SIGNATURE && h->sig_len == 4 && h->sig[1] == 0x48 && h->mask[2] == 0);
  CHECK(h->sig_offset == -2);
  h = ospy_plan_hook_at(p, 2);
  CHECK(h->offset == 0x1234 && !strcmp(h->process, "prog*"));
  CHECK(!strcmp(ospy_plan_hook_function(h), "+0x1234"));
  h = ospy_plan_hook_at(p, 3);
  CHECK(h->function_at == 8 && !strcmp(ospy_plan_hook_function(h), "f"));
  CHECK(ospy_plan_hook_at(p, 4) == NULL);
  CHECK(!strcmp(ospy_plan_hook_function(ospy_plan_hook_at(p, 1)), "sig"));
  /* the agent's name for it (a HookName): its function still found */
  CHECK(ospy_plan_set_display(p, 3, "a!b!f", 5) == 0);
  CHECK(ospy_plan_hook_at(p, 3)->function_at == 4);
  CHECK(!strcmp(ospy_plan_hook_function(ospy_plan_hook_at(p, 3)), "f"));
  CHECK(ospy_plan_set_display(p, 1, "prog!sig", 8) == 0);
  CHECK(!strcmp(ospy_plan_hook_function(ospy_plan_hook_at(p, 1)), "sig"));
  CHECK(ospy_plan_set_display(p, 1, "other", 5) == 0); /* (not the agent's form) */
  CHECK(ospy_plan_hook_at(p, 1)->function_at == 0);
  size_t sl;
  const void *spec = ospy_plan_spec_blob(p, &sl);
  CHECK(sl == 9 && !memcmp(spec, "SPECBYTES", 9));
  ospy_plan_free(p);
}

static void expect_error(const void *bytes, size_t len, const char *needle)
{
  ospy_plan *p = (ospy_plan *)1;
  char err[256] = "";
  CHECK(ospy_plan_decode(bytes, len, &p, err, sizeof err) == -1);
  CHECK(p == NULL);
  if (!strstr(err, needle)) {
    fprintf(stderr, "expected '%s' in '%s'\n", needle, err);
    exit(1);
  }
}

/* A function by name in a module glob gets spare copies (each hooked in
 * another library the glob matches at once), naming the hook they copy; a
 * spare that copies no hook before it is refused. */
static void test_glob_spares(void)
{
  ospy_plan_hook g = { .kind = OSPY_HOOK_EXPORT, .spec_index = OSPY_PLAN_NO_SPEC,
                       .module = "libplug*.so", .symbol = "plug_fn",
                       .display = "libplug*.so!plug_fn" };
  ospy_plan_hook any = g, exact = g, cxx = g;
  any.module = "*";
  exact.module = "libplug.so";
  cxx.flags = OSPY_HOOK_F_CXX_NAME;
  CHECK(ospy_plan_hook_wants_spares(&g) && !ospy_plan_hook_wants_spares(&any) &&
        !ospy_plan_hook_wants_spares(&exact) && !ospy_plan_hook_wants_spares(&cxx));
  ospy_plan_builder *b = ospy_plan_builder_new(64);
  CHECK(ospy_plan_builder_add(b, &exact) == 0 && ospy_plan_builder_add(b, &g) == 0);
  CHECK(ospy_plan_builder_add_spares(b, &g, 1) == 0);
  size_t len;
  void *bytes = ospy_plan_builder_encode(b, &len);
  ospy_plan_builder_free(b);
  ospy_plan *p;
  char err[256];
  CHECK(ospy_plan_decode(bytes, len, &p, err, sizeof err) == 0);
  CHECK(ospy_plan_hook_count(p) == 2 + OSPY_PLAN_GLOB_SPARES);
  for (uint32_t k = 2; k < ospy_plan_hook_count(p); k++) {
    const ospy_plan_hook *h = ospy_plan_hook_at(p, k);
    CHECK(h->flags == OSPY_HOOK_F_SPARE && h->offset == 1 && !strcmp(h->module, "libplug*.so"));
    CHECK(!ospy_plan_hook_wants_spares(h));
  }
  ospy_plan_free(p);
  free(bytes);
  b = ospy_plan_builder_new(64);
  CHECK(ospy_plan_builder_add_spares(b, &g, 1) == 0); /* (hook 1 comes after them) */
  CHECK(ospy_plan_builder_add(b, &g) == 0);
  bytes = ospy_plan_builder_encode(b, &len);
  ospy_plan_builder_free(b);
  expect_error(bytes, len, "a spare hook that copies no hook before it");
  free(bytes);
}

int main(void)
{
  test_glob_spares();
  size_t len;
  uint8_t *bytes = make_plan(&len);
  test_round_trip(bytes, len);
  uint8_t *bad = malloc(len);

  /* every truncation is rejected, never read past the end */
  for (size_t n = 0; n < len; n++) {
    ospy_plan *p;
    char err[256];
    CHECK(ospy_plan_decode(bytes, n, &p, err, sizeof err) == -1);
  }
  memcpy(bad, bytes, len);
  bad[0] = 'X';
  expect_error(bad, len, "bad magic");
  memcpy(bad, bytes, len);
  bad[8] = 9;
  expect_error(bad, len, "unsupported version 9");
  memcpy(bad, bytes, len);
  bad[12] = 16;
  expect_error(bad, len, "arch bits");
  memcpy(bad, bytes, len);
  bad[32] = 200; /* hook count */
  expect_error(bad, len, "plan:");
  memcpy(bad, bytes, len);
  bad[44] = 77; /* first hook's kind */
  expect_error(bad, len, "unknown hook kind at offset 44");
  memcpy(bad, bytes, len);
  bad[44 + 32] = 0xff; /* module string length */
  expect_error(bad, len, "plan:");
  memcpy(bad, bytes, len);
  bad[44 + 12] = 15; /* first hook's function_at: past "libc.so.6!read" */
  expect_error(bad, len, "function name beyond the hook's display name");

  /* every single-bit flip either decodes or fails cleanly */
  for (size_t i = 0; i < len * 8; i++) {
    memcpy(bad, bytes, len);
    bad[i / 8] ^= (uint8_t)(1u << (i % 8));
    ospy_plan *p;
    char err[256];
    if (ospy_plan_decode(bad, len, &p, err, sizeof err) == 0) {
      for (uint32_t k = 0; k < ospy_plan_hook_count(p); k++)
        CHECK(strlen(ospy_plan_hook_at(p, k)->display) < len &&
              ospy_plan_hook_at(p, k)->function_at <= strlen(ospy_plan_hook_at(p, k)->display));
      ospy_plan_free(p);
    }
  }
  free(bad);
  free(bytes);
  printf("plan tests passed\n");
  return 0;
}
