#!/usr/bin/python3
"""stress_fair.py: the FIFO locks are fair run after run: repeated lockstress runs, Jain index of each.

`make stress-fair` runs it.  For every (lock, thread count) below it runs
`lockstress --json` RUNS times, n being the CPUs this process may use:
  mutex_handoff at n and at 4n threads: a sleeping FIFO lock stays fair when
      oversubscribed (a waiter sleeps until it is handed the lock);
  ticket and mcs at n threads only: oversubscribed, a spinning FIFO lock
      waits for its preempted head, which bench/fairness shows.
Two Jain indexes per run, both over the interval in which every thread runs
(locks/stress.h):
  all        over each thread's acquisitions, the issue's figure;
  contended  over each thread's acquisitions minus its repeats (acquisitions
             right after its own, with no other thread waiting: stress.h).
             These are the acquisitions in which the lock chose between
             threads that asked, so this is the lock's fairness.
A run passes when "all" is >= --min-jain.  When it falls below, the run is
printed with the top thread's repeats, and it is explained when "contended"
still holds: the extra acquisitions of the top thread were repeats, the
other threads were not asking (waiting for a CPU, not for the lock;
notes/sync.md, "When a FIFO lock looks unfair").  A run where both fall below
is the lock's failure.  Exit 1 if any run failed so, 2 on bad usage or a
lockstress that fails.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys


def jain(xs):
    total, squares = sum(xs), sum(x * x for x in xs)
    return 1.0 if squares == 0 else total * total / (len(xs) * squares)


def run_once(lockstress, lock, threads, seconds):
    cmd = [lockstress, "--lock", lock, "--threads", str(threads), "--seconds", str(seconds), "--json"]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds * 10 + 60)
    if p.returncode != 0:
        sys.exit(f"stress_fair: {' '.join(cmd)} exited {p.returncode}:\n{p.stdout}{p.stderr}")
    return json.loads(p.stdout.strip().splitlines()[-1])


def cause(r):
    """What the same run measured: of the top thread's acquisitions, how many followed its own
    with nobody in between (locks/stress.h, repeats).  For a FIFO lock each one means no other
    thread was waiting when it released: the others were not asking, so their smaller share is
    not the lock's doing.  Its excess over the median thread, set against its repeats, says how
    much of the unfairness that explains."""
    per, rep = r["per_thread"], r.get("repeats", [])
    if len(rep) != len(per):
        return "repeats not reported by this lockstress"
    top = max(range(len(per)), key=lambda i: per[i])
    excess = per[top] - statistics.median(per)
    return (f"thread {top}: {per[top]} acquisitions, {rep[top]} of them right after its own with no "
            f"other thread waiting; its excess over the median thread is {excess:.0f}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lockstress", default="build/bin/lockstress")
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--seconds", type=float, default=1.0)
    ap.add_argument("--min-jain", type=float, default=0.95)
    a = ap.parse_args()
    if a.runs < 1 or a.seconds <= 0 or not 0 < a.min_jain <= 1:
        ap.error("--runs >= 1, --seconds > 0 and 0 < --min-jain <= 1")
    if not os.access(a.lockstress, os.X_OK):
        sys.exit(f"stress_fair: {a.lockstress} is not an executable (make it first)")
    n = len(os.sched_getaffinity(0))
    cases = [("mutex_handoff", n), ("mutex_handoff", 4 * n), ("ticket", n), ("mcs", n)]
    load = os.getloadavg()
    print(f"stress_fair: {a.runs} runs of {a.seconds:g} s each, n = {n} CPUs, "
          f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}; want Jain >= {a.min_jain} "
          "in every run, or the shortfall explained by repeats (contended Jain >= it)")
    print(f"{'lock':<14} {'threads':>7} {'runs':>5} {'Jain min':>8} {'median':>7} {'below':>6} "
          f"{'explained':>9} {'failed':>6} {'handoff%':>8}")
    failed = 0
    for lock, threads in cases:
        rows = [run_once(a.lockstress, lock, threads, a.seconds) for _ in range(a.runs)]
        alls = [r["jain"] for r in rows]
        cont = [jain([p - q for p, q in zip(r["per_thread"], r["repeats"])]) for r in rows]
        handoff = [100.0 * r["handoffs"] / r["writes"] for r in rows if r["writes"]]
        below = [(r, j, c) for r, j, c in zip(rows, alls, cont) if j < a.min_jain]
        bad = [x for x in below if x[2] < a.min_jain]
        failed += len(bad)
        print(f"{lock:<14} {threads:>7} {len(rows):>5} {min(alls):>8.4f} {statistics.median(alls):>7.4f} "
              f"{len(below):>6} {len(below) - len(bad):>9} {len(bad):>6} "
              f"{statistics.median(handoff) if handoff else 0:>8.1f}", flush=True)
        for r, j, c in below:
            print(f"  Jain {j:.4f}, contended {c:.4f}{'' if c >= a.min_jain else ' FAILED'}: "
                  f"per thread {r['per_thread']}")
            print("    " + cause(r))
    print(f"stress_fair: {'FAIL' if failed else 'ok'}: {failed} runs below {a.min_jain} not explained "
          "by repeats")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
