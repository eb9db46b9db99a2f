/*
 * auth_api.c — JSON for sign-in, sign-out and /me (see auth_api.h).
 *
 * The session cookie is HttpOnly (scripts never see it) and SameSite=Lax (other sites'
 * forms do not carry it), with Secure added when the server is configured for HTTPS;
 * the CSRF token travels in the JSON body and the X-CSRF-Token header instead.
 */
#include "auth_api.h"

#include <string.h>

#include "auth.h"
#include "core/config.h"
#include "core/jsonx.h"
#include "people.h"
#include "tenant/tenant.h"

static void set_cookie(struct ctx *cx, struct resp *rs, const char *value, long max_age)
{
    resp_header(rs, "Set-Cookie", "%s=%s; Path=/; HttpOnly; SameSite=Lax; Max-Age=%ld%s",
                AUTH_COOKIE, value, max_age, cx->cfg && cx->cfg->secure_cookies ? "; Secure" : "");
}

/* {user, tenant, is_manager, csrf_token} for the actor. */
static enum rc me_json(struct ctx *cx, json_t **out)
{
    struct user u;
    struct tenant t;
    enum rc rc = people_get_user(cx, cx->actor.user_id, &u);
    if (!rc)
        rc = tenant_get(cx, &t);
    if (rc)
        return rc;
    *out = json_pack("{s:o, s:o, s:b, s:s?}", "user", people_user_json(&u), "tenant",
                     tenant_json(&t), "is_manager", people_is_manager(cx, u.id), "csrf_token",
                     cx->actor.csrf_token[0] ? cx->actor.csrf_token : NULL);
    return *out ? RC_OK : RC_NOMEM;
}

enum rc auth_api_login(struct ctx *cx, const struct req *rq, struct resp *rs)
{
    static const char *const fields[] = {"email", "password", "tenant", NULL};
    const char *email = NULL, *password = NULL, *tenant = NULL;
    if (!rq->json)
        return ctx_fail(cx, RC_INVALID, "email", "is required");
    jsonx_only(cx, rq->json, fields);
    jsonx_string(cx, rq->json, "email", 1, 1, PEOPLE_EMAIL_MAX, &email);
    jsonx_string(cx, rq->json, "password", 1, 1, 1024, &password);
    jsonx_string(cx, rq->json, "tenant", 0, 0, 63, &tenant);
    if (cx->rc)
        return cx->rc;

    struct auth_session session;
    int64_t retry_after = 0;
    enum rc rc = auth_sign_in(cx, email, password, tenant, rq->client_ip, &session, &retry_after);
    if (rc == RC_RATE_LIMITED)
        resp_header(rs, "Retry-After", "%lld", (long long)retry_after);
    if (rc)
        return rc;

    cx->actor.tenant_id = session.tenant_id;
    cx->actor.user_id = session.user_id;
    memcpy(cx->actor.csrf_token, session.csrf, sizeof cx->actor.csrf_token);
    json_t *body = NULL;
    if ((rc = me_json(cx, &body)))
        return rc;
    set_cookie(cx, rs, session.token, AUTH_SESSION_MAX);
    return resp_json(rs, 200, body);
}

enum rc auth_api_logout(struct ctx *cx, const struct req *rq, struct resp *rs)
{
    (void)rq;
    enum rc rc = auth_sign_out(cx);
    if (rc)
        return rc;
    set_cookie(cx, rs, "", 0);
    return resp_json(rs, 204, NULL);
}

enum rc auth_api_me(struct ctx *cx, const struct req *rq, struct resp *rs)
{
    (void)rq;
    json_t *body = NULL;
    enum rc rc = me_json(cx, &body);
    if (rc)
        return rc;
    return resp_json(rs, 200, body);
}
