/* Helpers of streams.c: arguments of a decoded call by name, integers,
 * byte buffers and socket addresses out of ospy_xvalue trees. */
#ifndef OSPY_EXPORT_STREAMS_VALUES_H
#define OSPY_EXPORT_STREAMS_VALUES_H

#include <stddef.h>
#include <stdint.h>

#include "export/export_event.h"
#include "export/streams.h"

/* The argument `name` among the out-values (out = 1) or the in-values. */
const ospy_xvalue *ospy_sv_arg(const ospy_xevent *ev, const char *name, int out);
/* The value's number (its text; a Pointer's address); 0 if none. */
int ospy_sv_int(const ospy_xvalue *v, int64_t *out);
/* The pointee of a pointer (ospy_xvalue_is_pointer: "Pointer", or oSpy's
 * "XPtr" of a structure X), through pointers to pointers (the value itself
 * when it is none). */
const ospy_xvalue *ospy_sv_deref(const ospy_xvalue *v);
/* The field `name` of the structure v (or v points to); NULL if none. */
const ospy_xvalue *ospy_sv_field(const ospy_xvalue *v, const char *name);
/* An address family given by its name (AF_INET, AF_LOCAL...) or its number;
 * 0 if none. */
int ospy_sv_family(const ospy_xvalue *v);
/* A struct sockaddr held in v (a pointer to its bytes); 0 if none. */
int ospy_sv_sockaddr(const ospy_xvalue *v, ospy_endpoint *e);
/* The socket address a call's in-values (out = 0) or out-values hold: the
 * first argument that is one by its value (ospy's sockaddr bytes, or a
 * structure with an address family field, behind pointers of any type),
 * whatever its name or place (oSpy's Winsock specs name connect's `name`,
 * sendto's `to`, WSASendTo's `lpTo`); else the argument `name` (NULL:
 * none) read as a socket address's bytes (a config that declared it a
 * plain buffer). 0 when there is none. */
int ospy_sv_sockaddr_arg(const ospy_xevent *ev, int out, const char *name, ospy_endpoint *e);

/* A growing buffer for the bytes of one call. */
typedef struct ospy_sv_buf {
  uint8_t *p;
  size_t n, cap;
  int failed;
} ospy_sv_buf;

/* Appends, in order, every byte array under v except those below fields
 * named msg_name or msg_control (the data of buf, iov and msg arguments). */
void ospy_sv_gather(const ospy_xvalue *v, ospy_sv_buf *b);

#endif
