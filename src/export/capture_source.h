/* A capture file as a stream of decoded events (ospy_xevent), for the
 * readers that work on argument values by name: `ospy diff`, `ospy streams`
 * and the pcapng export. It bundles the capture reader, the plan, the
 * record adapter (from_capture.c) and the values bridge; memory is one
 * chunk of the reader plus one event.
 *
 *   ospy_capsrc *s = ospy_capsrc_open(path, "ospy diff", err, sizeof err);
 *   while ((rc = ospy_capsrc_next(s, &ev, err, sizeof err)) != 0)
 *     if (rc > 0) use(&ev); else report(err);    // -1: corrupt chunk, skipped
 *   ospy_capsrc_close(s);                         // warns about a cut-short file
 */
#ifndef OSPY_EXPORT_CAPTURE_SOURCE_H
#define OSPY_EXPORT_CAPTURE_SOURCE_H

#include <stddef.h>
#include <stdint.h>

#include "export/export_event.h"

typedef struct ospy_capsrc ospy_capsrc;

/* NULL with err set when path is not a readable capture. `who` prefixes the
 * warnings written to stderr (a file cut short); NULL: none (a reader's
 * later pass over a file whose warnings an earlier pass gave). */
ospy_capsrc *ospy_capsrc_open(const char *path, const char *who, char *err, size_t errcap);
/* 1: *ev holds the next event (valid until the next call); 0: the end;
 * -1: a corrupt chunk was skipped (err says where; call again), or, first,
 * the header is damaged (ospy_capfile_header_damage: err says what and what
 * was made of it), or the plan or the specs in it do not decode (err says
 * so; the events come with functions named hook#N or values undecoded);
 * -2: a fatal error (out of memory). */
int ospy_capsrc_next(ospy_capsrc *s, ospy_xevent *ev, char *err, size_t errcap);
/* What descriptor fd of process pid refers to at the event last read, as
 * show names it (the capture's FdName records), or NULL when not known. */
const char *ospy_capsrc_fd_name(const ospy_capsrc *s, uint32_t pid, int64_t fd);
/* The captured command line, quoted as a shell reads it back
 * (ospy_argv_text): "sort 'in put.txt'". */
const char *ospy_capsrc_cmdline(const ospy_capsrc *s);
uint64_t ospy_capsrc_bad_chunks(const ospy_capsrc *s);
/* Writes the end-of-file warnings (undecodable values; the file cut short,
 * once it was read to its end) to stderr and frees s. */
void ospy_capsrc_close(ospy_capsrc *s);

#endif
