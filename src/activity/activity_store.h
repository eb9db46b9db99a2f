/*
 * activity_store.h — the SQL of activities (tables activities, activity_files,
 * activity_feedback of migration 0004_enrolments, read with their enrolment, learner
 * and the frozen version step they instantiate).
 *
 * Every function takes the tenant and scopes its statements by it, so an id of another
 * tenant is simply not found. No permissions and no rules here: activity.c decides,
 * this file saves and loads. Lists stream their rows to a callback with borrowed strings
 * (valid during the call only) and the callback must not use the database: on
 * PostgreSQL only one statement may be mid-iteration at a time.
 */
#ifndef WAYMARK_ACTIVITY_STORE_H
#define WAYMARK_ACTIVITY_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "activity.h"
#include "core/buf.h"
#include "db/db.h"

/* One activity as the summaries show it; strings borrowed. Instants are 0 when NULL. */
struct activity_row {
    int64_t id;
    int64_t enrolment_id;
    int64_t step_key;
    int seq;
    int phase; /* position of the step's phase, from 1 */
    const char *phase_name;
    const char *workflow_title; /* the version's title */
    const char *kind;
    const char *title;
    int effort_minutes;
    const char *completion; /* "self", "manager_signoff", … */
    const char *evidence;   /* "none", "optional", "required" */
    enum activity_state state;
    int64_t release_at;
    int64_t due_at;
    int64_t completed_at;
    int64_t returned_at;
    int64_t submitted_at;
};

typedef enum rc (*activity_row_fn)(void *arg, const struct activity_row *r);

/* An activity awaiting sign-off, with what the reviewer needs to decide. */
struct activity_queue_row {
    struct activity_row a;
    int64_t learner_id;
    const char *learner_name;
    const char *reflection; /* NULL when none */
    const char *evidence_text;
    const char *evidence_url;
    int64_t file_count;
};
typedef enum rc (*activity_queue_fn)(void *arg, const struct activity_queue_row *r);

/* One activity with everything GET /activities/{id} shows; strings owned (malloc'd),
 * NULL for SQL NULL. Free with activity_record_free. */
struct activity_record {
    struct activity_row row; /* its strings point into the owned copies below */
    int64_t tenant_id;
    int64_t learner_id;
    char *learner_name;
    int64_t learner_manager_id; /* 0: none */
    char *enrolment_status;
    int64_t coach_id; /* 0: none */
    char *instructions;
    char *link_url;
    char *manager_prompt;
    char *reflection;
    char *evidence_text;
    char *evidence_url;
    int64_t completed_by; /* 0: nobody */
    char *completed_by_name;
    /* owned copies behind row's strings */
    char *phase_name, *workflow_title, *kind, *title, *completion, *evidence;
};
void activity_record_free(struct activity_record *r);

/* What the journey's cache checks, in one primary-key lookup: user_id's journey_rev
 * (migration 0005) into *rev and their tenant's time zone into zone (size ≥ 64).
 * RC_NOT_FOUND. */
enum rc activity_store_journey_rev(struct db *db, int64_t tenant_id, int64_t user_id, int64_t *rev,
                                   char *zone, size_t size);
/* Adds one to user_id's journey_rev: every change to what their journey shows calls it
 * in the same transaction. */
enum rc activity_store_bump_journey(struct db *db, int64_t tenant_id, int64_t user_id);

/* Activity id with its step, enrolment and learner. RC_NOT_FOUND. */
enum rc activity_store_get(struct db *db, int64_t tenant_id, int64_t id,
                           struct activity_record *out);
/* Takes the row locks of activity id's enrolment, then of the activity, until the
 * transaction ends (no-op UPDATEs). RC_NOT_FOUND. */
enum rc activity_store_lock(struct db *db, int64_t tenant_id, int64_t id);

/* Records the learner's work: state ("completed" or "awaiting_signoff"), the texts (NULL
 * stores NULL), and for completed completed_at = now and completed_by = actor, for
 * awaiting submitted_at = now. */
enum rc activity_store_record_work(struct db *db, int64_t tenant_id, int64_t id,
                                   enum activity_state state, const char *reflection,
                                   const char *evidence_text, const char *evidence_url,
                                   int64_t actor, int64_t now);
/* A sign-off decision: approve completes (completed_at, completed_by = actor), return
 * reopens (returned_at). Adds the feedback row. */
enum rc activity_store_decide(struct db *db, int64_t tenant_id, int64_t id, int approve,
                              const char *comment, int64_t actor, int64_t now);
/* One more completed step for enrolment_id; when that was the last, the enrolment
 * becomes completed at now (*finished = 1) and a 'completed' event is recorded. */
enum rc activity_store_count_completion(struct db *db, int64_t tenant_id, int64_t enrolment_id,
                                        int64_t now, int *finished);

/* Summaries of an enrolment's activities in seq order. */
enum rc activity_store_enrolment_rows(struct db *db, int64_t tenant_id, int64_t enrolment_id,
                                      activity_row_fn each, void *arg);
/* ---- the journey: four small statements, joined in C -------------------------------- */

/* An enrolment of the journey. */
struct activity_journey_enrolment {
    int64_t id;
    int64_t workflow_id;
    int64_t version_id;
    const char *workflow_title; /* the version's title */
    const char *status;
    const char *start_date;
    int completed;
    int total;
    int64_t completed_at; /* 0 unless completed */
};
typedef enum rc (*activity_enrolment_fn)(void *arg, const struct activity_journey_enrolment *e);
/* The enrolments of user_id that are active, paused, or completed at or after
 * completed_since; newest first. */
enum rc activity_store_journey_enrolments(struct db *db, int64_t tenant_id, int64_t user_id,
                                          int64_t completed_since, activity_enrolment_fn each,
                                          void *arg);

/* An activity's own columns (no step). */
struct activity_core {
    int64_t id;
    int64_t enrolment_id;
    int64_t step_id;
    int seq;
    enum activity_state state;
    int64_t release_at, due_at, completed_at, returned_at, submitted_at;
};
typedef enum rc (*activity_core_fn)(void *arg, const struct activity_core *a);
/* The activities (not skipped) of user_id's active and paused enrolments, through the
 * activities_enrolment index; in no particular order. */
enum rc activity_store_journey_activities(struct db *db, int64_t tenant_id, int64_t user_id,
                                          activity_core_fn each, void *arg);

/* A version step as the summaries show it; strings borrowed. */
struct activity_step {
    int64_t id;
    int64_t step_key;
    int64_t phase_id;
    const char *kind, *title, *completion, *evidence;
    int effort_minutes;
};
typedef enum rc (*activity_step_fn)(void *arg, const struct activity_step *s);
/* The steps of the versions of user_id's active enrolments, by id. */
enum rc activity_store_journey_steps(struct db *db, int64_t tenant_id, int64_t user_id,
                                     activity_step_fn each, void *arg);

/* A version phase. */
struct activity_phase {
    int64_t id;
    int position;
    const char *name;
};
typedef enum rc (*activity_phase_fn)(void *arg, const struct activity_phase *p);
/* The phases of the versions of user_id's active enrolments, by id. */
enum rc activity_store_journey_phases(struct db *db, int64_t tenant_id, int64_t user_id,
                                      activity_phase_fn each, void *arg);

/* Activities of active enrolments awaiting the sign-off of me: manager_signoff steps of
 * learners whose manager is me, and (with is_coach) coach_signoff steps of enrolments
 * coached by me. Oldest submission first (then id), after the activity after_id (0: from
 * the start); at most limit rows. */
enum rc activity_store_signoffs(struct db *db, int64_t tenant_id, int64_t me, int is_coach,
                                int64_t after_id, int limit, activity_queue_fn each, void *arg);

/* Files. */
struct activity_file {
    int64_t id;
    const char *name;
    const char *content_type;
    int64_t size;
    int64_t created_at;
};
typedef enum rc (*activity_file_fn)(void *arg, const struct activity_file *f);
enum rc activity_store_file_count(struct db *db, int64_t tenant_id, int64_t activity_id,
                                  int64_t *count);
enum rc activity_store_file_insert(struct db *db, int64_t tenant_id, int64_t activity_id,
                                   const char *name, const char *content_type, const void *data,
                                   size_t len, int64_t uploaded_by, int64_t now, int64_t *out_id);
/* Files of an activity, oldest first; only_id (0: all) restricts to one file. */
enum rc activity_store_files(struct db *db, int64_t tenant_id, int64_t activity_id, int64_t only_id,
                             activity_file_fn each, void *arg);
/* Appends the bytes of the file to data and copies its name. RC_NOT_FOUND. */
enum rc activity_store_file_data(struct db *db, int64_t tenant_id, int64_t activity_id,
                                 int64_t file_id, struct buf *data, char *name, size_t name_size);
/* RC_NOT_FOUND when the activity has no such file. */
enum rc activity_store_file_delete(struct db *db, int64_t tenant_id, int64_t activity_id,
                                   int64_t file_id);

/* Sign-off feedback of an activity, oldest first. */
struct activity_feedback {
    int64_t id;
    const char *decision;
    const char *comment;
    int64_t author_id;
    const char *author_name;
    int64_t created_at;
};
typedef enum rc (*activity_feedback_fn)(void *arg, const struct activity_feedback *f);
enum rc activity_store_feedback(struct db *db, int64_t tenant_id, int64_t activity_id,
                                activity_feedback_fn each, void *arg);

#endif
