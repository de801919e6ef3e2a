/* racy_counter.c: four threads do counter++ on a plain long; updates get lost.
 *
 * Question: is `counter++` one step?  No: it is a load, an add and a store.
 * Two threads that both load 41 both store 42, and one increment is lost.
 * It is also a data race, so the C11 program has no defined meaning at all.
 * Expected: TSan reports a data race on the RACE: line.  Without TSan
 * (build/races/plain/racy_counter) the total usually comes out short.
 * Fixed twins: fixed_counter_atomic.c, fixed_counter_mutex.c.
 *
 * expect: tsan=race
 */
#include <pthread.h>
#include <stdio.h>

#include "stage.h"

enum { THREADS = 4, INCREMENTS = 100000 };

static long counter; /* shared by every thread, protected by nothing */

static void *worker(void *arg)
{
    stage_line_up(THREADS); /* stage: all start together, so the loops overlap */
    for (int i = 0; i < INCREMENTS; i++) {
        counter++; /* RACE: load, add, store; another thread's store can land in between */
        compiler_barrier(); /* keep one load+store per iteration at -O2 (see stage.h) */
    }
    return arg;
}

int main(void)
{
    pthread_t threads[THREADS];
    for (int i = 0; i < THREADS; i++)
        pthread_create(&threads[i], NULL, worker, NULL);
    for (int i = 0; i < THREADS; i++)
        pthread_join(threads[i], NULL);
    long expected = (long)THREADS * INCREMENTS;
    printf("expected %ld, got %ld: %ld updates lost\n", expected, counter, expected - counter);
    return 0;
}
