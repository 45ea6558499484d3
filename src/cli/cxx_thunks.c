/* C++ thunks (cxx_thunks.h): their names, and what their code does with a
 * call, read from the file with libelf and decoded with the project's x86
 * decoder. */
#include "cli/cxx_thunks.h"
#include "arch/x86/x86_first_branch.h"
#include "arch/x86/x86_relocator.h"

#include <fcntl.h>
#include <gelf.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The demangler's words for the three kinds (libiberty's cp-demangle.c). */
static const char *const thunk_prefixes[] = { "non-virtual thunk to ", "virtual thunk to ",
                                              "covariant return thunk to " };

const char *ospy_cxx_thunk_method(const char *d)
{
  for (size_t i = 0; i < sizeof thunk_prefixes / sizeof thunk_prefixes[0]; i++) {
    size_t len = strlen(thunk_prefixes[i]);
    if (!strncmp(d, thunk_prefixes[i], len))
      return d + len;
  }
  return NULL;
}

/* <number> ::= [n] <digits>: past it, or NULL. */
static const char *skip_number(const char *s)
{
  if (*s == 'n')
    s++;
  if (*s < '0' || *s > '9')
    return NULL;
  while (*s >= '0' && *s <= '9')
    s++;
  return s;
}

/* <call-offset> ::= h <number> _ | v <number> _ <number> _ : past it, or NULL. */
static const char *skip_call_offset(const char *s)
{
  int numbers = *s == 'h' ? 1 : *s == 'v' ? 2 : 0;
  if (!numbers)
    return NULL;
  s++;
  for (int i = 0; i < numbers; i++) {
    s = skip_number(s);
    if (!s || *s != '_')
      return NULL;
    s++;
  }
  return s;
}

int ospy_cxx_thunk_target(const char *mangled, char *out, size_t cap)
{
  if (strncmp(mangled, "_ZT", 3))
    return 0;
  const char *s = mangled + 3;
  if (*s == 'c') /* covariant return: this's offset, then the result's */
    s = skip_call_offset(s + 1);
  if (s)
    s = skip_call_offset(s);
  if (!s || !*s || (size_t)snprintf(out, cap, "_Z%s", s) >= cap)
    return 0;
  return 1;
}

/* ---- the file ---- */

typedef struct elf_file {
  Elf *e;
  ospy_x86_mode mode;
} elf_file;

/* n bytes at address addr of the file's image (a section that has bytes in
 * the file). */
static bool read_image(uint64_t addr, void *out, size_t n, void *data)
{
  const elf_file *f = data;
  for (Elf_Scn *scn = NULL; (scn = elf_nextscn(f->e, scn));) {
    GElf_Shdr sh;
    if (!gelf_getshdr(scn, &sh) || sh.sh_type == SHT_NOBITS || !(sh.sh_flags & SHF_ALLOC) ||
        addr < sh.sh_addr || addr - sh.sh_addr >= sh.sh_size ||
        sh.sh_size - (addr - sh.sh_addr) < n)
      continue;
    Elf_Data *d = elf_getdata(scn, NULL);
    if (!d || !d->d_buf || d->d_size < sh.sh_size)
      return false;
    memcpy(out, (const char *)d->d_buf + (addr - sh.sh_addr), n);
    return true;
  }
  return false;
}

/* Up to cap bytes of code at addr: how many (fewer at its section's end). */
static size_t read_code(const elf_file *f, uint64_t addr, uint8_t *out, size_t cap)
{
  size_t n = cap;
  while (n && !read_image(addr, out, n, (void *)f))
    n = n > 16 ? n - 16 : n - 1;
  return n;
}

/* The section that holds addr: its name, or "". */
static const char *section_name_at(const elf_file *f, uint64_t addr)
{
  size_t shstrndx;
  if (elf_getshdrstrndx(f->e, &shstrndx) < 0)
    return "";
  for (Elf_Scn *scn = NULL; (scn = elf_nextscn(f->e, scn));) {
    GElf_Shdr sh;
    if (gelf_getshdr(scn, &sh) && (sh.sh_flags & SHF_ALLOC) && addr >= sh.sh_addr &&
        addr - sh.sh_addr < sh.sh_size) {
      const char *name = elf_strptr(f->e, shstrndx, sh.sh_name);
      return name ? name : "";
    }
  }
  return "";
}

/* The address of the section named name, 0 when none. */
static uint64_t section_addr(const elf_file *f, const char *name)
{
  size_t shstrndx;
  if (elf_getshdrstrndx(f->e, &shstrndx) < 0)
    return 0;
  for (Elf_Scn *scn = NULL; (scn = elf_nextscn(f->e, scn));) {
    GElf_Shdr sh;
    const char *n = gelf_getshdr(scn, &sh) ? elf_strptr(f->e, shstrndx, sh.sh_name) : NULL;
    if (n && !strcmp(n, name))
      return sh.sh_addr;
  }
  return 0;
}

/* A function symbol named name in the symbol tables: its address and size. */
static int find_function(const elf_file *f, const char *name, uint64_t *value, uint64_t *size)
{
  for (Elf_Scn *scn = NULL; (scn = elf_nextscn(f->e, scn));) {
    GElf_Shdr sh;
    if (!gelf_getshdr(scn, &sh) || (sh.sh_type != SHT_SYMTAB && sh.sh_type != SHT_DYNSYM))
      continue;
    Elf_Data *syms = elf_getdata(scn, NULL);
    size_t count = sh.sh_entsize ? sh.sh_size / sh.sh_entsize : 0;
    for (size_t i = 0; syms && i < count; i++) {
      GElf_Sym sym;
      const char *s = gelf_getsym(syms, (int)i, &sym) ? elf_strptr(f->e, sh.sh_link, sym.st_name)
                                                      : NULL;
      if (s && sym.st_shndx != SHN_UNDEF && sym.st_value && !strcmp(s, name)) {
        *value = sym.st_value;
        *size = sym.st_size;
        return 1;
      }
    }
  }
  return 0;
}

/* Whether a relocation of the word at slot (a GOT slot) names symbol name:
 * the function a PLT stub or a -fno-plt call goes to. */
static int slot_names(const elf_file *f, uint64_t slot, const char *name)
{
  for (Elf_Scn *scn = NULL; (scn = elf_nextscn(f->e, scn));) {
    GElf_Shdr sh;
    if (!gelf_getshdr(scn, &sh) || (sh.sh_type != SHT_RELA && sh.sh_type != SHT_REL))
      continue;
    Elf_Data *rel = elf_getdata(scn, NULL);
    Elf_Scn *symscn = elf_getscn(f->e, sh.sh_link);
    GElf_Shdr symsh;
    Elf_Data *syms = symscn && gelf_getshdr(symscn, &symsh) ? elf_getdata(symscn, NULL) : NULL;
    size_t count = sh.sh_entsize ? sh.sh_size / sh.sh_entsize : 0;
    for (size_t i = 0; rel && syms && i < count; i++) {
      GElf_Rela r;
      GElf_Rel rl;
      uint64_t offset, info;
      if (sh.sh_type == SHT_RELA ? !gelf_getrela(rel, (int)i, &r) : !gelf_getrel(rel, (int)i, &rl))
        continue;
      offset = sh.sh_type == SHT_RELA ? r.r_offset : rl.r_offset;
      info = sh.sh_type == SHT_RELA ? r.r_info : rl.r_info;
      GElf_Sym sym;
      size_t index = GELF_R_SYM(info); /* (gelf gives a 32-bit file's r_info in 64-bit form) */
      const char *s = offset == slot && index && gelf_getsym(syms, (int)index, &sym)
                          ? elf_strptr(f->e, symsh.sh_link, sym.st_name) : NULL;
      if (s && !strcmp(s, name))
        return 1;
    }
  }
  return 0;
}

/* The slot a jmp or call through memory reads: [reg + d] is the GOT's
 * (i386 PIC code holds its address in a register: .got.plt's start). */
static uint64_t slot_address(const elf_file *f, ospy_x86_goes goes, uint64_t where)
{
  if (goes != OSPY_X86_GOES_GOT_SLOT)
    return where;
  uint64_t got = section_addr(f, ".got.plt");
  return (got ? got : section_addr(f, ".got")) + where;
}

/* Whether code that goes where first_branch said ends in the function
 * named method at method_at: a jmp or call to it, or through its PLT stub
 * or GOT slot. */
static int goes_into(const elf_file *f, ospy_x86_goes goes, uint64_t where, const char *method,
                     uint64_t method_at)
{
  if (goes == OSPY_X86_GOES_DIRECT && method_at && where == method_at)
    return 1;
  if (goes == OSPY_X86_GOES_DIRECT && !strncmp(section_name_at(f, where), ".plt", 4)) {
    uint8_t stub[32];
    size_t n = read_code(f, where, stub, sizeof stub);
    goes = n ? ospy_x86_first_branch(stub, n, where, f->mode, read_image, (void *)f, &where)
             : OSPY_X86_GOES_UNKNOWN;
  }
  return (goes == OSPY_X86_GOES_SLOT || goes == OSPY_X86_GOES_GOT_SLOT) &&
         slot_names(f, slot_address(f, goes, where), method);
}

/* The bytes a hook's jump takes (hook_code.c: a rel32 jmp, near the code). */
#define HOOK_JUMP_BYTES 5

static ospy_cxx_thunk_kind examine(const elf_file *f, const char *thunk, uint64_t value,
                                   char *why, size_t cap)
{
  char method[1024];
  uint64_t method_at = 0, method_size = 0, at = 0, size = 0;
  if (!ospy_cxx_thunk_target(thunk, method, sizeof method))
    method[0] = 0;
  else if (!find_function(f, method, &method_at, &method_size))
    method_at = 0;
  if (!find_function(f, thunk, &at, &size) || at != value)
    size = 0;
  uint8_t code[512];
  size_t n = read_code(f, value, code, size && size < sizeof code ? size : sizeof code);
  if (!n) {
    snprintf(why, cap, "its code is not in the file");
    return OSPY_CXX_THUNK_UNHOOKABLE;
  }
  uint64_t where = 0;
  ospy_x86_goes goes = ospy_x86_first_branch(code, n, value, f->mode, read_image, (void *)f,
                                             &where);
  if (method[0] && goes_into(f, goes, where, method, method_at))
    return OSPY_CXX_THUNK_GOES_ON;
  /* (the whole function, and the padding after it a hook may cover) */
  n = read_code(f, value, code, sizeof code);
  ospy_x86_reloc_plan plan;
  if (ospy_x86_relocator_plan_read(code, n, value, size, HOOK_JUMP_BYTES, f->mode, read_image,
                                   (void *)f, &plan) != OSPY_X86_RELOC_OK) {
    snprintf(why, cap, "%s", plan.why);
    return OSPY_CXX_THUNK_UNHOOKABLE;
  }
  return OSPY_CXX_THUNK_OWN_CODE;
}

struct ospy_cxx_thunk_file {
  elf_file f;
  int fd;
};

ospy_cxx_thunk_file *ospy_cxx_thunk_file_open(const char *path)
{
  ospy_cxx_thunk_file *t = calloc(1, sizeof *t);
  if (!t)
    return NULL;
  t->fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  t->f.e = t->fd < 0 || elf_version(EV_CURRENT) == EV_NONE ? NULL
                                                           : elf_begin(t->fd, ELF_C_READ, NULL);
  if (!t->f.e || elf_kind(t->f.e) != ELF_K_ELF) {
    ospy_cxx_thunk_file_close(t);
    return NULL;
  }
  t->f.mode = gelf_getclass(t->f.e) == ELFCLASS32 ? OSPY_X86_MODE_32 : OSPY_X86_MODE_64;
  return t;
}

void ospy_cxx_thunk_file_close(ospy_cxx_thunk_file *t)
{
  if (!t)
    return;
  if (t->f.e)
    elf_end(t->f.e);
  if (t->fd >= 0)
    close(t->fd);
  free(t);
}

ospy_cxx_thunk_kind ospy_cxx_thunk_examine(const ospy_cxx_thunk_file *t, const char *thunk,
                                           uint64_t value, char *why, size_t cap)
{
  why[0] = 0;
  if (!t) {
    snprintf(why, cap, "its file cannot be read");
    return OSPY_CXX_THUNK_UNHOOKABLE;
  }
  return examine(&t->f, thunk, value, why, cap);
}
