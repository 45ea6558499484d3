/*
 * ospy expr: compile an expression, show its machine code, evaluate it.
 *
 *   ospy expr 'reg.eax != 0 && arg.len > 16' --arch x86-64 --args 'len:u32,buf:u8*'
 *        --disasm --eval 'rax=1,len=20' --mem 0x1000=01020304
 *
 * --eval runs both the interpreter and the JIT. i386 code cannot run in this
 * 64-bit process: `--arch i386 --eval` is handed over to ospy-expr32, this
 * command built for i386 (the build's expr32_path); without it the
 * interpreter's result is printed and the JIT line says why.
 */
#include <capstone/capstone.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <unistd.h>

#include "arch/x86/cpu_context.h"
#include "cli/commands.h"
#include "ospy-config.h"
#include "expr/closest.h"
#include "expr/expr.h"

/* Why ospy-expr32 did not take over (run_as_i386), for the JIT line. */
static const char *expr32_missing = "not configured (expr32_path)";

#define MAX_ARGS 32
#define MAX_MEM 16
#define MAX_REPEATS 16

/* The values of a repeatable option, in the order given: `--args a:u32
 * --args b:u32` is `--args a:u32,b:u32`. */
typedef struct option_list {
  const char *items[MAX_REPEATS];
  size_t n;
} option_list;

typedef struct mem_region {
  const char *spec; /* as given, for messages */
  uint64_t addr;
  uint8_t bytes[256];
  size_t len;
} mem_region;

typedef struct expr_cli {
  const char *src;
  ospy_expr_arch arch;
  bool arch_given;
  option_list args_specs, eval_specs;
  const char *retval_spec;
  bool disasm;
  ospy_expr_arg args[MAX_ARGS];
  char arg_names[MAX_ARGS][64];
  size_t nargs;
  ospy_expr_scope scope;
  mem_region mem[MAX_MEM];
  size_t nmem;
  ospy_x64_context ctx64;
  ospy_x86_context ctx32;
  uint64_t argv[MAX_ARGS];
  ospy_expr_frame frame;
} expr_cli;

static void usage(FILE *out)
{
  fprintf(out,
    "usage: ospy expr EXPRESSION [--arch x86-64|i386] [--args NAME:TYPE,...]\n"
    "                 [--retval TYPE] [--disasm] [--eval NAME=VALUE,...] [--mem ADDR=HEX]\n"
    "       ospy expr [OPTIONS] -- EXPRESSION   (-- ends the options: '--1' is an expression)\n"
    "  TYPE: u8 i8 u16 i16 u32 i32 u64 i64, ptr (untyped pointer) or T* (e.g. u32*)\n"
    "  --eval names: registers as reg.NAME names them (rax, eax, al, flags..; i386:\n"
    "  eax, ax, al, flags..), arguments (NAME or argN), retval, errno, tid; a value\n"
    "  must fit their width. --mem makes bytes readable at ADDR;\n"
    "  other reads fault. --args, --eval and --mem are repeatable (they add up).\n"
    "  An option's value may also follow '=': --arch=i386.\n"
    "  See docs/expressions.md.\n");
}

static int fail_usage(const char *fmt, const char *what)
{
  fprintf(stderr, "ospy expr: ");
  fprintf(stderr, fmt, what);
  fprintf(stderr, "\n(ospy expr --help shows the usage)\n");
  return 2;
}

/* "u32" -> width/signedness; false if not a type name. */
static bool parse_int_type(const char *s, size_t n, uint8_t *width, bool *is_signed)
{
  static const char *const names[] = { "u8", "i8", "u16", "i16", "u32", "i32", "u64", "i64" };
  for (unsigned i = 0; i < 8; i++)
    if (strlen(names[i]) == n && !strncmp(s, names[i], n)) {
      *width = (uint8_t)(8u << (i / 2));
      *is_signed = i & 1;
      return true;
    }
  return false;
}

static bool parse_arg_type(expr_cli *c, ospy_expr_arg *a, const char *t)
{
  size_t n = strlen(t);
  uint8_t ptr_width = c->arch == OSPY_EXPR_ARCH_X86_64 ? 64 : 32;
  if (!strcmp(t, "ptr")) {
    *a = (ospy_expr_arg){ .width = ptr_width, .is_pointer = true };
    return true;
  }
  if (n > 1 && t[n - 1] == '*') {
    *a = (ospy_expr_arg){ .width = ptr_width, .is_pointer = true };
    return parse_int_type(t, n - 1, &a->pointee_width, &a->pointee_signed);
  }
  *a = (ospy_expr_arg){ 0 };
  return parse_int_type(t, n, &a->width, &a->is_signed);
}

/* "len:u32,buf:u8*" (one --args value) -> scope args, after those of the
 * --args before it (argN is the N-th in all). */
static bool parse_args_spec(expr_cli *c, const char *args_spec)
{
  char spec[1024];
  snprintf(spec, sizeof spec, "%s", args_spec);
  char *save = NULL;
  for (char *item = strtok_r(spec, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
    char *colon = strchr(item, ':');
    if (!colon || colon == item || c->nargs == MAX_ARGS || colon - item >= 64) {
      fprintf(stderr, "ospy expr: --args: bad entry '%s' (want NAME:TYPE)\n", item);
      return false;
    }
    if (!ospy_expr_is_identifier(item, (size_t)(colon - item))) {
      fprintf(stderr, "ospy expr: --args: argument name '%.*s' is not an identifier (ASCII "
              "letters, digits and '_', not a digit first): the expression could not name it\n",
              (int)(colon - item), item);
      return false;
    }
    ospy_expr_arg *a = &c->args[c->nargs];
    if (!parse_arg_type(c, a, colon + 1)) {
      fprintf(stderr, "ospy expr: --args: unknown type '%s' for '%.*s'\n", colon + 1,
              (int)(colon - item), item);
      return false;
    }
    snprintf(c->arg_names[c->nargs], sizeof c->arg_names[0], "%.*s", (int)(colon - item), item);
    for (size_t i = 0; i < c->nargs; i++)
      if (!strcmp(c->arg_names[i], c->arg_names[c->nargs])) {
        fprintf(stderr, "ospy expr: --args: argument '%s' is given twice\n", c->arg_names[i]);
        return false;
      }
    a->name = c->arg_names[c->nargs];
    a->index = (uint32_t)c->nargs++;
  }
  return true;
}

static bool parse_args(expr_cli *c)
{
  for (size_t i = 0; i < c->args_specs.n; i++)
    if (!parse_args_spec(c, c->args_specs.items[i]))
      return false;
  return true;
}

typedef enum { NUMBER_OK, NUMBER_BAD, NUMBER_TOO_BIG } number_status;

/* A decimal, 0x hex or 0 octal number, negative with '-': as 64 bits
 * (NUMBER_TOO_BIG when it does not fit them, as unsigned or as signed). */
static number_status parse_number(const char *s, uint64_t *v)
{
  char *end;
  errno = 0;
  if (*s == '-')
    *v = (uint64_t)strtoll(s, &end, 0);
  else
    *v = strtoull(s, &end, 0);
  if (!*s || *end)
    return NUMBER_BAD;
  return errno == ERANGE ? NUMBER_TOO_BIG : errno ? NUMBER_BAD : NUMBER_OK;
}

/* For a register of the other architecture only: what to write instead
 * (every i386 name is an x86-64 one too: eax is rax's low half there). */
static const char *other_arch_hint(expr_cli *c, const char *name)
{
  unsigned offset, width;
  if (c->arch != OSPY_EXPR_ARCH_X86_64 &&
      ospy_expr_register(OSPY_EXPR_ARCH_X86_64, name, &offset, &width))
    return " (an x86-64 register: --arch x86-64; i386 has eax, ax, al...)";
  return "";
}

/* What --eval can set: a 64-bit slot (argument, retval, errno, tid) or a
 * register's bytes in the context (a full register or a view of one, as
 * reg.NAME reads it: rax, eax, al, flags), and how many bits it holds. */
typedef struct eval_target {
  uint64_t *slot;
  uint8_t *reg;
  unsigned width;
} eval_target;

static bool find_slot(expr_cli *c, const char *name, eval_target *t)
{
  for (size_t i = 0; i < c->nargs; i++) {
    char positional[32];
    snprintf(positional, sizeof positional, "arg%zu", i);
    if (!strcmp(name, c->args[i].name) || !strcmp(name, positional)) {
      *t = (eval_target){ &c->argv[i], NULL, c->args[i].width };
      return true;
    }
  }
  if (!strcmp(name, "retval"))
    *t = (eval_target){ &c->frame.retval, NULL, c->scope.retval_width };
  else if (!strcmp(name, "errno"))
    *t = (eval_target){ &c->frame.err, NULL, 32 }; /* an int */
  else if (!strcmp(name, "tid"))
    *t = (eval_target){ &c->frame.tid, NULL, 32 };
  else
    return false;
  return true;
}

/* The names --eval takes are those expressions take: an argument's, retval,
 * errno, tid, and the registers reg.NAME names on the architecture (it took
 * full registers only: `flags=0x202` was an unknown name, `eax=1` on x86-64
 * one of i386, where reg.eax reads rax's low half). */
static bool find_target(expr_cli *c, const char *name, eval_target *t)
{
  if (find_slot(c, name, t))
    return true;
  unsigned offset, width;
  if (!ospy_expr_register(c->arch, name, &offset, &width))
    return false;
  uint8_t *ctx = c->arch == OSPY_EXPR_ARCH_X86_64 ? (uint8_t *)&c->ctx64 : (uint8_t *)&c->ctx32;
  *t = (eval_target){ NULL, ctx + offset, width };
  return true;
}

/* Whether v, the number text (negative when it starts with '-') read as 64
 * bits, fits `width` bits as an unsigned or a two's-complement value: eax=-1
 * does, eax=0x100000001 does not. */
static bool fits_width(uint64_t v, bool negative, unsigned width)
{
  if (width >= 64)
    return true;
  if (negative)
    return (int64_t)v >= -(int64_t)(1ull << (width - 1));
  return v >> width == 0;
}

/* Whether two registers set share a byte: rax and eax, ax and ah do, al and
 * ah do not. */
static bool regs_overlap(const eval_target *a, const eval_target *b)
{
  return a->reg && b->reg && a->reg < b->reg + b->width / 8 && b->reg < a->reg + a->width / 8;
}

/* Whether --eval already set the slot of target t, or a bit of its
 * register (under this name or another: `len` and `arg0`, `rflags` and
 * `flags`, `rax` and `al`); says so. */
static bool set_twice(const char *name, const eval_target *t, const eval_target *set,
                      char names[][64], size_t nset)
{
  for (size_t i = 0; i < nset; i++) {
    bool same = set[i].slot == t->slot && set[i].reg == t->reg && set[i].width == t->width;
    if (!same && !regs_overlap(&set[i], t))
      continue;
    if (!strcmp(names[i], name))
      fprintf(stderr, "ospy expr: --eval: %s is set twice\n", name);
    else if (same)
      fprintf(stderr, "ospy expr: --eval: %s is %s, set already\n", name, names[i]);
    else
      fprintf(stderr, "ospy expr: --eval: %s shares bits with %s, set already\n", name, names[i]);
    return true;
  }
  return false;
}

/* What the --eval options set so far (a value set twice is an error, in
 * one option or two). */
typedef struct eval_set {
  eval_target targets[64];
  char names[64][64];
  size_t n;
} eval_set;

/* s without the blanks around it (cut in place). */
static char *trim_blanks(char *s)
{
  while (*s == ' ' || *s == '\t')
    s++;
  size_t n = strlen(s);
  while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
    s[--n] = '\0';
  return s;
}

/* What an unknown --eval name may have meant, as " (did you mean len?)", or
 * "": a name as the expression writes it (arg.len, reg.eax; --eval takes
 * them bare), else the closest of the names --eval takes. */
static const char *eval_name_hint(expr_cli *c, const char *name)
{
  static char hint[sizeof ((ospy_closest *)0)->found + 32];
  eval_target t;
  const char *close = NULL;
  ospy_closest near;
  if ((!strncmp(name, "arg.", 4) || !strncmp(name, "reg.", 4)) && find_target(c, name + 4, &t)) {
    close = name + 4;
  } else {
    static const char *const builtin[] = { "retval", "errno", "tid" };
    char positional[32];
    ospy_closest_init(&near, name);
    for (size_t i = 0; i < c->nargs; i++) {
      ospy_closest_offer(&near, c->args[i].name, "");
      snprintf(positional, sizeof positional, "arg%zu", i);
      ospy_closest_offer(&near, positional, "");
    }
    for (size_t i = 0; i < sizeof builtin / sizeof builtin[0]; i++)
      ospy_closest_offer(&near, builtin[i], "");
    for (size_t i = 0; ospy_expr_reg_name(c->arch, i); i++)
      ospy_closest_offer(&near, ospy_expr_reg_name(c->arch, i), "");
    close = ospy_closest_result(&near);
  }
  if (!close)
    return "";
  snprintf(hint, sizeof hint, " (did you mean %s?)", close);
  return hint;
}

/* One --eval value: "rax=1,len=20". */
static bool parse_eval_spec(expr_cli *c, const char *eval_spec, eval_set *es)
{
  char spec[1024];
  snprintf(spec, sizeof spec, "%s", eval_spec);
  char *save = NULL;
  for (char *item = strtok_r(spec, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
    item = trim_blanks(item); /* 'eax = 1, len = 2' as 'eax=1,len=2' */
    char *eq = strchr(item, '=');
    uint64_t v;
    eval_target t;
    char *value = eq ? trim_blanks(eq + 1) : NULL;
    number_status st = eq ? parse_number(value, &v) : NUMBER_BAD;
    if (st == NUMBER_BAD || eq == item) { /* (eq == item: no NAME) */
      fprintf(stderr, "ospy expr: --eval: bad entry '%s' (want NAME=NUMBER)\n", item);
      return false;
    }
    *eq = '\0';
    item = trim_blanks(item);
    if (!find_target(c, item, &t)) {
      const char *other_arch = other_arch_hint(c, item);
      fprintf(stderr, "ospy expr: --eval: unknown name '%s'%s\n", item,
              other_arch[0] ? other_arch : eval_name_hint(c, item));
      return false;
    }
    if (st == NUMBER_TOO_BIG || !fits_width(v, value[0] == '-', t.width)) {
      fprintf(stderr, "ospy expr: --eval: %s=%s does not fit %s (%u bits)\n", item, value,
              item, t.width);
      return false;
    }
    if (set_twice(item, &t, es->targets, es->names, es->n))
      return false;
    if (es->n < sizeof es->targets / sizeof es->targets[0]) {
      es->targets[es->n] = t;
      snprintf(es->names[es->n++], sizeof es->names[0], "%s", item);
    }
    /* slots hold the value's bits zero-extended, as the agent's do */
    if (t.slot)
      *t.slot = t.width >= 64 ? v : v & ((1ull << t.width) - 1);
    else /* its bytes of the register (little-endian, as the target's) */
      memcpy(t.reg, &v, t.width / 8);
  }
  return true;
}

static bool parse_eval(expr_cli *c)
{
  static eval_set es; /* large; one per process */
  memset(&es, 0, sizeof es);
  for (size_t i = 0; i < c->eval_specs.n; i++)
    if (!parse_eval_spec(c, c->eval_specs.items[i], &es))
      return false;
  return true;
}

static int hex_digit(char ch)
{
  if (ch >= '0' && ch <= '9')
    return ch - '0';
  if ((ch | 0x20) >= 'a' && (ch | 0x20) <= 'f')
    return (ch | 0x20) - 'a' + 10;
  return -1;
}

/* "feff" -> bytes (out has room for them); false unless s is an even number
 * of hex digits: sscanf's %2x took "1g" as 1 and "-1+1" as -1. */
static bool parse_hex_bytes(const char *s, uint8_t *out, size_t *len)
{
  size_t n = strlen(s);
  if (n == 0 || n % 2)
    return false;
  for (size_t i = 0; i < n; i += 2) {
    int hi = hex_digit(s[i]), lo = hex_digit(s[i + 1]);
    if (hi < 0 || lo < 0)
      return false;
    out[i / 2] = (uint8_t)(hi << 4 | lo);
  }
  *len = n / 2;
  return true;
}

static bool bad_region(const char *spec, const char *why)
{
  fprintf(stderr, "ospy expr: --mem: bad region '%s': %s (want ADDR=HEXBYTES, at most %zu bytes)\n",
          spec, why, sizeof((mem_region *)0)->bytes);
  return false;
}

/* A region given before that shares a byte with m (adjacent ones do not:
 * a read may span them). */
static const mem_region *overlapped_region(const expr_cli *c, const mem_region *m)
{
  uint64_t last = m->addr + (m->len - 1);
  for (size_t i = 0; i < c->nmem; i++) {
    const mem_region *o = &c->mem[i];
    if (m->addr <= o->addr + (o->len - 1) && o->addr <= last)
      return o;
  }
  return NULL;
}

static bool parse_mem(expr_cli *c, const char *spec)
{
  const char *eq = strchr(spec, '=');
  char addr[32], why[96];
  mem_region *m = &c->mem[c->nmem];
  if (c->nmem == MAX_MEM) {
    snprintf(why, sizeof why, "more than %d regions", MAX_MEM);
    return bad_region(spec, why);
  }
  if (!eq)
    return bad_region(spec, "no '='");
  /* a digit first: strtoull would also take blanks and signs */
  if (eq - spec >= (long)sizeof addr || !(spec[0] >= '0' && spec[0] <= '9'))
    return bad_region(spec, "no address before '='");
  snprintf(addr, sizeof addr, "%.*s", (int)(eq - spec), spec);
  number_status st = parse_number(addr, &m->addr);
  if (st == NUMBER_TOO_BIG)
    return bad_region(spec, "the address does not fit 64 bits");
  if (st != NUMBER_OK)
    return bad_region(spec, "no address before '='");
  if (strlen(eq + 1) > 2 * sizeof m->bytes)
    return bad_region(spec, "too many bytes");
  if (!parse_hex_bytes(eq + 1, m->bytes, &m->len)) {
    snprintf(why, sizeof why, "'%.40s%s' is not an even number of hex digits", eq + 1,
             strlen(eq + 1) > 40 ? "..." : "");
    return bad_region(spec, why);
  }
  if (m->addr && m->len > 0 - m->addr) /* its last byte's address wraps to 0 */
    return bad_region(spec, "it runs past 0xffffffffffffffff");
  const mem_region *o = overlapped_region(c, m);
  if (o) {
    snprintf(why, sizeof why, "it overlaps '%.60s' (a byte given twice)", o->spec);
    return bad_region(spec, why);
  }
  m->spec = spec;
  c->nmem++;
  return true;
}

/* i386 addresses are 32 bits: a read of bytes at or above 4 GiB faults, as
 * the agent's reader refuses it (the address is not cut to its low half). */
#define I386_ADDRESS_END (1ull << 32)

static bool beyond_address_space(const expr_cli *c, uint64_t addr, uint64_t n)
{
  return c->arch == OSPY_EXPR_ARCH_I386 && (addr >= I386_ADDRESS_END || n > I386_ADDRESS_END - addr);
}

/* --mem regions the architecture cannot hold (known once every option is
 * read: --arch may come after --mem): an error, not a region no read reaches. */
static bool check_regions(const expr_cli *c)
{
  for (size_t i = 0; i < c->nmem; i++)
    if (beyond_address_space(c, c->mem[i].addr, c->mem[i].len))
      return bad_region(c->mem[i].spec, "it runs past 0xffffffff, the last i386 address");
  return true;
}

/* The --mem region that holds the byte at addr, or NULL. */
static const mem_region *region_of(const expr_cli *c, uint64_t addr)
{
  for (size_t i = 0; i < c->nmem; i++)
    if (addr >= c->mem[i].addr && addr - c->mem[i].addr < c->mem[i].len)
      return &c->mem[i];
  return NULL;
}

/* n bytes at addr, byte by byte: a read may span adjacent regions
 * (--mem 0x10=0102 --mem 0x12=0304 makes u32[0x10] readable). */
static bool cli_read(uint64_t addr, void *out, size_t n, void *data)
{
  const expr_cli *c = data;
  if (beyond_address_space(c, addr, n))
    return false;
  for (size_t k = 0; k < n; k++) {
    uint64_t at = addr + k;
    const mem_region *m = at >= addr ? region_of(c, at) : NULL; /* none past 2^64 */
    if (!m)
      return false;
    ((uint8_t *)out)[k] = m->bytes[at - m->addr];
  }
  return true;
}

/* Without --args every arg.NAME is an argument: an unknown bare name that
 * is close to no other (`len > 3`) was meant as one, and is said as the
 * parser says a declared argument's bare name. */
static void hint_undeclared_arg(const expr_cli *c, ospy_expr_error *err)
{
  static const char unknown[] = "unknown name '";
  if (c->args_specs.n || !err->column || strncmp(err->message, unknown, sizeof unknown - 1) ||
      strstr(err->message, "(did you mean "))
    return;
  const char *name = c->src + err->column - 1;
  size_t n = 0;
  while (ospy_expr_ident_char(name[n]))
    n++;
  if (ospy_expr_is_identifier(name, n) && n < 64)
    snprintf(err->message, sizeof err->message, "unknown name '%.*s' (did you mean arg.%.*s?)",
             (int)n, name, (int)n, name);
}

static void print_compile_error(const expr_cli *c, const ospy_expr_error *err)
{
  char msg[256];
  size_t n = strlen(c->src) + 1;
  char *line = malloc(n);
  ospy_expr_error_format(err, msg, sizeof msg);
  /* on one line, so that the caret below stands under its column */
  fprintf(stderr, "ospy expr: %s\n  %s\n", msg,
          line ? ospy_expr_one_line(c->src, line, n) : c->src);
  if (err->column)
    fprintf(stderr, "  %*s^\n", (int)err->column - 1, "");
  free(line);
}

static int disasm(const ospy_expr *e)
{
  static uint8_t code[65536];
  size_t len;
  ospy_expr_error err;
  if (!ospy_expr_codegen(e, code, sizeof code, &len, &err)) {
    fprintf(stderr, "ospy expr: %s\n", err.message);
    return 1;
  }
  csh cs;
  bool x64 = ospy_expr_get_arch(e) == OSPY_EXPR_ARCH_X86_64;
  if (cs_open(CS_ARCH_X86, x64 ? CS_MODE_64 : CS_MODE_32, &cs) != CS_ERR_OK) {
    fprintf(stderr, "ospy expr: cannot open the disassembler\n");
    return 1;
  }
  cs_insn *insn;
  size_t count = cs_disasm(cs, code, len, 0, 0, &insn);
  printf("%s code, %zu bytes:\n", x64 ? "x86-64" : "i386", len);
  for (size_t i = 0; i < count; i++) {
    char hex[64] = "";
    for (size_t j = 0; j < insn[i].size && j < 15; j++)
      snprintf(hex + 3 * j, sizeof hex - 3 * j, "%02x ", insn[i].bytes[j]);
    printf("  %04" PRIx64 ":  %-30s %s %s\n", insn[i].address, hex, insn[i].mnemonic,
           insn[i].op_str);
  }
  cs_free(insn, count);
  cs_close(&cs);
  return 0;
}

static void print_value(const char *who, const ospy_expr *e, uint64_t v, bool faulted)
{
  unsigned width;
  bool is_signed;
  ospy_expr_result_type(e, &width, &is_signed);
  if (faulted)
    printf("%-12s 0 (faulted: a memory read failed)\n", who);
  else if (is_signed)
    printf("%-12s %" PRId64 " (0x%" PRIx64 ")\n", who, (int64_t)v, v);
  else
    printf("%-12s %" PRIu64 " (0x%" PRIx64 ")\n", who, v, v);
}

static int evaluate(expr_cli *c, const ospy_expr *e)
{
  c->frame.ctx = c->arch == OSPY_EXPR_ARCH_X86_64 ? (uintptr_t)&c->ctx64 : (uintptr_t)&c->ctx32;
  c->frame.args = (uintptr_t)c->argv;
  c->frame.nargs = c->nargs;
  c->frame.read_mem = (uintptr_t)cli_read;
  c->frame.read_data = (uintptr_t)c;
  bool faulted;
  uint64_t v = ospy_expr_eval_interp(e, &c->frame, &faulted);
  print_value("interpreter:", e, v, faulted);
  if (c->arch != OSPY_EXPR_ARCH_NATIVE) {
    printf("%-12s not run: i386 code cannot run in this 64-bit process, and ospy-expr32 "
           "(the i386 build of this command) is %s\n", "jit:", expr32_missing);
    return 0;
  }
  ospy_expr_error err;
  ospy_expr_codepool *pool = ospy_expr_codepool_new();
  ospy_expr_fn fn = pool ? ospy_expr_jit(e, pool, &err) : NULL;
  int rc = 0;
  if (fn && ospy_expr_codepool_seal(pool)) {
    uint32_t jit_faulted;
    uint64_t jv = fn(&c->frame, &jit_faulted);
    print_value("jit:", e, jv, jit_faulted != 0);
    rc = jv == v && (jit_faulted != 0) == faulted ? 0 : 1;
    if (rc)
      fprintf(stderr, "ospy expr: the JIT and the interpreter disagree\n");
  } else {
    printf("%-12s not run: %s\n", "jit:", fn ? "cannot seal the code pages" : err.message);
  }
  ospy_expr_codepool_free(pool);
  return rc;
}

static int take_expression(expr_cli *c, const char *a)
{
  if (c->src)
    return fail_usage("more than one expression given ('%s')", a);
  c->src = a;
  return -1;
}

/* argv[*i] as one of the options that take a value ("--arch i386" or
 * "--arch=i386"): its name, *val its value (NULL: missing) and *i on the
 * last argument it used; NULL for any other argument. */
static const char *value_option(int argc, char **argv, int *i, const char **val)
{
  static const char *const names[] = { "--arch", "--args", "--eval", "--retval", "--mem" };
  for (size_t k = 0; k < sizeof names / sizeof names[0]; k++) {
    int got = ospy_cli_value_option(argc, argv, i, names[k], val);
    if (got < 0)
      *val = NULL;
    if (got)
      return names[k];
  }
  return NULL;
}

static int parse_options(expr_cli *c, int argc, char **argv)
{
  bool options = true; /* until "--": then an expression may start with "--" */
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i], *name, *val;
    int rc;
    if (!options || (a[0] == '-' && a[1] == '-' && !a[2])) {
      if (options)
        options = false;
      else if ((rc = take_expression(c, a)) >= 0)
        return rc;
    } else if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
      usage(stdout);
      return 0;
    } else if (!strcmp(a, "--disasm")) {
      c->disasm = true;
    } else if ((name = value_option(argc, argv, &i, &val)) != NULL) {
      if (!val)
        return fail_usage("%s needs a value", name);
      if (!strcmp(name, "--arch")) {
        int bits = ospy_cli_arch_bits(val);
        if (!bits)
          return fail_usage("unknown architecture '%s' (" OSPY_CLI_ARCH_NAMES ")", val);
        if (c->arch_given)
          return fail_usage("%s is given twice (one architecture)", name);
        c->arch_given = true;
        c->arch = bits == 64 ? OSPY_EXPR_ARCH_X86_64 : OSPY_EXPR_ARCH_I386;
      } else if (!strcmp(name, "--args") || !strcmp(name, "--eval")) {
        option_list *l = !strcmp(name, "--args") ? &c->args_specs : &c->eval_specs;
        if (l->n == MAX_REPEATS)
          return fail_usage("%s is given more than 16 times", name);
        l->items[l->n++] = val;
      } else if (!strcmp(name, "--retval")) {
        if (c->retval_spec)
          return fail_usage("%s is given twice (one type)", name);
        c->retval_spec = val;
      } else if (!parse_mem(c, val)) {
        return 2;
      }
    } else if (a[0] == '-' && a[1] == '-') {
      return fail_usage("unknown option '%s' (an expression that starts with '--' "
                        "goes after '--')", a);
    } else if ((rc = take_expression(c, a)) >= 0) {
      return rc;
    }
  }
  if (!c->src)
    return fail_usage("no expression given%s", "");
  return -1;
}

/* Without --args, each `arg.NAME` the expression names is an argument of
 * pointer width, unsigned, numbered in the order they first appear (issue
 * 3's own example, `arg.len > 16 ... --eval 'rax=1,len=20'`, gives none). */
static void add_inferred_arg(expr_cli *c, const char *name, size_t n, unsigned width)
{
  snprintf(c->arg_names[c->nargs], sizeof c->arg_names[0], "%.*s", (int)n, name);
  c->args[c->nargs] = (ospy_expr_arg){ .name = c->arg_names[c->nargs],
                                       .index = (uint32_t)c->nargs, .width = (uint8_t)width };
  fprintf(stderr, "ospy expr: note: no --args: '%s' is argument %zu, u%u\n",
          c->arg_names[c->nargs], c->nargs, width);
  c->nargs++;
}

/* `argN` without --args: arguments 0..N exist (named argK). */
static void infer_positional(expr_cli *c, unsigned width)
{
  for (const char *p = c->src; (p = strstr(p, "arg")) != NULL; p += 3) {
    if ((p > c->src && (ospy_expr_ident_char(p[-1]) || p[-1] == '.')) || p[3] < '0' || p[3] > '9')
      continue;
    char *end;
    unsigned long k = strtoul(p + 3, &end, 10);
    if (ospy_expr_ident_char(*end) || k >= MAX_ARGS)
      continue;
    while (c->nargs <= k) {
      char name[16];
      int len = snprintf(name, sizeof name, "arg%zu", c->nargs);
      add_inferred_arg(c, name, (size_t)len, width);
    }
  }
}

static void infer_args(expr_cli *c)
{
  unsigned width = c->arch == OSPY_EXPR_ARCH_X86_64 ? 64 : 32;
  for (const char *p = c->src; (p = strstr(p, "arg.")) != NULL; p += 4) {
    if (p > c->src && (ospy_expr_ident_char(p[-1]) || p[-1] == '.'))
      continue;
    size_t n = 0;
    while (ospy_expr_ident_char(p[4 + n]))
      n++;
    /* (arg.1 names nothing: the parser says what is wrong with it) */
    if (!ospy_expr_is_identifier(p + 4, n) || n >= sizeof c->arg_names[0] ||
        c->nargs == MAX_ARGS)
      continue;
    bool known = false;
    for (size_t i = 0; i < c->nargs && !known; i++)
      known = strlen(c->arg_names[i]) == n && !strncmp(c->arg_names[i], p + 4, n);
    if (known)
      continue;
    add_inferred_arg(c, p + 4, n, width);
  }
  infer_positional(c, width);
}

static bool build_scope(expr_cli *c)
{
  if (!parse_args(c))
    return false;
  if (!c->args_specs.n)
    infer_args(c);
  c->scope = (ospy_expr_scope){ .arch = c->arch, .args = c->args, .nargs = c->nargs,
                                .has_retval = true,
                                .retval_width = c->arch == OSPY_EXPR_ARCH_X86_64 ? 64 : 32,
                                .retval_signed = true };
  if (c->retval_spec &&
      !parse_int_type(c->retval_spec, strlen(c->retval_spec), &c->scope.retval_width,
                      &c->scope.retval_signed)) {
    fprintf(stderr, "ospy expr: --retval: unknown type '%s'\n", c->retval_spec);
    return false;
  }
  return true;
}

/* `--arch i386 --eval` from the 64-bit ospy: the same command run by
 * ospy-expr32, where the i386 code can run. Returns only when it cannot. */
static void run_as_i386(const expr_cli *c, char **argv)
{
  static char path[] = OSPY_EXPR32_PATH;
  if (c->arch != OSPY_EXPR_ARCH_I386 || OSPY_EXPR_ARCH_NATIVE == OSPY_EXPR_ARCH_I386 ||
      !(c->eval_specs.n || c->nmem) || !path[0])
    return;
  argv[0] = path;
  fflush(stdout);
  execv(path, argv);
  static char why[512];
  snprintf(why, sizeof why, "not runnable: %s: %s", path, strerror(errno));
  expr32_missing = why;
}

int cmd_expr(int argc, char **argv)
{
  static expr_cli cli; /* large; one per process */
  expr_cli *c = &cli;
  memset(c, 0, sizeof *c);
  c->arch = OSPY_EXPR_ARCH_NATIVE;
  int rc = parse_options(c, argc, argv);
  if (rc >= 0)
    return rc;
  if (!check_regions(c))
    return 2;
  run_as_i386(c, argv);
  if (!build_scope(c))
    return 2;
  ospy_expr *e;
  ospy_expr_error err;
  if (!ospy_expr_compile(c->src, &c->scope, &e, &err)) {
    hint_undeclared_arg(c, &err);
    print_compile_error(c, &err);
    return 2;
  }
  unsigned width;
  bool is_signed;
  uint64_t k;
  if (c->eval_specs.n && !parse_eval(c)) { /* before any output: a bad --eval is all it says */
    ospy_expr_free(e);
    return 2;
  }
  ospy_expr_result_type(e, &width, &is_signed);
  bool constant = ospy_expr_is_constant(e, &k);
  printf("type:        %c%u%s\n", is_signed ? 'i' : 'u', width, constant ? " (constant)" : "");
  /* a constant's value, without --eval (which prints it as computed) */
  if (constant && !c->eval_specs.n && !c->nmem)
    print_value("value:", e, k, false);
  fflush(stdout); /* keep the order of stdout and stderr lines */
  rc = c->disasm ? disasm(e) : 0;
  /* --mem alone evaluates too, everything else 0: memory is only there to be read */
  if (rc == 0 && (c->eval_specs.n || c->nmem))
    rc = evaluate(c, e);
  ospy_expr_free(e);
  return rc;
}
