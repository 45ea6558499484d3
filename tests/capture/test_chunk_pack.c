/* Chunk packing (capture/chunk_pack.h): records of every size round-trip
 * byte for byte; call-like records shrink; damaged input of every kind is
 * refused with a reason, never read or written out of bounds (ASan build). */
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

int main(void)
{
  uint8_t *raw = malloc(CHUNK_CAP), *packed = malloc(2 * CHUNK_CAP), *out = malloc(CHUNK_CAP);
  CHECK(raw && packed && out);
  test_calls(raw, packed, out);
  test_random(raw, packed, out);
  test_damage(raw, packed, out);
  free(raw);
  free(packed);
  free(out);
  puts("chunk_pack: ok");
  return 0;
}
