/*
 * enrolment_api.c — JSON ⇄ enrolment.h for the routes listed in enrolment_api.h.
 *
 * Bodies are read strictly: unknown fields and wrong types are 422 with the field named
 * ("user_ids[3]", "emails[0]"), and the domain still runs its checks on the rest, so one
 * answer lists every problem. The enrolling answer can name 1,000 people and a 500-step
 * schedule, so it is written straight into the response (jsonw); the smaller answers use
 * Jansson. An enrolment's activities come from the activity module
 * (activity_enrolment_summaries), which owns their shape.
 */
#include "enrolment_api.h"

#include <stdlib.h>
#include <string.h>

#include "activity/activity.h"
#include "core/jsonw.h"
#include "core/jsonx.h"
#include "core/query.h"
#include "enrolment.h"

#define EMAIL_SEPARATORS ",; \t\r\n"

/* ---- enrolling ------------------------------------------------------------------------------ */

/* What a request body holds, with the storage its arrays need. */
struct body {
    struct enrolment_request rq;
    int64_t *ids;
    const char **emails;
    char *email_text; /* the one string of addresses, cut at its separators */
};

static void body_free(struct body *b)
{
    free(b->ids);
    free(b->emails);
    free(b->email_text);
}

static enum rc read_user_ids(struct ctx *cx, const json_t *v, struct body *b)
{
    if (json_is_null(v))
        return RC_OK;
    if (!json_is_array(v))
        return ctx_fail(cx, RC_INVALID, "user_ids", "must be an array of ids");
    size_t n = json_array_size(v);
    if (n && !(b->ids = calloc(n, sizeof *b->ids)))
        return RC_NOMEM;
    for (size_t i = 0; i < n; i++) {
        const json_t *x = json_array_get(v, i);
        if (json_is_integer(x) && json_integer_value(x) > 0) {
            b->ids[i] = json_integer_value(x);
        } else {
            char field[48];
            snprintf(field, sizeof field, "user_ids[%zu]", i);
            ctx_fail(cx, RC_INVALID, field, "must be the id of a person");
        }
    }
    b->rq.user_ids = b->ids;
    b->rq.nuser_ids = n;
    return RC_OK;
}

static enum rc read_emails(struct ctx *cx, const json_t *v, struct body *b)
{
    if (json_is_null(v))
        return RC_OK;
    if (json_is_string(v)) {
        /* A pasted list or a file's text: split on commas, semicolons and white space. */
        if (!(b->email_text = strdup(json_string_value(v))))
            return RC_NOMEM;
        size_t n = 0, cap = 0;
        for (char *s = b->email_text; *s;) {
            s += strspn(s, EMAIL_SEPARATORS);
            if (!*s)
                break;
            size_t len = strcspn(s, EMAIL_SEPARATORS);
            if (n == cap) {
                size_t ncap = cap ? cap * 2 : 64;
                const char **grown = realloc(b->emails, ncap * sizeof *grown);
                if (!grown)
                    return RC_NOMEM;
                b->emails = grown;
                cap = ncap;
            }
            b->emails[n++] = s;
            s += len;
            if (*s)
                *s++ = '\0';
        }
        b->rq.emails = b->emails;
        b->rq.nemails = n;
        return RC_OK;
    }
    if (!json_is_array(v))
        return ctx_fail(cx, RC_INVALID, "emails",
                        "must be an array of email addresses or one string of them");
    size_t n = json_array_size(v);
    if (n && !(b->emails = calloc(n, sizeof *b->emails)))
        return RC_NOMEM;
    for (size_t i = 0; i < n; i++) {
        const json_t *x = json_array_get(v, i);
        if (json_is_string(x)) {
            b->emails[i] = json_string_value(x);
        } else {
            char field[48];
            snprintf(field, sizeof field, "emails[%zu]", i);
            ctx_fail(cx, RC_INVALID, field, "must be an email address");
        }
    }
    b->rq.emails = b->emails;
    b->rq.nemails = n;
    return RC_OK;
}

/* An optional id field: absent or null leaves *out 0. */
static void read_optional_id(struct ctx *cx, const json_t *body, const char *key, const char *what,
                             int64_t *out)
{
    const json_t *v = json_object_get(body, key);
    if (!v || json_is_null(v))
        return;
    if (json_is_integer(v) && json_integer_value(v) > 0)
        *out = json_integer_value(v);
    else
        ctx_fail(cx, RC_INVALID, key, "must be the id of %s", what);
}

static enum rc read_body(struct ctx *cx, const json_t *body, struct body *b)
{
    static const char *const fields[] = {"user_ids",     "group_id", "emails", "start_date",
                                         "follow_group", "coach_id", NULL};
    enum rc rc = jsonx_only(cx, body, fields);
    if (!json_is_object(body))
        return rc;
    const json_t *v;
    if ((v = json_object_get(body, "user_ids")) && (rc = read_user_ids(cx, v, b)) &&
        rc != RC_INVALID)
        return rc;
    if ((v = json_object_get(body, "emails")) && (rc = read_emails(cx, v, b)) && rc != RC_INVALID)
        return rc;
    read_optional_id(cx, body, "group_id", "a group", &b->rq.group_id);
    read_optional_id(cx, body, "coach_id", "a coach", &b->rq.coach_id);
    v = json_object_get(body, "start_date");
    if (v && !json_is_null(v)) {
        if (json_is_string(v))
            b->rq.start_date = json_string_value(v);
        else
            ctx_fail(cx, RC_INVALID, "start_date", "must be a date like 2026-12-07");
    }
    jsonx_bool(cx, body, "follow_group", 0, &b->rq.follow_group);
    return cx->rc == RC_INVALID ? RC_INVALID : RC_OK;
}

static void write_date(struct jsonw *j, int64_t day)
{
    char text[DATE_TEXT];
    date_format(day, text);
    jsonw_string(j, text);
}

static enum rc render_batch(const struct enrolment_batch *b, struct resp *rs)
{
    struct jsonw j;
    jsonw_init(&j, resp_json_body(rs, b->dry_run ? 200 : 201));
    jsonw_object(&j);
    jsonw_key(&j, "dry_run");
    jsonw_bool(&j, b->dry_run);
    jsonw_key(&j, "workflow_id");
    jsonw_int(&j, b->workflow_id);
    jsonw_key(&j, "version");
    jsonw_int(&j, b->version);
    jsonw_key(&j, "start_date");
    write_date(&j, b->start_day);
    jsonw_key(&j, "created");
    jsonw_int(&j, (int64_t)b->created);
    jsonw_key(&j, "skipped");
    jsonw_int(&j, (int64_t)b->skipped);
    jsonw_key(&j, "rule_id");
    if (b->rule_id)
        jsonw_int(&j, b->rule_id);
    else
        jsonw_null(&j);
    jsonw_key(&j, "people");
    if (b->named > ENROLMENT_PEOPLE_SHOWN) {
        jsonw_null(&j);
    } else {
        jsonw_array(&j);
        for (size_t i = 0; i < b->npeople; i++) {
            const struct enrolment_person *p = &b->people[i];
            jsonw_object(&j);
            jsonw_key(&j, "user_id");
            jsonw_int(&j, p->user_id);
            jsonw_key(&j, "name");
            jsonw_string(&j, p->name);
            jsonw_key(&j, "email");
            jsonw_string(&j, p->email);
            jsonw_key(&j, "enrolment_id");
            if (p->enrolment_id)
                jsonw_int(&j, p->enrolment_id);
            else
                jsonw_null(&j);
            jsonw_key(&j, "skipped");
            jsonw_bool(&j, p->skipped);
            if (p->skipped) {
                jsonw_key(&j, "reason");
                jsonw_string(&j, "already_enrolled");
            }
            jsonw_end_object(&j);
        }
        jsonw_end_array(&j);
    }
    jsonw_key(&j, "schedule");
    jsonw_array(&j);
    for (size_t i = 0; i < b->nschedule; i++) {
        const struct enrolment_planned *s = &b->schedule[i];
        jsonw_object(&j);
        jsonw_key(&j, "step_key");
        jsonw_int(&j, s->step_key);
        jsonw_key(&j, "seq");
        jsonw_int(&j, s->seq);
        jsonw_key(&j, "phase");
        jsonw_int(&j, s->phase);
        jsonw_key(&j, "phase_name");
        jsonw_string(&j, s->phase_name);
        jsonw_key(&j, "title");
        jsonw_string(&j, s->title);
        jsonw_key(&j, "kind");
        jsonw_string(&j, s->kind);
        jsonw_key(&j, "release_date");
        write_date(&j, s->release_day);
        jsonw_key(&j, "due_date");
        write_date(&j, s->due_day);
        jsonw_key(&j, "release_at");
        jsonw_instant_or_null(&j, s->release_at);
        jsonw_key(&j, "due_at");
        jsonw_instant_or_null(&j, s->due_at);
        jsonw_end_object(&j);
    }
    jsonw_end_array(&j);
    jsonw_end_object(&j);
    return buf_failed(&rs->body);
}

enum rc enrolment_api_enrol(struct ctx *cx, const struct req *rq, struct resp *rs)
{
    int64_t id;
    struct body b;
    struct enrolment_batch batch;
    memset(&b, 0, sizeof b);
    memset(&batch, 0, sizeof batch);
    enum rc rc = query_path_id(cx, rq, 0, "workflow", &id);
    if (rc)
        return rc;
    const char *flag = rq->query(rq, "dry_run");
    if (flag) {
        if (strcmp(flag, "1") == 0 || strcmp(flag, "true") == 0)
            b.rq.dry_run = 1;
        else if (strcmp(flag, "0") != 0 && strcmp(flag, "false") != 0)
            return ctx_fail(cx, RC_BAD_REQUEST, "dry_run", "must be 1 or 0");
    }
    if (!rq->json)
        rc = ctx_fail(cx, RC_INVALID, NULL, "Send what to enrol as a JSON object.");
    else
        rc = read_body(cx, rq->json, &b);
    /* With bad fields read, the domain still checks the rest (and writes nothing). */
    if (rc == RC_OK || (rc == RC_INVALID && json_is_object(rq->json)))
        rc = enrolment_enrol(cx, id, &b.rq, &batch);
    if (!rc)
        rc = render_batch(&batch, rs);
    enrolment_batch_free(&batch);
    body_free(&b);
    return rc;
}

/* ---- rules ---------------------------------------------------------------------------------- */

static enum rc add_rule(void *arg, const struct enrolment_rule *r)
{
    json_t *j = json_pack("{s:I, s:{s:I, s:s}, s:o, s:o, s:b}", "id", (json_int_t)r->id, "group",
                          "id", (json_int_t)r->group_id, "name", r->group_name, "created_at",
                          jsonx_instant(r->created_at), "stopped_at",
                          jsonx_instant_or_null(r->stopped_at), "active", r->stopped_at == 0);
    if (!j || json_array_append_new(arg, j))
        return RC_NOMEM;
    return RC_OK;
}

enum rc enrolment_api_rules(struct ctx *cx, const struct req *rq, struct resp *rs)
{
    int64_t id;
    enum rc rc = query_path_id(cx, rq, 0, "workflow", &id);
    if (rc)
        return rc;
    json_t *items = json_array();
    if (!items)
        return RC_NOMEM;
    if ((rc = enrolment_rules(cx, id, add_rule, items))) {
        json_decref(items);
        return rc;
    }
    return resp_json(rs, 200, json_pack("{s:o, s:n}", "items", items, "next_cursor"));
}

enum rc enrolment_api_rule_stop(struct ctx *cx, const struct req *rq, struct resp *rs)
{
    int64_t id, rule_id;
    enum rc rc = query_path_id(cx, rq, 0, "workflow", &id);
    if (rc || (rc = query_path_id(cx, rq, 1, "enrolment rule", &rule_id)) ||
        (rc = enrolment_rule_stop(cx, id, rule_id)))
        return rc;
    return resp_json(rs, 204, NULL);
}

/* ---- enrolments ----------------------------------------------------------------------------- */

static json_t *enrolment_json(const struct enrolment *e)
{
    int percent = e->total_steps > 0 ? e->completed_steps * 100 / e->total_steps : 0;
    json_t *coach =
        e->coach_id ? json_pack("{s:I, s:s}", "id", (json_int_t)e->coach_id, "name", e->coach_name)
                    : json_null();
    return json_pack(
        "{s:I, s:{s:I, s:s}, s:i, s:{s:I, s:s, s:s, s:o}, s:o, s:s, s:s, s:{s:i, s:i, s:i, s:i}, "
        "s:o, s:i, s:o, s:o, s:o, s:o}",
        "id", (json_int_t)e->id, "workflow", "id", (json_int_t)e->workflow_id, "title",
        e->workflow_title, "version", e->version, "learner", "id", (json_int_t)e->user_id, "name",
        e->learner_name, "email", e->learner_email, "manager_id",
        e->learner_manager_id ? json_integer(e->learner_manager_id) : json_null(), "coach", coach,
        "status", enrolment_status_name(e->status), "start_date", e->start_date, "progress",
        "completed", e->completed_steps, "total", e->total_steps, "percent", percent, "overdue",
        e->overdue, "paused_at", jsonx_instant_or_null(e->paused_at), "paused_days", e->paused_days,
        "replanned_at", jsonx_instant_or_null(e->replanned_at), "enrolled_at",
        jsonx_instant_or_null(e->enrolled_at), "completed_at",
        jsonx_instant_or_null(e->completed_at), "withdrawn_at",
        jsonx_instant_or_null(e->withdrawn_at));
}

static enum rc add_enrolment(void *arg, const struct enrolment *e)
{
    json_t *j = enrolment_json(e);
    if (!j || json_array_append_new(arg, j))
        return RC_NOMEM;
    return RC_OK;
}

/* A positive id query parameter: absent leaves *out 0; anything else is 400. */
static enum rc query_filter_id(struct ctx *cx, const struct req *rq, const char *name, int64_t *out)
{
    const char *v = rq->query(rq, name);
    *out = 0;
    if (!v || !v[0])
        return RC_OK;
    if (!(*out = query_id(v)))
        return ctx_fail(cx, RC_BAD_REQUEST, name, "must be an id");
    return RC_OK;
}

enum rc enrolment_api_list(struct ctx *cx, const struct req *rq, struct resp *rs)
{
    struct enrolment_query q = {.status = -1};
    int64_t next = 0;
    enum rc rc = query_paging(cx, rq, &q.limit, &q.before_id);
    if (rc || (rc = query_filter_id(cx, rq, "workflow_id", &q.workflow_id)) ||
        (rc = query_filter_id(cx, rq, "user_id", &q.user_id)))
        return rc;
    const char *st = rq->query(rq, "status");
    if (st && st[0] && (q.status = enrolment_status_parse(st)) < 0)
        return ctx_fail(cx, RC_BAD_REQUEST, "status",
                        "must be active, paused, withdrawn or completed");
    json_t *items = json_array();
    if (!items)
        return RC_NOMEM;
    if ((rc = enrolment_list(cx, &q, add_enrolment, items, &next))) {
        json_decref(items);
        return rc;
    }
    return resp_json(
        rs, 200, json_pack("{s:o, s:o}", "items", items, "next_cursor", query_cursor_json(next)));
}

static enum rc add_event(void *arg, const struct enrolment_event *ev)
{
    json_t *data = json_loads(ev->data, JSON_REJECT_DUPLICATES, NULL);
    if (!json_is_object(data)) {
        json_decref(data);
        data = json_object();
    }
    json_t *j = json_pack("{s:s, s:o, s:o}", "kind", ev->kind, "created_at",
                          jsonx_instant(ev->created_at), "data", data);
    if (!j || json_array_append_new(arg, j))
        return RC_NOMEM;
    return RC_OK;
}

/* The enrolment with its activities and events, and its ETag. */
static enum rc render_full(struct ctx *cx, const struct enrolment *e, struct resp *rs)
{
    json_t *j = enrolment_json(e), *activities = json_array(), *events = json_array();
    enum rc rc = j && activities && events ? RC_OK : RC_NOMEM;
    if (!rc)
        rc = activity_enrolment_summaries(cx, e->id, activities);
    if (!rc)
        rc = enrolment_events(cx, e->id, add_event, events);
    if (rc) {
        json_decref(j);
        json_decref(activities);
        json_decref(events);
        return rc;
    }
    json_object_set_new(j, "activities", activities);
    json_object_set_new(j, "events", events);
    if ((rc = resp_json(rs, 200, j)))
        return rc;
    return resp_header(rs, "ETag", "\"%lld\"", (long long)e->updated_at);
}

enum rc enrolment_api_get(struct ctx *cx, const struct req *rq, struct resp *rs)
{
    int64_t id;
    struct enrolment e;
    enum rc rc = query_path_id(cx, rq, 0, "enrolment", &id);
    if (rc || (rc = enrolment_get(cx, id, &e)))
        return rc;
    return render_full(cx, &e, rs);
}

enum rc enrolment_api_update(struct ctx *cx, const struct req *rq, struct resp *rs)
{
    static const char *const fields[] = {"status", "coach_id", NULL};
    int64_t id;
    struct enrolment_change ch = {0};
    struct enrolment e;
    enum rc rc = query_path_id(cx, rq, 0, "enrolment", &id);
    if (rc || (rc = query_if_match(cx, rq, "the enrolment, like \"1796115600\"")))
        return rc;
    if (!rq->json)
        return ctx_fail(cx, RC_INVALID, NULL, "Send the change as a JSON object.");
    if ((rc = jsonx_only(cx, rq->json, fields)) && !json_is_object(rq->json))
        return rc;
    const json_t *v = json_object_get(rq->json, "status");
    if (v) {
        int s = json_is_string(v) ? enrolment_status_parse(json_string_value(v)) : -1;
        if (s < 0) {
            ctx_fail(cx, RC_INVALID, "status", "must be paused, active or withdrawn");
        } else {
            ch.status = (enum enrolment_status)s;
            ch.set |= ENROLMENT_F_STATUS;
        }
    }
    if ((v = json_object_get(rq->json, "coach_id"))) {
        if (json_is_null(v) || (json_is_integer(v) && json_integer_value(v) > 0)) {
            ch.coach_id = json_is_null(v) ? 0 : json_integer_value(v);
            ch.set |= ENROLMENT_F_COACH;
        } else {
            ctx_fail(cx, RC_INVALID, "coach_id", "must be the id of a coach, or null");
        }
    }
    if (cx->rc == RC_INVALID)
        return RC_INVALID;
    if ((rc = enrolment_change(cx, id, &ch, &e)))
        return rc;
    return render_full(cx, &e, rs);
}
