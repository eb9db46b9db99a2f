/*
 * calendar_store.h — the SQL behind calendar.c: the calendar_feeds rows and the open
 * activities a feed shows. Private to src/calendar/.
 *
 * Every function takes the tenant id and never reaches another tenant's rows, except
 * calendar_store_find, whose whole point is to find a feed from its token alone (the
 * token is 256 random bits, so knowing it is the authorisation). Token arguments are
 * always hashes (secure_token_hash); no clear token reaches this file.
 */
#ifndef WAYMARK_CALENDAR_STORE_H
#define WAYMARK_CALENDAR_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "core/secure.h"
#include "db/db.h"

/* Most events one feed holds (the earliest due first); a calendar with more would be
 * unreadable anyway, and the answer stays bounded. */
#define CALENDAR_STORE_EVENTS_MAX 5000

/* The user's feed: writes when it was created. RC_NOT_FOUND when there is none. */
enum rc calendar_store_get(struct db *db, int64_t tenant_id, int64_t user_id, int64_t *created_at);
/* Creates the user's feed with token_hash at now, replacing any earlier one. */
enum rc calendar_store_put(struct db *db, int64_t tenant_id, int64_t user_id,
                           const char *token_hash, int64_t now);
/* Deletes the user's feed; *deleted says whether there was one. */
enum rc calendar_store_delete(struct db *db, int64_t tenant_id, int64_t user_id, int *deleted);

/* Whose feed token_hash opens, with what the feed needs of the tenant. Only feeds of
 * active users count. RC_NOT_FOUND when none. */
struct calendar_owner {
    int64_t tenant_id;
    int64_t user_id;
    char time_zone[64];
    char tenant_name[801];
};
enum rc calendar_store_find(struct db *db, const char *token_hash, struct calendar_owner *out);

/* One open activity of an active enrolment, as the feed shows it. */
struct calendar_item {
    int64_t activity_id;
    int64_t due_at;
    int64_t updated_at;
    int effort_minutes;
    char *step_title;     /* owned */
    char *workflow_title; /* owned */
};
/* The user's activities in state 'open' whose enrolment is 'active', earliest due first
 * (then by id), at most CALENDAR_STORE_EVENTS_MAX, into a new array *out of *n items
 * (free with calendar_store_items_free; *out is NULL when there are none). */
enum rc calendar_store_items(struct db *db, int64_t tenant_id, int64_t user_id,
                             struct calendar_item **out, size_t *n);
void calendar_store_items_free(struct calendar_item *items, size_t n);

#endif
