/* Inline hook backend (interceptor) and hook target resolution. */
#ifndef OSPY_AGENT_INLINE_H
#define OSPY_AGENT_INLINE_H

#include <stddef.h>
#include <stdint.h>

#include "plan/plan.h"

/* Builds the hook table from the plan (agent init; may allocate). */
int ospy_inline_init(void);
/* Attaches every hook whose target is resolvable and not yet attached, in one
 * transaction; failures become Error events. */
void ospy_inline_attach_pending(void);
/* Hooks not found at start: a Warning each (an Error when they cannot
 * appear later), or one Info per library not loaded yet. */
void ospy_inline_report_missing(void);
/* After a dlopen: a Warning for each hook still pending whose module (a
 * name or glob, not "*") matches a module that just appeared, which lacks
 * the function: once per hook and file. */
void ospy_inline_report_lacking(void);
/* At the program's end: an Error for what was never found. */
void ospy_inline_report_never_found(void);
/* When this process ends or is detached from (and, inside inline.c, when
 * it execs): an Info (shown in the live view) per function some of whose
 * calls its logNested="false" left out, with how many; the counts start
 * again from 0. In a signal handler a function a pattern found keeps the
 * plan's name (no dl_iterate_phdr). Nothing in a vfork child or an
 * inactive agent. */
void ospy_inline_report_nested_hidden(int in_signal_handler);
/* At the process's end: a Warning when other threads were inside ospy's
 * hook code (their call in progress may be missing: it was not said). */
void ospy_inline_report_busy_at_end(void);
/* In a fork child: the counts so far are its parent's, said by it. */
void ospy_inline_forget_nested_hidden(void);
void ospy_inline_detach_all(void);
/* In a fork child: the lock of module events, which a thread of the parent
 * may have held, is free (that thread is not in the child). */
void ospy_inline_after_fork(void);
/* In a clone child of its own memory (ospy_interceptor_after_clone_child):
 * as after fork, and the frames of the parent's pending calls are free. */
void ospy_inline_after_clone_child(void);
/* Tests only (OSPY_TEST_STALL_RECORD=SYMBOL in the program's environment):
 * the first thread to write a call record of SYMBOL takes the record's room
 * in the ring and then waits forever without finishing it, as a thread the
 * kernel kills in the middle of one. NULL or "": off. */
void ospy_inline_set_test_stall(const char *symbol);
/* Tests only (OSPY_TEST_FAIL_INSTALL=N): the first N transactions that
 * install hooks fail to install them, as when a thread cannot be stopped. */
void ospy_inline_set_test_fail_installs(unsigned n);

/* The function name of the hook the interceptor patched at function, or NULL
 * (async-signal-safe: crash.c). */
const char *ospy_inline_hook_function_name(uintptr_t function);
/* Whether the hook patched at function is at a place that could not be
 * checked to start an instruction (async-signal-safe: crash.c). */
int ospy_inline_hook_place_unchecked(uintptr_t function);

/* resolve.c: what a plan hook names in the loaded modules. */
typedef struct ospy_resolved {
  void *addr;            /* NULL: not found (yet), or refused */
  unsigned count;        /* how many functions of the hook's name its file has at distinct
                          * addresses (static functions of several source files): addr is
                          * the nth; 1 for other hooks */
  unsigned vtable_slots; /* a vtable method's: the method slots its vtable's symbol holds (0:
                          * unknown) */
  int is_static;         /* found in a .symtab as a static function of its source file (not
                          * exported, nor a global the linker made local): the compiler may
                          * have called it by a convention of its own */
  int clang_built;       /* is_static, and its file's .comment names clang: one of the
                          * compilers that built the file (i386: clang's convention for a
                          * local function is not GCC's) */
  uint64_t size;         /* its symbol's size when found in a .symtab, else 0 */
  int entry_unknown;     /* found by offset or signature at a place no symbol of its file
                          * covers (stripped): maybe no function's start, each call's
                          * return address to be checked */
  char refused[640];     /* found but not to be hooked, why: a vtable slot past the vtable's
                          * end, empty or no code; an offset or signature's place inside an
                          * instruction, inside a function, past the module's end ("": none) */
  char unchecked[320];   /* hooked, but a place found by offset or signature that could not
                          * be checked to start an instruction (neither a symbol nor an
                          * .eh_frame entry of its file covers it): why, for a Warning */
  uintptr_t ifunc_resolver; /* an exported IFUNC's resolver (0: none): the functions it chose
                             * for the program (bound in its callers' GOT slots, or seen
                             * returned) are the hook's, addr the nth of them (count: how
                             * many); NULL when it chose none yet. Never run by the agent */
  char note[384];        /* hooked: an Info to say once (a name's version, hooked when not
                          * the default one: the one the program's calls bind to) */
} ospy_resolved;
/* Resolves ph: for a function found by name in a file's .symtab, the nth of
 * the functions of that name there (nth 0: the first; other hooks have none
 * but the first). */
void ospy_agent_resolve(const ospy_plan_hook *ph, unsigned nth, ospy_resolved *r);
/* An exported IFUNC that no caller has bound yet, whose resolver cannot be
 * watched: resolved as dlsym resolves it, by running its resolver now (the
 * last resort); r->unchecked says so, for a Warning. */
void ospy_agent_resolve_running_resolver(const ospy_plan_hook *ph, ospy_resolved *r);
/* resolver (an IFUNC's) returned target: 1 when target is code and new
 * among the resolver's choices (ifunc_choices.h), to be hooked now. */
int ospy_agent_ifunc_chosen(uintptr_t resolver, uintptr_t target);
/* How many functions resolver has chosen that the agent knows of. */
unsigned ospy_agent_ifunc_choice_count(uintptr_t resolver);
/* The choices of the resolvers whose module was unloaded are forgotten. */
void ospy_agent_ifunc_forget_unloaded(void);
/* "add_special (libif.so+0x1139)": the function of a module at addr, by its
 * file's symbol when one names it, for messages. */
void ospy_agent_code_named(uintptr_t addr, char *out, size_t cap);
/* The next lookups (ospy_agent_resolve) pass over the modules whose segments
 * hold one of addrs (n of them; NULL: none): those other hooks of a module
 * glob have taken. addrs must stay valid until it is set back to NULL. */
void ospy_agent_resolve_excluding(const void *const *addrs, unsigned n);
/* Whether the file at path defines function symbol (in its .symtab or its
 * dynamic symbols). The file stays mapped for the next question about it;
 * path NULL lets it go. */
int ospy_agent_file_defines(const char *path, const char *symbol);
/* At the agent's start, before any lookup: what the lookups ask inside
 * dl_iterate_phdr callbacks (the agent's own file) is found outside one. */
void ospy_agent_resolve_init(void);
/* Whether the last lookup of ph, a C++ name (OSPY_HOOK_F_CXX_NAME), saw
 * functions that may be of that name while the process had no C++ runtime
 * to demangle them with. */
int ospy_agent_cxx_unreadable(const ospy_plan_hook *ph);
/* For the note that hooks same-named functions: "tu1.c at 0x1190, tu2.c at
 * 0x11b0", the functions of ph's name in the file of the module holding
 * first (a static one's source file, its address in the file). */
void ospy_agent_same_named_where(const ospy_plan_hook *ph, const void *first, char *out,
                                 size_t cap);
/* Whether a module's file (its path as loaded) is one a hook's module names:
 * a glob of file names, or a path (also the same file through a link). */
int ospy_agent_module_file_matches(const char *glob, const char *path);
/* How many loaded modules glob names (the agent and the vDSO left out); the
 * first one's file path goes to path, *program says whether it is the
 * program. */
unsigned ospy_agent_module_locate(const char *glob, char *path, size_t cap, int *program);
/* The executable segment of the loaded module that holds addr: [*lo, *hi),
 * 1; 0 when no module's does. */
int ospy_agent_code_segment(const void *addr, uintptr_t *lo, uintptr_t *hi);
/* The file of the loaded module whose segments hold addr (the program's
 * path for the program): 1, or 0 when none does. */
int ospy_agent_module_path_of(const void *addr, char *path, size_t cap);
/* Why the file at path (the program's when program is set) has no function
 * symbol, for a message after "not found in MODULE": a compiler's clone of it,
 * no symbol table (stripped), a close name (a misspelling), or an inlined
 * static function, or a variable of that name. 2 for a clone (out starts
 * "; its module has NAME"), 1 when looking again cannot help otherwise (no
 * symbol table, a variable), else 0. */
int ospy_agent_lack_reason(const char *path, const char *symbol, int program, char *out,
                           size_t cap);
/* The first loaded module (in load order, the program first) whose file
 * defines a variable named symbol (a data object, not a function): 1 with its
 * path (the program's own for the program); 0 when none does. */
int ospy_agent_data_object_module(const char *symbol, char *path, size_t cap);
/* The compiler's copies of a hooked function (NAME.constprop.0, .isra.0,
 * .part.0: specialised, their parameters may differ) in the file of the
 * module whose code holds addr, which its callers there may call instead:
 * how many, and a note saying so and how to hook one (": the compiler made
 * ...") in out. 0 when none, and for a function its library exports (the
 * calls of other modules reach it). */
unsigned ospy_agent_clone_note(const void *addr, const char *symbol, char *out, size_t cap);
/* How many places ph's signature (or vtable constructor signature) matches
 * in its module's code, up to 100; 0 for other hooks. When 2 or more, the
 * first few named into places ("offset 0x11f0 (twin_a) and offset 0x1210
 * (twin_b)"), else "". */
unsigned ospy_agent_signature_matches(const ospy_plan_hook *ph, char *places, size_t cap);
/* Whether a loaded module's file name matches glob ("" : the program). */
int ospy_agent_module_present(const char *glob);
/* The file name of a loaded module (the program's included) a typo or two
 * from name, a plain file name no module has (libwidgt.so: libwidget.so;
 * libc.so: libc.so.6), or name with its library suffix added (libwidget:
 * libwidget.so; libwidget.so: libwidget.so.1.2), into out; 0 when none is
 * close, or name is a path or a glob. */
int ospy_agent_module_close_to(const char *name, char *out, size_t cap);
int ospy_agent_glob_match(const char *glob, const char *name);

#endif
