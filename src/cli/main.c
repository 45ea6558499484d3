/* ospy: dispatch to one subcommand per file (cmd_*.c). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/commands.h"
#include "ospy-config.h"

static const ospy_command commands[] = {
  { "version", "print the ospy version", cmd_version },
  { "expr", "compile, disassemble and evaluate an expression", cmd_expr },
  { "capture", "run or attach to a program and record its calls", cmd_capture },
  { "show", "print the events of a capture file", cmd_show },
  { "stats", "per-function calls, errors, durations and latency histograms", cmd_stats },
  { "check", "validate a config.xml and print the resolved plan", cmd_check },
  { "export", "write a capture as oSpy .osd, XML, JSON Lines, Perfetto JSON or pcapng", cmd_export },
  { "import", "convert an oSpy .osd (to xml, jsonl, osd, osd-plain, perfetto, pcapng)", cmd_import },
  { "definitions", "list the functions the shipped presets describe", cmd_definitions },
  { "diff", "compare two recordings of the same program call by call", cmd_diff },
  { "streams", "the data sent and received per socket, descriptor and TLS session", cmd_streams },
};

static void print_usage(FILE *out)
{
  fprintf(out, "usage: ospy COMMAND [ARGS...]\n\ncommands:\n");
  for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
    fprintf(out, "  %-12s %s\n", commands[i].name, commands[i].summary);
  fprintf(out, "\n'ospy COMMAND --help' describes one command.\n");
}

int cmd_version(int argc, char **argv)
{
  (void)argc;
  (void)argv;
  printf("ospy %s (%s)\n", OSPY_VERSION, OSPY_ARCH_NAME);
  return 0;
}

unsigned ospy_std_fds_closed;

static void std_fds_reserve(void)
{
  for (int fd = 0; fd < 3; fd++) {
    if (fcntl(fd, F_GETFD) >= 0 || errno != EBADF)
      continue;
    int null = open("/dev/null", O_RDWR);
    if (null == fd) /* the lowest free number: this one */
      ospy_std_fds_closed |= 1u << fd;
    else if (null >= 0)
      close(null);
  }
}

int main(int argc, char **argv)
{
  std_fds_reserve();
  if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
    print_usage(argc < 2 ? stderr : stdout);
    return argc < 2 ? 2 : 0;
  }
  if (!strcmp(argv[1], "--version"))
    return cmd_version(argc - 1, argv + 1);
  for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
    if (!strcmp(argv[1], commands[i].name)) {
      /* the command sees itself as its messages name it: "ospy capture" */
      static char name[64];
      snprintf(name, sizeof name, "ospy %s", commands[i].name);
      argv[1] = name;
      return commands[i].run(argc - 1, argv + 1);
    }
  fprintf(stderr, "ospy: unknown command '%s'\n", argv[1]);
  print_usage(stderr);
  return 2;
}
