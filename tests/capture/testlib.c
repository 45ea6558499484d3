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
