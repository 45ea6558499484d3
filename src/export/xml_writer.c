/* Events to oSpy's XML schema. Element order follows the original agent:
 * name, backtrace, arguments in, arguments out, returnValue, lastError;
 * message events carry <message>. Extensions (attributes oSpy never wrote,
 * ignored by its readers): totalSize on truncated ByteArrays, unreadable on
 * values whose memory could not be read, badSize on pointers not followed,
 * names on Flags, unrecorded on stand-ins for bytes not recorded,
 * notRecorded on values not recorded for want of room or past the nesting
 * limit, ospyName on a C++ name; ospyType on the events of ospy's own types,
 * which are written as the original Info or Warning. An imported AsyncResult
 * or IOCTL_INTERNAL_USB_SUBMIT_URB event is written with the elements it was
 * read with.
 *
 * Some values take the shape oSpy's loader parses rather than the one the
 * event model holds (oSpy.SharpDumpLib's socket parsers read them, and one
 * that throws rejects the whole file): a socket address is a structure
 * (osd_sockaddr.h), Flags are a hex number, a negative descriptor is 32-bit
 * hex, a name has exactly one "::". The .osd reader undoes what it must. */
#include "export/xml_writer.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "export/osd_parsers.h"
#include "export/osd_sockaddr.h"
#include "export/text.h"

static void attr(ospy_sink *s, const char *name, const char *value)
{
  ospy_sink_printf(s, " %s=\"", name);
  ospy_xml_escape(s, value, 1);
  ospy_sink_write(s, "\"", 1);
}

/* The function part of a name with each "::" in it as ".": cppsock::
 * ns::Codec::encode(ns::Buf&) is cppsock::ns.Codec.encode(ns.Buf&). */
static void write_function_dotted(ospy_sink *s, const char *function)
{
  const char *p = function, *q;
  while ((q = strstr(p, "::"))) {
    ospy_xml_escape_n(s, p, (size_t)(q - p), 0);
    ospy_sink_puts(s, ".");
    p = q + 2;
  }
  ospy_xml_escape(s, p, 0);
}

/* oSpy's loader splits <name> on "::" and takes element [1] as the
 * function, so a name holds exactly one "::", module::function:
 *  - a name without one (an older ospy's, read back by import) would make
 *    the loader reject the whole file: it becomes "::name";
 *  - a C++ function's qualified name (cppsock::socket::open(int)) would
 *    give it "socket" as the function, and its socket parser would run on
 *    a method: the "::" after the module's become "." (oSpy's own C++
 *    names, VTable::method, never had more than one), and the name as ospy
 *    has it goes in ospyName="" beside it, which ospy import reads back. */
static void write_name(ospy_sink *s, const char *name)
{
  const char *sep = strstr(name, "::");
  const char *function = sep ? sep + 2 : name;
  ospy_sink_puts(s, "<name");
  if (strstr(function, "::"))
    attr(s, "ospyName", name);
  ospy_sink_puts(s, ">");
  if (sep)
    ospy_xml_escape_n(s, name, (size_t)(function - name), 0);
  else
    ospy_sink_puts(s, "::");
  write_function_dotted(s, function);
  ospy_sink_puts(s, "</name>");
}

static int is_bytearray(const ospy_xvalue *v)
{
  return !strcmp(v->type, "ByteArray");
}

static void write_value(ospy_sink *s, const ospy_xvalue *v);

/* A negative descriptor (socket's -1, openat's AT_FDCWD) as 32-bit two's
 * complement hex: oSpy declared sockets UInt32 hex="true", and its socket
 * parsers read them with Convert.ToUInt32, which "-1" makes throw and
 * "0xffffffff" does not. 0 when text is not a negative number. */
static int negative_fd_hex(const ospy_xvalue *v, char *out, size_t cap)
{
  if (strcmp(v->type, "FileDescriptor") || !v->text || v->text[0] != '-')
    return 0;
  char *end;
  long long fd = strtoll(v->text, &end, 10);
  if (*end || fd < INT32_MIN)
    return 0;
  snprintf(out, cap, "0x%" PRIx32, (uint32_t)(int32_t)fd);
  return 1;
}

const char *ospy_xml_value_attr(const ospy_xvalue *v, char buf[OSPY_XML_VALUE_TEXT_MAX])
{
  if (negative_fd_hex(v, buf, OSPY_XML_VALUE_TEXT_MAX))
    return buf;
  return v->number ? v->number : v->text;
}

/* value="", and for Flags the number there and the member names beside it
 * (text that is only a number, 0x0, names no member); for an Enum value
 * that is none of its members the number alone (0x63 and 0xffffff85, not
 * show's 99 and -123). */
static void write_value_text(ospy_sink *s, const ospy_xvalue *v)
{
  char fd[OSPY_XML_VALUE_TEXT_MAX];
  if (negative_fd_hex(v, fd, sizeof fd)) {
    attr(s, "value", fd);
    return;
  }
  if (!v->number) {
    if (v->text) {
      ospy_sink_puts(s, " value=\"");
      ospy_xml_escape_n(s, v->text, ospy_xvalue_text_len(v), 1);
      ospy_sink_puts(s, "\"");
    }
    return;
  }
  attr(s, "value", v->number);
  /* (an Enum's number is a value's hex, its text the decimal) */
  if (v->text && strncmp(v->text, "0x", 2) && !strcmp(v->type, "Flags"))
    attr(s, "names", v->text);
}

static void write_value_attrs(ospy_sink *s, const ospy_xvalue *v)
{
  attr(s, "type", v->type);
  if (!strcmp(v->type, "Array")) {
    /* oSpy's Array marshaller: element type and count, elements as children */
    attr(s, "elementType", v->subtype ? v->subtype : "");
    ospy_sink_printf(s, " elementCount=\"%zu\"", v->nchildren);
  } else if (v->subtype) {
    attr(s, "subType", v->subtype);
  }
  write_value_text(s, v);
  if (is_bytearray(v))
    ospy_sink_printf(s, " size=\"%zu\"", v->nbytes);
  if ((v->flags & OSPY_XVALUE_TRUNCATED) && v->total)
    ospy_sink_printf(s, " totalSize=\"%" PRIu64 "\"", v->total);
  else if (v->flags & OSPY_XVALUE_TRUNCATED)
    ospy_sink_puts(s, " truncated=\"true\""); /* a string: its length is unknown */
  if (v->flags & OSPY_XVALUE_UNREADABLE)
    ospy_sink_printf(s, " unreadable=\"0x%" PRIx64 "\"", v->addr);
  if (v->flags & OSPY_XVALUE_BAD_SIZE)
    ospy_sink_printf(s, " badSize=\"%" PRId64 "\"", v->bad_size);
  if (v->flags & OSPY_XVALUE_UNRECORDED)
    ospy_sink_puts(s, " unrecorded=\"true\""); /* the value is a stand-in */
  if (v->not_recorded)
    attr(s, "notRecorded", v->not_recorded);
}

/* An <argument> or <field> without a value whose memory could not be read
 * carries the address on itself: no value of another type stands in for
 * the one of its declared type (oSpy wrote such a field empty). One not
 * recorded for want of room says so on itself too. */
static void write_holder_attrs(ospy_sink *s, const ospy_xvalue *v)
{
  if (!v->type[0] && (v->flags & OSPY_XVALUE_UNREADABLE))
    ospy_sink_printf(s, " unreadable=\"0x%" PRIx64 "\"", v->addr);
  if (!v->type[0] && v->not_recorded)
    attr(s, "notRecorded", v->not_recorded);
}

static void write_children(ospy_sink *s, const ospy_xvalue *v)
{
  for (size_t i = 0; i < v->nchildren; i++) {
    const ospy_xvalue *c = &v->children[i];
    if (c->name) { /* a structure field */
      ospy_sink_puts(s, "<field");
      attr(s, "name", c->name);
      write_holder_attrs(s, c);
      ospy_sink_puts(s, ">");
      write_value(s, c);
      ospy_sink_puts(s, "</field>");
    } else { /* a pointee or an array element */
      write_value(s, c);
    }
  }
}

/* The empty pointee of a pointer to a buffer or socket address that was
 * not read, for oSpy's send and connect parsers (export_event.h). */
static void write_empty_pointee(ospy_sink *s, const ospy_xvalue *v)
{
  ospy_xvalue empty = { .type = "ByteArray" };
  if (v->flags & OSPY_XVALUE_SOCKADDR_NOT_READ)
    empty.subtype = "sockaddr";
  write_value(s, &empty);
}

/* A format string as oSpy's agent wrote an AsciiFormatStringPtr: a Pointer
 * (the format's address) to an AsciiFormatString whose value is the text
 * printed, or the format itself when a value is missing. A format whose
 * address is not recorded (older captures) is the AsciiFormatString alone;
 * one that could not be read is its Pointer. */
static void write_format(ospy_sink *s, const ospy_xvalue *v)
{
  const ospy_xvalue *format = v->nchildren ? &v->children[0] : NULL;
  if (!format || strcmp(format->type, v->type)) {
    if (format)
      write_value(s, format); /* unreadable: the pointer */
    return;
  }
  ospy_xvalue text = *format;
  text.type = strcmp(v->type, "UnicodeString") ? "AsciiFormatString" : "UnicodeFormatString";
  text.text = v->printed ? v->printed : format->text;
  text.flags |= v->flags & OSPY_XVALUE_TRUNCATED; /* values not all decoded */
  if (!v->format_addr) {
    write_value(s, &text);
    return;
  }
  char addr[24];
  snprintf(addr, sizeof addr, "0x%" PRIx64, v->format_addr);
  ospy_xvalue pointer = { .type = "Pointer", .text = addr, .children = &text, .nchildren = 1 };
  write_value(s, &pointer);
}

const char *ospy_xml_return_filler(const char *type)
{
  if (!strcmp(type, "Struct"))
    return OSPY_XML_STRUCT_TEXT;
  return !strcmp(type, "Array") || !strcmp(type, "ByteArray") ? "" : NULL;
}

static void write_value_as(ospy_sink *s, const ospy_xvalue *v, int is_return)
{
  if (!v->type[0])
    return; /* an <argument> or <field> that oSpy logged without a value */
  if (v->flags & OSPY_XVALUE_FORMAT) {
    write_format(s, v);
    return;
  }
  ospy_sockaddr_struct sa;
  if (ospy_is_sockaddr_bytes(v)) { /* the structure oSpy's connect parser reads */
    ospy_sockaddr_to_struct(v, &sa);
    v = &sa.v;
  }
  ospy_xvalue filled;
  const char *filler = is_return && !v->text && !v->number ? ospy_xml_return_filler(v->type)
                                                          : NULL;
  if (filler) { /* (oSpy's GUI reads a return value's value="" unchecked) */
    filled = *v;
    filled.text = filler;
    v = &filled;
  }
  ospy_sink_puts(s, "<value");
  write_value_attrs(s, v);
  int has_bytes = is_bytearray(v) && v->nbytes > 0;
  int empty_pointee = !v->nchildren &&
                      (v->flags & (OSPY_XVALUE_BUFFER_NOT_READ | OSPY_XVALUE_SOCKADDR_NOT_READ));
  if (!has_bytes && v->nchildren == 0 && !empty_pointee) {
    ospy_sink_puts(s, "/>");
    return;
  }
  ospy_sink_puts(s, ">");
  if (has_bytes)
    ospy_base64_encode(s, v->bytes, v->nbytes);
  write_children(s, v);
  if (empty_pointee)
    write_empty_pointee(s, v);
  ospy_sink_puts(s, "</value>");
}

static void write_value(ospy_sink *s, const ospy_xvalue *v)
{
  write_value_as(s, v, 0);
}

/* A raw word's name counts from 1 (arg1 for show's arg0), as oSpy's agent
 * numbered the arguments of a function it had no spec for. */
static void write_argument_name(ospy_sink *s, const ospy_xvalue *v)
{
  const char *name = v->name ? v->name : "";
  char *end;
  if ((v->flags & OSPY_XVALUE_RAW_WORD) && !strncmp(name, "arg", 3) && name[3]) {
    unsigned long i = strtoul(name + 3, &end, 10);
    if (!*end) {
      ospy_sink_printf(s, " name=\"arg%lu\"", i + 1);
      return;
    }
  }
  attr(s, "name", name);
}

static void write_arguments(ospy_sink *s, const char *dir,
                            const ospy_xvalue *args, size_t n)
{
  ospy_sink_printf(s, "<arguments direction=\"%s\"", dir);
  if (n == 0) {
    ospy_sink_puts(s, "/>");
    return;
  }
  ospy_sink_puts(s, ">");
  for (size_t i = 0; i < n; i++) {
    ospy_sink_puts(s, "<argument");
    write_argument_name(s, &args[i]);
    write_holder_attrs(s, &args[i]);
    ospy_sink_puts(s, ">");
    write_value(s, &args[i]);
    ospy_sink_puts(s, "</argument>");
  }
  ospy_sink_puts(s, "</arguments>");
}

/* As oSpy's agent wrote a backtrace (Util::CreateBacktraceNode): the return
 * addresses in the modules it knew, the first OSPY_XML_MAX_FRAMES of them;
 * an address in no known module left out (not counted), and no element
 * when none is left. */
static void write_backtrace(ospy_sink *s, const ospy_xevent *ev)
{
  size_t n = 0;
  for (size_t i = 0; i < ev->nframes && n < OSPY_XML_MAX_FRAMES; i++) {
    if (!ev->backtrace[i].module)
      continue;
    ospy_sink_puts(s, n++ ? "<entry" : "<backtrace><entry");
    attr(s, "moduleName", ev->backtrace[i].module);
    if (ev->backtrace[i].scanned) /* an extra attribute: oSpy's readers ignore it */
      ospy_sink_puts(s, " scanned=\"true\"");
    ospy_sink_printf(s, ">0x%" PRIx64 "</entry>", ev->backtrace[i].addr);
  }
  if (n)
    ospy_sink_puts(s, "</backtrace>");
}

/* An element of an event ospy has no model of, as it was read. */
static void write_element(ospy_sink *s, const ospy_xelement *e)
{
  ospy_sink_printf(s, "<%s", e->name);
  for (size_t i = 0; i < e->nattrs; i++)
    attr(s, e->attrs[i].name, e->attrs[i].value);
  if (!e->text && !e->nchildren) {
    ospy_sink_puts(s, "/>");
    return;
  }
  ospy_sink_puts(s, ">");
  if (e->text)
    ospy_xml_escape(s, e->text, 0);
  for (size_t i = 0; i < e->nchildren; i++)
    write_element(s, &e->children[i]);
  ospy_sink_printf(s, "</%s>", e->name);
}

void ospy_xml_write_prolog(ospy_sink *s)
{
  ospy_sink_puts(s, "<?xml version=\"1.0\" encoding=\"utf-8\" standalone=\"yes\"?>"
                    "<events>");
}

void ospy_xml_write_epilog(ospy_sink *s)
{
  ospy_sink_puts(s, "</events>");
}

/* A call that did not return is an Info event (ospyType FunctionCall) with
 * the call's elements and a message: oSpy's agent logged calls when they
 * returned, and its socket parsers read the return value of send, recv,
 * connect... unconditionally (a FunctionCall without one made the loader
 * reject the file).
 *
 * So is a call that returned whose name gets one of those parsers
 * (osd_parsers.h) when the parser cannot read it: one recorded without a
 * definition (raw words: no buffer, no socket address, words it cannot
 * convert; a program's own send traced with -f), or one whose arguments
 * are not the Winsock call's (a program's own `int send(const char *msg)`
 * described by its config: its first argument an address past 32 bits, no
 * argument 2). Its message tells the two apart when the file is read back,
 * and from a call that did not return. */
static ospy_xevent_type written_type(const ospy_xevent *ev, const char **prefix,
                                     const char **call_message)
{
  *call_message = NULL;
  if (ev->type == OSPY_XEV_FUNCTION_CALL && ev->unfinished)
    *call_message = OSPY_XML_UNFINISHED;
  else if (ev->type == OSPY_XEV_FUNCTION_CALL && ospy_osd_parser_named(ev->name) &&
           (ev->raw_words || !ospy_osd_parser_reads(ev)))
    *call_message = ev->raw_words ? OSPY_XML_RAW_CALL : OSPY_XML_NOT_PARSED_CALL;
  if (*call_message) {
    *prefix = "";
    return OSPY_XEV_INFO;
  }
  return ospy_xevent_written_as(ev, prefix);
}

void ospy_xml_write_event(ospy_sink *s, const ospy_xevent *ev)
{
  ospy_xml_write_event_id(s, ev->id);
  ospy_xml_write_event_after_id(s, ev);
}

void ospy_xml_write_event_id(ospy_sink *s, uint64_t id)
{
  ospy_sink_printf(s, "<event id=\"%" PRIu64 "\"", id);
}

void ospy_xml_write_event_after_id(ospy_sink *s, const ospy_xevent *ev)
{
  const char *prefix, *call_message;
  ospy_xevent_type as = written_type(ev, &prefix, &call_message);
  attr(s, "type", ospy_xevent_type_name(as));
  if (as != ev->type)
    attr(s, "ospyType", ospy_xevent_type_name(ev->type));
  ospy_sink_printf(s, " timestamp=\"%" PRIu64 "\"", ospy_xevent_filetime(ev));
  attr(s, "processName", ev->process_name ? ev->process_name : "");
  ospy_sink_printf(s, " processId=\"%" PRIu32 "\" threadId=\"%" PRIu32 "\">",
                   ev->pid, ev->tid);
  if (ev->name)
    write_name(s, ev->name);
  if (ev->nframes)
    write_backtrace(s, ev);
  if (ev->has_args_in)
    write_arguments(s, "in", ev->args_in, ev->nargs_in);
  if (ev->has_args_out)
    write_arguments(s, "out", ev->args_out, ev->nargs_out);
  if (ev->retval) {
    ospy_sink_puts(s, "<returnValue>");
    write_value_as(s, ev->retval, 1);
    ospy_sink_puts(s, "</returnValue>");
  }
  if (ev->has_last_error)
    ospy_sink_printf(s, "<lastError value=\"%" PRId32 "\"/>", ev->last_error);
  if (ev->message) {
    ospy_sink_printf(s, "<message>%s", prefix);
    ospy_xml_escape(s, ev->message, 0);
    ospy_sink_puts(s, "</message>");
  } else if (call_message) {
    ospy_sink_printf(s, "<message>%s", call_message);
    ospy_xml_escape(s, ev->name ? ev->name : "", 0);
    ospy_sink_puts(s, "</message>");
  }
  for (size_t i = 0; i < ev->nelements; i++)
    write_element(s, &ev->elements[i]);
  ospy_sink_puts(s, "</event>");
}
