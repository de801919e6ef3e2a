/* bchan.c: lab 06: a ring buffer under one mutex, with "not full" and "not empty" condition variables.
 *
 * State, under mu: buf[head .. head+count) (mod cap), closed.
 * Invariants: 0 <= count <= cap; once closed, nothing is added.
 * Waiting: a sender sleeps on not_full while count == cap and not closed; a
 * receiver sleeps on not_empty while count == 0 and not closed.  Condition
 * variables can wake spuriously, so every wait sits in a while loop that
 * re-checks its condition.
 *
 * Broken on purpose in the handout: bchan_send, bchan_recv and bchan_close
 * (the TODO(lab 06) lines).
 */
#include "labs/06-channels-pools/bchan.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>

struct bchan {
    pthread_mutex_t mu;
    pthread_cond_t not_full, not_empty;
    size_t cap, head, count;
    bool closed;
    long buf[];
};

struct bchan *bchan_new(size_t capacity)
{
    if (capacity == 0 || capacity > (1u << 24)) {
        errno = EINVAL;
        return NULL;
    }
    struct bchan *ch = calloc(1, sizeof *ch + capacity * sizeof(long));
    if (!ch)
        return NULL;
    pthread_mutex_init(&ch->mu, NULL);
    pthread_cond_init(&ch->not_full, NULL);
    pthread_cond_init(&ch->not_empty, NULL);
    ch->cap = capacity;
    return ch;
}

void bchan_free(struct bchan *ch)
{
    if (!ch)
        return;
    pthread_cond_destroy(&ch->not_full);
    pthread_cond_destroy(&ch->not_empty);
    pthread_mutex_destroy(&ch->mu);
    free(ch);
}

int bchan_send(struct bchan *ch, long item)
{
    /* BEGIN SOLUTION: under mu: wait on not_full while full and open; closed -> BCHAN_CLOSED; else put item at (head + count) % cap and wake one receiver */
    pthread_mutex_lock(&ch->mu);
    while (ch->count == ch->cap && !ch->closed)
        pthread_cond_wait(&ch->not_full, &ch->mu);
    if (ch->closed) {
        pthread_mutex_unlock(&ch->mu);
        return BCHAN_CLOSED;
    }
    ch->buf[(ch->head + ch->count) % ch->cap] = item;
    ch->count++;
    /* One item: one receiver can use it.  Signalling while holding mu is
     * simplest to reason about; glibc avoids the extra wake-up either way. */
    pthread_cond_signal(&ch->not_empty);
    pthread_mutex_unlock(&ch->mu);
    return 0;
    /* END SOLUTION (stub: (void)ch; (void)item; return ENOSYS;) */
}

int bchan_recv(struct bchan *ch, long *item)
{
    /* BEGIN SOLUTION: under mu: wait on not_empty while empty and open; empty and closed -> BCHAN_CLOSED; else take buf[head] and wake one sender */
    pthread_mutex_lock(&ch->mu);
    while (ch->count == 0 && !ch->closed)
        pthread_cond_wait(&ch->not_empty, &ch->mu);
    if (ch->count == 0) { /* closed and drained */
        pthread_mutex_unlock(&ch->mu);
        return BCHAN_CLOSED;
    }
    *item = ch->buf[ch->head];
    ch->head = (ch->head + 1) % ch->cap;
    ch->count--;
    pthread_cond_signal(&ch->not_full);
    pthread_mutex_unlock(&ch->mu);
    return 0;
    /* END SOLUTION (stub: (void)ch; (void)item; return ENOSYS;) */
}

int bchan_close(struct bchan *ch)
{
    /* BEGIN SOLUTION: under mu: already closed -> BCHAN_CLOSED; else mark closed and wake EVERY waiter on both condition variables */
    pthread_mutex_lock(&ch->mu);
    if (ch->closed) {
        pthread_mutex_unlock(&ch->mu);
        return BCHAN_CLOSED;
    }
    ch->closed = true;
    /* Everybody: blocked senders must fail, blocked receivers must see
     * "closed" (the buffer is empty, or they would not be blocked). */
    pthread_cond_broadcast(&ch->not_full);
    pthread_cond_broadcast(&ch->not_empty);
    pthread_mutex_unlock(&ch->mu);
    return 0;
    /* END SOLUTION (stub: (void)ch; return ENOSYS;) */
}

size_t bchan_len(struct bchan *ch)
{
    pthread_mutex_lock(&ch->mu);
    size_t n = ch->count;
    pthread_mutex_unlock(&ch->mu);
    return n;
}
