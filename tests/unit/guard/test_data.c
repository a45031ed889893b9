/* test_data.c — runs every tests/data/guard/NAME.test case through the engine.
 *
 * Format (also read by tests/data/guard/check_cfn_guard.py, which checks the same
 * expectations against the real cfn-guard): a case starts with "### name"; sections
 * "--- rules", "--- input" (JSON or YAML data) and "--- expect" ("RULE: STATUS" lines, or
 * "error" for an evaluation error, or "parse-error" for a syntax error).
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/util.h"
#include "guard/guard.h"
#include "t.h"

struct tcase {
    char name[256];
    struct pl_buf rules, input, expect;
};

static void run_case(const char *file, struct tcase *c)
{
    struct guard_rules *r = NULL;
    struct guard_doc *d = NULL;
    struct guard_report rep = {0};
    struct pl_err err = {0};
    const char *exp = pl_buf_cstr(&c->expect);
    while (*exp == '\n' || *exp == ' ')
        exp++;
    bool want_parse = !strncmp(exp, "parse-error", 11);
    bool want_err = !want_parse && !strncmp(exp, "error", 5);
    const char *in = c->input.len ? pl_buf_cstr(&c->input) : "{}";
    int rc = guard_parse(pl_buf_cstr(&c->rules), c->rules.len, "t.guard", &r, &err);
    if (rc < 0) {
        bool parse_err = err.code == PL_E_VALIDATION;
        if (!(want_parse && parse_err) && !(want_err && !parse_err))
            T_FAIL_("%s: %s: unexpected parse failure: %s", file, c->name, err.msg);
        return;
    }
    if (want_parse) {
        T_FAIL_("%s: %s: expected a parse error", file, c->name);
        goto out;
    }
    d = guard_doc_load(in, strlen(in), 0, &err);
    if (!d) { /* data cfn-guard refuses counts as an error too */
        if (!want_err)
            T_FAIL_("%s: %s: bad input: %s", file, c->name, err.msg);
        goto out;
    }
    if (guard_eval(r, d, 0, &rep, &err) < 0) {
        if (!want_err)
            T_FAIL_("%s: %s: evaluation error: %s", file, c->name, err.msg);
        goto out;
    }
    if (want_err) {
        T_FAIL_("%s: %s: expected an evaluation error", file, c->name);
        goto out;
    }
    /* each "RULE: STATUS" line */
    char *copy = pl_xstrdup(exp), *line = copy;
    while (line && *line) {
        char *nl = strchr(line, '\n');
        if (nl)
            *nl = 0;
        char name[200], st[16];
        if (sscanf(line, " %199[^:]: %15s", name, st) == 2) {
            const char *got = "MISSING";
            for (size_t i = 0; i < rep.n; i++)
                if (!strcmp(rep.rules[i].name, name))
                    got = guard_status_name(rep.rules[i].status);
            if (strcmp(got, st) != 0)
                T_FAIL_("%s: %s: rule %s: got %s want %s", file, c->name, name, got, st);
        }
        line = nl ? nl + 1 : NULL;
    }
    free(copy);
    guard_report_fini(&rep);
out:
    guard_doc_free(d);
    guard_rules_free(r);
}

static int ncases;

static void run_file(const char *path)
{
    size_t len;
    char *text = pl_read_file(path, 1 << 24, &len);
    if (!text) {
        T_FAIL_("cannot read %s", path);
        return;
    }
    struct tcase c;
    bool have = false;
    struct pl_buf *sec = NULL;
    char *line = text;
    memset(&c, 0, sizeof(c));
    while (line && *line) {
        char *nl = strchr(line, '\n');
        size_t n = nl ? (size_t)(nl - line) : strlen(line);
        if (n >= 4 && !strncmp(line, "### ", 4)) {
            if (have) {
                run_case(path, &c);
                ncases++;
                pl_buf_fini(&c.rules);
                pl_buf_fini(&c.input);
                pl_buf_fini(&c.expect);
            }
            memset(&c, 0, sizeof(c));
            pl_buf_init(&c.rules, PL_BUF_NOLIMIT);
            pl_buf_init(&c.input, PL_BUF_NOLIMIT);
            pl_buf_init(&c.expect, PL_BUF_NOLIMIT);
            snprintf(c.name, sizeof(c.name), "%.*s", (int)(n - 4), line + 4);
            have = true;
            sec = NULL;
        } else if (have && n >= 4 && !strncmp(line, "--- ", 4)) {
            if (!strncmp(line + 4, "rules", 5))
                sec = &c.rules;
            else if (!strncmp(line + 4, "input", 5))
                sec = &c.input;
            else if (!strncmp(line + 4, "expect", 6))
                sec = &c.expect;
            else
                sec = NULL;
        } else if (sec) {
            pl_buf_append(sec, line, n);
            pl_buf_putc(sec, '\n');
        }
        line = nl ? nl + 1 : NULL;
    }
    if (have) {
        run_case(path, &c);
        ncases++;
        pl_buf_fini(&c.rules);
        pl_buf_fini(&c.input);
        pl_buf_fini(&c.expect);
    }
    free(text);
}

static void test_data_files(void)
{
    const char *dir = PL_SOURCE_DIR "/tests/data/guard";
    DIR *d = opendir(dir);
    T_REQUIRE(d != NULL);
    struct dirent *de;
    while ((de = readdir(d))) {
        size_t l = strlen(de->d_name);
        if (l > 5 && !strcmp(de->d_name + l - 5, ".test")) {
            char path[1024];
            snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
            run_file(path);
        }
    }
    closedir(d);
    printf("%d cases\n", ncases);
    T_OK(ncases >= 50);
}

int main(void)
{
    T_RUN(test_data_files);
    return T_EXIT();
}
