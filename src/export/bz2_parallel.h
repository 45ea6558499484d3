/* bzip2 compression of a byte stream with its blocks compressed on worker
 * threads, written as ONE stream, byte for byte what `bzip2 -N -c` writes for
 * the same bytes (oSpy's .NET reader reads one stream only: concatenated
 * streams will not do). The input is cut where libbz2 would cut its blocks;
 * each block is compressed by libbz2 as a stream of its own and its bits
 * joined into the output in order (bz2_block.h).
 *
 * Memory is bounded: workers + 2 blocks of input in flight (900 kB each at
 * level 9, more for input with long runs of one byte, up to 255 / 5 times
 * as much), and libbz2's 7.6 MB per worker while it compresses. With no
 * worker (none asked for, or none could be started) the blocks are
 * compressed on the caller's thread: the same bytes out. */
#ifndef OSPY_EXPORT_BZ2_PARALLEL_H
#define OSPY_EXPORT_BZ2_PARALLEL_H

#include <pthread.h>
#include <stddef.h>

#include "export/bz2_block.h"

#define OSPY_BZ2PAR_MAX_THREADS 4

typedef struct ospy_bz2par ospy_bz2par;

/* Workers the machine has room for: its CPUs (this process's affinity), at
 * most OSPY_BZ2PAR_MAX_THREADS; 0 on one CPU. */
int ospy_bz2par_default_threads(void);

/* level 1-9; nthreads 0-OSPY_BZ2PAR_MAX_THREADS workers (fewer when
 * threads cannot be created). The stream is written through write, from the
 * caller's thread only. NULL when out of memory. */
ospy_bz2par *ospy_bz2par_new(int level, int nthreads, ospy_bz2_write_fn write, void *user);
/* 0, or -1 after an error (ospy_bz2par_error); later calls do nothing. */
int ospy_bz2par_write(ospy_bz2par *z, const void *p, size_t n);
/* Writes the last blocks and the stream's end. */
int ospy_bz2par_finish(ospy_bz2par *z);
const char *ospy_bz2par_error(const ospy_bz2par *z);
int ospy_bz2par_threads(const ospy_bz2par *z);
/* Stops the workers (a block being compressed is finished first). */
void ospy_bz2par_free(ospy_bz2par *z);

/* How workers are started; tests replace it with one that fails. */
extern int (*ospy_bz2par_thread_create)(pthread_t *, const pthread_attr_t *,
                                        void *(*)(void *), void *);

#endif
