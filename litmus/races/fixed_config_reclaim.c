/* fixed_config_reclaim.c: racy_config_use_after_free with the free deferred until the reader is done with the old config.
 *
 * Question: when may the writer free the config it swapped out?  Once every
 * reader that might have loaded the old pointer has finished with it (RCU
 * calls that a grace period).  Each reader raises a flag for the time it
 * holds a config; after the swap, the writer waits until it sees every
 * reader's flag down once, then frees: a reader that raises its flag after
 * the swap can only get the new config.  This is the idea in a page, for one
 * reader; a reader that is never out of its section would hold the writer up
 * for ever, which is why real schemes count sections per reader instead.
 * locks/cowcfg.h is the real thing (any number of readers and versions, no
 * leak, no use-after-free).
 * Expected: ASan reports nothing (no use-after-free, no leak); TSan neither.
 *
 * expect: asan=clean tsan=clean
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include "stage.h"

struct config {
    int version;
    int timeout_ms;
};

static _Atomic(struct config *) config;
static atomic_bool reading; /* the one reader holds a config (one flag per reader in general) */

static struct config *new_config(int version)
{
    struct config *c = malloc(sizeof *c);
    if (c == NULL)
        abort();
    c->version = version;
    c->timeout_ms = 100 * version;
    return c;
}

static void *reader(void *arg)
{
    /* seq_cst store, then seq_cst load: this store-then-load order is the
     * one x86 does not keep by itself (the store may wait in the store
     * buffer while the load runs), so the store is an XCHG.  With it, either
     * the writer's check below sees the flag up, or this load sees the new
     * config; never "flag down, old config". */
    atomic_store(&reading, true);
    struct config *c = atomic_load(&config);
    stage_go(1); /* stage: the reader holds the old config */
    stage_wait(2); /* stage: the writer has swapped it out (and is waiting) */
    printf("reader: timeout_ms = %d\n", c->timeout_ms);
    /* Release (seq_cst includes it): our reads of *c happen-before the
     * writer's load that sees false, and so before its free. */
    atomic_store(&reading, false);
    return arg;
}

/* Wait until the reader holds no config it loaded before our swap.  A real
 * implementation keeps one flag or counter per reader and checks them all. */
static void wait_for_readers(void)
{
    while (atomic_load(&reading)) /* seq_cst: pairs with the reader's stores */
        sched_yield();
}

int main(void)
{
    atomic_store(&config, new_config(1));
    pthread_t t;
    pthread_create(&t, NULL, reader, NULL);

    stage_wait(1);
    struct config *old = atomic_exchange(&config, new_config(2)); /* seq_cst: XCHG */
    stage_go(2);
    wait_for_readers(); /* the grace period */
    free(old); /* no reader can still hold it */

    pthread_join(t, NULL);
    free(atomic_load(&config));
    return 0;
}
