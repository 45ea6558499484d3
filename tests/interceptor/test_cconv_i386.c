/* i386 calling conventions: arguments read and modified by index for cdecl,
 * stdcall (callee pops: the leave path must find its entry below the popped
 * arguments), fastcall, thiscall and GCC's regparm(1..3) (eax, edx, ecx). */
#include <stdint.h>

#include "test_common.h"

#define NOINLINE __attribute__((noinline, noclone))

int cc_cdecl(int a, int b, int c);
int __attribute__((stdcall)) cc_stdcall(int a, int b, int c);
int __attribute__((fastcall)) cc_fastcall(int a, int b, int c);
int __attribute__((thiscall)) cc_thiscall(int a, int b, int c);
int __attribute__((regparm(1))) cc_regparm1(int a, int b, int c);
int __attribute__((regparm(2))) cc_regparm2(int a, int b, int c);
int __attribute__((regparm(3))) cc_regparm3(int a, int b, int c);

NOINLINE int cc_cdecl(int a, int b, int c) {
  volatile int k = 100;
  return a * k + b * 10 + c;
}
NOINLINE int __attribute__((stdcall)) cc_stdcall(int a, int b, int c) {
  volatile int k = 100;
  return a * k + b * 10 + c;
}
NOINLINE int __attribute__((fastcall)) cc_fastcall(int a, int b, int c) {
  volatile int k = 100;
  return a * k + b * 10 + c;
}
NOINLINE int __attribute__((thiscall)) cc_thiscall(int a, int b, int c) {
  volatile int k = 100;
  return a * k + b * 10 + c;
}
NOINLINE int __attribute__((regparm(1))) cc_regparm1(int a, int b, int c) {
  volatile int k = 100;
  return a * k + b * 10 + c;
}
NOINLINE int __attribute__((regparm(2))) cc_regparm2(int a, int b, int c) {
  volatile int k = 100;
  return a * k + b * 10 + c;
}
NOINLINE int __attribute__((regparm(3))) cc_regparm3(int a, int b, int c) {
  volatile int k = 100;
  return a * k + b * 10 + c;
}

static volatile int leaves;

static void on_enter(ospy_invocation *inv) {
  CHECK_EQ(ospy_invocation_get_arg(inv, 0), 1);
  CHECK_EQ(ospy_invocation_get_arg(inv, 1), 2);
  CHECK_EQ(ospy_invocation_get_arg(inv, 2), 3);
  ospy_invocation_set_arg(inv, 1, 5); /* register or stack, by convention */
  ospy_invocation_set_arg(inv, 2, 7);
}

static void on_leave(ospy_invocation *inv) {
  CHECK_EQ(ospy_invocation_get_return(inv), 157);
  ospy_invocation_set_return(inv, 999);
  leaves = leaves + 1;
}

static void check(const char *name, void *fn, ospy_call_conv cc, int (*call)(void)) {
  CHECK_EQ(call(), 123);
  ospy_listener *l;
  CHECK_OK(ospy_interceptor_attach_cc(fn, cc, on_enter, on_leave, NULL, &l, NULL));
  leaves = 0;
  for (int i = 0; i < 50; i++) /* a wrong callee-pop would wreck the stack quickly */
    CHECK_EQ(call(), 999);
  CHECK_EQ(leaves, 50);
  CHECK_OK(ospy_interceptor_detach(l));
  CHECK_EQ(call(), 123);
  printf("ok %s\n", name);
}

static int call_cdecl(void) { return cc_cdecl(1, 2, 3); }
static int call_stdcall(void) { return cc_stdcall(1, 2, 3); }
static int call_fastcall(void) { return cc_fastcall(1, 2, 3); }
static int call_thiscall(void) { return cc_thiscall(1, 2, 3); }
static int call_regparm1(void) { return cc_regparm1(1, 2, 3); }
static int call_regparm2(void) { return cc_regparm2(1, 2, 3); }
static int call_regparm3(void) { return cc_regparm3(1, 2, 3); }

int main(void) {
  check("cdecl", (void *)cc_cdecl, OSPY_CC_CDECL, call_cdecl);
  check("stdcall", (void *)cc_stdcall, OSPY_CC_STDCALL, call_stdcall);
  check("fastcall", (void *)cc_fastcall, OSPY_CC_FASTCALL, call_fastcall);
  check("thiscall", (void *)cc_thiscall, OSPY_CC_THISCALL, call_thiscall);
  check("regparm(1)", (void *)cc_regparm1, OSPY_CC_REGPARM1, call_regparm1);
  check("regparm(2)", (void *)cc_regparm2, OSPY_CC_REGPARM2, call_regparm2);
  check("regparm(3)", (void *)cc_regparm3, OSPY_CC_REGPARM3, call_regparm3);
  return 0;
}
