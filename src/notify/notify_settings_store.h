/*
 * notify_settings_store.h — the SQL behind notify_settings.c: notification_settings,
 * notification_prefs and webhooks rows, the outbox row of a webhook test, and the outbox
 * lookup behind one-click unsubscribe. Private to src/notify/.
 *
 * Every function takes the tenant id and never reaches another tenant's rows, except
 * notify_settings_store_unsubscribe_find, whose whole point is to find an email from the
 * hash of its unsubscribe token alone (the token is 256 random bits, so knowing it is
 * the authorisation). No clear token reaches this file.
 *
 * Kinds are stored as comma lists of kind names ("reminder,overdue"); the conversion is
 * notify_kinds_to_text / notify_kinds_from_text (notify_settings.h). Functions that read
 * several rows collect them first and call back afterwards, so a callback may use the
 * database (PostgreSQL allows one statement mid-iteration per connection).
 */
#ifndef WAYMARK_NOTIFY_SETTINGS_STORE_H
#define WAYMARK_NOTIFY_SETTINGS_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "db/db.h"
#include "notify_settings.h"

/* The tenant's settings row into *out (every field). RC_NOT_FOUND when it has none. */
enum rc notify_settings_store_get(struct db *db, int64_t tenant_id, struct notify_settings *out);
/* Creates or replaces the tenant's settings row with s (smtp_url/smtp_from "" as NULL),
 * updated_at = now. */
enum rc notify_settings_store_put(struct db *db, int64_t tenant_id, const struct notify_settings *s,
                                  int64_t now);

/* A person's own preferences (is_default 0). RC_NOT_FOUND when they never saved any. */
enum rc notify_prefs_store_get(struct db *db, int64_t tenant_id, int64_t user_id,
                               struct notify_prefs *out);
/* Creates or replaces a person's preferences at now. */
enum rc notify_prefs_store_put(struct db *db, int64_t tenant_id, int64_t user_id,
                               const struct notify_prefs *p, int64_t now);
/* Every preference row of the tenant in user id order, collected first and then passed
 * to each; stops at the first rc each returns that is not RC_OK. */
enum rc notify_prefs_store_each(struct db *db, int64_t tenant_id, notify_prefs_each_fn each,
                                void *arg);

/* The tenant's webhooks in id order, collected first and then passed to each (secret
 * filled only when with_secret; only the active ones when active_only). */
enum rc notify_webhook_store_each(struct db *db, int64_t tenant_id, int active_only,
                                  int with_secret, webhook_each_fn each, void *arg);
/* One webhook of the tenant, secret included. RC_NOT_FOUND when missing or elsewhere. */
enum rc notify_webhook_store_get(struct db *db, int64_t tenant_id, int64_t id, struct webhook *out);
/* How many webhooks the tenant has. */
enum rc notify_webhook_store_count(struct db *db, int64_t tenant_id, int64_t *count);
/* Inserts w (secret included) at now; *id the new row's id. */
enum rc notify_webhook_store_insert(struct db *db, int64_t tenant_id, const struct webhook *w,
                                    int64_t now, int64_t *id);
/* Rewrites every field of w (by w->id) at now. RC_NOT_FOUND when it is not the tenant's. */
enum rc notify_webhook_store_update(struct db *db, int64_t tenant_id, const struct webhook *w,
                                    int64_t now);
/* Deletes the webhook; RC_NOT_FOUND when it is not the tenant's. Its pending outbox rows
 * are cancelled (they could never be signed and sent any more). */
enum rc notify_webhook_store_delete(struct db *db, int64_t tenant_id, int64_t id);

/* A webhook outbox row, due at now. RC_NOT_FOUND (nothing written) when the tenant
 * already has one with this key. */
struct notify_webhook_row {
    const char *key;
    const char *kind;
    int64_t webhook_id;
    const char *recipient; /* the webhook's URL */
    const char *subject;   /* one line for the outbox log */
    const char *body;      /* the JSON body in the webhook's format */
};
enum rc notify_settings_store_outbox_webhook(struct db *db, int64_t tenant_id,
                                             const struct notify_webhook_row *row, int64_t now,
                                             int64_t *id);

/* The email whose unsubscribe token hashes to token_hash: its tenant, recipient, kind and
 * the recipient's name. Only emails to active users count. RC_NOT_FOUND when none. */
struct notify_unsubscribe_row {
    int64_t tenant_id;
    int64_t user_id;
    char kind[32];
    char user_name[801];
};
enum rc notify_settings_store_unsubscribe_find(struct db *db, const char *token_hash,
                                               struct notify_unsubscribe_row *out);

#endif
