/* logger.h: a logger thread that buffers records in memory and writes them out in its cleanup handler (for the exit() demos).
 *
 * The buffer stands for any state only its owner can finish properly: a
 * bufio.Writer, a temporary file to rename, a transaction to commit.  The
 * flush is a cleanup handler (pthread_cleanup_push, C's nearest thing to
 * Go's defer): it runs when the logger thread leaves the push/pop region by
 * pthread_cleanup_pop(1), pthread_exit or cancellation -- and not at all when
 * some other thread calls exit().
 */
#ifndef MEMLAB_NOTES_DEMOS_LOGGER_H
#define MEMLAB_NOTES_DEMOS_LOGGER_H

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>

#include "litmus/races/stage.h"

struct logger {
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t stop_changed;
    bool stop;      /* protected by mu; set by logger_stop */
    char buf[256];  /* the records not yet written out; logger thread only */
    int len, records;
};

/* The cleanup handler: write out what is buffered. */
static inline void logger_flush(void *arg)
{
    struct logger *log = arg;
    printf("cleanup: logger flushed %d buffered records\n%.*s", log->records, log->len, log->buf);
    fflush(stdout);
}

static inline void *logger_thread(void *arg)
{
    struct logger *log = arg;
    pthread_cleanup_push(logger_flush, log);
    for (int i = 1; i <= 3; i++) {
        log->len += snprintf(log->buf + log->len, sizeof log->buf - (size_t)log->len, "  record %d\n", i);
        log->records++;
    }
    stage_go(1); /* stage: the records are buffered */

    pthread_mutex_lock(&log->mu);
    while (!log->stop) /* a loop: wake-ups can be spurious */
        pthread_cond_wait(&log->stop_changed, &log->mu);
    pthread_mutex_unlock(&log->mu);
    pthread_cleanup_pop(1); /* 1: run the handler now, like a deferred call on return */
    return NULL;
}

static inline void logger_start(struct logger *log)
{
    *log = (struct logger){.mu = PTHREAD_MUTEX_INITIALIZER, .stop_changed = PTHREAD_COND_INITIALIZER};
    pthread_create(&log->thread, NULL, logger_thread, log);
}

/* Ask the logger to stop and wait for it: its flush has run when this returns. */
static inline void logger_stop(struct logger *log)
{
    pthread_mutex_lock(&log->mu);
    log->stop = true;
    pthread_cond_signal(&log->stop_changed);
    pthread_mutex_unlock(&log->mu);
    pthread_join(log->thread, NULL);
}

#endif
