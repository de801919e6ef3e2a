/* exec.c: the axiomatic engine: every candidate execution of a litmus test,
 * and what each model (litmus/models/) says of it.
 *
 * Three stages, each bounded:
 * 1. Values.  A read may return any value that some write to its location
 *    can store.  Those sets are found by a fixpoint: start from the initial
 *    values, run every thread with reads choosing from the current sets,
 *    add every value written, until nothing changes.
 * 2. Paths.  Each thread is run symbolically once per choice of read
 *    values (its branches prune the choices); a path is the list of the
 *    thread's events and its final registers.  Dependencies come from the
 *    run itself: a register carries the set of reads its value came from,
 *    so a store's value expression gives data, a branch condition gives
 *    ctrl (to every later event of the thread, as herd does), an address
 *    computed from a register gives addr.
 * 3. Candidates.  For one path per thread, each read chooses a write to its
 *    location with the value it returned (rf), and each location orders its
 *    writes after the initial one (co).  Choices no model can accept are
 *    never built: a read reading a write later in its own program order, or
 *    a thread's writes to one location out of program order in co (both
 *    break coherence, which every model here has).
 * The number of candidates is counted against a budget; beyond it, or with
 * more events than a relation holds (rel.h), the test is refused by name.
 */
#include "litmus/exec.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "litmus/model.h"

enum { MAX_VALUES = 16, MAX_PATHS = 4096, MAX_TEV = LT_REL_MAX, MAX_INSNS = 512 };

/* ---- the thread program, flattened ------------------------------------------------- */

enum insn_kind { I_STMT, I_BRANCH, I_JUMP };

struct insn {
    enum insn_kind kind;
    const struct lt_stmt *s;
    int target;               /* I_BRANCH: where to go when the condition is false; I_JUMP: where */
};

struct program {
    struct insn in[MAX_INSNS];
    int n;
    bool overflow;
};

static int emit(struct program *p, enum insn_kind k, const struct lt_stmt *s)
{
    if (p->n == MAX_INSNS) {
        p->overflow = true;
        return p->n - 1;
    }
    p->in[p->n] = (struct insn){k, s, -1};
    return p->n++;
}

static void flatten(struct program *p, const struct lt_block *b)
{
    for (int i = 0; i < b->n; i++) {
        const struct lt_stmt *s = &b->stmts[i];
        if (s->kind != LT_S_IF) {
            emit(p, I_STMT, s);
            continue;
        }
        int br = emit(p, I_BRANCH, s);
        flatten(p, &s->then);
        int jmp = emit(p, I_JUMP, s);
        p->in[br].target = p->n;
        flatten(p, &s->els);
        p->in[jmp].target = p->n;
    }
}

/* ---- symbolic run of one thread --------------------------------------------------- */

/* A thread's event on one path; deps are sets of the path's own read indexes. */
struct tev {
    struct lt_xev x;
    uint64_t addr, data, ctrl;
    int rmw_read;             /* write half of an RMW: its read's index in the path; else -1 */
};

struct path {
    int nev;
    struct tev ev[MAX_TEV];
    int regs[LT_MAX_REGS];
};

struct values {
    int n[LT_MAX_VARS];
    int v[LT_MAX_VARS][MAX_VALUES];
    bool overflow;
};

static bool values_add(struct values *vs, int var, int value)
{
    for (int i = 0; i < vs->n[var]; i++)
        if (vs->v[var][i] == value)
            return false;
    if (vs->n[var] == MAX_VALUES) {
        vs->overflow = true;
        return false;
    }
    vs->v[var][vs->n[var]++] = value;
    return true;
}

struct runner {
    const struct lt_test *t;
    int thread;
    const struct program *prog;
    const struct values *vals;
    struct path *paths;       /* output, or NULL while only collecting written values */
    int npaths;
    struct values *written;   /* values stores write, for the fixpoint */
    bool overflow;            /* too many paths or events */
};

struct tstate {
    int pc;
    int regs[LT_MAX_REGS];
    uint64_t taint[LT_MAX_REGS];
    uint64_t ctrl;
    struct path path;
};

static int eval(const struct lt_expr *e, const struct tstate *st, uint64_t *taint)
{
    switch (e->kind) {
    case LT_E_CONST: return e->value;
    case LT_E_REG:
        *taint |= st->taint[e->reg];
        return st->regs[e->reg];
    case LT_E_UNARY: {
        int a = eval(e->a, st, taint);
        if (e->op == '-')
            return (int)(0u - (unsigned)a);
        return e->op == '!' ? !a : ~a;
    }
    case LT_E_BINARY: break;
    }
    int a = eval(e->a, st, taint), b = eval(e->b, st, taint);
    switch (e->op) {
    case '+': return (int)((unsigned)a + (unsigned)b);
    case '-': return (int)((unsigned)a - (unsigned)b);
    case '*': return (int)((unsigned)a * (unsigned)b);
    case '&': return a & b;
    case '|': return a | b;
    case '^': return a ^ b;
    case '<': return a < b;
    case '>': return a > b;
    case LT_OP('<', '='): return a <= b;
    case LT_OP('>', '='): return a >= b;
    case LT_OP('=', '='): return a == b;
    case LT_OP('!', '='): return a != b;
    case LT_OP('&', '&'): return a && b;
    case LT_OP('|', '|'): return a || b;
    }
    return 0;
}

/* The annotation herd7 would print in brackets, and the kernel tags. */
static const char *mo_short(enum lt_mo mo)
{
    static const char *const names[] = {"rlx", "acq", "rel", "acq_rel", "sc"};
    return names[mo];
}

static void annotate(const struct lt_stmt *s, enum lt_xkind kind, struct lt_xev *x)
{
    x->mo = s->mo;
    x->atomic = true;
    const char *ann = mo_short(s->mo);
    unsigned tags = 0;
    switch (s->prim) {
    case LT_P_READ_ONCE:
    case LT_P_WRITE_ONCE: tags = LT_TAG_ONCE; ann = "once"; break;
    case LT_P_LOAD_ACQUIRE: tags = LT_TAG_ACQUIRE; ann = "acquire"; break;
    case LT_P_STORE_RELEASE: tags = LT_TAG_RELEASE; ann = "release"; break;
    case LT_P_XCHG:
    case LT_P_CMPXCHG:
        tags = s->mo == LT_SEQ_CST ? LT_TAG_MB : s->mo == LT_ACQUIRE ? LT_TAG_ACQUIRE
             : s->mo == LT_RELEASE ? LT_TAG_RELEASE : LT_TAG_ONCE;
        ann = s->mo == LT_SEQ_CST ? "mb" : s->mo == LT_ACQUIRE ? "acquire" : s->mo == LT_RELEASE ? "release" : "once";
        /* The kernel orders an xchg_acquire's read and an xchg_release's write only. */
        if (kind == LT_X_WRITE && (tags & LT_TAG_ACQUIRE))
            tags = LT_TAG_ONCE;
        if (kind == LT_X_READ && (tags & LT_TAG_RELEASE))
            tags = LT_TAG_ONCE;
        break;
    case LT_P_SMP_MB: tags = LT_TAG_MB; ann = "mb"; break;
    case LT_P_SMP_RMB: tags = LT_TAG_RMB; ann = "rmb"; break;
    case LT_P_SMP_WMB: tags = LT_TAG_WMB; ann = "wmb"; break;
    case LT_P_BARRIER:
        tags = LT_TAG_BARRIER;
        ann = "barrier";
        x->mo = LT_RELAXED; /* a compiler barrier: no ordering between CPUs */
        break;
    default:
        tags = s->mo == LT_ACQUIRE ? LT_TAG_ACQUIRE : s->mo == LT_RELEASE ? LT_TAG_RELEASE
             : s->mo == LT_ACQ_REL ? LT_TAG_ACQUIRE | LT_TAG_RELEASE : s->mo == LT_SEQ_CST ? LT_TAG_SC : LT_TAG_ONCE;
        if (s->mo == LT_SEQ_CST && kind == LT_X_FENCE)
            tags |= LT_TAG_MB;
        break;
    }
    /* An RMW's two halves: acquire belongs to the read, release to the write. */
    if (kind == LT_X_READ && s->kind == LT_S_RMW)
        x->mo = s->mo == LT_RELEASE ? LT_RELAXED : s->mo == LT_ACQ_REL ? LT_ACQUIRE : s->mo;
    if (kind == LT_X_WRITE && s->kind == LT_S_RMW)
        x->mo = s->mo == LT_ACQUIRE ? LT_RELAXED : s->mo == LT_ACQ_REL ? LT_RELEASE : s->mo;
    if (s->mo == LT_SEQ_CST)
        tags |= LT_TAG_SC;
    x->tags = tags;
    snprintf(x->label, sizeof x->label, "%s", ann);
}

static struct tev *new_event(struct runner *r, struct tstate *st, enum lt_xkind kind, const struct lt_stmt *s)
{
    if (st->path.nev == MAX_TEV) {
        r->overflow = true;
        return NULL;
    }
    struct tev *e = &st->path.ev[st->path.nev++];
    memset(e, 0, sizeof *e);
    e->x.kind = kind;
    e->x.thread = r->thread;
    e->x.loc = s->kind == LT_S_FENCE ? -1 : s->var;
    e->x.line = s->line;
    e->x.stmt = s;
    e->ctrl = st->ctrl;
    e->rmw_read = -1;
    annotate(s, kind, &e->x);
    return e;
}

static void run_from(struct runner *r, struct tstate *st);

static void finish_path(struct runner *r, struct tstate *st)
{
    if (!r->paths)
        return;
    if (r->npaths == MAX_PATHS) {
        r->overflow = true;
        return;
    }
    memcpy(st->path.regs, st->regs, sizeof st->regs);
    r->paths[r->npaths++] = st->path;
}

/* The read half of statement s returned value; go on from the next instruction. */
static void after_read(struct runner *r, struct tstate *st, const struct lt_stmt *s, int value)
{
    struct tev *rd = new_event(r, st, LT_X_READ, s);
    if (!rd)
        return;
    int ri = st->path.nev - 1;
    rd->x.value = value;
    rd->x.rmw = s->kind == LT_S_RMW;
    uint64_t me = (uint64_t)1 << ri;
    if (s->kind == LT_S_RMW) {
        bool writes = true;
        uint64_t dt = 0;
        if (s->is_cmpxchg) {
            uint64_t et = 0;
            writes = eval(s->expected, st, &et) == value;
            dt |= et;
            if (!writes) { /* a failed compare-exchange reads with its failure order; the kernel's orders nothing */
                rd->x.mo = s->mo_fail == LT_RELEASE || s->mo_fail == LT_ACQ_REL ? LT_ACQUIRE : s->mo_fail;
                if (s->prim == LT_P_CMPXCHG) {
                    rd->x.tags = LT_TAG_ONCE;
                    snprintf(rd->x.label, sizeof rd->x.label, "once");
                }
            }
        }
        if (writes) {
            int nv = eval(s->value, st, &dt);
            struct tev *w = new_event(r, st, LT_X_WRITE, s);
            if (!w)
                return;
            w->x.value = nv;
            w->x.rmw = true;
            w->data = dt;
            w->rmw_read = ri;
            if (r->written)
                values_add(r->written, s->var, nv);
        }
    }
    if (s->reg >= 0) {
        st->regs[s->reg] = value;
        st->taint[s->reg] = me;
    }
    st->pc++;
    run_from(r, st);
}

static void run_from(struct runner *r, struct tstate *st)
{
    const struct program *p = r->prog;
    while (!r->overflow && st->pc < p->n) {
        const struct insn *in = &p->in[st->pc];
        const struct lt_stmt *s = in->s;
        if (in->kind == I_JUMP) {
            st->pc = in->target;
            continue;
        }
        if (in->kind == I_BRANCH) {
            uint64_t t = 0;
            int c = eval(s->value, st, &t);
            st->ctrl |= t;
            st->pc = c ? st->pc + 1 : in->target;
            continue;
        }
        switch (s->kind) {
        case LT_S_ASSIGN: {
            uint64_t t = 0;
            int v = eval(s->value, st, &t);
            st->regs[s->reg] = v;
            st->taint[s->reg] = t;
            st->pc++;
            continue;
        }
        case LT_S_FENCE:
            if (!new_event(r, st, LT_X_FENCE, s))
                return;
            st->pc++;
            continue;
        case LT_S_STORE: {
            uint64_t t = 0;
            int v = eval(s->value, st, &t);
            struct tev *w = new_event(r, st, LT_X_WRITE, s);
            if (!w)
                return;
            w->x.value = v;
            w->data = t;
            if (r->written)
                values_add(r->written, s->var, v);
            st->pc++;
            continue;
        }
        case LT_S_LOAD:
        case LT_S_RMW: {
            /* One continuation per value the location can hold; the state is copied for each. */
            int nv = r->vals->n[s->var];
            for (int i = 0; i < nv && !r->overflow; i++) {
                struct tstate *copy = malloc(sizeof *copy);
                if (!copy)
                    abort();
                *copy = *st;
                after_read(r, copy, s, r->vals->v[s->var][i]);
                free(copy);
            }
            return;
        }
        case LT_S_IF:
            break;
        }
        st->pc++;
    }
    if (!r->overflow)
        finish_path(r, st);
}

static void run_thread(struct runner *r)
{
    struct tstate *st = calloc(1, sizeof *st);
    if (!st)
        abort();
    const struct lt_thread *th = &r->t->threads[r->thread];
    for (int i = 0; i < th->nregs; i++)
        st->regs[i] = th->regs[i].init;
    run_from(r, st);
    free(st);
}

/* ---- candidates ------------------------------------------------------------------ */

struct enumerator {
    const struct lt_test *t;
    struct program prog[LT_MAX_THREADS];
    struct path *paths[LT_MAX_THREADS];
    int npaths[LT_MAX_THREADS];
    const struct path *pick[LT_MAX_THREADS];
    long budget, count;
    lt_exec_visit *visit;
    void *ctx;
    bool stop, too_large;
    char *err;
    size_t errsize;
    /* the candidate being built */
    struct lt_exec x;
    int first[LT_MAX_THREADS];      /* first event of each thread */
    int nreads, reads[LT_REL_MAX];
    int ncand[LT_REL_MAX], cand[LT_REL_MAX][LT_REL_MAX];
    int nlocw[LT_MAX_VARS], locw[LT_MAX_VARS][LT_REL_MAX]; /* non-initial writes per location */
    int init_of[LT_MAX_VARS];       /* the initial write's event, or -1 */
    int order[LT_MAX_VARS][LT_REL_MAX];
    int final[LT_MAX_THREADS * LT_MAX_REGS + LT_MAX_VARS];
};

static void finish_candidate(struct enumerator *en)
{
    struct lt_exec *x = &en->x;
    if (++en->count > en->budget) {
        en->too_large = true;
        en->stop = true;
        snprintf(en->err, en->errsize, "more than %ld candidate executions", en->budget);
        return;
    }
    x->fr = lt_minus(lt_seq(lt_inv(x->rf), x->co), lt_id(x->all));
    const struct lt_test *t = en->t;
    for (int k = 0; k < t->nobs; k++) {
        const struct lt_loc *l = &t->obs[k];
        if (l->thread >= 0) {
            en->final[k] = en->pick[l->thread]->regs[l->index];
            continue;
        }
        int v = l->index, last = en->init_of[v];
        if (en->nlocw[v] > 0)
            last = en->order[v][en->nlocw[v] - 1];
        en->final[k] = last >= 0 ? x->ev[last].value : t->vars[v].init;
    }
    x->final = en->final;
    if (!en->visit(en->ctx, x))
        en->stop = true;
}

/* co: location v's writes in every order that keeps each thread's writes in program order. */
static void choose_co(struct enumerator *en, int v);

static void co_perm(struct enumerator *en, int v, int depth, bool *used)
{
    int n = en->nlocw[v];
    if (en->stop)
        return;
    if (depth == n) {
        /* co is the transitive order: initial write, then order[v][0..n). */
        struct lt_exec *x = &en->x;
        lt_rel saved = x->co;
        int prev[LT_REL_MAX + 1], np = 0;
        if (en->init_of[v] >= 0)
            prev[np++] = en->init_of[v];
        for (int i = 0; i < n; i++)
            prev[np++] = en->order[v][i];
        for (int i = 0; i < np; i++)
            for (int j = i + 1; j < np; j++)
                lt_add(&x->co, prev[i], prev[j]);
        choose_co(en, v + 1);
        x->co = saved;
        return;
    }
    for (int i = 0; i < n; i++) {
        if (used[i])
            continue;
        int w = en->locw[v][i];
        /* A write of the same thread earlier in program order must come first. */
        bool ok = true;
        for (int j = 0; j < n && ok; j++)
            if (!used[j] && j != i && lt_has(&en->x.po, en->locw[v][j], w))
                ok = false;
        if (!ok)
            continue;
        used[i] = true;
        en->order[v][depth] = w;
        co_perm(en, v, depth + 1, used);
        used[i] = false;
    }
}

static void choose_co(struct enumerator *en, int v)
{
    if (en->stop)
        return;
    if (v == en->t->nvars) {
        finish_candidate(en);
        return;
    }
    bool used[LT_REL_MAX] = {false};
    co_perm(en, v, 0, used);
}

static void choose_rf(struct enumerator *en, int i)
{
    if (en->stop)
        return;
    if (i == en->nreads) {
        choose_co(en, 0);
        return;
    }
    int r = en->reads[i];
    for (int k = 0; k < en->ncand[i] && !en->stop; k++) {
        int w = en->cand[i][k];
        lt_add(&en->x.rf, w, r);
        choose_rf(en, i + 1);
        en->x.rf.row[w] &= ~lt_bit(r);
    }
}

/* One path per thread is chosen: lay out the events and the fixed relations, then choose rf and co. */
static void build_candidate(struct enumerator *en)
{
    const struct lt_test *t = en->t;
    struct lt_exec *x = &en->x;
    memset(x, 0, sizeof *x);
    x->test = t;
    int n = 0;
    /* Initial writes: one per variable some event or the final state touches. */
    bool used[LT_MAX_VARS] = {false};
    for (int k = 0; k < t->nthreads; k++)
        for (int i = 0; i < en->pick[k]->nev; i++)
            if (en->pick[k]->ev[i].x.loc >= 0)
                used[en->pick[k]->ev[i].x.loc] = true;
    int total = 0;
    for (int v = 0; v < t->nvars; v++)
        total += used[v];
    for (int k = 0; k < t->nthreads; k++)
        total += en->pick[k]->nev;
    if (total > LT_REL_MAX) {
        en->too_large = true;
        en->stop = true;
        snprintf(en->err, en->errsize, "%d events, more than the %d a relation holds", total, LT_REL_MAX);
        return;
    }
    for (int v = 0; v < t->nvars; v++) {
        en->init_of[v] = -1;
        if (!used[v])
            continue;
        struct lt_xev *e = &x->ev[n];
        memset(e, 0, sizeof *e);
        e->kind = LT_X_WRITE;
        e->thread = -1;
        e->loc = v;
        e->value = t->vars[v].init;
        e->mo = LT_RELAXED;
        e->atomic = true;
        e->tags = LT_TAG_INIT;
        snprintf(e->label, sizeof e->label, "init");
        x->IW |= lt_bit(n);
        en->init_of[v] = n++;
    }
    for (int k = 0; k < t->nthreads; k++) {
        const struct path *p = en->pick[k];
        en->first[k] = n;
        for (int i = 0; i < p->nev; i++) {
            const struct tev *te = &p->ev[i];
            x->ev[n] = te->x;
            x->thread[k] |= lt_bit(n);
            x->addr.row[n] = 0;
            n++;
        }
        /* dependencies: from the read (local index j) to the event that depends on it */
        for (int i = 0; i < p->nev; i++) {
            const struct tev *te = &p->ev[i];
            int e = en->first[k] + i;
            for (uint64_t s = te->addr; s; s &= s - 1)
                lt_add(&x->addr, en->first[k] + __builtin_ctzll(s), e);
            for (uint64_t s = te->data; s; s &= s - 1)
                lt_add(&x->data, en->first[k] + __builtin_ctzll(s), e);
            for (uint64_t s = te->ctrl; s; s &= s - 1)
                lt_add(&x->ctrl, en->first[k] + __builtin_ctzll(s), e);
            if (te->rmw_read >= 0)
                lt_add(&x->rmw, en->first[k] + te->rmw_read, e);
        }
    }
    x->n = n;
    x->all = n == 64 ? ~(lt_set)0 : (lt_bit(n) - 1);
    for (int e = 0; e < n; e++) {
        const struct lt_xev *ev = &x->ev[e];
        if (ev->kind == LT_X_READ)
            x->R |= lt_bit(e);
        else if (ev->kind == LT_X_WRITE)
            x->W |= lt_bit(e);
        else
            x->F |= lt_bit(e);
    }
    x->M = x->R | x->W;
    for (int a = 0; a < n; a++) {
        for (int b = 0; b < n; b++) {
            const struct lt_xev *ea = &x->ev[a], *eb = &x->ev[b];
            bool same_thread = ea->thread >= 0 && ea->thread == eb->thread;
            if (same_thread || a == b)
                lt_add(&x->intra, a, b);
            else
                lt_add(&x->ext, a, b);
            if (same_thread && a < b)
                lt_add(&x->po, a, b);
            if (ea->loc >= 0 && ea->loc == eb->loc)
                lt_add(&x->loc, a, b);
        }
    }
    /* rf candidates: a write to the location with the value read, not later in the reader's program order. */
    en->nreads = 0;
    for (int v = 0; v < t->nvars; v++)
        en->nlocw[v] = 0;
    for (int e = 0; e < n; e++) {
        if (lt_in(x->W, e) && !lt_in(x->IW, e))
            en->locw[x->ev[e].loc][en->nlocw[x->ev[e].loc]++] = e;
        if (!lt_in(x->R, e))
            continue;
        int i = en->nreads++;
        en->reads[i] = e;
        en->ncand[i] = 0;
        for (int w = 0; w < n; w++)
            if (lt_in(x->W, w) && x->ev[w].loc == x->ev[e].loc && x->ev[w].value == x->ev[e].value &&
                !lt_has(&x->po, e, w))
                en->cand[i][en->ncand[i]++] = w;
        if (en->ncand[i] == 0)
            return; /* no write gives this value here: the paths do not fit together */
    }
    choose_rf(en, 0);
}

static void choose_paths(struct enumerator *en, int k)
{
    if (en->stop)
        return;
    if (k == en->t->nthreads) {
        build_candidate(en);
        return;
    }
    for (int i = 0; i < en->npaths[k] && !en->stop; i++) {
        en->pick[k] = &en->paths[k][i];
        choose_paths(en, k + 1);
    }
}

static bool collect_values(struct enumerator *en, struct values *vs)
{
    const struct lt_test *t = en->t;
    memset(vs, 0, sizeof *vs);
    for (int v = 0; v < t->nvars; v++)
        values_add(vs, v, t->vars[v].init);
    for (int round = 0; round < 8; round++) {
        struct values next = *vs;
        for (int k = 0; k < t->nthreads; k++) {
            struct runner r = {.t = t, .thread = k, .prog = &en->prog[k], .vals = vs, .written = &next};
            run_thread(&r);
            if (r.overflow)
                return false;
        }
        if (next.overflow)
            return false;
        if (memcmp(&next, vs, sizeof next) == 0)
            return true;
        *vs = next;
    }
    return false;
}

int lt_exec_enumerate(const struct lt_test *t, long budget, lt_exec_visit *visit, void *ctx, char *err,
                      size_t errsize)
{
    struct enumerator *en = calloc(1, sizeof *en);
    if (!en)
        abort();
    en->t = t;
    en->budget = budget;
    en->visit = visit;
    en->ctx = ctx;
    en->err = err;
    en->errsize = errsize;
    err[0] = '\0';
    int rc = 0;
    for (int k = 0; k < t->nthreads; k++) {
        flatten(&en->prog[k], &t->threads[k].body);
        if (en->prog[k].overflow) {
            snprintf(err, errsize, "thread P%d has more than %d statements", k, MAX_INSNS);
            rc = -1;
            goto out;
        }
    }
    struct values vs;
    if (!collect_values(en, &vs)) {
        snprintf(err, errsize, "too many values (more than %d per location, or no fixpoint)", MAX_VALUES);
        rc = -1;
        goto out;
    }
    for (int k = 0; k < t->nthreads; k++) {
        en->paths[k] = malloc(sizeof(struct path) * MAX_PATHS);
        if (!en->paths[k])
            abort();
        struct runner r = {.t = t, .thread = k, .prog = &en->prog[k], .vals = &vs, .paths = en->paths[k]};
        run_thread(&r);
        en->npaths[k] = r.npaths;
        if (r.overflow) {
            snprintf(err, errsize, "thread P%d has more than %d paths or %d events", k, MAX_PATHS, MAX_TEV);
            rc = -1;
            goto out;
        }
    }
    choose_paths(en, 0);
    if (en->too_large)
        rc = -1;
out:
    for (int k = 0; k < t->nthreads; k++)
        free(en->paths[k]);
    free(en);
    return rc;
}

/* ---- running models ------------------------------------------------------------------ */

struct collect {
    const struct lt_test *t;
    const struct lt_model *const *models;
    struct lt_verdict *out;
    int n;
    int cap[16];
};

static int find_state(const struct lt_verdict *v, const int *vals)
{
    for (int i = 0; i < v->nfinal; i++)
        if (memcmp(&v->final[i * v->nobs], vals, sizeof(int) * (size_t)v->nobs) == 0)
            return i;
    return -1;
}

static void add_state(struct collect *c, int m, const int *vals, bool race)
{
    struct lt_verdict *v = &c->out[m];
    int i = find_state(v, vals);
    if (i >= 0) {
        if (!race)
            v->final_race[i] = 0; /* some race-free execution reaches it too */
        return;
    }
    if (v->nfinal == c->cap[m]) {
        c->cap[m] = c->cap[m] ? 2 * c->cap[m] : 16;
        v->final = realloc(v->final, sizeof(int) * (size_t)c->cap[m] * (size_t)(v->nobs ? v->nobs : 1));
        v->final_race = realloc(v->final_race, (size_t)c->cap[m]);
        if (!v->final || !v->final_race)
            abort();
    }
    memcpy(&v->final[v->nfinal * v->nobs], vals, sizeof(int) * (size_t)v->nobs);
    v->final_race[v->nfinal++] = race;
}

static void describe_event(const struct lt_exec *x, int e, char *buf, size_t size)
{
    const struct lt_xev *ev = &x->ev[e];
    char name[96];
    lt_xev_name(x, e, name, sizeof name);
    snprintf(buf, size, "P%d line %d %s", ev->thread, ev->line, name);
}

static bool collect_visit(void *ctx, const struct lt_exec *x)
{
    struct collect *c = ctx;
    for (int m = 0; m < c->n; m++) {
        struct lt_verdict *v = &c->out[m];
        if (v->na || !c->models[m]->consistent)
            continue;
        const char *na = c->models[m]->not_defined ? c->models[m]->not_defined(x) : NULL;
        if (na) {
            v->na = na;
            continue;
        }
        v->explored++;
        struct lt_check why = {.race = {-1, -1}};
        if (!c->models[m]->consistent(x, &why))
            continue;
        bool race = why.race[0] >= 0;
        if (race && !v->race) {
            v->race = true;
            v->race_ev[0] = why.race[0];
            v->race_ev[1] = why.race[1];
            char a[128], b[128];
            describe_event(x, why.race[0], a, sizeof a);
            describe_event(x, why.race[1], b, sizeof b);
            snprintf(v->race_text, sizeof v->race_text, "%s and %s", a, b);
        }
        add_state(c, m, x->final, race);
    }
    return true;
}

/* Sort the final states (values in obs order, lexicographic) and keep race flags beside them. */
static void sort_states(struct lt_verdict *v)
{
    int nobs = v->nobs;
    for (int i = 1; i < v->nfinal; i++) {
        for (int j = i; j > 0; j--) {
            int *a = &v->final[(j - 1) * nobs], *b = &v->final[j * nobs];
            int d = 0;
            for (int k = 0; k < nobs && !d; k++)
                d = (a[k] > b[k]) - (a[k] < b[k]);
            if (d <= 0)
                break;
            for (int k = 0; k < nobs; k++) {
                int tmp = a[k];
                a[k] = b[k];
                b[k] = tmp;
            }
            unsigned char r = v->final_race[j - 1];
            v->final_race[j - 1] = v->final_race[j];
            v->final_race[j] = r;
        }
    }
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void run_machine(const struct lt_test *t, const struct lt_model *m, long budget, struct lt_verdict *v)
{
    struct lt_model_result r;
    lt_model_run(t, (enum lt_machine)m->machine, budget, &r);
    v->too_large = r.too_large;
    if (r.too_large)
        snprintf(v->why, sizeof v->why, "%ld machine states", r.explored);
    v->explored = r.explored;
    v->nfinal = r.nfinal;
    v->final = r.final;   /* ownership moves here */
    v->final_race = calloc((size_t)r.nfinal + 1, 1);
    if (!v->final_race)
        abort();
    v->reachable = r.reachable;
    v->seconds = r.seconds;
}

void lt_exec_run(const struct lt_test *t, const struct lt_model *const *models, int n, long budget,
                 long machine_budget, struct lt_verdict *out)
{
    struct collect c = {.t = t, .models = models, .out = out, .n = n};
    bool any_axiomatic = false;
    for (int m = 0; m < n; m++) {
        memset(&out[m], 0, sizeof out[m]);
        out[m].model = models[m];
        out[m].nobs = t->nobs;
        out[m].race_ev[0] = out[m].race_ev[1] = -1;
        if (models[m]->machine >= 0)
            run_machine(t, models[m], machine_budget, &out[m]);
        else
            any_axiomatic = true;
    }
    if (!any_axiomatic)
        return;
    /* Operational columns are already done: hide them from the visitor. */
    const struct lt_model *ax[16];
    struct lt_verdict *axv[16];
    struct lt_verdict tmp[16];
    int na = 0;
    for (int m = 0; m < n && na < (int)(sizeof ax / sizeof ax[0]); m++)
        if (models[m]->machine < 0) {
            ax[na] = models[m];
            axv[na] = &out[m];
            tmp[na] = out[m];
            na++;
        }
    c.models = ax;
    c.out = tmp;
    c.n = na;
    char err[160];
    double t0 = now_seconds();
    int rc = lt_exec_enumerate(t, budget, collect_visit, &c, err, sizeof err);
    double dt = now_seconds() - t0;
    for (int i = 0; i < na; i++) {
        struct lt_verdict *v = &tmp[i];
        v->seconds = dt / na;
        if (rc != 0) {
            v->too_large = true;
            snprintf(v->why, sizeof v->why, "%s", err);
        }
        sort_states(v);
        for (int s = 0; s < v->nfinal; s++)
            if (lt_prop_eval(t->prop, &v->final[s * v->nobs]))
                v->reachable = true;
        *axv[i] = *v;
    }
}

/* ---- verdict helpers ---------------------------------------------------------------- */

bool lt_verdict_allows(const struct lt_verdict *v, const int *vals)
{
    return !v->too_large && !v->na && find_state(v, vals) >= 0;
}

bool lt_verdict_races(const struct lt_verdict *v, const int *vals)
{
    int i = v->too_large || v->na ? -1 : find_state(v, vals);
    return i >= 0 && v->final_race && v->final_race[i];
}

void lt_verdict_free(struct lt_verdict *v)
{
    free(v->final);
    free(v->final_race);
    v->final = NULL;
    v->final_race = NULL;
    v->nfinal = 0;
}

const char *lt_verdict_word(const struct lt_verdict *v)
{
    if (v->too_large)
        return "too large";
    if (v->na)
        return "n/a";
    return v->reachable ? "allowed" : "forbidden";
}

/* ---- one execution ------------------------------------------------------------------ */

int lt_find_cycle(lt_rel a, int *path, int max)
{
    lt_rel plus = lt_plus(a);
    for (int s = 0; s < LT_REL_MAX; s++) {
        if (!lt_has(&plus, s, s))
            continue;
        /* Breadth-first from s back to s along a, remembering parents: a shortest cycle through s. */
        int parent[LT_REL_MAX], queue[LT_REL_MAX], head = 0, tail = 0;
        for (int i = 0; i < LT_REL_MAX; i++)
            parent[i] = -1;
        lt_set seen = 0;
        queue[tail++] = s;
        int last = -1;
        while (head < tail && last < 0) {
            int u = queue[head++];
            for (lt_set nx = a.row[u]; nx; nx &= nx - 1) {
                int w = __builtin_ctzll(nx);
                if (w == s) {
                    last = u;
                    break;
                }
                if (!lt_in(seen, w)) {
                    seen |= lt_bit(w);
                    parent[w] = u;
                    queue[tail++] = w;
                }
            }
        }
        if (last < 0)
            continue;
        int rev[LT_REL_MAX], n = 0;
        for (int u = last; u != s && u >= 0 && n < LT_REL_MAX; u = parent[u])
            rev[n++] = u;
        rev[n++] = s;
        if (n > max)
            return 0;
        for (int i = 0; i < n; i++)
            path[i] = rev[n - 1 - i];
        return n;
    }
    return 0;
}

void lt_xev_name(const struct lt_exec *x, int e, char *buf, size_t size)
{
    const struct lt_xev *ev = &x->ev[e];
    const char *var = ev->loc >= 0 ? x->test->vars[ev->loc].name : "";
    if (ev->thread < 0) {
        snprintf(buf, size, "W %s=%d", var, ev->value);
        return;
    }
    int letter = 0;
    for (int i = 0; i < e; i++)
        letter += x->ev[i].thread >= 0;
    char id[8];
    if (letter < 26)
        snprintf(id, sizeof id, "%c", 'a' + letter);
    else
        snprintf(id, sizeof id, "e%d", letter);
    if (ev->kind == LT_X_FENCE)
        snprintf(buf, size, "%s: F[%s]", id, ev->label);
    else
        snprintf(buf, size, "%s: %c[%s] %s=%d", id, ev->kind == LT_X_READ ? 'R' : 'W', ev->label, var, ev->value);
}

struct finder {
    const struct lt_model *m;
    const int *vals;
    const struct lt_test *t;
    struct lt_exec *x;
    int *final_out;
    struct lt_check *why;
    int found;            /* 1 allowed, 0 forbidden candidate kept, -1 none */
    int rank;             /* how good the kept forbidden candidate is as a picture */
    const char *na;
};

static bool matches(const struct finder *f, const int *final)
{
    if (f->vals)
        return memcmp(f->vals, final, sizeof(int) * (size_t)f->t->nobs) == 0;
    return lt_prop_eval(f->t->prop, final);
}

/* A forbidden candidate that at least respects coherence per location shows
 * the interesting cycle, not a trivially incoherent one. */
static int picture_rank(const struct lt_exec *x)
{
    lt_rel poloc = lt_inter(x->po, x->loc);
    lt_rel com = lt_union3(x->rf, x->co, x->fr);
    return lt_acyclic(lt_union(poloc, com)) ? 2 : 1;
}

static bool find_visit(void *ctx, const struct lt_exec *x)
{
    struct finder *f = ctx;
    if (!matches(f, x->final))
        return true;
    if (f->m->not_defined && (f->na = f->m->not_defined(x)) != NULL)
        return false;
    struct lt_check why = {.race = {-1, -1}};
    bool ok = f->m->consistent(x, &why);
    int rank = ok ? 3 : picture_rank(x);
    if (rank > f->rank) {
        f->rank = rank;
        *f->x = *x;
        memcpy(f->final_out, x->final, sizeof(int) * (size_t)f->t->nobs);
        f->x->final = f->final_out;
        *f->why = why;
        f->found = ok ? 1 : 0;
    }
    return !ok;
}

int lt_exec_find(const struct lt_test *t, const struct lt_model *m, const int *vals, long budget, struct lt_exec *x,
                 int *final_out, struct lt_check *why, char *err, size_t errsize)
{
    struct finder f = {.m = m, .vals = vals, .t = t, .x = x, .final_out = final_out, .why = why, .found = -1};
    if (!m->consistent) {
        snprintf(err, errsize, "%s has no axioms to draw", m->label);
        return -1;
    }
    if (lt_exec_enumerate(t, budget, find_visit, &f, err, errsize) != 0)
        return -1;
    if (f.na) {
        snprintf(err, errsize, "%s does not define this test: %s", m->label, f.na);
        return -1;
    }
    if (f.found < 0) {
        snprintf(err, errsize, "no candidate execution ends in that state");
        return -1;
    }
    return f.found;
}
