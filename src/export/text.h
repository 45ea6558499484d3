/* Text encoding shared by the XML and JSON writers and the .osd reader.
 *
 * Invalid input text: XML 1.0 cannot carry most C0 control characters nor
 * malformed UTF-8, and JSON must be valid UTF-8. Both writers replace each
 * byte that does not start a valid UTF-8 sequence, and (XML only) each
 * control character other than TAB, LF and CR plus U+FFFE/U+FFFF, with
 * U+FFFD. TAB/LF/CR are kept exactly (as character references where a
 * parser would otherwise normalise them). Bytes that matter should be
 * exported as ByteArray values, which are base64 and lossless. */
#ifndef OSPY_EXPORT_TEXT_H
#define OSPY_EXPORT_TEXT_H

#include <stddef.h>
#include <stdint.h>

#include "export/sink.h"

/* Decodes one UTF-8 sequence from s (n > 0 bytes available); returns its
 * length and sets *cp, or returns 0 when s does not start a valid sequence
 * (overlong, surrogate, beyond U+10FFFF, truncated). */
size_t ospy_utf8_decode(const unsigned char *s, size_t n, uint32_t *cp);

/* n less the bytes of an incomplete UTF-8 sequence at the end of s (a lead
 * byte and fewer continuation bytes than it announces): the length of a
 * string cut at a byte count (the value cap) up to its last whole
 * character, so that the cut half of one does not become U+FFFD. */
size_t ospy_utf8_whole_len(const char *s, size_t n);

/* XML-escapes str; in_attr selects attribute rules (quotes, TAB, LF). */
void ospy_xml_escape(ospy_sink *out, const char *str, int in_attr);
/* The same for the first n bytes of str. */
void ospy_xml_escape_n(ospy_sink *out, const char *str, size_t n, int in_attr);
/* Writes str as a JSON string literal, quotes included. */
void ospy_json_string(ospy_sink *out, const char *str);
/* The same for the first n bytes of str. */
void ospy_json_string_n(ospy_sink *out, const char *str, size_t n);

/* Numbers without printf (an export writes several per event, and printf's
 * format parsing was most of a JSON Lines export): v in decimal, or with hex
 * as "0x" and lower-case digits, written into the bytes just before end;
 * returns how many (at most OSPY_TEXT_DIGITS_MAX). */
#define OSPY_TEXT_DIGITS_MAX 20
size_t ospy_text_digits(char *end, uint64_t v, int hex);
void ospy_sink_u64(ospy_sink *out, uint64_t v);
void ospy_sink_i64(ospy_sink *out, int64_t v);
void ospy_sink_hex64(ospy_sink *out, uint64_t v);

void ospy_base64_encode(ospy_sink *out, const uint8_t *p, size_t n);
/* Decodes base64 text (whitespace ignored, padding required) into out, which
 * must hold at least 3 * (strlen(text) / 4) bytes. Returns the length, or
 * (size_t)-1 when the text is not valid base64. */
size_t ospy_base64_decode(const char *text, uint8_t *out);

#endif
