/*
 * calendar_api.h — the HTTP handlers of the calendar feed (calendar.h). The routes and
 * their flags are in src/http/routes.c:
 *
 *   GET    /api/v1/me/calendar     calendar_api_get      {"active", "created_at"?}
 *   POST   /api/v1/me/calendar     calendar_api_create   201 {"url", "created_at"}
 *   DELETE /api/v1/me/calendar     calendar_api_revoke   204 (also when there was none)
 *   GET    /calendar/{token}       calendar_api_feed     text/calendar (no sign-in: the
 *                                                        "<64 hex>.ics" segment is the key)
 */
#ifndef WAYMARK_CALENDAR_API_H
#define WAYMARK_CALENDAR_API_H

#include "core/ctx.h"

enum rc calendar_api_get(struct ctx *cx, const struct req *rq, struct resp *rs);
enum rc calendar_api_create(struct ctx *cx, const struct req *rq, struct resp *rs);
enum rc calendar_api_revoke(struct ctx *cx, const struct req *rq, struct resp *rs);
enum rc calendar_api_feed(struct ctx *cx, const struct req *rq, struct resp *rs);

#endif
