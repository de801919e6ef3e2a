/* gen.h: turn parsed litmus tests into C thread functions (see abi.h). */
#ifndef MEMLAB_LITMUS_GEN_H
#define MEMLAB_LITMUS_GEN_H

#include <stdbool.h>
#include <stdio.h>

#include "litmus/ast.h"

/* Write C for tests[0..n-1]: thread t of test k becomes the function named by
 * lt_gen_name(prefix, k, t).  standalone pastes the ABI (for a shared object
 * compiled on its own, which also exports PREFIXabi = LT_ABI_VERSION);
 * otherwise the file includes "litmus/abi.h" (the build-time catalog). */
void lt_gen(FILE *out, struct lt_test *const *tests, int n, const char *prefix, bool standalone);

/* The name of thread t of test k: PREFIX<k>_P<t>. */
void lt_gen_name(char *buf, size_t size, const char *prefix, int test, int thread);

/* Observed registers of one thread, in the order the generated code writes
 * them to lt_args.out: fills obs_of[k] = index into test->obs, returns count. */
int lt_thread_outputs(const struct lt_test *t, int thread, int *obs_of);

/* Whether the generated code calls liburcu (link it with -lurcu-memb, and
 * register the runner's threads: lt_run does). */
bool lt_gen_needs_rcu(struct lt_test *const *tests, int n);

#endif
