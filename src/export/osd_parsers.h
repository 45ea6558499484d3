/* What oSpy's loader reads of a FunctionCall it has a parser for.
 *
 * oSpy.SharpDumpLib chooses a parser by the part of <name> after its first
 * "::" (EventFactory.cs), whatever the module: socket, connect, send, recv
 * and closesocket (its Socket/ folder) read the event as the Winsock
 * call's, and an exception in one of them rejects the whole file. A function of the same
 * name that is not that call (a program's own `int send(const char *msg)`,
 * a shim library's) may not give them what they read: its first argument
 * an address past 32 bits (Convert.ToUInt32 overflows), no argument 2 or 4,
 * no buffer where send reads one. The XML writer writes such a call as an
 * Info event (xml_writer.c), as it writes a call that did not return. */
#ifndef OSPY_EXPORT_OSD_PARSERS_H
#define OSPY_EXPORT_OSD_PARSERS_H

#include <stdbool.h>

#include "export/export_event.h"

/* Whether oSpy's loader gives a call of this name (module::function, or a
 * bare function, which the writer writes ::function) a socket parser. */
bool ospy_osd_parser_named(const char *name);

/* Whether that parser reads ev, a FunctionCall of such a name that
 * returned, as the XML writer writes it, without an exception: every
 * argument, field and return value it reads there, in a form its
 * conversion takes (Convert.ToUInt32 / ToInt32, hex after "0x" within 32
 * bits; a buffer as base64, which a ByteArray's text is; for connect's
 * AF_INET address a dotted quad and a port of 0 to 65535; connect's
 * lastError when it failed). Strict where the parser would read something
 * other than the Winsock call's values without failing (a string where send
 * reads a buffer): such a call is not that call. */
bool ospy_osd_parser_reads(const ospy_xevent *ev);

#endif
