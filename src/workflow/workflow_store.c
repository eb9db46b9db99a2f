/*
 * workflow_store.c — SQL for drafts, phases, steps and versions (see workflow_store.h).
 *
 * Drafts and versions share their loaders: the step columns are selected in the same
 * order from workflow_steps and workflow_version_steps, so one function reads both. A
 * version's "phase_id" and "id" as the API shows them are its phase and step keys (the
 * draft ids), which is what lets two versions be compared step by step.
 *
 * Positions are kept contiguous by the domain with workflow_store_*_shift; there is no
 * unique index on positions, because a move passes through a moment where two rows share
 * one.
 */
#include "workflow_store.h"

#include <stdlib.h>
#include <string.h>

static enum rc dup_column(struct db_stmt *st, int col, int nullable, char **out)
{
    *out = NULL;
    if (nullable && db_column_is_null(st, col))
        return RC_OK;
    return (*out = strdup(db_column_text(st, col))) ? RC_OK : RC_NOMEM;
}

static enum rc read_step(struct db_stmt *st, struct workflow_step *s)
{
    memset(s, 0, sizeof *s);
    s->id = db_column_int64(st, 0);
    s->phase_id = db_column_int64(st, 1);
    s->phase = (int)db_column_int64(st, 2);
    s->position = (int)db_column_int64(st, 3);
    int kind = workflow_kind_parse(db_column_text(st, 4));
    int completion = workflow_completion_parse(db_column_text(st, 11));
    int evidence = workflow_evidence_parse(db_column_text(st, 12));
    s->kind = kind < 0 ? WORKFLOW_LEARN : (enum workflow_kind)kind;
    s->completion = completion < 0 ? WORKFLOW_BY_SELF : (enum workflow_completion)completion;
    s->evidence = evidence < 0 ? WORKFLOW_EVIDENCE_NONE : (enum workflow_evidence)evidence;
    s->release_offset_days = (int)db_column_int64(st, 8);
    s->due_offset_days = (int)db_column_int64(st, 9);
    s->effort_minutes = (int)db_column_int64(st, 10);
    if (db_column_count(st) > 14) /* drafts only */
        s->updated_at = db_column_int64(st, 14);
    if (dup_column(st, 5, 0, &s->title) || dup_column(st, 6, 0, &s->instructions) ||
        dup_column(st, 7, 1, &s->link_url) || dup_column(st, 13, 1, &s->manager_prompt)) {
        workflow_step_clear(s);
        return RC_NOMEM;
    }
    return RC_OK;
}

/* Appends rows of st (phases: id, position, name) to w->phases. */
static enum rc load_phases(struct db_stmt *st, struct workflow *w)
{
    enum rc rc;
    size_t cap = 0;
    while ((rc = db_step(st)) == RC_ROW) {
        if (w->nphases == cap) {
            size_t ncap = cap ? cap * 2 : 8;
            struct workflow_phase *grown = realloc(w->phases, ncap * sizeof *grown);
            if (!grown)
                return RC_NOMEM;
            w->phases = grown;
            cap = ncap;
        }
        struct workflow_phase *p = &w->phases[w->nphases];
        p->id = db_column_int64(st, 0);
        p->position = (int)db_column_int64(st, 1);
        if (!(p->name = strdup(db_column_text(st, 2))))
            return RC_NOMEM;
        w->nphases++;
    }
    return rc == RC_DONE ? RC_OK : rc;
}

static enum rc load_steps(struct db_stmt *st, struct workflow *w)
{
    enum rc rc;
    size_t cap = 0;
    while ((rc = db_step(st)) == RC_ROW) {
        if (w->nsteps == cap) {
            size_t ncap = cap ? cap * 2 : 16;
            struct workflow_step *grown = realloc(w->steps, ncap * sizeof *grown);
            if (!grown)
                return RC_NOMEM;
            w->steps = grown;
            cap = ncap;
        }
        if ((rc = read_step(st, &w->steps[w->nsteps])))
            return rc;
        w->nsteps++;
    }
    return rc == RC_DONE ? RC_OK : rc;
}

static enum rc set_text(char **slot, const char *s)
{
    return (*slot = strdup(s)) ? RC_OK : RC_NOMEM;
}

enum rc workflow_store_get(struct db *db, int64_t tenant_id, int64_t id, struct workflow *out)
{
    struct db_stmt *st = NULL;
    memset(out, 0, sizeof *out);
    enum rc rc = db_prepare(db,
                            "SELECT id, title, outcome, description, pacing, status, revision, "
                            "latest_version, published_revision, created_at, updated_at, "
                            "published_at, archived_at, replan_after_days, max_due_per_day "
                            "FROM workflows "
                            "WHERE tenant_id = $1 AND id = $2",
                            &st);
    if (rc || (rc = db_bind_int64(st, 1, tenant_id)) || (rc = db_bind_int64(st, 2, id)))
        goto out;
    if ((rc = db_step(st)) != RC_ROW) {
        rc = rc == RC_DONE ? RC_NOT_FOUND : rc;
        goto out;
    }
    out->id = db_column_int64(st, 0);
    out->tenant_id = tenant_id;
    int pacing = workflow_pacing_parse(db_column_text(st, 4));
    out->pacing = pacing < 0 ? WORKFLOW_WORKING_DAYS : (enum workflow_pacing)pacing;
    out->revision = db_column_int64(st, 6);
    out->latest_version = (int)db_column_int64(st, 7);
    out->draft_changed = out->latest_version == 0 || db_column_int64(st, 8) != out->revision;
    out->status = strcmp(db_column_text(st, 5), "archived") == 0 ? WORKFLOW_ARCHIVED
                  : out->latest_version > 0                      ? WORKFLOW_PUBLISHED
                                                                 : WORKFLOW_DRAFT;
    out->created_at = db_column_int64(st, 9);
    out->updated_at = db_column_int64(st, 10);
    out->published_at = db_column_int64(st, 11);
    out->archived_at = db_column_int64(st, 12);
    out->replan_after_days = (int)db_column_int64(st, 13);
    out->max_due_per_day = (int)db_column_int64(st, 14);
    if ((rc = set_text(&out->title, db_column_text(st, 1))) ||
        (rc = set_text(&out->outcome, db_column_text(st, 2))) ||
        (rc = set_text(&out->description, db_column_text(st, 3))))
        goto out;
    rc = RC_OK;
out:
    db_reset(st);
    if (rc)
        workflow_free(out);
    return rc;
}

enum rc workflow_store_lock(struct db *db, int64_t tenant_id, int64_t id)
{
    int64_t changed = 0;
    enum rc rc =
        DB_RUN(db, "UPDATE workflows SET revision = revision WHERE tenant_id = $1 AND id = $2",
               &changed, DB_INT(tenant_id), DB_INT(id));
    return rc ? rc : changed ? RC_OK : RC_NOT_FOUND;
}

enum rc workflow_store_tenant_of(struct db *db, int64_t id, int64_t *tenant_id)
{
    return DB_VALUE(db, "SELECT tenant_id FROM workflows WHERE id = $1", tenant_id, DB_INT(id));
}

enum rc workflow_store_load_parts(struct db *db, int64_t tenant_id, struct workflow *w)
{
    struct db_stmt *st = NULL;
    enum rc rc = db_prepare(db,
                            "SELECT id, position, name FROM workflow_phases "
                            "WHERE tenant_id = $1 AND workflow_id = $2 ORDER BY position, id",
                            &st);
    if (rc || (rc = db_bind_int64(st, 1, tenant_id)) || (rc = db_bind_int64(st, 2, w->id)) ||
        (rc = load_phases(st, w)))
        goto out;
    db_reset(st);
    rc = db_prepare(db,
                    "SELECT s.id, p.id, p.position, s.position, s.kind, s.title, "
                    "s.instructions, s.link_url, s.release_offset_days, s.due_offset_days, "
                    "s.effort_minutes, s.completion, s.evidence, s.manager_prompt, s.updated_at "
                    "FROM workflow_steps s JOIN workflow_phases p ON p.id = s.phase_id "
                    "WHERE s.tenant_id = $1 AND s.workflow_id = $2 "
                    "ORDER BY p.position, s.position, s.id",
                    &st);
    if (rc || (rc = db_bind_int64(st, 1, tenant_id)) || (rc = db_bind_int64(st, 2, w->id)))
        goto out;
    rc = load_steps(st, w);
out:
    db_reset(st);
    return rc;
}

enum rc workflow_store_insert(struct db *db, struct workflow *w, int64_t created_by, int64_t now)
{
    enum rc rc = DB_VALUE(
        db,
        "INSERT INTO workflows (tenant_id, title, outcome, description, "
        "pacing, created_by, created_at, updated_at, replan_after_days, max_due_per_day) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7, $7, $8, $9) RETURNING id",
        &w->id, DB_INT(w->tenant_id), DB_TEXT(w->title), DB_TEXT(w->outcome ? w->outcome : ""),
        DB_TEXT(w->description ? w->description : ""), DB_TEXT(workflow_pacing_name(w->pacing)),
        DB_INT_OR_NULL(created_by), DB_INT(now), DB_INT(w->replan_after_days),
        DB_INT(w->max_due_per_day));
    if (!rc) {
        w->created_at = w->updated_at = now;
        w->revision = 1;
    }
    return rc;
}

enum rc workflow_store_update(struct db *db, const struct workflow *w, int64_t now)
{
    return DB_RUN(db,
                  "UPDATE workflows SET title = $3, outcome = $4, description = $5, pacing = $6, "
                  "replan_after_days = $8, max_due_per_day = $9, revision = revision + 1, "
                  "updated_at = $7 WHERE tenant_id = $1 AND id = $2",
                  NULL, DB_INT(w->tenant_id), DB_INT(w->id), DB_TEXT(w->title), DB_TEXT(w->outcome),
                  DB_TEXT(w->description), DB_TEXT(workflow_pacing_name(w->pacing)), DB_INT(now),
                  DB_INT(w->replan_after_days), DB_INT(w->max_due_per_day));
}

enum rc workflow_store_touch(struct db *db, int64_t tenant_id, int64_t id, int64_t now)
{
    return DB_RUN(db,
                  "UPDATE workflows SET revision = revision + 1, updated_at = $3 "
                  "WHERE tenant_id = $1 AND id = $2",
                  NULL, DB_INT(tenant_id), DB_INT(id), DB_INT(now));
}

enum rc workflow_store_set_archived(struct db *db, int64_t tenant_id, int64_t id,
                                    int64_t archived_at, int64_t now)
{
    return DB_RUN(db,
                  "UPDATE workflows SET status = $3, archived_at = $4, updated_at = $5 "
                  "WHERE tenant_id = $1 AND id = $2",
                  NULL, DB_INT(tenant_id), DB_INT(id), DB_TEXT(archived_at ? "archived" : "active"),
                  DB_INT_OR_NULL(archived_at), DB_INT(now));
}

enum rc workflow_store_delete(struct db *db, int64_t tenant_id, int64_t id)
{
    enum rc rc;
    if ((rc = DB_RUN(db, "DELETE FROM workflow_steps WHERE tenant_id = $1 AND workflow_id = $2",
                     NULL, DB_INT(tenant_id), DB_INT(id))) ||
        (rc = DB_RUN(db, "DELETE FROM workflow_phases WHERE tenant_id = $1 AND workflow_id = $2",
                     NULL, DB_INT(tenant_id), DB_INT(id))))
        return rc;
    return DB_RUN(db, "DELETE FROM workflows WHERE tenant_id = $1 AND id = $2", NULL,
                  DB_INT(tenant_id), DB_INT(id));
}

enum rc workflow_store_list(struct db *db, int64_t tenant_id, int status, const char *like,
                            int64_t before_id, int limit, workflow_each_fn each, void *arg,
                            int *seen, int64_t *last_id)
{
    struct db_stmt *st = NULL;
    enum rc rc =
        db_prepare(db,
                   "SELECT w.id, w.title, w.outcome, w.status, w.latest_version, w.revision, "
                   "w.published_revision, w.updated_at, w.published_at, "
                   "(SELECT COUNT(*) FROM workflow_phases p WHERE p.workflow_id = w.id), "
                   "(SELECT COUNT(*) FROM workflow_steps s WHERE s.workflow_id = w.id) "
                   "FROM workflows w WHERE w.tenant_id = $1 "
                   "AND (CAST($2 AS INTEGER) < 0 "
                   "OR (CAST($2 AS INTEGER) = 0 AND w.status = 'active' AND w.latest_version = 0) "
                   "OR (CAST($2 AS INTEGER) = 1 AND w.status = 'active' AND w.latest_version > 0) "
                   "OR (CAST($2 AS INTEGER) = 2 AND w.status = 'archived')) "
                   "AND (CAST($3 AS TEXT) IS NULL OR lower(w.title) LIKE lower($3) ESCAPE '\\') "
                   "AND (CAST($4 AS BIGINT) = 0 OR w.id < $4) "
                   "ORDER BY w.id DESC LIMIT $5",
                   &st);
    if (rc || (rc = db_bind_int64(st, 1, tenant_id)) || (rc = db_bind_int64(st, 2, status)) ||
        (rc = like ? db_bind_text(st, 3, like, -1) : db_bind_null(st, 3)) ||
        (rc = db_bind_int64(st, 4, before_id)) || (rc = db_bind_int64(st, 5, limit)))
        goto out;
    while ((rc = db_step(st)) == RC_ROW) {
        struct workflow_summary s = {0};
        s.id = db_column_int64(st, 0);
        s.title = db_column_text(st, 1);
        s.outcome = db_column_text(st, 2);
        s.latest_version = (int)db_column_int64(st, 4);
        s.draft_changed = s.latest_version == 0 || db_column_int64(st, 5) != db_column_int64(st, 6);
        s.status = strcmp(db_column_text(st, 3), "archived") == 0 ? WORKFLOW_ARCHIVED
                   : s.latest_version > 0                         ? WORKFLOW_PUBLISHED
                                                                  : WORKFLOW_DRAFT;
        s.updated_at = db_column_int64(st, 7);
        s.published_at = db_column_int64(st, 8);
        s.phase_count = (int)db_column_int64(st, 9);
        s.step_count = (int)db_column_int64(st, 10);
        (*seen)++;
        *last_id = s.id;
        if ((rc = each(arg, &s)))
            goto out;
    }
    rc = rc == RC_DONE ? RC_OK : rc;
out:
    db_reset(st);
    return rc;
}

enum rc workflow_store_phase_insert(struct db *db, int64_t tenant_id, int64_t workflow_id,
                                    int position, const char *name, int64_t *out_id)
{
    return DB_VALUE(db,
                    "INSERT INTO workflow_phases (tenant_id, workflow_id, position, name) "
                    "VALUES ($1, $2, $3, $4) RETURNING id",
                    out_id, DB_INT(tenant_id), DB_INT(workflow_id), DB_INT(position),
                    DB_TEXT(name));
}

enum rc workflow_store_phase_update(struct db *db, int64_t tenant_id, int64_t phase_id,
                                    int position, const char *name)
{
    return DB_RUN(db,
                  "UPDATE workflow_phases SET position = $3, name = $4 "
                  "WHERE tenant_id = $1 AND id = $2",
                  NULL, DB_INT(tenant_id), DB_INT(phase_id), DB_INT(position), DB_TEXT(name));
}

enum rc workflow_store_phase_delete(struct db *db, int64_t tenant_id, int64_t phase_id)
{
    return DB_RUN(db, "DELETE FROM workflow_phases WHERE tenant_id = $1 AND id = $2", NULL,
                  DB_INT(tenant_id), DB_INT(phase_id));
}

enum rc workflow_store_phase_shift(struct db *db, int64_t tenant_id, int64_t workflow_id, int from,
                                   int to, int delta)
{
    return DB_RUN(db,
                  "UPDATE workflow_phases SET position = position + $5 WHERE tenant_id = $1 "
                  "AND workflow_id = $2 AND position >= $3 AND position <= $4",
                  NULL, DB_INT(tenant_id), DB_INT(workflow_id), DB_INT(from), DB_INT(to),
                  DB_INT(delta));
}

enum rc workflow_store_step_insert(struct db *db, int64_t tenant_id, int64_t workflow_id,
                                   const struct workflow_step *s, int64_t now, int64_t *out_id)
{
    return DB_VALUE(
        db,
        "INSERT INTO workflow_steps (tenant_id, workflow_id, phase_id, position, kind, title, "
        "instructions, link_url, release_offset_days, due_offset_days, effort_minutes, "
        "completion, evidence, manager_prompt, created_at, updated_at) VALUES ($1, $2, $3, $4, "
        "$5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $15) RETURNING id",
        out_id, DB_INT(tenant_id), DB_INT(workflow_id), DB_INT(s->phase_id), DB_INT(s->position),
        DB_TEXT(workflow_kind_name(s->kind)), DB_TEXT(s->title),
        DB_TEXT(s->instructions ? s->instructions : ""), DB_TEXT(s->link_url),
        DB_INT(s->release_offset_days), DB_INT(s->due_offset_days), DB_INT(s->effort_minutes),
        DB_TEXT(workflow_completion_name(s->completion)),
        DB_TEXT(workflow_evidence_name(s->evidence)), DB_TEXT(s->manager_prompt), DB_INT(now));
}

enum rc workflow_store_step_update(struct db *db, int64_t tenant_id, const struct workflow_step *s,
                                   int64_t now)
{
    return DB_RUN(db,
                  "UPDATE workflow_steps SET phase_id = $3, position = $4, kind = $5, title = $6, "
                  "instructions = $7, link_url = $8, release_offset_days = $9, "
                  "due_offset_days = $10, effort_minutes = $11, completion = $12, "
                  "evidence = $13, manager_prompt = $14, updated_at = $15 "
                  "WHERE tenant_id = $1 AND id = $2",
                  NULL, DB_INT(tenant_id), DB_INT(s->id), DB_INT(s->phase_id), DB_INT(s->position),
                  DB_TEXT(workflow_kind_name(s->kind)), DB_TEXT(s->title),
                  DB_TEXT(s->instructions ? s->instructions : ""), DB_TEXT(s->link_url),
                  DB_INT(s->release_offset_days), DB_INT(s->due_offset_days),
                  DB_INT(s->effort_minutes), DB_TEXT(workflow_completion_name(s->completion)),
                  DB_TEXT(workflow_evidence_name(s->evidence)), DB_TEXT(s->manager_prompt),
                  DB_INT(now));
}

enum rc workflow_store_step_delete(struct db *db, int64_t tenant_id, int64_t step_id)
{
    return DB_RUN(db, "DELETE FROM workflow_steps WHERE tenant_id = $1 AND id = $2", NULL,
                  DB_INT(tenant_id), DB_INT(step_id));
}

enum rc workflow_store_step_shift(struct db *db, int64_t tenant_id, int64_t phase_id, int from,
                                  int to, int delta)
{
    return DB_RUN(db,
                  "UPDATE workflow_steps SET position = position + $5 WHERE tenant_id = $1 "
                  "AND phase_id = $2 AND position >= $3 AND position <= $4",
                  NULL, DB_INT(tenant_id), DB_INT(phase_id), DB_INT(from), DB_INT(to),
                  DB_INT(delta));
}

enum rc workflow_store_version_insert(struct db *db, const struct workflow *w, int version,
                                      int64_t published_by, int64_t now)
{
    int64_t version_id = 0, *phase_rows = NULL;
    enum rc rc = DB_VALUE(db,
                          "INSERT INTO workflow_versions (tenant_id, workflow_id, version, "
                          "title, outcome, description, pacing, phase_count, step_count, "
                          "published_at, published_by, replan_after_days, max_due_per_day) "
                          "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) "
                          "RETURNING id",
                          &version_id, DB_INT(w->tenant_id), DB_INT(w->id), DB_INT(version),
                          DB_TEXT(w->title), DB_TEXT(w->outcome), DB_TEXT(w->description),
                          DB_TEXT(workflow_pacing_name(w->pacing)), DB_INT((int64_t)w->nphases),
                          DB_INT((int64_t)w->nsteps), DB_INT(now), DB_INT_OR_NULL(published_by),
                          DB_INT(w->replan_after_days), DB_INT(w->max_due_per_day));
    if (rc)
        return rc;
    if (w->nphases && !(phase_rows = calloc(w->nphases, sizeof *phase_rows)))
        return RC_NOMEM;
    for (size_t i = 0; i < w->nphases; i++)
        if ((rc = DB_VALUE(db,
                           "INSERT INTO workflow_version_phases (tenant_id, version_id, "
                           "phase_key, position, name) VALUES ($1, $2, $3, $4, $5) RETURNING id",
                           &phase_rows[i], DB_INT(w->tenant_id), DB_INT(version_id),
                           DB_INT(w->phases[i].id), DB_INT(w->phases[i].position),
                           DB_TEXT(w->phases[i].name))))
            goto out;
    for (size_t i = 0; i < w->nsteps; i++) {
        const struct workflow_step *s = &w->steps[i];
        if (s->phase < 1 || (size_t)s->phase > w->nphases) {
            rc = RC_INTERNAL;
            goto out;
        }
        if ((rc = DB_RUN(
                 db,
                 "INSERT INTO workflow_version_steps (tenant_id, version_id, "
                 "version_phase_id, step_key, position, kind, title, instructions, "
                 "link_url, release_offset_days, due_offset_days, effort_minutes, "
                 "completion, evidence, manager_prompt) VALUES ($1, $2, $3, $4, $5, $6, "
                 "$7, $8, $9, $10, $11, $12, $13, $14, $15)",
                 NULL, DB_INT(w->tenant_id), DB_INT(version_id), DB_INT(phase_rows[s->phase - 1]),
                 DB_INT(s->id), DB_INT(s->position), DB_TEXT(workflow_kind_name(s->kind)),
                 DB_TEXT(s->title), DB_TEXT(s->instructions ? s->instructions : ""),
                 DB_TEXT(s->link_url), DB_INT(s->release_offset_days), DB_INT(s->due_offset_days),
                 DB_INT(s->effort_minutes), DB_TEXT(workflow_completion_name(s->completion)),
                 DB_TEXT(workflow_evidence_name(s->evidence)), DB_TEXT(s->manager_prompt))))
            goto out;
    }
    rc = DB_RUN(db,
                "UPDATE workflows SET latest_version = $3, published_revision = revision, "
                "published_at = $4 WHERE tenant_id = $1 AND id = $2",
                NULL, DB_INT(w->tenant_id), DB_INT(w->id), DB_INT(version), DB_INT(now));
out:
    free(phase_rows);
    return rc;
}

enum rc workflow_store_version_get(struct db *db, int64_t tenant_id, int64_t id, int version,
                                   struct workflow *out)
{
    struct db_stmt *st = NULL;
    int64_t version_id = 0;
    memset(out, 0, sizeof *out);
    enum rc rc = db_prepare(db,
                            "SELECT v.id, v.title, v.outcome, v.description, v.pacing, "
                            "v.published_at, v.published_by, u.name, v.replan_after_days, "
                            "v.max_due_per_day FROM workflow_versions v "
                            "LEFT JOIN users u ON u.id = v.published_by "
                            "WHERE v.tenant_id = $1 AND v.workflow_id = $2 AND v.version = $3",
                            &st);
    if (rc || (rc = db_bind_int64(st, 1, tenant_id)) || (rc = db_bind_int64(st, 2, id)) ||
        (rc = db_bind_int64(st, 3, version)))
        goto out;
    if ((rc = db_step(st)) != RC_ROW) {
        rc = rc == RC_DONE ? RC_NOT_FOUND : rc;
        goto out;
    }
    version_id = db_column_int64(st, 0);
    out->id = id;
    out->tenant_id = tenant_id;
    out->version = version;
    int pacing = workflow_pacing_parse(db_column_text(st, 4));
    out->pacing = pacing < 0 ? WORKFLOW_WORKING_DAYS : (enum workflow_pacing)pacing;
    out->published_at = db_column_int64(st, 5);
    out->published_by = db_column_int64(st, 6);
    out->replan_after_days = (int)db_column_int64(st, 8);
    out->max_due_per_day = (int)db_column_int64(st, 9);
    if ((rc = set_text(&out->title, db_column_text(st, 1))) ||
        (rc = set_text(&out->outcome, db_column_text(st, 2))) ||
        (rc = set_text(&out->description, db_column_text(st, 3))) ||
        (!db_column_is_null(st, 7) &&
         (rc = set_text(&out->published_by_name, db_column_text(st, 7)))))
        goto out;
    db_reset(st);
    st = NULL;
    if ((rc = db_prepare(db,
                         "SELECT phase_key, position, name FROM workflow_version_phases "
                         "WHERE tenant_id = $1 AND version_id = $2 ORDER BY position",
                         &st)) ||
        (rc = db_bind_int64(st, 1, tenant_id)) || (rc = db_bind_int64(st, 2, version_id)) ||
        (rc = load_phases(st, out)))
        goto out;
    db_reset(st);
    st = NULL;
    if ((rc = db_prepare(db,
                         "SELECT s.step_key, p.phase_key, p.position, s.position, s.kind, "
                         "s.title, s.instructions, s.link_url, s.release_offset_days, "
                         "s.due_offset_days, s.effort_minutes, s.completion, s.evidence, "
                         "s.manager_prompt FROM workflow_version_steps s "
                         "JOIN workflow_version_phases p ON p.id = s.version_phase_id "
                         "WHERE s.tenant_id = $1 AND s.version_id = $2 "
                         "ORDER BY p.position, s.position",
                         &st)) ||
        (rc = db_bind_int64(st, 1, tenant_id)) || (rc = db_bind_int64(st, 2, version_id)))
        goto out;
    rc = load_steps(st, out);
out:
    db_reset(st);
    if (rc)
        workflow_free(out);
    return rc;
}

enum rc workflow_store_versions(struct db *db, int64_t tenant_id, int64_t id,
                                workflow_version_fn each, void *arg)
{
    struct db_stmt *st = NULL;
    enum rc rc = db_prepare(db,
                            "SELECT v.version, v.title, v.published_at, v.published_by, u.name, "
                            "v.phase_count, v.step_count FROM workflow_versions v "
                            "LEFT JOIN users u ON u.id = v.published_by "
                            "WHERE v.tenant_id = $1 AND v.workflow_id = $2 "
                            "ORDER BY v.version DESC",
                            &st);
    if (rc || (rc = db_bind_int64(st, 1, tenant_id)) || (rc = db_bind_int64(st, 2, id)))
        goto out;
    while ((rc = db_step(st)) == RC_ROW) {
        struct workflow v = {0};
        v.id = id;
        v.tenant_id = tenant_id;
        v.version = (int)db_column_int64(st, 0);
        v.title = (char *)db_column_text(st, 1);
        v.published_at = db_column_int64(st, 2);
        v.published_by = db_column_int64(st, 3);
        v.published_by_name = db_column_is_null(st, 4) ? NULL : (char *)db_column_text(st, 4);
        v.nphases = (size_t)db_column_int64(st, 5);
        v.nsteps = (size_t)db_column_int64(st, 6);
        if ((rc = each(arg, &v)))
            goto out;
    }
    rc = rc == RC_DONE ? RC_OK : rc;
out:
    db_reset(st);
    return rc;
}
