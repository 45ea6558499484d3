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

static void diag_add(ospy_diag *d, const char *file, unsigned line, unsigned col,
                     const char *kind, const char *fmt, va_list ap)
{
  char msg[512];
  vsnprintf(msg, sizeof msg, fmt, ap);
  if (d->n == d->cap) {
    size_t cap = d->cap ? d->cap * 2 : 16;
    char **p = realloc(d->msgs, cap * sizeof *p);
    if (!p)
      return; /* counted, not kept */
    d->msgs = p;
    d->cap = cap;
  }
  char *full = NULL;
  /* line 0: about the file as a whole (it cannot be opened) */
  int r = line ? asprintf(&full, "%s:%u:%u: %s: %s", file, line, col, kind, msg)
               : asprintf(&full, "%s: %s: %s", file, kind, msg);
  if (r < 0)
    return;
  d->msgs[d->n++] = full;
}

void ospy_diag_error(ospy_diag *d, const char *file, unsigned line, unsigned col,
                     const char *fmt, ...)
{
  d->errors++;
  va_list ap;
  va_start(ap, fmt);
  diag_add(d, file, line, col, "error", fmt, ap);
  va_end(ap);
}

void ospy_diag_warning(ospy_diag *d, const char *file, unsigned line, unsigned col,
                       const char *fmt, ...)
{
  d->warnings++;
  va_list ap;
  va_start(ap, fmt);
  diag_add(d, file, line, col, "warning", fmt, ap);
  va_end(ap);
}

/* "FILE:LINE:COL: ..." -> (line, col) for ordering. */
static void msg_pos(const char *m, unsigned long *line, unsigned long *col)
{
  const char *p = strstr(m, ": error: ");
  if (!p)
    p = strstr(m, ": warning: ");
  *line = *col = 0;
  if (!p)
    return;
  const char *c2 = p; /* back over ":COL" and ":LINE" */
  while (c2 > m && c2[-1] != ':')
    c2--;
  const char *c1 = c2 > m ? c2 - 1 : m;
  while (c1 > m && c1[-1] != ':')
    c1--;
  *line = strtoul(c1, NULL, 10);
  *col = strtoul(c2, NULL, 10);
}

static int by_pos(const void *a, const void *b)
{
  unsigned long la, ca, lb, cb;
  msg_pos(*(char *const *)a, &la, &ca);
  msg_pos(*(char *const *)b, &lb, &cb);
  if (la != lb)
    return la < lb ? -1 : 1;
  if (ca != cb)
    return ca < cb ? -1 : 1;
  return 0;
}

/* Printed in source order (the checks find problems section by section). */
void ospy_diag_print(const ospy_diag *d, FILE *out)
{
  if (d->n > 1)
    qsort(d->msgs, d->n, sizeof *d->msgs, by_pos);
  for (size_t i = 0; i < d->n; i++)
    fprintf(out, "%s\n", d->msgs[i]);
}
