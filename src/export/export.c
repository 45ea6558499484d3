/* The writer front end: opens the output, routes events to the XML or JSON
 * emitter through one sink, finishes the container at close. */
#include "export/export.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
  char *path;
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

static int is_osd(ospy_export_format fmt)
{
  return fmt == OSPY_EXPORT_OSD || fmt == OSPY_EXPORT_OSD_UNCOMPRESSED;
}

static void writer_free(ospy_export_writer *w, int failed)
{
  ospy_pcap_export_free(w->pcap);
  if (!w->is_stdout && w->f)
    fclose(w->f);
  if (failed && !w->is_stdout)
    unlink(w->path); /* never leave a half-written file behind */
  ospy_perfetto_free(w->perfetto);
  free(w->path);
  free(w);
}

static int writer_start(ospy_export_writer *w, char *err, size_t errcap)
{
  int compressed = w->fmt == OSPY_EXPORT_OSD;
  if (is_osd(w->fmt) && ospy_osd_begin(w->f, w->path, compressed, err, errcap) < 0)
    return -1;
  if (ospy_sink_init(&w->sink, w->f, w->path, compressed) < 0) {
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
    snprintf(err, errcap, "an .osd must be written to a file, not stdout "
             "(its header holds the event count)");
    writer_free(w, 0);
    return NULL;
  }
  w->f = w->is_stdout ? stdout : fopen(path, "wb");
  if (!w->f) {
    snprintf(err, errcap, "%s: %s", path, strerror(errno));
    writer_free(w, 0);
    return NULL;
  }
  if (writer_start(w, err, errcap) < 0) {
    writer_free(w, 1);
    return NULL;
  }
  return w;
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

int ospy_export_close(ospy_export_writer *w, char *err, size_t errcap)
{
  int rc = 0;
  if (w->fmt == OSPY_EXPORT_PERFETTO)
    ospy_perfetto_end(w->perfetto, &w->sink);
  else if (w->fmt == OSPY_EXPORT_PCAPNG)
    ospy_pcap_export_finish(w->pcap);
  else if (w->fmt != OSPY_EXPORT_JSONL)
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
  }
  writer_free(w, rc < 0);
  return rc;
}

void ospy_export_abort(ospy_export_writer *w)
{
  ospy_sink_abort(&w->sink);
  writer_free(w, 1);
}
