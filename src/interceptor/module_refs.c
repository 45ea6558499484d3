/*
 * What in a module may lead into a few bytes of its code (module_refs.h).
 *
 * hook_code.c decodes the code next to a function for branches into the
 * bytes its jump covers; references from anywhere else in the module are
 * found here:
 *  - a rel32 branch: gcc -O2 puts a function's unlikely part (`fn.cold`)
 *    in .text.unlikely, tens of KiB away, and it jumps back into the
 *    function (`jmp fn+3`);
 *  - an address the code takes: `lea rcx, [rip + fn+2]; jmp rcx`, a
 *    position-dependent program's `mov ecx, offset fn+2`, i386 PIC's
 *    `lea ecx, fn+2@GOTOFF[ebx]`;
 *  - a pointer in data, a jump table's entry: the value of a relocation
 *    (RELATIVE and word relocations, REL, RELA and RELR), a word of a
 *    position-dependent program.
 *    Not the tables of offsets PIC code uses (x86-64's from the table,
 *    i386's from the GOT): an offset cannot be told from any other number.
 *    Read as GOT-relative, the words of i386 libc's read-only data point
 *    into code all over (.eh_frame_hdr's table of offsets alone put one
 *    into `free`'s first bytes).
 *
 * A module is scanned once per installation batch (a transaction: libc's
 * 1.4 MiB of code in about 5 ms, LLVM's 108 MiB in 0.3 s) and every
 * reference into its code kept, sorted by target: a hook's bytes are then a
 * binary search, for the 1600 hooks of `-f 'libc.so.6!*'` as for one. The
 * index serves the batch's next hooks, a few modules at a time, and is
 * built again when the loader unloaded any module since (another may have
 * been loaded where this one was). At the batch's end it goes (LLVM's is
 * 26 MiB).
 *
 * Code is scanned as a superset (x86_branch_scan.h: every byte offset read
 * as each form): in libc one exported function's first bytes are the
 * target of such a false reading (`4d 01 e9` read from its e9), so a code
 * site is only believed once decoded (hook_code.c). A data reference is a
 * word equal to one of a few addresses: taken as it is.
 *
 * Memory is mapped pages (no malloc: a hooked allocator may be re-entered);
 * code and data are read safely (a module may be unloaded meanwhile); all
 * of it under the interceptor's lock.
 */
#include "interceptor/module_refs.h"

#include <elf.h>
#include <link.h>
#include <stddef.h>
#include <string.h>

#include "arch/x86/x86_branch_scan.h"
#include "interceptor/interceptor_internal.h"
#include "os/linux/os_memory.h"
#include "os/linux/os_read.h"

#ifndef DT_RELRSZ
#define DT_RELRSZ 35
#endif
#ifndef DT_RELR
#define DT_RELR 36
#endif

#if defined(__x86_64__)
#define R_WORD_RELATIVE R_X86_64_RELATIVE
#define R_WORD_ABSOLUTE R_X86_64_64
#define RELOC_TYPE(info) ELF64_R_TYPE(info)
#else
#define R_WORD_RELATIVE R_386_RELATIVE
#define R_WORD_ABSOLUTE R_386_32
#define RELOC_TYPE(info) ELF32_R_TYPE(info)
#endif

#define MAX_SEGS 16
#define CACHE_SLOTS 4
#define SCAN_CHUNK 65536
#define SCAN_LOOKAHEAD 16
/* An index entry: (target - base) << 32 | kind << SITE_BITS | (site - base).
 * A module that spans 1 GiB or more is not scanned. */
#define SITE_BITS 30
#define SITE_MASK ((1ull << SITE_BITS) - 1)
#define KIND_CODE 0ull
#define KIND_POINTER 1ull
#define PTR_SIZE sizeof(uintptr_t)

typedef struct module_seg {
  uintptr_t lo, hi, file_hi; /* [lo, hi) in memory, its file's bytes up to file_hi */
  uint32_t flags;            /* PF_* */
} module_seg;

typedef struct module_layout {
  uintptr_t bias;
  uintptr_t base, end;         /* the span of its loadable segments */
  uintptr_t code_lo, code_hi;  /* ... and of its executable ones */
  uintptr_t dynamic;           /* _DYNAMIC, 0 if none */
  bool dynamic_relocated;      /* the loader added bias to its pointers */
  unsigned long long subs;     /* the loader's count of unloads then */
  module_seg segs[MAX_SEGS];
  unsigned nsegs;
} module_layout;

typedef struct module_index {
  uintptr_t base, bias;  /* base 0: a free slot */
  unsigned long long subs;
  unsigned long used;    /* for eviction: the least recently used goes */
  bool scanned;          /* false: could not be (too large, no memory) */
  bool absolute;
  uintptr_t got;
  uintptr_t code_lo, code_hi;
  uint64_t *refs;        /* sorted once built */
  size_t n, cap;
  bool full;             /* an allocation failed while it was built */
} module_index;

static module_index slots[CACHE_SLOTS];
static unsigned long use_clock;

/* ---- the module, as the loader has it ---- */

typedef struct find_query {
  uintptr_t addr;
  module_layout *lay;
  bool found;
} find_query;

static bool in_load_segment(const struct dl_phdr_info *info, uintptr_t addr) {
  for (unsigned i = 0; i < info->dlpi_phnum; i++) {
    const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
    if (ph->p_type == PT_LOAD && addr - (info->dlpi_addr + ph->p_vaddr) < ph->p_memsz)
      return true;
  }
  return false;
}

/* Copies what the scan needs while the loader holds the module in place.
 * (Inside this callback nothing may take the loader's other lock: no
 * dladdr, see resolve.c.) */
static void copy_layout(const struct dl_phdr_info *info, size_t size, module_layout *lay) {
  memset(lay, 0, sizeof *lay);
  lay->bias = info->dlpi_addr;
  lay->base = UINTPTR_MAX;
  lay->code_lo = UINTPTR_MAX;
  if (size >= offsetof(struct dl_phdr_info, dlpi_subs) + sizeof info->dlpi_subs)
    lay->subs = info->dlpi_subs;
  for (unsigned i = 0; i < info->dlpi_phnum; i++) {
    const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
    if (ph->p_type == PT_DYNAMIC) {
      lay->dynamic = info->dlpi_addr + ph->p_vaddr;
      /* glibc relocates a writable dynamic section's pointers (l_ld_readonly) */
      lay->dynamic_relocated = (ph->p_flags & PF_W) != 0;
    }
    if (ph->p_type != PT_LOAD)
      continue;
    if (lay->nsegs == MAX_SEGS) {
      lay->nsegs = 0; /* unusual: not scanned */
      return;
    }
    module_seg *s = &lay->segs[lay->nsegs++];
    s->lo = info->dlpi_addr + ph->p_vaddr;
    s->hi = s->lo + ph->p_memsz;
    s->file_hi = s->lo + (ph->p_filesz < ph->p_memsz ? ph->p_filesz : ph->p_memsz);
    s->flags = ph->p_flags;
    if (s->lo < lay->base)
      lay->base = s->lo;
    if (s->hi > lay->end)
      lay->end = s->hi;
    if (s->flags & PF_X) {
      if (s->lo < lay->code_lo)
        lay->code_lo = s->lo;
      if (s->hi > lay->code_hi)
        lay->code_hi = s->hi;
    }
  }
}

static int find_module(struct dl_phdr_info *info, size_t size, void *data) {
  find_query *q = data;
  if (!in_load_segment(info, q->addr))
    return 0;
  copy_layout(info, size, q->lay);
  q->found = true;
  return 1;
}

static bool layout_of(uintptr_t addr, module_layout *lay) {
  find_query q = { .addr = addr, .lay = lay };
  dl_iterate_phdr(find_module, &q);
  return q.found && lay->nsegs && lay->code_lo < lay->code_hi && lay->end - lay->base < (1ul << SITE_BITS);
}

/* ---- the index ---- */

static void push(module_index *m, uintptr_t site, uintptr_t target, uint64_t kind) {
  if (site - m->base > SITE_MASK) /* (a relocation's offset out of the module) */
    return;
  if (m->n == m->cap) {
    size_t cap = m->cap ? m->cap * 2 : 16384;
    uint64_t *grown = m->refs ? ospy_os_resize(m->refs, m->cap * sizeof *m->refs, cap * sizeof *m->refs)
                              : ospy_os_alloc(cap * sizeof *m->refs);
    if (!grown) {
      m->full = true;
      return;
    }
    m->refs = grown;
    m->cap = cap;
  }
  m->refs[m->n++] = (uint64_t)(target - m->base) << 32 | kind << SITE_BITS | (uint64_t)(site - m->base);
}

static bool in_code(const module_index *m, uintptr_t a) { return a - m->code_lo < m->code_hi - m->code_lo; }

static void push_pointer(module_index *m, uintptr_t site, uintptr_t value) {
  if (in_code(m, value))
    push(m, site, value, KIND_POINTER);
}

static void found_in_code(uint64_t site, uint64_t target, void *data) {
  push(data, (uintptr_t)site, (uintptr_t)target, KIND_CODE);
}

static uint8_t chunk[SCAN_CHUNK + SCAN_LOOKAHEAD];

/* At most SCAN_CHUNK + SCAN_LOOKAHEAD bytes of [a, hi) into chunk, as they
 * were before any hook of ours; how many. */
static size_t read_chunk(uintptr_t a, uintptr_t hi) {
  size_t want = hi - a < sizeof chunk ? hi - a : sizeof chunk;
  size_t got = ospy_os_read_memory(a, chunk, want);
  ospy_hooks_overlay_original(a, chunk, got);
  return got;
}

static void scan_code(module_index *m, const module_layout *lay) {
  ospy_x86_ref_scan s = {
    .is64 = sizeof(void *) == 8, .absolute = m->absolute, .got = (uint32_t)m->got,
    .lo = m->code_lo, .hi = m->code_hi, .found = found_in_code, .data = m,
  };
  for (unsigned i = 0; i < lay->nsegs; i++) {
    const module_seg *seg = &lay->segs[i];
    if (!(seg->flags & PF_X))
      continue;
    for (uintptr_t a = seg->lo; a < seg->file_hi; a += SCAN_CHUNK) {
      size_t got = read_chunk(a, seg->file_hi);
      ospy_x86_scan_refs(chunk, got, got < SCAN_CHUNK ? got : SCAN_CHUNK, a, &s);
    }
  }
}

/* Words of data: a page read at a time (relocations are mostly in order). */
static struct {
  uintptr_t page;
  size_t got;
  uint8_t bytes[4096];
} word_page;

static bool read_word(uintptr_t addr, uintptr_t *out) {
  uintptr_t page = addr & ~(uintptr_t)4095;
  if (addr + PTR_SIZE > page + sizeof word_page.bytes)
    return ospy_os_read_memory(addr, out, PTR_SIZE) == PTR_SIZE;
  if (word_page.page != page) {
    word_page.got = ospy_os_read_memory(page, word_page.bytes, sizeof word_page.bytes);
    word_page.page = page;
  }
  if (addr - page + PTR_SIZE > word_page.got)
    return false;
  memcpy(out, word_page.bytes + (addr - page), PTR_SIZE);
  return true;
}

static void pointer_at(module_index *m, uintptr_t addr) {
  uintptr_t value;
  if (read_word(addr, &value))
    push_pointer(m, addr, value);
}

typedef struct dyn_tables {
  uintptr_t rela, relasz, relaent, rel, relsz, relent, relr, relrsz, pltgot;
} dyn_tables;

/* A pointer of the dynamic section, as an address in the module (0: none). */
static uintptr_t module_ptr(const module_layout *lay, uintptr_t p) {
  if (!p)
    return 0;
  uintptr_t a = lay->dynamic_relocated ? p : p + lay->bias;
  return a - lay->base < lay->end - lay->base ? a : 0;
}

static void read_dynamic(const module_layout *lay, dyn_tables *t) {
  memset(t, 0, sizeof *t);
  ElfW(Dyn) d[32];
  for (uintptr_t a = lay->dynamic; a && a < lay->dynamic + 1024 * sizeof d[0]; a += sizeof d) {
    size_t got = ospy_os_read_memory(a, d, sizeof d) / sizeof d[0];
    for (size_t i = 0; i < got; i++) {
      uintptr_t v = (uintptr_t)d[i].d_un.d_val;
      switch (d[i].d_tag) {
      case DT_NULL: t->rela = module_ptr(lay, t->rela); t->rel = module_ptr(lay, t->rel);
        t->relr = module_ptr(lay, t->relr); t->pltgot = module_ptr(lay, t->pltgot); return;
      case DT_RELA: t->rela = v; break;
      case DT_RELASZ: t->relasz = v; break;
      case DT_RELAENT: t->relaent = v; break;
      case DT_REL: t->rel = v; break;
      case DT_RELSZ: t->relsz = v; break;
      case DT_RELENT: t->relent = v; break;
      case DT_RELR: t->relr = v; break;
      case DT_RELRSZ: t->relrsz = v; break;
      case DT_PLTGOT: t->pltgot = v; break;
      default: break;
      }
    }
    if (got < sizeof d / sizeof d[0])
      break;
  }
  memset(t, 0, sizeof *t); /* no DT_NULL read: none of it trusted */
}

/* RELA: a RELATIVE's value is bias + addend; a word relocation's is read. */
static void scan_rela(module_index *m, const module_layout *lay, const dyn_tables *t) {
  ElfW(Rela) r[128];
  if (!t->rela || t->relaent != sizeof r[0])
    return;
  for (uintptr_t a = t->rela; a < t->rela + t->relasz; a += sizeof r) {
    size_t want = t->rela + t->relasz - a < sizeof r ? t->rela + t->relasz - a : sizeof r;
    size_t got = ospy_os_read_memory(a, r, want) / sizeof r[0];
    for (size_t i = 0; i < got; i++) {
      uintptr_t site = lay->bias + (uintptr_t)r[i].r_offset;
      if (RELOC_TYPE(r[i].r_info) == R_WORD_RELATIVE)
        push_pointer(m, site, lay->bias + (uintptr_t)r[i].r_addend);
      else if (RELOC_TYPE(r[i].r_info) == R_WORD_ABSOLUTE)
        pointer_at(m, site);
    }
    if (got < want / sizeof r[0])
      return;
  }
}

/* REL: the value is in place, relocated. */
static void scan_rel(module_index *m, const module_layout *lay, const dyn_tables *t) {
  ElfW(Rel) r[128];
  if (!t->rel || t->relent != sizeof r[0])
    return;
  for (uintptr_t a = t->rel; a < t->rel + t->relsz; a += sizeof r) {
    size_t want = t->rel + t->relsz - a < sizeof r ? t->rel + t->relsz - a : sizeof r;
    size_t got = ospy_os_read_memory(a, r, want) / sizeof r[0];
    for (size_t i = 0; i < got; i++) {
      unsigned type = RELOC_TYPE(r[i].r_info);
      if (type == R_WORD_RELATIVE || type == R_WORD_ABSOLUTE)
        pointer_at(m, lay->bias + (uintptr_t)r[i].r_offset);
    }
    if (got < want / sizeof r[0])
      return;
  }
}

/* RELR (packed RELATIVE relocations): an even entry is an address, an odd
 * one a bitmap of the words after the last address. */
static void scan_relr(module_index *m, const module_layout *lay, const dyn_tables *t) {
  uintptr_t e[128];
  uintptr_t where = 0;
  if (!t->relr)
    return;
  for (uintptr_t a = t->relr; a < t->relr + t->relrsz; a += sizeof e) {
    size_t want = t->relr + t->relrsz - a < sizeof e ? t->relr + t->relrsz - a : sizeof e;
    size_t got = ospy_os_read_memory(a, e, want) / sizeof e[0];
    for (size_t i = 0; i < got; i++) {
      if ((e[i] & 1) == 0) {
        where = lay->bias + e[i];
        pointer_at(m, where);
        where += PTR_SIZE;
        continue;
      }
      uintptr_t bits = e[i] >> 1;
      for (unsigned k = 0; bits; bits >>= 1, k++)
        if (bits & 1)
          pointer_at(m, where + k * PTR_SIZE);
      where += (8 * PTR_SIZE - 1) * PTR_SIZE;
    }
    if (got < want / sizeof e[0])
      return;
  }
}

/* Aligned 4-byte words of every segment of a position-dependent module:
 * its jump tables hold absolute addresses, wherever the linker put .rodata
 * (an x86-64 .quad's low half: such a module lies below 4 GiB). Exact
 * values: a word of code or of other data equal to one of the bytes to
 * patch is a 1 in 2^32 chance per word and window byte. */
static void scan_words(module_index *m, const module_layout *lay) {
  for (unsigned i = 0; i < lay->nsegs; i++) {
    const module_seg *seg = &lay->segs[i];
    uintptr_t lo = (seg->lo + 3) & ~(uintptr_t)3;
    for (uintptr_t a = lo; a < seg->file_hi; a += SCAN_CHUNK) {
      size_t got = read_chunk(a, seg->file_hi);
      for (size_t k = 0; k + 4 <= got && k < SCAN_CHUNK; k += 4) {
        uint32_t v;
        memcpy(&v, chunk + k, sizeof v);
        push_pointer(m, a + k, v);
      }
    }
  }
}

/* By target, an LSD radix sort of the entries' high halves. */
static bool sort_refs(module_index *m) {
  if (m->n < 2)
    return true;
  uint64_t *tmp = ospy_os_alloc(m->n * sizeof *tmp);
  if (!tmp)
    return false;
  uint64_t *src = m->refs, *dst = tmp;
  for (unsigned shift = 32; shift < 64; shift += 8) {
    size_t count[257] = { 0 };
    for (size_t i = 0; i < m->n; i++)
      count[((src[i] >> shift) & 0xFF) + 1]++;
    for (unsigned b = 0; b < 256; b++)
      count[b + 1] += count[b];
    for (size_t i = 0; i < m->n; i++)
      dst[count[(src[i] >> shift) & 0xFF]++] = src[i];
    uint64_t *swap = src;
    src = dst;
    dst = swap;
  }
  /* (an even number of passes: the sorted entries are back in m->refs) */
  ospy_os_free(tmp, m->n * sizeof *tmp);
  return true;
}

static void drop(module_index *m) {
  if (m->refs)
    ospy_os_free(m->refs, m->cap * sizeof *m->refs);
  memset(m, 0, sizeof *m);
}

static void build(module_index *m, const module_layout *lay) {
  m->base = lay->base;
  m->bias = lay->bias;
  m->subs = lay->subs;
  m->code_lo = lay->code_lo;
  m->code_hi = lay->code_hi;
  /* an executable linked at a fixed address (no bias): absolute addresses */
  m->absolute = lay->bias == 0;
  dyn_tables t;
  read_dynamic(lay, &t);
#if defined(__i386__)
  m->got = m->absolute ? 0 : t.pltgot; /* _GLOBAL_OFFSET_TABLE_: .got.plt */
#endif
  word_page.page = 0;
  word_page.got = 0;
  scan_code(m, lay);
  scan_rela(m, lay, &t);
  scan_rel(m, lay, &t);
  scan_relr(m, lay, &t);
  if (m->absolute)
    scan_words(m, lay);
  m->scanned = !m->full && sort_refs(m);
}

/* Where lay's module gets an index: the slot of a stale one of it (the
 * loader unloaded a module since), else a free slot, else the least
 * recently used one. */
static module_index *slot_for(const module_layout *lay) {
  module_index *stale = NULL, *free_slot = NULL, *oldest = &slots[0];
  for (unsigned i = 0; i < CACHE_SLOTS; i++) {
    module_index *m = &slots[i];
    if (m->base == lay->base)
      stale = m;
    else if (!m->base)
      free_slot = m;
    if (m->used < oldest->used)
      oldest = m;
  }
  return stale ? stale : free_slot ? free_slot : oldest;
}

/* lay's module's index: the one kept since, or one built now. */
static module_index *index_of(const module_layout *lay) {
  for (unsigned i = 0; i < CACHE_SLOTS; i++) {
    module_index *m = &slots[i];
    if (m->base == lay->base && m->bias == lay->bias && m->subs == lay->subs) {
      m->used = ++use_clock;
      return m;
    }
  }
  module_index *m = slot_for(lay);
  drop(m);
  build(m, lay);
  if (!m->scanned && m->refs) { /* (kept as such: not tried again until evicted) */
    ospy_os_free(m->refs, m->cap * sizeof *m->refs);
    m->refs = NULL;
    m->n = m->cap = 0;
  }
  m->used = ++use_clock;
  return m;
}

void ospy_module_refs_forget(void) {
  for (unsigned i = 0; i < CACHE_SLOTS; i++)
    drop(&slots[i]);
}

bool ospy_module_refs_into(uintptr_t fn, uintptr_t lo, uintptr_t hi, ospy_module_refs *out) {
  memset(out, 0, sizeof *out);
  module_layout lay;
  if (!layout_of(fn, &lay) || hi <= lo + 1)
    return false;
  module_index *m = index_of(&lay);
  if (!m->scanned)
    return false;
  out->base = m->base;
  out->code_lo = m->code_lo;
  out->absolute = m->absolute;
  out->got = m->got;
  if (!in_code(m, lo + 1))
    return true;
  uint64_t first = (uint64_t)(lo + 1 - m->base) << 32, end = (uint64_t)(hi - m->base) << 32;
  size_t a = 0, b = m->n; /* the first entry >= first */
  while (a < b) {
    size_t mid = a + (b - a) / 2;
    if (m->refs[mid] < first)
      a = mid + 1;
    else
      b = mid;
  }
  size_t n = 0;
  while (a + n < m->n && m->refs[a + n] < end)
    n++;
  out->at = m->refs + a;
  out->n = n;
  return true;
}

ospy_module_ref ospy_module_refs_get(const ospy_module_refs *refs, size_t i) {
  uint64_t e = refs->at[i];
  return (ospy_module_ref){
    .site = refs->base + (uintptr_t)(e & SITE_MASK),
    .target = refs->base + (uintptr_t)(e >> 32),
    .pointer = ((e >> SITE_BITS) & 3) == KIND_POINTER,
  };
}
