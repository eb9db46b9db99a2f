/*
 * nudges_store.c — SQL of the notification pass (see nudges_store.h).
 *
 * The activity finders share one shape: a range over one of the partial indexes on
 * activities (the WHERE repeats the index's "state = …" so both databases may use it),
 * then primary-key lookups of the enrolment, the learner, the version step and the
 * version, then one lookup of the notice's key in notifications_key. Their first columns
 * are the same (ACTIVITY_COLUMNS), read by one reader; each adds its own after them.
 *
 * Keys are built in SQL exactly as nudges.c builds them in C: CAST(id AS TEXT) is the
 * decimal form on both databases.
 */
#include "core/array.h"
#include "nudges_store.h"

#include <stdlib.h>
#include <string.h>

#define ACTIVITY_COLUMNS(at)                                                                       \
    "a.id, a.id, a.enrolment_id, a.user_id, COALESCE(u.manager_id, 0), " at                        \
    ", u.name, s.title, v.title"
#define ACTIVITY_NCOLUMNS 9
#define ACTIVITY_JOINS                                                                             \
    "JOIN enrolments e ON e.id = a.enrolment_id "                                                  \
    "JOIN users u ON u.id = a.user_id "                                                            \
    "JOIN workflow_version_steps s ON s.id = a.step_id "                                           \
    "JOIN workflow_versions v ON v.id = e.version_id "
#define ACTIVITY_FROM "activities a " ACTIVITY_JOINS
#define LIVE          " AND e.status = 'active' AND u.active = 1"
#define NOT_TOLD(key)                                                                              \
    " AND NOT EXISTS (SELECT 1 FROM notifications n WHERE n.tenant_id = $1 AND n.dedup_key = " key \
    ")"

static void row_free(struct nudges_row *r)
{
    free(r->learner_name);
    free(r->step_title);
    free(r->workflow_title);
    free(r->kind);
    free(r->text);
    free(r->author);
}

void nudges_rows_free(struct nudges_rows *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->n; i++)
        row_free(&r->rows[i]);
    free(r->rows);
    memset(r, 0, sizeof *r);
}

/* A new row at the end of out, zeroed, its strings "" (owned); NULL when out of memory. */
static struct nudges_row *row_add(struct nudges_rows *out)
{
    if (array_reserve((void **)&out->rows, sizeof *out->rows, out->n + 1, &out->cap))
        return NULL;
    struct nudges_row *r = &out->rows[out->n];
    memset(r, 0, sizeof *r);
    char **strings[] = {&r->learner_name, &r->step_title, &r->workflow_title,
                        &r->kind,         &r->text,       &r->author};
    for (size_t i = 0; i < sizeof strings / sizeof strings[0]; i++)
        if (!(*strings[i] = strdup(""))) {
            row_free(r);
            return NULL;
        }
    out->n++;
    return r;
}

/* Replaces *s with a copy of column col (NULL reads as ""). */
static enum rc take_text(struct db_stmt *st, int col, char **s)
{
    char *copy = strdup(db_column_text(st, col));
    if (!copy)
        return RC_NOMEM;
    free(*s);
    *s = copy;
    return RC_OK;
}

/* Reads ACTIVITY_COLUMNS. */
static enum rc read_activity(struct db_stmt *st, struct nudges_row *r)
{
    r->id = db_column_int64(st, 0);
    r->activity_id = db_column_int64(st, 1);
    r->enrolment_id = db_column_int64(st, 2);
    r->learner_id = db_column_int64(st, 3);
    r->manager_id = db_column_int64(st, 4);
    r->at = db_column_int64(st, 5);
    enum rc rc = take_text(st, 6, &r->learner_name);
    if (!rc)
        rc = take_text(st, 7, &r->step_title);
    if (!rc)
        rc = take_text(st, 8, &r->workflow_title);
    return rc;
}

typedef enum rc (*read_fn)(struct db_stmt *st, struct nudges_row *r);

/* Steps st to the end, one row of out per result row read by read (and extra, if any). */
static enum rc collect(struct db_stmt *st, read_fn read, read_fn extra, struct nudges_rows *out)
{
    enum rc rc;
    while ((rc = db_step(st)) == RC_ROW) {
        struct nudges_row *r = row_add(out);
        if (!r)
            return RC_NOMEM;
        if ((rc = read(st, r)) || (extra && (rc = extra(st, r))))
            return rc;
    }
    return rc == RC_DONE ? RC_OK : rc;
}

static enum rc collect_ids(struct db_stmt *st, int64_t **ids, size_t *n)
{
    size_t cap = 0;
    enum rc rc;
    while ((rc = db_step(st)) == RC_ROW) {
        if (array_reserve((void **)ids, sizeof **ids, *n + 1, &cap))
            return RC_NOMEM;
        (*ids)[(*n)++] = db_column_int64(st, 0);
    }
    return rc == RC_DONE ? RC_OK : rc;
}

enum rc nudges_store_tenants(struct db *db, int64_t **ids, size_t *n)
{
    struct db_stmt *st = NULL;
    *ids = NULL;
    *n = 0;
    enum rc rc = db_prepare(db, "SELECT id FROM tenants ORDER BY id", &st);
    if (!rc)
        rc = collect_ids(st, ids, n);
    db_reset(st);
    return rc;
}

enum rc nudges_store_released(struct db *db, int64_t tenant_id, int64_t from, int64_t until,
                              const char *date, struct nudges_rows *out)
{
    struct db_stmt *st = NULL;
    enum rc rc = db_prepare(
        db,
        "SELECT " ACTIVITY_COLUMNS(
            "a.release_at") " FROM " ACTIVITY_FROM
                            "WHERE a.tenant_id = $1 AND a.state = 'open' AND a.release_at >= $2 "
                            "AND a.release_at < $3" LIVE NOT_TOLD(
                                "'new_activities:' || CAST(a.user_id AS TEXT) || "
                                "':' || CAST($4 AS TEXT)") " ORDER BY a.user_id, "
                                                           "a.seq, a.id",
        &st);
    if (rc || (rc = db_bind_int64s(st, 1, (int64_t[]){tenant_id, from, until}, 3)) ||
        (rc = db_bind_text(st, 4, date, -1)))
        goto out;
    rc = collect(st, read_activity, NULL, out);
out:
    db_reset(st);
    return rc;
}

enum rc nudges_store_due(struct db *db, int64_t tenant_id, int64_t from, int64_t until,
                         int64_t released_by, const char *key_prefix, const char *key_suffix,
                         int to_manager, struct nudges_rows *out)
{
    struct db_stmt *st = NULL;
    enum rc rc = db_prepare(db,
                            "SELECT " ACTIVITY_COLUMNS(
                                "a.due_at") " FROM " ACTIVITY_FROM
                                            "WHERE a.tenant_id = $1 AND a.state = 'open' AND "
                                            "a.due_at >= $2 AND a.due_at < $3 "
                                            "AND a.release_at <= $4" LIVE
                                            " AND (CAST($7 AS BIGINT) = 0 OR EXISTS (SELECT 1 FROM "
                                            "users m "
                                            "WHERE m.id = u.manager_id AND m.active = 1))" NOT_TOLD(
                                                "CAST($5 AS TEXT) || CAST(a.id AS TEXT) || CAST($6 "
                                                "AS TEXT)") " ORDER BY a.due_at, "
                                                            "a.id",
                            &st);
    if (rc || (rc = db_bind_int64s(st, 1, (int64_t[]){tenant_id, from, until, released_by}, 4)) ||
        (rc = db_bind_text(st, 5, key_prefix, -1)) || (rc = db_bind_text(st, 6, key_suffix, -1)) ||
        (rc = db_bind_int64(st, 7, to_manager ? 1 : 0)))
        goto out;
    rc = collect(st, read_activity, NULL, out);
out:
    db_reset(st);
    return rc;
}

/* The completion, and who signs off with their roles, after ACTIVITY_COLUMNS. */
static enum rc read_signer(struct db_stmt *st, struct nudges_row *r)
{
    r->recipient_id = db_column_int64(st, ACTIVITY_NCOLUMNS + 1);
    r->recipient_roles = (unsigned)db_column_int64(st, ACTIVITY_NCOLUMNS + 2);
    r->recipient_active = 1;
    return take_text(st, ACTIVITY_NCOLUMNS, &r->kind);
}

enum rc nudges_store_awaiting(struct db *db, int64_t tenant_id, int64_t from, int64_t until,
                              struct nudges_rows *out)
{
    struct db_stmt *st = NULL;
    enum rc rc = db_prepare(
        db,
        "SELECT " ACTIVITY_COLUMNS(
            "a.submitted_at") ", s.completion, r.id, r.roles "
                              "FROM " ACTIVITY_FROM "JOIN users r ON r.id = CASE WHEN s.completion "
                              "= 'manager_signoff' THEN u.manager_id "
                              "ELSE e.coach_id END "
                              "WHERE a.tenant_id = $1 AND a.state = 'awaiting_signoff' AND "
                              "a.submitted_at >= $2 "
                              "AND a.submitted_at <= $3 AND s.completion IN ('manager_signoff', "
                              "'coach_signoff') "
                              "AND r.active = 1" LIVE NOT_TOLD(
                                  "'signoff_request:' || CAST(a.id AS TEXT) || ':' || "
                                  "CAST(a.submitted_at AS TEXT)") " ORDER BY "
                                                                  "a.submitted_at, a.id",
        &st);
    if (rc || (rc = db_bind_int64s(st, 1, (int64_t[]){tenant_id, from, until}, 3)))
        goto out;
    rc = collect(st, read_activity, read_signer, out);
out:
    db_reset(st);
    return rc;
}

/* The comment and its author, after ACTIVITY_COLUMNS (whose first column is the
 * feedback's id there). */
static enum rc read_feedback(struct db_stmt *st, struct nudges_row *r)
{
    enum rc rc = take_text(st, ACTIVITY_NCOLUMNS, &r->text);
    return rc ? rc : take_text(st, ACTIVITY_NCOLUMNS + 1, &r->author);
}

enum rc nudges_store_returned(struct db *db, int64_t tenant_id, int64_t from, int64_t until,
                              struct nudges_rows *out)
{
    struct db_stmt *st = NULL;
    enum rc rc = db_prepare(
        db,
        "SELECT f.id, a.id, a.enrolment_id, a.user_id, COALESCE(u.manager_id, 0), f.created_at, "
        "u.name, s.title, v.title, f.comment, COALESCE(au.name, '') "
        "FROM activity_feedback f JOIN activities a ON a.id = f.activity_id " ACTIVITY_JOINS
        "LEFT JOIN users au ON au.id = f.author_id "
        "WHERE f.tenant_id = $1 AND f.created_at >= $2 AND f.created_at <= $3 "
        "AND f.decision = 'return' AND a.state = 'open' AND a.returned_at = f.created_at" LIVE
            NOT_TOLD("'returned:' || CAST(f.id AS TEXT)") " ORDER BY f.id",
        &st);
    if (rc || (rc = db_bind_int64s(st, 1, (int64_t[]){tenant_id, from, until}, 3)))
        goto out;
    rc = collect(st, read_activity, read_feedback, out);
out:
    db_reset(st);
    return rc;
}

static enum rc read_event(struct db_stmt *st, struct nudges_row *r)
{
    r->id = db_column_int64(st, 0);
    r->enrolment_id = db_column_int64(st, 1);
    r->learner_id = db_column_int64(st, 2);
    r->manager_id = db_column_int64(st, 3);
    r->at = db_column_int64(st, 4);
    r->learner_active = db_column_int64(st, 5) != 0;
    r->recipient_active = db_column_int64(st, 6) != 0;
    enum rc rc = take_text(st, 7, &r->learner_name);
    if (!rc)
        rc = take_text(st, 8, &r->workflow_title);
    if (!rc)
        rc = take_text(st, 9, &r->kind);
    if (!rc)
        rc = take_text(st, 10, &r->text);
    return rc;
}

enum rc nudges_store_events(struct db *db, int64_t tenant_id, int limit, struct nudges_rows *out)
{
    struct db_stmt *st = NULL;
    enum rc rc = db_prepare(db,
                            "SELECT ev.id, ev.enrolment_id, e.user_id, COALESCE(u.manager_id, 0), "
                            "ev.created_at, u.active, COALESCE(m.active, 0), u.name, v.title, "
                            "ev.kind, ev.data FROM enrolment_events ev "
                            "JOIN enrolments e ON e.id = ev.enrolment_id "
                            "JOIN users u ON u.id = e.user_id "
                            "JOIN workflow_versions v ON v.id = e.version_id "
                            "LEFT JOIN users m ON m.id = u.manager_id "
                            "WHERE ev.tenant_id = $1 AND ev.notified_at IS NULL "
                            "ORDER BY ev.id LIMIT $2",
                            &st);
    if (rc || (rc = db_bind_int64s(st, 1, (int64_t[]){tenant_id, limit}, 2)))
        goto out;
    rc = collect(st, read_event, NULL, out);
out:
    db_reset(st);
    return rc;
}

enum rc nudges_store_event_notified(struct db *db, int64_t tenant_id, int64_t id, int64_t now)
{
    return DB_RUN(db,
                  "UPDATE enrolment_events SET notified_at = $3 "
                  "WHERE tenant_id = $1 AND id = $2 AND notified_at IS NULL",
                  NULL, DB_INT(tenant_id), DB_INT(id), DB_INT(now));
}

enum rc nudges_store_digest_managers(struct db *db, int64_t tenant_id, int default_day, int weekday,
                                     const char *date, int64_t **ids, size_t *n)
{
    struct db_stmt *st = NULL;
    *ids = NULL;
    *n = 0;
    enum rc rc = db_prepare(
        db,
        "SELECT m.id FROM users m WHERE m.tenant_id = $1 AND m.active = 1 "
        "AND COALESCE((SELECT p.digest_day FROM notification_prefs p WHERE p.user_id = m.id), "
        "CAST($2 AS BIGINT)) = CAST($3 AS BIGINT) "
        "AND EXISTS (SELECT 1 FROM users u JOIN enrolments e ON e.user_id = u.id "
        "WHERE u.manager_id = m.id AND u.active = 1 AND e.status IN ('active', 'paused')) "
        "AND NOT EXISTS (SELECT 1 FROM notifications n WHERE n.tenant_id = $1 "
        "AND n.dedup_key = 'digest:' || CAST(m.id AS TEXT) || ':' || CAST($4 AS TEXT)) "
        "ORDER BY m.id",
        &st);
    if (rc || (rc = db_bind_int64s(st, 1, (int64_t[]){tenant_id, default_day, weekday}, 3)) ||
        (rc = db_bind_text(st, 4, date, -1)))
        goto out;
    rc = collect_ids(st, ids, n);
out:
    db_reset(st);
    return rc;
}

enum rc nudges_store_digest_day_chosen(struct db *db, int64_t tenant_id, int weekday, int *chosen)
{
    int64_t one = 0;
    enum rc rc = DB_VALUE(db,
                          "SELECT 1 FROM notification_prefs WHERE tenant_id = $1 "
                          "AND digest_day = $2 LIMIT 1",
                          &one, DB_INT(tenant_id), DB_INT(weekday));
    *chosen = rc == RC_OK;
    return rc == RC_NOT_FOUND ? RC_OK : rc;
}
