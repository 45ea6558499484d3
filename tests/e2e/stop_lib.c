/* The library target_stop_sigfd.c and target_stop_own.c open while other
 * threads run: hooking its function makes ospy stop them (stop-signal-*). */
__attribute__((noinline)) int stop_lib_triple(int x) { return x * 3 + 1; }
