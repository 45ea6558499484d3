/* Structures and arrays read with one safe read each (marshal.c's windows):
 * the number of reads made through the kernel for them (one for a
 * structure of 13 fields in heap memory, not 14; two for an array of 1100
 * integers, one per WINDOW_MAX bytes), the same blobs as reads of one field
 * at a time at every room size the blob may have (the window takes room at
 * the top of the blob's: a value it cut is written again without), and
 * structures and arrays that run into a PROT_NONE page shown as before.
 * x86-64 and i386. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "marshal_test.h"
#include "os/linux/os_read.h"
#include "plan/values_format.h"

#define IN OSPY_DIR_IN
#define OUT OSPY_DIR_OUT
#define P(x) ((uint64_t)(uintptr_t)(x))

static char text[1 << 16];

#define WINDOW_MAX_TESTED 4096 /* marshal.c's WINDOW_MAX */

struct inner {
  uint16_t port;
  int32_t addr;
};

struct rec {
  int32_t id;
  char name[16];     /* inline, size="16" */
  struct inner in;   /* nested */
  const char *label; /* followed */
  uint32_t len;
  const uint8_t *data; /* size bound to len */
  int16_t vals[4];     /* inline array, elementCount="4" */
  struct rec *next;    /* a structure through a pointer */
};

static uint32_t rec_type(ospy_spec_table *t)
{
  uint32_t in = tt_struct(t, "Inner", 2);
  tt_field(t, in, 0, "port", offsetof(struct inner, port), "UInt16");
  tt_field(t, in, 1, "addr", offsetof(struct inner, addr), "Int32");
  t->types[in].size = sizeof(struct inner);
  uint32_t st = tt_struct(t, "Rec", 8);
  tt_field(t, st, 0, "id", offsetof(struct rec, id), "Int32");
  tt_field(t, st, 1, "name", offsetof(struct rec, name), "AsciiString")->size = 16;
  tt_field(t, st, 2, "in", offsetof(struct rec, in), "Inner");
  tt_field(t, st, 3, "label", offsetof(struct rec, label), "AsciiStringPtr");
  tt_field(t, st, 4, "len", offsetof(struct rec, len), "UInt32");
  tt_field(t, st, 5, "data", offsetof(struct rec, data), "ByteArrayPtr")->size_field = 4;
  ospy_spec_field *v = tt_field(t, st, 6, "vals", offsetof(struct rec, vals), "Array");
  v->t.elem_type = OSPY_BT_INT16;
  v->size = 4;
  tt_field(t, st, 7, "next", offsetof(struct rec, next), "RecPtr");
  t->types[st].size = sizeof(struct rec);
  return st;
}

/* long enough that the blob has room for windows (twice a structure's bytes
   and 256 more) at the sizes that cut it */
static char label[300];

static void fill_rec(struct rec *r, int32_t id, struct rec *next)
{
  memset(r, 0, sizeof *r);
  r->id = id;
  memcpy(r->name, "0123456789abcdef", 16); /* no NUL: the size ends it */
  r->in = (struct inner){ 80, -1 };
  memset(label, 'L', sizeof label - 1);
  r->label = label;
  r->len = 5;
  r->data = (const uint8_t *)"bytes!";
  for (int i = 0; i < 4; i++)
    r->vals[i] = (int16_t)(i * 1000 - 1);
  r->next = next;
}

/* One structure in heap memory: a struct stat's 13 fields took 14 reads
 * through the kernel (its first byte, then each field), now one; an array
 * of 1100 Int32 (4400 bytes) two, not 1102; a socket address one, not two
 * (its family, then its bytes). */
static void test_reads_counted(void)
{
  ospy_spec_table *t = tt_table();
  uint32_t st = tt_struct(t, "Stat", 13);
  static const char *const names[13] = { "dev", "ino", "nlink", "mode", "uid", "gid", "rdev",
                                         "size", "blksize", "blocks", "atime", "mtime",
                                         "ctime" };
  for (unsigned i = 0; i < 13; i++)
    tt_field(t, st, i, names[i], 8 * i, "UInt64");
  uint32_t fn = tt_fn(t, "fstat", "Int32");
  tt_arg(t, fn, "fd", IN, "Int32");
  tt_arg(t, fn, "sb", OUT, "StatPtr");
  tt_arg(t, fn, "many", IN, "ArrayPtr")->t.elem_type = OSPY_BT_INT32;
  t->fns[fn].args[2].count_in.src = "1100";
  tt_arg(t, fn, "addr", IN, "SockAddrPtr");
  tt_prepare(t);
  uint64_t *sb = malloc(13 * 8);
  int32_t *many = malloc(1100 * sizeof *many);
  uint8_t *sa = malloc(16);
  CHECK(sb && many && sa);
  if (!sb || !many || !sa)
    return;
  static const uint8_t in4[16] = { 2, 0, 0, 80, 127, 0, 0, 1 }; /* AF_INET 127.0.0.1:80 */
  memcpy(sa, in4, sizeof in4);
  for (unsigned i = 0; i < 13; i++)
    sb[i] = i + 1;
  for (unsigned i = 0; i < 1100; i++)
    many[i] = (int32_t)i;
  tt_call k;
  tt_call_init(&k);
  tt_int(&k, 3, 4);
  tt_int(&k, P(sb), sizeof(void *));
  tt_int(&k, P(many), sizeof(void *));
  tt_int(&k, P(sa), sizeof(void *));
  tt_done(&k, 0);
  ospy_os_read_count_kernel_reads(true);
  uint64_t before = ospy_os_read_kernel_reads();
  tt_run(t, fn, &k, 0, NULL, NULL, 65536, text, sizeof text);
  uint64_t reads = ospy_os_read_kernel_reads() - before;
  ospy_os_read_count_kernel_reads(false);
  printf("windows: a 13-field structure (leave), 1100 Int32 and a socket address (enter) in "
         "heap memory: %llu reads through the kernel (expected 4)\n", (unsigned long long)reads);
  CHECK(reads == 4);
  CHECK(strstr(text, "sb={dev=1, ino=2, nlink=3, mode=4, uid=5, gid=6, rdev=7, size=8, "
                     "blksize=9, blocks=10, atime=11, mtime=12, ctime=13}") != NULL);
  CHECK(strstr(text, "1098, 1099], addr={AF_INET, 127.0.0.1:80}") != NULL);
  free(sa);
  free(sb);
  free(many);
  ospy_marshal_release(t);
  ospy_spec_table_free(t);
}

/* The enter and leave blobs of f(r, recs, n, addr) and g(many) with windows
 * and without, at every room from 8 bytes to more than they take: byte for
 * byte the same, and short of room alike. */
static int same_blobs(const ospy_spec_fn *f, tt_call *k, size_t cap, int leave)
{
  static uint8_t on[8192], off[8192];
  tt_call a = *k, b = *k;
  a.c.state = a.state;
  b.c.state = b.state;
  ospy_marshal_set_windows(1);
  size_t n_on = leave ? ospy_marshal_leave(f, &a.c, on, cap, 65536)
                      : ospy_marshal_enter(f, &a.c, on, cap, 65536);
  ospy_marshal_set_windows(0);
  size_t n_off = leave ? ospy_marshal_leave(f, &b.c, off, cap, 65536)
                       : ospy_marshal_enter(f, &b.c, off, cap, 65536);
  ospy_marshal_set_windows(1);
  return n_on == n_off && !memcmp(on, off, n_on) && a.c.short_of_room == b.c.short_of_room;
}

static void test_same_at_every_room(void)
{
  ospy_spec_table *t = tt_table();
  uint32_t st = rec_type(t);
  uint32_t fn = tt_fn(t, "f", "SSize");
  tt_arg(t, fn, "r", IN, "RecPtr");
  tt_arg(t, fn, "recs", OUT, "ArrayPtr")->t.elem_type = st;
  tt_arg(t, fn, "n", IN, "Int32");
  tt_arg(t, fn, "addr", IN, "SockAddrPtr");
  t->fns[fn].args[1].count_in.src = "arg.n";
  /* g(many): 1100 Int32, more than a window holds (the next part read) */
  uint32_t g = tt_fn(t, "g", NULL);
  tt_arg(t, g, "many", IN, "ArrayPtr")->t.elem_type = OSPY_BT_INT32;
  t->fns[g].args[0].count_in.src = "1100";
  tt_prepare(t);
  uint8_t *un = calloc(1, 110);
  CHECK(un != NULL);
  if (!un)
    return;
  un[0] = 1; /* AF_UNIX */
  strcpy((char *)un + 2, "/run/some.sock");
  struct rec *r = malloc(4 * sizeof *r);
  CHECK(r != NULL);
  if (!r)
    return;
  fill_rec(&r[3], 4, NULL);
  fill_rec(&r[0], 1, &r[3]);
  fill_rec(&r[1], 2, &r[0]);
  fill_rec(&r[2], 3, NULL);
  tt_call k;
  tt_call_init(&k);
  tt_int(&k, P(&r[0]), sizeof(void *));
  tt_int(&k, P(&r[1]), sizeof(void *));
  tt_int(&k, 2, 4);
  tt_int(&k, P(un), sizeof(void *));
  tt_done(&k, 0);
  static uint8_t whole[8192];
  tt_call w = k;
  w.c.state = w.state;
  size_t enter_len = ospy_marshal_enter(&t->fns[fn], &w.c, whole, sizeof whole, 65536);
  unsigned differ = 0;
  for (size_t cap = 8; cap <= enter_len + 16; cap++)
    differ += !same_blobs(&t->fns[fn], &k, cap, 0);
  tt_set_return(&k, 7); /* a byte count: the out structures' buffers record 7 bytes in all */
  size_t leave_len = ospy_marshal_leave(&t->fns[fn], &k.c, whole, sizeof whole, 65536);
  for (size_t cap = 8; cap <= leave_len + 16; cap++)
    differ += !same_blobs(&t->fns[fn], &k, cap, 1);
  int32_t *many = malloc(1100 * sizeof *many);
  CHECK(many != NULL);
  if (!many)
    return;
  for (unsigned i = 0; i < 1100; i++)
    many[i] = (int32_t)i * 1000;
  tt_call_init(&w);
  tt_int(&w, P(many), sizeof(void *));
  tt_done(&w, 0);
  size_t g_len = ospy_marshal_enter(&t->fns[g], &w.c, whole, sizeof whole, 65536);
  for (size_t cap = 8; cap <= g_len + 16; cap += 29) /* (every 29th: 1100 reads each without) */
    differ += !same_blobs(&t->fns[g], &w, cap, 0);
  free(many);
  printf("windows: enter blobs of %zu and %zu bytes, leave blob of %zu: the same with and "
         "without windows at every room from 8 bytes up (every 29th for the second) (%u differ)\n",
         enter_len, g_len, leave_len, differ);
  CHECK(g_len > WINDOW_MAX_TESTED);
  CHECK(differ == 0);
  CHECK(enter_len > 600 && leave_len > 600); /* (windows opened, and cut values written again) */
  tt_run(t, fn, &k, 7, NULL, NULL, 65536, text, sizeof text);
  CHECK(strstr(text, "(r={id=1, name=\"0123456789abcdef\", in={port=80, addr=-1}, label=\"LLLL") &&
        strstr(text, "LLL\", len=5, data=\"bytes\", vals=[-1, 999, 1999, 2999], next={id=4, "));
  CHECK(strstr(text, "addr={AF_UNIX, \"/run/some.sock\"}") != NULL);
  free(r);
  free(un);
  ospy_marshal_release(t);
  ospy_spec_table_free(t);
}

/* A structure whose second half lies on a PROT_NONE page: its first fields
 * read from the window, the others unreadable at their own addresses, as
 * when each was read alone (with windows and without); an array of them
 * ends at its first element that cannot be read whole. */
static void test_cut_by_unreadable_page(void)
{
  ospy_spec_table *t = tt_table();
  uint32_t st = tt_struct(t, "Six", 6);
  tt_field(t, st, 0, "a", 0, "Int32");
  tt_field(t, st, 1, "b", 4, "Int32");
  tt_field(t, st, 2, "c", 8, "Int64");
  tt_field(t, st, 3, "d", 16, "Int64");
  tt_field(t, st, 4, "e", 24, "Int32");
  tt_field(t, st, 5, "f", 28, "Int32");
  uint32_t fn = tt_fn(t, "take", NULL);
  tt_arg(t, fn, "s", IN, "SixPtr");
  tt_arg(t, fn, "arr", IN, "ArrayPtr")->t.elem_type = st;
  t->fns[fn].args[1].count_in.src = "3";
  tt_prepare(t);
  long pg = sysconf(_SC_PAGESIZE);
  uint8_t *p = mmap(NULL, 2 * (size_t)pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                    -1, 0);
  CHECK(p != MAP_FAILED);
  if (p == MAP_FAILED)
    return;
  uint8_t *guard = p + pg;
  int32_t ab[2] = { 7, 8 };
  memcpy(guard - 8, ab, 8);
  int32_t whole[8] = { 1, 2, 3, 0, 4, 0, 5, 6 }; /* {1, 2, 3, 4, 5, 6} */
  memcpy(guard - 40, whole, 32);
  CHECK(mprotect(guard, (size_t)pg, PROT_NONE) == 0);
  char want[1024];
  snprintf(want, sizeof want,
           "(s={a=7, b=8, c=<unreadable at %p>, d=<unreadable at %p>, e=<unreadable at %p>, "
           "f=<unreadable at %p>}, arr=[{a=1, b=2, c=3, d=4, e=5, f=6}, <unreadable at %p>]"
           "(1 of 3 elements))",
           (void *)guard, (void *)(guard + 8), (void *)(guard + 16), (void *)(guard + 20),
           (void *)guard);
  for (int on = 1; on >= 0; on--) {
    ospy_marshal_set_windows(on);
    tt_call k;
    tt_call_init(&k);
    tt_int(&k, P(guard - 8), sizeof(void *));
    tt_int(&k, P(guard - 40), sizeof(void *));
    tt_done(&k, 0);
    tt_run(t, fn, &k, 0, NULL, NULL, 65536, text, sizeof text);
    printf("windows %s: a structure and an array cut by a PROT_NONE page: %s\n",
           on ? "on" : "off", want);
    CHECK_STR(text, want);
  }
  ospy_marshal_set_windows(1);
  munmap(p, 2 * (size_t)pg);
  ospy_marshal_release(t);
  ospy_spec_table_free(t);
}

void test_windows_all(void);
void test_windows_all(void)
{
  test_reads_counted();
  test_same_at_every_room();
  test_cut_by_unreadable_page();
}
