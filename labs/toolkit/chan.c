/* chan.c: Go's hchan: a ring buffer, two queues of blocked waiters, one lock.
 *
 * State, all under lock:
 *   buf[head .. head+count) (mod cap)  the queued items, oldest first
 *   recvq  receivers blocked because count == 0 and no sender waited
 *   sendq  senders blocked because count == cap and no receiver waited
 *   closed set once by chan_close
 * Invariants: recvq non-empty implies count == 0; sendq non-empty implies
 * count == cap; neither queue gains a waiter once closed is set.
 * A waiter (Go's sudog) lives on the blocked thread's stack and points at
 * that thread's parker.  A select queues one waiter per case, all sharing
 * one parker: whoever completes a case first claims the parker (parker_fire),
 * and every other queue entry of that select becomes stale, skipped by the
 * next thread that pops it.  The claimer copies the item while holding the
 * channel's lock, so the woken thread, which takes that lock to dequeue its
 * other entries, sees the item and the result.
 *
 * The pieces a student writes in the bounded-channel exercise are the ring
 * (ring_put, ring_take) and the non-blocking core (send_locked, recv_locked,
 * close): the select machinery below them only decides when to call them.
 */
#include "labs/toolkit/chan.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "labs/toolkit/internal.h"
#include "labs/toolkit/parker.h"
#include "locks/lock.h"
#include "locks/mutex_barging.h"

struct chan_waiter {
    struct chan_waiter *next, *prev; /* in one queue, under the channel's lock */
    struct parker *park;
    unsigned reason; /* what to fire park with: the case index + 1 */
    void *elem;      /* sender: the item; receiver: where it goes */
    int result;      /* written by the claimer: 0 or TK_CLOSED */
    bool queued;
};

struct waitlist {
    struct chan_waiter *head, *tail;
};

struct chan {
    struct mutex_barging lock;
    size_t elem_size, cap;
    size_t head, count;
    bool closed;
    struct waitlist recvq, sendq;
    unsigned char buf[]; /* cap * elem_size bytes */
};

struct chan *chan_new(size_t elem_size, size_t capacity)
{
    if (elem_size && capacity > (SIZE_MAX - sizeof(struct chan)) / elem_size) {
        errno = ENOMEM;
        return NULL;
    }
    struct chan *ch = calloc(1, sizeof *ch + elem_size * capacity);
    if (!ch) {
        errno = ENOMEM;
        return NULL;
    }
    mutex_barging_init(&ch->lock);
    ch->elem_size = elem_size;
    ch->cap = capacity;
    return ch;
}

void chan_free(struct chan *ch)
{
    if (!ch)
        return;
    if (ch->recvq.head || ch->sendq.head)
        lock_fatal("chan: free of a channel that threads are blocked on");
    free(ch);
}

/* memcpy with a NULL pointer is undefined even for 0 bytes, and a channel of
 * 0-byte items (Go's chan struct{}) is sent NULL. */
static void copy_item(void *dst, const void *src, size_t n)
{
    if (n)
        memcpy(dst, src, n);
}

/* ---- waiter queues (under the lock) ------------------------------------- */

static void enqueue(struct waitlist *q, struct chan_waiter *w)
{
    w->next = NULL;
    w->prev = q->tail;
    if (q->tail)
        q->tail->next = w;
    else
        q->head = w;
    q->tail = w;
    w->queued = true;
}

static void unlink_waiter(struct waitlist *q, struct chan_waiter *w)
{
    if (w->prev)
        w->prev->next = w->next;
    else
        q->head = w->next;
    if (w->next)
        w->next->prev = w->prev;
    else
        q->tail = w->prev;
    w->queued = false;
}

/* Pop waiters until one can be claimed (its select has not already gone
 * another way); NULL when none.  The claimed thread is woken but cannot
 * return before we unlock, so the caller may still write its elem/result. */
static struct chan_waiter *claim_waiter(struct waitlist *q)
{
    while (q->head) {
        struct chan_waiter *w = q->head;
        unlink_waiter(q, w);
        if (parker_fire(w->park, w->reason))
            return w;
    }
    return NULL;
}

/* ---- the bounded channel's core: ring and non-blocking operations ------- */

static void ring_put(struct chan *ch, const void *elem)
{
    size_t tail = (ch->head + ch->count) % ch->cap;
    copy_item(ch->buf + tail * ch->elem_size, elem, ch->elem_size);
    ch->count++;
}

static void ring_take(struct chan *ch, void *out)
{
    copy_item(out, ch->buf + ch->head * ch->elem_size, ch->elem_size);
    ch->head = (ch->head + 1) % ch->cap;
    ch->count--;
}

/* ---- taking one item out of the middle (internal.h) -------------------- */

static unsigned char *ring_slot(struct chan *ch, size_t i)
{
    return ch->buf + ((ch->head + i) % ch->cap) * ch->elem_size;
}

/* Remove the i-th queued item (0 = oldest); the younger ones move up one. */
static void ring_remove_at(struct chan *ch, size_t i)
{
    for (; i + 1 < ch->count; i++)
        copy_item(ring_slot(ch, i), ring_slot(ch, i + 1), ch->elem_size);
    ch->count--;
}

/* The ring has room again: the oldest blocked sender's item joins the tail
 * (sendq is only non-empty while the ring is full). */
static void admit_sender(struct chan *ch)
{
    struct chan_waiter *w = claim_waiter(&ch->sendq);
    if (w) {
        ring_put(ch, w->elem);
        w->result = 0;
    }
}

int chan_take_if(struct chan *ch, void *out, item_match_fn match, void *arg)
{
    int rc = TK_WOULD_BLOCK;
    mutex_barging_lock(&ch->lock);
    for (size_t i = 0; i < ch->count; i++) {
        if (!match(ring_slot(ch, i), arg))
            continue;
        copy_item(out, ring_slot(ch, i), ch->elem_size);
        ring_remove_at(ch, i);
        admit_sender(ch);
        rc = 0;
        break;
    }
    mutex_barging_unlock(&ch->lock);
    return rc;
}

/* Under the lock: 0 (sent), TK_CLOSED, or TK_WOULD_BLOCK. */
static int send_locked(struct chan *ch, const void *elem)
{
    if (ch->closed)
        return TK_CLOSED;
    struct chan_waiter *w = claim_waiter(&ch->recvq);
    if (w) { /* a receiver waits, so the ring is empty: hand it over directly */
        copy_item(w->elem, elem, ch->elem_size);
        w->result = 0;
        return 0;
    }
    if (ch->count < ch->cap) {
        ring_put(ch, elem);
        return 0;
    }
    return TK_WOULD_BLOCK;
}

/* Under the lock: 0 (received), TK_CLOSED (out zeroed), or TK_WOULD_BLOCK. */
static int recv_locked(struct chan *ch, void *out)
{
    struct chan_waiter *w = claim_waiter(&ch->sendq);
    if (w) {
        if (ch->cap == 0) {
            copy_item(out, w->elem, ch->elem_size); /* rendezvous */
        } else {
            /* The ring is full: take the oldest, and the waiting sender's
             * item joins the tail, keeping FIFO order. */
            ring_take(ch, out);
            ring_put(ch, w->elem);
        }
        w->result = 0;
        return 0;
    }
    if (ch->count > 0) {
        ring_take(ch, out);
        return 0;
    }
    if (ch->closed) {
        if (ch->elem_size)
            memset(out, 0, ch->elem_size);
        return TK_CLOSED;
    }
    return TK_WOULD_BLOCK;
}

int chan_close(struct chan *ch)
{
    if (!ch)
        lock_fatal("close of nil channel"); /* Go's panic */
    mutex_barging_lock(&ch->lock);
    if (ch->closed) {
        mutex_barging_unlock(&ch->lock);
        return TK_CLOSED;
    }
    ch->closed = true;
    struct chan_waiter *w;
    while ((w = claim_waiter(&ch->recvq))) {
        if (ch->elem_size)
            memset(w->elem, 0, ch->elem_size);
        w->result = TK_CLOSED;
    }
    while ((w = claim_waiter(&ch->sendq)))
        w->result = TK_CLOSED;
    mutex_barging_unlock(&ch->lock);
    return 0;
}

size_t chan_len(struct chan *ch)
{
    if (!ch)
        return 0; /* Go: len of a nil channel */
    mutex_barging_lock(&ch->lock);
    size_t n = ch->count;
    mutex_barging_unlock(&ch->lock);
    return n;
}

size_t chan_cap(struct chan *ch) { return ch ? ch->cap : 0; }

/* ---- select: lock every channel, poll, else queue everywhere and park ---- */

struct sel {
    struct chan_case *cases;
    size_t n;
    struct chan *locks[CHAN_SELECT_MAX]; /* distinct channels, by address */
    size_t nlocks;
    size_t order[CHAN_SELECT_MAX];       /* poll order */
};

static uint64_t next_random(void)
{
    static _Thread_local uint64_t state;
    if (state == 0)
        state = now_ns() ^ (uint64_t)(uintptr_t)&state ^ 0x9e3779b97f4a7c15u;
    return xorshift64(&state);
}

/* Distinct channels sorted by address: every select locks in the same order,
 * so two selects over the same channels cannot deadlock (Go's sellock). */
static void sel_prepare(struct sel *s)
{
    s->nlocks = 0;
    for (size_t i = 0; i < s->n; i++) {
        struct chan *ch = s->cases[i].ch;
        if (!ch)
            continue;
        size_t j = s->nlocks;
        while (j > 0 && s->locks[j - 1] > ch)
            j--;
        if (j > 0 && s->locks[j - 1] == ch)
            continue;
        memmove(&s->locks[j + 1], &s->locks[j], (s->nlocks - j) * sizeof s->locks[0]);
        s->locks[j] = ch;
        s->nlocks++;
    }
    /* Fisher-Yates: a random poll order is what keeps one always-ready case
     * from starving the others. */
    for (size_t i = 0; i < s->n; i++) {
        size_t j = (size_t)(next_random() % (i + 1));
        s->order[i] = s->order[j];
        s->order[j] = i;
    }
}

static void sel_lock(struct sel *s)
{
    for (size_t i = 0; i < s->nlocks; i++)
        mutex_barging_lock(&s->locks[i]->lock);
}

static void sel_unlock(struct sel *s)
{
    for (size_t i = s->nlocks; i-- > 0;)
        mutex_barging_unlock(&s->locks[i]->lock);
}

/* Under all locks: the index of a case that proceeded, or -1. */
static int sel_poll(struct sel *s)
{
    for (size_t k = 0; k < s->n; k++) {
        size_t i = s->order[k];
        struct chan_case *c = &s->cases[i];
        if (!c->ch)
            continue;
        int r = c->dir == CHAN_SEND ? send_locked(c->ch, c->elem) : recv_locked(c->ch, c->elem);
        if (r != TK_WOULD_BLOCK) {
            c->err = r;
            return (int)i;
        }
    }
    return -1;
}

struct sel_hook {
    struct ctx_hook hook; /* first: the hook's address is this struct's */
    struct parker *park;
};

static void sel_on_ctx_done(struct ctx_hook *hook)
{
    parker_fire(((struct sel_hook *)hook)->park, PARKER_CTX);
}

static int select_impl(struct chan_case *cases, size_t n, struct ctx *ctx, bool block)
{
    if (n > CHAN_SELECT_MAX)
        return TK_INVALID;
    struct sel s = {.cases = cases, .n = n};
    sel_prepare(&s);
    /* No channel can ever be ready and nothing can ever end the wait: Go
     * blocks for ever here; we report it.  NULL is ctx_background(). */
    if (block && s.nlocks == 0 && ctx_never_done(ctx))
        return TK_INVALID;

    sel_lock(&s);
    int chosen = sel_poll(&s);
    if (chosen >= 0 || !block) {
        sel_unlock(&s);
        return chosen >= 0 ? chosen : TK_WOULD_BLOCK;
    }
    int err = ctx ? ctx_err(ctx) : 0;
    if (err) {
        sel_unlock(&s);
        return err;
    }

    /* Nothing ready: queue one waiter per case, all on one parker, in the
     * random poll order.  A partner takes the first of our waiters it finds
     * in its channel's queue, so when several cases are on one channel (two
     * sends to it, say) the queue order is the choice: queued by index, case
     * 0 would win every time, against Go's rule that ready cases are picked
     * at random. */
    struct parker park;
    struct chan_waiter w[CHAN_SELECT_MAX];
    parker_init(&park);
    for (size_t i = 0; i < n; i++)
        w[i].queued = false;
    for (size_t k = 0; k < n; k++) {
        size_t i = s.order[k];
        struct chan_case *c = &cases[i];
        if (!c->ch)
            continue;
        w[i].park = &park;
        w[i].reason = (unsigned)i + 1;
        w[i].elem = c->elem;
        w[i].result = 0;
        enqueue(c->dir == CHAN_SEND ? &c->ch->sendq : &c->ch->recvq, &w[i]);
    }
    sel_unlock(&s);

    struct sel_hook sh = {.park = &park};
    bool hooked = ctx && ctx_hook_add(ctx, &sh.hook, sel_on_ctx_done);
    if (ctx && !hooked)
        parker_fire(&park, PARKER_CTX); /* done meanwhile; a channel may still win the CAS */
    unsigned why = parker_wait(&park, 0);

    /* Leave every queue before the waiters' stack frame goes (parker.h). */
    if (hooked)
        ctx_hook_remove(&sh.hook);
    sel_lock(&s);
    for (size_t i = 0; i < n; i++) {
        struct chan_case *c = &cases[i];
        if (w[i].queued)
            unlink_waiter(c->dir == CHAN_SEND ? &c->ch->sendq : &c->ch->recvq, &w[i]);
    }
    sel_unlock(&s);

    if (why == PARKER_CTX)
        return ctx_err(ctx);
    size_t i = why - 1;
    cases[i].err = w[i].result;
    return (int)i;
}

int chan_select(struct chan_case *cases, size_t n, struct ctx *ctx)
{
    return select_impl(cases, n, ctx, true);
}

int chan_try_select(struct chan_case *cases, size_t n)
{
    return select_impl(cases, n, NULL, false);
}

/* ---- single operations: a select of one case ---------------------------- */

/* ch NULL is Go's nil channel: a case that is never ready, as in select. */
static int one_case(struct chan *ch, enum chan_dir dir, void *elem, struct ctx *ctx, bool block)
{
    struct chan_case c = {.ch = ch, .dir = dir, .elem = elem};
    int r = select_impl(&c, 1, ctx, block);
    return r < 0 ? r : c.err;
}

int chan_send(struct chan *ch, const void *elem, struct ctx *ctx)
{
    return one_case(ch, CHAN_SEND, (void *)elem, ctx, true);
}

int chan_recv(struct chan *ch, void *out, struct ctx *ctx)
{
    return one_case(ch, CHAN_RECV, out, ctx, true);
}

int chan_try_send(struct chan *ch, const void *elem)
{
    return one_case(ch, CHAN_SEND, (void *)elem, NULL, false);
}

int chan_try_recv(struct chan *ch, void *out)
{
    return one_case(ch, CHAN_RECV, out, NULL, false);
}
