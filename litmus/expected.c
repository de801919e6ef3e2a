/* expected.c: parse the "States" block of a herd7 result:
 *
 *   States 2
 *   0:r1=0; 1:r1=0; [x]=1;
 *   0:r1=1; 1:r1=0; [x]=2;
 *
 * Locations are matched to the test's observables by name ("[x]" is x).
 */
#include "litmus/expected.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "litmus/parse.h"

static int obs_by_name(const struct lt_test *t, const char *name)
{
    char buf[96];
    for (int i = 0; i < t->nobs; i++) {
        lt_loc_name(t, i, buf, sizeof buf);
        if (strcmp(buf, name) == 0)
            return i;
    }
    return -1;
}

/* Parse one state line into vals; returns 0 or -1 with err set. */
static int parse_state(const struct lt_test *t, char *line, int *vals, const char *path, int lineno,
                       char *err, size_t errsize)
{
    bool seen[LT_MAX_THREADS * LT_MAX_REGS + LT_MAX_VARS] = {false};
    int count = 0;
    for (char *item = strtok(line, ";"); item; item = strtok(NULL, ";")) {
        while (*item == ' ' || *item == '\t')
            item++;
        if (!*item || *item == '\r' || *item == '\n')
            continue;
        char *eq = strchr(item, '=');
        if (!eq) {
            snprintf(err, errsize, "%s:%d: expected loc=value in '%s'", path, lineno, item);
            return -1;
        }
        *eq = '\0';
        char *name = item;
        size_t len = strlen(name);
        while (len && (name[len - 1] == ' ' || name[len - 1] == ']'))
            name[--len] = '\0';
        if (*name == '[')
            name++;
        int k = obs_by_name(t, name);
        if (k < 0) {
            snprintf(err, errsize, "%s:%d: '%s' is not a location the test observes", path, lineno, name);
            return -1;
        }
        char *end;
        long v = strtol(eq + 1, &end, 0);
        if (end == eq + 1) {
            /* a pointer value: the name of the variable it points to (ast.h) */
            int var = -1;
            eq[1 + strcspn(eq + 1, " \t\r\n")] = '\0';
            for (int i = 0; i < t->nvars && var < 0; i++)
                if (strcmp(t->vars[i].name, eq + 1) == 0)
                    var = i;
            if (var < 0) {
                snprintf(err, errsize, "%s:%d: '%s' has no integer value", path, lineno, name);
                return -1;
            }
            v = LT_PTR(var);
        }
        vals[k] = (int)v;
        count += !seen[k];
        seen[k] = true;
    }
    if (count != t->nobs) {
        snprintf(err, errsize, "%s:%d: the state lists %d of the test's %d observed locations", path, lineno,
                 count, t->nobs);
        return -1;
    }
    return 0;
}

int lt_expected_load(const struct lt_test *t, const char *path, struct lt_expected *e, char *err,
                     size_t errsize)
{
    memset(e, 0, sizeof *e);
    char *text = lt_read_file(path);
    if (!text) {
        snprintf(err, errsize, "%s: cannot read", path);
        return -1;
    }
    int rc = -1, lineno = 0, want = -1;
    e->nobs = t->nobs;
    for (char *line = text, *nl; line && *line; line = nl ? nl + 1 : NULL) {
        nl = strchr(line, '\n');
        if (nl)
            *nl = '\0';
        lineno++;
        if (want < 0) {
            if (sscanf(line, "States %d", &want) == 1) {
                if (want < 0 || want > 1000000) {
                    snprintf(err, errsize, "%s:%d: bad state count", path, lineno);
                    goto out;
                }
                e->vals = calloc((size_t)want * (size_t)(t->nobs ? t->nobs : 1) + 1, sizeof(int));
                if (!e->vals)
                    abort();
                if (want == 0)
                    break;
            }
            continue;
        }
        if (parse_state(t, line, &e->vals[e->nstates * t->nobs], path, lineno, err, errsize) != 0)
            goto out;
        if (++e->nstates == want)
            break;
    }
    if (want < 0 || e->nstates != want) {
        snprintf(err, errsize, "%s: no complete 'States N' list", path);
        goto out;
    }
    rc = 0;
out:
    free(text);
    if (rc != 0)
        lt_expected_free(e);
    return rc;
}

bool lt_expected_allows(const struct lt_expected *e, const int *vals)
{
    for (int i = 0; i < e->nstates; i++)
        if (memcmp(&e->vals[i * e->nobs], vals, sizeof(int) * (size_t)e->nobs) == 0)
            return true;
    return false;
}

void lt_expected_free(struct lt_expected *e)
{
    free(e->vals);
    memset(e, 0, sizeof *e);
}
