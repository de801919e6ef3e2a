#!/usr/bin/python3
"""litmus-compare.py: memlab's model verdicts against herd7's, test by test.

    litmus-compare.py LITMUS MODEL REF.tsv INDEX_DIR [--show N]

LITMUS is build/bin/litmus, MODEL a memlab model name (c11, lkmm, ...), REF.tsv
herd7's verdicts as litref's litmus_herd_ref.py writes them (path, status,
observation, flags, states; paths relative to INDEX_DIR).  Runs memlab
--model-only --json on every test herd7 handled and prints: how many memlab
parses, how many agree (the same allowed final states, the same verdict, the
same data-race flag), and the disagreements, split into "memlab forbids what
herd7 allows" (the dangerous kind) and the rest.
"""
import json
import os
import subprocess
import sys


def norm(values):
    return ";".join(f"{k}={v}" for k, v in sorted(values.items()))


def main():
    litmus, model, ref, base = sys.argv[1:5]
    show = int(sys.argv[sys.argv.index("--show") + 1]) if "--show" in sys.argv else 10
    rows = []
    for line in open(ref):
        f = line.rstrip("\n").split("\t")
        if len(f) >= 5 and f[1] == "ok":
            rows.append(f)
    paths = [os.path.join(base, r[0]) for r in rows]
    out = {}
    for i in range(0, len(paths), 200):
        chunk = paths[i:i + 200]
        p = subprocess.run([litmus, "--model-only", "--model", model, "--json"] + chunk, capture_output=True,
                           text=True)
        for t in json.loads(p.stdout)["tests"]:
            out[t["file"]] = t
    parsed = agree = 0
    weaker, stronger, other = [], [], []
    for r, path in zip(rows, paths):
        t = out.get(path)
        if not t or "error" in t:
            continue
        parsed += 1
        m = t["model"]
        mine = {norm(s["values"]) for s in m["states"] if s.get(model)}
        herd = {s for s in r[4].split(" | ") if s} if r[4] else set()
        herd = {";".join(sorted(s.split(";"))) for s in herd}
        race = m["data_race"].get(model) is not None
        herd_race = "undef" in r[3] or "race" in r[3]
        verdict = m[model]
        herd_verdict = "forbidden" if r[2] == "Never" else "allowed"
        if t["condition"].startswith("~exists") or t["condition"].startswith("forall"):
            herd_verdict = verdict if mine == herd else "?"
        if mine == herd and race == herd_race:
            agree += 1
        elif herd - mine:
            weaker.append((r[0], sorted(herd - mine)[:2], race, herd_race))
        elif mine - herd:
            stronger.append((r[0], sorted(mine - herd)[:2], race, herd_race))
        else:
            other.append((r[0], race, herd_race))
    print(f"{model} vs herd7 on {ref}: {len(rows)} tests herd7 handles, memlab parses {parsed}, "
          f"{agree} agree, {len(weaker)} where memlab misses states herd7 allows, "
          f"{len(stronger)} where memlab allows states herd7 forbids, {len(other)} race flag only")
    for name, rows_ in (("misses", weaker), ("extra", stronger), ("race", other)):
        for x in rows_[:show]:
            print(f"  {name}: {x}")


main()
