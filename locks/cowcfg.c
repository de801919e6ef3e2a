/* cowcfg.c: copy-on-write config: readers load one pointer and never block; old versions are freed by epochs.
 *
 * State (struct cowcfg in cowcfg.h):
 *   current  the published version (NULL before the first publish).
 *   gen      generation: 1 at init, +1 after every publish's swap.  64 bits
 *            never wrap (a billion publishes a second for 584 years).
 *   slot     per reader thread: 0 outside a read section, else the gen the
 *            reader read on entry.
 *   retired  versions swapped out, oldest first, each tagged with the gen its
 *            publish moved to (tags strictly increase along the list).
 * Invariants: only a writer holding the mutex changes current, gen, the
 * slot list and the retired list; a version is in exactly one place: current,
 * the retired list, or freed.
 *
 * Reader:  g = load(gen); slot = g (seq_cst); v = load(current) (seq_cst);
 *          ... use v ...; slot = 0 (release).
 * Writer:  old = exchange(current, new); gen = T; retire old with tag T;
 *          and at write_unlock free every retired version whose
 *          tag <= min(nonzero slot values).
 *
 * Why "tag <= min" is safe.  Claim: a reader whose slot says g can hold a
 * retired version v only if g < tag(v).  The publish that retired v swapped
 * it out of current and then stored gen = tag(v) with release.  If the
 * reader's acquire load of gen returned tag(v) or more, that swap happens
 * before the reader's load of current, which then returns the swap's new
 * version or a later one, never v.  So a reader holding v read g <= tag(v) - 1.
 * Contrapositive: when tag(v) <= every nonzero slot value, no reader inside
 * a section holds v.  A slot the scan reads as 0 belongs to a reader that is
 * outside; if it enters after the scan, its load of current comes after the
 * swap (the store-buffering argument below), so it gets a newer version, not
 * v.  The comparison is <=, not <: a reader that announced exactly tag(v)
 * read the gen stored after v was swapped out.  A reader that read gen
 * long ago and announces it late only looks older than it is: it holds back
 * more versions, never fewer.  (With a 1-bit phase instead of a full counter
 * that stale announcement could look newer, which is why liburcu's classic
 * flavour flips the phase twice per grace period; the 64-bit gen avoids it.)
 *
 * The store-buffering (SB) shape.  The reader stores its slot and then loads
 * current; the writer stores current and then loads the slot.  If either
 * side's store could sit in its core's store buffer while its load ran, both
 * loads could return old values: the reader gets the old version while the
 * writer sees slot == 0 and frees it (use after free).  x86-TSO allows that
 * outcome (litmus test SB) unless a full fence separates each store from its
 * load.  Both stores are therefore seq_cst and locked instructions (XCHG),
 * which drain the store buffer; in C11 terms all four accesses are seq_cst,
 * so one total order contains them and the two stale loads cannot both
 * happen.  That is liburcu's "mb" flavour, and our fallback.
 *
 * The asymmetric fence (the default when the kernel allows it).  Readers
 * are many and fast, writers rare and slow, so move the whole cost to the
 * writer, as liburcu's "memb" flavour does: the reader's announce becomes a
 * plain MOV, and the writer, after its swap and before its slot scan, calls
 * membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED), which interrupts every CPU
 * running one of our threads and makes it execute a full barrier before the
 * call returns.  Each reader is thereby split at some instant: its accesses
 * before it are visible to the scan (the writer sees the announce), and its
 * accesses after it see the swap (the reader loads the new version).  Either
 * way no reader holds a version the scan lets us free.  C11 cannot express
 * this; it is the kernel's documented guarantee, and the reader still needs
 * a compiler barrier (atomic_signal_fence) so the compiler keeps the announce
 * before the load of current.  The reader pays nothing beyond its own
 * cache line; each write_unlock pays one system call (a few microseconds).
 *
 * Epochs beside QSBR and hazard pointers (the other two schemes share this
 * writer side: cowcfg_qsbr.c, cowcfg_hazard.c; notes/sync.md compares them).
 *  - QSBR: a read costs nothing but the load, and every reader thread must
 *    report quiescent states on its own; an idle or blocked reader that
 *    forgets to go offline stalls reclamation.  Epochs need no such duty:
 *    read_unlock itself says "outside".
 *  - Hazard pointers: a reader publishes the exact pointer it holds, then
 *    re-loads current to check it did not change (a retry loop), with the
 *    same store-load fence.  A stalled reader pins one version instead of all
 *    later ones, so memory is bounded without ever waiting; the writer
 *    compares pointers instead of numbers.  The epoch reader has no retry
 *    loop and lets a section call cowcfg_get more than once.
 * The epoch price: one reader parked inside a section holds back every
 * version retired after it entered.  Reclamation is FIFO (tags increase along
 * the list), and write_unlock waits, yielding, when more than
 * COWCFG_MAX_PENDING versions would stay pending, so memory stays bounded.
 *
 * Frees happen only in write_unlock (and destroy), never in publish, so a
 * writer may keep using what cowcfg_get returned until it unlocks, as lock.h
 * promises.
 */
#include "locks/cowcfg.h"

#include <linux/membarrier.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "locks/lock.h"

/* One retired version.  Allocated by publish, freed with its version. */
struct cowcfg_retired {
    struct cowcfg_retired *next; /* the next newer one */
    void *version;
    uint64_t tag; /* the gen the retiring publish stored */
};

/* Counters are read by other threads while a writer runs (tests poll them),
 * so they are atomic; written only under the writer mutex (sys.h,
 * single_writer_add). */
static void counter_inc(atomic_uint_least64_t *counter) { single_writer_add(counter, 1); }

static void counter_dec(atomic_uint_least64_t *counter) { single_writer_add(counter, -1); }

static bool membarrier_ok;

/* Registration is per process and must precede the first expedited call. */
static void membarrier_register(void)
{
    membarrier_ok =
        syscall(SYS_membarrier, MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0, 0) == 0;
}

/* The writer's half of the asymmetric fence: see the header. */
static void membarrier_all_readers(void)
{
    if (syscall(SYS_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0) != 0)
        lock_fatal("cowcfg: membarrier failed after registering");
}

void cowcfg_init(struct cowcfg *c, void (*free_fn)(void *version))
{
    cowcfg_init_scheme(c, free_fn, COWCFG_EPOCH);
}

void cowcfg_init_scheme(struct cowcfg *c, void (*free_fn)(void *version),
                        enum cowcfg_scheme scheme)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, membarrier_register);
    c->asymmetric = membarrier_ok && !getenv("MEMLAB_COWCFG_NO_MEMBARRIER");
    c->scheme = scheme;
    atomic_init(&c->current, NULL);
    atomic_init(&c->gen, 1);
    c->writer = (struct mutex_barging)MUTEX_BARGING_INIT;
    atomic_init(&c->writer_thread, 0);
    c->readers = NULL;
    c->oldest = c->newest = NULL;
    c->free_fn = free_fn ? free_fn : free;
    atomic_init(&c->published, 0);
    atomic_init(&c->freed, 0);
    atomic_init(&c->pending, 0);
}

/* ---- readers --------------------------------------------------------------- */

void cowcfg_reader_register(struct cowcfg *c, struct cowcfg_slot *slot)
{
    mutex_barging_lock(&c->writer);
    for (struct cowcfg_slot *s = c->readers; s; s = s->next)
        if (s == slot)
            lock_fatal("cowcfg: slot registered twice");
    /* relaxed: the slot is not in the list yet; the mutex unlock below
     * publishes it to the writers that will scan it.  A QSBR reader starts
     * online, quiescent as of now: with the mutex held no publish can run,
     * so every version it can load is current or newer (cowcfg_qsbr.c). */
    uint64_t start = c->scheme == COWCFG_QSBR
                         ? atomic_load_explicit(&c->gen, memory_order_relaxed) /* writers' mutex */
                         : 0;
    atomic_store_explicit(&slot->active, start, memory_order_relaxed);
    slot->owner = c;
    slot->next = c->readers;
    c->readers = slot;
    mutex_barging_unlock(&c->writer);
}

void cowcfg_reader_unregister(struct cowcfg *c, struct cowcfg_slot *slot)
{
    if (slot->owner != c)
        lock_fatal("cowcfg: unregister of a slot that is not registered");
    /* relaxed: only this thread writes its slot.  (A QSBR slot is never 0
     * while registered: being online is not a section.) */
    if (c->scheme != COWCFG_QSBR && atomic_load_explicit(&slot->active, memory_order_relaxed) != 0)
        lock_fatal("cowcfg: unregister inside a read section");
    mutex_barging_lock(&c->writer);
    struct cowcfg_slot **link = &c->readers;
    while (*link != slot)
        link = &(*link)->next;
    *link = slot->next;
    slot->owner = NULL;
    mutex_barging_unlock(&c->writer);
}

_Noreturn void cowcfg_misuse(struct cowcfg *c, struct cowcfg_slot *slot)
{
    if (slot->owner != c)
        lock_fatal("cowcfg: read_lock on a slot that is not registered");
    lock_fatal("cowcfg: nested read_lock");
}

/* ---- writers --------------------------------------------------------------- */

void cowcfg_write_lock(struct cowcfg *c)
{
    mutex_barging_lock(&c->writer);
    /* relaxed: the owner check (lock.h, lock_owner_take); the mutex orders it. */
    atomic_store_explicit(&c->writer_thread, lock_self(), memory_order_relaxed);
}

bool cowcfg_write_trylock(struct cowcfg *c)
{
    if (!mutex_barging_trylock(&c->writer))
        return false;
    atomic_store_explicit(&c->writer_thread, lock_self(), memory_order_relaxed); /* as above */
    return true;
}

void cowcfg_publish(struct cowcfg *c, void *version)
{
    /* relaxed: see cowcfg_write_lock; only the holder can read itself here. */
    if (atomic_load_explicit(&c->writer_thread, memory_order_relaxed) != lock_self())
        lock_fatal("cowcfg: publish without the write lock");
    if (!version)
        lock_fatal("cowcfg: publish of NULL"); /* as Go's atomic.Value.Store(nil) panics */
    /* seq_cst: the store half of the writer's SB shape, before the slot scan
     * in reclaim_some; its release half publishes the version's contents to
     * cowcfg_get.  x86: XCHG. */
    void *old = atomic_exchange_explicit(&c->current, version, memory_order_seq_cst);
    /* relaxed: only writers change gen, and we hold the mutex. */
    uint64_t tag = atomic_load_explicit(&c->gen, memory_order_relaxed) + 1;
    /* release: the swap above happens before any reader that reads this gen
     * (acquire in cowcfg_read_lock) loads current.  x86: MOV. */
    atomic_store_explicit(&c->gen, tag, memory_order_release);
    counter_inc(&c->published);
    if (!old)
        return; /* the first publish replaces nothing */
    struct cowcfg_retired *r = xaligned_alloc(sizeof *r);
    *r = (struct cowcfg_retired){.version = old, .tag = tag};
    if (c->newest)
        c->newest->next = r;
    else
        c->oldest = r;
    c->newest = r;
    counter_inc(&c->pending);
}

/* The oldest generation a reader inside a section (epochs) or online
 * (QSBR) may still hold versions from, or UINT64_MAX when there is none.
 * QSBR needs no membarrier: its slots are written with release after an
 * acquire load of gen (cowcfg_qsbr_quiescent), never announced ahead of a
 * load the way an epoch reader's are, so there is no SB shape to split. */
static uint64_t oldest_reader(struct cowcfg *c)
{
    if (c->asymmetric && c->scheme == COWCFG_EPOCH)
        membarrier_all_readers(); /* the swap is done: split every reader */
    uint64_t min = UINT64_MAX;
    for (struct cowcfg_slot *s = c->readers; s; s = s->next) {
        /* seq_cst: the load half of the writer's SB shape, after the exchange
         * in cowcfg_publish.  Also acquires: reading a reader's 0 (release in
         * cowcfg_read_unlock) or later announce orders its reads of old
         * versions before our free.  x86: MOV. */
        uint64_t g = atomic_load_explicit(&s->active, memory_order_seq_cst);
        if (g != 0 && g < min)
            min = g;
    }
    return min;
}

/* Unlink r (whose predecessor is prev, NULL for the oldest) and free it. */
static void free_retired(struct cowcfg *c, struct cowcfg_retired *prev, struct cowcfg_retired *r)
{
    if (prev)
        prev->next = r->next;
    else
        c->oldest = r->next;
    if (c->newest == r)
        c->newest = prev;
    c->free_fn(r->version);
    free(r);
    counter_inc(&c->freed);
    counter_dec(&c->pending);
}

static void free_oldest(struct cowcfg *c) { free_retired(c, NULL, c->oldest); }

/* Hazard pointers: true when some reader's slot holds version.  The scan
 * follows the writer's swap (seq_cst exchange, or membarrier when readers
 * announce with a MOV): the SB argument of the header, with a pointer in
 * place of a generation. */
static bool hazarded(struct cowcfg *c, const void *version)
{
    for (struct cowcfg_slot *s = c->readers; s; s = s->next)
        /* seq_cst: the load half of the SB shape; also acquires the
         * reader's release of 0 in cowcfg_hazard_read_unlock.  x86: MOV. */
        if (atomic_load_explicit(&s->active, memory_order_seq_cst) == (uintptr_t)version)
            return true;
    return false;
}

/* Free every retired version no reader can hold.  Epochs and QSBR: tag <=
 * min slot (the claim in the header); tags increase along the list, so stop
 * at the first one still held.  Hazard pointers: every version no slot
 * names, wherever it is in the list (a stalled reader pins one version,
 * not all later ones). */
static void reclaim_some(struct cowcfg *c)
{
    if (!c->oldest)
        return;
    if (c->scheme == COWCFG_HAZARD) {
        if (c->asymmetric)
            membarrier_all_readers();
        struct cowcfg_retired *prev = NULL, *r = c->oldest;
        while (r) {
            struct cowcfg_retired *next = r->next;
            if (hazarded(c, r->version))
                prev = r;
            else
                free_retired(c, prev, r);
            r = next;
        }
        return;
    }
    uint64_t min = oldest_reader(c);
    while (c->oldest && c->oldest->tag <= min)
        free_oldest(c);
}

void cowcfg_write_unlock(struct cowcfg *c)
{
    /* relaxed: as in cowcfg_publish.  Checked before reclaiming: a thread
     * that does not hold the lock must not walk the retired list. */
    uintptr_t who = atomic_load_explicit(&c->writer_thread, memory_order_relaxed);
    if (who != lock_self())
        lock_owner_fatal("cowcfg", who);
    reclaim_some(c);
    /* The bound.  Readers never block, so unless one is parked in its
     * section (or is this thread: see cowcfg.h), this ends once they move on.
     * relaxed: we are the only writer of pending. */
    while (atomic_load_explicit(&c->pending, memory_order_relaxed) > COWCFG_MAX_PENDING) {
        sched_yield();
        reclaim_some(c);
    }
    atomic_store_explicit(&c->writer_thread, 0, memory_order_relaxed); /* as above */
    mutex_barging_unlock(&c->writer);
}

struct cowcfg_stats cowcfg_stats(struct cowcfg *c)
{
    /* relaxed: reporting only, see counter_inc. */
    return (struct cowcfg_stats){
        .published = atomic_load_explicit(&c->published, memory_order_relaxed),
        .freed = atomic_load_explicit(&c->freed, memory_order_relaxed),
        .pending = atomic_load_explicit(&c->pending, memory_order_relaxed),
    };
}

void cowcfg_destroy(struct cowcfg *c)
{
    if (c->readers)
        lock_fatal("cowcfg: destroy with readers still registered");
    while (c->oldest)
        free_oldest(c);
    /* relaxed: destroy runs after every other user is gone (joined). */
    void *last = atomic_load_explicit(&c->current, memory_order_relaxed);
    if (last) {
        c->free_fn(last);
        counter_inc(&c->freed);
        atomic_store_explicit(&c->current, NULL, memory_order_relaxed);
    }
}

/* ---- the registry adapter: versions are malloc'd and freed with free() ------ */

static int ops_init(void *l)
{
    cowcfg_init(l, free);
    return 0;
}
static void ops_destroy(void *l) { cowcfg_destroy(l); }
static void ops_lock(void *l, void *node) { (void)node; cowcfg_write_lock(l); }
static void ops_unlock(void *l, void *node) { (void)node; cowcfg_write_unlock(l); }
static bool ops_trylock(void *l, void *node) { (void)node; return cowcfg_write_trylock(l); }
static void ops_read_lock(void *l, void *node) { cowcfg_read_lock(l, node); }
static void ops_read_unlock(void *l, void *node) { cowcfg_read_unlock(l, node); }
static void ops_thread_enter(void *l, void *node) { cowcfg_reader_register(l, node); }
static void ops_thread_exit(void *l, void *node) { cowcfg_reader_unregister(l, node); }
static const void *ops_cfg_get(void *l, void *node) { (void)node; return cowcfg_get(l); }
static void ops_cfg_publish(void *l, void *version) { cowcfg_publish(l, version); }

const struct lock_ops cowcfg_ops = {
    .name = "cowcfg",
    .summary = "copy-on-write config: readers announce an epoch and load one pointer, never "
               "block; old versions freed by epoch",
    .kind = LOCK_KIND_CONFIG,
    .flags = LOCK_SLEEPS, /* the writer side is the barging futex mutex */
    .size = sizeof(struct cowcfg),
    .node_size = sizeof(struct cowcfg_slot),
    .init = ops_init,
    .destroy = ops_destroy,
    .lock = ops_lock,
    .unlock = ops_unlock,
    .trylock = ops_trylock,
    .read_lock = ops_read_lock,
    .read_unlock = ops_read_unlock,
    .thread_enter = ops_thread_enter,
    .thread_exit = ops_thread_exit,
    .cfg_get = ops_cfg_get,
    .cfg_publish = ops_cfg_publish,
};
