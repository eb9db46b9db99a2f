/*
 * enrolment_store.c — SQL for enrolments, activities' dates, rules and events (see
 * enrolment_store.h).
 *
 * Bulk writes. A batch of 10,000 learners on a 30-step workflow is 10,000 enrolment rows
 * and 300,000 activity rows. Enrolments go in multi-row INSERTs of up to
 * ENROLMENT_STORE_ROWS rows (no RETURNING: a per-row RETURNING doubled their cost on
 * SQLite), and one range query on the primary key reads their ids back. Each
 * enrolment's activities go in one multi-row INSERT (up to ENROLMENT_STORE_ROWS rows).
 * Statement texts are built from fixed fragments (no input ever reaches them), once per
 * batch, and prepared once per row count through db.h's cache. Values shared by every
 * row (tenant, enrolment, learner, instant, …) are bound once per statement.
 *
 * Lookups that resolve a batch read whole sets in one statement each (the users in an id
 * range, a group's members, who is enrolled, who has exactly one coach), never a SELECT
 * per learner.
 *
 * The re-planning pass finds candidates with one range query over open activities due
 * before a bound (see enrolment_store_replan_candidates for the index it wants).
 */
#include "core/array.h"
#include "enrolment_store.h"

#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "people/people.h"

#define ENROLMENT_STORE_ROWS 100 /* activity rows per INSERT */

/* ---- helpers ------------------------------------------------------------------------------ */

/* Reads the first `width` integer columns of every row of st into *out. */
static enum rc collect_ints(struct db_stmt *st, int width, int64_t **out, size_t *nrows)
{
    enum rc rc;
    size_t cap = 0, n = 0;
    int64_t *v = NULL;
    while ((rc = db_step(st)) == RC_ROW) {
        if ((rc = array_reserve((void **)&v, sizeof *v, (n + 1) * (size_t)width, &cap)))
            break;
        for (int c = 0; c < width; c++)
            v[n * (size_t)width + (size_t)c] = db_column_int64(st, c);
        n++;
    }
    db_reset(st);
    if (rc != RC_DONE) {
        free(v);
        *out = NULL;
        *nrows = 0;
        return rc;
    }
    *out = v;
    *nrows = n;
    return RC_OK;
}

/* The answer of a DB_VALUE yes/no question: 1, 0, or -1 on a database error. */
static int yes_no(enum rc rc)
{
    return rc == RC_OK ? 1 : rc == RC_NOT_FOUND ? 0 : -1;
}

static char *dup_text(struct db_stmt *st, int col)
{
    return strdup(db_column_text(st, col));
}

static void copy_text(char *out, size_t size, const char *s)
{
    size_t n = strlen(s);
    if (n >= size)
        n = size - 1;
    memcpy(out, s, n);
    out[n] = '\0';
}

/* ---- workflows and steps ----------------------------------------------------------------- */

enum rc enrolment_store_workflow(struct db *db, int64_t tenant_id, int64_t workflow_id,
                                 struct enrolment_store_workflow *out)
{
    struct db_stmt *st = NULL;
    memset(out, 0, sizeof *out);
    enum rc rc = db_prepare(db,
                            "SELECT w.status, w.latest_version, v.id, v.pacing, "
                            "v.replan_after_days, v.max_due_per_day FROM workflows w "
                            "LEFT JOIN workflow_versions v ON v.workflow_id = w.id "
                            "AND v.version = w.latest_version "
                            "WHERE w.tenant_id = $1 AND w.id = $2",
                            &st);
    if (rc || (rc = db_bind_int64(st, 1, tenant_id)) || (rc = db_bind_int64(st, 2, workflow_id)))
        goto out;
    if ((rc = db_step(st)) != RC_ROW) {
        rc = rc == RC_DONE ? RC_NOT_FOUND : rc;
        goto out;
    }
    out->archived = strcmp(db_column_text(st, 0), "archived") == 0;
    out->latest_version = (int)db_column_int64(st, 1);
    if (out->latest_version > 0 && !db_column_is_null(st, 2)) {
        out->version_id = db_column_int64(st, 2);
        out->calendar_days = strcmp(db_column_text(st, 3), "calendar_days") == 0;
        out->replan_after_days = (int)db_column_int64(st, 4);
        out->max_due_per_day = (int)db_column_int64(st, 5);
    } else {
        out->latest_version = 0;
    }
    rc = RC_OK;
out:
    db_reset(st);
    return rc;
}

enum rc enrolment_store_lock_workflow(struct db *db, int64_t tenant_id, int64_t workflow_id)
{
    int64_t changed = 0;
    enum rc rc = DB_RUN(db, "UPDATE workflows SET status = status WHERE tenant_id = $1 AND id = $2",
                        &changed, DB_INT(tenant_id), DB_INT(workflow_id));
    return rc ? rc : changed ? RC_OK : RC_NOT_FOUND;
}

void enrolment_store_steps_free(struct enrolment_planned *steps, size_t n)
{
    for (size_t i = 0; steps && i < n; i++) {
        free(steps[i].phase_name);
        free(steps[i].title);
        free(steps[i].kind);
    }
    free(steps);
}

enum rc enrolment_store_steps(struct db *db, int64_t tenant_id, int64_t version_id,
                              struct enrolment_planned **out, size_t *n)
{
    struct db_stmt *st = NULL;
    struct enrolment_planned *steps = NULL;
    size_t cap = 0, count = 0;
    *out = NULL;
    *n = 0;
    enum rc rc = db_prepare(db,
                            "SELECT s.id, s.step_key, p.position, p.name, s.kind, s.title, "
                            "s.release_offset_days, s.due_offset_days "
                            "FROM workflow_version_steps s "
                            "JOIN workflow_version_phases p ON p.id = s.version_phase_id "
                            "WHERE s.tenant_id = $1 AND s.version_id = $2 "
                            "ORDER BY p.position, s.position, s.id",
                            &st);
    if (rc || (rc = db_bind_int64(st, 1, tenant_id)) || (rc = db_bind_int64(st, 2, version_id)))
        goto out;
    while ((rc = db_step(st)) == RC_ROW) {
        if ((rc = array_reserve((void **)&steps, sizeof *steps, count + 1, &cap)))
            goto out;
        struct enrolment_planned *s = &steps[count];
        memset(s, 0, sizeof *s);
        count++;
        s->step_id = db_column_int64(st, 0);
        s->step_key = db_column_int64(st, 1);
        s->seq = (int)count;
        s->phase = (int)db_column_int64(st, 2);
        s->release_offset = (int)db_column_int64(st, 6);
        s->due_offset = (int)db_column_int64(st, 7);
        if (!(s->phase_name = dup_text(st, 3)) || !(s->kind = dup_text(st, 4)) ||
            !(s->title = dup_text(st, 5))) {
            rc = RC_NOMEM;
            goto out;
        }
    }
    rc = rc == RC_DONE ? RC_OK : rc;
out:
    db_reset(st);
    if (rc) {
        enrolment_store_steps_free(steps, count);
        return rc;
    }
    *out = steps;
    *n = count;
    return RC_OK;
}

/* ---- people ------------------------------------------------------------------------------- */

void enrolment_store_people_free(struct enrolment_store_person *p, size_t n)
{
    for (size_t i = 0; p && i < n; i++) {
        free(p[i].name);
        free(p[i].email);
        free(p[i].email_key);
    }
    free(p);
}

/* Reads rows (id, active, name, email, email_key) of a bound statement, appending to *p. */
static enum rc read_people_into(struct db_stmt *st, struct enrolment_store_person **p, size_t *cap,
                                size_t *count)
{
    enum rc rc;
    while ((rc = db_step(st)) == RC_ROW) {
        if ((rc = array_reserve((void **)p, sizeof **p, *count + 1, cap)))
            break;
        struct enrolment_store_person *x = &(*p)[(*count)++];
        memset(x, 0, sizeof *x);
        x->id = db_column_int64(st, 0);
        x->active = db_column_int64(st, 1) != 0;
        if (!(x->name = dup_text(st, 2)) || !(x->email = dup_text(st, 3)) ||
            !(x->email_key = dup_text(st, 4))) {
            rc = RC_NOMEM;
            break;
        }
    }
    db_reset(st);
    return rc == RC_DONE ? RC_OK : rc;
}

static enum rc read_people(struct db_stmt *st, struct enrolment_store_person **out, size_t *n)
{
    size_t cap = 0, count = 0;
    struct enrolment_store_person *p = NULL;
    enum rc rc = read_people_into(st, &p, &cap, &count);
    if (rc) {
        enrolment_store_people_free(p, count);
        *out = NULL;
        *n = 0;
        return rc;
    }
    *out = p;
    *n = count;
    return RC_OK;
}

#define ENROLMENT_STORE_KEYS 256 /* ids or email keys per lookup statement */

/* SELECT … WHERE tenant_id = $1 AND column IN ($2 … $257): one text per column, so one
 * prepared statement each; a short last chunk repeats its first key. column is one of two
 * literals, never input. */
static enum rc people_in_sql(struct buf *b, const char *column)
{
    buf_addf(b,
             "SELECT id, active, name, email, email_key FROM users WHERE tenant_id = $1 AND "
             "%s IN (",
             column);
    for (int i = 0; i < ENROLMENT_STORE_KEYS; i++)
        buf_addf(b, "%s$%d", i ? ", " : "", i + 2);
    buf_add(b, ")");
    return buf_failed(b);
}

static int cmp_person(const void *a, const void *b)
{
    int64_t x = ((const struct enrolment_store_person *)a)->id;
    int64_t y = ((const struct enrolment_store_person *)b)->id;
    return x < y ? -1 : x > y;
}

/* Looks up the n usable keys (ids when keys is NULL) in chunks, appending to *p. */
static enum rc people_in(struct db *db, int64_t tenant_id, const char *column, const int64_t *ids,
                         const char *const *keys, size_t n, struct enrolment_store_person **p,
                         size_t *cap, size_t *count)
{
    struct buf sql;
    size_t at = 0, take[ENROLMENT_STORE_KEYS];
    buf_init(&sql, 16 * 1024);
    enum rc rc = people_in_sql(&sql, column);
    while (at < n && !rc) {
        size_t k = 0;
        for (; at < n && k < ENROLMENT_STORE_KEYS; at++)
            if (keys ? keys[at] != NULL : ids[at] > 0)
                take[k++] = at;
        if (!k)
            break;
        struct db_stmt *st = NULL;
        if ((rc = db_prepare(db, sql.data, &st)))
            break;
        rc = db_bind_int64(st, 1, tenant_id);
        for (size_t i = 0; i < ENROLMENT_STORE_KEYS && !rc; i++) {
            size_t j = take[i < k ? i : 0];
            rc = keys ? db_bind_text(st, (int)i + 2, keys[j], -1)
                      : db_bind_int64(st, (int)i + 2, ids[j]);
        }
        if (rc)
            db_reset(st);
        else
            rc = read_people_into(st, p, cap, count);
    }
    buf_free(&sql);
    return rc;
}

enum rc enrolment_store_people_named(struct db *db, int64_t tenant_id, const int64_t *ids,
                                     size_t nids, const char *const *email_keys, size_t nkeys,
                                     struct enrolment_store_person **out, size_t *n)
{
    struct enrolment_store_person *p = NULL;
    size_t cap = 0, count = 0, kept = 0;
    *out = NULL;
    *n = 0;
    enum rc rc = people_in(db, tenant_id, "id", ids, NULL, nids, &p, &cap, &count);
    if (!rc)
        rc = people_in(db, tenant_id, "email_key", NULL, email_keys, nkeys, &p, &cap, &count);
    if (rc) {
        enrolment_store_people_free(p, count);
        return rc;
    }
    /* By id, each person once: an id and an email, or a repeated key, may name one twice. */
    if (count > 1)
        qsort(p, count, sizeof *p, cmp_person);
    for (size_t i = 0; i < count; i++) {
        if (kept && p[kept - 1].id == p[i].id) {
            free(p[i].name);
            free(p[i].email);
            free(p[i].email_key);
            continue;
        }
        p[kept++] = p[i];
    }
    *out = p;
    *n = kept;
    return RC_OK;
}

enum rc enrolment_store_group_members(struct db *db, int64_t tenant_id, int64_t group_id,
                                      struct enrolment_store_person **out, size_t *n)
{
    struct db_stmt *st = NULL;
    *out = NULL;
    *n = 0;
    enum rc rc = db_prepare(db,
                            "SELECT u.id, u.active, u.name, u.email, u.email_key "
                            "FROM user_group_members m JOIN users u ON u.id = m.user_id "
                            "WHERE m.tenant_id = $1 AND m.group_id = $2 AND u.tenant_id = $1 "
                            "AND u.active = 1 ORDER BY u.name, u.id",
                            &st);
    if (rc || (rc = db_bind_int64(st, 1, tenant_id)) || (rc = db_bind_int64(st, 2, group_id))) {
        db_reset(st);
        return rc;
    }
    return read_people(st, out, n);
}

int enrolment_store_group_exists(struct db *db, int64_t tenant_id, int64_t group_id)
{
    int64_t one = 0;
    return yes_no(DB_VALUE(db, "SELECT 1 FROM user_groups WHERE tenant_id = $1 AND id = $2", &one,
                           DB_INT(tenant_id), DB_INT(group_id)));
}

int enrolment_store_is_coach(struct db *db, int64_t tenant_id, int64_t user_id)
{
    int64_t one = 0;
    return yes_no(DB_VALUE(db,
                           "SELECT 1 FROM users WHERE tenant_id = $1 AND id = $2 AND active = 1 "
                           "AND (roles & CAST($3 AS INTEGER)) <> 0",
                           &one, DB_INT(tenant_id), DB_INT(user_id), DB_INT(PEOPLE_ROLE_COACH)));
}

enum rc enrolment_store_enrolled(struct db *db, int64_t tenant_id, int64_t workflow_id,
                                 int64_t **out, size_t *n)
{
    struct db_stmt *st = NULL;
    *out = NULL;
    *n = 0;
    enum rc rc = db_prepare(db,
                            "SELECT DISTINCT user_id FROM enrolments WHERE tenant_id = $1 "
                            "AND workflow_id = $2 AND status IN ('active', 'paused') "
                            "ORDER BY user_id",
                            &st);
    if (rc || (rc = db_bind_int64(st, 1, tenant_id)) || (rc = db_bind_int64(st, 2, workflow_id))) {
        db_reset(st);
        return rc;
    }
    return collect_ints(st, 1, out, n);
}

/* Coach assignments count only while the coach is active and holds the coach role.
 * Driven by the (small) assignments table with a primary-key probe per coach, never by a
 * walk over the tenant's users. */
#define SINGLE_COACH_FROM                                                                          \
    "FROM coach_assignments a WHERE a.tenant_id = $1 AND EXISTS (SELECT 1 FROM users c "           \
    "WHERE c.id = a.coach_id AND c.tenant_id = $1 AND c.active = 1 "                               \
    "AND (c.roles & CAST($2 AS INTEGER)) <> 0) "

enum rc enrolment_store_single_coaches(struct db *db, int64_t tenant_id, int64_t **out,
                                       size_t *npairs)
{
    struct db_stmt *st = NULL;
    *out = NULL;
    *npairs = 0;
    enum rc rc = db_prepare(db,
                            "SELECT a.learner_id, MIN(a.coach_id) " SINGLE_COACH_FROM
                            "GROUP BY a.learner_id HAVING COUNT(*) = 1 ORDER BY a.learner_id",
                            &st);
    if (rc || (rc = db_bind_int64(st, 1, tenant_id)) ||
        (rc = db_bind_int64(st, 2, PEOPLE_ROLE_COACH))) {
        db_reset(st);
        return rc;
    }
    return collect_ints(st, 2, out, npairs);
}

enum rc enrolment_store_single_coach(struct db *db, int64_t tenant_id, int64_t learner_id,
                                     int64_t *coach_id)
{
    int64_t coach = 0;
    *coach_id = 0;
    enum rc rc = DB_VALUE(
        db, "SELECT MIN(a.coach_id) " SINGLE_COACH_FROM "AND a.learner_id = $3 HAVING COUNT(*) = 1",
        &coach, DB_INT(tenant_id), DB_INT(PEOPLE_ROLE_COACH), DB_INT(learner_id));
    if (rc == RC_NOT_FOUND)
        return RC_OK;
    if (!rc)
        *coach_id = coach;
    return rc;
}

/* ---- writing a batch ------------------------------------------------------------------------ */

enum rc enrolment_store_max_id(struct db *db, int64_t *out)
{
    *out = 0;
    enum rc rc = DB_VALUE(db, "SELECT MAX(id) FROM enrolments", out);
    return rc == RC_NOT_FOUND ? RC_OK : rc; /* MAX of nothing is NULL, read as 0 */
}

/* The INSERT of rows enrolments: $1…$8 shared (tenant, workflow, version, rule, enrolled
 * by, start date, total steps, now), then per row the learner and the coach. */
static enum rc enrolments_sql(struct buf *b, size_t rows)
{
    buf_add(b, "INSERT INTO enrolments (tenant_id, workflow_id, version_id, user_id, coach_id, "
               "rule_id, status, start_date, total_steps, enrolled_by, created_at, updated_at) "
               "VALUES ");
    for (size_t i = 0; i < rows; i++)
        buf_addf(b, "%s($1, $2, $3, $%zu, $%zu, $4, 'active', $6, $7, $5, $8, $8)", i ? ", " : "",
                 9 + 2 * i, 10 + 2 * i);
    return buf_failed(b);
}

static enum rc bind_id_or_null(struct db_stmt *st, int idx, int64_t id)
{
    return id > 0 ? db_bind_int64(st, idx, id) : db_bind_null(st, idx);
}

enum rc enrolment_store_insert_many(struct db *db, const struct enrolment_store_new *e,
                                    const int64_t *users, const int64_t *coaches, size_t n)
{
    struct buf sql;
    size_t sql_rows = 0;
    enum rc rc = RC_OK;
    buf_init(&sql, 64 * 1024);
    for (size_t at = 0; at < n && !rc; at += ENROLMENT_STORE_ROWS) {
        size_t rows = n - at < ENROLMENT_STORE_ROWS ? n - at : ENROLMENT_STORE_ROWS;
        if (rows != sql_rows) {
            buf_reset(&sql);
            if ((rc = enrolments_sql(&sql, rows)))
                break;
            sql_rows = rows;
        }
        struct db_stmt *st = NULL;
        if ((rc = db_prepare(db, sql.data, &st)))
            break;
        if ((rc = db_bind_int64(st, 1, e->tenant_id)) ||
            (rc = db_bind_int64(st, 2, e->workflow_id)) ||
            (rc = db_bind_int64(st, 3, e->version_id)) ||
            (rc = bind_id_or_null(st, 4, e->rule_id)) ||
            (rc = bind_id_or_null(st, 5, e->enrolled_by)) ||
            (rc = db_bind_text(st, 6, e->start_date, -1)) ||
            (rc = db_bind_int64(st, 7, e->total_steps)) || (rc = db_bind_int64(st, 8, e->now))) {
            db_reset(st);
            break;
        }
        for (size_t i = 0; i < rows && !rc; i++) {
            int p = 9 + 2 * (int)i;
            if ((rc = db_bind_int64(st, p, users[at + i])) ||
                (rc = bind_id_or_null(st, p + 1, coaches ? coaches[at + i] : 0)))
                break;
        }
        if (!rc) {
            rc = db_step(st);
            rc = rc == RC_DONE || rc == RC_ROW ? RC_OK : rc;
        }
        db_reset(st);
    }
    buf_free(&sql);
    return rc;
}

static int cmp_pair(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

enum rc enrolment_store_ids_after(struct db *db, int64_t tenant_id, int64_t workflow_id,
                                  int64_t after_id, int64_t **out, size_t *npairs)
{
    struct db_stmt *st = NULL;
    *out = NULL;
    *npairs = 0;
    /* The unary + keeps SQLite on the primary key's range (only the new rows) instead of
     * walking every enrolment of the workflow in enrolments_workflow. */
    enum rc rc = db_prepare(db,
                            "SELECT user_id, id FROM enrolments WHERE id > $3 "
                            "AND +tenant_id = $1 AND +workflow_id = $2 ORDER BY id",
                            &st);
    if (rc || (rc = db_bind_int64(st, 1, tenant_id)) || (rc = db_bind_int64(st, 2, workflow_id)) ||
        (rc = db_bind_int64(st, 3, after_id))) {
        db_reset(st);
        return rc;
    }
    if ((rc = collect_ints(st, 2, out, npairs)))
        return rc;
    qsort(*out, *npairs, 2 * sizeof **out, cmp_pair);
    return RC_OK;
}

enum rc enrolment_store_bump_journeys_after(struct db *db, int64_t tenant_id, int64_t workflow_id,
                                            int64_t after_id)
{
    /* As above, the unary + keep SQLite on primary keys: the new enrolments' range, then
     * each learner's row. */
    return DB_RUN(db,
                  "UPDATE users SET journey_rev = journey_rev + 1 WHERE +tenant_id = $1 "
                  "AND id IN (SELECT user_id FROM enrolments WHERE id > $3 "
                  "AND +tenant_id = $1 AND +workflow_id = $2)",
                  NULL, DB_INT(tenant_id), DB_INT(workflow_id), DB_INT(after_id));
}

enum rc enrolment_store_bump_journey(struct db *db, int64_t tenant_id, int64_t user_id)
{
    return DB_RUN(db,
                  "UPDATE users SET journey_rev = journey_rev + 1 WHERE tenant_id = $1 AND id = $2",
                  NULL, DB_INT(tenant_id), DB_INT(user_id));
}

/* The INSERT for rows activities: ($1 tenant, $2 enrolment, $3 user, $4 now, then per row
 * step, seq, release, due). Built from fixed fragments only. */
static enum rc activities_sql(struct buf *b, size_t rows)
{
    buf_add(b, "INSERT INTO activities (tenant_id, enrolment_id, user_id, step_id, seq, state, "
               "release_at, due_at, planned_due_at, updated_at) VALUES ");
    for (size_t i = 0; i < rows; i++) {
        size_t p = 5 + 4 * i;
        buf_addf(b, "%s($1, $2, $3, $%zu, $%zu, 'open', $%zu, $%zu, $%zu, $4)", i ? ", " : "", p,
                 p + 1, p + 2, p + 3, p + 3);
    }
    return buf_failed(b);
}

enum rc enrolment_store_writer_init(struct enrolment_store_writer *w,
                                    const struct enrolment_planned *steps, size_t nsteps)
{
    w->steps = steps;
    w->nsteps = nsteps;
    buf_init(&w->full, 64 * 1024);
    buf_init(&w->tail, 64 * 1024);
    enum rc rc = RC_OK;
    if (nsteps >= ENROLMENT_STORE_ROWS)
        rc = activities_sql(&w->full, ENROLMENT_STORE_ROWS);
    if (!rc && nsteps % ENROLMENT_STORE_ROWS)
        rc = activities_sql(&w->tail, nsteps % ENROLMENT_STORE_ROWS);
    return rc;
}

void enrolment_store_writer_free(struct enrolment_store_writer *w)
{
    buf_free(&w->full);
    buf_free(&w->tail);
}

enum rc enrolment_store_insert_activities(struct db *db, const struct enrolment_store_writer *w,
                                          int64_t tenant_id, int64_t enrolment_id, int64_t user_id,
                                          int64_t now)
{
    enum rc rc = RC_OK;
    for (size_t at = 0; at < w->nsteps && !rc; at += ENROLMENT_STORE_ROWS) {
        size_t rows = w->nsteps - at;
        const struct buf *sql = &w->tail;
        if (rows >= ENROLMENT_STORE_ROWS) {
            rows = ENROLMENT_STORE_ROWS;
            sql = &w->full;
        }
        struct db_stmt *st = NULL;
        if ((rc = db_prepare(db, sql->data, &st)))
            break;
        if ((rc = db_bind_int64(st, 1, tenant_id)) || (rc = db_bind_int64(st, 2, enrolment_id)) ||
            (rc = db_bind_int64(st, 3, user_id)) || (rc = db_bind_int64(st, 4, now))) {
            db_reset(st);
            break;
        }
        for (size_t i = 0; i < rows && !rc; i++) {
            const struct enrolment_planned *s = &w->steps[at + i];
            int p = 5 + 4 * (int)i;
            if ((rc = db_bind_int64(st, p, s->step_id)) ||
                (rc = db_bind_int64(st, p + 1, s->seq)) ||
                (rc = db_bind_int64(st, p + 2, s->release_at)) ||
                (rc = db_bind_int64(st, p + 3, s->due_at)))
                break;
        }
        if (!rc) {
            rc = db_step(st);
            rc = rc == RC_DONE || rc == RC_ROW ? RC_OK : rc;
        }
        db_reset(st);
    }
    return rc;
}

/* ---- rules -------------------------------------------------------------------------------- */

enum rc enrolment_store_rule_find(struct db *db, int64_t tenant_id, int64_t workflow_id,
                                  int64_t group_id, int64_t *id)
{
    *id = 0;
    enum rc rc = DB_VALUE(db,
                          "SELECT MIN(id) FROM enrolment_rules WHERE tenant_id = $1 "
                          "AND workflow_id = $2 AND group_id = $3 AND stopped_at IS NULL",
                          id, DB_INT(tenant_id), DB_INT(workflow_id), DB_INT(group_id));
    return rc == RC_NOT_FOUND ? RC_OK : rc; /* MIN of nothing is NULL, read as 0 */
}

enum rc enrolment_store_rule_insert(struct db *db, int64_t tenant_id, int64_t workflow_id,
                                    int64_t group_id, int64_t created_by, int64_t now, int64_t *id)
{
    return DB_VALUE(db,
                    "INSERT INTO enrolment_rules (tenant_id, workflow_id, group_id, created_by, "
                    "created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
                    id, DB_INT(tenant_id), DB_INT(workflow_id), DB_INT(group_id),
                    DB_INT_OR_NULL(created_by), DB_INT(now));
}

enum rc enrolment_store_rules(struct db *db, int64_t tenant_id, int64_t workflow_id,
                              enrolment_rule_fn each, void *arg)
{
    struct db_stmt *st = NULL;
    enum rc rc = db_prepare(db,
                            "SELECT r.id, r.group_id, g.name, r.created_at, r.stopped_at "
                            "FROM enrolment_rules r JOIN user_groups g ON g.id = r.group_id "
                            "WHERE r.tenant_id = $1 AND r.workflow_id = $2 ORDER BY r.id",
                            &st);
    if (rc || (rc = db_bind_int64(st, 1, tenant_id)) || (rc = db_bind_int64(st, 2, workflow_id)))
        goto out;
    while ((rc = db_step(st)) == RC_ROW) {
        struct enrolment_rule r = {
            .id = db_column_int64(st, 0),
            .group_id = db_column_int64(st, 1),
            .group_name = db_column_text(st, 2),
            .created_at = db_column_int64(st, 3),
            .stopped_at = db_column_int64(st, 4),
        };
        if ((rc = each(arg, &r)))
            goto out;
    }
    rc = rc == RC_DONE ? RC_OK : rc;
out:
    db_reset(st);
    return rc;
}

enum rc enrolment_store_rule_stop(struct db *db, int64_t tenant_id, int64_t workflow_id,
                                  int64_t rule_id, int64_t now, int64_t *stopped_at)
{
    int64_t at = 0;
    enum rc rc = DB_VALUE(db,
                          "SELECT COALESCE(stopped_at, 0) FROM enrolment_rules "
                          "WHERE tenant_id = $1 AND workflow_id = $2 AND id = $3",
                          &at, DB_INT(tenant_id), DB_INT(workflow_id), DB_INT(rule_id));
    if (rc)
        return rc;
    *stopped_at = at;
    if (at)
        return RC_OK;
    return DB_RUN(db,
                  "UPDATE enrolment_rules SET stopped_at = $3 WHERE tenant_id = $1 AND id = $2 "
                  "AND stopped_at IS NULL",
                  NULL, DB_INT(tenant_id), DB_INT(rule_id), DB_INT(now));
}

enum rc enrolment_store_rules_delete_group(struct db *db, int64_t tenant_id, int64_t group_id,
                                           int64_t *deleted)
{
    return DB_RUN(db, "DELETE FROM enrolment_rules WHERE tenant_id = $1 AND group_id = $2", deleted,
                  DB_INT(tenant_id), DB_INT(group_id));
}

enum rc enrolment_store_active_rules(struct db *db, int64_t tenant_id, int64_t **out,
                                     size_t *nrules)
{
    struct db_stmt *st = NULL;
    *out = NULL;
    *nrules = 0;
    /* enrolment_rules_workflow (tenant_id, workflow_id) answers this: the hooks on every
     * change of people cost one index probe when the tenant has no rule. */
    enum rc rc = db_prepare(db,
                            "SELECT id, workflow_id, group_id FROM enrolment_rules "
                            "WHERE tenant_id = $1 AND stopped_at IS NULL ORDER BY id",
                            &st);
    if (rc || (rc = db_bind_int64(st, 1, tenant_id))) {
        db_reset(st);
        return rc;
    }
    return collect_ints(st, 3, out, nrules);
}

enum rc enrolment_store_rule_candidates(struct db *db, int64_t tenant_id, int64_t workflow_id,
                                        int64_t group_id, int64_t user_id, int64_t **out, size_t *n)
{
    struct db_stmt *st = NULL;
    *out = NULL;
    *n = 0;
    /* Two statements rather than "$4 = 0 OR m.user_id = $4", so that the one-person form
     * is a primary-key probe instead of a walk over the group. */
    enum rc rc = user_id > 0
                     ? db_prepare(db,
                                  "SELECT m.user_id FROM user_group_members m "
                                  "JOIN users u ON u.id = m.user_id "
                                  "WHERE m.group_id = $3 AND m.user_id = $4 AND m.tenant_id = $1 "
                                  "AND u.active = 1 AND NOT EXISTS (SELECT 1 FROM enrolments e "
                                  "WHERE e.user_id = m.user_id AND e.tenant_id = $1 "
                                  "AND e.workflow_id = $2)",
                                  &st)
                     : db_prepare(db,
                                  "SELECT m.user_id FROM user_group_members m "
                                  "JOIN users u ON u.id = m.user_id "
                                  "WHERE m.group_id = $3 AND m.tenant_id = $1 AND u.active = 1 "
                                  "AND NOT EXISTS (SELECT 1 FROM enrolments e "
                                  "WHERE e.user_id = m.user_id AND e.tenant_id = $1 "
                                  "AND e.workflow_id = $2) ORDER BY m.user_id",
                                  &st);
    if (rc || (rc = db_bind_int64(st, 1, tenant_id)) || (rc = db_bind_int64(st, 2, workflow_id)) ||
        (rc = db_bind_int64(st, 3, group_id)) ||
        (user_id > 0 && (rc = db_bind_int64(st, 4, user_id)))) {
        db_reset(st);
        return rc;
    }
    return collect_ints(st, 1, out, n);
}

/* ---- one enrolment and the list ------------------------------------------------------------ */

/* The columns read_enrolment expects; $NOW is the parameter holding the instant. */
#define ENROLMENT_COLUMNS(now)                                                                     \
    "e.id, e.workflow_id, v.title, v.version, e.version_id, e.user_id, u.name, u.email, "          \
    "u.manager_id, e.coach_id, c.name, e.rule_id, e.status, e.start_date, e.total_steps, "         \
    "e.completed_steps, (SELECT COUNT(*) FROM activities a WHERE a.enrolment_id = e.id "           \
    "AND a.state = 'open' AND a.due_at < " now "), e.paused_at, e.paused_days, "                   \
    "e.replanned_at, e.created_at, e.updated_at, e.completed_at, e.withdrawn_at "
#define ENROLMENT_FROM                                                                             \
    "FROM enrolments e JOIN users u ON u.id = e.user_id "                                          \
    "JOIN workflow_versions v ON v.id = e.version_id LEFT JOIN users c ON c.id = e.coach_id "

static void read_enrolment(struct db_stmt *st, struct enrolment *e)
{
    memset(e, 0, sizeof *e);
    e->id = db_column_int64(st, 0);
    e->workflow_id = db_column_int64(st, 1);
    copy_text(e->workflow_title, sizeof e->workflow_title, db_column_text(st, 2));
    e->version = (int)db_column_int64(st, 3);
    e->version_id = db_column_int64(st, 4);
    e->user_id = db_column_int64(st, 5);
    copy_text(e->learner_name, sizeof e->learner_name, db_column_text(st, 6));
    copy_text(e->learner_email, sizeof e->learner_email, db_column_text(st, 7));
    e->learner_manager_id = db_column_int64(st, 8);
    e->coach_id = db_column_int64(st, 9);
    copy_text(e->coach_name, sizeof e->coach_name, db_column_text(st, 10));
    e->rule_id = db_column_int64(st, 11);
    int status = enrolment_status_parse(db_column_text(st, 12));
    e->status = status < 0 ? ENROLMENT_ACTIVE : (enum enrolment_status)status;
    copy_text(e->start_date, sizeof e->start_date, db_column_text(st, 13));
    e->total_steps = (int)db_column_int64(st, 14);
    e->completed_steps = (int)db_column_int64(st, 15);
    e->overdue = (int)db_column_int64(st, 16);
    e->paused_at = db_column_int64(st, 17);
    e->paused_days = (int)db_column_int64(st, 18);
    e->replanned_at = db_column_int64(st, 19);
    e->enrolled_at = db_column_int64(st, 20);
    e->updated_at = db_column_int64(st, 21);
    e->completed_at = db_column_int64(st, 22);
    e->withdrawn_at = db_column_int64(st, 23);
}

enum rc enrolment_store_get(struct db *db, int64_t tenant_id, int64_t id, int64_t now,
                            struct enrolment *out)
{
    struct db_stmt *st = NULL;
    enum rc rc = db_prepare(
        db, "SELECT " ENROLMENT_COLUMNS("$3") ENROLMENT_FROM "WHERE e.tenant_id = $1 AND e.id = $2",
        &st);
    if (rc || (rc = db_bind_int64(st, 1, tenant_id)) || (rc = db_bind_int64(st, 2, id)) ||
        (rc = db_bind_int64(st, 3, now)))
        goto out;
    if ((rc = db_step(st)) != RC_ROW) {
        rc = rc == RC_DONE ? RC_NOT_FOUND : rc;
        goto out;
    }
    read_enrolment(st, out);
    rc = RC_OK;
out:
    db_reset(st);
    return rc;
}

/* The reporting subtree below $3 in tenant $1 (as in users_store.c): UNION, so even a
 * cycle ends the recursion. */
#define ENROLMENT_SUBTREE                                                                          \
    "WITH RECURSIVE sub(id) AS (SELECT id FROM users WHERE tenant_id = $1 AND manager_id = $3 "    \
    "UNION SELECT c.id FROM users c JOIN sub s ON c.manager_id = s.id WHERE c.tenant_id = $1) "    \
    "SELECT id FROM sub"

enum rc enrolment_store_list(struct db *db, const struct enrolment_store_list_args *a,
                             enrolment_each_fn each, void *arg, int *seen, int64_t *last_id)
{
    struct db_stmt *st = NULL;
    enum rc rc = db_prepare(db,
                            "SELECT " ENROLMENT_COLUMNS("$10") ENROLMENT_FROM
                            "WHERE e.tenant_id = $1 "
                            "AND (CAST($2 AS INTEGER) = 1 OR e.user_id = $3 "
                            "OR (CAST($4 AS INTEGER) = 1 AND e.coach_id = $3) "
                            "OR e.user_id IN (" ENROLMENT_SUBTREE ")) "
                            "AND (CAST($5 AS BIGINT) IS NULL OR e.workflow_id = $5) "
                            "AND (CAST($6 AS BIGINT) IS NULL OR e.user_id = $6) "
                            "AND (CAST($7 AS TEXT) IS NULL OR e.status = $7) "
                            "AND (CAST($8 AS BIGINT) IS NULL OR e.id < $8) "
                            "ORDER BY e.id DESC LIMIT $9",
                            &st);
    if (rc || (rc = db_bind_int64(st, 1, a->tenant_id)) || (rc = db_bind_int64(st, 2, a->all)) ||
        (rc = db_bind_int64(st, 3, a->self)) || (rc = db_bind_int64(st, 4, a->coach)) ||
        (rc = a->workflow_id > 0 ? db_bind_int64(st, 5, a->workflow_id) : db_bind_null(st, 5)) ||
        (rc = a->user_id > 0 ? db_bind_int64(st, 6, a->user_id) : db_bind_null(st, 6)) ||
        (rc = a->status ? db_bind_text(st, 7, a->status, -1) : db_bind_null(st, 7)) ||
        (rc = a->before_id > 0 ? db_bind_int64(st, 8, a->before_id) : db_bind_null(st, 8)) ||
        (rc = db_bind_int64(st, 9, a->limit)) || (rc = db_bind_int64(st, 10, a->now)))
        goto out;
    struct enrolment e;
    while ((rc = db_step(st)) == RC_ROW) {
        read_enrolment(st, &e);
        (*seen)++;
        *last_id = e.id;
        if ((rc = each(arg, &e)))
            goto out;
    }
    rc = rc == RC_DONE ? RC_OK : rc;
out:
    db_reset(st);
    return rc;
}

/* ---- changes ------------------------------------------------------------------------------ */

enum rc enrolment_store_lock(struct db *db, int64_t tenant_id, int64_t id)
{
    int64_t changed = 0;
    enum rc rc =
        DB_RUN(db, "UPDATE enrolments SET updated_at = updated_at WHERE tenant_id = $1 AND id = $2",
               &changed, DB_INT(tenant_id), DB_INT(id));
    return rc ? rc : changed ? RC_OK : RC_NOT_FOUND;
}

enum rc enrolment_store_update(struct db *db, int64_t tenant_id, const struct enrolment *e)
{
    return DB_RUN(db,
                  "UPDATE enrolments SET status = $3, coach_id = $4, paused_at = $5, "
                  "paused_days = $6, replanned_at = $7, withdrawn_at = $8, updated_at = $9 "
                  "WHERE tenant_id = $1 AND id = $2",
                  NULL, DB_INT(tenant_id), DB_INT(e->id), DB_TEXT(enrolment_status_name(e->status)),
                  DB_INT_OR_NULL(e->coach_id), DB_INT_OR_NULL(e->paused_at), DB_INT(e->paused_days),
                  DB_INT_OR_NULL(e->replanned_at), DB_INT_OR_NULL(e->withdrawn_at),
                  DB_INT(e->updated_at));
}

enum rc enrolment_store_open_activities(struct db *db, int64_t tenant_id, int64_t enrolment_id,
                                        struct enrolment_store_open **out, size_t *n)
{
    struct db_stmt *st = NULL;
    int64_t *rows = NULL;
    size_t count = 0;
    *out = NULL;
    *n = 0;
    enum rc rc = db_prepare(db,
                            "SELECT id, release_at, due_at FROM activities WHERE tenant_id = $1 "
                            "AND enrolment_id = $2 AND state = 'open' ORDER BY seq",
                            &st);
    if (rc || (rc = db_bind_int64(st, 1, tenant_id)) || (rc = db_bind_int64(st, 2, enrolment_id))) {
        db_reset(st);
        return rc;
    }
    if ((rc = collect_ints(st, 3, &rows, &count)))
        return rc;
    /* struct enrolment_store_open is three int64_t: copy rather than alias. */
    struct enrolment_store_open *open = count ? calloc(count, sizeof *open) : NULL;
    if (count && !open) {
        free(rows);
        return RC_NOMEM;
    }
    for (size_t i = 0; i < count; i++)
        open[i] = (struct enrolment_store_open){rows[3 * i], rows[3 * i + 1], rows[3 * i + 2]};
    free(rows);
    *out = open;
    *n = count;
    return RC_OK;
}

enum rc enrolment_store_move_activity(struct db *db, int64_t tenant_id, int64_t id,
                                      int64_t release_at, int64_t due_at, int64_t now)
{
    return DB_RUN(db,
                  "UPDATE activities SET release_at = $3, due_at = $4, updated_at = $5 "
                  "WHERE tenant_id = $1 AND id = $2",
                  NULL, DB_INT(tenant_id), DB_INT(id), DB_INT(release_at), DB_INT(due_at),
                  DB_INT(now));
}

enum rc enrolment_store_event_insert(struct db *db, int64_t tenant_id, int64_t enrolment_id,
                                     const char *kind, const char *data, int64_t now)
{
    return DB_RUN(db,
                  "INSERT INTO enrolment_events (tenant_id, enrolment_id, kind, data, created_at) "
                  "VALUES ($1, $2, $3, $4, $5)",
                  NULL, DB_INT(tenant_id), DB_INT(enrolment_id), DB_TEXT(kind),
                  DB_TEXT(data ? data : "{}"), DB_INT(now));
}

enum rc enrolment_store_events(struct db *db, int64_t tenant_id, int64_t enrolment_id,
                               enrolment_event_fn each, void *arg)
{
    struct db_stmt *st = NULL;
    enum rc rc = db_prepare(db,
                            "SELECT id, kind, data, created_at FROM enrolment_events "
                            "WHERE tenant_id = $1 AND enrolment_id = $2 ORDER BY id",
                            &st);
    if (rc || (rc = db_bind_int64(st, 1, tenant_id)) || (rc = db_bind_int64(st, 2, enrolment_id)))
        goto out;
    while ((rc = db_step(st)) == RC_ROW) {
        struct enrolment_event ev = {
            .id = db_column_int64(st, 0),
            .kind = db_column_text(st, 1),
            .data = db_column_text(st, 2),
            .created_at = db_column_int64(st, 3),
        };
        if ((rc = each(arg, &ev)))
            goto out;
    }
    rc = rc == RC_DONE ? RC_OK : rc;
out:
    db_reset(st);
    return rc;
}

int enrolment_store_version_calendar(struct db *db, int64_t tenant_id, int64_t version_id)
{
    int64_t calendar = 0;
    enum rc rc = DB_VALUE(db,
                          "SELECT CASE WHEN pacing = 'calendar_days' THEN 1 ELSE 0 END "
                          "FROM workflow_versions WHERE tenant_id = $1 AND id = $2",
                          &calendar, DB_INT(tenant_id), DB_INT(version_id));
    return rc ? -1 : calendar != 0;
}

/* ---- the scheduler ------------------------------------------------------------------------- */

enum rc enrolment_store_tenants(struct db *db, int64_t **out, size_t *n)
{
    struct db_stmt *st = NULL;
    *out = NULL;
    *n = 0;
    enum rc rc = db_prepare(db, "SELECT id FROM tenants ORDER BY id", &st);
    if (rc)
        return rc;
    return collect_ints(st, 1, out, n);
}

enum rc enrolment_store_replan_candidates(struct db *db, int64_t tenant_id, int64_t seek_before,
                                          int64_t due_before, struct enrolment_store_replan **out,
                                          size_t *n)
{
    struct db_stmt *st = NULL;
    int64_t *rows = NULL;
    size_t count = 0;
    *out = NULL;
    *n = 0;
    /* Driven by open activities due before seek_before: with the partial index
     * activities_open_due (tenant_id, due_at) WHERE state = 'open' this is one range seek
     * that touches only activities already overdue by a day or more, so a pass where
     * nobody is behind reads (almost) nothing. The version's own threshold is applied per
     * row: a calendar day count (with two hours for daylight saving) bounds the pacing
     * day count from above, and enrolment.c decides exactly. */
    enum rc rc = db_prepare(
        db,
        "SELECT DISTINCT e.id, v.replan_after_days, v.max_due_per_day, "
        "CASE WHEN v.pacing = 'calendar_days' THEN 1 ELSE 0 END "
        "FROM activities a JOIN enrolments e ON e.id = a.enrolment_id "
        "JOIN workflow_versions v ON v.id = e.version_id "
        "WHERE a.tenant_id = $1 AND a.state = 'open' AND a.due_at < $2 "
        "AND e.status = 'active' AND v.replan_after_days > 0 "
        "AND a.due_at < CAST($3 AS BIGINT) - CAST(v.replan_after_days AS BIGINT) * 86400 "
        "ORDER BY e.id",
        &st);
    if (rc || (rc = db_bind_int64(st, 1, tenant_id)) || (rc = db_bind_int64(st, 2, seek_before)) ||
        (rc = db_bind_int64(st, 3, due_before))) {
        db_reset(st);
        return rc;
    }
    if ((rc = collect_ints(st, 4, &rows, &count)))
        return rc;
    struct enrolment_store_replan *r = count ? calloc(count, sizeof *r) : NULL;
    if (count && !r) {
        free(rows);
        return RC_NOMEM;
    }
    for (size_t i = 0; i < count; i++)
        r[i] = (struct enrolment_store_replan){rows[4 * i], (int)rows[4 * i + 1],
                                               (int)rows[4 * i + 2], rows[4 * i + 3] != 0};
    free(rows);
    *out = r;
    *n = count;
    return RC_OK;
}
