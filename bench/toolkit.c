/* toolkit.c: the toolkit's costs: an errgroup round (Go 8 no-op tasks, then Wait) on a worker pool vs a thread per task, and cancelling a tree of 1000 contexts.
 *
 * Go's own errgroup took 2.8 us per such round on this machine kind (Go 1.19,
 * 2 cores), with goroutines: the pool mode is the fair comparison (reused
 * workers); thread-per-task shows what pthread_create and join cost, which
 * is why pools exist.  The cancel benchmark builds the tree outside the
 * timed region (a root, 10 children, 100 grandchildren, 889 below them) and
 * times only ctx_cancel(root), which must reach every descendant.
 */
#include "bench/bench.h"
#include "labs/toolkit/context.h"
#include "labs/toolkit/errgroup.h"
#include "labs/toolkit/workpool.h"

#include <stdlib.h>

enum { ROUND_TASKS = 8, TREE_SIZE = 1000, FANOUT = 10 };

static int noop_task(struct ctx *ctx, void *arg)
{
    (void)ctx;
    (void)arg;
    return 0;
}

/* One round: a new group, ROUND_TASKS tasks, Wait, free.  0 or the error. */
static int errgroup_round(struct workpool *pool)
{
    struct errgroup *g = errgroup_new();
    if (!g)
        return -1;
    if (pool)
        errgroup_use_pool(g, pool);
    int rc = 0;
    for (int i = 0; i < ROUND_TASKS && rc == 0; i++)
        rc = errgroup_go(g, noop_task, NULL);
    int waited = errgroup_wait(g);
    errgroup_free(g);
    return rc ? rc : waited;
}

static void bm_errgroup_round(bench_state *st, const void *arg)
{
    bool pooled = arg != NULL;
    struct workpool *pool = pooled ? errgroup_pool_new(0) : NULL;
    if (pooled && !pool) {
        bench_error(st, "errgroup_pool_new failed");
        return;
    }
    while (bench_keep_running(st))
        if (errgroup_round(pool) != 0) {
            bench_error(st, "an errgroup round failed");
            break;
        }
    if (pool)
        workpool_free(pool);
}

/* Build the tree breadth-first into nodes[0..TREE_SIZE); nodes[0] is the root. */
static bool build_tree(struct ctx **nodes)
{
    nodes[0] = ctx_with_cancel(ctx_background());
    for (int i = 1; i < TREE_SIZE; i++)
        if (!(nodes[i] = ctx_with_cancel(nodes[(i - 1) / FANOUT])))
            return false;
    return nodes[0] != NULL;
}

static void bm_cancel_tree(bench_state *st, const void *arg)
{
    (void)arg;
    struct ctx **nodes = calloc(TREE_SIZE, sizeof *nodes);
    while (nodes && bench_keep_running(st)) {
        if (!build_tree(nodes)) {
            bench_error(st, "ctx_with_cancel failed");
            break;
        }
        uint64_t start = now_ns();
        ctx_cancel(nodes[0]);
        bench_set_iteration_time(st, (double)(now_ns() - start) / 1e9);
        if (ctx_err(nodes[TREE_SIZE - 1]) == 0) {
            bench_error(st, "a leaf was not cancelled");
            break;
        }
        for (int i = TREE_SIZE - 1; i >= 0; i--)
            ctx_close(nodes[i]);
    }
    free(nodes);
}

void register_toolkit(void)
{
    static const char pooled = 1;
    bench_def_real_time(bench_register("toolkit/errgroup_round/mode:pool", bm_errgroup_round, &pooled));
    bench_def_real_time(bench_register("toolkit/errgroup_round/mode:thread", bm_errgroup_round, NULL));
    bench_def_manual_time(bench_register("toolkit/ctx_cancel_tree/contexts:1000", bm_cancel_tree, NULL));
}
