/*
 * notify_store.h — the SQL behind notify.c: in-app notifications (table notifications)
 * and the outbox (table outbox) of migration 0006_notifications. Private to src/notify/
 * (and its unit test, which drives the claim directly to play a crashed worker).
 *
 * Every function but the delivery worker's (claim and record) takes the tenant and scopes
 * its statements by it, so another tenant's id is simply not found. The worker works
 * across tenants: a claimed row carries its tenant. Inserts are "ON CONFLICT (tenant_id,
 * dedup_key) DO NOTHING RETURNING id" (SQLite ≥ 3.35 and PostgreSQL alike): a key already
 * there answers RC_NOT_FOUND and writes nothing, so two passes racing on two servers write
 * each row once without an error to recover from.
 *
 * Claiming is one UPDATE … WHERE id IN (the due rows, oldest first, LIMIT n) RETURNING the
 * rows; on PostgreSQL the inner SELECT takes FOR UPDATE SKIP LOCKED, so two workers
 * claiming at once each get different rows without waiting for the other; SQLite's write
 * transaction serialises them. Outcomes of a claim are only recorded while the claim is
 * still the row's own (state pending, same lease), except "sent", which is always kept:
 * a message the relay accepted must not be sent again because a lease ran out.
 *
 * No rules and no permissions here: notify.c decides, this file saves and loads. Lists
 * copy their rows (the callers' callbacks may use the database).
 */
#ifndef WAYMARK_NOTIFY_STORE_H
#define WAYMARK_NOTIFY_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "db/db.h"
#include "notify.h"
#include "people/people.h"

/* ---- recipients ---- */

struct notify_store_person {
    char email[PEOPLE_EMAIL_MAX + 1];
    char name[PEOPLE_NAME_MAX * 4 + 1];
    int active;
};
/* A user of tenant_id: RC_NOT_FOUND when missing or elsewhere. */
enum rc notify_store_person(struct db *db, int64_t tenant_id, int64_t user_id,
                            struct notify_store_person *out);

/* ---- in-app notifications ---- */

/* Inserts one notification at now; *id its id. RC_NOT_FOUND (nothing written) when the
 * tenant already has a notification with key. */
enum rc notify_store_notification_insert(struct db *db, int64_t tenant_id, int64_t user_id,
                                         const char *kind, const char *key, const char *title,
                                         const char *body, const char *link, int64_t now,
                                         int64_t *id);

/* One page of a user's notifications, newest first, ids below before_id (0: from the
 * newest), at most limit; *more says whether older ones follow. Owned: free with
 * notify_store_page_free. */
struct notify_store_page {
    struct notification *rows; /* strings owned */
    size_t n;
    int more;
};
enum rc notify_store_notifications(struct db *db, int64_t tenant_id, int64_t user_id,
                                   int64_t before_id, int unread_only, int limit,
                                   struct notify_store_page *out);
void notify_store_page_free(struct notify_store_page *p);
enum rc notify_store_unread(struct db *db, int64_t tenant_id, int64_t user_id, int64_t *count);
/* Sets read_at = now on the user's notification id unless it is already read; *found 0
 * when the id is not this user's. */
enum rc notify_store_mark_read(struct db *db, int64_t tenant_id, int64_t user_id, int64_t id,
                               int64_t now, int *found);
enum rc notify_store_mark_all_read(struct db *db, int64_t tenant_id, int64_t user_id, int64_t now,
                                   int64_t *marked);

/* ---- the outbox ---- */

/* A row to queue; strings borrowed, NULL for SQL NULL where the column allows it. */
struct notify_store_outbox_new {
    int64_t tenant_id;
    const char *key;
    const char *channel; /* "email", "webhook" */
    const char *kind;
    int64_t user_id;    /* 0: none */
    int64_t webhook_id; /* 0: none */
    const char *recipient;
    const char *recipient_name;
    const char *subject;
    const char *body_text;    /* email: the notice's text; webhook: the JSON body */
    const char *body_html;    /* email: the notice's own HTML content, or NULL */
    const char *link;         /* email: the notice's link, or NULL */
    const char *action_label; /* email: its call to action, or NULL */
    const char *unsubscribe_url;
    const char *unsubscribe_hash;
    int64_t next_attempt_at;
    int64_t created_at;
};
/* Queues r; *id its id. RC_NOT_FOUND (nothing written) when the key is taken. */
enum rc notify_store_outbox_insert(struct db *db, const struct notify_store_outbox_new *r,
                                   int64_t *id);

/* One page of the tenant's outbox, newest first (state NULL: any). */
struct notify_store_outbox_page {
    struct outbox_entry *rows; /* strings owned */
    size_t n;
    int more;
};
enum rc notify_store_outbox(struct db *db, int64_t tenant_id, const char *state, int64_t before_id,
                            int limit, struct notify_store_outbox_page *out);
void notify_store_outbox_page_free(struct notify_store_outbox_page *p);

/* A claimed row, as the worker sends it; strings owned (NULL for SQL NULL). */
struct notify_store_claimed {
    int64_t id;
    int64_t tenant_id;
    char *channel;
    char *kind;
    char *key;
    int64_t user_id;    /* 0: none */
    int64_t webhook_id; /* 0: none */
    char *recipient;
    char *recipient_name;
    char *subject;
    char *body_text;
    char *body_html;
    char *link;
    char *action_label;
    char *unsubscribe_url;
    int attempts;        /* this one included */
    int64_t lease_until; /* the claim's lease */
};
/* Claims up to limit pending rows due at now whose lease is free (none, or ended before
 * now), oldest first: lease_until = now + lease_seconds, leased_by = worker, attempts + 1.
 * Call inside a write transaction. *out is owned (notify_store_claimed_free), ordered by
 * id; *n may be 0. */
enum rc notify_store_claim(struct db *db, int64_t now, int lease_seconds, const char *worker,
                           int limit, struct notify_store_claimed **out, size_t *n);
void notify_store_claimed_free(struct notify_store_claimed *rows, size_t n);
/* Frees what one row owns (not the row itself) and zeroes it. */
void notify_store_claimed_free_one(struct notify_store_claimed *c);
/* Outbox row id of the tenant, as a claim reads it (nothing is claimed; lease_until 0).
 * RC_NOT_FOUND when there is none. *out is owned (notify_store_claimed_free_one). */
enum rc notify_store_outbox_get(struct db *db, int64_t tenant_id, int64_t id,
                                struct notify_store_claimed *out);

/* Outcomes of a claim (c's id and lease). *changed 0 when the claim was no longer the
 * row's (another worker took it after the lease ran out). */
enum rc notify_store_sent(struct db *db, const struct notify_store_claimed *c, int64_t now,
                          int *changed);
/* Tried again at next_attempt_at. */
enum rc notify_store_retry(struct db *db, const struct notify_store_claimed *c,
                           int64_t next_attempt_at, const char *error, int *changed);
/* Ends the row: state "failed" or "cancelled", with error. */
enum rc notify_store_finish(struct db *db, const struct notify_store_claimed *c, const char *state,
                            const char *error, int *changed);

#endif
