/* One JSON object per event and per line; schema in docs/export-formats.md. */
#ifndef OSPY_EXPORT_JSONL_WRITER_H
#define OSPY_EXPORT_JSONL_WRITER_H

#include "export/export_event.h"
#include "export/sink.h"

/* One line: the event as a JSON object and "\n". */
void ospy_jsonl_write_event(ospy_sink *s, const ospy_xevent *ev);

#endif
