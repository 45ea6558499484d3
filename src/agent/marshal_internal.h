/* Internals shared by the marshal*.c files (agent side, no allocation). */
#ifndef OSPY_AGENT_MARSHAL_INTERNAL_H
#define OSPY_AGENT_MARSHAL_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "agent/marshal.h"
#include "plan/leb128.h"

/* A bounded blob writer. Once a write does not fit, `full` is set and every
   later write is dropped; callers roll back to a saved length. `short_cap`
   stays set once anything was cut or dropped for want of room (not for the
   value cap): a caller that gave less room than it may (inline.c, a small
   frame area) makes room and writes the blob again. */
typedef struct ospy_mw {
  uint8_t *p;
  size_t len, cap;
  int full;
  int short_cap;
} ospy_mw;

void ospy_mw_uleb_slow(ospy_mw *w, uint64_t v);
size_t ospy_mw_room(const ospy_mw *w);

/* The writes every value makes (a tag byte, a LEB128 length or integer, a
 * header of constant size) are inline and store bytes themselves: each was a
 * call to libc's memcpy, and a decoded call of two ints cost ~3x a raw one. */
static inline void ospy_mw_bytes(ospy_mw *w, const void *src, size_t n)
{
  if (w->full || w->cap - w->len < n) {
    w->full = w->short_cap = 1;
    return;
  }
  memcpy(w->p + w->len, src, n);
  w->len += n;
}

static inline void ospy_mw_u8(ospy_mw *w, uint8_t v)
{
  if (w->full || w->len >= w->cap) {
    w->full = w->short_cap = 1;
    return;
  }
  w->p[w->len++] = v;
}

static inline void ospy_mw_uleb(ospy_mw *w, uint64_t v)
{
  if (w->full || w->cap - w->len < OSPY_LEB128_MAX) {
    ospy_mw_uleb_slow(w, v);
    return;
  }
  w->len += ospy_leb128_put(w->p + w->len, v);
}

static inline void ospy_mw_sleb(ospy_mw *w, int64_t v)
{
  ospy_mw_uleb(w, ospy_zigzag(v)); /* small negative numbers stay short */
}

/* Safe read of target memory: bytes read (a prefix of n). */
size_t ospy_marshal_read(uint64_t addr, void *buf, size_t n);

/* Resolve the value of every spec argument from the call's words and
   context (x86-64 SysV or the i386 conventions: plan/spec_abi.h). A
   structure passed by value is its address: its copy in the stack argument
   area, or for one passed in registers (x86-64) the copy of its eightbytes
   made in regcopy (OSPY_MARSHAL_REGCOPY_WORDS; kept with the call's state,
   so that it lasts until the call returns); 0 when not known (no CPU
   context). Returns fn->nargs. */
#define OSPY_MARSHAL_REGCOPY_WORDS 14 /* 6 general + 8 xmm registers */
unsigned ospy_marshal_args(const ospy_spec_fn *fn, const ospy_marshal_call *c, uint64_t *vals,
                           uint64_t *regcopy);
/* A structure fn returns by value, at leave: its address, the caller's
   memory (rax/eax, raw) or, returned in registers, the copy of its
   eightbytes made in copy[2]; 0 when not known. */
uint64_t ospy_marshal_struct_return(const ospy_spec_fn *fn, const void *cpu, uint64_t raw,
                                    uint64_t *copy);

/* Variadic arguments of a printf-like function: either the ones following
   the fixed arguments of the call, or those of a va_list. */
typedef struct ospy_va {
  const ospy_marshal_call *c;
  int from_va_list;
  unsigned gp, sse, stack;     /* call: next register / stack slot */
  uint32_t gp_offset, fp_offset; /* x86-64 va_list */
  uint64_t overflow, reg_save;  /* x86-64 va_list; i386: overflow is the va_list */
  int fault;                    /* a value's slot (or the va_list) could not be read: */
  uint64_t fault_addr;          /* the first such address; nothing is read after it */
  int no_values;                /* the convention leaves the values unknown */
} ospy_va;

void ospy_marshal_va_start(ospy_va *va, const ospy_spec_fn *fn, const ospy_marshal_call *c);
/* va_list: the value of a VaList argument. An unreadable one (x86-64: its
   structure) is a fault at its address, seen when the first value is read. */
void ospy_marshal_va_from_list(ospy_va *va, const ospy_marshal_call *c, uint64_t va_list);
/* The next value, as wide as asked (an int's or a pointer's slot, a double).
   After a fault: 0, and va->fault says the value is not known. */
uint64_t ospy_marshal_va_int(ospy_va *va, unsigned width);
uint64_t ospy_marshal_va_double(ospy_va *va);
/* A long double (%Lf), as a double's bits. */
uint64_t ospy_marshal_va_long_double(ospy_va *va);

#endif
