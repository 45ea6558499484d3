/* Opening a capture for the readers, walking a call's values, progress. */
#include "cli/read_common.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "capture/format.h"

int read_session_open(read_session *s, const char *cmd, const char *path)
{
  char err[1024];
  s->path = path;
  s->cmd = cmd;
  s->r = ospy_capfile_open(path, err, sizeof err);
  if (!s->r) {
    fprintf(stderr, "ospy %s: %s\n", cmd, err);
    return -1;
  }
  s->info = ospy_capfile_info_get(s->r);
  const char *damage = ospy_capfile_header_damage(s->r);
  if (damage) { /* first: what it says explains what may follow */
    fprintf(stderr, "ospy %s: %s\n", cmd, damage);
    s->header_damaged = 1;
  }
  if (s->info->plan_len &&
      ospy_plan_decode(s->info->plan, s->info->plan_len, &s->plan, err, sizeof err) < 0) {
    fprintf(stderr, "ospy %s: %s: the plan in the header is invalid: %s\n", cmd, path, err);
    s->header_damaged = 1;
  }
  ospy_capfile_set_plan(s->r, s->plan); /* hooks named by module as the capture says */
  s->specs = s->plan ? ospy_format_specs_of(s->plan, err, sizeof err) : NULL;
  if (s->plan && !s->specs && err[0]) {
    fprintf(stderr, "ospy %s: %s: the specs in the header are invalid: %s\n", cmd, path, err);
    s->header_damaged = 1;
  }
  return 0;
}

void read_session_close(read_session *s)
{
  ospy_spec_table_free(s->specs);
  ospy_plan_free(s->plan);
  if (s->r)
    ospy_capfile_close_reader(s->r);
  memset(s, 0, sizeof *s);
}

const ospy_plan_hook *read_call_hook(const read_session *s, const ospy_event_call *c)
{
  return s->plan ? ospy_plan_hook_at(s->plan, c->hook) : NULL;
}

const ospy_spec_fn *read_call_spec(const read_session *s, const ospy_event_call *c)
{
  const ospy_plan_hook *hk = read_call_hook(s, c);
  if (!hk || !s->specs || hk->spec_index == OSPY_PLAN_NO_SPEC || (c->h.flags & OSPY_CALL_F_RAW))
    return NULL;
  return ospy_spec_table_fn(s->specs, hk->spec_index);
}

const uint8_t *read_call_enter(const ospy_event_call *c)
{
  return (const uint8_t *)(c + 1) + (size_t)c->nbt * 8;
}

const uint8_t *read_call_leave(const ospy_event_call *c)
{
  return read_call_enter(c) + c->enter_len;
}

int read_call_walk(const read_session *s, const ospy_event_call *c,
                   const ospy_value_visitor *v, void *data)
{
  const ospy_spec_fn *fn = read_call_spec(s, c);
  char err[256];
  if (!fn)
    return 0;
  if (c->enter_len &&
      ospy_values_decode(fn, read_call_enter(c), c->enter_len, v, data, err, sizeof err) < 0)
    return -1;
  if (c->leave_len &&
      ospy_values_decode(fn, read_call_leave(c), c->leave_len, v, data, err, sizeof err) < 0)
    return -1;
  return 0;
}

const char *read_call_name(const read_session *s, const ospy_event_call *c, char *buf,
                           size_t cap)
{
  const ospy_plan_hook *hk = read_call_hook(s, c);
  if (hk)
    return hk->display[0] ? hk->display : hk->symbol;
  snprintf(buf, cap, "hook#%u", c->hook);
  return buf;
}

int read_stdout_finish(const char *cmd)
{
  errno = 0;
  /* stdio keeps what it could not write and tries again here: errno is the
   * write's own */
  if (fflush(stdout) == 0 && !ferror(stdout))
    return 0;
  int why = errno;
  if (why != EPIPE)
    fprintf(stderr, "ospy %s: stdout: %s\n", cmd, why ? strerror(why) : "write error");
  return -1;
}

void read_progress_init(read_progress *p, int enabled)
{
  memset(p, 0, sizeof *p);
  p->enabled = enabled;
  p->passes = 1;
  clock_gettime(CLOCK_MONOTONIC, &p->start);
  p->last = p->start;
}

void read_progress_set_passes(read_progress *p, unsigned passes)
{
  p->passes = passes ? passes : 1;
}

void read_progress_next_pass(read_progress *p)
{
  if (p->pass + 1 < p->passes)
    p->pass++;
}

static double seconds_between(const struct timespec *a, const struct timespec *b)
{
  return (double)(b->tv_sec - a->tv_sec) + (double)(b->tv_nsec - a->tv_nsec) / 1e9;
}

static void progress_draw(read_progress *p, uint64_t done, uint64_t size, double elapsed)
{
  enum { WIDTH = 40 };
  double frac = size ? (double)done / (double)size : 1.0;
  int fill = (int)(frac * WIDTH);
  char bar[WIDTH + 1];
  for (int i = 0; i < WIDTH; i++)
    bar[i] = i < fill ? '#' : '.';
  bar[WIDTH] = 0;
  fprintf(stderr, "\r[%s] %3d%% %llu MiB %.0fs", bar, (int)(frac * 100),
          (unsigned long long)(done >> 20), elapsed);
  fflush(stderr);
  p->drawn = 1;
}

void read_progress_tick(read_progress *p, const ospy_capfile_reader *r)
{
  if (!p->enabled || (++p->ticks & 4095))
    return;
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  double elapsed = seconds_between(&p->start, &now);
  if (elapsed < 1.0 || seconds_between(&p->last, &now) < 0.1)
    return;
  p->last = now;
  uint64_t done, size;
  ospy_capfile_position(r, &done, &size);
  progress_draw(p, p->pass * size + done, p->passes * size, elapsed);
}

void read_progress_done(read_progress *p)
{
  if (p->drawn)
    fprintf(stderr, "\r%*s\r", 60, "");
  p->drawn = 0;
}
