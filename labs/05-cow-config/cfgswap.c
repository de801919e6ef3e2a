/* cfgswap.c: lab 05: publish a new config with one atomic swap; free the old one once every reader inside a section has seen the swap.
 *
 * Reader:  g = load(gen) (acquire); slot = g (seq_cst); v = load(current) (seq_cst);
 *          ... use v ...; slot = 0 (release).
 * Writer:  old = exchange(current, new) (seq_cst); gen = T (release);
 *          retire old with tag T; at write_unlock free every retired
 *          version whose tag <= the smallest non-zero slot.
 * Why it is safe, in two lines: a reader that announced g >= T loaded
 * current after the swap that retired the version tagged T, so it holds a
 * newer one; and the announce-then-load against swap-then-scan is the SB
 * shape (lab 02), which seq_cst on all four accesses forbids.  The long
 * version is at the top of locks/cowcfg.c.
 *
 * Broken on purpose in the handout: cfgswap_publish, cfgswap_read_lock and
 * reclaim (the TODO(lab 05) lines).
 */
#include "labs/05-cow-config/cfgswap.h"

#include <sched.h>
#include <stdlib.h>

#include "locks/lock.h"

static void counter_inc(atomic_uint_least64_t *n)
{
    single_writer_add(n, 1); /* only the writer, under the mutex, writes it (sys.h) */
}

void cfgswap_init(struct cfgswap *c, void (*free_fn)(void *version))
{
    atomic_init(&c->current, NULL);
    atomic_init(&c->gen, 1);
    for (unsigned i = 0; i < CFGSWAP_MAX_READERS; i++)
        atomic_init(&c->slot[i].active, 0);
    pthread_mutex_init(&c->writer, NULL);
    c->nretired = 0;
    c->free_fn = free_fn ? free_fn : free;
    atomic_init(&c->published, 0);
    atomic_init(&c->freed, 0);
}

/* Free the oldest retired version (the writer holds the mutex). */
static void free_oldest(struct cfgswap *c)
{
    c->free_fn(c->retired[0].version);
    c->nretired--;
    for (unsigned i = 0; i < c->nretired; i++)
        c->retired[i] = c->retired[i + 1];
    counter_inc(&c->freed);
}

void cfgswap_destroy(struct cfgswap *c)
{
    while (c->nretired)
        free_oldest(c);
    /* relaxed: destroy runs after every other user has been joined. */
    void *last = atomic_load_explicit(&c->current, memory_order_relaxed);
    if (last) {
        c->free_fn(last);
        counter_inc(&c->freed);
    }
    pthread_mutex_destroy(&c->writer);
}

/* ---- readers ------------------------------------------------------------------ */

void cfgswap_read_lock(struct cfgswap *c, unsigned reader)
{
    if (reader >= CFGSWAP_MAX_READERS)
        lock_fatal("cfgswap: reader id out of range");
    /* BEGIN SOLUTION: read gen, then announce it in this reader's slot so that the announce cannot be reordered after cfgswap_get's load (lab 02's SB) */
    /* acquire: pairs with the release store of gen in cfgswap_publish: if we
     * read a publish's gen we also see its swap.  x86: MOV. */
    uint64_t seen = atomic_load_explicit(&c->gen, memory_order_acquire);
    /* seq_cst: the announce must be visible before cfgswap_get loads
     * current (store then load: the SB shape).  x86: XCHG. */
    atomic_store_explicit(&c->slot[reader].active, seen, memory_order_seq_cst);
    /* END SOLUTION (stub: (void)c;) */
}

const void *cfgswap_get(struct cfgswap *c)
{
    /* seq_cst: the load half of the reader's SB shape; it also acquires the
     * fields written before the publish.  x86: MOV. */
    return atomic_load_explicit(&c->current, memory_order_seq_cst);
}

void cfgswap_read_unlock(struct cfgswap *c, unsigned reader)
{
    /* release: our reads of the version happen before a writer's scan that
     * sees this 0 and frees it.  x86: MOV. */
    atomic_store_explicit(&c->slot[reader].active, 0, memory_order_release);
}

/* ---- writers ------------------------------------------------------------------ */

void cfgswap_write_lock(struct cfgswap *c) { pthread_mutex_lock(&c->writer); }

void cfgswap_publish(struct cfgswap *c, void *version)
{
    if (!version)
        lock_fatal("cfgswap: publish of NULL");
    if (c->nretired > CFGSWAP_MAX_PENDING)
        lock_fatal("cfgswap: more than one publish in a write section");
    counter_inc(&c->published);
    /* BEGIN SOLUTION: swap the new version in with one atomic exchange, store gen + 1 (release), and append the old version (if any) to c->retired tagged with that gen */
    /* seq_cst: the store half of the writer's SB shape, before reclaim's
     * slot scan; its release half publishes the version's fields.  x86: XCHG. */
    void *old = atomic_exchange_explicit(&c->current, version, memory_order_seq_cst);
    /* relaxed: only writers change gen, under the mutex. */
    uint64_t tag = atomic_load_explicit(&c->gen, memory_order_relaxed) + 1;
    /* release: pairs with the acquire load in cfgswap_read_lock.  x86: MOV. */
    atomic_store_explicit(&c->gen, tag, memory_order_release);
    if (old)
        c->retired[c->nretired++] = (struct cfgswap_retired){.version = old, .tag = tag};
    /* END SOLUTION (stub: (void)version;) */
}

/* Free every retired version no reader can still hold. */
static void reclaim(struct cfgswap *c)
{
    /* BEGIN SOLUTION: find the smallest non-zero slot (seq_cst loads, the writer's half of SB), then free_oldest while the oldest tag <= it */
    uint64_t min = UINT64_MAX;
    for (unsigned i = 0; i < CFGSWAP_MAX_READERS; i++) {
        /* seq_cst: after the exchange in cfgswap_publish (SB).  x86: MOV. */
        uint64_t g = atomic_load_explicit(&c->slot[i].active, memory_order_seq_cst);
        if (g != 0 && g < min)
            min = g;
    }
    /* Tags increase along the list: stop at the first one still held. */
    while (c->nretired && c->retired[0].tag <= min)
        free_oldest(c);
    /* END SOLUTION (stub: (void)c;) */
}

void cfgswap_write_unlock(struct cfgswap *c)
{
    reclaim(c);
    /* The bound: with a reader parked in its section, wait for it rather
     * than let retired versions pile up.  Readers never block, so this ends
     * as soon as it moves on. */
    uint64_t give_up = now_ns() + 20ull * 1000 * 1000 * 1000;
    while (c->nretired >= CFGSWAP_MAX_PENDING) {
        if (now_ns() > give_up)
            lock_fatal("cfgswap: retired versions not freed for 20 s (a reader parked in its "
                       "section, or reclaim frees nothing)");
        sched_yield();
        reclaim(c);
    }
    pthread_mutex_unlock(&c->writer);
}

unsigned cfgswap_pending(struct cfgswap *c)
{
    uint64_t p = atomic_load_explicit(&c->published, memory_order_relaxed);
    uint64_t f = atomic_load_explicit(&c->freed, memory_order_relaxed);
    uint64_t live = atomic_load_explicit(&c->current, memory_order_relaxed) ? 1 : 0;
    return p > f + live ? (unsigned)(p - f - live) : 0;
}
