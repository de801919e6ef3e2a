/* expect.h: lab test checks that fail with a sentence: which property, what was seen, what was wanted, status codes by name.
 *
 * CMocka's assert_int_equal prints "0x2 != 0x1": a student cannot tell a
 * status from a count, nor TK_TIMEOUT from -4.  These print, for example,
 *     ticker_stop on a stuck tick: returned 0 (ok), want TK_TIMEOUT (-4) ...
 *     threads left after ticker_stop: 2, want 1
 * and fail the test at the caller's line.
 */
#ifndef MEMLAB_LABS_EXPECT_H
#define MEMLAB_LABS_EXPECT_H

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "labs/toolkit/errors.h"

/* CMocka has no fail_msg with a place: print the sentence, then fail there. */
__attribute__((format(printf, 3, 4))) static inline void fail_msg_at(const char *file, int line,
                                                                     const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf("\n");
    _fail(file, line);
}

/* "TK_TIMEOUT (-4)", "ETIMEDOUT (110)", "ok (0)": the name a student can look up. */
static inline const char *status_name(int err, char *buf, size_t len)
{
    static const char *const tk[] = {"ok", "TK_CANCELED", "TK_DEADLINE_EXCEEDED", "TK_CLOSED",
                                     "TK_TIMEOUT", "TK_WOULD_BLOCK", "TK_INVALID"};
    const char *name = NULL;
    if (err <= 0 && -err < (int)(sizeof tk / sizeof tk[0]))
        name = tk[-err];
    else if (err > 0)
        name = strerrorname_np(err);
    snprintf(buf, len, "%s (%d)", name ? name : "an unknown status", err);
    return buf;
}

static inline void expect_status_at(int got, int want, const char *what, const char *file, int line)
{
    if (got == want)
        return;
    char g[64], w[64];
    fail_msg_at(file, line, "%s: returned %s, want %s", what, status_name(got, g, sizeof g),
                 status_name(want, w, sizeof w));
}

static inline void expect_count_at(long long got, long long want, const char *what, const char *file, int line)
{
    if (got != want)
        fail_msg_at(file, line, "%s: %lld, want %lld", what, got, want);
}

#define expect_status(got, want, what) expect_status_at((got), (want), (what), __FILE__, __LINE__)
#define expect_count(got, want, what) expect_count_at((long long)(got), (long long)(want), (what), __FILE__, __LINE__)

#endif
