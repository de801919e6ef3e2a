#!/usr/bin/python3
"""handout.py: write the student handout, run a lab's tests one OK/FAIL line each, check the labs and the notes' links.

    handout.py generate --out build/handout
        Copy the tree a student needs into --out, with every solution region
            /* BEGIN SOLUTION: hint */ ... /* END SOLUTION (stub: code) */
        replaced by `/* TODO(lab NN): hint */` and the stub code, the top-level
        Makefile with its teacher-only part of the labs block replaced by
        scripts/handout.mk, and README.md from scripts/handout.README.md.
        Files are rewritten only when their content changes, so the handout's
        own build stays incremental; files that are no longer part of it are
        removed (its build/ is kept).
    handout.py check --build DIR LABDIR...
        Run each test of each lab in a process of its own (the programs'
        --list and --run, labs/labtest.h): one OK/FAIL line per test with the
        reason, then a summary.  Exit 1 if any test failed.
    handout.py verify --ref-build DIR --handout DIR LABDIR...
        `make labs`: every test passes on the reference; every test fails in
        the handout (an exercise that passes untouched checks nothing the
        student wrote).  Tests named test_given_* are exempt from the second rule.
    handout.py links FILE.md...
        Every relative Markdown link, and every `path` in backquotes that
        names a file of the project (locks/, litmus/, labs/, bench/, notes/,
        scripts/), must exist.

Run by Debian's /usr/bin/python3; standard library only.
"""
import argparse
import concurrent.futures
import os
import re
import shutil
import signal
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# What the handout holds: these directories (minus EXCLUDE) and TOP_FILES.
INCLUDE_DIRS = ["locks", "litmus", "bench", "labs", "notes", "scripts"]
EXCLUDE = [
    re.compile(r"^litmus/unit/"),   # needs the shared corpus beside the project
    re.compile(r"(^|/)build/"),
    re.compile(r"\.(o|d|a|pyc)$"),
    re.compile(r"(^|/)__pycache__/"),
    re.compile(r"(^|/)answers\.md$"),  # a student writes their own
]
TOP_FILES = [".gitignore"]
SOLUTION_EXTS = (".c", ".h", ".cc")

BEGIN_RE = re.compile(r"^(\s*)/\* BEGIN SOLUTION: (.*?) \*/\s*$")
END_RE = re.compile(r"^\s*/\* END SOLUTION(?: \(stub: (.*)\))? \*/\s*$")
LAB_RE = re.compile(r"(?:^|/)labs/(\d\d)-[^/]+/")

TEACHER_MARK = "# -- labs: teacher only"
END_LABS = "# ---- end labs ----"


class HandoutError(Exception):
    pass


# ---- generate ----------------------------------------------------------------

def replace_regions(path, text):
    """The file with its solution regions replaced; errors name file:line."""
    m = LAB_RE.search("/" + path)
    lab = "lab " + m.group(1) if m else "lab"
    out, inside, start = [], None, 0
    for n, line in enumerate(text.split("\n"), 1):
        b, e = BEGIN_RE.match(line), END_RE.match(line)
        if b:
            if inside is not None:
                raise HandoutError(f"{path}:{n}: BEGIN SOLUTION inside the region opened at line {start}")
            inside, start = b, n
            continue
        if e:
            if inside is None:
                raise HandoutError(f"{path}:{n}: END SOLUTION without a BEGIN")
            indent, hint = inside.group(1), inside.group(2)
            out.append(f"{indent}/* TODO({lab}): {hint} */")
            if e.group(1):
                out.append(indent + e.group(1).strip())
            inside = None
            continue
        if "SOLUTION" in line and ("BEGIN SOLUTION" in line or "END SOLUTION" in line):
            raise HandoutError(f"{path}:{n}: a solution marker not on a line of its own, or misspelt")
        if inside is None:
            out.append(line)
    if inside is not None:
        raise HandoutError(f"{path}:{start}: BEGIN SOLUTION never ended")
    return "\n".join(out)


def handout_makefile(text, handout_mk):
    """The real Makefile, with `check` renamed check-all and the teacher-only
    part of the labs block replaced by the handout's targets."""
    text, n = re.subn(r"(?m)^check: ", "check-all: ", text)
    if n != 1:
        raise HandoutError("Makefile: expected exactly one `check:` rule; "
                           "scripts/handout.py needs updating")
    a, b = text.find(TEACHER_MARK), text.find(END_LABS)
    if a < 0 or b < a:
        raise HandoutError(f"Makefile: the labs block lost its '{TEACHER_MARK}' line")
    return text[:a] + handout_mk.rstrip("\n") + "\n" + text[b:]


def handout_files():
    """{relative path: content bytes} of the handout."""
    files = {}
    for top in INCLUDE_DIRS:
        for dirpath, dirnames, filenames in os.walk(os.path.join(ROOT, top)):
            dirnames.sort()
            for f in sorted(filenames):
                rel = os.path.relpath(os.path.join(dirpath, f), ROOT)
                if any(x.search(rel) for x in EXCLUDE):
                    continue
                with open(os.path.join(ROOT, rel), "rb") as fh:
                    data = fh.read()
                if rel.endswith(SOLUTION_EXTS):
                    data = replace_regions(rel, data.decode()).encode()
                files[rel] = data
    for rel in TOP_FILES:
        if os.path.exists(os.path.join(ROOT, rel)):
            with open(os.path.join(ROOT, rel), "rb") as fh:
                files[rel] = fh.read()
    with open(os.path.join(ROOT, "Makefile")) as fh:
        mk = fh.read()
    with open(os.path.join(ROOT, "scripts/handout.mk")) as fh:
        files["Makefile"] = handout_makefile(mk, fh.read()).encode()
    with open(os.path.join(ROOT, "scripts/handout.README.md"), "rb") as fh:
        files["README.md"] = fh.read()
    return files


def generate(out):
    files = handout_files()
    written = 0
    for rel, data in files.items():
        dst = os.path.join(out, rel)
        try:
            with open(dst, "rb") as fh:
                if fh.read() == data:
                    continue
        except FileNotFoundError:
            pass
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        with open(dst, "wb") as fh:
            fh.write(data)
        src = os.path.join(ROOT, rel)
        if os.path.exists(src):
            shutil.copymode(src, dst)
        written += 1
    removed = 0
    for dirpath, dirnames, filenames in os.walk(out, topdown=True):
        rel_dir = os.path.relpath(dirpath, out)
        if rel_dir == ".":
            dirnames[:] = [d for d in dirnames if d != "build"]
        for f in filenames:
            rel = os.path.normpath(os.path.join(rel_dir, f))
            if rel not in files:
                os.remove(os.path.join(dirpath, f))
                removed += 1
    regions = sum(d.count(b"/* TODO(lab") for r, d in files.items() if r.endswith(SOLUTION_EXTS))
    print(f"handout: {out}: {len(files)} files ({written} rewritten, {removed} removed), "
          f"{regions} solution regions replaced by TODOs")


# ---- check: one process per test ------------------------------------------------

def lab_tests(build, labdir):
    tdir = os.path.join(labdir, "tests")
    srcs = sorted(f for f in os.listdir(tdir) if f.startswith("test_") and f.endswith(".c"))
    return [os.path.join(build, "tests", labdir, "tests", s[:-2]) for s in srcs]


def list_tests(prog, env):
    try:
        r = subprocess.run([prog, "--list"], capture_output=True, text=True, timeout=30, env=env)
    except (OSError, subprocess.TimeoutExpired):
        return None
    names = r.stdout.split()
    return names if r.returncode == 0 and names and all(n.startswith("test") for n in names) else None


def why_failed(rc, output, name):
    if rc < 0:
        sig = signal.Signals(-rc).name if -rc in signal.Signals._value2member_map_ else str(-rc)
        if sig == "SIGALRM":
            return "hung: no result before the alarm"
        return f"crashed ({sig})"
    if f"[  FAILED  ] {name}" in output or f"[  ERROR   ] {name}" in output:
        return "an assertion failed"
    if rc == 124:
        return "hung: killed by the checker's timeout"
    if "ThreadSanitizer" in output or "AddressSanitizer" in output:
        return "a sanitizer reported an error"
    return f"the process exited with status {rc} before the test finished (exit() somewhere?)"


def details(output, name):
    """What the test printed between its RUN line and its result, with
    CMocka's failure lines reworded: the numbers a student needs."""
    lines, on = [], False
    for line in output.splitlines():
        if line.startswith("[ RUN      ]") and line.endswith(" " + name):
            on = True
            continue
        if not on:
            continue
        if re.match(r"\[ +(OK|FAILED|SKIPPED|PASSED) +\] ", line):
            break
        if line.startswith("[  ERROR   ] --- "):
            line = line[len("[  ERROR   ] --- "):]
            line = line if line.startswith("[   LINE   ]") else "check failed: " + line
        if line.startswith("[   LINE   ] --- "):
            line = "at " + line[len("[   LINE   ] --- "):].replace(": error: Failure!", "")
        if line.strip():
            lines.append(line.rstrip())
    return lines[:16] + (["..."] if len(lines) > 16 else [])


def run_one(prog, name, env, cwd):
    try:
        r = subprocess.run([prog, "--run", name], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           text=True, errors="replace", timeout=150, env=env, cwd=cwd)
        rc, out = r.returncode, r.stdout
    except subprocess.TimeoutExpired as e:
        rc, out = 124, (e.stdout or b"").decode(errors="replace") if isinstance(e.stdout, bytes) else (e.stdout or "")
    except OSError as e:
        return name, False, f"cannot run {prog}: {e}", []
    ok = rc == 0 and f"[       OK ] {name}" in out
    return name, ok, "" if ok else why_failed(rc, out, name), details(out, name)


def run_whole(prog, env, cwd):
    """For programs without --list: run everything once and read CMocka's lines."""
    try:
        r = subprocess.run([prog], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                           errors="replace", timeout=600, env=env, cwd=cwd)
        rc, out = r.returncode, r.stdout
    except (OSError, subprocess.TimeoutExpired) as e:
        return [(os.path.basename(prog), False, f"did not run: {e}", [])]
    results, current = [], None
    for line in out.splitlines():
        m = re.match(r"\[ RUN      \] (\S+)", line)
        if m:
            current = m.group(1)
            continue
        m = re.match(r"\[ +(OK|FAILED|ERROR|SKIPPED) +\] (\S+)$", line)
        if m and current == m.group(2):
            results.append((current, m.group(1) == "OK", "" if m.group(1) == "OK" else "an assertion failed",
                            details(out, current)))
            current = None
    if current:
        results.append((current, False, why_failed(rc, out, current), details(out, current)))
    if not results:
        results.append((os.path.basename(prog), rc == 0, "" if rc == 0 else why_failed(rc, out, "?"), []))
    return results


def run_lab(build, labdir, cwd, jobs=2):
    """[(program, test, ok, why, details)] in program and test order."""
    env = dict(os.environ, MEMLAB_BUILD=build, CMOCKA_MESSAGE_OUTPUT="stdout")
    env.pop("CMOCKA_TEST_ABORT", None)
    results = []
    with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:
        for prog in lab_tests(build, labdir):
            path = os.path.join(cwd, prog)
            if not os.path.exists(path):
                results.append((prog, os.path.basename(prog), False, "not built", []))
                continue
            names = list_tests(path, env)
            if names is None:
                results += [(prog,) + r for r in run_whole(path, env, cwd)]
                continue
            futures = [pool.submit(run_one, path, n, env, cwd) for n in names]
            results += [(prog,) + f.result() for f in futures]
    return results


def lab_name(labdir):
    return os.path.basename(os.path.normpath(labdir))


def check(build, labdirs, show=False):
    total = failed = 0
    for labdir in labdirs:
        print(f"== {lab_name(labdir)}: each test in its own process")
        results = run_lab(build, labdir, os.getcwd())
        for prog, name, ok, why, det in results:
            total += 1
            if ok:
                print(f"  OK    {name}")
                for line in det if show else []:
                    print(f"          {line}")
            else:
                failed += 1
                print(f"  FAIL  {name}: {why}")
                for line in det:
                    print(f"          {line}")
    print(f"== {total - failed} of {total} tests pass" + ("" if failed else ": lab done (now answers.md)"))
    return 1 if failed else 0


def build_errors(log, labdir):
    """The compiler's error lines about labdir in the handout's build log."""
    try:
        with open(log) as fh:
            lines = fh.read().splitlines()
    except OSError:
        return []
    return [l for l in lines if labdir in l and ("error" in l or "Error" in l)][:10]


def verify(ref_build, handout, labdirs, log=None):
    bad = []
    print(f"{'lab':<24} {'tests':>5}  {'reference':<12} handout")
    for labdir in labdirs:
        ref = run_lab(ref_build, labdir, ROOT)
        missing = [p for p in lab_tests("build", labdir)
                   if not os.path.exists(os.path.join(handout, p))]
        if missing:
            errs = build_errors(log, labdir) if log else []
            bad.append(f"{labdir}: the handout does not build {', '.join(missing)}" +
                       "".join("\n      " + e for e in errs) +
                       (f"\n      (full log: {log})" if log else ""))
            print(f"{lab_name(labdir):<24} {len(ref):>5}  {len([r for r in ref if r[2]]):>3} pass     "
                  "does not build")
            bad += [f"{labdir}: reference FAILS {r[1]}: {r[3]}" for r in ref if not r[2]]
            continue
        hand = run_lab("build", labdir, os.path.abspath(handout))
        ref_fail = [r for r in ref if not r[2]]
        hand_pass = [r for r in hand if r[2] and not r[1].startswith("test_given_")]
        n = len(ref)
        print(f"{lab_name(labdir):<24} {n:>5}  {n - len(ref_fail):>3} pass     "
              f"{len(hand) - len([r for r in hand if r[2]]):>3} fail")
        if n == 0:
            bad.append(f"{labdir}: no tests")
        for prog, name, ok, why, det in ref_fail:
            bad.append(f"{labdir}: reference FAILS {name}: {why}" + "".join("\n      " + d for d in det))
        for prog, name, ok, why, det in hand_pass:
            bad.append(f"{labdir}: handout PASSES {name} untouched: the exercise checks nothing")
        if len(hand) != len(ref):
            bad.append(f"{labdir}: {len(ref)} tests in the reference, {len(hand)} in the handout")
    for b in bad:
        print("labs: " + b)
    if bad:
        return 1
    print(f"== labs: {len(labdirs)} labs: every test passes on the reference and fails in the handout")
    return 0


# ---- links ------------------------------------------------------------------------

LINK_RE = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
CODE_RE = re.compile(r"`([^`\s]+)`")
PROJECT_PATH_RE = re.compile(r"^(locks|litmus|labs|bench|notes|scripts)/[A-Za-z0-9_.+/-]*$")


def links(files):
    bad = 0
    for md in files:
        in_fence = False
        with open(md) as fh:
            for n, line in enumerate(fh, 1):
                if line.lstrip().startswith("```"):
                    in_fence = not in_fence
                    continue
                if in_fence:
                    continue
                for target in LINK_RE.findall(line):
                    if re.match(r"^[a-z]+:", target) or target.startswith("#"):
                        continue
                    path = os.path.normpath(os.path.join(os.path.dirname(md), target.split("#")[0]))
                    if not os.path.exists(path):
                        print(f"{md}:{n}: link to {target}: no such file")
                        bad += 1
                for span in CODE_RE.findall(line):
                    path = span.rstrip(".,:;")
                    if re.search(r"(^|[/-])(NN|NAME|TOPIC)([/.-]|$)|topic", path):
                        continue  # a placeholder such as labs/NN-topic/ or tests/NAME.litmus
                    if PROJECT_PATH_RE.match(path) and not os.path.exists(os.path.join(ROOT, path)):
                        print(f"{md}:{n}: `{span}`: no such file in the project")
                        bad += 1
    if bad:
        print(f"links: {bad} broken in {len(files)} files")
        return 1
    print(f"== links: {len(files)} Markdown files, every link and project path exists")
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    g = sub.add_parser("generate")
    g.add_argument("--out", required=True)
    c = sub.add_parser("check")
    c.add_argument("--build", default="build")
    c.add_argument("--show", action="store_true", help="also print what passing tests printed")
    c.add_argument("labs", nargs="+")
    v = sub.add_parser("verify")
    v.add_argument("--ref-build", required=True)
    v.add_argument("--handout", required=True)
    v.add_argument("--build-log")
    v.add_argument("labs", nargs="+")
    li = sub.add_parser("links")
    li.add_argument("files", nargs="+")
    a = ap.parse_args()
    try:
        if a.cmd == "generate":
            generate(a.out)
            return 0
        if a.cmd == "check":
            return check(a.build, a.labs, a.show)
        if a.cmd == "verify":
            return verify(a.ref_build, a.handout, a.labs, a.build_log)
        return links(a.files)
    except HandoutError as e:
        print(f"handout.py: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
