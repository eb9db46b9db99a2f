/*
 * auth.h — who is asking: sign-in, sessions, bearer tokens and the CSRF rule.
 *
 * Sessions: signing in creates a random token, sent as the HttpOnly, SameSite=Lax cookie
 * "waymark_session" and stored only as its hash, with a per-session CSRF token returned
 * in the sign-in response. A session ends after AUTH_SESSION_IDLE seconds without use or
 * AUTH_SESSION_MAX seconds after sign-in, whichever comes first, or on sign-out.
 *
 * Bearer tokens (credentials.h) authenticate integrations without cookies, so the CSRF
 * rule does not apply to them.
 *
 * Throttling: after AUTH_THROTTLE_ACCOUNT failed sign-ins for one account, or
 * AUTH_THROTTLE_ADDRESS from one client address, within AUTH_THROTTLE_WINDOW seconds,
 * further attempts get 429 with Retry-After until the window has passed. Failures are
 * recorded in their own transaction, so a refused sign-in still counts.
 */
#ifndef WAYMARK_AUTH_H
#define WAYMARK_AUTH_H

#include "core/ctx.h"

#define AUTH_COOKIE           "waymark_session"
#define AUTH_SESSION_IDLE     (8 * 3600)
#define AUTH_SESSION_MAX      (7 * 86400)
#define AUTH_THROTTLE_WINDOW  (15 * 60)
#define AUTH_THROTTLE_ACCOUNT 5
#define AUTH_THROTTLE_ADDRESS 50

/* Resolves cx->actor from the request's bearer token or session cookie. RC_UNAUTHORIZED
 * when there is none or it is unknown, expired, revoked or its user is inactive. With
 * check_csrf and a cookie session, the X-CSRF-Token header must match the session's
 * token: else RC_FORBIDDEN (code "csrf_failed"). */
enum rc auth_authenticate(struct ctx *cx, const struct req *rq, int check_csrf);

struct auth_session {
    char token[65]; /* the cookie value, shown once */
    char csrf[65];
    int64_t user_id;
    int64_t tenant_id;
};

/* Signs in with email and password, optionally naming the tenant by slug. Manages its
 * own transactions (see the file comment). RC_UNAUTHORIZED with one message for an
 * unknown email or a wrong password; RC_RATE_LIMITED with *retry_after set when
 * throttled; RC_INVALID when the email belongs to several tenants whose passwords all
 * match and no tenant was named. */
enum rc auth_sign_in(struct ctx *cx, const char *email, const char *password,
                     const char *tenant_slug, const char *client_ip, struct auth_session *out,
                     int64_t *retry_after);

/* Ends the actor's current session (no-op for bearer tokens). */
enum rc auth_sign_out(struct ctx *cx);

#endif
