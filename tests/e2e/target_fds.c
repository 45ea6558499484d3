/* Descriptors whose numbers are reused: a file's name must not stick to the
 * pipe that takes its number after closefrom, nor after close_range; nor a
 * socket's to a file after the C library closed it itself (fclose) and
 * reopened the number itself (fopen "e": neither call is close or open). */
#include <fcntl.h>
#include <stdio.h>
#include <sys/socket.h>
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
  int s = socket(AF_INET, SOCK_STREAM, 0);
  FILE *sf = fdopen(s, "r");
  if (!sf || fclose(sf) != 0)
    return 4;
  FILE *g = fopen("/etc/hostname", "re");
  if (!g || read(fileno(g), b, sizeof b) < 0)
    return 5;
  printf("fds %d %d %d %d %d %d\n", fd, p[0], f2, q[1], s, fileno(g));
  int r[2];
  return pipe2(r, 0) == 0 ? 0 : 6;
}
