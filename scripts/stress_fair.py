#!/usr/bin/python3
"""stress_fair.py: the FIFO locks are fair run after run: repeated lockstress runs, Jain index of each.

`make stress-fair` runs it.  For every (lock, thread count) below it runs
`lockstress --json` RUNS times and requires the Jain index of the per-thread
acquisitions (measured while every thread runs; locks/stress.h) to be at
least --min-jain in every run.  n is the number of CPUs this process may use
(its affinity mask):
  mutex_handoff at n and at 4n threads: a sleeping FIFO lock stays fair when
      oversubscribed (a waiter sleeps until it is handed the lock);
  ticket and mcs at n threads only: oversubscribed, a spinning FIFO lock
      waits for its preempted head, which bench/fairness shows, so the
      assertion would be about the scheduler, not the lock.
Prints one table row per (lock, threads): runs, min/median/max Jain, the
lowest 10 ms windowed Jain, and how many runs fell below.  Exit 1 if any did,
2 on bad usage or a lockstress that fails.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys


def run_once(lockstress, lock, threads, seconds):
    cmd = [lockstress, "--lock", lock, "--threads", str(threads), "--seconds", str(seconds), "--json"]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds * 10 + 60)
    if p.returncode != 0:
        sys.exit(f"stress_fair: {' '.join(cmd)} exited {p.returncode}:\n{p.stdout}{p.stderr}")
    return json.loads(p.stdout.strip().splitlines()[-1])


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
          f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}; want Jain >= {a.min_jain} in every run")
    print(f"{'lock':<14} {'threads':>7} {'runs':>5} {'min':>7} {'median':>7} {'max':>7} "
          f"{'min10ms':>7} {'handoff%':>8} {'below':>6}")
    failed = 0
    for lock, threads in cases:
        rows = [run_once(a.lockstress, lock, threads, a.seconds) for _ in range(a.runs)]
        jains = [r["jain"] for r in rows]
        windowed = [r["jain_window"] for r in rows]
        handoff = [100.0 * r["handoffs"] / r["writes"] for r in rows if r["writes"]]
        below = [j for j in jains if j < a.min_jain]
        failed += len(below)
        print(f"{lock:<14} {threads:>7} {len(rows):>5} {min(jains):>7.4f} {statistics.median(jains):>7.4f} "
              f"{max(jains):>7.4f} {min(windowed):>7.4f} {statistics.median(handoff) if handoff else 0:>8.1f} "
              f"{len(below):>6}", flush=True)
        for r in rows:
            if r["jain"] < a.min_jain:
                print(f"  below: jain {r['jain']:.4f}, per thread {r['per_thread']}")
    print(f"stress_fair: {'FAIL' if failed else 'ok'}: {failed} runs below {a.min_jain}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
