/*
 * Agent-internal state and helpers (libospy-agent.so). Everything here may run
 * inside a hooked call of the target: no malloc, no stdio, no locks on the
 * paths marked "hot".
 */
#ifndef OSPY_AGENT_AGENT_H
#define OSPY_AGENT_AGENT_H

#include <stddef.h>
#include <stdint.h>

#include "capture/event.h"
#include "capture/ring.h"
#include "plan/plan.h"

#define OSPY_AGENT_ATTACH_SOCK "ospy-attach-" /* abstract socket name prefix + pid */
/* The agent's one export: called by the controller (through ptrace) when the
 * agent was already loaded by an earlier attach, so dlopen ran no constructor. */
#define OSPY_AGENT_ATTACH_ENTRY "ospy_agent_attach"

/* The agent's per-thread memory, hung on the interceptor's thread blocks
 * (ospy_interceptor_thread_slot) so that exited threads' memory is reused. */
#define OSPY_AGENT_SLOT_FRAMES 0  /* inline.c: the frame area */
#define OSPY_AGENT_SLOT_BT_MEMO 1 /* backtrace.c: the call-site memo */
int ospy_agent_attach(void);

typedef struct ospy_agent {
  ospy_ring ring;
  ospy_plan *plan;
  int lossy;
  int follow_forks;
  int tsc_clock;     /* timestamps are TSC ticks (OSPY_RING_F_TSC) */
  int attached;          /* injected into a running process (has a control thread) */
  uint32_t backtrace;
  volatile int active;   /* 0: hooks are no-ops (consumer gone, detached, not following) */
  uint32_t pid;
} ospy_agent;

extern ospy_agent ospy_agent_g;

/* hot */
/* A record timestamp: TSC ticks when the controller asked for them (it
   converts them), else CLOCK_REALTIME ns. */
uint64_t ospy_agent_clock(void);
uint32_t ospy_agent_tid(void);
int ospy_agent_consumer_alive(void);
/* Reserves a record of size bytes (multiple of 8) with its header filled;
 * NULL when dropped (counted as lost) or recording stopped. */
void *ospy_agent_record_begin(uint16_t type, uint32_t size, uint64_t ts, uint64_t *token);
/* The same in the ring's lane of thread lane_tid (0: this thread's), never
 * dropped (--lossy: it waits for room): a record that a later one of that
 * thread settles (a call pending at an exec, which returns when the exec
 * fails) must reach the controller first. */
void *ospy_agent_record_begin_in(uint16_t type, uint32_t size, uint64_t ts, uint32_t lane_tid,
                                 uint64_t *token);
void ospy_agent_record_end(uint64_t token);
/* The last record this thread began: its header time when it is a call's
 * (its entry's, which tells the call), else 0; with the top bit set while
 * its reservation is under way. A call whose record was begun, its
 * reservation over, was recorded or counted lost, unless it was left
 * unfinished (below). */
uint64_t ospy_agent_call_record_begun(void);
/* After a signal handler left the agent by a jump (siglongjmp) between a
 * record's reservation and its commit: that record's slot, which would hold
 * back its lane of the ring for good, is committed as a Void record (the
 * controller skips it). Returns 1 when there was one, 0 otherwise. */
int ospy_agent_void_unfinished_record(void);

/* messages and process/module events (init paths, but allocation free) */
void ospy_agent_message(uint16_t type, uint32_t hook, const char *text);
/* ... with header flags (OSPY_MESSAGE_F_*) */
void ospy_agent_message_flags(uint16_t type, uint16_t flags, uint32_t hook, const char *text);
/* a, b and c (NULL: none) joined into buf, cut to cap - 1 bytes; the length (no snprintf in
 * the agent) */
size_t ospy_agent_join3(char *buf, size_t cap, const char *a, const char *b, const char *c);
/* v in decimal at out, NUL-terminated (no snprintf in the agent); returns
 * the end (the NUL). out holds 21 bytes. */
char *ospy_agent_put_dec(char *out, uint64_t v);
/* v as 0x-prefixed lowercase hex at out (19 bytes), NUL-terminated; the end. */
char *ospy_agent_put_hex(char *out, uint64_t v);
void ospy_agent_messagef2(uint16_t type, uint32_t hook, const char *a, const char *b, const char *c);
/* A new process with a copy of this one's memory (fork, clone without
 * CLONE_VM), its only thread before its own code: its pid from now on;
 * with -F a ProcessStart naming parent_pid, else the agent stops.
 * forked_at: when the parent forked it (ospy_agent_fork_clock, taken before
 * the fork) if the child's descriptors are a copy of the parent's as of
 * then; 0 if not (CLONE_FILES: one table shared). */
void ospy_agent_become_child(uint32_t parent_pid, uint64_t forked_at);
/* The agent's clock read for a fork about to happen (never 0; the thread's
 * own calls made meanwhile are not recorded). */
uint64_t ospy_agent_fork_clock(void);
/* clone.c: glibc's clone(fn, stack, flags, arg, ...) at its entry. A
 * child of its own memory starts in the agent first (its pid, its start,
 * the end when fn returns); 1 when the child will run on this thread's
 * memory and state while it waits (CLONE_VM | CLONE_VFORK: a vfork child,
 * recorded under its own pid), else 0. */
struct ospy_invocation;
int ospy_agent_clone_enter(struct ospy_invocation *inv);
/* ppid 0: getppid() (a forked child passes its parent's pid, which getppid
 * no longer gives once the parent has exited and ospy adopted the child).
 * forked_at: not 0 for a forked child whose descriptors are a copy of its
 * parent's, taken then: the record is stamped with that time and flagged
 * OSPY_START_F_FORKED (the controller gives the child its parent's names). */
void ospy_agent_emit_process_start(uint32_t ppid, uint64_t forked_at);
/* Tests only (OSPY_TEST_COUNT_READS in the program's environment): an Info
 * message saying how many of the agent's reads of memory were system calls
 * (os_read.h), at the process's end. */
void ospy_agent_report_test_reads(void);
/* The process is about to _exit(status): a ProcessExit record, unless the
 * controller is its parent (it reaps it and records the status itself) or
 * this is a vfork child still running on its parent's memory. */
void ospy_agent_emit_process_exit(int status);
/* A followed child's end (OSPY_EXIT_CODE / OSPY_EXIT_SIGNAL); nothing for the
 * controller's own children, whose end it sees itself. */
void ospy_agent_emit_process_end(uint32_t how, int status);
/* crash.c: the fatal signals still at their default action record the
 * crashing thread's pending calls first (arm at start, disarm at detach). */
void ospy_agent_crash_arm(void);
void ospy_agent_crash_disarm(void);
/* The restorer the kernel holds for sig (what its handler returns to, at the
 * bottom of the signal frame), or for every signal, handed to the interceptor:
 * a handler's calls are not nested in the call its signal interrupted. At
 * start (the handlers set before, the crash handler's) and after each
 * sigaction of the program's. Raw rt_sigaction: async-signal-safe. */
void ospy_agent_note_signal_return(int sig);
void ospy_agent_note_signal_returns(void);
/* A default action the program sets: its flags and mask (the kernel's 64
 * signals), what sigaction tells it afterwards. */
typedef struct ospy_crash_request {
  unsigned long flags;
  uint64_t mask;
} ospy_crash_request;
/* The program's sigaction(sig, act, oldact) at its entry (act its pointer,
 * 0 for none): when act sets SIG_DFL for a signal the crash handler covers,
 * the action to pass instead, the crash handler (which ends in that default
 * action), and *request gets what the program asked for; else NULL, and
 * the program's act stands (SIG_IGN, its own handler, after the detach). */
const void *ospy_agent_crash_instead(int sig, uintptr_t act, ospy_crash_request *request);
/* That sigaction returned 0: the crash handler stands for request. */
void ospy_agent_crash_rearmed(int sig, const ospy_crash_request *request);
/* sigaction(sig)'s oldact (a struct sigaction the call filled): the agent's
 * crash handler in it reads as the default action the program set (SIG_DFL,
 * with its flags and mask), what it would see without ospy. */
void ospy_agent_crash_hide(int sig, void *oldact);
void ospy_agent_emit_module(uint16_t type, uint16_t flags, uint64_t base, uint64_t size,
                            const char *path);
/* An FdClosed record: descriptor fd of process pid (0: this one) was closed,
 * by close or by the C library's own __close_nocancel (fclose, NSS), called
 * at ts_enter (the agent's clock; 0: not known) and returned now. */
void ospy_agent_emit_fd_closed(uint32_t pid, int32_t fd, uint64_t ts_enter);
/* A HookName record: the calls of plan hook `hook` are shown as name. */
void ospy_agent_emit_hook_name(uint32_t hook, const char *name);
/* -F: process pid (this one, or a vfork child) execs path, which should
 * load the agent (why: OSPY_EXEC_WHY_* seen against it); flags
 * OSPY_EXEC_F_RETURNED: that exec returned, or the vfork child exits. */
void ospy_agent_emit_exec(uint32_t pid, uint16_t flags, uint32_t why, const char *path);

struct dl_phdr_info;
/* namespaces.c: dl_iterate_phdr over every namespace of the loader: the
 * base one's objects as dl_iterate_phdr gives them, then those loaded with
 * dlmopen into other namespaces (which dl_iterate_phdr does not list), with
 * size OSPY_AGENT_OTHER_NAMESPACE_INFO_SIZE (no dlpi_adds, dlpi_subs...). */
typedef int (*ospy_agent_module_fn)(struct dl_phdr_info *info, size_t size, void *data);
#define OSPY_AGENT_OTHER_NAMESPACE_INFO_SIZE offsetof(struct dl_phdr_info, dlpi_adds)
int ospy_agent_iterate_modules(ospy_agent_module_fn each, void *data);

/* modules.c: module tracking; rescan emits ModuleLoad/Unload for changes and
 * returns 1 when a module appeared. */
int ospy_agent_modules_rescan(void);
/* The k-th module that appeared in the last rescan (its path as recorded in
 * its ModuleLoad event, and its load base): 1, or 0 past the last. */
int ospy_agent_module_fresh(uint32_t k, const char **path, uint64_t *base);
/* The path recorded for the module whose image holds addr, as
 * ospy_agent_module_fresh gives it (absolute for a library opened by a
 * relative path, where the loader keeps "./libplug.so"), and its base;
 * NULL (base untouched) when none found at the last rescan holds it. Under
 * the lock of module events. */
const char *ospy_agent_module_recorded_path(uintptr_t addr, uint64_t *base);
/* How many modules the loader had unloaded by the last rescan (its
 * dlpi_subs): when it changed, a module may be gone, or gone and loaded
 * again at the same place, between two rescans. */
uint64_t ospy_agent_modules_unloads(void);
/* Whether the module loaded at bias (dl_iterate_phdr's dlpi_addr) appeared
 * after the agent started: one the controller could not look into before
 * (a library opened with dlopen). */
int ospy_agent_module_loaded_late(uintptr_t bias);
/* How many rescans there were: what was found in the modules holds until
 * the next. */
uint32_t ospy_agent_modules_generation(void);
/* A new capture (attach again): the next rescan reports every module. */
void ospy_agent_modules_forget(void);
/* The extent of the loaded module holding addr (its PT_LOAD segments). */
int ospy_agent_module_range(uintptr_t addr, uintptr_t *lo, uintptr_t *hi);


#endif
