/* internal.h: entry points the toolkit's modules use on each other (internal to labs/toolkit, not public API).
 *
 * Most exist for the errgroup pool's fast path (errgroup.c): a pool whose
 * idle workers spin briefly and are woken only when no worker is already
 * spinning, and an errgroup_wait that runs its own group's queued tasks
 * itself before it sleeps (Go does both in its scheduler).  ctx_never_done
 * lets a select tell a wait that nothing could ever end.
 */
#ifndef MEMLAB_TOOLKIT_INTERNAL_H
#define MEMLAB_TOOLKIT_INTERNAL_H

#include <stdbool.h>

#include "labs/toolkit/chan.h"
#include "labs/toolkit/waitgroup.h"
#include "labs/toolkit/workpool.h"

typedef bool (*item_match_fn)(const void *item, void *arg);

/* chan.c: remove the oldest queued item for which match(item, arg) is true,
 * copying it to out; the other items keep their order.  A sender blocked on
 * the full ring then gets its item in.  Never blocks: 0 or TK_WOULD_BLOCK. */
int chan_take_if(struct chan *ch, void *out, item_match_fn match, void *arg);

/* workpool.c: a pool as workpool_new makes, but idle workers do not block in
 * the channel: at most one spins for a few microseconds, the others sleep,
 * and a submit wakes a sleeper only when no worker spins (Go's "wakep only
 * if no spinning M").  Items must go in through workpool_submit or
 * workpool_try_submit (a send on workpool_chan would wake nobody), and
 * opts->parent must be NULL (the workers do not watch it).  Every other
 * workpool semantic is unchanged. */
struct workpool *workpool_new_spinning(const struct workpool_opts *opts);
/* chan_take_if on the pool's queue; ctx_err of the pool's context, without
 * taking anything, once the pool is stopping by force. */
int workpool_take_if(struct workpool *p, void *out, item_match_fn match, void *arg);

/* context.c: true when c can never be done: NULL (the toolkit's spelling of
 * ctx_background()), ctx_background, and value contexts with no cancellable
 * ancestor (Go: ctx.Done() == nil).  A blocking call that only such a
 * context could end would wait for ever. */
bool ctx_never_done(struct ctx *c);

/* waitgroup.c: waitgroup_wait, spinning up to spin_ns before it sleeps. */
void waitgroup_wait_spin(struct waitgroup *wg, uint64_t spin_ns);

#endif
