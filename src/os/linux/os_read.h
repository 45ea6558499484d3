/* Reading memory that may be unmapped, without faulting. */
#ifndef OSPY_OS_LINUX_READ_H
#define OSPY_OS_LINUX_READ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Copies up to n bytes from addr into buf and returns how many leading bytes
 * were readable (0 when addr is unmapped). Never faults: process_vm_readv on
 * the own process, falling back to a check of /proc/self/maps when that
 * syscall is refused (seccomp, old kernel).
 */
size_t ospy_os_read_memory(uintptr_t addr, void *buf, size_t n);

/* The process id process_vm_readv is given. Unset (0), each read asks the
 * kernel (getpid: a second system call per read); a caller that follows
 * fork() itself (the agent's atfork child handler) sets it at start and again
 * in each child. */
void ospy_os_read_set_pid(int pid);

/* Tests only: count the reads made through the kernel (a system call each:
 * process_vm_readv, or the maps check where it is refused) from now on;
 * off, nothing is counted. The agent turns it on for OSPY_TEST_COUNT_READS. */
void ospy_os_read_count_kernel_reads(bool on);
/* How many such reads were counted (all threads). */
uint64_t ospy_os_read_kernel_reads(void);

/* One read() of up to cap bytes of the file at path (a /proc file: small,
 * read whole at once), not NUL-terminated; how many, 0 when unreadable. */
size_t ospy_os_read_small_file(const char *path, void *buf, size_t cap);

/* The live part of the stack the calling thread runs on, [lo, hi): from its
 * stack pointer (less the x86-64 red zone) to the end of the mapping that
 * holds it, readable directly for as long as the thread runs there. false
 * if not found. */
bool ospy_os_own_stack(uintptr_t *lo, uintptr_t *hi);

#endif
