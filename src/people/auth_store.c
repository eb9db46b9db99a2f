/*
 * auth_store.c — SQL for sessions, bearer tokens and sign-in throttling (see
 * auth_store.h). Lookups join users so an inactive user's session or token is simply
 * not found.
 */
#include "auth_store.h"

#include <stdio.h>

static enum rc principal_by_hash(struct db *db, const char *sql, const char *token_hash,
                                 int with_session_fields, struct auth_principal *out)
{
    struct db_stmt *st = NULL;
    enum rc rc = db_prepare(db, sql, &st);
    if (rc)
        return rc;
    if ((rc = db_bind_text(st, 1, token_hash, -1)))
        goto out;
    rc = db_step(st);
    if (rc == RC_ROW) {
        out->id = db_column_int64(st, 0);
        out->tenant_id = db_column_int64(st, 1);
        out->user_id = db_column_int64(st, 2);
        out->roles = (unsigned)db_column_int64(st, 3);
        out->last_used_at = db_column_is_null(st, 4) ? 0 : db_column_int64(st, 4);
        out->expires_at = with_session_fields ? db_column_int64(st, 5) : 0;
        snprintf(out->csrf, sizeof out->csrf, "%s",
                 with_session_fields ? db_column_text(st, 6) : "");
        rc = RC_OK;
    } else if (rc == RC_DONE) {
        rc = RC_NOT_FOUND;
    }
out:
    db_reset(st);
    return rc;
}

enum rc auth_store_session_by_hash(struct db *db, const char *token_hash,
                                   struct auth_principal *out)
{
    return principal_by_hash(db,
                             "SELECT s.id, s.tenant_id, s.user_id, u.roles, s.last_seen_at, "
                             "s.expires_at, s.csrf_token FROM sessions s JOIN users u ON "
                             "u.id = s.user_id AND u.tenant_id = s.tenant_id "
                             "WHERE s.token_hash = $1 AND u.active = 1",
                             token_hash, 1, out);
}

enum rc auth_store_token_by_hash(struct db *db, const char *token_hash, struct auth_principal *out)
{
    return principal_by_hash(db,
                             "SELECT t.id, t.tenant_id, t.user_id, u.roles, t.last_used_at "
                             "FROM api_tokens t JOIN users u ON u.id = t.user_id AND "
                             "u.tenant_id = t.tenant_id WHERE t.token_hash = $1 AND "
                             "t.revoked_at IS NULL AND u.active = 1",
                             token_hash, 0, out);
}

enum rc auth_store_session_touch(struct db *db, int64_t session_id, int64_t now)
{
    return DB_RUN(db, "UPDATE sessions SET last_seen_at = $2 WHERE id = $1", NULL,
                  DB_INT(session_id), DB_INT(now));
}

enum rc auth_store_token_touch(struct db *db, int64_t token_id, int64_t now)
{
    return DB_RUN(db, "UPDATE api_tokens SET last_used_at = $2 WHERE id = $1", NULL,
                  DB_INT(token_id), DB_INT(now));
}

enum rc auth_store_session_insert(struct db *db, int64_t tenant_id, int64_t user_id,
                                  const char *token_hash, const char *csrf, int64_t now,
                                  int64_t expires_at, int64_t *id)
{
    struct db_stmt *st = NULL;
    enum rc rc = db_prepare(db,
                            "INSERT INTO sessions (tenant_id, user_id, token_hash, csrf_token, "
                            "created_at, last_seen_at, expires_at) VALUES ($1, $2, $3, $4, $5, "
                            "$5, $6) RETURNING id",
                            &st);
    if (rc)
        return rc;
    if ((rc = db_bind_int64(st, 1, tenant_id)) || (rc = db_bind_int64(st, 2, user_id)) ||
        (rc = db_bind_text(st, 3, token_hash, -1)) || (rc = db_bind_text(st, 4, csrf, -1)) ||
        (rc = db_bind_int64(st, 5, now)) || (rc = db_bind_int64(st, 6, expires_at)))
        goto out;
    rc = db_step(st);
    if (rc == RC_ROW) {
        *id = db_column_int64(st, 0);
        rc = RC_OK;
    }
out:
    db_reset(st);
    return rc;
}

enum rc auth_store_session_delete(struct db *db, int64_t session_id)
{
    return DB_RUN(db, "DELETE FROM sessions WHERE id = $1", NULL, DB_INT(session_id));
}

enum rc auth_store_candidates(struct db *db, const char *email_key, const char *tenant_slug,
                              struct auth_candidate *out, int *n)
{
    struct db_stmt *st = NULL;
    enum rc rc = db_prepare(db,
                            "SELECT u.id, u.tenant_id, COALESCE(u.password_hash, '') FROM users u "
                            "JOIN tenants t ON t.id = u.tenant_id WHERE u.email_key = $1 AND "
                            "u.active = 1 AND ($2 = '' OR t.slug = $2) ORDER BY u.id LIMIT 8",
                            &st);
    if (rc)
        return rc;
    *n = 0;
    if ((rc = db_bind_text(st, 1, email_key, -1)) ||
        (rc = db_bind_text(st, 2, tenant_slug ? tenant_slug : "", -1)))
        goto out;
    while ((rc = db_step(st)) == RC_ROW && *n < AUTH_MAX_CANDIDATES) {
        struct auth_candidate *c = &out[(*n)++];
        c->user_id = db_column_int64(st, 0);
        c->tenant_id = db_column_int64(st, 1);
        snprintf(c->password_hash, sizeof c->password_hash, "%s", db_column_text(st, 2));
    }
    if (rc == RC_DONE || rc == RC_ROW)
        rc = RC_OK;
out:
    db_reset(st);
    return rc;
}

enum rc auth_store_failures(struct db *db, const char *key, int64_t since, int64_t *count,
                            int64_t *oldest)
{
    struct db_stmt *st = NULL;
    enum rc rc = db_prepare(db,
                            "SELECT count(*), COALESCE(min(at), 0) FROM sign_in_failures WHERE "
                            "throttle_key = $1 AND at >= $2",
                            &st);
    if (rc)
        return rc;
    if ((rc = db_bind_text(st, 1, key, -1)) || (rc = db_bind_int64(st, 2, since)))
        goto out;
    rc = db_step(st);
    if (rc == RC_ROW) {
        *count = db_column_int64(st, 0);
        *oldest = db_column_int64(st, 1);
        rc = RC_OK;
    }
out:
    db_reset(st);
    return rc;
}

enum rc auth_store_failure_add(struct db *db, const char *key, int64_t now, int64_t prune_before)
{
    enum rc rc = DB_RUN(db, "DELETE FROM sign_in_failures WHERE throttle_key = $1 AND at < $2",
                        NULL, DB_TEXT(key), DB_INT(prune_before));
    if (rc)
        return rc;
    return DB_RUN(db, "INSERT INTO sign_in_failures (throttle_key, at) VALUES ($1, $2)", NULL,
                  DB_TEXT(key), DB_INT(now));
}

enum rc auth_store_failures_clear(struct db *db, const char *key)
{
    return DB_RUN(db, "DELETE FROM sign_in_failures WHERE throttle_key = $1", NULL, DB_TEXT(key));
}
