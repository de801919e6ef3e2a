/* verdict.h: one test's results (hardware counts, every model's verdict) and
 * what they say against each other, the header's claims and herd7's
 * `.expected` file.  The checks are written once here; report.c prints them,
 * cli.c orchestrates.
 */
#ifndef MEMLAB_LITMUS_VERDICT_H
#define MEMLAB_LITMUS_VERDICT_H

#include <stdbool.h>
#include <stddef.h>

#include "litmus/abi.h"
#include "litmus/ast.h"
#include "litmus/exec.h"
#include "litmus/run.h"

#define LT_MAX_MODELS 8

/* One test named on the command line (or found in a directory or index file). */
struct lt_item {
    const char *arg;          /* as named on the command line */
    char *path;
    char *source;             /* owned text, NULL for a catalog entry */
    const char *text;         /* the test's text (source, or the catalog's copy) */
    struct lt_test *test;
    const lt_thread_fn *fns;
    int lib_index;            /* position among the tests compiled on the fly, or -1 */
    char error[1024];         /* why it cannot run */
    bool ran;
    struct lt_result res;
    int expect;               /* 0 unchecked, 1 met, -1 failed */
    char expect_msg[512];
    bool modeled;             /* the models were run (each verdict may still be too large or n/a) */
    struct lt_verdict v[LT_MAX_MODELS]; /* in registry order; v[i].model NULL when not asked for */
};

/* The models asked for (--model), in registry order. */
struct lt_selection {
    const struct lt_model *m[LT_MAX_MODELS];
    int n;
};

/* Every registered model, or the comma-separated names in spec ("sc,c11").
 * Returns 0, or -1 with the unknown name in err. */
int lt_select_models(const char *spec, struct lt_selection *sel, char *err, size_t errsize);

/* Run the selected models on it->test (budgets: machine states for the
 * operational columns, candidates for the axiomatic ones). */
void lt_item_model(struct lt_item *it, const struct lt_selection *sel, long machine_budget, long exec_budget);

/* The item's verdict for the model named name ("x86_tso"), or NULL when not run. */
const struct lt_verdict *lt_item_verdict(const struct lt_item *it, const char *name);

/* Some selected model was too large to enumerate. */
bool lt_item_too_large(const struct lt_item *it, const struct lt_verdict **which);

/* Whether the header's key for v's model contradicts v (a key that is
 * neither allowed nor forbidden contradicts it too). */
bool lt_header_disagrees(const struct lt_item *it, const struct lt_verdict *v);

/* The first disagreeing key as "the header says SC: allowed, the enumerator says forbidden". */
bool lt_disagreement(const struct lt_item *it, char *buf, size_t size);

/* Index of the first hardware state from `from` on that x86-TSO forbids, or -1. */
int lt_next_tso_forbidden(const struct lt_item *it, int from);

/* --expect after a hardware run / after --model-only: sets it->expect and expect_msg. */
void lt_check_expect(struct lt_item *it);
void lt_check_model_expect(struct lt_item *it);

/* The summary table's verdict word for a hardware run. */
const char *lt_summary_verdict(const struct lt_item *it);

/* The hardware line for JSON: "hardware within x86-TSO" or the alarm. */
const char *lt_hardware_verdict(const struct lt_item *it);

/* "0:r0=0; 1:r0=0;" */
void lt_state_text(const struct lt_test *t, const int *vals, char *buf, size_t size);

#endif
