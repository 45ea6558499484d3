/* Internals shared by the marshal*.c files (agent side, no allocation). */
#ifndef OSPY_AGENT_MARSHAL_INTERNAL_H
#define OSPY_AGENT_MARSHAL_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "agent/marshal.h"

/* A bounded blob writer. Once a write does not fit, `full` is set and every
   later write is dropped; callers roll back to a saved length. */
typedef struct ospy_mw {
  uint8_t *p;
  size_t len, cap;
  int full;
} ospy_mw;

void ospy_mw_u8(ospy_mw *w, uint8_t v);
void ospy_mw_uleb(ospy_mw *w, uint64_t v);
void ospy_mw_sleb(ospy_mw *w, int64_t v);
void ospy_mw_bytes(ospy_mw *w, const void *src, size_t n);
size_t ospy_mw_room(const ospy_mw *w);

/* Safe read of target memory: bytes read (a prefix of n). */
size_t ospy_marshal_read(uint64_t addr, void *buf, size_t n);

/* Resolve the value of every spec argument from the call's words and
   context (x86-64 SysV or the i386 conventions). Returns fn->nargs. */
unsigned ospy_marshal_args(const ospy_spec_fn *fn, const ospy_marshal_call *c, uint64_t *vals);

#endif
