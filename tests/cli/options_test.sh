#!/bin/sh
# Every command names an option it refuses, with exit status 2 (`ospy check
# -odd.xml` printed the usage alone). The commands that read their own
# options (check, definitions, export, import, expr) and the getopt ones
# (show, stats, diff, streams, capture: getopt's own "invalid option -- 'd'"
# before, without the word given or the '--' hint) say it alike, with how to
# give an operand whose name starts with '-'.
#   options_test.sh OSPY
set -u
ospy=$1
tmp=$(mktemp -d "${TMPDIR:-/tmp}/ospy-options-test.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
refused() { # refused TEXT ARGS...: exit status 2 and TEXT on stderr
  text=$1; shift
  "$ospy" "$@" >"$tmp/out" 2>"$tmp/err" </dev/null
  rc=$?
  [ $rc = 2 ] || { cat "$tmp/err"; fail "ospy $*: exit $rc, expected 2"; }
  grep -qF -- "$text" "$tmp/err" || { cat "$tmp/err"; fail "ospy $*: no \"$text\" on stderr"; }
  echo "ospy $*: exit 2, \"$text\""
}

for c in check show stats export import definitions diff streams expr capture; do
  refused "'--bogus'" $c --bogus x
done
refused "ospy check: unknown option '-odd.xml' (a CONFIG that starts with '-' goes after '--')" check -odd.xml
refused "ospy definitions: unknown option '-odd' (a PATTERN that starts with '-' goes after '--')" definitions -odd
refused "ospy export: unknown option '-odd.ospy' (a FILE that starts with '-' goes after '--')" export -odd.ospy -o x.jsonl
refused "ospy import: unknown option '-odd.osd' (a FILE that starts with '-' goes after '--')" import -odd.osd -o x.xml
for c in show stats streams; do
  refused "ospy $c: unknown option '-odd.ospy' (a FILE that starts with '-' goes after '--')" $c -odd.ospy
  refused "ospy $c: unknown option '--bogus' (a FILE that starts with '-' goes after '--')" $c --bogus x
done
refused "ospy diff: unknown option '-dd.ospy' (a FILE that starts with '-' goes after '--')" diff -dd.ospy b.ospy
refused "ospy diff: unknown option '--bogus' (a FILE that starts with '-' goes after '--')" diff --bogus a b
refused "ospy capture: unknown option '--bogus' (a PROGRAM that starts with '-' goes after '--')" capture --bogus -f x -- true
refused "ospy capture: unknown option '-z' (a PROGRAM that starts with '-' goes after '--')" capture -z -f x -- true
# a letter after known ones names both; an abbreviation that fits two
# options, a value missing or given to an option that takes none, too
refused "ospy show: unknown option '-z' in '-Tz'" show -Tz x
refused "ospy stats: option '--no' is ambiguous (--no-hist, --no-progress)" stats --no x
refused "ospy stats: --sort needs a value" stats x --so
refused "ospy capture: -f needs a value" capture -f
refused "ospy streams: --hex takes no value ('--hex=1')" streams --hex=1 x
# --preset takes a comma list as -f does ("files,mem" was refused as no
# preset's name); each name is checked, an empty one too
refused "ospy: no preset named 'nosuch'" capture --preset files,nosuch -- /bin/true
refused "ospy: no preset named ''" capture --preset files,,mem -- /bin/true
# a known option given last without its value
refused "ospy check: --arch needs a value" check x.xml --arch
refused "ospy export: -o needs a value" export x.ospy -o
# export takes --no-progress as show and stats do (it was an unknown option)
"$ospy" export "$tmp/none.ospy" --no-progress -o "$tmp/x.jsonl" 2> "$tmp/err"
grep -q "none.ospy: No such file" "$tmp/err" || { cat "$tmp/err"; fail "export --no-progress refused"; }
echo "ospy export FILE --no-progress -o OUT: taken"
refused "ospy import: --format needs a value" import x.osd -o x.xml --format
# one operand too many is said, not only the usage
refused "ospy check: one config at a time ('a.xml' and 'b.xml')" check a.xml b.xml
refused "ospy definitions: one PATTERN at a time ('a' and 'b')" definitions a b

# an option's value may follow '=' in check and expr as in the getopt
# commands (ospy check --arch=i386 was "unknown option '--arch=i386'")
printf '%s\n' '<hookManager><specs><functions><function name="f"/></functions></specs></hookManager>' >"$tmp/c.xml"
for arch in "--arch=i386" "--arch i386"; do
  # shellcheck disable=SC2086 # (the second one is two arguments)
  out=$("$ospy" check $arch "$tmp/c.xml" 2>&1) || fail "ospy check $arch: exit $?: $out"
  case "$out" in "config $tmp/c.xml (i386): "*) ;; *) fail "ospy check $arch: not checked for i386: $out" ;; esac
  echo "ospy check $arch: ${out%%:*}"
done
refused "ospy check: unknown architecture '' (x86-64, x86_64 or amd64; i386, x86 or i686)" check --arch= x.xml
refused "ospy check: unknown option '--archs=i386' (a CONFIG that starts with '-' goes after '--')" check --archs=i386 x.xml
out=$("$ospy" expr 1 --arch=i386 2>&1) || fail "ospy expr 1 --arch=i386: exit $?: $out"
echo "ospy expr 1 --arch=i386: $out"

# --arch: every name the error lists is taken, for the architecture it is
# listed with (i686 and amd64 were unknown, and the error said only "x86-64
# or i386"); both commands take the same names
refused "ospy check: unknown architecture 'arm' (x86-64, x86_64 or amd64; i386, x86 or i686)" check --arch arm x.xml
refused "ospy expr: unknown architecture 'arm' (x86-64, x86_64 or amd64; i386, x86 or i686)" expr 1 --arch arm
names=$(sed -n "s/.*unknown architecture 'arm' (\(.*\))$/\1/p" "$tmp/err")
for group in "x86-64:${names%%;*}" "i386:${names#*; }"; do
  want=${group%%:*}
  for a in $(printf '%s\n' "${group#*:}" | sed 's/,/ /g; s/ or / /'); do
    out=$("$ospy" check --arch "$a" "$tmp/c.xml" 2>&1) || fail "ospy check --arch $a: exit $?: $out"
    case "$out" in "config $tmp/c.xml ($want): "*) ;; *) fail "ospy check --arch $a: not $want: $out" ;; esac
    "$ospy" expr 1 --arch "$a" >/dev/null 2>&1 || fail "ospy expr 1 --arch $a: exit $?"
    echo "ospy check --arch $a, ospy expr 1 --arch $a: $want"
  done
done

# ospy --help names every format import writes, those its own usage lists
# (it said "(to xml, jsonl, osd)": osd-plain, perfetto and pcapng missing)
takes=$("$ospy" import --help | sed -n 's/.*--format \([a-z|-]*\)\].*/\1/p' | tr '|' '\n' | sort)
said=$("$ospy" --help | sed -n 's/^  import .*(to \(.*\))$/\1/p' | sed 's/, /\n/g' | sort)
[ -n "$takes" ] || fail "ospy import --help lists no --format values"
[ "$takes" = "$said" ] || fail "ospy --help says import writes [$(echo $said)], import takes [$(echo $takes)]"
echo "ospy --help: import writes $(echo $said)"
# capture --help: --duration stops the recording, not the program, which
# ospy waits for (docs/reliability.md); it said "stop capturing after S seconds"
dur=$("$ospy" capture --help 2>&1 | grep -A1 -e '--duration S ' | tr -s ' \n' '  ')
echo "capture --help:$dur"
case "$dur" in
  *"stop recording after S seconds: a started program runs on, and ospy waits for its end and exits with its status; -p detaches at once"*) ;;
  *) fail "capture --help does not say that --duration leaves the program running" ;;
esac
echo "options: every command names what it refused"
