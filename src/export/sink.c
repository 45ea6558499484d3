/* Buffered output, optionally through a bzip2 compressor (bz2_parallel.h). */
#include "export/sink.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

static void sink_fail(ospy_sink *s, const char *what, int code)
{
  if (s->failed)
    return;
  s->failed = code ? code : EIO;
  snprintf(s->err, sizeof s->err, "%s: %s", s->path, what);
}

static void sink_fwrite(ospy_sink *s, const void *p, size_t n)
{
  if (n && fwrite(p, 1, n, s->f) != n)
    sink_fail(s, strerror(errno ? errno : EIO), errno);
}

/* The compressor's output (bz2_parallel.h), from this thread. */
static void sink_zwrite(void *user, const void *p, size_t n)
{
  ospy_sink *s = user;
  if (!s->failed)
    sink_fwrite(s, p, n);
}

/* Hands the pending buffer to the compressor. */
static void sink_compress(ospy_sink *s)
{
  if (ospy_bz2par_write(s->bz, s->buf, s->len) < 0)
    sink_fail(s, ospy_bz2par_error(s->bz), EIO);
}

static void sink_flush(ospy_sink *s)
{
  if (!s->failed) {
    if (s->compress)
      sink_compress(s);
    else
      sink_fwrite(s, s->buf, s->len);
  }
  s->len = 0;
}

int ospy_sink_init(ospy_sink *s, FILE *f, const char *path, bool compress)
{
  s->f = f;
  s->path = path;
  s->compress = compress;
  s->bz = NULL;
  s->written = 0;
  s->len = 0;
  s->failed = 0;
  s->err[0] = '\0';
  s->memory = false;
  s->mem = NULL;
  s->mem_len = s->mem_cap = 0;
  if (compress) {
    s->bz = ospy_bz2par_new(9, ospy_bz2par_default_threads(), sink_zwrite, s);
    if (!s->bz) {
      sink_fail(s, "cannot start bzip2 compression", ENOMEM);
      return -1;
    }
  }
  return 0;
}

void ospy_sink_init_memory(ospy_sink *s, const char *name)
{
  ospy_sink_init(s, NULL, name, false);
  s->memory = true;
}

void ospy_sink_memory_clear(ospy_sink *s)
{
  s->mem_len = 0;
}

void ospy_sink_memory_free(ospy_sink *s)
{
  free(s->mem);
  s->mem = NULL;
  s->mem_len = s->mem_cap = 0;
}

/* A memory sink's writes go straight to its buffer, doubled when full. */
static void sink_memory_write(ospy_sink *s, const void *p, size_t n)
{
  if (!n)
    return; /* (nothing to copy, and the buffer may not exist yet) */
  if (n > s->mem_cap - s->mem_len) {
    size_t cap = s->mem_cap ? s->mem_cap : 4096;
    while (cap - s->mem_len < n)
      cap *= 2;
    char *mem = realloc(s->mem, cap);
    if (!mem) {
      sink_fail(s, "out of memory", ENOMEM);
      return;
    }
    s->mem = mem;
    s->mem_cap = cap;
  }
  memcpy(s->mem + s->mem_len, p, n);
  s->mem_len += n;
}

void ospy_sink_write(ospy_sink *s, const void *p, size_t n)
{
  const char *c = p;
  s->written += n;
  if (s->memory) {
    if (!s->failed && n)
      sink_memory_write(s, p, n);
    return;
  }
  while (n && !s->failed) {
    size_t room = sizeof s->buf - s->len;
    size_t k = n < room ? n : room;
    memcpy(s->buf + s->len, c, k);
    s->len += k;
    c += k;
    n -= k;
    if (s->len == sizeof s->buf)
      sink_flush(s);
  }
}

void ospy_sink_puts(ospy_sink *s, const char *str)
{
  ospy_sink_write(s, str, strlen(str));
}

void ospy_sink_printf(ospy_sink *s, const char *fmt, ...)
{
  char tmp[128]; /* used for numbers and short fixed tags only */
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
  va_end(ap);
  if (n < 0 || (size_t)n >= sizeof tmp) {
    sink_fail(s, "internal error: formatted text too long", EOVERFLOW);
    return;
  }
  ospy_sink_write(s, tmp, (size_t)n);
}

int ospy_sink_finish(ospy_sink *s)
{
  sink_flush(s);
  if (!s->failed && s->compress && ospy_bz2par_finish(s->bz) < 0)
    sink_fail(s, ospy_bz2par_error(s->bz), EIO);
  ospy_sink_abort(s);
  if (!s->failed && s->f && fflush(s->f) != 0)
    sink_fail(s, strerror(errno), errno);
  return s->failed ? -1 : 0;
}

void ospy_sink_abort(ospy_sink *s)
{
  ospy_bz2par_free(s->bz);
  s->bz = NULL;
}
