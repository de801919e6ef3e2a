/* hist.h: a log-linear histogram of nanosecond durations, for wait-time percentiles without storing every sample. */
#ifndef MEMLAB_HIST_H
#define MEMLAB_HIST_H

#include <stdint.h>

/* Values below 32 ns get a bucket each; above that, every power of two is
 * split into 16 buckets, so a reported percentile is within 1/16 (6 %) of
 * the true value, from 1 ns up to 2^64 ns, in under 1000 buckets (8 KB). */
enum { HIST_SUB = 16, HIST_LINEAR = 32, HIST_BUCKETS = HIST_LINEAR + (64 - 5) * HIST_SUB };

struct hist {
    uint64_t count[HIST_BUCKETS];
    uint64_t total;
    uint64_t max;
};

void hist_add(struct hist *h, uint64_t ns);
void hist_merge(struct hist *into, const struct hist *from);
/* The smallest value v such that at least q (0..1) of the samples are <= v,
 * rounded up to its bucket's upper edge; 0 when empty. */
uint64_t hist_quantile(const struct hist *h, double q);

#endif
