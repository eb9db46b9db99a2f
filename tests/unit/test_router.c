/*
 * test_router.c — route matching, the route table itself, static files and the
 * server's own handlers driven through a fake request.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fixture.h"
#include "http/files.h"
#include "http/router.h"
#include "http/routes.h"
#include "http/system_api.h"

static enum rc h_dummy(struct ctx *cx, const struct req *rq, struct resp *rs)
{
    (void)cx;
    (void)rq;
    (void)rs;
    return RC_OK;
}

static const struct route TABLE[] = {
    {"GET", "/api/v1/workflows", h_dummy, 0},
    {"POST", "/api/v1/workflows", h_dummy, 0},
    {"GET", "/api/v1/workflows/{id}", h_dummy, 0},
    {"PATCH", "/api/v1/workflows/{id}", h_dummy, 0},
    {"DELETE", "/api/v1/workflows/{id}/steps/{step_id}", h_dummy, 0},
    {"GET", "/", h_dummy, 0},
};
#define N (sizeof TABLE / sizeof TABLE[0])

static int match(const char *method, const char *path, const char **params, int *n, char *allow)
{
    static char store[256];
    return router_match(TABLE, N, method, path, params, n, store, sizeof store, allow, 96);
}

static void matches_literals_and_placeholders(void **state)
{
    (void)state;
    const char *params[REQ_MAX_PARAMS];
    int n = -1;
    char allow[96];
    assert_int_equal(match("GET", "/api/v1/workflows", params, &n, allow), 0);
    assert_int_equal(n, 0);
    assert_int_equal(match("POST", "/api/v1/workflows", params, &n, allow), 1);
    assert_int_equal(match("GET", "/api/v1/workflows/42", params, &n, allow), 2);
    assert_int_equal(n, 1);
    assert_string_equal(params[0], "42");
    assert_int_equal(match("DELETE", "/api/v1/workflows/7/steps/9", params, &n, allow), 4);
    assert_int_equal(n, 2);
    assert_string_equal(params[0], "7");
    assert_string_equal(params[1], "9");
    assert_int_equal(match("HEAD", "/", params, &n, allow), 5);
}

static void misses_are_404_or_405_with_allow(void **state)
{
    (void)state;
    const char *params[REQ_MAX_PARAMS];
    int n;
    char allow[96];
    assert_int_equal(match("GET", "/api/v1/workflow", params, &n, allow), ROUTER_NOT_FOUND);
    assert_int_equal(match("GET", "/api/v1/workflows/", params, &n, allow), ROUTER_NOT_FOUND);
    assert_int_equal(match("GET", "/api/v1/workflows//", params, &n, allow), ROUTER_NOT_FOUND);
    assert_int_equal(match("GET", "/api/v1/workflows/1/2", params, &n, allow), ROUTER_NOT_FOUND);
    assert_int_equal(match("GET", "api/v1/workflows", params, &n, allow), ROUTER_NOT_FOUND);
    assert_int_equal(match("PUT", "/api/v1/workflows", params, &n, allow),
                     ROUTER_METHOD_NOT_ALLOWED);
    assert_string_equal(allow, "GET, HEAD, POST");
    assert_int_equal(match("DELETE", "/api/v1/workflows/3", params, &n, allow),
                     ROUTER_METHOD_NOT_ALLOWED);
    assert_string_equal(allow, "GET, HEAD, PATCH");
}

static void the_route_table_is_well_formed(void **state)
{
    (void)state;
    static const char *const methods[] = {"GET", "POST", "PUT", "PATCH", "DELETE"};
    for (size_t i = 0; i < ROUTES_COUNT; i++) {
        const struct route *r = &ROUTES[i];
        int known = 0;
        for (size_t m = 0; m < 5; m++)
            known |= strcmp(r->method, methods[m]) == 0;
        assert_true(known);
        assert_int_equal(r->pattern[0], '/');
        assert_non_null(r->handler);
        assert_null(strstr(r->pattern, "//"));
        for (size_t j = 0; j < i; j++)
            if (strcmp(ROUTES[j].method, r->method) == 0 &&
                strcmp(ROUTES[j].pattern, r->pattern) == 0)
                fail_msg("duplicate route %s %s", r->method, r->pattern);
    }
}

static void healthz_answers_ok_from_the_database(void **state)
{
    (void)state;
    struct db *db = fixture_db();
    struct ctx cx;
    fixture_ctx(&cx, db);
    struct fake_req f;
    fake_req_init(&f, "GET", "/healthz");
    struct resp rs;
    resp_init(&rs);
    assert_int_equal(system_api_healthz(&cx, &f.rq, &rs), RC_OK);
    assert_int_equal(rs.status, 200);
    assert_string_equal(rs.content_type, "application/json; charset=utf-8");
    assert_string_equal(rs.body.data, "{\"status\":\"ok\"}");
    resp_free(&rs);
    ctx_clear(&cx);
    db_close(db);
}

/* ---- static files ---- */

struct web {
    char root[64];
    char real[4096];
    char outside[128];
};

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static int web_setup(void **state)
{
    struct web *w = calloc(1, sizeof *w);
    snprintf(w->root, sizeof w->root, "/tmp/waymark-web-XXXXXX");
    assert_non_null(mkdtemp(w->root));
    char p[256];
    snprintf(p, sizeof p, "%s/web", w->root);
    mkdir(p, 0755);
    snprintf(p, sizeof p, "%s/web/js", w->root);
    mkdir(p, 0755);
    snprintf(p, sizeof p, "%s/web/index.html", w->root);
    write_file(p, "<!doctype html><title>Waymark</title>");
    snprintf(p, sizeof p, "%s/web/js/app.js", w->root);
    write_file(p, "export {};");
    snprintf(p, sizeof p, "%s/web/.env", w->root);
    write_file(p, "hidden");
    snprintf(w->outside, sizeof w->outside, "%s/secret.txt", w->root);
    write_file(w->outside, "TOP SECRET");
    char link[256];
    snprintf(link, sizeof link, "%s/web/leak.txt", w->root);
    assert_int_equal(symlink(w->outside, link), 0);
    snprintf(link, sizeof link, "%s/web/leakdir", w->root);
    assert_int_equal(symlink(w->root, link), 0);
    snprintf(p, sizeof p, "%s/web", w->root);
    assert_int_equal(files_resolve_root(p, w->real, sizeof w->real), RC_OK);
    *state = w;
    return 0;
}

static int web_teardown(void **state)
{
    struct web *w = *state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", w->root);
    assert_int_equal(system(cmd), 0);
    free(w);
    return 0;
}

static enum rc serve(struct web *w, const char *path, const char *inm, struct resp *rs)
{
    struct ctx cx;
    ctx_init(&cx);
    resp_init(rs);
    enum rc rc = files_serve(&cx, w->real, path, inm, rs);
    ctx_clear(&cx);
    return rc;
}

static char *read_fd(int fd)
{
    static char text[256];
    ssize_t n = pread(fd, text, sizeof text - 1, 0);
    text[n < 0 ? 0 : n] = '\0';
    return text;
}

static void files_serve_with_type_and_etag(void **state)
{
    struct web *w = *state;
    struct resp rs;
    assert_int_equal(serve(w, "/js/app.js", NULL, &rs), RC_OK);
    assert_int_equal(rs.status, 200);
    assert_string_equal(rs.content_type, "text/javascript; charset=utf-8");
    assert_string_equal(read_fd(rs.file_fd), "export {};");
    assert_string_equal(rs.headers[0].name, "ETag");
    char etag[256];
    snprintf(etag, sizeof etag, "%s", rs.headers[0].value);
    resp_free(&rs);

    assert_int_equal(serve(w, "/js/app.js", etag, &rs), RC_OK);
    assert_int_equal(rs.status, 304);
    assert_int_equal(rs.file_fd, -1);
    resp_free(&rs);

    assert_int_equal(serve(w, "/", NULL, &rs), RC_OK);
    assert_string_equal(rs.content_type, "text/html; charset=utf-8");
    resp_free(&rs);
}

static void files_fall_back_to_index_for_app_paths(void **state)
{
    struct web *w = *state;
    struct resp rs;
    assert_int_equal(serve(w, "/workflows/12/edit", NULL, &rs), RC_OK);
    assert_string_equal(read_fd(rs.file_fd), "<!doctype html><title>Waymark</title>");
    resp_free(&rs);
    assert_int_equal(serve(w, "/missing.js", NULL, &rs), RC_NOT_FOUND);
    resp_free(&rs);
}

static void files_never_leave_the_root(void **state)
{
    struct web *w = *state;
    const char *bad[] = {
        "/../secret.txt", "/js/../../secret.txt", "/leak.txt",       "/leakdir/secret.txt", "/.env",
        "//etc/passwd",   "/js/./app.js",         "/..\\secret.txt", "/js/app.js/"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct resp rs;
        enum rc rc = serve(w, bad[i], NULL, &rs);
        if (rc == RC_OK && rs.file_fd >= 0) {
            const char *text = read_fd(rs.file_fd);
            if (strstr(text, "SECRET") || strstr(text, "hidden"))
                fail_msg("%s leaked a file outside the web root", bad[i]);
            /* Only the single-page app's index may answer an odd path. */
            assert_string_equal(text, "<!doctype html><title>Waymark</title>");
        }
        resp_free(&rs);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(matches_literals_and_placeholders),
        cmocka_unit_test(misses_are_404_or_405_with_allow),
        cmocka_unit_test(the_route_table_is_well_formed),
        cmocka_unit_test(healthz_answers_ok_from_the_database),
        cmocka_unit_test_setup_teardown(files_serve_with_type_and_etag, web_setup, web_teardown),
        cmocka_unit_test_setup_teardown(files_fall_back_to_index_for_app_paths, web_setup,
                                        web_teardown),
        cmocka_unit_test_setup_teardown(files_never_leave_the_root, web_setup, web_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
