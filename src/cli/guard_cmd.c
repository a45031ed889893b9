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
 * The CLI is the engine's own front end, so it also uses the private value writers of
 * guard_int.h to print reports in JSON and YAML.
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
#include "guard/guard_int.h"

#define GUARD_CLI_MAX_INPUT ((size_t)1 << 31)

enum { EX_OK = 0, EX_PARSE = 5, EX_TESTFAIL = 7, EX_FAIL = 19, EX_ERR = 255 };
enum fmt { FMT_SINGLE, FMT_JSON, FMT_YAML };
enum { SHOW_PASS = 1, SHOW_FAIL = 2, SHOW_SKIP = 4 };

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

static const char *base_name(const char *p)
{
    const char *s = strrchr(p, '/');
    return s ? s + 1 : p;
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
    if (guard_parse(text, len, base_name(path), out, &err) < 0) {
        free(text);
        if (err.code == PL_E_INVALID_EXPRESSION) { /* unknown function: cfn-guard's exit 255 */
            fprintf(stderr, "Error occurred Parser Error when parsing `%s`\n", err.msg);
            return EX_ERR;
        }
        fprintf(stderr,
                "Parsing error handling rule file = %s, Error = Parser Error when parsing "
                "`Parsing Error Error parsing file %s at %s`\n---\n",
                base_name(path), base_name(path), err.msg);
        return EX_PARSE;
    }
    free(text);
    return 0;
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
        fprintf(stderr,
                "Error occurred Parser Error when parsing `Error encountered while parsing data "
                "file: %s, %s`\n",
                path, err.msg);
    free(text);
    return d;
}

/* ---------------------------------------------------------------- report trees */

static struct guard_val *vstr(struct pl_arena *a, const char *s)
{
    if (!s)
        return guard__val_new(a, GV_NULL);
    struct guard_val *v = guard__val_new(a, GV_STR);
    v->s = pl_arena_strdup(a, s);
    v->n = strlen(s);
    return v;
}

static void mset(struct pl_arena *a, struct guard_val *m, const char *k, struct guard_val *v)
{
    guard__val_push(a, m, k, strlen(k), v);
}

static void yaml_scalar(struct pl_buf *b, const struct guard_val *v)
{
    if (v->t != GV_STR) {
        guard__val_write_json(b, v, -1);
        return;
    }
    bool plain = v->n > 0;
    static const char *const special[] = {"true", "false", "null", "~", "yes", "no", "on", "off"};
    for (size_t i = 0; i < v->n && plain; i++) {
        char c = v->s[i];
        char nx = i + 1 < v->n ? v->s[i + 1] : ' ';
        if ((c == ':' && nx == ' ') || (c == '#' && i > 0 && v->s[i - 1] == ' ') ||
            (unsigned char)c < 0x20)
            plain = false;
        if (i == 0 && strchr("-?[]{},&*!|>%@` ", c))
            plain = false;
    }
    if (plain && (v->s[v->n - 1] == ' '))
        plain = false;
    for (size_t i = 0; i < PL_ARRAY_LEN(special) && plain; i++)
        if (!strcasecmp(v->s, special[i]))
            plain = false;
    if (plain) {
        char *end;
        strtod(v->s, &end);
        if (*end == 0)
            plain = false;
    }
    if (plain) {
        pl_buf_append(b, v->s, v->n);
    } else if (!memchr(v->s, '\'', v->n) && !memchr(v->s, '\n', v->n)) {
        pl_buf_putc(b, '\'');
        pl_buf_append(b, v->s, v->n);
        pl_buf_putc(b, '\'');
    } else {
        guard__val_write_json(b, v, -1);
    }
}

static void yaml_write(struct pl_buf *b, const struct guard_val *v, int ind, bool inlist)
{
    if (v->t == GV_MAP && v->n) {
        for (size_t i = 0; i < v->n; i++) {
            if (i || !inlist)
                for (int k = 0; k < ind; k++)
                    pl_buf_putc(b, ' ');
            struct guard_val key = {.t = GV_STR, .s = v->keys[i], .n = v->klens[i]};
            yaml_scalar(b, &key);
            pl_buf_putc(b, ':');
            const struct guard_val *c = v->items[i];
            if ((c->t == GV_MAP || c->t == GV_LIST) && c->n) {
                pl_buf_putc(b, '\n');
                yaml_write(b, c, c->t == GV_MAP ? ind + 2 : ind, false);
            } else {
                pl_buf_putc(b, ' ');
                yaml_write(b, c, ind, false);
            }
        }
        return;
    }
    if (v->t == GV_LIST && v->n) {
        for (size_t i = 0; i < v->n; i++) {
            for (int k = 0; k < ind; k++)
                pl_buf_putc(b, ' ');
            pl_buf_puts(b, "- ");
            const struct guard_val *c = v->items[i];
            if ((c->t == GV_MAP || c->t == GV_LIST) && c->n)
                yaml_write(b, c, ind + 2, true);
            else
                yaml_write(b, c, ind + 2, true);
        }
        return;
    }
    if (v->t == GV_MAP)
        pl_buf_puts(b, "{}");
    else if (v->t == GV_LIST)
        pl_buf_puts(b, "[]");
    else
        yaml_scalar(b, v);
    pl_buf_putc(b, '\n');
}

static void emit(const struct guard_val *v, enum fmt f)
{
    struct pl_buf b;
    pl_buf_init(&b, PL_BUF_NOLIMIT);
    if (f == FMT_JSON)
        guard__val_write_json(&b, v, 0);
    else
        yaml_write(&b, v, 0, false);
    fwrite(pl_buf_cstr(&b), 1, b.len, stdout); /* JSON without a final newline, as cfn-guard */
    pl_buf_fini(&b);
}

/* ---------------------------------------------------------------- validate */

static void print_summary(const char *data, const char *rname, const struct guard_report *rep,
                          int show)
{
    static const struct {
        int bit;
        enum guard_status st;
        const char *title;
    } sec[] = {{SHOW_SKIP, GUARD_SKIP, "SKIP rules"},
               {SHOW_PASS, GUARD_PASS, "PASS rules"},
               {SHOW_FAIL, GUARD_FAIL, "FAILED rules"}};
    /* cfn-guard prints the table only when it lists at least one rule */
    bool listed = false;
    for (size_t s = 0; s < PL_ARRAY_LEN(sec); s++)
        for (size_t i = 0; i < rep->n; i++)
            listed |= (show & sec[s].bit) && rep->rules[i].status == sec[s].st;
    if (!listed)
        return;
    int width = 0; /* names are padded to the longest one of the file */
    for (size_t i = 0; i < rep->n; i++) {
        int w = (int)(strlen(rname) + 1 + strlen(rep->rules[i].name));
        width = w > width ? w : width;
    }
    printf("%s Status = %s\n", data, guard_status_name(rep->status));
    for (size_t s = 0; s < PL_ARRAY_LEN(sec); s++) {
        if (!(show & sec[s].bit))
            continue;
        bool any = false;
        for (size_t i = 0; i < rep->n; i++) {
            if (rep->rules[i].status != sec[s].st)
                continue;
            if (!any)
                printf("%s\n", sec[s].title);
            any = true;
            int pad = width - (int)(strlen(rname) + 1 + strlen(rep->rules[i].name));
            printf("%s/%s%*s    %s\n", rname, rep->rules[i].name, pad > 0 ? pad : 0, "",
                   guard_status_name(sec[s].st));
        }
    }
    printf("---\n");
}

static char *trimmed(const char *s)
{
    while (*s == ' ' || *s == '\n' || *s == '\t' || *s == '\r')
        s++;
    char *t = pl_xstrdup(s);
    size_t l = strlen(t);
    while (l && strchr(" \n\t\r", t[l - 1]))
        t[--l] = 0;
    return t;
}

static void print_failure(const struct guard_failure *f, const char *ind)
{
    printf("%sCheck =  %s {\n", ind, f->clause);
    if (f->message) {
        char *m = trimmed(f->message);
        printf("%s  Message = %s\n", ind, m);
        free(m);
    }
    if (f->missing) {
        printf("%s  RequiredPropertyError {\n", ind);
        printf("%s    PropertyPath = %s\n", ind, f->path);
        printf("%s    MissingProperty = %s\n", ind, f->missing);
        printf("%s    Reason = Could not find key %s inside struct at path %s\n", ind, f->missing,
               f->path);
        printf("%s  }\n", ind);
    } else if (f->value) {
        printf("%s  ComparisonError {\n", ind);
        printf("%s    Error            = %s\n", ind, f->detail);
        printf("%s    PropertyPath    = %s\n", ind, f->path);
        const char *op = f->op ? f->op : "";
        if (!strcmp(op, "EQUALS"))
            op = "EQUAL";
        else if (!strcmp(op, "NOT EQUALS"))
            op = "NOT EQUAL";
        printf("%s    Operator        = %s\n", ind, op);
        printf("%s    Value           = %s\n", ind, f->value);
        if (f->compared)
            printf("%s    ComparedWith    = %s\n", ind, f->compared);
        printf("%s  }\n", ind);
    } else {
        printf("%s  Error = %s\n", ind, f->detail);
    }
    printf("%s}\n", ind);
}

/* The single-line-summary report after the table, in cfn-guard's two layouts: grouped by
 * resource for templates (every failure located under Resources), else one line per failure. */
static void print_single(const char *data, const char *rname, const struct guard_report *rep)
{
    if (rep->status != GUARD_FAIL)
        return;
    struct strv seen = {0};
    bool all_located = true;
    for (size_t i = 0; i < rep->n; i++)
        for (size_t j = 0; j < rep->rules[i].nfail; j++) {
            const char *r = rep->rules[i].fails[j].resource;
            bool dup = false;
            all_located &= r != NULL;
            for (size_t k = 0; k < seen.n && r && !dup; k++)
                dup = !strcmp(seen.v[k], r);
            if (r && !dup)
                sv_push(&seen, r);
        }
    if (!all_located || !seen.n) {
        printf("Evaluation of rules %s against data %s\n--\n", rname, data);
        for (size_t i = 0; i < rep->n; i++) {
            const struct guard_rule_result *rr = &rep->rules[i];
            for (size_t j = 0; j < rr->nfail; j++) {
                const struct guard_failure *f = &rr->fails[j];
                char *m = f->message ? trimmed(f->message) : pl_xstrdup("");
                if (f->missing)
                    printf("Property traversed until [%s] in data [%s] is not compliant with [%s] "
                           "due to retrieval error. Error Message [%s]\n",
                           f->path, data, rr->name, f->detail);
                else if (f->value)
                    printf("Property [%s] in data [%s] is not compliant with [%s] because "
                           "provided value [%s] did not match expected value [%s]. Error "
                           "Message [%s]\n",
                           f->path, data, rr->name, f->value, f->compared ? f->compared : "", m);
                else
                    printf("Rule [%s] in data [%s] is not compliant: %s. Error Message [%s]\n",
                           rr->name, data, f->detail, m);
                free(m);
            }
        }
        printf("--\n");
        sv_free(&seen);
        return;
    }
    printf("Evaluating data %s against rules %s\n", data, rname);
    printf("Number of non-compliant resources %zu\n", seen.n);
    for (size_t k = 0; k < seen.n; k++) {
        const char *type = NULL;
        for (size_t i = 0; i < rep->n && !type; i++)
            for (size_t j = 0; j < rep->rules[i].nfail && !type; j++)
                if (!strcmp(rep->rules[i].fails[j].resource, seen.v[k]))
                    type = rep->rules[i].fails[j].type;
        printf("Resource = %s {\n  Type      = %s\n", seen.v[k], type ? type : "");
        for (size_t i = 0; i < rep->n; i++) {
            const struct guard_rule_result *rr = &rep->rules[i];
            bool any = false;
            for (size_t j = 0; j < rr->nfail; j++) {
                if (strcmp(rr->fails[j].resource, seen.v[k]))
                    continue;
                if (!any)
                    printf("  Rule = %s {\n    ALL {\n", rr->name);
                any = true;
                print_failure(&rr->fails[j], "      ");
            }
            if (any)
                printf("    }\n  }\n");
        }
        printf("}\n");
    }
    sv_free(&seen);
}

static struct guard_val *report_tree(struct pl_arena *a, const char *data,
                                     const struct guard_report *rep)
{
    struct guard_val *m = guard__val_new(a, GV_MAP);
    mset(a, m, "name", vstr(a, data));
    mset(a, m, "metadata", guard__val_new(a, GV_MAP));
    mset(a, m, "status", vstr(a, guard_status_name(rep->status)));
    struct guard_val *nc = guard__val_new(a, GV_LIST), *na = guard__val_new(a, GV_LIST),
                     *co = guard__val_new(a, GV_LIST);
    for (size_t i = 0; i < rep->n; i++) {
        const struct guard_rule_result *rr = &rep->rules[i];
        if (rr->status == GUARD_PASS) {
            guard__val_push(a, co, NULL, 0, vstr(a, rr->name));
        } else if (rr->status == GUARD_SKIP) {
            guard__val_push(a, na, NULL, 0, vstr(a, rr->name));
        } else {
            struct guard_val *w = guard__val_new(a, GV_MAP), *r = guard__val_new(a, GV_MAP);
            mset(a, r, "name", vstr(a, rr->name));
            mset(a, r, "metadata", guard__val_new(a, GV_MAP));
            struct guard_val *msgs = guard__val_new(a, GV_MAP);
            mset(a, msgs, "custom_message", guard__val_new(a, GV_NULL));
            mset(a, msgs, "error_message", guard__val_new(a, GV_NULL));
            mset(a, r, "messages", msgs);
            struct guard_val *checks = guard__val_new(a, GV_LIST);
            for (size_t j = 0; j < rr->nfail; j++) {
                const struct guard_failure *f = &rr->fails[j];
                struct guard_val *c = guard__val_new(a, GV_MAP), *cl = guard__val_new(a, GV_MAP);
                struct guard_val *cm = guard__val_new(a, GV_MAP);
                mset(a, cl, "context", vstr(a, f->clause));
                char *t = f->message ? trimmed(f->message) : NULL;
                mset(a, cm, "custom_message", vstr(a, t));
                free(t);
                mset(a, cm, "error_message", vstr(a, f->detail));
                mset(a, cl, "messages", cm);
                mset(a, cl, "path", vstr(a, f->path));
                mset(a, c, "Clause", cl);
                guard__val_push(a, checks, NULL, 0, c);
            }
            mset(a, r, "checks", checks);
            mset(a, w, "Rule", r);
            guard__val_push(a, nc, NULL, 0, w);
        }
    }
    mset(a, m, "not_compliant", nc);
    mset(a, m, "not_applicable", na);
    mset(a, m, "compliant", co);
    return m;
}

static int parse_show(const char *s, int *show)
{
    *show = 0;
    while (*s) {
        size_t n = strcspn(s, ",");
        if (n == 3 && !strncmp(s, "all", 3))
            *show |= SHOW_PASS | SHOW_FAIL | SHOW_SKIP;
        else if (n == 4 && !strncmp(s, "pass", 4))
            *show |= SHOW_PASS;
        else if (n == 4 && !strncmp(s, "fail", 4))
            *show |= SHOW_FAIL;
        else if (n == 4 && !strncmp(s, "skip", 4))
            *show |= SHOW_SKIP;
        else if (n == 4 && !strncmp(s, "none", 4))
            *show |= 0x100;
        else
            return -1;
        s += n;
        if (*s == ',')
            s++;
    }
    return 0;
}

static int parse_fmt(const char *s, enum fmt *f)
{
    if (!strcmp(s, "single-line-summary"))
        *f = FMT_SINGLE;
    else if (!strcmp(s, "json"))
        *f = FMT_JSON;
    else if (!strcmp(s, "yaml"))
        *f = FMT_YAML;
    else
        return -1;
    return 0;
}

static const char *const rule_exts[] = {"guard", "ruleset", NULL};
static const char *const data_exts[] = {"yaml", "yml", "json", "jsn", "template", NULL};

static void usage_validate(FILE *o)
{
    fprintf(o, "Usage: plumb guard validate -r RULES... -d DATA... [-i PARAMS...] "
               "[-o single-line-summary|json|yaml] [-S all|pass|fail|skip|none] [-z]\n"
               "       plumb guard validate --payload < {\"rules\": [...], \"data\": [...]}\n");
}

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

/* Loads the first document of a data file into arena a (cfn-guard evaluates only the first
 * document of a YAML stream). NULL after printing cfn-guard's error. */
static struct guard_val *load_root(struct pl_arena *a, const char *name, const char *text,
                                   size_t len)
{
    struct pl_err err = {0};
    struct guard_val **docs;
    size_t n;
    if (guard__load(a, text, len, GUARD_LOAD_DATA, &docs, &n, &err) < 0) {
        fprintf(stderr,
                "Error occurred Parser Error when parsing `Error encountered while parsing data "
                "file: %s, %s`\n",
                name, err.msg);
        return NULL;
    }
    return docs[0];
}

/* A map holding the members of p, then those of d (parameters merged into a data file). */
static struct guard_val *merge_params(struct pl_arena *a, const struct guard_val *p,
                                      const struct guard_val *d)
{
    if (!p || d->t != GV_MAP)
        return (struct guard_val *)d;
    struct guard_val *m = guard__val_new(a, GV_MAP);
    for (size_t i = 0; i < p->n; i++)
        guard__val_push(a, m, p->keys[i], p->klens[i], p->items[i]);
    for (size_t i = 0; i < d->n; i++)
        guard__val_push(a, m, d->keys[i], d->klens[i], d->items[i]);
    /* the members keep their original parents, so report paths stay those of their file */
    for (size_t i = 0; i < m->n; i++)
        m->items[i]->parent = i < p->n ? p : d;
    return m;
}

/* --payload: {"rules": ["<rules>", ...], "data": ["<data>", ...]} on stdin. */
static int read_payload(struct pl_arena *a, struct strv *rnames, struct strv *rtexts,
                        struct strv *dnames, struct guard_val ***roots, size_t *nroots)
{
    struct pl_buf in;
    struct pl_err err = {0};
    char chunk[65536];
    size_t got;
    int rc = -1;
    pl_buf_init(&in, GUARD_CLI_MAX_INPUT);
    while ((got = fread(chunk, 1, sizeof(chunk), stdin)) > 0)
        if (pl_buf_append(&in, chunk, got) < 0)
            break;
    struct guard_val *p;
    if (guard__json_parse(a, pl_buf_cstr(&in), in.len, &p, &err) < 0 || p->t != GV_MAP) {
        fprintf(stderr, "Error occurred the payload must be a JSON object {\"rules\": [...], "
                        "\"data\": [...]}\n");
        goto out;
    }
    const struct guard_val *r = guard__map_get(p, "rules", 5), *d = guard__map_get(p, "data", 4);
    if (!r || !d || r->t != GV_LIST || d->t != GV_LIST) {
        fprintf(stderr, "Error occurred the payload needs \"rules\" and \"data\" lists\n");
        goto out;
    }
    for (size_t i = 0; i < r->n; i++) {
        char nm[64];
        if (r->items[i]->t != GV_STR)
            goto out;
        snprintf(nm, sizeof(nm), "RULES_STDIN[%zu]", i + 1);
        sv_push(rnames, nm);
        sv_pushn(rtexts, r->items[i]->s, r->items[i]->n);
    }
    *roots = pl_arena_alloc(a, (d->n + 1) * sizeof(**roots));
    for (size_t i = 0; i < d->n; i++) {
        char nm[64];
        if (d->items[i]->t != GV_STR)
            goto out;
        snprintf(nm, sizeof(nm), "DATA_STDIN[%zu]", i + 1);
        sv_push(dnames, nm);
        if (!((*roots)[i] = load_root(a, nm, d->items[i]->s, d->items[i]->n)))
            goto out;
    }
    *nroots = d->n;
    rc = 0;
out:
    pl_buf_fini(&in);
    return rc;
}

static int cmd_validate(int argc, char **argv)
{
    struct strv rarg = {0}, darg = {0}, parg = {0}, rfiles = {0}, dfiles = {0}, pfiles = {0};
    struct strv rnames = {0}, rtexts = {0}, dnames = {0};
    struct guard_rules **rules = NULL;
    struct guard_val **roots = NULL, *params = NULL;
    size_t nroots = 0;
    enum fmt f = FMT_SINGLE;
    int show = SHOW_FAIL, rc = EX_ERR;
    bool structured = false, payload = false;
    struct pl_arena a;
    pl_arena_init(&a);
    for (int i = 2; i < argc; i++) {
        const char *s = argv[i], *v;
        if (isopt(s, "-r", "--rules")) {
            if (!(v = optval(argc, argv, &i, "-r", "--rules")))
                goto usage;
            sv_push(&rarg, v);
            while (i + 1 < argc && argv[i + 1][0] != '-')
                sv_push(&rarg, argv[++i]);
        } else if (isopt(s, "-d", "--data")) {
            if (!(v = optval(argc, argv, &i, "-d", "--data")))
                goto usage;
            sv_push(&darg, v);
            while (i + 1 < argc && argv[i + 1][0] != '-')
                sv_push(&darg, argv[++i]);
        } else if (isopt(s, "-i", "--input-params")) {
            if (!(v = optval(argc, argv, &i, "-i", "--input-params")))
                goto usage;
            sv_push(&parg, v);
            while (i + 1 < argc && argv[i + 1][0] != '-')
                sv_push(&parg, argv[++i]);
        } else if (isopt(s, "-o", "--output-format")) {
            if (!(v = optval(argc, argv, &i, "-o", "--output-format")) || parse_fmt(v, &f) < 0)
                goto usage;
        } else if (isopt(s, "-S", "--show-summary")) {
            if (!(v = optval(argc, argv, &i, "-S", "--show-summary")) || parse_show(v, &show) < 0)
                goto usage;
        } else if (!strcmp(s, "-z") || !strcmp(s, "--structured")) {
            structured = true;
        } else if (!strcmp(s, "-P") || !strcmp(s, "--payload")) {
            payload = true;
        } else if (!strcmp(s, "-a") || !strcmp(s, "--alphabetical") || !strcmp(s, "-m") ||
                   !strcmp(s, "--last-modified") || !strcmp(s, "-v") || !strcmp(s, "--verbose")) {
            /* directories are always read in alphabetical order */
        } else if (isopt(s, "-t", "--type")) {
            if (!optval(argc, argv, &i, "-t", "--type"))
                goto usage;
        } else if (!strcmp(s, "-h") || !strcmp(s, "--help")) {
            usage_validate(stdout);
            rc = EX_OK;
            goto out;
        } else {
            goto usage;
        }
    }
    if (payload ? (rarg.n || darg.n) : (!rarg.n || !darg.n))
        goto usage;
    if (payload) {
        if (read_payload(&a, &rnames, &rtexts, &dnames, &roots, &nroots) < 0)
            goto out;
    } else {
        for (size_t i = 0; i < rarg.n; i++)
            if (expand(rarg.v[i], rule_exts, &rfiles, 0) < 0)
                goto out;
        for (size_t i = 0; i < darg.n; i++)
            if (expand(darg.v[i], data_exts, &dfiles, 0) < 0)
                goto out;
        for (size_t i = 0; i < rfiles.n; i++) {
            size_t len;
            char *text = pl_read_file(rfiles.v[i], GUARD_CLI_MAX_INPUT, &len);
            if (!text) {
                fprintf(stderr, "Error occurred The path `%s` cannot be read\n", rfiles.v[i]);
                goto out;
            }
            sv_push(&rnames, base_name(rfiles.v[i]));
            sv_pushn(&rtexts, text, len);
            free(text);
        }
        roots = pl_arena_alloc(&a, (dfiles.n + 1) * sizeof(*roots));
        for (size_t i = 0; i < dfiles.n; i++) {
            size_t len;
            char real[PATH_MAX];
            char *text = pl_read_file(dfiles.v[i], GUARD_CLI_MAX_INPUT, &len);
            if (!text) {
                fprintf(stderr, "Error occurred The path `%s` cannot be read\n", dfiles.v[i]);
                goto out;
            }
            sv_push(&dnames, realpath(dfiles.v[i], real) ? real : dfiles.v[i]);
            roots[i] = load_root(&a, dfiles.v[i], text, len);
            free(text);
            if (!roots[i])
                goto out;
        }
        nroots = dfiles.n;
    }
    for (size_t i = 0; i < parg.n; i++)
        if (expand(parg.v[i], data_exts, &pfiles, 0) < 0)
            goto out;
    if (pfiles.n) {
        params = guard__val_new(&a, GV_MAP);
        for (size_t i = 0; i < pfiles.n; i++) {
            size_t len;
            char *text = pl_read_file(pfiles.v[i], GUARD_CLI_MAX_INPUT, &len);
            if (!text) {
                fprintf(stderr, "Error occurred The path `%s` cannot be read\n", pfiles.v[i]);
                goto out;
            }
            struct guard_val *p = load_root(&a, pfiles.v[i], text, len);
            free(text);
            if (!p)
                goto out;
            if (p->t == GV_MAP)
                params = merge_params(&a, params, p);
        }
    }
    rules = pl_xcalloc(rtexts.n + 1, sizeof(*rules));
    for (size_t i = 0; i < rtexts.n; i++) {
        struct pl_err err = {0};
        if (guard_parse(rtexts.v[i], rtexts.len[i], rnames.v[i], &rules[i], &err) < 0) {
            if (err.code == PL_E_INVALID_EXPRESSION) {
                fprintf(stderr, "Error occurred Parser Error when parsing `%s`\n", err.msg);
                rc = EX_ERR;
            } else {
                fprintf(stderr,
                        "Parsing error handling rule file = %s, Error = Parser Error when "
                        "parsing `Parsing Error Error parsing file %s at %s`\n---\n",
                        rnames.v[i], rnames.v[i], err.msg);
                rc = EX_PARSE;
            }
            goto out;
        }
    }
    if (structured)
        show = 0x100;
    rc = EX_OK;
    bool anyfail = false;
    struct guard_val *all = structured ? guard__val_new(&a, GV_LIST) : NULL;
    /* as cfn-guard: each rules file against every data file */
    for (size_t r = 0; r < rtexts.n && rc == EX_OK; r++) {
        for (size_t d = 0; d < nroots; d++) {
            struct guard_report rep;
            struct pl_err err = {0};
            struct pl_arena ta;
            pl_arena_init(&ta);
            const struct guard_val *root = merge_params(&ta, params, roots[d]);
            if (guard__eval_root(rules[r], root, &rep, &err) < 0) {
                fprintf(stderr, "Error occurred %s\n", err.msg);
                pl_arena_fini(&ta);
                rc = EX_ERR;
                break;
            }
            anyfail |= rep.status == GUARD_FAIL;
            if (!(show & 0x100))
                print_summary(dnames.v[d], rnames.v[r], &rep, show);
            if (f == FMT_SINGLE)
                print_single(dnames.v[d], rnames.v[r], &rep);
            else if (structured)
                guard__val_push(&a, all, NULL, 0, report_tree(&a, dnames.v[d], &rep));
            else
                emit(report_tree(&ta, dnames.v[d], &rep), f);
            guard_report_fini(&rep);
            if (params && roots[d]->t == GV_MAP) /* give the members their parent back */
                for (size_t k = 0; k < roots[d]->n; k++)
                    roots[d]->items[k]->parent = roots[d];
            pl_arena_fini(&ta);
        }
    }
    if (structured && rc == EX_OK)
        emit(all, f == FMT_SINGLE ? FMT_JSON : f);
    if (rc == EX_OK && anyfail)
        rc = EX_FAIL;
    goto out;
usage:
    usage_validate(stderr);
    rc = EX_ERR;
out:
    if (rules)
        for (size_t i = 0; i < rtexts.n; i++)
            guard_rules_free(rules[i]);
    free(rules);
    pl_arena_fini(&a);
    sv_free(&rarg);
    sv_free(&darg);
    sv_free(&parg);
    sv_free(&rfiles);
    sv_free(&dfiles);
    sv_free(&pfiles);
    sv_free(&rnames);
    sv_free(&rtexts);
    sv_free(&dnames);
    return rc;
}

/* ---------------------------------------------------------------- test */

static bool status_of(const struct guard_val *v, enum guard_status *st)
{
    if (!v || v->t != GV_STR)
        return false;
    if (!strcmp(v->s, "PASS"))
        *st = GUARD_PASS;
    else if (!strcmp(v->s, "FAIL"))
        *st = GUARD_FAIL;
    else if (!strcmp(v->s, "SKIP"))
        *st = GUARD_SKIP;
    else
        return false;
    return true;
}

static int run_spec(struct guard_rules *rules, const char *rpath, const char *tpath, enum fmt f,
                    bool *anyfail)
{
    size_t len;
    struct pl_err err = {0};
    struct pl_arena a;
    struct guard_val **docs;
    size_t ndocs;
    int rc = EX_ERR;
    char *text = pl_read_file(tpath, GUARD_CLI_MAX_INPUT, &len);
    if (!text) {
        fprintf(stderr, "Error occurred The path `%s` does not exist\n", tpath);
        return EX_ERR;
    }
    pl_arena_init(&a);
    if (guard__load(&a, text, len, GUARD_LOAD_SPEC, &docs, &ndocs, &err) < 0) {
        fprintf(stderr, "Error occurred Parser Error when parsing test file %s: %s\n", tpath,
                err.msg);
        goto out;
    }
    const struct guard_val *list = docs[0];
    if (list->t != GV_LIST) {
        fprintf(stderr, "Error occurred test file %s is not a list of test cases\n", tpath);
        goto out;
    }
    struct guard_val *cases = guard__val_new(&a, GV_LIST);
    for (size_t i = 0; i < list->n; i++) {
        const struct guard_val *tc = list->items[i];
        const struct guard_val *name = guard__map_get(tc, "name", 4);
        const struct guard_val *input = guard__map_get(tc, "input", 5);
        const struct guard_val *exp =
            guard__map_get(guard__map_get(tc, "expectations", 12), "rules", 5);
        struct guard_val emptymap = {.t = GV_MAP};
        struct guard_report rep;
        if (!input)
            input = &emptymap;
        if (guard__eval_root(rules, input, &rep, &err) < 0) {
            fprintf(stderr, "Error occurred evaluating test case #%zu of %s: %s\n", i + 1, tpath,
                    err.msg);
            goto out;
        }
        struct guard_val *jc = guard__val_new(&a, GV_MAP);
        struct guard_val *jp = guard__val_new(&a, GV_LIST), *jf = guard__val_new(&a, GV_LIST),
                         *js = guard__val_new(&a, GV_LIST);
        struct pl_buf pb, fb, nb;
        pl_buf_init(&pb, PL_BUF_NOLIMIT);
        pl_buf_init(&fb, PL_BUF_NOLIMIT);
        pl_buf_init(&nb, PL_BUF_NOLIMIT);
        /* cfn-guard lists a test case's rules in name order */
        size_t *order = pl_xcalloc(rep.n + 1, sizeof(*order));
        for (size_t r = 0; r < rep.n; r++) {
            size_t k = r;
            while (k > 0 && strcmp(rep.rules[order[k - 1]].name, rep.rules[r].name) > 0) {
                order[k] = order[k - 1];
                k--;
            }
            order[k] = r;
        }
        for (size_t oi = 0; oi < rep.n; oi++) {
            size_t r = order[oi];
            const struct guard_rule_result *rr = &rep.rules[r];
            const char *shown = rr->name;
            enum guard_status want;
            const struct guard_val *ev =
                exp ? guard__map_get(exp, rr->name, strlen(rr->name)) : NULL;
            if (!strcmp(rr->name, "default") && !ev && exp) {
                char *dn = pl_arena_printf(&a, "%s/default", base_name(rpath));
                ev = guard__map_get(exp, dn, strlen(dn));
            }
            bool dupe = oi > 0 && !strcmp(rep.rules[order[oi - 1]].name, rr->name);
            if (dupe)
                continue;
            if (!ev || !status_of(ev, &want)) {
                pl_buf_printf(&nb, "  No Test expectation was set for Rule %s\n", shown);
                struct guard_val *s = guard__val_new(&a, GV_MAP);
                mset(&a, s, "name", vstr(&a, shown));
                guard__val_push(&a, js, NULL, 0, s);
                continue;
            }
            struct guard_val *o = guard__val_new(&a, GV_MAP);
            mset(&a, o, "name", vstr(&a, shown));
            if (want == rr->status) {
                pl_buf_printf(&pb, "    %s: Expected = %s\n", shown, guard_status_name(want));
                mset(&a, o, "evaluated", vstr(&a, guard_status_name(rr->status)));
                guard__val_push(&a, jp, NULL, 0, o);
            } else {
                *anyfail = true;
                pl_buf_printf(&fb, "    %s: Expected = %s, Evaluated = [%s]\n", shown,
                              guard_status_name(want), guard_status_name(rr->status));
                mset(&a, o, "expected", vstr(&a, guard_status_name(want)));
                struct guard_val *el = guard__val_new(&a, GV_LIST);
                guard__val_push(&a, el, NULL, 0, vstr(&a, guard_status_name(rr->status)));
                mset(&a, o, "evaluated", el);
                guard__val_push(&a, jf, NULL, 0, o);
            }
        }
        free(order);
        if (f == FMT_SINGLE) {
            printf("Test Case #%zu\n", i + 1);
            if (name && name->t == GV_STR)
                printf("Name: %s\n", name->s);
            fputs(pl_buf_cstr(&nb), stdout);
            if (fb.len)
                printf("  FAIL Rules:\n%s", pl_buf_cstr(&fb));
            if (pb.len)
                printf("  PASS Rules:\n%s", pl_buf_cstr(&pb));
            printf("\n");
        }
        mset(&a, jc, "name", vstr(&a, name && name->t == GV_STR ? name->s : ""));
        mset(&a, jc, "passed_rules", jp);
        mset(&a, jc, "failed_rules", jf);
        mset(&a, jc, "skipped_rules", js);
        guard__val_push(&a, cases, NULL, 0, jc);
        pl_buf_fini(&pb);
        pl_buf_fini(&fb);
        pl_buf_fini(&nb);
        guard_report_fini(&rep);
    }
    if (f != FMT_SINGLE) {
        struct guard_val *top = guard__val_new(&a, GV_MAP);
        mset(&a, top, "rule_file", vstr(&a, rpath));
        mset(&a, top, "test_cases", cases);
        emit(top, f);
    }
    rc = EX_OK;
out:
    pl_arena_fini(&a);
    free(text);
    return rc;
}

static void usage_test(FILE *o)
{
    fprintf(o, "Usage: plumb guard test -r RULES -t TESTS [-o single-line-summary|json|yaml]\n"
               "       plumb guard test -d DIR   (pairs x.guard with tests/x_tests.yaml)\n");
}

static int cmd_test(int argc, char **argv)
{
    const char *rpath = NULL, *tpath = NULL, *dir = NULL;
    enum fmt f = FMT_SINGLE;
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        if (isopt(a, "-r", "--rules-file")) {
            if (!(rpath = optval(argc, argv, &i, "-r", "--rules-file")))
                goto usage;
        } else if (isopt(a, "-t", "--test-data")) {
            if (!(tpath = optval(argc, argv, &i, "-t", "--test-data")))
                goto usage;
        } else if (isopt(a, "-d", "--dir")) {
            if (!(dir = optval(argc, argv, &i, "-d", "--dir")))
                goto usage;
        } else if (isopt(a, "-o", "--output-format")) {
            const char *v = optval(argc, argv, &i, "-o", "--output-format");
            if (!v || parse_fmt(v, &f) < 0)
                goto usage;
        } else if (!strcmp(a, "-a") || !strcmp(a, "--alphabetical") || !strcmp(a, "-m") ||
                   !strcmp(a, "--last-modified") || !strcmp(a, "-v") || !strcmp(a, "--verbose")) {
        } else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            usage_test(stdout);
            return EX_OK;
        } else {
            goto usage;
        }
    }
    bool anyfail = false;
    int rc;
    if (dir) {
        /* each x.guard with a test file named x_tests.{yaml,yml,json} beside it or in tests/ */
        struct strv rf = {0};
        if (expand(dir, rule_exts, &rf, 0) < 0)
            return EX_ERR;
        rc = EX_OK;
        for (size_t i = 0; i < rf.n && rc == EX_OK; i++) {
            static const char *const sub[] = {"tests/", ""};
            static const char *const ext[] = {"yaml", "yml", "json"};
            char stem[PATH_MAX], tp[PATH_MAX + 64];
            const char *bn = base_name(rf.v[i]);
            size_t dl = (size_t)(bn - rf.v[i]);
            snprintf(stem, sizeof(stem), "%s", bn);
            char *dot = strrchr(stem, '.');
            if (dot)
                *dot = 0;
            bool found = false;
            for (size_t s = 0; s < 2 && !found; s++)
                for (size_t e = 0; e < 3 && !found; e++) {
                    snprintf(tp, sizeof(tp), "%.*s%s%s_tests.%s", (int)dl, rf.v[i], sub[s], stem,
                             ext[e]);
                    struct stat st;
                    found = stat(tp, &st) == 0;
                }
            if (!found)
                continue;
            struct guard_rules *rules;
            printf("Testing Guard File %s\n", rf.v[i]);
            if ((rc = load_rules(rf.v[i], &rules)) != 0)
                break;
            rc = run_spec(rules, rf.v[i], tp, f, &anyfail);
            guard_rules_free(rules);
        }
        sv_free(&rf);
    } else {
        if (!rpath || !tpath)
            goto usage;
        struct guard_rules *rules;
        if ((rc = load_rules(rpath, &rules)) != 0)
            return rc;
        rc = run_spec(rules, rpath, tpath, f, &anyfail);
        guard_rules_free(rules);
    }
    if (rc == EX_OK && anyfail)
        rc = EX_TESTFAIL;
    return rc;
usage:
    usage_test(stderr);
    return EX_ERR;
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
    if (!strcmp(argv[1], "validate"))
        return cmd_validate(argc, argv);
    if (!strcmp(argv[1], "test"))
        return cmd_test(argc, argv);
    if (!strcmp(argv[1], "eval"))
        return cmd_eval(argc, argv);
    fprintf(stderr, "plumb guard: unknown command '%s' (validate, test, eval, help)\n", argv[1]);
    return EX_ERR;
}
