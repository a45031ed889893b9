/* metrics.h — a tiny process-wide registry of counters, gauges and histograms, rendered in
 * Prometheus text format by http/ at GET /metrics.
 *
 * It lives in core so that any module (recorder, rules, delivery, store) can count without
 * knowing that HTTP exists. A metric is identified by its name plus its label text
 * ("operation=\"PutResourceConfig\",code=\"200\""; the caller writes well-formed, escaped label
 * text and keeps the number of distinct label sets bounded). Metrics are created on first use
 * and live until exit; updates are lock-free atomics, creation takes a mutex. Hot paths may
 * keep the pointer from pl_metric_get() instead of looking the name up each time.
 */
#ifndef PL_CORE_METRICS_H
#define PL_CORE_METRICS_H

#include <stdint.h>

#include "core/buf.h"

enum pl_metric_type { PL_METRIC_COUNTER, PL_METRIC_GAUGE, PL_METRIC_HISTOGRAM };

#define PL_METRICS_MAX 2048 /* distinct (name, labels) pairs; beyond it updates are dropped */

struct pl_metric;

/* Finds or creates the metric (name, labels); labels may be NULL or "". Returns NULL only when
 * the registry is full or the name is already registered with another type. */
struct pl_metric *pl_metric_get(enum pl_metric_type t, const char *name, const char *labels);

void pl_metric_add(struct pl_metric *m, uint64_t n);   /* counter (or gauge) += n */
void pl_metric_set(struct pl_metric *m, int64_t v);    /* gauge = v */
void pl_metric_observe(struct pl_metric *m, double v); /* histogram sample (seconds, bytes…) */

/* Convenience: look up (creating) and update. NULL-safe; never fails visibly. */
void pl_metrics_add(const char *name, const char *labels, uint64_t n);
void pl_metrics_set(const char *name, const char *labels, int64_t v);
void pl_metrics_observe(const char *name, const char *labels, double v);

/* Sets the "# HELP" text of a metric family (a static string). */
void pl_metrics_help(const char *name, const char *help);

/* Callbacks run at the start of each render, e.g. to refresh gauges from the store. At most
 * 16; the ctx must outlive the registry (or be removed with pl_metrics_on_render_remove). */
typedef void (*pl_metrics_collect_fn)(void *ctx);
int pl_metrics_on_render(pl_metrics_collect_fn fn, void *ctx);
void pl_metrics_on_render_remove(pl_metrics_collect_fn fn, void *ctx);

/* Appends every metric in Prometheus text exposition format (version 0.0.4). -1 on cap. */
int pl_metrics_render(struct pl_buf *out);

/* The value of a counter or gauge (0 when absent); for tests and the CLI. */
int64_t pl_metrics_value(const char *name, const char *labels);

/* Forgets every metric (tests only; not safe while other threads update metrics). */
void pl_metrics_reset(void);

#endif
