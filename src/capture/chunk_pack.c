/* Delta coding of a chunk's records before compression; see chunk_pack.h. */
#include "capture/chunk_pack.h"

#include <string.h>
#if defined(__SSE2__) && !defined(OSPY_PACK_SCALAR) /* OSPY_PACK_SCALAR: tests */
#define PACK_SSE2 1
#include <emmintrin.h>
#endif

#include "plan/leb128.h"

void ospy_chunk_packer_reset(ospy_chunk_packer *p)
{
  memset(p->words, 0, sizeof p->words);
}

static size_t pack_literal(const void *rec, size_t len, uint8_t *out)
{
  size_t n = ospy_leb128_put(out, (uint64_t)(len / 8) * 2);
  memcpy(out + n, rec, len);
  return n + len;
}

/* d[i] := w[i] - ref[i] and ref[i] := w[i] for words [from, words); returns
 * the map of the words that changed (bit i). */
static uint64_t delta_words_from(uint64_t *ref, const uint8_t *w, uint32_t from, uint32_t words,
                                 uint64_t *d)
{
  uint64_t changed = 0;
  for (uint32_t i = from; i < words; i++) {
    uint64_t v;
    memcpy(&v, w + i * 8, 8);
    d[i] = v - ref[i];
    ref[i] = v;
    changed |= (uint64_t)(d[i] != 0) << i;
  }
  return changed;
}

/* The same for every word. SSE2 takes two words a step: this runs for every
 * record the controller drains, and the word-at-a-time loop was the larger
 * part of its packing time. */
static uint64_t delta_words(uint64_t *ref, const uint8_t *w, uint32_t words, uint64_t *d)
{
  uint64_t changed = 0;
  uint32_t i = 0;
#if defined(PACK_SSE2)
  for (; i + 2 <= words; i += 2) {
    __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(w + i * 8));
    __m128i x = _mm_sub_epi64(v, _mm_loadu_si128((const __m128i *)(void *)(ref + i)));
    _mm_storeu_si128((__m128i *)(void *)(d + i), x);
    _mm_storeu_si128((__m128i *)(void *)(ref + i), v);
    /* a 64-bit lane is zero when both its 32-bit halves are */
    __m128i z = _mm_cmpeq_epi32(x, _mm_setzero_si128());
    z = _mm_and_si128(z, _mm_shuffle_epi32(z, _MM_SHUFFLE(2, 3, 0, 1)));
    changed |= (uint64_t)(_mm_movemask_pd(_mm_castsi128_pd(z)) ^ 3) << i;
  }
#endif
  return changed | delta_words_from(ref, w, i, words, d);
}

/* The delta form of w against ref into out, ref becoming w on the way: the
 * differences first, then only the changed words coded (most of a call's
 * words repeat its predecessor's). */
static size_t pack_delta(uint64_t *ref, const uint8_t *w, uint32_t words, uint8_t *out)
{
  uint64_t d[OSPY_PACK_DELTA_WORDS];
  size_t n = ospy_leb128_put(out, (uint64_t)words * 2 + 1);
  size_t map_at = n, map_len = (words + 7) / 8;
  uint64_t map = delta_words(ref, w, words, d);
  n += map_len;
  for (uint64_t m = map; m; m &= m - 1)
    n += ospy_leb128_put(out + n, ospy_zigzag((int64_t)d[__builtin_ctzll(m)]));
  for (size_t k = 0; k < map_len; k++)
    out[map_at + k] = (uint8_t)(map >> (8 * k));
  return n;
}

size_t ospy_chunk_pack(ospy_chunk_packer *p, const void *rec, size_t len, uint8_t *out)
{
  uint32_t words = (uint32_t)(len / 8);
  if (words > OSPY_PACK_DELTA_WORDS)
    return pack_literal(rec, len, out);
  uint32_t slot = words % OSPY_PACK_SLOTS;
  if (p->words[slot] != words) {
    p->words[slot] = words;
    memcpy(p->ref[slot], rec, len);
    return pack_literal(rec, len, out);
  }
  size_t n = pack_delta(p->ref[slot], rec, words, out);
  return n < len ? n : pack_literal(rec, len, out); /* all words changed: kept whole */
}

/* ---- unpacking: every input byte is untrusted ---- */

typedef struct unpacker {
  const uint8_t *in;
  size_t in_len, pos;
} unpacker;

/* What unpacking one record met: the record is whole, the input ended
 * inside it (a chunk cut short), or the input is not a packed chunk. */
enum { UNPACK_OK = 0, UNPACK_CUT = -1, UNPACK_BAD = -2 };

/* A varint of in: UNPACK_CUT when the input ends inside it, UNPACK_BAD
 * when it is longer than a 64-bit value's (ospy_leb128_get's -1 and -2). */
static int unpack_varint(unpacker *u, uint64_t *v)
{
  int rc = ospy_leb128_get(u->in, u->in_len, &u->pos, v);
  return rc == 0 ? UNPACK_OK : rc == -1 ? UNPACK_CUT : UNPACK_BAD;
}

static int unpack_delta(unpacker *u, const uint8_t *ref, uint8_t *dst, uint32_t words)
{
  size_t map_len = (words + 7) / 8;
  if (u->in_len - u->pos < map_len)
    return UNPACK_CUT;
  const uint8_t *map = u->in + u->pos;
  u->pos += map_len;
  for (uint32_t i = 0; i < words; i++) {
    uint64_t r, d = 0;
    memcpy(&r, ref + i * 8, 8);
    if ((map[i / 8] >> (i % 8)) & 1) {
      int rc = unpack_varint(u, &d);
      if (rc != UNPACK_OK)
        return rc;
      d = (uint64_t)ospy_unzigzag(d);
    }
    r += d;
    memcpy(dst + i * 8, &r, 8);
  }
  return UNPACK_OK;
}

/* The references of one chunk's unpacking: where the last record of each
 * size is in the output. */
typedef struct unpack_refs {
  size_t off[OSPY_PACK_SLOTS];
  uint32_t words[OSPY_PACK_SLOTS];
} unpack_refs;

/* One record into out + *o (room: out_cap - *o), *o advanced past it.
 * UNPACK_OK, UNPACK_CUT or UNPACK_BAD, with why. */
static int unpack_record(unpacker *u, unpack_refs *refs, uint8_t *out, size_t out_cap, size_t *o,
                         const char **why)
{
  uint64_t tag;
  int rc = unpack_varint(u, &tag);
  if (rc != UNPACK_OK) {
    *why = rc == UNPACK_CUT ? "packed record tag truncated" : "packed record tag too long";
    return rc;
  }
  uint64_t words = tag >> 1;
  if (words < 1 || words > (out_cap - *o) / 8) {
    *why = "packed record larger than the chunk";
    return UNPACK_BAD;
  }
  uint8_t *dst = out + *o;
  uint32_t slot = (uint32_t)(words % OSPY_PACK_SLOTS);
  if (tag & 1) {
    if (refs->words[slot] != words) {
      *why = "packed delta record without a reference";
      return UNPACK_BAD;
    }
    rc = unpack_delta(u, out + refs->off[slot], dst, (uint32_t)words);
    if (rc != UNPACK_OK) {
      *why = rc == UNPACK_CUT ? "packed delta record truncated" : "packed delta value too long";
      return rc;
    }
  } else {
    if (u->in_len - u->pos < words * 8) {
      *why = "packed literal record truncated";
      return UNPACK_CUT;
    }
    memcpy(dst, u->in + u->pos, words * 8);
    u->pos += words * 8;
  }
  uint32_t size;
  memcpy(&size, dst, 4);
  if (size != words * 8) {
    *why = "packed record's size word disagrees with its tag";
    return UNPACK_BAD;
  }
  if (words <= OSPY_PACK_DELTA_WORDS) {
    refs->words[slot] = (uint32_t)words;
    refs->off[slot] = *o;
  }
  *o += words * 8;
  return UNPACK_OK;
}

/* Every record of in into out, until the input ends or a record does not
 * unpack: *o the bytes of the whole records. */
static int unpack_records(const uint8_t *in, size_t in_len, uint8_t *out, size_t out_cap,
                          size_t *o, const char **why)
{
  unpacker u = { in, in_len, 0 };
  unpack_refs refs;
  memset(refs.words, 0, sizeof refs.words);
  *o = 0;
  while (u.pos < in_len) {
    int rc = unpack_record(&u, &refs, out, out_cap, o, why);
    if (rc != UNPACK_OK)
      return rc;
  }
  return UNPACK_OK;
}

int ospy_chunk_unpack(const uint8_t *in, size_t in_len, uint8_t *out, size_t out_len,
                      const char **why)
{
  size_t o;
  if (unpack_records(in, in_len, out, out_len, &o, why) != UNPACK_OK)
    return -1;
  if (o != out_len) {
    *why = "packed chunk shorter than its size";
    return -1;
  }
  return 0;
}

int ospy_chunk_unpack_cut(const uint8_t *in, size_t in_len, uint8_t *out, size_t out_cap,
                          size_t *out_len, const char **why)
{
  return unpack_records(in, in_len, out, out_cap, out_len, why) == UNPACK_BAD ? -1 : 0;
}
