/*
 * A function's code range from an ELF image's .eh_frame (eh_frame.h): its
 * entries walked in order (a CIE, then the FDEs that point back to it), each
 * FDE's initial location and range read as its CIE's augmentation ('R')
 * encodes them. Everything is bounds-checked against the mapped file: an
 * entry this reader does not understand makes the answer "unknown" (-1),
 * never a wrong range.
 */
#include "agent/eh_frame.h"

#include <elf.h>
#include <link.h>
#include <string.h>

/* Pointer encodings (DW_EH_PE_*, the LSB's .eh_frame): a format in the low
 * nibble, what it is relative to in the next three bits. */
#define PE_ABSPTR 0x00
#define PE_ULEB128 0x01
#define PE_UDATA2 0x02
#define PE_UDATA4 0x03
#define PE_UDATA8 0x04
#define PE_SLEB128 0x09
#define PE_SDATA2 0x0a
#define PE_SDATA4 0x0b
#define PE_SDATA8 0x0c
#define PE_PCREL 0x10
#define PE_FORMAT(enc) ((enc) & 0x0f)
#define PE_RELATIVE(enc) ((enc) & 0x70)

/* Bytes of the image read in order, with the link-time address of the next
 * one (a pc-relative pointer is relative to its own address). */
typedef struct reader {
  const uint8_t *p, *end;
  uint64_t vaddr;
  int bad; /* a read went past end, or met an encoding not known here */
} reader;

static void skip(reader *r, uint64_t n)
{
  if (r->bad || n > (uint64_t)(r->end - r->p)) {
    r->bad = 1;
    r->p = r->end;
    return;
  }
  r->p += n;
  r->vaddr += n;
}

static uint64_t read_le(reader *r, unsigned n)
{
  uint64_t v = 0;
  if (r->bad || n > (uint64_t)(r->end - r->p)) {
    r->bad = 1;
    return 0;
  }
  for (unsigned i = 0; i < n; i++)
    v |= (uint64_t)r->p[i] << (8 * i);
  skip(r, n);
  return v;
}

static uint64_t read_uleb(reader *r)
{
  uint64_t v = 0;
  for (unsigned shift = 0;; shift += 7) {
    uint8_t b = (uint8_t)read_le(r, 1);
    if (r->bad)
      return 0;
    if (shift < 64)
      v |= (uint64_t)(b & 0x7f) << shift;
    if (!(b & 0x80))
      return v;
  }
}

static uint64_t read_sleb(reader *r)
{
  uint64_t v = 0;
  unsigned shift = 0;
  uint8_t b;
  do {
    b = (uint8_t)read_le(r, 1);
    if (r->bad)
      return 0;
    if (shift < 64)
      v |= (uint64_t)(b & 0x7f) << shift;
    shift += 7;
  } while (b & 0x80);
  if (shift < 64 && (b & 0x40))
    v |= ~(uint64_t)0 << shift;
  return v;
}

static uint64_t sign_extend(uint64_t v, unsigned bits)
{
  uint64_t m = (uint64_t)1 << (bits - 1);
  return (v ^ m) - m;
}

/* A pointer as enc encodes it; an encoding a linked .eh_frame does not use
 * for code addresses (relative to .text, the data, the function; aligned)
 * sets r->bad. */
static uint64_t read_encoded(reader *r, uint8_t enc)
{
  uint64_t at = r->vaddr, v;
  switch (PE_FORMAT(enc)) {
  case PE_ABSPTR: v = read_le(r, sizeof(ElfW(Addr))); break;
  case PE_ULEB128: v = read_uleb(r); break;
  case PE_UDATA2: v = read_le(r, 2); break;
  case PE_UDATA4: v = read_le(r, 4); break;
  case PE_UDATA8: v = read_le(r, 8); break;
  case PE_SLEB128: v = read_sleb(r); break;
  case PE_SDATA2: v = sign_extend(read_le(r, 2), 16); break;
  case PE_SDATA4: v = sign_extend(read_le(r, 4), 32); break;
  case PE_SDATA8: v = read_le(r, 8); break;
  default: r->bad = 1; return 0;
  }
  if (PE_RELATIVE(enc) == PE_PCREL)
    v += at;
  else if (PE_RELATIVE(enc))
    r->bad = 1;
  return sizeof(ElfW(Addr)) == 4 ? v & 0xffffffffu : v;
}

/* The encoding of the code addresses of the FDEs of the CIE at cie (its
 * length field; end: the end of .eh_frame): its augmentation's 'R', the
 * absolute pointer without one; -1 when it is not understood. */
static int cie_fde_encoding(const uint8_t *cie, const uint8_t *end)
{
  reader r = { cie, end, 0, 0 };
  uint64_t len = read_le(&r, 4);
  if (len == 0xffffffff)
    len = read_le(&r, 8);
  if (r.bad || len > (uint64_t)(r.end - r.p))
    return -1;
  r.end = r.p + len;
  if (read_le(&r, 4) != 0)
    return -1; /* (not a CIE: its id is 0 in .eh_frame) */
  uint8_t version = (uint8_t)read_le(&r, 1);
  const char *aug = (const char *)r.p;
  size_t n = r.bad ? 0 : strnlen(aug, (size_t)(r.end - r.p));
  if (r.bad || (version != 1 && version != 3) || n == (size_t)(r.end - r.p))
    return -1;
  skip(&r, n + 1);
  read_uleb(&r); /* code alignment */
  read_sleb(&r); /* data alignment */
  if (version == 1)
    read_le(&r, 1); /* return address register */
  else
    read_uleb(&r);
  if (aug[0] != 'z')
    return r.bad || aug[0] ? -1 : PE_ABSPTR; /* (GCC 2's "eh": not read) */
  read_uleb(&r); /* the augmentation data's length */
  for (const char *a = aug + 1; *a && !r.bad; a++) {
    switch (*a) {
    case 'R': {
      uint8_t enc = (uint8_t)read_le(&r, 1);
      return r.bad ? -1 : enc;
    }
    case 'P': { /* the personality routine: skipped */
      uint8_t enc = (uint8_t)read_le(&r, 1);
      read_encoded(&r, PE_FORMAT(enc));
      break;
    }
    case 'L': read_le(&r, 1); break; /* the LSDA's encoding */
    case 'S': case 'B': case 'G': break;
    default: return -1;
    }
  }
  return r.bad ? -1 : PE_ABSPTR;
}

/* The FDE of the .eh_frame at data (n bytes, at the link-time address
 * vaddr) that covers v. zero_ends: a zero length ends it (the terminator
 * crtend.o puts last; its end is not known, only its segment's). */
static int fde_covering(const uint8_t *data, size_t n, uint64_t vaddr, int zero_ends, uint64_t v,
                        uint64_t *lo, uint64_t *hi)
{
  const uint8_t *end = data + n;
  const uint8_t *cie = NULL;
  int enc = -1, unknown = 0;
  reader r = { data, end, vaddr, 0 };
  while ((size_t)(end - r.p) >= 4) {
    uint64_t len = read_le(&r, 4);
    if (len == 0) {
      if (zero_ends)
        break;
      continue;
    }
    if (len == 0xffffffff)
      len = read_le(&r, 8);
    if (r.bad || len < 4 || len > (uint64_t)(end - r.p))
      return -1;
    reader e = { r.p, r.p + len, r.vaddr, 0 };
    skip(&r, len);
    const uint8_t *id_at = e.p;
    uint64_t id = read_le(&e, 4);
    if (id == 0)
      continue; /* a CIE */
    if (id > (uint64_t)(id_at - data))
      return -1;
    if (id_at - id != cie) {
      cie = id_at - id;
      enc = cie_fde_encoding(cie, end);
    }
    uint64_t begin = enc < 0 ? 0 : read_encoded(&e, (uint8_t)enc);
    uint64_t range = enc < 0 ? 0 : read_encoded(&e, PE_FORMAT((uint8_t)enc));
    if (enc < 0 || e.bad) {
      unknown = 1;
      continue;
    }
    if (range && v >= begin && v - begin < range) {
      *lo = begin;
      *hi = begin + range;
      return 1;
    }
  }
  return unknown ? -1 : 0;
}

static const ElfW(Ehdr) *elf_header(const uint8_t *map, size_t size)
{
  const ElfW(Ehdr) *eh = (const void *)map;
  int class = sizeof(ElfW(Addr)) == 8 ? ELFCLASS64 : ELFCLASS32;
  if (size < sizeof *eh || memcmp(eh->e_ident, ELFMAG, SELFMAG) || eh->e_ident[EI_CLASS] != class)
    return NULL;
  return eh;
}

/* The section named name, NULL when there is none (or no section headers). */
static const ElfW(Shdr) *section_named(const uint8_t *map, size_t size, const char *name)
{
  const ElfW(Ehdr) *eh = elf_header(map, size);
  if (!eh || !eh->e_shoff || eh->e_shentsize != sizeof(ElfW(Shdr)) ||
      eh->e_shoff > size || (uint64_t)eh->e_shnum * sizeof(ElfW(Shdr)) > size - eh->e_shoff ||
      eh->e_shstrndx >= eh->e_shnum)
    return NULL;
  const ElfW(Shdr) *sh = (const void *)(map + eh->e_shoff);
  const ElfW(Shdr) *names = &sh[eh->e_shstrndx];
  if (names->sh_offset > size || names->sh_size > size - names->sh_offset)
    return NULL;
  size_t len = strlen(name);
  for (unsigned i = 0; i < eh->e_shnum; i++)
    if (sh[i].sh_name < names->sh_size && names->sh_size - sh[i].sh_name > len &&
        !memcmp(map + names->sh_offset + sh[i].sh_name, name, len + 1))
      return &sh[i];
  return NULL;
}

const uint8_t *ospy_elf_section_bytes(const uint8_t *map, size_t size, const char *name,
                                      size_t *len)
{
  const ElfW(Shdr) *s = section_named(map, size, name);
  if (!s || s->sh_type == SHT_NOBITS || s->sh_offset > size || s->sh_size > size - s->sh_offset)
    return NULL;
  *len = (size_t)s->sh_size;
  return map + s->sh_offset;
}

static const ElfW(Phdr) *segments(const uint8_t *map, size_t size, unsigned *n)
{
  const ElfW(Ehdr) *eh = elf_header(map, size);
  if (!eh || eh->e_phentsize != sizeof(ElfW(Phdr)) || eh->e_phoff > size ||
      (uint64_t)eh->e_phnum * sizeof(ElfW(Phdr)) > size - eh->e_phoff)
    return NULL;
  *n = eh->e_phnum;
  return (const void *)(map + eh->e_phoff);
}

/* The .eh_frame a file without section headers has: where its
 * .eh_frame_hdr (PT_GNU_EH_FRAME) points, up to the end of the file bytes
 * of the loadable segment holding it. */
static int by_eh_frame_hdr(const uint8_t *map, size_t size, uint64_t v, uint64_t *lo,
                           uint64_t *hi)
{
  unsigned n = 0;
  const ElfW(Phdr) *ph = segments(map, size, &n);
  const ElfW(Phdr) *hdr = NULL;
  for (unsigned i = 0; ph && i < n; i++)
    if (ph[i].p_type == PT_GNU_EH_FRAME)
      hdr = &ph[i];
  if (!hdr || hdr->p_offset > size || hdr->p_filesz > size - hdr->p_offset)
    return -1;
  reader r = { map + hdr->p_offset, map + hdr->p_offset + hdr->p_filesz, hdr->p_vaddr, 0 };
  uint8_t version = (uint8_t)read_le(&r, 1), enc = (uint8_t)read_le(&r, 1);
  skip(&r, 2); /* the table's encodings */
  uint64_t frame = read_encoded(&r, enc);
  if (r.bad || version != 1)
    return -1;
  for (unsigned i = 0; i < n; i++) {
    if (ph[i].p_type != PT_LOAD || frame < ph[i].p_vaddr ||
        frame - ph[i].p_vaddr >= ph[i].p_filesz)
      continue;
    uint64_t off = ph[i].p_offset + (frame - ph[i].p_vaddr);
    uint64_t stop = ph[i].p_offset + ph[i].p_filesz;
    if (stop > size)
      return -1;
    return fde_covering(map + off, (size_t)(stop - off), frame, 1, v, lo, hi);
  }
  return -1;
}

int ospy_eh_frame_function(const uint8_t *map, size_t size, uint64_t v, uint64_t *lo,
                           uint64_t *hi)
{
  const ElfW(Shdr) *s = section_named(map, size, ".eh_frame");
  if (!s || s->sh_type == SHT_NOBITS || s->sh_offset > size || s->sh_size > size - s->sh_offset)
    return by_eh_frame_hdr(map, size, v, lo, hi);
  return fde_covering(map + s->sh_offset, s->sh_size, s->sh_addr, 0, v, lo, hi);
}
