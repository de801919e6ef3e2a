/* fixed_lazy_init_once.c: racy_lazy_init with pthread_once: the library does the double-checking.
 *
 * Question: what is the simplest correct lazy initialisation?  pthread_once
 * (Go: sync.Once, C11: call_once): it runs make_table exactly once, and every
 * caller returns only after the initialisation has happened-before it, so
 * every reader sees the filled-in table.  glibc implements it the way
 * fixed_lazy_init_acquire.c does: an acquire load on the fast path.
 * Expected: TSan reports nothing.
 *
 * expect: tsan=clean
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "stage.h"

enum { SIZE = 64 };

struct table {
    long squares[SIZE];
};

static struct table *table; /* written once, inside pthread_once */
static pthread_once_t table_once = PTHREAD_ONCE_INIT;

static void make_table(void)
{
    struct table *t = malloc(sizeof *t);
    if (t == NULL)
        abort();
    for (int i = 0; i < SIZE; i++)
        t->squares[i] = (long)i * i;
    table = t;
}

static struct table *get_table(void)
{
    pthread_once(&table_once, make_table);
    return table; /* ordered after make_table by pthread_once */
}

static void *thread_b(void *arg)
{
    stage_line_up(2);
    stage_wait(1);
    struct table *t = get_table();
    printf("B: 7 squared is %ld\n", t->squares[7]);
    return arg;
}

int main(void)
{
    pthread_t b;
    pthread_create(&b, NULL, thread_b, NULL);
    stage_line_up(2);

    struct table *t = get_table();
    printf("A: 5 squared is %ld\n", t->squares[5]);
    stage_go(1);

    pthread_join(b, NULL);
    free(table);
    return 0;
}
