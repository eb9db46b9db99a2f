/*
 * credentials_api.c — JSON ⇄ credentials.h for the password, token and link routes
 * (see credentials_api.h for the list).
 *
 * Responses that carry a secret (a new API token, a reset link) are sent with
 * Cache-Control: no-store, so no proxy or browser cache keeps a copy. Nothing here
 * logs a request body.
 */
#include "credentials_api.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/jsonx.h"
#include "core/query.h"
#include "core/secure.h"
#include "credentials.h"

static json_t *token_json(const struct credentials_token *t)
{
    return json_pack("{s:I, s:s, s:o, s:o}", "id", (json_int_t)t->id, "name", t->name, "created_at",
                     jsonx_instant(t->created_at), "last_used_at",
                     jsonx_instant_or_null(t->last_used_at));
}

enum rc credentials_api_accept(struct ctx *cx, const struct req *rq, struct resp *rs)
{
    static const char *const FIELDS[] = {"token", "password", NULL};
    const char *token = NULL, *password = NULL;
    enum rc rc = jsonx_only(cx, rq->json, FIELDS);
    if (rc)
        return rc;
    /* Both fields are read even when the first fails, so both problems are reported. */
    enum rc a = jsonx_string(cx, rq->json, "token", 1, 1, 1000, &token);
    enum rc b = jsonx_string(cx, rq->json, "password", 1, 0, (size_t)-1, &password);
    if (a || b)
        return a ? a : b;
    if ((rc = credentials_accept_link(cx, token, password)))
        return rc;
    return resp_json(rs, 204, NULL);
}

enum rc credentials_api_change_password(struct ctx *cx, const struct req *rq, struct resp *rs)
{
    static const char *const FIELDS[] = {"current_password", "new_password", NULL};
    const char *current = NULL, *fresh = NULL;
    enum rc rc = jsonx_only(cx, rq->json, FIELDS);
    if (rc)
        return rc;
    enum rc a = jsonx_string(cx, rq->json, "current_password", 1, 1, 1000, &current);
    enum rc b = jsonx_string(cx, rq->json, "new_password", 1, 0, (size_t)-1, &fresh);
    if (a || b)
        return a ? a : b;
    if ((rc = credentials_change_password(cx, current, fresh)))
        return rc;
    return resp_json(rs, 204, NULL);
}

enum rc credentials_api_list_tokens(struct ctx *cx, const struct req *rq, struct resp *rs)
{
    int limit = 0, n = 0, more = 0;
    int64_t after = 0;
    struct credentials_token *items = NULL;
    enum rc rc = query_paging(cx, rq, &limit, &after);
    if (rc || (rc = credentials_token_list(cx, after, limit, &items, &n, &more)))
        return rc;
    json_t *list = json_array();
    for (int i = 0; i < n; i++)
        json_array_append_new(list, token_json(&items[i]));
    json_t *next = query_cursor_json(more ? items[n - 1].id : 0);
    free(items);
    return resp_json(rs, 200, json_pack("{s:o, s:o}", "items", list, "next_cursor", next));
}

enum rc credentials_api_create_token(struct ctx *cx, const struct req *rq, struct resp *rs)
{
    static const char *const FIELDS[] = {"name", NULL};
    const char *name = NULL;
    enum rc rc = jsonx_only(cx, rq->json, FIELDS);
    if (rc || (rc = jsonx_string(cx, rq->json, "name", 1, 1, CREDENTIALS_TOKEN_NAME_MAX, &name)))
        return rc;
    char token[CREDENTIALS_TOKEN_LEN + 1];
    struct credentials_token t;
    if ((rc = credentials_token_create(cx, name, token, &t)))
        return rc;
    json_t *body = json_pack("{s:I, s:s, s:s, s:o}", "id", (json_int_t)t.id, "name", t.name,
                             "token", token, "created_at", jsonx_instant(t.created_at));
    secure_zero(token, sizeof token);
    resp_header(rs, "Cache-Control", "no-store");
    return resp_json(rs, 201, body);
}

enum rc credentials_api_revoke_token(struct ctx *cx, const struct req *rq, struct resp *rs)
{
    enum rc rc = credentials_token_revoke(cx, query_id(rq->params[0]));
    if (rc)
        return rc;
    return resp_json(rs, 204, NULL);
}

enum rc credentials_api_reset_password(struct ctx *cx, const struct req *rq, struct resp *rs)
{
    static const char *const NONE[] = {NULL};
    enum rc rc;
    /* No body, or an empty object: there is nothing to choose. */
    if (rq->json && (rc = jsonx_only(cx, rq->json, NONE)))
        return rc;
    int64_t id = query_id(rq->params[0]);
    if (id <= 0)
        return ctx_fail(cx, RC_NOT_FOUND, NULL, "There is no such person.");
    char url[CREDENTIALS_LINK_URL_MAX];
    int64_t expires = 0;
    if ((rc = credentials_reset_password(cx, id, url, &expires)))
        return rc;
    json_t *body = json_pack("{s:s, s:o}", "reset_url", url, "expires_at", jsonx_instant(expires));
    secure_zero(url, sizeof url);
    resp_header(rs, "Cache-Control", "no-store");
    return resp_json(rs, 200, body);
}
