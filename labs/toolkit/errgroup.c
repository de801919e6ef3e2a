/* errgroup.c: a WaitGroup, a first-error slot, an optional context, a channel as the limit's semaphore.
 *
 * The limit is Go's own design: a channel of capacity n holding one token per
 * active task; starting a task sends a token (blocking or, for try_go, not),
 * finishing receives one.  The first error is a CAS from 0, so exactly one
 * task's error is kept and cancels the context.  errgroup_go, task_finish
 * and errgroup_wait are the errgroup exercise's solution.
 */
#include "labs/toolkit/errgroup.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "labs/toolkit/chan.h"
#include "labs/toolkit/internal.h"
#include "labs/toolkit/parker.h"
#include "labs/toolkit/waitgroup.h"
#include "locks/lock.h"
#include "locks/mutex_barging.h"

/* A task started on its own thread; listed so that wait can join it. */
struct task_thread {
    struct errgroup *g;
    errgroup_fn fn;
    void *arg;
    pthread_t thread;
    struct task_thread *next;
};

/* A task queued on a pool: the pool copies it by value. */
struct pool_job {
    struct errgroup *g;
    errgroup_fn fn;
    void *arg;
};

struct errgroup {
    struct waitgroup wg;
    atomic_int err;           /* the first error; 0 until then */
    struct ctx *ctx;          /* with_context's, else NULL */
    struct chan *sem;         /* the limit's tokens, or NULL for no limit */
    struct workpool *pool;    /* NULL: a thread per task */
    struct mutex_barging threads_lock;
    struct task_thread *threads; /* started, not yet joined */
};

struct errgroup *errgroup_new(void)
{
    struct errgroup *g = calloc(1, sizeof *g);
    if (!g) {
        errno = ENOMEM;
        return NULL;
    }
    waitgroup_init(&g->wg);
    atomic_init(&g->err, 0);
    mutex_barging_init(&g->threads_lock);
    return g;
}

struct errgroup *errgroup_with_context(struct ctx *parent, struct ctx **ctx_out)
{
    struct errgroup *g = errgroup_new();
    if (!g)
        return NULL;
    g->ctx = ctx_with_cancel(parent);
    if (!g->ctx) {
        free(g);
        return NULL;
    }
    *ctx_out = g->ctx;
    return g;
}

struct ctx *errgroup_ctx(struct errgroup *g) { return g->ctx ? g->ctx : ctx_background(); }

void errgroup_use_pool(struct errgroup *g, struct workpool *pool) { g->pool = pool; }

void errgroup_set_limit(struct errgroup *g, int n)
{
    if (g->sem) {
        size_t active = chan_len(g->sem);
        if (active != 0) {
            char msg[96];
            snprintf(msg, sizeof msg, "errgroup: modify limit while %zu goroutines in the group are still active", active);
            lock_fatal(msg);
        }
        chan_free(g->sem);
        g->sem = NULL;
    }
    if (n >= 0) {
        g->sem = chan_new(0, (size_t)n);
        if (!g->sem)
            lock_fatal("errgroup: out of memory setting a limit");
    }
}

/* ---- running a task ----------------------------------------------------- */

static void task_finish(struct errgroup *g, int err)
{
    int expected = 0;
    /* seq_cst (the default): the first error must be decided once; wait
     * reads it after the WaitGroup's acquire, which already orders it, so
     * nothing weaker would matter for speed here.  x86: LOCK CMPXCHG. */
    if (err && atomic_compare_exchange_strong(&g->err, &expected, err) && g->ctx)
        ctx_cancel_cause(g->ctx, err);
    if (g->sem)
        chan_try_recv(g->sem, NULL); /* give the slot back (it holds our token) */
    waitgroup_done(&g->wg);
}

static void *task_thread_main(void *arg)
{
    struct task_thread *t = arg;
    struct errgroup *g = t->g;
    task_finish(g, t->fn(errgroup_ctx(g), t->arg));
    return NULL;
}

static void pool_job_run(struct ctx *pool_ctx, void *item, void *user)
{
    (void)pool_ctx;
    (void)user;
    struct pool_job *j = item;
    task_finish(j->g, j->fn(errgroup_ctx(j->g), j->arg));
}

struct workpool *errgroup_pool_new(unsigned workers)
{
    struct workpool_opts o = {
        .workers = workers,
        .item_size = sizeof(struct pool_job),
        .capacity = 1024,
        .handle = pool_job_run,
    };
    return workpool_new_spinning(&o);
}

/* Start fn once the caller holds a slot; on failure give everything back. */
static int start_task(struct errgroup *g, errgroup_fn fn, void *arg)
{
    waitgroup_add(&g->wg, 1);
    int rc;
    if (g->pool) {
        struct pool_job j = {g, fn, arg};
        rc = workpool_submit(g->pool, &j, NULL);
    } else {
        struct task_thread *t = malloc(sizeof *t);
        rc = ENOMEM;
        if (t) {
            *t = (struct task_thread){.g = g, .fn = fn, .arg = arg};
            /* Listed before it starts, so wait finds it to join. */
            mutex_barging_lock(&g->threads_lock);
            rc = pthread_create(&t->thread, NULL, task_thread_main, t);
            if (rc == 0) {
                t->next = g->threads;
                g->threads = t;
            }
            mutex_barging_unlock(&g->threads_lock);
            if (rc != 0)
                free(t);
        }
    }
    if (rc != 0) {
        if (g->sem)
            chan_try_recv(g->sem, NULL);
        waitgroup_done(&g->wg);
    }
    return rc;
}

int errgroup_go(struct errgroup *g, errgroup_fn fn, void *arg)
{
    if (g->sem) {
        int rc = chan_send(g->sem, NULL, NULL); /* blocks while the limit is reached */
        if (rc != 0)
            return rc;
    }
    return start_task(g, fn, arg);
}

bool errgroup_try_go(struct errgroup *g, errgroup_fn fn, void *arg)
{
    if (g->sem && chan_try_send(g->sem, NULL) != 0)
        return false;
    return start_task(g, fn, arg) == 0;
}

static void join_threads(struct errgroup *g)
{
    mutex_barging_lock(&g->threads_lock);
    struct task_thread *t = g->threads;
    g->threads = NULL;
    mutex_barging_unlock(&g->threads_lock);
    while (t) {
        struct task_thread *next = t->next;
        pthread_join(t->thread, NULL);
        free(t);
        t = next;
    }
}

/* How long errgroup_wait spins, in pool mode, for the last tasks before it
 * sleeps: a pool worker finishing a short task takes a few microseconds.
 * Thread mode does not spin: its tasks' threads are still starting and
 * need the CPU more than we do. */
#define WAIT_SPIN_NS 20000u

static bool job_of_group(const void *item, void *g)
{
    return ((const struct pool_job *)item)->g == g;
}

/* Caller-runs: rather than sleep while this group's tasks sit in the pool's
 * queue, take them back and run them here (Go's Wait parks, and its P runs
 * the queued goroutines).  Only this group's tasks: another group's task
 * could block us for as long as it likes.  Each keeps the limit slot its
 * errgroup_go took, and gets the group's context as on a worker.  Stops
 * when the pool is being stopped by force (workpool_take_if). */
static void run_own_queued(struct errgroup *g)
{
    struct pool_job j;
    while (waitgroup_count(&g->wg) > 0 && workpool_take_if(g->pool, &j, job_of_group, g) == 0)
        task_finish(g, j.fn(errgroup_ctx(g), j.arg));
}

int errgroup_wait(struct errgroup *g)
{
    if (g->pool)
        run_own_queued(g);
    waitgroup_wait_spin(&g->wg, g->pool ? parker_spin_ns(WAIT_SPIN_NS) : 0);
    join_threads(g);
    if (g->ctx)
        ctx_cancel(g->ctx); /* cause stays the first error if there was one */
    return atomic_load(&g->err);
}

void errgroup_free(struct errgroup *g)
{
    if (!g)
        return;
    errgroup_wait(g);
    chan_free(g->sem);
    if (g->ctx)
        ctx_release(g->ctx);
    free(g);
}
