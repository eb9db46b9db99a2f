/*
 * test_tenant.c — creating and finding tenants.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "fixture.h"
#include "tenant/tenant.h"

static void ensure_creates_once_then_finds(void **state)
{
    (void)state;
    struct db *db = fixture_db();
    struct ctx cx;
    fixture_ctx(&cx, db);
    struct tenant t;
    int created = -1;
    assert_int_equal(tenant_ensure(&cx, "acme", "Acme <b>Ltd</b> & Co", &t, &created), RC_OK);
    assert_int_equal(created, 1);
    assert_true(t.id > 0);
    assert_int_equal(t.created_at, FIXTURE_NOW);
    assert_string_equal(t.time_zone, "UTC");

    struct tenant again;
    cx.now = FIXTURE_NOW + 60;
    assert_int_equal(tenant_ensure(&cx, "acme", "Another name", &again, &created), RC_OK);
    assert_int_equal(created, 0);
    assert_int_equal(again.id, t.id);
    /* Names are stored as given: HTML is data, escaped only where it is displayed. */
    assert_string_equal(again.name, "Acme <b>Ltd</b> & Co");
    assert_int_equal(again.created_at, FIXTURE_NOW);
    ctx_clear(&cx);
    db_close(db);
}

static void ensure_rejects_bad_slugs_and_names_and_writes_nothing(void **state)
{
    (void)state;
    struct db *db = fixture_db();
    struct ctx cx;
    fixture_ctx(&cx, db);
    const char *bad_slugs[] = {"",
                               "a",
                               "-acme",
                               "acme-",
                               "Acme",
                               "ac me",
                               "acme'; DROP TABLE tenants; --",
                               "\xc3\xa9t\xc3\xa9"};
    for (size_t i = 0; i < sizeof bad_slugs / sizeof bad_slugs[0]; i++) {
        struct tenant t;
        int created = -1;
        assert_int_equal(tenant_ensure(&cx, bad_slugs[i], "Fine", &t, &created), RC_INVALID);
        assert_int_equal(created, -1);
        assert_string_equal(
            json_string_value(json_object_get(json_array_get(cx.details, 0), "field")), "slug");
        ctx_clear(&cx);
    }
    char long_name[1000];
    memset(long_name, 'x', 201);
    long_name[201] = '\0';
    struct tenant t;
    int created = -1;
    assert_int_equal(tenant_ensure(&cx, "ok-slug", long_name, &t, &created), RC_INVALID);
    ctx_clear(&cx);
    assert_int_equal(tenant_ensure(&cx, "ok-slug", "", &t, &created), RC_INVALID);
    ctx_clear(&cx);
    assert_int_equal(tenant_ensure(&cx, "ok-slug", "bad \xff utf8", &t, &created), RC_INVALID);
    ctx_clear(&cx);
    /* Both problems at once are both reported. */
    assert_int_equal(tenant_ensure(&cx, "A", "", &t, &created), RC_INVALID);
    assert_int_equal(json_array_size(cx.details), 2);
    ctx_clear(&cx);

    struct db_stmt *st;
    assert_int_equal(db_prepare(db, "SELECT count(*) FROM tenants", &st), RC_OK);
    assert_int_equal(db_step(st), RC_ROW);
    assert_int_equal(db_column_int64(st, 0), 0);
    db_reset(st);
    db_close(db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(ensure_creates_once_then_finds),
        cmocka_unit_test(ensure_rejects_bad_slugs_and_names_and_writes_nothing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
