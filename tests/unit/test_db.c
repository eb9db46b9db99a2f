/*
 * test_db.c — the storage interface (src/db/db.h) as a specification, on every backend.
 *
 * Groups:
 *   open     URL errors, the ":memory:" smoke case and SQLite file set-up (WAL, pragmas,
 *            parent directory), which need no shared fixture.
 *   sqlite   every interface test, each on a fresh database file in a temporary directory
 *            (files, not ":memory:", because WAL and the two-connection tests need one).
 *   postgres the same tests plus PostgreSQL-only ones, run when WAYMARK_TEST_PG_URL names a
 *            database (scripts/pg-temp start makes one); skipped with a note otherwise.
 *            Each test gets its own schema (search_path set through the URL's options) that
 *            is dropped afterwards, so runs against a shared database never collide and
 *            leave nothing behind.
 *
 * Threads in the concurrency tests never call cmocka: they record results that the test's
 * own thread asserts.
 */
#include "db/db.h"

/* cmocka.h needs these first. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>
#include <ftw.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/log.h"
#include "db/db_int.h"

#define TEST_URL_MAX 1024

struct fixture {
    enum db_backend backend;
    const char *base_url; /* postgres: WAYMARK_TEST_PG_URL */
    char dir[256];        /* sqlite: temporary directory of the group */
    int counter;          /* numbers the databases of the group */
    char url[TEST_URL_MAX];
    char schema[80]; /* postgres: this test's schema */
    char path[512];  /* sqlite: this test's file */
    struct db *db;
};

/* Fails the test with the rc names and the connection's message when expr != want. */
#define assert_rc(db, expr, want)                                                                  \
    do {                                                                                           \
        enum rc rc_got_ = (expr);                                                                  \
        enum rc rc_want_ = (want);                                                                 \
        if (rc_got_ != rc_want_) {                                                                 \
            print_error("%s:%d: %s gave %s, expected %s (%s)\n", __FILE__, __LINE__, #expr,        \
                        rc_name(rc_got_), rc_name(rc_want_), db_errmsg(db));                       \
            fail();                                                                                \
        }                                                                                          \
    } while (0)

/* ---- helpers ---- */

static void exec_ok(struct db *db, const char *sql)
{
    assert_rc(db, db_exec(db, sql), RC_OK);
}

static void execf_ok(struct db *db, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void execf_ok(struct db *db, const char *fmt, ...)
{
    char sql[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(sql, sizeof sql, fmt, ap);
    va_end(ap);
    exec_ok(db, sql);
}

/* The single integer of a one-row query. */
static int64_t query_int(struct db *db, const char *sql)
{
    struct db_stmt *st = NULL;
    assert_rc(db, db_prepare(db, sql, &st), RC_OK);
    assert_rc(db, db_step(st), RC_ROW);
    int64_t v = db_column_int64(st, 0);
    db_reset(st);
    return v;
}

static const char *blob_type(const struct db *db)
{
    return db_backend(db) == DB_SQLITE ? "BLOB" : "BYTEA";
}

static void migrate_ok(struct db *db)
{
    char err[512] = "";
    enum rc rc = db_migrate(db, err, sizeof err);
    if (rc != RC_OK) {
        print_error("db_migrate: %s: %s\n", rc_name(rc), err);
        fail();
    }
}

static enum rc insert_tenant(struct db *db, const char *slug, int64_t *id)
{
    struct db_stmt *st = NULL;
    enum rc rc = db_prepare(db,
                            "INSERT INTO tenants (slug, name, created_at) VALUES ($1, $2, $3) "
                            "RETURNING id",
                            &st);
    if (rc != RC_OK)
        return rc;
    db_bind_text(st, 1, slug, -1);
    db_bind_text(st, 2, "Tenant", -1);
    db_bind_int64(st, 3, 1767225600);
    rc = db_step(st);
    if (rc == RC_ROW) {
        if (id)
            *id = db_column_int64(st, 0);
        rc = db_step(st) == RC_DONE ? RC_OK : RC_DB;
    }
    db_reset(st);
    return rc;
}

static int remove_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    remove(path);
    return 0;
}

static void remove_tree(const char *dir)
{
    if (dir[0])
        nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* ---- fixture ---- */

static int group_setup_sqlite(void **state)
{
    static struct fixture f;
    memset(&f, 0, sizeof f);
    f.backend = DB_SQLITE;
    snprintf(f.dir, sizeof f.dir, "/tmp/waymark-test-db-XXXXXX");
    if (!mkdtemp(f.dir))
        return -1;
    *state = &f;
    return 0;
}

static int group_setup_pg(void **state)
{
    static struct fixture f;
    memset(&f, 0, sizeof f);
    f.backend = DB_POSTGRES;
    f.base_url = getenv("WAYMARK_TEST_PG_URL");
    *state = &f;
    return 0;
}

static int group_teardown(void **state)
{
    struct fixture *f = *state;
    remove_tree(f->dir);
    return 0;
}

/* Runs one statement on a short-lived connection to the base PostgreSQL database. */
static int pg_admin(const char *base_url, const char *sql)
{
    struct db *db = NULL;
    char err[512];
    if (db_open(base_url, &db, err, sizeof err) != RC_OK) {
        fprintf(stderr, "cannot open %s: %s\n", base_url, err);
        return -1;
    }
    enum rc rc = db_exec(db, sql);
    if (rc != RC_OK)
        fprintf(stderr, "%s: %s\n", sql, db_errmsg(db));
    db_close(db);
    return rc == RC_OK ? 0 : -1;
}

static int test_setup(void **state)
{
    struct fixture *f = *state;
    char err[512];
    char sql[160];
    f->counter++;
    f->db = NULL;
    if (f->backend == DB_SQLITE) {
        snprintf(f->path, sizeof f->path, "%s/t%d.db", f->dir, f->counter);
        snprintf(f->url, sizeof f->url, "sqlite:%s", f->path);
    } else {
        snprintf(f->schema, sizeof f->schema, "waymark_test_%ld_%ld_%d", (long)getpid(),
                 (long)time(NULL), f->counter);
        snprintf(sql, sizeof sql, "CREATE SCHEMA %s", f->schema);
        if (pg_admin(f->base_url, sql) != 0)
            return -1;
        snprintf(f->url, sizeof f->url, "%s%coptions=-csearch_path%%3D%s", f->base_url,
                 strchr(f->base_url, '?') ? '&' : '?', f->schema);
    }
    if (db_open(f->url, &f->db, err, sizeof err) != RC_OK) {
        fprintf(stderr, "cannot open %s: %s\n", f->url, err);
        return -1;
    }
    return 0;
}

static int test_teardown(void **state)
{
    struct fixture *f = *state;
    char sql[160];
    db_close(f->db);
    f->db = NULL;
    if (f->backend == DB_SQLITE) {
        static const char *const suffixes[] = {"", "-wal", "-shm", "-journal"};
        for (size_t i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++) {
            char p[600];
            snprintf(p, sizeof p, "%s%s", f->path, suffixes[i]);
            unlink(p);
        }
    } else {
        snprintf(sql, sizeof sql, "DROP SCHEMA %s CASCADE", f->schema);
        if (pg_admin(f->base_url, sql) != 0)
            return -1;
    }
    return 0;
}

/* ---- opening ---- */

static void test_open_rejects_unknown_urls(void **state)
{
    (void)state;
    char err[256];
    struct db *db = NULL;

    assert_int_equal(db_open("mysql://root:secret@localhost/app", &db, err, sizeof err),
                     RC_INVALID);
    assert_null(db);
    assert_non_null(strstr(err, "\"mysql\""));
    assert_non_null(strstr(err, "sqlite:PATH"));
    assert_non_null(strstr(err, "postgres://"));
    assert_null(strstr(err, "secret"));

    assert_int_equal(db_open("waymark.db", &db, err, sizeof err), RC_INVALID);
    assert_non_null(strstr(err, "no known scheme"));
    assert_int_equal(db_open("", &db, err, sizeof err), RC_INVALID);
    assert_non_null(strstr(err, "no database URL"));
    assert_int_equal(db_open(NULL, &db, err, sizeof err), RC_INVALID);
    assert_int_equal(db_open("sqlite:", &db, err, sizeof err), RC_INVALID);
    assert_non_null(strstr(err, "no path"));
    assert_int_equal(db_open("SQLITE:x.db", &db, err, sizeof err), RC_INVALID);
    assert_null(db);
}

static void test_open_reports_unreachable_postgres(void **state)
{
    (void)state;
    char err[512];
    struct db *db = NULL;
    /* Port 1 on loopback refuses at once; no server is needed. */
    assert_int_equal(db_open("postgres://nobody@127.0.0.1:1/none", &db, err, sizeof err), RC_DB);
    assert_null(db);
    assert_non_null(strstr(err, "cannot connect to PostgreSQL"));
    assert_null(strchr(err, '\n'));
    assert_int_equal(db_open("postgresql://nobody@127.0.0.1:1/none", &db, err, sizeof err), RC_DB);
}

static void test_open_sqlite_memory_smoke(void **state)
{
    (void)state;
    char err[256];
    struct db *db = NULL;
    int64_t id = 0;
    int version = -1;

    assert_int_equal(db_open("sqlite::memory:", &db, err, sizeof err), RC_OK);
    assert_int_equal(db_backend(db), DB_SQLITE);
    assert_string_equal(db_backend_name(db), "sqlite");
    assert_rc(db, db_ping(db), RC_OK);
    migrate_ok(db);
    assert_rc(db, db_schema_version(db, &version), RC_OK);
    assert_int_equal(version, db_migrations_latest());
    assert_rc(db, insert_tenant(db, "acme", &id), RC_OK);
    assert_int_equal(id, 1);
    assert_int_equal(query_int(db, "SELECT COUNT(*) FROM tenants"), 1);
    db_close(db);
    db_close(NULL);
}

static void test_open_sqlite_file_setup(void **state)
{
    (void)state;
    char dir[] = "/tmp/waymark-test-open-XXXXXX";
    char url[600], path[512], err[512];
    struct db *db = NULL;
    struct db_stmt *st = NULL;
    struct stat sb;

    assert_non_null(mkdtemp(dir));
    /* The directory of the file is created when missing, however deep. */
    snprintf(path, sizeof path, "%s/data/nested/waymark.db", dir);
    snprintf(url, sizeof url, "sqlite:%s", path);
    assert_int_equal(db_open(url, &db, err, sizeof err), RC_OK);
    assert_int_equal(stat(path, &sb), 0);

    assert_rc(db, db_prepare(db, "PRAGMA journal_mode", &st), RC_OK);
    assert_rc(db, db_step(st), RC_ROW);
    assert_string_equal(db_column_text(st, 0), "wal");
    db_reset(st);
    assert_int_equal(query_int(db, "PRAGMA foreign_keys"), 1);
    assert_int_equal(query_int(db, "PRAGMA synchronous"), 1); /* NORMAL */
    assert_int_equal(query_int(db, "PRAGMA busy_timeout"), 5000);
    db_close(db);
    db = NULL;

    /* A parent that is a regular file cannot become a directory: a clear error. */
    snprintf(path, sizeof path, "%s/plain-file", dir);
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    fclose(fp);
    snprintf(url, sizeof url, "sqlite:%s/plain-file/sub/waymark.db", dir);
    assert_int_equal(db_open(url, &db, err, sizeof err), RC_DB);
    assert_null(db);
    assert_non_null(strstr(err, "cannot create directory"));
    remove_tree(dir);
}

/* ---- migrations ---- */

static void test_migrate_from_empty_to_latest(void **state)
{
    struct fixture *f = *state;
    struct db *db = f->db;
    int version = -1;

    assert_true(db_migrations_latest() >= 1);
    assert_rc(db, db_schema_version(db, &version), RC_OK);
    assert_int_equal(version, 0);
    migrate_ok(db);
    assert_rc(db, db_schema_version(db, &version), RC_OK);
    assert_int_equal(version, db_migrations_latest());
    assert_int_equal(query_int(db, "SELECT COUNT(*) FROM schema_migrations"),
                     db_migrations_latest());
    assert_int_equal(query_int(db, "SELECT COUNT(*) FROM schema_migrations WHERE version = 1 "
                                   "AND name = 'tenants' AND applied_at > 1700000000"),
                     1);
    /* The first migration's table is usable, with its {{ID}} filled for this backend. */
    assert_rc(db, insert_tenant(db, "acme", NULL), RC_OK);
    assert_false(db_in_transaction(db));
}

static void test_migrate_twice_is_a_no_op(void **state)
{
    struct fixture *f = *state;
    struct db *db = f->db;
    int version = -1;

    migrate_ok(db);
    exec_ok(db, "UPDATE schema_migrations SET applied_at = 42");
    migrate_ok(db);
    assert_rc(db, db_schema_version(db, &version), RC_OK);
    assert_int_equal(version, db_migrations_latest());
    assert_int_equal(query_int(db, "SELECT COUNT(*) FROM schema_migrations"),
                     db_migrations_latest());
    assert_int_equal(query_int(db, "SELECT MAX(applied_at) FROM schema_migrations"), 42);
}

static void test_migrate_refuses_a_newer_database(void **state)
{
    struct fixture *f = *state;
    struct db *db = f->db;
    char err[512] = "";
    char want[200];
    int version = 0;

    migrate_ok(db);
    exec_ok(db, "INSERT INTO schema_migrations (version, name, applied_at) "
                "VALUES (9999, 'from_the_future', 0)");
    assert_int_equal(db_migrate(db, err, sizeof err), RC_CONFLICT);
    snprintf(want, sizeof want,
             "database schema is at version 9999 but this waymark knows only up to %d; run a "
             "newer waymark",
             db_migrations_latest());
    assert_string_equal(err, want);
    assert_rc(db, db_schema_version(db, &version), RC_OK);
    assert_int_equal(version, 9999);
    assert_false(db_in_transaction(db));
}

struct migrator {
    const char *url;
    enum rc rc;
    char err[512];
};

static void *migrator_main(void *arg)
{
    struct migrator *m = arg;
    struct db *db = NULL;
    m->rc = db_open(m->url, &db, m->err, sizeof m->err);
    if (m->rc == RC_OK)
        m->rc = db_migrate(db, m->err, sizeof m->err);
    db_close(db);
    return NULL;
}

static void test_migrate_from_two_processes_at_once(void **state)
{
    struct fixture *f = *state;
    struct migrator m[2] = {{.url = f->url}, {.url = f->url}};
    pthread_t t[2];

    for (int i = 0; i < 2; i++)
        assert_int_equal(pthread_create(&t[i], NULL, migrator_main, &m[i]), 0);
    for (int i = 0; i < 2; i++)
        pthread_join(t[i], NULL);
    for (int i = 0; i < 2; i++) {
        if (m[i].rc != RC_OK)
            print_error("migrator %d: %s: %s\n", i, rc_name(m[i].rc), m[i].err);
        assert_int_equal(m[i].rc, RC_OK);
    }
    assert_int_equal(query_int(f->db, "SELECT COUNT(*) FROM schema_migrations"),
                     db_migrations_latest());
}

static void test_migrate_fills_placeholders_per_backend(void **state)
{
    struct fixture *f = *state;
    struct db *db = f->db;
    char *sql = NULL;

    assert_rc(db,
              db_migrate_fill(db, "CREATE TABLE uploads (id {{ID}}, data {{BLOB}} NOT NULL)", &sql),
              RC_OK);
    if (db_backend(db) == DB_SQLITE)
        assert_string_equal(sql, "CREATE TABLE uploads (id INTEGER PRIMARY KEY, data BLOB "
                                 "NOT NULL)");
    else
        assert_string_equal(sql, "CREATE TABLE uploads (id BIGINT GENERATED BY DEFAULT AS "
                                 "IDENTITY PRIMARY KEY, data BYTEA NOT NULL)");
    exec_ok(db, sql);
    free(sql);
    sql = NULL;
    exec_ok(db, "INSERT INTO uploads (data) VALUES ('')");
    exec_ok(db, "INSERT INTO uploads (data) VALUES ('')");
    assert_int_equal(query_int(db, "SELECT MAX(id) FROM uploads"), 2);

    assert_int_equal(db_migrate_fill(db, "CREATE TABLE x (id {{IDENT}})", &sql), RC_INVALID);
    assert_null(sql);
    assert_non_null(strstr(db_errmsg(db), "{{IDENT}}"));
    assert_int_equal(db_migrate_fill(db, "SELECT '{{'", &sql), RC_INVALID);
}

/* ---- statements and parameters ---- */

static void test_prepare_returns_the_cached_statement_reset(void **state)
{
    struct fixture *f = *state;
    struct db *db = f->db;
    struct db_stmt *a = NULL, *b = NULL, *other = NULL;
    char sql[] = "SELECT n FROM items WHERE n >= $1 ORDER BY n";
    char same[sizeof sql];

    exec_ok(db, "CREATE TABLE items (n BIGINT NOT NULL)");
    exec_ok(db, "INSERT INTO items (n) VALUES (1), (2), (3)");

    assert_rc(db, db_prepare(db, sql, &a), RC_OK);
    assert_int_equal(db_column_count(a), 1);
    assert_rc(db, db_bind_int64(a, 1, 2), RC_OK);
    assert_rc(db, db_step(a), RC_ROW);
    assert_int_equal(db_column_int64(a, 0), 2);

    /* Keyed by the text, not the pointer; handed back reset with bindings cleared. */
    memcpy(same, sql, sizeof sql);
    assert_rc(db, db_prepare(db, same, &b), RC_OK);
    assert_ptr_equal(a, b);
    assert_rc(db, db_step(b), RC_DONE); /* $1 is NULL again: n >= NULL matches nothing */
    assert_rc(db, db_prepare(db, sql, &b), RC_OK);
    assert_rc(db, db_bind_int64(b, 1, 1), RC_OK);
    assert_rc(db, db_step(b), RC_ROW);
    assert_int_equal(db_column_int64(b, 0), 1); /* started over, not continuing at 3 */
    db_reset(b);

    assert_rc(db, db_prepare(db, "SELECT n FROM items WHERE n = $1", &other), RC_OK);
    assert_ptr_not_equal(other, a);
    db_reset(other);
    db_reset(NULL);
}

static void test_parameters_out_of_order_and_repeated(void **state)
{
    struct fixture *f = *state;
    struct db *db = f->db;
    struct db_stmt *st = NULL;

    exec_ok(db, "CREATE TABLE pairs (a BIGINT, b TEXT, c BIGINT)");
    assert_rc(db, db_prepare(db, "INSERT INTO pairs (a, b, c) VALUES ($2, $1, $2)", &st), RC_OK);
    assert_rc(db, db_bind_text(st, 1, "x", -1), RC_OK);
    assert_rc(db, db_bind_int64(st, 2, 42), RC_OK);
    assert_rc(db, db_step(st), RC_DONE);
    db_reset(st);
    exec_ok(db, "INSERT INTO pairs (a, b, c) VALUES (42, 'y', 7)");

    assert_rc(db,
              db_prepare(db, "SELECT c, b, a FROM pairs WHERE a = $2 AND c = $2 AND b = $1", &st),
              RC_OK);
    assert_rc(db, db_bind_int64(st, 2, 42), RC_OK); /* bound in any order */
    assert_rc(db, db_bind_text(st, 1, "x", -1), RC_OK);
    assert_rc(db, db_step(st), RC_ROW);
    assert_int_equal(db_column_int64(st, 0), 42);
    assert_string_equal(db_column_text(st, 1), "x");
    assert_int_equal(db_column_int64(st, 2), 42);
    assert_rc(db, db_step(st), RC_DONE);

    /* A parameter that is not there is a programming error. */
    assert_int_equal(db_bind_int64(st, 3, 1), RC_INTERNAL);
    assert_int_equal(db_bind_int64(st, 0, 1), RC_INTERNAL);
    assert_non_null(strstr(db_errmsg(db), "$0"));
    db_reset(st);

    /* Only $N is portable. */
    assert_int_not_equal(db_prepare(db, "SELECT a FROM pairs WHERE a = ?", &st), RC_OK);
    assert_int_not_equal(db_prepare(db, "SELECT a FROM pairs WHERE a = :a", &st), RC_OK);
}

static void test_int64_extremes_round_trip(void **state)
{
    struct fixture *f = *state;
    struct db *db = f->db;
    struct db_stmt *st = NULL;
    static const int64_t values[] = {INT64_MIN, INT64_MIN + 1, -1, 0, 1, INT64_MAX - 1, INT64_MAX};
    const int n = sizeof values / sizeof values[0];

    exec_ok(db, "CREATE TABLE ints (i BIGINT PRIMARY KEY, v BIGINT NOT NULL)");
    for (int i = 0; i < n; i++) {
        assert_rc(db, db_prepare(db, "INSERT INTO ints (i, v) VALUES ($1, $2)", &st), RC_OK);
        assert_rc(db, db_bind_int64(st, 1, i), RC_OK);
        assert_rc(db, db_bind_int64(st, 2, values[i]), RC_OK);
        assert_rc(db, db_step(st), RC_DONE);
    }
    assert_rc(db, db_prepare(db, "SELECT v FROM ints ORDER BY i", &st), RC_OK);
    for (int i = 0; i < n; i++) {
        assert_rc(db, db_step(st), RC_ROW);
        assert_true(db_column_int64(st, 0) == values[i]);
    }
    assert_rc(db, db_step(st), RC_DONE);
    /* And as a bound comparison value. */
    assert_rc(db, db_prepare(db, "SELECT i FROM ints WHERE v = $1", &st), RC_OK);
    assert_rc(db, db_bind_int64(st, 1, INT64_MIN), RC_OK);
    assert_rc(db, db_step(st), RC_ROW);
    assert_int_equal(db_column_int64(st, 0), 0);
    db_reset(st);
}

static void test_doubles_round_trip(void **state)
{
    struct fixture *f = *state;
    struct db *db = f->db;
    struct db_stmt *st = NULL;
    static const double values[] = {0.1, -2.5, 1e300, 2.2250738585072014e-308, 3.141592653589793,
                                    0.0};
    const int n = sizeof values / sizeof values[0];

    exec_ok(db, "CREATE TABLE reals (i BIGINT PRIMARY KEY, x DOUBLE PRECISION NOT NULL)");
    for (int i = 0; i < n; i++) {
        assert_rc(db, db_prepare(db, "INSERT INTO reals (i, x) VALUES ($1, $2)", &st), RC_OK);
        assert_rc(db, db_bind_int64(st, 1, i), RC_OK);
        assert_rc(db, db_bind_double(st, 2, values[i]), RC_OK);
        assert_rc(db, db_step(st), RC_DONE);
    }
    assert_rc(db, db_prepare(db, "SELECT x FROM reals ORDER BY i", &st), RC_OK);
    for (int i = 0; i < n; i++) {
        assert_rc(db, db_step(st), RC_ROW);
        assert_true(db_column_double(st, 0) == values[i]);
    }
    db_reset(st);
}

static void test_text_round_trips_literally(void **state)
{
    struct fixture *f = *state;
    struct db *db = f->db;
    struct db_stmt *st = NULL;
    static const char *const texts[] = {
        "Grüße, 世界 🚀 — naïve café",
        "it's \"quoted\" and 'single' ''",
        "'; DROP TABLE notes; --",
        "back\\slash \\x00 $1 %s %n ?",
        "",
        "line one\nline two\ttab\r\n",
    };
    const int n = sizeof texts / sizeof texts[0];

    exec_ok(db, "CREATE TABLE notes (i BIGINT PRIMARY KEY, body TEXT NOT NULL)");
    for (int i = 0; i < n; i++) {
        assert_rc(db, db_prepare(db, "INSERT INTO notes (i, body) VALUES ($1, $2)", &st), RC_OK);
        assert_rc(db, db_bind_int64(st, 1, i), RC_OK);
        assert_rc(db, db_bind_text(st, 2, texts[i], -1), RC_OK);
        assert_rc(db, db_step(st), RC_DONE);
    }
    assert_rc(db, db_prepare(db, "SELECT body FROM notes ORDER BY i", &st), RC_OK);
    for (int i = 0; i < n; i++) {
        assert_rc(db, db_step(st), RC_ROW);
        assert_string_equal(db_column_text(st, 0), texts[i]);
        assert_int_equal(db_column_bytes(st, 0), strlen(texts[i]));
        assert_int_equal(db_column_is_null(st, 0), 0);
    }
    assert_rc(db, db_step(st), RC_DONE);

    assert_rc(db, db_prepare(db, "SELECT i FROM notes WHERE body = $1", &st), RC_OK);
    assert_rc(db, db_bind_text(st, 1, texts[2], -1), RC_OK);
    assert_rc(db, db_step(st), RC_ROW);
    assert_int_equal(db_column_int64(st, 0), 2);
    db_reset(st);
    assert_int_equal(query_int(db, "SELECT COUNT(*) FROM notes"), n);

    /* An explicit length binds only that prefix. */
    assert_rc(db, db_prepare(db, "INSERT INTO notes (i, body) VALUES ($1, $2)", &st), RC_OK);
    assert_rc(db, db_bind_int64(st, 1, 100), RC_OK);
    assert_rc(db, db_bind_text(st, 2, "abcdef", 3), RC_OK);
    assert_rc(db, db_step(st), RC_DONE);
    assert_rc(db, db_prepare(db, "SELECT body FROM notes WHERE i = 100", &st), RC_OK);
    assert_rc(db, db_step(st), RC_ROW);
    assert_string_equal(db_column_text(st, 0), "abc");
    db_reset(st);
}

static void test_blobs_with_nul_bytes_round_trip(void **state)
{
    struct fixture *f = *state;
    struct db *db = f->db;
    struct db_stmt *st = NULL;
    unsigned char all[256], nuls[3] = {0, 0, 0};
    size_t big_len = 100000;
    unsigned char *big = malloc(big_len);
    assert_non_null(big);
    for (int i = 0; i < 256; i++)
        all[i] = (unsigned char)i;
    for (size_t i = 0; i < big_len; i++)
        big[i] = (unsigned char)((i * 7919) % 251);
    const struct {
        const void *p;
        size_t len;
    } blobs[] = {{all, sizeof all}, {nuls, sizeof nuls}, {"", 0}, {big, big_len}};
    const int n = sizeof blobs / sizeof blobs[0];

    execf_ok(db, "CREATE TABLE files (i BIGINT PRIMARY KEY, data %s NOT NULL)", blob_type(db));
    for (int i = 0; i < n; i++) {
        assert_rc(db, db_prepare(db, "INSERT INTO files (i, data) VALUES ($1, $2)", &st), RC_OK);
        assert_rc(db, db_bind_int64(st, 1, i), RC_OK);
        assert_rc(db, db_bind_blob(st, 2, blobs[i].p, blobs[i].len), RC_OK);
        assert_rc(db, db_step(st), RC_DONE);
    }
    assert_rc(db, db_prepare(db, "SELECT data, i FROM files ORDER BY i", &st), RC_OK);
    for (int i = 0; i < n; i++) {
        assert_rc(db, db_step(st), RC_ROW);
        assert_int_equal(db_column_is_null(st, 0), 0);
        const void *p = db_column_blob(st, 0);
        assert_int_equal(db_column_bytes(st, 0), blobs[i].len);
        if (blobs[i].len)
            assert_memory_equal(p, blobs[i].p, blobs[i].len);
        /* Asking twice gives the same bytes (PostgreSQL decodes once per row). */
        assert_ptr_equal(db_column_blob(st, 0), p);
        assert_int_equal(db_column_int64(st, 1), i);
    }
    assert_rc(db, db_step(st), RC_DONE);
    db_reset(st);

    /* A blob compares as a bound value too. */
    assert_rc(db, db_prepare(db, "SELECT i FROM files WHERE data = $1", &st), RC_OK);
    assert_rc(db, db_bind_blob(st, 1, nuls, sizeof nuls), RC_OK);
    assert_rc(db, db_step(st), RC_ROW);
    assert_int_equal(db_column_int64(st, 0), 1);
    db_reset(st);
    free(big);
}

static void test_nulls(void **state)
{
    struct fixture *f = *state;
    struct db *db = f->db;
    struct db_stmt *st = NULL;

    execf_ok(db,
             "CREATE TABLE maybe (i BIGINT PRIMARY KEY, n BIGINT, t TEXT, "
             "d DOUBLE PRECISION, b %s)",
             blob_type(db));
    assert_rc(db,
              db_prepare(db, "INSERT INTO maybe (i, n, t, d, b) VALUES ($1, $2, $3, $4, $5)", &st),
              RC_OK);
    assert_rc(db, db_bind_int64(st, 1, 1), RC_OK);
    assert_rc(db, db_bind_null(st, 2), RC_OK);
    assert_rc(db, db_bind_text(st, 3, NULL, -1), RC_OK);
    /* $4 and $5 left unbound: NULL. */
    assert_rc(db, db_step(st), RC_DONE);
    assert_rc(db,
              db_prepare(db, "INSERT INTO maybe (i, n, t, d, b) VALUES ($1, $2, $3, $4, $5)", &st),
              RC_OK);
    assert_rc(db, db_bind_int64(st, 1, 2), RC_OK);
    assert_rc(db, db_bind_int64(st, 2, 0), RC_OK);
    assert_rc(db, db_bind_text(st, 3, "", 0), RC_OK);
    assert_rc(db, db_bind_double(st, 4, 0.0), RC_OK);
    assert_rc(db, db_bind_blob(st, 5, NULL, 0), RC_OK);
    assert_rc(db, db_step(st), RC_DONE);

    assert_rc(db, db_prepare(db, "SELECT n, t, d, b FROM maybe ORDER BY i", &st), RC_OK);
    assert_rc(db, db_step(st), RC_ROW);
    for (int c = 0; c < 4; c++)
        assert_int_equal(db_column_is_null(st, c), 1);
    assert_int_equal(db_column_int64(st, 0), 0);
    assert_string_equal(db_column_text(st, 1), "");
    assert_true(db_column_double(st, 2) == 0.0);
    assert_int_equal(db_column_bytes(st, 3), 0);
    assert_null(db_column_blob(st, 3));
    /* Columns past the end read as NULL. */
    assert_int_equal(db_column_is_null(st, 9), 1);
    assert_string_equal(db_column_text(st, 9), "");
    assert_rc(db, db_step(st), RC_ROW);
    for (int c = 0; c < 4; c++)
        assert_int_equal(db_column_is_null(st, c), 0);
    assert_rc(db, db_step(st), RC_DONE);
    /* No current row: everything reads as NULL. */
    assert_int_equal(db_column_is_null(st, 0), 1);
    assert_string_equal(db_column_text(st, 0), "");
    db_reset(st);
}

static void test_returning_id(void **state)
{
    struct fixture *f = *state;
    struct db *db = f->db;
    int64_t a = 0, b = 0;

    migrate_ok(db);
    assert_rc(db, insert_tenant(db, "acme", &a), RC_OK);
    assert_rc(db, insert_tenant(db, "globex", &b), RC_OK);
    assert_true(a >= 1);
    assert_true(b > a);
    assert_int_equal(query_int(db, "SELECT id FROM tenants WHERE slug = 'globex'"), b);
}

static void test_run_binds_typed_arguments_in_one_call(void **state)
{
    struct fixture *f = *state;
    struct db *db = f->db;
    int64_t changed = -1;
    migrate_ok(db);
    assert_rc(db,
              DB_RUN(db,
                     "INSERT INTO tenants (slug, name, time_zone, created_at) VALUES ($1, $2, "
                     "$3, $4)",
                     &changed, DB_TEXT("acme"), DB_TEXT("Acme '; DROP TABLE tenants; --"),
                     DB_TEXT("UTC"), DB_INT(INT64_MAX)),
              RC_OK);
    assert_int_equal(changed, 1);
    assert_int_equal(query_int(db, "SELECT created_at FROM tenants WHERE slug = 'acme'"),
                     INT64_MAX);
    /* DB_TEXT(NULL) and DB_INT_OR_NULL(0) bind SQL NULL. */
    assert_rc(db,
              DB_RUN(db,
                     "UPDATE tenants SET logo_type = $1, updated_at = COALESCE($2, 7) WHERE "
                     "slug = $3",
                     &changed, DB_TEXT(NULL), DB_INT_OR_NULL(0), DB_TEXT("acme")),
              RC_OK);
    assert_int_equal(changed, 1);
    assert_int_equal(query_int(db, "SELECT count(*) FROM tenants WHERE logo_type IS NULL AND "
                                   "updated_at = 7"),
                     1);
    assert_rc(db, DB_RUN(db, "DELETE FROM tenants WHERE slug = $1", &changed, DB_TEXT("nobody")),
              RC_OK);
    assert_int_equal(changed, 0);
    /* A constraint violation is a conflict, and the statement can be run again. */
    assert_rc(db,
              DB_RUN(db, "INSERT INTO tenants (slug, name, created_at) VALUES ($1, $2, $3)", NULL,
                     DB_TEXT("acme"), DB_TEXT("Again"), DB_INT(1)),
              RC_CONFLICT);
    assert_rc(db,
              DB_RUN(db, "INSERT INTO tenants (slug, name, created_at) VALUES ($1, $2, $3)", NULL,
                     DB_TEXT("globex"), DB_TEXT("Globex"), DB_INT(1)),
              RC_OK);
}

static void test_value_answers_one_number_or_not_found(void **state)
{
    struct fixture *f = *state;
    struct db *db = f->db;
    int64_t id = 0, again = -1;
    migrate_ok(db);
    assert_rc(db,
              DB_VALUE(db,
                       "INSERT INTO tenants (slug, name, created_at) VALUES ($1, $2, $3) "
                       "RETURNING id",
                       &id, DB_TEXT("acme"), DB_TEXT("Acme"), DB_INT(1)),
              RC_OK);
    assert_true(id > 0);
    assert_rc(db, DB_VALUE(db, "SELECT id FROM tenants WHERE slug = $1", &again, DB_TEXT("acme")),
              RC_OK);
    assert_int_equal(again, id);
    /* No row: RC_NOT_FOUND, and the output is left alone. */
    again = -1;
    assert_rc(db, DB_VALUE(db, "SELECT id FROM tenants WHERE slug = $1", &again, DB_TEXT("none")),
              RC_NOT_FOUND);
    assert_int_equal(again, -1);
    /* A constraint violation is a conflict, like DB_RUN. */
    assert_rc(db,
              DB_VALUE(db,
                       "INSERT INTO tenants (slug, name, created_at) VALUES ($1, $2, $3) "
                       "RETURNING id",
                       &again, DB_TEXT("acme"), DB_TEXT("Again"), DB_INT(1)),
              RC_CONFLICT);
}

static void test_on_conflict_do_nothing(void **state)
{
    struct fixture *f = *state;
    struct db *db = f->db;
    struct db_stmt *st = NULL;
    const char *sql = "INSERT INTO tenants (slug, name, created_at) VALUES ($1, $2, $3) "
                      "ON CONFLICT (slug) DO NOTHING RETURNING id";

    migrate_ok(db);
    for (int round = 0; round < 2; round++) {
        assert_rc(db, db_prepare(db, sql, &st), RC_OK);
        assert_rc(db, db_bind_text(st, 1, "acme", -1), RC_OK);
        assert_rc(db, db_bind_text(st, 2, round ? "Second" : "First", -1), RC_OK);
        assert_rc(db, db_bind_int64(st, 3, 0), RC_OK);
        if (round == 0) {
            assert_rc(db, db_step(st), RC_ROW);
            assert_true(db_column_int64(st, 0) >= 1);
        }
        assert_rc(db, db_step(st), RC_DONE);
        assert_int_equal(db_changes(db), round ? 0 : 1);
        db_reset(st);
    }
    assert_int_equal(query_int(db, "SELECT COUNT(*) FROM tenants"), 1);
    assert_int_equal(query_int(db, "SELECT COUNT(*) FROM tenants WHERE name = 'First'"), 1);
}

static void test_constraint_violations_are_conflicts(void **state)
{
    struct fixture *f = *state;
    struct db *db = f->db;
    struct db_stmt *st = NULL;
    int64_t id = 0;
    const char *member = "INSERT INTO members (tenant_id, age) VALUES ($1, $2)";

    migrate_ok(db);
    exec_ok(db, "CREATE TABLE members (tenant_id BIGINT NOT NULL REFERENCES tenants (id), "
                "age BIGINT CHECK (age >= 0))");
    assert_rc(db, insert_tenant(db, "acme", &id), RC_OK);
    /* unique */
    assert_rc(db, insert_tenant(db, "acme", NULL), RC_CONFLICT);
    assert_string_not_equal(db_errmsg(db), "no error");
    /* foreign key (SQLite enforces it only with foreign_keys=ON) */
    assert_rc(db, db_prepare(db, member, &st), RC_OK);
    assert_rc(db, db_bind_int64(st, 1, id + 1000), RC_OK);
    assert_rc(db, db_step(st), RC_CONFLICT);
    /* the error sticks until reset */
    assert_rc(db, db_step(st), RC_CONFLICT);
    /* not null */
    assert_rc(db, db_prepare(db, member, &st), RC_OK);
    assert_rc(db, db_bind_int64(st, 2, 5), RC_OK);
    assert_rc(db, db_step(st), RC_CONFLICT);
    /* check */
    assert_rc(db, db_prepare(db, member, &st), RC_OK);
    assert_rc(db, db_bind_int64(st, 1, id), RC_OK);
    assert_rc(db, db_bind_int64(st, 2, -1), RC_OK);
    assert_rc(db, db_step(st), RC_CONFLICT);
    /* and the connection carries on */
    assert_rc(db, db_prepare(db, member, &st), RC_OK);
    assert_rc(db, db_bind_int64(st, 1, id), RC_OK);
    assert_rc(db, db_bind_int64(st, 2, 30), RC_OK);
    assert_rc(db, db_step(st), RC_DONE);
    db_reset(st);
    assert_int_equal(query_int(db, "SELECT COUNT(*) FROM members"), 1);
    assert_int_equal(query_int(db, "SELECT COUNT(*) FROM tenants"), 1);
}

/* ---- transactions ---- */

static void insert_thing(struct db *db, int64_t n)
{
    struct db_stmt *st = NULL;
    assert_rc(db, db_prepare(db, "INSERT INTO things (n) VALUES ($1)", &st), RC_OK);
    assert_rc(db, db_bind_int64(st, 1, n), RC_OK);
    assert_rc(db, db_step(st), RC_DONE);
    db_reset(st);
}

static void test_rollback_leaves_nothing_written(void **state)
{
    struct fixture *f = *state;
    struct db *db = f->db;

    exec_ok(db, "CREATE TABLE things (n BIGINT NOT NULL)");
    assert_false(db_in_transaction(db));
    assert_rc(db, db_begin(db, 1), RC_OK);
    assert_true(db_in_transaction(db));
    insert_thing(db, 1);
    insert_thing(db, 2);
    assert_int_equal(query_int(db, "SELECT COUNT(*) FROM things"), 2);
    assert_rc(db, db_begin(db, 1), RC_INTERNAL); /* no nesting */
    assert_true(db_in_transaction(db));
    db_rollback(db);
    assert_false(db_in_transaction(db));
    assert_int_equal(query_int(db, "SELECT COUNT(*) FROM things"), 0);
    db_rollback(db); /* harmless outside a transaction */
    assert_rc(db, db_commit(db), RC_INTERNAL);

    assert_rc(db, db_begin(db, 0), RC_OK);
    assert_int_equal(query_int(db, "SELECT COUNT(*) FROM things"), 0);
    assert_rc(db, db_commit(db), RC_OK);
    assert_rc(db, db_begin(db, 1), RC_OK);
    insert_thing(db, 3);
    assert_rc(db, db_commit(db), RC_OK);
    assert_int_equal(query_int(db, "SELECT COUNT(*) FROM things"), 1);
}

struct tx_call {
    int64_t value;
    enum rc (*answer)(int call); /* what fn returns on its call-th run (1, 2, …) */
    int calls;
};

static enum rc tx_insert(struct db *db, void *arg)
{
    struct tx_call *c = arg;
    struct db_stmt *st = NULL;
    enum rc rc;
    c->calls++;
    rc = db_prepare(db, "INSERT INTO things (n) VALUES ($1)", &st);
    if (rc == RC_OK)
        rc = db_bind_int64(st, 1, c->value + c->calls);
    if (rc == RC_OK)
        rc = db_step(st);
    db_reset(st);
    if (rc != RC_DONE)
        return rc;
    return c->answer(c->calls);
}

static enum rc answer_ok(int call)
{
    (void)call;
    return RC_OK;
}

static enum rc answer_invalid(int call)
{
    (void)call;
    return RC_INVALID;
}

static enum rc answer_busy_once(int call)
{
    return call == 1 ? RC_BUSY : RC_OK;
}

static enum rc answer_always_busy(int call)
{
    (void)call;
    return RC_BUSY;
}

static void test_transaction_commits_on_ok_and_rolls_back_on_error(void **state)
{
    struct fixture *f = *state;
    struct db *db = f->db;
    struct tx_call ok = {.value = 100, .answer = answer_ok};
    struct tx_call bad = {.value = 200, .answer = answer_invalid};

    exec_ok(db, "CREATE TABLE things (n BIGINT NOT NULL)");
    assert_rc(db, db_transaction(db, 1, tx_insert, &ok), RC_OK);
    assert_int_equal(ok.calls, 1);
    assert_int_equal(query_int(db, "SELECT COUNT(*) FROM things WHERE n = 101"), 1);

    assert_rc(db, db_transaction(db, 1, tx_insert, &bad), RC_INVALID);
    assert_int_equal(bad.calls, 1); /* only busy is retried */
    assert_false(db_in_transaction(db));
    assert_int_equal(query_int(db, "SELECT COUNT(*) FROM things"), 1);

    /* A transaction cannot start inside another. */
    assert_rc(db, db_begin(db, 0), RC_OK);
    assert_rc(db, db_transaction(db, 1, tx_insert, &ok), RC_INTERNAL);
    db_rollback(db);
}

static void test_transaction_retries_when_busy(void **state)
{
    struct fixture *f = *state;
    struct db *db = f->db;
    struct tx_call once = {.value = 0, .answer = answer_busy_once};
    struct tx_call always = {.value = 1000, .answer = answer_always_busy};

    exec_ok(db, "CREATE TABLE things (n BIGINT NOT NULL)");
    assert_rc(db, db_transaction(db, 1, tx_insert, &once), RC_OK);
    assert_int_equal(once.calls, 2);
    /* The busy first attempt was rolled back; only the second one's row is there. */
    assert_int_equal(query_int(db, "SELECT COUNT(*) FROM things"), 1);
    assert_int_equal(query_int(db, "SELECT n FROM things"), 2);

    assert_rc(db, db_transaction(db, 1, tx_insert, &always), RC_BUSY);
    assert_true(always.calls > 2);
    assert_false(db_in_transaction(db));
    assert_int_equal(query_int(db, "SELECT COUNT(*) FROM things"), 1);
}

static void test_changes_counts_the_last_write(void **state)
{
    struct fixture *f = *state;
    struct db *db = f->db;
    struct db_stmt *st = NULL;

    exec_ok(db, "CREATE TABLE things (n BIGINT NOT NULL)");
    for (int i = 1; i <= 5; i++) {
        insert_thing(db, i);
        assert_int_equal(db_changes(db), 1);
    }
    assert_rc(db, db_prepare(db, "UPDATE things SET n = n + 10 WHERE n <= $1", &st), RC_OK);
    assert_rc(db, db_bind_int64(st, 1, 3), RC_OK);
    assert_rc(db, db_step(st), RC_DONE);
    assert_int_equal(db_changes(db), 3);
    db_reset(st);
    /* A SELECT leaves it alone. */
    assert_int_equal(query_int(db, "SELECT COUNT(*) FROM things"), 5);
    assert_int_equal(db_changes(db), 3);
    assert_rc(db, db_prepare(db, "DELETE FROM things WHERE n > $1", &st), RC_OK);
    assert_rc(db, db_bind_int64(st, 1, 11), RC_OK); /* 12 and 13 */
    assert_rc(db, db_step(st), RC_DONE);
    assert_int_equal(db_changes(db), 2);
    db_reset(st);
    assert_rc(db, db_prepare(db, "UPDATE things SET n = 0 WHERE n < 0", &st), RC_OK);
    assert_rc(db, db_step(st), RC_DONE);
    assert_int_equal(db_changes(db), 0);
    db_reset(st);
}

#define BIG_ROWS 10000

static enum rc fill_big(struct db *db, void *arg)
{
    (void)arg;
    struct db_stmt *st = NULL;
    char label[32];
    enum rc rc = RC_OK;
    for (int i = 0; i < BIG_ROWS && rc == RC_OK; i++) {
        snprintf(label, sizeof label, "row %d", i);
        rc = db_prepare(db, "INSERT INTO big (n, label) VALUES ($1, $2)", &st);
        if (rc == RC_OK)
            rc = db_bind_int64(st, 1, i);
        if (rc == RC_OK)
            rc = db_bind_text(st, 2, label, -1);
        if (rc == RC_OK && (rc = db_step(st)) == RC_DONE)
            rc = RC_OK;
        db_reset(st);
    }
    return rc;
}

static void test_streams_many_rows_and_stops_early(void **state)
{
    struct fixture *f = *state;
    struct db *db = f->db;
    struct db_stmt *st = NULL;
    const char *sql = "SELECT n, label FROM big ORDER BY n";
    char label[32];
    int64_t sum = 0;
    int rows = 0;
    enum rc rc;

    exec_ok(db, "CREATE TABLE big (n BIGINT PRIMARY KEY, label TEXT NOT NULL)");
    assert_rc(db, db_transaction(db, 1, fill_big, NULL), RC_OK);

    /* Stop after 100 rows; the connection is ready for the next statement at once. */
    assert_rc(db, db_prepare(db, sql, &st), RC_OK);
    for (int i = 0; i < 100; i++) {
        assert_rc(db, db_step(st), RC_ROW);
        assert_int_equal(db_column_int64(st, 0), i);
    }
    db_reset(st);
    assert_int_equal(query_int(db, "SELECT COUNT(*) FROM big"), BIG_ROWS);

    /* The same statement again runs from the start and streams every row. */
    assert_rc(db, db_prepare(db, sql, &st), RC_OK);
    assert_int_equal(db_column_count(st), 2);
    while ((rc = db_step(st)) == RC_ROW) {
        snprintf(label, sizeof label, "row %d", rows);
        if (db_column_int64(st, 0) != rows || strcmp(db_column_text(st, 1), label) != 0)
            fail_msg("row %d reads %lld %s", rows, (long long)db_column_int64(st, 0),
                     db_column_text(st, 1));
        sum += db_column_int64(st, 0);
        rows++;
    }
    assert_rc(db, rc, RC_DONE);
    assert_int_equal(rows, BIG_ROWS);
    assert_int_equal(sum, (int64_t)BIG_ROWS * (BIG_ROWS - 1) / 2);
    /* Finished statements answer RC_DONE again rather than running anew. */
    assert_rc(db, db_step(st), RC_DONE);
    db_reset(st);
    assert_rc(db, db_ping(db), RC_OK);
}

static void test_finished_statement_does_not_run_again(void **state)
{
    struct fixture *f = *state;
    struct db *db = f->db;
    struct db_stmt *st = NULL;

    exec_ok(db, "CREATE TABLE things (n BIGINT NOT NULL)");
    assert_rc(db, db_prepare(db, "INSERT INTO things (n) VALUES (1)", &st), RC_OK);
    assert_rc(db, db_step(st), RC_DONE);
    assert_rc(db, db_step(st), RC_DONE);
    db_reset(st);
    assert_int_equal(query_int(db, "SELECT COUNT(*) FROM things"), 1);
}

static void test_commit_ends_statements_mid_iteration(void **state)
{
    struct fixture *f = *state;
    struct db *db = f->db;
    struct db_stmt *st = NULL;

    exec_ok(db, "CREATE TABLE things (n BIGINT NOT NULL)");
    exec_ok(db, "INSERT INTO things (n) VALUES (1), (2), (3)");
    assert_rc(db, db_begin(db, 1), RC_OK);
    /* An INSERT … RETURNING stepped once and never reset must not block the commit. */
    assert_rc(db,
              db_prepare(db, "INSERT INTO things (n) SELECT n + 10 FROM things RETURNING n", &st),
              RC_OK);
    assert_rc(db, db_step(st), RC_ROW);
    assert_rc(db, db_commit(db), RC_OK);
    assert_rc(db, db_step(st), RC_DONE);
    db_reset(st);
    assert_int_equal(query_int(db, "SELECT COUNT(*) FROM things"), 6);

    assert_rc(db, db_begin(db, 0), RC_OK);
    assert_rc(db, db_prepare(db, "SELECT n FROM things ORDER BY n", &st), RC_OK);
    assert_rc(db, db_step(st), RC_ROW);
    db_rollback(db);
    assert_rc(db, db_step(st), RC_DONE);
    db_reset(st);
    assert_rc(db, db_ping(db), RC_OK);
}

static void test_one_statement_streams_at_a_time_on_postgres(void **state)
{
    struct fixture *f = *state;
    struct db *db = f->db;
    struct db_stmt *a = NULL, *b = NULL;

    exec_ok(db, "CREATE TABLE things (n BIGINT NOT NULL)");
    exec_ok(db, "INSERT INTO things (n) VALUES (1), (2), (3)");
    assert_rc(db, db_prepare(db, "SELECT n FROM things ORDER BY n", &a), RC_OK);
    assert_rc(db, db_prepare(db, "SELECT COUNT(*) FROM things", &b), RC_OK);
    assert_rc(db, db_step(a), RC_ROW);
    if (db_backend(db) == DB_POSTGRES) {
        /* Rows of a are still streaming: using the connection for b is a caught bug. */
        assert_rc(db, db_step(b), RC_INTERNAL);
        assert_non_null(strstr(db_errmsg(db), "SELECT n FROM things ORDER BY n"));
        assert_rc(db, db_exec(db, "SELECT 1"), RC_INTERNAL);
        assert_rc(db, db_step(a), RC_ROW); /* a carries on undisturbed */
        assert_int_equal(db_column_int64(a, 0), 2);
        db_reset(a);
        assert_rc(db, db_prepare(db, "SELECT COUNT(*) FROM things", &b), RC_OK);
    }
    assert_rc(db, db_step(b), RC_ROW);
    assert_int_equal(db_column_int64(b, 0), 3);
    db_reset(b);
    db_reset(a);
}

/* ---- connections ---- */

struct writer {
    const char *url;
    int id;
    int n;
    int seq;
    enum rc rc;
    char err[512];
};

static enum rc writer_tx(struct db *db, void *arg)
{
    struct writer *w = arg;
    struct db_stmt *st = NULL;
    enum rc rc = db_prepare(db, "INSERT INTO hits (writer, seq) VALUES ($1, $2)", &st);
    if (rc == RC_OK)
        rc = db_bind_int64(st, 1, w->id);
    if (rc == RC_OK)
        rc = db_bind_int64(st, 2, w->seq);
    if (rc == RC_OK)
        rc = db_step(st);
    db_reset(st);
    if (rc == RC_DONE)
        rc = db_prepare(db, "UPDATE counters SET n = n + 1 WHERE id = 1", &st);
    if (rc == RC_OK)
        rc = db_step(st);
    db_reset(st);
    return rc == RC_DONE ? RC_OK : rc;
}

static void *writer_main(void *arg)
{
    struct writer *w = arg;
    struct db *db = NULL;
    w->rc = db_open(w->url, &db, w->err, sizeof w->err);
    for (w->seq = 0; w->rc == RC_OK && w->seq < w->n; w->seq++) {
        w->rc = db_transaction(db, 1, writer_tx, w);
        if (w->rc != RC_OK)
            snprintf(w->err, sizeof w->err, "%s", db_errmsg(db));
    }
    db_close(db);
    return NULL;
}

static void test_two_connections_write_concurrently(void **state)
{
    struct fixture *f = *state;
    struct db *db = f->db;
    enum { PER_WRITER = 300 };
    struct writer w[2] = {{.url = f->url, .id = 1, .n = PER_WRITER},
                          {.url = f->url, .id = 2, .n = PER_WRITER}};
    pthread_t t[2];

    exec_ok(db, "CREATE TABLE hits (writer BIGINT NOT NULL, seq BIGINT NOT NULL, "
                "PRIMARY KEY (writer, seq))");
    exec_ok(db, "CREATE TABLE counters (id BIGINT PRIMARY KEY, n BIGINT NOT NULL)");
    exec_ok(db, "INSERT INTO counters (id, n) VALUES (1, 0)");
    for (int i = 0; i < 2; i++)
        assert_int_equal(pthread_create(&t[i], NULL, writer_main, &w[i]), 0);
    for (int i = 0; i < 2; i++)
        pthread_join(t[i], NULL);
    for (int i = 0; i < 2; i++) {
        if (w[i].rc != RC_OK)
            print_error("writer %d: %s: %s\n", w[i].id, rc_name(w[i].rc), w[i].err);
        assert_int_equal(w[i].rc, RC_OK);
    }
    assert_int_equal(query_int(db, "SELECT COUNT(*) FROM hits"), 2 * PER_WRITER);
    assert_int_equal(query_int(db, "SELECT n FROM counters WHERE id = 1"), 2 * PER_WRITER);
}

static void test_ping_exec_and_errors(void **state)
{
    struct fixture *f = *state;
    struct db *db = f->db;
    struct db_stmt *st = NULL;

    assert_rc(db, db_ping(db), RC_OK);
    exec_ok(db, "CREATE TABLE a (n BIGINT); CREATE TABLE b (n BIGINT); "
                "INSERT INTO a (n) VALUES (1); INSERT INTO b (n) VALUES (2)");
    assert_int_equal(query_int(db, "SELECT a.n + b.n FROM a, b"), 3);
    exec_ok(db, "");

    assert_rc(db, db_exec(db, "SELEC 1"), RC_DB);
    assert_non_null(strstr(db_errmsg(db), "syntax error"));
    assert_null(strchr(db_errmsg(db), '\n'));
    assert_rc(db, db_prepare(db, "SELECT * FROM no_such_table", &st), RC_DB);
    assert_non_null(strstr(db_errmsg(db), "no_such_table"));
    assert_int_not_equal(db_prepare(db, "SELECT 1; SELECT 2", &st), RC_OK);
    /* Failures leave the connection usable. */
    assert_rc(db, db_ping(db), RC_OK);
    assert_int_equal(query_int(db, "SELECT COUNT(*) FROM a"), 1);
}

static void test_pg_reconnects_after_the_connection_is_lost(void **state)
{
    struct fixture *f = *state;
    struct db *db = f->db;
    struct db *admin = NULL;
    struct db_stmt *st = NULL;
    char err[512];
    const char *pid_sql = "SELECT pg_backend_pid()";

    int64_t pid = query_int(db, pid_sql);
    assert_int_equal(db_open(f->url, &admin, err, sizeof err), RC_OK);
    assert_rc(admin,
              db_prepare(admin, "SELECT pg_terminate_backend(CAST($1 AS INTEGER), 5000)", &st),
              RC_OK);
    assert_rc(admin, db_bind_int64(st, 1, pid), RC_OK);
    assert_rc(admin, db_step(st), RC_ROW);
    assert_int_equal(db_column_int64(st, 0), 1);
    db_reset(st);
    db_close(admin);

    /* The command that meets the dead connection fails; the next one reconnects. */
    assert_rc(db, db_ping(db), RC_DB);
    assert_rc(db, db_ping(db), RC_OK);
    /* Statements cached before the loss are prepared again in the new session. */
    int64_t pid2 = query_int(db, pid_sql);
    assert_true(pid2 != pid);
    exec_ok(db, "CREATE TABLE after_reconnect (n BIGINT)");
    /* The session settings were restored too. */
    assert_rc(db, db_prepare(db, "SELECT current_setting('TimeZone')", &st), RC_OK);
    assert_rc(db, db_step(st), RC_ROW);
    assert_string_equal(db_column_text(st, 0), "UTC");
    db_reset(st);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, test_setup, test_teardown)
#define DB_TESTS                                                                                   \
    T(test_migrate_from_empty_to_latest), T(test_migrate_twice_is_a_no_op),                        \
        T(test_migrate_refuses_a_newer_database), T(test_migrate_from_two_processes_at_once),      \
        T(test_migrate_fills_placeholders_per_backend),                                            \
        T(test_prepare_returns_the_cached_statement_reset),                                        \
        T(test_parameters_out_of_order_and_repeated), T(test_int64_extremes_round_trip),           \
        T(test_doubles_round_trip), T(test_text_round_trips_literally),                            \
        T(test_blobs_with_nul_bytes_round_trip), T(test_nulls), T(test_returning_id),              \
        T(test_run_binds_typed_arguments_in_one_call),                                             \
        T(test_value_answers_one_number_or_not_found), T(test_on_conflict_do_nothing),             \
        T(test_constraint_violations_are_conflicts), T(test_rollback_leaves_nothing_written),      \
        T(test_transaction_commits_on_ok_and_rolls_back_on_error),                                 \
        T(test_transaction_retries_when_busy), T(test_changes_counts_the_last_write),              \
        T(test_streams_many_rows_and_stops_early), T(test_finished_statement_does_not_run_again),  \
        T(test_commit_ends_statements_mid_iteration),                                              \
        T(test_one_statement_streams_at_a_time_on_postgres),                                       \
        T(test_two_connections_write_concurrently), T(test_ping_exec_and_errors)

int main(void)
{
    const struct CMUnitTest open_tests[] = {
        cmocka_unit_test(test_open_rejects_unknown_urls),
        cmocka_unit_test(test_open_reports_unreachable_postgres),
        cmocka_unit_test(test_open_sqlite_memory_smoke),
        cmocka_unit_test(test_open_sqlite_file_setup),
    };
    const struct CMUnitTest sqlite_tests[] = {DB_TESTS};
    const struct CMUnitTest pg_tests[] = {
        DB_TESTS,
        T(test_pg_reconnects_after_the_connection_is_lost),
    };
    int failed = 0;

    log_set_level(LOG_ERROR);
    failed += cmocka_run_group_tests_name("open", open_tests, NULL, NULL);
    failed +=
        cmocka_run_group_tests_name("sqlite", sqlite_tests, group_setup_sqlite, group_teardown);
    const char *pg = getenv("WAYMARK_TEST_PG_URL");
    if (pg && *pg)
        failed += cmocka_run_group_tests_name("postgres", pg_tests, group_setup_pg, group_teardown);
    else
        printf("[  SKIPPED ] postgres: %zu tests not run; set WAYMARK_TEST_PG_URL (e.g. from "
               "scripts/pg-temp start DIR) to run them\n",
               sizeof pg_tests / sizeof pg_tests[0]);
    return failed ? 1 : 0;
}
