/* The calls of the files and net presets that an i386 program built with
 * -D_FILE_OFFSET_BITS=64 (fcntl64) and -D_TIME_BITS=64 (__fcntl_time64,
 * __stat64_time64 & co., __recvmsg64...) makes under other names, each
 * printing the values ospy must decode: e2e case preset-time64-i386.
 *   target_time64 DIR */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* 2100-01-01: a time a 32-bit time_t cannot hold */
#define AFTER_2038 4102444800LL

static void print_stat(const char *call, int rc, const struct stat *st)
{
  printf("%s=%d ino=%llu mode=%o nlink=%lu size=%lld mtime=%lld\n", call, rc,
         (unsigned long long)st->st_ino, (unsigned)st->st_mode, (unsigned long)st->st_nlink,
         (long long)st->st_size, (long long)st->st_mtime);
}

static int files(const char *dir)
{
  struct stat st;
  int dfd = open(dir, O_RDONLY | O_DIRECTORY);
  int fd = openat(dfd, "t64.txt", O_CREAT | O_RDWR | O_TRUNC, 0640);
  if (dfd < 0 || fd < 0 || write(fd, "time64 bytes\n", 13) != 13)
    return 1;
  struct timespec times[2] = { { AFTER_2038, 0 }, { AFTER_2038, 0 } };
  if (futimens(fd, times) < 0)
    return 1;
  printf("fcntl(F_GETFD)=%d\n", fcntl(fd, F_GETFD));
  int dup = fcntl(fd, F_DUPFD_CLOEXEC, 40);
  printf("fcntl(F_DUPFD_CLOEXEC, 40)=%d\n", dup);
  printf("close(%d)=%d\n", dup, close(dup)); /* a copy of fd: named as fd */
  memset(&st, 0, sizeof st);
  print_stat("fstat", fstat(fd, &st), &st);
  memset(&st, 0, sizeof st);
  print_stat("fstatat", fstatat(dfd, "t64.txt", &st, AT_SYMLINK_NOFOLLOW), &st);
  char path[4096];
  snprintf(path, sizeof path, "%s/t64.txt", dir);
  memset(&st, 0, sizeof st);
  print_stat("stat", stat(path, &st), &st);
  memset(&st, 0, sizeof st);
  print_stat("lstat", lstat(path, &st), &st);
  return 0;
}

static int sockets(void)
{
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_DGRAM, 0, sv) < 0)
    return 1;
  struct iovec out = { "time64 datagram", 15 };
  struct msghdr m = { .msg_iov = &out, .msg_iovlen = 1 };
  printf("sendmsg=%zd\n", sendmsg(sv[0], &m, 0));
  int avail = -1;
  int rc = ioctl(sv[1], FIONREAD, &avail);
  printf("ioctl(FIONREAD)=%d avail=%d\n", rc, avail);
  char buf[32] = { 0 };
  struct iovec in = { buf, sizeof buf };
  struct msghdr r = { .msg_iov = &in, .msg_iovlen = 1 };
  ssize_t n = recvmsg(sv[1], &r, 0);
  printf("recvmsg=%zd buf=%.*s\n", n, (int)(n > 0 ? n : 0), buf);
  int size = 0;
  socklen_t len = sizeof size;
  rc = getsockopt(sv[1], SOL_SOCKET, SO_TYPE, &size, &len);
  printf("getsockopt(SO_TYPE)=%d type=%d len=%u\n", rc, size, (unsigned)len);
  return 0;
}

static int child(void)
{
  pid_t pid = fork();
  if (pid == 0)
    _exit(3);
  int status = 0;
  pid_t got = wait4(pid, &status, 0, NULL);
  printf("wait4=%s status=%#x\n", got == pid ? "child" : "?", (unsigned)status);
  /* no child left: ECHILD, and the status word is not written (it holds 3:
   * the preset showed it, wstatus=[0x3]) */
  int left = 3;
  pid_t none = wait4(-1, &left, WNOHANG, NULL);
  printf("wait4 again=%d status=%#x\n", (int)none, (unsigned)left);
  /* a child still running: WNOHANG's 0, nothing written either */
  int fds[2];
  if (pipe(fds) != 0)
    return 1;
  pid_t slow = fork();
  if (slow == 0) {
    char c;
    close(fds[1]);
    _exit(read(fds[0], &c, 1) == 0 ? 4 : 5); /* (until the parent closes its end) */
  }
  close(fds[0]);
  int running = 3;
  pid_t zero = waitpid(slow, &running, WNOHANG);
  printf("waitpid(WNOHANG)=%d status=%#x\n", (int)zero, (unsigned)running);
  close(fds[1]);
  int st = 0;
  pid_t reaped = waitpid(slow, &st, 0);
  printf("waitpid=%s status=%#x\n", reaped == slow ? "child" : "?", (unsigned)st);
  return got == pid && none == -1 && zero == 0 && reaped == slow ? 0 : 1;
}

int main(int argc, char **argv)
{
  if (argc < 2)
    return 2;
  return files(argv[1]) || sockets() || child();
}
