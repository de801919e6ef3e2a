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

#include "litmus/mapping.h"
#include "locks/sys.h"

/* ---- lowering: statement tree -> instruction list ------------------------------ */

enum op {
    OP_LOAD, OP_STORE, OP_RMW,   /* memory operations: one step each */
    OP_LOCK,                     /* spin_lock: waits for 0, then writes 1 (a locked RMW) */
    OP_UNLOCK,                   /* spin_unlock: a store of 0 (a plain MOV on x86: buffered) */
    OP_TRYLOCK,                  /* spin_trylock: a locked RMW that may not write */
    OP_ISLOCKED,                 /* spin_is_locked: a load */
    OP_RCU_LOCK, OP_RCU_UNLOCK,  /* enter / leave a read-side critical section */
    OP_SYNC,                     /* synchronize_rcu starts: snapshot the readers inside */
    OP_SYNC_WAIT,                /* ... and ends once each of them has left */
    OP_MFENCE,                   /* TSO: may pass only with an empty buffer */
    OP_NO_FENCE,                 /* a fence with no x86 instruction: nothing to do */
    OP_ASSIGN,
    OP_BRANCH,                   /* if the statement's value is 0, go to target */
    OP_JUMP                      /* go to target (the end of an if's then-block) */
};

/* Read-side lock statements per thread with a section bit of their own
 * (do_rcu); later ones share the last bit. */
#define MAX_SECTIONS 31

struct instr {
    enum op op;
    const struct lt_stmt *s;
    int target;
    int slot;                    /* OP_RCU_LOCK: its section's bit in the thread (see do_rcu);
                                    OP_RCU_UNLOCK: the bit of the srcu_read_lock whose index it is
                                    given, or -1 (it ends the innermost section) */
};

struct code {
    struct instr *ins;
    int n;
    int nstores;                 /* instructions that enter the store buffer */
    uint64_t *rem_read;          /* [pc]: variables the code from pc on may read (bit v) */
    uint64_t *rem_write;         /* [pc]: ... and may write */
    bool *rem_sync;              /* [pc]: whether it may still wait for a grace period */
};

/* smp_mb() and atomic_thread_fence(seq_cst) are MFENCE; every other fence
 * (rmb, wmb, barrier, acquire/release/acq_rel) is no instruction on x86
 * (the operation table, mapping.c, says which). */
static bool is_mfence(const struct lt_stmt *s)
{
    return lt_is_x86_full_fence(s);
}

/* An upper bound on the instructions a block lowers to. */
static int count_instrs(const struct lt_block *b)
{
    int n = 0;
    for (int i = 0; i < b->n; i++) {
        const struct lt_stmt *s = &b->stmts[i];
        n += 2; /* a seq_cst store, a sync, an if's branch and jump are two */
        if (s->kind == LT_S_IF)
            n += count_instrs(&s->then) + count_instrs(&s->els);
    }
    return n;
}

static int emit(struct code *c, enum op op, const struct lt_stmt *s)
{
    c->ins[c->n] = (struct instr){op, s, -1, -1};
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
        if (s->mo == LT_SEQ_CST && !s->plain)
            emit(c, OP_MFENCE, s);
        break;
    case LT_S_RMW:
        emit(c, OP_RMW, s);
        break;
    case LT_S_LOCK:
        emit(c, OP_LOCK, s);
        break;
    case LT_S_UNLOCK:
        emit(c, OP_UNLOCK, s);
        c->nstores++;
        break;
    case LT_S_TRYLOCK:
        emit(c, OP_TRYLOCK, s);
        break;
    case LT_S_ISLOCKED:
        emit(c, OP_ISLOCKED, s);
        break;
    case LT_S_RCU_LOCK: {
        int locks = 0;
        for (int i = 0; i < c->n; i++)
            locks += c->ins[i].op == OP_RCU_LOCK;
        c->ins[emit(c, OP_RCU_LOCK, s)].slot = locks < MAX_SECTIONS ? locks : MAX_SECTIONS - 1;
        break;
    }
    case LT_S_RCU_UNLOCK: {
        /* srcu_read_unlock(s, r): the last srcu_read_lock before it that set r */
        int slot = -1;
        for (int i = c->n - 1; i >= 0 && slot < 0 && s->value && s->value->kind == LT_E_REG; i--)
            if (c->ins[i].op == OP_RCU_LOCK && c->ins[i].s->domain >= 0 && c->ins[i].s->reg == s->value->reg)
                slot = c->ins[i].slot;
        c->ins[emit(c, OP_RCU_UNLOCK, s)].slot = slot;
        break;
    }
    case LT_S_SYNC_RCU:
        emit(c, OP_SYNC, s);
        emit(c, OP_SYNC_WAIT, s);
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
    }
}

static void lower_block(struct code *c, const struct lt_block *b)
{
    for (int i = 0; i < b->n; i++)
        lower_stmt(c, &b->stmts[i]);
}

/* What the code from each pc on may read and write (bit v for variable v;
 * every bit for an access through a pointer).  Code only jumps forward, so
 * one backward pass computes it. */
static void remaining_accesses(struct code *c)
{
    c->rem_read = calloc((size_t)c->n + 1, sizeof *c->rem_read);
    c->rem_write = calloc((size_t)c->n + 1, sizeof *c->rem_write);
    c->rem_sync = calloc((size_t)c->n + 1, sizeof *c->rem_sync);
    if (!c->rem_read || !c->rem_write || !c->rem_sync)
        abort();
    for (int i = c->n - 1; i >= 0; i--) {
        const struct instr *in = &c->ins[i];
        uint64_t r = c->rem_read[i + 1], w = c->rem_write[i + 1];
        bool sync = c->rem_sync[i + 1] || in->op == OP_SYNC || in->op == OP_SYNC_WAIT;
        if (in->op == OP_JUMP) {
            r = c->rem_read[in->target];
            w = c->rem_write[in->target];
            sync = c->rem_sync[in->target];
        } else if (in->op == OP_BRANCH) {
            r |= c->rem_read[in->target];
            w |= c->rem_write[in->target];
            sync |= c->rem_sync[in->target];
        }
        c->rem_sync[i] = sync;
        const struct lt_stmt *s = in->s;
        bool mem = in->op == OP_LOAD || in->op == OP_STORE || in->op == OP_RMW || in->op == OP_LOCK ||
                   in->op == OP_UNLOCK || in->op == OP_TRYLOCK || in->op == OP_ISLOCKED;
        if (mem) {
            uint64_t bits = s->var >= 0 ? (uint64_t)1 << s->var : ~(uint64_t)0;
            if (lt_stmt_reads(s))
                r |= bits;
            if (lt_stmt_writes(s))
                w |= bits;
        }
        c->rem_read[i] = r;
        c->rem_write[i] = w;
    }
}

/* ---- the machine: a test's code and the layout of its states ------------------- */

/* RCU domains: 0 is RCU, 1.. the srcu_structs the test names. */
#define MAX_DOMAINS 8

struct machine {
    const struct lt_test *t;
    enum lt_machine m;
    struct code code[LT_MAX_THREADS];
    int base[LT_MAX_THREADS];   /* index of thread k's pc in a state */
    int cap[LT_MAX_THREADS];    /* buffer capacity (0 under SC) */
    int ndomains;               /* RCU domains with a slot per thread (0 when the test has no RCU) */
    int domain_var[MAX_DOMAINS];/* the srcu_struct of domain d (d >= 1) */
    int nsnap;                  /* per thread: a sync's snapshot of the others (nthreads or 0) */
    int dead;                   /* index of the "bad dereference" flag */
    int width;                  /* ints per state */
};

/* Pointers into one thread's part of a state:
 *   pc | regs[nregs] | rcu[2 * ndomains]: (depth, epoch) | snap[nsnap] | buffered | buffer[2 * cap] */
struct tstate {
    int *pc, *regs, *rcu, *snap, *buffered, *buffer;
};

static int domain_of(const struct machine *mc, const struct lt_stmt *s)
{
    for (int d = 1; d < mc->ndomains; d++)
        if (mc->domain_var[d] == s->domain)
            return d;
    return 0;
}

static void find_domains(struct machine *mc, const struct lt_block *b, bool *sync)
{
    for (int i = 0; i < b->n; i++) {
        const struct lt_stmt *s = &b->stmts[i];
        if (s->kind == LT_S_IF) {
            find_domains(mc, &s->then, sync);
            find_domains(mc, &s->els, sync);
            continue;
        }
        if (s->kind != LT_S_RCU_LOCK && s->kind != LT_S_RCU_UNLOCK && s->kind != LT_S_SYNC_RCU)
            continue;
        if (s->kind == LT_S_SYNC_RCU)
            *sync = true;
        if (mc->ndomains == 0)
            mc->ndomains = 1;
        if (s->domain >= 0 && domain_of(mc, s) == 0 && mc->ndomains < MAX_DOMAINS)
            mc->domain_var[mc->ndomains++] = s->domain;
    }
}

static void machine_init(struct machine *mc, const struct lt_test *t, enum lt_machine m)
{
    memset(mc, 0, sizeof *mc);
    mc->t = t;
    mc->m = m;
    bool sync = false;
    for (int k = 0; k < t->nthreads; k++)
        find_domains(mc, &t->threads[k].body, &sync);
    mc->nsnap = sync ? t->nthreads : 0;
    int at = t->nvars;
    for (int k = 0; k < t->nthreads; k++) {
        struct code *c = &mc->code[k];
        c->ins = calloc((size_t)count_instrs(&t->threads[k].body) + 1, sizeof *c->ins);
        if (!c->ins)
            abort();
        lower_block(c, &t->threads[k].body);
        remaining_accesses(c);
        mc->cap[k] = m == LT_MODEL_TSO ? c->nstores : 0;
        mc->base[k] = at;
        at += 2 + t->threads[k].nregs + 2 * mc->ndomains + mc->nsnap + 2 * mc->cap[k];
    }
    mc->dead = at++;
    mc->width = at;
}

static void machine_free(struct machine *mc)
{
    for (int k = 0; k < mc->t->nthreads; k++) {
        free(mc->code[k].ins);
        free(mc->code[k].rem_read);
        free(mc->code[k].rem_write);
        free(mc->code[k].rem_sync);
    }
}

static struct tstate thread_of(const struct machine *mc, int *st, int k)
{
    int *p = st + mc->base[k];
    int nregs = mc->t->threads[k].nregs;
    struct tstate ts;
    ts.pc = p;
    ts.regs = p + 1;
    ts.rcu = ts.regs + nregs;
    ts.snap = ts.rcu + 2 * mc->ndomains;
    ts.buffered = ts.snap + mc->nsnap;
    ts.buffer = ts.buffered + 1;
    return ts;
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

/* ---- registers: expressions wrap like the generated code's (ast.c, lt_eval) ---- */

/* The variable an access touches: its own, or the one its address (a
 * pointer value) names; -1 for a bad dereference. */
static int target_var(const struct machine *mc, const struct lt_stmt *s, const int *regs)
{
    if (s->var >= 0)
        return s->var;
    return lt_ptr_var(mc->t, lt_eval(s->addr, regs));
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

static void do_load(const struct machine *mc, int *st, int k, const struct lt_stmt *s, const struct narrator *nr);
static void do_store(const struct machine *mc, int *st, int k, const struct lt_stmt *s, const struct narrator *nr);
static void do_rcu(const struct machine *mc, int *st, int k, const struct instr *in, const struct narrator *nr);

/* Whether thread k's next load or store can run at once, inside the step
 * before it: a step no other thread can see or affect now or later
 * commutes with every other step, so running it eagerly loses no final
 * state (a persistent set of one step, as partial-order reduction says) and
 * saves the interleavings.  Under TSO a store only enters the thread's own
 * buffer: invisible (its drain is the visible step) unless another thread
 * may still start or end a grace period, which waits for every buffer.  A load of v is
 * invisible when no other thread may still write v (in its code from its pc
 * on, or in its store buffer); a SC store to v when no other thread may
 * still read or write v. */
static bool invisible(const struct machine *mc, int *st, int k, const struct instr *in)
{
    const struct lt_stmt *s = in->s;
    if ((in->op == OP_STORE && mc->m == LT_MODEL_TSO) || in->op == OP_RCU_LOCK || in->op == OP_RCU_UNLOCK) {
        /* only a grace period looks at other threads' buffers and read-side
         * sections (it waits until every buffer is empty) */
        for (int j = 0; j < mc->t->nthreads; j++) {
            const struct code *c = &mc->code[j];
            int pc = *thread_of(mc, st, j).pc;
            if (j != k && c->rem_sync[pc < c->n ? pc : c->n])
                return false;
        }
        return true;
    }
    if (s->var < 0 || (in->op != OP_LOAD && in->op != OP_STORE))
        return false;
    uint64_t bit = (uint64_t)1 << s->var;
    for (int j = 0; j < mc->t->nthreads; j++) {
        if (j == k)
            continue;
        const struct code *c = &mc->code[j];
        int pc = *thread_of(mc, st, j).pc;
        if (pc > c->n)
            pc = c->n;
        uint64_t touch = c->rem_write[pc] | (in->op == OP_STORE ? c->rem_read[pc] : 0);
        if (touch & bit)
            return false;
        if (mc->m == LT_MODEL_TSO) {
            struct tstate o = thread_of(mc, st, j);
            for (int i = 0; i < *o.buffered; i++)
                if (o.buffer[2 * i] == s->var)
                    return false;
        }
    }
    return true;
}

/* Run thread k's register-only instructions, and loads and stores no
 * other thread can see (invisible), until the next visible memory step (or
 * an MFENCE that must wait for its buffer), or the end. */
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
                ts.regs[s->reg] = lt_eval(s->value, ts.regs);
            report(mc, st, nr, event(LT_EV_ASSIGN, k, s, -1, s->reg >= 0 ? ts.regs[s->reg] : 0));
            *ts.pc += 1;
            break;
        case OP_BRANCH: {
            bool taken = lt_eval(s->value, ts.regs) != 0;
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
        case OP_LOAD:
        case OP_STORE:
        case OP_RCU_LOCK:
        case OP_RCU_UNLOCK:
            if (!invisible(mc, st, k, in))
                return;
            *ts.pc += 1;
            if (in->op == OP_LOAD)
                do_load(mc, st, k, s, nr);
            else if (in->op == OP_STORE)
                do_store(mc, st, k, s, nr);
            else
                do_rcu(mc, st, k, in, nr);
            break;
        default:
            return;
        }
    }
}

/* After any step, every thread's invisible work (another thread's step may
 * have made a pending load invisible: nobody writes its variable any more). */
static void run_all_local(const struct machine *mc, int *st, const struct narrator *nr)
{
    for (int k = 0; k < mc->t->nthreads && !st[mc->dead]; k++)
        run_local(mc, st, k, nr);
}

static bool thread_done(const struct machine *mc, int *st, int k)
{
    return *thread_of(mc, st, k).pc >= mc->code[k].n;
}

static bool all_buffers_empty(const struct machine *mc, int *st)
{
    for (int j = 0; j < mc->t->nthreads; j++)
        if (*thread_of(mc, st, j).buffered > 0)
            return false;
    return true;
}

/* A sync's wait is over when every section it saw open has ended (the
 * sections begun since do not count). */
static bool readers_gone(const struct machine *mc, int *st, int k, const struct lt_stmt *s)
{
    struct tstate me = thread_of(mc, st, k);
    int d = domain_of(mc, s);
    for (int j = 0; j < mc->t->nthreads; j++) {
        if (me.snap[j] == 0)
            continue;
        struct tstate o = thread_of(mc, st, j);
        if (o.rcu[2 * d] & me.snap[j])
            return false;
    }
    return true;
}

/* Whether thread k can take its next step: locked instructions and MFENCE
 * wait for an empty store buffer, spin_lock for a free lock, a grace period
 * for the readers it waits for.  synchronize_rcu is a full barrier on every
 * CPU (liburcu's membarrier, the kernel's IPIs and quiescent states): it
 * starts and ends only when every store buffer is empty. */
static bool can_run(const struct machine *mc, int *st, int k)
{
    struct tstate ts = thread_of(mc, st, k);
    if (*ts.pc >= mc->code[k].n || st[mc->dead])
        return false;
    const struct instr *in = &mc->code[k].ins[*ts.pc];
    switch (in->op) {
    case OP_RMW:
    case OP_TRYLOCK:
    case OP_MFENCE:
        return *ts.buffered == 0;
    case OP_LOCK: {
        if (*ts.buffered > 0)
            return false;
        int v = target_var(mc, in->s, ts.regs);
        return v < 0 || st[v] == 0;
    }
    case OP_SYNC:
        return all_buffers_empty(mc, st);
    case OP_SYNC_WAIT:
        return all_buffers_empty(mc, st) && readers_gone(mc, st, k, in->s);
    default:
        return true;
    }
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

/* A bad dereference: this execution is not one (herd7 drops it too). */
static void kill(const struct machine *mc, int *st)
{
    st[mc->dead] = 1;
}

static void do_load(const struct machine *mc, int *st, int k, const struct lt_stmt *s, const struct narrator *nr)
{
    struct tstate ts = thread_of(mc, st, k);
    int var = target_var(mc, s, ts.regs);
    if (var < 0) {
        kill(mc, st);
        return;
    }
    int i = forwarded(&ts, var);
    int value = i >= 0 ? ts.buffer[2 * i + 1] : st[var];
    if (s->kind == LT_S_ISLOCKED)
        value = value != 0;
    if (s->reg >= 0)
        ts.regs[s->reg] = value;
    report(mc, st, nr, event(i >= 0 ? LT_EV_LOAD_BUF : LT_EV_LOAD_MEM, k, s, var, value));
}

static void do_store(const struct machine *mc, int *st, int k, const struct lt_stmt *s, const struct narrator *nr)
{
    struct tstate ts = thread_of(mc, st, k);
    int var = target_var(mc, s, ts.regs);
    if (var < 0) {
        kill(mc, st);
        return;
    }
    int value = s->kind == LT_S_UNLOCK ? 0 : lt_eval(s->value, ts.regs);
    if (mc->m == LT_MODEL_SC) {
        st[var] = value;
        report(mc, st, nr, event(LT_EV_STORE_MEM, k, s, var, value));
        return;
    }
    int n = (*ts.buffered)++;
    ts.buffer[2 * n] = var;
    ts.buffer[2 * n + 1] = value;
    report(mc, st, nr, event(LT_EV_STORE_BUF, k, s, var, value));
}

/* RMWs, spin_lock, spin_trylock: under TSO the buffer is empty here
 * (can_run), and the read and the write are one step on memory: nothing
 * comes between them. */
static void do_rmw(const struct machine *mc, int *st, int k, const struct lt_stmt *s, const struct narrator *nr)
{
    struct tstate ts = thread_of(mc, st, k);
    int var = target_var(mc, s, ts.regs);
    if (var < 0) {
        kill(mc, st);
        return;
    }
    int old = st[var], value, result;
    bool wrote;
    if (s->kind == LT_S_LOCK || s->kind == LT_S_TRYLOCK) {
        wrote = old == 0; /* spin_lock only runs when the lock is free (can_run) */
        value = 1;
        result = wrote;
    } else {
        int operand = s->value ? lt_eval(s->value, ts.regs) : 0;
        wrote = lt_rmw_writes(s, old, s->expected ? lt_eval(s->expected, ts.regs) : 0);
        value = lt_rmw_new(s, old, operand);
        result = lt_rmw_result(s, old, wrote ? value : old, wrote);
    }
    if (wrote)
        st[var] = value;
    if (s->reg >= 0)
        ts.regs[s->reg] = result;
    if (s->reg_expected >= 0 && !wrote)
        ts.regs[s->reg_expected] = old; /* compare_exchange: "expected" learns the value it found */
    struct lt_event ev = event(LT_EV_RMW, k, s, var, value);
    ev.old = old;
    ev.wrote = wrote;
    report(mc, st, nr, ev);
}

/* Read-side sections, per thread and domain: rcu[2 * d] has one bit per
 * section open now (the bit of the lock statement that began it: with no
 * loops, a statement runs at most once, so a bit once cleared stays clear).
 * An unlock ends the section its index came from (srcu: sections may
 * overlap, lock a, lock b, unlock a, unlock b), else the innermost one.  A
 * grace period remembers the bits open when it starts and waits for them
 * only.  rcu[2 * d + 1] is unused. */
static void do_rcu(const struct machine *mc, int *st, int k, const struct instr *in, const struct narrator *nr)
{
    struct tstate ts = thread_of(mc, st, k);
    const struct lt_stmt *s = in->s;
    int d = domain_of(mc, s);
    switch (in->op) {
    case OP_RCU_LOCK:
        ts.rcu[2 * d] |= 1 << in->slot;
        if (s->reg >= 0)
            ts.regs[s->reg] = 0; /* srcu_read_lock's index */
        break;
    case OP_RCU_UNLOCK:
        if (in->slot >= 0 && (ts.rcu[2 * d] & (1 << in->slot)))
            ts.rcu[2 * d] &= ~(1 << in->slot);
        else if (ts.rcu[2 * d] != 0) /* the innermost: the latest begun */
            ts.rcu[2 * d] &= ~(1 << (31 - __builtin_clz((unsigned)ts.rcu[2 * d])));
        break;
    case OP_SYNC:
        /* remember every other thread now inside a section of this domain */
        for (int j = 0; j < mc->t->nthreads; j++) {
            struct tstate o = thread_of(mc, st, j);
            ts.snap[j] = j != k ? o.rcu[2 * d] : 0;
        }
        break;
    case OP_SYNC_WAIT:
        for (int j = 0; j < mc->nsnap; j++)
            ts.snap[j] = 0;
        break;
    default:
        break;
    }
    report(mc, st, nr, event(in->op == OP_SYNC_WAIT ? LT_EV_MFENCE : LT_EV_NO_FENCE, k, s, -1, 0));
}

static void run_step(const struct machine *mc, int *st, int k, const struct narrator *nr)
{
    struct tstate ts = thread_of(mc, st, k);
    const struct instr *in = &mc->code[k].ins[*ts.pc];
    *ts.pc += 1;
    switch (in->op) {
    case OP_LOAD: case OP_ISLOCKED: do_load(mc, st, k, in->s, nr); break;
    case OP_STORE: case OP_UNLOCK: do_store(mc, st, k, in->s, nr); break;
    case OP_RMW: case OP_LOCK: case OP_TRYLOCK: do_rmw(mc, st, k, in->s, nr); break;
    case OP_RCU_LOCK: case OP_RCU_UNLOCK: case OP_SYNC: case OP_SYNC_WAIT: do_rcu(mc, st, k, in, nr); break;
    case OP_MFENCE: report(mc, st, nr, event(LT_EV_MFENCE, k, in->s, -1, 0)); break;
    default: break; /* run_local consumed every other instruction */
    }
    if (!st[mc->dead])
        run_all_local(mc, st, nr);
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
    run_all_local(mc, st, nr);
}

static bool step_possible(const struct machine *mc, int *st, struct lt_step s)
{
    if (st[mc->dead])
        return false;
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
    if (st[mc->dead])
        return false;
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
    for (long i = 0; i < tb->count; i++) {
        if (!is_final(mc, key_of(tb, i)))
            continue;
        project(mc, key_of(tb, i), all + w * n);
        if (lt_filter_pass(mc->t, all + w * n)) /* herd7's filter: other final states do not count */
            n++;
    }
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
        if (lt_filter_pass(mc->t, vals) && lt_prop_eval(mc->t->prop, vals))
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
