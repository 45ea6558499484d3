/*
 * The code range of a function from an ELF image's .eh_frame: the unwind
 * entry (FDE) covering an address. `strip --strip-all` leaves .eh_frame in
 * place (unwinders and C++ exceptions need it), so a stripped file still
 * tells where its functions begin and end. Agent code: reads a file mapped
 * by the caller, allocates nothing.
 */
#ifndef OSPY_AGENT_EH_FRAME_H
#define OSPY_AGENT_EH_FRAME_H

#include <stddef.h>
#include <stdint.h>

/* The FDE of the ELF image at map (size bytes, the agent's own class) whose
 * code range holds the link-time address v: 1 with the range [*lo, *hi); 0
 * when the image has an .eh_frame and no entry covers v (hand-written
 * assembly without CFI directives); -1 when it has none, or one this reader
 * does not understand. Found by its section header (.eh_frame), else by the
 * PT_GNU_EH_FRAME segment (a file without section headers). */
int ospy_eh_frame_function(const uint8_t *map, size_t size, uint64_t v, uint64_t *lo,
                           uint64_t *hi);

/* The bytes of the section named name (".comment") in the ELF image at map
 * (size bytes, the agent's own class), *len of them; NULL when it has none,
 * no section headers, or one whose bytes are not all in the image (or that
 * has none in the file: SHT_NOBITS). */
const uint8_t *ospy_elf_section_bytes(const uint8_t *map, size_t size, const char *name,
                                      size_t *len);

#endif
