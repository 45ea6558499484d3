/* Symbolization of capture addresses; see symbolize.h. */
#include "capture/symbolize.h"
#include "capture/procmap.h"
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

struct ospy_symbolizer {
  image **images;
  size_t nimages;
  ospy_procmap *maps; /* the modules' images by process, forked children's
                         in their parents' (procmap.h) */
};

ospy_symbolizer *ospy_symbolizer_new(void)
{
  if (elf_version(EV_CURRENT) == EV_NONE)
    return NULL;
  ospy_symbolizer *s = calloc(1, sizeof(ospy_symbolizer));
  if (s && !(s->maps = ospy_procmap_new())) {
    free(s);
    return NULL;
  }
  return s;
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
  ospy_procmap_free(s->maps, NULL); /* the images are freed above */
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

/* A fork or an exec: a new map for the process (procmap.h). */
static void note_process(ospy_symbolizer *s, const ospy_event_process_start *p)
{
  const char *exe = (const char *)(p + 1) + p->cmd_len;
  ospy_procmap_process_start(s->maps, p->h.pid, p->ppid, exe, strnlen(exe, p->exe_len));
}

void ospy_symbolizer_note(ospy_symbolizer *s, const ospy_event_hdr *rec)
{
  if (!s)
    return;
  if (rec->type == OSPY_EV_PROCESS_START) {
    note_process(s, (const ospy_event_process_start *)rec);
    return;
  }
  if (rec->type != OSPY_EV_MODULE_LOAD && rec->type != OSPY_EV_MODULE_UNLOAD)
    return;
  const ospy_event_module *m = (const ospy_event_module *)rec;
  if (rec->type == OSPY_EV_MODULE_UNLOAD) {
    ospy_procmap_module_unload(s->maps, rec->pid, m->base);
    return;
  }
  const char *path = (const char *)(m + 1);
  size_t len = strnlen(path, m->path_len);
  image *im = image_for(s, path, len);
  if (im)
    ospy_procmap_module_load(s->maps, rec->pid, m->base, m->size, ospy_event_module_bias(m), path,
                             len, im);
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
  const ospy_procmap_module *best = s ? ospy_procmap_find(s->maps, pid, addr) : NULL;
  if (!best) {
    snprintf(out, cap, "0x%" PRIx64, addr);
    return;
  }
  image *img = best->data;
  if (!img->loaded)
    image_load(img);
  const char *slash = strrchr(img->path, '/');
  const char *mod = slash ? slash + 1 : img->path;
  uint64_t off = addr - best->bias; /* the file's address */
  const sym *sy = sym_find(img, off);
  char src[1024] = "";
  if (!img->dwarf_tried) {
    img->dwarf_tried = 1;
    img->dwarf = ospy_dwarf_open(img->path);
  }
  /* a return address: the call is the instruction before it */
  if (off)
    ospy_dwarf_describe(img->dwarf, off - 1, src, sizeof src);
  char fname[512];
  uint64_t base;
  if (sy)
    snprintf(out, cap, "%s!%s+0x%" PRIx64 "%s", mod, sy->name, off - sy->addr, src);
  else if (off && ospy_dwarf_function_name(img->dwarf, off - 1, off, fname, sizeof fname, &base))
    /* a function no symbol names (local to a stripped library): its DWARF */
    snprintf(out, cap, "%s!%s+0x%" PRIx64 "%s", mod, fname, off - base, src);
  else
    snprintf(out, cap, "%s+0x%" PRIx64 "%s", mod, off, src);
}
