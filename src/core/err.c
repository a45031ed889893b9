/* err.c — the error table and pl_fail(). See err.h. */
#include "core/err.h"

#include <stdio.h>
#include <string.h>

static const struct {
    const char *name;
    int status;
} table[PL_E__COUNT] = {
    [PL_E_NONE] = {"", 200},
#define PL__ERR_ROW(id, nm, st) [PL_E_##id] = {nm, st},
    PL_ERRORS(PL__ERR_ROW)
#undef PL__ERR_ROW
};

int pl_vfail(struct pl_err *e, enum pl_errcode c, const char *fmt, va_list ap)
{
    if (!e || e->code != PL_E_NONE)
        return -1;
    e->code = c;
    vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
    return -1;
}

int pl_fail(struct pl_err *e, enum pl_errcode c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    pl_vfail(e, c, fmt, ap);
    va_end(ap);
    return -1;
}

void pl_err_clear(struct pl_err *e)
{
    e->code = PL_E_NONE;
    e->msg[0] = '\0';
}

const char *pl_err_name(enum pl_errcode c)
{
    return (unsigned)c < PL_E__COUNT ? table[c].name : "InternalFailure";
}

int pl_err_status(enum pl_errcode c)
{
    return (unsigned)c < PL_E__COUNT ? table[c].status : 500;
}

enum pl_errcode pl_err_from_name(const char *name)
{
    for (int i = 1; i < PL_E__COUNT; i++)
        if (strcmp(table[i].name, name) == 0)
            return (enum pl_errcode)i;
    return PL_E_NONE;
}
