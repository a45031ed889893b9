/* seed.c — writes an aggregator benchmark's data straight into a data directory
 * (docs/PERFORMANCE.md, "Aggregators"): bare SQLite inserts of the rows plumb's store keeps, in
 * the store's own schema (pl_store_open creates or migrates it first), so a million resources
 * take a minute instead of a recording run.
 *
 *   bench_aggregator_seed DIR RESOURCES [ACCOUNTS REGIONS RULES]
 *
 * ACCOUNTS (default 50) accounts 1000000000AA x REGIONS (default 4) regions, RESOURCES spread
 * evenly over them, 10 resource types; each partition has RULES (default 20) process-check
 * rules, and each resource one result of rule (resource index % RULES), one in ten
 * NON_COMPLIANT for the first half of the rules (the others are all COMPLIANT). Account
 * 100000000000 in us-east-1 gets the aggregator "bench" over every partition, and every other
 * partition an authorization of it. Prints one line "mode=seed resources=... secs=... rate=...". */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "core/time.h"
#include "store/store.h"

static const char *const regions[] = {"us-east-1", "us-west-2", "eu-west-1", "ap-southeast-1"};
static const char *const types[] = {
    "AWS::EC2::Instance", "AWS::EC2::SecurityGroup", "AWS::EC2::Volume",     "AWS::S3::Bucket",
    "AWS::IAM::Role",     "AWS::Lambda::Function",   "AWS::RDS::DBInstance", "AWS::SQS::Queue",
    "AWS::SNS::Topic",    "AWS::DynamoDB::Table",
};

static sqlite3 *db;

static void die(const char *what)
{
    fprintf(stderr, "seed: %s: %s\n", what, sqlite3_errmsg(db));
    exit(1);
}

static sqlite3_stmt *prep(const char *sql)
{
    sqlite3_stmt *q;
    if (sqlite3_prepare_v2(db, sql, -1, &q, NULL) != SQLITE_OK)
        die(sql);
    return q;
}

static void step(sqlite3_stmt *q)
{
    if (sqlite3_step(q) != SQLITE_DONE)
        die("step");
    sqlite3_reset(q);
}

static void exec(const char *sql)
{
    if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
        die(sql);
}

static void put_obj(sqlite3_stmt *q, const char *acct, const char *region, const char *kind,
                    const char *name, const char *json, int64_t ms)
{
    sqlite3_bind_text(q, 1, acct, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(q, 2, region, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(q, 3, kind, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(q, 4, name, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(q, 5, json, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(q, 6, ms);
    sqlite3_bind_int64(q, 7, ms);
    step(q);
}

static void objects(int accounts, int nreg, int rules, int64_t ms)
{
    sqlite3_stmt *q = prep("INSERT OR REPLACE INTO objects(account, region, kind, name, json,"
                           " created_ms, updated_ms) VALUES (?,?,?,?,?,?,?)");
    char acct[32], json[1024], ids[50 * 20];
    size_t off = 0;
    for (int a = 0; a < accounts; a++) {
        snprintf(acct, sizeof acct, "1000000000%02d", a);
        off += (size_t)snprintf(ids + off, sizeof ids - off, "%s\"%s\"", a ? "," : "", acct);
        for (int r = 0; r < nreg; r++)
            for (int k = 0; k < rules; k++) {
                char name[32];
                snprintf(name, sizeof name, "rule-%02d", k);
                snprintf(json, sizeof json,
                         "{\"ConfigRuleName\":\"%s\",\"ConfigRuleArn\":\"arn:aws:config:%s:%s:"
                         "config-rule/config-rule-b%05d\",\"ConfigRuleId\":\"config-rule-b%05d\","
                         "\"Source\":{\"Owner\":\"AWS\",\"SourceIdentifier\":"
                         "\"AWS_CONFIG_PROCESS_CHECK\"},\"ConfigRuleState\":\"ACTIVE\"}",
                         name, regions[r], acct, k, k);
                put_obj(q, acct, regions[r], PL_KIND_CONFIG_RULE, name, json, ms);
            }
    }
    char regs[128] = "";
    for (int r = 0; r < nreg; r++)
        snprintf(regs + strlen(regs), sizeof regs - strlen(regs), "%s\"%s\"", r ? "," : "",
                 regions[r]);
    char *agg = malloc(sizeof ids + 1024);
    snprintf(agg, sizeof ids + 1024,
             "{\"ConfigurationAggregatorName\":\"bench\",\"ConfigurationAggregatorArn\":"
             "\"arn:aws:config:us-east-1:100000000000:config-aggregator/config-aggregator-bench\","
             "\"AccountAggregationSources\":[{\"AccountIds\":[%s],\"AllAwsRegions\":false,"
             "\"AwsRegions\":[%s]}],\"CreationTime\":%" PRId64 ",\"LastUpdatedTime\":%" PRId64 "}",
             ids, regs, ms / 1000, ms / 1000);
    put_obj(q, "100000000000", "us-east-1", PL_KIND_AGGREGATOR, "bench", agg, ms);
    free(agg);
    for (int a = 1; a < accounts; a++)
        for (int r = 0; r < nreg; r++) {
            snprintf(acct, sizeof acct, "1000000000%02d", a);
            snprintf(
                json, sizeof json,
                "{\"AggregationAuthorizationArn\":\"arn:aws:config:%s:%s:aggregation-"
                "authorization/100000000000/us-east-1\",\"AuthorizedAccountId\":"
                "\"100000000000\",\"AuthorizedAwsRegion\":\"us-east-1\",\"CreationTime\":%" PRId64
                "}",
                regions[r], acct, ms / 1000);
            put_obj(q, acct, regions[r], PL_KIND_AGG_AUTH, "100000000000/us-east-1", json, ms);
        }
    sqlite3_finalize(q);
}

struct stmts {
    sqlite3_stmt *res, *ci, *ev;
};

/* One resource: its resources row, its one CI and its one result. */
static void resource(struct stmts *s, const char *acct, const char *region, long i, int rules,
                     int64_t ms)
{
    char id[128], name[48], body[2048];
    const char *type = types[i % 10];
    snprintf(id, sizeof id, "res-%s-%s-%07ld", acct, region, i);
    snprintf(name, sizeof name, "name-%07ld", i);
    snprintf(body, sizeof body,
             "{\"accountId\":\"%s\",\"arn\":null,\"availabilityZone\":null,\"awsRegion\":\"%s\","
             "\"configuration\":{\"index\":%ld,\"size\":\"medium\",\"encrypted\":%s},"
             "\"relationships\":[],\"resourceCreationTime\":null,\"resourceId\":\"%s\","
             "\"resourceName\":\"%s\",\"resourceType\":\"%s\",\"supplementaryConfiguration\":{},"
             "\"tags\":{\"team\":\"t%ld\"}}",
             acct, region, i, i % 10 ? "true" : "false", id, name, type, i % 7);
    sqlite3_stmt *q = s->res;
    sqlite3_bind_text(q, 1, acct, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 2, region, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 3, type, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 4, id, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 5, name, -1, SQLITE_STATIC);
    sqlite3_bind_int64(q, 6, ms);
    step(q);
    int64_t res = sqlite3_last_insert_rowid(db);
    q = s->ci;
    sqlite3_bind_int64(q, 1, res);
    sqlite3_bind_int64(q, 2, ms);
    sqlite3_bind_text(q, 3, name, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 4, body, -1, SQLITE_STATIC);
    step(q);
    char rule[32];
    snprintf(rule, sizeof rule, "rule-%02d", (int)(i % rules));
    q = s->ev;
    sqlite3_bind_text(q, 1, acct, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 2, region, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 3, rule, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 4, type, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 5, id, -1, SQLITE_STATIC);
    sqlite3_bind_int(q, 6, i % rules < rules / 2 && (i / rules) % 10 == 0 ? 2 : 1);
    sqlite3_bind_int64(q, 7, ms);
    step(q);
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: bench_aggregator_seed DIR RESOURCES [ACCOUNTS REGIONS RULES]\n");
        return 2;
    }
    long total = strtol(argv[2], NULL, 10);
    int accounts = argc > 3 ? (int)strtol(argv[3], NULL, 10) : 50,
        nreg = argc > 4 ? (int)strtol(argv[4], NULL, 10) : 4;
    int rules = argc > 5 ? (int)strtol(argv[5], NULL, 10) : 20;
    if (accounts < 1 || accounts > 50 || nreg < 1 || nreg > 4 || rules < 1 || rules > 100)
        return fprintf(stderr, "seed: at most 50 accounts, 4 regions, 100 rules\n"), 2;
    struct pl_store *st;
    struct pl_err err = {0};
    if (pl_store_open(argv[1], 0, &st, &err) < 0)
        return fprintf(stderr, "seed: %s\n", pl_err_msg(&err)), 1;
    pl_store_close(st);
    char path[4096];
    snprintf(path, sizeof path, "%s/plumb.db", argv[1]);
    if (sqlite3_open(path, &db) != SQLITE_OK)
        die("open");
    exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=OFF; PRAGMA cache_size=-262144;");
    int64_t t0 = pl_mono_ns(), ms = pl_now_ms();
    exec("BEGIN");
    objects(accounts, nreg, rules, ms);
    struct stmts s = {
        prep("INSERT INTO resources(account, region, resource_type, resource_id, resource_name,"
             " status, deleted, capture_ms, deletion_ms, first_ms, state_id, latest_seq,"
             " versions, hash) VALUES (?1,?2,?3,?4,?5,'ResourceDiscovered',0,?6,0,?6,?6,"
             " (SELECT coalesce(max(seq), 0) + 1 FROM config_items), 1, 'seeded')"),
        prep("INSERT INTO config_items(res, status, capture_ms, state_id, resource_name, hash,"
             " body, diff) VALUES (?1,'ResourceDiscovered',?2,?2,?3,'seeded',?4,"
             " '{\"changedProperties\":{},\"changeType\":\"CREATE\"}')"),
        prep("INSERT INTO rule_evals(account, region, rule, resource_type, resource_id, mode,"
             " comp, annotation, ordering_ms, recorded_ms, invoked_ms, token) VALUES"
             " (?1,?2,?3,?4,?5,'DETECTIVE',?6,NULL,?7,?7,?7,NULL)"),
    };
    long per = total / (accounts * nreg), done = 0;
    char acct[32];
    for (int a = 0; a < accounts; a++) {
        snprintf(acct, sizeof acct, "1000000000%02d", a);
        for (int r = 0; r < nreg; r++) {
            for (long i = 0; i < per; i++, done++)
                resource(&s, acct, regions[r], i, rules, ms);
            exec("COMMIT; BEGIN");
        }
    }
    exec("COMMIT");
    sqlite3_finalize(s.res);
    sqlite3_finalize(s.ci);
    sqlite3_finalize(s.ev);
    exec("PRAGMA wal_checkpoint(TRUNCATE);");
    sqlite3_close(db);
    double secs = (double)(pl_mono_ns() - t0) / 1e9;
    printf("mode=seed resources=%ld partitions=%d rules=%d secs=%.1f rate=%.0f\n", done,
           accounts * nreg, rules, secs, (double)done / secs);
    return 0;
}
