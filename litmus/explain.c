/* explain.c: litmus --explain: one x86-TSO execution reaching the condition, as a table.
 *
 * The search (model.c) finds a shortest execution as a list of steps; this
 * file replays it and turns every event into a row: which statement ran,
 * what it did (a store entering the buffer, a load reading memory or its own
 * buffer, a drain), and memory and every store buffer after it.  Alongside,
 * it keeps a shadow of each buffer holding the statements that filled it, so
 * that a load reading memory while an older store to another variable still
 * waits can be named: that store->load pair is the program-order edge TSO
 * relaxed, the only reordering TSO has and the reason SC forbids the state.
 */
#include "litmus/explain.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "litmus/mapping.h"
#include "litmus/model.h"

/* ---- statements as text ------------------------------------------------------- */

struct sbuf {
    char *p;
    size_t size, len;
};

static void put(struct sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void put(struct sbuf *b, const char *fmt, ...)
{
    if (b->len + 1 >= b->size)
        return;
    va_list ap;
    va_start(ap, fmt);
    int w = vsnprintf(b->p + b->len, b->size - b->len, fmt, ap);
    va_end(ap);
    if (w > 0)
        b->len = b->len + (size_t)w < b->size ? b->len + (size_t)w : b->size - 1;
}

static void put_expr(struct sbuf *b, const struct lt_thread *th, const struct lt_expr *e, bool outer)
{
    switch (e->kind) {
    case LT_E_CONST:
        put(b, "%d", e->value);
        return;
    case LT_E_REG:
        put(b, "%s", th->regs[e->reg].name);
        return;
    case LT_E_ADDR:
    case LT_E_COND:
        put(b, "?");
        return;
    case LT_E_UNARY:
        put(b, "%c", (char)e->op);
        put_expr(b, th, e->a, false);
        return;
    case LT_E_BINARY: {
        char op[3] = {(char)(e->op & 0xff), (char)(e->op >> 8), 0};
        put(b, "%s", outer ? "" : "(");
        put_expr(b, th, e->a, false);
        put(b, " %s ", op);
        put_expr(b, th, e->b, false);
        put(b, "%s", outer ? "" : ")");
        return;
    }
    }
}

/* "xchg_relaxed", "cmpxchg", ...: the kernel primitives carry their order in the name. */
static void put_rmw_name(struct sbuf *b, const struct lt_stmt *s)
{
    put(b, "%s", lt_prim_name(s->prim));
    if (s->prim != LT_P_ATOMIC_EXCHANGE && s->mo != LT_SEQ_CST)
        put(b, "_%s", lt_mo_name(s->mo));
}

static void put_access(struct sbuf *b, const struct lt_test *t, const struct lt_thread *th, const struct lt_stmt *s)
{
    bool once = s->prim == LT_P_READ_ONCE || s->prim == LT_P_WRITE_ONCE;
    bool explicit_mo = s->prim == LT_P_ATOMIC_LOAD || s->prim == LT_P_ATOMIC_STORE ||
                       s->prim == LT_P_ATOMIC_EXCHANGE;
    if (s->kind == LT_S_RMW)
        put_rmw_name(b, s);
    else
        put(b, "%s", lt_prim_name(s->prim));
    put(b, "(%s%s", once ? "*" : "", t->vars[s->var].name);
    if (s->is_cmpxchg) {
        put(b, ", ");
        put_expr(b, th, s->expected, true);
    }
    if (s->kind != LT_S_LOAD) {
        put(b, ", ");
        put_expr(b, th, s->value, true);
    }
    if (explicit_mo)
        put(b, ", memory_order_%s", lt_mo_name(s->mo));
    put(b, ")");
}

void lt_stmt_text(const struct lt_test *t, int thread, const struct lt_stmt *s, char *buf, size_t size)
{
    const struct lt_thread *th = &t->threads[thread];
    struct sbuf b = {buf, size, 0};
    buf[0] = '\0';
    if (s->reg >= 0 && s->kind != LT_S_IF)
        put(&b, "%s = ", th->regs[s->reg].name);
    switch (s->kind) {
    case LT_S_LOAD:
    case LT_S_STORE:
    case LT_S_RMW:
        put_access(&b, t, th, s);
        break;
    case LT_S_FENCE:
        if (s->prim == LT_P_THREAD_FENCE)
            put(&b, "atomic_thread_fence(memory_order_%s)", lt_mo_name(s->mo));
        else
            put(&b, "%s()", lt_prim_name(s->prim));
        break;
    case LT_S_ASSIGN:
        put_expr(&b, th, s->value, true);
        break;
    case LT_S_IF:
        put(&b, "if (");
        put_expr(&b, th, s->value, true);
        put(&b, ")");
        break;
    default:
        put(&b, "%s", s->op ? s->op->name : "?");
        break;
    }
}

/* ---- the table of events ---------------------------------------------------------- */

enum { COL_STEP, COL_THREAD, COL_LINE, COL_STMT, COL_EFFECT, COL_MEM, COL_BUF0, MAX_COLS = COL_BUF0 + LT_MAX_THREADS };
enum { CELL = 160, MAX_EDGES = 64, MAX_PENDING = 256 };

struct row {
    char cell[MAX_COLS][CELL];
};

/* A store and a later load of another variable that ran while the store waited. */
struct edge {
    int thread;
    const struct lt_stmt *store, *load;
    int var, value;
};

struct story {
    const struct lt_test *t;
    bool tso;
    struct row *rows;
    int nrows, cap;
    /* shadow of each store buffer: the statements whose stores wait there;
     * a thread with more buffered stores than fit is no longer tracked */
    const struct lt_stmt *pending[LT_MAX_THREADS][MAX_PENDING];
    int npending[LT_MAX_THREADS];
    bool untracked[LT_MAX_THREADS];
    struct edge edges[MAX_EDGES];
    int nedges;
};

static struct row *new_row(struct story *st)
{
    if (st->nrows == st->cap) {
        st->cap = st->cap ? 2 * st->cap : 32;
        st->rows = realloc(st->rows, sizeof *st->rows * (size_t)st->cap);
        if (!st->rows)
            abort();
    }
    struct row *r = &st->rows[st->nrows++];
    memset(r, 0, sizeof *r);
    return r;
}

static void cell(struct row *r, int col, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void cell(struct row *r, int col, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->cell[col], CELL, fmt, ap);
    va_end(ap);
}

static void fill_machine(const struct story *st, struct row *r, const struct lt_view *v)
{
    struct sbuf b = {r->cell[COL_MEM], CELL, 0};
    for (int i = 0; i < v->nvars; i++)
        put(&b, "%s%s=%d", i ? " " : "", st->t->vars[i].name, v->mem[i]);
    for (int k = 0; st->tso && k < v->nthreads; k++) {
        struct sbuf bb = {r->cell[COL_BUF0 + k], CELL, 0};
        put(&bb, "[");
        for (int i = 0; i < v->buffered[k]; i++)
            put(&bb, "%s%s=%d", i ? " " : "", st->t->vars[v->buffer[k][2 * i]].name, v->buffer[k][2 * i + 1]);
        put(&bb, "]");
    }
}

static void note_edges(struct story *st, const struct lt_event *ev, const struct lt_view *v)
{
    int k = ev->thread;
    if (st->untracked[k])
        return;
    for (int i = 0; i < v->buffered[k] && i < st->npending[k]; i++) {
        int var = v->buffer[k][2 * i];
        if (var == ev->var || st->nedges == MAX_EDGES)
            continue;
        const struct lt_stmt *store = st->pending[k][i];
        bool known = false;
        for (int e = 0; e < st->nedges; e++)
            known |= st->edges[e].store == store && st->edges[e].load == ev->stmt;
        if (!known)
            st->edges[st->nedges++] = (struct edge){k, store, ev->stmt, var, v->buffer[k][2 * i + 1]};
    }
}

static void track_buffer(struct story *st, const struct lt_event *ev)
{
    int k = ev->thread;
    if (ev->kind == LT_EV_STORE_BUF) {
        if (st->npending[k] == MAX_PENDING)
            st->untracked[k] = true;
        else
            st->pending[k][st->npending[k]++] = ev->stmt;
    } else if (ev->kind == LT_EV_DRAIN && st->npending[k] > 0) {
        st->npending[k]--;
        memmove(&st->pending[k][0], &st->pending[k][1], sizeof st->pending[k][0] * (size_t)st->npending[k]);
    }
}

static void effect(const struct story *st, struct row *r, const struct lt_event *ev, const struct lt_view *v)
{
    const char *var = ev->var >= 0 ? st->t->vars[ev->var].name : "";
    int k = ev->thread;
    switch (ev->kind) {
    case LT_EV_STORE_MEM:
        cell(r, COL_EFFECT, "writes %s=%d to memory", var, ev->value);
        break;
    case LT_EV_STORE_BUF:
        cell(r, COL_EFFECT, "%s=%d enters P%d's store buffer", var, ev->value, k);
        break;
    case LT_EV_LOAD_MEM:
        cell(r, COL_EFFECT, "reads %s=%d from memory%s", var, ev->value,
             v->buffered[k] ? " (its own stores still wait)" : "");
        break;
    case LT_EV_LOAD_BUF:
        cell(r, COL_EFFECT, "reads %s=%d from its own store buffer (forwarding)", var, ev->value);
        break;
    case LT_EV_RMW:
        if (ev->wrote)
            cell(r, COL_EFFECT, "locked: buffer empty; reads %s=%d, writes %s=%d to memory", var, ev->old, var,
                 ev->value);
        else
            cell(r, COL_EFFECT, "locked: buffer empty; reads %s=%d, not the expected value: no write", var,
                 ev->old);
        break;
    case LT_EV_MFENCE:
        cell(r, COL_EFFECT, "%s: P%d's buffer is empty, go on",
             ev->stmt->kind == LT_S_STORE ? "the seq_cst store's MFENCE" : "MFENCE", k);
        break;
    case LT_EV_NO_FENCE:
        cell(r, COL_EFFECT, "no instruction on x86: nothing to wait for");
        break;
    case LT_EV_ASSIGN:
        cell(r, COL_EFFECT, "%s=%d", ev->stmt->reg >= 0 ? st->t->threads[k].regs[ev->stmt->reg].name : "value",
             ev->value);
        break;
    case LT_EV_BRANCH:
        cell(r, COL_EFFECT, ev->value ? "true: runs the then-branch" : "false: skips the then-branch");
        break;
    case LT_EV_DRAIN:
        cell(r, COL_EFFECT, "%s=%d leaves P%d's buffer, reaches memory", var, ev->value, k);
        break;
    }
}

static void on_event(void *ctx, const struct lt_event *ev, const struct lt_view *v)
{
    struct story *st = ctx;
    struct row *r = new_row(st);
    cell(r, COL_STEP, "%d", st->nrows - 1);
    cell(r, COL_THREAD, "P%d", ev->thread);
    if (ev->kind == LT_EV_DRAIN) {
        int k = ev->thread;
        const struct lt_stmt *s = st->npending[k] && !st->untracked[k] ? st->pending[k][0] : NULL;
        if (s)
            cell(r, COL_LINE, "%d", s->line);
        cell(r, COL_STMT, "(store buffer drains)");
    } else {
        cell(r, COL_LINE, "%d", ev->stmt->line);
        lt_stmt_text(st->t, ev->thread, ev->stmt, r->cell[COL_STMT], CELL);
    }
    effect(st, r, ev, v);
    fill_machine(st, r, v);
    if (ev->kind == LT_EV_LOAD_MEM)
        note_edges(st, ev, v);
    track_buffer(st, ev);
}

static void initial_row(struct story *st)
{
    struct row *r = new_row(st);
    cell(r, COL_STEP, "0");
    cell(r, COL_STMT, "(initial state)");
    int zero[LT_MAX_THREADS] = {0}, mem[LT_MAX_VARS];
    struct lt_view v = {.nthreads = st->t->nthreads, .nvars = st->t->nvars, .mem = mem};
    for (int i = 0; i < st->t->nvars; i++)
        mem[i] = st->t->vars[i].init;
    for (int k = 0; k < st->t->nthreads; k++)
        v.buffer[k] = zero;
    fill_machine(st, r, &v);
}

static void print_rows(FILE *out, const struct story *st)
{
    int ncols = COL_BUF0 + (st->tso ? st->t->nthreads : 0);
    int width[MAX_COLS] = {0};
    struct row head;
    memset(&head, 0, sizeof head);
    const char *titles[] = {"#", "thread", "line", "statement", "what happens", "memory after"};
    for (int c = 0; c < COL_BUF0; c++)
        cell(&head, c, "%s", titles[c]);
    for (int k = 0; k < st->t->nthreads; k++)
        cell(&head, COL_BUF0 + k, "P%d buffer", k);
    for (int c = 0; c < ncols; c++) {
        width[c] = (int)strlen(head.cell[c]);
        for (int i = 0; i < st->nrows; i++)
            width[c] = (int)strlen(st->rows[i].cell[c]) > width[c] ? (int)strlen(st->rows[i].cell[c]) : width[c];
    }
    for (int i = -1; i < st->nrows; i++) {
        const struct row *r = i < 0 ? &head : &st->rows[i];
        fprintf(out, "%*s", width[0], r->cell[0]); /* step numbers right-aligned */
        for (int c = 1; c < ncols; c++) /* no padding after the last column */
            fprintf(out, "  %-*s", c == ncols - 1 ? 0 : width[c], r->cell[c]);
        fputc('\n', out);
    }
}

/* ---- the explanation ---------------------------------------------------------------- */

static void state_text(const struct lt_test *t, const int *vals, char *buf, size_t size)
{
    struct sbuf b = {buf, size, 0};
    buf[0] = '\0';
    for (int i = 0; i < t->nobs; i++) {
        char name[96];
        lt_loc_name(t, i, name, sizeof name);
        put(&b, "%s%s=%d;", i ? " " : "", name, vals[i]);
    }
}

static void print_edges(FILE *out, const struct story *st)
{
    if (st->nedges == 0) {
        fprintf(out, "No store was passed by a later load in this execution (unexpected: please report).\n");
        return;
    }
    fprintf(out, "SC forbids this state. TSO reached it by relaxing program order: a load ran while an\n"
                 "earlier store of the same thread, to another variable, still waited in the store buffer.\n");
    for (int e = 0; e < st->nedges; e++) {
        const struct edge *ed = &st->edges[e];
        char store[CELL], load[CELL];
        lt_stmt_text(st->t, ed->thread, ed->store, store, sizeof store);
        lt_stmt_text(st->t, ed->thread, ed->load, load, sizeof load);
        fprintf(out, "  P%d: %s (line %d) -> %s (line %d): %s=%d was still buffered\n", ed->thread, store,
                ed->store->line, load, ed->load->line, st->t->vars[ed->var].name, ed->value);
    }
    fprintf(out, "An MFENCE (smp_mb()) or a locked instruction between them would forbid it.\n");
}

static void print_unreachable(FILE *out, const struct lt_test *t, const struct lt_model_result *tso)
{
    fprintf(out, "x86-TSO forbids it: no execution ends in a state where %s holds.\n", t->cond_text);
    fprintf(out, "The %d final states x86-TSO allows:\n", tso->nfinal);
    for (int i = 0; i < tso->nfinal; i++) {
        char st[512];
        state_text(t, &tso->final[i * t->nobs], st, sizeof st);
        fprintf(out, "  %s\n", st);
    }
}

static int too_large(const struct lt_test *t, long explored, char *err, size_t errsize)
{
    snprintf(err, errsize, "%s: too large to enumerate (%ld states)", t->name, explored);
    return -1;
}

static void print_execution(FILE *out, const struct lt_test *t, const struct lt_step *steps, int nsteps,
                            const int *vals, bool sc_allows)
{
    struct story st;
    memset(&st, 0, sizeof st);
    st.t = t;
    st.tso = true;
    initial_row(&st);
    lt_model_replay(t, LT_MODEL_TSO, steps, nsteps, on_event, &st);
    char text[512];
    state_text(t, vals, text, sizeof text);
    fprintf(out, "One x86-TSO execution that ends in it:\n\n");
    print_rows(out, &st);
    fprintf(out, "\nFinal state: %s\n", text);
    if (sc_allows)
        fprintf(out, "SC allows this state too: some interleaving reaches it with no reordering at all.\n");
    else
        print_edges(out, &st);
    free(st.rows);
}

int lt_explain(FILE *out, const struct lt_test *t, long budget, char *err, size_t errsize)
{
    struct lt_model_result sc, tso;
    int rc_sc = lt_model_run(t, LT_MODEL_SC, budget, &sc);
    int rc_tso = lt_model_run(t, LT_MODEL_TSO, budget, &tso);
    int rc = 0;
    if (rc_sc != 0 || rc_tso != 0) {
        rc = too_large(t, rc_tso != 0 ? tso.explored : sc.explored, err, errsize);
        goto out;
    }
    fprintf(out, "Test %s (%s)\nCondition: %s (%s)\n", t->name, t->path ? t->path : "", t->quant == LT_EXISTS ? "exists"
            : t->quant == LT_NOT_EXISTS ? "~exists" : "forall", t->cond_text);
    fprintf(out, "SC %s it, x86-TSO %s it.\n", sc.reachable ? "allows" : "forbids",
            tso.reachable ? "allows" : "forbids");
    if (!tso.reachable) {
        print_unreachable(out, t, &tso);
        goto out;
    }
    struct lt_step *steps;
    int nsteps, vals[LT_MAX_THREADS * LT_MAX_REGS + LT_MAX_VARS];
    long explored;
    int found = lt_model_witness(t, LT_MODEL_TSO, budget, &steps, &nsteps, vals, &explored);
    if (found < 0)
        rc = too_large(t, explored, err, errsize);
    else if (found == 0)
        print_unreachable(out, t, &tso);
    else
        print_execution(out, t, steps, nsteps, vals, lt_model_allows(&sc, vals));
    free(steps);
out:
    lt_model_free(&sc);
    lt_model_free(&tso);
    return rc;
}
