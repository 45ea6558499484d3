/* Events covering every value shape the exporters know: integers (hex and
 * signed), an enum, a structure behind a pointer, a byte array behind a
 * pointer, an array, an unreadable pointer, a truncated buffer, a string
 * with characters XML and JSON must escape or replace, a backtrace, and the
 * message event types. */
#include "golden_events.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

static const uint8_t http_get[] = "GET / HTTP/1.1\r\n";   /* 16 bytes used */
static const uint8_t partial[] = { 0x00, 0x01, 0xfe, 0xff };

static const ospy_xvalue recv_buf_data[] = {
  { .type = "ByteArray", .bytes = http_get, .nbytes = 16 },
};

static const ospy_xvalue recv_in[] = {
  { .name = "s", .type = "UInt32", .text = "0x3" },
  { .name = "buf", .type = "Pointer", .text = "0x7f0000001000" },
  { .name = "len", .type = "Int32", .text = "512" },
  { .name = "flags", .type = "Flags", .subtype = "MsgFlags", .text = "MSG_PEEK",
    .number = "0x2" },
};

static const ospy_xvalue recv_out[] = {
  { .name = "buf", .type = "Pointer", .text = "0x7f0000001000",
    .children = recv_buf_data, .nchildren = 1 },
};

static const ospy_xvalue recv_ret = { .type = "Int32", .text = "16" };

static const ospy_xframe recv_bt[] = {
  { 0x55550000123aull, "demo", false },
  { 0x7f00000a0b0cull, "libc.so.6", false },
  { 0x401000ull, NULL, false },
};

static const ospy_xvalue sockaddr_fields[] = {
  { .name = "sin_family", .type = "Enum", .subtype = "AddressFamily", .text = "AF_INET" },
  { .name = "sin_port", .type = "UInt16", .text = "80" },
  { .name = "sin_addr", .type = "Ipv4InAddr", .text = "127.0.0.1" },
};

static const ospy_xvalue sockaddr_struct[] = {
  { .type = "Struct", .subtype = "Ipv4Sockaddr",
    .children = sockaddr_fields, .nchildren = ARRAY_LEN(sockaddr_fields) },
};

static const ospy_xvalue fds_elems[] = {
  { .type = "Int32", .text = "3" },
  { .type = "Int32", .text = "-1" },
};

static const ospy_xvalue connect_in[] = {
  /* a negative descriptor: 0xffffffff in XML, as oSpy's UInt32 hex sockets */
  { .name = "fd", .type = "FileDescriptor", .text = "-1" },
  { .name = "addr", .type = "Ipv4SockaddrPtr", .text = "0x7ffd00001000", /* as oSpy named it */
    .children = sockaddr_struct, .nchildren = 1 },
  { .name = "addrlen", .type = "UInt32", .text = "16" },
  { .name = "opt", .type = "Pointer", .text = "0xdead",
    .flags = OSPY_XVALUE_UNREADABLE, .addr = 0xdead },
  { .name = "data", .type = "ByteArray", .bytes = partial, .nbytes = 4,
    .flags = OSPY_XVALUE_TRUNCATED, .total = 100 },
  { .name = "fds", .type = "Array", .subtype = "Int32",
    .children = fds_elems, .nchildren = 2 },
  /* quote, ampersand, less-than, TAB, LF, CR, a control character, an
   * invalid UTF-8 byte, and valid non-ASCII (é, U+00E9) */
  { .name = "label", .type = "AsciiString",
    .text = "a<b & \"c\"\t\n\r\x01\xff\xc3\xa9" },
};

static const ospy_xvalue connect_ret = { .type = "Int32", .text = "-1" };

const ospy_xevent golden_events[GOLDEN_NEVENTS] = {
  {
    .id = 1, .type = OSPY_XEV_PROCESS_START, .ts_ns = 1700000000000000000ll,
    .process_name = "demo", .pid = 4711, .tid = 4711,
    .message = "/usr/bin/demo --serve",
  },
  {
    .id = 2, .type = OSPY_XEV_FUNCTION_CALL, .ts_ns = 1700000000123456789ll,
    .duration_ns = 2500, .process_name = "demo", .pid = 4711, .tid = 4712,
    .name = "libc.so.6::recv",
    .has_args_in = true, .args_in = recv_in, .nargs_in = ARRAY_LEN(recv_in),
    .has_args_out = true, .args_out = recv_out, .nargs_out = ARRAY_LEN(recv_out),
    .retval = &recv_ret, .has_last_error = true, .last_error = 0,
    .return_address = 0x55550000123aull,
    .backtrace = recv_bt, .nframes = ARRAY_LEN(recv_bt),
  },
  {
    .id = 3, .type = OSPY_XEV_FUNCTION_CALL, .ts_ns = 1700000000200000000ll,
    .process_name = "demo", .pid = 4711, .tid = 4712,
    .name = "libc.so.6::connect",
    .has_args_in = true, .args_in = connect_in, .nargs_in = ARRAY_LEN(connect_in),
    .retval = &connect_ret, .has_last_error = true, .last_error = 111,
  },
  {
    .id = 4, .type = OSPY_XEV_ERROR, .ts_ns = 1700000000300000000ll,
    .process_name = "demo", .pid = 4711, .tid = 4711,
    .message = "signature 'X' specified for function not found",
  },
  {
    .id = 5, .type = OSPY_XEV_PROCESS_EXIT, .ts_ns = 1700000001000000000ll,
    .process_name = "demo", .pid = 4711, .tid = 4711,
    .message = "exit status 0",
  },
};
