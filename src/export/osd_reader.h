/* Reading oSpy .osd captures into ospy_xevent values, one event at a time.
 *
 * Accepts oSpy v2 ("oSpy", version 2, isCompressed 0 or 1, count, XML) and
 * the older variants: the whole file bzip2-compressed (u32 count, BOM, XML),
 * and uncompressed ("oSpy", u32 count, BOM, XML).
 * Memory stays bounded: the XML is streamed (libxml2 xmlTextReader) and only
 * the current <event> subtree is held. The event passed to the callback and
 * everything it points to live until the callback returns. */
#ifndef OSPY_EXPORT_OSD_READER_H
#define OSPY_EXPORT_OSD_READER_H

#include <stddef.h>
#include <stdint.h>

#include "export/export_event.h"

typedef struct ospy_osd_info {
  int version;        /* 2, or 1 for an older variant (compressed: all-bzip2) */
  int compressed;     /* bzip2 payload */
  uint32_t nevents;   /* the count the header announces */
} ospy_osd_info;

/* Return 0 to go on; anything else stops reading and is returned. */
typedef int (*ospy_osd_event_fn)(const ospy_xevent *ev, void *data);

/* Returns 0 when the whole file was read and the event count matched,
 * -1 with err naming the file and the offset or line, or the callback's
 * non-zero value. info (may be NULL) is filled once the header is known. */
int ospy_osd_read(const char *path, ospy_osd_event_fn fn, void *data,
                  ospy_osd_info *info, char *err, size_t errcap);

#endif
