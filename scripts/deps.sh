#!/bin/sh
# deps.sh: install the Debian 12 packages a memlab target needs, only when some are missing.
#
#   scripts/deps.sh [GROUP...]      (no group: build)
#   scripts/deps.sh --list GROUP    print the group's packages, one per line
#
# Groups, each a superset of what it needs (a target asks only for its own):
#   build    compile memlab and run a lab's `make check` / `make grade`
#   test     `make test`: build + the benchmark smoke run, baselines, graphs
#   bench    `make bench`: test + plots, load generators, nginx, Go
#   ci       `.ci/run`: test + the second compilers CI builds with (gcc, clang-19)
#   arm64    `make test-arm64`: the aarch64 cross toolchain, :arm64 libraries, qemu-user
#   browser  `make html-check`: headless chromium for the HTML pages
#
# Idempotent and quiet: when every package is present it prints nothing and
# exits 0 in well under a second, so every make target can call it, with or
# without root.  When some are missing it runs `apt-get update` once and
# installs them (as root, or through sudo).  When it cannot (no root and no
# sudo) it prints the exact `apt-get install` line for the missing packages
# and exits 2; when apt-get fails it says which packages and exits 1.
#
# For tests: MEMLAB_DEPS_MISSING="pkg ..." makes those packages count as
# missing, and MEMLAB_DEPS_NO_ROOT=1 behaves as an unprivileged user without sudo.
set -u

group_packages() {
    case "$1" in
    build) cat <<'EOF'
clang               compiler (default CC) and sanitizers
llvm-14             llvm-symbolizer: sanitizer reports name files and lines
libclang-rt-14-dev  ThreadSanitizer, ASan, UBSan, libFuzzer runtimes for clang 14
make                the build
libcmocka-dev       unit and stress tests
liburcu-dev         userspace RCU: the litmus runner's RCU, and a config-read baseline
curl                HTTP server tests
EOF
        ;;
    test) group_packages build; cat <<'EOF'
libbenchmark-dev    Google Benchmark behind bench/shim.h (the smoke run in make test)
g++                 compiles the C++ side of the benchmark shim
libck-dev           Concurrency Kit spinlocks, benchmark baselines
graphviz            dot: execution graphs (litmus --graph, --html)
EOF
        ;;
    bench) group_packages test; cat <<'EOF'
python3-matplotlib  plots for the bench report, run by /usr/bin/python3
wrk                 HTTP load generator
apache2-utils       ab, a second HTTP load generator
nginx-light         the baseline httpd is measured against (started by the script, not as a service)
golang-go           the Go benchmarks beside the C ones
golang-golang-x-sync-dev  x/sync/errgroup for the Go benchmarks (offline, from Debian)
EOF
        ;;
    ci) group_packages test; cat <<'EOF'
gcc                 the second compiler CI builds with
clang-19            the newest Debian clang, built warning-free in CI
EOF
        ;;
    arm64) cat <<'EOF'
make                the build
gcc-aarch64-linux-gnu   the aarch64 cross compiler
libc6-dev-arm64-cross   aarch64 C library headers for the cross compiler
qemu-user           qemu-aarch64 runs the cross-built tests
libcmocka-dev:arm64     CMocka for aarch64 (multiarch)
liburcu-dev:arm64       userspace RCU for aarch64 (multiarch)
EOF
        ;;
    browser) cat <<'EOF'
chromium            headless browser that screenshots the litmus HTML pages
graphviz            dot: the SVG execution graphs in the pages (litmus --graph, --html)
EOF
        ;;
    *) echo "deps.sh: unknown group '$1' (groups: build test bench ci arm64 browser)" >&2
       return 2 ;;
    esac
}

if [ "${1:-}" = "--list" ]; then
    group_packages "${2:-build}" | awk 'NF { print $1 }'
    exit $?
fi

[ $# -eq 0 ] && set -- build
wanted=""
for g in "$@"; do
    list=$(group_packages "$g") || exit 2
    wanted="$wanted $(printf '%s\n' "$list" | awk 'NF { print $1 }')"
done

missing=""
need_arm64=0
for pkg in $(printf '%s\n' $wanted | sort -u); do
    case " ${MEMLAB_DEPS_MISSING:-} " in
    *" $pkg "*) missing="$missing $pkg"; continue ;;
    esac
    status=$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null)
    if [ "$status" != "installed" ]; then
        missing="$missing $pkg"
        case "$pkg" in *:arm64) need_arm64=1 ;; esac
    fi
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -eq 0 ] && [ -z "${MEMLAB_DEPS_NO_ROOT:-}" ]; then
    SUDO=""
elif [ -z "${MEMLAB_DEPS_NO_ROOT:-}" ] && command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    SUDO="sudo -n"
else
    echo "deps.sh: missing packages for '$*':$missing" >&2
    echo "deps.sh: not root and no sudo; ask an administrator to run:" >&2
    [ "$need_arm64" -eq 1 ] && echo "  dpkg --add-architecture arm64 && apt-get update" >&2
    echo "  apt-get install --no-install-recommends$missing" >&2
    exit 2
fi

echo "deps.sh: installing missing packages:$missing" >&2
export DEBIAN_FRONTEND=noninteractive
log=$(mktemp)
if [ "$need_arm64" -eq 1 ] && ! dpkg --print-foreign-architectures | grep -qx arm64; then
    $SUDO dpkg --add-architecture arm64
fi
# Another apt run (an unattended upgrade, a second make) holds the lock: wait for it.
apt_opts="-o DPkg::Lock::Timeout=600"
if ! $SUDO apt-get $apt_opts update -qq >"$log" 2>&1; then
    cat "$log" >&2
    echo "deps.sh: apt-get update failed; cannot install:$missing" >&2
    rm -f "$log"
    exit 1
fi
# shellcheck disable=SC2086 # word splitting of the package list is intended
if ! $SUDO apt-get $apt_opts install -y -qq --no-install-recommends $missing >"$log" 2>&1; then
    cat "$log" >&2
    echo "deps.sh: apt-get install failed for:$missing" >&2
    rm -f "$log"
    exit 1
fi
rm -f "$log"
echo "deps.sh: installed:$missing" >&2
