/* test_metrics.c — the core/metrics registry and its Prometheus rendering. */
#include <string.h>

#include "core/metrics.h"
#include "t.h"

static void test_counters_and_render(void)
{
    struct pl_buf b;
    pl_metrics_reset();
    pl_metrics_help("plumb_requests_total", "API requests.");
    pl_metrics_add("plumb_requests_total", "operation=\"PutX\",code=\"200\"", 2);
    pl_metrics_add("plumb_requests_total", "operation=\"PutX\",code=\"200\"", 1);
    pl_metrics_add("plumb_requests_total", "operation=\"PutX\",code=\"ValidationException\"", 1);
    pl_metrics_set("plumb_queue_depth", NULL, 7);
    pl_metrics_set("plumb_queue_depth", NULL, 5);
    T_EQ(pl_metrics_value("plumb_requests_total", "operation=\"PutX\",code=\"200\""), 3);
    T_EQ(pl_metrics_value("plumb_queue_depth", NULL), 5);
    T_EQ(pl_metrics_value("nope", NULL), 0);
    pl_buf_init(&b, 1 << 20);
    T_OK(pl_metrics_render(&b) == 0);
    const char *s = pl_buf_cstr(&b);
    T_OK(strstr(s, "# HELP plumb_requests_total API requests.\n") != NULL);
    T_OK(strstr(s, "# TYPE plumb_requests_total counter\n") != NULL);
    T_OK(strstr(s, "plumb_requests_total{operation=\"PutX\",code=\"200\"} 3\n") != NULL);
    T_OK(strstr(s, "# TYPE plumb_queue_depth gauge\nplumb_queue_depth 5\n") != NULL);
    /* one TYPE line per family */
    T_OK(strstr(strstr(s, "# TYPE plumb_requests_total") + 1, "# TYPE plumb_requests_total") ==
         NULL);
    pl_buf_fini(&b);
}

static void test_histogram(void)
{
    struct pl_buf b;
    pl_metrics_reset();
    pl_metrics_observe("lat_seconds", "operation=\"A\"", 0.0002);
    pl_metrics_observe("lat_seconds", "operation=\"A\"", 0.003);
    pl_metrics_observe("lat_seconds", "operation=\"A\"", 100);
    pl_buf_init(&b, 1 << 20);
    T_OK(pl_metrics_render(&b) == 0);
    const char *s = pl_buf_cstr(&b);
    T_OK(strstr(s, "# TYPE lat_seconds histogram\n") != NULL);
    T_OK(strstr(s, "lat_seconds_bucket{operation=\"A\",le=\"0.00025\"} 1\n") != NULL);
    T_OK(strstr(s, "lat_seconds_bucket{operation=\"A\",le=\"0.005\"} 2\n") != NULL);
    T_OK(strstr(s, "lat_seconds_bucket{operation=\"A\",le=\"5\"} 2\n") != NULL);
    T_OK(strstr(s, "lat_seconds_bucket{operation=\"A\",le=\"+Inf\"} 3\n") != NULL);
    T_OK(strstr(s, "lat_seconds_count{operation=\"A\"} 3\n") != NULL);
    T_OK(strstr(s, "lat_seconds_sum{operation=\"A\"} 100.0032") != NULL);
    pl_buf_fini(&b);
}

static void test_type_clash_and_collector(void)
{
    pl_metrics_reset();
    T_OK(pl_metric_get(PL_METRIC_COUNTER, "x_total", NULL) != NULL);
    T_OK(pl_metric_get(PL_METRIC_GAUGE, "x_total", NULL) == NULL);
    T_OK(pl_metric_get(PL_METRIC_GAUGE, "x_total", "a=\"1\"") == NULL);
}

static int collected;
static void collect(void *ctx)
{
    collected++;
    pl_metrics_set("refreshed", NULL, *(int *)ctx);
}

static void test_collector(void)
{
    struct pl_buf b;
    int v = 42;
    pl_metrics_reset();
    T_OK(pl_metrics_on_render(collect, &v) == 0);
    pl_buf_init(&b, 1 << 20);
    T_OK(pl_metrics_render(&b) == 0);
    T_EQ(collected, 1);
    T_OK(strstr(pl_buf_cstr(&b), "refreshed 42\n") != NULL);
    pl_metrics_on_render_remove(collect, &v);
    pl_buf_reset(&b);
    pl_metrics_render(&b);
    T_EQ(collected, 1);
    pl_buf_fini(&b);
}

int main(void)
{
    T_RUN(test_counters_and_render);
    T_RUN(test_histogram);
    T_RUN(test_type_clash_and_collector);
    T_RUN(test_collector);
    pl_metrics_reset();
    return T_EXIT();
}
