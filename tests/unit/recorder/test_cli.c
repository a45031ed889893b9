/* test_cli.c — `plumb record`, `plumb history`, `plumb diff` end to end on a data directory,
 * through their command functions (src/cli/commands.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "t.h"
#include "cli/commands.h"
#include "core/arena.h"
#include "core/util.h"
#include "store/store.h"

static char dir[64], file[128];

static int run(int (*fn)(int, char **), const char *line)
{
    char *copy = pl_xstrdup(line), *argv[32], *save = NULL;
    int argc = 0;
    for (char *t = strtok_r(copy, " ", &save); t && argc < 31; t = strtok_r(NULL, " ", &save))
        argv[argc++] = t;
    argv[argc] = NULL;
    int rc = fn(argc, argv);
    free(copy);
    return rc;
}

/* Runs fn with stdout captured into a string (malloc'd). */
static char *capture(int (*fn)(int, char **), const char *line, int *rc)
{
    fflush(stdout);
    char tmpl[] = "/tmp/pl_test_cli_out_XXXXXX";
    int fd = mkstemp(tmpl), saved = dup(1);
    dup2(fd, 1);
    *rc = run(fn, line);
    fflush(stdout);
    dup2(saved, 1);
    close(saved);
    size_t len;
    char *out = pl_read_file(tmpl, 1 << 20, &len);
    close(fd);
    unlink(tmpl);
    return out;
}

static void test_record_history_diff(void)
{
    FILE *f = fopen(file, "w");
    fputs("{\"resourceType\":\"AWS::EC2::Instance\",\"resourceId\":\"i-1\",\"awsAccountId\":"
          "\"111122223333\",\"awsRegion\":\"eu-west-1\",\"configurationItemCaptureTime\":"
          "\"2024-01-01T00:00:00.000Z\",\"configuration\":{\"state\":{\"name\":\"running\"},"
          "\"type\":\"t3.micro\"}}\n",
          f);
    fputs("{\"resourceType\":\"AWS::EC2::Instance\",\"resourceId\":\"i-1\",\"awsAccountId\":"
          "\"111122223333\",\"awsRegion\":\"eu-west-1\",\"configurationItemCaptureTime\":"
          "\"2024-01-02T00:00:00.000Z\",\"configuration\":{\"type\":\"t3.micro\",\"state\":"
          "{\"name\":\"running\"}}}\n",
          f);
    fputs("{\"resourceType\":\"AWS::EC2::Instance\",\"resourceId\":\"i-1\",\"awsAccountId\":"
          "\"111122223333\",\"awsRegion\":\"eu-west-1\",\"configurationItemCaptureTime\":"
          "\"2024-01-03T00:00:00.000Z\",\"configuration\":{\"state\":{\"name\":\"stopped\"},"
          "\"type\":\"t3.large\"}}\n",
          f);
    fputs("not json\n", f);
    fclose(f);
    char line[256];
    snprintf(line, sizeof line, "record --quiet --data %s %s", dir, file);
    T_EQ(run(pl_cli_record, line), 1); /* the bad line is an error */

    int rc;
    snprintf(line, sizeof line, "history --data %s AWS::EC2::Instance i-1", dir);
    char *out = capture(pl_cli_history, line, &rc);
    T_EQ(rc, 0);
    T_OK(out && strstr(out, "in 111122223333/eu-west-1: 2 versions"));
    T_OK(out && strstr(out, "2024-01-01T00:00:00.000Z  ResourceDiscovered"));
    T_OK(out && strstr(out, "2 changes: Configuration.State.Name, Configuration.Type"));
    free(out);

    snprintf(line, sizeof line, "diff --data %s AWS::EC2::Instance i-1", dir);
    out = capture(pl_cli_diff, line, &rc);
    T_EQ(rc, 0);
    T_OK(out && strstr(out, "  Configuration.State.Name: \"running\" \u2192 \"stopped\""));
    free(out);
    snprintf(line, sizeof line, "diff --data %s AWS::EC2::Instance i-1 1 2 --json", dir);
    out = capture(pl_cli_diff, line, &rc);
    T_EQ(rc, 0);
    T_OK(out && strstr(out, "\"Configuration.Type\": {"));
    free(out);
    snprintf(line, sizeof line, "history --data %s AWS::EC2::Instance i-404", dir);
    out = capture(pl_cli_history, line, &rc);
    T_EQ(rc, 1);
    free(out);
    snprintf(line, sizeof line, "diff --data %s AWS::EC2::Instance i-1 1 9", dir);
    out = capture(pl_cli_diff, line, &rc);
    T_EQ(rc, 2);
    free(out);
    T_EQ(run(pl_cli_history, "history"), 2);
    /* help is not an error; a read command never creates a data directory */
    out = capture(pl_cli_history, "history --help", &rc);
    T_EQ(rc, 0);
    T_OK(strstr(out, "usage: plumb history") != NULL);
    free(out);
    snprintf(line, sizeof line, "diff --data %s/typo AWS::EC2::Instance i-1", dir);
    T_EQ(run(pl_cli_diff, line), 1);
    snprintf(line, sizeof line, "%s/typo", dir);
    T_OK(access(line, F_OK) != 0);
    unsetenv("AWS_ACCESS_KEY_ID"); /* without credentials: a usage error */
    snprintf(line, sizeof line, "record --endpoint http://x %s", file);
    T_EQ(run(pl_cli_record, line), 2);
}

int main(void)
{
    snprintf(dir, sizeof dir, "/tmp/pl_test_cli_XXXXXX");
    if (!mkdtemp(dir))
        return 1;
    snprintf(file, sizeof file, "%s/cis.jsonl", dir);
    T_RUN(test_record_history_diff);
    return T_EXIT();
}
