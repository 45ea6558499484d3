/* Waiting for descriptors and vectored I/O at an offset, as the net and
 * files presets decode them (e2e cases preset-poll, preset-poll-i386):
 * poll and ppoll on a pipe with data ready (revents holding garbage, as a
 * program that never sets it leaves it: the kernel fills it), epoll on the
 * same pipe (the events the kernel returns carry the caller's 64-bit data),
 * select and pselect with a timeout (one ready, one that runs out),
 * preadv/pwritev and their v2 forms on a file. Prints what each call
 * returned, for the test to compare with what ospy shows. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/uio.h>
#include <unistd.h>

static void polls(int rd, int wr, const sigset_t *mask)
{
  /* revents: not the program's to set (stack garbage, often) */
  struct pollfd pf[2] = { { rd, POLLIN | POLLPRI, 0x5a28 }, { wr, POLLOUT, -1 } };
  int n = poll(pf, 2, 5000);
  printf("poll=%d revents=%#x,%#x\n", n, (unsigned)pf[0].revents, (unsigned)pf[1].revents);
  struct timespec ts = { 5, 0 };
  pf[0].revents = 0x5028;
  n = ppoll(pf, 1, &ts, mask);
  printf("ppoll=%d revents=%#x\n", n, (unsigned)pf[0].revents);
}

static void epolls(int rd, int wr, const sigset_t *mask)
{
  int ep = epoll_create1(EPOLL_CLOEXEC);
  struct epoll_event ev = { .events = EPOLLIN | EPOLLET, .data.u64 = 0x1122334455667788ULL };
  struct epoll_event out[4];
  memset(out, 0, sizeof out);
  if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, rd, &ev) != 0)
    return;
  int n = epoll_wait(ep, out, 4, 5000);
  printf("epoll=%d epoll_wait=%d events=%#x data=%#llx\n", ep, n, (unsigned)out[0].events,
         (unsigned long long)out[0].data.u64);
  /* edge-triggered, nothing new: no events, none shown */
  n = epoll_wait(ep, out, 4, 0);
  printf("epoll_wait=%d\n", n);
  ev.events = EPOLLOUT | EPOLLONESHOT;
  ev.data.u64 = (unsigned long long)wr;
  epoll_ctl(ep, EPOLL_CTL_ADD, wr, &ev);
  n = epoll_pwait(ep, out, 4, 5000, mask);
  printf("epoll_pwait=%d events=%#x data=%#llx\n", n, (unsigned)out[0].events,
         (unsigned long long)out[0].data.u64);
  epoll_ctl(ep, EPOLL_CTL_DEL, wr, NULL);
  ev.events = EPOLLIN;
  ev.data.u64 = 7;
  epoll_ctl(ep, EPOLL_CTL_MOD, rd, &ev);
  struct timespec ts = { 5, 0 };
  n = epoll_pwait2(ep, out, 4, &ts, NULL);
  if (n < 0 && errno == ENOSYS)
    printf("epoll_pwait2=ENOSYS\n");
  else
    printf("epoll_pwait2=%d events=%#x data=%#llx\n", n, (unsigned)out[0].events,
           (unsigned long long)out[0].data.u64);
  close(ep);
}

static void selects(int rd, int wr, const sigset_t *mask)
{
  fd_set r, w;
  FD_ZERO(&r);
  FD_ZERO(&w);
  FD_SET(rd, &r);
  FD_SET(wr, &w);
  struct timeval tv = { 5, 0 };
  int n = select(wr + 1, &r, &w, NULL, &tv);
  printf("select=%d\n", n);
  char buf[4];
  if (read(rd, buf, sizeof buf) != 4)
    return;
  /* nothing to read now: the timeout runs out, and is left at 0 */
  FD_ZERO(&r);
  FD_SET(rd, &r);
  tv.tv_sec = 0;
  tv.tv_usec = 1000;
  n = select(rd + 1, &r, NULL, NULL, &tv);
  printf("select=%d left=%ld.%06ld\n", n, (long)tv.tv_sec, (long)tv.tv_usec);
  FD_SET(rd, &r);
  struct timespec ts = { 0, 1000 };
  n = pselect(rd + 1, &r, NULL, NULL, &ts, mask);
  printf("pselect=%d\n", n);
}

static void vectors(const char *dir)
{
  char path[4096];
  snprintf(path, sizeof path, "%s/pv.dat", dir);
  int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
  if (fd < 0)
    return;
  struct iovec w[2] = { { "hello ", 6 }, { "world", 5 } };
  ssize_t n = pwritev(fd, w, 2, 100);
  char a[4], b[16];
  struct iovec r[2] = { { a, sizeof a }, { b, sizeof b } };
  ssize_t m = preadv(fd, r, 2, 102);
  printf("file=%d pwritev=%zd preadv=%zd %.4s%.5s\n", fd, n, m, a, b);
  n = pwritev2(fd, w, 1, 0, RWF_DSYNC);
  m = preadv2(fd, r, 1, -1, 0);
  printf("pwritev2=%zd preadv2=%zd %.4s\n", n, m, a);
  close(fd);
}

int main(int argc, char **argv)
{
  int p[2];
  if (argc < 2 || pipe(p) != 0)
    return 2;
  printf("pipe=%d,%d\n", p[0], p[1]);
  if (write(p[1], "ping", 4) != 4)
    return 1;
  sigset_t mask;
  sigemptyset(&mask);
  sigaddset(&mask, SIGUSR1);
  polls(p[0], p[1], &mask);
  epolls(p[0], p[1], &mask);
  selects(p[0], p[1], &mask);
  vectors(argv[1]);
  return 0;
}
