/*
 * Executable pages for JIT code. Code is copied into pages mapped read+write;
 * sealing turns them read+exec for good (never writable and executable at
 * once), and later functions go to fresh pages.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "expr/expr_internal.h"

typedef struct codepage {
  struct codepage *next;
  uint8_t *base;
  size_t size;
  size_t used;
  bool sealed;
} codepage;

struct ospy_expr_codepool {
  codepage *pages; /* newest first */
};

ospy_expr_codepool *ospy_expr_codepool_new(void)
{
  return calloc(1, sizeof(ospy_expr_codepool));
}

static codepage *new_page(ospy_expr_codepool *pool, size_t need)
{
  long pagesize = sysconf(_SC_PAGESIZE);
  size_t ps = pagesize > 0 ? (size_t)pagesize : 4096;
  size_t size = (need + ps - 1) / ps * ps;
  codepage *pg = calloc(1, sizeof *pg);
  if (!pg)
    return NULL;
  void *m = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (m == MAP_FAILED) {
    free(pg);
    return NULL;
  }
  pg->base = m;
  pg->size = size;
  pg->next = pool->pages;
  pool->pages = pg;
  return pg;
}

/* Copies code into an unsealed page; returns its address or NULL. */
static void *pool_add(ospy_expr_codepool *pool, const void *code, size_t len)
{
  codepage *pg = pool->pages;
  size_t start = pg ? (pg->used + 15) & ~(size_t)15 : 0;
  if (!pg || pg->sealed || start + len > pg->size) {
    pg = new_page(pool, len);
    if (!pg)
      return NULL;
    start = 0;
  }
  memcpy(pg->base + start, code, len);
  pg->used = start + len;
  return pg->base + start;
}

bool ospy_expr_codepool_seal(ospy_expr_codepool *pool)
{
  for (codepage *pg = pool->pages; pg && !pg->sealed; pg = pg->next) {
    if (mprotect(pg->base, pg->size, PROT_READ | PROT_EXEC) != 0)
      return false;
    pg->sealed = true;
  }
  return true;
}

void ospy_expr_codepool_free(ospy_expr_codepool *pool)
{
  if (!pool)
    return;
  codepage *pg = pool->pages;
  while (pg) {
    codepage *next = pg->next;
    munmap(pg->base, pg->size);
    free(pg);
    pg = next;
  }
  free(pool);
}

bool ospy_expr_codegen(const ospy_expr *expr, void *buf, size_t capacity, size_t *len,
                       ospy_expr_error *err)
{
  memset(err, 0, sizeof *err);
  if (expr->scope.arch == OSPY_EXPR_ARCH_X86_64)
    return ospy_expr_codegen_x64(expr, buf, capacity, len, err);
  return ospy_expr_codegen_x86(expr, buf, capacity, len, err);
}

#define OSPY_EXPR_CODE_MAX 65536

ospy_expr_fn ospy_expr_jit(const ospy_expr *expr, ospy_expr_codepool *pool,
                           ospy_expr_error *err)
{
  memset(err, 0, sizeof *err);
  if (expr->scope.arch != OSPY_EXPR_ARCH_NATIVE) {
    ospy_expr_set_error(err, 0, "cannot run %s code in this process",
                        expr->scope.arch == OSPY_EXPR_ARCH_I386 ? "i386" : "x86-64");
    return NULL;
  }
  uint8_t *buf = malloc(OSPY_EXPR_CODE_MAX);
  size_t len = 0;
  void *fn = NULL;
  if (!buf) {
    ospy_expr_set_error(err, 0, "out of memory");
    return NULL;
  }
  if (ospy_expr_codegen(expr, buf, OSPY_EXPR_CODE_MAX, &len, err)) {
    fn = pool_add(pool, buf, len);
    if (!fn)
      ospy_expr_set_error(err, 0, "cannot map code pages: %s", strerror(errno));
  }
  free(buf);
  /* A data pointer becomes a function pointer: the one cast JIT code needs. */
  return (ospy_expr_fn)(uintptr_t)fn;
}
