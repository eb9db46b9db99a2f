/*
 * auth_api.h — sign-in, sign-out and the current user.
 */
#ifndef WAYMARK_AUTH_API_H
#define WAYMARK_AUTH_API_H

#include "core/ctx.h"

/* POST /api/v1/auth/login {email, password, tenant?} — public, ROUTE_OWN_TX. */
enum rc auth_api_login(struct ctx *cx, const struct req *rq, struct resp *rs);
/* POST /api/v1/auth/logout — signed in, CSRF. */
enum rc auth_api_logout(struct ctx *cx, const struct req *rq, struct resp *rs);
/* GET /api/v1/me — signed in. */
enum rc auth_api_me(struct ctx *cx, const struct req *rq, struct resp *rs);

#endif
