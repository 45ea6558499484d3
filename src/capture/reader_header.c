/* A capture's header as the reader takes it (docs/capture-format.md,
 * "Reading a damaged capture"): checked by its CRC and, when that fails,
 * mended where the damage can be found. No event is in the header, and each
 * chunk after it carries its own checks: a damaged header costs at most the
 * names and types its plan gives the calls, never the chunks. */
#include "capture/reader_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture/crc32c.h"
#include "capture/file_format.h"

/* A magic this many bits or fewer away from OSPYCAPT is a capture's,
 * damaged (and the file is searched for its chunks); farther, the file is
 * something else (a text, an .osd dump, a block of zeros). */
#define MAGIC_NEAR_BITS 4

#define META_AT OSPY_CAP_HEADER_FIXED
#define VERSION_AT 8u
#define LENGTH_AT 12u

static void put32(uint8_t *p, uint32_t v)
{
  for (int i = 0; i < 4; i++)
    p[i] = (uint8_t)(v >> (8 * i));
}

static int bits_apart(const uint8_t *a, const uint8_t *b, size_t n)
{
  int bits = 0;
  for (size_t i = 0; i < n; i++)
    bits += __builtin_popcount((unsigned)(a[i] ^ b[i]));
  return bits;
}

static void copy_str(char *dst, size_t cap, const uint8_t *src, size_t n)
{
  n = n < cap - 1 ? n : cap - 1;
  memcpy(dst, src, n);
  dst[n] = 0;
}

/* Appends to a message built in place. */
static void say(char *msg, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void say(char *msg, size_t cap, const char *fmt, ...)
{
  size_t n = strlen(msg);
  if (n + 1 >= cap)
    return;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg + n, cap - n, fmt, ap);
  va_end(ap);
}

/* ---- metadata entries: u16 tag, u16 0, u32 len, bytes padded to 4 ---- */

typedef struct meta_iter {
  const uint8_t *m;
  size_t len, off;
} meta_iter;

/* 1 with the next entry, 0 at the end, -1 when the entry at it->off runs
 * past the metadata (it->off stays there). */
static int meta_next(meta_iter *it, uint16_t *tag, const uint8_t **v, uint32_t *n)
{
  if (it->off >= it->len)
    return 0;
  if (it->len - it->off < 8)
    return -1;
  const uint8_t *e = it->m + it->off;
  uint32_t len = ospy_cap_get32(e + 4);
  if (len > it->len - it->off - 8)
    return -1;
  *tag = (uint16_t)(e[0] | e[1] << 8);
  *n = len;
  *v = e + 8;
  it->off += 8 + (((size_t)len + 3) & ~(size_t)3);
  if (it->off > it->len)
    it->off = it->len; /* the last entry's padding may be missing */
  return 1;
}

static const char *tag_name(uint16_t tag)
{
  switch (tag) {
  case OSPY_META_VERSION: return "the ospy version";
  case OSPY_META_HOST: return "the host";
  case OSPY_META_START: return "the start time";
  case OSPY_META_CMDLINE: return "the command line";
  case OSPY_META_PLAN: return "the plan";
  case OSPY_META_MODE: return "the mode";
  default: return NULL;
  }
}

static void take_entry(ospy_capfile_info *info, uint16_t tag, const uint8_t *v, uint32_t n)
{
  switch (tag) {
  case OSPY_META_VERSION: copy_str(info->version, sizeof info->version, v, n); break;
  case OSPY_META_HOST: copy_str(info->host, sizeof info->host, v, n); break;
  case OSPY_META_MODE: copy_str(info->mode, sizeof info->mode, v, n); break;
  case OSPY_META_CMDLINE: info->cmdline = (const char *)v; info->cmdline_len = n; break;
  case OSPY_META_PLAN: info->plan = v; info->plan_len = n; break;
  case OSPY_META_START:
    if (n == 8)
      info->start_ns = (uint64_t)ospy_cap_get32(v) | (uint64_t)ospy_cap_get32(v + 4) << 32;
    break;
  default: break; /* unknown tags are skipped: newer writers may add some */
  }
}

/* Fills info from the entries of meta (len bytes). Returns where they stop
 * parsing: len when all do, else the offset in meta of the entry that runs
 * past it (what follows is lost). */
static size_t parse_meta(ospy_capfile_info *info, const uint8_t *meta, size_t len)
{
  meta_iter it = { meta, len, 0 };
  uint16_t tag;
  const uint8_t *v;
  uint32_t n;
  int rc;
  while ((rc = meta_next(&it, &tag, &v, &n)) > 0)
    take_entry(info, tag, v, n);
  return rc < 0 ? it.off : len;
}

/* Where in a header of hlen bytes (its checksum the last 4) offset `at`
 * lies, for a message: "its format version", "the plan", "the padding after
 * the host"... */
static void describe_place(const uint8_t *hb, uint64_t hlen, uint64_t at, char *out, size_t cap)
{
  if (at < VERSION_AT || at >= hlen - 4 || at < META_AT) {
    snprintf(out, cap, "%s", at < VERSION_AT ? "its magic" : at < LENGTH_AT ? "its format version"
                             : at < META_AT ? "its length" : "its checksum");
    return;
  }
  meta_iter it = { hb + META_AT, (size_t)(hlen - 4 - META_AT), 0 };
  size_t rel = (size_t)(at - META_AT);
  uint16_t tag;
  const uint8_t *v;
  uint32_t n;
  snprintf(out, cap, "its metadata");
  for (size_t start = 0; meta_next(&it, &tag, &v, &n) > 0; start = it.off) {
    if (rel >= it.off)
      continue;
    char unknown[32];
    const char *name = tag_name(tag);
    if (!name)
      snprintf(unknown, sizeof unknown, "the entry of tag %u", tag);
    name = name ? name : unknown;
    if (rel < start + 8)
      snprintf(out, cap, "the %s word of %s%s", rel < start + 4 ? "tag" : "length", name,
               tag_name(tag) ? "'s entry" : "");
    else
      snprintf(out, cap, rel < start + 8 + n ? "%s" : "the padding after %s", name);
    return;
  }
}

/* ---- reading ---- */

/* What a file that is not a capture may be instead, and how to read it. */
static const char *other_kind_hint(const uint8_t *b, size_t n)
{
  if (n >= 4 && !memcmp(b, "oSpy", 4))
    return ": it is an oSpy .osd dump: read it with `ospy import` (to jsonl, xml, ...)";
  if (n >= 3 && !memcmp(b, "BZh", 3))
    return ": it is bzip2-compressed: an old oSpy .osd dump is read with `ospy import`";
  return "";
}

/* The fixed part: magic, version, length. -1 with err when the file is
 * not a capture, or too short to be read as one. *magic_ok: the magic is
 * exact (else it is a damaged one, a few bits apart). */
static int read_fixed(int fd, const char *path, uint64_t size, uint8_t fixed[META_AT],
                      int *magic_ok, char *err, size_t errcap)
{
  size_t have = size < META_AT ? (size_t)size : META_AT;
  if (!have) {
    snprintf(err, errcap, "%s: not an ospy capture (empty file)", path);
    return -1;
  }
  if (have < 8) {
    snprintf(err, errcap, "%s: not an ospy capture (%zu byte%s, shorter than the magic)", path,
             have, have == 1 ? "" : "s");
    return -1;
  }
  memset(fixed, 0, META_AT);
  int read_ok = ospy_cap_read_at(fd, fixed, have, 0) == 0;
  *magic_ok = read_ok && !memcmp(fixed, OSPY_CAP_MAGIC, 8);
  int near = read_ok && bits_apart(fixed, (const uint8_t *)OSPY_CAP_MAGIC, 8) <= MAGIC_NEAR_BITS;
  if (!*magic_ok && (!near || have < META_AT)) {
    snprintf(err, errcap, "%s: not an ospy capture (bad magic at offset 0)%s", path,
             other_kind_hint(fixed, have));
    return -1;
  }
  if (have < META_AT) {
    snprintf(err, errcap,
             "%s: capture cut short in its header: %zu bytes, less than its %u-byte fixed part",
             path, have, META_AT);
    return -1;
  }
  return 0;
}

/* The header as its length says, when its checksum matches: 1 (h->bytes
 * holds it), else 0. */
static int header_checks(int fd, uint64_t size, const uint8_t fixed[META_AT], ospy_cap_header *h)
{
  uint32_t len = ospy_cap_get32(fixed + LENGTH_AT);
  if (len > OSPY_CAP_MAX_META || (uint64_t)len + META_AT + 4 > size)
    return 0;
  size_t hlen = (size_t)len + META_AT + 4;
  if (!(h->bytes = malloc(hlen)) || ospy_cap_read_at(fd, h->bytes, hlen, 0) < 0)
    return 0;
  h->chunks_at = hlen;
  return ospy_crc32c(0, h->bytes, hlen - 4) == ospy_cap_get32(h->bytes + hlen - 4);
}

/* A header whose checksum does not match, as far as it was mended. */
typedef struct header_mend {
  uint64_t end;          /* where it ends: its first chunk (or, with none, where its length says) */
  uint8_t magic_said[8]; /* the magic and length as read, before they were put right */
  uint32_t len_said;
  int chunk_found;       /* a chunk follows it (else it ends where its length says) */
  int mended;            /* its checksum matches after the mending: it is as written */
  int bit_found;         /* ... thanks to one flipped bit the checksum found, at bit */
  uint64_t bit;
  size_t meta_stop;      /* not mended: where its metadata stops parsing */
} header_mend;

/* Where the header ends: at its first chunk, which the header's length
 * should name but may not (damaged). With no chunk: where the length says,
 * when the file has that much. -1 with err (its header is cut short, or
 * says a length no header has). */
static int find_header_end(int fd, const char *path, uint64_t size, header_mend *m, char *err,
                           size_t errcap)
{
  uint64_t chunk = ospy_cap_find_chunk(fd, size, META_AT + 4);
  if (chunk < size && chunk - META_AT - 4 <= OSPY_CAP_MAX_META) {
    m->end = chunk;
    m->chunk_found = 1;
    return 0;
  }
  if (m->len_said > OSPY_CAP_MAX_META)
    snprintf(err, errcap, "%s: header length %u at offset 12 exceeds the largest header (%u)",
             path, m->len_said, OSPY_CAP_MAX_META);
  else if ((uint64_t)m->len_said + META_AT + 4 > size)
    snprintf(err, errcap, "%s: capture cut short in its header: %llu bytes of %llu", path,
             (unsigned long long)size, (unsigned long long)m->len_said + META_AT + 4);
  else {
    m->end = (uint64_t)m->len_said + META_AT + 4;
    return 0;
  }
  return -1;
}

/* Puts right what is known (the magic; the length, from where the first
 * chunk starts) and asks the checksum for one flipped bit elsewhere: in
 * its own 32 bits (the header intact) or in what it covers (put back). */
static void mend(uint8_t *hb, header_mend *m)
{
  uint64_t crc_at = m->end - 4;
  memcpy(hb, OSPY_CAP_MAGIC, 8);
  put32(hb + LENGTH_AT, (uint32_t)(m->end - META_AT - 4));
  uint32_t stored = ospy_cap_get32(hb + crc_at);
  uint32_t change = ospy_crc32c(0, hb, (size_t)crc_at) ^ stored;
  if (!change) {
    m->mended = 1;
  } else if (!(change & (change - 1))) { /* one bit of the checksum itself */
    m->mended = m->bit_found = 1;
    m->bit = crc_at * 8 + (uint64_t)__builtin_ctz(change);
  } else if (ospy_crc32c_flipped_bit(hb, (size_t)crc_at, stored, &m->bit)) {
    hb[m->bit / 8] ^= (uint8_t)(1u << (m->bit % 8));
    m->mended = m->bit_found = 1;
  }
}

/* "one bit flipped at offset 3 (in its magic)", "3 bits flipped at
 * offsets 12-13 (in its length...)": a field at offset `at` of n bytes,
 * as read (said) and as put right. */
static void say_field(char *msg, size_t cap, const char *sep, const uint8_t *said,
                      const uint8_t *right, unsigned at, unsigned n, const char *field)
{
  unsigned first = 0, last = n - 1;
  while (said[first] == right[first])
    first++;
  while (said[last] == right[last])
    last--;
  int bits = bits_apart(said, right, n);
  if (bits == 1)
    say(msg, cap, "%sone bit flipped at offset %u (in %s)", sep, at + first, field);
  else if (first == last)
    say(msg, cap, "%s%d bits flipped at offset %u (in %s)", sep, bits, at + first, field);
  else
    say(msg, cap, "%s%d bits flipped at offsets %u-%u (in %s)", sep, bits, at + first, at + last,
        field);
}

/* What was wrong with the magic and the length, both put right; sep
 * before the first thing said. */
static void say_known_fields(char *msg, size_t cap, const char *sep, const uint8_t *hb,
                             const header_mend *m)
{
  if (memcmp(m->magic_said, hb, 8)) {
    say_field(msg, cap, sep, m->magic_said, hb, 0, 8, "its magic");
    sep = "; ";
  }
  uint8_t len_said[4];
  put32(len_said, m->len_said);
  if (memcmp(len_said, hb + LENGTH_AT, 4)) {
    char field[160];
    snprintf(field, sizeof field,
             "its length: it said %u, its first chunk at offset %llu makes it %u", m->len_said, (unsigned long long)m->end, ospy_cap_get32(hb + LENGTH_AT));
    say_field(msg, cap, sep, len_said, hb + LENGTH_AT, LENGTH_AT, 4, field);
  }
}

static void say_mended(char *msg, size_t cap, const uint8_t *hb, const header_mend *m)
{
  say_known_fields(msg, cap, "", hb, m);
  if (m->bit_found) {
    char place[96];
    describe_place(hb, m->end, m->bit / 8, place, sizeof place);
    say(msg, cap, "%sone bit flipped at offset %llu (in %s)", msg[0] ? "; " : "",
        (unsigned long long)(m->bit / 8), place);
  }
  say(msg, cap, "; mended: its checksum matches now");
}

/* The entries of the metadata a reader uses that a header not mended lacks. */
static void say_missing(char *msg, size_t cap, const ospy_capfile_info *info)
{
  const char *sep = ": no ";
  if (!info->plan_len) {
    say(msg, cap, "%splan (functions are named hook#N)", sep);
    sep = ", no ";
  }
  if (!info->cmdline_len) {
    say(msg, cap, "%scommand line", sep);
    sep = ", no ";
  }
  if (!info->start_ns)
    say(msg, cap, "%sstart time", sep);
}

static void say_not_mended(char *msg, size_t cap, const uint8_t *hb, const header_mend *m,
                           const ospy_capfile_info *info)
{
  say(msg, cap, "its checksum (offset %llu) does not match, and no one flipped bit explains it: "
      "its start time, host, command line and plan (the functions' names and argument types) "
      "may be wrong", (unsigned long long)(m->end - 4));
  say_known_fields(msg, cap, "; ", hb, m);
  uint32_t version = ospy_cap_get32(hb + VERSION_AT);
  if (version < 1 || version > OSPY_CAP_VERSION)
    say(msg, cap, "; its format version (%u, offset 8) is unknown: its chunks are read as "
        "version %u's", version, OSPY_CAP_VERSION);
  if (m->meta_stop < m->end - META_AT - 4) {
    say(msg, cap, "; its metadata stops parsing at offset %llu",
        (unsigned long long)(META_AT + m->meta_stop));
    say_missing(msg, cap, info);
  }
  say(msg, cap, "; its chunks are read from offset %llu on", (unsigned long long)m->end);
}

/* The header of a capture whose checksum did not match at the place its
 * length says: read up to the first chunk, mended where the damage is
 * found, else taken as it is, its damage said. */
static int read_damaged(int fd, const char *path, uint64_t size, const uint8_t fixed[META_AT],
                        int magic_ok, ospy_capfile_info *info, ospy_cap_header *h, char *err,
                        size_t errcap)
{
  header_mend m = { .len_said = ospy_cap_get32(fixed + LENGTH_AT) };
  memcpy(m.magic_said, fixed, 8);
  free(h->bytes);
  h->bytes = NULL;
  if (find_header_end(fd, path, size, &m, err, errcap) < 0) {
    if (!magic_ok) /* nothing says it is a capture */
      snprintf(err, errcap, "%s: not an ospy capture (bad magic at offset 0)", path);
    return -1;
  }
  if (!(h->bytes = malloc((size_t)m.end)) || ospy_cap_read_at(fd, h->bytes, (size_t)m.end, 0) < 0) {
    snprintf(err, errcap, "%s: cannot read the header", path);
    return -1;
  }
  h->chunks_at = m.end;
  mend(h->bytes, &m);
  if (!magic_ok && !m.mended && !m.chunk_found) { /* neither its checksum nor a chunk: no capture */
    snprintf(err, errcap, "%s: not an ospy capture (bad magic at offset 0)", path);
    return -1;
  }
  uint32_t version = ospy_cap_get32(h->bytes + VERSION_AT);
  if (m.mended && (version < 1 || version > OSPY_CAP_VERSION)) { /* as written: a newer format */
    snprintf(err, errcap, "%s: unsupported capture version %u at offset 8", path, version);
    return -1;
  }
  size_t meta_len = (size_t)(m.end - META_AT - 4);
  m.meta_stop = parse_meta(info, h->bytes + META_AT, meta_len);
  if (m.mended && m.meta_stop < meta_len) {
    snprintf(err, errcap, "%s: metadata entry overruns the header at offset %zu", path,
             META_AT + m.meta_stop);
    return -1;
  }
  snprintf(h->damage, sizeof h->damage, "%s: damaged header: ", path);
  size_t prefix = strlen(h->damage);
  char *what = h->damage + prefix;
  size_t cap = sizeof h->damage - prefix;
  if (m.mended)
    say_mended(what, cap, h->bytes, &m);
  else
    say_not_mended(what, cap, h->bytes, &m, info);
  return 0;
}

int ospy_cap_header_read(int fd, const char *path, uint64_t size, ospy_capfile_info *info,
                         ospy_cap_header *h, char *err, size_t errcap)
{
  uint8_t fixed[META_AT];
  int magic_ok;
  memset(h, 0, sizeof *h);
  if (read_fixed(fd, path, size, fixed, &magic_ok, err, errcap) < 0)
    return -1;
  if (!magic_ok || !header_checks(fd, size, fixed, h))
    return read_damaged(fd, path, size, fixed, magic_ok, info, h, err, errcap);
  uint32_t version = ospy_cap_get32(fixed + VERSION_AT);
  if (version < 1 || version > OSPY_CAP_VERSION) {
    snprintf(err, errcap, "%s: unsupported capture version %u at offset 8", path, version);
    return -1;
  }
  size_t meta_len = (size_t)(h->chunks_at - META_AT - 4);
  size_t stop = parse_meta(info, h->bytes + META_AT, meta_len);
  if (stop < meta_len) {
    snprintf(err, errcap, "%s: metadata entry overruns the header at offset %zu", path,
             META_AT + stop);
    return -1;
  }
  return 0;
}
