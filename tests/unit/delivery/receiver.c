/* receiver.c — see receiver.h. Only for tests: HTTP/1.1 requests with Content-Length. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "receiver.h"

#include "delivery/delivery_int.h"

/* Reads one request on c; 0 with *body (malloc) and the signature header, -1 on EOF/error. */
static int read_request(int c, char **body, size_t *blen, char sig[128])
{
    char head[16384];
    size_t n = 0;
    char *end = NULL;
    sig[0] = 0;
    while (!end) {
        if (n == sizeof head - 1)
            return -1;
        ssize_t r = read(c, head + n, sizeof head - 1 - n);
        if (r <= 0)
            return -1;
        n += (size_t)r;
        head[n] = 0;
        end = strstr(head, "\r\n\r\n");
    }
    size_t hl = (size_t)(end - head) + 4, cl = 0;
    for (char *line = strstr(head, "\r\n"); line && line < end; line = strstr(line + 2, "\r\n")) {
        char *l = line + 2;
        if (strncasecmp(l, "Content-Length:", 15) == 0)
            cl = strtoul(l + 15, NULL, 10);
        else if (strncasecmp(l, "X-Plumb-Signature:", 18) == 0)
            sscanf(l + 18, " %127s", sig);
    }
    *body = malloc(cl + 1);
    size_t have = n - hl < cl ? n - hl : cl;
    memcpy(*body, head + hl, have);
    while (have < cl) {
        ssize_t r = read(c, *body + have, cl - have);
        if (r <= 0) {
            free(*body);
            return -1;
        }
        have += (size_t)r;
    }
    (*body)[cl] = 0;
    *blen = cl;
    return 0;
}

/* Waits until c is readable; 0 when it is, -1 when the receiver stops. */
static int wait_readable(struct receiver *r, int c)
{
    while (!r->stop) {
        struct pollfd p = {c, POLLIN, 0};
        if (poll(&p, 1, 100) > 0)
            return 0;
    }
    return -1;
}

struct conn {
    struct receiver *r;
    int fd;
};

static void *serve_conn(void *arg)
{
    struct conn *cn = arg;
    struct receiver *r = cn->r;
    int c = cn->fd;
    char *body, sig[128];
    size_t blen;
    free(cn);
    while (wait_readable(r, c) == 0 && read_request(c, &body, &blen, sig) == 0) {
        pthread_mutex_lock(&r->mu);
        r->requests++;
        int fail = r->fail_always || r->fail > 0;
        if (r->fail > 0)
            r->fail--;
        if (r->secret) {
            char want[72];
            pl_delivery__webhook_signature(r->secret, body, blen, want);
            if (strcmp(want, sig) != 0)
                r->bad_signatures++;
        }
        if (!fail) {
            r->count++;
            if (r->on_body)
                r->on_body(r->ctx, body, blen);
            if (r->keep_bodies) {
                r->bodies = realloc(r->bodies, r->count * sizeof *r->bodies);
                r->bodies[r->count - 1] = body;
                body = NULL;
            }
        }
        pthread_mutex_unlock(&r->mu);
        free(body);
        const char *resp = fail ? "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\n\r\n"
                                : "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
        if (write(c, resp, strlen(resp)) < 0)
            break;
    }
    close(c);
    pthread_mutex_lock(&r->mu);
    r->active--;
    pthread_mutex_unlock(&r->mu);
    return NULL;
}

static void *accept_loop(void *arg)
{
    struct receiver *r = arg;
    while (!r->stop) {
        struct pollfd p = {r->fd, POLLIN, 0};
        if (poll(&p, 1, 100) <= 0)
            continue;
        int c = accept(r->fd, NULL, NULL);
        if (c < 0)
            continue;
        struct conn *cn = malloc(sizeof *cn);
        pthread_t th;
        *cn = (struct conn){r, c};
        pthread_mutex_lock(&r->mu);
        r->active++;
        pthread_mutex_unlock(&r->mu);
        if (pthread_create(&th, NULL, serve_conn, cn) == 0) {
            pthread_detach(th);
        } else {
            close(c);
            free(cn);
            pthread_mutex_lock(&r->mu);
            r->active--;
            pthread_mutex_unlock(&r->mu);
        }
    }
    return NULL;
}

int receiver_start(struct receiver *r)
{
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t sl = sizeof sa;
    pthread_mutex_init(&r->mu, NULL);
    r->fd = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(r->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(r->fd, (struct sockaddr *)&sa, sizeof sa) != 0 || listen(r->fd, 64) != 0 ||
        getsockname(r->fd, (struct sockaddr *)&sa, &sl) != 0)
        return -1;
    r->port = ntohs(sa.sin_port);
    return pthread_create(&r->th, NULL, accept_loop, r) == 0 ? 0 : -1;
}

void receiver_stop(struct receiver *r)
{
    r->stop = 1;
    pthread_join(r->th, NULL);
    for (;;) { /* connection threads notice stop within 100 ms */
        pthread_mutex_lock(&r->mu);
        int active = r->active;
        pthread_mutex_unlock(&r->mu);
        if (!active)
            break;
        usleep(10000);
    }
    close(r->fd);
    for (size_t i = 0; r->bodies && i < r->count; i++)
        free(r->bodies[i]);
    free(r->bodies);
    pthread_mutex_destroy(&r->mu);
}

size_t receiver_count(struct receiver *r)
{
    pthread_mutex_lock(&r->mu);
    size_t n = r->count;
    pthread_mutex_unlock(&r->mu);
    return n;
}
