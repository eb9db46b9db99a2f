/*
 * enrolment_api.h — HTTP handlers for enrolments (routes in src/http/routes.c; the
 * contract, with every field and rule, is docs/enrolments.md):
 *
 *   POST   /api/v1/workflows/{id}/enrolments[?dry_run=1]  {user_ids?, group_id?, emails?,
 *                                                          start_date?, follow_group?,
 *                                                          coach_id?} → 201 (200 dry run)
 *   GET    /api/v1/workflows/{id}/enrolment-rules          {items, next_cursor: null}
 *   DELETE /api/v1/workflows/{id}/enrolment-rules/{rule_id} 204
 *   GET    /api/v1/enrolments                              ?workflow_id=&user_id=&status=
 *                                                          &limit=&cursor=
 *   GET    /api/v1/enrolments/{id}                         with activities and events; ETag
 *   PATCH  /api/v1/enrolments/{id}                         {status?, coach_id?}; If-Match
 *
 * Path ids that are not positive numbers are 404, like ids of another tenant; bad query
 * parameters are 400; bad body fields 422, each named. Permission and rules live in
 * enrolment.h.
 */
#ifndef WAYMARK_ENROLMENT_API_H
#define WAYMARK_ENROLMENT_API_H

#include "core/ctx.h"

enum rc enrolment_api_enrol(struct ctx *cx, const struct req *rq, struct resp *rs);
enum rc enrolment_api_rules(struct ctx *cx, const struct req *rq, struct resp *rs);
enum rc enrolment_api_rule_stop(struct ctx *cx, const struct req *rq, struct resp *rs);
enum rc enrolment_api_list(struct ctx *cx, const struct req *rq, struct resp *rs);
enum rc enrolment_api_get(struct ctx *cx, const struct req *rq, struct resp *rs);
enum rc enrolment_api_update(struct ctx *cx, const struct req *rq, struct resp *rs);

#endif
