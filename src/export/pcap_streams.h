/* The pcapng export: the conversations rebuilt by streams.c as synthetic
 * packets, written as the events stream by (docs/export-formats.md, pcapng).
 *
 * TCP-like conversations (tcp, unix, sockets of unknown type, TLS
 * plaintext) become TCP connections: a three-way handshake before the first
 * data (at the socket's creation time), one segment per call (cut at
 * OSPY_PKT_MAX_PAYLOAD bytes) with consistent sequence and acknowledgement
 * numbers, FIN/ACK exchange at close. UDP conversations become one
 * datagram per call. Files and other descriptors are not exported.
 * Addresses: the real ones where the capture shows them (its calls, and
 * the descriptor names ospy_pcap_export_set_fd_names gives); otherwise
 * 10.0.0.1 (local) / 10.0.0.2 (remote), fd00::1 / fd00::2 for IPv6, local
 * port 40000 + id % 20000, remote port 20000 + id % 20000. The plaintext of
 * a TLS session goes out as its own connection from the socket's
 * addresses with the server's port replaced by 80, so that dissectors see
 * HTTP. Bytes the capture did not keep advance the sequence numbers
 * without being sent (Wireshark shows "previous segment not captured").
 * A connection both of whose ends are in the capture (all addresses real,
 * the later end's 4-tuple the earlier's reversed) is written once, from the
 * end whose data came first. A connection's first packet after events of
 * its process were lost (Lost records) carries a comment saying that data
 * may be missing before it; calls logNested="false" left out are known
 * only at the process's end, after the section header: the exporter says
 * them on stderr (ospy_pcap_export_gaps). Packets are written in time order
 * through a window of 4096 packets or 16 MiB (the events' record order is
 * not time order across processes); memory: that window, plus the streams'. */
#ifndef OSPY_EXPORT_PCAP_STREAMS_H
#define OSPY_EXPORT_PCAP_STREAMS_H

#include <stdint.h>

#include "export/export_event.h"
#include "export/sink.h"
#include "export/streams.h"

typedef struct ospy_pcap_export ospy_pcap_export;

/* Writes the pcapng header to sink. NULL when out of memory. */
ospy_pcap_export *ospy_pcap_export_new(ospy_sink *sink);
/* What a descriptor of a process refers to as the events are fed (the
 * capture's FdName records, ospy_capsrc_fd_name): names the addresses of a
 * socket no recorded call of its process made, as `ospy streams` does (a
 * fork-per-connection server's handler). Without it such a socket gets the
 * made-up addresses. */
void ospy_pcap_export_set_fd_names(ospy_pcap_export *p, ospy_fd_name_fn fn, void *user);
/* 0, or -1 when out of memory. */
int ospy_pcap_export_event(ospy_pcap_export *p, const ospy_xevent *ev);
/* Closes the connections still open. */
void ospy_pcap_export_finish(ospy_pcap_export *p);
uint64_t ospy_pcap_export_packets(const ospy_pcap_export *p);
/* What the events said the capture lacks (streams.h). */
void ospy_pcap_export_gaps(const ospy_pcap_export *p, ospy_streams_gaps *g);
void ospy_pcap_export_free(ospy_pcap_export *p);

#endif
