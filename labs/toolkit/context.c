/* context.c: the cancellation tree, its timer thread, and the done fd.
 *
 * Nodes.  A cancellable context (CTX_CANCEL) is a node of the tree: it has a
 * lock, a done word, err/cause, its hooks, and the list of its cancellable
 * children.  A value context (CTX_VALUE) is only key, value and a parent:
 * its cnode ("cancel node") points at the nearest cancellable ancestor, and
 * every question about doneness goes there, as Go's valueCtx delegates
 * Done() and Err() to its parent.  A cancellable context made under a value
 * context links into that cnode.  ctx_background is a static node that is
 * never done and keeps no children list (Go does not register children of
 * Background either, so creating contexts under it shares no lock).
 *
 * done (the futex word of a cancellable node):
 *   0 NOT_DONE        not done, nobody sleeps in ctx_wait
 *   1 NOT_DONE_SLEEPY not done, some ctx_wait may sleep on the word
 *   2 DONE            done; err and cause are final
 * Invariant: err and cause are written under the node's lock and before
 * done becomes DONE (release); a reader that sees DONE (acquire) sees them.
 * Only cancel_one moves done to DONE, under the lock, so the first cancel
 * wins and later ones see DONE and change nothing.
 *
 * Children: a node's children list holds one reference on each child (the
 * parent's reference, Go's children map).  Cancelling a node detaches the
 * whole list under its lock and then cancels the detached children outside
 * it, iteratively (a work list, not recursion, so a chain 100000 deep does
 * not overflow the stack).  A child cancelled by hand unlinks itself from
 * its parent under the parent's lock.  No two locks (nodes', timer.mu) are
 * ever held together: each step holds one, so there is no lock order to get
 * wrong.  Hooks run under their node's lock and take no lock.
 *
 * Reference counts: a context holds one reference on its parent; the
 * parent's list and the timer heap each hold one on a child; the creator
 * holds one.  The count falls to zero only when nobody can reach the node:
 * not linked (the list would hold a reference), not armed (the timer would),
 * no children (each would hold one on us).
 */
#include "labs/toolkit/context.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "labs/toolkit/internal.h"
#include "locks/lock.h"
#include "locks/mutex_barging.h"
#include "locks/sys.h"

enum ctx_kind { CTX_BACKGROUND, CTX_CANCEL, CTX_VALUE };
enum { NOT_DONE = 0, NOT_DONE_SLEEPY = 1, DONE = 2 };

#define NO_DEADLINE UINT64_MAX
#define NOT_ARMED SIZE_MAX
/* How long the idle timer thread waits for a new deadline before exiting. */
#define TIMER_LINGER_NS (50ull * 1000 * 1000)

struct ctx {
    atomic_uint refs;
    enum ctx_kind kind;
    struct ctx *parent;  /* one reference held; NULL only for background */
    struct ctx *cnode;   /* nearest cancellable node: self, or background */
    uint64_t deadline;   /* effective deadline, NO_DEADLINE when none */
    const void *key;     /* CTX_VALUE */
    void *value;

    /* The rest is used on cancellable nodes (and background's fd). */
    struct mutex_barging lock;
    atomic_uint done;
    int err, cause;
    struct ctx *children;          /* under lock */
    struct ctx *sib_next, *sib_prev; /* in linked_to's children, under its lock */
    struct ctx *linked_to;         /* the cnode of our parent, if we linked */
    bool linked;                   /* under linked_to's lock */
    struct ctx_hook *hooks;        /* under lock */
    int fd;                        /* done eventfd or -1, under lock */
    bool has_timer;                /* immutable after creation */
    size_t heap_index;             /* under timer.mu: NOT_ARMED or heap slot */
    struct ctx *work_next;         /* owned by the canceller that detached us */
};

static struct ctx background = {
    .kind = CTX_BACKGROUND,
    .cnode = &background,
    .deadline = NO_DEADLINE,
    .fd = -1,
    .heap_index = NOT_ARMED,
};

struct ctx *ctx_background(void) { return &background; }

/* NULL, wherever a context is read, is the background (context.h). */
static struct ctx *or_background(struct ctx *c) { return c ? c : &background; }

/* relaxed: a statistic; the tests that read it join the threads first.
 * x86: LOCK XADD. */
static atomic_long live;

long ctx_live(void) { return atomic_load_explicit(&live, memory_order_relaxed); }

/* ---- reference counts --------------------------------------------------- */

void ctx_retain(struct ctx *c)
{
    if (!c || c->kind == CTX_BACKGROUND)
        return;
    /* relaxed: the caller already holds a reference, so the node cannot be
     * freed under us and nothing is published by taking one more.
     * x86: LOCK XADD. */
    atomic_fetch_add_explicit(&c->refs, 1, memory_order_relaxed);
}

void ctx_release(struct ctx *c)
{
    /* Iterative: freeing a node drops its reference on its parent, which may
     * free that one too, all the way up a long chain. */
    while (c && c->kind != CTX_BACKGROUND) {
        /* acq_rel: release orders this owner's uses of the node before the
         * decrement; the thread that brings the count to zero acquires all
         * the other owners' releases before it frees.  x86: LOCK XADD. */
        if (atomic_fetch_sub_explicit(&c->refs, 1, memory_order_acq_rel) != 1)
            return;
        struct ctx *parent = c->parent;
        if (c->fd >= 0)
            close(c->fd);
        free(c);
        atomic_fetch_sub_explicit(&live, 1, memory_order_relaxed); /* see live. x86: LOCK XADD */
        c = parent;
    }
}

/* ---- the timer: one thread, a min-heap of armed deadline nodes ---------- */

static struct {
    pthread_mutex_t mu;
    pthread_cond_t cv; /* on CLOCK_MONOTONIC, like now_ns */
    pthread_once_t once;
    struct ctx **heap;
    size_t n, cap;
    bool running; /* a timer thread exists (it clears this when it exits) */
} timer = {.mu = PTHREAD_MUTEX_INITIALIZER, .once = PTHREAD_ONCE_INIT};

static void timer_init_once(void)
{
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&timer.cv, &attr);
    pthread_condattr_destroy(&attr);
}

static void heap_set(size_t i, struct ctx *c)
{
    timer.heap[i] = c;
    c->heap_index = i;
}

static void heap_sift_up(size_t i)
{
    struct ctx *c = timer.heap[i];
    while (i > 0 && timer.heap[(i - 1) / 2]->deadline > c->deadline) {
        heap_set(i, timer.heap[(i - 1) / 2]);
        i = (i - 1) / 2;
    }
    heap_set(i, c);
}

static void heap_sift_down(size_t i)
{
    struct ctx *c = timer.heap[i];
    for (;;) {
        size_t child = 2 * i + 1;
        if (child >= timer.n)
            break;
        if (child + 1 < timer.n && timer.heap[child + 1]->deadline < timer.heap[child]->deadline)
            child++;
        if (timer.heap[child]->deadline >= c->deadline)
            break;
        heap_set(i, timer.heap[child]);
        i = child;
    }
    heap_set(i, c);
}

static void heap_remove(struct ctx *c)
{
    size_t i = c->heap_index;
    c->heap_index = NOT_ARMED;
    struct ctx *last = timer.heap[--timer.n];
    if (last == c)
        return;
    heap_set(i, last);
    heap_sift_up(i);
    heap_sift_down(last->heap_index);
}

static void cancel_tree(struct ctx *c, int err, int cause);

static void timespec_at(struct timespec *ts, uint64_t t_ns)
{
    ts->tv_sec = (time_t)(t_ns / 1000000000u);
    ts->tv_nsec = (long)(t_ns % 1000000000u);
}

static void *timer_thread(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&timer.mu);
    uint64_t idle_since = now_ns();
    for (;;) {
        struct timespec ts;
        uint64_t now = now_ns();
        if (timer.n == 0) {
            if (now - idle_since >= TIMER_LINGER_NS)
                break;
            timespec_at(&ts, idle_since + TIMER_LINGER_NS);
            pthread_cond_timedwait(&timer.cv, &timer.mu, &ts);
            continue;
        }
        struct ctx *top = timer.heap[0];
        if (top->deadline > now) {
            timespec_at(&ts, top->deadline);
            pthread_cond_timedwait(&timer.cv, &timer.mu, &ts);
            continue;
        }
        /* The heap's reference on top passes to us. */
        heap_remove(top);
        pthread_mutex_unlock(&timer.mu);
        cancel_tree(top, TK_DEADLINE_EXCEEDED, TK_DEADLINE_EXCEEDED);
        ctx_release(top);
        pthread_mutex_lock(&timer.mu);
        idle_since = now_ns();
    }
    timer.running = false;
    pthread_mutex_unlock(&timer.mu);
    return NULL;
}

/* Arm c's own deadline: the heap takes a reference.  0 or an errno value. */
static int timer_arm(struct ctx *c)
{
    pthread_once(&timer.once, timer_init_once);
    pthread_mutex_lock(&timer.mu);
    if (timer.n == timer.cap) {
        size_t cap = timer.cap ? 2 * timer.cap : 64;
        struct ctx **heap = realloc(timer.heap, cap * sizeof *heap);
        if (!heap) {
            pthread_mutex_unlock(&timer.mu);
            return ENOMEM;
        }
        timer.heap = heap;
        timer.cap = cap;
    }
    if (!timer.running) {
        /* Detached: it exits on its own when idle, and nobody has to join it
         * (a joinable thread nobody joins is a leak TSan reports). */
        pthread_attr_t attr;
        pthread_t t;
        pthread_attr_init(&attr);
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        int rc = pthread_create(&t, &attr, timer_thread, NULL);
        pthread_attr_destroy(&attr);
        if (rc != 0) {
            pthread_mutex_unlock(&timer.mu);
            return rc;
        }
        timer.running = true;
    }
    ctx_retain(c);
    timer.heap[timer.n] = c;
    heap_sift_up(timer.n++);
    if (c->heap_index == 0)
        pthread_cond_signal(&timer.cv); /* a new earliest deadline */
    pthread_mutex_unlock(&timer.mu);
    return 0;
}

static void timer_disarm(struct ctx *c)
{
    if (!c->has_timer)
        return;
    bool was_armed = false;
    pthread_mutex_lock(&timer.mu);
    if (c->heap_index != NOT_ARMED) {
        heap_remove(c);
        was_armed = true;
        if (timer.n == 0)
            pthread_cond_signal(&timer.cv); /* start the idle countdown now, not at c's deadline */
    }
    pthread_mutex_unlock(&timer.mu);
    if (was_armed)
        ctx_release(c); /* the heap's reference; the caller still holds one */
}

/* ---- cancellation ------------------------------------------------------- */

static void signal_fd(int fd)
{
    uint64_t one = 1;
    /* An eventfd write of 1 cannot block or fail short of counter overflow,
     * which 2^64 - 2 cancellations would take. */
    ssize_t n = write(fd, &one, sizeof one);
    (void)n;
}

/* Mark n done, unless it already is; detach its children onto *work (their
 * references pass to the work list).  True when this call did it. */
static bool cancel_one(struct ctx *n, int err, int cause, struct ctx **work)
{
    mutex_barging_lock(&n->lock);
    /* relaxed: we hold the lock, and only lock holders write DONE; the
     * lock's acquire already ordered everything.  x86: MOV. */
    if (atomic_load_explicit(&n->done, memory_order_relaxed) == DONE) {
        mutex_barging_unlock(&n->lock);
        return false;
    }
    n->err = err;
    n->cause = cause;
    for (struct ctx *ch = n->children, *next; ch; ch = next) {
        next = ch->sib_next;
        ch->linked = false;
        ch->work_next = *work;
        *work = ch;
    }
    n->children = NULL;
    for (struct ctx_hook *h = n->hooks, *next; h; h = next) {
        next = h->next;
        h->queued = false;
        h->fn(h); /* under the lock: see ctx_hook_remove */
    }
    n->hooks = NULL;
    if (n->fd >= 0)
        signal_fd(n->fd);
    /* release: err and cause are written before DONE; pairs with the acquire
     * loads in ctx_err, ctx_cause and ctx_wait.  x86: XCHG. */
    unsigned was = atomic_exchange_explicit(&n->done, DONE, memory_order_release);
    mutex_barging_unlock(&n->lock);
    if (was == NOT_DONE_SLEEPY)
        futex_wake(&n->done, INT_MAX); /* n is alive: the sleepers hold references */
    return true;
}

/* Take c out of its parent's children list (cancelled by hand or by its own
 * timer; a parent's cancel has already detached it). */
static void remove_from_parent(struct ctx *c)
{
    struct ctx *p = c->linked_to;
    if (!p)
        return;
    bool was_linked = false;
    mutex_barging_lock(&p->lock);
    if (c->linked) {
        if (c->sib_prev)
            c->sib_prev->sib_next = c->sib_next;
        else
            p->children = c->sib_next;
        if (c->sib_next)
            c->sib_next->sib_prev = c->sib_prev;
        c->linked = false;
        was_linked = true;
    }
    mutex_barging_unlock(&p->lock);
    if (was_linked)
        ctx_release(c); /* the list's reference; the caller holds another */
}

static void cancel_tree(struct ctx *c, int err, int cause)
{
    struct ctx *work = NULL;
    if (!cancel_one(c, err, cause, &work))
        return;
    remove_from_parent(c);
    timer_disarm(c);
    /* Descendants get the same err and cause, as Go's propagation does. */
    while (work) {
        struct ctx *n = work;
        work = n->work_next;
        if (cancel_one(n, err, cause, &work))
            timer_disarm(n);
        ctx_release(n);
    }
}

void ctx_cancel_cause(struct ctx *c, int cause)
{
    if (!c)
        lock_fatal("context: cancel of a NULL context");
    if (c->kind != CTX_CANCEL)
        lock_fatal("context: cancel of a context that has no cancel function (background or value)");
    cancel_tree(c, TK_CANCELED, cause ? cause : TK_CANCELED);
}

void ctx_cancel(struct ctx *c) { ctx_cancel_cause(c, 0); }

void ctx_close(struct ctx *c)
{
    if (c && c->kind == CTX_CANCEL)
        ctx_cancel(c);
    ctx_release(c);
}

/* ---- construction ------------------------------------------------------- */

static struct ctx *ctx_alloc(struct ctx *parent, enum ctx_kind kind)
{
    if (!parent)
        lock_fatal("cannot create context from nil parent"); /* Go's panic */
    struct ctx *c = calloc(1, sizeof *c);
    if (!c) {
        errno = ENOMEM;
        return NULL;
    }
    atomic_fetch_add_explicit(&live, 1, memory_order_relaxed); /* see live. x86: LOCK XADD */
    atomic_init(&c->refs, 1);
    c->kind = kind;
    ctx_retain(parent);
    c->parent = parent;
    c->deadline = parent->deadline;
    c->fd = -1;
    c->heap_index = NOT_ARMED;
    mutex_barging_init(&c->lock);
    atomic_init(&c->done, NOT_DONE);
    return c;
}

/* A cancellable child of parent, linked under parent's cnode or born done.
 * Every field another thread may read (deadline, has_timer) is set before
 * the node is linked, which is when a parent's canceller can first see it. */
static struct ctx *new_cancel_node(struct ctx *parent, uint64_t deadline_ns)
{
    struct ctx *c = ctx_alloc(parent, CTX_CANCEL);
    if (!c)
        return NULL;
    c->cnode = c;
    if (deadline_ns < c->deadline) {
        c->deadline = deadline_ns; /* earlier than the parent's: ours to fire */
        c->has_timer = true;
    }
    struct ctx *p = parent->cnode;
    if (p->kind == CTX_BACKGROUND)
        return c; /* can never be cancelled from above: nothing to link */
    mutex_barging_lock(&p->lock);
    /* relaxed: we hold p's lock, under which DONE is written.  x86: MOV. */
    if (atomic_load_explicit(&p->done, memory_order_relaxed) == DONE) {
        /* Born done.  Nobody else can see c yet: plain stores suffice, and
         * whoever receives c from us gets it through some synchronisation. */
        c->err = p->err;
        c->cause = p->cause;
        atomic_store_explicit(&c->done, DONE, memory_order_relaxed); /* x86: MOV */
    } else {
        ctx_retain(c); /* the children list's reference */
        c->linked_to = p;
        c->linked = true;
        c->sib_next = p->children;
        if (p->children)
            p->children->sib_prev = c;
        p->children = c;
    }
    mutex_barging_unlock(&p->lock);
    return c;
}

struct ctx *ctx_with_cancel(struct ctx *parent) { return new_cancel_node(parent, NO_DEADLINE); }

struct ctx *ctx_with_deadline(struct ctx *parent, uint64_t deadline_ns)
{
    struct ctx *c = new_cancel_node(parent, deadline_ns);
    if (!c || !c->has_timer || ctx_err(c))
        return c; /* the parent's deadline is earlier (its timer fires us), or born done */
    if (deadline_ns <= now_ns()) {
        cancel_tree(c, TK_DEADLINE_EXCEEDED, TK_DEADLINE_EXCEEDED);
        return c;
    }
    int rc = timer_arm(c);
    if (rc != 0) {
        ctx_close(c);
        errno = rc;
        return NULL;
    }
    /* A parent's cancel may have reached c before it was armed; its
     * timer_disarm then found nothing, so take the timer's reference back
     * here rather than hold c until the deadline. */
    if (ctx_err(c))
        timer_disarm(c);
    return c;
}

struct ctx *ctx_with_timeout(struct ctx *parent, uint64_t timeout_ns)
{
    uint64_t now = now_ns();
    uint64_t deadline = timeout_ns > NO_DEADLINE - 1 - now ? NO_DEADLINE - 1 : now + timeout_ns;
    return ctx_with_deadline(parent, deadline);
}

struct ctx *ctx_with_value(struct ctx *parent, const void *key, void *value)
{
    struct ctx *c = ctx_alloc(parent, CTX_VALUE);
    if (!c)
        return NULL;
    c->cnode = parent->cnode;
    c->key = key;
    c->value = value;
    return c;
}

/* ---- queries and waiting ------------------------------------------------ */

bool ctx_never_done(struct ctx *c)
{
    return !c || c->cnode->kind == CTX_BACKGROUND;
}

int ctx_err(struct ctx *c)
{
    c = or_background(c);
    struct ctx *n = c->cnode;
    /* acquire: pairs with the release exchange in cancel_one, so err is the
     * final one.  x86: plain MOV. */
    if (atomic_load_explicit(&n->done, memory_order_acquire) == DONE)
        return n->err;
    return 0;
}

int ctx_cause(struct ctx *c)
{
    c = or_background(c);
    struct ctx *n = c->cnode;
    /* acquire: as in ctx_err.  x86: plain MOV. */
    if (atomic_load_explicit(&n->done, memory_order_acquire) == DONE)
        return n->cause;
    return 0;
}

bool ctx_deadline(struct ctx *c, uint64_t *deadline_ns)
{
    c = or_background(c);
    if (c->deadline == NO_DEADLINE)
        return false;
    *deadline_ns = c->deadline;
    return true;
}

void *ctx_value(struct ctx *c, const void *key)
{
    for (; c; c = c->parent)
        if (c->kind == CTX_VALUE && c->key == key)
            return c->value;
    return NULL;
}

int ctx_wait_timeout(struct ctx *c, uint64_t timeout_ns)
{
    c = or_background(c);
    struct ctx *n = c->cnode;
    uint64_t deadline = timeout_ns ? now_ns() + timeout_ns : 0;
    for (;;) {
        /* acquire: as in ctx_err.  x86: plain MOV. */
        unsigned v = atomic_load_explicit(&n->done, memory_order_acquire);
        if (v == DONE)
            return n->err;
        if (v == NOT_DONE) {
            /* Announce a sleeper so that cancel_one wakes us.  relaxed: the
             * futex_wait below re-checks the word in the kernel, which is what
             * rules out a lost wake-up; on failure we loop and re-read.
             * x86: LOCK CMPXCHG. */
            atomic_compare_exchange_strong_explicit(&n->done, &v, NOT_DONE_SLEEPY,
                                                    memory_order_relaxed, memory_order_relaxed);
            continue;
        }
        uint64_t left = 0;
        if (deadline) {
            uint64_t now = now_ns();
            if (now >= deadline)
                return TK_TIMEOUT;
            left = deadline - now;
        }
        futex_wait(&n->done, NOT_DONE_SLEEPY, left);
    }
}

int ctx_wait(struct ctx *c) { return ctx_wait_timeout(c, 0); }

int ctx_done_fd(struct ctx *c)
{
    c = or_background(c);
    struct ctx *n = c->cnode;
    mutex_barging_lock(&n->lock);
    if (n->fd < 0) {
        n->fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        /* relaxed: under the lock, where DONE is written.  x86: MOV. */
        if (n->fd >= 0 && atomic_load_explicit(&n->done, memory_order_relaxed) == DONE)
            signal_fd(n->fd);
    }
    int fd = n->fd;
    mutex_barging_unlock(&n->lock);
    return fd; /* -1 with eventfd's errno when it failed */
}

/* ---- hooks -------------------------------------------------------------- */

bool ctx_hook_add(struct ctx *c, struct ctx_hook *hook, void (*fn)(struct ctx_hook *hook))
{
    c = or_background(c);
    struct ctx *n = c->cnode;
    hook->fn = fn;
    hook->on = NULL;
    hook->queued = false;
    if (n->kind == CTX_BACKGROUND)
        return true; /* never fires */
    mutex_barging_lock(&n->lock);
    /* relaxed: under the lock, where DONE is written.  x86: MOV. */
    if (atomic_load_explicit(&n->done, memory_order_relaxed) == DONE) {
        mutex_barging_unlock(&n->lock);
        return false;
    }
    hook->on = n;
    hook->queued = true;
    hook->prev = NULL;
    hook->next = n->hooks;
    if (n->hooks)
        n->hooks->prev = hook;
    n->hooks = hook;
    mutex_barging_unlock(&n->lock);
    return true;
}

bool ctx_hook_remove(struct ctx_hook *hook)
{
    struct ctx *n = hook->on;
    if (!n)
        return true;
    mutex_barging_lock(&n->lock);
    bool removed = hook->queued;
    if (removed) {
        if (hook->prev)
            hook->prev->next = hook->next;
        else
            n->hooks = hook->next;
        if (hook->next)
            hook->next->prev = hook->prev;
        hook->queued = false;
    }
    /* Taking the lock is also what waits out a fn still running in
     * cancel_one: it runs with this lock held. */
    mutex_barging_unlock(&n->lock);
    return removed;
}
