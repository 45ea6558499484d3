/* oSpy event XML, as the original agent wrote it and oSpy's dump library
 * saved it inside .osd files (see docs/export-formats.md). */
#ifndef OSPY_EXPORT_XML_WRITER_H
#define OSPY_EXPORT_XML_WRITER_H

#include "export/export_event.h"
#include "export/sink.h"

/* `<?xml ...?><events>` and `</events>`. */
void ospy_xml_write_prolog(ospy_sink *s);
void ospy_xml_write_epilog(ospy_sink *s);
/* One `<event>` element, no surrounding whitespace. */
void ospy_xml_write_event(ospy_sink *s, const ospy_xevent *ev);

#endif
