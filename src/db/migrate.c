/*
 * migrate.c — brings a database's schema up to the migrations embedded in this binary.
 *
 * The applied migrations are rows of schema_migrations (version, name, applied_at); the
 * schema version is the highest version there, 0 when the table does not exist yet.
 * db_migrate:
 *   1. reads the version without any lock; when it already equals the latest, returns at
 *      once, so a normal start-up costs two small reads and takes no write lock;
 *   2. creates schema_migrations if missing, in its own write transaction;
 *   3. applies one migration per transaction until none is missing: inside each, takes the
 *      migration lock, re-reads the version, runs the next migration's SQL (placeholders
 *      filled for the backend) and records it — DDL is transactional on both backends, so
 *      a failed migration leaves nothing half-applied and is retried in full next start.
 * The migration lock is the backend's: SQLite's BEGIN IMMEDIATE already holds the only
 * write lock; on PostgreSQL a transaction-scoped advisory lock (db_pg.c). Because the
 * version is re-read under the lock, two processes migrating at once take turns and the
 * second finds the work done; neither applies a migration twice.
 *
 * A database whose version is above the latest known here was migrated by a newer Waymark;
 * running older code against it could corrupt data, so db_migrate refuses with
 * RC_CONFLICT. Migrations are applied forwards only; an applied migration is never edited.
 */
#include "db.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../core/buf.h"
#include "../core/log.h"
#include "db_int.h"
#include "migrations.h"

#define MIGRATE_SQL_MAX (16u << 20)

static const char MIGRATE_CREATE_TABLE[] = "CREATE TABLE IF NOT EXISTS schema_migrations ("
                                           " version BIGINT PRIMARY KEY,"
                                           " name TEXT NOT NULL,"
                                           " applied_at BIGINT NOT NULL)";

struct migrate_state {
    int latest;
    int newer;                         /* the database's version when above latest */
    int done;                          /* nothing left to apply */
    const struct migration *attempted; /* the migration of the last transaction */
};

int db_migrations_latest(void)
{
    return MIGRATIONS_COUNT ? MIGRATIONS[MIGRATIONS_COUNT - 1].version : 0;
}

enum rc db_migrate_fill(struct db *db, const char *sql, char **out)
{
    struct buf b;
    enum rc rc = RC_OK;
    const char *p = sql;

    buf_init(&b, MIGRATE_SQL_MAX);
    for (;;) {
        const char *open = strstr(p, "{{");
        if (!open) {
            buf_add(&b, p);
            break;
        }
        buf_addn(&b, p, (size_t)(open - p));
        const char *name = open + 2;
        size_t n = strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZ_");
        if (n == 2 && strncmp(name, "ID", 2) == 0 && strncmp(name + n, "}}", 2) == 0)
            buf_add(&b, db->ops->sql_id_type);
        else if (n == 4 && strncmp(name, "BLOB", 4) == 0 && strncmp(name + n, "}}", 2) == 0)
            buf_add(&b, db->ops->sql_blob_type);
        else {
            rc = db_fail(db, RC_INVALID,
                         "unknown placeholder {{%.*s in migration SQL (known: "
                         "{{ID}}, {{BLOB}})",
                         (int)(n + 2 < 40 ? n + 2 : 40), name);
            goto out;
        }
        p = name + n + 2;
    }
    rc = buf_failed(&b);
    if (rc != RC_OK) {
        db_fail(db, rc, "migration SQL too large or out of memory");
        goto out;
    }
    *out = buf_steal(&b, NULL);
    if (!*out)
        rc = db_fail(db, RC_NOMEM, "out of memory filling migration SQL");
out:
    buf_free(&b);
    return rc;
}

enum rc db_schema_version(struct db *db, int *out)
{
    struct db_stmt *st = NULL;
    enum rc rc = db_prepare(db, db->ops->sql_table_exists, &st);
    int exists;
    int64_t v = 0;

    if (rc != RC_OK)
        goto out;
    rc = db_bind_text(st, 1, "schema_migrations", -1);
    if (rc != RC_OK)
        goto out;
    rc = db_step(st);
    if (rc != RC_ROW && rc != RC_DONE)
        goto out;
    exists = rc == RC_ROW;
    db_reset(st);
    st = NULL;
    if (exists) {
        rc = db_prepare(db, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations", &st);
        if (rc != RC_OK)
            goto out;
        rc = db_step(st);
        if (rc != RC_ROW) {
            if (rc == RC_DONE)
                rc = db_fail(db, RC_DB, "schema version query returned no row");
            goto out;
        }
        v = db_column_int64(st, 0);
    }
    *out = v > INT_MAX ? INT_MAX : v < 0 ? 0 : (int)v;
    rc = RC_OK;
out:
    db_reset(st);
    return rc;
}

static enum rc migrate_lock(struct db *db)
{
    return db->ops->sql_migration_lock ? db_exec(db, db->ops->sql_migration_lock) : RC_OK;
}

static enum rc migrate_bootstrap(struct db *db, void *arg)
{
    (void)arg;
    enum rc rc = migrate_lock(db);
    return rc != RC_OK ? rc : db_exec(db, MIGRATE_CREATE_TABLE);
}

/* One transaction: applies the next missing migration, or finds there is none. */
static enum rc migrate_next(struct db *db, void *arg)
{
    struct migrate_state *ms = arg;
    const struct migration *m = NULL;
    struct db_stmt *st = NULL;
    char *sql = NULL;
    int version = 0;
    enum rc rc;

    ms->attempted = NULL;
    rc = migrate_lock(db);
    if (rc == RC_OK)
        rc = db_schema_version(db, &version);
    if (rc != RC_OK)
        goto out;
    if (version > ms->latest) {
        ms->newer = version;
        rc = RC_CONFLICT;
        goto out;
    }
    if (version == ms->latest) {
        ms->done = 1;
        goto out;
    }
    m = &MIGRATIONS[version];
    ms->attempted = m;
    if (m->version != version + 1) {
        rc = db_fail(db, RC_INTERNAL, "embedded migrations are not numbered 1, 2, 3 …");
        goto out;
    }
    rc = db_migrate_fill(db, m->sql, &sql);
    if (rc == RC_OK)
        rc = db_exec(db, sql);
    if (rc == RC_OK)
        rc = db_prepare(db,
                        "INSERT INTO schema_migrations (version, name, applied_at) "
                        "VALUES ($1, $2, $3)",
                        &st);
    if (rc == RC_OK)
        rc = db_bind_int64(st, 1, m->version);
    if (rc == RC_OK)
        rc = db_bind_text(st, 2, m->name, -1);
    if (rc == RC_OK)
        rc = db_bind_int64(st, 3, (int64_t)time(NULL));
    if (rc == RC_OK)
        rc = db_step(st);
    if (rc == RC_DONE)
        rc = RC_OK;
out:
    db_reset(st);
    free(sql);
    return rc;
}

static void migrate_newer(char *err, size_t errlen, int version, int latest)
{
    snprintf(err, errlen,
             "database schema is at version %d but this waymark knows only up to %d; run a "
             "newer waymark",
             version, latest);
}

enum rc db_migrate(struct db *db, char *err, size_t errlen)
{
    struct migrate_state ms = {.latest = db_migrations_latest()};
    int version = 0;
    enum rc rc;

    rc = db_schema_version(db, &version);
    if (rc != RC_OK) {
        snprintf(err, errlen, "cannot read the schema version: %s", db_errmsg(db));
        return rc;
    }
    if (version > ms.latest) {
        migrate_newer(err, errlen, version, ms.latest);
        return RC_CONFLICT;
    }
    if (version == ms.latest)
        return RC_OK;
    log_info("database schema is at version %d; migrating to %d", version, ms.latest);

    rc = db_transaction(db, 1, migrate_bootstrap, NULL);
    if (rc != RC_OK) {
        snprintf(err, errlen, "cannot create schema_migrations: %s", db_errmsg(db));
        return rc;
    }
    while (!ms.done) {
        rc = db_transaction(db, 1, migrate_next, &ms);
        if (rc == RC_CONFLICT && ms.newer) {
            migrate_newer(err, errlen, ms.newer, ms.latest);
            return rc;
        }
        if (rc != RC_OK) {
            if (ms.attempted)
                snprintf(err, errlen, "migration %04d_%s failed: %s", ms.attempted->version,
                         ms.attempted->name, db_errmsg(db));
            else
                snprintf(err, errlen, "migrating failed: %s", db_errmsg(db));
            return rc;
        }
        if (ms.attempted)
            log_info("applied migration %04d_%s", ms.attempted->version, ms.attempted->name);
    }
    return RC_OK;
}
