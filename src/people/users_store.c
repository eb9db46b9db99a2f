/*
 * users_store.c — SQL for users, reporting lines and coach assignments (see
 * users_store.h).
 *
 * The reporting subtree is one recursive query over users.manager_id (indexed by
 * users_manager). UNION, not UNION ALL, so even a cycle that slipped in some other way
 * (a hand-edited database) ends the recursion instead of looping.
 *
 * The list is one fixed statement whose optional filters are "parameter IS NULL OR
 * condition" pairs, so there is exactly one prepared statement for every combination and
 * no SQL is ever assembled from input. Paging is keyset on (name, id): the cursor is the
 * id of the last row shown, whose name the statement looks up itself.
 */
#include "users_store.h"

#include "people_store.h"

/* The subtree below $2 in tenant $1, as a sub-select of ids. */
#define USERS_SUBTREE(tenant, root)                                                                \
    "WITH RECURSIVE sub(id) AS (SELECT id FROM users WHERE tenant_id = " tenant                    \
    " AND manager_id = " root " UNION SELECT c.id FROM users c JOIN sub s ON c.manager_id = "      \
    "s.id WHERE c.tenant_id = " tenant ") SELECT id FROM sub"

static enum rc bind_text_or_null(struct db_stmt *st, int idx, const char *s)
{
    return s && s[0] ? db_bind_text(st, idx, s, -1) : db_bind_null(st, idx);
}

static enum rc bind_id_or_null(struct db_stmt *st, int idx, int64_t id)
{
    return id > 0 ? db_bind_int64(st, idx, id) : db_bind_null(st, idx);
}

/* Runs a prepared, bound statement that returns no rows. */
static enum rc run(struct db_stmt *st)
{
    enum rc rc = db_step(st);
    db_reset(st);
    return rc == RC_DONE || rc == RC_ROW ? RC_OK : rc;
}

enum rc users_store_insert(struct db *db, struct user *u, const char *email_key)
{
    struct db_stmt *st = NULL;
    enum rc rc = db_prepare(
        db,
        "INSERT INTO users (tenant_id, email, email_key, name, roles, manager_id, department, "
        "job_title, external_id, active, created_at, updated_at) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id",
        &st);
    if (rc)
        return rc;
    if ((rc = db_bind_int64(st, 1, u->tenant_id)) || (rc = db_bind_text(st, 2, u->email, -1)) ||
        (rc = db_bind_text(st, 3, email_key, -1)) || (rc = db_bind_text(st, 4, u->name, -1)) ||
        (rc = db_bind_int64(st, 5, u->roles)) || (rc = bind_id_or_null(st, 6, u->manager_id)) ||
        (rc = db_bind_text(st, 7, u->department, -1)) ||
        (rc = db_bind_text(st, 8, u->job_title, -1)) ||
        (rc = bind_text_or_null(st, 9, u->external_id)) ||
        (rc = db_bind_int64(st, 10, u->active ? 1 : 0)) ||
        (rc = db_bind_int64(st, 11, u->created_at)) || (rc = db_bind_int64(st, 12, u->updated_at)))
        goto out;
    rc = db_step(st);
    if (rc == RC_ROW) {
        u->id = db_column_int64(st, 0);
        rc = RC_OK;
    } else if (rc == RC_DONE) {
        rc = RC_INTERNAL;
    }
out:
    db_reset(st);
    return rc;
}

enum rc users_store_update(struct db *db, const struct user *u, const char *email_key)
{
    int64_t changed = 0;
    enum rc rc = DB_RUN(db,
                        "UPDATE users SET email = $3, email_key = $4, name = $5, roles = $6, "
                        "manager_id = $7, department = $8, job_title = $9, external_id = $10, "
                        "updated_at = $11 WHERE tenant_id = $1 AND id = $2",
                        &changed, DB_INT(u->tenant_id), DB_INT(u->id), DB_TEXT(u->email),
                        DB_TEXT(email_key), DB_TEXT(u->name), DB_INT(u->roles),
                        DB_INT_OR_NULL(u->manager_id > 0 ? u->manager_id : 0),
                        DB_TEXT(u->department), DB_TEXT(u->job_title),
                        DB_TEXT(u->external_id[0] ? u->external_id : NULL), DB_INT(u->updated_at));
    return rc ? rc : changed == 1 ? RC_OK : RC_NOT_FOUND;
}

enum rc users_store_set_active(struct db *db, int64_t tenant_id, int64_t id, int active, int64_t at)
{
    int64_t changed = 0;
    enum rc rc = DB_RUN(db,
                        "UPDATE users SET active = $3, deactivated_at = $4, updated_at = $5 "
                        "WHERE tenant_id = $1 AND id = $2",
                        &changed, DB_INT(tenant_id), DB_INT(id), DB_INT(active ? 1 : 0),
                        DB_INT_OR_NULL(active ? 0 : at), DB_INT(at));
    return rc ? rc : changed == 1 ? RC_OK : RC_NOT_FOUND;
}

/* The answer of a DB_VALUE lookup as these functions give it: the value, 0 for no row,
 * -1 when the database failed. */
static int64_t value_or_zero(enum rc rc, int64_t v)
{
    return rc == RC_OK ? v : rc == RC_NOT_FOUND ? 0 : -1;
}

int64_t users_store_id_by_email_key(struct db *db, int64_t tenant_id, const char *email_key,
                                    int64_t except_id)
{
    int64_t id = 0;
    enum rc rc =
        DB_VALUE(db, "SELECT id FROM users WHERE tenant_id = $1 AND email_key = $2 AND id <> $3",
                 &id, DB_INT(tenant_id), DB_TEXT(email_key), DB_INT(except_id));
    return value_or_zero(rc, id);
}

int64_t users_store_id_by_external_id(struct db *db, int64_t tenant_id, const char *external_id,
                                      int64_t except_id)
{
    int64_t id = 0;
    enum rc rc =
        DB_VALUE(db, "SELECT id FROM users WHERE tenant_id = $1 AND external_id = $2 AND id <> $3",
                 &id, DB_INT(tenant_id), DB_TEXT(external_id), DB_INT(except_id));
    return value_or_zero(rc, id);
}

int users_store_in_subtree(struct db *db, int64_t tenant_id, int64_t root_id, int64_t user_id)
{
    int64_t one = 0;
    enum rc rc =
        DB_VALUE(db,
                 "SELECT 1 FROM users WHERE tenant_id = $1 AND id = $3 AND id IN (" USERS_SUBTREE(
                     "$1", "$2") ")",
                 &one, DB_INT(tenant_id), DB_INT(root_id), DB_INT(user_id));
    int64_t r = value_or_zero(rc, one);
    return r < 0 ? -1 : r > 0;
}

int users_store_is_coach_of(struct db *db, int64_t tenant_id, int64_t coach_id, int64_t learner_id)
{
    int64_t one = 0;
    enum rc rc = DB_VALUE(db,
                          "SELECT 1 FROM coach_assignments a JOIN users c ON c.id = a.coach_id "
                          "WHERE a.tenant_id = $1 AND a.coach_id = $2 AND a.learner_id = $3 "
                          "AND c.tenant_id = $1 AND (c.roles & CAST($4 AS INTEGER)) <> 0",
                          &one, DB_INT(tenant_id), DB_INT(coach_id), DB_INT(learner_id),
                          DB_INT(PEOPLE_ROLE_COACH));
    int64_t r = value_or_zero(rc, one);
    return r < 0 ? -1 : r > 0;
}

int64_t users_store_direct_report_count(struct db *db, int64_t tenant_id, int64_t id)
{
    int64_t n = 0;
    enum rc rc = DB_VALUE(db,
                          "SELECT COUNT(*) FROM users WHERE tenant_id = $1 AND manager_id = $2 "
                          "AND active = 1",
                          &n, DB_INT(tenant_id), DB_INT(id));
    return value_or_zero(rc, n);
}

int64_t users_store_coach_of(struct db *db, int64_t tenant_id, int64_t learner_id)
{
    int64_t coach = 0;
    enum rc rc = DB_VALUE(db,
                          "SELECT MIN(coach_id) FROM coach_assignments WHERE tenant_id = $1 "
                          "AND learner_id = $2",
                          &coach, DB_INT(tenant_id), DB_INT(learner_id));
    return value_or_zero(rc, coach); /* MIN of nothing is NULL, read as 0 */
}

enum rc users_store_set_coach(struct db *db, int64_t tenant_id, int64_t learner_id,
                              int64_t coach_id, int64_t at)
{
    struct db_stmt *st = NULL;
    enum rc rc = db_prepare(
        db, "DELETE FROM coach_assignments WHERE tenant_id = $1 AND learner_id = $2", &st);
    if (rc)
        return rc;
    if ((rc = db_bind_int64(st, 1, tenant_id)) || (rc = db_bind_int64(st, 2, learner_id))) {
        db_reset(st);
        return rc;
    }
    if ((rc = run(st)) || coach_id <= 0)
        return rc;
    if ((rc = db_prepare(db,
                         "INSERT INTO coach_assignments (tenant_id, coach_id, learner_id, "
                         "created_at) VALUES ($1, $2, $3, $4)",
                         &st)))
        return rc;
    if ((rc = db_bind_int64(st, 1, tenant_id)) || (rc = db_bind_int64(st, 2, coach_id)) ||
        (rc = db_bind_int64(st, 3, learner_id)) || (rc = db_bind_int64(st, 4, at))) {
        db_reset(st);
        return rc;
    }
    return run(st);
}

enum rc users_store_lock_tenant(struct db *db, int64_t tenant_id)
{
    struct db_stmt *st = NULL;
    enum rc rc = db_prepare(db, "UPDATE tenants SET updated_at = updated_at WHERE id = $1", &st);
    if (rc)
        return rc;
    if ((rc = db_bind_int64(st, 1, tenant_id))) {
        db_reset(st);
        return rc;
    }
    return run(st);
}

enum rc users_store_list(struct db *db, const struct users_store_list_args *a,
                         users_store_each_fn each, void *arg)
{
    struct db_stmt *st = NULL;
    enum rc rc = db_prepare(
        db,
        "SELECT " PEOPLE_USER_COLUMNS " FROM users u WHERE u.tenant_id = $1 "
        "AND (CAST($2 AS INTEGER) = 1 OR u.id = $3 "
        "OR (CAST($4 AS INTEGER) = 1 AND u.id IN (" USERS_SUBTREE(
            "$1", "$3") ")) "
                        "OR (CAST($5 AS INTEGER) = 1 AND u.id IN (SELECT learner_id FROM "
                        "coach_assignments "
                        "WHERE tenant_id = $1 AND coach_id = $3))) "
                        "AND (CAST($6 AS TEXT) IS NULL OR lower(u.name) LIKE lower($6) ESCAPE '\\' "
                        "OR u.email_key LIKE lower($6) ESCAPE '\\') "
                        "AND (CAST($7 AS INTEGER) IS NULL OR u.active = $7) "
                        "AND (CAST($8 AS BIGINT) IS NULL OR u.manager_id = $8) "
                        "AND (CAST($9 AS TEXT) IS NULL OR lower(u.department) = lower($9)) "
                        "AND (CAST($10 AS INTEGER) IS NULL OR (u.roles & $10) <> 0) "
                        "AND (CAST($11 AS BIGINT) IS NULL OR (u.name, u.id) > "
                        "(SELECT c.name, c.id FROM users c WHERE c.tenant_id = $1 AND c.id = $11)) "
                        "ORDER BY u.name, u.id LIMIT $12",
        &st);
    if (rc)
        return rc;
    if ((rc = db_bind_int64(st, 1, a->tenant_id)) || (rc = db_bind_int64(st, 2, a->vis.all)) ||
        (rc = db_bind_int64(st, 3, a->vis.self_id)) ||
        (rc = db_bind_int64(st, 4, a->vis.subtree)) ||
        (rc = db_bind_int64(st, 5, a->vis.coachees)) ||
        (rc = bind_text_or_null(st, 6, a->q_pattern)) ||
        (rc = a->active >= 0 ? db_bind_int64(st, 7, a->active) : db_bind_null(st, 7)) ||
        (rc = a->manager_id >= 0 ? db_bind_int64(st, 8, a->manager_id) : db_bind_null(st, 8)) ||
        (rc = a->department ? db_bind_text(st, 9, a->department, -1) : db_bind_null(st, 9)) ||
        (rc = a->role ? db_bind_int64(st, 10, a->role) : db_bind_null(st, 10)) ||
        (rc = bind_id_or_null(st, 11, a->after_id)) || (rc = db_bind_int64(st, 12, a->limit)))
        goto out;
    struct user u;
    while ((rc = db_step(st)) == RC_ROW) {
        people_store_read_user(st, 0, &u);
        if ((rc = each(arg, &u)))
            goto out;
    }
    if (rc == RC_DONE)
        rc = RC_OK;
out:
    db_reset(st);
    return rc;
}
