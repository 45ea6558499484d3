/* The hook plan for `ospy capture`: from -f FUNC lists, or from a config. */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cmd_capture.h"
#include "config/config.h"
#include "ospy-config.h"
#include "plan/plan.h"

/* One -f item: "read" or "libc.so.6!read". */
static int add_function(ospy_plan_builder *b, const char *item, unsigned backtrace)
{
  char module[256] = "", symbol[256];
  const char *bang = strchr(item, '!');
  if (bang) {
    size_t n = (size_t)(bang - item);
    if (n >= sizeof module) {
      fprintf(stderr, "ospy capture: -f: module name too long in '%s'\n", item);
      return -1;
    }
    memcpy(module, item, n);
    module[n] = 0;
    item = bang + 1;
  }
  if (!*item || strlen(item) >= sizeof symbol || strpbrk(item, " \t()")) {
    fprintf(stderr, "ospy capture: -f: '%s' is not a function name\n", item);
    return -1;
  }
  strcpy(symbol, item);
  char display[600];
  snprintf(display, sizeof display, "%s%s%s", module, module[0] ? "!" : "", symbol);
  ospy_plan_hook h = { .kind = OSPY_HOOK_EXPORT, .spec_index = OSPY_PLAN_NO_SPEC,
                       .flags = backtrace ? OSPY_HOOK_F_BACKTRACE : 0, .module = module,
                       .symbol = symbol, .process = "", .display = display };
  return ospy_plan_builder_add(b, &h);
}

static int add_function_list(ospy_plan_builder *b, const char *list, unsigned backtrace)
{
  char *copy = strdup(list), *save = NULL;
  int rc = copy ? 0 : -1;
  for (char *t = copy ? strtok_r(copy, ",", &save) : NULL; t && rc == 0; t = strtok_r(NULL, ",", &save))
    rc = add_function(b, t, backtrace);
  free(copy);
  return rc;
}

static int elf_class_of(const char *path);
static int find_in_path(const char *prog, char *out, size_t cap);

/* The architecture the plan is for: the program's (spawn) or the process's (-p). */
static unsigned target_bits(const ospy_capture_opts *o)
{
  char path[PATH_MAX];
  int bits = 64;
  if (o->pid > 0) {
    snprintf(path, sizeof path, "/proc/%d/exe", o->pid);
    bits = elf_class_of(path);
  } else if (o->argv && o->argv[0] && find_in_path(o->argv[0], path, sizeof path) == 0) {
    bits = elf_class_of(path);
  }
  return bits == 32 ? 32 : 64;
}

static int add_config(ospy_plan_builder *b, const char *path, unsigned bits)
{
  ospy_diag d;
  ospy_diag_init(&d);
  int rc = ospy_config_load_plan(path, bits, b, &d);
  if (rc < 0)
    ospy_diag_print(&d, stderr);
  ospy_diag_free(&d);
  return rc;
}

void *ospy_capture_build_plan(const ospy_capture_opts *o, size_t *len)
{
  unsigned bits = target_bits(o);
  ospy_plan_builder *b = ospy_plan_builder_new(bits);
  if (!b)
    return NULL;
  ospy_plan_builder_set_options(b, o->lossy ? OSPY_PLAN_OPT_LOSSY : 0);
  ospy_plan_builder_set_backtrace(b, o->backtrace);
  if (o->config && add_config(b, o->config, bits) < 0) {
    ospy_plan_builder_free(b);
    return NULL;
  }
  for (int i = 0; i < o->nfuncs; i++)
    if (add_function_list(b, o->funcs[i], o->backtrace) < 0) {
      ospy_plan_builder_free(b);
      return NULL;
    }
  if (o->nfuncs && !o->quiet)
    fprintf(stderr, "ospy: note: no definitions for the -f functions: "
            "arguments are shown as raw register/stack words\n");
  void *bytes = ospy_plan_builder_encode(b, len);
  ospy_plan_builder_free(b);
  return bytes;
}

/* ---- which agent ---- */

static int elf_class_of(const char *path)
{
  unsigned char id[EI_NIDENT];
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return -1;
  ssize_t n = read(fd, id, sizeof id);
  close(fd);
  if (n == (ssize_t)sizeof id && !memcmp(id, ELFMAG, SELFMAG))
    return id[EI_CLASS] == ELFCLASS32 ? 32 : 64;
  return 64; /* scripts: the interpreter is most likely 64-bit */
}

static int find_in_path(const char *prog, char *out, size_t cap)
{
  if (strchr(prog, '/')) {
    snprintf(out, cap, "%s", prog);
    return access(out, X_OK);
  }
  const char *path = getenv("PATH");
  if (!path)
    path = "/usr/local/bin:/usr/bin:/bin";
  while (*path) {
    size_t n = strcspn(path, ":");
    snprintf(out, cap, "%.*s/%s", (int)n, path, prog);
    if (access(out, X_OK) == 0)
      return 0;
    path += n + (path[n] == ':');
  }
  return -1;
}

/* The agent comes only from where ospy was built or installed: no environment
 * variable can make ospy inject another library. */
static int agent_path(int bits, char *out, size_t cap, char *err, size_t errcap)
{
  if (bits == 32) {
    if (!OSPY_AGENT32_PATH[0]) {
      snprintf(err, errcap, "32-bit program, but this ospy was built without an i386 agent "
               "(meson setup -Dagent32_path=...)");
      return -1;
    }
    snprintf(out, cap, "%s", OSPY_AGENT32_PATH);
  } else {
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0) {
      snprintf(err, errcap, "cannot locate the ospy executable");
      return -1;
    }
    exe[n] = 0;
    char *slash = strrchr(exe, '/');
    *slash = 0;
    /* build tree: build/src/cli/ospy next to build/src/agent/ */
    snprintf(out, cap, "%s/../agent/libospy-agent.so", exe);
    if (access(out, R_OK) < 0)
      snprintf(out, cap, "%s/../lib/libospy-agent.so", exe);
  }
  char real[PATH_MAX];
  if (!realpath(out, real)) {
    snprintf(err, errcap, "agent library %s: %s", out, strerror(errno));
    return -1;
  }
  snprintf(out, cap, "%s", real);
  return 0;
}

int ospy_capture_agent_for(const char *program, char *out, size_t cap, char *err, size_t errcap)
{
  char path[PATH_MAX];
  int bits = find_in_path(program, path, sizeof path) == 0 ? elf_class_of(path) : 64;
  return agent_path(bits < 0 ? 64 : bits, out, cap, err, errcap);
}

int ospy_capture_agent_for_pid(int pid, char *out, size_t cap, int *bits, char *err, size_t errcap)
{
  char exe[64];
  snprintf(exe, sizeof exe, "/proc/%d/exe", pid);
  *bits = elf_class_of(exe);
  if (*bits < 0) {
    int e = errno;
    snprintf(err, errcap, "process %d: cannot read %s: %s%s", pid, exe, strerror(e),
             e == EACCES || e == EPERM ? " (the kernel does not let this user trace it: "
             "another user's process, or ptrace is restricted)" : "");
    return -1;
  }
  return agent_path(*bits, out, cap, err, errcap);
}
