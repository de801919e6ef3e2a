/* cowcfg_qsbr.c: copy-on-write config reclaimed by quiescent states (QSBR): a read is one load, and readers report when they hold nothing.
 *
 * The writer side is cowcfg's (cowcfg.c: one mutex, one atomic swap per
 * publish, a retired list tagged with generations, the pending bound); only
 * what a reader's slot means changes:
 *   slot = 0   offline: the thread holds no version and is not reading;
 *   slot = g   online: at its last quiescent state the thread had seen
 *              generation g, and it may hold any version published since.
 * A version retired with tag T (the gen its publish stored) is freed once
 * every online slot is >= T: the same "tag <= min slot" rule as epochs.
 *
 * Why that is safe.  cowcfg_qsbr_quiescent loads gen with acquire and
 * stores it in the slot with release.  If the writer's scan (acquire) reads
 * g >= T there, the reader's load of gen read the publish's store of T or a
 * later one, so the publish's swap happens before every later load of
 * current by that reader: it can never again get the retired version.  Its
 * earlier reads of it happen before the release store the writer read, so
 * before the free.  If the scan reads an older g, the version stays.  No
 * store is followed by a load that must not pass it, so there is no
 * store-buffering shape: no fence on either side, no membarrier.  (Going
 * from offline to online is the exception: there the thread would announce
 * and then load, the SB shape; cowcfg_qsbr_online does it under the writer
 * mutex instead, which orders it against every publish-and-scan.)
 *
 * Who pays.  The read costs a load, as a bare atomic pointer does.  The
 * reader pays elsewhere: it must call the quiescent operation regularly, at
 * a point where it holds nothing (a server's event loop, once per request);
 * a thread that stays online without reporting (blocked, or just forgetful)
 * holds back every later version, and the writer then waits at
 * COWCFG_MAX_PENDING.  The writer pays in latency: a version is freed only
 * after every reader's next report, not when the last reader leaves it.
 *
 * Through lock_ops: read_lock and read_unlock do nothing; quiescent reports;
 * thread_enter and thread_exit put the thread online and offline.  A writer
 * goes offline while it waits for the mutex (a reader blocked there must not
 * stall the writer that holds it) and reports a quiescent state in unlock,
 * before it frees: what it got from cfg_get is valid until then (lock.h).
 */
#include <stdlib.h>

#include "locks/cowcfg.h"
#include "locks/lock.h"

/* The writer mutex orders this against every publish and scan: no publish
 * can run between our load of gen and our store, and the scan after the next
 * publish reads our store.  relaxed, both: the mutex does the ordering. */
static void online_locked(struct cowcfg *c, struct cowcfg_slot *slot)
{
    atomic_store_explicit(&slot->active, atomic_load_explicit(&c->gen, memory_order_relaxed),
                          memory_order_relaxed);
}

void cowcfg_qsbr_offline(struct cowcfg *c, struct cowcfg_slot *slot)
{
    (void)c;
    /* release: the reads of the versions we held happen before a writer's
     * scan (acquire) reads 0 and frees them.  x86: MOV. */
    atomic_store_explicit(&slot->active, 0, memory_order_release);
}

void cowcfg_qsbr_online(struct cowcfg *c, struct cowcfg_slot *slot)
{
    mutex_barging_lock(&c->writer);
    online_locked(c, slot);
    mutex_barging_unlock(&c->writer);
}

static bool registered(struct cowcfg *c, void *node)
{
    return node && ((struct cowcfg_slot *)node)->owner == c;
}

static int ops_init(void *l)
{
    cowcfg_init_scheme(l, free, COWCFG_QSBR);
    return 0;
}
static void ops_destroy(void *l) { cowcfg_destroy(l); }

static void ops_lock(void *l, void *node)
{
    struct cowcfg *c = l;
    bool online = registered(c, node);
    if (online)
        cowcfg_qsbr_offline(c, node);
    cowcfg_write_lock(c);
    if (online)
        online_locked(c, node);
}

static bool ops_trylock(void *l, void *node)
{
    struct cowcfg *c = l;
    if (!cowcfg_write_trylock(c))
        return false; /* we never waited: the slot may stay as it was */
    if (registered(c, node))
        online_locked(c, node);
    return true;
}

static void ops_unlock(void *l, void *node)
{
    struct cowcfg *c = l;
    if (registered(c, node))
        online_locked(c, node); /* quiescent: we still hold the mutex */
    cowcfg_write_unlock(c);
}

static void ops_read_lock(void *l, void *node) { (void)l; (void)node; }
static void ops_read_unlock(void *l, void *node) { (void)l; (void)node; }
static void ops_quiescent(void *l, void *node) { cowcfg_qsbr_quiescent(l, node); }
static void ops_thread_enter(void *l, void *node) { cowcfg_reader_register(l, node); }
/* Offline first: a writer at COWCFG_MAX_PENDING may be waiting, holding the
 * mutex that unregister takes, for this very slot to move on. */
static void ops_thread_exit(void *l, void *node)
{
    cowcfg_qsbr_offline(l, node);
    cowcfg_reader_unregister(l, node);
}
static const void *ops_cfg_get(void *l, void *node) { (void)node; return cowcfg_qsbr_get(l); }
static void ops_cfg_publish(void *l, void *version) { cowcfg_publish(l, version); }

const struct lock_ops cowcfg_qsbr_ops = {
    .name = "cowcfg_qsbr",
    .summary = "copy-on-write config, QSBR: a read is one load; readers report quiescent "
               "states, old versions freed after every reader's next report",
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
    .quiescent = ops_quiescent,
};
