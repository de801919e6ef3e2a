/* fixed_torn_struct_mutex.c: racy_torn_struct with every copy under a mutex; no torn reads.
 *
 * Question: how does a lock fix tearing?  The writer's and the reader's
 * copies can no longer overlap, and unlock happens-before the next lock, so
 * every copy is one whole version.  Readers and the writer now wait for each
 * other; fixed_torn_struct_snapshot.c lets readers run without waiting.
 * Expected: TSan reports nothing; 0 torn reads.
 *
 * expect: tsan=clean
 */
#include <pthread.h>
#include <stdio.h>

#include "stage.h"

enum { READS = 200000 };

struct stamp {
    long a, b, c, d; /* all four equal in every version the writer writes */
};

static pthread_mutex_t shared_mu = PTHREAD_MUTEX_INITIALIZER;
static struct stamp shared; /* protected by shared_mu */

static void *writer(void *arg)
{
    stage_line_up(2);
    for (long v = 1;; v++) {
        struct stamp next = {v, v, v, v};
        pthread_mutex_lock(&shared_mu);
        shared = next;
        pthread_mutex_unlock(&shared_mu);
        if (stage_reached(1)) /* stage: the reader is done */
            break;
    }
    return arg;
}

int main(void)
{
    pthread_t t;
    pthread_create(&t, NULL, writer, NULL);
    stage_line_up(2);

    long torn = 0;
    for (int i = 0; i < READS; i++) {
        pthread_mutex_lock(&shared_mu);
        struct stamp s = shared;
        pthread_mutex_unlock(&shared_mu);
        if (s.a != s.b || s.b != s.c || s.c != s.d)
            torn++;
    }
    stage_go(1); /* stage: the reader is done; the writer may stop */
    pthread_join(t, NULL);
    printf("%d reads, %ld torn (fields from two different versions)\n", READS, torn);
    return torn == 0 ? 0 : 1;
}
