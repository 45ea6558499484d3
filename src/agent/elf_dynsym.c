/*
 * A file's dynamic symbols, versions and relocations read as the dynamic
 * linker reads them (elf_dynsym.h). Every table is checked to lie inside
 * the image before it is read.
 */
#include "agent/elf_dynsym.h"

#include <elf.h>
#include <link.h>
#include <string.h>

#if defined(__x86_64__)
#define REL_SECTION SHT_RELA
typedef ElfW(Rela) reloc_t;
#define RELOC_SYM(r) ELF64_R_SYM((r)->r_info)
#define RELOC_TYPE(r) ELF64_R_TYPE((r)->r_info)
#define RELOC_WORD R_X86_64_64
#define RELOC_ADDEND(r) ((r)->r_addend)
#else
#define REL_SECTION SHT_REL
typedef ElfW(Rel) reloc_t;
#define RELOC_SYM(r) ELF32_R_SYM((r)->r_info)
#define RELOC_TYPE(r) ELF32_R_TYPE((r)->r_info)
#define RELOC_WORD R_386_32
#define RELOC_ADDEND(r) 0 /* (REL: the addend is the slot's content in the file) */
#endif
/* the same numbers on both: R_X86_64_GLOB_DAT / R_386_GLOB_DAT, *_JUMP_SLOT */
#define RELOC_GLOB_DAT 6
#define RELOC_JUMP_SLOT 7

#define VERSYM_HIDDEN 0x8000
#define VERSYM_INDEX 0x7fff

/* The tables of one image, each inside it (NULL: the image has none). */
typedef struct dyn_view {
  const uint8_t *map;
  size_t size;
  const ElfW(Shdr) *sh;
  unsigned nsh;
  unsigned dynsym_section;
  const ElfW(Sym) *sym;
  size_t nsym;
  const char *str;
  size_t strsz;
  const ElfW(Half) *versym;     /* nsym entries */
  const ElfW(Shdr) *verdef;     /* .gnu.version_d */
  const ElfW(Shdr) *verneed;    /* .gnu.version_r */
  const ElfW(Shdr) *gnu_hash;
} dyn_view;

static int section_inside(const dyn_view *v, const ElfW(Shdr) *s)
{
  return s->sh_offset <= v->size && s->sh_size <= v->size - s->sh_offset;
}

/* The section of type t linked to the dynamic symbols, if inside the image. */
static const ElfW(Shdr) *linked_section(const dyn_view *v, uint32_t t)
{
  for (unsigned i = 0; i < v->nsh; i++)
    if (v->sh[i].sh_type == t && v->sh[i].sh_link == v->dynsym_section &&
        section_inside(v, &v->sh[i]))
      return &v->sh[i];
  return NULL;
}

static int view_open(dyn_view *v, const uint8_t *map, size_t size)
{
  const ElfW(Ehdr) *eh = (const void *)map;
  memset(v, 0, sizeof *v);
  if (size < sizeof *eh || memcmp(eh->e_ident, ELFMAG, SELFMAG) || eh->e_shoff == 0 ||
      eh->e_shentsize != sizeof(ElfW(Shdr)) ||
      eh->e_shoff + (uint64_t)eh->e_shnum * sizeof(ElfW(Shdr)) > size)
    return -1;
  v->map = map;
  v->size = size;
  v->sh = (const void *)(map + eh->e_shoff);
  v->nsh = eh->e_shnum;
  for (unsigned i = 0; i < v->nsh; i++) {
    const ElfW(Shdr) *s = &v->sh[i];
    if (s->sh_type != SHT_DYNSYM || s->sh_link >= v->nsh || !section_inside(v, s) ||
        !section_inside(v, &v->sh[s->sh_link]))
      continue;
    v->dynsym_section = i;
    v->sym = (const void *)(map + s->sh_offset);
    v->nsym = s->sh_size / sizeof *v->sym;
    v->str = (const char *)map + v->sh[s->sh_link].sh_offset;
    v->strsz = v->sh[s->sh_link].sh_size;
    break;
  }
  if (!v->sym)
    return -1;
  const ElfW(Shdr) *vs = linked_section(v, SHT_GNU_versym);
  if (vs && vs->sh_size / sizeof(ElfW(Half)) >= v->nsym)
    v->versym = (const void *)(map + vs->sh_offset);
  v->gnu_hash = linked_section(v, SHT_GNU_HASH);
  /* (.gnu.version_d and _r link the dynamic string table, not the symbols) */
  unsigned strs = v->sh[v->dynsym_section].sh_link;
  for (unsigned i = 0; i < v->nsh; i++) {
    const ElfW(Shdr) *s = &v->sh[i];
    if (s->sh_link != strs || !section_inside(v, s))
      continue;
    if (s->sh_type == SHT_GNU_verdef)
      v->verdef = s;
    if (s->sh_type == SHT_GNU_verneed)
      v->verneed = s;
  }
  return 0;
}

/* The string at offset off of the dynamic string table, NULL when it runs
 * past it. */
static const char *dyn_string(const dyn_view *v, uint64_t off)
{
  if (off >= v->strsz || strnlen(v->str + off, v->strsz - off) == v->strsz - off)
    return NULL;
  return v->str + off;
}

static const char *symbol_name(const dyn_view *v, size_t i)
{
  return dyn_string(v, v->sym[i].st_name);
}

/* The name of the version the file defines at index ndx (.gnu.version_d),
 * NULL when none. */
static const char *defined_version(const dyn_view *v, unsigned ndx)
{
  if (!v->verdef)
    return NULL;
  const uint8_t *base = v->map + v->verdef->sh_offset;
  uint64_t end = v->verdef->sh_size, at = 0;
  for (unsigned k = 0; k < v->verdef->sh_info + 1u && at + sizeof(ElfW(Verdef)) <= end; k++) {
    ElfW(Verdef) d;
    memcpy(&d, base + at, sizeof d);
    if (d.vd_ndx == ndx && d.vd_cnt && at + d.vd_aux + sizeof(ElfW(Verdaux)) <= end) {
      ElfW(Verdaux) a;
      memcpy(&a, base + at + d.vd_aux, sizeof a);
      return dyn_string(v, a.vda_name);
    }
    if (!d.vd_next)
      break;
    at += d.vd_next;
  }
  return NULL;
}

/* The name of the version the file needs at index ndx (.gnu.version_r),
 * NULL when none. */
static const char *needed_version(const dyn_view *v, unsigned ndx)
{
  if (!v->verneed)
    return NULL;
  const uint8_t *base = v->map + v->verneed->sh_offset;
  uint64_t end = v->verneed->sh_size, at = 0;
  for (unsigned k = 0; k < v->verneed->sh_info + 1u && at + sizeof(ElfW(Verneed)) <= end; k++) {
    ElfW(Verneed) n;
    memcpy(&n, base + at, sizeof n);
    uint64_t aux = at + n.vn_aux;
    for (unsigned j = 0; j < n.vn_cnt && aux + sizeof(ElfW(Vernaux)) <= end; j++) {
      ElfW(Vernaux) a;
      memcpy(&a, base + aux, sizeof a);
      if ((a.vna_other & VERSYM_INDEX) == ndx)
        return dyn_string(v, a.vna_name);
      if (!a.vna_next)
        break;
      aux += a.vna_next;
    }
    if (!n.vn_next)
      break;
    at += n.vn_next;
  }
  return NULL;
}

static unsigned version_index(const dyn_view *v, size_t i)
{
  return v->versym ? v->versym[i] & VERSYM_INDEX : VER_NDX_GLOBAL;
}

static int version_hidden(const dyn_view *v, size_t i)
{
  return v->versym && (v->versym[i] & VERSYM_HIDDEN);
}

size_t ospy_dyn_parse_versioned(const char *symbol, ospy_dyn_request *req)
{
  const char *at = strchr(symbol, '@');
  if (!at || at == symbol)
    return 0;
  int dflt = at[1] == '@';
  const char *ver = at + 1 + dflt;
  size_t n = strlen(ver);
  if (!n || n >= sizeof req->version || strchr(ver, '@'))
    return 0;
  req->want = dflt ? OSPY_DYN_DEFAULT_OF : OSPY_DYN_VERSION;
  memcpy(req->version, ver, n + 1);
  return (size_t)(at - symbol);
}

static int is_function(const ElfW(Sym) *s)
{
  int t = ELF32_ST_TYPE(s->st_info);
  return (t == STT_FUNC || t == STT_GNU_IFUNC) && s->st_shndx != SHN_UNDEF;
}

static int name_is(const dyn_view *v, size_t i, const char *name, size_t len)
{
  const char *s = symbol_name(v, i);
  return s && !strncmp(s, name, len) && !s[len];
}

static uint32_t gnu_hash(const char *name, size_t len)
{
  uint32_t h = 5381;
  for (size_t i = 0; i < len; i++)
    h = h * 33 + (uint8_t)name[i];
  return h;
}

/* The search a lookup makes over the definitions of one name. */
typedef struct def_search {
  const ospy_dyn_request *req;
  ospy_dyn_def *d;
  int found;       /* a definition req takes for sure */
  size_t fallback; /* OSPY_DYN_OLDEST: the default one, taken when no first version is (+1) */
  uint64_t first_value; /* the first definition's */
} def_search;

static void copy_version(char *out, const char *v)
{
  size_t n = v ? strnlen(v, OSPY_DYN_VERSION_MAX - 1) : 0;
  memcpy(out, v ? v : "", n);
  out[n] = 0;
}

static void take_definition(const dyn_view *v, size_t i, ospy_dyn_def *d)
{
  unsigned ndx = version_index(v, i);
  d->value = v->sym[i].st_value;
  d->ifunc = ELF32_ST_TYPE(v->sym[i].st_info) == STT_GNU_IFUNC;
  d->is_default = !version_hidden(v, i);
  copy_version(d->version, ndx >= 2 ? defined_version(v, ndx) : NULL);
}

/* Definition i of the name: counted, taken when the request asks for it. */
static void consider(const dyn_view *v, size_t i, def_search *s)
{
  unsigned ndx = version_index(v, i);
  int hidden = version_hidden(v, i);
  const char *ver = ndx >= 2 ? defined_version(v, ndx) : NULL;
  const ospy_dyn_request *req = s->req;
  if (s->d->definitions++ == 0)
    s->first_value = v->sym[i].st_value;
  else if (v->sym[i].st_value != s->first_value)
    s->d->versions_differ = 1;
  if (!hidden)
    copy_version(s->d->default_version, ver);
  if (s->found)
    return;
  int take = 0;
  switch (req->want) {
  case OSPY_DYN_NEWEST:
    take = !hidden;
    break;
  case OSPY_DYN_OLDEST: /* ld.so: an index of 2 or less is taken, even hidden */
    take = ndx <= 2;
    if (!take && !hidden && !s->fallback)
      s->fallback = i + 1;
    break;
  case OSPY_DYN_VERSION:
    take = ver && !strcmp(ver, req->version);
    break;
  case OSPY_DYN_DEFAULT_OF:
    take = !hidden && ver && !strcmp(ver, req->version);
    break;
  }
  if (take) {
    take_definition(v, i, s->d);
    s->found = 1;
  }
}

/* Calls consider() for each definition of the name: the symbols of its
 * hash chain (.gnu.hash: one name's versions share it), else every one. */
static void each_definition(const dyn_view *v, const char *name, size_t len, def_search *s)
{
  if (v->gnu_hash && v->gnu_hash->sh_size >= 16) {
    const uint32_t *h = (const void *)(v->map + v->gnu_hash->sh_offset);
    size_t words = v->gnu_hash->sh_size / 4;
    uint32_t nbuckets = h[0], symoffset = h[1], bloom = h[2];
    size_t buckets = 4 + (size_t)bloom * (sizeof(ElfW(Addr)) / 4);
    if (nbuckets && buckets + nbuckets <= words) {
      uint32_t hash = gnu_hash(name, len);
      const uint32_t *chain = h + buckets + nbuckets;
      size_t nchain = words - buckets - nbuckets;
      for (uint32_t i = h[buckets + hash % nbuckets]; i && i >= symoffset && i < v->nsym &&
                                                      i - symoffset < nchain; i++) {
        uint32_t c = chain[i - symoffset];
        if ((c | 1) == (hash | 1) && is_function(&v->sym[i]) && name_is(v, i, name, len))
          consider(v, i, s);
        if (c & 1)
          break;
      }
      return;
    }
  }
  for (size_t i = 1; i < v->nsym; i++)
    if (is_function(&v->sym[i]) && name_is(v, i, name, len))
      consider(v, i, s);
}

int ospy_dyn_find(const uint8_t *map, size_t size, const char *name, size_t len,
                  const ospy_dyn_request *req, ospy_dyn_def *d)
{
  dyn_view v;
  memset(d, 0, sizeof *d);
  if (view_open(&v, map, size) < 0)
    return -1;
  def_search s = { .req = req, .d = d };
  each_definition(&v, name, len, &s);
  if (!s.found && s.fallback) {
    take_definition(&v, s.fallback - 1, d);
    s.found = 1;
  }
  return s.found;
}

static void append(char *out, size_t cap, size_t *n, const char *s, size_t len)
{
  if (*n + 1 >= cap)
    return;
  size_t room = cap - *n - 1;
  len = len < room ? len : room;
  memcpy(out + *n, s, len);
  *n += len;
  out[*n] = 0;
}

unsigned ospy_dyn_versions(const uint8_t *map, size_t size, const char *name, size_t len,
                           char *out, size_t cap)
{
  dyn_view v;
  size_t n = 0;
  unsigned count = 0;
  if (cap)
    out[0] = 0;
  if (view_open(&v, map, size) < 0 || !cap)
    return 0;
  for (size_t i = 1; i < v.nsym; i++) {
    unsigned ndx = version_index(&v, i);
    const char *ver = ndx >= 2 ? defined_version(&v, ndx) : NULL;
    if (!is_function(&v.sym[i]) || !name_is(&v, i, name, len) || !ver)
      continue;
    if (count++)
      append(out, cap, &n, ", ", 2);
    append(out, cap, &n, name, len);
    append(out, cap, &n, version_hidden(&v, i) ? "@" : "@@", version_hidden(&v, i) ? 1 : 2);
    append(out, cap, &n, ver, strlen(ver));
  }
  return count;
}

/* The request an import (undefined symbol i) makes. */
static void import_request(const dyn_view *v, size_t i, ospy_dyn_request *req)
{
  unsigned ndx = version_index(v, i);
  const char *ver = ndx >= 2 ? needed_version(v, ndx) : NULL;
  memset(req, 0, sizeof *req);
  req->want = ver ? OSPY_DYN_VERSION : v->versym ? OSPY_DYN_OLDEST : OSPY_DYN_NEWEST;
  copy_version(req->version, ver);
}

int ospy_dyn_import(const uint8_t *map, size_t size, const char *name, ospy_dyn_request *req)
{
  dyn_view v;
  if (view_open(&v, map, size) < 0)
    return 0;
  size_t len = strlen(name);
  for (size_t i = 1; i < v.nsym; i++)
    if (v.sym[i].st_shndx == SHN_UNDEF && name_is(&v, i, name, len)) {
      import_request(&v, i, req);
      return 1;
    }
  return 0;
}

/* Whether symbol i (defined or imported) stands for version version. */
static int symbol_of_version(const dyn_view *v, size_t i, const char *version)
{
  unsigned ndx = version_index(v, i);
  if (!version[0] || ndx < 2)
    return 1;
  const char *ver = v->sym[i].st_shndx == SHN_UNDEF ? needed_version(v, ndx)
                                                    : defined_version(v, ndx);
  return !ver || !strcmp(ver, version);
}

void ospy_dyn_bound_slots(const uint8_t *map, size_t size, const char *name, const char *version,
                          ospy_dyn_slot_fn each, void *data)
{
  dyn_view v;
  if (view_open(&v, map, size) < 0)
    return;
  size_t len = strlen(name);
  for (unsigned k = 0; k < v.nsh; k++) {
    const ElfW(Shdr) *s = &v.sh[k];
    if (s->sh_type != REL_SECTION || s->sh_link != v.dynsym_section || !section_inside(&v, s))
      continue;
    const reloc_t *r = (const void *)(map + s->sh_offset);
    for (size_t j = 0; j < s->sh_size / sizeof *r; j++) {
      size_t i = RELOC_SYM(&r[j]);
      unsigned type = RELOC_TYPE(&r[j]);
      if (!i || i >= v.nsym ||
          (type != RELOC_GLOB_DAT && type != RELOC_JUMP_SLOT && type != RELOC_WORD) ||
          (type == RELOC_WORD && RELOC_ADDEND(&r[j]) != 0) || !name_is(&v, i, name, len) ||
          !symbol_of_version(&v, i, version))
        continue;
      each(r[j].r_offset, data);
    }
  }
}

unsigned ospy_dyn_plt_ranges(const uint8_t *map, size_t size, uint64_t *lo, uint64_t *hi,
                             unsigned cap)
{
  const ElfW(Ehdr) *eh = (const void *)map;
  if (size < sizeof *eh || eh->e_shoff == 0 || eh->e_shentsize != sizeof(ElfW(Shdr)) ||
      eh->e_shoff + (uint64_t)eh->e_shnum * sizeof(ElfW(Shdr)) > size ||
      eh->e_shstrndx >= eh->e_shnum)
    return 0;
  const ElfW(Shdr) *sh = (const void *)(map + eh->e_shoff);
  const ElfW(Shdr) *names = &sh[eh->e_shstrndx];
  if (names->sh_offset > size || names->sh_size > size - names->sh_offset)
    return 0;
  unsigned n = 0;
  for (unsigned i = 0; i < eh->e_shnum && n < cap; i++) {
    if (sh[i].sh_name >= names->sh_size || !(sh[i].sh_flags & SHF_EXECINSTR))
      continue;
    const char *name = (const char *)map + names->sh_offset + sh[i].sh_name;
    size_t room = names->sh_size - sh[i].sh_name;
    if (strnlen(name, room) == room ||
        (strcmp(name, ".plt") && strcmp(name, ".plt.sec") && strcmp(name, ".plt.got")))
      continue;
    lo[n] = sh[i].sh_addr;
    hi[n++] = sh[i].sh_addr + sh[i].sh_size;
  }
  return n;
}
