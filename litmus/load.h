/* load.h: compiled thread code for litmus tests, from the built-in catalog or compiled on the fly. */
#ifndef MEMLAB_LITMUS_LOAD_H
#define MEMLAB_LITMUS_LOAD_H

#include <stddef.h>

#include "litmus/abi.h"
#include "litmus/ast.h"

/* The catalog: every litmus/tests/NAME.litmus, generated and compiled at build time
 * (build/gen/litmus/catalog.c, written by litmus-gen). */
struct lt_catalog_entry {
    const char *name;
    const char *path;       /* as given to litmus-gen, relative to the project root */
    const char *source;     /* the file's text: parsed again at run time */
    int nthreads;
    lt_thread_fn fns[LT_MAX_THREADS];
};
extern const struct lt_catalog_entry lt_catalog[];
extern const int lt_catalog_count;

/* The catalog name closest to a name that is not one ("sb" -> "SB",
 * "MP+relaq" -> "MP+relacq"): the same ignoring case, else at most two
 * edits away; NULL when none is close. */
const char *lt_catalog_suggest(const char *name);

/* A shared object holding the threads of several tests. */
struct lt_library {
    void *handle;
    int ntests;
    lt_thread_fn (*fns)[LT_MAX_THREADS];   /* fns[test][thread] */
};

/* Generate C for tests[0..n-1], compile it with $CC (default: the compiler
 * memlab was built with) and
 * $LITMUS_CFLAGS (default -O2) into a shared object in a fresh directory under
 * $TMPDIR, and load it.  Returns 0, or -1 with the reason (the compiler's first
 * lines of output) in err.  The directory is removed before returning. */
int lt_compile(struct lt_test *const *tests, int n, struct lt_library *lib, char *err, size_t errsize);

void lt_library_close(struct lt_library *lib);

#endif
