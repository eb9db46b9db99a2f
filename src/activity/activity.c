/*
 * activity.c — the rules of activities (see activity.h): the state machine, completing,
 * evidence files, sign-off, and the learner's journey and sign-off queue.
 *
 * Every change follows one pattern: lock (enrolment, then activity), load the activity
 * with its enrolment, learner and step, decide who is asking (404 for people who may not
 * read it, 403 for readers who may not act), check the state, write, count the
 * completion into the enrolment, audit. The answer is the activity reloaded, so it shows
 * what was stored.
 *
 * Local dates. A due_date is the local date of due_at in the tenant's zone. Asking ICU
 * costs about 9 µs a call (tz.h opens a calendar each time), which for a journey of 150
 * activities would be most of the time budget, so dates go through a per-request
 * zone_map: it asks tz.h for the start of every ZONE_STEP-th local day around the dates
 * it meets (a handful of calls) and, between two such anchors with the same UTC offset,
 * works the local date out by arithmetic. Between anchors whose offsets differ (a
 * daylight-saving change in between) it asks tz.h exactly. This assumes a zone never
 * changes its offset twice within ZONE_STEP days, true of every zone's current rules.
 */
#include "core/array.h"
#include "activity.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "activity_store.h"
#include "audit/audit.h"
#include "core/cache.h"
#include "core/date.h"
#include "core/jsonx.h"
#include "core/markdown.h"
#include "core/now.h"
#include "core/sniff.h"
#include "core/tz.h"
#include "people/authz.h"
#include "tenant/tenant.h"
#include "workflow/workflow.h"

#define DAY            86400
#define ZONE_STEP      14 /* days between anchors */
#define ZONE_ANCHORS   64
#define JOURNEY_DAYS   7  /* "upcoming": released or due within this many days */
#define JOURNEY_RECENT 30 /* completed enrolments stay on the journey this many days */

static const char *const STATE_NAMES[] = {"open", "awaiting_signoff", "completed", "skipped"};
static const char *const STATUS_NAMES[] = {"locked",           "available", "returned",
                                           "awaiting_signoff", "completed", "skipped"};

int activity_state_parse(const char *s)
{
    for (int i = 0; s && i < (int)(sizeof STATE_NAMES / sizeof STATE_NAMES[0]); i++)
        if (strcmp(s, STATE_NAMES[i]) == 0)
            return i;
    return -1;
}

enum activity_status activity_status_of(enum activity_state state, int64_t release_at,
                                        int64_t returned_at, int64_t now)
{
    switch (state) {
    case ACTIVITY_OPEN:
        return returned_at        ? ACTIVITY_RETURNED
               : now < release_at ? ACTIVITY_LOCKED
                                  : ACTIVITY_AVAILABLE;
    case ACTIVITY_AWAITING:
        return ACTIVITY_AWAITING_SIGNOFF;
    case ACTIVITY_COMPLETED:
        return ACTIVITY_DONE;
    default:
        return ACTIVITY_SKIP;
    }
}

const char *activity_status_name(enum activity_status s)
{
    return (unsigned)s < sizeof STATUS_NAMES / sizeof STATUS_NAMES[0] ? STATUS_NAMES[s] : "skipped";
}

/* ---- local dates ------------------------------------------------------------------- */

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

struct zone_map {
    const char *zone;
    int64_t today;       /* the local date of now; anchors are today + ZONE_STEP * k */
    int64_t today_start; /* its first instant */
    size_t n;
    struct {
        int64_t k, start;
    } anchors[ZONE_ANCHORS];
};

/* The first instant of anchor k. */
static enum rc zone_anchor(struct zone_map *m, int64_t k, int64_t *start)
{
    for (size_t i = 0; i < m->n; i++)
        if (m->anchors[i].k == k) {
            *start = m->anchors[i].start;
            return RC_OK;
        }
    enum rc rc = tz_day_start(m->zone, m->today + ZONE_STEP * k, start);
    if (!rc && m->n < ZONE_ANCHORS) {
        m->anchors[m->n].k = k;
        m->anchors[m->n++].start = *start;
    }
    return rc;
}

/* The UTC offset (seconds east) at anchor k's start. */
static int64_t zone_offset(const struct zone_map *m, int64_t k, int64_t start)
{
    return (m->today + ZONE_STEP * k) * DAY - start;
}

static enum rc zone_init(struct zone_map *m, const char *zone, int64_t now)
{
    memset(m, 0, sizeof *m);
    m->zone = zone;
    enum rc rc = tz_date_of(zone, now, &m->today);
    if (!rc)
        rc = zone_anchor(m, 0, &m->today_start);
    return rc;
}

/* The local date of instant t. */
static enum rc zone_date_of(struct zone_map *m, int64_t t, int64_t *day)
{
    int64_t k = floor_div(t - m->today_start, (int64_t)ZONE_STEP * DAY), s0, s1;
    enum rc rc;
    for (int tries = 0; tries < 3; tries++) {
        if ((rc = zone_anchor(m, k, &s0)) || (rc = zone_anchor(m, k + 1, &s1)))
            return rc;
        if (t < s0)
            k--;
        else if (t >= s1)
            k++;
        else if (zone_offset(m, k, s0) == zone_offset(m, k + 1, s1)) {
            *day = floor_div(t + zone_offset(m, k, s0), DAY);
            return RC_OK;
        } else {
            break;
        }
    }
    return tz_date_of(m->zone, t, day);
}

/* The first instant of local date day. */
static enum rc zone_day_start(struct zone_map *m, int64_t day, int64_t *start)
{
    int64_t k = floor_div(day - m->today, ZONE_STEP), s0, s1;
    enum rc rc;
    if ((rc = zone_anchor(m, k, &s0)) || (rc = zone_anchor(m, k + 1, &s1)))
        return rc;
    if (zone_offset(m, k, s0) == zone_offset(m, k + 1, s1)) {
        *start = day * DAY - zone_offset(m, k, s0);
        return RC_OK;
    }
    return tz_day_start(m->zone, day, start);
}

/* The tenant's zone into zone and a map around now. */
static enum rc zone_load(struct ctx *cx, char zone[TZ_NAME_MAX + 1], struct zone_map *m)
{
    struct tenant t;
    enum rc rc = tenant_get(cx, &t);
    if (rc)
        return rc == RC_NOT_FOUND ? RC_INTERNAL : rc;
    snprintf(zone, TZ_NAME_MAX + 1, "%s", t.time_zone);
    if ((rc = zone_init(m, zone, cx->now)) == RC_INVALID)
        rc = zone_init(m, "UTC", cx->now); /* a zone ICU does not know: dates in UTC */
    return rc;
}

static enum rc due_date_text(struct zone_map *m, int64_t due_at, char out[DATE_TEXT])
{
    int64_t day;
    enum rc rc = zone_date_of(m, due_at, &day);
    if (!rc)
        date_format(day, out);
    return rc;
}

/* ---- rendering ---------------------------------------------------------------------- */

/* Writes instant t as "2026-12-01T09:00:00Z" (0: null). By hand, because strftime was a
 * tenth of the journey's time; years outside 0..9999 go through now.h. */
static void write_instant(struct jsonw *w, int64_t t)
{
    char text[32];
    if (!t) {
        jsonw_null(w);
        return;
    }
    int64_t days = floor_div(t, DAY), secs = t - days * DAY;
    int y, mo, d;
    date_to_ymd(days, &y, &mo, &d);
    if (y < 0 || y > 9999) {
        now_format_rfc3339(t, text, sizeof text);
    } else {
        int v[6] = {y / 100, y % 100, mo, d, (int)(secs / 3600), (int)(secs / 60 % 60)};
        char *p = text;
        for (int i = 0; i < 6; i++) {
            *p++ = (char)('0' + v[i] / 10);
            *p++ = (char)('0' + v[i] % 10);
            if (i >= 1)
                *p++ = "--T::"[i - 1];
        }
        *p++ = (char)('0' + secs % 60 / 10);
        *p++ = (char)('0' + secs % 10);
        *p++ = 'Z';
        *p = '\0';
    }
    jsonw_string(w, text);
}

static json_t *string_or_null(const char *s)
{
    return s ? json_string(s) : json_null();
}

/* A summary as json (new reference, NULL on allocation failure). */
static json_t *summary_json(const struct activity_row *r, const char *due_date, int64_t now)
{
    return json_pack(
        "{s:I, s:I, s:s, s:I, s:i, s:i, s:s, s:s, s:s, s:i, s:s, s:s, s:s, s:o, s:o, s:s, s:o, "
        "s:b}",
        "id", (json_int_t)r->id, "enrolment_id", (json_int_t)r->enrolment_id, "workflow_title",
        r->workflow_title, "step_key", (json_int_t)r->step_key, "seq", r->seq, "phase", r->phase,
        "phase_name", r->phase_name, "kind", r->kind, "title", r->title, "effort_minutes",
        r->effort_minutes, "completion", r->completion, "evidence", r->evidence, "status",
        activity_status_name(activity_status_of(r->state, r->release_at, r->returned_at, now)),
        "release_at", jsonx_instant(r->release_at), "due_at", jsonx_instant(r->due_at), "due_date",
        due_date, "completed_at", jsonx_instant_or_null(r->completed_at), "returned",
        r->returned_at != 0);
}

/* The same members written into an open object of w. */
static void summary_members(struct jsonw *w, const struct activity_row *r, const char *due_date,
                            int64_t now)
{
    jsonw_key(w, "id");
    jsonw_int(w, r->id);
    jsonw_key(w, "enrolment_id");
    jsonw_int(w, r->enrolment_id);
    jsonw_key(w, "workflow_title");
    jsonw_string(w, r->workflow_title);
    jsonw_key(w, "step_key");
    jsonw_int(w, r->step_key);
    jsonw_key(w, "seq");
    jsonw_int(w, r->seq);
    jsonw_key(w, "phase");
    jsonw_int(w, r->phase);
    jsonw_key(w, "phase_name");
    jsonw_string(w, r->phase_name);
    jsonw_key(w, "kind");
    jsonw_string(w, r->kind);
    jsonw_key(w, "title");
    jsonw_string(w, r->title);
    jsonw_key(w, "effort_minutes");
    jsonw_int(w, r->effort_minutes);
    jsonw_key(w, "completion");
    jsonw_string(w, r->completion);
    jsonw_key(w, "evidence");
    jsonw_string(w, r->evidence);
    jsonw_key(w, "status");
    jsonw_string(
        w, activity_status_name(activity_status_of(r->state, r->release_at, r->returned_at, now)));
    jsonw_key(w, "release_at");
    write_instant(w, r->release_at);
    jsonw_key(w, "due_at");
    write_instant(w, r->due_at);
    jsonw_key(w, "due_date");
    jsonw_string(w, due_date);
    jsonw_key(w, "completed_at");
    write_instant(w, r->completed_at);
    jsonw_key(w, "returned");
    jsonw_bool(w, r->returned_at != 0);
}

/* ---- summaries of an enrolment ------------------------------------------------------ */

struct summaries {
    struct ctx *cx;
    struct zone_map *zone;
    json_t *array;
};

static enum rc add_summary(void *arg, const struct activity_row *r)
{
    struct summaries *s = arg;
    char due[DATE_TEXT];
    enum rc rc = due_date_text(s->zone, r->due_at, due);
    if (rc)
        return rc;
    json_t *j = summary_json(r, due, s->cx->now);
    if (!j || json_array_append_new(s->array, j))
        return RC_NOMEM;
    return RC_OK;
}

enum rc activity_enrolment_summaries(struct ctx *cx, int64_t enrolment_id, json_t *array)
{
    char zone[TZ_NAME_MAX + 1];
    struct zone_map m;
    enum rc rc = zone_load(cx, zone, &m);
    if (rc)
        return rc;
    struct summaries s = {cx, &m, array};
    return activity_store_enrolment_rows(cx->db, cx->actor.tenant_id, enrolment_id, add_summary,
                                         &s);
}

/* ---- one activity ------------------------------------------------------------------- */

static enum rc not_found(struct ctx *cx)
{
    return ctx_fail(cx, RC_NOT_FOUND, NULL, "There is no such activity.");
}

/* Loads activity id for the actor: RC_NOT_FOUND unless they may read its enrolment. */
static enum rc load_readable(struct ctx *cx, int64_t id, struct activity_record *rec)
{
    enum rc rc = id > 0 ? activity_store_get(cx->db, cx->actor.tenant_id, id, rec) : RC_NOT_FOUND;
    if (rc == RC_NOT_FOUND)
        return not_found(cx);
    if (rc)
        return rc;
    if (!authz_can_read_enrolment(cx, rec->learner_id, rec->coach_id)) {
        activity_record_free(rec);
        return not_found(cx);
    }
    return RC_OK;
}

/* Locks activity id and loads it for a change only its learner may make: 404 for people
 * who may not read it, 403 for readers who are not the learner. what says what they
 * tried ("complete", "add evidence to", …). */
static enum rc load_for_learner(struct ctx *cx, int64_t id, const char *what,
                                struct activity_record *rec)
{
    enum rc rc = id > 0 ? activity_store_lock(cx->db, cx->actor.tenant_id, id) : RC_NOT_FOUND;
    if (rc == RC_NOT_FOUND)
        return not_found(cx);
    if (rc || (rc = load_readable(cx, id, rec)))
        return rc;
    if (!authz_can_do_activity(cx, rec->learner_id)) {
        activity_record_free(rec);
        return ctx_fail(cx, RC_FORBIDDEN, NULL, "Only the learner may %s this activity.", what);
    }
    return RC_OK;
}

static int enrolment_active(const struct activity_record *rec)
{
    return strcmp(rec->enrolment_status, "active") == 0;
}

/* Refuses (409) a learner's change to an activity that is not open, released and of an
 * active enrolment. */
static enum rc check_open(struct ctx *cx, const struct activity_record *rec)
{
    switch (rec->row.state) {
    case ACTIVITY_COMPLETED:
        return ctx_fail_code(cx, RC_CONFLICT, "already_completed",
                             "This activity is already completed.");
    case ACTIVITY_AWAITING:
        return ctx_fail_code(cx, RC_CONFLICT, "awaiting_signoff",
                             "This activity is waiting for a sign-off.");
    case ACTIVITY_SKIPPED:
        return ctx_fail_code(cx, RC_CONFLICT, "activity_skipped", "This activity was skipped.");
    case ACTIVITY_OPEN:
        break;
    }
    if (!enrolment_active(rec))
        return ctx_fail_code(cx, RC_CONFLICT, "enrolment_not_active",
                             "The enrolment is %s: its activities cannot change.",
                             rec->enrolment_status);
    if (cx->now < rec->row.release_at) {
        char when[32];
        now_format_rfc3339(rec->row.release_at, when, sizeof when);
        return ctx_fail_code(cx, RC_CONFLICT, "not_released",
                             "This activity is not released yet; it opens at %s.", when);
    }
    return RC_OK;
}

static int is_signoff(enum workflow_completion c)
{
    return c == WORKFLOW_BY_MANAGER || c == WORKFLOW_BY_COACH;
}

static enum workflow_completion completion_of(const struct activity_row *r)
{
    int c = workflow_completion_parse(r->completion);
    return c < 0 ? WORKFLOW_BY_SELF : (enum workflow_completion)c;
}

/* Whether the actor signs off rec (whatever its state). */
static int signs_off(const struct ctx *cx, const struct activity_record *rec)
{
    return authz_can_sign_off(cx, completion_of(&rec->row) == WORKFLOW_BY_COACH,
                              rec->learner_manager_id, rec->coach_id);
}

static enum rc add_file(void *arg, const struct activity_file *f)
{
    json_t *j = json_pack("{s:I, s:s, s:s, s:I, s:o}", "id", (json_int_t)f->id, "name", f->name,
                          "content_type", f->content_type, "size", (json_int_t)f->size,
                          "created_at", jsonx_instant(f->created_at));
    if (!j || json_array_append_new(arg, j))
        return RC_NOMEM;
    return RC_OK;
}

static enum rc add_feedback(void *arg, const struct activity_feedback *f)
{
    json_t *j = json_pack("{s:I, s:s, s:s, s:{s:I, s:o}, s:o}", "id", (json_int_t)f->id, "decision",
                          f->decision, "comment", f->comment, "author", "id",
                          (json_int_t)f->author_id, "name", string_or_null(f->author_name),
                          "created_at", jsonx_instant(f->created_at));
    if (!j || json_array_append_new(arg, j))
        return RC_NOMEM;
    return RC_OK;
}

/* The activity as GET /activities/{id} shows it to the actor (who may read it). */
static enum rc detail_json(struct ctx *cx, const struct activity_record *rec, json_t **out)
{
    char zone[TZ_NAME_MAX + 1], due[DATE_TEXT];
    struct zone_map m;
    struct buf html;
    json_t *j = NULL, *files = json_array(), *feedback = json_array();
    buf_init(&html, 4u << 20);
    enum rc rc = files && feedback ? RC_OK : RC_NOMEM;
    if (rc || (rc = zone_load(cx, zone, &m)) || (rc = due_date_text(&m, rec->row.due_at, due)) ||
        (rc = markdown_render(rec->instructions, strlen(rec->instructions), &html)) ||
        (rc = activity_store_files(cx->db, rec->tenant_id, rec->row.id, 0, add_file, files)) ||
        (rc = activity_store_feedback(cx->db, rec->tenant_id, rec->row.id, add_feedback, feedback)))
        goto out;
    int learner = authz_can_do_activity(cx, rec->learner_id);
    enum workflow_completion completion = completion_of(&rec->row);
    int open =
        rec->row.state == ACTIVITY_OPEN && enrolment_active(rec) && cx->now >= rec->row.release_at;
    int can_complete =
        learner && open && completion != WORKFLOW_BY_ASSESSOR && completion != WORKFLOW_BY_XAPI;
    int can_upload = learner && open && json_array_size(files) < ACTIVITY_FILES_MAX;
    int can_sign_off = rec->row.state == ACTIVITY_AWAITING && enrolment_active(rec) &&
                       is_signoff(completion) && signs_off(cx, rec);
    if (!(j = summary_json(&rec->row, due, cx->now))) {
        rc = RC_NOMEM;
        goto out;
    }
    json_t *completed_by = rec->completed_by
                               ? json_pack("{s:I, s:o}", "id", (json_int_t)rec->completed_by,
                                           "name", string_or_null(rec->completed_by_name))
                               : json_null();
    if (json_object_set_new(j, "instructions", json_string(rec->instructions)) ||
        json_object_set_new(j, "instructions_html", json_string(html.data)) ||
        json_object_set_new(j, "link_url", string_or_null(rec->link_url)) ||
        json_object_set_new(j, "manager_prompt",
                            learner ? json_null() : string_or_null(rec->manager_prompt)) ||
        json_object_set_new(j, "reflection", string_or_null(rec->reflection)) ||
        json_object_set_new(j, "evidence_text", string_or_null(rec->evidence_text)) ||
        json_object_set_new(j, "evidence_url", string_or_null(rec->evidence_url)) ||
        json_object_set_new(j, "submitted_at", jsonx_instant_or_null(rec->row.submitted_at)) ||
        json_object_set_new(j, "completed_by", completed_by) ||
        json_object_set(j, "files", files) || json_object_set(j, "feedback", feedback) ||
        json_object_set_new(j, "learner",
                            json_pack("{s:I, s:s}", "id", (json_int_t)rec->learner_id, "name",
                                      rec->learner_name)) ||
        json_object_set_new(j, "enrolment_status", json_string(rec->enrolment_status)) ||
        json_object_set_new(j, "can",
                            json_pack("{s:b, s:b, s:b}", "complete", can_complete, "upload",
                                      can_upload, "sign_off", can_sign_off))) {
        rc = RC_NOMEM;
        goto out;
    }
    *out = j;
    j = NULL;
out:
    json_decref(j);
    json_decref(files);
    json_decref(feedback);
    buf_free(&html);
    return rc;
}

enum rc activity_get(struct ctx *cx, int64_t id, json_t **out)
{
    struct activity_record rec;
    enum rc rc = load_readable(cx, id, &rec);
    if (rc)
        return rc;
    rc = detail_json(cx, &rec, out);
    activity_record_free(&rec);
    return rc;
}

/* The answer of a change: the activity reloaded, when the caller wants it. */
static enum rc answer(struct ctx *cx, int64_t id, json_t **out)
{
    return out ? activity_get(cx, id, out) : RC_OK;
}

/* ---- completing --------------------------------------------------------------------- */

/* NULL for an absent, empty or all-blank text. */
static const char *non_blank(const char *s)
{
    for (const char *p = s; p && *p; p++)
        if (*p != ' ' && *p != '\t' && *p != '\r' && *p != '\n')
            return s;
    return NULL;
}

static void check_text(struct ctx *cx, const char *field, const char *s, size_t max_chars)
{
    if (!s)
        return;
    if (!jsonx_utf8_valid(s, strlen(s)))
        ctx_fail(cx, RC_INVALID, field, "must be valid UTF-8 text");
    else if (jsonx_utf8_length(s) > max_chars)
        ctx_fail(cx, RC_INVALID, field, "must be at most %zu characters", max_chars);
}

/* Counts a completed activity into its enrolment. */
static enum rc count_completion(struct ctx *cx, const struct activity_record *rec, int *finished)
{
    return activity_store_count_completion(cx->db, rec->tenant_id, rec->row.enrolment_id, cx->now,
                                           finished);
}

enum rc activity_complete(struct ctx *cx, int64_t id, const struct activity_input *in, json_t **out)
{
    static const struct activity_input NONE = {0};
    struct activity_record rec;
    if (!in)
        in = &NONE;
    enum rc rc = load_for_learner(cx, id, "complete", &rec);
    if (rc)
        return rc;
    enum workflow_completion completion = completion_of(&rec.row);
    if ((rc = check_open(cx, &rec)))
        goto out;
    if (completion == WORKFLOW_BY_ASSESSOR || completion == WORKFLOW_BY_XAPI) {
        rc = ctx_fail_code(cx, RC_CONFLICT, "completed_elsewhere",
                           "This activity is completed %s, not here.",
                           completion == WORKFLOW_BY_ASSESSOR ? "by an assessor"
                                                              : "by the learning tool it links to");
        goto out;
    }
    check_text(cx, "reflection", in->reflection, ACTIVITY_TEXT_MAX);
    check_text(cx, "evidence_text", in->evidence_text, ACTIVITY_TEXT_MAX);
    if (in->evidence_url && non_blank(in->evidence_url) &&
        (strlen(in->evidence_url) > WORKFLOW_URL_MAX || !workflow_url_valid(in->evidence_url)))
        ctx_fail(cx, RC_INVALID, "evidence_url",
                 "must be an absolute http:// or https:// address of at most %d characters",
                 WORKFLOW_URL_MAX);
    if (cx->rc == RC_INVALID) {
        rc = RC_INVALID;
        goto out;
    }
    /* An absent field keeps what an earlier submission (before a return) stored. */
    const char *reflection = in->reflection ? non_blank(in->reflection) : rec.reflection;
    const char *text = in->evidence_text ? non_blank(in->evidence_text) : rec.evidence_text;
    const char *url = in->evidence_url ? non_blank(in->evidence_url) : rec.evidence_url;
    if (strcmp(rec.row.kind, "reflect") == 0 && !reflection)
        ctx_fail(cx, RC_INVALID, "reflection", "is required: this step asks for a reflection");
    if (strcmp(rec.row.evidence, "required") == 0 && !text && !url) {
        int64_t files = 0;
        if ((rc = activity_store_file_count(cx->db, rec.tenant_id, id, &files)))
            goto out;
        if (!files)
            ctx_fail(cx, RC_INVALID, "evidence_text",
                     "this step needs evidence: a text, a link (evidence_url) or a file");
    }
    if (cx->rc == RC_INVALID) {
        rc = RC_INVALID;
        goto out;
    }
    enum activity_state to = is_signoff(completion) ? ACTIVITY_AWAITING : ACTIVITY_COMPLETED;
    int finished = 0;
    if ((rc = activity_store_record_work(cx->db, rec.tenant_id, id, to, reflection, text, url,
                                         cx->actor.user_id, cx->now)) ||
        (to == ACTIVITY_COMPLETED && (rc = count_completion(cx, &rec, &finished))) ||
        (rc = activity_store_bump_journey(cx->db, rec.tenant_id, rec.learner_id)))
        goto out;
    rc = audit_record(
        cx, to == ACTIVITY_COMPLETED ? "activity.complete" : "activity.submit", "activity", id,
        json_pack("{s:I, s:I, s:b}", "enrolment_id", (json_int_t)rec.row.enrolment_id, "step_key",
                  (json_int_t)rec.row.step_key, "enrolment_completed", finished));
    if (!rc)
        rc = answer(cx, id, out);
out:
    activity_record_free(&rec);
    return rc;
}

/* ---- signing off -------------------------------------------------------------------- */

enum rc activity_sign_off(struct ctx *cx, int64_t id, int approve, const char *comment,
                          json_t **out)
{
    struct activity_record rec;
    enum rc rc = id > 0 ? activity_store_lock(cx->db, cx->actor.tenant_id, id) : RC_NOT_FOUND;
    if (rc == RC_NOT_FOUND)
        return not_found(cx);
    if (rc || (rc = load_readable(cx, id, &rec)))
        return rc;
    enum workflow_completion completion = completion_of(&rec.row);
    if (!signs_off(cx, &rec)) {
        rc = ctx_fail(cx, RC_FORBIDDEN, NULL, "Only %s signs off this activity.",
                      completion == WORKFLOW_BY_COACH ? "the enrolment's coach"
                                                      : "the learner's manager");
        goto out;
    }
    if (rec.row.state != ACTIVITY_AWAITING) {
        rc = ctx_fail_code(cx, RC_CONFLICT, "not_awaiting_signoff",
                           "This activity is not waiting for a sign-off.");
        goto out;
    }
    if (!enrolment_active(&rec)) {
        rc = ctx_fail_code(cx, RC_CONFLICT, "enrolment_not_active",
                           "The enrolment is %s: its activities cannot change.",
                           rec.enrolment_status);
        goto out;
    }
    check_text(cx, "comment", comment, ACTIVITY_COMMENT_MAX);
    if (!approve && !non_blank(comment) && !ctx_has_detail(cx, "comment"))
        ctx_fail(cx, RC_INVALID, "comment",
                 "is required to return an activity: say what to change");
    if (cx->rc == RC_INVALID) {
        rc = RC_INVALID;
        goto out;
    }
    int finished = 0;
    if ((rc = activity_store_decide(cx->db, rec.tenant_id, id, approve, non_blank(comment),
                                    cx->actor.user_id, cx->now)) ||
        (approve && (rc = count_completion(cx, &rec, &finished))) ||
        (rc = activity_store_bump_journey(cx->db, rec.tenant_id, rec.learner_id)))
        goto out;
    rc = audit_record(cx, approve ? "activity.approve" : "activity.return", "activity", id,
                      json_pack("{s:I, s:I, s:b}", "enrolment_id", (json_int_t)rec.row.enrolment_id,
                                "learner_id", (json_int_t)rec.learner_id, "enrolment_completed",
                                finished));
    if (!rc)
        rc = answer(cx, id, out);
out:
    activity_record_free(&rec);
    return rc;
}

/* ---- evidence files ----------------------------------------------------------------- */

#define ACCEPTED_KINDS                                                                             \
    "PDF, PNG, JPEG, GIF, WebP, plain text, Word/Excel/PowerPoint (.docx/.xlsx/.pptx) and "        \
    "OpenDocument files"

enum rc activity_add_files(struct ctx *cx, int64_t id, const struct activity_upload *files,
                           size_t n, json_t **out)
{
    struct activity_record rec;
    json_t *added = NULL;
    enum rc rc = load_for_learner(cx, id, "add evidence to", &rec);
    if (rc)
        return rc;
    if ((rc = check_open(cx, &rec)))
        goto out;
    if (n == 0) {
        rc = ctx_fail(cx, RC_INVALID, "file", "is required: send the file in a part named file");
        goto out;
    }
    const char *types[ACTIVITY_FILES_MAX + 1];
    int64_t have = 0;
    if ((rc = activity_store_file_count(cx->db, rec.tenant_id, id, &have)))
        goto out;
    for (size_t i = 0; i < n; i++) {
        if (files[i].len > (size_t)ACTIVITY_FILE_MAX) {
            rc = ctx_fail(cx, RC_TOO_LARGE, NULL, "Each file may be at most %ld MiB.",
                          ACTIVITY_FILE_MAX / (1024 * 1024));
            goto out;
        }
    }
    if (have + (int64_t)n > ACTIVITY_FILES_MAX) {
        rc = ctx_fail_code(cx, RC_CONFLICT, "too_many_files",
                           "An activity holds at most %d files; this one has %lld.",
                           ACTIVITY_FILES_MAX, (long long)have);
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        if (!(types[i] = sniff_type(files[i].data, files[i].len))) {
            rc = ctx_fail_code(cx, RC_UNSUPPORTED_MEDIA, "unsupported_file_type",
                               "This kind of file is not accepted. Accepted: " ACCEPTED_KINDS ".");
            goto out;
        }
    }
    if (!(added = json_array())) {
        rc = RC_NOMEM;
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        char name[SNIFF_NAME_MAX + 1];
        int64_t file_id = 0;
        sniff_file_name(files[i].name ? files[i].name : "", name, sizeof name);
        if ((rc = activity_store_file_insert(cx->db, rec.tenant_id, id, name, types[i],
                                             files[i].data, files[i].len, cx->actor.user_id,
                                             cx->now, &file_id)) ||
            (rc = activity_store_files(cx->db, rec.tenant_id, id, file_id, add_file, added)) ||
            (rc = audit_record(cx, "activity.file_add", "activity", id,
                               json_pack("{s:I, s:s, s:s, s:I}", "file_id", (json_int_t)file_id,
                                         "name", name, "content_type", types[i], "size",
                                         (json_int_t)files[i].len))))
            goto out;
    }
    if (out) {
        *out = json_pack("{s:O}", "files", added);
        rc = *out ? RC_OK : RC_NOMEM;
    }
out:
    json_decref(added);
    activity_record_free(&rec);
    return rc;
}

enum rc activity_file_get(struct ctx *cx, int64_t id, int64_t file_id, struct buf *data, char *name,
                          size_t name_size, const char **type)
{
    struct activity_record rec;
    enum rc rc = load_readable(cx, id, &rec);
    if (rc)
        return rc;
    size_t start = data->len;
    rc = file_id > 0
             ? activity_store_file_data(cx->db, rec.tenant_id, id, file_id, data, name, name_size)
             : RC_NOT_FOUND;
    activity_record_free(&rec);
    if (rc == RC_NOT_FOUND)
        return ctx_fail(cx, RC_NOT_FOUND, NULL, "There is no such file.");
    if (rc || (rc = buf_failed(data)))
        return rc;
    /* The bytes were sniffed on the way in; sniffing again gives the same type as a
     * string that outlives the request. */
    const char *t = sniff_type(data->data + start, data->len - start);
    *type = t ? t : "application/octet-stream";
    return RC_OK;
}

enum rc activity_file_delete(struct ctx *cx, int64_t id, int64_t file_id)
{
    struct activity_record rec;
    enum rc rc = load_for_learner(cx, id, "remove evidence from", &rec);
    if (rc)
        return rc;
    if ((rc = check_open(cx, &rec)))
        goto out;
    rc =
        file_id > 0 ? activity_store_file_delete(cx->db, rec.tenant_id, id, file_id) : RC_NOT_FOUND;
    if (rc == RC_NOT_FOUND) {
        rc = ctx_fail(cx, RC_NOT_FOUND, NULL, "There is no such file.");
        goto out;
    }
    if (!rc)
        rc = audit_record(cx, "activity.file_delete", "activity", id,
                          json_pack("{s:I}", "file_id", (json_int_t)file_id));
out:
    activity_record_free(&rec);
    return rc;
}

/* ---- the journey -------------------------------------------------------------------- */

/* The journey is read as four small lists (enrolments, their activities, the steps and
 * phases of their versions) and joined here: two b-tree lookups an activity instead of
 * five for one big join, which is most of the journey's time. Strings are kept in one
 * pool and addressed by offset, because the pool moves as it grows. */
struct j_enrolment {
    int64_t id, workflow_id, version_id;
    size_t title, status, start_date; /* pool offsets */
    int completed, total, overdue, active;
    int64_t next_due_at, completed_at;
};
struct j_step {
    int64_t id, step_key, phase_id;
    size_t kind, title, completion, evidence;
    int effort_minutes;
};
struct j_phase {
    int64_t id;
    int position;
    size_t name;
};
struct journey {
    struct buf pool;
    struct j_enrolment *enrolments;
    struct activity_core *acts;
    struct j_step *steps;
    struct j_phase *phases;
    size_t nenrolments, nacts, nsteps, nphases;
    size_t cap_enrolments, cap_acts, cap_steps, cap_phases;
};

static size_t pool_add(struct buf *pool, const char *s)
{
    size_t offset = pool->len;
    buf_addn(pool, s, strlen(s) + 1);
    return offset;
}

static const char *pooled(const struct journey *j, size_t offset)
{
    return j->pool.data + offset;
}

static enum rc keep_enrolment(void *arg, const struct activity_journey_enrolment *e)
{
    struct journey *j = arg;
    if (array_reserve((void **)&j->enrolments, sizeof *j->enrolments, j->nenrolments + 1,
                      &j->cap_enrolments))
        return RC_NOMEM;
    j->enrolments[j->nenrolments++] = (struct j_enrolment){
        .id = e->id,
        .workflow_id = e->workflow_id,
        .version_id = e->version_id,
        .title = pool_add(&j->pool, e->workflow_title),
        .status = pool_add(&j->pool, e->status),
        .start_date = pool_add(&j->pool, e->start_date),
        .completed = e->completed,
        .total = e->total,
        .active = strcmp(e->status, "active") == 0,
        .completed_at = e->completed_at,
    };
    return buf_failed(&j->pool);
}

static enum rc keep_activity(void *arg, const struct activity_core *a)
{
    struct journey *j = arg;
    if (array_reserve((void **)&j->acts, sizeof *j->acts, j->nacts + 1, &j->cap_acts))
        return RC_NOMEM;
    j->acts[j->nacts++] = *a;
    return RC_OK;
}

static enum rc keep_step(void *arg, const struct activity_step *s)
{
    struct journey *j = arg;
    if (array_reserve((void **)&j->steps, sizeof *j->steps, j->nsteps + 1, &j->cap_steps))
        return RC_NOMEM;
    j->steps[j->nsteps++] = (struct j_step){
        .id = s->id,
        .step_key = s->step_key,
        .phase_id = s->phase_id,
        .kind = pool_add(&j->pool, s->kind),
        .title = pool_add(&j->pool, s->title),
        .completion = pool_add(&j->pool, s->completion),
        .evidence = pool_add(&j->pool, s->evidence),
        .effort_minutes = s->effort_minutes,
    };
    return buf_failed(&j->pool);
}

static enum rc keep_phase(void *arg, const struct activity_phase *p)
{
    struct journey *j = arg;
    if (array_reserve((void **)&j->phases, sizeof *j->phases, j->nphases + 1, &j->cap_phases))
        return RC_NOMEM;
    j->phases[j->nphases++] =
        (struct j_phase){.id = p->id, .position = p->position, .name = pool_add(&j->pool, p->name)};
    return buf_failed(&j->pool);
}

static void journey_free(struct journey *j)
{
    buf_free(&j->pool);
    free(j->enrolments);
    free(j->acts);
    free(j->steps);
    free(j->phases);
}

static struct j_enrolment *find_enrolment(struct journey *j, int64_t id)
{
    for (size_t i = 0; i < j->nenrolments; i++)
        if (j->enrolments[i].id == id)
            return &j->enrolments[i];
    return NULL;
}

/* Binary search by id in an array sorted by id whose elements start with their id. */
static const void *find_by_id(const void *items, size_t n, size_t size, int64_t id)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int64_t at = *(const int64_t *)((const char *)items + mid * size);
        if (at == id)
            return (const char *)items + mid * size;
        if (at < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

enum journey_group { J_OVERDUE, J_TODAY, J_UPCOMING, J_WAITING, J_DONE, J_NONE };
static const char *const GROUP_NAMES[] = {"overdue", "today", "upcoming", "waiting", "done"};

/* The group of an activity of an active enrolment. */
static enum journey_group group_of(const struct activity_core *a, int64_t now,
                                   int64_t tomorrow_start, int64_t horizon)
{
    switch (activity_status_of(a->state, a->release_at, a->returned_at, now)) {
    case ACTIVITY_AVAILABLE:
    case ACTIVITY_RETURNED:
        if (a->due_at < now)
            return J_OVERDUE;
        if (a->due_at < tomorrow_start)
            return J_TODAY;
        return J_UPCOMING; /* released: shown whenever it is due */
    case ACTIVITY_LOCKED:
        return a->release_at < horizon ? J_UPCOMING : J_NONE;
    case ACTIVITY_AWAITING_SIGNOFF:
        return J_WAITING;
    case ACTIVITY_DONE:
        return J_DONE;
    default:
        return J_NONE;
    }
}

/* Orders by due instant (then id); the done group newest completion first. */
static int by_due(const void *x, const void *y)
{
    const struct activity_core *a = *(const struct activity_core *const *)x;
    const struct activity_core *b = *(const struct activity_core *const *)y;
    if (a->due_at != b->due_at)
        return a->due_at < b->due_at ? -1 : 1;
    return (a->id > b->id) - (a->id < b->id);
}

static int by_completion_newest(const void *x, const void *y)
{
    const struct activity_core *a = *(const struct activity_core *const *)x;
    const struct activity_core *b = *(const struct activity_core *const *)y;
    if (a->completed_at != b->completed_at)
        return a->completed_at > b->completed_at ? -1 : 1;
    return (a->id < b->id) - (a->id > b->id);
}

static void write_journey_enrolment(struct jsonw *w, const struct journey *j,
                                    const struct j_enrolment *e)
{
    jsonw_object(w);
    jsonw_key(w, "id");
    jsonw_int(w, e->id);
    jsonw_key(w, "workflow");
    jsonw_object(w);
    jsonw_key(w, "id");
    jsonw_int(w, e->workflow_id);
    jsonw_key(w, "title");
    jsonw_string(w, pooled(j, e->title));
    jsonw_end_object(w);
    jsonw_key(w, "status");
    jsonw_string(w, pooled(j, e->status));
    jsonw_key(w, "start_date");
    jsonw_string(w, pooled(j, e->start_date));
    jsonw_key(w, "progress");
    jsonw_object(w);
    jsonw_key(w, "completed");
    jsonw_int(w, e->completed);
    jsonw_key(w, "total");
    jsonw_int(w, e->total);
    jsonw_key(w, "percent");
    jsonw_int(w, e->total > 0 ? (int64_t)e->completed * 100 / e->total : 0);
    jsonw_key(w, "overdue");
    jsonw_int(w, e->overdue);
    jsonw_end_object(w);
    jsonw_key(w, "next_due_at");
    write_instant(w, e->next_due_at);
    jsonw_end_object(w);
}

/* The summary of activity a (of an active enrolment, whose step was loaded). */
static enum rc write_journey_activity(struct jsonw *w, const struct journey *j,
                                      const struct activity_core *a, struct zone_map *m,
                                      int64_t now)
{
    const struct j_enrolment *e = find_enrolment((struct journey *)j, a->enrolment_id);
    const struct j_step *s = find_by_id(j->steps, j->nsteps, sizeof *j->steps, a->step_id);
    if (!e || !s)
        return RC_OK; /* changed between the statements (a concurrent withdrawal): left out */
    const struct j_phase *p = find_by_id(j->phases, j->nphases, sizeof *j->phases, s->phase_id);
    char due[DATE_TEXT];
    enum rc rc = due_date_text(m, a->due_at, due);
    if (rc)
        return rc;
    struct activity_row r = {
        .id = a->id,
        .enrolment_id = a->enrolment_id,
        .step_key = s->step_key,
        .seq = a->seq,
        .phase = p ? p->position : 0,
        .phase_name = p ? pooled(j, p->name) : "",
        .workflow_title = pooled(j, e->title),
        .kind = pooled(j, s->kind),
        .title = pooled(j, s->title),
        .effort_minutes = s->effort_minutes,
        .completion = pooled(j, s->completion),
        .evidence = pooled(j, s->evidence),
        .state = a->state,
        .release_at = a->release_at,
        .due_at = a->due_at,
        .completed_at = a->completed_at,
        .returned_at = a->returned_at,
        .submitted_at = a->submitted_at,
    };
    jsonw_object(w);
    summary_members(w, &r, due, now);
    jsonw_end_object(w);
    return RC_OK;
}

/* The first instant after now at which the journey of j would change by time alone:
 * the next local midnight (the date, "today" and the 7 days of "upcoming" move), an open
 * activity's release (locked → available), the second after an open activity's due
 * instant (it becomes overdue, and the next due instant moves), and the second after a
 * completed enrolment's 30 days on the journey. */
static int64_t journey_valid_until(const struct journey *j, int64_t now, int64_t tomorrow_start)
{
    int64_t until = tomorrow_start;
    for (size_t i = 0; i < j->nacts; i++) {
        const struct activity_core *a = &j->acts[i];
        if (a->state != ACTIVITY_OPEN)
            continue; /* the others' status and group do not depend on now */
        if (a->release_at > now && a->release_at < until)
            until = a->release_at;
        if (a->due_at >= now && a->due_at < until - 1)
            until = a->due_at + 1;
    }
    for (size_t i = 0; i < j->nenrolments; i++) {
        const struct j_enrolment *e = &j->enrolments[i];
        int64_t gone = e->completed_at + (int64_t)JOURNEY_RECENT * DAY + 1;
        if (e->completed_at && gone > now && gone < until)
            until = gone;
    }
    return until;
}

/* Writes the journey of the actor at cx->now in zone into w, and into *valid_until the
 * instant until which that answer stays the same when nothing is written. */
static enum rc journey_write(struct ctx *cx, const char *zone, struct jsonw *w,
                             int64_t *valid_until)
{
    char today[DATE_TEXT];
    struct zone_map m;
    struct journey j = {0};
    const struct activity_core **order = NULL;
    int64_t tomorrow_start, horizon, tenant = cx->actor.tenant_id, me = cx->actor.user_id;
    buf_init(&j.pool, 64u << 20);
    enum rc rc = zone_init(&m, zone, cx->now);
    if (rc == RC_INVALID)
        rc = zone_init(&m, "UTC", cx->now); /* a zone ICU does not know: dates in UTC */
    if (rc || (rc = zone_day_start(&m, m.today + 1, &tomorrow_start)) ||
        (rc = zone_day_start(&m, m.today + 1 + JOURNEY_DAYS, &horizon)) ||
        (rc = activity_store_journey_enrolments(
             cx->db, tenant, me, cx->now - (int64_t)JOURNEY_RECENT * DAY, keep_enrolment, &j)) ||
        (rc = activity_store_journey_activities(cx->db, tenant, me, keep_activity, &j)) ||
        (rc = activity_store_journey_steps(cx->db, tenant, me, keep_step, &j)) ||
        (rc = activity_store_journey_phases(cx->db, tenant, me, keep_phase, &j)))
        goto out;
    *valid_until = journey_valid_until(&j, cx->now, tomorrow_start);
    if (j.nacts && !(order = malloc(j.nacts * sizeof *order))) {
        rc = RC_NOMEM;
        goto out;
    }
    /* Progress of every listed enrolment, and the groups of the active ones. */
    size_t counts[J_NONE] = {0}, start[J_NONE + 1] = {0};
    unsigned char *group = j.nacts ? malloc(j.nacts) : NULL;
    if (j.nacts && !group) {
        rc = RC_NOMEM;
        goto out;
    }
    for (size_t i = 0; i < j.nacts; i++) {
        const struct activity_core *a = &j.acts[i];
        struct j_enrolment *e = find_enrolment(&j, a->enrolment_id);
        group[i] = J_NONE;
        if (!e)
            continue;
        if (a->state == ACTIVITY_OPEN) {
            if (a->due_at < cx->now && cx->now >= a->release_at)
                e->overdue++;
            else if (a->due_at >= cx->now && (!e->next_due_at || a->due_at < e->next_due_at))
                e->next_due_at = a->due_at;
        }
        if (e->active) {
            group[i] = (unsigned char)group_of(a, cx->now, tomorrow_start, horizon);
            if (group[i] != J_NONE)
                counts[group[i]]++;
        }
    }
    for (int g = 0; g < J_NONE; g++)
        start[g + 1] = start[g] + counts[g];
    size_t fill[J_NONE];
    memcpy(fill, start, sizeof fill);
    for (size_t i = 0; i < j.nacts; i++)
        if (group[i] != J_NONE)
            order[fill[group[i]]++] = &j.acts[i];
    free(group);
    for (int g = 0; g < J_NONE; g++)
        if (counts[g] > 1)
            qsort(order + start[g], counts[g], sizeof *order,
                  g == J_DONE ? by_completion_newest : by_due);

    date_format(m.today, today);
    jsonw_object(w);
    jsonw_key(w, "date");
    jsonw_string(w, today);
    jsonw_key(w, "time_zone");
    jsonw_string(w, m.zone);
    jsonw_key(w, "enrolments");
    jsonw_array(w);
    for (size_t i = 0; i < j.nenrolments; i++)
        write_journey_enrolment(w, &j, &j.enrolments[i]);
    jsonw_end_array(w);
    for (int g = 0; g < J_NONE && !rc; g++) {
        size_t n = counts[g];
        if (g == J_DONE && n > ACTIVITY_DONE_MAX)
            n = ACTIVITY_DONE_MAX;
        jsonw_key(w, GROUP_NAMES[g]);
        jsonw_array(w);
        for (size_t i = 0; i < n && !rc; i++)
            rc = write_journey_activity(w, &j, order[start[g] + i], &m, cx->now);
        jsonw_end_array(w);
    }
    jsonw_end_object(w);
out:
    free(order);
    journey_free(&j);
    return rc;
}

enum rc activity_journey(struct ctx *cx, struct buf *out)
{
    char zone[TZ_NAME_MAX + 1], kind[CACHE_KIND_MAX + 1];
    int64_t rev = 0, valid_until = 0, tenant = cx->actor.tenant_id, me = cx->actor.user_id;
    /* The revision first, the data after: a change committed while the journey is built
     * leaves newer data under an older revision (a later miss), never older data under
     * the current revision. */
    enum rc rc = activity_store_journey_rev(cx->db, tenant, me, &rev, zone, sizeof zone);
    if (rc)
        return rc == RC_NOT_FOUND ? RC_INTERNAL : rc;
    snprintf(kind, sizeof kind, "journey:%s", zone);
    if (cache_get(cx->cache, tenant, me, kind, rev, cx->now, out))
        return RC_OK;
    if ((rc = buf_failed(out)))
        return rc;
    size_t start = out->len;
    struct jsonw w;
    jsonw_init(&w, out);
    if ((rc = journey_write(cx, zone, &w, &valid_until)) || (rc = buf_failed(out)))
        return rc;
    /* Not kept when memory is short: the answer is right all the same. */
    cache_put(cx->cache, tenant, me, kind, rev, cx->now, valid_until, out->data + start,
              out->len - start);
    return RC_OK;
}

/* ---- the sign-off queue -------------------------------------------------------------- */

struct queue {
    struct jsonw *w;
    struct zone_map *zone;
    int64_t now;
    int limit, seen;
    int64_t last_id;
    enum rc rc;
};

static enum rc write_queue_item(void *arg, const struct activity_queue_row *q)
{
    struct queue *s = arg;
    if (++s->seen > s->limit)
        return RC_OK; /* the one more row that says there is a next page */
    char due[DATE_TEXT];
    enum rc rc = due_date_text(s->zone, q->a.due_at, due);
    if (rc)
        return rc;
    struct jsonw *w = s->w;
    jsonw_object(w);
    summary_members(w, &q->a, due, s->now);
    jsonw_key(w, "learner");
    jsonw_object(w);
    jsonw_key(w, "id");
    jsonw_int(w, q->learner_id);
    jsonw_key(w, "name");
    jsonw_string(w, q->learner_name);
    jsonw_end_object(w);
    jsonw_key(w, "submitted_at");
    write_instant(w, q->a.submitted_at);
    jsonw_key(w, "reflection");
    jsonw_string(w, q->reflection);
    jsonw_key(w, "evidence_text");
    jsonw_string(w, q->evidence_text);
    jsonw_key(w, "evidence_url");
    jsonw_string(w, q->evidence_url);
    jsonw_key(w, "file_count");
    jsonw_int(w, q->file_count);
    jsonw_end_object(w);
    s->last_id = q->a.id;
    return RC_OK;
}

enum rc activity_signoffs(struct ctx *cx, int64_t cursor, int limit, struct jsonw *w)
{
    char zone[TZ_NAME_MAX + 1];
    struct zone_map m;
    enum rc rc = zone_load(cx, zone, &m);
    if (rc)
        return rc;
    struct queue q = {.w = w, .zone = &m, .now = cx->now, .limit = limit};
    jsonw_object(w);
    jsonw_key(w, "items");
    jsonw_array(w);
    rc = activity_store_signoffs(cx->db, cx->actor.tenant_id, cx->actor.user_id,
                                 authz_has_role(cx, PEOPLE_ROLE_COACH), cursor, limit + 1,
                                 write_queue_item, &q);
    if (rc == RC_BAD_REQUEST)
        return ctx_fail(cx, RC_BAD_REQUEST, "cursor", "is not a cursor this list gave");
    if (rc)
        return rc;
    jsonw_end_array(w);
    jsonw_key(w, "next_cursor");
    if (q.seen > limit) {
        char text[24];
        int n = snprintf(text, sizeof text, "%lld", (long long)q.last_id);
        jsonw_string(w, n > 0 ? text : NULL);
    } else {
        jsonw_null(w);
    }
    jsonw_end_object(w);
    return RC_OK;
}
