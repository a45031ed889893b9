/* test_time.c — core/time: civil conversion, ISO-8601 formats and parsing, the fake clock. */
#include "t.h"
#include "core/time.h"
#include "core/buf.h"
#include "core/json.h"

#include <stdint.h>

static void test_format(void)
{
    char b[40];
    T_STR(pl_time_iso8601_ms(1536298005866, b), "2018-09-07T05:26:45.866Z");
    T_STR(pl_time_iso8601_ms(0, b), "1970-01-01T00:00:00.000Z");
    T_STR(pl_time_iso8601_ms(1475006298000, b), "2016-09-27T19:58:18.000Z");
    T_STR(pl_time_basic(1475006298000, b), "20160927T195818Z");
    T_STR(pl_time_iso8601(951782400000, b), "2000-02-29T00:00:00Z");
}

static void test_parse(void)
{
    int64_t ms = 0;
    T_EQ(pl_time_parse("2016-09-27T19:58:18Z", &ms), 0);
    T_EQ(ms, 1475006298000);
    T_EQ(pl_time_parse("2018-09-07T05:26:45.866Z", &ms), 0);
    T_EQ(ms, 1536298005866);
    T_EQ(pl_time_parse("2016-09-27T21:58:18+02:00", &ms), 0);
    T_EQ(ms, 1475006298000);
    T_EQ(pl_time_parse("1452193834.344", &ms), 0);
    T_EQ(ms, 1452193834344);
    T_EQ(pl_time_parse("2016-09-27", &ms), 0);
    T_EQ(ms, 1474934400000);
    T_EQ(pl_time_parse("2016-13-27T00:00:00Z", &ms), -1);
    T_EQ(pl_time_parse("nonsense", &ms), -1);
    T_EQ(pl_time_parse("2016-09-27T19:58:18Zjunk", &ms), -1);
    /* epochs outside years 0001-9999, infinite or NaN are refused (were stored as INT64_MIN) */
    T_EQ(pl_time_parse("1e99999", &ms), -1);
    T_EQ(pl_time_parse("-1e300", &ms), -1);
    T_EQ(pl_time_parse("9.3e15", &ms), -1);
    T_EQ(pl_time_parse("nan", &ms), -1);
    T_EQ(pl_time_parse("253402300799", &ms), 0);
    T_EQ(ms, 253402300799000);
    T_EQ(pl_time_parse("-1.5", &ms), 0);
    T_EQ(ms, -1500);
    T_EQ(pl_time_from_epoch_s(1.0 / 0.0, &ms), -1);
    T_EQ(pl_time_from_epoch_s(-62135596800.0, &ms), 0);
}

/* Epoch numbers as the API writes them: negative values keep their fraction's sign. */
static void test_epoch_render(void)
{
    struct pl_arena a;
    pl_arena_init(&a);
    struct pl_buf b;
    pl_buf_init(&b, 1 << 10);
    int64_t cases[] = {-1500, -1, 0, 1, 1536298005866, INT64_MIN, INT64_MAX};
    const char *want[] = {"-1.500", "-0.001", "0.000", "0.001", "1536298005.866",
                          "-9223372036854775.808", "9223372036854775.807"};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        pl_buf_reset(&b);
        pl_json_write(&b, pl_json_new_epoch_ms(&a, cases[i]), 0);
        T_STR(pl_buf_cstr(&b), want[i]);
    }
    pl_buf_fini(&b);
    pl_arena_fini(&a);
}

static void test_clock(void)
{
    pl_clock_set(1000);
    T_EQ(pl_now_ms(), 1000);
    pl_clock_advance(500);
    T_EQ(pl_now_ms(), 1500);
    pl_clock_real();
    T_OK(pl_now_ms() > 1700000000000);
}

int main(void)
{
    T_RUN(test_format);
    T_RUN(test_parse);
    T_RUN(test_epoch_render);
    T_RUN(test_clock);
    return T_EXIT();
}
