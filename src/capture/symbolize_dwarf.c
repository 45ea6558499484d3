/* Source lines and inlined frames with libdw; see symbolize_dwarf.h. */
#include "capture/symbolize_dwarf.h"
#include "capture/symbolize_dwarf_die.h"
#include "capture/symbolize.h"

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

/* One address range of a compilation unit, for finding the unit of an
 * address where libdw's lookup (by .debug_aranges) finds none. */
typedef struct unit_range {
  Dwarf_Addr start, end; /* [start, end), DWARF addresses */
  Dwarf_Addr reach;      /* the highest end of this range and those sorted before it */
  Dwarf_Die *cu;         /* libdwfl's, alive as long as the module */
} unit_range;

/* A function found for an address (ospy_dwarf_function_name). */
typedef struct cached_fn {
  uint64_t vaddr;
  int filled, found;
  char *name;
  uint64_t base;
} cached_fn;
#define FN_CACHE_SLOTS 256u

struct ospy_dwarf_module {
  Dwfl *dwfl;
  Dwfl_Module *mod;
  unit_range *ranges; /* sorted by start; read at the first address libdw finds no unit for */
  size_t nranges;
  int ranges_read;
  cached cache[CACHE_SLOTS];
  cached_fn fns[FN_CACHE_SLOTS];
};

static const Dwfl_Callbacks offline_callbacks = {
  .find_debuginfo = dwfl_standard_find_debuginfo,
  .section_address = dwfl_offline_section_address,
};

/* The file's own DWARF, or its debug file by build-id under /usr/lib/debug:
 * never a debuginfod server (DEBUGINFOD_URLS), which the standard callback
 * asks when nothing local has it. */
static const Dwfl_Callbacks local_callbacks = {
  .find_debuginfo = dwfl_build_id_find_debuginfo,
  .section_address = dwfl_offline_section_address,
};

static ospy_dwarf_module *open_with(const char *path, const Dwfl_Callbacks *callbacks)
{
  ospy_dwarf_module *d = calloc(1, sizeof *d);
  if (!d)
    return NULL;
  d->dwfl = dwfl_begin(callbacks);
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

ospy_dwarf_module *ospy_dwarf_open(const char *path)
{
  return open_with(path, &offline_callbacks);
}

ospy_dwarf_module *ospy_dwarf_open_local(const char *path)
{
  return open_with(path, &local_callbacks);
}

void ospy_dwarf_close(ospy_dwarf_module *d)
{
  if (!d)
    return;
  for (unsigned i = 0; i < CACHE_SLOTS; i++)
    free(d->cache[i].text);
  for (unsigned i = 0; i < FN_CACHE_SLOTS; i++)
    free(d->fns[i].name);
  free(d->ranges);
  if (d->dwfl)
    dwfl_end(d->dwfl);
  free(d);
}

/* ---- the unit of an address ---- */

static int add_range(ospy_dwarf_module *d, size_t *cap, Dwarf_Die *cu, Dwarf_Addr start,
                     Dwarf_Addr end)
{
  if (d->nranges == *cap) {
    size_t grown = *cap ? *cap * 2 : 64;
    unit_range *r = realloc(d->ranges, grown * sizeof *r);
    if (!r)
      return 0;
    d->ranges = r;
    *cap = grown;
  }
  d->ranges[d->nranges++] = (unit_range){ .start = start, .end = end, .cu = cu };
  return 1;
}

static int by_start(const void *a, const void *b)
{
  const unit_range *x = a, *y = b;
  return x->start < y->start ? -1 : x->start > y->start;
}

/* Every unit's ranges, sorted, each with the reach of those before it: read
 * once per module, so that a program without .debug_aranges costs one walk
 * over its units, not one per address. (Out of memory: no unit is found.) */
static void read_unit_ranges(ospy_dwarf_module *d)
{
  d->ranges_read = 1;
  size_t cap = 0;
  Dwarf_Addr bias;
  Dwarf_Die *cu = NULL;
  while ((cu = dwfl_module_nextcu(d->mod, cu, &bias)) != NULL) {
    Dwarf_Addr base, start, end;
    ptrdiff_t off = 0;
    while ((off = dwarf_ranges(cu, off, &base, &start, &end)) > 0)
      if (start < end && !add_range(d, &cap, cu, start, end)) {
        d->nranges = 0;
        return;
      }
  }
  if (d->nranges)
    qsort(d->ranges, d->nranges, sizeof *d->ranges, by_start);
  Dwarf_Addr reach = 0;
  for (size_t i = 0; i < d->nranges; i++) {
    if (d->ranges[i].end > reach)
      reach = d->ranges[i].end;
    d->ranges[i].reach = reach;
  }
}

/* The unit of a range holding pc: the last range starting at or below pc,
 * and those before it while their reach passes pc (units may overlap). */
static Dwarf_Die *unit_by_ranges(ospy_dwarf_module *d, Dwarf_Addr pc)
{
  if (!d->ranges_read)
    read_unit_ranges(d);
  size_t lo = 0, hi = d->nranges; /* the first range starting above pc */
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (d->ranges[mid].start <= pc)
      lo = mid + 1;
    else
      hi = mid;
  }
  for (size_t i = lo; i-- > 0 && d->ranges[i].reach > pc;)
    if (pc < d->ranges[i].end)
      return d->ranges[i].cu;
  return NULL;
}

/* The compilation unit whose code holds pc (a DWARF address: without the
 * module's bias), for the source line and inlined frames of a backtrace
 * and for a function's shape. libdw finds it by .debug_aranges, which
 * clang does not write by default (nor does every producer for every
 * unit): where that finds none, the units' own ranges are asked. */
static Dwarf_Die *cu_at(ospy_dwarf_module *d, Dwarf_Addr pc)
{
  Dwarf_Addr bias = 0;
  if (!dwfl_module_getdwarf(d->mod, &bias))
    return NULL;
  Dwarf_Die *cu = dwfl_module_addrdie(d->mod, pc + bias, &bias);
  return cu ? cu : unit_by_ranges(d, pc);
}

/* ---- source lines and inlined frames (ospy_dwarf_describe) ---- */

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

/* "file.c:12" of the line table row of unit cu that holds pc, into out
 * (left empty when none does). */
static void source_line(Dwarf_Die *cu, Dwarf_Addr pc, char *out, size_t cap)
{
  Dwarf_Line *line = dwarf_getsrc_die(cu, pc);
  int lineno = 0;
  const char *file = line ? dwarf_linesrc(line, NULL, NULL) : NULL;
  if (file && dwarf_lineno(line, &lineno) == 0)
    snprintf(out, cap, "%s:%d", base_name(file), lineno);
}

/* The text for vaddr, computed (the cache is filled by the caller). */
static void describe(ospy_dwarf_module *d, uint64_t vaddr, char *out, size_t cap)
{
  out[0] = 0;
  Dwarf_Addr pc = vaddr; /* a DWARF address, as the unit's lines and scopes are */
  Dwarf_Die *cu = cu_at(d, pc);
  if (!cu)
    return; /* no debug information, or none for this code */
  char where[512] = "";
  source_line(cu, pc, where, sizeof where);
  Dwarf_Files *files = NULL;
  Dwarf_Die fn;
  if (dwarf_getsrcfiles(cu, &files, NULL) != 0 || !innermost_function(cu, pc, &fn)) {
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

/* ---- a function's shape (ospy_dwarf_function_shape) ---- */

/* Whether the function of die starts at pc: its entry pc or low pc, else
 * the start of one of its ranges (a function split in hot and cold parts has
 * only ranges; the cold part, in .text.unlikely, usually lies below the
 * entry, so the lowest of them is not where the function starts). */
static int starts_at(Dwarf_Die *die, Dwarf_Addr pc)
{
  Dwarf_Addr entry;
  if (dwarf_entrypc(die, &entry) == 0)
    return entry == pc;
  Dwarf_Addr base, start, end;
  ptrdiff_t off = 0;
  while ((off = dwarf_ranges(die, off, &base, &start, &end)) > 0)
    if (start == pc)
      return 1;
  return 0;
}

/* The function whose code holds pc, in the concrete tree: the innermost
 * DW_TAG_subprogram around the innermost scope at pc. dwarf_getscopes
 * alone does not give it when pc is in an inlined copy (the first
 * instruction of a range-for over a std::vector is vector::begin's): past
 * the copy it lists the scopes of the inlined function's abstract
 * definition (its class, its namespace, maybe an abstract subprogram
 * without code), never the function it was inlined into. That scope's own
 * parents (dwarf_getscopes_die) are the concrete ones. */
static int concrete_function_at(Dwarf_Die *cu, Dwarf_Addr pc, Dwarf_Die *out)
{
  Dwarf_Die *scopes = NULL;
  int n = dwarf_getscopes(cu, pc, &scopes);
  if (n <= 0) {
    free(scopes);
    return 0;
  }
  Dwarf_Die innermost = scopes[0];
  free(scopes);
  scopes = NULL;
  n = dwarf_getscopes_die(&innermost, &scopes);
  int found = 0;
  for (int i = 0; i < n && !found; i++)
    if (dwarf_tag(&scopes[i]) == DW_TAG_subprogram) {
      *out = scopes[i];
      found = 1;
    }
  free(scopes);
  return found;
}

typedef struct entry_search {
  Dwarf_Addr pc;
  Dwarf_Die found;
  int ok;
} entry_search;

static int stop_at_entry(Dwarf_Die *die, void *arg)
{
  entry_search *s = arg;
  if (!starts_at(die, s->pc))
    return DWARF_CB_OK;
  s->found = *die;
  s->ok = 1;
  return DWARF_CB_ABORT;
}

/* The function of the unit cu that starts at pc, by a walk over every
 * function the unit defines: for what concrete_function_at cannot see.
 * dwarf_getscopes looks into no DIE without addresses, and clang puts the
 * definition of a namespace's function inside the namespace's DIE (g++ at
 * the unit's top level, pointing to its declaration there). */
static int function_starting_at(Dwarf_Die *cu, Dwarf_Addr pc, Dwarf_Die *out)
{
  entry_search s = { .pc = pc };
  dwarf_getfuncs(cu, stop_at_entry, &s, 0);
  if (s.ok)
    *out = s.found;
  return s.ok;
}

/* What a question about a DIE can answer besides yes (1) and no (0): the
 * DWARF it needs cannot be read (a reference into a supplementary file,
 * dwz's .gnu_debugaltlink, not found). The caller then knows nothing. */
#define UNKNOWN (-1)
#define NO_PARAMS 2

/* The DIE the reference attribute name of die points to: 1, 0 when die has
 * no such attribute, UNKNOWN when it cannot be followed. */
static int follow(Dwarf_Die *die, unsigned name, Dwarf_Die *out)
{
  Dwarf_Attribute a;
  if (!dwarf_attr(die, name, &a))
    return 0;
  return dwarf_formref_die(&a, out) ? 1 : UNKNOWN;
}

/* The DIE die completes: the abstract function it is an instance of, or
 * the declaration in its class it defines (DW_AT_specification). */
static int origin_of(Dwarf_Die *die, Dwarf_Die *out)
{
  int rc = follow(die, DW_AT_abstract_origin, out);
  return rc ? rc : follow(die, DW_AT_specification, out);
}

/* Attribute name of die or of a DIE it completes: 1 and *a, 0 none, UNKNOWN. */
static int attr_through(Dwarf_Die *die, unsigned name, Dwarf_Attribute *a)
{
  Dwarf_Die cur = *die;
  for (int depth = 0; depth < 8; depth++) {
    if (dwarf_attr(&cur, name, a))
      return 1;
    Dwarf_Die next;
    int rc = origin_of(&cur, &next);
    if (rc <= 0)
      return rc;
    cur = next;
  }
  return UNKNOWN;
}

/* 1: die's first formal parameter is artificial (`this`), 0: it is not,
 * NO_PARAMS: die lists none, UNKNOWN. */
static int first_param_artificial(Dwarf_Die *die)
{
  Dwarf_Die child;
  if (dwarf_child(die, &child) != 0)
    return NO_PARAMS;
  do {
    if (dwarf_tag(&child) != DW_TAG_formal_parameter)
      continue;
    Dwarf_Attribute a;
    bool artificial = false;
    int rc = attr_through(&child, DW_AT_artificial, &a);
    if (rc == 1 && dwarf_formflag(&a, &artificial) != 0)
      return UNKNOWN;
    return rc == UNKNOWN ? UNKNOWN : artificial;
  } while (dwarf_siblingof(&child, &child) == 0);
  return NO_PARAMS;
}

/* Whether the function of die takes `this`: its object pointer, or an
 * artificial first parameter, in it or in what it completes. 1, 0, UNKNOWN. */
static int takes_this(Dwarf_Die *die)
{
  Dwarf_Attribute a;
  int rc = attr_through(die, DW_AT_object_pointer, &a);
  if (rc != 0)
    return rc;
  Dwarf_Die cur = *die;
  for (int depth = 0; depth < 8; depth++) {
    int first = first_param_artificial(&cur);
    if (first != NO_PARAMS)
      return first;
    Dwarf_Die next;
    int o = origin_of(&cur, &next);
    if (o <= 0)
      return o; /* (no parameter anywhere: no `this`) */
    cur = next;
  }
  return UNKNOWN;
}

/* Whether it returns a structure, class or union: 1, 0 (void too), UNKNOWN. */
static int returns_aggregate(Dwarf_Die *die)
{
  Dwarf_Attribute a;
  Dwarf_Die type;
  int rc = attr_through(die, DW_AT_type, &a);
  if (rc <= 0)
    return rc;
  if (!dwarf_formref_die(&a, &type) || dwarf_peel_type(&type, &type) != 0)
    return UNKNOWN;
  int tag = dwarf_tag(&type);
  return tag == DW_TAG_structure_type || tag == DW_TAG_class_type || tag == DW_TAG_union_type;
}

int ospy_dwarf_function_die(ospy_dwarf_module *d, uint64_t vaddr, Dwarf_Die *out)
{
  Dwarf_Die *cu = d ? cu_at(d, vaddr) : NULL;
  if (!cu)
    return 0;
  if (concrete_function_at(cu, vaddr, out) && starts_at(out, vaddr))
    return 1;
  return function_starting_at(cu, vaddr, out); /* (else none, or it starts elsewhere) */
}

int ospy_dwarf_origin_of(Dwarf_Die *die, Dwarf_Die *out)
{
  return origin_of(die, out);
}

int ospy_dwarf_attr_through(Dwarf_Die *die, unsigned name, Dwarf_Attribute *a)
{
  return attr_through(die, name, a);
}

int ospy_dwarf_function_shape(ospy_dwarf_module *d, uint64_t vaddr, int *has_this,
                              int *returns_class)
{
  Dwarf_Die fn;
  if (!ospy_dwarf_function_die(d, vaddr, &fn))
    return 0;
  *has_this = takes_this(&fn);
  *returns_class = returns_aggregate(&fn);
  return *has_this != UNKNOWN && *returns_class != UNKNOWN;
}

int ospy_dwarf_present(ospy_dwarf_module *d)
{
  Dwarf_Addr bias;
  return d && dwfl_module_getdwarf(d->mod, &bias) != NULL;
}

/* ---- the function of an address (ospy_dwarf_function_name) ---- */

/* The range [*start, *end) of die that holds pc: 1, or 0 when none does. */
static int range_of(Dwarf_Die *die, Dwarf_Addr pc, Dwarf_Addr *start_out, Dwarf_Addr *end_out)
{
  Dwarf_Addr base, start, end;
  ptrdiff_t off = 0;
  while ((off = dwarf_ranges(die, off, &base, &start, &end)) > 0)
    if (pc >= start && pc < end) {
      *start_out = start;
      *end_out = end;
      return 1;
    }
  return 0;
}

/* The name of the concrete function fn: its linkage name demangled (C++),
 * else its name, in it or in the declaration or abstract function it
 * completes; NULL when it has none. malloc'ed. */
static char *function_name(Dwarf_Die *fn)
{
  Dwarf_Attribute a;
  const char *name = NULL;
  if (attr_through(fn, DW_AT_linkage_name, &a) == 1 ||
      attr_through(fn, DW_AT_MIPS_linkage_name, &a) == 1)
    name = dwarf_formstring(&a);
  if (!name && attr_through(fn, DW_AT_name, &a) == 1)
    name = dwarf_formstring(&a);
  return name && *name ? ospy_symbol_readable(name) : NULL;
}

/* Looks the function of vaddr up, into c (found or not). */
static void find_function(ospy_dwarf_module *d, uint64_t vaddr, uint64_t at, cached_fn *c)
{
  c->found = 0;
  Dwarf_Die *cu = cu_at(d, vaddr);
  Dwarf_Die fn;
  if (!cu || !concrete_function_at(cu, vaddr, &fn))
    return;
  char *name = function_name(&fn);
  if (!name)
    return;
  Dwarf_Addr entry, start, end;
  if (!range_of(&fn, vaddr, &start, &end)) {
    free(name);
    return;
  }
  int has_entry = dwarf_entrypc(&fn, &entry) == 0;
  if (has_entry && entry >= start && entry < end) {
    c->base = at >= entry ? entry : start;
  } else {
    /* from this range's start; when the entry is in another range, this is
     * a part GCC moved away from it, func.cold in the symbol table */
    c->base = start;
    size_t n = strlen(name);
    char *cold = has_entry ? realloc(name, n + sizeof ".cold") : name;
    if (!cold) {
      free(name);
      return;
    }
    name = cold;
    if (has_entry)
      memcpy(name + n, ".cold", sizeof ".cold");
  }
  c->name = name;
  c->found = 1;
}

int ospy_dwarf_function_name(ospy_dwarf_module *d, uint64_t vaddr, uint64_t at, char *name,
                             size_t cap, uint64_t *base)
{
  if (!d || !cap)
    return 0;
  cached_fn *c = &d->fns[(vaddr ^ (vaddr >> 8)) % FN_CACHE_SLOTS];
  if (!c->filled || c->vaddr != vaddr) {
    free(c->name);
    *c = (cached_fn){ .vaddr = vaddr, .filled = 1 };
    find_function(d, vaddr, at, c);
  }
  if (!c->found)
    return 0;
  snprintf(name, cap, "%s", c->name);
  *base = c->base;
  return 1;
}
