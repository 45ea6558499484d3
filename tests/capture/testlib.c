#include <pthread.h>
#include <signal.h>
#include <setjmp.h>
#include <ucontext.h>

/* The function the capture tests and benchmarks trace: 2 integer arguments
 * and a return value, in a shared library so calls go through the PLT. Its
 * body reads a global so that it is long enough for an inline hook (a 4-byte
 * `lea eax,[rdi+rsi]; ret` is refused, by design, as too short to patch). */
int ospy_test_add(int a, int b);
volatile int ospy_test_bias;
int ospy_test_add(int a, int b)
{
  return a + b + ospy_test_bias;
}

/* Recursion through a hooked function: n + 1 calls, nested n deep. The
 * volatile local keeps the compiler from turning it into a loop, noinline
 * from inlining it into itself. */
int ospy_test_recurse(int n);
__attribute__((noinline)) int ospy_test_recurse(int n)
{
  volatile int here = n;
  if (n <= 0)
    return ospy_test_bias;
  return ospy_test_recurse(n - 1) + 1 + (here - n);
}

/* Leaves by longjmp to *jb when x is not 0 (a call that never returns). */
long ospy_test_jump(void *jb, long x);
__attribute__((noinline)) long ospy_test_jump(void *jb, long x)
{
  volatile long here = x + ospy_test_bias;
  if (here)
    longjmp(*(jmp_buf *)jb, 1);
  return 100;
}

/* Switches from one coroutine to another in the middle of the call (a hooked
 * call left pending on one stack while others run), then returns v * 7. */
int ospy_test_yield(void *from, void *to, int v);
__attribute__((noinline)) int ospy_test_yield(void *from, void *to, int v)
{
  volatile int here = v;
  swapcontext((ucontext_t *)from, (ucontext_t *)to);
  return here * 7 + ospy_test_bias;
}

/* Ends the calling thread from inside a hooked call. */
int ospy_test_thread_exit(int v);
__attribute__((noinline)) int ospy_test_thread_exit(int v)
{
  volatile int here = v;
  if (here >= 0)
    pthread_exit(NULL);
  return here;
}

/* Returns *p. Its load is the second of the first instructions a hook moves
 * into its trampoline: with p NULL the fault strikes in ospy's copy of it.
 * The nops make the function long enough for a 14-byte (far) patch. */
int ospy_test_load(const int *p);
#if defined(__x86_64__)
__asm__(".text\n.globl ospy_test_load\n.type ospy_test_load,@function\nospy_test_load:\n"
        "mov %rdi, %rax\nmov (%rax), %eax\nnopl 8(%rax,%rax,1)\nnopl 8(%rax,%rax,1)\nret\n"
        ".size ospy_test_load, .-ospy_test_load\n");
#else
__asm__(".text\n.globl ospy_test_load\n.type ospy_test_load,@function\nospy_test_load:\n"
        "mov 4(%esp), %eax\nmov (%eax), %eax\nret\n"
        ".size ospy_test_load, .-ospy_test_load\n");
#endif

/* Stores v at *p (NULL: dies of SIGSEGV inside the call); a negative v
 * raises signal -v instead (a sent signal, not a fault). */
int ospy_test_store(int *p, int v);
__attribute__((noinline)) int ospy_test_store(int *p, int v)
{
  if (v < 0)
    raise(-v);
  *(volatile int *)p = v;
  return v + ospy_test_bias;
}
