/*
 * Argument marshaling in the agent: turns a call's argument words, CPU
 * context and target memory into a values blob (src/plan/values_format.h).
 *
 * Runs in the target on the hot path: no allocation, no stdio, no locks.
 * Every read of target memory is a safe read (ospy_os_read_memory): NULL,
 * unmapped and partially mapped memory become UNREADABLE nodes or a readable
 * prefix flagged CUT, never a fault. Output is bounded by `cap` (the whole
 * blob) and `value_cap` (bytes copied per buffer/string value; the rest is
 * counted, not copied). Each argument keeps room in `cap` for the ones after
 * it (a scalar, a pointer's address): a big value is cut, not the arguments
 * after it (marshal.c, entry).
 *
 * Argument words (ospy_marshal_call.args), as the interceptor extracts them:
 *   x86-64 SysV: args[0..5] = rdi, rsi, rdx, rcx, r8, r9; args[6+j] = stack
 *     word j (the word at rsp + 8 + 8j at entry). Float/double arguments come
 *     from ctx->xmm, in order.
 *   i386: register words first (fastcall: ecx, edx; thiscall: ecx, the
 *     implicit `this`, not a spec argument; regparm(N): eax, edx, ecx, the
 *     first N), then stack word j at args[nreg + j] (the word at esp + 4 + 4j
 *     at entry). int64/double take two stack words (regparm: an int64 two
 *     registers when two are left). A vtable method's `this` (is_method) is
 *     not a spec argument either: ecx under fastcall and thiscall, eax under
 *     regparm, else stack word 0.
 * Stack words beyond nargs are read safely from ctx->rsp/esp at enter.
 * A structure passed by value (a structure type without Ptr) is read where
 * plan/spec_abi.h says (x86-64: in registers by the classes of its
 * eightbytes, or copied to the stack; i386: on the stack) and recorded as
 * its fields; one returned by value from rax/rdx/xmm0/xmm1, or from the
 * caller's memory whose address the hidden first argument passed.
 */
#ifndef OSPY_AGENT_MARSHAL_H
#define OSPY_AGENT_MARSHAL_H

#include <stddef.h>
#include <stdint.h>

#include "plan/spec.h"

typedef struct ospy_marshal_call {
  const void *ctx;          /* ospy_cpu_context * (src/arch/x86/cpu_context.h) */
  const uint64_t *args;     /* argument words, see above */
  unsigned nargs;
  uint64_t retval;          /* leave only: the return register; ospy_marshal_leave
                               leaves the typed value here (a float's bits, an
                               i386 Int64's edx:eax) */
  int err;                  /* errno at leave */
  uint64_t tid;
  void *state;              /* per-invocation scratch kept from enter to leave */
  size_t state_size;        /* >= OSPY_MARSHAL_STATE_SIZE to keep the argument
                               values of enter for leave */
  int short_of_room;        /* out: the blob lacked room (`cap`) for something it
                               would have written (a value cut, an entry left
                               out); the value cap alone never sets it */
} ospy_marshal_call;

/* Scratch the caller keeps per invocation (argument values resolved at
   enter, and the copies of structures passed or returned in registers). */
#define OSPY_MARSHAL_STATE_SIZE (16 + 8 * OSPY_SPEC_MAX_ARGS + 8 * 16)

/* Compile the table's expressions for this process (malloc allowed: agent
   init). The table must describe the native architecture. 0 or -1 + err. */
int ospy_marshal_prepare(ospy_spec_table *t, char *err, size_t errcap);
/* Free what prepare compiled (before ospy_spec_table_free). */
void ospy_marshal_release(ospy_spec_table *t);

/* The in-values at enter / the out-values (and return value) at leave.
   Returns the number of bytes written to out (<= cap; 0 when cap < 8). */
size_t ospy_marshal_enter(const ospy_spec_fn *fn, ospy_marshal_call *c, uint8_t *out,
                          size_t cap, size_t value_cap);
size_t ospy_marshal_leave(const ospy_spec_fn *fn, ospy_marshal_call *c, uint8_t *out,
                          size_t cap, size_t value_cap);
/* The state of a call (its enter's) moved by delta bytes with the memory
   holding it: the arguments that point into it (structures passed in
   registers, copied there) follow it. */
void ospy_marshal_state_moved(void *state, size_t state_size, intptr_t delta);
/* Function-level logCondition: 0 = drop the call. One that reads only what
 * the call entered with (ospy_sexpr_decided_at_entry: arguments, memory, no
 * return value, errno, register or out argument) is decided when the call
 * enters, with memory as it was then (the values the record shows):
 * ospy_marshal_should_log_at_entry, before anything of the call is taken
 * (a call it drops costs no more); 1 for the others. ospy_marshal_should_log
 * decides the others at leave, and is 1 for one decided at entry. */
int ospy_marshal_should_log_at_entry(const ospy_spec_fn *fn, ospy_marshal_call *c);
int ospy_marshal_should_log(const ospy_spec_fn *fn, ospy_marshal_call *c);
/* The same for a call that did not return (longjmp, an exception, the end of
 * the thread or process), from its entry state (c->state; no CPU context):
 * 1 for a condition decided at entry (it held there); the condition when
 * the arguments and memory decide it; one that reads the return value,
 * errno or a register cannot be decided, and the call is logged. */
int ospy_marshal_should_log_unreturned(const ospy_spec_fn *fn, ospy_marshal_call *c);
/* <returnValue errorCondition>: 1 = the call failed (0 without one, or when
   a read in it faults). Asked at leave; one that reads only what the call
   entered with was taken by ospy_marshal_enter, memory as it was then, and
   kept in the call's state (a caller without a state: taken at leave). */
int ospy_marshal_failed(const ospy_spec_fn *fn, ospy_marshal_call *c);
/* Tests only: 0 reads every field and element of a structure or an array
   on its own, as before windows (marshal.c); the blobs must not differ. */
void ospy_marshal_set_windows(int on);

#endif
