/* Code memory on Linux (see os_memory.h). */
#include "os/linux/os_memory.h"

#include <linux/membarrier.h>
#include <sys/auxv.h>
#include <sys/mman.h>

#include "os/linux/os_maps.h"
#include "os/linux/os_syscall.h"

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif

static size_t page_size_cached;

size_t ospy_os_page_size(void) {
  if (page_size_cached == 0) {
    unsigned long p = getauxval(AT_PAGESZ);
    page_size_cached = p ? (size_t)p : 4096;
  }
  return page_size_cached;
}

static size_t round_pages(size_t size) {
  size_t ps = ospy_os_page_size();
  return (size + ps - 1) & ~(ps - 1);
}

static void *raw_mmap(uintptr_t hint, size_t size, int flags) {
#if defined(__x86_64__)
  long r = ospy_os_syscall(SYS_mmap, (long)hint, (long)size, PROT_READ | PROT_WRITE,
                           MAP_PRIVATE | MAP_ANONYMOUS | flags, -1, 0);
#else
  long r = ospy_os_syscall(SYS_mmap2, (long)hint, (long)size, PROT_READ | PROT_WRITE,
                           MAP_PRIVATE | MAP_ANONYMOUS | flags, -1, 0);
#endif
  return ospy_os_sys_failed(r) ? NULL : (void *)r;
}

void *ospy_os_alloc(size_t size) { return raw_mmap(0, round_pages(size), 0); }

void ospy_os_free(void *addr, size_t size) {
  if (addr)
    (void)ospy_os_sys3(SYS_munmap, (long)addr, (long)round_pages(size), 0);
}

void *ospy_os_resize(void *addr, size_t old_size, size_t new_size) {
  long r = ospy_os_syscall(SYS_mremap, (long)addr, (long)round_pages(old_size),
                           (long)round_pages(new_size), MREMAP_MAYMOVE, 0, 0);
  return ospy_os_sys_failed(r) ? NULL : (void *)r;
}

typedef struct gap_search {
  uintptr_t near, size, lo, hi; /* allowed [lo, hi) for the whole block */
  uintptr_t prev_end;
  uintptr_t best;
  uintptr_t best_dist;
} gap_search;

static uintptr_t dist(uintptr_t a, uintptr_t b) { return a > b ? a - b : b - a; }

/* Picks the address inside free gap [g0, g1) closest to near that fits. */
static void consider_gap(gap_search *s, uintptr_t g0, uintptr_t g1) {
  if (g0 < s->lo)
    g0 = s->lo;
  if (g1 > s->hi)
    g1 = s->hi;
  if (g1 <= g0 || g1 - g0 < s->size)
    return;
  uintptr_t cand = s->near < g0 ? g0 : (s->near + s->size > g1 ? g1 - s->size : s->near);
  cand &= ~(uintptr_t)(ospy_os_page_size() - 1);
  if (cand < g0)
    return;
  uintptr_t d = dist(cand, s->near) > dist(cand + s->size, s->near) ? dist(cand, s->near)
                                                                     : dist(cand + s->size, s->near);
  if (!s->best || d < s->best_dist) {
    s->best = cand;
    s->best_dist = d;
  }
}

static bool gap_cb(const ospy_os_map *m, void *data) {
  gap_search *s = data;
  consider_gap(s, s->prev_end, m->start);
  s->prev_end = m->end;
  return true;
}

void *ospy_os_alloc_near(uintptr_t near, size_t size, uint64_t max_distance) {
  size = round_pages(size);
  for (int attempt = 0; attempt < 4; attempt++) {
    gap_search s = { 0 };
    s.near = near;
    s.size = size;
    s.lo = near > max_distance ? near - (uintptr_t)max_distance : 0;
    if (s.lo < 0x10000)
      s.lo = 0x10000; /* below vm.mmap_min_addr */
    uintptr_t top = sizeof(void *) == 8 ? (uintptr_t)0x7ffffffff000ULL : (uintptr_t)0xfffff000UL;
    s.hi = (uint64_t)(top - near) > max_distance ? near + (uintptr_t)max_distance : top;
    s.prev_end = 0;
    if (ospy_os_maps_foreach(gap_cb, &s) < 0)
      return NULL;
    consider_gap(&s, s.prev_end, top);
    if (!s.best)
      return NULL;
    void *p = raw_mmap(s.best, size, MAP_FIXED_NOREPLACE);
    if (p == (void *)s.best)
      return p;
    if (p) /* an old kernel ignoring the flag put it elsewhere */
      ospy_os_free(p, size);
  }
  return NULL;
}

int ospy_os_protect(void *addr, size_t len, int prot) {
  uintptr_t ps = ospy_os_page_size();
  uintptr_t a = (uintptr_t)addr & ~(ps - 1);
  uintptr_t e = ((uintptr_t)addr + len + ps - 1) & ~(ps - 1);
  return (int)ospy_os_sys3(SYS_mprotect, (long)a, (long)(e - a), prot);
}

static bool any_exec_cb(const ospy_os_map *m, void *data) {
  if ((m->prot & OSPY_OS_PROT_X) && m->path[0] == '/') {
    *(bool *)data = true;
    return false;
  }
  return true;
}

/* qemu-user (used to run i386 tests on kernels without IA32 emulation) shows
 * no file mapping as executable, not even the program's text: then readable
 * file mappings are taken as executable. */
static bool maps_show_exec(void) {
  static int cached = -1;
  if (cached < 0) {
    bool any = false;
    if (ospy_os_maps_foreach(any_exec_cb, &any) == 0)
      cached = any;
  }
  return cached != 0;
}

int ospy_os_query_prot(uintptr_t addr) {
  ospy_os_map m;
  if (!ospy_os_maps_find(addr, &m))
    return -1;
  int prot = m.prot; /* OSPY_OS_PROT_* equal PROT_* */
  if ((prot & OSPY_OS_PROT_R) && !(prot & OSPY_OS_PROT_W) && !maps_show_exec())
    prot |= OSPY_OS_PROT_X;
  return prot;
}

void ospy_os_copy_bytes(void *dst, const void *src, size_t n) {
  volatile uint8_t *d = dst;
  const volatile uint8_t *s = src;
  for (size_t i = 0; i < n; i++)
    d[i] = s[i];
}

static void write_code(uint8_t *addr, const uint8_t *bytes, size_t n) {
  uintptr_t word = (uintptr_t)addr & ~(uintptr_t)7;
  if (n <= 8 && (uintptr_t)addr + n <= word + 8) {
    /* One aligned 8-byte store: a thread that was not suspended sees all old
     * or all new bytes. */
    uint64_t v = __atomic_load_n((uint64_t *)word, __ATOMIC_RELAXED);
    uint8_t *vb = (uint8_t *)&v;
    for (size_t i = 0; i < n; i++)
      vb[(uintptr_t)addr - word + i] = bytes[i];
    __atomic_store_n((uint64_t *)word, v, __ATOMIC_SEQ_CST);
    return;
  }
  ospy_os_copy_bytes(addr, bytes, n);
}

int ospy_os_patch_code(void *addr, const void *bytes, size_t n, int prot) {
  if (prot < 0)
    prot = ospy_os_query_prot((uintptr_t)addr);
  if (prot < 0)
    return -14; /* EFAULT */
  int r = ospy_os_protect(addr, n, prot | PROT_READ | PROT_WRITE | PROT_EXEC);
  if (r < 0)
    r = ospy_os_protect(addr, n, PROT_READ | PROT_WRITE);
  if (r < 0)
    return r;
  write_code(addr, bytes, n);
  r = ospy_os_protect(addr, n, prot);
  return r < 0 ? r : 0;
}

void ospy_os_flush_code(void) {
  static int state; /* 0 unknown, 1 registered, -1 unavailable */
  if (state == 0) {
    long r = ospy_os_sys3(SYS_membarrier, MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_SYNC_CORE, 0, 0);
    state = r < 0 ? -1 : 1;
  }
  if (state == 1)
    (void)ospy_os_sys3(SYS_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED_SYNC_CORE, 0, 0);
}
