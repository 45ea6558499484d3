/* Record validation shared by the controller (ring) and readers (files). */
#include "capture/event.h"

#include <string.h>

static const size_t min_size[OSPY_EV_TYPE_MAX + 1] = {
  [OSPY_EV_PAD] = sizeof(ospy_event_hdr),
  [OSPY_EV_CALL] = sizeof(ospy_event_call),
  [OSPY_EV_MODULE_LOAD] = sizeof(ospy_event_module),
  [OSPY_EV_MODULE_UNLOAD] = sizeof(ospy_event_module),
  [OSPY_EV_ERROR] = sizeof(ospy_event_message),
  [OSPY_EV_WARNING] = sizeof(ospy_event_message),
  [OSPY_EV_INFO] = sizeof(ospy_event_message),
  [OSPY_EV_PROCESS_START] = sizeof(ospy_event_process_start),
  [OSPY_EV_PROCESS_EXIT] = sizeof(ospy_event_process_exit),
  [OSPY_EV_LOST] = sizeof(ospy_event_lost),
  [OSPY_EV_FD_NAME] = sizeof(ospy_event_fd_name),
  [OSPY_EV_HOOK_NAME] = sizeof(ospy_event_hook_name),
  [OSPY_EV_FD_CLOSED] = sizeof(ospy_event_fd_closed),
  [OSPY_EV_EXEC] = sizeof(ospy_event_exec),
  [OSPY_EV_VOID] = sizeof(ospy_event_hdr),
};

const char *ospy_event_type_name(uint16_t type)
{
  static const char *const names[] = { "Pad", "FunctionCall", "ModuleLoad", "ModuleUnload",
                                       "Error", "Warning", "Info", "ProcessStart",
                                       "ProcessExit", "Lost", "FdName", "HookName", "FdClosed",
                                       "Exec", "Void" };
  return type <= OSPY_EV_TYPE_MAX ? names[type] : "?";
}

/* Variable part: total bytes the fixed header announces beyond its own size. */
static uint64_t var_len(const void *rec, uint16_t type)
{
  switch (type) {
  case OSPY_EV_CALL: {
    const ospy_event_call *c = rec;
    return (uint64_t)c->nbt * 8 + c->enter_len + c->leave_len;
  }
  case OSPY_EV_MODULE_LOAD:
  case OSPY_EV_MODULE_UNLOAD:
    return ((const ospy_event_module *)rec)->path_len;
  case OSPY_EV_ERROR:
  case OSPY_EV_WARNING:
  case OSPY_EV_INFO:
    return ((const ospy_event_message *)rec)->text_len;
  case OSPY_EV_PROCESS_START: {
    const ospy_event_process_start *s = rec;
    return (uint64_t)s->cmd_len + s->exe_len;
  }
  case OSPY_EV_FD_NAME:
    return ((const ospy_event_fd_name *)rec)->name_len;
  case OSPY_EV_HOOK_NAME:
    return ((const ospy_event_hook_name *)rec)->name_len;
  case OSPY_EV_EXEC:
    return ((const ospy_event_exec *)rec)->path_len;
  default:
    return 0;
  }
}

int ospy_event_validate(const void *rec, size_t avail, const char **why)
{
  ospy_event_hdr h;
  if (avail < sizeof h) {
    *why = "record header truncated";
    return -1;
  }
  memcpy(&h, rec, sizeof h);
  if (h.type > OSPY_EV_TYPE_MAX || h.type == OSPY_EV_PAD) {
    *why = "unknown record type";
    return -1;
  }
  if (h.size % 8 || h.size > avail || h.size > OSPY_EVENT_MAX_SIZE || h.size < min_size[h.type]) {
    *why = "record size out of bounds";
    return -1;
  }
  if (min_size[h.type] + var_len(rec, h.type) > h.size) {
    *why = "record contents overrun its size";
    return -1;
  }
  if (h.type == OSPY_EV_CALL) {
    const ospy_event_call *c = rec;
    if (c->arch_bits != 32 && c->arch_bits != 64) {
      *why = "call record with bad arch bits";
      return -1;
    }
  }
  return 0;
}
