#!/usr/bin/python3
"""litmus_herd_ref.py: record herd7's verdicts for litmus tests, as reference data.

herd7 is the reference memlab's models are checked against; it is never a
dependency: this script only writes the data files that litmus/corpora/ keeps.

    litmus_herd_ref.py --herd PREFIX --model lkmm|rc11|aarch64 [--timeout S] [--jobs N] [--regmap REGMAP]
                       OUT.tsv (@INDEX | FILE)...

PREFIX is where ../shared/tools/build-herd7.sh installed herd7 (PREFIX/bin/herd7,
PREFIX/lkmm/).  One output line per test, tab-separated:

    path  status  observation  flags  states

path is relative to the index's folder (or as given); status is "ok", "timeout" or
"error: <herd7's first error line>"; observation is Never, Sometimes or Always;
flags are herd7's "Flag NAME" lines joined by commas (data-race, ...); states are
the allowed final states, each "k=v;k=v" with herd's brackets around locations
dropped, sorted, joined by " | ".  Re-running with an existing OUT.tsv keeps the
lines it has (so a long run can be resumed).
"""
import argparse
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor


def herd_cmd(prefix, model, path, lkmm_dir=None):
    herd = os.path.join(prefix, "bin", "herd7")
    if model == "lkmm":
        lk = lkmm_dir or os.path.join(prefix, "lkmm")
        return [herd, "-I", lk, "-conf", os.path.join(lk, "linux-kernel.cfg"), path]
    return [herd, "-model", model + ".cat", path]


def norm_state(text):
    """'0:r1=0; 1:r1=0; [x]=1;' -> '0:r1=0;1:r1=0;x=1' (sorted keys)."""
    parts = []
    for p in text.split(";"):
        p = p.strip()
        if not p:
            continue
        k, _, v = p.partition("=")
        parts.append((k.strip().strip("[]"), v.strip()))
    parts.sort()
    return ";".join(f"{k}={v}" for k, v in parts)


def rename(states, regmap):
    """Apply a REGMAP entry ("0:X1=0:r0,...") to normalised states."""
    if not regmap:
        return states
    names = dict(pair.split("=") for pair in regmap.split(",") if pair)
    out = []
    for st in states:
        parts = []
        for kv in st.split(";"):
            k, _, v = kv.partition("=")
            parts.append((names.get(k, k), v))
        out.append(";".join(f"{k}={v}" for k, v in sorted(parts)))
    return sorted(out)


def parse_output(out):
    states, obs, flags = [], "", []
    lines = out.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("States "):
            n = int(line.split()[1])
            states = [norm_state(s) for s in lines[i + 1:i + 1 + n]]
            i += n
        elif line.startswith("Observation "):
            obs = line.split()[2]
        elif line.startswith("Flag "):
            flags.append(line.split()[1])
        i += 1
    return sorted(states), obs, flags


def run_one(args, path):
    cmd = ["nice", "-n", "10", "timeout", str(args.timeout)] + herd_cmd(args.herd, args.model, path, args.lkmm_dir)
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=args.timeout + 5)
    except subprocess.TimeoutExpired:
        return "timeout", "", [], []
    if p.returncode == 124:
        return "timeout", "", [], []
    states, obs, flags = parse_output(p.stdout)
    if not obs:
        err = (p.stderr.strip().splitlines() or p.stdout.strip().splitlines() or ["no output"])[0]
        return "error: " + err.replace("\t", " ")[:200], "", [], []
    return "ok", obs, flags, states


def tests_of(arg):
    """(shown path, real path) pairs from an @index or a file."""
    if arg.startswith("@"):
        base = os.path.dirname(arg[1:])
        with open(arg[1:]) as f:
            for line in f:
                line = line.strip()
                if line and not line.startswith("#"):
                    yield line, os.path.join(base, line)
    else:
        yield arg, arg


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--herd", required=True)
    ap.add_argument("--model", required=True)
    ap.add_argument("--timeout", type=int, default=10)
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("--lkmm-dir", help="folder with the LKMM .cat/.bell/.def/.cfg files (default PREFIX/lkmm)")
    ap.add_argument("--regmap", help="a REGMAP file of litmus_to_aarch64.py: report states in the C test's names")
    ap.add_argument("out")
    ap.add_argument("tests", nargs="+")
    args = ap.parse_args()
    done = {}
    if os.path.exists(args.out):
        with open(args.out) as f:
            for line in f:
                done[line.split("\t", 1)[0]] = line
    todo = [(shown, real) for a in args.tests for shown, real in tests_of(a) if shown not in done]
    regmaps = {}
    if args.regmap:
        with open(args.regmap) as f:
            regmaps = dict(line.rstrip("\n").split("\t", 1) for line in f if "\t" in line)
    with open(args.out, "a") as out, ThreadPoolExecutor(max_workers=args.jobs) as pool:
        for (shown, _), res in zip(todo, pool.map(lambda t: run_one(args, t[1]), todo)):
            status, obs, flags, states = res
            states = rename(states, regmaps.get(os.path.basename(shown)))
            out.write("\t".join([shown, status, obs, ",".join(flags), " | ".join(states)]) + "\n")
            out.flush()
    print(f"{args.out}: {len(done) + len(todo)} tests ({len(todo)} new)", file=sys.stderr)


if __name__ == "__main__":
    main()
