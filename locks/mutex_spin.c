/* mutex_spin.c: spin-then-park mutex: spin a learned, bounded number of times, then sleep on the futex.
 *
 * Lock word: the barging mutex's futex word (0 unlocked, 1 locked, 2 locked
 * with possible sleepers; see mutex_barging.c), which this lock reuses for
 * its sleeping path, plus spin_estimate, a running average of how many spins
 * recent successful spinners needed.
 *
 * Sleeping costs two system calls and a context switch each way (a few
 * microseconds); a critical section is often shorter than that, so it is
 * cheaper to spin briefly, hoping the holder leaves.  How long is "briefly"?
 * Like glibc's PTHREAD_MUTEX_ADAPTIVE_NP, the limit adapts: at most
 * 2 * estimate + 10 tries, never more than SPIN_MAX, where the estimate moves
 * an eighth of the way toward each new spin count.  Short critical sections
 * teach the lock to spin a little; long ones push it toward the ceiling and
 * then into the kernel.  Spinning is pointless on one CPU (the holder cannot
 * run while we spin), so a single-CPU machine goes straight to sleep.
 */
#include "locks/lock.h"
#include "locks/mutex_barging.h"
#include "locks/sys.h"

enum { SPIN_MAX = 100 }; /* tries, each a relaxed load and a PAUSE */

struct mutex_spin {
    struct mutex_barging inner;
    /* relaxed everywhere: a heuristic shared by all threads; a stale or lost
     * update only changes how long someone spins, never correctness.
     * x86: plain MOVs. */
    atomic_int spin_estimate;
    int multi_cpu;
    atomic_uintptr_t holder; /* owner check (lock.h) */
};

static int spin_init(void *l)
{
    struct mutex_spin *m = l;
    mutex_barging_init(&m->inner);
    atomic_init(&m->spin_estimate, 0);
    m->multi_cpu = online_cpus() > 1;
    atomic_init(&m->holder, 0);
    return 0;
}

static void spin_destroy(void *l) { (void)l; }

/* Spin until the lock is ours or the learned limit runs out. */
static bool spin_for_lock(struct mutex_spin *m)
{
    int estimate = atomic_load_explicit(&m->spin_estimate, memory_order_relaxed);
    int limit = 2 * estimate + 10;
    if (limit > SPIN_MAX)
        limit = SPIN_MAX;
    for (int tries = 1; tries <= limit; tries++) {
        cpu_relax();
        if (mutex_barging_looks_free(&m->inner) && mutex_barging_trylock(&m->inner)) {
            atomic_store_explicit(&m->spin_estimate, estimate + (tries - estimate) / 8,
                                  memory_order_relaxed);
            return true;
        }
    }
    atomic_store_explicit(&m->spin_estimate, estimate + (limit - estimate) / 8,
                          memory_order_relaxed);
    return false;
}

static void spin_lock_inner(struct mutex_spin *m)
{
    if (mutex_barging_trylock(&m->inner))
        return;
    if (m->multi_cpu && spin_for_lock(m))
        return;
    mutex_barging_lock(&m->inner); /* park on the futex */
}

static void spin_lock(void *l, void *node)
{
    (void)node;
    struct mutex_spin *m = l;
    spin_lock_inner(m);
    lock_owner_take(&m->holder);
}

static void spin_unlock(void *l, void *node)
{
    (void)node;
    struct mutex_spin *m = l;
    lock_owner_drop(&m->holder, "mutex_spin");
    mutex_barging_unlock(&m->inner);
}

static bool spin_trylock(void *l, void *node)
{
    (void)node;
    struct mutex_spin *m = l;
    if (!mutex_barging_trylock(&m->inner))
        return false;
    lock_owner_take(&m->holder);
    return true;
}

const struct lock_ops mutex_spin_ops = {
    .name = "mutex_spin",
    .summary = "spin-then-park futex mutex: spins an adaptive, bounded number of times, then sleeps",
    .kind = LOCK_KIND_MUTEX,
    .flags = LOCK_SLEEPS,
    .size = sizeof(struct mutex_spin),
    .init = spin_init,
    .destroy = spin_destroy,
    .lock = spin_lock,
    .unlock = spin_unlock,
    .trylock = spin_trylock,
};
