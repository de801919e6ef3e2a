/* load.c: compile generated thread code with the system compiler and dlopen() it.
 *
 * This is what lets `litmus FILE.litmus` run any test without rebuilding
 * memlab: the runner and every option live in the litmus binary, only the
 * thread bodies come from the shared object.  The compiler runs as a child
 * process (posix_spawnp, no shell, so no quoting issues) with its output in a
 * log file that becomes the error message when it fails.
 */
#include "litmus/load.h"

#include <ctype.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "litmus/gen.h"

extern char **environ;

/* The compiler memlab was built with (the Makefile passes $(CC)): for a cross
 * build that is the cross compiler, so the object compiled on the fly is for
 * the CPU the runner itself runs on. */
#ifndef LITMUS_CC
#define LITMUS_CC "cc"
#endif

enum { MAX_ARGS = 64 };

/* Split s on blanks into argv (in buf); returns the count or -1 if too many. */
static int split_words(char *buf, char **argv, int max)
{
    int n = 0;
    for (char *tok = strtok(buf, " \t\n"); tok; tok = strtok(NULL, " \t\n")) {
        if (n == max)
            return -1;
        argv[n++] = tok;
    }
    return n;
}

static void first_lines(const char *path, char *out, size_t size)
{
    out[0] = '\0';
    FILE *f = fopen(path, "r");
    if (!f)
        return;
    size_t len = 0;
    char line[512];
    for (int i = 0; i < 6 && fgets(line, sizeof line, f); i++) {
        size_t l = strlen(line);
        if (len + l + 1 >= size)
            break;
        memcpy(out + len, line, l + 1);
        len += l;
    }
    fclose(f);
    while (len && out[len - 1] == '\n')
        out[--len] = '\0';
}

static int run_compiler(const char *dir, const char *src, const char *so, bool rcu, char *err, size_t errsize)
{
    const char *cc = getenv("CC");
    const char *cflags = getenv("LITMUS_CFLAGS");
    char ccbuf[1024], flagbuf[1024], log[4096 + 16];
    snprintf(ccbuf, sizeof ccbuf, "%s", cc && *cc ? cc : LITMUS_CC);
    snprintf(flagbuf, sizeof flagbuf, "%s", cflags ? cflags : "-O2");
    snprintf(log, sizeof log, "%s/cc.log", dir);
    char *argv[MAX_ARGS + 8];
    int n = split_words(ccbuf, argv, MAX_ARGS);
    int m = n < 0 ? -1 : split_words(flagbuf, argv + n, MAX_ARGS - n);
    if (n <= 0 || m < 0) {
        snprintf(err, errsize, "cannot use CC='%s' LITMUS_CFLAGS='%s'", cc ? cc : "", cflags ? cflags : "");
        return -1;
    }
    n += m;
    argv[n++] = "-fPIC";
    argv[n++] = "-shared";
    argv[n++] = "-o";
    argv[n++] = (char *)so;
    argv[n++] = (char *)src;
    if (rcu)
        argv[n++] = "-lurcu-memb"; /* RCU and SRCU are liburcu's (gen.c) */
    argv[n] = NULL;

    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_adddup2(&fa, 1, 2);
    pid_t pid;
    int e = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (e) {
        snprintf(err, errsize, "cannot run the C compiler '%s': %s (set CC)", argv[0], strerror(e));
        return -1;
    }
    int status;
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) {
            snprintf(err, errsize, "waiting for the C compiler: %s", strerror(errno));
            return -1;
        }
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        char out[2048];
        first_lines(log, out, sizeof out);
        snprintf(err, errsize, "the C compiler '%s' failed on the generated code (a memlab bug):\n%s",
                 argv[0], out);
        unlink(log);
        return -1;
    }
    unlink(log);
    return 0;
}

int lt_compile(struct lt_test *const *tests, int n, struct lt_library *lib, char *err, size_t errsize)
{
    memset(lib, 0, sizeof *lib);
    const char *tmp = getenv("TMPDIR");
    char dir[4096], src[4200], so[4200];
    snprintf(dir, sizeof dir, "%s/memlab-litmus-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(dir)) {
        snprintf(err, errsize, "cannot make a temporary directory in %s: %s", tmp && *tmp ? tmp : "/tmp",
                 strerror(errno));
        return -1;
    }
    snprintf(src, sizeof src, "%s/tests.c", dir);
    snprintf(so, sizeof so, "%s/tests.so", dir);
    int rc = -1;
    FILE *f = fopen(src, "w");
    if (!f) {
        snprintf(err, errsize, "cannot write %s: %s", src, strerror(errno));
        goto out;
    }
    lt_gen(f, tests, n, "lt_", true);
    if (fclose(f) != 0) {
        snprintf(err, errsize, "cannot write %s: %s", src, strerror(errno));
        goto out;
    }
    if (run_compiler(dir, src, so, lt_gen_needs_rcu(tests, n), err, errsize) != 0)
        goto out;
    lib->handle = dlopen(so, RTLD_NOW | RTLD_LOCAL);
    if (!lib->handle) {
        snprintf(err, errsize, "cannot load the compiled tests: %s", dlerror());
        goto out;
    }
    const int *abi = dlsym(lib->handle, "lt_abi");
    if (!abi || *abi != LT_ABI_VERSION) {
        snprintf(err, errsize, "the compiled tests have the wrong ABI version");
        goto out;
    }
    lib->ntests = n;
    lib->fns = calloc((size_t)n + 1, sizeof *lib->fns);
    if (!lib->fns)
        abort();
    for (int k = 0; k < n; k++) {
        for (int t = 0; t < tests[k]->nthreads; t++) {
            char name[128];
            lt_gen_name(name, sizeof name, "lt_", k, t);
            void *sym = dlsym(lib->handle, name);
            if (!sym) {
                snprintf(err, errsize, "the compiled tests lack %s", name);
                goto out;
            }
            /* POSIX guarantees that dlsym's object pointer converts to a function pointer. */
            memcpy(&lib->fns[k][t], &sym, sizeof sym);
        }
    }
    rc = 0;
out:
    unlink(so); /* a loaded object stays mapped after its file is gone */
    unlink(src);
    rmdir(dir);
    if (rc != 0)
        lt_library_close(lib);
    return rc;
}

/* Edit distance (insert, delete, replace; case-insensitive), capped at 3. */
static int edit_distance(const char *a, const char *b)
{
    enum { MAXLEN = 64 };
    size_t la = strlen(a), lb = strlen(b);
    if (la >= MAXLEN || lb >= MAXLEN)
        return 3;
    int prev[MAXLEN + 1], cur[MAXLEN + 1];
    for (size_t j = 0; j <= lb; j++)
        prev[j] = (int)j;
    for (size_t i = 1; i <= la; i++) {
        cur[0] = (int)i;
        for (size_t j = 1; j <= lb; j++) {
            int same = tolower((unsigned char)a[i - 1]) == tolower((unsigned char)b[j - 1]);
            int best = prev[j - 1] + !same;
            if (prev[j] + 1 < best)
                best = prev[j] + 1;
            if (cur[j - 1] + 1 < best)
                best = cur[j - 1] + 1;
            cur[j] = best;
        }
        memcpy(prev, cur, sizeof(int) * (lb + 1));
    }
    return prev[lb] < 3 ? prev[lb] : 3;
}

const char *lt_catalog_suggest(const char *name)
{
    const char *best = NULL;
    int best_d = 3;
    for (int i = 0; i < lt_catalog_count; i++) {
        int d = edit_distance(name, lt_catalog[i].name);
        if (d < best_d) {
            best_d = d;
            best = lt_catalog[i].name;
        }
    }
    return best;
}

void lt_library_close(struct lt_library *lib)
{
    if (lib->handle)
        dlclose(lib->handle);
    free(lib->fns);
    memset(lib, 0, sizeof *lib);
}
