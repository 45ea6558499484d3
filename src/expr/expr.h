/*
 * ospy expressions: log conditions, buffer sizes, element counts, type
 * selectors. See docs/expressions.md for the language.
 *
 * Life cycle: ospy_expr_compile() parses, type-checks and folds an expression
 * against a scope (what `arg.NAME`, `reg.NAME` and `retval` mean) at init time
 * (allocates). Evaluation, by the interpreter or by JIT-compiled machine code,
 * never allocates and never faults: memory is read only through the frame's
 * read_mem callback.
 */
#ifndef OSPY_EXPR_EXPR_H
#define OSPY_EXPR_EXPR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum ospy_expr_arch {
  OSPY_EXPR_ARCH_X86_64 = 64,
  OSPY_EXPR_ARCH_I386 = 32,
} ospy_expr_arch;

#if defined(__x86_64__)
#define OSPY_EXPR_ARCH_NATIVE OSPY_EXPR_ARCH_X86_64
#else
#define OSPY_EXPR_ARCH_NATIVE OSPY_EXPR_ARCH_I386
#endif

/* One argument of the function the expression belongs to. */
typedef struct ospy_expr_arg {
  const char *name;
  uint32_t index;        /* slot in ospy_expr_frame.args */
  uint8_t width;         /* 8, 16, 32 or 64 (a pointer: the target's pointer width) */
  bool is_signed;
  bool is_pointer;
  uint8_t pointee_width; /* for `*arg.NAME`; 0 when the target type is unknown */
  bool pointee_signed;
  /* oSpy's rule for a ...Ptr scalar argument: `arg.NAME` (and `argN`, `*arg.NAME`)
   * mean the value it points to; `&arg.NAME` is then the pointer itself. */
  bool auto_deref;
  /* a float or double: not a number expressions can use (they compute with
   * integers); naming it is an error that says so */
  bool is_float;
  /* a value that may be missing (a computed argument whose own expression
   * faulted): bit `index` of ospy_expr_frame.arg_faults tells, and using a
   * missing value is a read that faulted. index must be below 64. */
  bool may_fault;
} ospy_expr_arg;

/* A name after an argument's, `id` of `req.id`: len bytes of the source,
 * not NUL-terminated. */
typedef struct ospy_expr_field_name {
  const char *name;
  size_t len;
} ospy_expr_field_name;

/* The most names after an argument's: `a.b.c` is 2 (values nest 8 deep). */
#define OSPY_EXPR_MAX_FIELD_DEPTH 8
/* The index lookup_field's base has for `retval.NAME`. */
#define OSPY_EXPR_RETVAL_INDEX UINT32_MAX

/* What names mean; supplied by the caller (config / agent). */
typedef struct ospy_expr_scope {
  ospy_expr_arch arch;
  const ospy_expr_arg *args; /* `argN` is args[N] */
  size_t nargs;
  bool has_retval;           /* leave-time expression */
  uint8_t retval_width;
  bool retval_signed;
  bool retval_is_float;      /* the return value is a float or double: `retval` is an error */
  /* Bare names (`fd`, `pid`) standing for argument slots, for readers that
   * filter recorded events; looked up after every built-in name, so `tid`,
   * `errno` and `retval` keep their meaning. NULL: none. */
  const ospy_expr_arg *names;
  size_t nnames;
  /* Named integer constants (a reader's enumeration members, errno names:
   * `code == IOCTL_KS_PROPERTY`), looked up after every other name: true
   * with the value and its type's width (bits) and signedness when the
   * name (len bytes, not NUL-terminated) is one. NULL: none. */
  bool (*lookup_const)(const char *name, size_t len, void *data, uint64_t *value,
                       uint8_t *width, bool *is_signed);
  void *const_data;
  /* Readers: a structure argument's fields, `req.id`, `arg.req.hdr.len` (n
   * names after the argument's, at most OSPY_EXPR_MAX_FIELD_DEPTH), and the
   * return value's (`retval.a`: base->index OSPY_EXPR_RETVAL_INDEX): true
   * with *field filled as an argument slot the reader fills with the value
   * recorded (its name the path, "req.id", for messages; may_fault when
   * the value can be missing); false with why filled and *bad the index of
   * the name it is about. NULL: naming a field is an error that says to
   * read the field's memory instead (configs, the agent). */
  bool (*lookup_field)(const ospy_expr_arg *base, const ospy_expr_field_name *names, size_t n,
                       void *data, ospy_expr_arg *field, char *why, size_t why_size,
                       size_t *bad);
  void *field_data;
} ospy_expr_scope;

/*
 * What an evaluation sees. The layout is fixed and arch-independent (every
 * field 64-bit) so that the i386 code generator, even when it runs in a 64-bit
 * process, knows the offsets.
 */
typedef struct ospy_expr_frame {
  uint64_t ctx;       /* address of an ospy_x64_context or ospy_x86_context */
  uint64_t args;      /* address of uint64_t[nargs], raw values zero-extended */
  uint64_t nargs;     /* must cover every argument index the scope names */
  uint64_t retval;    /* raw, zero-extended */
  uint64_t err;       /* errno */
  uint64_t tid;
  uint64_t read_mem;  /* ospy_expr_read_fn: a read that never faults */
  uint64_t read_data; /* its last argument */
  uint64_t arg_faults; /* bit i: args[i] is missing, for arguments marked may_fault */
} ospy_expr_frame;

/* Copies n bytes at addr to out; false when any of them is unreadable. */
typedef bool (*ospy_expr_read_fn)(uint64_t addr, void *out, size_t n, void *data);

typedef struct ospy_expr_error {
  unsigned column; /* 1-based; 0 when not about a position */
  char message[160];
} ospy_expr_error;

typedef struct ospy_expr ospy_expr;

/* Returns false with *err filled; *out is then NULL. */
bool ospy_expr_compile(const char *src, const ospy_expr_scope *scope,
                       ospy_expr **out, ospy_expr_error *err);
void ospy_expr_free(ospy_expr *expr);
ospy_expr_arch ospy_expr_get_arch(const ospy_expr *expr);
/* True when the folded expression is a constant (then *value holds it). */
bool ospy_expr_is_constant(const ospy_expr *expr, uint64_t *value);

/* The type of the result: width 8..64 and signedness (e.g. a size given as
 * `arg.len` is u32 when len is declared u32; comparisons are i32). */
void ospy_expr_result_type(const ospy_expr *expr, unsigned *width, bool *is_signed);

/* What an expression reads (after folding: a folded-away name does not count). */
enum {
  OSPY_EXPR_USES_RETVAL = 1 << 0,     /* `retval` */
  OSPY_EXPR_USES_RETURN_REG = 1 << 1, /* rax/eax or one of their views */
  OSPY_EXPR_USES_ERRNO = 1 << 2,
  OSPY_EXPR_USES_MEMORY = 1 << 3,     /* calls read_mem */
  OSPY_EXPR_USES_REGS = 1 << 4,       /* any register */
  OSPY_EXPR_USES_ARGS = 1 << 5,
};
/* Tells, e.g., whether a condition only means something at leave time. */
unsigned ospy_expr_uses(const ospy_expr *expr);
/* The arguments it reads (after folding), bit `index` for each; indexes
 * from 64 on are not told. */
uint64_t ospy_expr_args_read(const ospy_expr *expr);

/* A register as an expression names it (reg.NAME: rax, eax, al, flags...)
 * on arch: its byte offset in the arch's context (ospy_x64_context,
 * ospy_x86_context: a view's bytes of its full register) and its width in
 * bits. False when arch has no register of that name. */
bool ospy_expr_register(ospy_expr_arch arch, const char *name, unsigned *offset,
                        unsigned *width);
/* The i-th register name of arch, NULL past the last: what reg.NAME takes,
 * for "did you mean" (the parser's, ospy expr --eval's). */
const char *ospy_expr_reg_name(ospy_expr_arch arch, size_t i);

/* "MESSAGE at column N" (or just MESSAGE when column is 0) into buf. */
void ospy_expr_error_format(const ospy_expr_error *err, char *buf, size_t size);
/* src on one line into buf (cut to fit), to echo it in an error: newlines,
 * tabs and other blanks become spaces, one for one, so that a column still
 * counts its bytes. Returns buf. */
const char *ospy_expr_one_line(const char *src, char *buf, size_t size);

/*
 * Evaluates with the tree-walking interpreter. The first memory read that
 * faults ends the evaluation: the result is 0 and *faulted is true. Otherwise
 * *faulted is false. Works for either arch in any process.
 */
uint64_t ospy_expr_eval_interp(const ospy_expr *expr, const ospy_expr_frame *frame,
                               bool *faulted);

/*
 * The same, but a value that faulted (a read, a missing argument) is
 * unknown rather than the end of the evaluation, as in three-valued logic:
 * `a || b` is true when either side is true, `a && b` false when either is
 * false, whatever the other is (both sides are evaluated when the first
 * does not decide); anything else that uses an unknown value is unknown
 * (`!`, `?:` on it, arithmetic, comparisons). An unknown result is 0 with
 * *faulted true. What readers filter recorded calls by (ospy show
 * --filter): `req.id == 7 || len == 4` keeps a call whose req is NULL and
 * len 4. The agent and the JITs keep the rule above.
 */
uint64_t ospy_expr_eval_interp_unknown(const ospy_expr *expr, const ospy_expr_frame *frame,
                                       bool *faulted);

/* A JIT-compiled expression: same result and fault rule as the interpreter;
 * *faulted is set to 0 or 1. */
typedef uint64_t (*ospy_expr_fn)(const ospy_expr_frame *frame, uint32_t *faulted);

/*
 * Generates position-independent machine code for the expression's arch into
 * buf (which need not be executable). Returns false with *err filled (e.g. the
 * expression is too large for the code generator: use the interpreter).
 * Helper calls in i386 code generated by a 64-bit process carry address 0.
 */
bool ospy_expr_codegen(const ospy_expr *expr, void *buf, size_t capacity,
                       size_t *len, ospy_expr_error *err);

/* A pool of executable pages holding JIT code; freed as a whole (with its
 * plan). Not thread-safe: fill and seal it at init time. Functions added after
 * a seal go to fresh pages, so compile a plan's expressions, then seal once. */
typedef struct ospy_expr_codepool ospy_expr_codepool;

ospy_expr_codepool *ospy_expr_codepool_new(void);
/* Makes every function added so far executable (pages become read+exec,
 * never writable again). */
bool ospy_expr_codepool_seal(ospy_expr_codepool *pool);
void ospy_expr_codepool_free(ospy_expr_codepool *pool);

/*
 * Compiles the expression (its arch must be the native one) into the pool.
 * The function may be called once ospy_expr_codepool_seal() returned true.
 * Returns NULL with *err filled on failure.
 */
ospy_expr_fn ospy_expr_jit(const ospy_expr *expr, ospy_expr_codepool *pool,
                           ospy_expr_error *err);

/* What an expression can name (arg.NAME): whether ch may appear in an
 * identifier ([A-Za-z0-9_]), and whether the n bytes at s are one
 * ([A-Za-z_][A-Za-z0-9_]*). Configs and `ospy expr --args` require argument
 * names to be identifiers. */
bool ospy_expr_ident_char(char ch);
bool ospy_expr_is_identifier(const char *s, size_t n);

/* Helpers the i386 JIT calls for 64-bit division, modulo and shifts. */
uint64_t ospy_expr_helper_udiv(uint64_t a, uint64_t b);
uint64_t ospy_expr_helper_sdiv(uint64_t a, uint64_t b);
uint64_t ospy_expr_helper_umod(uint64_t a, uint64_t b);
uint64_t ospy_expr_helper_smod(uint64_t a, uint64_t b);
uint64_t ospy_expr_helper_shl(uint64_t a, uint64_t b);
uint64_t ospy_expr_helper_shr(uint64_t a, uint64_t b);
uint64_t ospy_expr_helper_sar(uint64_t a, uint64_t b);

#endif
