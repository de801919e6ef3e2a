#!/usr/bin/python3
"""test_classroom.py: the classroom as its users meet it: the grader on the untouched handout and on the reference, and a student without root.

    test_classroom.py --handout build/handout --work build/classroom

1. `make grade` of the untouched handout: valid Gradescope JSON, every test
   present with its points, and no points beyond the 0-point test_given_*.
2. `make grade` of the reference: every test passes, full score.
3. `make check LAB=01` in a copy of the handout owned by an unprivileged
   user (nobody, through runuser), with a bench-only package reported
   missing (MEMLAB_DEPS_MISSING=wrk) and no root (MEMLAB_DEPS_NO_ROOT=1):
   it passes once lab 01's answer is in, because check asks only for the
   build group; with a build package reported missing it prints the
   apt-get line and exits 2.  Skipped, with a message, when not run as root.

Prints one line per check and exits 1 if any failed.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import grade  # noqa: E402
import handout  # noqa: E402

ROOT = handout.ROOT
failures = []


def report(ok, what, detail=""):
    print(f"  {'ok  ' if ok else 'FAIL'}  {what}" + (f": {detail}" if detail and not ok else ""))
    if not ok:
        failures.append(what)


def run_grade(base, submission, work):
    out = os.path.join(work, "results.json")
    r = subprocess.run([sys.executable, os.path.join(ROOT, "scripts/grade.py"), "--base", base,
                        "--submission", submission, "--work", work, "--out", out],
                       capture_output=True, text=True, env=grade.clean_env())
    table = r.stdout
    try:
        with open(out) as fh:
            return r.returncode, json.load(fh), table
    except (OSError, ValueError) as e:
        return r.returncode, {"error": str(e)}, table + r.stderr


def valid_gradescope(res):
    if not isinstance(res.get("score"), (int, float)) or not isinstance(res.get("tests"), list):
        return False
    need = {"name": str, "score": (int, float), "max_score": (int, float), "output": str, "visibility": str}
    return all(isinstance(t.get(k), v) for t in res["tests"] for k, v in need.items())


def test_grades(base, work):
    want = sum(len(handout.list_lab_tests(ROOT, "labs/" + d)) for d in handout.all_labs(ROOT))
    rc, res, table = run_grade(base, base, os.path.join(work, "grade-handout"))
    print(table, end="")
    report(rc == 0 and valid_gradescope(res), "make grade on the untouched handout writes Gradescope JSON",
           res.get("error", f"exit {rc}"))
    tests = res.get("tests", [])
    report(len(tests) == want, f"every lab test is in the handout's results ({want})", f"{len(tests)} listed")
    scored = [t["name"] for t in tests if t.get("score") and not t["name"].split(": ")[-1].startswith("test_given_")]
    report(not scored, "the untouched handout scores 0 beyond the 0-point test_given_* tests",
           ", ".join(scored[:5]))
    given = [t for t in tests if t["name"].split(": ")[-1].startswith("test_given_")]
    report(all(t["max_score"] == 0 for t in given), f"the {len(given)} test_given_* tests are worth 0")

    rc, res, table = run_grade(base, ROOT, os.path.join(work, "grade-reference"))
    print(table, end="")
    full = sum(t["max_score"] for t in res.get("tests", []))
    report(rc == 0 and valid_gradescope(res) and res.get("score") == full and full > 0,
           f"make grade on the reference scores full marks ({full:g})",
           f"{res.get('score')} of {full:g}: " + ", ".join(t["name"] for t in res.get("tests", [])
                                                          if t["score"] < t["max_score"])[:300])


def test_without_root(base, work):
    if os.geteuid() != 0:
        print("  skip  make check LAB=01 as an unprivileged user: this needs root to switch user "
              "(runuser); run the classroom tests as root")
        return
    user = "nobody"
    tree = os.path.join(work, "student")
    # The student's tree: the handout with lab 01 answered, owned by nobody,
    # in a folder nobody can reach (build/ under a root-owned worktree is).
    overlay = grade.submission_overlay(base, ROOT, "labs/01-thread-lifecycles")
    grade.make_tree(base, tree, overlay)
    # A student's copy is real files, not links into the teacher's handout.
    subprocess.run(["cp", "-rL", "--preserve=timestamps", tree, tree + ".real"], check=True)
    shutil.rmtree(tree)
    os.rename(tree + ".real", tree)
    subprocess.run(["chown", "-R", f"{user}:nogroup", tree], check=True)
    for d in (work, os.path.dirname(os.path.abspath(work))):
        os.chmod(d, os.stat(d).st_mode | 0o011)  # nobody may pass through, not read
    env = grade.clean_env()
    env.update(MEMLAB_DEPS_NO_ROOT="1", MEMLAB_DEPS_MISSING="wrk", HOME="/tmp")
    cmd = ["runuser", "-u", user, "--", "make", "--no-print-directory", "-j2", "-C", tree, "check", "LAB=01"]
    r = subprocess.run(cmd, capture_output=True, text=True, env=env)
    last = [l for l in r.stdout.splitlines() if l.startswith("== ")]
    report(r.returncode == 0 and last and "7 of 7 tests pass" in last[-1],
           "make check LAB=01 as nobody, no root, wrk (bench) reported missing: passes",
           f"exit {r.returncode}: " + (r.stdout + r.stderr)[-600:])
    env["MEMLAB_DEPS_MISSING"] = "libcmocka-dev"
    r = subprocess.run(cmd, capture_output=True, text=True, env=env)
    report(r.returncode == 2 and "apt-get install --no-install-recommends libcmocka-dev" in r.stderr,
           "the same with libcmocka-dev (build) missing: the apt-get line, exit 2",
           f"exit {r.returncode}: {r.stderr[-300:]}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--handout", required=True)
    ap.add_argument("--work", required=True)
    a = ap.parse_args()
    os.makedirs(a.work, exist_ok=True)
    print("== classroom: the grader on the handout and the reference; a student without root")
    test_without_root(a.handout, a.work)
    test_grades(a.handout, a.work)
    if failures:
        print(f"== classroom: {len(failures)} checks failed")
        return 1
    print("== classroom: every check passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
