/*
 * Thunk resolution: follows jmp rel8/rel32, x86-64 jmp [rip+x] (PLT, GOT),
 * .plt.sec's endbr64 + bnd jmp [rip+x] and i386 jmp [abs32] to the function
 * they lead to, through the caller's memory reader.
 */
#include "arch/x86/x86_decode.h"
#include "arch/x86/x86_relocator.h"

#define THUNK_MAX_DEPTH 8

/* Reads up to 16 bytes at addr (fewer near the end of a mapping). */
static size_t read_some(uint64_t addr, uint8_t *b, ospy_x86_read_fn read, void *data) {
  static const size_t tries[] = {16, 11, 6, 2};
  for (unsigned i = 0; i < sizeof tries / sizeof tries[0]; i++)
    if (read(addr, b, tries[i], data)) return tries[i];
  return 0;
}

/* Offset after an optional endbr and bnd prefix. */
static unsigned thunk_prefix(const uint8_t *b, size_t n, ospy_x86_mode mode) {
  unsigned i = ospy_x86_starts_with_endbr(b, n, mode) ? 4 : 0;
  if (i < n && b[i] == 0xF2) i++;
  return i;
}

/* A lazy-binding PLT stub: [endbr] push imm32; [bnd] jmp ... */
static bool is_lazy_stub(uint64_t addr, ospy_x86_mode mode, ospy_x86_read_fn read, void *data) {
  uint8_t b[16];
  size_t n = read_some(addr, b, read, data);
  unsigned i = ospy_x86_starts_with_endbr(b, n, mode) ? 4 : 0;
  if (i + 6 > n || b[i] != 0x68) return false;
  i += 5;
  if (b[i] == 0xF2 && i + 1 < n) i++;
  return b[i] == 0xE9 || b[i] == 0xEB;
}

/* One step of a chain of thunks. */
typedef enum thunk_kind {
  THUNK_NONE,     /* not a thunk: a function */
  THUNK_FOLLOWED, /* *next is where it jumps */
  THUNK_UNBOUND,  /* an indirect jump whose target is not known yet: a lazy
                   * PLT slot, or i386's jmp [ebx+x] */
} thunk_kind;

static thunk_kind thunk_step(uint64_t addr, ospy_x86_mode mode, ospy_x86_read_fn read,
                             void *data, uint64_t *next) {
  uint8_t b[16];
  size_t n = read_some(addr, b, read, data);
  unsigned i = thunk_prefix(b, n, mode);
  if (i + 2 <= n && b[i] == 0xEB) {
    *next = ospy_x86_wrap(mode, addr + i + 2 + (uint64_t)ospy_x86_rel_at(b + i + 1, 1));
    return THUNK_FOLLOWED;
  }
  if (i + 5 <= n && b[i] == 0xE9) {
    *next = ospy_x86_wrap(mode, addr + i + 5 + (uint64_t)ospy_x86_rel_at(b + i + 1, 4));
    return THUNK_FOLLOWED;
  }
  if (i + 2 > n || b[i] != 0xFF || ((b[i + 1] >> 3) & 7) != 4)
    return THUNK_NONE;
  /* jmp through a register or [reg+x] (i386's PIC PLT: jmp [ebx+x], its GOT
   * depends on the caller's ebx): where it goes is not known here */
  if (b[i + 1] != 0x25 || i + 6 > n)
    return THUNK_UNBOUND;
  uint64_t slot = mode == OSPY_X86_MODE_64 ? addr + i + 6 + (uint64_t)ospy_x86_rel_at(b + i + 2, 4)
                                           : (uint32_t)ospy_x86_rel_at(b + i + 2, 4);
  uint64_t target = 0;
  size_t ptr = mode == OSPY_X86_MODE_64 ? 8 : 4;
  if (!read(slot, &target, ptr, data))
    return THUNK_UNBOUND;
  /* Not bound yet (lazy binding): the slot leads back to the resolver stub. */
  if (target == 0 || is_lazy_stub(target, mode, read, data))
    return THUNK_UNBOUND;
  *next = target;
  return THUNK_FOLLOWED;
}

static bool is_direct_jmp(uint64_t addr, ospy_x86_mode mode, ospy_x86_read_fn read, void *data) {
  uint8_t b[16];
  size_t n = read_some(addr, b, read, data);
  unsigned i = thunk_prefix(b, n, mode);
  return i < n && (b[i] == 0xEB || b[i] == 0xE9);
}

uint64_t ospy_x86_resolve_stubs(uint64_t addr, ospy_x86_mode mode, ospy_x86_read_fn read,
                                void *data) {
  uint64_t at = addr;
  for (unsigned depth = 0; depth < THUNK_MAX_DEPTH && !is_direct_jmp(at, mode, read, data);
       depth++) {
    uint64_t next = at;
    if (thunk_step(at, mode, read, data, &next) != THUNK_FOLLOWED || next == at)
      break;
    at = next;
  }
  return at;
}

/* A chain that ends in a PLT stub not bound yet stays at its start: the
 * stub is shared by every caller in its module (libstdc++'s operator new[]
 * is `jmp operator new@plt`; hooked at that stub, it took the library's
 * own calls of operator new), while the first thunk is the function asked
 * for. A stub asked for itself is hooked as it is. */
uint64_t ospy_x86_resolve_thunks(uint64_t addr, ospy_x86_mode mode, ospy_x86_read_fn read,
                                 void *data) {
  uint64_t at = addr;
  for (unsigned depth = 0; depth < THUNK_MAX_DEPTH; depth++) {
    uint64_t next = at;
    thunk_kind k = thunk_step(at, mode, read, data, &next);
    if (k == THUNK_UNBOUND && at != addr)
      return addr;
    if (k != THUNK_FOLLOWED || next == at)
      break;
    at = next;
  }
  return at;
}
