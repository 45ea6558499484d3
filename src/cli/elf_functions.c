/* Defined functions of an ELF file (elf_functions.h), with libelf. */
#include "cli/elf_functions.h"

#include <fcntl.h>
#include <gelf.h>
#include <unistd.h>

/* The .gnu.version table of a .dynsym: a hidden version cannot be looked up
 * by its name. */
static Elf_Data *version_table(Elf *e)
{
  for (Elf_Scn *scn = NULL; (scn = elf_nextscn(e, scn));) {
    GElf_Shdr sh;
    if (gelf_getshdr(scn, &sh) && sh.sh_type == SHT_GNU_versym)
      return elf_getdata(scn, NULL);
  }
  return NULL;
}

static int hidden_version(Elf_Data *versions, size_t i)
{
  GElf_Versym v;
  return versions && gelf_getversym(versions, (int)i, &v) && (v & 0x8000);
}

/* A global symbol of no type defined in a section of code: a function of
 * hand-written assembly without `.type NAME,@function` (nm shows it `T`);
 * a local one is as likely a label inside a function. */
static int untyped_function(Elf *e, const GElf_Sym *sym)
{
  GElf_Shdr sh;
  Elf_Scn *scn = GELF_ST_TYPE(sym->st_info) == STT_NOTYPE &&
                         GELF_ST_BIND(sym->st_info) != STB_LOCAL && sym->st_shndx < SHN_LORESERVE
                     ? elf_getscn(e, sym->st_shndx)
                     : NULL;
  return scn && gelf_getshdr(scn, &sh) && (sh.sh_flags & SHF_EXECINSTR);
}

static int is_function(Elf *e, const GElf_Sym *sym)
{
  int t = GELF_ST_TYPE(sym->st_info);
  return t == STT_FUNC || t == STT_GNU_IFUNC || untyped_function(e, sym);
}

static int walk_table(Elf *e, Elf_Scn *scn, const GElf_Shdr *sh, int only_ifuncs,
                      ospy_elf_function_fn fn, void *data)
{
  Elf_Data *syms = elf_getdata(scn, NULL);
  Elf_Data *versions = sh->sh_type == SHT_DYNSYM ? version_table(e) : NULL;
  size_t count = sh->sh_entsize ? sh->sh_size / sh->sh_entsize : 0;
  for (size_t i = 0; syms && i < count; i++) {
    GElf_Sym sym;
    if (!gelf_getsym(syms, (int)i, &sym) || sym.st_shndx == SHN_UNDEF || !sym.st_value ||
        !is_function(e, &sym) || hidden_version(versions, i) ||
        (only_ifuncs && GELF_ST_TYPE(sym.st_info) != STT_GNU_IFUNC))
      continue;
    const char *name = elf_strptr(e, sh->sh_link, sym.st_name);
    int rc = name && name[0] ? fn(name, sym.st_value, data) : 0;
    if (rc)
      return rc;
  }
  return 0;
}

static int walk_file(const char *path, unsigned bits, int only_ifuncs, ospy_elf_function_fn fn,
                     void *data)
{
  int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0)
    return -1;
  Elf *e = elf_version(EV_CURRENT) == EV_NONE ? NULL : elf_begin(fd, ELF_C_READ, NULL);
  int rc = 1;
  if (e && elf_kind(e) == ELF_K_ELF &&
      (!bits || gelf_getclass(e) == (bits == 32 ? ELFCLASS32 : ELFCLASS64))) {
    rc = 0;
    for (Elf_Scn *scn = NULL; rc == 0 && (scn = elf_nextscn(e, scn));) {
      GElf_Shdr sh;
      if (gelf_getshdr(scn, &sh) && (sh.sh_type == SHT_SYMTAB || sh.sh_type == SHT_DYNSYM))
        rc = walk_table(e, scn, &sh, only_ifuncs, fn, data);
    }
  }
  if (e)
    elf_end(e);
  close(fd);
  return rc;
}

int ospy_elf_functions(const char *path, unsigned bits, ospy_elf_function_fn fn, void *data)
{
  return walk_file(path, bits, 0, fn, data);
}

int ospy_elf_ifuncs(const char *path, unsigned bits, ospy_elf_function_fn fn, void *data)
{
  return walk_file(path, bits, 1, fn, data);
}
