/* ospy capture -p PID: placeholder until the injector is wired below. */
#include <stdio.h>

#include "cli/cmd_capture.h"

int ospy_capture_attach(ospy_session *s, const ospy_capture_opts *o)
{
  (void)s;
  fprintf(stderr, "ospy capture: -p %d: attaching is not available in this build\n", o->pid);
  return 2;
}
