/*
 * test_scheduler.c — the scheduler's lease (scheduler_store.h) and one pass
 * (scheduler_run_once): a lease is held by one worker until it is released or runs out,
 * and a worker that finds it held skips the pass. On SQLite, and on PostgreSQL when
 * WAYMARK_TEST_PG_URL is set.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/secure.h"
#include "db/db.h"
#include "fixture.h"
#include "scheduler/scheduler.h"
#include "scheduler/scheduler_store.h"

struct env {
    struct db *db;
    const char *pg;
    char schema[96];
};

static int setup(void **state)
{
    struct env *e = calloc(1, sizeof *e);
    e->pg = *state;
    e->db = fixture_db_on(e->pg, "scheduler", e->schema);
    *state = e;
    return 0;
}

static int teardown(void **state)
{
    struct env *e = *state;
    fixture_db_drop(e->db, e->pg, e->schema);
    free(e);
    return 0;
}

static void a_lease_has_one_holder_until_released_or_expired(void **state)
{
    struct env *e = *state;
    int taken = -1;
    assert_int_equal(scheduler_store_lease_take(e->db, "pass", "a:1", 1000, 1300, &taken), RC_OK);
    assert_int_equal(taken, 1);
    /* Held: another worker cannot take it, its holder can renew it. */
    assert_int_equal(scheduler_store_lease_take(e->db, "pass", "b:2", 1100, 1400, &taken), RC_OK);
    assert_int_equal(taken, 0);
    assert_int_equal(scheduler_store_lease_take(e->db, "pass", "a:1", 1100, 1400, &taken), RC_OK);
    assert_int_equal(taken, 1);
    /* Released: free at once. */
    assert_int_equal(scheduler_store_lease_release(e->db, "pass", "a:1"), RC_OK);
    assert_int_equal(scheduler_store_lease_take(e->db, "pass", "b:2", 1200, 1500, &taken), RC_OK);
    assert_int_equal(taken, 1);
    /* A release by someone who does not hold it changes nothing. */
    assert_int_equal(scheduler_store_lease_release(e->db, "pass", "a:1"), RC_OK);
    assert_int_equal(scheduler_store_lease_take(e->db, "pass", "a:1", 1250, 1600, &taken), RC_OK);
    assert_int_equal(taken, 0);
    /* Expired (a holder that died): anyone may take it. */
    assert_int_equal(scheduler_store_lease_take(e->db, "pass", "a:1", 1500, 1800, &taken), RC_OK);
    assert_int_equal(taken, 1);
    /* Leases are independent by name. */
    assert_int_equal(scheduler_store_lease_take(e->db, "other", "b:2", 1500, 1800, &taken), RC_OK);
    assert_int_equal(taken, 1);
}

static void a_pass_runs_unless_another_worker_holds_the_lease(void **state)
{
    struct env *e = *state;
    struct ctx cx;
    ctx_init(&cx);
    cx.db = e->db;
    cx.now = FIXTURE_NOW;

    struct scheduler_result r = {0};
    assert_int_equal(scheduler_run_once(&cx, NULL, "a:1", 0, &r), RC_OK);
    assert_int_equal(r.ran, 1);
    assert_int_equal(r.nudges.notices, 0); /* an empty database has nothing to say */
    assert_false(db_in_transaction(e->db));

    /* The pass gave its lease back, so the next one (any worker) runs too. */
    memset(&r, 0, sizeof r);
    assert_int_equal(scheduler_run_once(&cx, NULL, "b:2", 0, &r), RC_OK);
    assert_int_equal(r.ran, 1);

    /* A crashed worker's lease is respected until it runs out. */
    int taken = 0;
    assert_int_equal(
        scheduler_store_lease_take(e->db, "pass", "dead:9", FIXTURE_NOW, FIXTURE_NOW + 300, &taken),
        RC_OK);
    assert_int_equal(taken, 1);
    memset(&r, 0, sizeof r);
    assert_int_equal(scheduler_run_once(&cx, NULL, "a:1", 0, &r), RC_OK);
    assert_int_equal(r.ran, 0);
    cx.now = FIXTURE_NOW + 301;
    assert_int_equal(scheduler_run_once(&cx, NULL, "a:1", 0, &r), RC_OK);
    assert_int_equal(r.ran, 1);
    ctx_clear(&cx);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(a_lease_has_one_holder_until_released_or_expired),
        T(a_pass_runs_unless_another_worker_holds_the_lease),
    };
    if (secure_init() != RC_OK)
        return 1;
    log_set_level(LOG_ERROR);
    int failed = FIXTURE_RUN_ON_BOTH("scheduler", tests, NULL);
    return failed;
}
