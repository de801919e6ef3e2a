/* ttas.c: test-and-test-and-set spinlock with bounded exponential backoff.
 *
 * Lock word: held (atomic_bool).  false = free, true = held.
 * Invariant: held is true exactly while some thread is between lock and unlock.
 *
 * Waiters spin on a plain load, which hits their own cached copy of the line
 * in shared state and costs the holder nothing; only when the lock looks free
 * do they try the exchange.  When the exchange fails (another waiter got there
 * first) a waiter backs off for a random time drawn from a window that doubles
 * on every failure, from BACKOFF_MIN to BACKOFF_MAX pauses, so that a release
 * does not start a stampede of exchanges on one line.
 */
#include "locks/lock.h"
#include "locks/sys.h"

enum { BACKOFF_MIN = 4, BACKOFF_MAX = 1024 }; /* in PAUSE instructions */

struct ttas {
    atomic_bool held;
    atomic_uintptr_t holder; /* owner check (lock.h) */
};

static int ttas_init(void *l)
{
    struct ttas *t = l;
    atomic_init(&t->held, false);
    atomic_init(&t->holder, 0);
    return 0;
}

static bool ttas_trylock(void *l, void *node)
{
    (void)node;
    struct ttas *t = l;
    /* acquire: pairs with the release store in ttas_unlock.  x86: XCHG. */
    if (atomic_exchange_explicit(&t->held, true, memory_order_acquire))
        return false;
    lock_owner_take(&t->holder);
    return true;
}

static void ttas_lock(void *l, void *node)
{
    struct ttas *t = l;
    uint64_t rng = (uint64_t)(uintptr_t)&rng | 1; /* differs per thread: it is a stack address */
    unsigned window = BACKOFF_MIN;
    for (;;) {
        /* relaxed: only a hint that the lock might be free; the exchange
         * in ttas_trylock is what orders the critical section.  x86: MOV. */
        while (atomic_load_explicit(&t->held, memory_order_relaxed))
            cpu_relax();
        if (ttas_trylock(l, node))
            return;
        for (unsigned n = (unsigned)(xorshift64(&rng) % window) + 1; n; n--)
            cpu_relax();
        if (window < BACKOFF_MAX)
            window *= 2;
    }
}

static void ttas_unlock(void *l, void *node)
{
    (void)node;
    struct ttas *t = l;
    lock_owner_drop(&t->holder, "ttas");
    /* release: pairs with the acquire exchange in ttas_trylock.  x86: MOV. */
    atomic_store_explicit(&t->held, false, memory_order_release);
}

static void ttas_destroy(void *l) { (void)l; }

const struct lock_ops ttas_ops = {
    .name = "ttas",
    .summary = "test-and-test-and-set spinlock with bounded exponential backoff",
    .kind = LOCK_KIND_MUTEX,
    .size = sizeof(struct ttas),
    .init = ttas_init,
    .destroy = ttas_destroy,
    .lock = ttas_lock,
    .unlock = ttas_unlock,
    .trylock = ttas_trylock,
};
