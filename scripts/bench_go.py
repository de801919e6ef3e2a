#!/usr/bin/python3
"""bench_go.py: build and run the Go benchmarks of bench/go/ (offline, Debian's Go and x/sync) and write their medians as JSON.

  bench_go.py --out build/bench/go.json [--mode default|long|smoke] [--build build/go] [--go PATH]

The Go side of the report's "Go beside C" section (scripts/report_go.py).
Go's timings come from Go's own `testing` benchmarks: the test binary runs
with -test.bench, -test.benchmem, -test.count (repetitions) and -test.cpu=n,
where n is the number of CPUs this process may use (its affinity mask, the
same n lockbench derives its thread counts from); this script reads the
-bench lines and keeps the median of each benchmark's repetitions.

The build never touches the network: GOPROXY=off, GOFLAGS=-mod=mod, and
bench/go/go.mod points golang.org/x/sync at Debian's copy under
/usr/share/gocode.  The build cache lives under --build.  The same build
makes hello, the net/http server scripts/bench_httpd.py measures.

Without Go (no `go` on PATH, or no x/sync source) the JSON says
{"available": false, "reason": ...} and the exit status is 0, so `make
bench` still writes the rest of the report.  A benchmark that fails, or a
Go build that fails on a machine that has Go, exits 1.

--mode smoke runs every benchmark once (-test.benchtime=1x) and checks that
each one reported a finite time: the `make test` smoke run; it judges no
number.
"""
import argparse
import json
import math
import os
import re
import shutil
import statistics
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
GO_DIR = os.path.join(ROOT, "bench", "go")
XSYNC = "/usr/share/gocode/src/golang.org/x/sync"
MODES = {  # -test.count, -test.benchtime
    "smoke": (1, "1x"),
    "default": (3, "200ms"),
    "long": (5, "1s"),
}
# Every benchmark family the report pairs with C (bench_test.go).
FAMILIES = ("MutexUncontended", "MutexContended", "RWMutexReadMostly", "ConfigRead", "ErrgroupRound",
            "Channel")


def cpus():
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def affinity():
    try:
        return ",".join(str(c) for c in sorted(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return "unknown"


def write(path, data):
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, "w") as f:
        json.dump(data, f, indent=1)


def go_env(build):
    env = dict(os.environ)
    env.update(GOFLAGS="-mod=mod", GOPROXY="off", GO111MODULE="on", GOTOOLCHAIN="local",
               GOCACHE=os.path.join(build, "cache"), GOPATH=os.path.join(build, "gopath"))
    env.pop("GOROOT", None)
    return env


LINE = re.compile(r"^Benchmark(\S+)\s+(\d+)\s+(.*)$")


def parse(text, procs):
    """-bench lines -> {name: [ {unit: value}, ... one per repetition ]}.  Go appends -GOMAXPROCS to a
    name when GOMAXPROCS is not 1; that suffix is dropped."""
    out = {}
    for line in text.splitlines():
        m = LINE.match(line.strip())
        if not m:
            continue
        name, iters, rest = m.group(1), int(m.group(2)), m.group(3).split()
        suffix = f"-{procs}"
        if procs != 1 and name.endswith(suffix):
            name = name[: -len(suffix)]
        vals = {"iterations": iters}
        for v, unit in zip(rest[0::2], rest[1::2]):
            try:
                vals[unit.replace("/", "_per_")] = float(v)
            except ValueError:
                pass
        out.setdefault(name, []).append(vals)
    return out


def medians(runs):
    keys = sorted({k for r in runs for k in r})
    return {k: statistics.median(r[k] for r in runs if k in r) for k in keys}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", help="the JSON to write (build/bench/go.json)")
    ap.add_argument("--mode", default="default", choices=sorted(MODES))
    ap.add_argument("--build", default=os.path.join(ROOT, "build", "go"), help="binaries and Go's build cache")
    ap.add_argument("--build-only", action="store_true",
                    help="only build (the test binary and hello, for scripts/bench_httpd.py); no JSON")
    ap.add_argument("--go", default=shutil.which("go") or "/usr/lib/go/bin/go",
                    help="the go command (a path that does not exist: behave as on a machine without Go)")
    args = ap.parse_args()
    if not args.out and not args.build_only:
        ap.error("give --out (or --build-only)")
    args.build = os.path.abspath(args.build)  # Go wants absolute GOPATH and GOCACHE
    if args.build_only:
        args.out = os.path.join(args.build, "build-only.json")
    n = cpus()
    base = {"cpus": n, "gomaxprocs": n, "affinity": affinity(), "mode": args.mode}
    if not os.path.exists(args.go):
        why = f"Go is not installed ({args.go} not found; scripts/deps.sh bench installs golang-go)"
        write(args.out, dict(base, available=False, reason=why))
        print(f"bench_go: {why}; the report says so and leaves the Go column out")
        return 0
    if not os.path.isdir(os.path.join(XSYNC, "errgroup")):
        why = f"x/sync is not installed ({XSYNC}; scripts/deps.sh bench installs golang-golang-x-sync-dev)"
        write(args.out, dict(base, available=False, reason=why))
        print(f"bench_go: {why}")
        return 0
    env = go_env(args.build)
    version = subprocess.run([args.go, "version"], capture_output=True, text=True, env=env).stdout.strip()
    os.makedirs(args.build, exist_ok=True)
    test_bin = os.path.join(args.build, "gobench.test")
    hello = os.path.join(args.build, "hello")
    for cmd in ([args.go, "test", "-c", "-o", test_bin, "."], [args.go, "build", "-o", hello, "./hello"]):
        p = subprocess.run(cmd, cwd=GO_DIR, capture_output=True, text=True, env=env)
        if p.returncode != 0:
            print(f"bench_go: {' '.join(cmd)} failed in bench/go:\n{p.stdout}{p.stderr}", file=sys.stderr)
            write(args.out, dict(base, available=False, reason=f"the Go build failed: {p.stderr.strip()[-300:]}"))
            return 1
    if args.build_only:
        print(f"bench_go: built {test_bin} and {hello} ({version})")
        return 0
    count, benchtime = MODES[args.mode]
    cmd = [test_bin, "-test.run=^$", "-test.bench=.", "-test.benchmem", f"-test.count={count}",
           f"-test.benchtime={benchtime}", f"-test.cpu={n}"]
    print(f"== Go benchmarks: {version}, GOMAXPROCS={n}, -test.count={count} -test.benchtime={benchtime}",
          flush=True)
    p = subprocess.run(cmd, capture_output=True, text=True, cwd=GO_DIR, env=env)
    text = p.stdout + p.stderr
    raw = os.path.splitext(args.out)[0] + ".txt"
    os.makedirs(os.path.dirname(os.path.abspath(raw)), exist_ok=True)
    with open(raw, "w") as f:
        f.write(text)
    runs = parse(text, n)
    if args.mode != "smoke":
        for line in text.splitlines():
            if line.startswith("Benchmark"):
                print("  " + line)
    problems = []
    if p.returncode != 0:
        problems.append(f"the test binary exited {p.returncode} (output in {raw})")
    for fam in FAMILIES:
        if not any(k.split("/")[0] == fam for k in runs):
            problems.append(f"Benchmark{fam}: missing from the output")
    for name, rs in runs.items():
        for r in rs:
            v = r.get("ns_per_op")
            if v is None or not math.isfinite(v) or v <= 0:
                problems.append(f"Benchmark{name}: ns/op = {v!r}")
    write(args.out, dict(base, available=not problems, go_version=version, count=count, benchtime=benchtime,
                         command=cmd, hello=hello, problems=problems,
                         benchmarks={k: {"runs": v, "median": medians(v)} for k, v in runs.items()}))
    if problems:
        print(f"bench_go: {len(problems)} problem(s):", file=sys.stderr)
        for pr in problems:
            print("  " + pr, file=sys.stderr)
        print(text[-2000:], file=sys.stderr)
        return 1
    print(f"bench_go: {len(runs)} Go benchmarks, {count} repetition(s) each -> {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
