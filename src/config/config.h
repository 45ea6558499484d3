/*
 * oSpy-compatible config.xml (docs/config.md) -> validated spec table + hooks.
 * Controller only (libxml2). Every problem is reported as one diagnostic
 * "FILE:LINE:COLUMN: error: MESSAGE"; loading fails if there was any error.
 */
#ifndef OSPY_CONFIG_CONFIG_H
#define OSPY_CONFIG_CONFIG_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "plan/plan.h"
#include "plan/spec.h"

/* One diagnostic: its text ("FILE:LINE:COL: error: ...") and where it points,
 * for printing in source order. */
typedef struct ospy_diag_msg {
  char *text;
  unsigned line, col;
  unsigned seq;    /* order of discovery: ties at one position keep it */
  int is_warning;
} ospy_diag_msg;

/* Collected diagnostics, in source order of discovery. */
typedef struct ospy_diag {
  ospy_diag_msg *msgs;
  size_t n, cap;
  unsigned errors;
  unsigned warnings; /* kept with the errors, printed in source order; no failure */
} ospy_diag;

void ospy_diag_init(ospy_diag *d);
void ospy_diag_free(ospy_diag *d);
void ospy_diag_error(ospy_diag *d, const char *file, unsigned line, unsigned col,
                     const char *fmt, ...) __attribute__((format(printf, 5, 6)));
void ospy_diag_warning(ospy_diag *d, const char *file, unsigned line, unsigned col,
                       const char *fmt, ...) __attribute__((format(printf, 5, 6)));
void ospy_diag_print(const ospy_diag *d, FILE *out);
/* The errors only, in source order (`ospy check -q`). */
void ospy_diag_print_errors(const ospy_diag *d, FILE *out);

/* A hook of the config: a plan hook plus where it came from. Strings and
   bytes are owned by the config. For OSPY_HOOK_VTABLE, spec_index is the
   index of the vtable spec (ospy_spec_table.vtables), symbol the
   vtableSymbol (may be ""), sig/mask the constructor signature. Signature
   masks: 0xff = byte must match, 0x00 = wildcard (`xx`). */
typedef struct ospy_config_hook {
  ospy_plan_hook h;
  unsigned line, col; /* where its element starts in the file (0: made by the capture) */
} ospy_config_hook;

typedef struct ospy_config {
  const char *path;
  unsigned arch_bits;        /* 64 or 32: the target the spec table describes */
  ospy_spec_table *specs;
  ospy_config_hook *hooks;
  size_t nhooks;
} ospy_config;

/* The largest config file read (64 MiB; docs/config.md): a bigger one, or a
   device that never ends (/dev/zero), is an error, not read whole. */
#define OSPY_CONFIG_MAX_BYTES (64u << 20)

/* Parse and validate. arch_bits is 64 (x86-64) or 32 (i386): it decides the
   pointer width and which register names expressions may use. Returns 0 and
   *out, or -1 with the problems in diag. */
int ospy_config_load(const char *path, unsigned arch_bits, ospy_config **out, ospy_diag *diag);
/* The same from memory; `name` is used in diagnostics. */
int ospy_config_load_buffer(const char *name, const char *buf, size_t len, unsigned arch_bits,
                            ospy_config **out, ospy_diag *diag);
void ospy_config_free(ospy_config *c);

/* Load a config and fill a plan builder: its hooks and the encoded spec
   table. The builder's arch_bits must equal arch_bits. 0 or -1 (diag). */
int ospy_config_load_plan(const char *path, unsigned arch_bits, ospy_plan_builder *b,
                          ospy_diag *diag);
/* Fill a builder from an already loaded config. 0 or -1 (ENOMEM). */
int ospy_config_to_plan(const ospy_config *c, ospy_plan_builder *b);

/* Configs put together (config_merge.c). An empty config named `name`. */
ospy_config *ospy_config_new(const char *name, unsigned arch_bits);
/* Appends src's hook `index` to dst with the spec it uses (function or
   vtable) and the types that spec needs. A function or vtable spec whose name
   dst already has is dst's; a type dst has under the same name is shared when
   it is the same, else added as "NAME@FILE". module: the hook's module glob
   instead of src's (display follows), or NULL. Both configs must be for the
   same architecture. 0, or -1 (out of memory, bad index). */
int ospy_config_import_hook(ospy_config *dst, const ospy_config *src, size_t index,
                            const char *module);

/* The resolved plan, human-readable (`ospy check`). */
void ospy_config_print(const ospy_config *c, FILE *out);

#endif
