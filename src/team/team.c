/*
 * team.c — a manager's team (see team.h for the contract).
 *
 * Three statements (team_store.h) give the direct reports, their active and paused
 * enrolments and those enrolments' open and awaiting activities; this file joins them in
 * memory, counting as it goes:
 *   - an enrolment's overdue: its open activities due before cx->now (whatever the
 *     status, as the learner's journey counts them); a member's overdue is the sum;
 *   - current: the open activity with the lowest seq, with its step's manager_prompt;
 *   - signoffs_waiting: activities awaiting sign-off on active enrolments (a paused one
 *     cannot be signed off) whose sign-off this manager gives: manager_signoff steps (the
 *     member reports to them by construction), and coach_signoff steps of enrolments
 *     they coach while they hold the coach role (authz_can_sign_off's rule), so the
 *     count is what GET /me/signoffs shows for that person.
 * Members are sorted in C (most overdue, then name in byte order, then id), so both
 * databases answer the same order whatever their collation.
 */
#include "core/array.h"
#include "team.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "core/jsonx.h"
#include "core/log.h"
#include "people/people.h"
#include "team_store.h"

struct t_member {
    int64_t id;
    json_t *obj;        /* owned */
    json_t *enrolments; /* borrowed from obj */
    const char *name;   /* borrowed from obj */
    int overdue, signoffs;
};

struct t_enrolment {
    int64_t id;
    struct t_member *member; /* resolved after the members are sorted by id */
    int64_t user_id, coach_id;
    int active;
    int overdue;
    int current_seq;
    json_t *obj;     /* owned */
    json_t *current; /* owned, NULL: none */
};

struct team {
    int64_t manager_id;
    int manager_coaches; /* the manager holds the coach role */
    int64_t now;
    struct t_member *members;
    size_t nmembers, cap_members;
    struct t_enrolment *enrolments;
    size_t nenrolments, cap_enrolments;
};

static void team_free(struct team *t)
{
    for (size_t i = 0; i < t->nmembers; i++)
        json_decref(t->members[i].obj);
    for (size_t i = 0; i < t->nenrolments; i++) {
        json_decref(t->enrolments[i].obj);
        json_decref(t->enrolments[i].current);
    }
    free(t->members);
    free(t->enrolments);
}

static enum rc keep_member(void *arg, const struct team_member_row *r)
{
    struct team *t = arg;
    if (array_reserve((void **)&t->members, sizeof *t->members, t->nmembers + 1, &t->cap_members))
        return RC_NOMEM;
    json_t *enrolments = json_array();
    json_t *obj =
        json_pack("{s:I, s:s, s:s, s:s, s:i, s:o, s:i, s:o}", "id", (json_int_t)r->id, "name",
                  r->name, "email", r->email, "job_title", r->job_title, "overdue", 0,
                  "last_completed_at", jsonx_instant_or_null(r->last_completed_at),
                  "signoffs_waiting", 0, "enrolments", enrolments);
    if (!obj)
        return RC_NOMEM;
    t->members[t->nmembers++] = (struct t_member){
        .id = r->id,
        .obj = obj,
        .enrolments = enrolments,
        .name = json_string_value(json_object_get(obj, "name")),
    };
    return RC_OK;
}

static enum rc keep_enrolment(void *arg, const struct team_enrolment_row *r)
{
    struct team *t = arg;
    if (array_reserve((void **)&t->enrolments, sizeof *t->enrolments, t->nenrolments + 1,
                      &t->cap_enrolments))
        return RC_NOMEM;
    int total = r->total, completed = r->completed;
    json_t *obj =
        json_pack("{s:I, s:{s:I, s:s}, s:s, s:i, s:i, s:i, s:i, s:n}", "id", (json_int_t)r->id,
                  "workflow", "id", (json_int_t)r->workflow_id, "title", r->workflow_title,
                  "status", r->status, "completed", completed, "total", total, "percent",
                  total > 0 ? (int)((int64_t)completed * 100 / total) : 0, "overdue", 0, "current");
    if (!obj)
        return RC_NOMEM;
    t->enrolments[t->nenrolments++] = (struct t_enrolment){
        .id = r->id,
        .user_id = r->user_id,
        .coach_id = r->coach_id,
        .active = strcmp(r->status, "active") == 0,
        .current_seq = INT_MAX,
        .obj = obj,
    };
    return RC_OK;
}

static struct t_enrolment *find_enrolment(struct team *t, int64_t id)
{
    size_t lo = 0, hi = t->nenrolments;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (t->enrolments[mid].id == id)
            return &t->enrolments[mid];
        if (t->enrolments[mid].id < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

static struct t_member *find_member(struct team *t, int64_t id)
{
    size_t lo = 0, hi = t->nmembers;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (t->members[mid].id == id)
            return &t->members[mid];
        if (t->members[mid].id < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

static enum rc keep_activity(void *arg, const struct team_activity_row *r)
{
    struct team *t = arg;
    struct t_enrolment *e = find_enrolment(t, r->enrolment_id);
    if (!e || !e->member)
        return RC_OK; /* changed between the statements: left out */
    if (r->awaiting) {
        int mine = strcmp(r->completion, "manager_signoff") == 0 ||
                   (strcmp(r->completion, "coach_signoff") == 0 && t->manager_coaches &&
                    e->coach_id == t->manager_id);
        if (mine && e->active)
            e->member->signoffs++;
        return RC_OK;
    }
    if (r->due_at < t->now)
        e->overdue++;
    if (r->seq < e->current_seq) {
        json_t *current =
            json_pack("{s:I, s:s, s:s, s:o, s:s?}", "activity_id", (json_int_t)r->id, "title",
                      r->title, "kind", r->kind, "due_at", jsonx_instant_or_null(r->due_at),
                      "manager_prompt", r->manager_prompt);
        if (!current)
            return RC_NOMEM;
        json_decref(e->current);
        e->current = current;
        e->current_seq = r->seq;
    }
    return RC_OK;
}

static int by_id(const void *x, const void *y)
{
    const struct t_member *a = x, *b = y;
    return (a->id > b->id) - (a->id < b->id);
}

/* Most overdue first, then by name, then by id. */
static int by_overdue_name(const void *x, const void *y)
{
    const struct t_member *a = x, *b = y;
    if (a->overdue != b->overdue)
        return a->overdue > b->overdue ? -1 : 1;
    int c = strcmp(a->name, b->name);
    if (c)
        return c;
    return (a->id > b->id) - (a->id < b->id);
}

/* Resolves each enrolment's member (members sorted by id). */
static void link_members(struct team *t)
{
    for (size_t i = 0; i < t->nenrolments; i++)
        t->enrolments[i].member = find_member(t, t->enrolments[i].user_id);
}

/* Puts the counts into the JSON and builds the answer; steals nothing from t. */
static enum rc answer(struct team *t, const struct user *manager, json_t **out)
{
    int64_t behind = 0, overdue = 0, signoffs = 0;
    for (size_t i = 0; i < t->nenrolments; i++) {
        struct t_enrolment *e = &t->enrolments[i];
        if (!e->member)
            continue;
        if (json_object_set_new(e->obj, "overdue", json_integer(e->overdue)) ||
            json_object_set(e->obj, "current", e->current ? e->current : json_null()) ||
            json_array_append(e->member->enrolments, e->obj))
            return RC_NOMEM;
        e->member->overdue += e->overdue;
    }
    if (t->nmembers > 1)
        qsort(t->members, t->nmembers, sizeof *t->members, by_overdue_name);
    json_t *members = json_array();
    if (!members)
        return RC_NOMEM;
    for (size_t i = 0; i < t->nmembers; i++) {
        struct t_member *m = &t->members[i];
        behind += m->overdue > 0;
        overdue += m->overdue;
        signoffs += m->signoffs;
        if (json_object_set_new(m->obj, "overdue", json_integer(m->overdue)) ||
            json_object_set_new(m->obj, "signoffs_waiting", json_integer(m->signoffs)) ||
            json_array_append(members, m->obj)) {
            json_decref(members);
            return RC_NOMEM;
        }
    }
    *out = json_pack("{s:{s:I, s:s}, s:{s:I, s:I, s:I, s:I}, s:o}", "manager", "id",
                     (json_int_t)manager->id, "name", manager->name, "totals", "members",
                     (json_int_t)t->nmembers, "behind", (json_int_t)behind, "overdue",
                     (json_int_t)overdue, "signoffs_waiting", (json_int_t)signoffs, "members",
                     members);
    return *out ? RC_OK : RC_NOMEM;
}

enum rc team_get(struct ctx *cx, int64_t manager_id, json_t **out)
{
    int self = cx->actor.user_id > 0 && cx->actor.user_id == manager_id;
    int system = cx->actor.tenant_id > 0 && cx->actor.user_id == 0 &&
                 (cx->actor.roles & PEOPLE_ROLE_ADMIN) != 0;
    if (!self && !system)
        return ctx_fail(cx, RC_FORBIDDEN, NULL, "You can only see your own team.");
    struct user manager;
    enum rc rc = people_get_user(cx, manager_id, &manager);
    if (rc)
        return rc;
    struct team t = {.manager_id = manager_id,
                     .manager_coaches = (manager.roles & PEOPLE_ROLE_COACH) != 0,
                     .now = cx->now};
    int64_t tenant = cx->actor.tenant_id;
    if ((rc = team_store_members(cx->db, tenant, manager_id, keep_member, &t)) ||
        (rc = team_store_enrolments(cx->db, tenant, manager_id, keep_enrolment, &t)))
        goto out;
    if (t.nmembers > 1)
        qsort(t.members, t.nmembers, sizeof *t.members, by_id);
    link_members(&t);
    if ((rc = team_store_activities(cx->db, tenant, manager_id, keep_activity, &t)) ||
        (rc = answer(&t, &manager, out)))
        goto out;
out:
    if (rc == RC_DB || rc == RC_BUSY)
        log_line(LOG_ERROR, "team", cx->request_id, NULL, "team of %lld: %s", (long long)manager_id,
                 db_errmsg(cx->db));
    team_free(&t);
    return rc;
}
