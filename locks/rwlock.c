/* rwlock.c: futex reader-writer lock, writer-preferring ("rwlock") or reader-preferring ("rwlock_readpref").
 *
 * State word (64 bits: it is not a futex word, so it need not fit in 32):
 *   bits  0..19  readers   readers inside the lock
 *   bits 20..39  rwait     readers registered as waiting
 *   bits 40..59  wwait     writers registered as waiting
 *   bit  63      WRITER    a writer is inside
 * Invariants: WRITER implies readers == 0.  A waiter adds itself to rwait or
 * wwait with the same CAS that confirms it cannot enter, and takes itself off
 * with the CAS that lets it in; nobody else touches those counts.  So they
 * are exact: an unlock that finds both zero knows nobody waits and makes no
 * system call, and waiters() can report them.
 *
 * The preference rule is the one difference between the two entries:
 *   rwlock           writer-preferring.  A reader enters only when !WRITER
 *                    and wwait == 0: once a writer waits, new readers wait
 *                    too, the readers inside drain, and the writer gets in.
 *                    Writer unlock wakes a waiting writer before any reader.
 *                    Cost: a stream of writers keeps wwait > 0 and starves
 *                    readers, and a thread that read-locks twice deadlocks if
 *                    a writer arrives in between (as with Go's RWMutex).
 *   rwlock_readpref  reader-preferring.  A reader enters whenever !WRITER,
 *                    and writer unlock wakes waiting readers first.  Cost:
 *                    readers whose sections overlap keep readers > 0 and a
 *                    waiting writer never gets in (test_rwlock's relay).
 * In both, a writer that finds the lock free takes it ahead of sleeping
 * writers (barging, as in mutex_barging.c), so neither is FIFO.
 *
 * Sleeping.  Readers sleep on reader_seq and writers on writer_seq, so a
 * release wakes only the kind it can admit: every waiting reader (they all
 * enter together) or one writer (only one can).  A seq word counts the wakes
 * sent to it.  The check-then-sleep protocol:
 *   waiter: seq = load seq word (acquire); s = load state;
 *           if it may enter, CAS in; else register in s (CAS) if not yet,
 *           then futex_wait(seq word, seq).
 *   waker:  RMW on state that lets waiters in and sees one registered;
 *           then add 1 to the seq word (release) and futex_wake it.
 * The waker does see the registration: a waiter registers only by a CAS on
 * a state that is closed to it, so the RMW that opens the lock comes later
 * in the state's modification order and reads the count.
 * No lost wake-up: if the waiter's seq load saw the waker's add, release/
 * acquire makes the waker's state change visible to the waiter's later state
 * load, so the waiter would not have decided to sleep.  Otherwise it holds
 * the old seq, and futex_wait, which compares and queues atomically in the
 * kernel, either sees the new value and returns or is queued before the
 * wake.  The seq word wraps after 2^32 wakes; a waiter would have to stall
 * that long between its load and futex_wait to miss one.  (Sleeping on the
 * state word itself would not do: it is 64 bits, and every reader entry
 * changes it, so sleepers would keep failing the kernel's compare.)
 */
#include <limits.h>
#include <stdint.h>

#include "locks/lock.h"
#include "locks/sys.h"

enum { READERS_SHIFT = 0, RWAIT_SHIFT = 20, WWAIT_SHIFT = 40 };
#define FIELD_MAX ((UINT64_C(1) << 20) - 1)
#define WRITER (UINT64_C(1) << 63)

struct rwlock {
    _Atomic uint64_t state;
    atomic_uintptr_t holder; /* owner check of the writer side (lock.h) */
    atomic_uint reader_seq; /* futex word readers sleep on */
    atomic_uint writer_seq; /* futex word writers sleep on */
    bool prefer_writers;    /* set by init, read-only after */
};

static uint64_t field(uint64_t s, int shift) { return (s >> shift) & FIELD_MAX; }
static uint64_t one(int shift) { return UINT64_C(1) << shift; }

static bool reader_may_enter(const struct rwlock *rw, uint64_t s)
{
    if (s & WRITER)
        return false;
    return !rw->prefer_writers || field(s, WWAIT_SHIFT) == 0;
}

static bool writer_may_enter(uint64_t s)
{
    return !(s & WRITER) && field(s, READERS_SHIFT) == 0;
}

/* Wake every sleeping reader: all may enter together. */
static void wake_readers(struct rwlock *rw)
{
    /* release: pairs with the acquire load of reader_seq in read_lock_slow,
     * so a reader that sees this add also sees the state change that came
     * before it.  x86: LOCK XADD. */
    atomic_fetch_add_explicit(&rw->reader_seq, 1, memory_order_release);
    futex_wake(&rw->reader_seq, INT_MAX);
}

/* Wake one sleeping writer: only one can enter.  If another thread barges
 * in first, the woken writer sleeps again and that thread's unlock wakes
 * the next. */
static void wake_writer(struct rwlock *rw)
{
    /* release: pairs with the acquire load of writer_seq in write_lock_slow,
     * as in wake_readers.  x86: LOCK XADD. */
    atomic_fetch_add_explicit(&rw->writer_seq, 1, memory_order_release);
    futex_wake(&rw->writer_seq, 1);
}

/* Add the caller to rwait or wwait if the state is still s (which the caller
 * found closed to it).  relaxed: registering publishes no data; the waker
 * reads it with its own RMW on state, and an RMW always reads the latest
 * value.  x86: LOCK CMPXCHG. */
static bool register_waiter(struct rwlock *rw, uint64_t s, int shift)
{
    if (field(s, shift) == FIELD_MAX)
        lock_fatal("rwlock: too many waiting threads");
    return atomic_compare_exchange_strong_explicit(&rw->state, &s, s + one(shift),
                                                   memory_order_relaxed,
                                                   memory_order_relaxed);
}

/* One attempt to move the state from s to s plus a reader (minus our
 * registration, if any). */
static bool enter_read(struct rwlock *rw, uint64_t s, bool registered)
{
    if (field(s, READERS_SHIFT) == FIELD_MAX)
        lock_fatal("rwlock: too many readers");
    uint64_t next = s + one(READERS_SHIFT) - (registered ? one(RWAIT_SHIFT) : 0);
    /* acquire on success: pairs with the release fetch_sub in rw_unlock, so
     * the last writer's section happens before our reads.  relaxed on
     * failure: the caller re-reads and retries.  x86: LOCK CMPXCHG. */
    return atomic_compare_exchange_strong_explicit(&rw->state, &s, next, memory_order_acquire,
                                                   memory_order_relaxed);
}

static bool enter_write(struct rwlock *rw, uint64_t s, bool registered)
{
    uint64_t next = (s | WRITER) - (registered ? one(WWAIT_SHIFT) : 0);
    /* acquire on success: pairs with the release fetch_sub in rw_unlock and
     * rw_read_unlock.  Each reader's fetch_sub is an RMW, so it continues
     * the release sequences of the readers that left before it: every
     * reader's section happens before ours, not only the last one's.
     * relaxed on failure: the caller retries.  x86: LOCK CMPXCHG. */
    return atomic_compare_exchange_strong_explicit(&rw->state, &s, next, memory_order_acquire,
                                                   memory_order_relaxed);
}

static void read_lock_slow(struct rwlock *rw)
{
    bool registered = false;
    for (;;) {
        /* acquire: pairs with the release add in wake_readers; read before
         * the state, which is what makes check-then-sleep safe (header).
         * x86: MOV. */
        unsigned seq = atomic_load_explicit(&rw->reader_seq, memory_order_acquire);
        /* relaxed: the acquire above keeps this load after it, and the CAS
         * that enters orders the section. */
        uint64_t s = atomic_load_explicit(&rw->state, memory_order_relaxed);
        if (reader_may_enter(rw, s)) {
            if (enter_read(rw, s, registered))
                return;
            continue;
        }
        if (!registered && !register_waiter(rw, s, RWAIT_SHIFT))
            continue; /* the state moved: look again */
        registered = true;
        futex_wait(&rw->reader_seq, seq, 0);
    }
}

static void write_lock_slow(struct rwlock *rw)
{
    bool registered = false;
    for (;;) {
        /* acquire: pairs with the release add in wake_writer, as in
         * read_lock_slow.  x86: MOV. */
        unsigned seq = atomic_load_explicit(&rw->writer_seq, memory_order_acquire);
        /* relaxed: as in read_lock_slow. */
        uint64_t s = atomic_load_explicit(&rw->state, memory_order_relaxed);
        if (writer_may_enter(s)) {
            if (enter_write(rw, s, registered))
                return;
            continue;
        }
        if (!registered && !register_waiter(rw, s, WWAIT_SHIFT))
            continue;
        registered = true;
        futex_wait(&rw->writer_seq, seq, 0);
    }
}

static void rw_read_lock(void *l, void *node)
{
    (void)node;
    struct rwlock *rw = l;
    /* relaxed: a guess that enter_read's CAS checks. */
    uint64_t s = atomic_load_explicit(&rw->state, memory_order_relaxed);
    if (reader_may_enter(rw, s) && enter_read(rw, s, false))
        return; /* the uncontended path: one load, one CAS, no syscall */
    read_lock_slow(rw);
}

static void rw_read_unlock(void *l, void *node)
{
    (void)node;
    struct rwlock *rw = l;
    /* release: our section happens before the next writer's acquire CAS in
     * enter_write.  x86: LOCK XADD. */
    uint64_t old = atomic_fetch_sub_explicit(&rw->state, one(READERS_SHIFT), memory_order_release);
    if (field(old, READERS_SHIFT) == 0)
        lock_fatal("rwlock: read_unlock of a lock no reader holds");
    /* The last reader out lets a writer in.  Readers never wait for readers,
     * so there is nobody else to wake. */
    if (field(old, READERS_SHIFT) == 1 && field(old, WWAIT_SHIFT) != 0)
        wake_writer(rw);
}

static bool try_write(struct rwlock *rw)
{
    /* relaxed: a guess that enter_write's CAS checks. */
    uint64_t s = atomic_load_explicit(&rw->state, memory_order_relaxed);
    while (writer_may_enter(s)) {
        if (enter_write(rw, s, false))
            return true;
        /* relaxed: a fresh guess; the loop ends if a reader or writer got
         * in meanwhile. */
        s = atomic_load_explicit(&rw->state, memory_order_relaxed);
    }
    return false;
}

static bool rw_trylock(void *l, void *node)
{
    (void)node;
    struct rwlock *rw = l;
    if (!try_write(rw))
        return false;
    lock_owner_take(&rw->holder);
    return true;
}

static void rw_lock(void *l, void *node)
{
    (void)node;
    struct rwlock *rw = l;
    if (!try_write(rw)) /* the uncontended path: one load, one CAS, no syscall */
        write_lock_slow(rw);
    lock_owner_take(&rw->holder);
}

static void rw_unlock(void *l, void *node)
{
    (void)node;
    struct rwlock *rw = l;
    lock_owner_drop(&rw->holder, rw->prefer_writers ? "rwlock" : "rwlock_readpref");
    /* release: our section happens before the next acquire CAS in
     * enter_read or enter_write.  x86: LOCK XADD. */
    uint64_t old = atomic_fetch_sub_explicit(&rw->state, WRITER, memory_order_release);
    if (!(old & WRITER))
        lock_fatal("rwlock: unlock of a lock no writer holds");
    bool readers_wait = field(old, RWAIT_SHIFT) != 0;
    bool writers_wait = field(old, WWAIT_SHIFT) != 0;
    /* The preference decides who goes first.  The other kind stays asleep:
     * under writer preference the readers would find wwait > 0 and sleep
     * again; under reader preference the last reader out wakes the writer. */
    if (rw->prefer_writers && writers_wait)
        wake_writer(rw);
    else if (readers_wait)
        wake_readers(rw);
    else if (writers_wait)
        wake_writer(rw);
}

static unsigned rw_waiters(void *l, void *holder_node)
{
    (void)holder_node;
    struct rwlock *rw = l;
    /* A snapshot for tests: threads registered as waiting, of both kinds. */
    uint64_t s = atomic_load(&rw->state);
    return (unsigned)(field(s, RWAIT_SHIFT) + field(s, WWAIT_SHIFT));
}

static void rw_init_common(struct rwlock *rw, bool prefer_writers)
{
    atomic_init(&rw->state, 0);
    atomic_init(&rw->holder, 0);
    atomic_init(&rw->reader_seq, 0);
    atomic_init(&rw->writer_seq, 0);
    rw->prefer_writers = prefer_writers;
}

static int rw_init_writepref(void *l)
{
    rw_init_common(l, true);
    return 0;
}

static int rw_init_readpref(void *l)
{
    rw_init_common(l, false);
    return 0;
}

static void rw_destroy(void *l) { (void)l; }

const struct lock_ops rwlock_ops = {
    .name = "rwlock",
    .summary = "futex rwlock, writer-preferring: a waiting writer holds back new readers",
    .kind = LOCK_KIND_RW,
    .flags = LOCK_SLEEPS,
    .size = sizeof(struct rwlock),
    .init = rw_init_writepref,
    .destroy = rw_destroy,
    .lock = rw_lock,
    .unlock = rw_unlock,
    .trylock = rw_trylock,
    .read_lock = rw_read_lock,
    .read_unlock = rw_read_unlock,
    .waiters = rw_waiters,
};

const struct lock_ops rwlock_readpref_ops = {
    .name = "rwlock_readpref",
    .summary = "futex rwlock, reader-preferring: overlapping readers can starve a writer forever",
    .kind = LOCK_KIND_RW,
    .flags = LOCK_SLEEPS,
    .size = sizeof(struct rwlock),
    .init = rw_init_readpref,
    .destroy = rw_destroy,
    .lock = rw_lock,
    .unlock = rw_unlock,
    .trylock = rw_trylock,
    .read_lock = rw_read_lock,
    .read_unlock = rw_read_unlock,
    .waiters = rw_waiters,
};
