/* Streaming exporters: oSpy .osd (v2, bzip2 or plain), event XML, JSON Lines,
 * Chrome trace-event JSON (Perfetto), pcapng (the rebuilt socket streams).
 *
 *   ospy_export_writer *w = ospy_export_open("out.osd", OSPY_EXPORT_OSD, err, sizeof err);
 *   for each event: ospy_export_write(w, &ev);
 *   if (ospy_export_close(w, err, sizeof err) < 0) ...   // always frees w
 *
 * Memory is bounded (fixed buffers) whatever the number of events. An .osd
 * needs a seekable file: the event count in its header is patched at close. */
#ifndef OSPY_EXPORT_EXPORT_H
#define OSPY_EXPORT_EXPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "export/export_event.h"
#include "export/streams.h"

typedef enum ospy_export_format {
  OSPY_EXPORT_OSD,              /* oSpy v2, isCompressed = 1 (bzip2) */
  OSPY_EXPORT_OSD_UNCOMPRESSED, /* oSpy v2, isCompressed = 0 */
  OSPY_EXPORT_XML,              /* the .osd payload, uncompressed, no header */
  OSPY_EXPORT_JSONL,
  OSPY_EXPORT_PERFETTO,         /* Chrome trace-event JSON (Perfetto UI) */
  OSPY_EXPORT_PCAPNG,           /* the socket streams as packets (pcap_streams.h) */
} ospy_export_format;

/* "osd", "osd-plain", "xml", "jsonl", "perfetto", "pcapng"; returns -1 for anything else. */
int ospy_export_format_parse(const char *name);
/* The format of an output named path, from its extension: .osd, .xml,
 * .jsonl, .json (perfetto: the trace-event file is JSON), .pcapng, and the
 * format names themselves (.perfetto, .osd-plain); -1 for anything else. */
int ospy_export_format_from_path(const char *path);
/* Every extension ospy_export_format_from_path knows, for usages and error
 * messages (tests/export/check_export.sh exports to each one listed). */
#define OSPY_EXPORT_EXTENSIONS ".osd .osd-plain .xml .jsonl .perfetto .json (perfetto) .pcapng"

typedef struct ospy_export_writer ospy_export_writer;

/* path "-" is stdout (not for .osd). A file is written beside path and takes
 * its place at a successful close only: a failure leaves an existing file
 * as it was. Returns NULL with err set. */
ospy_export_writer *ospy_export_open(const char *path, ospy_export_format fmt,
                                     char *err, size_t errcap);
/* pcapng: what a descriptor refers to as the events are written (the
 * capture's FdName records: ospy_from_capture_fd_name), so that a socket no
 * recorded call of its process made (a forked handler's) gets its real
 * addresses, as `ospy streams` names them. Other formats ignore it. */
void ospy_export_set_fd_names(ospy_export_writer *w, ospy_fd_name_fn fn, void *user);
/* perfetto: where its ts values count from, nanoseconds since the Unix
 * epoch (the capture's start); without it, the first event's time. Before
 * the first event. Other formats ignore it. */
void ospy_export_set_time_origin(ospy_export_writer *w, int64_t ns);
/* Returns 0, or -1 once the output has failed (the error comes at close). */
int ospy_export_write(ospy_export_writer *w, const ospy_xevent *ev);
/* The formats oSpy read (.osd, osd-plain, and xml, the .osd's payload):
 * their events go in the order they began, ids 1..N in that order, as oSpy
 * numbered and listed them (start_order.h puts them so; `ospy export` reads
 * the capture twice for them). */
bool ospy_export_in_start_order(ospy_export_format fmt);
/* For those formats: an event whose XML after its id attribute
 * (ospy_xml_write_event_after_id) was kept, written with the id it gets. */
int ospy_export_write_after_id(ospy_export_writer *w, uint64_t id, const void *xml, size_t len);
/* The refusals of an OUT that exporters make before reading their input
 * (usage errors, exit status 2): out names the file in (same device and
 * inode, or the same path; "-" never does), or an .osd format would go to
 * stdout or to anything but a regular file (its header's count is written
 * last), or a pcapng to stdout on a terminal (binary). -1 with err set, else 0. */
int ospy_export_check_output(const char *out, const char *in, ospy_export_format fmt,
                             char *err, size_t errcap);

/* Finishes the file; on failure removes it and returns -1 with err set. */
int ospy_export_close(ospy_export_writer *w, char *err, size_t errcap);

/* What a finished file holds: events written, and for pcapng the packets
 * they became (0: the capture had no socket data) and what the events said
 * the capture lacks (lost events, calls left out as nested). */
typedef struct {
  uint64_t events, packets;
  ospy_streams_gaps gaps;
} ospy_export_summary;

/* ospy_export_close, filling *sum (when not NULL) even when it fails. */
int ospy_export_close_summary(ospy_export_writer *w, ospy_export_summary *sum, char *err,
                              size_t errcap);

/* Tells on stderr, prefixed by cmd, how many packets a pcapng got from how
 * many events; a warning when none (the calls carried no socket data), and
 * when the capture lacks data (ospy_streams_say_gaps). */
void ospy_export_say_packets(const char *cmd, const ospy_export_summary *sum, const char *out);

/* Gives up: removes the partial output and frees w. */
void ospy_export_abort(ospy_export_writer *w);

/* The .osd v2 header (16 bytes, little-endian). */
#define OSPY_OSD_HEADER_SIZE 16
void ospy_osd_header_encode(uint8_t out[OSPY_OSD_HEADER_SIZE], int compressed,
                            uint32_t nevents);

#endif
