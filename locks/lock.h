/* lock.h: the one interface every lock in memlab implements, and the registry that lists them. */
#ifndef MEMLAB_LOCK_H
#define MEMLAB_LOCK_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What a registry entry protects and how it is driven.
 *   LOCK_KIND_MUTEX : lock/unlock give mutual exclusion.
 *   LOCK_KIND_RW    : lock/unlock are the writer side; read_lock/read_unlock let
 *                readers share with each other but never with a writer.
 *   LOCK_KIND_CONFIG: a read-mostly published value (copy-on-write).  lock/unlock
 *                serialize writers; read_lock/read_unlock bracket a reader's
 *                use of cfg_get()'s snapshot; readers run alongside writers. */
enum lock_kind { LOCK_KIND_MUTEX, LOCK_KIND_RW, LOCK_KIND_CONFIG };

enum lock_flags {
    LOCK_FIFO = 1u << 0,     /* waiters acquire in arrival order */
    LOCK_SLEEPS = 1u << 1,   /* waiters park in the kernel (futex) instead of spinning forever */
    LOCK_BASELINE = 1u << 2, /* not ours: glibc's, here to compare against */
};

/* One algorithm.  Every function receives the lock (size bytes, cache-line
 * aligned, zeroed before init) and the calling thread's node: node_size
 * bytes, cache-line aligned, private to one thread and one lock, and kept
 * alive from thread_enter to thread_exit.  Locks with node_size == 0 get
 * NULL.  Optional functions are NULL when the lock does not have them. */
struct lock_ops {
    const char *name;
    const char *summary; /* one line for --list */
    enum lock_kind kind;
    unsigned flags;
    size_t size;
    size_t node_size;

    int (*init)(void *lock); /* 0 or an errno value */
    void (*destroy)(void *lock);
    void (*lock)(void *lock, void *node);
    void (*unlock)(void *lock, void *node);
    bool (*trylock)(void *lock, void *node); /* optional: true when acquired */

    /* LOCK_KIND_RW and LOCK_KIND_CONFIG */
    void (*read_lock)(void *lock, void *node);
    void (*read_unlock)(void *lock, void *node);

    /* Optional: a thread announces itself before its first use of the lock
     * and leaves after its last (readers of cowcfg register a slot). */
    void (*thread_enter)(void *lock, void *node);
    void (*thread_exit)(void *lock, void *node);

    /* LOCK_KIND_CONFIG: cfg_get returns the current version (node: the
     * caller's, as for read_lock); valid until the caller's read_unlock (or,
     * for a writer, until its unlock).  cfg_publish installs a malloc'd
     * version while holding lock(); the lock frees the old one once no
     * reader can still hold it. */
    const void *(*cfg_get)(void *lock, void *node);
    void (*cfg_publish)(void *lock, void *version);

    /* Optional, LOCK_KIND_CONFIG: a quiescent state.  The calling thread
     * (between thread_enter and thread_exit) holds nothing it got from
     * cfg_get and tells the lock so.  Locks that reclaim by quiescent states
     * (QSBR: cowcfg_qsbr) free an old version only once every entered
     * thread has called this (or lock/unlock, or thread_exit) after the
     * publish that retired it, so a reader must call it regularly, outside
     * its read sections: one that stops calling it while entered makes the
     * writers wait.  NULL for locks whose read_unlock says enough; callers
     * call it when it is not NULL. */
    void (*quiescent)(void *lock, void *node);

    /* Optional: how many threads are waiting for the lock right now (a
     * snapshot), so tests can tell when a thread has queued.  holder_node is
     * the node the caller holds the lock with, if it does: queue locks such
     * as mcs count the links behind it. */
    unsigned (*waiters)(void *lock, void *holder_node);
};

/* The registry: every algorithm, then the glibc baselines, NULL-terminated. */
extern const struct lock_ops *const lock_registry[];

/* The registry entry called name, or NULL. */
const struct lock_ops *lock_find(const char *name);

/* Allocate and init a lock (NULL and errno set when init fails);
 * lock_free destroys and frees it. */
void *lock_new(const struct lock_ops *ops);
void lock_free(const struct lock_ops *ops, void *lock);

/* A thread's node for one lock (NULL when node_size is 0); free with free(). */
void *lock_node_new(const struct lock_ops *ops);

/* Misuse of a lock (unlocking one that is not held, a failing glibc call) is
 * a bug in the caller: print what happened and abort, as Go's
 * "fatal error: sync: unlock of unlocked mutex" does. */
_Noreturn void lock_fatal(const char *what);

/* ---- owner checks (xv6's holding()) ------------------------------------------
 * Every memlab lock keeps a holder word beside its lock word: the thread that
 * holds it (its lock_self()), or 0 when free.  lock_owner_take runs right
 * after an acquire succeeds, lock_owner_drop right before the release, so an
 * unlock of a free lock or by a thread that does not hold it stops in
 * lock_fatal before it can corrupt the lock word (a ticket unlock of a free
 * lock would otherwise serve a ticket nobody drew, and the next locker spins
 * for ever).  Shared (reader) sides have no single owner and are not checked
 * here.  Cost: a store and a load on a line the holder already owns in the
 * fast path (make bench, owner_check/; notes/sync.md).  Build with
 * -DMEMLAB_LOCK_CHECKS=0 to compile them out. */
#ifndef MEMLAB_LOCK_CHECKS
#define MEMLAB_LOCK_CHECKS 1
#endif

/* The calling thread's identity: the address of one of its thread-local
 * bytes, distinct for every live thread and never 0.  Within the program
 * (initial- or local-exec TLS) it is one load from the thread pointer. */
extern _Thread_local char lock_thread_tag;
static inline uintptr_t lock_self(void) { return (uintptr_t)&lock_thread_tag; }

_Noreturn void lock_owner_fatal(const char *lock_name, uintptr_t holder);

/* relaxed: only the holder writes holder while it holds the lock; the lock
 * word's release/acquire orders one holder's store of 0 before the next
 * holder's store of itself, so the holder always reads its own value.  A
 * thread that does not hold the lock may read a stale value, which is still
 * not itself: the check cannot pass wrongly.  x86: MOV. */
static inline void lock_owner_take(atomic_uintptr_t *holder)
{
#if MEMLAB_LOCK_CHECKS
    atomic_store_explicit(holder, lock_self(), memory_order_relaxed);
#else
    (void)holder;
#endif
}

static inline void lock_owner_drop(atomic_uintptr_t *holder, const char *lock_name)
{
#if MEMLAB_LOCK_CHECKS
    uintptr_t who = atomic_load_explicit(holder, memory_order_relaxed); /* relaxed: see take */
    if (__builtin_expect(who != lock_self(), 0))
        lock_owner_fatal(lock_name, who);
    atomic_store_explicit(holder, 0, memory_order_relaxed);
#else
    (void)holder;
    (void)lock_name;
#endif
}

#endif
