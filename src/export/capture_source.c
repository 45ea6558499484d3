/* Capture file -> decoded events: reader + plan + adapter + values bridge. */
#include "export/capture_source.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture/format.h"
#include "capture/reader.h"
#include "export/from_capture.h"
#include "export/values_bridge.h"
#include "plan/plan.h"
#include "plan/values.h"

struct ospy_capsrc {
  const char *who;
  char *path;
  ospy_capfile_reader *r;
  ospy_plan *plan;
  ospy_from_capture *conv;
  ospy_values_bridge *values;
  uint64_t bad_chunks;
  int at_end; /* read to its end: what it lacks there is known */
  char cmdline[512];
  /* the header's damage (ospy_capfile_header_damage), then what does not
   * decode in it (the plan, the specs): the first nexts' -1s, in order */
  char header_err[2][800];
  int header_errs, header_said;
};

static void header_error(ospy_capsrc *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void header_error(ospy_capsrc *s, const char *fmt, ...)
{
  if (s->header_errs == 2)
    return;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(s->header_err[s->header_errs++], sizeof s->header_err[0], fmt, ap);
  va_end(ap);
}

static void keep_cmdline(ospy_capsrc *s, const ospy_capfile_info *info)
{
  ospy_argv_text(info->cmdline, info->cmdline_len, s->cmdline, sizeof s->cmdline);
}

/* argv[0]'s file name, for events of processes never started (attach). */
static const char *program_name(const ospy_capfile_info *info)
{
  if (!info->cmdline_len || !info->cmdline[0])
    return "";
  const char *slash = strrchr(info->cmdline, '/');
  return slash ? slash + 1 : info->cmdline;
}

static void load_plan(ospy_capsrc *s, const ospy_capfile_info *info)
{
  char perr[256];
  if (info->plan_len && ospy_plan_decode(info->plan, info->plan_len, &s->plan, perr,
                                         sizeof perr) < 0)
    header_error(s, "%s: the plan in the header is invalid (%s); functions are named hook#N",
                 s->path, perr);
  ospy_capfile_set_plan(s->r, s->plan); /* hooks named by module as the capture says */
}

static void load_values(ospy_capsrc *s)
{
  char perr[256];
  size_t speclen = 0;
  if (!s->plan || !ospy_plan_spec_blob(s->plan, &speclen) || !speclen)
    return;
  if ((s->values = ospy_values_bridge_new(s->plan, perr, sizeof perr)))
    {
      ospy_from_capture_set_decoder(s->conv, ospy_values_bridge_decode,
                                    ospy_values_bridge_shape, s->values);
      ospy_from_capture_set_outcome(s->conv, ospy_values_bridge_outcome, s->values);
    }
  else
    header_error(s, "%s: cannot decode argument values (the specs in the header: %s)", s->path,
                 perr);
}

ospy_capsrc *ospy_capsrc_open(const char *path, const char *who, char *err, size_t errcap)
{
  ospy_capsrc *s = calloc(1, sizeof *s);
  if (!s || !(s->path = strdup(path))) {
    free(s);
    snprintf(err, errcap, "out of memory");
    return NULL;
  }
  s->who = who;
  if (!(s->r = ospy_capfile_open(path, err, errcap))) {
    free(s->path);
    free(s);
    return NULL;
  }
  const ospy_capfile_info *info = ospy_capfile_info_get(s->r);
  const char *damage = ospy_capfile_header_damage(s->r);
  if (damage) /* first: it explains what may follow */
    header_error(s, "%s", damage);
  keep_cmdline(s, info);
  load_plan(s, info);
  if (!(s->conv = ospy_from_capture_new(s->plan, program_name(info)))) {
    snprintf(err, errcap, "out of memory");
    ospy_capsrc_close(s);
    return NULL;
  }
  load_values(s);
  return s;
}

int ospy_capsrc_next(ospy_capsrc *s, ospy_xevent *ev, char *err, size_t errcap)
{
  const ospy_event_hdr *rec;
  int rc;
  if (s->header_said < s->header_errs) { /* damaged as a corrupt chunk is: said once, first */
    snprintf(err, errcap, "%s", s->header_err[s->header_said++]);
    return -1;
  }
  while ((rc = ospy_capfile_next(s->r, &rec, err, errcap)) != 0) {
    if (rc < 0) {
      s->bad_chunks++;
      return -1;
    }
    int c = ospy_from_capture_convert(s->conv, rec, ev, err, errcap);
    if (c < 0)
      return -2;
    if (c == 0)
      return 1;
  }
  s->at_end = 1;
  return 0;
}

const char *ospy_capsrc_fd_name(const ospy_capsrc *s, uint32_t pid, int64_t fd)
{
  return ospy_from_capture_fd_name(s->conv, pid, fd);
}

const char *ospy_capsrc_cmdline(const ospy_capsrc *s)
{
  return s->cmdline;
}

uint64_t ospy_capsrc_bad_chunks(const ospy_capsrc *s)
{
  return s->bad_chunks;
}

void ospy_capsrc_close(ospy_capsrc *s)
{
  if (!s)
    return;
  char msg[512];
  const char *why;
  uint64_t bad = s->conv && s->who ? ospy_from_capture_decode_failures(s->conv, &why) : 0;
  if (bad)
    fprintf(stderr, "%s: %s: warning: the values of %llu call(s) did not match their spec "
            "(first: %s)\n", s->who, s->path, (unsigned long long)bad, why);
  /* a file not read to its end (a pass that stopped early) lacks nothing yet */
  if (s->r && s->who && s->at_end && ospy_capfile_truncated(s->r, msg, sizeof msg))
    fprintf(stderr, "%s: warning: %s\n", s->who, msg); /* msg names the file */
  ospy_from_capture_free(s->conv);
  ospy_values_bridge_free(s->values);
  ospy_plan_free(s->plan);
  if (s->r)
    ospy_capfile_close_reader(s->r);
  free(s->path);
  free(s);
}
