/*
 * db_sqlite.c — the SQLite 3 backend of db.h; the only file that includes sqlite3.h.
 *
 * Connection set-up, in this order: the file's directory is created when missing; the
 * connection opens without SQLite's own mutexes (a connection belongs to one thread);
 * the busy timeout is set before anything else touches the file, because even a reader
 * can meet "database is locked" while another connection switches the file to WAL; then
 * journal_mode=WAL (readers never block the writer), synchronous=NORMAL (durable at
 * checkpoints, fast commits; a power cut may lose the last transactions but never
 * corrupts), foreign_keys=ON and a 64 MiB page cache per connection (SQLite's 2 MiB
 * default spills dirty pages mid-transaction when one bulk enrolment writes 300,000
 * activity rows; the cache grows only as pages are used).
 *
 * Parameters. Portable SQL uses $1 $2 …; SQLite reads "$1" as a NAMED parameter and
 * numbers named parameters by first appearance, so "… $2 … $1" would bind backwards. At
 * prepare time every parameter's name is read back (sqlite3_bind_parameter_name) into a
 * map from N to SQLite's index; a repeated $1 shares one index, so binding it once fills
 * every occurrence. Anything but $N (?, ?NNN, :name, @name, $1::cast) is refused at
 * prepare, so SQL that would not run on PostgreSQL fails here too.
 *
 * Errors map to db.h's codes: any constraint violation (unique, primary key, foreign
 * key, check, not null) → RC_CONFLICT, BUSY/LOCKED → RC_BUSY, NOMEM → RC_NOMEM, the
 * rest → RC_DB, with sqlite3_errmsg kept as the connection's message.
 *
 * Transactions: BEGIN IMMEDIATE for writes (the write lock is taken at once, waiting up
 * to the busy timeout, so a read-then-write never dead-ends on a lock upgrade), BEGIN
 * DEFERRED for reads.
 */
#include "db.h"

#include <errno.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "db_int.h"

#define DB_SQLITE_BUSY_TIMEOUT_MS 5000
#define DB_SQLITE_MAX_PARAM       32766 /* SQLITE_MAX_VARIABLE_NUMBER's default */

struct db_sqlite {
    struct db base;
    sqlite3 *h;
};

struct db_sqlite_stmt {
    struct db_stmt base;
    sqlite3_stmt *h;
    int *param_index; /* param_index[N] = SQLite's index of $N, 0 when absent; [0] unused */
    int max_param;    /* highest N in the statement */
};

static sqlite3 *db_sqlite_handle(struct db *db)
{
    return ((struct db_sqlite *)db)->h;
}

static struct db_sqlite_stmt *db_sqlite_stmt_of(struct db_stmt *st)
{
    return (struct db_sqlite_stmt *)st;
}

static enum rc db_sqlite_map(int code)
{
    switch (code & 0xff) {
    case SQLITE_CONSTRAINT:
        return RC_CONFLICT;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        return RC_BUSY;
    case SQLITE_NOMEM:
        return RC_NOMEM;
    default:
        return RC_DB;
    }
}

/* Records the connection's current error message; returns the mapped rc. */
static enum rc db_sqlite_fail(struct db *db, int code)
{
    return db_fail(db, db_sqlite_map(code), "sqlite: %s", sqlite3_errmsg(db_sqlite_handle(db)));
}

/* mkdir -p of the directory part of path. */
static int db_sqlite_make_parent(const char *path, char *err, size_t errlen)
{
    const char *slash = strrchr(path, '/');
    if (!slash || slash == path)
        return 0;
    size_t n = (size_t)(slash - path);
    char *dir = strndup(path, n);
    int ret = 0;
    if (!dir) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    for (char *p = dir + 1;; p++) {
        if (*p != '/' && *p != '\0')
            continue;
        char c = *p;
        *p = '\0';
        if (mkdir(dir, 0750) != 0 && errno != EEXIST) {
            snprintf(err, errlen, "cannot create directory %s: %s", dir, strerror(errno));
            ret = -1;
            break;
        }
        *p = c;
        if (c == '\0')
            break;
    }
    free(dir);
    return ret;
}

static const struct db_ops DB_SQLITE_OPS;

/* Process-wide settings, applied once before SQLite initialises: no memory statistics,
 * whose global mutex every allocation of every connection would otherwise take. */
static pthread_once_t sqlite_configured = PTHREAD_ONCE_INIT;

static void sqlite_configure(void)
{
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

enum rc db_sqlite_open(const char *path, struct db **out, char *err, size_t errlen)
{
    pthread_once(&sqlite_configured, sqlite_configure);
    struct db_sqlite *d = NULL;
    enum rc rc = RC_DB;
    int code;
    int memory = strcmp(path, ":memory:") == 0;

    if (!memory && db_sqlite_make_parent(path, err, errlen) != 0)
        goto out;
    d = calloc(1, sizeof *d);
    if (!d) {
        snprintf(err, errlen, "out of memory");
        rc = RC_NOMEM;
        goto out;
    }
    db_init(&d->base, &DB_SQLITE_OPS);
    code = sqlite3_open_v2(path, &d->h,
                           SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
    if (code != SQLITE_OK) {
        snprintf(err, errlen, "cannot open SQLite database %s: %s", path,
                 d->h ? sqlite3_errmsg(d->h) : sqlite3_errstr(code));
        rc = db_sqlite_map(code);
        goto out;
    }
    sqlite3_extended_result_codes(d->h, 1);
    sqlite3_busy_timeout(d->h, DB_SQLITE_BUSY_TIMEOUT_MS);
    code = sqlite3_exec(d->h,
                        "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                        "PRAGMA foreign_keys=ON; PRAGMA cache_size=-65536;",
                        NULL, NULL, NULL);
    if (code != SQLITE_OK) {
        snprintf(err, errlen, "cannot set up SQLite database %s: %s", path, sqlite3_errmsg(d->h));
        rc = db_sqlite_map(code);
        goto out;
    }
    *out = &d->base;
    d = NULL;
    rc = RC_OK;
out:
    if (d) {
        sqlite3_close_v2(d->h);
        free(d);
    }
    return rc;
}

static void db_sqlite_close(struct db *db)
{
    struct db_sqlite *d = (struct db_sqlite *)db;
    sqlite3_close_v2(d->h);
    free(d);
}

/* Builds the $N → index map; RC_INTERNAL for a parameter that is not $N. */
static enum rc db_sqlite_map_params(struct db *db, struct db_sqlite_stmt *s)
{
    int count = sqlite3_bind_parameter_count(s->h);
    int max = 0;
    for (int i = 1; i <= count; i++) {
        const char *name = sqlite3_bind_parameter_name(s->h, i);
        char *end = NULL;
        long n = 0;
        if (name && name[0] == '$' && name[1] >= '1' && name[1] <= '9')
            n = strtol(name + 1, &end, 10);
        if (!end || *end || n > DB_SQLITE_MAX_PARAM)
            return db_fail(db, RC_INTERNAL,
                           "sqlite: parameter %s is not of the form $1, $2 … (write casts as "
                           "CAST($1 AS type))",
                           name ? name : "?");
        if (n > max)
            max = (int)n;
    }
    s->max_param = max;
    s->param_index = calloc((size_t)max + 1, sizeof *s->param_index);
    if (!s->param_index)
        return db_fail(db, RC_NOMEM, "out of memory preparing a statement");
    for (int i = 1; i <= count; i++)
        s->param_index[strtol(sqlite3_bind_parameter_name(s->h, i) + 1, NULL, 10)] = i;
    return RC_OK;
}

static void db_sqlite_finalize(struct db_stmt *st)
{
    struct db_sqlite_stmt *s = db_sqlite_stmt_of(st);
    sqlite3_finalize(s->h);
    free(s->param_index);
    free(s);
}

static enum rc db_sqlite_prepare(struct db *db, const char *sql, struct db_stmt **out)
{
    struct db_sqlite_stmt *s = NULL;
    const char *tail = NULL;
    enum rc rc = RC_OK;

    s = calloc(1, sizeof *s);
    if (!s) {
        rc = db_fail(db, RC_NOMEM, "out of memory preparing a statement");
        goto out;
    }
    int code =
        sqlite3_prepare_v3(db_sqlite_handle(db), sql, -1, SQLITE_PREPARE_PERSISTENT, &s->h, &tail);
    if (code != SQLITE_OK) {
        rc = db_sqlite_fail(db, code);
        goto out;
    }
    if (!s->h) {
        rc = db_fail(db, RC_INTERNAL, "sqlite: db_prepare was given no statement");
        goto out;
    }
    tail += strspn(tail, " \t\r\n;");
    if (*tail) {
        rc = db_fail(db, RC_INTERNAL,
                     "sqlite: db_prepare takes one statement; use db_exec "
                     "for several");
        goto out;
    }
    rc = db_sqlite_map_params(db, s);
    if (rc != RC_OK)
        goto out;
    *out = &s->base;
    s = NULL;
out:
    if (s)
        db_sqlite_finalize(&s->base);
    return rc;
}

/* SQLite's index for $idx, or 0 after recording an error. */
static int db_sqlite_param(struct db_stmt *st, int idx)
{
    struct db_sqlite_stmt *s = db_sqlite_stmt_of(st);
    if (idx < 1 || idx > s->max_param || !s->param_index[idx]) {
        db_fail(st->db, RC_INTERNAL, "sqlite: statement has no parameter $%d: %s", idx, st->sql);
        return 0;
    }
    return s->param_index[idx];
}

static enum rc db_sqlite_bound(struct db_stmt *st, int code)
{
    return code == SQLITE_OK ? RC_OK : db_sqlite_fail(st->db, code);
}

static enum rc db_sqlite_bind_int64(struct db_stmt *st, int idx, int64_t v)
{
    int i = db_sqlite_param(st, idx);
    if (!i)
        return RC_INTERNAL;
    return db_sqlite_bound(st, sqlite3_bind_int64(db_sqlite_stmt_of(st)->h, i, v));
}

static enum rc db_sqlite_bind_double(struct db_stmt *st, int idx, double v)
{
    int i = db_sqlite_param(st, idx);
    if (!i)
        return RC_INTERNAL;
    return db_sqlite_bound(st, sqlite3_bind_double(db_sqlite_stmt_of(st)->h, i, v));
}

static enum rc db_sqlite_bind_text(struct db_stmt *st, int idx, const char *s, size_t len)
{
    int i = db_sqlite_param(st, idx);
    if (!i)
        return RC_INTERNAL;
    return db_sqlite_bound(st, sqlite3_bind_text64(db_sqlite_stmt_of(st)->h, i, s, len,
                                                   SQLITE_TRANSIENT, SQLITE_UTF8));
}

static enum rc db_sqlite_bind_blob(struct db_stmt *st, int idx, const void *p, size_t len)
{
    int i = db_sqlite_param(st, idx);
    if (!i)
        return RC_INTERNAL;
    /* p is never NULL here (db.c), so an empty blob stays a blob, not NULL. */
    return db_sqlite_bound(
        st, sqlite3_bind_blob64(db_sqlite_stmt_of(st)->h, i, p, len, SQLITE_TRANSIENT));
}

static enum rc db_sqlite_bind_null(struct db_stmt *st, int idx)
{
    int i = db_sqlite_param(st, idx);
    if (!i)
        return RC_INTERNAL;
    return db_sqlite_bound(st, sqlite3_bind_null(db_sqlite_stmt_of(st)->h, i));
}

static enum rc db_sqlite_step(struct db_stmt *st)
{
    int code = sqlite3_step(db_sqlite_stmt_of(st)->h);
    if (code == SQLITE_ROW)
        return RC_ROW;
    if (code == SQLITE_DONE)
        return RC_DONE;
    return db_sqlite_fail(st->db, code);
}

static void db_sqlite_reset(struct db_stmt *st)
{
    struct db_sqlite_stmt *s = db_sqlite_stmt_of(st);
    /* sqlite3_reset repeats the last step's error, which was reported already. */
    sqlite3_reset(s->h);
    sqlite3_clear_bindings(s->h);
}

static int db_sqlite_column_count(struct db_stmt *st)
{
    return sqlite3_column_count(db_sqlite_stmt_of(st)->h);
}

static int db_sqlite_in_range(struct db_stmt *st, int col)
{
    return col >= 0 && col < sqlite3_data_count(db_sqlite_stmt_of(st)->h);
}

static int db_sqlite_column_is_null(struct db_stmt *st, int col)
{
    return !db_sqlite_in_range(st, col) ||
           sqlite3_column_type(db_sqlite_stmt_of(st)->h, col) == SQLITE_NULL;
}

static int64_t db_sqlite_column_int64(struct db_stmt *st, int col)
{
    return db_sqlite_in_range(st, col) ? sqlite3_column_int64(db_sqlite_stmt_of(st)->h, col) : 0;
}

static double db_sqlite_column_double(struct db_stmt *st, int col)
{
    return db_sqlite_in_range(st, col) ? sqlite3_column_double(db_sqlite_stmt_of(st)->h, col) : 0.0;
}

static const char *db_sqlite_column_text(struct db_stmt *st, int col)
{
    const unsigned char *t = NULL;
    if (db_sqlite_in_range(st, col))
        t = sqlite3_column_text(db_sqlite_stmt_of(st)->h, col);
    return t ? (const char *)t : "";
}

static size_t db_sqlite_column_bytes(struct db_stmt *st, int col)
{
    return db_sqlite_in_range(st, col) ? (size_t)sqlite3_column_bytes(db_sqlite_stmt_of(st)->h, col)
                                       : 0;
}

static const void *db_sqlite_column_blob(struct db_stmt *st, int col)
{
    return db_sqlite_in_range(st, col) ? sqlite3_column_blob(db_sqlite_stmt_of(st)->h, col) : NULL;
}

static int64_t db_sqlite_changes(struct db *db)
{
    return sqlite3_changes64(db_sqlite_handle(db));
}

static enum rc db_sqlite_exec(struct db *db, const char *sql)
{
    int code = sqlite3_exec(db_sqlite_handle(db), sql, NULL, NULL, NULL);
    return code == SQLITE_OK ? RC_OK : db_sqlite_fail(db, code);
}

static enum rc db_sqlite_commit(struct db *db)
{
    sqlite3 *h = db_sqlite_handle(db);
    int code = sqlite3_exec(h, "COMMIT", NULL, NULL, NULL);
    if (code == SQLITE_OK)
        return RC_OK;
    enum rc rc = db_sqlite_fail(db, code);
    if (!sqlite3_get_autocommit(h))
        sqlite3_exec(h, "ROLLBACK", NULL, NULL, NULL);
    return rc;
}

static void db_sqlite_rollback(struct db *db)
{
    sqlite3 *h = db_sqlite_handle(db);
    /* Some errors (busy, I/O, full) already rolled back; ROLLBACK would then fail. */
    if (!sqlite3_get_autocommit(h))
        sqlite3_exec(h, "ROLLBACK", NULL, NULL, NULL);
}

static const struct db_ops DB_SQLITE_OPS = {
    .backend = DB_SQLITE,
    .name = "sqlite",
    .sql_id_type = "INTEGER PRIMARY KEY",
    .sql_blob_type = "BLOB",
    .sql_begin_read = "BEGIN DEFERRED",
    .sql_begin_write = "BEGIN IMMEDIATE",
    .sql_migration_lock = NULL,
    .sql_table_exists = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = $1",
    .close = db_sqlite_close,
    .prepare = db_sqlite_prepare,
    .finalize = db_sqlite_finalize,
    .bind_int64 = db_sqlite_bind_int64,
    .bind_double = db_sqlite_bind_double,
    .bind_text = db_sqlite_bind_text,
    .bind_blob = db_sqlite_bind_blob,
    .bind_null = db_sqlite_bind_null,
    .step = db_sqlite_step,
    .reset = db_sqlite_reset,
    .column_count = db_sqlite_column_count,
    .column_is_null = db_sqlite_column_is_null,
    .column_int64 = db_sqlite_column_int64,
    .column_double = db_sqlite_column_double,
    .column_text = db_sqlite_column_text,
    .column_bytes = db_sqlite_column_bytes,
    .column_blob = db_sqlite_column_blob,
    .changes = db_sqlite_changes,
    .exec = db_sqlite_exec,
    .commit = db_sqlite_commit,
    .rollback = db_sqlite_rollback,
};
