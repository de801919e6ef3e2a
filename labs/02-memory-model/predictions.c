/* predictions.c: lab 02: before running anything, predict for each test whether SC and x86-TSO allow its outcome of interest.
 *
 * Broken on purpose in the handout: the table says UNKNOWN.  Read each test
 * in litmus/tests/ (the code, the `exists` line and the Question, NOT the
 * SC:/x86-TSO: lines), write your prediction here, then `make check LAB=02`,
 * then `build/bin/litmus NAME` to see the hardware.
 */
#include "labs/02-memory-model/memmodel.h"

const char *const prediction_tests[N_PREDICTIONS] = {
    "SB", "SB+mfences", "SB+relacqs", "SB+xchgs", "R",
    "MP", "MP+relacq", "LB", "2+2W", "IRIW",
};

const struct prediction predictions[N_PREDICTIONS] = {
    /* BEGIN SOLUTION: one line per test above: [i] = {.sc = ALLOWED or FORBIDDEN, .tso = ALLOWED or FORBIDDEN} */
    /* Store buffering: each store waits in its CPU's buffer while the load
     * behind it reads memory.  Only a full fence or a locked instruction
     * between them drains the buffer; release/acquire are plain MOVs. */
    [0] = {.sc = FORBIDDEN, .tso = ALLOWED},   /* SB */
    [1] = {.sc = FORBIDDEN, .tso = FORBIDDEN}, /* SB+mfences */
    [2] = {.sc = FORBIDDEN, .tso = ALLOWED},   /* SB+relacqs */
    [3] = {.sc = FORBIDDEN, .tso = FORBIDDEN}, /* SB+xchgs */
    [4] = {.sc = FORBIDDEN, .tso = ALLOWED},   /* R: a store then a load again */
    /* x86 keeps stores in order, loads in order, and a load before a later
     * store: only store->load is relaxed, so these are all forbidden. */
    [5] = {.sc = FORBIDDEN, .tso = FORBIDDEN}, /* MP */
    [6] = {.sc = FORBIDDEN, .tso = FORBIDDEN}, /* MP+relacq */
    [7] = {.sc = FORBIDDEN, .tso = FORBIDDEN}, /* LB */
    [8] = {.sc = FORBIDDEN, .tso = FORBIDDEN}, /* 2+2W */
    [9] = {.sc = FORBIDDEN, .tso = FORBIDDEN}, /* IRIW: TSO is multi-copy atomic */
    /* END SOLUTION (stub: [0] = {.sc = UNKNOWN, .tso = UNKNOWN},) */
};
