/* Diagnostics: collected so that every problem of a config is reported. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"

void ospy_diag_init(ospy_diag *d) { memset(d, 0, sizeof *d); }

void ospy_diag_free(ospy_diag *d)
{
  for (size_t i = 0; i < d->n; i++)
    free(d->msgs[i].text);
  free(d->msgs);
  memset(d, 0, sizeof *d);
}

static void diag_add(ospy_diag *d, const char *file, unsigned line, unsigned col,
                     int is_warning, const char *fmt, va_list ap)
{
  char *msg = NULL; /* (whole: a long name in it was cut at 511 characters) */
  if (vasprintf(&msg, fmt, ap) < 0)
    return; /* counted, not kept */
  char *full = NULL;
  const char *kind = is_warning ? "warning" : "error";
  /* line 0: about the file as a whole (it cannot be opened) */
  int r = line ? asprintf(&full, "%s:%u:%u: %s: %s", file, line, col, kind, msg)
               : asprintf(&full, "%s: %s: %s", file, kind, msg);
  free(msg);
  if (r < 0)
    return;
  if (d->n == d->cap) {
    size_t cap = d->cap ? d->cap * 2 : 16;
    ospy_diag_msg *p = realloc(d->msgs, cap * sizeof *p);
    if (!p) {
      free(full);
      return; /* counted, not kept */
    }
    d->msgs = p;
    d->cap = cap;
  }
  d->msgs[d->n] = (ospy_diag_msg){ full, line, col, (unsigned)d->n, is_warning };
  d->n++;
}

void ospy_diag_error(ospy_diag *d, const char *file, unsigned line, unsigned col,
                     const char *fmt, ...)
{
  d->errors++;
  va_list ap;
  va_start(ap, fmt);
  diag_add(d, file, line, col, 0, fmt, ap);
  va_end(ap);
}

void ospy_diag_warning(ospy_diag *d, const char *file, unsigned line, unsigned col,
                       const char *fmt, ...)
{
  d->warnings++;
  va_list ap;
  va_start(ap, fmt);
  diag_add(d, file, line, col, 1, fmt, ap);
  va_end(ap);
}

static int by_pos(const void *a, const void *b)
{
  const ospy_diag_msg *x = a, *y = b;
  if (x->line != y->line)
    return x->line < y->line ? -1 : 1;
  if (x->col != y->col)
    return x->col < y->col ? -1 : 1;
  return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Printed in source order (the checks find problems section by section). */
static void print_sorted(const ospy_diag *d, FILE *out, int with_warnings)
{
  if (d->n > 1)
    qsort(d->msgs, d->n, sizeof *d->msgs, by_pos);
  for (size_t i = 0; i < d->n; i++)
    if (with_warnings || !d->msgs[i].is_warning)
      fprintf(out, "%s\n", d->msgs[i].text);
}

void ospy_diag_print(const ospy_diag *d, FILE *out) { print_sorted(d, out, 1); }

void ospy_diag_print_errors(const ospy_diag *d, FILE *out) { print_sorted(d, out, 0); }
