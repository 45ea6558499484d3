/* "Did you mean" for names a config gets wrong: the closest of the names it
 * could have meant (a type, an attribute), and what a C or Windows type is
 * called here (int is Int32). Asked only once something is unknown. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "config/config_internal.h"

const char *cfg_closest_attr(const char *name, const char *const *allowed)
{
  static ospy_closest c; /* (its result outlives the call; the loader is one thread) */
  ospy_closest_init(&c, name);
  for (size_t i = 0; allowed[i]; i++)
    ospy_closest_offer(&c, allowed[i], "");
  return ospy_closest_result(&c);
}


/* ---- C and Windows spellings ---- */

/* What a C type (its base, without '*') is called here; the integer types
 * at the widths Linux gives them on both targets (long is pointer-wide:
 * SSize). */
static const struct { const char *c, *type; } c_types[] = {
  { "char", "Int8" }, { "signed char", "Int8" }, { "unsigned char", "UInt8" },
  { "short", "Int16" }, { "short int", "Int16" }, { "signed short", "Int16" },
  { "unsigned short", "UInt16" }, { "unsigned short int", "UInt16" },
  { "int", "Int32" }, { "signed", "Int32" }, { "signed int", "Int32" },
  { "unsigned", "UInt32" }, { "unsigned int", "UInt32" },
  { "long", "SSize" }, { "long int", "SSize" }, { "signed long", "SSize" },
  { "unsigned long", "Size" }, { "unsigned long int", "Size" },
  { "long long", "Int64" }, { "long long int", "Int64" }, { "signed long long", "Int64" },
  { "unsigned long long", "UInt64" }, { "unsigned long long int", "UInt64" },
  { "int8_t", "Int8" }, { "uint8_t", "UInt8" }, { "int16_t", "Int16" },
  { "uint16_t", "UInt16" }, { "int32_t", "Int32" }, { "uint32_t", "UInt32" },
  { "int64_t", "Int64" }, { "uint64_t", "UInt64" },
  { "size_t", "Size" }, { "ssize_t", "SSize" }, { "uintptr_t", "Size" },
  { "intptr_t", "SSize" }, { "ptrdiff_t", "SSize" },
  { "pid_t", "ProcessId" }, { "uid_t", "UInt32" }, { "gid_t", "UInt32" },
  { "mode_t", "UInt32" }, { "socklen_t", "UInt32" },
  { "bool", "Boolean" }, { "_Bool", "Boolean" }, { "float", "Float" }, { "double", "Double" },
  { "wchar_t", "Int32" }, { "va_list", "VaList" },
};

/* Windows' names, which oSpy's own configs were written against. */
static const struct { const char *win, *type; } win_types[] = {
  { "BYTE", "UInt8" }, { "WORD", "UInt16" }, { "DWORD", "UInt32" }, { "BOOL", "MSBool" },
  { "HANDLE", "Pointer" }, { "LPVOID", "Pointer" }, { "PVOID", "Pointer" },
  { "LPSTR", "AsciiStringPtr" }, { "LPCSTR", "AsciiStringPtr" },
  { "LPWSTR", "UnicodeStringPtr" }, { "LPCWSTR", "UnicodeStringPtr" },
};

/* name as C spells a type, tidied: "const" left out, blanks single, the
 * stars counted (and taken off); 0 when it is too long to be one. */
static int c_base(const char *name, char *base, size_t cap, unsigned *stars)
{
  size_t n = 0;
  *stars = 0;
  for (const char *p = name; *p;) {
    if (*p == '*') {
      (*stars)++;
      p++;
      continue;
    }
    if (isspace((unsigned char)*p)) {
      p++;
      continue;
    }
    const char *w = p;
    while (*p && *p != '*' && !isspace((unsigned char)*p))
      p++;
    size_t wl = (size_t)(p - w);
    if ((wl == 5 && !strncmp(w, "const", 5)) || (wl == 8 && !strncmp(w, "volatile", 8)))
      continue;
    if (*stars || n + wl + 2 > cap)
      return 0; /* a word after a star (char * p) is no type */
    if (n)
      base[n++] = ' ';
    memcpy(base + n, w, wl);
    n += wl;
  }
  base[n] = 0;
  return n > 0;
}

/* The type a C spelling is here, into out: char * is a string, void * a
 * Pointer, another T * the type's Ptr (two stars: PtrPtr). */
static int c_type_here(const char *base, unsigned stars, char *out, size_t cap)
{
  if (stars > 2)
    return 0;
  if (!strcmp(base, "void")) {
    if (!stars)
      return 0; /* said apart: no type at all */
    snprintf(out, cap, "Pointer%s", stars == 2 ? "Ptr" : "");
    return 1;
  }
  const char *type = NULL;
  if (stars && !strcmp(base, "char"))
    type = "AsciiString";
  else if (stars && !strcmp(base, "wchar_t"))
    type = "WideString";
  for (size_t i = 0; !type && i < sizeof c_types / sizeof c_types[0]; i++)
    if (!strcmp(base, c_types[i].c))
      type = c_types[i].type;
  if (!type)
    return 0;
  snprintf(out, cap, "%s%s", type, stars == 2 ? "PtrPtr" : stars ? "Ptr" : "");
  return 1;
}

const char *cfg_foreign_type_hint(const char *name, char *buf, size_t cap)
{
  for (size_t i = 0; i < sizeof win_types / sizeof win_types[0]; i++)
    if (!strcmp(name, win_types[i].win)) {
      snprintf(buf, cap, "Windows' %s is %s here", name, win_types[i].type);
      return buf;
    }
  char base[64], here[64];
  unsigned stars;
  if (!c_base(name, base, sizeof base, &stars))
    return NULL;
  if (!stars && !strcmp(base, "void")) {
    snprintf(buf, cap, "C's void is no value: a function that returns nothing has no "
             "<returnValue>; void * is Pointer");
    return buf;
  }
  if (!c_type_here(base, stars, here, sizeof here))
    return NULL;
  snprintf(buf, cap, "C's %s%s%s is %s here", base, stars ? " " : "",
           stars == 2 ? "**" : stars ? "*" : "", here);
  return buf;
}
