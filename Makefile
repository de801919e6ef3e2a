# memlab: the one entry point.  `make help` lists every target.
#
# Out-of-tree build: objects in $(BUILD)/obj, programs in $(BUILD)/bin, test
# programs in $(BUILD)/tests.  The sanitizer targets re-enter this Makefile
# with BUILD=build/tsan or build/asan and SAN set, so every rule below serves
# all three builds.  V=1 shows the commands.

ifeq ($(origin CC),default)
CC := clang
endif
BUILD ?= build
SAN ?=
V ?= 0
Q := $(if $(filter 1,$(V)),,@)

CFLAGS ?= -O2 -g
CFLAGS += -std=c11 -Wall -Wextra -Werror -pthread -D_GNU_SOURCE
CPPFLAGS += -I. -MMD -MP
LDLIBS += -pthread -lm

ifeq ($(SAN),thread)
SANFLAGS := -fsanitize=thread
else ifeq ($(SAN),address)
SANFLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
endif
CFLAGS += $(SANFLAGS)
LDFLAGS += $(SANFLAGS)

# Sanitizers stop at the first report and fail the run.
export TSAN_OPTIONS ?= halt_on_error=1 second_deadlock_stack=1
export ASAN_OPTIONS ?= detect_leaks=1 abort_on_error=0
export UBSAN_OPTIONS ?= halt_on_error=1 print_stacktrace=1
export CMOCKA_MESSAGE_OUTPUT ?= stdout
# Tests that run the programs find them under $(MEMLAB_BUILD)/bin.
export MEMLAB_BUILD = $(BUILD)

# ---- the lock library: every locks/*.c except programs -------------------
LOCK_PROGRAMS := lockstress
LOCK_SRCS := $(filter-out $(LOCK_PROGRAMS:%=locks/%.c),$(wildcard locks/*.c))
LOCK_LIB := $(BUILD)/lib/liblocks.a

# ---- programs and tests ---------------------------------------------------
PROGRAMS := $(LOCK_PROGRAMS:%=$(BUILD)/bin/%)
# Every test_*.c under a tests/ folder is one CMocka program; each part adds its own.
TESTS := $(patsubst %.c,$(BUILD)/tests/%,$(wildcard locks/tests/test_*.c))
# Further suites `make test` runs after the unit tests (each part appends its own).
TEST_EXTRA :=

.PHONY: all deps test tsan asan check clean help
# Prerequisites written $$(VAR) are expanded again after the whole Makefile is
# read, so the blocks below can append to PROGRAMS and TESTS.
.SECONDEXPANSION:
.SECONDARY: # keep objects make would treat as intermediate (test objects), so rebuilds are incremental
.DEFAULT_GOAL := all

all: deps $$(PROGRAMS) $$(TESTS) ## build the library, programs and tests (the default)

# Which package group a target needs (scripts/deps.sh lists them); a target
# sets its own, and make passes it down to its prerequisites.
DEPS_GROUP ?= test
bench bench-httpd: DEPS_GROUP = bench

deps: ## install missing Debian packages of this target's group (scripts/deps.sh; silent when all present)
	$(Q)scripts/deps.sh $(DEPS_GROUP)

test: all ## build and run every test (the README's test command)
	$(Q)$(MAKE) --no-print-directory check $(TEST_EXTRA)

tsan: deps ## build the tests with ThreadSanitizer into build/tsan and run them
	$(Q)$(MAKE) --no-print-directory BUILD=build/tsan SAN=thread check

asan: deps ## build the tests with ASan+UBSan (and LeakSanitizer) into build/asan and run them
	$(Q)$(MAKE) --no-print-directory BUILD=build/asan SAN=address check

# check: run every test program already built in $(BUILD); stops at the first failure.
check: $$(TESTS) $$(PROGRAMS)
	$(Q)set -e; for t in $(TESTS); do echo "== $$t"; $$t; done; \
	echo "== all $(words $(TESTS)) test programs passed ($(if $(SAN),$(SAN) sanitizer,no sanitizer))"

clean: ## remove build/
	rm -rf build

help: ## list the targets
	@grep -hE '^[a-z][a-z_-]*:.*## ' $(firstword $(MAKEFILE_LIST)) | sed 's/:.*## /\t/' | \
	  awk -F'\t' '{ printf "  %-12s %s\n", $$1, $$2 }'

# ---- litmus ----
# The litmus harness (litmus/README.md): liblitmus.a holds the parser,
# generator, runner, SC/x86-TSO enumerator and command line; litmus-gen turns the catalog
# litmus/tests/*.litmus into C at build time, compiled into build/bin/litmus;
# the CMocka tests are litmus/unit/test_*.c.
LITMUS_LIB_SRCS := $(filter-out litmus/main.c litmus/gen_main.c,$(wildcard litmus/*.c litmus/models/*.c))
LITMUS_LIB := $(BUILD)/lib/liblitmus.a
LITMUS_GEN := $(BUILD)/bin/litmus-gen
LITMUS_CATALOG_SRCS := $(sort $(wildcard litmus/tests/*.litmus))
LITMUS_CATALOG_LIST := $(BUILD)/gen/litmus/catalog.list
LITMUS_CATALOG_C := $(BUILD)/gen/litmus/catalog.c
LITMUS_CATALOG_O := $(BUILD)/obj/gen/litmus/catalog.o
LITMUS_TEST_SRCS := $(wildcard litmus/unit/test_*.c)
TESTS += $(LITMUS_TEST_SRCS:%.c=$(BUILD)/tests/%)
PROGRAMS += $(BUILD)/bin/litmus
LINK_litmus := $(LITMUS_CATALOG_O) $(LITMUS_LIB)
LDLIBS_litmus := -ldl

.PHONY: litmus
litmus: deps $(BUILD)/bin/litmus ## run the litmus catalog on this CPU beside the SC/x86-TSO models; fails if a TSO-forbidden state is seen
	$(Q)$(BUILD)/bin/litmus --catalog --summary --expect

# The list of catalog files, rewritten only when it changes, so that removing
# a test also regenerates the catalog.
$(shell mkdir -p $(BUILD)/gen/litmus && echo '$(LITMUS_CATALOG_SRCS)' | cmp -s - $(LITMUS_CATALOG_LIST) || \
  echo '$(LITMUS_CATALOG_SRCS)' > $(LITMUS_CATALOG_LIST))

$(LITMUS_LIB): $(LITMUS_LIB_SRCS:%.c=$(BUILD)/obj/%.o)

$(LITMUS_GEN): $(BUILD)/obj/litmus/gen_main.o $(LITMUS_LIB) $(LOCK_LIB)
	@mkdir -p $(@D)
	$(if $(Q),@echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) $^ $(LDLIBS) -o $@

$(LITMUS_CATALOG_C): $(LITMUS_CATALOG_SRCS) $(LITMUS_CATALOG_LIST) $(LITMUS_GEN)
	@mkdir -p $(@D)
	$(if $(Q),@echo "  GEN     $@")
	$(Q)$(LITMUS_GEN) -o $@ $(LITMUS_CATALOG_SRCS)

$(LITMUS_CATALOG_O): $(LITMUS_CATALOG_C)
	@mkdir -p $(@D)
	$(if $(Q),@echo "  CC      $<")
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -c $< -o $@

$(BUILD)/bin/litmus: $(BUILD)/obj/litmus/main.o $(LITMUS_CATALOG_O) $(LITMUS_LIB) $(LOCK_LIB)
	@mkdir -p $(@D)
	$(if $(Q),@echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) $^ $(LDLIBS) -ldl -o $@

# Unit tests find the project (and ../shared/litmus-corpus beside it) from here.
$(LITMUS_TEST_SRCS:%.c=$(BUILD)/obj/%.o): CPPFLAGS += -DMEMLAB_ROOT='"$(CURDIR)"'

# The HTML pages (litmus --html) looked at in a real browser: not part of `make test`
# (chromium pulls in many packages); .ci/run may call it.
.PHONY: html-check
html-check: DEPS_GROUP = browser
html-check: deps $(BUILD)/bin/litmus ## write the catalog's HTML pages to build/html and screenshot each in headless chromium
	$(Q)scripts/html-check.sh $(BUILD)/bin/litmus $(BUILD)/html

# ---- end litmus ----

# ---- litmus corpora ----
# Agreement with herd7 (litmus/corpora/README.md): tests written elsewhere, with the
# verdicts herd7 gave for them, checked against memlab's LKMM, C11 and ARMv8 models.
# make test runs the fast sample (the 79 shared-corpus tests whole, a slice of every other
# set, the catalog's AArch64 translations); litmus-agree runs every test (minutes).
CORPORA := litmus/corpora
AGREE = /usr/bin/python3 scripts/litmus_agree.py --bin $(BUILD)/bin/litmus --known $(CORPORA)/known-disagreements.tsv
CORPORA_REFS := $(sort $(wildcard $(CORPORA)/ref/*.tsv))
# A ref file NAME.MODEL.tsv holds herd7's verdicts for the tests under $(CORPORA)/NAME.
corpus_model = $(subst aarch64,armv8,$(subst rc11,c11,$(word 2,$(subst ., ,$(notdir $(1))))))
corpus_base = $(if $(filter shared-corpus,$(word 1,$(subst ., ,$(notdir $(1))))),../shared/litmus-corpus,$(CORPORA)/$(word 1,$(subst ., ,$(notdir $(1)))))
TEST_EXTRA += litmus-agree-fast

.PHONY: litmus-agree litmus-agree-fast
litmus-agree-fast: $(BUILD)/bin/litmus
	$(Q)$(foreach r,$(CORPORA_REFS),$(AGREE) $(if $(findstring shared-corpus,$(r)),--strict,--sample 25 --timeout 3) \
	  --model $(call corpus_model,$(r)) --ref $(r) --base $(call corpus_base,$(r)) &&) true
	$(Q)/usr/bin/python3 scripts/litmus_to_aarch64.py --check $(CORPORA)/armv8 litmus/tests/*.litmus
	$(Q)$(AGREE) --strict --model armv8 --ref $(CORPORA)/armv8/herd7-aarch64.tsv --base litmus/tests

litmus-agree: $(BUILD)/bin/litmus ## memlab's LKMM, C11 and ARMv8 verdicts against herd7's on every test in litmus/corpora (minutes)
	$(Q)st=0; $(foreach r,$(CORPORA_REFS),$(AGREE) --model $(call corpus_model,$(r)) --ref $(r) \
	  --base $(call corpus_base,$(r)) --json $(BUILD)/agree-$(basename $(notdir $(r))).json || st=1;) \
	$(AGREE) --strict --model armv8 --ref $(CORPORA)/armv8/herd7-aarch64.tsv --base litmus/tests || st=1; exit $$st
# ---- end litmus corpora ----

# ---- bench ----
# Benchmarks (bench/README.md): bench/*.c and the C++ shim bench/shim.cc link
# into one Google Benchmark program, $(BUILD)/bin/lockbench.  `make bench`
# runs it, writes its JSON to build/bench/results.json and turns that into
# build/bench/report.md, report.html and PNG plots (scripts/bench_report.py,
# run by Debian's /usr/bin/python3, which sees python3-matplotlib).  `make
# test` runs every benchmark for a few milliseconds (bench-smoke) and checks
# the JSON: a benchmark that crashes, errors or goes missing fails the tests;
# the numbers are never judged there.
BENCH ?= default
BENCH_SRCS := $(wildcard bench/*.c)
BENCH_OBJS := $(BENCH_SRCS:%.c=$(BUILD)/obj/%.o) $(BUILD)/obj/bench/shim.o
BENCH_BIN := $(BUILD)/bin/lockbench
BENCH_OUT := $(BUILD)/bench
BENCH_PYTHON := /usr/bin/python3
BENCH_CXXFLAGS := -O2 -g -std=c++17 -Wall -Wextra -Werror -pthread $(SANFLAGS)
BENCH_LIBS := -lbenchmark -lck -lurcu-memb
# Repetitions run in random order, so a burst of load elsewhere on the
# machine spreads over all benchmarks instead of hitting a few; the report
# uses each benchmark's median.
BENCH_REPEAT := --benchmark_enable_random_interleaving=true --benchmark_repetitions
ifeq ($(BENCH),long)
BENCH_FLAGS := --benchmark_min_time=0.5 --run-ms=1000 --stress-ms=3000 $(BENCH_REPEAT)=5
else ifeq ($(BENCH),default)
BENCH_FLAGS := --benchmark_min_time=0.1 --run-ms=100 --stress-ms=1000 $(BENCH_REPEAT)=3
else
$(error BENCH=$(BENCH): use BENCH=long, or leave it unset for the default run)
endif
BENCH_SMOKE_FLAGS := --benchmark_min_time=0.001 --run-ms=2 --stress-ms=20
TEST_EXTRA += bench-smoke

.PHONY: bench bench-smoke
bench: deps $(BENCH_BIN) ## run every benchmark 3 times (a few minutes; BENCH=long: 5 times, ~20 min) and write build/bench/report.html with plots
	@mkdir -p $(BENCH_OUT)
	@echo "== lockbench $(BENCH_FLAGS): one line per benchmark as it finishes"
	$(Q)$(BENCH_BIN) $(BENCH_FLAGS) --benchmark_out=$(BENCH_OUT)/results.json --benchmark_out_format=json
	$(Q)$(BENCH_PYTHON) scripts/bench_report.py --json $(BENCH_OUT)/results.json --out $(BENCH_OUT) \
	  --cc "$(CC)" --cxx "$(CXX)" --mode $(BENCH) --flags "$(BENCH_FLAGS)"

bench-smoke: $(BENCH_BIN)
	@mkdir -p $(BENCH_OUT)
	@echo "== $(BENCH_BIN) smoke run (every benchmark, a few ms each; numbers not judged)"
	$(Q)$(BENCH_BIN) $(BENCH_SMOKE_FLAGS) --benchmark_out=$(BENCH_OUT)/smoke.json \
	  --benchmark_out_format=json >$(BENCH_OUT)/smoke.txt 2>&1 || { cat $(BENCH_OUT)/smoke.txt; exit 1; }
	$(Q)$(BENCH_PYTHON) scripts/bench_report.py --check $(BENCH_OUT)/smoke.json --bin $(BENCH_BIN)

all: $(BENCH_BIN)

$(BUILD)/obj/bench/%.o: bench/%.cc
	@mkdir -p $(@D)
	$(if $(Q),@echo "  CXX     $<")
	$(Q)$(CXX) $(CPPFLAGS) $(BENCH_CXXFLAGS) -c $< -o $@

$(BENCH_BIN): $(BENCH_OBJS) $$(TOOLKIT_LIB) $(LOCK_LIB)
	@mkdir -p $(@D)
	$(if $(Q),@echo "  LD      $@")
	$(Q)$(CXX) $(LDFLAGS) $^ $(BENCH_LIBS) $(LDLIBS) -o $@
# ---- end bench ----

# ---- toolkit ----
# Go's concurrency toolkit in C (labs/toolkit/README.md): context, errgroup,
# WaitGroup, channel with select, worker pool, object pool, Tracker, in
# libtoolkit.a, which every labs/ test program links (LINK_labs).  The CMocka
# tests are labs/toolkit/tests/test_*.c.
TOOLKIT_SRCS := $(wildcard labs/toolkit/*.c)
TOOLKIT_LIB := $(BUILD)/lib/libtoolkit.a
TESTS += $(patsubst %.c,$(BUILD)/tests/%,$(wildcard labs/toolkit/tests/test_*.c))
LINK_labs := $(TOOLKIT_LIB)

$(TOOLKIT_LIB): $(TOOLKIT_SRCS:%.c=$(BUILD)/obj/%.o)
# ---- end toolkit ----

# ---- labs ----
# Classroom labs (labs/README.md): labs/NN-topic/ for NN 01-06, each with
# CMocka tests labs/NN-*/tests/test_*.c; the lab code (every labs/0[1-6]-*/*.c
# that is not a program) goes into liblabs.a, linked into every labs/ test
# before the toolkit (LINK_labs).  Lab 03's programs are built with
# ThreadSanitizer whatever SAN says: their tests run them and read TSan's
# verdict.  notes/demos/ holds the notes' demos and their tests.  This part is
# copied into the handout (scripts/handout.py); the part after "teacher
# only" is replaced there by scripts/handout.mk (`make check LAB=NN`).
LABS := $(sort $(patsubst %/,%,$(dir $(wildcard labs/0[1-6]-*/README.md))))
LAB_PROGRAM_SRCS := labs/06-channels-pools/bufsize.c notes/demos/forkcow.c
LAB_TSAN_SRCS := $(wildcard labs/03-data-races/*.c)
LAB_LIB_SRCS := $(filter-out $(LAB_PROGRAM_SRCS) $(LAB_TSAN_SRCS),$(wildcard $(LABS:%=%/*.c)))
LAB_LIB := $(BUILD)/lib/liblabs.a
LAB_TEST_SRCS := $(wildcard $(LABS:%=%/tests/test_*.c) notes/demos/tests/test_*.c)
TESTS += $(LAB_TEST_SRCS:%.c=$(BUILD)/tests/%)
LAB_TSAN_PROGS := $(LAB_TSAN_SRCS:labs/03-data-races/%.c=$(BUILD)/bin/lab03/%)
PROGRAMS += $(BUILD)/bin/bufsize $(BUILD)/bin/forkcow $(LAB_TSAN_PROGS)
LINK_labs := $(LAB_LIB) $(LINK_labs)
LAB_PY := /usr/bin/python3

$(LAB_LIB): $(LAB_LIB_SRCS:%.c=$(BUILD)/obj/%.o)

$(BUILD)/bin/bufsize: $(BUILD)/obj/labs/06-channels-pools/bufsize.o $(TOOLKIT_LIB) $(LOCK_LIB)
	@mkdir -p $(@D)
	$(if $(Q),@echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) $^ $(LDLIBS) -o $@

$(BUILD)/bin/forkcow: $(BUILD)/obj/notes/demos/forkcow.o $(LOCK_LIB)
	@mkdir -p $(@D)
	$(if $(Q),@echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) $^ $(LDLIBS) -o $@

$(BUILD)/bin/lab03/%: labs/03-data-races/%.c
	@mkdir -p $(@D)
	$(if $(Q),@echo "  CC TSAN $<")
	$(Q)$(CC) -std=c11 -O1 -g -Wall -Wextra -Werror -pthread -D_GNU_SOURCE -I. \
	  -fsanitize=thread $< -o $@

# Lab tests that read project files (the litmus catalog) find them from here.
$(LAB_TEST_SRCS:%.c=$(BUILD)/obj/%.o): CPPFLAGS += -DMEMLAB_ROOT='"$(CURDIR)"'

# Tests that run programs need them built first.
$(BUILD)/tests/labs/03-data-races/tests/test_races: | $(LAB_TSAN_PROGS)
$(BUILD)/tests/notes/demos/tests/test_forkcow: | $(BUILD)/bin/forkcow

# -- labs: teacher only (the handout replaces from here to the end of the block) --
# `make labs` runs in `make test`: every lab's tests on the reference (each
# test in a process of its own), then the handout built in its own plain
# configuration (whatever SAN is here, with make -k: a lab that does not
# build there is reported with its compiler errors, the others still run),
# where every test must fail; then the link check of notes/ and the lab
# READMEs.  Every labs/NN-*/ with a tests/ folder is checked, lab 07 included.
HANDOUT := $(BUILD)/handout
LABS_ALL = $(sort $(patsubst %/tests/,%,$(dir $(wildcard labs/[0-9][0-9]-*/tests/))))
TEST_EXTRA += labs

.PHONY: labs handout
handout: ## write build/handout/: the student tree with every solution region replaced by its TODO and stub
	$(Q)$(LAB_PY) scripts/handout.py generate --out $(HANDOUT)

labs: $$(TESTS) $$(PROGRAMS) handout ## check every lab: its tests pass here; the handout builds and fails each of them
	@echo "== building the handout ($(HANDOUT), plain)"
	$(Q)$(MAKE) --no-print-directory -k -C $(HANDOUT) BUILD=build SAN= lab-tests >$(HANDOUT).log 2>&1 || true
	$(Q)$(LAB_PY) scripts/handout.py verify --ref-build $(BUILD) --handout $(HANDOUT) \
	  --build-log $(HANDOUT).log $(LABS_ALL)
	$(Q)$(LAB_PY) scripts/handout.py links notes/*.md labs/README.md $(wildcard $(LABS_ALL:%=%/README.md))
# ---- end labs ----

# ---- httpd ----
# The final lab (labs/07-final-server/README.md): $(BUILD)/bin/httpd, an
# errgroup of members (HTTP server, signal watcher, stats logger, test hook)
# around an epoll server.  Its CMocka tests (labs/07-final-server/tests/)
# run the real binary on loopback; the parser's own tests link the parser.
# `make fuzz` runs libFuzzer on the request parser (always clang, with its
# own sanitizer flags, whatever SAN says); `make test` runs it for a few
# seconds.  `make bench` adds wrk against httpd and nginx (scripts/bench_httpd.py).
HTTPD_DIR := labs/07-final-server
HTTPD_OBJS := $(patsubst %.c,$(BUILD)/obj/%.o,$(HTTPD_DIR)/httpd.c $(HTTPD_DIR)/server.c $(HTTPD_DIR)/http_parse.c)
HTTPD_TESTS := $(patsubst %.c,$(BUILD)/tests/%,$(wildcard $(HTTPD_DIR)/tests/test_*.c))
PROGRAMS += $(BUILD)/bin/httpd
TESTS += $(HTTPD_TESTS)
FUZZ_SECONDS ?= 60
FUZZ_SMOKE_SECONDS := 4
FUZZ_BIN := $(BUILD)/fuzz/fuzz_http_parse
FUZZ_CFLAGS := -std=c11 -O1 -g -Wall -Wextra -Werror -D_GNU_SOURCE -I. \
  -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
FUZZ_ARGS := -dict=$(HTTPD_DIR)/fuzz/http.dict -max_len=16384 -artifact_prefix=$(BUILD)/fuzz/ -print_final_stats=1
TEST_EXTRA += fuzz-smoke

.PHONY: fuzz fuzz-smoke bench-httpd
$(BUILD)/bin/httpd: $(HTTPD_OBJS) $(TOOLKIT_LIB) $(LOCK_LIB)
	@mkdir -p $(@D)
	$(if $(Q),@echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) $^ $(LDLIBS) -o $@

# Every test runs the binary; the parser's tests also link the parser
# (an object, so its place on the link line does not matter).
$(HTTPD_TESTS): $(BUILD)/obj/$(HTTPD_DIR)/http_parse.o | $(BUILD)/bin/httpd

$(FUZZ_BIN): $(HTTPD_DIR)/fuzz/fuzz_http_parse.c $(HTTPD_DIR)/http_parse.c $(HTTPD_DIR)/http_parse.h
	@mkdir -p $(@D)/corpus
	$(if $(Q),@echo "  FUZZCC  $@")
	$(Q)clang $(FUZZ_CFLAGS) $(filter %.c,$^) -o $@

fuzz: deps $(FUZZ_BIN) ## libFuzzer on httpd's request parser for FUZZ_SECONDS (default 60); crashes saved in build/fuzz/
	$(Q)$(FUZZ_BIN) $(FUZZ_ARGS) -max_total_time=$(FUZZ_SECONDS) $(BUILD)/fuzz/corpus $(HTTPD_DIR)/fuzz/seeds

fuzz-smoke: $(FUZZ_BIN)
	@echo "== $(FUZZ_BIN): $(FUZZ_SMOKE_SECONDS) s of fuzzing (make fuzz runs longer)"
	$(Q)$(FUZZ_BIN) $(FUZZ_ARGS) -max_total_time=$(FUZZ_SMOKE_SECONDS) $(BUILD)/fuzz/corpus \
	  $(HTTPD_DIR)/fuzz/seeds >$(BUILD)/fuzz/smoke.log 2>&1 || { tail -40 $(BUILD)/fuzz/smoke.log; exit 1; }
	$(Q)grep -E '^Done [0-9]+ runs' $(BUILD)/fuzz/smoke.log

bench: bench-httpd
bench-httpd: deps $(BUILD)/bin/httpd ## wrk against httpd and nginx (interleaved rounds) and SIGTERM mid-run; build/bench/httpd.json
	@mkdir -p $(BENCH_OUT)
	$(Q)$(BENCH_PYTHON) scripts/bench_httpd.py --httpd $(BUILD)/bin/httpd --out $(BENCH_OUT)/httpd.json \
	  $(if $(filter long,$(BENCH)),--rounds 8 --seconds 5,--rounds 4 --seconds 3)
# ---- end httpd ----

# ---- races ----
# Data-race demos (litmus/races/README.md): every litmus/races/*.c whose header
# has an "expect:" line is one small program, racy_* or its fixed_* twin.
# They are always built with clang and their own flags, whatever CC and SAN
# say (they exist to be caught by the tools): -O2 -g, one binary per tool the
# expect: line names, in $(RACES_BUILD)/tsan/ and asan/, and every demo in
# $(RACES_BUILD)/plain/ for students to run.  `make races` runs each check and
# prints demo, expected, got, ok (scripts/races.sh); `make test` runs it.
# `make asm` compiles litmus/races/store_load_orders.c and prints its x86-64.
RACES_DIR := litmus/races
RACES_BUILD := $(BUILD)/races
RACES_CC := clang
RACES_CFLAGS := -std=c11 -O2 -g -Wall -Wextra -Werror -pthread -D_GNU_SOURCE
RACES_HDRS := $(wildcard $(RACES_DIR)/*.h)
RACES_SRCS := $(shell grep -l '^ \* expect: ' $(RACES_DIR)/*.c 2>/dev/null)
races_using = $(patsubst $(RACES_DIR)/%.c,$(RACES_BUILD)/$(1)/%,$(shell grep -l '^ \* expect:.* $(1)=' /dev/null $(RACES_SRCS)))
RACES_BINS := $(call races_using,tsan) $(call races_using,asan) \
  $(RACES_SRCS:$(RACES_DIR)/%.c=$(RACES_BUILD)/plain/%)
RACES_ASM_OBJ := $(RACES_BUILD)/obj/store_load_orders.o
TEST_EXTRA += races

.PHONY: races asm
races: deps $(RACES_BINS) ## build the data-race demos and check each tool's verdict: every racy one caught, every fixed twin clean
	@echo "== race demos ($(RACES_DIR)): TSan/ASan verdicts and plain -O2 runs"
	$(Q)scripts/races.sh $(RACES_BUILD) $(RACES_SRCS)

asm: deps $(RACES_ASM_OBJ) ## print the x86-64 clang emits for a store then a load: plain, release/acquire, seq_cst, fence, locked RMW
	$(Q)scripts/races.sh --asm $(RACES_ASM_OBJ)

$(RACES_BUILD)/tsan/%: $(RACES_DIR)/%.c $(RACES_HDRS)
	@mkdir -p $(@D)
	$(if $(Q),@echo "  CC TSAN $<")
	$(Q)$(RACES_CC) $(RACES_CFLAGS) -fsanitize=thread $< -o $@

$(RACES_BUILD)/asan/%: $(RACES_DIR)/%.c $(RACES_HDRS)
	@mkdir -p $(@D)
	$(if $(Q),@echo "  CC ASAN $<")
	$(Q)$(RACES_CC) $(RACES_CFLAGS) -fsanitize=address -fno-omit-frame-pointer $< -o $@

$(RACES_BUILD)/plain/%: $(RACES_DIR)/%.c $(RACES_HDRS)
	@mkdir -p $(@D)
	$(if $(Q),@echo "  CC -O2  $<")
	$(Q)$(RACES_CC) $(RACES_CFLAGS) $< -o $@

$(RACES_ASM_OBJ): $(RACES_DIR)/store_load_orders.c
	@mkdir -p $(@D)
	$(if $(Q),@echo "  CC      $<")
	$(Q)$(RACES_CC) $(RACES_CFLAGS) -c $< -o $@
# ---- end races ----

# ---- rules ----------------------------------------------------------------
$(BUILD)/obj/%.o: %.c
	@mkdir -p $(@D)
	$(if $(Q),@echo "  CC      $<")
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -c $< -o $@

$(LOCK_LIB): $(LOCK_SRCS:%.c=$(BUILD)/obj/%.o)

# Every library: each part names its objects as the prerequisites of its
# $(BUILD)/lib/lib<name>.a, and this one recipe archives them.
$(BUILD)/lib/%.a:
	@mkdir -p $(@D)
	$(if $(Q),@echo "  AR      $@")
	$(Q)rm -f $@ && ar rcs $@ $^

$(BUILD)/bin/%: $(BUILD)/obj/locks/%.o $(LOCK_LIB)
	@mkdir -p $(@D)
	$(if $(Q),@echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) $^ $(LDLIBS) -o $@

# A test program links its own object, the libraries its top-level directory
# names in LINK_<dir> (e.g. LINK_litmus), the lock library, and LDLIBS_<dir>.
topdir = $(firstword $(subst /, ,$(1)))
$(BUILD)/tests/%: $(BUILD)/obj/%.o $$(LINK_$$(call topdir,$$*)) $(LOCK_LIB)
	@mkdir -p $(@D)
	$(if $(Q),@echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) $^ -lcmocka $(LDLIBS) $(LDLIBS_$(call topdir,$*)) -o $@

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
