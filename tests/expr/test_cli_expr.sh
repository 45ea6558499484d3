#!/bin/sh
# ospy expr: --eval output, --disasm, error exit status and messages.
ospy="$1"
fails=0
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT

# expect NAME STATUS EXPECTED-OUTPUT-FILE-CONTENT -- ARGS...
expect() {
  name=$1 want_status=$2 want=$3
  shift 3
  "$ospy" expr "$@" >"$tmp/out" 2>&1
  status=$?
  printf '%s\n' "$want" >"$tmp/want"
  if [ "$status" != "$want_status" ] || ! cmp -s "$tmp/out" "$tmp/want"; then
    echo "FAIL $name: status $status (want $want_status)"
    diff "$tmp/want" "$tmp/out"
    fails=$((fails + 1))
  fi
}

expect seed-true 0 "type:        i32
interpreter: 1 (0x1)
jit:         1 (0x1)" 'reg.eax != 0 && arg.len > 16' --arch x86-64 --args 'len:u32,buf:ptr' --eval 'rax=1,len=20'

expect upper-half 0 "type:        i32
interpreter: 0 (0x0)
jit:         0 (0x0)" 'reg.eax != 0' --eval rax=0x100000000

expect unsigned 0 "type:        u32
interpreter: 4294967295 (0xffffffff)
jit:         4294967295 (0xffffffff)" 'arg.len - 1' --args len:u32 --eval len=0

expect memory 0 "type:        i16
interpreter: -2 (0xfffffffffffffffe)
jit:         -2 (0xfffffffffffffffe)" '*arg.p' --args p:i16* --mem 0x1000=feff --eval p=0x1000

expect fault 0 "type:        u32
interpreter: 0 (faulted: a memory read failed)
jit:         0 (faulted: a memory read failed)" 'u32[arg.p + 2]' --args p:ptr --mem 0x1000=feff --eval p=0x1000

# issue 3's own command: without --args, arg.len is an argument of pointer width
expect issue-example 0 "ospy expr: note: no --args: 'len' is argument 0, u64
type:        i32
interpreter: 1 (0x1)
jit:         1 (0x1)" 'reg.eax != 0 && arg.len > 16' --arch x86-64 --eval 'rax=1,len=20'
expect issue-example-i386 0 "ospy expr: note: no --args: 'len' is argument 0, u32
type:        i32
interpreter: 0 (0x0)
jit:         0 (0x0)" 'reg.eax != 0 && arg.len > 16' --arch i386 --eval 'eax=1,len=16'

expect positional-without-args 0 "ospy expr: note: no --args: 'x' is argument 0, u64
ospy expr: note: no --args: 'arg1' is argument 1, u64
type:        u64
interpreter: 5 (0x5)
jit:         5 (0x5)" 'arg.x + arg1' --eval 'x=2,arg1=3'

# --arch i386 --eval: run by ospy-expr32 (the i386 build), JIT included
expect i386 0 "type:        i32
interpreter: 1 (0x1)
jit:         1 (0x1)" 'reg.eax != 0' --arch i386 --eval eax=1
expect i386-seed 0 "type:        i32
interpreter: 1 (0x1)
jit:         1 (0x1)" 'reg.eax != 0 && arg.len > 16' --arch i386 --args len:u32 --eval eax=1,len=20
expect i386-memory 0 "type:        i16
interpreter: 23117 (0x5a4d)
jit:         23117 (0x5a4d)" 'i16[reg.esp + 10]' --arch i386 --mem 0x1000=00000000cafe4d5a --eval esp=0xffc

expect bad-register 2 "ospy expr: unknown register 'eaz' (did you mean eax?) at column 5
  reg.eaz != 0
      ^" 'reg.eaz != 0'
expect other-arch-register 2 "ospy expr: unknown register 'rax' on i386 (an x86-64 register: the target is i386) at column 5
  reg.rax != 0
      ^" 'reg.rax != 0' --arch i386

expect bad-argument 2 "ospy expr: unknown argument 'lenn' (did you mean len?) at column 5
  arg.lenn > 16
      ^" 'arg.lenn > 16' --args len:u32

# the closest known name, as for a config's type names
expect bad-name-retval 2 "ospy expr: unknown name 'retvl' (did you mean retval?) at column 1
  retvl < 0
  ^" 'retvl < 0'
expect bad-name-errno 2 "ospy expr: unknown name 'erno' (did you mean errno?) at column 1
  erno == 4
  ^" 'erno == 4'
# arg.1 names no argument: the parser says so, without a note that took
# '1' for an argument's name first
expect arg-digit 2 "ospy expr: unexpected '1' at column 5
  arg.1
      ^" 'arg.1'

expect trailing 2 "ospy expr: trailing input at column 14
  arg.len > 16 x
               ^" 'arg.len > 16 x' --args len:u32

# a multi-line expression is echoed on one line, the caret under its column
expect multi-line 2 "ospy expr: unknown register 'eaz' (did you mean eax?) at column 16
  arg.len +  reg.eaz
                 ^" "$(printf 'arg.len +\n\treg.eaz')" --args len:u32

expect deref 2 "ospy expr: cannot dereference 'len': not a pointer at column 2
  *arg.len
   ^" '*arg.len' --args len:u32

expect bad-arch 2 "ospy expr: unknown architecture 'arm' (x86-64, x86_64 or amd64; i386, x86 or i686)
(ospy expr --help shows the usage)" 1 --arch arm
expect bad-eval 2 "ospy expr: --eval: unknown name 'rzx' (did you mean rax?)" 1 --eval rzx=1
expect bad-eval-none-close 2 "ospy expr: --eval: unknown name 'zzzz'" 1 --eval zzzz=1
# --eval takes names bare, as the expression does not: arg.len and reg.eax
# say the name to write (they said only "unknown name"), as does a typo of
# an argument's
expect eval-arg-ref 2 "ospy expr: --eval: unknown name 'arg.len' (did you mean len?)" \
  'arg.len > 3' --args len:u32 --eval arg.len=4
expect eval-reg-ref 2 "ospy expr: --eval: unknown name 'reg.eax' (did you mean eax?)" \
  'reg.eax > 3' --eval reg.eax=4
expect eval-arg-typo 2 "ospy expr: --eval: unknown name 'lne' (did you mean len?)" \
  'arg.len > 3' --args len:u32 --eval lne=4
# an argument's bare name in the expression: arg.NAME, with --args or without
# (then every arg.NAME is one)
expect bare-arg 2 "ospy expr: unknown name 'len' (did you mean arg.len?) at column 1
  len > 3
  ^" 'len > 3' --args len:u32 --eval len=4
expect bare-arg-no-args 2 "ospy expr: unknown name 'len' (did you mean arg.len?) at column 1
  len > 3
  ^" 'len > 3' --eval len=4
expect bare-arg-deref 2 "ospy expr: '*' applies only to a pointer argument (did you mean *arg.p?) at column 1
  *p == 2
  ^" '*p == 2' --args p:u32*
# blanks around a name and its value are no part of them ("unknown name 'eax '")
for arch in x86-64 i386; do
  expect "eval-blanks-$arch" 0 "type:        u32
interpreter: 3 (0x3)
jit:         3 (0x3)" 'reg.eax + arg.len' --arch $arch --args len:u32 --eval ' eax = 1 , len =2 '
done
expect eval-no-name 2 "ospy expr: --eval: bad entry '= 3' (want NAME=NUMBER)" 1 --eval ' = 3'
expect eval-blank-value 2 "ospy expr: --eval: bad entry 'eax =' (want NAME=NUMBER)" 1 --eval 'eax = '
expect eval-blanks-too-wide 2 "ospy expr: --eval: eax=0x100000001 does not fit eax (32 bits)" 'reg.eax' --arch i386 --eval ' eax = 0x100000001'
# a register of the other architecture says which one it is, before any
# other output (the disassembly was printed first, then the error)
expect eval-other-arch-register 2 "ospy expr: --eval: unknown name 'rax' (an x86-64 register: --arch x86-64; i386 has eax, ax, al...)" 'reg.eax != 0' --arch i386 --disasm --eval rax=1
# --eval takes the register names expressions take (reg.flags: flags=0x202
# was an unknown name; eax on x86-64, rax's low half, "an i386 register"):
# a view sets its bytes of the register; two names that share a bit are a
# value set twice
expect eval-flags 0 "type:        u64
interpreter: 512 (0x200)
jit:         512 (0x200)" 'reg.flags & 0x200' --eval flags=0x202
expect eval-flags-i386 0 "type:        u32
interpreter: 514 (0x202)
jit:         514 (0x202)" 'reg.eflags' --arch i386 --eval flags=0x202
expect eval-view-64 0 "type:        u64
interpreter: 4294967295 (0xffffffff)
jit:         4294967295 (0xffffffff)" 'reg.rax' --eval eax=-1
expect eval-byte-views 0 "type:        u64
interpreter: 8961 (0x2301)
jit:         8961 (0x2301)" 'reg.rcx' --eval cl=1,ch=0x23
expect eval-byte-views-i386 0 "type:        u16
interpreter: 8961 (0x2301)
jit:         8961 (0x2301)" 'reg.cx' --arch i386 --eval cl=1,ch=0x23
expect eval-view-fits 2 "ospy expr: --eval: ax=0x10000 does not fit ax (16 bits)" 'reg.ax' --eval ax=0x10000
expect eval-alias-twice 2 "ospy expr: --eval: flags is rflags, set already" 'reg.flags' --eval rflags=1,flags=2
expect eval-view-overlaps 2 "ospy expr: --eval: al shares bits with rax, set already" 'reg.rax' --eval rax=1 --eval al=2
# the architecture's names are those ospy check takes
expect arch-x86_64 0 "type:        u64
interpreter: 7 (0x7)
jit:         7 (0x7)" 'reg.rax' --arch x86_64 --eval rax=7
expect arch-x86 0 "type:        u32
interpreter: 7 (0x7)
jit:         7 (0x7)" 'reg.eax' --arch x86 --eval eax=7
# and uname -m's and Debian's (i686, amd64 were unknown architectures)
expect arch-amd64 0 "type:        u64
interpreter: 7 (0x7)
jit:         7 (0x7)" 'reg.rax' --arch amd64 --eval rax=7
expect arch-i686 0 "type:        u32
interpreter: 7 (0x7)
jit:         7 (0x7)" 'reg.eax' --arch i686 --eval eax=7
# a name given twice, a value set twice (by one name or two), a number
# beyond 64 bits: errors that say so
expect args-twice 2 "ospy expr: --args: argument 'a' is given twice" 'arg.a' --args a:u32,a:u32
expect eval-twice 2 "ospy expr: --eval: rax is set twice" 'reg.rax' --eval rax=1,rax=2
expect eval-twice-positional 2 "ospy expr: --eval: arg0 is len, set already" 'arg.len' --args len:u32 --eval len=1,arg0=2
expect eval-beyond-64-bits 2 "ospy expr: --eval: rax=0x10000000000000000 does not fit rax (64 bits)" 'reg.rax' --eval rax=0x10000000000000000
expect eval-below-64-bits 2 "ospy expr: --eval: rax=-0x8000000000000001 does not fit rax (64 bits)" 'reg.rax' --eval rax=-0x8000000000000001
# --args and --eval given more than once add up (the last one was taken
# alone: a=7 printed 7, a of the first --args was unknown); a name given or
# a value set twice across them is an error as within one; --arch and
# --retval once
expect eval-twice-options 2 "ospy expr: --eval: a is set twice" 'arg.a' --args a:u32 --eval a=5 --eval a=7
expect args-options-add-up 0 "type:        u32
interpreter: 3 (0x3)
jit:         3 (0x3)" 'arg.a + arg.b' --args a:u32 --args b:u32 --eval a=1 --eval arg1=2
expect args-twice-options 2 "ospy expr: --args: argument 'a' is given twice" 'arg.a' --args a:u32 --args a:u32
expect arch-twice 2 "ospy expr: --arch is given twice (one architecture)
(ospy expr --help shows the usage)" 1 --arch x86_64 --arch i386
expect retval-twice 2 "ospy expr: --retval is given twice (one type)
(ospy expr --help shows the usage)" 1 --retval u8 --retval u16
# an option's value may follow '=', as show, stats, capture and streams take
# it (--arch=i386 was an unknown option); ospy-expr32, which runs
# --arch=i386 --eval, takes them alike; --NAME=VALUE and --NAME VALUE are
# one option
expect option-equals-i386 0 "type:        i32
interpreter: 7 (0x7)
jit:         7 (0x7)" 'u8[arg.p] + retval' --arch=i386 --args=p:ptr --mem=0x10=05 --eval=p=0x10,retval=2
expect option-equals-x86-64 0 "type:        i64
interpreter: 7 (0x7)
jit:         7 (0x7)" 'u8[arg.p] + retval' --arch=x86-64 --args=p:ptr --mem=0x10=05 --eval=p=0x10,retval=2
expect option-equals-retval 2 "ospy expr: --eval: retval=0x100 does not fit retval (8 bits)" retval --retval=u8 --eval=retval=0x100
expect option-equals-twice 2 "ospy expr: --arch is given twice (one architecture)
(ospy expr --help shows the usage)" 1 --arch=x86_64 --arch i386
expect option-equals-empty 2 "ospy expr: unknown architecture '' (x86-64, x86_64 or amd64; i386, x86 or i686)
(ospy expr --help shows the usage)" 1 --arch=
expect option-equals-not-a-prefix 2 "ospy expr: unknown option '--archs=i386' (an expression that starts with '--' goes after '--')
(ospy expr --help shows the usage)" 1 --archs=i386
# an argument name is an identifier, as in a config
for n in 'ä' 'a-b' '1a'; do
  expect "args-not-identifier $n" 2 "ospy expr: --args: argument name '$n' is not an identifier (ASCII letters, digits and '_', not a digit first): the expression could not name it" 1 --args "$n:u32"
done
# adjacent regions: a read may span them (it faulted); overlapping ones
# are an error
expect mem-adjacent 0 "type:        u32
interpreter: 67305985 (0x4030201)
jit:         67305985 (0x4030201)" 'u32[0x10]' --mem 0x10=0102 --mem 0x12=0304 --eval rax=0
expect mem-adjacent-i386 0 "type:        u32
interpreter: 67305985 (0x4030201)
jit:         67305985 (0x4030201)" 'u32[0x10]' --arch i386 --mem 0x12=0304 --mem 0x10=0102 --eval eax=0
# --mem without --eval evaluates (everything else 0): it printed the type alone
expect mem-alone 0 "type:        u8
interpreter: 5 (0x5)
jit:         5 (0x5)" 'u8[0x10]' --mem 0x10=05
expect mem-alone-i386 0 "type:        u8
interpreter: 5 (0x5)
jit:         5 (0x5)" 'u8[0x10]' --arch i386 --mem 0x10=05
expect mem-gap 0 "type:        u32
interpreter: 0 (faulted: a memory read failed)
jit:         0 (faulted: a memory read failed)" 'u32[0x10]' --mem 0x10=0102 --mem 0x13=04 --eval rax=0
expect mem-overlap 2 "ospy expr: --mem: bad region '0x11=0304': it overlaps '0x10=0102' (a byte given twice) (want ADDR=HEXBYTES, at most 256 bytes)" 1 --mem 0x10=0102 --mem 0x11=0304
# a region is below 2^64 (its last byte may be the last address)
expect mem-wraps 2 "ospy expr: --mem: bad region '0xffffffffffffffff=0000': it runs past 0xffffffffffffffff (want ADDR=HEXBYTES, at most 256 bytes)" 1 --mem 0xffffffffffffffff=0000
expect mem-address-beyond-64-bits 2 "ospy expr: --mem: bad region '0x10000000000000000=00': the address does not fit 64 bits (want ADDR=HEXBYTES, at most 256 bytes)" 1 --mem 0x10000000000000000=00
expect mem-last-byte 0 "type:        u8
interpreter: 171 (0xab)
jit:         171 (0xab)" 'u8[0xffffffffffffffff]' --mem 0xffffffffffffffff=ab --eval rax=0
# --mem bytes are an even number of hex digits, nothing else (sscanf's %2x
# took "1g" as 01 and "-1+1" as ff)
for m in 0x1000=1g 0x1000=-1+1 '0x1000= 1ab' 0x1000=0; do
  expect "bad-mem $m" 2 "ospy expr: --mem: bad region '$m': '${m#*=}' is not an even number of hex digits (want ADDR=HEXBYTES, at most 256 bytes)" 'u8[0x1000]' --mem "$m"
done
expect bad-mem-address 2 "ospy expr: --mem: bad region ' 0x1000=00': no address before '=' (want ADDR=HEXBYTES, at most 256 bytes)" 1 --mem ' 0x1000=00'
expect bad-mem-no-bytes 2 "ospy expr: --mem: bad region '0x1000': no '=' (want ADDR=HEXBYTES, at most 256 bytes)" 1 --mem 0x1000
# i386 addresses are 32 bits: a region at or past 4 GiB is an error (the
# agent's reader faults there), a read past it faults, the last bytes below it are fine
expect i386-mem-above-4g 2 "ospy expr: --mem: bad region '0x100001000=0b000000': it runs past 0xffffffff, the last i386 address (want ADDR=HEXBYTES, at most 256 bytes)" \
  'u32[(u64)arg.p + 0x100000000] != 12345' --arch i386 --args p:u32 --eval p=0x1000 --mem 0x1000=0b000000 --mem 0x100001000=0b000000
expect i386-mem-across-4g 2 "ospy expr: --mem: bad region '0xfffffffe=00000000': it runs past 0xffffffff, the last i386 address (want ADDR=HEXBYTES, at most 256 bytes)" \
  1 --mem 0xfffffffe=00000000 --arch i386
expect i386-read-above-4g 0 "type:        i32
interpreter: 0 (faulted: a memory read failed)
jit:         0 (faulted: a memory read failed)" 'u32[(u64)arg.p + 0x100000000] != 12345' --arch i386 --args p:u32 --eval p=0x1000 --mem 0x1000=0b000000
expect i386-mem-last-bytes 0 "type:        u32
interpreter: 3405691582 (0xcafebabe)
jit:         3405691582 (0xcafebabe)" 'u32[0xfffffffc]' --arch i386 --mem 0xfffffffc=bebafeca --eval eax=0
expect x86-64-mem-above-4g 0 "type:        u32
interpreter: 11 (0xb)
jit:         11 (0xb)" 'u32[0x100001000]' --mem 0x100001000=0b000000 --eval rax=0
expect mem-upper-case 0 "type:        u16
interpreter: 43981 (0xabcd)
jit:         43981 (0xabcd)" 'u16[0x1000]' --mem 0x1000=CDaB --eval rax=0
# a constant expression says its value without --eval (it said only "(constant)")
expect constant-value 0 "type:        i32 (constant)
value:       3 (0x3)" '1+2'
expect constant-negative 0 "type:        i32 (constant)
value:       -5 (0xfffffffffffffffb)" -- -5
expect constant-u8 0 "type:        u8 (constant)
value:       44 (0x2c)" '(u8)300'
expect not-constant 0 "type:        u32" 'reg.eax + 1'
# "--" ends the options: an expression may then start with "--" or "-"
expect dashdash 0 "type:        i32 (constant)
interpreter: 1 (0x1)
jit:         1 (0x1)" --eval rax=0 -- --1
expect dashdash-help 2 "ospy expr: unknown name 'h' (did you mean arg.h?) at column 2
  -h
   ^" -- -h
expect dashdash-missing 2 "ospy expr: unknown option '--1' (an expression that starts with '--' goes after '--')
(ospy expr --help shows the usage)" --1
expect dashdash-twice 2 "ospy expr: more than one expression given ('--eval')
(ospy expr --help shows the usage)" -- 1 --eval rax=0
# --eval values must fit the register or argument (as unsigned or negative)
expect eval-too-wide-register 2 "ospy expr: --eval: eax=0x100000001 does not fit eax (32 bits)" 'reg.eax' --arch i386 --eval eax=0x100000001
expect eval-too-wide-argument 2 "ospy expr: --eval: len=256 does not fit len (8 bits)" 'arg.len' --args len:u8 --eval len=256
expect eval-too-negative 2 "ospy expr: --eval: arg0=-129 does not fit arg0 (8 bits)" 'arg.n' --args n:i8 --eval arg0=-129
expect eval-too-wide-pointer 2 "ospy expr: --eval: p=0x100000000 does not fit p (32 bits)" 'arg.p' --arch i386 --args p:ptr --eval p=0x100000000
expect eval-negative-fits 0 "type:        u32
interpreter: 4294967295 (0xffffffff)
jit:         4294967295 (0xffffffff)" 'reg.eax' --arch i386 --eval eax=-1
expect eval-signed-fits 0 "type:        i32
interpreter: 1 (0x1)
jit:         1 (0x1)" 'arg.n == -128 && arg.u == 255' --args n:i8,u:u8 --eval n=0x80,u=-1
expect bad-args 2 "ospy expr: --args: unknown type 'u7' for 'len'" 1 --args len:u7

# Expressions at the documented limits run in the JIT on both arches and
# agree with the interpreter: the x86-64 JIT gave up on 40 chained '/' and 40
# nested ?: (label table full), the i386 one on 127 chained && (label
# reference table full), and left them to the interpreter, said nowhere.
divs=$(awk 'BEGIN { s = "arg.n"; for (i = 0; i < 40; i++) s = s " / arg.m"; print s }')
ands=$(awk 'BEGIN { s = "arg.n"; for (i = 0; i < 127; i++) s = s " && arg.n"; print s }')
conds=$(awk 'BEGIN { for (i = 39; i >= 0; i--) s = s "arg.n > " i " ? " i " : "; print s "99" }')
for arch in x86-64 i386; do
  expect "limit-divisions-$arch" 0 "type:        i32
interpreter: -7 (0xfffffffffffffff9)
jit:         -7 (0xfffffffffffffff9)" "$divs" --arch $arch --args n:i32,m:i32 --eval n=-7,m=-1
  expect "limit-ands-$arch" 0 "type:        i32
interpreter: 1 (0x1)
jit:         1 (0x1)" "$ands" --arch $arch --args n:i32 --eval n=20
  expect "limit-conditionals-$arch" 0 "type:        i32
interpreter: 19 (0x13)
jit:         19 (0x13)" "$conds" --arch $arch --args n:i32 --eval n=20
done

# --disasm shows Capstone's reading of the code, for both arches.
"$ospy" expr 'reg.eax != 0' --arch i386 --disasm >"$tmp/out" 2>&1 &&
  grep -q 'setne al' "$tmp/out" && grep -q 'push ebp' "$tmp/out" ||
  { echo "FAIL disasm i386"; cat "$tmp/out"; fails=$((fails + 1)); }
"$ospy" expr 'u8[arg.p] > 3' --args p:ptr --disasm >"$tmp/out" 2>&1 &&
  grep -q 'call r8' "$tmp/out" && grep -q 'setg al' "$tmp/out" ||
  { echo "FAIL disasm x86-64"; cat "$tmp/out"; fails=$((fails + 1)); }

[ "$fails" = 0 ] && echo "all ospy expr checks passed"
[ "$fails" = 0 ]
