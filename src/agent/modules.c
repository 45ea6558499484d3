/* Module tracking: ModuleLoad/ModuleUnload events from dl_iterate_phdr, and
 * the loader's other namespaces (namespaces.c). */
#include <link.h>
#include <stddef.h>
#include <string.h>
#include <unistd.h>

#include "agent/agent.h"
#include "agent/backtrace.h"
#include "os/linux/os_maps.h"

#define MAX_MODULES 1024
#define PATH_CAP 256

typedef struct module {
  uint64_t bias;       /* l_addr: what the module was found by */
  uint64_t base, size; /* as recorded: where its image starts (see flags) and its extent */
  uint16_t flags;      /* OSPY_MODULE_F_* */
  uint64_t text_lo, text_hi; /* executable segments (absolute) */
  char path[PATH_CAP];
  int seen;
  int dynamic; /* appeared after the agent started (dlopen): may go away */
  int fresh;   /* appeared in the last rescan */
} module;

/* Only touched at init and from dlopen/dlclose hooks, under the agent's
 * lock of module events (inline.c): threads loading and unloading libraries
 * at once rescan one at a time. */
static module modules[MAX_MODULES];
static int nmodules;
static int scanned_once;
static uint32_t generation; /* rescans */
static uint64_t unloads;    /* the loader's count of modules it removed, at the last rescan */


typedef struct mapped_file {
  uintptr_t addr;
  char *path;
  int found;
} mapped_file;

static bool copy_mapped_path(const ospy_os_map *m, void *data)
{
  mapped_file *q = data;
  if (q->addr < m->start)
    return false;
  if (q->addr >= m->end)
    return true;
  if (m->path[0] == '/' && strlen(m->path) < PATH_CAP) {
    strcpy(q->path, m->path);
    q->found = 1;
  }
  return false;
}

/* The absolute path of the file a module was mapped from, as the kernel
 * names the mapping of its first segment; 0 when it cannot be told. */
static int mapped_path(const struct dl_phdr_info *info, char *out)
{
  for (int i = 0; i < info->dlpi_phnum; i++)
    if (info->dlpi_phdr[i].p_type == PT_LOAD) {
      mapped_file q = { info->dlpi_addr + info->dlpi_phdr[i].p_vaddr, out, 0 };
      return ospy_os_maps_foreach(copy_mapped_path, &q) == 0 && q.found;
    }
  return 0;
}

/* A module's path as recorded. A library opened by a relative path
 * (dlopen("./libplug.so"), or through a relative LD_LIBRARY_PATH entry)
 * keeps that name in the loader's list: it is recorded by its file's
 * absolute path, which readers can open and which stays true once the
 * program changes directory (the vDSO's name has no '/' and no file). */
static void module_path(const struct dl_phdr_info *info, char *out)
{
  const char *name = info->dlpi_name;
  if (name && name[0] && name[0] != '/' && strchr(name, '/') && mapped_path(info, out))
    return;
  if (name && name[0]) {
    strncpy(out, name, PATH_CAP - 1);
    out[PATH_CAP - 1] = 0;
    return;
  }
  ssize_t n = readlink(ospy_os_self_exe(), out, PATH_CAP - 1); /* the main program */
  out[n > 0 ? n : 0] = 0;
}

static void module_text(const struct dl_phdr_info *info, module *m)
{
  m->text_lo = UINT64_MAX;
  m->text_hi = 0;
  for (int i = 0; i < info->dlpi_phnum; i++) {
    const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
    if (ph->p_type != PT_LOAD || !(ph->p_flags & PF_X))
      continue;
    uint64_t lo = info->dlpi_addr + ph->p_vaddr, hi = lo + ph->p_memsz;
    if (lo < m->text_lo)
      m->text_lo = lo;
    if (hi > m->text_hi)
      m->text_hi = hi;
  }
  if (m->text_hi == 0)
    m->text_lo = 0;
}

/* Where the module's image starts and how far it extends. A PIE or a library
 * is linked at 0: its image starts at its load bias. A program linked at a
 * fixed address (ET_EXEC) has a bias of 0 and starts at its first segment's
 * address: it was recorded as loaded "at 0" with its end address for a size. */
static void module_extent(const struct dl_phdr_info *info, module *m)
{
  uint64_t lo = UINT64_MAX, hi = 0;
  for (int i = 0; i < info->dlpi_phnum; i++) {
    const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
    if (ph->p_type != PT_LOAD)
      continue;
    if (ph->p_vaddr < lo)
      lo = ph->p_vaddr;
    if (ph->p_vaddr + ph->p_memsz > hi)
      hi = ph->p_vaddr + ph->p_memsz;
  }
  m->bias = info->dlpi_addr;
  m->base = info->dlpi_addr;
  m->size = hi;
  m->flags = 0;
  if (info->dlpi_addr == 0 && hi > lo && lo > 0) { /* loaded where linked */
    m->base = lo;
    m->size = hi - lo;
    m->flags = OSPY_MODULE_F_ABSOLUTE;
  }
}

static int visit(struct dl_phdr_info *info, size_t size, void *data)
{
  int *appeared = data;
  char path[PATH_CAP];
  if (size >= offsetof(struct dl_phdr_info, dlpi_subs) + sizeof info->dlpi_subs)
    unloads = info->dlpi_subs;
  module_path(info, path);
  if (!path[0])
    return 0; /* the vDSO has no name worth recording */
  for (int i = 0; i < nmodules; i++)
    if (modules[i].bias == info->dlpi_addr && !strcmp(modules[i].path, path)) {
      modules[i].seen = 1;
      return 0;
    }
  if (nmodules == MAX_MODULES)
    return 0;
  module *m = &modules[nmodules++];
  module_extent(info, m);
  module_text(info, m);
  memcpy(m->path, path, PATH_CAP);
  m->seen = 1;
  m->fresh = 1;
  m->dynamic = scanned_once;
  ospy_agent_emit_module(OSPY_EV_MODULE_LOAD, m->flags, m->base, m->size, m->path);
  *appeared = 1;
  return 0;
}

/* Hands backtrace.c the executable ranges of what is loaded now. (Not on
 * the stack: 16 KiB, in the hook of a dlopen a thread with a small stack
 * may make; one rescan at a time, as for modules[].) */
static void publish_text(void)
{
  static uintptr_t lo[MAX_MODULES], hi[MAX_MODULES];
  uint32_t n = 0;
  for (int i = 0; i < nmodules; i++)
    if (modules[i].text_hi) {
      lo[n] = (uintptr_t)modules[i].text_lo;
      hi[n++] = (uintptr_t)modules[i].text_hi;
    }
  ospy_agent_backtrace_set_text(lo, hi, n);
}

int ospy_agent_modules_rescan(void)
{
  int appeared = 0;
  for (int i = 0; i < nmodules; i++)
    modules[i].seen = modules[i].fresh = 0;
  ospy_agent_iterate_modules(visit, &appeared);
  for (int i = 0; i < nmodules;) {
    if (modules[i].seen) {
      i++;
      continue;
    }
    ospy_agent_emit_module(OSPY_EV_MODULE_UNLOAD, modules[i].flags, modules[i].base, modules[i].size,
                           modules[i].path);
    modules[i] = modules[--nmodules];
  }
  scanned_once = 1;
  generation++;
  publish_text();
  return appeared;
}

uint32_t ospy_agent_modules_generation(void)
{
  return generation;
}

int ospy_agent_module_loaded_late(uintptr_t bias)
{
  for (int i = 0; i < nmodules; i++)
    if (modules[i].bias == bias)
      return modules[i].dynamic;
  return 0;
}

int ospy_agent_module_fresh(uint32_t k, const char **path, uint64_t *base)
{
  for (int i = 0; i < nmodules; i++)
    if (modules[i].fresh && k-- == 0) {
      *path = modules[i].path;
      *base = modules[i].base;
      return 1;
    }
  return 0;
}

const char *ospy_agent_module_recorded_path(uintptr_t addr, uint64_t *base)
{
  for (int i = 0; i < nmodules; i++)
    if (addr >= modules[i].base && addr - modules[i].base < modules[i].size) {
      *base = modules[i].base;
      return modules[i].path;
    }
  return NULL;
}

uint64_t ospy_agent_modules_unloads(void)
{
  return unloads;
}

void ospy_agent_modules_forget(void)
{
  nmodules = 0;
  scanned_once = 0; /* what the next rescan finds counts as loaded at start */
  publish_text();
}

/* ---- the C library's and the loader's code ---- */

typedef struct range_query {
  uintptr_t addr, lo, hi;
} range_query;

static int find_range(struct dl_phdr_info *info, size_t size, void *data)
{
  (void)size;
  range_query *q = data;
  uintptr_t lo = UINTPTR_MAX, hi = 0;
  for (int i = 0; i < info->dlpi_phnum; i++) {
    const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
    if (ph->p_type != PT_LOAD)
      continue;
    uintptr_t a = info->dlpi_addr + ph->p_vaddr;
    if (a < lo)
      lo = a;
    if (a + ph->p_memsz > hi)
      hi = a + ph->p_memsz;
  }
  if (q->addr < lo || q->addr >= hi)
    return 0;
  q->lo = lo;
  q->hi = hi;
  return 1;
}

int ospy_agent_module_range(uintptr_t addr, uintptr_t *lo, uintptr_t *hi)
{
  range_query q = { addr, 0, 0 };
  if (!addr || !ospy_agent_iterate_modules(find_range, &q))
    return -1;
  *lo = q.lo;
  *hi = q.hi;
  return 0;
}
