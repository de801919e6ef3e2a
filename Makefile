# memlab: the one entry point.  `make help` lists every target.
#
# Out-of-tree build: objects in $(BUILD)/obj, programs in $(BUILD)/bin, test
# programs in $(BUILD)/tests.  The sanitizer targets re-enter this Makefile
# with BUILD=build/tsan or build/asan and SAN set, so every rule below serves
# all three builds.  V=1 shows the commands.

ifeq ($(origin CC),default)
CC := clang
endif
# The litmus runner compiles tests outside the catalog with $CC
# (litmus/load.c): the build's own compiler, whichever CC and BUILD say.
export CC
BUILD ?= build
SAN ?=
V ?= 0
Q := $(if $(filter 1,$(V)),,@)

# Warnings are errors only under WERROR=1 (what .ci/run and development use):
# a student's newer compiler may warn about something new, and that must not
# stop their build.  WARN is the one place every compile below takes its
# warning flags from.
WERROR ?= 0
WARN := -Wall -Wextra $(if $(filter 1,$(WERROR)),-Werror)

CFLAGS ?= -O2 -g
CFLAGS += -std=c11 $(WARN) -pthread -D_GNU_SOURCE
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
# Tests that run the programs find them under $(MEMLAB_BUILD)/bin and start
# them through $(MEMLAB_EXEC) (sys.h, exec_wrapper): empty natively, an
# emulator when the build is for another CPU (make test-arm64).
export MEMLAB_BUILD = $(BUILD)
EXEC ?=
export MEMLAB_EXEC = $(EXEC)

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

.PHONY: all deps test tsan asan check check-all clean help
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
	$(Q)$(MAKE) --no-print-directory check-all $(TEST_EXTRA)

tsan: deps ## build the tests with ThreadSanitizer into build/tsan and run them
	$(Q)$(MAKE) --no-print-directory BUILD=build/tsan SAN=thread check

asan: deps ## build the tests with ASan+UBSan (and LeakSanitizer) into build/asan and run them
	$(Q)$(MAKE) --no-print-directory BUILD=build/asan SAN=address check

# check-all: run every test program already built in $(BUILD); stops at the
# first failure.  `make check` is check-all, or one lab's check with LAB= (labs block).
check-all: $$(TESTS) $$(PROGRAMS) ## run every test program of this build (make test runs it; SAN= picks the build); stops at the first failure
	$(Q)set -e; for t in $(TESTS); do echo "== $$t"; $$t; done; \
	echo "== all $(words $(TESTS)) test programs passed ($(if $(SAN),$(SAN) sanitizer,no sanitizer))"

clean: ## remove build/
	rm -rf build

# Every target people run has a `## ` comment on its rule line; help prints
# those lines.  check-make (below) checks that every .PHONY target is listed.
help: ## list the targets
	@grep -hE '^[a-z][a-z0-9_-]*:.*## ' $(firstword $(MAKEFILE_LIST)) | sed 's/:.*## /\t/' | \
	  awk -F'\t' '{ printf "  %-13s %s\n", $$1, $$2 }'

# The Makefile's and the programs' own promises (scripts/check_make.sh):
# help lists every target, warnings are errors only under WERROR=1, every
# program answers --help and a bad option, gcc compiles warning-free.  Part
# of make test.
.PHONY: check-make
TEST_EXTRA += check-make
check-make: $$(PROGRAMS) ## check make help lists every target, WERROR, the programs' --help and bad options, gcc warnings
	$(Q)scripts/check_make.sh $(BUILD)

# ---- locks stress ----
# The FIFO locks' fairness over repeated runs (notes/sync.md, "When a FIFO
# lock looks unfair"): about 90 s, so neither in `make test` nor in the
# sanitizer builds.  STRESS_FAIR_FLAGS passes --runs, --seconds, --min-jain.
.PHONY: stress-fair
stress-fair: deps $(BUILD)/bin/lockstress ## FIFO locks fair run after run: 20 lockstress runs per case, Jain >= 0.95 in each (~90 s)
	$(Q)/usr/bin/python3 scripts/stress_fair.py --lockstress $(BUILD)/bin/lockstress $(STRESS_FAIR_FLAGS)
# ---- end locks stress ----

# ---- litmus ----
# The litmus harness (litmus/README.md): liblitmus.a holds the parser, generator, runner,
# SC/x86-TSO enumerator, the axiomatic engine and its models (litmus/models/) and the
# command line; litmus-gen turns the catalog
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
LDLIBS_litmus := -ldl -lurcu-memb

.PHONY: litmus
litmus: deps $(BUILD)/bin/litmus ## run the litmus catalog on this CPU beside every model (SC, x86-TSO, C11, ...); fails if a TSO-forbidden state is seen
	$(Q)$(BUILD)/bin/litmus --catalog --summary --expect

# The list of catalog files, rewritten only when it changes, so that removing
# a test also regenerates the catalog.
$(shell mkdir -p $(BUILD)/gen/litmus && echo '$(LITMUS_CATALOG_SRCS)' | cmp -s - $(LITMUS_CATALOG_LIST) || \
  echo '$(LITMUS_CATALOG_SRCS)' > $(LITMUS_CATALOG_LIST))

$(LITMUS_LIB): $(LITMUS_LIB_SRCS:%.c=$(BUILD)/obj/%.o)

$(LITMUS_GEN): $(BUILD)/obj/litmus/gen_main.o $(LITMUS_LIB) $(LOCK_LIB)
	@mkdir -p $(@D)
	$(if $(Q),@echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) $^ $(LDLIBS) $(LDLIBS_litmus) -o $@

$(LITMUS_CATALOG_C): $(LITMUS_CATALOG_SRCS) $(LITMUS_CATALOG_LIST) $(LITMUS_GEN)
	@mkdir -p $(@D)
	$(if $(Q),@echo "  GEN     $@")
	$(Q)$(EXEC) $(LITMUS_GEN) -o $@ $(LITMUS_CATALOG_SRCS)

$(LITMUS_CATALOG_O): $(LITMUS_CATALOG_C)
	@mkdir -p $(@D)
	$(if $(Q),@echo "  CC      $<")
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -c $< -o $@

$(BUILD)/bin/litmus: $(BUILD)/obj/litmus/main.o $(LITMUS_CATALOG_O) $(LITMUS_LIB) $(LOCK_LIB)
	@mkdir -p $(@D)
	$(if $(Q),@echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) $^ $(LDLIBS) $(LDLIBS_litmus) -o $@

# The runner's tuning cache (litmus/tune.c): under make, one per build
# directory, so tests and `make litmus` never write into the user's home.
export LITMUS_TUNE_CACHE ?= $(CURDIR)/$(BUILD)/litmus-tune

# The runner compiles tests outside the catalog with the compiler it was built with (load.c).
$(BUILD)/obj/litmus/load.o: CPPFLAGS += -DLITMUS_CC='"$(CC)"'

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
litmus-agree-fast: $(BUILD)/bin/litmus ## the same on the shared corpus exactly and a sample of every other set, ARMv8 on the catalog (part of make test)
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
# the numbers are never judged there.  Thread counts follow the CPUs the
# process may use (bench/README.md); Go's benchmarks run beside the C ones.
BENCH ?= default
BENCH_SRCS := $(wildcard bench/*.c)
BENCH_OBJS := $(BENCH_SRCS:%.c=$(BUILD)/obj/%.o) $(BUILD)/obj/bench/shim.o
BENCH_BIN := $(BUILD)/bin/lockbench
BENCH_OUT := $(BUILD)/bench
BENCH_PYTHON := /usr/bin/python3
BENCH_CXXFLAGS := -O2 -g -std=c++17 $(WARN) -pthread $(SANFLAGS)
BENCH_LIBS := -lbenchmark -lck -lurcu-memb -lurcu-qsbr
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
# Go benchmarks (bench/go/, scripts/bench_go.py): built offline with Debian's
# Go and x/sync into $(BENCH_GO_BUILD); without Go the report says so.
BENCH_GO_BUILD := $(BUILD)/go
TEST_EXTRA += bench-smoke

.PHONY: bench bench-smoke
bench: deps $(BENCH_BIN) ## run every benchmark 3 times, C and Go (about 10 min; BENCH=long: 5 times, longer) and write build/bench/report.html with plots
	@mkdir -p $(BENCH_OUT)
	@echo "== lockbench $(BENCH_FLAGS): one line per benchmark as it finishes"
	$(Q)$(BENCH_BIN) $(BENCH_FLAGS) --benchmark_out=$(BENCH_OUT)/results.json --benchmark_out_format=json
	$(Q)$(BENCH_PYTHON) scripts/bench_go.py --out $(BENCH_OUT)/go.json --mode $(BENCH) --build $(BENCH_GO_BUILD)
	$(Q)$(BENCH_PYTHON) scripts/bench_report.py --json $(BENCH_OUT)/results.json --out $(BENCH_OUT) \
	  --cc "$(CC)" --cxx "$(CXX)" --mode $(BENCH) --flags "$(BENCH_FLAGS)"

# The smoke run judges no number: every benchmark ran and its JSON is sane,
# the thread counts follow the CPUs (under taskset -c 0), every Go benchmark
# runs once, the report without Go differs only in its Go section, and the
# targets table gives the right verdicts and no reason it did not measure.
bench-smoke: $(BENCH_BIN) ## every benchmark for a few ms, JSON checked, numbers not judged (part of make test)
	@mkdir -p $(BENCH_OUT)
	@echo "== $(BENCH_BIN) smoke run (every benchmark, a few ms each; numbers not judged)"
	$(Q)$(BENCH_BIN) $(BENCH_SMOKE_FLAGS) --benchmark_out=$(BENCH_OUT)/smoke.json \
	  --benchmark_out_format=json >$(BENCH_OUT)/smoke.txt 2>&1 || { cat $(BENCH_OUT)/smoke.txt; exit 1; }
	$(Q)$(BENCH_PYTHON) scripts/bench_check.py smoke $(BENCH_OUT)/smoke.json --bin $(BENCH_BIN)
	$(Q)$(BENCH_PYTHON) scripts/bench_check.py counts --bin $(BENCH_BIN)
	$(Q)$(BENCH_PYTHON) scripts/bench_go.py --mode smoke --out $(BENCH_OUT)/go-smoke.json --build $(BENCH_GO_BUILD)
	$(Q)$(BENCH_PYTHON) scripts/bench_check.py go-missing $(BENCH_OUT)/smoke.json
	$(Q)$(BENCH_PYTHON) scripts/bench_check.py targets
	$(Q)$(BENCH_PYTHON) scripts/bench_check.py go-parse

all: $(BENCH_BIN)

$(BUILD)/obj/bench/%.o: bench/%.cc
	@mkdir -p $(@D)
	$(if $(Q),@echo "  CXX     $<")
	$(Q)$(CXX) $(CPPFLAGS) $(BENCH_CXXFLAGS) -c $< -o $@

# lockbench measures the lock algorithms without the owner checks (lock.h,
# MEMLAB_LOCK_CHECKS): they cost 3-17 % of an uncontended spinlock pair,
# which bench/owner_check.c measures in the same run (owner_check/).  Tests, tsan and asan
# link the checked liblocks.a.
BENCH_LOCK_LIB := $(BUILD)/lib/liblocks-nochecks.a
$(BENCH_LOCK_LIB): $(LOCK_SRCS:%.c=$(BUILD)/obj/nochecks/%.o)
$(BUILD)/obj/nochecks/%.o: %.c
	@mkdir -p $(@D)
	$(if $(Q),@echo "  CC      $< (no owner checks)")
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -DMEMLAB_LOCK_CHECKS=0 -c $< -o $@

$(BENCH_BIN): $(BENCH_OBJS) $$(TOOLKIT_LIB) $(BENCH_LOCK_LIB)
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
	$(Q)$(CC) -std=c11 -O1 -g $(WARN) -pthread -D_GNU_SOURCE -I. \
	  -fsanitize=thread $< -o $@

# Lab tests that read project files (the litmus catalog) find them from here.
$(LAB_TEST_SRCS:%.c=$(BUILD)/obj/%.o): CPPFLAGS += -DMEMLAB_ROOT='"$(CURDIR)"'

# Tests that run programs need them built first.
$(BUILD)/tests/labs/03-data-races/tests/test_races: | $(LAB_TSAN_PROGS)
$(BUILD)/tests/notes/demos/tests/test_forkcow: | $(BUILD)/bin/forkcow

# `make check LAB=NN` (LAB=4, 04, 04-locks or labs/04-locks/; `make check` in a
# lab's folder is the same, through its small Makefile) builds that lab's
# tests plainly and with ThreadSanitizer (build/tsan) and runs each test in a
# process of its own in both: one OK/FAIL line per test, then a summary; it
# passes only when both pass.  A lab's tests/grade.txt says whether it runs
# under TSan, each test's time limit and its points.  SHOW=1 also prints what
# passing tests printed; REPEAT=N runs every test N times and reports any test
# that failed in any run.  With SAN= set, only that build runs.  An unknown
# lab lists the labs and exits 2.  `make check` without LAB is check-all.
# `make grade` runs the same checks in a grading tree whose tests and
# library are pristine (scripts/grade.py) and writes build/grade/results.json.
LABS_ALL = $(sort $(patsubst %/tests/,%,$(dir $(wildcard labs/[0-9][0-9]-*/tests/))))
LAB_TSAN_BUILD := build/tsan
ifneq ($(strip $(LAB)),)
LAB_DIR := $(shell $(LAB_PY) scripts/handout.py labdir '$(LAB)' 2>/dev/null)
LAB_TSAN := $(if $(shell grep -qsE '^tsan +no' $(LAB_DIR)/tests/grade.txt && echo no),,yes)
endif
LAB_TESTS_OF = $(filter $(BUILD)/tests/$(1)/%,$(TESTS))
check grade: DEPS_GROUP = build

.PHONY: lab-build lab-tests grade
ifeq ($(strip $(LAB)),)
check: check-all ## run every test program; LAB=NN: that lab's tests, plain and under TSan, one OK/FAIL line each (SHOW=1, REPEAT=N)
else ifeq ($(filter labs/%,$(LAB_DIR)),)
check:
	@$(LAB_PY) scripts/handout.py labdir '$(LAB)'; exit 2
else
check: deps
	+$(Q)$(MAKE) --no-print-directory lab-build LAB=$(LAB_DIR)
	+$(Q)$(if $(SAN)$(filter-out yes,$(LAB_TSAN)),:,$(MAKE) --no-print-directory BUILD=$(LAB_TSAN_BUILD) SAN=thread lab-build LAB=$(LAB_DIR))
	$(Q)$(LAB_PY) scripts/handout.py check --build $(BUILD) $(if $(SAN),,--tsan-build $(LAB_TSAN_BUILD)) \
	  $(if $(SHOW),--show) $(if $(REPEAT),--repeat $(REPEAT)) $(LAB_DIR)
endif

# One lab's test programs (LAB=), or every lab's.
lab-build: $$(call LAB_TESTS_OF,$(LAB_DIR)) ## build one lab's test programs (LAB=NN), no run
	@:
lab-tests: $$(foreach l,$$(LABS_ALL),$$(call LAB_TESTS_OF,$$(l))) ## build every lab's test programs, no run
	@:

grade: deps ## grade the labs (LAB=NN: one) in a tree with pristine tests: a points table and build/grade/results.json (Gradescope)
	$(Q)$(if $(filter labs/%,$(LAB_DIR))$(if $(strip $(LAB)),,all),,$(LAB_PY) scripts/handout.py labdir '$(LAB)'; exit 2;) \
	  $(LAB_PY) scripts/grade.py --base $(GRADE_BASE) --submission $(or $(SUBMISSION),.) \
	  --work $(BUILD)/grade $(if $(strip $(LAB)),--lab $(LAB_DIR))

# -- labs: teacher only (the handout replaces from here to the end of the block) --
# `make labs` runs in `make test`: every lab's tests on the reference (each
# test in a process of its own), then the handout built in its own plain
# configuration, a student's (whatever SAN and WERROR are here: warnings stay
# warnings; with make -k: a lab that does not
# build there is reported with its compiler errors, the others still run),
# where every test must fail; the answer-leak check (no solution line of 25
# characters or more, whitespace ignored, appears in another handout file;
# lab 02 exempt by design); the teacher material's absence from the handout;
# then the link check of notes/ and the lab READMEs.  Every labs/NN-*/ with a
# tests/ folder is checked, lab 07 included.
# The library files that hold a lab's answer (HANDOUT_HIDDEN) are not in the
# handout as source: it gets them compiled, plain and for each sanitizer, in
# prebuilt/ (scripts/handout.mk links them).
# `make mutants` (minutes: not in make test) applies each lab's typical
# wrong solutions (labs/NN-*/teacher/mutants/*.mut) to a fresh handout and
# requires the lab's check (plain, then TSan) to fail on each.  `make
# classroom` (in .ci/run) adds the grader on the untouched handout and on the
# reference, and a student's `make check LAB=01` without root
# (scripts/test_classroom.py).
HANDOUT := $(BUILD)/handout
GRADE_BASE := $(HANDOUT)
HANDOUT_HIDDEN := locks/ticket.c locks/mutex_handoff.c locks/cowcfg.c labs/toolkit/chan.c labs/toolkit/workpool.c
PREBUILT_CFLAGS := -O2 -g -std=c11 -Wall -Wextra -pthread -D_GNU_SOURCE -I.
PREBUILT_SAN_thread := -fsanitize=thread
PREBUILT_SAN_address := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
HANDOUT_PREBUILT := $(foreach k,plain thread address,$(HANDOUT_HIDDEN:%.c=$(HANDOUT)/prebuilt/$(k)/%.o))
MUTANT_FILES = $(sort $(wildcard labs/*/teacher/mutants/*.mut))
TEST_EXTRA += labs

.PHONY: labs handout handout-files mutants classroom
handout-files: ## write the handout's source files only (make handout adds the compiled library parts)
	$(Q)$(LAB_PY) scripts/handout.py generate --out $(HANDOUT) $(HANDOUT_HIDDEN:%=--hide %)

handout: handout-files $(HANDOUT_PREBUILT) ## write build/handout/: the student tree, solution regions replaced by TODOs, answer-holding library files compiled
grade: handout

$(HANDOUT)/prebuilt/%.o: $$(call prebuilt_src,$$*) | handout-files
	@mkdir -p $(@D)
	$(if $(Q),@echo "  CC PRE  $@")
	$(Q)$(CC) $(PREBUILT_CFLAGS) $(PREBUILT_SAN_$(firstword $(subst /, ,$*))) -c $< -o $@
prebuilt_src = $(patsubst $(firstword $(subst /, ,$(1)))/%,%.c,$(1))

labs: $$(TESTS) $$(PROGRAMS) handout ## check every lab: its tests pass here; the handout builds, fails each of them and holds no answer
	@echo "== building the handout ($(HANDOUT), plain)"
	$(Q)$(MAKE) --no-print-directory -k -C $(HANDOUT) BUILD=build SAN= WERROR=0 lab-tests >$(HANDOUT).log 2>&1 || true
	$(Q)$(LAB_PY) scripts/handout.py verify --ref-build $(BUILD) --handout $(HANDOUT) \
	  --build-log $(HANDOUT).log $(LABS_ALL)
	$(Q)$(LAB_PY) scripts/handout.py links notes/*.md labs/README.md $(wildcard $(LABS_ALL:%=%/README.md))

mutants: handout ## apply each lab's typical wrong solutions to a fresh handout: the lab's check (plain, then TSan) must fail on every one
	@echo "== building the handout's plain and ThreadSanitizer builds ($(HANDOUT)/build, build/tsan)"
	$(Q)$(MAKE) --no-print-directory -C $(HANDOUT) BUILD=build SAN= lab-tests >$(HANDOUT).log 2>&1 && \
	  $(MAKE) --no-print-directory -C $(HANDOUT) BUILD=build/tsan SAN=thread lab-tests >$(HANDOUT).tsan.log 2>&1 || \
	  { tail -30 $(HANDOUT).log $(HANDOUT).tsan.log; exit 1; }
	$(Q)$(LAB_PY) scripts/grade.py mutants --base $(HANDOUT) --work $(BUILD)/mutants $(MUTANT_FILES)

classroom: mutants ## (CI, minutes) mutants; make grade on the handout (0) and the reference (full); make check LAB=01 without root
	$(Q)$(LAB_PY) scripts/test_classroom.py --handout $(HANDOUT) --work $(BUILD)/classroom
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
FUZZ_CFLAGS := -std=c11 -O1 -g $(WARN) -D_GNU_SOURCE -I. \
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

fuzz-smoke: $(FUZZ_BIN) ## libFuzzer on httpd's request parser for a few seconds (part of make test)
	@echo "== $(FUZZ_BIN): $(FUZZ_SMOKE_SECONDS) s of fuzzing (make fuzz runs longer)"
	$(Q)$(FUZZ_BIN) $(FUZZ_ARGS) -max_total_time=$(FUZZ_SMOKE_SECONDS) $(BUILD)/fuzz/corpus \
	  $(HTTPD_DIR)/fuzz/seeds >$(BUILD)/fuzz/smoke.log 2>&1 || { tail -40 $(BUILD)/fuzz/smoke.log; exit 1; }
	$(Q)grep -E '^Done [0-9]+ runs' $(BUILD)/fuzz/smoke.log

bench: bench-httpd
# Eight rounds (twelve with BENCH=long): one server's p99 moves between 2 and
# 7 ms from round to round on the shared VM, and the targets take medians.
bench-httpd: deps $(BUILD)/bin/httpd ## wrk against httpd, nginx (equal workers, and one each) and Go's net/http (interleaved rounds), SIGTERM mid-run; build/bench/httpd.json
	@mkdir -p $(BENCH_OUT)
	$(Q)$(BENCH_PYTHON) scripts/bench_go.py --build-only --build $(BENCH_GO_BUILD)
	$(Q)$(BENCH_PYTHON) scripts/bench_httpd.py --httpd $(BUILD)/bin/httpd --go-server $(BENCH_GO_BUILD)/hello \
	  --out $(BENCH_OUT)/httpd.json $(if $(filter long,$(BENCH)),--rounds 12 --seconds 5,--rounds 8 --seconds 3)
# ---- end httpd ----

# ---- races ----
# Data-race demos (litmus/races/README.md): every litmus/races/*.c whose header
# has an "expect:" line is one small program, racy_* or its fixed_* twin; the
# thread-lifecycle demos in notes/demos/ with an "expect:" line (exit() from a
# worker and its twin, notes/lifecycles.md) are built and checked the same way.
# They are always built with clang and their own flags, whatever CC and SAN
# say (they exist to be caught by the tools): -O2 -g, one binary per tool the
# expect: line names, in $(RACES_BUILD)/tsan/ and asan/, and every demo in
# $(RACES_BUILD)/plain/ for students to run.  `make races` runs each check and
# prints demo, expected, got, ok (scripts/races.sh); `make test` runs it;
# REPEAT=N runs every check N times.  `make races-stress` (not in make test
# or .ci/run: half an hour or more) runs each racy demo's TSan check
# RACES_STRESS_RUNS times beside two CPU-burning processes and reports every
# miss: the proof that the verdicts do not depend on scheduling.
# `make asm` compiles litmus/races/store_load_orders.c and prints its code for
# this CPU (x86-64 or aarch64; make test-arm64 prints the aarch64 one too).
RACES_DIR := litmus/races
RACES_BUILD := $(BUILD)/races
RACES_CC ?= clang
RACES_CFLAGS := -std=c11 -O2 -g $(WARN) -pthread -D_GNU_SOURCE -I.
RACES_DEMO_DIRS := $(RACES_DIR) notes/demos
RACES_HDRS := $(wildcard $(RACES_DEMO_DIRS:%=%/*.h))
RACES_SRCS := $(shell grep -l '^ \* expect: ' $(RACES_DEMO_DIRS:%=%/*.c) 2>/dev/null)
races_using = $(patsubst %.c,$(RACES_BUILD)/$(1)/%,$(notdir $(shell grep -l '^ \* expect:.* $(1)=' /dev/null $(RACES_SRCS))))
RACES_BINS := $(call races_using,tsan) $(call races_using,asan) \
  $(patsubst %.c,$(RACES_BUILD)/plain/%,$(notdir $(RACES_SRCS)))
RACES_ASM_OBJ := $(RACES_BUILD)/obj/store_load_orders.o
RACES_STRESS_RUNS ?= 500
REPEAT ?= 1
TEST_EXTRA += races

.PHONY: races races-stress asm
races: deps $(RACES_BINS) ## build the data-race demos and check each tool's verdict: every racy one caught, every fixed twin clean (REPEAT=N: each N times)
	@echo "== race demos ($(RACES_DIR)): TSan/ASan verdicts and plain -O2 runs"
	$(Q)scripts/races.sh --repeat $(REPEAT) $(RACES_BUILD) $(RACES_SRCS)

races-stress: deps $(RACES_BINS) ## each racy demo under TSan 500 times (RACES_STRESS_RUNS) beside two CPU burners; every miss reported (half an hour or more)
	@echo "== race demos under TSan, $(RACES_STRESS_RUNS) runs each, beside 2 CPU-burning processes"
	$(Q)scripts/races.sh --repeat $(RACES_STRESS_RUNS) --only tsan=race --burn 2 $(RACES_BUILD) $(RACES_SRCS)

asm: deps $(RACES_ASM_OBJ) ## print the code clang emits on this CPU for a store then a load: plain, release/acquire, seq_cst, fence, locked RMW
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

$(RACES_BUILD)/plain/%: notes/demos/%.c $(RACES_HDRS)
	@mkdir -p $(@D)
	$(if $(Q),@echo "  CC -O2  $<")
	$(Q)$(RACES_CC) $(RACES_CFLAGS) $< -o $@

$(RACES_ASM_OBJ): $(RACES_DIR)/store_load_orders.c
	@mkdir -p $(@D)
	$(if $(Q),@echo "  CC      $<")
	$(Q)$(RACES_CC) $(RACES_CFLAGS) -c $< -o $@
# ---- end races ----

# ---- arm64 ----
# `make test-arm64` (README.md, "On ARM"): the unit tests cross-built for
# aarch64 into build/arm64 (clang for aarch64 with Debian's cross binutils, the :arm64 CMocka
# and liburcu: scripts/deps.sh arm64) and run under qemu-user.  This machine
# has no binfmt_misc, so nothing aarch64 starts by itself: EXEC is the
# emulator, the catalog generator runs through it, every test that starts a
# program from build/arm64/bin prefixes it with $$MEMLAB_EXEC, and litmus
# compiles tests outside its catalog with the compiler it was built with (the
# cross clang), so the object it loads is aarch64 too.  Left out: the benchmarks
# and Concurrency Kit (libck-dev:arm64 cannot sit beside the amd64 one), the
# sanitizers (TSan does not run under qemu-user), lab 03 (its programs are TSan
# builds) and the final server's tests (they count the server's threads and
# descriptors in /proc, where qemu's own show up).  Tests that judge the
# hardware's ordering skip themselves under the emulator and say why (unit.h,
# hardware_is_tso): qemu runs aarch64 code in x86's order, except that it
# drops the order ARMv8 keeps between STLR and a later LDAR (SB+scs shows).
# Measured here under a load average of ~30: the tests run in about 3 minutes.
# clang, the project's compiler, for aarch64 (it links with the cross binutils
# and the :arm64 libraries).  qemu's
# -L / runs the :arm64 glibc that CMocka and liburcu came with: the cross
# toolchain's own copy in /usr/aarch64-linux-gnu is another build of glibc,
# and mixing its loader with the :arm64 libc hangs the first pthread_create.
ARM64_CC := clang --target=aarch64-linux-gnu
ARM64_EXEC := qemu-aarch64 -L /
ARM64_SKIP := labs/03-data-races/% labs/07-final-server/%
ARM64_TESTS = $(filter-out $(ARM64_SKIP:%=$(BUILD)/tests/%),$(TESTS))

.PHONY: test-arm64 check-emulated
test-arm64: ## cross-build the tests for aarch64 into build/arm64 and run them under qemu-aarch64 (a few minutes)
	$(Q)scripts/deps.sh arm64
	$(Q)$(MAKE) --no-print-directory BUILD=build/arm64 CC="$(ARM64_CC)" SAN= EXEC="$(ARM64_EXEC)" \
	  RACES_CC="$(ARM64_CC)" OBJDUMP=aarch64-linux-gnu-objdump check-emulated asm

# check-emulated: run the tests of this build under $(EXEC), the aarch64 twin of check.
check-emulated: $$(ARM64_TESTS) $(BUILD)/bin/litmus $(BUILD)/bin/lockstress $(BUILD)/bin/forkcow ## run the tests of this build through $(EXEC) (make test-arm64 calls it under qemu)
	$(Q)set -e; for t in $(ARM64_TESTS); do echo "== $(EXEC) $$t"; $(EXEC) $$t; done; \
	echo "== all $(words $(ARM64_TESTS)) test programs passed on aarch64 under $(firstword $(EXEC))"
# ---- end arm64 ----

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
