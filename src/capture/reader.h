/*
 * Streaming capture-file reader (show and the exporters). Memory is bounded by
 * one chunk (at most 16 MiB decompressed). Every chunk is checked (header CRC,
 * payload CRC, sizes) and every record validated; a corrupt chunk is reported
 * with its file offset and skipped, the following intact chunks still read.
 * A damaged header is mended where its checksum finds the damage, else taken
 * as it reads, and said (ospy_capfile_header_damage); the whole records of a
 * last chunk cut short are read; chunks missing, copied or out of place are
 * found by the place each chunk says it has in the capture
 * (docs/capture-format.md, "Damaged captures").
 */
#ifndef OSPY_CAPTURE_READER_H
#define OSPY_CAPTURE_READER_H

#include <stddef.h>
#include <stdint.h>

#include "capture/event.h"
#include "plan/plan.h"

typedef struct ospy_capfile_reader ospy_capfile_reader;

typedef struct ospy_capfile_info {
  char version[64];
  char host[256];
  uint64_t start_ns;
  const char *cmdline; /* NUL-separated, cmdline_len bytes */
  size_t cmdline_len;
  const uint8_t *plan;
  size_t plan_len;
  char mode[16];
} ospy_capfile_info;

/* NULL with a message in err when the file is not a readable capture. */
ospy_capfile_reader *ospy_capfile_open(const char *path, char *err, size_t errcap);
const ospy_capfile_info *ospy_capfile_info_get(const ospy_capfile_reader *r);
/* NULL when the header's checksum matched; else what was damaged in it and
 * what the reader made of it, naming the file ("FILE: damaged header: one
 * bit flipped at offset 345 (in the plan); mended: its checksum matches
 * now", or, when the damage could not be found, which of what the header
 * says may be wrong). Readers say it before anything else and exit as for
 * a corrupt chunk: the file is damaged, whatever was recovered. */
const char *ospy_capfile_header_damage(const ospy_capfile_reader *r);
/* Next record: 1 (*rec valid until the next call), 0 at the end, -1 for
 * damage, err naming the file and an offset; call again to go on: a corrupt
 * chunk (skipped); chunks missing before the one at an offset (removed, or
 * lost to the damage said before it: what that cost), its records then
 * read; a copy of a chunk read before (skipped); a chunk out of place (read).
 * Records flagged OSPY_EVENT_F_REPEATED (copies of what earlier chunks
 * said: replay.h) are returned only from a chunk that follows a lost one
 * (readers then take what they say and show nothing of them: a hook's name,
 * a process's module map and descriptor names), else skipped. */
int ospy_capfile_next(ospy_capfile_reader *r, const ospy_event_hdr **rec, char *err,
                      size_t errcap);
/* After the end: 1 when the file ended without the end marker (a capture cut
 * short: the controller died or it is still being written); the message says
 * where: no end marker, or the last chunk cut in its header, or cut at byte
 * N of M with K of its R records recovered (whole records of what it has,
 * each checked as any chunk's but by the payload CRC the cut took). */
int ospy_capfile_truncated(const ospy_capfile_reader *r, char *msg, size_t cap);
/* The damage said so far (the -1 returns of ospy_capfile_next). */
uint64_t ospy_capfile_bad_chunks(const ospy_capfile_reader *r);
/* Bytes of the file consumed so far (up to the chunk being read) and the
 * file's size, for progress reports. */
void ospy_capfile_position(const ospy_capfile_reader *r, uint64_t *done, uint64_t *size);
void ospy_capfile_close_reader(ospy_capfile_reader *r);
/* The plan decoded from this file's header: from now on ospy_capfile_next
 * applies the HookName records it reads to it (ospy_hook_name_apply), before
 * returning them, so that every reader names calls alike. */
void ospy_capfile_set_plan(ospy_capfile_reader *r, ospy_plan *plan);
/* A HookName record: the calls of its hook are shown with its name from then
 * on (a display name with a glob or no module, the module the agent found
 * the function in). Other records: nothing. */
void ospy_hook_name_apply(ospy_plan *plan, const ospy_event_hdr *rec);

#endif
