#!/bin/sh
# Real programs nobody here wrote, captured with a shipped preset: each case
# asserts what `ospy show` decodes (the plaintext of TLS, request and response,
# SQL text, file paths and bytes, zlib buffers).
#   realprog_test.sh CASE OSPY
# A case whose program is missing exits 77 (skip) saying which; scripts/setup.sh
# installs them (curl, wget, openssl, sqlite3, python3, gzip, git, openssh-client).
# Servers listen on 127.0.0.1 on a free port, are polled until they answer
# (bounded) and are killed on exit.
set -u
case_name=$1 ospy=$2
case $ospy in /*) ;; *) ospy=$PWD/$ospy ;; esac # the cases change directory
tmp=$(mktemp -d)
server_pid=
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP
fail() { echo "FAIL ($case_name): $*"; exit 1; }
skip() { echo "skip ($case_name): $*"; exit 77; }
need() { # need PROGRAM... : skip unless each is installed
  for p in "$@"; do
    command -v "$p" >/dev/null 2>&1 || skip "$p is not installed (scripts/setup.sh installs it)"
  done
}
# Debian's python3, not a pyenv shim or a virtualenv that PATH may put first
PY=/usr/bin/python3
export PY
need_py() { [ -x "$PY" ] || skip "$PY is not installed (scripts/setup.sh installs python3)"; }
expect() { # expect FILE FIXED-STRING [what]
  grep -qF -- "$2" "$1" || { echo "--- $1:"; cut -c1-400 "$1"; fail "missing ${3:-$2}"; }
}
expect_re() { # expect_re FILE EXTENDED-REGEX what
  grep -qE -- "$2" "$1" || { echo "--- $1:"; cut -c1-400 "$1"; fail "missing $3"; }
}
capture() { # capture NAME OSPY-ARGS... -- PROGRAM...: capture, then show -s 0 into $tmp/NAME.show
  name=$1
  shift
  "$ospy" capture -q -o "$tmp/$name.ospy" "$@" >"$tmp/$name.out" 2>"$tmp/$name.err"
  rc=$?
  [ $rc = 0 ] || { cat "$tmp/$name.err"; fail "ospy capture $* exited $rc"; }
  "$ospy" show -s 0 "$tmp/$name.ospy" >"$tmp/$name.show" 2>"$tmp/$name.showerr" ||
    { cat "$tmp/$name.showerr"; fail "ospy show exited $?"; }
}
free_port() {
  "$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
# start_server READY-COMMAND SERVER-COMMAND...: runs the server in the
# background on a free port ($port, substituted as @PORT@), polls READY-COMMAND
# (with $port) until it succeeds, at most 100 times 0.1 s; a server that died
# (port taken meanwhile) is started again on another port, 3 times at most.
start_server() {
  ready=$1
  shift
  for attempt in 1 2 3; do
    port=$(free_port) || fail "no free port"
    export port # READY-COMMAND runs in its own shell
    cmd=$(printf '%s\n' "$*" | sed "s/@PORT@/$port/g")
    sh -c "exec $cmd" >"$tmp/server.log" 2>&1 &
    server_pid=$!
    i=0
    while [ $i -lt 100 ]; do
      kill -0 "$server_pid" 2>/dev/null || break
      if sh -c "$ready" >/dev/null 2>&1; then
        return 0
      fi
      sleep 0.1
      i=$((i + 1))
    done
    kill "$server_pid" 2>/dev/null
    wait "$server_pid" 2>/dev/null
    server_pid=
  done
  cat "$tmp/server.log"
  fail "the server did not answer: $*"
}

case $case_name in
curl-https)
  # curl -> libcurl -> libssl.so.3 (a dependency, not the program's own link):
  # the tls preset's SSL_* hooks resolve there and show the plaintext
  need curl openssl
  need_py
  mkdir "$tmp/www"
  printf 'hello from the tls test 7f3a\n' >"$tmp/www/index.txt"
  openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=localhost -days 1 \
    -keyout "$tmp/key.pem" -out "$tmp/cert.pem" >"$tmp/req.log" 2>&1 ||
    { cat "$tmp/req.log"; fail "openssl req could not make a certificate"; }
  cd "$tmp/www" || fail "cd"
  start_server 'curl -sfk "https://127.0.0.1:$port/index.txt"' \
    openssl s_server -quiet -accept 127.0.0.1:@PORT@ -cert "$tmp/cert.pem" -key "$tmp/key.pem" -WWW
  cd "$tmp" || fail "cd"
  url="https://127.0.0.1:$port/index.txt"
  capture tls --preset tls -- curl -sfk "$url"
  cmp -s "$tmp/tls.out" "$tmp/www/index.txt" || fail "curl's output changed under capture: $(cat "$tmp/tls.out")"
  expect_re "$tmp/tls.show" '--- loaded /.*/libssl\.so\.3 at ' "libssl.so.3 loaded"
  expect_re "$tmp/tls.show" '\] libssl\.so\.3!SSL_write(_ex)?\(ssl=0x[0-9a-f]+, buf="GET /index\.txt HTTP/1\.1\\r\\nHost: 127\.0\.0\.1:'"$port"'\\r\\n' \
    "the request line in SSL_write"
  # the head and the body may come in one read or two
  expect_re "$tmp/tls.show" '\] libssl\.so\.3!SSL_read(_ex)?\(ssl=0x[0-9a-f]+, buf="HTTP/1\.0 200 ok\\r\\n' \
    "the response head in SSL_read"
  expect_re "$tmp/tls.show" '\] libssl\.so\.3!SSL_read(_ex)?\(ssl=0x[0-9a-f]+, buf="[^"]*hello from the tls test 7f3a\\n"' \
    "the response body in SSL_read"
  grep -E 'error: .*SSL_(read|write)' "$tmp/tls.show" && fail "an SSL_read/SSL_write hook did not resolve"
  # the same through -f: a MODULE!FUNC glob picks the catalogue's definitions
  capture tlsf -f 'libssl.so.*!SSL_write*' -f 'SSL_read*' -- curl -sfk "$url"
  expect "$tmp/tlsf.show" 'info: -f libssl.so.*!SSL_write*: 3 functions: 2 defined by the catalogue (preset tls), 1 more in the program'"'"'s files traced with raw'
  # (the module glob designates one file: shown as it)
  expect_re "$tmp/tlsf.show" '\] libssl\.so\.3!SSL_write(_ex)?\(ssl=0x[0-9a-f]+, buf="GET /index\.txt HTTP/1\.1\\r\\n' \
    "the request line in SSL_write (-f)"
  expect_re "$tmp/tlsf.show" '\] libssl\.so\.3!SSL_read(_ex)?\(ssl=0x[0-9a-f]+, buf="[^"]*hello from the tls test 7f3a\\n"' \
    "the response body in SSL_read (-f)"
  echo "curl-https: request line in SSL_write, body in SSL_read (--preset tls and -f globs)" ;;
curl-http)
  need curl
  need_py
  mkdir "$tmp/www"
  printf 'plain http body 51c2\n' >"$tmp/www/hello.txt"
  start_server 'curl -sf "http://127.0.0.1:$port/hello.txt"' \
    "$PY" -m http.server --bind 127.0.0.1 --directory "$tmp/www" @PORT@
  capture http --preset net -- curl -sf "http://127.0.0.1:$port/hello.txt"
  cmp -s "$tmp/http.out" "$tmp/www/hello.txt" || fail "curl's output changed under capture"
  expect_re "$tmp/http.show" '\] libc\.so\.6!connect\(sockfd=[0-9]+<TCP:\[->127\.0\.0\.1:'"$port"'\]>, addr=\{AF_INET, 127\.0\.0\.1:'"$port"'\}, addrlen=16\)' \
    "connect to 127.0.0.1:$port decoded"
  expect_re "$tmp/http.show" '\] libc\.so\.6!(send|sendto|write)\(.*"GET /hello\.txt HTTP/1\.1\\r\\nHost: 127\.0\.0\.1:'"$port"'\\r\\n' \
    "the request in send/sendto/write"
  # python's server writes the head and the body apart: one recv or two
  expect_re "$tmp/http.show" '\] libc\.so\.6!(recv|recvfrom|read)\(.*buf="HTTP/1\.0 200 OK\\r\\n' \
    "the response head in recv/recvfrom/read"
  expect_re "$tmp/http.show" '\] libc\.so\.6!(recv|recvfrom|read)\(.*buf="[^"]*plain http body 51c2\\n"' \
    "the response body in recv/recvfrom/read"
  # curl waits in poll: the socket asked for, and ready to read at return
  expect_re "$tmp/http.show" '\] libc\.so\.6!poll\(fds=\[.*\] => \[\{fd=[0-9]+<TCP:\[[^]]*->127\.0\.0\.1:'"$port"'\]>, events=[A-Z|]*POLLIN[A-Z|]*, revents=POLLIN[A-Z|]*\}' \
    "the socket's poll, POLLIN at return"
  echo "curl-http: connect 127.0.0.1:$port, request and response decoded; poll's revents" ;;
wget-http)
  need wget
  need_py
  mkdir "$tmp/www"
  printf 'wget body 0be5\n' >"$tmp/www/w.txt"
  start_server '"$PY" -c "import sys, urllib.request as u; u.urlopen(sys.argv[1], timeout=1)" "http://127.0.0.1:$port/w.txt"' \
    "$PY" -m http.server --bind 127.0.0.1 --directory "$tmp/www" @PORT@
  # wget writes the request with write() and reads with read(): files functions, by -f
  capture wget --preset net -f read,write -- wget -q -O - "http://127.0.0.1:$port/w.txt"
  cmp -s "$tmp/wget.out" "$tmp/www/w.txt" || fail "wget's output changed under capture"
  expect_re "$tmp/wget.show" '\] libc\.so\.6!connect\(sockfd=[0-9]+<TCP:\[->127\.0\.0\.1:'"$port"'\]>, addr=\{AF_INET, 127\.0\.0\.1:'"$port"'\}, addrlen=16\) = 0' \
    "connect to 127.0.0.1:$port decoded"
  expect_re "$tmp/wget.show" '\] libc\.so\.6!(send|sendto|write)\(.*"GET /w\.txt HTTP/1\.1\\r\\n.*User-Agent: Wget/' \
    "the request in send/sendto/write"
  expect_re "$tmp/wget.show" '\] libc\.so\.6!(recv|recvfrom|read)\(.*"HTTP/1\.0 200 OK\\r\\n' "the response head"
  expect_re "$tmp/wget.show" '\] libc\.so\.6!(recv|recvfrom|read)\(.*buf="[^"]*wget body 0be5\\n"' "the response body"
  echo "wget-http: connect 127.0.0.1:$port, request and response decoded" ;;
sqlite3)
  need sqlite3
  capture sql --preset sqlite -- sqlite3 "$tmp/t.db" 'select 40+2;'
  [ "$(cat "$tmp/sql.out")" = 42 ] || fail "sqlite3 printed $(cat "$tmp/sql.out"), want 42"
  expect_re "$tmp/sql.show" '\] libsqlite3\.so\.0!sqlite3_open(_v2)?\(filename="'"$tmp"'/t\.db"' "sqlite3_open of the database"
  expect_re "$tmp/sql.show" '\] libsqlite3\.so\.0!sqlite3_(prepare_v2|prepare_v3|exec)\(db=0x[0-9a-f]+, (zSql|sql)="select 40\+2;"' \
    "the SQL text"
  expect_re "$tmp/sql.show" '\] libsqlite3\.so\.0!sqlite3_column_text\(.*\) = "42"' "the result row"
  # the handles written back (ppDb, ppStmt) are addresses: shown, and left
  # out by diff, so two runs of the same statements are equivalent (they
  # were compared as numbers: every run differed)
  expect_re "$tmp/sql.show" 'sqlite3_open(_v2)?\(.*ppDb=\[0x[0-9a-f]+\]' "the database handle"
  expect_re "$tmp/sql.show" 'sqlite3_prepare_v[23]\(.*ppStmt=\[0x[0-9a-f]+\]' "the statement handle"
  for run in 1 2; do
    rm -f "$tmp/same.db"
    capture same$run --preset sqlite -- sqlite3 "$tmp/same.db" 'create table t(a int); insert into t values(42); select a from t;'
  done
  "$ospy" diff "$tmp/same1.ospy" "$tmp/same2.ospy" >"$tmp/same.diff" 2>&1
  rc=$?
  [ $rc = 0 ] || { cat "$tmp/same.diff"; fail "two runs of the same statements differ (diff exit $rc)"; }
  # SQLite's failures are positive result codes: a bad statement's prepare
  # is failed, a row and the end of the rows are not
  "$ospy" capture -q -o "$tmp/bad.ospy" --preset sqlite -- sqlite3 "$tmp/t.db" 'select * from no_such_table;' \
    >"$tmp/bad.out" 2>"$tmp/bad.err"
  rc=$?
  [ $rc = 1 ] || { cat "$tmp/bad.err"; fail "sqlite3 with a bad statement: ospy exited $rc, not sqlite3's 1"; }
  "$ospy" show --failed -e 'sqlite3_prepare*' "$tmp/bad.ospy" >"$tmp/bad.failed" 2>&1
  expect_re "$tmp/bad.failed" 'sqlite3_prepare_v[23]\(.*no_such_table.*\) = SQLITE_ERROR' "the failed prepare under --failed"
  "$ospy" show --failed -e 'sqlite3_step' "$tmp/sql.ospy" >"$tmp/step.failed" 2>&1
  ! grep -q 'sqlite3_step(' "$tmp/step.failed" || fail "sqlite3_step's SQLITE_ROW/SQLITE_DONE listed as failed"
  echo "sqlite3: open, SQL text and result decoded; two runs equivalent; failures by result code" ;;
python3-read)
  need_py
  printf 'python reads these bytes 9d41\n' >"$tmp/in.txt"
  capture py --preset files -- "$PY" -c 'import sys; sys.stdout.write(open(sys.argv[1]).read())' "$tmp/in.txt"
  cmp -s "$tmp/py.out" "$tmp/in.txt" || fail "python3's output changed under capture"
  expect_re "$tmp/py.show" '\] libc\.so\.6!open(at)?(64)?\((dirfd=AT_FDCWD, )?pathname="'"$tmp"'/in\.txt", flags=O_RDONLY\|O_CLOEXEC\) = [0-9]+' \
    "open(at) of the file"
  expect_re "$tmp/py.show" '\] libc\.so\.6!read\(fd=[0-9]+<'"$tmp"'/in\.txt>, buf="python reads these bytes 9d41\\n", count=[0-9]+\) = 30' \
    "the read of the file's bytes"
  echo "python3-read: open and read with the path and the bytes" ;;
python3-sockets)
  # descriptor names of sockets, from what their calls said: UDP over IPv6,
  # a socketpair, a Unix listener with a client and the accepted connection
  need_py
  capture pysock --preset net -- "$PY" -c '
import socket, sys
u = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM); u.bind(("::1", 0)); u.connect(("::1", 9)); u.send(b"u")
a, b = socket.socketpair(); a.send(b"pair"); b.recv(4)
l = socket.socket(socket.AF_UNIX); l.bind(sys.argv[1]); l.listen()
c = socket.socket(socket.AF_UNIX); c.connect(sys.argv[1]); x, _ = l.accept(); x.send(b"y"); c.recv(1)
print("sockets ok")' "$tmp/l.sock"
  expect "$tmp/pysock.out" "sockets ok" "the program's output"
  expect_re "$tmp/pysock.show" '\] libc\.so\.6!socket\(domain=AF_INET6, type=SOCK_DGRAM\|SOCK_CLOEXEC, protocol=IPPROTO_IP\) = [0-9]+<UDPv6>$' \
    "a UDPv6 socket named by socket()"
  expect_re "$tmp/pysock.show" '\] libc\.so\.6!send\(sockfd=[0-9]+<UDPv6:\[\[::1\]:0->\[::1\]:9\]>, buf="u"' \
    "the UDP socket named by bind and connect"
  expect_re "$tmp/pysock.show" 'socketpair\(.*sv=\[[0-9]+<UNIX-STREAM>, [0-9]+<UNIX-STREAM>\]\) = 0' "the pair named"
  expect_re "$tmp/pysock.show" '\] libc\.so\.6!connect\(sockfd=[0-9]+<UNIX-STREAM:\[->'"$tmp"'/l\.sock\]>' \
    "the Unix client named by its peer's path"
  expect_re "$tmp/pysock.show" '\] libc\.so\.6!send\(sockfd=[0-9]+<UNIX-STREAM:\['"$tmp"'/l\.sock->\?\]>, buf="y"' \
    "the accepted connection: the listener's path, an unnamed peer"
  # accept's socket, its listener's socket() not recorded: a stream socket by
  # its peer's family
  capture pysock2 -f accept4 -f send -- "$PY" -c '
import socket, sys
l = socket.socket(socket.AF_UNIX); l.bind(sys.argv[1]); l.listen()
c = socket.socket(socket.AF_UNIX); c.connect(sys.argv[1]); x, _ = l.accept(); x.send(b"y")' "$tmp/l2.sock"
  expect_re "$tmp/pysock2.show" '\] libc\.so\.6!send\(sockfd=[0-9]+<UNIX-STREAM:\[->\?\]>, buf="y"' \
    "the accepted connection named as a stream socket"
  echo "python3-sockets: UDPv6, socketpair and Unix sockets named" ;;
python3-zlib)
  # Debian's gzip has its own deflate; python3's zlib module uses libz.so.1
  need_py
  capture z --preset zlib -- "$PY" -c '
import zlib
text = b"zlib round trip 3e8b " * 4
packed = zlib.compress(text)
assert zlib.decompress(packed) == text
print(len(text), len(packed))'
  set -- $(cat "$tmp/z.out")
  plain=$1 packed=$2
  [ "$plain" = 84 ] || fail "python3 printed $(cat "$tmp/z.out")"
  expect_re "$tmp/z.show" '\] libz\.so\.1!deflateInit2?_\(strm=0x[0-9a-f]+, level=-1' "deflateInit"
  expect_re "$tmp/z.show" '\] libz\.so\.1!deflate\(strm=\{next_in="(zlib round trip 3e8b ){4}", avail_in=84, .* => \{.*total_in=84, .*total_out='"$packed"',.*flush=Z_FINISH\) = Z_STREAM_END' \
    "deflate's input buffer"
  expect_re "$tmp/z.show" '\] libz\.so\.1!inflate\(strm=\{next_in="x\\x9c[^"]*", avail_in='"$packed"', .* => \{.*total_out=84, .*\) = Z_STREAM_END' \
    "inflate's compressed input"
  echo "python3-zlib: deflate's text ($plain bytes) and inflate's $packed compressed bytes" ;;
git-init)
  need git
  capture git --preset files -- git init -q "$tmp/repo"
  [ -f "$tmp/repo/.git/HEAD" ] || fail "git init made no repository"
  expect "$tmp/git.show" "libc.so.6!mkdir(pathname=\"$tmp/repo/.git\"" "mkdir of .git"
  expect_re "$tmp/git.show" '\] libc\.so\.6!open(at)?\((dirfd=AT_FDCWD, )?pathname="'"$tmp"'/repo/\.git/HEAD\.lock", flags=[A-Z_|]*O_CREAT' \
    "the HEAD lock file created"
  expect "$tmp/git.show" "libc.so.6!rename(oldpath=\"$tmp/repo/.git/HEAD.lock\", newpath=\"$tmp/repo/.git/HEAD\") = 0" \
    "HEAD renamed into place"
  # HEAD's content goes out through stdio (fclose's own write is nested in a
  # recorded call, not logged: logNested); .git/config is written directly
  expect_re "$tmp/git.show" '\] libc\.so\.6!open(at)?\((dirfd=AT_FDCWD, )?pathname="'"$tmp"'/repo/\.git/config\.lock"' \
    "the config lock file created"
  expect_re "$tmp/git.show" '\] libc\.so\.6!write\(fd=[0-9]+(<[^>]*>)?, buf="\[core\]\\n", count=7\) = 7' "the config's content"
  echo "git-init: .git, HEAD.lock renamed to HEAD, config written" ;;
ssh-keygen)
  need ssh-keygen
  capture key --preset files -- ssh-keygen -q -t ed25519 -N '' -C ospy-test -f "$tmp/id_test"
  [ -s "$tmp/id_test" ] && [ -s "$tmp/id_test.pub" ] || fail "ssh-keygen wrote no key"
  expect "$tmp/key.show" "libc.so.6!open(pathname=\"$tmp/id_test\", flags=O_WRONLY|O_CREAT|O_TRUNC, mode=" "the private key file"
  expect "$tmp/key.show" "libc.so.6!open(pathname=\"$tmp/id_test.pub\", flags=O_WRONLY|O_CREAT|O_TRUNC, mode=" "the public key file"
  expect "$tmp/key.show" "-----BEGIN OPENSSH PRIVATE KEY-----" "the private key written"
  expect "$tmp/key.show" "ssh-ed25519 " "the public key written"
  echo "ssh-keygen: both key files opened and written" ;;
*) fail "unknown case" ;;
esac
