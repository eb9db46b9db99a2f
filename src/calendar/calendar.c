/*
 * calendar.c — the secret calendar feed (see calendar.h for the contract).
 *
 * Every clear token is created here, handed to the caller once and wiped from this
 * file's stack as soon as its hash is taken; the store only sees hashes. The feed itself
 * is read with the token alone: the owner, their tenant's time zone and name come from
 * the feed row, never from a signed-in actor (a calendar application has none).
 *
 * Event texts are built here; core/ical.c turns them into iCalendar (escaping, folding)
 * and is the only code that knows libical.
 */
#include "calendar.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "audit/audit.h"
#include "calendar_store.h"
#include "core/ical.h"
#include "core/tz.h"

#define CALENDAR_NOT_FOUND "There is no calendar at this address."

enum rc calendar_status(struct ctx *cx, int *active, int64_t *created_at)
{
    int64_t at = 0;
    enum rc rc = calendar_store_get(cx->db, cx->actor.tenant_id, cx->actor.user_id, &at);
    if (rc && rc != RC_NOT_FOUND)
        return rc;
    *active = rc == RC_OK;
    *created_at = rc == RC_OK ? at : 0;
    return RC_OK;
}

enum rc calendar_create(struct ctx *cx, char url[CALENDAR_URL_MAX], int64_t *created_at)
{
    char token[SECURE_TOKEN_HEX + 1], hash[SECURE_TOKEN_HEX + 1];
    secure_token_new(token);
    secure_token_hash(token, hash);
    enum rc rc = calendar_store_put(cx->db, cx->actor.tenant_id, cx->actor.user_id, hash, cx->now);
    if (rc == RC_OK)
        rc = audit_record(cx, "calendar.create", "user", cx->actor.user_id, NULL);
    if (rc == RC_OK) {
        snprintf(url, CALENDAR_URL_MAX, "%s%s%s", CALENDAR_PATH_PREFIX, token,
                 CALENDAR_PATH_SUFFIX);
        *created_at = cx->now;
    }
    secure_zero(token, sizeof token);
    return rc;
}

enum rc calendar_revoke(struct ctx *cx)
{
    int deleted = 0;
    enum rc rc = calendar_store_delete(cx->db, cx->actor.tenant_id, cx->actor.user_id, &deleted);
    if (rc || !deleted)
        return rc;
    return audit_record(cx, "calendar.revoke", "user", cx->actor.user_id, NULL);
}

static int is_lower_hex(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

int calendar_token_of_segment(const char *segment, char token[SECURE_TOKEN_HEX + 1])
{
    static const char SUFFIX[] = CALENDAR_PATH_SUFFIX;
    if (!segment)
        return -1;
    for (size_t i = 0; i < SECURE_TOKEN_HEX; i++)
        if (!is_lower_hex(segment[i])) /* stops at the NUL of a short segment */
            return -1;
    if (strcmp(segment + SECURE_TOKEN_HEX, SUFFIX) != 0)
        return -1;
    memcpy(token, segment, SECURE_TOKEN_HEX);
    token[SECURE_TOKEN_HEX] = '\0';
    return 0;
}

/* 1 when host is a DNS name or IPv4 address ([A-Za-z0-9.-]) or a bracketed IPv6 address,
 * optionally followed by ":port". */
static int host_valid(const char *host)
{
    size_t n = strlen(host), i = 0;
    if (n == 0 || n > 260)
        return 0;
    if (host[0] == '[') {
        for (i = 1; i < n && host[i] != ']'; i++)
            if (!is_lower_hex(host[i]) && !(host[i] >= 'A' && host[i] <= 'F') && host[i] != ':' &&
                host[i] != '.')
                return 0;
        if (i == n || i == 1)
            return 0;
        i++;
    } else {
        for (; i < n && host[i] != ':'; i++)
            if (!((host[i] >= 'a' && host[i] <= 'z') || (host[i] >= 'A' && host[i] <= 'Z') ||
                  (host[i] >= '0' && host[i] <= '9') || host[i] == '.' || host[i] == '-'))
                return 0;
        if (i == 0)
            return 0;
    }
    if (i == n)
        return 1;
    if (host[i] != ':' || i + 1 == n || n - i - 1 > 5)
        return 0;
    for (i++; i < n; i++)
        if (host[i] < '0' || host[i] > '9')
            return 0;
    return 1;
}

void calendar_base_url(const char *host, const char *proto, char out[CALENDAR_BASE_MAX])
{
    out[0] = '\0';
    if (!host || !host_valid(host))
        return;
    int https = proto && strcasecmp(proto, "https") == 0;
    snprintf(out, CALENDAR_BASE_MAX, "%s://%s", https ? "https" : "http", host);
}

/* A new string from a format (free() it); NULL when out of memory. */
static char *textf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *textf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *s = n >= 0 ? malloc((size_t)n + 1) : NULL;
    if (s) {
        va_start(ap, fmt);
        vsnprintf(s, (size_t)n + 1, fmt, ap);
        va_end(ap);
    }
    return s;
}

/* "15 minutes", "1 hour", "1 hour 30 minutes". */
static void effort_text(int minutes, char *out, size_t size)
{
    int h = minutes / 60, m = minutes % 60;
    if (h == 0)
        snprintf(out, size, "%d minute%s", m, m == 1 ? "" : "s");
    else if (m == 0)
        snprintf(out, size, "%d hour%s", h, h == 1 ? "" : "s");
    else
        snprintf(out, size, "%d hour%s %d minute%s", h, h == 1 ? "" : "s", m, m == 1 ? "" : "s");
}

static void events_free(struct ical_event *ev, size_t n)
{
    for (size_t i = 0; ev && i < n; i++) {
        free((char *)ev[i].uid);
        free((char *)ev[i].summary);
        free((char *)ev[i].description);
        free((char *)ev[i].url);
    }
    free(ev);
}

enum rc calendar_feed(struct ctx *cx, const char *token, const char *base_url, struct buf *out)
{
    char hash[SECURE_TOKEN_HEX + 1];
    struct calendar_owner owner;
    struct calendar_item *items = NULL;
    struct ical_event *events = NULL;
    size_t n = 0;
    char name[sizeof owner.tenant_name + 16];
    if (!token || strlen(token) != SECURE_TOKEN_HEX)
        return ctx_fail(cx, RC_NOT_FOUND, NULL, CALENDAR_NOT_FOUND);
    secure_token_hash(token, hash);
    enum rc rc = calendar_store_find(cx->db, hash, &owner);
    if (rc == RC_NOT_FOUND)
        return ctx_fail(cx, RC_NOT_FOUND, NULL, CALENDAR_NOT_FOUND);
    if (rc || (rc = calendar_store_items(cx->db, owner.tenant_id, owner.user_id, &items, &n)))
        return rc;
    if (n && !(events = calloc(n, sizeof *events))) {
        rc = RC_NOMEM;
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        const struct calendar_item *it = &items[i];
        struct ical_event *e = &events[i];
        char effort[64];
        effort_text(it->effort_minutes, effort, sizeof effort);
        if ((rc = tz_date_of(owner.time_zone, it->due_at, &e->day)))
            goto out;
        e->stamp = it->updated_at;
        e->uid = textf("activity-%lld@waymark", (long long)it->activity_id);
        e->summary = textf("Due: %s", it->step_title);
        e->description = textf("Workflow: %s\nEffort: %s", it->workflow_title, effort);
        if (base_url && *base_url)
            e->url = textf("%s/activities/%lld", base_url, (long long)it->activity_id);
        if (!e->uid || !e->summary || !e->description || (base_url && *base_url && !e->url)) {
            rc = RC_NOMEM;
            goto out;
        }
    }
    snprintf(name, sizeof name, "Waymark: %s", owner.tenant_name);
    rc = ical_write(out, name, events, n);
out:
    events_free(events, n);
    calendar_store_items_free(items, n);
    return rc;
}
