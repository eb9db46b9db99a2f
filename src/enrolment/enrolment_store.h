/*
 * enrolment_store.h — the SQL of enrolments (tables in migration 0004_enrolments): the
 * lookups that resolve a batch, the bulk writes, rules, the list, state changes, events
 * and the scheduler's queries. Private to src/enrolment/.
 *
 * Every function takes the tenant and scopes its statements by it (except
 * enrolment_store_tenants, which lists them). No rules and no permissions here:
 * enrolment.c decides, this file saves and loads. Functions that fill arrays allocate
 * them (free with free(); people with enrolment_store_people_free) and leave them NULL
 * and empty on failure.
 */
#ifndef WAYMARK_ENROLMENT_STORE_H
#define WAYMARK_ENROLMENT_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "db/db.h"
#include "enrolment.h"

/* A workflow as enrolling needs it: its state and its latest version. */
struct enrolment_store_workflow {
    int archived;
    int latest_version; /* 0: never published */
    int64_t version_id; /* of latest_version */
    int calendar_days;  /* the version's pacing */
    int replan_after_days;
    int max_due_per_day;
};
/* RC_NOT_FOUND when workflow_id is not in tenant_id. */
enum rc enrolment_store_workflow(struct db *db, int64_t tenant_id, int64_t workflow_id,
                                 struct enrolment_store_workflow *out);
/* Takes workflow_id's row lock until the transaction ends (a no-op UPDATE), so two
 * batches on one workflow cannot both decide someone is not enrolled yet. */
enum rc enrolment_store_lock_workflow(struct db *db, int64_t tenant_id, int64_t workflow_id);

/* The steps of version_id in workflow order (phase, then position), seq 1..n; days and
 * instants zero. */
enum rc enrolment_store_steps(struct db *db, int64_t tenant_id, int64_t version_id,
                              struct enrolment_planned **out, size_t *n);
void enrolment_store_steps_free(struct enrolment_planned *steps, size_t n);

/* A person as enrolling needs them. Strings owned. */
struct enrolment_store_person {
    int64_t id;
    int active;
    char *name;
    char *email;
    char *email_key;
};
void enrolment_store_people_free(struct enrolment_store_person *p, size_t n);
/* The tenant's users with one of these ids or email keys (NULL entries and ids ≤ 0 are
 * ignored), sorted by id, each once; people not found are simply absent. Looked up
 * ENROLMENT_STORE_KEYS at a time through the primary key and users_tenant_email. */
enum rc enrolment_store_people_named(struct db *db, int64_t tenant_id, const int64_t *ids,
                                     size_t nids, const char *const *email_keys, size_t nkeys,
                                     struct enrolment_store_person **out, size_t *n);
/* The active members of group_id, by name then id. */
enum rc enrolment_store_group_members(struct db *db, int64_t tenant_id, int64_t group_id,
                                      struct enrolment_store_person **out, size_t *n);
/* 1 when group_id is a group of the tenant, 0 when not, -1 on a database error. */
int enrolment_store_group_exists(struct db *db, int64_t tenant_id, int64_t group_id);
/* 1 when user_id is an active user of the tenant with the coach role, 0 when not, -1 on
 * a database error. */
int enrolment_store_is_coach(struct db *db, int64_t tenant_id, int64_t user_id);

/* The users with an active or paused enrolment on workflow_id, ascending. */
enum rc enrolment_store_enrolled(struct db *db, int64_t tenant_id, int64_t workflow_id,
                                 int64_t **out, size_t *n);
/* Learners assigned to exactly one coach (an active user with the coach role), as pairs
 * {learner, coach} ascending by learner: out[2i], out[2i+1]. */
enum rc enrolment_store_single_coaches(struct db *db, int64_t tenant_id, int64_t **out,
                                       size_t *npairs);
/* The coach of one learner when they have exactly one (as above); 0 when not. */
enum rc enrolment_store_single_coach(struct db *db, int64_t tenant_id, int64_t learner_id,
                                     int64_t *coach_id);

/* The fields of new enrolment rows ('active'). */
struct enrolment_store_new {
    int64_t tenant_id;
    int64_t workflow_id;
    int64_t version_id;
    int64_t user_id;
    int64_t coach_id;    /* 0: none */
    int64_t rule_id;     /* 0: none */
    int64_t enrolled_by; /* 0: nobody (a rule) */
    const char *start_date;
    int total_steps;
    int64_t now;
};
/* The largest enrolment id so far, of any tenant (0: none): with the workflow's lock held,
 * the enrolments of that workflow above it are the ones this transaction inserts. */
enum rc enrolment_store_max_id(struct db *db, int64_t *out);
/* Inserts one 'active' enrolment per users[i] with coach coaches[i] (0: none), sharing
 * the other fields of e (its user_id and coach_id are ignored), a hundred rows per
 * statement. */
enum rc enrolment_store_insert_many(struct db *db, const struct enrolment_store_new *e,
                                    const int64_t *users, const int64_t *coaches, size_t n);
/* The enrolments of workflow_id above after_id, as pairs {user_id, id} sorted by user_id:
 * out[2i], out[2i+1]. */
enum rc enrolment_store_ids_after(struct db *db, int64_t tenant_id, int64_t workflow_id,
                                  int64_t after_id, int64_t **out, size_t *npairs);
/* Adds one to users.journey_rev (migration 0005) of the learners of workflow_id's
 * enrolments above after_id, the batch just written, in one statement. Every change to
 * what a learner's journey shows bumps it in the same transaction, so that servers'
 * cached journeys are not served any more (see activity_journey). */
enum rc enrolment_store_bump_journeys_after(struct db *db, int64_t tenant_id, int64_t workflow_id,
                                            int64_t after_id);
/* Adds one to user_id's journey_rev. */
enum rc enrolment_store_bump_journey(struct db *db, int64_t tenant_id, int64_t user_id);
/* Writes the activities of a batch: the multi-row INSERT texts for its step count are
 * built once (enrolment_store_writer_init) and reused for every enrolment. */
struct enrolment_store_writer {
    const struct enrolment_planned *steps;
    size_t nsteps;
    struct buf full; /* ENROLMENT_STORE_ROWS rows */
    struct buf tail; /* the rest: nsteps % ENROLMENT_STORE_ROWS rows */
};
enum rc enrolment_store_writer_init(struct enrolment_store_writer *w,
                                    const struct enrolment_planned *steps, size_t nsteps);
void enrolment_store_writer_free(struct enrolment_store_writer *w);
/* Inserts one open activity per planned step for enrolment_id. */
enum rc enrolment_store_insert_activities(struct db *db, const struct enrolment_store_writer *w,
                                          int64_t tenant_id, int64_t enrolment_id, int64_t user_id,
                                          int64_t now);

/* Rules. */
/* The active rule of workflow_id for group_id, 0 when none. */
enum rc enrolment_store_rule_find(struct db *db, int64_t tenant_id, int64_t workflow_id,
                                  int64_t group_id, int64_t *id);
enum rc enrolment_store_rule_insert(struct db *db, int64_t tenant_id, int64_t workflow_id,
                                    int64_t group_id, int64_t created_by, int64_t now, int64_t *id);
enum rc enrolment_store_rules(struct db *db, int64_t tenant_id, int64_t workflow_id,
                              enrolment_rule_fn each, void *arg);
/* *stopped_at: when the rule was stopped (0: it was active and is stopped now).
 * RC_NOT_FOUND when rule_id is not a rule of workflow_id. */
enum rc enrolment_store_rule_stop(struct db *db, int64_t tenant_id, int64_t workflow_id,
                                  int64_t rule_id, int64_t now, int64_t *stopped_at);
/* Deletes the rules of group_id; *deleted (may be NULL) receives how many. */
enum rc enrolment_store_rules_delete_group(struct db *db, int64_t tenant_id, int64_t group_id,
                                           int64_t *deleted);
/* The active rules of the tenant as triples {rule, workflow, group}: out[3i..3i+2]. */
enum rc enrolment_store_active_rules(struct db *db, int64_t tenant_id, int64_t **out,
                                     size_t *nrules);
/* The active members of group_id never enrolled on workflow_id (only user_id, when > 0),
 * ascending by id. */
enum rc enrolment_store_rule_candidates(struct db *db, int64_t tenant_id, int64_t workflow_id,
                                        int64_t group_id, int64_t user_id, int64_t **out,
                                        size_t *n);

/* One enrolment with its learner, coach, version and overdue count at now. RC_NOT_FOUND. */
enum rc enrolment_store_get(struct db *db, int64_t tenant_id, int64_t id, int64_t now,
                            struct enrolment *out);
/* The list (see enrolment_query): visibility by vis, newest first, at most limit rows. */
struct enrolment_store_list_args {
    int64_t tenant_id;
    int all;      /* everything */
    int64_t self; /* the actor: own enrolments, their subtree's */
    int coach;    /* the actor coaches: enrolments whose coach_id is self */
    int64_t workflow_id, user_id;
    const char *status; /* NULL: any */
    int64_t before_id;
    int limit;
    int64_t now;
};
enum rc enrolment_store_list(struct db *db, const struct enrolment_store_list_args *a,
                             enrolment_each_fn each, void *arg, int *seen, int64_t *last_id);

/* Takes enrolment id's row lock (a no-op UPDATE). RC_NOT_FOUND. */
enum rc enrolment_store_lock(struct db *db, int64_t tenant_id, int64_t id);
/* Writes e's status, coach, paused_at, paused_days, replanned_at, withdrawn_at and
 * updated_at. */
enum rc enrolment_store_update(struct db *db, int64_t tenant_id, const struct enrolment *e);

/* An open activity as moving needs it. */
struct enrolment_store_open {
    int64_t id;
    int64_t release_at;
    int64_t due_at;
};
/* The open activities of enrolment_id in workflow order. */
enum rc enrolment_store_open_activities(struct db *db, int64_t tenant_id, int64_t enrolment_id,
                                        struct enrolment_store_open **out, size_t *n);
enum rc enrolment_store_move_activity(struct db *db, int64_t tenant_id, int64_t id,
                                      int64_t release_at, int64_t due_at, int64_t now);

enum rc enrolment_store_event_insert(struct db *db, int64_t tenant_id, int64_t enrolment_id,
                                     const char *kind, const char *data, int64_t now);
enum rc enrolment_store_events(struct db *db, int64_t tenant_id, int64_t enrolment_id,
                               enrolment_event_fn each, void *arg);

/* 1 when version_id's pacing is calendar_days (else 0), -1 on a database error. */
int enrolment_store_version_calendar(struct db *db, int64_t tenant_id, int64_t version_id);

/* Every tenant id, ascending. */
enum rc enrolment_store_tenants(struct db *db, int64_t **out, size_t *n);
/* An enrolment the re-planning pass should look at, with its version's settings. */
struct enrolment_store_replan {
    int64_t enrolment_id;
    int replan_after_days;
    int max_due_per_day;
    int calendar_days;
};
/* Active enrolments of versions that re-plan, with an open activity due before
 * due_before - replan_after_days × 86400 (and before seek_before, the bound the index
 * seeks on), ascending. */
enum rc enrolment_store_replan_candidates(struct db *db, int64_t tenant_id, int64_t seek_before,
                                          int64_t due_before, struct enrolment_store_replan **out,
                                          size_t *n);

#endif
