#ifndef OSPY_AGENT_SAFE_READ_H
#define OSPY_AGENT_SAFE_READ_H

#include <stddef.h>
#include <stdint.h>

/* Bytes read (0 when addr is unmapped); never faults. One syscall. */
size_t ospy_agent_safe_read(uintptr_t addr, void *buf, size_t n);

#endif
