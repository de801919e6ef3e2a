/* racy_config_use_after_free.c: a config swapped and freed while a reader still uses it.
 *
 * Question: the config pointer is atomic now (fixed_config_atomic.c), so
 * there is no data race; can the writer free the old config right after
 * swapping it out?  No: a reader that loaded the old pointer just before the
 * swap is still using it.  Swapping makes new readers see the new config; it
 * does nothing about readers already holding the old one.  This is a
 * lifetime bug, not a data race, so it is AddressSanitizer's to catch:
 * freed memory goes into a quarantine and every later access to it is
 * reported, with the stacks of the use, the free and the allocation.
 * Expected: ASan reports a heap-use-after-free naming both UAF: lines.
 * Fixed twin: fixed_config_reclaim.c.
 *
 * expect: asan=use-after-free
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

static _Atomic(struct config *) config; /* atomic: no data race, just the lifetime bug */

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
    struct config *c = atomic_load(&config); /* version 1 */
    stage_go(1); /* stage: the reader holds the old config */
    stage_wait(2); /* stage: the writer has swapped and freed it */
    printf("reader: timeout_ms = %d\n", c->timeout_ms); /* UAF: use of the freed config */
    return arg;
}

int main(void)
{
    atomic_store(&config, new_config(1));
    pthread_t t;
    pthread_create(&t, NULL, reader, NULL);

    stage_wait(1);
    struct config *old = atomic_exchange(&config, new_config(2));
    free(old); /* UAF: freed while the reader still holds it */
    stage_go(2);

    pthread_join(t, NULL);
    free(atomic_load(&config));
    return 0;
}
