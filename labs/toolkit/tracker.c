/* tracker.c: a channel, a run loop, a WaitGroup that says "run returned", and a context to stop it early. */
#include "labs/toolkit/tracker.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>

#include "labs/toolkit/chan.h"
#include "labs/toolkit/waitgroup.h"

struct tracker {
    struct tracker_opts opts;
    struct chan *ch;
    struct ctx *run_ctx;     /* handed to handle; cancelled to stop run early */
    struct waitgroup running; /* 1 until run returns */
    void *item;              /* run's receive buffer (run runs once) */
    void *drain_item;        /* shutdown's, for dropping what is left */
    atomic_bool run_entered; /* run has begun: shutdown may wait for it */
    pthread_t thread;
    bool started, shut;      /* owned by the thread calling start/shutdown */
};

struct tracker *tracker_new(const struct tracker_opts *opts)
{
    struct tracker *t = calloc(1, sizeof *t);
    if (!t) {
        errno = ENOMEM;
        return NULL;
    }
    t->opts = *opts;
    t->ch = chan_new(opts->item_size, opts->capacity);
    t->run_ctx = ctx_with_cancel(ctx_background());
    t->item = malloc(opts->item_size ? opts->item_size : 1);
    t->drain_item = malloc(opts->item_size ? opts->item_size : 1);
    atomic_init(&t->run_entered, false);
    if (!t->ch || !t->run_ctx || !t->item || !t->drain_item) {
        free(t->drain_item);
        chan_free(t->ch);
        if (t->run_ctx)
            ctx_close(t->run_ctx);
        free(t->item);
        free(t);
        errno = ENOMEM;
        return NULL;
    }
    waitgroup_init(&t->running);
    waitgroup_add(&t->running, 1);
    return t;
}

int tracker_event(struct tracker *t, struct ctx *ctx, const void *item)
{
    return chan_send(t->ch, item, ctx);
}

void tracker_run(struct tracker *t)
{
    atomic_store(&t->run_entered, true); /* seq_cst: read by shutdown; rare */
    /* Check before each receive: a ready receive succeeds even when run_ctx
     * is done, and a stopped run must not take another event. */
    while (!ctx_done(t->run_ctx) && chan_recv(t->ch, t->item, t->run_ctx) == 0)
        t->opts.handle(t->run_ctx, t->item, t->opts.user);
    waitgroup_done(&t->running);
}

static void *run_thread(void *arg)
{
    tracker_run(arg);
    return NULL;
}

int tracker_start(struct tracker *t)
{
    int rc = pthread_create(&t->thread, NULL, run_thread, t);
    t->started = rc == 0;
    return rc;
}

int tracker_shutdown(struct tracker *t, struct ctx *ctx, size_t *dropped)
{
    if (dropped)
        *dropped = 0;
    if (t->shut)
        return 0;
    t->shut = true;
    chan_close(t->ch); /* intake stops: tracker_event now returns TK_CLOSED */
    int err = ctx ? waitgroup_wait_ctx(&t->running, ctx) : (waitgroup_wait(&t->running), 0);
    if (err) {
        ctx_cancel(t->run_ctx);
        /* A run that has begun stops after the event in hand (its handler
         * sees run_ctx done); wait for that.  A run never begun returns at
         * once if it is ever called. */
        if (t->started || atomic_load(&t->run_entered))
            waitgroup_wait(&t->running);
    }
    if (t->started)
        pthread_join(t->thread, NULL);
    size_t n = 0;
    while (err && chan_try_recv(t->ch, t->drain_item) == 0) {
        if (t->opts.drop)
            t->opts.drop(t->drain_item, t->opts.user);
        n++;
    }
    if (dropped)
        *dropped = n;
    return err;
}

void tracker_free(struct tracker *t)
{
    if (!t)
        return;
    tracker_shutdown(t, NULL, NULL);
    chan_free(t->ch);
    ctx_close(t->run_ctx);
    free(t->item);
    free(t->drain_item);
    free(t);
}
