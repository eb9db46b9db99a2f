/*
 * authz.c — who may do what (see authz.h for the rules and why they live here).
 *
 * The role checks are pure functions of cx->actor. The two relationship questions
 * (reporting subtree, coach assignment) are single indexed queries in users_store.c; a
 * database error counts as "no" and is logged, so a failure can hide a row but never
 * reveal one.
 */
#include "authz.h"

#include "core/log.h"
#include "users_store.h"

int authz_has_role(const struct ctx *cx, unsigned role)
{
    return cx->actor.tenant_id > 0 && (cx->actor.roles & role) != 0;
}

int authz_manages(struct ctx *cx, int64_t manager_id, int64_t user_id)
{
    if (manager_id <= 0 || user_id <= 0 || manager_id == user_id)
        return 0;
    int r = users_store_in_subtree(cx->db, cx->actor.tenant_id, manager_id, user_id);
    if (r < 0)
        log_line(LOG_ERROR, __func__, cx->request_id, NULL, "subtree query failed: %s",
                 db_errmsg(cx->db));
    return r == 1;
}

int authz_coaches(struct ctx *cx, int64_t coach_id, int64_t learner_id)
{
    if (coach_id <= 0 || learner_id <= 0)
        return 0;
    int r = users_store_is_coach_of(cx->db, cx->actor.tenant_id, coach_id, learner_id);
    if (r < 0)
        log_line(LOG_ERROR, __func__, cx->request_id, NULL, "coach query failed: %s",
                 db_errmsg(cx->db));
    return r == 1;
}

int authz_can_read_user(struct ctx *cx, const struct user *target)
{
    if (cx->actor.tenant_id <= 0 || target->tenant_id != cx->actor.tenant_id)
        return 0;
    if (authz_has_role(cx, PEOPLE_ROLE_ADMIN | PEOPLE_ROLE_DESIGNER))
        return 1;
    if (target->id == cx->actor.user_id)
        return 1;
    if (authz_manages(cx, cx->actor.user_id, target->id))
        return 1;
    return authz_has_role(cx, PEOPLE_ROLE_COACH) &&
           authz_coaches(cx, cx->actor.user_id, target->id);
}

int authz_can_manage_users(const struct ctx *cx)
{
    return authz_has_role(cx, PEOPLE_ROLE_ADMIN);
}

void authz_user_filter(const struct ctx *cx, struct authz_user_filter *out)
{
    out->all = authz_has_role(cx, PEOPLE_ROLE_ADMIN | PEOPLE_ROLE_DESIGNER);
    out->subtree = cx->actor.user_id > 0;
    out->coachees = cx->actor.user_id > 0 && authz_has_role(cx, PEOPLE_ROLE_COACH);
    out->self_id = cx->actor.user_id;
}

int authz_can_read_groups(const struct ctx *cx)
{
    return authz_has_role(cx, PEOPLE_ROLE_ADMIN | PEOPLE_ROLE_DESIGNER);
}

int authz_can_manage_groups(const struct ctx *cx)
{
    return authz_has_role(cx, PEOPLE_ROLE_ADMIN);
}

int authz_can_design_workflows(const struct ctx *cx)
{
    return authz_has_role(cx, PEOPLE_ROLE_ADMIN) || authz_has_role(cx, PEOPLE_ROLE_DESIGNER);
}

int authz_can_enrol(const struct ctx *cx)
{
    return authz_has_role(cx, PEOPLE_ROLE_ADMIN) || authz_has_role(cx, PEOPLE_ROLE_DESIGNER);
}

int authz_can_read_enrolment(struct ctx *cx, int64_t learner_id, int64_t coach_id)
{
    if (cx->actor.user_id <= 0 || learner_id <= 0)
        return 0;
    if (authz_can_enrol(cx) || cx->actor.user_id == learner_id)
        return 1;
    if (coach_id > 0 && coach_id == cx->actor.user_id && authz_has_role(cx, PEOPLE_ROLE_COACH))
        return 1;
    return authz_manages(cx, cx->actor.user_id, learner_id);
}

int authz_can_change_enrolment(struct ctx *cx, int64_t learner_id)
{
    if (cx->actor.user_id <= 0 || learner_id <= 0)
        return 0;
    return authz_can_enrol(cx) || authz_manages(cx, cx->actor.user_id, learner_id);
}

int authz_can_do_activity(const struct ctx *cx, int64_t learner_id)
{
    return cx->actor.user_id > 0 && cx->actor.user_id == learner_id;
}

int authz_can_sign_off(const struct ctx *cx, int by_coach, int64_t learner_manager_id,
                       int64_t coach_id)
{
    int64_t me = cx->actor.user_id;
    if (me <= 0)
        return 0;
    if (by_coach)
        return coach_id == me && authz_has_role(cx, PEOPLE_ROLE_COACH);
    return learner_manager_id == me;
}

int authz_can_read_audit(const struct ctx *cx)
{
    return authz_has_role(cx, PEOPLE_ROLE_ADMIN);
}
