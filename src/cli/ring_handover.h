/*
 * -F: the event ring handed to a followed program that lost its descriptor
 * and cannot reopen it through ospy's /proc/PID/fd (it runs as another
 * user: a program that dropped privileges, then closed every inherited
 * descriptor before an exec). Such a program's agent connects to an
 * abstract unix socket named after ospy's pid (OSPY_RING_HANDOVER_SOCK);
 * ospy sends the ring (SCM_RIGHTS) to a peer that descends from the
 * program ospy started (or from the attached process), as the kernel names
 * it (SO_PEERCRED, and SO_PEERPIDFD where the kernel has it, so that a pid
 * reused meanwhile is not taken for the peer), and to nobody else: the
 * same processes that hold the ring by inheritance when they do not close
 * it. The agent takes the ring only from ospy's pid, running as root or as
 * its own user.
 */
#ifndef OSPY_CLI_RING_HANDOVER_H
#define OSPY_CLI_RING_HANDOVER_H

#include <pthread.h>
#include <sys/types.h>

typedef struct ospy_ring_handover {
  int listen_fd; /* -1: not serving */
  int ring_fd;
  pid_t ancestor; /* peers must be it or descend from it */
  pthread_t thread;
} ospy_ring_handover;

/* Listens and serves from a thread of its own; 0, or -1 (said on stderr:
 * the capture goes on without it). */
int ospy_ring_handover_start(ospy_ring_handover *h, int ring_fd, pid_t ancestor);
void ospy_ring_handover_stop(ospy_ring_handover *h);

/* Sends descriptor fd over the connected unix socket sock, with one byte:
 * 0, or -1. */
int ospy_send_fd(int sock, int fd);

#endif
