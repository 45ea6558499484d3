/*
 * The hook plan: the compact binary description of what to hook, built by the
 * controller and decoded (and validated) by the agent and by capture readers.
 *
 * Layout (little-endian; docs/capture-format.md, "Plan"):
 *   "OSPYPLAN" u32 version u32 arch_bits u32 options u32 value_cap
 *   u32 backtrace_depth u32 flags u32 nhooks u32 spec_len
 *   nhooks x hook, spec_len bytes of spec table (opaque here).
 *   hook: u32 kind u32 spec_index u32 flags u32 function_at u64 offset i64 sig_offset
 *         str module, str symbol, str process, str display, blob sig, blob mask
 *   str/blob: u32 length + bytes (strings without NUL).
 */
#ifndef OSPY_PLAN_PLAN_H
#define OSPY_PLAN_PLAN_H

#include <stddef.h>
#include <stdint.h>

#define OSPY_PLAN_MAGIC "OSPYPLAN"
#define OSPY_PLAN_VERSION 1u
#define OSPY_PLAN_NO_SPEC UINT32_MAX
#define OSPY_PLAN_DEFAULT_VALUE_CAP 65536u
#define OSPY_PLAN_MAX_HOOKS 65536u
#define OSPY_PLAN_MAX_BACKTRACE 64u
/* The return addresses a call records when asked without a depth: a bare
 * `ospy capture --backtrace`, a config's backtrace="true" */
#define OSPY_PLAN_DEFAULT_BACKTRACE 16u

typedef enum ospy_hook_kind {
  OSPY_HOOK_EXPORT = 1,    /* module + exported symbol */
  OSPY_HOOK_SYMTAB = 2,    /* module + .symtab symbol (not exported) */
  OSPY_HOOK_OFFSET = 3,    /* module + offset from its load base */
  OSPY_HOOK_SIGNATURE = 4, /* byte pattern (+mask) in a module's code */
  OSPY_HOOK_VTABLE = 5,    /* method of a vtable: spec = the method's function spec, offset =
                              its slot; vtable by symbol (_ZTV..) or constructor signature */
} ospy_hook_kind;

/* Plan options. */
#define OSPY_PLAN_OPT_LOSSY 0x1u

/* Per-hook flags. */
#define OSPY_HOOK_F_BACKTRACE 0x1u
#define OSPY_HOOK_F_LOG_NESTED 0x2u
#define OSPY_HOOK_F_NAMED 0x4u /* MODULE!FUNC named on the command line (-f): a module
                                  never loaded is an error at the end, not a note */
#define OSPY_HOOK_F_GLOB 0x8u  /* found by expanding a -f pattern against a module's
                                  functions: a refusal is a note, not an error */
#define OSPY_HOOK_F_CXX_NAME 0x10u /* symbol is a C++ name as nm -C prints it, found in
                                      no file before the program ran: the agent looks it
                                      up by the demangled names of the modules loaded
                                      later (src/plan/cxx_match.h) */
#define OSPY_HOOK_F_CONFIG 0x20u /* from a config given with -c (not a preset, whose
                                    modules are alternatives: libssl or libgnutls): a
                                    module never loaded is a warning at the end */
#define OSPY_HOOK_F_HIDES_NONE 0x40u /* a pending call of it hides no call made inside it
                                        (logNested): a -f function without a definition,
                                        whose spec was made from its C++ name, nests as
                                        one traced with raw words does (with
                                        OSPY_HOOK_F_LOG_NESTED: hidden by none either) */
#define OSPY_HOOK_F_SPARE 0x80u /* a copy of hook `offset` (a function by name in a module
                                   glob, libplug*.so!f), for another module the glob matches
                                   while that hook's is loaded: the agent hooks each such
                                   module under a hook of its own (its own HookName); never
                                   reported missing. OSPY_PLAN_GLOB_SPARES per hook */
#define OSPY_HOOK_F_PRESET 0x100u /* from a shipped preset, not named by the user (--preset, or
                                     a -f pattern's match in the catalogue): another name of
                                     its function hooked so too (open64 is open in x86-64
                                     glibc, as files.xml says) is hooked once without a word */
/* How many spare copies a hook by a module glob gets: the libraries one glob hooks at
 * once are 1 + this many (more are said, not hooked). */
#define OSPY_PLAN_GLOB_SPARES 3u

typedef struct ospy_plan_hook {
  uint32_t kind;       /* ospy_hook_kind */
  uint32_t spec_index; /* OSPY_PLAN_NO_SPEC: raw argument words */
  uint32_t flags;      /* OSPY_HOOK_F_* */
  uint32_t function_at; /* where the function's name begins in display when the planner
                           put the file it found the function in before it (module "",
                           display "my prog!f": 8); 0: display has no such file name */
  uint64_t offset;     /* OFFSET; OSPY_HOOK_F_SPARE: the index of the hook it copies */
  int64_t sig_offset;  /* SIGNATURE: added to the match address */
  const char *module;  /* file name or glob; "" = any module */
  const char *symbol;  /* EXPORT/SYMTAB */
  const char *process; /* process name glob; "" = every process */
  const char *display; /* "module!function" */
  const uint8_t *sig, *mask;
  uint32_t sig_len; /* mask has the same length, or is absent (len 0) */
  uint32_t mask_len;
} ospy_plan_hook;

typedef struct ospy_plan ospy_plan;

/* ---- decoding (agent and readers) ---- */
/* Validates everything; on error returns -1 and writes a message naming the
 * offending offset or value into err. *out is freed with ospy_plan_free. */
int ospy_plan_decode(const void *buf, size_t len, ospy_plan **out, char *err, size_t errcap);
void ospy_plan_free(ospy_plan *p);
uint32_t ospy_plan_arch_bits(const ospy_plan *p);
uint32_t ospy_plan_options(const ospy_plan *p);
uint32_t ospy_plan_value_cap(const ospy_plan *p);
uint32_t ospy_plan_backtrace_depth(const ospy_plan *p);
uint32_t ospy_plan_flags(const ospy_plan *p);
uint32_t ospy_plan_hook_count(const ospy_plan *p);
const ospy_plan_hook *ospy_plan_hook_at(const ospy_plan *p, uint32_t index);
const void *ospy_plan_spec_blob(const ospy_plan *p, size_t *len);
/* Frees the spec table's bytes once decoded elsewhere (the agent decodes
 * them once per start): ospy_plan_spec_blob gives NULL afterwards. */
void ospy_plan_drop_spec_blob(ospy_plan *p);
/* The function part of a hook's display name, past the module the plan
 * gave it: "parse" of "kv-*!parse", of "libc.so.6!parse" (a bare -f name
 * the controller found there, function_at) and of "parse". The text alone
 * cannot tell: a file name may hold any character ("my prog", "a!b"), a
 * C++ name a '!' (operator!=). */
const char *ospy_plan_hook_function(const ospy_plan_hook *h);
/* Readers: the hook's calls are shown as name (len bytes, no NUL) from now on
 * (a HookName record: the module the agent found the function in, then
 * '!' and ospy_plan_hook_function: function_at follows). Earlier
 * display strings stay valid until the plan is freed. 0, or -1 (bad index,
 * NUL inside, no memory). */
int ospy_plan_set_display(ospy_plan *p, uint32_t index, const char *name, size_t len);

/* ---- building (controller) ---- */
typedef struct ospy_plan_builder ospy_plan_builder;

ospy_plan_builder *ospy_plan_builder_new(uint32_t arch_bits);
void ospy_plan_builder_free(ospy_plan_builder *b);
void ospy_plan_builder_set_options(ospy_plan_builder *b, uint32_t options);
void ospy_plan_builder_set_value_cap(ospy_plan_builder *b, uint32_t cap);
void ospy_plan_builder_set_backtrace(ospy_plan_builder *b, uint32_t depth);
void ospy_plan_builder_set_flags(ospy_plan_builder *b, uint32_t flags);
/* Copies spec bytes (the config helper's encoded spec table). 0 or -1 (ENOMEM). */
int ospy_plan_builder_set_spec(ospy_plan_builder *b, const void *spec, size_t len);
/* Copies the hook and its strings/bytes. NULL strings count as "". 0 or -1. */
int ospy_plan_builder_add(ospy_plan_builder *b, const ospy_plan_hook *h);
/* Whether h, a function by name in a module glob (not "*", which stands for any
 * module: one definition), gets spare copies (OSPY_HOOK_F_SPARE). */
int ospy_plan_hook_wants_spares(const ospy_plan_hook *h);
/* Adds the OSPY_PLAN_GLOB_SPARES spare copies of h, the builder's hook index. 0 or -1. */
int ospy_plan_builder_add_spares(ospy_plan_builder *b, const ospy_plan_hook *h, uint32_t index);
uint32_t ospy_plan_builder_hook_count(const ospy_plan_builder *b);
/* Encodes into a malloc'ed buffer; returns NULL on allocation failure. */
void *ospy_plan_builder_encode(const ospy_plan_builder *b, size_t *len);

#endif
