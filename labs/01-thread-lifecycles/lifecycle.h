/* lifecycle.h: lab 01: own a thread's whole life: a ticker you can stop, a tracker stopped within a deadline, workers that report errors instead of calling exit().
 *
 * The rule the lab teaches (Go's "never start a goroutine without knowing
 * how it will stop"): whoever starts a thread decides when it ends, can make
 * it end, and knows when it has ended.  Every function here returns only
 * once the threads it is responsible for have been joined, or says
 * (TK_TIMEOUT, TK_DEADLINE_EXCEEDED) that the bound it was given ran out.
 */
#ifndef MEMLAB_LAB01_LIFECYCLE_H
#define MEMLAB_LAB01_LIFECYCLE_H

#include <stddef.h>
#include <stdint.h>

#include "labs/toolkit/errors.h"
#include "labs/toolkit/tracker.h"

/* A thread that calls tick(arg) every period_ns until it is stopped (a Go
 * `time.Ticker` plus the goroutine reading it).  NULL with errno set when
 * the thread cannot start. */
struct ticker;
struct ticker *ticker_start(uint64_t period_ns, void (*tick)(void *arg), void *arg);

/* Ask the ticker's thread to stop and wait at most timeout_ns for it to
 * end.  0: the thread has returned and been joined, and tick will not be
 * called again.  TK_TIMEOUT: it is still inside a tick that did not finish
 * in time; it will stop after that tick, and ticker_free waits for it. */
int ticker_stop(struct ticker *t, uint64_t timeout_ns);

/* Stops the ticker (waiting as long as it takes) if needed, then frees it. */
void ticker_free(struct ticker *t);

/* Shut a running tracker (labs/toolkit/tracker.h) down, allowing timeout_ns
 * for the queued events: 0 after a full drain, TK_DEADLINE_EXCEEDED when the
 * time ran out (the rest are dropped and counted in *dropped).  Either way the
 * tracker's run thread has ended when this returns. */
int tracker_stop_within(struct tracker *t, uint64_t timeout_ns, size_t *dropped);

/* Parse n decimal lines and add them up, `workers` threads each taking a
 * share.  0 with *sum set; TK_INVALID (and *sum untouched) when a line is not
 * a number.  A bad line is the caller's problem to report, never a reason
 * for a worker to end the whole process. */
int sum_lines(const char *const *lines, size_t n, unsigned workers, long *sum);

#endif
