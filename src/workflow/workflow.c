/*
 * workflow.c — the rules of workflow design (see workflow.h): who may edit, what an
 * archived workflow or a published version refuses, how positions stay contiguous, and
 * publishing.
 *
 * Every operation loads the draft whole (three statements), decides on the loaded
 * values, then writes the few rows that change and bumps the draft's revision. Loading
 * whole keeps the rules plain C over plain values (a 500-step draft is a few hundred
 * microseconds to read), and the caller's write transaction makes the read-decide-write
 * sequence atomic: SQLite serialises writers, PostgreSQL transactions of the router are
 * retried on serialisation failure.
 *
 * An operation that changes nothing (a PATCH repeating current values) writes nothing and
 * leaves the revision alone, so "unpublished changes" means real changes.
 */
#include "workflow.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/audit.h"
#include "core/buf.h"
#include "core/jsonx.h"
#include "core/query.h"
#include "people/authz.h"
#include "workflow_store.h"

static enum rc not_found(struct ctx *cx)
{
    return ctx_fail(cx, RC_NOT_FOUND, NULL, "There is no such workflow.");
}

static enum rc check_permission(struct ctx *cx)
{
    if (!authz_can_design_workflows(cx))
        return ctx_fail(cx, RC_FORBIDDEN, NULL,
                        "Only designers and administrators may design workflows.");
    return RC_OK;
}

enum { LOAD_PARTS = 1, LOAD_LOCK = 2 };

/* Loads draft id (with its phases and steps with LOAD_PARTS) after the permission
 * check. LOAD_LOCK first takes the workflow's row lock for the rest of the transaction,
 * so two edits of one workflow on PostgreSQL (READ COMMITTED) run one after the other
 * and each decides on what the other wrote; SQLite's write transaction already holds
 * the only write lock. With LOAD_LOCK, a cx->if_match other than the draft's revision
 * is RC_PRECONDITION: the client edited a state someone else has since changed. */
static enum rc load(struct ctx *cx, int64_t id, int how, struct workflow *w)
{
    enum rc rc = check_permission(cx);
    if (rc)
        return rc;
    if ((how & LOAD_LOCK) && (rc = workflow_store_lock(cx->db, cx->actor.tenant_id, id)))
        return rc == RC_NOT_FOUND ? not_found(cx) : rc;
    int parts = how & LOAD_PARTS;
    if ((rc = workflow_store_get(cx->db, cx->actor.tenant_id, id, w)))
        return rc == RC_NOT_FOUND ? not_found(cx) : rc;
    if ((how & LOAD_LOCK) && cx->if_match && cx->if_match != w->revision) {
        rc = ctx_fail_code(cx, RC_PRECONDITION, "precondition_failed",
                           "This workflow was changed by someone else since you loaded it "
                           "(revision %lld, you had %lld). Reload it and make your change again.",
                           (long long)w->revision, (long long)cx->if_match);
        workflow_free(w);
        return rc;
    }
    if (parts && (rc = workflow_store_load_parts(cx->db, cx->actor.tenant_id, w)))
        workflow_free(w);
    return rc;
}

static enum rc editable(struct ctx *cx, const struct workflow *w)
{
    if (w->status == WORKFLOW_ARCHIVED)
        return ctx_fail_code(cx, RC_CONFLICT, "workflow_archived",
                             "This workflow is archived: restore it before changing it.");
    return RC_OK;
}

static enum rc touch(struct ctx *cx, int64_t id)
{
    return workflow_store_touch(cx->db, cx->actor.tenant_id, id, cx->now);
}

static enum rc replace(char **slot, const char *s)
{
    char *copy = s ? strdup(s) : NULL;
    if (s && !copy)
        return RC_NOMEM;
    free(*slot);
    *slot = copy;
    return RC_OK;
}

static int same(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

/* ---- drafts ----------------------------------------------------------------------- */

/* Inserts w (checked) as a new draft with its phases and steps; audits action. */
static enum rc create_from(struct ctx *cx, struct workflow *w, const char *action, json_t *changes,
                           int64_t *out_id)
{
    int64_t *phase_ids = NULL;
    enum rc rc = check_permission(cx);
    if (rc || (rc = workflow_check(cx, w, 0)))
        goto out;
    w->tenant_id = cx->actor.tenant_id;
    if ((rc = workflow_store_insert(cx->db, w, cx->actor.user_id, cx->now)))
        goto out;
    if (w->nphases && !(phase_ids = calloc(w->nphases, sizeof *phase_ids))) {
        rc = RC_NOMEM;
        goto out;
    }
    for (size_t i = 0; i < w->nphases; i++)
        if ((rc = workflow_store_phase_insert(cx->db, cx->actor.tenant_id, w->id, (int)i + 1,
                                              w->phases[i].name, &phase_ids[i])))
            goto out;
    for (size_t i = 0; i < w->nsteps; i++) {
        struct workflow_step s = w->steps[i];
        int64_t step_id;
        if (s.phase < 1 || (size_t)s.phase > w->nphases) {
            rc = RC_INTERNAL;
            goto out;
        }
        s.phase_id = phase_ids[s.phase - 1];
        if ((rc = workflow_store_step_insert(cx->db, cx->actor.tenant_id, w->id, &s, cx->now,
                                             &step_id)))
            goto out;
    }
    if (!changes)
        changes = json_object();
    json_object_set_new(changes, "title", json_string(w->title));
    json_object_set_new(changes, "phases", json_integer((json_int_t)w->nphases));
    json_object_set_new(changes, "steps", json_integer((json_int_t)w->nsteps));
    rc = audit_record(cx, action, "workflow", w->id, changes);
    changes = NULL;
    if (!rc)
        *out_id = w->id;
out:
    json_decref(changes);
    free(phase_ids);
    return rc;
}

enum rc workflow_create(struct ctx *cx, const struct workflow_change *ch, int64_t *out_id)
{
    struct workflow w;
    memset(&w, 0, sizeof w);
    enum rc rc = check_permission(cx);
    if (rc)
        return rc;
    if (!(ch->set & WORKFLOW_F_WF_TITLE) || !ch->title)
        return ctx_fail(cx, RC_INVALID, "title", "is required");
    if ((rc = replace(&w.title, ch->title)) ||
        (rc = replace(&w.outcome, ch->set & WORKFLOW_F_WF_OUTCOME ? ch->outcome : "")) ||
        (rc = replace(&w.description, ch->set & WORKFLOW_F_WF_DESCRIPTION ? ch->description : "")))
        goto out;
    w.pacing = ch->set & WORKFLOW_F_WF_PACING ? ch->pacing : WORKFLOW_WORKING_DAYS;
    w.replan_after_days = ch->set & WORKFLOW_F_WF_REPLAN_AFTER ? ch->replan_after_days
                                                               : WORKFLOW_REPLAN_AFTER_DEFAULT;
    w.max_due_per_day =
        ch->set & WORKFLOW_F_WF_MAX_DUE ? ch->max_due_per_day : WORKFLOW_MAX_DUE_DEFAULT;
    rc = create_from(cx, &w, "workflow.create", NULL, out_id);
out:
    workflow_free(&w);
    return rc;
}

enum rc workflow_create_from(struct ctx *cx, const struct workflow *w, const char *action,
                             int64_t *out_id)
{
    struct workflow copy = *w;
    enum rc rc = create_from(cx, &copy, action, NULL, out_id);
    return rc;
}

enum rc workflow_get(struct ctx *cx, int64_t id, struct workflow *out)
{
    return load(cx, id, LOAD_PARTS, out);
}

enum rc workflow_update(struct ctx *cx, int64_t id, const struct workflow_change *ch)
{
    struct workflow w;
    json_t *changes = NULL;
    enum rc rc = load(cx, id, LOAD_LOCK, &w);
    if (rc)
        return rc;
    if ((rc = editable(cx, &w)) || !(changes = json_object())) {
        rc = rc ? rc : RC_NOMEM;
        goto out;
    }
    if ((ch->set & WORKFLOW_F_WF_TITLE) && !same(w.title, ch->title)) {
        json_object_set_new(changes, "title", json_string(ch->title));
        if ((rc = replace(&w.title, ch->title)))
            goto out;
    }
    if ((ch->set & WORKFLOW_F_WF_OUTCOME) && !same(w.outcome, ch->outcome)) {
        json_object_set_new(changes, "outcome", json_true());
        if ((rc = replace(&w.outcome, ch->outcome ? ch->outcome : "")))
            goto out;
    }
    if ((ch->set & WORKFLOW_F_WF_DESCRIPTION) && !same(w.description, ch->description)) {
        json_object_set_new(changes, "description", json_true());
        if ((rc = replace(&w.description, ch->description ? ch->description : "")))
            goto out;
    }
    if ((ch->set & WORKFLOW_F_WF_PACING) && w.pacing != ch->pacing) {
        json_object_set_new(changes, "pacing", json_string(workflow_pacing_name(ch->pacing)));
        w.pacing = ch->pacing;
    }
    if ((ch->set & WORKFLOW_F_WF_REPLAN_AFTER) && w.replan_after_days != ch->replan_after_days) {
        json_object_set_new(changes, "replan_after_days", json_integer(ch->replan_after_days));
        w.replan_after_days = ch->replan_after_days;
    }
    if ((ch->set & WORKFLOW_F_WF_MAX_DUE) && w.max_due_per_day != ch->max_due_per_day) {
        json_object_set_new(changes, "max_due_per_day", json_integer(ch->max_due_per_day));
        w.max_due_per_day = ch->max_due_per_day;
    }
    if (!w.title)
        ctx_fail(cx, RC_INVALID, "title", "is required");
    if ((rc = workflow_check(cx, &w, 0)) || json_object_size(changes) == 0)
        goto out;
    if ((rc = workflow_store_update(cx->db, &w, cx->now)))
        goto out;
    rc = audit_record(cx, "workflow.update", "workflow", id, changes);
    changes = NULL;
out:
    json_decref(changes);
    workflow_free(&w);
    return rc;
}

enum rc workflow_delete(struct ctx *cx, int64_t id)
{
    struct workflow w;
    enum rc rc = load(cx, id, LOAD_LOCK, &w);
    if (rc)
        return rc;
    if (w.latest_version > 0) {
        rc = ctx_fail_code(cx, RC_CONFLICT, "workflow_published",
                           "This workflow has published versions and cannot be deleted; "
                           "archive it instead.");
        goto out;
    }
    if (!(rc = workflow_store_delete(cx->db, cx->actor.tenant_id, id)))
        rc = audit_record(cx, "workflow.delete", "workflow", id,
                          json_pack("{s:s}", "title", w.title));
out:
    workflow_free(&w);
    return rc;
}

/* "Copy of " + title, cut to WORKFLOW_TITLE_MAX characters at a character boundary. */
static enum rc copy_title(const char *title, char **out)
{
    struct buf b;
    buf_init(&b, 4 * WORKFLOW_TITLE_MAX + 16);
    buf_add(&b, "Copy of ");
    size_t chars = 8;
    for (const unsigned char *p = (const unsigned char *)title; *p; chars++) {
        size_t n = *p < 0x80 ? 1 : *p < 0xe0 ? 2 : *p < 0xf0 ? 3 : 4;
        if (chars >= WORKFLOW_TITLE_MAX)
            break;
        buf_addn(&b, (const char *)p, n);
        p += n;
    }
    enum rc rc = buf_failed(&b);
    if (!rc && !(*out = strdup(b.data)))
        rc = RC_NOMEM;
    buf_free(&b);
    return rc;
}

enum rc workflow_duplicate(struct ctx *cx, int64_t id, const char *title, int64_t *out_id)
{
    struct workflow w;
    enum rc rc = load(cx, id, LOAD_PARTS, &w);
    if (rc)
        return rc;
    char *new_title = NULL;
    if ((rc = title ? replace(&new_title, title) : copy_title(w.title, &new_title)))
        goto out;
    free(w.title);
    w.title = new_title;
    rc = create_from(cx, &w, "workflow.duplicate", json_pack("{s:I}", "from", (json_int_t)id),
                     out_id);
out:
    workflow_free(&w);
    return rc;
}

static enum rc set_archived(struct ctx *cx, int64_t id, int archive)
{
    struct workflow w;
    enum rc rc = load(cx, id, LOAD_LOCK, &w);
    if (rc)
        return rc;
    if (archive == (w.status == WORKFLOW_ARCHIVED))
        rc = ctx_fail_code(cx, RC_CONFLICT, archive ? "workflow_archived" : "workflow_active",
                           archive ? "This workflow is already archived."
                                   : "This workflow is not archived.");
    else if (!(rc = workflow_store_set_archived(cx->db, cx->actor.tenant_id, id,
                                                archive ? cx->now : 0, cx->now)))
        rc = audit_record(cx, archive ? "workflow.archive" : "workflow.restore", "workflow", id,
                          NULL);
    workflow_free(&w);
    return rc;
}

enum rc workflow_archive(struct ctx *cx, int64_t id)
{
    return set_archived(cx, id, 1);
}

enum rc workflow_restore(struct ctx *cx, int64_t id)
{
    return set_archived(cx, id, 0);
}

enum rc workflow_list(struct ctx *cx, int status, const char *q, int64_t before_id, int limit,
                      workflow_each_fn each, void *arg, int64_t *next_before)
{
    struct buf like;
    int seen = 0;
    int64_t last = 0;
    enum rc rc = check_permission(cx);
    if (rc)
        return rc;
    buf_init(&like, 4096);
    if (q && q[0] && (rc = query_like_contains(q, &like)))
        goto out;
    rc = workflow_store_list(cx->db, cx->actor.tenant_id, status, q && q[0] ? like.data : NULL,
                             before_id, limit, each, arg, &seen, &last);
    *next_before = !rc && seen == limit ? last : 0;
out:
    buf_free(&like);
    return rc;
}

/* ---- phases ----------------------------------------------------------------------- */

static struct workflow_phase *find_phase(struct workflow *w, int64_t phase_id)
{
    for (size_t i = 0; i < w->nphases; i++)
        if (w->phases[i].id == phase_id)
            return &w->phases[i];
    return NULL;
}

static int steps_in_phase(const struct workflow *w, int phase_position)
{
    int n = 0;
    for (size_t i = 0; i < w->nsteps; i++)
        n += w->steps[i].phase == phase_position;
    return n;
}

static enum rc phase_not_found(struct ctx *cx)
{
    return ctx_fail(cx, RC_NOT_FOUND, NULL, "There is no such phase in this workflow.");
}

enum rc workflow_phase_add(struct ctx *cx, int64_t workflow_id, const char *name, int position,
                           struct workflow_phase *out)
{
    struct workflow w;
    enum rc rc = load(cx, workflow_id, LOAD_PARTS | LOAD_LOCK, &w);
    if (rc)
        return rc;
    int n = (int)w.nphases;
    if ((rc = editable(cx, &w)))
        goto out;
    if (n >= WORKFLOW_PHASES_MAX)
        ctx_fail(cx, RC_INVALID, "phases", "a workflow has at most %d phases", WORKFLOW_PHASES_MAX);
    if (!name)
        ctx_fail(cx, RC_INVALID, "name", "is required");
    else
        jsonx_check_name(cx, "name", name, WORKFLOW_PHASE_NAME_MAX);
    if (position == 0)
        position = n + 1;
    else if (position < 1 || position > n + 1)
        ctx_fail(cx, RC_INVALID, "position", "must be between 1 and %d", n + 1);
    if (cx->rc == RC_INVALID) {
        rc = RC_INVALID;
        goto out;
    }
    int64_t id;
    if ((rc = workflow_store_phase_shift(cx->db, cx->actor.tenant_id, workflow_id, position, n,
                                         1)) ||
        (rc = workflow_store_phase_insert(cx->db, cx->actor.tenant_id, workflow_id, position, name,
                                          &id)) ||
        (rc = touch(cx, workflow_id)))
        goto out;
    if (!(out->name = strdup(name))) {
        rc = RC_NOMEM;
        goto out;
    }
    out->id = id;
    out->position = position;
    rc = audit_record(cx, "workflow.phase.create", "workflow", workflow_id,
                      json_pack("{s:I, s:s}", "phase_id", (json_int_t)id, "name", name));
out:
    workflow_free(&w);
    return rc;
}

enum rc workflow_phase_update(struct ctx *cx, int64_t workflow_id, int64_t phase_id,
                              const char *name, int position, struct workflow_phase *out)
{
    struct workflow w;
    enum rc rc = load(cx, workflow_id, LOAD_PARTS | LOAD_LOCK, &w);
    if (rc)
        return rc;
    struct workflow_phase *p = find_phase(&w, phase_id);
    int n = (int)w.nphases;
    if (!p) {
        rc = phase_not_found(cx);
        goto out;
    }
    if ((rc = editable(cx, &w)))
        goto out;
    if (name)
        jsonx_check_name(cx, "name", name, WORKFLOW_PHASE_NAME_MAX);
    if (position != 0 && (position < 1 || position > n))
        ctx_fail(cx, RC_INVALID, "position", "must be between 1 and %d", n);
    if (cx->rc == RC_INVALID) {
        rc = RC_INVALID;
        goto out;
    }
    int from = p->position, to = position ? position : from;
    const char *new_name = name ? name : p->name;
    if (to != from || !same(new_name, p->name)) {
        if (to < from)
            rc = workflow_store_phase_shift(cx->db, cx->actor.tenant_id, workflow_id, to, from - 1,
                                            1);
        else if (to > from)
            rc = workflow_store_phase_shift(cx->db, cx->actor.tenant_id, workflow_id, from + 1, to,
                                            -1);
        if (rc ||
            (rc = workflow_store_phase_update(cx->db, cx->actor.tenant_id, phase_id, to,
                                              new_name)) ||
            (rc = touch(cx, workflow_id)) ||
            (rc = audit_record(cx, "workflow.phase.update", "workflow", workflow_id,
                               json_pack("{s:I, s:s, s:i}", "phase_id", (json_int_t)phase_id,
                                         "name", new_name, "position", to))))
            goto out;
    }
    if (!(out->name = strdup(new_name))) {
        rc = RC_NOMEM;
        goto out;
    }
    out->id = phase_id;
    out->position = to;
out:
    workflow_free(&w);
    return rc;
}

enum rc workflow_phase_delete(struct ctx *cx, int64_t workflow_id, int64_t phase_id)
{
    struct workflow w;
    enum rc rc = load(cx, workflow_id, LOAD_PARTS | LOAD_LOCK, &w);
    if (rc)
        return rc;
    struct workflow_phase *p = find_phase(&w, phase_id);
    if (!p) {
        rc = phase_not_found(cx);
        goto out;
    }
    if ((rc = editable(cx, &w)))
        goto out;
    int k = steps_in_phase(&w, p->position);
    if (k > 0) {
        rc = ctx_fail_code(cx, RC_CONFLICT, "phase_not_empty",
                           "Phase \"%s\" still has %d step%s: move or delete them first.", p->name,
                           k, k == 1 ? "" : "s");
        goto out;
    }
    if (!(rc = workflow_store_phase_delete(cx->db, cx->actor.tenant_id, phase_id)) &&
        !(rc = workflow_store_phase_shift(cx->db, cx->actor.tenant_id, workflow_id, p->position + 1,
                                          (int)w.nphases, -1)) &&
        !(rc = touch(cx, workflow_id)))
        rc = audit_record(
            cx, "workflow.phase.delete", "workflow", workflow_id,
            json_pack("{s:I, s:s}", "phase_id", (json_int_t)phase_id, "name", p->name));
out:
    workflow_free(&w);
    return rc;
}

/* ---- steps ------------------------------------------------------------------------ */

/* The phase s names (by phase_id, else by 1-based phase), or NULL after reporting. */
static struct workflow_phase *target_phase(struct ctx *cx, struct workflow *w,
                                           const struct workflow_step *s)
{
    struct workflow_phase *p = NULL;
    if (s->phase_id)
        p = find_phase(w, s->phase_id);
    else if (s->phase >= 1 && (size_t)s->phase <= w->nphases)
        p = &w->phases[s->phase - 1];
    if (!p && w->nphases == 0)
        ctx_fail(cx, RC_INVALID, s->phase_id ? "phase_id" : "phase",
                 "this workflow has no phases yet: add a phase first");
    else if (!p)
        ctx_fail(cx, RC_INVALID, s->phase_id ? "phase_id" : "phase",
                 s->phase_id ? "must be the id of one of this workflow's phases"
                             : "must be between 1 and %zu",
                 w->nphases);
    return p;
}

static struct workflow_step *find_step(struct workflow *w, int64_t step_id)
{
    for (size_t i = 0; i < w->nsteps; i++)
        if (w->steps[i].id == step_id)
            return &w->steps[i];
    return NULL;
}

enum rc workflow_step_add(struct ctx *cx, int64_t workflow_id, const struct workflow_step *s,
                          struct workflow_step *out)
{
    struct workflow w;
    struct workflow_step n;
    memset(&n, 0, sizeof n);
    enum rc rc = load(cx, workflow_id, LOAD_PARTS | LOAD_LOCK, &w);
    if (rc)
        return rc;
    if ((rc = editable(cx, &w)) || (rc = workflow_step_copy(s, &n)))
        goto out;
    if (w.nsteps >= WORKFLOW_STEPS_MAX)
        ctx_fail(cx, RC_INVALID, "steps", "a workflow has at most %d steps", WORKFLOW_STEPS_MAX);
    struct workflow_phase *p = NULL;
    if (!s->phase_id && !s->phase) {
        if (!ctx_has_detail(cx, "phase") && !ctx_has_detail(cx, "phase_id"))
            ctx_fail(cx, RC_INVALID, "phase_id",
                     "is required: say which phase the step belongs to");
    } else {
        p = target_phase(cx, &w, s);
    }
    int k = p ? steps_in_phase(&w, p->position) : 0;
    if (p && s->position == 0)
        n.position = k + 1;
    else if (p && (s->position < 1 || s->position > k + 1))
        ctx_fail(cx, RC_INVALID, "position", "must be between 1 and %d", k + 1);
    workflow_check_step(cx, "", &n);
    if (cx->rc == RC_INVALID) {
        rc = RC_INVALID;
        goto out;
    }
    n.phase_id = p->id;
    n.phase = p->position;
    if ((rc = workflow_store_step_shift(cx->db, cx->actor.tenant_id, p->id, n.position, k, 1)) ||
        (rc = workflow_store_step_insert(cx->db, cx->actor.tenant_id, workflow_id, &n, cx->now,
                                         &n.id)) ||
        (rc = touch(cx, workflow_id)) ||
        (rc = audit_record(cx, "workflow.step.create", "workflow", workflow_id,
                           json_pack("{s:I, s:s}", "step_id", (json_int_t)n.id, "title", n.title))))
        goto out;
    n.updated_at = cx->now;
    *out = n;
    memset(&n, 0, sizeof n);
out:
    workflow_step_clear(&n);
    workflow_free(&w);
    return rc;
}

/* Applies the fields of src flagged in set to dst (strings copied); names the changed
 * ones in changes. */
static enum rc apply_step(struct workflow_step *dst, const struct workflow_step *src, unsigned set,
                          json_t *changes)
{
#define CHANGED(name) json_array_append_new(changes, json_string(name))
    enum rc rc = RC_OK;
    if ((set & WORKFLOW_F_KIND) && dst->kind != src->kind) {
        dst->kind = src->kind;
        CHANGED("kind");
    }
    if ((set & WORKFLOW_F_TITLE) && !same(dst->title, src->title)) {
        rc = rc ? rc : replace(&dst->title, src->title);
        CHANGED("title");
    }
    if ((set & WORKFLOW_F_INSTRUCTIONS) && !same(dst->instructions, src->instructions)) {
        rc = rc ? rc : replace(&dst->instructions, src->instructions ? src->instructions : "");
        CHANGED("instructions");
    }
    if ((set & WORKFLOW_F_LINK_URL) && !same(dst->link_url, src->link_url)) {
        rc = rc ? rc : replace(&dst->link_url, src->link_url);
        CHANGED("link_url");
    }
    if ((set & WORKFLOW_F_PROMPT) && !same(dst->manager_prompt, src->manager_prompt)) {
        rc = rc ? rc : replace(&dst->manager_prompt, src->manager_prompt);
        CHANGED("manager_prompt");
    }
    if ((set & WORKFLOW_F_RELEASE) && dst->release_offset_days != src->release_offset_days) {
        dst->release_offset_days = src->release_offset_days;
        CHANGED("release_offset_days");
    }
    if ((set & WORKFLOW_F_DUE) && dst->due_offset_days != src->due_offset_days) {
        dst->due_offset_days = src->due_offset_days;
        CHANGED("due_offset_days");
    }
    if ((set & WORKFLOW_F_EFFORT) && dst->effort_minutes != src->effort_minutes) {
        dst->effort_minutes = src->effort_minutes;
        CHANGED("effort_minutes");
    }
    if ((set & WORKFLOW_F_COMPLETION) && dst->completion != src->completion) {
        dst->completion = src->completion;
        CHANGED("completion");
    }
    if ((set & WORKFLOW_F_EVIDENCE) && dst->evidence != src->evidence) {
        dst->evidence = src->evidence;
        CHANGED("evidence");
    }
#undef CHANGED
    return rc;
}

enum rc workflow_step_update(struct ctx *cx, int64_t workflow_id, int64_t step_id,
                             const struct workflow_step *s, unsigned set, struct workflow_step *out)
{
    struct workflow w;
    struct workflow_step n;
    json_t *changes = NULL;
    memset(&n, 0, sizeof n);
    enum rc rc = load(cx, workflow_id, LOAD_PARTS | LOAD_LOCK, &w);
    if (rc)
        return rc;
    struct workflow_step *cur = find_step(&w, step_id);
    if (!cur) {
        rc = ctx_fail(cx, RC_NOT_FOUND, NULL, "There is no such step in this workflow.");
        goto out;
    }
    if ((rc = editable(cx, &w)) || (rc = workflow_step_copy(cur, &n)))
        goto out;
    if (!(changes = json_array()) || (rc = apply_step(&n, s, set, changes))) {
        rc = rc ? rc : RC_NOMEM;
        goto out;
    }
    struct workflow_phase *from = &w.phases[cur->phase - 1], *to = from;
    if (set & WORKFLOW_F_PHASE)
        to = target_phase(cx, &w, s);
    int k_to = to ? steps_in_phase(&w, to->position) : 0;
    int limit = to == from ? k_to : k_to + 1;
    if (to && (set & WORKFLOW_F_POSITION)) {
        if (s->position < 1 || s->position > limit)
            ctx_fail(cx, RC_INVALID, "position", "must be between 1 and %d", limit);
        else
            n.position = s->position;
    } else if (to && to != from) {
        n.position = limit; /* moved to another phase without a position: at its end */
    }
    workflow_check_step(cx, "", &n);
    if (cx->rc == RC_INVALID) {
        rc = RC_INVALID;
        goto out;
    }
    if (to != from || n.position != cur->position)
        json_array_append_new(changes, json_string(to != from ? "phase" : "position"));
    n.phase_id = to->id;
    n.phase = to->position;
    if (json_array_size(changes) == 0)
        goto done; /* nothing changed: nothing written, the revision stays */
    int64_t tenant = cx->actor.tenant_id;
    if (to == from && n.position < cur->position)
        rc = workflow_store_step_shift(cx->db, tenant, from->id, n.position, cur->position - 1, 1);
    else if (to == from && n.position > cur->position)
        rc = workflow_store_step_shift(cx->db, tenant, from->id, cur->position + 1, n.position, -1);
    else if (to != from &&
             !(rc = workflow_store_step_shift(cx->db, tenant, from->id, cur->position + 1,
                                              steps_in_phase(&w, from->position), -1)))
        rc = workflow_store_step_shift(cx->db, tenant, to->id, n.position, k_to, 1);
    if (rc || (rc = workflow_store_step_update(cx->db, tenant, &n, cx->now)) ||
        (rc = touch(cx, workflow_id)))
        goto out;
    n.updated_at = cx->now;
    rc = audit_record(cx, "workflow.step.update", "workflow", workflow_id,
                      json_pack("{s:I, s:O}", "step_id", (json_int_t)step_id, "fields", changes));
    if (rc)
        goto out;
done:
    *out = n;
    memset(&n, 0, sizeof n);
out:
    json_decref(changes);
    workflow_step_clear(&n);
    workflow_free(&w);
    return rc;
}

enum rc workflow_step_delete(struct ctx *cx, int64_t workflow_id, int64_t step_id)
{
    struct workflow w;
    enum rc rc = load(cx, workflow_id, LOAD_PARTS | LOAD_LOCK, &w);
    if (rc)
        return rc;
    struct workflow_step *cur = find_step(&w, step_id);
    if (!cur) {
        rc = ctx_fail(cx, RC_NOT_FOUND, NULL, "There is no such step in this workflow.");
        goto out;
    }
    if ((rc = editable(cx, &w)))
        goto out;
    if (!(rc = workflow_store_step_delete(cx->db, cx->actor.tenant_id, step_id)) &&
        !(rc = workflow_store_step_shift(cx->db, cx->actor.tenant_id, cur->phase_id,
                                         cur->position + 1, steps_in_phase(&w, cur->phase), -1)) &&
        !(rc = touch(cx, workflow_id)))
        rc = audit_record(
            cx, "workflow.step.delete", "workflow", workflow_id,
            json_pack("{s:I, s:s}", "step_id", (json_int_t)step_id, "title", cur->title));
out:
    workflow_free(&w);
    return rc;
}

/* ---- versions --------------------------------------------------------------------- */

enum rc workflow_publish(struct ctx *cx, int64_t id, int *out_version)
{
    struct workflow w;
    enum rc rc = load(cx, id, LOAD_PARTS | LOAD_LOCK, &w);
    if (rc)
        return rc;
    if ((rc = editable(cx, &w)))
        goto out;
    if (w.latest_version > 0 && !w.draft_changed) {
        rc = ctx_fail_code(cx, RC_CONFLICT, "no_changes",
                           "Nothing has changed since version %d: edit the draft first.",
                           w.latest_version);
        goto out;
    }
    if ((rc = workflow_check(cx, &w, 1)))
        goto out;
    int version = w.latest_version + 1;
    if ((rc = workflow_store_version_insert(cx->db, &w, version, cx->actor.user_id, cx->now)) ||
        (rc = audit_record(cx, "workflow.publish", "workflow", id,
                           json_pack("{s:i, s:i}", "version", version, "steps", (int)w.nsteps))))
        goto out;
    *out_version = version;
out:
    workflow_free(&w);
    return rc;
}

/* Checks permission and that workflow id exists in the tenant. */
static enum rc exists(struct ctx *cx, int64_t id)
{
    struct workflow w;
    enum rc rc = load(cx, id, 0, &w);
    workflow_free(&w);
    return rc;
}

enum rc workflow_version_get(struct ctx *cx, int64_t id, int version, struct workflow *out)
{
    enum rc rc = exists(cx, id);
    if (rc)
        return rc;
    if (version < 1 || (rc = workflow_store_version_get(cx->db, cx->actor.tenant_id, id, version,
                                                        out)) == RC_NOT_FOUND)
        return ctx_fail(cx, RC_NOT_FOUND, NULL, "There is no version %d of this workflow.",
                        version);
    return rc;
}

enum rc workflow_versions(struct ctx *cx, int64_t id, workflow_version_fn each, void *arg)
{
    enum rc rc = exists(cx, id);
    if (rc)
        return rc;
    return workflow_store_versions(cx->db, cx->actor.tenant_id, id, each, arg);
}

enum rc workflow_version_change(struct ctx *cx, int64_t id, int version)
{
    struct workflow v;
    enum rc rc = workflow_version_get(cx, id, version, &v);
    if (rc)
        return rc;
    workflow_free(&v);
    return ctx_fail_code(cx, RC_CONFLICT, "version_immutable",
                         "Version %d is published and never changes. Edit the draft and "
                         "publish it as a new version.",
                         version);
}

enum rc workflow_tenant_of(struct ctx *cx, int64_t id, int64_t *tenant_id)
{
    enum rc rc = workflow_store_tenant_of(cx->db, id, tenant_id);
    return rc == RC_NOT_FOUND ? not_found(cx) : rc;
}

/* ---- templates -------------------------------------------------------------------- */

enum rc workflow_template_load(struct ctx *cx, const char *key, struct workflow *out)
{
    memset(out, 0, sizeof *out);
    for (size_t i = 0; key && i < WORKFLOW_TEMPLATES_COUNT; i++) {
        if (strcmp(WORKFLOW_TEMPLATES[i].key, key) != 0)
            continue;
        json_error_t err;
        json_t *doc = json_loads(WORKFLOW_TEMPLATES[i].json, JSON_REJECT_DUPLICATES, &err);
        struct ctx scratch;
        ctx_init(&scratch);
        enum rc rc = doc ? workflow_doc_read(&scratch, doc, out) : RC_INTERNAL;
        json_decref(doc);
        ctx_clear(&scratch);
        if (rc == RC_INVALID || rc == RC_INTERNAL) {
            /* A shipped template that does not read is a bug in the build, not the user's. */
            workflow_free(out);
            return ctx_fail(cx, RC_INTERNAL, NULL, "The template \"%s\" is damaged.", key);
        }
        return rc;
    }
    return ctx_fail(cx, RC_NOT_FOUND, NULL, "There is no template \"%s\".", key ? key : "");
}

enum rc workflow_create_from_template(struct ctx *cx, const char *key, const char *title,
                                      int64_t *out_id)
{
    struct workflow w;
    enum rc rc = check_permission(cx);
    if (rc || (rc = workflow_template_load(cx, key, &w)))
        return rc;
    if (title && (rc = replace(&w.title, title)))
        goto out;
    rc = create_from(cx, &w, "workflow.create", json_pack("{s:s}", "template", key), out_id);
out:
    workflow_free(&w);
    return rc;
}
