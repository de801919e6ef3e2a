/* graph.h: one execution of a litmus test as a picture (litmus --graph):
 * Graphviz DOT, and SVG when `dot` is installed. */
#ifndef MEMLAB_LITMUS_GRAPH_H
#define MEMLAB_LITMUS_GRAPH_H

#include <stddef.h>

#include "litmus/ast.h"
#include "litmus/exec.h"

/* Parse a state written like the histogram prints it ("1:r0=1; 1:r1=0;" or
 * "1:r0=1 1:r1=0"; observables not named keep no constraint and are not
 * allowed: every observable must be given).  Returns 0, or -1 with err. */
int lt_state_parse(const struct lt_test *t, const char *text, int *vals, char *err, size_t errsize);

/* Draw the execution model m gives t for final state vals (NULL: one that
 * satisfies the condition's proposition): one column per thread, events
 * labelled like herd7's ("a: W[rlx] x=1"), po, rf, co and fr edges (and
 * rmw and dependencies); when m forbids the state, the cycle that breaks
 * its axiom in bold and named in the caption.  Writes dot_path, and
 * svg_path (when not NULL) by running `dot -Tsvg`.  caption receives the
 * caption's text.  Returns 0, or -1 with err (no execution ends in that
 * state, the model does not define the test, too large, dot failed). */
int lt_graph_write(const struct lt_test *t, const struct lt_model *m, const int *vals, long budget,
                   const char *dot_path, const char *svg_path, char *caption, size_t capsize, char *err,
                   size_t errsize);

#endif
