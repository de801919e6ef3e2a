/* cowcfg_hazard.c: copy-on-write config reclaimed by hazard pointers: a reader publishes the one pointer it holds, the writer frees what no reader names.
 *
 * The writer side is cowcfg's (cowcfg.c); a reader's slot holds the address
 * of the version it reads (0 outside a section), and the writer, after its
 * swap, frees every retired version that no slot names (reclaim_some),
 * wherever it sits in the retired list.
 *
 * Reader (cowcfg_hazard_read_lock in cowcfg.h):
 *     p = load(current); loop { slot = p; q = load(current); if q == p done; p = q }
 * The announce, then the re-load, against the writer's swap, then scan, is
 * the store-buffering shape of cowcfg.c with a pointer for a generation:
 * if the scan misses the announce, the re-load must see the swap and the
 * reader retries.  The classic reader pays a full fence (XCHG) per section
 * for it; as in cowcfg, the default moves that cost to the writer, which
 * calls membarrier between its swap and its scan, so the reader's announce is
 * a plain MOV (MEMLAB_COWCFG_NO_MEMBARRIER=1 selects the XCHG, and
 * `make bench` measures both: reclaim/cowcfg_hazard and reclaim/cowcfg_hazard_xchg).
 *
 * Who pays.  The reader: an announce and a second load per section, and a
 * retry when a publish lands in between (rare for a config).  The writer: a
 * scan that compares each retired version with every slot.  What it buys:
 * a stalled reader pins the one version it holds, not every later one, so
 * memory stays bounded without the writer ever waiting for a reader
 * (test_cowcfg: writer_waits_at_the_pending_bound runs through).  The cost
 * of that precision: a section protects one snapshot, so cfg_get inside it
 * returns that one, never a newer one.
 */
#include <stdlib.h>

#include "locks/cowcfg.h"
#include "locks/lock.h"

/* A reader thread's node: the slot the writer scans, and what the current
 * section protects (cfg_get has only the node to find it by). */
struct hazard_node {
    struct cowcfg_slot slot; /* first: the cowcfg's reader list links it */
    const void *held;        /* the protected version, while inside */
    bool inside;
};

static int ops_init(void *l)
{
    cowcfg_init_scheme(l, free, COWCFG_HAZARD);
    return 0;
}
static void ops_destroy(void *l) { cowcfg_destroy(l); }
static void ops_lock(void *l, void *node) { (void)node; cowcfg_write_lock(l); }
static void ops_unlock(void *l, void *node) { (void)node; cowcfg_write_unlock(l); }
static bool ops_trylock(void *l, void *node) { (void)node; return cowcfg_write_trylock(l); }

static void ops_read_lock(void *l, void *node)
{
    struct hazard_node *n = node;
    if (n->inside)
        lock_fatal("cowcfg_hazard: nested read_lock");
    n->held = cowcfg_hazard_read_lock(l, &n->slot);
    n->inside = true;
}

static void ops_read_unlock(void *l, void *node)
{
    struct hazard_node *n = node;
    n->inside = false;
    cowcfg_hazard_read_unlock(l, &n->slot);
}

/* Inside a section: the protected version.  Outside (a writer under the
 * write lock): the current one, which only this writer's unlock can free. */
static const void *ops_cfg_get(void *l, void *node)
{
    struct hazard_node *n = node;
    if (n && n->inside)
        return n->held;
    /* acquire: pairs with the exchange in cowcfg_publish.  x86: MOV. */
    return atomic_load_explicit(&((struct cowcfg *)l)->current, memory_order_acquire);
}

static void ops_thread_enter(void *l, void *node)
{
    struct hazard_node *n = node;
    n->inside = false;
    cowcfg_reader_register(l, &n->slot);
}

static void ops_thread_exit(void *l, void *node)
{
    cowcfg_reader_unregister(l, &((struct hazard_node *)node)->slot);
}

static void ops_cfg_publish(void *l, void *version) { cowcfg_publish(l, version); }

const struct lock_ops cowcfg_hazard_ops = {
    .name = "cowcfg_hazard",
    .summary = "copy-on-write config, hazard pointers: a reader names the version it holds; "
               "the writer frees every version nobody names",
    .kind = LOCK_KIND_CONFIG,
    .flags = LOCK_SLEEPS, /* the writer side is the barging futex mutex */
    .size = sizeof(struct cowcfg),
    .node_size = sizeof(struct hazard_node),
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
