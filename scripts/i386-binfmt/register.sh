#!/bin/sh
# On an x86-64 kernel without IA32 emulation, i386 programs cannot run, so
# ospy's i386 capture path could not be tested end to end. If binfmt_misc is
# available (root), register qemu-i386 (Debian's qemu-user) for i386 ELF
# executables through a small static wrapper, so `ospy capture -- prog32`
# works as it would natively. Does nothing when i386 programs already run or
# when registration is impossible (the i386 end-to-end tests then skip).
set -u
here=$(cd "$(dirname "$0")" && pwd)
probe=$(mktemp -d) || exit 0
trap 'rm -rf "$probe"' EXIT
printf 'int main(void){return 0;}\n' > "$probe/t.c"
gcc -m32 -o "$probe/t" "$probe/t.c" 2>/dev/null || exit 0
"$probe/t" 2>/dev/null && exit 0           # native i386 (or already registered)
[ "$(id -u)" = 0 ] && [ -x /usr/bin/qemu-i386 ] || exit 0
bf=/proc/sys/fs/binfmt_misc
[ -e $bf/register ] || mount -t binfmt_misc binfmt_misc $bf 2>/dev/null || exit 0
wrapper=/usr/local/libexec/ospy/qemu-i386-preload
mkdir -p "$(dirname $wrapper)" &&
  gcc -O2 -static -o "$wrapper" "$here/qemu_i386_preload.c" || exit 0
[ -e $bf/ospy-i386 ] && echo -1 > $bf/ospy-i386
magic='\x7fELF\x01\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\x03\x00'
mask='\xff\xff\xff\xff\xff\xfe\xfe\x00\xff\xff\xff\xff\xff\xff\xff\xff\xfe\xff\xff\xff'
printf ':ospy-i386:M::%s:%s:%s:P\n' "$magic" "$mask" "$wrapper" > $bf/register 2>/dev/null || exit 0
"$probe/t" && echo "setup: i386 programs run under qemu-i386 (binfmt_misc, $wrapper)"
exit 0
