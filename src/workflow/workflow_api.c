/*
 * workflow_api.c — JSON ⇄ workflow.h for the routes listed in workflow_api.h.
 *
 * Bodies are read strictly (unknown fields are 422) with the same step reader the
 * document import uses, so a step means the same thing whichever way it arrives. Every
 * change answers with the stored result (the step, the phase, or the whole draft), so a
 * client never has to guess what positions became.
 */
#include "workflow_api.h"

#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/jsonw.h"
#include "core/jsonx.h"
#include "core/query.h"
#include "workflow.h"
#include "workflow_diff.h"

/* The workflow id of the path (params[0]) also brings the request's If-Match. */
static enum rc path_id(struct ctx *cx, const struct req *rq, int i, const char *what, int64_t *out)
{
    enum rc rc = query_path_id(cx, rq, i, what, out);
    if (rc || i != 0)
        return rc;
    return query_if_match(cx, rq, "the workflow, like \"12\" (its revision)");
}

/* A version number from the path or a query parameter: 1..INT32_MAX, else 0. */
static int version_number(const char *s)
{
    int64_t n = query_id(s);
    return n > 0 && n <= 2147483647 ? (int)n : 0;
}

/* Writes a draft or version as the answer. */
static enum rc render(const struct workflow *w, int status, struct resp *rs)
{
    struct jsonw j;
    jsonw_init(&j, resp_json_body(rs, status));
    workflow_write(w, &j);
    return buf_failed(&rs->body);
}

static enum rc render_step(const struct workflow_step *s, int status, struct resp *rs)
{
    struct jsonw j;
    jsonw_init(&j, resp_json_body(rs, status));
    workflow_step_write(s, &j);
    return buf_failed(&rs->body);
}

/* Renders draft id as the answer (status 200 or 201). */
static enum rc render_draft(struct ctx *cx, int64_t id, int status, struct resp *rs)
{
    struct workflow w;
    enum rc rc = workflow_get(cx, id, &w);
    if (rc)
        return rc;
    rc = render(&w, status, rs);
    if (!rc)
        rc = resp_header(rs, "ETag", "\"%lld\"", (long long)w.revision);
    workflow_free(&w);
    return rc;
}

/* ---- drafts ----------------------------------------------------------------------- */

static enum rc add_summary(void *arg, const struct workflow_summary *s)
{
    json_t *j = json_pack("{s:I, s:s, s:s, s:s, s:i, s:b, s:i, s:i, s:o, s:o}", "id",
                          (json_int_t)s->id, "title", s->title, "outcome", s->outcome, "status",
                          workflow_status_name(s->status), "latest_version", s->latest_version,
                          "draft_changed", s->draft_changed, "phase_count", s->phase_count,
                          "step_count", s->step_count, "updated_at", jsonx_instant(s->updated_at),
                          "published_at", jsonx_instant_or_null(s->published_at));
    if (!j || json_array_append_new(arg, j))
        return RC_NOMEM;
    return RC_OK;
}

enum rc workflow_api_list(struct ctx *cx, const struct req *rq, struct resp *rs)
{
    int limit, status = -1;
    int64_t before, next = 0;
    enum rc rc = query_paging(cx, rq, &limit, &before);
    if (rc)
        return rc;
    const char *st = rq->query(rq, "status"), *q = rq->query(rq, "q");
    if (st && st[0]) {
        if (strcmp(st, "draft") == 0)
            status = WORKFLOW_DRAFT;
        else if (strcmp(st, "published") == 0)
            status = WORKFLOW_PUBLISHED;
        else if (strcmp(st, "archived") == 0)
            status = WORKFLOW_ARCHIVED;
        else
            return ctx_fail(cx, RC_BAD_REQUEST, "status", "must be draft, published or archived");
    }
    if (q && jsonx_utf8_length(q) > WORKFLOW_TITLE_MAX)
        return ctx_fail(cx, RC_BAD_REQUEST, "q", "must be at most %d characters",
                        WORKFLOW_TITLE_MAX);
    json_t *items = json_array();
    if (!items)
        return RC_NOMEM;
    if ((rc = workflow_list(cx, status, q, before, limit, add_summary, items, &next))) {
        json_decref(items);
        return rc;
    }
    return resp_json(
        rs, 200, json_pack("{s:o, s:o}", "items", items, "next_cursor", query_cursor_json(next)));
}

/* A re-planning setting: a whole number, whose range workflow_check judges (a number
 * beyond int becomes -1, out of every range, so the rule reports it). */
static void read_setting(struct ctx *cx, const json_t *body, const char *key, unsigned flag,
                         int *out, struct workflow_change *ch)
{
    const json_t *given = json_object_get(body, key);
    if (!given)
        return;
    int64_t v = 0;
    if (json_is_null(given)) { /* jsonx reads null as absent; here it is a wrong value */
        ctx_fail(cx, RC_INVALID, key, "must be a whole number");
        return;
    }
    if (jsonx_int64(cx, body, key, 0, INT64_MIN, INT64_MAX, &v) != RC_OK)
        return;
    *out = v < INT_MIN || v > INT_MAX ? -1 : (int)v;
    ch->set |= flag;
}

/* Reads {title, outcome, description, pacing, replan_after_days, max_due_per_day} into
 * ch; with creating, title is required. */
static enum rc read_change(struct ctx *cx, const json_t *body, const char *const *fields,
                           int creating, struct workflow_change *ch)
{
    memset(ch, 0, sizeof *ch);
    enum rc rc = jsonx_only(cx, body, fields);
    if (!json_is_object(body))
        return rc;
    json_t *v = json_object_get(body, "title");
    if (!v && creating)
        ctx_fail(cx, RC_INVALID, "title", "is required");
    else if (v && json_is_null(v))
        ctx_fail(cx, RC_INVALID, "title", "cannot be null");
    else if (v && jsonx_string(cx, body, "title", 1, 0, 100000, &ch->title) == RC_OK &&
             jsonx_check_name(cx, "title", ch->title, WORKFLOW_TITLE_MAX) == RC_OK)
        ch->set |= WORKFLOW_F_WF_TITLE;
    if ((v = json_object_get(body, "outcome")) && json_is_null(v)) {
        ch->outcome = "";
        ch->set |= WORKFLOW_F_WF_OUTCOME;
    } else if (v && jsonx_string(cx, body, "outcome", 0, 0, 100000, &ch->outcome) == RC_OK) {
        ch->set |= WORKFLOW_F_WF_OUTCOME;
    }
    if ((v = json_object_get(body, "description")) && json_is_null(v)) {
        ch->description = "";
        ch->set |= WORKFLOW_F_WF_DESCRIPTION;
    } else if (v &&
               jsonx_string(cx, body, "description", 0, 0, 100000, &ch->description) == RC_OK) {
        ch->set |= WORKFLOW_F_WF_DESCRIPTION;
    }
    if ((v = json_object_get(body, "pacing"))) {
        int p = json_is_string(v) ? workflow_pacing_parse(json_string_value(v)) : -1;
        if (p < 0)
            ctx_fail(cx, RC_INVALID, "pacing", "must be working_days or calendar_days");
        else {
            ch->pacing = (enum workflow_pacing)p;
            ch->set |= WORKFLOW_F_WF_PACING;
        }
    }
    read_setting(cx, body, "replan_after_days", WORKFLOW_F_WF_REPLAN_AFTER, &ch->replan_after_days,
                 ch);
    read_setting(cx, body, "max_due_per_day", WORKFLOW_F_WF_MAX_DUE, &ch->max_due_per_day, ch);
    return cx->rc == RC_INVALID ? RC_INVALID : rc;
}

enum rc workflow_api_create(struct ctx *cx, const struct req *rq, struct resp *rs)
{
    static const char *const fields[] = {
        "title",           "outcome",  "description", "pacing", "replan_after_days",
        "max_due_per_day", "template", NULL};
    struct workflow_change ch;
    int64_t id = 0;
    json_t *tpl = json_object_get(rq->json, "template");
    enum rc rc = read_change(cx, rq->json, fields, !tpl, &ch);
    if (tpl) {
        if (!json_is_string(tpl))
            ctx_fail(cx, RC_INVALID, "template", "must be the key of a template");
        if (ch.set & ~WORKFLOW_F_WF_TITLE)
            ctx_fail(cx, RC_INVALID, "template",
                     "give a template and at most a title; edit the rest after");
        if (cx->rc == RC_INVALID)
            return RC_INVALID;
        if (rc)
            return rc;
        rc = workflow_create_from_template(cx, json_string_value(tpl), ch.title, &id);
        if (rc == RC_NOT_FOUND) /* a body naming a missing template is a bad body, not a URL */
            return ctx_fail(cx, RC_INVALID, "template", "is not a template key");
    } else if (!rc) {
        rc = workflow_create(cx, &ch, &id);
    }
    return rc ? rc : render_draft(cx, id, 201, rs);
}

enum rc workflow_api_import(struct ctx *cx, const struct req *rq, struct resp *rs)
{
    struct workflow w;
    int64_t id = 0;
    enum rc rc = workflow_doc_read(cx, rq->json, &w);
    if (!rc)
        rc = workflow_create_from(cx, &w, "workflow.import", &id);
    workflow_free(&w);
    return rc ? rc : render_draft(cx, id, 201, rs);
}

enum rc workflow_api_get(struct ctx *cx, const struct req *rq, struct resp *rs)
{
    int64_t id;
    enum rc rc = path_id(cx, rq, 0, "workflow", &id);
    return rc ? rc : render_draft(cx, id, 200, rs);
}

enum rc workflow_api_update(struct ctx *cx, const struct req *rq, struct resp *rs)
{
    static const char *const fields[] = {
        "title", "outcome", "description", "pacing", "replan_after_days", "max_due_per_day", NULL};
    struct workflow_change ch;
    int64_t id;
    enum rc rc = path_id(cx, rq, 0, "workflow", &id);
    if (rc || (rc = read_change(cx, rq->json, fields, 0, &ch)) ||
        (rc = workflow_update(cx, id, &ch)))
        return rc;
    return render_draft(cx, id, 200, rs);
}

enum rc workflow_api_delete(struct ctx *cx, const struct req *rq, struct resp *rs)
{
    int64_t id;
    enum rc rc = path_id(cx, rq, 0, "workflow", &id);
    if (rc || (rc = workflow_delete(cx, id)))
        return rc;
    return resp_json(rs, 204, NULL);
}

enum rc workflow_api_archive(struct ctx *cx, const struct req *rq, struct resp *rs)
{
    int64_t id;
    enum rc rc = path_id(cx, rq, 0, "workflow", &id);
    if (rc || (rc = workflow_archive(cx, id)))
        return rc;
    return render_draft(cx, id, 200, rs);
}

enum rc workflow_api_restore(struct ctx *cx, const struct req *rq, struct resp *rs)
{
    int64_t id;
    enum rc rc = path_id(cx, rq, 0, "workflow", &id);
    if (rc || (rc = workflow_restore(cx, id)))
        return rc;
    return render_draft(cx, id, 200, rs);
}

enum rc workflow_api_duplicate(struct ctx *cx, const struct req *rq, struct resp *rs)
{
    static const char *const fields[] = {"title", NULL};
    int64_t id, copy = 0;
    const char *title = NULL;
    enum rc rc = path_id(cx, rq, 0, "workflow", &id);
    if (rc)
        return rc;
    if (rq->json && ((rc = jsonx_only(cx, rq->json, fields)) ||
                     (rc = jsonx_string(cx, rq->json, "title", 0, 0, 100000, &title))))
        return rc;
    if (title && jsonx_check_name(cx, "title", title, WORKFLOW_TITLE_MAX))
        return RC_INVALID;
    if ((rc = workflow_duplicate(cx, id, title, &copy)))
        return rc;
    return render_draft(cx, copy, 201, rs);
}

/* Loads the draft (version 0) or version n. */
static enum rc load_state(struct ctx *cx, int64_t id, int version, struct workflow *out)
{
    return version ? workflow_version_get(cx, id, version, out) : workflow_get(cx, id, out);
}

enum rc workflow_api_export(struct ctx *cx, const struct req *rq, struct resp *rs)
{
    int64_t id;
    int version = 0;
    struct workflow w;
    enum rc rc = path_id(cx, rq, 0, "workflow", &id);
    if (rc)
        return rc;
    const char *v = rq->query(rq, "version");
    if (v && !(version = version_number(v)))
        return ctx_fail(cx, RC_BAD_REQUEST, "version", "must be a version number");
    if ((rc = load_state(cx, id, version, &w)))
        return rc;
    struct jsonw j;
    jsonw_init(&j, resp_json_body(rs, 200));
    workflow_doc_write(&w, &j);
    workflow_free(&w);
    if ((rc = buf_failed(&rs->body)))
        return rc;
    if (version)
        return resp_header(rs, "Content-Disposition",
                           "attachment; filename=\"workflow-%lld-v%d.json\"", (long long)id,
                           version);
    return resp_header(rs, "Content-Disposition", "attachment; filename=\"workflow-%lld.json\"",
                       (long long)id);
}

enum rc workflow_api_diff(struct ctx *cx, const struct req *rq, struct resp *rs)
{
    int64_t id;
    int from = 0, to = 0;
    struct workflow a, b;
    memset(&a, 0, sizeof a);
    memset(&b, 0, sizeof b);
    enum rc rc = path_id(cx, rq, 0, "workflow", &id);
    if (rc)
        return rc;
    const char *f = rq->query(rq, "from"), *t = rq->query(rq, "to");
    if (f && !(from = version_number(f)))
        ctx_fail(cx, RC_BAD_REQUEST, "from", "must be a version number");
    if (t && strcmp(t, "draft") != 0 && !(to = version_number(t)))
        ctx_fail(cx, RC_BAD_REQUEST, "to", "must be a version number or draft");
    if (cx->rc == RC_BAD_REQUEST)
        return RC_BAD_REQUEST;
    /* "to" is version to, or the draft (which also knows the latest version, the default
     * "from"); each state is loaded once. */
    if ((rc = to ? workflow_version_get(cx, id, to, &b) : workflow_get(cx, id, &b)))
        return rc;
    if (!from && to) {
        struct workflow draft;
        if ((rc = workflow_get(cx, id, &draft)))
            goto out;
        from = draft.latest_version;
        workflow_free(&draft);
    } else if (!from) {
        from = b.latest_version;
    }
    if (!from) {
        rc = ctx_fail_code(cx, RC_CONFLICT, "not_published",
                           "This workflow has no published version to compare with yet.");
        goto out;
    }
    if ((rc = workflow_version_get(cx, id, from, &a)))
        goto out;
    json_t *d = workflow_diff(&a, &b);
    if (!d) {
        rc = RC_NOMEM;
        goto out;
    }
    json_object_set_new(d, "from", json_integer(from));
    json_object_set_new(d, "to", to ? json_integer(to) : json_string("draft"));
    rc = resp_json(rs, 200, d);
out:
    workflow_free(&a);
    workflow_free(&b);
    return rc;
}

/* ---- phases ----------------------------------------------------------------------- */

static json_t *phase_json(const struct workflow_phase *p)
{
    return json_pack("{s:I, s:i, s:s}", "id", (json_int_t)p->id, "position", p->position, "name",
                     p->name);
}

/* Reads {name, position} into name / position (0: absent). */
static enum rc read_phase(struct ctx *cx, const json_t *body, const char **name, int *position)
{
    static const char *const fields[] = {"name", "position", NULL};
    int64_t pos = 0;
    *name = NULL;
    *position = 0;
    enum rc rc = jsonx_only(cx, body, fields);
    if (!json_is_object(body))
        return rc;
    json_t *v = json_object_get(body, "name");
    if (v && json_is_null(v))
        ctx_fail(cx, RC_INVALID, "name", "cannot be null");
    else
        jsonx_string(cx, body, "name", 0, 0, 100000, name);
    if (jsonx_int64(cx, body, "position", 0, 1, 1000000, &pos) == RC_OK)
        *position = (int)pos;
    return cx->rc == RC_INVALID ? RC_INVALID : rc;
}

enum rc workflow_api_phase_add(struct ctx *cx, const struct req *rq, struct resp *rs)
{
    int64_t id;
    const char *name;
    int position;
    struct workflow_phase p = {0};
    enum rc rc = path_id(cx, rq, 0, "workflow", &id);
    if (rc || (rc = read_phase(cx, rq->json, &name, &position)) ||
        (rc = workflow_phase_add(cx, id, name, position, &p)))
        return rc;
    rc = resp_json(rs, 201, phase_json(&p));
    free(p.name);
    return rc;
}

enum rc workflow_api_phase_update(struct ctx *cx, const struct req *rq, struct resp *rs)
{
    int64_t id, phase_id;
    const char *name;
    int position;
    struct workflow_phase p = {0};
    enum rc rc = path_id(cx, rq, 0, "workflow", &id);
    if (rc || (rc = path_id(cx, rq, 1, "phase", &phase_id)) ||
        (rc = read_phase(cx, rq->json, &name, &position)) ||
        (rc = workflow_phase_update(cx, id, phase_id, name, position, &p)))
        return rc;
    rc = resp_json(rs, 200, phase_json(&p));
    free(p.name);
    return rc;
}

enum rc workflow_api_phase_delete(struct ctx *cx, const struct req *rq, struct resp *rs)
{
    int64_t id, phase_id;
    enum rc rc = path_id(cx, rq, 0, "workflow", &id);
    if (rc || (rc = path_id(cx, rq, 1, "phase", &phase_id)) ||
        (rc = workflow_phase_delete(cx, id, phase_id)))
        return rc;
    return resp_json(rs, 204, NULL);
}

/* ---- steps ------------------------------------------------------------------------ */

enum rc workflow_api_step_add(struct ctx *cx, const struct req *rq, struct resp *rs)
{
    int64_t id;
    struct workflow_step s, out;
    memset(&s, 0, sizeof s);
    memset(&out, 0, sizeof out);
    enum rc rc = path_id(cx, rq, 0, "workflow", &id);
    if (rc)
        return rc;
    /* With bad fields read, the domain still runs its rules on the rest (and writes
     * nothing), so one answer lists every problem. */
    rc = workflow_step_read(cx, "", rq->json, 0, 1, &s, NULL);
    if (rc == RC_OK || (rc == RC_INVALID && json_is_object(rq->json)))
        rc = workflow_step_add(cx, id, &s, &out);
    if (!rc)
        rc = render_step(&out, 201, rs);
    workflow_step_clear(&s);
    workflow_step_clear(&out);
    return rc;
}

enum rc workflow_api_step_update(struct ctx *cx, const struct req *rq, struct resp *rs)
{
    int64_t id, step_id;
    unsigned set = 0;
    struct workflow_step s, out;
    memset(&s, 0, sizeof s);
    memset(&out, 0, sizeof out);
    enum rc rc = path_id(cx, rq, 0, "workflow", &id);
    if (rc || (rc = path_id(cx, rq, 1, "step", &step_id)))
        return rc;
    rc = workflow_step_read(cx, "", rq->json, 1, 1, &s, &set);
    if (rc == RC_OK || (rc == RC_INVALID && json_is_object(rq->json)))
        rc = workflow_step_update(cx, id, step_id, &s, set, &out);
    if (!rc)
        rc = render_step(&out, 200, rs);
    workflow_step_clear(&s);
    workflow_step_clear(&out);
    return rc;
}

enum rc workflow_api_step_delete(struct ctx *cx, const struct req *rq, struct resp *rs)
{
    int64_t id, step_id;
    enum rc rc = path_id(cx, rq, 0, "workflow", &id);
    if (rc || (rc = path_id(cx, rq, 1, "step", &step_id)) ||
        (rc = workflow_step_delete(cx, id, step_id)))
        return rc;
    return resp_json(rs, 204, NULL);
}

/* ---- versions --------------------------------------------------------------------- */

enum rc workflow_api_publish(struct ctx *cx, const struct req *rq, struct resp *rs)
{
    int64_t id;
    int version = 0;
    enum rc rc = path_id(cx, rq, 0, "workflow", &id);
    if (rc || (rc = workflow_publish(cx, id, &version)))
        return rc;
    return resp_json(
        rs, 201,
        json_pack("{s:i, s:o}", "version", version, "published_at", jsonx_instant(cx->now)));
}

static enum rc add_version(void *arg, const struct workflow *v)
{
    json_t *by = v->published_by ? json_pack("{s:I, s:s?}", "id", (json_int_t)v->published_by,
                                             "name", v->published_by_name)
                                 : json_null();
    json_t *j = json_pack("{s:i, s:s, s:o, s:o, s:i, s:i}", "version", v->version, "title",
                          v->title, "published_at", jsonx_instant(v->published_at), "published_by",
                          by, "phase_count", (int)v->nphases, "step_count", (int)v->nsteps);
    if (!j || json_array_append_new(arg, j))
        return RC_NOMEM;
    return RC_OK;
}

enum rc workflow_api_versions(struct ctx *cx, const struct req *rq, struct resp *rs)
{
    int64_t id;
    enum rc rc = path_id(cx, rq, 0, "workflow", &id);
    if (rc)
        return rc;
    json_t *items = json_array();
    if (!items)
        return RC_NOMEM;
    if ((rc = workflow_versions(cx, id, add_version, items))) {
        json_decref(items);
        return rc;
    }
    return resp_json(rs, 200, json_pack("{s:o, s:n}", "items", items, "next_cursor"));
}

static enum rc path_version(struct ctx *cx, const struct req *rq, int64_t *id, int *version)
{
    enum rc rc = path_id(cx, rq, 0, "workflow", id);
    if (rc)
        return rc;
    if (!(*version = rq->nparams > 1 ? version_number(rq->params[1]) : 0))
        return ctx_fail(cx, RC_NOT_FOUND, NULL, "There is no such version.");
    return RC_OK;
}

enum rc workflow_api_version_get(struct ctx *cx, const struct req *rq, struct resp *rs)
{
    int64_t id;
    int version;
    struct workflow v;
    enum rc rc = path_version(cx, rq, &id, &version);
    if (rc || (rc = workflow_version_get(cx, id, version, &v)))
        return rc;
    rc = render(&v, 200, rs);
    workflow_free(&v);
    return rc;
}

enum rc workflow_api_version_change(struct ctx *cx, const struct req *rq, struct resp *rs)
{
    int64_t id;
    int version;
    (void)rs;
    enum rc rc = path_version(cx, rq, &id, &version);
    return rc ? rc : workflow_version_change(cx, id, version);
}

/* ---- templates -------------------------------------------------------------------- */

/* The last due day of a template, for "about 6 weeks". */
static int duration_days(const struct workflow *w)
{
    int days = 0;
    for (size_t i = 0; i < w->nsteps; i++)
        if (w->steps[i].due_offset_days > days)
            days = w->steps[i].due_offset_days;
    return days;
}

enum rc workflow_api_templates(struct ctx *cx, const struct req *rq, struct resp *rs)
{
    (void)rq;
    json_t *items = json_array();
    if (!items)
        return RC_NOMEM;
    for (size_t i = 0; i < WORKFLOW_TEMPLATES_COUNT; i++) {
        struct workflow w;
        enum rc rc = workflow_template_load(cx, WORKFLOW_TEMPLATES[i].key, &w);
        if (rc) {
            json_decref(items);
            return rc;
        }
        json_t *j = json_pack("{s:s, s:s, s:s, s:s, s:i, s:i, s:i}", "key",
                              WORKFLOW_TEMPLATES[i].key, "title", w.title, "outcome", w.outcome,
                              "description", w.description, "phase_count", (int)w.nphases,
                              "step_count", (int)w.nsteps, "duration_days", duration_days(&w));
        workflow_free(&w);
        if (!j || json_array_append_new(items, j)) {
            json_decref(items);
            return RC_NOMEM;
        }
    }
    return resp_json(rs, 200, json_pack("{s:o, s:n}", "items", items, "next_cursor"));
}

enum rc workflow_api_template_get(struct ctx *cx, const struct req *rq, struct resp *rs)
{
    struct workflow w;
    enum rc rc = workflow_template_load(cx, rq->nparams > 0 ? rq->params[0] : NULL, &w);
    if (rc)
        return rc;
    struct jsonw j;
    jsonw_init(&j, resp_json_body(rs, 200));
    workflow_doc_write(&w, &j);
    workflow_free(&w);
    return buf_failed(&rs->body);
}
