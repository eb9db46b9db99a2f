/*
 * calendar_store.c — SQL for calendar feeds (see calendar_store.h).
 *
 * A user has at most one feed (calendar_feeds.user_id is unique); creating one is an
 * upsert, so two concurrent requests of the same user cannot trip over the unique index
 * and the older token stops working in the same statement that makes the new one.
 */
#include "core/array.h"
#include "calendar_store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum rc calendar_store_get(struct db *db, int64_t tenant_id, int64_t user_id, int64_t *created_at)
{
    return DB_VALUE(db,
                    "SELECT created_at FROM calendar_feeds WHERE tenant_id = $1 AND user_id = $2",
                    created_at, DB_INT(tenant_id), DB_INT(user_id));
}

enum rc calendar_store_put(struct db *db, int64_t tenant_id, int64_t user_id,
                           const char *token_hash, int64_t now)
{
    return DB_RUN(db,
                  "INSERT INTO calendar_feeds (tenant_id, user_id, token_hash, created_at) "
                  "VALUES ($1, $2, $3, $4) ON CONFLICT (user_id) DO UPDATE SET "
                  "tenant_id = excluded.tenant_id, token_hash = excluded.token_hash, "
                  "created_at = excluded.created_at",
                  NULL, DB_INT(tenant_id), DB_INT(user_id), DB_TEXT(token_hash), DB_INT(now));
}

enum rc calendar_store_delete(struct db *db, int64_t tenant_id, int64_t user_id, int *deleted)
{
    int64_t changes = 0;
    enum rc rc = DB_RUN(db, "DELETE FROM calendar_feeds WHERE tenant_id = $1 AND user_id = $2",
                        &changes, DB_INT(tenant_id), DB_INT(user_id));
    if (rc == RC_OK)
        *deleted = changes > 0;
    return rc;
}

enum rc calendar_store_find(struct db *db, const char *token_hash, struct calendar_owner *out)
{
    struct db_stmt *st = NULL;
    enum rc rc = db_prepare(db,
                            "SELECT f.tenant_id, f.user_id, t.time_zone, t.name "
                            "FROM calendar_feeds f "
                            "JOIN users u ON u.id = f.user_id AND u.tenant_id = f.tenant_id "
                            "JOIN tenants t ON t.id = f.tenant_id "
                            "WHERE f.token_hash = $1 AND u.active = 1",
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
    snprintf(out->time_zone, sizeof out->time_zone, "%s", db_column_text(st, 2));
    snprintf(out->tenant_name, sizeof out->tenant_name, "%s", db_column_text(st, 3));
    rc = RC_OK;
out:
    db_reset(st);
    return rc;
}

void calendar_store_items_free(struct calendar_item *items, size_t n)
{
    for (size_t i = 0; items && i < n; i++) {
        free(items[i].step_title);
        free(items[i].workflow_title);
    }
    free(items);
}

enum rc calendar_store_items(struct db *db, int64_t tenant_id, int64_t user_id,
                             struct calendar_item **out, size_t *n)
{
    struct db_stmt *st = NULL;
    struct calendar_item *items = NULL;
    size_t count = 0, cap = 0;
    enum rc rc = db_prepare(db,
                            "SELECT a.id, a.due_at, a.updated_at, s.effort_minutes, s.title, "
                            "v.title FROM activities a "
                            "JOIN enrolments e ON e.id = a.enrolment_id "
                            "JOIN workflow_version_steps s ON s.id = a.step_id "
                            "JOIN workflow_versions v ON v.id = e.version_id "
                            "WHERE e.user_id = $2 AND e.tenant_id = $1 AND e.status = 'active' "
                            "AND +a.tenant_id = $1 AND a.state = 'open' "
                            "ORDER BY a.due_at, a.id LIMIT $3",
                            &st);
    if (rc || (rc = db_bind_int64(st, 1, tenant_id)) || (rc = db_bind_int64(st, 2, user_id)) ||
        (rc = db_bind_int64(st, 3, CALENDAR_STORE_EVENTS_MAX)))
        goto out;
    while ((rc = db_step(st)) == RC_ROW) {
        if ((rc = array_reserve((void **)&items, sizeof *items, count + 1, &cap)))
            goto out;
        struct calendar_item *it = &items[count];
        memset(it, 0, sizeof *it);
        count++;
        it->activity_id = db_column_int64(st, 0);
        it->due_at = db_column_int64(st, 1);
        it->updated_at = db_column_int64(st, 2);
        it->effort_minutes = (int)db_column_int64(st, 3);
        if (!(it->step_title = strdup(db_column_text(st, 4))) ||
            !(it->workflow_title = strdup(db_column_text(st, 5)))) {
            rc = RC_NOMEM;
            goto out;
        }
    }
    if (rc == RC_DONE)
        rc = RC_OK;
out:
    db_reset(st);
    if (rc) {
        calendar_store_items_free(items, count);
        return rc;
    }
    *out = items;
    *n = count;
    return RC_OK;
}
