/* racy_stop_flag.c: lab 03: main asks a worker to stop through a plain bool; nothing says the worker will ever see it.
 *
 * Broken on purpose in the handout: `stop_requested` is a plain bool
 * written by main and read by the worker.  That is a data race (undefined
 * behaviour), and in practice the compiler may read the flag once and spin
 * for ever (the loop here calls sched_yield, an external function, so at
 * -O1 it happens to re-read it; remove the call and try -O2 to see the hang).
 * Run: build/bin/lab03/racy_stop_flag
 */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <time.h>

/* BEGIN SOLUTION: main writes the flag while the worker reads it: make the flag atomic */
/* An atomic: every load re-reads memory and the store is seen "in a finite
 * time".  Relaxed would be enough here (the flag carries no other data);
 * the default seq_cst costs one XCHG in main and nothing in the worker. */
atomic_bool stop_requested;
/* END SOLUTION (stub: bool stop_requested;) */

static void *worker(void *arg)
{
    long *spins = arg;
    while (!stop_requested) /* RACE: the read (handout) */
        (*spins)++, sched_yield();
    return NULL;
}

int main(void)
{
    long spins = 0;
    pthread_t t;
    pthread_create(&t, NULL, worker, &spins);
    nanosleep(&(struct timespec){.tv_nsec = 20 * 1000 * 1000}, NULL);
    stop_requested = true; /* RACE: the write (handout) */
    pthread_join(t, NULL);
    printf("worker stopped after %ld spins\n", spins);
    return 0;
}
