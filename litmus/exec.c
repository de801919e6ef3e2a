/* exec.c: the axiomatic engine: every candidate execution of a litmus test,
 * and what each model (litmus/models/) says of it.
 *
 * Three stages, each bounded:
 * 1. Values.  A read may return any value that some write to its location
 *    can store.  Those sets are found by fixpoints (collect_values): up
 *    from the initial values, then down from every constant of the program
 *    to the values some store can write, for cycles that justify their own
 *    values.
 * 2. Paths.  Each thread is run symbolically once per choice of read
 *    values (its branches prune the choices); a path is the list of the
 *    thread's events and its final registers.  Dependencies come from the
 *    run itself, path by path: a register carries the set of reads its
 *    value came from on this path, so a store's value expression gives
 *    data, an address computed from a register gives addr, an if's
 *    condition gives ctrl to the events inside the if (herd7's C ctrl) and
 *    branch to every later event (the compiled branch's, for ARMv8).
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

#include "litmus/mapping.h"
#include "litmus/model.h"

enum { MAX_VALUES = 16, MAX_PATHS = 4096, MAX_TEV = LT_REL_MAX, MAX_INSNS = 512, MAX_BRANCHES = 64 };

/* ---- the thread program, flattened ------------------------------------------------- */

enum insn_kind { I_STMT, I_BRANCH, I_JUMP };

struct insn {
    enum insn_kind kind;
    const struct lt_stmt *s;
    int target;               /* I_BRANCH: where to go when the condition is false; I_JUMP: where */
    int parent;               /* the I_BRANCH of the innermost if this instruction is inside, or -1 */
    int branch;               /* I_BRANCH: its number in the thread (tstate.cond) */
};

struct program {
    struct insn in[MAX_INSNS];
    int n, nbranches;
    bool overflow;
};

static int emit(struct program *p, enum insn_kind k, const struct lt_stmt *s, int parent)
{
    if (p->n == MAX_INSNS || (k == I_BRANCH && p->nbranches == MAX_BRANCHES)) {
        p->overflow = true;
        return p->n - 1;
    }
    p->in[p->n] = (struct insn){k, s, -1, parent, k == I_BRANCH ? p->nbranches++ : -1};
    return p->n++;
}

static void flatten(struct program *p, const struct lt_block *b, int parent)
{
    for (int i = 0; i < b->n && !p->overflow; i++) {
        const struct lt_stmt *s = &b->stmts[i];
        if (s->kind != LT_S_IF) {
            emit(p, I_STMT, s, parent);
            continue;
        }
        int br = emit(p, I_BRANCH, s, parent);
        flatten(p, &s->then, br);
        int jmp = emit(p, I_JUMP, s, parent);
        if (p->overflow)
            return;
        p->in[br].target = p->n;
        flatten(p, &s->els, br);
        p->in[jmp].target = p->n;
    }
}

/* ---- symbolic run of one thread --------------------------------------------------- */

/* A thread's event on one path; deps are sets of the path's own read indexes. */
struct tev {
    struct lt_xev x;
    uint64_t addr, data, ctrl;
    uint64_t branch;          /* reads an earlier conditional branch of this path depended on */
    uint64_t srcu_from;       /* srcu_read_unlock: the srcu_read_lock whose index it was given */
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
    int ev_of_id[LT_MAX_ACCESSES];  /* the read event (path index) of each access id run so far, or -1 */
    /* Dependencies as this path computes them (sets of access ids): a
     * register assigned in one branch of an if carries, after the if, what
     * it carries on the path taken, not on both (herd7 runs each path). */
    lt_deps regdeps[LT_MAX_REGS];   /* the reads each register's value now comes from */
    lt_deps cond[MAX_BRANCHES];     /* per if of the thread: the reads its condition came from */
    lt_deps branched;               /* the reads the conditions of the ifs run so far came from */
    struct path path;
};

static int eval(const struct lt_expr *e, const struct tstate *st)
{
    return lt_eval(e, st->regs); /* ast.c: the evaluator the operational machines use too */
}

/* The reads expression e's value comes from on this path. */
static lt_deps expr_deps(const struct lt_expr *e, const struct tstate *st)
{
    if (!e)
        return 0;
    if (e->kind == LT_E_REG)
        return st->regdeps[e->reg];
    return expr_deps(e->a, st) | expr_deps(e->b, st) | expr_deps(e->c, st);
}

/* The annotation herd7 would print in brackets for a C11 access. */
static const char *mo_short(enum lt_mo mo)
{
    static const char *const names[] = {"rlx", "acq", "rel", "acq_rel", "sc"};
    return names[mo];
}

/* One half of an access's C11 order: acquire belongs to the read, release to the write. */
static enum lt_mo half_mo(enum lt_mo mo, enum lt_xkind kind, bool rmw)
{
    if (!rmw)
        return mo;
    if (kind == LT_X_READ)
        return mo == LT_RELEASE ? LT_RELAXED : mo == LT_ACQ_REL ? LT_ACQUIRE : mo;
    return mo == LT_ACQUIRE ? LT_RELAXED : mo == LT_ACQ_REL ? LT_RELEASE : mo;
}

/* The kernel tags of an access from its annotation (a C11 access: from its order). */
static unsigned ann_tags(enum lt_ann ann, enum lt_mo mo, enum lt_xkind kind)
{
    switch (ann) {
    case LT_ANN_PLAIN: return LT_TAG_PLAIN;
    case LT_ANN_ONCE: return LT_TAG_ONCE;
    case LT_ANN_ACQUIRE: return kind == LT_X_READ ? LT_TAG_ACQUIRE : LT_TAG_ONCE;
    case LT_ANN_RELEASE: return kind == LT_X_WRITE ? LT_TAG_RELEASE : LT_TAG_ONCE;
    case LT_ANN_MB: return LT_TAG_MB;
    case LT_ANN_NORETURN: return LT_TAG_NORETURN | LT_TAG_ONCE;
    case LT_ANN_C11: break;
    }
    unsigned t = mo == LT_ACQUIRE ? LT_TAG_ACQUIRE : mo == LT_RELEASE ? LT_TAG_RELEASE
               : mo == LT_ACQ_REL ? LT_TAG_ACQUIRE | LT_TAG_RELEASE : mo == LT_SEQ_CST ? LT_TAG_SC : LT_TAG_ONCE;
    if (kind == LT_X_FENCE && mo == LT_SEQ_CST)
        t |= LT_TAG_MB;
    return t;
}

static void fence_annotate(const struct lt_stmt *s, struct lt_xev *x)
{
    x->mo = s->mo;
    unsigned t = 0;
    const char *name = lt_fence_name(s->fence);
    switch (s->fence) {
    case LT_F_MB: t = LT_TAG_MB; break;
    case LT_F_RMB: t = LT_TAG_RMB; break;
    case LT_F_WMB: t = LT_TAG_WMB; break;
    case LT_F_BEFORE_ATOMIC: t = LT_TAG_BEFORE_ATOMIC; break;
    case LT_F_AFTER_ATOMIC: t = LT_TAG_AFTER_ATOMIC; break;
    case LT_F_AFTER_SPINLOCK: t = LT_TAG_AFTER_SPINLOCK; break;
    case LT_F_AFTER_UNLOCK_LOCK: t = LT_TAG_AFTER_UNLOCK_LOCK; break;
    case LT_F_AFTER_SRCU_UNLOCK: t = LT_TAG_MB | LT_TAG_AFTER_SRCU_UNLOCK; break;
    case LT_F_BARRIER:
    case LT_F_C11_SIGNAL:
        t = LT_TAG_BARRIER;
        x->mo = LT_RELAXED; /* a compiler barrier orders nothing between threads */
        name = "barrier";
        break;
    case LT_F_C11:
        t = ann_tags(LT_ANN_C11, s->mo, LT_X_FENCE);
        name = mo_short(s->mo);
        break;
    }
    x->tags = t;
    snprintf(x->label, sizeof x->label, "%s", name);
}

static struct tev *new_event(struct runner *r, struct tstate *st, enum lt_xkind kind, const struct lt_stmt *s,
                             int loc)
{
    if (st->path.nev == MAX_TEV) {
        r->overflow = true;
        return NULL;
    }
    struct tev *e = &st->path.ev[st->path.nev++];
    memset(e, 0, sizeof *e);
    e->x.kind = kind;
    e->x.thread = r->thread;
    e->x.loc = loc;
    e->x.line = s->line;
    e->x.stmt = s;
    e->x.atomic = !s->plain;
    e->rmw_read = -1;
    /* dependencies: the parser's access ids, as this path's read events */
    lt_deps ctrl = 0;
    for (int b = r->prog->in[st->pc].parent; b >= 0; b = r->prog->in[b].parent)
        ctrl |= st->cond[r->prog->in[b].branch];
    lt_deps sets[4] = {expr_deps(s->addr, st), expr_deps(s->value, st) | expr_deps(s->expected, st), ctrl,
                       st->branched};
    uint64_t *out[4] = {&e->addr, &e->data, &e->ctrl, &e->branch};
    for (int k = 0; k < 4; k++)
        for (lt_deps d = sets[k]; d; d &= d - 1) {
            int id = __builtin_ctzll(d);
            if (id < LT_MAX_ACCESSES && st->ev_of_id[id] >= 0)
                *out[k] |= (uint64_t)1 << st->ev_of_id[id];
        }
    if (kind == LT_X_FENCE) {
        fence_annotate(s, &e->x);
        return e;
    }
    bool rmw = s->kind == LT_S_RMW;
    e->x.mo = half_mo(s->mo, kind, rmw);
    e->x.tags = ann_tags(s->ann, e->x.mo, kind);
    if (s->ann == LT_ANN_C11 && e->x.mo == LT_SEQ_CST)
        e->x.tags |= LT_TAG_SC;
    snprintf(e->x.label, sizeof e->x.label, "%s", s->ann == LT_ANN_C11 ? mo_short(e->x.mo) : lt_ann_name(s->ann));
    return e;
}

/* A marker event (rcu_read_lock, synchronize_rcu, ...): fence-kind, loc the srcu_struct or -1. */
static bool marker(struct runner *r, struct tstate *st, const struct lt_stmt *s, unsigned tag, const char *label)
{
    struct tev *e = new_event(r, st, LT_X_FENCE, s, s->domain >= 0 ? s->domain : -1);
    if (!e)
        return false;
    e->x.tags = tag;
    e->x.mo = tag & (LT_TAG_SYNC_RCU | LT_TAG_SYNC_SRCU) ? LT_SEQ_CST : LT_RELAXED;
    snprintf(e->x.label, sizeof e->x.label, "%s", label);
    if (tag == LT_TAG_SRCU_UNLOCK) { /* its "data" is the index: which section it ends, not a dependency */
        e->srcu_from = e->data;
        e->data = 0;
    }
    return true;
}

/* The C11 meaning of a fully ordered kernel RMW puts a seq_cst fence on each side (mapping.h). */
static bool implicit_fence(struct runner *r, struct tstate *st, const struct lt_stmt *s)
{
    struct tev *e = new_event(r, st, LT_X_FENCE, s, -1);
    if (!e)
        return false;
    e->addr = e->data = e->ctrl = e->branch = e->srcu_from = 0;
    e->x.tags = LT_TAG_IMPLICIT;
    e->x.mo = LT_SEQ_CST;
    snprintf(e->x.label, sizeof e->x.label, "sc (implicit)");
    return true;
}

static void run_from(struct runner *r, struct tstate *st);

static void finish_path(struct runner *r, struct tstate *st)
{
    if (r->npaths == MAX_PATHS) {
        r->overflow = true;
        return;
    }
    if (!r->paths) { /* only collecting values: count the path, as the final run will store it */
        r->npaths++;
        return;
    }
    memcpy(st->path.regs, st->regs, sizeof st->regs);
    r->paths[r->npaths++] = st->path;
}

static void set_reg(struct tstate *st, int reg, int value)
{
    if (reg >= 0)
        st->regs[reg] = value;
}

/* The read half of statement s (at variable var) returned value; go on from the next instruction. */
static void after_read(struct runner *r, struct tstate *st, const struct lt_stmt *s, int var, int value)
{
    bool full = s->kind == LT_S_RMW && s->op && s->op->full;
    int expected = s->kind == LT_S_RMW && s->expected ? eval(s->expected, st) : 0;
    bool wrote = s->kind == LT_S_RMW && lt_rmw_writes(s, value, expected);
    /* a fully ordered RMW that writes: its C11 meaning has a seq_cst fence before the read */
    if (full && wrote && !implicit_fence(r, st, s))
        return;
    struct tev *rd = new_event(r, st, LT_X_READ, s, var);
    if (!rd)
        return;
    int ri = st->path.nev - 1;
    rd->x.value = value;
    if (s->id >= 0 && s->id < LT_MAX_ACCESSES)
        st->ev_of_id[s->id] = ri;
    bool writes = false;
    int write = 0;
    unsigned wtags = 0;
    switch (s->kind) {
    case LT_S_LOAD:
        set_reg(st, s->reg, value);
        break;
    case LT_S_ISLOCKED:
        rd->x.tags = LT_TAG_LOCK_TEST | LT_TAG_ONCE;
        set_reg(st, s->reg, value != 0);
        break;
    case LT_S_LOCK:
        if (value != 0)
            return; /* spin_lock waits for a free lock: no execution finishes from here */
        /* fall through */
    case LT_S_TRYLOCK:
        rd->x.rmw = true;
        if (value != 0) { /* a failed trylock only reads */
            rd->x.tags = LT_TAG_LOCK_TEST | LT_TAG_ONCE;
            rd->x.mo = LT_RELAXED;
            snprintf(rd->x.label, sizeof rd->x.label, "trylock-fail");
            set_reg(st, s->reg, 0);
            break;
        }
        rd->x.tags = LT_TAG_LOCK | LT_TAG_ACQUIRE;
        rd->x.mo = LT_ACQUIRE;
        snprintf(rd->x.label, sizeof rd->x.label, "lock");
        writes = true;
        write = 1;
        wtags = LT_TAG_LOCK;
        set_reg(st, s->reg, 1);
        break;
    case LT_S_RMW: {
        rd->x.rmw = true;
        int operand = s->value ? eval(s->value, st) : 0;
        int nv = lt_rmw_new(s, value, operand);
        if (wrote) {
            writes = true;
            write = nv;
            wtags = ann_tags(s->ann, half_mo(s->mo, LT_X_WRITE, true), LT_X_WRITE);
        } else { /* a failed conditional RMW: a read with its failure order */
            rd->x.mo = s->mo_fail == LT_RELEASE || s->mo_fail == LT_ACQ_REL ? LT_ACQUIRE : s->mo_fail;
            rd->x.tags = ann_tags(s->ann_fail, rd->x.mo, LT_X_READ);
            if (s->ann == LT_ANN_C11 && rd->x.mo == LT_SEQ_CST)
                rd->x.tags |= LT_TAG_SC;
            snprintf(rd->x.label, sizeof rd->x.label, "%s",
                     s->ann == LT_ANN_C11 ? mo_short(rd->x.mo) : lt_ann_name(s->ann_fail));
            if (s->reg_expected >= 0)
                st->regs[s->reg_expected] = value;
        }
        set_reg(st, s->reg, lt_rmw_result(s, value, nv, wrote));
        break;
    }
    default:
        break;
    }
    if (writes) {
        struct tev *w = new_event(r, st, LT_X_WRITE, s, var);
        if (!w)
            return;
        w->x.value = write;
        w->x.rmw = true;
        w->rmw_read = ri;
        w->x.tags = wtags | (s->ann == LT_ANN_C11 && w->x.mo == LT_SEQ_CST ? LT_TAG_SC : 0);
        if (s->kind != LT_S_RMW) {
            w->x.mo = LT_RELAXED;
            snprintf(w->x.label, sizeof w->x.label, "lock");
        }
        if (r->written)
            values_add(r->written, var, write);
        if (full && !implicit_fence(r, st, s))
            return;
    }
    /* what the registers the read wrote now carry: this read */
    if (s->reg >= 0)
        st->regdeps[s->reg] = (lt_deps)1 << s->id;
    if (s->kind == LT_S_RMW && s->reg_expected >= 0)
        st->regdeps[s->reg_expected] = (lt_deps)1 << s->id;
    st->pc++;
    run_from(r, st);
}

/* The variable statement s accesses, or -1 when its address is no variable (the execution is dropped). */
static int access_var(const struct runner *r, const struct tstate *st, const struct lt_stmt *s)
{
    if (s->var >= 0)
        return s->var;
    if (!s->addr)
        return -1;
    return lt_ptr_var(r->t, eval(s->addr, st));
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
            st->cond[in->branch] = expr_deps(s->value, st);
            st->branched |= st->cond[in->branch];
            st->pc = eval(s->value, st) ? st->pc + 1 : in->target;
            continue;
        }
        switch (s->kind) {
        case LT_S_ASSIGN:
            set_reg(st, s->reg, eval(s->value, st));
            if (s->reg >= 0)
                st->regdeps[s->reg] = expr_deps(s->value, st);
            break;
        case LT_S_FENCE:
            if (!new_event(r, st, LT_X_FENCE, s, -1))
                return;
            break;
        case LT_S_RCU_LOCK:
            if (!marker(r, st, s, s->domain >= 0 ? LT_TAG_SRCU_LOCK : LT_TAG_RCU_LOCK,
                        s->domain >= 0 ? "srcu-lock" : "rcu-lock"))
                return;
            set_reg(st, s->reg, 0);
            if (s->reg >= 0) /* srcu_read_lock's index names its section (srcu_from) */
                st->regdeps[s->reg] = 0;
            if (s->reg >= 0 && s->domain >= 0 && s->id >= 0 && s->id < LT_MAX_ACCESSES) {
                st->ev_of_id[s->id] = st->path.nev - 1;
                st->regdeps[s->reg] = (lt_deps)1 << s->id;
            }
            break;
        case LT_S_RCU_UNLOCK:
            if (!marker(r, st, s, s->domain >= 0 ? LT_TAG_SRCU_UNLOCK : LT_TAG_RCU_UNLOCK,
                        s->domain >= 0 ? "srcu-unlock" : "rcu-unlock"))
                return;
            break;
        case LT_S_SYNC_RCU:
            if (!marker(r, st, s, s->domain >= 0 ? LT_TAG_SYNC_SRCU : LT_TAG_SYNC_RCU,
                        s->domain >= 0 ? "sync-srcu" : "sync-rcu"))
                return;
            break;
        case LT_S_STORE:
        case LT_S_UNLOCK: {
            int var = access_var(r, st, s);
            if (var < 0)
                return; /* a store through a pointer that points nowhere: no execution */
            struct tev *w = new_event(r, st, LT_X_WRITE, s, var);
            if (!w)
                return;
            if (s->kind == LT_S_UNLOCK) {
                w->x.value = 0;
                w->x.tags = LT_TAG_UNLOCK | LT_TAG_RELEASE;
                w->x.mo = LT_RELEASE;
                snprintf(w->x.label, sizeof w->x.label, "unlock");
            } else {
                w->x.value = eval(s->value, st);
            }
            if (r->written)
                values_add(r->written, var, w->x.value);
            break;
        }
        case LT_S_LOAD:
        case LT_S_RMW:
        case LT_S_LOCK:
        case LT_S_TRYLOCK:
        case LT_S_ISLOCKED: {
            int var = access_var(r, st, s);
            if (var < 0)
                return;
            /* One continuation per value the location can hold; the state is copied for each. */
            int nv = r->vals->n[var];
            for (int i = 0; i < nv && !r->overflow; i++) {
                struct tstate *copy = malloc(sizeof *copy);
                if (!copy)
                    abort();
                *copy = *st;
                after_read(r, copy, s, var, r->vals->v[var][i]);
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
    for (int i = 0; i < LT_MAX_ACCESSES; i++)
        st->ev_of_id[i] = -1;
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
    bool prune;                     /* skip rf and co choices that break coherence (every model forbids them) */
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
    int rmw_src[LT_REL_MAX];        /* an RMW write: the write its read reads from (this candidate); else -2 */
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
    if (!lt_filter_pass(t, en->final))
        return; /* the test's filter drops this final state */
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
        for (int j = 0; j < n && ok && en->prune; j++)
            if (!used[j] && j != i && lt_has(&en->x.po, en->locw[v][j], w))
                ok = false;
        /* Atomicity, which every model here has: an RMW's write comes right
         * after the write its read read from (nothing in between in co).
         * Locks are RMWs too, so this keeps critical sections apart. */
        if (ok && en->prune && en->rmw_src[w] != -2) {
            int before = depth == 0 ? en->init_of[v] : en->order[v][depth - 1];
            ok = en->rmw_src[w] == before;
        }
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
    int rw = en->x.rmw.row[r] ? __builtin_ctzll(en->x.rmw.row[r]) : -1; /* its RMW's write, if any */
    for (int k = 0; k < en->ncand[i] && !en->stop; k++) {
        int w = en->cand[i][k];
        lt_add(&en->x.rf, w, r);
        if (rw >= 0)
            en->rmw_src[rw] = w;
        choose_rf(en, i + 1);
        en->x.rf.row[w] &= ~lt_bit(r);
    }
    if (rw >= 0)
        en->rmw_src[rw] = -2;
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
            if (en->pick[k]->ev[i].x.loc >= 0 && en->pick[k]->ev[i].x.kind != LT_X_FENCE)
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
            for (uint64_t s = te->branch; s; s &= s - 1)
                lt_add(&x->branch, en->first[k] + __builtin_ctzll(s), e);
            for (uint64_t s = te->srcu_from; s; s &= s - 1)
                lt_add(&x->srcu_idx, en->first[k] + __builtin_ctzll(s), e);
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
                !(en->prune && lt_has(&x->po, e, w)) && !lt_has(&x->rmw, e, w))
                en->cand[i][en->ncand[i]++] = w;
        if (en->ncand[i] == 0)
            return; /* no write gives this value here: the paths do not fit together */
    }
    for (int e = 0; e < LT_REL_MAX; e++)
        en->rmw_src[e] = -2;
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

/* Add to out every value a store writes when each read returns a value of in.  False on overflow. */
static bool add_written(struct enumerator *en, const struct values *in, struct values *out)
{
    for (int k = 0; k < en->t->nthreads; k++) {
        struct runner r = {.t = en->t, .thread = k, .prog = &en->prog[k], .vals = in, .written = out};
        run_thread(&r);
        if (r.overflow)
            return false;
    }
    return !out->overflow;
}

static bool values_has(const struct values *vs, int var, int value)
{
    for (int i = 0; i < vs->n[var]; i++)
        if (vs->v[var][i] == value)
            return true;
    return false;
}

static int values_count(const struct lt_test *t, const struct values *vs)
{
    int n = 0;
    for (int v = 0; v < t->nvars; v++)
        n += vs->n[v];
    return n;
}

/* From vs, rounds of "add what the stores write" until nothing changes or
 * after rounds rounds.  False on overflow. */
static bool close_up(struct enumerator *en, struct values *vs, int rounds)
{
    for (int round = 0; round <= rounds; round++) {
        struct values next = *vs;
        if (!add_written(en, vs, &next))
            return false;
        if (values_count(en->t, &next) == values_count(en->t, vs))
            return true;
        *vs = next;
    }
    return true;
}

/* Every constant (and variable address) in expression e, into c. */
static void constants_of(const struct lt_expr *e, struct values *c)
{
    if (!e)
        return;
    if (e->kind == LT_E_CONST)
        values_add(c, 0, e->value);
    else if (e->kind == LT_E_ADDR)
        values_add(c, 0, LT_PTR(e->var));
    constants_of(e->a, c);
    constants_of(e->b, c);
    constants_of(e->c, c);
}

/* The values each location can hold.
 *
 * First the values real executions build up from the initial ones: a value
 * a read returns was written by a chain of writes, each computed from the
 * one before it (an RMW increments what it read); such a chain uses each
 * write at most once, so it is no longer than the number of writes in the
 * program.  Rounds of "run every thread, collect what it writes" up to that
 * length find every such value; a round that adds nothing ends it early.
 * (Values only a longer chain gives, such as a counter read back by its own
 * increment over and over, need no place.)
 *
 * Then the values an execution can justify only by itself: in load
 * buffering with a write under "if (r0) y = 1;" on each side, each read can
 * return 1 because the other thread's write stored 1 because its read
 * returned 1.  No chain from the initial values reaches 1, yet the candidate
 * is well formed (each read reads a write of its own value), and a model
 * that allows such cycles (the kernel's, for plain accesses) must be asked
 * about it, as herd7 does by solving the values' equations.  So every
 * location is offered, besides, every constant of the program; then values
 * no store can write when the reads choose from the sets are dropped, over
 * and over, down to the largest sets that hold only values some store
 * writes.  The first stage's values survive this (they are written from
 * each other), so the second can only add candidates; when it would
 * overflow a bound, the first stage's sets stand. */
static bool collect_values(struct enumerator *en, struct values *vs)
{
    const struct lt_test *t = en->t;
    struct values init;
    memset(&init, 0, sizeof init);
    for (int v = 0; v < t->nvars; v++)
        values_add(&init, v, t->vars[v].init);
    int writes = 0;
    for (int k = 0; k < t->nthreads; k++)
        for (int i = 0; i < t->threads[k].naccesses; i++)
            writes += lt_stmt_writes(t->threads[k].access[i]);
    *vs = init;
    if (!close_up(en, vs, writes))
        return false;

    struct values consts;
    memset(&consts, 0, sizeof consts);
    for (int k = 0; k < t->nthreads; k++)
        for (int i = 0; i < en->prog[k].n; i++) {
            const struct lt_stmt *s = en->prog[k].in[i].s;
            if (s->kind == LT_S_STORE || s->kind == LT_S_RMW || s->kind == LT_S_ASSIGN || s->kind == LT_S_IF)
                constants_of(s->value, &consts);
        }
    struct values cur = *vs;
    for (int v = 0; v < t->nvars; v++)
        for (int i = 0; i < consts.n[0]; i++)
            values_add(&cur, v, consts.v[0][i]);
    if (consts.overflow || cur.overflow || values_count(t, &cur) == values_count(t, vs))
        return true;
    if (!close_up(en, &cur, writes))
        return true;
    for (;;) {
        struct values next = init, kept;
        if (!add_written(en, &cur, &next))
            return true;
        memset(&kept, 0, sizeof kept);
        for (int v = 0; v < t->nvars; v++)
            for (int i = 0; i < cur.n[v]; i++)
                if (values_has(&next, v, cur.v[v][i]))
                    values_add(&kept, v, cur.v[v][i]);
        if (values_count(t, &kept) == values_count(t, &cur))
            break;
        cur = kept;
    }
    *vs = cur;
    return true;
}

static int enumerate(const struct lt_test *t, long budget, lt_exec_visit *visit, void *ctx, bool prune, char *err,
                     size_t errsize)
{
    struct enumerator *en = calloc(1, sizeof *en);
    if (!en)
        abort();
    en->t = t;
    en->budget = budget;
    en->visit = visit;
    en->ctx = ctx;
    en->prune = prune;
    en->err = err;
    en->errsize = errsize;
    err[0] = '\0';
    int rc = 0;
    for (int k = 0; k < t->nthreads; k++) {
        flatten(&en->prog[k], &t->threads[k].body, -1);
        if (en->prog[k].overflow) {
            snprintf(err, errsize, "thread P%d has more than %d statements or %d ifs", k, MAX_INSNS, MAX_BRANCHES);
            rc = -1;
            goto out;
        }
    }
    struct values vs;
    if (!collect_values(en, &vs)) {
        snprintf(err, errsize, "too many values (more than %d per location) or paths (more than %d per thread)",
                 MAX_VALUES, MAX_PATHS);
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

int lt_exec_enumerate(const struct lt_test *t, long budget, lt_exec_visit *visit, void *ctx, char *err,
                      size_t errsize)
{
    return enumerate(t, budget, visit, ctx, true, err, errsize);
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
    snprintf(buf, size, "P%d line %d %.60s", ev->thread, ev->line, name);
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
            char a[96], b[96];
            describe_event(x, why.race[0], a, sizeof a);
            describe_event(x, why.race[1], b, sizeof b);
            snprintf(v->race_text, sizeof v->race_text, "%.95s and %.95s", a, b);
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

/* Whether the operational machines (model.c) take this test: they read the
 * whole dialect (locks block, synchronize_rcu waits for the read-side
 * sections that began before it, pointers are values), so every test; the
 * SC and x86-TSO axioms are the cross-check (unit/test_exec), and the ones
 * that draw the graphs. */
static bool machine_reads(const struct lt_test *t)
{
    (void)t;
    return true;
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
        if (models[m]->machine >= 0 && machine_reads(t))
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
        if (models[m]->machine < 0 || !machine_reads(t)) {
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

const char *lt_exec_no_grace_periods(const struct lt_exec *x)
{
    for (int e = 0; e < x->n; e++)
        if (x->ev[e].tags & (LT_TAG_SYNC_RCU | LT_TAG_SYNC_SRCU))
            return "these axioms have no RCU grace periods (synchronize_rcu waits for readers: the machine in "
                   "model.c models that)";
    return NULL;
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

int lt_shortest_path(lt_rel r, int a, int b, int *path, int max)
{
    int parent[LT_REL_MAX], queue[LT_REL_MAX], head = 0, tail = 0;
    lt_set seen = 0;
    /* breadth first from a's successors, so that a path from a back to a is found too */
    for (lt_set nx = r.row[a]; nx; nx &= nx - 1) {
        int w = __builtin_ctzll(nx);
        seen |= lt_bit(w);
        parent[w] = a;
        queue[tail++] = w;
    }
    while (head < tail && !lt_in(seen, b)) {
        int u = queue[head++];
        for (lt_set nx = r.row[u] & ~seen; nx; nx &= nx - 1) {
            int w = __builtin_ctzll(nx);
            seen |= lt_bit(w);
            parent[w] = u;
            queue[tail++] = w;
        }
    }
    if (!lt_in(seen, b))
        return 0;
    int rev[LT_REL_MAX + 1], n = 0;
    int u = b;
    do {
        rev[n++] = u;
        u = parent[u];
    } while (u != a && n < LT_REL_MAX);
    rev[n++] = a;
    if (n > max)
        return 0;
    for (int i = 0; i < n; i++)
        path[i] = rev[n - 1 - i];
    return n;
}

int lt_find_cycle(lt_rel a, int *path, int max)
{
    lt_rel plus = lt_plus(a);
    for (int s = 0; s < LT_REL_MAX; s++) {
        if (!lt_has(&plus, s, s))
            continue;
        /* a shortest path from s back to s; drop the repeated s at its end */
        int n = lt_shortest_path(a, s, s, path, max + 1 < LT_REL_MAX + 1 ? max + 1 : LT_REL_MAX + 1);
        if (n >= 2)
            return n - 1;
    }
    return 0;
}

void lt_xev_name(const struct lt_exec *x, int e, char *buf, size_t size)
{
    const struct lt_xev *ev = &x->ev[e];
    const char *var = ev->loc >= 0 ? x->test->vars[ev->loc].name : "";
    char value[64]; /* a pointer value prints as the variable's name, as in the states */
    lt_value_name(x->test, ev->value, value, (int)sizeof value);
    if (ev->thread < 0) {
        snprintf(buf, size, "W %s=%s", var, value);
        return;
    }
    int letter = 0;
    for (int i = 0; i < e; i++)
        letter += x->ev[i].thread >= 0;
    char id[16];
    if (letter < 26)
        snprintf(id, sizeof id, "%c", 'a' + letter);
    else
        snprintf(id, sizeof id, "e%d", letter);
    if (ev->kind == LT_X_FENCE)
        snprintf(buf, size, "%s: F[%s]", id, ev->label);
    else
        snprintf(buf, size, "%s: %c[%s] %s=%s", id, ev->kind == LT_X_READ ? 'R' : 'W', ev->label, var, value);
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
    if (!lt_acyclic(lt_union(poloc, com)))
        return 1;
    return lt_is_empty(lt_inter(x->rmw, lt_seq(x->fr, x->co))) ? 3 : 2;
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
    int rank = ok ? 4 : picture_rank(x);
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
    /* every candidate, incoherent ones too: a picture of a forbidden state may need one */
    if (enumerate(t, budget, find_visit, &f, false, err, errsize) != 0)
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
