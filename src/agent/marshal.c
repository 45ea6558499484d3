/* Marshaling of argument values into values blobs (see marshal.h and
   plan/values_format.h). Hot path: no allocation, no stdio. */
#include "agent/marshal.h"

#include <string.h>

#include "agent/copy.h"
#include "agent/marshal_internal.h"
#include "arch/x86/cpu_context.h"
#include "plan/spec_abi.h"
#include "plan/spec_expr.h"
#include "plan/values_format.h"

/* A size or count (size=, elementCount=, a bound field): none given
   (MS_NONE), usable (MS_OK), negative in a signed type (MS_NEG: n holds its
   bits; nothing is read, the value says so) or its read faulted (MS_FAULT). */
enum { MS_NONE, MS_OK, MS_NEG, MS_FAULT };
typedef struct msize {
  uint64_t n;
  int st;
} msize;
#define MSIZE_NONE ((msize){ 0, MS_NONE })
#define STATE_MAGIC 0x4f53504du /* "OSPM" */

/* A copy of target memory [base, base + len), all of it readable when it
   was read: the bytes of the structure or array being written (window_open). */
typedef struct mwindow {
  uint64_t base;
  size_t len;
  const uint8_t *bytes;
} mwindow;

typedef struct mctx {
  const ospy_marshal_call *c;
  const ospy_spec_table *t;
  const ospy_spec_fn *fn;
  ospy_mw *w;
  size_t value_cap;
  int phase;
  ospy_sexpr_env env;
  int64_t budget; /* bytes buffers may still record in this entry, or -1 (leave_budget) */
  unsigned in_array; /* arrays being written around the current value */
  int no_room;       /* an entry found no room: the later ones are written as
                        put_arg_no_room keeps them (entry) */
  mwindow win;        /* the innermost window open (none: len 0) */
  unsigned no_window; /* a value written again without windows (window_close) */
} mctx;

/* An errorCondition decided at entry (ospy_sexpr_decided_at_entry), as
   the enter found it: kept for the leave. */
enum { ERROR_UNDECIDED, ERROR_NOT_FAILED, ERROR_FAILED };

typedef struct saved_args {
  uint32_t magic;
  uint16_t nargs;
  uint16_t error_at_entry; /* ERROR_* */
  uint64_t faults; /* bit i: computed argument i is missing (fill_computed) */
  uint64_t vals[OSPY_SPEC_MAX_ARGS];
  /* the eightbytes of structures passed (regcopy) or returned (retcopy) in
   * registers: their bytes in memory, where vals[i] and retval point */
  uint64_t regcopy[OSPY_MARSHAL_REGCOPY_WORDS];
  uint64_t retcopy[2];
} saved_args;

_Static_assert(OSPY_SPEC_MAX_ARGS <= 64, "a bit of saved_args.faults per argument");

_Static_assert(sizeof(saved_args) <= OSPY_MARSHAL_STATE_SIZE, "state size");

static void put_mem_value(mctx *m, const ospy_spec_typeref *r, uint64_t addr, msize size,
                          msize count, unsigned depth);

/* ---- small helpers ---- */

static uint64_t extend(uint64_t v, unsigned width, int is_signed)
{
  if (width == 0 || width >= 8)
    return v;
  uint64_t mask = (1ull << (8 * width)) - 1;
  v &= mask;
  if (is_signed && (v >> (8 * width - 1)) & 1)
    v |= ~mask;
  return v;
}

static void put_int(ospy_mw *w, uint64_t v, unsigned width, int is_signed)
{
  v = extend(v, width, is_signed);
  if (is_signed) {
    ospy_mw_u8(w, OSPY_VB_INT_S);
    ospy_mw_sleb(w, (int64_t)v);
  } else {
    ospy_mw_u8(w, OSPY_VB_INT_U);
    ospy_mw_uleb(w, v);
  }
}

static void put_unreadable(ospy_mw *w, uint64_t addr)
{
  ospy_mw_u8(w, OSPY_VB_UNREADABLE);
  ospy_mw_uleb(w, addr);
}

/* What lies at addr was not recorded, and why (OSPY_VB_NO_ROOM,
   OSPY_VB_DEPTH_LIMIT: readers show the address and the reason;
   OSPY_VB_NOT_LOGGED: put_not_logged). */
static void put_not_followed(ospy_mw *w, uint8_t why, uint64_t addr)
{
  ospy_mw_u8(w, OSPY_VB_NOT_FOLLOWED);
  ospy_mw_u8(w, why);
  ospy_mw_uleb(w, addr);
}

static void put_bad_size(ospy_mw *w, uint64_t addr, uint64_t size)
{
  ospy_mw_u8(w, OSPY_VB_BAD_SIZE);
  ospy_mw_uleb(w, addr);
  ospy_mw_sleb(w, (int64_t)size);
}

/* A 5-byte LEB128 placeholder, patched once the count is known. */
static size_t reserve_uleb5(ospy_mw *w)
{
  size_t at = w->len;
  static const uint8_t zero5[5] = { 0x80, 0x80, 0x80, 0x80, 0x00 };
  ospy_mw_bytes(w, zero5, 5);
  return at;
}

static void patch_uleb5(ospy_mw *w, size_t at, uint64_t v)
{
  if (w->full || v >= (1ull << 35))
    return;
  for (int i = 0; i < 5; i++)
    w->p[at + i] = (uint8_t)(((v >> (7 * i)) & 0x7f) | (i < 4 ? 0x80 : 0));
}

static const ospy_spec_type *type_of(const mctx *m, const ospy_spec_typeref *r)
{
  return ospy_spec_table_type(m->t, r->type);
}

/* Scalar kind information for a (non-ptr) typeref: width, signedness. */
static unsigned scalar_info(const mctx *m, const ospy_spec_typeref *r, int *is_signed)
{
  *is_signed = ospy_spec_scalar_signed(m->t, r);
  ospy_spec_typeref plain = *r;
  plain.ptr = 0;
  return ospy_spec_scalar_width(m->t, &plain);
}

static uint64_t load_le(const uint8_t *b, unsigned width, int big_endian)
{
  uint64_t v = 0;
  for (unsigned i = 0; i < width; i++)
    v |= (uint64_t)b[big_endian ? width - 1 - i : i] << (8 * i);
  return v;
}

static double bits_to_double(uint64_t bits, unsigned width)
{
  if (width == 4) {
    float f;
    uint32_t b32 = (uint32_t)bits;
    memcpy(&f, &b32, 4);
    return f;
  }
  double d;
  memcpy(&d, &bits, 8);
  return d;
}

static void put_f64(ospy_mw *w, double d)
{
  uint8_t b[8];
  memcpy(b, &d, 8); /* x86 is little-endian */
  ospy_mw_u8(w, OSPY_VB_F64);
  ospy_mw_bytes(w, b, 8);
}

/* ---- reads through a window ----
 *
 * A structure or an array is read with one safe read of its bytes (a system
 * call when it is not on the calling thread's stack), into a window, and its
 * fields and elements are decoded from that copy: read one at a time, a
 * struct stat took 14 system calls. The window lies at the top of the
 * blob's room, which the values written meanwhile are kept below (no
 * allocation, nothing on the program's stack, however deep structures
 * nest). A read the window does not hold in full (past its end: a structure
 * that runs into an unreadable page, or larger than WINDOW_MAX) is made
 * through the kernel as before, so that what can be read and where the
 * unreadable part begins are what reads one field at a time find. When the
 * room the window took cut a value short, the value is written again
 * without windows: the blob is the same with and without them.
 */
#define WINDOW_MAX 4096u
/* the room a window leaves for the values written while it is open, at
   least: as many bytes as the window, and this many more */
#define WINDOW_SLACK 256u

enum { WIN_NONE, WIN_COVERED, WIN_OPEN, WIN_UNREADABLE };

static int windows_off; /* (tests: ospy_marshal_set_windows) */

void ospy_marshal_set_windows(int on) { windows_off = !on; }

typedef struct window_save {
  mwindow outer;   /* the window open before */
  size_t len;      /* the blob's length when the value began */
  size_t span;     /* bytes of the blob's room the window takes (0: none) */
  int short_cap;   /* the blob's short_cap before */
  int64_t budget;  /* m->budget before (put_bytes spends it) */
} window_save;

/* Whether the window holds [addr, addr + n) whole. */
static int window_holds(const mctx *m, uint64_t addr, uint64_t n)
{
  const mwindow *v = &m->win;
  return addr >= v->base && addr - v->base < v->len && n <= v->len - (addr - v->base);
}

/* A safe read (ospy_marshal_read), from the window when it holds all of it. */
static size_t mread(const mctx *m, uint64_t addr, void *buf, size_t n)
{
  if (n && window_holds(m, addr, n)) {
    ospy_copy(buf, m->win.bytes + (addr - m->win.base), n); /* (a field: a few bytes) */
    return n;
  }
  return ospy_marshal_read(addr, buf, n);
}

/* Reads up to `span` bytes at addr into the window's place (the s->span
   bytes at the blob's cap) and makes it the window; how many were read. */
static size_t window_fill(mctx *m, const window_save *s, uint64_t addr, uint64_t span)
{
  uint8_t *at = m->w->p + m->w->cap;
  size_t got = ospy_marshal_read(addr, at, span < s->span ? (size_t)span : s->span);
  m->win = (mwindow){ addr, got, at };
  return got;
}

/* The window for a value of `span` bytes at addr: WIN_COVERED when the
 * window open holds it already; WIN_OPEN when one was read (s says how to
 * close it: window_close); WIN_UNREADABLE when not even its first byte could
 * be read (a garbage pointer); WIN_NONE when there is no room for one (a
 * small blob) or windows are off: the value's reads are made one by one. */
static int window_open(mctx *m, uint64_t addr, uint64_t span, window_save *s)
{
  ospy_mw *w = m->w;
  s->span = 0;
  if (span == 0)
    return WIN_NONE;
  if (span > WINDOW_MAX)
    span = WINDOW_MAX;
  if (window_holds(m, addr, span))
    return WIN_COVERED;
  if (m->no_window || ospy_mw_room(w) < 2 * span + WINDOW_SLACK)
    return WIN_NONE;
  *s = (window_save){ m->win, w->len, (size_t)span, w->short_cap, m->budget };
  w->cap -= s->span; /* the values written meanwhile stay below it */
  w->short_cap = 0;  /* (set when the room left cuts a value: window_close) */
  if (window_fill(m, s, addr, span) == 0) {
    w->cap += s->span;
    w->short_cap = s->short_cap;
    m->win = s->outer;
    s->span = 0;
    return WIN_UNREADABLE;
  }
  return WIN_OPEN;
}

/* Closes a window window_open opened. 1 when the value must be written again
 * without windows: something in it was cut or dropped for want of room
 * while the window took part of it (it is taken back: the blob is as before
 * the value began). */
static int window_close(mctx *m, const window_save *s)
{
  ospy_mw *w = m->w;
  if (!s->span)
    return 0;
  w->cap += s->span;
  m->win = s->outer;
  int cut = w->short_cap;
  w->short_cap = s->short_cap;
  if (!cut)
    return 0;
  w->len = s->len;
  w->full = 0;
  m->budget = s->budget;
  return 1;
}

/* ---- buffers and strings ---- */

static void put_bytes(mctx *m, uint64_t addr, uint64_t size)
{
  ospy_mw *w = m->w;
  uint64_t want = size < m->value_cap ? size : m->value_cap;
  int budgeted = m->budget >= 0 && m->in_array; /* iovec data, not msg_name or msg_control */
  if (budgeted && want > (uint64_t)m->budget)
    want = (uint64_t)m->budget;
  uint8_t flags = want < size ? OSPY_VB_CAPPED : 0;
  ospy_mw_u8(w, OSPY_VB_BYTES);
  size_t flags_at = w->len;
  ospy_mw_u8(w, flags);
  ospy_mw_uleb(w, size);
  size_t stored_at = reserve_uleb5(w);
  size_t room = ospy_mw_room(w);
  if (want > room) {
    want = room;
    flags |= OSPY_VB_CAPPED;
    w->short_cap = 1;
  }
  size_t got = want ? mread(m, addr, w->p + w->len, (size_t)want) : 0;
  if (got < want)
    flags |= OSPY_VB_CUT;
  if (budgeted)
    m->budget -= (int64_t)got;
  if (!w->full) {
    w->len += got;
    w->p[flags_at] = flags;
  }
  patch_uleb5(w, stored_at, got);
}

/* Index of the first NUL code unit in b[0..n), or n. */
static size_t find_nul(const uint8_t *b, size_t n, unsigned unit)
{
  for (size_t i = 0; i + unit <= n; i += unit) {
    int zero = 1;
    for (unsigned k = 0; k < unit; k++)
      zero &= b[i + k] == 0;
    if (zero)
      return i;
  }
  return n;
}

/* Reads go straight into the blob, one page at a time (a page is either
   readable or not): usually a string costs a single safe read. */
#define READ_CHUNK 4096u
#define FIRST_CHUNK 256u

/* A NUL-terminated string, or at most max_bytes of it (a format's %.3s reads
 * no further, as printf: the bytes after need not be readable or ended). */
static void put_string(mctx *m, uint64_t addr, unsigned unit, size_t max_bytes)
{
  ospy_mw *w = m->w;
  ospy_mw_u8(w, OSPY_VB_STR);
  size_t flags_at = w->len;
  ospy_mw_u8(w, 0);
  ospy_mw_u8(w, (uint8_t)unit);
  size_t stored_at = reserve_uleb5(w);
  uint8_t flags = 0;
  size_t stored = 0, limit = m->value_cap / unit * unit;
  int room_limits = limit > ospy_mw_room(w) / unit * unit;
  if (room_limits)
    limit = ospy_mw_room(w) / unit * unit;
  int whole = max_bytes / unit * unit <= limit; /* the precision ends it, not the cap */
  if (whole)
    limit = max_bytes / unit * unit;
  for (;;) {
    if (stored >= limit) {
      if (!whole)
        flags |= OSPY_VB_CAPPED;
      w->short_cap |= room_limits && !whole;
      break;
    }
    uint64_t at = addr + stored;
    size_t chunk = READ_CHUNK - (size_t)(at % READ_CHUNK);
    if (stored == 0 && chunk > FIRST_CHUNK)
      chunk = FIRST_CHUNK; /* most strings are short: copy little first */
    chunk -= chunk % unit;
    if (chunk < unit)
      chunk = unit; /* a code unit straddling a page boundary */
    if (chunk > limit - stored)
      chunk = limit - stored;
    uint8_t *dst = w->p + w->len + stored;
    size_t got = mread(m, at, dst, chunk);
    got -= got % unit;
    size_t n = find_nul(dst, got, unit);
    stored += n;
    if (n < got)
      break; /* terminator found */
    if (got < chunk) { /* ran into unreadable memory before a NUL */
      flags |= OSPY_VB_CUT;
      break;
    }
  }
  if (!w->full) {
    w->len += stored;
    w->p[flags_at] = flags;
  }
  patch_uleb5(w, stored_at, stored);
}

static int pointee_unreadable(const ospy_mw *w, size_t at);

/* The node just written at `at` for memory at addr: when nothing at all
   could be read there, it becomes UNREADABLE at addr. */
static void unreadable_if_nothing_read(mctx *m, size_t at, uint64_t addr)
{
  if (!m->w->full && pointee_unreadable(m->w, at)) {
    m->w->len = at;
    put_unreadable(m->w, addr);
  }
}

/* A string (a pointer's pointee, a field, a format's %s or the format
   itself): one of which nothing could be read is unreadable at its address
   (not an empty string cut after 0 bytes). */
static void put_string_at(mctx *m, uint64_t addr, unsigned unit, size_t max_bytes)
{
  size_t at = m->w->len;
  put_string(m, addr, unit, max_bytes);
  unreadable_if_nothing_read(m, at, addr);
}

/* A format's %s value, likewise, as STR_AT: no pointer node holds its
   address, and readers say where one cut by unreadable memory stopped. */
static void put_string_with_address(mctx *m, uint64_t addr, unsigned unit, size_t max_bytes)
{
  size_t at = m->w->len;
  ospy_mw_u8(m->w, OSPY_VB_STR_AT);
  ospy_mw_uleb(m->w, addr);
  size_t str_at = m->w->len;
  put_string(m, addr, unit, max_bytes);
  if (!m->w->full && pointee_unreadable(m->w, str_at)) {
    m->w->len = at;
    put_unreadable(m->w, addr);
  }
}

/* A buffer, likewise (a buffer of 0 bytes reads nothing: "" wherever it is). */
static void put_bytes_at(mctx *m, uint64_t addr, uint64_t size)
{
  size_t at = m->w->len;
  put_bytes(m, addr, size);
  unreadable_if_nothing_read(m, at, addr);
}

/* Whether the byte at addr can be read: a structure or an array whose first
   byte cannot is unreadable at its address as a whole (a garbage pointer to
   it), not a value of its type with every field or element unreadable. */
static int first_byte_readable(const mctx *m, uint64_t addr)
{
  uint8_t b;
  return mread(m, addr, &b, 1) == 1;
}

#define SOCKADDR_MAX 110u /* the most put_sockaddr records: AF_UNIX's */

static void put_sockaddr_bytes(mctx *m, uint64_t addr, msize size)
{
  uint8_t fam[2];
  if (mread(m, addr, fam, 2) != 2) {
    put_unreadable(m->w, addr);
    return;
  }
  unsigned family = fam[0] | fam[1] << 8, len;
  switch (family) {
  case 1: len = SOCKADDR_MAX; break; /* AF_UNIX: sizeof(struct sockaddr_un) */
  case 10: len = 28; break; /* AF_INET6 */
  default: len = 16; break; /* AF_INET and others */
  }
  if (size.st == MS_OK && size.n < len)
    len = (unsigned)size.n;
  put_bytes(m, addr, len);
}

/* A socket address: its family, then the bytes of its kind, read with one
   safe read (a window), not two. */
static void put_sockaddr(mctx *m, uint64_t addr, msize size)
{
  if (size.st == MS_OK && size.n < 2) { /* no address: what the buffer held before is no data */
    put_bytes(m, addr, (unsigned)size.n);
    return;
  }
  window_save s;
  int win = window_open(m, addr, size.st == MS_OK && size.n < SOCKADDR_MAX ? size.n : SOCKADDR_MAX,
                        &s);
  if (win == WIN_UNREADABLE) {
    put_unreadable(m->w, addr);
    return;
  }
  put_sockaddr_bytes(m, addr, size);
  if (window_close(m, &s)) {
    m->no_window++;
    put_sockaddr(m, addr, size);
    m->no_window--;
  }
}

/* ---- structures and arrays ---- */

/* The integer value of field fi of the structure at base (for bindings). */
static msize read_field_int(mctx *m, const ospy_spec_type *st, uint32_t fi, uint64_t base)
{
  if (fi >= st->nfields)
    return MSIZE_NONE;
  const ospy_spec_field *f = &st->fields[fi];
  int sg;
  unsigned width = f->t.ptr ? m->t->ptr_size : scalar_info(m, &f->t, &sg);
  if (f->t.ptr)
    sg = 0;
  uint8_t b[8] = { 0 };
  if (width == 0 || width > 8 || mread(m, base + f->offset, b, width) != width)
    return MSIZE_NONE;
  uint64_t v = extend(load_le(b, width, f->t.big_endian), width, sg);
  return (msize){ v, sg && (int64_t)v < 0 ? MS_NEG : MS_OK };
}

/* A field direction="out" (poll's revents) holds, when the call enters,
   whatever the caller left there: it is read at the return alone, whatever
   the direction of the argument that holds its structure (an in argument's
   never shows it). Readers take a structure as the fields it lists. */
static int field_skipped(const mctx *m, const ospy_spec_field *f)
{
  return f->out_only && m->phase == OSPY_VB_PHASE_ENTER;
}

static uint32_t fields_written(const mctx *m, const ospy_spec_type *st)
{
  if (m->phase != OSPY_VB_PHASE_ENTER)
    return st->nfields;
  uint32_t n = 0;
  for (uint32_t i = 0; i < st->nfields; i++)
    n += !field_skipped(m, &st->fields[i]);
  return n;
}

static void put_struct(mctx *m, const ospy_spec_type *st, uint64_t addr, unsigned depth)
{
  ospy_mw *w = m->w;
  ospy_mw_u8(w, OSPY_VB_STRUCT);
  ospy_mw_uleb(w, fields_written(m, st));
  for (uint32_t i = 0; i < st->nfields; i++) {
    const ospy_spec_field *f = &st->fields[i];
    if (field_skipped(m, f))
      continue;
    msize size = MSIZE_NONE, count = read_field_int(m, st, f->count_field, addr);
    const ospy_spec_type *ft = type_of(m, &f->t);
    if (ft && ft->kind == OSPY_KIND_ARRAY) {
      if (f->size && f->count_field == OSPY_SPEC_NONE)
        count = (msize){ f->size, MS_OK }; /* elementCount="N" (spec.h) */
    } else {
      size = f->size ? (msize){ f->size, MS_OK } : read_field_int(m, st, f->size_field, addr);
    }
    ospy_mw_uleb(w, i);
    put_mem_value(m, &f->t, addr + f->offset, size, count, depth + 1);
  }
}

/* The bytes a structure's window takes: its size, and the first chunk
   put_string reads of an inline string without a size (struct dirent's
   d_name, at its end: its 256 bytes are not in its size). */
static uint64_t struct_span(const mctx *m, const ospy_spec_type *st)
{
  uint64_t span = st->size;
  for (uint32_t i = 0; i < st->nfields; i++) {
    const ospy_spec_field *f = &st->fields[i];
    const ospy_spec_type *ft = f->t.ptr ? NULL : type_of(m, &f->t);
    if (ft && ft->kind == OSPY_KIND_STRING && !f->size && (uint64_t)f->offset + FIRST_CHUNK > span)
      span = (uint64_t)f->offset + FIRST_CHUNK;
  }
  return span;
}

/* A structure at addr, its fields read from one window (unreadable at addr
   when not even its first byte can be read). */
static void put_struct_at(mctx *m, const ospy_spec_type *st, uint64_t addr, unsigned depth)
{
  window_save s;
  int win = window_open(m, addr, struct_span(m, st), &s);
  if (win == WIN_UNREADABLE || (win == WIN_NONE && !first_byte_readable(m, addr))) {
    put_unreadable(m->w, addr);
    return;
  }
  put_struct(m, st, addr, depth);
  if (window_close(m, &s)) {
    m->no_window++;
    put_struct_at(m, st, addr, depth);
    m->no_window--;
  }
}

static uint64_t elem_size(const mctx *m, const ospy_spec_typeref *er)
{
  return ospy_spec_element_size(m->t, er);
}

/* nullTerminated="true" without elementCount: at most this many elements. */
#define NULL_TERM_MAX_ELEMS 1024

/* Whether the element at addr is all zero bytes; *unreadable when it could
   not be read in full. */
static int elem_is_zero(const mctx *m, uint64_t addr, uint64_t esz, int *unreadable)
{
  uint8_t b[64];
  *unreadable = 0;
  for (uint64_t off = 0; off < esz; off += sizeof b) {
    size_t n = esz - off < sizeof b ? (size_t)(esz - off) : sizeof b;
    if (mread(m, addr + off, b, n) != n) {
      *unreadable = 1;
      return 0;
    }
    for (size_t i = 0; i < n; i++)
      if (b[i])
        return 0;
  }
  return 1;
}

/* Whether the element [addr, addr + esz) can be read, given *ok_end, the end
   of what the array was found readable up to: readability changes only at
   page boundaries, so one safe read a page answers for every element in it
   (not a read per element, and no 998 unreadable elements after the first). */
#define PROBE_PAGE 4096u

static int elem_readable(const mctx *m, uint64_t addr, uint64_t esz, uint64_t *ok_end)
{
  uint64_t end = addr + esz;
  if (end < addr)
    return 0;
  if (*ok_end < addr)
    *ok_end = addr;
  while (*ok_end < end) {
    uint8_t b;
    if (mread(m, *ok_end, &b, 1) != 1)
      return 0;
    *ok_end = (*ok_end | (PROBE_PAGE - 1)) + 1;
  }
  return 1;
}

/* The bound of an array: elementCount, or for a null-terminated one without
   it NULL_TERM_MAX_ELEMS. */
static uint64_t array_bound(const ospy_spec_typeref *r, msize count)
{
  if (r->null_term && count.st == MS_NONE)
    return NULL_TERM_MAX_ELEMS;
  return count.st == MS_OK ? count.n : 0;
}

/* An element of an array at addr; one not readable in full is the address
   of its first unreadable byte. */
static void put_element(mctx *m, const ospy_spec_typeref *er, uint64_t addr, int readable,
                        unsigned depth)
{
  if (!readable) {
    put_unreadable(m->w, addr);
    return;
  }
  m->in_array++;
  put_mem_value(m, er, addr, MSIZE_NONE, MSIZE_NONE, depth + 1);
  m->in_array--;
}

/* The bytes of n elements of esz bytes, WINDOW_MAX at most (n may be
   garbage: no overflow). */
static uint64_t elements_span(uint64_t n, uint64_t esz)
{
  return esz && n <= WINDOW_MAX / esz ? n * esz : WINDOW_MAX;
}

/* put_array's elements, from the window win when it has one. */
static void put_elements(mctx *m, const ospy_spec_typeref *r, const ospy_spec_typeref *er,
                         uint64_t esz, uint64_t bound, uint64_t addr, const window_save *win,
                         unsigned depth)
{
  ospy_mw *w = m->w;
  ospy_mw_u8(w, OSPY_VB_ARRAY);
  size_t total_at = w->len; /* a null-terminated array's length is known at the end */
  if (r->null_term)
    reserve_uleb5(w);
  else
    ospy_mw_uleb(w, bound);
  size_t stored_at = reserve_uleb5(w);
  size_t start = w->len;
  uint64_t stored = 0, ok_end = addr;
  int ended = 0;
  while (stored < bound && !w->full && w->len - start < m->value_cap) {
    uint64_t at = addr + stored * esz;
    /* an array longer than its window: the next part (not after a window
     * that ran into unreadable memory: what follows is read as before) */
    if (win && !window_holds(m, at, esz) && m->win.len == win->span)
      window_fill(m, win, at, elements_span(bound - stored + r->null_term, esz));
    int readable = elem_readable(m, at, esz, &ok_end), u;
    if (readable && r->null_term && elem_is_zero(m, at, esz, &u)) {
      ended = 1;
      break;
    }
    size_t before = w->len;
    put_element(m, er, readable ? at : ok_end, readable, depth);
    if (w->full) { /* the element did not fit: drop it, keep the others */
      w->full = 0;
      w->len = before;
      break;
    }
    stored++;
    if (!readable) { /* nothing after it can be read */
      ended = 1;
      break;
    }
  }
  int u;
  if (r->null_term && !ended && stored == bound && elem_is_zero(m, addr + stored * esz, esz, &u))
    ended = 1; /* the terminator right after the bound: complete */
  if (r->null_term)
    patch_uleb5(w, total_at, stored + !ended);
  patch_uleb5(w, stored_at, stored);
}

/* Arrays: `total` elements asked for, `stored` written (the rest capped). An
   element that cannot be read in full is written as unreadable (at its
   first unreadable byte) and ends the array: readers see the array cut
   there, with its total. A null-terminated array
   ends before its first all-zero element; when none is found within the
   bound or just after it (or the value cap stops it first) its total is one
   more than what was stored, so readers show it as cut. Its elements are
   read from one window (the next one past WINDOW_MAX bytes). */
static void put_array(mctx *m, const ospy_spec_typeref *r, uint64_t addr, msize count,
                      unsigned depth)
{
  ospy_spec_typeref er = { .type = r->elem_type, .ptr = r->elem_ptr, .hex = r->hex,
                           .marshal_as = OSPY_SPEC_NONE, .elem_type = OSPY_SPEC_NONE };
  uint64_t esz = elem_size(m, &er);
  uint64_t bound = esz ? array_bound(r, count) : 0;
  window_save s; /* (with a null-terminated one's terminator after its bound; none when empty) */
  int win = window_open(m, addr, bound ? elements_span(bound + r->null_term, esz) : 0, &s);
  if (win == WIN_UNREADABLE || (bound && win == WIN_NONE && !first_byte_readable(m, addr))) {
    /* (an empty one reads nothing: [] wherever it points) */
    put_unreadable(m->w, addr);
    return;
  }
  put_elements(m, r, &er, esz, bound, addr, win == WIN_OPEN ? &s : NULL, depth);
  if (window_close(m, &s)) {
    m->no_window++;
    put_array(m, r, addr, count, depth);
    m->no_window--;
  }
}

/* ---- values ---- */

/* What a pointer of type r points to, at addr (already non-NULL). */
static void put_pointee(mctx *m, const ospy_spec_typeref *r, uint64_t addr, msize size,
                        msize count, unsigned depth)
{
  ospy_spec_typeref inner = *r;
  inner.ptr = 0;
  put_mem_value(m, &inner, addr, size, count, depth);
}

/* The pointee node at `at` is UNREADABLE, or an empty buffer/string that
   was cut by unreadable memory. */
static int pointee_unreadable(const ospy_mw *w, size_t at)
{
  const uint8_t *p = w->p + at;
  size_t n = w->len - at;
  if (n >= 1 && p[0] == OSPY_VB_UNREADABLE)
    return 1;
  /* BYTES: tag flags uleb(total) uleb5(stored); STR: tag flags unit uleb5(stored) */
  if (n < 8 || (p[0] != OSPY_VB_BYTES && p[0] != OSPY_VB_STR) || !(p[1] & OSPY_VB_CUT))
    return 0;
  size_t i = 2;
  if (p[0] == OSPY_VB_BYTES)
    while (i < n && (p[i] & 0x80))
      i++;
  i++;
  static const uint8_t zero5[5] = { 0x80, 0x80, 0x80, 0x80, 0x00 };
  return i + 5 == n && !memcmp(p + i, zero5, 5);
}

/* Whether the value of type r (a pointer's pointee) would be read with a
   negative size (a buffer, a socket address) or count (an array): *bad is
   that size or count. */
static int size_is_bad(const mctx *m, const ospy_spec_typeref *r, msize size, msize count,
                       uint64_t *bad)
{
  const ospy_spec_type *ty = type_of(m, r);
  if (!ty)
    return 0;
  msize s = ty->kind == OSPY_KIND_ARRAY ? count
            : ty->kind == OSPY_KIND_BYTES || ty->kind == OSPY_KIND_SOCKADDR ? size
                                                                            : MSIZE_NONE;
  *bad = s.n;
  return s.st == MS_NEG;
}

static void put_pointer(mctx *m, const ospy_spec_typeref *r, uint64_t ptr, msize size,
                        msize count, unsigned depth)
{
  uint64_t bad;
  if (ptr == 0) {
    ospy_mw_u8(m->w, OSPY_VB_NULL);
    return;
  }
  if (size_is_bad(m, r, size, count, &bad)) { /* the pointer, and why nothing was read */
    put_bad_size(m->w, ptr, bad);
    return;
  }
  if (depth + 1 > OSPY_VB_MAX_DEPTH) { /* its pointee would lie past the nesting limit */
    put_not_followed(m->w, OSPY_VB_DEPTH_LIMIT, ptr);
    return;
  }
  size_t start = m->w->len;
  ospy_mw_u8(m->w, OSPY_VB_PTR);
  ospy_mw_uleb(m->w, ptr);
  size_t pointee = m->w->len;
  put_pointee(m, r, ptr, size, count, depth + 1);
  if (!m->w->full && pointee_unreadable(m->w, pointee)) {
    /* nothing at all could be read there: say so about the pointer itself */
    m->w->len = start;
    put_unreadable(m->w, ptr);
  }
}

static int is_aggregate(int kind)
{
  return kind == OSPY_KIND_BYTES || kind == OSPY_KIND_STRING || kind == OSPY_KIND_FORMAT ||
         kind == OSPY_KIND_ARRAY || kind == OSPY_KIND_STRUCT || kind == OSPY_KIND_SOCKADDR;
}

static void put_scalar(mctx *m, const ospy_spec_typeref *r, uint64_t raw)
{
  const ospy_spec_type *ty = type_of(m, r);
  int sg;
  unsigned width = scalar_info(m, r, &sg);
  if (ty && ty->kind == OSPY_KIND_FLOAT)
    put_f64(m->w, bits_to_double(raw, width));
  else
    put_int(m->w, raw, width, sg);
}

static void put_mem_value(mctx *m, const ospy_spec_typeref *r, uint64_t addr, msize size,
                          msize count, unsigned depth)
{
  const ospy_spec_type *ty = type_of(m, r);
  uint64_t bad;
  if (!ty || ty->kind == OSPY_KIND_VALIST) {
    ospy_mw_u8(m->w, OSPY_VB_SKIP);
    return;
  }
  /* a structure or an array whose contents would lie past the nesting limit
   * (a structure holding itself, inline or through pointers): its address,
   * and why it was not followed (it was SKIP, shown `?`, which says that a
   * read faulted) */
  if (depth > OSPY_VB_MAX_DEPTH ||
      (depth + 1 > OSPY_VB_MAX_DEPTH && !r->ptr &&
       (ty->kind == OSPY_KIND_STRUCT || ty->kind == OSPY_KIND_ARRAY))) {
    put_not_followed(m->w, OSPY_VB_DEPTH_LIMIT, addr);
    return;
  }
  if (r->ptr) {
    uint8_t b[8] = { 0 };
    if (mread(m, addr, b, m->t->ptr_size) != m->t->ptr_size) {
      put_unreadable(m->w, addr);
      return;
    }
    put_pointer(m, r, load_le(b, m->t->ptr_size, 0), size, count, depth);
    return;
  }
  if (size_is_bad(m, r, size, count, &bad)) { /* a field in the structure itself */
    put_bad_size(m->w, addr, bad);
    return;
  }
  /* Memory of which nothing at all could be read is unreadable at addr (a
     pointer's pointee, or a field inline in its structure), whatever its
     type: not an empty string cut after 0 bytes, nor a structure of
     unreadable fields (readers show `<unreadable at ADDR>`). */
  switch (ty->kind) {
  case OSPY_KIND_BYTES:
    if (size.st != MS_OK)
      ospy_mw_u8(m->w, OSPY_VB_SKIP);
    else
      put_bytes_at(m, addr, size.n);
    return;
  case OSPY_KIND_STRING: /* size="N": at most N bytes (char name[16] need not end) */
    put_string_at(m, addr, ty->width,
                  size.st == MS_OK && size.n <= SIZE_MAX ? (size_t)size.n : SIZE_MAX);
    return;
  case OSPY_KIND_FORMAT:
    put_string_at(m, addr, ty->width, SIZE_MAX);
    return;
  case OSPY_KIND_STRUCT:
    put_struct_at(m, ty, addr, depth);
    return;
  case OSPY_KIND_ARRAY:
    put_array(m, r, addr, count, depth);
    return;
  case OSPY_KIND_SOCKADDR:
    put_sockaddr(m, addr, size);
    return;
  default:
    break;
  }
  int sg;
  unsigned width = scalar_info(m, r, &sg);
  uint8_t b[8] = { 0 };
  if (width == 0 || width > 8 || mread(m, addr, b, width) != width) {
    put_unreadable(m->w, addr);
    return;
  }
  put_scalar(m, r, load_le(b, width, r->big_endian));
}


/* ---- printf-like format strings and their variadic arguments ---- */

#define MAX_VARARGS 32

/* Code unit k of a format string of `unit`-byte units. */
static uint32_t fch(const uint8_t *f, size_t nunits, unsigned unit, size_t k)
{
  if (k >= nunits)
    return 0;
  const uint8_t *p = f + k * unit;
  return unit == 1 ? p[0] : unit == 2 ? (uint32_t)(p[0] | p[1] << 8)
                                      : (uint32_t)(p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24);
}

/* VA_WSTR: a wchar_t string (UTF-32, glibc); VA_USTR: a UTF-16 one (a
   UTF-16 format's %s and %ls, MSVC's wide printf) */
enum { VA_NONE, VA_INT, VA_UINT, VA_DOUBLE, VA_LDOUBLE, VA_STR, VA_WSTR, VA_USTR, VA_PTR,
       VA_STOP, VA_POSITIONAL };

/* Whether the conversion at f[k] (just after '%') names its argument
   (%2$s): POSIX has all conversions of such a format do so. */
static int conv_positional(const uint8_t *f, size_t n, unsigned unit, size_t k)
{
  size_t i = k;
  while (fch(f, n, unit, i) >= '0' && fch(f, n, unit, i) <= '9')
    i++;
  return i > k && fch(f, n, unit, i) == '$';
}

#define PREC_NONE (-1L) /* no precision */
#define PREC_STAR (-2L) /* the precision is the last `*` int consumed */

/* The size of the value an integer conversion prints, as printf converts
   its argument: hh a char, h a short (the argument was promoted to int);
   l, z and t the target's long and size_t; ll, q, j and L 8 bytes (glibc
   reads %Ld as %lld). */
static unsigned int_conv_width(unsigned longs, unsigned shorts, int big, unsigned ptr_size)
{
  if (longs >= 2 || big)
    return 8;
  if (longs == 1)
    return ptr_size;
  return shorts >= 2 ? 1 : shorts == 1 ? 2 : 4;
}

/* Parse the conversion at f[k] (just after '%'): *k moves past it. *star
   counts `*` width/precision ints it consumes first; *width is the size of
   an integer conversion's value (1 and 2 for hh and h: its argument still
   takes an int's slot). */
static int conv_parse(const uint8_t *f, size_t n, unsigned unit, size_t *k, unsigned *star,
                      unsigned *width, long *prec, unsigned ptr_size)
{
  size_t i = *k;
  *star = 0;
  *prec = PREC_NONE;
  if (conv_positional(f, n, unit, i))
    return VA_POSITIONAL;
  for (uint32_t ch; (ch = fch(f, n, unit, i)) != 0 && ch < 128 && strchr("-+ #0'", (int)ch);)
    i++;
  for (int part = 0; part < 2; part++) {
    if (part == 1) {
      if (fch(f, n, unit, i) != '.')
        break;
      i++;
      *prec = 0; /* "%.s": precision 0 */
    }
    if (fch(f, n, unit, i) == '*') {
      (*star)++;
      i++;
      if (part == 1)
        *prec = PREC_STAR;
    }
    for (uint32_t ch; (ch = fch(f, n, unit, i)) >= '0' && ch <= '9'; i++)
      if (part == 1 && *prec >= 0 && *prec < 100000000)
        *prec = *prec * 10 + (long)(ch - '0');
  }
  unsigned longs = 0, shorts = 0, big = 0;
  for (;; i++) {
    uint32_t ch = fch(f, n, unit, i);
    if (ch == 'l')
      longs++;
    else if (ch == 'h')
      shorts++;
    else if (ch == 'z' || ch == 't')
      longs += ptr_size == 8;
    else if (ch == 'j' || ch == 'q')
      longs = 2;
    else if (ch == 'L')
      big = 1;
    else
      break;
  }
  uint32_t conv = fch(f, n, unit, i);
  *k = i + (conv != 0);
  *width = int_conv_width(longs, shorts, big, ptr_size);
  switch (conv) {
  case 'd': case 'i': return VA_INT;
  case 'u': case 'o': case 'x': case 'X': return VA_UINT;
  case 'c': case 'C': /* an int, or %lc's wint_t: 4 bytes whatever the modifier */
    *width = 4;
    return VA_UINT;
  case 'f': case 'F': case 'e': case 'E': case 'g': case 'G': case 'a': case 'A':
    return big ? VA_LDOUBLE : VA_DOUBLE;
  /* a UTF-16 format is MSVC's wide printf (vswprintf, as oSpy's
   * UnicodeFormatString ran it): %s, %ls and %lS a string of its own width,
   * %hs and %S a narrow one; glibc's (a narrow or a wchar_t format): %s
   * narrow, %ls and %S wchar_t */
  case 's': return unit == 2 ? (shorts ? VA_STR : VA_USTR) : longs ? VA_WSTR : VA_STR;
  case 'S': return unit == 2 ? (longs ? VA_USTR : VA_STR) : VA_WSTR;
  case 'p': case 'n': return VA_PTR;
  case '%': return VA_NONE;
  case 'm': return VA_NONE; /* glibc: strerror(errno), no argument */
  default: return VA_STOP;
  }
}

/* A value whose slot could not be read (or whose va_list could not): shown
   unreadable at that address, the last value decoded. 1 when so. */
static int put_va_fault(mctx *m, const ospy_va *va)
{
  if (!va->fault)
    return 0;
  put_unreadable(m->w, va->fault_addr);
  return 1;
}

/* prec: a %s's precision, the most it reads (units), or PREC_NONE. -1 when
   its slot could not be read (an unreadable node was written instead). */
static int put_vararg(mctx *m, ospy_va *va, int kind, unsigned width, long prec)
{
  uint64_t v;
  switch (kind) {
  case VA_INT:
  case VA_UINT: /* a char or short was passed as an int: an int's slot */
    v = ospy_marshal_va_int(va, width < 4 ? 4 : width);
    if (put_va_fault(m, va))
      return -1;
    put_int(m->w, v, width, kind == VA_INT);
    return 0;
  case VA_DOUBLE:
  case VA_LDOUBLE: /* shown as the double it rounds down to */
    v = kind == VA_DOUBLE ? ospy_marshal_va_double(va) : ospy_marshal_va_long_double(va);
    if (put_va_fault(m, va))
      return -1;
    put_f64(m->w, bits_to_double(v, 8));
    return 0;
  case VA_STR:
  case VA_WSTR:
  case VA_USTR: {
    unsigned unit = kind == VA_STR ? 1 : kind == VA_USTR ? 2 : 4;
    v = ospy_marshal_va_int(va, m->t->ptr_size);
    if (put_va_fault(m, va))
      return -1;
    if (!v)
      ospy_mw_u8(m->w, OSPY_VB_NULL);
    else
      put_string_with_address(m, v, unit, prec >= 0 ? (size_t)prec * unit : SIZE_MAX);
    return 0;
  }
  default:
    v = ospy_marshal_va_int(va, m->t->ptr_size);
    if (put_va_fault(m, va))
      return -1;
    ospy_mw_u8(m->w, OSPY_VB_INT_U);
    ospy_mw_uleb(m->w, v);
    return 0;
  }
}

/* The `*` width and precision ints a conversion consumes first; -1 when one
   could not be read (an unreadable node ends the values). */
static int put_star_ints(mctx *m, ospy_va *va, unsigned star, long *prec, unsigned *count)
{
  for (unsigned i = 0; i < star; i++) {
    int32_t v = (int32_t)ospy_marshal_va_int(va, 4);
    (*count)++;
    if (put_va_fault(m, va))
      return -1;
    put_int(m->w, (uint64_t)(int64_t)v, 4, 1);
    if (*prec == PREC_STAR && i == star - 1)
      *prec = v < 0 ? PREC_NONE : v; /* a negative precision is taken as omitted */
  }
  return 0;
}

/* The values the conversions of format f (nunits code units of `unit`
   bytes) consume; how many nodes were written. When decoding stops before
   the format's end for a reason readers cannot see (the cap, positional
   arguments, a conversion not known), a FMT_STOP node says why; a value
   whose slot (or va_list) could not be read is the unreadable last one. */
static unsigned put_format_values(mctx *m, ospy_va *va, const uint8_t *f, size_t nunits,
                                  unsigned unit)
{
  size_t k = 0;
  unsigned count = 0;
  int stop = 0;
  while (k < nunits && !va->no_values && !m->w->full) {
    if (fch(f, nunits, unit, k++) != '%')
      continue;
    unsigned star, width;
    long prec;
    int kind = conv_parse(f, nunits, unit, &k, &star, &width, &prec, m->t->ptr_size);
    if (kind == VA_STOP || kind == VA_POSITIONAL) {
      stop = kind == VA_STOP ? OSPY_VB_FMT_UNKNOWN : OSPY_VB_FMT_POSITIONAL;
      break;
    }
    if (count + star + (kind != VA_NONE) > MAX_VARARGS) {
      stop = OSPY_VB_FMT_MORE;
      break;
    }
    if (put_star_ints(m, va, star, &prec, &count) < 0)
      break;
    if (kind != VA_NONE) {
      count++;
      if (put_vararg(m, va, kind, width, prec) < 0)
        break;
    }
  }
  if (stop) {
    ospy_mw_u8(m->w, OSPY_VB_FMT_STOP);
    ospy_mw_u8(m->w, (uint8_t)stop);
    count++;
  }
  return count;
}

/* FMT node: the format string, then the values its conversions consume,
   from the call's `...` or from the va_list named by vaList. */
static void put_format(mctx *m, const ospy_spec_type *ty, uint64_t addr, const ospy_spec_arg *a)
{
  ospy_mw *w = m->w;
  ospy_mw_u8(w, OSPY_VB_FMT_AT);
  ospy_mw_uleb(w, addr); /* the exports write the format as a pointer, as oSpy did */
  size_t str_at = w->len;
  put_string_at(m, addr, ty->width, SIZE_MAX);
  size_t n_at = reserve_uleb5(w);
  if (w->full || m->phase != OSPY_VB_PHASE_ENTER || w->p[str_at] != OSPY_VB_STR)
    return; /* an unreadable format: no values */
  const uint8_t *s = w->p + str_at;
  uint64_t nbytes = 0;
  for (int i = 0; i < 5; i++)
    nbytes |= (uint64_t)(s[3 + i] & 0x7f) << (7 * i);
  if (s[1] & OSPY_VB_CAPPED)
    return; /* the conversions after the cut are unknown */
  ospy_va va;
  if (a->valist_arg != OSPY_SPEC_NONE)
    ospy_marshal_va_from_list(&va, m->c, m->env.argv[a->valist_arg]);
  else
    ospy_marshal_va_start(&va, m->fn, m->c);
  unsigned count = put_format_values(m, &va, s + 8, (size_t)nbytes / ty->width, ty->width);
  patch_uleb5(w, n_at, count);
}

/* Dynamic: the type named (name of the base value in its enumeration) +
   suffix, e.g. typeNameBase="arg.af" typeNameSuffix="_Protocol" with af =
   AF_INET selects the enumeration AF_INET_Protocol. */
static uint32_t dynamic_type(const mctx *m, const ospy_spec_arg *a)
{
  const char *src = a->type_base.src;
  if (!src || strncmp(src, "arg.", 4) != 0 || !a->type_suffix)
    return OSPY_SPEC_NONE;
  uint32_t bi = ospy_spec_arg_lookup(m->fn, src + 4);
  if (bi == OSPY_SPEC_NONE || bi >= m->env.argc)
    return OSPY_SPEC_NONE;
  const ospy_spec_type *bt = ospy_spec_table_type(m->t, m->fn->args[bi].t.type);
  if (!bt || bt->kind != OSPY_KIND_ENUM)
    return OSPY_SPEC_NONE;
  uint64_t v = extend(m->env.argv[bi], 4, 0);
  for (uint32_t i = 0; i < bt->nmembers; i++) {
    if (bt->members[i].value != v)
      continue;
    size_t ln = strlen(bt->members[i].name), ls = strlen(a->type_suffix);
    for (uint32_t k = OSPY_SPEC_NBUILTIN; k < m->t->ntypes; k++) {
      const char *nm = m->t->types[k].name;
      if (strlen(nm) == ln + ls && !strncmp(nm, bt->members[i].name, ln) &&
          !strcmp(nm + ln, a->type_suffix))
        return k;
    }
  }
  return OSPY_SPEC_NONE;
}

/* A structure passed or returned by value, at addr: its fields, as a
 * pointer's pointee shows them (no pointer: there is none in the call); 0
 * is a structure whose place is not known (no CPU context, or one the
 * config could not have let through: plan/spec_abi.h), not recorded. */
static void put_struct_by_value(mctx *m, const ospy_spec_typeref *r, uint64_t addr)
{
  if (!addr) {
    ospy_mw_u8(m->w, OSPY_VB_SKIP);
    return;
  }
  put_mem_value(m, r, addr, MSIZE_NONE, MSIZE_NONE, 0);
}

/* An argument (or the return value): its word is the value itself, or a
   pointer for ...Ptr and for aggregates (always passed by address in C). */
static void put_arg_value(mctx *m, const ospy_spec_typeref *r, uint64_t raw, msize size,
                          msize count, const ospy_spec_arg *a)
{
  const ospy_spec_type *ty = type_of(m, r);
  if (!ty) {
    ospy_mw_u8(m->w, OSPY_VB_SKIP);
    return;
  }
  if (ty->kind == OSPY_KIND_FORMAT && raw && a) {
    put_format(m, ty, raw, a);
    return;
  }
  if (ospy_abi_is_byval(m->t, r)) { /* raw: the address of its bytes */
    put_struct_by_value(m, r, raw);
    return;
  }
  if (r->ptr || is_aggregate(ty->kind)) {
    ospy_spec_typeref pr = *r;
    pr.ptr = 1;
    put_pointer(m, &pr, raw, size, count, 0);
    return;
  }
  if (ty->kind == OSPY_KIND_DYNAMIC) {
    uint32_t dt = a ? dynamic_type(m, a) : OSPY_SPEC_NONE;
    ospy_mw_u8(m->w, OSPY_VB_DYN);
    ospy_mw_uleb(m->w, dt == OSPY_SPEC_NONE ? 0 : dt);
    put_int(m->w, raw, 4, 0);
    return;
  }
  if (ty->kind == OSPY_KIND_VALIST) {
    ospy_mw_u8(m->w, OSPY_VB_SKIP);
    return;
  }
  put_scalar(m, r, raw);
}

/* ---- expressions ---- */

static msize eval_size(mctx *m, const ospy_spec_expr *in, const ospy_spec_expr *out)
{
  const ospy_spec_expr *e = m->phase == OSPY_VB_PHASE_LEAVE && out->compiled ? out : in;
  if (!e->compiled)
    return MSIZE_NONE;
  int faulted = 0;
  uint64_t v = ospy_sexpr_eval(e->compiled, &m->env, &faulted);
  if (faulted)
    return (msize){ 0, MS_FAULT };
  /* Negative at the width of its type: a size computed from the return value
   * is then a failed call's error return used as a length (read's -1, or the
   * original's size="reg.eax", unsigned as every register, where -1 is
   * 0xffffffff and not 4 GiB of whatever lies after buf): 0 bytes. The return
   * value being negative is not enough: `retval < 0 ? 3 : 1` is 3 bytes. */
  int negative = ospy_sexpr_negative(e->compiled, v);
  if (negative && ospy_sexpr_uses_return(e->compiled))
    return (msize){ 0, MS_OK };
  /* any other negative size of a signed type reads nothing and is recorded as
   * such; unsigned, a garbage size ((size_t)-1) is recorded as asked, capped
   * by the value cap */
  if (negative && ospy_sexpr_is_signed(e->compiled))
    return (msize){ v, MS_NEG };
  return (msize){ v, MS_OK };
}

/* A condition using the return value or errno is decided at leave; at enter
   it holds. */
static int cond_holds(mctx *m, const ospy_spec_expr *cond)
{
  if (!cond->compiled)
    return 1;
  if (m->phase == OSPY_VB_PHASE_ENTER && ospy_sexpr_decided_at_return(cond->compiled))
    return 1;
  int faulted = 0;
  uint64_t v = ospy_sexpr_eval(cond->compiled, &m->env, &faulted);
  return !faulted && v != 0;
}

/* The value of a computed argument (value="EXPR") now; -1 when a read in
   the expression faulted, or when it reads a register and there is no CPU
   context (a call that did not return). */
static int computed_value(const mctx *m, const ospy_spec_arg *a, uint64_t *out)
{
  int faulted = 0;
  if (!m->env.ctx && ospy_sexpr_uses_regs(a->value.compiled))
    return -1;
  *out = ospy_sexpr_eval(a->value.compiled, &m->env, &faulted);
  return faulted ? -1 : 0;
}

/* ---- entries ---- */

/* Whether an argument of type r with word raw is a NULL pointer (a ...Ptr
   or an aggregate, which is always passed by address). */
static int is_null_pointer(const mctx *m, const ospy_spec_typeref *r, uint64_t raw)
{
  const ospy_spec_type *ty = type_of(m, r);
  return raw == 0 && ty && (r->ptr || is_aggregate(ty->kind));
}

/* What is left of a value when the blob has no room for all of it: a
 * scalar is itself (no more than the room kept for it, ENTRY_RESERVE), a
 * pointer (a ...Ptr, an aggregate, a format string) its address, marked. */
static void put_arg_no_room(mctx *m, const ospy_spec_typeref *r, uint64_t raw,
                            const ospy_spec_arg *a)
{
  const ospy_spec_type *ty = type_of(m, r);
  if (!ty || !(r->ptr || is_aggregate(ty->kind)) || (ospy_abi_is_byval(m->t, r) && !raw)) {
    put_arg_value(m, r, raw, MSIZE_NONE, MSIZE_NONE, a);
    return;
  }
  if (!raw)
    ospy_mw_u8(m->w, OSPY_VB_NULL);
  else
    put_not_followed(m->w, OSPY_VB_NO_ROOM, raw);
}

/* An out pointer whose logCondition did not hold at return: its value
 * alone, as oSpy's agent wrote every parameter's address (Pointer::ToNode
 * without deep). Readers that show values leave it out (values.h). Other
 * arguments whose condition fails are not recorded at all. */
static void put_not_logged(mctx *m, uint32_t i)
{
  const ospy_spec_arg *a = &m->fn->args[i];
  const ospy_spec_type *ty = type_of(m, &a->t);
  if (m->phase != OSPY_VB_PHASE_LEAVE || !ty || !(a->t.ptr || is_aggregate(ty->kind)) ||
      ospy_abi_is_byval(m->t, &a->t))
    return;
  ospy_mw_u8(m->w, (uint8_t)i);
  put_not_followed(m->w, OSPY_VB_NOT_LOGGED, m->env.argv[i]);
}

/* Argument i; with no_room, only what put_arg_no_room keeps of it. */
static void put_arg_entry(mctx *m, uint32_t i, int no_room)
{
  const ospy_spec_arg *a = &m->fn->args[i];
  const ospy_spec_type *ty = ospy_spec_table_type(m->t, a->t.type);
  if (!cond_holds(m, &a->cond)) {
    put_not_logged(m, i);
    return;
  }
  if (ty && ty->kind == OSPY_KIND_VALIST && !a->t.ptr) {
    /* its word (where its values are), as oSpy's VaList marshaller logged
     * it: the export keeps the parameter in its place (show leaves it out,
     * the format string that uses it shows its values) */
    ospy_mw_u8(m->w, (uint8_t)i);
    put_int(m->w, m->env.argv[i], (unsigned)sizeof(void *), 0);
    return;
  }
  msize size = eval_size(m, &a->size_in, &a->size_out);
  msize count = eval_size(m, &a->count_in, &a->count_out);
  uint64_t raw = m->env.argv[i];
  /* a computed value, as this phase computed it (init_ctx): the value the
     other expressions see */
  int bad = a->value.compiled && (m->env.arg_faults >> i & 1);
  /* a size that could not be read (size="arg.addrlen" with addrlen NULL)
     leaves a pointer's memory unknown; a NULL pointer is NULL all the same
     (accept(fd, NULL, NULL)'s addr) */
  if ((size.st == MS_FAULT || count.st == MS_FAULT) && !is_null_pointer(m, &a->t, raw))
    bad = 1;
  ospy_mw_u8(m->w, (uint8_t)i);
  if (bad) {
    ospy_mw_u8(m->w, OSPY_VB_SKIP);
    return;
  }
  if (no_room)
    put_arg_no_room(m, &a->t, raw, a);
  else
    put_arg_value(m, &a->t, raw, size, count, a);
}

/* The function's return value as its spec types it, from the raw return
 * register: a float's bits from xmm0/st0, an i386 64-bit integer from
 * edx:eax. The raw value when fn has no typed return. */
static uint64_t typed_return(const ospy_spec_fn *fn, const void *cpu, uint64_t raw)
{
  const ospy_cpu_context *ctx = cpu;
  const ospy_spec_type *ty = fn->table ? ospy_spec_table_type(fn->table, fn->ret.type) : NULL;
  if (!fn->has_ret || !fn->table)
    return raw;
  if (ty && ty->kind == OSPY_KIND_FLOAT && !fn->ret.ptr && ctx) {
#if defined(__x86_64__)
    return ty->width == 4 ? ctx->xmm[0][0] & 0xffffffffu : ctx->xmm[0][0];
#else
    /* (the x87 stack empty at the return of a function that returns a
     * float: it came back in xmm0, as a local function built with SSE2
     * math returns one) */
    if (!ctx->st0_valid)
      return ty->width == 4 ? ctx->xmm[0][0] : ctx->xmm[0][0] | (uint64_t)ctx->xmm[0][1] << 32;
    double d = ctx->st0;
    if (ty->width == 4) {
      float f = (float)d;
      uint32_t b;
      memcpy(&b, &f, 4);
      return b;
    }
    uint64_t b;
    memcpy(&b, &d, 8);
    return b;
#endif
  }
#if defined(__i386__)
  if (ctx && ospy_spec_scalar_width(fn->table, &fn->ret) == 8)
    return (raw & 0xffffffffu) | (uint64_t)ctx->edx << 32;
#endif
  return raw;
}

/* The return value as expressions and the record see it: typed_return's,
 * and for a structure returned by value its address (the caller's memory,
 * or the copy in s of the registers it came back in). */
static uint64_t return_value(const mctx *m, const ospy_marshal_call *c, saved_args *s)
{
  if (m->fn->has_ret && ospy_abi_is_byval(m->t, &m->fn->ret))
    return ospy_marshal_struct_return(m->fn, c->ctx, c->retval, s->retcopy);
  return typed_return(m->fn, c->ctx, c->retval);
}

static int has_state(const ospy_marshal_call *c)
{
  return c->state && c->state_size >= sizeof(saved_args);
}

/* Argument values, with which computed ones are missing: resolved at enter
   and kept in the state for leave (has_state: the callers give one). *fresh
   is set when they were resolved now (computed arguments to fill). */
static saved_args *call_args(const ospy_spec_fn *fn, ospy_marshal_call *c, int phase, int *fresh)
{
  saved_args *s = c->state;
  *fresh = 0;
  if (phase == OSPY_VB_PHASE_LEAVE && s->magic == STATE_MAGIC && s->nargs == fn->nargs)
    return s;
  ospy_marshal_args(fn, c, s->vals, s->regcopy);
  s->magic = STATE_MAGIC;
  s->nargs = (uint16_t)fn->nargs;
  s->error_at_entry = ERROR_UNDECIDED;
  s->faults = 0;
  *fresh = 1;
  return s;
}

/* The computed arguments of direction `dirs` (value="EXPR"), in order, so
   that an expression may use an earlier one (and the others see them as
   arg.NAME). One that has no value is missing, not 0: an expression using it
   faults as if it had made a read that faulted (arg.cv == 0 must not hold
   for a cv that could not be read). Missing are: one whose read faulted; an
   out one at enter, or at leave of a call that did not return (computed when
   the call returns: arg.got of got = retval is not 0 before); one not
   computed yet (listed later: the config refuses that; it never reads as 0,
   nor as its value at entry). */
static void fill_computed(mctx *m, saved_args *s, unsigned dirs, int returned)
{
  const ospy_spec_fn *fn = m->fn;
  uint64_t pending = 0;
  for (uint32_t i = 0; i < fn->nargs; i++)
    if (fn->args[i].value.compiled && (fn->args[i].dir & dirs))
      pending |= 1ull << i;
  if (!pending)
    return;
  m->env.arg_faults |= pending;
  for (uint32_t i = 0; i < fn->nargs; i++) {
    const ospy_spec_arg *a = &fn->args[i];
    if (!(pending >> i & 1))
      continue;
    int has_value = m->phase == OSPY_VB_PHASE_ENTER ? (a->dir & OSPY_DIR_IN) != 0 : returned;
    if (has_value && computed_value(m, a, &s->vals[i]) == 0) {
      m->env.arg_faults &= ~(1ull << i);
      continue;
    }
    s->vals[i] = 0;
  }
  s->faults = m->env.arg_faults;
}

/* returned: at leave, whether the call returned (else it is a call given
   up, whose out values were never computed: they stay missing). */
static void init_ctx(mctx *m, const ospy_spec_fn *fn, ospy_marshal_call *c, int phase,
                     int returned, ospy_mw *w, size_t value_cap)
{
  /* every field set below: no memset (a rep stos here was a tenth of a
   * decoded call) */
  m->c = c;
  m->t = fn->table;
  m->fn = fn;
  m->w = w;
  m->value_cap = value_cap;
  m->phase = phase;
  int fresh;
  saved_args *s = call_args(fn, c, phase, &fresh);
  m->env.ctx = c->ctx;
  m->env.argv = s->vals;
  m->env.argc = fn->nargs;
  m->env.retval = phase == OSPY_VB_PHASE_LEAVE ? return_value(m, c, s) : 0;
  m->env.has_retval = phase == OSPY_VB_PHASE_LEAVE;
  m->env.err = c->err;
  m->env.tid = c->tid;
  m->env.read = ospy_marshal_read;
  m->env.arg_faults = s->faults;
  m->budget = -1;
  m->in_array = 0;
  m->no_room = 0;
  m->win = (mwindow){ 0, 0, NULL };
  m->no_window = (unsigned)windows_off;
  /* computed values at this phase, before anything reads them: all when
     the arguments were read now; at leave those of out and in/out
     arguments again, as the call returned (an out one has no value at
     enter: got = retval read as 0 there, and sizes and conditions at leave
     read that); an in argument's stays its value at entry */
  if (fresh)
    fill_computed(m, s, OSPY_DIR_IN | OSPY_DIR_OUT, returned);
  else if (phase == OSPY_VB_PHASE_LEAVE && returned)
    fill_computed(m, s, OSPY_DIR_OUT, returned);
}

/*
 * At leave, a function returning SSize (ssize_t: a byte count, as readv,
 * preadv, recvmsg, process_vm_readv) filled that many bytes of the buffers
 * an out structure or array points to (struct iovec's iov_base): they
 * record at most that many bytes in all, in order, not whole buffers whose
 * tails the call never wrote (the recorded bytes changed from run to run).
 */
static int64_t leave_budget(const mctx *m, uint32_t i)
{
  const ospy_spec_arg *a = &m->fn->args[i];
  if (m->phase != OSPY_VB_PHASE_LEAVE || !m->fn->ret_counts_bytes || !(a->dir & OSPY_DIR_OUT))
    return -1;
  const ospy_spec_type *at = type_of(m, &a->t);
  if (!at || (at->kind != OSPY_KIND_ARRAY && at->kind != OSPY_KIND_STRUCT))
    return -1;
  int64_t n = (int64_t)extend(m->env.retval, m->t->ptr_size, 1);
  return n >= 0 ? n : 0; /* -1: nothing was filled */
}

/* The room an entry still to come keeps back, whatever the values before
 * it take: its index, and its value as put_arg_no_room writes it (a tag, a
 * reason, a LEB128 number; a Dynamic's tag, type and value fit too); a
 * pointer to a scalar the scalar beside its address too ([42], as always,
 * rather than the address alone). */
#define ENTRY_RESERVE (1u + 2u + OSPY_LEB128_MAX)

static size_t entry_reserve(const mctx *m, const ospy_spec_typeref *r)
{
  const ospy_spec_type *ty = type_of(m, r);
  int scalar_pointee = r->ptr && ty && !is_aggregate(ty->kind);
  return ENTRY_RESERVE + (scalar_pointee ? 1u + OSPY_LEB128_MAX : 0u);
}

static void put_entry(mctx *m, int retval, uint32_t i, int no_room)
{
  if (!retval) {
    put_arg_entry(m, i, no_room);
    return;
  }
  ospy_mw_u8(m->w, OSPY_VB_RETVAL);
  if (no_room)
    put_arg_no_room(m, &m->fn->ret, m->env.retval, NULL);
  else
    put_arg_value(m, &m->fn->ret, m->env.retval, MSIZE_NONE, MSIZE_NONE, NULL);
}

/* Write one entry, leaving `reserve` bytes for the entries after it: a big
 * value is cut to what is left (buffers, strings, arrays), and one that
 * cannot be cut to fit is written as put_arg_no_room keeps it, as is every
 * entry after it (the few bytes its reserve had to spare would let a later
 * buffer show 3 of its bytes after pointers shown without any). When not
 * even that fits (a blob of a few bytes), roll it back and end the blob. */
static int entry(mctx *m, int retval, uint32_t i, size_t reserve)
{
  ospy_mw *w = m->w;
  size_t saved = w->len, cap = w->cap;
  m->budget = retval ? -1 : leave_budget(m, i);
  if (!m->no_room) {
    w->cap = cap - saved > reserve ? cap - reserve : saved;
    put_entry(m, retval, i, 0);
    w->cap = cap;
    if (!w->full)
      return 0;
    w->full = 0;
    w->len = saved;
  }
  /* a scalar is written whole here, with the room the ones before it kept */
  m->no_room = 1;
  put_entry(m, retval, i, 1);
  if (!w->full)
    return 0;
  w->full = 0;
  w->len = saved;
  w->cap++; /* the byte reserved for the end marker */
  ospy_mw_u8(w, OSPY_VB_END_TRUNCATED);
  w->p[3] |= OSPY_VB_F_TRUNCATED;
  return -1;
}

/* All values of this phase plain integers (ospy_marshal_prepare): written without the
 * general path's lookups, same bytes. 0, or -1 when the blob may not have
 * room (the general path then cuts it where it must). */
static int put_ints(mctx *m, int phase, unsigned want)
{
  const ospy_spec_fn *fn = m->fn;
  if (ospy_mw_room(m->w) < 12u * (fn->nargs + 1u))
    return -1;
  for (uint32_t i = 0; i < fn->nargs; i++) {
    const ospy_spec_arg *a = &fn->args[i];
    if (!(a->dir & want))
      continue;
    ospy_mw_u8(m->w, (uint8_t)i);
    put_int(m->w, m->env.argv[i], a->int_width, a->int_signed);
  }
  if (phase == OSPY_VB_PHASE_LEAVE && fn->has_ret) {
    ospy_mw_u8(m->w, OSPY_VB_RETVAL);
    put_int(m->w, m->env.retval, fn->ret_width, fn->ret_signed);
  }
  return 0;
}

static size_t marshal_phase(const ospy_spec_fn *fn, ospy_marshal_call *c, uint8_t *out,
                            size_t cap, size_t value_cap, int phase);

/*
 * A caller without a state (the tests) is lent one on the stack for the
 * phase, in a frame of its own: the agent's calls keep theirs in their frame
 * area, and the 400 bytes of a saved_args are not taken from the program's
 * stack (a hooked call may run on a small one: docs/reliability.md).
 */
__attribute__((noinline)) static size_t phase_stateless(const ospy_spec_fn *fn,
                                                        ospy_marshal_call *c, uint8_t *out,
                                                        size_t cap, size_t value_cap, int phase)
{
  saved_args lent;
  lent.magic = 0; /* nothing kept from an enter */
  ospy_marshal_call with = *c;
  with.state = &lent;
  with.state_size = sizeof lent;
  size_t n = marshal_phase(fn, &with, out, cap, value_cap, phase);
  c->retval = with.retval;
  c->short_of_room = with.short_of_room;
  return n;
}

/* An errorCondition that reads only what the call entered with is taken at
   entry, memory as it was then (what the record shows), and kept in the
   state for the leave (ospy_marshal_failed). */
static void take_error_at_entry(mctx *m, saved_args *s)
{
  const ospy_spec_expr *e = &m->fn->error_cond;
  if (e->compiled && ospy_sexpr_decided_at_entry(e->compiled))
    s->error_at_entry = cond_holds(m, e) ? ERROR_FAILED : ERROR_NOT_FAILED;
}

/* The blob of one phase into w. */
static void write_phase(const ospy_spec_fn *fn, ospy_marshal_call *c, ospy_mw *w,
                        size_t value_cap, int phase)
{
  uint8_t hdr[OSPY_VB_HEADER_SIZE] = { OSPY_VB_MAGIC, OSPY_VB_VERSION, (uint8_t)phase, 0 };
  ospy_mw_bytes(w, hdr, sizeof hdr);
  mctx m;
  init_ctx(&m, fn, c, phase, 1, w, value_cap);
  if (phase == OSPY_VB_PHASE_LEAVE)
    c->retval = m.env.retval; /* typed, for the caller's record */
  else
    take_error_at_entry(&m, c->state);
  unsigned want = phase == OSPY_VB_PHASE_ENTER ? OSPY_DIR_IN : OSPY_DIR_OUT;
  if ((fn->int_phases & phase) && put_ints(&m, phase, want) == 0)
    return;
  int has_ret = phase == OSPY_VB_PHASE_LEAVE && fn->has_ret;
  size_t later = has_ret ? entry_reserve(&m, &fn->ret) : 0; /* kept for the entries to come */
  for (uint32_t i = 0; i < fn->nargs; i++)
    if (fn->args[i].dir & want)
      later += entry_reserve(&m, &fn->args[i].t);
  for (uint32_t i = 0; i < fn->nargs; i++) {
    if (!(fn->args[i].dir & want))
      continue;
    later -= entry_reserve(&m, &fn->args[i].t);
    if (entry(&m, 0, i, later) < 0)
      return;
  }
  if (has_ret)
    entry(&m, 1, 0, 0);
}

/* A function whose values are all plain integers in one argument word each,
 * with no condition (fn->ints_words, ospy_marshal_prepare): its blob straight
 * from the argument words and the return register, the bytes write_phase
 * writes, without a context or the walk of the calling convention (which
 * took half of a decoded call of two ints). Its leave reads nothing the
 * enter kept: a state left from another call is marked void (call_args). */
/* One integer at p, as put_int writes it (the room was checked: 11 bytes). */
static inline uint8_t *int_at(uint8_t *p, uint64_t v, unsigned width, int is_signed)
{
  v = extend(v, width, is_signed);
  *p++ = is_signed ? OSPY_VB_INT_S : OSPY_VB_INT_U;
  return p + ospy_leb128_put(p, is_signed ? ospy_zigzag((int64_t)v) : v);
}

static size_t put_ints_fast(const ospy_spec_fn *fn, ospy_marshal_call *c, uint8_t *out,
                            int phase)
{
  const uint8_t hdr[OSPY_VB_HEADER_SIZE] = { OSPY_VB_MAGIC, OSPY_VB_VERSION, (uint8_t)phase,
                                             0 };
  memcpy(out, hdr, sizeof hdr);
  uint8_t *p = out + sizeof hdr;
  if (phase == OSPY_VB_PHASE_ENTER) {
    for (uint32_t i = 0; i < fn->nargs; i++) {
      const ospy_spec_arg *a = &fn->args[i];
      *p++ = (uint8_t)i;
      p = int_at(p, c->args[a->int_word], a->int_width, a->int_signed);
    }
    if (has_state(c))
      ((saved_args *)c->state)->magic = 0;
  } else if (fn->has_ret) {
    *p++ = OSPY_VB_RETVAL;
    p = int_at(p, c->retval, fn->ret_width, fn->ret_signed);
  }
  c->short_of_room = 0;
  return (size_t)(p - out);
}

static int fits_ints_fast(const ospy_spec_fn *fn, const ospy_marshal_call *c, size_t cap,
                          int phase)
{
  if (!fn || !fn->ints_words || cap < OSPY_VB_HEADER_SIZE + 12u * (fn->nargs + 1u) + 1u)
    return 0;
  return phase == OSPY_VB_PHASE_LEAVE || (c->args && c->nargs >= fn->ints_words);
}

/*
 * Plain integers and buffers (fn->bytes_words, ospy_marshal_prepare: read,
 * write, recv, pread64): the bytes write_phase writes for a blob with room
 * for every value whole, without the general path's walk of the calling
 * convention and per-value lookups (read's leave took ~120 ns in ~25
 * functions). The expressions (sizes, conditions, an errorCondition) are
 * the general path's own (eval_size, cond_holds), in the same context. A
 * blob the values might not fit whole in (the general path would cut or
 * leave out something), a leave without its enter's state, a call without
 * a state or argument words: the general path (returns (size_t)-1).
 */
/* At most, beside a buffer's bytes: index, PTR, address, BYTES, flags, size,
 * stored (a NULL, a SKIP, BAD_SIZE or UNREADABLE, NOT_FOLLOWED are less). */
#define BYTES_ENTRY_MAX (1u + 1u + OSPY_LEB128_MAX + 2u + OSPY_LEB128_MAX + 5u)
#define INT_ENTRY_MAX (2u + OSPY_LEB128_MAX)

static const saved_args *entered_state(const ospy_spec_fn *fn, const ospy_marshal_call *c);

/* A buffer at p (put_pointer, put_bytes_at): returns the end. */
static uint8_t *bytes_at(uint8_t *p, uint64_t raw, msize size, size_t value_cap)
{
  if (size.st == MS_NEG) {
    *p++ = OSPY_VB_BAD_SIZE;
    p += ospy_leb128_put(p, raw);
    return p + ospy_leb128_put(p, ospy_zigzag((int64_t)size.n));
  }
  uint8_t *start = p;
  *p++ = OSPY_VB_PTR;
  p += ospy_leb128_put(p, raw);
  if (size.st != MS_OK) { /* (no size at this phase) */
    *p++ = OSPY_VB_SKIP;
    return p;
  }
  uint64_t want = size.n < value_cap ? size.n : value_cap;
  *p++ = OSPY_VB_BYTES;
  uint8_t *flags = p++;
  p += ospy_leb128_put(p, size.n);
  uint8_t *stored = p;
  p += 5;
  size_t got = want ? ospy_marshal_read(raw, p, (size_t)want) : 0;
  if (want && !got) { /* nothing could be read: the pointer is unreadable */
    p = start;
    *p++ = OSPY_VB_UNREADABLE;
    return p + ospy_leb128_put(p, raw);
  }
  *flags = (uint8_t)((want < size.n ? OSPY_VB_CAPPED : 0) | (got < want ? OSPY_VB_CUT : 0));
  for (int i = 0; i < 5; i++)
    stored[i] = (uint8_t)(((got >> (7 * i)) & 0x7f) | (i < 4 ? 0x80 : 0));
  return p + got;
}

static size_t put_bytes_fast(const ospy_spec_fn *fn, ospy_marshal_call *c, uint8_t *out,
                             size_t cap, size_t value_cap, int phase)
{
  saved_args *s = c->state;
  if (phase == OSPY_VB_PHASE_ENTER) {
    if (!c->args || c->nargs < fn->bytes_words)
      return (size_t)-1;
    for (uint32_t i = 0; i < fn->nargs; i++) { /* (ospy_marshal_args: a word each) */
      uint64_t v = c->args[fn->args[i].int_word];
      s->vals[i] = sizeof(void *) == 4 ? v & 0xffffffffu : v;
    }
    s->magic = STATE_MAGIC;
    s->nargs = (uint16_t)fn->nargs;
    s->error_at_entry = ERROR_UNDECIDED;
    s->faults = 0;
  } else if (!entered_state(fn, c)) {
    return (size_t)-1;
  }
  mctx m; /* what eval_size and cond_holds read (init_ctx) */
  m.c = c;
  m.t = fn->table;
  m.fn = fn;
  m.phase = phase;
  m.env.ctx = c->ctx;
  m.env.argv = s->vals;
  m.env.argc = fn->nargs;
  m.env.retval = phase == OSPY_VB_PHASE_LEAVE ? c->retval : 0; /* (typed_return: the same) */
  m.env.has_retval = phase == OSPY_VB_PHASE_LEAVE;
  m.env.err = c->err;
  m.env.tid = c->tid;
  m.env.read = ospy_marshal_read;
  m.env.arg_faults = s->faults;
  if (phase == OSPY_VB_PHASE_ENTER)
    take_error_at_entry(&m, s);
  unsigned want = phase == OSPY_VB_PHASE_ENTER ? OSPY_DIR_IN : OSPY_DIR_OUT;
  /* what each buffer holds, and whether the blob has room for it all:
   * every entry at its longest, and the room the general path keeps back
   * for the entries after each (entry_reserve) */
  msize sizes[OSPY_BYTES_FAST_MAX_ARGS];
  uint8_t logged[OSPY_BYTES_FAST_MAX_ARGS];
  size_t need = OSPY_VB_HEADER_SIZE + 1u + (fn->has_ret ? INT_ENTRY_MAX + ENTRY_RESERVE : 0u);
  for (uint32_t i = 0; i < fn->nargs; i++) {
    const ospy_spec_arg *a = &fn->args[i];
    if (!(a->dir & want))
      continue;
    need += ENTRY_RESERVE;
    if (!a->bytes_ptr) {
      need += INT_ENTRY_MAX;
      continue;
    }
    need += BYTES_ENTRY_MAX;
    logged[i] = (uint8_t)cond_holds(&m, &a->cond);
    if (!logged[i])
      continue;
    sizes[i] = eval_size(&m, &a->size_in, &a->size_out);
    uint64_t bytes = sizes[i].st != MS_OK ? 0 : sizes[i].n < value_cap ? sizes[i].n : value_cap;
    if (need > cap || bytes > cap - need)
      return (size_t)-1;
    need += (size_t)bytes;
  }
  if (need > cap)
    return (size_t)-1;
  const uint8_t hdr[OSPY_VB_HEADER_SIZE] = { OSPY_VB_MAGIC, OSPY_VB_VERSION, (uint8_t)phase,
                                             0 };
  memcpy(out, hdr, sizeof hdr);
  uint8_t *p = out + sizeof hdr;
  for (uint32_t i = 0; i < fn->nargs; i++) {
    const ospy_spec_arg *a = &fn->args[i];
    if (!(a->dir & want))
      continue;
    uint64_t raw = s->vals[i];
    if (!a->bytes_ptr) {
      *p++ = (uint8_t)i;
      p = int_at(p, raw, a->int_width, a->int_signed);
      continue;
    }
    if (!logged[i]) { /* put_not_logged */
      if (phase == OSPY_VB_PHASE_LEAVE) {
        *p++ = (uint8_t)i;
        *p++ = OSPY_VB_NOT_FOLLOWED;
        *p++ = OSPY_VB_NOT_LOGGED;
        p += ospy_leb128_put(p, raw);
      }
      continue;
    }
    *p++ = (uint8_t)i;
    if (!raw)
      *p++ = OSPY_VB_NULL;
    else if (sizes[i].st == MS_FAULT) /* (put_arg_entry) */
      *p++ = OSPY_VB_SKIP;
    else
      p = bytes_at(p, raw, sizes[i], value_cap);
  }
  if (phase == OSPY_VB_PHASE_LEAVE && fn->has_ret) {
    *p++ = OSPY_VB_RETVAL;
    p = int_at(p, c->retval, fn->ret_width, fn->ret_signed);
  }
  c->short_of_room = 0;
  return (size_t)(p - out);
}

static size_t marshal_phase(const ospy_spec_fn *fn, ospy_marshal_call *c, uint8_t *out,
                            size_t cap, size_t value_cap, int phase)
{
  if (fits_ints_fast(fn, c, cap, phase))
    return put_ints_fast(fn, c, out, phase);
  if (fn && fn->bytes_words && fn->table && has_state(c) && cap >= 8) {
    size_t n = put_bytes_fast(fn, c, out, cap, value_cap, phase);
    if (n != (size_t)-1)
      return n;
  }
  c->short_of_room = cap < 8;
  if (!fn || !fn->table || cap < 8 || fn->nargs > OSPY_SPEC_MAX_ARGS)
    return 0;
  if (!has_state(c))
    return phase_stateless(fn, c, out, cap, value_cap, phase);
  ospy_mw w = { out, 0, cap - 1, 0, 0 }; /* one byte kept for OSPY_VB_END_TRUNCATED */
  write_phase(fn, c, &w, value_cap, phase);
  c->short_of_room = w.short_cap;
  return w.len;
}

size_t ospy_marshal_enter(const ospy_spec_fn *fn, ospy_marshal_call *c, uint8_t *out,
                          size_t cap, size_t value_cap)
{
  return marshal_phase(fn, c, out, cap, value_cap, OSPY_VB_PHASE_ENTER);
}

size_t ospy_marshal_leave(const ospy_spec_fn *fn, ospy_marshal_call *c, uint8_t *out,
                          size_t cap, size_t value_cap)
{
  return marshal_phase(fn, c, out, cap, value_cap, OSPY_VB_PHASE_LEAVE);
}

/* A function-level condition in phase (a fault makes it false); returned,
   at leave: whether the call returned (ospy_marshal_should_log_unreturned's
   has not). */
static int holds_in_phase(const ospy_spec_fn *fn, ospy_marshal_call *c,
                          const ospy_spec_expr *cond, int phase, int returned);

/* holds_in_phase for a caller without a state (phase_stateless). */
__attribute__((noinline)) static int holds_stateless(const ospy_spec_fn *fn, ospy_marshal_call *c,
                                                     const ospy_spec_expr *cond, int phase,
                                                     int returned)
{
  saved_args lent;
  lent.magic = 0;
  ospy_marshal_call with = *c;
  with.state = &lent;
  with.state_size = sizeof lent;
  return holds_in_phase(fn, &with, cond, phase, returned);
}

static int holds_in_phase(const ospy_spec_fn *fn, ospy_marshal_call *c,
                          const ospy_spec_expr *cond, int phase, int returned)
{
  if (!has_state(c))
    return holds_stateless(fn, c, cond, phase, returned);
  uint8_t dummy[8];
  ospy_mw w = { dummy, 0, sizeof dummy, 0, 0 };
  mctx m;
  init_ctx(&m, fn, c, phase, returned, &w, 0);
  return cond_holds(&m, cond);
}

static int holds_at_leave(const ospy_spec_fn *fn, ospy_marshal_call *c,
                          const ospy_spec_expr *cond, int returned)
{
  return holds_in_phase(fn, c, cond, OSPY_VB_PHASE_LEAVE, returned);
}

/* The state an enter of fn left for this call's leave, or NULL. */
static const saved_args *entered_state(const ospy_spec_fn *fn, const ospy_marshal_call *c)
{
  const saved_args *s = has_state(c) ? c->state : NULL;
  return s && s->magic == STATE_MAGIC && s->nargs == fn->nargs ? s : NULL;
}

static int cond_at_entry(const ospy_spec_expr *cond)
{
  return cond->compiled && ospy_sexpr_decided_at_entry(cond->compiled);
}

void ospy_marshal_state_moved(void *state, size_t state_size, intptr_t delta)
{
  saved_args *s = state;
  if (state_size < sizeof *s || s->magic != STATE_MAGIC || s->nargs > OSPY_SPEC_MAX_ARGS)
    return;
  /* where regcopy was: a structure passed in registers is its address there */
  uint64_t lo = (uint64_t)((uintptr_t)s->regcopy - (uintptr_t)delta);
  uint64_t hi = lo + sizeof s->regcopy;
  for (uint32_t i = 0; i < s->nargs; i++)
    if (s->vals[i] >= lo && s->vals[i] < hi)
      s->vals[i] = (uint64_t)(uintptr_t)((uintptr_t)s->vals[i] + (uintptr_t)delta);
}

int ospy_marshal_should_log_at_entry(const ospy_spec_fn *fn, ospy_marshal_call *c)
{
  if (!fn || !fn->table || fn->nargs > OSPY_SPEC_MAX_ARGS || !cond_at_entry(&fn->cond))
    return 1;
  return holds_in_phase(fn, c, &fn->cond, OSPY_VB_PHASE_ENTER, 1);
}

int ospy_marshal_should_log(const ospy_spec_fn *fn, ospy_marshal_call *c)
{
  if (!fn || !fn->cond.compiled || cond_at_entry(&fn->cond))
    return 1; /* (one decided at entry held there) */
  return holds_at_leave(fn, c, &fn->cond, 1);
}

int ospy_marshal_should_log_unreturned(const ospy_spec_fn *fn, ospy_marshal_call *c)
{
  if (!fn || !fn->cond.compiled || cond_at_entry(&fn->cond))
    return 1;
  const ospy_sexpr *e = fn->cond.compiled;
  if (ospy_sexpr_decided_at_return(e) || ospy_sexpr_uses_regs(e))
    return 1; /* what only a return gives (out computed values too): undecided, so logged */
  return holds_at_leave(fn, c, &fn->cond, 0);
}

int ospy_marshal_failed(const ospy_spec_fn *fn, ospy_marshal_call *c)
{
  if (!fn || !fn->error_cond.compiled)
    return 0;
  const saved_args *s = cond_at_entry(&fn->error_cond) ? entered_state(fn, c) : NULL;
  if (s && s->error_at_entry != ERROR_UNDECIDED)
    return s->error_at_entry == ERROR_FAILED;
  return holds_at_leave(fn, c, &fn->error_cond, 1);
}
