/* Pieces of `ospy capture` shared by its files (cmd_capture*.c). */
#ifndef OSPY_CLI_CMD_CAPTURE_H
#define OSPY_CLI_CMD_CAPTURE_H

#include <stddef.h>
#include <sys/types.h>

#include "capture/session.h"

#define OSPY_CAPTURE_MAX_FUNC_ARGS 64
#define OSPY_CAPTURE_MAX_CONFIGS 16

/* --value-cap's bound: one value must fit a record's blob (the agent's
 * 480 KiB, less the call's other values). */
#define OSPY_CAPTURE_MAX_VALUE_CAP (448u << 10)

typedef struct ospy_capture_opts {
  const char *configs[OSPY_CAPTURE_MAX_CONFIGS]; /* -c and --preset, in order */
  unsigned char config_is_preset[OSPY_CAPTURE_MAX_CONFIGS];
  int nconfigs;
  const char *funcs[OSPY_CAPTURE_MAX_FUNC_ARGS];
  int nfuncs;
  const char *output;
  int pid;
  int follow_forks, quiet, lossy;
  double duration;
  unsigned backtrace;
  unsigned ring_mib;
  uint32_t value_cap; /* --value-cap, 0: the plan's default */
  int clock_tsc; /* --clock: 1 tsc, 0 realtime, -1 auto (tsc when invariant; capture/tscclock.h) */
  char **argv; /* the program and its arguments (spawn) */
} ospy_capture_opts;

/* Notes about the plan for the capture file (a -f function traced without a
   definition...), each a malloc'ed string. */
typedef struct ospy_capture_notes {
  char **msgs;
  size_t n;
} ospy_capture_notes;
void ospy_capture_notes_free(ospy_capture_notes *notes);

/* cmd_capture_plan.c: the plan from -c/--preset and -f (whose functions take
   their definitions from a config or the catalogue); NULL after printing why. */
void *ospy_capture_build_plan(const ospy_capture_opts *o, size_t *len, ospy_capture_notes *notes);
/* The agent library matching the ELF class of program (searched in PATH). */
int ospy_capture_preflight(const char *program, int pid, char *err, size_t errcap);
/* Whether program (found as exec finds it) is an ELF program without a
 * dynamic loader: the agent cannot be loaded into it. */
int ospy_capture_program_static(const char *program);
/* Whether program runs in secure mode for us (set-user-ID or set-group-ID
 * for another user, or file capabilities): the loader ignores LD_PRELOAD. */
int ospy_capture_program_secure(const char *program);
int ospy_capture_agent_for(const char *program, char *out, size_t cap, char *err, size_t errcap);
/* For -F: an LD_PRELOAD value that gives every program exec'd in the tree
 * the agent of its own architecture, through ld.so's $LIB (a temporary
 * directory of links, removed by ospy_capture_preload_remove): one agent's
 * path made the other architecture's ld.so print "wrong ELF class" into the
 * program's stderr. 0, or -1 with err. */
int ospy_capture_preload_for_all(char *out, size_t cap, char *err, size_t errcap);
void ospy_capture_preload_remove(void);
/* That directory while it exists, else NULL. */
const char *ospy_capture_preload_dir(void);
/* The agent for a running process (by /proc/PID/exe). */
int ospy_capture_agent_for_pid(int pid, char *out, size_t cap, int *bits, char *err, size_t errcap);

/* cmd_definitions.c: configs/NAME.xml of the shipped catalogue; -1 after
 * printing the available names. */
int ospy_preset_path(const char *name, char *out, size_t cap);

/* cmd_capture_attach.c: the ospy controller holding the event ring pid maps
 * (a capture recording pid now), or 0. */
pid_t ospy_capture_ring_holder(pid_t pid);
/* Whether pid runs in a PID or network namespace other than ospy's, where
 * the agent cannot reach ospy's socket: 1 with err saying so, else 0. */
int ospy_capture_other_namespace(pid_t pid, char *err, size_t errcap);

/* cmd_capture.c */
/* Whether an attached process ended (gone, or a zombie not reaped yet);
 * *wstatus its wait status when a zombie's can be read, else -1. */
int ospy_capture_process_ended(pid_t pid, int *wstatus);
int ospy_capture_loop(ospy_session *s, const ospy_capture_opts *o, pid_t main_pid, int attached,
                      int *main_status);
int ospy_capture_finish(ospy_session *s, const ospy_capture_opts *o);
/* The capture could not start (the program not run, the agent not loaded):
 * the output file goes, when this capture created it (capfile discard). */
void ospy_capture_never_started(ospy_session *s);
/* The program runs (or the agent is in the process): the capture file
 * replaces what was at its path (ospy_capfile_started). */
void ospy_capture_started(ospy_session *s);
void ospy_capture_install_signals(int attach);
int ospy_capture_stop_requested(void);

/* cmd_capture_attach.c */
int ospy_capture_attach(ospy_session *s, const ospy_capture_opts *o);

#endif
