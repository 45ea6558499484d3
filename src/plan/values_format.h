/*
 * The values blob: the marshaled argument values of one call phase (enter or
 * leave), written by the agent (src/agent/marshal.c) and read by readers
 * (src/plan/values.c) together with the function's spec.
 *
 *   u8 'V'  u8 version (1)  u8 phase (1 enter, 2 leave)  u8 flags (bit 0: truncated)
 *   ENTRY*  until the end of the blob
 *   ENTRY: u8 index (argument index, OSPY_VB_RETVAL for the return value) NODE
 *
 * NODE: u8 tag, then per tag (uleb = unsigned LEB128, sleb = zig-zag LEB128):
 *   INT_U uleb value           INT_S sleb value        F64  8 bytes IEEE double
 *   NULL                       UNREADABLE uleb address
 *   PTR   uleb address NODE    (the pointee)
 *   BYTES u8 flags uleb total uleb stored, stored bytes
 *   STR   u8 flags u8 unit (1/2/4) uleb stored_bytes, bytes (no terminator)
 *   STRUCT uleb n, n x (uleb field index NODE)
 *   ARRAY uleb total uleb stored, stored x NODE
 *   FMT   NODE (STR or UNREADABLE: the format) uleb n, n x NODE (the varargs;
 *         the last may be FMT_STOP, or UNREADABLE at a value's slot, or its
 *         va_list, that could not be read: the values end there)
 *   FMT_AT uleb address, then as FMT: the format at that address (FMT, which
 *         older agents wrote, does not say where the format was)
 *   STR_AT uleb address, then a STR node: a format's %s or %ls
 *         value and where it was (STR, which older agents wrote there, does
 *         not say where a string cut by unreadable memory stopped)
 *   FMT_STOP u8 why: the format's values were decoded up to here only
 *         (OSPY_VB_FMT_MORE: more than the cap of 32; _POSITIONAL: %1$s
 *         arguments, not decoded; _UNKNOWN: a conversion not known)
 *   DYN   uleb type index NODE (Dynamic: the type chosen at run time)
 *   SKIP  (the value's logCondition was false or a size faulted)
 *   BAD_SIZE uleb address sleb size: a buffer or array at address (a pointer's
 *         value, or a structure field's address) not read: its size or
 *         elementCount, of a signed type, was negative (`size`)
 *   NOT_FOLLOWED u8 why uleb address: what lies at address (a pointer's value,
 *         or a structure or array's own address) was not recorded:
 *         OSPY_VB_NO_ROOM, the blob had no room left for it (the arguments
 *         after it keep theirs); OSPY_VB_DEPTH_LIMIT, it is nested deeper
 *         than OSPY_VB_MAX_DEPTH (a list whose next points to itself);
 *         OSPY_VB_NOT_LOGGED, an entry of a leave blob only: an out or
 *         in/out pointer argument whose logCondition did not hold at return,
 *         its value alone (oSpy wrote every parameter's address; readers
 *         that show values leave such an argument out, as if not recorded)
 * flags: OSPY_VB_CAPPED (stopped at the value cap: `total` counts all),
 *        OSPY_VB_CUT (stopped by unreadable memory at address + stored).
 * A writer that runs out of room writes what is left of an argument as its
 * scalar value or NOT_FOLLOWED at its address; when not even that fits, it
 * ends the blob with OSPY_VB_END_TRUNCATED (the arguments after it missing).
 */
#ifndef OSPY_PLAN_VALUES_FORMAT_H
#define OSPY_PLAN_VALUES_FORMAT_H

#define OSPY_VB_MAGIC 'V'
#define OSPY_VB_VERSION 1
#define OSPY_VB_PHASE_ENTER 1
#define OSPY_VB_PHASE_LEAVE 2
#define OSPY_VB_HEADER_SIZE 4
#define OSPY_VB_F_TRUNCATED 0x1
#define OSPY_VB_RETVAL 0xff
#define OSPY_VB_END_TRUNCATED 0xfe /* in place of an entry index */

enum ospy_vb_tag {
  OSPY_VB_INT_U = 1,
  OSPY_VB_INT_S,
  OSPY_VB_F64,
  OSPY_VB_NULL,
  OSPY_VB_UNREADABLE,
  OSPY_VB_PTR,
  OSPY_VB_BYTES,
  OSPY_VB_STR,
  OSPY_VB_STRUCT,
  OSPY_VB_ARRAY,
  OSPY_VB_FMT,
  OSPY_VB_DYN,
  OSPY_VB_SKIP,
  OSPY_VB_BAD_SIZE,
  OSPY_VB_FMT_STOP,
  OSPY_VB_FMT_AT,
  OSPY_VB_STR_AT,
  OSPY_VB_NOT_FOLLOWED,
};

/* FMT_STOP reasons */
#define OSPY_VB_FMT_MORE 1
#define OSPY_VB_FMT_POSITIONAL 2
#define OSPY_VB_FMT_UNKNOWN 3

/* NOT_FOLLOWED reasons */
#define OSPY_VB_NO_ROOM 1
#define OSPY_VB_DEPTH_LIMIT 2
#define OSPY_VB_NOT_LOGGED 3

#define OSPY_VB_CAPPED 0x1
#define OSPY_VB_CUT 0x2

/* Nesting limit for pointers/structures/arrays, on both sides. */
#define OSPY_VB_MAX_DEPTH 8

#endif
