// shim.cc: the C++ side of bench/shim.h; each C function forwards to Google Benchmark's call of the same name.
#include "bench/shim.h"

#include <benchmark/benchmark.h>

// The C types are never defined: a bench_state * is a benchmark::State *,
// a bench_def * is a benchmark::internal::Benchmark *.
static benchmark::State *S(bench_state *st) { return reinterpret_cast<benchmark::State *>(st); }
static const benchmark::State *S(const bench_state *st)
{
    return reinterpret_cast<const benchmark::State *>(st);
}
static benchmark::internal::Benchmark *B(bench_def *b)
{
    return reinterpret_cast<benchmark::internal::Benchmark *>(b);
}

extern "C" {

bench_def *bench_register(const char *name, bench_fn fn, const void *arg)
{
    auto *b = benchmark::RegisterBenchmark(name, [fn, arg](benchmark::State &st) {
        fn(reinterpret_cast<bench_state *>(&st), arg);
    });
    return reinterpret_cast<bench_def *>(b);
}

void bench_def_threads(bench_def *b, int threads) { B(b)->Threads(threads); }
void bench_def_arg(bench_def *b, int64_t value) { B(b)->Arg(value); }
void bench_def_arg_name(bench_def *b, const char *name) { B(b)->ArgName(name); }
void bench_def_iterations(bench_def *b, int64_t n) { B(b)->Iterations(n); }
void bench_def_repetitions(bench_def *b, int n) { B(b)->Repetitions(n); }
void bench_def_real_time(bench_def *b) { B(b)->UseRealTime(); }
void bench_def_manual_time(bench_def *b) { B(b)->UseManualTime(); }

void bench_context(const char *key, const char *value) { benchmark::AddCustomContext(key, value); }

int bench_main(int argc, char **argv)
{
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv))
        return 1;
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}

bool bench_keep_running(bench_state *st) { return S(st)->KeepRunning(); }
bool bench_keep_running_batch(bench_state *st, int64_t n) { return S(st)->KeepRunningBatch(n); }
void bench_pause(bench_state *st) { S(st)->PauseTiming(); }
void bench_resume(bench_state *st) { S(st)->ResumeTiming(); }
void bench_set_iteration_time(bench_state *st, double seconds) { S(st)->SetIterationTime(seconds); }

int64_t bench_arg(const bench_state *st, int index) { return S(st)->range(index); }
int bench_thread_index(const bench_state *st) { return S(st)->thread_index(); }
int bench_threads(const bench_state *st) { return S(st)->threads(); }
int64_t bench_max_iterations(const bench_state *st) { return S(st)->max_iterations; }

void bench_counter(bench_state *st, const char *name, double value, enum bench_counter_kind kind)
{
    benchmark::Counter::Flags flags = benchmark::Counter::kDefaults;
    switch (kind) {
    case BENCH_SUM: break;
    case BENCH_RATE: flags = benchmark::Counter::kIsRate; break;
    case BENCH_AVG_THREADS: flags = benchmark::Counter::kAvgThreads; break;
    case BENCH_PER_ITERATION: flags = benchmark::Counter::kAvgIterations; break;
    }
    S(st)->counters[name] = benchmark::Counter(value, flags);
}

void bench_items_processed(bench_state *st, int64_t items) { S(st)->SetItemsProcessed(items); }
void bench_label(bench_state *st, const char *label) { S(st)->SetLabel(label); }
void bench_error(bench_state *st, const char *msg) { S(st)->SkipWithError(msg); }

} // extern "C"
