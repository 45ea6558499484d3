/* A -f pattern (`libc.so.6!str*`, `'myprog!handle_*'`, `'str*'`) expanded
 * against the functions the target's files define, as ltrace -e and
 * frida-trace -i do: the catalogue only decodes what it knows, the rest is
 * traced with raw argument words. */
#ifndef OSPY_CLI_FUNC_GLOB_H
#define OSPY_CLI_FUNC_GLOB_H

#include <stddef.h>
#include <stdint.h>

/* The files a pattern may name: the program and what it loads at start
 * (ld.so --list), or the mapped files of a running process. */
typedef struct ospy_func_files {
  char **paths; /* paths[0] is the program when known */
  size_t n;
} ospy_func_files;

/* One function found: the file name of its module ("" for a pattern without
 * a module: the definition the program's calls bind to is hooked), the file
 * name of the first file that defines it (for showing), and its symbol. */
typedef struct ospy_func_found {
  char *module, *where, *symbol;
  char *path;     /* the file's path (where is its name) */
  uint64_t value; /* the function's address in it */
} ospy_func_found;

typedef struct ospy_func_founds {
  ospy_func_found *v;
  size_t n;
  size_t nfiles; /* files searched */
  /* compiler clones left out that the pattern would match (f.constprop.0
   * for f*, by the clone's name or its function's): a pattern that matched
   * nothing names them */
  ospy_func_found *clones;
  size_t nclones;
} ospy_func_founds;

/* Fills files for a program about to be started (program: its path) or a
 * running process (pid > 0). Never fails for lack of files (n may be 0);
 * -1 on allocation failure. */
int ospy_func_files_collect(const char *program, int pid, ospy_func_files *files);
/* The program's PT_INTERP (its dynamic loader), "" for a static program
 * (or a file that is no ELF program). */
void ospy_program_interp(const char *program, char *out, size_t cap);

/* A script's interpreter (#!/bin/sh -e: /bin/sh), the program that will run:
 * 0 and its path in out, -1 when path is no script (or names none). */
int ospy_script_interpreter(const char *path, char *out, size_t cap);
void ospy_func_files_free(ospy_func_files *files);

/* The functions matching func (an fnmatch pattern) in the files module
 * designates (a file name glob, a path, "" for all of them); a module no
 * collected file matches is looked for in the system's library directories
 * for bits. A name starting with '_' only matches a pattern starting with
 * '_' (the C runtime's and the implementation's own functions, as a shell's
 * `*` skips dot files), compiler clones (`f.cold`, `f.constprop.0`) never:
 * a clone's parameters may differ from its function's, a .cold piece is no
 * entry (out->clones lists the clones, not .cold, it would have matched).
 * Returns how many, -1 on allocation failure. */
int ospy_func_glob_expand(const ospy_func_files *files, unsigned bits, const char *module,
                          const char *func, ospy_func_founds *out);
void ospy_func_founds_free(ospy_func_founds *f);

/* The one file a module glob designates (libssl.so.* -> libssl.so.3), among
 * the collected files, else in the library directories: 1 and its file name
 * in out, 0 when none or several, -1 on allocation failure. */
int ospy_func_module_resolve(const ospy_func_files *files, unsigned bits, const char *module,
                             char *out, size_t cap);
/* The same by its path (where a C++ name's symbols are looked up): 1 and
 * the path in out, 0 when no file matches, 2 when several do, -1 on
 * allocation failure. */
int ospy_func_module_path(const ospy_func_files *files, unsigned bits, const char *module,
                          char *out, size_t cap);
/* The same among the collected files only (no directory is read). */
int ospy_func_module_loaded_path(const ospy_func_files *files, const char *module, char *out,
                                 size_t cap);

#endif
