/*
 * The functions exported by the loaded libc.so.6, and hooking all of them:
 * shared by test_libc_all.c (in-process) and hookall_preload.c (LD_PRELOAD
 * into real programs). No stdio, no exit: the preload library must not
 * change a program's output.
 */
#ifndef OSPY_TEST_INTERCEPTOR_LIBC_EXPORTS_H
#define OSPY_TEST_INTERCEPTOR_LIBC_EXPORTS_H

#include <stdbool.h>
#include <stddef.h>

#include "interceptor/interceptor.h"

#define LIBC_EXPORTS_MAX 8192

typedef struct libc_export {
  void *addr;       /* dlsym's answer: an IFUNC's selected implementation */
  const char *name; /* in libc's dynamic string table */
  ospy_interceptor_status status; /* set by libc_hook_all */
} libc_export;

/* Every defined STT_FUNC / STT_GNU_IFUNC symbol of the loaded libc.so.6, one
 * entry per distinct address (aliases dropped). Returns how many were stored
 * in out (at most max), or -1 when libc or its dynamic table is not found. */
int libc_exports_collect(libc_export *out, unsigned max);

/* Functions that return twice or switch stacks (setjmp family, getcontext,
 * vfork): on_enter only, a return-address hook cannot follow them (see
 * interceptor.h). */
bool libc_export_enter_only(const char *name);

#define LIBC_HOOK_REASONS (OSPY_INTERCEPTOR_BAD_ARGUMENT + 1)

typedef struct libc_hook_result {
  unsigned functions, hooked, refused;
  unsigned by_reason[LIBC_HOOK_REASONS];          /* refusals per status */
  const char *example[LIBC_HOOK_REASONS];         /* first refused function per status */
  char example_why[LIBC_HOOK_REASONS][sizeof(((ospy_interceptor_error *)0)->why)]; /* and its reason */
  ospy_interceptor_status commit;                 /* end_transaction's result */
} libc_hook_result;

/* Attaches on_enter and on_leave (on_enter only for libc_export_enter_only)
 * to each of funcs[0..n) in one transaction, notes each one's status and
 * counts the refusals. */
void libc_hook_all(libc_export *funcs, unsigned n, ospy_hook_fn on_enter,
                   ospy_hook_fn on_leave, libc_hook_result *r);

/* "hooked N of F, refused M by reason: "too short": k (e.g. NAME), ..." into
 * buf (always terminated). */
void libc_hook_summary(const libc_hook_result *r, char *buf, size_t cap);
/* "refused: NAME (REASON), ..." for every function libc_hook_all could not hook. */
void libc_hook_refused_list(const libc_export *funcs, unsigned n, char *buf, size_t cap);

#endif
