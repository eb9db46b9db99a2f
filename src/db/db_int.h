/*
 * db_int.h — what the files of src/db/ share and nobody else may use.
 *
 * A backend (db_sqlite.c, db_pg.c) is a table of functions, struct db_ops, plus the few
 * dialect strings that differ between SQLite and PostgreSQL. Its connection and statement
 * structs begin with struct db and struct db_stmt, so db.c can work on either through the
 * common prefix and a backend casts back to its own type.
 *
 * db.c owns what is the same for every backend: URL parsing, the statement cache (keyed by
 * SQL text), the statement state machine (idle → running → done, so a finished statement
 * answers RC_DONE again instead of silently re-running), the transaction flag, commit and
 * rollback ending any statement still mid-iteration, and the busy retry of db_transaction.
 * A backend only talks to its library: db.c never calls ->step on a finished statement,
 * and calls ->reset before handing a cached statement out again.
 */
#ifndef WAYMARK_DB_INT_H
#define WAYMARK_DB_INT_H

#include <stddef.h>
#include <stdint.h>

#include "db.h"

#define DB_ERRMSG_MAX 512

enum db_stmt_state {
    DB_STMT_IDLE,    /* prepared or reset; the next step executes it */
    DB_STMT_RUNNING, /* a row is current */
    DB_STMT_DONE,    /* finished (or failed, or ended by commit/rollback) until reset */
};

/* The common prefix of a backend's statement. Managed by db.c. */
struct db_stmt {
    struct db *db;
    char *sql;     /* owned copy of the SQL text, the cache key */
    uint64_t hash; /* of sql */
    enum db_stmt_state state;
    enum rc final;                       /* what db_step answers while DONE */
    struct db_stmt *run_prev, *run_next; /* in db->running while RUNNING */
};

/* The common prefix of a backend's connection. Managed by db.c. */
struct db {
    const struct db_ops *ops;
    int in_tx;
    struct db_stmt **cache; /* open addressing, power-of-two size, never deletes */
    size_t cache_size, cache_used;
    struct db_stmt *running; /* statements with a current row */
    char errmsg[DB_ERRMSG_MAX];
};

struct db_ops {
    enum db_backend backend;
    const char *name;

    /* Dialect. Migrations use the first two for their {{ID}} and {{BLOB}} placeholders. */
    const char *sql_id_type;
    const char *sql_blob_type;
    const char *sql_begin_read;
    const char *sql_begin_write;
    /* Run first inside each migration transaction to serialise migrating processes;
     * NULL when sql_begin_write already takes a database-wide write lock. */
    const char *sql_migration_lock;
    /* One parameter, a table name; returns a row when that table exists. */
    const char *sql_table_exists;

    /* Frees the connection; every statement has been finalised already. */
    void (*close)(struct db *db);
    /* Prepares one statement. On success *out is a new statement whose struct db_stmt
     * prefix db.c fills in and caches. */
    enum rc (*prepare)(struct db *db, const char *sql, struct db_stmt **out);
    void (*finalize)(struct db_stmt *st);

    enum rc (*bind_int64)(struct db_stmt *st, int idx, int64_t v);
    enum rc (*bind_double)(struct db_stmt *st, int idx, double v);
    enum rc (*bind_text)(struct db_stmt *st, int idx, const char *s, size_t len);
    enum rc (*bind_blob)(struct db_stmt *st, int idx, const void *p, size_t len);
    enum rc (*bind_null)(struct db_stmt *st, int idx);

    /* RC_ROW, RC_DONE or an error; db.c keeps the state, so step is never called on a
     * DONE statement. */
    enum rc (*step)(struct db_stmt *st);
    /* Ends the execution (discarding unread rows) and clears the bindings. */
    void (*reset)(struct db_stmt *st);

    /* Column access; only called while the statement has a current row, except
     * column_count which also answers right after prepare. Out-of-range columns read
     * as NULL. */
    int (*column_count)(struct db_stmt *st);
    int (*column_is_null)(struct db_stmt *st, int col);
    int64_t (*column_int64)(struct db_stmt *st, int col);
    double (*column_double)(struct db_stmt *st, int col);
    const char *(*column_text)(struct db_stmt *st, int col);
    size_t (*column_bytes)(struct db_stmt *st, int col);
    const void *(*column_blob)(struct db_stmt *st, int col);

    int64_t (*changes)(struct db *db);
    enum rc (*exec)(struct db *db, const char *sql);
    /* Commits; on failure leaves the connection outside any transaction. */
    enum rc (*commit)(struct db *db);
    /* Rolls back when a transaction is open; never overwrites db->errmsg. */
    void (*rollback)(struct db *db);
};

/* Backend constructors, called by db_open with the part of the URL they understand:
 * a file path or ":memory:" for SQLite, the whole URL for PostgreSQL. On failure they
 * write a reason into err and leave *out alone. */
enum rc db_sqlite_open(const char *path, struct db **out, char *err, size_t errlen);
enum rc db_pg_open(const char *url, struct db **out, char *err, size_t errlen);

/* Fills the common prefix of a freshly allocated (zeroed) connection. */
void db_init(struct db *db, const struct db_ops *ops);

/* Records a printf-style message as the connection's last error and returns rc, so a
 * backend can write `return db_fail(db, RC_DB, "…: %s", why);`. */
enum rc db_fail(struct db *db, enum rc rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Fills the {{ID}} and {{BLOB}} placeholders of migration SQL for db's backend. On
 * success *out is a malloc'ed string the caller frees. RC_INVALID for an unknown
 * {{NAME}} (a typo in a migration; db_errmsg names it), RC_NOMEM. In migrate.c; exposed
 * here for tests. */
enum rc db_migrate_fill(struct db *db, const char *sql, char **out);

#endif
