/* waitgroup.c: a counter word with a waiters bit, and a list of parked waiters.
 *
 * Done/Add touch only the word (one LOCK XADD) unless the counter reaches 0
 * while WAITERS is set; then the lock is taken and every queued waiter is
 * fired.  A waiter sets WAITERS with a CAS that also checks the counter is
 * not 0, and queues itself under the lock: so either its CAS saw the counter
 * at 0 (it returns at once), or the Done that reaches 0 sees WAITERS and
 * then waits for the lock, which the waiter holds until it is queued.
 */
#include "labs/toolkit/waitgroup.h"

#include <stdbool.h>

#include "labs/toolkit/internal.h"
#include "labs/toolkit/parker.h"
#include "locks/lock.h"

#define WAITERS 0x80000000u
#define COUNT_MASK 0x7fffffffu

struct wg_waiter {
    struct parker *park;
    struct wg_waiter *next, *prev; /* under the WaitGroup's lock */
    bool queued;
};

void waitgroup_init(struct waitgroup *wg)
{
    atomic_init(&wg->word, 0);
    mutex_barging_init(&wg->lock);
    wg->waiters = NULL;
}

static void wake_all(struct waitgroup *wg)
{
    mutex_barging_lock(&wg->lock);
    for (struct wg_waiter *w = wg->waiters; w; w = w->next) {
        w->queued = false;
        parker_fire(w->park, 1); /* under the lock: see parker.h */
    }
    wg->waiters = NULL;
    /* relaxed: under the lock, where waiters set the bit again. x86: LOCK AND. */
    atomic_fetch_and_explicit(&wg->word, ~WAITERS, memory_order_relaxed);
    mutex_barging_unlock(&wg->lock);
}

void waitgroup_add(struct waitgroup *wg, int delta)
{
    /* release: the task's writes before Done happen before the waiter's
     * return (pairs with the acquire loads in wait_until); acquire is for
     * the thread that then wakes the waiters.  x86: LOCK XADD. */
    unsigned old = atomic_fetch_add_explicit(&wg->word, (unsigned)delta, memory_order_acq_rel);
    long long count = (long long)(old & COUNT_MASK) + delta;
    if (count < 0)
        lock_fatal("sync: negative WaitGroup counter");
    if (count > (long long)COUNT_MASK)
        lock_fatal("sync: WaitGroup counter overflow");
    if (count == 0 && (old & WAITERS))
        wake_all(wg);
}

void waitgroup_done(struct waitgroup *wg) { waitgroup_add(wg, -1); }

unsigned waitgroup_count(struct waitgroup *wg)
{
    /* relaxed: a snapshot for display. x86: MOV. */
    return atomic_load_explicit(&wg->word, memory_order_relaxed) & COUNT_MASK;
}

static void on_ctx_done(struct ctx_hook *hook);

struct ctx_waiter {
    struct ctx_hook hook; /* first: the hook's address is the waiter's */
    struct parker *park;
};

static void on_ctx_done(struct ctx_hook *hook)
{
    parker_fire(((struct ctx_waiter *)hook)->park, PARKER_CTX);
}

/* Wait for 0, ctx (may be NULL) or deadline (0 = none), spinning up to
 * spin_ns before sleeping.  Returns 0, ctx_err, or TK_TIMEOUT. */
static int wait_until(struct waitgroup *wg, struct ctx *ctx, uint64_t deadline, uint64_t spin_ns)
{
    /* acquire: pairs with the release in waitgroup_add.  x86: MOV. */
    if ((atomic_load_explicit(&wg->word, memory_order_acquire) & COUNT_MASK) == 0)
        return 0; /* the common case for a late waiter: no lock */
    struct parker park;
    struct wg_waiter w = {.park = &park};
    struct ctx_waiter cw = {.park = &park};
    parker_init(&park);

    mutex_barging_lock(&wg->lock);
    /* acquire: pairs with the release in waitgroup_add, so the tasks' work
     * is visible once we see 0.  x86: MOV. */
    unsigned v = atomic_load_explicit(&wg->word, memory_order_acquire);
    for (;;) {
        if ((v & COUNT_MASK) == 0) {
            mutex_barging_unlock(&wg->lock);
            return 0;
        }
        if (v & WAITERS)
            break;
        /* acquire on both: as the load above.  x86: LOCK CMPXCHG. */
        if (atomic_compare_exchange_weak_explicit(&wg->word, &v, v | WAITERS,
                                                  memory_order_acquire, memory_order_acquire))
            break;
    }
    w.queued = true;
    w.prev = NULL;
    w.next = wg->waiters;
    if (wg->waiters)
        wg->waiters->prev = &w;
    wg->waiters = &w;
    mutex_barging_unlock(&wg->lock);

    bool hooked = ctx && ctx_hook_add(ctx, &cw.hook, on_ctx_done);
    if (ctx && !hooked)
        parker_fire(&park, PARKER_CTX); /* already done; no lock needed: nobody else has it yet */
    unsigned why = parker_wait_spin(&park, deadline, spin_ns);

    /* Dequeue from both sources before the stack frame goes (parker.h). */
    if (hooked)
        ctx_hook_remove(&cw.hook);
    mutex_barging_lock(&wg->lock);
    if (w.queued) {
        if (w.prev)
            w.prev->next = w.next;
        else
            wg->waiters = w.next;
        if (w.next)
            w.next->prev = w.prev;
    }
    mutex_barging_unlock(&wg->lock);
    if (why == PARKER_CTX)
        return ctx_err(ctx);
    if (why == PARKER_TIMEOUT)
        return TK_TIMEOUT;
    return 0;
}

void waitgroup_wait(struct waitgroup *wg) { (void)wait_until(wg, NULL, 0, 0); }

void waitgroup_wait_spin(struct waitgroup *wg, uint64_t spin_ns) { (void)wait_until(wg, NULL, 0, spin_ns); }

int waitgroup_wait_ctx(struct waitgroup *wg, struct ctx *ctx) { return wait_until(wg, ctx, 0, 0); }

int waitgroup_wait_timeout(struct waitgroup *wg, uint64_t timeout_ns)
{
    return wait_until(wg, NULL, now_ns() + (timeout_ns ? timeout_ns : 1), 0);
}
