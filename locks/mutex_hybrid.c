/* mutex_hybrid.c: Go's sync.Mutex (1.9+): barging with brief spinning normally, FIFO handoff once a waiter has starved for 1 ms.
 *
 * State word:
 *   bit 0     LOCKED    someone holds the lock
 *   bit 1     WOKEN     one waiter is awake and about to compete for the lock
 *                       (woken by an unlock, or spinning and announced), so
 *                       unlock must not wake a second one
 *   bit 2     STARVING  handoff mode: unlock gives the lock to the head waiter
 *   bits 3-31 waiters   threads that counted themselves in to sleep on sema
 *                       and that no unlock has released yet
 * sema: Go's runtime semaphore in miniature: a token count and a waitq, both
 * behind the waitq's guard.  Acquire takes a stored token or parks (at the
 * tail, or at the head for a re-queued waiter); release hands a token
 * straight to the head waiter, or stores it when nobody is parked yet (a
 * waiter counted in the state word may not have reached sema_acquire).
 *
 * Normal mode: a newcomer takes a free lock with one CAS even when others
 * sleep (barging).  If the lock is held it spins a little (SPIN_ROUNDS rounds
 * of SPIN_PAUSES PAUSEs, only on a multi-CPU machine, only while the lock is
 * held and not starving), hoping the holder is about to leave, which is
 * cheaper than two context switches.  Then it counts itself a waiter and
 * sleeps at the tail.  Unlock wakes one sleeper (and sets WOKEN), but the
 * woken one must compete with running threads and usually loses; it then
 * sleeps again at the head of the queue, since it has waited longest.
 *
 * Starvation mode: a waiter that wakes having waited more than STARVATION_NS
 * sets STARVING in the CAS that re-queues it.  From then on unlock clears
 * LOCKED but hands ownership through sema to the head waiter, and newcomers
 * neither spin nor take the lock but count themselves in and queue at the
 * tail.  The recipient sets LOCKED and uncounts itself in one atomic add,
 * and switches the lock back to normal mode if it is the last waiter or
 * waited less than STARVATION_NS: handoff costs a context switch per
 * acquisition, so it is kept only while someone is really being starved.
 * (Go also yields the unlocker's time slice to the recipient; here the
 * kernel picks a CPU for the woken thread.)
 *
 * Invariants:
 *   STARVING implies waiters >= 1: it is set only by a waiter in the CAS
 *     that counts it in, only while LOCKED is set, and the recipient that
 *     finds itself the last waiter always clears it (as does one that
 *     waited less than STARVATION_NS).
 *   At most one thread owns WOKEN: whoever set it (the unlocker, for the
 *     thread it wakes, or a spinner for itself) is the one that clears it,
 *     in its next CAS, and nobody sets it while it is set.
 *   While a handoff is in flight LOCKED is clear but the lock is owned:
 *     newcomers treat LOCKED or STARVING alike as "taken".
 *   Only a recipient clears STARVING (counting starvation_left); only the
 *     CAS that sets it from clear counts starvation_entered.  So when the
 *     lock is idle the two counters are equal.
 */
#include "locks/mutex_hybrid.h"

#include "locks/lock.h"
#include "locks/sys.h"
#include "locks/waitq.h"

enum {
    LOCKED = 1 << 0,
    WOKEN = 1 << 1,
    STARVING = 1 << 2,
    WAITER_SHIFT = 3,
    ONE_WAITER = 1 << WAITER_SHIFT,
};

enum {
    SPIN_ROUNDS = 4,             /* Go: active_spin */
    SPIN_PAUSES = 30,            /* Go: active_spin_cnt */
    STARVATION_NS = 1000 * 1000, /* Go: starvationThresholdNs, 1 ms */
};

struct hybrid_sema {
    struct waitq q;
    unsigned tokens; /* guarded by q's guard */
};

struct mutex_hybrid {
    atomic_uint state;
    atomic_uintptr_t holder; /* owner check (lock.h) */
    bool multicore; /* written by init only: spinning is pointless on one CPU */
    _Atomic(uint64_t) starvation_entered, starvation_left;
    /* Its own line, so that spinners polling state do not fight sleepers
     * and wakers taking the guard. */
    CACHE_ALIGNED struct hybrid_sema sema;
};

/* ---- the semaphore ------------------------------------------------------- */

/* Tokens are read and written under the guard: the releaser's guard unlock
 * (release) and our guard lock (acquire) order everything the releaser did,
 * such as the critical section of an unlocker handing off, before our use
 * of the token, just as waitq_grant's release does for a parked taker. */
static void sema_acquire(struct hybrid_sema *s, bool at_head)
{
    struct waitq_node me;
    waitq_lock(&s->q);
    if (s->tokens > 0) {
        s->tokens--;
        waitq_unlock(&s->q);
        return;
    }
    if (at_head)
        waitq_push_head(&s->q, &me);
    else
        waitq_push_tail(&s->q, &me);
    waitq_unlock(&s->q);
    waitq_park(&me);
}

static void sema_release(struct hybrid_sema *s)
{
    waitq_lock(&s->q);
    struct waitq_node *next = waitq_pop(&s->q);
    if (!next)
        s->tokens++;
    waitq_unlock(&s->q);
    if (next)
        waitq_grant(next);
}

/* ---- lock ---------------------------------------------------------------- */

/* What one thread's trip through the slow path remembers. */
struct slow_path {
    uint64_t wait_start; /* when we first slept; 0 before that */
    bool starving;       /* we have waited longer than STARVATION_NS */
    bool awoke;          /* we own WOKEN and must clear it in our next CAS */
    int spins;           /* spin rounds since we arrived or last woke */
};

static void count(_Atomic(uint64_t) *counter)
{
    /* relaxed: a statistic that orders nothing and that nothing reads to
     * decide anything; the add is still atomic, so no count is lost when
     * two threads bump it at once.  x86: LOCK ADD. */
    atomic_fetch_add_explicit(counter, 1, memory_order_relaxed);
}

static bool may_spin(const struct mutex_hybrid *m, unsigned old, int spins)
{
    return (old & (LOCKED | STARVING)) == LOCKED && spins < SPIN_ROUNDS && m->multicore;
}

/* One spin round.  First, if sleepers exist and nobody owns WOKEN, claim it:
 * an unlock during our spin then leaves the sleepers alone, since we are
 * there to take the lock. */
static void spin_once(struct mutex_hybrid *m, unsigned old, struct slow_path *s)
{
    /* relaxed: claiming WOKEN takes nothing and publishes nothing; it only
     * has to be atomic with the unlocker's CAS in wake_one.  x86: LOCK CMPXCHG. */
    if (!s->awoke && !(old & WOKEN) && (old >> WAITER_SHIFT) != 0 &&
        atomic_compare_exchange_strong_explicit(&m->state, &old, old | WOKEN,
                                                memory_order_relaxed,
                                                memory_order_relaxed))
        s->awoke = true;
    for (int i = 0; i < SPIN_PAUSES; i++)
        cpu_relax();
    s->spins++;
}

/* The state we try to install given old: take the lock if it is free and
 * not being handed off, otherwise count ourselves in as a waiter. */
static unsigned next_state(unsigned old, const struct slow_path *s)
{
    unsigned next = old;
    if (!(old & STARVING))
        next |= LOCKED; /* in starvation mode newcomers must queue */
    if (old & (LOCKED | STARVING))
        next += ONE_WAITER;
    /* Only while locked: a starving mutex needs a holder whose unlock will
     * hand it on to the waiters. */
    if (s->starving && (old & LOCKED))
        next |= STARVING;
    if (s->awoke) {
        if (!(next & WOKEN))
            lock_fatal("mutex_hybrid: inconsistent state (WOKEN lost)");
        next &= ~(unsigned)WOKEN;
    }
    return next;
}

/* We woke in starvation mode: the unlocker handed us the lock but left
 * LOCKED clear and us counted as a waiter.  Fix both in one add. */
static void take_handoff(struct mutex_hybrid *m, unsigned old, bool starving)
{
    if ((old & (LOCKED | WOKEN)) || (old >> WAITER_SHIFT) == 0)
        lock_fatal("mutex_hybrid: inconsistent state after handoff");
    unsigned delta = (unsigned)LOCKED - (unsigned)ONE_WAITER;
    /* Nobody else can uncount a waiter or clear STARVING now (that takes
     * the lock), so the decision on a stale old errs only on the side of
     * newcomers, which then barge in normal mode. */
    bool leave = !starving || (old >> WAITER_SHIFT) == 1;
    if (leave)
        delta -= (unsigned)STARVING;
    /* relaxed: the grant we woke from (waitq_park's acquire, or the guard
     * for a stored token) already ordered the previous holder's critical
     * section before ours; this add only repairs the word, and being an RMW
     * it keeps our later unlock's release sequence intact.  x86: LOCK XADD. */
    atomic_fetch_add_explicit(&m->state, delta, memory_order_relaxed);
    if (leave)
        count(&m->starvation_left);
}

/* We are counted as a waiter: sleep on sema.  Returns true when we woke
 * owning the lock (a starvation handoff), false when we must compete. */
static bool park(struct mutex_hybrid *m, struct slow_path *s)
{
    bool requeue = s->wait_start != 0;
    if (!requeue)
        s->wait_start = now_ns();
    sema_acquire(&m->sema, requeue); /* re-queued waiters go to the head */
    if (now_ns() - s->wait_start > STARVATION_NS)
        s->starving = true;
    /* relaxed: a snapshot.  If STARVING is set, the token we were given
     * is the lock itself, and only its holder (we) may clear STARVING. */
    unsigned old = atomic_load_explicit(&m->state, memory_order_relaxed);
    if (old & STARVING) {
        take_handoff(m, old, s->starving);
        return true;
    }
    s->awoke = true; /* the unlocker set WOKEN for us */
    s->spins = 0;
    return false;
}

static void hybrid_lock_slow(struct mutex_hybrid *m)
{
    struct slow_path s = {0};
    /* relaxed: every value we act on is re-checked by a CAS. */
    unsigned old = atomic_load_explicit(&m->state, memory_order_relaxed);
    for (;;) {
        if (may_spin(m, old, s.spins)) {
            spin_once(m, old, &s);
            old = atomic_load_explicit(&m->state, memory_order_relaxed);
            continue;
        }
        unsigned next = next_state(old, &s);
        /* acquire on success: when this CAS takes the lock it pairs with the
         * release fetch_sub in hybrid_unlock (when it only counts us in, the
         * acquire is unneeded and free).  relaxed on failure: old is
         * refreshed and we decide again.  x86: LOCK CMPXCHG. */
        if (!atomic_compare_exchange_strong_explicit(&m->state, &old, next,
                                                     memory_order_acquire,
                                                     memory_order_relaxed))
            continue;
        if ((next & STARVING) && !(old & STARVING))
            count(&m->starvation_entered);
        if (!(old & (LOCKED | STARVING)))
            return; /* we set LOCKED on a free lock */
        if (park(m, &s))
            return;
        old = atomic_load_explicit(&m->state, memory_order_relaxed);
    }
}

static void hybrid_lock(void *l, void *node)
{
    (void)node;
    struct mutex_hybrid *m = l;
    unsigned expected = 0;
    /* acquire: pairs with the release fetch_sub in hybrid_unlock.  Only a
     * wholly idle word (no waiters, no flags) takes this path.
     * x86: LOCK CMPXCHG. */
    if (!atomic_compare_exchange_strong_explicit(&m->state, &expected, LOCKED,
                                                 memory_order_acquire, memory_order_relaxed))
        hybrid_lock_slow(m);
    lock_owner_take(&m->holder);
}

static bool hybrid_trylock(void *l, void *node)
{
    (void)node;
    struct mutex_hybrid *m = l;
    /* relaxed: a guess that the CAS re-checks. */
    unsigned old = atomic_load_explicit(&m->state, memory_order_relaxed);
    if (old & (LOCKED | STARVING))
        return false; /* held, or being handed to a waiter */
    /* acquire: pairs with hybrid_unlock, as in hybrid_lock.  x86: LOCK CMPXCHG. */
    if (!atomic_compare_exchange_strong_explicit(&m->state, &old, old | LOCKED,
                                                 memory_order_acquire, memory_order_relaxed))
        return false;
    lock_owner_take(&m->holder);
    return true;
}

/* ---- unlock -------------------------------------------------------------- */

/* Normal mode, lock just released: wake one sleeper, unless nobody sleeps,
 * someone already took the lock (its unlock will wake), someone is already
 * awake to compete, or the lock has just turned starving (then the next
 * unlock hands off, and we are not part of that). */
static void wake_one(struct mutex_hybrid *m, unsigned old)
{
    for (;;) {
        if ((old >> WAITER_SHIFT) == 0 || (old & (LOCKED | WOKEN | STARVING)))
            return;
        /* relaxed: claims the right to wake (uncount one waiter, set WOKEN
         * for it); our critical section was already released by the
         * fetch_sub in hybrid_unlock, and sema_release orders the rest.
         * x86: LOCK CMPXCHG. */
        if (atomic_compare_exchange_strong_explicit(&m->state, &old,
                                                    (old - ONE_WAITER) | WOKEN,
                                                    memory_order_relaxed,
                                                    memory_order_relaxed)) {
            sema_release(&m->sema);
            return;
        }
    }
}

static void hybrid_unlock(void *l, void *node)
{
    (void)node;
    struct mutex_hybrid *m = l;
    lock_owner_drop(&m->holder, "mutex_hybrid");
    /* release: our critical section happens before the next acquirer's CAS
     * (hybrid_lock, hybrid_lock_slow, hybrid_trylock), which reads this
     * value or a later one written by another RMW in its release sequence.
     * x86: LOCK XADD. */
    unsigned now = atomic_fetch_sub_explicit(&m->state, LOCKED, memory_order_release) - LOCKED;
    if (now == 0)
        return; /* nobody waits: the uncontended path */
    if (!((now + LOCKED) & LOCKED))
        lock_fatal("mutex_hybrid: unlock of unlocked mutex");
    if (now & STARVING)
        sema_release(&m->sema); /* hand off: LOCKED stays clear for the recipient */
    else
        wake_one(m, now);
}

/* ---- the rest of the interface ------------------------------------------- */

static int hybrid_init(void *l)
{
    struct mutex_hybrid *m = l;
    atomic_init(&m->state, 0);
    atomic_init(&m->holder, 0);
    m->multicore = online_cpus() > 1;
    atomic_init(&m->starvation_entered, 0);
    atomic_init(&m->starvation_left, 0);
    waitq_init(&m->sema.q);
    m->sema.tokens = 0;
    return 0;
}

static void hybrid_destroy(void *l)
{
    struct mutex_hybrid *m = l;
    waitq_destroy(&m->sema.q);
}

void mutex_hybrid_stats(void *lock, struct mutex_hybrid_stats *out)
{
    struct mutex_hybrid *m = lock;
    /* relaxed, all: a snapshot for people and tests.  A caller that needs
     * final numbers gets its ordering elsewhere (pthread_join of every
     * thread that used the lock). */
    out->starvation_entered = atomic_load_explicit(&m->starvation_entered, memory_order_relaxed);
    out->starvation_left = atomic_load_explicit(&m->starvation_left, memory_order_relaxed);
    unsigned state = atomic_load_explicit(&m->state, memory_order_relaxed);
    out->locked = state & LOCKED;
    out->woken = state & WOKEN;
    out->starving = state & STARVING;
    out->waiters = state >> WAITER_SHIFT;
}

const struct lock_ops mutex_hybrid_ops = {
    .name = "mutex_hybrid",
    .summary = "Go's sync.Mutex: barge and spin normally, FIFO handoff after a waiter starves 1 ms",
    .kind = LOCK_KIND_MUTEX,
    .flags = LOCK_SLEEPS,
    .size = sizeof(struct mutex_hybrid),
    .init = hybrid_init,
    .destroy = hybrid_destroy,
    .lock = hybrid_lock,
    .unlock = hybrid_unlock,
    .trylock = hybrid_trylock,
};
