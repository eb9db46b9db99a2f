/*
 * nudges.h — the scheduler's notification pass: what Waymark tells whom at an instant
 * (docs/notifications.md, "What is sent when"). A pass is a function of the database and
 * cx->now; every notice it posts carries a de-duplication key, so running it twice, or on
 * two servers at once, posts each notice once.
 *
 * Per organisation, in its time zone and with its working days (struct pacing with the
 * organisation's working days, whatever a workflow's own pacing), with its settings
 * (notify_settings.h):
 *   - from send_hour local on any day: new_activities — one notice per learner for the
 *     open activities released that local day (key new_activities:<user>:<date>);
 *   - from send_hour on a working day: reminder for open activities due after today and
 *     up to reminder_days_before working days ahead (reminder:<activity>:<due date>);
 *     overdue day 1 and day 3 — the N-th working day after the due day
 *     (overdue:<activity>:<N>); escalation to the learner's manager on the
 *     escalate_after_days-th working day after the due day (escalation:<activity>);
 *   - from send_hour on the manager's digest day (working day or not): the weekly digest
 *     to each manager with a direct report on an active or paused enrolment
 *     (digest:<manager>:<date>), built from team.h;
 *   - at any hour: signoff_request to the learner's manager (manager steps) or the
 *     enrolment's coach (coach steps) for activities awaiting sign-off submitted in the
 *     last 14 days (signoff_request:<activity>:<submitted_at>); returned to the learner
 *     for sign-offs that returned an activity in the last 14 days, while it is still the
 *     activity's latest return and the activity is open (returned:<feedback id>);
 *     enrolment events not yet told — to the learner, and for 'replanned' also to their
 *     manager (enrolment:<event id>:<user>) — then marked notified (events older than 14
 *     days are marked without a notice, so nothing stale is announced).
 * Only active enrolments and active recipients get notices (events of withdrawn and
 * completed enrolments included: they say so).
 *
 * Cost: each query is a range over an index (activities_open_release,
 * activities_open_due, activities_awaiting, activity_feedback_created,
 * enrolment_events_pending), so a pass costs what it finds, not the size of the tenant.
 */
#ifndef WAYMARK_NUDGES_H
#define WAYMARK_NUDGES_H

#include <stdint.h>

#include "core/ctx.h"
#include "notify.h"

/* A pass posts at most this many notices per organisation, so one pass (one
 * transaction, which on SQLite holds the only write lock: people completing activities
 * wait for it) stays under a second however much is due at once — the morning a hundred
 * thousand learners get their day's nudges. What is left is posted by the next passes,
 * each taking up where the last stopped (what was posted is skipped by its key);
 * result.more says so, and the scheduler then runs the next pass a second later instead
 * of a minute later. Sign-off requests, returns and enrolment events come first, then the
 * day's nudges in the order of the table in docs/notifications.md. Delivery is what paces
 * email anyway. */
#define NUDGES_PASS_BUDGET 5000
/* What one digest takes of the budget: it reads the manager's whole team (team.h). */
#define NUDGES_DIGEST_COST 10

struct nudges_result {
    int64_t tenants;
    int64_t notices;  /* new notices posted (in-app or email-only) */
    int64_t emails;   /* outbox email rows queued */
    int64_t webhooks; /* outbox webhook rows queued */
    int more;         /* 1: an organisation's budget ran out; there is more to post */
};

/* One pass at cx->now over every tenant, in the caller's write transaction. Sets
 * cx->actor to each tenant's system actor in turn (and leaves it zeroed). Adds to *out. */
enum rc nudges_tick(struct ctx *cx, struct nudges_result *out);
/* nudges_tick with another budget per organisation (≥ 1; tests use small ones). */
enum rc nudges_tick_budget(struct ctx *cx, int64_t budget, struct nudges_result *out);

#endif
