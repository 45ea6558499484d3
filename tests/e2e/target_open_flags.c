/* Flags whose members include a value under a mask (docs/config.md), for the
   e2e cases preset-open-flags(-i386): open's access mode is one of O_RDONLY
   (0), O_WRONLY, O_RDWR under O_ACCMODE, or-ed with bit flags; a socket's
   type one value under 0xf. Run in an empty directory. */
#include <fcntl.h>
#include <stdio.h>
#include <sys/socket.h>
#include <unistd.h>

/* Opens f with flags (the mode is read only with O_CREAT) and closes it. */
static void open_close(int flags)
{
  int fd = open("f", flags, 0600);
  if (fd >= 0)
    close(fd);
}

int main(int argc, char **argv)
{
  if (argc < 2 || chdir(argv[1]) < 0)
    return 1;
  open_close(O_WRONLY | O_CREAT | O_TRUNC);
  open_close(O_RDONLY | O_CLOEXEC);
  open_close(O_RDWR);
  open_close(O_RDONLY);
  open_close(O_RDONLY | 0x10000000); /* a bit no flag has: the kernel ignores it */
  open_close(3);                     /* the access mode O_ACCMODE itself, which has no name */
  int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (s >= 0)
    close(s);
  socket(AF_UNIX, 7 | SOCK_NONBLOCK, 0); /* a type Linux does not have: refused */
  puts("open-flags: 6 opens, 2 sockets");
  return 0;
}
