/* For harnesses whose code under test opens a path: the input bytes as a
 * file (one memfd, rewritten per input, read as /proc/self/fd/N), and a
 * /dev/null stream for the text they print. Aborts when neither can be had. */
#ifndef OSPY_TESTS_FUZZ_FILE_H
#define OSPY_TESTS_FUZZ_FILE_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

static FILE *fuzz_null_out;

static const char *fuzz_input_path(const uint8_t *data, size_t size)
{
  static int memfd = -1;
  static char path[64];
  if (memfd < 0) {
    memfd = memfd_create("fuzz-input", 0);
    fuzz_null_out = fopen("/dev/null", "w");
    if (memfd < 0 || !fuzz_null_out)
      abort();
    snprintf(path, sizeof path, "/proc/self/fd/%d", memfd);
  }
  if (ftruncate(memfd, 0) < 0 || pwrite(memfd, data, size, 0) != (ssize_t)size)
    abort();
  return path;
}

#endif
