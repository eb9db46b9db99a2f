/*
 * credentials_store.c — SQL for passwords, API tokens, one-time links and sessions
 * (see credentials_store.h).
 *
 * Every statement is finished (db_reset) before the function returns, so callers may
 * run one after another on PostgreSQL, where only one statement may be mid-iteration.
 */
#include "credentials_store.h"

#include <stdio.h>

/* ---- passwords ---- */

enum rc credentials_store_password_hash(struct db *db, int64_t tenant_id, int64_t user_id,
                                        char out[SECURE_PASSWORD_HASH])
{
    struct db_stmt *st = NULL;
    enum rc rc =
        db_prepare(db, "SELECT password_hash FROM users WHERE tenant_id = $1 AND id = $2", &st);
    if (rc)
        return rc;
    if ((rc = db_bind_int64(st, 1, tenant_id)) || (rc = db_bind_int64(st, 2, user_id)))
        goto out;
    rc = db_step(st);
    if (rc == RC_ROW) {
        snprintf(out, SECURE_PASSWORD_HASH, "%s", db_column_text(st, 0));
        rc = RC_OK;
    } else if (rc == RC_DONE) {
        rc = RC_NOT_FOUND;
    }
out:
    db_reset(st);
    return rc;
}

enum rc credentials_store_set_password_hash(struct db *db, int64_t tenant_id, int64_t user_id,
                                            const char *hash)
{
    int64_t changed = 0;
    enum rc rc = DB_RUN(db, "UPDATE users SET password_hash = $3 WHERE tenant_id = $1 AND id = $2",
                        &changed, DB_INT(tenant_id), DB_INT(user_id), DB_TEXT(hash));
    return rc ? rc : changed == 1 ? RC_OK : RC_NOT_FOUND;
}

/* ---- sessions ---- */

enum rc credentials_store_delete_sessions(struct db *db, int64_t tenant_id, int64_t user_id,
                                          int64_t keep_session_id)
{
    return DB_RUN(db, "DELETE FROM sessions WHERE tenant_id = $1 AND user_id = $2 AND id <> $3",
                  NULL, DB_INT(tenant_id), DB_INT(user_id), DB_INT(keep_session_id));
}

/* ---- API tokens ---- */

enum rc credentials_store_token_insert(struct db *db, int64_t tenant_id, int64_t user_id,
                                       const char *name, const char *token_hash, int64_t now,
                                       int64_t *id_out)
{
    struct db_stmt *st = NULL;
    enum rc rc = db_prepare(db,
                            "INSERT INTO api_tokens (tenant_id, user_id, name, token_hash, "
                            "created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
                            &st);
    if (rc)
        return rc;
    if ((rc = db_bind_int64(st, 1, tenant_id)) || (rc = db_bind_int64(st, 2, user_id)) ||
        (rc = db_bind_text(st, 3, name, -1)) || (rc = db_bind_text(st, 4, token_hash, -1)) ||
        (rc = db_bind_int64(st, 5, now)))
        goto out;
    rc = db_step(st);
    if (rc == RC_ROW) {
        *id_out = db_column_int64(st, 0);
        rc = RC_OK;
    } else if (rc == RC_DONE) {
        rc = RC_DB;
    }
out:
    db_reset(st);
    return rc;
}

enum rc credentials_store_token_count(struct db *db, int64_t tenant_id, int64_t user_id,
                                      const char *name, int64_t *live_out, int *name_taken_out)
{
    struct db_stmt *st = NULL;
    enum rc rc = db_prepare(db,
                            "SELECT count(*), COALESCE(SUM(CASE WHEN name = $3 THEN 1 ELSE 0 "
                            "END), 0) FROM api_tokens WHERE tenant_id = $1 AND user_id = $2 "
                            "AND revoked_at IS NULL",
                            &st);
    if (rc)
        return rc;
    if ((rc = db_bind_int64(st, 1, tenant_id)) || (rc = db_bind_int64(st, 2, user_id)) ||
        (rc = db_bind_text(st, 3, name, -1)))
        goto out;
    rc = db_step(st);
    if (rc == RC_ROW) {
        *live_out = db_column_int64(st, 0);
        *name_taken_out = db_column_int64(st, 1) > 0;
        rc = RC_OK;
    } else if (rc == RC_DONE) {
        rc = RC_DB;
    }
out:
    db_reset(st);
    return rc;
}

enum rc credentials_store_token_list(struct db *db, int64_t tenant_id, int64_t user_id,
                                     int64_t after_id, int limit, struct credentials_token *out,
                                     int *count_out, int *more)
{
    struct db_stmt *st = NULL;
    enum rc rc = db_prepare(db,
                            "SELECT id, name, created_at, last_used_at FROM api_tokens "
                            "WHERE tenant_id = $1 AND user_id = $2 AND revoked_at IS NULL "
                            "AND id > $3 ORDER BY id LIMIT $4",
                            &st);
    if (rc)
        return rc;
    int n = 0;
    *more = 0;
    if ((rc = db_bind_int64(st, 1, tenant_id)) || (rc = db_bind_int64(st, 2, user_id)) ||
        (rc = db_bind_int64(st, 3, after_id)) || (rc = db_bind_int64(st, 4, (int64_t)limit + 1)))
        goto out;
    while ((rc = db_step(st)) == RC_ROW) {
        if (n == limit) {
            *more = 1;
            break;
        }
        struct credentials_token *t = &out[n++];
        t->id = db_column_int64(st, 0);
        snprintf(t->name, sizeof t->name, "%s", db_column_text(st, 1));
        t->created_at = db_column_int64(st, 2);
        t->last_used_at = db_column_is_null(st, 3) ? 0 : db_column_int64(st, 3);
    }
    if (rc == RC_DONE || rc == RC_ROW)
        rc = RC_OK;
out:
    db_reset(st);
    if (rc == RC_OK)
        *count_out = n;
    return rc;
}

enum rc credentials_store_token_revoke(struct db *db, int64_t tenant_id, int64_t user_id,
                                       int64_t id, int64_t now)
{
    int64_t changed = 0;
    enum rc rc = DB_RUN(db,
                        "UPDATE api_tokens SET revoked_at = $4 WHERE tenant_id = $1 AND "
                        "user_id = $2 AND id = $3 AND revoked_at IS NULL",
                        &changed, DB_INT(tenant_id), DB_INT(user_id), DB_INT(id), DB_INT(now));
    return rc ? rc : changed == 1 ? RC_OK : RC_NOT_FOUND;
}

enum rc credentials_store_token_revoke_all(struct db *db, int64_t tenant_id, int64_t user_id,
                                           int64_t now)
{
    return DB_RUN(db,
                  "UPDATE api_tokens SET revoked_at = $3 WHERE tenant_id = $1 AND "
                  "user_id = $2 AND revoked_at IS NULL",
                  NULL, DB_INT(tenant_id), DB_INT(user_id), DB_INT(now));
}

/* ---- one-time links ---- */

enum rc credentials_store_link_insert(struct db *db, int64_t tenant_id, int64_t user_id,
                                      const char *purpose, const char *token_hash,
                                      int64_t created_by, int64_t now, int64_t expires_at)
{
    return DB_RUN(db,
                  "INSERT INTO one_time_links (tenant_id, user_id, purpose, token_hash, "
                  "created_by, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                  NULL, DB_INT(tenant_id), DB_INT(user_id), DB_TEXT(purpose), DB_TEXT(token_hash),
                  DB_INT_OR_NULL(created_by), DB_INT(now), DB_INT(expires_at));
}

enum rc credentials_store_link_by_hash(struct db *db, const char *token_hash,
                                       struct credentials_store_link *out)
{
    struct db_stmt *st = NULL;
    enum rc rc = db_prepare(db,
                            "SELECT id, tenant_id, user_id, purpose, expires_at, used_at "
                            "FROM one_time_links WHERE token_hash = $1",
                            &st);
    if (rc)
        return rc;
    if ((rc = db_bind_text(st, 1, token_hash, -1)))
        goto out;
    rc = db_step(st);
    if (rc == RC_ROW) {
        out->id = db_column_int64(st, 0);
        out->tenant_id = db_column_int64(st, 1);
        out->user_id = db_column_int64(st, 2);
        snprintf(out->purpose, sizeof out->purpose, "%s", db_column_text(st, 3));
        out->expires_at = db_column_int64(st, 4);
        out->used_at = db_column_is_null(st, 5) ? 0 : db_column_int64(st, 5);
        rc = RC_OK;
    } else if (rc == RC_DONE) {
        rc = RC_NOT_FOUND;
    }
out:
    db_reset(st);
    return rc;
}

enum rc credentials_store_link_claim(struct db *db, int64_t tenant_id, int64_t id, int64_t now,
                                     int *claimed)
{
    int64_t changed = 0;
    enum rc rc = DB_RUN(db,
                        "UPDATE one_time_links SET used_at = $3 WHERE tenant_id = $1 AND "
                        "id = $2 AND used_at IS NULL",
                        &changed, DB_INT(tenant_id), DB_INT(id), DB_INT(now));
    if (!rc)
        *claimed = changed == 1;
    return rc;
}

enum rc credentials_store_links_void(struct db *db, int64_t tenant_id, int64_t user_id,
                                     const char *purpose, int64_t now)
{
    if (purpose)
        return DB_RUN(db,
                      "UPDATE one_time_links SET used_at = $3 WHERE tenant_id = $1 AND "
                      "user_id = $2 AND purpose = $4 AND used_at IS NULL",
                      NULL, DB_INT(tenant_id), DB_INT(user_id), DB_INT(now), DB_TEXT(purpose));
    return DB_RUN(db,
                  "UPDATE one_time_links SET used_at = $3 WHERE tenant_id = $1 AND "
                  "user_id = $2 AND used_at IS NULL",
                  NULL, DB_INT(tenant_id), DB_INT(user_id), DB_INT(now));
}
