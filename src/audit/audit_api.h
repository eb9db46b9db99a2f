/*
 * audit_api.h — HTTP handler of the audit log (route in src/http/routes.c):
 *
 *   GET /api/v1/audit   admins; filters actor_id, action, target_type, target_id,
 *                       from, to (RFC 3339, inclusive); ?limit= and ?cursor=, newest first.
 *
 * Each entry renders as {id, at, actor: {id, name, email} | null, action, target_type,
 * target_id | null, changes}.
 */
#ifndef WAYMARK_AUDIT_AUDIT_API_H
#define WAYMARK_AUDIT_AUDIT_API_H

#include "core/ctx.h"

enum rc audit_api_list(struct ctx *cx, const struct req *rq, struct resp *rs);

#endif
