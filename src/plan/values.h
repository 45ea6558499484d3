/*
 * Reader side of values blobs (plan/values_format.h): walk the values of one
 * call phase as a tree, with names and types from the function's spec, and
 * format them as strace-like text for `ospy show`.
 *
 * Decoding validates everything (a blob from a misbehaving target cannot make
 * the reader read out of bounds); a blob that does not match its spec
 * is reported with the offending offset.
 */
#ifndef OSPY_PLAN_VALUES_H
#define OSPY_PLAN_VALUES_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "plan/spec.h"

enum ospy_value_kind {
  OSPY_VALUE_INT = 1,    /* u (sign-extended when is_signed); text for enum/flags/bool/errno */
  OSPY_VALUE_FLOAT,      /* d */
  OSPY_VALUE_NULL,       /* a NULL pointer */
  OSPY_VALUE_UNREADABLE, /* address: memory that could not be read */
  OSPY_VALUE_POINTER,    /* address; one child: the pointee */
  OSPY_VALUE_BYTES,      /* bytes/nbytes of total; flags */
  OSPY_VALUE_STRING,     /* bytes/nbytes in code units of `unit` bytes; flags */
  OSPY_VALUE_STRUCT,     /* children: the fields */
  OSPY_VALUE_ARRAY,      /* total elements, count recorded; children */
  OSPY_VALUE_SKIPPED,    /* not recorded (size unreadable, depth limit, va_list) */
  OSPY_VALUE_TRUNCATED,  /* the blob ran out of room here: later values are missing */
  OSPY_VALUE_FORMAT,     /* children: the format string, then the values it consumed;
                            address: where the format is (0: not recorded) */
  OSPY_VALUE_BAD_SIZE,   /* address: a buffer or array not read, its size or count
                            negative: `u` (is_signed); type_kind says which */
  OSPY_VALUE_FMT_STOP,   /* the last value of a FORMAT: the rest of its values were
                            not decoded; u = why (OSPY_VB_FMT_MORE...) */
  OSPY_VALUE_NOT_FOLLOWED, /* address: a pointer's value (or a structure's or array's
                            own address) whose memory was not recorded; u = why:
                            OSPY_VB_NO_ROOM, OSPY_VB_DEPTH_LIMIT, OSPY_VB_NOT_LOGGED
                            (only from ospy_values_decode_all) */
};

#define OSPY_VALUE_RETVAL (-1)

typedef struct ospy_value {
  const char *name;       /* argument or field name; NULL for elements and pointees */
  int index;              /* argument index (OSPY_VALUE_RETVAL), field or element index */
  int direction;          /* the argument's direction */
  unsigned depth;         /* 0 for arguments */
  int kind;               /* enum ospy_value_kind */
  const char *type_name;  /* oSpy name: UInt32, Int8, Enum, Flags, Struct, Pointer, ByteArray... */
  const char *sub_type;   /* enumeration/structure name, or NULL */
  int type_kind;          /* enum ospy_type_kind of the spec type, 0 if unknown */
  int is_ptr;             /* the spec types it a pointer to that type (a ...Ptr type;
                             not a structure's own address not followed) */
  uint64_t u;
  int is_signed, hex, octal; /* octal: shown in octal (modes: 0644) */
  int raw_word;           /* an argsSize word (spec.h): shown as a raw word, 0x29 */
  unsigned width;         /* bytes of a scalar in the target (0: unknown) */
  const char *text;       /* enum member(s), true/false, errno name, dotted address; or NULL */
  double d;
  const uint8_t *bytes;
  size_t nbytes;
  uint64_t total;         /* BYTES: size asked for; ARRAY: element count */
  unsigned flags;         /* OSPY_VB_CAPPED / OSPY_VB_CUT; an ARRAY has OSPY_VB_CUT
                             when it leaves if its last element was unreadable
                             before `total` (the count asked for) */
  unsigned unit;          /* STRING code unit: 1, 2 or 4 */
  uint64_t address;       /* POINTER / UNREADABLE; STRING: where it was when recorded
                             (a format's %s value, STR_AT), else 0 */
  uint64_t count;         /* STRUCT fields / ARRAY elements recorded */
  /* A structure field's offset in it, an array element's index times the
     element size: where its own memory is, from its parent's start. Readers
     tell by it an UNREADABLE field or element (its own memory could not be
     read: address is parent start + offset) from a pointer field or element
     whose pointee could not be (address is the pointer's value). */
  uint64_t offset;
  int has_offset;
  /* The bytes an array element takes (0: unknown or not an element). The
     agent writes an element only partly readable (it runs into an unmapped
     page) as UNREADABLE at its first unreadable byte, inside this span. */
  uint64_t span;
} ospy_value;

typedef struct ospy_value_visitor {
  /* Called for every value, before its children. Non-zero stops the walk. */
  int (*enter)(const ospy_value *v, void *data);
  /* Called after the children of POINTER, STRUCT, ARRAY and FORMAT values (optional). */
  void (*leave)(const ospy_value *v, void *data);
} ospy_value_visitor;

/* An integer's bits as hex shows them: a negative signed value at its own
 * width (Int8 -1 is 0xff, as oSpy and printf show it), not sign-extended. */
static inline uint64_t ospy_value_hex_bits(const ospy_value *v)
{
  if (v->is_signed && v->width > 0 && v->width < 8)
    return v->u & ((1ull << (v->width * 8)) - 1);
  return v->u;
}

/* The conversions of a printf format (n bytes of `unit`-byte code units: 1
 * a narrow format, 2 a UTF-16 one, 4 a wchar_t one), one per value it
 * consumes: out[k] the conversion character ('*' for a width or precision
 * taken from the arguments; 'C' for a wide character: %lc and %C, and in a
 * UTF-16 format, MSVC's wide printf, %c and %lc, while its %hc and %C are
 * 'c', a narrow one) and, when size is not NULL, size[k] its length
 * modifier: 0 none (or h, hh), 1 l z t j, 2 ll q L. Returns how many (at
 * most cap). */
unsigned ospy_format_convs(const uint8_t *s, size_t n, unsigned unit, char *out, uint8_t *size,
                           unsigned cap);

/* Code point cp as UTF-8 in out (NUL-terminated); 0 bytes for one that is
 * no character (a surrogate, past U+10FFFF). */
size_t ospy_utf8_encode(uint32_t cp, char out[8]);

int ospy_values_decode(const ospy_spec_fn *fn, const uint8_t *blob, size_t len,
                       const ospy_value_visitor *v, void *data, char *err, size_t errcap);
/* The same walk with the out pointers whose logCondition did not hold at
 * return too: a top-level NOT_FOLLOWED value, u = OSPY_VB_NOT_LOGGED, their
 * address alone. ospy_values_decode leaves them out, as agents before them
 * recorded nothing of such an argument (show and its filters leave an
 * argument whose condition failed out); the exports write the address, as
 * oSpy's agent wrote every parameter's. */
int ospy_values_decode_all(const ospy_spec_fn *fn, const uint8_t *blob, size_t len,
                           const ospy_value_visitor *v, void *data, char *err, size_t errcap);

/* The phase of a blob (OSPY_VB_PHASE_ENTER/LEAVE) or -1 when not a blob. */
int ospy_values_phase(const uint8_t *blob, size_t len);

/* strace-like text. `what`: the arguments of the blob ("fd=3, count=4096"),
   or its return value only. Returns the length the full text has (like
   snprintf); out is always NUL-terminated when cap > 0. */
#define OSPY_VALUES_ARGS 1
#define OSPY_VALUES_RETVAL 2
/* A Float (width 4) or Double as the shortest text that reads back as the
 * same value, laid out as %g (0.30000000000000004, 9007199254740993, 5e-324;
 * show, the exports and diff all write this). Returns the length, as snprintf. */
size_t ospy_values_real_text(double d, unsigned width, char *out, size_t cap);
/* The length of the valid UTF-8 sequence at s (n bytes there) and its code
 * point, or 0 (overlong forms and surrogates are not valid). */
size_t ospy_utf8_seq(const uint8_t *s, size_t n, uint32_t *cp);
/* Text a traced program chose (a path, a command line, a process name) as
 * readers print it, so that none of its bytes reaches a terminal as a
 * control sequence: valid UTF-8 as it is; control characters (C0, DEL, C1)
 * and bytes that are not UTF-8 as \xNN. n bytes of s (a NUL as \x00).
 * ospy_safe_text returns the length the full text has (like snprintf); out
 * is always NUL-terminated when cap > 0. */
size_t ospy_safe_text(const char *s, size_t n, char *out, size_t cap);
void ospy_safe_fputs(FILE *out, const char *s, size_t n);
/* A command line (n bytes of NUL-separated words, as a ProcessStart record
 * holds it) as a shell would read it back: words of plain characters as
 * they are, others in single quotes ('dir with spaces/in put.txt'), words
 * with control characters or bytes that are not UTF-8 as $'...\xNN' (so
 * it is safe for a terminal as ospy_safe_text's text is). Returns the
 * length the full text has (like snprintf). */
size_t ospy_argv_text(const char *argv, size_t n, char *out, size_t cap);
/* A socket address's bytes as show writes them ({AF_INET, 10.0.0.1:80},
 * {AF_UNIX, "/path"}): what it means, without the bytes after a path's NUL.
 * Returns the length needed, as snprintf. */
size_t ospy_values_sockaddr_text(const uint8_t *s, size_t n, char *out, size_t cap);
/* An AF_INET or AF_INET6 address as its endpoint ("10.0.0.1:80", "[::1]:443");
 * 0 (and "") for any other family or too few bytes. Returns the length. */
size_t ospy_values_inet_endpoint(const uint8_t *s, size_t n, char *out, size_t cap);
/* One value without children (a number, a string, a buffer) as show writes
 * it: "abc", "xxx"<unreadable after 3 bytes>, <01 ab>, 3</etc/hosts>.
 * ospy diff writes the strings and buffers it compares through it. Returns
 * the length the full text has (like snprintf). */
size_t ospy_values_leaf_text(const ospy_value *v, char *out, size_t cap);
size_t ospy_values_format_text(const ospy_spec_fn *fn, const uint8_t *blob, size_t len, int what,
                               char *out, size_t cap);
/* Why a value was not recorded, as readers say it: "no room", "depth limit",
 * "logCondition false" (OSPY_VALUE_NOT_FOLLOWED's u); NULL for another number. */
const char *ospy_values_not_followed_reason(uint64_t why);
/* Whether the blob ran out of room before its end (OSPY_VB_END_TRUNCATED:
 * a blob of a few bytes; older agents wrote it after a big value, without
 * the arguments after it). When so, *from is the first argument index it
 * may lack: one more than its last recorded argument's (0: none recorded).
 * Its arguments from there on (of its direction), and its return value when
 * not recorded, were not recorded for want of room. */
int ospy_values_cut_short(const ospy_spec_fn *fn, const uint8_t *blob, size_t len, int *from);
/* Strings and buffers longer than bytes are shown cut, with "..." (0: whole;
   the default). Process-wide: set once by a reader before formatting. */
void ospy_values_set_string_limit(size_t bytes);

/* FileDescriptor values are shown as 3</etc/hosts> when namer returns a
   name for them (NULL: the number alone). Process-wide, like the limit. */
typedef const char *(*ospy_fd_namer)(void *ctx, int64_t fd);
void ospy_values_set_fd_namer(ospy_fd_namer namer, void *ctx);

/* A whole call: "(fd=3, buf="abc", count=4096) = 3". In-values come from the
   enter blob, out-values from the leave blob; an in/out argument shows
   "in => out". Either blob may be NULL. */
size_t ospy_values_format_call(const ospy_spec_fn *fn, const uint8_t *enter, size_t elen,
                               const uint8_t *leave, size_t llen, char *out, size_t cap);
/* The same text, each value decoded on its own (the blobs once per value
   rather than once each): the reference the fuzzer holds the fast path to. */
size_t ospy_values_format_call_each(const ospy_spec_fn *fn, const uint8_t *enter, size_t elen,
                                    const uint8_t *leave, size_t llen, char *out, size_t cap);

#endif
