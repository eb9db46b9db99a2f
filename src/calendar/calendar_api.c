/*
 * calendar_api.c — JSON and iCalendar answers for the calendar routes (see
 * calendar_api.h).
 *
 * The answer that carries the secret URL is sent with Cache-Control: no-store. The feed
 * is private to its owner but polled often by calendar applications, so it may be kept
 * five minutes by the client ("private, max-age=300"), never by a shared cache. A bad
 * or unknown token is a plain 404 in the API error shape, the same for every way of
 * being wrong, so the answer tells nothing about which tokens exist.
 */
#include "calendar_api.h"

#include "calendar.h"
#include "core/jsonx.h"
#include "core/secure.h"

enum rc calendar_api_get(struct ctx *cx, const struct req *rq, struct resp *rs)
{
    (void)rq;
    int active = 0;
    int64_t created_at = 0;
    enum rc rc = calendar_status(cx, &active, &created_at);
    if (rc)
        return rc;
    json_t *body =
        active ? json_pack("{s:b, s:o}", "active", 1, "created_at", jsonx_instant(created_at))
               : json_pack("{s:b}", "active", 0);
    return resp_json(rs, 200, body);
}

enum rc calendar_api_create(struct ctx *cx, const struct req *rq, struct resp *rs)
{
    static const char *const NONE[] = {NULL};
    enum rc rc;
    /* No body, or an empty object: there is nothing to choose. */
    if (rq->json && (rc = jsonx_only(cx, rq->json, NONE)))
        return rc;
    char url[CALENDAR_URL_MAX];
    int64_t created_at = 0;
    if ((rc = calendar_create(cx, url, &created_at)))
        return rc;
    json_t *body = json_pack("{s:s, s:o}", "url", url, "created_at", jsonx_instant(created_at));
    secure_zero(url, sizeof url);
    resp_header(rs, "Cache-Control", "no-store");
    return resp_json(rs, 201, body);
}

enum rc calendar_api_revoke(struct ctx *cx, const struct req *rq, struct resp *rs)
{
    (void)rq;
    enum rc rc = calendar_revoke(cx);
    if (rc)
        return rc;
    return resp_json(rs, 204, NULL);
}

enum rc calendar_api_feed(struct ctx *cx, const struct req *rq, struct resp *rs)
{
    char token[SECURE_TOKEN_HEX + 1], base[CALENDAR_BASE_MAX];
    if (rq->nparams < 1 || calendar_token_of_segment(rq->params[0], token) != 0)
        return ctx_fail(cx, RC_NOT_FOUND, NULL, "There is no calendar at this address.");
    calendar_base_url(rq->header(rq, "Host"), rq->header(rq, "X-Forwarded-Proto"), base);
    buf_reset(&rs->body);
    enum rc rc = calendar_feed(cx, token, base, &rs->body);
    secure_zero(token, sizeof token);
    if (rc == RC_OK)
        rc = buf_failed(&rs->body);
    if (rc) {
        buf_reset(&rs->body);
        return rc;
    }
    rs->status = 200;
    rs->content_type = "text/calendar; charset=utf-8";
    return resp_header(rs, "Cache-Control", "private, max-age=300");
}
