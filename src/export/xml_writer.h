/* oSpy event XML, as the original agent wrote it and oSpy's dump library
 * saved it inside .osd files (see docs/export-formats.md). */
#ifndef OSPY_EXPORT_XML_WRITER_H
#define OSPY_EXPORT_XML_WRITER_H

#include "export/export_event.h"
#include "export/sink.h"

/* The message of a call that did not return, before its name: such a call
 * is written as an Info event with ospyType="FunctionCall" (oSpy's loader
 * needs a return value for the calls it parses). */
#define OSPY_XML_UNFINISHED "call did not return: "
/* The message of a call recorded without a definition whose name oSpy's
 * loader parses as a socket call's (send, connect...): an Info event too. */
#define OSPY_XML_RAW_CALL "call recorded without a definition: "
/* ... and of a call of such a name, recorded with its definition, that the
 * parser cannot read (osd_parsers.h: a program's own send(const char *)). */
#define OSPY_XML_NOT_PARSED_CALL "call not in the form oSpy's socket parsers read: "

/* The value="" text the writer gives v's <value> (a negative descriptor's
 * 32-bit hex, a Flags value's number, else its text; buf holds the hex), or
 * NULL when it writes none. */
#define OSPY_XML_VALUE_TEXT_MAX 16
const char *ospy_xml_value_attr(const ospy_xvalue *v, char buf[OSPY_XML_VALUE_TEXT_MAX]);

/* The value="" a return value that has none of its own is written with:
 * oSpy's GUI (MainForm.CreateEventDescription) reads the return value's
 * value attribute unchecked, and a structure returned by value had none (a
 * NullReferenceException). A structure's is "[Structure]", the text oSpy's
 * Structure marshaller gave (Structure::ToString); an array's or a byte
 * array's is empty. NULL for a type whose values have a text of their own.
 * The .osd reader drops it again (import round trips). */
#define OSPY_XML_STRUCT_TEXT "[Structure]"
const char *ospy_xml_return_filler(const char *type);

/* A <backtrace> holds at most this many <entry>s, as oSpy's agent wrote
 * (Util::CreateBacktraceNode): those in a known module, the others left out. */
#define OSPY_XML_MAX_FRAMES 8

/* `<?xml ...?><events>` and `</events>`. */
void ospy_xml_write_prolog(ospy_sink *s);
void ospy_xml_write_epilog(ospy_sink *s);
/* One `<event>` element, no surrounding whitespace. */
void ospy_xml_write_event(ospy_sink *s, const ospy_xevent *ev);
/* The same in two parts, `<event id="N"` and the rest (from the attribute
 * after the id to `</event>`): an event whose id is known only when it is
 * written (start_order.h) is kept as the rest. */
void ospy_xml_write_event_id(ospy_sink *s, uint64_t id);
void ospy_xml_write_event_after_id(ospy_sink *s, const ospy_xevent *ev);

#endif
