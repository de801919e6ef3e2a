"""report_reclaim.py: the reclamation-zoo section of the benchmark report (bench/config_reclaim.c, names reclaim/<variant>/writer_hz:N).

bench_report.py wires it with one import and one call, after the config scenario:

    from report_reclaim import section_reclaim
    section_reclaim(rep, res, args.out, fmt_ns)

rep is bench_report's Report (heading, para, table, image), res its Results
(rows with scenario, lock, params, and the JSON fields).  Every sentence is
worded from the numbers of this run; targets are data (TARGETS below).
"""
import os

# (what, numerator variant, denominator variant, bound, direction): ratios of CPU ns per read.
TARGETS = [
    ("QSBR read vs a bare atomic load", "cowcfg_qsbr", "atomic_ptr", 1.2, "<="),
    ("epoch read vs liburcu-memb's inline read", "cowcfg", "urcu_memb", 1.0, "<="),
]
MUTEX_SPEEDUP = 20.0  # every variant's read at least this much cheaper than pthread_mutex's

WHO_PAYS = {
    "atomic_ptr": "nobody: it never frees, so it is not a correct config (the floor)",
    "pthread_mutex": "readers: every read takes the lock; the writer updates in place",
    "cowcfg": "reader: an announce (MOV) per section; writer: a membarrier per publish",
    "cowcfg_xchg": "reader: a locked XCHG per section; writer: a scan",
    "cowcfg_qsbr": "reader: one report per batch of reads, and the duty to make it; writer: waits for every "
                   "reader's next report",
    "cowcfg_hazard": "reader: an announce and a re-load per section; writer: a membarrier and a pointer scan",
    "cowcfg_hazard_xchg": "reader: a locked XCHG and a re-load per section (the classic); writer: a scan",
    "urcu_memb": "reader: two MOVs and a check per section; writer: a grace period (membarrier) per publish",
    "urcu_qsbr": "reader: a report per batch (two fences); writer: a grace period per publish",
}


def _rows(res):
    rows = [r for r in res.rows if r["scenario"] == "reclaim" and not r.get("error_occurred")]
    hz = sorted({r["params"].get("writer_hz") for r in rows}, key=lambda v: (v is None, v))
    return rows, hz


def _precise(fmt_ns):
    """bench_report's fmt_ns, with two decimals below 10 ns: the reads here differ in tenths of a ns."""
    return lambda v: f"{v:.2f} ns" if v is not None and v < 10 else fmt_ns(v)


def _plot(out, names, read, p50, p99, hz, ns):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, (a, b) = plt.subplots(1, 2, figsize=(12, 0.35 * len(names) + 1.8), sharey=True)
    ys = range(len(names))
    a.barh(list(ys), [v or 0 for v in read], color="tab:blue")
    for y, v in zip(ys, read):  # the number itself: a log axis hides factors of two
        if v:
            a.annotate(ns(v), (v, y), xytext=(3, 0), textcoords="offset points", va="center", fontsize="small")
    a.set_xscale("log")
    a.set_xlim(right=max(v for v in read if v) * 4 if any(read) else None)
    a.set_xlabel("CPU ns per read (log)")
    a.set_title("Read cost, readers on every CPU")
    a.set_yticks(list(ys))
    a.set_yticklabels(names)
    a.invert_yaxis()
    h = 0.4
    # microseconds: the span runs from tens of us to tens of ms
    b.barh([y - h / 2 for y in ys], [v / 1e3 if v else 0 for v in p50], height=h, label="p50", color="tab:green")
    b.barh([y + h / 2 for y in ys], [v / 1e3 if v else 0 for v in p99], height=h, label="p99", color="tab:red")
    for y, v in zip(ys, p50):
        if not v:
            b.annotate("frees nothing", (0, y), xycoords=("axes fraction", "data"), xytext=(4, 0),
                       textcoords="offset points", va="center", fontsize="small", color="0.4")
    b.set_xscale("log")
    b.set_xlabel("µs from the publish that retired a version to its free (log)")
    b.set_title(f"Writer side: publish to free ({hz} publishes/s asked)")
    b.legend(loc="best", fontsize="small")
    for ax in (a, b):
        ax.grid(axis="x", alpha=0.3)
    fig.tight_layout()
    name = "reclaim.png"
    fig.savefig(os.path.join(out, name), dpi=110)
    plt.close(fig)
    return name


# For a variant that misses the mutex target: the variant of this run it
# differs from by one step, that step, and what to call its cost.
CLOSEST = {
    "cowcfg_hazard": ("cowcfg", "a re-load of the config pointer and a compare per section (to see that the "
                      "version it announced is still the current one)", "that check"),
}


def section_reclaim(rep, res, out, fmt_ns):
    ns = _precise(fmt_ns)
    rows, hzs = _rows(res)
    rep.heading(2, "Reclaiming old config versions: who pays", "reclaim")
    if not rows:
        rep.para("No reclaim/ results in this run (bench/config_reclaim.c did not run).")
        return
    hz = hzs[0]
    rows = [r for r in rows if r["params"].get("writer_hz") == hz]
    by = {r["lock"]: r for r in rows}
    n = int(rows[0].get("readers", 0))
    rep.para(f"{n} reader threads (one per CPU this process may use) read a config in a loop while one writer "
             f"publishes a new version, asked for {hz} times a second; every variant does the same work per read "
             "(get the snapshot, read two fields, let go) through its inline read side. Read cost is the readers' "
             "CPU time per read (other load on the machine does not count); the wall time per read, which "
             "includes the readers' preemption, is in the table too. Publish to free is, for each version, the "
             "time from the publish that swapped it out to its free: how long the writer side keeps old memory.")

    def read(v):
        r = by.get(v)
        return r.get("read_ns") if r else None

    names = [r["lock"] for r in rows]
    base, mutex = read("atomic_ptr"), read("pthread_mutex")
    table = []
    for v in names:
        r = by[v]
        rd = read(v)
        table.append([v, ns(rd), ns(r.get("read_wall_ns")),
                      f"{rd / base:.2f}x" if rd and base else "-",
                      f"{mutex / rd:.0f}x" if rd and mutex and v != "pthread_mutex" else "-",
                      ns(r.get("write_ns")), ns(r.get("reclaim_p50_ns")), ns(r.get("reclaim_p99_ns")),
                      f"{r.get('writes_per_s', 0):.0f}", WHO_PAYS.get(v, "")])
    rep.table(["variant", "read (CPU)", "read (wall)", "vs atomic_ptr", "pthread_mutex / this",
               "write (per publish)", "publish to free p50", "p99", "writes/s", "who pays"], table)
    f = _plot(out, names, [read(v) for v in names], [by[v].get("reclaim_p50_ns") for v in names],
              [by[v].get("reclaim_p99_ns") for v in names], hz, ns)
    rep.image(f, "Left: CPU ns per read. Right: publish to free, p50 and p99 (variants that free nothing have "
                 "no bar).")

    lines = []
    for what, a, b, bound, direction in TARGETS:
        ra, rb = read(a), read(b)
        if ra is None or rb is None:
            lines.append(f"{what}: not measured ({a} or {b} missing).")
            continue
        q = ra / rb
        met = q <= bound if direction == "<=" else q >= bound
        lines.append(f"{what}: {a} {ns(ra)} / {b} {ns(rb)} = {q:.2f}x (target {direction} {bound}x): "
                     f"{'met' if met else 'missed'}.")
    if mutex:
        slow = [(v, mutex / read(v)) for v in names
                if v not in ("pthread_mutex", "atomic_ptr") and read(v) and mutex / read(v) < MUTEX_SPEEDUP]
        fast = [v for v in names if v not in ("pthread_mutex", "atomic_ptr") and read(v)
                and mutex / read(v) >= MUTEX_SPEEDUP]
        lines.append(f"pthread_mutex read {ns(mutex)}: at least {MUTEX_SPEEDUP:.0f}x faster than it: "
                     f"{', '.join(fast) if fast else 'none'}; below: "
                     f"{', '.join(f'{v} {q:.1f}x' for v, q in slow) if slow else 'none'}.")
        ap = by.get("atomic_ptr")
        if slow and ap and ap.get("read_wall_ns"):
            share = ap["read_ns"] / ap["read_wall_ns"]
            said = (f"In this run a reader was on a CPU {100 * share:.0f} % of the time (atomic_ptr's CPU over "
                    "wall time per read)")
            if share < 0.5:
                said += (f": the {n} readers were seldom running at once, so the mutex's cache line seldom moved "
                         "between two readers' cores, which is what makes a mutex read expensive with readers on "
                         "every CPU; the mutex's ratio here is measured with that share.")
            lines.append(said + ("" if share < 0.5 else "."))
        for v, q in slow:
            plain, extra, part = v[:-5], "a locked XCHG per read in place of a MOV", "the fence"
            if not v.endswith("_xchg"):
                plain, extra, part = CLOSEST.get(v, (None, None, None))
            if plain and read(plain):
                lines.append(f"{v} differs from {plain} only by {extra}: {ns(read(v))} against "
                             f"{ns(read(plain))} in this run, so {part} is {ns(read(v) - read(plain))} of its "
                             f"read; {MUTEX_SPEEDUP:.0f}x below the mutex would need {ns(mutex / MUTEX_SPEEDUP)}.")
            elif v.startswith("urcu_"):
                lines.append(f"{v} is liburcu's own read side, a baseline beside memlab's variants: its "
                             f"{ns(read(v))} is what a library reader pays here.")
    for s in lines:
        rep.para(s)


def section(rep, ctx):
    """The hook scripts/bench_report.py calls for each optional section module."""
    section_reclaim(rep, ctx.res, ctx.out, ctx.br.fmt_ns)
