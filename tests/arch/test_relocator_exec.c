/*
 * Relocator, executed: the prologue of each function of the assembly corpus
 * (reloc_corpus_<arch>.S) is relocated into an executable buffer, and the
 * copy, called through a function pointer, must return what the original
 * returns. On x86-64 each copy is placed both within 2GB of the code and more
 * than 2GB away (which takes the absolute-jump and scratch-register paths).
 * Refused functions must be refused with an informative reason.
 */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "arch/x86/x86_relocator.h"
#include "arch_test.h"

typedef long (*fn_t)(long);

#define DECL(name) extern char name[], name##_end[];
DECL(rc_helper)
DECL(rc_target)
DECL(rc_short_jcc)
DECL(rc_call)
DECL(rc_call_pop)
DECL(rc_endbr)
DECL(rc_inner_loop)
DECL(rc_tail_jmp)
DECL(rc_one_byte)
DECL(rc_three_bytes)
DECL(rc_three_padded)
DECL(rc_branch_back)
DECL(rc_jmp_thunk)
#if defined(__x86_64__)
DECL(rc_rip_load)
DECL(rc_rip_lea)
DECL(rc_rip_cmp)
DECL(rc_rip_store)
DECL(rc_rip_sse)
DECL(rc_jrcxz)
DECL(rc_plt_jmp)
#define MODE OSPY_X86_MODE_64
#else
DECL(rc_pc_thunk)
DECL(rc_jecxz)
#define MODE OSPY_X86_MODE_32
#endif

typedef struct exec_case {
  const char *name;
  char *fn, *end;
  size_t min_bytes;
  ospy_x86_reloc_status status;
  const char *why; /* part of the reason, for refusals */
  unsigned n;
  long args[4], results[4];
} exec_case;

#define CASE(name, min, ...) {#name, name, name##_end, min, OSPY_X86_RELOC_OK, NULL, __VA_ARGS__}
#define REFUSED(name, min, status, why) {#name, name, name##_end, min, status, why, 0, {0}, {0}}

static const exec_case cases[] = {
    CASE(rc_short_jcc, 8, 2, {0, 9}, {42, 10}),
    CASE(rc_call, 5, 1, {3}, {10}),
    CASE(rc_endbr, 5, 1, {5}, {11}),
    CASE(rc_inner_loop, 10, 3, {0, 1, 7}, {1, 1, 7}),
    CASE(rc_tail_jmp, 6, 1, {4}, {14}),
    REFUSED(rc_one_byte, 5, OSPY_X86_RELOC_TOO_SHORT,
            "'ret' at +0x0 ends the function after 1 of the 5 bytes needed; 'xor eax, eax' after it "
            "is not padding"),
    REFUSED(rc_three_bytes, 5, OSPY_X86_RELOC_TOO_SHORT,
            "'ret' at +0x2 ends the function after 3 of the 5 bytes needed; 'push "),
    CASE(rc_three_padded, 5, 2, {0, 7}, {0, 0}),
    REFUSED(rc_branch_back, 5, OSPY_X86_RELOC_BRANCH_BACK, "'jg "),
#if defined(__x86_64__)
    CASE(rc_call_pop, 5, 1, {4}, {4}),
    CASE(rc_call_pop, 14, 1, {4}, {4}),
    CASE(rc_rip_load, 5, 2, {1, 5}, {1001, 1005}),
    CASE(rc_rip_lea, 5, 4, {0, 1, 2, 7}, {11, 22, 33, 44}),
    CASE(rc_rip_lea, 14, 4, {0, 1, 2, 7}, {11, 22, 33, 44}),
    CASE(rc_rip_cmp, 5, 1, {4}, {5}),
    CASE(rc_rip_cmp, 14, 1, {4}, {5}),
    CASE(rc_rip_store, 5, 2, {8, -1}, {9, 0}),
    CASE(rc_rip_sse, 5, 2, {1, -1}, {1001, 999}),
    CASE(rc_jrcxz, 5, 2, {0, 3}, {99, 8}),
    CASE(rc_plt_jmp, 5, 1, {6}, {12}),
    CASE(rc_rip_load, 14, 2, {1, 5}, {1001, 1005}), /* 11 bytes and 3 of padding */
#else
    CASE(rc_pc_thunk, 5, 2, {5, -5}, {1005, 995}),
    CASE(rc_call_pop, 5, 1, {5}, {1005}),
    CASE(rc_call_pop, 10, 1, {5}, {1005}),
    CASE(rc_jecxz, 5, 2, {0, 3}, {99, 8}),
#endif
};

/* One page of RW memory at or near hint; MAP_FAILED if none. */
static void *map_at(uintptr_t hint) {
  void *p = mmap((void *)hint, 4096, PROT_READ | PROT_WRITE,
                 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
  if (p == MAP_FAILED && errno == EINVAL) /* kernel without MAP_FIXED_NOREPLACE */
    p = mmap((void *)hint, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  return p;
}

/* A page whose distance from code is (far) more than 4GB or (near) under 1GB. */
static void *map_page(uintptr_t code, bool far) {
#if defined(__x86_64__)
  for (uintptr_t k = 1; k < 64; k++) {
    uintptr_t step = far ? (uintptr_t)8 << 30 : (uintptr_t)16 << 20;
    for (int dir = 0; dir < 2; dir++) {
      uintptr_t hint = dir ? code - k * step : code + k * step;
      if ((dir && hint > code) || (!dir && hint < code)) continue; /* wrapped */
      hint &= ~(uintptr_t)4095;
      void *p = map_at(hint);
      if (p == MAP_FAILED) continue;
      uintptr_t a = (uintptr_t)p, d = a > code ? a - code : code - a;
      if (far ? d > ((uintptr_t)4 << 30) : d < ((uintptr_t)1 << 30)) return p;
      munmap(p, 4096);
    }
  }
  return MAP_FAILED;
#else
  (void)code;
  (void)far;
  return map_at(0);
#endif
}

static void run_case(const exec_case *c, bool far) {
  uintptr_t code = (uintptr_t)c->fn;
  size_t fn_size = (size_t)(c->end - c->fn);
  ospy_x86_reloc_plan plan;
  ospy_x86_reloc_status st =
      ospy_x86_relocator_plan((const uint8_t *)c->fn, 256, code, fn_size, c->min_bytes, MODE,
                              &plan);
  CHECK(st == c->status, "%s/%zu: %s (%s), expected %s", c->name, c->min_bytes,
        ospy_x86_reloc_status_name(st), plan.why, ospy_x86_reloc_status_name(c->status));
  if (st != OSPY_X86_RELOC_OK) {
    if (st == c->status)
      CHECK(strstr(plan.why, c->why) != NULL, "%s: why \"%s\" lacks \"%s\"", c->name, plan.why,
            c->why);
    return;
  }
  void *page = map_page(code, far);
  CHECK(page != MAP_FAILED, "%s: no %s page", c->name, far ? "far" : "near");
  if (page == MAP_FAILED) return;
  ospy_x86_writer w;
  ospy_x86_writer_init(&w, page, 4096, (uintptr_t)page, MODE);
  ospy_x86_reloc_map map;
  bool ok = ospy_x86_relocator_write(&w, (const uint8_t *)c->fn, &plan, &map);
  CHECK(ok, "%s: write: %s", c->name, ospy_x86_writer_error(&w));
  CHECK(mprotect(page, 4096, PROT_READ | PROT_EXEC) == 0, "mprotect: %s", strerror(errno));
  if (ok) {
    fn_t original = (fn_t)code, copy = (fn_t)(uintptr_t)page;
    for (unsigned i = 0; i < c->n; i++) {
      long want = original(c->args[i]);
      long got = copy(c->args[i]);
      CHECK(want == c->results[i], "%s(%ld): original returns %ld, expected %ld", c->name,
            c->args[i], want, c->results[i]);
      CHECK(got == want, "%s(%ld), %s copy at %p, min %zu: %ld, original %ld", c->name,
            c->args[i], far ? "far" : "near", page, c->min_bytes, got, want);
    }
  }
  CHECK(munmap(page, 4096) == 0, "munmap: %s", strerror(errno));
}

/* The refusal reasons also hold without a symbol size. */
static void test_unknown_size(void) {
  ospy_x86_reloc_plan plan;
  CHECK(ospy_x86_relocator_plan((const uint8_t *)rc_one_byte, 256, (uintptr_t)rc_one_byte, 0, 5,
                                MODE, &plan) == OSPY_X86_RELOC_TOO_SHORT &&
            strstr(plan.why, "'ret' at +0x0 ends the function after 1 of the 5 bytes needed"),
        "%s", plan.why);
  CHECK(ospy_x86_relocator_plan((const uint8_t *)rc_branch_back, 256, (uintptr_t)rc_branch_back,
                                0, 5, MODE, &plan) == OSPY_X86_RELOC_BRANCH_BACK,
        "%s", plan.why);
  CHECK(ospy_x86_relocator_plan((const uint8_t *)rc_three_padded, 256, (uintptr_t)rc_three_padded,
                                0, 5, MODE, &plan) == OSPY_X86_RELOC_OK,
        "3 bytes and padding, size unknown: %s", plan.why);
}

static bool live_read(uint64_t addr, void *out, size_t n, void *data) {
  (void)data;
  memcpy(out, (const void *)(uintptr_t)addr, n);
  return true;
}

#if defined(__x86_64__)
DECL(rc_to_lazy)
DECL(rc_lazy_plt)
#else
DECL(rc_to_pic_plt)
DECL(rc_pic_plt)
#endif

static void test_live_thunks(void) {
  /* a chain ending at a PLT stub not bound yet stays at its start; the
   * stub asked for itself is the stub */
#if defined(__x86_64__)
  CHECK(ospy_x86_resolve_thunks((uintptr_t)rc_to_lazy, MODE, live_read, NULL) ==
            (uintptr_t)rc_to_lazy,
        "jmp to a lazy PLT stub");
  CHECK(ospy_x86_resolve_thunks((uintptr_t)rc_lazy_plt, MODE, live_read, NULL) ==
            (uintptr_t)rc_lazy_plt,
        "a lazy PLT stub");
#else
  CHECK(ospy_x86_resolve_thunks((uintptr_t)rc_to_pic_plt, MODE, live_read, NULL) ==
            (uintptr_t)rc_to_pic_plt,
        "jmp to a PIC PLT stub");
  CHECK(ospy_x86_resolve_thunks((uintptr_t)rc_pic_plt, MODE, live_read, NULL) ==
            (uintptr_t)rc_pic_plt,
        "a PIC PLT stub");
#endif
  CHECK(ospy_x86_resolve_thunks((uintptr_t)rc_jmp_thunk, MODE, live_read, NULL) ==
            (uintptr_t)rc_target,
        "jmp thunk");
  CHECK(ospy_x86_resolve_thunks((uintptr_t)rc_tail_jmp, MODE, live_read, NULL) ==
            (uintptr_t)rc_tail_jmp,
        "a function is not a thunk");
#if defined(__x86_64__)
  CHECK(ospy_x86_resolve_thunks((uintptr_t)rc_plt_jmp, MODE, live_read, NULL) ==
            (uintptr_t)rc_target,
        "PLT-style jmp [rip+x]");
#endif
}

int main(void) {
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    run_case(&cases[i], false);
#if defined(__x86_64__)
    run_case(&cases[i], true);
#endif
  }
  test_unknown_size();
  test_live_thunks();
  return arch_test_finish("relocator-exec");
}
