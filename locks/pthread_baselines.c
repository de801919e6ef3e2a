/* pthread_baselines.c: glibc's locks behind memlab's interface, the yardsticks every algorithm is measured against.
 *
 * Not ours, so no lock word to document here: glibc's mutex is a futex word
 * much like mutex_barging.c; "adaptive" spins a bounded, learned number of
 * times before sleeping, like mutex_spin.c; the spinlock is a TTAS without
 * backoff; the rwlock prefers readers by default, and the writer-preferring
 * variant is glibc's PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP.
 */
#include <pthread.h>
#include <string.h>

#include "locks/lock.h"

/* glibc's lock calls fail only on misuse, which must stop the program. */
static void must(int rc)
{
    if (rc != 0)
        lock_fatal(strerror(rc));
}

static int mutex_init_kind(void *l, int kind)
{
    pthread_mutexattr_t attr;
    pthread_mutexattr_init(&attr);
    pthread_mutexattr_settype(&attr, kind);
    int rc = pthread_mutex_init(l, &attr);
    pthread_mutexattr_destroy(&attr);
    return rc;
}
static int mutex_init_default(void *l) { return mutex_init_kind(l, PTHREAD_MUTEX_DEFAULT); }
static int mutex_init_adaptive(void *l) { return mutex_init_kind(l, PTHREAD_MUTEX_ADAPTIVE_NP); }
static void mutex_destroy(void *l) { must(pthread_mutex_destroy(l)); }
static void mutex_lock(void *l, void *node) { (void)node; must(pthread_mutex_lock(l)); }
static void mutex_unlock(void *l, void *node) { (void)node; must(pthread_mutex_unlock(l)); }
static bool mutex_trylock(void *l, void *node) { (void)node; return pthread_mutex_trylock(l) == 0; }

#define PTHREAD_MUTEX_OPS(NAME, INIT, SUMMARY)                                              \
    {                                                                                       \
        .name = NAME, .summary = SUMMARY, .kind = LOCK_KIND_MUTEX,                               \
        .flags = LOCK_SLEEPS | LOCK_BASELINE, .size = sizeof(pthread_mutex_t), .init = INIT, \
        .destroy = mutex_destroy, .lock = mutex_lock, .unlock = mutex_unlock,                \
        .trylock = mutex_trylock,                                                           \
    }

const struct lock_ops pthread_mutex_ops =
    PTHREAD_MUTEX_OPS("pthread_mutex", mutex_init_default, "glibc pthread_mutex_t, default kind");
const struct lock_ops pthread_mutex_adaptive_ops =
    PTHREAD_MUTEX_OPS("pthread_mutex_adaptive", mutex_init_adaptive,
                      "glibc pthread_mutex_t, PTHREAD_MUTEX_ADAPTIVE_NP (spins, then sleeps)");

static int spin_init(void *l) { return pthread_spin_init(l, PTHREAD_PROCESS_PRIVATE); }
static void spin_destroy(void *l) { must(pthread_spin_destroy(l)); }
static void spin_lock(void *l, void *node) { (void)node; must(pthread_spin_lock(l)); }
static void spin_unlock(void *l, void *node) { (void)node; must(pthread_spin_unlock(l)); }
static bool spin_trylock(void *l, void *node) { (void)node; return pthread_spin_trylock(l) == 0; }

const struct lock_ops pthread_spin_ops = {
    .name = "pthread_spin",
    .summary = "glibc pthread_spinlock_t",
    .kind = LOCK_KIND_MUTEX,
    .flags = LOCK_BASELINE,
    .size = sizeof(pthread_spinlock_t),
    .init = spin_init,
    .destroy = spin_destroy,
    .lock = spin_lock,
    .unlock = spin_unlock,
    .trylock = spin_trylock,
};

static int rwlock_init_kind(void *l, int kind)
{
    pthread_rwlockattr_t attr;
    pthread_rwlockattr_init(&attr);
    pthread_rwlockattr_setkind_np(&attr, kind);
    int rc = pthread_rwlock_init(l, &attr);
    pthread_rwlockattr_destroy(&attr);
    return rc;
}
static int rwlock_init_readers(void *l) { return rwlock_init_kind(l, PTHREAD_RWLOCK_PREFER_READER_NP); }
static int rwlock_init_writers(void *l)
{
    return rwlock_init_kind(l, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
}
static void rwlock_destroy(void *l) { must(pthread_rwlock_destroy(l)); }
static void rwlock_wrlock(void *l, void *node) { (void)node; must(pthread_rwlock_wrlock(l)); }
static void rwlock_rdlock(void *l, void *node) { (void)node; must(pthread_rwlock_rdlock(l)); }
static void rwlock_unlock(void *l, void *node) { (void)node; must(pthread_rwlock_unlock(l)); }
static bool rwlock_trywrlock(void *l, void *node) { (void)node; return pthread_rwlock_trywrlock(l) == 0; }

#define PTHREAD_RWLOCK_OPS(NAME, INIT, SUMMARY)                                                \
    {                                                                                          \
        .name = NAME, .summary = SUMMARY, .kind = LOCK_KIND_RW, .flags = LOCK_SLEEPS | LOCK_BASELINE, \
        .size = sizeof(pthread_rwlock_t), .init = INIT, .destroy = rwlock_destroy,              \
        .lock = rwlock_wrlock, .unlock = rwlock_unlock, .trylock = rwlock_trywrlock,            \
        .read_lock = rwlock_rdlock, .read_unlock = rwlock_unlock,                               \
    }

const struct lock_ops pthread_rwlock_ops = PTHREAD_RWLOCK_OPS(
    "pthread_rwlock", rwlock_init_readers, "glibc pthread_rwlock_t, default: prefers readers");
const struct lock_ops pthread_rwlock_writepref_ops =
    PTHREAD_RWLOCK_OPS("pthread_rwlock_writepref", rwlock_init_writers,
                       "glibc pthread_rwlock_t, PREFER_WRITER_NONRECURSIVE_NP");
