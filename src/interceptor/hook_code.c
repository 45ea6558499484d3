/*
 * Builds a hook's code without touching the target: reads the prologue,
 * asks the relocator whether it can move enough bytes, takes a code cell near
 * the function and writes into hook->code[] (the cell's future content) the
 * enter stub and the relocated prologue, and into hook->jump[] the bytes that
 * will replace the prologue. Capstone (malloc) runs here, never while other
 * threads are suspended.
 */
#include <dlfcn.h>
#include <link.h>
#include <stdio.h>
#include <string.h>

#include "arch/x86/x86_relocator.h"
#include "arch/x86/x86_writer.h"
#include "interceptor/code_arena.h"
#include "interceptor/interceptor_internal.h"
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
    snprintf(err->why, sizeof err->why, "%#lx: %s", (unsigned long)fn, why);
  }
  return st;
}

static void build_enter_stub(ospy_hook *hook) {
  ospy_x86_writer w;
  uintptr_t pc = hook->cell + OSPY_CELL_ENTER_STUB;
  ospy_x86_writer_init(&w, hook->code + OSPY_CELL_ENTER_STUB,
                       OSPY_CELL_REPLACE_STUB - OSPY_CELL_ENTER_STUB, pc, NATIVE_MODE);
#if defined(__x86_64__)
  /* Push the hook pointer without touching a register or the flags. */
  uint64_t h = (uint64_t)(uintptr_t)hook;
  ospy_x86_writer_put_lea_reg_mem(&w, OSPY_X86_RSP, ospy_x86_mem_base_disp(OSPY_X86_RSP, -8));
  ospy_x86_writer_put_mov_mem_imm(&w, 32, ospy_x86_mem_base_disp(OSPY_X86_RSP, 0), (int32_t)(uint32_t)h);
  ospy_x86_writer_put_mov_mem_imm(&w, 32, ospy_x86_mem_base_disp(OSPY_X86_RSP, 4),
                                  (int32_t)(uint32_t)(h >> 32));
#else
  ospy_x86_writer_put_push_imm(&w, (int32_t)(uintptr_t)hook);
#endif
  ospy_x86_writer_put_jmp_address(&w, (uint64_t)(uintptr_t)ospy_enter_thunk);
  ospy_x86_writer_flush(&w);
}

static bool build_trampoline(ospy_hook *hook, const uint8_t *code, const ospy_x86_reloc_plan *plan) {
  ospy_x86_writer w;
  ospy_x86_writer_init(&w, hook->code + OSPY_CELL_TRAMPOLINE,
                       OSPY_HOOK_CELL_SIZE - OSPY_CELL_TRAMPOLINE,
                       hook->cell + OSPY_CELL_TRAMPOLINE, NATIVE_MODE);
  if (!ospy_x86_relocator_write(&w, code, plan, &hook->map))
    return false;
  return ospy_x86_writer_flush(&w) && ospy_x86_writer_ok(&w);
}

ospy_interceptor_status ospy_hook_prepare(ospy_hook *hook, ospy_interceptor_error *err) {
  static uint8_t code[READ_WINDOW];
  uintptr_t fn = hook->function;
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
  hook->cell = cell;
  hook->patch_at = fn + plan.skip;
  hook->patch_len = (uint8_t)jump_len;
  hook->moved_len = (uint8_t)plan.len;
  hook->prot = prot;
  memcpy(hook->original, code + plan.skip, jump_len);
  memset(hook->code, 0xcc, sizeof hook->code);
  build_enter_stub(hook);
  if (!build_trampoline(hook, code, &plan))
  {
    ospy_code_arena_unalloc(cell);
    return fail(err, OSPY_INTERCEPTOR_UNSUPPORTED, fn, "relocated prologue does not fit the trampoline");
  }
  hook->trampoline = cell + OSPY_CELL_TRAMPOLINE;
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
