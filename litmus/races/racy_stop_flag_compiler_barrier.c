/* racy_stop_flag_compiler_barrier.c: racy_stop_flag with a compiler barrier in the loop; it stops, and is still a data race.
 *
 * Question: if the problem is that the compiler hoisted the load, is a
 * compiler barrier (asm volatile("" ::: "memory"), atomic_signal_fence) a
 * fix?  It makes this binary work: the compiler must re-load stop after every
 * barrier, and an x86 load sees other cores' stores soon enough.  But the
 * program still has a data race, so C11 still gives it no meaning; the next
 * compiler or the next CPU (a store that tears, a weaker memory model) is
 * free to break it.  The fix is an atomic (fixed_stop_flag.c), which on x86
 * compiles to the very same MOV.
 * Expected: TSan reports a data race on both RACE: lines; the plain -O2
 * build stops within the watchdog's 1 s.
 *
 * expect: tsan=race run=ends
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>

#include "stage.h"

static bool stop; /* plain bool: still the bug */

static void *worker(void *arg)
{
    unsigned long spins = 0;
    stage_line_up(2);
    while (!stop) { /* RACE: read; re-done every iteration now, still unordered */
        stage_go(1); /* stage: the worker has looked at stop at least once */
        spins++;
        compiler_barrier(); /* the compiler must assume stop changed here */
    }
    printf("worker: saw stop = true after %lu spins\n", spins);
    return arg;
}

int main(void)
{
    pthread_t t;
    pthread_create(&t, NULL, worker, NULL);
    stage_line_up(2);
    stage_wait(1);

    stop = true; /* RACE: write */
    if (join_within(t, 1000) != 0) {
        printf("main: the worker is still spinning 1 s after stop = true: it never re-reads stop\n");
        return WATCHDOG_EXIT;
    }
    printf("main: worker stopped\n");
    return 0;
}
