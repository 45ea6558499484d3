/* Chunk packing (capture/chunk_pack.h): records of every size round-trip
 * byte for byte; call-like records shrink; damaged input of every kind is
 * refused with a reason, never read or written out of bounds (ASan build);
 * a chunk cut short gives back the whole records before the cut. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture/chunk_pack.h"
#include "capture/event.h"
#include "check.h"

#define CHUNK_CAP (1u << 20)

static uint64_t rng = 88172645463325252ull;
static uint64_t next_rand(void)
{
  rng ^= rng << 13;
  rng ^= rng >> 7;
  rng ^= rng << 17;
  return rng;
}

/* A FunctionCall-like record: the fields a hooked call changes from one call
 * to the next change a little, the rest stays. */
static size_t make_call(uint8_t *out, uint64_t i)
{
  uint8_t buf[128];
  ospy_event_call *c = (ospy_event_call *)buf;
  memset(buf, 0, sizeof buf);
  c->h = (ospy_event_hdr){ sizeof buf, OSPY_EV_CALL, 1, 4711, (uint32_t)(4711 + i % 2), 1000000 + i * 97 };
  c->seq = i;
  c->ts_leave = c->h.ts + 40 + i % 7;
  c->ret_addr = 0x7f0012345678;
  c->retval = i + 1;
  c->hook = 3;
  c->enter_len = 48;
  uint64_t args[6] = { i, 1, 0, 0x7f0000001006, 0, 0x7ffc00001d47 };
  memcpy(c + 1, args, sizeof args);
  memcpy(out, buf, sizeof buf);
  return sizeof buf;
}

/* Any record: size word set, the rest random or a small change of the last
 * record of that size. */
static size_t make_any(uint8_t *out, uint8_t *last[], size_t words_max)
{
  size_t words = 1 + next_rand() % words_max;
  size_t len = words * 8;
  uint8_t *prev = last[words % 64];
  if (prev && next_rand() % 3) {
    uint32_t prev_len;
    memcpy(&prev_len, prev, 4);
    if (prev_len == len) {
      memcpy(out, prev, len);
      size_t w = next_rand() % words;
      if (w) {
        uint64_t v;
        memcpy(&v, out + w * 8, 8);
        v += (next_rand() % 5) - 2 + (next_rand() % 50 == 0 ? next_rand() : 0);
        memcpy(out + w * 8, &v, 8);
      }
      last[words % 64] = out;
      return len;
    }
  }
  for (size_t k = 0; k < len; k++)
    out[k] = (uint8_t)next_rand();
  uint32_t size = (uint32_t)len;
  memcpy(out, &size, 4);
  last[words % 64] = out;
  return len;
}

static size_t pack_all(const uint8_t *raw, size_t raw_len, uint8_t *packed)
{
  static ospy_chunk_packer p;
  ospy_chunk_packer_reset(&p);
  size_t off = 0, n = 0;
  while (off < raw_len) {
    uint32_t len;
    memcpy(&len, raw + off, 4);
    n += ospy_chunk_pack(&p, raw + off, len, packed + n);
    off += len;
  }
  return n;
}

static void round_trip(const uint8_t *raw, size_t raw_len, uint8_t *packed, uint8_t *out)
{
  size_t n = pack_all(raw, raw_len, packed);
  const char *why = NULL;
  CHECK(ospy_chunk_unpack(packed, n, out, raw_len, &why) == 0);
  CHECK(memcmp(out, raw, raw_len) == 0);
}

static void test_calls(uint8_t *raw, uint8_t *packed, uint8_t *out)
{
  size_t len = 0;
  for (uint64_t i = 0; i < 4000; i++)
    len += make_call(raw + len, i);
  size_t n = pack_all(raw, len, packed);
  printf("4000 call records: %zu bytes packed to %zu\n", len, n);
  CHECK(n * 5 < len); /* deltas of a few bytes each */
  round_trip(raw, len, packed, out);
}

static void test_random(uint8_t *raw, uint8_t *packed, uint8_t *out)
{
  for (int round = 0; round < 200; round++) {
    uint8_t *last[64] = { 0 };
    size_t len = 0, words_max = round % 2 ? 40 : 6;
    while (len < 60000) /* records up to 320 bytes: some never delta-coded */
      len += make_any(raw + len, last, words_max);
    round_trip(raw, len, packed, out);
  }
}

/* Every truncation and many single-byte changes of a packed chunk: either
 * refused with a reason, or (a change inside a value) unpacked to exactly
 * the chunk's size. ASan proves no access out of bounds. */
static void test_damage(uint8_t *raw, uint8_t *packed, uint8_t *out)
{
  uint8_t *last[64] = { 0 };
  size_t len = 0;
  for (uint64_t i = 0; i < 40; i++)
    len += i % 3 ? make_call(raw + len, i) : make_any(raw + len, last, 40);
  size_t n = pack_all(raw, len, packed);
  const char *why;
  for (size_t cut = 0; cut < n; cut++) {
    uint8_t *copy = malloc(cut ? cut : 1); /* exact size: ASan sees any overread */
    memcpy(copy, packed, cut);
    why = NULL;
    CHECK(ospy_chunk_unpack(copy, cut, out, len, &why) < 0 && why);
    free(copy);
  }
  int refused = 0;
  for (int k = 0; k < 20000; k++) {
    uint8_t *copy = malloc(n);
    memcpy(copy, packed, n);
    copy[next_rand() % n] ^= (uint8_t)(1u << (next_rand() % 8));
    uint8_t *dst = malloc(len);
    why = NULL;
    if (ospy_chunk_unpack(copy, n, dst, len, &why) < 0) {
      CHECK(why != NULL);
      refused++;
    }
    free(dst);
    free(copy);
  }
  printf("20000 bit flips: %d refused\n", refused);
  CHECK(refused > 0);
  /* a delta with no record of its size before it */
  uint8_t orphan[] = { 3 * 2 + 1, 0x01, 0x02 };
  why = NULL;
  CHECK(ospy_chunk_unpack(orphan, sizeof orphan, out, 24, &why) < 0);
  CHECK(strstr(why, "without a reference"));
  /* a literal whose size word says something else than its tag */
  uint8_t liar[1 + 16] = { 2 * 2, 24 };
  why = NULL;
  CHECK(ospy_chunk_unpack(liar, sizeof liar, out, 16, &why) < 0);
  CHECK(strstr(why, "disagrees"));
  /* output shorter than the chunk says */
  uint8_t one[1 + 8] = { 1 * 2, 8 };
  why = NULL;
  CHECK(ospy_chunk_unpack(one, sizeof one, out, 16, &why) < 0);
  CHECK(strstr(why, "shorter"));
}

/* A chunk cut at every byte of its packed form: the records whose packed
 * form ends before the cut come back byte for byte, the one cut is left
 * out, and damage a cut cannot explain is still refused (a chunk of a
 * capture whose writer was killed mid-write). */
static void test_cut(uint8_t *raw, uint8_t *packed, uint8_t *out)
{
  enum { NREC = 60 };
  uint8_t *last[64] = { 0 };
  size_t raw_end[NREC], packed_end[NREC], len = 0, n = 0;
  static ospy_chunk_packer p;
  ospy_chunk_packer_reset(&p);
  for (uint64_t i = 0; i < NREC; i++) {
    size_t r = i % 3 ? make_call(raw + len, i) : make_any(raw + len, last, 40);
    n += ospy_chunk_pack(&p, raw + len, r, packed + n);
    len += r;
    raw_end[i] = len;
    packed_end[i] = n;
  }
  const char *why;
  for (size_t cut = 0; cut <= n; cut++) {
    uint8_t *copy = malloc(cut ? cut : 1); /* exact size: ASan sees any overread */
    memcpy(copy, packed, cut);
    size_t whole = 0, got = (size_t)-1;
    while (whole < NREC && packed_end[whole] <= cut)
      whole++;
    why = NULL;
    CHECK(ospy_chunk_unpack_cut(copy, cut, out, len, &got, &why) == 0);
    CHECK(got == (whole ? raw_end[whole - 1] : 0) && memcmp(out, raw, got) == 0);
    free(copy);
  }
  printf("a chunk of %d records cut at each of its %zu packed bytes: the whole records "
         "before the cut unpacked\n", NREC, n);
  uint8_t orphan[] = { 2 * 2, 16, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 3 * 2 + 1, 0x01 };
  why = NULL;
  CHECK(ospy_chunk_unpack_cut(orphan, sizeof orphan, out, 64, &len, &why) < 0);
  CHECK(strstr(why, "without a reference"));
  uint8_t liar[1 + 8] = { 2 * 2, 24 }; /* cut inside a literal that disagrees: a cut */
  CHECK(ospy_chunk_unpack_cut(liar, sizeof liar, out, 64, &len, &why) == 0 && len == 0);
  uint8_t big[] = { 9 * 2, 72 }; /* a record past the chunk's raw length */
  why = NULL;
  CHECK(ospy_chunk_unpack_cut(big, sizeof big, out, 64, &len, &why) < 0);
  CHECK(strstr(why, "larger than the chunk"));
  printf("cut chunks: a delta without reference, a record past the chunk refused\n");
}

int main(void)
{
  uint8_t *raw = malloc(CHUNK_CAP), *packed = malloc(2 * CHUNK_CAP), *out = malloc(CHUNK_CAP);
  CHECK(raw && packed && out);
  test_calls(raw, packed, out);
  test_random(raw, packed, out);
  test_damage(raw, packed, out);
  test_cut(raw, packed, out);
  free(raw);
  free(packed);
  free(out);
  puts("chunk_pack: ok");
  return 0;
}
