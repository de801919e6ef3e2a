/* racy_counter.c: lab 03: four threads add to one shared counter; with a plain long, increments are lost.
 *
 * Broken on purpose in the handout: `hits` is a plain long, and `hits++` is
 * a load, an add and a store that another thread's can interleave with.
 * TSan reports the race; the printed total shows the lost updates (when the
 * compiler keeps the loop: at -O2 it may fold it into one add, which hides
 * the symptom but not the race).
 * Run: build/bin/lab03/racy_counter
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>

enum { THREADS = 4, PER_THREAD = 100000 };

/* BEGIN SOLUTION: every thread reads and writes this counter: make each increment one indivisible step */
/* ++ on an atomic is one atomic read-modify-write (seq_cst; x86: LOCK XADD
 * or LOCK ADD).  A mutex around a plain ++ would also do, at more cost. */
static atomic_long hits;
/* END SOLUTION (stub: static long hits;) */

static void *count(void *arg)
{
    (void)arg;
    for (int i = 0; i < PER_THREAD; i++)
        hits++; /* RACE: the increment (handout) */
    return NULL;
}

int main(void)
{
    pthread_t t[THREADS];
    for (int i = 0; i < THREADS; i++)
        pthread_create(&t[i], NULL, count, NULL);
    for (int i = 0; i < THREADS; i++)
        pthread_join(t[i], NULL);
    long got = hits, want = (long)THREADS * PER_THREAD;
    printf("hits %ld of %ld (%ld lost)\n", got, want, want - got);
    return got == want ? 0 : 1;
}
