/* test_cowcfg.c: the copy-on-write config keeps its promises: complete snapshots, nothing freed early, nothing leaked.
 *
 * Versions are structs whose every word equals their sequence number, so a
 * reader that sees two different numbers in one version has seen a torn or
 * freed one (the free function poisons a version before freeing it, and the
 * ASan build turns any read of freed memory into a report).  The free
 * function also counts frees per sequence number: each version must be freed
 * exactly once, and LeakSanitizer (ASan build) checks nothing is left over.
 *
 * Every test runs once per reclamation scheme (epochs, QSBR, hazard pointers:
 * cowcfg.h), through the scheme's own read side (t_read_lock, t_get,
 * t_read_unlock below); where the schemes differ on purpose (what a parked
 * reader holds back), each test states both expectations.
 *
 * Every wait has a deadline: a test that would hang fails with a message
 * instead, and a watchdog thread aborts the program if a thread is stuck
 * where no deadline reaches (inside the library).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "locks/cowcfg.h"
#include "locks/lock.h"
#include "locks/sys.h"

/* ---- the scheme under test, and its read side ---------------------------------- */

struct scheme {
    const char *name; /* its registry entry */
    enum cowcfg_scheme id;
};
static const struct scheme schemes[] = {
    {"cowcfg", COWCFG_EPOCH},
    {"cowcfg_qsbr", COWCFG_QSBR},
    {"cowcfg_hazard", COWCFG_HAZARD},
};
static const struct scheme *scheme = &schemes[0]; /* set by each test's setup */

/* A read section in the scheme's terms.  QSBR has no bracket: the section
 * ends with a quiescent state, which is what the end of a section promises. */
static void t_read_lock(struct cowcfg *c, struct cowcfg_slot *slot)
{
    if (scheme->id == COWCFG_EPOCH)
        cowcfg_read_lock(c, slot);
    else if (scheme->id == COWCFG_HAZARD)
        cowcfg_hazard_read_lock(c, slot);
}

static const void *t_get(struct cowcfg *c, struct cowcfg_slot *slot)
{
    if (scheme->id == COWCFG_EPOCH)
        return cowcfg_get(c);
    if (scheme->id == COWCFG_QSBR)
        return cowcfg_qsbr_get(c);
    /* the protected pointer read_lock announced; relaxed: our own slot */
    return (const void *)(uintptr_t)atomic_load_explicit(&slot->active, memory_order_relaxed);
}

static void t_read_unlock(struct cowcfg *c, struct cowcfg_slot *slot)
{
    if (scheme->id == COWCFG_EPOCH)
        cowcfg_read_unlock(c, slot);
    else if (scheme->id == COWCFG_QSBR)
        cowcfg_qsbr_quiescent(c, slot);
    else
        cowcfg_hazard_read_unlock(c, slot);
}

enum { DEADLINE_NS = 10000000000ull, WATCHDOG_NS = 30000000000ull };

/* ---- versions and the free function that checks them -------------------------- */

enum { VERSION_WORDS = 15 };

struct version {
    uint64_t seq;
    uint64_t words[VERSION_WORDS];
};

static struct version *version_new(uint64_t seq)
{
    struct version *v = malloc(sizeof *v);
    if (!v)
        abort(); /* writer threads call this too: no cmocka assert off the test thread */
    v->seq = seq;
    for (int i = 0; i < VERSION_WORDS; i++)
        v->words[i] = seq;
    return v;
}

/* true when every word equals seq: the version is whole and not yet freed */
static bool version_intact(const struct version *v, uint64_t seq)
{
    if (v->seq != seq)
        return false;
    for (int i = 0; i < VERSION_WORDS; i++)
        if (v->words[i] != seq)
            return false;
    return true;
}

/* Frees per sequence number.  Only the cowcfg calls free_version, and only
 * under its writer mutex or in destroy, so the test reads these after joining
 * the writer (or from the writer thread itself). */
static struct {
    unsigned *frees; /* frees[seq], seq 1..max_seq */
    uint64_t max_seq;
    uint64_t unknown; /* frees of a seq outside 1..max_seq, or of a damaged version */
} tracker;

static void tracker_reset(uint64_t max_seq)
{
    free(tracker.frees);
    tracker.frees = calloc(max_seq + 1, sizeof *tracker.frees);
    assert_non_null(tracker.frees);
    tracker.max_seq = max_seq;
    tracker.unknown = 0;
}

static void free_version(void *p)
{
    struct version *v = p;
    if (v->seq >= 1 && v->seq <= tracker.max_seq && version_intact(v, v->seq))
        tracker.frees[v->seq]++;
    else
        tracker.unknown++;
    memset(v, 0xA5, sizeof *v); /* a reader still using it would see torn words */
    free(v);
}

/* Every version 1..published freed exactly once, nothing else freed. */
static void assert_each_freed_once(uint64_t published)
{
    if (tracker.unknown)
        fail_msg("%llu frees of unknown or damaged versions", (unsigned long long)tracker.unknown);
    for (uint64_t s = 1; s <= published; s++)
        if (tracker.frees[s] != 1)
            fail_msg("version %llu freed %u times (want exactly 1)", (unsigned long long)s,
                     tracker.frees[s]);
}

static struct cowcfg *cfg_new(void)
{
    struct cowcfg *c = xaligned_alloc(sizeof *c);
    cowcfg_init_scheme(c, free_version, scheme->id);
    return c;
}

/* destroy, check the counters balance and every version went exactly once */
static void cfg_destroy_and_check(struct cowcfg *c)
{
    cowcfg_destroy(c);
    struct cowcfg_stats st = cowcfg_stats(c);
    print_message("  after destroy: published %llu, freed %llu, pending %llu\n",
                  (unsigned long long)st.published, (unsigned long long)st.freed,
                  (unsigned long long)st.pending);
    if (st.published != st.freed || st.pending != 0)
        fail_msg("after destroy: published %llu != freed %llu, or pending %llu != 0",
                 (unsigned long long)st.published, (unsigned long long)st.freed,
                 (unsigned long long)st.pending);
    assert_each_freed_once(st.published);
    free(c);
}

/* ---- waiting with deadlines, and the watchdog ---------------------------------- */

static bool wait_flag(atomic_bool *flag, uint64_t timeout_ns)
{
    uint64_t deadline = now_ns() + timeout_ns;
    while (!atomic_load(flag)) {
        if (now_ns() > deadline)
            return false;
        sleep_ns(100000);
    }
    return true;
}

/* Aborts the program, with a message, if a test has not finished by its
 * deadline: the backstop for a thread stuck inside the library.  Started and
 * stopped around every test by cmocka's setup and teardown (teardown runs
 * after a failed test too), so it lives outside any test's stack. */
static struct {
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool done;
} watchdog = {.mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER};

static void *watchdog_main(void *arg)
{
    (void)arg;
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += (time_t)(WATCHDOG_NS / 1000000000u);
    pthread_mutex_lock(&watchdog.mu);
    int rc = 0;
    while (!watchdog.done && rc == 0)
        rc = pthread_cond_timedwait(&watchdog.cv, &watchdog.mu, &until);
    bool done = watchdog.done;
    pthread_mutex_unlock(&watchdog.mu);
    if (!done) {
        fprintf(stderr, "watchdog: the running test is still going after %llu s: a thread hangs\n",
                (unsigned long long)(WATCHDOG_NS / 1000000000u));
        abort();
    }
    return NULL;
}

static int watchdog_start(void **state)
{
    scheme = *state;
    watchdog.done = false; /* the previous watchdog thread has been joined */
    return pthread_create(&watchdog.thread, NULL, watchdog_main, NULL);
}

static int watchdog_stop(void **state)
{
    (void)state;
    pthread_mutex_lock(&watchdog.mu);
    watchdog.done = true;
    pthread_cond_signal(&watchdog.cv);
    pthread_mutex_unlock(&watchdog.mu);
    return pthread_join(watchdog.thread, NULL);
}

/* ---- a reader parked inside its read section ------------------------------------ */

struct parked {
    struct cowcfg *c;
    atomic_bool inside;  /* set once in the section holding a version */
    atomic_bool release; /* the test sets it: leave the section */
    atomic_bool left;    /* set once out of the section */
    uint64_t held_seq;   /* the version it holds (0: none) */
    bool intact;         /* that version was whole right before leaving */
    bool timed_out;      /* release never came */
    pthread_t thread;
};

static void *park_in_read_section(void *arg)
{
    struct parked *p = arg;
    struct cowcfg_slot *slot = xaligned_alloc(sizeof *slot);
    cowcfg_reader_register(p->c, slot);
    t_read_lock(p->c, slot);
    const struct version *v = t_get(p->c, slot);
    p->held_seq = v ? v->seq : 0;
    atomic_store(&p->inside, true);
    p->timed_out = !wait_flag(&p->release, DEADLINE_NS);
    p->intact = v && version_intact(v, p->held_seq);
    t_read_unlock(p->c, slot);
    atomic_store(&p->left, true);
    cowcfg_reader_unregister(p->c, slot);
    free(slot);
    return NULL;
}

/* Start a reader that parks in its read section; NULL (the thread is
 * released and joined) when it never got in. */
static struct parked *park_start(struct cowcfg *c)
{
    struct parked *p = calloc(1, sizeof *p);
    assert_non_null(p);
    p->c = c;
    assert_int_equal(pthread_create(&p->thread, NULL, park_in_read_section, p), 0);
    if (wait_flag(&p->inside, DEADLINE_NS))
        return p;
    atomic_store(&p->release, true);
    pthread_join(p->thread, NULL);
    free(p);
    return NULL;
}

/* Release the parked reader and join it (it leaves by its own deadline at
 * the latest).  The caller reads the results, then frees p. */
static void park_release(struct parked *p)
{
    atomic_store(&p->release, true);
    pthread_join(p->thread, NULL);
}

static void publish_one(struct cowcfg *c, uint64_t seq)
{
    cowcfg_write_lock(c);
    cowcfg_publish(c, version_new(seq));
    cowcfg_write_unlock(c);
}

/* ---- (a) readers see only complete versions, in order ------------------------------ */

enum { STORM_READERS = 4, STORM_VERSIONS = 6000, STORM_HOLD_EVERY = 64 };

struct storm {
    struct cowcfg *c;
    atomic_uint started;
    atomic_bool writer_done;
    bool writer_late;             /* the writer passed its deadline */
    uint64_t writer_bad;          /* writer's own view was stale or torn */
    uint64_t max_pending_after;   /* most versions pending after a write_unlock */
};

struct storm_reader {
    struct storm *s;
    pthread_t thread;
    uint64_t reads, versions_seen, torn, backwards, last_seq, final_seq;
    uint64_t bad_seq, bad_word; /* the first torn version seen */
};

/* One read section: check the version is whole and not older than the last.
 * Every STORM_HOLD_EVERY-th section lingers, re-checking the version, so the
 * writer retires and tries to free it while it is still in use. */
static void storm_read_once(struct storm_reader *r, struct cowcfg_slot *slot)
{
    t_read_lock(r->s->c, slot);
    const struct version *v = t_get(r->s->c, slot);
    uint64_t seq = v ? v->seq : 0;
    int checks = r->reads % STORM_HOLD_EVERY == 0 ? 50 : 1;
    for (int k = 0; k < checks && v; k++) {
        if (!version_intact(v, seq)) {
            if (r->torn++ == 0) {
                r->bad_seq = seq;
                r->bad_word = v->words[VERSION_WORDS - 1];
            }
            break;
        }
        cpu_relax();
    }
    t_read_unlock(r->s->c, slot);
    if (seq < r->last_seq)
        r->backwards++;
    if (seq != r->last_seq)
        r->versions_seen++;
    r->last_seq = seq;
    r->reads++;
}

static void *storm_reader_main(void *arg)
{
    struct storm_reader *r = arg;
    struct cowcfg_slot *slot = xaligned_alloc(sizeof *slot);
    cowcfg_reader_register(r->s->c, slot);
    atomic_fetch_add(&r->s->started, 1);
    uint64_t deadline = now_ns() + DEADLINE_NS;
    while (!atomic_load(&r->s->writer_done) && now_ns() < deadline)
        storm_read_once(r, slot);
    /* The writer is done (seq_cst flag, after its last unlock): a fresh
     * section must see the last version. */
    storm_read_once(r, slot);
    r->final_seq = r->last_seq;
    cowcfg_reader_unregister(r->s->c, slot);
    free(slot);
    return NULL;
}

static void storm_write(struct storm *s, uint64_t seq)
{
    struct cowcfg *c = s->c;
    cowcfg_write_lock(c);
    const struct version *before = cowcfg_get(c);
    if (seq == 1 ? before != NULL : !before || !version_intact(before, seq - 1))
        s->writer_bad++;
    cowcfg_publish(c, version_new(seq));
    /* lock.h: what the writer got stays valid until its unlock */
    if (before && !version_intact(before, seq - 1))
        s->writer_bad++;
    cowcfg_write_unlock(c);
    uint64_t pending = cowcfg_stats(c).pending;
    if (pending > s->max_pending_after)
        s->max_pending_after = pending;
}

static void *storm_writer_main(void *arg)
{
    struct storm *s = arg;
    uint64_t deadline = now_ns() + DEADLINE_NS;
    while (atomic_load(&s->started) < STORM_READERS && now_ns() < deadline)
        sleep_ns(100000);
    for (uint64_t seq = 1; seq <= STORM_VERSIONS; seq++) {
        if (now_ns() > deadline) {
            s->writer_late = true;
            break;
        }
        storm_write(s, seq);
    }
    atomic_store(&s->writer_done, true);
    return NULL;
}

static void readers_see_only_complete_versions(void **state)
{
    (void)state;
    tracker_reset(STORM_VERSIONS);
    struct storm s = {.c = cfg_new()};
    struct storm_reader r[STORM_READERS];
    pthread_t writer;
    for (int i = 0; i < STORM_READERS; i++) {
        r[i] = (struct storm_reader){.s = &s};
        assert_int_equal(pthread_create(&r[i].thread, NULL, storm_reader_main, &r[i]), 0);
    }
    assert_int_equal(pthread_create(&writer, NULL, storm_writer_main, &s), 0);
    pthread_join(writer, NULL);
    for (int i = 0; i < STORM_READERS; i++)
        pthread_join(r[i].thread, NULL);

    struct cowcfg_stats st = cowcfg_stats(s.c);
    print_message("  %d versions published, max %llu pending after an unlock (bound %d)\n",
                  STORM_VERSIONS, (unsigned long long)s.max_pending_after, COWCFG_MAX_PENDING);
    uint64_t backwards = 0;
    for (int i = 0; i < STORM_READERS; i++) {
        print_message("  reader %d: %llu reads, %llu versions seen, %llu torn, %llu backwards, "
                      "final %llu\n",
                      i, (unsigned long long)r[i].reads, (unsigned long long)r[i].versions_seen,
                      (unsigned long long)r[i].torn, (unsigned long long)r[i].backwards,
                      (unsigned long long)r[i].final_seq);
        backwards += r[i].backwards;
        if (r[i].torn)
            fail_msg("reader %d saw a torn version: seq %llu with a word 0x%llx", i,
                     (unsigned long long)r[i].bad_seq, (unsigned long long)r[i].bad_word);
        if (r[i].final_seq != STORM_VERSIONS)
            fail_msg("reader %d, after the writer finished, read version %llu (want %d)", i,
                     (unsigned long long)r[i].final_seq, STORM_VERSIONS);
    }
    if (s.writer_late)
        fail_msg("writer passed its deadline after %llu of %d versions",
                 (unsigned long long)st.published, STORM_VERSIONS);
    if (backwards)
        fail_msg("readers saw the sequence go backwards %llu times", (unsigned long long)backwards);
    if (s.writer_bad)
        fail_msg("writer saw a stale or damaged version %llu times under its own lock",
                 (unsigned long long)s.writer_bad);
    if (st.published != STORM_VERSIONS || s.max_pending_after > COWCFG_MAX_PENDING)
        fail_msg("published %llu (want %d); max pending after unlock %llu (bound %d)",
                 (unsigned long long)st.published, STORM_VERSIONS,
                 (unsigned long long)s.max_pending_after, COWCFG_MAX_PENDING);
    cfg_destroy_and_check(s.c);
}

/* ---- (b) every version is freed exactly once, including at destroy --------------- */

enum { HELD_BACK = 10 };

/* Of the HELD_BACK versions retired while a reader sits on version 1, how
 * many it keeps from being freed: epochs and QSBR keep every version retired
 * after it entered (or last reported); a hazard pointer keeps only the one it
 * names. */
static unsigned kept_by_parked_reader(void)
{
    return scheme->id == COWCFG_HAZARD ? 1 : HELD_BACK;
}

static void every_version_freed_exactly_once(void **state)
{
    (void)state;
    tracker_reset(HELD_BACK + 1);
    struct cowcfg *c = cfg_new();
    publish_one(c, 1);
    struct parked *p = park_start(c);
    if (!p)
        fail_msg("parked reader never entered its read section");
    for (uint64_t seq = 2; seq <= HELD_BACK + 1; seq++)
        publish_one(c, seq);
    park_release(p);
    bool timed_out = p->timed_out;
    free(p);
    /* No publish after the reader left: what it kept is still pending, so
     * destroy must free it along with the current one. */
    struct cowcfg_stats st = cowcfg_stats(c);
    unsigned kept = kept_by_parked_reader();
    print_message("  before destroy: published %llu, freed %llu, pending %llu\n",
                  (unsigned long long)st.published, (unsigned long long)st.freed,
                  (unsigned long long)st.pending);
    if (timed_out || st.pending != kept || st.freed != HELD_BACK - kept)
        fail_msg("%s before destroy: pending %llu (want %u), freed %llu (want %u), reader timed "
                 "out %d",
                 scheme->name, (unsigned long long)st.pending, kept, (unsigned long long)st.freed,
                 HELD_BACK - kept, timed_out);
    cfg_destroy_and_check(c);
}

/* ---- (c) a parked reader keeps its version alive ------------------------------------ */

static void parked_reader_keeps_its_version_alive(void **state)
{
    (void)state;
    tracker_reset(HELD_BACK + 2);
    struct cowcfg *c = cfg_new();
    publish_one(c, 1);
    struct parked *p = park_start(c);
    if (!p)
        fail_msg("parked reader never entered its read section");
    for (uint64_t seq = 2; seq <= HELD_BACK + 1; seq++)
        publish_one(c, seq);
    /* Epochs and QSBR hold back everything retired after the reader
     * entered: versions 1..HELD_BACK, and version 1 is the one it holds;
     * a hazard pointer holds back version 1 alone. */
    struct cowcfg_stats held = cowcfg_stats(c);
    unsigned kept = kept_by_parked_reader();
    unsigned v1_frees = tracker.frees[1];
    park_release(p);
    struct parked got = *p;
    free(p);
    print_message("  reader parked on v%llu after %d publishes: freed %llu, pending %llu\n",
                  (unsigned long long)got.held_seq, HELD_BACK + 1,
                  (unsigned long long)held.freed, (unsigned long long)held.pending);
    if (got.held_seq != 1 || got.timed_out)
        fail_msg("parked reader held version %llu (want 1), timed out %d",
                 (unsigned long long)got.held_seq, got.timed_out);
    if (held.freed != HELD_BACK - kept || held.pending != kept || v1_frees != 0)
        fail_msg("%s while the reader held v1: freed %llu (want %u), pending %llu (want %u), "
                 "v1 freed %u times (want 0)",
                 scheme->name, (unsigned long long)held.freed, HELD_BACK - kept,
                 (unsigned long long)held.pending, kept, v1_frees);
    if (!got.intact)
        fail_msg("v1 was damaged while the reader still held it");

    publish_one(c, HELD_BACK + 2);
    struct cowcfg_stats after = cowcfg_stats(c);
    print_message("  reader left, one more publish: freed %llu, pending %llu\n",
                  (unsigned long long)after.freed, (unsigned long long)after.pending);
    if (after.pending != 0 || after.freed != HELD_BACK + 1 || tracker.frees[1] != 1)
        fail_msg("after the reader left and one publish: pending %llu (want 0), freed %llu "
                 "(want %d), v1 freed %u times (want 1)",
                 (unsigned long long)after.pending, (unsigned long long)after.freed,
                 HELD_BACK + 1, tracker.frees[1]);
    cfg_destroy_and_check(c);
}

/* ---- (c') memory stays bounded: the writer waits for a parked reader ------------- */

enum { BOUND_VERSIONS = COWCFG_MAX_PENDING + 5 };

struct bound_writer {
    struct cowcfg *c;
    atomic_bool done;
};

static void *bound_writer_main(void *arg)
{
    struct bound_writer *b = arg;
    for (uint64_t seq = 2; seq <= BOUND_VERSIONS; seq++)
        publish_one(b->c, seq);
    atomic_store(&b->done, true);
    return NULL;
}

/* Wait until the writer has pushed pending past the bound (or finished),
 * then a little longer, so a writer that ignores the bound would finish. */
static void wait_for_writer_to_stall(struct cowcfg *c, struct bound_writer *b)
{
    uint64_t deadline = now_ns() + DEADLINE_NS;
    while (cowcfg_stats(c).pending <= COWCFG_MAX_PENDING && !atomic_load(&b->done) &&
           now_ns() < deadline)
        sleep_ns(100000);
    sleep_ns(20000000);
}

static void writer_waits_at_the_pending_bound(void **state)
{
    (void)state;
    tracker_reset(BOUND_VERSIONS);
    struct cowcfg *c = cfg_new();
    publish_one(c, 1);
    struct parked *p = park_start(c);
    if (!p)
        fail_msg("parked reader never entered its read section");
    /* heap: if the writer never finishes, the test fails without joining it */
    struct bound_writer *b = calloc(1, sizeof *b);
    assert_non_null(b);
    b->c = c;
    pthread_t writer;
    assert_int_equal(pthread_create(&writer, NULL, bound_writer_main, b), 0);
    wait_for_writer_to_stall(c, b);
    struct cowcfg_stats stalled = cowcfg_stats(c);
    bool ran_past = atomic_load(&b->done);
    park_release(p);
    bool reader_timed_out = p->timed_out;
    free(p);
    if (!wait_flag(&b->done, DEADLINE_NS))
        fail_msg("writer still blocked %llu s after the parked reader left",
                 DEADLINE_NS / 1000000000ull);
    pthread_join(writer, NULL);
    free(b);
    struct cowcfg_stats after = cowcfg_stats(c);
    print_message("  reader parked: writer stalled at pending %llu (bound %d), freed %llu; "
                  "after it left: pending %llu\n",
                  (unsigned long long)stalled.pending, COWCFG_MAX_PENDING,
                  (unsigned long long)stalled.freed, (unsigned long long)after.pending);
    if (scheme->id == COWCFG_HAZARD) {
        /* the reader pins v1 alone: the writer never reaches the bound */
        if (!ran_past || reader_timed_out || stalled.pending != 1 ||
            stalled.freed != BOUND_VERSIONS - 2)
            fail_msg("hazard pointers with a reader parked on v1: writer finished %d (want 1), "
                     "pending %llu (want 1), freed %llu (want %d), reader timed out %d",
                     ran_past, (unsigned long long)stalled.pending,
                     (unsigned long long)stalled.freed, BOUND_VERSIONS - 2, reader_timed_out);
    } else if (ran_past || reader_timed_out || stalled.pending != COWCFG_MAX_PENDING + 1 ||
               stalled.freed != 0) {
        fail_msg("%s with a reader parked: writer finished %d, pending %llu (want bound+1 = %d, "
                 "the writer waiting in write_unlock), freed %llu (want 0), reader timed out %d",
                 scheme->name, ran_past, (unsigned long long)stalled.pending,
                 COWCFG_MAX_PENDING + 1, (unsigned long long)stalled.freed, reader_timed_out);
    }
    if (after.pending > COWCFG_MAX_PENDING || after.published != BOUND_VERSIONS)
        fail_msg("after the writer finished: pending %llu (bound %d), published %llu (want %d)",
                 (unsigned long long)after.pending, COWCFG_MAX_PENDING,
                 (unsigned long long)after.published, BOUND_VERSIONS);
    cfg_destroy_and_check(c);
}

/* ---- (c'') QSBR: a reader holds back what it has not reported, and nothing offline ---- */

static uint64_t pending_now(struct cowcfg *c) { return cowcfg_stats(c).pending; }

static void qsbr_reports_and_offline_release_versions(void **state)
{
    (void)state;
    tracker_reset(6);
    struct cowcfg *c = cfg_new();
    publish_one(c, 1);
    struct cowcfg_slot *slot = xaligned_alloc(sizeof *slot);
    cowcfg_reader_register(c, slot); /* online, quiescent as of version 1 */
    const struct version *v1 = cowcfg_qsbr_get(c);
    publish_one(c, 2);
    publish_one(c, 3);
    uint64_t held = pending_now(c); /* v1, v2: retired after our last report */
    bool v1_whole = v1 && version_intact(v1, 1);
    cowcfg_qsbr_quiescent(c, slot); /* we hold nothing now */
    publish_one(c, 4);
    uint64_t after_report = pending_now(c); /* v3 only: retired after the report */
    cowcfg_qsbr_offline(c, slot);
    publish_one(c, 5);
    uint64_t offline = pending_now(c); /* nothing: an offline reader holds nothing */
    cowcfg_qsbr_online(c, slot);
    publish_one(c, 6);
    uint64_t back_online = pending_now(c); /* v5: retired after we came back */
    cowcfg_reader_unregister(c, slot);
    free(slot);
    print_message("  pending: %llu before the report, %llu after it, %llu offline, "
                  "%llu back online\n",
                  (unsigned long long)held, (unsigned long long)after_report,
                  (unsigned long long)offline, (unsigned long long)back_online);
    if (!v1_whole || held != 2 || after_report != 1 || offline != 0 || back_online != 1)
        fail_msg("QSBR: v1 whole %d (want 1); pending %llu before the report (want 2), %llu after "
                 "it (want 1), %llu offline (want 0), %llu back online (want 1)",
                 v1_whole, (unsigned long long)held, (unsigned long long)after_report,
                 (unsigned long long)offline, (unsigned long long)back_online);
    cfg_destroy_and_check(c);
}

/* ---- (d) the writer side excludes writers, and never blocks readers -------------- */

static void *trylock_once(void *arg)
{
    struct cowcfg *c = arg;
    bool got = cowcfg_write_trylock(c);
    if (got)
        cowcfg_write_unlock(c);
    return got ? c : NULL;
}

/* write_trylock from another thread; true when it got the lock */
static bool trylock_elsewhere(struct cowcfg *c)
{
    pthread_t th;
    void *got;
    assert_int_equal(pthread_create(&th, NULL, trylock_once, c), 0);
    pthread_join(th, &got);
    return got != NULL;
}

static void writer_trylock_excludes_writers(void **state)
{
    (void)state;
    tracker_reset(2);
    struct cowcfg *c = cfg_new();
    publish_one(c, 1);

    cowcfg_write_lock(c);
    bool other_got = trylock_elsewhere(c);
    bool self_got = cowcfg_write_trylock(c);
    cowcfg_publish(c, version_new(2));
    cowcfg_write_unlock(c);
    if (other_got || self_got)
        fail_msg("write_trylock succeeded while the write lock was held (by another thread %d, "
                 "by the holder itself %d)",
                 other_got, self_got);
    if (!trylock_elsewhere(c))
        fail_msg("write_trylock failed on a free write lock");
    cfg_destroy_and_check(c);
}

struct reader_trip {
    struct cowcfg *c;
    atomic_bool registered; /* register takes the writer mutex: done before the test holds it */
    atomic_bool go;         /* the test holds the write lock: read now */
    atomic_bool done;
    uint64_t seq;           /* version read */
    bool whole;
    bool timed_out;
};

static void *reader_trip_main(void *arg)
{
    struct reader_trip *t = arg;
    struct cowcfg_slot *slot = xaligned_alloc(sizeof *slot);
    cowcfg_reader_register(t->c, slot);
    atomic_store(&t->registered, true);
    t->timed_out = !wait_flag(&t->go, DEADLINE_NS);
    t_read_lock(t->c, slot);
    const struct version *v = t_get(t->c, slot);
    t->seq = v ? v->seq : 0;
    t->whole = v && version_intact(v, t->seq);
    t_read_unlock(t->c, slot);
    atomic_store(&t->done, true);
    cowcfg_reader_unregister(t->c, slot);
    free(slot);
    return NULL;
}

static void readers_run_while_a_writer_holds_the_lock(void **state)
{
    (void)state;
    tracker_reset(2);
    struct cowcfg *c = cfg_new();
    publish_one(c, 1);
    /* heap: if the reader never registers, the test fails without joining it */
    struct reader_trip *t = calloc(1, sizeof *t);
    assert_non_null(t);
    t->c = c;
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, reader_trip_main, t), 0);
    if (!wait_flag(&t->registered, DEADLINE_NS))
        fail_msg("reader never registered");
    cowcfg_write_lock(c);
    cowcfg_publish(c, version_new(2)); /* the reader sees 1 or 2, and never waits */
    atomic_store(&t->go, true);
    bool read_done = wait_flag(&t->done, DEADLINE_NS);
    cowcfg_write_unlock(c);
    pthread_join(th, NULL);
    struct reader_trip got = *t;
    free(t);
    print_message("  reader under a held write lock read version %llu\n",
                  (unsigned long long)got.seq);
    if (!read_done || got.timed_out)
        fail_msg("reader did not finish its read section within %llu s while a writer held "
                 "the lock: readers must never block",
                 DEADLINE_NS / 1000000000ull);
    if (!got.whole || got.seq < 1 || got.seq > 2)
        fail_msg("reader under a held write lock read version %llu, whole %d (want 1 or 2, whole)",
                 (unsigned long long)got.seq, got.whole);
    cfg_destroy_and_check(c);
}

/* ---- the registry adapter -------------------------------------------------------------- */

static void ops_adapter_gets_publishes_and_frees(void **state)
{
    (void)state;
    const struct lock_ops *ops = lock_find(scheme->name);
    assert_non_null(ops);
    assert_int_equal(ops->kind, LOCK_KIND_CONFIG);
    void *lock = lock_new(ops);
    assert_non_null(lock);
    void *node = lock_node_new(ops);
    ops->thread_enter(lock, node);

    ops->read_lock(lock, node);
    const void *none = ops->cfg_get(lock, node);
    ops->read_unlock(lock, node);
    if (none)
        fail_msg("cfg_get before any publish returned %p (want NULL)", none);

    ops->lock(lock, node);
    ops->cfg_publish(lock, version_new(1));
    ops->unlock(lock, node);

    if (!ops->trylock(lock, node))
        fail_msg("trylock on a free cowcfg failed");
    const struct version *v1 = ops->cfg_get(lock, node);
    ops->cfg_publish(lock, version_new(2));
    bool v1_whole = v1 && version_intact(v1, 1); /* valid until unlock */
    ops->unlock(lock, node);
    if (!v1_whole)
        fail_msg("the writer's version 1 was damaged before its unlock");

    ops->read_lock(lock, node);
    const struct version *v2 = ops->cfg_get(lock, node);
    bool v2_whole = v2 && version_intact(v2, 2);
    ops->read_unlock(lock, node);
    if (!v2_whole)
        fail_msg("reader did not see a whole version 2");

    ops->thread_exit(lock, node);
    free(node);
    lock_free(ops, lock); /* frees version 2; LeakSanitizer checks 1 went earlier */
}

int main(void)
{
    static const struct {
        const char *name;
        CMUnitTestFunction fn;
        bool only_qsbr; /* quiescent states exist in that scheme alone */
    } cases[] = {
        {"readers_see_only_complete_versions", readers_see_only_complete_versions, false},
        {"every_version_freed_exactly_once", every_version_freed_exactly_once, false},
        {"parked_reader_keeps_its_version_alive", parked_reader_keeps_its_version_alive, false},
        {"writer_waits_at_the_pending_bound", writer_waits_at_the_pending_bound, false},
        {"writer_trylock_excludes_writers", writer_trylock_excludes_writers, false},
        {"readers_run_while_a_writer_holds_the_lock", readers_run_while_a_writer_holds_the_lock,
         false},
        {"qsbr_reports_and_offline_release_versions", qsbr_reports_and_offline_release_versions,
         true},
        {"ops_adapter_gets_publishes_and_frees", ops_adapter_gets_publishes_and_frees, false},
    };
    enum { NCASES = sizeof cases / sizeof cases[0], NSCHEMES = sizeof schemes / sizeof schemes[0] };
    static char names[NCASES * NSCHEMES][96];
    struct CMUnitTest tests[NCASES * NSCHEMES];
    size_t n = 0;
    for (size_t k = 0; k < NSCHEMES; k++)
        for (size_t i = 0; i < NCASES; i++) {
            if (cases[i].only_qsbr && schemes[k].id != COWCFG_QSBR)
                continue;
            snprintf(names[n], sizeof names[n], "%s/%s", cases[i].name, schemes[k].name);
            tests[n] = (struct CMUnitTest){.name = names[n],
                                           .test_func = cases[i].fn,
                                           .setup_func = watchdog_start,
                                           .teardown_func = watchdog_stop,
                                           .initial_state = (void *)&schemes[k]};
            n++;
        }
    int failed = _cmocka_run_group_tests("cowcfg", tests, n, NULL, NULL);
    free(tracker.frees);
    return failed;
}
