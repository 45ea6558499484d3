/* Executable cells for hook stubs and trampolines (see code_arena.c). */
#ifndef OSPY_INTERCEPTOR_CODE_ARENA_H
#define OSPY_INTERCEPTOR_CODE_ARENA_H

#include <stdbool.h>
#include <stdint.h>

#include "interceptor/interceptor_internal.h"

/* A cell of OSPY_HOOK_CELL_SIZE bytes; *is_near tells whether it is within
 * rel32 reach of near. 0 when out of memory. Callers hold the interceptor lock. */
uintptr_t ospy_code_arena_alloc(uintptr_t near, bool *is_near);
bool ospy_code_arena_contains(uintptr_t addr);
/* Gives back the cell just allocated (a refused hook). */
void ospy_code_arena_unalloc(uintptr_t cell);

#endif
