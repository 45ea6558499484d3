/* pcapng blocks and synthetic IP packets (see pcapng.h). */
#include "export/pcapng.h"

#include <string.h>

#define LINKTYPE_RAW 101

static void put16(uint8_t *p, uint16_t v) /* network order */
{
  p[0] = (uint8_t)(v >> 8);
  p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
  put16(p, (uint16_t)(v >> 16));
  put16(p + 2, (uint16_t)v);
}

static void w32(ospy_sink *s, uint32_t v) /* pcapng fields: host (little) order */
{
  ospy_sink_write(s, &v, 4);
}

static void w16(ospy_sink *s, uint16_t v)
{
  ospy_sink_write(s, &v, 2);
}

void ospy_pcapng_begin(ospy_sink *s)
{
  static const char app[] = "ospy"; /* shb_userappl, 4 bytes: no padding */
  uint64_t unknown_length = UINT64_MAX;
  w32(s, 0x0A0D0D0A);
  w32(s, 28 + 8 + 4);
  w32(s, 0x1A2B3C4D);
  w16(s, 1);
  w16(s, 0);
  ospy_sink_write(s, &unknown_length, 8);
  w16(s, 4);
  w16(s, 4);
  ospy_sink_write(s, app, 4);
  w32(s, 0); /* opt_endofopt */
  w32(s, 28 + 8 + 4);
  /* interface 0: raw IP, no snap length, if_tsresol = 10^-9 */
  w32(s, 1);
  w32(s, 20 + 8 + 4);
  w16(s, LINKTYPE_RAW);
  w16(s, 0);
  w32(s, 0);
  w16(s, 9);
  w16(s, 1);
  w32(s, 9); /* the value byte 9, then padding */
  w32(s, 0);
  w32(s, 20 + 8 + 4);
}

void ospy_pcapng_packet(ospy_sink *s, int64_t ts_ns, const uint8_t *pkt, size_t len)
{
  ospy_pcapng_packet_comment(s, ts_ns, pkt, len, NULL);
}

void ospy_pcapng_packet_comment(ospy_sink *s, int64_t ts_ns, const uint8_t *pkt, size_t len,
                                const char *comment)
{
  static const uint8_t pad[4];
  size_t padded = (len + 3) & ~(size_t)3;
  size_t clen = comment ? strlen(comment) : 0;
  if (clen > 0xffff)
    clen = 0xffff;
  /* options: opt_comment (code 1), its text padded to 4, opt_endofopt */
  size_t options = clen ? 4 + ((clen + 3) & ~(size_t)3) + 4 : 0;
  uint64_t ts = ts_ns > 0 ? (uint64_t)ts_ns : 0;
  uint32_t total = (uint32_t)(32 + padded + options);
  w32(s, 6);
  w32(s, total);
  w32(s, 0);
  w32(s, (uint32_t)(ts >> 32));
  w32(s, (uint32_t)ts);
  w32(s, (uint32_t)len);
  w32(s, (uint32_t)len);
  ospy_sink_write(s, pkt, len);
  ospy_sink_write(s, pad, padded - len);
  if (clen) {
    w16(s, 1);
    w16(s, (uint16_t)clen);
    ospy_sink_write(s, comment, clen);
    ospy_sink_write(s, pad, ((clen + 3) & ~(size_t)3) - clen);
    w32(s, 0); /* opt_endofopt */
  }
  w32(s, total);
}

/* ---- packets ---- */

static uint32_t sum16(uint32_t sum, const uint8_t *p, size_t n)
{
  for (size_t i = 0; i + 1 < n; i += 2)
    sum += (uint32_t)(p[i] << 8 | p[i + 1]);
  if (n & 1)
    sum += (uint32_t)(p[n - 1] << 8);
  return sum;
}

static uint16_t fold(uint32_t sum)
{
  while (sum >> 16)
    sum = (sum & 0xffff) + (sum >> 16);
  return (uint16_t)~sum;
}

/* IP header for a transport segment of len bytes; returns its size. */
static size_t ip_header(uint8_t *o, const ospy_pkt_addr *a, int proto, size_t len, uint16_t id)
{
  if (a->v6) {
    memset(o, 0, 40);
    o[0] = 0x60;
    put16(o + 4, (uint16_t)len);
    o[6] = (uint8_t)proto;
    o[7] = 64;
    memcpy(o + 8, a->src, 16);
    memcpy(o + 24, a->dst, 16);
    return 40;
  }
  memset(o, 0, 20);
  o[0] = 0x45;
  put16(o + 2, (uint16_t)(20 + len));
  put16(o + 4, id);
  put16(o + 6, 0x4000); /* don't fragment */
  o[8] = 64;
  o[9] = (uint8_t)proto;
  memcpy(o + 12, a->src, 4);
  memcpy(o + 16, a->dst, 4);
  put16(o + 10, fold(sum16(0, o, 20)));
  return 20;
}

/* The transport checksum over the pseudo-header and the segment. */
static uint16_t l4_checksum(const ospy_pkt_addr *a, int proto, const uint8_t *seg, size_t len)
{
  size_t alen = a->v6 ? 16 : 4;
  uint32_t sum = sum16(0, a->src, alen);
  sum = sum16(sum, a->dst, alen);
  sum += (uint32_t)proto + (uint32_t)(len & 0xffff) + (uint32_t)(len >> 16);
  uint16_t c = fold(sum16(sum, seg, len));
  return proto == 17 && c == 0 ? 0xffff : c;
}

size_t ospy_pkt_tcp(uint8_t *out, const ospy_pkt_addr *a, uint32_t seq, uint32_t ack,
                    unsigned flags, const uint8_t *payload, size_t n, uint16_t ip_id)
{
  if (n > OSPY_PKT_MAX_PAYLOAD)
    n = OSPY_PKT_MAX_PAYLOAD;
  size_t h = ip_header(out, a, 6, 20 + n, ip_id);
  uint8_t *t = out + h;
  memset(t, 0, 20);
  put16(t, a->sport);
  put16(t + 2, a->dport);
  put32(t + 4, seq);
  put32(t + 8, flags & OSPY_TCP_ACK ? ack : 0);
  t[12] = 5 << 4;
  t[13] = (uint8_t)flags;
  put16(t + 14, 65535);
  if (n)
    memcpy(t + 20, payload, n);
  put16(t + 16, l4_checksum(a, 6, t, 20 + n));
  return h + 20 + n;
}

size_t ospy_pkt_udp(uint8_t *out, const ospy_pkt_addr *a, const uint8_t *payload, size_t n,
                    uint16_t ip_id)
{
  if (n > OSPY_PKT_MAX_PAYLOAD)
    n = OSPY_PKT_MAX_PAYLOAD;
  size_t h = ip_header(out, a, 17, 8 + n, ip_id);
  uint8_t *u = out + h;
  put16(u, a->sport);
  put16(u + 2, a->dport);
  put16(u + 4, (uint16_t)(8 + n));
  put16(u + 6, 0);
  if (n)
    memcpy(u + 8, payload, n);
  put16(u + 6, l4_checksum(a, 17, u, 8 + n));
  return h + 8 + n;
}
