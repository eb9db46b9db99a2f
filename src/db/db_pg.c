/*
 * db_pg.c — the PostgreSQL backend of db.h through libpq; the only file that includes
 * libpq-fe.h.
 *
 * Connecting. The URL goes to PQconnectdbParams as an expanded dbname, after a default
 * connect_timeout of 10 s (the URL may override it) and before client_encoding=UTF8 (which
 * it may not). The session then runs SET TimeZone = 'UTC', so a timestamp the database
 * prints can never depend on the server's zone. NOTICE and WARNING messages go to the log
 * at debug level instead of standard error. A connection found broken is reset (PQreset)
 * before its next use outside a transaction: statements of the old session are prepared
 * again on their next step, so a restarted database heals worker connections on its own.
 * The command that met the broken connection still fails with RC_DB; nothing is retried
 * behind the caller's back, since it might have run.
 *
 * Statements. db_prepare prepares under a generated name ("wm_1", "wm_2", …) and asks the
 * server for the parameter and column counts (PQdescribePrepared), once per connection and
 * SQL text thanks to db.c's cache. Parameter types are left to the server to infer from
 * the SQL, so write CAST($1 AS BIGINT) where the SQL alone gives no type (e.g. `$1 + 1`
 * infers int4). Bound values are kept as text — int64 as decimal, double as "%.17g"
 * (exact round trip), text as is — except blobs, which travel in binary format so NUL
 * bytes survive; an unbound parameter is NULL, as on SQLite.
 *
 * Rows stream: db_step sends the statement (PQsendQueryPrepared) and switches to single-row
 * mode, so each step holds one row and a huge export never sits in memory. The price: only
 * one statement per connection can be mid-iteration, and while one is, another db_step,
 * db_prepare of new SQL or db_exec answers RC_INTERNAL naming the culprit (finish or
 * db_reset it first; db_commit and db_rollback end it). db_reset reads and discards the
 * remaining rows, so stop early with LIMIT rather than relying on reset. Results come in
 * text format: bytea arrives hex-escaped and is decoded (PQunescapeBytea) on the first
 * db_column_blob/db_column_bytes of that column, the copy living until the next step or
 * reset; db_column_text of a bytea column gives the escaped text. db_column_int64 reads
 * booleans ("t"/"f") as 1/0.
 *
 * Errors map by SQLSTATE: class 23 (unique, foreign key, check, not null) → RC_CONFLICT;
 * 40001 serialization_failure, 40P01 deadlock_detected and 55P03 lock_not_available →
 * RC_BUSY, which db_transaction retries; 53200 → RC_NOMEM; a lost connection and the rest
 * → RC_DB. The message kept for logs is the server's primary message and SQLSTATE, without
 * its DETAIL line, which could quote the offending values.
 *
 * Transactions run at READ COMMITTED, PostgreSQL's default, set explicitly so a server
 * configured otherwise cannot change the semantics. Each statement sees what was committed
 * when it started; concurrent writers are ordered by row locks, uniqueness by constraints
 * and ON CONFLICT, and the scheduler claims work with FOR UPDATE SKIP LOCKED. That matches
 * what SQLite's single writer gives the same code; SERIALIZABLE would turn ordinary
 * concurrent requests into serialisation-failure retries. A transaction that met an error
 * is aborted by PostgreSQL (every later statement fails until rollback); a COMMIT of it
 * reports RC_DB instead of PostgreSQL's silent ROLLBACK.
 *
 * Migrations hold pg_advisory_xact_lock(33602696382607979) ("waymark" in ASCII) in each
 * migration transaction, so processes migrating at once take turns.
 */
#include "db.h"

#include <libpq-fe.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/log.h"
#include "db_int.h"

#define DB_PG_BYTEA_OID 17 /* pg_type.oid of bytea, fixed since PostgreSQL 7 */
#define DB_PG_NUM_MAX   32 /* "%.17g" of any double fits */

struct db_pg_stmt;

struct db_pg {
    struct db base;
    PGconn *conn;
    struct db_pg_stmt *active; /* the statement whose results are still arriving */
    unsigned next_name;        /* for "wm_N" statement names */
    unsigned generation;       /* bumped on each reconnect */
    int64_t changes;
};

struct db_pg_param {
    char *value; /* NULL for SQL NULL; points into num or to an owned copy */
    int length;
    int format; /* 0 text, 1 binary */
    int owned;
    char num[DB_PG_NUM_MAX];
};

struct db_pg_stmt {
    struct db_stmt base;
    char name[16];
    unsigned generation; /* of the session it was prepared in */
    int nparams, nfields;
    struct db_pg_param *params;
    const char **values; /* handed to libpq, rebuilt from params at each execution */
    int *lengths, *formats;
    int running;           /* sent and results still arriving: this == active */
    PGresult *res;         /* the batch holding the current row (one row in single-row mode) */
    int row;               /* current row in res */
    unsigned char **blobs; /* decoded bytea of the current row, per column */
    size_t *blob_lens;
};

static struct db_pg *db_pg_of(struct db *db)
{
    return (struct db_pg *)db;
}

static struct db_pg_stmt *db_pg_stmt_of(struct db_stmt *st)
{
    return (struct db_pg_stmt *)st;
}

/* Copies a libpq message into out on one line (libpq's end with, or contain, newlines). */
static void db_pg_flatten(char *out, size_t size, const char *prefix, const char *msg)
{
    size_t n = 0;
    if (!size)
        return;
    for (const char *p = prefix; *p && n + 1 < size; p++)
        out[n++] = *p;
    int space = 1;
    for (const char *p = msg ? msg : ""; *p && n + 1 < size; p++) {
        int ws = *p == '\n' || *p == '\t' || *p == '\r' || *p == ' ';
        if (ws) {
            if (!space)
                out[n++] = ' ';
            space = 1;
        } else {
            out[n++] = *p;
            space = 0;
        }
    }
    while (n > 0 && out[n - 1] == ' ')
        n--;
    out[n] = '\0';
}

static enum rc db_pg_conn_fail(struct db_pg *p, const char *what)
{
    char msg[DB_ERRMSG_MAX];
    db_pg_flatten(msg, sizeof msg, "", PQerrorMessage(p->conn));
    return db_fail(&p->base, RC_DB, "postgres: %s: %s", what, msg);
}

static enum rc db_pg_map(const char *sqlstate)
{
    if (!sqlstate)
        return RC_DB;
    if (strncmp(sqlstate, "23", 2) == 0)
        return RC_CONFLICT;
    if (strcmp(sqlstate, "40001") == 0 || strcmp(sqlstate, "40P01") == 0 ||
        strcmp(sqlstate, "55P03") == 0)
        return RC_BUSY;
    if (strcmp(sqlstate, "53200") == 0)
        return RC_NOMEM;
    return RC_DB;
}

/* Records the error of a failed result; returns the mapped rc. */
static enum rc db_pg_result_fail(struct db_pg *p, const PGresult *r)
{
    const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
    const char *primary = r ? PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY) : NULL;
    char msg[DB_ERRMSG_MAX];
    if (PQstatus(p->conn) == CONNECTION_BAD) {
        db_pg_flatten(msg, sizeof msg, "", PQerrorMessage(p->conn));
        return db_fail(&p->base, RC_DB, "postgres: connection lost: %s", msg);
    }
    if (!primary) {
        db_pg_flatten(msg, sizeof msg, "", r ? PQresultErrorMessage(r) : PQerrorMessage(p->conn));
        return db_fail(&p->base, db_pg_map(state), "postgres: %s", msg);
    }
    db_pg_flatten(msg, sizeof msg, "", primary);
    return db_fail(&p->base, db_pg_map(state), "postgres: %s (SQLSTATE %s)", msg,
                   state ? state : "?");
}

static void db_pg_note_changes(struct db_pg *p, const PGresult *r)
{
    const char *tag = PQcmdStatus((PGresult *)r);
    if (strncmp(tag, "INSERT ", 7) == 0 || strncmp(tag, "UPDATE ", 7) == 0 ||
        strncmp(tag, "DELETE ", 7) == 0 || strncmp(tag, "MERGE ", 6) == 0)
        p->changes = strtoll(PQcmdTuples((PGresult *)r), NULL, 10);
}

static void db_pg_notice(void *arg, const char *message)
{
    (void)arg;
    size_t n = strlen(message);
    while (n > 0 && (message[n - 1] == '\n' || message[n - 1] == ' '))
        n--;
    log_debug("postgres: %.*s", (int)n, message);
}

/* Per-session settings, after connecting and after each reconnect. */
static enum rc db_pg_session(struct db_pg *p)
{
    PGresult *r = PQexec(p->conn, "SET TimeZone TO 'UTC'");
    enum rc rc = RC_OK;
    if (PQresultStatus(r) != PGRES_COMMAND_OK)
        rc = db_pg_result_fail(p, r);
    PQclear(r);
    return rc;
}

static const struct db_ops DB_PG_OPS;

enum rc db_pg_open(const char *url, struct db **out, char *err, size_t errlen)
{
    static const char *const keys[] = {"connect_timeout", "fallback_application_name", "dbname",
                                       "client_encoding", NULL};
    const char *values[] = {"10", "waymark", url, "UTF8", NULL};
    struct db_pg *p = NULL;
    enum rc rc = RC_DB;

    p = calloc(1, sizeof *p);
    if (!p) {
        snprintf(err, errlen, "out of memory");
        rc = RC_NOMEM;
        goto out;
    }
    db_init(&p->base, &DB_PG_OPS);
    p->conn = PQconnectdbParams(keys, values, 1);
    if (!p->conn) {
        snprintf(err, errlen, "out of memory");
        rc = RC_NOMEM;
        goto out;
    }
    if (PQstatus(p->conn) != CONNECTION_OK) {
        db_pg_flatten(err, errlen, "cannot connect to PostgreSQL: ", PQerrorMessage(p->conn));
        goto out;
    }
    PQsetNoticeProcessor(p->conn, db_pg_notice, NULL);
    if (db_pg_session(p) != RC_OK) {
        snprintf(err, errlen, "cannot set up PostgreSQL session: %s", p->base.errmsg);
        goto out;
    }
    *out = &p->base;
    p = NULL;
    rc = RC_OK;
out:
    if (p) {
        PQfinish(p->conn);
        free(p);
    }
    return rc;
}

static void db_pg_close(struct db *db)
{
    struct db_pg *p = db_pg_of(db);
    PQfinish(p->conn);
    free(p);
}

/* Makes sure the connection can take a command: reconnects a broken one outside a
 * transaction. */
static enum rc db_pg_usable(struct db_pg *p)
{
    if (PQstatus(p->conn) == CONNECTION_OK)
        return RC_OK;
    if (p->base.in_tx)
        return db_fail(&p->base, RC_DB,
                       "postgres: connection lost inside a transaction; roll it back");
    PQreset(p->conn);
    if (PQstatus(p->conn) != CONNECTION_OK)
        return db_pg_conn_fail(p, "reconnect failed");
    p->generation++;
    enum rc rc = db_pg_session(p);
    if (rc == RC_OK)
        log_warn("reconnected to PostgreSQL after the connection was lost");
    return rc;
}

static enum rc db_pg_idle_check(struct db_pg *p)
{
    if (!p->active)
        return RC_OK;
    return db_fail(&p->base, RC_INTERNAL,
                   "postgres: another statement still has rows to read; step it to RC_DONE or "
                   "db_reset it first: %.200s",
                   p->active->base.sql);
}

static enum rc db_pg_send_prepare(struct db_pg *p, const char *name, const char *sql)
{
    PGresult *r = PQprepare(p->conn, name, sql, 0, NULL);
    enum rc rc = RC_OK;
    if (PQresultStatus(r) != PGRES_COMMAND_OK)
        rc = db_pg_result_fail(p, r);
    PQclear(r);
    return rc;
}

/* Drops the current row and its decoded blobs. */
static void db_pg_row_clear(struct db_pg_stmt *s)
{
    if (s->blobs)
        for (int i = 0; i < s->nfields; i++)
            if (s->blobs[i]) {
                PQfreemem(s->blobs[i]);
                s->blobs[i] = NULL;
            }
    PQclear(s->res);
    s->res = NULL;
    s->row = 0;
}

static void db_pg_param_clear(struct db_pg_param *pa)
{
    if (pa->owned)
        free(pa->value);
    pa->value = NULL;
    pa->length = 0;
    pa->format = 0;
    pa->owned = 0;
}

static void db_pg_params_clear(struct db_pg_stmt *s)
{
    for (int i = 0; i < s->nparams; i++)
        db_pg_param_clear(&s->params[i]);
}

/* Reads and discards what is left of the running statement's results. */
static void db_pg_drain(struct db_pg *p, struct db_pg_stmt *s)
{
    PGresult *r;
    db_pg_row_clear(s);
    if (!s->running)
        return;
    while ((r = PQgetResult(p->conn)) != NULL) {
        ExecStatusType status = PQresultStatus(r);
        if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK)
            db_pg_note_changes(p, r);
        PQclear(r);
    }
    s->running = 0;
    if (p->active == s)
        p->active = NULL;
}

static void db_pg_finalize(struct db_stmt *st)
{
    struct db_pg_stmt *s = db_pg_stmt_of(st);
    struct db_pg *p = db_pg_of(st->db);
    if (s->running)
        db_pg_drain(p, s);
    db_pg_row_clear(s);
    if (s->params)
        db_pg_params_clear(s);
    free(s->params);
    free(s->values);
    free(s->lengths);
    free(s->formats);
    free(s->blobs);
    free(s->blob_lens);
    free(s);
}

static enum rc db_pg_prepare(struct db *db, const char *sql, struct db_stmt **out)
{
    struct db_pg *p = db_pg_of(db);
    struct db_pg_stmt *s = NULL;
    PGresult *desc = NULL;
    enum rc rc;

    rc = db_pg_idle_check(p);
    if (rc == RC_OK)
        rc = db_pg_usable(p);
    if (rc != RC_OK)
        goto out;
    s = calloc(1, sizeof *s);
    if (!s) {
        rc = db_fail(db, RC_NOMEM, "out of memory preparing a statement");
        goto out;
    }
    s->base.db = db;
    snprintf(s->name, sizeof s->name, "wm_%u", ++p->next_name);
    rc = db_pg_send_prepare(p, s->name, sql);
    if (rc != RC_OK)
        goto out;
    desc = PQdescribePrepared(p->conn, s->name);
    if (PQresultStatus(desc) != PGRES_COMMAND_OK) {
        rc = db_pg_result_fail(p, desc);
        goto out;
    }
    s->generation = p->generation;
    s->nparams = PQnparams(desc);
    s->nfields = PQnfields(desc);
    size_t np = (size_t)s->nparams + 1, nf = (size_t)s->nfields + 1;
    s->params = calloc(np, sizeof *s->params);
    s->values = calloc(np, sizeof *s->values);
    s->lengths = calloc(np, sizeof *s->lengths);
    s->formats = calloc(np, sizeof *s->formats);
    s->blobs = calloc(nf, sizeof *s->blobs);
    s->blob_lens = calloc(nf, sizeof *s->blob_lens);
    if (!s->params || !s->values || !s->lengths || !s->formats || !s->blobs || !s->blob_lens) {
        rc = db_fail(db, RC_NOMEM, "out of memory preparing a statement");
        goto out;
    }
    *out = &s->base;
    s = NULL;
out:
    PQclear(desc);
    if (s)
        db_pg_finalize(&s->base);
    return rc;
}

/* The parameter slot for $idx, or NULL after recording an error. */
static struct db_pg_param *db_pg_param(struct db_stmt *st, int idx)
{
    struct db_pg_stmt *s = db_pg_stmt_of(st);
    if (idx < 1 || idx > s->nparams) {
        db_fail(st->db, RC_INTERNAL, "postgres: statement has no parameter $%d: %s", idx, st->sql);
        return NULL;
    }
    struct db_pg_param *pa = &s->params[idx - 1];
    db_pg_param_clear(pa);
    return pa;
}

static enum rc db_pg_bind_int64(struct db_stmt *st, int idx, int64_t v)
{
    struct db_pg_param *pa = db_pg_param(st, idx);
    if (!pa)
        return RC_INTERNAL;
    snprintf(pa->num, sizeof pa->num, "%lld", (long long)v);
    pa->value = pa->num;
    return RC_OK;
}

static enum rc db_pg_bind_double(struct db_stmt *st, int idx, double v)
{
    struct db_pg_param *pa = db_pg_param(st, idx);
    if (!pa)
        return RC_INTERNAL;
    if (isnan(v))
        snprintf(pa->num, sizeof pa->num, "NaN");
    else if (isinf(v))
        snprintf(pa->num, sizeof pa->num, "%s", v > 0 ? "Infinity" : "-Infinity");
    else
        snprintf(pa->num, sizeof pa->num, "%.17g", v);
    pa->value = pa->num;
    return RC_OK;
}

static enum rc db_pg_bind_copy(struct db_stmt *st, int idx, const void *data, size_t len,
                               int format)
{
    if (len > 0x7fffffff)
        return db_fail(st->db, RC_TOO_LARGE, "postgres: parameter $%d is too large", idx);
    struct db_pg_param *pa = db_pg_param(st, idx);
    if (!pa)
        return RC_INTERNAL;
    char *copy = malloc(len + 1);
    if (!copy)
        return db_fail(st->db, RC_NOMEM, "out of memory binding parameter $%d", idx);
    memcpy(copy, data, len);
    copy[len] = '\0';
    pa->value = copy;
    pa->length = (int)len;
    pa->format = format;
    pa->owned = 1;
    return RC_OK;
}

static enum rc db_pg_bind_text(struct db_stmt *st, int idx, const char *s, size_t len)
{
    return db_pg_bind_copy(st, idx, s, len, 0);
}

static enum rc db_pg_bind_blob(struct db_stmt *st, int idx, const void *p, size_t len)
{
    return db_pg_bind_copy(st, idx, p, len, 1);
}

static enum rc db_pg_bind_null(struct db_stmt *st, int idx)
{
    return db_pg_param(st, idx) ? RC_OK : RC_INTERNAL;
}

/* Sends the statement with its bound parameters and enters single-row mode. */
static enum rc db_pg_start(struct db_pg *p, struct db_pg_stmt *s)
{
    enum rc rc = db_pg_idle_check(p);
    if (rc == RC_OK)
        rc = db_pg_usable(p);
    if (rc == RC_OK && s->generation != p->generation) {
        rc = db_pg_send_prepare(p, s->name, s->base.sql);
        if (rc == RC_OK)
            s->generation = p->generation;
    }
    if (rc != RC_OK)
        return rc;
    for (int i = 0; i < s->nparams; i++) {
        s->values[i] = s->params[i].value;
        s->lengths[i] = s->params[i].length;
        s->formats[i] = s->params[i].format;
    }
    if (!PQsendQueryPrepared(p->conn, s->name, s->nparams, s->values, s->lengths, s->formats, 0))
        return db_pg_conn_fail(p, "cannot send statement");
    /* Without single-row mode the rows would still come, only in one batch; so a failure
     * here costs memory, not correctness. */
    PQsetSingleRowMode(p->conn);
    s->running = 1;
    p->active = s;
    return RC_OK;
}

static enum rc db_pg_step(struct db_stmt *st)
{
    struct db_pg_stmt *s = db_pg_stmt_of(st);
    struct db_pg *p = db_pg_of(st->db);
    enum rc rc = RC_DONE;
    PGresult *r;

    if (!s->running) {
        rc = db_pg_start(p, s);
        if (rc != RC_OK)
            return rc;
        rc = RC_DONE;
    } else if (s->res) {
        for (int i = 0; i < s->nfields; i++)
            if (s->blobs[i]) {
                PQfreemem(s->blobs[i]);
                s->blobs[i] = NULL;
            }
        if (++s->row < PQntuples(s->res))
            return RC_ROW;
        db_pg_row_clear(s);
    }
    while ((r = PQgetResult(p->conn)) != NULL) {
        switch (PQresultStatus(r)) {
        case PGRES_SINGLE_TUPLE:
            s->res = r;
            s->row = 0;
            return RC_ROW;
        case PGRES_TUPLES_OK:
            db_pg_note_changes(p, r);
            if (PQntuples(r) > 0 && rc == RC_DONE) {
                s->res = r;
                s->row = 0;
                return RC_ROW;
            }
            break;
        case PGRES_COMMAND_OK:
            db_pg_note_changes(p, r);
            break;
        case PGRES_EMPTY_QUERY:
            break;
        default:
            if (rc == RC_DONE)
                rc = db_pg_result_fail(p, r);
            break;
        }
        PQclear(r);
    }
    s->running = 0;
    p->active = NULL;
    return rc;
}

static void db_pg_reset(struct db_stmt *st)
{
    struct db_pg_stmt *s = db_pg_stmt_of(st);
    db_pg_drain(db_pg_of(st->db), s);
    db_pg_params_clear(s);
}

static int db_pg_column_count(struct db_stmt *st)
{
    struct db_pg_stmt *s = db_pg_stmt_of(st);
    return s->res ? PQnfields(s->res) : s->nfields;
}

/* The current row's text of col, or NULL when NULL or out of range. */
static const char *db_pg_value(struct db_pg_stmt *s, int col)
{
    if (!s->res || col < 0 || col >= PQnfields(s->res) || s->row >= PQntuples(s->res) ||
        PQgetisnull(s->res, s->row, col))
        return NULL;
    return PQgetvalue(s->res, s->row, col);
}

static int db_pg_column_is_null(struct db_stmt *st, int col)
{
    return db_pg_value(db_pg_stmt_of(st), col) == NULL;
}

static int64_t db_pg_column_int64(struct db_stmt *st, int col)
{
    const char *v = db_pg_value(db_pg_stmt_of(st), col);
    if (!v)
        return 0;
    if (v[0] == 't' && !v[1])
        return 1;
    return strtoll(v, NULL, 10);
}

static double db_pg_column_double(struct db_stmt *st, int col)
{
    const char *v = db_pg_value(db_pg_stmt_of(st), col);
    return v ? strtod(v, NULL) : 0.0;
}

static const char *db_pg_column_text(struct db_stmt *st, int col)
{
    const char *v = db_pg_value(db_pg_stmt_of(st), col);
    return v ? v : "";
}

/* Decodes a bytea column of the current row once; NULL when not bytea (or NULL value). */
static const unsigned char *db_pg_bytea(struct db_pg_stmt *s, int col, size_t *len)
{
    const char *v = db_pg_value(s, col);
    if (!v || col >= s->nfields || PQftype(s->res, col) != DB_PG_BYTEA_OID)
        return NULL;
    if (!s->blobs[col]) {
        s->blobs[col] = PQunescapeBytea((const unsigned char *)v, &s->blob_lens[col]);
        if (!s->blobs[col]) {
            db_fail(s->base.db, RC_NOMEM, "out of memory decoding a bytea column");
            *len = 0;
            return NULL;
        }
    }
    *len = s->blob_lens[col];
    return s->blobs[col];
}

static size_t db_pg_column_bytes(struct db_stmt *st, int col)
{
    struct db_pg_stmt *s = db_pg_stmt_of(st);
    size_t len = 0;
    if (db_pg_bytea(s, col, &len))
        return len;
    return db_pg_value(s, col) ? (size_t)PQgetlength(s->res, s->row, col) : 0;
}

static const void *db_pg_column_blob(struct db_stmt *st, int col)
{
    struct db_pg_stmt *s = db_pg_stmt_of(st);
    size_t len = 0;
    const unsigned char *b = db_pg_bytea(s, col, &len);
    return b ? (const void *)b : (const void *)db_pg_value(s, col);
}

static int64_t db_pg_changes(struct db *db)
{
    return db_pg_of(db)->changes;
}

static enum rc db_pg_exec(struct db *db, const char *sql)
{
    struct db_pg *p = db_pg_of(db);
    enum rc rc = db_pg_idle_check(p);
    if (rc == RC_OK)
        rc = db_pg_usable(p);
    if (rc != RC_OK)
        return rc;
    PGresult *r = PQexec(p->conn, sql);
    switch (PQresultStatus(r)) {
    case PGRES_COMMAND_OK:
    case PGRES_TUPLES_OK:
        db_pg_note_changes(p, r);
        break;
    case PGRES_EMPTY_QUERY:
        break;
    default:
        rc = db_pg_result_fail(p, r);
        break;
    }
    PQclear(r);
    return rc;
}

static void db_pg_end_transaction(struct db_pg *p)
{
    PGTransactionStatusType ts = PQtransactionStatus(p->conn);
    if (ts == PQTRANS_INTRANS || ts == PQTRANS_INERROR)
        PQclear(PQexec(p->conn, "ROLLBACK"));
}

static enum rc db_pg_commit(struct db *db)
{
    struct db_pg *p = db_pg_of(db);
    enum rc rc = RC_OK;
    if (p->active)
        db_pg_drain(p, p->active);
    PGresult *r = PQexec(p->conn, "COMMIT");
    if (PQresultStatus(r) != PGRES_COMMAND_OK)
        rc = db_pg_result_fail(p, r);
    else if (strcmp(PQcmdStatus(r), "COMMIT") != 0)
        rc = db_fail(db, RC_DB,
                     "postgres: the transaction had failed and was rolled back "
                     "instead of committed");
    PQclear(r);
    db_pg_end_transaction(p);
    return rc;
}

static void db_pg_rollback(struct db *db)
{
    struct db_pg *p = db_pg_of(db);
    if (p->active)
        db_pg_drain(p, p->active);
    if (PQstatus(p->conn) == CONNECTION_OK)
        db_pg_end_transaction(p);
}

static const struct db_ops DB_PG_OPS = {
    .backend = DB_POSTGRES,
    .name = "postgres",
    .sql_id_type = "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY",
    .sql_blob_type = "BYTEA",
    .sql_begin_read = "BEGIN ISOLATION LEVEL READ COMMITTED",
    .sql_begin_write = "BEGIN ISOLATION LEVEL READ COMMITTED",
    .sql_migration_lock = "SELECT pg_advisory_xact_lock(33602696382607979)",
    .sql_table_exists = "SELECT 1 WHERE to_regclass($1) IS NOT NULL",
    .close = db_pg_close,
    .prepare = db_pg_prepare,
    .finalize = db_pg_finalize,
    .bind_int64 = db_pg_bind_int64,
    .bind_double = db_pg_bind_double,
    .bind_text = db_pg_bind_text,
    .bind_blob = db_pg_bind_blob,
    .bind_null = db_pg_bind_null,
    .step = db_pg_step,
    .reset = db_pg_reset,
    .column_count = db_pg_column_count,
    .column_is_null = db_pg_column_is_null,
    .column_int64 = db_pg_column_int64,
    .column_double = db_pg_column_double,
    .column_text = db_pg_column_text,
    .column_bytes = db_pg_column_bytes,
    .column_blob = db_pg_column_blob,
    .changes = db_pg_changes,
    .exec = db_pg_exec,
    .commit = db_pg_commit,
    .rollback = db_pg_rollback,
};
