/* Every compile error, with its exact text and column. */
#include <stdio.h>
#include <string.h>

#include "expr_test_util.h"

static int failures;

static void expect_error(const ospy_expr_scope *scope, const char *src, const char *want)
{
  ospy_expr *e = NULL;
  ospy_expr_error err;
  char got[256];
  if (ospy_expr_compile(src, scope, &e, &err)) {
    printf("FAIL '%s': compiled, expected error '%s'\n", src, want);
    ospy_expr_free(e);
    failures++;
    return;
  }
  ospy_expr_error_format(&err, got, sizeof got);
  if (strcmp(got, want) != 0 || e != NULL) {
    printf("FAIL '%s':\n  got  '%s'\n  want '%s'\n", src, got, want);
    failures++;
  }
}

/* A reader's lookup_field for the tests: `out.N` (any names, the last one
 * "bad" refused) is slot 1, an i32; any other argument has no fields. */
static bool stub_field(const ospy_expr_arg *base, const ospy_expr_field_name *names, size_t n,
                       void *data, ospy_expr_arg *field, char *why, size_t why_size, size_t *bad)
{
  (void)data;
  if (strcmp(base->name, "out")) {
    snprintf(why, why_size, "'%s' has no fields", base->name);
    *bad = 0;
    return false;
  }
  if (names[n - 1].len == 3 && !memcmp(names[n - 1].name, "bad", 3)) {
    snprintf(why, why_size, "no field 'bad'");
    *bad = n - 1;
    return false;
  }
  *field = (ospy_expr_arg){ .name = "out.f", .index = 1, .width = 32, .is_signed = true,
                            .may_fault = true };
  return true;
}

static void expect_ok(const ospy_expr_scope *scope, const char *src)
{
  ospy_expr *e = NULL;
  ospy_expr_error err;
  if (!ospy_expr_compile(src, scope, &e, &err)) {
    printf("FAIL '%s': %s at column %u\n", src, err.message, err.column);
    failures++;
  }
  ospy_expr_free(e);
}


/* 64 levels of parentheses, brackets, unary operators and ?: arms, each one
 * level, mixed or not; the 65th is refused where it opens. The tree's own
 * limit (depth 128) stops chains that nest no parenthesis. */
static void nesting_cases(const ospy_expr_scope *s)
{
  static char src[4096], want[128];
  static const struct {
    const char *open, *inner, *close;
    int levels; /* of one open */
    int column; /* of level 65 */
  } kinds[] = {
    { "(", "1", ")", 1, 65 },
    { "!", "1", "", 1, 65 },
    { "-", "arg.len", "", 1, 65 },
    { "~(", "1", ")", 2, 65 },
    { "(u8)", "1", "", 1, 257 },
    { "u8[", "1", "]", 1, 64 * 3 + 3 },          /* its '[' */
    { "arg.len ? ", "1", " : 2", 1, 64 * 10 + 9 }, /* its '?' */
  };
  for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
    int n = 64 / kinds[k].levels;
    expect_ok(s, expr_test_nest(src, sizeof src, kinds[k].open, n, kinds[k].inner, kinds[k].close));
    expr_test_nest(src, sizeof src, kinds[k].open, n + 1, kinds[k].inner, kinds[k].close);
    snprintf(want, sizeof want, "expression nested too deeply at column %d", kinds[k].column);
    expect_error(s, src, want);
  }
  char chain[2200] = "1";
  for (int i = 0; i < 200; i++)
    strcat(chain, "+arg.len");
  expect_error(s, chain, "expression nested too deeply at column 1018");
}

int main(void)
{
  test_env env, env32, leave;
  test_env_init(&env, OSPY_EXPR_ARCH_X86_64, false);
  test_env_init(&env32, OSPY_EXPR_ARCH_I386, false);
  test_env_init(&leave, OSPY_EXPR_ARCH_X86_64, true);
  const ospy_expr_scope *s = &env.scope;

  /* an unknown name says the closest known one, as the config's type names
     do: a register of the arch, an argument of the scope, a built-in name */
  expect_error(s, "reg.eaz != 0", "unknown register 'eaz' (did you mean eax?) at column 5");
  expect_error(&env32.scope, "reg.ebz", "unknown register 'ebz' (did you mean ebx?) at column 5");
  expect_error(s, "reg.EAX", "unknown register 'EAX' (did you mean eax?) at column 5");
  expect_error(s, "reg.zzz", "unknown register 'zzz' at column 5");
  expect_error(s, "retvl < 0", "unknown name 'retvl' (did you mean retval?) at column 1");
  expect_error(s, "erno == 4", "unknown name 'erno' (did you mean errno?) at column 1");
  expect_error(s, "u33[arg.buf]", "unknown name 'u33' (did you mean u32?) at column 1");
  expect_error(&env32.scope, "reg.rax != 0", "unknown register 'rax' on i386 (an x86-64 register: the target is i386) at column 5");
  expect_error(&env32.scope, "reg.r8d", "unknown register 'r8d' on i386 (an x86-64 register: the target is i386) at column 5");
  expect_error(s, "arg.lenn > 16", "unknown argument 'lenn' (did you mean len?) at column 5");
  /* an argument's bare name, which only readers' scopes take (`ospy show
     --filter 'len > 16'`), is said as arg.NAME where it is no name (a
     config's size="len": it said only "unknown name 'len'") */
  expect_error(s, "len > 16", "unknown name 'len' (did you mean arg.len?) at column 1");
  expect_error(s, "1 + count", "unknown name 'count' (did you mean arg.count?) at column 5");
  expect_error(s, "lne > 16", "unknown name 'lne' (did you mean arg.len?) at column 1");
  expect_error(s, "vp", "unknown name 'vp' (did you mean arg.vp?) at column 1");
  expect_error(s, "*returned > 4",
               "'*' applies only to a pointer argument (did you mean *arg.returned?) at column 1");
  expect_error(s, "&buf", "'&' applies only to a pointer argument (did you mean &arg.buf?) at column 1");
  expect_error(s, "arg.zzzz > 16", "unknown argument 'zzzz' at column 5");
  expect_error(s, "1 + arg12", "unknown argument 'arg12' at column 5");
  expect_error(s, "&arg.len", "'&' needs a pointer argument, 'len' is not one at column 2");
  expect_error(s, "&reg.rax", "'&' applies only to a pointer argument at column 1");
  expect_error(s, "1 & &5", "'&' applies only to a pointer argument at column 5");
  expect_error(s, "arg01", "unknown argument 'arg01' at column 1");
  expect_error(s, "(reg.eax x)", "unexpected 'x' at column 10");
  expect_error(s, "arg.len > 16 x", "trailing input at column 14");
  expect_error(s, "1 2", "trailing input at column 3");
  expect_error(s, "*arg.len", "cannot dereference 'len': not a pointer at column 2");
  expect_error(s, "*reg.rax", "'*' applies only to a pointer argument at column 1");
  expect_error(s, "*arg.vp",
               "cannot dereference 'vp': pointed-to type has no integer width at column 2");
  expect_error(s, "retval == 0",
               "retval is not available here (the function has not returned) at column 1");
  expect_error(s, "arg.len > 1.5",
               "'1.5...': floating-point numbers are not supported (expressions compute with "
               "integers) at column 11");
  {
    /* a float or double argument or return value is named, and refused */
    ospy_expr_arg fl[] = { { .name = "x", .index = 0, .width = 64, .is_float = true } };
    ospy_expr_scope fs = { .arch = OSPY_EXPR_ARCH_X86_64, .args = fl, .nargs = 1,
                           .has_retval = true, .retval_width = 64, .retval_is_float = true,
                           .names = fl, .nnames = 1 };
    expect_error(&fs, "arg.x > 1",
                 "argument 'x' is floating-point: expressions compute with integers only at "
                 "column 5");
    expect_error(&fs, "x != 0", "'x' is floating-point: expressions compute with integers only "
                 "at column 1");
    expect_error(&fs, "retval > 1000",
                 "retval is floating-point: expressions compute with integers only at column 1");
  }
  {
    /* a reader's bare names behind '*' and '&': what is wrong with each said,
     * as for arg.NAME (it was "'*' applies only to a pointer argument") */
    ospy_expr_arg nm[] = { { .name = "out", .index = 0, .width = 64, .is_pointer = true },
                           { .name = "len", .index = 1, .width = 32 } };
    ospy_expr_scope ns = { .arch = OSPY_EXPR_ARCH_X86_64, .args = nm, .nargs = 2,
                           .names = nm, .nnames = 2 };
    expect_error(&ns, "*out == 1",
                 "cannot dereference 'out': pointed-to type has no integer width at column 2");
    expect_error(&ns, "*len", "cannot dereference 'len': not a pointer at column 2");
    expect_error(&ns, "&len", "'&' needs a pointer argument, 'len' is not one at column 2");
    expect_error(&ns, "*nosuch", "'*' applies only to a pointer argument at column 1");
    expect_ok(&ns, "&out != 0");
    /* a structure's fields, `out.id`: the reader's lookup_field says what
       they are, or what is wrong, at the name it is about (it was
       "trailing input" at the '.') */
    expect_error(&ns, "out.id == 1", "fields have no names here: read one's memory "
                 "(u32[arg.out + OFFSET]) at column 4");
    ns.lookup_field = stub_field;
    expect_ok(&ns, "out.id == 1");
    expect_ok(&ns, "arg.out.a.b.c.d.e.f.g.h == -1 && len");
    expect_error(&ns, "out.a.b.c.d.e.f.g.h.i", "fields nested too deeply at column 21");
    expect_error(&ns, "1 + out.a.bad", "no field 'bad' at column 11");
    expect_error(&ns, "len.x", "'len' has no fields at column 5");
    expect_error(&ns, "arg.len.x", "'len' has no fields at column 9");
    expect_error(&ns, "out.", "unexpected end of input at column 5");
    expect_error(&ns, "out.1", "unexpected '1' at column 5");
  }
  /* without a reader: a config's arg.req.id */
  expect_error(s, "arg.len.x > 1", "fields have no names here: read one's memory "
               "(u32[arg.len + OFFSET]) at column 8");
  expect_error(s, "09", "invalid integer literal '09' at column 1");
  expect_error(s, "1 + 0x", "invalid integer literal '0x' at column 5");
  expect_error(s, "12ab", "invalid integer literal '12ab' at column 1");
  expect_error(s, "99999999999999999999",
               "integer literal '99999999999999999999' out of range at column 1");
  expect_error(s, "", "unexpected end of input at column 1");
  expect_error(s, "   ", "unexpected end of input at column 4");
  expect_error(s, "1 +", "unexpected end of input at column 4");
  expect_error(s, "foo", "unknown name 'foo' at column 1");
  expect_error(s, "1 @ 2", "unexpected '@' at column 3");
  expect_error(s, "u8[1", "unexpected end of input at column 5");
  expect_error(s, "u8 1", "unexpected '1' at column 4");
  expect_error(s, "reg.", "unexpected end of input at column 5");
  expect_error(s, "reg eax", "unexpected 'eax' at column 5");
  expect_error(s, "arg.5", "unexpected '5' at column 5");
  expect_error(s, "1 ? 2", "unexpected end of input at column 6");
  expect_error(s, "(1", "unexpected end of input at column 3");
  expect_error(s, "1)", "trailing input at column 2");
  expect_error(s, "a = 1", "unknown name 'a' at column 1");
  expect_error(s, "1 = 1", "unexpected '=' at column 3");
  expect_error(s, "1 + * 2", "'*' applies only to a pointer argument at column 5");

  nesting_cases(s);

  /* Scope problems are reported, not trusted. */
  ospy_expr_arg odd[] = {
    { .name = "f", .index = 0, .width = 0 },
    { .name = "far", .index = 1u << 20, .width = 32 },
    { .name = "miss", .index = 64, .width = 32, .may_fault = true }, /* no bit in arg_faults */
  };
  ospy_expr_scope bad = { .arch = OSPY_EXPR_ARCH_X86_64, .args = odd, .nargs = 3,
                          .has_retval = true, .retval_width = 0 };
  expect_error(&bad, "arg.f", "argument 'f' has no integer width at column 5");
  expect_error(&bad, "1 + arg1", "argument 'far' has an out-of-range slot at column 5");
  expect_error(&bad, "arg.miss", "argument 'miss' has an out-of-range slot at column 5");
  expect_error(&bad, "retval", "retval has no integer width at column 1");
  bad.arch = (ospy_expr_arch)7;
  expect_error(&bad, "1", "unknown target architecture");

  /* Too many nodes: a balanced tree stays shallow but grows wide. */
  static char wide[40000];
  strcpy(wide, "arg.len");
  for (int level = 0; level < 10; level++) {
    static char tmp[40000];
    snprintf(tmp, sizeof tmp, "(%s+%s)", wide, wide);
    strcpy(wide, tmp);
  }
  ospy_expr *e = NULL;
  ospy_expr_error err;
  if (ospy_expr_compile(wide, s, &e, &err) || strcmp(err.message, "expression too long")) {
    printf("FAIL wide expression: '%s'\n", e ? "compiled" : err.message);
    failures++;
  }
  ospy_expr_free(e);

  /* 40 nested ?: (the x86-64 JIT refused them once, label table full): the
   * JIT takes them (test_expr_eval's limit_cases: as many as the limits
   * allow, both arches, against the interpreter) */
  static char branches[2000] = "";
  for (int i = 0; i < 40; i++)
    strcat(branches, "arg.len ? ");
  strcat(branches, "1");
  for (int i = 0; i < 40; i++)
    strcat(branches, " : 2");
  if (!ospy_expr_compile(branches, s, &e, &err)) {
    printf("FAIL branches: %s\n", err.message);
    return 1;
  }
  ospy_expr_codepool *pool = ospy_expr_codepool_new();
  if (ospy_expr_get_arch(e) == OSPY_EXPR_ARCH_NATIVE && !ospy_expr_jit(e, pool, &err)) {
    printf("FAIL branches: the JIT refused them: '%s'\n", err.message);
    failures++;
  }
  ospy_expr_free(e);
  /* Code for the other arch can be generated but not run here. */
  const ospy_expr_scope *other =
    OSPY_EXPR_ARCH_NATIVE == OSPY_EXPR_ARCH_X86_64 ? &env32.scope : s;
  if (!ospy_expr_compile("reg.eax != 0", other, &e, &err)) {
    printf("FAIL other arch: %s\n", err.message);
    return 1;
  }
  const char *want_other = OSPY_EXPR_ARCH_NATIVE == OSPY_EXPR_ARCH_X86_64
                             ? "cannot run i386 code in this process"
                             : "cannot run x86-64 code in this process";
  uint8_t code[512];
  size_t len = 0;
  if (ospy_expr_jit(e, pool, &err) || strcmp(err.message, want_other) ||
      !ospy_expr_codegen(e, code, sizeof code, &len, &err) || len == 0) {
    printf("FAIL other arch: '%s'\n", err.message);
    failures++;
  }
  if (ospy_expr_codegen(e, code, 8, &len, &err) ||
      !strstr(err.message, "expression too large")) {
    printf("FAIL small buffer: '%s'\n", err.message);
    failures++;
  }
  ospy_expr_free(e);
  ospy_expr_codepool_free(pool);

  /* The same names that failed above are fine where they exist. */
  expect_ok(s, "reg.eax != 0 && arg.len > 16");
  expect_ok(&env32.scope, "reg.eax != 0");
  expect_ok(&leave.scope, "retval == -1 && errno == 4");
  expect_ok(s, "*arg.p32 + *arg.pi16 + *arg.buf + arg9 + arg0");
  expect_ok(s, "(u8)arg.len + (u8[arg.buf] + 1) + (i64)-1 + tid");
  expect_ok(s, "reg.r15b + reg.r8w + reg.ah + reg.spl + reg.rip + reg.rflags + reg.flags");
  expect_ok(&env32.scope, "reg.ah + reg.bp + reg.eflags + reg.eip + reg.flags");
  expect_ok(s, "0x7fffffffffffffff + 0xffffffffffffffff + 18446744073709551615 + 0777");

  /* Bare names (readers): slots of their own, after every built-in name. */
  ospy_expr_arg bare[] = { { .name = "pid", .index = 0, .width = 32 },
                           { .name = "tid", .index = 1, .width = 32 } };
  ospy_expr_scope named = { .arch = OSPY_EXPR_ARCH_X86_64, .names = bare, .nnames = 2 };
  expect_error(&named, "pid == 1 && pdi", "unknown name 'pdi' (did you mean pid?) at column 13");
  expect_ok(&named, "pid == 1 && tid == 2");
  uint64_t slots[2] = { 7, 9 };
  ospy_expr_frame fr = { .args = (uint64_t)(uintptr_t)slots, .nargs = 2, .tid = 3 };
  bool faulted;
  if (ospy_expr_compile("pid == 7 && tid == 3", &named, &e, &err)) {
    if (ospy_expr_eval_interp(e, &fr, &faulted) != 1 || faulted) {
      printf("FAIL bare names: pid is slot 0, tid stays the thread id\n");
      failures++;
    }
    ospy_expr_free(e);
  } else {
    printf("FAIL bare names: %s\n", err.message);
    failures++;
  }

  if (failures)
    printf("%d failure(s)\n", failures);
  return failures ? 1 : 0;
}
