/* racy_config.c: lab 03: the course's config example: a writer swaps a global config pointer while readers use it.
 *
 * Broken on purpose in the handout: `current` is a plain pointer.  A reader
 * may see the new pointer before the fields the writer filled in (the
 * compiler may reorder the plain stores), and the pointer itself is a data
 * race.  Old versions are kept until the end here; freeing them safely is
 * lab 05 (and locks/cowcfg.c).
 * Run: build/bin/lab03/racy_config
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

struct config {
    int version;
    int timeout_ms; /* always version * 10 */
    int retries;    /* always version % 7 */
};

enum { VERSIONS = 2000, READERS = 2 };

/* BEGIN SOLUTION: readers load this pointer while the writer replaces it: publish and load it atomically */
/* An atomic pointer: the writer's store is a release (seq_cst, which
 * includes it), so a reader that loads the new pointer (an acquire) also
 * sees every field written before the store.  x86: XCHG and MOV. */
static struct config *_Atomic current;
/* END SOLUTION (stub: static struct config *current;) */

static atomic_int done;

static void *reader(void *arg)
{
    long *bad = arg;
    /* do-while: every reader reads at least once, even if it starts after
     * the writer is done, so the race exists in every run, not only in the
     * runs where the scheduler happens to overlap the threads. */
    do {
        struct config *c = current; /* RACE: the read of the pointer (handout) */
        if (c && (c->timeout_ms != c->version * 10 || c->retries != c->version % 7))
            (*bad)++;
    } while (!done);
    return NULL;
}

int main(void)
{
    static struct config *all[VERSIONS];
    long bad[READERS] = {0};
    pthread_t t[READERS];
    for (int i = 0; i < READERS; i++)
        pthread_create(&t[i], NULL, reader, &bad[i]);
    for (int v = 0; v < VERSIONS; v++) {
        struct config *n = malloc(sizeof *n);
        if (!n)
            return 2;
        n->version = v;
        n->timeout_ms = v * 10;
        n->retries = v % 7;
        all[v] = n;
        current = n; /* RACE: the write of the pointer (handout) */
    }
    done = 1;
    long total = 0;
    for (int i = 0; i < READERS; i++) {
        pthread_join(t[i], NULL);
        total += bad[i];
    }
    for (int v = 0; v < VERSIONS; v++)
        free(all[v]);
    printf("%d versions published; readers saw %ld inconsistent configs\n", VERSIONS, total);
    return total == 0 ? 0 : 1;
}
