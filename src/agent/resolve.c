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
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent/agent.h"
#include "agent/eh_frame.h"
#include "agent/elf_dynsym.h"
#include "agent/ifunc_choices.h"
#include "agent/inline.h"
#include "plan/cxx_match.h"
#include "arch/x86/x86_relocator.h"
#include "arch/x86/x86_word_operand.h"
#include "os/linux/os_maps.h"
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

/* The agent's own file (the loader's name of it: the agent is never
 * unloaded), found once at its start: dladdr takes the loader's lock, which
 * a dl_iterate_phdr callback, where is_agent_module is asked, must never
 * wait for (see export_in_modules). */
static const char *agent_file;

void ospy_agent_resolve_init(void)
{
  Dl_info self;
  if (!agent_file && dladdr((void *)ospy_agent_glob_match, &self) && self.dli_fname)
    agent_file = self.dli_fname;
}

static int is_agent_module(const char *path)
{
  return agent_file && path[0] && !strcmp(path, agent_file);
}

/* The program headers a query keeps of the module it found: its loadable
 * segments and its dynamic section, copied while the loader holds the
 * module in place (its own copy may go with the module when another thread
 * unloads it). */
#define QUERY_PHDRS 12

typedef struct module_query {
  const char *glob;  /* "" = the main program */
  struct dl_phdr_info info; /* dlpi_phdr: phdr below; dlpi_name: "" */
  ElfW(Phdr) phdr[QUERY_PHDRS];
  char path[512];
  int found;
} module_query;

/* The main program has no name in dl_iterate_phdr: its path. */
static const char *main_program_path(void)
{
  static char exe[512];
  if (!exe[0]) {
    ssize_t n = readlink(ospy_os_self_exe(), exe, sizeof exe - 1);
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
  q->info.dlpi_name = "";
  q->info.dlpi_phdr = q->phdr;
  q->info.dlpi_phnum = 0;
  for (int i = 0; i < info->dlpi_phnum && q->info.dlpi_phnum < QUERY_PHDRS; i++)
    if (info->dlpi_phdr[i].p_type == PT_LOAD || info->dlpi_phdr[i].p_type == PT_DYNAMIC)
      q->phdr[q->info.dlpi_phnum++] = info->dlpi_phdr[i];
  strncpy(q->path, name[0] ? name : ospy_os_self_exe(), sizeof q->path - 1);
  q->found = 1;
  return 1;
}

static int module_find(const char *glob, module_query *q)
{
  memset(q, 0, sizeof *q);
  q->glob = glob;
  ospy_agent_iterate_modules(module_query_cb, q);
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

/* The modules the next lookups pass over (ospy_agent_resolve_excluding): those
 * whose segments hold one of these addresses. One resolver at a time. */
static const void *const *excluded_addrs;
static unsigned nexcluded;

void ospy_agent_resolve_excluding(const void *const *addrs, unsigned n)
{
  excluded_addrs = addrs;
  nexcluded = addrs ? n : 0;
}

static int module_excluded(const struct dl_phdr_info *info)
{
  for (unsigned i = 0; i < nexcluded; i++)
    if (in_segments(info, (uintptr_t)excluded_addrs[i]))
      return 1;
  return 0;
}

/* Whether sym is in a module the lookups pass over. */
static int address_excluded(const void *sym)
{
  Dl_info a, b;
  if (!nexcluded || !dladdr(sym, &a))
    return 0;
  for (unsigned i = 0; i < nexcluded; i++)
    if (dladdr(excluded_addrs[i], &b) && b.dli_fbase == a.dli_fbase)
      return 1;
  return 0;
}

/* Whether a module (dl_iterate_phdr's) is one a hook's module names: glob
 * NULL, any; "", the main program; else a glob of its file name, or a path.
 * A module the lookups pass over is none. */
static int module_named(const struct dl_phdr_info *info, const char *glob)
{
  const char *name = info->dlpi_name ? info->dlpi_name : "";
  if (is_agent_module(name) || module_excluded(info))
    return 0;
  if (!glob)
    return 1;
  if (!glob[0])
    return !name[0];
  return module_file_matches(glob, name[0] ? name : main_program_path());
}

/* An address in the kernel's vDSO: where libc's gettimeofday and time lead
 * (IFUNCs resolved to the kernel's code). Found, the interceptor says why it
 * cannot patch it; not found, the message blamed a stripped libc. */
static int in_vdso(void *sym)
{
  Dl_info di;
  return dladdr(sym, &di) && di.dli_fname &&
         (strstr(di.dli_fname, "linux-vdso") || strstr(di.dli_fname, "linux-gate"));
}

/* The modules a glob names (NULL: any), a batch at a time, gathered in one
 * dl_iterate_phdr walk and asked for the symbol after it: dlopen and dlsym
 * take the loader's lock, which a thread in dlclose holds while it waits for
 * the one dl_iterate_phdr holds (asked inside the callback, two threads
 * deadlocked). Fixed storage: no allocation while a hooked allocator may be
 * re-entered. (A module unloaded between two batches' walks shifts the
 * second by one: with more than a batch of modules to ask, one may be
 * passed over by that lookup.) */
#define EXPORT_BATCH 32

typedef struct export_batch {
  const char *glob;
  unsigned skip;    /* matching modules before this batch's first */
  unsigned matched; /* matching modules met in this walk */
  unsigned n;
  int more;         /* the walk stopped with modules left to ask */
  struct {
    char path[512];   /* "" for the program */
    uintptr_t lo, hi; /* the span of its loadable segments */
    uintptr_t bias;
    int other_namespace; /* loaded by dlmopen into another namespace */
  } m[EXPORT_BATCH];
} export_batch;

static int export_batch_cb(struct dl_phdr_info *info, size_t size, void *data)
{
  export_batch *b = data;
  const char *name = info->dlpi_name ? info->dlpi_name : "";
  if (!module_named(info, b->glob) || b->matched++ < b->skip)
    return 0;
  if (b->n == EXPORT_BATCH) {
    b->more = 1;
    return 1;
  }
  if (strlen(name) >= sizeof b->m[0].path)
    return 0; /* (no dlopen by a cut name) */
  uintptr_t lo = UINTPTR_MAX, hi = 0;
  for (int i = 0; i < info->dlpi_phnum; i++) {
    const ElfW(Phdr) *p = &info->dlpi_phdr[i];
    uintptr_t a = info->dlpi_addr + p->p_vaddr;
    if (p->p_type != PT_LOAD)
      continue;
    lo = a < lo ? a : lo;
    hi = a + p->p_memsz > hi ? a + p->p_memsz : hi;
  }
  strcpy(b->m[b->n].path, name);
  b->m[b->n].lo = lo;
  b->m[b->n].hi = hi;
  b->m[b->n].bias = info->dlpi_addr;
  b->m[b->n++].other_namespace = size == OSPY_AGENT_OTHER_NAMESPACE_INFO_SIZE;
  return 0;
}

static uint64_t dynsym_find(const uint8_t *map, size_t size, const char *name, int *ifunc);
static const uint8_t *map_file(const char *path, size_t *size);
static void *ifunc_target(const char *path, uintptr_t base, uint64_t resolver);

/* The symbol as a module of another namespace exports it, from its file's
 * dynamic symbols: dlopen and dlsym look in the agent's namespace, where
 * the module is not (or is another copy). */
static void *other_namespace_export(const char *path, uintptr_t bias, const char *symbol)
{
  size_t size;
  const uint8_t *map = map_file(path, &size);
  if (!map)
    return NULL;
  int ifunc = 0;
  uint64_t v = dynsym_find(map, size, symbol, &ifunc);
  munmap((void *)map, size);
  if (!v)
    return NULL;
  return ifunc ? ifunc_target(path, bias, v) : (void *)(bias + (uintptr_t)v);
}

/* The symbol as module i of the batch itself exports it (a handle's lookup
 * also searches the module's dependencies: the address must be the
 * module's). A module unloaded since the walk is not found (RTLD_NOLOAD);
 * one loaded again elsewhere fails the span. */
static void *module_export(const export_batch *b, unsigned i, const char *symbol)
{
  if (b->m[i].other_namespace)
    return other_namespace_export(b->m[i].path, b->m[i].bias, symbol);
  void *h = dlopen(b->m[i].path[0] ? b->m[i].path : NULL, RTLD_LAZY | RTLD_NOLOAD);
  if (!h)
    return NULL;
  void *sym = dlsym(h, symbol);
  dlclose(h);
  uintptr_t a = (uintptr_t)sym;
  return sym && ((a >= b->m[i].lo && a < b->m[i].hi) || in_vdso(sym)) ? sym : NULL;
}

/* The first module in load order matching glob (NULL: any) that exports
 * symbol; also modules dlopen'ed with RTLD_LOCAL, which the global scope
 * does not hold, and every module a glob matches, not only the first. */
static void *export_in_modules(const char *glob, const char *symbol)
{
  static export_batch b; /* (16 KiB: not on a thread's stack; one resolver at a time) */
  for (unsigned skip = 0;; skip += EXPORT_BATCH) {
    b.glob = glob;
    b.skip = skip;
    b.matched = b.n = 0;
    b.more = 0;
    ospy_agent_iterate_modules(export_batch_cb, &b);
    for (unsigned i = 0; i < b.n; i++) {
      void *sym = module_export(&b, i, symbol);
      if (sym)
        return sym;
    }
    if (!b.more)
      return NULL;
  }
}

/* A symbol of any module: the global scope's definition (the one calls bind
 * to) first. */
static void *resolve_export_anywhere(const char *symbol)
{
  void *sym = global_lookup(symbol);
  return sym && !address_excluded(sym) ? sym : export_in_modules(NULL, symbol);
}

static void *resolve_export(const ospy_plan_hook *ph)
{
  if (!ph->module[0])
    return resolve_export_anywhere(ph->symbol);
  void *sym = global_lookup(ph->symbol);
  Dl_info di;
  if (sym && dladdr(sym, &di) && di.dli_fname && di.dli_fname[0] &&
      module_file_matches(ph->module, di.dli_fname) && !address_excluded(sym))
    return sym;
  return export_in_modules(ph->module, ph->symbol);
}

static void add(char *out, size_t cap, const char *a, const char *b, const char *c);
static void add_hex(char *out, size_t cap, uint64_t v);

/* The module's image: from its first loadable segment's page to the end of
 * its last, as link-time addresses. */
static void image_span(const struct dl_phdr_info *info, uintptr_t *first, uintptr_t *end)
{
  *first = UINTPTR_MAX;
  *end = 0;
  for (int i = 0; i < info->dlpi_phnum; i++) {
    const ElfW(Phdr) *p = &info->dlpi_phdr[i];
    if (p->p_type != PT_LOAD)
      continue;
    if ((p->p_vaddr & ~(uintptr_t)4095) < *first)
      *first = p->p_vaddr & ~(uintptr_t)4095;
    if (p->p_vaddr + p->p_memsz > *end)
      *end = p->p_vaddr + p->p_memsz;
  }
  if (*first == UINTPTR_MAX)
    *first = *end = 0;
}

/* module + offset: from the load base (a shared library, a PIE), or for a
 * program linked at a fixed address (non-PIE, load base 0) from the start of
 * its image (0x1a30 is 0x401a30), or the absolute address itself. An offset
 * in none of its segments is refused, said why (it was left to the
 * interceptor, which found no code there and kept it pending as a function
 * "not found (yet)", then "never found" in a module that was loaded). */
static void *resolve_offset(const ospy_plan_hook *ph, module_query *q, ospy_resolved *r)
{
  if (!module_find(ph->module, q))
    return NULL;
  uintptr_t at = q->info.dlpi_addr + ph->offset;
  if (in_segments(&q->info, at))
    return (void *)at;
  uintptr_t first, end;
  image_span(&q->info, &first, &end);
  uintptr_t rel = q->info.dlpi_addr + first + ph->offset;
  if (in_segments(&q->info, rel))
    return (void *)rel;
  add(r->refused, sizeof r->refused, "offset ", NULL, NULL);
  add_hex(r->refused, sizeof r->refused, ph->offset);
  /* (a non-PIE program's offset may be its absolute address) */
  if (ph->offset >= end - first && (!first || ph->offset < first || ph->offset >= end)) {
    add(r->refused, sizeof r->refused, " is past the end of ", ph->module[0] ? ph->module
                                                                            : "the program",
        " (");
    add_hex(r->refused, sizeof r->refused, end - first);
    add(r->refused, sizeof r->refused, " bytes): not hooked", NULL, NULL);
  } else {
    add(r->refused, sizeof r->refused, " is in none of the loaded segments of ",
        ph->module[0] ? ph->module : "the program", " (a gap between them): not hooked");
  }
  return NULL;
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

/* The code is read a piece at a time, safely: another thread may unload
 * the module while it is scanned (dlclose), and the scan then ends. */
#define SCAN_PIECE 65536

/* The first place ph's signature matches in the code of its module (*q),
 * plus the signature's offset; *count (when asked) how many places there
 * are, up to limit, the first nplaces of them into places. */
static void *scan_signature_in(const ospy_plan_hook *ph, unsigned *count, unsigned limit,
                               uintptr_t *places, unsigned nplaces, module_query *q)
{
  static uint8_t piece[SCAN_PIECE]; /* (not on a thread's stack; one resolver at a time) */
  void *first = NULL;
  if (count)
    *count = 0;
  if (!ph->sig_len || ph->sig_len > SCAN_PIECE || !module_find(ph->module, q))
    return NULL;
  for (int i = 0; i < q->info.dlpi_phnum; i++) {
    const ElfW(Phdr) *seg = &q->info.dlpi_phdr[i];
    if (seg->p_type != PT_LOAD || !(seg->p_flags & PF_X) || seg->p_memsz < ph->sig_len)
      continue;
    uintptr_t start = q->info.dlpi_addr + seg->p_vaddr;
    /* p_filesz: the mapped file bytes; the bss tail of a code segment is not code */
    for (size_t at = 0; at + ph->sig_len <= seg->p_filesz;) {
      size_t want = seg->p_filesz - at < SCAN_PIECE ? seg->p_filesz - at : SCAN_PIECE;
      size_t got = ospy_os_read_memory(start + at, piece, want);
      if (got < ph->sig_len)
        break; /* (unmapped meanwhile) */
      for (size_t off = 0; off + ph->sig_len <= got; off++) {
        if (!sig_match(piece + off, ph))
          continue;
        uintptr_t place = start + at + off + (uintptr_t)ph->sig_offset;
        if (!first)
          first = (void *)place;
        if (count && *count < nplaces)
          places[*count] = place;
        if (!count || ++*count >= limit)
          return first;
      }
      at += got - ph->sig_len + 1; /* (a match across two pieces is found in the second) */
    }
  }
  return first;
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

/* A global symbol of no type (STT_NOTYPE) defined in a section of code: a
 * function of hand-written assembly that has no `.type NAME,@function`
 * (nm shows it `T`). Taken for a function; a local one is as likely a label
 * inside a function (a loop's head), and stays none. */
static int is_untyped_function(const ElfW(Sym) *sym, const ElfW(Shdr) *sh, unsigned nsh)
{
  return ELF32_ST_TYPE(sym->st_info) == STT_NOTYPE && ELF32_ST_BIND(sym->st_info) != STB_LOCAL &&
         sym->st_shndx != SHN_UNDEF && sym->st_shndx < nsh &&
         (sh[sym->st_shndx].sh_flags & SHF_EXECINSTR);
}

/* A symbol of no type (STT_NOTYPE) defined in a section of data (loaded,
 * not code: .data, .rodata, .bss): a variable of hand-written assembly that
 * has no `.type NAME,@object` (nm shows it `D`), or a label in its data.
 * Taken for a data object: -f NAME says it is a variable, not "not found". */
static int is_untyped_data(const ElfW(Sym) *sym, const ElfW(Shdr) *sh, unsigned nsh)
{
  return ELF32_ST_TYPE(sym->st_info) == STT_NOTYPE && sym->st_shndx != SHN_UNDEF &&
         sym->st_shndx < nsh && (sh[sym->st_shndx].sh_flags & SHF_ALLOC) &&
         !(sh[sym->st_shndx].sh_flags & SHF_EXECINSTR);
}

/* A symbol as symtab_walk hands it: of its own type, or the one its
 * section shows an untyped symbol has (is_untyped_function, is_untyped_data). */
static ElfW(Sym) typed_symbol(const ElfW(Sym) *sym, const ElfW(Shdr) *sh, unsigned nsh)
{
  ElfW(Sym) typed = *sym;
  int bind = ELF32_ST_BIND(sym->st_info);
  if (is_untyped_function(sym, sh, nsh))
    typed.st_info = (unsigned char)ELF32_ST_INFO(bind, STT_FUNC);
  else if (is_untyped_data(sym, sh, nsh))
    typed.st_info = (unsigned char)ELF32_ST_INFO(bind, STT_OBJECT);
  return typed;
}

/* Calls each(symbol, its name, data) for the symbols of the ELF image at
 * map (size bytes) in its table of section type table (SHT_SYMTAB: the
 * .symtab, SHT_DYNSYM: the dynamic symbols), in the table's order, until
 * one returns non-zero: that value. The symbols with a value, and the
 * STT_FILE ones (a source file's name: the local symbols that follow are
 * its); a global code symbol without a type as an STT_FUNC (of size 0 when
 * it has no .size: unknown; is_untyped_function), a data symbol without one
 * as an STT_OBJECT (is_untyped_data). 0 when none did (each NULL: when
 * there is such a table), -1 when the image has none. */
static int symtab_walk(const uint8_t *map, size_t size, uint32_t table, symbol_fn each,
                       void *data)
{
  const ElfW(Ehdr) *eh = (const void *)map;
  if (size < sizeof *eh || memcmp(eh->e_ident, ELFMAG, SELFMAG) ||
      eh->e_shoff == 0 || eh->e_shentsize != sizeof(ElfW(Shdr)) ||
      eh->e_shoff + (uint64_t)eh->e_shnum * sizeof(ElfW(Shdr)) > size)
    return -1;
  const ElfW(Shdr) *sh = (const void *)(map + eh->e_shoff);
  int found = -1;
  for (unsigned i = 0; i < eh->e_shnum; i++) {
    if (sh[i].sh_type != table || sh[i].sh_link >= eh->e_shnum)
      continue;
    if (!each)
      return 0; /* (asked only whether there is such a table) */
    const ElfW(Shdr) *strs = &sh[sh[i].sh_link];
    if (sh[i].sh_offset + sh[i].sh_size > size || strs->sh_offset + strs->sh_size > size)
      return 0;
    found = 0;
    const ElfW(Sym) *sym = (const void *)(map + sh[i].sh_offset);
    size_t n = sh[i].sh_size / sizeof *sym;
    for (size_t k = 0; k < n; k++) {
      if (sym[k].st_name >= strs->sh_size ||
          (!sym[k].st_value && ELF32_ST_TYPE(sym[k].st_info) != STT_FILE))
        continue;
      const char *s = (const char *)map + strs->sh_offset + sym[k].st_name;
      if (strnlen(s, strs->sh_size - sym[k].st_name) == strs->sh_size - sym[k].st_name)
        continue;
      ElfW(Sym) typed = typed_symbol(&sym[k], sh, eh->e_shnum);
      int r = each(&typed, s, data);
      if (r)
        return r;
    }
  }
  return found;
}

/* The STT_FILE symbols a walk of a .symtab has passed: GNU ld writes each
 * input file's local symbols after one naming it, and one of its own with
 * no name after them all, before the globals it made local (hidden ones, a
 * version script's locals) and the locals it defines (_DYNAMIC). An input
 * file that names none gets one with no name too: a GCC LTO partition
 * (-flto), whose static functions are as much its own as any file's. So
 * the linker's is the last STT_FILE, when it has no name. */
typedef struct file_marks {
  unsigned passed;  /* STT_FILE symbols so far */
  unsigned unnamed; /* the last one's ordinal (1, 2...) when it has no name, else 0 */
} file_marks;

static void pass_file_symbol(file_marks *m, const char *name)
{
  m->passed++;
  m->unnamed = name[0] ? 0 : m->passed;
}

static int count_file_symbols_each(const ElfW(Sym) *sym, const char *s, void *data)
{
  if (ELF32_ST_TYPE(sym->st_info) == STT_FILE)
    pass_file_symbol(data, s);
  return 0;
}

/* The ordinal of the linker's own STT_FILE in the .symtab of the ELF image
 * at map (size bytes): the last one, when it has no name; 0 when there is
 * none. */
static unsigned linker_file_symbol(const uint8_t *map, size_t size)
{
  file_marks m = { 0, 0 };
  symtab_walk(map, size, SHT_SYMTAB, count_file_symbols_each, &m);
  return m.unnamed == m.passed ? m.unnamed : 0;
}

/* Whether a local symbol is its source file's own (a C static function),
 * not a global one the linker made local (hidden, or a version script's
 * local: listed after the linker's STT_FILE, file_marks): only the first
 * are local to their translation unit, which the compiler may call by a
 * convention of its own (i386: arguments in registers). bind: its STB_*;
 * after_unnamed: the ordinal of the STT_FILE of no name it follows (0: it
 * follows a named one, or none); linker_file: linker_file_symbol's. */
static int is_static_symbol(unsigned bind, unsigned after_unnamed, unsigned linker_file)
{
  return bind == STB_LOCAL && !(after_unnamed && after_unnamed == linker_file);
}

typedef struct symbol_query {
  const char *name;
  int type;
  char *clone;   /* a clone of name is looked for, its name written here */
  size_t clone_cap;
  int *ifunc;
  int defined;   /* only symbols defined in the file (a .dynsym lists those it imports) */
  ElfW(Sym) hit; /* the symbol found */
  file_marks files;   /* the STT_FILE symbols walked past */
  unsigned hit_after; /* a local hit: the ordinal of the STT_FILE of no name it follows,
                         or 0 */
} symbol_query;

static int symbol_query_each(const ElfW(Sym) *sym, const char *s, void *data)
{
  symbol_query *q = data;
  int t = ELF32_ST_TYPE(sym->st_info);
  if (t == STT_FILE)
    pass_file_symbol(&q->files, s);
  if (t != q->type && !(q->ifunc && q->type == STT_FUNC && t == STT_GNU_IFUNC))
    return 0;
  if (q->defined && sym->st_shndx == SHN_UNDEF)
    return 0;
  if (!q->clone && !strcmp(s, q->name)) {
    if (q->ifunc)
      *q->ifunc = t == STT_GNU_IFUNC;
    q->hit = *sym;
    q->hit_after = ELF32_ST_BIND(sym->st_info) == STB_LOCAL ? q->files.unnamed : 0;
    return 1;
  }
  if (q->clone && is_clone_of(s, q->name)) {
    snprintf(q->clone, q->clone_cap, "%s", s);
    q->hit = *sym;
    return 1;
  }
  return 0;
}

/* Looks name up in the .symtab of the ELF image at map (size bytes); with
 * clone set, a GCC clone of it instead, whose name goes to clone. The
 * symbol found goes to *hit (when not NULL). name NULL: 1 when there is a
 * symbol table. */
static uint64_t symtab_find(const uint8_t *map, size_t size, const char *name, int type,
                            char *clone, size_t clone_cap, int *ifunc, ElfW(Sym) *hit,
                            int *hit_static)
{
  if (!name)
    return symtab_walk(map, size, SHT_SYMTAB, NULL, NULL) == 0;
  symbol_query q = { name, type, clone, clone_cap, ifunc, 0, { 0 }, { 0, 0 }, 0 };
  if (symtab_walk(map, size, SHT_SYMTAB, symbol_query_each, &q) <= 0)
    return 0;
  if (hit)
    *hit = q.hit;
  if (hit_static) /* (the whole table walked again only past a STT_FILE of no name) */
    *hit_static = is_static_symbol(ELF32_ST_BIND(q.hit.st_info), q.hit_after,
                                   q.hit_after ? linker_file_symbol(map, size) : 0);
  return q.hit.st_value;
}

/* The value of the function name defined in the dynamic symbols of the ELF
 * image at map (size bytes), 0 when there is none: one the dynamic linker
 * does not give (dlsym finds the default version of a name; a library may
 * keep an older version alone, for programs linked against it). *ifunc:
 * whether it is a resolver (STT_GNU_IFUNC). */
static uint64_t dynsym_find(const uint8_t *map, size_t size, const char *name, int *ifunc)
{
  symbol_query q = { name, STT_FUNC, NULL, 0, ifunc, 1, { 0 }, { 0, 0 }, 0 };
  if (symtab_walk(map, size, SHT_DYNSYM, symbol_query_each, &q) <= 0)
    return 0;
  return q.hit.st_value;
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

/* The last file ospy_agent_file_defines mapped, kept for the next question. */
static const uint8_t *defines_map;
static size_t defines_size;
static char defines_path[512];

int ospy_agent_file_defines(const char *path, const char *symbol)
{
  if (!path || strcmp(path, defines_path)) {
    if (defines_map)
      munmap((void *)defines_map, defines_size);
    defines_map = NULL;
    defines_path[0] = 0;
    if (!path || strlen(path) >= sizeof defines_path || !(defines_map = map_file(path, &defines_size)))
      return 0;
    strcpy(defines_path, path);
  }
  int ifunc = 0;
  return symtab_find(defines_map, defines_size, symbol, STT_FUNC, NULL, 0, &ifunc, NULL, NULL) ||
         dynsym_find(defines_map, defines_size, symbol, &ifunc);
}

/* The functions one name designates in a file: static functions of several
 * source files (each its own `static int helper(int)`), or a static one and
 * a global one, each with code of its own. Up to SAME_NAMED_MAX. */
#define SAME_NAMED_MAX 64

typedef struct same_named {
  const char *name;
  const char *source; /* the source file of the local symbols walked (STT_FILE), or NULL */
  file_marks files;   /* the STT_FILE symbols walked past (is_static_symbol) */
  unsigned n;
  uint64_t value[SAME_NAMED_MAX];   /* distinct addresses, in the table's order */
  const char *file[SAME_NAMED_MAX]; /* a static one's source file, or NULL */
  uint64_t size[SAME_NAMED_MAX];    /* st_size */
  uint8_t bind[SAME_NAMED_MAX];     /* STB_* */
  unsigned after[SAME_NAMED_MAX];   /* a local one: the STT_FILE of no name it follows, or 0
                                       (file_marks) */
  uint8_t is_static[SAME_NAMED_MAX];
} same_named;

static int same_named_each(const ElfW(Sym) *sym, const char *s, void *data)
{
  same_named *sn = data;
  int type = ELF32_ST_TYPE(sym->st_info);
  if (type == STT_FILE) { /* the locals of a source file follow its STT_FILE symbol */
    sn->source = s[0] ? s : NULL;
    pass_file_symbol(&sn->files, s);
    return 0;
  }
  if (type != STT_FUNC || sym->st_shndx == SHN_UNDEF || strcmp(s, sn->name))
    return 0;
  for (unsigned i = 0; i < sn->n; i++)
    if (sn->value[i] == sym->st_value)
      return 0; /* (two names of one function: one function) */
  sn->value[sn->n] = sym->st_value;
  sn->file[sn->n] = ELF32_ST_BIND(sym->st_info) == STB_LOCAL ? sn->source : NULL;
  sn->size[sn->n] = sym->st_size;
  sn->bind[sn->n] = (uint8_t)ELF32_ST_BIND(sym->st_info);
  sn->after[sn->n] = ELF32_ST_BIND(sym->st_info) == STB_LOCAL ? sn->files.unnamed : 0;
  return ++sn->n == SAME_NAMED_MAX;
}

/* Which of the functions s found are static functions of their source
 * file (is_static_symbol). */
static void mark_static(const uint8_t *map, size_t size, same_named *s)
{
  int after_unnamed = 0; /* (the whole table walked again only then) */
  for (unsigned i = 0; i < s->n; i++)
    after_unnamed |= s->after[i] != 0;
  unsigned linker_file = after_unnamed ? linker_file_symbol(map, size) : 0;
  for (unsigned i = 0; i < s->n; i++)
    s->is_static[i] = (uint8_t)is_static_symbol(s->bind[i], s->after[i], linker_file);
}

/* The functions named name in the .symtab of the ELF image at map (size
 * bytes), into s (its file names point into the image). */
static void same_named_functions(const uint8_t *map, size_t size, const char *name,
                                 same_named *s)
{
  s->name = name;
  s->source = NULL;
  s->files = (file_marks){ 0, 0 };
  s->n = 0;
  symtab_walk(map, size, SHT_SYMTAB, same_named_each, s);
  mark_static(map, size, s);
}

/* What a .symtab lookup picks, and what it found besides the address. */
typedef struct symtab_pick {
  unsigned nth;   /* which of the functions of that name in the file (0: the first) */
  unsigned count; /* how many there are (same_named), 1 for one, 0 when none */
  uint64_t size;  /* the symbol's st_size */
  int is_static;  /* a static function of its source file (is_static_symbol) */
  int clang_built; /* is_static, and clang built some of the file (names_clang) */
} symtab_pick;

/* Whether the .comment of the ELF image at map (size bytes) names clang
 * ("Debian clang version 14.0.6"): each compiler that built one of its
 * object files leaves its name there (GCC's, "GCC: (Debian 12.2.0-14)
 * 12.2.0", comes with the C library's start files in every program). */
static int names_clang(const uint8_t *map, size_t size)
{
  static const char clang[] = "clang version";
  size_t len = 0;
  const uint8_t *comment = ospy_elf_section_bytes(map, size, ".comment", &len);
  return comment && memmem(comment, len, clang, sizeof clang - 1) != NULL;
}

/* The value of the pick->nth function named name in the image, 0 when
 * there is none; first is the first symbol of that name symtab_find found.
 * Static functions come before the global ones in a .symtab: when the
 * first is global, it is the only one. */
static uint64_t pick_same_named(const uint8_t *map, size_t size, const char *name,
                                const ElfW(Sym) *first, symtab_pick *pick)
{
  static same_named s; /* (2 KiB: not on a thread's stack) */
  pick->count = 1;
  if (ELF32_ST_BIND(first->st_info) != STB_LOCAL)
    return pick->nth ? 0 : first->st_value;
  same_named_functions(map, size, name, &s);
  pick->count = s.n ? s.n : 1;
  if (pick->nth < s.n) {
    pick->size = s.size[pick->nth];
    pick->is_static = s.is_static[pick->nth];
    return s.value[pick->nth];
  }
  return pick->nth ? 0 : first->st_value;
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
  uint8_t program[SYMTAB_MODULES]; /* the main program (path: ospy_os_self_exe) */
} module_list;

static int module_list_cb(struct dl_phdr_info *info, size_t size, void *data)
{
  (void)size;
  module_list *l = data;
  if (!module_named(info, l->glob))
    return 0;
  int program = !info->dlpi_name || !info->dlpi_name[0];
  const char *name = program ? ospy_os_self_exe() : info->dlpi_name;
  if (strlen(name) >= sizeof l->path[0] || !strncmp(name, "linux-", 6))
    return 0; /* (the vDSO has no file) */
  l->base[l->n] = info->dlpi_addr;
  l->program[l->n] = (uint8_t)program;
  strcpy(l->path[l->n], name);
  return ++l->n == SYMTAB_MODULES;
}

typedef struct span_query {
  uintptr_t base;
  const char *path; /* "" for the program */
  uintptr_t addr;
  int in;
} span_query;

static int span_cb(struct dl_phdr_info *info, size_t size, void *data)
{
  (void)size;
  span_query *q = data;
  const char *name = info->dlpi_name ? info->dlpi_name : "";
  if (info->dlpi_addr != q->base || strcmp(name, q->path))
    return 0;
  q->in = in_segments(info, q->addr);
  return 1;
}

/* The symbol as the i-th module of l exports it (the default version, an
 * IFUNC's choice: what dlsym gives), NULL when it does not. Asked after the
 * walk that listed l, never inside one (dlopen takes the loader's lock:
 * deadlock with a thread in dlclose); the address is then checked to be
 * that module's, still there. */
static void *listed_module_export(const module_list *l, unsigned i, const char *symbol)
{
  const char *path = l->program[i] ? NULL : l->path[i];
  void *h = dlopen(path, RTLD_LAZY | RTLD_NOLOAD);
  if (!h)
    return NULL;
  void *sym = dlsym(h, symbol);
  dlclose(h);
  if (!sym || in_vdso(sym))
    return sym;
  span_query q = { l->base[i], path ? path : "", (uintptr_t)sym, 0 };
  ospy_agent_iterate_modules(span_cb, &q);
  return q.in ? sym : NULL;
}

/* A function the module's .symtab lacks: the one it exports, else one of
 * its dynamic symbols the dynamic linker does not give (an old version
 * kept alone). A library without a .symtab (libc, stripped libraries) has
 * its exported functions still: symbol="close" found no close there. */
static void *dynamic_function(const module_list *l, unsigned i, const char *symbol,
                              const uint8_t *map, size_t size)
{
  void *sym = listed_module_export(l, i, symbol);
  if (sym)
    return sym;
  int ifunc = 0;
  uint64_t v = dynsym_find(map, size, symbol, &ifunc);
  if (!v)
    return NULL;
  return ifunc ? ifunc_target(l->path[i], l->base[i], v) : (void *)(uintptr_t)(l->base[i] + v);
}

/* A non-exported function (or object) in the .symtab of the first module in
 * load order matching glob (NULL: any, the program first) that has it; a
 * function a module's .symtab lacks (it has none: stripped), from its
 * dynamic symbols (dynamic_function). A
 * function chosen at load time (STT_GNU_IFUNC, not exported: its symbol is
 * the resolver) is the one ld.so chose (ifunc_target). With pick, the
 * pick->nth of the functions of that name in that module's file, and how
 * many there are (static functions of several source files). */
static void *symtab_in_modules_pick(const char *glob, const char *symbol, int type,
                                    symtab_pick *pick)
{
  static module_list l; /* (4 KiB a list: not on a thread's stack) */
  memset(&l, 0, sizeof l);
  l.glob = glob;
  ospy_agent_iterate_modules(module_list_cb, &l);
  if (pick)
    pick->count = 0, pick->size = 0, pick->is_static = 0, pick->clang_built = 0;
  for (unsigned i = 0; i < l.n; i++) {
    int ifunc = 0, hit_static = 0;
    ElfW(Sym) hit = { 0 };
    size_t size;
    const uint8_t *map = map_file(l.path[i], &size);
    if (!map)
      continue;
    uint64_t v = symtab_find(map, size, symbol, type, NULL, 0, &ifunc, &hit, &hit_static);
    if (v && pick) {
      pick->size = hit.st_size;
      pick->is_static = hit_static && !ifunc;
      pick->count = 1;
      if (type == STT_FUNC && !ifunc)
        v = pick_same_named(map, size, symbol, &hit, pick);
      else if (pick->nth)
        v = 0;
    }
    if (v && pick && pick->is_static)
      pick->clang_built = names_clang(map, size);
    void *dynamic = !v && type == STT_FUNC && (!pick || !pick->nth)
                        ? dynamic_function(&l, i, symbol, map, size) : NULL;
    munmap((void *)map, size);
    if (dynamic) {
      if (pick)
        pick->count = 1;
      return dynamic;
    }
    if (v && ifunc)
      return ifunc_target(l.path[i], l.base[i], v);
    if (v)
      return (void *)(uintptr_t)(l.base[i] + v);
    if (pick && pick->count)
      return NULL; /* (the module has the name, not that many functions of it) */
  }
  return NULL;
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
  return ospy_agent_iterate_modules(address_query_cb, &q) != 0;
}

unsigned ospy_agent_module_locate(const char *glob, char *path, size_t cap, int *program)
{
  static module_count c; /* (a path: not on a thread's stack) */
  memset(&c, 0, sizeof c);
  c.glob = glob;
  ospy_agent_iterate_modules(module_count_cb, &c);
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

/* Within a typo or two of a name of len bytes: fewer in a short one. */
static unsigned close_limit(size_t len)
{
  return len <= 4 ? 1 : len <= 10 ? 2 : 3;
}

typedef struct close_module {
  const char *name;
  char stem[128];  /* name's stem (lib_stem) */
  char other[128]; /* a loaded module's */
  unsigned best;
  int suffixed;    /* found is name with a library suffix added: nothing is closer */
  char found[256]; /* "" until one is close */
} close_module;

/* Past ".N.N..." (a library's version, at least one number) at s, or s. */
static const char *skip_version(const char *s)
{
  while (s[0] == '.' && s[1] >= '0' && s[1] <= '9') {
    s++;
    while (*s >= '0' && *s <= '9')
      s++;
  }
  return s;
}

/* Whether base is name with the end of a library's file name left off:
 * libfoo for libfoo.so or libfoo.so.6, libfoo.so for libfoo.so.6 or
 * libfoo.so.1.2 (more than a typo or two away). */
static int adds_library_suffix(const char *name, const char *base)
{
  size_t n = strlen(name);
  if (!n || strncmp(base, name, n) || !base[n])
    return 0;
  const char *rest = base + n;
  int has_so = (n >= 3 && !strcmp(name + n - 3, ".so")) || strstr(name, ".so.");
  if (!has_so && !strncmp(rest, ".so", 3))
    rest += 3;
  else if (!has_so)
    return 0; /* (libfoo for libfoo-2.so or libfoo.6: a guess too far) */
  return !*skip_version(rest);
}

/* A library's name without "lib" and ".so" with its version (z for
 * libz.so.1, ssl for libssl.so.3, widget-2 for libwidget-2.so): what a typo
 * is looked for in. libz.so.1 is two edits from libc.so.6 (and was taken
 * for it: "did you mean libc.so.6?"), its stem one from libc's, and any
 * one-letter name one from any other. */
static void lib_stem(const char *name, char *out, size_t cap)
{
  const char *s = strncmp(name, "lib", 3) ? name : name + 3, *end = s + strlen(s);
  for (const char *p = s; *p; p++)
    if (p[0] == '.' && p[1] == 's' && p[2] == 'o' && (!p[3] || p[3] == '.')) {
      end = p;
      break;
    }
  size_t n = (size_t)(end - s) < cap ? (size_t)(end - s) : cap - 1;
  memcpy(out, s, n);
  out[n] = 0;
}

/* A typo or two in a stem of len bytes: none in one of 2 or fewer (only
 * another version of the same library then: libz.so.1 for libz.so). */
static unsigned stem_limit(size_t len)
{
  return len <= 2 ? 0 : close_limit(len);
}

static int close_module_cb(struct dl_phdr_info *info, size_t size, void *data)
{
  (void)size;
  close_module *c = data;
  const char *name = info->dlpi_name ? info->dlpi_name : "";
  if (is_agent_module(name) || !strncmp(name, "linux-", 6))
    return 0; /* (the vDSO has no file) */
  const char *base = base_name(name[0] ? name : main_program_path());
  if (!base[0] || !strcmp(base, c->name) || c->suffixed)
    return 0;
  if (adds_library_suffix(c->name, base)) {
    c->suffixed = 1;
    ospy_agent_join3(c->found, sizeof c->found, base, NULL, NULL);
    return 0;
  }
  lib_stem(base, c->other, sizeof c->other);
  unsigned d = edit_distance(c->stem, c->other, c->best);
  if (d < c->best || (d == c->best && !c->found[0])) {
    c->best = d;
    ospy_agent_join3(c->found, sizeof c->found, base, NULL, NULL);
  }
  return 0;
}

int ospy_agent_module_close_to(const char *name, char *out, size_t cap)
{
  static close_module c; /* (not on a thread's stack; said at the end, one thread) */
  if (strpbrk(name, "/*?["))
    return 0;
  c.name = name;
  lib_stem(name, c.stem, sizeof c.stem);
  c.best = stem_limit(strlen(c.stem));
  c.suffixed = 0;
  c.found[0] = 0;
  ospy_agent_iterate_modules(close_module_cb, &c);
  if (c.found[0])
    ospy_agent_join3(out, cap, c.found, NULL, NULL);
  return c.found[0] != 0;
}

/* The defined function of the file's dynamic symbols and .symtab whose name
 * is closest to name (a misspelling: nosuchlibc is not one, strln is), into
 * out; 0 when none is close. Never name itself: "check the name (close is
 * close)" told the user to write what was written. */
static int closest_function(const uint8_t *map, size_t size, const char *name, char *out,
                            size_t cap)
{
  const ElfW(Ehdr) *eh = (const void *)map;
  if (size < sizeof *eh || memcmp(eh->e_ident, ELFMAG, SELFMAG) || eh->e_shoff == 0 ||
      eh->e_shentsize != sizeof(ElfW(Shdr)) ||
      eh->e_shoff + (uint64_t)eh->e_shnum * sizeof(ElfW(Shdr)) > size)
    return 0;
  unsigned best = close_limit(strlen(name)); /* at most a typo or two */
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
      if ((t != STT_FUNC && t != STT_GNU_IFUNC && !is_untyped_function(&sym[k], sh, eh->e_shnum)) ||
          sym[k].st_shndx == SHN_UNDEF || sym[k].st_name >= strs->sh_size)
        continue;
      const char *s = (const char *)map + strs->sh_offset + sym[k].st_name;
      if (strnlen(s, strs->sh_size - sym[k].st_name) == strs->sh_size - sym[k].st_name ||
          !strcmp(s, name))
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

/* Whether a symbol is a variable's: data, thread-local or common. */
static int is_data_object(const ElfW(Sym) *sym)
{
  int t = ELF32_ST_TYPE(sym->st_info);
  return (t == STT_OBJECT || t == STT_TLS || t == STT_COMMON) && sym->st_shndx != SHN_UNDEF;
}

static int data_object_each(const ElfW(Sym) *sym, const char *s, void *data)
{
  return is_data_object(sym) && !strcmp(s, data);
}

/* Whether the ELF image at map (size bytes) defines a variable named name
 * (its .symtab, else its dynamic symbols). */
static int defines_data_object(const uint8_t *map, size_t size, const char *name)
{
  return symtab_walk(map, size, SHT_SYMTAB, data_object_each, (void *)name) > 0 ||
         symtab_walk(map, size, SHT_DYNSYM, data_object_each, (void *)name) > 0;
}

int ospy_agent_data_object_module(const char *symbol, char *path, size_t cap)
{
  static module_list l; /* (4 KiB a list: not on a thread's stack) */
  memset(&l, 0, sizeof l);
  ospy_agent_iterate_modules(module_list_cb, &l);
  for (unsigned i = 0; i < l.n; i++) {
    size_t size;
    const uint8_t *map = map_file(l.path[i], &size);
    if (!map)
      continue;
    int data = defines_data_object(map, size, symbol);
    munmap((void *)map, size);
    if (data) {
      snprintf(path, cap, "%s", l.program[i] ? main_program_path() : l.path[i]);
      return 1;
    }
  }
  return 0;
}

/* A name with a version (vfn@VER_3) that the file defines in other
 * versions only: they are named (the closest name was vfn@VER_1 for
 * vfn@VER_2, where the file has vfn@@VER_2, which vfn@VER_2 hooks). */
static int say_versions(const uint8_t *map, size_t size, const char *symbol, char *out,
                        size_t cap)
{
  ospy_dyn_request req;
  size_t len = ospy_dyn_parse_versioned(symbol, &req);
  char versions[256];
  if (!len || !ospy_dyn_versions(map, size, symbol, len, versions, sizeof versions))
    return 0;
  ospy_agent_join3(out, cap, ": not among the versions its exported (dynamic) symbols define: ",
                   versions, ": check the version");
  return 1;
}

int ospy_agent_lack_reason(const char *path, const char *symbol, int program, char *out,
                           size_t cap)
{
  char clone[256], close_name[256] = "";
  size_t size;
  out[0] = 0;
  if (strpbrk(symbol, ":()<>~ ,")) { /* a C++ name as nm -C prints it: no symbol is */
    ospy_agent_join3(out, cap, ": no function of that C++ name (the demangled names of its "
                     "symbol tables were compared): check the name as nm -C prints it", NULL,
                     NULL);
    return 0;
  }
  const uint8_t *map = map_file(program ? ospy_os_self_exe() : path, &size);
  if (!map)
    return 0;
  if (defines_data_object(map, size, symbol)) { /* (-f counter_var: "never found" misled) */
    munmap((void *)map, size);
    ospy_agent_join3(out, cap, ": ", symbol, " is a data object there (a variable), not a "
                     "function: only functions are hooked");
    return 1;
  }
  if (say_versions(map, size, symbol, out, cap)) {
    munmap((void *)map, size);
    return 1;
  }
  int has_symtab = symtab_find(map, size, NULL, STT_FUNC, NULL, 0, NULL, NULL, NULL) != 0;
  int cloned = symtab_find(map, size, symbol, STT_FUNC, clone, sizeof clone, NULL, NULL, NULL) != 0;
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
  uintptr_t base;
  char name[512]; /* "" for the program (copied: the loader's goes with the module) */
  int found;
} module_of;

static int module_of_cb(struct dl_phdr_info *info, size_t size, void *data)
{
  (void)size;
  module_of *q = data;
  const char *name = info->dlpi_name ? info->dlpi_name : "";
  if (!in_segments(info, q->addr) || strlen(name) >= sizeof q->name)
    return 0;
  q->base = info->dlpi_addr;
  strcpy(q->name, name);
  q->found = 1;
  return 1;
}

typedef struct code_segment_query {
  uintptr_t addr, lo, hi;
  int found;
} code_segment_query;

/* The executable segment holding addr, taken during the walk (the module's
 * program headers may go with it once the walk lets the loader go). */
static int code_segment_cb(struct dl_phdr_info *info, size_t size, void *data)
{
  (void)size;
  code_segment_query *q = data;
  if (!in_segments(info, q->addr))
    return 0;
  for (int i = 0; i < info->dlpi_phnum; i++) {
    const ElfW(Phdr) *p = &info->dlpi_phdr[i];
    uintptr_t start = info->dlpi_addr + p->p_vaddr;
    if (p->p_type == PT_LOAD && (p->p_flags & PF_X) && q->addr >= start &&
        q->addr - start < p->p_memsz) {
      q->lo = start;
      q->hi = start + p->p_memsz;
      q->found = 1;
    }
  }
  return 1;
}

int ospy_agent_code_segment(const void *addr, uintptr_t *lo, uintptr_t *hi)
{
  code_segment_query q = { (uintptr_t)addr, 0, 0, 0 };
  ospy_agent_iterate_modules(code_segment_cb, &q);
  if (!q.found)
    return 0;
  *lo = q.lo;
  *hi = q.hi;
  return 1;
}

/* Whether the library (loaded at base) holds symbol at addr among its
 * exports: the calls of other modules reach that function, whatever copies
 * its own code calls. An IFUNC's, or one of its versions, is. Read from its
 * file: dlsym would run an IFUNC's resolver. */
static int library_exports(const char *path, uintptr_t base, const char *symbol,
                           const void *addr)
{
  size_t size;
  const uint8_t *map = map_file(path, &size);
  if (!map)
    return 0;
  ospy_dyn_request newest = { .want = OSPY_DYN_NEWEST };
  ospy_dyn_def d;
  int found = ospy_dyn_find(map, size, symbol, strlen(symbol), &newest, &d) == 1;
  munmap((void *)map, size);
  return found && (d.ifunc || d.versions_differ || base + d.value == (uintptr_t)addr);
}

unsigned ospy_agent_clone_note(const void *addr, const char *symbol, char *out, size_t cap)
{
  static module_of q; /* (a path: not on a thread's stack) */
  q = (module_of){ .addr = (uintptr_t)addr };
  out[0] = 0;
  if (!symbol[0] || !ospy_agent_iterate_modules(module_of_cb, &q) || !q.found)
    return 0;
  const char *name = q.name;
  int program = !name[0];
  if (!program && (!strncmp(name, "linux-", 6) || library_exports(name, q.base, symbol, addr)))
    return 0;
  size_t size;
  const uint8_t *map = map_file(program ? ospy_os_self_exe() : name, &size);
  if (!map)
    return 0;
  static clone_list l; /* (names: not on a thread's stack) */
  memset(&l, 0, sizeof l);
  l.name = symbol;
  l.own = (uintptr_t)addr - q.base;
  symtab_walk(map, size, SHT_SYMTAB, clone_each, &l);
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

/* A message's text, a, b and c (those not NULL) appended to it. */
static void add(char *out, size_t cap, const char *a, const char *b, const char *c)
{
  size_t n = strlen(out);
  ospy_agent_join3(out + n, cap - n, a, b, c);
}

static void add_dec(char *out, size_t cap, uint64_t v)
{
  char d[24];
  ospy_agent_put_dec(d, v);
  add(out, cap, d, NULL, NULL);
}

static void add_hex(char *out, size_t cap, uint64_t v)
{
  char x[24];
  ospy_agent_put_hex(x, v);
  add(out, cap, x, NULL, NULL);
}

/* A vtable found by its symbol: slot 0's address, and from the symbol's
 * size (offset-to-top and typeinfo words, then one word per method) how
 * many method slots it has, 0 when its size is unknown. The symbol of a
 * class with several bases holds their vtables too: an upper bound then. */
static uintptr_t vtable_by_symbol(const ospy_plan_hook *ph, unsigned *slots)
{
  uint64_t size = 0;
  void *sym = resolve_export(ph);
  Dl_info di;
  const ElfW(Sym) *es = NULL;
  if (sym && dladdr1(sym, &di, (void **)&es, RTLD_DL_SYMENT) && es && di.dli_saddr == sym)
    size = es->st_size;
  if (!sym) {
    symtab_pick pick = { 0 };
    sym = symtab_in_modules_pick(ph->module, ph->symbol, STT_OBJECT, &pick);
    size = pick.size;
  }
  *slots = size / sizeof(void *) > 2 ? (unsigned)(size / sizeof(void *) - 2) : 0;
  return sym ? (uintptr_t)sym + 2 * sizeof(void *) : 0;
}

#if defined(__x86_64__)
static const ospy_x86_mode agent_mode = OSPY_X86_MODE_64;
#else
static const ospy_x86_mode agent_mode = OSPY_X86_MODE_32;
#endif

/* The module's _GLOBAL_OFFSET_TABLE_, the DT_PLTGOT of its dynamic section
 * (PT_DYNAMIC: what its link_map's l_ld points at): i386 PIC code keeps its
 * address in a register and reaches its data from it (x@GOTOFF) and the
 * addresses the GOT holds (x@GOT). ld.so relocates the addresses of a
 * writable dynamic section in place, not those of a read-only one: taken as
 * it is when it lies in the module, else plus the load base. 0: none. */
static uintptr_t module_got(const struct dl_phdr_info *info)
{
  for (int i = 0; i < info->dlpi_phnum; i++) {
    const ElfW(Phdr) *p = &info->dlpi_phdr[i];
    if (p->p_type != PT_DYNAMIC)
      continue;
    uintptr_t at = info->dlpi_addr + p->p_vaddr;
    ElfW(Dyn) d; /* (read safely: the module may be unloaded meanwhile) */
    for (size_t k = 0; k < p->p_memsz / sizeof d; k++) {
      if (ospy_os_read_memory(at + k * sizeof d, &d, sizeof d) != sizeof d || d.d_tag == DT_NULL)
        return 0;
      if (d.d_tag != DT_PLTGOT)
        continue;
      uintptr_t got = d.d_un.d_ptr;
      if (in_segments(info, got))
        return got;
      return in_segments(info, info->dlpi_addr + got) ? info->dlpi_addr + got : 0;
    }
  }
  return 0;
}

/* Slot 0 of the vtable named by the operand o of an instruction of the
 * module info (x86_word_operand.h): the address lea takes, or the value an
 * immediate stores. A pointer loaded from memory is a GOT slot's, the
 * address of the _ZTV symbol, whose slot 0 lies two words after it: the
 * code adds them next, as it does to an address the linker made a lea of
 * such a load (lea rax, [rip + _ZTV]; add rax, 16; no vtable address is
 * its symbol's). i386 PIC code names addresses from the GOT, in the base
 * register. *named: the address the operand names (0: none known). 0 when
 * the operand is none of these, or the pointer cannot be read. */
static uintptr_t vtable_from_operand(const struct dl_phdr_info *info,
                                     const ospy_x86_word_operand *o, uintptr_t *named)
{
  const uintptr_t header = 2 * sizeof(void *);
  uintptr_t addr = (uintptr_t)o->value, slot;
  *named = 0;
  if (o->use == OSPY_X86_USE_OTHER || (o->kind == OSPY_X86_WORD_IMM && o->use != OSPY_X86_USE_VALUE))
    return 0;
  if (o->kind == OSPY_X86_WORD_BASE) {
    uintptr_t got = agent_mode == OSPY_X86_MODE_32 ? module_got(info) : 0;
    if (!got)
      return 0; /* (x86-64 code names no address from a register the agent can know) */
    addr = got + addr;
  }
  *named = addr;
  if (o->use == OSPY_X86_USE_VALUE)
    return o->then_added == (int64_t)header ? addr + header : addr;
  if (ospy_os_read_memory(addr, &slot, sizeof slot) != sizeof slot || !slot)
    return 0;
  return slot + (o->then_added ? (uintptr_t)o->then_added : header);
}

/* Whether vt can be a vtable whose slot `slot` a hook reads. */
static int vtable_readable(uintptr_t vt, uint64_t slot)
{
  uintptr_t w;
  return vt && ospy_os_read_memory(vt, &w, sizeof w) == sizeof w &&
         ospy_os_read_memory(vt + (uintptr_t)slot * sizeof w, &w, sizeof w) == sizeof w;
}

/* The word of the constructor at `at` read as the original reading took
 * it, for bytes that decode to no instruction holding it: an absolute
 * 32-bit address on i386, a rip-relative disp32 ending its instruction on
 * x86-64. 0 when unreadable. */
static uintptr_t vtable_by_plain_word(uintptr_t at)
{
  int32_t word;
  if (ospy_os_read_memory(at, &word, sizeof word) != sizeof word)
    return 0;
  return agent_mode == OSPY_X86_MODE_64 ? at + 4 + (uintptr_t)(intptr_t)word
                                        : (uintptr_t)(uint32_t)word;
}

/* The code around the word at `at`, for decoding: from the signature's
 * match (when it lies before the word, and not far: the instruction
 * holding the word is found by decoding from there) or as far back as an
 * instruction holding it may start, to OSPY_X86_WORD_AFTER bytes after it
 * (that instruction's end, and the next ones: what they add to what it
 * sets); within the module's segment holding the word. *word: the word's offset in buf,
 * *from: the match's (SIZE_MAX: not in buf). 0 when the word is unreadable. */
#define CODE_AROUND_MAX 512
static size_t code_around(const struct dl_phdr_info *info, uintptr_t at, uintptr_t match,
                          uint8_t buf[CODE_AROUND_MAX], size_t *word, size_t *from)
{
  uintptr_t lo = at > OSPY_X86_WORD_REACH ? at - OSPY_X86_WORD_REACH : 0;
  uintptr_t hi = at + 4 + OSPY_X86_WORD_AFTER;
  if (match < lo && at - match <= CODE_AROUND_MAX - 4 - OSPY_X86_WORD_AFTER)
    lo = match;
  for (int i = 0; i < info->dlpi_phnum; i++) {
    const ElfW(Phdr) *p = &info->dlpi_phdr[i];
    uintptr_t s = info->dlpi_addr + p->p_vaddr, e = s + p->p_memsz;
    if (p->p_type != PT_LOAD || at < s || at + 4 > e)
      continue;
    lo = lo < s ? s : lo;
    hi = hi > e ? e : hi;
    size_t n = ospy_os_read_memory(lo, buf, hi - lo);
    *word = at - lo;
    *from = match >= lo && match <= at ? match - lo : SIZE_MAX;
    return n >= *word + 4 ? n : 0;
  }
  return 0;
}

/* How the first reading of the word took it, for the refusal: "the
 * immediate of `INSN`: 0x..." (see vtable_by_signature). */
static void say_reading(const ospy_x86_word_operand *o, uintptr_t named, char *out, size_t cap)
{
  add(out, cap, "the ", o->kind == OSPY_X86_WORD_IMM ? "immediate" : "displacement", " of `");
  add(out, cap, o->text, "`", NULL);
  if (o->use == OSPY_X86_USE_OTHER) {
    add(out, cap, ", which takes no address", NULL, NULL);
  } else if (!named) {
    add(out, cap, ", from a register that holds no address known here (",
        agent_mode == OSPY_X86_MODE_64 ? "x86-64" : "the module has no GOT", ")");
  } else {
    add(out, cap, o->use == OSPY_X86_USE_LOAD ? ", which loads it from " : ": ", NULL, NULL);
    add_hex(out, cap, named);
  }
}

/* The start of the refusal of a constructor signature that matched, its
 * word giving no vtable: "the constructor signature matched at 0x... but
 * the word at +N (0x...) is not a readable vtable address (", how it was
 * read to follow. */
static void say_matched(const ospy_plan_hook *ph, uintptr_t at, char *out, size_t cap)
{
  add(out, cap, "the constructor signature matched at ", NULL, NULL);
  add_hex(out, cap, (uint64_t)(at - (uintptr_t)ph->sig_offset));
  add(out, cap, " but the word at ", ph->sig_offset < 0 ? "-" : "+", NULL);
  add_dec(out, cap, ph->sig_offset < 0 ? -(uint64_t)ph->sig_offset : (uint64_t)ph->sig_offset);
  add(out, cap, " (", NULL, NULL);
  add_hex(out, cap, at);
  add(out, cap, ") is not a readable vtable address (", NULL, NULL);
}

/* A vtable found by its constructor's signature: the vtable address the
 * constructor stores into the object, held in the instruction whose
 * displacement or immediate lies at the signature's offset from the match
 * (vtable_from_operand; of the instructions that may hold it there, the
 * first that gives a readable vtable). Where none does, the original
 * reading: an absolute address on i386, a rip-relative disp32 on x86-64.
 * The match found and no readable vtable there: refused, said why in
 * r->refused. */
static uintptr_t vtable_by_signature(const ospy_plan_hook *ph, ospy_resolved *r)
{
  module_query q;
  uintptr_t at = (uintptr_t)scan_signature_in(ph, NULL, 0, NULL, 0, &q), plain = 0;
  if (!at)
    return 0;
  uint8_t code[CODE_AROUND_MAX];
  size_t word, from, n = 0, size = code_around(&q.info, at, at - (uintptr_t)ph->sig_offset,
                                               code, &word, &from);
  ospy_x86_word_operand ops[4];
  uintptr_t named[4];
  if (size)
    n = ospy_x86_word_operands(code, size, word, at - word, from, agent_mode, ops,
                               sizeof ops / sizeof ops[0]);
  for (size_t i = 0; i < n; i++) {
    uintptr_t vt = vtable_from_operand(&q.info, &ops[i], &named[i]);
    if (vtable_readable(vt, ph->offset))
      return vt;
  }
  if (!n && vtable_readable(plain = vtable_by_plain_word(at), ph->offset))
    return plain;
  char *o = r->refused;
  size_t cap = sizeof r->refused;
  say_matched(ph, at, o, cap);
  if (n) {
    say_reading(&ops[0], named[0], o, cap);
  } else if (!size) {
    add(o, cap, "it cannot be read", NULL, NULL);
  } else {
    add(o, cap, "no instruction has its displacement or immediate there; read as ",
        agent_mode == OSPY_X86_MODE_64 ? "a rip-relative disp32: " : "an absolute address: ",
        NULL);
    add_hex(o, cap, plain);
  }
  add(o, cap, "): not hooked (ctorSigOffset must point at the 4 bytes of the vtable's "
      "address in the instruction that stores or computes it)", NULL, NULL);
  return 0;
}

/* The address of a vtable's slot 0: after the offset-to-top and typeinfo
   words of its _ZTV symbol, or the address its constructor stores into the
   object (vtable_by_signature). */
static uintptr_t vtable_base(const ospy_plan_hook *ph, unsigned *slots, ospy_resolved *r)
{
  *slots = 0;
  if (ph->symbol[0])
    return vtable_by_symbol(ph, slots);
  return vtable_by_signature(ph, r);
}

/* "vtable _ZTV5Shape" or "the vtable its constructor signature finds" */
static void vtable_name(const ospy_plan_hook *ph, char *out, size_t cap)
{
  if (ph->symbol[0])
    add(out, cap, "vtable ", ph->symbol, NULL);
  else
    add(out, cap, "the vtable its constructor signature finds", NULL, NULL);
}

/* Whether addr lies in an executable segment of a loaded module. */
static int is_code(const void *addr)
{
  uintptr_t lo, hi;
  return ospy_agent_code_segment(addr, &lo, &hi);
}

typedef struct symbol_at {
  uint64_t v;
  const char *name;
} symbol_at;

static int symbol_at_each(const ElfW(Sym) *s, const char *name, void *data)
{
  symbol_at *f = data;
  if (s->st_shndx == SHN_UNDEF || s->st_value != f->v || !name[0] ||
      ELF32_ST_TYPE(s->st_info) == STT_FILE || ELF32_ST_TYPE(s->st_info) == STT_SECTION)
    return 0;
  f->name = name;
  return 1;
}

/* " (_ZTI1D)": the symbol of a module's file at addr, when one has it. */
static void symbol_named_at(uintptr_t addr, char *o, size_t cap)
{
  static module_of q; /* (a path: not on a thread's stack) */
  size_t size;
  memset(&q, 0, sizeof q);
  q.addr = addr;
  if (!ospy_agent_iterate_modules(module_of_cb, &q) || !q.found)
    return;
  const uint8_t *map = map_file(q.name[0] ? q.name : ospy_os_self_exe(), &size);
  if (!map)
    return;
  symbol_at f = { .v = addr - q.base };
  if (symtab_walk(map, size, SHT_SYMTAB, symbol_at_each, &f) <= 0)
    symtab_walk(map, size, SHT_DYNSYM, symbol_at_each, &f);
  if (f.name)
    add(o, cap, " (", f.name, ")");
  munmap((void *)map, size);
}

/* A slot that holds no code address: the words that follow a vtable's
 * methods in a symbol with several base classes' vtables are the next
 * one's offset-to-top (-16) and typeinfo pointer. (It was hooked as given,
 * the interceptor found no code there, and the vtable was said "not found
 * (yet)", then "never found".) */
static void say_not_code(const ospy_plan_hook *ph, uintptr_t word, char *o, size_t cap)
{
  add(o, cap, "slot ", NULL, NULL);
  add_dec(o, cap, ph->offset);
  add(o, cap, " of ", NULL, NULL);
  vtable_name(ph, o, cap);
  add(o, cap, " holds ", NULL, NULL);
  add_hex(o, cap, word);
  symbol_named_at(word, o, cap);
  add(o, cap, ", not a code address: no method there to hook (the words after a vtable's "
      "methods are the next base class's vtable's offset-to-top and typeinfo; check the "
      "method's index)", NULL, NULL);
}

/* A vtable method: the code its slot (ph->offset) points to. A slot past
 * the vtable's end (the symbol's size tells it) holds whatever follows it,
 * another class's method (Circle's destructor hooked as Rect::mix) or
 * nothing; an empty slot (NULL) holds no method: both refused, said why. */
static void *resolve_vtable(const ospy_plan_hook *ph, ospy_resolved *r)
{
  unsigned slots;
  uintptr_t vt = vtable_base(ph, &slots, r), fn = 0;
  if (!vt || ph->offset > 65535)
    return NULL;
  r->vtable_slots = slots;
  char *o = r->refused;
  size_t cap = sizeof r->refused;
  if (slots && ph->offset >= slots) {
    add(o, cap, "slot ", NULL, NULL);
    add_dec(o, cap, ph->offset);
    add(o, cap, " is past the end of ", NULL, NULL);
    vtable_name(ph, o, cap);
    add(o, cap, ", which holds ", NULL, NULL);
    add_dec(o, cap, slots);
    add(o, cap, slots == 1 ? " method (slot 0" : " methods (slots 0-", NULL, NULL);
    if (slots > 1)
      add_dec(o, cap, slots - 1);
    add(o, cap, ", from its symbol's size, ", NULL, NULL);
    add_dec(o, cap, (uint64_t)(slots + 2) * sizeof(void *));
    add(o, cap, " bytes): not hooked (check the method's index)", NULL, NULL);
    return NULL;
  }
  const void *slot = (const void *)(vt + (uintptr_t)ph->offset * sizeof(void *));
  if (ospy_os_read_memory((uintptr_t)slot, &fn, sizeof fn) != sizeof fn)
    return NULL;
  if (!fn) {
    add(o, cap, "slot ", NULL, NULL);
    add_dec(o, cap, ph->offset);
    add(o, cap, " of ", NULL, NULL);
    vtable_name(ph, o, cap);
    add(o, cap, " is empty (NULL): no method there to hook (g++ leaves an abstract class's "
        "destructor slots empty, its objects being of derived classes; else check the "
        "method's index)", NULL, NULL);
  } else if (!is_code((const void *)fn)) {
    say_not_code(ph, fn, o, cap);
    return NULL;
  }
  return (void *)fn;
}

/* The file offset of the link-time address v (n bytes) in the image, or 0
 * when its loadable segments do not hold all of it in the file. */
static uint64_t file_offset_of(const uint8_t *map, size_t size, uint64_t v, uint64_t n)
{
  const ElfW(Ehdr) *eh = (const void *)map;
  if (size < sizeof *eh || eh->e_phentsize != sizeof(ElfW(Phdr)) ||
      eh->e_phoff + (uint64_t)eh->e_phnum * sizeof(ElfW(Phdr)) > size)
    return 0;
  const ElfW(Phdr) *ph = (const void *)(map + eh->e_phoff);
  for (unsigned i = 0; i < eh->e_phnum; i++) {
    if (ph[i].p_type != PT_LOAD || v < ph[i].p_vaddr || v + n > ph[i].p_vaddr + ph[i].p_filesz)
      continue;
    uint64_t off = ph[i].p_offset + (v - ph[i].p_vaddr);
    return off + n <= size ? off : 0;
  }
  return 0;
}

typedef struct function_at {
  uint64_t v;
  ElfW(Sym) fn;
  const char *name;
  int exact; /* a function starts at v */
} function_at;

/* The function whose code holds v; one that starts there wins (an entry
 * point of assembly code inside another function's range, __memcpy_chk's
 * in glibc's memcpy, is a function's start). */
static int function_at_each(const ElfW(Sym) *s, const char *name, void *data)
{
  function_at *f = data;
  if (ELF32_ST_TYPE(s->st_info) != STT_FUNC || s->st_shndx == SHN_UNDEF ||
      f->v < s->st_value || f->v - s->st_value >= (s->st_size ? s->st_size : 1))
    return 0;
  if (!f->name || f->v == s->st_value) {
    f->fn = *s;
    f->name = name;
  }
  f->exact = f->v == s->st_value;
  return f->exact;
}

/* The function of the image's .symtab, else .dynsym, whose code holds the
 * link-time address v: 1 with it in *fn and its name in *name. */
static int function_containing(const uint8_t *map, size_t size, uint64_t v, ElfW(Sym) *fn,
                               const char **name)
{
  function_at f = { .v = v };
  if (symtab_walk(map, size, SHT_SYMTAB, function_at_each, &f) <= 0)
    symtab_walk(map, size, SHT_DYNSYM, function_at_each, &f);
  if (!f.name)
    return 0;
  *fn = f.fn;
  *name = f.name;
  return 1;
}

/* How a place found by offset or signature was written: "offset 0x14a3",
 * "the place its signature gives (sigOffset -1), offset 0x14a3". */
static void say_place(const ospy_plan_hook *ph, uint64_t v, char *o, size_t cap)
{
  if (ph->kind == OSPY_HOOK_SIGNATURE) {
    char d[24];
    ospy_agent_put_dec(d + 1, ph->sig_offset < 0 ? (uint64_t)-ph->sig_offset
                                                 : (uint64_t)ph->sig_offset);
    d[0] = ph->sig_offset < 0 ? '-' : '+';
    add(o, cap, "the place its signature gives (sigOffset ", d, "), offset ");
  } else {
    add(o, cap, "offset ", NULL, NULL);
  }
  add_hex(o, cap, v);
}

/* Where to hook instead: the function's start, as this hook's kind writes
 * it ("fn starts at offset 0x14a0: hook that, or name it: symbol=\"fn\"";
 * for a signature, the sigOffset that gives it). Never a place inside it. */
static void say_start(const ospy_plan_hook *ph, const ElfW(Sym) *fn, const char *name, uint64_t v,
                      char *o, size_t cap)
{
  add(o, cap, "; ", name, " starts at offset ");
  add_hex(o, cap, fn->st_value);
  if (ph->kind == OSPY_HOOK_SIGNATURE) {
    int64_t want = ph->sig_offset - (int64_t)(v - fn->st_value);
    char d[24];
    ospy_agent_put_dec(d + 1, want < 0 ? (uint64_t)-want : (uint64_t)want);
    d[0] = want < 0 ? '-' : '+';
    add(o, cap, " (sigOffset ", d[0] == '+' ? d + 1 : d, ")");
  }
  add(o, cap, ": hook that, or name it: symbol=\"", name, "\"; not hooked");
}

/* A place of the hook's as written: "0x4011b2", for a signature with the
 * sigOffset that gives it, "0x4011b2 (sigOffset +2)"; place: where the
 * hook's own offset or signature led. */
static void say_place_as_written(const ospy_plan_hook *ph, uint64_t place, uint64_t v, char *o,
                                 size_t cap)
{
  add_hex(o, cap, v);
  if (ph->kind != OSPY_HOOK_SIGNATURE)
    return;
  int64_t want = ph->sig_offset + (int64_t)(v - place);
  char d[24];
  ospy_agent_put_dec(d + 1, want < 0 ? (uint64_t)-want : (uint64_t)want);
  d[0] = want < 0 ? '-' : '+';
  add(o, cap, " (sigOffset ", d[0] == '+' ? d + 1 : d, ")");
}

/* A place no symbol covers, hooked as given, unchecked: why, for a Warning
 * (a hook inside an instruction would crash the program at its next call). */
static void say_unchecked(const ospy_plan_hook *ph, uint64_t v, const char *why, ospy_resolved *r)
{
  char *o = r->unchecked;
  size_t cap = sizeof r->unchecked;
  o[0] = 0;
  say_place(ph, v, o, cap);
  add(o, cap, " could not be checked (", why, "): hooked as given; a place inside an "
      "instruction crashes the program at its first call there");
}

/*
 * A place no symbol covers (a stripped file, a symbol of no size): the
 * function its .eh_frame entry (FDE, which strip keeps: unwinders need it)
 * describes, decoded from its start. A place inside an instruction is
 * refused, naming the function's range and the instruction's bounds: the
 * hook patched the middle of it, and the program crashed at its next call
 * (SIGSEGV, SIGILL). An instruction's start is hooked, each call's stack top
 * checked (entry_unknown). Neither an FDE nor code decodable up to the
 * place: hooked as given, with a Warning that it could not be checked.
 */
static void check_unnamed_place(const ospy_plan_hook *ph, const uint8_t *map, size_t size,
                                uint64_t v, ospy_resolved *r)
{
  uint64_t lo, hi;
  int found = ospy_eh_frame_function(map, size, v, &lo, &hi);
  if (found <= 0) {
    say_unchecked(ph, v, found < 0 ? "no symbol covers it, and its file has no .eh_frame "
                  "this reader understands" : "neither a symbol nor an .eh_frame entry of its "
                  "file covers it", r);
    return;
  }
  if (v == lo)
    return;
  size_t start = 0, len = 0;
  uint64_t off = file_offset_of(map, size, lo, hi - lo);
  int verdict = off ? ospy_x86_insn_boundary(map + off, hi - lo, v - lo, agent_mode, &start, &len)
                    : -1;
  if (verdict == 1)
    return;
  if (verdict < 0) {
    say_unchecked(ph, v, "its code could not be decoded up to it from the start of the "
                  "function its .eh_frame entry gives", r);
    return;
  }
  char *o = r->refused;
  size_t cap = sizeof r->refused;
  say_place(ph, v, o, cap);
  add(o, cap, " is inside the instruction at ", NULL, NULL);
  add_hex(o, cap, lo + start);
  add(o, cap, " (", NULL, NULL);
  add_dec(o, cap, len);
  add(o, cap, " bytes) of the function at ", NULL, NULL);
  add_hex(o, cap, lo);
  add(o, cap, "..", NULL, NULL);
  add_hex(o, cap, hi);
  add(o, cap, " (its .eh_frame entry: no symbol covers it): a hook must be placed at an "
      "instruction's start, a function's to see its calls return; the nearest are ", NULL, NULL);
  say_place_as_written(ph, v, lo + start, o, cap);
  if (!start)
    add(o, cap, ", the function's start,", NULL, NULL);
  add(o, cap, " and ", NULL, NULL);
  say_place_as_written(ph, v, lo + start + len, o, cap);
  add(o, cap, "; not hooked", NULL, NULL);
}

/*
 * Where a hook found by offset or signature may go. Inside an instruction of
 * a function the module's symbols describe (api_add+3) it would patch the
 * middle of that instruction, and the function crash or compute garbage;
 * at another instruction of it (lib_internal+1, after its push) the hook
 * would take what the function has pushed since for its return address,
 * and the call's end (the leave thunk's ret) run off a corrupted stack.
 * Both are refused, naming the function's start. The code is decoded from
 * the file (a hook at the function's start patches it in memory). Where no
 * symbol covers the place (a stripped file) its .eh_frame is asked
 * (check_unnamed_place); hooked, *entry_unknown says so: each call's return
 * address is checked then (inline.c: a call whose stack top is no return
 * address is recorded at its entry, its return not followed).
 */
static void check_hook_place(const ospy_plan_hook *ph, const module_query *q, uintptr_t at,
                             ospy_resolved *r)
{
  size_t size, start = 0, len = 0;
  r->entry_unknown = 1;
  const uint8_t *map = map_file(q->path, &size);
  uint64_t v = at - q->info.dlpi_addr;
  if (!map) {
    say_unchecked(ph, v, "its file could not be read", r);
    return;
  }
  ElfW(Sym) fn;
  const char *name;
  if (!function_containing(map, size, v, &fn, &name)) {
    check_unnamed_place(ph, map, size, v, r);
    munmap((void *)map, size);
    return;
  }
  /* (a function's .cold part is entered by a jump from inside it: the
   * stack's top is whatever the function pushed) */
  r->entry_unknown = strstr(name, ".cold") != NULL;
  uint64_t off = file_offset_of(map, size, fn.st_value, fn.st_size);
  int verdict = v == fn.st_value ? 1 : -1;
  if (v != fn.st_value && off)
    verdict = ospy_x86_insn_boundary(map + off, fn.st_size, v - fn.st_value, agent_mode, &start,
                                     &len);
  char *o = r->refused;
  size_t cap = sizeof r->refused;
  if (v != fn.st_value) {
    say_place(ph, v, o, cap);
    add(o, cap, " is ", name, "+");
    add_dec(o, cap, v - fn.st_value);
  }
  if (verdict == 0) {
    add(o, cap, ", inside the instruction at ", name, "+");
    add_dec(o, cap, start);
    add(o, cap, " (", NULL, NULL);
    add_dec(o, cap, len);
    add(o, cap, " bytes): a hook must be placed at a function's start", NULL, NULL);
    say_start(ph, &fn, name, v, o, cap);
  } else if (v != fn.st_value) {
    /* (an instruction's start, or code that cannot be decoded up to it) */
    add(o, cap, ", not the start of a function: inside ", name,
        " the stack's top may hold what it pushed, not the return address a hook replaces "
        "(its return would crash the program)");
    say_start(ph, &fn, name, v, o, cap);
  }
  munmap((void *)map, size);
}

/* The places of an ambiguous signature named: "offset 0x11f0 (twin_a) and
 * offset 0x1210 (twin_b)", each as offset= takes it and with the function
 * the module's symbols put it in; the first few of n. */
#define SIGNATURE_PLACES_NAMED 4

static void say_places(const module_query *q, const uintptr_t *places, unsigned n, char *o,
                       size_t cap)
{
  size_t size = 0;
  const uint8_t *map = map_file(q->path, &size);
  unsigned named = n < SIGNATURE_PLACES_NAMED ? n : SIGNATURE_PLACES_NAMED;
  for (unsigned i = 0; i < named; i++) {
    uint64_t v = places[i] - q->info.dlpi_addr;
    ElfW(Sym) fn;
    const char *name;
    add(o, cap, i == 0 ? "" : i + 1 < n ? ", " : " and ", "offset ", NULL);
    add_hex(o, cap, v);
    if (map && function_containing(map, size, v, &fn, &name)) {
      add(o, cap, " (", name, v == fn.st_value ? ")" : "+");
      if (v != fn.st_value) {
        add_dec(o, cap, v - fn.st_value);
        add(o, cap, ")", NULL, NULL);
      }
    }
  }
  if (n > named) {
    char more[24];
    ospy_agent_put_dec(more, n - named);
    add(o, cap, " and ", n >= 100 ? "more" : more, n >= 100 ? "" : " more");
  }
  if (map)
    munmap((void *)map, size);
}

unsigned ospy_agent_signature_matches(const ospy_plan_hook *ph, char *places, size_t cap)
{
  uintptr_t at[SIGNATURE_PLACES_NAMED];
  unsigned n = 0;
  module_query q;
  places[0] = 0;
  if (ph->kind != OSPY_HOOK_SIGNATURE && (ph->kind != OSPY_HOOK_VTABLE || ph->symbol[0]))
    return 0;
  scan_signature_in(ph, &n, 100, at, SIGNATURE_PLACES_NAMED, &q);
  if (n >= 2)
    say_places(&q, at, n, places, cap);
  return n;
}

/* ---- C++ names in the libraries loaded later (OSPY_HOOK_F_CXX_NAME) ---- */

/* libstdc++'s (and libc++'s) demangler, from the process: the C++ library a
 * C++ module needs is loaded with it. It allocates its result: run only
 * while modules appear (in dlopen's hook, after the call, or at start), the
 * thread's own hooked calls ignored meanwhile, never inside a recorded call. */
typedef char *(*demangle_fn)(const char *mangled, char *out, size_t *len, int *status);

/* Longer mangled names are not demangled: the demangler's work space is on
 * the stack of the thread that called dlopen, in proportion to the name. */
#define CXX_MANGLED_MAX 512
#define CXX_FOUND_MAX 64

/* What a C++ name designates in the first late module that has it: its
 * functions at distinct addresses. Kept until the modules change: each of
 * its hooks (one per function) asks in turn. */
typedef struct cxx_found {
  const ospy_plan_hook *ph;
  uint32_t generation;
  unsigned n;
  uint64_t value[CXX_FOUND_MAX]; /* in the file, then loaded addresses */
  char where[768];               /* "plug::compute(int) at 0x1139, ..." for the note */
  int no_demangler;              /* candidates, and no demangler in the process (yet) */
  /* the walk's */
  const char *name;
  char token[64];
  demangle_fn demangle;
} cxx_found;

static cxx_found cxx_cache; /* (4 KiB: not on a thread's stack) */

/* Whether symbol s may be of the name (a cheap test first: the name's own
 * identifier spelled as mangled), then demangled and compared. */
static int cxx_candidate(const ElfW(Sym) *sym, const char *s, const cxx_found *f)
{
  return ELF32_ST_TYPE(sym->st_info) == STT_FUNC && sym->st_shndx != SHN_UNDEF &&
         !strncmp(s, "_Z", 2) && strnlen(s, CXX_MANGLED_MAX + 1) <= CXX_MANGLED_MAX &&
         (!f->token[0] || strstr(s, f->token));
}

static int cxx_symbol_each(const ElfW(Sym) *sym, const char *s, void *data)
{
  cxx_found *f = data;
  if (!cxx_candidate(sym, s, f))
    return 0;
  for (unsigned i = 0; i < f->n; i++)
    if (f->value[i] == sym->st_value)
      return 0; /* (C1 and C2 of one constructor, a symbol in both tables: one function) */
  if (!f->demangle)
    f->demangle = (demangle_fn)(uintptr_t)resolve_export_anywhere("__cxa_demangle");
  if (!f->demangle) {
    f->no_demangler = 1;
    return 1;
  }
  int status = -1;
  char *d = f->demangle(s, NULL, NULL, &status);
  if (d && status == 0 && ospy_cxx_name_matches(d, f->name)) {
    size_t len = strlen(f->where);
    const char *form = ospy_cxx_structor_code(s);
    add(f->where, sizeof f->where, len ? ", " : "", d,
        form && !strncmp(form, "D0", 2) ? " [deleting] at " : " at ");
    add_hex(f->where, sizeof f->where, sym->st_value);
    f->value[f->n++] = sym->st_value;
  }
  free(d);
  return f->n == CXX_FOUND_MAX;
}

/* Per C++ name hook: whether the modules of the agent's start were read
 * (with a demangler: a C program's own C++ functions wait for the C++
 * runtime a plugin brings), and whether functions that may be of its name
 * were seen while the process had no demangler. */
typedef struct cxx_hook_state {
  const ospy_plan_hook *ph;
  uint8_t start_read, unreadable;
} cxx_hook_state;

#define CXX_HOOKS_MAX 256
static cxx_hook_state cxx_states[CXX_HOOKS_MAX];
static unsigned ncxx_states;

static cxx_hook_state *cxx_state(const ospy_plan_hook *ph)
{
  for (unsigned i = 0; i < ncxx_states; i++)
    if (cxx_states[i].ph == ph)
      return &cxx_states[i];
  if (ncxx_states == CXX_HOOKS_MAX)
    return NULL; /* (its modules are all read each time) */
  cxx_states[ncxx_states] = (cxx_hook_state){ .ph = ph };
  return &cxx_states[ncxx_states++];
}

int ospy_agent_cxx_unreadable(const ospy_plan_hook *ph)
{
  for (unsigned i = 0; i < ncxx_states; i++)
    if (cxx_states[i].ph == ph)
      return cxx_states[i].unreadable;
  return 0;
}

/* Fills f for ph: the first module in load order that ph's module names
 * (any, without one) with functions of that name. Read once, the modules of
 * the agent's start are not read again, only those loaded since: the
 * controller looked into them before the program ran (this first reading
 * is for a program exec'd under -F, which the controller never read). */
static void cxx_find(const ospy_plan_hook *ph, cxx_found *f)
{
  static module_list l; /* (4 KiB a list: not on a thread's stack) */
  memset(&l, 0, sizeof l);
  l.glob = ph->module[0] ? ph->module : NULL;
  ospy_agent_iterate_modules(module_list_cb, &l);
  f->n = 0;
  f->where[0] = 0;
  f->no_demangler = 0;
  f->name = ph->symbol;
  f->demangle = NULL;
  ospy_cxx_name_token(ph->symbol, f->token, sizeof f->token);
  cxx_hook_state *st = cxx_state(ph);
  int all = !st || !st->start_read;
  for (unsigned i = 0; i < l.n && !f->n && !f->no_demangler; i++) {
    size_t size;
    int unread = all || ospy_agent_module_loaded_late(l.base[i]);
    const uint8_t *map = unread ? map_file(l.path[i], &size) : NULL;
    if (!map)
      continue;
    symtab_walk(map, size, SHT_SYMTAB, cxx_symbol_each, f);
    symtab_walk(map, size, SHT_DYNSYM, cxx_symbol_each, f);
    munmap((void *)map, size);
    for (unsigned k = 0; k < f->n; k++)
      f->value[k] += l.base[i];
  }
  if (st && !f->no_demangler)
    st->start_read = 1;
  if (st)
    st->unreadable = (uint8_t)f->no_demangler;
}

/* The nth function of a C++ name in the libraries loaded later. Where the
 * process has no demangler yet, none: a library loaded later may bring one
 * (the agent says at the end why it was never found). */
static void *resolve_cxx_name(const ospy_plan_hook *ph, unsigned nth, ospy_resolved *r)
{
  cxx_found *f = &cxx_cache;
  if (f->ph != ph || f->generation != ospy_agent_modules_generation()) {
    f->ph = ph;
    f->generation = ospy_agent_modules_generation();
    cxx_find(ph, f);
  }
  r->count = f->n ? f->n : 1;
  return nth < f->n ? (void *)(uintptr_t)f->value[nth] : NULL;
}

/* A same-named function's description for the note that hooks them all:
 * "tu1.c at 0x1190, tu2.c at 0x11b0" (the source file of a static one, its
 * address in the file as nm shows it), for the functions of ph's name in
 * the file of the module whose code holds first. */
void ospy_agent_same_named_where(const ospy_plan_hook *ph, const void *first, char *out,
                                 size_t cap)
{
  static same_named s; /* (2 KiB: not on a thread's stack) */
  char path[512];
  size_t size;
  out[0] = 0;
  if (ph->flags & OSPY_HOOK_F_CXX_NAME) { /* (the C++ names found, and where) */
    if (cxx_cache.ph == ph)
      add(out, cap, cxx_cache.where, NULL, NULL);
    return;
  }
  if (!ospy_agent_module_path_of(first, path, sizeof path))
    return;
  int program = !strcmp(path, main_program_path());
  const uint8_t *map = map_file(program ? ospy_os_self_exe() : path, &size);
  if (!map)
    return;
  same_named_functions(map, size, ph->symbol, &s);
  for (unsigned i = 0; i < s.n; i++) {
    add(out, cap, i ? ", " : "", s.file[i], s.file[i] ? " at " : "");
    add_hex(out, cap, s.value[i]);
  }
  munmap((void *)map, size);
}

static void *resolve_symtab_nth(const ospy_plan_hook *ph, const char *glob, unsigned nth,
                                ospy_resolved *r)
{
  symtab_pick pick = { .nth = nth };
  void *p = symtab_in_modules_pick(glob, ph->symbol, STT_FUNC, &pick);
  r->count = pick.count ? pick.count : 1;
  r->is_static = p && pick.is_static;
  r->clang_built = r->is_static && pick.clang_built;
  r->size = p ? pick.size : 0;
  return p;
}

/* ---- the definition the program's calls bind to: versions, IFUNCs ---- */

/* dlsym gives a name's default version, and runs an IFUNC's resolver to
 * give what it returns then: neither need be what the program calls. A
 * library keeps vfn@VER_1 for the programs linked against it beside its
 * default vfn@@VER_2, and a program that asks for VER_1 calls that one; a
 * resolver may choose by the program's state at its first call (lazy
 * binding), and may do more than choose (print, count, allocate). So a
 * name whose defining file has several versions, or that is an IFUNC, is
 * looked up here, in the files' dynamic symbols, as the loader binds it,
 * and the resolver is never run by the agent. */

static module_list bind_named, bind_all; /* (a path a module: not on a thread's stack) */

static void list_modules(module_list *l, const char *glob)
{
  memset(l, 0, sizeof *l);
  l->glob = glob;
  ospy_agent_iterate_modules(module_list_cb, l);
}

/* A definition found in the file of module m of list l. */
typedef struct bound_def {
  ospy_dyn_def d;
  const module_list *l;
  unsigned m;
} bound_def;

/* The first module of l whose file defines name (len bytes of it) as req
 * asks. */
static int first_definition(const module_list *l, const char *name, size_t len,
                            const ospy_dyn_request *req, bound_def *out)
{
  for (unsigned i = 0; i < l->n; i++) {
    size_t size;
    const uint8_t *map = map_file(l->path[i], &size);
    if (!map)
      continue;
    int found = ospy_dyn_find(map, size, name, len, req, &out->d);
    munmap((void *)map, size);
    if (found == 1) {
      out->l = l;
      out->m = i;
      return 1;
    }
  }
  return 0;
}

/* The version the callers of name ask for: the import of the first module
 * in load order that imports it (the program's, when it calls it); 0 when
 * none does (dlsym's default is then the one). *who: that module in l. */
static int callers_request(const module_list *l, const char *name, ospy_dyn_request *req,
                           unsigned *who)
{
  for (unsigned i = 0; i < l->n; i++) {
    size_t size;
    const uint8_t *map = map_file(l->path[i], &size);
    if (!map)
      continue;
    int imports = ospy_dyn_import(map, size, name, req);
    munmap((void *)map, size);
    if (imports) {
      *who = i;
      return 1;
    }
  }
  return 0;
}

static const char *module_file_name(const module_list *l, unsigned i)
{
  return base_name(l->program[i] ? main_program_path() : l->path[i]);
}

/* "libver.so defines 2 versions of vfn: hooked vfn@VER_1, the one pold's
 * calls bind to; its default, vfn@@VER_2, is not (name it so to hook it)". */
static void say_version_taken(const bound_def *def, const char *name, const char *caller,
                              char *out, size_t cap)
{
  char n[24];
  snprintf(n, sizeof n, "%u", def->d.definitions);
  add(out, cap, module_file_name(def->l, def->m), " defines ", n);
  add(out, cap, " versions of ", name, ": hooked ");
  add(out, cap, name, "@", def->d.version);
  add(out, cap, ", the one ", caller, "'s calls bind to; its default, ");
  add(out, cap, name, "@@", def->d.default_version);
  add(out, cap, ", is not (name it so to hook it)", NULL, NULL);
}

/* def, one of several versions of name: the one the callers ask for
 * instead, when they ask for another that the same module defines (an
 * Info into r->note). */
static void take_callers_version(const char *name, bound_def *def, ospy_resolved *r)
{
  static bound_def asked_def; /* (not on a thread's stack) */
  ospy_dyn_request asked;
  unsigned who;
  list_modules(&bind_all, NULL);
  if (!callers_request(&bind_all, name, &asked, &who) || asked.want == OSPY_DYN_NEWEST)
    return;
  if (!first_definition(def->l, name, strlen(name), &asked, &asked_def) ||
      asked_def.m != def->m || asked_def.d.value == def->d.value)
    return;
  *def = asked_def;
  if (!def->d.is_default && def->d.version[0] && def->d.default_version[0])
    say_version_taken(def, name, module_file_name(&bind_all, who), r->note, sizeof r->note);
}

/* What the modules' relocations bound to an IFUNC: the values ld.so wrote
 * in their slots, once bound (a slot bound lazily points into its module's
 * own PLT until the first call; one that a non-PIE program's canonical
 * address took, into the program's PLT: neither is a choice). */
#define BOUND_WORDS_MAX 64
#define PLT_RANGES_MAX (2 * SYMTAB_MODULES)

typedef struct bound_scan {
  uintptr_t base; /* the module scanned */
  uintptr_t resolver;
  unsigned nplt, nwords;
  uintptr_t plt_lo[PLT_RANGES_MAX], plt_hi[PLT_RANGES_MAX]; /* every module's, loaded */
  uintptr_t word[BOUND_WORDS_MAX];
} bound_scan;

static void bound_slot_each(uint64_t slot, void *data)
{
  bound_scan *b = data;
  uintptr_t word = 0;
  if (b->nwords < BOUND_WORDS_MAX &&
      ospy_os_read_memory(b->base + (uintptr_t)slot, &word, sizeof word) == sizeof word &&
      word && word != b->resolver)
    b->word[b->nwords++] = word;
}

static int in_plt(const bound_scan *b, uintptr_t word)
{
  for (unsigned i = 0; i < b->nplt; i++)
    if (word >= b->plt_lo[i] && word < b->plt_hi[i])
      return 1;
  return 0;
}

/* What the modules' relocations have bound to the IFUNC name (of version
 * version) so far, noted among resolver's choices. */
static void note_bound_slots(const char *name, const char *version, uintptr_t resolver)
{
  static bound_scan b; /* (5 KiB: not on a thread's stack) */
  uint64_t lo[4], hi[4];
  memset(&b, 0, sizeof b);
  b.resolver = resolver;
  list_modules(&bind_all, NULL);
  for (unsigned i = 0; i < bind_all.n; i++) {
    size_t size;
    const uint8_t *map = map_file(bind_all.path[i], &size);
    if (!map)
      continue;
    unsigned n = ospy_dyn_plt_ranges(map, size, lo, hi, 4);
    for (unsigned k = 0; k < n && b.nplt < PLT_RANGES_MAX; k++, b.nplt++) {
      b.plt_lo[b.nplt] = bind_all.base[i] + (uintptr_t)lo[k];
      b.plt_hi[b.nplt] = bind_all.base[i] + (uintptr_t)hi[k];
    }
    b.base = bind_all.base[i];
    ospy_dyn_bound_slots(map, size, name, version, bound_slot_each, &b);
    munmap((void *)map, size);
  }
  for (unsigned k = 0; k < b.nwords; k++)
    if (!in_plt(&b, b.word[k]) && is_code((void *)b.word[k]))
      ospy_ifunc_choice_add(resolver, b.word[k]);
}

/* An exported IFUNC: the nth function its resolver chose for the program
 * (its own module's calls: the IRELATIVE slot ld.so filled at its load;
 * its callers': their bound GOT slots; later ones: inline.c's watch of the
 * resolver). */
static void resolve_ifunc(const bound_def *def, const char *name, unsigned nth, ospy_resolved *r)
{
  const module_list *l = def->l;
  uintptr_t resolver = l->base[def->m] + (uintptr_t)def->d.value;
  void *own = ifunc_target(l->path[def->m], l->base[def->m], def->d.value);
  if (own && is_code(own))
    ospy_ifunc_choice_add(resolver, (uintptr_t)own);
  note_bound_slots(name, def->d.version, resolver);
  uintptr_t chosen[OSPY_IFUNC_CHOICES_MAX];
  unsigned n = ospy_ifunc_choices(resolver, chosen, OSPY_IFUNC_CHOICES_MAX);
  r->ifunc_resolver = resolver;
  r->count = n ? n : 1;
  r->addr = nth < n ? (void *)chosen[nth] : NULL;
}

/* What resolve_bound looks up: any name (an exported function's hook),
 * or only an IFUNC's name or a name with a version (a symbol= hook's: its
 * .symtab is read first, for a name without a version). */
enum { BOUND_ANY, BOUND_IFUNC, BOUND_VERSION };

/* A function name designates, looked up here (1, r filled: r->addr NULL
 * when not found yet) when dlsym's answer may not be the program's: a name
 * with a version (vfn@VER_1, vfn@@VER_2, also in a file without .symtab),
 * a name its defining file has several different versions of (the one
 * the callers ask for), an IFUNC. 0: an ordinary function, or none of the
 * dynamic symbols' (a .symtab's): looked up as before. what: BOUND_*. */
static int resolve_bound(const ospy_plan_hook *ph, unsigned nth, int what, ospy_resolved *r)
{
  ospy_dyn_request req = { .want = OSPY_DYN_NEWEST };
  size_t len = ospy_dyn_parse_versioned(ph->symbol, &req);
  int named_version = len != 0;
  int ifunc_only = what == BOUND_IFUNC;
  char name[256];
  if (!len)
    len = strlen(ph->symbol);
  if (!len || len >= sizeof name || (named_version && ifunc_only) ||
      (!named_version && what == BOUND_VERSION))
    return 0;
  memcpy(name, ph->symbol, len);
  name[len] = 0;
  static bound_def def; /* (not on a thread's stack) */
  list_modules(&bind_named, ph->module[0] ? ph->module : NULL);
  if (!first_definition(&bind_named, name, len, &req, &def))
    return 0;
  if (!named_version && !def.d.ifunc && (ifunc_only || !def.d.versions_differ))
    return 0; /* (one function of that name, chosen by no resolver: dlsym's is the callers') */
  if (!named_version && !ifunc_only && def.d.versions_differ)
    take_callers_version(name, &def, r);
  if (def.d.ifunc) {
    resolve_ifunc(&def, name, nth, r);
    return 1;
  }
  r->addr = nth ? NULL : (void *)(def.l->base[def.m] + (uintptr_t)def.d.value);
  return 1;
}

void ospy_agent_resolve_running_resolver(const ospy_plan_hook *ph, ospy_resolved *r)
{
  char chosen[320] = "";
  r->addr = resolve_export(ph);
  if (r->addr)
    ospy_agent_code_named((uintptr_t)r->addr, chosen, sizeof chosen);
  r->unchecked[0] = 0;
  add(r->unchecked, sizeof r->unchecked, "an IFUNC that the program has not bound yet, whose "
      "resolver cannot be watched: hooked what its resolver returned when ospy ran it now, ",
      chosen, "; the program's calls reach another function if it chooses otherwise for them");
}

int ospy_agent_ifunc_chosen(uintptr_t resolver, uintptr_t target)
{
  return is_code((void *)target) && ospy_ifunc_choice_add(resolver, target);
}

unsigned ospy_agent_ifunc_choice_count(uintptr_t resolver)
{
  uintptr_t chosen[OSPY_IFUNC_CHOICES_MAX];
  return ospy_ifunc_choices(resolver, chosen, OSPY_IFUNC_CHOICES_MAX);
}

static int resolver_unloaded(uintptr_t resolver, void *data)
{
  (void)data;
  return !is_code((void *)resolver);
}

void ospy_agent_ifunc_forget_unloaded(void)
{
  ospy_ifunc_choices_forget(resolver_unloaded, NULL);
}

void ospy_agent_code_named(uintptr_t addr, char *out, size_t cap)
{
  static module_of q; /* (a path: not on a thread's stack) */
  size_t size;
  char at[24];
  out[0] = 0;
  memset(&q, 0, sizeof q);
  q.addr = addr;
  if (!ospy_agent_iterate_modules(module_of_cb, &q) || !q.found) {
    ospy_agent_put_hex(at, addr);
    add(out, cap, at, NULL, NULL);
    return;
  }
  const uint8_t *map = map_file(q.name[0] ? q.name : ospy_os_self_exe(), &size);
  symbol_at f = { .v = addr - q.base };
  if (map && symtab_walk(map, size, SHT_SYMTAB, symbol_at_each, &f) <= 0)
    symtab_walk(map, size, SHT_DYNSYM, symbol_at_each, &f);
  ospy_agent_put_hex(at, addr - q.base);
  add(out, cap, f.name ? f.name : "a function", " (", base_name(q.name[0] ? q.name :
                                                                  main_program_path()));
  add(out, cap, "+", at, ")");
  if (map)
    munmap((void *)map, size);
}

/* A variable a module exports (dlsym gives data as readily as code), p not
 * in code: refused, said so (the interceptor said "not in executable
 * memory"). An untyped symbol (a data label of hand-written assembly) is
 * one too: p is not in code. */
static int exported_data_object(void *p, ospy_resolved *r)
{
  Dl_info di;
  const ElfW(Sym) *es = NULL;
  if (!dladdr1(p, &di, (void **)&es, RTLD_DL_SYMENT) || !es || di.dli_saddr != p ||
      !(is_data_object(es) ||
        (ELF32_ST_TYPE(es->st_info) == STT_NOTYPE && es->st_shndx != SHN_UNDEF)))
    return 0;
  add(r->refused, sizeof r->refused, "a data object of ",
      di.dli_fname && di.dli_fname[0] ? di.dli_fname : main_program_path(),
      " (a variable), not a function: only functions are hooked");
  return 1;
}

void ospy_agent_resolve(const ospy_plan_hook *ph, unsigned nth, ospy_resolved *r)
{
  r->addr = NULL;
  r->count = 1;
  r->vtable_slots = 0;
  r->is_static = 0;
  r->clang_built = 0;
  r->size = 0;
  r->entry_unknown = 0;
  r->refused[0] = 0;
  r->unchecked[0] = 0;
  r->ifunc_resolver = 0;
  r->note[0] = 0;
  if ((ph->flags & OSPY_HOOK_F_CXX_NAME) &&
      (ph->kind == OSPY_HOOK_EXPORT || ph->kind == OSPY_HOOK_SYMTAB)) {
    r->addr = resolve_cxx_name(ph, nth, r);
    return;
  }
  switch (ph->kind) {
  case OSPY_HOOK_EXPORT: {
    if (resolve_bound(ph, nth, BOUND_ANY, r))
      return;
    void *p = resolve_export(ph);
    /* a config may name a non-exported function as a plain <function>;
     * without a module (-f NAME), in any module's */
    if (p && !is_code(p) && exported_data_object(p, r))
      return;
    if (p)
      r->addr = nth ? NULL : p;
    else
      r->addr = resolve_symtab_nth(ph, ph->module[0] ? ph->module : NULL, nth, r);
    return;
  }
  case OSPY_HOOK_SYMTAB:
    if (resolve_bound(ph, nth, BOUND_IFUNC, r))
      return;
    r->addr = resolve_symtab_nth(ph, ph->module, nth, r);
    if (!r->addr && !nth) /* (a version, in a file without .symtab: its dynamic symbols') */
      resolve_bound(ph, nth, BOUND_VERSION, r);
    return;
  case OSPY_HOOK_OFFSET:
  case OSPY_HOOK_SIGNATURE: {
    module_query q;
    void *p = nth                            ? NULL
              : ph->kind == OSPY_HOOK_OFFSET ? resolve_offset(ph, &q, r)
                                             : scan_signature_in(ph, NULL, 0, NULL, 0, &q);
    if (p)
      check_hook_place(ph, &q, (uintptr_t)p, r);
    r->addr = r->refused[0] ? NULL : p;
    return;
  }
  case OSPY_HOOK_VTABLE: {
    void *p = nth ? NULL : resolve_vtable(ph, r);
    r->addr = r->refused[0] ? NULL : p;
    return;
  }
  default:
    return;
  }
}
