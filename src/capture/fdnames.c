/* Table (pid, fd) -> name; see fdnames.h. */
#include "capture/fdnames.h"

#include <stdlib.h>
#include <string.h>

void ospy_fdnames_init(ospy_fdnames *t)
{
  ospy_fdslots_init(&t->slots, sizeof(ospy_fdnames_entry));
}

void ospy_fdnames_free(ospy_fdnames *t)
{
  for (uint32_t i = 0; i < t->slots.cap; i++) {
    ospy_fdnames_entry *e = ospy_fdslots_used(&t->slots, i);
    if (e)
      free(e->name);
  }
  ospy_fdslots_free(&t->slots);
}

const char *ospy_fdnames_get(const ospy_fdnames *t, uint32_t pid, int32_t fd)
{
  const ospy_fdnames_entry *e = ospy_fdslots_find(&t->slots, ospy_fdslots_key(pid, fd));
  return e ? e->name : NULL;
}

const char *ospy_fdnames_namer(void *ctx, int64_t fd)
{
  const ospy_fdnames_of *of = ctx;
  if (fd < 0 || fd > INT32_MAX)
    return NULL;
  const char *name = ospy_fdnames_get(of->names, of->pid, (int32_t)fd);
  return name && name[0] ? name : NULL;
}

int ospy_fdnames_set(ospy_fdnames *t, uint32_t pid, int32_t fd, const char *name)
{
  uint64_t k = ospy_fdslots_key(pid, fd);
  ospy_fdnames_entry *e = ospy_fdslots_find(&t->slots, k);
  if (e && !strcmp(e->name, name))
    return 0;
  char *copy = strdup(name);
  if (!copy)
    return -1;
  if (!e && !(e = ospy_fdslots_add(&t->slots, k))) {
    free(copy);
    return -1;
  }
  free(e->name);
  e->name = copy;
  return 1;
}

static void drop(ospy_fdnames *t, ospy_fdnames_entry *e)
{
  free(e->name);
  e->name = NULL;
  ospy_fdslots_remove(&t->slots, e);
}

void ospy_fdnames_forget(ospy_fdnames *t, uint32_t pid, int32_t fd)
{
  ospy_fdnames_entry *e = ospy_fdslots_find(&t->slots, ospy_fdslots_key(pid, fd));
  if (e)
    drop(t, e);
}

void ospy_fdnames_forget_pid(ospy_fdnames *t, uint32_t pid)
{
  for (uint32_t i = 0; i < t->slots.cap; i++) {
    ospy_fdnames_entry *e = ospy_fdslots_used(&t->slots, i);
    if (e && (uint32_t)(e->slot.key >> 32) == pid)
      drop(t, e);
  }
}
