/* What the diff tests' capture generators (gen_calls.c, gen_forks.c) share:
 * one capture file written with a plan of one hook, libc's read recorded as
 * raw words, and records appended with their size aligned. */
#ifndef OSPY_TESTS_DIFF_GEN_COMMON_H
#define OSPY_TESTS_DIFF_GEN_COMMON_H
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture/event.h"
#include "capture/file.h"
#include "plan/plan.h"

#define GEN_START_NS 1700000000000000000ull

static ospy_capfile_writer *gen_w;
static char gen_err[512];

static void gen_append(void *rec, size_t len)
{
  ospy_event_hdr *h = rec;
  h->size = ospy_event_align(len);
  if (ospy_capfile_append(gen_w, rec, h->size, gen_err, sizeof gen_err) < 0) {
    fprintf(stderr, "append: %s\n", gen_err);
    exit(1);
  }
}

static void *gen_read_plan(size_t *len)
{
  ospy_plan_builder *b = ospy_plan_builder_new(64);
  ospy_plan_hook h = { .kind = OSPY_HOOK_EXPORT, .spec_index = OSPY_PLAN_NO_SPEC,
                       .module = "libc.so.6", .symbol = "read", .display = "libc.so.6!read" };
  if (!b || ospy_plan_builder_add(b, &h) < 0)
    return NULL;
  void *p = ospy_plan_builder_encode(b, len);
  ospy_plan_builder_free(b);
  return p;
}

/* The capture at path of a program started as cmdline (mode "spawn" or
 * "attach"), or exit 1. */
static void gen_create(const char *path, const char *cmdline, const char *mode)
{
  size_t plan_len = 0;
  void *plan = gen_read_plan(&plan_len);
  ospy_capfile_meta m = { .version = "test", .host = "test-host", .start_ns = GEN_START_NS,
                          .cmdline = cmdline, .cmdline_len = strlen(cmdline) + 1, .plan = plan,
                          .plan_len = plan_len, .mode = mode };
  if (!plan || !(gen_w = ospy_capfile_create(path, &m, gen_err, sizeof gen_err))) {
    fprintf(stderr, "create: %s\n", plan ? gen_err : "plan");
    exit(1);
  }
  free(plan);
}

static int gen_close(void)
{
  if (ospy_capfile_close(gen_w, gen_err, sizeof gen_err) < 0) {
    fprintf(stderr, "close: %s\n", gen_err);
    return 1;
  }
  return 0;
}
#endif
