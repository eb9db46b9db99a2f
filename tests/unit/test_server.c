/*
 * test_server.c — the HTTP server over a real loopback socket (port 0), as
 * libmicrohttpd's own tests do: limits answered before any body is read, keep-alive on
 * normal answers, the error shape, and a clean stop.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "core/config.h"
#include "core/log.h"
#include "db/db.h"
#include "http/server.h"

struct fixture {
    char dir[64];
    struct config cfg;
    struct server srv;
};

static int server_setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    snprintf(f->dir, sizeof f->dir, "/tmp/waymark-srv-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    char err[256], db_arg[128];
    snprintf(db_arg, sizeof db_arg, "--db=sqlite:%s/w.db", f->dir);
    char *argv[] = {db_arg,
                    "--listen=127.0.0.1:0",
                    "--access-log=off",
                    "--web-root=/nonexistent",
                    "--max-body=4KiB",
                    "--max-uri=1KiB",
                    "--max-headers=2KiB"};
    assert_int_equal(config_parse(&f->cfg, CMD_SERVE, 7, argv, 0, err, sizeof err), RC_OK);
    log_set_level(LOG_ERROR);
    struct db *db;
    assert_int_equal(db_open(f->cfg.db_url, &db, err, sizeof err), RC_OK);
    assert_int_equal(db_migrate(db, err, sizeof err), RC_OK);
    db_close(db);
    assert_int_equal(server_start(&f->srv, &f->cfg), RC_OK);
    assert_true(f->srv.port > 0);
    *state = f;
    return 0;
}

static int server_teardown(void **state)
{
    struct fixture *f = *state;
    server_stop(&f->srv);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
    assert_int_equal(system(cmd), 0);
    free(f);
    return 0;
}

static int connect_to(struct fixture *f)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)f->srv.port)};
    inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
    assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
    struct timeval tv = {5, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    return fd;
}

static void send_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t k = send(fd, p, n, MSG_NOSIGNAL);
        assert_true(k > 0);
        p += k;
        n -= (size_t)k;
    }
}

/* Reads one response (headers and a Content-Length body) into out. */
static void read_response(int fd, char *out, size_t size)
{
    size_t n = 0;
    out[0] = '\0';
    for (;;) {
        ssize_t k = recv(fd, out + n, size - 1 - n, 0);
        assert_true(k > 0);
        n += (size_t)k;
        out[n] = '\0';
        char *end = strstr(out, "\r\n\r\n");
        const char *cl = strcasestr(out, "\r\nContent-Length: ");
        if (end && cl && n >= (size_t)(end + 4 - out) + strtoul(cl + 18, NULL, 10))
            return;
    }
}

static void healthz_keeps_the_connection_alive(void **state)
{
    struct fixture *f = *state;
    int fd = connect_to(f);
    char resp[4096];
    for (int i = 0; i < 2; i++) {
        const char *rq = "GET /healthz HTTP/1.1\r\nHost: t\r\nX-Request-Id: abc-123\r\n\r\n";
        send_all(fd, rq, strlen(rq));
        read_response(fd, resp, sizeof resp);
        assert_non_null(strstr(resp, "HTTP/1.1 200 OK\r\n"));
        assert_null(strcasestr(resp, "Connection: close"));
        assert_non_null(strstr(resp, "X-Request-Id: abc-123\r\n"));
        assert_non_null(strstr(resp, "\r\n\r\n{\"status\":\"ok\"}"));
    }
    close(fd);
}

static void a_declared_huge_body_is_refused_before_it_is_sent(void **state)
{
    struct fixture *f = *state;
    int fd = connect_to(f);
    const char *rq = "POST /api/v1/anything HTTP/1.1\r\nHost: t\r\nContent-Type: "
                     "application/json\r\nContent-Length: 10000000\r\n\r\n";
    send_all(fd, rq, strlen(rq));
    char resp[4096];
    read_response(fd, resp, sizeof resp); /* no body byte was sent: the answer came first */
    assert_non_null(strstr(resp, "HTTP/1.1 413 "));
    assert_non_null(strstr(resp, "\"code\":\"payload_too_large\""));
    close(fd);
}

static void long_urls_and_big_headers_get_their_statuses(void **state)
{
    struct fixture *f = *state;
    char rq[8192], resp[4096];
    int fd = connect_to(f);
    int n = snprintf(rq, sizeof rq, "GET /%01500d HTTP/1.1\r\nHost: t\r\n\r\n", 0);
    send_all(fd, rq, (size_t)n);
    read_response(fd, resp, sizeof resp);
    assert_non_null(strstr(resp, "HTTP/1.1 414 "));
    assert_non_null(strstr(resp, "\"code\":\"uri_too_long\""));
    close(fd);

    fd = connect_to(f);
    n = snprintf(rq, sizeof rq, "GET /healthz HTTP/1.1\r\nHost: t\r\nX-Pad: %03000d\r\n\r\n", 0);
    send_all(fd, rq, (size_t)n);
    read_response(fd, resp, sizeof resp);
    assert_non_null(strstr(resp, "HTTP/1.1 431 "));
    assert_non_null(strstr(resp, "\"code\":\"headers_too_large\""));
    close(fd);
}

static void a_chunked_body_over_the_limit_is_413(void **state)
{
    struct fixture *f = *state;
    int fd = connect_to(f);
    const char *head = "POST /api/v1/anything HTTP/1.1\r\nHost: t\r\nContent-Type: "
                       "application/json\r\nTransfer-Encoding: chunked\r\n\r\n";
    send_all(fd, head, strlen(head));
    char chunk[1100];
    memset(chunk, ' ', sizeof chunk);
    for (int i = 0; i < 5; i++) { /* 5 × 1024 bytes > 4 KiB */
        send_all(fd, "400\r\n", 5);
        send_all(fd, chunk, 1024);
        send_all(fd, "\r\n", 2);
    }
    send_all(fd, "0\r\n\r\n", 5);
    char resp[4096];
    read_response(fd, resp, sizeof resp);
    assert_non_null(strstr(resp, "HTTP/1.1 413 "));
    close(fd);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(healthz_keeps_the_connection_alive, server_setup,
                                        server_teardown),
        cmocka_unit_test_setup_teardown(a_declared_huge_body_is_refused_before_it_is_sent,
                                        server_setup, server_teardown),
        cmocka_unit_test_setup_teardown(long_urls_and_big_headers_get_their_statuses, server_setup,
                                        server_teardown),
        cmocka_unit_test_setup_teardown(a_chunked_body_over_the_limit_is_413, server_setup,
                                        server_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
