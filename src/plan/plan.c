/* The binary hook plan: builder (controller) and validating decoder. */
#include "plan/plan.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PLAN_HEADER_SIZE 44u /* magic 8 + 9 x u32 */

struct ospy_plan {
  uint32_t arch_bits, options, value_cap, backtrace, flags, nhooks;
  ospy_plan_hook *hooks;
  uint8_t *spec;
  size_t spec_len;
  char *strings; /* NUL-terminated copies the hooks point into */
  char **renamed; /* display names given since (ospy_plan_set_display), kept until
                     the plan is freed: a reader may hold one */
  size_t nrenamed;
};

struct ospy_plan_builder {
  uint32_t arch_bits, options, value_cap, backtrace, flags, nhooks;
  uint8_t *hooks; /* hook records, already encoded */
  size_t hooks_len, hooks_cap;
  uint8_t *spec;
  size_t spec_len;
};

/* ---------- little-endian helpers ---------- */

static void put32(uint8_t *p, uint32_t v)
{
  for (int i = 0; i < 4; i++)
    p[i] = (uint8_t)(v >> (8 * i));
}

static void put64(uint8_t *p, uint64_t v)
{
  for (int i = 0; i < 8; i++)
    p[i] = (uint8_t)(v >> (8 * i));
}

static uint32_t get32(const uint8_t *p)
{
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t get64(const uint8_t *p)
{
  return (uint64_t)get32(p) | (uint64_t)get32(p + 4) << 32;
}

/* ---------- builder ---------- */

ospy_plan_builder *ospy_plan_builder_new(uint32_t arch_bits)
{
  ospy_plan_builder *b = calloc(1, sizeof *b);
  if (!b)
    return NULL;
  b->arch_bits = arch_bits;
  b->value_cap = OSPY_PLAN_DEFAULT_VALUE_CAP;
  return b;
}

void ospy_plan_builder_free(ospy_plan_builder *b)
{
  if (!b)
    return;
  free(b->hooks);
  free(b->spec);
  free(b);
}

void ospy_plan_builder_set_options(ospy_plan_builder *b, uint32_t options) { b->options = options; }
void ospy_plan_builder_set_value_cap(ospy_plan_builder *b, uint32_t cap) { b->value_cap = cap; }
void ospy_plan_builder_set_backtrace(ospy_plan_builder *b, uint32_t depth) { b->backtrace = depth; }
void ospy_plan_builder_set_flags(ospy_plan_builder *b, uint32_t flags) { b->flags = flags; }
uint32_t ospy_plan_builder_hook_count(const ospy_plan_builder *b) { return b->nhooks; }

int ospy_plan_builder_set_spec(ospy_plan_builder *b, const void *spec, size_t len)
{
  uint8_t *copy = len ? malloc(len) : NULL;
  if (len && !copy)
    return -1;
  if (len)
    memcpy(copy, spec, len);
  free(b->spec);
  b->spec = copy;
  b->spec_len = len;
  return 0;
}

static int reserve(ospy_plan_builder *b, size_t more)
{
  if (b->hooks_len + more <= b->hooks_cap)
    return 0;
  size_t cap = b->hooks_cap ? b->hooks_cap * 2 : 256;
  while (cap < b->hooks_len + more)
    cap *= 2;
  uint8_t *n = realloc(b->hooks, cap);
  if (!n)
    return -1;
  b->hooks = n;
  b->hooks_cap = cap;
  return 0;
}

static void put_blob(ospy_plan_builder *b, const void *data, uint32_t len)
{
  put32(b->hooks + b->hooks_len, len);
  if (len)
    memcpy(b->hooks + b->hooks_len + 4, data, len);
  b->hooks_len += 4 + (size_t)len;
}

int ospy_plan_builder_add(ospy_plan_builder *b, const ospy_plan_hook *h)
{
  const char *s[4] = { h->module ? h->module : "", h->symbol ? h->symbol : "",
                       h->process ? h->process : "", h->display ? h->display : "" };
  size_t need = 32 + 6 * 4 + (size_t)h->sig_len + h->mask_len;
  for (int i = 0; i < 4; i++)
    need += strlen(s[i]);
  if (b->nhooks >= OSPY_PLAN_MAX_HOOKS || reserve(b, need) < 0)
    return -1;
  uint8_t *p = b->hooks + b->hooks_len;
  put32(p, h->kind);
  put32(p + 4, h->spec_index);
  put32(p + 8, h->flags);
  put32(p + 12, h->function_at);
  put64(p + 16, h->offset);
  put64(p + 24, (uint64_t)h->sig_offset);
  b->hooks_len += 32;
  for (int i = 0; i < 4; i++)
    put_blob(b, s[i], (uint32_t)strlen(s[i]));
  put_blob(b, h->sig, h->sig_len);
  put_blob(b, h->mask, h->mask_len);
  b->nhooks++;
  return 0;
}

void *ospy_plan_builder_encode(const ospy_plan_builder *b, size_t *len)
{
  size_t total = PLAN_HEADER_SIZE + b->hooks_len + b->spec_len;
  uint8_t *out = malloc(total);
  if (!out)
    return NULL;
  memcpy(out, OSPY_PLAN_MAGIC, 8);
  uint32_t fields[9] = { OSPY_PLAN_VERSION, b->arch_bits, b->options, b->value_cap,
                         b->backtrace, b->flags, b->nhooks, (uint32_t)b->spec_len, 0 };
  for (int i = 0; i < 8; i++)
    put32(out + 8 + 4 * i, fields[i]);
  put32(out + 40, (uint32_t)b->hooks_len);
  if (b->hooks_len)
    memcpy(out + PLAN_HEADER_SIZE, b->hooks, b->hooks_len);
  if (b->spec_len)
    memcpy(out + PLAN_HEADER_SIZE + b->hooks_len, b->spec, b->spec_len);
  *len = total;
  return out;
}

/* ---------- decoder ---------- */

typedef struct cursor {
  const uint8_t *p;
  size_t len, off;
  char *err;
  size_t errcap;
} cursor;

static int fail(cursor *c, const char *what)
{
  snprintf(c->err, c->errcap, "plan: %s at offset %zu", what, c->off);
  return -1;
}

static int take(cursor *c, size_t n, const uint8_t **out)
{
  if (n > c->len - c->off)
    return fail(c, "truncated");
  *out = c->p + c->off;
  c->off += n;
  return 0;
}

/* A length-prefixed string: copied NUL-terminated into *strings. */
static int take_str(cursor *c, char **strings, const char **out)
{
  const uint8_t *p;
  if (take(c, 4, &p) < 0)
    return -1;
  uint32_t n = get32(p);
  size_t at = c->off;
  if (take(c, n, &p) < 0)
    return -1;
  if (memchr(p, 0, n)) {
    c->off = at;
    return fail(c, "NUL byte inside a string");
  }
  memcpy(*strings, p, n);
  (*strings)[n] = 0;
  *out = *strings;
  *strings += n + 1;
  return 0;
}

static int take_blob(cursor *c, const uint8_t **out, uint32_t *n)
{
  const uint8_t *p;
  if (take(c, 4, &p) < 0)
    return -1;
  *n = get32(p);
  if (*n > 4096)
    return fail(c, "signature longer than 4096 bytes");
  return take(c, *n, out);
}

static int decode_hook(cursor *c, ospy_plan_hook *h, char **strings, uint32_t nspec_hint)
{
  (void)nspec_hint;
  const uint8_t *p;
  size_t at = c->off;
  if (take(c, 32, &p) < 0)
    return -1;
  h->kind = get32(p);
  h->spec_index = get32(p + 4);
  h->flags = get32(p + 8);
  h->function_at = get32(p + 12);
  h->offset = get64(p + 16);
  h->sig_offset = (int64_t)get64(p + 24);
  if (h->kind < OSPY_HOOK_EXPORT || h->kind > OSPY_HOOK_VTABLE) {
    c->off = at;
    return fail(c, "unknown hook kind");
  }
  if (h->flags & ~(OSPY_HOOK_F_BACKTRACE | OSPY_HOOK_F_LOG_NESTED | OSPY_HOOK_F_NAMED |
                   OSPY_HOOK_F_GLOB | OSPY_HOOK_F_CXX_NAME | OSPY_HOOK_F_CONFIG |
                   OSPY_HOOK_F_HIDES_NONE | OSPY_HOOK_F_SPARE | OSPY_HOOK_F_PRESET)) {
    c->off = at + 8;
    return fail(c, "unknown hook flags");
  }
  if (take_str(c, strings, &h->module) < 0 || take_str(c, strings, &h->symbol) < 0 ||
      take_str(c, strings, &h->process) < 0 || take_str(c, strings, &h->display) < 0)
    return -1;
  if (take_blob(c, &h->sig, &h->sig_len) < 0 || take_blob(c, &h->mask, &h->mask_len) < 0)
    return -1;
  if ((h->kind == OSPY_HOOK_EXPORT || h->kind == OSPY_HOOK_SYMTAB) && !h->symbol[0])
    return fail(c, "hook without a symbol name");
  if (h->function_at > strlen(h->display))
    return fail(c, "function name beyond the hook's display name");
  if (h->kind == OSPY_HOOK_SIGNATURE && (h->sig_len == 0 || (h->mask_len && h->mask_len != h->sig_len)))
    return fail(c, "signature hook with empty pattern or mask of another length");
  return 0;
}

int ospy_plan_hook_wants_spares(const ospy_plan_hook *h)
{
  const char *m = h->module ? h->module : "";
  return (h->kind == OSPY_HOOK_EXPORT || h->kind == OSPY_HOOK_SYMTAB) &&
         !(h->flags & (OSPY_HOOK_F_CXX_NAME | OSPY_HOOK_F_SPARE)) && strpbrk(m, "*?[") &&
         strspn(m, "*") != strlen(m);
}

int ospy_plan_builder_add_spares(ospy_plan_builder *b, const ospy_plan_hook *h, uint32_t index)
{
  ospy_plan_hook spare = *h;
  spare.flags |= OSPY_HOOK_F_SPARE;
  spare.offset = index;
  for (unsigned k = 0; k < OSPY_PLAN_GLOB_SPARES; k++)
    if (ospy_plan_builder_add(b, &spare) < 0)
      return -1;
  return 0;
}

static int decode_header(cursor *c, ospy_plan *p, uint32_t *hooks_len)
{
  const uint8_t *h;
  if (take(c, PLAN_HEADER_SIZE, &h) < 0)
    return -1;
  c->off = 0;
  if (memcmp(h, OSPY_PLAN_MAGIC, 8))
    return fail(c, "bad magic (not an ospy plan)");
  c->off = 8;
  if (get32(h + 8) != OSPY_PLAN_VERSION) {
    snprintf(c->err, c->errcap, "plan: unsupported version %u at offset 8", get32(h + 8));
    return -1;
  }
  p->arch_bits = get32(h + 12);
  p->options = get32(h + 16);
  p->value_cap = get32(h + 20);
  p->backtrace = get32(h + 24);
  p->flags = get32(h + 28);
  p->nhooks = get32(h + 32);
  p->spec_len = get32(h + 36);
  *hooks_len = get32(h + 40);
  c->off = 12;
  if (p->arch_bits != 32 && p->arch_bits != 64)
    return fail(c, "arch bits is neither 32 nor 64");
  c->off = 16;
  if (p->options & ~OSPY_PLAN_OPT_LOSSY)
    return fail(c, "unknown options");
  c->off = 24;
  if (p->backtrace > OSPY_PLAN_MAX_BACKTRACE)
    return fail(c, "backtrace depth above 64");
  c->off = 32;
  if (p->nhooks > OSPY_PLAN_MAX_HOOKS)
    return fail(c, "too many hooks");
  c->off = 36;
  if ((uint64_t)PLAN_HEADER_SIZE + *hooks_len + p->spec_len != c->len)
    return fail(c, "hook table and spec lengths do not add up to the plan size");
  c->off = PLAN_HEADER_SIZE;
  return 0;
}

int ospy_plan_decode(const void *buf, size_t len, ospy_plan **out, char *err, size_t errcap)
{
  cursor c = { buf, len, 0, err, errcap };
  ospy_plan *p = calloc(1, sizeof *p);
  uint32_t hooks_len = 0;
  *out = NULL;
  if (!p)
    return fail(&c, "out of memory");
  if (decode_header(&c, p, &hooks_len) < 0)
    goto bad;
  p->hooks = calloc(p->nhooks ? p->nhooks : 1, sizeof *p->hooks);
  p->strings = malloc((size_t)hooks_len + 4u * p->nhooks + 1);
  p->spec = malloc(p->spec_len ? p->spec_len : 1);
  if (!p->hooks || !p->strings || !p->spec) {
    fail(&c, "out of memory");
    goto bad;
  }
  char *strings = p->strings;
  cursor hc = { buf, PLAN_HEADER_SIZE + (size_t)hooks_len, PLAN_HEADER_SIZE, err, errcap };
  for (uint32_t i = 0; i < p->nhooks; i++) {
    size_t at = hc.off;
    if (decode_hook(&hc, &p->hooks[i], &strings, 0) < 0)
      goto bad;
    const ospy_plan_hook *h = &p->hooks[i];
    if ((h->flags & OSPY_HOOK_F_SPARE) &&
        (h->offset >= i || (p->hooks[h->offset].flags & OSPY_HOOK_F_SPARE))) {
      hc.off = at + 16;
      fail(&hc, "a spare hook that copies no hook before it");
      goto bad;
    }
  }
  if (hc.off != hc.len) {
    fail(&hc, "trailing bytes after the hook table");
    goto bad;
  }
  if (p->spec_len)
    memcpy(p->spec, (const uint8_t *)buf + hc.len, p->spec_len);
  *out = p;
  return 0;
bad:
  ospy_plan_free(p);
  return -1;
}

void ospy_plan_free(ospy_plan *p)
{
  if (!p)
    return;
  free(p->hooks);
  free(p->strings);
  free(p->spec);
  for (size_t i = 0; i < p->nrenamed; i++)
    free(p->renamed[i]);
  free(p->renamed);
  free(p);
}

const char *ospy_plan_hook_function(const ospy_plan_hook *h)
{
  size_t n = strlen(h->module);
  if (n && !strncmp(h->display, h->module, n) && h->display[n] == '!')
    return h->display + n + 1;
  return n ? h->display : h->display + h->function_at;
}

/* Where the function begins in name, the agent's "file!function" for hook
 * h: 0 when name is not that. */
static uint32_t renamed_function_at(const ospy_plan_hook *h, const char *name, size_t len)
{
  const char *fn = ospy_plan_hook_function(h);
  size_t n = strlen(fn);
  if (len <= n + 1 || name[len - n - 1] != '!' || memcmp(name + len - n, fn, n))
    return 0;
  return (uint32_t)(len - n);
}

int ospy_plan_set_display(ospy_plan *p, uint32_t index, const char *name, size_t len)
{
  if (index >= p->nhooks || memchr(name, 0, len))
    return -1;
  if (!strncmp(p->hooks[index].display, name, len) && !p->hooks[index].display[len])
    return 0;
  char **v = realloc(p->renamed, (p->nrenamed + 1) * sizeof *v);
  if (!v)
    return -1;
  p->renamed = v;
  char *copy = malloc(len + 1);
  if (!copy)
    return -1;
  memcpy(copy, name, len);
  copy[len] = 0;
  v[p->nrenamed++] = copy;
  p->hooks[index].function_at = renamed_function_at(&p->hooks[index], copy, len);
  p->hooks[index].display = copy;
  return 0;
}

uint32_t ospy_plan_arch_bits(const ospy_plan *p) { return p->arch_bits; }
uint32_t ospy_plan_options(const ospy_plan *p) { return p->options; }
uint32_t ospy_plan_value_cap(const ospy_plan *p) { return p->value_cap; }
uint32_t ospy_plan_backtrace_depth(const ospy_plan *p) { return p->backtrace; }
uint32_t ospy_plan_flags(const ospy_plan *p) { return p->flags; }
uint32_t ospy_plan_hook_count(const ospy_plan *p) { return p->nhooks; }

const ospy_plan_hook *ospy_plan_hook_at(const ospy_plan *p, uint32_t index)
{
  return index < p->nhooks ? &p->hooks[index] : NULL;
}

const void *ospy_plan_spec_blob(const ospy_plan *p, size_t *len)
{
  *len = p->spec_len;
  return p->spec;
}

void ospy_plan_drop_spec_blob(ospy_plan *p)
{
  free(p->spec);
  p->spec = NULL;
  p->spec_len = 0;
}
