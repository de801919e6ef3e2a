/* fixed_result_waitgroup.c: several workers fill in result slots; main waits on a WaitGroup, then reads them all.
 *
 * Question: how do you wait for a group of workers you do not join (they
 * are detached, or pooled)?  A WaitGroup, as in Go: add() before starting
 * each worker, done() when it finishes, wait() until the count is zero.
 * Here it is a mutex, a condition variable and a count; done() and wait()
 * both take the mutex, so each worker's result (written before its done())
 * happens-before wait() returns.
 * Expected: TSan reports nothing.
 *
 * expect: tsan=clean
 */
#include <pthread.h>
#include <stdio.h>

enum { WORKERS = 4 };

struct waitgroup {
    pthread_mutex_t mu;
    pthread_cond_t zero; /* signalled when count drops to 0 */
    int count;           /* workers added but not done; protected by mu */
};

static void wg_add(struct waitgroup *wg, int n)
{
    pthread_mutex_lock(&wg->mu);
    wg->count += n;
    pthread_mutex_unlock(&wg->mu);
}

static void wg_done(struct waitgroup *wg)
{
    pthread_mutex_lock(&wg->mu);
    if (--wg->count == 0)
        pthread_cond_broadcast(&wg->zero);
    pthread_mutex_unlock(&wg->mu);
}

static void wg_wait(struct waitgroup *wg)
{
    pthread_mutex_lock(&wg->mu);
    while (wg->count > 0) /* a loop: wake-ups can be spurious */
        pthread_cond_wait(&wg->zero, &wg->mu);
    pthread_mutex_unlock(&wg->mu);
}

static struct waitgroup wg = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0};
static long results[WORKERS]; /* slot i written only by worker i, read by main after wg_wait */

static void *worker(void *arg)
{
    long *slot = arg;
    long n = (slot - results + 1) * 1000, sum = 0;
    for (long i = 1; i <= n; i++)
        sum += i * i;
    *slot = sum;
    wg_done(&wg); /* after the write: publishes it to wg_wait */
    return NULL;
}

int main(void)
{
    pthread_attr_t detached;
    pthread_attr_init(&detached);
    pthread_attr_setdetachstate(&detached, PTHREAD_CREATE_DETACHED); /* no join possible */
    for (int i = 0; i < WORKERS; i++) {
        pthread_t t;
        wg_add(&wg, 1); /* before the start, or wait() could see 0 too early */
        pthread_create(&t, &detached, worker, &results[i]);
    }
    pthread_attr_destroy(&detached);

    wg_wait(&wg);
    for (int i = 0; i < WORKERS; i++)
        printf("result[%d] = %ld\n", i, results[i]);
    return 0;
}
