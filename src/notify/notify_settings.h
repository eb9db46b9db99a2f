/*
 * notify_settings.h — what the admin and each person choose about notifications: the
 * organisation's settings (send hour, reminders, escalation, defaults, its own SMTP relay),
 * each person's preferences (email per kind, digest day, quiet hours), the webhooks, and
 * the one-click unsubscribe behind every email's List-Unsubscribe link
 * (docs/notifications.md is the contract).
 *
 * Secrets are write-only: the SMTP URL's password and a webhook's secret are stored (the
 * worker needs them to authenticate and to sign) but never answered; the API shows the
 * URL without its password and says password_set / secret_set. Every admin change is
 * audited without the secret ("notification_settings.update", "webhook.create", …).
 */
#ifndef WAYMARK_NOTIFY_SETTINGS_H
#define WAYMARK_NOTIFY_SETTINGS_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "core/ctx.h"
#include "notify.h"

#define NOTIFY_URL_MAX          1000
#define NOTIFY_FROM_MAX         320
#define NOTIFY_WEBHOOK_NAME_MAX 100
#define NOTIFY_SECRET_MAX       200
#define NOTIFY_WEBHOOKS_MAX     20 /* per organisation */
#define NOTIFY_NO_QUIET         (-1)

/* Bits of enum notify_kind below NOTIFY_KIND_PREFS. */
typedef unsigned notify_kinds;
#define NOTIFY_KIND_BIT(k) (1u << (unsigned)(k))

/* Kinds as stored: "reminder,overdue" in kind order, into out (size ≥ NOTIFY_KINDS_TEXT). */
#define NOTIFY_KINDS_TEXT 256
void notify_kinds_to_text(notify_kinds kinds, char *out, size_t size);
/* The bits of a stored list; unknown names are ignored. */
notify_kinds notify_kinds_from_text(const char *text);

struct notify_quiet {
    int start, end; /* minutes after local midnight; start NOTIFY_NO_QUIET: none. start > end
                       spans midnight (21:00–07:00); start == end is refused */
};

struct notify_settings {
    int send_hour;                       /* 0..23, default 9 */
    int reminder_days_before;            /* 0..10, default 1 (0: no reminders) */
    int escalate_after_days;             /* 0..30, default 5 (0: never) */
    int digest_day;                      /* 0 Monday … 6 Sunday, default 0 */
    struct notify_quiet quiet;           /* default: none */
    notify_kinds email_off;              /* kinds whose email is off by default: none */
    char smtp_url[NOTIFY_URL_MAX + 1];   /* "" : the deployment's */
    char smtp_from[NOTIFY_FROM_MAX + 1]; /* "" : the deployment's */
    int64_t updated_at;
};

/* The actor's organisation's settings (defaults when it never saved any). Readable by
 * the domain for any actor; the API route is for admins. */
enum rc notify_settings_get(struct ctx *cx, struct notify_settings *out);
/* The settings as GET /api/v1/notification-settings answers them (smtp_url without its
 * password, password_set). New reference. */
json_t *notify_settings_json(const struct notify_settings *s);
/* PATCH: every field of the body may be given; each bad one is a detail (RC_INVALID),
 * unknown fields are refused, nothing is written unless all are good. smtp_url null or ""
 * goes back to the deployment's relay. RC_FORBIDDEN unless admin. Audited. */
enum rc notify_settings_update(struct ctx *cx, const json_t *body, struct notify_settings *out);

/* A person's effective preferences: their own row, else the organisation's defaults. */
struct notify_prefs {
    notify_kinds email_off;
    int digest_day;
    struct notify_quiet quiet;
    int is_default; /* 1: never saved, these are the organisation's defaults */
};
enum rc notify_prefs_get(struct ctx *cx, int64_t user_id, struct notify_prefs *out);
/* GET /api/v1/me/notification-preferences without "time_zone" (the handler adds the
 * organisation's, from tenant_get). New reference. */
json_t *notify_prefs_json(const struct notify_prefs *p);
/* PATCH for the actor themselves: {email: {kind: bool…}, digest_day, quiet_hours}; the
 * first save copies the defaults and applies the change. RC_INVALID per bad field. */
enum rc notify_prefs_update(struct ctx *cx, const json_t *body, struct notify_prefs *out);

/* Every saved preference row of the actor's tenant, in user id order, for a pass that
 * posts to thousands of people (people without a row follow notify_settings_get). */
typedef enum rc (*notify_prefs_each_fn)(void *arg, int64_t user_id, const struct notify_prefs *p);
enum rc notify_prefs_each(struct ctx *cx, notify_prefs_each_fn each, void *arg);
/* The preferences of someone without a row: the organisation's defaults. */
void notify_prefs_defaults(const struct notify_settings *s, struct notify_prefs *out);

/* Whether email of kind goes to someone with these preferences (email-only kinds: always). */
int notify_prefs_wants_email(const struct notify_prefs *p, enum notify_kind kind);
/* The instant at or after t when someone with quiet hours q in zone may be emailed:
 * t itself outside quiet hours, else the end of the quiet hours (local wall-clock time,
 * also on the days the clocks change; an end the change skips is the first local time
 * after the gap, see notify_settings.c). */
int64_t notify_quiet_release(const struct notify_quiet *q, const char *zone, int64_t t);

/* Webhooks (admins). */
struct webhook {
    int64_t id;
    char name[NOTIFY_WEBHOOK_NAME_MAX * 4 + 1];
    char url[NOTIFY_URL_MAX + 1];
    char format[8];     /* "json", "slack", "teams" */
    notify_kinds kinds; /* bits of enum notify_kind (NOTIFY_TEST always accepted) */
    int active;
    int64_t created_at, updated_at;
    char secret[NOTIFY_SECRET_MAX + 1]; /* filled only by notify_webhooks_active */
};
typedef enum rc (*webhook_each_fn)(void *arg, const struct webhook *w);
enum rc notify_webhooks_list(struct ctx *cx, webhook_each_fn each, void *arg);
/* The active webhooks of the actor's tenant with their secrets (for posting and signing;
 * never for an API answer). No permission check: the domain's own use. */
enum rc notify_webhooks_active(struct ctx *cx, webhook_each_fn each, void *arg);
enum rc notify_webhook_get(struct ctx *cx, int64_t id, struct webhook *out);
/* {name, url, format, kinds[], secret?, active?}: secret generated when absent and then
 * copied into secret_out (shown once), else secret_out is "". RC_INVALID per bad field;
 * RC_CONFLICT beyond NOTIFY_WEBHOOKS_MAX. */
enum rc notify_webhook_create(struct ctx *cx, const json_t *body, struct webhook *out,
                              char secret_out[NOTIFY_SECRET_MAX + 1]);
/* Any of the fields; secret replaces the old one. */
enum rc notify_webhook_update(struct ctx *cx, int64_t id, const json_t *body, struct webhook *out);
enum rc notify_webhook_delete(struct ctx *cx, int64_t id);
/* Queues a "test" event to this webhook now (notify_post-like, key "test:<id>:<now>"; a
 * second test in the same second is the same row). RC_CONFLICT when the webhook is
 * turned off (the worker would cancel the call). */
enum rc notify_webhook_test(struct ctx *cx, int64_t id);
/* GET/PATCH answers. New reference. */
json_t *notify_webhook_json(const struct webhook *w);

/* One-click unsubscribe: the token of an email's link turns that person's email for the
 * email's kind off (prefs saved as above). No actor: the token is the credential.
 * RC_NOT_FOUND for an unknown token; email-only kinds cannot be unsubscribed
 * (RC_CONFLICT). *kind and *user_name describe what was (or would be) switched off. */
enum rc notify_unsubscribe_peek(struct ctx *cx, const char *token, enum notify_kind *kind,
                                char *user_name, size_t name_size);
enum rc notify_unsubscribe(struct ctx *cx, const char *token, enum notify_kind *kind);

#endif
