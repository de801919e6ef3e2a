/* racy_lazy_init.c: broken double-checked locking: a reader can see the table pointer but not the table.
 *
 * Question: get_table() checks `table` without the lock, and only takes the
 * lock to create it; the creation itself is under the lock, so where is the
 * race?  The unlocked check.  Thread B reads table != NULL without taking
 * the lock, so nothing orders B after A's unlock: B's read of the pointer
 * races with A's store, and B's reads through it race with the stores that
 * filled the table in.  B can use a table whose contents it cannot see yet
 * (the compiler may even publish the pointer before filling the table).
 * Expected: TSan reports both races, naming all four RACE: lines (as in
 * racy_config_pointer.c, the second one is reported against the malloc).
 * Fixed twins: fixed_lazy_init_acquire.c (double-checked, done right),
 * fixed_lazy_init_once.c (pthread_once, Go's sync.Once).
 *
 * expect: tsan=race
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "stage.h"

enum { SIZE = 64 };

struct table {
    long squares[SIZE];
};

static struct table *table; /* created on first use; plain pointer: the bug */
static pthread_mutex_t table_mu = PTHREAD_MUTEX_INITIALIZER;

static struct table *make_table(void)
{
    struct table *t = malloc(sizeof *t); /* RACE: 2, write (malloc counts as one) */
    if (t == NULL)
        abort();
    for (int i = 0; i < SIZE; i++)
        t->squares[i] = (long)i * i;
    return t;
}

static struct table *get_table(void)
{
    if (table == NULL) { /* RACE: 1, unlocked read of the pointer */
        pthread_mutex_lock(&table_mu);
        if (table == NULL)
            table = make_table(); /* RACE: 1, write of the pointer (under the lock) */
        pthread_mutex_unlock(&table_mu);
    }
    return table;
}

static void *thread_b(void *arg)
{
    stage_line_up(2);
    stage_wait(1); /* stage: A has created the table */
    struct table *t = get_table(); /* sees table != NULL: skips the lock */
    printf("B: 7 squared is %ld\n", t->squares[7]); /* RACE: 2, read through it */
    return arg;
}

int main(void)
{
    pthread_t b;
    pthread_create(&b, NULL, thread_b, NULL);
    stage_line_up(2);

    struct table *t = get_table(); /* main is thread A: creates the table */
    printf("A: 5 squared is %ld\n", t->squares[5]);
    stage_go(1);

    pthread_join(b, NULL);
    free(table);
    return 0;
}
