#!/usr/bin/python3
"""grade.py: grade lab submissions with pristine tests (Gradescope JSON), and prove every lab's mutants are caught.

    grade.py --base HANDOUT --submission TREE [--lab labs/NN-x] --work DIR [--out FILE]
        Build a grading tree in DIR/tree: the handout BASE (the teacher's:
        its tests, library, Makefile and manifests), with only the files
        that hold a lab's TODO regions taken from the submission TREE.  A
        student who edited the copies under tests/ changes nothing.  Build
        each lab's tests plainly and with ThreadSanitizer, run every test in
        a process of its own with the time limit of the lab's manifest
        (labs/NN-*/tests/grade.txt), and score it: full points when it
        passed in every build, else 0; tests named test_given_* are worth 0.
        Writes DIR/results.json (or --out) in Gradescope's autograder format
        and prints a table of points.
    grade.py mutants --base HANDOUT --work DIR MUTANT.mut...
        Each mutant is a lab's typical wrong solution: the reference with
        one or more solution regions replaced.  Grade it like a submission
        (plain first, TSan only if plain passes) and require that a test
        the student writes for fails.  Writes DIR/report.md and, per lab,
        DIR/NN-topic.md (what the check printed for each; the teacher's
        labs/NN-*/teacher/mistakes.md are copies of these) and exits 1 if
        any mutant escaped.

A mutant file (labs/NN-*/teacher/mutants/NAME.mut):
    # one line: the mistake, as a student would make it
    # more comment lines: why it is wrong, what catches it
    @@ labs/04-locks/lab_ticket.c :: draw a ticket
    ...the code that replaces that region (a unique part of its hint)...
    @@ FILE :: HINT          (more regions, in the same or other files)
    <<<
    lines of the reference region, exactly      (instead of a whole new body:
    ===                                          edits, each old text found
    what replaces them                           once in the region)
    >>>

Run by Debian's /usr/bin/python3; standard library only.
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import handout  # noqa: E402

ROOT = handout.ROOT
TODO_RE = re.compile(r"TODO\(lab (\d\d)\)")


class GradeError(Exception):
    pass


# ---- the grading tree ----------------------------------------------------------------

def student_files(base, labdir):
    """The files of the base handout that hold labdir's TODO regions: the only
    files a submission contributes for that lab."""
    nn = handout.lab_name(labdir)[:2]
    out = []
    for top in ("labs", "locks", "litmus", "bench", "notes", "scripts"):
        for dirpath, dirnames, filenames in os.walk(os.path.join(base, top)):
            dirnames[:] = [d for d in dirnames if d != "build"]
            for f in filenames:
                if not f.endswith(handout.SOLUTION_EXTS):
                    continue
                path = os.path.join(dirpath, f)
                with open(path, errors="replace") as fh:
                    if any(m == nn for m in TODO_RE.findall(fh.read())):
                        out.append(os.path.relpath(path, base))
    return sorted(out)


def clean_env():
    """The environment for a make of our own: no jobserver of a parent make."""
    env = dict(os.environ)
    for k in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES"):
        env.pop(k, None)
    return env


def make_tree(base, tree, overlay):
    """tree = base's sources as symlinks, base's build objects and libraries
    copied (so only what the overlay touches is compiled again), and the
    overlay {relative path: text} written as real files."""
    base = os.path.abspath(base)
    if os.path.exists(tree):
        shutil.rmtree(tree)
    os.makedirs(tree)
    for dirpath, dirnames, filenames in os.walk(base):
        rel = os.path.relpath(dirpath, base)
        if rel == ".":
            dirnames[:] = [d for d in dirnames if d != "build"]
        os.makedirs(os.path.join(tree, rel), exist_ok=True)
        for f in filenames:
            r = os.path.normpath(os.path.join(rel, f))
            if r not in overlay:
                os.symlink(os.path.join(dirpath, f), os.path.join(tree, r))
    for kind in ("build", "build/tsan"):
        for part in ("obj/locks", "obj/labs", "lib", "bin"):
            src = os.path.join(base, kind, part)
            if os.path.isdir(src):
                shutil.copytree(src, os.path.join(tree, kind, part), symlinks=True,
                                ignore=shutil.ignore_patterns("lab03", "lockbench", "litmus*"))
    later = time.time() + 1  # newer than anything copied, whatever the clock's grain
    for rel, text in overlay.items():
        path = os.path.join(tree, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as fh:
            fh.write(text)
        os.utime(path, (later, later))


def build(tree, labdir, tsan, log):
    """Build labdir's tests plainly (and with TSan); {kind: ok}."""
    kinds = [("plain", ["BUILD=build", "SAN="])]
    if tsan:
        kinds.append(("TSan", ["BUILD=build/tsan", "SAN=thread"]))
    ok, errors = {}, []
    with open(log, "a") as fh:
        for kind, args in kinds:
            r = subprocess.run(["make", "--no-print-directory", "-j2", "-C", tree] + args +
                               ["lab-build", f"LAB={labdir}"], stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True, errors="replace", env=clean_env())
            fh.write(r.stdout)
            ok[kind] = r.returncode == 0
            errors += [l for l in r.stdout.splitlines() if ": error: " in l and l not in errors]
    return ok, errors[:10]


def run_checks(tree, labdir, conf, kinds):
    """{test: [(kind, ok, why, details)]} in test order."""
    out = {}
    for kind in kinds:
        bdir = "build" if kind == "plain" else "build/tsan"
        for prog, name, ok, why, det in handout.run_lab(bdir, labdir, os.path.abspath(tree),
                                                         timeout=conf["timeout"]):
            out.setdefault(name, []).append((kind, ok, why, det))
    return out


def grade_lab(base, tree, labdir, overlay, log, stop_early=False):
    """(conf, build status, {test: runs}) for one lab in a fresh tree."""
    conf = handout.lab_config(labdir, base)
    make_tree(base, tree, overlay)
    built, errors = build(tree, labdir, conf["tsan"], log)
    runs = {}
    for kind, ok in built.items():
        if not ok:
            continue
        got = run_checks(tree, labdir, conf, [kind])
        for name, r in got.items():
            runs.setdefault(name, []).extend(r)
        if stop_early and any(not x[1] for name, rs in got.items() for x in rs
                              if not name.startswith("test_given_")):
            break
    return conf, built, runs, errors


def points_of(conf, name):
    if name.startswith("test_given_"):
        return 0.0
    return conf["points"].get(name, 1.0)


# ---- grading ----------------------------------------------------------------------------

def submission_overlay(base, submission, labdir):
    overlay = {}
    for rel in student_files(base, labdir):
        path = os.path.join(submission, rel)
        try:
            with open(path, errors="replace") as fh:
                overlay[rel] = fh.read()
        except OSError:
            pass  # the base's stub stays: its tests fail
    return overlay


def grade(base, submission, labdirs, work, out):
    os.makedirs(work, exist_ok=True)
    log = os.path.join(work, "build.log")
    open(log, "w").close()
    tests, total, max_total, rows = [], 0.0, 0.0, []
    t0 = time.time()
    for labdir in labdirs:
        overlay = submission_overlay(base, submission, labdir)
        conf, built, runs, errors = grade_lab(base, os.path.join(work, "tree"), labdir, overlay, log)
        names = handout.list_lab_tests(base, labdir)
        for name in names or sorted(runs):
            r = runs.get(name, [])
            kinds = [k for k in built]
            bad = [x for x in r if not x[1]]
            passed = bool(r) and not bad and all(built.values()) and len(r) == len(kinds)
            pts = points_of(conf, name)
            score = pts if passed else 0.0
            if passed:
                output = "passed" + (" (plain and ThreadSanitizer)" if len(kinds) > 1 else "")
            elif not all(built.values()):
                output = ("did not build (" + ", ".join(k for k, ok in built.items() if not ok) +
                          "):\n" + "\n".join(errors or [f"see {log}"]))
            elif not r:
                output = "did not run"
            else:
                output = f"{bad[0][2]} ({bad[0][0]})\n" + "\n".join(bad[0][3])
            tests.append({"name": f"{handout.lab_name(labdir)}: {name}", "score": score,
                          "max_score": pts, "output": output, "visibility": "visible"})
            rows.append((handout.lab_name(labdir), name, score, pts, "ok" if passed else output.split("\n")[0]))
            total += score
            max_total += pts
    result = {"score": total, "execution_time": round(time.time() - t0),
              "output": f"memlab grader: {total:g} of {max_total:g} points", "tests": tests}
    out = out or os.path.join(work, "results.json")
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    with open(out, "w") as fh:
        json.dump(result, fh, indent=1)
    w = max(len(r[1]) for r in rows) if rows else 10
    print(f"{'lab':<20} {'test':<{w}} {'points':>9}  result")
    for lab, name, score, pts, why in rows:
        print(f"{lab:<20} {name:<{w}} {score:>4g}/{pts:<4g}  {why[:70]}")
    print(f"== {total:g} of {max_total:g} points; {out}")
    return 0


# ---- mutants ----------------------------------------------------------------------------

def parse_mutant(path):
    """(title, comment lines, [(file, hint, code)])."""
    with open(path) as fh:
        lines = fh.read().split("\n")
    comments, regions, cur = [], [], None
    for n, line in enumerate(lines, 1):
        m = re.match(r"^@@ (\S+) :: (.+?)\s*$", line)
        if m:
            cur = [m.group(1), m.group(2), []]
            regions.append(cur)
        elif cur is None:
            if line.startswith("#"):
                comments.append(line[1:].strip())
            elif line.strip():
                raise GradeError(f"{path}:{n}: text before the first '@@ FILE :: HINT' line")
        else:
            cur[2].append(line)
    if not regions:
        raise GradeError(f"{path}: no '@@ FILE :: HINT' region")
    return (comments[0] if comments else os.path.basename(path), comments[1:],
            [(f, h, "\n".join(c).rstrip("\n")) for f, h, c in regions])


EDIT_RE = re.compile(r"^<<<\n(.*?)\n===\n(.*?)\n?>>>$", re.S | re.M)


def apply_edits(body, path, hint, code):
    """The region's body with each `<<< old === new >>>` edit applied once."""
    for old, new in EDIT_RE.findall(code):
        if body.count(old) != 1:
            raise GradeError(f"{path}: region '{hint}': the text to replace occurs {body.count(old)} "
                             f"times (want once):\n{old}")
        body = body.replace(old, new)
    return body


def apply_region(text, path, hint, code):
    """text with the body of the one solution region whose hint contains
    hint replaced by code, or edited by code's `<<< old === new >>>` blocks."""
    lines = text.split("\n")
    hits = [i for i, l in enumerate(lines)
            if handout.BEGIN_RE.match(l) and hint in handout.BEGIN_RE.match(l).group(2)]
    if len(hits) != 1:
        raise GradeError(f"{path}: {len(hits)} solution regions have '{hint}' in their hint (want one)")
    b = hits[0]
    e = next((i for i in range(b + 1, len(lines)) if handout.END_RE.match(lines[i])), None)
    if e is None:
        raise GradeError(f"{path}: the region '{hint}' never ends")
    if code.lstrip().startswith("<<<"):
        code = apply_edits("\n".join(lines[b + 1:e]), path, hint, code)
    return "\n".join(lines[:b + 1] + code.split("\n") + lines[e:])


def mutant_overlay(base, labdir, regions, root=ROOT):
    overlay = {}
    for rel in student_files(base, labdir):
        with open(os.path.join(root, rel)) as fh:
            overlay[rel] = fh.read()
    for rel, hint, code in regions:
        if rel not in overlay:
            raise GradeError(f"{rel}: not a file of {labdir} with solution regions")
        overlay[rel] = apply_region(overlay[rel], rel, hint, code)
    return overlay


def mutants(base, work, files):
    os.makedirs(work, exist_ok=True)
    log = os.path.join(work, "build.log")
    open(log, "w").close()
    escaped, report = [], []
    per_lab = {}
    print(f"{'lab':<20} {'mutant':<30} {'caught by':<10} {'s':>4}  first failing test")
    for path in files:
        labdir = handout.find_lab(path.split("/teacher/")[0], ROOT)
        if not labdir:
            raise GradeError(f"{path}: not under a lab's teacher/mutants/")
        title, why, regions = parse_mutant(path)
        name = os.path.basename(path)[:-4]
        t0 = time.time()
        overlay = mutant_overlay(base, labdir, regions)
        conf, built, runs, errors = grade_lab(base, os.path.join(work, "tree"), labdir, overlay, log,
                                              stop_early=True)
        failing = [(n, x) for n, rs in runs.items() if not n.startswith("test_given_")
                   for x in rs if not x[1]]
        secs = time.time() - t0
        if not all(built.values()):
            caught, first = "BUILD", "did not build: a mutant must compile: " + "; ".join(errors[:2])
            escaped.append(f"{path}: does not compile")
        elif failing:
            kinds = sorted({x[0] for n, x in failing})
            caught = "+".join(kinds)
            first = f"{failing[0][0]}: {failing[0][1][2]}"
        else:
            caught, first = "ESCAPED", "every test passed, plain and under TSan"
            escaped.append(f"{path}: {title}: every test passes")
        print(f"{handout.lab_name(labdir):<20} {name:<30} {caught:<10} {secs:>4.0f}  {first[:80]}")
        start = len(report)
        report += [f"## `{name}`: {title}", ""]
        report += [" ".join(why), ""] if why else []
        report += [f"Caught by: {caught} ({secs:.0f} s). Failing tests:", "", "```"]
        seen = set()
        for n, x in failing:
            if (n, x[0]) in seen:
                continue
            seen.add((n, x[0]))
            report.append(f"FAIL  {n}: {x[2]} ({x[0]})")
            report += ["        " + d for d in x[3][:8]]
        report += ["```", ""]
        per_lab.setdefault(handout.lab_name(labdir), []).extend(report[start:])
    head = ["Written by `make mutants` (scripts/grade.py) from `mutants/*.mut`: each mutant",
            "is the lab's reference with one typical mistake, checked like a student's",
            "work (plain build first, ThreadSanitizer only if the plain tests pass).", ""]
    for lab, lines in per_lab.items():
        with open(os.path.join(work, lab + ".md"), "w") as fh:
            fh.write("\n".join([f"# Lab {lab[:2]}: typical mistakes and what `make check` prints", ""] +
                               head + lines))
    with open(os.path.join(work, "report.md"), "w") as fh:
        fh.write("\n".join(["# Mutants: what `make check` prints for each typical mistake", ""] + head + report))
    for e in escaped:
        print("mutants: " + e)
    if escaped:
        print(f"== mutants: {len(escaped)} of {len(files)} not caught")
        return 1
    print(f"== mutants: all {len(files)} caught; what the check printed: {os.path.join(work, 'report.md')}")
    return 0


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "mutants":
        ap = argparse.ArgumentParser(prog="grade.py mutants")
        ap.add_argument("--base", required=True)
        ap.add_argument("--work", required=True)
        ap.add_argument("files", nargs="+")
        a = ap.parse_args(sys.argv[2:])
        try:
            return mutants(a.base, a.work, a.files)
        except (GradeError, handout.HandoutError) as e:
            print(f"grade.py: {e}", file=sys.stderr)
            return 1
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--base", required=True, help="the handout whose tests and library grade")
    ap.add_argument("--submission", required=True, help="the student's tree (only its lab files are used)")
    ap.add_argument("--lab", action="append", help="grade only this lab (labs/NN-topic)")
    ap.add_argument("--work", default="build/grade")
    ap.add_argument("--out", help="results.json (default WORK/results.json)")
    a = ap.parse_args()
    if not os.path.isdir(os.path.join(a.base, "labs")):
        print(f"grade.py: {a.base} is not a memlab handout (no labs/)", file=sys.stderr)
        return 2
    labs = a.lab or ["labs/" + d for d in handout.all_labs(a.base)]
    try:
        return grade(a.base, a.submission, labs, a.work, a.out)
    except (GradeError, handout.HandoutError) as e:
        print(f"grade.py: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
