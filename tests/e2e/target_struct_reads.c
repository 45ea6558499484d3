/* Structures and arrays in the program's heap, as ospy decodes them
 * (e2e struct-reads): target_struct_reads N makes N fstat calls into a
 * malloc'd struct stat and N polls of 8 malloc'd pollfds, then calls
 * take() with a Rec wholly readable and with one whose second half lies on
 * a PROT_NONE page (its first two fields readable). Prints where that page
 * begins. */
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

struct rec { /* a@0 b@4 c@8 d@16 e@24 f@28: 32 bytes on x86-64 and i386 */
  int32_t a, b;
  int64_t c, d;
  int32_t e, f;
};

__attribute__((noipa)) int take(const struct rec *r) { return r->a + r->b; }

static int heap_calls(int n)
{
  int p[2];
  if (pipe(p) != 0)
    return -1;
  struct stat *st = malloc(sizeof *st);
  struct pollfd *fds = malloc(8 * sizeof *fds);
  if (!st || !fds)
    return -1;
  for (int i = 0; i < 8; i++)
    fds[i] = (struct pollfd){ .fd = p[0], .events = POLLIN };
  int bad = 0;
  for (int i = 0; i < n; i++) {
    bad += fstat(p[0], st) != 0;
    bad += poll(fds, 8, 0) != 0; /* nothing written: none ready */
  }
  free(fds);
  free(st);
  close(p[0]);
  close(p[1]);
  return bad;
}

int main(int argc, char **argv)
{
  int n = argc > 1 ? atoi(argv[1]) : 0;
  if (heap_calls(n) != 0)
    return 1;
  long pg = sysconf(_SC_PAGESIZE);
  uint8_t *m = mmap(NULL, 2 * (size_t)pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                    -1, 0);
  if (m == MAP_FAILED)
    return 1;
  struct rec *whole = (struct rec *)(m + pg - 2 * sizeof(struct rec));
  *whole = (struct rec){ 1, 2, 3, 4, 5, 6 };
  struct rec *cut = (struct rec *)(m + pg - 8); /* a and b; c, d, e, f on the next page */
  cut->a = 7;
  cut->b = 8;
  if (mprotect(m + pg, (size_t)pg, PROT_NONE) != 0)
    return 1;
  printf("guard=%p take=%d,%d\n", (void *)(m + pg), take(whole), take(cut));
  return 0;
}
