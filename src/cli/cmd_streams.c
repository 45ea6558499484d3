/* ospy streams FILE [--follow N [-x]]: the data sent and received per socket,
 * descriptor and TLS session (src/export/streams.h), listed, or one
 * conversation dumped as Wireshark's Follow Stream does. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli_getopt.h"
#include "cli/commands.h"
#include "cli/read_common.h"
#include "export/capture_source.h"
#include "export/streams.h"
#include "plan/values.h"

#define STREAMS_USAGE "usage: ospy streams [--follow N [-x]] FILE\n"

typedef struct follow {
  ospy_capsrc *src; /* the capture being read */
  uint32_t id;   /* 0: list only */
  int hex;
  int shown;     /* the header was printed */
} follow;

static void streams_help(void)
{
  printf(STREAMS_USAGE
         "  Rebuilds the data sent and received per socket, file descriptor and TLS\n"
         "  session (send/recv/read/write/sendmsg/recvmsg/..., SSL_read/SSL_write)\n"
         "  and lists the conversations: #N pid fd kind local -> remote, bytes out/in.\n"
         "  --follow N  print conversation N's data in order (>>> sent, <<< received)\n"
         "  -x          ... as a hex dump\n");
}

/* Names the traced program chose (a file's path, a UNIX socket's) are
 * escaped as show escapes them: none of their bytes reaches the terminal
 * as a control sequence. */
static void put_name(FILE *out, const char *name)
{
  ospy_safe_fputs(out, name, strlen(name));
}

static void describe(FILE *out, const ospy_conv *c, int counts)
{
  char l[160], r[160];
  ospy_endpoint_text(&c->local, l, sizeof l);
  ospy_endpoint_text(&c->remote, r, sizeof r);
  fprintf(out, "#%-3u %-7u ", c->id, c->pid);
  if (c->kind == OSPY_CONV_TLS)
    fprintf(out, "ssl=0x%llx fd=%lld tls ", (unsigned long long)c->ssl, (long long)c->fd);
  else
    fprintf(out, "fd=%-3lld %-6s ", (long long)c->fd, ospy_conv_kind_name(c->kind));
  if (c->kind == OSPY_CONV_FILE || c->kind == OSPY_CONV_FD) {
    put_name(out, c->name[0] ? c->name : "?");
  } else {
    put_name(out, l);
    fprintf(out, " -> ");
    put_name(out, r);
  }
  if (!counts) {
    fprintf(out, "\n");
    return;
  }
  fprintf(out, "  %llu bytes out, %llu in", (unsigned long long)c->bytes[0],
          (unsigned long long)c->bytes[1]);
  uint64_t lost = c->bytes[0] + c->bytes[1] - c->captured[0] - c->captured[1];
  if (lost)
    fprintf(out, " (%llu not recorded)", (unsigned long long)lost);
  fprintf(out, "\n");
}

static void print_time(int64_t ns)
{
  time_t t = (time_t)(ns / 1000000000);
  struct tm tm;
  char buf[32];
  localtime_r(&t, &tm);
  strftime(buf, sizeof buf, "%H:%M:%S", &tm);
  printf("%s.%06lld", buf, (long long)(ns % 1000000000 / 1000));
}

/* Printable ASCII, LF and TAB as they are; CR LF as a newline; other
 * control bytes (a lone CR) and bytes past ASCII as '.'. */
static void dump_text(const uint8_t *p, size_t n)
{
  for (size_t i = 0; i < n; i++) {
    uint8_t ch = p[i];
    if (ch == '\r' && i + 1 < n && p[i + 1] == '\n')
      continue;
    putchar(ch == '\n' || ch == '\t' || (ch >= 0x20 && ch < 0x7f) ? ch : '.');
  }
  if (n && p[n - 1] != '\n')
    putchar('\n');
}

/* As hexdump -C. */
static void dump_hex(const uint8_t *p, size_t n)
{
  for (size_t off = 0; off < n; off += 16) {
    printf("%08zx ", off);
    for (size_t i = off; i < off + 16; i++)
      printf(i < n ? "%s %02x" : "%s   ", i == off + 8 ? " " : "", i < n ? p[i] : 0);
    printf("  |");
    for (size_t i = off; i < off + 16 && i < n; i++)
      putchar(p[i] >= 0x20 && p[i] < 0x7f ? p[i] : '.');
    printf("|\n");
  }
}

static void on_data(void *user, const ospy_conv *c, const ospy_stream_data *d)
{
  follow *f = user;
  if (c->id != f->id)
    return;
  if (!f->shown++) {
    printf("==> ");
    describe(stdout, c, 0);
  }
  if (d->after_gap)
    printf("[events were lost while capturing before this: data may be missing here]\n");
  printf("%s ", d->dir == OSPY_STREAM_OUT ? ">>> sent" : "<<< received");
  /* (through another copy of the descriptor than its first data's: which) */
  if (c->kind != OSPY_CONV_TLS && d->fd != c->fd)
    printf("%llu bytes (%s on fd %lld) at ", (unsigned long long)d->count, d->func,
           (long long)d->fd);
  else
    printf("%llu bytes (%s) at ", (unsigned long long)d->count, d->func);
  print_time(d->ts_ns);
  printf("\n");
  (f->hex ? dump_hex : dump_text)(d->bytes, d->nbytes);
  if (d->count > d->nbytes)
    printf("[%llu more bytes were not recorded]\n", (unsigned long long)(d->count - d->nbytes));
}

/* A descriptor no open() named (stdout) by the capture's FdName records. */
static const char *fd_name(void *user, uint32_t pid, int64_t fd)
{
  const follow *f = user;
  return ospy_capsrc_fd_name(f->src, pid, fd);
}

/* An error reading the capture, naming the file once: the reader's own
 * messages (a corrupt chunk) already start with it, others do not. */
static void print_read_error(const char *path, const char *err)
{
  size_t n = strlen(path);
  if (!strncmp(err, path, n) && err[n] == ':')
    fprintf(stderr, "ospy streams: %s\n", err);
  else
    fprintf(stderr, "ospy streams: %s: %s\n", path, err);
}

static int read_all(const char *path, ospy_streams *st, follow *f)
{
  char err[1024];
  ospy_capsrc *src = ospy_capsrc_open(path, "ospy streams", err, sizeof err);
  if (!src) {
    fprintf(stderr, "ospy streams: %s\n", err);
    return -1;
  }
  f->src = src;
  ospy_xevent ev;
  int rc, status = 0;
  while ((rc = ospy_capsrc_next(src, &ev, err, sizeof err)) != 0 && rc != -2) {
    if (rc == -1) {
      print_read_error(path, err);
      status = 1;
    } else if (ospy_streams_feed(st, &ev) < 0) {
      snprintf(err, sizeof err, "out of memory");
      rc = -2;
      break;
    }
  }
  if (rc == -2) {
    print_read_error(path, err);
    status = -1;
  }
  ospy_streams_finish(st);
  f->src = NULL;
  ospy_capsrc_close(src);
  return status;
}

static int run_streams(const char *path, follow *f)
{
  ospy_streams_cb cb = { on_data, NULL, f, fd_name };
  ospy_streams *st = ospy_streams_new(&cb);
  if (!st) {
    fprintf(stderr, "ospy streams: out of memory\n");
    return 1;
  }
  int rc = read_all(path, st, f);
  size_t n = ospy_streams_count(st);
  ospy_streams_gaps gaps;
  ospy_streams_get_gaps(st, &gaps);
  ospy_streams_say_gaps("ospy streams", &gaps);
  if (rc >= 0 && f->id && f->id > n) {
    fprintf(stderr, "ospy streams: no conversation #%u in %s (it has %zu)\n", f->id, path, n);
    rc = 1;
  } else if (rc >= 0 && f->id) {
    printf("==> ");
    describe(stdout, ospy_streams_get(st, f->id), 1);
  } else if (rc >= 0) {
    for (uint32_t id = 1; id <= n; id++)
      describe(stdout, ospy_streams_get(st, id), 1);
    if (!n)
      fprintf(stderr, "ospy streams: %s: no data was sent or received in the recorded calls\n",
              path);
  }
  ospy_streams_free(st);
  if (read_stdout_finish("streams") < 0)
    rc = 1;
  return rc == 0 ? 0 : 1;
}

static int parse_id(const char *s, uint32_t *id)
{
  char *end;
  unsigned long n = strtoul(s, &end, 10);
  if (*end || end == s || s[0] == '-' || n == 0 || n > UINT32_MAX) {
    fprintf(stderr, "ospy streams: --follow: '%s' is not a conversation number (1, 2, ...)\n", s);
    return -1;
  }
  *id = (uint32_t)n;
  return 0;
}

int cmd_streams(int argc, char **argv)
{
  static const struct option longopts[] = {
    { "follow", required_argument, 0, 'f' }, { "hex", no_argument, 0, 'x' },
    { "help", no_argument, 0, 'h' }, { 0, 0, 0, 0 } };
  follow f = { 0 };
  int c;
  optind = 1;
  while ((c = ospy_cli_getopt(argc, argv, "f:xh", longopts, "streams", "FILE")) != -1) {
    if (c == 'h') {
      streams_help();
      return 0;
    } else if (c == 'x') {
      f.hex = 1;
    } else if (c != 'f' || parse_id(optarg, &f.id) < 0) {
      fprintf(stderr, STREAMS_USAGE);
      return 2;
    }
  }
  if (optind + 1 != argc) {
    fprintf(stderr, "ospy streams: %s\n",
            optind == argc ? "no capture file named" : "one capture file at a time");
    fprintf(stderr, STREAMS_USAGE);
    return 2;
  }
  if (f.hex && !f.id) {
    fprintf(stderr, "ospy streams: -x goes with --follow N\n");
    return 2;
  }
  return run_streams(argv[optind], &f);
}
