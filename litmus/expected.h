/* expected.h: read herd7's ".expected" output: the final states a model allows for a test. */
#ifndef MEMLAB_LITMUS_EXPECTED_H
#define MEMLAB_LITMUS_EXPECTED_H

#include <stdbool.h>
#include <stddef.h>

#include "litmus/ast.h"

struct lt_expected {
    int nstates;
    int nobs;
    int *vals;          /* nstates * nobs, each state in test->obs order */
};

/* Read the "States N" list of path for test t.  Returns 0, or -1 with the
 * reason in err (unreadable, malformed, or listing other locations than the
 * test observes). */
int lt_expected_load(const struct lt_test *t, const char *path, struct lt_expected *e, char *err,
                     size_t errsize);

bool lt_expected_allows(const struct lt_expected *e, const int *vals);

void lt_expected_free(struct lt_expected *e);

#endif
