/* chan.h: Go's channel in C: a bounded MPMC queue of fixed-size items, capacity 0 (rendezvous) or more, with close and select.
 *
 * Semantics (Go's, unless said):
 *   - chan_send copies elem_size bytes in; chan_recv copies them out.  With
 *     capacity 0 a send completes only when a receiver takes the item (a
 *     rendezvous: the item goes straight from the sender's buffer to the
 *     receiver's); with capacity n, a send waits only while n items are
 *     queued.  Items come out in the order they went in (FIFO), and blocked
 *     senders and receivers are served in arrival order.
 *   - Blocking operations take a context (NULL means "no context", the same
 *     as ctx_background()): they give up with ctx_err(ctx) when it is done
 *     first, and then have moved no item (an item is handed over or not, never
 *     half).  A context that is already done when the call starts still lets
 *     an operation that can complete at once complete (Go's select picks among
 *     ready cases, and a ready channel is one of them): only a call that would
 *     block reports ctx_err.
 *   - chan_close is for the sending side only (Go's rule: the sender knows when
 *     there is no more).  After it, receivers first drain the queued items,
 *     then every receive returns TK_CLOSED at once with the item zeroed (Go's
 *     `v, ok := <-ch` with ok false).  Senders blocked at close, and any send
 *     after it, return TK_CLOSED: Go panics here; a teaching lab reports it.
 *     Closing twice returns TK_CLOSED too (Go panics).
 *   - chan_select waits until one of several sends or receives can proceed,
 *     does exactly that one, and returns its index; ready cases are picked at
 *     random, so none starves (Go's rule).  A case with ch == NULL is never
 *     ready (Go's nil channel: how a loop disables a case).  A receive from a
 *     closed channel and a send to one are ready: the case's err says
 *     TK_CLOSED.  chan_try_select is select with a `default:`.
 *   - Try-operations never block: TK_WOULD_BLOCK when nothing is ready.
 *   - NULL, one rule per call (Go's, except where Go would hang for ever):
 *     a NULL channel is Go's nil channel, never ready.  chan_send and
 *     chan_recv on it wait for ctx and return ctx_err(ctx), or TK_INVALID at
 *     once when ctx can never be done (NULL, ctx_background(), or a value
 *     context under it): Go blocks for ever there.  chan_select does the same
 *     when no case has a channel.  chan_try_* and chan_try_select on it:
 *     TK_WOULD_BLOCK.  chan_close(NULL) is a hard stop with Go's panic
 *     message "close of nil channel".  chan_len and chan_cap of NULL are 0;
 *     chan_free(NULL) does nothing.  A NULL ctx is ctx_background() in every
 *     call.
 *
 * Memory: the channel copies items by value and never looks inside them.  If
 * an item is (or holds) a pointer to something the sender owns, a successful
 * send passes that ownership to whoever receives it; items still queued when
 * the channel is freed are dropped without being looked at, so drain a
 * channel of owning pointers before chan_free.  chan_new allocates the
 * channel; chan_free frees it, and must not race with any other call on it
 * (freeing a channel a thread still waits on is a programmer error and a hard
 * stop).  elem and out buffers belong to the caller and must hold elem_size
 * bytes; they are only touched during the call.
 */
#ifndef MEMLAB_TOOLKIT_CHAN_H
#define MEMLAB_TOOLKIT_CHAN_H

#include <stddef.h>

#include "labs/toolkit/context.h"
#include "labs/toolkit/errors.h"

struct chan;

/* A channel of capacity items of elem_size bytes (elem_size may be 0, as Go's
 * chan struct{}).  NULL with errno ENOMEM. */
struct chan *chan_new(size_t elem_size, size_t capacity);
void chan_free(struct chan *ch);

/* 0, TK_CLOSED, or ctx_err(ctx).  ch NULL: ctx_err(ctx) once ctx is done, or
 * TK_INVALID at once if it never can be (Go blocks for ever). */
int chan_send(struct chan *ch, const void *elem, struct ctx *ctx);
/* 0 (out filled), TK_CLOSED (closed and drained; out zeroed), or ctx_err(ctx).
 * ch NULL: as chan_send. */
int chan_recv(struct chan *ch, void *out, struct ctx *ctx);
/* Never block: 0, TK_CLOSED or TK_WOULD_BLOCK (always, for ch NULL). */
int chan_try_send(struct chan *ch, const void *elem);
int chan_try_recv(struct chan *ch, void *out);
/* 0, or TK_CLOSED if already closed.  ch NULL: a hard stop ("close of nil
 * channel", Go's panic). */
int chan_close(struct chan *ch);

/* Snapshots (Go's len(ch) and cap(ch)); 0 for NULL. */
size_t chan_len(struct chan *ch);
size_t chan_cap(struct chan *ch);

enum chan_dir { CHAN_SEND, CHAN_RECV };

struct chan_case {
    struct chan *ch;   /* NULL: never ready */
    enum chan_dir dir;
    void *elem;        /* CHAN_SEND: the item to send; CHAN_RECV: where to receive */
    int err;           /* out, for the chosen case: 0 or TK_CLOSED */
};

/* The most cases one select may have. */
#define CHAN_SELECT_MAX 64

/* Block until a case proceeds: its index (>= 0); or ctx_err(ctx) (< 0) when
 * ctx is done first; TK_INVALID when n is above CHAN_SELECT_MAX, or when no
 * case has a channel and ctx can never be done (NULL or ctx_background():
 * Go's `select {}` blocks for ever; here that is reported instead).  When
 * several cases could proceed (ready at once, or completable by one partner
 * that arrives later, as two sends to one channel), each is equally likely. */
int chan_select(struct chan_case *cases, size_t n, struct ctx *ctx);
/* The index of a case that proceeded at once, or TK_WOULD_BLOCK. */
int chan_try_select(struct chan_case *cases, size_t n);

#endif
