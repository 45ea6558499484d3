/* The (pid, fd) -> name table behind fd=3</etc/hosts>: set, replace, forget,
 * forget a whole process, and growth past many entries. */
#include <stdio.h>
#include <string.h>

#include "capture/fdnames.h"
#include "check.h"

static void test_basic(void)
{
  ospy_fdnames t;
  ospy_fdnames_init(&t);
  CHECK(ospy_fdnames_get(&t, 1, 3) == NULL);
  CHECK(ospy_fdnames_set(&t, 1, 3, "/etc/hosts") == 1);
  CHECK(ospy_fdnames_set(&t, 1, 3, "/etc/hosts") == 0); /* unchanged: nothing to announce */
  CHECK(!strcmp(ospy_fdnames_get(&t, 1, 3), "/etc/hosts"));
  CHECK(ospy_fdnames_get(&t, 2, 3) == NULL);            /* per process */
  CHECK(ospy_fdnames_set(&t, 1, 3, "socket:[7]") == 1);
  CHECK(!strcmp(ospy_fdnames_get(&t, 1, 3), "socket:[7]"));
  ospy_fdnames_forget(&t, 1, 3);
  CHECK(ospy_fdnames_get(&t, 1, 3) == NULL);
  CHECK(ospy_fdnames_set(&t, 1, 3, "") == 1);          /* known unresolvable */
  CHECK(!strcmp(ospy_fdnames_get(&t, 1, 3), ""));
  ospy_fdnames_free(&t);
  printf("ok set, replace, forget\n");
}

static void test_many(void)
{
  ospy_fdnames t;
  char name[32];
  ospy_fdnames_init(&t);
  for (uint32_t pid = 100; pid < 110; pid++)
    for (int fd = 0; fd < 1000; fd++) {
      snprintf(name, sizeof name, "%u/%d", pid, fd);
      CHECK(ospy_fdnames_set(&t, pid, fd, name) == 1);
    }
  ospy_fdnames_forget_pid(&t, 105);
  for (uint32_t pid = 100; pid < 110; pid++)
    for (int fd = 0; fd < 1000; fd++) {
      const char *got = ospy_fdnames_get(&t, pid, fd);
      snprintf(name, sizeof name, "%u/%d", pid, fd);
      CHECK(pid == 105 ? got == NULL : got && !strcmp(got, name));
    }
  /* Deleted slots are reused, lookups still find everything. */
  for (int round = 0; round < 20; round++)
    for (int fd = 0; fd < 1000; fd++) {
      CHECK(ospy_fdnames_set(&t, 105, fd, "x") == 1);
      ospy_fdnames_forget(&t, 105, fd);
    }
  CHECK(t.slots.live == 9000);
  CHECK(!strcmp(ospy_fdnames_get(&t, 109, 999), "109/999"));
  ospy_fdnames_free(&t);
  printf("ok 10000 entries, a process forgotten, slots reused\n");
}

int main(void)
{
  test_basic();
  test_many();
  return 0;
}
