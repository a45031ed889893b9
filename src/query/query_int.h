/* query_int.h — what the files of src/query/ share: tokens (lex.c), the parsed query
 * (parse.c), read by run.c. Nothing outside src/query/ includes it. */
#ifndef PL_QUERY_QUERY_INT_H
#define PL_QUERY_QUERY_INT_H

#include "query/query.h"
#include "store/select.h"

enum query_tok {
    QT_EOF,
    QT_IDENT, /* a name or dotted path; keywords are IDENTs the parser recognises */
    QT_STRING,
    QT_NUMBER,
    QT_LPAREN,
    QT_RPAREN,
    QT_COMMA,
    QT_STAR,
    QT_EQ,
    QT_NE,
    QT_LT,
    QT_LE,
    QT_GT,
    QT_GE,
    QT_ERROR, /* a character or literal the dialect does not have; text says which */
};

struct query_token {
    enum query_tok kind;
    const char *text; /* IDENT, NUMBER: as written; STRING: unquoted ('' undoubled) */
    size_t len;
    size_t pos; /* byte offset in the source */
};

struct query_lex {
    const char *src;
    size_t len, pos;
    struct pl_arena *a;
};

/* The next token (never fails: bad input is a QT_ERROR token). */
void query__next(struct query_lex *lx, struct query_token *t);
/* "line L:C" of byte offset pos, in out (cap bytes). */
void query__where(const char *src, size_t pos, char *out, size_t cap);

/* One SELECT item: its output name and what it computes. */
struct query_item {
    const char *name;     /* "resourceId", "configuration.a.b", "COUNT(*)" */
    struct pl_sel_expr e; /* e.agg == PL_SEL_NONE: a property (projected from the CI) */
    bool whole;           /* the property is a whole object: configuration, tags, ... */
    bool star;            /* one of the columns of SELECT * */
    size_t pos;           /* where it was written (for errors) */
};

struct query {
    struct query_item *items;
    size_t nitems;
    const struct pl_sel_cond *where;
    struct pl_sel_field *group;
    size_t ngroup;
    struct pl_sel_order *order;
    size_t norder;
    bool aggregate;
};

#endif
