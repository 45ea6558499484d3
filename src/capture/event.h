/*
 * Event records: the same bytes travel through the shared-memory ring and
 * sit (decompressed) in the chunks of a capture file. Little-endian, every
 * record a multiple of 8 bytes, starting with ospy_event_hdr.
 * docs/capture-format.md describes each type.
 */
#ifndef OSPY_CAPTURE_EVENT_H
#define OSPY_CAPTURE_EVENT_H

#include <stddef.h>
#include <stdint.h>

typedef enum ospy_event_type {
  OSPY_EV_PAD = 0, /* ring only: skip to the ring's end */
  OSPY_EV_CALL = 1,
  OSPY_EV_MODULE_LOAD = 2,
  OSPY_EV_MODULE_UNLOAD = 3,
  OSPY_EV_ERROR = 4,
  OSPY_EV_WARNING = 5,
  OSPY_EV_INFO = 6,
  OSPY_EV_PROCESS_START = 7,
  OSPY_EV_PROCESS_EXIT = 8,
  OSPY_EV_LOST = 9,
  OSPY_EV_FD_NAME = 10, /* written by the controller, never by the agent */
  OSPY_EV_HOOK_NAME = 11, /* the name a hook's calls are shown with from here on */
  OSPY_EV_FD_CLOSED = 12, /* ring only: the agent saw a descriptor closed (the
                             controller withdraws its name; never in a file) */
  OSPY_EV_EXEC = 13,      /* ring only: a followed process execs, or its exec returned
                             (the controller expects the new program's agent) */
  OSPY_EV_VOID = 14,      /* ring only: a record its writer gave up (a signal handler
                             jumped out of the agent while it wrote it): skipped */
  OSPY_EV_TYPE_MAX = 14,
} ospy_event_type;

#define OSPY_EVENT_MAX_SIZE (1u << 20) /* no record is larger than 1 MiB */

typedef struct ospy_event_hdr {
  uint32_t size; /* whole record incl. this header, multiple of 8 */
  uint16_t type; /* ospy_event_type */
  uint16_t flags;
  uint32_t pid, tid;
  uint64_t ts; /* CLOCK_REALTIME, ns since the epoch (enter time for calls) */
} ospy_event_hdr;

/* Any record: a copy the controller repeats at the start of a chunk of a
 * record an earlier chunk holds (a hook's name, a process's start, modules
 * and descriptor names: capture/replay.h), so that the loss of that chunk
 * does not take them with it. Readers skip it unless the chunk before was
 * lost (reader.h), and then take what it says without showing it. */
#define OSPY_EVENT_F_REPEATED 0x8000

/* FunctionCall flags */
#define OSPY_CALL_F_RAW 0x1       /* no spec: enter blob holds raw argument words (u64 each) */
#define OSPY_CALL_F_TRUNCATED 0x2 /* a value blob was cut at the record limit */
#define OSPY_CALL_F_NO_RETURN 0x4 /* the call did not return (thread/process ended) */
#define OSPY_CALL_F_BT_SCANNED 0x8 /* backtrace found by stack scanning (no frame pointers) */
/* Ring only (the controller clears them): a NO_RETURN record written at the
 * entry of an exec, and the record of the same call when it returned (failed)
 * after all, which replaces it. */
#define OSPY_CALL_F_TENTATIVE 0x10
#define OSPY_CALL_F_SUPERSEDES 0x20
/* its spec's errorCondition held when it returned: the call failed (read
 * only for a spec with one: ospy_call_outcome) */
#define OSPY_CALL_F_FAILED 0x40

typedef struct ospy_event_call {
  ospy_event_hdr h;
  uint64_t seq;      /* per capture, shared by all processes */
  uint64_t ts_leave; /* ns */
  uint64_t ret_addr; /* the caller's return address */
  uint64_t retval;
  uint32_t hook; /* index into the plan's hook table */
  int32_t err;   /* errno at leave */
  uint16_t nbt;  /* backtrace addresses that follow */
  uint16_t arch_bits;
  uint32_t enter_len; /* bytes of the enter values blob */
  uint32_t leave_len; /* bytes of the leave values blob */
  uint32_t reserved;
  /* uint64_t backtrace[nbt]; uint8_t enter[enter_len]; uint8_t leave[leave_len]; pad to 8 */
} ospy_event_call;

/* ModuleLoad/ModuleUnload flags: the module is loaded where it was linked
 * (an ET_EXEC executable, load bias 0): base is where its first segment
 * starts, and its addresses are those of its symbols. Without it, base is the
 * load bias (l_addr), which is also where a PIE's or a library's image starts
 * (linked at 0), and size runs from it. */
#define OSPY_MODULE_F_ABSOLUTE 0x1

typedef struct ospy_event_module {
  ospy_event_hdr h;
  uint64_t base, size; /* where the image starts (flags) and the extent of its segments */
  uint32_t path_len;
  uint32_t reserved;
  /* char path[path_len]; pad */
} ospy_event_module;

/* The module's load bias: what its symbols' values are offset by. */
static inline uint64_t ospy_event_module_bias(const ospy_event_module *m)
{
  return (m->h.flags & OSPY_MODULE_F_ABSOLUTE) ? 0 : m->base;
}

typedef struct ospy_event_message {
  ospy_event_hdr h;
  uint32_t hook; /* UINT32_MAX when not about one hook */
  uint32_t text_len;
  /* char text[text_len]; pad */
} ospy_event_message;

/* The Info an agent writes, about one hook, when calls its logNested="false"
 * left out were made ("libc.so.6!write: 2 calls made inside other hooked
 * calls were left out (logNested=...)"), with one of these phrases after the
 * count: readers that rebuild data from the calls (ospy streams) count them. */
#define OSPY_NESTED_HIDDEN_ONE " call made inside another hooked call was left out"
#define OSPY_NESTED_HIDDEN_MANY " calls made inside other hooked calls were left out"
/* Error/Warning/Info flags: an Info the live view shows too (it shows no
 * other: notes of hooking, "hooks installed"), one that says calls were
 * left out of the capture, which the live view would otherwise lack without
 * a word */
#define OSPY_MESSAGE_F_LIVE 0x1

/* ProcessStart flags: the agent was injected into a process already running
 * (-p), which ospy did not start: the record says when it was attached. */
#define OSPY_START_F_ATTACHED 0x1
/* ... a child forked with -F (fork, or glibc's clone() with a copy of its
 * parent's memory and descriptor table; not an exec): the record is stamped
 * with the time its parent forked it (taken in the parent just before the
 * fork), and its descriptors are its parent's as they were then. The
 * controller names them after its parent's (FdName records after this one). */
#define OSPY_START_F_FORKED 0x2

typedef struct ospy_event_process_start {
  ospy_event_hdr h;
  uint32_t ppid;
  uint32_t arch_bits;
  uint32_t cmd_len; /* NUL-separated argv */
  uint32_t exe_len;
  /* char cmd[cmd_len]; char exe[exe_len]; pad */
} ospy_event_process_start;

#define OSPY_EXIT_CODE 0
#define OSPY_EXIT_SIGNAL 1
#define OSPY_EXIT_DETACHED 2

typedef struct ospy_event_process_exit {
  ospy_event_hdr h;
  uint32_t how;    /* OSPY_EXIT_* */
  int32_t status;  /* exit code or signal number */
} ospy_event_process_exit;

typedef struct ospy_event_lost {
  ospy_event_hdr h; /* pid/tid name the thread whose events were dropped */
  uint64_t count;
} ospy_event_lost;

/* What descriptor fd of process h.pid refers to, from the following record
 * on (capture/fdnames.h). name_len 0: it was closed. */
typedef struct ospy_event_fd_name {
  ospy_event_hdr h;
  int32_t fd;
  uint32_t name_len;
  /* char name[name_len]; pad */
} ospy_event_fd_name;

/* Ring only: descriptor fd of process h.pid was closed, seen by the agent's
 * own hooks of close and __close_nocancel. */
typedef struct ospy_event_fd_closed {
  ospy_event_hdr h; /* ts: when the close returned */
  int32_t fd;
  uint32_t reserved;
  uint64_t ts_enter; /* when it was called (0: not known): which binding it ended */
} ospy_event_fd_closed;

/* Ring only, with -F: process h.pid (a vfork child's own pid) is about to
 * exec path, expected to load the agent, whose ProcessStart then comes in
 * the lane of thread h.pid after this record; h.tid is the thread that
 * execs. With OSPY_EXEC_F_RETURNED the exec failed (or the vfork child
 * exited instead): the process goes on as it was. The controller warns when
 * neither comes before the process ends (capture/exec_watch.h). `why`: what
 * the agent saw that may keep it out of the new program. */
#define OSPY_EXEC_F_RETURNED 0x1
#define OSPY_EXEC_WHY_RING_CLOSED 0x1 /* the ring's descriptor is not inherited: the new
                                         program must get it back from ospy */
#define OSPY_EXEC_WHY_SETID 0x2       /* set-user-ID, set-group-ID or file capabilities:
                                         the loader ignores LD_PRELOAD */
#define OSPY_EXEC_WHY_STATIC 0x4      /* no program interpreter: no loader to load the agent */

typedef struct ospy_event_exec {
  ospy_event_hdr h;
  uint32_t why;  /* OSPY_EXEC_WHY_* */
  uint32_t path_len;
  /* char path[path_len]; pad */
} ospy_event_exec;

/* From this record on, the calls of plan hook `hook` are shown as `name`:
 * the module the agent found the function in, where the plan's display name
 * has a glob or no module (`*!parse` hooked in kv-64-O0 is kv-64-O0!parse). */
typedef struct ospy_event_hook_name {
  ospy_event_hdr h;
  uint32_t hook;
  uint32_t name_len;
  /* char name[name_len]; pad */
} ospy_event_hook_name;

static inline uint32_t ospy_event_align(size_t n)
{
  return (uint32_t)((n + 7u) & ~(size_t)7u);
}

/* Validates one record of at most avail bytes: size, type, and that every
 * variable-length part lies inside the record. 0 when valid, else -1 and a
 * static reason in *why. */
int ospy_event_validate(const void *rec, size_t avail, const char **why);

const char *ospy_event_type_name(uint16_t type);

#endif
