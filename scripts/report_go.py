"""report_go.py: the report's "Go beside C" section: each Go benchmark of bench/go/ next to its C counterpart of the same shape, from the same `make bench`.

An optional section of scripts/bench_report.py (see OPTIONAL_SECTIONS there):
it reads ctx.go, the JSON scripts/bench_go.py wrote (go.json in the report
directory).  Without Go the section says why and nothing else in the report
changes (scripts/bench_check.py go-missing tests that).  It adds no targets:
the notes' claim is compared in the text, with both languages measured.
"""
# The notes' config_test.go on a laptop: BenchmarkAtomic-8 4.21 ns/op, BenchmarkMutex-8 1331 ns/op.
NOTES_ATOMIC_NS, NOTES_MUTEX_NS = 4.21, 1331.0


def go_ns(ctx, name, key="ns_per_op"):
    b = ((ctx.go or {}).get("benchmarks") or {}).get(name)
    return None if b is None else b["median"].get(key)


def pairs(ctx):
    """(what, Go benchmark, Go key, C measure, C's name): one row each, time per operation in both."""
    br, n, pair = ctx.br, ctx.n, ctx.pair
    M = br.M
    counts = sorted({r["params"]["threads"] for r in ctx.res.rows if r["scenario"] == "threads"})
    rows = [("mutex, uncontended lock+unlock (1 thread)", "MutexUncontended", "ns_per_op",
             M("uncontended", "pthread_mutex", "wall_ns", side="write"), "pthread_mutex")]
    for g in counts:
        rows.append((f"mutex, {g} thread{'s' if g > 1 else ''}: lock, counter++, unlock (per acquisition)",
                     f"MutexContended/goroutines={g}", "ns_per_op", M("threads", "pthread_mutex", "ns_per_op", threads=g),
                     "pthread_mutex"))
    # Go's sync.Mutex spins briefly, then parks, and switches to handing the lock over in FIFO order when a
    # waiter has waited over 1 ms: memlab's mutex_hybrid does the same, so it is the closer C peer.
    top = counts[-1] if counts else None
    if top:
        rows.append((f"mutex, {top} threads: the same, against memlab's Go-style mutex (per acquisition)",
                     f"MutexContended/goroutines={top}", "ns_per_op",
                     M("threads", "mutex_hybrid", "ns_per_op", threads=top), "mutex_hybrid"))
    rows.append((f"rwlock, {pair} threads, 99 % reads (per operation)", f"RWMutexReadMostly/goroutines={pair}/read_pct=99",
                 "ns_per_op", M("rwlock", "pthread_rwlock", "ns_per_op", read_pct=99), "pthread_rwlock"))
    for hz, w in ((1000, "writer at 1 kHz"), (0, "busy writer")):
        for gov, cv in (("atomic_value", "atomic_ptr"), ("mutex", "pthread_mutex"), ("rwmutex", "pthread_rwlock")):
            rows.append((f"config read, {br.plural(n, 'reader')} + {w}: {gov.replace('_', ' ')} (per read)",
                         f"ConfigRead/{gov}/writer_hz={hz}", "ns_per_op",
                         M("config_par", cv, "ns_per_op", writer_hz=hz, threads=n), cv))
    rows.append(("errgroup round: 8 no-op tasks + Wait", "ErrgroupRound", "ns_per_op",
                 M("toolkit", "errgroup_round", "wall_ns", mode="pool"), "errgroup (worker pool)"))
    caps = sorted({r["params"]["cap"] for r in ctx.res.rows if r["scenario"] == "channels"})
    for c in caps:
        rows.append((f"channel cap {c}, 1 producer + 1 consumer (per item)", f"Channel/cap={c}", "ns_per_op",
                     M("channels", "chan", "ns_per_item", cap=c), "chan"))
    for c in caps[:1] + caps[-1:]:
        rows.append((f"channel cap {c}: an item's end-to-end p50", f"Channel/cap={c}", "e2e_p50_ns",
                     M("channels", "chan", "e2e_p50_ns", cap=c), "chan"))
    return rows


def c_value(ctx, m):
    if m.key == "ns_per_item":  # channels report items/s
        r = m.row(ctx)
        return 1e9 / r["items_per_s"] if r and r.get("items_per_s") else None
    return m.value(ctx)


def section(rep, ctx):
    br = ctx.br
    rep.heading(2, "Go beside C", "go")
    go = ctx.go
    if not go or not go.get("available"):
        why = (go or {}).get("reason") or "go.json is missing (scripts/bench_go.py did not run)"
        rep.para(f"No Go measurements in this run: {why}. Every other section is complete without them.")
        return
    rep.para(f"The same shapes in both languages, measured by this `make bench` on the same {br.plural(ctx.n, 'CPU')}: "
             f"{go.get('go_version', 'go')} with GOMAXPROCS={go.get('gomaxprocs')}, its `testing` benchmarks "
             f"(-benchmem, -test.count={go.get('count')}, -test.benchtime={go.get('benchtime')}, medians; "
             f"bench/go/bench_test.go), against lockbench's C benchmark named in each row. Every number is time "
             f"per operation (wall clock), so Go / C above 1 means Go took longer. Contended runs share a budget "
             f"of operations among the goroutines in Go and run for a fixed time in C; both count operations of "
             f"all threads over wall time.")
    table, labels, gos, cs = [], [], [], []
    for what, gname, gkey, cm, cname in pairs(ctx):
        g, c = go_ns(ctx, gname, gkey), c_value(ctx, cm)
        b, allocs = go_ns(ctx, gname, "B_per_op"), go_ns(ctx, gname, "allocs_per_op")
        mem = "-" if b is None or allocs is None else f"{b:.0f} B, {allocs:.0f}"
        table.append([what, f"Benchmark{gname}", br.fmt_ns(g), mem, cname, br.fmt_ns(c),
                      br.fmt_ratio(br.ratio(g, c))])
        labels.append(what)
        gos.append(g)
        cs.append(c)
    rep.table(["shape", "Go benchmark", "Go", "Go B/op, allocs/op", "C counterpart", "C",
               "Go / C"], table, cls="text")
    f = br.hbar(ctx.out, "go_vs_c.png", labels, [("Go", gos), ("C", cs)], "time per operation (ns, log scale)",
                f"Go beside C, same shapes, same run ({br.plural(ctx.n, 'CPU')})", log=True)
    rep.image(f, "Time per operation of each shape in Go and in C (log scale); shorter is faster.")
    claim(rep, ctx)


def claim(rep, ctx):
    br, n = ctx.br, ctx.n
    notes = NOTES_MUTEX_NS / NOTES_ATOMIC_NS
    parts = []
    for hz, w in ((0, "busy writer"), (1000, "writer asked for 1 kHz")):
        ga, gm = go_ns(ctx, f"ConfigRead/atomic_value/writer_hz={hz}"), go_ns(ctx, f"ConfigRead/mutex/writer_hz={hz}")
        ca = ctx.br.M("config_par", "atomic_ptr", "ns_per_op", writer_hz=hz, threads=n).value(ctx)
        cm = ctx.br.M("config_par", "pthread_mutex", "ns_per_op", writer_hz=hz, threads=n).value(ctx)
        cc = ctx.br.M("config_par", "cowcfg", "ns_per_op", writer_hz=hz, threads=n).value(ctx)
        gw = go_ns(ctx, f"ConfigRead/mutex/writer_hz={hz}", "writes_per_s")
        cw = ctx.br.M("config_par", "pthread_mutex", "writes_per_s", writer_hz=hz, threads=n).value(ctx)
        rg, rc = br.ratio(gm, ga), br.ratio(cm, ca)
        parts.append(f"with a {w}, Go's Mutex read took {br.fmt_ns(gm)} against atomic.Value's {br.fmt_ns(ga)}, "
                     f"**{br.fmt_ratio(rg)}**, and C's pthread_mutex read {br.fmt_ns(cm)} against a bare atomic "
                     f"pointer's {br.fmt_ns(ca)}, **{br.fmt_ratio(rc)}** (cowcfg, the C config that also frees old "
                     f"versions: {br.fmt_ns(cc)}, mutex/cowcfg {br.fmt_ratio(br.ratio(cm, cc))}); the mutex "
                     f"writers published {br.fmt_rate(gw)}/s in Go and {br.fmt_rate(cw)}/s in C")
    ga0, gm0 = go_ns(ctx, "ConfigRead/atomic_value/writer_hz=0"), go_ns(ctx, "ConfigRead/mutex/writer_hz=0")
    r0 = br.ratio(gm0, ga0)
    rel = ("" if r0 is None or r0 <= 0 else
           f" The notes' ratio is {notes / r0:.1f} times the one Go measured here with a busy writer." if notes >= r0
           else f" Go measured {r0 / notes:.1f} times the notes' ratio here with a busy writer.")
    rep.para(f"The notes' claim: an atomic.Value config read is hundreds of times cheaper than a Mutex read "
             f"(config_test.go on an 8-thread laptop: {NOTES_ATOMIC_NS} ns against {NOTES_MUTEX_NS:.0f} ns, "
             f"{notes:.0f}x). Reproduced here with {br.plural(n, 'reader')} (one per CPU) and one writer: "
             + "; ".join(parts) + "." + rel
             + f" The notes ran 8 reader threads; this run ran {n}.")


def targets(ctx):
    return []
