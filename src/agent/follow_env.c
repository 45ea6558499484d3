/*
 * -F follows exec'd programs through their environment: LD_PRELOAD loads the
 * agent into them and OSPY_RING_FD names the ring. A program exec'd with an
 * environment of its own (env -i, python's subprocess.run(..., env={...}))
 * lost both and ran unrecorded. The agent's hooks of execve, execveat and
 * fexecve give such an environment the two entries back, in a copy: the
 * program's array is left as it was, and a user's hook of execve records the
 * environment the program passed.
 *
 * The copy lives in a mapping of its own: the exec that succeeds takes it
 * along, one that fails leaves it to the thread's next exec, which unmaps it
 * (a vfork child shares its parent's thread slot, so a child's successful
 * exec leaves its copy to the parent's next one: one mapping per thread at
 * most). The program's pointers are read with safe reads: a bad envp must
 * fail with EFAULT in the kernel, not fault in the agent.
 */
#include "agent/follow_env.h"

#include <elf.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "agent/agent.h"
#include "capture/event.h"
#include "capture/ring.h"
#include "os/linux/os_read.h"
#include "os/linux/os_syscall.h"

#define PRELOAD "LD_PRELOAD="
#define RING OSPY_RING_ENV "="
#define AGENT_NAME "libospy-agent"
#define ENTRY_MAX 1024 /* of an LD_PRELOAD entry (a longer one of the program is dropped) */
#define ENVP_MAX (1u << 20) /* entries: the kernel's own limit is lower */

static char preload_entry[4096]; /* LD_PRELOAD=<the agent's element> */
static char ring_entry[128];     /* OSPY_RING_FD=FD:PID:PIDFD */
static int enabled;
static int same_class_only; /* attached: see ospy_follow_env_same_class_only */

typedef struct env_copy {
  void *map;
  size_t len;
} env_copy;
static __thread env_copy last_copy __attribute__((tls_model("initial-exec")));

int ospy_preload_split(const char *preload, char *agent, size_t agent_cap, char *others,
                       size_t others_cap)
{
  int found = 0;
  size_t no = 0;
  if (others_cap)
    others[0] = '\0';
  for (const char *e = preload; e && *e;) { /* elements as ld.so splits them */
    size_t len = strcspn(e, ": \t");
    int ours = len && memmem(e, len, AGENT_NAME, sizeof AGENT_NAME - 1);
    if (ours && !found && len < agent_cap) {
      memcpy(agent, e, len);
      agent[len] = '\0';
      found = 1;
    } else if (len && !ours && no + len + 2 <= others_cap) {
      if (no)
        others[no++] = ':';
      memcpy(others + no, e, len);
      no += len;
      others[no] = '\0';
    }
    e += len;
    e += strspn(e, ": \t");
  }
  return found;
}

void ospy_follow_env_init(const char *preload, const char *ring)
{
  enabled = 0;
  same_class_only = 0;
  char element[sizeof preload_entry - sizeof PRELOAD];
  if (!ring || strlen(ring) + sizeof RING > sizeof ring_entry ||
      !ospy_preload_split(preload, element, sizeof element, NULL, 0))
    return;
  strcpy(stpcpy(preload_entry, PRELOAD), element);
  strcpy(stpcpy(ring_entry, RING), ring);
  enabled = 1;
}

/* Up to n bytes from addr, page by page (a short string may end just before
 * an unmapped page): how many leading bytes were readable. */
static size_t read_bytes(uintptr_t addr, char *buf, size_t n)
{
  size_t got = 0;
  while (got < n) {
    size_t page_left = 4096 - ((addr + got) & 4095);
    size_t want = n - got < page_left ? n - got : page_left;
    size_t r = ospy_os_read_memory(addr + got, buf + got, want);
    got += r;
    if (r < want)
      break;
  }
  return got;
}

/* The string at addr, NUL-terminated into buf: its length, or -1 when it is
 * unreadable or does not fit. */
static long read_string(uintptr_t addr, char *buf, size_t cap)
{
  size_t got = read_bytes(addr, buf, cap);
  char *nul = memchr(buf, 0, got);
  return nul ? (long)(nul - buf) : -1;
}

static int has_prefix(uintptr_t addr, const char *prefix)
{
  char buf[32];
  size_t n = strlen(prefix);
  return n <= sizeof buf && read_bytes(addr, buf, n) == n && !memcmp(buf, prefix, n);
}

/* What the environment at envp holds of ours. */
typedef struct env_scan {
  size_t count;          /* entries before the NULL */
  int ring;              /* an OSPY_RING_FD entry */
  int agent;             /* an LD_PRELOAD entry that loads the agent */
  char theirs[ENTRY_MAX]; /* the value of the first LD_PRELOAD, if another */
  int have_theirs;
} env_scan;

static int scan(uintptr_t envp, env_scan *s)
{
  memset(s, 0, sizeof *s);
  char buf[ENTRY_MAX];
  for (; envp; s->count++) {
    uintptr_t p;
    if (s->count >= ENVP_MAX ||
        ospy_os_read_memory(envp + s->count * sizeof p, &p, sizeof p) != sizeof p)
      return -1;
    if (!p)
      break;
    if (has_prefix(p, RING))
      s->ring = 1;
    else if (!s->have_theirs && !s->agent && has_prefix(p, PRELOAD) &&
             read_string(p, buf, sizeof buf) >= 0) {
      if (strstr(buf, AGENT_NAME)) {
        s->agent = 1;
      } else {
        strcpy(s->theirs, buf + strlen(PRELOAD));
        s->have_theirs = 1;
      }
    }
  }
  return 0;
}

static void drop_last_copy(void)
{
  if (last_copy.map)
    munmap(last_copy.map, last_copy.len);
  last_copy.map = NULL;
}

/* envp without its LD_PRELOAD and OSPY_RING_FD entries, plus ours: in a new
 * mapping; 0 when none can be had. */
static uintptr_t build(uintptr_t envp, const env_scan *s)
{
  size_t slots = (s->count + 3) * sizeof(uintptr_t);
  size_t extra = s->have_theirs ? strlen(preload_entry) + 1 + strlen(s->theirs) + 1 : 0;
  size_t len = (slots + extra + 4095) & ~(size_t)4095;
  void *map = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (map == MAP_FAILED)
    return 0;
  uintptr_t *out = map;
  char *preload = preload_entry;
  if (s->have_theirs) { /* the agent first, then the program's own */
    preload = (char *)map + slots;
    strcpy(stpcpy(stpcpy(preload, preload_entry), ":"), s->theirs);
  }
  size_t n = 0;
  for (size_t i = 0; i < s->count; i++) {
    uintptr_t p = 0;
    if (ospy_os_read_memory(envp + i * sizeof p, &p, sizeof p) != sizeof p || !p)
      break;
    if (has_prefix(p, PRELOAD) || has_prefix(p, RING))
      continue;
    out[n++] = p;
  }
  out[n++] = (uintptr_t)preload;
  out[n++] = (uintptr_t)ring_entry;
  out[n] = 0;
  last_copy = (env_copy){ map, len };
  return (uintptr_t)map;
}

void ospy_follow_env_same_class_only(void)
{
  same_class_only = enabled;
}

/* The file an exec of (dirfd, path) has the loader run: the file, or a
 * script's interpreter (#! line); path NULL: dirfd itself (fexecve, or
 * AT_EMPTY_PATH). An open descriptor (to close when it is not dirfd), or
 * -1 when it cannot be read. Read without moving a descriptor's offset. */
static int open_exec_target(int dirfd, const char *path)
{
  char head[256], interp[sizeof head];
  for (int depth = 0; depth < 2; depth++) {
    long fd = dirfd;
    if (path) {
      /* only a regular file: opening a FIFO or a device could block or act */
      struct statx st;
      if (ospy_os_syscall(SYS_statx, dirfd, (long)path, 0, STATX_TYPE, (long)&st, 0) != 0 ||
          !S_ISREG(st.stx_mode))
        return -1;
      fd = ospy_os_syscall(SYS_openat, dirfd, (long)path, O_RDONLY | O_CLOEXEC | O_NONBLOCK, 0,
                           0, 0);
      if (fd < 0)
        return -1;
    }
    long n = ospy_os_syscall(SYS_pread64, fd, (long)head, (long)sizeof head - 1, 0, 0, 0);
    if (n >= 0 && (n < 3 || head[0] != '#' || head[1] != '!'))
      return (int)fd;
    if (path)
      (void)ospy_os_sys3(SYS_close, fd, 0, 0);
    if (n < 0)
      return -1;
    head[n] = 0;
    const char *p = head + 2 + strspn(head + 2, " \t");
    size_t len = strcspn(p, " \t\n");
    memcpy(interp, p, len);
    interp[len] = 0;
    dirfd = AT_FDCWD;
    path = interp;
  }
  return -1;
}

/* The ELF class (ELFCLASS32 or ELFCLASS64) of what an exec of the file
 * runs; 0 when not known (the kernel then decides, as without ospy). */
static int exec_class(int dirfd, const char *path)
{
  int fd = open_exec_target(dirfd, path);
  if (fd < 0)
    return 0;
  unsigned char ident[EI_NIDENT];
  long n = ospy_os_syscall(SYS_pread64, fd, (long)ident, sizeof ident, 0, 0, 0);
  if (fd != dirfd && ospy_os_sys3(SYS_close, fd, 0, 0) != 0)
    n = -1;
  if (n < EI_CLASS + 1 || memcmp(ident, ELFMAG, SELFMAG))
    return 0;
  return ident[EI_CLASS] == ELFCLASS32 || ident[EI_CLASS] == ELFCLASS64 ? ident[EI_CLASS] : 0;
}

/* Whether the program an exec runs is of this agent's architecture, or
 * not known to be another's: said when it is not. */
static int same_class(const ospy_exec_file *file)
{
  char path[4096];
  if (file->path && read_string(file->path, path, sizeof path) < 0)
    return 1; /* unreadable: the kernel will say EFAULT */
  int cls = exec_class(file->dirfd, file->path && path[0] ? path : NULL); /* "": AT_EMPTY_PATH */
  int ours = sizeof(void *) == 8 ? ELFCLASS64 : ELFCLASS32;
  if (!cls || cls == ours)
    return 1;
  ospy_agent_messagef2(OSPY_EV_WARNING, UINT32_MAX, "agent: ", file->path ? path : "the program exec'd",
                       sizeof(void *) == 8
                         ? " is a 32-bit program: not followed from this 64-bit process "
                           "(an attached process's children get its agent; capture it on its own)"
                         : " is a 64-bit program: not followed from this 32-bit process "
                           "(an attached process's children get its agent; capture it on its own)");
  return 0;
}

uintptr_t ospy_follow_env_fix(uintptr_t envp, const ospy_exec_file *file, int *followed)
{
  *followed = 0;
  if (!enabled)
    return envp;
  if (same_class_only && !same_class(file))
    return envp;
  drop_last_copy(); /* an earlier exec of this thread failed, or a vfork child's succeeded */
  env_scan s;
  if (scan(envp, &s) < 0)
    return envp; /* unreadable: the kernel will say EFAULT */
  if (s.ring && s.agent) {
    *followed = 1;
    return envp;
  }
  uintptr_t copy = build(envp, &s);
  *followed = copy != 0;
  return copy ? copy : envp;
}

/* Set-user-ID or set-group-ID for another user than ours, or with file
 * capabilities: the kernel runs it in secure mode (AT_SECURE), where the
 * loader ignores a preload named by its path. */
static int runs_secure(int fd)
{
  struct statx st;
  if (ospy_os_syscall(SYS_statx, fd, (long)"", AT_EMPTY_PATH, STATX_MODE | STATX_UID | STATX_GID,
                      (long)&st, 0) != 0)
    return 0;
  if ((st.stx_mode & S_ISUID) && st.stx_uid != (uint32_t)geteuid())
    return 1;
  if ((st.stx_mode & S_ISGID) && st.stx_gid != (uint32_t)getegid())
    return 1;
  char caps[64];
  return geteuid() != 0 &&
         ospy_os_syscall(SYS_fgetxattr, fd, (long)"security.capability", (long)caps, sizeof caps, 0,
                         0) > 0;
}

/* An ELF file without a program interpreter (PT_INTERP): static, or
 * static-pie. Read from the file's program headers. */
static int elf_static(int fd)
{
  union { Elf64_Ehdr e64; Elf32_Ehdr e32; } eh;
  long n = ospy_os_syscall(SYS_pread64, fd, (long)&eh, sizeof eh, 0, 0, 0);
  if (n < (long)sizeof eh.e32 || memcmp(eh.e32.e_ident, ELFMAG, SELFMAG))
    return 0;
  int is64 = eh.e32.e_ident[EI_CLASS] == ELFCLASS64;
  if (is64 && n < (long)sizeof eh.e64)
    return 0;
  uint64_t off = is64 ? eh.e64.e_phoff : eh.e32.e_phoff;
  unsigned count = is64 ? eh.e64.e_phnum : eh.e32.e_phnum;
  unsigned type = is64 ? eh.e64.e_type : eh.e32.e_type;
  size_t size = is64 ? sizeof(Elf64_Phdr) : sizeof(Elf32_Phdr);
  if (count > 64 || (type != ET_EXEC && type != ET_DYN))
    return 0;
  for (unsigned i = 0; i < count; i++) {
    union { Elf64_Phdr p64; Elf32_Phdr p32; } ph;
    if (ospy_os_syscall(SYS_pread64, fd, (long)&ph, (long)size, (long)(off + i * size), 0, 0) !=
        (long)size)
      return 0;
    if ((is64 ? ph.p64.p_type : ph.p32.p_type) == PT_INTERP)
      return 0;
  }
  return 1;
}

/* Whether descriptor fd is a ring (by its first words: the control page is
 * too large for the stack of a thread that execs), and stays open across
 * exec. */
static int ring_inherited(int fd)
{
  uint32_t head[2];
  long flags = fd < 0 ? -1 : ospy_os_sys3(SYS_fcntl, fd, F_GETFD, 0);
  return flags >= 0 && !(flags & FD_CLOEXEC) &&
         ospy_os_syscall(SYS_pread64, fd, (long)head, sizeof head, 0, 0, 0) == sizeof head &&
         head[0] == OSPY_RING_MAGIC && head[1] == OSPY_RING_VERSION;
}

uint32_t ospy_follow_env_obstacles(const ospy_exec_file *file, int ring_fd)
{
  uint32_t why = ring_inherited(ring_fd) ? 0 : OSPY_EXEC_WHY_RING_CLOSED;
  char path[4096];
  if (file->path && read_string(file->path, path, sizeof path) < 0)
    return why;
  int fd = open_exec_target(file->dirfd, file->path && path[0] ? path : NULL);
  if (fd < 0)
    return why;
  if (runs_secure(fd))
    why |= OSPY_EXEC_WHY_SETID;
  if (elf_static(fd))
    why |= OSPY_EXEC_WHY_STATIC;
  if (fd != file->dirfd)
    (void)ospy_os_sys3(SYS_close, fd, 0, 0);
  return why;
}

void ospy_follow_env_describe(const ospy_exec_file *file, char *out, size_t cap)
{
  if (file->path && read_string(file->path, out, cap) >= 0 && out[0])
    return;
  char link[40] = "/proc/self/fd/";
  ospy_agent_put_dec(link + strlen(link), (unsigned)file->dirfd);
  long n = ospy_os_syscall(SYS_readlinkat, AT_FDCWD, (long)link, (long)out, (long)cap - 1, 0, 0);
  out[n > 0 ? n : 0] = 0;
  if (n <= 0)
    strcpy(out, "a program");
}
