/*
 * notify_api.c — JSON ⇄ notify.h and notify_settings.h for the notification routes (see
 * notify_api.h; the shapes are docs/notifications.md's).
 *
 * Query parameters are read strictly: a bad one is 400 with the parameter named, never
 * silently replaced. Bodies are checked field by field in the domain, which reports
 * every bad field at once. A POST that has nothing to choose (read, read-all, a webhook
 * test) accepts no body or an empty object, and refuses any field.
 *
 * Secrets: the answer that carries a generated webhook secret is sent with Cache-Control:
 * no-store, and the secret is wiped from the handler's stack once it is in the JSON. The
 * unsubscribe routes have no session: the token in the path is the credential, checked in
 * the domain, and a bad or unknown one is the same plain 404 every time.
 */
#include "notify_api.h"

#include <string.h>

#include "core/jsonx.h"
#include "core/query.h"
#include "core/secure.h"
#include "notify.h"
#include "notify_settings.h"
#include "people/people.h"
#include "tenant/tenant.h"

/* No body, or an empty object. */
static enum rc no_fields(struct ctx *cx, const struct req *rq)
{
    static const char *const NONE[] = {NULL};
    return rq->json ? jsonx_only(cx, rq->json, NONE) : RC_OK;
}

/* The JSON object body of a PATCH or POST that needs one. */
static enum rc json_body(struct ctx *cx, const struct req *rq, const json_t **out)
{
    if (!json_is_object(rq->json))
        return ctx_fail(cx, RC_INVALID, "body", "must be a JSON object");
    *out = rq->json;
    return RC_OK;
}

/* ---- in-app notifications ---- */

static enum rc add_notification(void *arg, const struct notification *n)
{
    json_t *j =
        json_pack("{s:I, s:s, s:s, s:s, s:s, s:o, s:o}", "id", (json_int_t)n->id, "kind",
                  n->kind ? n->kind : "", "title", n->title ? n->title : "", "body",
                  n->body ? n->body : "", "link", n->link ? n->link : "", "created_at",
                  jsonx_instant(n->created_at), "read_at", jsonx_instant_or_null(n->read_at));
    if (!j || json_array_append_new(arg, j))
        return RC_NOMEM;
    return RC_OK;
}

enum rc notify_api_list(struct ctx *cx, const struct req *rq, struct resp *rs)
{
    int limit = 0, unread_only = 0;
    int64_t cursor = 0, next = 0, unread = 0;
    enum rc rc = query_paging_within(cx, rq, NOTIFY_LIST_DEFAULT, NOTIFY_LIST_MAX, &limit, &cursor);
    const char *u = rq->query(rq, "unread");
    if (u) {
        if (strcmp(u, "1") == 0 || strcmp(u, "true") == 0)
            unread_only = 1;
        else if (strcmp(u, "0") != 0 && strcmp(u, "false") != 0)
            rc = ctx_fail(cx, RC_BAD_REQUEST, "unread", "must be 1 or 0");
    }
    if (rc)
        return rc;
    json_t *items = json_array();
    if ((rc = notify_list(cx, cursor, unread_only, limit, add_notification, items, &next,
                          &unread))) {
        json_decref(items);
        return rc;
    }
    return resp_json(rs, 200,
                     json_pack("{s:o, s:o, s:I}", "items", items, "next_cursor",
                               query_cursor_json(next), "unread", (json_int_t)unread));
}

enum rc notify_api_unread(struct ctx *cx, const struct req *rq, struct resp *rs)
{
    (void)rq;
    int64_t unread = 0;
    enum rc rc = notify_unread_count(cx, &unread);
    if (rc)
        return rc;
    return resp_json(rs, 200, json_pack("{s:I}", "unread", (json_int_t)unread));
}

enum rc notify_api_read(struct ctx *cx, const struct req *rq, struct resp *rs)
{
    int64_t id = 0;
    enum rc rc = query_path_id(cx, rq, 0, "notification", &id);
    if (rc || (rc = no_fields(cx, rq)) || (rc = notify_mark_read(cx, id)))
        return rc;
    return resp_json(rs, 204, NULL);
}

enum rc notify_api_read_all(struct ctx *cx, const struct req *rq, struct resp *rs)
{
    int64_t marked = 0;
    enum rc rc = no_fields(cx, rq);
    if (rc || (rc = notify_mark_all_read(cx, &marked)))
        return rc;
    return resp_json(rs, 200, json_pack("{s:I}", "marked", (json_int_t)marked));
}

/* ---- preferences ---- */

/* The preferences answer, with the organisation's time zone. */
static enum rc prefs_answer(struct ctx *cx, const struct notify_prefs *p, struct resp *rs)
{
    struct tenant t;
    enum rc rc = tenant_get(cx, &t);
    if (rc)
        return rc;
    json_t *j = notify_prefs_json(p);
    if (!j || json_object_set_new(j, "time_zone", json_string(t.time_zone))) {
        json_decref(j);
        return RC_NOMEM;
    }
    return resp_json(rs, 200, j);
}

enum rc notify_api_prefs_get(struct ctx *cx, const struct req *rq, struct resp *rs)
{
    (void)rq;
    struct notify_prefs p;
    enum rc rc = notify_prefs_get(cx, cx->actor.user_id, &p);
    if (rc)
        return rc;
    return prefs_answer(cx, &p, rs);
}

enum rc notify_api_prefs_update(struct ctx *cx, const struct req *rq, struct resp *rs)
{
    const json_t *body = NULL;
    struct notify_prefs p;
    enum rc rc = json_body(cx, rq, &body);
    if (rc || (rc = notify_prefs_update(cx, body, &p)))
        return rc;
    return prefs_answer(cx, &p, rs);
}

/* ---- organisation settings ---- */

enum rc notify_api_settings_get(struct ctx *cx, const struct req *rq, struct resp *rs)
{
    (void)rq;
    struct notify_settings s;
    enum rc rc = notify_settings_get(cx, &s);
    if (rc)
        return rc;
    json_t *j = notify_settings_json(&s);
    secure_zero(&s, sizeof s);
    return resp_json(rs, 200, j);
}

enum rc notify_api_settings_update(struct ctx *cx, const struct req *rq, struct resp *rs)
{
    const json_t *body = NULL;
    struct notify_settings s;
    enum rc rc = json_body(cx, rq, &body);
    if (rc || (rc = notify_settings_update(cx, body, &s)))
        return rc;
    json_t *j = notify_settings_json(&s);
    secure_zero(&s, sizeof s);
    return resp_json(rs, 200, j);
}

/* ---- webhooks ---- */

static enum rc add_webhook(void *arg, const struct webhook *w)
{
    json_t *j = notify_webhook_json(w);
    if (!j || json_array_append_new(arg, j))
        return RC_NOMEM;
    return RC_OK;
}

enum rc notify_api_webhooks_list(struct ctx *cx, const struct req *rq, struct resp *rs)
{
    (void)rq;
    json_t *items = json_array();
    enum rc rc = notify_webhooks_list(cx, add_webhook, items);
    if (rc) {
        json_decref(items);
        return rc;
    }
    return resp_json(rs, 200, json_pack("{s:o}", "items", items));
}

enum rc notify_api_webhook_create(struct ctx *cx, const struct req *rq, struct resp *rs)
{
    const json_t *body = NULL;
    struct webhook w;
    char secret[NOTIFY_SECRET_MAX + 1] = "";
    enum rc rc = json_body(cx, rq, &body);
    if (rc || (rc = notify_webhook_create(cx, body, &w, secret)))
        return rc;
    json_t *j = notify_webhook_json(&w);
    if (j && secret[0] && json_object_set_new(j, "secret", json_string(secret))) {
        json_decref(j);
        j = NULL;
    }
    secure_zero(secret, sizeof secret);
    if (!j)
        return RC_NOMEM;
    resp_header(rs, "Cache-Control", "no-store");
    return resp_json(rs, 201, j);
}

enum rc notify_api_webhook_get(struct ctx *cx, const struct req *rq, struct resp *rs)
{
    int64_t id = 0;
    struct webhook w;
    enum rc rc = query_path_id(cx, rq, 0, "webhook", &id);
    if (rc || (rc = notify_webhook_get(cx, id, &w)))
        return rc;
    return resp_json(rs, 200, notify_webhook_json(&w));
}

enum rc notify_api_webhook_update(struct ctx *cx, const struct req *rq, struct resp *rs)
{
    int64_t id = 0;
    const json_t *body = NULL;
    struct webhook w;
    enum rc rc = query_path_id(cx, rq, 0, "webhook", &id);
    if (rc || (rc = json_body(cx, rq, &body)) || (rc = notify_webhook_update(cx, id, body, &w)))
        return rc;
    return resp_json(rs, 200, notify_webhook_json(&w));
}

enum rc notify_api_webhook_delete(struct ctx *cx, const struct req *rq, struct resp *rs)
{
    int64_t id = 0;
    enum rc rc = query_path_id(cx, rq, 0, "webhook", &id);
    if (rc || (rc = notify_webhook_delete(cx, id)))
        return rc;
    return resp_json(rs, 204, NULL);
}

enum rc notify_api_webhook_test(struct ctx *cx, const struct req *rq, struct resp *rs)
{
    int64_t id = 0;
    enum rc rc = query_path_id(cx, rq, 0, "webhook", &id);
    if (rc || (rc = no_fields(cx, rq)) || (rc = notify_webhook_test(cx, id)))
        return rc;
    return resp_json(rs, 202, json_pack("{s:b}", "queued", 1));
}

/* ---- the outbox log ---- */

static enum rc add_outbox(void *arg, const struct outbox_entry *e)
{
    json_t *j =
        json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:i, s:o, s:o, s:o, s:o}", "id",
                  (json_int_t)e->id, "channel", e->channel ? e->channel : "", "kind",
                  e->kind ? e->kind : "", "recipient", e->recipient ? e->recipient : "", "subject",
                  e->subject ? e->subject : "", "state", e->state ? e->state : "", "attempts",
                  e->attempts, "next_attempt_at", jsonx_instant(e->next_attempt_at), "last_error",
                  e->last_error ? json_string(e->last_error) : json_null(), "created_at",
                  jsonx_instant(e->created_at), "sent_at", jsonx_instant_or_null(e->sent_at));
    if (!j || json_array_append_new(arg, j))
        return RC_NOMEM;
    return RC_OK;
}

enum rc notify_api_outbox(struct ctx *cx, const struct req *rq, struct resp *rs)
{
    static const char *const STATES[] = {"pending", "sent", "failed", "cancelled", NULL};
    int limit = 0;
    int64_t cursor = 0, next = 0;
    enum rc rc = query_paging_within(cx, rq, QUERY_LIMIT_DEFAULT, NOTIFY_LIST_MAX, &limit, &cursor);
    const char *state = rq->query(rq, "state");
    if (state && !state[0])
        state = NULL;
    if (state) {
        int known = 0;
        for (const char *const *s = STATES; *s && !known; s++)
            known = strcmp(*s, state) == 0;
        if (!known)
            rc =
                ctx_fail(cx, RC_BAD_REQUEST, "state", "must be pending, sent, failed or cancelled");
    }
    if (rc)
        return rc;
    json_t *items = json_array();
    if ((rc = notify_outbox_list(cx, state, cursor, limit, add_outbox, items, &next))) {
        json_decref(items);
        return rc;
    }
    return resp_json(
        rs, 200, json_pack("{s:o, s:o}", "items", items, "next_cursor", query_cursor_json(next)));
}

/* ---- one-click unsubscribe ---- */

static const char *path_token(const struct req *rq)
{
    return rq->nparams > 0 ? rq->params[0] : NULL;
}

enum rc notify_api_unsubscribe_peek(struct ctx *cx, const struct req *rq, struct resp *rs)
{
    enum notify_kind kind;
    char name[PEOPLE_NAME_MAX * 4 + 1];
    enum rc rc = notify_unsubscribe_peek(cx, path_token(rq), &kind, name, sizeof name);
    if (rc)
        return rc;
    resp_header(rs, "Cache-Control", "no-store");
    return resp_json(rs, 200,
                     json_pack("{s:s, s:s}", "kind", notify_kind_name(kind), "name", name));
}

enum rc notify_api_unsubscribe(struct ctx *cx, const struct req *rq, struct resp *rs)
{
    enum notify_kind kind;
    /* Any body (RFC 8058's "List-Unsubscribe=One-Click", or none) is ignored. */
    enum rc rc = notify_unsubscribe(cx, path_token(rq), &kind);
    if (rc)
        return rc;
    resp_header(rs, "Cache-Control", "no-store");
    return resp_json(rs, 200, json_pack("{s:s, s:b}", "kind", notify_kind_name(kind), "email", 0));
}
