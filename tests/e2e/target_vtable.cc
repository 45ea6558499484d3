// A C++ program whose virtual methods ospy hooks through the vtable (e2e
// case "vtable"): by the _ZTV symbol, and by the constructor's signature.
#include <cstdio>
#include <cstring>

struct Codec {
  virtual ~Codec() {}
  virtual int encode(const char *in, int len, char *out) = 0;
  virtual int reset(int level) = 0;
};

struct Rot13 : Codec {
  int magic;
  Rot13();
  int encode(const char *in, int len, char *out) override;
  int reset(int level) override;
};

__attribute__((noinline)) Rot13::Rot13() { magic = 0x1234; }

int Rot13::encode(const char *in, int len, char *out)
{
  for (int i = 0; i < len; i++) {
    char c = in[i];
    if (c >= 'a' && c <= 'z')
      c = (char)('a' + (c - 'a' + 13) % 26);
    out[i] = c;
  }
  return len;
}

int Rot13::reset(int level) { return level * 2 + magic - 0x1234; }

__attribute__((noinline)) static Codec *make_codec() { return new Rot13; }

// A C++ caller, so that backtraces show a demangled name.
__attribute__((noinline)) static int run_codec(Codec *c, char *out, int *r)
{
  int n = c->encode("hello", 5, out);
  *r = c->reset(21);
  return n;
}

int main()
{
  Codec *c = make_codec();
  char out[16] = { 0 };
  int r = 0;
  int n = run_codec(c, out, &r);
  std::printf("encoded %d bytes: %s, reset %d\n", n, out, r);
  delete c;
  return 0;
}
