/* gen_main.c: litmus-gen, the build-time generator of the catalog.
 *
 *   litmus-gen -o build/gen/litmus/catalog.c litmus/tests/SB.litmus ...
 *
 * writes every test's thread functions plus the lt_catalog[] table (name,
 * path, source text, thread functions) that the litmus binary links.  A test
 * that does not parse fails the build with its file:line message.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "litmus/gen.h"
#include "litmus/parse.h"

/* Write s as a C string literal; multiline breaks the literal at each newline. */
static void put_string(FILE *out, const char *s, bool multiline)
{
    fputs("\"", out);
    for (; *s; s++) {
        if (*s == '\n')
            fputs(multiline && s[1] ? "\\n\"\n    \"" : "\\n", out);
        else if (*s == '"' || *s == '\\')
            fprintf(out, "\\%c", *s);
        else if (*s == '\t')
            fputs("\\t", out);
        else if ((unsigned char)*s < 32 || (unsigned char)*s >= 127)
            fprintf(out, "\\%03o", (unsigned char)*s);
        else
            fputc(*s, out);
    }
    fputs("\"", out);
}

int main(int argc, char **argv)
{
    if (argc < 3 || strcmp(argv[1], "-o") != 0) {
        fprintf(stderr, "usage: litmus-gen -o OUT.c FILE.litmus...\n");
        return 2;
    }
    const char *outpath = argv[2];
    int n = argc - 3;
    struct lt_test **tests = calloc((size_t)n + 1, sizeof *tests);
    char **sources = calloc((size_t)n + 1, sizeof *sources);
    if (!tests || !sources)
        abort();
    int rc = 0;
    for (int i = 0; i < n && rc == 0; i++) {
        char err[1024];
        sources[i] = lt_read_file(argv[3 + i]);
        tests[i] = sources[i] ? lt_parse(argv[3 + i], sources[i], err, sizeof err) : NULL;
        if (!sources[i])
            snprintf(err, sizeof err, "%s: %s", argv[3 + i], strerror(errno));
        if (!tests[i]) {
            fprintf(stderr, "litmus-gen: %s\n", err);
            rc = 1;
        }
    }
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.tmp", outpath);
    FILE *out = rc == 0 ? fopen(tmp, "w") : NULL;
    if (rc == 0 && !out) {
        fprintf(stderr, "litmus-gen: cannot write %s: %s\n", tmp, strerror(errno));
        rc = 1;
    }
    if (rc == 0) {
        lt_gen(out, tests, n, "lt_cat", false);
        fputs("\n#include \"litmus/load.h\"\n\nconst struct lt_catalog_entry lt_catalog[] = {\n", out);
        for (int i = 0; i < n; i++) {
            fputs("  {", out);
            put_string(out, tests[i]->name, false);
            fputs(", ", out);
            put_string(out, argv[3 + i], false);
            fputs(",\n    ", out);
            put_string(out, sources[i], true);
            fprintf(out, ",\n   %d, {", tests[i]->nthreads);
            for (int t = 0; t < tests[i]->nthreads; t++) {
                char name[128];
                lt_gen_name(name, sizeof name, "lt_cat", i, t);
                fprintf(out, "%s%s", t ? ", " : "", name);
            }
            fputs("}},\n", out);
        }
        fprintf(out, "  {0, 0, 0, 0, {0}},\n};\nconst int lt_catalog_count = %d;\n", n);
        if (fclose(out) != 0 || rename(tmp, outpath) != 0) {
            fprintf(stderr, "litmus-gen: cannot write %s: %s\n", outpath, strerror(errno));
            rc = 1;
        }
    }
    for (int i = 0; i < n; i++) {
        lt_test_free(tests[i]);
        free(sources[i]);
    }
    free(tests);
    free(sources);
    return rc;
}
