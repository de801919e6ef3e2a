/* run.c: the runner: pinned threads, batches of fresh instances, a timebase, a state count.
 *
 * Why it is fast (and what litmus7 taught): a batch holds `batch` instances of
 * the test, each with its own copy of every variable (one cache line apart,
 * in order, or shuffled per batch with --shuffle).  The threads, pinned to distinct
 * CPUs, run instance i at the same time-stamp-counter tick (abi.h), so there
 * is no per-instance handshake at all: both CPUs meet at each instance within
 * a few cycles, thousands of times per batch.  Between batches the threads
 * meet at a barrier and count the final states, each a share of the batch
 * into its own hash table (merged at the end).  Before a batch each variable is reset by a thread
 * that reads it, so its line sits in the reader's cache and the writer's
 * store has to fetch it: that is the window in which store buffering shows.
 *
 * The period (ns between instances) is calibrated: the first batches run
 * with period 0, every thread back to back, which measures the slowest
 * thread's cost per instance; the period is then 1.5 times that, and at least
 * BASE_PERIOD (below it, an instance's stores are still draining when the next
 * one starts and the rate of interesting outcomes drops).  The cheapest of the
 * calibration batches counts, so one preemption does not skew it.  Times are
 * nanoseconds everywhere but in the generated code's argument block, which
 * holds timebase ticks (the counter runs at 24 MHz on one CPU and 3 GHz on
 * another: locks/arch.h).
 *
 * With opt->tune, the batches after the calibration run a short search over
 * the settings (tune.c) before the rest of the run uses the winner; every
 * batch's states count, whichever setting ran it: the settings change how
 * often a state shows, never which states can.
 */
#include "litmus/run.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include <urcu/urcu-memb.h>

#include "litmus/mapping.h"
#include "locks/sys.h"

_Static_assert(sizeof(((struct lt_args *)0)->var) / sizeof(((struct lt_args *)0)->var[0]) == LT_MAX_VARS,
               "abi.h's var[] must hold LT_MAX_VARS variables");

enum { BASE_PERIOD = 180, MAX_PERIOD = 2000000, START_LEAD = 4000, CALIBRATION_BATCHES = 4,
       CALIBRATION_SIZE = 200 };
/* The most ints a variable's array may hold (batch x stride). */
#define MAX_INTS (1L << 25)

/* The search's budget: at most this long, and at most this share of the run's instances. */
#define TUNE_BUDGET_NS 300000000u
#define TUNE_SHARE 0.6

void lt_options_default(struct lt_options *o)
{
    memset(o, 0, sizeof *o);
    o->iterations = 1000000;
    o->batch = 400;
    o->stride = CACHE_LINE / (long)sizeof(int);
    o->seed = 1;
}

/* A barrier for the T runner threads, sense-reversing so it can be reused at once. */
struct barrier {
    CACHE_ALIGNED atomic_int arrived;
    atomic_int generation;
    int n;
    bool yield;
};

/* Wait until all n threads arrive.  The last to arrive runs last(ctx), if
 * given, before it releases the others: what last() writes, they see. */
static void barrier_wait(struct barrier *b, void (*last)(void *), void *ctx)
{
    /* acquire: pairs with the release below, so after the barrier each thread
     * sees everything the others wrote before it (arrays, start tick, flags). */
    int gen = atomic_load_explicit(&b->generation, memory_order_acquire);
    if (atomic_fetch_add_explicit(&b->arrived, 1, memory_order_acq_rel) == b->n - 1) {
        if (last)
            last(ctx);
        atomic_store_explicit(&b->arrived, 0, memory_order_relaxed); /* published by the release below */
        atomic_store_explicit(&b->generation, gen + 1, memory_order_release);
        return;
    }
    for (unsigned spins = 0; atomic_load_explicit(&b->generation, memory_order_acquire) == gen; spins++) {
        if (b->yield || spins > 4096)
            sched_yield();
        else
            cpu_relax();
    }
}

/* Final states counted in an open-addressing hash table keyed by the values. */
struct table {
    int nobs;
    size_t cap, used;
    int *keys;          /* cap * nobs */
    uint64_t *counts;   /* 0: empty slot */
};

static uint64_t hash_vals(const int *v, int n)
{
    uint64_t h = 0x9e3779b97f4a7c15u;
    for (int i = 0; i < n; i++) {
        h ^= (uint32_t)v[i];
        h *= 0xff51afd7ed558ccdu;
        h ^= h >> 32;
    }
    return h;
}

static void table_init(struct table *tb, int nobs, size_t cap)
{
    tb->nobs = nobs;
    tb->cap = cap;
    tb->used = 0;
    tb->keys = calloc(cap * (size_t)(nobs ? nobs : 1), sizeof(int));
    tb->counts = calloc(cap, sizeof(uint64_t));
    if (!tb->keys || !tb->counts)
        abort();
}

static void table_add(struct table *tb, const int *vals, uint64_t count);

static void table_grow(struct table *tb)
{
    struct table old = *tb;
    table_init(tb, old.nobs, old.cap * 2);
    for (size_t i = 0; i < old.cap; i++)
        if (old.counts[i])
            table_add(tb, &old.keys[i * (size_t)old.nobs], old.counts[i]);
    free(old.keys);
    free(old.counts);
}

static void table_add(struct table *tb, const int *vals, uint64_t count)
{
    size_t n = (size_t)tb->nobs;
    size_t i = hash_vals(vals, tb->nobs) & (tb->cap - 1);
    for (;; i = (i + 1) & (tb->cap - 1)) {
        if (!tb->counts[i]) {
            memcpy(&tb->keys[i * n], vals, n * sizeof(int));
            tb->counts[i] = count;
            if (++tb->used * 2 > tb->cap)
                table_grow(tb);
            return;
        }
        if (memcmp(&tb->keys[i * n], vals, n * sizeof(int)) == 0) {
            tb->counts[i] += count;
            return;
        }
    }
}

struct runner;

struct worker {
    CACHE_ALIGNED struct lt_args args;
    struct runner *run;
    int tid;
    int cpu;
    int64_t ticks;          /* ticks from the batch's start to this thread's end */
    uint64_t witnesses;     /* instances this thread counted that satisfy the condition */
    struct table table;     /* final states of the instances this thread counted */
    long preempted;         /* involuntary context switches during the run */
    pthread_t thread;
};

struct runner {
    const struct lt_test *test;
    const lt_thread_fn *fns;
    const struct lt_options *opt;
    int nthreads;
    struct worker workers[LT_MAX_THREADS];
    struct barrier barrier;
    _Atomic int *vars[LT_MAX_VARS];
    int owner[LT_MAX_VARS];         /* thread that resets the variable before a batch */
    int *index;
    int out_slot[LT_MAX_THREADS * LT_MAX_REGS + LT_MAX_VARS]; /* obs -> position in its thread's out */
    long done;                      /* instances run so far */
    long n;                         /* instances in the current batch */
    struct lt_setting cur;          /* the setting of the current batch */
    unsigned long long period_ticks;/* cur.period in timebase ticks */
    int calibrating;                /* calibration batches left */
    int64_t cost;                   /* least ns per instance seen in calibration */
    bool tuning;                    /* the search is running */
    struct lt_tuner tuner;
    uint64_t batch_ns;              /* when planning the current batch began */
    uint64_t witnesses;             /* witnesses counted before the current batch */
    const char *source;             /* where cur comes from (lt_result.tuned) */
    bool period_fixed;              /* the options or the cache gave the period: no calibration */
    struct lt_tune_state resume;    /* where a search an earlier run cut stands */
    bool resuming;
    bool finished;
    uint64_t rng;
    uint64_t started_ns, last_progress_ns;
};

/* Which threads read / write each variable, over the whole body. */
static void scan_block(const struct lt_block *b, int tid, unsigned *readers, unsigned *writers)
{
    for (int i = 0; i < b->n; i++) {
        const struct lt_stmt *s = &b->stmts[i];
        if (s->var >= 0 && lt_stmt_reads(s)) /* accesses through pointers: not known here */
            readers[s->var] |= 1u << tid;
        if (s->var >= 0 && lt_stmt_writes(s))
            writers[s->var] |= 1u << tid;
        if (s->kind == LT_S_IF) {
            scan_block(&s->then, tid, readers, writers);
            scan_block(&s->els, tid, readers, writers);
        }
    }
}

/* Who resets each variable before a batch, and so holds its line when the
 * batch starts.  LT_RESET_READER (default): a thread that reads it without
 * writing it, else any reader, so the writers' stores must fetch the line;
 * LT_RESET_WRITER: the same with the roles swapped; LT_RESET_FIRST: thread 0. */
static void choose_owners(struct runner *R)
{
    unsigned readers[LT_MAX_VARS] = {0}, writers[LT_MAX_VARS] = {0};
    for (int t = 0; t < R->nthreads; t++)
        scan_block(&R->test->threads[t].body, t, readers, writers);
    for (int v = 0; v < R->test->nvars; v++) {
        unsigned *mine = R->cur.reset == LT_RESET_WRITER ? writers : readers;
        unsigned *theirs = R->cur.reset == LT_RESET_WRITER ? readers : writers;
        unsigned pure = mine[v] & ~theirs[v];
        unsigned pick = pure ? pure : mine[v];
        R->owner[v] = pick && R->cur.reset != LT_RESET_FIRST ? __builtin_ctz(pick) : 0;
    }
}

static void reset_vars(struct runner *R, int tid)
{
    long stride = R->cur.stride;
    for (int v = 0; v < R->test->nvars; v++) {
        if (R->owner[v] != tid)
            continue;
        int init = R->test->vars[v].init;
        for (long s = 0; s < R->n; s++)
            atomic_store_explicit(&R->vars[v][s * stride], init, memory_order_relaxed); /* ordered by the barrier */
    }
}

static void shuffle_index(struct runner *R)
{
    for (long i = 0; i < R->n; i++)
        R->index[i] = (int)i;
    if (!R->cur.shuffle)
        return;
    for (long i = R->n - 1; i > 0; i--) {
        long j = (long)(xorshift64(&R->rng) % (uint64_t)(i + 1));
        int tmp = R->index[i];
        R->index[i] = R->index[j];
        R->index[j] = tmp;
    }
}

/* Count run instances that ended in state vals (and the witnesses among them, for the search). */
static void add_run(struct runner *R, struct worker *w, const int *vals, uint64_t run)
{
    table_add(&w->table, vals, run);
    if (R->tuning && lt_prop_eval(R->test->prop, vals))
        w->witnesses += run;
}

/* Count this thread's share of the batch's final states (all threads count
 * in parallel, each into its own table, merged at the end). */
static void count_share(struct runner *R, struct worker *w)
{
    const struct lt_test *t = R->test;
    int vals[LT_MAX_THREADS * LT_MAX_REGS + LT_MAX_VARS], prev[LT_MAX_THREADS * LT_MAX_REGS + LT_MAX_VARS];
    size_t size = sizeof(int) * (size_t)t->nobs;
    uint64_t run = 0; /* instances in a row that ended in state prev: counted in one table_add */
    long from = R->n * w->tid / R->nthreads, to = R->n * (w->tid + 1) / R->nthreads;
    for (long i = from; i < to; i++) {
        for (int k = 0; k < t->nobs; k++) {
            const struct lt_loc *loc = &t->obs[k];
            if (loc->thread >= 0) {
                const struct lt_args *a = &R->workers[loc->thread].args;
                vals[k] = a->out[i * a->nout + R->out_slot[k]];
            } else {
                long slot = (long)R->index[i] * R->cur.stride;
                vals[k] = atomic_load_explicit(&R->vars[loc->index][slot], memory_order_relaxed);
            }
        }
        if (!lt_filter_pass(t, vals))
            continue; /* herd7's filter: such an instance does not count (as in the models) */
        if (run && memcmp(vals, prev, size) == 0) {
            run++;
            continue;
        }
        if (run)
            add_run(R, w, prev, run);
        memcpy(prev, vals, size);
        run = 1;
    }
    if (run)
        add_run(R, w, prev, run);
}

/* The period without a search: 1.5 times an instance's cost, within bounds. */
static long automatic_period(int64_t cost)
{
    int64_t p = cost * 3 / 2;
    return p < BASE_PERIOD ? BASE_PERIOD : p > MAX_PERIOD ? MAX_PERIOD : (long)p;
}

/* A calibration batch ran (period 0): keep the least ns per instance; after
 * the last one, fix the period, or start the search from the options. */
static void calibrated(struct runner *R)
{
    int64_t slowest = 0;
    for (int t = 0; t < R->nthreads; t++)
        if (R->workers[t].ticks > slowest)
            slowest = R->workers[t].ticks;
    int64_t per = (int64_t)timebase_ns((uint64_t)slowest) / R->n;
    if (per < R->cost)
        R->cost = per;
    if (--R->calibrating > 0)
        return;
    if (!R->period_fixed)
        R->cur.period = automatic_period(R->cost);
    if (R->tuning) {
        long left = R->opt->iterations - R->done;
        lt_tuner_start(&R->tuner, &R->cur, R->opt->tune, (long)R->cost, R->resuming ? &R->resume : NULL, TUNE_BUDGET_NS,
                       (long)((double)left * TUNE_SHARE));
        R->cur = R->tuner.cur;
        R->tuning = !R->tuner.done;
    }
}

/* A search batch ran: tell the tuner its witnesses and time; run its next setting. */
static void searched(struct runner *R, uint64_t now)
{
    uint64_t wit = 0;
    for (int t = 0; t < R->nthreads; t++)
        wit += R->workers[t].witnesses;
    lt_tuner_batch(&R->tuner, R->n, wit - R->witnesses, now - R->batch_ns);
    R->witnesses = wit;
    R->cur = R->tuner.cur;
    if (R->tuner.done)
        R->tuning = false;
}

/* Thread 0, between batches: calibrate the period, step the search, plan the next batch. */
static void between_batches(struct runner *R)
{
    uint64_t now = now_ns();
    struct lt_setting was = R->cur;
    if (R->n > 0) {
        R->done += R->n;
        if (R->calibrating > 0)
            calibrated(R);
        else if (R->tuning)
            searched(R, now);
    }
    /* A batch's time runs from here to here: its planning (shuffling is
     * O(batch)), reset, run and count, as a whole run pays them. */
    R->batch_ns = now;
    if (R->cur.reset != was.reset)
        choose_owners(R);
    if (R->opt->progress && now - R->last_progress_ns > 200000000u) {
        R->last_progress_ns = now;
        R->opt->progress(R->opt->progress_ctx, R->done, R->opt->iterations);
    }
    long left = R->opt->iterations - R->done;
    long size = R->calibrating > 0 && R->cur.batch > CALIBRATION_SIZE ? CALIBRATION_SIZE : R->cur.batch;
    R->n = left < size ? left : size;
    if (R->n <= 0) {
        R->finished = true;
        return;
    }
    R->period_ticks = R->calibrating > 0 ? 0 : timebase_ticks((uint64_t)R->cur.period);
    shuffle_index(R);
    for (int t = 0; t < R->nthreads; t++) {
        R->workers[t].args.n = R->n;
        R->workers[t].args.stride = R->cur.stride;
        R->workers[t].args.period = R->period_ticks;
    }
}

/* Run by the last thread to finish resetting the variables: instance 0 starts
 * a little later, time enough for the barrier to release everyone. */
static void set_start(void *ctx)
{
    struct runner *R = ctx;
    uint64_t start = timebase_now() + timebase_ticks(START_LEAD * (R->barrier.yield ? 20u : 1u));
    for (int t = 0; t < R->nthreads; t++)
        R->workers[t].args.start = start;
}

/* Tests with RCU or SRCU call liburcu (gen.c): its readers must be
 * registered threads, and a registered thread must unregister before it
 * ends.  A thread outside a read-side section never delays a grace period,
 * so registered runner threads waiting at a barrier cost nothing. */
static void rcu_online(const struct runner *R)
{
    if (R->test->has_rcu)
        urcu_memb_register_thread();
}

static void rcu_offline(const struct runner *R)
{
    if (R->test->has_rcu)
        urcu_memb_unregister_thread();
}

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    struct runner *R = w->run;
    if (w->cpu >= 0)
        pin_to_cpu(w->cpu); /* best effort: unpinned threads still give correct results */
    rcu_online(R);
    struct rusage before, after;
    getrusage(RUSAGE_THREAD, &before);
    for (;;) {
        /* Between batches only thread 0 runs: it plans the next batch, which
         * changes what the others' counting reads (n, index). */
        barrier_wait(&R->barrier, NULL, NULL);
        if (w->tid == 0)
            between_batches(R);
        barrier_wait(&R->barrier, NULL, NULL);
        if (R->finished) {
            getrusage(RUSAGE_THREAD, &after);
            w->preempted = after.ru_nivcsw - before.ru_nivcsw;
            rcu_offline(R);
            return NULL;
        }
        reset_vars(R, w->tid);
        barrier_wait(&R->barrier, set_start, R);
        R->fns[w->tid](&w->args);
        w->ticks = (int64_t)(timebase_now() - w->args.start);
        barrier_wait(&R->barrier, NULL, NULL);
        count_share(R, w);
    }
}

static int fail_msg(char *err, size_t errsize, const char *msg)
{
    snprintf(err, errsize, "%s", msg);
    return -1;
}

static void collect(struct runner *R, struct lt_result *r)
{
    const struct lt_test *t = R->test;
    struct table *all = &R->workers[0].table;
    for (int k = 1; k < R->nthreads; k++) {
        struct table *tb = &R->workers[k].table;
        for (size_t i = 0; i < tb->cap; i++)
            if (tb->counts[i])
                table_add(all, &tb->keys[i * (size_t)tb->nobs], tb->counts[i]);
    }
    r->nstates = (int)all->used;
    r->states = calloc((size_t)r->nstates + 1, sizeof *r->states);
    if (!r->states)
        abort();
    int k = 0;
    for (size_t i = 0; i < all->cap; i++) {
        if (!all->counts[i])
            continue;
        struct lt_state *s = &r->states[k++];
        s->vals = malloc(sizeof(int) * (size_t)(t->nobs ? t->nobs : 1));
        if (!s->vals)
            abort();
        memcpy(s->vals, &all->keys[i * (size_t)t->nobs], sizeof(int) * (size_t)t->nobs);
        s->count = all->counts[i];
        s->witness = lt_prop_eval(t->prop, s->vals);
        if (s->witness)
            r->positive += s->count;
        else
            r->negative += s->count;
    }
}

static int nobs_for_sort;

static int state_cmp(const void *pa, const void *pb)
{
    const struct lt_state *a = pa, *b = pb;
    for (int i = 0; i < nobs_for_sort; i++)
        if (a->vals[i] != b->vals[i])
            return a->vals[i] < b->vals[i] ? -1 : 1;
    return 0;
}

/* The first setting: the options', or the cached winner for the settings
 * the options leave free; with settings left to search, start the search. */
static void start_setting(struct runner *R, const struct lt_options *o)
{
    R->cur = (struct lt_setting){o->period ? o->period : BASE_PERIOD, o->batch, o->stride, o->shuffle, o->reset};
    R->source = "options";
    R->period_fixed = o->period != 0;
    unsigned free = o->tune & LT_TUNE_ALL;
    if (!free)
        return;
    if (o->tune_key && !o->retune && lt_tune_cache_get(o->tune_key, &R->resume)) {
        const struct lt_setting cached = R->resume.best;
        if (free & LT_TUNE_PERIOD) {
            R->cur.period = cached.period;
            R->period_fixed = true;
        }
        if (free & LT_TUNE_BATCH)
            R->cur.batch = cached.batch;
        if (free & LT_TUNE_STRIDE)
            R->cur.stride = cached.stride;
        if (free & LT_TUNE_SHUFFLE)
            R->cur.shuffle = cached.shuffle;
        if (free & LT_TUNE_RESET)
            R->cur.reset = cached.reset;
        if (R->resume.position >= LT_TUNE_END) {
            R->source = "cache";
            return;
        }
        R->resuming = true;
    }
    R->tuning = true;
    R->source = "search";
}

/* Memory for the largest batch and stride any batch of this run may use,
 * and never less than the search may use, whether this run searches or not:
 * the size of the arrays decides where they lie (heap or their own pages,
 * so which cache sets a variable's copies share), and that changes the
 * rates (R on a 2-core EPYC VM: 76 % of instances witnesses with arrays
 * for 4000 instances, 65 % with arrays for 400, the same 400 used).  The
 * search must measure the layout the runs it tunes will have. */
static void largest_setting(const struct runner *R, long *batch, long *stride)
{
    if (R->cur.batch > *batch)
        *batch = R->cur.batch;
    if (R->cur.stride > *stride)
        *stride = R->cur.stride;
    if (*batch < LT_TUNE_MAX_BATCH)
        *batch = LT_TUNE_MAX_BATCH;
    /* (a huge batch from the options gets the search's stride only if it searches the stride) */
    if (*stride < LT_TUNE_MAX_STRIDE &&
        (*batch * LT_TUNE_MAX_STRIDE <= MAX_INTS || (R->tuning && (R->opt->tune & LT_TUNE_STRIDE))))
        *stride = LT_TUNE_MAX_STRIDE;
}

/* The result's account of the settings: what ran after the search, and the
 * search's cost; its winner goes into the cache, flagged if it was cut short. */
static void finish_setting(struct runner *R, struct lt_result *r)
{
    const struct lt_tuner *tu = &R->tuner;
    bool searched = strcmp(R->source, "search") == 0;
    r->setting = searched ? tu->cur : R->cur; /* what ran after the search: its winner, or its leader when cut */
    r->period = r->setting.period;
    r->tuned = R->source;
    r->timebase_mhz = (double)timebase_hz() / 1e6;
    if (!searched)
        return;
    r->tune_tried = tu->tried;
    r->tune_complete = tu->complete;
    r->tune_instances = tu->used_instances;
    r->tune_seconds = (double)tu->used_ns / 1e9;
    if (R->opt->tune_key && tu->used_instances > 0) {
        struct lt_tune_state st;
        lt_tuner_state(tu, &st);
        lt_tune_cache_put(R->opt->tune_key, &st);
    }
}

int lt_run(const struct lt_test *t, const lt_thread_fn *fns, const struct lt_options *o,
           struct lt_result *r, char *err, size_t errsize)
{
    memset(r, 0, sizeof *r);
    if (o->iterations < 0 || o->batch < 1 || o->batch > 10000000 || o->stride < 1 || o->stride > 4096 ||
        o->period < 0 || o->period > MAX_PERIOD || (o->tune & ~(unsigned)LT_TUNE_ALL))
        return fail_msg(err, errsize, "bad runner options (iterations, batch, stride or period out of range)");
    if (o->batch * o->stride > MAX_INTS)
        return fail_msg(err, errsize, "batch * stride is too large");

    struct runner *R = xaligned_alloc(sizeof *R);
    R->test = t;
    R->fns = fns;
    R->opt = o;
    R->nthreads = t->nthreads;
    start_setting(R, o);
    R->calibrating = R->period_fixed && !R->tuning ? 0 : CALIBRATION_BATCHES;
    R->cost = INT64_MAX;
    R->rng = o->seed ? o->seed : 1;
    for (int i = 0; i < 4; i++)
        xorshift64(&R->rng);

    /* CPUs: the listed ones, else every allowed one; thread k takes the
     * (k + seed)-th, so the seed also varies which thread runs where. */
    int cpus[LT_MAX_CPUS], ncpus = o->ncpus;
    if (ncpus > 0) {
        memcpy(cpus, o->cpus, sizeof(int) * (size_t)ncpus);
    } else {
        ncpus = online_cpus();
        if (ncpus > LT_MAX_CPUS)
            ncpus = LT_MAX_CPUS;
        for (int i = 0; i < ncpus; i++)
            cpus[i] = nth_allowed_cpu(i);
    }
    int distinct = 0;
    for (int i = 0; i < ncpus; i++) {
        bool seen = false;
        for (int j = 0; j < i; j++)
            seen |= cpus[j] == cpus[i];
        distinct += !seen;
    }
    int rot = (int)(o->seed % (uint64_t)ncpus);
    r->oversubscribed = R->nthreads > distinct;
    R->barrier.n = R->nthreads;
    R->barrier.yield = r->oversubscribed;

    long max_batch = o->batch, max_stride = o->stride;
    largest_setting(R, &max_batch, &max_stride);
    for (int v = 0; v < t->nvars; v++)
        R->vars[v] = xaligned_alloc(sizeof(int) * (size_t)(max_batch * max_stride));
    R->index = xaligned_alloc(sizeof(int) * (size_t)max_batch);
    for (int k = 0; k < t->nobs; k++) {
        const struct lt_loc *loc = &t->obs[k];
        if (loc->thread < 0)
            continue;
        int pos = 0;
        for (int j = 0; j < k; j++)
            pos += t->obs[j].thread == loc->thread;
        R->out_slot[k] = pos;
    }
    choose_owners(R);

    for (int k = 0; k < R->nthreads; k++) {
        struct worker *w = &R->workers[k];
        int nout = 0;
        for (int j = 0; j < t->nobs; j++)
            nout += t->obs[j].thread == k;
        w->run = R;
        w->tid = k;
        w->cpu = cpus[(k + rot) % ncpus];
        r->cpu_of[k] = w->cpu;
        w->args.stride = R->cur.stride;
        w->args.index = R->index;
        w->args.nout = nout;
        w->args.out = xaligned_alloc(sizeof(int) * (size_t)(max_batch * (nout ? nout : 1)));
        w->args.yield = r->oversubscribed;
        table_init(&w->table, t->nobs, 64);
        for (int v = 0; v < t->nvars; v++)
            w->args.var[v] = R->vars[v];
    }

    R->started_ns = R->last_progress_ns = now_ns();
    int started = 0, rc = 0;
    for (; started < R->nthreads; started++) {
        int e = pthread_create(&R->workers[started].thread, NULL, worker_main, &R->workers[started]);
        if (e) {
            snprintf(err, errsize, "cannot start thread %d: %s", started, strerror(e));
            rc = -1;
            break;
        }
    }
    if (rc == 0) {
        for (int k = 0; k < started; k++)
            pthread_join(R->workers[k].thread, NULL);
        r->seconds = (double)(now_ns() - R->started_ns) / 1e9;
        r->iterations = R->done;
        finish_setting(R, r);
        for (int k = 0; k < R->nthreads; k++)
            r->preempted += R->workers[k].preempted;
        collect(R, r);
        nobs_for_sort = t->nobs;
        qsort(r->states, (size_t)r->nstates, sizeof *r->states, state_cmp);
    } else {
        /* Threads already started wait at the first barrier forever; a
         * process that cannot create threads has nothing better to do. */
        fprintf(stderr, "litmus: %s\n", err);
        exit(2);
    }

    for (int k = 0; k < R->nthreads; k++) {
        free(R->workers[k].args.out);
        free(R->workers[k].table.keys);
        free(R->workers[k].table.counts);
    }
    for (int v = 0; v < t->nvars; v++)
        free(R->vars[v]);
    free(R->index);
    free(R);
    return rc;
}

void lt_result_free(struct lt_result *r)
{
    for (int i = 0; i < r->nstates; i++)
        free(r->states[i].vals);
    free(r->states);
    memset(r, 0, sizeof *r);
}

const char *lt_observation(const struct lt_result *r)
{
    if (r->positive == 0)
        return "Never";
    return r->negative == 0 ? "Always" : "Sometimes";
}

bool lt_condition_holds(const struct lt_test *t, const struct lt_result *r)
{
    switch (t->quant) {
    case LT_EXISTS: return r->positive > 0;
    case LT_NOT_EXISTS: return r->positive == 0;
    case LT_FORALL: return r->negative == 0;
    }
    return false;
}
