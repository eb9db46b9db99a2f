/*
 * team_store.h — the SQL of a manager's team view (team.h): three statements, each
 * starting from the manager's direct reports through users_manager, so the whole team
 * costs three queries whatever its size.
 *
 *   members      the active direct reports, with the instant of the last activity each
 *                completed (any enrolment);
 *   enrolments   their active and paused enrolments, with the version's title;
 *   activities   the open and awaiting-sign-off activities of those enrolments, with the
 *                step's title, kind, completion and manager_prompt.
 *
 * Every statement is scoped by the tenant. Rows stream to a callback with borrowed
 * strings (valid during the call only); the callback must not use the database (on
 * PostgreSQL only one statement may be mid-iteration at a time).
 */
#ifndef WAYMARK_TEAM_STORE_H
#define WAYMARK_TEAM_STORE_H

#include <stdint.h>

#include "db/db.h"

struct team_member_row {
    int64_t id;
    const char *name, *email, *job_title;
    int64_t last_completed_at; /* 0: never */
};
typedef enum rc (*team_member_fn)(void *arg, const struct team_member_row *r);
/* The active direct reports of manager_id, in no particular order. */
enum rc team_store_members(struct db *db, int64_t tenant_id, int64_t manager_id,
                           team_member_fn each, void *arg);

struct team_enrolment_row {
    int64_t id;
    int64_t user_id;
    int64_t workflow_id;
    int64_t coach_id;           /* 0: none */
    const char *workflow_title; /* the version's */
    const char *status;         /* "active" or "paused" */
    int completed, total;
};
typedef enum rc (*team_enrolment_fn)(void *arg, const struct team_enrolment_row *r);
/* The active and paused enrolments of manager_id's active direct reports, by id. */
enum rc team_store_enrolments(struct db *db, int64_t tenant_id, int64_t manager_id,
                              team_enrolment_fn each, void *arg);

struct team_activity_row {
    int64_t id;
    int64_t enrolment_id;
    int seq;
    int awaiting; /* 1: awaiting sign-off, 0: open */
    int64_t due_at;
    const char *title, *kind, *completion;
    const char *manager_prompt; /* NULL when the step has none */
};
typedef enum rc (*team_activity_fn)(void *arg, const struct team_activity_row *r);
/* The open and awaiting-sign-off activities of the enrolments team_store_enrolments
 * lists, in no particular order. */
enum rc team_store_activities(struct db *db, int64_t tenant_id, int64_t manager_id,
                              team_activity_fn each, void *arg);

#endif
