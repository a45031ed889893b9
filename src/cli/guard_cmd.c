/* guard_cmd.c — `plumb guard validate|test|eval`, compatible with cfn-guard 3.1.1's CLI.
 *
 * validate: every data file (-d, files or directories) against every rules file (-r), one
 *   report per (data, rules) pair: the summary table selected by -S (default fail), then the
 *   report in -o single-line-summary (default), json or yaml. Exit 19 when anything FAILs.
 * test: a rules file (-r) against a test-spec file (-t, YAML/JSON list of {name, input,
 *   expectations: {rules: {NAME: STATUS}}}); exit 7 when an expectation is not met.
 * eval: RULES DATA -> {"RULE": "STATUS", ...} on one line, for the conformance harness.
 * Errors: 5 when a rules file does not parse, 255 otherwise (as cfn-guard).
 *
 * This file reads arguments and files and picks what to print; the documents, the evaluation
 * and every report format are the Guard module's public API (guard/guard.h).
 */
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/guard_cmd.h"
#include "core/util.h"
#include "guard/guard.h"

#define GUARD_CLI_MAX_INPUT ((size_t)1 << 31)

enum { EX_OK = 0, EX_PARSE = 5, EX_TESTFAIL = 7, EX_FAIL = 19, EX_ERR = 255 };

struct strv {
    char **v;
    size_t *len; /* bytes of each string, which may hold NULs (rules texts) */
    size_t n;
};

static void sv_pushn(struct strv *s, const char *x, size_t n)
{
    s->v = pl_xrealloc(s->v, (s->n + 1) * sizeof(*s->v));
    s->len = pl_xrealloc(s->len, (s->n + 1) * sizeof(*s->len));
    s->len[s->n] = n;
    s->v[s->n++] = pl_xstrndup(x, n);
}

static void sv_push(struct strv *s, const char *x)
{
    sv_pushn(s, x, strlen(x));
}

static void sv_free(struct strv *s)
{
    for (size_t i = 0; i < s->n; i++)
        free(s->v[i]);
    free(s->v);
    free(s->len);
    s->len = NULL;
    s->v = NULL;
    s->n = 0;
}

static int cmpstr(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool has_ext(const char *name, const char *const *exts)
{
    const char *dot = strrchr(name, '.');
    if (!dot)
        return false;
    for (size_t i = 0; exts[i]; i++)
        if (!strcmp(dot + 1, exts[i]))
            return true;
    return false;
}

/* Expands a file or directory (recursively, sorted) into files with one of exts. */
static int expand(const char *path, const char *const *exts, struct strv *out, int depth)
{
    struct stat st;
    if (stat(path, &st) < 0) {
        fprintf(stderr, "Error occurred The path `%s` does not exist\n", path);
        return -1;
    }
    if (!S_ISDIR(st.st_mode)) {
        sv_push(out, path);
        return 0;
    }
    if (depth > 32)
        return 0;
    DIR *d = opendir(path);
    if (!d) {
        fprintf(stderr, "Error occurred cannot read directory `%s`\n", path);
        return -1;
    }
    struct strv names = {0};
    struct dirent *de;
    while ((de = readdir(d)))
        if (de->d_name[0] != '.')
            sv_push(&names, de->d_name);
    closedir(d);
    qsort(names.v, names.n, sizeof(*names.v), cmpstr);
    int rc = 0;
    for (size_t i = 0; i < names.n && rc == 0; i++) {
        char *p;
        size_t l = strlen(path) + strlen(names.v[i]) + 2;
        p = pl_xmalloc(l);
        snprintf(p, l, "%s%s%s", path, path[strlen(path) - 1] == '/' ? "" : "/", names.v[i]);
        if (stat(p, &st) == 0 && S_ISDIR(st.st_mode))
            rc = expand(p, exts, out, depth + 1);
        else if (has_ext(names.v[i], exts))
            sv_push(out, p);
        free(p);
    }
    sv_free(&names);
    return rc;
}

/* expand() of every path of args, in order; stops at the first error. */
static int expand_all(const struct strv *args, const char *const *exts, struct strv *out)
{
    for (size_t i = 0; i < args->n; i++)
        if (expand(args->v[i], exts, out, 0) < 0)
            return -1;
    return 0;
}

static const char *base_name(const char *p)
{
    const char *s = strrchr(p, '/');
    return s ? s + 1 : p;
}

/* Prints cfn-guard's error for rules file name that did not parse; its exit code. */
static int parse_error(const char *name, const struct pl_err *err)
{
    if (err->code == PL_E_INVALID_EXPRESSION) { /* unknown function: cfn-guard's exit 255 */
        fprintf(stderr, "Error occurred Parser Error when parsing `%s`\n", err->msg);
        return EX_ERR;
    }
    fprintf(stderr,
            "Parsing error handling rule file = %s, Error = Parser Error when parsing "
            "`Parsing Error Error parsing file %s at %s`\n---\n",
            name, name, err->msg);
    return EX_PARSE;
}

/* Reads and parses a rules file. Prints cfn-guard-style errors. 0, or EX_PARSE / EX_ERR. */
static int load_rules(const char *path, struct guard_rules **out)
{
    size_t len;
    struct pl_err err = {0};
    char *text = pl_read_file(path, GUARD_CLI_MAX_INPUT, &len);
    if (!text) {
        fprintf(stderr, "Error occurred The path `%s` does not exist or cannot be read\n", path);
        return EX_ERR;
    }
    int rc = guard_parse(text, len, base_name(path), out, &err) < 0
                 ? parse_error(base_name(path), &err)
                 : 0;
    free(text);
    return rc;
}

static void data_error(const char *name, const struct pl_err *err)
{
    fprintf(stderr,
            "Error occurred Parser Error when parsing `Error encountered while parsing data "
            "file: %s, %s`\n",
            name, err->msg);
}

static struct guard_doc *load_data(const char *path, int mode)
{
    size_t len;
    struct pl_err err = {0};
    char *text = pl_read_file(path, GUARD_CLI_MAX_INPUT, &len);
    if (!text) {
        fprintf(stderr, "Error occurred The path `%s` does not exist or cannot be read\n", path);
        return NULL;
    }
    struct guard_doc *d = guard_doc_load(text, len, mode, &err);
    if (!d)
        data_error(path, &err);
    free(text);
    return d;
}

/* Appends the first document of file path to d under the name shown in errors. -1 after
 * printing cfn-guard's error. */
static int add_data_file(struct guard_doc *d, const char *path)
{
    size_t len;
    struct pl_err err = {0};
    char *text = pl_read_file(path, GUARD_CLI_MAX_INPUT, &len);
    if (!text) {
        fprintf(stderr, "Error occurred The path `%s` cannot be read\n", path);
        return -1;
    }
    int rc = guard_doc_add(d, text, len, &err);
    if (rc < 0)
        data_error(path, &err);
    free(text);
    return rc;
}

/* ---------------------------------------------------------------- options */

/* What an option does: collect values (a value, then the words after it up to the next
 * option), set a string, a format, summary sections or a flag, be accepted and ignored (with
 * or without a value), or print help. */
enum opt_kind {
    OPT_LIST,
    OPT_STR,
    OPT_FMT,
    OPT_SHOW,
    OPT_FLAG,
    OPT_IGNORE,
    OPT_IGNORE_VAL,
    OPT_HELP
};

struct opt {
    const char *sh, *lo; /* "-r", "--rules" */
    enum opt_kind kind;
    size_t off; /* the field it sets, in the command's option struct */
};

/* Value of an option given as "-r X", "--rules X" or "--rules=X"; advances *i. */
static const char *optval(int argc, char **argv, int *i, const char *sh, const char *lo)
{
    const char *a = argv[*i];
    size_t ll = strlen(lo);
    if (!strcmp(a, sh) || !strcmp(a, lo)) {
        if (*i + 1 >= argc)
            return NULL;
        return argv[++*i];
    }
    if (!strncmp(a, lo, ll) && a[ll] == '=')
        return a + ll + 1;
    if (!strncmp(a, sh, 2) && a[2])
        return a + 2;
    return NULL;
}

static bool isopt(const char *a, const char *sh, const char *lo)
{
    size_t ll = strlen(lo);
    return !strcmp(a, sh) || !strcmp(a, lo) || (!strncmp(a, lo, ll) && a[ll] == '=') ||
           (!strncmp(a, sh, 2) && a[2] && a[1] != '-');
}

static bool takes_value(enum opt_kind k)
{
    return k == OPT_LIST || k == OPT_STR || k == OPT_FMT || k == OPT_SHOW || k == OPT_IGNORE_VAL;
}

/* Applies option o at argv[*i] to the struct at base. 0, 1 for help, -1 for a usage error. */
static int apply_opt(const struct opt *o, int argc, char **argv, int *i, char *base)
{
    const char *v = takes_value(o->kind) ? optval(argc, argv, i, o->sh, o->lo) : NULL;
    if (takes_value(o->kind) && !v)
        return -1;
    switch (o->kind) {
    case OPT_LIST: {
        struct strv *l = (struct strv *)(base + o->off);
        sv_push(l, v);
        while (*i + 1 < argc && argv[*i + 1][0] != '-')
            sv_push(l, argv[++*i]);
        return 0;
    }
    case OPT_STR:
        *(const char **)(base + o->off) = v;
        return 0;
    case OPT_FMT:
        return guard_format_parse(v, (enum guard_format *)(base + o->off));
    case OPT_SHOW:
        return guard_show_parse(v, (int *)(base + o->off));
    case OPT_FLAG:
        *(bool *)(base + o->off) = true;
        return 0;
    case OPT_IGNORE:
    case OPT_IGNORE_VAL:
        return 0;
    case OPT_HELP:
        return 1;
    }
    return -1;
}

/* Parses argv[2..] with table opts into the struct at base. 0, 1 when help was asked for,
 * -1 for a usage error. */
static int parse_opts(const struct opt *opts, size_t nopts, int argc, char **argv, void *base)
{
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        size_t k = 0;
        while (k < nopts &&
               !(takes_value(opts[k].kind) ? isopt(a, opts[k].sh, opts[k].lo)
                                           : !strcmp(a, opts[k].sh) || !strcmp(a, opts[k].lo)))
            k++;
        if (k == nopts)
            return -1;
        int rc = apply_opt(&opts[k], argc, argv, &i, base);
        if (rc)
            return rc;
    }
    return 0;
}

/* Flags cfn-guard takes that change nothing here: directories are always read in
 * alphabetical order, and there is no verbose report. */
#define IGNORED_FLAGS                                                                              \
    {"-a", "--alphabetical", OPT_IGNORE, 0}, {"-m", "--last-modified", OPT_IGNORE, 0},             \
    {                                                                                              \
        "-v", "--verbose", OPT_IGNORE, 0                                                           \
    }

/* ---------------------------------------------------------------- validate */

static const char *const rule_exts[] = {"guard", "ruleset", NULL};
static const char *const data_exts[] = {"yaml", "yml", "json", "jsn", "template", NULL};

struct validate_opts {
    struct strv rules, data, params;
    enum guard_format fmt;
    int show;
    bool structured, payload;
};

static const struct opt validate_optv[] = {
    {"-r", "--rules", OPT_LIST, offsetof(struct validate_opts, rules)},
    {"-d", "--data", OPT_LIST, offsetof(struct validate_opts, data)},
    {"-i", "--input-params", OPT_LIST, offsetof(struct validate_opts, params)},
    {"-o", "--output-format", OPT_FMT, offsetof(struct validate_opts, fmt)},
    {"-S", "--show-summary", OPT_SHOW, offsetof(struct validate_opts, show)},
    {"-z", "--structured", OPT_FLAG, offsetof(struct validate_opts, structured)},
    {"-P", "--payload", OPT_FLAG, offsetof(struct validate_opts, payload)},
    IGNORED_FLAGS,
    {"-t", "--type", OPT_IGNORE_VAL, 0},
    {"-h", "--help", OPT_HELP, 0},
};

/* What validate evaluates: the rules texts with their names, the data documents with theirs,
 * and the input parameters (NULL: none given). */
struct inputs {
    struct strv rnames, rtexts, dnames;
    struct guard_doc *data, *params;
};

static void inputs_fini(struct inputs *in)
{
    sv_free(&in->rnames);
    sv_free(&in->rtexts);
    sv_free(&in->dnames);
    guard_doc_free(in->data);
    guard_doc_free(in->params);
}

static void usage_validate(FILE *o)
{
    fprintf(o, "Usage: plumb guard validate -r RULES... -d DATA... [-i PARAMS...] "
               "[-o single-line-summary|json|yaml] [-S all|pass|fail|skip|none] [-z]\n"
               "       plumb guard validate --payload < {\"rules\": [...], \"data\": [...]}\n");
}

/* --payload: {"rules": ["<rules>", ...], "data": ["<data>", ...]} on stdin. */
static int read_payload(struct inputs *in)
{
    struct pl_buf buf;
    struct pl_err err = {0};
    struct guard_payload p;
    char chunk[65536];
    size_t got;
    int rc = -1;
    pl_buf_init(&buf, GUARD_CLI_MAX_INPUT);
    while ((got = fread(chunk, 1, sizeof(chunk), stdin)) > 0)
        if (pl_buf_append(&buf, chunk, got) < 0)
            break;
    if (guard_payload_parse(pl_buf_cstr(&buf), buf.len, &p, &err) < 0) {
        fprintf(stderr, "Error occurred %s\n", err.msg);
        pl_buf_fini(&buf);
        return -1;
    }
    for (size_t i = 0; i < p.nrules; i++) {
        char nm[64];
        if (!p.rules[i])
            goto out;
        snprintf(nm, sizeof(nm), "RULES_STDIN[%zu]", i + 1);
        sv_push(&in->rnames, nm);
        sv_pushn(&in->rtexts, p.rules[i], p.rules_len[i]);
    }
    for (size_t i = 0; i < p.ndata; i++) {
        char nm[64];
        if (!p.data[i])
            goto out;
        snprintf(nm, sizeof(nm), "DATA_STDIN[%zu]", i + 1);
        sv_push(&in->dnames, nm);
        if (guard_doc_add(in->data, p.data[i], p.data_len[i], &err) < 0) {
            data_error(nm, &err);
            goto out;
        }
    }
    rc = 0;
out:
    guard_payload_fini(&p);
    pl_buf_fini(&buf);
    return rc;
}

/* -r and -d: rules and data files (directories expanded). -1 after printing the error. */
static int read_files(const struct validate_opts *vo, struct inputs *in)
{
    struct strv rfiles = {0}, dfiles = {0};
    int rc = -1;
    if (expand_all(&vo->rules, rule_exts, &rfiles) < 0 ||
        expand_all(&vo->data, data_exts, &dfiles) < 0)
        goto out;
    for (size_t i = 0; i < rfiles.n; i++) {
        size_t len;
        char *text = pl_read_file(rfiles.v[i], GUARD_CLI_MAX_INPUT, &len);
        if (!text) {
            fprintf(stderr, "Error occurred The path `%s` cannot be read\n", rfiles.v[i]);
            goto out;
        }
        sv_push(&in->rnames, base_name(rfiles.v[i]));
        sv_pushn(&in->rtexts, text, len);
        free(text);
    }
    for (size_t i = 0; i < dfiles.n; i++) {
        char real[PATH_MAX];
        if (add_data_file(in->data, dfiles.v[i]) < 0)
            goto out;
        sv_push(&in->dnames, realpath(dfiles.v[i], real) ? real : dfiles.v[i]);
    }
    rc = 0;
out:
    sv_free(&rfiles);
    sv_free(&dfiles);
    return rc;
}

/* -i: parameter files, merged into every data document. -1 after printing the error. */
static int read_params(const struct validate_opts *vo, struct inputs *in)
{
    struct strv pfiles = {0};
    int rc = -1;
    if (expand_all(&vo->params, data_exts, &pfiles) < 0)
        goto out;
    if (pfiles.n)
        in->params = guard_doc_new();
    for (size_t i = 0; i < pfiles.n; i++)
        if (add_data_file(in->params, pfiles.v[i]) < 0)
            goto out;
    rc = 0;
out:
    sv_free(&pfiles);
    return rc;
}

/* Parses every rules text into rules[]. 0, or the exit code after printing the error. */
static int parse_all(const struct inputs *in, struct guard_rules **rules)
{
    for (size_t i = 0; i < in->rtexts.n; i++) {
        struct pl_err err = {0};
        if (guard_parse(in->rtexts.v[i], in->rtexts.len[i], in->rnames.v[i], &rules[i], &err) < 0)
            return parse_error(in->rnames.v[i], &err);
    }
    return 0;
}

/* Evaluates rules file r against data document d and prints or collects the report. */
static int validate_one(const struct validate_opts *vo, const struct inputs *in,
                        const struct guard_rules *rules, size_t r, size_t d, struct guard_out *all,
                        bool *anyfail)
{
    struct guard_report rep;
    struct pl_err err = {0};
    const char *data = in->dnames.v[d], *rname = in->rnames.v[r];
    if (guard_eval_params(rules, in->params, in->data, d, &rep, &err) < 0) {
        fprintf(stderr, "Error occurred %s\n", err.msg);
        return EX_ERR;
    }
    *anyfail |= rep.status == GUARD_FAIL;
    if (!(vo->show & GUARD_SHOW_NONE))
        guard_print_summary(stdout, data, rname, &rep, vo->show);
    if (vo->fmt == GUARD_FMT_SINGLE)
        guard_print_single(stdout, data, rname, &rep);
    else if (all)
        guard_out_add(all, data, &rep);
    else
        guard_print_report(stdout, data, &rep, vo->fmt);
    guard_report_fini(&rep);
    return EX_OK;
}

/* As cfn-guard: each rules file against every data file. */
static int validate_all(const struct validate_opts *vo, const struct inputs *in,
                        struct guard_rules **rules)
{
    bool anyfail = false;
    int rc = EX_OK;
    struct guard_out *all = vo->structured ? guard_out_new() : NULL;
    size_t ndata = guard_doc_count(in->data);
    for (size_t r = 0; r < in->rtexts.n && rc == EX_OK; r++)
        for (size_t d = 0; d < ndata && rc == EX_OK; d++)
            rc = validate_one(vo, in, rules[r], r, d, all, &anyfail);
    if (all && rc == EX_OK)
        guard_out_print(stdout, all, vo->fmt);
    guard_out_free(all);
    return rc == EX_OK && anyfail ? EX_FAIL : rc;
}

static int cmd_validate(int argc, char **argv)
{
    struct validate_opts vo = {.fmt = GUARD_FMT_SINGLE, .show = GUARD_SHOW_FAIL};
    struct inputs in = {.data = guard_doc_new()};
    struct guard_rules **rules = NULL;
    int rc = parse_opts(validate_optv, PL_ARRAY_LEN(validate_optv), argc, argv, &vo);
    if (rc > 0) {
        usage_validate(stdout);
        rc = EX_OK;
        goto out;
    }
    if (rc < 0 || (vo.payload ? (vo.rules.n || vo.data.n) : (!vo.rules.n || !vo.data.n))) {
        usage_validate(stderr);
        rc = EX_ERR;
        goto out;
    }
    rc = EX_ERR;
    if ((vo.payload ? read_payload(&in) : read_files(&vo, &in)) < 0 || read_params(&vo, &in) < 0)
        goto out;
    rules = pl_xcalloc(in.rtexts.n + 1, sizeof(*rules));
    if ((rc = parse_all(&in, rules)) != 0)
        goto out;
    if (vo.structured)
        vo.show = GUARD_SHOW_NONE;
    rc = validate_all(&vo, &in, rules);
out:
    if (rules)
        for (size_t i = 0; i < in.rtexts.n; i++)
            guard_rules_free(rules[i]);
    free(rules);
    inputs_fini(&in);
    sv_free(&vo.rules);
    sv_free(&vo.data);
    sv_free(&vo.params);
    return rc;
}

/* ---------------------------------------------------------------- test */

struct test_opts {
    const char *rules, *tests, *dir;
    enum guard_format fmt;
};

static const struct opt test_optv[] = {
    {"-r", "--rules-file", OPT_STR, offsetof(struct test_opts, rules)},
    {"-t", "--test-data", OPT_STR, offsetof(struct test_opts, tests)},
    {"-d", "--dir", OPT_STR, offsetof(struct test_opts, dir)},
    {"-o", "--output-format", OPT_FMT, offsetof(struct test_opts, fmt)},
    IGNORED_FLAGS,
    {"-h", "--help", OPT_HELP, 0},
};

/* Runs test-spec file tpath against rules (read from rpath). EX_OK or EX_ERR after printing. */
static int run_spec(struct guard_rules *rules, const char *rpath, const char *tpath,
                    enum guard_format f, bool *anyfail)
{
    size_t len, bad;
    struct pl_err err = {0};
    char *text = pl_read_file(tpath, GUARD_CLI_MAX_INPUT, &len);
    if (!text) {
        fprintf(stderr, "Error occurred The path `%s` does not exist\n", tpath);
        return EX_ERR;
    }
    struct guard_doc *spec = guard_doc_load(text, len, 1, &err);
    int rc = EX_ERR;
    if (!spec)
        fprintf(stderr, "Error occurred Parser Error when parsing test file %s: %s\n", tpath,
                err.msg);
    else if (guard_test_run(stdout, rules, rpath, spec, f, anyfail, &bad, &err) == 0)
        rc = EX_OK;
    else if (!bad)
        fprintf(stderr, "Error occurred test file %s is not a list of test cases\n", tpath);
    else
        fprintf(stderr, "Error occurred evaluating test case #%zu of %s: %s\n", bad, tpath,
                err.msg);
    guard_doc_free(spec);
    free(text);
    return rc;
}

/* The test file of rules file rpath: x_tests.{yaml,yml,json} in tests/ beside it, or beside it,
 * into tp. False when there is none. */
static bool find_spec(const char *rpath, char *tp, size_t tpsize)
{
    static const char *const sub[] = {"tests/", ""};
    static const char *const ext[] = {"yaml", "yml", "json"};
    char stem[PATH_MAX];
    const char *bn = base_name(rpath);
    size_t dl = (size_t)(bn - rpath);
    snprintf(stem, sizeof(stem), "%s", bn);
    char *dot = strrchr(stem, '.');
    if (dot)
        *dot = 0;
    for (size_t s = 0; s < PL_ARRAY_LEN(sub); s++)
        for (size_t e = 0; e < PL_ARRAY_LEN(ext); e++) {
            struct stat st;
            snprintf(tp, tpsize, "%.*s%s%s_tests.%s", (int)dl, rpath, sub[s], stem, ext[e]);
            if (stat(tp, &st) == 0)
                return true;
        }
    return false;
}

/* test -r RULES -t TESTS */
static int test_file(const char *rpath, const char *tpath, enum guard_format f, bool *anyfail)
{
    struct guard_rules *rules;
    int rc = load_rules(rpath, &rules);
    if (rc != 0)
        return rc;
    rc = run_spec(rules, rpath, tpath, f, anyfail);
    guard_rules_free(rules);
    return rc;
}

/* test -d DIR: each rules file below dir that has a test file. */
static int test_dir(const char *dir, enum guard_format f, bool *anyfail)
{
    struct strv rf = {0};
    if (expand(dir, rule_exts, &rf, 0) < 0)
        return EX_ERR;
    int rc = EX_OK;
    for (size_t i = 0; i < rf.n && rc == EX_OK; i++) {
        char tp[PATH_MAX + 64];
        if (!find_spec(rf.v[i], tp, sizeof(tp)))
            continue;
        printf("Testing Guard File %s\n", rf.v[i]);
        rc = test_file(rf.v[i], tp, f, anyfail);
    }
    sv_free(&rf);
    return rc;
}

static void usage_test(FILE *o)
{
    fprintf(o, "Usage: plumb guard test -r RULES -t TESTS [-o single-line-summary|json|yaml]\n"
               "       plumb guard test -d DIR   (pairs x.guard with tests/x_tests.yaml)\n");
}

static int cmd_test(int argc, char **argv)
{
    struct test_opts to = {.fmt = GUARD_FMT_SINGLE};
    int rc = parse_opts(test_optv, PL_ARRAY_LEN(test_optv), argc, argv, &to);
    if (rc > 0) {
        usage_test(stdout);
        return EX_OK;
    }
    if (rc < 0 || (!to.dir && (!to.rules || !to.tests))) {
        usage_test(stderr);
        return EX_ERR;
    }
    bool anyfail = false;
    rc = to.dir ? test_dir(to.dir, to.fmt, &anyfail)
                : test_file(to.rules, to.tests, to.fmt, &anyfail);
    return rc == EX_OK && anyfail ? EX_TESTFAIL : rc;
}

/* ---------------------------------------------------------------- eval (harness adapter) */

static int cmd_eval(int argc, char **argv)
{
    if (argc == 3 && (!strcmp(argv[2], "-h") || !strcmp(argv[2], "--help"))) {
        printf("usage: plumb guard eval RULES DATA   (prints {\"RULE\": \"PASS|FAIL|SKIP\"})\n");
        return EX_OK;
    }
    if (argc != 4) {
        fprintf(stderr, "usage: plumb guard eval RULES DATA\n");
        return EX_ERR;
    }
    struct guard_rules *rules;
    int rc = load_rules(argv[2], &rules);
    if (rc)
        return rc;
    struct guard_doc *doc = load_data(argv[3], 0);
    if (!doc) {
        guard_rules_free(rules);
        return EX_ERR;
    }
    struct guard_report rep;
    struct pl_err err = {0};
    if (guard_eval(rules, doc, 0, &rep, &err) < 0) {
        fprintf(stderr, "Error occurred %s\n", err.msg);
        rc = EX_ERR;
    } else {
        struct pl_buf b;
        pl_buf_init(&b, PL_BUF_NOLIMIT);
        pl_buf_putc(&b, '{');
        for (size_t i = 0; i < rep.n; i++) {
            bool dupe = false;
            for (size_t k = 0; k < i; k++)
                dupe |= !strcmp(rep.rules[k].name, rep.rules[i].name);
            if (dupe)
                continue;
            if (b.len > 1)
                pl_buf_puts(&b, ", ");
            pl_buf_printf(&b, "\"%s\": \"%s\"", rep.rules[i].name,
                          guard_status_name(rep.rules[i].status));
        }
        pl_buf_puts(&b, "}\n");
        fputs(pl_buf_cstr(&b), stdout);
        pl_buf_fini(&b);
        guard_report_fini(&rep);
    }
    guard_doc_free(doc);
    guard_rules_free(rules);
    return rc;
}

int pl_cli_guard(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "help") || !strcmp(argv[1], "-h") ||
        !strcmp(argv[1], "--help")) {
        FILE *o = argc < 2 ? stderr : stdout;
        fprintf(o, "plumb guard: evaluate AWS CloudFormation Guard rules (cfn-guard 3.x "
                   "compatible)\n\n");
        usage_validate(o);
        usage_test(o);
        fprintf(o,
                "Usage: plumb guard eval RULES DATA   (prints {\"RULE\": \"PASS|FAIL|SKIP\"})\n");
        return argc < 2 ? EX_ERR : EX_OK;
    }
    static const struct {
        const char *name;
        int (*run)(int argc, char **argv);
    } cmds[] = {{"validate", cmd_validate}, {"test", cmd_test}, {"eval", cmd_eval}};
    for (size_t i = 0; i < PL_ARRAY_LEN(cmds); i++)
        if (!strcmp(argv[1], cmds[i].name))
            return cmds[i].run(argc, argv);
    fprintf(stderr, "plumb guard: unknown command '%s' (validate, test, eval, help)\n", argv[1]);
    return EX_ERR;
}
