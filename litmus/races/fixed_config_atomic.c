/* fixed_config_atomic.c: racy_config_pointer with an atomic pointer published by release, read by acquire.
 *
 * Question: what fixes both races?  One atomic pointer.  The release store
 * orders the writes that filled in the new config before the publication;
 * the acquire load orders everything the reader does after it.  A reader
 * that sees the new pointer therefore sees the fields (happens-before runs
 * writer's init -> release store -> acquire load -> reader's field read).
 * On x86 both compile to plain MOVs: TSO already keeps store-store and
 * load-load order; the orders stop the compiler from reordering.
 * Reclamation: here the old config is freed after the reader is joined.  A
 * long-lived program cannot wait for that; see locks/cowcfg.h for a config
 * whose old versions are freed once no reader holds them, and
 * fixed_config_reclaim.c for the idea in a page.
 * Expected: TSan reports nothing.
 *
 * expect: tsan=clean
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

#include "stage.h"

struct config {
    int version;
    int timeout_ms;
};

static _Atomic(struct config *) config;

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
    stage_line_up(2);
    stage_wait(1);
    /* Acquire: pairs with the release store in main(); the fields read
     * below are the ones written before that store.  x86: a plain MOV. */
    struct config *c = atomic_load_explicit(&config, memory_order_acquire);
    printf("reader: timeout_ms = %d\n", c->timeout_ms);
    return arg;
}

int main(void)
{
    atomic_init(&config, new_config(1));
    pthread_t t;
    pthread_create(&t, NULL, reader, NULL);
    stage_line_up(2);

    /* Only main writes config, so a relaxed load of its own last store is enough. */
    struct config *old = atomic_load_explicit(&config, memory_order_relaxed);
    /* Release: pairs with the acquire load in reader(); publishes the fields
     * new_config wrote.  x86: a plain MOV (a store is never reordered with
     * earlier stores under TSO). */
    atomic_store_explicit(&config, new_config(2), memory_order_release);
    stage_go(1);

    pthread_join(t, NULL);
    free(old); /* safe only because the reader has been joined */
    free(atomic_load_explicit(&config, memory_order_relaxed));
    return 0;
}
