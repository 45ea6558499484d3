/* The lower bound for read(): an LD_PRELOAD wrapper that logs what ospy logs
 * for `-f read` (fd, count, the bytes read up to 64, the return value, enter
 * and leave timestamps, the thread) into an in-memory array. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

typedef struct entry { uint64_t t0, t1; int fd, tid; size_t count; ssize_t ret; char data[64]; } entry;
#define MAX (1u << 20)
static entry *log_;
static volatile uint32_t n;
static ssize_t (*real_read)(int, void *, size_t);
static __thread int tid;

static uint64_t now(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

ssize_t read(int fd, void *buf, size_t count)
{
  if (!real_read) {
    real_read = (ssize_t (*)(int, void *, size_t))dlsym(RTLD_NEXT, "read");
    log_ = calloc(MAX, sizeof *log_);
  }
  uint64_t t0 = now();
  ssize_t r = real_read(fd, buf, count);
  entry *e = &log_[__atomic_fetch_add(&n, 1, __ATOMIC_RELAXED) & (MAX - 1)];
  e->t1 = now();
  e->t0 = t0;
  e->fd = fd;
  e->count = count;
  e->ret = r;
  if (r > 0)
    memcpy(e->data, buf, (size_t)r < sizeof e->data ? (size_t)r : sizeof e->data);
  if (!tid)
    tid = gettid();
  e->tid = tid;
  return r;
}
