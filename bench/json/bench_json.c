/* bench_json.c — parse (and write back) a realistic ~4 KB configuration item with plumb's
 * core/json and with the Debian JSON libraries (cJSON, json-c, jansson, yajl), side by side in
 * one run, and check which of them round-trips an integer above 2^53 exactly.
 *
 * usage: bench_json [ITERATIONS]   (documents/s for parse, and parse+write) */
#include "bench_json.h"
#include "core/json.h"
#include "core/time.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *make_doc(size_t *len)
{
    struct pl_buf b;
    pl_buf_init(&b, PL_BUF_NOLIMIT);
    pl_buf_puts(&b, "{\"version\":\"1.3\",\"accountId\":\"123456789012\",\"configurationItemCaptureTime\":"
                    "\"2024-01-02T03:04:05.678Z\",\"configurationItemStatus\":\"OK\","
                    "\"configurationStateId\":1704164645678,\"resourceType\":\"AWS::EC2::Instance\","
                    "\"resourceId\":\"i-0123456789abcdef0\",\"awsRegion\":\"us-east-1\","
                    "\"tags\":{\"Name\":\"web-1\",\"Environment\":\"prod\",\"Owner\":\"team-a\"},"
                    "\"relationships\":[");
    for (int i = 0; i < 6; i++)
        pl_buf_printf(&b, "%s{\"resourceType\":\"AWS::EC2::SecurityGroup\",\"resourceId\":\"sg-%08d\","
                          "\"relationshipName\":\"Is associated with SecurityGroup\"}", i ? "," : "", i);
    pl_buf_puts(&b, "],\"configuration\":{\"instanceId\":\"i-0123456789abcdef0\",\"imageId\":"
                    "\"ami-0abcdef1234567890\",\"state\":{\"code\":16,\"name\":\"running\"},"
                    "\"instanceType\":\"m5.large\",\"launchTime\":\"2024-01-01T00:00:00.000Z\","
                    "\"monitoring\":{\"state\":\"disabled\"},\"ebsOptimized\":true,\"blockDeviceMappings\":[");
    for (int i = 0; i < 8; i++)
        pl_buf_printf(&b, "%s{\"deviceName\":\"/dev/sd%c\",\"ebs\":{\"volumeId\":\"vol-%017d\","
                          "\"status\":\"attached\",\"attachTime\":\"2024-01-01T00:00:00.000Z\","
                          "\"deleteOnTermination\":%s}}", i ? "," : "", 'a' + i, i, i ? "false" : "true");
    pl_buf_puts(&b, "],\"networkInterfaces\":[");
    for (int i = 0; i < 4; i++)
        pl_buf_printf(&b, "%s{\"networkInterfaceId\":\"eni-%08d\",\"privateIpAddress\":\"10.0.%d.%d\","
                          "\"macAddress\":\"0a:1b:2c:3d:4e:%02x\",\"sourceDestCheck\":true,\"groups\":"
                          "[{\"groupId\":\"sg-%08d\",\"groupName\":\"default\"}],\"ipv6Addresses\":[],"
                          "\"attachment\":{\"deviceIndex\":%d,\"status\":\"attached\"}}",
                      i ? "," : "", i, i, i + 10, i, i, i);
    pl_buf_puts(&b, "],\"cpuOptions\":{\"coreCount\":1,\"threadsPerCore\":2},\"bigCounter\":"
                    "9007199254740993,\"ratio\":0.30000000000000004}}");
    *len = b.len;
    return pl_buf_take(&b);
}

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 20000;
    size_t len;
    char *doc = make_doc(&len);
    struct pl_err err = {0};
    double r[2];
    printf("document: %zu bytes, %d iterations\n", len, n);
    printf("%-10s %14s %14s %s\n", "library", "parse/s", "parse+write/s", "2^53+1 exact");

    struct pl_arena a;
    pl_arena_init(&a);
    struct pl_buf out;
    pl_buf_init(&out, PL_BUF_NOLIMIT);
    for (int pass = 0; pass < 2; pass++) {
        int64_t t0 = pl_mono_ns();
        for (int i = 0; i < n; i++) {
            struct pl_json *j = pl_json_parse(&a, doc, len, &err);
            if (pass) {
                pl_buf_reset(&out);
                pl_json_write(&out, j, PL_JSON_COMPACT);
            }
            pl_arena_reset(&a);
        }
        r[pass] = bench_rate(t0, n);
    }
    printf("%-10s %14.0f %14.0f %s\n", "plumb", r[0], r[1],
           strstr(out.data, "9007199254740993") ? "yes" : "no");
    bench_cjson(doc, len, n);
    bench_jsonc(doc, len, n);
    bench_jansson(doc, len, n);
    bench_yajl(doc, len, n);
    free(doc);
    pl_buf_fini(&out);
    pl_arena_fini(&a);
    return 0;
}
