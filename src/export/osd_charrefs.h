/* Character references to characters XML 1.0 forbids, made readable.
 *
 * oSpy's .NET XmlTextWriter wrote a control character of a string as a
 * character reference (ESC in a message or a string value: `&#x1B;`), and
 * its XmlTextReader read such files back. libxml2 refuses them
 * ("xmlParseCharRef: invalid xmlChar value 27"), so the .osd reader passes
 * the XML through this filter first: a reference, in text or an attribute
 * value, to a character XML 1.0 forbids (U+0000-U+001F but TAB, LF and CR;
 * a surrogate; U+FFFE, U+FFFF) becomes U+FFFD, the character ospy's writers
 * put in place of one they cannot write (docs/export-formats.md). The same
 * characters in comments, CDATA sections and processing instructions are
 * not references and stay as they are. A reference past U+10FFFF, or longer
 * than OSPY_CHARREF_MAX bytes (leading zeros), is left to libxml2 to refuse.
 * Fixed memory. */
#ifndef OSPY_EXPORT_OSD_CHARREFS_H
#define OSPY_EXPORT_OSD_CHARREFS_H

#include <stddef.h>

#define OSPY_CHARREF_MAX 32 /* "&#x" + digits + ";": the longest one replaced */

/* The source of the bytes: like read(2), n bytes at most into buf; 0 at the
 * end, -1 on an error. */
typedef int (*ospy_charrefs_source)(void *ctx, char *buf, int n);

typedef struct ospy_charrefs {
  ospy_charrefs_source src;
  void *ctx;
  int at_end;    /* the source said 0 */
  int markup;    /* where the bytes scanned so far end: text, or inside a
                    comment, CDATA section or processing instruction */
  int matched;   /* how much of the markup's opening or closing is seen */
  char opening[10]; /* text since the last '<' while it may open one */
  size_t pos;    /* buf[pos, ready): filtered, not delivered yet */
  size_t ready;  /* buf[ready, end): a reference not complete yet, held */
  size_t end;
  char buf[8192];
} ospy_charrefs;

void ospy_charrefs_init(ospy_charrefs *f, ospy_charrefs_source src, void *ctx);
/* Up to n filtered bytes; 0 at the end, -1 when the source failed. */
int ospy_charrefs_read(ospy_charrefs *f, char *out, int n);

#endif
