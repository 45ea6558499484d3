/* Source lines and inlined frames with libdw; see symbolize_dwarf.h. */
#include "capture/symbolize_dwarf.h"

#include <dwarf.h>
#include <elfutils/libdwfl.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CACHE_SLOTS 1024u /* per module: a backtrace repeats the same few addresses */

typedef struct cached {
  uint64_t vaddr;
  char *text; /* NULL: empty slot */
} cached;

struct ospy_dwarf_module {
  Dwfl *dwfl;
  Dwfl_Module *mod;
  cached cache[CACHE_SLOTS];
};

static const Dwfl_Callbacks offline_callbacks = {
  .find_debuginfo = dwfl_standard_find_debuginfo,
  .section_address = dwfl_offline_section_address,
};

ospy_dwarf_module *ospy_dwarf_open(const char *path)
{
  ospy_dwarf_module *d = calloc(1, sizeof *d);
  if (!d)
    return NULL;
  d->dwfl = dwfl_begin(&offline_callbacks);
  /* a regular file only, opened without blocking (the path is the capture's) */
  int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  struct stat st;
  if (fd >= 0 && (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))) {
    close(fd);
    fd = -1;
  }
  if (d->dwfl && fd >= 0) {
    d->mod = dwfl_report_offline(d->dwfl, path, path, fd); /* dwfl owns fd now */
    dwfl_report_end(d->dwfl, NULL, NULL);
  } else if (fd >= 0) {
    close(fd);
  }
  if (!d->mod) {
    ospy_dwarf_close(d);
    return NULL;
  }
  return d;
}

void ospy_dwarf_close(ospy_dwarf_module *d)
{
  if (!d)
    return;
  for (unsigned i = 0; i < CACHE_SLOTS; i++)
    free(d->cache[i].text);
  if (d->dwfl)
    dwfl_end(d->dwfl);
  free(d);
}

static const char *base_name(const char *path)
{
  const char *slash = path ? strrchr(path, '/') : NULL;
  return slash ? slash + 1 : path;
}

/* "file.c:12" of a DW_AT_call_file/DW_AT_call_line pair, into out. */
static void call_site(Dwarf_Die *inlined, Dwarf_Files *files, char *out, size_t cap)
{
  Dwarf_Attribute a;
  Dwarf_Word file = 0, line = 0;
  dwarf_formudata(dwarf_attr(inlined, DW_AT_call_file, &a), &file);
  dwarf_formudata(dwarf_attr(inlined, DW_AT_call_line, &a), &line);
  const char *name = files ? dwarf_filesrc(files, file, NULL, NULL) : NULL;
  snprintf(out, cap, "%s:%llu", name ? base_name(name) : "?", (unsigned long long)line);
}

static size_t append(char *out, size_t cap, size_t n, const char *text)
{
  int k = snprintf(out + n, n < cap ? cap - n : 0, "%s", text);
  return k < 0 ? n : n + (size_t)k;
}

static int is_function(Dwarf_Die *die)
{
  int tag = dwarf_tag(die);
  return tag == DW_TAG_subprogram || tag == DW_TAG_inlined_subroutine;
}

/* The innermost function scope (an inlined copy or a function) at pc. */
static int innermost_function(Dwarf_Die *cu, Dwarf_Addr pc, Dwarf_Die *out)
{
  Dwarf_Die *scopes = NULL;
  int n = dwarf_getscopes(cu, pc, &scopes), found = 0;
  for (int i = 0; i < n && !found; i++)
    if (is_function(&scopes[i])) {
      *out = scopes[i];
      found = 1;
    }
  free(scopes);
  return found;
}

/* The function scope the inlined copy die sits in, in the concrete tree (not
 * the inlined function's own abstract definition). */
static int enclosing_function(Dwarf_Die *die, Dwarf_Die *out)
{
  Dwarf_Die *scopes = NULL;
  int n = dwarf_getscopes_die(die, &scopes), found = 0;
  for (int i = 1; i < n && !found; i++) /* scopes[0] is die itself */
    if (is_function(&scopes[i])) {
      *out = scopes[i];
      found = 1;
    }
  free(scopes);
  return found;
}

/* The text for vaddr, computed (the cache is filled by the caller). */
static void describe(ospy_dwarf_module *d, uint64_t vaddr, char *out, size_t cap)
{
  out[0] = 0;
  Dwarf_Addr bias = 0;
  if (!dwfl_module_getdwarf(d->mod, &bias))
    return; /* no debug information */
  Dwarf_Addr pc = vaddr + bias;
  char where[512] = "";
  Dwfl_Line *line = dwfl_module_getsrc(d->mod, pc);
  int lineno = 0;
  const char *file = line ? dwfl_lineinfo(line, NULL, &lineno, NULL, NULL, NULL) : NULL;
  if (file)
    snprintf(where, sizeof where, "%s:%d", base_name(file), lineno);
  Dwarf_Die *cu = dwfl_module_addrdie(d->mod, pc, &bias);
  Dwarf_Files *files = NULL;
  Dwarf_Die fn;
  if (!cu || dwarf_getsrcfiles(cu, &files, NULL) != 0 || !innermost_function(cu, pc - bias, &fn)) {
    if (where[0])
      snprintf(out, cap, " (%s)", where);
    return;
  }
  size_t n = 0;
  int inlined = 0;
  /* from the innermost inlined copy out to the function it was inlined into */
  for (int depth = 0; depth < 64 && dwarf_tag(&fn) == DW_TAG_inlined_subroutine; depth++) {
    const char *name = dwarf_diename(&fn);
    char text[640];
    snprintf(text, sizeof text, "%s%s at %s", inlined ? ", " : " (inlined ", name ? name : "?",
             where[0] ? where : "?");
    n = append(out, cap, n, text);
    inlined = 1;
    call_site(&fn, files, where, sizeof where); /* where the outer code called it */
    if (!enclosing_function(&fn, &fn))
      break;
  }
  if (!inlined) {
    if (where[0])
      snprintf(out, cap, " (%s)", where);
    return;
  }
  if (dwarf_tag(&fn) == DW_TAG_subprogram) {
    const char *name = dwarf_diename(&fn);
    char text[640];
    snprintf(text, sizeof text, ", in %s at %s", name ? name : "?", where);
    n = append(out, cap, n, text);
  }
  append(out, cap, n, ")");
}

void ospy_dwarf_describe(ospy_dwarf_module *d, uint64_t vaddr, char *out, size_t cap)
{
  if (!cap)
    return;
  out[0] = 0;
  if (!d)
    return;
  cached *c = &d->cache[(vaddr ^ (vaddr >> 10)) % CACHE_SLOTS];
  if (!c->text || c->vaddr != vaddr) {
    char text[2048];
    describe(d, vaddr, text, sizeof text);
    char *copy = strdup(text);
    if (!copy) {
      snprintf(out, cap, "%s", text);
      return;
    }
    free(c->text);
    c->text = copy;
    c->vaddr = vaddr;
  }
  snprintf(out, cap, "%s", c->text);
}
