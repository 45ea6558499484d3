/* Events in the order they began, for the formats oSpy read (.osd, its XML).
 *
 * oSpy's agent took a call's event id and its timestamp together when the
 * call was entered, and oSpy lists a file's events by id: a call comes
 * before the calls it made and before what other threads did while it
 * blocked. An ospy capture has a call's record where the call returned: an
 * outer hooked call after the inner ones, a blocking wait4 after all of its
 * child's events. Written here: by start time (a call's entry, any other
 * event's time), then by file order; ids 1..N in that order.
 *
 * Two passes over the capture's events, in file order, asking
 * ospy_order_late() of every event in both:
 *  1. the scan: a late event, one that began before an event that has left
 *     the window (the latest events on time: at most window_events of them,
 *     window_bytes bytes of records), is converted there and then and its
 *     XML kept in a temporary file until its turn (ospy_order_keep_late);
 *     the caller only follows the others (processes, modules, descriptors);
 *  2. the output: the same answers (they depend on the timestamps alone); a
 *     late event is only followed, the others are converted and handed to
 *     ospy_order_put, which holds each until no event still to come can have
 *     begun before it, and writes them merged with the late ones.
 * Exact: an event on time that left the window began before every event on
 * time still to come, so what is held is the window at most. Memory: the
 * held events' XML, and 32 bytes per late event (a call that blocked while
 * more than the window happened; its XML is in the file), whatever the
 * capture's size. Every event is converted once, in file order, by a
 * converter that has followed every record before it: as in one pass. */
#ifndef OSPY_EXPORT_START_ORDER_H
#define OSPY_EXPORT_START_ORDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "export/export.h"
#include "export/export_event.h"

#define OSPY_ORDER_WINDOW_EVENTS 4096
#define OSPY_ORDER_WINDOW_BYTES (2u << 20)

typedef struct ospy_order ospy_order;

/* The window's size; 0: the default (tests make them small). NULL when out
 * of memory. */
ospy_order *ospy_order_new(size_t window_events, uint64_t window_bytes);
/* Removes the temporary file too. */
void ospy_order_free(ospy_order *o);

/* Every event, in file order, in both passes: 1 when it is late, else 0.
 * ts: when it began; size: its record's size (what the window counts). */
int ospy_order_late(ospy_order *o, int64_t ts, uint32_t size);
/* The scan: the late event just asked about, converted: its XML kept (in a
 * file in $TMPDIR, else /tmp, removed already). -1 with err. */
int ospy_order_keep_late(ospy_order *o, const ospy_xevent *ev, char *err, size_t errcap);
/* Between the passes: the late events sorted, the window started again;
 * events are written to w (an ospy_export_in_start_order format) from now
 * on. -1 with err. */
int ospy_order_start_output(ospy_order *o, ospy_export_writer *w, char *err, size_t errcap);
/* The output pass has been asked about as many events as the scan: it
 * stops there (a capture still being written may have more by then). */
bool ospy_order_output_complete(const ospy_order *o);
/* The output: the event on time just asked about, converted; written when
 * its turn comes. 0; 1 when the output failed (w says why at close); -1
 * with err. */
int ospy_order_put(ospy_order *o, const ospy_xevent *ev, char *err, size_t errcap);
/* After the output pass: writes every event still held (0, 1 or -1 as put). */
int ospy_order_finish(ospy_order *o, char *err, size_t errcap);

typedef struct ospy_order_stats {
  uint64_t late;          /* events kept in the file by the scan */
  size_t held_peak;       /* events on time held at once, at most */
  size_t held_bytes_peak; /* their XML, bytes */
} ospy_order_stats;
void ospy_order_get_stats(const ospy_order *o, ospy_order_stats *st);

#endif
