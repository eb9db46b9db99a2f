/*
 * notify_store.c — SQL for in-app notifications and the outbox (see notify_store.h).
 *
 * Lists read one row more than asked, to know whether a next page exists without a
 * second count. They copy every row before returning, because their callers hand the rows
 * to callbacks that may query again, and on PostgreSQL only one statement may be
 * mid-iteration. The claim differs between the backends only by FOR UPDATE SKIP LOCKED,
 * which SQLite neither has nor needs (its write transaction is the lock).
 */
#include "core/array.h"
#include "notify_store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A copy of column col, NULL for SQL NULL; *failed set when out of memory. */
static char *dup_column(struct db_stmt *st, int col, int *failed)
{
    if (db_column_is_null(st, col))
        return NULL;
    char *s = strdup(db_column_text(st, col));
    if (!s)
        *failed = 1;
    return s;
}

/* A copy of column col, "" for SQL NULL. */
static char *dup_text(struct db_stmt *st, int col, int *failed)
{
    char *s = strdup(db_column_text(st, col));
    if (!s)
        *failed = 1;
    return s;
}

/* ---- recipients ---- */

enum rc notify_store_person(struct db *db, int64_t tenant_id, int64_t user_id,
                            struct notify_store_person *out)
{
    struct db_stmt *st = NULL;
    enum rc rc = db_prepare(
        db, "SELECT email, name, active FROM users WHERE id = $1 AND tenant_id = $2", &st);
    if (rc || (rc = db_bind_int64(st, 1, user_id)) || (rc = db_bind_int64(st, 2, tenant_id)))
        goto out;
    if ((rc = db_step(st)) != RC_ROW) {
        rc = rc == RC_DONE ? RC_NOT_FOUND : rc;
        goto out;
    }
    snprintf(out->email, sizeof out->email, "%s", db_column_text(st, 0));
    snprintf(out->name, sizeof out->name, "%s", db_column_text(st, 1));
    out->active = db_column_int64(st, 2) != 0;
    rc = RC_OK;
out:
    db_reset(st);
    return rc;
}

/* ---- in-app notifications ---- */

enum rc notify_store_notification_insert(struct db *db, int64_t tenant_id, int64_t user_id,
                                         const char *kind, const char *key, const char *title,
                                         const char *body, const char *link, int64_t now,
                                         int64_t *id)
{
    return DB_VALUE(db,
                    "INSERT INTO notifications (tenant_id, user_id, kind, dedup_key, title, body, "
                    "link, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) "
                    "ON CONFLICT (tenant_id, dedup_key) DO NOTHING RETURNING id",
                    id, DB_INT(tenant_id), DB_INT(user_id), DB_TEXT(kind), DB_TEXT(key),
                    DB_TEXT(title), DB_TEXT(body), DB_TEXT(link ? link : ""), DB_INT(now));
}

void notify_store_page_free(struct notify_store_page *p)
{
    for (size_t i = 0; p && i < p->n; i++) {
        free((char *)p->rows[i].kind);
        free((char *)p->rows[i].title);
        free((char *)p->rows[i].body);
        free((char *)p->rows[i].link);
    }
    if (p) {
        free(p->rows);
        memset(p, 0, sizeof *p);
    }
}

enum rc notify_store_notifications(struct db *db, int64_t tenant_id, int64_t user_id,
                                   int64_t before_id, int unread_only, int limit,
                                   struct notify_store_page *out)
{
    static const char *const SQL[2] = {
        "SELECT id, kind, title, body, link, created_at, read_at FROM notifications "
        "WHERE user_id = $1 AND id < $2 AND tenant_id = $3 ORDER BY id DESC LIMIT $4",
        "SELECT id, kind, title, body, link, created_at, read_at FROM notifications "
        "WHERE user_id = $1 AND id < $2 AND tenant_id = $3 AND read_at IS NULL "
        "ORDER BY id DESC LIMIT $4",
    };
    struct db_stmt *st = NULL;
    size_t cap = 0;
    int failed = 0;
    memset(out, 0, sizeof *out);
    enum rc rc = db_prepare(db, SQL[unread_only ? 1 : 0], &st);
    if (rc || (rc = db_bind_int64(st, 1, user_id)) ||
        (rc = db_bind_int64(st, 2, before_id > 0 ? before_id : INT64_MAX)) ||
        (rc = db_bind_int64(st, 3, tenant_id)) || (rc = db_bind_int64(st, 4, (int64_t)limit + 1)))
        goto out;
    while ((rc = db_step(st)) == RC_ROW) {
        if (out->n == (size_t)limit) {
            out->more = 1;
            continue;
        }
        if ((rc = array_reserve((void **)&out->rows, sizeof *out->rows, out->n + 1, &cap)))
            goto out;
        struct notification *r = &out->rows[out->n++];
        memset(r, 0, sizeof *r);
        r->id = db_column_int64(st, 0);
        r->kind = dup_text(st, 1, &failed);
        r->title = dup_text(st, 2, &failed);
        r->body = dup_text(st, 3, &failed);
        r->link = dup_text(st, 4, &failed);
        r->created_at = db_column_int64(st, 5);
        r->read_at = db_column_int64(st, 6);
        if (failed) {
            rc = RC_NOMEM;
            goto out;
        }
    }
    rc = rc == RC_DONE ? RC_OK : rc;
out:
    db_reset(st);
    if (rc)
        notify_store_page_free(out);
    return rc;
}

enum rc notify_store_unread(struct db *db, int64_t tenant_id, int64_t user_id, int64_t *count)
{
    return DB_VALUE(db,
                    "SELECT COUNT(*) FROM notifications WHERE user_id = $1 AND read_at IS NULL "
                    "AND tenant_id = $2",
                    count, DB_INT(user_id), DB_INT(tenant_id));
}

enum rc notify_store_mark_read(struct db *db, int64_t tenant_id, int64_t user_id, int64_t id,
                               int64_t now, int *found)
{
    int64_t changes = 0;
    enum rc rc = DB_RUN(db,
                        "UPDATE notifications SET read_at = COALESCE(read_at, $4) "
                        "WHERE id = $1 AND user_id = $2 AND tenant_id = $3",
                        &changes, DB_INT(id), DB_INT(user_id), DB_INT(tenant_id), DB_INT(now));
    if (rc == RC_OK)
        *found = changes > 0;
    return rc;
}

enum rc notify_store_mark_all_read(struct db *db, int64_t tenant_id, int64_t user_id, int64_t now,
                                   int64_t *marked)
{
    return DB_RUN(db,
                  "UPDATE notifications SET read_at = $3 "
                  "WHERE user_id = $1 AND read_at IS NULL AND tenant_id = $2",
                  marked, DB_INT(user_id), DB_INT(tenant_id), DB_INT(now));
}

/* ---- the outbox ---- */

enum rc notify_store_outbox_insert(struct db *db, const struct notify_store_outbox_new *r,
                                   int64_t *id)
{
    return DB_VALUE(db,
                    "INSERT INTO outbox (tenant_id, dedup_key, channel, kind, user_id, webhook_id, "
                    "recipient, recipient_name, subject, body_text, body_html, link, action_label, "
                    "unsubscribe_url, unsubscribe_hash, next_attempt_at, created_at) "
                    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, "
                    "$16, $17) ON CONFLICT (tenant_id, dedup_key) DO NOTHING RETURNING id",
                    id, DB_INT(r->tenant_id), DB_TEXT(r->key), DB_TEXT(r->channel),
                    DB_TEXT(r->kind), DB_INT_OR_NULL(r->user_id), DB_INT_OR_NULL(r->webhook_id),
                    DB_TEXT(r->recipient), DB_TEXT(r->recipient_name ? r->recipient_name : ""),
                    DB_TEXT(r->subject ? r->subject : ""), DB_TEXT(r->body_text),
                    DB_TEXT(r->body_html ? r->body_html : ""), DB_TEXT(r->link ? r->link : ""),
                    DB_TEXT(r->action_label ? r->action_label : ""), DB_TEXT(r->unsubscribe_url),
                    DB_TEXT(r->unsubscribe_hash), DB_INT(r->next_attempt_at),
                    DB_INT(r->created_at));
}

void notify_store_outbox_page_free(struct notify_store_outbox_page *p)
{
    for (size_t i = 0; p && i < p->n; i++) {
        struct outbox_entry *e = &p->rows[i];
        free((char *)e->channel);
        free((char *)e->kind);
        free((char *)e->recipient);
        free((char *)e->subject);
        free((char *)e->state);
        free((char *)e->last_error);
    }
    if (p) {
        free(p->rows);
        memset(p, 0, sizeof *p);
    }
}

enum rc notify_store_outbox(struct db *db, int64_t tenant_id, const char *state, int64_t before_id,
                            int limit, struct notify_store_outbox_page *out)
{
#define OUTBOX_COLUMNS                                                                             \
    "SELECT id, channel, kind, recipient, subject, state, attempts, next_attempt_at, "             \
    "last_error, created_at, sent_at FROM outbox "
    static const char *const SQL[2] = {
        OUTBOX_COLUMNS "WHERE tenant_id = $1 AND id < $2 ORDER BY id DESC LIMIT $3",
        OUTBOX_COLUMNS "WHERE tenant_id = $1 AND id < $2 AND state = $4 ORDER BY id DESC LIMIT $3",
    };
#undef OUTBOX_COLUMNS
    struct db_stmt *st = NULL;
    size_t cap = 0;
    int failed = 0;
    memset(out, 0, sizeof *out);
    enum rc rc = db_prepare(db, SQL[state ? 1 : 0], &st);
    if (rc || (rc = db_bind_int64(st, 1, tenant_id)) ||
        (rc = db_bind_int64(st, 2, before_id > 0 ? before_id : INT64_MAX)) ||
        (rc = db_bind_int64(st, 3, (int64_t)limit + 1)) ||
        (state && (rc = db_bind_text(st, 4, state, -1))))
        goto out;
    while ((rc = db_step(st)) == RC_ROW) {
        if (out->n == (size_t)limit) {
            out->more = 1;
            continue;
        }
        if ((rc = array_reserve((void **)&out->rows, sizeof *out->rows, out->n + 1, &cap)))
            goto out;
        struct outbox_entry *e = &out->rows[out->n++];
        memset(e, 0, sizeof *e);
        e->id = db_column_int64(st, 0);
        e->channel = dup_text(st, 1, &failed);
        e->kind = dup_text(st, 2, &failed);
        e->recipient = dup_text(st, 3, &failed);
        e->subject = dup_text(st, 4, &failed);
        e->state = dup_text(st, 5, &failed);
        e->attempts = (int)db_column_int64(st, 6);
        e->next_attempt_at = db_column_int64(st, 7);
        e->last_error = dup_column(st, 8, &failed);
        e->created_at = db_column_int64(st, 9);
        e->sent_at = db_column_int64(st, 10);
        if (failed) {
            rc = RC_NOMEM;
            goto out;
        }
    }
    rc = rc == RC_DONE ? RC_OK : rc;
out:
    db_reset(st);
    if (rc)
        notify_store_outbox_page_free(out);
    return rc;
}

void notify_store_claimed_free_one(struct notify_store_claimed *c)
{
    free(c->channel);
    free(c->kind);
    free(c->key);
    free(c->recipient);
    free(c->recipient_name);
    free(c->subject);
    free(c->body_text);
    free(c->body_html);
    free(c->link);
    free(c->action_label);
    free(c->unsubscribe_url);
    memset(c, 0, sizeof *c);
}

void notify_store_claimed_free(struct notify_store_claimed *rows, size_t n)
{
    for (size_t i = 0; rows && i < n; i++)
        notify_store_claimed_free_one(&rows[i]);
    free(rows);
}

static int cmp_claimed(const void *a, const void *b)
{
    int64_t x = ((const struct notify_store_claimed *)a)->id;
    int64_t y = ((const struct notify_store_claimed *)b)->id;
    return x < y ? -1 : x > y;
}

/* The columns of OUTBOX_ROW into c (zeroed first; lease_until kept). */
#define OUTBOX_ROW                                                                                 \
    "id, tenant_id, channel, kind, dedup_key, user_id, webhook_id, recipient, recipient_name, "    \
    "subject, body_text, body_html, link, action_label, unsubscribe_url, attempts"
static enum rc read_row(struct db_stmt *st, struct notify_store_claimed *c)
{
    int failed = 0;
    int64_t lease_until = c->lease_until;
    memset(c, 0, sizeof *c);
    c->lease_until = lease_until;
    c->id = db_column_int64(st, 0);
    c->tenant_id = db_column_int64(st, 1);
    c->channel = dup_text(st, 2, &failed);
    c->kind = dup_text(st, 3, &failed);
    c->key = dup_text(st, 4, &failed);
    c->user_id = db_column_int64(st, 5);
    c->webhook_id = db_column_int64(st, 6);
    c->recipient = dup_text(st, 7, &failed);
    c->recipient_name = dup_text(st, 8, &failed);
    c->subject = dup_text(st, 9, &failed);
    c->body_text = dup_text(st, 10, &failed);
    c->body_html = dup_text(st, 11, &failed);
    c->link = dup_text(st, 12, &failed);
    c->action_label = dup_text(st, 13, &failed);
    c->unsubscribe_url = dup_column(st, 14, &failed);
    c->attempts = (int)db_column_int64(st, 15);
    return failed ? RC_NOMEM : RC_OK;
}

enum rc notify_store_outbox_get(struct db *db, int64_t tenant_id, int64_t id,
                                struct notify_store_claimed *out)
{
    struct db_stmt *st = NULL;
    memset(out, 0, sizeof *out);
    enum rc rc =
        db_prepare(db, "SELECT " OUTBOX_ROW " FROM outbox WHERE id = $1 AND tenant_id = $2", &st);
    if (rc || (rc = db_bind_int64(st, 1, id)) || (rc = db_bind_int64(st, 2, tenant_id)))
        goto out;
    rc = db_step(st);
    if (rc == RC_ROW)
        rc = read_row(st, out);
    else if (rc == RC_DONE)
        rc = RC_NOT_FOUND;
out:
    db_reset(st);
    if (rc)
        notify_store_claimed_free_one(out);
    return rc;
}

#define CLAIM_SET                                                                                  \
    "UPDATE outbox SET lease_until = $2, leased_by = $3, attempts = attempts + 1 "                 \
    "WHERE id IN (SELECT id FROM outbox WHERE state = 'pending' AND next_attempt_at <= $1 "        \
    "AND (lease_until IS NULL OR lease_until < $1) ORDER BY next_attempt_at, id LIMIT $4"
#define CLAIM_RETURNING ") RETURNING " OUTBOX_ROW

enum rc notify_store_claim(struct db *db, int64_t now, int lease_seconds, const char *worker,
                           int limit, struct notify_store_claimed **out, size_t *n)
{
    static const char SQLITE[] = CLAIM_SET CLAIM_RETURNING;
    static const char POSTGRES[] = CLAIM_SET " FOR UPDATE SKIP LOCKED" CLAIM_RETURNING;
    struct db_stmt *st = NULL;
    struct notify_store_claimed *rows = NULL;
    size_t count = 0, cap = 0;
    int64_t lease_until = now + lease_seconds;
    enum rc rc = db_prepare(db, db_backend(db) == DB_POSTGRES ? POSTGRES : SQLITE, &st);
    if (rc || (rc = db_bind_int64(st, 1, now)) || (rc = db_bind_int64(st, 2, lease_until)) ||
        (rc = db_bind_text(st, 3, worker, -1)) || (rc = db_bind_int64(st, 4, limit)))
        goto out;
    while ((rc = db_step(st)) == RC_ROW) {
        if ((rc = array_reserve((void **)&rows, sizeof *rows, count + 1, &cap)))
            goto out;
        struct notify_store_claimed *c = &rows[count++];
        c->lease_until = lease_until;
        if ((rc = read_row(st, c)))
            goto out;
    }
    rc = rc == RC_DONE ? RC_OK : rc;
out:
    db_reset(st);
    if (rc) {
        notify_store_claimed_free(rows, count);
        return rc;
    }
    if (count > 1)
        qsort(rows, count, sizeof *rows, cmp_claimed);
    *out = rows;
    *n = count;
    return RC_OK;
}

static enum rc changed_of(enum rc rc, int64_t changes, int *changed)
{
    if (rc == RC_OK && changed)
        *changed = changes > 0;
    return rc;
}

enum rc notify_store_sent(struct db *db, const struct notify_store_claimed *c, int64_t now,
                          int *changed)
{
    int64_t changes = 0;
    enum rc rc = DB_RUN(db,
                        "UPDATE outbox SET state = 'sent', sent_at = $2, lease_until = NULL, "
                        "leased_by = NULL, last_error = NULL WHERE id = $1 AND state = 'pending'",
                        &changes, DB_INT(c->id), DB_INT(now));
    return changed_of(rc, changes, changed);
}

enum rc notify_store_retry(struct db *db, const struct notify_store_claimed *c,
                           int64_t next_attempt_at, const char *error, int *changed)
{
    int64_t changes = 0;
    enum rc rc = DB_RUN(db,
                        "UPDATE outbox SET next_attempt_at = $3, last_error = $4, "
                        "lease_until = NULL, leased_by = NULL "
                        "WHERE id = $1 AND state = 'pending' AND lease_until = $2",
                        &changes, DB_INT(c->id), DB_INT(c->lease_until), DB_INT(next_attempt_at),
                        DB_TEXT(error));
    return changed_of(rc, changes, changed);
}

enum rc notify_store_finish(struct db *db, const struct notify_store_claimed *c, const char *state,
                            const char *error, int *changed)
{
    int64_t changes = 0;
    enum rc rc =
        DB_RUN(db,
               "UPDATE outbox SET state = $3, last_error = $4, lease_until = NULL, "
               "leased_by = NULL WHERE id = $1 AND state = 'pending' AND lease_until = $2",
               &changes, DB_INT(c->id), DB_INT(c->lease_until), DB_TEXT(state), DB_TEXT(error));
    return changed_of(rc, changes, changed);
}
