/* The .osd v2 container: "oSpy", u32 version 2, u32 isCompressed, u32 event
 * count, then the event XML (bzip2-compressed when isCompressed = 1). The
 * count is unknown while streaming, so a zero is written first and the real
 * count patched in at close. */
#include "export/export.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "export/export_internal.h"

static void put_u32le(uint8_t *p, uint32_t v)
{
  p[0] = (uint8_t)v;
  p[1] = (uint8_t)(v >> 8);
  p[2] = (uint8_t)(v >> 16);
  p[3] = (uint8_t)(v >> 24);
}

void ospy_osd_header_encode(uint8_t out[OSPY_OSD_HEADER_SIZE], int compressed,
                            uint32_t nevents)
{
  memcpy(out, "oSpy", 4);
  put_u32le(out + 4, 2);
  put_u32le(out + 8, compressed ? 1 : 0);
  put_u32le(out + 12, nevents);
}

int ospy_osd_begin(FILE *f, const char *path, int compressed, char *err, size_t errcap)
{
  uint8_t hdr[OSPY_OSD_HEADER_SIZE];
  ospy_osd_header_encode(hdr, compressed, 0);
  if (fwrite(hdr, 1, sizeof hdr, f) != sizeof hdr) {
    snprintf(err, errcap, "%s: %s", path, strerror(errno));
    return -1;
  }
  return 0;
}

int ospy_osd_patch_count(FILE *f, const char *path, uint64_t nevents,
                         char *err, size_t errcap)
{
  uint8_t cnt[4];
  if (nevents > UINT32_MAX) {
    snprintf(err, errcap, "%s: %llu events do not fit the .osd header (u32)",
             path, (unsigned long long)nevents);
    return -1;
  }
  put_u32le(cnt, (uint32_t)nevents);
  if (fseek(f, 12, SEEK_SET) != 0 || fwrite(cnt, 1, 4, f) != 4 || fflush(f) != 0) {
    snprintf(err, errcap, "%s: cannot patch the event count: %s", path, strerror(errno));
    return -1;
  }
  return 0;
}
