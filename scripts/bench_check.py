#!/usr/bin/python3
"""bench_check.py: the `make test` checks of the benchmarks, which judge no speed: a smoke run's JSON is sane, and the thread counts follow the CPUs.

  bench_check.py smoke build/bench/smoke.json --bin build/bin/lockbench
  bench_check.py counts --bin build/bin/lockbench
  bench_check.py go-missing build/bench/smoke.json
  bench_check.py targets
  bench_check.py go-parse

smoke: fails when a benchmark is missing (--bin lists what must be
present), reported an error, ran no iterations, or produced a counter that
is not a finite number (or, for fractions such as the Jain index, outside
its range).

counts: lists the benchmarks under `taskset -c 0` (one CPU, n = 1) and
checks that the throughput runs use 1, 2 and 4 threads and the fairness runs
1 and 4: the counts come from the CPUs the process may use (1, 2, n, 2n, 4n
and n, 4n), not from the machine.

go-missing: writes the report from the smoke JSON twice, once with a Go
result and once as on a machine without Go, and checks that the "Go beside
C" section says Go is missing and that the rest of the report is the same.

targets: feeds bench_report.py's targets table made-up results and checks
the verdicts (ratios and absolute bounds, both directions) and that a miss
is shown with nothing but what the run measured: a miss by 10 % on an idle
run gets no words at all beside it, a loaded run gets its load average and
preemption counts, never a reason written in advance.

go-parse: bench_go.py's reading of `go test -bench` lines (the -GOMAXPROCS
suffix Go adds to names unless GOMAXPROCS is 1, custom metrics, medians).
"""
import argparse
import json
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
FRACTIONS = ("jain", "jain_window")


def smoke(path, binary):
    try:
        with open(path) as f:
            data = json.load(f)
    except (OSError, ValueError) as e:
        print(f"bench check: cannot read {path}: {e}")
        return 1
    # Aggregates (with --benchmark_repetitions) are checked through their runs.
    runs = [r for r in data.get("benchmarks", []) if r.get("run_type", "iteration") == "iteration"]
    problems = []
    names = {r["name"] for r in runs}
    if binary:
        listed = subprocess.run([binary, "--benchmark_list_tests"], capture_output=True, text=True, check=True)
        for want in listed.stdout.split():
            if want not in names:
                problems.append(f"{want}: missing from the results")
    if not runs:
        problems.append("no benchmark results at all")
    for key in ("memlab_cpus", "memlab_cpu_model", "memlab_affinity"):
        if key not in data.get("context", {}):
            problems.append(f"context: {key} missing (bench_record_machine)")
    for r in runs:
        n = r["name"]
        if r.get("error_occurred"):
            problems.append(f"{n}: error: {r.get('error_message')}")
            continue
        if r.get("iterations", 0) <= 0:
            problems.append(f"{n}: ran no iterations")
        for key in ("real_time", "cpu_time"):
            v = r.get(key)
            if not isinstance(v, (int, float)) or not math.isfinite(v) or v < 0:
                problems.append(f"{n}: {key} = {v!r}")
        for key, v in r.items():
            if key in ("real_time", "cpu_time", "iterations", "threads", "repetitions", "repetition_index",
                       "family_index", "per_family_instance_index"):
                continue
            if isinstance(v, (int, float)) and not isinstance(v, bool):
                if not math.isfinite(v) or v < 0:
                    problems.append(f"{n}: counter {key} = {v}")
                elif key in FRACTIONS and not 0 < v <= 1.000001:
                    problems.append(f"{n}: {key} = {v}, outside (0, 1]")
        scenario = n.split("/")[0]
        if scenario in ("threads", "cs", "rwlock", "config_par") and not r.get("ops_per_s", 0) > 0:
            problems.append(f"{n}: no operations completed")
        if scenario == "fairness" and r.get("acq_per_s", 0) > 0:  # (stress_run's watchdog catches hangs)
            shares = sum(v for k, v in r.items() if k.startswith("share_t"))
            if abs(shares - 100) > 0.5:
                problems.append(f"{n}: per-thread shares add up to {shares:.2f} %, not 100 %")
            # A change of owner needs an acquisition: at most one per acquisition.
            if r.get("handoffs_per_acq", 0) > 1.000001:
                problems.append(f"{n}: handoffs_per_acq = {r['handoffs_per_acq']}, more than one per acquisition")
        if scenario in ("config", "config_par") and not r.get("writes_per_s", 0) > 0:
            problems.append(f"{n}: the writer published nothing")
        if scenario == "channels" and not r.get("items_per_s", 0) > 0:
            problems.append(f"{n}: no items went through the channel")
    if problems:
        print(f"bench check: {len(problems)} problem(s) in {path}:")
        for p in problems:
            print("  " + p)
        return 1
    print(f"bench check: {len(runs)} benchmarks ran and produced sane JSON ({path})")
    return 0


def counts(binary):
    if not shutil.which("taskset"):
        print("bench check: taskset not found (util-linux)")
        return 1
    p = subprocess.run(["taskset", "-c", "0", binary, "--benchmark_list_tests"], capture_output=True, text=True)
    if p.returncode != 0:
        print(f"bench check: taskset -c 0 {binary} --benchmark_list_tests exited {p.returncode}: {p.stderr}")
        return 1
    seen = {}
    for name in p.stdout.split():
        scenario = name.split("/")[0]
        m = re.search(r"threads:(\d+)", name)
        if m:
            seen.setdefault(scenario, set()).add(int(m.group(1)))
    want = {"threads": {1, 2, 4}, "fairness": {1, 4}, "cs": {2}, "rwlock": {2}, "config_par": {1}}
    bad = [f"{s}: thread counts {sorted(seen.get(s, ()))}, want {sorted(w)}" for s, w in want.items()
           if seen.get(s) != w]
    if bad:
        print("bench check: under taskset -c 0 (n = 1) the thread counts do not follow n:")
        for b in bad:
            print("  " + b)
        return 1
    print("bench check: under taskset -c 0 the thread counts are " +
          "; ".join(f"{s} {sorted(w)}" for s, w in want.items()))
    return 0


def strip_go(md):
    """The report without its Go section and without what changes between two writes of the same JSON
    (the load average read when the report is written)."""
    md = re.sub(r"\n## Go beside C\n.*?(?=\n## )", "\n", md, flags=re.S)
    return "\n".join(l for l in md.splitlines() if "load average" not in l)


def go_missing(json_path):
    outs = []
    with tempfile.TemporaryDirectory(prefix="memlab-gomissing-") as tmp:
        for case, go in (("with", {"available": True, "go_version": "go version go0.0 (check)", "gomaxprocs": 1,
                                    "cpus": 1, "count": 1, "benchtime": "1x", "benchmarks": {}}),
                         ("without", {"available": False, "reason": "Go is not installed (check)"})):
            out = os.path.join(tmp, case)
            os.makedirs(out)
            with open(os.path.join(out, "go.json"), "w") as f:
                json.dump(go, f)
            p = subprocess.run([sys.executable, os.path.join(HERE, "bench_report.py"), "--json", json_path,
                                "--out", out, "--no-plots"], capture_output=True, text=True)
            if p.returncode != 0:
                print(f"bench check: the report {case} Go failed ({p.returncode}):\n{p.stdout}{p.stderr}")
                return 1
            with open(os.path.join(out, "report.md")) as f:
                outs.append(f.read())
    with_go, without = outs
    problems = []
    if "## Go beside C" not in without or "Go is not installed (check)" not in without:
        problems.append("without Go, the report has no 'Go beside C' section saying Go is missing")
    if strip_go(with_go) != strip_go(without):
        a, b = strip_go(with_go).splitlines(), strip_go(without).splitlines()
        diff = [f"  with: {x}\n  without: {y}" for x, y in zip(a, b) if x != y][:3]
        problems.append("outside the Go section the reports differ:\n" + "\n".join(diff))
    if problems:
        print("bench check: " + "\n".join(problems))
        return 1
    print("bench check: without Go the report says so in its Go section and is otherwise unchanged")
    return 0


def fake_run(path, load, preempted):
    """A results JSON with just the benchmarks the checked targets read."""
    def row(name, real_ns, cpu_ns=None, **counters):
        r = {"name": name, "run_name": name, "run_type": "iteration", "iterations": 1, "real_time": real_ns,
             "cpu_time": real_ns if cpu_ns is None else cpu_ns, "time_unit": "ns", "threads": 1}
        r.update(counters)
        return r
    benches = [
        row("uncontended/pthread_mutex/side:write", 10.0),
        row("uncontended/mutex_barging/side:write", 11.0),   # 1.10x: misses <= 1.0x by 10 %
        row("uncontended/mutex_hybrid/side:write", 9.0),     # 0.90x: meets it
        row("threads/mutex_barging/cs_ns:0/iterations:1/manual_time/threads:2", 1e8, ops_per_s=2e7,
            preempted=preempted),
        row("threads/pthread_mutex/cs_ns:0/iterations:1/manual_time/threads:2", 1e8, ops_per_s=1e7, preempted=1),
        row("fairness/mutex_hybrid/threads:8/iterations:1/manual_time", 1e9, wait_p999_ns=4e6, preempted=1),
        row("fairness/mutex_barging/threads:8/iterations:1/manual_time", 1e9, wait_p999_ns=4e6, preempted=preempted),
        row("fairness/ticket/threads:8/iterations:1/manual_time", 1e9, preempted=1),
        row("fairness/mcs/threads:8/iterations:1/manual_time", 1e9, preempted=1),
    ]
    with open(path, "w") as f:
        json.dump({"context": {"load_avg": [load, load, load], "memlab_cpus": "2", "memlab_affinity": "0-1"},
                   "benchmarks": benches}, f)


def targets():
    sys.path.insert(0, HERE)
    import bench_report as br
    problems = []
    with tempfile.TemporaryDirectory(prefix="memlab-targets-") as tmp:
        verdicts = {}
        for case, load, pre in (("idle", 0.05, 0), ("loaded", 3.0, 500)):
            path = os.path.join(tmp, case + ".json")
            fake_run(path, load, pre)
            ctx = br.Context(br.Results(path), tmp)
            for t in br.target_table(ctx):
                if not t.name or not t.expression() or t.op not in ("<=", ">=") or t.bound is None:
                    problems.append(f"a target is not complete data: {t.name!r} {t.expression()!r}")
                value, shown = t.measure(ctx)
                v = t.verdict(value)
                verdicts[(case, t.expression())] = (v, shown, br.measured_beside(ctx, t) if v == "missed" else "")
    def expect(case, expr, verdict, beside):
        got = verdicts.get((case, expr))
        if got is None:
            problems.append(f"{case}: no target measures {expr}")
        elif got[0] != verdict or not beside(got[2]):
            problems.append(f"{case}: {expr}: {got[0]}, measured {got[1]}, beside {got[2]!r}; want {verdict}")
    barg = "uncontended/mutex_barging/side:write cpu_ns / uncontended/pthread_mutex/side:write cpu_ns"
    hyb = "uncontended/mutex_hybrid/side:write cpu_ns / uncontended/pthread_mutex/side:write cpu_ns"
    expect("idle", barg, "missed", lambda b: b == "")
    expect("loaded", barg, "missed", lambda b: "load average 3.00" in b)
    expect("idle", hyb, "met", lambda b: b == "")
    thr = "threads/mutex_barging/threads:2 ops_per_s / threads/pthread_mutex/threads:2 ops_per_s"
    expect("idle", thr, "met", lambda b: b == "")
    expect("idle", "fairness/mutex_hybrid/threads:8 wait_p999_ns", "met", lambda b: b == "")
    # A miss shows its own "beside" measures; preemptions only when this run's count stood out.
    p999 = "fairness/mutex_barging/threads:8 wait_p999_ns"
    expect("idle", p999, "missed", lambda b: "wait_max_ns" in b and "preempted" not in b and "load" not in b)
    expect("loaded", p999, "missed", lambda b: "preempted 500 times" in b and "load average 3.00" in b)
    expect("idle", "httpd.json median_ratio", "not measured", lambda b: b == "")
    if problems:
        print("bench check: the targets table:\n  " + "\n  ".join(problems))
        return 1
    print("bench check: targets table: verdicts right for ratios and absolute bounds; misses carry only "
          "measured facts")
    return 0


def go_parse():
    """bench_go.py's reading of `go test -bench` lines: Go adds -GOMAXPROCS to a name unless it is 1."""
    sys.path.insert(0, HERE)
    import bench_go
    two = ("BenchmarkMutexContended/goroutines=8-2   \t 100\t  42.5 ns/op\t  0 B/op\t  0 allocs/op\n"
           "BenchmarkChannel/cap=16-2 \t 1000\t 300 ns/op\t 1184 e2e_p50_ns\t 16 B/op\t 1 allocs/op\n"
           "BenchmarkMutexContended/goroutines=8-2   \t 100\t  44.5 ns/op\t  0 B/op\t  0 allocs/op\n"
           "PASS\n")
    one = "BenchmarkMutexContended/goroutines=4 \t 100\t 40 ns/op\nBenchmarkChannel/cap=1 \t 10\t 5 ns/op\n"
    got2, got1 = bench_go.parse(two, 2), bench_go.parse(one, 1)
    med = bench_go.medians(got2["MutexContended/goroutines=8"])
    problems = []
    if sorted(got2) != ["Channel/cap=16", "MutexContended/goroutines=8"]:
        problems.append(f"GOMAXPROCS=2 names: {sorted(got2)}")
    if sorted(got1) != ["Channel/cap=1", "MutexContended/goroutines=4"]:
        problems.append(f"GOMAXPROCS=1 names: {sorted(got1)}")
    if med.get("ns_per_op") != 43.5 or got2["Channel/cap=16"][0].get("e2e_p50_ns") != 1184:
        problems.append(f"values: {med}, {got2.get('Channel/cap=16')}")
    if problems:
        print("bench check: bench_go.py misreads go test -bench output: " + "; ".join(problems))
        return 1
    print("bench check: bench_go.py reads go test -bench lines (names, -GOMAXPROCS suffix, metrics, medians)")
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="what", required=True)
    s = sub.add_parser("smoke", help="check a smoke run's JSON")
    s.add_argument("json")
    s.add_argument("--bin", help="the lockbench binary, to list what must be present")
    c = sub.add_parser("counts", help="thread counts under taskset -c 0")
    c.add_argument("--bin", required=True)
    g = sub.add_parser("go-missing", help="the report on a machine without Go")
    g.add_argument("json")
    sub.add_parser("targets", help="the targets table's verdicts and what a miss shows")
    sub.add_parser("go-parse", help="bench_go.py's reading of go test -bench output")
    args = ap.parse_args()
    if args.what == "targets":
        return targets()
    if args.what == "go-parse":
        return go_parse()
    if args.what == "smoke":
        return smoke(args.json, args.bin)
    if args.what == "counts":
        return counts(args.bin)
    return go_missing(args.json)


if __name__ == "__main__":
    sys.exit(main())
