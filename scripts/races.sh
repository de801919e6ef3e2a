#!/bin/sh
# races.sh: run the data-race demos under the tools their headers name and print the verdicts as a table (make races); or print what a store-then-load pair compiles to (make asm).
#
# usage: scripts/races.sh [--repeat N] [--only TOOL=VERDICT] [--burn K] BUILD_DIR DEMO.c...
#                                        run every check (N times each, default 1;
#                                        only the checks named TOOL=VERDICT, e.g.
#                                        tsan=race; beside K CPU-burning processes),
#                                        print the table, exit 1 on any mismatch
#        scripts/races.sh --asm OBJECT.o print the instructions of each
#                                        function in OBJECT.o ($OBJDUMP,
#                                        default objdump; x86-64 or aarch64)
#
# With --repeat a row is ok only when all N runs gave the expected verdict;
# otherwise it says how many missed and shows the first miss's output.
# `make races REPEAT=N` repeats every check; `make races-stress` runs each
# racy demo's TSan check 500 times beside two burners (the proof that the
# verdicts do not depend on scheduling; see litmus/races/stage.h).
#
# Each demo (litmus/races/*.c) says what to expect in one header line:
#     * expect: tsan=race             TSan reports a data race on every /* RACE: */ line
#     * expect: tsan=clean            TSan reports nothing and the program exits 0
#     * expect: asan=use-after-free   ASan reports a heap-use-after-free on every /* UAF: */ line
#     * expect: asan=clean            ASan (with LeakSanitizer) reports nothing, exit 0
#     * expect: run=timeout           the plain -O2 build is still running when its
#                                     1 s watchdog fires (exit status 3, stage.h)
#     * expect: run=ends              the plain -O2 build exits 0
#     * expect: run=skips-cleanup     the plain build fails (exit status not 0) and
#                                     never prints its "cleanup:" or "owner:" lines
#     * expect: run=runs-cleanup      the plain build fails, after its "cleanup:"
#                                     and "owner:" lines
# The programs are BUILD_DIR/tsan/NAME, BUILD_DIR/asan/NAME and BUILD_DIR/plain/NAME.
# A report "names" a line when that file:line appears in the stack of one of
# the reported accesses (TSan: the current and the previous access; ASan: the
# bad access and the free), not merely in an allocation or thread-creation stack.
set -u
OBJDUMP=${OBJDUMP:-objdump}

WATCHDOG_EXIT=3 # litmus/races/stage.h
LIMIT=20        # seconds before any run is killed (the demos' own watchdog is 1 s)

# Our own sanitizer options, whatever the environment says: keep going after
# the first report (a demo may have two races), do not sleep 1 s at exit,
# keep TSan's longest per-thread history (history_size=7: the first access's
# stack must still be there when the second comes, litmus/races/stage.h), and
# fall back to addr2line when llvm-symbolizer is missing (file:line either way).
TSAN_RUN="halt_on_error=0 atexit_sleep_ms=0 history_size=7 report_thread_leaks=1 allow_addr2line=1"
ASAN_RUN="halt_on_error=1 detect_leaks=1 abort_on_error=0 allow_addr2line=1"

asm_table() {
    obj=$1
    [ -f "$obj" ] || { echo "races.sh: no object $obj" >&2; exit 2; }
    # The object's CPU, from objdump's "file format" line: the table reads
    # whichever CPU `make asm` compiled for (this machine's, or aarch64 when
    # OBJDUMP and the compiler are the cross ones: make test-arm64).
    dump=$($OBJDUMP -d --no-show-raw-insn "$obj") || exit 2
    case $(printf '%s\n' "$dump" | sed -n 's/.*file format //p' | head -n 1) in
    *aarch64*) arch=aarch64 ;;
    *x86-64*) arch=x86-64 ;;
    *) echo "races.sh: $obj is for a CPU this table does not know" >&2; exit 2 ;;
    esac
    echo "== one store, then one load of another variable (litmus/races/store_load_orders.c);"
    echo "   $arch from $OBJDUMP -d of $obj:"
    printf '  %-16s %-12s %s\n' "function" "ordering by" "instructions (ret and padding omitted)"
    # objdump prints "<name>:" and then one "addr: insn operands" line per
    # instruction; keep the instruction text, drop padding, ret and comments
    # (x86: "# ..."; aarch64: "// ...", since "#" starts its immediates).
    printf '%s\n' "$dump" | awk -v arch="$arch" '
        /^[0-9a-f]+ <[^>]+>:$/ { if (name != "") print name "\t" code; name = $2; gsub(/[<>:]/, "", name); code = ""; next }
        name != "" && /^ +[0-9a-f]+:\t/ {
            sub(/^ +[0-9a-f]+:\t/, ""); gsub(/\t/, " ")
            if (arch == "x86-64") sub(/ +#.*$/, ""); else sub(/ *\/\/.*$/, "")
            gsub(/ +/, " "); sub(/ +$/, "")
            if ($0 ~ /^(ret|nop|cs nop|xchg %ax,%ax|data16)/) next
            code = code (code == "" ? "" : " ; ") $0
        }
        END { if (name != "") print name "\t" code }' |
        while IFS="$(printf '\t')" read -r name code; do
            barrier=$(ordering "$arch" " $code")
            printf '  %-16s %-12s %s\n' "$name" "$barrier" "$code"
        done
    if [ "$arch" = x86-64 ]; then
        echo "   Only the store->load order costs a barrier on x86: XCHG (implicitly locked) for the"
        echo "   seq_cst store, MFENCE for the fence, LOCK for the read-modify-write; release and"
        echo "   acquire are the same plain MOVs as the unordered accesses."
    else
        echo "   On aarch64 plain STR/LDR keep no order at all (not even store->store or load->load);"
        echo "   an STLR (release) is never passed by a later LDAR (acquire), so release/acquire and"
        echo "   seq_cst compile alike here (built for a CPU with LDAPR, ARMv8.3's weaker acquire, the"
        echo "   acquire load becomes LDAPR and may pass the release store again); the fence is DMB ISH;"
        echo "   the RMW is LDADDAL (LSE atomics, ARMv8.1) or, built for plain ARMv8.0, a call to"
        echo "   __aarch64_ldadd4_acq_rel, which picks LDADDAL or an LDAXR/STLXR loop at run time."
    fi
}

# ordering ARCH " INSTRUCTIONS": what orders the store before the load, read off the code.
ordering() {
    case $1 in
    x86-64)
        case $2 in
        *" lock "*) echo "lock" ;;
        *" xchg "*) echo "xchg" ;;
        *" mfence"*) echo "mfence" ;;
        *) echo "none" ;;
        esac ;;
    aarch64)
        case $2 in
        *" dmb "*) echo "dmb" ;;
        *"__aarch64_"*) echo "lse-or-llsc" ;;
        *" ldadd"* | *" swp"* | *" cas"*) echo "lse" ;;
        *" ldaxr "* | *" stlxr "*) echo "ll/sc" ;;
        *" stlr "*" ldar "* | *" stlr "*" ldapr "*) echo "stlr+ldar" ;;
        *) echo "none" ;;
        esac ;;
    esac
}

if [ "${1:-}" = "--asm" ]; then
    asm_table "${2:?usage: races.sh --asm OBJECT.o}"
    exit 0
fi

usage() {
    echo "usage: races.sh [--repeat N] [--only TOOL=VERDICT] [--burn K] BUILD_DIR DEMO.c..." >&2
    exit 2
}
repeat=1 only="" burn=0
while [ $# -gt 0 ]; do
    case $1 in
    --repeat) repeat=${2:-}; shift 2 || usage ;;
    --only) only=${2:-}; shift 2 || usage ;;
    --burn) burn=${2:-}; shift 2 || usage ;;
    --*) usage ;;
    *) break ;;
    esac
done
case $repeat in '' | *[!0-9]* | 0) echo "races.sh: --repeat wants a whole number >= 1, not '$repeat'" >&2; exit 2 ;; esac
case $burn in '' | *[!0-9]*) echo "races.sh: --burn wants a whole number, not '$burn'" >&2; exit 2 ;; esac
[ $# -ge 2 ] || usage
if [ "$repeat" -gt 1 ]; then
    TSAN_RUN="$TSAN_RUN symbolize=0"
    ASAN_RUN="$ASAN_RUN symbolize=0"
fi
build=$1
shift
tmp=$(mktemp -d)
burners=""
# The burners are ours: killed by their pids, whatever way we leave.
cleanup() {
    for pid in $burners; do kill "$pid" 2>/dev/null; done
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
i=0
while [ "$i" -lt "$burn" ]; do
    sh -c 'while :; do :; done' &
    burners="$burners $!"
    i=$((i + 1))
done

# Line numbers in $1 tagged /* $2: ... */.
tagged_lines() {
    grep -n "/\* $2:" "$1" | cut -d: -f1
}

# The file:line locations in the access stacks of the reports in $1, one per
# line.  A frame the sanitizer did not symbolize (symbolize=0, which --repeat
# uses: llvm-symbolizer's start-up is most of a run's time) shows as
# (MODULE+0xOFFSET); those of program $2 are looked up with one addr2line.
reported_lines() {
    awk '
        /^  (Previous )?(atomic )?([Rr]ead|[Ww]rite) of size/ || /^  (Previous )?[Aa]tomic / ||
        /^(READ|WRITE) of size/ || /^freed by thread/ { in_access = 1; next }
        /^ *$/ || /^[A-Za-z]/ || /^  [A-Z]/ { in_access = 0 }
        in_access && /#[0-9]+ / {
            for (i = 1; i <= NF; i++)
                if ($i ~ /\.[ch]:[0-9]+/) {
                    split($i, loc, ":"); n = split(loc[1], path, "/")
                    print path[n] ":" loc[2]
                } else if ($i ~ /^\(.*\+0x[0-9a-f]+\)$/) {
                    f = substr($i, 2, length($i) - 2); k = split(f, part, "+")
                    n = split(part[1], path, "/")
                    print "@" path[n] " " part[k]
                }
        }' "$1" >"$tmp/frames"
    grep -v '^@' "$tmp/frames"
    offsets=$(sed -n "s/^@$(basename "$2") //p" "$tmp/frames" | sort -u)
    [ -n "$offsets" ] || return 0
    # A program's code does not move between runs: each offset is looked up
    # once and remembered, which keeps a repeated check cheap.
    cache="$tmp/a2l.$(basename "$2")"
    [ -f "$cache" ] || : >"$cache"
    for off in $offsets; do
        grep -q "^$off " "$cache" && continue
        addr2line -i -e "$2" "$off" | awk -F: -v off="$off" '$2 ~ /^[0-9]+/ {
            n = split($1, path, "/"); split($2, l, " "); print off " " path[n] ":" l[1] }' >>"$cache"
        grep -q "^$off " "$cache" || echo "$off ?" >>"$cache"
    done
    for off in $offsets; do
        sed -n "s/^$off //p" "$cache"
    done
}

# names_lines SRC TAG REPORT BIN: sets $named ("3/4") and $missing (line numbers).
names_lines() {
    base=$(basename "$1")
    reported_lines "$3" "$4" | sort -u >"$tmp/lines"
    total=0 found=0 missing=""
    for l in $(tagged_lines "$1" "$2"); do
        total=$((total + 1))
        if grep -qx "$base:$l" "$tmp/lines"; then
            found=$((found + 1))
        else
            missing="$missing $l"
        fi
    done
    named="$found/$total"
}

# plural N WORD: WORD, with an s unless N is 1.
plural() {
    if [ "$1" -eq 1 ]; then echo "$2"; else echo "${2}s"; fi
}

# run BIN [ENV=VALUE...]: run it with a time limit; output in $tmp/out, $tmp/err, status in $rc.
run() {
    bin=$1
    shift
    if [ ! -x "$bin" ]; then
        echo "races.sh: $bin is not built" >"$tmp/err"
        : >"$tmp/out"
        rc=127
        return
    fi
    env "$@" timeout "$LIMIT" "$bin" >"$tmp/out" 2>"$tmp/err"
    rc=$?
}

# The data symbols of program $1 that share TSan's 8-byte shadow cells with
# the stage cues (stage_scene, stage_ready: litmus/races/stage.h), one per
# line; none when stage.h keeps the cues on cache lines of their own.
shares_cue_cells() {
    nm -t d -S --defined-only "$1" 2>/dev/null | awk '
        NF == 4 && $3 ~ /^[bBdD]$/ { a[$4] = $1 + 0; z[$4] = $2 + 0 }
        # clang may split the cue struct into its one used field (stage_scene.0)
        function cue(name) { return name ~ /^stage_(scene|ready)([.]|$)/ }
        END {
            for (c in a) {
                if (!cue(c)) continue
                lo = a[c] - a[c] % 8; hi = a[c] + z[c]; hi += (8 - hi % 8) % 8
                for (v in a)
                    if (!cue(v) && z[v] > 0 && a[v] < hi && a[v] + z[v] > lo)
                        print v " (with " c ")"
            }
        }'
}

# check SRC TOOL EXPECTED: run one check; sets $want, $got and $ok.
check() {
    src=$1 tool=$2 expected=$3
    name=$(basename "$src" .c)
    ok=no
    case "$tool=$expected" in
    tsan=race)
        run "$build/tsan/$name" TSAN_OPTIONS="$TSAN_RUN"
        names_lines "$src" RACE "$tmp/err" "$build/tsan/$name"
        want="data race at $total RACE: $(plural "$total" line)"
        # A racy variable in the cues' shadow cell could lose its one record
        # to theirs: a verdict that depends on luck (stage.h).  Once per program.
        if [ ! -f "$tmp/cells.$name" ]; then
            shares_cue_cells "$build/tsan/$name" >"$tmp/cells.$name"
        fi
        if [ -s "$tmp/cells.$name" ]; then
            got="shares a shadow cell with a stage cue: $(head -n 1 "$tmp/cells.$name")"
        elif grep -q 'WARNING: ThreadSanitizer: data race' "$tmp/err"; then
            got="data race at $named"
            [ "$found" -eq "$total" ] && [ "$total" -gt 0 ] && ok=ok
            [ -n "$missing" ] && got="$got (not line$missing)"
        else
            tsan_other
        fi ;;
    tsan=clean)
        run "$build/tsan/$name" TSAN_OPTIONS="$TSAN_RUN"
        want="clean, exit 0"
        if grep -q 'WARNING: ThreadSanitizer' "$tmp/err"; then
            got=$(grep -m1 'WARNING: ThreadSanitizer' "$tmp/err" | sed 's/.*ThreadSanitizer: //; s/ (pid.*//')
        else
            tsan_other
            [ "$rc" -eq 0 ] && ok=ok
        fi ;;
    asan=use-after-free)
        run "$build/asan/$name" ASAN_OPTIONS="$ASAN_RUN"
        names_lines "$src" UAF "$tmp/err" "$build/asan/$name"
        want="use-after-free at $total UAF: $(plural "$total" line)"
        if grep -q 'ERROR: AddressSanitizer: heap-use-after-free' "$tmp/err"; then
            got="heap-use-after-free at $named"
            [ "$found" -eq "$total" ] && [ "$total" -gt 0 ] && ok=ok
            [ -n "$missing" ] && got="$got (not line$missing)"
        else
            asan_other
        fi ;;
    asan=clean)
        run "$build/asan/$name" ASAN_OPTIONS="$ASAN_RUN"
        want="clean, exit 0"
        asan_other
        [ "$got" = "clean, exit 0" ] && ok=ok ;;
    run=timeout)
        run "$build/plain/$name"
        want="still running at 1 s"
        plain_verdict
        [ "$rc" -eq "$WATCHDOG_EXIT" ] && ok=ok ;;
    run=ends)
        run "$build/plain/$name"
        want="ends, exit 0"
        plain_verdict
        [ "$rc" -eq 0 ] && ok=ok ;;
    run=skips-cleanup | run=runs-cleanup)
        run "$build/plain/$name"
        cleanup=no
        grep -q '^cleanup:' "$tmp/out" && grep -q '^owner:' "$tmp/out" && cleanup=yes
        if [ "$expected" = skips-cleanup ]; then
            want="fails, no cleanup"
        else
            want="fails after cleanup"
        fi
        plain_verdict
        if [ "$rc" -ne 0 ] && [ "$rc" -ne "$WATCHDOG_EXIT" ] && [ "$rc" -lt 124 ]; then
            if [ "$cleanup" = yes ]; then got="exit $rc after cleanup"; else got="exit $rc, no cleanup"; fi
            { [ "$expected" = skips-cleanup ] && [ "$cleanup" = no ]; } && ok=ok
            { [ "$expected" = runs-cleanup ] && [ "$cleanup" = yes ]; } && ok=ok
        fi ;;
    *)
        want="$tool=$expected"
        got="unknown expectation in $src"
        ;;
    esac
}

# What a TSan run said when it reported no data race.
tsan_other() {
    if grep -q 'WARNING: ThreadSanitizer' "$tmp/err"; then
        got=$(grep -m1 'WARNING: ThreadSanitizer' "$tmp/err" | sed 's/.*ThreadSanitizer: //; s/ (pid.*//')
    elif [ "$rc" -eq 0 ]; then
        got="clean, exit 0"
    else
        plain_verdict
        got="no report, $got"
    fi
}

# What an ASan run said: the first error's kind, or how it ended.
asan_other() {
    if grep -q 'ERROR: \(Address\|Leak\)Sanitizer' "$tmp/err"; then
        got=$(grep -m1 'ERROR: \(Address\|Leak\)Sanitizer' "$tmp/err" | sed 's/.*Sanitizer: //; s/ on address.*//; s/ (pid.*//')
    elif [ "$rc" -eq 0 ]; then
        got="clean, exit 0"
    else
        plain_verdict
    fi
}

# How a run ended, in words, from $rc.
plain_verdict() {
    case $rc in
    0) got="ends, exit 0" ;;
    "$WATCHDOG_EXIT") got="still running at 1 s" ;;
    124) got="hung: killed after ${LIMIT} s" ;;
    127) got="not built" ;;
    *) if [ "$rc" -gt 128 ]; then got="killed by signal $((rc - 128))"; else got="exit $rc"; fi ;;
    esac
}

# Table order: each racy demo (racy_* first, then the others that are not
# fixed_*), each followed by the fixed twins its header names; then the rest.
ordered=""
add() {
    case " $ordered " in *" $1 "*) ;; *) ordered="$ordered $1" ;; esac
}
add_with_twins() {
    add "$1"
    for twin in $(sed -n '1,/\*\//p' "$1" | grep -o 'fixed_[a-z0-9_]*\.c'); do
        case " $all " in *" $(dirname "$1")/$twin "*) add "$(dirname "$1")/$twin" ;; esac
    done
}
all=" $* "
for src in "$@"; do
    case $(basename "$src") in racy_*) add_with_twins "$src" ;; esac
done
for src in "$@"; do
    case $(basename "$src") in racy_* | fixed_*) ;; *) add_with_twins "$src" ;; esac
done
for src in "$@"; do
    add "$src"
done

# repeat_check SRC TOOL EXPECTED: check it $repeat times; $want and $ok as
# check sets them, $got from the first miss (or the last run), $misses
# counted; the first miss's output kept in $tmp/miss.out and miss.err.
repeat_check() {
    misses=0 n=0 first_got=""
    while [ "$n" -lt "$repeat" ]; do
        n=$((n + 1))
        check "$1" "$2" "$3"
        # Progress on stderr every 50 runs of a long repetition.
        [ "$repeat" -ge 100 ] && [ $((n % 50)) -eq 0 ] &&
            echo "   $(basename "$1" .c) $2: $n of $repeat runs, $((misses + $([ "$ok" = ok ] && echo 0 || echo 1))) missed" >&2
        if [ "$ok" != ok ]; then
            misses=$((misses + 1))
            if [ -z "$first_got" ]; then
                first_got=$got
                cp "$tmp/out" "$tmp/miss.out"
                cp "$tmp/err" "$tmp/miss.err"
            fi
        fi
    done
    if [ "$misses" -ne 0 ]; then
        ok=no
        got=$first_got
        [ "$repeat" -gt 1 ] && got="$misses of $repeat missed: $got"
        cp "$tmp/miss.out" "$tmp/out"
        cp "$tmp/miss.err" "$tmp/err"
    elif [ "$repeat" -gt 1 ]; then
        got="$got ($repeat/$repeat)"
    fi
}

rows=0 bad=0 runs=0 missed=0
started=$(date +%s)
[ "$burn" -gt 0 ] && echo "== $burn CPU-burning processes run beside every check"
[ "$repeat" -gt 1 ] && echo "== every check runs $repeat times; a row is ok only when all of them gave the expected verdict"
printf '%-32s %-4s  %-30s %-30s %s\n' demo tool expected "what the tool said" ok
for src in $ordered; do
    expect=$(sed -n 's/^ \* expect: //p' "$src" | head -n 1)
    [ -n "$expect" ] || continue
    for pair in $expect; do
        [ -z "$only" ] || [ "$pair" = "$only" ] || continue
        tool=${pair%%=*}
        repeat_check "$src" "$tool" "${pair#*=}"
        [ "$tool" = run ] && tool="-O2"
        rows=$((rows + 1))
        runs=$((runs + repeat))
        missed=$((missed + misses))
        printf '%-32s %-4s  %-30s %-30s %s\n' "$(basename "$src" .c)" "$tool" "$want" "$got" "$ok"
        if [ "$ok" != ok ]; then
            bad=$((bad + 1))
            echo "---- $src, $tool: stdout, then stderr (last 40 lines) ----"
            tail -n 40 "$tmp/out"
            tail -n 40 "$tmp/err"
            echo "----"
        fi
    done
done
[ "$repeat" -gt 1 ] && echo "== $runs runs in $(($(date +%s) - started)) s, $missed missed"
if [ "$bad" -ne 0 ]; then
    echo "== races: $bad of $rows checks did not give the expected verdict"
    exit 1
fi
[ "$rows" -gt 0 ] || { echo "== races: no check matched${only:+ --only $only}"; exit 1; }
echo "== races: all $rows checks gave the expected verdict"
