#!/usr/bin/env bash
# Installs everything ospy needs on Debian 12 (as root), builds it for x86-64
# and i386, and runs the demo capture.
#   scripts/setup.sh          install, build, run the demo
#   scripts/setup.sh --deps   install the Debian packages only
#   scripts/setup.sh --build  install and build, no demo
#   scripts/setup.sh --bench  also the tracers bench/bench_capture.sh compares with
set -euo pipefail
cd "$(dirname "$0")/.."

PKGS_AMD64=(meson ninja-build pkg-config gcc gcc-multilib clang
  libcapstone-dev libxml2-dev libzstd-dev libbz2-dev libelf-dev libdw-dev
  g++ g++-multilib libclang-rt-14-dev zstd bzip2 jq python3 binutils
  libssl-dev libgnutls28-dev zlib1g-dev libsqlite3-dev libusb-1.0-0-dev
  curl tshark  # the streams and pcapng tests (curl against python3 -m http.server)
  wget openssl sqlite3 gzip git openssh-client  # tests/realprog: real programs captured
  qemu-user)  # runs the i386 tests where the kernel cannot execute i386 binaries
PKGS_I386=(libcapstone-dev:i386)

need_install() {
  local p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || return 0
  done
  return 1
}

install_deps() {
  if ! dpkg --print-foreign-architectures | grep -qx i386; then
    dpkg --add-architecture i386
  fi
  if need_install "${PKGS_AMD64[@]}" "${PKGS_I386[@]}"; then
    [ "$(id -u)" = 0 ] || { echo "setup: run as root to install packages" >&2; exit 1; }
    # A mirror in mid-sync can fail one index; the others are still usable.
    apt-get update -q || echo "setup: apt-get update reported errors, continuing" >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${PKGS_AMD64[@]}" "${PKGS_I386[@]}" ||
      DEBIAN_FRONTEND=noninteractive apt-get install -y -q -t bookworm "${PKGS_AMD64[@]}" "${PKGS_I386[@]}"
  fi
  # Kernels without IA32 emulation: run i386 programs under qemu-i386.
  sh scripts/i386-binfmt/register.sh
}

build_all() {
  [ -d build32 ] || meson setup build32 --cross-file scripts/i386-cross.ini -Dcontroller=false
  ninja -C build32
  [ -d build ] || meson setup build -Dagent32_path="$PWD/build32/src/agent/libospy-agent.so" \
    -Dexpr32_path="$PWD/build32/src/ospy-expr32"
  ninja -C build
  link_command
}

# `ospy` on the PATH, as README.md uses it: a link to the build tree (the
# controller finds its agent next to the real executable, through /proc/self/exe).
link_command() {
  local bin=/usr/local/bin/ospy
  if [ -w /usr/local/bin ] && { [ ! -e "$bin" ] || [ -L "$bin" ]; }; then
    ln -sfn "$PWD/build/src/cli/ospy" "$bin"
  else
    echo "setup: not linking $bin (not writable, or a file is there); use $PWD/build/src/cli/ospy" >&2
  fi
}

install_deps
case "${1:-}" in
  --deps) exit 0 ;;
  --build) build_all; exit 0 ;;
  --bench)
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q uftrace ltrace strace bpftrace
    build_all; exit 0 ;;
esac
build_all
if [ -x build/src/cli/ospy ] && [ -f demo/demo.xml ]; then
  echo "== ospy capture of the bundled demo program =="
  build/src/cli/ospy capture -q -c demo/demo.xml -o /tmp/ospy-demo.ospy -- build/demo/ospy-demo
  echo "== ospy show /tmp/ospy-demo.ospy =="
  build/src/cli/ospy show /tmp/ospy-demo.ospy
  echo "== ospy is $(command -v ospy || echo "$PWD/build/src/cli/ospy") =="
else
  echo "setup: built; the demo capture is not available in this build yet"
fi
