/*
 * The shipped catalogue (configs/NAME.xml, one preset per file) as `ospy
 * definitions` lists it and as `ospy capture -f` looks functions up in it:
 * one lookup for both.
 */
#ifndef OSPY_CLI_CATALOGUE_H
#define OSPY_CLI_CATALOGUE_H

#include <stddef.h>

#include "config/config.h"

typedef struct ospy_catalogue_preset {
  char name[64];  /* "files" for configs/files.xml */
  ospy_config *c; /* loaded for the catalogue's architecture */
} ospy_catalogue_preset;

typedef struct ospy_catalogue {
  ospy_catalogue_preset *presets; /* by name */
  size_t n;
} ospy_catalogue;

/* Loads every preset of OSPY_CONFIGS_DIR for arch_bits (64 or 32). A preset
 * that does not load is reported on stderr (prefixed by who) and makes the
 * result -1; the others are still there. */
int ospy_catalogue_load(unsigned arch_bits, ospy_catalogue *cat, const char *who);
void ospy_catalogue_free(ospy_catalogue *cat);

/* A function pattern: "FUNC" or "MODULE!FUNC", each part a name or a glob
 * (fnmatch). module is "" when not given. 0, or -1 after printing why. */
int ospy_func_pattern_split(const char *item, char *module, size_t mcap, char *func,
                            size_t fcap, const char *who);
int ospy_is_glob(const char *s);

/* Whether hook i of config c answers the pattern: func matches the hooked
 * symbol or the spec's name, and module (when not "") matches the hook's
 * module. */
int ospy_catalogue_hook_matches(const ospy_config *c, size_t i, const char *module,
                                const char *func);

#endif
