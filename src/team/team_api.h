/*
 * team_api.h — the HTTP handler of a manager's team view (team.h; docs/notifications.md,
 * "My team"). The route is in src/http/routes.c:
 *
 *   GET /api/v1/me/team    team_api_get    the caller's direct reports (empty when none)
 */
#ifndef WAYMARK_TEAM_API_H
#define WAYMARK_TEAM_API_H

#include "core/ctx.h"

enum rc team_api_get(struct ctx *cx, const struct req *rq, struct resp *rs);

#endif
