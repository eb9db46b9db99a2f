/*
 * groups_api.c — JSON ⇄ groups.h for the routes listed in groups_api.h.
 *
 * Bodies are read strictly (unknown fields are 422); a rule's form is checked by
 * groups_check_rule inside the domain call, so its details name the exact part
 * ("rule.all[1].op"). Path ids that are not positive numbers are 404, like ids of another
 * tenant. Bad query parameters are 400.
 */
#include "groups_api.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/jsonx.h"
#include "core/query.h"
#include "groups.h"

static enum rc groups_api_path_id(struct ctx *cx, const struct req *rq, int i, int64_t *out)
{
    *out = rq->nparams > i ? query_id(rq->params[i]) : 0;
    if (*out <= 0)
        return ctx_fail(cx, RC_NOT_FOUND, NULL,
                        i == 0 ? "There is no such group." : "There is no such person.");
    return RC_OK;
}

static json_t *groups_api_json(const struct group *g)
{
    return json_pack("{s:I, s:s, s:s, s:O, s:I, s:o, s:o}", "id", (json_int_t)g->id, "name",
                     g->name, "description", g->description, "rule",
                     g->rule ? g->rule : json_null(), "member_count", (json_int_t)g->member_count,
                     "created_at", jsonx_instant(g->created_at), "updated_at",
                     jsonx_instant(g->updated_at));
}

static enum rc groups_api_add_group(void *arg, const struct group *g)
{
    json_t *j = groups_api_json(g);
    if (!j || json_array_append_new(arg, j))
        return RC_NOMEM;
    return RC_OK;
}

enum rc groups_api_list(struct ctx *cx, const struct req *rq, struct resp *rs)
{
    int limit;
    int64_t after, next = 0;
    enum rc rc = query_paging(cx, rq, &limit, &after);
    if (rc)
        return rc;
    json_t *items = json_array();
    if ((rc = groups_list(cx, rq->query(rq, "q"), after, limit, groups_api_add_group, items,
                          &next))) {
        json_decref(items);
        return rc;
    }
    return resp_json(
        rs, 200, json_pack("{s:o, s:o}", "items", items, "next_cursor", query_cursor_json(next)));
}

/* Reads {name, description, rule} into ch; with creating, name is required. */
static enum rc groups_api_read_change(struct ctx *cx, const json_t *body, int creating,
                                      struct groups_change *ch)
{
    static const char *const fields[] = {"name", "description", "rule", NULL};
    memset(ch, 0, sizeof *ch);
    enum rc rc = jsonx_only(cx, body, fields);
    if (!json_is_object(body))
        return rc;
    json_t *name = json_object_get(body, "name");
    if (name && json_is_null(name))
        ctx_fail(cx, RC_INVALID, "name", "cannot be null");
    else if ((creating || name) &&
             jsonx_string(cx, body, "name", 1, 1, GROUPS_NAME_MAX, &ch->name) == RC_OK)
        ch->set |= GROUPS_NAME;
    json_t *description = json_object_get(body, "description");
    if (description && json_is_null(description)) {
        ch->description = "";
        ch->set |= GROUPS_DESCRIPTION;
    } else if (description && jsonx_string(cx, body, "description", 0, 0, GROUPS_DESCRIPTION_MAX,
                                           &ch->description) == RC_OK) {
        ch->set |= GROUPS_DESCRIPTION;
    }
    json_t *rule = json_object_get(body, "rule");
    if (rule) {
        ch->rule = json_is_null(rule) ? NULL : rule;
        ch->set |= GROUPS_RULE;
    }
    return cx->rc == RC_INVALID ? RC_INVALID : rc;
}

enum rc groups_api_create(struct ctx *cx, const struct req *rq, struct resp *rs)
{
    struct groups_change ch;
    struct group g;
    memset(&g, 0, sizeof g);
    enum rc rc = groups_api_read_change(cx, rq->json, 1, &ch);
    if (rc || (rc = groups_create(cx, &ch, &g)))
        return rc;
    rc = resp_json(rs, 201, groups_api_json(&g));
    groups_clear(&g);
    return rc;
}

enum rc groups_api_get(struct ctx *cx, const struct req *rq, struct resp *rs)
{
    int64_t id;
    struct group g;
    memset(&g, 0, sizeof g);
    enum rc rc = groups_api_path_id(cx, rq, 0, &id);
    if (rc || (rc = groups_get(cx, id, &g)))
        return rc;
    rc = resp_json(rs, 200, groups_api_json(&g));
    groups_clear(&g);
    return rc;
}

enum rc groups_api_update(struct ctx *cx, const struct req *rq, struct resp *rs)
{
    int64_t id;
    struct groups_change ch;
    struct group g;
    memset(&g, 0, sizeof g);
    enum rc rc = groups_api_path_id(cx, rq, 0, &id);
    if (rc || (rc = groups_api_read_change(cx, rq->json, 0, &ch)) ||
        (rc = groups_update(cx, id, &ch, &g)))
        return rc;
    rc = resp_json(rs, 200, groups_api_json(&g));
    groups_clear(&g);
    return rc;
}

enum rc groups_api_delete(struct ctx *cx, const struct req *rq, struct resp *rs)
{
    int64_t id;
    enum rc rc = groups_api_path_id(cx, rq, 0, &id);
    if (rc || (rc = groups_delete(cx, id)))
        return rc;
    return resp_json(rs, 204, NULL);
}

static enum rc groups_api_add_member_json(void *arg, const struct user *u, int64_t added_at)
{
    json_t *j = people_user_json(u);
    if (!j)
        return RC_NOMEM;
    json_object_set_new(j, "added_at", jsonx_instant(added_at));
    if (json_array_append_new(arg, j))
        return RC_NOMEM;
    return RC_OK;
}

enum rc groups_api_members(struct ctx *cx, const struct req *rq, struct resp *rs)
{
    int64_t id, after, next = 0;
    int limit;
    enum rc rc = groups_api_path_id(cx, rq, 0, &id);
    if (rc || (rc = query_paging(cx, rq, &limit, &after)))
        return rc;
    json_t *items = json_array();
    if ((rc = groups_members(cx, id, after, limit, groups_api_add_member_json, items, &next))) {
        json_decref(items);
        return rc;
    }
    return resp_json(
        rs, 200, json_pack("{s:o, s:o}", "items", items, "next_cursor", query_cursor_json(next)));
}

enum rc groups_api_add_members(struct ctx *cx, const struct req *rq, struct resp *rs)
{
    static const char *const fields[] = {"user_ids", NULL};
    int64_t id;
    int64_t *ids = NULL;
    enum rc rc = groups_api_path_id(cx, rq, 0, &id);
    if (rc || (rc = jsonx_only(cx, rq->json, fields)))
        return rc;
    json_t *list = json_object_get(rq->json, "user_ids");
    size_t n = json_array_size(list);
    if (!json_is_array(list) || n < 1 || n > GROUPS_ADD_MAX)
        return ctx_fail(cx, RC_INVALID, "user_ids", "must list 1 to %d person ids", GROUPS_ADD_MAX);
    if (!(ids = calloc(n, sizeof *ids)))
        return RC_NOMEM;
    for (size_t i = 0; i < n; i++) {
        json_t *v = json_array_get(list, i);
        if (!json_is_integer(v) || json_integer_value(v) <= 0) {
            char where[48];
            snprintf(where, sizeof where, "user_ids[%zu]", i);
            rc = ctx_fail(cx, RC_INVALID, where, "must be the id of a person");
        } else {
            ids[i] = json_integer_value(v);
        }
    }
    size_t added = 0, skipped = 0;
    if (!rc)
        rc = groups_add_members(cx, id, ids, n, &added, &skipped);
    free(ids);
    if (rc)
        return rc;
    return resp_json(
        rs, 200,
        json_pack("{s:I, s:I}", "added", (json_int_t)added, "skipped", (json_int_t)skipped));
}

enum rc groups_api_remove_member(struct ctx *cx, const struct req *rq, struct resp *rs)
{
    int64_t id, user_id;
    enum rc rc = groups_api_path_id(cx, rq, 0, &id);
    if (rc || (rc = groups_api_path_id(cx, rq, 1, &user_id)) ||
        (rc = groups_remove_member(cx, id, user_id)))
        return rc;
    return resp_json(rs, 204, NULL);
}
