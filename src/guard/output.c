/* output.c — the reports cfn-guard 3.1.1 prints, for the CLI: the summary table (-S), the
 * single-line-summary report, and the JSON / YAML report trees (-o json|yaml, one tree per
 * (data, rules) pair or, with -z, one list of them).
 *
 * Report trees are guard values built in an arena and written by value.c's JSON writer or the
 * YAML writer here (block style, cfn-guard's quoting of scalars). The formats are cfn-guard's,
 * byte for byte: tests compare them with the real binary's.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/util.h"
#include "guard/guard_int.h"

struct guard_out {
    struct pl_arena arena;
    struct guard_val *list; /* report trees, in the order added */
};

/* ---------------------------------------------------------------- option words */

int guard_format_parse(const char *s, enum guard_format *f)
{
    static const struct {
        const char *name;
        enum guard_format f;
    } fmts[] = {{"single-line-summary", GUARD_FMT_SINGLE},
                {"json", GUARD_FMT_JSON},
                {"yaml", GUARD_FMT_YAML}};
    for (size_t i = 0; i < PL_ARRAY_LEN(fmts); i++)
        if (!strcmp(s, fmts[i].name)) {
            *f = fmts[i].f;
            return 0;
        }
    return -1;
}

int guard_show_parse(const char *s, int *show)
{
    static const struct {
        const char *word;
        int bits;
    } words[] = {{"all", GUARD_SHOW_PASS | GUARD_SHOW_FAIL | GUARD_SHOW_SKIP},
                 {"pass", GUARD_SHOW_PASS},
                 {"fail", GUARD_SHOW_FAIL},
                 {"skip", GUARD_SHOW_SKIP},
                 {"none", GUARD_SHOW_NONE}};
    *show = 0;
    while (*s) {
        size_t n = strcspn(s, ","), w = 0;
        while (w < PL_ARRAY_LEN(words) &&
               !(strlen(words[w].word) == n && !strncmp(s, words[w].word, n)))
            w++;
        if (w == PL_ARRAY_LEN(words))
            return -1;
        *show |= words[w].bits;
        s += n;
        if (*s == ',')
            s++;
    }
    return 0;
}

/* ---------------------------------------------------------------- text helpers */

/* s without leading and trailing white space; the caller frees it. */
char *guard__trimmed(const char *s)
{
    while (*s == ' ' || *s == '\n' || *s == '\t' || *s == '\r')
        s++;
    char *t = pl_xstrdup(s);
    size_t l = strlen(t);
    while (l && strchr(" \n\t\r", t[l - 1]))
        t[--l] = 0;
    return t;
}

/* ---------------------------------------------------------------- summary table */

static const struct {
    int bit;
    enum guard_status st;
    const char *title;
} sections[] = {{GUARD_SHOW_SKIP, GUARD_SKIP, "SKIP rules"},
                {GUARD_SHOW_PASS, GUARD_PASS, "PASS rules"},
                {GUARD_SHOW_FAIL, GUARD_FAIL, "FAILED rules"}};

static bool summary_lists_any(const struct guard_report *rep, int show)
{
    bool listed = false;
    for (size_t s = 0; s < PL_ARRAY_LEN(sections); s++)
        for (size_t i = 0; i < rep->n; i++)
            listed |= (show & sections[s].bit) && rep->rules[i].status == sections[s].st;
    return listed;
}

/* One section of the table: its title, then "rules/NAME<pad>    STATUS" per rule in it. */
static void summary_section(FILE *o, const char *rname, const struct guard_report *rep, size_t s,
                            int width)
{
    bool any = false;
    for (size_t i = 0; i < rep->n; i++) {
        if (rep->rules[i].status != sections[s].st)
            continue;
        if (!any)
            fprintf(o, "%s\n", sections[s].title);
        any = true;
        int pad = width - (int)(strlen(rname) + 1 + strlen(rep->rules[i].name));
        fprintf(o, "%s/%s%*s    %s\n", rname, rep->rules[i].name, pad > 0 ? pad : 0, "",
                guard_status_name(sections[s].st));
    }
}

void guard_print_summary(FILE *o, const char *data, const char *rname,
                         const struct guard_report *rep, int show)
{
    /* cfn-guard prints the table only when it lists at least one rule */
    if (!summary_lists_any(rep, show))
        return;
    int width = 0; /* names are padded to the longest one of the file */
    for (size_t i = 0; i < rep->n; i++) {
        int w = (int)(strlen(rname) + 1 + strlen(rep->rules[i].name));
        width = w > width ? w : width;
    }
    fprintf(o, "%s Status = %s\n", data, guard_status_name(rep->status));
    for (size_t s = 0; s < PL_ARRAY_LEN(sections); s++)
        if (show & sections[s].bit)
            summary_section(o, rname, rep, s, width);
    fprintf(o, "---\n");
}

/* ---------------------------------------------------------------- single-line-summary */

static void print_failure(FILE *o, const struct guard_failure *f, const char *ind)
{
    fprintf(o, "%sCheck =  %s {\n", ind, f->clause);
    if (f->message) {
        char *m = guard__trimmed(f->message);
        fprintf(o, "%s  Message = %s\n", ind, m);
        free(m);
    }
    if (f->missing) {
        fprintf(o, "%s  RequiredPropertyError {\n", ind);
        fprintf(o, "%s    PropertyPath = %s\n", ind, f->path);
        fprintf(o, "%s    MissingProperty = %s\n", ind, f->missing);
        fprintf(o, "%s    Reason = Could not find key %s inside struct at path %s\n", ind,
                f->missing, f->path);
        fprintf(o, "%s  }\n", ind);
    } else if (f->value) {
        fprintf(o, "%s  ComparisonError {\n", ind);
        fprintf(o, "%s    Error            = %s\n", ind, f->detail);
        fprintf(o, "%s    PropertyPath    = %s\n", ind, f->path);
        const char *op = f->op ? f->op : "";
        if (!strcmp(op, "EQUALS"))
            op = "EQUAL";
        else if (!strcmp(op, "NOT EQUALS"))
            op = "NOT EQUAL";
        fprintf(o, "%s    Operator        = %s\n", ind, op);
        fprintf(o, "%s    Value           = %s\n", ind, f->value);
        if (f->compared)
            fprintf(o, "%s    ComparedWith    = %s\n", ind, f->compared);
        fprintf(o, "%s  }\n", ind);
    } else {
        fprintf(o, "%s  Error = %s\n", ind, f->detail);
    }
    fprintf(o, "%s}\n", ind);
}

/* The resources the failures of rep are located in, first-seen order, into *seen (array of
 * borrowed names, the caller frees the array). False when some failure is not under Resources. */
static bool failing_resources(const struct guard_report *rep, const char ***seen, size_t *n)
{
    bool all_located = true;
    *seen = NULL;
    *n = 0;
    for (size_t i = 0; i < rep->n; i++)
        for (size_t j = 0; j < rep->rules[i].nfail; j++) {
            const char *r = rep->rules[i].fails[j].resource;
            bool dup = false;
            all_located &= r != NULL;
            for (size_t k = 0; k < *n && r && !dup; k++)
                dup = !strcmp((*seen)[k], r);
            if (r && !dup) {
                *seen = pl_xrealloc(*seen, (*n + 1) * sizeof(**seen));
                (*seen)[(*n)++] = r;
            }
        }
    return all_located;
}

/* One line per failure: the layout for data that is not a template. */
static void print_lines(FILE *o, const char *data, const char *rname,
                        const struct guard_report *rep)
{
    fprintf(o, "Evaluation of rules %s against data %s\n--\n", rname, data);
    for (size_t i = 0; i < rep->n; i++) {
        const struct guard_rule_result *rr = &rep->rules[i];
        for (size_t j = 0; j < rr->nfail; j++) {
            const struct guard_failure *f = &rr->fails[j];
            char *m = f->message ? guard__trimmed(f->message) : pl_xstrdup("");
            if (f->missing)
                fprintf(o,
                        "Property traversed until [%s] in data [%s] is not compliant with [%s] "
                        "due to retrieval error. Error Message [%s]\n",
                        f->path, data, rr->name, f->detail);
            else if (f->value)
                fprintf(o,
                        "Property [%s] in data [%s] is not compliant with [%s] because "
                        "provided value [%s] did not match expected value [%s]. Error "
                        "Message [%s]\n",
                        f->path, data, rr->name, f->value, f->compared ? f->compared : "", m);
            else
                fprintf(o, "Rule [%s] in data [%s] is not compliant: %s. Error Message [%s]\n",
                        rr->name, data, f->detail, m);
            free(m);
        }
    }
    fprintf(o, "--\n");
}

/* One resource's block: its type, then each rule's failures located in it. */
static void print_resource(FILE *o, const struct guard_report *rep, const char *res)
{
    const char *type = NULL;
    for (size_t i = 0; i < rep->n && !type; i++)
        for (size_t j = 0; j < rep->rules[i].nfail && !type; j++)
            if (!strcmp(rep->rules[i].fails[j].resource, res))
                type = rep->rules[i].fails[j].type;
    fprintf(o, "Resource = %s {\n  Type      = %s\n", res, type ? type : "");
    for (size_t i = 0; i < rep->n; i++) {
        const struct guard_rule_result *rr = &rep->rules[i];
        bool any = false;
        for (size_t j = 0; j < rr->nfail; j++) {
            if (strcmp(rr->fails[j].resource, res))
                continue;
            if (!any)
                fprintf(o, "  Rule = %s {\n    ALL {\n", rr->name);
            any = true;
            print_failure(o, &rr->fails[j], "      ");
        }
        if (any)
            fprintf(o, "    }\n  }\n");
    }
    fprintf(o, "}\n");
}

void guard_print_single(FILE *o, const char *data, const char *rname,
                        const struct guard_report *rep)
{
    if (rep->status != GUARD_FAIL)
        return;
    const char **seen;
    size_t n;
    if (!failing_resources(rep, &seen, &n) || !n) {
        print_lines(o, data, rname, rep);
    } else {
        fprintf(o, "Evaluating data %s against rules %s\n", data, rname);
        fprintf(o, "Number of non-compliant resources %zu\n", n);
        for (size_t k = 0; k < n; k++)
            print_resource(o, rep, seen[k]);
    }
    free(seen);
}

/* ---------------------------------------------------------------- report trees */

struct guard_val *guard__tree_str(struct pl_arena *a, const char *s)
{
    if (!s)
        return guard__val_new(a, GV_NULL);
    struct guard_val *v = guard__val_new(a, GV_STR);
    v->s = pl_arena_strdup(a, s);
    v->n = strlen(s);
    return v;
}

void guard__tree_set(struct pl_arena *a, struct guard_val *m, const char *k, struct guard_val *v)
{
    guard__val_push(a, m, k, strlen(k), v);
}

/* {"Clause": {"context", "messages": {custom_message, error_message}, "path"}} */
static struct guard_val *check_tree(struct pl_arena *a, const struct guard_failure *f)
{
    struct guard_val *c = guard__val_new(a, GV_MAP), *cl = guard__val_new(a, GV_MAP);
    struct guard_val *cm = guard__val_new(a, GV_MAP);
    guard__tree_set(a, cl, "context", guard__tree_str(a, f->clause));
    char *t = f->message ? guard__trimmed(f->message) : NULL;
    guard__tree_set(a, cm, "custom_message", guard__tree_str(a, t));
    free(t);
    guard__tree_set(a, cm, "error_message", guard__tree_str(a, f->detail));
    guard__tree_set(a, cl, "messages", cm);
    guard__tree_set(a, cl, "path", guard__tree_str(a, f->path));
    guard__tree_set(a, c, "Clause", cl);
    return c;
}

/* {"Rule": {name, metadata, messages, checks}} for a failing rule. */
static struct guard_val *failed_rule_tree(struct pl_arena *a, const struct guard_rule_result *rr)
{
    struct guard_val *w = guard__val_new(a, GV_MAP), *r = guard__val_new(a, GV_MAP);
    guard__tree_set(a, r, "name", guard__tree_str(a, rr->name));
    guard__tree_set(a, r, "metadata", guard__val_new(a, GV_MAP));
    struct guard_val *msgs = guard__val_new(a, GV_MAP);
    guard__tree_set(a, msgs, "custom_message", guard__val_new(a, GV_NULL));
    guard__tree_set(a, msgs, "error_message", guard__val_new(a, GV_NULL));
    guard__tree_set(a, r, "messages", msgs);
    struct guard_val *checks = guard__val_new(a, GV_LIST);
    for (size_t j = 0; j < rr->nfail; j++)
        guard__val_push(a, checks, NULL, 0, check_tree(a, &rr->fails[j]));
    guard__tree_set(a, r, "checks", checks);
    guard__tree_set(a, w, "Rule", r);
    return w;
}

static struct guard_val *report_tree(struct pl_arena *a, const char *data,
                                     const struct guard_report *rep)
{
    struct guard_val *m = guard__val_new(a, GV_MAP);
    guard__tree_set(a, m, "name", guard__tree_str(a, data));
    guard__tree_set(a, m, "metadata", guard__val_new(a, GV_MAP));
    guard__tree_set(a, m, "status", guard__tree_str(a, guard_status_name(rep->status)));
    struct guard_val *nc = guard__val_new(a, GV_LIST), *na = guard__val_new(a, GV_LIST),
                     *co = guard__val_new(a, GV_LIST);
    for (size_t i = 0; i < rep->n; i++) {
        const struct guard_rule_result *rr = &rep->rules[i];
        if (rr->status == GUARD_PASS)
            guard__val_push(a, co, NULL, 0, guard__tree_str(a, rr->name));
        else if (rr->status == GUARD_SKIP)
            guard__val_push(a, na, NULL, 0, guard__tree_str(a, rr->name));
        else
            guard__val_push(a, nc, NULL, 0, failed_rule_tree(a, rr));
    }
    guard__tree_set(a, m, "not_compliant", nc);
    guard__tree_set(a, m, "not_applicable", na);
    guard__tree_set(a, m, "compliant", co);
    return m;
}

/* ---------------------------------------------------------------- YAML writer */

/* Whether string v can be written as a plain YAML scalar (cfn-guard's serializer's rules). */
static bool yaml_plain(const struct guard_val *v)
{
    static const char *const special[] = {"true", "false", "null", "~", "yes", "no", "on", "off"};
    bool plain = v->n > 0;
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
    return plain;
}

static void yaml_scalar(struct pl_buf *b, const struct guard_val *v)
{
    if (v->t == GV_STR && yaml_plain(v)) {
        pl_buf_append(b, v->s, v->n);
    } else if (v->t == GV_STR && !memchr(v->s, '\'', v->n) && !memchr(v->s, '\n', v->n)) {
        pl_buf_putc(b, '\'');
        pl_buf_append(b, v->s, v->n);
        pl_buf_putc(b, '\'');
    } else {
        guard__val_write_json(b, v, -1);
    }
}

static void indent(struct pl_buf *b, int ind)
{
    for (int k = 0; k < ind; k++)
        pl_buf_putc(b, ' ');
}

static void yaml_write(struct pl_buf *b, const struct guard_val *v, int ind, bool inlist);

static void yaml_map(struct pl_buf *b, const struct guard_val *v, int ind, bool inlist)
{
    for (size_t i = 0; i < v->n; i++) {
        if (i || !inlist)
            indent(b, ind);
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
}

static void yaml_write(struct pl_buf *b, const struct guard_val *v, int ind, bool inlist)
{
    if (v->t == GV_MAP && v->n) {
        yaml_map(b, v, ind, inlist);
        return;
    }
    if (v->t == GV_LIST && v->n) {
        for (size_t i = 0; i < v->n; i++) {
            indent(b, ind);
            pl_buf_puts(b, "- ");
            yaml_write(b, v->items[i], ind + 2, true);
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

void guard__tree_print(FILE *o, const struct guard_val *v, enum guard_format f)
{
    struct pl_buf b;
    pl_buf_init(&b, PL_BUF_NOLIMIT);
    if (f == GUARD_FMT_JSON)
        guard__val_write_json(&b, v, 0);
    else
        yaml_write(&b, v, 0, false);
    fwrite(pl_buf_cstr(&b), 1, b.len, o); /* JSON without a final newline, as cfn-guard */
    pl_buf_fini(&b);
}

/* ---------------------------------------------------------------- public trees */

void guard_print_report(FILE *o, const char *data, const struct guard_report *rep,
                        enum guard_format f)
{
    struct pl_arena a;
    pl_arena_init(&a);
    guard__tree_print(o, report_tree(&a, data, rep), f);
    pl_arena_fini(&a);
}

struct guard_out *guard_out_new(void)
{
    struct guard_out *o = pl_xcalloc(1, sizeof(*o));
    pl_arena_init(&o->arena);
    o->list = guard__val_new(&o->arena, GV_LIST);
    return o;
}

void guard_out_add(struct guard_out *o, const char *data, const struct guard_report *rep)
{
    guard__val_push(&o->arena, o->list, NULL, 0, report_tree(&o->arena, data, rep));
}

void guard_out_print(FILE *f, const struct guard_out *o, enum guard_format fmt)
{
    guard__tree_print(f, o->list, fmt == GUARD_FMT_SINGLE ? GUARD_FMT_JSON : fmt);
}

void guard_out_free(struct guard_out *o)
{
    if (!o)
        return;
    pl_arena_fini(&o->arena);
    free(o);
}
