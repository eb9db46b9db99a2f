/*
 * users.c — the rules for people (see users.h for the contract).
 *
 * Shape of every change: check permission (authz.c), check the fields' form
 * (users_check_change), load the current row, check the rules that need the database
 * (uniqueness, manager, cycles) reporting every failing field, then write, record the
 * audit entry and re-evaluate rule groups — all inside the caller's transaction, so a
 * failure anywhere leaves nothing behind.
 *
 * Uniqueness is checked with a SELECT before writing rather than by catching the unique
 * index's error: on PostgreSQL a failed statement aborts the whole transaction, and the
 * SELECT lets us name the field. The indexes still catch a concurrent duplicate (RC_CONFLICT
 * without a field).
 */
#include "users.h"

#include <stdio.h>
#include <string.h>

#include "audit/audit.h"
#include "authz.h"
#include "core/jsonx.h"
#include "core/log.h"
#include "core/query.h"
#include "enrolment/enrolment.h"
#include "groups.h"
#include "people_store.h"
#include "users_store.h"

#define USERS_Q_MAX 200 /* characters of a search */

/* 1 when s is valid UTF-8 of min..max characters without control characters. */
static int users_text_ok(const char *s, size_t min, size_t max)
{
    size_t n = strlen(s);
    if (!jsonx_utf8_valid(s, n))
        return 0;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
            return 0;
    size_t chars = jsonx_utf8_length(s);
    return chars >= min && chars <= max;
}

/* 1 when s holds something other than spaces. */
static int users_not_blank(const char *s)
{
    for (; *s; s++)
        if (*s != ' ')
            return 1;
    return 0;
}

enum rc users_check_change(struct ctx *cx, const struct users_change *ch, int creating)
{
    enum rc rc = RC_OK;
    char key[PEOPLE_EMAIL_MAX + 1];
    if (creating && !(ch->set & USERS_EMAIL))
        rc = ctx_fail(cx, RC_INVALID, "email", "is required");
    else if ((ch->set & USERS_EMAIL) &&
             (!ch->email || people_email_key(ch->email, key, sizeof key) != RC_OK))
        rc = ctx_fail(cx, RC_INVALID, "email",
                      "must be an email address like name@example.com (at most %d characters)",
                      PEOPLE_EMAIL_MAX);
    if (creating && !(ch->set & USERS_NAME))
        rc = ctx_fail(cx, RC_INVALID, "name", "is required");
    else if ((ch->set & USERS_NAME) && (!ch->name || !users_text_ok(ch->name, 1, PEOPLE_NAME_MAX) ||
                                        !users_not_blank(ch->name)))
        rc = ctx_fail(cx, RC_INVALID, "name",
                      "must be 1 to %d characters, not only spaces, without control characters",
                      PEOPLE_NAME_MAX);
    if ((ch->set & USERS_ROLES) && (ch->roles & ~PEOPLE_ROLES_ALL))
        rc = ctx_fail(cx, RC_INVALID, "roles",
                      "must name only admin, designer, assessor, coach or learner");
    if ((ch->set & USERS_MANAGER) && ch->manager_id < 0)
        rc = ctx_fail(cx, RC_INVALID, "manager_id", "must be the id of a person or null");
    if ((ch->set & USERS_DEPARTMENT) &&
        (!ch->department || !users_text_ok(ch->department, 0, PEOPLE_TEXT_MAX)))
        rc = ctx_fail(cx, RC_INVALID, "department",
                      "must be at most %d characters, without control characters", PEOPLE_TEXT_MAX);
    if ((ch->set & USERS_JOB_TITLE) &&
        (!ch->job_title || !users_text_ok(ch->job_title, 0, PEOPLE_TEXT_MAX)))
        rc = ctx_fail(cx, RC_INVALID, "job_title",
                      "must be at most %d characters, without control characters", PEOPLE_TEXT_MAX);
    if ((ch->set & USERS_EXTERNAL_ID) && ch->external_id &&
        !users_text_ok(ch->external_id, 0, PEOPLE_EXTERNAL_ID_MAX))
        rc = ctx_fail(cx, RC_INVALID, "external_id",
                      "must be at most %d characters, without control characters",
                      PEOPLE_EXTERNAL_ID_MAX);
    return rc;
}

static enum rc users_db_fail(struct ctx *cx, const char *what)
{
    log_line(LOG_ERROR, "users", cx->request_id, NULL, "%s: %s", what, db_errmsg(cx->db));
    return RC_DB;
}

/* Email and external id must be free in the tenant (apart from self_id). */
static enum rc users_check_unique(struct ctx *cx, const struct user *u, const char *email_key,
                                  int check_email, int check_external, int64_t self_id)
{
    enum rc rc = RC_OK;
    if (check_email) {
        int64_t other =
            users_store_id_by_email_key(cx->db, cx->actor.tenant_id, email_key, self_id);
        if (other < 0)
            return users_db_fail(cx, "email lookup");
        if (other > 0)
            rc = ctx_fail(cx, RC_CONFLICT, "email", "is already used by another person");
    }
    if (check_external && u->external_id[0]) {
        int64_t other =
            users_store_id_by_external_id(cx->db, cx->actor.tenant_id, u->external_id, self_id);
        if (other < 0)
            return users_db_fail(cx, "external id lookup");
        if (other > 0)
            rc = ctx_fail(cx, RC_CONFLICT, "external_id", "is already used by another person");
    }
    return rc;
}

/* The manager must be an active person of the tenant, and (for an existing user self_id)
 * must not be self_id or anyone below them. */
static enum rc users_check_manager(struct ctx *cx, int64_t manager_id, int64_t self_id)
{
    if (manager_id == 0)
        return RC_OK;
    if (self_id && manager_id == self_id)
        return ctx_fail(cx, RC_INVALID, "manager_id", "cannot be the person themselves");
    struct user m;
    enum rc rc = people_store_user_by_id(cx->db, cx->actor.tenant_id, manager_id, &m);
    if (rc == RC_NOT_FOUND || (rc == RC_OK && !m.active))
        return ctx_fail(cx, RC_INVALID, "manager_id",
                        "must be the id of an active person in your organisation");
    if (rc)
        return rc;
    if (self_id) {
        int below = users_store_in_subtree(cx->db, cx->actor.tenant_id, self_id, manager_id);
        if (below < 0)
            return users_db_fail(cx, "subtree query");
        if (below)
            return ctx_fail(cx, RC_INVALID, "manager_id",
                            "would make a reporting cycle: %s already reports to this person",
                            m.name);
    }
    return RC_OK;
}

static void users_copy(char *dst, size_t size, const char *src)
{
    snprintf(dst, size, "%s", src ? src : "");
}

static json_t *users_id_json(int64_t id)
{
    return id > 0 ? json_integer(id) : json_null();
}

static json_t *users_external_json(const char *s)
{
    return s[0] ? json_string(s) : json_null();
}

/* Adds {"field": {"old": …, "new": …}} to changes (stealing both values). */
static void users_diff(json_t *changes, const char *field, json_t *old, json_t *new)
{
    json_object_set_new(changes, field, json_pack("{s:o, s:o}", "old", old, "new", new));
}

/* The audit record of a new user: its fields, never secrets. New reference. */
static json_t *users_created_json(const struct user *u)
{
    return json_pack("{s:s, s:s, s:o, s:o, s:s, s:s, s:o}", "email", u->email, "name", u->name,
                     "roles", people_roles_json(u->roles), "manager_id",
                     users_id_json(u->manager_id), "department", u->department, "job_title",
                     u->job_title, "external_id", users_external_json(u->external_id));
}

enum rc users_create(struct ctx *cx, const struct users_change *ch, struct user *out)
{
    if (!authz_can_manage_users(cx))
        return ctx_fail(cx, RC_FORBIDDEN, NULL, "Only an admin can add people.");
    enum rc rc = users_check_change(cx, ch, 1);
    if (rc)
        return rc;

    struct user u;
    memset(&u, 0, sizeof u);
    char key[PEOPLE_EMAIL_MAX + 1];
    people_email_key(ch->email, key, sizeof key);
    u.tenant_id = cx->actor.tenant_id;
    users_copy(u.email, sizeof u.email, ch->email);
    users_copy(u.name, sizeof u.name, ch->name);
    u.roles = ((ch->set & USERS_ROLES) ? ch->roles : 0) | PEOPLE_ROLE_LEARNER;
    u.manager_id = (ch->set & USERS_MANAGER) ? ch->manager_id : 0;
    users_copy(u.department, sizeof u.department,
               (ch->set & USERS_DEPARTMENT) ? ch->department : "");
    users_copy(u.job_title, sizeof u.job_title, (ch->set & USERS_JOB_TITLE) ? ch->job_title : "");
    users_copy(u.external_id, sizeof u.external_id,
               (ch->set & USERS_EXTERNAL_ID) ? ch->external_id : "");
    u.active = 1;
    u.created_at = u.updated_at = cx->now;

    enum rc unique = users_check_unique(cx, &u, key, 1, 1, 0);
    if (unique != RC_OK && unique != RC_CONFLICT)
        return unique;
    enum rc manager = users_check_manager(cx, u.manager_id, 0);
    /* A bad manager (422) outranks a taken email (409): fix the form first. */
    if (manager)
        return manager;
    if (unique)
        return unique;

    rc = users_store_insert(cx->db, &u, key);
    if (rc == RC_CONFLICT)
        return ctx_fail(cx, RC_CONFLICT, NULL,
                        "Someone else just added a person with this email or external id.");
    if (rc)
        return rc;
    if ((rc = audit_record(cx, "user.create", "user", u.id, users_created_json(&u))) ||
        (rc = groups_refresh_rules_user(cx, u.id, 0)) || (rc = enrolment_follow_rules(cx, u.id)))
        return rc;
    *out = u;
    return RC_OK;
}

enum rc users_invite(struct ctx *cx, const struct users_change *ch, struct user *out,
                     char url[CREDENTIALS_LINK_URL_MAX])
{
    struct user u;
    enum rc rc = users_create(cx, ch, &u);
    if (rc)
        return rc;
    if ((rc = credentials_issue_link(cx, u.id, "invite", url)))
        return rc;
    *out = u;
    return RC_OK;
}

/* Loads user id for a change by the actor: 404 when they cannot see it, 403 when they
 * may see but not change it. */
static enum rc users_load_for_change(struct ctx *cx, int64_t id, struct user *out)
{
    enum rc rc = people_get_user(cx, id, out);
    if (rc)
        return rc;
    if (!authz_can_read_user(cx, out))
        return ctx_fail(cx, RC_NOT_FOUND, NULL, "There is no such person.");
    if (!authz_can_manage_users(cx))
        return ctx_fail(cx, RC_FORBIDDEN, NULL, "Only an admin can change people.");
    return RC_OK;
}

enum rc users_update(struct ctx *cx, int64_t id, const struct users_change *ch, struct user *out)
{
    struct user before, after;
    enum rc rc = users_load_for_change(cx, id, &before);
    if (rc)
        return rc;
    if ((rc = users_check_change(cx, ch, 0)))
        return rc;
    after = before;
    char key[PEOPLE_EMAIL_MAX + 1];
    people_email_key(before.email, key, sizeof key);
    if (ch->set & USERS_EMAIL) {
        users_copy(after.email, sizeof after.email, ch->email);
        people_email_key(after.email, key, sizeof key);
    }
    if (ch->set & USERS_NAME)
        users_copy(after.name, sizeof after.name, ch->name);
    if (ch->set & USERS_ROLES)
        after.roles = ch->roles | PEOPLE_ROLE_LEARNER;
    if (ch->set & USERS_MANAGER)
        after.manager_id = ch->manager_id;
    if (ch->set & USERS_DEPARTMENT)
        users_copy(after.department, sizeof after.department, ch->department);
    if (ch->set & USERS_JOB_TITLE)
        users_copy(after.job_title, sizeof after.job_title, ch->job_title);
    if (ch->set & USERS_EXTERNAL_ID)
        users_copy(after.external_id, sizeof after.external_id, ch->external_id);
    int activity = (ch->set & USERS_ACTIVE) && (ch->active ? 1 : 0) != before.active;
    if (activity)
        after.active = ch->active ? 1 : 0;

    int email_changed = strcmp(before.email, after.email) != 0;
    int external_changed = strcmp(before.external_id, after.external_id) != 0;
    int manager_changed = before.manager_id != after.manager_id;

    /* The rules that need the database, every failing field reported. */
    enum rc problem = RC_OK;
    if (id == cx->actor.user_id && (before.roles & PEOPLE_ROLE_ADMIN) &&
        !(after.roles & PEOPLE_ROLE_ADMIN))
        problem =
            ctx_fail(cx, RC_INVALID, "roles", "cannot drop your own admin role; ask another admin");
    if (manager_changed) {
        if ((rc = users_store_lock_tenant(cx->db, cx->actor.tenant_id)))
            return rc;
        rc = users_check_manager(cx, after.manager_id, id);
        if (rc && rc != RC_INVALID)
            return rc;
        if (rc)
            problem = rc;
    }
    if (problem)
        return problem;
    if (activity && !after.active && id == cx->actor.user_id)
        return ctx_fail(cx, RC_CONFLICT, "active", "cannot deactivate yourself; ask another admin");
    if ((rc = users_check_unique(cx, &after, key, email_changed, external_changed, id)))
        return rc;

    json_t *changes = json_object();
    if (email_changed)
        users_diff(changes, "email", json_string(before.email), json_string(after.email));
    if (strcmp(before.name, after.name) != 0)
        users_diff(changes, "name", json_string(before.name), json_string(after.name));
    if (before.roles != after.roles)
        users_diff(changes, "roles", people_roles_json(before.roles),
                   people_roles_json(after.roles));
    if (manager_changed)
        users_diff(changes, "manager_id", users_id_json(before.manager_id),
                   users_id_json(after.manager_id));
    if (strcmp(before.department, after.department) != 0)
        users_diff(changes, "department", json_string(before.department),
                   json_string(after.department));
    if (strcmp(before.job_title, after.job_title) != 0)
        users_diff(changes, "job_title", json_string(before.job_title),
                   json_string(after.job_title));
    if (external_changed)
        users_diff(changes, "external_id", users_external_json(before.external_id),
                   users_external_json(after.external_id));

    int fields_changed = json_object_size(changes) > 0;
    if (fields_changed) {
        after.updated_at = cx->now;
        rc = users_store_update(cx->db, &after, key);
        if (rc == RC_CONFLICT)
            rc = ctx_fail(cx, RC_CONFLICT, NULL,
                          "Someone else just took this email or external id.");
        if (!rc)
            rc = audit_record(cx, "user.update", "user", id, json_incref(changes));
    }
    json_decref(changes);
    if (rc)
        return rc;
    if (activity) {
        if ((rc = users_store_set_active(cx->db, cx->actor.tenant_id, id, after.active, cx->now)))
            return rc;
        if (!after.active && (rc = credentials_revoke_all(cx, id)))
            return rc;
        if ((rc = audit_record(cx, after.active ? "user.reactivate" : "user.deactivate", "user", id,
                               NULL)))
            return rc;
    }
    if (fields_changed || activity) {
        if ((rc = groups_refresh_rules_user(cx, id, manager_changed)) ||
            (rc = enrolment_follow_rules(cx, manager_changed ? 0 : id)))
            return rc;
    }
    if (!fields_changed && !activity) {
        *out = before;
        return RC_OK;
    }
    return people_get_user(cx, id, out);
}

enum rc users_deactivate(struct ctx *cx, int64_t id, struct user *out)
{
    struct users_change ch = {.set = USERS_ACTIVE, .active = 0};
    return users_update(cx, id, &ch, out);
}

static enum rc users_fill_detail(struct ctx *cx, int64_t id, struct users_detail *d)
{
    int64_t reports = users_store_direct_report_count(cx->db, cx->actor.tenant_id, id);
    int64_t coach = users_store_coach_of(cx->db, cx->actor.tenant_id, id);
    if (reports < 0 || coach < 0)
        return users_db_fail(cx, "user detail");
    d->direct_report_count = reports;
    d->is_manager = reports > 0;
    d->coach_id = coach;
    return RC_OK;
}

enum rc users_get(struct ctx *cx, int64_t id, struct user *out, struct users_detail *detail)
{
    struct user u;
    enum rc rc = people_get_user(cx, id, &u);
    if (rc)
        return rc;
    if (!authz_can_read_user(cx, &u))
        return ctx_fail(cx, RC_NOT_FOUND, NULL, "There is no such person.");
    if (detail && (rc = users_fill_detail(cx, id, detail)))
        return rc;
    *out = u;
    return RC_OK;
}

enum rc users_set_coach(struct ctx *cx, int64_t id, int64_t coach_id, struct users_detail *detail)
{
    struct user learner;
    enum rc rc = users_load_for_change(cx, id, &learner);
    if (rc)
        return rc;
    if (coach_id < 0)
        return ctx_fail(cx, RC_INVALID, "coach_id", "must be the id of a coach or null");
    if (coach_id == id)
        return ctx_fail(cx, RC_INVALID, "coach_id", "cannot be the learner themselves");
    if (coach_id) {
        struct user coach;
        rc = people_store_user_by_id(cx->db, cx->actor.tenant_id, coach_id, &coach);
        if (rc == RC_NOT_FOUND ||
            (rc == RC_OK && (!coach.active || !(coach.roles & PEOPLE_ROLE_COACH))))
            return ctx_fail(cx, RC_INVALID, "coach_id",
                            "must be the id of an active person with the coach role");
        if (rc)
            return rc;
    }
    int64_t old = users_store_coach_of(cx->db, cx->actor.tenant_id, id);
    if (old < 0)
        return users_db_fail(cx, "coach lookup");
    if (old != coach_id) {
        if ((rc = users_store_set_coach(cx->db, cx->actor.tenant_id, id, coach_id, cx->now)))
            return rc;
        json_t *changes = json_object();
        users_diff(changes, "coach_id", users_id_json(old), users_id_json(coach_id));
        if ((rc = audit_record(cx, "user.coach", "user", id, changes)))
            return rc;
    }
    return users_fill_detail(cx, id, detail);
}

struct users_page {
    users_each_fn each;
    void *arg;
    int limit;
    int seen;
    int64_t last_id;
};

static enum rc users_page_row(void *arg, const struct user *u)
{
    struct users_page *p = arg;
    if (++p->seen > p->limit)
        return RC_OK; /* the extra row only says that there is a next page */
    p->last_id = u->id;
    return p->each(p->arg, u);
}

enum rc users_list(struct ctx *cx, const struct users_query *q, users_each_fn each, void *arg,
                   int64_t *next_after)
{
    enum rc rc = RC_OK;
    struct buf pattern;
    buf_init(&pattern, USERS_Q_MAX * 8 + 8);
    if (q->q && q->q[0] && !users_text_ok(q->q, 1, USERS_Q_MAX))
        rc = ctx_fail(cx, RC_BAD_REQUEST, "q", "must be at most %d characters", USERS_Q_MAX);
    if (q->department && !users_text_ok(q->department, 0, PEOPLE_TEXT_MAX))
        rc = ctx_fail(cx, RC_BAD_REQUEST, "department", "must be at most %d characters",
                      PEOPLE_TEXT_MAX);
    if (q->limit < 1 || q->limit > USERS_LIST_MAX)
        rc = ctx_fail(cx, RC_BAD_REQUEST, "limit", "must be from 1 to %d", USERS_LIST_MAX);
    if (rc)
        goto out;
    if (q->after_id) {
        struct user at;
        rc = people_store_user_by_id(cx->db, cx->actor.tenant_id, q->after_id, &at);
        if (rc == RC_NOT_FOUND)
            rc = ctx_fail(cx, RC_BAD_REQUEST, "cursor", "is not a cursor of this list");
        if (rc)
            goto out;
    }
    struct users_store_list_args a = {
        .tenant_id = cx->actor.tenant_id,
        .active = q->active,
        .manager_id = q->manager_id,
        .department = q->department,
        .role = q->role,
        .after_id = q->after_id,
        .limit = q->limit + 1,
    };
    authz_user_filter(cx, &a.vis);
    if (q->q && q->q[0]) {
        if ((rc = query_like_contains(q->q, &pattern)))
            goto out;
        a.q_pattern = pattern.data;
    }
    struct users_page page = {each, arg, q->limit, 0, 0};
    if ((rc = users_store_list(cx->db, &a, users_page_row, &page)))
        goto out;
    *next_after = page.seen > q->limit ? page.last_id : 0;
out:
    buf_free(&pattern);
    return rc;
}
