/* Build-time check that thunk_layout.h matches cpu_context.h. */
#include <stddef.h>

#include "arch/x86/cpu_context.h"
#include "interceptor/thunk_layout.h"

#if defined(__x86_64__)
_Static_assert(offsetof(ospy_x64_context, rip) == CTX_RIP, "rip");
_Static_assert(offsetof(ospy_x64_context, rflags) == CTX_RFLAGS, "rflags");
_Static_assert(offsetof(ospy_x64_context, rax) == CTX_RAX, "rax");
_Static_assert(offsetof(ospy_x64_context, rcx) == CTX_RCX, "rcx");
_Static_assert(offsetof(ospy_x64_context, rdx) == CTX_RDX, "rdx");
_Static_assert(offsetof(ospy_x64_context, rbx) == CTX_RBX, "rbx");
_Static_assert(offsetof(ospy_x64_context, rsp) == CTX_RSP, "rsp");
_Static_assert(offsetof(ospy_x64_context, rbp) == CTX_RBP, "rbp");
_Static_assert(offsetof(ospy_x64_context, rsi) == CTX_RSI, "rsi");
_Static_assert(offsetof(ospy_x64_context, rdi) == CTX_RDI, "rdi");
_Static_assert(offsetof(ospy_x64_context, r8) == CTX_R8, "r8");
_Static_assert(offsetof(ospy_x64_context, r9) == CTX_R9, "r9");
_Static_assert(offsetof(ospy_x64_context, r10) == CTX_R10, "r10");
_Static_assert(offsetof(ospy_x64_context, r11) == CTX_R11, "r11");
_Static_assert(offsetof(ospy_x64_context, r12) == CTX_R12, "r12");
_Static_assert(offsetof(ospy_x64_context, r13) == CTX_R13, "r13");
_Static_assert(offsetof(ospy_x64_context, r14) == CTX_R14, "r14");
_Static_assert(offsetof(ospy_x64_context, r15) == CTX_R15, "r15");
_Static_assert(offsetof(ospy_x64_context, xmm) == CTX_XMM, "xmm");
_Static_assert(sizeof(ospy_x64_context) == CTX_SIZE, "size");
_Static_assert(THUNK_FRAME >= CTX_SIZE && THUNK_FRAME % 16 == 0, "frame");
#else
_Static_assert(offsetof(ospy_x86_context, eip) == CTX_EIP, "eip");
_Static_assert(offsetof(ospy_x86_context, eflags) == CTX_EFLAGS, "eflags");
_Static_assert(offsetof(ospy_x86_context, eax) == CTX_EAX, "eax");
_Static_assert(offsetof(ospy_x86_context, ecx) == CTX_ECX, "ecx");
_Static_assert(offsetof(ospy_x86_context, edx) == CTX_EDX, "edx");
_Static_assert(offsetof(ospy_x86_context, ebx) == CTX_EBX, "ebx");
_Static_assert(offsetof(ospy_x86_context, esp) == CTX_ESP, "esp");
_Static_assert(offsetof(ospy_x86_context, ebp) == CTX_EBP, "ebp");
_Static_assert(offsetof(ospy_x86_context, esi) == CTX_ESI, "esi");
_Static_assert(offsetof(ospy_x86_context, edi) == CTX_EDI, "edi");
_Static_assert(offsetof(ospy_x86_context, st0_valid) == CTX_ST0_VALID, "st0_valid");
_Static_assert(offsetof(ospy_x86_context, st0) == CTX_ST0, "st0");
_Static_assert(offsetof(ospy_x86_context, xmm) == CTX_XMM, "xmm");
_Static_assert(sizeof(ospy_x86_context) == CTX_SIZE, "size");
_Static_assert(THUNK_ST0_80 >= CTX_SIZE && THUNK_ST0_80 + 10 <= THUNK_FRAME, "frame");
#endif

/* Keeps the translation unit non-empty under -pedantic. */
int ospy_thunk_layout_checked(void);
int ospy_thunk_layout_checked(void) { return 1; }
