/*
 * enrolment.c — the rules of enrolling, changing enrolments and the scheduler pass (see
 * enrolment.h for the contract, docs/enrolments.md for the API).
 *
 * Enrolling a batch has two halves. First everything is checked and resolved without a
 * single write: the workflow's state, the start date, the group, the coach, and every
 * person named — ids and emails looked up a few hundred keys per query (then sorted and
 * binary searched), group members in one query — so a refusal leaves the database as it
 * was. Then the schedule is computed once (pacing.h: the start date and the tenant's
 * calendar decide every date, so it is the same for everybody) and written per learner
 * through enrolment_store's cached statements. "Already enrolled" and "has exactly one
 * coach" are sets read in one query each.
 *
 * Dates are day numbers in the tenant's zone (date.h) until the last moment, when
 * pacing_instants turns them into the UTC instants the activities store. Moving
 * activities (resume, re-plan) reads their instants back as local days with tz_date_of,
 * moves the days, and writes new instants, so a move across a daylight-saving change
 * still starts at local midnight.
 *
 * An enrolment's updated_at is its ETag, so every change moves it forward by at least a
 * second even when two changes share the same now.
 */
#include "enrolment.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/audit.h"
#include "core/jsonx.h"
#include "core/log.h"
#include "core/tz.h"
#include "enrolment_store.h"
#include "pacing.h"
#include "people/authz.h"
#include "tenant/tenant.h"

static const char *const STATUS_NAMES[ENROLMENT_STATUS_COUNT] = {"active", "paused", "withdrawn",
                                                                 "completed"};

const char *enrolment_status_name(enum enrolment_status s)
{
    return (unsigned)s < ENROLMENT_STATUS_COUNT ? STATUS_NAMES[s] : NULL;
}

int enrolment_status_parse(const char *s)
{
    for (int i = 0; s && i < ENROLMENT_STATUS_COUNT; i++)
        if (strcmp(s, STATUS_NAMES[i]) == 0)
            return i;
    return -1;
}

void enrolment_batch_free(struct enrolment_batch *b)
{
    if (!b)
        return;
    for (size_t i = 0; b->people && i < b->npeople; i++) {
        free(b->people[i].name);
        free(b->people[i].email);
    }
    free(b->people);
    enrolment_store_steps_free(b->schedule, b->nschedule);
    memset(b, 0, sizeof *b);
}

/* ---- helpers ------------------------------------------------------------------------------ */

static enum rc db_fail(struct ctx *cx, enum rc rc, const char *what)
{
    if (rc == RC_DB || rc == RC_BUSY)
        log_line(LOG_ERROR, "enrolment", cx->request_id, NULL, "%s: %s", what, db_errmsg(cx->db));
    return rc;
}

static int cmp_int64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

/* 1 when v is in the ascending array a[0..n). */
static int has_id(const int64_t *a, size_t n, int64_t v)
{
    return n && bsearch(&v, a, n, sizeof *a, cmp_int64) != NULL;
}

/* The value paired with key in pairs {key, value} ascending by key ({learner, coach},
 * {user, enrolment}); 0 when key is not there. */
static int64_t pair_lookup(const int64_t *pairs, size_t npairs, int64_t learner)
{
    size_t lo = 0, hi = npairs;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (pairs[2 * mid] < learner)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < npairs && pairs[2 * lo] == learner ? pairs[2 * lo + 1] : 0;
}

/* The tenant's calendar: its zone and working days (kept in t, which must outlive p). */
static enum rc load_calendar(struct ctx *cx, struct tenant *t, struct pacing *p, int calendar_days)
{
    enum rc rc = tenant_get(cx, t);
    if (rc)
        return rc;
    p->working_days = t->working_days ? t->working_days : TENANT_WORKING_DAYS_DEFAULT;
    p->calendar_days = calendar_days;
    p->zone = t->time_zone;
    return RC_OK;
}

static enum rc zone_fail(struct ctx *cx, const char *zone)
{
    log_line(LOG_ERROR, "enrolment", cx->request_id, NULL, "time zone %s: no calendar", zone);
    return ctx_fail(cx, RC_INTERNAL, NULL, "The organisation's time zone cannot be used.");
}

/* Today in the tenant's zone. */
static enum rc today_of(struct ctx *cx, const struct pacing *p, int64_t *today)
{
    return tz_date_of(p->zone, cx->now, today) ? zone_fail(cx, p->zone) : RC_OK;
}

/* Fills each step's days and instants for an enrolment starting on start_day. */
static enum rc plan_schedule(struct ctx *cx, const struct pacing *p, int64_t start_day,
                             struct enrolment_planned *steps, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        struct enrolment_planned *s = &steps[i];
        pacing_step_days(p, start_day, s->release_offset, s->due_offset, &s->release_day,
                         &s->due_day);
        if (pacing_instants(p, s->release_day, s->due_day, &s->release_at, &s->due_at))
            return zone_fail(cx, p->zone);
    }
    return RC_OK;
}

/* A new updated_at: now, but always later than the old one (it is the ETag). */
static int64_t next_stamp(const struct ctx *cx, int64_t old)
{
    return cx->now > old ? cx->now : old + 1;
}

static enum rc load_workflow(struct ctx *cx, int64_t workflow_id,
                             struct enrolment_store_workflow *wf)
{
    enum rc rc = workflow_id > 0
                     ? enrolment_store_workflow(cx->db, cx->actor.tenant_id, workflow_id, wf)
                     : RC_NOT_FOUND;
    if (rc == RC_NOT_FOUND)
        return ctx_fail(cx, RC_NOT_FOUND, NULL, "There is no such workflow.");
    return db_fail(cx, rc, "workflow");
}

/* What the enrolments of one batch share: the workflow, version, rule, who enrolled them,
 * the start date, and the activity rows of the schedule. */
struct batch_write {
    int64_t workflow_id;
    int64_t version_id;
    int64_t rule_id;
    int64_t enrolled_by;
    const char *start_date;
    struct enrolment_store_writer rows;
};

/* Writes one enrolment (and its activities) per users[i], with coach coaches[i] (0:
 * none); ids (may be NULL, or users itself) receives the new enrolment ids. The caller
 * holds the workflow's lock, so the enrolments of the workflow above the largest id
 * before the insert are exactly these: enrolments go in a hundred per statement without
 * a RETURNING each, and one query reads their ids back. */
static enum rc write_batch(struct ctx *cx, const struct batch_write *w, const int64_t *users,
                           const int64_t *coaches, size_t n, int64_t *ids)
{
    int64_t after = 0, *pairs = NULL;
    size_t npairs = 0;
    if (!n)
        return RC_OK;
    struct enrolment_store_new e = {
        .tenant_id = cx->actor.tenant_id,
        .workflow_id = w->workflow_id,
        .version_id = w->version_id,
        .rule_id = w->rule_id,
        .enrolled_by = w->enrolled_by,
        .start_date = w->start_date,
        .total_steps = (int)w->rows.nsteps,
        .now = cx->now,
    };
    enum rc rc = enrolment_store_max_id(cx->db, &after);
    if (!rc)
        rc = enrolment_store_insert_many(cx->db, &e, users, coaches, n);
    if (!rc)
        rc = enrolment_store_ids_after(cx->db, cx->actor.tenant_id, w->workflow_id, after, &pairs,
                                       &npairs);
    if (!rc && npairs != n) {
        log_line(LOG_ERROR, "enrolment", cx->request_id, NULL, "wrote %zu enrolments but found %zu",
                 n, npairs);
        rc = RC_INTERNAL;
    }
    for (size_t i = 0; i < n && !rc; i++) {
        int64_t user = users[i];                       /* ids may be users: read before writing */
        int64_t id = pair_lookup(pairs, npairs, user); /* {user, id} pairs, by user */
        if (!id) {
            rc = RC_INTERNAL;
            break;
        }
        if (ids)
            ids[i] = id;
        rc = enrolment_store_insert_activities(cx->db, &w->rows, cx->actor.tenant_id, id, user,
                                               cx->now);
    }
    free(pairs);
    if (!rc) /* their journeys changed: one UPDATE for the batch */
        rc =
            enrolment_store_bump_journeys_after(cx->db, cx->actor.tenant_id, w->workflow_id, after);
    return db_fail(cx, rc, "enrolment insert");
}

/* ---- resolving the people of a request ------------------------------------------------------ */

/* One person named, pointing into a loaded array. */
struct named {
    const struct enrolment_store_person *p;
    size_t order;
};

struct resolve {
    struct enrolment_store_person *users; /* by id */
    size_t nusers;
    struct enrolment_store_person **by_email; /* users sorted by email_key */
    struct enrolment_store_person *members;   /* the group's, by name */
    size_t nmembers;
    struct named *named;
    size_t nnamed, cap;
    char **keys; /* email keys of the emails, NULL for a bad one */
    size_t nkeys;
};

static void resolve_free(struct resolve *r)
{
    enrolment_store_people_free(r->users, r->nusers);
    enrolment_store_people_free(r->members, r->nmembers);
    free(r->by_email);
    free(r->named);
    for (size_t i = 0; r->keys && i < r->nkeys; i++)
        free(r->keys[i]);
    free(r->keys);
    memset(r, 0, sizeof *r);
}

static enum rc add_named(struct resolve *r, const struct enrolment_store_person *p)
{
    if (r->nnamed == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 256;
        struct named *grown = realloc(r->named, cap * sizeof *grown);
        if (!grown)
            return RC_NOMEM;
        r->named = grown;
        r->cap = cap;
    }
    r->named[r->nnamed] = (struct named){p, r->nnamed};
    r->nnamed++;
    return RC_OK;
}

static int cmp_person_id(const void *a, const void *b)
{
    int64_t x = ((const struct enrolment_store_person *)a)->id;
    int64_t y = ((const struct enrolment_store_person *)b)->id;
    return x < y ? -1 : x > y;
}

static int cmp_email_ptr(const void *a, const void *b)
{
    return strcmp((*(struct enrolment_store_person *const *)a)->email_key,
                  (*(struct enrolment_store_person *const *)b)->email_key);
}

static int cmp_named_id(const void *a, const void *b)
{
    const struct named *x = a, *y = b;
    if (x->p->id != y->p->id)
        return x->p->id < y->p->id ? -1 : 1;
    return x->order < y->order ? -1 : x->order > y->order;
}

static int cmp_named_order(const void *a, const void *b)
{
    const struct named *x = a, *y = b;
    return x->order < y->order ? -1 : x->order > y->order;
}

/* Keeps the first mention of each person, in the order given. */
static void dedupe(struct resolve *r)
{
    if (r->nnamed < 2)
        return;
    qsort(r->named, r->nnamed, sizeof *r->named, cmp_named_id);
    size_t kept = 0;
    for (size_t i = 0; i < r->nnamed; i++)
        if (kept == 0 || r->named[kept - 1].p->id != r->named[i].p->id)
            r->named[kept++] = r->named[i];
    r->nnamed = kept;
    qsort(r->named, r->nnamed, sizeof *r->named, cmp_named_order);
}

/* Loads the users that ids and emails may name, by key (index lookups, never the whole
 * tenant), and each email's key (NULL for one that is not an email address). */
static enum rc load_users(struct ctx *cx, const struct enrolment_request *rq, struct resolve *r)
{
    char key[PEOPLE_EMAIL_MAX + 1];
    if (rq->nemails && !(r->keys = calloc(rq->nemails, sizeof *r->keys)))
        return RC_NOMEM;
    r->nkeys = rq->nemails;
    for (size_t i = 0; i < rq->nemails; i++)
        if (rq->emails[i] && people_email_key(rq->emails[i], key, sizeof key) == RC_OK &&
            !(r->keys[i] = strdup(key)))
            return RC_NOMEM;
    enum rc rc =
        enrolment_store_people_named(cx->db, cx->actor.tenant_id, rq->user_ids, rq->nuser_ids,
                                     (const char *const *)r->keys, r->nkeys, &r->users, &r->nusers);
    if (rc)
        return db_fail(cx, rc, "users");
    if (rq->nemails && r->nusers) {
        if (!(r->by_email = malloc(r->nusers * sizeof *r->by_email)))
            return RC_NOMEM;
        for (size_t i = 0; i < r->nusers; i++)
            r->by_email[i] = &r->users[i];
        qsort(r->by_email, r->nusers, sizeof *r->by_email, cmp_email_ptr);
    }
    return RC_OK;
}

static const struct enrolment_store_person *user_by_id(const struct resolve *r, int64_t id)
{
    struct enrolment_store_person key = {.id = id};
    return r->nusers ? bsearch(&key, r->users, r->nusers, sizeof *r->users, cmp_person_id) : NULL;
}

static const struct enrolment_store_person *user_by_email_key(const struct resolve *r,
                                                              const char *email_key)
{
    struct enrolment_store_person key = {.email_key = (char *)email_key}, *k = &key;
    struct enrolment_store_person **hit =
        r->by_email ? bsearch(&k, r->by_email, r->nusers, sizeof *r->by_email, cmp_email_ptr)
                    : NULL;
    return hit ? *hit : NULL;
}

/* Resolves everyone rq names into r->named (first mention kept), reporting every bad
 * place in cx. */
static enum rc resolve_people(struct ctx *cx, const struct enrolment_request *rq, struct resolve *r)
{
    char field[48];
    enum rc rc = load_users(cx, rq, r);
    if (rc)
        return rc;
    for (size_t i = 0; i < rq->nuser_ids; i++) {
        snprintf(field, sizeof field, "user_ids[%zu]", i);
        if (rq->user_ids[i] <= 0) {
            if (!ctx_has_detail(cx, field))
                ctx_fail(cx, RC_INVALID, field, "must be the id of a person");
            continue;
        }
        const struct enrolment_store_person *p = user_by_id(r, rq->user_ids[i]);
        if (!p)
            ctx_fail(cx, RC_INVALID, field, "is not a person in your organisation");
        else if (!p->active)
            ctx_fail(cx, RC_INVALID, field, "is deactivated");
        else if ((rc = add_named(r, p)))
            return rc;
    }
    if (rq->group_id > 0) {
        if ((rc = enrolment_store_group_members(cx->db, cx->actor.tenant_id, rq->group_id,
                                                &r->members, &r->nmembers)))
            return db_fail(cx, rc, "group members");
        for (size_t i = 0; i < r->nmembers; i++)
            if ((rc = add_named(r, &r->members[i])))
                return rc;
    }
    for (size_t i = 0; i < rq->nemails; i++) {
        snprintf(field, sizeof field, "emails[%zu]", i);
        if (!rq->emails[i])
            continue;
        if (!r->keys[i]) {
            ctx_fail(cx, RC_INVALID, field, "is not an email address");
            continue;
        }
        const struct enrolment_store_person *p = user_by_email_key(r, r->keys[i]);
        if (!p)
            ctx_fail(cx, RC_INVALID, field, "is not the email of a person in your organisation");
        else if (!p->active)
            ctx_fail(cx, RC_INVALID, field, "is the email of a deactivated person");
        else if ((rc = add_named(r, p)))
            return rc;
    }
    dedupe(r);
    return RC_OK;
}

/* ---- enrolling ------------------------------------------------------------------------------ */

/* Checks the start date (today when NULL): a real date at most ENROLMENT_PAST_DAYS back and
 * ENROLMENT_FUTURE_DAYS ahead of today. */
static void check_start(struct ctx *cx, const char *text, int64_t today, int64_t *start_day)
{
    *start_day = today;
    if (!text)
        return;
    if (date_parse(text, start_day) != 0) {
        ctx_fail(cx, RC_INVALID, "start_date", "must be a date like 2026-12-07");
        *start_day = today;
    } else if (*start_day < today - ENROLMENT_PAST_DAYS) {
        ctx_fail(cx, RC_INVALID, "start_date", "may be at most %d days in the past",
                 ENROLMENT_PAST_DAYS);
    } else if (*start_day > today + ENROLMENT_FUTURE_DAYS) {
        ctx_fail(cx, RC_INVALID, "start_date", "may be at most two years ahead");
    }
}

/* The refusals that depend on the workflow alone. */
static enum rc check_workflow(struct ctx *cx, const struct enrolment_store_workflow *wf)
{
    if (wf->archived)
        return ctx_fail_code(cx, RC_CONFLICT, "workflow_archived",
                             "This workflow is archived; restore it to enrol people.");
    if (wf->latest_version < 1)
        return ctx_fail_code(cx, RC_CONFLICT, "not_published",
                             "This workflow has no published version yet; publish it first.");
    return RC_OK;
}

static enum rc check_coach(struct ctx *cx, int64_t coach_id)
{
    if (coach_id == 0)
        return RC_OK;
    int r = coach_id > 0 ? enrolment_store_is_coach(cx->db, cx->actor.tenant_id, coach_id) : 0;
    if (r < 0)
        return db_fail(cx, RC_DB, "coach");
    if (!r)
        return ctx_fail(cx, RC_INVALID, "coach_id",
                        "must be an active person of your organisation with the coach role");
    return RC_OK;
}

/* Copies the people of a batch into the answer. */
static enum rc batch_people(struct enrolment_batch *out, const struct resolve *r,
                            const int64_t *ids, const unsigned char *skipped)
{
    if (r->nnamed > ENROLMENT_PEOPLE_SHOWN || r->nnamed == 0)
        return RC_OK;
    if (!(out->people = calloc(r->nnamed, sizeof *out->people)))
        return RC_NOMEM;
    out->npeople = r->nnamed;
    for (size_t i = 0; i < r->nnamed; i++) {
        struct enrolment_person *p = &out->people[i];
        p->user_id = r->named[i].p->id;
        p->enrolment_id = ids ? ids[i] : 0;
        p->skipped = skipped[i];
        if (!(p->name = strdup(r->named[i].p->name)) || !(p->email = strdup(r->named[i].p->email)))
            return RC_NOMEM;
    }
    return RC_OK;
}

enum rc enrolment_enrol(struct ctx *cx, int64_t workflow_id, const struct enrolment_request *rq,
                        struct enrolment_batch *out)
{
    struct resolve r;
    struct enrolment_store_workflow wf;
    struct tenant t;
    struct pacing p;
    int64_t today = 0, start_day = 0, *enrolled = NULL, *coaches = NULL, *ids = NULL,
            *coach_of = NULL;
    size_t nenrolled = 0, ncoaches = 0;
    unsigned char *skipped = NULL;
    struct batch_write w;
    char start_text[DATE_TEXT];
    memset(&r, 0, sizeof r);
    memset(&w, 0, sizeof w);
    memset(out, 0, sizeof *out);
    out->dry_run = rq->dry_run;
    out->workflow_id = workflow_id;

    enum rc rc = authz_can_enrol(cx)
                     ? RC_OK
                     : ctx_fail(cx, RC_FORBIDDEN, NULL, "Only admins and designers enrol people.");
    if (rc || (rc = load_workflow(cx, workflow_id, &wf)) || (rc = check_workflow(cx, &wf)) ||
        (rc = load_calendar(cx, &t, &p, wf.calendar_days)) || (rc = today_of(cx, &p, &today)))
        goto out;
    out->version = wf.latest_version;

    /* Every check below reports into cx and carries on, so one answer lists everything. */
    check_start(cx, rq->start_date, today, &start_day);
    out->start_day = start_day;
    if (rq->follow_group && rq->group_id <= 0)
        ctx_fail(cx, RC_INVALID, "follow_group", "needs a group_id: the group to follow");
    if (rq->group_id > 0) {
        int g = enrolment_store_group_exists(cx->db, cx->actor.tenant_id, rq->group_id);
        if (g < 0) {
            rc = db_fail(cx, RC_DB, "group");
            goto out;
        }
        if (!g)
            ctx_fail(cx, RC_INVALID, "group_id", "is not a group in your organisation");
    } else if (rq->group_id < 0 && !ctx_has_detail(cx, "group_id")) {
        ctx_fail(cx, RC_INVALID, "group_id", "must be the id of a group");
    }
    if ((rc = check_coach(cx, rq->coach_id)) && rc != RC_INVALID)
        goto out;
    if (!rq->nuser_ids && rq->group_id == 0 && !rq->nemails && !ctx_has_detail(cx, "user_ids") &&
        !ctx_has_detail(cx, "group_id") && !ctx_has_detail(cx, "emails"))
        ctx_fail(cx, RC_INVALID, "user_ids", "name someone: give user_ids, group_id or emails");
    if ((rc = resolve_people(cx, rq, &r)))
        goto out;
    out->named = r.nnamed;
    if (r.nnamed > ENROLMENT_PEOPLE_MAX)
        ctx_fail(cx, RC_INVALID, "people",
                 "a request may name at most %d people; this one names %zu", ENROLMENT_PEOPLE_MAX,
                 r.nnamed);
    if (cx->rc == RC_INVALID) {
        rc = RC_INVALID;
        goto out;
    }

    /* Everything is valid: the schedule, then who is enrolled already, then the writes. */
    if ((rc = enrolment_store_steps(cx->db, cx->actor.tenant_id, wf.version_id, &out->schedule,
                                    &out->nschedule))) {
        rc = db_fail(cx, rc, "steps");
        goto out;
    }
    if ((rc = plan_schedule(cx, &p, start_day, out->schedule, out->nschedule)))
        goto out;
    if (!rq->dry_run &&
        (rc = enrolment_store_lock_workflow(cx->db, cx->actor.tenant_id, workflow_id))) {
        rc = db_fail(cx, rc, "workflow lock");
        goto out;
    }
    if ((rc = enrolment_store_enrolled(cx->db, cx->actor.tenant_id, workflow_id, &enrolled,
                                       &nenrolled)) ||
        (!rq->coach_id &&
         (rc = enrolment_store_single_coaches(cx->db, cx->actor.tenant_id, &coaches, &ncoaches)))) {
        rc = db_fail(cx, rc, "enrolled");
        goto out;
    }
    if (r.nnamed && (!(skipped = calloc(r.nnamed, 1)) || !(ids = calloc(r.nnamed, sizeof *ids)) ||
                     !(coach_of = calloc(r.nnamed, sizeof *coach_of)))) {
        rc = RC_NOMEM;
        goto out;
    }
    date_format(start_day, start_text);
    w.workflow_id = workflow_id;
    w.version_id = wf.version_id;
    w.enrolled_by = cx->actor.user_id;
    w.start_date = start_text;
    if ((rc = enrolment_store_writer_init(&w.rows, out->schedule, out->nschedule)))
        goto out;
    int rule_set = 0;
    if (rq->follow_group && !rq->dry_run) {
        if ((rc = enrolment_store_rule_find(cx->db, cx->actor.tenant_id, workflow_id, rq->group_id,
                                            &out->rule_id)) ||
            (!out->rule_id && (rc = enrolment_store_rule_insert(
                                   cx->db, cx->actor.tenant_id, workflow_id, rq->group_id,
                                   cx->actor.user_id, cx->now, &out->rule_id)))) {
            rc = db_fail(cx, rc, "rule");
            goto out;
        }
        rule_set = 1; /* the batch itself was enrolled by hand: its rows carry no rule */
    }
    /* ids[0..created) first collect the learners to enrol, then their enrolment ids. */
    for (size_t i = 0; i < r.nnamed; i++) {
        int64_t user = r.named[i].p->id;
        if (has_id(enrolled, nenrolled, user)) {
            skipped[i] = 1;
            out->skipped++;
            continue;
        }
        coach_of[out->created] = rq->coach_id ? rq->coach_id : pair_lookup(coaches, ncoaches, user);
        ids[out->created++] = user;
    }
    if (!rq->dry_run && (rc = write_batch(cx, &w, ids, coach_of, out->created, ids)))
        goto out;
    for (size_t i = r.nnamed, j = out->created; i-- > 0;) /* spread back to their places */
        ids[i] = skipped[i] || rq->dry_run ? 0 : ids[--j];
    if ((rc = batch_people(out, &r, rq->dry_run ? NULL : ids, skipped)))
        goto out;
    if (!rq->dry_run && (out->created || rule_set))
        rc = audit_record(
            cx, "enrolment.create", "workflow", workflow_id,
            json_pack("{s:i, s:s, s:I, s:I, s:o, s:o, s:o}", "version", wf.latest_version,
                      "start_date", start_text, "created", (json_int_t)out->created, "skipped",
                      (json_int_t)out->skipped, "group_id",
                      rq->group_id > 0 ? json_integer(rq->group_id) : json_null(), "rule_id",
                      out->rule_id ? json_integer(out->rule_id) : json_null(), "coach_id",
                      rq->coach_id ? json_integer(rq->coach_id) : json_null()));
out:
    enrolment_store_writer_free(&w.rows);
    resolve_free(&r);
    free(enrolled);
    free(coaches);
    free(ids);
    free(coach_of);
    free(skipped);
    return rc;
}

/* ---- rules ---------------------------------------------------------------------------------- */

static enum rc rules_workflow(struct ctx *cx, int64_t workflow_id)
{
    struct enrolment_store_workflow wf;
    if (!authz_can_enrol(cx))
        return ctx_fail(cx, RC_FORBIDDEN, NULL,
                        "Only admins and designers manage enrolment rules.");
    return load_workflow(cx, workflow_id, &wf);
}

enum rc enrolment_rules(struct ctx *cx, int64_t workflow_id, enrolment_rule_fn each, void *arg)
{
    enum rc rc = rules_workflow(cx, workflow_id);
    if (rc)
        return rc;
    return db_fail(cx, enrolment_store_rules(cx->db, cx->actor.tenant_id, workflow_id, each, arg),
                   "rules");
}

enum rc enrolment_rule_stop(struct ctx *cx, int64_t workflow_id, int64_t rule_id)
{
    int64_t stopped_at = 0;
    enum rc rc = rules_workflow(cx, workflow_id);
    if (rc)
        return rc;
    rc = rule_id > 0 ? enrolment_store_rule_stop(cx->db, cx->actor.tenant_id, workflow_id, rule_id,
                                                 cx->now, &stopped_at)
                     : RC_NOT_FOUND;
    if (rc == RC_NOT_FOUND)
        return ctx_fail(cx, RC_NOT_FOUND, NULL, "There is no such enrolment rule.");
    if (rc || stopped_at)
        return db_fail(cx, rc, "rule stop");
    return audit_record(cx, "enrolment_rule.stop", "enrolment_rule", rule_id,
                        json_pack("{s:I}", "workflow_id", (json_int_t)workflow_id));
}

enum rc enrolment_forget_group(struct ctx *cx, int64_t group_id)
{
    int64_t deleted = 0;
    enum rc rc =
        enrolment_store_rules_delete_group(cx->db, cx->actor.tenant_id, group_id, &deleted);
    if (rc || !deleted)
        return db_fail(cx, rc, "forget group");
    return audit_record(cx, "enrolment_rule.delete", "group", group_id,
                        json_pack("{s:I}", "rules", (json_int_t)deleted));
}

/* Applies one rule: enrols the candidates (already found, ascending) on the workflow's
 * latest version from today. */
static enum rc follow_rule(struct ctx *cx, const int64_t rule[3], int64_t user_id,
                           const struct pacing *tenant_cal, int64_t today, int64_t **coaches,
                           size_t *ncoaches, int *coaches_loaded, size_t *created)
{
    int64_t rule_id = rule[0], workflow_id = rule[1], group_id = rule[2];
    struct enrolment_store_workflow wf;
    struct enrolment_planned *steps = NULL;
    int64_t *who = NULL, *coach_of = NULL;
    size_t nsteps = 0, nwho = 0, made = 0;
    struct batch_write w;
    char start_text[DATE_TEXT];
    memset(&w, 0, sizeof w);
    enum rc rc = enrolment_store_workflow(cx->db, cx->actor.tenant_id, workflow_id, &wf);
    if (rc || wf.archived || wf.latest_version < 1)
        return rc == RC_NOT_FOUND ? RC_OK : db_fail(cx, rc, "rule workflow");
    /* Decide again under the workflow's lock, so a concurrent pass cannot enrol twice. */
    if ((rc = enrolment_store_lock_workflow(cx->db, cx->actor.tenant_id, workflow_id)) ||
        (rc = enrolment_store_rule_candidates(cx->db, cx->actor.tenant_id, workflow_id, group_id,
                                              user_id, &who, &nwho)))
        goto out;
    if (!nwho)
        goto out;
    if (!*coaches_loaded) {
        if ((rc = enrolment_store_single_coaches(cx->db, cx->actor.tenant_id, coaches, ncoaches)))
            goto out;
        *coaches_loaded = 1;
    }
    struct pacing p = *tenant_cal;
    p.calendar_days = wf.calendar_days;
    if ((rc = enrolment_store_steps(cx->db, cx->actor.tenant_id, wf.version_id, &steps, &nsteps)) ||
        (rc = plan_schedule(cx, &p, today, steps, nsteps)))
        goto out;
    date_format(today, start_text);
    w.workflow_id = workflow_id;
    w.version_id = wf.version_id;
    w.rule_id = rule_id;
    w.start_date = start_text;
    if ((rc = enrolment_store_writer_init(&w.rows, steps, nsteps)))
        goto out;
    if (!(coach_of = calloc(nwho, sizeof *coach_of))) {
        rc = RC_NOMEM;
        goto out;
    }
    for (size_t i = 0; i < nwho; i++)
        coach_of[i] = pair_lookup(*coaches, *ncoaches, who[i]);
    if ((rc = write_batch(cx, &w, who, coach_of, nwho, NULL)))
        goto out;
    made = nwho;
    *created += made;
    rc = audit_record(cx, "enrolment.create", "workflow", workflow_id,
                      json_pack("{s:i, s:s, s:I, s:I, s:I, s:I}", "version", wf.latest_version,
                                "start_date", start_text, "created", (json_int_t)made, "skipped",
                                (json_int_t)0, "group_id", (json_int_t)group_id, "rule_id",
                                (json_int_t)rule_id));
out:
    enrolment_store_writer_free(&w.rows);
    enrolment_store_steps_free(steps, nsteps);
    free(who);
    free(coach_of);
    return db_fail(cx, rc, "follow rule");
}

enum rc enrolment_follow_rules_count(struct ctx *cx, int64_t user_id, size_t *created)
{
    int64_t *rules = NULL, *coaches = NULL, *who = NULL;
    size_t nrules = 0, ncoaches = 0, nwho = 0, made = 0;
    int coaches_loaded = 0, calendar_loaded = 0;
    int64_t today = 0;
    struct tenant t;
    struct pacing p;
    if (created)
        *created = 0;
    if (user_id < 0 || cx->actor.tenant_id <= 0)
        return RC_OK;
    enum rc rc = enrolment_store_active_rules(cx->db, cx->actor.tenant_id, &rules, &nrules);
    for (size_t i = 0; i < nrules && !rc; i++) {
        /* A cheap look first: most passes find nobody new and take no lock. */
        free(who);
        who = NULL;
        if ((rc = enrolment_store_rule_candidates(cx->db, cx->actor.tenant_id, rules[3 * i + 1],
                                                  rules[3 * i + 2], user_id, &who, &nwho)) ||
            !nwho)
            continue;
        if (!calendar_loaded) {
            if ((rc = load_calendar(cx, &t, &p, 0)) || (rc = today_of(cx, &p, &today)))
                break;
            calendar_loaded = 1;
        }
        rc = follow_rule(cx, &rules[3 * i], user_id, &p, today, &coaches, &ncoaches,
                         &coaches_loaded, &made);
    }
    free(who);
    free(rules);
    free(coaches);
    if (!rc && created)
        *created = made;
    return db_fail(cx, rc, "follow rules");
}

enum rc enrolment_follow_rules(struct ctx *cx, int64_t user_id)
{
    return enrolment_follow_rules_count(cx, user_id, NULL);
}

/* ---- one enrolment -------------------------------------------------------------------------- */

/* Loads enrolment id if the actor may read it. */
static enum rc load_readable(struct ctx *cx, int64_t id, struct enrolment *e)
{
    enum rc rc =
        id > 0 ? enrolment_store_get(cx->db, cx->actor.tenant_id, id, cx->now, e) : RC_NOT_FOUND;
    if (rc == RC_OK && !authz_can_read_enrolment(cx, e->user_id, e->coach_id))
        rc = RC_NOT_FOUND;
    if (rc == RC_NOT_FOUND)
        return ctx_fail(cx, RC_NOT_FOUND, NULL, "There is no such enrolment.");
    return db_fail(cx, rc, "enrolment");
}

enum rc enrolment_get(struct ctx *cx, int64_t id, struct enrolment *out)
{
    return load_readable(cx, id, out);
}

enum rc enrolment_events(struct ctx *cx, int64_t id, enrolment_event_fn each, void *arg)
{
    struct enrolment e;
    enum rc rc = load_readable(cx, id, &e);
    if (rc)
        return rc;
    return db_fail(cx, enrolment_store_events(cx->db, cx->actor.tenant_id, id, each, arg),
                   "events");
}

struct page {
    enrolment_each_fn each;
    void *arg;
    int limit, seen;
    int64_t last_id;
};

static enum rc page_row(void *arg, const struct enrolment *e)
{
    struct page *pg = arg;
    if (++pg->seen > pg->limit)
        return RC_OK;
    pg->last_id = e->id;
    return pg->each(pg->arg, e);
}

enum rc enrolment_list(struct ctx *cx, const struct enrolment_query *q, enrolment_each_fn each,
                       void *arg, int64_t *next_before)
{
    *next_before = 0;
    if (cx->actor.user_id <= 0 && !authz_can_enrol(cx))
        return ctx_fail(cx, RC_FORBIDDEN, NULL, "Sign in to see enrolments.");
    if (q->limit < 1 || q->limit > 500)
        return ctx_fail(cx, RC_BAD_REQUEST, "limit", "must be from 1 to 500");
    struct page pg = {each, arg, q->limit, 0, 0};
    int seen = 0;
    int64_t last = 0;
    struct enrolment_store_list_args a = {
        .tenant_id = cx->actor.tenant_id,
        .all = authz_can_enrol(cx),
        .self = cx->actor.user_id,
        .coach = authz_has_role(cx, PEOPLE_ROLE_COACH),
        .workflow_id = q->workflow_id,
        .user_id = q->user_id,
        .status = q->status >= 0 ? enrolment_status_name((enum enrolment_status)q->status) : NULL,
        .before_id = q->before_id,
        .limit = q->limit + 1,
        .now = cx->now,
    };
    enum rc rc = enrolment_store_list(cx->db, &a, page_row, &pg, &seen, &last);
    if (rc)
        return db_fail(cx, rc, "enrolment list");
    *next_before = pg.seen > q->limit ? pg.last_id : 0;
    return RC_OK;
}

/* ---- changes -------------------------------------------------------------------------------- */

static enum rc bad_transition(struct ctx *cx, enum enrolment_status from, enum enrolment_status to)
{
    static const char *const verbs[ENROLMENT_STATUS_COUNT] = {"resumed", "paused", "withdrawn",
                                                              "completed by hand"};
    return ctx_fail_code(cx, RC_CONFLICT, "bad_transition", "An enrolment that is %s cannot be %s.",
                         enrolment_status_name(from), verbs[to]);
}

/* Moves the open activities of e by the pacing days its pause covered; *days and *moved
 * say how far and how many. */
static enum rc resume_shift(struct ctx *cx, const struct enrolment *e, int *days, size_t *moved)
{
    struct tenant t;
    struct pacing p;
    struct enrolment_store_open *open = NULL;
    struct pacing_item *items = NULL;
    size_t n = 0;
    int64_t pause_day, resume_day;
    *days = 0;
    *moved = 0;
    int calendar = enrolment_store_version_calendar(cx->db, cx->actor.tenant_id, e->version_id);
    if (calendar < 0)
        return db_fail(cx, RC_DB, "version pacing");
    enum rc rc = load_calendar(cx, &t, &p, calendar);
    if (rc)
        return rc;
    if (tz_date_of(p.zone, e->paused_at, &pause_day) || tz_date_of(p.zone, cx->now, &resume_day))
        return zone_fail(cx, p.zone);
    /* From the pause's local date up to the day before the resume's. */
    *days = pacing_count(&p, pause_day, resume_day);
    if (*days == 0)
        return RC_OK;
    if ((rc = enrolment_store_open_activities(cx->db, cx->actor.tenant_id, e->id, &open, &n)))
        return db_fail(cx, rc, "open activities");
    if (n && !(items = calloc(n, sizeof *items))) {
        rc = RC_NOMEM;
        goto out;
    }
    for (size_t i = 0; i < n; i++)
        if (tz_date_of(p.zone, open[i].release_at, &items[i].release_day) ||
            tz_date_of(p.zone, open[i].due_at, &items[i].due_day)) {
            rc = zone_fail(cx, p.zone);
            goto out;
        }
    pacing_shift(&p, items, n, *days);
    for (size_t i = 0; i < n; i++) {
        int64_t release_at, due_at;
        if (pacing_instants(&p, items[i].release_day, items[i].due_day, &release_at, &due_at)) {
            rc = zone_fail(cx, p.zone);
            goto out;
        }
        if ((rc = enrolment_store_move_activity(cx->db, cx->actor.tenant_id, open[i].id, release_at,
                                                due_at, cx->now))) {
            rc = db_fail(cx, rc, "move activity");
            goto out;
        }
    }
    *moved = n;
out:
    free(open);
    free(items);
    return rc;
}

static json_t *id_or_null(int64_t id)
{
    return id > 0 ? json_integer(id) : json_null();
}

/* Records an event on e (data: a new reference, or NULL for {}). */
static enum rc add_event(struct ctx *cx, int64_t enrolment_id, const char *kind, json_t *data)
{
    char *text = data ? json_dumps(data, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    json_decref(data);
    if (data && !text)
        return RC_NOMEM;
    enum rc rc = enrolment_store_event_insert(cx->db, cx->actor.tenant_id, enrolment_id, kind,
                                              text ? text : "{}", cx->now);
    free(text);
    return db_fail(cx, rc, "event");
}

enum rc enrolment_change(struct ctx *cx, int64_t id, const struct enrolment_change *ch,
                         struct enrolment *out)
{
    struct enrolment e, before;
    if (!(ch->set & (ENROLMENT_F_STATUS | ENROLMENT_F_COACH)))
        return ctx_fail(cx, RC_INVALID, "status", "give a status or a coach_id to change");
    enum rc rc = id > 0 ? enrolment_store_lock(cx->db, cx->actor.tenant_id, id) : RC_NOT_FOUND;
    if (rc == RC_NOT_FOUND)
        return ctx_fail(cx, RC_NOT_FOUND, NULL, "There is no such enrolment.");
    if (rc || (rc = load_readable(cx, id, &e)))
        return db_fail(cx, rc, "enrolment lock");
    if (!authz_can_change_enrolment(cx, e.user_id))
        return ctx_fail(cx, RC_FORBIDDEN, NULL,
                        "Only admins, designers and the learner's managers change enrolments.");
    if (cx->if_match && cx->if_match != e.updated_at)
        return ctx_fail_code(
            cx, RC_PRECONDITION, "precondition_failed",
            "This enrolment changed since you loaded it; reload it and try again.");
    if ((ch->set & ENROLMENT_F_COACH) && (rc = check_coach(cx, ch->coach_id)))
        return rc;
    before = e;
    int status_changed = 0, coach_changed = 0;
    json_t *event_data = NULL;
    const char *event = NULL, *action = NULL;
    if (ch->set & ENROLMENT_F_STATUS) {
        enum enrolment_status to = ch->status;
        int ok = (to == ENROLMENT_PAUSED && e.status == ENROLMENT_ACTIVE) ||
                 (to == ENROLMENT_ACTIVE && e.status == ENROLMENT_PAUSED) ||
                 (to == ENROLMENT_WITHDRAWN &&
                  (e.status == ENROLMENT_ACTIVE || e.status == ENROLMENT_PAUSED));
        if (!ok)
            return bad_transition(cx, e.status, to);
        if (to == ENROLMENT_PAUSED) {
            e.paused_at = cx->now;
            event = "paused";
            action = "enrolment.pause";
        } else if (to == ENROLMENT_ACTIVE) {
            int days = 0;
            size_t moved = 0;
            if ((rc = resume_shift(cx, &e, &days, &moved)))
                return rc;
            e.paused_days += days;
            e.paused_at = 0;
            event = "resumed";
            action = "enrolment.resume";
            event_data = json_pack("{s:i, s:I}", "paused_days", days, "moved", (json_int_t)moved);
        } else {
            e.withdrawn_at = cx->now;
            e.paused_at = 0;
            event = "withdrawn";
            action = "enrolment.withdraw";
        }
        e.status = to;
        status_changed = 1;
    }
    if ((ch->set & ENROLMENT_F_COACH) && ch->coach_id != e.coach_id) {
        e.coach_id = ch->coach_id;
        coach_changed = 1;
    }
    if (!status_changed && !coach_changed) {
        if (out)
            *out = e;
        return RC_OK;
    }
    e.updated_at = next_stamp(cx, e.updated_at);
    if ((rc = enrolment_store_update(cx->db, cx->actor.tenant_id, &e)) ||
        (status_changed && /* the journey shows the status, not the coach */
         (rc = enrolment_store_bump_journey(cx->db, cx->actor.tenant_id, e.user_id)))) {
        json_decref(event_data);
        return db_fail(cx, rc, "enrolment update");
    }
    if (status_changed &&
        ((rc = add_event(cx, id, event, event_data)) ||
         (rc = audit_record(cx, action, "enrolment", id,
                            json_pack("{s:I, s:{s:s, s:s}}", "user_id", (json_int_t)e.user_id,
                                      "status", "old", enrolment_status_name(before.status), "new",
                                      enrolment_status_name(e.status))))))
        return rc;
    if (coach_changed &&
        (rc = audit_record(cx, "enrolment.coach", "enrolment", id,
                           json_pack("{s:I, s:{s:o, s:o}}", "user_id", (json_int_t)e.user_id,
                                     "coach_id", "old", id_or_null(before.coach_id), "new",
                                     id_or_null(e.coach_id)))))
        return rc;
    if (!out)
        return RC_OK;
    return db_fail(cx, enrolment_store_get(cx->db, cx->actor.tenant_id, id, cx->now, out),
                   "enrolment reload");
}

/* ---- the scheduler pass -----------------------------------------------------------------------
 */

/* Re-plans one candidate when it really is behind. */
static enum rc replan_one(struct ctx *cx, const struct enrolment_store_replan *c,
                          const struct tenant *t, int64_t today, struct enrolment_tick_result *out)
{
    struct pacing p = {.working_days =
                           t->working_days ? t->working_days : TENANT_WORKING_DAYS_DEFAULT,
                       .calendar_days = c->calendar_days,
                       .zone = t->time_zone};
    struct enrolment e;
    struct enrolment_store_open *open = NULL;
    struct pacing_item *items = NULL, *was = NULL;
    size_t n = 0;
    enum rc rc = enrolment_store_lock(cx->db, cx->actor.tenant_id, c->enrolment_id);
    if (!rc)
        rc = enrolment_store_get(cx->db, cx->actor.tenant_id, c->enrolment_id, cx->now, &e);
    if (rc == RC_NOT_FOUND)
        return RC_OK;
    if (rc || e.status != ENROLMENT_ACTIVE)
        return db_fail(cx, rc, "replan lock");
    if ((rc = enrolment_store_open_activities(cx->db, cx->actor.tenant_id, e.id, &open, &n)) || !n)
        goto out;
    if (!(items = calloc(n, sizeof *items)) || !(was = calloc(n, sizeof *was))) {
        rc = RC_NOMEM;
        goto out;
    }
    for (size_t i = 0; i < n; i++)
        if (tz_date_of(p.zone, open[i].release_at, &items[i].release_day) ||
            tz_date_of(p.zone, open[i].due_at, &items[i].due_day)) {
            rc = zone_fail(cx, p.zone);
            goto out;
        }
    int behind = pacing_behind(&p, items, n, today);
    if (behind <= c->replan_after_days)
        goto out;
    memcpy(was, items, n * sizeof *items);
    size_t moved = pacing_replan(&p, items, n, today, c->max_due_per_day);
    for (size_t i = 0; i < n; i++) {
        if (items[i].release_day == was[i].release_day && items[i].due_day == was[i].due_day)
            continue;
        int64_t release_at, due_at;
        if (pacing_instants(&p, items[i].release_day, items[i].due_day, &release_at, &due_at)) {
            rc = zone_fail(cx, p.zone);
            goto out;
        }
        if ((rc = enrolment_store_move_activity(cx->db, cx->actor.tenant_id, open[i].id, release_at,
                                                due_at, cx->now)))
            goto out;
    }
    e.replanned_at = cx->now;
    e.updated_at = next_stamp(cx, e.updated_at);
    if ((rc = enrolment_store_update(cx->db, cx->actor.tenant_id, &e)) ||
        (rc = enrolment_store_bump_journey(cx->db, cx->actor.tenant_id, e.user_id)) ||
        (rc =
             add_event(cx, e.id, "replanned",
                       json_pack("{s:I, s:i}", "moved", (json_int_t)moved, "behind_days", behind))))
        goto out;
    out->replanned++;
    out->moved += (int64_t)moved;
out:
    free(open);
    free(items);
    free(was);
    return db_fail(cx, rc, "replan");
}

static enum rc replan_tenant(struct ctx *cx, int64_t budget, struct enrolment_tick_result *out)
{
    struct tenant t;
    struct pacing p;
    struct enrolment_store_replan *c = NULL;
    size_t n = 0;
    int64_t today, today_start;
    enum rc rc = load_calendar(cx, &t, &p, 0);
    if (rc)
        return rc;
    if (tz_date_of(p.zone, cx->now, &today) || tz_day_start(p.zone, today, &today_start))
        return zone_fail(cx, p.zone);
    /* Behind by more than r ≥ 1 pacing days means due more than r calendar days before
     * today: due_at < start of (today - r) ≤ today_start - r days (+ 2 h for daylight
     * saving). */
    int64_t due_before = today_start + 7200;
    if ((rc = enrolment_store_replan_candidates(cx->db, cx->actor.tenant_id, due_before - 86400,
                                                due_before, &c, &n)))
        return db_fail(cx, rc, "replan candidates");
    int64_t before = out->replanned;
    for (size_t i = 0; i < n && !rc; i++) {
        if (out->replanned - before >= budget) {
            out->more = 1; /* the next pass goes on: the rest are still behind */
            break;
        }
        rc = replan_one(cx, &c[i], &t, today, out);
    }
    free(c);
    return rc;
}

enum rc enrolment_tick(struct ctx *cx, struct enrolment_tick_result *out)
{
    return enrolment_tick_budget(cx, ENROLMENT_REPLAN_BUDGET, out);
}

enum rc enrolment_tick_budget(struct ctx *cx, int64_t budget, struct enrolment_tick_result *out)
{
    int64_t *tenants = NULL;
    size_t n = 0;
    memset(out, 0, sizeof *out);
    enum rc rc = enrolment_store_tenants(cx->db, &tenants, &n);
    for (size_t i = 0; i < n && !rc; i++) {
        size_t made = 0;
        cx->actor = (struct actor){.tenant_id = tenants[i], .roles = PEOPLE_ROLE_ADMIN};
        if (!(rc = enrolment_follow_rules_count(cx, 0, &made)))
            rc = replan_tenant(cx, budget, out);
        out->enrolled += (int64_t)made;
        out->tenants++;
    }
    memset(&cx->actor, 0, sizeof cx->actor);
    free(tenants);
    return db_fail(cx, rc, "tick");
}
