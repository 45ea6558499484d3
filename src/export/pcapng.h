/* A minimal streaming pcapng writer (one section, one interface of raw IP
 * packets, nanosecond timestamps) and the IPv4/IPv6 TCP/UDP packets it
 * carries, with real checksums. Used by the pcapng export (pcap_streams.c).
 * Blocks: Section Header, Interface Description (LINKTYPE_RAW, if_tsresol
 * 9), one Enhanced Packet Block per packet (with a comment, opt_comment, when
 * given one). */
#ifndef OSPY_EXPORT_PCAPNG_H
#define OSPY_EXPORT_PCAPNG_H

#include <stddef.h>
#include <stdint.h>

#include "export/sink.h"

/* Section header and interface description. */
void ospy_pcapng_begin(ospy_sink *s);
void ospy_pcapng_packet(ospy_sink *s, int64_t ts_ns, const uint8_t *pkt, size_t len);
/* The same with a comment (NULL: none), which Wireshark shows with the
 * packet (frame.comment; pkt_comment before 4.x). */
void ospy_pcapng_packet_comment(ospy_sink *s, int64_t ts_ns, const uint8_t *pkt, size_t len,
                                const char *comment);

enum { OSPY_TCP_FIN = 0x01, OSPY_TCP_SYN = 0x02, OSPY_TCP_PSH = 0x08, OSPY_TCP_ACK = 0x10 };

typedef struct ospy_pkt_addr {
  int v6;
  uint8_t src[16], dst[16]; /* network order (4 bytes used for IPv4) */
  uint16_t sport, dport;
} ospy_pkt_addr;

/* Largest payload ospy_pkt_tcp/ospy_pkt_udp accept (one IPv4 packet). */
#define OSPY_PKT_MAX_PAYLOAD 65000
#define OSPY_PKT_MAX (OSPY_PKT_MAX_PAYLOAD + 60)

/* Build a packet into out (OSPY_PKT_MAX bytes); return its length. */
size_t ospy_pkt_tcp(uint8_t *out, const ospy_pkt_addr *a, uint32_t seq, uint32_t ack,
                    unsigned flags, const uint8_t *payload, size_t n, uint16_t ip_id);
size_t ospy_pkt_udp(uint8_t *out, const ospy_pkt_addr *a, const uint8_t *payload, size_t n,
                    uint16_t ip_id);

#endif
