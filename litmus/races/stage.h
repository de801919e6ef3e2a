/* stage.h: stage directions for the race demos: one interleaving, every run, without adding synchronisation.
 *
 * A data race is two accesses to the same memory location from two threads, at
 * least one a write, with no happens-before between them.  TSan records every
 * access and every synchronisation (mutex, atomic with acquire/release, create,
 * join, condition variable) and reports a pair that is unordered, even when the
 * two accesses were milliseconds apart.  A demo must show its race every run,
 * though, and TSan (clang 14) missed about one run in fifty in our
 * measurements when a thread raced while it was still starting up; it can also
 * miss two accesses made at the very same instant (its shadow-memory check is
 * not atomic: a deliberate trade of a few missed reports for speed).  So the
 * demos script their threads like actors: everyone lines up (stage_line_up),
 * then each thread waits for its cue (stage_wait) and gives the next one
 * (stage_go).  Lines doing this are commented "stage:".
 *
 * What a TSan verdict needs, and what the staging guarantees.  TSan reports a
 * race when the second access finds the first one still recorded, and it
 * records little: 4 accesses per 8 bytes of memory (a "shadow cell"; a fifth
 * different access evicts one at random), and per thread a bounded history
 * of recent events, from which it rebuilds the first access's stack (a
 * report whose earlier stack is gone is dropped without a word).
 * A demo whose racy access happens once (racy_stop_flag reads stop once at
 * -O2) gives TSan exactly one chance, so:
 *   - the cues live on cache lines of their own (struct stage_cue), never in
 *     the shadow cell of a variable a demo races on: both threads hammer the
 *     cues, and sharing a cell would put those accesses beside the one racy
 *     record that must survive;
 *   - a thread waiting for its cue makes no history: TSan skips an access
 *     identical to one its shadow cell already holds (same thread, bytes and
 *     kind, no synchronisation since), so a spin on a relaxed load, or a loop
 *     of identical relaxed stores, costs nothing however long the other
 *     thread is descheduled (a loaded machine stretches those waits from
 *     microseconds to tens of milliseconds);
 *   - the second racy access comes after a cue the first one's thread gives
 *     only after it, so the two never meet in the same instant;
 *   - scripts/races.sh runs TSan with history_size=7, its largest history,
 *     as a margin.
 * `make races-stress` checks it: every racy demo, 500 runs beside two
 * CPU-burning processes, must give its verdict every time.
 *
 * The cues are relaxed atomics.  A relaxed store and a relaxed load order only
 * the cue variable itself: they create no happens-before for any other memory,
 * so the program stays exactly as racy as it looks and TSan, which models C11
 * atomics, still reports the race.  (A release/acquire cue would be real
 * synchronisation and would fix the race: that is what the fixed twins do.)
 * On x86 they are plain MOVs; sched_yield() lets the other actor run when the
 * threads outnumber the CPUs.
 */
#ifndef MEMLAB_RACES_STAGE_H
#define MEMLAB_RACES_STAGE_H

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <time.h>

/* A cue alone on a cache line: the struct is aligned to 64 bytes and so 64
 * bytes long.  clang -O2 may still split it into its one used field (nm
 * shows stage_scene.0, 4 bytes, still 64-aligned), which frees the rest of
 * the line for other variables; so scripts/races.sh checks every built
 * racy demo with nm: no variable in a cue's 8-byte shadow cell. */
struct stage_cue {
    _Alignas(64) atomic_int value;
};

/* The demo's current scene; scenes only go up. */
static struct stage_cue stage_scene;
/* How many actors have reached the starting line. */
static struct stage_cue stage_ready;

/* Give the cue for `scene`.  Relaxed: a cue, not a publication (see above). */
static inline void stage_go(int scene)
{
    atomic_store_explicit(&stage_scene.value, scene, memory_order_relaxed);
}

/* Wait for the cue for `scene`.  Relaxed, paired with stage_go: it orders
 * the actors in time but makes nothing they wrote visible. */
static inline void stage_wait(int scene)
{
    while (atomic_load_explicit(&stage_scene.value, memory_order_relaxed) < scene)
        sched_yield();
}

/* Has the cue for `scene` been given?  For loops that run until a cue. */
static inline int stage_reached(int scene)
{
    return atomic_load_explicit(&stage_scene.value, memory_order_relaxed) >= scene;
}

/* Every actor calls this once, before its first racing access, with the
 * number of actors; it returns when all of them are running.  Relaxed for the
 * same reason as the cues. */
static inline void stage_line_up(int actors)
{
    atomic_fetch_add_explicit(&stage_ready.value, 1, memory_order_relaxed);
    while (atomic_load_explicit(&stage_ready.value, memory_order_relaxed) < actors)
        sched_yield();
}

/* Exit status of a demo whose watchdog fired: the worker was still running
 * when it should long have stopped.  `make races` reads it as "timed out". */
#define WATCHDOG_EXIT 3

/* Join t, but give up after `ms` milliseconds: returns 0 when joined, or
 * ETIMEDOUT.  The visibility demos use it so that a worker that never sees
 * its stop flag ends the run instead of hanging it.  A successful join is
 * real synchronisation (everything t did happens before it returns). */
static inline int join_within(pthread_t t, long ms)
{
    struct timespec deadline;
    clock_gettime(CLOCK_REALTIME, &deadline); /* pthread_timedjoin_np counts in CLOCK_REALTIME */
    deadline.tv_sec += ms / 1000;
    deadline.tv_nsec += (ms % 1000) * 1000000L;
    if (deadline.tv_nsec >= 1000000000L) {
        deadline.tv_sec++;
        deadline.tv_nsec -= 1000000000L;
    }
    return pthread_timedjoin_np(t, NULL, &deadline);
}

/* Emits no instruction; forbids the compiler to move or merge memory accesses
 * across it (an atomic_signal_fence: it orders a thread against its own
 * signal handlers, not against other threads).  The counter and torn-struct
 * demos put one in their loops so -O2 keeps one load and one store per
 * iteration, as written, instead of folding the loop into a single add -- a
 * transformation it may make precisely because it may assume no other thread
 * touches the variable.  It orders nothing between threads and TSan ignores
 * it: the race is untouched. */
static inline void compiler_barrier(void)
{
    atomic_signal_fence(memory_order_seq_cst);
}

#endif
