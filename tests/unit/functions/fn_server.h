/* fn_server.h — starts and stops the stand-in HTTP endpoint of the functions tests
 * (tests/data/functions/fn_fake_config.py) on a kernel-chosen port. Header-only: each test
 * executable includes it once. */
#ifndef PL_TESTS_FN_SERVER_H
#define PL_TESTS_FN_SERVER_H

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define FN_DATA PL_SOURCE_DIR "/tests/data/functions"

struct fn_server {
    char url[64]; /* http://127.0.0.1:PORT */
    char log[32]; /* file with one JSON line per request */
    pid_t pid;
};

/* Starts the server; aborts the test run when it cannot. */
static void fn_server_start(struct fn_server *s)
{
    int pfd[2];
    snprintf(s->log, sizeof(s->log), "/tmp/plumb-fn-log-XXXXXX");
    int fd = mkstemp(s->log);
    if (fd < 0 || pipe(pfd) < 0)
        abort();
    close(fd);
    s->pid = fork();
    if (s->pid == 0) {
        dup2(pfd[1], 1);
        execlp("python3", "python3", FN_DATA "/fn_fake_config.py", s->log, (char *)NULL);
        _exit(127);
    }
    close(pfd[1]);
    char port[16] = {0};
    ssize_t n = read(pfd[0], port, sizeof(port) - 1);
    close(pfd[0]);
    if (n <= 0)
        abort();
    port[strcspn(port, "\n")] = 0;
    snprintf(s->url, sizeof(s->url), "http://127.0.0.1:%s", port);
}

static void fn_server_stop(struct fn_server *s)
{
    kill(s->pid, SIGKILL);
    waitpid(s->pid, NULL, 0);
    unlink(s->log);
}

#endif
