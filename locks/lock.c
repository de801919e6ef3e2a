/* lock.c: allocation helpers shared by every user of the lock interface (see lock.h). */
#include "locks/lock.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "locks/sys.h"

void *lock_new(const struct lock_ops *ops)
{
    void *lock = xaligned_alloc(ops->size);
    int rc = ops->init(lock);
    if (rc != 0) {
        free(lock);
        errno = rc;
        return NULL;
    }
    return lock;
}

void lock_free(const struct lock_ops *ops, void *lock)
{
    if (!lock)
        return;
    ops->destroy(lock);
    free(lock);
}

void *lock_node_new(const struct lock_ops *ops)
{
    return ops->node_size ? xaligned_alloc(ops->node_size) : NULL;
}

_Noreturn void lock_fatal(const char *what)
{
    fprintf(stderr, "fatal error: %s\n", what);
    abort();
}

_Thread_local char lock_thread_tag;

_Noreturn void lock_owner_fatal(const char *lock_name, uintptr_t holder)
{
    fprintf(stderr, "fatal error: %s: %s\n", lock_name,
            holder ? "unlock by a thread that does not hold the lock"
                   : "unlock of unlocked lock");
    abort();
}
