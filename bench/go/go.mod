module memlab/bench/go

go 1.19

require golang.org/x/sync v0.0.0

// Debian's golang-golang-x-sync-dev: the build is offline (GOPROXY=off,
// GOFLAGS=-mod=mod, see scripts/bench_go.py), so x/sync comes from the
// packaged source, never from the network.
replace golang.org/x/sync => /usr/share/gocode/src/golang.org/x/sync
