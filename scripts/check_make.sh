#!/bin/sh
# check_make.sh: check the Makefile's and the programs' own promises (make check-make, part of make test).
#
# usage: scripts/check_make.sh BUILD_DIR
#
#   - `make help` lists every .PHONY target of the Makefile, and nothing else;
#   - -Werror is written once (the WARN variable) and is in the compile
#     commands only under WERROR=1;
#   - every program people run answers --help with its usage and exit 0, and
#     an unknown option with a message on stderr and exit 2;
#   - gcc, where installed, compiles warning-free under -Werror the files it
#     once stopped on (gcc warns about things clang does not).
# Prints one line per failure and exits 1 if there was any.
set -u
build=${1:?usage: check_make.sh BUILD_DIR}
cd "$(dirname "$0")/.." || exit 2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
fail() {
    echo "check_make: $*"
    fails=$((fails + 1))
}
# A make of our own: none of the calling make's jobserver or variables.
submake() {
    env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u MAKEOVERRIDES -u WERROR -u BUILD make --no-print-directory "$@"
}

# ---- make help lists every target ----
sed -n 's/^\.PHONY:[[:space:]]*//p' Makefile | tr ' \t' '\n\n' | sed '/^$/d' | sort -u >"$tmp/phony"
submake -s help | awk '{ print $1 }' | sort -u >"$tmp/help"
[ -s "$tmp/help" ] || fail "make help printed nothing"
for t in $(comm -23 "$tmp/phony" "$tmp/help"); do
    fail "make help does not list the target '$t' (give its rule line a '## ' comment)"
done
for t in $(comm -13 "$tmp/phony" "$tmp/help"); do
    fail "make help lists '$t', which is not a .PHONY target of the Makefile"
done

# ---- -Werror: one variable, only under WERROR=1 ----
n=$(grep -c -- '-Werror' Makefile)
[ "$n" -eq 1 ] || fail "-Werror is written $n times in the Makefile; WARN is the one place for it"
obj="$tmp/b/obj/locks/tas.o"
submake -n -B BUILD="$tmp/b" "$obj" >"$tmp/plain.n" 2>&1
submake -n -B BUILD="$tmp/b" WERROR=1 "$obj" >"$tmp/werror.n" 2>&1
grep -q -- '-Werror' "$tmp/plain.n" && fail "a plain build compiles with -Werror: $(grep -- -Werror "$tmp/plain.n" | head -n 1)"
grep -q -- '-Wall' "$tmp/plain.n" || fail "make -n printed no compile command for $obj: $(head -n 3 "$tmp/plain.n")"
grep -q -- '-Werror' "$tmp/werror.n" || fail "WERROR=1 does not add -Werror: $(head -n 3 "$tmp/werror.n")"

# ---- the programs' command lines ----
for prog in lockstress litmus bufsize forkcow httpd; do
    bin="$build/bin/$prog"
    if [ ! -x "$bin" ]; then
        fail "$bin is not built"
        continue
    fi
    "$bin" --help >"$tmp/out" 2>"$tmp/err"
    rc=$?
    [ "$rc" -eq 0 ] || fail "$prog --help: exit $rc, want 0"
    grep -qi 'usage' "$tmp/out" || fail "$prog --help: no usage on stdout"
    "$bin" --no-such-option >"$tmp/out" 2>"$tmp/err"
    rc=$?
    [ "$rc" -eq 2 ] || fail "$prog --no-such-option: exit $rc, want 2"
    [ -s "$tmp/err" ] || fail "$prog --no-such-option: nothing on stderr"
done

# ---- gcc on the files it once stopped on ----
if command -v gcc >/dev/null 2>&1; then
    for src in locks/lockstress.c; do
        gcc -std=c11 -O2 -Wall -Wextra -Werror -pthread -D_GNU_SOURCE -I. -c "$src" -o "$tmp/gcc.o" 2>"$tmp/gcc.err" ||
            fail "gcc -O2 -Wall -Wextra -Werror $src: $(head -n 3 "$tmp/gcc.err")"
    done
fi

if [ "$fails" -ne 0 ]; then
    echo "== check-make: $fails failures"
    exit 1
fi
echo "== check-make: make help lists all $(wc -l <"$tmp/phony") targets; -Werror only under WERROR=1; 5 programs answer --help and bad options; gcc -Werror clean"
