/* test_session.c — core/session: minted credentials verify, tampered ones do not, and an
 * expired one answers ExpiredTokenException (moving plumb's one clock, no sleeping). */
#include "t.h"
#include "core/err.h"
#include "core/session.h"
#include "core/time.h"

#include <string.h>

static struct pl_session_master m = {.key = {1, 2, 3, 4, 5, 6, 7, 8}};

static void test_verify_and_expiry(void)
{
    struct pl_err err = {0};
    struct pl_session_cred c, v;
    pl_clock_set(1700000000000);
    T_EQ(pl_session_mint(&m, "111122223333", "us-east-1", "fn", "1", 1700000060000, &c, &err), 0);
    T_EQ(pl_session_verify(&m, c.key_id, c.token, &v, &err), 0);
    T_STR(v.account, "111122223333");
    T_STR(v.secret, c.secret);
    char bad[PL_SESSION_TOKEN_MAX];
    strcpy(bad, c.token);
    bad[strlen(bad) - 1] ^= 1;
    memset(&err, 0, sizeof err);
    T_EQ(pl_session_verify(&m, c.key_id, bad, &v, &err), -1);
    T_EQ(err.code, PL_E_UNRECOGNIZED_CLIENT);
    pl_clock_set(1700000060000);
    memset(&err, 0, sizeof err);
    T_EQ(pl_session_verify(&m, c.key_id, c.token, &v, &err), -1);
    T_EQ(err.code, PL_E_EXPIRED_TOKEN);
    T_STR(pl_err_name(err.code), "ExpiredTokenException");
    T_EQ(pl_err_status(err.code), 400);
    T_STR(err.msg, "The security token included in the request is expired");
}

int main(void)
{
    T_RUN(test_verify_and_expiry);
    return T_EXIT();
}
