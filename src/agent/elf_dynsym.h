/*
 * What a file's dynamic symbols say of a function's name, as the dynamic
 * linker reads them: its definitions and their versions (.gnu.version,
 * .gnu.version_d: a library may keep vfn@VER_1 for the programs linked
 * against it beside the default vfn@@VER_2), the version a module imports
 * it by (.gnu.version_r), and the slots its relocations bind to it (the
 * GOT entries ld.so writes the function's address into). Agent code: reads
 * an ELF image of the agent's own class that the caller mapped (a module's
 * file), allocates nothing.
 */
#ifndef OSPY_AGENT_ELF_DYNSYM_H
#define OSPY_AGENT_ELF_DYNSYM_H

#include <stddef.h>
#include <stdint.h>

#define OSPY_DYN_VERSION_MAX 64

/* Which definition of a name a lookup takes, as ld.so picks it. */
typedef enum ospy_dyn_want {
  OSPY_DYN_NEWEST,     /* the default version (name@@V) or the unversioned one: what dlsym
                        * gives, and a reference made without versions (dlsym, a module
                        * without version information) */
  OSPY_DYN_OLDEST,     /* an unversioned reference of a module that has version information
                        * (linked against a library without versions): the library's first
                        * version, hidden or not, else its default */
  OSPY_DYN_VERSION,    /* version V, the default one or not: a reference to name@V binds
                        * either (what a module linked against it asks for) */
  OSPY_DYN_DEFAULT_OF, /* version V, only as the default one (name@@V) */
} ospy_dyn_want;

typedef struct ospy_dyn_request {
  ospy_dyn_want want;
  char version[OSPY_DYN_VERSION_MAX]; /* V, for OSPY_DYN_VERSION and OSPY_DYN_DEFAULT_OF */
} ospy_dyn_request;

/* A definition found, and what else the file defines of the name. */
typedef struct ospy_dyn_def {
  uint64_t value;       /* the symbol's value (link-time address); 0: none found */
  int ifunc;            /* an STT_GNU_IFUNC: value is its resolver's */
  int is_default;       /* the default version (or unversioned): what dlsym gives */
  unsigned definitions; /* how many functions of the name the file defines (one a version) */
  int versions_differ;  /* two of them are different functions (not one function's versions:
                         * glibc's dlopen@GLIBC_2.2.5 is its dlopen@@GLIBC_2.34) */
  char version[OSPY_DYN_VERSION_MAX];         /* its version ("": unversioned) */
  char default_version[OSPY_DYN_VERSION_MAX]; /* the default one's ("": none, or unversioned) */
} ospy_dyn_def;

/* "name@V" (a reference to version V) and "name@@V" (its default version):
 * the length of name, and the request *req; 0 when symbol names no version
 * (or one too long). */
size_t ospy_dyn_parse_versioned(const char *symbol, ospy_dyn_request *req);

/* The function named name (of length len: a versioned symbol's name part)
 * that the file's dynamic symbols define as req asks: 1 with *d filled; 0
 * when it defines none that way (d->definitions still counts those it has),
 * -1 when the image has no dynamic symbols. Functions: STT_FUNC and
 * STT_GNU_IFUNC symbols. */
int ospy_dyn_find(const uint8_t *map, size_t size, const char *name, size_t len,
                  const ospy_dyn_request *req, ospy_dyn_def *d);

/* The versions of the function name (len bytes of it) the file's dynamic
 * symbols define, as they are named: "vfn@VER_1, vfn@@VER_2" into out (cut
 * at cap); how many. */
unsigned ospy_dyn_versions(const uint8_t *map, size_t size, const char *name, size_t len,
                           char *out, size_t cap);

/* Whether the module's file imports the function name (an undefined
 * dynamic symbol): 1 with the request its reference makes (the version its
 * .gnu.version_r names, else OSPY_DYN_OLDEST, or OSPY_DYN_NEWEST in a file
 * without version information); 0 when it does not. */
int ospy_dyn_import(const uint8_t *map, size_t size, const char *name, ospy_dyn_request *req);

/* Calls each(slot, data) with the link-time address of every slot the
 * file's dynamic relocations bind to a symbol named name (a PLT's GOT entry,
 * a GLOB_DAT's, a word that holds the function's address) whose version is
 * version's ("" or an unversioned reference: any). */
typedef void (*ospy_dyn_slot_fn)(uint64_t slot, void *data);
void ospy_dyn_bound_slots(const uint8_t *map, size_t size, const char *name, const char *version,
                          ospy_dyn_slot_fn each, void *data);

/* The file's PLT sections (.plt, .plt.sec, .plt.got) as link-time ranges
 * [lo[i], hi[i]): where a slot bound lazily points until the first call
 * binds it, and a program's stub that stands for an imported function
 * whose address it takes (a non-PIE program's canonical address). How many
 * (up to cap). */
unsigned ospy_dyn_plt_ranges(const uint8_t *map, size_t size, uint64_t *lo, uint64_t *hi,
                             unsigned cap);

#endif
