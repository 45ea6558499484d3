/* Chrome trace-event JSON ({"traceEvents":[...]}), as the Perfetto UI and
 * chrome://tracing load it: a process per pid, a track per thread (named by
 * "M" metadata events the first time each is seen), an "X" slice per call,
 * instant events for errors, warnings, lost counts and process exits; times
 * in microseconds since the capture's start (ospy_perfetto_set_origin).
 * Streams: the only state is the set of (pid, tid) already named, which
 * grows with the number of threads, not of events. */
#ifndef OSPY_EXPORT_PERFETTO_WRITER_H
#define OSPY_EXPORT_PERFETTO_WRITER_H

#include "export/export_event.h"
#include "export/sink.h"

typedef struct ospy_perfetto ospy_perfetto;

ospy_perfetto *ospy_perfetto_new(void);
void ospy_perfetto_free(ospy_perfetto *p);
/* Where the ts values count from (nanoseconds since the Unix epoch: the
 * capture's start), before the first event; without it, the first event's
 * time. Written in the trace's otherData (ts_origin_ns, ts_origin). */
void ospy_perfetto_set_origin(ospy_perfetto *p, int64_t ns);
void ospy_perfetto_begin(ospy_perfetto *p, ospy_sink *s);
/* -1 when out of memory (the sink stays valid). */
int ospy_perfetto_write_event(ospy_perfetto *p, ospy_sink *s, const ospy_xevent *ev);
void ospy_perfetto_end(ospy_perfetto *p, ospy_sink *s);

#endif
