/* bzip2 blocks compressed on worker threads, joined in order into one
 * stream (bz2_parallel.h). */
#include "export/bz2_parallel.h"

#include <bzlib.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int (*ospy_bz2par_thread_create)(pthread_t *, const pthread_attr_t *, void *(*)(void *),
                                 void *) = pthread_create;

enum { SLOT_FREE, SLOT_QUEUED, SLOT_RUNNING, SLOT_DONE };

typedef struct {
  uint8_t *in; /* the block's input bytes */
  size_t len, cap;
  ospy_bz2_block blk;
  int state;
  int rc;        /* ospy_bz2_block_compress's */
  uint64_t seq;  /* the block's number: workers take the oldest queued first */
} slot;

struct ospy_bz2par {
  int level;
  ospy_bz2_split split;
  slot slots[OSPY_BZ2PAR_MAX_THREADS + 2];
  int nslots;   /* used in turn; 1 without workers */
  int cur;      /* the slot being filled (not in flight) */
  int inflight; /* slots before cur queued, compressing or done, not yet written */
  uint64_t seq;
  pthread_mutex_t mu;
  pthread_cond_t work, done;
  pthread_t tids[OSPY_BZ2PAR_MAX_THREADS];
  ospy_bz2_mem mem[OSPY_BZ2PAR_MAX_THREADS + 1]; /* a worker's, [nthreads] the caller's */
  int started;  /* workers that took their mem */
  int nthreads;
  bool stop;
  bool failed;
  char err[128];
  ospy_bz2_join join; /* last: 64 KiB */
};

int ospy_bz2par_default_threads(void)
{
  cpu_set_t set;
  int n = 1;
  if (sched_getaffinity(0, sizeof set, &set) == 0)
    n = CPU_COUNT(&set);
  if (n <= 1)
    return 0;
  return n < OSPY_BZ2PAR_MAX_THREADS ? n : OSPY_BZ2PAR_MAX_THREADS;
}

static void par_fail(ospy_bz2par *z, int rc)
{
  if (z->failed)
    return;
  z->failed = true;
  if (rc == BZ_MEM_ERROR)
    snprintf(z->err, sizeof z->err, "out of memory compressing with bzip2");
  else
    snprintf(z->err, sizeof z->err, "bzip2 compression failed (%d)", rc);
}

static void *worker(void *arg)
{
  ospy_bz2par *z = arg;
  pthread_mutex_lock(&z->mu);
  ospy_bz2_mem *mem = &z->mem[z->started++];
  for (;;) {
    if (z->stop)
      break; /* blocks still queued are not wanted any more */
    slot *job = NULL;
    for (int i = 0; i < z->nslots; i++) {
      slot *s = &z->slots[i];
      if (s->state == SLOT_QUEUED && (!job || s->seq < job->seq))
        job = s;
    }
    if (!job) {
      pthread_cond_wait(&z->work, &z->mu);
      continue;
    }
    job->state = SLOT_RUNNING;
    pthread_mutex_unlock(&z->mu);
    int rc = ospy_bz2_block_compress(&job->blk, job->in, job->len, z->level, mem);
    pthread_mutex_lock(&z->mu);
    job->rc = rc;
    job->state = SLOT_DONE;
    pthread_cond_broadcast(&z->done);
  }
  pthread_mutex_unlock(&z->mu);
  return NULL;
}

ospy_bz2par *ospy_bz2par_new(int level, int nthreads, ospy_bz2_write_fn write, void *user)
{
  ospy_bz2par *z = calloc(1, sizeof *z);
  if (!z)
    return NULL;
  z->level = level;
  ospy_bz2_split_init(&z->split, level);
  ospy_bz2_join_init(&z->join, level, write, user);
  pthread_mutex_init(&z->mu, NULL);
  pthread_cond_init(&z->work, NULL);
  pthread_cond_init(&z->done, NULL);
  if (nthreads > OSPY_BZ2PAR_MAX_THREADS)
    nthreads = OSPY_BZ2PAR_MAX_THREADS;
  /* workers take no signals: the caller's thread handles them as before */
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  while (z->nthreads < nthreads &&
         ospy_bz2par_thread_create(&z->tids[z->nthreads], NULL, worker, z) == 0)
    z->nthreads++;
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  pthread_mutex_lock(&z->mu); /* the workers read it */
  z->nslots = z->nthreads ? z->nthreads + 2 : 1;
  pthread_mutex_unlock(&z->mu);
  return z;
}

int ospy_bz2par_threads(const ospy_bz2par *z)
{
  return z->nthreads;
}

const char *ospy_bz2par_error(const ospy_bz2par *z)
{
  return z->err;
}

static int slot_append(ospy_bz2par *z, slot *s, const uint8_t *p, size_t n)
{
  if (n == 0)
    return 0; /* (p may be NULL: memcpy's pointers must not be, even for 0 bytes) */
  if (n > s->cap - s->len) {
    size_t cap = s->cap ? s->cap : 100000u * (size_t)z->level + 64;
    while (cap - s->len < n)
      cap *= 2;
    uint8_t *in = realloc(s->in, cap);
    if (!in) {
      par_fail(z, BZ_MEM_ERROR);
      return -1;
    }
    s->in = in;
    s->cap = cap;
  }
  memcpy(s->in + s->len, p, n);
  s->len += n;
  return 0;
}

/* The oldest block, compressed: its bits go out. */
static void slot_write(ospy_bz2par *z, slot *s)
{
  if (s->rc != 0)
    par_fail(z, s->rc);
  else if (!z->failed)
    ospy_bz2_join_block(&z->join, &s->blk);
  s->len = 0;
}

/* Writes the blocks in flight that are done, in order; with wait, until
 * at most keep are left in flight. */
static void drain(ospy_bz2par *z, int keep)
{
  pthread_mutex_lock(&z->mu);
  while (z->inflight > 0) {
    slot *s = &z->slots[(z->cur - z->inflight + z->nslots) % z->nslots];
    if (s->state != SLOT_DONE) {
      if (z->inflight <= keep)
        break;
      pthread_cond_wait(&z->done, &z->mu);
      continue;
    }
    pthread_mutex_unlock(&z->mu);
    slot_write(z, s); /* no worker touches a done slot */
    pthread_mutex_lock(&z->mu);
    s->state = SLOT_FREE;
    z->inflight--;
  }
  pthread_mutex_unlock(&z->mu);
}

/* The current slot's block is complete: compressed here, or handed to the
 * workers; cur moves on to a free slot. */
static void submit(ospy_bz2par *z)
{
  slot *s = &z->slots[z->cur];
  s->seq = z->seq++;
  if (!z->nthreads) {
    s->rc = ospy_bz2_block_compress(&s->blk, s->in, s->len, z->level,
                                    &z->mem[OSPY_BZ2PAR_MAX_THREADS]);
    slot_write(z, s);
    return;
  }
  pthread_mutex_lock(&z->mu);
  s->state = SLOT_QUEUED;
  z->inflight++;
  z->cur = (z->cur + 1) % z->nslots;
  pthread_cond_signal(&z->work);
  pthread_mutex_unlock(&z->mu);
  /* the next slot is the oldest in flight when all are */
  drain(z, z->nslots - 1);
}

int ospy_bz2par_write(ospy_bz2par *z, const void *data, size_t n)
{
  const uint8_t *p = data;
  while (n && !z->failed) {
    size_t i = ospy_bz2_split_scan(&z->split, p, n);
    if (slot_append(z, &z->slots[z->cur], p, i) < 0)
      break;
    if (i == n)
      break;
    submit(z);
    if (slot_append(z, &z->slots[z->cur], p + i, 1) < 0) /* begins the next block */
      break;
    p += i + 1;
    n -= i + 1;
  }
  return z->failed ? -1 : 0;
}

int ospy_bz2par_finish(ospy_bz2par *z)
{
  if (!z->failed && z->slots[z->cur].len)
    submit(z);
  if (z->nthreads)
    drain(z, 0);
  if (!z->failed)
    ospy_bz2_join_end(&z->join);
  return z->failed ? -1 : 0;
}

void ospy_bz2par_free(ospy_bz2par *z)
{
  if (!z)
    return;
  pthread_mutex_lock(&z->mu);
  z->stop = true;
  pthread_cond_broadcast(&z->work);
  pthread_mutex_unlock(&z->mu);
  for (int i = 0; i < z->nthreads; i++)
    pthread_join(z->tids[i], NULL);
  for (int i = 0; i <= OSPY_BZ2PAR_MAX_THREADS; i++)
    ospy_bz2_mem_free(&z->mem[i]);
  for (int i = 0; i < OSPY_BZ2PAR_MAX_THREADS + 2; i++) {
    free(z->slots[i].in);
    ospy_bz2_block_free(&z->slots[i].blk);
  }
  pthread_mutex_destroy(&z->mu);
  pthread_cond_destroy(&z->work);
  pthread_cond_destroy(&z->done);
  free(z);
}
