/* model.c: the SC and x86-TSO machines of model.h, and a breadth-first search over their states.
 *
 * Each thread's statement tree is first lowered to a flat list of
 * instructions with jumps, so a thread's position is one integer (its pc).
 * A machine state is then one array of ints, hashed and compared whole:
 *
 *   mem[nvars] | per thread: pc, regs[nregs], buffered, buffer[2 * cap]
 *
 * buffer holds (var, value) pairs, oldest first, with unused pairs zero so
 * that equal machines are equal arrays.  cap is the number of store
 * instructions in the thread (tests have no loops, so a buffer never holds
 * more); under SC cap is 0 and there is no buffer.
 *
 * Register-only work (assignments, ifs, fences that are no instruction, an
 * MFENCE whose buffer is already empty) runs at once after each memory step
 * of its thread: it touches nothing another thread can see, so running it
 * eagerly loses no final state and keeps the interleavings few.
 *
 * The visited states live in one array that is also the breadth-first
 * queue: state i's successors are appended if new, each remembering its
 * parent and the step that made it, which gives --explain a shortest
 * execution for free.  The array stops growing at the budget.
 */
#include "litmus/model.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "locks/sys.h"

/* ---- lowering: statement tree -> instruction list ------------------------------ */

enum op {
    OP_LOAD, OP_STORE, OP_RMW,   /* memory operations: one step each */
    OP_MFENCE,                   /* TSO: may pass only with an empty buffer */
    OP_NO_FENCE,                 /* a fence with no x86 instruction: nothing to do */
    OP_ASSIGN,
    OP_BRANCH,                   /* if the statement's value is 0, go to target */
    OP_JUMP                      /* go to target (the end of an if's then-block) */
};

struct instr {
    enum op op;
    const struct lt_stmt *s;
    int target;
};

struct code {
    struct instr *ins;
    int n;
    int nstores;
};

/* smp_mb() and atomic_thread_fence(seq_cst) are MFENCE; every other fence
 * (rmb, wmb, barrier, acquire/release/acq_rel) is no instruction on x86. */
static bool is_mfence(const struct lt_stmt *s)
{
    return s->prim != LT_P_BARRIER && s->mo == LT_SEQ_CST;
}

/* An upper bound on the instructions a block lowers to. */
static int count_instrs(const struct lt_block *b)
{
    int n = 0;
    for (int i = 0; i < b->n; i++) {
        const struct lt_stmt *s = &b->stmts[i];
        n += 2; /* a seq_cst store is two; an if's branch and jump are two */
        if (s->kind == LT_S_IF)
            n += count_instrs(&s->then) + count_instrs(&s->els);
    }
    return n;
}

static int emit(struct code *c, enum op op, const struct lt_stmt *s)
{
    c->ins[c->n] = (struct instr){op, s, -1};
    return c->n++;
}

static void lower_block(struct code *c, const struct lt_block *b);

static void lower_if(struct code *c, const struct lt_stmt *s)
{
    int branch = emit(c, OP_BRANCH, s);
    lower_block(c, &s->then);
    if (s->els.n == 0) {
        c->ins[branch].target = c->n;
        return;
    }
    int jump = emit(c, OP_JUMP, s);
    c->ins[branch].target = c->n;
    lower_block(c, &s->els);
    c->ins[jump].target = c->n;
}

static void lower_stmt(struct code *c, const struct lt_stmt *s)
{
    switch (s->kind) {
    case LT_S_LOAD:
        emit(c, OP_LOAD, s);
        break;
    case LT_S_STORE:
        emit(c, OP_STORE, s);
        c->nstores++;
        /* seq_cst store: XCHG (clang) or MOV+MFENCE (gcc): the thread goes on
         * only once its buffer, this store included, has drained. */
        if (s->mo == LT_SEQ_CST)
            emit(c, OP_MFENCE, s);
        break;
    case LT_S_RMW:
        emit(c, OP_RMW, s);
        break;
    case LT_S_FENCE:
        emit(c, is_mfence(s) ? OP_MFENCE : OP_NO_FENCE, s);
        break;
    case LT_S_ASSIGN:
        emit(c, OP_ASSIGN, s);
        break;
    case LT_S_IF:
        lower_if(c, s);
        break;
    default:
        break;
    }
}

static void lower_block(struct code *c, const struct lt_block *b)
{
    for (int i = 0; i < b->n; i++)
        lower_stmt(c, &b->stmts[i]);
}

/* ---- the machine: a test's code and the layout of its states ------------------- */

struct machine {
    const struct lt_test *t;
    enum lt_machine m;
    struct code code[LT_MAX_THREADS];
    int base[LT_MAX_THREADS];   /* index of thread k's pc in a state */
    int cap[LT_MAX_THREADS];    /* buffer capacity (0 under SC) */
    int width;                  /* ints per state */
};

/* Pointers into one thread's part of a state. */
struct tstate {
    int *pc, *regs, *buffered, *buffer;
};

static void machine_init(struct machine *mc, const struct lt_test *t, enum lt_machine m)
{
    memset(mc, 0, sizeof *mc);
    mc->t = t;
    mc->m = m;
    int at = t->nvars;
    for (int k = 0; k < t->nthreads; k++) {
        struct code *c = &mc->code[k];
        c->ins = calloc((size_t)count_instrs(&t->threads[k].body) + 1, sizeof *c->ins);
        if (!c->ins)
            abort();
        lower_block(c, &t->threads[k].body);
        mc->cap[k] = m == LT_MODEL_TSO ? c->nstores : 0;
        mc->base[k] = at;
        at += 2 + t->threads[k].nregs + 2 * mc->cap[k];
    }
    mc->width = at;
}

static void machine_free(struct machine *mc)
{
    for (int k = 0; k < mc->t->nthreads; k++)
        free(mc->code[k].ins);
}

static struct tstate thread_of(const struct machine *mc, int *st, int k)
{
    int *p = st + mc->base[k];
    int nregs = mc->t->threads[k].nregs;
    return (struct tstate){p, p + 1, p + 1 + nregs, p + 2 + nregs};
}

static void initial_state(const struct machine *mc, int *st)
{
    memset(st, 0, sizeof(int) * (size_t)mc->width);
    for (int v = 0; v < mc->t->nvars; v++)
        st[v] = mc->t->vars[v].init;
    for (int k = 0; k < mc->t->nthreads; k++) {
        struct tstate ts = thread_of(mc, st, k);
        for (int r = 0; r < mc->t->threads[k].nregs; r++)
            ts.regs[r] = mc->t->threads[k].regs[r].init;
    }
}

/* ---- registers: expressions wrap like the generated code's -------------------- */

static int eval(const struct lt_expr *e, const int *regs)
{
    switch (e->kind) {
    case LT_E_CONST: return e->value;
    case LT_E_REG: return regs[e->reg];
    case LT_E_ADDR: return LT_PTR(e->var);
    case LT_E_COND: return eval(e->a, regs) ? eval(e->b, regs) : eval(e->c, regs);
    case LT_E_UNARY: {
        int a = eval(e->a, regs);
        if (e->op == '-')
            return (int)(0u - (unsigned)a);
        return e->op == '!' ? !a : ~a;
    }
    case LT_E_BINARY: break;
    }
    int a = eval(e->a, regs), b = eval(e->b, regs);
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

/* ---- steps ----------------------------------------------------------------------- */

/* Who hears about events: NULL while searching, the --explain printer on replay. */
struct narrator {
    lt_event_fn *fn;
    void *ctx;
};

static void report(const struct machine *mc, int *st, const struct narrator *nr, struct lt_event ev)
{
    if (!nr)
        return;
    struct lt_view v = {.nthreads = mc->t->nthreads, .nvars = mc->t->nvars, .mem = st};
    for (int k = 0; k < mc->t->nthreads; k++) {
        struct tstate ts = thread_of(mc, st, k);
        v.buffered[k] = *ts.buffered;
        v.buffer[k] = ts.buffer;
    }
    nr->fn(nr->ctx, &ev, &v);
}

static struct lt_event event(enum lt_event_kind kind, int k, const struct lt_stmt *s, int var, int value)
{
    return (struct lt_event){.kind = kind, .thread = k, .stmt = s, .var = var, .value = value};
}

/* Run thread k's register-only instructions until the next memory step
 * (or an MFENCE that must wait for its buffer), or the end. */
static void run_local(const struct machine *mc, int *st, int k, const struct narrator *nr)
{
    const struct code *c = &mc->code[k];
    struct tstate ts = thread_of(mc, st, k);
    while (*ts.pc < c->n) {
        const struct instr *in = &c->ins[*ts.pc];
        const struct lt_stmt *s = in->s;
        switch (in->op) {
        case OP_ASSIGN:
            if (s->reg >= 0)
                ts.regs[s->reg] = eval(s->value, ts.regs);
            report(mc, st, nr, event(LT_EV_ASSIGN, k, s, -1, s->reg >= 0 ? ts.regs[s->reg] : 0));
            *ts.pc += 1;
            break;
        case OP_BRANCH: {
            bool taken = eval(s->value, ts.regs) != 0;
            *ts.pc = taken ? *ts.pc + 1 : in->target;
            report(mc, st, nr, event(LT_EV_BRANCH, k, s, -1, taken));
            break;
        }
        case OP_JUMP:
            *ts.pc = in->target;
            break;
        case OP_NO_FENCE:
            report(mc, st, nr, event(LT_EV_NO_FENCE, k, s, -1, 0));
            *ts.pc += 1;
            break;
        case OP_MFENCE:
            if (*ts.buffered > 0)
                return;
            *ts.pc += 1;
            report(mc, st, nr, event(LT_EV_MFENCE, k, s, -1, 0));
            break;
        default:
            return;
        }
    }
}

static bool thread_done(const struct machine *mc, int *st, int k)
{
    return *thread_of(mc, st, k).pc >= mc->code[k].n;
}

/* Whether thread k can take its next step: locked instructions and MFENCE
 * wait for an empty store buffer. */
static bool can_run(const struct machine *mc, int *st, int k)
{
    struct tstate ts = thread_of(mc, st, k);
    if (*ts.pc >= mc->code[k].n)
        return false;
    enum op op = mc->code[k].ins[*ts.pc].op;
    return (op != OP_RMW && op != OP_MFENCE) || *ts.buffered == 0;
}

static bool can_drain(const struct machine *mc, int *st, int k)
{
    return *thread_of(mc, st, k).buffered > 0;
}

/* The newest buffered store to var, or -1. */
static int forwarded(const struct tstate *ts, int var)
{
    for (int i = *ts->buffered - 1; i >= 0; i--)
        if (ts->buffer[2 * i] == var)
            return i;
    return -1;
}

static void do_load(const struct machine *mc, int *st, int k, const struct lt_stmt *s, const struct narrator *nr)
{
    struct tstate ts = thread_of(mc, st, k);
    int i = forwarded(&ts, s->var);
    int value = i >= 0 ? ts.buffer[2 * i + 1] : st[s->var];
    if (s->reg >= 0)
        ts.regs[s->reg] = value;
    report(mc, st, nr, event(i >= 0 ? LT_EV_LOAD_BUF : LT_EV_LOAD_MEM, k, s, s->var, value));
}

static void do_store(const struct machine *mc, int *st, int k, const struct lt_stmt *s, const struct narrator *nr)
{
    struct tstate ts = thread_of(mc, st, k);
    int value = eval(s->value, ts.regs);
    if (mc->m == LT_MODEL_SC) {
        st[s->var] = value;
        report(mc, st, nr, event(LT_EV_STORE_MEM, k, s, s->var, value));
        return;
    }
    int n = (*ts.buffered)++;
    ts.buffer[2 * n] = s->var;
    ts.buffer[2 * n + 1] = value;
    report(mc, st, nr, event(LT_EV_STORE_BUF, k, s, s->var, value));
}

/* xchg / cmpxchg: under TSO the buffer is empty here (can_run), and the
 * read and the write are one step on memory: nothing comes between them. */
static void do_rmw(const struct machine *mc, int *st, int k, const struct lt_stmt *s, const struct narrator *nr)
{
    struct tstate ts = thread_of(mc, st, k);
    int old = st[s->var];
    bool wrote = !s->is_cmpxchg || old == eval(s->expected, ts.regs);
    int value = eval(s->value, ts.regs);
    if (wrote)
        st[s->var] = value;
    if (s->reg >= 0)
        ts.regs[s->reg] = old;
    struct lt_event ev = event(LT_EV_RMW, k, s, s->var, value);
    ev.old = old;
    ev.wrote = wrote;
    report(mc, st, nr, ev);
}

static void run_step(const struct machine *mc, int *st, int k, const struct narrator *nr)
{
    struct tstate ts = thread_of(mc, st, k);
    const struct instr *in = &mc->code[k].ins[*ts.pc];
    *ts.pc += 1;
    switch (in->op) {
    case OP_LOAD: do_load(mc, st, k, in->s, nr); break;
    case OP_STORE: do_store(mc, st, k, in->s, nr); break;
    case OP_RMW: do_rmw(mc, st, k, in->s, nr); break;
    case OP_MFENCE: report(mc, st, nr, event(LT_EV_MFENCE, k, in->s, -1, 0)); break;
    default: break; /* run_local consumed every other instruction */
    }
    run_local(mc, st, k, nr);
}

/* TSO: the oldest buffered store of thread k reaches memory. */
static void drain_step(const struct machine *mc, int *st, int k, const struct narrator *nr)
{
    struct tstate ts = thread_of(mc, st, k);
    int var = ts.buffer[0], value = ts.buffer[1];
    int n = --*ts.buffered;
    memmove(ts.buffer, ts.buffer + 2, sizeof(int) * 2 * (size_t)n);
    ts.buffer[2 * n] = ts.buffer[2 * n + 1] = 0;
    st[var] = value;
    report(mc, st, nr, event(LT_EV_DRAIN, k, NULL, var, value));
    /* an MFENCE that waited for this buffer is now register-only work */
    run_local(mc, st, k, nr);
}

static bool step_possible(const struct machine *mc, int *st, struct lt_step s)
{
    return s.drain ? can_drain(mc, st, s.thread) : can_run(mc, st, s.thread);
}

static void apply(const struct machine *mc, int *st, struct lt_step s, const struct narrator *nr)
{
    if (s.drain)
        drain_step(mc, st, s.thread, nr);
    else
        run_step(mc, st, s.thread, nr);
}

static void start(const struct machine *mc, int *st, const struct narrator *nr)
{
    initial_state(mc, st);
    for (int k = 0; k < mc->t->nthreads; k++)
        run_local(mc, st, k, nr);
}

static bool is_final(const struct machine *mc, int *st)
{
    for (int k = 0; k < mc->t->nthreads; k++)
        if (!thread_done(mc, st, k) || *thread_of(mc, st, k).buffered > 0)
            return false;
    return true;
}

/* The observables' values (test->obs order) of a final state. */
static void project(const struct machine *mc, int *st, int *vals)
{
    for (int i = 0; i < mc->t->nobs; i++) {
        struct lt_loc loc = mc->t->obs[i];
        vals[i] = loc.thread >= 0 ? thread_of(mc, st, loc.thread).regs[loc.index] : st[loc.index];
    }
}

/* ---- visited states: an array that is also the queue, and a hash index ---------- */

struct table {
    int width;
    long count, cap;         /* states stored, room in the arrays */
    int *keys;               /* count * width ints */
    long *parent;            /* the state this one was reached from; -1 for the initial state */
    struct lt_step *how;     /* the step from the parent */
    long *slots;             /* open addressing: state index + 1, 0 when empty */
    long nslots;             /* a power of two, at least twice count */
};

static uint64_t hash_state(const int *key, int width)
{
    uint64_t h = 0x9e3779b97f4a7c15u;
    for (int i = 0; i < width; i++) {
        h ^= (uint32_t)key[i];
        h *= 0xff51afd7ed558ccdu;
        h ^= h >> 29;
    }
    return h;
}

static void *xrealloc(void *p, size_t size)
{
    p = realloc(p, size);
    if (!p)
        abort();
    return p;
}

static void table_init(struct table *tb, int width)
{
    memset(tb, 0, sizeof *tb);
    tb->width = width;
    tb->nslots = 1024;
    tb->slots = calloc((size_t)tb->nslots, sizeof *tb->slots);
    if (!tb->slots)
        abort();
}

static void table_free(struct table *tb)
{
    free(tb->keys);
    free(tb->parent);
    free(tb->how);
    free(tb->slots);
}

static int *key_of(const struct table *tb, long i)
{
    return tb->keys + i * tb->width;
}

static void place(struct table *tb, long index)
{
    long mask = tb->nslots - 1;
    long s = (long)(hash_state(key_of(tb, index), tb->width) & (uint64_t)mask);
    while (tb->slots[s])
        s = (s + 1) & mask;
    tb->slots[s] = index + 1;
}

static void grow(struct table *tb)
{
    if (tb->count == tb->cap) {
        tb->cap = tb->cap ? 2 * tb->cap : 1024;
        tb->keys = xrealloc(tb->keys, sizeof(int) * (size_t)tb->width * (size_t)tb->cap);
        tb->parent = xrealloc(tb->parent, sizeof *tb->parent * (size_t)tb->cap);
        tb->how = xrealloc(tb->how, sizeof *tb->how * (size_t)tb->cap);
    }
    if (2 * (tb->count + 1) > tb->nslots) {
        free(tb->slots);
        tb->nslots *= 2;
        tb->slots = calloc((size_t)tb->nslots, sizeof *tb->slots);
        if (!tb->slots)
            abort();
        for (long i = 0; i < tb->count; i++)
            place(tb, i);
    }
}

/* Add key unless present.  Returns 1 when added, 0 when seen before, -1
 * when it is new but the table already holds budget states. */
static int table_add(struct table *tb, const int *key, long parent, struct lt_step how, long budget)
{
    long mask = tb->nslots - 1;
    size_t size = sizeof(int) * (size_t)tb->width;
    for (long s = (long)(hash_state(key, tb->width) & (uint64_t)mask); tb->slots[s]; s = (s + 1) & mask)
        if (memcmp(key_of(tb, tb->slots[s] - 1), key, size) == 0)
            return 0;
    if (tb->count >= budget)
        return -1;
    grow(tb);
    long i = tb->count++;
    memcpy(key_of(tb, i), key, size);
    tb->parent[i] = parent;
    tb->how[i] = how;
    place(tb, i);
    return 1;
}

/* ---- the search ------------------------------------------------------------------- */

/* The visited states may use at most this much memory, whatever the budget:
 * a test with many threads, registers and stores has wide states. */
#define MAX_TABLE_BYTES (256L << 20)

static long effective_budget(const struct machine *mc, long budget)
{
    long per_state = (long)(sizeof(int) * (size_t)mc->width + sizeof(long) + sizeof(struct lt_step)) +
                     2 * (long)sizeof(long); /* key, parent, step, and its share of the hash slots */
    long cap = MAX_TABLE_BYTES / per_state;
    return budget < cap ? budget : cap;
}

/* Visit every state reachable from the initial one.  Returns 0, or -1 when
 * the budget runs out. */
static int explore(const struct machine *mc, struct table *tb, long budget)
{
    int *next = malloc(sizeof(int) * (size_t)mc->width);
    if (!next)
        abort();
    start(mc, next, NULL);
    int rc = table_add(tb, next, -1, (struct lt_step){-1, false}, budget) < 0 ? -1 : 0;
    for (long i = 0; i < tb->count && rc == 0; i++) {
        /* Drains first: among executions of equal length, the first one
         * found to a state lets stores reach memory early, so --explain's
         * execution reorders no more than it must. */
        for (int pass = 0; pass < 2 && rc == 0; pass++) {
            for (int k = 0; k < mc->t->nthreads && rc == 0; k++) {
                struct lt_step s = {k, pass == 0};
                if (!step_possible(mc, key_of(tb, i), s))
                    continue;
                memcpy(next, key_of(tb, i), sizeof(int) * (size_t)mc->width);
                apply(mc, next, s, NULL);
                if (table_add(tb, next, i, s, budget) < 0)
                    rc = -1;
            }
        }
    }
    free(next);
    return rc;
}

static _Thread_local int sort_width; /* qsort has no context argument */

static int vals_cmp(const void *pa, const void *pb)
{
    const int *a = pa, *b = pb;
    for (int i = 0; i < sort_width; i++)
        if (a[i] != b[i])
            return a[i] < b[i] ? -1 : 1;
    return 0;
}

/* The distinct final states, sorted, into r. */
static void collect_finals(const struct machine *mc, const struct table *tb, struct lt_model_result *r)
{
    int nobs = mc->t->nobs, w = nobs ? nobs : 1;
    long n = 0;
    for (long i = 0; i < tb->count; i++)
        n += is_final(mc, key_of(tb, i));
    int *all = xrealloc(NULL, sizeof(int) * (size_t)w * (size_t)(n + 1));
    n = 0;
    for (long i = 0; i < tb->count; i++)
        if (is_final(mc, key_of(tb, i)))
            project(mc, key_of(tb, i), all + w * n++);
    sort_width = nobs;
    if (n > 1)
        qsort(all, (size_t)n, sizeof(int) * (size_t)w, vals_cmp);
    long out = 0;
    for (long i = 0; i < n; i++)
        if (out == 0 || vals_cmp(all + (out - 1) * w, all + i * w) != 0)
            memmove(all + (out++) * w, all + i * w, sizeof(int) * (size_t)w);
    r->final = all;
    r->nfinal = (int)out;
    for (long i = 0; i < out; i++)
        r->reachable |= lt_prop_eval(mc->t->prop, all + i * w);
}

int lt_model_run(const struct lt_test *t, enum lt_machine m, long budget, struct lt_model_result *r)
{
    memset(r, 0, sizeof *r);
    r->model = m;
    r->nobs = t->nobs;
    uint64_t t0 = now_ns();
    struct machine mc;
    machine_init(&mc, t, m);
    struct table tb;
    table_init(&tb, mc.width);
    int rc = explore(&mc, &tb, effective_budget(&mc, budget));
    r->explored = tb.count;
    r->too_large = rc != 0;
    if (rc == 0)
        collect_finals(&mc, &tb, r);
    table_free(&tb);
    machine_free(&mc);
    r->seconds = (double)(now_ns() - t0) / 1e9;
    return rc;
}

bool lt_model_allows(const struct lt_model_result *r, const int *vals)
{
    if (r->too_large || !r->final)
        return false;
    sort_width = r->nobs;
    int w = r->nobs ? r->nobs : 1;
    return bsearch(vals, r->final, (size_t)r->nfinal, sizeof(int) * (size_t)w, vals_cmp) != NULL;
}

void lt_model_free(struct lt_model_result *r)
{
    free(r->final);
    r->final = NULL;
    r->nfinal = 0;
}

const char *lt_model_name(enum lt_machine m)
{
    return m == LT_MODEL_SC ? "SC" : "x86-TSO";
}

/* ---- one execution ----------------------------------------------------------------- */

/* The first final state (in breadth-first order: a shortest execution)
 * satisfying the proposition, or -1. */
static long first_witness(const struct machine *mc, const struct table *tb, int *vals)
{
    for (long i = 0; i < tb->count; i++) {
        if (!is_final(mc, key_of(tb, i)))
            continue;
        project(mc, key_of(tb, i), vals);
        if (lt_prop_eval(mc->t->prop, vals))
            return i;
    }
    return -1;
}

static int path_to(const struct table *tb, long i, struct lt_step **steps)
{
    int n = 0;
    for (long j = i; tb->parent[j] >= 0; j = tb->parent[j])
        n++;
    *steps = calloc((size_t)n + 1, sizeof **steps);
    if (!*steps)
        abort();
    int at = n;
    for (long j = i; tb->parent[j] >= 0; j = tb->parent[j])
        (*steps)[--at] = tb->how[j];
    return n;
}

int lt_model_witness(const struct lt_test *t, enum lt_machine m, long budget, struct lt_step **steps, int *nsteps,
                     int *final_vals, long *explored)
{
    struct machine mc;
    machine_init(&mc, t, m);
    struct table tb;
    table_init(&tb, mc.width);
    int rc = explore(&mc, &tb, effective_budget(&mc, budget)) != 0 ? -1 : 0;
    *explored = tb.count;
    *steps = NULL;
    *nsteps = 0;
    if (rc == 0) {
        long i = first_witness(&mc, &tb, final_vals);
        if (i >= 0) {
            *nsteps = path_to(&tb, i, steps);
            rc = 1;
        }
    }
    table_free(&tb);
    machine_free(&mc);
    return rc;
}

int lt_model_replay(const struct lt_test *t, enum lt_machine m, const struct lt_step *steps, int n, lt_event_fn *fn,
                    void *ctx)
{
    struct machine mc;
    machine_init(&mc, t, m);
    int *st = malloc(sizeof(int) * (size_t)mc.width);
    if (!st)
        abort();
    struct narrator nr = {fn, ctx};
    start(&mc, st, &nr);
    int rc = 0;
    for (int i = 0; i < n && rc == 0; i++) {
        bool ok = steps[i].thread >= 0 && steps[i].thread < t->nthreads && step_possible(&mc, st, steps[i]);
        if (ok)
            apply(&mc, st, steps[i], &nr);
        else
            rc = -1;
    }
    free(st);
    machine_free(&mc);
    return rc;
}
