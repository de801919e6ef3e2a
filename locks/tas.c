/* tas.c: test-and-set spinlock, the simplest lock there is and the worst under contention.
 *
 * Lock word: held (atomic_bool).  false = free, true = held.
 * Invariant: held is true exactly while some thread is between lock and unlock.
 *
 * Every waiter hammers the line with an atomic exchange (a locked XCHG on x86),
 * so each attempt pulls the cache line over in exclusive state, even while the
 * lock is plainly held.  ttas.c fixes that; compare the two in `make bench`.
 */
#include "locks/lock.h"
#include "locks/sys.h"

struct tas {
    atomic_bool held;
    atomic_uintptr_t holder; /* owner check (lock.h) */
};

static int tas_init(void *l)
{
    struct tas *t = l;
    atomic_init(&t->held, false);
    atomic_init(&t->holder, 0);
    return 0;
}

static bool tas_trylock(void *l, void *node)
{
    (void)node;
    struct tas *t = l;
    /* acquire: the critical section's accesses may not move above this
     * exchange; pairs with the release store in tas_unlock.  x86: XCHG. */
    if (atomic_exchange_explicit(&t->held, true, memory_order_acquire))
        return false;
    lock_owner_take(&t->holder);
    return true;
}

static void tas_lock(void *l, void *node)
{
    while (!tas_trylock(l, node))
        cpu_relax();
}

static void tas_unlock(void *l, void *node)
{
    (void)node;
    struct tas *t = l;
    lock_owner_drop(&t->holder, "tas");
    /* release: the critical section's accesses may not move below this
     * store; pairs with the acquire exchange in tas_trylock.  x86: plain MOV
     * (TSO already keeps earlier loads and stores before a store). */
    atomic_store_explicit(&t->held, false, memory_order_release);
}

static void tas_destroy(void *l) { (void)l; }

const struct lock_ops tas_ops = {
    .name = "tas",
    .summary = "test-and-set spinlock: every waiter spins on an atomic exchange",
    .kind = LOCK_KIND_MUTEX,
    .size = sizeof(struct tas),
    .init = tas_init,
    .destroy = tas_destroy,
    .lock = tas_lock,
    .unlock = tas_unlock,
    .trylock = tas_trylock,
};
