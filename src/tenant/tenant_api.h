/*
 * tenant_api.h — the HTTP handlers for the organisation's settings and branding.
 * Routes and flags are in src/http/routes.c:
 *
 *   GET    /api/v1/tenant        tenant_api_get          any signed-in user
 *   PATCH  /api/v1/tenant        tenant_api_update       admin
 *   GET    /api/v1/tenant/logo   tenant_api_logo_get     any signed-in user
 *   PUT    /api/v1/tenant/logo   tenant_api_logo_put     admin; raw PNG/JPEG body
 *   DELETE /api/v1/tenant/logo   tenant_api_logo_delete  admin
 */
#ifndef WAYMARK_TENANT_TENANT_API_H
#define WAYMARK_TENANT_TENANT_API_H

#include "core/ctx.h"

enum rc tenant_api_get(struct ctx *cx, const struct req *rq, struct resp *rs);
enum rc tenant_api_update(struct ctx *cx, const struct req *rq, struct resp *rs);
enum rc tenant_api_logo_get(struct ctx *cx, const struct req *rq, struct resp *rs);
enum rc tenant_api_logo_put(struct ctx *cx, const struct req *rq, struct resp *rs);
enum rc tenant_api_logo_delete(struct ctx *cx, const struct req *rq, struct resp *rs);

#endif
