/*
 * team_api.c — JSON of the team view for the route listed in team_api.h.
 *
 * Anyone signed in may ask for their own team: someone without reports gets an empty
 * one. The answer is private to the caller and changes with every completion, so it is
 * never stored by a cache.
 */
#include "team_api.h"

#include "team.h"

enum rc team_api_get(struct ctx *cx, const struct req *rq, struct resp *rs)
{
    (void)rq;
    json_t *out = NULL;
    enum rc rc = team_get(cx, cx->actor.user_id, &out);
    if (rc)
        return rc;
    if ((rc = resp_json(rs, 200, out)))
        return rc;
    return resp_header(rs, "Cache-Control", "private, no-store");
}
