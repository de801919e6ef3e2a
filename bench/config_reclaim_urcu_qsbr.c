/* config_reclaim_urcu_qsbr.c: liburcu's qsbr flavour for bench/config_reclaim.c, in its own file because liburcu's flavour headers map the same names. */
#include <urcu/urcu-qsbr.h>
#include <urcu/static/urcu-qsbr.h> /* the inline read side (_LGPL_SOURCE mode) */

#include "bench/config_reclaim.h"

void rc_urcu_qsbr_reader_enter(void) { urcu_qsbr_register_thread(); }

void rc_urcu_qsbr_reader_exit(void) { urcu_qsbr_unregister_thread(); }

/* n reads, then one quiescent state, as cowcfg_qsbr's readers do. */
__attribute__((aligned(64))) uint64_t rc_urcu_qsbr_read_batch(struct rc_version **current, int n)
{
    uint64_t sum = 0;
    for (int i = 0; i < n; i++) {
        _urcu_qsbr_read_lock();
        sum += rc_read_fields(rcu_dereference(*current));
        _urcu_qsbr_read_unlock();
    }
    _urcu_qsbr_quiescent_state();
    return sum;
}

struct rc_version *rc_urcu_qsbr_replace(struct rc_version **current, struct rc_version *v)
{
    struct rc_version *old = rcu_xchg_pointer(current, v);
    if (old)
        old->retired_ns = now_ns();
    urcu_qsbr_synchronize_rcu();
    return old;
}
