# -- the handout's own targets (written by scripts/handout.py from scripts/handout.mk) --
# `make check LAB=NN` builds lab NN's tests and runs each test in a process
# of its own: one OK or FAIL line per test (SHOW=1: with what passing tests
# printed), then a summary.  `make check`
# without LAB runs every test program, as the course's `make test` does.
LAB_PY := /usr/bin/python3
LAB_ID := $(if $(filter 1 2 3 4 5 6 7 8 9,$(LAB)),0$(LAB),$(LAB))
LAB_DIR := $(firstword $(patsubst %/,%,$(dir $(wildcard labs/$(LAB_ID)-*/README.md))))
LAB_DIR_TESTS := $(patsubst %.c,$(BUILD)/tests/%,$(wildcard $(LAB_DIR)/tests/test_*.c))
LABS_ALL = $(sort $(patsubst %/tests/,%,$(dir $(wildcard labs/[0-9][0-9]-*/tests/))))

.PHONY: lab-tests
ifeq ($(strip $(LAB)),)
check: check-all ## run every test program; `make check LAB=04` runs lab 04's tests, one OK/FAIL line each
else ifeq ($(LAB_DIR),)
check:
	@echo "make check: no lab $(LAB) (the labs: $(notdir $(LABS_ALL)))"; exit 2
else
check: deps $(LAB_DIR_TESTS)
	$(Q)$(LAB_PY) scripts/handout.py check --build $(BUILD) $(if $(SHOW),--show) $(LAB_DIR)
endif

# Every lab's tests and programs (what `make labs` in the teacher's tree builds here).
lab-tests: $$(foreach l,$$(LABS_ALL),$$(filter $(BUILD)/tests/$$(l)/%,$$(TESTS)))
