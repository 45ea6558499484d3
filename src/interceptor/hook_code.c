/*
 * Builds a hook's code without touching the target: reads the prologue,
 * asks the relocator whether it can move enough bytes, takes a code cell near
 * the function and writes into hook->code[] (the cell's future content) the
 * enter stub and the relocated prologue, and into hook->jump[] the bytes that
 * will replace the prologue. Capstone (malloc) runs here, never while other
 * threads are suspended.
 */
#include <capstone/capstone.h>
#include <dlfcn.h>
#include <link.h>
#include <stdio.h>
#include <string.h>

#include "arch/x86/x86_branch_scan.h"
#include "arch/x86/x86_relocator.h"
#include "arch/x86/x86_writer.h"
#include "interceptor/code_arena.h"
#include "interceptor/interceptor_internal.h"
#include "interceptor/module_refs.h"
#include "os/linux/os_maps.h"
#include "os/linux/os_memory.h"
#include "os/linux/os_read.h"

#if defined(__x86_64__)
#define NATIVE_MODE OSPY_X86_MODE_64
#define ABS_JUMP_LEN 14
#else
#define NATIVE_MODE OSPY_X86_MODE_32
#define ABS_JUMP_LEN 5
#endif
#define NEAR_JUMP_LEN 5
#define READ_WINDOW 4096

bool ospy_hook_read_original(uint64_t addr, void *out, size_t n, void *data) {
  (void)data;
  if (ospy_os_read_memory((uintptr_t)addr, out, n) != n)
    return false;
  ospy_hooks_overlay_original((uintptr_t)addr, out, n);
  return true;
}

/* The symbol's size when addr is the start of a dynamic symbol, else 0. */
static size_t symbol_size(uintptr_t addr) {
  Dl_info info;
  const ElfW(Sym) *sym = NULL;
  if (!dladdr1((void *)addr, &info, (void **)&sym, RTLD_DL_SYMENT) || !sym ||
      (uintptr_t)info.dli_saddr != addr)
    return 0;
  return (size_t)sym->st_size;
}

static ospy_interceptor_status map_status(ospy_x86_reloc_status s) {
  switch (s) {
  case OSPY_X86_RELOC_OK:
    return OSPY_INTERCEPTOR_OK;
  case OSPY_X86_RELOC_TOO_SHORT:
    return OSPY_INTERCEPTOR_TOO_SHORT;
  case OSPY_X86_RELOC_BRANCH_BACK:
    return OSPY_INTERCEPTOR_BRANCH_BACK;
  default:
    return OSPY_INTERCEPTOR_UNSUPPORTED;
  }
}

static ospy_interceptor_status fail(ospy_interceptor_error *err, ospy_interceptor_status st,
                                    uintptr_t fn, const char *why) {
  if (err) {
    err->status = st;
    /* a long reason loses its end (e.g. the trampoline's address) */
    if (snprintf(err->why, sizeof err->why, "%#lx: %s", (unsigned long)fn, why) < 0)
      err->why[0] = '\0';
  }
  return st;
}

/* x86-64: where the enter stub keeps the hook pointer it pushes (after a
 * 5-byte red-zone skip, a 6-byte push and at most a 14-byte absolute jump). */
#define ENTER_STUB_LITERAL (OSPY_CELL_REPLACE_STUB - 8)
_Static_assert(ENTER_STUB_LITERAL >= OSPY_CELL_ENTER_STUB + 5 + 6 + 14, "enter stub too small");

static void build_enter_stub(ospy_hook *hook) {
  ospy_x86_writer w;
  uintptr_t pc = hook->cell + OSPY_CELL_ENTER_STUB;
  ospy_x86_writer_init(&w, hook->code + OSPY_CELL_ENTER_STUB,
                       OSPY_CELL_REPLACE_STUB - OSPY_CELL_ENTER_STUB - 8, pc, NATIVE_MODE);
  const uint8_t *thunk = ospy_enter_thunk;
#if defined(__x86_64__)
  /* Push the hook pointer without touching a register or the flags: one
   * 8-byte push from a literal at the end of the stub. Two 4-byte stores
   * (the obvious encoding) made the thunk's 8-byte load of it miss store
   * forwarding, a stall that was a fifth of a recorded call. */
  size_t skip = 0;
  if (hook->skip_red_zone) { /* lea -128(%rsp), %rsp: the red zone kept */
    static const uint8_t lea[5] = { 0x48, 0x8D, 0x64, 0x24, 0x80 };
    ospy_x86_writer_put_bytes(&w, lea, sizeof lea);
    skip = sizeof lea;
    thunk = ospy_enter_thunk_rz;
  }
  uint64_t h = (uint64_t)(uintptr_t)hook;
  int32_t disp = (int32_t)(ENTER_STUB_LITERAL - (OSPY_CELL_ENTER_STUB + skip + 6));
  const uint8_t push_rip[6] = { 0xFF, 0x35, (uint8_t)disp, (uint8_t)(disp >> 8),
                                (uint8_t)(disp >> 16), (uint8_t)(disp >> 24) };
  ospy_x86_writer_put_bytes(&w, push_rip, sizeof push_rip);
  memcpy(hook->code + ENTER_STUB_LITERAL, &h, sizeof h);
#else
  ospy_x86_writer_put_push_imm(&w, (int32_t)(uintptr_t)hook);
#endif
  ospy_x86_writer_put_jmp_address(&w, (uint64_t)(uintptr_t)thunk);
  ospy_x86_writer_flush(&w);
}

/* "'mnemonic operands' at +0xN" of the moved instruction at off, for messages. */
static void describe_insn(const uint8_t *code, size_t avail, uintptr_t fn, size_t off, char *buf,
                          size_t n) {
  csh cs;
  cs_insn *insn = NULL;
  size_t got = 0;
  if (cs_open(CS_ARCH_X86, sizeof(void *) == 8 ? CS_MODE_64 : CS_MODE_32, &cs) == CS_ERR_OK) {
    got = off < avail ? cs_disasm(cs, code + off, avail - off, fn + off, 1, &insn) : 0;
    /* (a long operand text is cut short: it only names the instruction) */
    if (got && snprintf(buf, n, "'%s%s%s' at +0x%zx", insn->mnemonic, insn->op_str[0] ? " " : "",
                        insn->op_str, off) < 0)
      got = 0;
    if (insn)
      cs_free(insn, 1);
    cs_close(&cs);
  }
  if (!got)
    snprintf(buf, n, "the instruction at +0x%zx", off);
}

/* Writes the relocated prologue; on failure, why names the instruction the
 * relocator could not move and the writer's reason. */
static bool build_trampoline(ospy_hook *hook, const uint8_t *code, size_t avail,
                             const ospy_x86_reloc_plan *plan, size_t *len, char *why, size_t n) {
  ospy_x86_writer w;
  ospy_x86_writer_init(&w, hook->code + OSPY_CELL_TRAMPOLINE,
                       OSPY_HOOK_CELL_SIZE - OSPY_CELL_TRAMPOLINE,
                       hook->cell + OSPY_CELL_TRAMPOLINE, NATIVE_MODE);
  bool ok = ospy_x86_relocator_write(&w, code, plan, &hook->map);
  *len = ospy_x86_writer_offset(&w);
  if (ok && ospy_x86_writer_flush(&w) && ospy_x86_writer_ok(&w))
    return true;
  const char *error = ospy_x86_writer_error(&w);
  if (!error)
    error = "unknown writer error";
  if (strncmp(error, "relocator: ", 11) == 0)
    error += 11;
  if (hook->map.failed >= 0) {
    char insn[128];
    describe_insn(code, avail, hook->function, hook->map.from[hook->map.failed], insn, sizeof insn);
    if (snprintf(why, n, "%s: %s (trampoline at %#lx)", insn, error,
                 (unsigned long)hook->trampoline) < 0)
      snprintf(why, n, "an instruction cannot be relocated: %s", error);
  } else if (strcmp(error, "buffer full") == 0) {
    snprintf(why, n, "relocated prologue does not fit the trampoline (%zu bytes)",
             (size_t)(OSPY_HOOK_CELL_SIZE - OSPY_CELL_TRAMPOLINE));
  } else {
    snprintf(why, n, "relocated prologue cannot be written: %s", error);
  }
  return false;
}

/* Original address of trampoline offset off: the moved instruction it belongs
 * to, or the first byte after the moved ones. */
static uintptr_t original_of(const ospy_hook *hook, const ospy_x86_reloc_plan *plan, size_t off) {
  for (unsigned i = 0; i + 1 < hook->map.n; i++)
    if (off >= hook->map.to[i] && off < hook->map.to[i + 1])
      return hook->function + hook->map.from[i + 1];
  return hook->function + plan->skip + plan->len;
}

/* Calls moved into the trampoline return into it; remember where they return
 * in the original code so exceptions can be unwound (see unwind.c). */
static void note_calls(const ospy_hook *hook, const ospy_x86_reloc_plan *plan, size_t code_len) {
  if (hook->calls_nothrow)
    return;
  csh cs;
  if (cs_open(CS_ARCH_X86, sizeof(void *) == 8 ? CS_MODE_64 : CS_MODE_32, &cs) != CS_ERR_OK)
    return;
  cs_insn *insn = NULL;
  size_t n = cs_disasm(cs, hook->code + OSPY_CELL_TRAMPOLINE, code_len, hook->trampoline, 0, &insn);
  for (size_t i = 0; i < n; i++) {
    if (insn[i].id != X86_INS_CALL)
      continue;
    uintptr_t ret = (uintptr_t)(insn[i].address + insn[i].size);
    ospy_unwind_note_call_return(ret, original_of(hook, plan, ret - hook->trampoline));
  }
  if (n)
    cs_free(insn, n);
  cs_close(&cs);
}

/* What leads into the bytes to patch, and from where. */
typedef enum incoming_kind {
  INCOMING_NONE,
  INCOMING_BRANCH,  /* a direct jmp, jcc or call */
  INCOMING_ADDRESS, /* code that takes the address (for an indirect jump) */
  INCOMING_POINTER, /* a word of data that holds it (a jump table's entry) */
} incoming_kind;

typedef struct incoming {
  uintptr_t at;
  incoming_kind kind;
} incoming;

/* How code names an address besides a direct branch, for the decoder:
 * RIP-relative operands (x86-64), and as the module's code does it
 * (module_refs.h): absolute immediates and displacements, i386 PIC's
 * GOT-relative lea. */
typedef struct ref_forms {
  bool absolute;
  uintptr_t got;
} ref_forms;

static bool strictly_inside(uintptr_t t, uintptr_t lo, uintptr_t hi) { return t > lo && t < hi; }

static bool is_branch(const cs_detail *d) {
  bool branch = false;
  for (uint8_t g = 0; g < d->groups_count; g++)
    branch |= d->groups[g] == CS_GRP_JUMP || d->groups[g] == CS_GRP_CALL;
  return branch;
}

/* The address an operand of insn takes, as forms reads them; 0 if none.
 * Memory operands count in a lea only: a load from the bytes to patch
 * reads code as data (a program that saves its own bytes) and leads
 * nowhere. */
static uintptr_t operand_address(const cs_insn *insn, const cs_x86_op *op, const ref_forms *f) {
  if (op->type == X86_OP_IMM)
    return f->absolute ? (uintptr_t)op->imm : 0; /* mov ecx, offset fn+2 */
  if (op->type != X86_OP_MEM || insn->id != X86_INS_LEA)
    return 0;
  if (op->mem.base == X86_REG_RIP)
    return (uintptr_t)(insn->address + insn->size + (uint64_t)op->mem.disp);
  if (f->absolute && op->mem.base == X86_REG_INVALID && op->mem.index == X86_REG_INVALID)
    return (uintptr_t)op->mem.disp;
  if (f->got && op->mem.base != X86_REG_INVALID)
    return (uint32_t)(f->got + (uint32_t)op->mem.disp); /* lea ecx, fn+2@GOTOFF[ebx] */
  return 0;
}

/* Whether insn leads into (lo, hi): a direct branch there, or (forms
 * given) an operand naming an address there. */
static incoming_kind insn_leads_into(const cs_insn *insn, const ref_forms *f, uintptr_t lo,
                                     uintptr_t hi) {
  const cs_detail *d = insn->detail;
  if (!d)
    return INCOMING_NONE;
  if (is_branch(d) && d->x86.op_count == 1 && d->x86.operands[0].type == X86_OP_IMM)
    return strictly_inside((uintptr_t)d->x86.operands[0].imm, lo, hi) ? INCOMING_BRANCH
                                                                       : INCOMING_NONE;
  for (uint8_t i = 0; f && i < d->x86.op_count; i++)
    if (strictly_inside(operand_address(insn, &d->x86.operands[i], f), lo, hi))
      return INCOMING_ADDRESS;
  return INCOMING_NONE;
}

/* Does an instruction decoded from [from, to) lead strictly inside the
 * bytes to patch (patch_at, patch_end)? Without forms, direct branches
 * only, and no decoding unless the byte scan says one may. */
static incoming find_incoming(csh cs, uintptr_t from, uintptr_t to, uintptr_t patch_at,
                              uintptr_t patch_end, const ref_forms *forms) {
  static uint8_t buf[8192];
  incoming hit = { 0, INCOMING_NONE };
  if (to <= from || to - from > sizeof buf)
    return hit;
  size_t got = ospy_os_read_memory(from, buf, to - from);
  ospy_hooks_overlay_original(from, buf, got);
  if (!forms && !ospy_x86_may_branch_into(buf, got, from, patch_at, patch_end))
    return hit; /* the usual case: no decoding needed */
  cs_insn *insn = NULL;
  size_t off = 0;
  while (off < got && !hit.at) {
    size_t n = cs_disasm(cs, buf + off, got - off, from + off, 64, &insn);
    if (n == 0) { /* data or padding that does not decode: step over a byte */
      off++;
      continue;
    }
    for (size_t i = 0; i < n && !hit.at; i++) {
      hit.kind = insn_leads_into(&insn[i], forms, patch_at, patch_end);
      if (hit.kind != INCOMING_NONE)
        hit.at = (uintptr_t)insn[i].address;
    }
    off = (size_t)(insn[n - 1].address + insn[n - 1].size - from);
    cs_free(insn, n);
  }
  return hit;
}

/* The start of the dynamic symbol nearest below addr, if it is at or
 * above floor; else 0. */
static uintptr_t symbol_below(uintptr_t addr, uintptr_t floor) {
  Dl_info info;
  if (!dladdr((void *)(addr - 1), &info) || !info.dli_saddr)
    return 0;
  uintptr_t sym = (uintptr_t)info.dli_saddr;
  return sym < addr && sym >= floor ? sym : 0;
}

#define REL8_REACH 130 /* the farthest a 2-byte branch starts before its target */

/* A direct branch into the bytes to patch in the code before fn, decoded
 * from the preceding dynamic symbol (an instruction boundary) at most 4 KiB
 * back, else from 4 KiB back. When that symbol starts within a short
 * branch's reach of fn (glibc's string functions have entries a few bytes
 * apart that jump into one another) and the bytes before it may hold one,
 * from the symbol before it too. */
static incoming incoming_before(csh cs, uintptr_t fn, uintptr_t patch_at, uintptr_t patch_end) {
  uintptr_t floor = fn > 4096 ? fn - 4096 : 0;
  uintptr_t sym = symbol_below(fn, floor);
  uintptr_t start = sym ? sym : floor;
  incoming hit = find_incoming(cs, start, fn, patch_at, patch_end, NULL);
  if (hit.at || !sym || fn - sym >= REL8_REACH || fn < REL8_REACH)
    return hit;
  static uint8_t gap[REL8_REACH];
  size_t got = ospy_os_read_memory(fn - REL8_REACH, gap, sym - (fn - REL8_REACH));
  ospy_hooks_overlay_original(fn - REL8_REACH, gap, got);
  if (!ospy_x86_may_branch_into(gap, got, fn - REL8_REACH, patch_at, patch_end))
    return hit;
  uintptr_t before = symbol_below(sym, floor);
  return before ? find_incoming(cs, before, sym, patch_at, patch_end, NULL) : hit;
}

/* Confirms a site the module scan found in code: decoded from a boundary
 * before it (a dynamic symbol's start up to 1 KiB back, else 256 bytes back,
 * where x86 decoding falls into step within a few instructions), some
 * instruction there must lead into the bytes. */
static incoming confirm_code_site(csh cs, uintptr_t site, uintptr_t code_lo, uintptr_t lo,
                                  uintptr_t hi, const ref_forms *forms) {
  uintptr_t from = site - code_lo > 256 ? site - 256 : code_lo;
  Dl_info info;
  if (dladdr((void *)site, &info) && info.dli_saddr && (uintptr_t)info.dli_saddr <= site &&
      site - (uintptr_t)info.dli_saddr <= 1024 && (uintptr_t)info.dli_saddr >= code_lo)
    from = (uintptr_t)info.dli_saddr;
  return find_incoming(cs, from, site + 16, lo, hi, forms);
}

/* What elsewhere in fn's module leads into (lo, hi) (module_refs.c): a
 * pointer in data as found, a site in code once decoded. */
static incoming module_incoming(csh cs, uintptr_t fn, uintptr_t lo, uintptr_t hi) {
  incoming none = { 0, INCOMING_NONE };
  ospy_module_refs refs;
  if (!ospy_module_refs_into(fn, lo, hi, &refs))
    return none;
  ref_forms forms = { .absolute = refs.absolute, .got = refs.got };
  for (size_t i = 0; i < refs.n; i++) {
    ospy_module_ref r = ospy_module_refs_get(&refs, i);
    if (r.pointer)
      return (incoming){ r.site, INCOMING_POINTER };
    incoming in = confirm_code_site(cs, r.site, refs.code_lo, lo, hi, &forms);
    if (in.at)
      return in;
  }
  return none;
}

/*
 * The relocator checks the function's own body for branches into the bytes
 * to patch; code next to it can also jump there (glibc's mempcpy ends with a
 * jump to memmove+3): decoded before it (incoming_before) and 512 bytes
 * after the function's end. Anything else in its module
 * that leads there, found by a scan of the whole module (module_refs.c): a
 * gcc `.cold` fragment's jump back into the function from 40 KiB away, an
 * address taken for an indirect jump, a jump table's entry. A jump to the
 * function's first byte is none of these: it lands on the hook's jump.
 */
static incoming incoming_reference(uintptr_t fn, size_t fn_size, uintptr_t patch_at,
                                   size_t patch_len) {
  incoming hit = { 0, INCOMING_NONE };
  csh cs;
  if (cs_open(CS_ARCH_X86, sizeof(void *) == 8 ? CS_MODE_64 : CS_MODE_32, &cs) != CS_ERR_OK)
    return hit;
  cs_option(cs, CS_OPT_DETAIL, CS_OPT_ON);
  uintptr_t patch_end = patch_at + patch_len;
  hit = incoming_before(cs, fn, patch_at, patch_end);
  if (!hit.at && fn_size)
    hit = find_incoming(cs, fn + fn_size, fn + fn_size + 512, patch_at, patch_end, NULL);
  if (!hit.at)
    hit = module_incoming(cs, fn, patch_at, patch_end);
  cs_close(&cs);
  return hit;
}

/* The start of a dynamic symbol in (fn, end), or 0: code there may be
 * entered from anywhere, and the bytes to move may reach past the function
 * into the alignment padding after it (x86_relocator.c). dladdr names the
 * nearest symbol at or below an address. */
static uintptr_t symbol_inside(uintptr_t fn, uintptr_t end) {
  Dl_info info;
  if (end <= fn + 1 || !dladdr((void *)(end - 1), &info) || !info.dli_saddr)
    return 0;
  uintptr_t start = (uintptr_t)info.dli_saddr;
  return start > fn && start < end ? start : 0;
}

/* The dynamic symbol whose extent holds addr: its name, start and size (1
 * when it has none). */
static bool symbol_extent(uintptr_t addr, const char **name, uintptr_t *start, size_t *size) {
  Dl_info info;
  const ElfW(Sym) *sym = NULL;
  if (!dladdr1((void *)addr, &info, (void **)&sym, RTLD_DL_SYMENT) || !sym || !info.dli_saddr ||
      !info.dli_sname)
    return false;
  *start = (uintptr_t)info.dli_saddr;
  *name = info.dli_sname;
  *size = sym->st_size ? (size_t)sym->st_size : 1;
  return addr >= *start && addr - *start < *size;
}

/* The dynamic symbol whose extent holds addr: its name and start. */
static bool containing_symbol(uintptr_t addr, const char **name, uintptr_t *start) {
  size_t size;
  return symbol_extent(addr, name, start, &size);
}

/* addr as its module's file name and its address in the file, as nm and
 * objdump show it ("prog+0x1177": a non-PIE program's is the absolute
 * address, its load bias 0); false when it is in no module. */
static bool module_offset(uintptr_t addr, char *buf, size_t n) {
  Dl_info info;
  struct link_map *map = NULL;
  if (!dladdr1((void *)addr, &info, (void **)&map, RTLD_DL_LINKMAP) || !map || !info.dli_fname)
    return false;
  const char *file = strrchr(info.dli_fname, '/');
  if (snprintf(buf, n, "%s+%#lx", file ? file + 1 : info.dli_fname,
               (unsigned long)(addr - (uintptr_t)map->l_addr)) < 0)
    buf[0] = '\0';
  return true;
}

/* Where a branch into the bytes to patch comes from, for the refusal: fn
 * may be inside a function (the target of a followed jmp), and the branch
 * earlier in that same function, not outside it. The dynamic symbols tell;
 * code that none covers (a stripped file's, a program's own functions,
 * which it does not export) is named by its module and offset, "no
 * symbol": whether it is fn's function or another is not known. */
static void describe_incoming(uintptr_t fn, uintptr_t hit, char *buf, size_t n) {
  const char *hit_name, *fn_name;
  uintptr_t hit_start, fn_start;
  size_t fn_size;
  bool hit_known = containing_symbol(hit, &hit_name, &hit_start);
  bool fn_known = symbol_extent(fn, &fn_name, &fn_start, &fn_size);
  /* (fn's function known, and hit past its extent: outside it, named or not) */
  bool outside = fn_known && (hit < fn_start || hit - fn_start >= fn_size);
  char where[96];
  int w;
  if (hit_known && fn_known && hit_start == fn_start)
    w = snprintf(buf, n, "%s+%#lx, earlier in the same function", hit_name,
                 (unsigned long)(hit - hit_start));
  else if (hit_known)
    w = snprintf(buf, n, "%s+%#lx, outside the function", hit_name,
                 (unsigned long)(hit - hit_start));
  else if (!module_offset(hit, where, sizeof where))
    w = snprintf(buf, n, outside ? "no symbol, outside the function" : "no symbol");
  else
    w = snprintf(buf, n, outside ? "%s, no symbol, outside the function" : "%s, no symbol", where);
  if (w < 0)
    buf[0] = '\0';
}

/* Where a pointer into the bytes to patch is, for the refusal: the data
 * symbol that holds it, else its module and offset. */
static void describe_pointer(uintptr_t at, char *buf, size_t n) {
  const char *name;
  uintptr_t start;
  int w = 0;
  if (containing_symbol(at, &name, &start))
    w = snprintf(buf, n, "%s+%#lx", name, (unsigned long)(at - start));
  else if (!module_offset(at, buf, n))
    w = snprintf(buf, n, "data");
  if (w < 0)
    buf[0] = '\0';
}

/* Why a hook is refused for what leads into its bytes, naming where. */
static void refusal_for(uintptr_t fn, incoming in, char *why, size_t n) {
  char where[128];
  int w;
  if (in.kind == INCOMING_POINTER) {
    describe_pointer(in.at, where, sizeof where);
    w = snprintf(why, n, "a pointer at %#lx (%s) leads into the bytes to patch (a jump table's entry)",
                 (unsigned long)in.at, where);
  } else {
    describe_incoming(fn, in.at, where, sizeof where);
    w = snprintf(why, n,
                 in.kind == INCOMING_BRANCH
                     ? "code at %#lx (%s) jumps into the bytes to patch"
                     : "code at %#lx (%s) takes an address inside the bytes to patch, for a jump there",
                 (unsigned long)in.at, where);
  }
  if (w < 0)
    why[0] = '\0';
}

ospy_interceptor_status ospy_hook_prepare(ospy_hook *hook, ospy_interceptor_error *err) {
  static uint8_t code[READ_WINDOW];
  uintptr_t fn = hook->function;
  ospy_os_map m;
  if (ospy_os_maps_find(fn, &m) && m.special)
    return fail(err, OSPY_INTERCEPTOR_NOT_READABLE, fn, "in a kernel mapping ([vdso]): cannot be patched");
  int prot = ospy_os_query_prot(fn);
  if (prot < 0 || !(prot & 1))
    return fail(err, OSPY_INTERCEPTOR_NOT_READABLE, fn, "not mapped readable");
  if (!(prot & 4))
    return fail(err, OSPY_INTERCEPTOR_NOT_READABLE, fn, "not in executable memory");
  size_t fn_size = symbol_size(fn);
  size_t want = fn_size > 64 && fn_size < READ_WINDOW ? fn_size : (fn_size ? 64 : READ_WINDOW);
  if (fn_size >= READ_WINDOW)
    want = READ_WINDOW;
  size_t avail = ospy_os_read_memory(fn, code, want);
  if (avail == 0)
    return fail(err, OSPY_INTERCEPTOR_NOT_READABLE, fn, "not readable");
  ospy_hooks_overlay_original(fn, code, avail);

  bool near = false;
  uintptr_t cell = ospy_code_arena_alloc(fn, &near);
  if (!cell)
    return fail(err, OSPY_INTERCEPTOR_NO_MEMORY, fn, "no memory for a trampoline");
  size_t jump_len = near && ospy_x86_rel32_reachable(fn + 16 + NEAR_JUMP_LEN, cell) ? NEAR_JUMP_LEN
                                                                                       : ABS_JUMP_LEN;
  ospy_x86_reloc_plan plan;
  ospy_x86_reloc_status rs =
      ospy_x86_relocator_plan_read(code, avail, fn, fn_size, jump_len, NATIVE_MODE,
                                   ospy_hook_read_original, NULL, &plan);
  if (rs != OSPY_X86_RELOC_OK) {
    ospy_code_arena_unalloc(cell);
    return fail(err, map_status(rs), fn, plan.why[0] ? plan.why : ospy_x86_reloc_status_name(rs));
  }
  uintptr_t other = symbol_inside(fn, fn + plan.skip + plan.len);
  if (other) {
    ospy_code_arena_unalloc(cell);
    char why[200];
    if (snprintf(why, sizeof why, "another symbol starts at %#lx, inside the %zu bytes to move",
                 (unsigned long)other, (size_t)plan.len) < 0)
      why[0] = '\0';
    return fail(err, OSPY_INTERCEPTOR_BRANCH_BACK, fn, why);
  }
  incoming in = incoming_reference(fn, fn_size, fn + plan.skip, jump_len);
  if (in.at) {
    ospy_code_arena_unalloc(cell);
    char why[240];
    refusal_for(fn, in, why, sizeof why);
    return fail(err, OSPY_INTERCEPTOR_BRANCH_BACK, fn, why);
  }
  hook->cell = cell;
  hook->patch_at = fn + plan.skip;
  hook->patch_len = (uint8_t)jump_len;
  hook->moved_len = (uint8_t)plan.len;
  hook->prot = prot;
  memcpy(hook->original, code + plan.skip, jump_len);
  size_t built = plan.skip + plan.len;
  hook->built_len = (uint8_t)(built < OSPY_HOOK_BUILT_FROM ? built : OSPY_HOOK_BUILT_FROM);
  memcpy(hook->built_from, code, hook->built_len);
  memset(hook->code, 0xcc, sizeof hook->code);
  build_enter_stub(hook);
  size_t tramp_len = 0;
  hook->trampoline = cell + OSPY_CELL_TRAMPOLINE;
  hook->proceed = hook->trampoline;
  char why[sizeof err->why];
  if (!build_trampoline(hook, code, avail, &plan, &tramp_len, why, sizeof why)) {
    ospy_code_arena_unalloc(cell);
    return fail(err, OSPY_INTERCEPTOR_UNSUPPORTED, fn, why);
  }
  note_calls(hook, &plan, tramp_len);
  hook->code_written = false;
  return OSPY_INTERCEPTOR_OK;
}

bool ospy_hook_build_jump(ospy_hook *hook) {
  uintptr_t target = hook->cell + OSPY_CELL_ENTER_STUB;
  if (hook->kind == OSPY_HOOK_REPLACE) {
    ospy_x86_writer w;
    ospy_x86_writer_init(&w, hook->code + OSPY_CELL_REPLACE_STUB,
                         OSPY_CELL_TRAMPOLINE - OSPY_CELL_REPLACE_STUB,
                         hook->cell + OSPY_CELL_REPLACE_STUB, NATIVE_MODE);
    ospy_x86_writer_put_jmp_address_abs(&w, hook->replacement);
    if (!ospy_x86_writer_flush(&w))
      return false;
    hook->code_written = false;
    target = hook->patch_len == NEAR_JUMP_LEN &&
                     ospy_x86_rel32_reachable(hook->patch_at + NEAR_JUMP_LEN, hook->replacement)
                 ? hook->replacement
                 : hook->cell + OSPY_CELL_REPLACE_STUB;
  }
  ospy_x86_writer w;
  ospy_x86_writer_init(&w, hook->jump, sizeof hook->jump, hook->patch_at, NATIVE_MODE);
  if (hook->patch_len == NEAR_JUMP_LEN && ospy_x86_rel32_reachable(hook->patch_at + NEAR_JUMP_LEN, target))
    ospy_x86_writer_put_jmp_address(&w, target);
  else
    ospy_x86_writer_put_jmp_address_abs(&w, target);
  return ospy_x86_writer_flush(&w) && ospy_x86_writer_offset(&w) == hook->patch_len;
}
