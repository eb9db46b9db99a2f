/*
 * audit_api.c — JSON for GET /api/v1/audit (see audit_api.h).
 *
 * Query parameters are checked strictly and every bad one is reported at once (400 with
 * the parameter as the detail's field). The stored changes are JSON text written by
 * audit_record; they are embedded as JSON, not as a string.
 */
#include "audit_api.h"

#include <stdio.h>
#include <string.h>

#include "audit.h"
#include "core/jsonx.h"
#include "core/now.h"
#include "core/query.h"

#define AUDIT_API_TEXT_MAX 64

/* A filter word: 1..64 characters of letters, digits, '.', '_' and '-'. */
static int audit_api_word(const char *s)
{
    size_t n = strlen(s);
    if (n < 1 || n > AUDIT_API_TEXT_MAX)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-'))
            return 0;
    }
    return 1;
}

static enum rc audit_api_read_query(struct ctx *cx, const struct req *rq, struct audit_query *q)
{
    enum rc rc = RC_OK;
    const char *v;
    memset(q, 0, sizeof *q);
    q->limit = AUDIT_LIST_DEFAULT;
    if ((v = rq->query(rq, "limit"))) {
        int64_t n = query_id(v);
        if (n < 1 || n > AUDIT_LIST_MAX)
            rc = ctx_fail(cx, RC_BAD_REQUEST, "limit", "must be a number from 1 to %d",
                          AUDIT_LIST_MAX);
        else
            q->limit = (int)n;
    }
    if ((v = rq->query(rq, "cursor")) && v[0] && !(q->before_id = query_id(v)))
        rc = ctx_fail(cx, RC_BAD_REQUEST, "cursor", "is not a cursor of this list");
    if ((v = rq->query(rq, "actor_id")) && !(q->actor_id = query_id(v)))
        rc = ctx_fail(cx, RC_BAD_REQUEST, "actor_id", "must be the id of a person");
    if ((v = rq->query(rq, "target_id")) && !(q->target_id = query_id(v)))
        rc = ctx_fail(cx, RC_BAD_REQUEST, "target_id", "must be a positive id");
    if ((v = rq->query(rq, "action"))) {
        if (audit_api_word(v))
            q->action = v;
        else
            rc = ctx_fail(cx, RC_BAD_REQUEST, "action",
                          "must be an action name such as user.create");
    }
    if ((v = rq->query(rq, "target_type"))) {
        if (audit_api_word(v))
            q->target_type = v;
        else
            rc = ctx_fail(cx, RC_BAD_REQUEST, "target_type",
                          "must be a target type such as user or group");
    }
    if ((v = rq->query(rq, "from"))) {
        if (now_parse_rfc3339(v, &q->from) == RC_OK)
            q->has_from = 1;
        else
            rc = ctx_fail(cx, RC_BAD_REQUEST, "from",
                          "must be an RFC 3339 instant such as 2026-12-01T09:00:00Z");
    }
    if ((v = rq->query(rq, "to"))) {
        if (now_parse_rfc3339(v, &q->to) == RC_OK)
            q->has_to = 1;
        else
            rc = ctx_fail(cx, RC_BAD_REQUEST, "to",
                          "must be an RFC 3339 instant such as 2026-12-01T09:00:00Z");
    }
    return rc;
}

static enum rc audit_api_add_entry(void *arg, const struct audit_entry *e)
{
    json_t *changes = json_loads(e->changes, JSON_REJECT_DUPLICATES, NULL);
    if (!json_is_object(changes)) {
        json_decref(changes);
        changes = json_object();
    }
    json_t *actor = e->actor_name ? json_pack("{s:I, s:s, s:s}", "id", (json_int_t)e->actor_id,
                                              "name", e->actor_name, "email", e->actor_email)
                                  : json_null();
    json_t *j = json_pack(
        "{s:I, s:o, s:o, s:s, s:s, s:o, s:o}", "id", (json_int_t)e->id, "at", jsonx_instant(e->at),
        "actor", actor, "action", e->action, "target_type", e->target_type, "target_id",
        e->target_id ? json_integer(e->target_id) : json_null(), "changes", changes);
    if (!j || json_array_append_new(arg, j))
        return RC_NOMEM;
    return RC_OK;
}

enum rc audit_api_list(struct ctx *cx, const struct req *rq, struct resp *rs)
{
    struct audit_query q;
    enum rc rc = audit_api_read_query(cx, rq, &q);
    if (rc)
        return rc;
    json_t *items = json_array();
    int64_t next = 0;
    if ((rc = audit_list(cx, &q, audit_api_add_entry, items, &next))) {
        json_decref(items);
        return rc;
    }
    char cursor[24];
    snprintf(cursor, sizeof cursor, "%lld", (long long)next);
    return resp_json(rs, 200,
                     json_pack("{s:o, s:o}", "items", items, "next_cursor",
                               next ? json_string(cursor) : json_null()));
}
