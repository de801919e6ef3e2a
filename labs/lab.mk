# lab.mk: `make check` (or any target) inside labs/NN-topic/ runs the top-level
# Makefile for this lab: `make check` here is `make check LAB=NN-topic` there.
# Each lab's Makefile is the one line `include ../lab.mk`.
THIS_LAB := $(notdir $(patsubst %/,%,$(CURDIR)))
.DEFAULT_GOAL := check
Makefile ../lab.mk: ;
%:
	@$(MAKE) --no-print-directory -C ../.. $@ LAB=$(THIS_LAB)
.PHONY: check
check:
	@$(MAKE) --no-print-directory -C ../.. check LAB=$(THIS_LAB)
