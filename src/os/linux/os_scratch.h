/*
 * Scratch buffers off the calling thread's stack. The agent reads
 * /proc/self/maps and /proc/self/task from hooked calls, on the program's
 * stacks: an 8 KiB sigaltstack or a PTHREAD_STACK_MIN thread has no 8 KiB
 * to spare for a buffer (docs/reliability.md). Safe in signal handlers and
 * while other threads are suspended: taking one never waits.
 */
#ifndef OSPY_OS_LINUX_SCRATCH_H
#define OSPY_OS_LINUX_SCRATCH_H

#define OSPY_OS_SCRATCH_SIZE 8192

/* An OSPY_OS_SCRATCH_SIZE buffer, 16-byte aligned, until given back: one of
 * a few static ones, else (all taken: other threads, or handlers nested in
 * this one's reads) freshly mapped. NULL when none can be had. */
void *ospy_os_scratch_take(void);
void ospy_os_scratch_give(void *buf);

/* How many buffers were mapped because the static ones were all taken (for
 * the tests). */
unsigned ospy_os_scratch_mapped(void);

#endif
