#!/usr/bin/env python3
"""The catalogue checkers must catch what they claim to catch: each case
breaks one thing in a copy of a shipped config and expects the checker to
fail with a message naming it.

  test_tools.py CONFIGS_DIR
"""
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

CONFIGS = os.path.abspath(sys.argv.pop(1) if len(sys.argv) > 1 else "configs")
TOOLS = os.path.join(CONFIGS, "tools")
sys.path.insert(0, TOOLS)
import gencat  # noqa: E402
import lintcat  # noqa: E402

GEN = None  # the header values, generated once (compiling takes seconds)


def gen():
    global GEN
    if GEN is None:
        GEN = gencat.generate()
    return GEN


def run(tool, *paths):
    r = subprocess.run([sys.executable, os.path.join(TOOLS, tool)] + list(paths),
                       capture_output=True, text=True)
    return r.returncode, r.stdout + r.stderr


class Mutations(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="ospy-catalogue-")

    def tearDown(self):
        shutil.rmtree(self.dir)

    def mutate(self, name, *edits):
        """A copy of configs/NAME (or of the copy made before) with each
        (old, new) edit applied once."""
        dst = os.path.join(self.dir, name)
        src = dst if os.path.exists(dst) else os.path.join(CONFIGS, name)
        with open(src, encoding="utf-8") as f:
            text = f.read()
        for old, new in zip(edits[::2], edits[1::2]):
            self.assertIn(old, text, "fixture text not found in %s" % name)
            text = text.replace(old, new, 1)
        with open(dst, "w", encoding="utf-8") as f:
            f.write(text)
        return dst

    def expect(self, tool, paths, message):
        if tool == "gencat.py":
            errors = []
            for p in paths[1:]:
                with open(p, encoding="utf-8") as f:
                    errors += gencat.check_text(gen(), p, f.read())
        else:
            lints = [lintcat.Lint(p) for p in paths]
            errors = sum((lint.run() for lint in lints), [])
            if not errors:
                errors = lintcat.cross_check(lints)
        out = "\n".join(errors)
        self.assertTrue(errors, "no problem found, expected: " + message)
        self.assertIn(message, out)

    # ---- gencat: values against the headers
    def test_shipped_files_pass(self):
        for p in lintcat.expand([CONFIGS]):
            with open(p, encoding="utf-8") as f:
                self.assertEqual(gencat.check_text(gen(), p, f.read()), [])
        rc, out = run("lintcat.py", CONFIGS)
        self.assertEqual(rc, 0, out)

    def test_cli_reports_difference(self):
        p = self.mutate("ioctl.xml", 'name="TCGETS" value="0x5401"', 'name="TCGETS" value="0x5499"')
        rc, out = run("lintcat.py", p)
        self.assertEqual(rc, 0, out)
        rc, out = run("gencat.py", "check", p)
        self.assertEqual(rc, 1, out)
        self.assertIn("ioctl.xml:", out)
        self.assertIn("IoctlRequest.TCGETS is 0x5499 in the file, 0x5401 in the headers", out)

    def test_wrong_enum_value(self):
        p = self.mutate("files.xml", 'name="O_CREAT" value="0x40"', 'name="O_CREAT" value="0x41"')
        self.expect("gencat.py", ["check", p], "OpenFlags.O_CREAT is 0x41 in the file, 0x40")

    def test_windows_value(self):
        # the original config's AF_INET6 is Windows' 23; Linux says 10
        p = self.mutate("net.xml", 'name="AF_INET6" value="10"', 'name="AF_INET6" value="23"')
        self.expect("gencat.py", ["check", p], "AddressFamily.AF_INET6 is 23")

    def test_missing_member(self):
        p = self.mutate("mem.xml", '<member name="MAP_FIXED" value="0x10"/>', "")
        self.expect("gencat.py", ["check", p], "MapFlags lacks MAP_FIXED")

    def test_wrong_offset(self):
        p = self.mutate("files.xml", '<field name="st_size" offset="48"', '<field name="st_size" offset="40"')
        self.expect("gencat.py", ["check", p], "Stat.st_size offset 40, the headers say 48 (x86-64)")

    def test_wrong_width_i386(self):
        p = self.mutate("zlib.xml", '<field name="total_in" offset="8" type="Size"/>',
                        '<field name="total_in" offset="8" type="UInt64"/>')
        self.expect("gencat.py", ["check", p], "ZStream.total_in is 4 bytes (i386), type UInt64 reads 8")

    def test_arch_struct_without_arch(self):
        p = self.mutate("net.xml", '<structure name="MsgHdr" arch="x86-64">', '<structure name="MsgHdr">')
        self.expect("gencat.py", ["check", p], "structure MsgHdr differs by architecture")

    def test_ioctl_size_expression(self):
        p = self.mutate("ioctl.xml", "? 36 :", "? 60 :")
        self.expect("gencat.py", ["check", p], "ioctl's arg size is not the one generated")

    def test_ioctl_time64_size_expression(self):
        # the i386 time64 copy of ioctl's spec is checked as ioctl's is
        src = os.path.join(CONFIGS, "ioctl.xml")
        with open(src, encoding="utf-8") as f:
            text = f.read()
        at = text.index('<function name="__ioctl_time64">')
        self.assertIn("? 36 :", text[at:])
        p = os.path.join(self.dir, "ioctl.xml")
        with open(p, "w", encoding="utf-8") as f:
            f.write(text[:at] + text[at:].replace("? 36 :", "? 60 :", 1))
        self.expect("gencat.py", ["check", p], "ioctl's arg size is not the one generated")

    def test_stat64_t64_offset(self):
        # struct __stat64_t64 (-D_TIME_BITS=64): its i386 times at 60, 76, 92
        p = self.mutate("files.xml", '<field name="st_mtime" offset="76"', '<field name="st_mtime" offset="72"')
        self.expect("gencat.py", ["check", p], "Stat64T64.st_mtime offset 72, the headers say 76 (i386)")

    def test_epoll_event_packed_size(self):
        # struct epoll_event is packed on x86-64: 12 bytes, data at 4 (as on
        # i386); the size is the stride of epoll_wait's array
        p = self.mutate("net.xml", '<structure name="EpollEvent" size="12">',
                        '<structure name="EpollEvent" size="16">')
        self.expect("gencat.py", ["check", p],
                    "structure EpollEvent has size 16, the headers say 12 (x86-64)")
        p = self.mutate("net.xml", '<structure name="EpollEvent" size="16">',
                        '<structure name="EpollEvent">')
        self.expect("gencat.py", ["check", p], 'structure EpollEvent needs size="12"')
        p = self.mutate("net.xml", '<field name="data" offset="4"', '<field name="data" offset="8"')
        self.expect("gencat.py", ["check", p], "EpollEvent.data offset 8, the headers say 4 (x86-64)")

    def test_timespec64_i386(self):
        # i386 _TIME_BITS=64: a 64-bit tv_sec, a 32-bit tv_nsec and padding
        p = self.mutate("net.xml", '<structure name="TimeSpec64" arch="i386" size="16">',
                        '<structure name="TimeSpec64" arch="i386" size="12">')
        self.expect("gencat.py", ["check", p],
                    "structure TimeSpec64 has size 12, the headers say 16 (i386)")

    def test_poll_events_width(self):
        p = self.mutate("net.xml", 'type="PollEvents" marshalAs="UInt16"', 'type="PollEvents"')
        self.expect("gencat.py", ["check", p], "PollFd.events is 2 bytes (x86-64), type PollEvents reads 4")

    def test_division_inside_parentheses(self):
        # ((n + 63) / 64) is one expression, a division, as ospy reads it: not
        # ENTER/RETURN (which would leave each half unbalanced)
        p = os.path.join(CONFIGS, "net.xml")
        self.assertEqual(lintcat.Lint(p).run(), [])
        p = self.mutate("net.xml", 'elementCount="((arg.nfds + 63) / 64)"',
                        'elementCount="((arg.nfds + retval) / 64)"')
        self.expect("lintcat.py", [p],
                    "select.readfds: elementCount uses retval before the call returns")

    # ---- lintcat: structure and references
    def test_hook_arch_unknown(self):
        p = self.mutate("files.xml", '<function specId="__stat64_time64" arch="i386"/>',
                        '<function specId="__stat64_time64" arch="i686"/>')
        self.expect("lintcat.py", [p], "hook of __stat64_time64: unknown arch 'i686'")

    def test_arch_on_spec(self):
        p = self.mutate("files.xml", '<function name="fcntl64">', '<function name="fcntl64" arch="i386">')
        self.expect("lintcat.py", [p], '<function name="fcntl64">: arch is for a hook, not a spec')

    def test_symcat_one_arch_hook(self):
        # a name only i386 glibc exports, hooked for both architectures
        if not os.path.exists("/lib/x86_64-linux-gnu/libc.so.6"):
            self.skipTest("no x86-64 libc.so.6")
        p = self.mutate("files.xml", '<function specId="__stat64_time64" arch="i386"/>',
                        '<function specId="__stat64_time64"/>')
        rc, out = run("symcat.py", p)
        self.assertEqual(rc, 1, out)
        self.assertIn("__stat64_time64 is not exported by", out)
        self.assertIn("(x86-64)", out)
        rc, out = run("symcat.py", os.path.join(CONFIGS, "files.xml"))
        self.assertEqual(rc, 0, out)

    def test_malformed(self):
        p = self.mutate("usb.xml", "</structure>", "</structur>")
        self.expect("lintcat.py", [p], "not well-formed XML")

    def test_unknown_type(self):
        p = self.mutate("net.xml", 'type="SockAddrPtr" size="arg.addrlen"/>', 'type="SockAdrPtr" size="arg.addrlen"/>')
        self.expect("lintcat.py", [p], "unknown type 'SockAdrPtr'")

    def test_unknown_spec(self):
        p = self.mutate("tls.xml", '<function specId="SSL_read"/>', '<function specId="SSL_reed"/>')
        self.expect("lintcat.py", [p], "no spec 'SSL_reed'")

    def test_unhooked_spec(self):
        p = self.mutate("sqlite.xml", '<function specId="sqlite3_step"/>', "")
        self.expect("lintcat.py", [p], "spec sqlite3_step is never hooked")

    def test_flags_order(self):
        p = self.mutate("files.xml", '<member name="O_SYNC" value="0x101000"/>', "",
                        '<member name="O_DSYNC" value="0x1000"/>',
                        '<member name="O_DSYNC" value="0x1000"/><member name="O_SYNC" value="0x101000"/>')
        self.expect("lintcat.py", [p], "O_SYNC (0x101000) decodes as O_DSYNC|O_SYNC")

    def test_values_without_their_mask(self):
        # the socket types are values under SOCK_TYPE_MASK: without it, 3
        # (listed after its parts) is SOCK_STREAM|SOCK_DGRAM again
        p = self.mutate("net.xml", '<member name="SOCK_STREAM" value="0x1" mask="0xf"/>',
                        '<member name="SOCK_STREAM" value="0x1"/>',
                        '<member name="SOCK_DGRAM" value="0x2" mask="0xf"/>',
                        '<member name="SOCK_DGRAM" value="0x2"/>',
                        '<member name="SOCK_RAW" value="0x3" mask="0xf"/>',
                        '<member name="SOCK_RAW" value="0x3"/>')
        self.expect("lintcat.py", [p], "SOCK_RAW (0x3) decodes as SOCK_STREAM|SOCK_DGRAM")
        self.expect("gencat.py", ["check", p],
                    'SockType.SOCK_RAW lacks its mask="0xf" (SOCK_TYPE_MASK)')

    def test_wrong_mask(self):
        p = self.mutate("files.xml", '<member name="O_RDWR" value="0x2" mask="0x3"/>',
                        '<member name="O_RDWR" value="0x2" mask="0x7"/>')
        self.expect("gencat.py", ["check", p],
                    "OpenFlags.O_RDWR has mask 0x7 in the file, 0x3 (O_ACCMODE) in the headers")
        p = self.mutate("files.xml", '<member name="O_CREAT" value="0x40"/>',
                        '<member name="O_CREAT" value="0x40" mask="0x40"/>')
        self.expect("gencat.py", ["check", p],
                    'OpenFlags.O_CREAT has mask="0x40", the headers give it none')

    def test_mask_on_enumeration(self):
        p = self.mutate("files.xml", '<member name="SEEK_SET" value="0"/>',
                        '<member name="SEEK_SET" value="0" mask="0x3"/>')
        self.expect("lintcat.py", [p], "enumeration Whence: mask on SEEK_SET, but only a flags "
                    "enumeration has masks")

    def test_unknown_argument_in_expression(self):
        p = self.mutate("files.xml", 'size="arg.count/retval"', 'size="arg.cnt/retval"')
        self.expect("lintcat.py", [p], "names arg.cnt, not an argument")

    def test_retval_at_entry(self):
        p = self.mutate("files.xml", 'size="arg.count/retval"', 'size="retval/arg.count"')
        self.expect("lintcat.py", [p], "uses retval before the call returns")

    def test_unknown_attribute(self):
        p = self.mutate("proc.xml", 'direction="in" type="Signal"/>', 'direktion="in" type="Signal"/>')
        self.expect("lintcat.py", [p], "unknown attribute direktion")

    def test_missing_arch_pair(self):
        p = self.mutate("proc.xml", '<structure name="Sigaction" arch="i386">', '<structure name="Sigaction" arch="x86-64">')
        self.expect("lintcat.py", [p], "structure Sigaction defined twice for x86-64")

    def test_unknown_argument_in_error_condition(self):
        p = self.mutate("mem.xml", "arg.size != 0", "arg.sz != 0")
        self.expect("lintcat.py", [p], "realloc: errorCondition names arg.sz, not an argument")

    def test_count_named_as_success(self):
        # libusb_get_device_list's count of 0 showed as LIBUSB_SUCCESS
        p = self.mutate("usb.xml", '<returnValue type="LibusbCountOrError" marshalAs="SSize"',
                        '<returnValue type="LibusbError" marshalAs="SSize"')
        self.expect("lintcat.py", [p], "libusb_get_device_list: returns LibusbError as SSize, a count "
                    "or an error code, but its member LIBUSB_SUCCESS (0) would name the count 0")

    def test_handle_typed_as_integer(self):
        # ospy diff compared two runs' handles as numbers: every run differed
        p = self.mutate("sqlite.xml", 'name="ppDb" direction="out" type="PointerPtr"',
                        'name="ppDb" direction="out" type="SizePtr"')
        self.expect("lintcat.py", [p], "sqlite3_open.ppDb: SizePtr shown in hex is a handle")

    def test_dynamic_needs_enum_argument(self):
        p = self.mutate("net.xml", 'typeNameBase="arg.domain"', 'typeNameBase="arg.type"')
        self.expect("lintcat.py", [p], "typeNameBase 'arg.type' must name an enumeration argument")

    def test_spec_in_two_presets(self):
        p1 = self.mutate("mem.xml", '<function name="munmap">', '<function name="close">',
                         '<function specId="munmap"/>', '<function specId="close"/>')
        shutil.copy(os.path.join(CONFIGS, "files.xml"), self.dir)
        self.expect("lintcat.py", [p1, os.path.join(self.dir, "files.xml")],
                    "spec close is also defined in")

    # ---- the documented flags decoding
    def test_decode_open_flags(self):
        members = [("O_TMPFILE", 0x410000), ("O_SYNC", 0x101000), ("O_RDONLY", 0),
                   ("O_WRONLY", 1), ("O_RDWR", 2), ("O_CREAT", 0x40), ("O_DSYNC", 0x1000),
                   ("O_DIRECTORY", 0x10000), ("O_CLOEXEC", 0x80000)]
        self.assertEqual(lintcat.decode_flags(members, 0x80042), ["O_RDWR", "O_CREAT", "O_CLOEXEC"])
        self.assertEqual(lintcat.decode_flags(members, 0x101001), ["O_SYNC", "O_WRONLY"])
        self.assertEqual(lintcat.decode_flags(members, 0x1000), ["O_DSYNC"])
        self.assertEqual(lintcat.decode_flags(members, 0x410002), ["O_TMPFILE", "O_RDWR"])
        self.assertEqual(lintcat.decode_flags(members, 0x10000 | 0x4), ["O_DIRECTORY", "0x4"])

    def test_decode_masked_open_flags(self):
        # the access mode is a value under O_ACCMODE (0x3): O_RDONLY (0) is
        # named beside the other flags, 3 is none of its members
        members = [("O_RDONLY", 0, 3), ("O_WRONLY", 1, 3), ("O_RDWR", 2, 3),
                   ("O_TMPFILE", 0x410000), ("O_SYNC", 0x101000), ("O_CREAT", 0x40),
                   ("O_TRUNC", 0x200), ("O_DSYNC", 0x1000), ("O_DIRECTORY", 0x10000),
                   ("O_CLOEXEC", 0x80000)]
        self.assertEqual(lintcat.decode_flags(members, 0), ["O_RDONLY"])
        self.assertEqual(lintcat.decode_flags(members, 0x80000), ["O_RDONLY", "O_CLOEXEC"])
        self.assertEqual(lintcat.decode_flags(members, 0x241), ["O_WRONLY", "O_CREAT", "O_TRUNC"])
        self.assertEqual(lintcat.decode_flags(members, 0x410002), ["O_RDWR", "O_TMPFILE"])
        self.assertEqual(lintcat.decode_flags(members, 0x80003), ["O_CLOEXEC", "0x3"])
        self.assertEqual(lintcat.decode_flags(members, 3), ["0x3"])
        self.assertEqual(lintcat.decode_flags(members, 0x4000000), ["O_RDONLY", "0x4000000"])


if __name__ == "__main__":
    unittest.main(verbosity=2)
