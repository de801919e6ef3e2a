#!/usr/bin/python3
"""litmus_agree.py: check memlab's model verdicts against herd7's recorded ones.

    litmus_agree.py [--bin build/bin/litmus] --model NAME --ref REF.tsv [--sample N]
                    [--min-agree PCT] [--strict] [--show K] [--json OUT] [--base DIR] [--known TSV]

REF.tsv is a file litmus_herd_ref.py wrote (paths relative to the TSV's folder).
For each test herd7 handled, memlab is run with `--model-only --json --model NAME`
and its allowed final states and Observation are compared with herd7's:

  agree      same set of allowed states (hence the same Observation)
  unsound    memlab forbids a state herd7 allows (the one error a teaching tool
             must never make: it would call a buggy program correct)
  stricter-not-unsound: none; looser: memlab allows a state herd7 forbids
  refused / too large / n/a: memlab did not give a verdict (counted, not failures)

Tests listed in --known (model, path, reason: a disagreement understood and owned)
are reported as "known unsound"/"known looser" and do not fail the run.
Exit 1 when any unlisted test is unsound, when agreement among the tests memlab decided is
below --min-agree (default 99), or with --strict when any decided test disagrees.
--sample N checks every (len/N)-th test, for a fast run inside make test.
"""
import argparse
import json
import os
import re
import subprocess
import sys


def mem_states(doc, model, keys=None):
    """memlab's allowed states, projected on keys (herd7 lists only the
    condition's and `locations` observables; memlab adds the filter's)."""
    out = set()
    for s in doc.get("states", []):
        if s.get(model):
            vals = {k.strip("[]"): v for k, v in s.get("values", {}).items()}
            if keys and keys <= set(vals):
                vals = {k: v for k, v in vals.items() if k in keys}
            out.add(";".join(f"{k}={v}" for k, v in sorted(vals.items())))
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


def srcu_registers(path):
    """'T:reg' of every register assigned by srcu_read_lock()."""
    out = set()
    with open(path, errors="replace") as f:
        text = f.read()
    for m in re.finditer(r"^\s*P(\d+)\s*\(.*?^\}", text, flags=re.S | re.M):
        for r in re.findall(r"(\w+)\s*=\s*srcu_read_lock\s*\(", m.group(0)):
            out.add(f"{m.group(1)}:{r}")
    return out


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
    ap.add_argument("--known", help="TSV of known disagreements (model, path, reason): reported, not failures")
    ap.add_argument("--base", help="folder the TSV's paths are relative to (default: the TSV's own)")
    args = ap.parse_args()
    base = args.base or os.path.dirname(args.ref)
    rows = []
    with open(args.ref) as f:
        for line in f:
            path, status, obs, flags, states = (line.rstrip("\n").split("\t") + [""] * 5)[:5]
            st = set(s for s in states.split(" | ") if s)
            # herd7 found no execution, or printed symbolic (out-of-thin-air) values: nothing to compare
            if status == "ok" and st and not re.search(r"=S\d", states):
                rows.append((path, obs, flags, st))
    if args.model == "lkmm":
        # herd7's kernel model gives C11 atomics no meaning of their own (it reads them
        # as plain accesses): those tests are compared under C11 (rc11), not here.
        def c11(path):
            with open(os.path.join(base, path), errors="replace") as f:
                return re.search(r"memory_order_|atomic_int\b|_explicit\(", f.read())
        rows = [r for r in rows if not c11(r[0])]
    if args.sample and len(rows) > args.sample:
        step = len(rows) / args.sample
        rows = [rows[int(i * step)] for i in range(args.sample)]
    known = {}
    if args.known:
        with open(args.known) as f:
            for line in f:
                if line.strip() and not line.startswith("#"):
                    kmodel, kpath, reason = (line.rstrip("\n").split("\t") + ["", ""])[:3]
                    if kmodel == args.model:
                        known[kpath] = reason
    counts = {}
    bad = []
    results = []
    for path, hobs, hflags, hstates in rows:
        status, m, msg = run_memlab(args.bin, args.model, os.path.join(base, path), args.timeout)
        kind = status
        detail = msg
        if status == "ok":
            keys = set(kv.split("=")[0] for kv in next(iter(hstates)).split(";"))
            # srcu_read_lock() returns an index whose value herd7 makes up (906, 2703):
            # the registers that hold one are left out on both sides.
            srcu = srcu_registers(os.path.join(base, path))
            keys -= srcu
            hstates = set(";".join(kv for kv in st.split(";") if kv.split("=")[0] not in srcu) for st in hstates)
            mstates = mem_states(m, args.model, keys)
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
        if kind in ("unsound", "looser") and path in known:
            kind = "known " + kind
            detail += " [known: " + known[path] + "]"
        counts[kind] = counts.get(kind, 0) + 1
        results.append({"test": path, "result": kind, "detail": detail})
        if kind in ("unsound", "looser", "known unsound", "known looser"):
            bad.append((kind, path, detail))
    # Known disagreements are listed, not hidden; the percentage is over the rest.
    decided = sum(counts.get(k, 0) for k in ("agree", "unsound", "looser"))
    pct = 100.0 * counts.get("agree", 0) / decided if decided else 100.0
    summary = ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
    print(f"{args.ref} ({args.model}): {len(rows)} tests: {summary}; agreement {pct:.2f}% of {decided} decided")
    for kind, path, detail in bad[:args.show]:
        print(f"  {kind}: {path}: {detail}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"ref": args.ref, "model": args.model, "counts": counts, "agree_pct": pct,
                       "results": results}, f, indent=1)
    fail = (counts.get("unsound", 0) > 0 or pct < args.min_agree
            or (args.strict and (counts.get("unsound", 0) or counts.get("looser", 0))))
    sys.exit(1 if fail else 0)


if __name__ == "__main__":
    main()
