/*
 * enrolment.h — putting people on a published workflow: enrolling (by id, group or email,
 * with a dry run), the rules that keep enrolling a group's new members, pausing, resuming
 * and withdrawing, the list and detail of enrolments, and the scheduler pass that enrols
 * followed groups and re-plans learners who fell behind (docs/enrolments.md is the
 * contract; this file says how it is kept).
 *
 * Model. An enrolment is one learner on one version of a workflow, with one activity per
 * step of that version. Every date comes from pacing.h: a step's offsets count the
 * organisation's working days (or every day, for calendar pacing) from the start date, in
 * the organisation's time zone. Everybody enrolled with the same start date gets the same
 * dates, so a batch computes its schedule once and writes it for everyone.
 *
 * Enrolling in bulk is set-based: the people named are resolved with a few queries (the
 * tenant's users, the group's members, who is already enrolled, who has exactly one
 * coach) and the rows are written with cached multi-row statements (a hundred enrolments,
 * or one enrolment's activities, per statement); one audit entry covers the batch.
 * Everything is checked before the first write, so a refusal writes nothing.
 *
 * Status: 'active' → 'paused' → 'active' (resume shifts the open activities by the pacing
 * days the pause covered) and 'active'/'paused' → 'withdrawn' (rows are kept);
 * 'completed' is set by the activity module when the last activity is completed. Other
 * changes are RC_CONFLICT with code "bad_transition".
 *
 * Permissions (authz.h): enrolling, rules and seeing every enrolment need
 * authz_can_enrol (admin, designer); reading one enrolment authz_can_read_enrolment (else
 * RC_NOT_FOUND, so nobody learns it exists); changing one authz_can_change_enrolment
 * (RC_FORBIDDEN for someone who may read it, such as the learner). Another tenant's ids
 * are RC_NOT_FOUND by construction: every query is scoped by cx->actor.tenant_id.
 *
 * All functions run inside the caller's transaction and use cx->now; none reads the clock.
 */
#ifndef WAYMARK_ENROLMENT_H
#define WAYMARK_ENROLMENT_H

#include <stddef.h>
#include <stdint.h>

#include "core/ctx.h"
#include "core/date.h"
#include "people/people.h"
#include "workflow/workflow.h"

#define ENROLMENT_PEOPLE_MAX   50000 /* people one request may name */
#define ENROLMENT_PEOPLE_SHOWN 1000  /* beyond this, the answer leaves out the people */
#define ENROLMENT_PAST_DAYS    30    /* how far back a start date may be */
#define ENROLMENT_FUTURE_DAYS  731   /* how far ahead a start date may be (two years) */

enum enrolment_status {
    ENROLMENT_ACTIVE,
    ENROLMENT_PAUSED,
    ENROLMENT_WITHDRAWN,
    ENROLMENT_COMPLETED,
    ENROLMENT_STATUS_COUNT
};
/* "active", "paused", "withdrawn", "completed"; NULL out of range. */
const char *enrolment_status_name(enum enrolment_status s);
/* The status of a name; -1 when unknown (s may be NULL). */
int enrolment_status_parse(const char *s);

/* ---- enrolling ------------------------------------------------------------------------ */

/* Who and how to enrol. Arrays are borrowed. An id ≤ 0 in user_ids or a NULL email is a
 * place the handler already reported (it stays silent about it). */
struct enrolment_request {
    const int64_t *user_ids;
    size_t nuser_ids;
    int64_t group_id; /* 0: none */
    const char *const *emails;
    size_t nemails;
    const char *start_date; /* "YYYY-MM-DD" in the tenant's zone; NULL: today */
    int follow_group;       /* also create an enrolment rule (needs group_id) */
    int64_t coach_id;       /* 0: each learner's own coach, when they have exactly one */
    int dry_run;
};

/* One person named by a request, in the order given (ids, group by name, emails). */
struct enrolment_person {
    int64_t user_id;
    char *name;
    char *email;
    int64_t enrolment_id; /* 0: skipped, or a dry run */
    int skipped;          /* already active or paused on the workflow */
};

/* One step of the schedule every enrolment of the batch gets, in workflow order. */
struct enrolment_planned {
    int64_t step_id;  /* workflow_version_steps.id, what the activity points at */
    int64_t step_key; /* the step's id in the draft, as the API shows it */
    int seq;          /* 1..n, phase then position */
    int phase;        /* 1-based */
    char *phase_name;
    char *title;
    char *kind;
    int release_offset, due_offset; /* the step's offsets */
    int64_t release_day, due_day;   /* date.h day numbers in the tenant's zone */
    int64_t release_at, due_at;     /* UTC instants */
};

/* What enrolment_enrol did (or, for a dry run, would do). Owned; enrolment_batch_free. */
struct enrolment_batch {
    int dry_run;
    int64_t workflow_id;
    int version;
    int64_t start_day;
    size_t named; /* distinct people named */
    size_t created;
    size_t skipped;
    int64_t rule_id;                 /* 0: no rule (or a dry run) */
    struct enrolment_person *people; /* NULL when named > ENROLMENT_PEOPLE_SHOWN */
    size_t npeople;
    struct enrolment_planned *schedule;
    size_t nschedule;
};
void enrolment_batch_free(struct enrolment_batch *b);

/* Enrols the people rq names on workflow_id's latest version (see docs/enrolments.md,
 * "Enrolling"). RC_FORBIDDEN without authz_can_enrol; RC_NOT_FOUND for a workflow of
 * another tenant or none; RC_CONFLICT "workflow_archived" / "not_published"; RC_INVALID
 * with a detail per bad place (user_ids[i], emails[i], group_id, start_date, coach_id,
 * follow_group) — then nothing is written. When cx->rc already holds RC_INVALID (the
 * handler found malformed fields) the checks still run and add their findings, and
 * RC_INVALID is returned. out is zeroed first and must be freed whatever the result. */
enum rc enrolment_enrol(struct ctx *cx, int64_t workflow_id, const struct enrolment_request *rq,
                        struct enrolment_batch *out);

/* ---- enrolment rules -------------------------------------------------------------------- */

struct enrolment_rule {
    int64_t id;
    int64_t group_id;
    const char *group_name; /* borrowed for the callback */
    int64_t created_at;
    int64_t stopped_at; /* 0: active */
};
typedef enum rc (*enrolment_rule_fn)(void *arg, const struct enrolment_rule *r);

/* The rules of workflow_id, oldest first (active and stopped). RC_FORBIDDEN without
 * authz_can_enrol, RC_NOT_FOUND for a workflow not in the tenant. The callback must not
 * use the database. */
enum rc enrolment_rules(struct ctx *cx, int64_t workflow_id, enrolment_rule_fn each, void *arg);
/* Stops rule_id of workflow_id (the enrolments it made stay). Stopping a stopped rule
 * changes nothing. RC_NOT_FOUND for a rule not of this workflow. */
enum rc enrolment_rule_stop(struct ctx *cx, int64_t workflow_id, int64_t rule_id);

/* Deletes the rules (active and stopped) that follow group_id, because the group is being
 * deleted: following it ends; the enrolments the rules made stay. Call it before the
 * group's row goes, in the same transaction. No permission check (the group's deletion
 * was checked). Audits "enrolment_rule.delete" when there were any. */
enum rc enrolment_forget_group(struct ctx *cx, int64_t group_id);

/* For every active rule of the actor's tenant, enrols the rule group's active members who
 * were never enrolled on the rule's workflow (in any status) on its latest version,
 * starting today in the tenant's zone, with their own coach. user_id limits it to one
 * person (0: everybody). No permission check: it only applies rules an admin or designer
 * made. With no rules it costs one indexed query. Call it wherever group members can
 * change, after the groups are refreshed, in the same transaction. *created (may be NULL)
 * receives the number of enrolments made. */
enum rc enrolment_follow_rules_count(struct ctx *cx, int64_t user_id, size_t *created);
enum rc enrolment_follow_rules(struct ctx *cx, int64_t user_id);

/* ---- an enrolment ------------------------------------------------------------------------ */

struct enrolment {
    int64_t id;
    int64_t workflow_id;
    char workflow_title[WORKFLOW_TITLE_MAX * 4 + 1]; /* the version's title */
    int version;
    int64_t version_id;
    int64_t user_id;
    char learner_name[PEOPLE_NAME_MAX * 4 + 1];
    char learner_email[PEOPLE_EMAIL_MAX + 1];
    int64_t learner_manager_id; /* 0: none */
    int64_t coach_id;           /* 0: none */
    char coach_name[PEOPLE_NAME_MAX * 4 + 1];
    int64_t rule_id; /* 0: enrolled by hand */
    enum enrolment_status status;
    char start_date[DATE_TEXT];
    int total_steps;
    int completed_steps;
    int overdue; /* open activities past their due instant at cx->now */
    int64_t paused_at;
    int paused_days;
    int64_t replanned_at;
    int64_t enrolled_at;
    int64_t updated_at; /* the ETag */
    int64_t completed_at;
    int64_t withdrawn_at;
};

/* The enrolment, if the actor may read it (else RC_NOT_FOUND). */
enum rc enrolment_get(struct ctx *cx, int64_t id, struct enrolment *out);

/* An event of an enrolment, oldest first: kind ('paused', 'resumed', 'withdrawn',
 * 'replanned', 'completed'), data (JSON object text), created_at. */
struct enrolment_event {
    int64_t id;
    const char *kind;
    const char *data;
    int64_t created_at;
};
typedef enum rc (*enrolment_event_fn)(void *arg, const struct enrolment_event *e);
/* The events of enrolment id, if the actor may read it (else RC_NOT_FOUND). The callback
 * must not use the database. */
enum rc enrolment_events(struct ctx *cx, int64_t id, enrolment_event_fn each, void *arg);

/* The list: newest first, only what the actor may see (docs/enrolments.md). Filters: 0 /
 * -1 for "any". before_id is the cursor (0: from the start), limit 1..500. */
struct enrolment_query {
    int64_t workflow_id;
    int64_t user_id;
    int status; /* an enum enrolment_status, or -1 */
    int64_t before_id;
    int limit;
};
typedef enum rc (*enrolment_each_fn)(void *arg, const struct enrolment *e);
/* *next_before: the next page's cursor, 0 after the last. The callback must not use the
 * database. */
enum rc enrolment_list(struct ctx *cx, const struct enrolment_query *q, enrolment_each_fn each,
                       void *arg, int64_t *next_before);

/* PATCH: only what is flagged in set changes. */
enum enrolment_field {
    ENROLMENT_F_STATUS = 1 << 0,
    ENROLMENT_F_COACH = 1 << 1,
};
struct enrolment_change {
    unsigned set;
    enum enrolment_status status; /* paused, active (resume) or withdrawn */
    int64_t coach_id;             /* 0: no coach */
};
/* Pauses, resumes or withdraws enrolment id and/or changes its coach, as the actor.
 * RC_NOT_FOUND when the actor may not read it, RC_FORBIDDEN when they may read but not
 * change it (the learner), RC_PRECONDITION when cx->if_match is set and is not its
 * updated_at, RC_CONFLICT "bad_transition", RC_INVALID for a coach_id that is not an
 * active coach. Each change records an event (paused, resumed, withdrawn) and an audit
 * entry. *out (may be NULL) is the enrolment afterwards. */
enum rc enrolment_change(struct ctx *cx, int64_t id, const struct enrolment_change *ch,
                         struct enrolment *out);

/* ---- the scheduler pass ------------------------------------------------------------------ */

/* A pass re-plans at most this many enrolments per organisation, so it stays short even
 * the first time it meets thousands of learners who fell behind together; the next pass
 * goes on (they are still behind) and result.more says so. */
#define ENROLMENT_REPLAN_BUDGET 500

struct enrolment_tick_result {
    int64_t tenants;   /* organisations looked at */
    int64_t enrolled;  /* enrolments made by rules */
    int64_t replanned; /* enrolments re-planned */
    int64_t moved;     /* activities whose due day moved */
    int more;          /* 1: the re-planning budget ran out; there is more to do */
};

/* One pass at cx->now over every tenant: enrolment_follow_rules(…, 0), then re-planning
 * (docs/enrolments.md, "Re-planning"): each active enrolment whose version re-plans and
 * whose oldest overdue activity is more than replan_after_days pacing days behind gets
 * its open activities spread from today (pacing_replan), replanned_at set and a
 * 'replanned' event {"moved": n, "behind_days": d}. A second pass at the same instant
 * changes nothing. Finding who is behind is one indexed range query per tenant over open
 * activities due before today, so a pass where nobody is behind costs a query per tenant.
 * Sets cx->actor to each tenant's system actor in turn (and leaves it zeroed). Runs in
 * the caller's transaction. */
enum rc enrolment_tick(struct ctx *cx, struct enrolment_tick_result *out);
/* enrolment_tick with another re-planning budget per organisation (≥ 1; tests). */
enum rc enrolment_tick_budget(struct ctx *cx, int64_t budget, struct enrolment_tick_result *out);

#endif
