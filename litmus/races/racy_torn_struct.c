/* racy_torn_struct.c: a four-word struct written by one thread while another copies it; the copies come out torn.
 *
 * Question: each store and load of a long is one MOV, atomic on x86; is a
 * struct of four longs copied atomically?  No: the copy is four MOVs each
 * way, and a reader can copy the first fields of version 41 and the last of
 * version 42 -- a value no thread ever wrote.  The writer stamps every field
 * with the same version number, so a torn copy is easy to spot.
 * Expected: TSan reports a data race on both RACE: lines (four times: clang
 * split `shared` into four word-sized globals, shared.0 to shared.3, and
 * each word races on its own); the plain -O2 build
 * (build/races/plain/racy_torn_struct) usually counts torn reads.
 * Fixed twins: fixed_torn_struct_mutex.c, fixed_torn_struct_snapshot.c.
 *
 * expect: tsan=race
 */
#include <pthread.h>
#include <stdio.h>

#include "stage.h"

enum { READS = 200000 };

struct stamp {
    long a, b, c, d; /* all four equal in every version the writer writes */
};

static struct stamp shared; /* protected by nothing: the bug */

static void *writer(void *arg)
{
    stage_line_up(2);
    for (long v = 1;; v++) {
        struct stamp next = {v, v, v, v};
        shared = next; /* RACE: write, several stores */
        compiler_barrier(); /* keep every version's stores at -O2 (see stage.h) */
        if (stage_reached(1)) /* stage: the reader is done */
            break;
    }
    return arg;
}

int main(void)
{
    pthread_t t;
    pthread_create(&t, NULL, writer, NULL);
    stage_line_up(2);

    long torn = 0;
    for (int i = 0; i < READS; i++) {
        struct stamp s = shared; /* RACE: read, several loads */
        compiler_barrier();
        if (s.a != s.b || s.b != s.c || s.c != s.d)
            torn++;
    }
    stage_go(1); /* stage: the reader is done; the writer may stop */
    pthread_join(t, NULL);
    printf("%d reads, %ld torn (fields from two different versions)\n", READS, torn);
    return 0;
}
