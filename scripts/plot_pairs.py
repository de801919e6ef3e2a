#!/usr/bin/python3
"""plot_pairs.py: plots in which the labs' pairs (barging vs handoff, ticket vs MCS, cowcfg vs mutex) are told apart at a glance.

Called by scripts/bench_report.py (it owns the report; this module only draws):

    import plot_pairs
    plot_pairs.style(lock)                    # {color, marker, linestyle} for ax.plot(..., **style)
    plot_pairs.threads_pairs(out, counts, rates, cpus=n)  -> "threads_pairs.png"
    plot_pairs.fairness_panels(out, top, locks, jain, jain_window, handoffs) -> "fairness_panels.png"
    plot_pairs.config_pair(out, ns_1khz, ns_busy)         -> "config_pair.png"
    plot_pairs.lines_by_kind(out, file, xs, series, ...)  -> file: every lock, one panel per kind
    plot_pairs.by_kind(locks)                 # [(panel title, locks)], at most EIGHT locks a panel

Rules the pictures follow: one hue per lock family (spinlocks blue, futex
mutexes red, glibc baselines grey, reader-writer locks green, configs
purple), a shade of it and a marker per lock, so a lock looks the same in every plot; baselines dashed; no axes with
more than EIGHT series; fairness indices and handoffs per acquisition on
separate axes (they are different quantities that happen to share 0..1).

`plot_pairs.py --demo DIR` draws every plot from made-up numbers of the
right shape, to look at the layout without a benchmark run.
"""
import os
import sys

EIGHT = 8

# Families: the colour says what kind of lock it is.
FAMILIES = [
    ("spinlocks", ("tas", "ttas", "ticket", "mcs", "lab_ticket", "ck_"), "#1f77b4"),
    ("futex mutexes", ("mutex_", "lab_handoff"), "#d62728"),
    ("glibc baselines", ("pthread_",), "#7f7f7f"),
    ("reader-writer locks", ("rwlock",), "#2ca02c"),
    ("configs", ("cowcfg", "atomic_ptr", "urcu"), "#9467bd"),
]
# Markers: the shape says which lock it is, the same in every plot.
MARKERS = {
    "tas": "v", "ttas": "^", "ticket": "s", "mcs": "D", "lab_ticket": "P",
    "mutex_barging": "o", "mutex_handoff": "s", "mutex_spin": "^", "mutex_hybrid": "D", "lab_handoff": "P",
    "pthread_mutex": "x", "pthread_mutex_adaptive": "+", "pthread_spin": "x",
    "rwlock": "o", "rwlock_readpref": "s", "pthread_rwlock": "x", "pthread_rwlock_writepref": "+",
    "cowcfg": "o", "cowcfg_xchg": "s", "cowcfg_api": "P", "atomic_ptr": "*", "urcu_memb": "X",
    "cowcfg_qsbr": "v", "cowcfg_hazard": "^", "cowcfg_hazard_xchg": "<", "urcu_qsbr": ">",
    # Concurrency Kit's versions of ticket and MCS: the same shape, hollow.
    "ck_ticket": "s", "ck_mcs": "D",
}
FALLBACK_MARKERS = "o^sDv<>ph*"
# Within a family, each lock its own shade of the family's hue, so that the
# two halves of a pair differ in shade as well as in marker.
SHADES = {
    "tas": "#9ecae1", "ttas": "#6baed6", "ticket": "#08519c", "mcs": "#4292c6", "lab_ticket": "#08306b",
    "ck_ticket": "#08519c", "ck_mcs": "#4292c6",
    "mutex_barging": "#fb6a4a", "mutex_handoff": "#99000d", "mutex_spin": "#fc9272", "mutex_hybrid": "#cb181d",
    "lab_handoff": "#67000d",
    "pthread_mutex": "#636363", "pthread_mutex_adaptive": "#969696", "pthread_spin": "#969696",
    "rwlock": "#238b45", "rwlock_readpref": "#74c476", "pthread_rwlock": "#636363",
    "pthread_rwlock_writepref": "#969696",
    "cowcfg": "#6a51a3", "cowcfg_api": "#54278f", "cowcfg_xchg": "#9e9ac8", "atomic_ptr": "#bcbddc",
    "urcu_memb": "#807dba",
    "cowcfg_qsbr": "#3f007d", "cowcfg_hazard": "#8c6bb1", "cowcfg_hazard_xchg": "#b4a7d6", "urcu_qsbr": "#5e4fa2",
}
BASELINE_PREFIXES = ("pthread_", "ck_", "urcu")
HOLLOW_PREFIXES = ("ck_",)

# Small multiples: one panel per kind of lock, each with the glibc lock of
# its kind as the baseline (pthread_spin beside the spinlocks, pthread_mutex
# beside the futex mutexes), so a panel compares like with like.
KINDS = [
    ("spinlocks (dashed: pthread_spin, Concurrency Kit)", ("tas", "ttas", "ticket", "mcs", "lab_ticket", "ck_",
                                                          "pthread_spin")),
    ("futex mutexes (dashed: glibc)", ("mutex_", "lab_handoff", "pthread_mutex")),
    ("reader-writer locks (dashed: glibc)", ("rwlock", "pthread_rwlock")),
    ("config reads", ("cowcfg", "atomic_ptr", "urcu")),
]

# The pairs the labs ask students to compare, each on its own small axes.
PAIRS = [
    ("barging vs handoff (lab 04)", ["mutex_barging", "mutex_handoff", "mutex_hybrid", "pthread_mutex"]),
    ("ticket vs MCS (lab 04)", ["ticket", "mcs", "tas", "pthread_spin"]),
]
# Config read variants shown against each other (lab 05): the copy-on-write
# family beside the locks a student would otherwise reach for.
CONFIG_VARIANTS = ["atomic_ptr", "cowcfg_api", "cowcfg", "cowcfg_xchg", "urcu_memb", "pthread_mutex",
                   "mutex_barging", "pthread_rwlock"]


def family(lock):
    for name, prefixes, colour in FAMILIES:
        if lock.startswith(prefixes):
            return name, colour
    return "other", "#8c564b"


def style(lock):
    """Keyword arguments for ax.plot: the family's colour, the lock's marker,
    dashed for a baseline."""
    marker = MARKERS.get(lock) or FALLBACK_MARKERS[sum(map(ord, lock)) % len(FALLBACK_MARKERS)]
    colour = SHADES.get(lock, family(lock)[1])
    st = {"color": colour, "marker": marker, "linestyle": "--" if lock.startswith(BASELINE_PREFIXES) else "-"}
    if lock.startswith(HOLLOW_PREFIXES):
        st.update(markerfacecolor="white", markeredgecolor=colour)
    return st


def by_kind(locks):
    """[(panel title, locks)] in the order given, one panel per kind, split
    when a kind has more than EIGHT locks."""
    groups = {}
    for lock in locks:
        title = next((t for t, prefixes in KINDS if lock.startswith(prefixes)), "other")
        groups.setdefault(title, []).append(lock)
    panels = []
    for title, members in groups.items():
        chunks = [members[i:i + EIGHT] for i in range(0, len(members), EIGHT)]
        for i, chunk in enumerate(chunks):
            panels.append((title if len(chunks) == 1 else f"{title} ({i + 1}/{len(chunks)})", chunk))
    return panels


def plt():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot
    return matplotlib.pyplot


RENDER = True  # bench_report.py --no-plots sets it False: lay out the report, write no PNG


def save(fig, out, name, rect=None):
    if RENDER:
        fig.tight_layout(rect=rect)
        fig.savefig(os.path.join(out, name), dpi=110)
    plt().close(fig)
    return name


def present(series, wanted):
    """The wanted names that have at least one number, at most EIGHT."""
    return [l for l in wanted if any(v is not None for v in series.get(l, []))][:EIGHT]


def cpus_text(cpus):
    return "1 CPU" if cpus == 1 else f"{cpus} CPUs"


def shade_oversubscribed(ax, counts, cpus):
    """On a log2 thread axis: grey from `cpus` threads on, where some
    threads must wait for a CPU (a FIFO lock's next owner may not be running)."""
    ax.set_xscale("log", base=2)
    ax.set_xticks(counts)
    ax.set_xticklabels([str(c) for c in counts])
    left, right = counts[0] / 1.3, counts[-1] * 1.3
    ax.set_xlim(left, right)
    if cpus and counts[-1] > cpus:
        ax.axvspan(cpus * 1.15, right, color="0.93", zorder=0, label=f"more threads than {cpus_text(cpus)}")


def threads_pairs(out, counts, rates, pairs=PAIRS, file="threads_pairs.png", cpus=None):
    """Throughput against threads, one small panel per pair, shared y axis.
    rates: {lock: [acquisitions per second at each count, or None]};
    cpus: the run's CPUs, to shade the oversubscribed counts."""
    panels = [(title, present(rates, locks)) for title, locks in pairs]
    return line_panels(out, file, counts, rates, [(t, l) for t, l in panels if l],
                       f"threads (this run had {cpus_text(cpus)})" if cpus else "threads",
                       "acquisitions per second (all threads)",
                       "Throughput against threads: the pairs the labs compare",
                       extra=lambda ax: shade_oversubscribed(ax, counts, cpus), size=(4.2, 4.4))


def fairness_panels(out, top, locks, jain, jain_window, handoffs, file="fairness_panels.png"):
    """Two axes side by side at `top` threads: the Jain indices (whole run
    and 10 ms windows) and, separately, handoffs per acquisition.
    jain, jain_window, handoffs: {lock: value or None}."""
    p = plt()
    locks = [l for l in locks if jain.get(l) is not None or handoffs.get(l) is not None]
    if not locks:
        return None
    fig, (a1, a2) = p.subplots(1, 2, figsize=(11, 0.36 * len(locks) + 1.8), sharey=True)
    ys = list(range(len(locks)))
    colours = [style(l)["color"] for l in locks]
    h = 0.38
    a1.barh([y - h / 2 for y in ys], [jain.get(l) or 0 for l in locks], height=h, color=colours, alpha=0.45,
            label="whole run")
    a1.barh([y + h / 2 for y in ys], [jain_window.get(l) or 0 for l in locks], height=h, color=colours,
            label="mean of 10 ms windows")
    a1.axvline(1 / top, color="k", linestyle=":", linewidth=1)
    a1.text(1 / top, len(locks) - 0.4, f" 1/{top}: one thread took all", fontsize="x-small", va="bottom")
    a1.set_xlim(0, 1.05)
    a1.set_xlabel("Jain index (1 = equal shares)")
    a1.set_title(f"Fairness at {top} threads (pale: whole run; dark: 10 ms windows)", fontsize="medium")
    a2.barh(ys, [handoffs.get(l) or 0 for l in locks], height=0.6, color=colours)
    # The number beside each bar: most locks hand off almost never, and a bar of width 0.001 is invisible.
    for y, l in zip(ys, locks):
        v = handoffs.get(l)
        a2.text(v or 0, y, "  -" if v is None else f" {v:.3f}", va="center", fontsize="x-small")
    # A fraction (1 is strict alternation), but a short run can count a little over: keep every bar and number in.
    a2.set_xlim(0, max([1.0] + [v for v in handoffs.values() if v is not None]) * 1.15)
    a2.set_xlabel("handoffs per acquisition (the next holder is another thread)")
    a2.set_title("How often the owner changes", fontsize="medium")
    for ax in (a1, a2):
        ax.grid(axis="x", alpha=0.3)
    a1.set_yticks(ys)
    a1.set_yticklabels(locks)
    a1.invert_yaxis()
    legend_families(fig, p, locks)
    return save(fig, out, file, rect=(0, 0.06, 1, 1))


def config_pair(out, ns_1khz, ns_busy, variants=CONFIG_VARIANTS, file="config_pair.png"):
    """Nanoseconds per config read, copy-on-write family against locks, with
    the writer at 1 kHz and as fast as it can, on two axes sharing the
    variants.  ns_1khz, ns_busy: {variant: ns per read or None}."""
    p = plt()
    names = [v for v in variants if ns_1khz.get(v) is not None or ns_busy.get(v) is not None][:EIGHT]
    if not names:
        return None
    # One x scale for both writers, so a bar on the left compares with the bar on its right.
    fig, axes = p.subplots(1, 2, figsize=(11, 0.4 * len(names) + 1.9), sharey=True, sharex=True)
    ys = list(range(len(names)))
    colours = [style(v)["color"] for v in names]
    known = [ns[v] for ns in (ns_1khz, ns_busy) for v in names if ns.get(v)]
    for ax, (title, ns) in zip(axes, [("writer at 1 kHz", ns_1khz), ("writer as fast as it can", ns_busy)]):
        ax.barh(ys, [ns.get(v) or 0 for v in names], height=0.6, color=colours)
        for y, v in zip(ys, names):
            ax.text(ns.get(v) or min(known), y, "  -" if ns.get(v) is None else " " + fmt_ns(ns[v]), va="center",
                    fontsize="x-small")
        ax.set_xscale("log")
        ax.set_xlim(min(known) / 1.5, max(known) * 5)
        ax.set_xlabel("ns per read (wall clock, log scale)")
        ax.set_title(title, fontsize="medium")
        ax.grid(axis="x", alpha=0.3, which="both")
    axes[0].set_yticks(ys)
    axes[0].set_yticklabels(names)
    axes[0].invert_yaxis()
    legend_families(fig, p, names)
    fig.suptitle("Config reads under a live writer: copy-on-write (purple) against locks")
    return save(fig, out, file, rect=(0, 0.07, 1, 1))


def lines_by_kind(out, file, xs, series, xlabel, ylabel, title, xticklabels=None, logy=True, extra=None):
    """Every lock of `series` ({lock: [y at each x, or None]}), one panel
    per kind of lock (by_kind) sharing the y axis, each lock in its style.
    extra(ax), when given, draws what every panel shares (a ceiling, the
    equal share) and gives it a label for the legend."""
    panels = by_kind([l for l in series if any(v is not None for v in series[l])])
    return line_panels(out, file, xs, series, panels, xlabel, ylabel, title, xticklabels=xticklabels, logy=logy,
                       extra=extra)


def line_panels(out, file, xs, series, panels, xlabel, ylabel, title, xticklabels=None, logy=True, extra=None,
                size=(5.4, 5.2)):
    """One axes per (panel title, locks) of `panels`, side by side on a
    shared y axis, a line per lock in its style."""
    if not panels:
        return None
    p = plt()
    fig, axes = p.subplots(1, len(panels), figsize=(size[0] * len(panels), size[1]), sharey=True, squeeze=False)
    for ax, (panel, locks) in zip(axes[0], panels):
        for lock in locks:
            ax.plot(xs, [v if v is not None else float("nan") for v in series[lock]], label=lock, **style(lock))
        if extra:
            extra(ax)
        if xticklabels is not None:
            ax.set_xticks(xs)
            ax.set_xticklabels(xticklabels)
        if logy:
            ax.set_yscale("log")
        ax.set_title(panel, fontsize="medium")
        ax.set_xlabel(xlabel)
        ax.grid(alpha=0.3, which="both")
        ax.legend(fontsize="small")
    axes[0][0].set_ylabel(ylabel)
    fig.suptitle(title)
    return save(fig, out, file)


def fmt_ns(ns):
    if ns >= 1e6:
        return f"{ns / 1e6:.1f} ms"
    if ns >= 1e3:
        return f"{ns / 1e3:.1f} µs"
    return f"{ns:.1f} ns" if ns < 100 else f"{ns:.0f} ns"


def legend_families(fig, p, locks):
    """One legend entry per family present, below the axes."""
    shown = []
    for l in locks:
        if family(l) not in shown:
            shown.append(family(l))
    fig.legend([p.Rectangle((0, 0), 1, 1, color=c) for _, c in shown], [n for n, _ in shown],
               loc="lower center", ncol=len(shown), fontsize="small", frameon=False)


def demo(out):
    """Every plot from made-up numbers with the shapes the labs discuss."""
    os.makedirs(out, exist_ok=True)
    counts = [1, 2, 4, 8]
    rates = {
        "mutex_barging": [6e7, 2.5e7, 2.4e7, 2.3e7], "mutex_handoff": [6e7, 2e6, 1.5e6, 1.2e6],
        "mutex_hybrid": [6e7, 2.4e7, 2.2e7, 2e7], "pthread_mutex": [5e7, 2.2e7, 2.1e7, 2e7],
        "ticket": [8e7, 3e7, 2e5, 5e4], "mcs": [5e7, 2e7, 3e5, 8e4], "tas": [8e7, 2e7, 1e7, 8e6],
        "pthread_spin": [8e7, 2.2e7, 9e6, 7e6],
        "cowcfg": [2e8, 4e8, 4e8, 4e8], "cowcfg_xchg": [5e7, 6e7, 6e7, 6e7],
        "config_mutex": [3e7, 1e7, 9e6, 8e6], "config_rwlock": [2e7, 8e6, 7e6, 7e6],
    }
    files = [threads_pairs(out, counts, rates)]
    locks = ["tas", "ticket", "mcs", "mutex_barging", "mutex_handoff", "mutex_hybrid", "pthread_mutex",
             "pthread_spin"]
    jain = {l: 0.9 for l in locks}
    jw = {"tas": 0.3, "ticket": 0.99, "mcs": 0.99, "mutex_barging": 0.2, "mutex_handoff": 0.95,
          "mutex_hybrid": 0.6, "pthread_mutex": 0.25, "pthread_spin": 0.3}
    ho = {"tas": 0.05, "ticket": 1.0, "mcs": 1.0, "mutex_barging": 0.002, "mutex_handoff": 0.5,
          "mutex_hybrid": 0.1, "pthread_mutex": 0.01, "pthread_spin": 0.05}
    files.append(fairness_panels(out, 8, locks, jain, jw, ho))
    slow = {"atomic_ptr": 1.5, "cowcfg_api": 3, "cowcfg": 5, "cowcfg_xchg": 20, "urcu_memb": 4,
            "pthread_mutex": 45, "mutex_barging": 40, "pthread_rwlock": 60}
    files.append(config_pair(out, slow, {k: v * 1.6 for k, v in slow.items()}))
    print("plot_pairs: " + ", ".join(os.path.join(out, f) for f in files if f))
    return 0


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--demo":
        sys.exit(demo(sys.argv[2]))
    print(__doc__)
    sys.exit(2)
