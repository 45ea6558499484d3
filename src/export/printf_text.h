/* A printf format filled in with the values the agent recorded for it, on
 * the reader side: the text the call would have printed, as oSpy's
 * AsciiFormatString marshaller wrote it (it ran vsprintf in the target).
 * The agent records the format and the values its conversions consume
 * (docs/config.md); this applies printf's rules to them: flags, width,
 * precision (also `*`), length modifiers cutting an integer to its type, for
 * d i u x X o c s p f F e E g G a A n %, and %lc/%ls/%C/%S as UTF-8. A
 * UTF-16 format is MSVC's wide printf (vswprintf: oSpy's
 * UnicodeFormatString), where %s, %ls, %c and %lc are wide and %hs, %S, %hc
 * and %C narrow; a narrow or wchar_t format follows glibc. */
#ifndef OSPY_EXPORT_PRINTF_TEXT_H
#define OSPY_EXPORT_PRINTF_TEXT_H

#include <stddef.h>
#include <stdint.h>

enum ospy_printf_arg_kind {
  OSPY_PRINTF_MISSING = 0, /* not recorded, unreadable, cut: no text can be made */
  OSPY_PRINTF_INT,         /* u: the bits (a sign-extended or zero-extended word) */
  OSPY_PRINTF_REAL,        /* d */
  OSPY_PRINTF_TEXT,        /* text: a %s string (a wide one as UTF-8) */
  OSPY_PRINTF_NULL,        /* a NULL %s: "(null)", as glibc prints it */
};

typedef struct ospy_printf_arg {
  int kind;
  uint64_t u;
  double d;
  const char *text;
} ospy_printf_arg;

/* The text of format fmt (UTF-8) with args, in a malloc'ed string, cut at a
 * NUL a %c printed (the original's text was a C string); NULL when a value
 * is missing or of another kind than its conversion takes, when the values
 * are not exactly those the conversions consume, or for %m (errno at entry
 * is not recorded) or a conversion not listed above. ptr_size: the
 * target's (what %ld, %zu and %p hold); fmt_unit: the code unit the format
 * had in the target (1, 2: UTF-16, 4: wchar_t), fmt being its UTF-8 text. */
char *ospy_printf_text(const char *fmt, const ospy_printf_arg *args, size_t nargs,
                       unsigned ptr_size, unsigned fmt_unit);

#endif
