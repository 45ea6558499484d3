/* Children are collected as a linked list while a node is open and turned
 * into the array ospy_xvalue wants when it closes. */
#include "export/xvalue_builder.h"

#include <string.h>

struct ospy_xb_node {
  ospy_xvalue v;
  ospy_xb_node *parent, *first, *last, *next;
  size_t n;
};

static const char *dup_or_null(ospy_xbuilder *b, const char *s)
{
  if (!s)
    return NULL;
  const char *d = ospy_arena_strdup(b->arena, s);
  if (!d)
    b->failed = 1;
  return d;
}

static ospy_xb_node *new_node(ospy_xbuilder *b)
{
  ospy_xb_node *n = ospy_arena_alloc(b->arena, sizeof *n);
  if (!n)
    b->failed = 1;
  return n;
}

void ospy_xb_init(ospy_xbuilder *b, ospy_arena *arena)
{
  b->arena = arena;
  b->failed = 0;
  b->fd_name = NULL;
  b->fd_ctx = NULL;
  b->ret = NULL;
  b->root = new_node(b);
  b->open = b->root;
}

void ospy_xb_open(ospy_xbuilder *b, const char *name, const char *type,
                  const char *subtype, const char *text)
{
  ospy_xb_node *n = b->failed ? NULL : new_node(b);
  if (!n)
    return;
  n->v.name = dup_or_null(b, name);
  n->v.type = dup_or_null(b, type ? type : "");
  n->v.subtype = dup_or_null(b, subtype);
  n->v.text = dup_or_null(b, text);
  n->parent = b->open;
  if (b->open->last)
    b->open->last->next = n;
  else
    b->open->first = n;
  b->open->last = n;
  b->open->n++;
  b->open = n;
}

void ospy_xb_cut(ospy_xbuilder *b)
{
  if (b->failed || b->open == b->root || b->open == b->ret)
    return;
  b->open->v.flags |= OSPY_XVALUE_TRUNCATED;
  b->open->v.total = 0; /* unknown */
}

void ospy_xb_total(ospy_xbuilder *b, uint64_t total)
{
  if (b->failed || b->open == b->root || b->open == b->ret)
    return;
  b->open->v.flags |= OSPY_XVALUE_TRUNCATED;
  b->open->v.total = total;
}

void ospy_xb_bytes(ospy_xbuilder *b, const void *p, size_t n, uint64_t total)
{
  if (b->failed || b->open == b->root || b->open == b->ret)
    return;
  uint8_t *copy = ospy_arena_alloc(b->arena, n ? n : 1);
  if (!copy) {
    b->failed = 1;
    return;
  }
  if (n)
    memcpy(copy, p, n);
  b->open->v.bytes = copy;
  b->open->v.nbytes = n;
  if (total > n) {
    b->open->v.flags |= OSPY_XVALUE_TRUNCATED;
    b->open->v.total = total;
  }
}

void ospy_xb_unreadable(ospy_xbuilder *b, uint64_t addr)
{
  if (b->failed || b->open == b->root || b->open == b->ret)
    return;
  b->open->v.flags |= OSPY_XVALUE_UNREADABLE;
  b->open->v.addr = addr;
}

void ospy_xb_flags(ospy_xbuilder *b, uint32_t flags)
{
  if (b->failed || b->open == b->root || b->open == b->ret)
    return;
  b->open->v.flags |= flags;
}

void ospy_xb_bad_size(ospy_xbuilder *b, int64_t size)
{
  if (b->failed || b->open == b->root || b->open == b->ret)
    return;
  b->open->v.flags |= OSPY_XVALUE_BAD_SIZE;
  b->open->v.bad_size = size;
}

void ospy_xb_not_recorded(ospy_xbuilder *b, const char *why)
{
  if (b->failed || b->open == b->root || b->open == b->ret)
    return;
  b->open->v.not_recorded = why; /* a static string */
}

void ospy_xb_fd_name(ospy_xbuilder *b, const char *name)
{
  if (b->failed || b->open == b->root || b->open == b->ret)
    return;
  size_t n = strlen(name) + 1;
  char *copy = ospy_arena_alloc(b->arena, n);
  if (!copy) {
    b->failed = 1;
    return;
  }
  memcpy(copy, name, n);
  b->open->v.fd_name = copy;
}

void ospy_xb_format(ospy_xbuilder *b, const char *printed, uint64_t addr)
{
  if (b->failed || b->open == b->root || b->open == b->ret)
    return;
  b->open->v.flags |= OSPY_XVALUE_FORMAT;
  b->open->v.printed = dup_or_null(b, printed);
  b->open->v.format_addr = addr;
}

void ospy_xb_number(ospy_xbuilder *b, const char *number)
{
  if (b->failed || b->open == b->root || b->open == b->ret)
    return;
  b->open->v.number = dup_or_null(b, number);
}

/* Turns n's child list into its children array. */
static int seal(ospy_xbuilder *b, ospy_xb_node *n)
{
  if (!n->n)
    return 0;
  ospy_xvalue *kids = ospy_arena_alloc(b->arena, n->n * sizeof *kids);
  if (!kids)
    return -1;
  size_t i = 0;
  for (ospy_xb_node *k = n->first; k; k = k->next)
    kids[i++] = k->v;
  n->v.children = kids;
  n->v.nchildren = n->n;
  return 0;
}

void ospy_xb_close(ospy_xbuilder *b)
{
  if (b->failed)
    return;
  if (b->open == b->root || b->open == b->ret || !b->open->parent) {
    b->failed = 1; /* more closes than opens */
    return;
  }
  if (seal(b, b->open) < 0)
    b->failed = 1;
  b->open = b->open->parent;
}

void ospy_xb_begin_return(ospy_xbuilder *b)
{
  if (b->failed || b->open != b->root)
    return;
  if (!b->ret && !(b->ret = new_node(b)))
    return;
  b->open = b->ret;
}

int ospy_xb_finish(ospy_xbuilder *b, const ospy_xvalue **args, size_t *nargs,
                   const ospy_xvalue **retval)
{
  if (b->failed || (b->open != b->root && b->open != b->ret) || seal(b, b->root) < 0)
    return -1;
  *args = b->root->v.children;
  *nargs = b->root->v.nchildren;
  *retval = b->ret && b->ret->first ? &b->ret->first->v : NULL;
  return 0;
}
