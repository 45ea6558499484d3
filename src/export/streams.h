/* Rebuilds the data a program sent and received into conversations, one per
 * socket, file descriptor or TLS session (`ospy streams`, the pcapng
 * export), as Wireshark's Follow Stream shows them.
 *
 * It works on decoded calls (ospy_xevent) by function and argument names,
 * as the shipped presets (configs/net.xml, files.xml, tls.xml) describe them:
 * - data: send, sendto, sendmsg (__sendmsg64), write, writev, pwrite* and
 *   SSL_write(_ex) out; recv, recvfrom, recvmsg (__recvmsg64), read, readv,
 *   pread* (and their __*_chk forms), SSL_read(_ex) in. The byte count is the return value
 *   (SSL_*_ex: *readbytes / *written); the bytes are the buffer argument
 *   (buf, the iovecs of iov or msg), in-data from the out-value recorded at
 *   return. Bytes the capture did not keep (value cap) are counted, not
 *   invented: the data callback gets count > nbytes. A receive with
 *   MSG_TRUNC counts at most its buffers' room (its return value is the
 *   datagram's length), and on TCP nothing (the data was discarded).
 * - keys: (pid, fd) for sockets and descriptors, (pid, SSL*) for TLS.
 * - lifecycle: socket, socketpair, accept(4), open(at)(64), creat and a
 *   descriptor first seen in a data call start a conversation on that fd
 *   (the latter with the kind and addresses its name says, fd_name below,
 *   when that names a socket: a forked child's copy of its parent's);
 *   close (and SSL_free) ends it, so a descriptor closed and reused starts a
 *   new one. dup, dup2, dup3 and fcntl's F_DUPFD(_CLOEXEC) make another
 *   descriptor of the same open file: the copy refers to its original's
 *   conversation (data through either belongs to it; a conversation is
 *   started for an original no call named yet); dup2/dup3 onto an open
 *   descriptor first let go of what it referred to, as close does. A
 *   conversation ends when the last descriptor referring to it is let go
 *   of. Addresses come from connect, bind, accept, getsockname,
 *   getpeername, sendto, recvfrom and msg_name; a TLS session takes its
 *   addresses from the socket given to SSL_set_fd.
 * Conversations are numbered 1, 2, ... in the order their first data came;
 * sockets that never carried data get no number and no callback.
 * What the capture says it lacks is counted (ospy_streams_gaps): Lost
 * records (events dropped while capturing: the data call after one, in each
 * conversation of that process, comes with after_gap set), and the Info an
 * agent writes for calls its logNested="false" left out, when they are
 * calls this reads (a write inside fclose). Nothing is made up for them.
 * Memory: a few hundred bytes per conversation and per open descriptor,
 * plus one call's data. */
#ifndef OSPY_EXPORT_STREAMS_H
#define OSPY_EXPORT_STREAMS_H

#include <stddef.h>
#include <stdint.h>

#include "export/export_event.h"

typedef enum ospy_conv_kind {
  OSPY_CONV_FD,     /* a descriptor not known to be a socket */
  OSPY_CONV_FILE,   /* opened by path */
  OSPY_CONV_SOCKET, /* a socket of unknown type */
  OSPY_CONV_TCP,
  OSPY_CONV_UDP,
  OSPY_CONV_UNIX,
  OSPY_CONV_TLS,    /* plaintext of SSL_read/SSL_write */
} ospy_conv_kind;

typedef struct ospy_endpoint {
  int family;        /* 0 unknown, AF_INET, AF_INET6, AF_UNIX */
  uint8_t addr[16];  /* network order */
  uint16_t port;
  char path[108];    /* AF_UNIX; "@name" for the abstract namespace */
} ospy_endpoint;

typedef struct ospy_conv {
  uint32_t id;       /* 1, 2, ... in the order of first data; 0: none yet */
  uint32_t pid;
  int64_t fd;        /* the descriptor of its first data (dup's copies share a
                        conversation: the data callback says which one each call
                        used); TLS: its socket's, -1 unknown (before SSL_set_fd) */
  uint64_t ssl;      /* TLS: the SSL* */
  ospy_conv_kind kind;
  int domain;        /* AF_INET, AF_INET6, AF_UNIX when known, else 0 */
  ospy_conv_kind sock_kind; /* TLS: the kind of its socket (from SSL_set_fd) */
  int initiated;     /* 1: connect()ed, 0: accept()ed, -1: unknown */
  ospy_endpoint local, remote;
  char name[256];    /* file path */
  uint64_t bytes[2];    /* [OSPY_STREAM_OUT], [OSPY_STREAM_IN]: as returned (MSG_TRUNC:
                           what the buffers held) */
  uint64_t captured[2]; /* of which recorded */
  uint64_t calls[2];
  int64_t first_ns, last_ns;
  int closed;
  unsigned nfds;     /* descriptors that refer to it now (not TLS) */
  int gap_pending;   /* events were lost since its last data */
} ospy_conv;

enum { OSPY_STREAM_OUT = 0, OSPY_STREAM_IN = 1 };

typedef struct ospy_stream_data {
  int dir;                    /* OSPY_STREAM_OUT: the program sent it */
  const uint8_t *bytes;       /* the recorded bytes */
  size_t nbytes;
  uint64_t count;             /* bytes the call moved (>= nbytes) */
  int64_t ts_ns;
  const char *func;           /* "send" */
  const ospy_endpoint *peer;  /* sendto/recvfrom/msg_name address, or NULL */
  int64_t fd;                 /* the descriptor the call used (TLS: its socket's) */
  int after_gap;              /* events of this process were lost since the
                                 conversation's previous data (or, for its first,
                                 while it was open): data may be missing before */
} ospy_stream_data;

/* What descriptor fd of process pid refers to now, or NULL (below). */
typedef const char *(*ospy_fd_name_fn)(void *user, uint32_t pid, int64_t fd);

typedef struct ospy_streams_cb {
  void (*data)(void *user, const ospy_conv *c, const ospy_stream_data *d);
  /* A conversation that had data ended (close, or the end of the capture). */
  void (*close)(void *user, const ospy_conv *c, int64_t ts_ns);
  void *user;
  /* Optional: what a descriptor refers to now (the capture's FdName
   * records, as show names it), or NULL; names a file or descriptor
   * conversation no open() named at its first data (a program's stdout),
   * and gives a socket no recorded call made its kind and addresses. */
  ospy_fd_name_fn fd_name;
} ospy_streams_cb;

typedef struct ospy_streams ospy_streams;

ospy_streams *ospy_streams_new(const ospy_streams_cb *cb);
/* 0, or -1 when out of memory. Events other than calls are ignored. */
int ospy_streams_feed(ospy_streams *s, const ospy_xevent *ev);
/* Ends the conversations still open (close callbacks). */
void ospy_streams_finish(ospy_streams *s);
/* What the events fed said the capture lacks. */
typedef struct ospy_streams_gaps {
  uint64_t lost_events;   /* the counts of Lost records */
  uint64_t lost_records;  /* Lost records, counted or not (an imported one may lack
                             its count) */
  uint64_t nested_calls;  /* calls of functions read here that logNested="false" left
                             out (agents' Info records) */
  char nested_fns[160];   /* their functions, "libc.so.6::write, ..." (cut with "...") */
} ospy_streams_gaps;
void ospy_streams_get_gaps(const ospy_streams *s, ospy_streams_gaps *g);
/* Warns on stderr, each line prefixed by cmd ("ospy streams"), that the
 * streams may miss data, when g counts anything. */
void ospy_streams_say_gaps(const char *cmd, const ospy_streams_gaps *g);
/* Conversations that had data, by id (1..count). */
size_t ospy_streams_count(const ospy_streams *s);
const ospy_conv *ospy_streams_get(const ospy_streams *s, uint32_t id);
void ospy_streams_free(ospy_streams *s);

/* "tcp", "udp", "unix", "tls", "file", "fd", "socket". */
const char *ospy_conv_kind_name(ospy_conv_kind k);
/* "127.0.0.1:80", "[::1]:443", "/run/x.sock", or "?" when unknown. */
void ospy_endpoint_text(const ospy_endpoint *e, char *out, size_t cap);

#endif
