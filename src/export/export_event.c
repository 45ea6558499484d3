/* Event type names and the FILETIME conversion shared by writers and reader. */
#include "export/export_event.h"

#include <string.h>

#include "export/text.h"

/* 100 ns ticks between 1601-01-01 and 1970-01-01 (369 years, 89 leap days). */
#define FILETIME_UNIX_EPOCH 116444736000000000ull

static const char *const type_names[OSPY_XEV_TYPE_COUNT] = {
  [OSPY_XEV_FUNCTION_CALL] = "FunctionCall",
  [OSPY_XEV_ERROR] = "Error",
  [OSPY_XEV_WARNING] = "Warning",
  [OSPY_XEV_INFO] = "Info",
  [OSPY_XEV_DEBUG] = "Debug",
  [OSPY_XEV_MODULE_LOAD] = "ModuleLoad",
  [OSPY_XEV_MODULE_UNLOAD] = "ModuleUnload",
  [OSPY_XEV_PROCESS_START] = "ProcessStart",
  [OSPY_XEV_PROCESS_EXIT] = "ProcessExit",
  [OSPY_XEV_LOST] = "Lost",
  [OSPY_XEV_ASYNC_RESULT] = "AsyncResult",
  [OSPY_XEV_USB_SUBMIT_URB] = "IOCTL_INTERNAL_USB_SUBMIT_URB",
};

/* ospy's own event types as the original type oSpy's readers know (its
 * loader parses the type into a fixed enumeration and rejects the file at
 * the first name it does not know), and the prefix that makes the message
 * say what the event was. */
static const struct {
  ospy_xevent_type as;
  const char *prefix;
} original_types[OSPY_XEV_TYPE_COUNT] = {
  [OSPY_XEV_FUNCTION_CALL] = { OSPY_XEV_FUNCTION_CALL, "" },
  [OSPY_XEV_ERROR] = { OSPY_XEV_ERROR, "" },
  [OSPY_XEV_WARNING] = { OSPY_XEV_WARNING, "" },
  [OSPY_XEV_INFO] = { OSPY_XEV_INFO, "" },
  [OSPY_XEV_DEBUG] = { OSPY_XEV_DEBUG, "" },
  [OSPY_XEV_MODULE_LOAD] = { OSPY_XEV_INFO, "module loaded: " },
  [OSPY_XEV_MODULE_UNLOAD] = { OSPY_XEV_INFO, "module unloaded: " },
  [OSPY_XEV_PROCESS_START] = { OSPY_XEV_INFO, "process started: " },
  [OSPY_XEV_PROCESS_EXIT] = { OSPY_XEV_INFO, "process " },
  [OSPY_XEV_LOST] = { OSPY_XEV_WARNING, "" },
  [OSPY_XEV_ASYNC_RESULT] = { OSPY_XEV_ASYNC_RESULT, "" },
  [OSPY_XEV_USB_SUBMIT_URB] = { OSPY_XEV_USB_SUBMIT_URB, "" },
};

ospy_xevent_type ospy_xevent_original_type(ospy_xevent_type t, const char **prefix)
{
  if ((unsigned)t >= OSPY_XEV_TYPE_COUNT) {
    *prefix = "";
    return OSPY_XEV_INFO;
  }
  *prefix = original_types[t].prefix;
  return original_types[t].as;
}

ospy_xevent_type ospy_xevent_written_as(const ospy_xevent *ev, const char **prefix)
{
  ospy_xevent_type as = ospy_xevent_original_type(ev->type, prefix);
  if (ev->type == OSPY_XEV_PROCESS_START && ev->attached)
    *prefix = OSPY_XEV_ATTACHED_PREFIX;
  return as;
}

const char *ospy_xevent_type_name(ospy_xevent_type t)
{
  if ((unsigned)t >= OSPY_XEV_TYPE_COUNT)
    return "Unknown";
  return type_names[t];
}

int ospy_xevent_type_from_name(const char *name)
{
  for (int i = 0; i < OSPY_XEV_TYPE_COUNT; i++)
    if (!strcmp(name, type_names[i]))
      return i;
  return -1;
}

bool ospy_xvalue_is_pointer(const ospy_xvalue *v)
{
  size_t n = strlen(v->type);
  if (!strcmp(v->type, "Pointer"))
    return true;
  return n > 3 && !strcmp(v->type + n - 3, "Ptr") && v->nchildren <= 1 &&
         (!v->nchildren || !v->children[0].name);
}

static int is_string_type(const char *type)
{
  return !strcmp(type, "AsciiString") || !strcmp(type, "UnicodeString") ||
         !strcmp(type, "WideString");
}

size_t ospy_xvalue_text_len(const ospy_xvalue *v)
{
  size_t n = strlen(v->text);
  if ((v->flags & (OSPY_XVALUE_TRUNCATED | OSPY_XVALUE_UNREADABLE)) && is_string_type(v->type))
    return ospy_utf8_whole_len(v->text, n);
  return n;
}

uint64_t ospy_filetime_from_unix_ns(int64_t ns)
{
  int64_t ticks = ns / 100;
  if (ns % 100 < 0)
    ticks--; /* floor, so that reading back never moves time forward */
  if (ticks < -(int64_t)FILETIME_UNIX_EPOCH)
    return 0;
  return (uint64_t)(ticks + (int64_t)FILETIME_UNIX_EPOCH);
}

int64_t ospy_filetime_to_unix_ns(uint64_t ft)
{
  int64_t ticks = (int64_t)(ft - FILETIME_UNIX_EPOCH);
  if (ft > (uint64_t)INT64_MAX / 100 + FILETIME_UNIX_EPOCH)
    return INT64_MAX; /* beyond year 2262: saturate */
  if (ticks < INT64_MIN / 100)
    return INT64_MIN; /* before 1677: saturate */
  return ticks * 100;
}

uint64_t ospy_xevent_filetime(const ospy_xevent *ev)
{
  return ev->has_filetime ? ev->filetime : ospy_filetime_from_unix_ns(ev->ts_ns);
}

void ospy_xevent_time(const ospy_xevent *ev, int64_t *sec, uint32_t *nsec)
{
  if (ev->has_filetime) { /* 1601 to 60056: whole seconds fit in an int64 */
    *sec = (int64_t)(ev->filetime / 10000000) - (int64_t)(FILETIME_UNIX_EPOCH / 10000000);
    *nsec = (uint32_t)(ev->filetime % 10000000) * 100;
    return;
  }
  int64_t frac = ev->ts_ns % 1000000000;
  *sec = ev->ts_ns / 1000000000 - (frac < 0); /* before 1970: floor */
  *nsec = (uint32_t)(frac < 0 ? frac + 1000000000 : frac);
}
