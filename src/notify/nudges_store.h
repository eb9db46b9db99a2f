/*
 * nudges_store.h — the SQL of the scheduler's notification pass (nudges.h): what is due
 * to be told in one organisation, found through the indexes of migrations 0004 and 0006.
 *
 * Each finder is one range over an index, joined by primary key to the enrolment, the
 * learner, the version step and the version:
 *   released   activities_open_release  (tenant_id, release_at) WHERE state = 'open'
 *   due        activities_open_due      (tenant_id, due_at) WHERE state = 'open'
 *   awaiting   activities_awaiting      (tenant_id, submitted_at) WHERE awaiting_signoff
 *   returned   activity_feedback_created (tenant_id, created_at)
 *   events     enrolment_events_pending (tenant_id, id) WHERE notified_at IS NULL
 * and each leaves out what was already told: a notice's key is the de-duplication key of
 * its in-app notification (notifications_key, one lookup), so a second pass at the same
 * instant finds nothing and writes nothing, and a pass costs what is new, not what is due.
 * Only active enrolments of active people are found (enrolment events: any enrolment).
 *
 * Finders copy their rows into a list (strings owned), so the caller posts notices after
 * the statement has finished: on PostgreSQL only one statement may be mid-iteration.
 * Every statement is scoped by the tenant.
 */
#ifndef WAYMARK_NUDGES_STORE_H
#define WAYMARK_NUDGES_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "db/db.h"

/* One thing a notice may be about. Which fields are set depends on the finder; strings
 * are owned by the list ("" when absent, never NULL). */
struct nudges_row {
    int64_t id;          /* the activity; the feedback (returned); the event (events) */
    int64_t activity_id; /* 0 for events */
    int64_t enrolment_id;
    int64_t learner_id;
    int64_t manager_id;   /* the learner's manager, 0: none */
    int64_t recipient_id; /* awaiting: who signs off */
    unsigned recipient_roles;
    int recipient_active; /* events: the learner's manager is active */
    int learner_active;   /* events: the learner is active */
    int64_t at;           /* release_at, due_at, submitted_at, or created_at */
    char *learner_name;
    char *step_title;
    char *workflow_title;
    char *kind;   /* awaiting: the step's completion; events: the event's kind */
    char *text;   /* returned: the comment; events: the event's data (JSON) */
    char *author; /* returned: who returned it */
};

struct nudges_rows {
    struct nudges_row *rows;
    size_t n, cap;
};
void nudges_rows_free(struct nudges_rows *r);

/* Every tenant's id, in id order. *ids is malloc'd (NULL when none). */
enum rc nudges_store_tenants(struct db *db, int64_t **ids, size_t *n);

/* Open activities released in [from, until) whose learner has not been told under
 * "new_activities:<learner>:<date>", by learner then workflow order. */
enum rc nudges_store_released(struct db *db, int64_t tenant_id, int64_t from, int64_t until,
                              const char *date, struct nudges_rows *out);

/* Open activities due in [from, until) and released by released_by, not yet told under
 * key_prefix + activity id + key_suffix ("reminder:" … ":2026-12-07", "overdue:" … ":1",
 * "escalation:" … ""), by due instant. With to_manager, only those whose learner has an
 * active manager (the recipient of an escalation). */
enum rc nudges_store_due(struct db *db, int64_t tenant_id, int64_t from, int64_t until,
                         int64_t released_by, const char *key_prefix, const char *key_suffix,
                         int to_manager, struct nudges_rows *out);

/* Activities awaiting sign-off submitted in [from, until] on a manager_signoff or
 * coach_signoff step, with the active person who signs off (the learner's manager, the
 * enrolment's coach; recipient_roles to check the coach's role), not yet told under
 * "signoff_request:<activity>:<submitted_at>", oldest submission first. */
enum rc nudges_store_awaiting(struct db *db, int64_t tenant_id, int64_t from, int64_t until,
                              struct nudges_rows *out);

/* Sign-off decisions that returned an activity in [from, until], still the activity's
 * latest return and the activity still open, not yet told under "returned:<feedback>". */
enum rc nudges_store_returned(struct db *db, int64_t tenant_id, int64_t from, int64_t until,
                              struct nudges_rows *out);

/* Enrolment events not yet told (notified_at NULL), oldest first, at most limit. */
enum rc nudges_store_events(struct db *db, int64_t tenant_id, int limit, struct nudges_rows *out);
/* Marks event id told at now. */
enum rc nudges_store_event_notified(struct db *db, int64_t tenant_id, int64_t id, int64_t now);

/* The active people of the tenant with an active direct report on an active or paused
 * enrolment whose digest day (their preference, else default_day) is weekday (0 Monday),
 * not yet sent "digest:<manager>:<date>". *ids is malloc'd (NULL when none), in id order. */
enum rc nudges_store_digest_managers(struct db *db, int64_t tenant_id, int default_day, int weekday,
                                     const char *date, int64_t **ids, size_t *n);

/* *chosen = 1 when someone of the tenant saved weekday (0 Monday) as their digest day: on
 * other days than the organisation's default, this tells whether any digest may be due
 * without reading every person. */
enum rc nudges_store_digest_day_chosen(struct db *db, int64_t tenant_id, int weekday, int *chosen);

#endif
