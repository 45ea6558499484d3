/*
 * A program of our own for hookall_programs.sh, built for both arches: the
 * i386 build has no i386 ls, sort or python3 to run (Debian's coreutils:i386
 * is Multi-Arch: foreign, it cannot sit beside the amd64 one), so this is the
 * i386 run's program. It uses libc the way real programs do and prints what
 * it got: qsort calling back into the program, number formatting and parsing,
 * regex, time formatting, iconv, setjmp/longjmp, stdio on a file, threads,
 * fork + exec of itself, getaddrinfo, getpwuid; a line on stderr; status 3.
 */
#include <iconv.h>
#include <netdb.h>
#include <pthread.h>
#include <pwd.h>
#include <regex.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int by_name(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static void sorting(void) {
  const char *words[] = { "pear", "apple", "fig", "kiwi", "banana", "cherry" };
  qsort(words, 6, sizeof *words, by_name);
  for (int i = 0; i < 6; i++)
    printf("%s%c", words[i], i < 5 ? ' ' : '\n');
}

static void numbers(void) {
  printf("[%5d|%-6s|%08.3f|%x|%e|%g|%lld]\n", -42, "ab", 3.14159, 0xbeefu, 6.02e23, 1e-5, -1234567890123LL);
  char *end;
  double d = strtod("2.5e3xyz", &end);
  printf("strtod %.1f rest %s, strtol %ld, atoi %d\n", d, end, strtol("-0x1f", NULL, 16), atoi("77"));
}

static void matching(void) {
  regex_t re;
  regmatch_t m[3];
  const char *s = "user=alice id=1234";
  if (regcomp(&re, "([a-z]+)=([0-9]+)", REG_EXTENDED) != 0)
    return;
  if (regexec(&re, s, 3, m, 0) == 0)
    printf("regex %.*s -> %.*s\n", (int)(m[1].rm_eo - m[1].rm_so), s + m[1].rm_so,
           (int)(m[2].rm_eo - m[2].rm_so), s + m[2].rm_so);
  regfree(&re);
}

static void dates(void) {
  time_t t = 1000000000;
  char buf[64];
  strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S %A %j", gmtime(&t));
  struct tm tm = { .tm_year = 120, .tm_mon = 1, .tm_mday = 29, .tm_hour = 12 };
  printf("time %s, mktime %lld\n", buf, (long long)mktime(&tm)); /* TZ=UTC */
}

static void conversion(void) {
  iconv_t cd = iconv_open("UTF-16LE", "UTF-8");
  if (cd == (iconv_t)-1)
    return;
  char in[] = "h\xc3\xa9llo", out[32];
  char *ip = in, *op = out;
  size_t il = strlen(in), ol = sizeof out;
  iconv(cd, &ip, &il, &op, &ol);
  iconv_close(cd);
  printf("iconv %zu bytes:", sizeof out - ol);
  for (char *p = out; p < op; p++)
    printf(" %02x", (unsigned char)*p);
  printf("\n");
}

static jmp_buf jump;
static int jump_back(int depth) {
  if (depth == 0)
    longjmp(jump, 7);
  return depth < 0 ? depth : jump_back(depth - 1) + 1;
}

static void jumps(void) {
  volatile int rounds = 0;
  int v = setjmp(jump);
  if (v == 0 || ++rounds < 3)
    jump_back(5);
  printf("longjmp %d after %d rounds\n", v, rounds);
}

static void files(void) {
  char path[] = "/tmp/ospy-workload-XXXXXX";
  int fd = mkstemp(path);
  FILE *f = fd >= 0 ? fdopen(fd, "w+") : NULL;
  if (!f)
    return;
  for (int i = 0; i < 500; i++)
    fprintf(f, "line %d %s\n", i, i % 3 ? "x" : "yy");
  rewind(f);
  char line[64];
  size_t lines = 0, chars = 0;
  while (fgets(line, sizeof line, f)) {
    lines++;
    chars += strlen(line);
  }
  fclose(f);
  unlink(path);
  printf("stdio %zu lines %zu chars\n", lines, chars);
}

static void *thread_work(void *arg) {
  long k = (long)arg, sum = 0;
  for (int i = 0; i < 2000; i++) {
    char *p = malloc(16 + (size_t)(i % 64));
    snprintf(p, 16, "%ld", k * i);
    sum += atol(p);
    free(p);
  }
  return (void *)sum;
}

static void threads(void) {
  pthread_t t[4];
  for (long k = 0; k < 4; k++)
    pthread_create(&t[k], NULL, thread_work, (void *)(k + 1));
  printf("threads");
  for (int k = 0; k < 4; k++) {
    void *r;
    pthread_join(t[k], &r);
    printf(" %ld", (long)r);
  }
  printf("\n");
}

static void child(void) {
  fflush(stdout);
  pid_t pid = fork();
  if (pid == 0) {
    execl("/proc/self/exe", "hookall_workload", "child", (char *)NULL);
    _exit(127);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  printf("child exited %d\n", WEXITSTATUS(status));
}

static void lookups(void) {
  struct addrinfo hints = { .ai_family = AF_INET, .ai_socktype = SOCK_STREAM }, *res = NULL;
  int rc = getaddrinfo("localhost", "80", &hints, &res);
  printf("getaddrinfo %s\n", rc == 0 ? "ok" : gai_strerror(rc));
  if (res)
    freeaddrinfo(res);
  struct passwd *pw = getpwuid(0);
  printf("uid 0 is %s\n", pw ? pw->pw_name : "?");
}

int main(int argc, char **argv) {
  if (argc > 1 && strcmp(argv[1], "child") == 0) {
    printf("child says hello\n");
    return 5;
  }
  sorting();
  numbers();
  matching();
  dates();
  conversion();
  jumps();
  files();
  threads();
  child();
  lookups();
  fprintf(stderr, "workload done\n");
  return 3;
}
