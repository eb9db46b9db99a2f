/*
 * activity_store.c — SQL for activities, their files and feedback (see activity_store.h).
 *
 * The summary columns are selected in one order (SUMMARY_COLUMNS) by every query that
 * shows them one by one, so one reader (read_row) serves an enrolment's activities, one
 * activity and the sign-off queue. A summary joins the activity to its frozen version
 * step, the step's phase and the version: three primary-key lookups per row.
 *
 * The journey is four statements whatever the learner's history: their enrolments; the
 * activities of the active and paused ones through activities_enrolment; the steps and
 * the phases of those versions. activity.c joins them in memory, which costs two b-tree
 * lookups an activity (its row and its step) where one big join cost five.
 */
#include "activity_store.h"

#include <stdlib.h>
#include <string.h>

#define SUMMARY_COLUMNS                                                                            \
    "a.id, a.enrolment_id, s.step_key, a.seq, p.position, p.name, v.title, s.kind, s.title, "      \
    "s.effort_minutes, s.completion, s.evidence, a.state, a.release_at, a.due_at, "                \
    "a.completed_at, a.returned_at, a.submitted_at"
#define SUMMARY_NCOLUMNS 18
#define SUMMARY_FROM                                                                               \
    "activities a JOIN workflow_version_steps s ON s.id = a.step_id "                              \
    "JOIN workflow_version_phases p ON p.id = s.version_phase_id "                                 \
    "JOIN workflow_versions v ON v.id = s.version_id "

static void read_row(struct db_stmt *st, struct activity_row *r)
{
    r->id = db_column_int64(st, 0);
    r->enrolment_id = db_column_int64(st, 1);
    r->step_key = db_column_int64(st, 2);
    r->seq = (int)db_column_int64(st, 3);
    r->phase = (int)db_column_int64(st, 4);
    r->phase_name = db_column_text(st, 5);
    r->workflow_title = db_column_text(st, 6);
    r->kind = db_column_text(st, 7);
    r->title = db_column_text(st, 8);
    r->effort_minutes = (int)db_column_int64(st, 9);
    r->completion = db_column_text(st, 10);
    r->evidence = db_column_text(st, 11);
    int state = activity_state_parse(db_column_text(st, 12));
    r->state = state < 0 ? ACTIVITY_SKIPPED : (enum activity_state)state;
    r->release_at = db_column_int64(st, 13);
    r->due_at = db_column_int64(st, 14);
    r->completed_at = db_column_int64(st, 15);
    r->returned_at = db_column_int64(st, 16);
    r->submitted_at = db_column_int64(st, 17);
}

/* NULL for SQL NULL. */
static const char *text_or_null(struct db_stmt *st, int col)
{
    return db_column_is_null(st, col) ? NULL : db_column_text(st, col);
}

/* Steps st to the end, calling each per row with the summary read. */
static enum rc each_row(struct db_stmt *st, activity_row_fn each, void *arg)
{
    enum rc rc;
    while ((rc = db_step(st)) == RC_ROW) {
        struct activity_row r;
        read_row(st, &r);
        if ((rc = each(arg, &r)))
            return rc;
    }
    return rc == RC_DONE ? RC_OK : rc;
}

enum rc activity_store_journey_rev(struct db *db, int64_t tenant_id, int64_t user_id, int64_t *rev,
                                   char *zone, size_t size)
{
    struct db_stmt *st = NULL;
    enum rc rc = db_prepare(db,
                            "SELECT u.journey_rev, t.time_zone FROM users u "
                            "JOIN tenants t ON t.id = u.tenant_id "
                            "WHERE u.id = $2 AND u.tenant_id = $1",
                            &st);
    if (rc || (rc = db_bind_int64s(st, 1, (int64_t[]){tenant_id, user_id}, 2)))
        goto out;
    if ((rc = db_step(st)) == RC_ROW) {
        *rev = db_column_int64(st, 0);
        const char *z = db_column_text(st, 1);
        size_t n = strlen(z);
        if (n >= size)
            n = size - 1;
        memcpy(zone, z, n);
        zone[n] = '\0';
        rc = RC_OK;
    } else if (rc == RC_DONE) {
        rc = RC_NOT_FOUND;
    }
out:
    db_reset(st);
    return rc;
}

enum rc activity_store_bump_journey(struct db *db, int64_t tenant_id, int64_t user_id)
{
    return DB_RUN(db,
                  "UPDATE users SET journey_rev = journey_rev + 1 WHERE tenant_id = $1 AND id = $2",
                  NULL, DB_INT(tenant_id), DB_INT(user_id));
}

/* ---- one activity ------------------------------------------------------------------- */

void activity_record_free(struct activity_record *r)
{
    if (!r)
        return;
    char **owned[] = {&r->learner_name,  &r->enrolment_status, &r->instructions,
                      &r->link_url,      &r->manager_prompt,   &r->reflection,
                      &r->evidence_text, &r->evidence_url,     &r->completed_by_name,
                      &r->phase_name,    &r->workflow_title,   &r->kind,
                      &r->title,         &r->completion,       &r->evidence};
    for (size_t i = 0; i < sizeof owned / sizeof owned[0]; i++)
        free(*owned[i]);
    memset(r, 0, sizeof *r);
}

/* *slot = a copy of column col (NULL for SQL NULL when nullable, else ""). */
static enum rc copy_column(struct db_stmt *st, int col, int nullable, char **slot)
{
    *slot = NULL;
    if (nullable && db_column_is_null(st, col))
        return RC_OK;
    return (*slot = strdup(db_column_text(st, col))) ? RC_OK : RC_NOMEM;
}

enum rc activity_store_get(struct db *db, int64_t tenant_id, int64_t id,
                           struct activity_record *out)
{
    struct db_stmt *st = NULL;
    memset(out, 0, sizeof *out);
    enum rc rc = db_prepare(
        db,
        "SELECT " SUMMARY_COLUMNS ", a.tenant_id, e.user_id, u.name, u.manager_id, e.status, "
        "e.coach_id, s.instructions, s.link_url, s.manager_prompt, a.reflection, "
        "a.evidence_text, a.evidence_url, a.completed_by, cb.name "
        "FROM " SUMMARY_FROM "JOIN enrolments e ON e.id = a.enrolment_id "
        "JOIN users u ON u.id = e.user_id LEFT JOIN users cb ON cb.id = a.completed_by "
        "WHERE a.tenant_id = $1 AND a.id = $2",
        &st);
    if (rc || (rc = db_bind_int64s(st, 1, (int64_t[]){tenant_id, id}, 2)))
        goto out;
    if ((rc = db_step(st)) != RC_ROW) {
        rc = rc == RC_DONE ? RC_NOT_FOUND : rc;
        goto out;
    }
    const int c = SUMMARY_NCOLUMNS;
    read_row(st, &out->row);
    out->tenant_id = db_column_int64(st, c);
    out->learner_id = db_column_int64(st, c + 1);
    out->learner_manager_id = db_column_int64(st, c + 3);
    out->coach_id = db_column_int64(st, c + 5);
    out->completed_by = db_column_int64(st, c + 12);
    if ((rc = copy_column(st, 5, 0, &out->phase_name)) ||
        (rc = copy_column(st, 6, 0, &out->workflow_title)) ||
        (rc = copy_column(st, 7, 0, &out->kind)) || (rc = copy_column(st, 8, 0, &out->title)) ||
        (rc = copy_column(st, 10, 0, &out->completion)) ||
        (rc = copy_column(st, 11, 0, &out->evidence)) ||
        (rc = copy_column(st, c + 2, 0, &out->learner_name)) ||
        (rc = copy_column(st, c + 4, 0, &out->enrolment_status)) ||
        (rc = copy_column(st, c + 6, 0, &out->instructions)) ||
        (rc = copy_column(st, c + 7, 1, &out->link_url)) ||
        (rc = copy_column(st, c + 8, 1, &out->manager_prompt)) ||
        (rc = copy_column(st, c + 9, 1, &out->reflection)) ||
        (rc = copy_column(st, c + 10, 1, &out->evidence_text)) ||
        (rc = copy_column(st, c + 11, 1, &out->evidence_url)) ||
        (rc = copy_column(st, c + 13, 1, &out->completed_by_name)))
        goto out;
    out->row.phase_name = out->phase_name;
    out->row.workflow_title = out->workflow_title;
    out->row.kind = out->kind;
    out->row.title = out->title;
    out->row.completion = out->completion;
    out->row.evidence = out->evidence;
    rc = RC_OK;
out:
    db_reset(st);
    if (rc)
        activity_record_free(out);
    return rc;
}

enum rc activity_store_lock(struct db *db, int64_t tenant_id, int64_t id)
{
    int64_t changed = 0;
    /* The enrolment first: pausing and resuming lock it before they move its activities,
     * so both orders agree and neither waits on the other in a cycle. */
    enum rc rc = DB_RUN(db,
                        "UPDATE enrolments SET status = status WHERE tenant_id = $1 AND id = "
                        "(SELECT enrolment_id FROM activities WHERE tenant_id = $1 AND id = $2)",
                        &changed, DB_INT(tenant_id), DB_INT(id));
    if (rc || !changed)
        return rc ? rc : RC_NOT_FOUND;
    rc = DB_RUN(db, "UPDATE activities SET state = state WHERE tenant_id = $1 AND id = $2",
                &changed, DB_INT(tenant_id), DB_INT(id));
    return rc ? rc : changed ? RC_OK : RC_NOT_FOUND;
}

enum rc activity_store_record_work(struct db *db, int64_t tenant_id, int64_t id,
                                   enum activity_state state, const char *reflection,
                                   const char *evidence_text, const char *evidence_url,
                                   int64_t actor, int64_t now)
{
    int64_t changed = 0;
    enum rc rc;
    if (state == ACTIVITY_COMPLETED)
        rc = DB_RUN(db,
                    "UPDATE activities SET state = 'completed', reflection = $3, "
                    "evidence_text = $4, evidence_url = $5, completed_at = $6, "
                    "completed_by = $7, updated_at = $6 WHERE tenant_id = $1 AND id = $2",
                    &changed, DB_INT(tenant_id), DB_INT(id), DB_TEXT(reflection),
                    DB_TEXT(evidence_text), DB_TEXT(evidence_url), DB_INT(now), DB_INT(actor));
    else
        rc = DB_RUN(db,
                    "UPDATE activities SET state = 'awaiting_signoff', reflection = $3, "
                    "evidence_text = $4, evidence_url = $5, submitted_at = $6, "
                    "updated_at = $6 WHERE tenant_id = $1 AND id = $2",
                    &changed, DB_INT(tenant_id), DB_INT(id), DB_TEXT(reflection),
                    DB_TEXT(evidence_text), DB_TEXT(evidence_url), DB_INT(now));
    return rc ? rc : changed ? RC_OK : RC_NOT_FOUND;
}

enum rc activity_store_decide(struct db *db, int64_t tenant_id, int64_t id, int approve,
                              const char *comment, int64_t actor, int64_t now)
{
    int64_t changed = 0;
    enum rc rc;
    if (approve)
        rc = DB_RUN(db,
                    "UPDATE activities SET state = 'completed', completed_at = $3, "
                    "completed_by = $4, updated_at = $3 WHERE tenant_id = $1 AND id = $2",
                    &changed, DB_INT(tenant_id), DB_INT(id), DB_INT(now), DB_INT(actor));
    else
        rc = DB_RUN(db,
                    "UPDATE activities SET state = 'open', returned_at = $3, updated_at = $3 "
                    "WHERE tenant_id = $1 AND id = $2",
                    &changed, DB_INT(tenant_id), DB_INT(id), DB_INT(now));
    if (rc || !changed)
        return rc ? rc : RC_NOT_FOUND;
    return DB_RUN(db,
                  "INSERT INTO activity_feedback (tenant_id, activity_id, author_id, decision, "
                  "comment, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
                  NULL, DB_INT(tenant_id), DB_INT(id), DB_INT(actor),
                  DB_TEXT(approve ? "approve" : "return"), DB_TEXT(comment ? comment : ""),
                  DB_INT(now));
}

enum rc activity_store_count_completion(struct db *db, int64_t tenant_id, int64_t enrolment_id,
                                        int64_t now, int *finished)
{
    struct db_stmt *st = NULL;
    int64_t completed = 0, total = 0;
    *finished = 0;
    /* One UPDATE reading its own result: on PostgreSQL a concurrent completion of
     * another activity of the enrolment waits for this row and then adds to our count. */
    enum rc rc = db_prepare(db,
                            "UPDATE enrolments SET completed_steps = completed_steps + 1 "
                            "WHERE tenant_id = $1 AND id = $2 "
                            "RETURNING completed_steps, total_steps",
                            &st);
    if (rc || (rc = db_bind_int64s(st, 1, (int64_t[]){tenant_id, enrolment_id}, 2)))
        goto out;
    if ((rc = db_step(st)) != RC_ROW) {
        rc = rc == RC_DONE ? RC_NOT_FOUND : rc;
        goto out;
    }
    completed = db_column_int64(st, 0);
    total = db_column_int64(st, 1);
    db_reset(st);
    st = NULL;
    rc = RC_OK;
    if (completed < total)
        goto out;
    int64_t changed = 0;
    if ((rc = DB_RUN(db,
                     "UPDATE enrolments SET status = 'completed', completed_at = $3, "
                     "updated_at = $3 WHERE tenant_id = $1 AND id = $2 AND status = 'active'",
                     &changed, DB_INT(tenant_id), DB_INT(enrolment_id), DB_INT(now))) ||
        !changed)
        goto out;
    rc = DB_RUN(db,
                "INSERT INTO enrolment_events (tenant_id, enrolment_id, kind, data, created_at) "
                "VALUES ($1, $2, 'completed', '{}', $3)",
                NULL, DB_INT(tenant_id), DB_INT(enrolment_id), DB_INT(now));
    *finished = rc == RC_OK;
out:
    db_reset(st);
    return rc;
}

/* ---- lists ------------------------------------------------------------------------- */

enum rc activity_store_enrolment_rows(struct db *db, int64_t tenant_id, int64_t enrolment_id,
                                      activity_row_fn each, void *arg)
{
    struct db_stmt *st = NULL;
    enum rc rc = db_prepare(db,
                            "SELECT " SUMMARY_COLUMNS " FROM " SUMMARY_FROM
                            "WHERE a.tenant_id = $1 AND a.enrolment_id = $2 ORDER BY a.seq, a.id",
                            &st);
    if (!rc && !(rc = db_bind_int64s(st, 1, (int64_t[]){tenant_id, enrolment_id}, 2)))
        rc = each_row(st, each, arg);
    db_reset(st);
    return rc;
}

/* The user's enrolments of one kind, as a subquery: $1 tenant, $2 user.
 *
 * The journey's statements find everything from the user: "+tenant_id" (a no-op on both
 * databases) keeps the tenant test out of SQLite's choice of index. Without it, on a
 * database never ANALYZEd, SQLite prefers an index that starts with tenant_id
 * (enrolments_workflow, activities_awaiting) and reads every enrolment or activity of
 * the organisation: a second instead of a millisecond with 3,000,000 activities. */
#define ENROLMENTS_OF(statuses)                                                                    \
    "(SELECT id FROM enrolments WHERE user_id = $2 AND +tenant_id = $1 AND status IN " statuses ")"
#define VERSIONS_OF_ACTIVE                                                                         \
    "(SELECT version_id FROM enrolments WHERE user_id = $2 AND +tenant_id = $1 "                   \
    "AND status = 'active')"

enum rc activity_store_journey_enrolments(struct db *db, int64_t tenant_id, int64_t user_id,
                                          int64_t completed_since, activity_enrolment_fn each,
                                          void *arg)
{
    struct db_stmt *st = NULL;
    enum rc rc = db_prepare(
        db,
        "SELECT e.id, e.workflow_id, e.version_id, v.title, e.status, e.start_date, "
        "e.completed_steps, e.total_steps, e.completed_at "
        "FROM enrolments e JOIN workflow_versions v ON v.id = e.version_id "
        "WHERE e.user_id = $2 AND +e.tenant_id = $1 AND (e.status IN ('active', 'paused') "
        "OR (e.status = 'completed' AND e.completed_at >= $3)) "
        "ORDER BY e.id DESC",
        &st);
    if (rc || (rc = db_bind_int64s(st, 1, (int64_t[]){tenant_id, user_id, completed_since}, 3)))
        goto out;
    while ((rc = db_step(st)) == RC_ROW) {
        struct activity_journey_enrolment e = {
            .id = db_column_int64(st, 0),
            .workflow_id = db_column_int64(st, 1),
            .version_id = db_column_int64(st, 2),
            .workflow_title = db_column_text(st, 3),
            .status = db_column_text(st, 4),
            .start_date = db_column_text(st, 5),
            .completed = (int)db_column_int64(st, 6),
            .total = (int)db_column_int64(st, 7),
            .completed_at = db_column_int64(st, 8),
        };
        if ((rc = each(arg, &e)))
            goto out;
    }
    rc = rc == RC_DONE ? RC_OK : rc;
out:
    db_reset(st);
    return rc;
}

enum rc activity_store_journey_activities(struct db *db, int64_t tenant_id, int64_t user_id,
                                          activity_core_fn each, void *arg)
{
    struct db_stmt *st = NULL;
    enum rc rc =
        db_prepare(db,
                   "SELECT a.id, a.enrolment_id, a.step_id, a.seq, a.state, "
                   "a.release_at, a.due_at, a.completed_at, a.returned_at, "
                   "a.submitted_at FROM activities a "
                   "WHERE a.enrolment_id IN " ENROLMENTS_OF(
                       "('active', 'paused')") " AND +a.tenant_id = $1 AND a.state <> 'skipped'",
                   &st);
    if (rc || (rc = db_bind_int64s(st, 1, (int64_t[]){tenant_id, user_id}, 2)))
        goto out;
    while ((rc = db_step(st)) == RC_ROW) {
        int state = activity_state_parse(db_column_text(st, 4));
        struct activity_core a = {
            .id = db_column_int64(st, 0),
            .enrolment_id = db_column_int64(st, 1),
            .step_id = db_column_int64(st, 2),
            .seq = (int)db_column_int64(st, 3),
            .state = state < 0 ? ACTIVITY_SKIPPED : (enum activity_state)state,
            .release_at = db_column_int64(st, 5),
            .due_at = db_column_int64(st, 6),
            .completed_at = db_column_int64(st, 7),
            .returned_at = db_column_int64(st, 8),
            .submitted_at = db_column_int64(st, 9),
        };
        if ((rc = each(arg, &a)))
            goto out;
    }
    rc = rc == RC_DONE ? RC_OK : rc;
out:
    db_reset(st);
    return rc;
}

enum rc activity_store_journey_steps(struct db *db, int64_t tenant_id, int64_t user_id,
                                     activity_step_fn each, void *arg)
{
    struct db_stmt *st = NULL;
    enum rc rc = db_prepare(db,
                            "SELECT s.id, s.step_key, s.version_phase_id, s.kind, s.title, "
                            "s.completion, s.evidence, s.effort_minutes "
                            "FROM workflow_version_steps s "
                            "WHERE s.version_id IN " VERSIONS_OF_ACTIVE
                            " AND +s.tenant_id = $1 ORDER BY s.id",
                            &st);
    if (rc || (rc = db_bind_int64s(st, 1, (int64_t[]){tenant_id, user_id}, 2)))
        goto out;
    while ((rc = db_step(st)) == RC_ROW) {
        struct activity_step s = {
            .id = db_column_int64(st, 0),
            .step_key = db_column_int64(st, 1),
            .phase_id = db_column_int64(st, 2),
            .kind = db_column_text(st, 3),
            .title = db_column_text(st, 4),
            .completion = db_column_text(st, 5),
            .evidence = db_column_text(st, 6),
            .effort_minutes = (int)db_column_int64(st, 7),
        };
        if ((rc = each(arg, &s)))
            goto out;
    }
    rc = rc == RC_DONE ? RC_OK : rc;
out:
    db_reset(st);
    return rc;
}

enum rc activity_store_journey_phases(struct db *db, int64_t tenant_id, int64_t user_id,
                                      activity_phase_fn each, void *arg)
{
    struct db_stmt *st = NULL;
    enum rc rc = db_prepare(db,
                            "SELECT p.id, p.position, p.name FROM workflow_version_phases p "
                            "WHERE p.version_id IN " VERSIONS_OF_ACTIVE
                            " AND +p.tenant_id = $1 ORDER BY p.id",
                            &st);
    if (rc || (rc = db_bind_int64s(st, 1, (int64_t[]){tenant_id, user_id}, 2)))
        goto out;
    while ((rc = db_step(st)) == RC_ROW) {
        struct activity_phase p = {.id = db_column_int64(st, 0),
                                   .position = (int)db_column_int64(st, 1),
                                   .name = db_column_text(st, 2)};
        if ((rc = each(arg, &p)))
            goto out;
    }
    rc = rc == RC_DONE ? RC_OK : rc;
out:
    db_reset(st);
    return rc;
}

enum rc activity_store_signoffs(struct db *db, int64_t tenant_id, int64_t me, int is_coach,
                                int64_t after_id, int limit, activity_queue_fn each, void *arg)
{
    struct db_stmt *st = NULL;
    int64_t after_submitted = 0;
    enum rc rc;
    if (after_id > 0 &&
        (rc = DB_VALUE(db, "SELECT submitted_at FROM activities WHERE tenant_id = $1 AND id = $2",
                       &after_submitted, DB_INT(tenant_id), DB_INT(after_id))))
        return rc == RC_NOT_FOUND ? RC_BAD_REQUEST : rc;
    rc = db_prepare(
        db,
        "SELECT " SUMMARY_COLUMNS ", u.id, u.name, a.reflection, a.evidence_text, "
        "a.evidence_url, (SELECT COUNT(*) FROM activity_files f WHERE f.activity_id = a.id) "
        "FROM " SUMMARY_FROM "JOIN enrolments e ON e.id = a.enrolment_id "
        "JOIN users u ON u.id = e.user_id "
        "WHERE a.tenant_id = $1 AND a.state = 'awaiting_signoff' AND e.status = 'active' "
        "AND ((s.completion = 'manager_signoff' AND u.manager_id = $2) "
        "OR (s.completion = 'coach_signoff' AND e.coach_id = $2 AND CAST($3 AS BIGINT) = 1)) "
        "AND (CAST($4 AS BIGINT) = 0 OR a.submitted_at > $5 "
        "OR (a.submitted_at = $5 AND a.id > $4)) "
        "ORDER BY a.submitted_at, a.id LIMIT $6",
        &st);
    if (rc ||
        (rc = db_bind_int64s(
             st, 1, (int64_t[]){tenant_id, me, is_coach ? 1 : 0, after_id, after_submitted, limit},
             6)))
        goto out;
    const int c = SUMMARY_NCOLUMNS;
    while ((rc = db_step(st)) == RC_ROW) {
        struct activity_queue_row q;
        read_row(st, &q.a);
        q.learner_id = db_column_int64(st, c);
        q.learner_name = db_column_text(st, c + 1);
        q.reflection = text_or_null(st, c + 2);
        q.evidence_text = text_or_null(st, c + 3);
        q.evidence_url = text_or_null(st, c + 4);
        q.file_count = db_column_int64(st, c + 5);
        if ((rc = each(arg, &q)))
            goto out;
    }
    rc = rc == RC_DONE ? RC_OK : rc;
out:
    db_reset(st);
    return rc;
}

/* ---- files ------------------------------------------------------------------------- */

enum rc activity_store_file_count(struct db *db, int64_t tenant_id, int64_t activity_id,
                                  int64_t *count)
{
    return DB_VALUE(db,
                    "SELECT COUNT(*) FROM activity_files WHERE tenant_id = $1 AND activity_id = $2",
                    count, DB_INT(tenant_id), DB_INT(activity_id));
}

enum rc activity_store_file_insert(struct db *db, int64_t tenant_id, int64_t activity_id,
                                   const char *name, const char *content_type, const void *data,
                                   size_t len, int64_t uploaded_by, int64_t now, int64_t *out_id)
{
    struct db_stmt *st = NULL;
    enum rc rc = db_prepare(db,
                            "INSERT INTO activity_files (tenant_id, activity_id, name, "
                            "content_type, size, data, uploaded_by, created_at) "
                            "VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
                            &st);
    if (rc || (rc = db_bind_int64(st, 1, tenant_id)) || (rc = db_bind_int64(st, 2, activity_id)) ||
        (rc = db_bind_text(st, 3, name, -1)) || (rc = db_bind_text(st, 4, content_type, -1)) ||
        (rc = db_bind_int64(st, 5, (int64_t)len)) || (rc = db_bind_blob(st, 6, data, len)) ||
        (rc = db_bind_int64(st, 7, uploaded_by)) || (rc = db_bind_int64(st, 8, now)))
        goto out;
    if ((rc = db_step(st)) == RC_ROW) {
        *out_id = db_column_int64(st, 0);
        rc = RC_OK;
    } else if (rc == RC_DONE) {
        rc = RC_INTERNAL;
    }
out:
    db_reset(st);
    return rc;
}

enum rc activity_store_files(struct db *db, int64_t tenant_id, int64_t activity_id, int64_t only_id,
                             activity_file_fn each, void *arg)
{
    struct db_stmt *st = NULL;
    enum rc rc = db_prepare(db,
                            "SELECT id, name, content_type, size, created_at FROM activity_files "
                            "WHERE tenant_id = $1 AND activity_id = $2 "
                            "AND (CAST($3 AS BIGINT) = 0 OR id = $3) ORDER BY id",
                            &st);
    if (rc || (rc = db_bind_int64s(st, 1, (int64_t[]){tenant_id, activity_id, only_id}, 3)))
        goto out;
    while ((rc = db_step(st)) == RC_ROW) {
        struct activity_file f = {.id = db_column_int64(st, 0),
                                  .name = db_column_text(st, 1),
                                  .content_type = db_column_text(st, 2),
                                  .size = db_column_int64(st, 3),
                                  .created_at = db_column_int64(st, 4)};
        if ((rc = each(arg, &f)))
            goto out;
    }
    rc = rc == RC_DONE ? RC_OK : rc;
out:
    db_reset(st);
    return rc;
}

enum rc activity_store_file_data(struct db *db, int64_t tenant_id, int64_t activity_id,
                                 int64_t file_id, struct buf *data, char *name, size_t name_size)
{
    struct db_stmt *st = NULL;
    enum rc rc = db_prepare(db,
                            "SELECT data, name FROM activity_files "
                            "WHERE tenant_id = $1 AND activity_id = $2 AND id = $3",
                            &st);
    if (rc || (rc = db_bind_int64s(st, 1, (int64_t[]){tenant_id, activity_id, file_id}, 3)))
        goto out;
    if ((rc = db_step(st)) == RC_ROW) {
        size_t n = db_column_bytes(st, 0);
        const void *p = db_column_blob(st, 0);
        rc = n && p ? buf_addn(data, p, n) : RC_OK;
        const char *s = db_column_text(st, 1);
        size_t k = strlen(s);
        if (k >= name_size)
            k = name_size - 1;
        memcpy(name, s, k);
        name[k] = '\0';
    } else if (rc == RC_DONE) {
        rc = RC_NOT_FOUND;
    }
out:
    db_reset(st);
    return rc;
}

enum rc activity_store_file_delete(struct db *db, int64_t tenant_id, int64_t activity_id,
                                   int64_t file_id)
{
    int64_t changed = 0;
    enum rc rc = DB_RUN(
        db, "DELETE FROM activity_files WHERE tenant_id = $1 AND activity_id = $2 AND id = $3",
        &changed, DB_INT(tenant_id), DB_INT(activity_id), DB_INT(file_id));
    return rc ? rc : changed ? RC_OK : RC_NOT_FOUND;
}

enum rc activity_store_feedback(struct db *db, int64_t tenant_id, int64_t activity_id,
                                activity_feedback_fn each, void *arg)
{
    struct db_stmt *st = NULL;
    enum rc rc = db_prepare(db,
                            "SELECT f.id, f.decision, f.comment, f.author_id, u.name, "
                            "f.created_at FROM activity_feedback f "
                            "LEFT JOIN users u ON u.id = f.author_id "
                            "WHERE f.tenant_id = $1 AND f.activity_id = $2 ORDER BY f.id",
                            &st);
    if (rc || (rc = db_bind_int64s(st, 1, (int64_t[]){tenant_id, activity_id}, 2)))
        goto out;
    while ((rc = db_step(st)) == RC_ROW) {
        struct activity_feedback f = {.id = db_column_int64(st, 0),
                                      .decision = db_column_text(st, 1),
                                      .comment = db_column_text(st, 2),
                                      .author_id = db_column_int64(st, 3),
                                      .author_name = db_column_text(st, 4),
                                      .created_at = db_column_int64(st, 5)};
        if ((rc = each(arg, &f)))
            goto out;
    }
    rc = rc == RC_DONE ? RC_OK : rc;
out:
    db_reset(st);
    return rc;
}
