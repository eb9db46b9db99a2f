/*
 * credentials_api.h — the HTTP handlers for passwords, API tokens and one-time links.
 * Each parses and validates its request, calls one function of credentials.h and
 * renders the result; the routes and their flags are in src/http/routes.c.
 *
 *   POST   /api/v1/auth/accept                 credentials_api_accept (public)
 *   POST   /api/v1/me/password                 credentials_api_change_password
 *   GET    /api/v1/me/tokens                   credentials_api_list_tokens
 *   POST   /api/v1/me/tokens                   credentials_api_create_token
 *   DELETE /api/v1/me/tokens/{id}              credentials_api_revoke_token
 *   POST   /api/v1/users/{id}/password-reset   credentials_api_reset_password (admin)
 */
#ifndef WAYMARK_PEOPLE_CREDENTIALS_API_H
#define WAYMARK_PEOPLE_CREDENTIALS_API_H

#include "core/ctx.h"

enum rc credentials_api_accept(struct ctx *cx, const struct req *rq, struct resp *rs);
enum rc credentials_api_change_password(struct ctx *cx, const struct req *rq, struct resp *rs);
enum rc credentials_api_list_tokens(struct ctx *cx, const struct req *rq, struct resp *rs);
enum rc credentials_api_create_token(struct ctx *cx, const struct req *rq, struct resp *rs);
enum rc credentials_api_revoke_token(struct ctx *cx, const struct req *rq, struct resp *rs);
enum rc credentials_api_reset_password(struct ctx *cx, const struct req *rq, struct resp *rs);

#endif
