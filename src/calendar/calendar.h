/*
 * calendar.h — each person's secret iCalendar feed: a URL that calendar applications
 * (Outlook, Google Calendar, Apple Calendar) subscribe to, showing one all-day event on
 * the due date of every open activity of their active enrolments.
 *
 * The secret. Creating a feed makes a fresh token (secure_token_new, 256 random bits)
 * shown once, in the URL "/calendar/<token>.ics"; only its hash is stored
 * (calendar_feeds.token_hash). Calendar applications cannot sign in, so the token is
 * the only credential: whoever has the URL sees the titles and due dates of that
 * person's activities, nothing else, and nothing can be changed through it. A person
 * has at most one feed: creating another replaces it, so the old URL stops working at
 * once; revoking deletes it. A deactivated person's feed stops answering.
 *
 * The feed. Activities in state 'open' (released or not yet) of enrolments whose status
 * is 'active'; paused, withdrawn and completed enrolments and completed, skipped or
 * submitted activities are left out. Each is an all-day event on its due date in the
 * organisation's time zone, summary "Due: <step title>", description naming the
 * workflow and the step's effort, UID "activity-<id>@waymark" (stable, so a re-planned
 * activity moves instead of appearing twice), DTSTAMP the activity's updated_at, and a
 * link to the activity when the caller knows the site's address. At most 5,000 events
 * (CALENDAR_STORE_EVENTS_MAX), the earliest due first.
 *
 * Audit: "calendar.create" and "calendar.revoke" (target the user; never the token).
 * All functions run inside the caller's transaction (if any) and use cx->now.
 */
#ifndef WAYMARK_CALENDAR_H
#define WAYMARK_CALENDAR_H

#include <stdint.h>

#include "core/buf.h"
#include "core/ctx.h"
#include "core/secure.h"

/* The path a feed is served at: CALENDAR_PATH_PREFIX, the token, CALENDAR_PATH_SUFFIX. */
#define CALENDAR_PATH_PREFIX "/calendar/"
#define CALENDAR_PATH_SUFFIX ".ics"
#define CALENDAR_URL_MAX                                                                           \
    (sizeof CALENDAR_PATH_PREFIX + SECURE_TOKEN_HEX + sizeof CALENDAR_PATH_SUFFIX)
/* Bytes of the base URL ("https://host:port") a feed's links start with. */
#define CALENDAR_BASE_MAX 300

/* Whether the actor has a feed: *active, and *created_at when it has. */
enum rc calendar_status(struct ctx *cx, int *active, int64_t *created_at);

/* Creates the actor's feed, replacing any earlier one (whose URL stops working). Writes
 * the path to subscribe to ("/calendar/<64 hex>.ics", shown once) into url and the
 * creation instant into *created_at. Audited ("calendar.create"). */
enum rc calendar_create(struct ctx *cx, char url[CALENDAR_URL_MAX], int64_t *created_at);

/* Revokes the actor's feed. RC_OK whether or not there was one (so revoking twice is
 * fine); audited ("calendar.revoke") only when there was. */
enum rc calendar_revoke(struct ctx *cx);

/* The token of a feed path's last segment "<64 lowercase hex>.ics" into token; -1 when
 * the segment has any other shape. */
int calendar_token_of_segment(const char *segment, char token[SECURE_TOKEN_HEX + 1]);

/* The base URL of links for a request with this Host header and X-Forwarded-Proto
 * (either may be NULL): "https://host" when proto is "https", else "http://host".
 * "" when host is missing or not a plain host name, IPv4/IPv6 address and optional
 * port (so a hostile header never reaches a calendar). */
void calendar_base_url(const char *host, const char *proto, char out[CALENDAR_BASE_MAX]);

/* Appends the iCalendar text of the feed that token opens to out. base_url ("" or NULL:
 * events carry no link) starts each activity's link, base_url + "/activities/<id>".
 * RC_NOT_FOUND when no feed has this token (or its owner is deactivated). The actor is
 * not looked at: the token alone decides. */
enum rc calendar_feed(struct ctx *cx, const char *token, const char *base_url, struct buf *out);

#endif
