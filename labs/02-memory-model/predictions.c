/* predictions.c: lab 02: before running anything, predict for each test whether SC, x86-TSO and C11 allow its outcome of interest.
 *
 * Broken on purpose in the handout: the table says UNKNOWN.  Read each test
 * in litmus/tests/ (the code, the `exists` line and the Question, NOT the
 * SC:/x86-TSO:/C11: lines), write your prediction here, then `make check LAB=02`,
 * then `build/bin/litmus NAME` to see the hardware.
 */
#include "labs/02-memory-model/memmodel.h"

const char *const prediction_tests[N_PREDICTIONS] = {
    "SB", "SB+mfences", "SB+relacqs", "SB+xchgs", "R",
    "MP", "MP+relacq", "LB", "2+2W", "IRIW",
};

const struct prediction predictions[N_PREDICTIONS] = {
    /* BEGIN SOLUTION: one line per test above: [i] = {.sc = ..., .tso = ..., .c11 = ...}, each ALLOWED or FORBIDDEN */
    /* Store buffering: each store waits in its CPU's buffer while the load
     * behind it reads memory.  Only a full fence or a locked instruction
     * between them drains the buffer; release/acquire are plain MOVs. */
    [0] = {.sc = FORBIDDEN, .tso = ALLOWED, .c11 = ALLOWED},   /* SB */
    [1] = {.sc = FORBIDDEN, .tso = FORBIDDEN, .c11 = FORBIDDEN}, /* SB+mfences */
    [2] = {.sc = FORBIDDEN, .tso = ALLOWED, .c11 = ALLOWED},   /* SB+relacqs */
    [3] = {.sc = FORBIDDEN, .tso = FORBIDDEN, .c11 = FORBIDDEN}, /* SB+xchgs */
    [4] = {.sc = FORBIDDEN, .tso = ALLOWED, .c11 = ALLOWED},   /* R: a store then a load again */
    /* x86 keeps stores in order, loads in order, and a load before a later
     * store: only store->load is relaxed, so these are all forbidden. */
    [5] = {.sc = FORBIDDEN, .tso = FORBIDDEN, .c11 = ALLOWED}, /* MP */
    [6] = {.sc = FORBIDDEN, .tso = FORBIDDEN, .c11 = FORBIDDEN}, /* MP+relacq */
    [7] = {.sc = FORBIDDEN, .tso = FORBIDDEN, .c11 = FORBIDDEN}, /* LB */
    [8] = {.sc = FORBIDDEN, .tso = FORBIDDEN, .c11 = ALLOWED}, /* 2+2W */
    [9] = {.sc = FORBIDDEN, .tso = FORBIDDEN, .c11 = ALLOWED}, /* IRIW: TSO is multi-copy atomic */
    /* C11 judges the program, not the CPU: READ_ONCE/WRITE_ONCE are relaxed
     * atomics, so MP, 2+2W and IRIW (no release/acquire pair, no seq_cst) are
     * allowed though x86 never shows them; smp_mb() and xchg() are seq_cst
     * fences, so SB+mfences and SB+xchgs stay forbidden; LB is forbidden
     * because RC11 rules out out-of-thin-air cycles (ISO C11 would allow it). */
    /* END SOLUTION (stub: [0] = {.sc = UNKNOWN, .tso = UNKNOWN, .c11 = UNKNOWN},) */
};
