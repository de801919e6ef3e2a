#!/usr/bin/python3
"""litmus_agree.py: check memlab's model verdicts against herd7's recorded ones.

    litmus_agree.py [--bin build/bin/litmus] --model NAME --ref REF.tsv [--sample N]
                    [--min-agree PCT] [--strict] [--show K] [--json OUT] [--base DIR]

REF.tsv is a file litmus_herd_ref.py wrote (paths relative to the TSV's folder).
For each test herd7 handled, memlab is run with `--model-only --json --model NAME`
and its allowed final states and Observation are compared with herd7's:

  agree      same set of allowed states (hence the same Observation)
  unsound    memlab forbids a state herd7 allows (the one error a teaching tool
             must never make: it would call a buggy program correct)
  stricter-not-unsound: none; looser: memlab allows a state herd7 forbids
  refused / too large / n/a: memlab did not give a verdict (counted, not failures)

Exit 1 when any test is unsound, when agreement among the tests memlab decided is
below --min-agree (default 99), or with --strict when any decided test disagrees.
--sample N checks every (len/N)-th test, for a fast run inside make test.
"""
import argparse
import json
import os
import subprocess
import sys


def mem_states(doc, model):
    out = set()
    for s in doc.get("states", []):
        if s.get(model):
            vals = s.get("values", {})
            out.add(";".join(f"{k.strip('[]')}={v}" for k, v in sorted(vals.items())))
    return out


def observation(doc, model):
    pos = neg = 0
    for s in doc.get("states", []):
        if s.get(model):
            if s.get("witness"):
                pos += 1
            else:
                neg += 1
    return "Never" if pos == 0 else "Always" if neg == 0 else "Sometimes"


def run_memlab(binary, model, path, timeout):
    try:
        p = subprocess.run([binary, "--model-only", "--json", "--model", model, path], capture_output=True,
                           text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return "timeout", None, "took over %d s" % timeout
    try:
        doc = json.loads(p.stdout)["tests"][0]
    except (ValueError, KeyError, IndexError):
        msg = (p.stderr.strip().splitlines() or ["no output"])[0]
        return "refused", None, msg
    m = doc.get("model", {})
    if m.get("too_large"):
        return "too large", None, ""
    if model in m.get("not_applicable", {}):
        return "n/a", None, str(m["not_applicable"][model])
    if "refused" in doc or "error" in doc:
        return "refused", None, str(doc.get("refused") or doc.get("error"))
    return "ok", m, ""


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bin", default="build/bin/litmus")
    ap.add_argument("--model", required=True)
    ap.add_argument("--ref", required=True)
    ap.add_argument("--sample", type=int, default=0)
    ap.add_argument("--min-agree", type=float, default=99.0)
    ap.add_argument("--strict", action="store_true")
    ap.add_argument("--show", type=int, default=10)
    ap.add_argument("--timeout", type=int, default=30)
    ap.add_argument("--json")
    ap.add_argument("--base", help="folder the TSV's paths are relative to (default: the TSV's own)")
    args = ap.parse_args()
    base = args.base or os.path.dirname(args.ref)
    rows = []
    with open(args.ref) as f:
        for line in f:
            path, status, obs, flags, states = (line.rstrip("\n").split("\t") + [""] * 5)[:5]
            if status == "ok":
                rows.append((path, obs, flags, set(s for s in states.split(" | ") if s)))
    if args.sample and len(rows) > args.sample:
        step = len(rows) / args.sample
        rows = [rows[int(i * step)] for i in range(args.sample)]
    counts = {}
    bad = []
    results = []
    for path, hobs, hflags, hstates in rows:
        status, m, msg = run_memlab(args.bin, args.model, os.path.join(base, path), args.timeout)
        kind = status
        detail = msg
        if status == "ok":
            mstates = mem_states(m, args.model)
            mobs = observation(m, args.model)
            if mstates == hstates and mobs == hobs:
                kind = "agree"
            elif hstates - mstates:
                kind = "unsound"
                detail = "herd7 allows, memlab forbids: " + " | ".join(sorted(hstates - mstates)[:3])
            else:
                kind = "looser"
                detail = "memlab allows, herd7 forbids: " + " | ".join(sorted(mstates - hstates)[:3])
            if kind != "agree" and mobs != hobs:
                detail += f" (Observation herd7 {hobs}, memlab {mobs})"
        counts[kind] = counts.get(kind, 0) + 1
        results.append({"test": path, "result": kind, "detail": detail})
        if kind in ("unsound", "looser"):
            bad.append((kind, path, detail))
    decided = counts.get("agree", 0) + counts.get("unsound", 0) + counts.get("looser", 0)
    pct = 100.0 * counts.get("agree", 0) / decided if decided else 100.0
    summary = ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
    print(f"{args.ref} ({args.model}): {len(rows)} tests: {summary}; agreement {pct:.2f}% of {decided} decided")
    for kind, path, detail in bad[:args.show]:
        print(f"  {kind}: {path}: {detail}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"ref": args.ref, "model": args.model, "counts": counts, "agree_pct": pct,
                       "results": results}, f, indent=1)
    fail = counts.get("unsound", 0) > 0 or pct < args.min_agree or (args.strict and bad)
    sys.exit(1 if fail else 0)


if __name__ == "__main__":
    main()
