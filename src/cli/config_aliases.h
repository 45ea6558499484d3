/* Two hooks of a config that name one function by two of its names (ELF
 * aliases: f_alias_a and f_alias_b at one address) for the same processes:
 * the capture hooks it once, under the first hook's name and definition,
 * and warns of the second (the agent, src/agent/inline.c). `ospy check`
 * warns alike, for the modules whose file it can find without a program: a
 * path, or a library of the library directories (the program's own
 * functions only a capture can tell). */
#ifndef OSPY_CLI_CONFIG_ALIASES_H
#define OSPY_CLI_CONFIG_ALIASES_H

#include "config/config.h"

/* Adds a warning to diag for each such hook of c (loaded from path), but
 * not for a shipped preset's (its aliases, open64 and open in x86-64 glibc,
 * are its own, hooked once without a word), nor for two names whose
 * definitions show a call alike (ospy_spec_fn_alike). */
void ospy_config_check_aliases(const ospy_config *c, const char *path, ospy_diag *diag);

/* Whether path is a shipped preset's file (configs/NAME.xml, given with
 * --preset or by its path with -c). */
int ospy_config_is_shipped_preset(const char *path);

#endif
