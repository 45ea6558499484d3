/* main() for replaying a libFuzzer harness's committed corpus as an ordinary
 * test: each file named on the command line is fed to LLVMFuzzerTestOneInput
 * (linked with one harness: tests/fuzz/fuzz_*.c). Inputs over 4 MiB are cut. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int main(int argc, char **argv)
{
  static uint8_t buf[1 << 22];
  for (int i = 1; i < argc; i++) {
    FILE *f = fopen(argv[i], "rb");
    if (!f) {
      perror(argv[i]);
      return 1;
    }
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    LLVMFuzzerTestOneInput(buf, n);
  }
  printf("replayed %d inputs\n", argc - 1);
  return 0;
}
