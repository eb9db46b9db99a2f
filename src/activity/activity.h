/*
 * activity.h — the learner's side of an enrolment: each activity's state machine,
 * completing with reflection and evidence, evidence files, sign-off by the manager or
 * coach, the learner's journey and the sign-off queue (docs/enrolments.md "An activity",
 * "The learner's journey", "Sign-offs").
 *
 * Model. An enrolment has one activity per step of its version. Stored states: 'open',
 * 'awaiting_signoff', 'completed', 'skipped'. What the API shows (the status) also
 * depends on now: an open activity is locked before release_at, returned when a
 * sign-off sent it back (returned_at set), available otherwise. So nothing ever has to
 * flip an activity at midnight.
 *
 *   open ──complete (self step)──────────────────────────────▶ completed
 *   open ──complete (manager/coach step)──▶ awaiting_signoff ──approve──▶ completed
 *                                          awaiting_signoff ──return───▶ open (returned)
 *
 * Completing. Only the learner completes, uploads and deletes evidence
 * (authz_can_do_activity); someone who may read the enrolment but is not the learner gets
 * RC_FORBIDDEN, anyone else RC_NOT_FOUND. Refusals (RC_CONFLICT with a code):
 * already_completed, awaiting_signoff, activity_skipped, enrolment_not_active (paused,
 * withdrawn or completed), completed_elsewhere (assessor and xapi steps), not_released.
 * Then the rules (RC_INVALID, per field): reflection and evidence_text at most
 * ACTIVITY_TEXT_MAX characters, evidence_url an absolute http(s) URL
 * (workflow_url_valid), a reflect step needs a reflection, a step whose evidence is
 * required needs text, a link or an uploaded file. A text that is empty or only spaces
 * counts as absent; an absent field keeps what an earlier submission stored.
 * A self step becomes completed (completed_at, completed_by); a sign-off step becomes
 * awaiting_signoff (submitted_at).
 *
 * Signing off. The learner's direct manager signs off manager_signoff steps and the
 * enrolment's coach (holding the coach role) coach_signoff steps (authz_can_sign_off):
 * nobody else, not even an admin. Readers who are not the signer get RC_FORBIDDEN, others
 * RC_NOT_FOUND; an activity not awaiting sign-off is 409 not_awaiting_signoff, and one of
 * an enrolment that is not active 409 enrolment_not_active. Approve completes it
 * (completed_by is the signer); return reopens it with returned_at set and needs a
 * comment (at most ACTIVITY_COMMENT_MAX characters). Both leave a feedback row.
 *
 * Progress. Whenever an activity becomes completed, its enrolment's completed_steps
 * goes up by one in the same transaction; when it reaches total_steps the enrolment
 * becomes 'completed' (completed_at) and a 'completed' enrolment event is recorded.
 *
 * Files. Evidence files live in the database (activity_files). Each is at most
 * ACTIVITY_FILE_MAX bytes (RC_TOO_LARGE), an activity holds at most ACTIVITY_FILES_MAX
 * (409 too_many_files), and the bytes decide the type (sniff.h): anything not
 * recognised is RC_UNSUPPORTED_MEDIA. Names are cleaned by sniff_file_name. Files are
 * added and deleted by the learner while the activity is open, released and its
 * enrolment active; anyone who may read the activity may download them.
 *
 * Concurrency. Every change first takes the enrolment's and then the activity's row lock
 * (no-op UPDATEs, in the order the enrolment module uses), then reads, decides and
 * writes: on PostgreSQL's READ COMMITTED two concurrent completions of one activity
 * complete it once and the second is refused with already_completed.
 *
 * Every change writes an audit entry: activity.complete, activity.submit,
 * activity.approve, activity.return, activity.file_add, activity.file_delete.
 * Dates: due_date is the local date (tenant time zone) of due_at. Another tenant's ids
 * are RC_NOT_FOUND. All functions run inside the caller's transaction (or none, for the
 * read-only ones) and use cx->now; none keeps state between calls, so they are as
 * thread-safe as the connection they are given.
 */
#ifndef WAYMARK_ACTIVITY_H
#define WAYMARK_ACTIVITY_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/ctx.h"
#include "core/jsonw.h"

#define ACTIVITY_TEXT_MAX         10000 /* characters of a reflection or evidence text */
#define ACTIVITY_COMMENT_MAX      2000  /* characters of a sign-off comment */
#define ACTIVITY_FILE_MAX         (10L * 1024 * 1024)
#define ACTIVITY_FILES_MAX        10
#define ACTIVITY_DONE_MAX         50  /* completed activities the journey shows */
#define ACTIVITY_SIGNOFFS_DEFAULT 200 /* sign-off queue page size without ?limit= */

/* The stored state of an activity. */
enum activity_state {
    ACTIVITY_OPEN,      /* "open" */
    ACTIVITY_AWAITING,  /* "awaiting_signoff" */
    ACTIVITY_COMPLETED, /* "completed" */
    ACTIVITY_SKIPPED,   /* "skipped" */
};

/* What the API shows. */
enum activity_status {
    ACTIVITY_LOCKED,           /* "locked": open, not released yet */
    ACTIVITY_AVAILABLE,        /* "available": open and released */
    ACTIVITY_RETURNED,         /* "returned": open again after a sign-off sent it back */
    ACTIVITY_AWAITING_SIGNOFF, /* "awaiting_signoff" */
    ACTIVITY_DONE,             /* "completed" */
    ACTIVITY_SKIP,             /* "skipped" */
};

/* Parses a stored state name; -1 when unknown. */
int activity_state_parse(const char *s);
/* The status of an activity in state with these instants (returned_at 0: never
 * returned) at now. Pure. */
enum activity_status activity_status_of(enum activity_state state, int64_t release_at,
                                        int64_t returned_at, int64_t now);
/* "locked", "available", …; never NULL. */
const char *activity_status_name(enum activity_status s);

/* What the learner sends when completing; NULL fields are absent. */
struct activity_input {
    const char *reflection;
    const char *evidence_text;
    const char *evidence_url;
};

/* Completes activity id as the actor (who must be its learner), or submits it for
 * sign-off when its step needs one; see the file comment for every refusal. Completing
 * the last activity completes the enrolment. With out, *out is the activity as GET
 * /activities/{id} answers it (new reference). */
enum rc activity_complete(struct ctx *cx, int64_t id, const struct activity_input *in,
                          json_t **out);

/* Approves (approve = 1) or returns an activity awaiting sign-off, as the actor (the
 * learner's direct manager for manager steps, the enrolment's coach for coach steps).
 * comment is required to return. With out, *out is the activity as GET answers it. */
enum rc activity_sign_off(struct ctx *cx, int64_t id, int approve, const char *comment,
                          json_t **out);

/* Appends the summaries (docs/enrolments.md "An activity") of enrolment_id's activities,
 * in workflow order, to array. No permission check: the caller has checked that the actor
 * may read the enrolment. */
enum rc activity_enrolment_summaries(struct ctx *cx, int64_t enrolment_id, json_t *array);

/* Activity id as GET /activities/{id} answers it, for anyone who may read its enrolment
 * (authz_can_read_enrolment; else RC_NOT_FOUND). *out is a new reference. */
enum rc activity_get(struct ctx *cx, int64_t id, json_t **out);

/* One uploaded file: the client's name (untrusted, cleaned here) and its bytes. */
struct activity_upload {
    const char *name;
    const void *data;
    size_t len;
};

/* Adds files[0..n) (n ≥ 1) to activity id as its learner: all or nothing. *out is
 * {"files": [the new files]} (new reference). Refusals: see the file comment. */
enum rc activity_add_files(struct ctx *cx, int64_t id, const struct activity_upload *files,
                           size_t n, json_t **out);

/* The file file_id of activity id, for anyone who may read the activity: its bytes are
 * appended to data, its cleaned name copied into name (size ≥ 121) and *type set to its
 * media type (a static string). RC_NOT_FOUND. */
enum rc activity_file_get(struct ctx *cx, int64_t id, int64_t file_id, struct buf *data, char *name,
                          size_t name_size, const char **type);

/* Deletes file file_id of activity id, as its learner while the activity is open. */
enum rc activity_file_delete(struct ctx *cx, int64_t id, int64_t file_id);

/* Appends the actor's journey (GET /me/journey) to out as one JSON object. A constant
 * number of queries whatever the number of enrolments and activities.
 *
 * Caching. With cx->cache the answer is kept under (tenant, user, "journey:" + the
 * tenant's time zone), tagged with the user's journey_rev and valid from cx->now until
 * the first instant at which it would change by time alone (the next local midnight, the
 * next release of an open activity, the second after the next due instant of one, the
 * end of a completed enrolment's 30 days). A later journey reads journey_rev and the
 * zone in one query and, while both are unchanged and the clock is inside that interval,
 * copies the kept answer instead of building it. So every write that changes what a
 * journey shows must call activity_store_bump_journey (or bump journey_rev in its own
 * store) for each learner concerned, in the same transaction: this module does it when
 * completing, submitting, approving and returning (files do not show on the journey);
 * the enrolment module when enrolling, pausing, resuming, withdrawing and re-planning. */
enum rc activity_journey(struct ctx *cx, struct buf *out);

/* Writes {"items": […], "next_cursor": …} of the activities awaiting the actor's
 * sign-off (GET /me/signoffs), oldest submission first, at most limit of them after the
 * activity cursor (0: from the start; the id of the last item of the previous page). */
enum rc activity_signoffs(struct ctx *cx, int64_t cursor, int limit, struct jsonw *w);

#endif
