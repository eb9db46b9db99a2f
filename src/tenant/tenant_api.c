/*
 * tenant_api.c — JSON ⇄ tenant.h for the settings and branding routes (see
 * tenant_api.h).
 *
 * The logo travels as the raw request body (Content-Type image/png or image/jpeg), not
 * as JSON or multipart: the image is the whole request, and tenant.c decides what it is
 * from its bytes whatever the header claimed. It is served back with its sniffed type
 * and a short private cache lifetime; the server adds X-Content-Type-Options: nosniff
 * to every response.
 */
#include "tenant_api.h"

#include "core/jsonx.h"
#include "tenant.h"

enum rc tenant_api_get(struct ctx *cx, const struct req *rq, struct resp *rs)
{
    (void)rq;
    struct tenant t;
    enum rc rc = tenant_get(cx, &t);
    if (rc)
        return rc;
    return resp_json(rs, 200, tenant_json(&t));
}

enum rc tenant_api_update(struct ctx *cx, const struct req *rq, struct resp *rs)
{
    static const char *const FIELDS[] = {"name", "time_zone", "working_days", "brand_colour", NULL};
    struct tenant_changes ch = {0};
    enum rc rc = jsonx_only(cx, rq->json, FIELDS);
    if (rc)
        return rc;
    enum rc bad = RC_OK;
    if ((rc = jsonx_string(cx, rq->json, "name", 0, 1, 200, &ch.name)))
        bad = rc;
    if ((rc = jsonx_string(cx, rq->json, "time_zone", 0, 1, 200, &ch.time_zone)))
        bad = rc;
    if ((rc = jsonx_string(cx, rq->json, "brand_colour", 0, 1, 200, &ch.brand_colour)))
        bad = rc;
    const json_t *days = json_object_get(rq->json, "working_days");
    if (days) {
        if ((rc = tenant_working_days_parse(cx, days, "working_days", &ch.working_days)))
            bad = rc;
        else
            ch.set_working_days = 1;
    }
    if (bad) {
        /* Report the well-formed but unacceptable fields alongside the malformed ones. */
        tenant_changes_check(cx, &ch);
        return bad;
    }
    struct tenant t;
    if ((rc = tenant_update(cx, &ch, &t)))
        return rc;
    return resp_json(rs, 200, tenant_json(&t));
}

enum rc tenant_api_logo_get(struct ctx *cx, const struct req *rq, struct resp *rs)
{
    (void)rq;
    const char *type = NULL;
    buf_reset(&rs->body);
    enum rc rc = tenant_logo_get(cx, &rs->body, &type);
    if (rc)
        return rc;
    if ((rc = buf_failed(&rs->body)))
        return rc;
    rs->status = 200;
    rs->content_type = type;
    return resp_header(rs, "Cache-Control", "private, max-age=300");
}

enum rc tenant_api_logo_put(struct ctx *cx, const struct req *rq, struct resp *rs)
{
    struct tenant t;
    enum rc rc = tenant_logo_set(cx, rq->body, rq->body_len, &t);
    if (rc)
        return rc;
    return resp_json(rs, 200, tenant_json(&t));
}

enum rc tenant_api_logo_delete(struct ctx *cx, const struct req *rq, struct resp *rs)
{
    (void)rq;
    enum rc rc = tenant_logo_delete(cx);
    if (rc)
        return rc;
    return resp_json(rs, 204, NULL);
}
