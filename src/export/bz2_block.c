/* bzip2 blocks compressed apart and joined into one stream (bz2_block.h). */
#include "export/bz2_block.h"

#include <bzlib.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

void ospy_bz2_split_init(ospy_bz2_split *s, int level)
{
  s->nblock = 0;
  s->max = 100000u * (uint32_t)level - 19u;
  s->ch = 256;
  s->len = 0;
}

/* libbz2's ADD_CHAR_TO_BLOCK, counting only: a byte that ends the run being
 * read (another byte, or the run's 255th) puts that run in the block, 1-3
 * bytes as they are, 4-255 as 5; the block is full once it holds max bytes,
 * checked before the next byte is read. */
size_t ospy_bz2_split_scan(ospy_bz2_split *s, const uint8_t *p, size_t n)
{
  int ch = s->ch, len = s->len;
  uint32_t nblock = s->nblock;
  for (size_t i = 0; i < n; i++) {
    int c = p[i];
    if (c != ch || len == 255) {
      if (ch < 256)
        nblock += len < 4 ? (uint32_t)len : 5u;
      ch = c;
      len = 1;
      if (nblock >= s->max) {
        s->ch = ch;
        s->len = len;
        s->nblock = 0; /* p[i]'s run is the next block's */
        return i;
      }
    } else {
      len++;
    }
  }
  s->ch = ch;
  s->len = len;
  s->nblock = nblock;
  return n;
}

static uint32_t get_bits(const uint8_t *buf, uint64_t pos, unsigned n)
{
  uint32_t v = 0;
  for (unsigned k = 0; k < n; k++, pos++)
    v = v << 1 | ((buf[pos >> 3] >> (7 - (pos & 7))) & 1u);
  return v;
}

/* A stream of one block: "BZhN", the block (its magic 0x314159265359 and
 * CRC byte-aligned right after the header), the end marker 0x177245385090
 * and the stream CRC (the block's, alone), then 0-7 zero bits to the byte. */
static int block_locate(ospy_bz2_block *b, int level)
{
  static const uint8_t magic[6] = { 0x31, 0x41, 0x59, 0x26, 0x53, 0x59 };
  if (b->len < 24 || memcmp(b->buf, "BZh", 3) || b->buf[3] != '0' + level ||
      memcmp(b->buf + 4, magic, 6))
    return -1;
  const uint8_t *c = b->buf + 10;
  b->crc = (uint32_t)c[0] << 24 | (uint32_t)c[1] << 16 | (uint32_t)c[2] << 8 | c[3];
  uint64_t total = (uint64_t)b->len * 8;
  for (unsigned pad = 0; pad < 8; pad++) {
    uint64_t end = total - pad, start = end - 80;
    if (pad && get_bits(b->buf, end, pad) != 0)
      continue;
    if (get_bits(b->buf, start, 24) == 0x177245 && get_bits(b->buf, start + 24, 24) == 0x385090 &&
        get_bits(b->buf, start + 48, 32) == b->crc) {
      b->nbits = start - 32;
      return 0;
    }
  }
  return -1;
}

static void *mem_alloc(void *opaque, int items, int size)
{
  ospy_bz2_mem *m = opaque;
  size_t want = (size_t)items * (size_t)size;
  for (int i = 0; i < 6; i++)
    if (m->p[i] && !m->busy[i] && m->size[i] == want) {
      m->busy[i] = 1;
      return m->p[i];
    }
  void *p = malloc(want);
  for (int i = 0; p && i < 6; i++)
    if (!m->p[i]) {
      m->p[i] = p;
      m->size[i] = want;
      m->busy[i] = 1;
      break;
    }
  return p;
}

static void mem_release(void *opaque, void *p)
{
  ospy_bz2_mem *m = opaque;
  for (int i = 0; i < 6; i++)
    if (m->p[i] == p) {
      m->busy[i] = 0;
      return;
    }
  free(p);
}

void ospy_bz2_mem_free(ospy_bz2_mem *m)
{
  for (int i = 0; i < 6; i++) {
    free(m->p[i]);
    m->p[i] = NULL;
    m->size[i] = 0;
    m->busy[i] = 0;
  }
}

int ospy_bz2_block_compress(ospy_bz2_block *b, const uint8_t *in, size_t n, int level,
                            ospy_bz2_mem *mem)
{
  if (n == 0 || n > UINT_MAX)
    return -1;
  /* bzip2's worst case is about 1 % over the block, plus 600 bytes */
  size_t block = 100000u * (size_t)level, want = (n < block ? n : block);
  want += want / 50 + 1024;
  if (b->cap < want) {
    uint8_t *buf = realloc(b->buf, want);
    if (!buf)
      return BZ_MEM_ERROR;
    b->buf = buf;
    b->cap = want;
  }
  bz_stream bz;
  memset(&bz, 0, sizeof bz);
  if (mem) {
    bz.bzalloc = mem_alloc;
    bz.bzfree = mem_release;
    bz.opaque = mem;
  }
  int rc = BZ2_bzCompressInit(&bz, level, 0, 0);
  if (rc != BZ_OK)
    return rc;
  bz.next_in = (char *)(uintptr_t)in;
  bz.avail_in = (unsigned)n;
  b->len = 0;
  for (;;) {
    if (b->cap - b->len < 4096) {
      uint8_t *buf = realloc(b->buf, b->cap * 2);
      if (!buf) {
        rc = BZ_MEM_ERROR;
        break;
      }
      b->buf = buf;
      b->cap *= 2;
    }
    size_t room = b->cap - b->len;
    bz.next_out = (char *)b->buf + b->len;
    bz.avail_out = room < UINT_MAX ? (unsigned)room : UINT_MAX;
    unsigned before = bz.avail_out;
    rc = BZ2_bzCompress(&bz, BZ_FINISH);
    b->len += before - bz.avail_out;
    if (rc != BZ_FINISH_OK)
      break;
  }
  BZ2_bzCompressEnd(&bz);
  if (rc != BZ_STREAM_END)
    return rc == BZ_OK ? -1 : rc;
  return block_locate(b, level);
}

void ospy_bz2_block_free(ospy_bz2_block *b)
{
  free(b->buf);
  b->buf = NULL;
  b->cap = b->len = 0;
}

static void join_flush(ospy_bz2_join *j)
{
  if (j->len)
    j->write(j->user, j->out, j->len);
  j->len = 0;
}

static inline void join_byte(ospy_bz2_join *j, uint8_t x)
{
  j->out[j->len++] = x;
  if (j->len == sizeof j->out)
    join_flush(j);
}

/* Appends the low n bits of v (n <= 32). */
static void join_bits(ospy_bz2_join *j, uint32_t v, unsigned n)
{
  j->acc = j->acc << n | (v & (uint32_t)((1ull << n) - 1));
  j->nacc += n;
  while (j->nacc >= 8) {
    j->nacc -= 8;
    join_byte(j, (uint8_t)(j->acc >> j->nacc));
  }
  j->acc &= (1u << j->nacc) - 1;
}

void ospy_bz2_join_init(ospy_bz2_join *j, int level, ospy_bz2_write_fn write, void *user)
{
  j->combined_crc = 0;
  j->acc = 0;
  j->nacc = 0;
  j->write = write;
  j->user = user;
  j->len = 0;
  join_bits(j, 'B', 8);
  join_bits(j, 'Z', 8);
  join_bits(j, 'h', 8);
  join_bits(j, (uint32_t)('0' + level), 8);
}

void ospy_bz2_join_block(ospy_bz2_join *j, const ospy_bz2_block *b)
{
  const uint8_t *p = b->buf + 4;
  uint64_t nbytes = b->nbits / 8;
  unsigned rest = (unsigned)(b->nbits % 8);
  if (j->nacc == 0) {
    while (nbytes) {
      size_t k = sizeof j->out - j->len;
      if (k > nbytes)
        k = (size_t)nbytes;
      memcpy(j->out + j->len, p, k);
      j->len += k;
      p += k;
      nbytes -= k;
      if (j->len == sizeof j->out)
        join_flush(j);
    }
  } else {
    /* nacc bits wait: each byte in pushes one out, nacc bits wait again */
    unsigned sh = j->nacc;
    uint64_t acc = j->acc;
    for (uint64_t i = 0; i < nbytes; i++) {
      acc = acc << 8 | p[i];
      join_byte(j, (uint8_t)(acc >> sh));
      acc &= (1u << sh) - 1;
    }
    j->acc = acc;
    p += nbytes;
  }
  if (rest)
    join_bits(j, (uint32_t)(*p >> (8 - rest)), rest);
  j->combined_crc = (j->combined_crc << 1 | j->combined_crc >> 31) ^ b->crc;
}

void ospy_bz2_join_end(ospy_bz2_join *j)
{
  join_bits(j, 0x177245, 24);
  join_bits(j, 0x385090, 24);
  join_bits(j, j->combined_crc, 32);
  if (j->nacc)
    join_bits(j, 0, 8 - j->nacc);
  join_flush(j);
}
