/*
 * Hook backend: patching the PLT/GOT slots of imported functions in every
 * loaded module so that calls go through a per-hook stub into the trampoline
 * (got_tramp_*.S). Covers calls between modules (what -f and most configs
 * name); calls inside one module and the non-export hook kinds need the inline
 * interceptor and are reported as Error events.
 */
#include <dlfcn.h>
#include <fnmatch.h>
#include <link.h>
#include <stddef.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "agent/agent.h"
#include "agent/got_frame.h"
#include "agent/record.h"

_Static_assert(offsetof(ospy_got_frame, hook) == OSPY_GF_HOOK, "frame layout");
_Static_assert(offsetof(ospy_got_frame, target) == OSPY_GF_TARGET, "frame layout");
_Static_assert(offsetof(ospy_got_frame, stack_args) == OSPY_GF_STACK_ARGS, "frame layout");
_Static_assert(offsetof(ospy_got_frame, skip) == OSPY_GF_SKIP, "frame layout");
_Static_assert(offsetof(ospy_got_frame, ts) == OSPY_GF_TS, "frame layout");
_Static_assert(sizeof(ospy_got_frame) == OSPY_GF_SIZE, "frame layout");
#if defined(__x86_64__)
_Static_assert(offsetof(ospy_got_frame, xmm) == OSPY_GF_XMM, "frame layout");
_Static_assert(offsetof(ospy_got_frame, xmm_ret) == OSPY_GF_XMM_RET, "frame layout");
#define STUB_SIZE 32
#define R_JUMP_SLOT R_X86_64_JUMP_SLOT
#define R_GLOB_DAT R_X86_64_GLOB_DAT
#define ELF_R_SYM ELF64_R_SYM
#define ELF_R_TYPE ELF64_R_TYPE
#else
_Static_assert(offsetof(ospy_got_frame, st0) == OSPY_GF_ST0, "frame layout");
#define STUB_SIZE 16
#define R_JUMP_SLOT R_386_JMP_SLOT
#define R_GLOB_DAT R_386_GLOB_DAT
#define ELF_R_SYM ELF32_R_SYM
#define ELF_R_TYPE ELF32_R_TYPE
#endif

#define MAX_PATCHES 65536

void ospy_got_entry(void);

typedef struct patch {
  void **slot;
  void *old;
} patch;

static ospy_got_hook *hooks;
static uint32_t nhooks;
static patch patches[MAX_PATCHES];
static uint32_t npatches;
static uint8_t *stubs;

/* ---- stubs ---- */

static void write_stub(uint8_t *p, ospy_got_hook *h)
{
#if defined(__x86_64__)
  uint64_t hv = (uint64_t)(uintptr_t)h, ev = (uint64_t)(uintptr_t)ospy_got_entry;
  p[0] = 0x49; /* movabs r11, hook */
  p[1] = 0xbb;
  memcpy(p + 2, &hv, 8);
  p[10] = 0xff; /* jmp [rip+0] */
  p[11] = 0x25;
  memset(p + 12, 0, 4);
  memcpy(p + 16, &ev, 8);
#else
  uint32_t hv = (uint32_t)(uintptr_t)h;
  int32_t rel = (int32_t)((uintptr_t)ospy_got_entry - ((uintptr_t)p + 10));
  p[0] = 0x68; /* push hook */
  memcpy(p + 1, &hv, 4);
  p[5] = 0xe9; /* jmp rel32 */
  memcpy(p + 6, &rel, 4);
#endif
}

static const char *base_name(const char *path)
{
  const char *s = strrchr(path, '/');
  return s ? s + 1 : path;
}

/* ---- resolution ---- */

typedef struct find_module {
  const char *glob;
  char path[512];
} find_module;

static int find_module_cb(struct dl_phdr_info *info, size_t size, void *data)
{
  find_module *f = data;
  if (info->dlpi_name && info->dlpi_name[0] && !fnmatch(f->glob, base_name(info->dlpi_name), 0)) {
    strncpy(f->path, info->dlpi_name, sizeof f->path - 1);
    return 1;
  }
  return 0;
}

/* The definition a hook names: the global one, or the named module's. */
static void *resolve(const ospy_plan_hook *ph)
{
  void *sym = dlsym(RTLD_DEFAULT, ph->symbol);
  Dl_info di;
  if (!ph->module[0])
    return sym;
  if (sym && dladdr(sym, &di) && di.dli_fname && !fnmatch(ph->module, base_name(di.dli_fname), 0))
    return sym;
  find_module f = { ph->module, { 0 } };
  if (!dl_iterate_phdr(find_module_cb, &f))
    return NULL;
  void *h = dlopen(f.path, RTLD_LAZY | RTLD_NOLOAD);
  if (!h)
    return NULL;
  sym = dlsym(h, ph->symbol);
  dlclose(h);
  return sym;
}

static void resolve_pending(void)
{
  for (uint32_t i = 0; i < nhooks; i++)
    if (!hooks[i].orig && hooks[i].plan)
      hooks[i].orig = resolve(hooks[i].plan);
}

/* ---- patching one module ---- */

typedef struct dyn_info {
  uintptr_t base;
  const ElfW(Sym) *symtab;
  const char *strtab;
  uintptr_t jmprel, relsz_plt, rel, relsz;
  int plt_is_rela;
  uintptr_t relro_start, relro_end;
} dyn_info;

static uintptr_t dyn_ptr(uintptr_t base, uintptr_t v)
{
  return v < base ? v + base : v; /* ld.so relocates most d_ptr entries in place */
}

static void read_dynamic(struct dl_phdr_info *info, dyn_info *d)
{
  memset(d, 0, sizeof *d);
  d->base = info->dlpi_addr;
  const ElfW(Dyn) *dyn = NULL;
  for (int i = 0; i < info->dlpi_phnum; i++) {
    const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
    if (ph->p_type == PT_DYNAMIC)
      dyn = (const ElfW(Dyn) *)(d->base + ph->p_vaddr);
    if (ph->p_type == PT_GNU_RELRO) {
      d->relro_start = d->base + ph->p_vaddr;
      d->relro_end = d->relro_start + ph->p_memsz;
    }
  }
#if defined(__x86_64__)
  d->plt_is_rela = 1;
#endif
  for (; dyn && dyn->d_tag != DT_NULL; dyn++) {
    switch (dyn->d_tag) {
    case DT_SYMTAB: d->symtab = (const ElfW(Sym) *)dyn_ptr(d->base, dyn->d_un.d_ptr); break;
    case DT_STRTAB: d->strtab = (const char *)dyn_ptr(d->base, dyn->d_un.d_ptr); break;
    case DT_JMPREL: d->jmprel = dyn_ptr(d->base, dyn->d_un.d_ptr); break;
    case DT_PLTRELSZ: d->relsz_plt = dyn->d_un.d_val; break;
    case DT_PLTREL: d->plt_is_rela = dyn->d_un.d_val == DT_RELA; break;
#if defined(__x86_64__)
    case DT_RELA: d->rel = dyn_ptr(d->base, dyn->d_un.d_ptr); break;
    case DT_RELASZ: d->relsz = dyn->d_un.d_val; break;
#else
    case DT_REL: d->rel = dyn_ptr(d->base, dyn->d_un.d_ptr); break;
    case DT_RELSZ: d->relsz = dyn->d_un.d_val; break;
#endif
    default: break;
    }
  }
}

static int write_slot(const dyn_info *d, void **slot, void *value)
{
  uintptr_t page = (uintptr_t)slot & ~(uintptr_t)4095;
  int relro = (uintptr_t)slot >= d->relro_start && (uintptr_t)slot < d->relro_end;
  if (relro && mprotect((void *)page, 4096, PROT_READ | PROT_WRITE) < 0)
    return -1;
  __atomic_store_n(slot, value, __ATOMIC_RELEASE);
  if (relro)
    mprotect((void *)page, 4096, PROT_READ); /* failure leaves it writable: harmless */
  return 0;
}

static ospy_got_hook *hook_for(const char *name)
{
  for (uint32_t i = 0; i < nhooks; i++)
    if (hooks[i].orig && !strcmp(hooks[i].symbol, name))
      return &hooks[i];
  return NULL;
}

static void patch_reloc(const dyn_info *d, uintptr_t off, uint32_t type, uint32_t symi)
{
  if (type != R_JUMP_SLOT && type != R_GLOB_DAT)
    return;
  const ElfW(Sym) *sym = &d->symtab[symi];
  if (!symi || sym->st_shndx != SHN_UNDEF || ELF32_ST_TYPE(sym->st_info) == STT_OBJECT)
    return;
  ospy_got_hook *h = hook_for(d->strtab + sym->st_name);
  if (!h)
    return;
  void **slot = (void **)(d->base + off);
  if (*slot == h->stub || npatches == MAX_PATCHES)
    return;
  void *old = *slot;
  if (write_slot(d, slot, h->stub) == 0) {
    patches[npatches++] = (patch){ slot, old };
    h->patched++;
  }
}

static void patch_table(const dyn_info *d, uintptr_t table, uintptr_t size, int rela)
{
  if (!table || !d->symtab || !d->strtab)
    return;
  if (rela) {
    for (const ElfW(Rela) *r = (const void *)table; (uintptr_t)(r + 1) <= table + size; r++)
      patch_reloc(d, r->r_offset, (uint32_t)ELF_R_TYPE(r->r_info), (uint32_t)ELF_R_SYM(r->r_info));
  } else {
    for (const ElfW(Rel) *r = (const void *)table; (uintptr_t)(r + 1) <= table + size; r++)
      patch_reloc(d, r->r_offset, (uint32_t)ELF_R_TYPE(r->r_info), (uint32_t)ELF_R_SYM(r->r_info));
  }
}

static int skip_module(const char *name)
{
  static Dl_info self;
  if (!self.dli_fname && !dladdr((void *)ospy_got_entry, &self))
    return 1;
  if (self.dli_fname && name[0] && !strcmp(name, self.dli_fname))
    return 1; /* the agent's own calls are never hooked */
  const char *b = base_name(name);
  return !strncmp(b, "ld-linux", 8) || !strncmp(b, "linux-vdso", 10) || !strncmp(b, "linux-gate", 10);
}

static int patch_module_cb(struct dl_phdr_info *info, size_t size, void *data)
{
  if (skip_module(info->dlpi_name ? info->dlpi_name : ""))
    return 0;
  dyn_info d;
  read_dynamic(info, &d);
#if defined(__x86_64__)
  patch_table(&d, d.rel, d.relsz, 1);
#else
  patch_table(&d, d.rel, d.relsz, 0);
#endif
  patch_table(&d, d.jmprel, d.relsz_plt, d.plt_is_rela);
  return 0;
}

void ospy_got_patch_all(void)
{
  resolve_pending();
  dl_iterate_phdr(patch_module_cb, NULL);
}

void ospy_got_unpatch_all(void)
{
  for (uint32_t i = npatches; i-- > 0;) {
    uintptr_t page = (uintptr_t)patches[i].slot & ~(uintptr_t)4095;
    /* RELRO pages need to be writable again for the restore */
    if (mprotect((void *)page, 4096, PROT_READ | PROT_WRITE) == 0)
      __atomic_store_n(patches[i].slot, patches[i].old, __ATOMIC_RELEASE);
  }
  npatches = 0;
}

/* ---- setup ---- */

static const char *const internal_names[] = { "dlopen", "dlclose" };

int ospy_got_init(void)
{
  const ospy_plan *plan = ospy_agent_g.plan;
  uint32_t n = ospy_plan_hook_count(plan);
  size_t total = (size_t)n + 2;
  size_t bytes = total * sizeof *hooks;
  size_t stub_bytes = (total * STUB_SIZE + 4095) & ~(size_t)4095;
  hooks = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  stubs = mmap(NULL, stub_bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (hooks == MAP_FAILED || stubs == MAP_FAILED) {
    ospy_agent_message(OSPY_EV_ERROR, UINT32_MAX, "agent: cannot allocate hook stubs");
    return -1;
  }
  for (uint32_t i = 0; i < n; i++) {
    const ospy_plan_hook *ph = ospy_plan_hook_at(plan, i);
    if (ph->kind != OSPY_HOOK_EXPORT) {
      ospy_agent_messagef2(OSPY_EV_ERROR, i, "hook ", ph->display,
                           ": this kind of target needs the inline interceptor, not in this build");
      continue;
    }
    ospy_got_hook *h = &hooks[nhooks++];
    h->index = i;
    h->plan = ph;
    h->symbol = ph->symbol;
    h->stub = stubs + (size_t)(h - hooks) * STUB_SIZE;
    write_stub(h->stub, h);
  }
  for (int k = 0; k < 2; k++) {
    ospy_got_hook *h = &hooks[nhooks++];
    h->index = UINT32_MAX;
    h->internal = k + 1;
    h->symbol = internal_names[k];
    h->orig = dlsym(RTLD_DEFAULT, h->symbol);
    h->stub = stubs + (size_t)(h - hooks) * STUB_SIZE;
    write_stub(h->stub, h);
  }
  if (mprotect(stubs, stub_bytes, PROT_READ | PROT_EXEC) < 0) {
    ospy_agent_message(OSPY_EV_ERROR, UINT32_MAX, "agent: cannot make hook stubs executable");
    return -1;
  }
  return 0;
}

void ospy_got_report_missing(void)
{
  for (uint32_t i = 0; i < nhooks; i++) {
    ospy_got_hook *h = &hooks[i];
    if (h->internal || h->reported || h->patched)
      continue;
    h->reported = 1;
    ospy_agent_messagef2(h->orig ? OSPY_EV_WARNING : OSPY_EV_ERROR, h->index, "hook ", h->plan->display,
                         h->orig ? ": no loaded module calls it through its PLT/GOT (yet)"
                                 : ": function not found in the loaded modules (yet)");
  }
}
