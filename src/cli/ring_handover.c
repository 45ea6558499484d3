/* The event ring handed to a followed program that lost it; see ring_handover.h. */
#include "cli/ring_handover.h"

#include <errno.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#include "capture/ring.h"

#ifndef SO_PEERPIDFD
#define SO_PEERPIDFD 77 /* Linux 6.5 */
#endif

int ospy_send_fd(int sock, int fd)
{
  char byte = 1;
  union { char buf[CMSG_SPACE(sizeof(int))]; struct cmsghdr align; } u;
  memset(&u, 0, sizeof u);
  struct iovec iov = { &byte, 1 };
  struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
                        .msg_controllen = sizeof u.buf };
  struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
  cm->cmsg_level = SOL_SOCKET;
  cm->cmsg_type = SCM_RIGHTS;
  cm->cmsg_len = CMSG_LEN(sizeof(int));
  memcpy(CMSG_DATA(cm), &fd, sizeof(int));
  return sendmsg(sock, &msg, MSG_NOSIGNAL) == 1 ? 0 : -1;
}

/* The parent of process pid (field 4 of /proc/PID/stat), or -1. */
static pid_t parent_of(pid_t pid)
{
  char path[48], buf[1024];
  snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
  FILE *f = fopen(path, "re");
  if (!f)
    return -1;
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  fclose(f);
  buf[n] = 0;
  const char *p = strrchr(buf, ')'); /* the name may hold spaces and parentheses */
  int ppid;
  return p && sscanf(p + 1, " %*c %d", &ppid) == 1 ? ppid : -1;
}

static int descends(pid_t pid, pid_t ancestor)
{
  for (int depth = 0; depth < 4096 && pid > 0; depth++) {
    if (pid == ancestor)
      return 1;
    pid = parent_of(pid);
  }
  return 0;
}

/* Whether the process behind pidfd still lives (signal 0: EPERM says it
 * exists too). */
static int pidfd_alive(int pidfd)
{
  return syscall(SYS_pidfd_send_signal, pidfd, 0, NULL, 0) == 0 || errno == EPERM;
}

/* Whether the peer of connected socket c is a process of the capture. With
 * its pidfd, it is known to be alive after the walk up its parents, so its
 * pid was not reused by another process meanwhile. */
static int peer_of_capture(int c, pid_t ancestor)
{
  struct ucred cred;
  socklen_t len = sizeof cred;
  if (getsockopt(c, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0 || cred.pid <= 0)
    return 0;
  int pidfd = -1;
  len = sizeof pidfd;
  if (getsockopt(c, SOL_SOCKET, SO_PEERPIDFD, &pidfd, &len) < 0)
    pidfd = -1; /* (an older kernel) */
  int ok = descends(cred.pid, ancestor) && (pidfd < 0 || pidfd_alive(pidfd));
  if (pidfd >= 0)
    close(pidfd);
  return ok;
}

static void *serve(void *arg)
{
  ospy_ring_handover *h = arg;
  for (;;) {
    int c = accept4(h->listen_fd, NULL, NULL, SOCK_CLOEXEC);
    if (c < 0) {
      if (errno == EINTR || errno == ECONNABORTED)
        continue;
      return NULL; /* shut down (ospy_ring_handover_stop) */
    }
    if (peer_of_capture(c, h->ancestor))
      (void)ospy_send_fd(c, h->ring_fd); /* (the agent says nothing back: it maps what it got) */
    close(c);
  }
}

static int listen_on_name(void)
{
  struct sockaddr_un sa = { .sun_family = AF_UNIX };
  char name[64];
  int n = snprintf(name, sizeof name, "%s%d", OSPY_RING_HANDOVER_SOCK, (int)getpid());
  memcpy(sa.sun_path + 1, name, (size_t)n);
  socklen_t len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + (size_t)n);
  int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (s < 0)
    return -1;
  if (bind(s, (struct sockaddr *)&sa, len) < 0 || listen(s, 16) < 0) {
    int e = errno;
    close(s);
    errno = e;
    return -1;
  }
  return s;
}

int ospy_ring_handover_start(ospy_ring_handover *h, int ring_fd, pid_t ancestor)
{
  h->listen_fd = listen_on_name();
  h->ring_fd = ring_fd;
  h->ancestor = ancestor;
  if (h->listen_fd < 0) {
    fprintf(stderr, "ospy capture: warning: cannot listen for followed programs that lose the "
            "event ring (%s): such a program running as another user is not recorded\n",
            strerror(errno));
    return -1;
  }
  /* the controller's signals (Ctrl-C, SIGTERM) are for its main thread */
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  int rc = pthread_create(&h->thread, NULL, serve, h);
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  if (rc != 0) {
    close(h->listen_fd);
    h->listen_fd = -1;
    fprintf(stderr, "ospy capture: warning: cannot start the thread that hands the event ring "
            "to followed programs that lost it: %s\n", strerror(rc));
    return -1;
  }
  return 0;
}

void ospy_ring_handover_stop(ospy_ring_handover *h)
{
  if (h->listen_fd < 0)
    return;
  shutdown(h->listen_fd, SHUT_RDWR); /* accept returns: the thread ends */
  pthread_join(h->thread, NULL);
  close(h->listen_fd);
  h->listen_fd = -1;
}
