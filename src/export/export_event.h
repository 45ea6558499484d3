/* A fully decoded event as the exporters see it (oSpy .osd, XML, JSON Lines).
 *
 * This is a neutral, read-only model: whoever produces an event (the capture
 * adapter, the .osd reader) owns every pointer in it and keeps it alive for
 * the duration of one ospy_export_write() call or one reader callback. The
 * exporters never allocate per event beyond a fixed output buffer.
 *
 * Values mirror the oSpy marshallers' XML: each node has an oSpy type name
 * ("UInt32", "Int32", "Pointer", "ByteArray", "Enum", "Struct", "Array",
 * "AsciiString", "UnicodeString", "Boolean"...; a pointer to a structure X
 * "XPtr", as oSpy named it), an optional subType (enum or
 * structure name; for "Array" the element type), the text oSpy put in the
 * value="" attribute, bytes for ByteArray, and children: named children are
 * structure fields, unnamed children are a pointer's pointee or array
 * elements. Strings are NUL-terminated UTF-8; an adapter that meets bytes
 * which are not text should emit a ByteArray instead (see text.h for what the
 * writers do with invalid UTF-8). */
#ifndef OSPY_EXPORT_EXPORT_EVENT_H
#define OSPY_EXPORT_EXPORT_EVENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum ospy_xevent_type {
  OSPY_XEV_FUNCTION_CALL,
  OSPY_XEV_ERROR,
  OSPY_XEV_WARNING,
  OSPY_XEV_INFO,
  OSPY_XEV_DEBUG,
  OSPY_XEV_MODULE_LOAD,
  OSPY_XEV_MODULE_UNLOAD,
  OSPY_XEV_PROCESS_START,
  OSPY_XEV_PROCESS_EXIT,
  OSPY_XEV_LOST,
  /* Original types ospy has no model of, read from an .osd (oSpy's AsyncIO
   * plugin wrote AsyncResult, its USB driver agent the URB events): their
   * content is kept as elements (ospy_xevent.elements). */
  OSPY_XEV_ASYNC_RESULT,
  OSPY_XEV_USB_SUBMIT_URB,
  OSPY_XEV_TYPE_COUNT
} ospy_xevent_type;

/* ospy_xvalue.flags */
enum {
  OSPY_XVALUE_UNREADABLE = 1u << 0, /* memory at `addr` could not be read */
  OSPY_XVALUE_TRUNCATED = 1u << 1,  /* bytes holds the first nbytes of `total` */
  OSPY_XVALUE_BAD_SIZE = 1u << 2,   /* a Pointer whose buffer or array was not read:
                                       its size or count, `bad_size`, was negative */
  /* A Pointer (NULL, unreadable, bad size) to a byte buffer or to a socket
   * address that was not read. oSpy's send and connect parsers read the
   * pointee without checking that there is one: the XML gives such a
   * pointer an empty one (a ByteArray of size 0; a socket address of family
   * AF_UNSPEC). */
  OSPY_XVALUE_BUFFER_NOT_READ = 1u << 3,
  OSPY_XVALUE_SOCKADDR_NOT_READ = 1u << 4,
  /* An argument of a call recorded without a spec: a raw register/stack
   * word named argN from 0 as `show` and --filter name it. The XML numbers
   * it from 1 (argN+1), as oSpy's agent named such arguments. */
  OSPY_XVALUE_RAW_WORD = 1u << 5,
  /* A format string (type AsciiString or UnicodeString): its children are
   * the format (or its unreadable Pointer) and the values it consumed, as
   * JSON Lines writes them; `printed` the text it printed, `format_addr`
   * where it was. The XML writes it as oSpy's agent did: a Pointer to an
   * AsciiFormatString/UnicodeFormatString holding that text. */
  OSPY_XVALUE_FORMAT = 1u << 6,
  /* A ByteArray declared hex="true": readers that show it as text (ospy
   * diff) write it as show does, <78 78 78>. Not in the XML. */
  OSPY_XVALUE_HEX = 1u << 7,
  /* A stand-in (0, 0.0.0.0, AF_UNSPEC) for a value whose bytes were not
   * recorded: a field of a socket address the recorded bytes do not reach
   * (an addrlen of 4 with AF_INET), which oSpy's connect parser reads
   * without checking that it is there (osd_sockaddr.h). The XML writes
   * unrecorded="true" on it, JSON Lines "unrecorded": true. */
  OSPY_XVALUE_UNRECORDED = 1u << 8,
  /* The agent wrote no value in the argument's or field's place: a read its
   * size or computed value needed faulted, or a va_list (show writes `?`).
   * An argument with neither this nor a value at all (type "") was not
   * recorded: its logCondition did not hold (show leaves it out). Not in
   * the XML. */
  OSPY_XVALUE_SKIPPED = 1u << 9,
};

typedef struct ospy_xvalue ospy_xvalue;
struct ospy_xvalue {
  const char *name;      /* argument or field name; NULL: pointee / element */
  const char *type;      /* oSpy type name, never NULL */
  const char *subtype;   /* Enum/Struct name, Array element type, or NULL */
  const char *text;      /* the value="" text ("0x8ac", "SOCK_STREAM"), or NULL */
  const char *number;    /* Flags: the value as a hex integer ("0x4000", "0" for
                            zero), text then holding its member names. oSpy
                            had no flags type (its configs declared them
                            Int32 hex="true") and its socket parsers read
                            flags as numbers: the XML writes number as value=""
                            and the names in names="". An Enum's value that is
                            none of its members: its hex ("0x63"; a negative
                            one's at its width, "0xffffff85"), text then
                            holding the number show writes ("99", "-123"),
                            value="" holding the hex. NULL otherwise. */
  const uint8_t *bytes;  /* ByteArray content (nbytes may be 0) */
  size_t nbytes;
  uint64_t total;        /* with OSPY_XVALUE_TRUNCATED: the full length */
  uint64_t addr;         /* with OSPY_XVALUE_UNREADABLE: the faulting address */
  int64_t bad_size;      /* with OSPY_XVALUE_BAD_SIZE */
  const char *printed;   /* with OSPY_XVALUE_FORMAT: the text, or NULL (a value
                            missing: the format itself is written) */
  uint64_t format_addr;  /* with OSPY_XVALUE_FORMAT: 0 when not recorded */
  const char *fd_name;   /* a file descriptor: what it referred to when the call
                            was made, as show writes it in <...> ("/etc/hosts",
                            "TCP:[->127.0.0.1:80]"); NULL when unknown. Not in the
                            XML (oSpy had no such value). */
  const char *not_recorded; /* why the value (an argument without a type) or what
                            the Pointer points to was not recorded: "no room"
                            (the call's values filled the record), "depth limit"
                            (nested too deeply); NULL otherwise */
  uint32_t flags;
  const ospy_xvalue *children;
  size_t nchildren;
};

/* An element of an event ospy has no model of (AsyncResult:
 * <requestId>, <data>; IOCTL_INTERNAL_USB_SUBMIT_URB: <URB>,
 * <PendingReturned>...), as read from an .osd: its name, attributes, its own
 * text and its child elements. What is not kept: comments, processing
 * instructions, and where text stood among child elements (an element's
 * text is its text pieces together, whitespace-only text between child
 * elements dropped: the indentation of some oSpy files). */
typedef struct ospy_xattr {
  const char *name;
  const char *value;
} ospy_xattr;

typedef struct ospy_xelement ospy_xelement;
struct ospy_xelement {
  const char *name;
  const ospy_xattr *attrs;
  size_t nattrs;
  const char *text;       /* NULL: none */
  const ospy_xelement *children;
  size_t nchildren;
};

typedef struct ospy_xframe {
  uint64_t addr;          /* return address */
  const char *module;     /* module file name ("libc.so.6"), or NULL */
  bool scanned;           /* found by scanning the stack for return addresses
                             (no frame pointer): likely, not certain */
} ospy_xframe;

typedef struct ospy_xevent {
  uint64_t id;            /* sequence number, unique in a capture */
  ospy_xevent_type type;
  int64_t ts_ns;          /* nanoseconds since the Unix epoch (enter time) */
  bool has_filetime;      /* read from an .osd (ospy import): filetime is its timestamp */
  uint64_t filetime;      /* as read: written again so, and the time JSON Lines gives,
                             where ts_ns saturates (before 1677-09-21, after 2262-04-11) */
  uint64_t duration_ns;   /* FunctionCall: leave - enter; 0 = unknown */
  const char *process_name;
  uint32_t pid;
  uint32_t tid;
  const char *name;       /* "module::function" for FunctionCall, or NULL */
  bool has_args_in;       /* write <arguments direction="in"> (may be empty) */
  const ospy_xvalue *args_in;
  size_t nargs_in;
  bool has_args_out;
  const ospy_xvalue *args_out;
  size_t nargs_out;
  const ospy_xvalue *retval;  /* NULL: none (void, or the call never returned) */
  bool unfinished;        /* FunctionCall that did not return (the process died
                             in it, or the capture ended first) */
  bool raw_words;         /* FunctionCall recorded without a definition: its
                             arguments are raw words (OSPY_XVALUE_RAW_WORD) */
  bool has_last_error;
  int32_t last_error;     /* errno at leave */
  uint8_t outcome;        /* FunctionCall: failed or not by the rule show --failed
                             uses (OSPY_OUTCOME_* of capture/format.h: 0 unknown,
                             1 failed, 2 successful); JSON only */
  uint64_t return_address;    /* 0 = unknown; JSON only (oSpy had no slot) */
  const ospy_xframe *backtrace;
  size_t nframes;
  const char *message;    /* Error/Warning/Info/...: the text, or NULL */
  bool attached;          /* ProcessStart: of a process ospy attached to (-p), not started */
  uint32_t ppid;          /* ProcessStart: the parent's pid (a forked child's: the process
                             that forked it), 0 when not known */
  bool has_lost_count;    /* Lost: lost_count is known (an imported one: read from its
                             message, "7 events lost") */
  uint64_t lost_count;    /* Lost: how many events were dropped */
  const ospy_xelement *elements; /* AsyncResult, IOCTL_INTERNAL_USB_SUBMIT_URB: the
                                    event's child elements, in order */
  size_t nelements;
} ospy_xevent;

/* "FunctionCall", "Error", ... as oSpy writes the type attribute. */
/* The original oSpy type an event is written as in XML (ospy's own types
 * become Info or Warning, with an ospyType attribute naming them), and the
 * prefix its message gets there ("process started: "...). */
#define OSPY_XEV_ATTACHED_PREFIX "attached to process: "
ospy_xevent_type ospy_xevent_original_type(ospy_xevent_type t, const char **prefix);
/* The same for an event: an attached process's ProcessStart says so
 * ("attached to process: "). */
ospy_xevent_type ospy_xevent_written_as(const ospy_xevent *ev, const char **prefix);
const char *ospy_xevent_type_name(ospy_xevent_type t);
/* The inverse; returns -1 for an unknown name. */
int ospy_xevent_type_from_name(const char *name);

/* Whether v is a pointer: type "Pointer" (oSpy's own pointer types, and
 * ospy's), or "XPtr", the name oSpy gave a pointer to a structure X a
 * config declares (Ipv4SockaddrPtr), with at most one child, unnamed (its
 * pointee). */
bool ospy_xvalue_is_pointer(const ospy_xvalue *v);

/* The bytes of v->text a writer writes: all of them, but for a string cut
 * short (at the value cap, or by unreadable memory) those up to its last
 * whole UTF-8 character (a character cut in half would be U+FFFD). */
size_t ospy_xvalue_text_len(const ospy_xvalue *v);

/* Windows FILETIME (100 ns ticks since 1601-01-01 UTC) <-> Unix nanoseconds.
 * Sub-100 ns precision is dropped (rounded toward minus infinity). */
uint64_t ospy_filetime_from_unix_ns(int64_t ns);
int64_t ospy_filetime_to_unix_ns(uint64_t ft);
/* An event's FILETIME: the one it was read with, else from ts_ns. */
uint64_t ospy_xevent_filetime(const ospy_xevent *ev);
/* An event's time as whole seconds since the Unix epoch (floored) and the
 * nanoseconds after them, exact for a FILETIME ts_ns cannot hold. */
void ospy_xevent_time(const ospy_xevent *ev, int64_t *sec, uint32_t *nsec);

#endif
