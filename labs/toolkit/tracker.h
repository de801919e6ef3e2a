/* tracker.h: the course's event Tracker: callers queue events without waiting for them, one run loop processes them, shutdown drains within a deadline.
 *
 * The Go original:
 *     func (t *Tracker) Event(ctx context.Context, data string) error {
 *         select { case t.ch <- data: return nil; case <-ctx.Done(): return ctx.Err() }
 *     }
 *     func (t *Tracker) Run() { for data := range t.ch { process(data) }; close(t.stop) }
 *     func (t *Tracker) Shutdown(ctx context.Context) error {
 *         close(t.ch)
 *         select { case <-t.stop: return nil; case <-ctx.Done(): return ctx.Err() }
 *     }
 * Its lesson: the caller of Event never waits for processing, only (bounded
 * by its own ctx) for room in the queue; and whoever starts Run owns its
 * end.  What the C version adds: when Shutdown's ctx wins, Go's Run goroutine
 * keeps going in the background (a leak the course points out); here
 * shutdown then stops the run loop after the event in hand (handle receives a
 * context that is cancelled at that moment, so a long event can end early)
 * and waits for it, so no thread outlives shutdown, and the events never
 * processed are counted and handed to drop.
 *
 * Semantics:
 *   - tracker_event(t, ctx, item): 0 when queued; ctx_err(ctx) when the
 *     queue stayed full until ctx was done; TK_CLOSED once shutdown began.
 *   - tracker_run(t) processes events in order until shutdown; call it once,
 *     on a thread of your own, or let tracker_start make that thread (joined
 *     by shutdown).
 *   - tracker_shutdown(t, ctx, &dropped): stops intake at once, waits until
 *     run has processed every queued event and returned: 0.  If ctx is done
 *     first: run is stopped as above, the rest is dropped, and it returns
 *     ctx_err(ctx) (TK_DEADLINE_EXCEEDED for a deadline): the "which" the
 *     caller needs.  Returns within one event's handling time after ctx's
 *     deadline when handle honours its ctx.  If run was never started,
 *     shutdown waits for ctx (NULL ctx: that is a hang; do not).
 *
 * Memory: items are copied in (item_size bytes); an item that owns memory
 * passes it to handle, or to drop when never processed.  tracker_free frees
 * the tracker after shutdown (it shuts down without deadline if needed).
 */
#ifndef MEMLAB_TOOLKIT_TRACKER_H
#define MEMLAB_TOOLKIT_TRACKER_H

#include <stddef.h>

#include "labs/toolkit/context.h"

struct tracker_opts {
    size_t item_size;
    size_t capacity; /* queued events before tracker_event waits */
    void (*handle)(struct ctx *ctx, void *item, void *user);
    void (*drop)(void *item, void *user); /* optional */
    void *user;
};

struct tracker;

/* NULL with errno ENOMEM. */
struct tracker *tracker_new(const struct tracker_opts *opts);
int tracker_event(struct tracker *t, struct ctx *ctx, const void *item);
void tracker_run(struct tracker *t);
/* Start tracker_run on a thread the tracker owns: 0 or an errno value. */
int tracker_start(struct tracker *t);
int tracker_shutdown(struct tracker *t, struct ctx *ctx, size_t *dropped);
void tracker_free(struct tracker *t);

#endif
