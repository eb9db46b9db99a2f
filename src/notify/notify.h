/*
 * notify.h — telling people things: in-app notifications, and the durable outbox every
 * email and webhook call goes through (docs/notifications.md is the contract).
 *
 * A notice is posted once per recipient under a de-duplication key
 * ("reminder:123:2026-12-01"). notify_post writes, in the caller's transaction:
 *   - the in-app notification (unique per tenant and key: a second post of the same key
 *     is a no-op and says so), unless the kind is email-only (invitation, password_reset);
 *   - when this person gets email for the kind (notify_settings.h: preferences, else the
 *     organisation's defaults), an email row in the outbox, rendered now (subject, text
 *     and HTML with the organisation's branding, a one-click unsubscribe link), not to be
 *     sent before the end of the person's quiet hours;
 *   - for each active webhook of the organisation that takes the kind, a webhook row with
 *     the body in the webhook's format (json, slack, teams).
 * Outbox keys are the notice's key plus ":email" or ":webhook:<id>", unique per tenant.
 *
 * Delivery (notify_deliver) claims due rows with a lease, sends them outside any
 * transaction through a transport (transport.h: SMTP and HTTPS with libcurl; tests pass
 * their own), and records the outcome: sent; a temporary failure is retried with
 * exponential backoff (1 min, 2, 4 … capped at 6 h; failed after NOTIFY_MAX_ATTEMPTS); a
 * permanent one (SMTP 5xx, HTTP 4xx other than 408/429, no relay configured) is failed at
 * once with its error. A process killed mid-delivery leaves the row leased; when the
 * lease runs out another worker claims it again. The guarantee is at-least-once to the
 * relay, with a Message-ID derived from the outbox key so a duplicate is recognisable;
 * the dedup keys make sure there is never a second row.
 */
#ifndef WAYMARK_NOTIFY_H
#define WAYMARK_NOTIFY_H

#include <stddef.h>
#include <stdint.h>

#include "core/ctx.h"

#define NOTIFY_KEY_MAX       200
#define NOTIFY_TITLE_MAX     300
#define NOTIFY_MAX_ATTEMPTS  8
#define NOTIFY_LEASE_SECONDS 120
#define NOTIFY_BATCH         50
#define NOTIFY_LIST_DEFAULT  20
#define NOTIFY_LIST_MAX      100
#define NOTIFY_TEXT_MAX      (128 * 1024) /* bytes of a notice's text (and of its html) */
#define NOTIFY_LINK_MAX      2000

/* The kinds a person has preferences for, in this order; then the email-only ones. */
enum notify_kind {
    NOTIFY_NEW_ACTIVITIES,  /* activities released today, one notice per learner per day */
    NOTIFY_REMINDER,        /* an activity due soon */
    NOTIFY_OVERDUE,         /* day 1 and day 3 after the due day */
    NOTIFY_ESCALATION,      /* to the manager: a report is N working days overdue */
    NOTIFY_SIGNOFF_REQUEST, /* to the manager or coach: an activity waits for sign-off */
    NOTIFY_RETURNED,        /* to the learner: a sign-off sent the activity back */
    NOTIFY_ENROLMENT,  /* enrolment events: re-planned, paused, resumed, withdrawn, completed */
    NOTIFY_DIGEST,     /* the manager's weekly digest */
    NOTIFY_KIND_PREFS, /* count of the kinds above */
    NOTIFY_INVITATION = NOTIFY_KIND_PREFS, /* email only, never switched off */
    NOTIFY_PASSWORD_RESET,
    NOTIFY_TEST, /* an admin's test message (webhooks) */
    NOTIFY_KIND_COUNT
};

/* "new_activities", "reminder", … "invitation", "password_reset", "test". */
const char *notify_kind_name(enum notify_kind kind);
/* The kind of a name; -1 when unknown. */
int notify_kind_from_name(const char *name);

/* One notice for one person. Strings are borrowed. title is one line (the email's
 * subject); text is the plain-text body (paragraphs separated by blank lines); html is
 * the HTML body's content (already escaped, inserted into the branded layout), NULL to
 * derive it from text; link is an app path ("/activities/12") or an absolute URL,
 * rendered as the call to action with action_label ("Open the activity"). */
struct notice {
    enum notify_kind kind;
    const char *key; /* dedup key, ≤ NOTIFY_KEY_MAX */
    int64_t user_id; /* the recipient, an active user of cx->actor.tenant_id */
    const char *title;
    const char *text;
    const char *html;
    const char *link;
    const char *action_label;
};

/* Posts n (see the file comment) at cx->now in cx->actor.tenant_id. *created (may be
 * NULL) is 1 when the notice is new, 0 when its key was already posted (nothing written).
 * Inactive or unknown recipients post nothing (*created 0, RC_OK); user_id 0 is nobody in
 * particular: only the webhooks get it ("recipient": null). An empty key or one longer
 * than NOTIFY_KEY_MAX, an empty title, text that is not UTF-8 or longer than its cap is
 * RC_INVALID (on "key", "title", "text", "html", "link"); a title is cut to one line of
 * at most NOTIFY_TITLE_MAX characters. Loads what it needs for this one call (the
 * organisation, this person's preferences); a pass posting thousands uses the pair below. */
enum rc notify_post(struct ctx *cx, const struct notice *n, int *created);

/* What posting needs from the organisation, loaded once: its name, brand colour, time
 * zone, notification settings, every person's preferences, its active webhooks, and
 * the deployment's public URL (cx->cfg->public_url; "http://127.0.0.1:8080" without a
 * config). Valid for the transaction that loaded it. */
struct notify_tenant;
enum rc notify_tenant_load(struct ctx *cx, struct notify_tenant **out);
void notify_tenant_free(struct notify_tenant *nt);
/* notify_post with the organisation already loaded (nt of cx->actor.tenant_id). */
enum rc notify_post_with(struct ctx *cx, struct notify_tenant *nt, const struct notice *n,
                         int *created);
/* counts of what notify_post_with wrote since nt was loaded. */
struct notify_counts {
    int64_t notices, emails, webhooks;
};
const struct notify_counts *notify_tenant_counts(const struct notify_tenant *nt);

/* ---- in-app notifications (GET /api/v1/me/notifications) ---- */

struct notification {
    int64_t id;
    const char *kind;
    const char *title;
    const char *body;
    const char *link;
    int64_t created_at;
    int64_t read_at; /* 0: unread */
};
typedef enum rc (*notify_each_fn)(void *arg, const struct notification *n);

/* The actor's own notifications, newest first: before_id is the cursor (0: from the
 * newest), unread_only limits to unread ones, limit 1..NOTIFY_LIST_MAX (else
 * RC_BAD_REQUEST). *next_before is the next page's cursor, 0 after the last; *unread the
 * actor's unread count. */
enum rc notify_list(struct ctx *cx, int64_t before_id, int unread_only, int limit,
                    notify_each_fn each, void *arg, int64_t *next_before, int64_t *unread);
/* The actor's unread count (the bell). */
enum rc notify_unread_count(struct ctx *cx, int64_t *unread);
/* Marks one of the actor's notifications read (idempotent). RC_NOT_FOUND for anyone
 * else's id. */
enum rc notify_mark_read(struct ctx *cx, int64_t id);
/* Marks all the actor's notifications read; *marked how many changed. */
enum rc notify_mark_all_read(struct ctx *cx, int64_t *marked);

/* ---- the outbox log (GET /api/v1/outbox, admins) ---- */

struct outbox_entry {
    int64_t id;
    const char *channel; /* "email", "webhook" */
    const char *kind;
    const char *recipient;
    const char *subject;
    const char *state;
    int attempts;
    int64_t next_attempt_at;
    const char *last_error; /* NULL when none */
    int64_t created_at;
    int64_t sent_at; /* 0: not sent */
};
typedef enum rc (*outbox_each_fn)(void *arg, const struct outbox_entry *e);
/* The organisation's outbox, newest first, optionally one state ("pending", "sent",
 * "failed", "cancelled"; else RC_INVALID on "state"). RC_FORBIDDEN unless admin. */
enum rc notify_outbox_list(struct ctx *cx, const char *state, int64_t before_id, int limit,
                           outbox_each_fn each, void *arg, int64_t *next_before);

/* The email outbox row id of the actor's organisation rendered as it would leave now:
 * its plain-text part appended to text, its HTML document to html. Emails are rendered
 * when they are sent, not when they are queued (a pass queues a hundred thousand), so this
 * is how to read one. RC_FORBIDDEN unless admin; RC_NOT_FOUND for a webhook row or one of
 * another organisation. */
enum rc notify_outbox_render(struct ctx *cx, int64_t id, struct buf *text, struct buf *html);

/* ---- delivery ---- */

struct notify_transport;

struct notify_deliver_result {
    int64_t sent;
    int64_t retrying; /* failed this time, will be tried again */
    int64_t failed;   /* failed for good */
};

/* Claims up to max (≥ 1) outbox rows due at cx->now (any tenant), NOTIFY_BATCH at a time,
 * each batch in its own short write transaction (FOR UPDATE SKIP LOCKED on PostgreSQL),
 * leased for NOTIFY_LEASE_SECONDS to worker (a name for logs: "host:pid"); sends each
 * through t with no transaction open; records each outcome in a transaction. Must be
 * called outside any transaction. Adds to *out. Stops early when nothing is due. */
enum rc notify_deliver(struct ctx *cx, struct notify_transport *t, const char *worker, int max,
                       struct notify_deliver_result *out);

#endif
