/* gen.c: the C that runs a litmus test's threads on the hardware.
 *
 * Each operation becomes the C11 code of its row in the operation table
 * (mapping.c: the same table the enumerators and the models read), whose
 * x86-64 code is what the Linux kernel uses there and which also stops the
 * compiler from reordering what the test orders.  Every shared access is a
 * C11 atomic, plain accesses (*x = 1) included: they compile to relaxed
 * atomics (a plain MOV on x86) and are marked "plain" in a comment.  So the
 * generated program is free of data races in C11's sense (the compiler may
 * not invent, split or merge accesses, and TSan stays quiet) and has no
 * undefined behaviour, yet relaxed atomics are plain MOVs and show the
 * store buffer.
 *
 * Pointers: a shared variable holds an int, and a pointer to variable v is
 * the value LT_PTR(v) (ast.h).  A dereference *r looks r up in a per-instance
 * table of the variables' addresses, so the address really is computed from
 * the loaded value (an address dependency, as in the test); a value that is
 * no variable's pointer touches a spare word, never wild memory.
 *
 * Locks: spin_lock is a compare-exchange loop (acquire) on the lock word of
 * the instance, spin_unlock a release store of 0.  RCU and SRCU are
 * liburcu's memb flavour, so a grace period is a real one (the runner
 * registers its threads with liburcu for such tests; every SRCU domain is
 * liburcu's one domain, which only waits longer).
 *
 * Arithmetic on registers wraps (it goes through unsigned), and / % << >>
 * go through helpers with the enumerators' meaning (lt_binop), so no test
 * can make the generated code undefined.
 */
#include "litmus/gen.h"

#include <string.h>

#include "litmus/abi.h"
#include "litmus/mapping.h"

void lt_gen_name(char *buf, size_t size, const char *prefix, int test, int thread)
{
    snprintf(buf, size, "%s%d_P%d", prefix, test, thread);
}

int lt_thread_outputs(const struct lt_test *t, int thread, int *obs_of)
{
    int n = 0;
    for (int i = 0; i < t->nobs; i++)
        if (t->obs[i].thread == thread)
            obs_of[n++] = i;
    return n;
}

static const char *mo_c(enum lt_mo mo)
{
    static const char *const names[] = {"memory_order_relaxed", "memory_order_acquire",
                                        "memory_order_release", "memory_order_acq_rel",
                                        "memory_order_seq_cst"};
    return names[mo];
}

/* Helpers every generated file has once: lt_binop's meaning in C, the
 * dereference of a pointer value, the spinlock. */
static const char preamble[] =
    "#include <stdbool.h>\n"
    "static inline __attribute__((unused)) int lt_div(int a, int b) { return b == 0 ? 0 : b == -1 ? (int)(0u - (unsigned)a) : a / b; }\n"
    "static inline __attribute__((unused)) int lt_mod(int a, int b) { return b == 0 || b == -1 ? 0 : a % b; }\n"
    "static inline __attribute__((unused)) int lt_shl(int a, int b) { return (int)((unsigned)a << (b & 31)); }\n"
    "static inline __attribute__((unused)) int lt_shr(int a, int b) { return a >> (b & 31); }\n"
    "/* The word a pointer value names in this instance, or a spare one. */\n"
    "static inline __attribute__((unused)) _Atomic int *lt_deref(_Atomic int *const *vars, int n, _Atomic int *spare, int p)\n"
    "{\n"
    "    unsigned v = (unsigned)p - (unsigned)" LT_STR(LT_PTR_BASE) ";\n"
    "    return v < (unsigned)n ? vars[v] : spare;\n"
    "}\n"
    "/* spin_lock: a test-and-test-and-set lock.  The acquire CAS pairs with\n"
    " * lt_spin_unlock's release store: the critical sections are ordered. */\n"
    "static inline __attribute__((unused)) void lt_spin_lock(_Atomic int *l, int yield)\n"
    "{\n"
    "    for (;;) {\n"
    "        int free_ = 0;\n"
    "        if (atomic_compare_exchange_weak_explicit(l, &free_, 1, memory_order_acquire, memory_order_relaxed))\n"
    "            return;\n"
    "        /* relaxed: only a hint that the lock may be free; the CAS decides */\n"
    "        while (atomic_load_explicit(l, memory_order_relaxed) != 0) {\n"
    "            if (yield)\n"
    "                sched_yield();\n"
    "            else\n"
    "                " LT_STR(ARCH_SPIN_PAUSE()) "; /* locks/arch.h: this CPU's spin hint */\n"
    "        }\n"
    "    }\n"
    "}\n";

static const char rcu_preamble[] = "#include <urcu/urcu-memb.h>\n";

/* The C name of a location: a parameter's slot, or a dereference. */
static void gen_expr(FILE *out, const struct lt_thread *th, const struct lt_expr *e);

static void gen_addr(FILE *out, const struct lt_test *t, const struct lt_thread *th, const struct lt_stmt *s)
{
    if (s->var >= 0) {
        fprintf(out, "v_%s", t->vars[s->var].name);
        return;
    }
    fprintf(out, "lt_deref(lt_vars, %d, &lt_spare, ", t->nvars);
    gen_expr(out, th, s->addr);
    fputs(")", out);
}

static void gen_expr(FILE *out, const struct lt_thread *th, const struct lt_expr *e)
{
    switch (e->kind) {
    case LT_E_CONST:
        if (e->value < 0)
            fprintf(out, "(%d)", e->value);
        else
            fprintf(out, "%d", e->value);
        return;
    case LT_E_REG:
        fprintf(out, "r_%s", th->regs[e->reg].name);
        return;
    case LT_E_ADDR:
        fprintf(out, "%d", LT_PTR(e->var));
        return;
    case LT_E_COND:
        fputs("(", out);
        gen_expr(out, th, e->a);
        fputs(" ? ", out);
        gen_expr(out, th, e->b);
        fputs(" : ", out);
        gen_expr(out, th, e->c);
        fputs(")", out);
        return;
    case LT_E_UNARY:
        if (e->op == '-')
            fputs("(int)(0u - (unsigned)", out);
        else
            fprintf(out, "(%c", e->op);
        gen_expr(out, th, e->a);
        fputs(")", out);
        return;
    case LT_E_BINARY: {
        char op[3] = {(char)(e->op & 0xff), (char)(e->op >> 8), 0};
        const char *fn = e->op == '/' ? "lt_div" : e->op == '%' ? "lt_mod" : e->op == LT_OP('<', '<') ? "lt_shl"
                         : e->op == LT_OP('>', '>') ? "lt_shr" : NULL;
        if (fn) {
            fprintf(out, "%s(", fn);
            gen_expr(out, th, e->a);
            fputs(", ", out);
            gen_expr(out, th, e->b);
            fputs(")", out);
            return;
        }
        bool wraps = op[1] == 0 && strchr("+-*", op[0]);
        fputs(wraps ? "(int)((unsigned)" : "(", out);
        gen_expr(out, th, e->a);
        fprintf(out, wraps ? " %s (unsigned)" : " %s ", op);
        gen_expr(out, th, e->b);
        fputs(")", out);
        return;
    }
    }
}

static void indent(FILE *out, int depth)
{
    for (int i = 0; i < depth; i++)
        fputs("    ", out);
}

static const char *fetch_name(enum lt_rmw_op op)
{
    switch (op) {
    case LT_RMW_XCHG: return "atomic_exchange_explicit";
    case LT_RMW_ADD: return "atomic_fetch_add_explicit";
    case LT_RMW_SUB: return "atomic_fetch_sub_explicit";
    case LT_RMW_AND: case LT_RMW_ANDNOT: return "atomic_fetch_and_explicit";
    case LT_RMW_OR: return "atomic_fetch_or_explicit";
    case LT_RMW_XOR: return "atomic_fetch_xor_explicit";
    }
    return "";
}

/* new = old OP operand, in C (lt_rmw_new's meaning). */
static const char *new_value_c(enum lt_rmw_op op)
{
    switch (op) {
    case LT_RMW_XCHG: return "lt_arg";
    case LT_RMW_ADD: return "(int)((unsigned)lt_old + (unsigned)lt_arg)";
    case LT_RMW_SUB: return "(int)((unsigned)lt_old - (unsigned)lt_arg)";
    case LT_RMW_AND: return "(lt_old & lt_arg)";
    case LT_RMW_OR: return "(lt_old | lt_arg)";
    case LT_RMW_XOR: return "(lt_old ^ lt_arg)";
    case LT_RMW_ANDNOT: return "(lt_old & ~lt_arg)";
    }
    return "lt_old";
}

/* What the RMW returns (lt_rmw_result's meaning), from lt_old, lt_new, lt_ok. */
static const char *result_c(enum lt_rmw_ret ret)
{
    switch (ret) {
    case LT_RET_OLD: return "lt_old";
    case LT_RET_NEW: return "lt_new";
    case LT_RET_WROTE: return "lt_ok";
    case LT_RET_ZERO: return "(lt_new == 0)";
    case LT_RET_NEG: return "(lt_new < 0)";
    case LT_RET_NONE: return "0";
    }
    return "0";
}

/* A read-modify-write: { old, new, ok } computed by the C11 operation of the table. */
static void gen_rmw(FILE *out, const struct lt_test *t, const struct lt_thread *th, const struct lt_stmt *s)
{
    enum lt_mo mo = s->mo, mo_fail = s->mo_fail;
    if (s->op->full)
        fputs("atomic_thread_fence(memory_order_seq_cst); ", out); /* fully ordered: smp_mb() before... */
    fputs("{ int lt_arg = ", out);
    if (s->value)
        gen_expr(out, th, s->value);
    else
        fputs("0", out);
    fputs("; int lt_old; bool lt_ok = true; ", out);
    switch (s->cond) {
    case LT_RMW_ALWAYS:
        fprintf(out, "lt_old = %s(", fetch_name(s->rmw));
        gen_addr(out, t, th, s);
        fprintf(out, ", %s, %s); ", s->rmw == LT_RMW_ANDNOT ? "~lt_arg" : "lt_arg", mo_c(mo));
        break;
    case LT_RMW_IF_EQ:
        fputs("int lt_exp = ", out);
        gen_expr(out, th, s->expected);
        fputs("; lt_old = lt_exp; lt_ok = atomic_compare_exchange_strong_explicit(", out);
        gen_addr(out, t, th, s);
        fprintf(out, ", &lt_old, %s, %s, %s); ", s->rmw == LT_RMW_XCHG ? "lt_arg" : "lt_arg", mo_c(mo),
                mo_c(mo_fail));
        break;
    case LT_RMW_IF_NE:
        /* add_unless: a CAS loop that gives up when it finds the "unless" value */
        fputs("int lt_unless = ", out);
        gen_expr(out, th, s->expected);
        fputs("; _Atomic int *lt_p = ", out);
        gen_addr(out, t, th, s);
        fputs("; lt_old = atomic_load_explicit(lt_p, memory_order_relaxed); "
              "for (;;) { if (lt_old == lt_unless) { lt_ok = false; break; } ", out);
        fprintf(out, "if (atomic_compare_exchange_weak_explicit(lt_p, &lt_old, %s, %s, memory_order_relaxed)) "
                     "break; } ",
                new_value_c(s->rmw), mo_c(mo));
        break;
    }
    fprintf(out, "int lt_new = lt_ok ? %s : lt_old; (void)lt_new; (void)lt_ok; ", new_value_c(s->rmw));
    if (s->reg >= 0)
        fprintf(out, "r_%s = %s; ", th->regs[s->reg].name, result_c(s->ret));
    if (s->reg_expected >= 0)
        fprintf(out, "if (!lt_ok) r_%s = lt_old; ", th->regs[s->reg_expected].name);
    fputs("}", out);
    if (s->op->full)
        fputs(" atomic_thread_fence(memory_order_seq_cst);", out); /* ... and after */
}

static void gen_fence(FILE *out, const struct lt_stmt *s)
{
    switch (s->fence) {
    case LT_F_RMB:
        fputs("atomic_thread_fence(memory_order_acquire);", out);
        return;
    case LT_F_WMB:
        fputs("atomic_thread_fence(memory_order_release);", out);
        return;
    case LT_F_BARRIER:
        fputs("atomic_signal_fence(memory_order_seq_cst);", out);
        return;
    case LT_F_C11:
        fprintf(out, "atomic_thread_fence(%s);", mo_c(s->mo));
        return;
    case LT_F_C11_SIGNAL:
        fprintf(out, "atomic_signal_fence(%s);", mo_c(s->mo));
        return;
    default: /* mb and the smp_mb__*() family */
        fputs("atomic_thread_fence(memory_order_seq_cst);", out);
        return;
    }
}

static void gen_block(FILE *out, const struct lt_test *t, const struct lt_thread *th,
                      const struct lt_block *b, int depth);

static void gen_stmt(FILE *out, const struct lt_test *t, const struct lt_thread *th,
                     const struct lt_stmt *s, int depth)
{
    indent(out, depth);
    const char *reg = s->reg >= 0 ? th->regs[s->reg].name : NULL;
    switch (s->kind) {
    case LT_S_LOAD:
    case LT_S_ISLOCKED:
        if (reg)
            fprintf(out, "r_%s = ", reg);
        else
            fputs("(void)", out);
        fputs("atomic_load_explicit(", out);
        gen_addr(out, t, th, s);
        fprintf(out, ", %s)%s;", mo_c(s->mo), s->kind == LT_S_ISLOCKED ? " != 0" : "");
        break;
    case LT_S_STORE:
    case LT_S_UNLOCK:
        fputs("atomic_store_explicit(", out);
        gen_addr(out, t, th, s);
        fputs(", ", out);
        if (s->kind == LT_S_UNLOCK)
            fputs("0", out);
        else
            gen_expr(out, th, s->value);
        fprintf(out, ", %s);", mo_c(s->mo));
        break;
    case LT_S_RMW:
        gen_rmw(out, t, th, s);
        break;
    case LT_S_LOCK:
        fputs("lt_spin_lock(", out);
        gen_addr(out, t, th, s);
        fputs(", a->yield);", out);
        break;
    case LT_S_TRYLOCK:
        fputs("{ int lt_free = 0; ", out);
        if (reg)
            fprintf(out, "r_%s = ", reg);
        fputs("atomic_compare_exchange_strong_explicit(", out);
        gen_addr(out, t, th, s);
        fputs(", &lt_free, 1, memory_order_acquire, memory_order_relaxed); }", out);
        break;
    case LT_S_RCU_LOCK:
        fputs("urcu_memb_read_lock();", out);
        if (reg)
            fprintf(out, " r_%s = 0;", reg);
        break;
    case LT_S_RCU_UNLOCK:
        fputs("urcu_memb_read_unlock();", out);
        break;
    case LT_S_SYNC_RCU:
        fputs("urcu_memb_synchronize_rcu();", out);
        break;
    case LT_S_FENCE:
        gen_fence(out, s);
        break;
    case LT_S_ASSIGN:
        fprintf(out, "r_%s = ", reg);
        gen_expr(out, th, s->value);
        fputs(";", out);
        break;
    case LT_S_IF:
        fputs("if (", out);
        gen_expr(out, th, s->value);
        fputs(") {\n", out);
        gen_block(out, t, th, &s->then, depth + 1);
        indent(out, depth);
        if (s->els.n) {
            fputs("} else {\n", out);
            gen_block(out, t, th, &s->els, depth + 1);
            indent(out, depth);
        }
        fputs("}\n", out);
        return;
    }
    fprintf(out, " /* line %d%s */\n", s->line, s->plain ? ", plain" : "");
}

static void gen_block(FILE *out, const struct lt_test *t, const struct lt_thread *th,
                      const struct lt_block *b, int depth)
{
    for (int i = 0; i < b->n; i++)
        gen_stmt(out, t, th, &b->stmts[i], depth);
}

/* Whether a block touches memory through a pointer value (needs the table). */
static bool derefs(const struct lt_block *b)
{
    for (int i = 0; i < b->n; i++) {
        const struct lt_stmt *s = &b->stmts[i];
        if (s->kind == LT_S_IF ? derefs(&s->then) || derefs(&s->els) : (s->addr && s->var < 0))
            return true;
    }
    return false;
}

/* Mark the variables a block names directly. */
static void used_vars(const struct lt_block *b, bool *used)
{
    for (int i = 0; i < b->n; i++) {
        const struct lt_stmt *s = &b->stmts[i];
        if (s->kind == LT_S_IF) {
            used_vars(&s->then, used);
            used_vars(&s->els, used);
        } else if (s->var >= 0 && s->kind != LT_S_RCU_LOCK && s->kind != LT_S_RCU_UNLOCK &&
                   s->kind != LT_S_SYNC_RCU) {
            used[s->var] = true;
        }
    }
}

static void gen_thread(FILE *out, const struct lt_test *t, int k, int tn, const char *prefix)
{
    const struct lt_thread *th = &t->threads[tn];
    char name[128];
    lt_gen_name(name, sizeof name, prefix, k, tn);
    bool table = derefs(&th->body);
    bool used[LT_MAX_VARS] = {0};
    used_vars(&th->body, used);
    for (int v = 0; v < t->nvars; v++)
        used[v] |= table;
    fprintf(out, "\n/* %s, thread P%d */\nvoid %s(const struct lt_args *a);\n", t->name, tn, name);
    fprintf(out, "void %s(const struct lt_args *a)\n{\n", name);
    if (table)
        fputs("    static _Atomic int lt_spare; /* what a bad pointer value touches */\n", out);
    for (int v = 0; v < t->nvars; v++)
        if (used[v])
            fprintf(out, "    _Atomic int *const base_%s = a->var[%d];\n", t->vars[v].name, v);
    fputs("    unsigned long long tick = a->start;\n", out);
    fputs("    for (long i = 0; i < a->n; i++, tick += a->period) {\n", out);
    fputs("        const long slot = (long)a->index[i] * a->stride;\n", out);
    for (int v = 0; v < t->nvars; v++)
        if (used[v])
            fprintf(out, "        _Atomic int *const v_%s = base_%s + slot;\n", t->vars[v].name, t->vars[v].name);
    if (table) {
        fprintf(out, "        _Atomic int *const lt_vars[%d] = {", t->nvars);
        for (int v = 0; v < t->nvars; v++)
            fprintf(out, "%sv_%s", v ? ", " : "", t->vars[v].name);
        fputs("};\n", out);
    }
    for (int r = 0; r < th->nregs; r++)
        fprintf(out, "        int r_%s = %d;\n", th->regs[r].name, th->regs[r].init);
    fputs("        lt_wait_until(a, tick);\n", out);
    gen_block(out, t, th, &th->body, 2);
    int obs_of[LT_MAX_REGS];
    int nout = lt_thread_outputs(t, tn, obs_of);
    for (int o = 0; o < nout; o++)
        fprintf(out, "        a->out[i * a->nout + %d] = r_%s;\n", o,
                th->regs[t->obs[obs_of[o]].index].name);
    for (int r = 0; r < th->nregs; r++) {
        bool out_reg = false;
        for (int o = 0; o < nout; o++)
            out_reg |= t->obs[obs_of[o]].index == r;
        if (!out_reg)
            fprintf(out, "        (void)r_%s;\n", th->regs[r].name);
    }
    fputs("    }\n}\n", out);
}

void lt_gen(FILE *out, struct lt_test *const *tests, int n, const char *prefix, bool standalone)
{
    fputs("/* Generated by memlab's litmus generator (litmus/gen.c): do not edit. */\n", out);
    if (standalone) {
        fputs(LT_ABI_INCLUDES, out);
        fputs(LT_ABI_TEXT, out);
        fprintf(out, "\nextern const int %sabi;\nconst int %sabi = %d;\n", prefix, prefix, LT_ABI_VERSION);
    } else {
        fputs("#include \"litmus/abi.h\"\n", out);
    }
    fputs(preamble, out);
    bool rcu = false;
    for (int k = 0; k < n; k++)
        rcu |= tests[k]->has_rcu;
    if (rcu)
        fputs(rcu_preamble, out);
    for (int k = 0; k < n; k++)
        for (int tn = 0; tn < tests[k]->nthreads; tn++)
            gen_thread(out, tests[k], k, tn, prefix);
}

bool lt_gen_needs_rcu(struct lt_test *const *tests, int n)
{
    for (int k = 0; k < n; k++)
        if (tests[k]->has_rcu)
            return true;
    return false;
}
