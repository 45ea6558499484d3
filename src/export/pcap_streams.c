/* Conversations -> synthetic TCP/UDP packets in a pcapng (pcap_streams.h). */
#include "export/pcap_streams.h"

#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "export/pcapng.h"
#include "export/streams.h"

enum { SIDE_LOCAL = 0, SIDE_REMOTE = 1 };

typedef enum pconn_state {
  PC_NEW = 0,    /* no data yet */
  PC_OPEN,
  PC_CLOSED,
  PC_SKIPPED,    /* a file or descriptor: not exported */
  PC_OTHER_END,  /* the other end of a connection already written */
} pconn_state;

typedef struct pconn {
  pconn_state state;
  int udp;
  int tls;
  int real;                /* both addresses and ports from the capture */
  int indexed;             /* in the table of connections by 4-tuple */
  int other_end_seen;      /* a later conversation was its other end */
  uint32_t next_in_bucket; /* id of the next written connection of its hash bucket, 0: none */
  ospy_pkt_addr to_remote; /* local -> remote */
  uint32_t next_seq[2];    /* [SIDE_LOCAL], [SIDE_REMOTE] */
} pconn;

/* A packet held back to be written in time order (see emit). */
typedef struct held_pkt {
  int64_t ts;
  uint64_t order; /* its place in the events' order: ties keep it */
  const char *comment;
  size_t len;
  uint8_t *bytes;
} held_pkt;

/* Packets wait in a heap, earliest first, until it holds more than these:
 * the events come in record order, which is time order per thread but not
 * across processes (each drained from its own lanes) nor between a send,
 * stamped at its call's entry, and a receive, at its return. */
#define HOLD_PACKETS 4096
#define HOLD_BYTES (16u << 20)

struct ospy_pcap_export {
  ospy_sink *sink;
  held_pkt *held; /* a binary heap by (ts, order) */
  size_t nheld, capheld, held_bytes;
  uint64_t next_order;
  ospy_streams *streams;
  pconn *conns;     /* index id - 1 */
  size_t nconns;
  /* TCP connections written with real addresses, by 4-tuple: ids, chained
   * through next_in_bucket, the latest first */
  uint32_t *buckets;
  size_t nbuckets, nindexed;
  uint16_t ip_id;
  uint64_t packets;
  const char *comment; /* the next packet's, or NULL */
  /* what a descriptor refers to (the capture's FdName records): a socket
   * no recorded call of its process made (a forked handler's) */
  ospy_fd_name_fn fd_name;
  void *fd_name_user;
  int failed;
  uint8_t pkt[OSPY_PKT_MAX];
};

/* ---- addresses ---- */

static int is_v6(const ospy_conv *c)
{
  return c->local.family == AF_INET6 || c->remote.family == AF_INET6 ||
         (!c->local.family && !c->remote.family && c->domain == AF_INET6);
}

static int addr_known(const ospy_endpoint *e, int v6)
{
  static const uint8_t zero[16];
  return e->family == (v6 ? AF_INET6 : AF_INET) && memcmp(e->addr, zero, v6 ? 16 : 4);
}

/* The address of one side: real when known, made up otherwise. */
static void side_addr(const ospy_endpoint *e, int v6, int side, uint8_t *addr)
{
  if (addr_known(e, v6)) {
    memcpy(addr, e->addr, v6 ? 16 : 4);
    return;
  }
  memset(addr, 0, 16);
  if (v6) {
    addr[0] = 0xfd;
    addr[15] = (uint8_t)(side + 1);
  } else {
    addr[0] = 10;
    addr[3] = (uint8_t)(side + 1);
  }
}

static uint16_t side_port(const ospy_conv *c, const ospy_endpoint *e, int v6, int side)
{
  int real = e->family == (v6 ? AF_INET6 : AF_INET) && e->port;
  if (c->kind == OSPY_CONV_TLS && side == (c->initiated == 0 ? SIDE_LOCAL : SIDE_REMOTE))
    return 80; /* the server of a TLS session: its plaintext as HTTP */
  if (real)
    return e->port;
  return (uint16_t)((side == SIDE_LOCAL ? 40000 : 20000) + c->id % 20000);
}

static int port_known(const ospy_endpoint *e, int v6)
{
  return e->family == (v6 ? AF_INET6 : AF_INET) && e->port;
}

static void resolve(pconn *pc, const ospy_conv *c)
{
  int v6 = is_v6(c);
  ospy_pkt_addr *a = &pc->to_remote;
  a->v6 = v6;
  side_addr(&c->local, v6, SIDE_LOCAL, a->src);
  side_addr(&c->remote, v6, SIDE_REMOTE, a->dst);
  a->sport = side_port(c, &c->local, v6, SIDE_LOCAL);
  a->dport = side_port(c, &c->remote, v6, SIDE_REMOTE);
  pc->real = addr_known(&c->local, v6) && addr_known(&c->remote, v6) &&
             port_known(&c->local, v6) && port_known(&c->remote, v6);
}

/* ---- both ends of one connection ----
 * A program talking to itself (or two processes followed with -F) shows a
 * TCP connection twice: once from each end, the second end's 4-tuple the
 * first's reversed. Written twice, the two made two handshakes with one
 * 4-tuple and different sequence numbers, which tshark mixed into one
 * connection. The connection is written once, from the end whose data came
 * first; the other end's calls add nothing (its view of the same bytes can
 * differ: calls the capture does not describe, sendfile or splice, move
 * bytes on one end only, so the two cannot be merged into one sequence
 * without guessing). Only connections whose addresses are all real are
 * matched: made-up ones say nothing about which connection it is. */

static uint32_t tuple_hash(const ospy_pkt_addr *a, int reversed)
{
  const uint8_t *src = reversed ? a->dst : a->src, *dst = reversed ? a->src : a->dst;
  uint16_t sport = reversed ? a->dport : a->sport, dport = reversed ? a->sport : a->dport;
  size_t n = a->v6 ? 16 : 4;
  uint32_t h = 2166136261u; /* FNV-1a */
  for (size_t i = 0; i < n; i++)
    h = (h ^ src[i]) * 16777619u;
  for (size_t i = 0; i < n; i++)
    h = (h ^ dst[i]) * 16777619u;
  h = (h ^ sport) * 16777619u;
  return (h ^ dport) * 16777619u;
}

static int is_reverse_of(const ospy_pkt_addr *a, const ospy_pkt_addr *b)
{
  size_t n = a->v6 ? 16 : 4;
  return a->v6 == b->v6 && a->sport == b->dport && a->dport == b->sport &&
         !memcmp(a->src, b->dst, n) && !memcmp(a->dst, b->src, n);
}

static void bucket_insert(ospy_pcap_export *p, uint32_t id)
{
  pconn *pc = &p->conns[id - 1];
  uint32_t *head = &p->buckets[tuple_hash(&pc->to_remote, 0) & (p->nbuckets - 1)];
  pc->next_in_bucket = *head;
  *head = id;
}

/* The table doubles when it holds as many connections as buckets; the ids
 * are put back in increasing order, so each chain stays latest first. */
static int index_connection(ospy_pcap_export *p, uint32_t id)
{
  if (p->nindexed >= p->nbuckets) {
    size_t n = p->nbuckets ? p->nbuckets * 2 : 64;
    uint32_t *b = calloc(n, sizeof *b);
    if (!b)
      return -1;
    free(p->buckets);
    p->buckets = b;
    p->nbuckets = n;
    for (uint32_t other = 1; other < id; other++)
      if (p->conns[other - 1].indexed)
        bucket_insert(p, other);
  }
  bucket_insert(p, id);
  p->conns[id - 1].indexed = 1;
  p->nindexed++;
  return 0;
}

/* The latest connection written whose 4-tuple is pc's reversed and which
 * has no other end yet, or NULL. */
static pconn *first_end_of(ospy_pcap_export *p, const pconn *pc)
{
  if (!p->nbuckets)
    return NULL;
  uint32_t id = p->buckets[tuple_hash(&pc->to_remote, 1) & (p->nbuckets - 1)];
  for (; id; id = p->conns[id - 1].next_in_bucket) {
    pconn *o = &p->conns[id - 1];
    if (!o->other_end_seen && o->tls == pc->tls && is_reverse_of(&o->to_remote, &pc->to_remote))
      return o;
  }
  return NULL;
}

/* ---- packets ---- */

static ospy_pkt_addr from_side(const pconn *pc, int side)
{
  ospy_pkt_addr a = pc->to_remote;
  if (side == SIDE_REMOTE) {
    memcpy(a.src, pc->to_remote.dst, 16);
    memcpy(a.dst, pc->to_remote.src, 16);
    a.sport = pc->to_remote.dport;
    a.dport = pc->to_remote.sport;
  }
  return a;
}

/* The comment of a connection's first packet after events were lost. */
#define GAP_COMMENT "ospy: events were lost while capturing before this packet: " \
                    "data of this connection may be missing"

static int held_before(const held_pkt *a, const held_pkt *b)
{
  return a->ts < b->ts || (a->ts == b->ts && a->order < b->order);
}

static void held_swap(held_pkt *a, held_pkt *b)
{
  held_pkt t = *a;
  *a = *b;
  *b = t;
}

/* Writes the earliest packet held and takes it out of the heap. */
static void release_earliest(ospy_pcap_export *p)
{
  held_pkt *h = p->held;
  ospy_pcapng_packet_comment(p->sink, h[0].ts, h[0].bytes, h[0].len, h[0].comment);
  p->held_bytes -= h[0].len;
  free(h[0].bytes);
  h[0] = h[--p->nheld];
  for (size_t i = 0;;) {
    size_t l = 2 * i + 1, r = l + 1, m = i;
    if (l < p->nheld && held_before(&h[l], &h[m]))
      m = l;
    if (r < p->nheld && held_before(&h[r], &h[m]))
      m = r;
    if (m == i)
      break;
    held_swap(&h[i], &h[m]);
    i = m;
  }
}

/* Holds the packet in p->pkt (a copy) to be written in time order; written
 * at once when no memory is left for it. */
static void hold(ospy_pcap_export *p, int64_t ts, size_t len, const char *comment)
{
  uint8_t *copy = malloc(len ? len : 1);
  if (copy && p->nheld == p->capheld) {
    size_t cap = p->capheld ? p->capheld * 2 : 64;
    held_pkt *grown = realloc(p->held, cap * sizeof *grown);
    if (grown) {
      p->held = grown;
      p->capheld = cap;
    }
  }
  if (!copy || p->nheld == p->capheld) {
    free(copy);
    ospy_pcapng_packet_comment(p->sink, ts, p->pkt, len, comment);
    return;
  }
  memcpy(copy, p->pkt, len);
  held_pkt *h = p->held;
  size_t i = p->nheld++;
  h[i] = (held_pkt){ ts, p->next_order++, comment, len, copy };
  for (; i && held_before(&h[i], &h[(i - 1) / 2]); i = (i - 1) / 2)
    held_swap(&h[i], &h[(i - 1) / 2]);
  p->held_bytes += len;
  while (p->nheld > HOLD_PACKETS || p->held_bytes > HOLD_BYTES)
    release_earliest(p);
}

static void emit(ospy_pcap_export *p, int64_t ts, size_t len)
{
  hold(p, ts, len, p->comment);
  p->comment = NULL; /* (one packet) */
  p->packets++;
}

/* A TCP segment from `side` with n payload bytes; seq advances by `adv`. */
static void segment(ospy_pcap_export *p, pconn *pc, int side, int64_t ts, unsigned flags,
                    const uint8_t *data, size_t n, uint32_t adv)
{
  ospy_pkt_addr a = from_side(pc, side);
  size_t len = ospy_pkt_tcp(p->pkt, &a, pc->next_seq[side], pc->next_seq[!side], flags, data,
                            n, p->ip_id++);
  pc->next_seq[side] += adv;
  emit(p, ts, len);
}

static void handshake(ospy_pcap_export *p, pconn *pc, const ospy_conv *c, int64_t ts)
{
  int client = c->initiated == 0 ? SIDE_REMOTE : SIDE_LOCAL;
  int64_t t = c->first_ns < ts ? c->first_ns : ts;
  pc->next_seq[SIDE_LOCAL] = 0x10000000u + c->id * 0x1000u;
  pc->next_seq[SIDE_REMOTE] = 0x70000000u + c->id * 0x1000u;
  segment(p, pc, client, t, OSPY_TCP_SYN, NULL, 0, 1);
  segment(p, pc, !client, t, OSPY_TCP_SYN | OSPY_TCP_ACK, NULL, 0, 1);
  segment(p, pc, client, t, OSPY_TCP_ACK, NULL, 0, 0);
}

static int exported(const ospy_conv *c)
{
  return c->kind != OSPY_CONV_FILE && c->kind != OSPY_CONV_FD;
}

static pconn *start(ospy_pcap_export *p, const ospy_conv *c, int64_t ts)
{
  if (c->id > p->nconns) {
    pconn *n = realloc(p->conns, c->id * 2 * sizeof *n);
    if (!n) {
      p->failed = 1;
      return NULL;
    }
    memset(n + p->nconns, 0, (c->id * 2 - p->nconns) * sizeof *n);
    p->conns = n;
    p->nconns = c->id * 2;
  }
  pconn *pc = &p->conns[c->id - 1];
  if (pc->state != PC_NEW)
    return pc;
  pc->udp = c->kind == OSPY_CONV_UDP;
  pc->tls = c->kind == OSPY_CONV_TLS;
  resolve(pc, c);
  if (!exported(c)) {
    pc->state = PC_SKIPPED;
    return pc;
  }
  pconn *first = !pc->udp && pc->real ? first_end_of(p, pc) : NULL;
  if (first) {
    first->other_end_seen = 1;
    pc->state = PC_OTHER_END;
    return pc;
  }
  pc->state = PC_OPEN;
  if (pc->udp)
    return pc;
  handshake(p, pc, c, ts);
  if (pc->real && index_connection(p, c->id) < 0)
    p->failed = 1;
  return pc;
}

static void datagram(ospy_pcap_export *p, pconn *pc, const ospy_stream_data *d)
{
  ospy_pkt_addr a = from_side(pc, d->dir == OSPY_STREAM_OUT ? SIDE_LOCAL : SIDE_REMOTE);
  const ospy_endpoint *e = d->peer;
  if (e && e->family == (a.v6 ? AF_INET6 : AF_INET)) { /* this datagram's peer */
    memcpy(d->dir == OSPY_STREAM_OUT ? a.dst : a.src, e->addr, a.v6 ? 16 : 4);
    *(d->dir == OSPY_STREAM_OUT ? &a.dport : &a.sport) = e->port;
  }
  emit(p, d->ts_ns, ospy_pkt_udp(p->pkt, &a, d->bytes, d->nbytes, p->ip_id++));
}

static void on_data(void *user, const ospy_conv *c, const ospy_stream_data *d)
{
  ospy_pcap_export *p = user;
  pconn *pc = start(p, c, d->ts_ns);
  if (!pc || pc->state != PC_OPEN)
    return;
  if (d->after_gap)
    p->comment = GAP_COMMENT;
  if (pc->udp) {
    datagram(p, pc, d);
    return;
  }
  int side = d->dir == OSPY_STREAM_OUT ? SIDE_LOCAL : SIDE_REMOTE;
  uint64_t left = d->count;
  for (size_t off = 0; left > 0;) {
    size_t n = d->nbytes - off < OSPY_PKT_MAX_PAYLOAD ? d->nbytes - off : OSPY_PKT_MAX_PAYLOAD;
    uint64_t adv = n ? n : left; /* bytes not recorded: a gap in the sequence */
    segment(p, pc, side, d->ts_ns, OSPY_TCP_PSH | OSPY_TCP_ACK, d->bytes + off, n,
            (uint32_t)adv);
    off += n;
    left -= adv;
  }
}

static void on_close(void *user, const ospy_conv *c, int64_t ts)
{
  ospy_pcap_export *p = user;
  pconn *pc = c->id <= p->nconns ? &p->conns[c->id - 1] : NULL;
  if (!pc || pc->state != PC_OPEN)
    return;
  pc->state = PC_CLOSED;
  if (pc->udp)
    return;
  segment(p, pc, SIDE_LOCAL, ts, OSPY_TCP_FIN | OSPY_TCP_ACK, NULL, 0, 1);
  segment(p, pc, SIDE_REMOTE, ts, OSPY_TCP_FIN | OSPY_TCP_ACK, NULL, 0, 1);
  segment(p, pc, SIDE_LOCAL, ts, OSPY_TCP_ACK, NULL, 0, 0);
}

/* ---- the exporter ---- */

static const char *fd_name(void *user, uint32_t pid, int64_t fd)
{
  const ospy_pcap_export *p = user;
  return p->fd_name ? p->fd_name(p->fd_name_user, pid, fd) : NULL;
}

void ospy_pcap_export_set_fd_names(ospy_pcap_export *p, ospy_fd_name_fn fn, void *user)
{
  p->fd_name = fn;
  p->fd_name_user = user;
}

ospy_pcap_export *ospy_pcap_export_new(ospy_sink *sink)
{
  ospy_pcap_export *p = calloc(1, sizeof *p);
  if (!p)
    return NULL;
  ospy_streams_cb cb = { on_data, on_close, p, fd_name };
  if (!(p->streams = ospy_streams_new(&cb))) {
    free(p);
    return NULL;
  }
  p->sink = sink;
  ospy_pcapng_begin(sink);
  return p;
}

int ospy_pcap_export_event(ospy_pcap_export *p, const ospy_xevent *ev)
{
  if (ospy_streams_feed(p->streams, ev) < 0)
    p->failed = 1;
  return p->failed ? -1 : 0;
}

void ospy_pcap_export_finish(ospy_pcap_export *p)
{
  ospy_streams_finish(p->streams);
  while (p->nheld)
    release_earliest(p);
}

uint64_t ospy_pcap_export_packets(const ospy_pcap_export *p)
{
  return p->packets;
}

void ospy_pcap_export_gaps(const ospy_pcap_export *p, ospy_streams_gaps *g)
{
  ospy_streams_get_gaps(p->streams, g);
}

void ospy_pcap_export_free(ospy_pcap_export *p)
{
  if (!p)
    return;
  ospy_streams_free(p->streams);
  for (size_t i = 0; i < p->nheld; i++)
    free(p->held[i].bytes);
  free(p->held);
  free(p->conns);
  free(p->buckets);
  free(p);
}
