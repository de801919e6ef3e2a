#!/usr/bin/python3
"""bench_report.py: turn lockbench's Google Benchmark JSON (and the Go and httpd JSON beside it) into PNG plots and a report, Markdown and HTML.

  bench_report.py --json build/bench/results.json --out build/bench [--cc clang --cxx g++ --mode default --flags "..."]

Run with Debian's /usr/bin/python3 (it sees python3-matplotlib).  Benchmark
names are "scenario/lock/key:value/..." (bench/main.c); Google Benchmark
appends "iterations:1", "manual_time", "real_time" and "threads:N".  With
--benchmark_repetitions the median of the repetitions is used.

It also reads, from the --out directory, go.json (scripts/bench_go.py) and
httpd.json (scripts/bench_httpd.py) when they are there, and imports the
optional section modules named in OPTIONAL_SECTIONS (scripts/report_go.py,
...).  The smoke-run checks of `make test` are scripts/bench_check.py.
"""
import argparse
import html
import importlib
import json
import os
import platform
import re
import statistics
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import plot_pairs  # noqa: E402  (scripts/plot_pairs.py: the colours, markers and small multiples)

# ---- reading the results -----------------------------------------------------

SUFFIXES = ("iterations:", "manual_time", "real_time", "process_time", "repeats:")


def parse_name(name):
    """'threads/ticket/cs_ns:0/iterations:1/manual_time/threads:8' ->
    ('threads', 'ticket', {'cs_ns': 0, 'threads': 8})"""
    parts = name.split("/")
    scenario, lock, params = parts[0], parts[1] if len(parts) > 1 else "", {}
    for p in parts[2:]:
        if p.startswith(SUFFIXES) or ":" not in p:
            continue
        k, v = p.split(":", 1)
        try:
            params[k] = int(v)
        except ValueError:
            params[k] = v
    return scenario, lock, params


class Results:
    def __init__(self, path):
        with open(path) as f:
            data = json.load(f)
        self.context = data.get("context", {})
        runs = data.get("benchmarks", [])
        medians = [r for r in runs if r.get("run_type") == "aggregate" and r.get("aggregate_name") == "median"]
        self.repetitions = bool(medians)
        # Single repetitions, for values whose median means nothing (per-thread
        # shares: thread numbers differ from one repetition to the next).
        self.iterations = [r for r in runs if r.get("run_type", "iteration") == "iteration"]
        # A benchmark repeated (all of them under --benchmark_repetitions, or
        # one that sets its own count) gives its median; any other its run.
        repeated = {r.get("run_name") for r in medians}
        self.rows = []
        for r in medians + [r for r in self.iterations if r.get("run_name", r["name"]) not in repeated]:
            name = r.get("run_name", r["name"])
            scenario, lock, params = parse_name(name)
            params.setdefault("threads", r.get("threads", 1))
            row = dict(r)
            row.update(scenario=scenario, lock=lock, params=params)
            self.rows.append(row)
        # Registration order (the registry's), whatever order the runs were interleaved in.
        self.rows.sort(key=lambda r: (r.get("family_index", 0), r.get("per_family_instance_index", 0)))

    def get(self, scenario, lock=None, **params):
        for r in self.rows:
            if r["scenario"] != scenario or (lock is not None and r["lock"] != lock):
                continue
            if all(r["params"].get(k) == v for k, v in params.items()):
                return r
        return None

    def representative(self, row, key):
        """The single repetition of row's benchmark whose key is closest to the median (row itself when the
        run had no repetitions)."""
        if not self.repetitions:
            return row
        reps = [r for r in self.iterations if r.get("run_name") == row.get("run_name") and key in r]
        return min(reps, key=lambda r: abs(r[key] - row[key])) if reps else row

    def locks(self, scenario):
        seen = []
        for r in self.rows:
            if r["scenario"] == scenario and r["lock"] not in seen:
                seen.append(r["lock"])
        return seen

    def value(self, scenario, lock, key, **params):
        r = self.get(scenario, lock, **params)
        if r is None or r.get("error_occurred"):
            return None
        return r.get(key)


def ns_per_iteration(r):
    """Google Benchmark's time per iteration, in ns."""
    unit = {"ns": 1, "us": 1e3, "ms": 1e6, "s": 1e9}[r.get("time_unit", "ns")]
    return r["real_time"] * unit, r["cpu_time"] * unit


# ---- formatting ------------------------------------------------------------------

def fmt_ns(ns):
    if ns is None:
        return "-"
    if ns >= 1e9:
        return f"{ns / 1e9:.2f} s"
    if ns >= 1e6:
        return f"{ns / 1e6:.2f} ms"
    if ns >= 1e3:
        return f"{ns / 1e3:.1f} µs"
    return f"{ns:.1f} ns" if ns < 100 else f"{ns:.0f} ns"


def fmt_rate(x):
    if x is None:
        return "-"
    for div, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if x >= div:
            return f"{x / div:.2f}{suffix}"
    return f"{x:.0f}"


def fmt_num(x, digits=3):
    return "-" if x is None else f"{x:.{digits}f}"


def plural(k, word):
    """'1 CPU', '2 CPUs': the report is worded from the measured n, which may be 1."""
    return f"{k} {word}" if k == 1 else f"{k} {word}s"


def fmt_ratio(x):
    return "-" if x is None else f"{x:.2f}x"


def ratio(a, b):
    return None if a is None or b is None or b == 0 else a / b


class Report:
    """Markdown and HTML written side by side from the same calls."""

    def __init__(self):
        self.md, self.html = [], []

    def heading(self, level, text, anchor=None):
        self.md.append("#" * level + " " + text + "\n")
        a = f' id="{anchor}"' if anchor else ""
        self.html.append(f"<h{level}{a}>{html.escape(text)}</h{level}>")

    def para(self, text):
        self.md.append(text + "\n")
        body = html.escape(text)
        body = re.sub(r"`([^`]+)`", r"<code>\1</code>", body)
        body = re.sub(r"\*\*([^*]+)\*\*", r"<b>\1</b>", body)
        self.html.append(f"<p>{body}</p>")

    def table(self, header, rows, cls=None):
        self.md.append("| " + " | ".join(header) + " |")
        self.md.append("|" + "|".join("---" for _ in header) + "|")
        for r in rows:
            self.md.append("| " + " | ".join(str(c) for c in r) + " |")
        self.md.append("")
        head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
        verdicts = ("met", "missed", "not measured")
        cell = lambda c: (f'<td class="{str(c).replace(" ", "-")}">' if str(c) in verdicts else "<td>") + \
            html.escape(str(c)) + "</td>"
        body = "".join("<tr>" + "".join(cell(c) for c in r) + "</tr>" for r in rows)
        klass = f' class="{cls}"' if cls else ""
        self.html.append(f"<table{klass}><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")

    def image(self, file, caption):
        self.md.append(f"![{caption}]({file})\n")
        self.md.append(f"*{caption}*\n")
        self.html.append(f'<figure><img src="{file}" alt="{html.escape(caption)}">'
                         f"<figcaption>{html.escape(caption)}</figcaption></figure>")

    def write(self, out):
        with open(os.path.join(out, "report.md"), "w") as f:
            f.write("\n".join(self.md))
        style = ("body{font-family:sans-serif;max-width:70em;margin:2em auto;padding:0 1em;line-height:1.4}"
                 "table{border-collapse:collapse;margin:0.5em 0 1.5em}td,th{border:1px solid #ccc;"
                 "padding:2px 8px;text-align:right}td:first-child,th:first-child{text-align:left}"
                 "img{max-width:100%}figure{margin:1em 0 2em}figcaption{font-style:italic}"
                 "code{background:#f4f4f4;padding:0 3px}"
                 "table.text td,table.text th{text-align:left;vertical-align:top;font-size:90%}"
                 "table.text td:nth-child(2){font-family:monospace;font-size:80%;overflow-wrap:anywhere}"
                 "td.met{color:#176117;font-weight:bold}td.missed{color:#a31515;font-weight:bold}"
                 "td.not-measured{color:#777}")
        with open(os.path.join(out, "report.html"), "w") as f:
            f.write(f"<!doctype html><html><head><meta charset='utf-8'><title>memlab benchmarks</title>"
                    f"<style>{style}</style></head><body>\n" + "\n".join(self.html) + "\n</body></html>\n")


# ---- plots -------------------------------------------------------------------------

def plt():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot
    matplotlib.pyplot.rcParams["axes.prop_cycle"] = matplotlib.cycler(color=matplotlib.cm.tab20.colors)
    return matplotlib.pyplot


PLOTS = True  # --no-plots (tests): lay out the report without rendering PNGs


def save(fig, out, name, rect=None):
    if not PLOTS:
        plt().close(fig)
        return name
    fig.tight_layout(rect=rect)
    fig.savefig(os.path.join(out, name), dpi=110)
    plt().close(fig)
    return name


def hbar(out, file, labels, series, xlabel, title, log=False, by_lock=False):
    """Horizontal grouped bars: series = [(legend, values)], one bar per label per series.  by_lock: the labels
    are locks, each bar in its lock's colour (plot_pairs.style), the series told apart by shade and hatch."""
    p = plt()
    n = len(series)
    longest = max((len(l) for l in labels), default=0)
    # Long labels take their room from the figure, not from the bars.
    height = 0.32 * len(labels) * max(1, n) + 1.6
    fig, ax = p.subplots(figsize=(max(9.0, 5.0 + 0.08 * longest), height))
    h = 0.8 / n
    looks = [dict(alpha=1.0), dict(alpha=0.4), dict(alpha=0.7, hatch="//")]
    for i, (legend, values) in enumerate(series):
        ys = [j + (i - (n - 1) / 2) * h for j in range(len(labels))]
        vals = [v if v is not None else 0 for v in values]
        if by_lock:
            ax.barh(ys, vals, height=h, color=[plot_pairs.style(l)["color"] for l in labels],
                    edgecolor="white", linewidth=0.3, **looks[i % len(looks)])
        else:
            ax.barh(ys, vals, height=h, label=legend)
    ax.set_yticks(range(len(labels)))
    ax.set_yticklabels(labels)
    ax.invert_yaxis()
    ax.set_xlabel(xlabel)
    fig.suptitle(title)
    if log:
        ax.set_xscale("log")
    ax.grid(axis="x", alpha=0.3)
    if by_lock:
        handles = [p.Rectangle((0, 0), 1, 1, facecolor="#555555", edgecolor="white", **looks[i % len(looks)])
                   for i in range(n)] if n > 1 else []
        names = [legend for legend, _ in series] if n > 1 else []
        for fam, colour in dict.fromkeys(plot_pairs.family(l) for l in labels):
            handles.append(p.Rectangle((0, 0), 1, 1, color=colour))
            names.append(fam)
        ax.legend(handles, names, loc="best", fontsize="small")
    elif n > 1:
        ax.legend(loc="best", fontsize="small")
    # The title is the figure's (centred on it, so long labels cannot push it off the edge), with room above the axes.
    return save(fig, out, file, rect=(0, 0, 1, 1 - 0.12 / height))


# ---- machine ------------------------------------------------------------------------

def first_line(cmd):
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, shell=True, timeout=10).stdout
        return out.splitlines()[0].strip() if out else "unknown"
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def machine(args, res, ctx):
    model = "unknown"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    try:
        with open("/proc/loadavg") as f:
            load_end = " ".join(f.read().split()[:3])
    except OSError:
        load_end = "unknown"
    c, ctx = ctx, res.context
    model = ctx.get("memlab_cpu_model", model)
    gb_version = first_line("dpkg-query -W -f='${Version}' libbenchmark-dev")
    load_start = " ".join(f"{x:.2f}" for x in ctx.get("load_avg", [])) or "unknown"
    return [
        ("CPU", model),
        ("CPUs", f"n = {c.n} this run could use (affinity {c.affinity}); {os.cpu_count()} online "
                 f"({ctx.get('num_cpus', '?')} seen by Google Benchmark, {ctx.get('mhz_per_cpu', '?')} MHz)"),
        ("thread counts", f"throughput {ctx.get('memlab_throughput_threads', '?')}; fairness "
                          f"{ctx.get('memlab_fairness_threads', '?')}; two-sided scenarios "
                          f"{ctx.get('memlab_pair_threads', '?')}"),
        ("kernel", f"{platform.system()} {platform.release()}"),
        ("C compiler", f"{args.cc}: {first_line(args.cc + ' --version')}"),
        ("C++ compiler (shim)", f"{args.cxx}: {first_line(args.cxx + ' --version')}"),
        ("Google Benchmark", f"libbenchmark {gb_version} ({ctx.get('library_build_type', '?')} build)"),
        ("run", f"{ctx.get('date', '?')}; BENCH={args.mode}; flags {args.flags}"
                + ("; medians of the repetitions" if res.repetitions else "")),
        ("load average", f"{load_start} at the start, {load_end} at the end (1, 5, 15 min)"),
    ]


# ---- the scenarios -------------------------------------------------------------------

def scenario_uncontended(rep, res, out):
    rep.heading(2, "1. Uncontended lock+unlock", "uncontended")
    rep.para("One thread, nobody else: the fast path of each lock (one or two atomic read-modify-writes on a "
             "line this core owns, plus the call through the lock_ops table). 64 pairs per timed iteration. "
             "CPU time per pair: nothing here waits for another thread, and CPU time does not count the time "
             "other work on the machine took the CPU away (wall time is in the JSON). The process has created a "
             "thread before this runs, so glibc does not take its single-threaded shortcut (a plain MOV for "
             "unlock) that a program with locks never gets.")
    locks = res.locks("uncontended")
    rows, w, r_ = [], [], []
    for lock in locks:
        wr = res.get("uncontended", lock, side="write")
        rd = res.get("uncontended", lock, side="read")
        wv = ns_per_iteration(wr)[1] if wr and not wr.get("error_occurred") else None
        rv = ns_per_iteration(rd)[1] if rd and not rd.get("error_occurred") else None
        w.append(wv)
        r_.append(rv)
        label = (wr or rd or {}).get("label", "")
        rows.append([lock, label, fmt_ns(wv), fmt_ns(rv)])
    rep.table(["lock", "flags", "lock+unlock (CPU)", "read_lock+read_unlock (CPU)"], rows)
    f = hbar(out, "uncontended.png", locks, [("lock+unlock", w), ("read_lock+read_unlock", r_)],
             "CPU time per pair (ns)", "Uncontended cost, one thread", by_lock=True)
    fastest = min((v, l) for v, l in zip(w, locks) if v)
    rep.image(f, f"Cost of one uncontended lock+unlock pair per lock (ns; dark: lock+unlock, pale: read side; "
                 f"colour: the kind of lock); the cheapest is {fastest[1]} at {fmt_ns(fastest[0])}.")


def scenario_threads(rep, res, out, ctx):
    locks = res.locks("threads")
    counts = sorted({r["params"]["threads"] for r in res.rows if r["scenario"] == "threads"})
    over = [c for c in counts if c > ctx.n]
    rep.heading(2, f"2. Throughput against threads ({', '.join(map(str, counts))} on {plural(ctx.n, 'CPU')})", "threads")
    rep.para("Every thread loops lock, add one to a shared counter, unlock, for a fixed time; acquisitions of all "
             "threads per second of wall time. Threads are not pinned"
             + (f"; {' and '.join(map(str, over))} threads oversubscribe the {plural(ctx.n, 'CPU')}" if over else "")
             + ". Jain is the fairness of the per-thread counts over the run.")
    rows, rates = [], {}
    for lock in locks:
        ys = [res.value("threads", lock, "ops_per_s", threads=t) for t in counts]
        js = [res.value("threads", lock, "jain", threads=t) for t in counts]
        rows.append([lock] + [f"{fmt_rate(y)} (J {fmt_num(j, 2)})" for y, j in zip(ys, js)])
        rates[lock] = ys
    rep.table(["lock"] + [f"{t} thr: acq/s (Jain)" for t in counts], rows)
    f = plot_pairs.threads_pairs(out, counts, rates, cpus=ctx.n)
    if f:
        rep.image(f, "The pairs lab 04 asks you to compare, acquisitions per second against threads (log scales; "
                     "dashed lines are glibc's locks; grey: more threads than CPUs). Left: a barging mutex lets the releasing thread re-take the "
                     "lock, a handoff mutex passes it to a sleeping waiter and pays a wake-up per acquisition. "
                     "Right: a ticket lock and MCS both serve waiters in order, so once there are more threads "
                     "than CPUs the next in line is often not running.")
    # Every lock, one panel per kind: at most eight lines an axes.
    f = plot_pairs.lines_by_kind(out, "threads.png", counts, rates,
                                 f"threads (this run had {plural(ctx.n, 'CPU')})",
                                 "acquisitions per second (all threads)",
                                 "Throughput against threads, tiny critical section: every lock",
                                 extra=lambda ax: plot_pairs.shade_oversubscribed(ax, counts, ctx.n))
    worst = []
    lo, hi = ctx.pair, counts[-1]
    for lock in locks:
        a, b = res.value("threads", lock, "ops_per_s", threads=lo), res.value("threads", lock, "ops_per_s", threads=hi)
        if a and b:
            worst.append((b / a, lock))
    worst.sort()
    line = ("Every lock, acquisitions per second against threads, spinlocks and futex mutexes on separate axes "
            "with the same y scale (log scales; dashed lines are baselines, hollow markers Concurrency Kit's; grey: "
            "more threads than CPUs).")
    if len(worst) >= 2 and hi > lo:
        line += (f" From {lo} to {hi} threads {worst[0][1]} keeps {100 * worst[0][0]:.2f} % of its rate and "
                 f"{worst[1][1]} {100 * worst[1][0]:.2f} %.")
    rep.image(f, line)


def scenario_cs(rep, res, out, ctx):
    rep.heading(2, f"3. Critical-section length sweep ({ctx.pair} threads)", "cs")
    rep.para("The same loop with cs_ns nanoseconds of busy work inside the lock (spin_ns, which reads the clock). "
             "With long sections every lock approaches the ceiling of 1e9/cs_ns acquisitions per second; short "
             "sections show the lock's own cost.")
    locks = res.locks("cs")
    lens = sorted({r["params"]["cs_ns"] for r in res.rows if r["scenario"] == "cs"})
    rows, rates = [], {}
    xs = list(range(len(lens)))
    for lock in locks:
        ys = [res.value("cs", lock, "ops_per_s", cs_ns=c) for c in lens]
        rows.append([lock] + [fmt_rate(y) for y in ys])
        rates[lock] = ys
    rep.table(["lock"] + [f"cs {c} ns: acq/s" for c in lens], rows)

    def ceiling(ax):
        ax.plot([x for x, c in zip(xs, lens) if c], [1e9 / c for c in lens if c], "k:", label="ceiling 1e9/cs_ns")
    f = plot_pairs.lines_by_kind(out, "cs.png", xs, rates, "busy work inside the critical section (ns)",
                                 f"acquisitions per second ({ctx.pair} threads)",
                                 f"Throughput against critical-section length, {ctx.pair} threads",
                                 xticklabels=[str(c) for c in lens], extra=ceiling)
    rep.image(f, f"Acquisitions per second at {ctx.pair} threads as the critical section grows; the dotted line is the "
                 "one-section-at-a-time ceiling, which the locks approach as the section outweighs the handover; "
                 "spinlocks and futex mutexes on separate axes with the same y scale.")


def scenario_fairness(rep, res, out, ctx):
    fcounts = sorted({r["params"]["threads"] for r in res.rows if r["scenario"] == "fairness"})
    rep.heading(2, f"4. Fairness and handoffs (stress_run, {' and '.join(map(str, fcounts))} threads on "
                   f"{plural(ctx.n, 'CPU')})", "fairness")
    rep.para("locks/stress.c's run (the one lockstress uses): N threads take the lock for a fixed time with an "
             "empty critical section, each counting its acquisitions and timing each wait. Jain 1.0 means every "
             "thread got the same share, 1/N that one thread got everything. The whole-run index hides "
             "short-term unfairness, because the scheduler evens totals out over seconds; the windowed index is "
             "the mean over 10 ms windows, where barging shows. Handoffs per acquisition: how often the next "
             "holder is a different thread (1.0 = strict alternation, near 0 = one thread keeps re-taking it). "
             "acq/s here includes two clock reads per acquisition, so it is lower than in scenario 2.")
    locks = res.locks("fairness")
    counts = sorted({r["params"]["threads"] for r in res.rows if r["scenario"] == "fairness"})
    rows = []
    for lock in locks:
        row = [lock]
        for t in counts:
            g = lambda k: res.value("fairness", lock, k, threads=t)
            row += [fmt_rate(g("acq_per_s")), fmt_num(g("jain")), fmt_num(g("jain_window")),
                    fmt_num(g("handoffs_per_acq"))]
        rows.append(row)
    header = ["lock"]
    for t in counts:
        header += [f"{t} thr acq/s", f"{t} thr Jain", f"{t} thr Jain/10ms", f"{t} thr handoffs/acq"]
    rep.table(header, rows)
    top = max(counts)
    per = lambda key: {l: res.value("fairness", l, key, threads=top) for l in locks}
    f = plot_pairs.fairness_panels(out, top, locks, per("jain"), per("jain_window"), per("handoffs_per_acq"))
    if f:
        rep.image(f, f"Left: Jain index at {top} threads over the whole run (pale) and over 10 ms windows (dark); "
                     "where the dark bar is far shorter than the pale one, the lock is fair only on average. "
                     "Right, on its own axis: handoffs per acquisition, how often the lock changes owner. A barging "
                     "mutex (its owner re-takes the lock) sits near 0, a handoff mutex far above it.")
    # Per-thread shares, sorted, one line per lock, one panel per kind of lock.
    shares = {}
    for lock in locks:
        r = res.get("fairness", lock, threads=top)
        if not r or r.get("error_occurred"):
            continue
        r = res.representative(r, "jain")
        shares[lock] = sorted((v for k, v in r.items() if k.startswith("share_t")), reverse=True)
    width = max((len(v) for v in shares.values()), default=0)
    shares = {l: v + [None] * (width - len(v)) for l, v in shares.items()}

    def equal(ax):
        ax.axhline(100 / top, color="k", linestyle=":", label=f"equal share ({100 / top:.1f} %)")
    f = plot_pairs.lines_by_kind(out, "shares.png", list(range(1, width + 1)), shares,
                                 "threads, most acquisitions first", "share of all acquisitions (%)",
                                 f"Per-thread shares of acquisitions, {top} threads, whole run", logy=False,
                                 extra=equal)
    if f:
        rep.image(f, f"Each thread's share of the acquisitions at {top} threads, sorted (from the repetition whose "
                     "Jain index is the median), spinlocks and futex mutexes on separate axes; a flat line at the "
                     "dotted equal share is perfectly fair, a line that starts high and drops to 0 means a few "
                     "threads took nearly everything.")


def scenario_latency(rep, res, out):
    rep.heading(2, "5. Wait latency (time from asking for the lock to holding it)", "latency")
    rep.para("From the same stress runs: every wait goes into a log-linear histogram (locks/hist.h, within 6 %); "
             "p50, p99, p99.9 and the maximum, never a mean. On an oversubscribed machine a wait includes the "
             "time the waiter was not running at all.")
    locks = res.locks("fairness")
    counts = sorted({r["params"]["threads"] for r in res.rows if r["scenario"] == "fairness"})
    keys = [("p50", "wait_p50_ns"), ("p99", "wait_p99_ns"), ("p99.9", "wait_p999_ns"), ("max", "wait_max_ns")]
    # One hue that darkens towards the tail (none of the lock families' hues: here colour is the percentile).
    shade = {"p50": "#fdd0a2", "p99": "#fd8d3c", "p99.9": "#d94801", "max": "#7f2704"}
    rows = []
    for lock in locks:
        row = [lock]
        for t in counts:
            row += [fmt_ns(res.value("fairness", lock, k, threads=t)) for _, k in keys]
        rows.append(row)
    header = ["lock"] + [f"{t} thr {n}" for t in counts for n, _ in keys]
    rep.table(header, rows)
    p = plt()
    fig, axes = p.subplots(1, len(counts), figsize=(12, 0.3 * len(locks) + 2.5), sharey=True)
    axes = axes if len(counts) > 1 else [axes]
    for ax, t in zip(axes, counts):
        n = len(keys)
        for i, (label, k) in enumerate(keys):
            vals = [res.value("fairness", l, k, threads=t) or 0 for l in locks]
            ax.barh([j + (i - (n - 1) / 2) * 0.2 for j in range(len(locks))], [v / 1e3 for v in vals], height=0.2,
                    label=label, color=shade[label])
        ax.set_xscale("log")
        ax.set_xlabel("wait (µs, log scale)")
        ax.set_title(f"{t} threads")
        ax.grid(axis="x", alpha=0.3)
    axes[0].set_yticks(range(len(locks)))
    axes[0].set_yticklabels(locks)
    axes[0].invert_yaxis()
    axes[-1].legend(fontsize="small")
    fig.suptitle("Wait-time percentiles")
    f = save(fig, out, "latency.png")
    top = max(counts)
    worst = max(((res.value("fairness", l, "wait_p999_ns", threads=top) or 0, l) for l in locks))
    rep.image(f, f"Wait percentiles per lock at {', '.join(map(str, counts))} threads (µs, log scale); the worst "
                 f"p99.9 at {top} threads is {worst[1]}'s {fmt_ns(worst[0])}.")


def scenario_rwlock(rep, res, out, ctx):
    rep.heading(2, f"6. Reader-writer locks: read-percentage sweep ({ctx.pair} threads)", "rwlock")
    rep.para("Each operation is a read (read_lock, read two fields, read_unlock) with probability read_pct, else "
             f"a write (lock, bump both fields, unlock); fixed time, {ctx.pair} threads. Even at 100 % reads every reader "
             "write the lock's reader count, so the line bounces between the cores.")
    locks = res.locks("rwlock")
    pcts = sorted({r["params"]["read_pct"] for r in res.rows if r["scenario"] == "rwlock"})
    rows = []
    p = plt()
    fig, ax = p.subplots(figsize=(9, 5))
    xs = list(range(len(pcts)))
    for lock in locks:
        ys = [res.value("rwlock", lock, "ops_per_s", read_pct=q) for q in pcts]
        rows.append([lock] + [fmt_rate(y) for y in ys])
        ax.plot(xs, [y or float("nan") for y in ys], label=lock, **plot_pairs.style(lock))
    rep.table(["lock"] + [f"{q} % reads: ops/s" for q in pcts], rows)
    ax.set_xticks(xs)
    ax.set_xticklabels([f"{q} %" for q in pcts])
    ax.set_yscale("log")
    ax.set_xlabel("share of operations that are reads")
    ax.set_ylabel(f"operations per second ({ctx.pair} threads)")
    ax.set_title("Reader-writer locks against the read share")
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize="small")
    f = save(fig, out, "rwlock.png")
    rep.image(f, f"Operations per second of {ctx.pair} threads as reads dominate; dashed grey lines are glibc's rwlocks.")


def scenario_config(rep, res, out, ctx):
    rep.heading(2, "7. Read-mostly config under a live writer (atomic.Value vs Mutex)", "config")
    rep.para("One timed reader thread and one writer thread (2 threads in all, not pinned). A read takes the "
             "snapshot and reads two of its fields, the same work in every variant. writer 1 kHz: the writer "
             "publishes about 1000 times a second, the same for every variant (the targets use this); writer "
             "busy: it publishes as fast as its variant allows, so a cheap writer (atomic_ptr) disturbs its reader "
             "far more often than a costly one (cowcfg's membarrier, urcu's grace period); writes/s says how "
             "often. Variants: atomic_ptr is a bare atomic pointer that never reclaims (the cost floor, not a "
             "correct config); cowcfg_api calls cowcfg directly, cowcfg goes through the lock_ops table, "
             "cowcfg_xchg announces with XCHG instead of relying on membarrier; urcu_memb is liburcu's memb "
             "flavour through its library calls, urcu_memb_inline through its inline fast path (_LGPL_SOURCE); "
             "every other row is a registry lock protecting the fields in place. ns/read is wall time; CPU time is "
             "shown too, as the reader can be descheduled on a busy machine.")
    locks = res.locks("config")
    rows = []
    base = {hz: res.get("config", "atomic_ptr", writer_hz=hz) for hz in (1000, 0)}
    mtx = {hz: res.get("config", "pthread_mutex", writer_hz=hz) for hz in (1000, 0)}
    wall = {}
    for lock in locks:
        row = [lock]
        for hz in (1000, 0):
            r = res.get("config", lock, writer_hz=hz)
            if not r or r.get("error_occurred"):
                row += ["-"] * 4
                continue
            w, c = ns_per_iteration(r)
            wall[(lock, hz)] = w
            b = ns_per_iteration(base[hz])[0] if base[hz] else None
            m = ns_per_iteration(mtx[hz])[0] if mtx[hz] else None
            row += [f"{fmt_ns(w)} ({fmt_ns(c)})", fmt_ratio(ratio(w, b)), fmt_ratio(ratio(m, w)),
                    fmt_rate(r.get("writes_per_s"))]
        rows.append(row)
    rep.table(["variant", "1 kHz: ns/read wall (CPU)", "x atomic_ptr", "pthread_mutex / this", "writes/s",
               "busy: ns/read wall (CPU)", "x atomic_ptr", "pthread_mutex / this", "writes/s"], rows)
    a, m = wall.get(("atomic_ptr", 1000)), wall.get(("pthread_mutex", 1000))
    c = wall.get(("cowcfg_api", 1000))
    rep.para(f"With one reader and the writer at 1 kHz: atomic_ptr {fmt_ns(a)}, cowcfg_api {fmt_ns(c)}, "
             f"pthread_mutex {fmt_ns(m)}: mutex/atomic {fmt_ratio(ratio(m, a))}, mutex/cowcfg "
             f"{fmt_ratio(ratio(m, c))}. With the busy writer: mutex/atomic "
             f"{fmt_ratio(ratio(wall.get(('pthread_mutex', 0)), wall.get(('atomic_ptr', 0))))}, mutex/cowcfg "
             f"{fmt_ratio(ratio(wall.get(('pthread_mutex', 0)), wall.get(('cowcfg_api', 0))))}. The notes' Go "
             f"benchmark has a reader on every CPU; that shape ({plural(ctx.n, 'reader')} and a writer), in C and in Go, is "
             f"in the section Go beside C.")
    f = hbar(out, "config.png", locks,
             [("writer at 1 kHz", [wall.get((l, 1000)) for l in locks]),
              ("writer as fast as it can", [wall.get((l, 0)) for l in locks])],
             "time per read (ns, wall clock, log scale)", "Config reads under a live writer, 1 reader + 1 writer",
             log=True, by_lock=True)
    f2 = plot_pairs.config_pair(out, {l: wall.get((l, 1000)) for l in locks}, {l: wall.get((l, 0)) for l in locks})
    if f2:
        rep.image(f2, "The comparison lab 05 asks for: reading a config through copy-on-write (cowcfg, purple) "
                      "against the locks a student would reach for (log scale, the writer at 1 kHz on the left, as "
                      "fast as it can on the right). A cowcfg read only loads a pointer; a mutex or rwlock read "
                      "writes the lock's shared line.")
    rep.image(f, "Nanoseconds per config read for every variant (log scale; dark: writer at 1 kHz, pale: writer "
                 "as fast as it can; colour: the kind of lock); atomic_ptr is the floor, and anything that makes "
                 "the reader write a shared line (a mutex, an rwlock's reader count) is an order of magnitude "
                 "above it.")


def scenario_channels(rep, res, out):
    rep.heading(2, "9. Channels: buffer size against throughput and latency", "channels")
    rep.para("One producer thread sends stamped items as fast as it can for the run length; one consumer "
             "receives them (bench/channels.c, channel from labs/toolkit/chan.h). send = time the producer spends "
             "blocked inside chan_send (what the sender feels); end-to-end = from the start of an item's send to "
             "the end of its receive (what the item feels, including time queued in the buffer).")
    caps = sorted({r["params"]["cap"] for r in res.rows if r["scenario"] == "channels"})
    if not caps:
        rep.para("No channel results in this run.")
        return
    keys = ("send_p50_ns", "send_p99_ns", "e2e_p50_ns", "e2e_p99_ns")
    vals = {c: res.get("channels", "chan", cap=c) for c in caps}
    rows = [[str(c), fmt_rate((vals[c] or {}).get("items_per_s"))] + [fmt_ns((vals[c] or {}).get(k)) for k in keys]
            for c in caps]
    rep.table(["capacity", "items/s", "send p50", "send p99", "end-to-end p50", "end-to-end p99"], rows)
    rate = {c: (vals[c] or {}).get("items_per_s") for c in caps}
    e2e = {c: (vals[c] or {}).get("e2e_p50_ns") for c in caps}
    lo, hi = caps[0], caps[-1]
    gain, queued = ratio(rate[hi], rate[lo]), ratio(e2e[hi], e2e[lo])
    if gain is None or queued is None:
        rep.para("A channel run failed, so there is no verdict on the course's claim in this report.")
    else:
        said = ("raised throughput" if gain > 1.2 else "lowered throughput" if gain < 1 / 1.2
                else "left throughput about where it was")
        rep.para(f"The course says a buffer cuts latency but does not raise throughput. In this run the buffer "
                 f"{said}: {fmt_rate(rate[lo])} items/s at capacity {lo}, {fmt_rate(rate[hi])} at {hi} "
                 f"({fmt_ratio(gain)}); with a buffer the two threads need no wake-up per item. An item's "
                 f"end-to-end p50 went from {fmt_ns(e2e[lo])} to {fmt_ns(e2e[hi])} ({fmt_ratio(queued)}): "
                 + ("once the buffer fills, an item queues behind every item ahead of it, so a big buffer "
                    "lengthens what the item waits while it shortens what the sender waits; a buffer absorbs "
                    "bursts, it does not make a slow consumer faster." if queued > 1.2 else
                    "the buffer did not make items wait longer here."))
    p = plt()
    fig, (a1, a2) = p.subplots(1, 2, figsize=(11, 4.5))
    xs = list(range(len(caps)))
    a1.bar(xs, [rate[c] or 0 for c in caps], color="tab:blue")
    # Items per second as 20.46k and 1.17M (the numbers of the table), not as a "1e6" offset above the axis.
    a1.yaxis.set_major_formatter(p.FuncFormatter(lambda v, _: fmt_rate(v) if v else "0"))
    for x, c in zip(xs, caps):
        a1.text(x, rate[c] or 0, fmt_rate(rate[c]), ha="center", va="bottom", fontsize="small")
    a1.set_xticks(xs)
    a1.set_xticklabels([str(c) for c in caps])
    a1.set_xlabel("channel capacity (items)")
    a1.set_ylabel("items received per second")
    a1.set_title("Throughput, 1 producer + 1 consumer")
    for k, style in zip(keys, ("o--", "s--", "o-", "s-")):
        a2.plot(xs, [((vals[c] or {}).get(k) or float("nan")) / 1e3 for c in caps], style, label=k.replace("_ns", ""))
    a2.set_xticks(xs)
    a2.set_xticklabels([str(c) for c in caps])
    a2.set_yscale("log")
    a2.set_xlabel("channel capacity (items)")
    a2.set_ylabel("time (µs, log scale)")
    a2.set_title("Sender wait and end-to-end latency")
    a2.grid(alpha=0.3, which="both")
    a2.legend(fontsize="small")
    f = save(fig, out, "channels.png")
    rep.image(f, "Left: items per second by buffer size. Right: how long the sender blocks and how long an item "
                 "takes end to end, p50 and p99 (µs, log scale).")


def scenario_toolkit(rep, res):
    rep.heading(2, "10. Toolkit: errgroup rounds and context cancellation", "toolkit")
    pool = res.get("toolkit", "errgroup_round", mode="pool")
    thread = res.get("toolkit", "errgroup_round", mode="thread")
    tree = res.get("toolkit", "ctx_cancel_tree", contexts=1000)
    rows = []
    for label, r, ref in (("errgroup round, worker pool (8 no-op tasks + Wait)", pool, GO_ERRGROUP_NS),
                          ("errgroup round, thread per task", thread, GO_ERRGROUP_NS),
                          ("cancel a tree of 1000 contexts", tree, None)):
        w = ns_per_iteration(r)[0] if r and not r.get("error_occurred") else None
        rows.append([label, fmt_ns(w), fmt_ratio(ratio(w, ref)) if ref else "-"])
    rep.table(["what", "wall time", f"x {fmt_ns(GO_ERRGROUP_NS)} (Go's errgroup in the toolkit issue)"], rows)
    rep.para("The toolkit issue's bound is an absolute time, Go's errgroup round as measured then; the same round "
             "in Go, measured in this run, is in the section Go beside C.")


# ---- targets: data, one row each --------------------------------------------------------
#
# A target is a claim with a bound: name, the measured expression (one
# measure, or a ratio of two), the bound and its direction.  Ratios and
# absolute bounds (a Jain index, a p99.9 in ns) are the same kind of row.
# The verdict is computed; nothing is excused.  When a target is missed the
# report lists what the same run measured beside it: the load average at
# the start, how often the benchmark's threads were preempted (against the
# median of its scenario), and the target's own "beside" measures (a second
# benchmark that isolates the effect).  No other explanation is written.

GO_ERRGROUP_NS = 2800.0  # the toolkit issue's bound: Go's errgroup round, measured then on this machine kind


class M:
    """One measured number: a lockbench result (scenario, lock, params, key), where key is 'cpu_ns' or
    'wall_ns' (Google Benchmark's time per iteration) or a counter; or, with scenario 'httpd', a key of
    httpd.json."""

    def __init__(self, scenario, lock, key, **params):
        self.scenario, self.lock, self.key, self.params = scenario, lock, key, params

    def row(self, ctx):
        if self.scenario == "httpd":
            return None
        r = ctx.res.get(self.scenario, self.lock, **self.params)
        return None if r is None or r.get("error_occurred") else r

    def value(self, ctx):
        if self.scenario == "httpd":
            return (ctx.httpd or {}).get(self.key)
        r = self.row(ctx)
        if r is None:
            return None
        if self.key in ("cpu_ns", "wall_ns"):
            return ns_per_iteration(r)[1 if self.key == "cpu_ns" else 0]
        if self.key == "ns_per_op":  # a timed_run's wall time per operation of all threads
            return 1e9 / r["ops_per_s"] if r.get("ops_per_s") else None
        return r.get(self.key)

    def text(self):
        if self.scenario == "httpd":
            return f"httpd.json {self.key}"
        ps = "".join(f"/{k}:{v}" for k, v in self.params.items())
        return f"{self.scenario}/{self.lock}{ps} {self.key}"

    def fmt(self, v):
        if v is None:
            return "-"
        if self.key.endswith("_ns") or self.key == "ns_per_op":
            return fmt_ns(v)
        if self.key.endswith("_ms"):
            return f"{v:.2f} ms"
        if self.key.endswith("_per_s") or self.key.endswith("rps"):
            return fmt_rate(v)
        if "ratio" in self.key:
            return fmt_ratio(v)
        return fmt_num(v)


class Target:
    def __init__(self, name, num, op, bound, den=None, beside=()):
        assert op in ("<=", ">=")
        self.name, self.num, self.den, self.op, self.bound, self.beside = name, num, den, op, bound, beside

    def expression(self):
        return self.num.text() + (f" / {self.den.text()}" if self.den else "")

    def bound_text(self):
        b = f"{self.bound:g}x" if self.den or "ratio" in self.num.key else self.num.fmt(self.bound)
        return f"{self.op} {b}"

    def measure(self, ctx):
        a = self.num.value(ctx)
        if self.den is None:
            return a, self.num.fmt(a)
        b = self.den.value(ctx)
        r = ratio(a, b)
        return r, f"{fmt_ratio(r)} ({self.num.fmt(a)} / {self.den.fmt(b)})"

    def verdict(self, value):
        if value is None:
            return "not measured"
        ok = value <= self.bound if self.op == "<=" else value >= self.bound
        return "met" if ok else "missed"


def preemption_facts(ctx, m):
    """'threads/ticket/threads:8: its threads were preempted 1234 times (median of its scenario 40)' for a
    lockbench measure whose run was preempted more than twice as often as its scenario's median run."""
    r = m.row(ctx)
    if r is None or "preempted" not in r:
        return None
    peers = [x["preempted"] for x in ctx.res.rows if x["scenario"] == m.scenario and "preempted" in x
             and not x.get("error_occurred")]
    med = statistics.median(peers)
    if r["preempted"] <= 2 * med:
        return None
    ps = "".join(f"/{k}:{v}" for k, v in m.params.items())
    return f"{m.scenario}/{m.lock}{ps}: its threads were preempted {r['preempted']:.0f} times (median of its scenario {med:.0f})"


def measured_beside(ctx, t):
    facts = []
    if t.num.scenario == "httpd":
        load = (ctx.httpd or {}).get("loadavg_before", [])
        where = "before the server rounds"
    else:
        load = ctx.res.context.get("load_avg", [])
        where = "at the start of the run"
    if load and load[0] >= 1.0:
        facts.append(f"load average {load[0]:.2f} {where}, on {plural(ctx.n, 'CPU')}")
    for m in (t.num, t.den):
        if m is not None:
            f = preemption_facts(ctx, m)
            if f and f not in facts:
                facts.append(f)
    for m in t.beside:
        facts.append(f"{m.text()} = {m.fmt(m.value(ctx))}")
    return "; ".join(facts)


def target_table(ctx):
    """Every target of the report, as data (thread counts from n)."""
    n, pair = ctx.n, ctx.pair
    top, fair_top = 4 * n, 4 * n
    T = []
    for lock in ("mutex_barging", "mutex_hybrid"):
        T.append(Target(f"uncontended lock+unlock: {lock} at most pthread_mutex's CPU time",
                        M("uncontended", lock, "cpu_ns", side="write"), "<=", 1.0,
                        den=M("uncontended", "pthread_mutex", "cpu_ns", side="write")))
    for lock, want in (("mutex_barging", 1.0), ("mutex_hybrid", 0.9)):
        T.append(Target(f"{pair} threads, tiny critical section: {lock} throughput against pthread_mutex",
                        M("threads", lock, "ops_per_s", threads=pair), ">=", want,
                        den=M("threads", "pthread_mutex", "ops_per_s", threads=pair),
                        beside=(M("fairness", lock, "handoffs_per_acq", threads=n),
                                M("fairness", "pthread_mutex", "handoffs_per_acq", threads=n))))
    for lock in ("mutex_spin", "mutex_hybrid"):
        T.append(Target(f"{top} threads on {plural(n, 'CPU')}: {lock} throughput against pthread_mutex",
                        M("threads", lock, "ops_per_s", threads=top), ">=", 1.0,
                        den=M("threads", "pthread_mutex", "ops_per_s", threads=top),
                        beside=(M("fairness", lock, "wait_max_ns", threads=fair_top),
                                M("fairness", "mutex_barging", "wait_max_ns", threads=fair_top))))
    for lock in ("ticket", "mcs", "ck_ticket", "ck_mcs"):
        T.append(Target(f"{top} threads on {plural(n, 'CPU')}: the FIFO spinlock {lock} collapses (keeps at most a tenth "
                        f"of its one-thread rate)", M("threads", lock, "ops_per_s", threads=top), "<=", 0.1,
                        den=M("threads", lock, "ops_per_s", threads=1),
                        beside=(M("threads", "mutex_barging", "ops_per_s", threads=top),)))
    for lock, counts in (("mutex_handoff", (n, fair_top)), ("ticket", (n,)), ("mcs", (n,))):
        for c in counts:
            T.append(Target(f"fairness at {plural(c, 'thread')} on {plural(n, 'CPU')}: {lock} Jain index",
                            M("fairness", lock, "jain", threads=c), ">=", 0.98,
                            beside=(M("fairness", lock, "jain_window", threads=c),
                                    M("fairness", lock, "handoffs_per_acq", threads=c))))
    T.append(Target(f"fairness at {fair_top} threads: mutex_hybrid's p99.9 wait within a few ms",
                    M("fairness", "mutex_hybrid", "wait_p999_ns", threads=fair_top), "<=", 5e6,
                    beside=(M("fairness", "mutex_hybrid", "wait_max_ns", threads=fair_top),)))
    T.append(Target(f"fairness at {fair_top} threads: mutex_barging's p99.9 wait beyond a few ms (the starvation "
                    f"hybrid avoids)", M("fairness", "mutex_barging", "wait_p999_ns", threads=fair_top), ">=", 5e6,
                    beside=(M("fairness", "mutex_barging", "wait_max_ns", threads=fair_top),
                            M("fairness", "mutex_barging", "handoffs_per_acq", threads=fair_top),
                            M("fairness", "mutex_barging", "jain_window", threads=fair_top))))
    T.append(Target("cowcfg read, 1 reader, writer at 1 kHz: at most 2x a bare atomic pointer load",
                    M("config", "cowcfg_api", "wall_ns", writer_hz=1000), "<=", 2.0,
                    den=M("config", "atomic_ptr", "wall_ns", writer_hz=1000),
                    beside=(M("config", "cowcfg", "wall_ns", writer_hz=1000),)))
    T.append(Target("cowcfg read, 1 reader, writer at 1 kHz: 20x faster than a pthread_mutex read",
                    M("config", "pthread_mutex", "wall_ns", writer_hz=1000), ">=", 20,
                    den=M("config", "cowcfg_api", "wall_ns", writer_hz=1000)))
    T.append(Target(f"cowcfg read, {plural(n, 'reader')} + a writer at 1 kHz (Go's shape): 20x faster than a pthread_mutex "
                    f"read", M("config_par", "pthread_mutex", "ns_per_op", writer_hz=1000, threads=n), ">=", 20,
                    den=M("config_par", "cowcfg", "ns_per_op", writer_hz=1000, threads=n),
                    beside=(M("config_par", "atomic_ptr", "ns_per_op", writer_hz=1000, threads=n),)))
    T.append(Target("cowcfg read: at least as fast as liburcu-memb's read side",
                    M("config", "cowcfg_api", "wall_ns", writer_hz=1000), "<=", 1.0,
                    den=M("config", "urcu_memb", "wall_ns", writer_hz=1000),
                    beside=(M("config", "urcu_memb_inline", "wall_ns", writer_hz=1000),)))
    T.append(Target(f"rwlock at 99 % reads, {pair} threads: throughput against pthread_rwlock",
                    M("rwlock", "rwlock", "ops_per_s", read_pct=99), ">=", 1.0,
                    den=M("rwlock", "pthread_rwlock", "ops_per_s", read_pct=99),
                    beside=(M("rwlock", "rwlock", "ops_per_s", read_pct=100),
                            M("rwlock", "pthread_rwlock", "ops_per_s", read_pct=100))))
    T.append(Target("errgroup round on the worker pool within Go's errgroup round (toolkit issue: 2.8 µs)",
                    M("toolkit", "errgroup_round", "wall_ns", mode="pool"), "<=", GO_ERRGROUP_NS))
    T.append(Target("httpd requests/s against nginx, equal workers (median of the rounds)",
                    M("httpd", "", "median_ratio"), ">=", 1.0))
    T.append(Target("httpd p99 against nginx's, equal workers (median of the rounds)",
                    M("httpd", "", "median_httpd_p99_ms"), "<=", 1.0, den=M("httpd", "", "median_nginx_p99_ms")))
    for mod in ctx.sections:
        if hasattr(mod, "targets"):
            T.extend(mod.targets(ctx))
    return T


def targets(rep, ctx):
    rows = []
    for t in target_table(ctx):
        value, shown = t.measure(ctx)
        verdict = t.verdict(value)
        rows.append([t.name, t.expression(), shown, t.bound_text(), verdict,
                     measured_beside(ctx, t) if verdict == "missed" else ""])
    rep.heading(2, "Targets: what memlab promises, and what this run measured", "targets")
    rep.para(f"Each row is a claim the course makes about a lock or a server, the numbers it is judged on (a ratio "
             f"of two benchmarks of this run, or one measured value), the bound it must meet, and the verdict. "
             f"Thread counts follow the {plural(ctx.n, 'CPU')} this run could use. For a missed target the last column "
             f"lists what this same run measured that bears on it (load, preemptions, a second benchmark); "
             f"it gives no other reason.")
    rep.table(["target", "measured expression", "measured", "bound", "verdict", "measured beside it"], rows,
              cls="text")
    return rows


# ---- lab 07: httpd, nginx and Go's net/http (scripts/bench_httpd.py writes httpd.json) -----

def section_httpd(rep, ctx):
    h = ctx.httpd
    if not h:
        return
    c = h["config"]
    rep.heading(2, "11. httpd, nginx and Go's net/http (lab 07)", "httpd")
    peers = h.get("peers", {})
    rep.para(f"`wrk -t{c['threads']} -c{c['connections']} -d{c['seconds']}s --latency` with keep-alive on loopback, "
             f"{c['rounds']} interleaved rounds (scripts/bench_httpd.py), every server serving the same body "
             f"(response sizes with headers: "
             + ", ".join(f"{k} {v} B" for k, v in c.get("response_bytes", {}).items())
             + f"). wrk shares the {c['cpus']} CPUs with the server. Load average before: "
             f"{h['loadavg_before'][0]:.2f}, after: {h['loadavg_after'][0]:.2f}.")
    rows = []
    for pair in h.get("pairs", []):
        rows.append([pair["label"], fmt_rate(pair.get("a_rps")), fmt_rate(pair.get("b_rps")),
                     fmt_ratio(pair.get("ratio")),
                     "-" if pair.get("a_p99_ms") is None else f"{pair['a_p99_ms']:.2f} ms",
                     "-" if pair.get("b_p99_ms") is None else f"{pair['b_p99_ms']:.2f} ms"])
    rep.table(["pair (medians of the rounds)", "req/s", "peer req/s", "ratio", "p99", "peer p99"], rows)
    rrows = []
    names = list(peers)
    for r in h["rounds"]:
        rrows.append([str(r["round"]), ", ".join(r["order"])] +
                     [f"{fmt_rate(r['servers'][k]['rps'])} / {r['servers'][k]['p99_ms']:.2f} ms"
                      if k in r["servers"] else "-" for k in names])
    rep.table(["round", "order"] + [f"{k} req/s / p99" for k in names], rrows)
    rep.para("Servers: " + "; ".join(f"{k}: {v}" for k, v in peers.items()) + ".")
    sg = h["sigterm"]
    rep.para(f"SIGTERM during wrk (/ with keep-alive and /sleep?ms=50 at once): httpd exited {sg['exit_status']} "
             f"after {sg['shutdown_s']:.3f} s with **{sg['requests_cut']} requests cut** (must be 0); "
             f"{sg['open_at_signal']} connections were open at the signal. wrk's read errors (a connection "
             f"closed under a request): {sg['wrk_keepalive']['errors'].get('read', 0)} on / and "
             f"{sg['wrk_sleep']['errors'].get('read', 0)} on /sleep. Its write and connect errors are its "
             f"reconnects being refused once the listener is closed, which is the point.")


def closing(rep, ctx, rows):
    met = [r for r in rows if r[4] == "met"]
    missed = [r for r in rows if r[4] == "missed"]
    rep.heading(2, "Closing note", "closing")
    rep.para(f"{len(met)} of {len(rows)} targets met, {len(missed)} missed"
             + (", " + str(len(rows) - len(met) - len(missed)) + " not measured" if len(met) + len(missed) < len(rows)
                else "") + ". The misses, with what this run measured beside each:")
    for r in missed:
        rep.para(f"**{r[0]}**: {r[2]}, bound {r[3]}." + (f" Measured beside it: {r[5]}." if r[5] else ""))
    load = ctx.res.context.get("load_avg", [])
    rep.para(f"This run had {plural(ctx.n, 'CPU')} (affinity {ctx.affinity}) and started at load average "
             f"{load[0]:.2f}." if load else f"This run had {plural(ctx.n, 'CPU')} (affinity {ctx.affinity}).")


def headline(rep, ctx):
    """One row per mutex: the numbers a reader wants first."""
    res, pair, top = ctx.res, ctx.pair, 4 * ctx.n
    rows = []
    for lock in res.locks("threads"):
        un = res.get("uncontended", lock, side="write")
        rows.append([lock, (un or {}).get("label", ""), fmt_ns(ns_per_iteration(un)[1]) if un else "-",
                     fmt_rate(res.value("threads", lock, "ops_per_s", threads=pair)),
                     fmt_rate(res.value("threads", lock, "ops_per_s", threads=top)),
                     fmt_num(res.value("fairness", lock, "jain", threads=top)),
                     fmt_num(res.value("fairness", lock, "jain_window", threads=top)),
                     fmt_num(res.value("fairness", lock, "handoffs_per_acq", threads=top)),
                     fmt_ns(res.value("fairness", lock, "wait_p999_ns", threads=top)),
                     fmt_ns(res.value("fairness", lock, "wait_max_ns", threads=top))])
    rep.heading(2, "Headline", "headline")
    rep.para(f"{pair} threads is the contended case"
             + (" with a CPU for every thread" if pair <= ctx.n else f", already more threads than the {plural(ctx.n, 'CPU')}")
             + f"; {top} threads (4 per CPU) is the oversubscribed case.")
    rep.table(["lock", "flags", "uncontended (CPU)", f"{pair} thr acq/s", f"{top} thr acq/s", f"{top} thr Jain",
               f"{top} thr Jain/10ms", f"{top} thr handoffs/acq", f"{top} thr p99.9 wait",
               f"{top} thr max wait"], rows)
    return rows


# ---- optional sections -------------------------------------------------------------------
#
# A report section that lives in its own module, scripts/<name>.py, imported
# here only if the file exists.  The module may define
#     targets(ctx) -> [Target]   rows for the targets table (data, as above)
#     section(rep, ctx)          writes its section (rep: Report; ctx: Context)
# ctx.br is this module (formatting, plotting, M and Target), ctx.res the
# lockbench results, ctx.out the output directory, ctx.n the CPUs.  To add a
# section, add its module name here; the order is the report's order.
OPTIONAL_SECTIONS = ("report_reclaim", "report_go")


def load_sections():
    mods = []
    here = os.path.dirname(os.path.abspath(__file__))
    if here not in sys.path:
        sys.path.insert(0, here)
    for name in OPTIONAL_SECTIONS:
        if os.path.exists(os.path.join(here, name + ".py")):
            mods.append(importlib.import_module(name))
    return mods


def load_json(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


class Context:
    """What every section reads: the results, the machine's n, and the other JSON files of the run."""

    def __init__(self, res, out):
        self.res, self.out = res, out
        self.br = sys.modules[__name__]
        try:
            self.n = int(res.context.get("memlab_cpus", ""))
        except ValueError:
            self.n = len(os.sched_getaffinity(0))
        self.pair = max(2, self.n)
        self.affinity = res.context.get("memlab_affinity", "unknown")
        self.httpd = load_json(os.path.join(out, "httpd.json"))
        self.go = load_json(os.path.join(out, "go.json"))
        self.sections = load_sections()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", required=True, help="lockbench's --benchmark_out JSON")
    ap.add_argument("--out", required=True,
                    help="directory for report.md, report.html and the PNGs (go.json, httpd.json are read from it)")
    ap.add_argument("--cc", default="cc")
    ap.add_argument("--cxx", default="c++")
    ap.add_argument("--mode", default="default")
    ap.add_argument("--flags", default="")
    ap.add_argument("--no-plots", action="store_true", help="write the text only, no PNG (for tests)")
    args = ap.parse_args()
    global PLOTS
    PLOTS = not args.no_plots
    plot_pairs.RENDER = PLOTS
    res = Results(args.json)
    ctx = Context(res, args.out)
    bad = [r["name"] for r in res.rows if r.get("error_occurred")]
    rep = Report()
    rep.heading(1, "memlab benchmarks")
    rep.para(f"Made by `make bench` (bench/README.md explains every scenario) on {plural(ctx.n, 'CPU')}. Thread counts "
             f"come from those {plural(ctx.n, 'CPU')}: 1, 2, n, 2n and 4n threads for throughput, n and 4n for fairness. "
             f"Absolute numbers depend on the machine and on what else it runs (the load average is in the "
             f"table); ratios between benchmarks of one run are what the targets use.")
    rep.table(["machine", ""], machine(args, res, ctx))
    if bad:
        rep.para("**Benchmarks that failed:** " + ", ".join(bad))
    headline(rep, ctx)
    target_rows = targets(rep, ctx)
    scenario_uncontended(rep, res, args.out)
    scenario_threads(rep, res, args.out, ctx)
    scenario_cs(rep, res, args.out, ctx)
    scenario_fairness(rep, res, args.out, ctx)
    scenario_latency(rep, res, args.out)
    scenario_rwlock(rep, res, args.out, ctx)
    scenario_config(rep, res, args.out, ctx)
    rep.heading(2, "8. Concurrency Kit baselines", "ck")
    rep.para("ck_ticket and ck_mcs (Concurrency Kit's ck_spinlock_ticket and ck_spinlock_mcs, adapted in "
             "bench/ck_locks.c) run in every mutex scenario above, beside memlab's ticket and mcs.")
    scenario_channels(rep, res, args.out)
    scenario_toolkit(rep, res)
    section_httpd(rep, ctx)
    for mod in ctx.sections:
        if hasattr(mod, "section"):
            mod.section(rep, ctx)
    closing(rep, ctx, target_rows)
    rep.write(args.out)
    print(f"bench report: {os.path.join(args.out, 'report.html')} (and report.md, *.png)")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
