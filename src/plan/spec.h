/*
 * Function specs and types, as the config describes them (oSpy's <types> and
 * <specs>), in a form shared by the controller (which builds and encodes the
 * table), the agent (which decodes it and marshals arguments) and the readers
 * (which decode values blobs with it).
 *
 * Types are referenced by index into the table's type array. The first
 * OSPY_SPEC_NBUILTIN entries are the built-in marshallers in the order of
 * enum ospy_builtin; user enumerations and structures follow. Every type name
 * `Foo` also has the form `FooPtr`: a type reference carries a `ptr` flag.
 *
 * Expressions (size, elementCount, logCondition, typeNameBase, value) are stored as
 * source text; ospy_marshal_prepare compiles them in the agent.
 */
#ifndef OSPY_PLAN_SPEC_H
#define OSPY_PLAN_SPEC_H

#include <stddef.h>
#include <stdint.h>

#define OSPY_SPEC_NONE UINT32_MAX
#define OSPY_SPEC_MAX_ARGS 32
#define OSPY_BYTES_FAST_MAX_ARGS 8 /* fn->bytes_words: its plan lies on the program's stack */

enum ospy_callconv {
  OSPY_CALLCONV_DEFAULT = 0, /* SysV on x86-64, cdecl on i386 */
  OSPY_CALLCONV_CDECL,
  OSPY_CALLCONV_STDCALL,
  OSPY_CALLCONV_FASTCALL,
  OSPY_CALLCONV_THISCALL,
  OSPY_CALLCONV_SYSV,
  /* i386 GCC regparm(N): the first N integer arguments in eax, edx, ecx
   * (GCC's own choice for local functions at -O2; __attribute__((regparm))) */
  OSPY_CALLCONV_REGPARM1,
  OSPY_CALLCONV_REGPARM2,
  OSPY_CALLCONV_REGPARM3,
  /* i386 clang's convention for local functions at -O1 and above (LLVM's
   * fastcc): the integer argument words in ecx, edx, a 64-bit integer's two
   * words split between edx and the stack when one register is left, a
   * Double on the stack 8-byte aligned; the caller pops (spec_abi.h) */
  OSPY_CALLCONV_FASTCC,
  OSPY_CALLCONV_LAST = OSPY_CALLCONV_FASTCC,
};

enum ospy_direction { OSPY_DIR_IN = 1, OSPY_DIR_OUT = 2, OSPY_DIR_INOUT = 3 };

/* How a type is marshaled. */
enum ospy_type_kind {
  OSPY_KIND_INT = 1,  /* width + signedness */
  OSPY_KIND_BOOL,     /* width; shown true/false (MSBool: TRUE/FALSE) */
  OSPY_KIND_POINTER,  /* pointer-width address */
  OSPY_KIND_FLOAT,    /* width 4 or 8 */
  OSPY_KIND_BYTES,    /* ByteArray: `size` bytes */
  OSPY_KIND_STRING,   /* width = code unit size: 1 ASCII/UTF-8, 2 UTF-16, 4 UTF-32 */
  OSPY_KIND_FORMAT,   /* printf format string (code unit width) + its varargs */
  OSPY_KIND_VALIST,   /* a va_list, consumed by a format string argument */
  OSPY_KIND_ARRAY,    /* elementType x elementCount */
  OSPY_KIND_ENUM,     /* user enumeration (width 4 unless marshalAs; signed when a
                         member is negative: ospy_spec_enum_signed) */
  OSPY_KIND_FLAGS,    /* user enumeration with flags="true" */
  OSPY_KIND_STRUCT,   /* user structure */
  OSPY_KIND_DYNAMIC,  /* type chosen at run time: typeNameBase + typeNameSuffix */
  OSPY_KIND_IPV4,     /* struct in_addr, network order */
  OSPY_KIND_SOCKADDR, /* struct sockaddr by family */
  OSPY_KIND_ERRNO,    /* int, shown by name */
  OSPY_KIND_FD,       /* int file descriptor */
};

/* Built-in types, in table order (names in spec.c). */
enum ospy_builtin {
  OSPY_BT_UINT8, OSPY_BT_INT8, OSPY_BT_UINT16, OSPY_BT_INT16,
  OSPY_BT_UINT32, OSPY_BT_INT32, OSPY_BT_UINT64, OSPY_BT_INT64,
  OSPY_BT_SIZE, OSPY_BT_SSIZE, OSPY_BT_POINTER,
  OSPY_BT_BOOLEAN, OSPY_BT_CPPBOOL, OSPY_BT_MSBOOL,
  OSPY_BT_FLOAT, OSPY_BT_DOUBLE,
  OSPY_BT_BYTEARRAY, OSPY_BT_ASCIISTRING, OSPY_BT_UNICODESTRING, OSPY_BT_WIDESTRING,
  OSPY_BT_ASCIIFORMAT, OSPY_BT_UNICODEFORMAT, OSPY_BT_VALIST,
  OSPY_BT_ARRAY, OSPY_BT_DYNAMIC, OSPY_BT_IPV4INADDR, OSPY_BT_SOCKADDR,
  OSPY_BT_ERRNO, OSPY_BT_FD,
  OSPY_SPEC_NBUILTIN
};

/* A use of a type: the type, whether it is `...Ptr`, and display options. */
struct ospy_spec_table;

typedef struct ospy_spec_typeref {
  uint32_t type;       /* index into the table's types */
  uint8_t ptr;         /* the value is a pointer to the type */
  uint8_t hex;         /* hex="true" */
  uint8_t octal;       /* octal="true": integers (and a flags value's rest) in octal */
  uint8_t big_endian;  /* endian="big" (struct fields) */
  uint8_t elem_ptr;    /* elementType is a ...Ptr type (e.g. AsciiStringPtr) */
  uint8_t null_term;   /* Array: nullTerminated="true", ends at the first all-zero element */
  uint8_t raw_word;    /* one of the words argsSize="N" gives a function described without
                          <arguments> (UInt32/UInt64): shown and exported as the raw
                          words of a call without a spec (arg0.., in hex) */
  uint32_t marshal_as; /* marshalAs type (an integer type) or OSPY_SPEC_NONE */
  uint32_t elem_type;  /* elementType for Array, or OSPY_SPEC_NONE */
} ospy_spec_typeref;

/* An expression: source text plus what the agent compiled from it. */
typedef struct ospy_spec_expr {
  const char *src;     /* NULL when absent */
  void *compiled;      /* set by ospy_marshal_prepare */
} ospy_spec_expr;

typedef struct ospy_spec_member {
  const char *name;
  uint64_t value;
  uint64_t mask;       /* flags: 0 for a member named when its bits are set; else the
                          bits it is one value of (mask="0x3": O_RDONLY, O_WRONLY,
                          O_RDWR under O_ACCMODE), named when the value's bits under
                          the mask equal its own, 0 included (docs/config.md) */
} ospy_spec_member;

typedef struct ospy_spec_field {
  const char *name;
  uint32_t offset;
  ospy_spec_typeref t;
  uint32_t size_field;  /* bindTypeProperty size: field index or NONE */
  uint32_t count_field; /* bindTypeProperty elementCount: field index or NONE */
  uint32_t size;        /* fixed size (ByteArray size="N" on a field), or an Array's
                           fixed element count (elementCount="N"); 0 = none */
  uint8_t out_only;     /* direction="out": the callee fills it (poll's revents), so
                           what it holds when the call enters means nothing: read
                           when the call returns only, never at its entry */
} ospy_spec_field;

typedef struct ospy_spec_type {
  const char *name;
  uint8_t kind;        /* enum ospy_type_kind */
  uint8_t width;       /* bytes of a scalar / code unit; 0 = pointer width */
  uint8_t is_signed;
  uint8_t pad;
  uint32_t nmembers;   /* enumerations */
  ospy_spec_member *members;
  uint32_t nfields;    /* structures */
  ospy_spec_field *fields;
  uint32_t size;       /* structures: bytes covered by the fields */
} ospy_spec_type;

typedef struct ospy_spec_arg {
  const char *name;
  uint8_t dir;          /* enum ospy_direction */
  /* agent only (ospy_marshal_prepare, not serialized): a plain integer
     argument's width in bytes and signedness, 0 when it needs the general
     marshaler (pointer, float, expression, condition...) */
  uint8_t int_width, int_signed;
  uint8_t int_word; /* agent only (ospy_marshal_prepare): with fn->ints_words or
                       fn->bytes_words, the argument word (marshal.h) that holds it */
  uint8_t bytes_ptr; /* agent only: with fn->bytes_words, a pointer to a buffer
                        (kind BYTES) whose only expressions are a size and a
                        logCondition (read's buf); else a plain integer */
  ospy_spec_typeref t;
  ospy_spec_expr size_in, size_out;   /* size="A/B" (B defaults to A) */
  ospy_spec_expr count_in, count_out; /* elementCount="A/B" */
  ospy_spec_expr cond;                /* <logCondition> */
  ospy_spec_expr type_base;           /* typeNameBase (Dynamic) */
  const char *type_suffix;            /* typeNameSuffix (Dynamic) */
  uint32_t valist_arg;                /* vaList="arg.X": index of X, or NONE */
  ospy_spec_expr value;               /* value="EXPR": computed, takes no parameter position */
} ospy_spec_arg;

/* <returnValue setsErrno>: whether a failed call's errno says why it failed
   (shown beside the return value). Unsaid, it does unless an enumeration's
   own member is the error (EAI_NONAME); libraries with error codes of their
   own (GnuTLS, libusb, SQLite, zlib's stream functions, OpenSSL) say false:
   errno is then whatever an earlier call left. */
enum ospy_errno_rule { OSPY_ERRNO_BY_TYPE = 0, OSPY_ERRNO_SET = 1, OSPY_ERRNO_NOT_SET = 2 };

struct ospy_spec_fn {
  const char *name;
  uint8_t callconv;    /* enum ospy_callconv */
  uint8_t log_nested;
  uint8_t has_ret;
  uint8_t is_method;   /* a vtable method: `this` comes before the arguments */
  uint8_t null_ok;     /* a NULL pointer returned is an answer, not a failure
                          (<returnValue nullIsError="false">: getenv) */
  uint8_t has_error_value; /* <returnValue errorValue="N">: that value alone is a
                              failure (mmap's MAP_FAILED, signal's SIG_ERR) */
  uint8_t errno_rule;  /* enum ospy_errno_rule: whether errno tells why it failed */
  uint8_t ret_raw;     /* the return type is not known (a spec made from a C++
                          function's mangled name, which does not say it): has_ret
                          is 0, and readers show, filter and judge the return
                          register as for a call recorded without a spec */
  /* agent only (ospy_marshal_prepare): bit OSPY_VB_PHASE_ENTER / _LEAVE set
     when every value that phase writes is a plain integer (int_width set;
     ret_width for the return value); ret_counts_bytes: it returns SSize, a
     byte count that caps the buffers of its out arrays (marshal.c) */
  uint8_t int_phases, ret_width, ret_signed, ret_counts_bytes;
  /* agent only: when both phases are plain integers, each an `in` argument in
     one argument word, and no condition is evaluated, the argument words the
     call's values need (its arguments' int_word + 1 at most); else 0. Such a
     call is written without the per-call lookups (marshal.c, put_ints_fast). */
  uint8_t ints_words;
  /* agent only: the same for a function of plain integers and buffers
     (bytes_ptr: read, write, recv, pread64) in one argument word each, with
     no computed argument and a return value that is a plain integer of one
     word or none: the argument words its values need; else 0. Its blobs are
     written without the general path's lookups when they have room for every
     value whole (marshal.c, put_bytes_fast). */
  uint8_t bytes_words; /* (at most OSPY_BYTES_FAST_MAX_ARGS arguments) */
  /* agent only (ospy_marshal_prepare): the argument words (marshal.h) the
     function's arguments travel in, registers and stack words, when the walk
     knows them all and no value reads past them (a format string's variadic
     values do); else 0: the agent reads its ARG_WORDS. */
  uint8_t arg_words;
  /* agent only: an i386 local function built with SSE2 math (the agent saw it
     read xmm0-2 before writing them): its first three Float and Double
     arguments in xmm0-2, not on the stack (plan/spec_abi.h) */
  uint8_t sse_floats;
  uint32_t args_size;  /* argsSize="N", bytes: without <arguments>, the raw words it
                          covers are the arguments (raw_word typerefs, config_specs.c) */
  int64_t error_value; /* with has_error_value: compared at the return type's width */
  ospy_spec_typeref ret;
  uint32_t nargs;
  ospy_spec_arg *args;
  ospy_spec_expr cond; /* function-level <logCondition>, evaluated at leave */
  ospy_spec_expr error_cond; /* <returnValue errorCondition="EXPR">: evaluated by the
                                agent at leave, the call failed when it holds
                                (OSPY_CALL_F_FAILED), instead of the return type's
                                rule: realloc's NULL for a size of 0 is no failure */
  const struct ospy_spec_table *table; /* the table holding this spec */
};
typedef struct ospy_spec_fn ospy_spec_fn;

typedef struct ospy_spec_method {
  uint32_t index;      /* slot in the vtable */
  uint32_t fn;         /* function spec index */
} ospy_spec_method;

typedef struct ospy_spec_vtable {
  const char *id;
  uint32_t method_count;
  uint32_t nmethods;
  ospy_spec_method *methods;
} ospy_spec_vtable;

struct ospy_spec_table {
  uint32_t ntypes;
  ospy_spec_type *types;
  uint32_t nfns;
  ospy_spec_fn *fns;
  uint32_t nvtables;
  ospy_spec_vtable *vtables;
  uint8_t ptr_size;    /* 8 or 4: the target's pointer width */
  void *expr_pool;     /* agent: JIT code of the expressions (ospy_marshal_prepare) */
  /* Everything above (strings included) is owned by the table's arena. */
  struct ospy_spec_arena *arena;
};
typedef struct ospy_spec_table ospy_spec_table;

/* ---- building (controller) ---- */
ospy_spec_table *ospy_spec_table_new(unsigned ptr_size);
void *ospy_spec_alloc(ospy_spec_table *t, size_t n);       /* zeroed; NULL on OOM */
const char *ospy_spec_strdup(ospy_spec_table *t, const char *s);
/* Append a zeroed entry, returning its index or OSPY_SPEC_NONE. Pointers into
   the arrays are invalidated by later appends. */
uint32_t ospy_spec_add_type(ospy_spec_table *t, const char *name, int kind);
uint32_t ospy_spec_add_fn(ospy_spec_table *t, const char *name);
uint32_t ospy_spec_add_vtable(ospy_spec_table *t, const char *id);

/* ---- lookup ---- */
/* "Foo" or "FooPtr" -> typeref (ptr set for the Ptr form). 0 on success. */
int ospy_spec_type_lookup(const ospy_spec_table *t, const char *name, ospy_spec_typeref *out);
uint32_t ospy_spec_fn_lookup(const ospy_spec_table *t, const char *name);
uint32_t ospy_spec_vtable_lookup(const ospy_spec_table *t, const char *id);
const ospy_spec_fn *ospy_spec_table_fn(const ospy_spec_table *t, uint32_t index);
/* Inline: the marshaler asks for a type several times per value. */
static inline const ospy_spec_type *ospy_spec_table_type(const ospy_spec_table *t, uint32_t index)
{
  return t && index < t->ntypes ? &t->types[index] : NULL;
}
unsigned ospy_spec_fn_nargs(const ospy_spec_fn *fn);
int ospy_spec_fn_callconv(const ospy_spec_fn *fn);
/* Whether two function specs of one table show a call alike, their names
 * apart: the same convention, arguments (names, directions, types and how
 * they are shown, expressions) and return value and its rules; two
 * structures of one layout (the same fields) count as one type under two
 * names (fstat's Stat and fstat64's Stat64 on x86-64). open and
 * open64 of the files preset are; two names of one address hooked with such
 * definitions lose nothing when the calls are recorded under one. No
 * allocation (the agent compares at hook installation). */
int ospy_spec_fn_alike(const ospy_spec_fn *a, const ospy_spec_fn *b);
uint32_t ospy_spec_arg_lookup(const ospy_spec_fn *fn, const char *name);
/* Width in bytes of a scalar value of this typeref in the target (pointers:
   ptr_size); 0 for aggregates. */
unsigned ospy_spec_scalar_width(const ospy_spec_table *t, const ospy_spec_typeref *r);
/* Bytes one element of this type takes in an array (the stride the agent
   reads and readers step by): a pointer's width, a structure's size, a
   scalar's width; 0 when not known (a string, a buffer). */
unsigned ospy_spec_element_size(const ospy_spec_table *t, const ospy_spec_typeref *elem);
/* Whether a scalar value of this typeref is signed (recorded, shown, compared
   and judged failed as such): its marshalAs type's signedness, else its
   type's (an enumeration's: ospy_spec_enum_signed), never for a pointer
   type. */
int ospy_spec_scalar_signed(const ospy_spec_table *t, const ospy_spec_typeref *r);
/* Whether an enumeration (not flags) holds signed values: when one of its
   members is negative, as GCC gives a C enum the type int then and unsigned
   int otherwise. The config sets ospy_spec_type.is_signed by it, and the plan
   decoder too (plans written before the rule say unsigned). */
int ospy_spec_enum_signed(const ospy_spec_type *ty);
/* The oSpy name of the type ("UInt32", "ByteArrayPtr" is "ByteArray" + ptr). */
const char *ospy_spec_type_name(const ospy_spec_table *t, uint32_t type);
const char *ospy_spec_callconv_name(int cc);
const char *ospy_spec_direction_name(int dir);

/* ---- serialization ---- */
/* Encode into buf (cap bytes). Returns the encoded size; when it exceeds cap
   nothing useful was written: call again with a buffer that large. */
size_t ospy_spec_table_encode(const ospy_spec_table *t, void *buf, size_t cap);
int ospy_spec_table_decode(const void *buf, size_t len, ospy_spec_table **out,
                           char *err, size_t errcap);
void ospy_spec_table_free(ospy_spec_table *t);

#endif
