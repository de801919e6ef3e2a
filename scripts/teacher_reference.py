#!/usr/bin/python3
"""teacher_reference.py: refresh the labs' teacher/reference folders from one `make bench` run.

Each labs/NN-*/teacher/reference/README.md holds the machine table and some
sections of one run's build/bench/report.md, and the plots those sections
show.  This script keeps each README's choice of sections (its "## " headings,
matched by name, the scenario number left out) and its own opening
paragraphs, and replaces the machine table, the sections and the PNGs with
those of the run in BENCH_DIR.  A section the new report lacks is an error:
nothing is written then.

usage: scripts/teacher_reference.py [--bench build/bench] [--labs labs]
"""
import argparse
import glob
import os
import re
import shutil
import sys


def key(heading):
    """'## 9. Channels: ...' and '## Channels: ...' name the same section."""
    return re.sub(r"^##\s+(\d+\.\s+)?", "", heading).split("(")[0].strip()


def split(text):
    """(the text before the first '## ', [(heading, body), ...])."""
    parts = re.split(r"(?m)^(?=## )", text)
    head, sections = parts[0], []
    for p in parts[1:]:
        heading, _, body = p.partition("\n")
        sections.append((heading, body))
    return head, sections


def machine_table(report_head):
    """The report's table of the machine and the run: its rows from '| CPU |' to '| load average |'."""
    rows = [line for line in report_head.splitlines() if line.startswith("| ")]
    start = next((i for i, r in enumerate(rows) if r.startswith("| CPU ")), None)
    end = next((i for i, r in enumerate(rows) if r.startswith("| load average ")), None)
    if start is None or end is None:
        sys.exit("teacher_reference: the report has no machine table (| CPU | ... | load average |)")
    return "| machine |  |\n|---|---|\n" + "\n".join(rows[start:end + 1]) + "\n"


def refresh(readme, report_sections, table):
    with open(readme) as f:
        old = f.read()
    head, sections = split(old)
    intro = head.split("| machine |")[0].rstrip() + "\n\n"
    by_key = {key(h): (h, b) for h, b in report_sections}
    out = [intro, table, "\n"]
    pngs = []
    for heading, _ in sections:
        found = by_key.get(key(heading))
        if not found:
            sys.exit(f"teacher_reference: {readme}: the report has no section '{key(heading)}'")
        h, b = found
        out.append(h + "\n" + b.rstrip() + "\n\n")
        pngs += re.findall(r"\]\(([\w.-]+\.png)\)", b)
    return "".join(out).rstrip() + "\n", pngs


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bench", default="build/bench", help="a make bench output folder (report.md and its PNGs)")
    ap.add_argument("--labs", default="labs")
    opts = ap.parse_args()
    report = os.path.join(opts.bench, "report.md")
    if not os.path.exists(report):
        sys.exit(f"teacher_reference: no {report}: run make bench first")
    with open(report) as f:
        rhead, rsections = split(f.read())
    table = machine_table(rhead)  # the table stands before the report's first section
    readmes = sorted(glob.glob(os.path.join(opts.labs, "*", "teacher", "reference", "README.md")))
    if not readmes:
        sys.exit(f"teacher_reference: no teacher/reference/README.md under {opts.labs}")
    plans = [(r,) + refresh(r, rsections, table) for r in readmes]
    for readme, text, pngs in plans:
        for p in pngs:
            if not os.path.exists(os.path.join(opts.bench, p)):
                sys.exit(f"teacher_reference: {readme} shows {p}, which {opts.bench} lacks")
    for readme, text, pngs in plans:
        folder = os.path.dirname(readme)
        for old in glob.glob(os.path.join(folder, "*.png")):
            os.unlink(old)
        for p in pngs:
            shutil.copy(os.path.join(opts.bench, p), folder)
        with open(readme, "w") as f:
            f.write(text)
        print(f"teacher_reference: {readme}: {text.count(chr(10) + '## ')} sections, {len(set(pngs))} plots")


if __name__ == "__main__":
    main()
