#!/usr/bin/python3
"""litmus_to_aarch64.py: translate C litmus tests into AArch64 litmus tests.

    litmus_to_aarch64.py [--mapping litmus/mapping.c] [--check] OUTDIR TEST.litmus...

--check writes nothing: it translates again and fails when OUTDIR differs (a test
added to the catalog, or a changed row of the table, without new translations).

Each C test becomes OUTDIR/NAME.litmus in herd7's AArch64 dialect, compiled by
the AArch64 column of memlab's one operation table (litmus/mapping.c): the
instruction chosen for each operation is checked against that column, so a
change in the table that this translation does not follow stops the script.
The mapping is GCC's and Clang's for C11 (Sewell et al., "C/C++11 mappings to
processors"; acquire loads as LDAR, not LDAPR) with ARMv8.1 LSE atomics, and
the Linux arm64 port for kernel operations (fully ordered RMWs as the "AL" LSE
forms: SWPAL, LDADDAL, CASAL).

Tests the AArch64 dialect cannot express the way the kernel does (spinlocks, RCU,
SRCU) or that use constructs this translator does not know are listed in
OUTDIR/NOT-TRANSLATED with the reason, one line each, and get no file.
OUTDIR/@all lists the files written; OUTDIR/REGMAP says, per file, which AArch64
register holds which C register ("0:X1=0:r0,..."), so herd7's final states can be
read back in the C test's names (litmus_herd_ref.py --regmap).
"""
import os
import re
import sys

MO = {"memory_order_relaxed": "rlx", "memory_order_consume": "acq", "memory_order_acquire": "acq",
      "memory_order_release": "rel", "memory_order_acq_rel": "acqrel", "memory_order_seq_cst": "sc"}


class Untranslatable(Exception):
    pass


def split_args(s):
    out, depth, cur = [], 0, ""
    for ch in s:
        if ch == "," and depth == 0:
            out.append(cur.strip())
            cur = ""
            continue
        depth += ch == "("
        depth -= ch == ")"
        cur += ch
    if cur.strip():
        out.append(cur.strip())
    return out


def strip_comments(text):
    # "(*" opens a comment only before white space: WRITE_ONCE(*x, 1) is code
    text = re.sub(r"\(\*(?=\s).*?\*\)", "", text, flags=re.S)
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    return re.sub(r"//[^\n]*", "", text)


class Thread:
    """One thread's AArch64 code, with its register assignment."""

    def __init__(self, tid, params):
        self.tid = tid
        self.code = []
        self.loc_reg = {}       # C location -> X register holding its address
        self.val_reg = {}       # C register -> W register number
        self.labels = 0
        self.next_tmp = 20
        for i, p in enumerate(params):
            self.loc_reg[p] = 10 + i
        self.used_ops = []

    def loc(self, expr):
        name = expr.strip().lstrip("*&").strip()
        if name not in self.loc_reg:
            if not re.fullmatch(r"[A-Za-z_]\w*", name) or name in self.val_reg:
                raise Untranslatable(f"P{self.tid}: location '{expr}' (a pointer held in a register)")
            self.loc_reg[name] = 10 + len(self.loc_reg)
        return f"X{self.loc_reg[name]}"

    def reg(self, name):
        if name not in self.val_reg:
            self.val_reg[name] = len(self.val_reg)
        return f"W{self.val_reg[name]}"

    def value(self, expr):
        """A W register holding expr (a C register or a constant)."""
        expr = expr.strip()
        if re.fullmatch(r"-?\d+", expr):
            t = f"W{self.next_tmp}"
            self.next_tmp += 1
            self.code.append(f"MOV {t},#{expr}")
            return t
        if re.fullmatch(r"[A-Za-z_]\w*", expr) and expr in self.val_reg:
            return self.reg(expr)
        raise Untranslatable(f"P{self.tid}: value '{expr}' (pointers as values are not translated)")


def load_insn(kind):
    return {"rlx": "LDR", "acq": "LDAR", "sc": "LDAR", "acqrel": "LDAR"}[kind]


def store_insn(kind):
    return {"rlx": "STR", "rel": "STLR", "sc": "STLR", "acqrel": "STLR"}[kind]


def rmw_suffix(kind):
    return {"rlx": "", "acq": "A", "rel": "L", "acqrel": "AL", "sc": "AL", "full": "AL"}[kind]


KERNEL_RMW_ORDER = {"": "full", "_relaxed": "rlx", "_acquire": "acq", "_release": "rel"}


def translate_call(th, lhs, fn, args):
    """Append fn(args)'s code; lhs is the C register receiving the result, or None.
    Returns the mapping.c operation name used (for the table check) and the instruction."""
    if fn in ("READ_ONCE", "atomic_read", "rcu_dereference", "smp_load_acquire", "atomic_read_acquire",
              "atomic_load_explicit", "atomic_load"):
        kind = "acq" if fn in ("smp_load_acquire", "atomic_read_acquire") else "rlx"
        if fn == "atomic_load":
            kind = "sc"
        if fn == "atomic_load_explicit":
            kind = MO[args[1]]
        insn = load_insn(kind)
        dst = th.reg(lhs) if lhs else f"W{th.next_tmp}"
        th.code.append(f"{insn} {dst},[{th.loc(args[0])}]")
        return fn, insn
    if fn in ("WRITE_ONCE", "atomic_set", "smp_store_release", "atomic_set_release", "rcu_assign_pointer",
              "atomic_store_explicit", "atomic_store", "smp_store_mb"):
        kind = "rel" if fn in ("smp_store_release", "atomic_set_release", "rcu_assign_pointer") else "rlx"
        if fn == "atomic_store":
            kind = "sc"
        if fn == "atomic_store_explicit":
            kind = MO[args[2]]
        v = th.value(args[1])
        insn = store_insn(kind)
        th.code.append(f"{insn} {v},[{th.loc(args[0])}]")
        if fn == "smp_store_mb":
            th.code.append("DMB ISH")
            insn = "str; dmb ish"
        return fn, insn
    fences = {"smp_mb": "DMB ISH", "smp_rmb": "DMB ISHLD", "smp_wmb": "DMB ISHST",
              "smp_mb__before_atomic": "DMB ISH", "smp_mb__after_atomic": "DMB ISH",
              "smp_mb__after_spinlock": "DMB ISH"}
    if fn in fences:
        th.code.append(fences[fn])
        return fn, fences[fn].lower()
    if fn == "atomic_thread_fence":
        insn = "DMB ISHLD" if MO[args[0]] == "acq" else "DMB ISH"
        if MO[args[0]] == "rlx":
            return fn, "nothing"
        th.code.append(insn)
        return fn, insn.lower()
    m = re.fullmatch(r"(atomic_)?xchg(_relaxed|_acquire|_release)?", fn)
    if m:
        kind = KERNEL_RMW_ORDER[m.group(2) or ""]
        insn = "SWP" + rmw_suffix(kind)
        v = th.value(args[1])
        dst = th.reg(lhs) if lhs else f"W{th.next_tmp + 5}"
        th.code.append(f"{insn} {v},{dst},[{th.loc(args[0])}]")
        return fn, insn.lower()
    if fn in ("atomic_exchange_explicit", "atomic_exchange"):
        kind = MO[args[2]] if fn.endswith("explicit") else "sc"
        insn = "SWP" + rmw_suffix(kind)
        v = th.value(args[1])
        dst = th.reg(lhs) if lhs else f"W{th.next_tmp + 5}"
        th.code.append(f"{insn} {v},{dst},[{th.loc(args[0])}]")
        return "atomic_exchange_explicit", "swp"
    m = re.fullmatch(r"atomic_fetch_(add|sub)_explicit", fn)
    if m:
        kind = MO[args[2]]
        v = th.value(args[1])
        if m.group(1) == "sub":
            th.code.append(f"NEG {v},{v}")
        insn = "LDADD" + rmw_suffix(kind)
        dst = th.reg(lhs) if lhs else f"W{th.next_tmp + 5}"
        th.code.append(f"{insn} {v},{dst},[{th.loc(args[0])}]")
        return fn, "ldadd"
    m = re.fullmatch(r"atomic_(add|sub|inc|dec)(_return|)(_relaxed|_acquire|_release)?|atomic_fetch_(add|sub|inc|dec)"
                     r"(_relaxed|_acquire|_release)?", fn)
    if m:
        op = m.group(1) or m.group(4)
        ret = m.group(2) == "_return" or m.group(4) is not None
        order = m.group(3) or m.group(5) or ""
        kind = KERNEL_RMW_ORDER[order] if ret else "rlx"
        amount = "1" if op in ("inc", "dec") else args[0]
        loc = args[0] if op in ("inc", "dec") else args[1]
        v = th.value(amount)
        if op in ("sub", "dec"):
            th.code.append(f"NEG {v},{v}")
        if not ret:
            th.code.append(f"STADD {v},[{th.loc(loc)}]")
            return fn, "stadd"
        insn = "LDADD" + rmw_suffix(kind)
        old = th.reg(lhs) if lhs and m.group(4) else f"W{th.next_tmp + 5}"
        th.code.append(f"{insn} {v},{old},[{th.loc(loc)}]")
        if lhs and not m.group(4):
            th.code.append(f"ADD {th.reg(lhs)},{old},{v}")
        return fn, "ldadd"
    m = re.fullmatch(r"(atomic_)?cmpxchg(_relaxed|_acquire|_release)?", fn)
    if m:
        kind = KERNEL_RMW_ORDER[m.group(2) or ""]
        insn = "CAS" + rmw_suffix(kind)
        expect = th.value(args[1])
        old = th.reg(lhs) if lhs else f"W{th.next_tmp + 5}"
        th.code.append(f"MOV {old},{expect}")
        new = th.value(args[2])
        th.code.append(f"{insn} {old},{new},[{th.loc(args[0])}]")
        return fn, "cas"
    if fn in ("spin_lock", "spin_unlock", "spin_trylock", "spin_is_locked"):
        raise Untranslatable("spinlocks: aarch64.cat has no lock primitive (a kernel spinlock is a loop)")
    if fn.startswith(("rcu_read_", "synchronize_", "srcu_", "call_rcu")):
        raise Untranslatable("RCU/SRCU: no instruction-level form on AArch64 (a grace period is a kernel algorithm)")
    raise Untranslatable(f"P{th.tid}: operation {fn}")


def translate_stmt(th, stmt):
    stmt = stmt.strip().rstrip(";").strip()
    if not stmt:
        return []
    if re.fullmatch(r"(int|long|unsigned|intptr_t|uintptr_t)\s+[A-Za-z_]\w*(\s*,\s*[A-Za-z_]\w*)*", stmt):
        return []
    m = re.fullmatch(r"(?:int\s+)?([A-Za-z_]\w*)\s*=\s*(-?\d+)", stmt)
    if m:
        th.code.append(f"MOV {th.reg(m.group(1))},#{m.group(2)}")
        return []
    m = re.fullmatch(r"(?:int\s+)?([A-Za-z_]\w*)\s*=\s*(\w+)\s*\((.*)\)", stmt, flags=re.S)
    if m:
        return [translate_call(th, m.group(1), m.group(2), split_args(m.group(3)))]
    m = re.fullmatch(r"(\w+)\s*\((.*)\)", stmt, flags=re.S)
    if m:
        return [translate_call(th, None, m.group(1), split_args(m.group(2)))]
    m = re.fullmatch(r"(?:int\s+)?([A-Za-z_]\w*)\s*=\s*\*\s*([A-Za-z_]\w*)", stmt)
    if m:
        th.code.append(f"LDR {th.reg(m.group(1))},[{th.loc(m.group(2))}]")
        return [("(plain load)", "ldr")]
    m = re.fullmatch(r"\*\s*([A-Za-z_]\w*)\s*=\s*(\S+)", stmt)
    if m:
        v = th.value(m.group(2))
        th.code.append(f"STR {v},[{th.loc(m.group(1))}]")
        return [("(plain store)", "str")]
    raise Untranslatable(f"P{th.tid}: statement '{stmt}'")


def translate_body(th, body):
    """Statements separated by ';', with if (reg OP const) { ... } blocks."""
    used = []
    i = 0
    while i < len(body):
        m = re.match(r"\s*if\s*\(", body[i:])
        if m:
            j = i + m.end()
            depth, k = 1, j
            while depth:
                depth += body[k] == "("
                depth -= body[k] == ")"
                k += 1
            cond = body[j:k - 1].strip()
            rest = body[k:].lstrip()
            if rest.startswith("{"):
                depth, e = 1, 1
                while depth:
                    depth += rest[e] == "{"
                    depth -= rest[e] == "}"
                    e += 1
                inner, after = rest[1:e - 1], rest[e:]
            else:
                e = rest.index(";") + 1
                inner, after = rest[:e], rest[e:]
            cm = re.fullmatch(r"([A-Za-z_]\w*)\s*(==|!=|>=|<=|>|<)\s*(-?\d+)|(!?)\s*([A-Za-z_]\w*)", cond)
            if not cm or (cm.group(1) or cm.group(5)) not in th.val_reg:
                raise Untranslatable(f"P{th.tid}: condition '{cond}'")
            th.labels += 1
            label = f"LC{th.tid}{th.labels}"
            if cm.group(5):
                th.code.append(f"{'CBNZ' if cm.group(4) else 'CBZ'} {th.reg(cm.group(5))},{label}")
            else:
                # branch over the body when the condition is false (signed comparisons)
                skip = {"==": "NE", "!=": "EQ", ">=": "LT", "<=": "GT", ">": "LE", "<": "GE"}[cm.group(2)]
                th.code.append(f"CMP {th.reg(cm.group(1))},#{cm.group(3)}")
                th.code.append(f"B.{skip} {label}")
            used += translate_body(th, inner)
            th.code.append(f"{label}:")
            body = after
            i = 0
            continue
        semi = body.find(";", i)
        if semi < 0:
            if body[i:].strip():
                raise Untranslatable(f"P{th.tid}: trailing '{body[i:].strip()}'")
            break
        used += translate_stmt(th, body[i:semi])
        i = semi + 1
    return used


def parse_c_test(text):
    lines = text.splitlines()
    name = lines[0].split()[1]
    body = strip_comments("\n".join(lines[1:]))
    init_m = re.search(r"\{(.*?)\}", body, flags=re.S)
    init = init_m.group(1) if init_m else ""
    rest = body[init_m.end():] if init_m else body
    threads = []
    for m in re.finditer(r"P(\d+)\s*\(([^)]*)\)\s*\{", rest):
        start = m.end()
        depth, k = 1, start
        while depth:
            depth += rest[k] == "{"
            depth -= rest[k] == "}"
            k += 1
        params = []
        for p in split_args(m.group(2)):
            pm = re.search(r"\*\s*([A-Za-z_]\w*)\s*$", p)
            if not pm:
                raise Untranslatable(f"parameter '{p}'")
            params.append(pm.group(1))
        threads.append((int(m.group(1)), params, rest[start:k - 1]))
        last = k
    cond = rest[last:].strip()
    return name, init, threads, cond


def check_table(mapping, used):
    """Each (operation, instruction) must agree with the table's AArch64 column."""
    for op, insn in used:
        col = mapping.get(op)
        if col is None:
            continue
        words = insn.lower().replace(";", " ").split()
        base = words[0].rstrip("al") if words[0].startswith(("swp", "ldadd", "cas")) else words[0]
        if base not in col.lower():
            raise SystemExit(f"litmus_to_aarch64: {op} compiles to '{insn}' here but mapping.c says '{col}'")


def read_mapping(path):
    table = {}
    if not path or not os.path.exists(path):
        return table
    text = open(path).read()
    for m in re.finditer(r'(?:LOAD|STORE|FENCE|KRMW4|KRMW1|KNORET|CRMW|OTHER)\(\s*"([^"]+)"(.*?)\)\s*,\s*\n', text,
                         flags=re.S):
        strings = re.findall(r'"((?:[^"\\]|\\.)*)"', m.group(2))
        if strings:
            table[m.group(1)] = strings[-1]
    for m in re.finditer(r'\.name = "([^"]+)".*?\.arm64 = "([^"]+)"', text, flags=re.S):
        table.setdefault(m.group(1), m.group(2))
    return table


def translate(text, mapping):
    name, init, threads, cond = parse_c_test(text)
    ths = []
    used = []
    for tid, params, body in threads:
        th = Thread(tid, params)
        used += translate_body(th, body)
        ths.append(th)
    check_table(mapping, used)
    # init: locations' initial values, then each thread's address registers
    inits = []
    for part in init.split(";"):
        part = part.strip()
        if not part:
            continue
        pm = re.fullmatch(r"(?:[\w\s]*\s)?\*?([A-Za-z_]\w*)\s*=\s*(-?\d+)", part)
        if pm:
            inits.append(f"{pm.group(1)}={pm.group(2)};")
        elif re.fullmatch(r"[\w\s]+\s[A-Za-z_]\w*", part):
            continue
        else:
            raise Untranslatable(f"initial state '{part}'")
    for th in ths:
        inits.append(" ".join(f"{th.tid}:X{r}={loc};" for loc, r in th.loc_reg.items()))
    # condition: C registers to W-register numbers, locations in brackets
    def subst(m):
        tid, reg = int(m.group(1)), m.group(2)
        th = next(t for t in ths if t.tid == tid)
        if reg not in th.val_reg:
            raise Untranslatable(f"condition register {tid}:{reg}")
        return f"{tid}:X{th.val_reg[reg]}"
    cond = re.sub(r"(\d+):([A-Za-z_]\w*)", subst, cond)
    cond = re.sub(r"(?<![\w:\[])([A-Za-z_]\w*)\s*=", lambda m: m.group(0) if m.group(1) in ("exists", "forall", "not")
                  else f"[{m.group(1)}]=", cond)
    width = max([len(c) for th in ths for c in th.code] + [4]) + 1
    rows = max(len(th.code) for th in ths)
    out = [f"AArch64 {name}", "{", " ".join(inits), "}"]
    out.append(" | ".join(f" P{th.tid}".ljust(width) for th in ths) + " ;")
    for i in range(rows):
        out.append(" | ".join((" " + (th.code[i] if i < len(th.code) else "")).ljust(width) for th in ths) + " ;")
    out.append(cond)
    regmap = ",".join(f"{th.tid}:X{n}={th.tid}:{r}" for th in ths for r, n in th.val_reg.items())
    return name, "\n".join(out) + "\n", regmap


def check_dir(outdir, tests, mapping_path):
    """--check: the committed translations are what the table gives today."""
    import filecmp
    import subprocess
    import tempfile
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([sys.executable, __file__, "--mapping", mapping_path, tmp] + tests, check=True,
                       stdout=subprocess.DEVNULL)
        names = sorted(set(os.listdir(tmp)) | set(n for n in os.listdir(outdir) if n.endswith(".litmus")
                                                 or n in ("@all", "REGMAP", "NOT-TRANSLATED")))
        bad = [n for n in names if not (os.path.exists(os.path.join(outdir, n)) and os.path.exists(os.path.join(tmp, n))
                                        and filecmp.cmp(os.path.join(outdir, n), os.path.join(tmp, n), shallow=False))]
    if bad:
        print(f"litmus_to_aarch64: {outdir} is out of date with the catalog or mapping.c: {' '.join(bad[:8])}"
              f"{' ...' if len(bad) > 8 else ''}; regenerate it and herd7's verdicts (litmus/corpora/README.md)")
        return 1
    print(f"litmus_to_aarch64: {outdir} matches the catalog and mapping.c ({len(names)} files)")
    return 0


def main():
    args = sys.argv[1:]
    mapping_path = "litmus/mapping.c"
    check = False
    while args[:1] in (["--mapping"], ["--check"]):
        if args[0] == "--check":
            check, args = True, args[1:]
        else:
            mapping_path, args = args[1], args[2:]
    if len(args) < 2:
        sys.exit(__doc__)
    outdir, tests = args[0], args[1:]
    if check:
        sys.exit(check_dir(outdir, tests, mapping_path))
    os.makedirs(outdir, exist_ok=True)
    mapping = read_mapping(mapping_path)
    written, skipped, regmaps = [], [], []
    for path in sorted(tests):
        text = open(path).read()
        try:
            name, asm, regmap = translate(text, mapping)
        except Untranslatable as e:
            skipped.append(f"{os.path.basename(path)}\t{e}")
            continue
        except (IndexError, ValueError, KeyError, StopIteration) as e:
            skipped.append(f"{os.path.basename(path)}\ta construct this translator does not read ({type(e).__name__})")
            continue
        fname = os.path.basename(path)
        with open(os.path.join(outdir, fname), "w") as f:
            f.write(asm)
        written.append(fname)
        regmaps.append(f"{fname}\t{regmap}")
    with open(os.path.join(outdir, "@all"), "w") as f:
        f.write("".join(w + "\n" for w in written))
    with open(os.path.join(outdir, "REGMAP"), "w") as f:
        f.write("".join(r + "\n" for r in regmaps))
    with open(os.path.join(outdir, "NOT-TRANSLATED"), "w") as f:
        f.write("".join(s + "\n" for s in skipped))
    print(f"{outdir}: {len(written)} AArch64 tests written, {len(skipped)} not translated (see NOT-TRANSLATED)")


if __name__ == "__main__":
    main()
