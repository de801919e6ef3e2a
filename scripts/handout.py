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
    re.compile(r"^labs/[^/]+/teacher/"),  # answers, mutants, timings, plots: the teacher's only
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
    """The real Makefile, with the teacher-only part of the labs block
    replaced by the handout's own (scripts/handout.mk)."""
    a, b = text.find(TEACHER_MARK), text.find(END_LABS)
    if a < 0 or b < a:
        raise HandoutError(f"Makefile: the labs block lost its '{TEACHER_MARK}' line")
    return text[:a] + handout_mk.rstrip("\n") + "\n" + text[b:]


def without_teacher_part(text):
    """labs/README.md without its "## For teachers" part (to the end): the
    handout's students do not run make labs, mutants or the grader."""
    i = text.find("\n## For teachers")
    if i < 0:
        raise HandoutError("labs/README.md: no '## For teachers' heading; scripts/handout.py needs updating")
    return text[:i] + ("\n## For teachers\n\nThe teacher's copy of this tree (the reference) explains "
                       "how the handout, the checks and the grader are made.\n")


def handout_files(hide=()):
    """{relative path: content bytes} of the handout, without the files in
    hide (library files that hold a lab's answer: the handout gets them
    compiled, in prebuilt/)."""
    files = {}
    for top in INCLUDE_DIRS:
        for dirpath, dirnames, filenames in os.walk(os.path.join(ROOT, top)):
            dirnames.sort()
            for f in sorted(filenames):
                rel = os.path.relpath(os.path.join(dirpath, f), ROOT)
                if any(x.search(rel) for x in EXCLUDE) or rel in hide:
                    continue
                with open(os.path.join(ROOT, rel), "rb") as fh:
                    data = fh.read()
                if rel.endswith(SOLUTION_EXTS):
                    data = replace_regions(rel, data.decode()).encode()
                if rel == "labs/README.md":
                    data = without_teacher_part(data.decode()).encode()
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


def generate(out, hide=()):
    files = handout_files(hide)
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
            dirnames[:] = [d for d in dirnames if d not in ("build", "prebuilt")]
        for f in filenames:
            rel = os.path.normpath(os.path.join(rel_dir, f))
            if rel not in files:
                os.remove(os.path.join(dirpath, f))
                removed += 1
    # The kept build/ may hold objects and dependency files of sources this
    # handout no longer has as source (a library file now given compiled):
    # make would read the stale .d and ask for the missing .c.
    build = os.path.join(out, "build")
    for dirpath, dirnames, filenames in os.walk(build):
        for f in filenames:
            if not f.endswith(".d"):
                continue
            rel = os.path.relpath(os.path.join(dirpath, f[:-2] + ".c"), build)
            parts = rel.split(os.sep)
            src = os.sep.join(parts[parts.index("obj") + 1:]) if "obj" in parts else rel
            if src.startswith("nochecks" + os.sep):  # the benchmark's copy of the lock library
                src = src[len("nochecks" + os.sep):]
            if src not in files and not src.endswith(".cc"):
                for ext in (".d", ".o"):
                    stale = os.path.join(dirpath, f[:-2] + ext)
                    if os.path.exists(stale):
                        os.remove(stale)
                        removed += 1
    regions = sum(d.count(b"/* TODO(lab") for r, d in files.items() if r.endswith(SOLUTION_EXTS))
    print(f"handout: {out}: {len(files)} files ({written} rewritten, {removed} removed), "
          f"{regions} solution regions replaced by TODOs, {len(hide)} library files given compiled")


# ---- check: one process per test ------------------------------------------------

def lab_tests(build, labdir, root="."):
    tdir = os.path.join(root, labdir, "tests")
    srcs = sorted(f for f in os.listdir(tdir) if f.startswith("test_") and f.endswith(".c"))
    return [os.path.join(build, "tests", labdir, "tests", s[:-2]) for s in srcs]


def list_lab_tests(root, labdir):
    """The test names a lab's test sources register, in order (no build needed)."""
    names = []
    for src in sorted(os.listdir(os.path.join(root, labdir, "tests"))):
        if src.startswith("test_") and src.endswith(".c"):
            with open(os.path.join(root, labdir, "tests", src), errors="replace") as fh:
                text = fh.read()
            names += [n for n in re.findall(r"cmocka_unit_test\w*\(\s*(test_\w+)", text) if n not in names]
    return names


def list_tests(prog, env):
    try:
        r = subprocess.run([prog, "--list"], capture_output=True, text=True, timeout=30, env=env)
    except (OSError, subprocess.TimeoutExpired):
        return None
    names = r.stdout.split()
    return names if r.returncode == 0 and names and all(n.startswith("test") for n in names) else None


TSAN_MEANING = {
    "data race": "ThreadSanitizer found two threads using the same memory with nothing ordering them "
                 "(the two stacks above name the lines): in your code, one of those accesses needs an "
                 "atomic with the right order, or a lock both sides hold.",
    "thread leak": "ThreadSanitizer found a thread that finished but was never joined: in your code, "
                   "every thread you start must be joined (or detached) before its owner is done.",
    "lock-order-inversion": "ThreadSanitizer found two locks taken in opposite orders by two threads: "
                            "a deadlock waiting for the wrong moment; take them in one fixed order.",
    "heap-use-after-free": "ThreadSanitizer found memory used after another thread freed it: in your "
                           "code, something is freed while a thread can still reach it.",
}
TSAN_OTHER = ("ThreadSanitizer reported a misuse of threads or memory (the headline above says which): "
              "the stacks under it name the lines of your code involved.")
ASAN_MEANING = ("AddressSanitizer found memory used after it was freed, or outside what was "
                "allocated: in your code, something is freed while another thread can still reach it.")
TSAN_KIND_RE = re.compile(r"WARNING: ThreadSanitizer: ([a-z-]+(?: [a-z-]+)?)")


def tsan_kind(text):
    m = TSAN_KIND_RE.search(text)
    if not m:
        return None
    kind = m.group(1)
    return next((k for k in TSAN_MEANING if kind.startswith(k)), kind)


def why_failed(rc, output, name):
    if rc < 0:
        sig = signal.Signals(-rc).name if -rc in signal.Signals._value2member_map_ else str(-rc)
        if sig == "SIGALRM":
            return "hung: it did not finish before the test's alarm (a thread waits for ever: a lost wake-up, or a missing close or unlock?)"
        if sig == "SIGSEGV":
            return "crashed (SIGSEGV): it read or wrote memory it does not own (a NULL or freed pointer?)"
        return f"crashed ({sig})"
    if "WARNING: ThreadSanitizer" in output:
        return f"ThreadSanitizer reported a {tsan_kind(output)}"
    if "ERROR: AddressSanitizer" in output or "runtime error:" in output:
        return "a sanitizer reported a memory error"
    if f"[  FAILED  ] {name}" in output or f"[  ERROR   ] {name}" in output:
        return "an assertion failed"
    if rc == 124:
        return "hung: killed by the checker's time limit (a thread waits for ever: a lost wake-up, or a missing close or join?)"
    return f"the process exited with status {rc} before the test finished (exit() somewhere?)"


def decimal(line):
    """CMocka's `0x2 != 0x1` as `got 2, want 1` (negative values as such)."""
    def num(h):
        v = int(h, 16) if h else 0
        return v - (1 << 64) if v >= 1 << 63 else v
    m = re.match(r"^(0x[0-9a-f]+|\d+) != (0x[0-9a-f]+|\d+)$", line.strip())
    if m:
        got, want = (num(x[2:]) if x.startswith("0x") else int(x) for x in m.groups())
        return f"got {got}, want {want} (see the test's source at the line below)"
    return line


def details(output, name):
    """What the test printed between its RUN line and its result, with
    CMocka's failure lines reworded: the numbers a student needs.  A
    sanitizer report is cut to its headline and first frames, then
    followed by one line saying what it means for the student's code."""
    lines, on, tsan, asan, frames = [], False, None, False, 0
    for line in output.splitlines():
        if line.startswith("[ RUN      ]") and line.endswith(" " + name):
            on = True
            continue
        if not on:
            continue
        if re.match(r"\[ +(OK|FAILED|SKIPPED|PASSED) +\] ", line):
            break
        if "WARNING: ThreadSanitizer" in line:
            tsan, frames = tsan or tsan_kind(line), 0
        if "ERROR: AddressSanitizer" in line:
            asan, frames = True, 0
        if re.match(r"\s+#\d+ ", line):
            frames += 1  # the first three frames of each stack say enough
            if frames > 3 or not (tsan or asan):
                continue
        else:
            frames = 0
        if line.startswith("[  ERROR   ] --- "):
            line = line[len("[  ERROR   ] --- "):]
            line = line if line.startswith("[   LINE   ]") else "check failed: " + decimal(line)
        if line.startswith("[   LINE   ] --- "):
            line = "at " + line[len("[   LINE   ] --- "):].replace(": error: Failure!", "")
        if line.strip():
            lines.append(line.rstrip())
    lines = lines[:16] + (["..."] if len(lines) > 16 else [])
    if tsan:
        lines.append(TSAN_MEANING.get(tsan, TSAN_OTHER))
    if asan:
        lines.append(ASAN_MEANING)
    return lines


DEFAULT_TIMEOUT = 150


def run_one(prog, name, env, cwd, timeout=DEFAULT_TIMEOUT):
    try:
        r = subprocess.run([prog, "--run", name], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           text=True, errors="replace", timeout=timeout, env=env, cwd=cwd)
        rc, out = r.returncode, r.stdout
    except subprocess.TimeoutExpired as e:
        rc, out = 124, (e.stdout or b"").decode(errors="replace") if isinstance(e.stdout, bytes) else (e.stdout or "")
    except OSError as e:
        return name, False, f"cannot run {prog}: {e}", []
    ok = rc == 0 and f"[       OK ] {name}" in out
    return name, ok, "" if ok else why_failed(rc, out, name), details(out, name)


def run_whole(prog, env, cwd, timeout=600):
    """For programs without --list: run everything once and read CMocka's lines."""
    try:
        r = subprocess.run([prog], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                           errors="replace", timeout=timeout, env=env, cwd=cwd)
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


def run_lab(build, labdir, cwd, jobs=2, timeout=DEFAULT_TIMEOUT, tests_from=None):
    """[(program, test, ok, why, details)] in program and test order.
    tests_from: the tree whose labdir/tests/ names the programs (default cwd)."""
    env = dict(os.environ, MEMLAB_BUILD=build, CMOCKA_MESSAGE_OUTPUT="stdout")
    env.pop("CMOCKA_TEST_ABORT", None)
    results = []
    with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:
        for prog in lab_tests(build, labdir, tests_from or cwd):
            path = os.path.join(cwd, prog)
            if not os.path.exists(path):
                results.append((prog, os.path.basename(prog), False, "not built", []))
                continue
            names = list_tests(path, env)
            if names is None:
                results += [(prog,) + r for r in run_whole(path, env, cwd, timeout * 4)]
                continue
            futures = [pool.submit(run_one, path, n, env, cwd, timeout) for n in names]
            results += [(prog,) + f.result() for f in futures]
    return results


def lab_name(labdir):
    return os.path.basename(os.path.normpath(labdir))


# ---- labdir: what LAB= names ------------------------------------------------------

def all_labs(root="."):
    base = os.path.join(root, "labs")
    return sorted(d for d in os.listdir(base)
                  if re.match(r"^\d\d-", d) and os.path.isdir(os.path.join(base, d, "tests")))


def find_lab(name, root="."):
    """labs/NN-topic for LAB=4, 04, 04-locks, labs/04-locks/ or a path into it; None if no such lab."""
    name = name.strip().rstrip("/")
    m = re.search(r"(?:^|/)(\d{1,2})(?:-[^/]*)?$", name)
    if not m:
        return None
    nn = "%02d" % int(m.group(1))
    rest = name.split("/")[-1]
    for d in all_labs(root):
        if d.startswith(nn + "-") and (rest.isdigit() or rest == d):
            return "labs/" + d
    return None


def labdir(name):
    d = find_lab(name)
    if d:
        print(d)
        return 0
    print(f"no lab '{name}'; the labs are: " + ", ".join(all_labs()) +
          " (LAB=4, LAB=04 and LAB=04-locks all name lab 04)", file=sys.stderr)
    return 2


def lab_config(labdir, root="."):
    """The lab's manifest (labs/NN-*/tests/grade.txt): points per test, whether
    the check also runs under ThreadSanitizer, and each test's time limit."""
    conf = {"tsan": True, "timeout": 60, "points": {}}
    path = os.path.join(root, labdir, "tests", "grade.txt")
    try:
        with open(path) as fh:
            lines = fh.read().splitlines()
    except OSError:
        return conf
    for n, line in enumerate(lines, 1):
        words = line.split("#")[0].split()
        if not words:
            continue
        if len(words) != 2:
            raise HandoutError(f"{path}:{n}: want two words (tsan yes|no, timeout SECONDS, or TEST POINTS)")
        key, val = words
        if key == "tsan":
            conf["tsan"] = val == "yes"
        elif key == "timeout":
            conf["timeout"] = int(val)
        else:
            conf["points"][key] = float(val)
    return conf


def build_label(build):
    """What a build folder holds, by the name the Makefile's sanitizer targets give it."""
    name = os.path.basename(os.path.normpath(build))
    return {"tsan": "TSan", "asan": "ASan+UBSan"}.get(name, "plain")


def check(build, labdirs, show=False, tsan_build=None, repeat=1):
    """Each lab's tests in the plain build and (tsan_build) under ThreadSanitizer,
    repeat times each: a test passes only if it passed in every build and run."""
    total = failed = 0
    for labdir in labdirs:
        conf = lab_config(labdir)
        builds = [(build, build_label(build))]
        if tsan_build and tsan_build != build and conf["tsan"]:
            builds.append((tsan_build, "TSan"))
        kinds = " and under ThreadSanitizer" if len(builds) > 1 else ""
        times = f", {repeat} runs each" if repeat > 1 else ""
        print(f"== {lab_name(labdir)}: each test in its own process, {builds[0][1]}{kinds}{times}")
        runs = {}  # test name -> [(build label, ok, why, details)]
        order = []
        for r in range(repeat):
            for bdir, label in builds:
                for prog, name, ok, why, det in run_lab(bdir, labdir, os.getcwd(), timeout=conf["timeout"]):
                    if name not in runs:
                        runs[name], _ = [], order.append(name)
                    runs[name].append((label, ok, why, det))
        for name in order:
            total += 1
            bad = [x for x in runs[name] if not x[1]]
            if not bad:
                print(f"  OK    {name}")
                for line in runs[name][0][3] if show else []:
                    print(f"          {line}")
                continue
            failed += 1
            where = sorted({x[0] for x in bad})
            count = f"failed {len(bad)} of {len(runs[name])} runs" if len(runs[name]) > 1 else ""
            print(f"  FAIL  {name}: {bad[0][2]} ({' and '.join(where)}{', ' + count if count else ''})")
            for line in bad[0][3]:
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
        missing = [p for p in lab_tests("build", labdir, ROOT)
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
    leaked, counted = leaks(handout)
    if leaked:
        bad.append(f"{len(leaked)} solution lines are given away elsewhere in the handout (listed above): "
                   "move the code out of the handout (HANDOUT_HIDDEN in the Makefile) or write the lab's own")
    teacher = [d for d in labdirs if os.path.isdir(os.path.join(handout, d, "teacher"))]
    if teacher:
        bad.append("the handout holds teacher material: " + ", ".join(d + "/teacher" for d in teacher))
    else:
        print(f"== teacher material: {len([d for d in labdirs if os.path.isdir(os.path.join(ROOT, d, 'teacher'))])} "
              "labs have labs/NN-*/teacher/; none of it is in the handout")
    for b in bad:
        print("labs: " + b)
    if bad:
        return 1
    print(f"== labs: {len(labdirs)} labs: every test passes on the reference and fails in the handout")
    return 0


# ---- leaks: no solution's code elsewhere in the handout ------------------------

LEAK_MIN = 25          # characters, whitespace ignored
LEAK_EXEMPT_LABS = ("02",)  # lab 02: predict, then check with litmus --model-only (by design)


def solution_lines(root=ROOT):
    """[(file, line number, text)] of every line inside a solution region."""
    out = []
    for top in ("labs", "locks", "litmus", "bench", "notes", "scripts"):
        for dirpath, dirnames, filenames in os.walk(os.path.join(root, top)):
            dirnames[:] = [d for d in dirnames if d not in ("build", "teacher")]
            for f in filenames:
                if not f.endswith(SOLUTION_EXTS):
                    continue
                rel = os.path.relpath(os.path.join(dirpath, f), root)
                with open(os.path.join(root, rel), errors="replace") as fh:
                    inside = False
                    for n, line in enumerate(fh, 1):
                        if BEGIN_RE.match(line):
                            inside = True
                        elif END_RE.match(line):
                            inside = False
                        elif inside:
                            out.append((rel, n, line.rstrip("\n")))
    return out


def squash(text):
    return re.sub(r"\s+", "", text)


def leaks(handout, root=ROOT, quiet=False):
    """Every solution line of LEAK_MIN characters or more (whitespace ignored)
    that appears in another file of the handout.  Returns (leaked, counted)."""
    files = {}
    for dirpath, dirnames, filenames in os.walk(handout):
        if os.path.samefile(dirpath, handout):
            dirnames[:] = [d for d in dirnames if d != "build"]
        for f in filenames:
            rel = os.path.relpath(os.path.join(dirpath, f), handout)
            try:
                with open(os.path.join(dirpath, f), encoding="utf-8") as fh:
                    files[rel] = squash(fh.read())
            except (UnicodeDecodeError, OSError):
                continue
    counted, leaked = 0, []
    for rel, n, line in solution_lines(root):
        m = LAB_RE.search("/" + rel)
        if m and m.group(1) in LEAK_EXEMPT_LABS:
            continue
        key = squash(line)
        if len(key) < LEAK_MIN:
            continue
        counted += 1
        where = [f for f, text in files.items() if f != rel and key in text]
        if where:
            leaked.append((rel, n, line.strip(), where))
    if not quiet:
        for rel, n, line, where in leaked:
            print(f"  {rel}:{n}: `{line}` is also in {', '.join(sorted(where)[:3])}"
                  + (f" and {len(where) - 3} more" if len(where) > 3 else ""))
        pct = 100.0 * len(leaked) / counted if counted else 0.0
        print(f"== answer leaks: {len(leaked)} of {counted} solution lines of {LEAK_MIN}+ characters "
              f"({pct:.0f} %) appear in another handout file (lab {', '.join(LEAK_EXEMPT_LABS)} exempt by design)")
    return leaked, counted


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
    g.add_argument("--hide", action="append", default=[], help="leave this file out (it is given compiled)")
    c = sub.add_parser("check")
    c.add_argument("--build", default="build")
    c.add_argument("--show", action="store_true", help="also print what passing tests printed")
    c.add_argument("--tsan-build", help="also run every test in this ThreadSanitizer build")
    c.add_argument("--repeat", type=int, default=1, help="run every test this many times")
    c.add_argument("labs", nargs="+")
    v = sub.add_parser("verify")
    v.add_argument("--ref-build", required=True)
    v.add_argument("--handout", required=True)
    v.add_argument("--build-log")
    v.add_argument("labs", nargs="+")
    le = sub.add_parser("leaks")
    le.add_argument("--handout", required=True)
    ld = sub.add_parser("labdir")
    ld.add_argument("lab")
    li = sub.add_parser("links")
    li.add_argument("files", nargs="+")
    a = ap.parse_args()
    try:
        if a.cmd == "generate":
            generate(a.out, a.hide)
            return 0
        if a.cmd == "check":
            return check(a.build, a.labs, a.show, a.tsan_build, max(1, a.repeat))
        if a.cmd == "leaks":
            return 1 if leaks(a.handout)[0] else 0
        if a.cmd == "labdir":
            return labdir(a.lab)
        if a.cmd == "verify":
            return verify(a.ref_build, a.handout, a.labs, a.build_log)
        return links(a.files)
    except HandoutError as e:
        print(f"handout.py: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
