/* -F: programs exec'd with an environment of their own still load the agent
 * and find the ring (see follow_env.c). */
#ifndef OSPY_AGENT_FOLLOW_ENV_H
#define OSPY_AGENT_FOLLOW_ENV_H

#include <stddef.h>
#include <stdint.h>

/* At agent start, under -F: the LD_PRELOAD and OSPY_RING_FD values this
 * process was started with (either NULL: nothing to pass on). */
void ospy_follow_env_init(const char *preload, const char *ring);

/* LD_PRELOAD's elements (split at ':' and spaces, as ld.so does): the one
 * that loads the agent into agent (1 if there is one), the others joined by
 * ':' into others (either buffer may have cap 0). */
int ospy_preload_split(const char *preload, char *agent, size_t agent_cap, char *others,
                       size_t others_cap);

/* Attached (-p -F): the agent passed on is this one, not a directory for
 * each architecture: programs of the other ELF class are not given it. */
void ospy_follow_env_same_class_only(void);

/* The file an exec call runs, as execveat names it: path (an address in
 * the program, 0 for none) relative to dirfd; fexecve's descriptor is a
 * dirfd with no path. */
typedef struct ospy_exec_file {
  int dirfd;
  uintptr_t path;
} ospy_exec_file;

/* The environment an exec call should pass instead of envp: envp itself
 * when it loads the agent and names the ring already (or cannot be read,
 * or runs a program of the other architecture when attached: said in a
 * Warning), else a copy with both. *followed: whether the environment
 * passed has both (the new program should start the agent). */
uintptr_t ospy_follow_env_fix(uintptr_t envp, const ospy_exec_file *file, int *followed);

/* What may keep the agent out of the program an exec of file runs
 * (OSPY_EXEC_WHY_*): ring_fd (this process's descriptor of the ring) not
 * inherited, a secure-mode (set-user-ID...) or static program, a script's
 * interpreter looked at in its place. */
uint32_t ospy_follow_env_obstacles(const ospy_exec_file *file, int ring_fd);

/* The file an exec runs, as text (its path; fexecve's: the descriptor's
 * link), for the controller's messages. */
void ospy_follow_env_describe(const ospy_exec_file *file, char *out, size_t cap);

#endif
