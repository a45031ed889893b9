/* test_creds.c — the credentials file (add, list, revoke, ensure, permissions) and the live
 * table's reload when the file changes. */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/util.h"
#include "http/creds.h"
#include "t.h"

static char dir[256];

static void fresh_dir(void)
{
    char cmd[300];
    snprintf(dir, sizeof dir, "/tmp/pl_test_creds.%d", (int)getpid());
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    T_OK(system(cmd) == 0);
}

static void test_ensure_creates_once(void)
{
    struct pl_cred a, b;
    struct pl_err err = {0};
    int created = 0;
    fresh_dir();
    T_OK(pl_creds_ensure(dir, &a, &created, &err) == 0);
    T_EQ(created, 1);
    T_STR(a.account, "123456789012");
    T_EQ(strlen(a.access_key), 20);
    T_OK(pl_starts_with(a.access_key, "AKIA"));
    T_EQ(strlen(a.secret), 40);
    T_OK(pl_creds_ensure(dir, &b, &created, &err) == 0);
    T_EQ(created, 0);
    T_STR(b.access_key, a.access_key);
    T_STR(b.secret, a.secret);
    char path[400];
    struct stat st;
    snprintf(path, sizeof path, "%s/credentials.json", dir);
    T_OK(stat(path, &st) == 0);
    T_EQ(st.st_mode & 0777, 0600);
}

static void test_add_list_revoke(void)
{
    struct pl_cred a, b, *k = NULL;
    struct pl_err err = {0};
    size_t n = 0;
    fresh_dir();
    T_OK(pl_creds_add(dir, "111122223333", &a, &err) == 0);
    T_OK(pl_creds_add(dir, NULL, &b, &err) == 0);
    T_OK(strcmp(a.access_key, b.access_key) != 0);
    T_OK(pl_creds_read(dir, &k, &n, &err) == 0);
    T_EQ(n, 2);
    T_REQUIRE(n == 2);
    T_STR(k[0].account, "111122223333");
    T_STR(k[1].account, "123456789012");
    T_STR(k[0].secret, a.secret);
    T_EQ(k[0].revoked, 0);
    free(k);
    T_OK(pl_creds_revoke(dir, a.access_key, &err) == 0);
    T_OK(pl_creds_read(dir, &k, &n, &err) == 0);
    T_EQ(k[0].revoked, 1);
    T_EQ(k[1].revoked, 0);
    free(k);
    struct pl_err e2 = {0};
    T_OK(pl_creds_revoke(dir, "AKIANOPE", &e2) < 0);
    T_EQ(e2.code, PL_E_RESOURCE_NOT_FOUND);
    struct pl_err e3 = {0};
    T_OK(pl_creds_add(dir, "12345", &a, &e3) < 0);
    T_EQ(e3.code, PL_E_VALIDATION);
}

static void test_ensure_all_revoked(void)
{
    struct pl_cred a;
    struct pl_err err = {0};
    int created;
    fresh_dir();
    T_OK(pl_creds_add(dir, NULL, &a, &err) == 0);
    T_OK(pl_creds_revoke(dir, a.access_key, &err) == 0);
    T_OK(pl_creds_ensure(dir, &a, &created, &err) < 0);
    T_EQ(err.code, PL_E_RESOURCE_NOT_FOUND);
}

static void test_live_reload(void)
{
    struct pl_cred a, got;
    struct pl_err err = {0};
    fresh_dir();
    struct pl_creds *c = pl_creds_open(dir, &err);
    T_REQUIRE(c);
    T_OK(pl_creds_find(c, "AKIAXXXX", &got) < 0);
    T_OK(pl_creds_add(dir, NULL, &a, &err) == 0);
    T_OK(pl_creds_find(c, a.access_key, &got) == 0); /* a new key works at once */
    T_STR(got.secret, a.secret);
    T_EQ(got.revoked, 0);
    T_OK(pl_creds_revoke(dir, a.access_key, &err) == 0);
    usleep(150 * 1000);
    T_OK(pl_creds_find(c, a.access_key, &got) == 0);
    T_EQ(got.revoked, 1);
    pl_creds_close(c);
}

static void test_malformed_file(void)
{
    struct pl_err err = {0};
    char path[400];
    fresh_dir();
    T_OK(mkdir(dir, 0700) == 0);
    snprintf(path, sizeof path, "%s/credentials.json", dir);
    FILE *f = fopen(path, "w");
    T_REQUIRE(f);
    fputs("{\"AKIA1\": {\"secret\": \"s\", \"account\": \"12\"}}", f);
    fclose(f);
    T_OK(pl_creds_open(dir, &err) == NULL);
    T_EQ(err.code, PL_E_VALIDATION);
    f = fopen(path, "w");
    fputs("[1,", f);
    fclose(f);
    struct pl_err e2 = {0};
    T_OK(pl_creds_open(dir, &e2) == NULL);
    T_EQ(e2.code, PL_E_SERIALIZATION);
}

int main(void)
{
    T_RUN(test_ensure_creates_once);
    T_RUN(test_add_list_revoke);
    T_RUN(test_ensure_all_revoked);
    T_RUN(test_live_reload);
    T_RUN(test_malformed_file);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0)
        return 1;
    return T_EXIT();
}
