/* Descriptors whose numbers are reused: a file's name must not stick to the
 * pipe that takes its number after closefrom, nor after close_range. */
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

int main(void)
{
  char b[64];
  int fd = open("/etc/hostname", O_RDONLY);
  if (fd < 0 || read(fd, b, sizeof b) < 0)
    return 1;
  closefrom(fd);
  int p[2];
  if (pipe(p) != 0 || write(p[1], "through the pipe", 16) != 16 || read(p[0], b, sizeof b) != 16)
    return 2;
  int f2 = open("/etc/hostname", O_RDONLY);
  close_range((unsigned)f2, (unsigned)f2, 0);
  int q[2];
  if (pipe2(q, O_CLOEXEC) != 0 || write(q[1], "second", 6) != 6)
    return 3;
  printf("fds %d %d %d %d\n", fd, p[0], f2, q[1]);
  return 0;
}
