#!/bin/sh
# External entities stay unread now that internal ones are expanded: a
# reference to one in element content is an error at it (it was dropped
# silently), and no file it, an external DTD or a parameter entity names is
# opened (strace, when there is one, says which files ospy opens).
# usage: external_entities.sh OSPY
ospy=$1
d=$(mktemp -d) || exit 1
trap 'rm -rf "$d"' EXIT
printf '<!ENTITY ext "<argument name=\\"x\\" type=\\"Int32\\"/>">\n' >"$d/secret.dtd"
printf '<argument name="x" type="Int32"/>\n' >"$d/secret.xml"
cat >"$d/content.xml" <<XML
<?xml version="1.0"?>
<!DOCTYPE hookManager [ <!ENTITY ext SYSTEM "$d/secret.xml"> ]>
<hookManager><specs><functions><function name="f"><arguments>&ext;</arguments></function></functions></specs></hookManager>
XML
cat >"$d/dtd.xml" <<XML
<?xml version="1.0"?>
<!DOCTYPE hookManager SYSTEM "$d/secret.dtd">
<hookManager><specs><functions><function name="f"><arguments>&ext;</arguments></function></functions></specs></hookManager>
XML
cat >"$d/param.xml" <<XML
<?xml version="1.0"?>
<!DOCTYPE hookManager [ <!ENTITY % p SYSTEM "$d/secret.dtd"> %p; ]>
<hookManager><specs><functions><function name="f"><arguments>&ext;</arguments></function></functions></specs></hookManager>
XML
fail=0
expect() { # FILE WANT: ospy check FILE fails with WANT among its errors
  out=$("$ospy" check "$d/$1" 2>&1)
  st=$?
  echo "ospy check $1: exit $st"
  printf '%s\n' "$out"
  if [ $st -ne 1 ] || ! printf '%s\n' "$out" | grep -qF "$2"; then
    echo "FAIL: want exit 1 and: $2"
    fail=1
  fi
  if command -v strace >/dev/null 2>&1; then
    strace -f -qq -e trace=open,openat,stat,newfstatat,access -o "$d/trace" "$ospy" check "$d/$1" >/dev/null 2>&1
    if ! grep -q "$1" "$d/trace"; then
      echo "strace: traced nothing (ptrace refused?): not checked"
    elif grep -q secret "$d/trace"; then
      echo "FAIL: ospy check $1 touched the external file:"
      grep secret "$d/trace"
      fail=1
    else
      echo "strace: no secret.* opened"
    fi
  fi
}
expect content.xml "content.xml:3:62: error: entity &ext; is external: a config reads no other file (declare it with its text, <!ENTITY ext '...'>)"
expect dtd.xml "dtd.xml:3:67: error: malformed XML: Entity 'ext' not defined"
expect param.xml "param.xml:3:67: error: malformed XML: Entity 'ext' not defined"
exit $fail
