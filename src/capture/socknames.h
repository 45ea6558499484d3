/*
 * Names for socket descriptors, in the form strace -yy gives them
 * (TCP:[127.0.0.1:45678->127.0.0.1:8000]), built only from what the hooked
 * calls themselves said: the domain and type socket() was given, the address
 * bind() or connect() took, the peer accept() returned, what getsockname()
 * and getpeername() answered. Nothing is read from /proc, so a number reused
 * by a later socket is never named after the earlier one. Controller only,
 * part of capture/fdtrack.h.
 */
#ifndef OSPY_CAPTURE_SOCKNAMES_H
#define OSPY_CAPTURE_SOCKNAMES_H

#include <stddef.h>
#include <stdint.h>

#include "capture/fdtrack.h"

/* A socket's protocol, local and peer address as text ("" when unknown). */
typedef struct ospy_sockname {
  char proto[16];
  char local[112];
  char peer[112];
} ospy_sockname;

/* The descriptor name of a socket: "TCP", "UDP:[0.0.0.0:53]",
   "TCP:[->127.0.0.1:80]", "UNIX-STREAM:[/run/x.sock]". */
void ospy_sockname_text(const ospy_sockname *s, char *out, size_t cap);
/* "127.0.0.1:80", "[::1]:443", "/run/x.sock", "@abstract"; "" for an address
   that names nothing (an unnamed AF_UNIX socket, AF_UNSPEC, too short). */
void ospy_sockaddr_endpoint(const uint8_t *sa, size_t n, char *out, size_t cap);
/* "TCP", "UDPv6", "UNIX-DGRAM", "NETLINK"... for socket(domain, type). */
const char *ospy_socket_proto(int domain, int type);

/* Whether fn_name is one of the functions below. */
int ospy_socknames_handles(const char *fn_name);
/* Handles a call of socket, socketpair, bind, connect, accept, accept4,
   getsockname or getpeername: names the descriptors it made or addressed.
   Returns 1 when fn is one of them, 0 otherwise. */
int ospy_socknames_on_call(ospy_fdtrack *t, const ospy_event_call *c, const ospy_spec_fn *fn,
                           ospy_fdtrack_emit emit, void *ctx);

#endif
