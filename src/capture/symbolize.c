/* Symbolization of capture addresses; see symbolize.h. */
#include "capture/symbolize.h"
#include "capture/symbolize_dwarf.h"

#include <fcntl.h>
#include <gelf.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The C++ runtime's demangler (C linkage; libstdc++ is linked for it). */
char *__cxa_demangle(const char *mangled, char *out, size_t *len, int *status);

typedef struct sym {
  uint64_t addr, size;
  char *name;
} sym;

/* The function symbols of one file, by address (loaded on first use). */
typedef struct image {
  char *path;
  int loaded;
  int dwarf_tried;
  ospy_dwarf_module *dwarf; /* source lines and inlined frames, when the file has them */
  sym *syms;
  size_t nsyms;
} image;

typedef struct mapping {
  uint32_t pid;
  uint64_t base, size;
  image *img;
} mapping;

struct ospy_symbolizer {
  image **images;
  size_t nimages;
  mapping *maps;
  size_t nmaps, capmaps;
};

ospy_symbolizer *ospy_symbolizer_new(void)
{
  if (elf_version(EV_CURRENT) == EV_NONE)
    return NULL;
  return calloc(1, sizeof(ospy_symbolizer));
}

static void image_free(image *im)
{
  for (size_t i = 0; i < im->nsyms; i++)
    free(im->syms[i].name);
  free(im->syms);
  free(im->path);
  ospy_dwarf_close(im->dwarf);
  free(im);
}

void ospy_symbolizer_free(ospy_symbolizer *s)
{
  if (!s)
    return;
  for (size_t i = 0; i < s->nimages; i++)
    image_free(s->images[i]);
  free(s->images);
  free(s->maps);
  free(s);
}

static image *image_for(ospy_symbolizer *s, const char *path, size_t len)
{
  for (size_t i = 0; i < s->nimages; i++)
    if (strlen(s->images[i]->path) == len && !memcmp(s->images[i]->path, path, len))
      return s->images[i];
  image **grown = realloc(s->images, (s->nimages + 1) * sizeof *grown);
  image *im = calloc(1, sizeof *im);
  if (!grown || !im || !(im->path = strndup(path, len))) {
    if (grown)
      s->images = grown;
    free(im);
    return NULL;
  }
  s->images = grown;
  s->images[s->nimages++] = im;
  return im;
}

static int by_addr(const void *a, const void *b)
{
  const sym *x = a, *y = b;
  return x->addr < y->addr ? -1 : x->addr > y->addr;
}

char *ospy_symbol_readable(const char *name)
{
  if (name[0] == '_' && name[1] == 'Z') {
    int status = -1;
    char *d = __cxa_demangle(name, NULL, NULL, &status);
    if (d && status == 0)
      return d;
    free(d);
  }
  return strdup(name);
}

/* Function symbols of one symbol table section. */
static void read_symtab(image *im, Elf *elf, Elf_Scn *scn, GElf_Shdr *sh)
{
  Elf_Data *data = elf_getdata(scn, NULL);
  if (!data || !sh->sh_entsize)
    return;
  size_t n = sh->sh_size / sh->sh_entsize;
  sym *grown = realloc(im->syms, (im->nsyms + n) * sizeof *grown);
  if (!grown)
    return;
  im->syms = grown;
  for (size_t i = 0; i < n; i++) {
    GElf_Sym es;
    if (!gelf_getsym(data, (int)i, &es) || GELF_ST_TYPE(es.st_info) != STT_FUNC || !es.st_value)
      continue;
    const char *name = elf_strptr(elf, sh->sh_link, es.st_name);
    if (!name || !*name || !(im->syms[im->nsyms].name = ospy_symbol_readable(name)))
      continue;
    im->syms[im->nsyms].addr = es.st_value;
    im->syms[im->nsyms].size = es.st_size;
    im->nsyms++;
  }
}

static void image_load(image *im)
{
  im->loaded = 1;
  /* the path comes from the capture file: a FIFO or a device there must not
   * block or feed the reader (O_NONBLOCK, regular files only) */
  int fd = open(im->path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  struct stat st;
  if (fd >= 0 && (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))) {
    close(fd);
    fd = -1;
  }
  if (fd < 0) {
    im->dwarf_tried = 1; /* nothing to read there either */
    return;
  }
  Elf *elf = elf_begin(fd, ELF_C_READ, NULL);
  if (elf) {
    int have_symtab = 0;
    for (Elf_Scn *scn = NULL; (scn = elf_nextscn(elf, scn));) {
      GElf_Shdr sh;
      if (gelf_getshdr(scn, &sh) && sh.sh_type == SHT_SYMTAB)
        have_symtab = 1;
    }
    for (Elf_Scn *scn = NULL; (scn = elf_nextscn(elf, scn));) {
      GElf_Shdr sh;
      if (gelf_getshdr(scn, &sh) && sh.sh_type == (have_symtab ? SHT_SYMTAB : SHT_DYNSYM))
        read_symtab(im, elf, scn, &sh);
    }
    elf_end(elf);
  }
  close(fd);
  qsort(im->syms, im->nsyms, sizeof *im->syms, by_addr);
}

static void map_add(ospy_symbolizer *s, uint32_t pid, uint64_t base, uint64_t size, image *im)
{
  if (s->nmaps == s->capmaps) {
    size_t cap = s->capmaps ? s->capmaps * 2 : 64;
    mapping *grown = realloc(s->maps, cap * sizeof *grown);
    if (!grown)
      return;
    s->maps = grown;
    s->capmaps = cap;
  }
  s->maps[s->nmaps++] = (mapping){ pid, base, size, im };
}

static void map_remove(ospy_symbolizer *s, uint32_t pid, uint64_t base)
{
  for (size_t i = 0; i < s->nmaps; i++)
    if (s->maps[i].pid == pid && s->maps[i].base == base) {
      s->maps[i] = s->maps[--s->nmaps];
      return;
    }
}

void ospy_symbolizer_note(ospy_symbolizer *s, const ospy_event_hdr *rec)
{
  if (!s)
    return;
  if (rec->type == OSPY_EV_PROCESS_START) { /* exec: a new address space */
    for (size_t i = 0; i < s->nmaps;)
      if (s->maps[i].pid == rec->pid)
        s->maps[i] = s->maps[--s->nmaps];
      else
        i++;
    return;
  }
  if (rec->type != OSPY_EV_MODULE_LOAD && rec->type != OSPY_EV_MODULE_UNLOAD)
    return;
  const ospy_event_module *m = (const ospy_event_module *)rec;
  if (rec->type == OSPY_EV_MODULE_UNLOAD) {
    map_remove(s, rec->pid, m->base);
    return;
  }
  image *im = image_for(s, (const char *)(m + 1), strnlen((const char *)(m + 1), m->path_len));
  if (im)
    map_add(s, rec->pid, m->base, m->size, im);
}

static const sym *sym_find(const image *im, uint64_t off)
{
  size_t lo = 0, hi = im->nsyms;
  while (lo < hi) { /* first symbol above off */
    size_t mid = (lo + hi) / 2;
    if (im->syms[mid].addr <= off)
      lo = mid + 1;
    else
      hi = mid;
  }
  if (!lo)
    return NULL;
  const sym *sy = &im->syms[lo - 1];
  return !sy->size || off < sy->addr + sy->size ? sy : NULL;
}

void ospy_symbolizer_name(ospy_symbolizer *s, uint32_t pid, uint64_t addr, char *out, size_t cap)
{
  const mapping *best = NULL;
  for (size_t i = 0; s && i < s->nmaps; i++) {
    const mapping *m = &s->maps[i];
    if (m->pid == pid && addr >= m->base && addr - m->base < m->size &&
        (!best || m->base > best->base))
      best = m;
  }
  if (!best) {
    snprintf(out, cap, "0x%" PRIx64, addr);
    return;
  }
  if (!best->img->loaded)
    image_load(best->img);
  const char *slash = strrchr(best->img->path, '/');
  const char *mod = slash ? slash + 1 : best->img->path;
  uint64_t off = addr - best->base;
  const sym *sy = sym_find(best->img, off);
  char src[1024] = "";
  if (!best->img->dwarf_tried) {
    best->img->dwarf_tried = 1;
    best->img->dwarf = ospy_dwarf_open(best->img->path);
  }
  /* a return address: the call is the instruction before it */
  if (off)
    ospy_dwarf_describe(best->img->dwarf, off - 1, src, sizeof src);
  if (sy)
    snprintf(out, cap, "%s!%s+0x%" PRIx64 "%s", mod, sy->name, off - sy->addr, src);
  else
    snprintf(out, cap, "%s+0x%" PRIx64 "%s", mod, off, src);
}
