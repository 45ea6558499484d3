/* Between read_filter.c and read_filter_call.c. */
#ifndef OSPY_CLI_READ_FILTER_INTERNAL_H
#define OSPY_CLI_READ_FILTER_INTERNAL_H

#include <stdbool.h>

#include "cli/read_filter.h"
#include "expr/expr.h"
#include "plan/values.h"

/* Argument slots of a filter expression: the function's arguments, then
 * the event's pid and duration at fixed slots. */
#define READ_SLOT_PID OSPY_SPEC_MAX_ARGS
#define READ_SLOT_DURATION (OSPY_SPEC_MAX_ARGS + 1)
#define READ_NSLOTS (OSPY_SPEC_MAX_ARGS + 2)

/* The structure fields a filter names (`req.id`), per hook: field k is
 * the expression's argument slot READ_NSLOTS + k (read_filter_fields.c). */
#define READ_MAX_FIELDS 16

typedef struct read_field_ref {
  int16_t arg;   /* the argument's index, OSPY_VALUE_RETVAL for the return value */
  uint8_t depth; /* how many names follow the argument's */
  uint8_t pointee_bytes; /* the last is a pointer to a scalar this wide: its slot
                            holds the pointer, what it points to is recorded for
                            the expression's reads of it (read_pointee) */
  uint16_t path[OSPY_EXPR_MAX_FIELD_DEPTH]; /* field indexes, outermost first */
} read_field_ref;

/* What the recording holds of the target's memory at one address: the
 * value a pointer to a scalar (an argument or a field) pointed to (the
 * out-value when there is one, else the in-value). A filter's memory reads
 * (`arg.p`, `req.pv`, `*arg.p`, `u32[addr]`) are answered from them; any
 * other read faults, as docs/reading.md says. */
typedef struct read_pointee {
  uint64_t addr, value;
  unsigned bytes; /* 0: none recorded */
} read_pointee;

typedef struct read_field_refs {
  read_field_ref refs[READ_MAX_FIELDS];
  unsigned n;
} read_field_refs;

/* ospy_expr_scope.field_data of read_field_lookup: the function's spec,
 * and the fields found so far (slots given in order). */
typedef struct read_field_scope {
  const ospy_spec_table *t;
  const ospy_spec_fn *fn;
  bool floats_as_ints;  /* a float field as an integer (read_filter_call.c) */
  read_field_refs *refs;
  char path[160];       /* the field's name in messages, "req.id" */
} read_field_scope;

/* ospy_expr_scope.lookup_field: the field of a structure argument (or
 * one's pointee) by its names, a slot of its own. */
bool read_field_lookup(const ospy_expr_arg *base, const ospy_expr_field_name *names, size_t n,
                       void *data, ospy_expr_arg *field, char *why, size_t why_size, size_t *bad);

/* A call's values walk that fills the field slots: each found sets its
 * slot and clears its bit of *missing (every field's set at init: one the
 * capture did not record, under a NULL pointer, faults), and records what
 * a pointer to a scalar field points to. */
typedef struct read_field_walk {
  const read_field_refs *refs;
  uint64_t *slots, *missing;
  read_pointee *pointees; /* per field (READ_MAX_FIELDS): what its pointer points to */
  int step[32]; /* per depth: the argument's or field's index, or a pointee's or element's */
  int kind[32]; /* per depth: the value's kind */
} read_field_walk;

void read_field_walk_init(read_field_walk *w, const read_field_refs *refs, uint64_t *slots,
                          uint64_t *missing, read_pointee *pointees);
void read_field_visit(read_field_walk *w, const ospy_value *v);

int read_grep_parse(read_grep *g, const char *arg, int hex);
int read_filter_prepare_expr(read_filter *f);
int read_filter_eval(read_filter *f, const ospy_event_call *c);
int read_filter_grep(read_filter *f, const ospy_event_call *c);
void read_filter_free_expr(read_filter *f);

#endif
