/*
 * db.h — the one storage interface; the only way code above src/db/ reaches a database.
 *
 * Two backends sit behind it: SQLite 3 (embedded default, "sqlite:PATH" or
 * "sqlite::memory:") and PostgreSQL 15 through libpq ("postgres://…" or "postgresql://…").
 * SQL is written once, in the subset both share, with $1 $2 … parameters (a parameter may
 * repeat and may appear out of order); RETURNING and ON CONFLICT work on both.
 *
 * Connections: a struct db is one connection and is NOT thread-safe; each thread owns its
 * own (the HTTP server keeps one per worker thread). Statements are prepared once per
 * connection and cached by their SQL text, so callers simply call db_prepare() with the
 * same string every time: the first call prepares, later calls return the cached handle
 * reset and with its bindings cleared.
 *
 * Statement lifecycle: db_prepare → db_bind_* → db_step until RC_DONE (or stop early) →
 * db_reset. Column values are valid until the next db_step or db_reset on that statement.
 * Only one statement per connection may be mid-iteration at a time on PostgreSQL (rows
 * stream in single-row mode, so huge results never sit in memory); finish or reset one
 * before stepping the next. Bind indexes and column indexes are as in SQL: bind from 1,
 * columns from 0.
 *
 * Errors: functions return RC_OK (or RC_ROW/RC_DONE from db_step), RC_CONFLICT for a
 * unique or foreign-key violation, RC_BUSY when the database stayed locked/serialisation
 * failed after retries, RC_DB for other database errors and RC_NOMEM. db_errmsg() then
 * describes the last error on that connection, for logs (never for users).
 */
#ifndef WAYMARK_DB_H
#define WAYMARK_DB_H

#include <stddef.h>
#include <stdint.h>

#include "../core/rc.h"

struct db;
struct db_stmt;

enum db_backend { DB_SQLITE, DB_POSTGRES };

/* Opens a connection. On failure returns non-OK and writes a one-line reason into err.
 * SQLite connections run in WAL mode with foreign keys on, synchronous=NORMAL and a busy
 * timeout; the file's directory is created when missing. */
enum rc db_open(const char *url, struct db **out, char *err, size_t errlen);
/* Closes the connection and finalises its cached statements. Accepts NULL. */
void db_close(struct db *db);

enum db_backend db_backend(const struct db *db);
/* "sqlite" or "postgres". */
const char *db_backend_name(const struct db *db);

/* Prepared statement cache: see the lifecycle above. The statement belongs to db. */
enum rc db_prepare(struct db *db, const char *sql, struct db_stmt **out);

enum rc db_bind_int64(struct db_stmt *st, int idx, int64_t v);
/* Binds v[0..n) to $first, $first+1, …; the first failure is returned. */
enum rc db_bind_int64s(struct db_stmt *st, int first, const int64_t *v, int n);
enum rc db_bind_double(struct db_stmt *st, int idx, double v);
/* len < 0 means NUL-terminated. The text is copied. */
enum rc db_bind_text(struct db_stmt *st, int idx, const char *s, long len);
enum rc db_bind_blob(struct db_stmt *st, int idx, const void *p, size_t len);
enum rc db_bind_null(struct db_stmt *st, int idx);

/* Runs the statement (first call) and advances: RC_ROW, RC_DONE, or an error. */
enum rc db_step(struct db_stmt *st);
/* Ends the current execution (discarding unread rows) and clears bindings. Accepts NULL. */
void db_reset(struct db_stmt *st);

int db_column_count(struct db_stmt *st);
int db_column_is_null(struct db_stmt *st, int col);
int64_t db_column_int64(struct db_stmt *st, int col);
double db_column_double(struct db_stmt *st, int col);
/* NUL-terminated text; "" for NULL. */
const char *db_column_text(struct db_stmt *st, int col);
/* Bytes of a text or blob column. */
size_t db_column_bytes(struct db_stmt *st, int col);
const void *db_column_blob(struct db_stmt *st, int col);

/* One statement without result rows, in one call: prepare (cached), bind args to $1..$n in
 * order, step to the end, reset. For the many small INSERT/UPDATE/DELETE statements of the
 * stores; queries that return rows use the statement calls above. Arguments are typed
 * values built with DB_INT/DB_TEXT/DB_INT_OR_NULL, so a wrong type cannot slip through a
 * variadic list. *changes (may be NULL) receives db_changes. Returns RC_OK or the rc of
 * prepare/bind/step (RC_CONFLICT for a constraint violation). */
enum db_arg_kind { DB_ARG_NULL, DB_ARG_INT, DB_ARG_TEXT };
struct db_arg {
    enum db_arg_kind kind;
    int64_t i;
    const char *t;
};
#define DB_INT(v) ((struct db_arg){.kind = DB_ARG_INT, .i = (v)})
/* NULL text binds SQL NULL. */
#define DB_TEXT(v) ((struct db_arg){.kind = (v) ? DB_ARG_TEXT : DB_ARG_NULL, .t = (v)})
/* 0 binds SQL NULL (for optional ids and instants). */
#define DB_INT_OR_NULL(v) ((struct db_arg){.kind = (v) ? DB_ARG_INT : DB_ARG_NULL, .i = (v)})
enum rc db_run(struct db *db, const char *sql, const struct db_arg *args, int nargs,
               int64_t *changes);
#define DB_RUN(db, sql, changes, ...)                                                              \
    db_run((db), (sql), (const struct db_arg[]){__VA_ARGS__},                                      \
           (int)(sizeof((const struct db_arg[]){__VA_ARGS__}) / sizeof(struct db_arg)), (changes))

/* The same for a statement answering one number: the first column of its first row into
 * *out — an INSERT … RETURNING id, a SELECT of one id or count. RC_NOT_FOUND when it
 * answers no row (*out untouched). */
enum rc db_value(struct db *db, const char *sql, const struct db_arg *args, int nargs,
                 int64_t *out);
#define DB_VALUE(db, sql, out, ...)                                                                \
    db_value((db), (sql), (const struct db_arg[]){__VA_ARGS__},                                    \
             (int)(sizeof((const struct db_arg[]){__VA_ARGS__}) / sizeof(struct db_arg)), (out))
/* Rows changed by the last INSERT/UPDATE/DELETE stepped on this connection. */
int64_t db_changes(struct db *db);

/* Runs one or more statements without parameters or results (migrations, PRAGMAs). */
enum rc db_exec(struct db *db, const char *sql);

/* Transactions. db_begin(write=1) takes the write lock at once on SQLite (BEGIN
 * IMMEDIATE), so a read-then-write transaction never dead-ends on an upgrade. Nesting is
 * not supported: RC_INTERNAL if a transaction is already open. */
enum rc db_begin(struct db *db, int write);
enum rc db_commit(struct db *db);
/* Always leaves the connection outside a transaction. */
void db_rollback(struct db *db);
int db_in_transaction(const struct db *db);

/* Runs fn inside a transaction and commits when it returns RC_OK, rolls back otherwise.
 * When the database reports busy/locked (SQLite) or a serialisation failure or deadlock
 * (PostgreSQL) the whole transaction, fn included, is retried with backoff a few times;
 * fn must therefore have no effects outside the database (or undo them at its start).
 * Returns fn's rc, or RC_BUSY when retries ran out. */
enum rc db_transaction(struct db *db, int write, enum rc (*fn)(struct db *db, void *arg),
                       void *arg);

/* Cheap round trip proving the database answers (SELECT 1). */
enum rc db_ping(struct db *db);

/* Last error text on this connection, for logs. Never NULL. */
const char *db_errmsg(const struct db *db);

/* Migrations (migrate.c). The migrations are embedded in the binary, numbered from 1.
 * db_schema_version: the highest applied version (0 for an empty database).
 * db_migrate: applies every missing migration, each in its own transaction, recording
 * it in schema_migrations; safe when several processes start at once. Refuses with
 * RC_CONFLICT (and a reason in err) when the database is newer than the binary. */
int db_migrations_latest(void);
enum rc db_schema_version(struct db *db, int *out);
enum rc db_migrate(struct db *db, char *err, size_t errlen);

#endif
