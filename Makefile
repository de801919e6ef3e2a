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
# Every */tests/test_*.c is one CMocka program, linked with the libraries.
TEST_SRCS := $(wildcard locks/tests/test_*.c)
TESTS := $(TEST_SRCS:%.c=$(BUILD)/tests/%)
# Further suites `make test` runs after the unit tests (each part appends its own).
TEST_EXTRA :=

.PHONY: all deps test tsan asan check clean help
.SECONDARY: # keep objects make would treat as intermediate (test objects), so rebuilds are incremental
.DEFAULT_GOAL := all

all: deps $(PROGRAMS) $(TESTS) ## build the library, programs and tests (the default)

deps: ## install missing Debian packages (scripts/deps.sh; silent when all present)
	$(Q)scripts/deps.sh

test: all ## build and run every test (the README's test command)
	$(Q)$(MAKE) --no-print-directory check $(TEST_EXTRA)

tsan: deps ## build the tests with ThreadSanitizer into build/tsan and run them
	$(Q)$(MAKE) --no-print-directory BUILD=build/tsan SAN=thread check

asan: deps ## build the tests with ASan+UBSan (and LeakSanitizer) into build/asan and run them
	$(Q)$(MAKE) --no-print-directory BUILD=build/asan SAN=address check

# check: run every test program already built in $(BUILD); stops at the first failure.
check: $(TESTS) $(PROGRAMS)
	$(Q)set -e; for t in $(TESTS); do echo "== $$t"; $$t; done; \
	echo "== all $(words $(TESTS)) test programs passed ($(if $(SAN),$(SAN) sanitizer,no sanitizer))"

clean: ## remove build/
	rm -rf build

help: ## list the targets
	@grep -hE '^[a-z][a-z_-]*:.*## ' $(firstword $(MAKEFILE_LIST)) | sed 's/:.*## /\t/' | \
	  awk -F'\t' '{ printf "  %-8s %s\n", $$1, $$2 }'

# ---- rules ----------------------------------------------------------------
$(BUILD)/obj/%.o: %.c
	@mkdir -p $(@D)
	$(if $(Q),@echo "  CC      $<")
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -c $< -o $@

$(LOCK_LIB): $(LOCK_SRCS:%.c=$(BUILD)/obj/%.o)
	@mkdir -p $(@D)
	$(if $(Q),@echo "  AR      $@")
	$(Q)rm -f $@ && ar rcs $@ $^

$(BUILD)/bin/%: $(BUILD)/obj/locks/%.o $(LOCK_LIB)
	@mkdir -p $(@D)
	$(if $(Q),@echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) $^ $(LDLIBS) -o $@

$(BUILD)/tests/%: $(BUILD)/obj/%.o $(LOCK_LIB)
	@mkdir -p $(@D)
	$(if $(Q),@echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) $^ -lcmocka $(LDLIBS) -o $@

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
