/* test_objpool.c: the object pool: reuse on one CPU, nil without New, overflow dropped, no object held by two threads at once, everything freed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdlib.h>

#include "labs/toolkit/objpool.h"
#include "labs/toolkit/tests/testutil.h"

struct obj {
    atomic_uint owner; /* 0 while in the pool */
    char payload[56];
};

static atomic_long objs_alive;

static void *new_obj(void *user)
{
    (void)user;
    atomic_fetch_add(&objs_alive, 1);
    return calloc(1, sizeof(struct obj));
}

static void free_obj(void *o, void *user)
{
    (void)user;
    atomic_fetch_sub(&objs_alive, 1);
    free(o);
}

static struct objpool *new_pool(bool with_new)
{
    struct objpool_opts o = {.new_obj = with_new ? new_obj : NULL, .free_obj = free_obj, .shared_max = 32};
    struct objpool *p = objpool_new(&o);
    assert_non_null(p);
    return p;
}

static void test_put_then_get_reuses_on_one_cpu(void **state)
{
    (void)state;
    cpu_set_t saved;
    pthread_getaffinity_np(pthread_self(), sizeof saved, &saved);
    pin_to_cpu(nth_allowed_cpu(0)); /* so put and get hit the same shard */
    struct objpool *p = new_pool(true);
    void *a = objpool_get(p);
    assert_non_null(a);
    objpool_put(p, a);
    assert_ptr_equal(objpool_get(p), a);
    struct objpool_stats s;
    objpool_get_stats(p, &s);
    assert_int_equal(s.news, 1);
    assert_int_equal(s.hits, 1);
    objpool_put(p, a);
    objpool_free(p);
    assert_int_equal(atomic_load(&objs_alive), 0);
    pthread_setaffinity_np(pthread_self(), sizeof saved, &saved);
}

static void test_get_without_new_is_null(void **state)
{
    (void)state;
    struct objpool *p = new_pool(false);
    assert_null(objpool_get(p));
    objpool_free(p);
}

static void test_overflow_is_dropped_and_clear_drops_all(void **state)
{
    (void)state;
    struct objpool *p = new_pool(true);
    void *o[500];
    for (int i = 0; i < 500; i++)
        o[i] = objpool_get(p);
    for (int i = 0; i < 500; i++)
        objpool_put(p, o[i]);
    struct objpool_stats s;
    objpool_get_stats(p, &s);
    long kept = atomic_load(&objs_alive);
    if (s.drops == 0 || kept + (long)s.drops != 500)
        fail_msg("500 put: %zu dropped, %ld kept", s.drops, kept);
    objpool_clear(p);
    assert_int_equal(atomic_load(&objs_alive), 0);
    objpool_free(p);
}

enum { POOL_THREADS = 4, ROUNDS = 20000 };

static struct {
    struct objpool *p;
    atomic_uint shared_holds, nulls;
} ps;

static void *churn(void *arg)
{
    unsigned me = (unsigned)(uintptr_t)arg + 1;
    for (int i = 0; i < ROUNDS; i++) {
        struct obj *o[3];
        for (int k = 0; k < 3; k++) {
            o[k] = objpool_get(ps.p);
            if (!o[k]) {
                atomic_fetch_add(&ps.nulls, 1);
                continue;
            }
            unsigned expected = 0;
            if (!atomic_compare_exchange_strong(&o[k]->owner, &expected, me))
                atomic_fetch_add(&ps.shared_holds, 1); /* someone else holds it */
            memset(o[k]->payload, (int)me, sizeof o[k]->payload);
        }
        for (int k = 0; k < 3; k++) {
            if (!o[k])
                continue;
            atomic_store(&o[k]->owner, 0);
            objpool_put(ps.p, o[k]);
        }
    }
    return NULL;
}

static void test_no_object_held_twice_under_churn(void **state)
{
    (void)state;
    memset(&ps, 0, sizeof ps);
    ps.p = new_pool(true);
    pthread_t t[POOL_THREADS];
    for (int i = 0; i < POOL_THREADS; i++)
        t[i] = spawn(churn, (void *)(uintptr_t)i);
    for (int i = 0; i < POOL_THREADS; i++)
        pthread_join(t[i], NULL);
    if (atomic_load(&ps.shared_holds) || atomic_load(&ps.nulls))
        fail_msg("%u objects handed to two threads at once, %u NULL gets", atomic_load(&ps.shared_holds),
                 atomic_load(&ps.nulls));
    struct objpool_stats s;
    objpool_get_stats(ps.p, &s);
    assert_int_equal(s.hits + s.news, (size_t)POOL_THREADS * ROUNDS * 3);
    objpool_free(ps.p);
    assert_int_equal(atomic_load(&objs_alive), 0);
}

int main(void)
{
    alarm(PROGRAM_ALARM_S);
    thread_baseline();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_put_then_get_reuses_on_one_cpu),
        cmocka_unit_test(test_get_without_new_is_null),
        cmocka_unit_test(test_overflow_is_dropped_and_clear_drops_all),
        cmocka_unit_test(test_no_object_held_twice_under_churn),
    };
    return cmocka_run_group_tests_name("toolkit: objpool", tests, NULL, NULL);
}
