/* "Did you mean": the closest of the names offered to a name that is
 * unknown (closest.h). Shared by the config's names (types, attributes) and
 * the expression language's (registers, arguments, built-in names). */
#include "expr/closest.h"

#include <ctype.h>
#include <string.h>

/* The edit distance between a and b, letters compared without case (UInt32
 * and Uint32 are 0 apart), a swap of two neighbours counting one (Int23 is
 * one from Int32: the optimal string alignment distance); limit + 1 once
 * it is sure to exceed limit. */
static unsigned folded_distance(const char *a, const char *b, unsigned limit)
{
  enum { MAXLEN = 127 };
  size_t la = strlen(a), lb = strlen(b);
  if (la > MAXLEN || lb > MAXLEN || (la > lb ? la - lb : lb - la) > limit)
    return limit + 1;
  unsigned rows[3][MAXLEN + 1]; /* the rows i - 2, i - 1 and i */
  unsigned *older = rows[0], *prev = rows[1], *cur = rows[2];
  for (size_t j = 0; j <= lb; j++)
    prev[j] = (unsigned)j;
  for (size_t i = 1; i <= la; i++) {
    cur[0] = (unsigned)i;
    unsigned best = cur[0];
    for (size_t j = 1; j <= lb; j++) {
      int ca = tolower((unsigned char)a[i - 1]), cb = tolower((unsigned char)b[j - 1]);
      unsigned v = prev[j - 1] + (ca != cb);
      if (prev[j] + 1 < v)
        v = prev[j] + 1;
      if (cur[j - 1] + 1 < v)
        v = cur[j - 1] + 1;
      if (i > 1 && j > 1 && ca == tolower((unsigned char)b[j - 2]) &&
          tolower((unsigned char)a[i - 2]) == cb && older[j - 2] + 1 < v)
        v = older[j - 2] + 1;
      cur[j] = v;
      if (v < best)
        best = v;
    }
    if (best > limit)
      return limit + 1;
    unsigned *t = older;
    older = prev;
    prev = cur;
    cur = t;
  }
  return prev[lb];
}

void ospy_closest_init(ospy_closest *c, const char *name)
{
  size_t len = strlen(name);
  c->name = name;
  /* at most a typo or two, fewer in a short name (Z is not S); a name
     written in another case is always close */
  c->best = len <= 2 ? 0 : len <= 4 ? 1 : len <= 10 ? 2 : 3;
  c->found[0] = 0;
}

void ospy_closest_offer(ospy_closest *c, const char *candidate, const char *suffix)
{
  char full[sizeof c->found];
  size_t n = strlen(candidate), k = strlen(suffix);
  if (n + k >= sizeof full)
    return;
  memcpy(full, candidate, n);
  memcpy(full + n, suffix, k + 1);
  ospy_closest_offer_as(c, full, full);
}

void ospy_closest_offer_as(ospy_closest *c, const char *candidate, const char *shown)
{
  size_t n = strlen(shown);
  if (n >= sizeof c->found || !strcmp(shown, c->name))
    return; /* never the name written: "did you mean Foo?" of Foo says nothing */
  unsigned d = folded_distance(c->name, candidate, c->best);
  if (d < c->best || (d == c->best && !c->found[0])) {
    c->best = d;
    memcpy(c->found, shown, n + 1);
  }
}

const char *ospy_closest_result(const ospy_closest *c)
{
  return c->found[0] ? c->found : NULL;
}
