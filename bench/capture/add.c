/* The traced function of the capture benchmark, in a shared library so every
 * call goes through the PLT (ltrace and uftrace see library calls there). */
int add(int a, int b);
volatile int add_bias;
int add(int a, int b)
{
  return a + b + add_bias;
}
