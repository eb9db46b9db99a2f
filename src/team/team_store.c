/*
 * team_store.c — SQL of the team view (see team_store.h).
 *
 * Each statement starts from "u.manager_id = $2" (the users_manager index) and reaches
 * the reports' enrolments through enrolments_user and their activities through
 * activities_enrolment: the work is proportional to the team, never to the tenant.
 * "+u.tenant_id" (a no-op on both databases) keeps the tenant test out of SQLite's
 * choice of index, which would otherwise prefer users_tenant_name and read the whole
 * organisation (see activity_store.c for the same trick).
 */
#include "team_store.h"

/* $1 tenant, $2 manager. */
#define REPORTS            "u.manager_id = $2 AND +u.tenant_id = $1 AND u.active = 1"
#define REPORTS_ENROLMENTS REPORTS " AND e.status IN ('active', 'paused') AND +e.tenant_id = $1"

static enum rc prepare(struct db *db, const char *sql, int64_t tenant_id, int64_t manager_id,
                       struct db_stmt **st)
{
    enum rc rc = db_prepare(db, sql, st);
    if (!rc && !(rc = db_bind_int64(*st, 1, tenant_id)))
        rc = db_bind_int64(*st, 2, manager_id);
    return rc;
}

static const char *text_or_null(struct db_stmt *st, int col)
{
    return db_column_is_null(st, col) ? NULL : db_column_text(st, col);
}

enum rc team_store_members(struct db *db, int64_t tenant_id, int64_t manager_id,
                           team_member_fn each, void *arg)
{
    struct db_stmt *st = NULL;
    enum rc rc = prepare(db,
                         "SELECT u.id, u.name, u.email, u.job_title, "
                         "(SELECT MAX(a.completed_at) FROM enrolments e "
                         "JOIN activities a ON a.enrolment_id = e.id "
                         "WHERE e.user_id = u.id AND a.state = 'completed') "
                         "FROM users u WHERE " REPORTS,
                         tenant_id, manager_id, &st);
    if (rc)
        goto out;
    while ((rc = db_step(st)) == RC_ROW) {
        struct team_member_row r = {.id = db_column_int64(st, 0),
                                    .name = db_column_text(st, 1),
                                    .email = db_column_text(st, 2),
                                    .job_title = db_column_text(st, 3),
                                    .last_completed_at =
                                        db_column_is_null(st, 4) ? 0 : db_column_int64(st, 4)};
        if ((rc = each(arg, &r)))
            goto out;
    }
    rc = rc == RC_DONE ? RC_OK : rc;
out:
    db_reset(st);
    return rc;
}

enum rc team_store_enrolments(struct db *db, int64_t tenant_id, int64_t manager_id,
                              team_enrolment_fn each, void *arg)
{
    struct db_stmt *st = NULL;
    enum rc rc = prepare(db,
                         "SELECT e.id, e.user_id, e.workflow_id, e.coach_id, v.title, e.status, "
                         "e.completed_steps, e.total_steps FROM users u "
                         "JOIN enrolments e ON e.user_id = u.id "
                         "JOIN workflow_versions v ON v.id = e.version_id "
                         "WHERE " REPORTS_ENROLMENTS " ORDER BY e.id",
                         tenant_id, manager_id, &st);
    if (rc)
        goto out;
    while ((rc = db_step(st)) == RC_ROW) {
        struct team_enrolment_row r = {
            .id = db_column_int64(st, 0),
            .user_id = db_column_int64(st, 1),
            .workflow_id = db_column_int64(st, 2),
            .coach_id = db_column_is_null(st, 3) ? 0 : db_column_int64(st, 3),
            .workflow_title = db_column_text(st, 4),
            .status = db_column_text(st, 5),
            .completed = (int)db_column_int64(st, 6),
            .total = (int)db_column_int64(st, 7),
        };
        if ((rc = each(arg, &r)))
            goto out;
    }
    rc = rc == RC_DONE ? RC_OK : rc;
out:
    db_reset(st);
    return rc;
}

enum rc team_store_activities(struct db *db, int64_t tenant_id, int64_t manager_id,
                              team_activity_fn each, void *arg)
{
    struct db_stmt *st = NULL;
    enum rc rc = prepare(db,
                         "SELECT a.id, a.enrolment_id, a.seq, a.state, a.due_at, s.title, s.kind, "
                         "s.completion, s.manager_prompt FROM users u "
                         "JOIN enrolments e ON e.user_id = u.id "
                         "JOIN activities a ON a.enrolment_id = e.id "
                         "JOIN workflow_version_steps s ON s.id = a.step_id "
                         "WHERE " REPORTS_ENROLMENTS " AND a.state IN ('open', 'awaiting_signoff')",
                         tenant_id, manager_id, &st);
    if (rc)
        goto out;
    while ((rc = db_step(st)) == RC_ROW) {
        struct team_activity_row r = {
            .id = db_column_int64(st, 0),
            .enrolment_id = db_column_int64(st, 1),
            .seq = (int)db_column_int64(st, 2),
            .awaiting = db_column_text(st, 3)[0] == 'a',
            .due_at = db_column_int64(st, 4),
            .title = db_column_text(st, 5),
            .kind = db_column_text(st, 6),
            .completion = db_column_text(st, 7),
            .manager_prompt = text_or_null(st, 8),
        };
        if ((rc = each(arg, &r)))
            goto out;
    }
    rc = rc == RC_DONE ? RC_OK : rc;
out:
    db_reset(st);
    return rc;
}
