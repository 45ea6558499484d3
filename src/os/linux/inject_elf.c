/*
 * The offset of a library's exported function from its load base, read from
 * the file's dynamic symbol table with libelf: how the injector finds dlopen
 * in a target whose libc is not ospy's own (an i386 program, a container's
 * libc). The default version of a versioned symbol is the one taken
 * (dlopen@@GLIBC_2.34, not the compat dlopen@GLIBC_2.0 of i386 glibc).
 */
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "os/linux/inject.h"

#define VERSYM_HIDDEN 0x8000u

/* The lowest PT_LOAD address: what the load base is added to (0 for most libraries). */
static int first_load_vaddr(Elf *e, uint64_t *vaddr)
{
  size_t n;
  if (elf_getphdrnum(e, &n) != 0)
    return -1;
  int found = 0;
  for (size_t i = 0; i < n; i++) {
    GElf_Phdr ph;
    if (gelf_getphdr(e, (int)i, &ph) && ph.p_type == PT_LOAD && (!found || ph.p_vaddr < *vaddr)) {
      *vaddr = ph.p_vaddr & ~(uint64_t)4095;
      found = 1;
    }
  }
  return found ? 0 : -1;
}

static Elf_Data *section_data(Elf *e, Elf64_Word type, GElf_Shdr *sh)
{
  for (Elf_Scn *s = elf_nextscn(e, NULL); s; s = elf_nextscn(e, s))
    if (gelf_getshdr(s, sh) && sh->sh_type == type)
      return elf_getdata(s, NULL);
  return NULL;
}

static int find_export(Elf *e, const char *name, uint64_t *value)
{
  GElf_Shdr symsh, versh;
  Elf_Data *syms = section_data(e, SHT_DYNSYM, &symsh);
  Elf_Data *vers = section_data(e, SHT_GNU_versym, &versh);
  if (!syms || !symsh.sh_entsize)
    return -1;
  size_t n = symsh.sh_size / symsh.sh_entsize;
  for (size_t i = 0; i < n; i++) {
    GElf_Sym sym;
    GElf_Versym ver = 0;
    if (!gelf_getsym(syms, (int)i, &sym) || sym.st_shndx == SHN_UNDEF ||
        GELF_ST_TYPE(sym.st_info) != STT_FUNC)
      continue;
    const char *s = elf_strptr(e, symsh.sh_link, sym.st_name);
    if (!s || strcmp(s, name))
      continue;
    if (vers && gelf_getversym(vers, (int)i, &ver) && (ver & VERSYM_HIDDEN))
      continue; /* a compat version */
    *value = sym.st_value;
    return 0;
  }
  return -1;
}

int ospy_inject_export_offset(const char *path, const char *name, uint64_t *offset, char *err,
                              size_t errcap)
{
  elf_version(EV_CURRENT);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    snprintf(err, errcap, "cannot open %s", path);
    return -1;
  }
  Elf *e = elf_begin(fd, ELF_C_READ, NULL);
  uint64_t value = 0, base = 0;
  int rc = e && find_export(e, name, &value) == 0 && first_load_vaddr(e, &base) == 0 ? 0 : -1;
  if (e)
    elf_end(e);
  close(fd);
  if (rc < 0) {
    snprintf(err, errcap, "%s does not export %s", path, name);
    return -1;
  }
  *offset = value - base;
  return 0;
}
