/*
 * notify_settings_store.c — SQL for notification settings, preferences, webhooks, the
 * webhook test row and the unsubscribe lookup (see notify_settings_store.h).
 *
 * Settings and preferences are one row per tenant / person, written with an upsert, so
 * two saves at once cannot trip over the primary key. Lists are collected into memory
 * before the callbacks run: a tenant has at most NOTIFY_WEBHOOKS_MAX webhooks, and a
 * preference row is a few dozen bytes, so even an organisation of 100,000 people costs a
 * few megabytes for the pass that reads them all.
 */
#include "core/array.h"
#include "notify_settings_store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- settings ---- */

/* DB_TEXT of a local array (the macro's NULL test would warn about an array). */
static struct db_arg text_arg(const char *s)
{
    return DB_TEXT(s);
}

static void quiet_of(struct db_stmt *st, int col, struct notify_quiet *q)
{
    if (db_column_is_null(st, col) || db_column_is_null(st, col + 1)) {
        q->start = q->end = NOTIFY_NO_QUIET;
        return;
    }
    q->start = (int)db_column_int64(st, col);
    q->end = (int)db_column_int64(st, col + 1);
}

static struct db_arg quiet_arg(const struct notify_quiet *q, int end)
{
    if (q->start == NOTIFY_NO_QUIET)
        return (struct db_arg){.kind = DB_ARG_NULL};
    return DB_INT(end ? q->end : q->start);
}

enum rc notify_settings_store_get(struct db *db, int64_t tenant_id, struct notify_settings *out)
{
    struct db_stmt *st = NULL;
    enum rc rc = db_prepare(db,
                            "SELECT send_hour, reminder_days_before, escalate_after_days, "
                            "digest_day, quiet_start, quiet_end, email_off, smtp_url, smtp_from, "
                            "updated_at FROM notification_settings WHERE tenant_id = $1",
                            &st);
    if (rc || (rc = db_bind_int64(st, 1, tenant_id)))
        goto out;
    if ((rc = db_step(st)) != RC_ROW) {
        rc = rc == RC_DONE ? RC_NOT_FOUND : rc;
        goto out;
    }
    memset(out, 0, sizeof *out);
    out->send_hour = (int)db_column_int64(st, 0);
    out->reminder_days_before = (int)db_column_int64(st, 1);
    out->escalate_after_days = (int)db_column_int64(st, 2);
    out->digest_day = (int)db_column_int64(st, 3);
    quiet_of(st, 4, &out->quiet);
    out->email_off = notify_kinds_from_text(db_column_text(st, 6));
    snprintf(out->smtp_url, sizeof out->smtp_url, "%s", db_column_text(st, 7));
    snprintf(out->smtp_from, sizeof out->smtp_from, "%s", db_column_text(st, 8));
    out->updated_at = db_column_int64(st, 9);
    rc = RC_OK;
out:
    db_reset(st);
    return rc;
}

enum rc notify_settings_store_put(struct db *db, int64_t tenant_id, const struct notify_settings *s,
                                  int64_t now)
{
    char off[NOTIFY_KINDS_TEXT];
    notify_kinds_to_text(s->email_off, off, sizeof off);
    return DB_RUN(db,
                  "INSERT INTO notification_settings (tenant_id, send_hour, reminder_days_before, "
                  "escalate_after_days, digest_day, quiet_start, quiet_end, email_off, smtp_url, "
                  "smtp_from, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) "
                  "ON CONFLICT (tenant_id) DO UPDATE SET send_hour = excluded.send_hour, "
                  "reminder_days_before = excluded.reminder_days_before, "
                  "escalate_after_days = excluded.escalate_after_days, "
                  "digest_day = excluded.digest_day, quiet_start = excluded.quiet_start, "
                  "quiet_end = excluded.quiet_end, email_off = excluded.email_off, "
                  "smtp_url = excluded.smtp_url, smtp_from = excluded.smtp_from, "
                  "updated_at = excluded.updated_at",
                  NULL, DB_INT(tenant_id), DB_INT(s->send_hour), DB_INT(s->reminder_days_before),
                  DB_INT(s->escalate_after_days), DB_INT(s->digest_day), quiet_arg(&s->quiet, 0),
                  quiet_arg(&s->quiet, 1), text_arg(off),
                  DB_TEXT(s->smtp_url[0] ? s->smtp_url : NULL),
                  DB_TEXT(s->smtp_from[0] ? s->smtp_from : NULL), DB_INT(now));
}

/* ---- preferences ---- */

enum rc notify_prefs_store_get(struct db *db, int64_t tenant_id, int64_t user_id,
                               struct notify_prefs *out)
{
    struct db_stmt *st = NULL;
    enum rc rc = db_prepare(db,
                            "SELECT email_off, digest_day, quiet_start, quiet_end "
                            "FROM notification_prefs WHERE user_id = $1 AND tenant_id = $2",
                            &st);
    if (rc || (rc = db_bind_int64(st, 1, user_id)) || (rc = db_bind_int64(st, 2, tenant_id)))
        goto out;
    if ((rc = db_step(st)) != RC_ROW) {
        rc = rc == RC_DONE ? RC_NOT_FOUND : rc;
        goto out;
    }
    memset(out, 0, sizeof *out);
    out->email_off = notify_kinds_from_text(db_column_text(st, 0));
    out->digest_day = (int)db_column_int64(st, 1);
    quiet_of(st, 2, &out->quiet);
    out->is_default = 0;
    rc = RC_OK;
out:
    db_reset(st);
    return rc;
}

enum rc notify_prefs_store_put(struct db *db, int64_t tenant_id, int64_t user_id,
                               const struct notify_prefs *p, int64_t now)
{
    char off[NOTIFY_KINDS_TEXT];
    notify_kinds_to_text(p->email_off, off, sizeof off);
    /* The WHERE of the upsert keeps a row from ever moving between tenants. */
    return DB_RUN(db,
                  "INSERT INTO notification_prefs (user_id, tenant_id, email_off, digest_day, "
                  "quiet_start, quiet_end, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7) "
                  "ON CONFLICT (user_id) DO UPDATE SET email_off = excluded.email_off, "
                  "digest_day = excluded.digest_day, quiet_start = excluded.quiet_start, "
                  "quiet_end = excluded.quiet_end, updated_at = excluded.updated_at "
                  "WHERE notification_prefs.tenant_id = excluded.tenant_id",
                  NULL, DB_INT(user_id), DB_INT(tenant_id), text_arg(off), DB_INT(p->digest_day),
                  quiet_arg(&p->quiet, 0), quiet_arg(&p->quiet, 1), DB_INT(now));
}

struct prefs_row {
    int64_t user_id;
    struct notify_prefs p;
};

enum rc notify_prefs_store_each(struct db *db, int64_t tenant_id, notify_prefs_each_fn each,
                                void *arg)
{
    struct db_stmt *st = NULL;
    struct prefs_row *rows = NULL;
    size_t n = 0, cap = 0;
    enum rc rc = db_prepare(db,
                            "SELECT user_id, email_off, digest_day, quiet_start, quiet_end "
                            "FROM notification_prefs WHERE tenant_id = $1 ORDER BY user_id",
                            &st);
    if (rc || (rc = db_bind_int64(st, 1, tenant_id)))
        goto out;
    while ((rc = db_step(st)) == RC_ROW) {
        if ((rc = array_reserve((void **)&rows, sizeof *rows, n + 1, &cap)))
            goto out;
        struct prefs_row *r = &rows[n++];
        memset(r, 0, sizeof *r);
        r->user_id = db_column_int64(st, 0);
        r->p.email_off = notify_kinds_from_text(db_column_text(st, 1));
        r->p.digest_day = (int)db_column_int64(st, 2);
        quiet_of(st, 3, &r->p.quiet);
    }
    if (rc != RC_DONE)
        goto out;
    db_reset(st);
    st = NULL;
    rc = RC_OK;
    for (size_t i = 0; i < n && rc == RC_OK; i++)
        rc = each(arg, rows[i].user_id, &rows[i].p);
out:
    db_reset(st);
    free(rows);
    return rc;
}

/* ---- webhooks ---- */

#define WEBHOOK_COLUMNS "id, name, url, format, kinds, active, created_at, updated_at, secret "

static void webhook_of(struct db_stmt *st, int with_secret, struct webhook *w)
{
    memset(w, 0, sizeof *w);
    w->id = db_column_int64(st, 0);
    snprintf(w->name, sizeof w->name, "%s", db_column_text(st, 1));
    snprintf(w->url, sizeof w->url, "%s", db_column_text(st, 2));
    snprintf(w->format, sizeof w->format, "%s", db_column_text(st, 3));
    w->kinds = notify_kinds_from_text(db_column_text(st, 4));
    w->active = db_column_int64(st, 5) != 0;
    w->created_at = db_column_int64(st, 6);
    w->updated_at = db_column_int64(st, 7);
    if (with_secret)
        snprintf(w->secret, sizeof w->secret, "%s", db_column_text(st, 8));
}

enum rc notify_webhook_store_each(struct db *db, int64_t tenant_id, int active_only,
                                  int with_secret, webhook_each_fn each, void *arg)
{
    struct db_stmt *st = NULL;
    struct webhook *rows = NULL;
    size_t n = 0, cap = 0;
    enum rc rc = db_prepare(db,
                            "SELECT " WEBHOOK_COLUMNS "FROM webhooks WHERE tenant_id = $1 "
                            "AND (active = 1 OR $2 = 0) ORDER BY id",
                            &st);
    if (rc || (rc = db_bind_int64(st, 1, tenant_id)) ||
        (rc = db_bind_int64(st, 2, active_only ? 1 : 0)))
        goto out;
    while ((rc = db_step(st)) == RC_ROW) {
        if ((rc = array_reserve((void **)&rows, sizeof *rows, n + 1, &cap)))
            goto out;
        webhook_of(st, with_secret, &rows[n++]);
    }
    if (rc != RC_DONE)
        goto out;
    db_reset(st);
    st = NULL;
    rc = RC_OK;
    for (size_t i = 0; i < n && rc == RC_OK; i++)
        rc = each(arg, &rows[i]);
out:
    db_reset(st);
    if (rows)
        for (size_t i = 0; i < n; i++)
            memset(rows[i].secret, 0, sizeof rows[i].secret);
    free(rows);
    return rc;
}

enum rc notify_webhook_store_get(struct db *db, int64_t tenant_id, int64_t id, struct webhook *out)
{
    struct db_stmt *st = NULL;
    enum rc rc = db_prepare(
        db, "SELECT " WEBHOOK_COLUMNS "FROM webhooks WHERE id = $1 AND tenant_id = $2", &st);
    if (rc || (rc = db_bind_int64(st, 1, id)) || (rc = db_bind_int64(st, 2, tenant_id)))
        goto out;
    if ((rc = db_step(st)) != RC_ROW) {
        rc = rc == RC_DONE ? RC_NOT_FOUND : rc;
        goto out;
    }
    webhook_of(st, 1, out);
    rc = RC_OK;
out:
    db_reset(st);
    return rc;
}

enum rc notify_webhook_store_count(struct db *db, int64_t tenant_id, int64_t *count)
{
    return DB_VALUE(db, "SELECT COUNT(*) FROM webhooks WHERE tenant_id = $1", count,
                    DB_INT(tenant_id));
}

enum rc notify_webhook_store_insert(struct db *db, int64_t tenant_id, const struct webhook *w,
                                    int64_t now, int64_t *id)
{
    char kinds[NOTIFY_KINDS_TEXT];
    notify_kinds_to_text(w->kinds, kinds, sizeof kinds);
    return DB_VALUE(db,
                    "INSERT INTO webhooks (tenant_id, name, url, format, kinds, secret, active, "
                    "created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) "
                    "RETURNING id",
                    id, DB_INT(tenant_id), DB_TEXT(w->name), DB_TEXT(w->url), DB_TEXT(w->format),
                    text_arg(kinds), DB_TEXT(w->secret), DB_INT(w->active ? 1 : 0), DB_INT(now));
}

enum rc notify_webhook_store_update(struct db *db, int64_t tenant_id, const struct webhook *w,
                                    int64_t now)
{
    char kinds[NOTIFY_KINDS_TEXT];
    int64_t changes = 0;
    notify_kinds_to_text(w->kinds, kinds, sizeof kinds);
    enum rc rc = DB_RUN(db,
                        "UPDATE webhooks SET name = $3, url = $4, format = $5, kinds = $6, "
                        "secret = $7, active = $8, updated_at = $9 "
                        "WHERE id = $1 AND tenant_id = $2",
                        &changes, DB_INT(w->id), DB_INT(tenant_id), DB_TEXT(w->name),
                        DB_TEXT(w->url), DB_TEXT(w->format), text_arg(kinds), DB_TEXT(w->secret),
                        DB_INT(w->active ? 1 : 0), DB_INT(now));
    if (rc == RC_OK && changes == 0)
        rc = RC_NOT_FOUND;
    return rc;
}

enum rc notify_webhook_store_delete(struct db *db, int64_t tenant_id, int64_t id)
{
    int64_t changes = 0;
    enum rc rc = DB_RUN(db,
                        "UPDATE outbox SET state = 'cancelled', last_error = $3, lease_until = "
                        "NULL WHERE tenant_id = $1 AND webhook_id = $2 AND state = 'pending'",
                        NULL, DB_INT(tenant_id), DB_INT(id), DB_TEXT("the webhook was deleted"));
    if (rc)
        return rc;
    rc = DB_RUN(db, "DELETE FROM webhooks WHERE id = $1 AND tenant_id = $2", &changes, DB_INT(id),
                DB_INT(tenant_id));
    if (rc == RC_OK && changes == 0)
        rc = RC_NOT_FOUND;
    return rc;
}

/* ---- the webhook test row ---- */

enum rc notify_settings_store_outbox_webhook(struct db *db, int64_t tenant_id,
                                             const struct notify_webhook_row *row, int64_t now,
                                             int64_t *id)
{
    return DB_VALUE(db,
                    "INSERT INTO outbox (tenant_id, dedup_key, channel, kind, webhook_id, "
                    "recipient, subject, body_text, next_attempt_at, created_at) "
                    "VALUES ($1, $2, 'webhook', $3, $4, $5, $6, $7, $8, $8) "
                    "ON CONFLICT (tenant_id, dedup_key) DO NOTHING RETURNING id",
                    id, DB_INT(tenant_id), DB_TEXT(row->key), DB_TEXT(row->kind),
                    DB_INT(row->webhook_id), DB_TEXT(row->recipient), DB_TEXT(row->subject),
                    DB_TEXT(row->body), DB_INT(now));
}

/* ---- unsubscribe ---- */

enum rc notify_settings_store_unsubscribe_find(struct db *db, const char *token_hash,
                                               struct notify_unsubscribe_row *out)
{
    struct db_stmt *st = NULL;
    enum rc rc = db_prepare(db,
                            "SELECT o.tenant_id, o.user_id, o.kind, u.name FROM outbox o "
                            "JOIN users u ON u.id = o.user_id AND u.tenant_id = o.tenant_id "
                            "WHERE o.unsubscribe_hash = $1 AND o.channel = 'email' "
                            "AND u.active = 1",
                            &st);
    if (rc || (rc = db_bind_text(st, 1, token_hash, -1)))
        goto out;
    if ((rc = db_step(st)) != RC_ROW) {
        rc = rc == RC_DONE ? RC_NOT_FOUND : rc;
        goto out;
    }
    memset(out, 0, sizeof *out);
    out->tenant_id = db_column_int64(st, 0);
    out->user_id = db_column_int64(st, 1);
    snprintf(out->kind, sizeof out->kind, "%s", db_column_text(st, 2));
    snprintf(out->user_name, sizeof out->user_name, "%s", db_column_text(st, 3));
    rc = RC_OK;
out:
    db_reset(st);
    return rc;
}
