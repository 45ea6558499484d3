#include "export/printf_text.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plan/values.h"

/* One conversion: %[flags][width][.precision][length]conv */
typedef struct conv_spec {
  char flags[8];
  int width;      /* -1: none */
  int prec;       /* -1: none */
  int width_star, prec_star;
  int length;     /* -2 hh, -1 h, 0 none, 1 l, 2 ll/q/j/L, 3 z/t */
  char conv;
  int msvc_wide;  /* in a UTF-16 format: MSVC's wide printf (printf_text.h) */
} conv_spec;

/* Whether a %c/%C or %s/%S takes a wide character or string: glibc's %lc,
 * %C, %ls, %S; in a UTF-16 format (MSVC's wide printf) the lower-case ones
 * unless h says narrow, the upper-case ones with l only. */
static int wide_conv(const conv_spec *sp)
{
  int upper = sp->conv == 'C' || sp->conv == 'S';
  if (sp->msvc_wide)
    return upper ? sp->length == 1 : sp->length >= 0;
  return upper || sp->length == 1;
}

typedef struct arg_cursor {
  const ospy_printf_arg *args;
  size_t n, next;
} arg_cursor;

static const ospy_printf_arg *take(arg_cursor *c, int kind)
{
  if (c->next >= c->n || c->args[c->next].kind != kind)
    return NULL;
  return &c->args[c->next++];
}

static int parse_number(const char **p)
{
  int n = 0;
  while (**p >= '0' && **p <= '9') {
    if (n < 100000)
      n = n * 10 + (**p - '0');
    (*p)++;
  }
  return n;
}

/* p just after the '%'; returns the character after the conversion, NULL
 * when the format ends inside it. */
static const char *parse_spec(const char *p, conv_spec *sp)
{
  memset(sp, 0, sizeof *sp);
  sp->width = sp->prec = -1;
  size_t nf = 0;
  for (; *p && strchr("-+ #0", *p); p++)
    if (nf < sizeof sp->flags - 1 && !strchr(sp->flags, *p))
      sp->flags[nf++] = *p;
  if (*p == '*')
    sp->width_star = 1, p++;
  else if (*p >= '0' && *p <= '9')
    sp->width = parse_number(&p);
  if (*p == '.') {
    p++;
    if (*p == '*')
      sp->prec_star = 1, p++;
    else
      sp->prec = parse_number(&p); /* "%.f": precision 0 */
  }
  for (;; p++) {
    if (*p == 'h')
      sp->length = sp->length < 0 ? -2 : -1;
    else if (*p == 'l')
      sp->length = sp->length == 1 ? 2 : 1;
    else if (*p == 'q' || *p == 'j' || *p == 'L')
      sp->length = 2;
    else if (*p == 'z' || *p == 't')
      sp->length = 3;
    else
      break;
  }
  if (!*p)
    return NULL;
  sp->conv = *p;
  return p + 1;
}

/* How many bytes of the recorded word the conversion's type holds. */
static unsigned int_bytes(const conv_spec *sp, unsigned ptr_size)
{
  switch (sp->length) {
  case -2: return 1;
  case -1: return 2;
  case 1: case 3: return ptr_size;
  case 2: return 8;
  default: return 4;
  }
}

static long long as_signed(uint64_t u, unsigned bytes)
{
  if (bytes >= 8)
    return (long long)u;
  uint64_t sign = 1ull << (bytes * 8 - 1);
  u &= (sign << 1) - 1;
  return (long long)((u ^ sign) - sign);
}

static unsigned long long as_unsigned(uint64_t u, unsigned bytes)
{
  return bytes >= 8 ? u : u & ((1ull << (bytes * 8)) - 1);
}

/* "%" flags "*.*" or "*" ... then the given length and conversion. */
static void c_format(char *out, size_t cap, const conv_spec *sp, const char *flags,
                     const char *length, char conv)
{
  snprintf(out, cap, "%%%s*%s%s%c", flags, sp->prec >= 0 ? ".*" : "", length, conv);
}

/* Text padded to the width (left-justified with '-'), as %s prints it. */
static void put_padded(FILE *f, const conv_spec *sp, const char *text, int prec)
{
  const char *left = strchr(sp->flags, '-') ? "-" : "";
  char c[16];
  snprintf(c, sizeof c, "%%%s*.*s", left);
  size_t len = strlen(text);
  int n = prec >= 0 && (size_t)prec < len ? prec : (int)(len > 0x7fffffff ? 0x7fffffff : len);
  fprintf(f, c, sp->width < 0 ? 0 : sp->width, n, text);
}

static int put_integer(FILE *f, const conv_spec *sp, arg_cursor *c, unsigned ptr_size)
{
  const ospy_printf_arg *a = take(c, OSPY_PRINTF_INT);
  if (!a)
    return -1;
  char cf[32];
  unsigned bytes = int_bytes(sp, ptr_size);
  c_format(cf, sizeof cf, sp, sp->flags, "ll", sp->conv);
  int w = sp->width < 0 ? 0 : sp->width;
  if (sp->conv == 'd' || sp->conv == 'i') {
    long long v = as_signed(a->u, bytes);
    if (sp->prec >= 0)
      fprintf(f, cf, w, sp->prec, v);
    else
      fprintf(f, cf, w, v);
  } else {
    unsigned long long v = as_unsigned(a->u, bytes);
    if (sp->prec >= 0)
      fprintf(f, cf, w, sp->prec, v);
    else
      fprintf(f, cf, w, v);
  }
  return 0;
}

static int put_real(FILE *f, const conv_spec *sp, arg_cursor *c)
{
  const ospy_printf_arg *a = take(c, OSPY_PRINTF_REAL);
  if (!a)
    return -1;
  char cf[32];
  c_format(cf, sizeof cf, sp, sp->flags, "", sp->conv); /* %Lf was recorded as a double */
  int w = sp->width < 0 ? 0 : sp->width;
  if (sp->prec >= 0)
    fprintf(f, cf, w, sp->prec, a->d);
  else
    fprintf(f, cf, w, a->d);
  return 0;
}

static int put_char(FILE *f, const conv_spec *sp, arg_cursor *c)
{
  const ospy_printf_arg *a = take(c, OSPY_PRINTF_INT);
  if (!a)
    return -1;
  char text[8] = { 0 };
  if (wide_conv(sp)) { /* a wide character, as UTF-8 */
    if (!ospy_utf8_encode((uint32_t)a->u, text))
      return -1;
  } else {
    text[0] = (char)(a->u & 0xff); /* a NUL ends the text, as it ended the original's */
  }
  if (!text[0]) {
    put_padded(f, sp, "", -1);
    fputc('\0', f);
    return 0;
  }
  put_padded(f, sp, text, -1);
  return 0;
}

static int put_string(FILE *f, const conv_spec *sp, arg_cursor *c)
{
  if (c->next < c->n && c->args[c->next].kind == OSPY_PRINTF_NULL) {
    c->next++;
    /* glibc: "(null)", or nothing when the precision is too short for it */
    put_padded(f, sp, sp->prec >= 0 && sp->prec < 6 ? "" : "(null)", -1);
    return 0;
  }
  const ospy_printf_arg *a = take(c, OSPY_PRINTF_TEXT);
  if (!a)
    return -1;
  /* the agent read a wide string up to its precision already (in
   * characters, not the bytes its UTF-8 takes) */
  put_padded(f, sp, a->text, wide_conv(sp) ? -1 : sp->prec);
  return 0;
}

static int put_pointer(FILE *f, const conv_spec *sp, arg_cursor *c)
{
  const ospy_printf_arg *a = take(c, OSPY_PRINTF_INT);
  if (!a)
    return -1;
  if (sp->conv == 'n')
    return 0; /* where printf stores its count: prints nothing */
  char text[24];
  if (a->u)
    snprintf(text, sizeof text, "0x%llx", (unsigned long long)a->u);
  else
    snprintf(text, sizeof text, "(nil)"); /* glibc */
  put_padded(f, sp, text, -1);
  return 0;
}

/* A '*' width or precision: an int among the values. */
static int star_values(conv_spec *sp, arg_cursor *c)
{
  if (sp->width_star) {
    const ospy_printf_arg *a = take(c, OSPY_PRINTF_INT);
    if (!a)
      return -1;
    int w = (int)as_signed(a->u, 4);
    if (w < 0 && !strchr(sp->flags, '-') && strlen(sp->flags) < sizeof sp->flags - 1)
      strcat(sp->flags, "-"); /* a negative width: left-justified */
    sp->width = w < 0 ? (w == -2147483647 - 1 ? 0 : -w) : w;
  }
  if (sp->prec_star) {
    const ospy_printf_arg *a = take(c, OSPY_PRINTF_INT);
    if (!a)
      return -1;
    int p = (int)as_signed(a->u, 4);
    sp->prec = p < 0 ? -1 : p; /* a negative precision is taken as omitted */
  }
  return 0;
}

static int put_conversion(FILE *f, conv_spec *sp, arg_cursor *c, unsigned ptr_size)
{
  if (sp->conv == '%') {
    fputc('%', f);
    return 0;
  }
  if (star_values(sp, c) < 0)
    return -1;
  switch (sp->conv) {
  case 'd': case 'i': case 'u': case 'o': case 'x': case 'X':
    return put_integer(f, sp, c, ptr_size);
  case 'f': case 'F': case 'e': case 'E': case 'g': case 'G': case 'a': case 'A':
    return put_real(f, sp, c);
  case 'c': case 'C':
    return put_char(f, sp, c);
  case 's': case 'S':
    return put_string(f, sp, c);
  case 'p': case 'n':
    return put_pointer(f, sp, c);
  default: /* %m (errno at entry is not recorded), conversions not known */
    return -1;
  }
}

char *ospy_printf_text(const char *fmt, const ospy_printf_arg *args, size_t nargs,
                       unsigned ptr_size, unsigned fmt_unit)
{
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  if (!f)
    return NULL;
  arg_cursor c = { args, nargs, 0 };
  int bad = 0;
  for (const char *p = fmt; !bad && *p;) {
    if (*p != '%') {
      fputc(*p++, f);
      continue;
    }
    conv_spec sp;
    const char *after = parse_spec(p + 1, &sp);
    sp.msvc_wide = fmt_unit == 2;
    bad = !after || put_conversion(f, &sp, &c, ptr_size) < 0;
    p = after;
  }
  bad = bad || c.next != nargs;
  if (fclose(f) != 0 || bad) {
    free(buf);
    return NULL;
  }
  return buf;
}
