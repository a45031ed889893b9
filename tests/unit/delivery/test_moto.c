/* test_moto.c — delivery against a real S3 and SNS API: moto_server on a free loopback port,
 * the bucket made with the command a user runs against AWS (`aws s3 mb`), snapshots (single
 * PUT and multipart) read back with the aws CLI, SNS Publish read back through an SQS
 * subscription, and the worker end to end (S3 + SNS). Exits 77 (skipped) without moto_server
 * or the aws CLI. */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include "t.h"

#include "core/hash.h"
#include "core/util.h"
#include "delivery/delivery_int.h"
#include "fake_source.h"
#include "recorder/recorder.h"
#include "store/store.h"

extern char **environ;

#define BUCKET "my-config-bucket-123456789012"
#define ACCT   "123456789012"

static char endpoint[64], tmp[256];
static struct pl_arena A;
static pid_t moto;

/* Runs a shell command, returns its stdout (trimmed) in A, or NULL when it fails. */
static char *run(const char *fmt, ...)
{
    char cmd[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    FILE *p = popen(cmd, "r");
    if (!p)
        return NULL;
    struct pl_buf b;
    pl_buf_init(&b, PL_BUF_NOLIMIT);
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, p)) > 0)
        pl_buf_append(&b, chunk, n);
    int st = pclose(p);
    while (b.len && (b.data[b.len - 1] == '\n' || b.data[b.len - 1] == ' '))
        b.data[--b.len] = 0;
    char *out = st == 0 ? pl_arena_strdup(&A, pl_buf_cstr(&b)) : NULL;
    if (st != 0)
        fprintf(stderr, "command failed (%d): %s\n", st, cmd);
    pl_buf_fini(&b);
    return out;
}

static int free_port(void)
{
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t sl = sizeof sa;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    bind(fd, (struct sockaddr *)&sa, sizeof sa);
    getsockname(fd, (struct sockaddr *)&sa, &sl);
    close(fd);
    return ntohs(sa.sin_port);
}

static int start_moto(void)
{
    char port[16];
    snprintf(port, sizeof port, "%d", free_port());
    snprintf(endpoint, sizeof endpoint, "http://127.0.0.1:%s", port);
    char *argv[] = {"moto_server", "-H", "127.0.0.1", "-p", port, NULL};
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
    int rc = posix_spawnp(&moto, "moto_server", &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0)
        return -1;
    struct sockaddr_in sa = {.sin_family = AF_INET,
                             .sin_port = htons((uint16_t)strtol(port, NULL, 10)),
                             .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    for (int i = 0; i < 300; i++) { /* up to 30 s */
        int fd = socket(AF_INET, SOCK_STREAM, 0);
        int ok = connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0;
        close(fd);
        if (ok)
            return 0;
        usleep(100000);
    }
    return -1;
}

static struct pl_json *read_object(const char *key)
{
    char *path = pl_arena_printf(&A, "%s/obj.gz", tmp);
    if (!run("aws s3 cp 's3://%s/%s' %s --endpoint-url %s --only-show-errors", BUCKET, key, path,
             endpoint))
        return NULL;
    gzFile g = gzopen(path, "rb");
    struct pl_buf b;
    pl_buf_init(&b, PL_BUF_NOLIMIT);
    char chunk[65536];
    int n;
    while (g && (n = gzread(g, chunk, sizeof chunk)) > 0)
        pl_buf_append(&b, chunk, (size_t)n);
    if (g)
        gzclose(g);
    struct pl_err e = {0};
    struct pl_json *j = pl_json_parse(&A, pl_buf_cstr(&b), b.len, &e);
    pl_buf_fini(&b);
    return j;
}

static struct pl_dtarget *s3_target(void)
{
    struct pl_err e = {0};
    struct pl_s3_conf c = {endpoint, "us-east-1", "testing", "testing", NULL, tmp};
    return pl_delivery__target_s3(&c, &e);
}

static void test_s3_snapshot(void)
{
    struct pl_err e = {0};
    T_REQUIRE(run("aws s3 mb s3://%s --endpoint-url %s", BUCKET, endpoint));
    struct pl_dtarget *t = s3_target();
    T_REQUIRE(t);
    T_EQ(t->ops->bucket_check(t, BUCKET, &e), 0);
    struct pl_err e2 = {0};
    T_EQ(t->ops->bucket_check(t, "no-such-bucket-here", &e2), -1);
    T_EQ(e2.code, PL_E_NO_SUCH_BUCKET);
    T_EQ(pl_delivery__target_writability(t, BUCKET, "cfg", ACCT, &e), 0);
    T_OK(run("aws s3api head-object --bucket %s --key cfg/AWSLogs/%s/Config/"
             "ConfigWritabilityCheckFile --endpoint-url %s",
             BUCKET, ACCT, endpoint) != NULL);

    static const struct {
        size_t n, pad;
    } sizes[] = {{2000, 100}, {5000, 4000}}; /* the second is > 8 MB gzipped: multipart */
    for (int i = 0; i < 2; i++) {
        struct fake_src f = {.n = sizes[i].n, .ntypes = 4, .pad = sizes[i].pad, .acct = ACCT,
                             .region = "us-east-1"};
        struct pl_dsource src;
        struct pl_dresult res;
        fake_source_init(&src, &f);
        char sid[37];
        pl_uuid(sid);
        int rc = pl_delivery__deliver_snapshot(t, &src, BUCKET, "cfg", ACCT, "us-east-1", sid,
                                               1700000000000LL, &res, &e);
        if (rc)
            fprintf(stderr, "snapshot: %s\n", e.msg);
        T_EQ(rc, 0);
        struct pl_json *j = read_object(res.key);
        T_REQUIRE(j);
        T_STR(pl_json_get_str(j, "configSnapshotId"), sid);
        T_EQ(pl_json_get(j, "configurationItems")->len, sizes[i].n);
        T_STR(run("aws s3api head-object --bucket %s --key '%s' --endpoint-url %s --query "
                  "ContentEncoding --output text",
                  BUCKET, res.key, endpoint),
              "gzip");
    }
    pl_delivery__target_free(t);
}

/* A topic with an SQS queue subscribed; returns the queue URL. */
static char *topic_with_queue(const char *name, char **topic)
{
    *topic = run("aws sns create-topic --name %s --endpoint-url %s --query TopicArn --output text",
                 name, endpoint);
    char *q = run("aws sqs create-queue --queue-name %s-q --endpoint-url %s --query QueueUrl "
                  "--output text",
                  name, endpoint);
    char *qarn = q ? run("aws sqs get-queue-attributes --queue-url %s --attribute-names QueueArn "
                         "--endpoint-url %s --query Attributes.QueueArn --output text",
                         q, endpoint)
                   : NULL;
    if (!*topic || !qarn ||
        !run("aws sns subscribe --topic-arn %s --protocol sqs --notification-endpoint %s "
             "--endpoint-url %s",
             *topic, qarn, endpoint))
        return NULL;
    return q;
}

/* Receives up to max SNS envelopes from queue (the SQS message bodies), in arena A. */
static size_t receive(const char *queue, struct pl_json **out, size_t max)
{
    size_t n = 0;
    for (int tries = 0; tries < 5 && n < max; tries++) {
        char *json = run("aws sqs receive-message --queue-url %s --max-number-of-messages 10 "
                         "--wait-time-seconds 1 --endpoint-url %s --output json",
                         queue, endpoint);
        struct pl_err e = {0};
        struct pl_json *r = json && *json ? pl_json_parse(&A, json, strlen(json), &e) : NULL;
        for (struct pl_json *m = r ? pl_json_get(r, "Messages")->child : NULL; m && n < max;
             m = m->next) {
            const struct pl_json *body = pl_json_get(m, "Body");
            out[n++] = pl_json_parse(&A, body->str, body->len, &e);
            run("aws sqs delete-message --queue-url %s --receipt-handle '%s' --endpoint-url %s",
                queue, pl_json_get_str(m, "ReceiptHandle"), endpoint);
        }
    }
    return n;
}

static void test_sns_publish(void)
{
    char *topic;
    char *q = topic_with_queue("config-topic", &topic);
    T_REQUIRE(q);
    struct pl_dmsg m;
    pl_delivery__msg_history(&A, ACCT, "us-east-1", BUCKET, "AWSLogs/x.json.gz", 1700000000000LL,
                             &m);
    struct pl_sns_conf c = {endpoint, "testing", "testing", NULL};
    struct pl_err e = {0};
    T_EQ(pl_delivery__sns_publish(&c, topic, m.subject, pl_delivery__msg_text(&A, &m), &e), 0);
    struct pl_json *env[4];
    T_REQUIRE(receive(q, env, 1) == 1);
    T_STR(pl_json_get_str(env[0], "Type"), "Notification");
    T_STR(pl_json_get_str(env[0], "TopicArn"), topic);
    T_STR(pl_json_get_str(env[0], "Subject"), m.subject);
    const struct pl_json *text = pl_json_get(env[0], "Message");
    T_OK(pl_json_equal(pl_json_parse(&A, text->str, text->len, &e), m.body));
    struct pl_err e2 = {0};
    T_EQ(pl_delivery__sns_publish(&c, "arn:aws:sns:us-east-1:123456789012:missing", "s", "{}", &e2),
         -1);
    T_OK(strstr(e2.msg, "NotFound") != NULL);
}

static void test_worker_s3_sns(void)
{
    char *topic;
    char *q = topic_with_queue("stream-topic", &topic);
    T_REQUIRE(q);
    struct pl_err e = {0};
    char *dir = pl_arena_printf(&A, "%s/data", tmp);
    struct pl_store *s = NULL;
    T_REQUIRE(pl_store_open(dir, 0, &s, &e) == 0);
    struct pl_delivery_options o = {.data_dir = dir, .s3_endpoint = endpoint,
                                    .sns_endpoint = endpoint, .access_key = "testing",
                                    .secret_key = "testing", .no_thread = 1};
    struct pl_delivery *d = pl_delivery_start(s, &o, &e);
    T_REQUIRE(d);
    const char *bad = "{\"name\":\"default\",\"s3BucketName\":\"does-not-exist-123\"}";
    T_EQ(pl_delivery_check_channel(d, ACCT, "us-east-1", pl_json_parse(&A, bad, strlen(bad), &e),
                                   &e),
         -1);
    T_EQ(e.code, PL_E_NO_SUCH_BUCKET);
    char *ch = pl_arena_printf(&A, "{\"name\":\"default\",\"s3BucketName\":\"%s\","
                                   "\"snsTopicARN\":\"%s\"}",
                               BUCKET, topic);
    struct pl_err e2 = {0};
    T_EQ(pl_delivery_check_channel(d, ACCT, "us-east-1", pl_json_parse(&A, ch, strlen(ch), &e2),
                                   &e2),
         0);
    T_EQ(pl_store_obj_put(s, ACCT, "us-east-1", PL_KIND_CHANNEL, "default", ch, strlen(ch), &e2),
         0);
    T_EQ(pl_delivery_channel_put(d, ACCT, "us-east-1", pl_json_parse(&A, ch, strlen(ch), &e2),
                                 &e2),
         0);
    struct pl_rec_opts ro = {.mode = PL_REC_MODE_ALL, .account = ACCT, .region = "us-east-1"};
    const char *ci = "{\"resourceType\":\"AWS::S3::Bucket\",\"resourceId\":\"b1\","
                     "\"configuration\":{\"versioning\":\"Enabled\"}}";
    struct pl_rec_result rr;
    T_EQ(pl_recorder_observe(s, &ro, pl_json_parse(&A, ci, strlen(ci), &e2), &rr, &e2), 0);
    char sid[37];
    T_EQ(pl_delivery_snapshot_now(d, ACCT, "us-east-1", "default", sid, &e2), 0);
    T_OK(pl_delivery_tick(d, &e2) > 0);
    struct pl_json *env[8];
    size_t n = receive(q, env, 3); /* change, snapshot started, snapshot completed */
    T_EQ(n, 3);
    int seen_change = 0, seen_done = 0;
    for (size_t i = 0; i < n; i++) {
        const struct pl_json *t = pl_json_get(env[i], "Message");
        struct pl_json *m = pl_json_parse(&A, t->str, t->len, &e2);
        const char *type = pl_json_get_str(m, "messageType");
        seen_change += type && strcmp(type, "ConfigurationItemChangeNotification") == 0;
        if (type && strcmp(type, "ConfigurationSnapshotDeliveryCompleted") == 0) {
            seen_done++;
            struct pl_json *file = read_object(pl_json_get_str(m, "s3ObjectKey"));
            T_REQUIRE(file);
            T_STR(pl_json_get_str(file, "configSnapshotId"), sid);
            T_STR(pl_json_path(file, "configurationItems")->child ? "ok" : "", "ok");
        }
    }
    T_EQ(seen_change, 1);
    T_EQ(seen_done, 1);
    pl_delivery_stop(d);
    pl_store_close(s);
}

int main(void)
{
    if (system("command -v moto_server >/dev/null && command -v aws >/dev/null") != 0) {
        printf("SKIP: moto_server or the aws CLI is not on PATH\n");
        return 77;
    }
    pl_arena_init(&A);
    setenv("AWS_ACCESS_KEY_ID", "testing", 1);
    setenv("AWS_SECRET_ACCESS_KEY", "testing", 1);
    setenv("AWS_DEFAULT_REGION", "us-east-1", 1);
    setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
    snprintf(tmp, sizeof tmp, "/tmp/pl-delivery-moto-XXXXXX");
    T_OK(mkdtemp(tmp) != NULL);
    if (start_moto() != 0) {
        printf("moto_server did not start\n");
        return 1;
    }
    T_RUN(test_s3_snapshot);
    T_RUN(test_sns_publish);
    T_RUN(test_worker_s3_sns);
    kill(moto, SIGTERM);
    waitpid(moto, NULL, 0);
    run("rm -rf %s", tmp);
    pl_arena_fini(&A);
    return T_EXIT();
}
