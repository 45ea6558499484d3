/*
 * "Did you mean" for a name that is unknown: the closest of the names
 * offered, letters compared without case, within a typo or two (none for
 * a name of 1 or 2 letters unless only its case differs). Used by the
 * config (a type, an attribute) and the expression language (a register,
 * an argument, a built-in name). No allocation.
 */
#ifndef OSPY_EXPR_CLOSEST_H
#define OSPY_EXPR_CLOSEST_H

typedef struct ospy_closest {
  const char *name;
  unsigned best;    /* the distance of found, or the most one may be */
  char found[256];  /* "" until one is close */
} ospy_closest;

void ospy_closest_init(ospy_closest *c, const char *name);
/* candidate followed by suffix ("Ptr", or "") is offered. */
void ospy_closest_offer(ospy_closest *c, const char *candidate, const char *suffix);
/* candidate is offered, compared with the name as it is, and said as shown:
 * a config's bare `len` is candidate "len" shown "arg.len" (0 apart, so an
 * exact match is found too, shown being no name written). */
void ospy_closest_offer_as(ospy_closest *c, const char *candidate, const char *shown);
const char *ospy_closest_result(const ospy_closest *c); /* NULL: none is close */

#endif
