/*
 * db.c — the backend-independent half of db.h: URL dispatch, the prepared statement
 * cache, statement states, transactions and their busy retry.
 *
 * How it works. db_open picks a backend from the URL scheme and every other call goes
 * through the connection's struct db_ops (db_int.h). The statement cache is a small open
 * addressing table keyed by SQL text (FNV-1a hash, linear probing, grown at half full); it
 * never removes an entry before db_close, since the SQL a program runs is a fixed set of
 * strings. db.c also keeps each statement's state, so that on both backends:
 *   - db_step on a finished statement answers the same RC_DONE (or error) again instead of
 *     re-executing it (SQLite would otherwise auto-reset and run it anew);
 *   - db_commit and db_rollback end any statement still mid-iteration (its next db_step
 *     answers RC_DONE), because PostgreSQL cannot run COMMIT while rows are still
 *     streaming and SQLite refuses to commit under a pending write statement;
 *   - column accessors on a statement without a current row read as NULL.
 *
 * Transactions are flat: db_begin refuses nesting. db_commit leaves the connection outside
 * any transaction even when it fails (the backend rolls back), so db_transaction can simply
 * start over. db_transaction retries the whole transaction when the database reports busy
 * (SQLite lock still held after its busy timeout; PostgreSQL serialisation failure or
 * deadlock): DB_TX_ATTEMPTS attempts, sleeping 5, 10, 20, 40, 80 ms plus up to as much
 * again of jitter between them, so two colliding writers do not collide again in step.
 *
 * What it does not do: it does not interpret SQL, does not retry single statements outside
 * db_transaction, and is not thread-safe — a connection belongs to one thread.
 */
#include "db.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../core/log.h"
#include "../core/now.h"
#include "db_int.h"

#define DB_TX_ATTEMPTS      6
#define DB_TX_FIRST_WAIT_US 5000
#define DB_CACHE_MIN_SIZE   32

/* ---- shared helpers ---- */

void db_init(struct db *db, const struct db_ops *ops)
{
    db->ops = ops;
    db->in_tx = 0;
    db->cache = NULL;
    db->cache_size = 0;
    db->cache_used = 0;
    db->running = NULL;
    db->errmsg[0] = '\0';
}

enum rc db_fail(struct db *db, enum rc rc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(db->errmsg, sizeof db->errmsg, fmt, ap);
    va_end(ap);
    return rc;
}

static void db_errf(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void db_errf(char *err, size_t errlen, const char *fmt, ...)
{
    if (!err || !errlen)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

/* ---- opening ---- */

static int db_has_prefix(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

enum rc db_open(const char *url, struct db **out, char *err, size_t errlen)
{
    if (!url || !*url) {
        db_errf(err, errlen,
                "no database URL: use sqlite:PATH, sqlite::memory: or "
                "postgres://USER@HOST/DB");
        return RC_INVALID;
    }
    if (db_has_prefix(url, "sqlite:")) {
        const char *path = url + strlen("sqlite:");
        if (!*path) {
            db_errf(err, errlen,
                    "database URL \"sqlite:\" has no path: use sqlite:PATH or "
                    "sqlite::memory:");
            return RC_INVALID;
        }
        return db_sqlite_open(path, out, err, errlen);
    }
    if (db_has_prefix(url, "postgres://") || db_has_prefix(url, "postgresql://"))
        return db_pg_open(url, out, err, errlen);

    /* Name only the scheme: the rest of a URL may hold a password. */
    size_t scheme = strcspn(url, ":/@");
    if (url[scheme] == ':' && scheme > 0 && scheme <= 32)
        db_errf(err, errlen,
                "unsupported database URL scheme \"%.*s\": use sqlite:PATH, sqlite::memory: "
                "or postgres://USER@HOST/DB",
                (int)scheme, url);
    else
        db_errf(err, errlen,
                "database URL has no known scheme: use sqlite:PATH, sqlite::memory: or "
                "postgres://USER@HOST/DB");
    return RC_INVALID;
}

void db_close(struct db *db)
{
    if (!db)
        return;
    if (db->in_tx)
        db_rollback(db);
    for (size_t i = 0; i < db->cache_size; i++) {
        struct db_stmt *st = db->cache[i];
        if (!st)
            continue;
        char *sql = st->sql;
        db->ops->finalize(st);
        free(sql);
    }
    free(db->cache);
    db->cache = NULL;
    db->ops->close(db);
}

enum db_backend db_backend(const struct db *db)
{
    return db->ops->backend;
}

const char *db_backend_name(const struct db *db)
{
    return db->ops->name;
}

const char *db_errmsg(const struct db *db)
{
    if (!db)
        return "no database connection";
    return db->errmsg[0] ? db->errmsg : "no error";
}

/* ---- statement states ---- */

static void db_running_add(struct db_stmt *st)
{
    struct db *db = st->db;
    st->run_prev = NULL;
    st->run_next = db->running;
    if (db->running)
        db->running->run_prev = st;
    db->running = st;
}

static void db_running_remove(struct db_stmt *st)
{
    if (st->run_prev)
        st->run_prev->run_next = st->run_next;
    else
        st->db->running = st->run_next;
    if (st->run_next)
        st->run_next->run_prev = st->run_prev;
    st->run_prev = st->run_next = NULL;
}

/* Ends every statement that still has a current row: its next db_step answers RC_DONE. */
static void db_end_running(struct db *db)
{
    while (db->running) {
        struct db_stmt *st = db->running;
        db_running_remove(st);
        db->ops->reset(st);
        st->state = DB_STMT_DONE;
        st->final = RC_DONE;
    }
}

/* ---- the statement cache ---- */

static uint64_t db_hash(const char *s)
{
    uint64_t h = 14695981039346656037ULL;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        h ^= *p;
        h *= 1099511628211ULL;
    }
    return h;
}

static struct db_stmt *db_cache_find(const struct db *db, const char *sql, uint64_t hash)
{
    if (!db->cache_size)
        return NULL;
    size_t mask = db->cache_size - 1;
    for (size_t i = (size_t)hash & mask;; i = (i + 1) & mask) {
        struct db_stmt *st = db->cache[i];
        if (!st)
            return NULL;
        if (st->hash == hash && strcmp(st->sql, sql) == 0)
            return st;
    }
}

static void db_cache_place(struct db_stmt **table, size_t size, struct db_stmt *st)
{
    size_t mask = size - 1;
    size_t i = (size_t)st->hash & mask;
    while (table[i])
        i = (i + 1) & mask;
    table[i] = st;
}

/* Makes room for one more entry, keeping the table at most half full. */
static enum rc db_cache_reserve(struct db *db)
{
    if ((db->cache_used + 1) * 2 <= db->cache_size)
        return RC_OK;
    size_t size = db->cache_size ? db->cache_size * 2 : DB_CACHE_MIN_SIZE;
    struct db_stmt **table = calloc(size, sizeof *table);
    if (!table)
        return RC_NOMEM;
    for (size_t i = 0; i < db->cache_size; i++)
        if (db->cache[i])
            db_cache_place(table, size, db->cache[i]);
    free(db->cache);
    db->cache = table;
    db->cache_size = size;
    return RC_OK;
}

enum rc db_prepare(struct db *db, const char *sql, struct db_stmt **out)
{
    struct db_stmt *st = NULL;
    char *copy = NULL;
    enum rc rc = RC_OK;
    uint64_t hash = db_hash(sql);

    st = db_cache_find(db, sql, hash);
    if (st) {
        db_reset(st);
        *out = st;
        return RC_OK;
    }
    if (db_cache_reserve(db) != RC_OK || !(copy = strdup(sql))) {
        rc = db_fail(db, RC_NOMEM, "out of memory preparing a statement");
        goto out;
    }
    rc = db->ops->prepare(db, sql, &st);
    if (rc != RC_OK)
        goto out;
    st->db = db;
    st->sql = copy;
    st->hash = hash;
    st->state = DB_STMT_IDLE;
    st->final = RC_DONE;
    st->run_prev = st->run_next = NULL;
    copy = NULL;
    db_cache_place(db->cache, db->cache_size, st);
    db->cache_used++;
    *out = st;
out:
    free(copy);
    return rc;
}

/* ---- binding ---- */

enum rc db_bind_int64(struct db_stmt *st, int idx, int64_t v)
{
    return st->db->ops->bind_int64(st, idx, v);
}

enum rc db_bind_int64s(struct db_stmt *st, int first, const int64_t *v, int n)
{
    enum rc rc = RC_OK;
    for (int i = 0; i < n && !rc; i++)
        rc = db_bind_int64(st, first + i, v[i]);
    return rc;
}

enum rc db_bind_double(struct db_stmt *st, int idx, double v)
{
    return st->db->ops->bind_double(st, idx, v);
}

enum rc db_bind_text(struct db_stmt *st, int idx, const char *s, long len)
{
    if (!s)
        return st->db->ops->bind_null(st, idx);
    return st->db->ops->bind_text(st, idx, s, len < 0 ? strlen(s) : (size_t)len);
}

enum rc db_bind_blob(struct db_stmt *st, int idx, const void *p, size_t len)
{
    if (!p && len)
        return db_fail(st->db, RC_INTERNAL, "db_bind_blob: NULL pointer with length %zu", len);
    return st->db->ops->bind_blob(st, idx, p ? p : "", len);
}

enum rc db_bind_null(struct db_stmt *st, int idx)
{
    return st->db->ops->bind_null(st, idx);
}

/* ---- stepping ---- */

enum rc db_step(struct db_stmt *st)
{
    if (st->state == DB_STMT_DONE)
        return st->final;
    enum rc rc = st->db->ops->step(st);
    if (rc == RC_ROW) {
        if (st->state != DB_STMT_RUNNING) {
            st->state = DB_STMT_RUNNING;
            db_running_add(st);
        }
        return RC_ROW;
    }
    if (st->state == DB_STMT_RUNNING)
        db_running_remove(st);
    st->state = DB_STMT_DONE;
    st->final = rc;
    return rc;
}

void db_reset(struct db_stmt *st)
{
    if (!st)
        return;
    if (st->state == DB_STMT_RUNNING)
        db_running_remove(st);
    st->db->ops->reset(st);
    st->state = DB_STMT_IDLE;
    st->final = RC_DONE;
}

/* ---- columns ---- */

int db_column_count(struct db_stmt *st)
{
    return st->db->ops->column_count(st);
}

int db_column_is_null(struct db_stmt *st, int col)
{
    return st->state != DB_STMT_RUNNING || st->db->ops->column_is_null(st, col);
}

int64_t db_column_int64(struct db_stmt *st, int col)
{
    return st->state == DB_STMT_RUNNING ? st->db->ops->column_int64(st, col) : 0;
}

double db_column_double(struct db_stmt *st, int col)
{
    return st->state == DB_STMT_RUNNING ? st->db->ops->column_double(st, col) : 0.0;
}

const char *db_column_text(struct db_stmt *st, int col)
{
    return st->state == DB_STMT_RUNNING ? st->db->ops->column_text(st, col) : "";
}

size_t db_column_bytes(struct db_stmt *st, int col)
{
    return st->state == DB_STMT_RUNNING ? st->db->ops->column_bytes(st, col) : 0;
}

const void *db_column_blob(struct db_stmt *st, int col)
{
    return st->state == DB_STMT_RUNNING ? st->db->ops->column_blob(st, col) : NULL;
}

int64_t db_changes(struct db *db)
{
    return db->ops->changes(db);
}

enum rc db_exec(struct db *db, const char *sql)
{
    return db->ops->exec(db, sql);
}

/* ---- transactions ---- */

enum rc db_begin(struct db *db, int write)
{
    if (db->in_tx)
        return db_fail(db, RC_INTERNAL,
                       "db_begin: a transaction is already open (nesting is not supported)");
    enum rc rc = db->ops->exec(db, write ? db->ops->sql_begin_write : db->ops->sql_begin_read);
    if (rc == RC_OK)
        db->in_tx = 1;
    return rc;
}

enum rc db_commit(struct db *db)
{
    if (!db->in_tx)
        return db_fail(db, RC_INTERNAL, "db_commit: no transaction is open");
    db_end_running(db);
    enum rc rc = db->ops->commit(db);
    db->in_tx = 0;
    return rc;
}

void db_rollback(struct db *db)
{
    db_end_running(db);
    db->ops->rollback(db);
    db->in_tx = 0;
}

int db_in_transaction(const struct db *db)
{
    return db->in_tx;
}

/* Sleeps before retry number attempt (1, 2, …): a doubling wait plus jitter of up to the
 * same again, taken from the clock's low bits (no shared random state needed). */
static void db_backoff(int attempt)
{
    long wait_us = (long)DB_TX_FIRST_WAIT_US << (attempt - 1);
    wait_us += (long)(now_monotonic_us() % wait_us);
    struct timespec ts = {.tv_sec = wait_us / 1000000, .tv_nsec = (wait_us % 1000000) * 1000};
    while (nanosleep(&ts, &ts) != 0)
        ;
}

enum rc db_transaction(struct db *db, int write, enum rc (*fn)(struct db *db, void *arg), void *arg)
{
    enum rc rc = RC_BUSY;
    for (int attempt = 0; attempt < DB_TX_ATTEMPTS; attempt++) {
        if (attempt) {
            log_debug("database busy, retrying transaction (attempt %d): %s", attempt + 1,
                      db_errmsg(db));
            db_backoff(attempt);
        }
        rc = db_begin(db, write);
        if (rc == RC_BUSY)
            continue;
        if (rc != RC_OK)
            return rc;
        rc = fn(db, arg);
        if (rc == RC_OK) {
            rc = db_commit(db);
            if (rc != RC_BUSY)
                return rc;
            continue;
        }
        db_rollback(db);
        if (rc != RC_BUSY)
            return rc;
    }
    log_warn("database still busy after %d attempts: %s", DB_TX_ATTEMPTS, db_errmsg(db));
    return RC_BUSY;
}

enum rc db_ping(struct db *db)
{
    struct db_stmt *st = NULL;
    enum rc rc = db_prepare(db, "SELECT 1", &st);
    if (rc != RC_OK)
        return rc;
    rc = db_step(st);
    if (rc == RC_ROW && db_column_int64(st, 0) == 1)
        rc = RC_OK;
    else if (rc == RC_ROW || rc == RC_DONE)
        rc = db_fail(db, RC_DB, "ping: SELECT 1 did not answer 1");
    db_reset(st);
    return rc;
}

/* ---- one-call statements ---- */

/* Prepares sql and binds args to $1..$n in order. */
static enum rc db_prepare_args(struct db *db, const char *sql, const struct db_arg *args, int nargs,
                               struct db_stmt **out)
{
    struct db_stmt *st = NULL;
    enum rc rc = db_prepare(db, sql, &st);
    if (rc)
        return rc;
    for (int i = 0; i < nargs && !rc; i++) {
        const struct db_arg *a = &args[i];
        rc = a->kind == DB_ARG_INT    ? db_bind_int64(st, i + 1, a->i)
             : a->kind == DB_ARG_TEXT ? db_bind_text(st, i + 1, a->t, -1)
                                      : db_bind_null(st, i + 1);
    }
    if (rc) {
        db_reset(st);
        return rc;
    }
    *out = st;
    return RC_OK;
}

enum rc db_run(struct db *db, const char *sql, const struct db_arg *args, int nargs,
               int64_t *changes)
{
    struct db_stmt *st = NULL;
    enum rc rc = db_prepare_args(db, sql, args, nargs, &st);
    if (rc)
        return rc;
    rc = db_step(st);
    rc = rc == RC_DONE || rc == RC_ROW ? RC_OK : rc;
    if (!rc && changes)
        *changes = db_changes(db);
    db_reset(st);
    return rc;
}

enum rc db_value(struct db *db, const char *sql, const struct db_arg *args, int nargs, int64_t *out)
{
    struct db_stmt *st = NULL;
    enum rc rc = db_prepare_args(db, sql, args, nargs, &st);
    if (rc)
        return rc;
    rc = db_step(st);
    if (rc == RC_ROW) {
        *out = db_column_int64(st, 0);
        rc = RC_OK;
    } else if (rc == RC_DONE) {
        rc = RC_NOT_FOUND;
    }
    db_reset(st);
    return rc;
}
