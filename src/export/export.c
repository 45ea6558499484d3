/* The writer front end: opens the output, routes events to the XML or JSON
 * emitter through one sink, finishes the container at close. */
#include "export/export.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "export/export_internal.h"
#include "export/jsonl_writer.h"
#include "export/perfetto_writer.h"
#include "export/pcap_streams.h"
#include "export/sink.h"
#include "export/xml_writer.h"

struct ospy_export_writer {
  ospy_export_format fmt;
  FILE *f;
  char *path;      /* OUT as given, for messages */
  char *final;     /* where the finished file goes: OUT, or the file a symlink OUT names */
  char *tmp;       /* the file being written, renamed to final at close; NULL when
                    * writing in place (stdout, a device, a FIFO) */
  int is_stdout;
  uint64_t nevents;
  ospy_perfetto *perfetto; /* OSPY_EXPORT_PERFETTO: the threads already named */
  ospy_pcap_export *pcap; /* pcapng: the stream rebuilder */
  ospy_sink sink; /* large: keeps the writer's memory fixed */
};

int ospy_export_format_parse(const char *name)
{
  static const char *const names[] = {
    [OSPY_EXPORT_OSD] = "osd",
    [OSPY_EXPORT_OSD_UNCOMPRESSED] = "osd-plain",
    [OSPY_EXPORT_XML] = "xml",
    [OSPY_EXPORT_JSONL] = "jsonl",
    [OSPY_EXPORT_PERFETTO] = "perfetto",
    [OSPY_EXPORT_PCAPNG] = "pcapng",
  };
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
    if (!strcmp(name, names[i]))
      return (int)i;
  return -1;
}

int ospy_export_format_from_path(const char *path)
{
  const char *dot = strrchr(path, '.');
  if (!dot || strchr(dot, '/'))
    return -1;
  if (!strcmp(dot + 1, "json"))
    return OSPY_EXPORT_PERFETTO; /* the one export that is a single JSON document */
  return ospy_export_format_parse(dot + 1);
}

static int is_osd(ospy_export_format fmt)
{
  return fmt == OSPY_EXPORT_OSD || fmt == OSPY_EXPORT_OSD_UNCOMPRESSED;
}

/* The temporary files being written: a SIGTERM, SIGHUP or SIGINT whose
 * action was the default (to end the process) unlinks them first, then ends
 * the process by the same signal (its exit status stays 128+sig). Only
 * async-signal-safe calls in the handler; a slot is set once its file exists
 * and cleared before its name is freed. */
enum { TEMP_SLOTS = 4 };
static char *volatile temp_slots[TEMP_SLOTS];
static const int temp_signals[] = { SIGTERM, SIGHUP, SIGINT };

static void on_ending_signal(int sig)
{
  int saved = errno;
  for (int i = 0; i < TEMP_SLOTS; i++) {
    char *p = temp_slots[i];
    if (p)
      unlink(p);
  }
  /* SA_RESETHAND made the action the default again; sig is blocked until
   * the handler returns, then ends the process */
  raise(sig);
  errno = saved;
}

static void temp_signals_block(sigset_t *old)
{
  sigset_t set;
  sigemptyset(&set);
  for (size_t i = 0; i < sizeof temp_signals / sizeof temp_signals[0]; i++)
    sigaddset(&set, temp_signals[i]);
  sigprocmask(SIG_BLOCK, &set, old);
}

/* Called with the signals blocked: handlers installed once, only where the
 * action is the default (an ignored SIGHUP under nohup stays ignored). */
static void temp_register(char *tmp)
{
  static int installed;
  if (!installed) {
    installed = 1;
    for (size_t i = 0; i < sizeof temp_signals / sizeof temp_signals[0]; i++) {
      struct sigaction old, sa = { .sa_handler = on_ending_signal,
                                   .sa_flags = SA_RESETHAND };
      sigemptyset(&sa.sa_mask);
      if (sigaction(temp_signals[i], NULL, &old) == 0 && old.sa_handler == SIG_DFL)
        sigaction(temp_signals[i], &sa, NULL);
    }
  }
  for (int i = 0; i < TEMP_SLOTS; i++)
    if (!temp_slots[i]) {
      temp_slots[i] = tmp;
      return;
    }
}

static void temp_unregister(const char *tmp)
{
  for (int i = 0; i < TEMP_SLOTS; i++)
    if (temp_slots[i] == tmp)
      temp_slots[i] = NULL;
}

static void writer_free(ospy_export_writer *w, int failed)
{
  ospy_pcap_export_free(w->pcap);
  if (!w->is_stdout && w->f)
    fclose(w->f);
  if (failed && w->tmp)
    unlink(w->tmp); /* never leave a half-written file behind; OUT is untouched */
  if (w->tmp)
    temp_unregister(w->tmp);
  ospy_perfetto_free(w->perfetto);
  free(w->path);
  free(w->final);
  free(w->tmp);
  free(w);
}

/* An .osd's header holds the event count, patched last: stdout, a FIFO, a
 * socket or a terminal cannot take it. -1 with err set when out is one. */
static int osd_output_refused(const char *out, char *err, size_t errcap)
{
  struct stat st;
  if (!strcmp(out, "-")) {
    snprintf(err, errcap, "an .osd must be written to a file, not stdout "
             "(its header holds the event count)");
    return -1;
  }
  if (stat(out, &st) < 0 || S_ISREG(st.st_mode))
    return 0;
  snprintf(err, errcap, "%s: an .osd must be written to a regular file, not a %s "
           "(its header holds the event count, written last)", out,
           S_ISFIFO(st.st_mode) ? "FIFO" : S_ISSOCK(st.st_mode) ? "socket"
           : S_ISCHR(st.st_mode) ? "character device" : "non-regular file");
  return -1;
}

static int output_is_input(const char *out, const char *in, char *err, size_t errcap)
{
  struct stat so, si;
  if (!strcmp(out, "-"))
    return 0;
  int same = stat(out, &so) == 0 ? stat(in, &si) == 0 && so.st_dev == si.st_dev &&
                                       so.st_ino == si.st_ino
                                 : !strcmp(out, in);
  if (!same)
    return 0;
  snprintf(err, errcap, "the output %s is the input file itself: write to another file", out);
  return -1;
}

/* A pcapng is binary: to a pipe (tshark -r -) or a file, not onto a terminal. */
static int binary_to_terminal(const char *out, ospy_export_format fmt, char *err, size_t errcap)
{
  if (fmt != OSPY_EXPORT_PCAPNG || strcmp(out, "-") || !isatty(STDOUT_FILENO))
    return 0;
  snprintf(err, errcap, "a pcapng is binary: not written to a terminal "
           "(-o FILE, or stdout to a pipe: -o - | tshark -r -)");
  return -1;
}

int ospy_export_check_output(const char *out, const char *in, ospy_export_format fmt,
                             char *err, size_t errcap)
{
  if (output_is_input(out, in, err, errcap) < 0 || binary_to_terminal(out, fmt, err, errcap) < 0)
    return -1;
  return is_osd(fmt) ? osd_output_refused(out, err, errcap) : 0;
}

/* The mode a new OUT gets: only its owner may read it, as a capture file
 * (it holds the same argument values: buffers, strings); it got 0666 less
 * the umask. */
static mode_t new_file_mode(void)
{
  return 0600;
}

/* "dir/.name.XXXXXX" beside path, for mkstemp. */
static char *temp_name_beside(const char *path)
{
  const char *slash = strrchr(path, '/');
  int dirlen = slash ? (int)(slash - path + 1) : 0;
  char *tmp = NULL;
  if (asprintf(&tmp, "%.*s.%s.XXXXXX", dirlen, path, path + dirlen) < 0)
    return NULL;
  return tmp;
}

/* A regular OUT (or a new one) is written as a temporary file in its
 * directory and renamed over it at close, so that a failed export leaves an
 * existing OUT as it was (and a new one absent), and an export that reads OUT
 * cannot find it truncated. The finished file keeps an existing OUT's mode. A
 * device or FIFO (/dev/null) is written in place. */
static int output_open(ospy_export_writer *w, char *err, size_t errcap)
{
  struct stat st;
  int exists = stat(w->path, &st) == 0;
  /* refused before anything is written (the exporters refuse it before
   * reading their input: ospy_export_check_output) */
  if (is_osd(w->fmt) && osd_output_refused(w->path, err, errcap) < 0)
    return -1;
  if (exists && !S_ISREG(st.st_mode)) {
    if (!(w->f = fopen(w->path, "wb")))
      snprintf(err, errcap, "%s: %s", w->path, strerror(errno));
    return w->f ? 0 : -1;
  }
  w->final = exists ? realpath(w->path, NULL) : strdup(w->path);
  if (!w->final || !(w->tmp = temp_name_beside(w->final))) {
    snprintf(err, errcap, "%s: %s", w->path, strerror(errno ? errno : ENOMEM));
    return -1;
  }
  sigset_t oldmask;
  temp_signals_block(&oldmask); /* the file is never there unregistered */
  int fd = mkostemp(w->tmp, O_CLOEXEC);
  if (fd >= 0)
    temp_register(w->tmp);
  int saved = errno;
  sigprocmask(SIG_SETMASK, &oldmask, NULL);
  errno = saved;
  if (fd < 0) {
    snprintf(err, errcap, "%s: cannot create a temporary file beside it: %s", w->path,
             strerror(errno));
    free(w->tmp);
    w->tmp = NULL;
    return -1;
  }
  if (fchmod(fd, exists ? st.st_mode & 07777 : new_file_mode()) < 0 ||
      !(w->f = fdopen(fd, "wb"))) {
    snprintf(err, errcap, "%s: %s", w->tmp, strerror(errno));
    close(fd);
    return -1;
  }
  return 0;
}

static int writer_start(ospy_export_writer *w, char *err, size_t errcap)
{
  int compressed = w->fmt == OSPY_EXPORT_OSD;
  if (is_osd(w->fmt) && ospy_osd_begin(w->f, w->path, compressed, err, errcap) < 0)
    return -1;
  /* errors name the output: "stdout: No space left on device", as show's */
  if (ospy_sink_init(&w->sink, w->f, w->is_stdout ? "stdout" : w->path, compressed) < 0) {
    snprintf(err, errcap, "%s", w->sink.err);
    return -1;
  }
  if (w->fmt == OSPY_EXPORT_PCAPNG && !(w->pcap = ospy_pcap_export_new(&w->sink))) {
    snprintf(err, errcap, "out of memory");
    return -1;
  }
  if (w->fmt == OSPY_EXPORT_PERFETTO) {
    if (!(w->perfetto = ospy_perfetto_new())) {
      snprintf(err, errcap, "out of memory");
      return -1;
    }
    ospy_perfetto_begin(w->perfetto, &w->sink);
  } else if (w->fmt != OSPY_EXPORT_JSONL && w->fmt != OSPY_EXPORT_PCAPNG) {
    ospy_xml_write_prolog(&w->sink);
  }
  return 0;
}

ospy_export_writer *ospy_export_open(const char *path, ospy_export_format fmt,
                                     char *err, size_t errcap)
{
  ospy_export_writer *w = calloc(1, sizeof *w);
  if (!w || !(w->path = strdup(path))) {
    free(w);
    snprintf(err, errcap, "out of memory");
    return NULL;
  }
  w->fmt = fmt;
  w->is_stdout = !strcmp(path, "-");
  if (w->is_stdout && is_osd(fmt)) {
    osd_output_refused(w->path, err, errcap);
    writer_free(w, 0);
    return NULL;
  }
  if (w->is_stdout)
    w->f = stdout;
  else if (output_open(w, err, errcap) < 0) {
    writer_free(w, 1);
    return NULL;
  }
  if (writer_start(w, err, errcap) < 0) {
    writer_free(w, 1);
    return NULL;
  }
  return w;
}

void ospy_export_set_fd_names(ospy_export_writer *w, ospy_fd_name_fn fn, void *user)
{
  if (w->pcap)
    ospy_pcap_export_set_fd_names(w->pcap, fn, user);
}

void ospy_export_set_time_origin(ospy_export_writer *w, int64_t ns)
{
  if (w->perfetto)
    ospy_perfetto_set_origin(w->perfetto, ns);
}

int ospy_export_write(ospy_export_writer *w, const ospy_xevent *ev)
{
  if (w->fmt == OSPY_EXPORT_PCAPNG) {
    if (ospy_pcap_export_event(w->pcap, ev) < 0 && !w->sink.failed) {
      w->sink.failed = 1;
      snprintf(w->sink.err, sizeof w->sink.err, "out of memory rebuilding the streams");
    }
  } else if (w->fmt == OSPY_EXPORT_JSONL)
    ospy_jsonl_write_event(&w->sink, ev);
  else if (w->fmt == OSPY_EXPORT_PERFETTO && ospy_perfetto_write_event(w->perfetto, &w->sink, ev) < 0)
    return -1;
  else if (w->fmt != OSPY_EXPORT_PERFETTO)
    ospy_xml_write_event(&w->sink, ev);
  w->nevents++;
  return w->sink.failed ? -1 : 0;
}

bool ospy_export_in_start_order(ospy_export_format fmt)
{
  return is_osd(fmt) || fmt == OSPY_EXPORT_XML;
}

int ospy_export_write_after_id(ospy_export_writer *w, uint64_t id, const void *xml, size_t len)
{
  ospy_xml_write_event_id(&w->sink, id);
  ospy_sink_write(&w->sink, xml, len);
  w->nevents++;
  return w->sink.failed ? -1 : 0;
}

int ospy_export_close(ospy_export_writer *w, char *err, size_t errcap)
{
  return ospy_export_close_summary(w, NULL, err, errcap);
}

int ospy_export_close_summary(ospy_export_writer *w, ospy_export_summary *sum, char *err,
                              size_t errcap)
{
  int rc = 0;
  if (sum)
    *sum = (ospy_export_summary){ .events = w->nevents };
  if (w->fmt == OSPY_EXPORT_PERFETTO)
    ospy_perfetto_end(w->perfetto, &w->sink);
  else if (w->fmt == OSPY_EXPORT_PCAPNG) {
    ospy_pcap_export_finish(w->pcap);
    if (sum) {
      sum->packets = ospy_pcap_export_packets(w->pcap);
      ospy_pcap_export_gaps(w->pcap, &sum->gaps);
    }
  } else if (w->fmt != OSPY_EXPORT_JSONL)
    ospy_xml_write_epilog(&w->sink);
  if (ospy_sink_finish(&w->sink) < 0) {
    snprintf(err, errcap, "%s", w->sink.err);
    rc = -1;
  } else if (is_osd(w->fmt)) {
    rc = ospy_osd_patch_count(w->f, w->path, w->nevents, err, errcap);
  }
  if (!w->is_stdout) {
    FILE *f = w->f;
    w->f = NULL; /* closed here, whatever the outcome */
    if (fclose(f) != 0 && rc == 0) {
      snprintf(err, errcap, "%s: %s", w->path, strerror(errno));
      rc = -1;
    }
    if (rc == 0 && w->tmp && rename(w->tmp, w->final) < 0) {
      snprintf(err, errcap, "%s: cannot put the output in place: %s", w->path,
               strerror(errno));
      rc = -1;
    }
  }
  writer_free(w, rc < 0);
  return rc;
}

void ospy_export_say_packets(const char *cmd, const ospy_export_summary *sum, const char *out)
{
  fprintf(stderr, "%s: %llu packet%s from %llu event%s to %s\n", cmd,
          (unsigned long long)sum->packets, sum->packets == 1 ? "" : "s",
          (unsigned long long)sum->events, sum->events == 1 ? "" : "s", out);
  if (!sum->packets)
    fprintf(stderr, "%s: warning: no socket data in these events: the pcapng holds no "
            "packet (record send/recv/read/write on sockets, e.g. --preset net)\n", cmd);
  ospy_streams_say_gaps(cmd, &sum->gaps);
}

void ospy_export_abort(ospy_export_writer *w)
{
  ospy_sink_abort(&w->sink);
  writer_free(w, 1);
}
