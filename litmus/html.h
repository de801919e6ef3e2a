/* html.h: litmus --html DIR: a page per test (verdicts, states, graphs, source) and an index,
 * plain HTML and SVG that any browser reads offline. */
#ifndef MEMLAB_LITMUS_HTML_H
#define MEMLAB_LITMUS_HTML_H

#include <stddef.h>

#include "litmus/verdict.h"

/* Write DIR/index.html and DIR/TEST.html for every item that was modeled,
 * with DIR/TEST.MODEL.svg graphs (when Graphviz's dot is installed).
 * Returns 0, or -1 with the first error in err (pages that could be
 * written are). */
int lt_html_write(const char *dir, const struct lt_item *items, int n, long exec_budget, char *err, size_t errsize);

#endif
