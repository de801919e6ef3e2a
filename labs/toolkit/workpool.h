/* workpool.h: a fixed set of worker threads fed by a channel: Go's "jobs channel plus N consumers" instead of a goroutine per job.
 *
 * Semantics: workpool_new starts `workers` threads; each receives items from
 * the pool's channel (capacity `capacity`; 0 makes every submit a
 * rendezvous with an idle worker) and calls handle(ctx, item, user) on it,
 * one item at a time, in the order they were queued.  workpool_submit
 * blocks while the queue is full (back-pressure) or gives up with
 * ctx_err(ctx); after shutdown has begun it returns TK_CLOSED.
 *
 * Graceful stop, workpool_shutdown(p, ctx, &dropped): intake closes at once
 * (the channel is closed, Go's close(jobs)); the workers drain what is queued
 * and exit; the call returns 0 when they have.  If ctx is done first, the
 * pool's own context (the one handlers receive) is cancelled: each worker
 * finishes or abandons (if its handler honours ctx) its current item and
 * exits without taking another; the items still queued are dropped (passed
 * to drop, counted in *dropped) and the call returns ctx_err(ctx).  Either
 * way, every worker thread has been joined when it returns: no thread
 * outlives shutdown.  A NULL ctx waits for the full drain.  If the parent
 * context given at creation is cancelled, the workers stop the same way
 * (queued items stay until shutdown drops them).
 *
 * Memory: the pool copies each item (item_size bytes) into its channel; the
 * submitter's buffer is free again when submit returns.  An item that owns
 * memory passes that ownership to handle, or to drop if it is never handled
 * (drop may be NULL when items own nothing).  The pool holds a reference on
 * the parent context until workpool_free.  workpool_free shuts down (with
 * no deadline) if that has not been done, then frees everything.
 */
#ifndef MEMLAB_TOOLKIT_WORKPOOL_H
#define MEMLAB_TOOLKIT_WORKPOOL_H

#include <stddef.h>

#include "labs/toolkit/chan.h"
#include "labs/toolkit/context.h"

struct workpool_opts {
    unsigned workers;     /* 0: one per CPU this process may use */
    size_t item_size;
    size_t capacity;      /* the queue's length */
    void (*handle)(struct ctx *ctx, void *item, void *user);
    void (*drop)(void *item, void *user); /* optional */
    void *user;
    struct ctx *parent;   /* optional (NULL: background) */
};

struct workpool;

/* NULL with errno set (ENOMEM, or pthread_create's error). */
struct workpool *workpool_new(const struct workpool_opts *opts);
/* 0, TK_CLOSED (shutting down), or ctx_err(ctx). */
int workpool_submit(struct workpool *p, const void *item, struct ctx *ctx);
/* 0, TK_CLOSED, or TK_WOULD_BLOCK when the queue is full. */
int workpool_try_submit(struct workpool *p, const void *item);
/* The pool's channel, for a select that submits (send) among other cases.
 * Do not close it: use workpool_shutdown. */
struct chan *workpool_chan(struct workpool *p);
/* 0 when drained, or ctx_err(ctx) when stopped early; *dropped (may be NULL)
 * counts items never handled.  Call it once (later calls return 0 at once). */
int workpool_shutdown(struct workpool *p, struct ctx *ctx, size_t *dropped);
void workpool_free(struct workpool *p);
unsigned workpool_workers(struct workpool *p);

#endif
