/*
 * users_api.c — JSON ⇄ users.h for the routes listed in users_api.h.
 *
 * Bodies are read strictly: unknown fields, wrong types and out-of-range lengths are all
 * reported at once as 422 details; an explicit null is accepted only where it means
 * something (manager_id: no manager, external_id: none, department/job_title: empty).
 * Query parameters that do not parse are 400 with the parameter as the detail's field.
 * A path id that is not a positive number is answered 404, like any id the actor cannot
 * see.
 */
#include "users_api.h"

#include <stdio.h>
#include <string.h>

#include "core/jsonx.h"
#include "core/query.h"
#include "users.h"

static enum rc users_api_path_id(struct ctx *cx, const struct req *rq, int64_t *out)
{
    *out = rq->nparams > 0 ? query_id(rq->params[0]) : 0;
    if (*out <= 0)
        return ctx_fail(cx, RC_NOT_FOUND, NULL, "There is no such person.");
    return RC_OK;
}

struct users_api_items {
    json_t *items;
};

static enum rc users_api_add_item(void *arg, const struct user *u)
{
    struct users_api_items *it = arg;
    json_t *j = people_user_json(u);
    if (!j || json_array_append_new(it->items, j))
        return RC_NOMEM;
    return RC_OK;
}

enum rc users_api_list(struct ctx *cx, const struct req *rq, struct resp *rs)
{
    struct users_query q = {.active = -1, .manager_id = -1};
    enum rc rc = query_paging(cx, rq, &q.limit, &q.after_id);
    q.q = rq->query(rq, "q");
    q.department = rq->query(rq, "department");
    const char *active = rq->query(rq, "active");
    if (active) {
        if (strcmp(active, "true") == 0 || strcmp(active, "1") == 0)
            q.active = 1;
        else if (strcmp(active, "false") == 0 || strcmp(active, "0") == 0)
            q.active = 0;
        else
            rc = ctx_fail(cx, RC_BAD_REQUEST, "active", "must be true or false");
    }
    const char *manager = rq->query(rq, "manager_id");
    if (manager && !(q.manager_id = query_id(manager)))
        rc = ctx_fail(cx, RC_BAD_REQUEST, "manager_id", "must be the id of a person");
    const char *role = rq->query(rq, "role");
    if (role && !(q.role = people_role_from_name(role)))
        rc = ctx_fail(cx, RC_BAD_REQUEST, "role",
                      "must be admin, designer, assessor, coach or learner");
    if (rc)
        return rc;
    struct users_api_items it = {json_array()};
    int64_t next = 0;
    if ((rc = users_list(cx, &q, users_api_add_item, &it, &next))) {
        json_decref(it.items);
        return rc;
    }
    return resp_json(
        rs, 200,
        json_pack("{s:o, s:o}", "items", it.items, "next_cursor", query_cursor_json(next)));
}

/* A string field that may be null (stored as "" / none) when nullable. */
static void users_api_text(struct ctx *cx, const json_t *body, const char *key, int nullable,
                           size_t min, size_t max, unsigned bit, struct users_change *ch,
                           const char **out)
{
    json_t *v = json_object_get(body, key);
    if (!v)
        return;
    if (json_is_null(v)) {
        if (!nullable) {
            ctx_fail(cx, RC_INVALID, key, "cannot be null");
            return;
        }
        *out = bit == USERS_EXTERNAL_ID ? NULL : "";
        ch->set |= bit;
        return;
    }
    if (jsonx_string(cx, body, key, 0, min, max, out) == RC_OK)
        ch->set |= bit;
}

/* Reads the fields of a create (creating) or an update into ch. */
static enum rc users_api_read_change(struct ctx *cx, const json_t *body, int creating,
                                     struct users_change *ch)
{
    static const char *const create_fields[] = {
        "email", "name", "roles", "manager_id", "department", "job_title", "external_id", NULL};
    static const char *const update_fields[] = {"email",       "name",       "roles",
                                                "manager_id",  "department", "job_title",
                                                "external_id", "active",     NULL};
    memset(ch, 0, sizeof *ch);
    enum rc rc = jsonx_only(cx, body, creating ? create_fields : update_fields);
    if (!json_is_object(body))
        return rc;
    if (creating) {
        if (jsonx_string(cx, body, "email", 1, 1, PEOPLE_EMAIL_MAX, &ch->email) == RC_OK)
            ch->set |= USERS_EMAIL;
        if (jsonx_string(cx, body, "name", 1, 1, PEOPLE_NAME_MAX, &ch->name) == RC_OK)
            ch->set |= USERS_NAME;
    } else {
        users_api_text(cx, body, "email", 0, 1, PEOPLE_EMAIL_MAX, USERS_EMAIL, ch, &ch->email);
        users_api_text(cx, body, "name", 0, 1, PEOPLE_NAME_MAX, USERS_NAME, ch, &ch->name);
    }
    users_api_text(cx, body, "department", 1, 0, PEOPLE_TEXT_MAX, USERS_DEPARTMENT, ch,
                   &ch->department);
    users_api_text(cx, body, "job_title", 1, 0, PEOPLE_TEXT_MAX, USERS_JOB_TITLE, ch,
                   &ch->job_title);
    users_api_text(cx, body, "external_id", 1, 0, PEOPLE_EXTERNAL_ID_MAX, USERS_EXTERNAL_ID, ch,
                   &ch->external_id);
    json_t *roles = json_object_get(body, "roles");
    if (roles && people_roles_parse(cx, roles, "roles", &ch->roles) == RC_OK)
        ch->set |= USERS_ROLES;
    json_t *manager = json_object_get(body, "manager_id");
    if (manager && json_is_null(manager))
        ch->set |= USERS_MANAGER; /* manager_id 0: none */
    else if (manager &&
             jsonx_int64(cx, body, "manager_id", 0, 1, INT64_MAX, &ch->manager_id) == RC_OK)
        ch->set |= USERS_MANAGER;
    json_t *active = json_object_get(body, "active");
    if (active && json_is_null(active))
        ctx_fail(cx, RC_INVALID, "active", "cannot be null");
    else if (active && jsonx_bool(cx, body, "active", 0, &ch->active) == RC_OK)
        ch->set |= USERS_ACTIVE;
    /* When something is already wrong, also report the fields that read well but break
     * a rule of form (an email without @), so the answer names every bad field at once. */
    if (cx->rc == RC_INVALID) {
        users_check_change(cx, ch, 0);
        return RC_INVALID;
    }
    return rc;
}

enum rc users_api_create(struct ctx *cx, const struct req *rq, struct resp *rs)
{
    struct users_change ch;
    enum rc rc = users_api_read_change(cx, rq->json, 1, &ch);
    if (rc)
        return rc;
    struct user u;
    char url[CREDENTIALS_LINK_URL_MAX] = "";
    if ((rc = users_invite(cx, &ch, &u, url)))
        return rc;
    return resp_json(rs, 201,
                     json_pack("{s:o, s:s}", "user", people_user_json(&u), "invitation_url", url));
}

static json_t *users_api_detail_json(const struct user *u, const struct users_detail *d)
{
    json_t *j = people_user_json(u);
    json_object_set_new(j, "is_manager", json_boolean(d->is_manager));
    json_object_set_new(j, "direct_report_count", json_integer(d->direct_report_count));
    json_object_set_new(j, "coach_id", d->coach_id ? json_integer(d->coach_id) : json_null());
    return j;
}

enum rc users_api_get(struct ctx *cx, const struct req *rq, struct resp *rs)
{
    int64_t id;
    enum rc rc = users_api_path_id(cx, rq, &id);
    struct user u;
    struct users_detail d;
    if (rc || (rc = users_get(cx, id, &u, &d)))
        return rc;
    return resp_json(rs, 200, users_api_detail_json(&u, &d));
}

enum rc users_api_update(struct ctx *cx, const struct req *rq, struct resp *rs)
{
    int64_t id;
    struct users_change ch;
    struct user u;
    enum rc rc = users_api_path_id(cx, rq, &id);
    if (rc || (rc = users_api_read_change(cx, rq->json, 0, &ch)) ||
        (rc = users_update(cx, id, &ch, &u)))
        return rc;
    return resp_json(rs, 200, people_user_json(&u));
}

enum rc users_api_deactivate(struct ctx *cx, const struct req *rq, struct resp *rs)
{
    int64_t id;
    struct user u;
    enum rc rc = users_api_path_id(cx, rq, &id);
    if (rc || (rc = users_deactivate(cx, id, &u)))
        return rc;
    return resp_json(rs, 200, people_user_json(&u));
}

enum rc users_api_set_coach(struct ctx *cx, const struct req *rq, struct resp *rs)
{
    static const char *const fields[] = {"coach_id", NULL};
    int64_t id, coach_id = 0;
    enum rc rc = users_api_path_id(cx, rq, &id);
    if (rc || (rc = jsonx_only(cx, rq->json, fields)))
        return rc;
    json_t *v = json_object_get(rq->json, "coach_id");
    if (!v)
        return ctx_fail(cx, RC_INVALID, "coach_id", "is required (null removes the coach)");
    if (!json_is_null(v) &&
        (rc = jsonx_int64(cx, rq->json, "coach_id", 1, 1, INT64_MAX, &coach_id)))
        return rc;
    struct users_detail d;
    if ((rc = users_set_coach(cx, id, coach_id, &d)))
        return rc;
    return resp_json(rs, 200,
                     json_pack("{s:I, s:o}", "user_id", (json_int_t)id, "coach_id",
                               d.coach_id ? json_integer(d.coach_id) : json_null()));
}
