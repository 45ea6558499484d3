/* A structure with a char name[16] that the program fills to the last byte
 * (no NUL) and one with a short name: a config's size="16" on the inline
 * AsciiString field bounds it (the bytes after, vals and n, are no part of
 * the name). Prints the sum of the ids. */
#include <stdint.h>
#include <stdio.h>

struct rec {
  int32_t id;
  char name[16];
  int16_t vals[4];
  uint32_t n;
};

/* long enough to hook at -O1 (no 'x' in the names, no 1 in vals or n: the id comes back) */
__attribute__((noinline)) int take(struct rec *r)
{
  int id = r->id;
  for (int i = 0; i < 16; i++)
    id += r->name[i] == 'x';
  for (int i = 0; i < 4; i++) /* (read: the compiler stores them) */
    id += r->vals[i] == 1;
  return id + (r->n == 1);
}

int main(void)
{
  struct rec full = { 5, "0123456789abcdef", { 0x4141, 0x4141, 0x4141, 0x4141 }, 3 };
  struct rec part = { 6, "short", { 0x4141, 0x4141, 0x4141, 0x4141 }, 3 };
  printf("%d\n", take(&full) + take(&part));
  return 0;
}
