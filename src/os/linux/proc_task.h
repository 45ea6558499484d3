/* /proc of a process whose main thread has ended (controller side). */
#ifndef OSPY_OS_LINUX_PROC_TASK_H
#define OSPY_OS_LINUX_PROC_TASK_H

#include <stdbool.h>
#include <sys/types.h>

/* The id to read process pid's /proc files by (/proc/ID/exe, maps, fd,
 * root, status): pid itself while its main thread lives, else the id of one
 * of its threads still running. A main thread that called pthread_exit
 * stays a zombie until the last thread ends, and its /proc/PID/exe, maps,
 * fd and root are empty or unreadable meanwhile; /proc/TID of a live thread
 * shows the same process. pid when no thread of it is found alive (the
 * process ended, or does not exist: the caller's error stays the one it
 * had). */
pid_t ospy_proc_live_task(pid_t pid);

/* The state letter (R, S, D, T, Z, X...) a /proc stat file at path gives
 * (/proc/ID/stat, /proc/PID/task/TID/stat), 0 when it cannot be read. */
char ospy_proc_stat_state(const char *path);

/* Whether task id (/proc/ID/stat) has ended: a zombie, dead, or gone. */
bool ospy_proc_task_ended(pid_t id);

/* Whether process pid is a kernel thread (PF_KTHREAD in /proc/PID/stat's
 * flags): it runs no program, and has no /proc/PID/exe. */
bool ospy_proc_kernel_thread(pid_t pid);

#endif
