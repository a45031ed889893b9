/* test_json.c — core/json: parsing, exact numbers, errors with line:col, canonical writing. */
#include "t.h"
#include "core/json.h"

static struct pl_arena A;

static const char *roundtrip(const char *src, int flags)
{
    struct pl_err err = {0};
    struct pl_json *j = pl_json_parse(&A, src, strlen(src), &err);
    if (!j)
        return pl_arena_strdup(&A, err.msg);
    return pl_json_dump(&A, j, flags);
}

static void test_roundtrip(void)
{
    T_STR(roundtrip(" {\"b\": 1, \"a\": [true, false, null, \"x\"]} ", 0),
          "{\"b\":1,\"a\":[true,false,null,\"x\"]}");
    T_STR(roundtrip("{\"b\":1,\"a\":{\"d\":2,\"c\":3}}", PL_JSON_CANON),
          "{\"a\":{\"c\":3,\"d\":2},\"b\":1}");
    /* numbers keep their exact text, even above 2^53 */
    T_STR(roundtrip("[12345678901234567890123, -0.5e-7, 1.0, 0]", 0),
          "[12345678901234567890123,-0.5e-7,1.0,0]");
    T_STR(roundtrip("\"a\\u00e9\\ud83d\\ude00\\n\\\"\"", 0), "\"a\xc3\xa9\xf0\x9f\x98\x80\\n\\\"\"");
    T_STR(roundtrip("\"\\u0001\"", 0), "\"\\u0001\"");
    T_STR(roundtrip("{}", PL_JSON_PRETTY), "{}");
    T_STR(roundtrip("{\"a\":[1]}", PL_JSON_PRETTY), "{\n  \"a\": [\n    1\n  ]\n}");
}

/* Escapes at every position of strings of 0..40 bytes (the writer skips clean 8-byte words),
 * and sorting of objects of 1..40 members (small ones by insertion, large ones by qsort),
 * duplicate keys keeping their document order. */
static void test_write_positions(void)
{
    static const char specials[] = {'"', '\\', '\n', 0x01, 0x1f, 'a', (char)0xc3};
    for (size_t n = 0; n <= 40; n++)
        for (size_t pos = 0; pos < (n ? n : 1); pos++)
            for (size_t k = 0; k < sizeof specials; k++) {
                char s[48];
                memset(s, 'x', n);
                if (n)
                    s[pos] = specials[k];
                struct pl_buf b, want;
                pl_buf_init(&b, PL_BUF_NOLIMIT);
                pl_buf_init(&want, PL_BUF_NOLIMIT);
                T_EQ(pl_json_write_str(&b, s, n), 0);
                pl_buf_putc(&want, '"');
                for (size_t i = 0; i < n; i++) {
                    unsigned char c = (unsigned char)s[i];
                    if (c == '"' || c == '\\')
                        pl_buf_printf(&want, "\\%c", c);
                    else if (c == '\n')
                        pl_buf_puts(&want, "\\n");
                    else if (c < 0x20)
                        pl_buf_printf(&want, "\\u%04x", c);
                    else
                        pl_buf_putc(&want, (char)c);
                }
                pl_buf_putc(&want, '"');
                T_STR(pl_buf_cstr(&b), pl_buf_cstr(&want));
                pl_buf_fini(&b);
                pl_buf_fini(&want);
            }
    for (int n = 1; n <= 40; n++) {
        struct pl_buf src, want;
        pl_buf_init(&src, PL_BUF_NOLIMIT);
        pl_buf_init(&want, PL_BUF_NOLIMIT);
        pl_buf_putc(&src, '{');
        for (int i = n - 1; i >= 0; i--)
            pl_buf_printf(&src, "%s\"k%02d\":%d,\"k%02d\":%d", i == n - 1 ? "" : ",", i, i, i,
                          100 + i);
        pl_buf_putc(&src, '}');
        pl_buf_putc(&want, '{');
        for (int i = 0; i < n; i++)
            pl_buf_printf(&want, "%s\"k%02d\":%d,\"k%02d\":%d", i ? "," : "", i, i, i, 100 + i);
        pl_buf_putc(&want, '}');
        T_STR(roundtrip(pl_buf_cstr(&src), PL_JSON_SORTED), pl_buf_cstr(&want));
        pl_buf_fini(&src);
        pl_buf_fini(&want);
    }
}

static void test_errors(void)
{
    T_STR(roundtrip("{\"a\": }", 0), "line 1:7: unexpected character");
    T_STR(roundtrip("{\"a\": 1,\n \"b\" 2}", 0), "line 2:6: expected ':'");
    T_STR(roundtrip("[1, 2", 0), "line 1:6: expected ',' or ']'");
    T_STR(roundtrip("[1] x", 0), "line 1:5: trailing characters after JSON value");
    T_STR(roundtrip("01", 0), "line 1:2: trailing characters after JSON value");
    T_STR(roundtrip("\"\xff\"", 0), "line 1:2: invalid UTF-8 in string");
    T_STR(roundtrip("\"\\ud800\"", 0), "line 1:8: unpaired surrogate in \\u escape");
    T_STR(roundtrip("", 0), "line 1:1: unexpected end of input");
    char deep[600];
    memset(deep, '[', sizeof(deep) - 1);
    deep[sizeof(deep) - 1] = 0;
    T_STR(roundtrip(deep, 0), "line 1:257: nesting too deep");
}

static void test_access(void)
{
    struct pl_err err = {0};
    const char *src = "{\"a\":{\"b\":{\"c\":\"x\"}},\"n\":42,\"f\":2.5,\"big\":1e300,\"k\":1,\"k\":2}";
    struct pl_json *j = pl_json_parse(&A, src, strlen(src), &err);
    T_REQUIRE(j);
    T_STR(pl_json_str(pl_json_path(j, "a.b.c")), "x");
    T_OK(pl_json_path(j, "a.x.c") == NULL);
    int64_t v = 0;
    T_EQ(pl_json_i64(pl_json_get(j, "n"), &v), 0);
    T_EQ(v, 42);
    T_EQ(pl_json_i64(pl_json_get(j, "f"), &v), -1);
    T_EQ(pl_json_i64(pl_json_get(j, "k"), &v), 0);
    T_EQ(v, 2); /* last duplicate wins */
    T_EQ(pl_json_del(j, "k"), 2);
    T_OK(pl_json_get(j, "k") == NULL);
    T_EQ(j->len, 4);
}

static void test_build_equal(void)
{
    struct pl_json *o = pl_json_new_obj(&A);
    pl_json_set_str(&A, o, "s", "t\"q");
    pl_json_set_i64(&A, o, "i", -7);
    pl_json_set(&A, o, "t", pl_json_new_epoch_ms(&A, 1452193834344));
    pl_json_set(&A, o, "d", pl_json_new_double(&A, 0.1));
    T_STR(pl_json_dump(&A, o, 0), "{\"s\":\"t\\\"q\",\"i\":-7,\"t\":1452193834.344,\"d\":0.1}");
    struct pl_err err = {0};
    const char *a = "{\"x\":[1,{\"y\":2,\"z\":3}],\"w\":1.0}";
    const char *b = "{\"w\":1,\"x\":[1,{\"z\":3,\"y\":2}]}";
    struct pl_json *ja = pl_json_parse(&A, a, strlen(a), &err);
    struct pl_json *jb = pl_json_parse(&A, b, strlen(b), &err);
    T_OK(pl_json_equal(ja, jb));
    T_OK(pl_json_equal(ja, pl_json_clone(&A, ja)));
    pl_json_set_i64(&A, jb, "extra", 1);
    T_OK(!pl_json_equal(ja, jb));
}

static void test_insitu(void)
{
    struct pl_err err = {0};
    char buf[] = "{\"a\":\"x\\\"y\\u00e9\",\"b\":[\"p\",1.5],\"k\\n\":{}}";
    struct pl_json *j = pl_json_parse_insitu(&A, buf, strlen(buf), &err);
    T_REQUIRE(j);
    T_STR(pl_json_get_str(j, "a"), "x\"y\xc3\xa9");
    T_STR(pl_json_str(pl_json_at(pl_json_get(j, "b"), 0)), "p");
    T_OK(pl_json_get(j, "k\n") != NULL);
    T_STR(pl_json_dump(&A, j, 0), "{\"a\":\"x\\\"y\xc3\xa9\",\"b\":[\"p\",1.5],\"k\\n\":{}}");
    char bad[] = "{\"a\": }";
    T_OK(pl_json_parse_insitu(&A, bad, strlen(bad), &err) == NULL);
}

static void test_buf_cap(void)
{
    struct pl_buf b;
    pl_buf_init(&b, 8);
    T_EQ(pl_buf_puts(&b, "12345678"), 0);
    T_EQ(pl_buf_putc(&b, '9'), -1);
    T_EQ(b.len, 8);
    pl_buf_fini(&b);
}

int main(void)
{
    pl_arena_init(&A);
    T_RUN(test_roundtrip);
    T_RUN(test_write_positions);
    T_RUN(test_errors);
    T_RUN(test_access);
    T_RUN(test_build_equal);
    T_RUN(test_insitu);
    T_RUN(test_buf_cap);
    pl_arena_fini(&A);
    return T_EXIT();
}
