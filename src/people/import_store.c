/*
 * import_store.c — the SQL of the CSV import and the seeding helpers (see import_store.h).
 */
#include "import_store.h"

#include <stdlib.h>
#include <string.h>

/* Appends s and its NUL to pool; returns the offset, or (size_t)-1 when the pool failed. */
static size_t pool_add(struct buf *pool, const char *s, size_t len)
{
    size_t at = pool->len;
    if (buf_addn(pool, s, len) != RC_OK || buf_addc(pool, '\0') != RC_OK)
        return (size_t)-1;
    return at;
}

enum rc import_store_load_users(struct db *db, int64_t tenant_id, struct buf *pool,
                                struct import_existing **users, size_t *n, size_t *cap)
{
    struct db_stmt *st = NULL;
    enum rc rc = db_prepare(db,
                            "SELECT id, manager_id, roles, active, email, email_key, name, "
                            "department, job_title, external_id FROM users WHERE tenant_id = $1 "
                            "ORDER BY id",
                            &st);
    if (rc)
        return rc;
    if ((rc = db_bind_int64(st, 1, tenant_id)))
        goto out;
    while ((rc = db_step(st)) == RC_ROW) {
        if (*n == *cap) {
            size_t want = *cap ? *cap * 2 : 1024;
            struct import_existing *grown = realloc(*users, want * sizeof **users);
            if (!grown) {
                rc = RC_NOMEM;
                goto out;
            }
            *users = grown;
            *cap = want;
        }
        struct import_existing *u = &(*users)[*n];
        u->id = db_column_int64(st, 0);
        u->manager_id = db_column_is_null(st, 1) ? 0 : db_column_int64(st, 1);
        u->roles = (unsigned)db_column_int64(st, 2);
        u->active = db_column_int64(st, 3) != 0;
        size_t *offsets[] = {&u->email,      &u->email_key, &u->name,
                             &u->department, &u->job_title, &u->external_id};
        for (int c = 0; c < 6; c++) {
            *offsets[c] = pool_add(pool, db_column_text(st, 4 + c), db_column_bytes(st, 4 + c));
            if (*offsets[c] == (size_t)-1) {
                rc = buf_failed(pool) == RC_TOO_LARGE ? RC_NOMEM : buf_failed(pool);
                goto out;
            }
        }
        (*n)++;
    }
    if (rc == RC_DONE)
        rc = RC_OK;
out:
    db_reset(st);
    return rc;
}

/* Binds $3.. with the values in the order both statements below use. */
static enum rc bind_values(struct db_stmt *st, const struct import_values *v)
{
    enum rc rc;
    if ((rc = db_bind_text(st, 3, v->email, -1)) || (rc = db_bind_text(st, 4, v->email_key, -1)) ||
        (rc = db_bind_text(st, 5, v->name, -1)) || (rc = db_bind_int64(st, 6, v->roles)) ||
        (rc = db_bind_text(st, 7, v->department, -1)) ||
        (rc = db_bind_text(st, 8, v->job_title, -1)))
        return rc;
    if (v->external_id && v->external_id[0])
        return db_bind_text(st, 9, v->external_id, -1);
    return db_bind_null(st, 9);
}

enum rc import_store_insert_user(struct db *db, int64_t tenant_id, const struct import_values *v,
                                 const char *manager_key, int64_t now)
{
    struct db_stmt *st = NULL;
    enum rc rc = db_prepare(db,
                            "INSERT INTO users (tenant_id, email, email_key, name, roles, "
                            "department, job_title, external_id, manager_id, created_at, "
                            "updated_at) VALUES ($1, $3, $4, $5, $6, $7, $8, $9, "
                            "(SELECT m.id FROM users m WHERE m.tenant_id = $1 AND "
                            "m.email_key = $10), $2, $2)",
                            &st);
    if (rc)
        return rc;
    if ((rc = db_bind_int64(st, 1, tenant_id)) || (rc = db_bind_int64(st, 2, now)) ||
        (rc = bind_values(st, v)) ||
        (rc = manager_key ? db_bind_text(st, 10, manager_key, -1) : db_bind_null(st, 10)))
        goto out;
    rc = db_step(st);
    if (rc == RC_DONE)
        rc = RC_OK;
out:
    db_reset(st);
    return rc;
}

enum rc import_store_update_user(struct db *db, int64_t tenant_id, int64_t id,
                                 const struct import_values *v, int64_t now)
{
    struct db_stmt *st = NULL;
    enum rc rc = db_prepare(db,
                            "UPDATE users SET email = $3, email_key = $4, name = $5, roles = $6, "
                            "department = $7, job_title = $8, external_id = $9, updated_at = $10 "
                            "WHERE tenant_id = $1 AND id = $2",
                            &st);
    if (rc)
        return rc;
    if ((rc = db_bind_int64(st, 1, tenant_id)) || (rc = db_bind_int64(st, 2, id)) ||
        (rc = bind_values(st, v)) || (rc = db_bind_int64(st, 10, now)))
        goto out;
    rc = db_step(st);
    if (rc == RC_DONE)
        rc = RC_OK;
out:
    db_reset(st);
    return rc;
}

enum rc import_store_set_manager(struct db *db, int64_t tenant_id, int64_t id,
                                 const char *manager_key, int64_t now)
{
    struct db_stmt *st = NULL;
    enum rc rc = db_prepare(db,
                            "UPDATE users SET manager_id = (SELECT m.id FROM users m WHERE "
                            "m.tenant_id = $1 AND m.email_key = $3), updated_at = $4 "
                            "WHERE tenant_id = $1 AND id = $2",
                            &st);
    if (rc)
        return rc;
    if ((rc = db_bind_int64(st, 1, tenant_id)) || (rc = db_bind_int64(st, 2, id)) ||
        (rc = manager_key ? db_bind_text(st, 3, manager_key, -1) : db_bind_null(st, 3)) ||
        (rc = db_bind_int64(st, 4, now)))
        goto out;
    rc = db_step(st);
    if (rc == RC_DONE)
        rc = RC_OK;
out:
    db_reset(st);
    return rc;
}

enum rc import_store_password_missing(struct db *db, int64_t tenant_id, const char *email_key,
                                      int *missing)
{
    struct db_stmt *st = NULL;
    enum rc rc = db_prepare(db,
                            "SELECT 1 FROM users WHERE tenant_id = $1 AND email_key = $2 "
                            "AND password_hash IS NULL",
                            &st);
    if (rc)
        return rc;
    if ((rc = db_bind_int64(st, 1, tenant_id)) || (rc = db_bind_text(st, 2, email_key, -1)))
        goto out;
    rc = db_step(st);
    if (rc == RC_ROW || rc == RC_DONE) {
        *missing = rc == RC_ROW;
        rc = RC_OK;
    }
out:
    db_reset(st);
    return rc;
}

enum rc import_store_set_password_if_none(struct db *db, int64_t tenant_id, const char *email_key,
                                          const char *hash, int64_t now, int *changed)
{
    struct db_stmt *st = NULL;
    enum rc rc = db_prepare(db,
                            "UPDATE users SET password_hash = $3, updated_at = $4 "
                            "WHERE tenant_id = $1 AND email_key = $2 AND password_hash IS NULL",
                            &st);
    if (rc)
        return rc;
    if ((rc = db_bind_int64(st, 1, tenant_id)) || (rc = db_bind_text(st, 2, email_key, -1)) ||
        (rc = db_bind_text(st, 3, hash, -1)) || (rc = db_bind_int64(st, 4, now)))
        goto out;
    rc = db_step(st);
    if (rc == RC_DONE) {
        *changed = db_changes(db) > 0;
        rc = RC_OK;
    }
out:
    db_reset(st);
    return rc;
}

static enum rc user_id_by_key(struct db *db, int64_t tenant_id, const char *key, int64_t *id)
{
    return DB_VALUE(db, "SELECT id FROM users WHERE tenant_id = $1 AND email_key = $2", id,
                    DB_INT(tenant_id), DB_TEXT(key));
}

enum rc import_store_assign_coach(struct db *db, int64_t tenant_id, const char *coach_key,
                                  const char *learner_key, int64_t now, int *created)
{
    int64_t coach = 0, learner = 0;
    enum rc rc;
    if ((rc = user_id_by_key(db, tenant_id, coach_key, &coach)) ||
        (rc = user_id_by_key(db, tenant_id, learner_key, &learner)))
        return rc;
    struct db_stmt *st = NULL;
    if ((rc = db_prepare(db,
                         "INSERT INTO coach_assignments (tenant_id, coach_id, learner_id, "
                         "created_at) VALUES ($1, $2, $3, $4) "
                         "ON CONFLICT (coach_id, learner_id) DO NOTHING",
                         &st)))
        return rc;
    if ((rc = db_bind_int64(st, 1, tenant_id)) || (rc = db_bind_int64(st, 2, coach)) ||
        (rc = db_bind_int64(st, 3, learner)) || (rc = db_bind_int64(st, 4, now)))
        goto out;
    rc = db_step(st);
    if (rc == RC_DONE) {
        *created = db_changes(db) > 0;
        rc = RC_OK;
    }
out:
    db_reset(st);
    return rc;
}
