/* The loader's other namespaces (dlmopen(LM_ID_NEWLM, ...)): dl_iterate_phdr
 * lists only the namespace of its caller (the agent's, the base one). The
 * objects of the others are read from the loader's debugger interface (the
 * r_debug_extended chain glibc 2.35 and later keep, r_version 2), walked
 * inside a dl_iterate_phdr callback: the loader changes its lists only under
 * the lock that walk holds. */
#include <link.h>
#include <stddef.h>
#include <string.h>

#include "agent/agent.h"
#include "os/linux/os_read.h"

#define OBJECT_PHDRS 32

typedef struct all_walk {
  ospy_agent_module_fn each;
  void *data;
  const struct r_debug *debug; /* the base namespace's (the first of the chain) */
  const struct link_map *last; /* the base namespace's last object: the others after it */
  int started;
} all_walk;

/* The loader's r_debug, as the program's DT_DEBUG entry points to it (the
 * documented way: a program linked with a copy of _r_debug has a stale one);
 * &_r_debug when the program has none. info: the main program's. */
static const struct r_debug *loader_debug(const struct dl_phdr_info *info)
{
  for (int i = 0; i < info->dlpi_phnum; i++) {
    if (info->dlpi_phdr[i].p_type != PT_DYNAMIC)
      continue;
    for (const ElfW(Dyn) *d = (const ElfW(Dyn) *)(info->dlpi_addr + info->dlpi_phdr[i].p_vaddr);
         d->d_tag != DT_NULL; d++)
      if (d->d_tag == DT_DEBUG && d->d_un.d_ptr)
        return (const struct r_debug *)d->d_un.d_ptr;
  }
  return &_r_debug;
}

static const struct link_map *last_object(const struct link_map *l)
{
  while (l && l->l_next)
    l = l->l_next;
  return l;
}

/* Whether l is an object of the base namespace too (ld.so: one copy in
 * every namespace, listed in each). */
static int in_base_namespace(const struct r_debug *base, const struct link_map *l)
{
  for (const struct link_map *b = base->r_map; b; b = b->l_next)
    if (b->l_ld == l->l_ld)
      return 1;
  return 0;
}

/* The dl_phdr_info of an object of another namespace: its program headers
 * read (safely) from the ELF header its first page holds, checked to be the
 * object's by its dynamic section (l_ld). 0 when they cannot be told. */
static int object_info(const struct link_map *l, ElfW(Phdr) *phdr, struct dl_phdr_info *info)
{
  ElfW(Ehdr) eh;
  if (ospy_os_read_memory(l->l_addr, &eh, sizeof eh) != sizeof eh ||
      memcmp(eh.e_ident, ELFMAG, SELFMAG) || eh.e_phentsize != sizeof *phdr ||
      eh.e_phnum == 0 || eh.e_phnum > OBJECT_PHDRS)
    return 0;
  size_t bytes = eh.e_phnum * sizeof *phdr;
  if (ospy_os_read_memory(l->l_addr + eh.e_phoff, phdr, bytes) != bytes)
    return 0;
  int dynamic_matches = 0;
  for (int i = 0; i < eh.e_phnum; i++)
    if (phdr[i].p_type == PT_DYNAMIC && l->l_addr + phdr[i].p_vaddr == (ElfW(Addr))l->l_ld)
      dynamic_matches = 1;
  if (!dynamic_matches)
    return 0;
  memset(info, 0, sizeof *info);
  info->dlpi_addr = l->l_addr;
  info->dlpi_name = l->l_name;
  info->dlpi_phdr = phdr;
  info->dlpi_phnum = eh.e_phnum;
  return 1;
}

/* The objects of the namespaces after the base one, in their order. */
static int walk_other_namespaces(all_walk *w)
{
  const struct r_debug *base = w->debug;
  if (base->r_version < 2)
    return 0; /* no other namespace (or a glibc before 2.35: not seen) */
  ElfW(Phdr) phdr[OBJECT_PHDRS];
  struct dl_phdr_info info;
  for (const struct r_debug_extended *ns = ((const struct r_debug_extended *)base)->r_next; ns;
       ns = ns->r_next)
    for (const struct link_map *l = ns->base.r_map; l; l = l->l_next) {
      if (in_base_namespace(base, l) || !object_info(l, phdr, &info))
        continue;
      int ret = w->each(&info, OSPY_AGENT_OTHER_NAMESPACE_INFO_SIZE, w->data);
      if (ret)
        return ret;
    }
  return 0;
}

static int walk_cb(struct dl_phdr_info *info, size_t size, void *data)
{
  all_walk *w = data;
  if (!w->started) { /* the first object: the main program */
    w->started = 1;
    w->debug = loader_debug(info);
    w->last = last_object(w->debug->r_map);
  }
  int ret = w->each(info, size, w->data);
  if (ret)
    return ret;
  if (w->last && info->dlpi_name == w->last->l_name && info->dlpi_addr == w->last->l_addr)
    return walk_other_namespaces(w);
  return 0;
}

int ospy_agent_iterate_modules(ospy_agent_module_fn each, void *data)
{
  all_walk w = { each, data, NULL, NULL, 0 };
  return dl_iterate_phdr(walk_cb, &w);
}
