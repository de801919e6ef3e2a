/* owner_check.c: what the owner check (lock.h, lock_owner_take/drop) costs on the uncontended fast path: each lock with and without it, in the same run.
 *
 * lockbench links the lock library built without the check
 * (MEMLAB_LOCK_CHECKS=0, the Makefile's liblocks-nochecks.a); the tests link
 * it with the check, the default.  This file compiles the same sources a
 * second time with the check, under other names (tas_checked_ops ...), so
 * that one lockbench run measures both: owner_check/<lock>/checks:0 and
 * checks:1, each a lock+unlock pair on one thread, as uncontended/ does.
 * The ratio checks:1 / checks:0 is the check's price (notes/sync.md).
 * The spinlocks are here because their fast path is the shortest (one
 * exchange and one store), so the check weighs most there; mutex_barging
 * stands for the futex mutexes, whose fast paths are the same shape.
 */
#define MEMLAB_LOCK_CHECKS 1

/* The checked copies: every external name the sources define, renamed. */
#define tas_ops tas_checked_ops
#define ttas_ops ttas_checked_ops
#define ticket_ops ticket_checked_ops
#define mcs_ops mcs_checked_ops
#define mutex_barging_ops mutex_barging_checked_ops
#define mutex_barging_init mutex_barging_checked_init
#define mutex_barging_lock mutex_barging_checked_lock
#define mutex_barging_trylock mutex_barging_checked_trylock
#define mutex_barging_unlock mutex_barging_checked_unlock
#include "locks/mcs.c"
#include "locks/mutex_barging.c"
#include "locks/tas.c"
#include "locks/ticket.c"
#include "locks/ttas.c"
#undef tas_ops
#undef ttas_ops
#undef ticket_ops
#undef mcs_ops
#undef mutex_barging_ops

#include <stdlib.h>

#include "bench/bench.h"

enum { BATCH = 64 };

struct pair {
    const char *name;
    const struct lock_ops *checked;
};

static void bm_pair(bench_state *st, const void *arg)
{
    const struct pair *p = arg;
    const struct lock_ops *ops = bench_arg(st, 0) ? p->checked : lock_find(p->name);
    void *lock = lock_new(ops);
    void *node = lock_node_new(ops);
    while (bench_keep_running_batch(st, BATCH))
        for (int i = 0; i < BATCH; i++) {
            ops->lock(lock, node);
            ops->unlock(lock, node);
        }
    free(node);
    lock_free(ops, lock);
}

void register_owner_check(void)
{
    static const struct pair pairs[] = {
        {"tas", &tas_checked_ops},
        {"ttas", &ttas_checked_ops},
        {"ticket", &ticket_checked_ops},
        {"mcs", &mcs_checked_ops},
        {"mutex_barging", &mutex_barging_checked_ops},
    };
    for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
        bench_def *b = bench_register(bench_name("owner_check/%s", pairs[i].name), bm_pair,
                                      &pairs[i]);
        bench_def_arg_name(b, "checks");
        bench_def_arg(b, 0);
        bench_def_arg(b, 1);
    }
}
