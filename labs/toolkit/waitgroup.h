/* waitgroup.h: Go's sync.WaitGroup (Add, Done, Wait), plus a Wait bounded by a context or a timeout.
 *
 * Semantics (Go's): the counter starts at 0; waitgroup_add(wg, n) before
 * starting n tasks, waitgroup_done when each ends, waitgroup_wait blocks
 * until the counter is 0 (at once if it already is).  Any number of threads
 * may wait.  A negative counter is a programmer error and a hard stop, as
 * Go's panic "sync: negative WaitGroup counter".  As in Go, the Adds that
 * start a new round must happen after the previous round's Waits returned.
 *
 * The bounded wait (Go has none; the course builds it by handing wg.Wait to
 * a helper goroutine and selecting on ctx.Done(), which leaves the helper
 * blocked for ever when the context wins): waitgroup_wait_ctx sleeps on one
 * wake-up token queued both on the WaitGroup and on the context, so whichever
 * comes first wakes it and no thread is left behind.  The counter is not
 * touched: the tasks still run and still call Done.
 *
 * Memory: the caller owns the struct (embed it or keep it static); it must
 * outlive every Add, Done and Wait on it.  Nothing is allocated.
 */
#ifndef MEMLAB_TOOLKIT_WAITGROUP_H
#define MEMLAB_TOOLKIT_WAITGROUP_H

#include <stdint.h>

#include "labs/toolkit/context.h"
#include "locks/mutex_barging.h"

struct wg_waiter;

/* word: bits 0-30 the counter, bit 31 WAITERS (some thread is queued on
 * waiters and must be woken when the counter reaches 0). */
struct waitgroup {
    atomic_uint word;
    struct mutex_barging lock; /* guards waiters */
    struct wg_waiter *waiters;
};

#define WAITGROUP_INIT {0, MUTEX_BARGING_INIT, NULL}

void waitgroup_init(struct waitgroup *wg);
/* delta may be negative; the counter must stay within 0 .. 2^31-1. */
void waitgroup_add(struct waitgroup *wg, int delta);
void waitgroup_done(struct waitgroup *wg);
void waitgroup_wait(struct waitgroup *wg);
/* 0 when the counter reached 0, else ctx_err(ctx) when ctx was done first. */
int waitgroup_wait_ctx(struct waitgroup *wg, struct ctx *ctx);
/* 0 when the counter reached 0, TK_TIMEOUT when timeout_ns passed first. */
int waitgroup_wait_timeout(struct waitgroup *wg, uint64_t timeout_ns);
/* The counter now (a snapshot, for tests and reports). */
unsigned waitgroup_count(struct waitgroup *wg);

#endif
