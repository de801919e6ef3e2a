/* fixed_result_join.c: racy_result_no_join with pthread_join before the read.
 *
 * Question: what makes the worker's result safe to read?  Joining it:
 * everything a thread did happens-before pthread_join on it returns (Go:
 * wait for the goroutine, e.g. on a channel or a WaitGroup).  The worker can
 * also hand the result back as its return value, as here, so there is no
 * shared variable at all.
 * Expected: TSan reports nothing.
 *
 * expect: tsan=clean
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>

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
    return (void *)(intptr_t)sum_of_squares(n); /* the result travels through join */
}

int main(void)
{
    pthread_t t;
    pthread_create(&t, NULL, worker, (void *)(intptr_t)1000);
    void *ret;
    pthread_join(t, &ret); /* the worker's writes happen-before this returns */
    printf("result = %ld\n", (long)(intptr_t)ret);
    return 0;
}
