/* A hint that this thread is about to write the cache line at p: the line is
 * fetched for ownership now, while the thread does other work, instead of
 * when the first store reaches it. On a CPU without PREFETCHW the
 * instruction is a no-op. */
#ifndef OSPY_ARCH_X86_PREFETCH_H
#define OSPY_ARCH_X86_PREFETCH_H

static inline void ospy_arch_prefetch_write(const void *p)
{
  __asm__ volatile("prefetchw %0" : : "m"(*(const char *)p));
}

#endif
