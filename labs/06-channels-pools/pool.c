/* pool.c: lab 06: N worker threads, each `for item := range jobs { handle(item) }`, and a shutdown that joins them all.
 *
 * Broken on purpose in the handout: worker_main and pool_shutdown (the
 * TODO(lab 06) lines).
 */
#include "labs/06-channels-pools/bchan.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>

struct pool {
    struct bchan *jobs;
    void (*handle)(long item, void *arg);
    void *arg;
    unsigned nworkers;
    bool shut; /* owned by the thread that calls shutdown/free */
    pthread_t workers[];
};

static void *worker_main(void *arg)
{
    struct pool *p = arg;
    /* BEGIN SOLUTION: receive from p->jobs until it reports BCHAN_CLOSED, calling p->handle(item, p->arg) on each item */
    long item;
    while (bchan_recv(p->jobs, &item) == 0)
        p->handle(item, p->arg);
    return NULL;
    /* END SOLUTION (stub: (void)p; return NULL;) */
}

struct pool *pool_new(unsigned workers, size_t queue, void (*handle)(long item, void *arg), void *arg)
{
    if (workers == 0 || workers > 1024) {
        errno = EINVAL;
        return NULL;
    }
    struct pool *p = calloc(1, sizeof *p + workers * sizeof(pthread_t));
    if (!p)
        return NULL;
    p->jobs = bchan_new(queue);
    if (!p->jobs) {
        free(p);
        return NULL;
    }
    p->handle = handle;
    p->arg = arg;
    for (unsigned i = 0; i < workers; i++) {
        int rc = pthread_create(&p->workers[i], NULL, worker_main, p);
        if (rc != 0) {
            p->nworkers = i;
            pool_free(p);
            errno = rc;
            return NULL;
        }
        p->nworkers = i + 1;
    }
    return p;
}

int pool_submit(struct pool *p, long item) { return bchan_send(p->jobs, item); }

void pool_shutdown(struct pool *p)
{
    if (p->shut)
        return;
    p->shut = true;
    /* BEGIN SOLUTION: close the queue (the workers drain it, then their recv reports closed), then join every worker */
    bchan_close(p->jobs);
    for (unsigned i = 0; i < p->nworkers; i++)
        pthread_join(p->workers[i], NULL);
    /* END SOLUTION */
}

void pool_free(struct pool *p)
{
    if (!p)
        return;
    pool_shutdown(p);
    bchan_free(p->jobs);
    free(p);
}
