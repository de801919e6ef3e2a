/* report.h: what the litmus command prints: a test's text (histogram with a
 * column per model, the Models and Verdict lines), the summary tables, JSON.
 * Every function reads results; none decides a verdict (verdict.c does). */
#ifndef MEMLAB_LITMUS_REPORT_H
#define MEMLAB_LITMUS_REPORT_H

#include <stdbool.h>

#include "litmus/verdict.h"

/* One test after a hardware run (seed: the run's placement seed). */
void lt_report_text(const struct lt_item *it, unsigned long long seed);

/* One test with --model-only: the states each model allows and the verdicts. */
void lt_report_model_text(const struct lt_item *it);

/* The summary tables (hardware run / --model-only); refused items show their reason. */
void lt_report_summary(const struct lt_item *items, int n);
void lt_report_model_summary(const struct lt_item *items, int n);

/* All items as one JSON document {"tests": [...], "ok": ...}. */
void lt_report_json(const struct lt_item *items, int n, bool model_only, unsigned long long seed);

/* The teaching verdict line(s) built from the per-model verdicts (text, no newline at the end). */
void lt_report_lesson(const struct lt_item *it, char *buf, size_t size);

#endif
