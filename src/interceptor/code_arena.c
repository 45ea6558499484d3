/*
 * Code cells for hooks, allocated within rel32 reach of their target when
 * possible. Regions are mmap'ed near the target (os layer scans
 * /proc/self/maps for a free gap) and handed out in OSPY_HOOK_CELL_SIZE
 * pieces. Cells are never returned: a hook's cell is cached with the hook and
 * reused when the same function is hooked again, so a thread still running in
 * a trampoline after detach can never find its code gone. Regions start
 * read-write (nothing runs there yet) and become read-execute when their first
 * cell is written during a patch round.
 */
#include "interceptor/code_arena.h"

#include "os/linux/os_memory.h"

#define REGION_SIZE (64 * 1024)
#define MAX_REGIONS 512
/* rel32 reach, less a margin for the region size. */
#define NEAR_DISTANCE ((uint64_t)0x7ff00000 - REGION_SIZE)

typedef struct region {
  uintptr_t base;
  size_t used;
} region;

static region regions[MAX_REGIONS];
static unsigned n_regions;

static uint64_t distance(uintptr_t a, uintptr_t b) { return a > b ? a - b : b - a; }

static uintptr_t take(region *r) {
  if (r->used + OSPY_HOOK_CELL_SIZE > REGION_SIZE)
    return 0;
  uintptr_t cell = r->base + r->used;
  r->used += OSPY_HOOK_CELL_SIZE;
  return cell;
}

static region *add_region(void *base) {
  if (!base || n_regions == MAX_REGIONS)
    return NULL;
  regions[n_regions].base = (uintptr_t)base;
  regions[n_regions].used = 0;
  return &regions[n_regions++];
}

uintptr_t ospy_code_arena_alloc(uintptr_t near, bool *is_near) {
  for (unsigned i = 0; i < n_regions; i++) {
    if (sizeof(void *) == 4 || distance(regions[i].base, near) < NEAR_DISTANCE) {
      uintptr_t c = take(&regions[i]);
      if (c) {
        *is_near = true;
        return c;
      }
    }
  }
  region *r = add_region(sizeof(void *) == 4 ? ospy_os_alloc(REGION_SIZE)
                                             : ospy_os_alloc_near(near, REGION_SIZE, NEAR_DISTANCE));
  if (r) {
    *is_near = true;
    return take(r);
  }
  /* Nothing near: any cell will do, the target then gets an absolute jump. */
  *is_near = false;
  for (unsigned i = 0; i < n_regions; i++) {
    uintptr_t c = take(&regions[i]);
    if (c)
      return c;
  }
  r = add_region(ospy_os_alloc(REGION_SIZE));
  return r ? take(r) : 0;
}

bool ospy_code_arena_contains(uintptr_t addr) {
  for (unsigned i = 0; i < n_regions; i++)
    if (addr >= regions[i].base && addr < regions[i].base + regions[i].used)
      return true;
  return false;
}

void ospy_code_arena_unalloc(uintptr_t cell) {
  for (unsigned i = 0; i < n_regions; i++)
    if (regions[i].used >= OSPY_HOOK_CELL_SIZE &&
        regions[i].base + regions[i].used - OSPY_HOOK_CELL_SIZE == cell)
      regions[i].used -= OSPY_HOOK_CELL_SIZE;
}
