/* Every bit of a capture's first bytes flipped, one at a time, and the copy
 * read back as `ospy show` reads it (the reader, the plan and specs, the
 * text of each record not byte for byte one of the intact file's, whose
 * text is known):
 *   flip_sweep FILE BYTES
 * No read may crash or hang (an alarm), and each must name the damage where
 * it is: a bit of the header by its own offset, mended, every record then
 * read as written; a bit of a chunk by the chunk's offset, as a corrupt
 * chunk, the records of every other chunk read as written, and, when the
 * chunk after it says its place in the capture, what the damage cost (the
 * chunk and its records). Prints, for each
 * part of the file, what was expected and found; exits 1 at the first read
 * that differs. */
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "capture/format.h"
#include "capture/reader.h"
#include "plan/plan.h"

#define MAX_CHUNKS 4096
#define MAX_GROUPS 256

typedef struct chunk_span {
  uint64_t start, end;
  unsigned records; /* of the intact read: records not flagged REPEATED */
} chunk_span;

typedef struct record {
  uint8_t *bytes;
  size_t len;
  unsigned chunk;
} record;

static struct {
  uint8_t *data;
  size_t size;
  uint64_t header_end;
  chunk_span chunks[MAX_CHUNKS];
  unsigned nchunks;
  record *recs;
  size_t nrecs;
  int truncated;
} intact;

/* What one read found. */
typedef struct outcome {
  int opened;
  char open_err[1024], damage[1024], first_error[1024], second_error[1024];
  unsigned errors;
  size_t matched, mismatched, missing;
  int truncated;
} outcome;

static FILE *null_out;
static int memfd = -1;
static char memfd_path[64];

static uint32_t get32(const uint8_t *p)
{
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static const char *as_file(const uint8_t *data, size_t size)
{
  if (ftruncate(memfd, 0) < 0 || pwrite(memfd, data, size, 0) != (ssize_t)size) {
    perror("flip_sweep: memfd");
    exit(2);
  }
  return memfd_path;
}

static void load(const char *path)
{
  FILE *f = fopen(path, "rb");
  if (!f || fseek(f, 0, SEEK_END) < 0 || (intact.size = (size_t)ftell(f)) == 0 ||
      !(intact.data = malloc(intact.size)) || fseek(f, 0, SEEK_SET) < 0 ||
      fread(intact.data, 1, intact.size, f) != intact.size) {
    fprintf(stderr, "flip_sweep: cannot read %s\n", path);
    exit(2);
  }
  fclose(f);
}

static unsigned chunk_of(uint64_t end)
{
  for (unsigned i = 0; i < intact.nchunks; i++)
    if (intact.chunks[i].end == end)
      return i;
  fprintf(stderr, "flip_sweep: a record from no chunk ending at %llu\n", (unsigned long long)end);
  exit(2);
}

/* The intact file: where its header ends and its chunks are, its records
 * (not REPEATED: readers skip those in an intact file) and their chunks. */
static void map_intact(void)
{
  char err[1024];
  ospy_capfile_reader *r = ospy_capfile_open(as_file(intact.data, intact.size), err, sizeof err);
  if (!r || ospy_capfile_header_damage(r)) {
    fprintf(stderr, "flip_sweep: the intact capture does not read: %s\n", r ? "damaged" : err);
    exit(2);
  }
  uint64_t size;
  ospy_capfile_position(r, &intact.header_end, &size);
  for (uint64_t off = intact.header_end; off + 32 <= intact.size && intact.nchunks < MAX_CHUNKS;) {
    uint64_t end = off + 32 + get32(intact.data + off + 8);
    intact.chunks[intact.nchunks++] = (chunk_span){ off, end, 0 };
    off = end;
  }
  const ospy_event_hdr *rec;
  int rc;
  while ((rc = ospy_capfile_next(r, &rec, err, sizeof err)) > 0) {
    uint64_t done;
    ospy_capfile_position(r, &done, &size);
    intact.recs = realloc(intact.recs, (intact.nrecs + 1) * sizeof *intact.recs);
    record *c = &intact.recs[intact.nrecs++];
    c->len = rec->size;
    c->bytes = malloc(c->len);
    memcpy(c->bytes, rec, c->len);
    c->chunk = chunk_of(done);
    intact.chunks[c->chunk].records++;
  }
  if (rc < 0) {
    fprintf(stderr, "flip_sweep: the intact capture does not read: %s\n", err);
    exit(2);
  }
  intact.truncated = ospy_capfile_truncated(r, err, sizeof err);
  ospy_capfile_close_reader(r);
}

/* The next intact record a read that lost chunk `lost` should give, from
 * *want on. */
static size_t next_wanted(size_t want, long lost)
{
  while (want < intact.nrecs && (long)intact.recs[want].chunk == lost)
    want++;
  return want;
}

/* Reads the file at path as show does; its records are compared with the
 * intact ones but those of chunk `lost` (-1: none). */
static void read_capture(const char *path, long lost, outcome *o)
{
  memset(o, 0, sizeof *o);
  ospy_capfile_reader *r = ospy_capfile_open(path, o->open_err, sizeof o->open_err);
  if (!r)
    return;
  o->opened = 1;
  const char *damage = ospy_capfile_header_damage(r);
  snprintf(o->damage, sizeof o->damage, "%s", damage ? damage : "");
  const ospy_capfile_info *info = ospy_capfile_info_get(r);
  char err[1024];
  ospy_plan *plan = NULL;
  ospy_spec_table *specs = NULL;
  if (info->plan_len && ospy_plan_decode(info->plan, info->plan_len, &plan, err, sizeof err) == 0)
    specs = ospy_format_specs_of(plan, err, sizeof err);
  ospy_capfile_set_plan(r, plan);
  ospy_fdnames fdnames;
  ospy_fdnames_init(&fdnames);
  ospy_format_opts fo = { .show_tid = 1, .show_duration = 1, .specs = specs, .fdnames = &fdnames };
  const ospy_event_hdr *rec;
  int rc;
  size_t want = next_wanted(0, lost);
  while ((rc = ospy_capfile_next(r, &rec, err, sizeof err)) != 0) {
    if (rc < 0) {
      if (!o->errors++)
        snprintf(o->first_error, sizeof o->first_error, "%s", err);
      else if (o->errors == 2)
        snprintf(o->second_error, sizeof o->second_error, "%s", err);
      continue;
    }
    if (rec->flags & OSPY_EVENT_F_REPEATED) {
      ospy_format_event(null_out, rec, plan, &fo); /* taken, not shown: still formatted */
      continue; /* what a chunk after a lost one repeats: not in the intact read */
    }
    const record *w = want < intact.nrecs ? &intact.recs[want] : NULL;
    if (w && w->len == rec->size && !memcmp(w->bytes, rec, w->len)) {
      o->matched++;
      want = next_wanted(want + 1, lost);
    } else { /* damage that got through: its text must not crash show either */
      ospy_format_event(null_out, rec, plan, &fo);
      o->mismatched++;
    }
  }
  for (; want < intact.nrecs; want = next_wanted(want + 1, lost))
    o->missing++;
  o->truncated = ospy_capfile_truncated(r, err, sizeof err);
  ospy_fdnames_free(&fdnames);
  ospy_spec_table_free(specs);
  ospy_plan_free(plan);
  ospy_capfile_close_reader(r);
}

/* ---- what each flip should give ---- */

/* A part of the file and what its flips gave, for the summary. */
typedef struct group {
  char what[160];       /* "its magic", "the chunk at offset 320" */
  uint64_t first, last; /* bytes flipped */
  unsigned flips;
  int chunk;            /* -1: a part of the header */
  char example[1024];   /* the first flip's message */
  unsigned bad_header, bad_payload; /* chunks: how each flip was named */
} group;

static group groups[MAX_GROUPS];
static unsigned ngroups;

static group *group_for(const char *what, int chunk)
{
  for (unsigned i = 0; i < ngroups; i++)
    if (groups[i].chunk == chunk && !strcmp(groups[i].what, what))
      return &groups[i];
  if (ngroups == MAX_GROUPS) {
    fprintf(stderr, "flip_sweep: too many parts\n");
    exit(2);
  }
  group *g = &groups[ngroups++];
  snprintf(g->what, sizeof g->what, "%s", what);
  g->chunk = chunk;
  g->first = UINT64_MAX;
  return g;
}

static void note(group *g, uint64_t byte, const char *message)
{
  const char *what = strstr(message, "damaged header: "); /* (past the memfd's path) */
  if (!g->flips++)
    snprintf(g->example, sizeof g->example, "%s", what ? what + 16 : message);
  g->first = byte < g->first ? byte : g->first;
  g->last = byte > g->last ? byte : g->last;
}

static void fail(uint64_t bit, const outcome *o, const char *why)
{
  printf("FAIL: bit %llu (byte %llu, bit %llu) flipped: %s\n", (unsigned long long)bit,
         (unsigned long long)(bit / 8), (unsigned long long)(bit % 8), why);
  printf("  opened %d (%s)\n  damage: %s\n  errors %u, first: %s\n  second: %s\n", o->opened,
         o->open_err, o->damage, o->errors, o->first_error, o->errors > 1 ? o->second_error : "");
  printf("  records: %zu as written, %zu not, %zu missing; cut short %d\n", o->matched,
         o->mismatched, o->missing, o->truncated);
  exit(1);
}

/* "its magic" of "...one bit flipped at offset 3 (in its magic); mended..." */
static void place_of(const char *damage, char *out, size_t cap)
{
  const char *in = strstr(damage, "(in ");
  size_t n = in ? strcspn(in + 4, ":)") : 0;
  snprintf(out, cap, "%.*s", (int)n, in ? in + 4 : "");
}

static void check_header_flip(uint64_t bit, const outcome *o)
{
  char want[64];
  snprintf(want, sizeof want, "one bit flipped at offset %llu (in ", (unsigned long long)(bit / 8));
  if (!o->opened || !strstr(o->damage, want) || !strstr(o->damage, "; mended"))
    fail(bit, o, "the header's damage is not named at its offset, and mended");
  if (o->errors || o->mismatched || o->missing || o->truncated != intact.truncated)
    fail(bit, o, "the records are not all read as written");
  char place[128];
  place_of(o->damage, place, sizeof place);
  note(group_for(place, -1), bit / 8, o->damage);
}

/* Whether chunk k ends with its place in the capture (a skippable frame of
 * the writer's, file_format.h): captures made before it have none. */
static int says_place(unsigned k)
{
  const chunk_span *c = &intact.chunks[k];
  return c->end - c->start >= 32 + 40 && get32(intact.data + c->end - 40) == 0x184D2A5Eu &&
         get32(intact.data + c->end - 36) == 32;
}

static void check_chunk_flip(uint64_t bit, unsigned k, const outcome *o)
{
  char want[64], what[64], cost[160];
  snprintf(want, sizeof want, "corrupt chunk at offset %llu: ",
           (unsigned long long)intact.chunks[k].start);
  /* the next chunk, in sequence after a lost one, says what the loss cost */
  int costs = k + 1 < intact.nchunks && says_place(k + 1);
  unsigned nrec = get32(intact.data + intact.chunks[k].start + 16);
  snprintf(cost, sizeof cost, "the damage before offset %llu cost 1 chunk of the capture: "
           "%u record%s, ", (unsigned long long)intact.chunks[k].end, nrec, nrec == 1 ? "" : "s");
  if (!o->opened || o->damage[0] || o->errors != 1u + costs || !strstr(o->first_error, want))
    fail(bit, o, "the damaged chunk is not named once, at its offset");
  if (costs && !strstr(o->second_error, cost))
    fail(bit, o, "what the damage cost is not said, after it");
  int ends = k == intact.nchunks - 1 && !intact.truncated; /* the end marker lost */
  if (o->mismatched || o->missing || o->truncated != (intact.truncated || ends))
    fail(bit, o, "the records of the other chunks are not all read as written");
  snprintf(what, sizeof what, "the chunk at offset %llu",
           (unsigned long long)intact.chunks[k].start);
  group *g = group_for(what, (int)k);
  note(g, bit / 8, o->first_error);
  g->bad_header += strstr(o->first_error, "bad chunk header") != NULL;
  g->bad_payload += strstr(o->first_error, "payload checksum mismatch") != NULL;
}

static int chunk_at(uint64_t byte)
{
  for (unsigned i = 0; i < intact.nchunks; i++)
    if (byte >= intact.chunks[i].start && byte < intact.chunks[i].end)
      return (int)i;
  return -1;
}

static char alarm_text[128];

static void on_alarm(int sig)
{
  (void)sig;
  ssize_t n = write(STDOUT_FILENO, alarm_text, strlen(alarm_text));
  (void)n;
  _exit(1);
}

static void sweep(uint64_t bytes)
{
  uint8_t *copy = malloc(intact.size);
  memcpy(copy, intact.data, intact.size);
  for (uint64_t bit = 0; bit < bytes * 8; bit++) {
    uint64_t byte = bit / 8;
    int k = byte < intact.header_end ? -1 : chunk_at(byte);
    if (byte >= intact.header_end && k < 0) {
      printf("FAIL: byte %llu is in no chunk\n", (unsigned long long)byte);
      exit(1);
    }
    copy[byte] ^= (uint8_t)(1u << (bit % 8));
    outcome o;
    snprintf(alarm_text, sizeof alarm_text, "FAIL: bit %llu flipped: the read hangs (30 s)\n",
             (unsigned long long)bit);
    alarm(30);
    read_capture(as_file(copy, intact.size), k, &o);
    alarm(0);
    copy[byte] ^= (uint8_t)(1u << (bit % 8));
    if (k < 0)
      check_header_flip(bit, &o);
    else
      check_chunk_flip(bit, (unsigned)k, &o);
  }
  free(copy);
}

static void print_groups(void)
{
  for (unsigned i = 0; i < ngroups; i++) {
    const group *g = &groups[i];
    if (g->chunk < 0) {
      printf("  bytes %llu-%llu, header, %s: %u flips, each said at its own offset, mended (the "
             "first: \"%s\"); every record read as written\n", (unsigned long long)g->first,
             (unsigned long long)g->last, g->what, g->flips, g->example);
      continue;
    }
    const chunk_span *c = &intact.chunks[g->chunk];
    int ends = (unsigned)g->chunk == intact.nchunks - 1 && !intact.truncated;
    int costs = (unsigned)g->chunk + 1 < intact.nchunks && says_place((unsigned)g->chunk + 1);
    printf("  bytes %llu-%llu, %s (%u records%s): %u flips, each named a corrupt chunk at its "
           "offset (bad chunk header %u, payload checksum mismatch %u)%s; the other %zu records "
           "read as written%s\n", (unsigned long long)g->first, (unsigned long long)g->last,
           g->what, c->records, ends ? ", the end marker" : "", g->flips, g->bad_header,
           g->bad_payload, costs ? ", what it cost said by the chunk after it" : "",
           intact.nrecs - c->records, ends ? ", the capture then cut short" : "");
  }
}

int main(int argc, char **argv)
{
  if (argc != 3) {
    fprintf(stderr, "usage: flip_sweep FILE BYTES\n");
    return 2;
  }
  null_out = fopen("/dev/null", "w");
  memfd = memfd_create("flip-sweep", 0);
  if (!null_out || memfd < 0) {
    perror("flip_sweep");
    return 2;
  }
  snprintf(memfd_path, sizeof memfd_path, "/proc/self/fd/%d", memfd);
  signal(SIGALRM, on_alarm);
  load(argv[1]);
  map_intact();
  uint64_t bytes = strtoull(argv[2], NULL, 10);
  bytes = bytes < intact.size ? bytes : intact.size;
  printf("%s: %zu bytes, header 0-%llu, %u chunks, %zu records; each of the %llu bits of its "
         "first %llu bytes flipped alone:\n", argv[1], intact.size,
         (unsigned long long)intact.header_end - 1, intact.nchunks, intact.nrecs,
         (unsigned long long)bytes * 8, (unsigned long long)bytes);
  sweep(bytes);
  print_groups();
  printf("%llu flips: no crash, no hang, each damage named where it is\n",
         (unsigned long long)bytes * 8);
  return 0;
}
