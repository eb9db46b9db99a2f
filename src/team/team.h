/*
 * team.h — a manager's view of their direct reports (GET /api/v1/me/team, the My team
 * page, and the weekly digest email, which show the same facts): each report, their
 * active and paused enrolments with progress, overdue activities, the step they are on
 * and the step's manager_prompt (what to talk about this week), the last thing they
 * completed, and the sign-offs waiting for this manager.
 *
 * "The step they are on" is the open activity with the lowest seq of the enrolment (the
 * earliest in the workflow's order not yet done); NULL when none is open.
 * Cost: a constant number of queries for the whole team, joined in memory (no N+1).
 */
#ifndef WAYMARK_TEAM_H
#define WAYMARK_TEAM_H

#include <jansson.h>
#include <stdint.h>

#include "core/ctx.h"

/* The team of manager_id as JSON (docs/notifications.md, "My team"):
 * {manager: {id, name}, members: [...], totals: {members, behind, overdue, signoffs_waiting}}.
 * members are sorted: most overdue first, then by name (byte order, then id); each
 * member's enrolments are in enrolment order (oldest first). RC_FORBIDDEN unless the actor is
 * manager_id (a person asking for their own team; a team with no reports is empty, not an
 * error) or the system actor of the tenant (the digest). *out is a new reference. */
enum rc team_get(struct ctx *cx, int64_t manager_id, json_t **out);

#endif
