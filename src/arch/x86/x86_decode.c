/*
 * Decoding helpers shared by the relocator and the thunk resolver: a
 * Capstone handle in detail mode, and the branch shapes recognised from the
 * raw opcode bytes (the few forms that exist are easy to name exactly, and
 * the relocator must know them exactly).
 */
#include "arch/x86/x86_decode.h"

/* ---- decoding ----------------------------------------------------------- */

bool ospy_x86_dec_open(ospy_x86_decoder *d, ospy_x86_mode mode) {
  d->insn = NULL;
  if (cs_open(CS_ARCH_X86, mode == OSPY_X86_MODE_64 ? CS_MODE_64 : CS_MODE_32, &d->cs) !=
      CS_ERR_OK)
    return false;
  cs_option(d->cs, CS_OPT_DETAIL, CS_OPT_ON);
  d->insn = cs_malloc(d->cs);
  if (!d->insn) {
    cs_close(&d->cs);
    return false;
  }
  return true;
}

void ospy_x86_dec_close(ospy_x86_decoder *d) {
  if (d->insn) cs_free(d->insn, 1);
  cs_close(&d->cs);
}

bool ospy_x86_dec_one(ospy_x86_decoder *d, const uint8_t *code, size_t avail, uint64_t addr) {
  const uint8_t *p = code;
  size_t n = avail < OSPY_X86_MAX_INSN_BYTES ? avail : OSPY_X86_MAX_INSN_BYTES;
  uint64_t a = addr;
  return cs_disasm_iter(d->cs, &p, &n, &a, d->insn);
}

int ospy_x86_insn_boundary(const uint8_t *code, size_t size, size_t off, ospy_x86_mode mode,
                           size_t *start, size_t *len) {
  ospy_x86_decoder d;
  if (off >= size || !ospy_x86_dec_open(&d, mode)) return -1;
  size_t at = 0;
  int verdict = -1;
  while (at < off) {
    if (!ospy_x86_dec_one(&d, code + at, size - at, at)) break; /* undecodable: no verdict */
    size_t n = d.insn->size;
    if (off < at + n) {
      *start = at;
      *len = n;
      verdict = 0;
      break;
    }
    at += n;
  }
  if (at == off) verdict = 1;
  ospy_x86_dec_close(&d);
  return verdict;
}

/* ---- instruction shapes from the raw bytes ------------------------------ */

bool ospy_x86_is_legacy_prefix(uint8_t b) {
  switch (b) {
  case 0xF0: case 0xF2: case 0xF3: case 0x2E: case 0x36:
  case 0x3E: case 0x26: case 0x64: case 0x65: case 0x66: case 0x67:
    return true;
  default:
    return false;
  }
}

ospy_x86_shape ospy_x86_classify(const uint8_t *b, unsigned size, uint64_t addr,
                                 ospy_x86_mode mode) {
  ospy_x86_shape s = {.kind = OSPY_X86_K_OTHER};
  unsigned i = 0;
  while (i < size && ospy_x86_is_legacy_prefix(b[i])) s.opsize |= b[i++] == 0x66;
  if (mode == OSPY_X86_MODE_64 && i < size && (b[i] & 0xF0) == 0x40) s.rex = b[i++];
  s.op = i;
  if (i >= size) return s;
  uint8_t o = b[i], o2 = i + 1 < size ? b[i + 1] : 0;
  uint64_t next = addr + size;
  unsigned rel_size = 0;
  if (o == 0xEB || o == 0xE9) {
    s.kind = OSPY_X86_K_JMP;
    rel_size = o == 0xEB ? 1 : 4;
  } else if ((o & 0xF0) == 0x70) {
    s.kind = OSPY_X86_K_JCC;
    s.cc = o & 15;
    rel_size = 1;
  } else if (o == 0x0F && (o2 & 0xF0) == 0x80) {
    s.kind = OSPY_X86_K_JCC;
    s.cc = o2 & 15;
    rel_size = 4;
  } else if (o == 0xE8) {
    s.kind = OSPY_X86_K_CALL;
    rel_size = 4;
  } else if (o >= 0xE0 && o <= 0xE3) {
    s.kind = OSPY_X86_K_LOOP;
    rel_size = 1;
  } else if (o == 0xC7 && o2 == 0xF8) {
    s.kind = OSPY_X86_K_BAD_REL; /* xbegin */
  } else if (o == 0xC3 || o == 0xC2 || o == 0xCB || o == 0xCA || o == 0xF4 || o == 0xCC ||
             (o == 0x0F && (o2 == 0x0B || o2 == 0xB9 || o2 == 0xFF)) ||
             (o == 0xFF && ((o2 >> 3) & 7) >= 4 && ((o2 >> 3) & 7) <= 5)) {
    s.kind = OSPY_X86_K_END;
  }
  if (rel_size) {
    /* A 0x66 prefix makes a relative branch 16-bit on i386 (and is
     * vendor-specific on x86-64): not worth guessing. */
    if (s.opsize && s.kind != OSPY_X86_K_LOOP) s.kind = OSPY_X86_K_BAD_REL;
    else s.target = ospy_x86_wrap(mode, next + (uint64_t)ospy_x86_rel_at(b + size - rel_size,
                                                                         rel_size));
  }
  return s;
}

bool ospy_x86_starts_with_endbr(const uint8_t *code, size_t avail, ospy_x86_mode mode) {
  uint8_t last = mode == OSPY_X86_MODE_64 ? 0xFA : 0xFB;
  return avail >= 4 && code[0] == 0xF3 && code[1] == 0x0F && code[2] == 0x1E && code[3] == last;
}

/* Index of the moved instruction starting at off, or -1. */
int ospy_x86_moved_index(const ospy_x86_reloc_plan *plan, uint64_t off) {
  for (unsigned i = 0; i < plan->n_insns; i++)
    if (plan->insn_offset[i] == off) return (int)i;
  return -1;
}
