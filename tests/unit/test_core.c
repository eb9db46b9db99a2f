/*
 * test_core.c — buf, rc, now, ctx: the helpers every other module leans on.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/array.h"
#include "core/buf.h"
#include "core/ctx.h"
#include "core/now.h"
#include "core/query.h"
#include "core/rc.h"
#include "fixture.h"

static void buf_appends_and_stays_terminated(void **state)
{
    (void)state;
    struct buf b;
    buf_init(&b, 100);
    assert_string_equal(b.data, "");
    assert_int_equal(buf_add(&b, "abc"), RC_OK);
    assert_int_equal(buf_addc(&b, '-'), RC_OK);
    assert_int_equal(buf_addf(&b, "%d:%s", 42, "x"), RC_OK);
    assert_int_equal(buf_addn(&b, "zz\0q", 4), RC_OK);
    assert_int_equal(b.len, 12);
    assert_memory_equal(b.data, "abc-42:xzz\0q", 12);
    assert_int_equal(b.data[b.len], '\0');
    buf_free(&b);
    assert_string_equal(b.data, "");
}

static void buf_refuses_past_its_cap_and_remembers(void **state)
{
    (void)state;
    struct buf b;
    buf_init(&b, 10);
    assert_int_equal(buf_add(&b, "0123456789"), RC_OK);
    assert_int_equal(buf_addc(&b, 'x'), RC_TOO_LARGE);
    /* A later small append is refused too: the first failure sticks. */
    assert_int_equal(buf_add(&b, ""), RC_TOO_LARGE);
    assert_int_equal(buf_failed(&b), RC_TOO_LARGE);
    assert_string_equal(b.data, "0123456789");
    assert_null(buf_steal(&b, NULL));
    buf_reset(&b);
    assert_int_equal(buf_failed(&b), RC_OK);
    assert_int_equal(buf_addf(&b, "%s", "01234567890"), RC_TOO_LARGE);
    buf_free(&b);
}

static void buf_grows_through_many_appends(void **state)
{
    (void)state;
    struct buf b;
    buf_init(&b, 1 << 20);
    for (int i = 0; i < 10000; i++)
        assert_int_equal(buf_addf(&b, "%04d", i % 10000), RC_OK);
    assert_int_equal(b.len, 40000);
    assert_memory_equal(b.data + 4 * 9999, "9999", 4);
    size_t len = 0;
    char *p = buf_steal(&b, &len);
    assert_int_equal(len, 40000);
    assert_int_equal(b.len, 0);
    free(p);
    buf_free(&b);
}

static void rc_maps_to_status_and_code(void **state)
{
    (void)state;
    assert_int_equal(rc_http_status(RC_OK), 200);
    assert_int_equal(rc_http_status(RC_INVALID), 422);
    assert_string_equal(rc_code(RC_INVALID), "validation_failed");
    assert_int_equal(rc_http_status(RC_NOT_FOUND), 404);
    assert_int_equal(rc_http_status(RC_TOO_LARGE), 413);
    assert_int_equal(rc_http_status(RC_UNSUPPORTED_MEDIA), 415);
    assert_int_equal(rc_http_status(RC_HEADERS_TOO_LARGE), 431);
    assert_int_equal(rc_http_status(RC_BUSY), 503);
    assert_string_equal(rc_name(RC_CONFLICT), "RC_CONFLICT");
    /* Out-of-range values never index past the table. */
    assert_int_equal(rc_http_status((enum rc)999), 500);
}

static void now_parses_and_formats_rfc3339(void **state)
{
    (void)state;
    int64_t t = 0;
    assert_int_equal(now_parse_rfc3339("2026-12-01T09:00:00Z", &t), RC_OK);
    assert_int_equal(t, 1796115600LL);
    char out[32];
    now_format_rfc3339(t, out, sizeof out);
    assert_string_equal(out, "2026-12-01T09:00:00Z");
    assert_int_equal(now_parse_rfc3339("2026-12-01T10:30:00+01:30", &t), RC_OK);
    assert_int_equal(t, 1796115600LL);
    assert_int_equal(now_parse_rfc3339("2026-12-01T09:00:00.999Z", &t), RC_OK);
    assert_int_equal(t, 1796115600LL);
    assert_int_equal(now_parse_rfc3339("1970-01-01T00:00:00Z", &t), RC_OK);
    assert_int_equal(t, 0);
    assert_int_equal(now_parse_rfc3339("2024-02-29T00:00:00Z", &t), RC_OK);
}

static void now_rejects_impossible_instants(void **state)
{
    (void)state;
    int64_t t = 7;
    const char *bad[] = {"",
                         "2026-12-01",
                         "2026-12-01T09:00:00",
                         "2026-13-01T00:00:00Z",
                         "2025-02-29T00:00:00Z",
                         "2026-12-01T24:00:00Z",
                         "2026-12-01T09:00:00Zjunk",
                         "2026-12-01T09:00:00+1:00",
                         "2026-12-01T09:00:00.Z",
                         "'; DROP TABLE tenants; --"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(now_parse_rfc3339(bad[i], &t), RC_INVALID);
    assert_int_equal(t, 7); /* untouched on failure */
}

static void now_reads_the_clock_file(void **state)
{
    (void)state;
    char path[] = "/tmp/waymark-now-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "2026-12-01T09:00:00Z\n", 21), 21);
    close(fd);
    assert_int_equal(now_read(path), 1796115600LL);
    FILE *f = fopen(path, "w");
    fputs("12345", f);
    fclose(f);
    assert_int_equal(now_read(path), 12345);
    unlink(path);
    /* A missing file falls back to the system clock. */
    assert_true(now_read(path) > 1700000000LL);
    assert_true(now_read(NULL) > 1700000000LL);
}

static void ctx_collects_every_field_error(void **state)
{
    (void)state;
    struct ctx cx;
    ctx_init(&cx);
    assert_int_equal(ctx_fail(&cx, RC_INVALID, "title", "is required"), RC_INVALID);
    ctx_fail(&cx, RC_INVALID, "due_offset_days", "must be %d or more", 3);
    json_t *e = ctx_error_json(&cx, RC_INVALID);
    json_t *err = json_object_get(e, "error");
    assert_string_equal(json_string_value(json_object_get(err, "code")), "validation_failed");
    json_t *details = json_object_get(err, "details");
    assert_int_equal(json_array_size(details), 2);
    assert_string_equal(json_string_value(json_object_get(json_array_get(details, 1), "message")),
                        "must be 3 or more");
    json_decref(e);
    ctx_clear(&cx);
    assert_int_equal(cx.rc, RC_OK);
}

static void ctx_error_shape_for_an_unset_rc_uses_defaults(void **state)
{
    (void)state;
    struct ctx cx;
    ctx_init(&cx);
    ctx_fail_code(&cx, RC_BAD_REQUEST, "malformed_json", "bad %s", "json");
    struct resp rs;
    resp_init(&rs);
    resp_error(&rs, &cx, RC_BAD_REQUEST);
    assert_int_equal(rs.status, 400);
    assert_string_equal(rs.body.data, "{\"error\":{\"code\":\"malformed_json\",\"message\":"
                                      "\"bad json\",\"details\":[]}}");
    /* A different rc than the one recorded renders that rc's defaults. */
    resp_error(&rs, &cx, RC_NOT_FOUND);
    assert_int_equal(rs.status, 404);
    assert_non_null(strstr(rs.body.data, "\"not_found\""));
    resp_free(&rs);
    ctx_clear(&cx);
}

static void query_reads_ids_and_paging(void **state)
{
    (void)state;
    assert_int_equal(query_id("42"), 42);
    assert_int_equal(query_id("999999999999999999"), 999999999999999999LL);
    const char *bad[] = {NULL,          "", "-1", "1e3", " 1", "1 ", "0x10", "1234567890123456789",
                         "1' OR '1'='1"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(query_id(bad[i]), 0);

    struct ctx cx;
    ctx_init(&cx);
    struct fake_req f;
    fake_req_init(&f, "GET", "/api/v1/users");
    int limit = -1;
    int64_t cursor = -1;
    assert_int_equal(query_paging(&cx, &f.rq, &limit, &cursor), RC_OK);
    assert_int_equal(limit, QUERY_LIMIT_DEFAULT);
    assert_int_equal(cursor, 0);
    f.query[0][0] = "limit";
    f.query[0][1] = "500";
    f.query[1][0] = "cursor";
    f.query[1][1] = "77";
    assert_int_equal(query_paging(&cx, &f.rq, &limit, &cursor), RC_OK);
    assert_int_equal(limit, 500);
    assert_int_equal(cursor, 77);
    f.query[0][1] = "501";
    f.query[1][1] = "abc";
    assert_int_equal(query_paging(&cx, &f.rq, &limit, &cursor), RC_BAD_REQUEST);
    assert_int_equal(json_array_size(cx.details), 2);
    ctx_clear(&cx);

    json_t *c = query_cursor_json(0);
    assert_true(json_is_null(c));
    json_decref(c);
    c = query_cursor_json(123);
    assert_string_equal(json_string_value(c), "123");
    json_decref(c);
}

static void array_reserve_doubles_and_refuses_overflow(void **state)
{
    (void)state;
    int64_t *v = NULL;
    size_t cap = 0;
    assert_int_equal(array_reserve((void **)&v, sizeof *v, 1, &cap), RC_OK);
    assert_int_equal(cap, 16);
    for (size_t i = 0; i < 16; i++)
        v[i] = (int64_t)i;
    assert_int_equal(array_reserve((void **)&v, sizeof *v, 16, &cap), RC_OK);
    assert_int_equal(cap, 16); /* room enough: nothing moves */
    assert_int_equal(array_reserve((void **)&v, sizeof *v, 100, &cap), RC_OK);
    assert_int_equal(cap, 128);
    assert_int_equal(v[15], 15); /* kept across the move */
    int64_t *before = v;
    assert_int_equal(array_reserve((void **)&v, sizeof *v, SIZE_MAX / 4, &cap), RC_NOMEM);
    assert_ptr_equal(v, before);
    assert_int_equal(cap, 128);
    free(v);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(array_reserve_doubles_and_refuses_overflow),
        cmocka_unit_test(buf_appends_and_stays_terminated),
        cmocka_unit_test(buf_refuses_past_its_cap_and_remembers),
        cmocka_unit_test(buf_grows_through_many_appends),
        cmocka_unit_test(rc_maps_to_status_and_code),
        cmocka_unit_test(now_parses_and_formats_rfc3339),
        cmocka_unit_test(now_rejects_impossible_instants),
        cmocka_unit_test(now_reads_the_clock_file),
        cmocka_unit_test(ctx_collects_every_field_error),
        cmocka_unit_test(ctx_error_shape_for_an_unset_rc_uses_defaults),
        cmocka_unit_test(query_reads_ids_and_paging),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
