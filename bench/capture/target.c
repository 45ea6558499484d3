/* Calls add() N times from T threads and prints the sum:  target N [T] */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

int add(int a, int b);

static long n_calls;

static void *worker(void *arg)
{
  long sum = 0;
  for (long i = 0; i < n_calls; i++)
    sum += add((int)i, 1);
  *(long *)arg = sum;
  return NULL;
}

int main(int argc, char **argv)
{
  n_calls = argc > 1 ? atol(argv[1]) : 1000000;
  int threads = argc > 2 ? atoi(argv[2]) : 1;
  pthread_t t[16];
  long sums[16];
  if (threads < 1 || threads > 16)
    return 2;
  for (int i = 0; i < threads; i++)
    pthread_create(&t[i], NULL, worker, &sums[i]);
  long total = 0;
  for (int i = 0; i < threads; i++) {
    pthread_join(t[i], NULL);
    total += sums[i];
  }
  printf("%ld\n", total);
  return 0;
}
