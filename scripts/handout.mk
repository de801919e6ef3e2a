# -- the handout's own part (written by scripts/handout.py from scripts/handout.mk) --
# `make check LAB=NN`, `make grade` and lab-tests come from the labs block
# above, as in the teacher's tree.  Here `make grade` grades this tree with
# its own tests: a preview; the teacher grades with pristine ones.
GRADE_BASE := .
# The library files that hold a lab's answer come compiled, one object per
# build kind (plain, thread, address) under prebuilt/: they are copied into
# the build and archived with the rest of their library.
PREBUILT_DIR := prebuilt/$(if $(SAN),$(SAN),plain)
PREBUILT_OBJS := $(patsubst $(PREBUILT_DIR)/%,$(BUILD)/obj/%,$(shell find $(PREBUILT_DIR) -name '*.o' 2>/dev/null))
$(LOCK_LIB): $(filter $(BUILD)/obj/locks/%,$(PREBUILT_OBJS))
$(TOOLKIT_LIB): $(filter $(BUILD)/obj/labs/toolkit/%,$(PREBUILT_OBJS))

$(BUILD)/obj/%.o: $(PREBUILT_DIR)/%.o
	@mkdir -p $(@D)
	$(if $(Q),@echo "  PREBUILT $<")
	$(Q)cp $< $@
