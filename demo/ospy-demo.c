/*
 * The demo program ospy captures in README's first command: it reads a file,
 * talks to itself over a loopback TCP socket, asks a terminal ioctl, and
 * calls a DeviceIoControl look-alike that fails once (the seed's scenario).
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

/* Returns non-zero and fills *out_len on success; on failure *out_len is left
 * as garbage, as DeviceIoControl leaves lpBytesReturned. */
int dev_control(int fd, unsigned code, const void *in, size_t in_len, void *out,
                size_t out_cap, size_t *out_len);

__attribute__((noinline)) int dev_control(int fd, unsigned code, const void *in, size_t in_len,
                                          void *out, size_t out_cap, size_t *out_len)
{
  if (code != 0x2f0003 || in_len == 0 || out_cap < in_len)
    return 0;
  for (size_t i = 0; i < in_len; i++)
    ((unsigned char *)out)[i] = (unsigned char)(((const unsigned char *)in)[i] ^ 0x20);
  *out_len = in_len;
  return fd >= 0;
}

static void read_a_file(const char *path)
{
  char buf[128];
  int fd = open(path, O_RDONLY);
  if (fd < 0)
    return;
  ssize_t n = read(fd, buf, sizeof buf - 1);
  printf("demo: read %zd bytes from %s\n", n, path);
  close(fd);
}

/* The demo's server port: a fixed one, so that two captures of the demo
 * are the same (ospy diff calls them equivalent); any free one when it is
 * taken (another demo running at the same time). */
#define DEMO_PORT 47011

static int listen_on_loopback(struct sockaddr_in *a)
{
  int srv = socket(AF_INET, SOCK_STREAM, 0);
  int on = 1;
  socklen_t len = sizeof *a;
  *a = (struct sockaddr_in){ .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK),
                             .sin_port = htons(DEMO_PORT) };
  if (srv < 0)
    return -1;
  if (setsockopt(srv, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) < 0 ||
      bind(srv, (struct sockaddr *)a, sizeof *a) < 0) {
    a->sin_port = 0;
    if (bind(srv, (struct sockaddr *)a, sizeof *a) < 0)
      goto fail;
  }
  if (listen(srv, 1) < 0 || getsockname(srv, (struct sockaddr *)a, &len) < 0)
    goto fail;
  return srv;
fail:
  close(srv);
  return -1;
}

static void talk_over_loopback(void)
{
  struct sockaddr_in a;
  int srv = listen_on_loopback(&a);
  if (srv < 0)
    return;
  int cli = socket(AF_INET, SOCK_STREAM, 0);
  if (cli >= 0 && connect(cli, (struct sockaddr *)&a, sizeof a) == 0) {
    int peer = accept(srv, NULL, NULL);
    const char req[] = "GET /demo HTTP/1.0\r\n\r\n";
    char buf[64];
    send(cli, req, sizeof req - 1, 0);
    ssize_t n = recv(peer, buf, sizeof buf, 0);
    printf("demo: the server received %zd bytes\n", n);
    close(peer);
  }
  close(cli);
  close(srv);
}

int main(void)
{
  read_a_file("/etc/hostname");
  talk_over_loopback();
  struct winsize ws;
  int r = ioctl(0, TIOCGWINSZ, &ws);
  printf("demo: TIOCGWINSZ on stdin %s\n", r == 0 ? "answered" : "failed (not a terminal)");
  unsigned char out[16];
  size_t out_len = 0x7fffffff; /* garbage unless the call succeeds */
  int ok1 = dev_control(3, 0x2f0003, "hello", 5, out, sizeof out, &out_len);
  /* static: a local's store was dropped by gcc (dev_control only writes
   * it), and the failed call then showed whatever the stack held */
  static size_t garbage = 0x7fffffff;
  int ok2 = dev_control(3, 0x1234, "hello", 5, out, sizeof out, &garbage);
  printf("demo: dev_control succeeded %d, then failed %d\n", ok1, !ok2);
  return 0;
}
