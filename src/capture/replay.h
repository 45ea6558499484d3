/*
 * What a reader must have read to read a chunk, kept by the controller and
 * repeated at the start of a chunk, so that the loss of any one chunk loses
 * its own records only (controller).
 *
 * A call is named by the last HookName record of its hook before it, a
 * backtrace symbolized from its process's ProcessStart and ModuleLoad
 * records, a descriptor by the last FdName record: records written once,
 * mostly in the first chunk. A corrupt chunk took them with it, and every
 * later call lost its module name (`qa_add`, not `libqa.so!qa_add`: none of
 * them matched `show -e 'libqa.so!qa_add'`) and its descriptors' names.
 *
 * The controller keeps the last HookName record of each hook and, for each
 * process still running, its ProcessStart, the ModuleLoad records of its
 * current image and its FdName records, and writes copies of them, flagged
 * OSPY_EVENT_F_REPEATED, at the start of the chunk that follows a chunk
 * holding any such record (none of them: nothing to repeat, and a capture of
 * calls alone pays nothing). Readers skip the copies unless the chunk before
 * was lost (reader.h); then they take them as what they say.
 */
#ifndef OSPY_CAPTURE_REPLAY_H
#define OSPY_CAPTURE_REPLAY_H

#include <stddef.h>
#include <stdint.h>

#include "capture/event.h"

typedef struct ospy_replay_records {
  ospy_event_hdr **v;
  size_t n, cap;
} ospy_replay_records;

typedef struct ospy_replay_process {
  uint32_t pid;
  ospy_event_hdr *start;       /* its last ProcessStart (NULL: none seen) */
  ospy_replay_records modules; /* ModuleLoad of its current image, in load order */
  ospy_replay_records fds;     /* FdName of its named descriptors */
} ospy_replay_process;

typedef struct ospy_replay {
  ospy_replay_records hook_names; /* the last HookName of each hook that has one */
  ospy_replay_process *procs;     /* in the order they started */
  size_t nprocs, capprocs;
  int changed; /* a record it keeps was written since the last repeat */
} ospy_replay;

/* A record written to the file: kept when it is one a later chunk needs
 * (HookName, ProcessStart, ModuleLoad, FdName; a ModuleUnload or a
 * ProcessExit drops what it ends). Out of memory, a record is not kept (its
 * repeat is missing; the capture goes on). */
void ospy_replay_note(ospy_replay *rp, const ospy_event_hdr *rec);

/* Whether a record of this type is one ospy_replay_note looks at (not a
 * call: checked before the call for every record written). */
static inline int ospy_replay_kept(uint16_t type)
{
  return type == OSPY_EV_HOOK_NAME || type == OSPY_EV_PROCESS_START ||
         type == OSPY_EV_MODULE_LOAD || type == OSPY_EV_MODULE_UNLOAD ||
         type == OSPY_EV_FD_NAME || type == OSPY_EV_PROCESS_EXIT;
}
/* Whether the chunk being started needs the repeat: a record it keeps was
 * written since the last one. */
static inline int ospy_replay_due(const ospy_replay *rp)
{
  return rp->changed;
}
/* Hands a copy of each record kept, flagged OSPY_EVENT_F_REPEATED, to add
 * (hook names first, then each process: its start, modules, descriptors).
 * Stops at the first add that fails and returns -1; else 0. */
int ospy_replay_write(ospy_replay *rp, int (*add)(void *ctx, const ospy_event_hdr *rec),
                      void *ctx);
void ospy_replay_free(ospy_replay *rp);

#endif
