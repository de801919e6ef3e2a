/* lifecycle.c: lab 01: a stoppable ticker, a tracker shutdown with a deadline, and an errgroup whose workers return errors.
 *
 * Broken on purpose in the handout: ticker_stop, tracker_stop_within and
 * sum_part (see the TODO(lab 01) lines).  The rest is given.
 */
#include "labs/01-thread-lifecycles/lifecycle.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include "labs/toolkit/context.h"
#include "labs/toolkit/errgroup.h"
#include "labs/toolkit/waitgroup.h"

struct ticker {
    pthread_t tid;
    struct ctx *ctx;          /* cancelled to ask the thread to stop */
    struct waitgroup running; /* 1 until the thread's function returns */
    void (*tick)(void *arg);
    void *arg;
    uint64_t period_ns;
    bool joined;              /* only the owner (the caller of stop/free) touches it */
};

static void *ticker_main(void *p)
{
    struct ticker *t = p;
    /* ctx_wait_timeout is both the sleep and the stop check: a cancel wakes
     * the thread at once instead of after the rest of the period. */
    while (ctx_wait_timeout(t->ctx, t->period_ns) == TK_TIMEOUT)
        t->tick(t->arg);
    waitgroup_done(&t->running);
    return NULL;
}

struct ticker *ticker_start(uint64_t period_ns, void (*tick)(void *arg), void *arg)
{
    struct ticker *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    t->ctx = ctx_with_cancel(ctx_background());
    if (!t->ctx) {
        free(t);
        return NULL;
    }
    waitgroup_init(&t->running);
    waitgroup_add(&t->running, 1);
    t->tick = tick;
    t->arg = arg;
    t->period_ns = period_ns;
    int rc = pthread_create(&t->tid, NULL, ticker_main, t);
    if (rc != 0) {
        ctx_close(t->ctx);
        free(t);
        errno = rc;
        return NULL;
    }
    return t;
}

int ticker_stop(struct ticker *t, uint64_t timeout_ns)
{
    /* BEGIN SOLUTION: cancel t->ctx, wait for t->running with a timeout (waitgroup.h), and join only a thread that has ended */
    ctx_cancel(t->ctx);
    int err = waitgroup_wait_timeout(&t->running, timeout_ns);
    if (err)
        return err; /* still inside a tick: joining now could block for ever */
    pthread_join(t->tid, NULL);
    t->joined = true;
    return 0;
    /* END SOLUTION (stub: (void)t; (void)timeout_ns; return ENOSYS;) */
}

void ticker_free(struct ticker *t)
{
    if (!t)
        return;
    if (!t->joined) {
        ctx_cancel(t->ctx);
        pthread_join(t->tid, NULL);
    }
    ctx_close(t->ctx);
    free(t);
}

int tracker_stop_within(struct tracker *t, uint64_t timeout_ns, size_t *dropped)
{
    /* BEGIN SOLUTION: make a context with a timeout (context.h), pass it to tracker_shutdown, and always close it */
    struct ctx *c = ctx_with_timeout(ctx_background(), timeout_ns);
    if (!c)
        return errno;
    int err = tracker_shutdown(t, c, dropped);
    ctx_close(c);
    return err;
    /* END SOLUTION (stub: (void)t; (void)timeout_ns; (void)dropped; return ENOSYS;) */
}

/* One worker's share of the lines. */
struct part {
    const char *const *lines;
    size_t n;
    long sum;
};

/* Parse one line as a whole decimal number: true and *v, or false. */
static bool parse_long(const char *s, long *v)
{
    char *end;
    errno = 0;
    *v = strtol(s, &end, 10);
    return errno == 0 && end != s && *end == '\0';
}

static int sum_part(struct ctx *ctx, void *arg)
{
    struct part *p = arg;
    /* BEGIN SOLUTION: add up p->lines with parse_long; return TK_INVALID on a bad line, ctx_err(ctx) once ctx is done (another worker failed) */
    for (size_t i = 0; i < p->n; i++) {
        if (ctx_done(ctx))
            return ctx_err(ctx); /* someone else failed: stop early */
        long v;
        if (!parse_long(p->lines[i], &v))
            return TK_INVALID; /* the owner decides what a bad line means */
        p->sum += v;
    }
    return 0;
    /* END SOLUTION (stub: (void)ctx; (void)p; (void)parse_long; fprintf(stderr, "sum_part: bad input, giving up\n"); exit(2);) */
}

enum { MAX_WORKERS = 64 };

int sum_lines(const char *const *lines, size_t n, unsigned workers, long *sum)
{
    if (workers == 0 || workers > MAX_WORKERS)
        return TK_INVALID;
    struct part parts[MAX_WORKERS];
    struct ctx *ctx;
    struct errgroup *g = errgroup_with_context(ctx_background(), &ctx);
    if (!g)
        return ENOMEM;
    size_t share = (n + workers - 1) / workers, start = 0;
    int err = 0;
    for (unsigned w = 0; w < workers; w++) {
        size_t len = start + share <= n ? share : n - start;
        parts[w] = (struct part){.lines = lines + start, .n = len};
        start += len;
        if (!err)
            err = errgroup_go(g, sum_part, &parts[w]);
    }
    /* Wait even when a start failed: the tasks already started use parts. */
    int first = errgroup_wait(g);
    errgroup_free(g);
    if (err)
        return err;
    if (first)
        return first;
    long total = 0;
    for (unsigned w = 0; w < workers; w++)
        total += parts[w].sum;
    *sum = total;
    return 0;
}
