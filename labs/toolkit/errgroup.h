/* errgroup.h: Go's golang.org/x/sync/errgroup in C: run tasks, wait for all, keep the first error, cancel the rest.
 *
 * Semantics (Go's):
 *   - errgroup_go(g, fn, arg) runs fn(ctx, arg) concurrently; errgroup_wait
 *     blocks until every task started so far has returned, and returns the
 *     first non-zero error any of them returned (0 if none).  Later errors
 *     are dropped.
 *   - errgroup_with_context(parent, &ctx): the group's context, a child of
 *     parent, is cancelled (with the error as its cause) by the first task
 *     that fails, so the others can stop; and it is cancelled when
 *     errgroup_wait returns, whatever happened (cause TK_CANCELED then).
 *     Every task receives it as fn's ctx.  A group from errgroup_new has no
 *     context of its own: tasks receive ctx_background().
 *   - errgroup_set_limit(g, n): at most n tasks active at once; n < 0 removes
 *     the limit.  errgroup_go then blocks until a slot frees; errgroup_try_go
 *     returns false instead of blocking (and starts nothing).  A limit of 0
 *     makes go block for ever and try_go always fail, as in Go.  Changing the
 *     limit while any task is active is a programmer error, and a hard stop
 *     with Go's panic message (Go: "errgroup: modify limit while N goroutines
 *     in the group are still active"): a task that finished releases its slot
 *     into whatever limit is current, so a change mid-flight would miscount.
 *   - Two ways to run a task.  Thread per task (the default, like a goroutine
 *     per Go call but with an OS thread's ~20-50 us start-up): errgroup_wait
 *     also joins the threads, so none outlives it.  Or errgroup_use_pool(g,
 *     pool): tasks are queued to a shared pool of worker threads from
 *     errgroup_pool_new, which outlives many groups: that is why pools exist,
 *     and the benchmark compares the two.  In pool mode errgroup_wait runs
 *     its own group's still-queued tasks on the calling thread (never another
 *     group's), as Go's Wait lets its thread run the queued goroutines.
 *   - What differs from Go: starting a task can fail (no thread, no memory,
 *     pool shut down): errgroup_go then returns the error (an errno value, or
 *     TK_CLOSED) and nothing was started; Go cannot fail here.
 *
 * Memory: errgroup_new/with_context allocate the group; errgroup_free frees
 * it after errgroup_wait (it waits and joins first if needed).  The group's
 * context is owned by the group and valid until errgroup_free; ctx_retain it
 * to keep it longer.  A task's arg belongs to the caller: the group never
 * reads or frees it, and it must stay valid until the task has returned
 * (until errgroup_wait returns).  The pool belongs to its creator, who frees
 * it (workpool_free) only after every group using it has waited.
 *
 * Deadlock to avoid: in pool mode, a task that itself calls errgroup_go on
 * the same full pool, or waits for a task queued behind it, can block every
 * worker.  Thread-per-task mode has no such limit.
 */
#ifndef MEMLAB_TOOLKIT_ERRGROUP_H
#define MEMLAB_TOOLKIT_ERRGROUP_H

#include <stdbool.h>

#include "labs/toolkit/context.h"
#include "labs/toolkit/workpool.h"

struct errgroup;

typedef int (*errgroup_fn)(struct ctx *ctx, void *arg);

/* NULL with errno ENOMEM. */
struct errgroup *errgroup_new(void);
/* *ctx_out receives the group's context (owned by the group). */
struct errgroup *errgroup_with_context(struct ctx *parent, struct ctx **ctx_out);
/* The group's context (ctx_background() for errgroup_new groups). */
struct ctx *errgroup_ctx(struct errgroup *g);

/* Run tasks on pool (from errgroup_pool_new) instead of a thread each.  Call
 * before the first errgroup_go. */
void errgroup_use_pool(struct errgroup *g, struct workpool *pool);
/* A worker pool for errgroup tasks, shared by any number of groups; workers
 * 0 means one per CPU.  Free with workpool_free.  NULL with errno set. */
struct workpool *errgroup_pool_new(unsigned workers);

void errgroup_set_limit(struct errgroup *g, int n);
/* 0 when started; else an errno value or TK_CLOSED and nothing started. */
int errgroup_go(struct errgroup *g, errgroup_fn fn, void *arg);
/* true when started; false when the limit is reached (or starting failed). */
bool errgroup_try_go(struct errgroup *g, errgroup_fn fn, void *arg);
/* The first error, or 0. */
int errgroup_wait(struct errgroup *g);
void errgroup_free(struct errgroup *g);

#endif
