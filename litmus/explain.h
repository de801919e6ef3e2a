/* explain.h: print one x86-TSO execution of a litmus test, step by step (litmus --explain). */
#ifndef MEMLAB_LITMUS_EXPLAIN_H
#define MEMLAB_LITMUS_EXPLAIN_H

#include <stddef.h>
#include <stdio.h>

#include "litmus/ast.h"

/* Print to out a shortest x86-TSO execution that ends in a state satisfying
 * t's condition, as a table (each store entering a buffer, each load and
 * where it read from, each drain), then, when SC forbids that state, the
 * program-order edges (a store, then a load of another variable) that the
 * execution relaxed.  When no TSO execution reaches the condition it says so
 * and lists the states that are reachable.  Returns 0, or -1 with a one-line
 * reason in err (too large to enumerate within budget states). */
int lt_explain(FILE *out, const struct lt_test *t, long budget, char *err, size_t errsize);

/* The statement as it would be written in the test ("r0 = READ_ONCE(*y)"). */
void lt_stmt_text(const struct lt_test *t, int thread, const struct lt_stmt *s, char *buf, size_t size);

#endif
