/* bchan.h: lab 06: a bounded channel of longs (one mutex, two condition variables) and a worker pool fed by it.
 *
 * The toolkit's full channel (labs/toolkit/chan.h: any item size,
 * capacity 0, contexts, select) is the library's answer; this is the core
 * idea in a page, with Go's rules:
 *   - send blocks while the buffer is full; recv blocks while it is empty;
 *     items come out in the order they went in.
 *   - close is for the sending side; after it, receivers drain what is
 *     queued, then every recv returns BCHAN_CLOSED at once; send returns
 *     BCHAN_CLOSED (Go panics); so does a second close (Go panics).
 *   - threads blocked in send or recv when close happens return BCHAN_CLOSED
 *     (a receiver: once the buffer is empty).
 */
#ifndef MEMLAB_LAB06_BCHAN_H
#define MEMLAB_LAB06_BCHAN_H

#include <stddef.h>

enum { BCHAN_CLOSED = -3 }; /* the same value as the toolkit's TK_CLOSED */

struct bchan;

/* capacity >= 1; NULL (errno EINVAL or ENOMEM) otherwise. */
struct bchan *bchan_new(size_t capacity);
/* No thread may be using or blocked on it. */
void bchan_free(struct bchan *ch);

int bchan_send(struct bchan *ch, long item);  /* 0 or BCHAN_CLOSED */
int bchan_recv(struct bchan *ch, long *item); /* 0 or BCHAN_CLOSED (closed and drained) */
int bchan_close(struct bchan *ch);            /* 0 or BCHAN_CLOSED (already closed) */
size_t bchan_len(struct bchan *ch);           /* queued items (a snapshot) */

/* The worker pool: `workers` threads, each receiving items from one bchan of
 * capacity `queue` and calling handle(item, arg), one at a time. */
struct pool;
struct pool *pool_new(unsigned workers, size_t queue, void (*handle)(long item, void *arg), void *arg);
/* Blocks while the queue is full (back-pressure): 0, or BCHAN_CLOSED after shutdown. */
int pool_submit(struct pool *p, long item);
/* Stop intake, let the workers handle everything queued, and join every
 * worker: no thread of the pool is alive when it returns. */
void pool_shutdown(struct pool *p);
/* Shuts down if needed, then frees. */
void pool_free(struct pool *p);

#endif
