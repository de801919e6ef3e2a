/* racy_config_pointer.c: one thread replaces a global config pointer while another reads it.
 *
 * Question: the writer fills in a new config, then swaps one pointer; a
 * pointer store is a single MOV on x86, so what can go wrong?  Two races:
 * the pointer itself (a plain load and store with no happens-before), and,
 * worse, the fields behind it: nothing makes the writer's stores to the new
 * config's fields visible to a reader that sees the new pointer.  The
 * compiler may move those stores below the publication or keep them in
 * registers; other hardware (Arm, POWER) may make them visible late.
 * Expected: TSan reports both races, naming all four RACE: lines.  Note how
 * it names the second one: the reader's field read races with the malloc()
 * of the block, because TSan counts an allocation as a write of the whole
 * block, and the field stores that follow it are no more ordered than it.
 * Fixed twin: fixed_config_atomic.c (and racy_config_use_after_free.c for
 * the next bug: freeing the old config).
 *
 * expect: tsan=race
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "stage.h"

struct config {
    int version;
    int timeout_ms;
};

static struct config *config; /* plain pointer: the bug */

static struct config *new_config(int version)
{
    struct config *c = malloc(sizeof *c); /* RACE: 2, write (malloc counts as one) */
    if (c == NULL)
        abort();
    c->version = version; /* these stores are as unordered as the malloc */
    c->timeout_ms = 100 * version;
    return c;
}

static void *reader(void *arg)
{
    stage_line_up(2);
    stage_wait(1); /* stage: the writer has published version 2 */
    struct config *c = config; /* RACE: 1, read of the pointer */
    printf("reader: timeout_ms = %d\n", c->timeout_ms); /* RACE: 2, read through it */
    return arg;
}

int main(void)
{
    config = new_config(1); /* before pthread_create: happens-before the reader */
    pthread_t t;
    pthread_create(&t, NULL, reader, NULL);
    stage_line_up(2);

    struct config *old = config;
    config = new_config(2); /* RACE: 1, write of the pointer */
    stage_go(1);

    pthread_join(t, NULL);
    free(old); /* safe only because the reader has been joined */
    free(config);
    return 0;
}
