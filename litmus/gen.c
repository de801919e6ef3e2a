/* gen.c: the C that runs a litmus test's threads on the hardware.
 *
 * Each access becomes the C11 atomic whose x86-64 code is what the Linux
 * kernel uses there, and which also stops the compiler from reordering what
 * the test orders:
 *   READ_ONCE / WRITE_ONCE        relaxed load / store        plain MOV
 *   smp_load_acquire              acquire load                plain MOV
 *   smp_store_release             release store               plain MOV
 *   smp_mb()                      seq_cst fence               MFENCE (or LOCK OR)
 *   smp_rmb() / smp_wmb()         acquire / release fence     no instruction
 *   barrier()                     signal fence                no instruction
 *   xchg, cmpxchg (+ variants)    atomic exchange / CAS       LOCK XCHG / LOCK CMPXCHG
 *   atomic_*_explicit(.., mo)     the same call
 * Racing accesses are always atomics: the program is free of data races in
 * C11's sense (so the compiler may not invent or merge them, and TSan stays
 * quiet), yet relaxed atomics are plain MOVs and show the store buffer.
 * Arithmetic on registers wraps (it goes through unsigned), so no test can
 * make the generated code undefined.
 */
#include "litmus/gen.h"

#include <string.h>

#include "litmus/abi.h"

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
    case LT_E_COND:
        fputs("0 /* not yet */", out);
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

static void gen_block(FILE *out, const struct lt_test *t, const struct lt_thread *th,
                      const struct lt_block *b, int depth);

static void gen_stmt(FILE *out, const struct lt_test *t, const struct lt_thread *th,
                     const struct lt_stmt *s, int depth)
{
    const char *var = s->var >= 0 ? t->vars[s->var].name : "";
    indent(out, depth);
    if (s->reg >= 0 && s->kind != LT_S_IF && !(s->kind == LT_S_RMW && s->is_cmpxchg))
        fprintf(out, "r_%s = ", th->regs[s->reg].name);
    else if (s->kind == LT_S_LOAD || (s->kind == LT_S_RMW && !s->is_cmpxchg))
        fputs("(void)", out);
    switch (s->kind) {
    case LT_S_LOAD:
        fprintf(out, "atomic_load_explicit(v_%s, %s);", var, mo_c(s->mo));
        break;
    case LT_S_STORE:
        fprintf(out, "atomic_store_explicit(v_%s, ", var);
        gen_expr(out, th, s->value);
        fprintf(out, ", %s);", mo_c(s->mo));
        break;
    case LT_S_RMW:
        if (s->is_cmpxchg) {
            fputs("{ int lt_old = ", out);
            gen_expr(out, th, s->expected);
            fprintf(out, "; atomic_compare_exchange_strong_explicit(v_%s, &lt_old, ", var);
            gen_expr(out, th, s->value);
            fprintf(out, ", %s, %s);", mo_c(s->mo), mo_c(s->mo_fail));
            if (s->reg >= 0)
                fprintf(out, " r_%s = lt_old;", th->regs[s->reg].name);
            fputs(" }", out);
        } else {
            fprintf(out, "atomic_exchange_explicit(v_%s, ", var);
            gen_expr(out, th, s->value);
            fprintf(out, ", %s);", mo_c(s->mo));
        }
        break;
    case LT_S_FENCE:
        if (s->prim == LT_P_BARRIER)
            fputs("atomic_signal_fence(memory_order_seq_cst);", out);
        else
            fprintf(out, "atomic_thread_fence(%s);", mo_c(s->mo));
        break;
    case LT_S_ASSIGN:
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
    default:
        break;
    }
    fprintf(out, " /* line %d */\n", s->line);
}

static void gen_block(FILE *out, const struct lt_test *t, const struct lt_thread *th,
                      const struct lt_block *b, int depth)
{
    for (int i = 0; i < b->n; i++)
        gen_stmt(out, t, th, &b->stmts[i], depth);
}

static void gen_thread(FILE *out, const struct lt_test *t, int k, int tn, const char *prefix)
{
    const struct lt_thread *th = &t->threads[tn];
    char name[128];
    lt_gen_name(name, sizeof name, prefix, k, tn);
    fprintf(out, "\n/* %s, thread P%d */\nvoid %s(const struct lt_args *a);\n", t->name, tn, name);
    fprintf(out, "void %s(const struct lt_args *a)\n{\n", name);
    for (int p = 0; p < th->nparams; p++)
        fprintf(out, "    _Atomic int *const base_%s = a->var[%d];\n", t->vars[th->params[p]].name,
                th->params[p]);
    fputs("    unsigned long long tick = a->start;\n", out);
    fputs("    for (long i = 0; i < a->n; i++, tick += a->period) {\n", out);
    fputs("        const long slot = (long)a->index[i] * a->stride;\n", out);
    for (int p = 0; p < th->nparams; p++) {
        const char *v = t->vars[th->params[p]].name;
        fprintf(out, "        _Atomic int *const v_%s = base_%s + slot;\n", v, v);
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
        bool used = false;
        for (int o = 0; o < nout; o++)
            used |= t->obs[obs_of[o]].index == r;
        if (!used)
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
    for (int k = 0; k < n; k++)
        for (int tn = 0; tn < tests[k]->nthreads; tn++)
            gen_thread(out, tests[k], k, tn, prefix);
}
