/* Module maps per process (capture/procmap.h): a forked child finds its
 * parent's modules until it execs, an exec'd process only its own. */
#include <stdio.h>
#include <string.h>

#include "capture/procmap.h"
#include "check.h"

static char prog_a[] = "a", libc[] = "libc", prog_b[] = "b", prog_c[] = "c", libx[] = "libx";

static const char *name_at(const ospy_procmap *m, uint32_t pid, uint64_t addr)
{
  const ospy_procmap_module *mod = ospy_procmap_find(m, pid, addr);
  return mod ? mod->data : NULL;
}

static void load(ospy_procmap *m, uint32_t pid, uint64_t base, uint64_t size, const char *path,
                 char *data)
{
  CHECK(ospy_procmap_module_load(m, pid, base, size, base, path, strlen(path), data) == 0);
}

static void start(ospy_procmap *m, uint32_t pid, uint32_t ppid, const char *exe)
{
  CHECK(ospy_procmap_process_start(m, pid, ppid, exe, strlen(exe)) == 0);
}

/* Process 10 (/bin/a) with a and libc loaded. */
static ospy_procmap *parent(void)
{
  ospy_procmap *m = ospy_procmap_new();
  CHECK(m != NULL);
  start(m, 10, 1, "/bin/a");
  load(m, 10, 0x1000, 0x1000, "/bin/a", prog_a);
  load(m, 10, 0x10000, 0x1000, "/lib/libc.so.6", libc);
  return m;
}

static void test_fork_then_exec(void)
{
  ospy_procmap *m = parent();
  CHECK(name_at(m, 10, 0x1500) == prog_a && name_at(m, 10, 0x3000) == NULL);
  CHECK(name_at(m, 11, 0x1500) == NULL); /* not a process of the capture */
  start(m, 11, 10, "/bin/a");            /* forked: no ModuleLoad of its own */
  CHECK(name_at(m, 11, 0x1500) == prog_a && name_at(m, 11, 0x10010) == libc);
  load(m, 11, 0x20000, 0x1000, "/lib/libx.so", libx); /* its dlopen */
  CHECK(name_at(m, 11, 0x20010) == libx && name_at(m, 11, 0x1500) == prog_a);
  CHECK(name_at(m, 10, 0x20010) == NULL); /* the parent does not have it */
  start(m, 11, 10, "/bin/b");             /* exec: a new address space */
  load(m, 11, 0x1000, 0x800, "/bin/b", prog_b);
  CHECK(name_at(m, 11, 0x1200) == prog_b);
  CHECK(name_at(m, 11, 0x1900) == NULL && name_at(m, 11, 0x10010) == NULL);
  CHECK(name_at(m, 10, 0x1900) == prog_a);
  ospy_procmap_free(m, NULL);
  printf("ok fork, then exec\n");
}

/* posix_spawn, vfork: the first record of the process is its exec's */
static void test_spawn(void)
{
  ospy_procmap *m = parent();
  start(m, 12, 10, "/bin/c");
  load(m, 12, 0x5000, 0x1000, "/bin/c", prog_c);
  CHECK(name_at(m, 12, 0x5010) == prog_c && name_at(m, 12, 0x10010) == NULL);
  ospy_procmap_free(m, NULL);
  printf("ok spawn\n");
}

/* the parent execs after the fork: its child keeps the old map */
static void test_parent_exec(void)
{
  ospy_procmap *m = parent();
  start(m, 13, 10, "/bin/a");
  start(m, 10, 1, "/bin/b");
  load(m, 10, 0x1000, 0x800, "/bin/b", prog_b);
  CHECK(name_at(m, 10, 0x1200) == prog_b && name_at(m, 10, 0x1900) == NULL);
  CHECK(name_at(m, 13, 0x1900) == prog_a && name_at(m, 13, 0x1200) == prog_a);
  /* a grandchild forked from the child: the same map */
  start(m, 14, 13, "/bin/a");
  CHECK(name_at(m, 14, 0x10010) == libc);
  ospy_procmap_free(m, NULL);
  printf("ok parent exec, grandchild\n");
}

static void test_unload(void)
{
  ospy_procmap *m = parent();
  CHECK(ospy_procmap_module_unload(m, 10, 0x10000) == libc);
  CHECK(name_at(m, 10, 0x10010) == NULL);
  CHECK(ospy_procmap_module_unload(m, 10, 0x10000) == NULL);
  /* modules before any ProcessStart (an attach's) still count */
  load(m, 20, 0x7000, 0x100, "/bin/c", prog_c);
  CHECK(name_at(m, 20, 0x7010) == prog_c);
  ospy_procmap_free(m, NULL);
  printf("ok unload\n");
}

/* a program linked at a fixed address: its image from its first segment,
 * its load bias 0 (symbols are looked up by the address itself) */
static void test_fixed_address(void)
{
  ospy_procmap *m = ospy_procmap_new();
  CHECK(m != NULL);
  start(m, 30, 1, "/bin/a");
  CHECK(ospy_procmap_module_load(m, 30, 0x8048000, 0x4064, 0, "/bin/a", 6, prog_a) == 0);
  const ospy_procmap_module *mod = ospy_procmap_find(m, 30, 0x8049573);
  CHECK(mod && mod->data == prog_a && mod->base == 0x8048000 && mod->bias == 0);
  CHECK(name_at(m, 30, 0x8047fff) == NULL && name_at(m, 30, 0x804c064) == NULL);
  CHECK(ospy_procmap_module_unload(m, 30, 0x8048000) == prog_a);
  ospy_procmap_free(m, NULL);
  printf("ok a program loaded where it was linked\n");
}

int main(void)
{
  test_fixed_address();
  test_fork_then_exec();
  test_spawn();
  test_parent_exec();
  test_unload();
  return 0;
}
