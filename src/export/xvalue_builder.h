/* Builds ospy_xvalue trees node by node, for decoders that walk values
 * depth-first (a values-blob visitor): open a node, add bytes or children,
 * close it. Everything lives in the caller's arena (reset per event).
 *
 *   ospy_xb_init(&b, &arena);
 *   ospy_xb_open(&b, "addr", "Pointer", NULL, "0x7ffd1000");
 *     ospy_xb_open(&b, NULL, "Struct", "sockaddr_in", NULL);
 *       ospy_xb_open(&b, "sin_port", "UInt16", NULL, "80"); ospy_xb_close(&b);
 *     ospy_xb_close(&b);
 *   ospy_xb_close(&b);
 *   ospy_xb_begin_return(&b); ospy_xb_open(&b, NULL, "Int32", NULL, "0"); ospy_xb_close(&b);
 *   ospy_xb_finish(&b, &args, &nargs, &retval);
 */
#ifndef OSPY_EXPORT_XVALUE_BUILDER_H
#define OSPY_EXPORT_XVALUE_BUILDER_H

#include <stddef.h>
#include <stdint.h>

#include "export/arena.h"
#include "export/export_event.h"

typedef struct ospy_xb_node ospy_xb_node;

typedef struct ospy_xbuilder {
  ospy_arena *arena;
  ospy_xb_node *root;    /* top-level arguments */
  ospy_xb_node *ret;     /* holder of the return value */
  ospy_xb_node *open;    /* innermost open node */
  int failed;            /* out of memory, or open/close unbalanced */
  /* What descriptor fd of the call's process refers to (NULL: unknown), for
   * decoders that name descriptors; NULL: no names. */
  const char *(*fd_name)(void *ctx, int64_t fd);
  void *fd_ctx;
} ospy_xbuilder;

void ospy_xb_init(ospy_xbuilder *b, ospy_arena *arena);
/* Opens a value as the next child of the open node (top level: the next
 * argument). Strings are copied; name/subtype/text may be NULL. */
void ospy_xb_open(ospy_xbuilder *b, const char *name, const char *type,
                  const char *subtype, const char *text);
/* ByteArray content of the open node; total > n marks it truncated. */
void ospy_xb_bytes(ospy_xbuilder *b, const void *p, size_t n, uint64_t total);
void ospy_xb_unreadable(ospy_xbuilder *b, uint64_t addr);
/* The open node (a Pointer) points to what was not read: its size or count
 * was negative. */
void ospy_xb_bad_size(ospy_xbuilder *b, int64_t size);
/* The open node was not recorded, or not followed, and why ("no room",
 * "depth limit": a static string). */
void ospy_xb_not_recorded(ospy_xbuilder *b, const char *why);
/* The open node is a descriptor referring to name (copied). */
void ospy_xb_fd_name(ospy_xbuilder *b, const char *name);
/* Sets export_event.h flags on the open node. */
void ospy_xb_flags(ospy_xbuilder *b, uint32_t flags);
/* The open node's text is the start of a longer value of unknown length
 * (a string cut at the capture's value cap). */
void ospy_xb_cut(ospy_xbuilder *b);
/* The open node holds the first part of `total` (elements of an array that
 * ran into unreadable memory). */
void ospy_xb_total(ospy_xbuilder *b, uint64_t total);
/* The open node is a Flags value: its number in hex (the text holds the
 * member names); or an Enum's negative value: its hex at its width (the text
 * holds the decimal). */
void ospy_xb_number(ospy_xbuilder *b, const char *number);
/* The open node is a format string: the text it printed (NULL: not known)
 * and its address (0: not known). */
void ospy_xb_format(ospy_xbuilder *b, const char *printed, uint64_t addr);
void ospy_xb_close(ospy_xbuilder *b);
/* The next top-level value opened is the return value. */
void ospy_xb_begin_return(ospy_xbuilder *b);
/* The top-level arguments and the return value (NULL if none); -1 when
 * building failed. */
int ospy_xb_finish(ospy_xbuilder *b, const ospy_xvalue **args, size_t *nargs,
                   const ospy_xvalue **retval);

#endif
