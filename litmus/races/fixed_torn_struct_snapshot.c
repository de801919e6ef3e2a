/* fixed_torn_struct_snapshot.c: racy_torn_struct with an atomic pointer to immutable copies; readers never wait.
 *
 * Question: how do readers get a whole struct without a lock?  Never change
 * a published struct: the writer fills in a fresh copy, then publishes a
 * pointer to it with one atomic release store; a reader loads the pointer
 * (acquire) and reads a copy that nobody writes any more.  The pointer is
 * one word, so it cannot tear, and release/acquire makes the fields
 * visible.  The cost moves to memory: every version is a new copy, and an
 * old copy may be freed only when no reader can still hold it.  Here the
 * copies live in one static array, freed by nobody; locks/cowcfg.h shows
 * safe reclamation, and fixed_config_reclaim.c shows the idea in a page.
 * Expected: TSan reports nothing; 0 torn reads.
 *
 * expect: tsan=clean
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>

#include "stage.h"

enum { READS = 200000, VERSIONS = 1 << 16 };

struct stamp {
    long a, b, c, d; /* all four equal in every version the writer writes */
};

static struct stamp versions[VERSIONS + 1]; /* versions[v] is written once, before it is published */
static _Atomic(const struct stamp *) current = &versions[0];

static void *writer(void *arg)
{
    stage_line_up(2);
    /* Until the reader is done or the versions run out, at least once. */
    for (long v = 1; v <= VERSIONS; v++) {
        versions[v] = (struct stamp){v, v, v, v};
        /* Release: pairs with the acquire load in main(); a reader that gets
         * this pointer sees the four fields written above.  x86: a plain MOV. */
        atomic_store_explicit(&current, &versions[v], memory_order_release);
        if (stage_reached(1)) /* stage: the reader is done */
            break;
    }
    return arg;
}

int main(void)
{
    pthread_t t;
    pthread_create(&t, NULL, writer, NULL);
    stage_line_up(2);

    long torn = 0;
    for (int i = 0; i < READS; i++) {
        /* Acquire: pairs with the release store in writer().  x86: a plain MOV. */
        const struct stamp *p = atomic_load_explicit(&current, memory_order_acquire);
        struct stamp s = *p; /* immutable once published: no one writes it now */
        if (s.a != s.b || s.b != s.c || s.c != s.d)
            torn++;
    }
    stage_go(1); /* stage: the reader is done; the writer may stop */
    pthread_join(t, NULL);
    printf("%d reads, %ld torn (fields from two different versions)\n", READS, torn);
    return torn == 0 ? 0 : 1;
}
