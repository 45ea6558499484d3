/* Entities in element content. An internal entity's replacement text
 * (<!ENTITY args '<argument name="fd" type="Int32"/>'>, <!ENTITY prologue
 * '55 48 89 e5'>) is used as if written where it is referenced: the
 * document is parsed without XML_PARSE_NOENT (which would read external
 * entities too), so libxml2 leaves an entity reference node in the tree,
 * the replacement text parsed once under the entity's declaration. Each
 * reference is replaced here by a copy of it, before the sections are read:
 * they see the elements and the text and no reference (a reference they
 * skipped lost what it stood for: the arguments of a spec, 4 bytes of a
 * signature, which then matched 4 bytes into the function). What the copies
 * hold is reported at the reference (config_src.c). */
#include <string.h>

#include <libxml/entities.h>

#include "config/config_internal.h"

/* The most nodes and bytes of text entities may add to a config: a few
 * nested entities can stand for millions of elements (the billion laughs);
 * libxml2 refuses most such documents itself, not every version alike. */
#define CFG_ENTITY_NODES_MAX 100000
#define CFG_ENTITY_TEXT_MAX (16u << 20)

typedef struct expansion {
  size_t nodes, text;
} expansion;

/* Marks n and what it holds as from ref's entity and counts them. */
static void mark_copy(const cfg *g, xmlNodePtr ref, xmlNodePtr n, expansion *x)
{
  for (; n; n = n->next) {
    cfg_src_from_entity(g, ref, n);
    x->nodes++;
    if (n->type == XML_TEXT_NODE && n->content)
      x->text += strlen((const char *)n->content);
    if (n->type == XML_ELEMENT_NODE)
      mark_copy(g, ref, n->children, x);
  }
}

static int too_much(const expansion *x)
{
  return x->nodes > CFG_ENTITY_NODES_MAX || x->text > CFG_ENTITY_TEXT_MAX;
}

/* A reference whose replacement text is not read: an error at it. */
static void refused(cfg *g, xmlNodePtr ref, xmlEntityPtr e)
{
  const char *name = (const char *)ref->name;
  if (!e) {
    if (!g->last_xml_error[0]) /* libxml2 says "Entity 'x' not defined" */
      cfg_error(g, cfg_pos_elem(g, ref), "entity &%s; is not declared", name);
  } else if (e->etype != XML_INTERNAL_GENERAL_ENTITY)
    cfg_error(g, cfg_pos_elem(g, ref), "entity &%s; is external: a config reads no other file "
              "(declare it with its text, <!ENTITY %s '...'>)", name, name);
  else
    cfg_error(g, cfg_pos_elem(g, ref), "entity &%s; could not be read", name);
}

/* Puts a copy of ref's replacement text in its place and frees ref. -1:
   more than entities may add (reported). */
static int expand(cfg *g, xmlNodePtr ref, expansion *x)
{
  xmlEntityPtr e = xmlGetDocEntity(ref->doc, ref->name);
  int ok = e && e->etype == XML_INTERNAL_GENERAL_ENTITY && (e->children || !e->content ||
                                                             !e->content[0]);
  xmlNodePtr copy = ok && e->children ? xmlDocCopyNodeList(ref->doc, e->children) : NULL;
  if (!ok || (e->children && !copy))
    refused(g, ref, e);
  mark_copy(g, ref, copy, x);
  if (too_much(x)) {
    cfg_error(g, cfg_pos_elem(g, ref), "entities expand to more than %u nodes or %u MiB of "
              "text here, the most a config may hold from entities", CFG_ENTITY_NODES_MAX,
              CFG_ENTITY_TEXT_MAX >> 20);
    xmlFreeNodeList(copy);
    return -1;
  }
  while (copy) {
    xmlNodePtr next = copy->next;
    xmlUnlinkNode(copy);
    xmlAddPrevSibling(ref, copy); /* text next to text is merged into it */
    copy = next;
  }
  xmlNodePtr before = ref->prev, after_ref = ref->next;
  xmlUnlinkNode(ref);
  xmlFreeNode(ref); /* (the entity is the document's, not the reference's) */
  /* the text before and after it one text, as written in place: &p;9 with
     p '55 4' is the bytes 55 49 */
  if (before && after_ref && before->type == XML_TEXT_NODE && after_ref->type == XML_TEXT_NODE &&
      before->name == after_ref->name)
    xmlTextMerge(before, after_ref);
  return 0;
}

/* The node after n's subtree in document order, or NULL past root's. */
static xmlNodePtr after(xmlNodePtr n, xmlNodePtr root)
{
  while (n != root && !n->next)
    n = n->parent;
  return n == root ? NULL : n->next;
}

int cfg_expand_entities(cfg *g, xmlNodePtr root)
{
  expansion x = { 0, 0 };
  xmlNodePtr n = root;
  while (n) {
    if (n->type == XML_ELEMENT_NODE && n->children) {
      n = n->children;
      continue;
    }
    if (n->type != XML_ENTITY_REF_NODE) {
      n = after(n, root);
      continue;
    }
    /* on from the copy's first node: references it holds are expanded too */
    xmlNodePtr prev = n->prev, parent = n->parent;
    if (expand(g, n, &x) < 0)
      return -1;
    xmlNodePtr first = prev ? prev->next : parent->children;
    n = first ? first : prev ? after(prev, root) : after(parent, root);
  }
  return 0;
}
