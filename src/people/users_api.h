/*
 * users_api.h — HTTP handlers for users and reporting lines (routes in src/http/routes.c):
 *
 *   GET    /api/v1/users              list (what the actor may see), filters and paging
 *   POST   /api/v1/users              create + invitation link: 201 {user, invitation_url}
 *   GET    /api/v1/users/{id}         one user, with is_manager, direct_report_count, coach_id
 *   PATCH  /api/v1/users/{id}         change fields; active false/true (de)activates
 *   DELETE /api/v1/users/{id}         deactivate (the row and its history stay)
 *   PUT    /api/v1/users/{id}/coach   {coach_id | null}: assign or remove the coach
 *
 * Each handler validates its input strictly (unknown fields are 422), calls one function
 * of users.h and renders the result; permission is decided there (authz.h).
 */
#ifndef WAYMARK_PEOPLE_USERS_API_H
#define WAYMARK_PEOPLE_USERS_API_H

#include "core/ctx.h"

enum rc users_api_list(struct ctx *cx, const struct req *rq, struct resp *rs);
enum rc users_api_create(struct ctx *cx, const struct req *rq, struct resp *rs);
enum rc users_api_get(struct ctx *cx, const struct req *rq, struct resp *rs);
enum rc users_api_update(struct ctx *cx, const struct req *rq, struct resp *rs);
enum rc users_api_deactivate(struct ctx *cx, const struct req *rq, struct resp *rs);
enum rc users_api_set_coach(struct ctx *cx, const struct req *rq, struct resp *rs);

#endif
