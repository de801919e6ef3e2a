/* workpool.c: N threads, each `for item := range jobs { handle(item) }`, plus a stop that can be forced.
 *
 * The worker loop and workpool_shutdown are the worker-pool exercise's
 * solution; the rest is setup.  A worker checks the pool context before each
 * receive because a receive on a ready channel succeeds even when its
 * context is done (chan.h): without the check, a forced stop would still
 * drain the whole queue.
 */
#include "labs/toolkit/workpool.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>

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
};

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

struct workpool *workpool_new(const struct workpool_opts *opts)
{
    struct workpool *p = calloc(1, sizeof *p);
    if (!p) {
        errno = ENOMEM;
        return NULL;
    }
    p->opts = *opts;
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
        int rc = pthread_create(&p->workers[i].thread, NULL, worker_main, &p->workers[i]);
        if (rc != 0) {
            waitgroup_done(&p->running);
            ctx_cancel(p->ctx);
            chan_close(p->jobs);
            join_workers(p, i);
            pool_destroy(p);
            errno = rc;
            return NULL;
        }
    }
    return p;
}

int workpool_submit(struct workpool *p, const void *item, struct ctx *ctx)
{
    return chan_send(p->jobs, item, ctx);
}

int workpool_try_submit(struct workpool *p, const void *item)
{
    return chan_try_send(p->jobs, item);
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
