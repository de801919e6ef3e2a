/* workpool.c: N threads, each `for item := range jobs { handle(item) }`, plus a stop that can be forced.
 *
 * The worker loop and workpool_shutdown are the worker-pool exercise's
 * solution; the rest is setup.  A worker checks the pool context before each
 * receive because a receive on a ready channel succeeds even when its
 * context is done (chan.h): without the check, a forced stop would still
 * drain the whole queue.
 *
 * A spinning pool (workpool_new_spinning, internal.h; the errgroup pool)
 * keeps its idle workers out of the channel's receive queue, so that a
 * submit does not hand every item to a sleeping worker with a futex_wake:
 *   counts     low 32 bits: items submitted, high 32: items taken (by a
 *              worker or by errgroup_wait), each added after the channel
 *              operation; pending = submitted - taken (mod 2^32) is a hint
 *              that may dip below 0 for a moment, and a taken count that
 *              stops moving says nobody is draining the queue
 *   nspinning  0 or 1: the one idle worker allowed to spin watching counts
 *   nsleepers  idle workers asleep, or about to be, on idle_seq
 *   idle_seq   the sleepers' futex word; bumped to wake them
 *   stopping   set by shutdown: no worker may sleep any more
 * No lost wake-up: submit adds to counts and then reads nspinning and
 * nsleepers; a worker does nspinning-- or nsleepers++ and then reads
 * counts (and stopping).  All seq_cst, so one of the two sees the other
 * (Dekker; x86: LOCK XADD/CMPXCHG for the writes, MOV for the reads): either
 * the worker sees the item, or the submitter sees no spinner and wakes a
 * sleeper.  A worker that takes an item and sees more queued wakes a sleeper
 * the same way, so queued work never waits on a worker busy with a long
 * task while another sleeps (Go: a spinning M that finds work wakes another).
 */
#include "labs/toolkit/workpool.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include "labs/toolkit/internal.h"
#include "labs/toolkit/parker.h"
#include "labs/toolkit/waitgroup.h"
#include "locks/sys.h"

struct worker {
    struct workpool *pool;
    pthread_t thread;
    void *item; /* this worker's receive buffer */
};

struct workpool {
    struct workpool_opts opts;
    struct chan *jobs;
    struct ctx *ctx;          /* cancelled to force the workers out */
    struct waitgroup running; /* workers not yet returned */
    struct worker *workers;
    unsigned nworkers;
    bool shut;                /* shutdown done: owned by the thread that calls it */
    bool spinning;            /* workpool_new_spinning: see the top of the file */
    _Atomic uint64_t counts;
    atomic_uint nspinning, nsleepers, idle_seq;
    atomic_bool stopping;
};

/* How long the one spinning worker watches for work before it sleeps: a
 * few rounds of a short errgroup, far below a scheduler time slice. */
#define IDLE_SPIN_NS 20000u
/* How long queued work is left to its submitter before the spinner takes
 * it, and how often the spinner looks. */
#define STEAL_GRACE_NS 3000u
#define SPIN_SAMPLE_NS 1000u

/* Busy-wait (PAUSE) until the clock reaches t; returns the time then. */
static uint64_t spin_until(uint64_t t)
{
    uint64_t now;
    while ((now = now_ns()) < t)
        cpu_relax();
    return now;
}

/* ---- a spinning pool's idle workers (see the top of the file) ----------- */

/* Wake one sleeper, unless a worker already spins (it will see the work). */
static void wake_one_idle(struct workpool *p)
{
    if (atomic_load(&p->nspinning) == 0 && atomic_load(&p->nsleepers) > 0) {
        atomic_fetch_add(&p->idle_seq, 1);
        futex_wake(&p->idle_seq, 1);
    }
}

static void wake_all_idle(struct workpool *p)
{
    if (!p->spinning)
        return;
    atomic_store(&p->stopping, true);
    atomic_fetch_add(&p->idle_seq, 1);
    futex_wake(&p->idle_seq, INT_MAX);
}

#define ONE_SUBMITTED 1u
#define ONE_TAKEN (1ull << 32)

static int32_t pending_of(uint64_t counts)
{
    return (int32_t)((uint32_t)counts - (uint32_t)(counts >> 32));
}

static void note_submitted(struct workpool *p)
{
    if (!p->spinning)
        return;
    atomic_fetch_add(&p->counts, ONE_SUBMITTED);
    wake_one_idle(p);
}

/* Something took an item; returns how many were pending before. */
static int32_t note_taken(struct workpool *p)
{
    return pending_of(atomic_fetch_add(&p->counts, ONE_TAKEN));
}

/* A worker took an item: if more are queued, someone else must look. */
static void worker_took(struct workpool *p)
{
    if (note_taken(p) > 1)
        wake_one_idle(p);
}

static bool work_visible(struct workpool *p)
{
    return pending_of(atomic_load(&p->counts)) > 0 || atomic_load(&p->stopping);
}

/* Spin as the one spinner, if nobody else is (none on one CPU).  It looks
 * at counts once per SPIN_SAMPLE_NS, not in a tight loop: every look pulls
 * the cache line that each submit and take then has to steal back.  It goes
 * for queued work only once nobody has taken anything for STEAL_GRACE_NS: a
 * submitter about to wait (errgroup_wait) takes its own items back within
 * microseconds, and a worker grabbing them meanwhile only adds cache-line
 * traffic to both (Go's runqgrab likewise gives a running P 3 us before
 * stealing its runnext).  Each sight of work extends the spin; it ends after
 * IDLE_SPIN_NS with none.  true when there is work to take. */
static bool idle_spin(struct workpool *p)
{
    uint64_t budget = parker_spin_ns(IDLE_SPIN_NS);
    unsigned none = 0;
    if (budget == 0 || !atomic_compare_exchange_strong(&p->nspinning, &none, 1))
        return false;
    uint64_t now = now_ns(), idle_end = now + budget, since = now;
    uint64_t last = atomic_load(&p->counts);
    bool found = false;
    while (!found && now < idle_end) {
        now = spin_until(now + SPIN_SAMPLE_NS);
        uint64_t c = atomic_load(&p->counts);
        if (c >> 32 != last >> 32)
            since = now; /* someone is draining the queue */
        last = c;
        if (pending_of(c) > 0) {
            found = now - since >= STEAL_GRACE_NS;
            idle_end = now + budget;
        }
        found = found || atomic_load(&p->stopping);
    }
    atomic_fetch_sub(&p->nspinning, 1);
    return found;
}

static void idle_sleep(struct workpool *p)
{
    atomic_fetch_add(&p->nsleepers, 1);
    unsigned seq = atomic_load(&p->idle_seq);
    if (!work_visible(p))
        futex_wait(&p->idle_seq, seq, 0);
    atomic_fetch_sub(&p->nsleepers, 1);
}

static void *worker_main_spinning(void *arg)
{
    struct worker *w = arg;
    struct workpool *p = w->pool;
    while (!ctx_done(p->ctx)) {
        int rc = chan_try_recv(p->jobs, w->item);
        if (rc == TK_CLOSED)
            break; /* closed and drained */
        if (rc != 0) {
            if (!idle_spin(p))
                idle_sleep(p);
            continue;
        }
        worker_took(p);
        p->opts.handle(p->ctx, w->item, p->opts.user);
    }
    waitgroup_done(&p->running);
    return NULL;
}

/* ---- the plain pool ------------------------------------------------------ */

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    struct workpool *p = w->pool;
    while (!ctx_done(p->ctx)) {
        if (chan_recv(p->jobs, w->item, p->ctx) != 0)
            break; /* closed and drained, or forced out */
        p->opts.handle(p->ctx, w->item, p->opts.user);
    }
    waitgroup_done(&p->running);
    return NULL;
}

static void join_workers(struct workpool *p, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        pthread_join(p->workers[i].thread, NULL);
}

int workpool_shutdown(struct workpool *p, struct ctx *ctx, size_t *dropped)
{
    if (dropped)
        *dropped = 0;
    if (p->shut)
        return 0;
    p->shut = true;
    chan_close(p->jobs);
    wake_all_idle(p);
    int err = ctx ? waitgroup_wait_ctx(&p->running, ctx) : (waitgroup_wait(&p->running), 0);
    if (err)
        ctx_cancel(p->ctx); /* workers stop after the item in hand */
    join_workers(p, p->nworkers);
    /* Whatever is left was never handled: hand it to drop. */
    void *item = p->workers[0].item;
    size_t n = 0;
    while (chan_try_recv(p->jobs, item) == 0) {
        if (p->opts.drop)
            p->opts.drop(item, p->opts.user);
        n++;
    }
    if (dropped)
        *dropped = n;
    return err;
}

static void pool_destroy(struct workpool *p)
{
    if (p->workers)
        for (unsigned i = 0; i < p->nworkers; i++)
            free(p->workers[i].item);
    free(p->workers);
    chan_free(p->jobs);
    if (p->ctx)
        ctx_close(p->ctx);
    free(p);
}

static struct workpool *pool_new(const struct workpool_opts *opts, bool spinning)
{
    struct workpool *p = calloc(1, sizeof *p);
    if (!p) {
        errno = ENOMEM;
        return NULL;
    }
    p->opts = *opts;
    p->spinning = spinning;
    atomic_init(&p->counts, 0);
    atomic_init(&p->nspinning, 0);
    atomic_init(&p->nsleepers, 0);
    atomic_init(&p->idle_seq, 0);
    atomic_init(&p->stopping, false);
    p->nworkers = opts->workers ? opts->workers : (unsigned)online_cpus();
    waitgroup_init(&p->running);
    p->jobs = chan_new(opts->item_size, opts->capacity);
    p->ctx = ctx_with_cancel(opts->parent ? opts->parent : ctx_background());
    p->workers = calloc(p->nworkers, sizeof *p->workers);
    bool ok = p->jobs && p->ctx && p->workers;
    for (unsigned i = 0; ok && i < p->nworkers; i++) {
        /* malloc(0) may return NULL: give every buffer at least one byte. */
        p->workers[i].item = malloc(opts->item_size ? opts->item_size : 1);
        p->workers[i].pool = p;
        ok = p->workers[i].item != NULL;
    }
    if (!ok) {
        pool_destroy(p);
        errno = ENOMEM;
        return NULL;
    }
    for (unsigned i = 0; i < p->nworkers; i++) {
        waitgroup_add(&p->running, 1);
        int rc = pthread_create(&p->workers[i].thread, NULL, spinning ? worker_main_spinning : worker_main,
                                &p->workers[i]);
        if (rc != 0) {
            waitgroup_done(&p->running);
            ctx_cancel(p->ctx);
            chan_close(p->jobs);
            wake_all_idle(p);
            join_workers(p, i);
            pool_destroy(p);
            errno = rc;
            return NULL;
        }
    }
    return p;
}

struct workpool *workpool_new(const struct workpool_opts *opts) { return pool_new(opts, false); }

struct workpool *workpool_new_spinning(const struct workpool_opts *opts) { return pool_new(opts, true); }

int workpool_submit(struct workpool *p, const void *item, struct ctx *ctx)
{
    int rc = chan_send(p->jobs, item, ctx);
    if (rc == 0)
        note_submitted(p);
    return rc;
}

int workpool_try_submit(struct workpool *p, const void *item)
{
    int rc = chan_try_send(p->jobs, item);
    if (rc == 0)
        note_submitted(p);
    return rc;
}

int workpool_take_if(struct workpool *p, void *out, item_match_fn match, void *arg)
{
    if (ctx_done(p->ctx))
        return ctx_err(p->ctx);
    int rc = chan_take_if(p->jobs, out, match, arg);
    if (rc == 0 && p->spinning)
        (void)note_taken(p);
    return rc;
}

struct chan *workpool_chan(struct workpool *p) { return p->jobs; }

unsigned workpool_workers(struct workpool *p) { return p->nworkers; }

void workpool_free(struct workpool *p)
{
    if (!p)
        return;
    workpool_shutdown(p, NULL, NULL);
    pool_destroy(p);
}
