#!/bin/sh
# deps.sh: install the Debian 12 packages memlab needs, only when some are missing.
#
# Idempotent and quiet: when every package is present it prints nothing and
# exits 0 in well under a second, so every make target can call it.  When some
# are missing it runs `apt-get update` once and installs them.  When it cannot
# (no root and no sudo, no network, no such package) it says which packages
# are missing and exits 1.
set -u

# One package per line: what needs it.
PACKAGES="
clang               compiler (default CC) and sanitizers
llvm-14             llvm-symbolizer: sanitizer reports name files and lines
libclang-rt-14-dev  ThreadSanitizer, ASan, UBSan, libFuzzer runtimes for clang 14
make                the build
libcmocka-dev       unit and stress tests
libbenchmark-dev    Google Benchmark behind bench/shim.h
g++                 compiles the C++ side of the benchmark shim
python3-matplotlib  plots for the bench report, run by /usr/bin/python3
libck-dev           Concurrency Kit spinlocks, benchmark baselines
liburcu-dev         userspace RCU, benchmark baseline for read-mostly config
curl                HTTP server tests
wrk                 HTTP load generator
apache2-utils       ab, a second HTTP load generator
nginx-light         the baseline httpd is measured against (make bench; started by the script, not as a service)
"

missing=""
for pkg in $(printf '%s\n' "$PACKAGES" | awk 'NF { print $1 }'); do
    status=$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null)
    [ "$status" = "installed" ] || missing="$missing $pkg"
done
[ -z "$missing" ] && exit 0

echo "deps.sh: installing missing packages:$missing" >&2
if [ "$(id -u)" -eq 0 ]; then
    SUDO=""
elif command -v sudo >/dev/null 2>&1; then
    SUDO="sudo"
else
    echo "deps.sh: not root and no sudo; install these as root:$missing" >&2
    exit 1
fi

export DEBIAN_FRONTEND=noninteractive
log=$(mktemp)
if ! $SUDO apt-get update -qq >"$log" 2>&1; then
    cat "$log" >&2
    echo "deps.sh: apt-get update failed; cannot install:$missing" >&2
    rm -f "$log"
    exit 1
fi
# shellcheck disable=SC2086 # word splitting of the package list is intended
if ! $SUDO apt-get install -y -qq --no-install-recommends $missing >"$log" 2>&1; then
    cat "$log" >&2
    echo "deps.sh: apt-get install failed for:$missing" >&2
    rm -f "$log"
    exit 1
fi
rm -f "$log"
echo "deps.sh: installed:$missing" >&2
