/* bufsize.c: lab 06: what a channel's buffer buys: one producer and one consumer with jittery work, at capacities 0, 1, 16 and 1024.
 *
 * Both sides take the same time per item on average (--work-ns, default
 * 2000 ns of busy work, varying at random between 0 and twice that).  With
 * no buffer every item is a rendezvous, so each side also waits out the
 * other's slow items and pays a wake-up; a buffer absorbs the jitter and
 * lets both run at their average rate.  A buffer does not make a consumer
 * that is slower on average any faster (try --consumer-x 2).
 * Uses the toolkit's channel (labs/toolkit/chan.h), so it runs in the
 * handout before your bchan is written.
 * Usage: bufsize [--items N] [--work-ns NS] [--consumer-x K]
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "labs/toolkit/chan.h"
#include "locks/sys.h"

struct side {
    struct chan *ch;
    uint64_t items, work_ns, seed;
    uint64_t waited_ns; /* time inside chan_send / chan_recv */
};

static uint64_t jitter(struct side *s)
{
    return s->work_ns ? xorshift64(&s->seed) % (2 * s->work_ns + 1) : 0;
}

static void *produce(void *arg)
{
    struct side *s = arg;
    for (uint64_t i = 0; i < s->items; i++) {
        spin_ns(jitter(s));
        uint64_t t0 = now_ns();
        chan_send(s->ch, &i, NULL);
        s->waited_ns += now_ns() - t0;
    }
    chan_close(s->ch);
    return NULL;
}

static void *consume(void *arg)
{
    struct side *s = arg;
    uint64_t v;
    for (;;) {
        uint64_t t0 = now_ns();
        int r = chan_recv(s->ch, &v, NULL);
        s->waited_ns += now_ns() - t0;
        if (r != 0)
            break;
        spin_ns(jitter(s));
    }
    return NULL;
}

static uint64_t parse(const char *flag, const char *s)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s ? s : "", &end, 10);
    if (!s || errno || end == s || *end || v > 100000000ull) {
        fprintf(stderr, "bufsize: %s wants a whole number up to 100000000, not '%s'\n", flag,
                s ? s : "");
        exit(2);
    }
    return v;
}

static const char usage[] =
    "usage: bufsize [--items N] [--work-ns NS] [--consumer-x K]\n"
    "  --items N       items the producer sends at each capacity (default 20000)\n"
    "  --work-ns NS    average busy work per item on each side, in ns (default 2000)\n"
    "  --consumer-x K  the consumer's work is K times the producer's (default 1)\n";

int main(int argc, char **argv)
{
    uint64_t items = 20000, work = 2000, cx = 1;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--items") == 0)
            items = parse(argv[i], argv[i + 1]), i++;
        else if (strcmp(argv[i], "--work-ns") == 0)
            work = parse(argv[i], argv[i + 1]), i++;
        else if (strcmp(argv[i], "--consumer-x") == 0)
            cx = parse(argv[i], argv[i + 1]), i++;
        else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            printf("%s", usage);
            return 0;
        } else {
            fprintf(stderr, "bufsize: unknown option '%s'\n%s", argv[i], usage);
            return 2;
        }
    }
    if (items == 0 || cx == 0) {
        fprintf(stderr, "bufsize: --items and --consumer-x must be at least 1\n");
        return 2;
    }
    printf("%" PRIu64 " items, producer work 0..%" PRIu64 " ns, consumer work 0..%" PRIu64
           " ns per item\n", items, 2 * work, 2 * work * cx);
    printf("%9s %10s %12s %14s %14s\n", "capacity", "time ms", "items/s", "producer wait", "consumer wait");
    const size_t caps[] = {0, 1, 16, 1024};
    for (size_t k = 0; k < sizeof caps / sizeof caps[0]; k++) {
        struct chan *ch = chan_new(sizeof(uint64_t), caps[k]);
        if (!ch) {
            perror("chan_new");
            return 1;
        }
        struct side p = {ch, items, work, 0x1234567ull, 0}, c = {ch, items, work * cx, 0x7654321ull, 0};
        pthread_t tp, tc;
        uint64_t t0 = now_ns();
        pthread_create(&tc, NULL, consume, &c);
        pthread_create(&tp, NULL, produce, &p);
        pthread_join(tp, NULL);
        pthread_join(tc, NULL);
        double s = (double)(now_ns() - t0) / 1e9;
        printf("%9zu %10.1f %12.0f %13.0f%% %13.0f%%\n", caps[k], s * 1e3, (double)items / s,
               100.0 * (double)p.waited_ns / 1e9 / s, 100.0 * (double)c.waited_ns / 1e9 / s);
        chan_free(ch);
    }
    return 0;
}
