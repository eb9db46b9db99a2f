/*
 * groups_api.h — HTTP handlers for groups (routes in src/http/routes.c):
 *
 *   GET    /api/v1/groups                          list (?q=, paging)
 *   POST   /api/v1/groups                          {name, description?, rule?} → 201 group
 *   GET    /api/v1/groups/{id}                     one group
 *   PATCH  /api/v1/groups/{id}                     {name?, description?, rule? (null: by hand)}
 *   DELETE /api/v1/groups/{id}                     204
 *   GET    /api/v1/groups/{id}/members             members (users with added_at), paged
 *   POST   /api/v1/groups/{id}/members             {user_ids: [...]} → {added, skipped}
 *   DELETE /api/v1/groups/{id}/members/{user_id}   204
 *
 * A group renders as {id, name, description, rule|null, member_count, created_at,
 * updated_at}. Permission and rules live in groups.h.
 */
#ifndef WAYMARK_PEOPLE_GROUPS_API_H
#define WAYMARK_PEOPLE_GROUPS_API_H

#include "core/ctx.h"

enum rc groups_api_list(struct ctx *cx, const struct req *rq, struct resp *rs);
enum rc groups_api_create(struct ctx *cx, const struct req *rq, struct resp *rs);
enum rc groups_api_get(struct ctx *cx, const struct req *rq, struct resp *rs);
enum rc groups_api_update(struct ctx *cx, const struct req *rq, struct resp *rs);
enum rc groups_api_delete(struct ctx *cx, const struct req *rq, struct resp *rs);
enum rc groups_api_members(struct ctx *cx, const struct req *rq, struct resp *rs);
enum rc groups_api_add_members(struct ctx *cx, const struct req *rq, struct resp *rs);
enum rc groups_api_remove_member(struct ctx *cx, const struct req *rq, struct resp *rs);

#endif
