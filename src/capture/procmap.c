/* Per-process module maps with fork inheritance (procmap.h). Each
 * ProcessStart appends a process record; modules belong to a record, and a
 * record may point at the one it inherits from (always an earlier one, so
 * following parents ends). */
#include "capture/procmap.h"

#include <stdlib.h>
#include <string.h>

#include "capture/array_grow.h"

#define NONE SIZE_MAX

typedef struct pm_proc {
  uint32_t pid;
  size_t parent; /* the record whose map this one inherits, or NONE */
  char *exe;     /* NULL: not known */
} pm_proc;

typedef struct pm_mod {
  size_t proc; /* the record it belongs to */
  ospy_procmap_module m;
} pm_mod;

struct ospy_procmap {
  pm_proc *procs;
  size_t nprocs, capprocs;
  pm_mod *mods;
  size_t nmods, capmods;
};

ospy_procmap *ospy_procmap_new(void)
{
  return calloc(1, sizeof(ospy_procmap));
}

void ospy_procmap_free(ospy_procmap *m, void (*free_data)(void *))
{
  if (!m)
    return;
  for (size_t i = 0; i < m->nprocs; i++)
    free(m->procs[i].exe);
  for (size_t i = 0; free_data && i < m->nmods; i++)
    free_data(m->mods[i].m.data);
  free(m->procs);
  free(m->mods);
  free(m);
}

/* pid's latest record (its address space now), or NONE. */
static size_t current(const ospy_procmap *m, uint32_t pid)
{
  for (size_t i = m->nprocs; i-- > 0;)
    if (m->procs[i].pid == pid)
      return i;
  return NONE;
}

static size_t add_proc(ospy_procmap *m, uint32_t pid, size_t parent, char *exe)
{
  if (ospy_array_grow((void **)&m->procs, &m->capprocs, m->nprocs, sizeof *m->procs) < 0)
    return NONE;
  m->procs[m->nprocs] = (pm_proc){ pid, parent, exe };
  return m->nprocs++;
}

int ospy_procmap_process_start(ospy_procmap *m, uint32_t pid, uint32_t ppid, const char *exe,
                               size_t exe_len)
{
  char *copy = exe_len ? strndup(exe, exe_len) : NULL;
  size_t parent = ppid && ppid != pid ? current(m, ppid) : NONE;
  if ((exe_len && !copy) || add_proc(m, pid, parent, copy) == NONE) {
    free(copy);
    return -1;
  }
  return 0;
}

static int is_exe(const pm_proc *p, const char *path, size_t len)
{
  return p->exe && strlen(p->exe) == len && !memcmp(p->exe, path, len);
}

int ospy_procmap_module_load(ospy_procmap *m, uint32_t pid, uint64_t base, uint64_t size,
                             uint64_t bias, const char *path, size_t path_len, void *data)
{
  size_t r = current(m, pid);
  if (r == NONE && (r = add_proc(m, pid, NONE, NULL)) == NONE) /* no ProcessStart seen */
    return -1;
  if (is_exe(&m->procs[r], path, path_len))
    m->procs[r].parent = NONE; /* its own executable: it exec'd, a map of its own */
  if (ospy_array_grow((void **)&m->mods, &m->capmods, m->nmods, sizeof *m->mods) < 0)
    return -1;
  m->mods[m->nmods++] = (pm_mod){ r, { base, size, bias, data } };
  return 0;
}

void *ospy_procmap_module_unload(ospy_procmap *m, uint32_t pid, uint64_t base)
{
  size_t r = current(m, pid);
  for (size_t i = 0; r != NONE && i < m->nmods; i++) {
    if (m->mods[i].proc == r && m->mods[i].m.base == base) {
      void *data = m->mods[i].m.data;
      m->mods[i] = m->mods[--m->nmods];
      return data;
    }
  }
  return NULL;
}

/* In record r's own map only. */
static const ospy_procmap_module *find_in(const ospy_procmap *m, size_t r, uint64_t addr)
{
  const ospy_procmap_module *best = NULL;
  for (size_t i = 0; i < m->nmods; i++) {
    const ospy_procmap_module *mod = &m->mods[i].m;
    if (m->mods[i].proc == r && addr >= mod->base && addr - mod->base < mod->size &&
        (!best || mod->base > best->base))
      best = mod;
  }
  return best;
}

const ospy_procmap_module *ospy_procmap_find(const ospy_procmap *m, uint32_t pid, uint64_t addr)
{
  for (size_t r = current(m, pid); r != NONE; r = m->procs[r].parent) {
    const ospy_procmap_module *found = find_in(m, r, addr);
    if (found)
      return found;
  }
  return NULL;
}
