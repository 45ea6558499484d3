/* Reads 64 bytes from /dev/zero N times (libc read(), through the PLT) and
 * prints how many bytes it got:  read_target N */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char **argv)
{
  long n = argc > 1 ? atol(argv[1]) : 1000000, total = 0;
  char buf[64];
  int fd = open("/dev/zero", O_RDONLY);
  if (fd < 0)
    return 1;
  for (long i = 0; i < n; i++)
    total += read(fd, buf, sizeof buf);
  close(fd);
  printf("%ld\n", total);
  return 0;
}
