/* Diagnostics: collected so that every problem of a config is reported. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"

void ospy_diag_init(ospy_diag *d) { memset(d, 0, sizeof *d); }

void ospy_diag_free(ospy_diag *d)
{
  for (size_t i = 0; i < d->n; i++)
    free(d->msgs[i]);
  free(d->msgs);
  memset(d, 0, sizeof *d);
}

void ospy_diag_error(ospy_diag *d, const char *file, unsigned line, unsigned col,
                     const char *fmt, ...)
{
  d->errors++;
  char msg[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  if (d->n == d->cap) {
    size_t cap = d->cap ? d->cap * 2 : 16;
    char **p = realloc(d->msgs, cap * sizeof *p);
    if (!p)
      return; /* counted, not kept */
    d->msgs = p;
    d->cap = cap;
  }
  char *full = NULL;
  if (asprintf(&full, "%s:%u:%u: error: %s", file, line, col, msg) < 0)
    return;
  d->msgs[d->n++] = full;
}

void ospy_diag_print(const ospy_diag *d, FILE *out)
{
  for (size_t i = 0; i < d->n; i++)
    fprintf(out, "%s\n", d->msgs[i]);
}
