/* racy_result_no_join.c: main reads a worker's result after a sleep instead of a join.
 *
 * Question: the worker needs microseconds; main sleeps 50 ms "to be safe"
 * and then reads the result: why is that a race?  Time is not
 * synchronisation.  Nothing says the worker has even started after 50 ms (on a
 * loaded machine it may not have), and even when it has finished, nothing
 * orders its store before main's load: no join, no lock, no atomic.  TSan
 * notices the sleep and says so in the report ("As if synchronized via
 * sleep"), to tell you the sleep is what hid the bug in your test runs.
 * Expected: TSan reports a data race on both RACE: lines.
 * Fixed twins: fixed_result_join.c, fixed_result_waitgroup.c.
 *
 * expect: tsan=race
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "stage.h"

static long result; /* written by the worker, read by main: the bug */

static long sum_of_squares(long n)
{
    long sum = 0;
    for (long i = 1; i <= n; i++)
        sum += i * i;
    return sum;
}

static void *worker(void *arg)
{
    long n = (long)(intptr_t)arg;
    stage_line_up(2);
    result = sum_of_squares(n); /* RACE: write */
    stage_wait(1); /* stage: stay alive until main has read (see stage.h) */
    return NULL;
}

int main(void)
{
    pthread_t t;
    pthread_create(&t, NULL, worker, (void *)(intptr_t)1000);
    stage_line_up(2);

    nanosleep(&(struct timespec){.tv_nsec = 50 * 1000000L}, NULL); /* "surely done by now" */
    printf("result = %ld\n", result); /* RACE: read, no join or wait before it */
    stage_go(1);

    pthread_join(t, NULL); /* too late: the read is already done */
    return 0;
}
