/*
 * libc's exported functions from its own dynamic symbol table (found with
 * dl_iterate_phdr), resolved through dlsym so that IFUNCs give the code that
 * really runs; and the hook-them-all loop with refusals counted by reason.
 */
#include <dlfcn.h>
#include <elf.h>
#include <link.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "libc_exports.h"

typedef struct libc_info {
  ElfW(Addr) base;
  const ElfW(Phdr) *phdr;
  int phnum;
  bool found;
} libc_info;

static int find_libc(struct dl_phdr_info *info, size_t size, void *data) {
  (void)size;
  libc_info *li = data;
  const char *slash = strrchr(info->dlpi_name, '/');
  if (strcmp(slash ? slash + 1 : info->dlpi_name, "libc.so.6") != 0)
    return 0;
  li->base = info->dlpi_addr;
  li->phdr = info->dlpi_phdr;
  li->phnum = info->dlpi_phnum;
  li->found = true;
  return 1;
}

/* Symbol count from DT_GNU_HASH (the highest symbol index in any chain + 1). */
static unsigned gnu_hash_count(const uint32_t *h) {
  uint32_t nbuckets = h[0], symoffset = h[1], bloom = h[2];
  const uint32_t *buckets = h + 4 + bloom * (sizeof(ElfW(Addr)) / 4);
  const uint32_t *chain = buckets + nbuckets;
  uint32_t max = 0;
  for (uint32_t b = 0; b < nbuckets; b++)
    if (buckets[b] > max)
      max = buckets[b];
  if (max < symoffset)
    return symoffset;
  while (!(chain[max - symoffset] & 1))
    max++;
  return max + 1;
}

/* Dynamic entries hold addresses already relocated, except on some loaders. */
static ElfW(Addr) dyn_ptr(ElfW(Addr) base, ElfW(Addr) v) { return v < base ? base + v : v; }

typedef struct dynsyms {
  const ElfW(Sym) *symtab;
  const char *strtab;
  unsigned count;
} dynsyms;

static bool libc_dynsyms(dynsyms *ds) {
  libc_info li = { 0 };
  dl_iterate_phdr(find_libc, &li);
  if (!li.found)
    return false;
  const ElfW(Dyn) *dyn = NULL;
  for (int i = 0; i < li.phnum; i++)
    if (li.phdr[i].p_type == PT_DYNAMIC)
      dyn = (const ElfW(Dyn) *)(li.base + li.phdr[i].p_vaddr);
  if (!dyn)
    return false;
  const uint32_t *gnu_hash = NULL, *sysv_hash = NULL;
  ds->symtab = NULL;
  ds->strtab = NULL;
  for (const ElfW(Dyn) *d = dyn; d->d_tag != DT_NULL; d++) {
    if (d->d_tag == DT_SYMTAB)
      ds->symtab = (const ElfW(Sym) *)dyn_ptr(li.base, d->d_un.d_ptr);
    else if (d->d_tag == DT_STRTAB)
      ds->strtab = (const char *)dyn_ptr(li.base, d->d_un.d_ptr);
    else if (d->d_tag == DT_GNU_HASH)
      gnu_hash = (const uint32_t *)dyn_ptr(li.base, d->d_un.d_ptr);
    else if (d->d_tag == DT_HASH)
      sysv_hash = (const uint32_t *)dyn_ptr(li.base, d->d_un.d_ptr);
  }
  if (!ds->symtab || !ds->strtab || !(gnu_hash || sysv_hash))
    return false;
  ds->count = sysv_hash ? sysv_hash[1] : gnu_hash_count(gnu_hash);
  return true;
}

static bool is_function(const ElfW(Sym) *s) {
  int type = ELF64_ST_TYPE(s->st_info); /* same as ELF32_ST_TYPE */
  return s->st_shndx != SHN_UNDEF && (type == STT_FUNC || type == STT_GNU_IFUNC);
}

static bool already_listed(const libc_export *out, unsigned n, const void *addr) {
  for (unsigned j = 0; j < n; j++)
    if (out[j].addr == addr)
      return true;
  return false;
}

int libc_exports_collect(libc_export *out, unsigned max) {
  dynsyms ds;
  if (!libc_dynsyms(&ds))
    return -1;
  void *handle = dlopen("libc.so.6", RTLD_NOW | RTLD_NOLOAD);
  if (!handle)
    return -1;
  unsigned n = 0;
  for (unsigned i = 1; i < ds.count && n < max; i++) {
    const ElfW(Sym) *s = &ds.symtab[i];
    if (!is_function(s))
      continue;
    void *addr = dlsym(handle, ds.strtab + s->st_name);
    if (!addr || already_listed(out, n, addr))
      continue;
    out[n].name = ds.strtab + s->st_name;
    out[n].addr = addr;
    n++;
  }
  dlclose(handle); /* drops the reference NOLOAD took; libc stays */
  return (int)n;
}

bool libc_export_enter_only(const char *name) {
  static const char *const list[] = { "setjmp", "_setjmp", "__sigsetjmp", "sigsetjmp", "getcontext",
                                      "swapcontext", "setcontext", "makecontext", "vfork", "__vfork",
                                      "savectx", NULL };
  for (int i = 0; list[i]; i++)
    if (strcmp(name, list[i]) == 0)
      return true;
  return false;
}

void libc_hook_all(libc_export *funcs, unsigned n, ospy_hook_fn on_enter,
                   ospy_hook_fn on_leave, libc_hook_result *r) {
  memset(r, 0, sizeof *r);
  r->functions = n;
  ospy_interceptor_begin_transaction();
  for (unsigned i = 0; i < n; i++) {
    ospy_interceptor_error err = { 0 };
    ospy_hook_fn leave = libc_export_enter_only(funcs[i].name) ? NULL : on_leave;
    ospy_interceptor_status st = ospy_interceptor_attach(funcs[i].addr, on_enter, leave, NULL, NULL, &err);
    funcs[i].status = st;
    if (st == OSPY_INTERCEPTOR_OK) {
      r->hooked++;
      continue;
    }
    r->refused++;
    r->by_reason[st]++;
    if (!r->example[st]) {
      r->example[st] = funcs[i].name;
      snprintf(r->example_why[st], sizeof r->example_why[st], "%s", err.why);
    }
  }
  r->commit = ospy_interceptor_end_transaction();
}

/* Appends to buf (cap bytes, terminated) from *at; stops quietly when full. */
static void append(char *buf, size_t cap, size_t *at, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void append(char *buf, size_t cap, size_t *at, const char *fmt, ...) {
  if (*at >= cap)
    return;
  va_list ap;
  va_start(ap, fmt);
  int w = vsnprintf(buf + *at, cap - *at, fmt, ap);
  va_end(ap);
  if (w > 0)
    *at += (size_t)w < cap - *at ? (size_t)w : cap - *at - 1;
}

void libc_hook_summary(const libc_hook_result *r, char *buf, size_t cap) {
  size_t at = 0;
  buf[0] = '\0';
  append(buf, cap, &at, "hooked %u of %u, refused %u by reason:", r->hooked, r->functions,
         r->refused);
  const char *sep = " ";
  for (int s = 0; s < LIBC_HOOK_REASONS; s++) {
    if (!r->by_reason[s])
      continue;
    append(buf, cap, &at, "%s\"%s\": %u (e.g. %s)", sep,
           ospy_interceptor_status_name((ospy_interceptor_status)s), r->by_reason[s], r->example[s]);
    sep = ", ";
  }
}

void libc_hook_refused_list(const libc_export *funcs, unsigned n, char *buf, size_t cap) {
  size_t at = 0;
  buf[0] = '\0';
  append(buf, cap, &at, "refused:");
  const char *sep = " ";
  for (unsigned i = 0; i < n; i++) {
    if (funcs[i].status == OSPY_INTERCEPTOR_OK)
      continue;
    append(buf, cap, &at, "%s%s (%s)", sep, funcs[i].name, ospy_interceptor_status_name(funcs[i].status));
    sep = ", ";
  }
}
