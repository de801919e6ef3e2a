/* memmodel.h: lab 02: predictions of what SC, x86-TSO and C11 allow, and a two-flag handshake that is the litmus test SB. */
#ifndef MEMLAB_LAB02_MEMMODEL_H
#define MEMLAB_LAB02_MEMMODEL_H

#include <stdatomic.h>
#include <stdbool.h>

#include "locks/sys.h"

/* ---- predictions ---- */

enum verdict { UNKNOWN = 0, ALLOWED, FORBIDDEN };

/* What a model says about a litmus test's outcome of interest (the state
 * its `exists` clause names). */
struct prediction {
    enum verdict sc;  /* sequential consistency: one interleaving of all statements */
    enum verdict tso; /* x86-TSO: SC plus a FIFO store buffer per CPU */
    enum verdict c11; /* C11 (RC11): what the language allows, through each operation's C11 meaning */
};

/* The catalog tests (litmus/tests/NAME.litmus) the lab asks about, and
 * your prediction for each, in the same order (predictions.c). */
enum { N_PREDICTIONS = 10 };
extern const char *const prediction_tests[N_PREDICTIONS];
extern const struct prediction predictions[N_PREDICTIONS];

/* ---- the handshake ---- */

/* Two threads, 0 and 1, each wanting to enter a room alone without a lock:
 * raise my flag, then look at yours; enter only if yours is down.  (The
 * first half of Dekker's and Peterson's algorithms.)  Flags start at 0. */
struct handshake {
    atomic_int flag[2];
};

/* Thread `me` (0 or 1) raises its flag and returns true if the other's flag
 * was down, i.e. it may enter.  The property: for one handshake, at most one
 * of the two calls returns true. */
bool handshake_try_enter(struct handshake *h, int me);

#endif
