/* context.h: Go's context package in C: a tree of cancellation with deadlines, values, a cause, and a pollable done fd.
 *
 * Semantics (Go's, unless said):
 *   - ctx_background() is the root: never cancelled, no deadline, no values.
 *   - ctx_with_cancel/deadline/timeout make a child that is done when it is
 *     cancelled, when its deadline passes, or when its parent is done.
 *     Cancelling a parent cancels every descendant (grandchildren too) before
 *     ctx_cancel returns; a child made under a done parent is born done with
 *     the parent's err and cause.
 *   - A child's deadline never extends its parent's: the earlier one wins
 *     (with_deadline under an earlier parent deadline is just with_cancel).
 *     A deadline already past makes a child born with TK_DEADLINE_EXCEEDED.
 *   - ctx_with_value adds one key/value; ctx_value walks up the parents and
 *     the nearest key wins (a child shadows its ancestors).  Keys compare by
 *     pointer: use the address of a static object of your own, as Go
 *     recommends an unexported key type.  A value context cannot be cancelled
 *     on its own (Go gives it no cancel function): it is done when its
 *     nearest cancellable ancestor is.
 *   - ctx_err is 0 until done, then TK_CANCELED or TK_DEADLINE_EXCEEDED for
 *     ever.  The first cancellation wins: later ones change nothing.
 *     ctx_cause is the error given to ctx_cancel_cause (Go's
 *     context.Cause); cancelling with cause 0, or plain ctx_cancel, makes the
 *     cause equal to err.
 *   - ctx_cancel is idempotent and thread-safe (any thread, e.g. a
 *     signal-watcher thread; it is not async-signal-safe, so do not call it
 *     from a signal handler: use sigwait or signalfd in a thread).
 *   - Waiting: ctx_wait blocks until done; ctx_wait_timeout gives up with
 *     TK_TIMEOUT; ctx_done_fd is a file descriptor that becomes readable when
 *     the context is done and stays readable (Go's Done() channel, in a form
 *     poll/epoll can wait on together with sockets).  Never read from it.
 *   - Deadlines are on the now_ns() clock (CLOCK_MONOTONIC, nanoseconds), so
 *     setting the wall clock never fires or delays one.  One timer thread per
 *     process fires them; it starts with the first armed deadline and exits
 *     about 50 ms after the last one is disarmed, so an idle program has no
 *     extra thread.
 *
 * Memory (Go has a garbage collector; here contexts are reference counted):
 *   - Every ctx_with_* returns a context holding one reference, owned by the
 *     caller.  The caller's duty, like Go's `defer cancel()`, is ctx_close()
 *     when done with it (cancel, then release).  ctx_release alone gives the
 *     reference back without cancelling.  ctx_retain adds a reference for
 *     another owner (e.g. a thread that may outlive the creator's use).
 *   - A child holds a reference on its parent, so a parent lives as long as
 *     any descendant; releasing a parent early is safe.
 *   - A cancellable child that is never cancelled by hand is still freed:
 *     its parent holds it (as Go's parent keeps it in its children map) until
 *     the parent is cancelled, and a deadline child is also held by the timer
 *     until its deadline fires.  So forgetting ctx_close costs memory only
 *     until the parent is cancelled or the deadline passes, exactly Go's
 *     leak; under ctx_background, which is never cancelled, it lasts forever.
 *   - Values are borrowed: the context never frees key or value; they must
 *     outlive every context that carries them.
 *   - ctx_background() is static: retain/release on it do nothing.
 *   - The done fd belongs to the context: it is closed when the last
 *     reference goes, so hold a reference while an epoll set holds the fd.
 *
 * NULL, one rule per call: ctx_with_* stop hard on a NULL parent (Go's panic
 * "cannot create context from nil parent"), and so does ctx_cancel(NULL)
 * (calling a nil cancel func); ctx_retain, ctx_release and ctx_close do
 * nothing with NULL (as free); every other call, here and in the rest of the
 * toolkit, reads NULL as ctx_background().
 *
 * Out of memory: ctx_with_* return NULL with errno ENOMEM (or EAGAIN when the
 * timer thread cannot start); nothing is changed then.
 */
#ifndef MEMLAB_TOOLKIT_CONTEXT_H
#define MEMLAB_TOOLKIT_CONTEXT_H

#include <stdbool.h>
#include <stdint.h>

#include "labs/toolkit/errors.h"

struct ctx;

/* The root context. */
struct ctx *ctx_background(void);

/* parent must not be NULL (a hard stop: see "NULL" above). */
struct ctx *ctx_with_cancel(struct ctx *parent);
/* deadline_ns on the now_ns() clock. */
struct ctx *ctx_with_deadline(struct ctx *parent, uint64_t deadline_ns);
/* ctx_with_deadline(parent, now_ns() + timeout_ns). */
struct ctx *ctx_with_timeout(struct ctx *parent, uint64_t timeout_ns);
struct ctx *ctx_with_value(struct ctx *parent, const void *key, void *value);

/* Cancel c and all its descendants.  Only for contexts made by
 * ctx_with_cancel/deadline/timeout: cancelling ctx_background or a value
 * context is a programmer error (a hard stop, as calling a nil func in Go). */
void ctx_cancel(struct ctx *c);
/* The same with a cause (0 means "no cause": the cause is then the err). */
void ctx_cancel_cause(struct ctx *c, int cause);

void ctx_retain(struct ctx *c);
void ctx_release(struct ctx *c);
/* Cancel (if cancellable) and release: the `defer cancel()` of C. */
void ctx_close(struct ctx *c);

/* 0 while not done, then TK_CANCELED or TK_DEADLINE_EXCEEDED. */
int ctx_err(struct ctx *c);
/* 0 while not done, then the cause (equal to err when none was given). */
int ctx_cause(struct ctx *c);
static inline bool ctx_done(struct ctx *c) { return ctx_err(c) != 0; }
/* The effective deadline (the earliest along the parents); false if none. */
bool ctx_deadline(struct ctx *c, uint64_t *deadline_ns);
/* The value of the nearest context carrying key, or NULL. */
void *ctx_value(struct ctx *c, const void *key);

/* Block until c is done; returns ctx_err(c). */
int ctx_wait(struct ctx *c);
/* The same, giving up after timeout_ns with TK_TIMEOUT. */
int ctx_wait_timeout(struct ctx *c, uint64_t timeout_ns);
/* A non-blocking eventfd, readable once c is done (readable at once if it
 * already is), owned by c; -1 with errno set if it cannot be made.  For
 * ctx_background it is never readable. */
int ctx_done_fd(struct ctx *c);

/* How many contexts are allocated right now (a snapshot), so tests and demos
 * can show that a cancelled tree was freed. */
long ctx_live(void);

/* ---- hooks: how the toolkit's own blocking operations hear about cancellation.
 * (Go's context.AfterFunc, restricted to what a waker needs.)
 * ctx_hook_add queues hook so that fn(hook) runs once when c is done; it
 * returns false, without queuing, when c is already done (fn is not called:
 * the caller sees ctx_err instead).  On a context that can never be done
 * (ctx_background, and value contexts under it) it returns true and queues
 * nothing.  Call ctx_hook_remove exactly when ctx_hook_add returned true.
 * fn runs in the cancelling thread with the context's lock held: it must be
 * short, must not block, and must not call into the context.  Waking a
 * parker is what it is for.
 * ctx_hook_remove takes the hook back: true if it had not fired; false if it
 * fired, and then fn has already returned, so the hook's memory (usually
 * the waiter's stack) may be reused as soon as this returns. */
struct ctx_hook {
    void (*fn)(struct ctx_hook *hook);
    struct ctx_hook *next, *prev; /* the context's list, under its lock */
    struct ctx *on;               /* the cancellable context it is queued on */
    bool queued;                  /* under that context's lock */
};

bool ctx_hook_add(struct ctx *c, struct ctx_hook *hook, void (*fn)(struct ctx_hook *hook));
bool ctx_hook_remove(struct ctx_hook *hook);

#endif
