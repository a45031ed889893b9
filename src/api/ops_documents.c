/* ops_documents.c — plumb's stand-in for the SSM documents PutConformancePack reads with
 * TemplateSSMDocumentDetails: conformance pack templates registered with plumb, versioned as SSM
 * versions a document (docs/packs.md "Templates as SSM documents").
 *
 *   PlumbService.PutDocument {Name*, Content*, SetAsDefault} -> {Name, DocumentVersion,
 *       LatestVersion, DefaultVersion, DocumentType}   a new version ("1", "2", ...); the first
 *       one is the default version, as in SSM; SetAsDefault makes the new one the default
 *   PlumbService.GetDocument {Name*, DocumentVersion} -> {Name, DocumentVersion, DocumentType,
 *       Content, CreatedDate}                          DocumentVersion as PutConformancePack
 *       takes it: absent or $LATEST the latest, $DEFAULT the default, else a number
 *   PlumbService.ListDocuments {} -> {Documents: [{Name, LatestVersion, DefaultVersion,
 *       DocumentType, CreatedDate}]}
 *   PlumbService.DeleteDocument {Name*} -> {}          every version
 *
 * Names follow SSM's CreateDocument (3-128 of A-Z a-z 0-9 _ - .; not starting with aws,
 * amazon or amzn: those are AWS's); Content is at most 300 KB, as a TemplateS3Uri template.
 * Stored per (account, region): kind "PlumbDocument" (name = document name: the head, {Name,
 * LatestVersion, DefaultVersion, CreatedDate}) and "PlumbDocumentVersion" (name =
 * "NAME/VERSION": {Content, CreatedDate}).
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "api/ops_documents.h"
#include "core/time.h"
#include "store/store.h"

#define KIND_DOC     "PlumbDocument"
#define KIND_VERSION "PlumbDocumentVersion"
#define DOC_TYPE     "ConformancePackTemplate"
#define CONTENT_MAX  (300 * 1024)
#define DOC_NAME_MIN 3
#define DOC_NAME_MAX 128

static bool name_ok(const char *n)
{
    size_t len = n ? strlen(n) : 0;
    if (len < DOC_NAME_MIN || len > DOC_NAME_MAX ||
        strspn(n, "abcdefghijklmnopqrstuvwxyz"
                  "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                  "0123456789_-.") != len)
        return false;
    return strncasecmp(n, "aws", 3) != 0 && strncasecmp(n, "amazon", 6) != 0 &&
           strncasecmp(n, "amzn", 4) != 0;
}

/* The request's Name, checked (ValidationException). */
static int need_name(struct pl_op_ctx *c, const char **name)
{
    const struct pl_json *j = pl_json_get(c->in, "Name");
    *name = j && j->type == PL_JSTR ? j->str : NULL;
    if (!name_ok(*name))
        return pl_fail(c->err, PL_E_VALIDATION,
                       "Name must be 3 to 128 characters of A-Z, a-z, 0-9, '_', '-' and '.', "
                       "and not start with aws, amazon or amzn");
    return 0;
}

static const char *version_key(struct pl_op_ctx *c, const char *name, int64_t v)
{
    return pl_arena_printf(c->a, "%s/%lld", name, (long long)v);
}

static int64_t head_int(const struct pl_json *head, const char *key)
{
    int64_t v = 0;
    pl_json_i64(pl_json_get(head, key), &v);
    return v;
}

static struct pl_json *head_out(struct pl_op_ctx *c, const struct pl_json *head)
{
    struct pl_json *o = pl_json_new_obj(c->a);
    pl_json_set_str(c->a, o, "Name", pl_json_get_str(head, "Name"));
    pl_json_set_str(c->a, o, "LatestVersion",
                    pl_arena_printf(c->a, "%lld", (long long)head_int(head, "LatestVersion")));
    pl_json_set_str(c->a, o, "DefaultVersion",
                    pl_arena_printf(c->a, "%lld", (long long)head_int(head, "DefaultVersion")));
    pl_json_set_str(c->a, o, "DocumentType", DOC_TYPE);
    pl_json_set(c->a, o, "CreatedDate", pl_json_new_epoch_ms(c->a, head_int(head, "CreatedDate")));
    return o;
}

static int put_document(struct pl_op_ctx *c)
{
    const char *name;
    const struct pl_json *content = pl_json_get(c->in, "Content");
    struct pl_json *head;
    if (need_name(c, &name) < 0)
        return -1;
    if (!content || content->type != PL_JSTR || !content->len || content->len > CONTENT_MAX)
        return pl_fail(c->err, PL_E_VALIDATION, "Content must be a template of 1 to %d characters",
                       CONTENT_MAX);
    if (pl_store_begin(c->st, c->err) < 0)
        return -1;
    int f = pl_obj_load(c, KIND_DOC, name, &head);
    int64_t now = pl_now_ms();
    if (f == 0) {
        head = pl_json_new_obj(c->a);
        pl_json_set_str(c->a, head, "Name", name);
        pl_json_set_i64(c->a, head, "CreatedDate", now);
        pl_json_set_i64(c->a, head, "DefaultVersion", 1);
    }
    int64_t v = f > 0 ? head_int(head, "LatestVersion") + 1 : 1;
    pl_json_set_i64(c->a, head, "LatestVersion", v);
    if (pl_in_bool(c->in, "SetAsDefault", false))
        pl_json_set_i64(c->a, head, "DefaultVersion", v);
    struct pl_json *ver = pl_json_new_obj(c->a);
    pl_json_set(c->a, ver, "Content", pl_json_clone(c->a, content));
    pl_json_set_i64(c->a, ver, "CreatedDate", now);
    if (f < 0 || pl_obj_save(c, KIND_VERSION, version_key(c, name, v), ver) < 0 ||
        pl_obj_save(c, KIND_DOC, name, head) < 0 || pl_store_commit(c->st, c->err) < 0) {
        pl_store_rollback(c->st);
        return -1;
    }
    *c->out = *head_out(c, head); /* its members become the response's */
    pl_json_set_str(c->a, c->out, "DocumentVersion", pl_arena_printf(c->a, "%lld", (long long)v));
    return 0;
}

/* The version a DocumentVersion names in head (absent/$LATEST, $DEFAULT, a number), or 0. */
static int64_t pick_version(const struct pl_json *head, const char *want)
{
    int64_t latest = head_int(head, "LatestVersion"), v = 0;
    if (!want || strcmp(want, "$LATEST") == 0)
        return latest;
    if (strcmp(want, "$DEFAULT") == 0)
        return head_int(head, "DefaultVersion");
    for (const char *p = want; *p; p++) {
        if (*p < '0' || *p > '9' || v > latest)
            return 0;
        v = v * 10 + (*p - '0');
    }
    return v <= latest ? v : 0;
}

int pl_ops__document_content(struct pl_op_ctx *c, const char *account, const char *region,
                             const char *name, const char *want, const char **content,
                             const char **version)
{
    struct pl_op_ctx in = *c;
    struct pl_json *head, *ver;
    in.account = account;
    in.region = region;
    int f = pl_obj_load(&in, KIND_DOC, name, &head);
    if (f < 0)
        return -1;
    if (f == 0)
        return pl_fail(c->err, PL_E_CONFORMANCE_PACK_TEMPLATE_VALIDATION,
                       "The SSM document %s does not exist in account %s, Region %s (register "
                       "it with PlumbService.PutDocument or `plumb pack document add`).",
                       name, account, region);
    int64_t v = pick_version(head, want);
    if (v > 0 && (f = pl_obj_load(&in, KIND_VERSION, version_key(c, name, v), &ver)) < 0)
        return -1;
    if (v <= 0 || f == 0)
        return pl_fail(c->err, PL_E_CONFORMANCE_PACK_TEMPLATE_VALIDATION,
                       "The SSM document %s has no version %s (latest: %lld).", name, want,
                       (long long)head_int(head, "LatestVersion"));
    *content = pl_json_get_str(ver, "Content");
    *version = pl_arena_printf(c->a, "%lld", (long long)v);
    return 0;
}

int pl_ops__document_template(struct pl_op_ctx *c, const struct pl_json *details, const char **body)
{
    const char *name = pl_json_get_str(details, "DocumentName");
    const char *want = pl_json_get_str(details, "DocumentVersion");
    const char *account = c->account, *region = c->region, *version;
    if (name && strncmp(name, "arn:", 4) == 0) { /* arn:PARTITION:ssm:REGION:ACCOUNT:document/N */
        char part[32], reg[32], acct[16], doc[DOC_NAME_MAX + 1];
        if (sscanf(name, "arn:%31[^:]:ssm:%31[^:]:%15[^:]:document/%128s", part, reg, acct, doc) !=
            4)
            return pl_fail(c->err, PL_E_VALIDATION,
                           "DocumentName '%s' is neither a document name nor an SSM document ARN",
                           name);
        if (strcmp(acct, c->account) != 0)
            return pl_fail(c->err, PL_E_CONFORMANCE_PACK_TEMPLATE_VALIDATION,
                           "The SSM document %s belongs to account %s and is not shared with "
                           "account %s.",
                           name, acct, c->account);
        account = c->account;
        region = pl_arena_strdup(c->a, reg);
        name = pl_arena_strdup(c->a, doc);
    }
    if (!name)
        return pl_fail(c->err, PL_E_VALIDATION, "TemplateSSMDocumentDetails needs DocumentName");
    return pl_ops__document_content(c, account, region, name, want, body, &version);
}

static int get_document(struct pl_op_ctx *c)
{
    const char *name, *content, *version;
    const struct pl_json *want = pl_json_get(c->in, "DocumentVersion");
    if (need_name(c, &name) < 0)
        return -1;
    if (want && want->type != PL_JSTR)
        return pl_fail(c->err, PL_E_VALIDATION, "DocumentVersion must be a string");
    if (pl_ops__document_content(c, c->account, c->region, name, want ? want->str : NULL, &content,
                                 &version) < 0) {
        if (c->err->code == PL_E_CONFORMANCE_PACK_TEMPLATE_VALIDATION) {
            const char *msg = pl_arena_strdup(c->a, pl_err_msg(c->err));
            pl_err_clear(c->err);
            return pl_fail(c->err, PL_E_RESOURCE_NOT_FOUND, "%s", msg);
        }
        return -1;
    }
    struct pl_json *head;
    if (pl_obj_load(c, KIND_DOC, name, &head) < 0)
        return -1;
    *c->out = *head_out(c, head); /* its members become the response's */
    pl_json_set_str(c->a, c->out, "DocumentVersion", version);
    pl_json_set_str(c->a, c->out, "Content", content);
    return 0;
}

static int list_documents(struct pl_op_ctx *c)
{
    struct pl_obj *items;
    size_t n;
    if (pl_store_obj_list(c->st, c->account, c->region, KIND_DOC, NULL, 0, c->a, &items, &n,
                          c->err) < 0)
        return -1;
    struct pl_json *arr = pl_json_set(c->a, c->out, "Documents", pl_json_new_arr(c->a));
    for (size_t i = 0; i < n; i++) {
        struct pl_json *head = pl_json_parse(c->a, items[i].json, items[i].len, c->err);
        if (!head)
            return -1;
        pl_json_push(arr, head_out(c, head));
    }
    return 0;
}

static int delete_document(struct pl_op_ctx *c)
{
    const char *name;
    struct pl_json *head;
    if (need_name(c, &name) < 0 || pl_store_begin(c->st, c->err) < 0)
        return -1;
    int f = pl_obj_load(c, KIND_DOC, name, &head);
    if (f == 0) {
        pl_store_rollback(c->st);
        return pl_fail(c->err, PL_E_RESOURCE_NOT_FOUND, "The SSM document %s does not exist.",
                       name);
    }
    for (int64_t v = head_int(head, "LatestVersion"); f > 0 && v > 0; v--)
        if (pl_store_obj_delete(c->st, c->account, c->region, KIND_VERSION, version_key(c, name, v),
                                c->err) < 0)
            f = -1;
    if (f < 0 || pl_store_obj_delete(c->st, c->account, c->region, KIND_DOC, name, c->err) < 0 ||
        pl_store_commit(c->st, c->err) < 0) {
        pl_store_rollback(c->st);
        return -1;
    }
    return 0;
}

const struct pl_op_entry pl_ops_documents[] = {
    {"PutDocument", put_document},
    {"GetDocument", get_document},
    {"ListDocuments", list_documents},
    {"DeleteDocument", delete_document},
    {NULL, NULL},
};
