/* racy_stop_flag.c: a worker polls a plain `bool stop` that main sets; at -O2 it never stops.
 *
 * Question: main sets stop = true; the worker checks it every iteration; why
 * does the worker keep running?  Reading stop while main writes it is a data
 * race, so the compiler may assume no other thread writes stop while the
 * loop runs; nothing in the loop writes it, so clang -O2 loads it once,
 * before the loop, and the loop never looks at it again (objdump -d: one
 * `cmpb $0x0,stop` before a two-instruction loop: the stage cue, a jmp).  This
 * is the visibility half of "a data race breaks atomicity and visibility".
 * (An empty `while (!stop) {}` is worse: C11 lets the compiler assume a loop
 * without side effects ends, and clang deletes it -- the worker "stops"
 * before stop is ever set.  The stage_go in the loop is a side effect.)
 * Expected: TSan reports a data race on both RACE: lines; the plain -O2
 * build (build/races/plain/racy_stop_flag) is still spinning 1 s after
 * stop = true, and the watchdog ends the run with status 3.
 * Fixed twin: fixed_stop_flag.c; racy_stop_flag_compiler_barrier.c stops,
 * but is still a data race.
 *
 * expect: tsan=race run=timeout
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>

#include "stage.h"

static bool stop; /* plain bool: the bug */

static void *worker(void *arg)
{
    unsigned long spins = 0;
    stage_line_up(2);
    while (!stop) { /* RACE: read; at -O2 it happens once, before the loop */
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

    stop = true; /* RACE: write */
    if (join_within(t, 1000) != 0) {
        printf("main: the worker is still spinning 1 s after stop = true: it never re-reads stop\n");
        return WATCHDOG_EXIT; /* ends the process, spinning worker and all */
    }
    printf("main: worker stopped\n");
    return 0;
}
