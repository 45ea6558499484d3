/* Shared between the export writer front end and the .osd container code. */
#ifndef OSPY_EXPORT_EXPORT_INTERNAL_H
#define OSPY_EXPORT_EXPORT_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

int ospy_osd_begin(FILE *f, const char *path, int compressed, char *err, size_t errcap);
int ospy_osd_patch_count(FILE *f, const char *path, uint64_t nevents,
                         char *err, size_t errcap);

#endif
