/*
 * Hook target resolution in the loaded modules: exported symbols (dlsym),
 * module + offset, byte-signature scans of a module's executable segments,
 * and non-exported functions from the module file's .symtab. Runs at init and
 * when modules appear (never inside a recorded call), so it may open files.
 */
#include <dlfcn.h>
#include <elf.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <link.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent/agent.h"
#include "agent/inline.h"
#include "os/linux/os_read.h"

static const char *base_name(const char *path)
{
  const char *s = strrchr(path, '/');
  return s ? s + 1 : path;
}

int ospy_agent_glob_match(const char *glob, const char *name)
{
  return fnmatch(glob, name, 0) == 0;
}

static int is_agent_module(const char *path)
{
  static Dl_info self;
  if (!self.dli_fname && !dladdr((void *)ospy_agent_glob_match, &self))
    return 0;
  return self.dli_fname && path[0] && !strcmp(path, self.dli_fname);
}

typedef struct module_query {
  const char *glob;  /* "" = the main program */
  struct dl_phdr_info info;
  char path[512];
  int found;
} module_query;

/* The main program has no name in dl_iterate_phdr: its path. */
static const char *main_program_path(void)
{
  static char exe[512];
  if (!exe[0]) {
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    exe[n > 0 ? n : 0] = 0;
    /* an executable deleted since it started still has its name */
    static const char deleted[] = " (deleted)";
    size_t len = strlen(exe), dl = sizeof deleted - 1;
    if (len > dl && !strcmp(exe + len - dl, deleted))
      exe[len - dl] = 0;
  }
  return exe;
}

/* Whether a module's file (its path as loaded) is the one a hook names: a
 * glob of file names (libc.so.*), or, with a '/', a path, matched whole or
 * as the same file (/usr/lib/x86_64-linux-gnu/libc.so.6 is the loaded
 * /lib/x86_64-linux-gnu/libc.so.6 through Debian's /lib link). A path never
 * matched: only base names were compared. */
static int module_file_matches(const char *glob, const char *path)
{
  if (!strchr(glob, '/'))
    return ospy_agent_glob_match(glob, base_name(path));
  if (ospy_agent_glob_match(glob, path))
    return 1;
  struct stat a, b;
  return stat(glob, &a) == 0 && stat(path, &b) == 0 && a.st_dev == b.st_dev &&
         a.st_ino == b.st_ino;
}

static int module_query_cb(struct dl_phdr_info *info, size_t size, void *data)
{
  module_query *q = data;
  const char *name = info->dlpi_name ? info->dlpi_name : "";
  int match = q->glob[0] ? module_file_matches(q->glob, name[0] ? name : main_program_path())
                         : !name[0];
  if (!match || is_agent_module(name))
    return 0;
  q->info = *info;
  strncpy(q->path, name[0] ? name : "/proc/self/exe", sizeof q->path - 1);
  q->found = 1;
  return 1;
}

static int module_find(const char *glob, module_query *q)
{
  memset(q, 0, sizeof *q);
  q->glob = glob;
  dl_iterate_phdr(module_query_cb, q);
  return q->found;
}

int ospy_agent_module_present(const char *glob)
{
  module_query q;
  return module_find(glob, &q);
}

/* Whether addr lies in one of the module's loaded segments. */
static int in_segments(const struct dl_phdr_info *info, uintptr_t addr)
{
  for (int i = 0; i < info->dlpi_phnum; i++) {
    const ElfW(Phdr) *p = &info->dlpi_phdr[i];
    uintptr_t lo = info->dlpi_addr + p->p_vaddr;
    if (p->p_type == PT_LOAD && addr >= lo && addr - lo < p->p_memsz)
      return 1;
  }
  return 0;
}

/* A symbol in the global scope (the program, its libraries, those dlopen'ed
 * with RTLD_GLOBAL), looked up through the program's handle: a lookup through
 * RTLD_DEFAULT makes the calling module (the agent, never unloaded) depend on
 * the library it finds the symbol in, so that a hooked library opened with
 * RTLD_GLOBAL stayed loaded after the program's dlclose, and its constructors
 * did not run again when it was reopened. */
static void *global_lookup(const char *symbol)
{
  static void *program;
  if (!program)
    program = dlopen(NULL, RTLD_LAZY);
  return program ? dlsym(program, symbol) : NULL;
}

/* Whether a module (dl_iterate_phdr's) is one a hook's module names: glob
 * NULL, any; "", the main program; else a glob of its file name, or a path. */
static int module_named(const struct dl_phdr_info *info, const char *glob)
{
  const char *name = info->dlpi_name ? info->dlpi_name : "";
  if (is_agent_module(name))
    return 0;
  if (!glob)
    return 1;
  if (!glob[0])
    return !name[0];
  return module_file_matches(glob, name[0] ? name : main_program_path());
}

typedef struct export_query {
  const char *glob, *symbol;
  void *found;
} export_query;

/* An address in the kernel's vDSO: where libc's gettimeofday and time lead
 * (IFUNCs resolved to the kernel's code). Found, the interceptor says why it
 * cannot patch it; not found, the message blamed a stripped libc. */
static int in_vdso(void *sym)
{
  Dl_info di;
  return dladdr(sym, &di) && di.dli_fname &&
         (strstr(di.dli_fname, "linux-vdso") || strstr(di.dli_fname, "linux-gate"));
}

/* The symbol as the module itself exports it (a handle's lookup also
 * searches the module's dependencies: the address must be the module's). */
static int export_query_cb(struct dl_phdr_info *info, size_t size, void *data)
{
  (void)size;
  export_query *q = data;
  if (!module_named(info, q->glob))
    return 0;
  const char *name = info->dlpi_name ? info->dlpi_name : "";
  void *h = dlopen(name[0] ? name : NULL, RTLD_LAZY | RTLD_NOLOAD);
  if (!h)
    return 0;
  void *sym = dlsym(h, q->symbol);
  dlclose(h);
  if (sym && (in_segments(info, (uintptr_t)sym) || in_vdso(sym)))
    q->found = sym;
  return q->found != NULL;
}

/* The first module in load order matching glob (NULL: any) that exports
 * symbol; also modules dlopen'ed with RTLD_LOCAL, which the global scope
 * does not hold, and every module a glob matches, not only the first. */
static void *export_in_modules(const char *glob, const char *symbol)
{
  export_query q = { glob, symbol, NULL };
  dl_iterate_phdr(export_query_cb, &q);
  return q.found;
}

/* A symbol of any module: the global scope's definition (the one calls bind
 * to) first. */
static void *resolve_export_anywhere(const char *symbol)
{
  void *sym = global_lookup(symbol);
  return sym ? sym : export_in_modules(NULL, symbol);
}

static void *resolve_export(const ospy_plan_hook *ph)
{
  if (!ph->module[0])
    return resolve_export_anywhere(ph->symbol);
  void *sym = global_lookup(ph->symbol);
  Dl_info di;
  if (sym && dladdr(sym, &di) && di.dli_fname && di.dli_fname[0] &&
      module_file_matches(ph->module, di.dli_fname))
    return sym;
  return export_in_modules(ph->module, ph->symbol);
}

/* module + offset: from the load base (a shared library, a PIE), or for a
 * program linked at a fixed address (non-PIE, load base 0) from the start of
 * its image (0x1a30 is 0x401a30), or the absolute address itself. */
static void *resolve_offset(const ospy_plan_hook *ph)
{
  module_query q;
  if (!module_find(ph->module, &q))
    return NULL;
  uintptr_t at = q.info.dlpi_addr + ph->offset;
  if (in_segments(&q.info, at))
    return (void *)at;
  uintptr_t first = UINTPTR_MAX;
  for (int i = 0; i < q.info.dlpi_phnum; i++)
    if (q.info.dlpi_phdr[i].p_type == PT_LOAD && q.info.dlpi_phdr[i].p_vaddr < first)
      first = q.info.dlpi_phdr[i].p_vaddr & ~(uintptr_t)4095;
  uintptr_t rel = q.info.dlpi_addr + (first == UINTPTR_MAX ? 0 : first) + ph->offset;
  return (void *)(in_segments(&q.info, rel) ? rel : at);
}

static int sig_match(const uint8_t *p, const ospy_plan_hook *ph)
{
  for (uint32_t i = 0; i < ph->sig_len; i++) {
    uint8_t m = ph->mask_len ? ph->mask[i] : 0xff;
    if ((p[i] & m) != (ph->sig[i] & m))
      return 0;
  }
  return 1;
}

/* The first place ph's signature matches in its module's code; *count
 * (when asked) how many there are, up to limit. */
static void *scan_signature(const ospy_plan_hook *ph, unsigned *count, unsigned limit)
{
  module_query q;
  void *first = NULL;
  if (count)
    *count = 0;
  if (!ph->sig_len || !module_find(ph->module, &q))
    return NULL;
  for (int i = 0; i < q.info.dlpi_phnum; i++) {
    const ElfW(Phdr) *seg = &q.info.dlpi_phdr[i];
    if (seg->p_type != PT_LOAD || !(seg->p_flags & PF_X) || seg->p_memsz < ph->sig_len)
      continue;
    const uint8_t *start = (const uint8_t *)(q.info.dlpi_addr + seg->p_vaddr);
    /* p_filesz: the mapped file bytes; the bss tail of a code segment is not code */
    for (size_t off = 0; off + ph->sig_len <= seg->p_filesz; off++) {
      if (!sig_match(start + off, ph))
        continue;
      if (!first)
        first = (void *)(start + off + ph->sig_offset);
      if (!count || ++*count >= limit)
        return first;
    }
  }
  return first;
}

static void *resolve_signature(const ospy_plan_hook *ph)
{
  return scan_signature(ph, NULL, 0);
}

unsigned ospy_agent_signature_matches(const ospy_plan_hook *ph)
{
  unsigned n = 0;
  if (ph->kind == OSPY_HOOK_SIGNATURE || (ph->kind == OSPY_HOOK_VTABLE && !ph->symbol[0]))
    scan_signature(ph, &n, 100);
  return n;
}

/* "name.isra.0", "name.constprop.1", "name.part.0": a copy of name GCC
 * specialised (not ".cold", a piece of it). */
static int is_clone_of(const char *s, const char *name)
{
  size_t n = strlen(name);
  if (strncmp(s, name, n) || s[n] != '.')
    return 0;
  return !strncmp(s + n, ".isra.", 6) || !strncmp(s + n, ".constprop.", 11) ||
         !strncmp(s + n, ".part.", 6);
}

typedef int (*symbol_fn)(const ElfW(Sym) *sym, const char *name, void *data);

/* Calls each(symbol, its name, data) for the symbols with a value in the
 * .symtab of the ELF image at map (size bytes), until one returns non-zero:
 * that value. 0 when none did (each NULL: when there is a symbol table), -1
 * when the image has no symbol table. */
static int symtab_walk(const uint8_t *map, size_t size, symbol_fn each, void *data)
{
  const ElfW(Ehdr) *eh = (const void *)map;
  if (size < sizeof *eh || memcmp(eh->e_ident, ELFMAG, SELFMAG) ||
      eh->e_shoff == 0 || eh->e_shentsize != sizeof(ElfW(Shdr)) ||
      eh->e_shoff + (uint64_t)eh->e_shnum * sizeof(ElfW(Shdr)) > size)
    return -1;
  const ElfW(Shdr) *sh = (const void *)(map + eh->e_shoff);
  int found = -1;
  for (unsigned i = 0; i < eh->e_shnum; i++) {
    if (sh[i].sh_type != SHT_SYMTAB || sh[i].sh_link >= eh->e_shnum)
      continue;
    if (!each)
      return 0; /* (asked only whether there is a symbol table) */
    const ElfW(Shdr) *strs = &sh[sh[i].sh_link];
    if (sh[i].sh_offset + sh[i].sh_size > size || strs->sh_offset + strs->sh_size > size)
      return 0;
    found = 0;
    const ElfW(Sym) *sym = (const void *)(map + sh[i].sh_offset);
    size_t n = sh[i].sh_size / sizeof *sym;
    for (size_t k = 0; k < n; k++) {
      if (sym[k].st_name >= strs->sh_size || !sym[k].st_value)
        continue;
      const char *s = (const char *)map + strs->sh_offset + sym[k].st_name;
      if (strnlen(s, strs->sh_size - sym[k].st_name) == strs->sh_size - sym[k].st_name)
        continue;
      int r = each(&sym[k], s, data);
      if (r)
        return r;
    }
  }
  return found;
}

typedef struct symbol_query {
  const char *name;
  int type;
  char *clone;   /* a clone of name is looked for, its name written here */
  size_t clone_cap;
  int *ifunc;
  uint64_t value;
} symbol_query;

static int symbol_query_each(const ElfW(Sym) *sym, const char *s, void *data)
{
  symbol_query *q = data;
  int t = ELF32_ST_TYPE(sym->st_info);
  if (t != q->type && !(q->ifunc && q->type == STT_FUNC && t == STT_GNU_IFUNC))
    return 0;
  if (!q->clone && !strcmp(s, q->name)) {
    if (q->ifunc)
      *q->ifunc = t == STT_GNU_IFUNC;
    q->value = sym->st_value;
    return 1;
  }
  if (q->clone && is_clone_of(s, q->name)) {
    snprintf(q->clone, q->clone_cap, "%s", s);
    q->value = sym->st_value;
    return 1;
  }
  return 0;
}

/* Looks name up in the .symtab of the ELF image at map (size bytes); with
 * clone set, a GCC clone of it instead, whose name goes to clone. name NULL:
 * 1 when there is a symbol table. */
static uint64_t symtab_find(const uint8_t *map, size_t size, const char *name, int type,
                            char *clone, size_t clone_cap, int *ifunc)
{
  if (!name)
    return symtab_walk(map, size, NULL, NULL) == 0;
  symbol_query q = { name, type, clone, clone_cap, ifunc, 0 };
  return symtab_walk(map, size, symbol_query_each, &q) > 0 ? q.value : 0;
}

/* The file at path mapped read-only (*size bytes); NULL if it cannot be. */
static const uint8_t *map_file(const char *path, size_t *size)
{
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return NULL;
  struct stat st;
  void *map = MAP_FAILED;
  if (fstat(fd, &st) == 0 && st.st_size > 0)
    map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
  close(fd);
  *size = map == MAP_FAILED ? 0 : (size_t)st.st_size;
  return map == MAP_FAILED ? NULL : map;
}

/* name's value in the .symtab of the file at path, 0 when absent. */
static uint64_t file_symtab_find(const char *path, const char *name, int type, char *clone,
                                 size_t clone_cap, int *ifunc)
{
  size_t size;
  const uint8_t *map = map_file(path, &size);
  if (!map)
    return 0;
  uint64_t v = symtab_find(map, size, name, type, clone, clone_cap, ifunc);
  munmap((void *)map, size);
  return v;
}

/* Where ld.so stored what a resolver returned: the GOT slot of the
 * IRELATIVE relocation naming the resolver (x86-64: its addend; i386, REL:
 * the slot's content in the file). Asking the resolver again could answer
 * otherwise (it ran before the environment was set up); this is the
 * function the program's calls reach. */
#if defined(__x86_64__)
#define IRELATIVE_TYPE 37 /* R_X86_64_IRELATIVE */
#define REL_SECTION SHT_RELA
typedef ElfW(Rela) reloc_t;
#else
#define IRELATIVE_TYPE 42 /* R_386_IRELATIVE */
#define REL_SECTION SHT_REL
typedef ElfW(Rel) reloc_t;
#endif

static int reloc_names(const uint8_t *map, size_t size, const ElfW(Shdr) *sh, unsigned nsh,
                       const reloc_t *r, uint64_t resolver)
{
#if defined(__x86_64__)
  (void)map, (void)size, (void)sh, (void)nsh;
  return (uint64_t)r->r_addend == resolver;
#else
  for (unsigned i = 0; i < nsh; i++) { /* the slot's bytes in the file */
    if (sh[i].sh_type != SHT_PROGBITS || r->r_offset < sh[i].sh_addr ||
        r->r_offset + 4 > sh[i].sh_addr + sh[i].sh_size)
      continue;
    uint64_t at = sh[i].sh_offset + (r->r_offset - sh[i].sh_addr);
    uint32_t word;
    if (at + 4 > size)
      return 0;
    memcpy(&word, map + at, 4);
    return word == resolver;
  }
  return 0;
#endif
}

static void *irelative_slot(const uint8_t *map, size_t size, uintptr_t base, uint64_t resolver)
{
  const ElfW(Ehdr) *eh = (const void *)map;
  if (size < sizeof *eh || eh->e_shoff == 0 || eh->e_shentsize != sizeof(ElfW(Shdr)) ||
      eh->e_shoff + (uint64_t)eh->e_shnum * sizeof(ElfW(Shdr)) > size)
    return NULL;
  const ElfW(Shdr) *sh = (const void *)(map + eh->e_shoff);
  for (unsigned i = 0; i < eh->e_shnum; i++) {
    if (sh[i].sh_type != REL_SECTION || sh[i].sh_offset + sh[i].sh_size > size)
      continue;
    const reloc_t *r = (const void *)(map + sh[i].sh_offset);
    for (size_t k = 0; k < sh[i].sh_size / sizeof *r; k++) {
      if (ELF32_R_TYPE(r[k].r_info) != IRELATIVE_TYPE && ELF64_R_TYPE(r[k].r_info) != IRELATIVE_TYPE)
        continue;
      if (!reloc_names(map, size, sh, eh->e_shnum, &r[k], resolver))
        continue;
      uintptr_t target = 0;
      if (ospy_os_read_memory(base + r[k].r_offset, &target, sizeof target) != sizeof target)
        return NULL;
      return (void *)target;
    }
  }
  return NULL;
}

static void *ifunc_target(const char *path, uintptr_t base, uint64_t resolver)
{
  size_t size;
  const uint8_t *map = map_file(path, &size);
  if (!map)
    return NULL;
  void *target = irelative_slot(map, size, base, resolver);
  munmap((void *)map, size);
  return target;
}

#define SYMTAB_MODULES 64

typedef struct module_list {
  const char *glob;
  unsigned n;
  uintptr_t base[SYMTAB_MODULES];
  char path[SYMTAB_MODULES][256];
} module_list;

static int module_list_cb(struct dl_phdr_info *info, size_t size, void *data)
{
  (void)size;
  module_list *l = data;
  if (!module_named(info, l->glob))
    return 0;
  const char *name = info->dlpi_name && info->dlpi_name[0] ? info->dlpi_name : "/proc/self/exe";
  if (strlen(name) >= sizeof l->path[0] || !strncmp(name, "linux-", 6))
    return 0; /* (the vDSO has no file) */
  l->base[l->n] = info->dlpi_addr;
  strcpy(l->path[l->n], name);
  return ++l->n == SYMTAB_MODULES;
}

/* A non-exported function (or object) in the .symtab of the first module in
 * load order matching glob (NULL: any, the program first) that has it. A
 * function chosen at load time (STT_GNU_IFUNC, not exported: its symbol is
 * the resolver) is the one ld.so chose (ifunc_target). */
static void *symtab_in_modules(const char *glob, const char *symbol, int type)
{
  static module_list l; /* (4 KiB a list: not on a thread's stack) */
  memset(&l, 0, sizeof l);
  l.glob = glob;
  dl_iterate_phdr(module_list_cb, &l);
  for (unsigned i = 0; i < l.n; i++) {
    int ifunc = 0;
    uint64_t v = file_symtab_find(l.path[i], symbol, type, NULL, 0, &ifunc);
    if (v && ifunc)
      return ifunc_target(l.path[i], l.base[i], v);
    if (v)
      return (void *)(uintptr_t)(l.base[i] + v);
  }
  return NULL;
}

static void *resolve_symtab_typed(const ospy_plan_hook *ph, int type)
{
  return symtab_in_modules(ph->module, ph->symbol, type);
}

/* ---- why a module lacks a function (messages; not hot) ---- */

int ospy_agent_module_file_matches(const char *glob, const char *path)
{
  return module_file_matches(glob, path);
}

typedef struct module_count {
  const char *glob;
  unsigned n;
  char path[512];
  int program;
} module_count;

static int module_count_cb(struct dl_phdr_info *info, size_t size, void *data)
{
  (void)size;
  module_count *c = data;
  const char *name = info->dlpi_name ? info->dlpi_name : "";
  if (!module_named(info, c->glob) || !strncmp(name, "linux-", 6))
    return 0; /* (the vDSO has no file) */
  if (c->n++ == 0) {
    snprintf(c->path, sizeof c->path, "%s", name[0] ? name : main_program_path());
    c->program = !name[0];
  }
  return 0;
}

typedef struct address_query {
  uintptr_t addr;
  char *path;
  size_t cap;
} address_query;

static int address_query_cb(struct dl_phdr_info *info, size_t size, void *data)
{
  (void)size;
  address_query *q = data;
  if (!in_segments(info, q->addr))
    return 0;
  const char *name = info->dlpi_name && info->dlpi_name[0] ? info->dlpi_name : main_program_path();
  snprintf(q->path, q->cap, "%s", name);
  return 1;
}

int ospy_agent_module_path_of(const void *addr, char *path, size_t cap)
{
  address_query q = { (uintptr_t)addr, path, cap };
  return dl_iterate_phdr(address_query_cb, &q) != 0;
}

unsigned ospy_agent_module_locate(const char *glob, char *path, size_t cap, int *program)
{
  static module_count c; /* (a path: not on a thread's stack) */
  memset(&c, 0, sizeof c);
  c.glob = glob;
  dl_iterate_phdr(module_count_cb, &c);
  if (c.n) {
    snprintf(path, cap, "%s", c.path);
    *program = c.program;
  }
  return c.n;
}

/* The edit distance between a and b (insertions, deletions, substitutions),
 * or limit + 1 once it is sure to exceed limit. */
static unsigned edit_distance(const char *a, const char *b, unsigned limit)
{
  enum { MAXLEN = 127 };
  size_t la = strlen(a), lb = strlen(b);
  if (la > MAXLEN || lb > MAXLEN || (la > lb ? la - lb : lb - la) > limit)
    return limit + 1;
  unsigned row[MAXLEN + 1];
  for (size_t j = 0; j <= lb; j++)
    row[j] = (unsigned)j;
  for (size_t i = 1; i <= la; i++) {
    unsigned diag = row[0], best = row[0] = (unsigned)i;
    for (size_t j = 1; j <= lb; j++) {
      unsigned up = row[j];
      unsigned v = diag + (a[i - 1] != b[j - 1]);
      if (up + 1 < v)
        v = up + 1;
      if (row[j - 1] + 1 < v)
        v = row[j - 1] + 1;
      row[j] = v;
      diag = up;
      if (v < best)
        best = v;
    }
    if (best > limit)
      return limit + 1;
  }
  return row[lb];
}

/* The defined function of the file's dynamic symbols and .symtab whose name
 * is closest to name (a misspelling: nosuchlibc is not one, strln is), into
 * out; 0 when none is close. */
static int closest_function(const uint8_t *map, size_t size, const char *name, char *out,
                            size_t cap)
{
  const ElfW(Ehdr) *eh = (const void *)map;
  if (size < sizeof *eh || memcmp(eh->e_ident, ELFMAG, SELFMAG) || eh->e_shoff == 0 ||
      eh->e_shentsize != sizeof(ElfW(Shdr)) ||
      eh->e_shoff + (uint64_t)eh->e_shnum * sizeof(ElfW(Shdr)) > size)
    return 0;
  size_t len = strlen(name);
  unsigned best = len <= 4 ? 1 : len <= 10 ? 2 : 3; /* at most a typo or two */
  int found = 0;
  const ElfW(Shdr) *sh = (const void *)(map + eh->e_shoff);
  for (unsigned i = 0; i < eh->e_shnum; i++) {
    if ((sh[i].sh_type != SHT_SYMTAB && sh[i].sh_type != SHT_DYNSYM) ||
        sh[i].sh_link >= eh->e_shnum)
      continue;
    const ElfW(Shdr) *strs = &sh[sh[i].sh_link];
    if (sh[i].sh_offset + sh[i].sh_size > size || strs->sh_offset + strs->sh_size > size)
      continue;
    const ElfW(Sym) *sym = (const void *)(map + sh[i].sh_offset);
    for (size_t k = 0; k < sh[i].sh_size / sizeof *sym; k++) {
      int t = ELF32_ST_TYPE(sym[k].st_info);
      if ((t != STT_FUNC && t != STT_GNU_IFUNC) || sym[k].st_shndx == SHN_UNDEF ||
          sym[k].st_name >= strs->sh_size)
        continue;
      const char *s = (const char *)map + strs->sh_offset + sym[k].st_name;
      if (strnlen(s, strs->sh_size - sym[k].st_name) == strs->sh_size - sym[k].st_name)
        continue;
      unsigned d = edit_distance(name, s, best);
      if (d < best || (d == best && !found)) {
        best = d;
        found = 1;
        snprintf(out, cap, "%s", s);
      }
    }
  }
  return found;
}

/* A name the program's own code or a library's internals would carry: the
 * program's functions are rarely exported, __x_internal never. */
static int looks_internal(const char *symbol, int program)
{
  return program || symbol[0] == '_';
}

int ospy_agent_lack_reason(const char *path, const char *symbol, int program, char *out,
                           size_t cap)
{
  char clone[256], close_name[256] = "";
  size_t size;
  const uint8_t *map = map_file(program ? "/proc/self/exe" : path, &size);
  out[0] = 0;
  if (!map)
    return 0;
  int has_symtab = symtab_find(map, size, NULL, STT_FUNC, NULL, 0, NULL) != 0;
  int cloned = symtab_find(map, size, symbol, STT_FUNC, clone, sizeof clone, NULL) != 0;
  int close = !cloned && closest_function(map, size, symbol, close_name, sizeof close_name);
  munmap((void *)map, size);
  if (cloned) {
    ospy_agent_join3(out, cap, "; its module has ", clone,
                     ", a copy the compiler specialised (its parameters may differ from the "
                     "source's): hook that name if it is the one");
    return 2;
  }
  if (!has_symtab && looks_internal(symbol, program) && !close) {
    ospy_agent_join3(out, cap, ", whose file has no symbol table (stripped): hook it by offset= "
                     "or by a signature", NULL, NULL);
    return 1;
  }
  char head[256];
  ospy_agent_join3(head, sizeof head, has_symtab ? ": neither among its exported (dynamic) "
                   "symbols nor in its symbol table" : ": not among its exported (dynamic) "
                   "symbols, and its file has no symbol table", close ? "; check the name (" : "",
                   close ? close_name : "");
  ospy_agent_join3(out, cap, head, close ? " is close)" : has_symtab ? ": check the name (a "
                   "static function the compiler inlined into all its callers has no code of "
                   "its own to hook)" : ": check the name", NULL);
  return !has_symtab;
}

/* ---- a hooked function's compiler clones (a note; not hot) ---- */

typedef struct clone_list {
  const char *name;
  uint64_t own;       /* the function's own value: an alias at it is no copy */
  char names[512];    /* the first few, ", " between them */
  char first[256];
  unsigned n;
} clone_list;

#define CLONES_NAMED 4

static int clone_each(const ElfW(Sym) *sym, const char *s, void *data)
{
  clone_list *l = data;
  if (ELF32_ST_TYPE(sym->st_info) != STT_FUNC || sym->st_value == l->own ||
      !is_clone_of(s, l->name))
    return 0;
  if (!l->n)
    snprintf(l->first, sizeof l->first, "%s", s);
  if (l->n < CLONES_NAMED) {
    size_t len = strlen(l->names);
    snprintf(l->names + len, sizeof l->names - len, "%s%s", l->n ? ", " : "", s);
  }
  l->n++;
  return 0;
}

typedef struct module_of {
  uintptr_t addr;
  struct dl_phdr_info info;
  int found;
} module_of;

static int module_of_cb(struct dl_phdr_info *info, size_t size, void *data)
{
  (void)size;
  module_of *q = data;
  if (!in_segments(info, q->addr))
    return 0;
  q->info = *info;
  q->found = 1;
  return 1;
}

/* Whether the library holds symbol at addr among its exports: the calls of
 * other modules reach that function, whatever copies its own code calls. */
static int library_exports(const char *path, const char *symbol, const void *addr)
{
  void *h = dlopen(path, RTLD_LAZY | RTLD_NOLOAD);
  if (!h)
    return 0;
  void *sym = dlsym(h, symbol);
  dlclose(h);
  return sym == addr;
}

unsigned ospy_agent_clone_note(const void *addr, const char *symbol, char *out, size_t cap)
{
  module_of q = { (uintptr_t)addr, { 0 }, 0 };
  out[0] = 0;
  if (!symbol[0] || !dl_iterate_phdr(module_of_cb, &q) || !q.found)
    return 0;
  const char *name = q.info.dlpi_name ? q.info.dlpi_name : "";
  int program = !name[0];
  if (!program && (!strncmp(name, "linux-", 6) || library_exports(name, symbol, addr)))
    return 0;
  size_t size;
  const uint8_t *map = map_file(program ? "/proc/self/exe" : name, &size);
  if (!map)
    return 0;
  static clone_list l; /* (names: not on a thread's stack) */
  memset(&l, 0, sizeof l);
  l.name = symbol;
  l.own = (uintptr_t)addr - q.info.dlpi_addr;
  symtab_walk(map, size, clone_each, &l);
  munmap((void *)map, size);
  if (!l.n)
    return 0;
  const char *module = base_name(program ? main_program_path() : name);
  char more[48] = "";
  if (l.n > CLONES_NAMED)
    snprintf(more, sizeof more, " and %u more", l.n - CLONES_NAMED);
  snprintf(out, cap, ": the compiler made %u cop%s of it in %s, %s%s, which calls may reach "
           "instead of it, unseen by this hook (a copy's parameters may differ from the "
           "source's): -f '%s!%s' hooks %s", l.n, l.n == 1 ? "y" : "ies", module, l.names, more,
           module, l.first, l.n == 1 ? "it" : "one");
  return l.n;
}

static void *resolve_symtab(const ospy_plan_hook *ph)
{
  return resolve_symtab_typed(ph, STT_FUNC);
}

/* The address of a vtable's slot 0: after the offset-to-top and typeinfo
   words of its _ZTV symbol, or the address the constructor stores into the
   object: an absolute imm32 at the signature's offset on i386 (mov [reg],
   offset vtable), a rip-relative disp32 on x86-64 (lea reg, [rip+vtable]). */
static uintptr_t vtable_base(const ospy_plan_hook *ph)
{
  if (ph->symbol[0]) {
    void *sym = resolve_export(ph);
    if (!sym)
      sym = resolve_symtab_typed(ph, STT_OBJECT);
    return sym ? (uintptr_t)sym + 2 * sizeof(void *) : 0;
  }
  const uint8_t *at = resolve_signature(ph);
  int32_t word;
  if (!at || ospy_os_read_memory((uintptr_t)at, &word, sizeof word) != sizeof word)
    return 0;
#if defined(__x86_64__)
  return (uintptr_t)(at + 4 + word);
#else
  return (uintptr_t)(uint32_t)word;
#endif
}

/* A vtable method: the code its slot (ph->offset) points to. */
static void *resolve_vtable(const ospy_plan_hook *ph)
{
  uintptr_t vt = vtable_base(ph), fn = 0;
  if (!vt || ph->offset > 65535)
    return NULL;
  const void *slot = (const void *)(vt + (uintptr_t)ph->offset * sizeof(void *));
  if (ospy_os_read_memory((uintptr_t)slot, &fn, sizeof fn) != sizeof fn)
    return NULL;
  return (void *)fn;
}

void *ospy_agent_resolve_hook(const ospy_plan_hook *ph)
{
  switch (ph->kind) {
  case OSPY_HOOK_EXPORT: {
    void *p = resolve_export(ph);
    /* a config may name a non-exported function as a plain <function>;
     * without a module (-f NAME), in any module's */
    if (!p)
      p = ph->module[0] ? resolve_symtab(ph) : symtab_in_modules(NULL, ph->symbol, STT_FUNC);
    return p;
  }
  case OSPY_HOOK_SYMTAB: return resolve_symtab(ph);
  case OSPY_HOOK_OFFSET: return resolve_offset(ph);
  case OSPY_HOOK_SIGNATURE: return resolve_signature(ph);
  case OSPY_HOOK_VTABLE: return resolve_vtable(ph);
  default: return NULL;
  }
}
