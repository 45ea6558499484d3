/* -f patterns expanded against the target's ELF files (func_glob.h). The
 * files are found before the program runs: its dynamic loader lists what it
 * will load (`ld.so --list`, which runs no code of the program), a running
 * process's maps say what it has. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <gelf.h>
#include <limits.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli/elf_functions.h"
#include "cli/func_glob.h"
#include "os/linux/proc_task.h"

extern char **environ;

static int files_add(ospy_func_files *f, const char *path)
{
  struct stat st, other;
  if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
    return 0;
  for (size_t i = 0; i < f->n; i++) /* /lib is /usr/lib on Debian: one file, two paths */
    if (stat(f->paths[i], &other) == 0 && other.st_dev == st.st_dev && other.st_ino == st.st_ino)
      return 0;
  char **v = realloc(f->paths, (f->n + 1) * sizeof *v);
  if (!v)
    return -1;
  f->paths = v;
  if (!(v[f->n] = strdup(path)))
    return -1;
  f->n++;
  return 0;
}

void ospy_program_interp(const char *program, char *out, size_t cap)
{
  out[0] = 0;
  int fd = open(program, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return;
  Elf *e = elf_version(EV_CURRENT) == EV_NONE ? NULL : elf_begin(fd, ELF_C_READ, NULL);
  size_t nph = 0;
  if (e && elf_getphdrnum(e, &nph) == 0) {
    for (size_t i = 0; i < nph; i++) {
      GElf_Phdr ph;
      if (!gelf_getphdr(e, (int)i, &ph) || ph.p_type != PT_INTERP || ph.p_filesz >= cap)
        continue;
      if (pread(fd, out, ph.p_filesz, (off_t)ph.p_offset) != (ssize_t)ph.p_filesz)
        out[0] = 0;
      else
        out[ph.p_filesz] = 0;
      break;
    }
  }
  if (e)
    elf_end(e);
  close(fd);
}

/* One line of `ld.so --list`: "\tlibc.so.6 => /lib/.../libc.so.6 (0x...)",
 * "\t/lib64/ld-linux-x86-64.so.2 (0x...)", or "\t./libx.so (0x...)": a
 * library the program was linked with by a path (g++ p.cpp ./libx.so),
 * which the loader opens from the directory the program starts in (ospy's:
 * the program inherits it), so taken from here as a full path. */
static int list_line(ospy_func_files *f, char *line)
{
  char *arrow = strstr(line, "=> ");
  char *path = arrow ? arrow + 3 : line + strspn(line, " \t");
  char *end = strstr(path, " (");
  if (end)
    *end = 0;
  if (path[0] == '/')
    return files_add(f, path);
  char full[PATH_MAX];
  if (arrow || !strchr(path, '/') || !realpath(path, full))
    return 0; /* "not found", the vDSO */
  return files_add(f, full);
}

/* What the loader maps at start, read from `INTERP --list PROGRAM`. */
static int loader_list(const char *program, ospy_func_files *f)
{
  char interp[PATH_MAX];
  ospy_program_interp(program, interp, sizeof interp);
  int fds[2];
  if (!interp[0] || pipe2(fds, O_CLOEXEC) != 0)
    return 0;
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
  char *argv[] = { interp, (char *)"--list", (char *)program, NULL };
  pid_t pid;
  int spawned = posix_spawn(&pid, interp, &fa, NULL, argv, environ) == 0;
  posix_spawn_file_actions_destroy(&fa);
  close(fds[1]);
  int rc = 0;
  FILE *in = spawned ? fdopen(fds[0], "r") : NULL;
  if (in) {
    char line[PATH_MAX + 64];
    while (rc == 0 && fgets(line, sizeof line, in)) {
      line[strcspn(line, "\n")] = 0;
      rc = list_line(f, line);
    }
    fclose(in);
  } else {
    close(fds[0]);
  }
  if (spawned)
    while (waitpid(pid, NULL, 0) < 0 && errno == EINTR) {
    }
  return rc;
}

static int maps_files(int pid, ospy_func_files *f)
{
  char path[64], line[PATH_MAX + 128];
  snprintf(path, sizeof path, "/proc/%d/maps", (int)ospy_proc_live_task(pid)); /* (main thread ended?) */
  FILE *in = fopen(path, "re");
  int rc = 0;
  while (in && rc == 0 && fgets(line, sizeof line, in)) {
    line[strcspn(line, "\n")] = 0;
    char *file = strchr(line, '/');
    if (!file || strstr(file, " (deleted)"))
      continue;
    rc = files_add(f, file);
  }
  if (in)
    fclose(in);
  return rc;
}

int ospy_script_interpreter(const char *path, char *out, size_t cap)
{
  char line[PATH_MAX];
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  ssize_t n = fd < 0 ? -1 : read(fd, line, sizeof line - 1);
  if (fd >= 0)
    close(fd);
  if (n < 3 || line[0] != '#' || line[1] != '!')
    return -1;
  line[n] = 0;
  char *start = line + 2 + strspn(line + 2, " \t");
  size_t len = strcspn(start, " \t\r\n");
  if (!len || len >= cap)
    return -1;
  memcpy(out, start, len);
  out[len] = 0;
  return 0;
}

int ospy_func_files_collect(const char *program, int pid, ospy_func_files *files)
{
  memset(files, 0, sizeof *files);
  if (pid > 0)
    return maps_files(pid, files); /* the program's file is mapped first */
  char real[PATH_MAX];
  /* by its real name, as the agent knows the program (python3 runs python3.11) */
  char interp[PATH_MAX];
  if (program && ospy_script_interpreter(program, interp, sizeof interp) == 0)
    program = interp;
  if (!program || !realpath(program, real))
    return 0;
  return files_add(files, real) < 0 ? -1 : loader_list(real, files);
}

void ospy_func_files_free(ospy_func_files *files)
{
  for (size_t i = 0; i < files->n; i++)
    free(files->paths[i]);
  free(files->paths);
  memset(files, 0, sizeof *files);
}

/* ---- the symbols of one file ---- */

/* Adds name (len bytes) to the list *pv of *pn entries, once per module. */
static int found_add(ospy_func_found **pv, size_t *pn, const char *module, const char *where,
                     const char *path, uint64_t value, const char *name, size_t len)
{
  for (size_t i = 0; i < *pn; i++)
    if (!strcmp((*pv)[i].module, module) && !strncmp((*pv)[i].symbol, name, len) &&
        !(*pv)[i].symbol[len])
      return 0;
  ospy_func_found *v = realloc(*pv, (*pn + 1) * sizeof *v);
  if (!v)
    return -1;
  *pv = v;
  ospy_func_found *f = &v[*pn];
  f->module = strdup(module);
  f->where = strdup(where);
  f->symbol = strndup(name, len);
  f->path = strdup(path);
  f->value = value;
  if (!f->module || !f->where || !f->symbol || !f->path) {
    free(f->module);
    free(f->where);
    free(f->symbol);
    free(f->path);
    return -1;
  }
  (*pn)++;
  return 0;
}

/* The C runtime's local helpers, in every program's .symtab. */
static int crt_helper(const char *name)
{
  static const char *const names[] = { "deregister_tm_clones", "register_tm_clones",
                                       "frame_dummy" };
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
    if (!strcmp(name, names[i]))
      return 1;
  return 0;
}

#define OUT_OF_MEMORY 2 /* consider's stop code */

/* One file's functions matching a pattern. */
typedef struct scan {
  const char *module, *where, *path, *func;
  ospy_func_founds *out;
} scan;

/* A compiler clone (f.constprop.0, f.isra.0, f.part.0; name has its dot at
 * dot) the pattern would match by its whole name or by the name of the
 * function it copies. Not a .cold piece: no function entry, hooking it broke
 * exception handling. */
static int clone_matches(const char *func, char *name, char *dot)
{
  if (strstr(name, ".cold"))
    return 0;
  if (!fnmatch(func, name, 0))
    return 1;
  *dot = 0;
  int copied = !fnmatch(func, name, 0);
  *dot = '.';
  return copied;
}

static int consider(const char *name, uint64_t value, void *data)
{
  scan *sc = data;
  if ((name[0] == '_' && sc->func[0] != '_') || crt_helper(name))
    return 0;
  size_t len = strcspn(name, "@"); /* "memcpy@GLIBC_2.2.5" in some .symtab */
  char plain[256];
  if (len >= sizeof plain)
    return 0;
  memcpy(plain, name, len);
  plain[len] = 0;
  char *dot = strchr(plain, '.');
  if (dot) { /* a clone, left out (its parameters may differ), kept to be named */
    if (clone_matches(sc->func, plain, dot) &&
        found_add(&sc->out->clones, &sc->out->nclones, sc->module, sc->where, sc->path, value,
                  plain, len) < 0)
      return OUT_OF_MEMORY;
    return 0;
  }
  if (fnmatch(sc->func, plain, 0))
    return 0;
  return found_add(&sc->out->v, &sc->out->n, sc->module, sc->where, sc->path, value, plain,
                   len) < 0
             ? OUT_OF_MEMORY
             : 0;
}

static const char *base_name(const char *path);

static int scan_file(const char *path, unsigned bits, const char *module, const char *func,
                     ospy_func_founds *out)
{
  scan sc = { module, base_name(path), path, func, out };
  int rc = ospy_elf_functions(path, bits, consider, &sc);
  if (rc == 0)
    out->nfiles++;
  return rc == OUT_OF_MEMORY ? -1 : 0; /* (a file that cannot be read has no functions) */
}

/* ---- which files a module designates ---- */

static const char *base_name(const char *path)
{
  const char *slash = strrchr(path, '/');
  return slash ? slash + 1 : path;
}

static int module_matches(const char *module, const char *path)
{
  if (!module[0])
    return 1;
  if (strchr(module, '/')) {
    struct stat a, b;
    return !fnmatch(module, path, 0) ||
           (stat(module, &a) == 0 && stat(path, &b) == 0 && a.st_dev == b.st_dev &&
            a.st_ino == b.st_ino);
  }
  return !fnmatch(module, base_name(path), 0);
}

/* A module the program does not load at start (it may dlopen it): the
 * system's library directories for the target's architecture. */
static int library_dirs(unsigned bits, const char *module, ospy_func_files *f)
{
  static const char *const dirs64[] = { "/usr/lib/x86_64-linux-gnu", "/lib/x86_64-linux-gnu",
                                        "/usr/local/lib", NULL };
  static const char *const dirs32[] = { "/usr/lib/i386-linux-gnu", "/lib/i386-linux-gnu",
                                        "/usr/lib32", NULL };
  if (strchr(module, '/'))
    return files_add(f, module);
  int rc = 0;
  for (const char *const *d = bits == 32 ? dirs32 : dirs64; *d && rc == 0; d++) {
    char path[PATH_MAX];
    struct dirent **names = NULL;
    int n = scandir(*d, &names, NULL, alphasort);
    for (int i = 0; i < n; i++) {
      if (rc == 0 && !fnmatch(module, names[i]->d_name, 0)) {
        snprintf(path, sizeof path, "%s/%s", *d, names[i]->d_name);
        rc = files_add(f, path);
      }
      free(names[i]);
    }
    free(names);
  }
  return rc;
}

/* How many of from's files module designates (at most 2), the first at *at. */
static size_t designated(const ospy_func_files *from, const char *module, size_t *at)
{
  size_t matched = 0;
  for (size_t i = 0; i < from->n && matched < 2; i++)
    if (module_matches(module, from->paths[i]) && !matched++)
      *at = i;
  return matched;
}

static int module_path_in(const ospy_func_files *files, unsigned bits, const char *module,
                          int search_dirs, char *out, size_t cap)
{
  ospy_func_files extra = { 0 };
  const ospy_func_files *from = files;
  size_t at = 0, matched = designated(files, module, &at);
  if (!matched && search_dirs) {
    if (library_dirs(bits, module, &extra) < 0)
      return -1;
    from = &extra;
    matched = designated(&extra, module, &at);
  }
  if (matched == 1)
    snprintf(out, cap, "%s", from->paths[at]);
  ospy_func_files_free(&extra);
  return (int)matched;
}

int ospy_func_module_path(const ospy_func_files *files, unsigned bits, const char *module,
                          char *out, size_t cap)
{
  return module_path_in(files, bits, module, 1, out, cap);
}

int ospy_func_module_loaded_path(const ospy_func_files *files, const char *module, char *out,
                                 size_t cap)
{
  return module_path_in(files, 0, module, 0, out, cap);
}

int ospy_func_module_resolve(const ospy_func_files *files, unsigned bits, const char *module,
                             char *out, size_t cap)
{
  char path[PATH_MAX];
  int rc = ospy_func_module_path(files, bits, module, path, sizeof path);
  if (rc == 1)
    snprintf(out, cap, "%s", base_name(path));
  return rc < 0 ? -1 : rc == 1;
}

int ospy_func_glob_expand(const ospy_func_files *files, unsigned bits, const char *module,
                          const char *func, ospy_func_founds *out)
{
  memset(out, 0, sizeof *out);
  ospy_func_files extra = { 0 };
  const ospy_func_files *from = files;
  size_t matched = 0;
  for (size_t i = 0; i < files->n; i++)
    matched += module_matches(module, files->paths[i]);
  if (!matched && module[0]) {
    if (library_dirs(bits, module, &extra) < 0)
      return -1;
    from = &extra;
  }
  int rc = 0;
  for (size_t i = 0; i < from->n && rc == 0; i++) {
    if (!module_matches(module, from->paths[i]))
      continue;
    /* the program's own functions go by its file name, as its calls are shown */
    rc = scan_file(from->paths[i], bits, module[0] ? base_name(from->paths[i]) : "", func, out);
  }
  ospy_func_files_free(&extra);
  return rc < 0 ? -1 : (int)out->n;
}

static void found_list_free(ospy_func_found *v, size_t n)
{
  for (size_t i = 0; i < n; i++) {
    free(v[i].module);
    free(v[i].where);
    free(v[i].symbol);
    free(v[i].path);
  }
  free(v);
}

void ospy_func_founds_free(ospy_func_founds *f)
{
  found_list_free(f->v, f->n);
  found_list_free(f->clones, f->nclones);
  memset(f, 0, sizeof *f);
}
