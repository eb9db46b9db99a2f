/*
 * fixture.h — shared pieces of the unit tests: a fresh migrated database, a fake clock
 * and a fake request, so handlers and domain functions run without a socket.
 *
 * Header-only (static functions) because each test binary is one translation unit.
 * cmocka must be included before this file.
 */
#ifndef WAYMARK_TEST_FIXTURE_H
#define WAYMARK_TEST_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/ctx.h"
#include "db/db.h"

/* 2026-12-01T09:00:00Z, a Tuesday. */
#define FIXTURE_NOW 1796115600LL

struct fake_req {
    struct req rq;
    const char *headers[8][2];
    const char *query[8][2];
};

static const char *fake_lookup(const char *(*pairs)[2], const char *name)
{
    for (int i = 0; i < 8 && pairs[i][0]; i++)
        if (strcasecmp(pairs[i][0], name) == 0)
            return pairs[i][1];
    return NULL;
}

static const char *fake_header(const struct req *rq, const char *name)
{
    return fake_lookup(((struct fake_req *)rq->impl)->headers, name);
}

static const char *fake_query(const struct req *rq, const char *name)
{
    return fake_lookup(((struct fake_req *)rq->impl)->query, name);
}

/* A GET (or other method) request for path with no body. */
static inline void fake_req_init(struct fake_req *f, const char *method, const char *path)
{
    memset(f, 0, sizeof *f);
    f->rq.method = method;
    f->rq.path = path;
    f->rq.body = "";
    f->rq.header = fake_header;
    f->rq.query = fake_query;
    f->rq.impl = f;
}

/* A fresh in-memory SQLite database with every migration applied. */
static inline struct db *fixture_db(void)
{
    char err[256];
    struct db *db = NULL;
    if (db_open("sqlite::memory:", &db, err, sizeof err) != RC_OK ||
        db_migrate(db, err, sizeof err) != RC_OK) {
        fprintf(stderr, "fixture_db: %s\n", err);
        abort();
    }
    return db;
}

/* Runs one statement on a fresh connection to url (creating or dropping a schema).
 * Returns 0 or -1 after printing why. */
static inline int fixture_pg_admin(const char *url, const char *sql)
{
    struct db *db = NULL;
    char err[512];
    if (db_open(url, &db, err, sizeof err) != RC_OK) {
        fprintf(stderr, "cannot open %s: %s\n", url, err);
        return -1;
    }
    enum rc rc = db_exec(db, sql);
    if (rc)
        fprintf(stderr, "%s: %s\n", sql, db_errmsg(db));
    db_close(db);
    return rc ? -1 : 0;
}

/* A fresh migrated database: in-memory SQLite when pg_url is NULL or empty, else a new
 * schema on that PostgreSQL server named after prefix (written to schema, size 96), so
 * tests run in parallel without seeing each other. Drop it with fixture_db_drop. */
static inline struct db *fixture_db_on(const char *pg_url, const char *prefix, char *schema)
{
    static int counter;
    schema[0] = '\0';
    if (!pg_url || !*pg_url)
        return fixture_db();
    char sql[160], url[1024], err[512];
    snprintf(schema, 96, "waymark_%s_%ld_%ld_%d", prefix, (long)getpid(), (long)time(NULL),
             ++counter);
    snprintf(sql, sizeof sql, "CREATE SCHEMA %s", schema);
    if (fixture_pg_admin(pg_url, sql) != 0)
        abort();
    snprintf(url, sizeof url, "%s%coptions=-csearch_path%%3D%s", pg_url,
             strchr(pg_url, '?') ? '&' : '?', schema);
    struct db *db = NULL;
    if (db_open(url, &db, err, sizeof err) != RC_OK || db_migrate(db, err, sizeof err) != RC_OK) {
        fprintf(stderr, "fixture_db_on: %s\n", err);
        abort();
    }
    return db;
}

/* Closes db and drops its schema when it had one. */
static inline void fixture_db_drop(struct db *db, const char *pg_url, const char *schema)
{
    db_close(db);
    if (pg_url && *pg_url && schema[0]) {
        char sql[160];
        snprintf(sql, sizeof sql, "DROP SCHEMA %s CASCADE", schema);
        fixture_pg_admin(pg_url, sql);
    }
}

/* A context on db at FIXTURE_NOW. */
static inline void fixture_ctx(struct ctx *cx, struct db *db)
{
    ctx_init(cx);
    cx->db = db;
    cx->now = FIXTURE_NOW;
    cx->request_id = "test";
}

#ifdef cmocka_unit_test
/* Runs the group tests[0..n) named name on SQLite, then again on PostgreSQL when
 * WAYMARK_TEST_PG_URL is set (each test's initial_state is then that URL; on SQLite it is
 * NULL: see fixture_db_on). after (may be NULL) runs after each backend with its name.
 * Returns the number of failures. */
static inline int fixture_run_on_both(const char *name, const struct CMUnitTest *tests, size_t n,
                                      void (*after)(const char *backend))
{
    char title[128];
    snprintf(title, sizeof title, "%s (sqlite)", name);
    int failed = _cmocka_run_group_tests(title, tests, n, NULL, NULL);
    if (after)
        after("sqlite");
    const char *url = getenv("WAYMARK_TEST_PG_URL");
    if (!url || !*url)
        return failed;
    struct CMUnitTest *pg = calloc(n, sizeof *pg);
    if (!pg)
        return failed + 1;
    for (size_t i = 0; i < n; i++) {
        pg[i] = tests[i];
        pg[i].initial_state = (void *)url;
    }
    snprintf(title, sizeof title, "%s (postgres)", name);
    failed += _cmocka_run_group_tests(title, pg, n, NULL, NULL);
    free(pg);
    if (after)
        after("postgres");
    return failed;
}
#define FIXTURE_RUN_ON_BOTH(name, tests, after)                                                    \
    fixture_run_on_both((name), (tests), sizeof(tests) / sizeof((tests)[0]), (after))
#endif

#endif
