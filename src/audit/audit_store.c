/*
 * audit_store.c — SQL for the audit log (see audit_store.h).
 *
 * The list is one fixed statement whose optional filters are "parameter IS NULL OR
 * condition" pairs: one prepared statement serves every combination and nothing is
 * assembled from input. Newest first is keyset paging on id, which the index
 * audit_log_tenant (tenant_id, id) serves directly.
 */
#include "audit_store.h"

static enum rc bind_id_or_null(struct db_stmt *st, int idx, int64_t id)
{
    return id > 0 ? db_bind_int64(st, idx, id) : db_bind_null(st, idx);
}

static enum rc bind_text_or_null(struct db_stmt *st, int idx, const char *s)
{
    return s ? db_bind_text(st, idx, s, -1) : db_bind_null(st, idx);
}

enum rc audit_store_insert(struct db *db, int64_t tenant_id, int64_t actor_id, const char *action,
                           const char *target_type, int64_t target_id, const char *changes,
                           int64_t at)
{
    return DB_RUN(db,
                  "INSERT INTO audit_log (tenant_id, actor_id, action, target_type, target_id, "
                  "changes, at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                  NULL, DB_INT(tenant_id), DB_INT_OR_NULL(actor_id > 0 ? actor_id : 0),
                  DB_TEXT(action), DB_TEXT(target_type),
                  DB_INT_OR_NULL(target_id > 0 ? target_id : 0), DB_TEXT(changes), DB_INT(at));
}

enum rc audit_store_list(struct db *db, int64_t tenant_id, const struct audit_query *q, int limit,
                         audit_each_fn each, void *arg)
{
    struct db_stmt *st = NULL;
    enum rc rc = db_prepare(
        db,
        "SELECT l.id, l.at, l.actor_id, a.name, a.email, l.action, l.target_type, l.target_id, "
        "l.changes FROM audit_log l "
        "LEFT JOIN users a ON a.id = l.actor_id AND a.tenant_id = l.tenant_id "
        "WHERE l.tenant_id = $1 "
        "AND (CAST($2 AS BIGINT) IS NULL OR l.actor_id = $2) "
        "AND (CAST($3 AS TEXT) IS NULL OR l.action = $3) "
        "AND (CAST($4 AS TEXT) IS NULL OR l.target_type = $4) "
        "AND (CAST($5 AS BIGINT) IS NULL OR l.target_id = $5) "
        "AND (CAST($6 AS BIGINT) IS NULL OR l.at >= $6) "
        "AND (CAST($7 AS BIGINT) IS NULL OR l.at <= $7) "
        "AND (CAST($8 AS BIGINT) IS NULL OR l.id < $8) "
        "ORDER BY l.id DESC LIMIT $9",
        &st);
    if (rc)
        return rc;
    if ((rc = db_bind_int64(st, 1, tenant_id)) || (rc = bind_id_or_null(st, 2, q->actor_id)) ||
        (rc = bind_text_or_null(st, 3, q->action)) ||
        (rc = bind_text_or_null(st, 4, q->target_type)) ||
        (rc = bind_id_or_null(st, 5, q->target_id)) ||
        (rc = q->has_from ? db_bind_int64(st, 6, q->from) : db_bind_null(st, 6)) ||
        (rc = q->has_to ? db_bind_int64(st, 7, q->to) : db_bind_null(st, 7)) ||
        (rc = bind_id_or_null(st, 8, q->before_id)) || (rc = db_bind_int64(st, 9, limit)))
        goto out;
    while ((rc = db_step(st)) == RC_ROW) {
        int known = !db_column_is_null(st, 3);
        struct audit_entry e = {
            .id = db_column_int64(st, 0),
            .at = db_column_int64(st, 1),
            .actor_id = db_column_int64(st, 2),
            .actor_name = known ? db_column_text(st, 3) : NULL,
            .actor_email = known ? db_column_text(st, 4) : NULL,
            .action = db_column_text(st, 5),
            .target_type = db_column_text(st, 6),
            .target_id = db_column_int64(st, 7),
            .changes = db_column_text(st, 8),
        };
        if ((rc = each(arg, &e)))
            goto out;
    }
    if (rc == RC_DONE)
        rc = RC_OK;
out:
    db_reset(st);
    return rc;
}
