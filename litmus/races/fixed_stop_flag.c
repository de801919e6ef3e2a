/* fixed_stop_flag.c: racy_stop_flag with an atomic_bool; the worker stops.
 *
 * Question: what makes the worker see stop = true?  An atomic.  The
 * compiler may not hoist an atomic load out of the loop (another thread may
 * change the value at any time, legally), and C11 asks that a store become
 * visible to atomic loads "within a reasonable amount of time"; the race is
 * gone, so the program has a meaning.  On x86 the
 * seq_cst load is the same plain MOV as before (only the seq_cst store
 * costs more: an XCHG; `make asm` shows both).
 * Expected: TSan reports nothing; the plain -O2 build stops at once.
 *
 * expect: tsan=clean run=ends
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>

#include "stage.h"

static atomic_bool stop;

static void *worker(void *arg)
{
    unsigned long spins = 0;
    stage_line_up(2);
    while (!atomic_load(&stop)) { /* seq_cst by default: nothing to explain away */
        stage_go(1); /* stage: the worker has looked at stop at least once */
        spins++;
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

    atomic_store(&stop, true);
    if (join_within(t, 1000) != 0) {
        printf("main: the worker is still spinning 1 s after stop = true: it never re-reads stop\n");
        return WATCHDOG_EXIT;
    }
    printf("main: worker stopped\n");
    return 0;
}
