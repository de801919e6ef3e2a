/* hist.c: the log-linear duration histogram declared in hist.h. */
#include "locks/hist.h"

static unsigned bucket_of(uint64_t v)
{
    if (v < HIST_LINEAR)
        return (unsigned)v;
    unsigned e = 63u - (unsigned)__builtin_clzll(v); /* 2^e <= v < 2^(e+1), e >= 5 */
    return HIST_LINEAR + (e - 5) * HIST_SUB + (unsigned)((v >> (e - 4)) & (HIST_SUB - 1));
}

/* The largest value that falls in bucket b. */
static uint64_t bucket_top(unsigned b)
{
    if (b < HIST_LINEAR)
        return b;
    unsigned e = (b - HIST_LINEAR) / HIST_SUB + 5, s = (b - HIST_LINEAR) % HIST_SUB;
    uint64_t low = (uint64_t)(HIST_SUB + s) << (e - 4);
    return low + (1ull << (e - 4)) - 1;
}

void hist_add(struct hist *h, uint64_t ns)
{
    h->count[bucket_of(ns)]++;
    h->total++;
    if (ns > h->max)
        h->max = ns;
}

void hist_merge(struct hist *into, const struct hist *from)
{
    for (unsigned b = 0; b < HIST_BUCKETS; b++)
        into->count[b] += from->count[b];
    into->total += from->total;
    if (from->max > into->max)
        into->max = from->max;
}

uint64_t hist_quantile(const struct hist *h, double q)
{
    if (h->total == 0)
        return 0;
    uint64_t want = (uint64_t)(q * (double)h->total + 0.999999);
    if (want == 0)
        want = 1;
    uint64_t seen = 0;
    for (unsigned b = 0; b < HIST_BUCKETS; b++) {
        seen += h->count[b];
        if (seen >= want) {
            uint64_t top = bucket_top(b);
            return top < h->max ? top : h->max;
        }
    }
    return h->max;
}
