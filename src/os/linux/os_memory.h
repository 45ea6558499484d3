/*
 * Memory for code: page size, anonymous and near (+-2 GB) allocation,
 * protection changes and patching of live code. Raw syscalls only, so these
 * are safe while libc is being patched.
 */
#ifndef OSPY_OS_LINUX_MEMORY_H
#define OSPY_OS_LINUX_MEMORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

size_t ospy_os_page_size(void);

/* Anonymous private read-write pages (size rounded up to pages); NULL on failure. */
void *ospy_os_alloc(size_t size);
void ospy_os_free(void *addr, size_t size);
/* ospy_os_alloc's pages grown or shrunk to new_size, moved when they cannot
 * grow in place (their bytes with them); NULL on failure (the old pages
 * stay). */
void *ospy_os_resize(void *addr, size_t old_size, size_t new_size);

/* Anonymous read-write pages placed so that every byte lies within max_distance
 * of near (found by scanning /proc/self/maps for a free gap, then mmap with
 * MAP_FIXED_NOREPLACE); NULL when no gap is close enough. */
void *ospy_os_alloc_near(uintptr_t near, size_t size, uint64_t max_distance);

/* mprotect on the pages covering [addr, addr+len); 0 or -errno. prot is PROT_*. */
int ospy_os_protect(void *addr, size_t len, int prot);

/* Protection (PROT_*) of the mapping holding addr, -1 when unmapped. */
int ospy_os_query_prot(uintptr_t addr);

/*
 * Writes n bytes over live code at addr: each page is made writable (RWX, so a
 * thread that was not suspended can still run its other code, or RW where RWX
 * is refused) only for the copy, then given back prot (PROT_*; pass -1 to look
 * it up). When the bytes fit in one aligned 8-byte word they are stored with a
 * single atomic write. 0 or -errno.
 */
int ospy_os_patch_code(void *addr, const void *bytes, size_t n, int prot);

/* Makes other cores drop stale instructions (membarrier SYNC_CORE when the
 * kernel has it; a no-op otherwise, resuming from a signal serialises anyway). */
void ospy_os_flush_code(void);

/* Byte copy that the compiler cannot turn into a libc memcpy call. */
void ospy_os_copy_bytes(void *dst, const void *src, size_t n);

#endif
