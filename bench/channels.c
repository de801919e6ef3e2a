/* channels.c: scenario 9, the channel buffer experiment: what a buffer of 0, 1, 16 or 1024 items buys a producer and a consumer.
 *
 * The course claims a buffer cuts latency but does not raise throughput.
 * "Latency" can mean two different things, so both are measured:
 *   send_*   how long the producer is blocked inside chan_send (what the
 *            sender feels: with no buffer, every send waits for a receiver);
 *   e2e_*    how long an item takes from the start of its send to the end
 *            of its receive (what the item feels: in a full buffer it waits
 *            behind the items queued ahead of it).
 * One producer thread sends stamped items as fast as it can for --run-ms;
 * the benchmark thread receives them; nothing else runs.  Throughput is
 * items received per second of wall time.  Per-item clock reads (two on each
 * side, ~20 ns each) are part of the cost, equally for every capacity.
 */
#include "bench/bench.h"
#include "labs/toolkit/chan.h"
#include "labs/toolkit/errors.h"
#include "locks/hist.h"

#include <stdlib.h>

static const int64_t capacities[] = {0, 1, 16, 1024};

struct item {
    uint64_t seq;
    uint64_t sent_ns; /* when its send started */
};

struct producer {
    struct chan *ch;
    uint64_t duration_ns;
    uint64_t sent;
    struct hist send_wait;
};

static void *produce(void *arg)
{
    struct producer *p = arg;
    uint64_t end = now_ns() + p->duration_ns;
    for (uint64_t now = now_ns(); now < end; now = now_ns()) {
        struct item it = {.seq = p->sent, .sent_ns = now};
        if (chan_send(p->ch, &it, NULL) != 0)
            break;
        hist_add(&p->send_wait, now_ns() - now);
        p->sent++;
    }
    chan_close(p->ch);
    return NULL;
}

/* Receive until closed; false when an item is lost, repeated or reordered. */
static bool consume(struct chan *ch, struct hist *e2e, uint64_t *received)
{
    struct item it;
    while (chan_recv(ch, &it, NULL) == 0) {
        hist_add(e2e, now_ns() - it.sent_ns);
        if (it.seq != (*received)++)
            return false;
    }
    return true;
}

static void bm_channel(bench_state *st, const void *arg)
{
    (void)arg;
    size_t cap = (size_t)bench_arg(st, 0);
    struct producer *p = calloc(1, sizeof *p);
    struct hist *e2e = calloc(1, sizeof *e2e);
    if (!p || !e2e) {
        bench_error(st, "out of memory");
        goto out;
    }
    while (bench_keep_running(st)) {
        p->ch = chan_new(sizeof(struct item), cap);
        p->duration_ns = bench_opt.run_ns;
        pthread_t t;
        uint64_t start = now_ns(), received = 0;
        if (!p->ch || pthread_create(&t, NULL, produce, p) != 0) {
            bench_error(st, "chan_new or pthread_create failed");
            break;
        }
        bool in_order = consume(p->ch, e2e, &received);
        pthread_join(t, NULL);
        uint64_t elapsed = now_ns() - start;
        chan_free(p->ch);
        bench_set_iteration_time(st, (double)elapsed / 1e9);
        if (!in_order || received != p->sent) {
            bench_error(st, "items lost, repeated or out of order");
            break;
        }
        bench_counter(st, "items_per_s", (double)received * 1e9 / (double)elapsed, BENCH_SUM);
    }
    bench_counter(st, "send_p50_ns", (double)hist_quantile(&p->send_wait, 0.50), BENCH_SUM);
    bench_counter(st, "send_p99_ns", (double)hist_quantile(&p->send_wait, 0.99), BENCH_SUM);
    bench_counter(st, "e2e_p50_ns", (double)hist_quantile(e2e, 0.50), BENCH_SUM);
    bench_counter(st, "e2e_p99_ns", (double)hist_quantile(e2e, 0.99), BENCH_SUM);
out:
    free(e2e);
    free(p);
}

void register_channels(void)
{
    bench_def *b = bench_register("channels/chan/consumers:1", bm_channel, NULL);
    for (size_t i = 0; i < sizeof capacities / sizeof capacities[0]; i++)
        bench_def_arg(b, capacities[i]);
    bench_def_arg_name(b, "cap");
    bench_def_iterations(b, 1);
    bench_def_manual_time(b);
}
