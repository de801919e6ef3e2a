// Package gobench measures, in Go, the shapes bench/*.c measures in C, so
// that `make bench` puts both languages side by side (scripts/bench_go.py
// runs these, scripts/report_go.py pairs them with lockbench's results).
//
// Each benchmark states its C counterpart.  Thread counts follow the C side:
// n = GOMAXPROCS (the runner sets it to the CPUs the process may use, which
// is also Go's own default), goroutines 1, 2, n, 2n, 4n for the contended
// mutex, max(2, n) for the read-mostly RWMutex, n readers (b.RunParallel)
// for the config.  Names carry their parameters as key=value so the report
// script can read them.
package gobench

import (
	"fmt"
	"math/bits"
	"runtime"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/sync/errgroup"
)

// sink keeps the compiler from discarding reads.
var sink uint64

// goroutineCounts is 1, 2, n, 2n, 4n, deduplicated and sorted (bench.h's
// bench_throughput_counts).
func goroutineCounts() []int {
	n := runtime.GOMAXPROCS(0)
	seen := map[int]bool{}
	var out []int
	for _, c := range []int{1, 2, n, 2 * n, 4 * n} {
		if !seen[c] {
			seen[c] = true
			out = append(out, c)
		}
	}
	sort.Ints(out)
	return out
}

func pairGoroutines() int {
	if n := runtime.GOMAXPROCS(0); n > 2 {
		return n
	}
	return 2
}

// shareWork runs b.N operations on g goroutines that take them from one
// budget in chunks, so all of them work until the budget is spent (a fixed
// split would leave the favoured goroutines done early and the rest running
// uncontended at the end).  ns/op is then wall time over all operations,
// the C side's 1 / ops_per_s.  body(k) does k operations.
func shareWork(b *testing.B, g int, body func(k int)) {
	const chunk = 64
	var left atomic.Int64
	left.Store(int64(b.N))
	var start, done sync.WaitGroup
	start.Add(1)
	done.Add(g)
	for i := 0; i < g; i++ {
		go func() {
			defer done.Done()
			start.Wait()
			for {
				after := left.Add(-chunk)
				k := int64(chunk)
				if after < 0 {
					k += after
				}
				if k <= 0 {
					return
				}
				body(int(k))
			}
		}()
	}
	b.ResetTimer()
	start.Done()
	done.Wait()
	b.StopTimer()
}

// C: uncontended/pthread_mutex/side:write (one thread, lock+unlock).
func BenchmarkMutexUncontended(b *testing.B) {
	var mu sync.Mutex
	for i := 0; i < b.N; i++ {
		mu.Lock()
		mu.Unlock()
	}
}

// C: threads/pthread_mutex/cs_ns:0 at the same thread counts: every
// goroutine loops lock, add one to a shared counter, unlock.
func BenchmarkMutexContended(b *testing.B) {
	for _, g := range goroutineCounts() {
		b.Run(fmt.Sprintf("goroutines=%d", g), func(b *testing.B) {
			var mu sync.Mutex
			var counter uint64
			shareWork(b, g, func(k int) {
				for i := 0; i < k; i++ {
					mu.Lock()
					counter++
					mu.Unlock()
				}
			})
			if counter != uint64(b.N) {
				b.Fatalf("lost update: counter %d after %d acquisitions", counter, b.N)
			}
		})
	}
}

// C: rwlock/pthread_rwlock/read_pct:99 at max(2, n) threads: each operation
// is a read (RLock, read two fields, RUnlock) with probability 99 %, drawn
// from a per-goroutine xorshift generator, else a write that bumps both.
func BenchmarkRWMutexReadMostly(b *testing.B) {
	const readPct = 99
	g := pairGoroutines()
	b.Run(fmt.Sprintf("goroutines=%d/read_pct=%d", g, readPct), func(b *testing.B) {
		var mu sync.RWMutex
		var a, c uint64
		var torn atomic.Int64
		var seed atomic.Uint64
		shareWork(b, g, func(k int) {
			rng := 0x9E3779B97F4A7C15 * (seed.Add(1))
			bad := int64(0)
			for i := 0; i < k; i++ {
				rng ^= rng << 13
				rng ^= rng >> 7
				rng ^= rng << 17
				if rng%100 < readPct {
					mu.RLock()
					x, y := a, c
					mu.RUnlock()
					if x != y {
						bad++
					}
				} else {
					mu.Lock()
					a++
					c++
					mu.Unlock()
				}
			}
			torn.Add(bad)
		})
		if torn.Load() != 0 {
			b.Fatalf("a reader saw a half-done write %d times", torn.Load())
		}
	})
}

// ---- the notes' config_test.go: readers on every CPU, one writer ----------

type config struct {
	seq, limit, timeoutMs uint64
}

var (
	cfgValue atomic.Value // *config: a new version per write, the GC frees the old
	cfgMu    sync.Mutex
	cfgRW    sync.RWMutex
	cfgPlain = &config{seq: 1, limit: 1001, timeoutMs: 30001} // under cfgMu or cfgRW, updated in place
)

func fill(c *config, seq uint64) {
	c.seq, c.limit, c.timeoutMs = seq, 1000+seq, 30000+seq
}

// writer publishes about hz times a second (0: as fast as it can) until
// stop is closed; returns publishes per second.
func writer(kind string, hz int, stop <-chan struct{}, started chan<- struct{}) float64 {
	begin := time.Now()
	var seq uint64 = 1
	publish := func() {
		seq++
		switch kind {
		case "atomic_value":
			c := &config{}
			fill(c, seq)
			cfgValue.Store(c)
		case "mutex":
			cfgMu.Lock()
			fill(cfgPlain, seq)
			cfgMu.Unlock()
		case "rwmutex":
			cfgRW.Lock()
			fill(cfgPlain, seq)
			cfgRW.Unlock()
		}
	}
	publish()
	close(started)
	for {
		select {
		case <-stop:
			return float64(seq-1) / time.Since(begin).Seconds()
		default:
		}
		if hz > 0 {
			time.Sleep(time.Second / time.Duration(hz))
		}
		publish()
	}
}

// C: config_par/{atomic_ptr,pthread_mutex,pthread_rwlock}/writer_hz:H with n
// reader threads.  A read takes the snapshot and reads two fields.
// b.RunParallel runs GOMAXPROCS reader goroutines; ns/op is wall time over
// the reads of all of them, as in the notes.
func BenchmarkConfigRead(b *testing.B) {
	for _, kind := range []string{"atomic_value", "mutex", "rwmutex"} {
		for _, hz := range []int{0, 1000} {
			b.Run(fmt.Sprintf("%s/writer_hz=%d", kind, hz), func(b *testing.B) {
				cfgValue.Store(&config{seq: 1, limit: 1001, timeoutMs: 30001})
				stop, started := make(chan struct{}), make(chan struct{})
				rate := make(chan float64)
				go func() { rate <- writer(kind, hz, stop, started) }()
				<-started
				b.ResetTimer()
				b.RunParallel(func(pb *testing.PB) {
					var sum uint64
					switch kind {
					case "atomic_value":
						for pb.Next() {
							c := cfgValue.Load().(*config)
							sum += c.limit + c.timeoutMs
						}
					case "mutex":
						for pb.Next() {
							cfgMu.Lock()
							sum += cfgPlain.limit + cfgPlain.timeoutMs
							cfgMu.Unlock()
						}
					case "rwmutex":
						for pb.Next() {
							cfgRW.RLock()
							sum += cfgPlain.limit + cfgPlain.timeoutMs
							cfgRW.RUnlock()
						}
					}
					atomic.AddUint64(&sink, sum)
				})
				b.StopTimer()
				close(stop)
				b.ReportMetric(<-rate, "writes/s")
			})
		}
	}
}

// C: toolkit/errgroup_round/mode:pool: a group, 8 no-op tasks, Wait.
func BenchmarkErrgroupRound(b *testing.B) {
	for i := 0; i < b.N; i++ {
		var g errgroup.Group
		for t := 0; t < 8; t++ {
			g.Go(func() error { return nil })
		}
		if err := g.Wait(); err != nil {
			b.Fatal(err)
		}
	}
}

// ---- channels: C's channels/chan/consumers:1/cap:C -------------------------

// hist is a log-linear histogram of nanoseconds, 16 sub-buckets per power
// of two (within about 6 %, as locks/hist.h).
type hist struct {
	counts [1024]uint64
	total  uint64
}

func (h *hist) add(v uint64) {
	i := int(v)
	if v >= 32 {
		e := bits.Len64(v) - 5 // v >> e is in [16, 32)
		i = e*16 + int(v>>uint(e))
	}
	h.counts[i]++
	h.total++
}

func (h *hist) quantile(q float64) float64 {
	want := uint64(q * float64(h.total))
	var seen uint64
	for i, c := range h.counts {
		seen += c
		if c > 0 && seen > want {
			if i < 32 {
				return float64(i)
			}
			e := i/16 - 1
			m := uint64(i%16 + 16)
			return float64(m<<uint(e) + (uint64(1)<<uint(e))/2)
		}
	}
	return 0
}

type item struct {
	seq  int
	sent int64 // ns since the benchmark's base, when its send started
}

// One producer goroutine sends b.N stamped items, the benchmark goroutine
// receives them.  send = time blocked in the send, e2e = from the start of
// the send to the end of the receive (two clock reads a side, as in C).
func BenchmarkChannel(b *testing.B) {
	for _, capacity := range []int{0, 1, 16, 1024} {
		b.Run(fmt.Sprintf("cap=%d", capacity), func(b *testing.B) {
			ch := make(chan item, capacity)
			base := time.Now()
			var send, e2e hist
			b.ResetTimer()
			go func() {
				for i := 0; i < b.N; i++ {
					t := int64(time.Since(base))
					ch <- item{seq: i, sent: t}
					send.add(uint64(int64(time.Since(base)) - t))
				}
				close(ch)
			}()
			next := 0
			for it := range ch {
				e2e.add(uint64(int64(time.Since(base)) - it.sent))
				if it.seq != next {
					b.Fatalf("item %d arrived where %d was due", it.seq, next)
				}
				next++
			}
			b.StopTimer()
			// The producer closed ch after its last send.add, and the loop above
			// ended by seeing that close: its histogram is complete and ours.
			if next != b.N {
				b.Fatalf("%d items received of %d", next, b.N)
			}
			b.ReportMetric(send.quantile(0.50), "send_p50_ns")
			b.ReportMetric(send.quantile(0.99), "send_p99_ns")
			b.ReportMetric(e2e.quantile(0.50), "e2e_p50_ns")
			b.ReportMetric(e2e.quantile(0.99), "e2e_p99_ns")
		})
	}
}
