/* Test target for attaching (-p) to a process whose main thread allocates
 * and frees without pause (e2e-attach-malloc-busy): 64 live blocks, each
 * freed and allocated again in a tight loop, sizes past the thread cache
 * (glibc's tcache holds up to 1032 bytes) so that most calls take the
 * arena's lock. Every block is filled with a pattern and checked before it
 * is freed: a heap corrupted by a call injected into the middle of malloc
 * shows up as a wrong byte. Runs until the file argv[1] exists, then says
 * how many rounds it made and exits 0.
 *   target_mallocbusy STOPFILE */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { BLOCKS = 64 };

static size_t size_of(unsigned long n) { return 1100 + (n * 7919) % 6000; }

int main(int argc, char **argv)
{
  if (argc != 2)
    return 2;
  unsigned char *block[BLOCKS] = { 0 };
  size_t len[BLOCKS] = { 0 };
  unsigned long n = 0;
  printf("pid=%d\n", (int)getpid());
  fflush(stdout);
  for (;;) {
    for (int i = 0; i < 1000; i++, n++) {
      int k = (int)(n % BLOCKS);
      unsigned char want = (unsigned char)(k + 1);
      if (block[k] && (block[k][0] != want || block[k][len[k] - 1] != want)) {
        printf("block %d corrupted at round %lu\n", k, n);
        return 1;
      }
      free(block[k]);
      len[k] = size_of(n);
      block[k] = malloc(len[k]);
      if (!block[k]) {
        printf("malloc failed at round %lu\n", n);
        return 1;
      }
      memset(block[k], want, len[k]);
    }
    if (access(argv[1], F_OK) == 0)
      break;
  }
  printf("rounds=%lu OK\n", n);
  return 0;
}
