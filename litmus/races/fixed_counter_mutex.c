/* fixed_counter_mutex.c: racy_counter with the increment under a mutex; no update is lost.
 *
 * Question: how does a lock fix it?  Only one thread at a time runs the
 * critical section, and unlock happens-before the next lock of the same
 * mutex, so each increment sees the previous one.  Slower than the atomic
 * (two atomic RMWs per increment, and waiting), but it generalises to
 * updates of several variables at once.
 * Expected: TSan reports nothing; the total is exact every run.
 *
 * expect: tsan=clean
 */
#include <pthread.h>
#include <stdio.h>

#include "stage.h"

enum { THREADS = 4, INCREMENTS = 100000 };

static pthread_mutex_t counter_mu = PTHREAD_MUTEX_INITIALIZER;
static long counter; /* protected by counter_mu */

static void *worker(void *arg)
{
    stage_line_up(THREADS);
    for (int i = 0; i < INCREMENTS; i++) {
        pthread_mutex_lock(&counter_mu);
        counter++;
        pthread_mutex_unlock(&counter_mu);
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
    return counter == expected ? 0 : 1;
}
