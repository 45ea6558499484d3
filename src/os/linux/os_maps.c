/* /proc/self/maps parsing without libc (see os_maps.h). */
#include "os/linux/os_maps.h"

#include "os/linux/os_scratch.h"
#include "os/linux/os_syscall.h"

static uint64_t parse_hex(const char **p) {
  uint64_t v = 0;
  for (;;) {
    char c = **p;
    unsigned d;
    if (c >= '0' && c <= '9')
      d = (unsigned)(c - '0');
    else if (c >= 'a' && c <= 'f')
      d = (unsigned)(c - 'a' + 10);
    else
      return v;
    v = v * 16 + d;
    (*p)++;
  }
}

static void skip_field(const char **p) {
  while (**p && **p != ' ')
    (*p)++;
  while (**p == ' ')
    (*p)++;
}

/* line is NUL-terminated, without the newline. */
static bool parse_line(const char *line, ospy_os_map *m) {
  const char *p = line;
  m->start = (uintptr_t)parse_hex(&p);
  if (*p++ != '-')
    return false;
  m->end = (uintptr_t)parse_hex(&p);
  if (*p++ != ' ' || !p[0] || !p[1] || !p[2] || !p[3])
    return false;
  m->prot = (p[0] == 'r' ? OSPY_OS_PROT_R : 0) | (p[1] == 'w' ? OSPY_OS_PROT_W : 0) |
            (p[2] == 'x' ? OSPY_OS_PROT_X : 0);
  m->shared = p[3] == 's';
  skip_field(&p);
  m->offset = parse_hex(&p);
  skip_field(&p); /* offset */
  skip_field(&p); /* dev */
  skip_field(&p); /* inode */
  m->path = p;
  m->special = p[0] == '[' && !(p[1] == 's' && p[2] == 't') && !(p[1] == 'h' && p[2] == 'e');
  return true;
}

const char *ospy_os_proc_self(void) {
  char link[8];
  long r = ospy_os_syscall(SYS_readlinkat, -100 /* AT_FDCWD */, (long)"/proc/self/exe", (long)link,
                           sizeof link, 0, 0);
  return r == -2 /* ENOENT: the main thread has ended */ ? "/proc/thread-self" : "/proc/self";
}

const char *ospy_os_self_exe(void) {
  return ospy_os_proc_self()[6] == 't' ? "/proc/thread-self/exe" : "/proc/self/exe";
}

/* The lines of maps, read into buf (size cap) a piece at a time; *empty
 * when there were none. */
static int foreach_line(int fd, char *buf, size_t cap, ospy_os_map_fn fn, void *data,
                        bool *empty) {
  size_t len = 0;
  bool stop = false;
  while (!stop) {
    long r = ospy_os_sys3(SYS_read, fd, (long)(buf + len), (long)(cap - 1 - len));
    if (r == -4)
      continue;
    if (r < 0)
      return (int)r;
    len += (size_t)r;
    if (r == 0 && len == 0) {
      *empty = true;
      break;
    }
    size_t start = 0;
    for (size_t i = 0; i < len && !stop; i++) {
      if (buf[i] != '\n' && !(r == 0 && i + 1 == len))
        continue;
      if (buf[i] == '\n')
        buf[i] = '\0';
      else
        buf[i + 1] = '\0';
      ospy_os_map m;
      if (parse_line(buf + start, &m) && !fn(&m, data))
        stop = true;
      start = i + 1;
    }
    if (r == 0)
      break;
    /* Keep the incomplete last line; a line longer than the buffer is dropped. */
    size_t rest = len - start;
    if (rest == cap - 1)
      rest = 0;
    for (size_t i = 0; i < rest; i++)
      buf[i] = buf[start + i];
    len = rest;
  }
  return 0;
}

/* The buffer is not on the stack: the agent reads maps from hooked calls,
 * which may run on a small sigaltstack or thread stack (os_scratch.h). */
static int maps_foreach_in(const char *path, ospy_os_map_fn fn, void *data, bool *empty) {
  char *buf = ospy_os_scratch_take();
  if (!buf)
    return -12; /* ENOMEM */
  int fd = ospy_os_open_read(path, 0);
  int r = fd < 0 ? fd : foreach_line(fd, buf, OSPY_OS_SCRATCH_SIZE, fn, data, empty);
  if (fd >= 0)
    ospy_os_close(fd);
  ospy_os_scratch_give(buf);
  return r;
}

int ospy_os_maps_foreach(ospy_os_map_fn fn, void *data) {
  bool empty = false;
  int r = maps_foreach_in("/proc/self/maps", fn, data, &empty);
  /* a process has mappings: none means its main thread has ended */
  return r == 0 && empty ? maps_foreach_in("/proc/thread-self/maps", fn, data, &empty) : r;
}

typedef struct find_ctx {
  uintptr_t addr;
  ospy_os_map *out;
  bool found;
} find_ctx;

static bool find_cb(const ospy_os_map *m, void *data) {
  find_ctx *c = data;
  if (c->addr < m->start)
    return false;
  if (c->addr >= m->end)
    return true;
  *c->out = *m;
  c->out->path = "";
  c->found = true;
  return false;
}

bool ospy_os_maps_find(uintptr_t addr, ospy_os_map *out) {
  find_ctx c = { addr, out, false };
  if (ospy_os_maps_foreach(find_cb, &c) < 0)
    return false;
  return c.found;
}

typedef struct module_ctx {
  const char *suffix;
  size_t suffix_len;
  uintptr_t start, end;
  bool found;
} module_ctx;

static size_t str_len(const char *s) {
  size_t n = 0;
  while (s[n])
    n++;
  return n;
}

static bool module_cb(const ospy_os_map *m, void *data) {
  module_ctx *c = data;
  size_t n = str_len(m->path);
  if (n < c->suffix_len)
    return true;
  const char *tail = m->path + n - c->suffix_len;
  for (size_t i = 0; i < c->suffix_len; i++)
    if (tail[i] != c->suffix[i])
      return true;
  if (!c->found || m->start < c->start)
    c->start = m->start;
  if (!c->found || m->end > c->end)
    c->end = m->end;
  c->found = true;
  return true;
}

bool ospy_os_module_range(const char *path_suffix, uintptr_t *start, uintptr_t *end) {
  module_ctx c = { path_suffix, str_len(path_suffix), 0, 0, false };
  if (ospy_os_maps_foreach(module_cb, &c) < 0 || !c.found)
    return false;
  *start = c.start;
  *end = c.end;
  return true;
}
