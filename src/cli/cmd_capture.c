/* ospy capture: spawn (or attach to) a program with the agent, record its
 * calls into a capture file. */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/utsname.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "capture/session.h"
#include "cli/cli_getopt.h"
#include "cli/cmd_capture.h"
#include "cli/ring_handover.h"
#include "cli/commands.h"
#include "os/linux/proc_task.h"
#include "ospy-config.h"
#include "plan/values.h"

static volatile sig_atomic_t stop_requested;

static void on_stop_signal(int sig)
{
  (void)sig;
  stop_requested = 1;
}

static void usage(FILE *out)
{
  fprintf(out,
    "usage: ospy capture [-c CONFIG | --preset NAME]... [-f FUNC[,FUNC...]]... [-o FILE] [--lossy]\n"
    "                    [-q] [--duration S] [-F] [--backtrace [N]] -- PROGRAM [ARGS...]\n"
    "       ospy capture [-c CONFIG | --preset NAME | -f FUNC]... -p PID [-o FILE] [--duration S]\n"
    "  -f FUNC         trace FUNC or MODULE!FUNC (globs: 'libssl.so.*!SSL_*', 'libc.so.6!str*',\n"
    "                  'myprog!handle_*': the catalogue's and the program's files' functions;\n"
    "                  C++ as nm -C prints it: 'ns::Codec::encode', 'ns::Codec::*'),\n"
    "                  decoded with the definition of a config or of the catalogue ('ospy\n"
    "                  definitions'); a function without one is traced with raw register words\n"
    "  -c CONFIG       oSpy config.xml with the functions and their argument types\n"
    "  --preset NAME[,NAME...]  a shipped config: files, net, ioctl, proc, mem, tls, zlib,\n"
    "                  sqlite, usb\n"
    "                  (-c, --preset and -f may be repeated and combined: their union)\n"
    "  -o FILE         capture file (default: ospy.capture)\n"
    "  -p PID          attach to a running process (ptrace); Ctrl-C detaches\n"
    "  -F, --follow-forks  also capture forked and exec'd children (so does a bare -f,\n"
    "                  followed by another option or --, as in strace)\n"
    "  --lossy         drop events instead of slowing the program when the ring is full\n"
    "  --duration S    stop recording after S seconds: a started program runs on, and ospy\n"
    "                  waits for its end and exits with its status; -p detaches at once\n"
    "  --backtrace [N] record N return addresses per call (0..%u; without a number: %u,\n"
    "                  as a config's backtrace=\"true\"; also --backtrace=N)\n"
    "  --ring-size MIB shared ring size (power of two, default 16)\n"
    "  --value-cap N   copy at most N bytes of one buffer, string or array (K, M: KiB,\n"
    "                  MiB; default 64K, at most 448K); the rest is counted\n"
    "  --clock CLOCK   how the agent stamps calls: auto (default: tsc when the CPU's\n"
    "                  TSC is invariant, else realtime), tsc (rdtsc, converted to\n"
    "                  wall time by ospy) or realtime (clock_gettime in the target)\n"
    "  -q              no calls in the live view on stderr (warnings and errors still)\n",
    OSPY_PLAN_MAX_BACKTRACE, OSPY_PLAN_DEFAULT_BACKTRACE);
}

/* --value-cap BYTES (a K or M suffix: KiB, MiB): the most of one value (a
 * buffer, a string, an array) a call's record copies; the rest is counted.
 * Bounded by what one record holds. */
static int parse_value_cap(const char *text, uint32_t *cap)
{
  char *end;
  unsigned long v = strtoul(text, &end, 10);
  unsigned long unit = *end == 'K' || *end == 'k' ? 1024 : *end == 'M' || *end == 'm' ? 1 << 20 : 1;
  if (unit > 1)
    end++;
  if (*end || end == text || v == 0 || v > OSPY_CAPTURE_MAX_VALUE_CAP / unit) {
    fprintf(stderr, "ospy capture: --value-cap: '%s' is not a size in 1..%u bytes "
            "(a K or M suffix for KiB, MiB)\n", text, OSPY_CAPTURE_MAX_VALUE_CAP);
    return -1;
  }
  *cap = (uint32_t)(v * unit);
  return 0;
}

/* --preset NAME[,NAME...]: each a config of the catalogue, in order (a
 * comma list as -f takes one; "files,mem" was refused as no preset's name). */
static int add_presets(ospy_capture_opts *o, char *names,
                       char (*preset_path)[PATH_MAX])
{
  for (char *name = names, *comma;; name = comma + 1) {
    if ((comma = strchr(name, ',')))
      *comma = '\0';
    if (o->nconfigs == OSPY_CAPTURE_MAX_CONFIGS) {
      fprintf(stderr, "ospy capture: too many -c/--preset options\n");
      return -1;
    }
    if (ospy_preset_path(name, preset_path[o->nconfigs], PATH_MAX) < 0)
      return -1;
    o->configs[o->nconfigs] = preset_path[o->nconfigs];
    o->config_is_preset[o->nconfigs] = 1;
    o->nconfigs++;
    if (!comma)
      return 0;
  }
}

static int all_digits(const char *s)
{
  if (!*s)
    return 0;
  while (*s >= '0' && *s <= '9')
    s++;
  return !*s;
}

/* --backtrace [N], --backtrace=N: how many return addresses a call records.
 * Bare (issue 5: "--backtrace, or per function in the config"), the depth a
 * config's backtrace="true" records; the next argument is its N only when
 * it starts with a digit ("--backtrace -f work", "--backtrace -- prog": bare).
 * Called with getopt's optarg, moves optind past an N it takes. */
static int parse_backtrace(int argc, char **argv, unsigned *depth)
{
  const char *text = optarg;
  /* (a word that starts as a number is meant as one: "--backtrace 5x" is
   * refused, not taken for the program) */
  if (!text && optind < argc &&
      ((argv[optind][0] >= '0' && argv[optind][0] <= '9') || argv[optind][0] == '+'))
    text = argv[optind++];
  if (!text) {
    *depth = OSPY_PLAN_DEFAULT_BACKTRACE;
    return 0;
  }
  unsigned long n = strtoul(text, NULL, 10); /* (past ULONG_MAX: ULONG_MAX) */
  if (!all_digits(text) || n > OSPY_PLAN_MAX_BACKTRACE) {
    fprintf(stderr, "ospy capture: --backtrace: '%s' is not a depth in 0..%u\n", text,
            OSPY_PLAN_MAX_BACKTRACE);
    return -1;
  }
  *depth = (unsigned)n;
  return 0;
}

static int parse_opts(int argc, char **argv, ospy_capture_opts *o)
{
  static const struct option longopts[] = {
    { "config", required_argument, 0, 'c' }, { "functions", required_argument, 0, 'f' },
    { "output", required_argument, 0, 'o' }, { "pid", required_argument, 0, 'p' },
    { "follow-forks", no_argument, 0, 'F' }, { "quiet", no_argument, 0, 'q' },
    { "lossy", no_argument, 0, 'L' }, { "duration", required_argument, 0, 'D' },
    { "backtrace", optional_argument, 0, 'B' }, { "ring-size", required_argument, 0, 'R' },
    { "preset", required_argument, 0, 'P' }, { "clock", required_argument, 0, 'K' },
    { "value-cap", required_argument, 0, 'V' }, { "help", no_argument, 0, 'h' }, { 0, 0, 0, 0 } };
  static char preset_path[OSPY_CAPTURE_MAX_CONFIGS][PATH_MAX];
  int c;
  char *end;
  o->output = "ospy.capture";
  o->ring_mib = OSPY_RING_DEFAULT_SIZE >> 20;
  optind = 1;
  while ((c = ospy_cli_getopt(argc, argv, "+c:f:o:p:Fqh", longopts, "capture", "PROGRAM")) != -1) {
    switch (c) {
    case 'c':
    case 'P':
      if (o->nconfigs == OSPY_CAPTURE_MAX_CONFIGS) {
        fprintf(stderr, "ospy capture: too many -c/--preset options\n");
        return -1;
      }
      if (c == 'c') {
        o->configs[o->nconfigs++] = optarg;
        break;
      }
      if (add_presets(o, optarg, preset_path) < 0)
        return -1;
      break;
    case 'f':
      if (optarg[0] == '-' && optind > 1 && argv[optind - 1] == optarg) {
        /* a bare -f (followed by another option or by --): strace's "follow
         * forks", as issue 5 spells it; no function name starts with '-' */
        o->follow_forks = 1;
        optind--; /* that argument is the next option, not -f's value */
        break;
      }
      if (o->nfuncs == OSPY_CAPTURE_MAX_FUNC_ARGS) {
        fprintf(stderr, "ospy capture: too many -f options\n");
        return -1;
      }
      o->funcs[o->nfuncs++] = optarg;
      break;
    case 'o': o->output = optarg; break;
    case 'p':
      o->pid = (int)strtol(optarg, &end, 10);
      if (*end || o->pid <= 0) {
        fprintf(stderr, "ospy capture: -p: '%s' is not a process id\n", optarg);
        return -1;
      }
      break;
    case 'F': o->follow_forks = 1; break;
    case 'q': o->quiet = 1; break;
    case 'L': o->lossy = 1; break;
    case 'D':
      o->duration = strtod(optarg, &end);
      if (*end || !(o->duration > 0)) {
        fprintf(stderr, "ospy capture: --duration: '%s' is not a positive number of seconds\n", optarg);
        return -1;
      }
      break;
    case 'B':
      if (parse_backtrace(argc, argv, &o->backtrace) < 0)
        return -1;
      break;
    case 'R':
      o->ring_mib = (unsigned)strtoul(optarg, &end, 10);
      if (*end || !o->ring_mib || (o->ring_mib & (o->ring_mib - 1)) || o->ring_mib > 1024) {
        fprintf(stderr, "ospy capture: --ring-size: '%s' is not a power of two in 1..1024\n", optarg);
        return -1;
      }
      break;
    case 'V':
      if (parse_value_cap(optarg, &o->value_cap) < 0)
        return -1;
      break;
    case 'K':
      if (strcmp(optarg, "tsc") && strcmp(optarg, "realtime") && strcmp(optarg, "auto")) {
        fprintf(stderr, "ospy capture: --clock: '%s' is not auto, tsc or realtime\n", optarg);
        return -1;
      }
      o->clock_tsc = !strcmp(optarg, "tsc") ? 1 : !strcmp(optarg, "realtime") ? 0 : -1;
      break;
    case 'h': usage(stdout); exit(0);
    default: usage(stderr); return -1;
    }
  }
  o->argv = argv + optind;
  if (!o->nconfigs && !o->nfuncs) {
    fprintf(stderr, "ospy capture: name what to trace: -c CONFIG, --preset NAME or -f FUNC\n");
    return -1;
  }
  if (!o->pid && !o->argv[0]) {
    fprintf(stderr, "ospy capture: no program to run (ospy capture -f FUNC -- PROGRAM ARGS)\n");
    return -1;
  }
  if (o->pid && o->argv[0]) {
    fprintf(stderr, "ospy capture: -p PID and a program to run exclude each other\n");
    return -1;
  }
  return 0;
}

/* ---- the capture file's header ---- */

static char *join_argv(char *const *argv, size_t *len)
{
  size_t n = 0;
  for (int i = 0; argv[i]; i++)
    n += strlen(argv[i]) + 1;
  char *s = malloc(n ? n : 1);
  if (!s)
    return NULL;
  *len = 0;
  for (int i = 0; argv[i]; i++) {
    size_t k = strlen(argv[i]) + 1;
    memcpy(s + *len, argv[i], k);
    *len += k;
  }
  return s;
}

static ospy_capfile_writer *open_output(const ospy_capture_opts *o, const void *plan, size_t plan_len)
{
  struct utsname u;
  char host[512], err[512], pidarg[32];
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  if (uname(&u) < 0)
    memset(&u, 0, sizeof u);
  snprintf(host, sizeof host, "%s %s %s", u.nodename, u.machine, u.release);
  char *pv[2] = { pidarg, NULL };
  snprintf(pidarg, sizeof pidarg, "pid %d", o->pid);
  size_t cmd_len = 0;
  char *cmd = join_argv(o->pid ? pv : o->argv, &cmd_len);
  ospy_capfile_meta m = { OSPY_VERSION, host, (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec,
                          cmd ? cmd : "", cmd ? cmd_len : 0, plan, plan_len, o->pid ? "attach" : "spawn" };
  ospy_capfile_writer *w = ospy_capfile_create(o->output, &m, err, sizeof err);
  if (!w)
    fprintf(stderr, "ospy capture: %s\n", err);
  free(cmd);
  return w;
}

/* ---- the capture loop ---- */

static int status_to_exit(int st)
{
  return WIFEXITED(st) ? WEXITSTATUS(st) : WIFSIGNALED(st) ? 128 + WTERMSIG(st) : 1;
}

/* Reaps any child (we are a subreaper, so descendants too). Returns 1 when main exited. */
static double mono_now(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Reaps what ended; 1 once the main process has. *others is set when ospy
 * still has children: followed processes the program left running, which
 * ospy (a subreaper) inherited. */
static int reap(ospy_session *s, pid_t main_pid, int sole, int *main_status, int *others)
{
  int st, done = 0;
  pid_t p;
  while ((p = waitpid(-1, &st, WNOHANG | __WALL)) > 0) {
    if (!WIFEXITED(st) && !WIFSIGNALED(st))
      continue;
    /* its last events before its exit; the program alone had the ring (no
     * -F), so nobody is left to finish a record one of its threads began */
    if (p == main_pid && sole)
      ospy_session_drain_last(s);
    else
      ospy_session_drain(s);
    /* a followed child's agent recorded its _exit already when it exited
     * before it was reparented to us */
    int told = p != main_pid && WIFEXITED(st) && ospy_session_exit_recorded(s, (uint32_t)p);
    if (WIFSIGNALED(st))
      ospy_session_add_exit(s, (uint32_t)p, OSPY_EXIT_SIGNAL, WTERMSIG(st));
    else if (!told)
      ospy_session_add_exit(s, (uint32_t)p, OSPY_EXIT_CODE, WEXITSTATUS(st));
    if (p == main_pid) {
      *main_status = st;
      done = 1;
    }
  }
  *others = p == 0; /* 0: children left, none ended; -1 (ECHILD): none */
  return done;
}

/* With -F, as strace -f: the capture goes on while processes the program
 * started still run (a daemon it double-forked, which ospy adopted as
 * subreaper), until they end or ospy is stopped (Ctrl-C, now that the
 * program is gone, or SIGTERM). */
static void follow_leftovers(void)
{
  fprintf(stderr, "ospy: the program exited; recording the processes it left running "
          "(Ctrl-C stops)\n");
  struct sigaction sa = { 0 };
  sa.sa_handler = on_stop_signal;
  sigaction(SIGINT, &sa, NULL);
}

/* An attached process that ended: gone, or a zombie its parent has not
 * reaped yet (kill(pid, 0) still succeeds then: ospy waited for the reap).
 * *wstatus: a zombie's wait status (field 52 of /proc/PID/stat), else -1.
 * A main thread that ended alone (pthread_exit) is a zombie too, while the
 * process goes on in its other threads: not ended. */
int ospy_capture_process_ended(pid_t pid, int *wstatus)
{
  if (!ospy_session_task_ended((uint32_t)pid, wstatus))
    return 0;
  if (ospy_proc_live_task(pid) != pid) {
    *wstatus = -1;
    return 0;
  }
  return 1;
}

/* A SIGTERM or SIGHUP to ospy, when ospy started the program, often went
 * to the program too (`timeout`, a closed terminal and `kill -- -PGID` signal
 * the whole process group): the program is watched for STOP_GRACE_S more, so
 * that its death is recorded as such, not as ospy leaving it "detached".
 * Whether to go on watching (*until: 0 before the first stop). */
#define STOP_GRACE_S 0.3
static int stop_grace(int no_grace, double *until)
{
  if (no_grace)
    return 0;
  if (!*until)
    *until = mono_now() + STOP_GRACE_S;
  return mono_now() < *until;
}

int ospy_capture_loop(ospy_session *s, const ospy_capture_opts *o, pid_t main_pid, int attached,
                      int *main_status)
{
  double deadline = o->duration > 0 ? mono_now() + o->duration : 0;
  double grace = 0; /* (stop_grace) */
  int done = 0, main_done = 0, following = 0;
  while (!done) {
    /* A failed write stopped the recording (session.c): a spawned program
     * runs on to its end, an attached one (or what the program left running)
     * is detached from. */
    if (ospy_session_drain_for(s, 100000000u) < 0 && (attached || following))
      break;
    atomic_fetch_add(&s->ring.ctl->heartbeat, 1);
    ospy_session_pass_dead_writers(s); /* a followed process killed mid-record */
    ospy_session_check_execs(s); /* a program that ended without starting its agent */
    if (!attached) {
      int others = 0;
      main_done |= reap(s, main_pid, !o->follow_forks, main_status, &others);
      int leftovers = main_done && others && o->follow_forks;
      if (leftovers && !following)
        following = 1, follow_leftovers();
      done = main_done && !leftovers;
    } else if (ospy_capture_process_ended(main_pid, &(int){ 0 }) ||
               ospy_session_exit_recorded(s, main_pid)) {
      done = 1; /* the attached target went away (or is on its way) */
    }
    if (stop_requested || (deadline && mono_now() >= deadline)) {
      s->live_muted = 1; /* stop now: the backlog is written, not shown */
      if (!stop_grace(attached || following || !stop_requested, &grace))
        break;
    }
    if (!done)
      ospy_ring_wait(&s->ring, 10);
  }
  /* The program ended (attached: gone, or a zombie): records behind one
   * that a thread it killed left unfinished are read too (the attached
   * process's exit among them, or ospy could not tell its status once its
   * parent reaped it) */
  if (attached ? ospy_capture_process_ended(main_pid, &(int){ 0 }) : done)
    ospy_session_drain_last(s);
  else
    ospy_session_drain(s);
  if (following && !done) /* stopped: what the program left runs on unrecorded */
    atomic_store(&s->ring.ctl->detach, 1);
  return attached ? done : main_done;
}

int ospy_capture_finish(ospy_session *s, const ospy_capture_opts *o)
{
  char err[512];
  ospy_session_end_execs(s);
  ospy_session_add_lost(s);
  /* after a failed write the file holds the calls of its complete chunks;
   * those after were drained and dropped, or never recorded */
  uint64_t calls = s->write_failed ? ospy_capfile_calls_kept(s->file) : s->calls;
  int rc = ospy_capfile_close(s->file, err, sizeof err);
  if (rc < 0 && !s->write_failed) /* (a failed write was said when it failed) */
    fprintf(stderr, "ospy capture: %s\n", err);
  if (!o->quiet || s->lost || s->errors || s->write_failed) /* -q hides calls, not what went wrong */
    fprintf(stderr, "ospy: %llu call%s recorded%s, %llu lost, %llu agent error%s -> %s%s\n",
            (unsigned long long)calls, calls == 1 ? "" : "s",
            s->write_failed ? " (then the file could not be written: the program's later calls "
                              "are not in it, and not counted)" : "",
            (unsigned long long)s->lost,
            (unsigned long long)s->errors, s->errors == 1 ? "" : "s", o->output,
            s->errors && o->quiet ? " (ospy show lists the errors)" : "");
  if (s->live_problems_hidden)
    fprintf(stderr, "ospy: %llu more warning%s or error%s not shown above, after the first %d "
            "(ospy show %s lists them all)\n", (unsigned long long)s->live_problems_hidden,
            s->live_problems_hidden == 1 ? "" : "s", s->live_problems_hidden == 1 ? "" : "s",
            OSPY_LIVE_PROBLEMS_MAX, o->output);
  if (s->live_skipped)
    fprintf(stderr, "ospy: %llu call%s still in flight when stopping %s in %s, not shown above\n",
            (unsigned long long)s->live_skipped, s->live_skipped == 1 ? "" : "s",
            s->live_skipped == 1 ? "is" : "are", o->output);
  return rc; /* (a program that never started its agent was said: ospy_session_end_execs) */
}

/* -F: a followed program running as another user that lost the ring's
 * descriptor asks for it here (it cannot open our /proc/PID/fd). Started
 * once the program runs: its socket would take a descriptor that spawning
 * the program needs under a tight hard limit (ulimit -n 7), and only a
 * descendant of the program, a fork and an exec later at least, asks. */
static ospy_ring_handover handover = { .listen_fd = -1 };

static void start_handover(const ospy_capture_opts *o, const ospy_session *s, pid_t ancestor)
{
  if (o->follow_forks)
    (void)ospy_ring_handover_start(&handover, s->ring.fd, ancestor);
}

/* ---- spawn ---- */

/* SIGPIPE, SIGINT and SIGQUIT as ospy was started with, for the program: a
 * job a script runs in the background (or under trap '' INT) ignores the
 * terminal's Ctrl-C, and must still, as under strace. */
static struct sigaction pipe_disposition = { .sa_handler = SIG_DFL };
static struct sigaction int_disposition = { .sa_handler = SIG_DFL };
static struct sigaction quit_disposition = { .sa_handler = SIG_DFL };
/* SIGTERM and SIGHUP likewise: `nohup ospy capture -- prog` ignores SIGHUP,
 * and so must the program (it got SIG_DFL and died of the hangup), and ospy
 * too (it stopped recording) */
static struct sigaction term_disposition = { .sa_handler = SIG_DFL };
static struct sigaction hup_disposition = { .sa_handler = SIG_DFL };

/* RLIMIT_NOFILE as ospy was started with: the program gets it back. */
static struct rlimit program_nofile;
static int nofile_raised;

/* ospy's own descriptors (the ring, the capture file, a pipe, the files of
 * /proc it reads) are not the program's: under a small soft limit (`ulimit
 * -Sn 6`) ospy ran out of them before the program started. Its own soft
 * limit goes up to the hard one; the program gets the limit it had. */
static void raise_own_nofile(void)
{
  if (getrlimit(RLIMIT_NOFILE, &program_nofile) < 0) {
    program_nofile.rlim_cur = program_nofile.rlim_max = RLIM_INFINITY; /* (unknown: left alone) */
    return;
  }
  struct rlimit own = { program_nofile.rlim_max, program_nofile.rlim_max };
  nofile_raised = own.rlim_cur != program_nofile.rlim_cur && setrlimit(RLIMIT_NOFILE, &own) == 0;
}

/* The ring's number in the program: out of the way of the numbers it opens
 * itself (its first open() returns 3, as without ospy), and none of them
 * taken. Under a soft limit of 1024 or less, the limit itself: just above
 * the program's own descriptors, which all stay its own (a descriptor a
 * program inherits may lie above its limit, only new ones may not); one
 * below it when ospy could not raise its own limit to put it there (the
 * hard limit is the soft one). 1023 under a larger limit. */
static int ring_number_in_program(void)
{
  rlim_t soft = program_nofile.rlim_cur;
  if (soft == RLIM_INFINITY || soft > 1024)
    return 1023;
  return nofile_raised ? (int)soft : (int)soft - 1;
}

/* Starts the program; 0, -2 when it could not be run (said, errno set),
 * -1 when ospy could not start it (said). */
static int spawn_target(const ospy_capture_opts *o, const char *agent, int ring_fd, pid_t *pid)
{
  int errpipe[2];
  if (pipe2(errpipe, O_CLOEXEC) < 0) {
    int e = errno;
    fprintf(stderr, "ospy capture: cannot start %s: pipe2: %s%s\n", o->argv[0], strerror(e),
            e == EMFILE ? " (the hard descriptor limit leaves ospy too few of its own: "
                          "ulimit -Hn)" : "");
    return -1;
  }
  /* FD:PID:PIDFD: the ring's descriptor in the program, and where a
   * program that lost it (its parent closed inherited descriptors before
   * exec, as python's subprocess does) reopens it: /proc/PID/fd/PIDFD,
   * ospy's own. */
  int child_fd = ring_number_in_program();
  /* not one the program inherits through ospy (`exec 1023>log` in its shell):
   * the ring took its place, and with -F its writes went into the ring.
   * ospy's own (close-on-exec: under a small limit the capture file and the
   * pipe lie there) are not the program's. */
  int flags;
  while (child_fd > ring_fd && (flags = fcntl(child_fd, F_GETFD)) >= 0 && !(flags & FD_CLOEXEC))
    child_fd--;
  if (child_fd <= ring_fd)
    child_fd = ring_fd;
  /* both forms made here: the child between fork and exec runs no stdio */
  char fdstr[2][48];
  snprintf(fdstr[0], sizeof fdstr[0], "%d:%d:%d", child_fd, (int)getpid(), ring_fd);
  snprintf(fdstr[1], sizeof fdstr[1], "%d:%d:%d", ring_fd, (int)getpid(), ring_fd);
  const char *old = getenv("LD_PRELOAD");
  char *preload = malloc(strlen(agent) + (old ? strlen(old) : 0) + 2);
  if (!preload) {
    fprintf(stderr, "ospy capture: cannot start %s: out of memory\n", o->argv[0]);
    close(errpipe[0]);
    close(errpipe[1]);
    return -1;
  }
  sprintf(preload, "%s%s%s", agent, old && *old ? ":" : "", old && *old ? old : "");
  *pid = fork();
  if (*pid < 0) {
    fprintf(stderr, "ospy capture: cannot start %s: fork: %s\n", o->argv[0], strerror(errno));
    free(preload);
    close(errpipe[0]);
    close(errpipe[1]);
    return -1;
  }
  if (*pid == 0) {
    /* as ospy got them: SIG_IGN stays across exec */
    sigaction(SIGINT, &int_disposition, NULL);
    sigaction(SIGQUIT, &quit_disposition, NULL);
    sigaction(SIGPIPE, &pipe_disposition, NULL);
    sigaction(SIGTERM, &term_disposition, NULL);
    sigaction(SIGHUP, &hup_disposition, NULL);
    int moved = child_fd != ring_fd && dup2(ring_fd, child_fd) == child_fd;
    if (moved)
      close(ring_fd);
    /* (lowering a soft limit cannot fail; the ring may lie above it) */
    if (nofile_raised)
      setrlimit(RLIMIT_NOFILE, &program_nofile);
    for (int fd = 0; fd < 3; fd++) /* closed when ospy was started: closed for it */
      if (ospy_std_fds_closed & (1u << fd))
        close(fd);
    setenv(OSPY_RING_ENV, fdstr[!moved], 1);
    setenv("LD_PRELOAD", preload, 1);
    execvp(o->argv[0], o->argv);
    int e = errno;
    if (write(errpipe[1], &e, sizeof e) < 0)
      _exit(127);
    _exit(127);
  }
  free(preload);
  close(errpipe[1]);
  int e = 0;
  ssize_t n = read(errpipe[0], &e, sizeof e);
  close(errpipe[0]);
  if (n == (ssize_t)sizeof e) {
    fprintf(stderr, "ospy capture: cannot run %s: %s\n", o->argv[0], strerror(e));
    waitpid(*pid, NULL, 0);
    errno = e;
    return -2;
  }
  return 0;
}

static void install_signals(int attach)
{
  struct sigaction sa = { 0 };
  sa.sa_handler = on_stop_signal;
  sigaction(SIGTERM, NULL, &term_disposition);
  sigaction(SIGHUP, NULL, &hup_disposition);
  if (term_disposition.sa_handler != SIG_IGN)
    sigaction(SIGTERM, &sa, NULL);
  if (hup_disposition.sa_handler != SIG_IGN)
    sigaction(SIGHUP, &sa, NULL);
  /* `ospy capture ... 2>&1 | head`: the live view's reader going away must
   * not kill the controller and cut the capture (its writes fail instead) */
  struct sigaction ign = { 0 };
  ign.sa_handler = SIG_IGN;
  sigaction(SIGPIPE, &ign, &pipe_disposition);
  if (attach) {
    sigaction(SIGINT, &sa, NULL); /* Ctrl-C detaches from an attached target */
    sigaction(SIGQUIT, &sa, NULL); /* and Ctrl-\ (it killed ospy, the hooks left in) */
  } else {
    /* the terminal's Ctrl-C reaches the program too: let it decide, and
     * record its end */
    sigaction(SIGINT, &ign, &int_disposition);
    sigaction(SIGQUIT, &ign, &quit_disposition);
  }
}

/* -F's agent directory, once the program ended (it may still exec until
 * then). Processes it left running (a daemon, a job in the background of a
 * capture stopped by --duration) name it in their LD_PRELOAD: removed, each
 * of their later execs printed a loader error. Ospy is their subreaper, so
 * they are its children now: while any is alive the directory stays. */
static void release_preload_dir(void)
{
  const char *dir = ospy_capture_preload_dir();
  if (!dir)
    return;
  if (waitpid(-1, NULL, WNOHANG) == 0) {
    fprintf(stderr, "ospy: processes the program left running still use %s (their "
            "LD_PRELOAD names it); it is left in place\n", dir);
    return;
  }
  ospy_capture_preload_remove();
}

void ospy_capture_started(ospy_session *s)
{
  char err[PATH_MAX + 300];
  if (ospy_capfile_started(s->file, err, sizeof err) < 0)
    fprintf(stderr, "ospy capture: warning: %s\n", err);
}

void ospy_capture_never_started(ospy_session *s)
{
  ospy_capfile_discard(s->file);
  s->file = NULL;
}

/* A statically linked program has no dynamic loader to load the agent:
 * nothing of it can be recorded, said before it runs (it was said after).
 * With -F the programs it runs may be dynamic: they are recorded. */
static int refuse_static(ospy_session *s, const ospy_capture_opts *o)
{
  if (!ospy_capture_program_static(o->argv[0]))
    return 0;
  if (o->follow_forks) {
    fprintf(stderr, "ospy capture: warning: %s is statically linked: the agent cannot be "
            "loaded into it; only the dynamically linked programs it runs are recorded\n",
            o->argv[0]);
    return 0;
  }
  fprintf(stderr, "ospy capture: %s is statically linked: the agent cannot be loaded into it "
          "(it is loaded by the dynamic loader), so none of its calls can be recorded; "
          "capture a dynamically linked build of it\n", o->argv[0]);
  ospy_capture_never_started(s);
  return -1;
}

static int run_spawn(ospy_session *s, const ospy_capture_opts *o, int ring_flags)
{
  char agent[PATH_MAX], err[256];
  if (refuse_static(s, o) < 0)
    return 1;
  if (ospy_capture_agent_for(o->argv[0], agent, sizeof agent, err, sizeof err) < 0 ||
      (o->follow_forks && ospy_capture_preload_for_all(agent, sizeof agent, err, sizeof err) < 0)) {
    fprintf(stderr, "ospy capture: %s\n", err);
    ospy_capture_never_started(s);
    return 2;
  }
  (void)ring_flags;
  pid_t pid;
  prctl(PR_SET_CHILD_SUBREAPER, 1);
  install_signals(0);
  int rc = spawn_target(o, agent, s->ring.fd, &pid); /* (says why when it fails) */
  if (rc < 0) {
    int e = errno;
    ospy_capture_preload_remove();
    ospy_capture_never_started(s); /* the program did not run */
    return rc == -2 ? (e == ENOENT ? 127 : 126) : 2;
  }
  ospy_capture_started(s);
  if (s->fds) {
    s->fds->stdio_of_controller = (uint32_t)pid; /* it inherits ours, unchanged */
    s->fds->stdio_closed = ospy_std_fds_closed;  /* (but those it starts without) */
  }
  start_handover(o, s, getpid());
  uint32_t why = (ospy_capture_program_static(o->argv[0]) ? OSPY_EXEC_WHY_STATIC : 0) |
                 (ospy_capture_program_secure(o->argv[0]) ? OSPY_EXEC_WHY_SETID : 0);
  ospy_session_expect_agent(s, (uint32_t)pid, o->argv[0], why);
  int st = 0;
  int done = ospy_capture_loop(s, o, pid, 0, &st);
  if (!done) {
    /* stopped early (--duration, SIGTERM): the program keeps running */
    atomic_store(&s->ring.ctl->detach, 1);
    ospy_session_add_exit(s, (uint32_t)pid, OSPY_EXIT_DETACHED, 0);
  }
  /* A capture that could not be written is reported on stderr; the exit
   * status stays the program's (docs/reliability.md). */
  ospy_capture_finish(s, o);
  if (!done) {
    /* pass the program's status through once it ends */
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
      ;
  }
  release_preload_dir();
  return status_to_exit(st);
}

int cmd_capture(int argc, char **argv)
{
  ospy_capture_opts o = { .clock_tsc = -1 };
  if (parse_opts(argc, argv, &o) < 0)
    return 2;
  raise_own_nofile();
  char why[PATH_MAX + 64];
  int pre = ospy_capture_preflight(o.argv ? o.argv[0] : NULL, o.pid, why, sizeof why);
  if (pre) {
    fprintf(stderr, "ospy capture: %s\n", why);
    return pre;
  }
  size_t plan_len = 0;
  ospy_capture_notes notes = { 0 };
  void *plan_bytes = ospy_capture_build_plan(&o, &plan_len, &notes);
  if (!plan_bytes) {
    ospy_capture_notes_free(&notes);
    return 2;
  }
  ospy_session s = { 0 };
  char err[256];
  ospy_plan *plan = NULL;
  if (ospy_plan_decode(plan_bytes, plan_len, &plan, err, sizeof err) < 0) {
    fprintf(stderr, "ospy capture: internal error: %s\n", err);
    return 2;
  }
  uint32_t flags = (o.lossy ? OSPY_RING_F_LOSSY : 0) | (o.follow_forks ? OSPY_RING_F_FOLLOW_FORKS : 0);
  ospy_tscclock tsc;
  /* auto: two rdtsc per call instead of two clock_gettime (11 vs 27 ns here,
   * up to 127 ns on a busy VM's paravirtual clock) when the TSC is a clock */
  int usable = o.clock_tsc ? ospy_tscclock_usable() : 0;
  if (o.clock_tsc == 1 && !usable)
    fprintf(stderr, "ospy capture: --clock tsc: this CPU's TSC is not invariant "
            "(no constant_tsc/nonstop_tsc): using realtime\n");
  else if (usable) {
    ospy_tscclock_init(&tsc, 5);
    flags |= OSPY_RING_F_TSC;
    s.tsc = &tsc;
  }
  int rc = ospy_ring_create(&s.ring, o.ring_mib << 20, plan_bytes, plan_len, flags);
  if (rc < 0) {
    fprintf(stderr, "ospy capture: cannot create the event ring: %s\n", strerror(-rc));
    return 2;
  }
  s.plan = plan;
  s.live = stderr;
  s.live_problems_only = o.quiet;
  /* Whole lines at once, so the program's own output on the same terminal
     does not land in the middle of one. */
  static char live_buf[1 << 16];
  if (s.live)
    setvbuf(stderr, live_buf, _IOFBF, sizeof live_buf); /* flushed after each drain */
  s.live_opts.show_tid = 1;
  s.live_opts.failed_auto = 1; /* failed calls as show prints them: red, errno name */
  ospy_values_set_string_limit(32); /* the live view cuts long buffers, as strace */
  ospy_spec_table *specs = ospy_format_specs_of(plan, err, sizeof err);
  s.live_opts.specs = specs;
  ospy_fdnames live_fds; /* the live view's copy, fed by the FdName records */
  ospy_fdnames_init(&live_fds);
  s.live_opts.fdnames = &live_fds;
  ospy_fdtrack fds;
  if (ospy_fdtrack_init(&fds, plan, specs) < 0 || ospy_session_init(&s) < 0) {
    fprintf(stderr, "ospy capture: out of memory\n");
    return 2;
  }
  if (!(s.file = open_output(&o, plan_bytes, plan_len)))
    return 2; /* (said) */
  s.fds = &fds;
  fds.snapshot_all = o.pid != 0;
  /* the notes go into the capture (ospy show), not to the live view again */
  s.live = NULL;
  for (size_t i = 0; i < notes.n; i++)
    ospy_session_add_message(&s, OSPY_EV_INFO, notes.msgs[i]);
  s.live = stderr;
  s.unflushed = 0; /* they reach the disk with the target's first records, not alone first:
                      the 100 ms flush window starts with the target's start */
  ospy_capture_notes_free(&notes);
  if (o.pid)
    start_handover(&o, &s, o.pid);
  rc = o.pid ? ospy_capture_attach(&s, &o) : run_spawn(&s, &o, (int)flags);
  ospy_ring_handover_stop(&handover);
  ospy_session_free(&s);
  ospy_fdtrack_free(&fds);
  ospy_fdnames_free(&live_fds);
  ospy_ring_close(&s.ring);
  ospy_spec_table_free(specs);
  ospy_plan_free(plan);
  free(plan_bytes);
  return rc;
}

int ospy_capture_stop_requested(void)
{
  return stop_requested;
}

void ospy_capture_install_signals(int attach)
{
  install_signals(attach);
}
