/* registry.c: every memory model memlab knows, in the order of the histogram's columns.
 *
 * Adding a model: write litmus/models/<name>.c ending in a
 * `const struct lt_model lt_model_<name>` (litmus/exec.h says what its
 * fields mean; models/sc.c is the shortest example), declare it below and
 * add it to lt_models.  Nothing else changes: the histogram, the summary
 * table, JSON (model.<name>), --model, the header key check, --graph and
 * --html pick it up.
 */
#include "litmus/exec.h"

#include <strings.h>

extern const struct lt_model lt_model_sc, lt_model_tso, lt_model_rc11, lt_model_lkmm,
    lt_model_armv8;

const struct lt_model *const lt_models[] = {
    &lt_model_sc,   /* sequential consistency (Lamport 1979) */
    &lt_model_tso,  /* x86-TSO (Owens, Sarkar, Sewell 2009) */
    &lt_model_rc11, /* C11 atomics, as repaired by RC11 (Lahav et al. 2017) */
    &lt_model_lkmm, /* the Linux kernel memory model (Alglave et al. 2018) */
    &lt_model_armv8, /* ARMv8 AArch64, multi-copy atomic (Pulte et al. 2018) */
    NULL,
};

const struct lt_model *lt_model_find(const char *name)
{
    for (int i = 0; lt_models[i]; i++)
        if (strcasecmp(lt_models[i]->name, name) == 0 || strcasecmp(lt_models[i]->label, name) == 0)
            return lt_models[i];
    return NULL;
}

int lt_model_count(void)
{
    int n = 0;
    while (lt_models[n])
        n++;
    return n;
}
