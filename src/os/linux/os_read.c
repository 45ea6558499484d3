/* Fault-free reads of own memory (see os_read.h). */
#include "os/linux/os_read.h"

#include <fcntl.h>
#include <stdbool.h>
#include <sys/uio.h>
#include <unistd.h>

#include "os/linux/os_maps.h"
#include "os/linux/os_memory.h"
#include "os/linux/os_syscall.h"

static size_t read_checked(uintptr_t addr, uint8_t *buf, size_t n) {
  size_t done = 0;
  while (done < n) {
    ospy_os_map m;
    if (!ospy_os_maps_find(addr + done, &m) || !(m.prot & OSPY_OS_PROT_R))
      break;
    size_t chunk = m.end - (addr + done);
    if (chunk > n - done)
      chunk = n - done;
    ospy_os_copy_bytes(buf + done, (const void *)(addr + done), chunk);
    done += chunk;
  }
  return done;
}

static int own_pid;

void ospy_os_read_set_pid(int pid) {
  __atomic_store_n(&own_pid, pid, __ATOMIC_RELAXED);
}

/*
 * The readable mapping the calling thread runs on (its stack), found once
 * per thread and again whenever the thread is on another stack (signal
 * stack, coroutine). Only its live part, from the stack pointer up, is
 * copied without a system call: the thread's frames there cannot be gone
 * while it runs on them, and most buffers a hooked call passes (read(fd,
 * buf, ...) with a local array) are there. The rest of the mapping may have
 * changed since it was found (a coroutine's stack carved from an arena, a
 * page of the arena below it made PROT_NONE since: docs/reliability.md) and
 * is read through the kernel, as any other address.
 */
static __thread uintptr_t stack_lo __attribute__((tls_model("initial-exec")));
static __thread uintptr_t stack_hi __attribute__((tls_model("initial-exec")));
/* odd while stack_lo and stack_hi are written: a signal handler on this
 * thread may look between two stores, or between the reader's two loads */
static __thread unsigned stack_gen __attribute__((tls_model("initial-exec")));

#if defined(__x86_64__)
#define RED_ZONE 128 /* what the ABI lets a function keep below its stack pointer */
#else
#define RED_ZONE 0
#endif

static inline uintptr_t current_sp(void) {
  uintptr_t sp;
#if defined(__x86_64__)
  __asm__ volatile("mov %%rsp, %0" : "=r"(sp));
#else
  __asm__ volatile("mov %%esp, %0" : "=r"(sp));
#endif
  return sp;
}

#define TLS_LOAD(v) __atomic_load_n(&(v), __ATOMIC_RELAXED)
#define TLS_STORE(v, x) __atomic_store_n(&(v), (x), __ATOMIC_RELAXED)

/* The cached range, as one pair written by one update. */
static bool cached_stack(uintptr_t *lo, uintptr_t *hi) {
  unsigned gen = TLS_LOAD(stack_gen);
  __atomic_signal_fence(__ATOMIC_SEQ_CST);
  *lo = TLS_LOAD(stack_lo);
  *hi = TLS_LOAD(stack_hi);
  __atomic_signal_fence(__ATOMIC_SEQ_CST);
  return !(gen & 1) && TLS_LOAD(stack_gen) == gen;
}

/* The mapping sp is in, looked up (/proc/self/maps) and cached. Kept out
 * of its callers: their frames stay small on the path taken every call. */
__attribute__((noinline)) static bool find_stack(uintptr_t sp, uintptr_t *lo, uintptr_t *hi) {
  ospy_os_map m;
  bool found = ospy_os_maps_find(sp, &m) && (m.prot & OSPY_OS_PROT_R);
  *lo = found ? m.start : 0;
  *hi = found ? m.end : 0;
  unsigned gen = TLS_LOAD(stack_gen);
  if (gen & 1)
    return found; /* a handler interrupted this thread's update: its range is for this read only */
  TLS_STORE(stack_gen, gen + 1);
  __atomic_signal_fence(__ATOMIC_SEQ_CST);
  TLS_STORE(stack_lo, *lo);
  TLS_STORE(stack_hi, *hi);
  __atomic_signal_fence(__ATOMIC_SEQ_CST);
  TLS_STORE(stack_gen, gen + 2);
  return found;
}

/* [*lo, *hi): the live part of the stack the calling thread runs on, from
 * its stack pointer (less the red zone) to the end of the mapping. */
static inline bool live_stack(uintptr_t sp, uintptr_t *lo, uintptr_t *hi) {
  if ((!cached_stack(lo, hi) || sp < *lo || sp >= *hi) && !find_stack(sp, lo, hi))
    return false;
  if (sp - RED_ZONE > *lo)
    *lo = sp - RED_ZONE;
  return true;
}

static bool on_live_stack(uintptr_t addr, size_t n) {
  uintptr_t sp = current_sp(), lo, hi;
  if (addr < sp - RED_ZONE) /* heap, or below the stack pointer: no look-up */
    return false;
  return live_stack(sp, &lo, &hi) && addr >= lo && addr < hi && n <= hi - addr;
}

bool ospy_os_own_stack(uintptr_t *lo, uintptr_t *hi) {
  return live_stack(current_sp(), lo, hi);
}

/* A word at a time; not instrumented (ASan would flag the redzones between
 * the locals of frames it does not own), and kept from becoming a memcpy call
 * (the empty asm) for the same reason. */
__attribute__((no_sanitize_address)) static void copy_from_stack(uint8_t *d, const uint8_t *s,
                                                                  size_t n) {
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    uint64_t w;
    __builtin_memcpy(&w, s + i, 8);
    __asm__ volatile("" : "+r"(w));
    __builtin_memcpy(d + i, &w, 8);
  }
  for (; i < n; i++)
    d[i] = s[i];
}

static bool count_kernel_reads;
static unsigned long kernel_reads; /* (a word: atomic on i386 too) */

void ospy_os_read_count_kernel_reads(bool on) {
  __atomic_store_n(&count_kernel_reads, on, __ATOMIC_RELAXED);
}

uint64_t ospy_os_read_kernel_reads(void) {
  return __atomic_load_n(&kernel_reads, __ATOMIC_RELAXED);
}

/* Anything but the live stack: the kernel copies, or says EFAULT. */
__attribute__((noinline)) static size_t read_through_kernel(uintptr_t addr, void *buf, size_t n) {
  if (__atomic_load_n(&count_kernel_reads, __ATOMIC_RELAXED))
    __atomic_fetch_add(&kernel_reads, 1, __ATOMIC_RELAXED);
  int pid = __atomic_load_n(&own_pid, __ATOMIC_RELAXED);
  struct iovec local = { buf, n };
  struct iovec remote = { (void *)addr, n };
  long r = ospy_os_syscall(SYS_process_vm_readv, pid ? pid : ospy_os_getpid(), (long)&local, 1,
                           (long)&remote, 1, 0);
  if (r == -3 /* ESRCH */) /* the main thread ended (pthread_exit): read by our own thread */
    r = ospy_os_syscall(SYS_process_vm_readv, ospy_os_gettid(), (long)&local, 1, (long)&remote, 1,
                        0);
  if (r >= 0)
    return (size_t)r;
  if (r == -14 /* EFAULT */)
    return 0;
  return read_checked(addr, buf, n);
}

size_t ospy_os_read_memory(uintptr_t addr, void *buf, size_t n) {
  if (n == 0)
    return 0;
  if (on_live_stack(addr, n)) {
    copy_from_stack(buf, (const uint8_t *)addr, n);
    return n;
  }
  return read_through_kernel(addr, buf, n);
}

size_t ospy_os_read_small_file(const char *path, void *buf, size_t cap)
{
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return 0;
  ssize_t n = read(fd, buf, cap);
  close(fd);
  return n > 0 ? (size_t)n : 0;
}
