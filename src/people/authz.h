/*
 * authz.h — the one place that decides who may do what inside a tenant.
 *
 * Every domain function that reads or changes something asks here before it touches a
 * row, so a rule lives in one file and a URL can never reach around it. The router's
 * route.roles is only a coarse first gate; the answers below are the real ones.
 *
 * The rules (issue 3, "People and access"):
 *   admin     everything in the tenant.
 *   designer  workflows and reports (later issues); for people: may read every user
 *             (needed to enrol them) and read groups, but changes nothing about people.
 *   manager   not a role: anyone with reports. May read their whole reporting subtree,
 *             transitively (reports of reports, through deactivated people too).
 *   coach     may read the learners assigned to them (coach_assignments), while they
 *             hold the coach role.
 *   learner   (everyone) may read their own record.
 * Everyone else in the tenant is invisible: reading them is answered 404 exactly like a
 * missing id, so nobody can probe who exists. Other tenants are unreachable by
 * construction: every query is scoped by cx->actor.tenant_id.
 *
 * Later issues extend this file with their own questions (authz_can_edit_workflow,
 * authz_can_read_enrolment, …) built on the same primitives: authz_manages and
 * authz_coaches answer "is this person below / assigned to the actor".
 *
 * A question that needs the database answers "no" when the database fails (fail
 * closed) and logs the error. No function here sets cx's error: callers choose between
 * 403 and 404.
 */
#ifndef WAYMARK_AUTHZ_H
#define WAYMARK_AUTHZ_H

#include <stdint.h>

#include "core/ctx.h"
#include "people.h"

/* 1 when the actor holds role (a PEOPLE_ROLE_* bit). */
int authz_has_role(const struct ctx *cx, unsigned role);

/* 1 when user_id is somewhere below manager_id in the reporting lines of the actor's
 * tenant (a direct report, a report of a report, …). Never true for manager_id itself. */
int authz_manages(struct ctx *cx, int64_t manager_id, int64_t user_id);

/* 1 when learner_id is assigned to coach_id and coach_id holds the coach role. */
int authz_coaches(struct ctx *cx, int64_t coach_id, int64_t learner_id);

/* ---- people -------------------------------------------------------------------------- */

/* Who may see target (a user already loaded from the actor's tenant). */
int authz_can_read_user(struct ctx *cx, const struct user *target);

/* Create, change, deactivate and reactivate users; assign coaches; import. Admin only. */
int authz_can_manage_users(const struct ctx *cx);

/* What a list of users may show the actor, as flags to OR together in SQL:
 *   all      every user of the tenant (admin, designer);
 *   self     the actor's own record (always);
 *   subtree  everyone below self_id in the reporting lines (always: empty for people
 *            without reports);
 *   coachees the learners assigned to self_id (coach role only). */
struct authz_user_filter {
    int all;
    int subtree;
    int coachees;
    int64_t self_id;
};
void authz_user_filter(const struct ctx *cx, struct authz_user_filter *out);

/* ---- groups -------------------------------------------------------------------------- */

/* Read groups and their members: admin, designer. */
int authz_can_read_groups(const struct ctx *cx);
/* Create, rename, delete groups and change members: admin. */
int authz_can_manage_groups(const struct ctx *cx);

/* ---- workflows ----------------------------------------------------------------------- */

/* Design workflows: read and change drafts, publish, read versions, import and export,
 * use templates. Admin, designer. (Learners will read the published versions they are
 * enrolled on through the enrolment questions, never through this one.) */
int authz_can_design_workflows(const struct ctx *cx);

/* ---- enrolments and activities -------------------------------------------------------- */

/* Enrol people, see every enrolment, and stop automatic enrolment rules: admin, designer. */
int authz_can_enrol(const struct ctx *cx);

/* Who may read an enrolment of learner_id (and its activities, reflections, evidence
 * and feedback): admin, designer, the learner, anyone above the learner in the reporting
 * lines, and the enrolment's coach (coach_id, while they hold the coach role). */
int authz_can_read_enrolment(struct ctx *cx, int64_t learner_id, int64_t coach_id);

/* Pause, resume, withdraw, or change the coach of an enrolment of learner_id: admin,
 * designer, and anyone above the learner in the reporting lines. */
int authz_can_change_enrolment(struct ctx *cx, int64_t learner_id);

/* Complete an activity, upload and delete its evidence: only the learner themselves. */
int authz_can_do_activity(const struct ctx *cx, int64_t learner_id);

/* Approve or return an activity awaiting sign-off. by_coach: the step is signed off by
 * the coach (else by the manager). The manager is the learner's direct manager
 * (learner_manager_id, 0 when none); the coach is the enrolment's coach (coach_id, 0 when
 * none) while they hold the coach role. Nobody else — not even an admin — signs off for
 * them, so a sign-off always means what it says. */
int authz_can_sign_off(const struct ctx *cx, int by_coach, int64_t learner_manager_id,
                       int64_t coach_id);

/* ---- audit log ----------------------------------------------------------------------- */

/* Read the audit log: admin. */
int authz_can_read_audit(const struct ctx *cx);

#endif
