/*
 * notify_settings.c — the organisation's notification settings, each person's
 * preferences, quiet hours, webhooks and one-click unsubscribe (see notify_settings.h;
 * docs/notifications.md is the contract).
 *
 * Reading is cheap and permission-free (the domain's own posting needs it for any
 * actor); changing is for admins, except a person's own preferences. Every PATCH reads
 * the whole body first, records one detail per bad field, and writes nothing unless every
 * field is good.
 *
 * Secrets. The SMTP URL may carry user:password; it is stored as given (the delivery
 * worker needs it) and only ever shown or audited without the password. A PATCH that
 * sends back the URL exactly as GET showed it (user, no password) keeps the stored
 * password, so an admin who edits only smtp.from does not lose it; to drop the password,
 * send the URL without the user, or null. Webhook secrets are written once and never
 * answered, except a generated one in the create answer. Webhook URLs themselves often
 * hold a credential (Slack's and Teams' incoming-webhook URLs do), so the audit log keeps
 * only their origin.
 *
 * Quiet hours are wall-clock minutes in the organisation's zone (tz_minute_of_day,
 * tz_local_instant), so 21:00–07:00 means 07:00 local on the morning after, also on the
 * days the clocks change. A release time that a daylight-saving change skips (quiet
 * hours ending at 01:30 on the night London goes from 01:00 to 02:00) resolves to the
 * first local time after the gap (02:00); one that happens twice (clocks going back)
 * resolves to its first occurrence.
 */
#include "notify_settings.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "audit/audit.h"
#include "core/jsonx.h"
#include "core/secure.h"
#include "core/tz.h"
#include "core/config.h"
#include "notify_render.h"
#include "notify_settings_store.h"
#include "people/people.h"
#include "tenant/tenant.h"

#define NOTIFY_FIELD_MAX 96 /* bytes of a detail's field name ("email.<kind>") */

/* ---- kinds as text ---- */

void notify_kinds_to_text(notify_kinds kinds, char *out, size_t size)
{
    size_t len = 0;
    if (size == 0)
        return;
    out[0] = '\0';
    for (int k = 0; k < NOTIFY_KIND_COUNT; k++) {
        if (!(kinds & NOTIFY_KIND_BIT(k)))
            continue;
        int n = snprintf(out + len, size - len, "%s%s", len ? "," : "", notify_kind_name(k));
        if (n < 0 || (size_t)n >= size - len) {
            out[len] = '\0'; /* never half a name */
            return;
        }
        len += (size_t)n;
    }
}

notify_kinds notify_kinds_from_text(const char *text)
{
    notify_kinds kinds = 0;
    char name[40];
    while (text && *text) {
        const char *comma = strchr(text, ',');
        size_t n = comma ? (size_t)(comma - text) : strlen(text);
        if (n < sizeof name) {
            memcpy(name, text, n);
            name[n] = '\0';
            int k = notify_kind_from_name(name);
            if (k >= 0)
                kinds |= NOTIFY_KIND_BIT(k);
        }
        text += n + (comma ? 1 : 0);
    }
    return kinds;
}

/* ---- reading settings and preferences ---- */

static void settings_defaults(struct notify_settings *s)
{
    memset(s, 0, sizeof *s);
    s->send_hour = 9;
    s->reminder_days_before = 1;
    s->escalate_after_days = 5;
    s->digest_day = 0;
    s->quiet.start = s->quiet.end = NOTIFY_NO_QUIET;
    s->email_off = 0;
}

/* The settings of tenant_id (the defaults when it has no row). */
static enum rc settings_of(struct ctx *cx, int64_t tenant_id, struct notify_settings *out)
{
    enum rc rc = notify_settings_store_get(cx->db, tenant_id, out);
    if (rc == RC_NOT_FOUND) {
        settings_defaults(out);
        return RC_OK;
    }
    return rc;
}

enum rc notify_settings_get(struct ctx *cx, struct notify_settings *out)
{
    return settings_of(cx, cx->actor.tenant_id, out);
}

void notify_prefs_defaults(const struct notify_settings *s, struct notify_prefs *out)
{
    memset(out, 0, sizeof *out);
    out->email_off = s->email_off & (NOTIFY_KIND_BIT(NOTIFY_KIND_PREFS) - 1);
    out->digest_day = s->digest_day;
    out->quiet = s->quiet;
    out->is_default = 1;
}

/* The preferences of user_id in tenant_id: their row, else the defaults. */
static enum rc prefs_of(struct ctx *cx, int64_t tenant_id, int64_t user_id,
                        struct notify_prefs *out)
{
    enum rc rc = notify_prefs_store_get(cx->db, tenant_id, user_id, out);
    if (rc != RC_NOT_FOUND)
        return rc;
    struct notify_settings s;
    if ((rc = settings_of(cx, tenant_id, &s)))
        return rc;
    notify_prefs_defaults(&s, out);
    return RC_OK;
}

enum rc notify_prefs_get(struct ctx *cx, int64_t user_id, struct notify_prefs *out)
{
    return prefs_of(cx, cx->actor.tenant_id, user_id, out);
}

enum rc notify_prefs_each(struct ctx *cx, notify_prefs_each_fn each, void *arg)
{
    return notify_prefs_store_each(cx->db, cx->actor.tenant_id, each, arg);
}

int notify_prefs_wants_email(const struct notify_prefs *p, enum notify_kind kind)
{
    if ((int)kind < 0 || kind >= NOTIFY_KIND_PREFS)
        return 1; /* invitation, password reset, test: never switched off */
    return !(p->email_off & NOTIFY_KIND_BIT(kind));
}

/* ---- quiet hours ---- */

int64_t notify_quiet_release(const struct notify_quiet *q, const char *zone, int64_t t)
{
    if (!q || q->start == NOTIFY_NO_QUIET || q->start == q->end || q->start < 0 ||
        q->start >= 1440 || q->end < 0 || q->end >= 1440)
        return t;
    if (!tz_valid(zone))
        zone = "UTC";
    int64_t day = 0, release = 0;
    int minute = 0;
    if (tz_date_of(zone, t, &day) || tz_minute_of_day(zone, t, &minute))
        return t;
    int64_t release_day;
    if (q->start < q->end) {
        if (minute < q->start || minute >= q->end)
            return t;
        release_day = day;
    } else if (minute >= q->start) {
        release_day = day + 1; /* 21:00–07:00 at 22:30: tomorrow morning */
    } else if (minute < q->end) {
        release_day = day;
    } else {
        return t;
    }
    if (tz_local_instant(zone, release_day, q->end, &release))
        return t;
    /* A repeated hour (clocks going back) can put the first occurrence of the end before
     * t; the quiet hours are then over. */
    return release > t ? release : t;
}

/* ---- webhooks: reading ---- */

enum rc notify_webhooks_active(struct ctx *cx, webhook_each_fn each, void *arg)
{
    return notify_webhook_store_each(cx->db, cx->actor.tenant_id, 1, 1, each, arg);
}

/* ---- small readers shared by the PATCHes ---- */

static enum rc require_admin(struct ctx *cx, const char *what)
{
    if (cx->actor.roles & PEOPLE_ROLE_ADMIN)
        return RC_OK;
    return ctx_fail(cx, RC_FORBIDDEN, NULL, "Only an admin can %s.", what);
}

/* field + "." + key into out, cut short for a hostile key. */
static const char *subfield(char out[NOTIFY_FIELD_MAX], const char *field, const char *key)
{
    if (field && *field)
        snprintf(out, NOTIFY_FIELD_MAX, "%s.%s", field, key);
    else
        snprintf(out, NOTIFY_FIELD_MAX, "%s", key);
    return out;
}

/* "mon" … "sun" into 0 … 6; RC_INVALID on field otherwise. */
static enum rc parse_day(struct ctx *cx, const json_t *v, const char *field, int *out)
{
    for (int d = 0; d < 7 && json_is_string(v); d++)
        if (strcmp(json_string_value(v), tenant_day_name(d)) == 0) {
            *out = d;
            return RC_OK;
        }
    return ctx_fail(cx, RC_INVALID, field, "must be one of mon, tue, wed, thu, fri, sat, sun");
}

/* "HH:MM" (00:00 to 23:59) into minutes after midnight, or -1. */
static int parse_hhmm(const json_t *v)
{
    if (!json_is_string(v) || json_string_length(v) != 5)
        return -1;
    const char *s = json_string_value(v);
    for (int i = 0; i < 5; i++)
        if (i == 2 ? s[i] != ':' : (s[i] < '0' || s[i] > '9'))
            return -1;
    int h = (s[0] - '0') * 10 + (s[1] - '0'), m = (s[3] - '0') * 10 + (s[4] - '0');
    if (h > 23 || m > 59)
        return -1;
    return h * 60 + m;
}

/* {start, end} or null into *out; details on field.start / field.end / field. */
static enum rc parse_quiet(struct ctx *cx, const json_t *v, const char *field,
                           struct notify_quiet *out)
{
    static const char *const FIELDS[] = {"start", "end", NULL};
    char name[NOTIFY_FIELD_MAX];
    if (json_is_null(v)) {
        out->start = out->end = NOTIFY_NO_QUIET;
        return RC_OK;
    }
    if (!json_is_object(v))
        return ctx_fail(cx, RC_INVALID, field,
                        "must be {\"start\": \"HH:MM\", \"end\": \"HH:MM\"} or null");
    enum rc bad = jsonx_only_at(cx, v, field && *field ? field : NULL, FIELDS);
    int start = -1, end = -1;
    const char *keys[2] = {"start", "end"};
    int *vals[2] = {&start, &end};
    for (int i = 0; i < 2; i++) {
        json_t *t = json_object_get(v, keys[i]);
        subfield(name, field, keys[i]);
        if (!t || json_is_null(t))
            bad = ctx_fail(cx, RC_INVALID, name, "is required");
        else if ((*vals[i] = parse_hhmm(t)) < 0)
            bad =
                ctx_fail(cx, RC_INVALID, name, "must be a time written HH:MM, from 00:00 to 23:59");
    }
    if (bad == RC_OK && start == end)
        bad = ctx_fail(cx, RC_INVALID, field,
                       "must start and end at different times (use null for no quiet hours)");
    if (bad)
        return bad;
    out->start = start;
    out->end = end;
    return RC_OK;
}

static json_t *quiet_json(const struct notify_quiet *q)
{
    if (q->start == NOTIFY_NO_QUIET)
        return json_null();
    char start[8], end[8];
    snprintf(start, sizeof start, "%02d:%02d", q->start / 60 % 24, q->start % 60);
    snprintf(end, sizeof end, "%02d:%02d", q->end / 60 % 24, q->end % 60);
    return json_pack("{s:s, s:s}", "start", start, "end", end);
}

/* {kind: bool, …} applied to *off (bit set: email off); details "<field>.<kind>". */
static enum rc parse_email(struct ctx *cx, const json_t *v, const char *field, notify_kinds *off)
{
    char name[NOTIFY_FIELD_MAX];
    if (!json_is_object(v))
        return ctx_fail(cx, RC_INVALID, field,
                        "must be an object of notice kinds, like {\"reminder\": false}");
    enum rc bad = RC_OK;
    notify_kinds result = *off;
    const char *key;
    json_t *val;
    json_object_foreach((json_t *)v, key, val)
    {
        int kind = notify_kind_from_name(key);
        subfield(name, field, key);
        if (kind >= NOTIFY_KIND_PREFS && kind != NOTIFY_TEST)
            bad = ctx_fail(cx, RC_INVALID, name, "is always emailed and cannot be turned off");
        else if (kind < 0 || kind >= NOTIFY_KIND_PREFS)
            bad = ctx_fail(cx, RC_INVALID, name, "is not a kind of notice");
        else if (!json_is_boolean(val))
            bad = ctx_fail(cx, RC_INVALID, name, "must be true or false");
        else if (json_is_true(val))
            result &= ~NOTIFY_KIND_BIT(kind);
        else
            result |= NOTIFY_KIND_BIT(kind);
    }
    if (bad == RC_OK)
        *off = result;
    return bad;
}

static json_t *email_json(notify_kinds off)
{
    json_t *o = json_object();
    for (int k = 0; k < NOTIFY_KIND_PREFS; k++)
        json_object_set_new(o, notify_kind_name(k), json_boolean(!(off & NOTIFY_KIND_BIT(k))));
    return o;
}

/* 1 when s is 1..max bytes of printable ASCII without spaces. */
static int url_chars_ok(const char *s, size_t max)
{
    size_t n = strlen(s);
    if (n == 0 || n > max)
        return 0;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f)
            return 0;
    return 1;
}

/* Checks the characters of a URL string value; RC_INVALID on field with the reason. */
static enum rc check_url_text(struct ctx *cx, const json_t *v, const char *field, const char **out)
{
    if (!json_is_string(v))
        return ctx_fail(cx, RC_INVALID, field, "must be a string");
    const char *s = json_string_value(v);
    if (strlen(s) != json_string_length(v) || !url_chars_ok(s, NOTIFY_URL_MAX)) {
        if (json_string_length(v) == 0)
            return ctx_fail(cx, RC_INVALID, field, "is required");
        if (json_string_length(v) > NOTIFY_URL_MAX)
            return ctx_fail(cx, RC_INVALID, field, "must be at most %d characters", NOTIFY_URL_MAX);
        return ctx_fail(cx, RC_INVALID, field,
                        "must not contain spaces, control characters or non-ASCII characters "
                        "(percent-encode them)");
    }
    *out = s;
    return RC_OK;
}

/* The parts of an absolute URL: scheme "://" [userinfo "@"] host [":" port] [rest]. */
struct url_parts {
    size_t scheme_len; /* up to and including "://" */
    size_t auth_start; /* the authority */
    size_t auth_end;   /* where the path, query or fragment begins */
    size_t host_start; /* after "userinfo@" */
    size_t pass_colon; /* index of ':' before the password in userinfo; 0 when none */
};

/* 1 when url starts with one of the schemes (lower case) and has a plausible host:
 * a DNS name or IPv4 address ([A-Za-z0-9.-]) or a bracketed IPv6 address, and an
 * optional port of 1 to 5 digits. */
static int url_split(const char *url, const char *const *schemes, struct url_parts *p)
{
    memset(p, 0, sizeof *p);
    for (const char *const *s = schemes; *s && !p->scheme_len; s++)
        if (strncasecmp(url, *s, strlen(*s)) == 0)
            p->scheme_len = strlen(*s);
    if (!p->scheme_len)
        return 0;
    p->auth_start = p->scheme_len;
    p->auth_end = p->auth_start + strcspn(url + p->auth_start, "/?#");
    p->host_start = p->auth_start;
    for (size_t i = p->auth_start; i < p->auth_end; i++)
        if (url[i] == '@')
            p->host_start = i + 1;
    if (p->host_start > p->auth_start) {
        const char *colon = memchr(url + p->auth_start, ':', p->host_start - 1 - p->auth_start);
        p->pass_colon = colon ? (size_t)(colon - url) : 0;
    }
    size_t i = p->host_start, end = p->auth_end;
    if (i < end && url[i] == '[') {
        size_t close = i + 1;
        while (close < end && url[close] != ']')
            close++;
        if (close == end || close == i + 1)
            return 0;
        for (size_t j = i + 1; j < close; j++)
            if (!strchr("0123456789abcdefABCDEF:.", url[j]))
                return 0;
        i = close + 1;
    } else {
        size_t start = i;
        while (i < end && url[i] != ':') {
            char c = url[i];
            if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '.' || c == '-'))
                return 0;
            i++;
        }
        if (i == start)
            return 0;
    }
    if (i == end)
        return 1;
    if (url[i] != ':' || end - i - 1 < 1 || end - i - 1 > 5)
        return 0;
    for (i++; i < end; i++)
        if (url[i] < '0' || url[i] > '9')
            return 0;
    return 1;
}

/* The SMTP URL as shown and audited: without ":password". */
static void smtp_url_public(const char *url, char *out, size_t size)
{
    static const char *const SCHEMES[] = {"smtp://", "smtps://", NULL};
    struct url_parts p;
    if (!url[0] || !url_split(url, SCHEMES, &p) || !p.pass_colon) {
        snprintf(out, size, "%s", url);
        return;
    }
    snprintf(out, size, "%.*s%s", (int)p.pass_colon, url, url + p.host_start - 1);
}

/* 1 when the SMTP URL carries a non-empty password. */
static int smtp_url_has_password(const char *url)
{
    static const char *const SCHEMES[] = {"smtp://", "smtps://", NULL};
    struct url_parts p;
    return url[0] && url_split(url, SCHEMES, &p) && p.pass_colon &&
           p.pass_colon + 1 < p.host_start - 1;
}

/* "addr" or "Name <addr>", no control characters; RC_INVALID on field. */
static enum rc check_from(struct ctx *cx, const char *field, const char *s)
{
    static const char MSG[] = "must be an address (learning@acme.example) or Name <address>";
    char key[PEOPLE_EMAIL_MAX + 1], addr[PEOPLE_EMAIL_MAX + 1];
    size_t n = strlen(s);
    if (n == 0)
        return ctx_fail(cx, RC_INVALID, field, "is required");
    if (jsonx_utf8_length(s) > NOTIFY_FROM_MAX)
        return ctx_fail(cx, RC_INVALID, field, "must be at most %d characters", NOTIFY_FROM_MAX);
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
            return ctx_fail(cx, RC_INVALID, field, "must not contain control characters");
    const char *lt = strrchr(s, '<');
    if (!lt) {
        if (strchr(s, '>') || strchr(s, ' ') || people_email_key(s, key, sizeof key))
            return ctx_fail(cx, RC_INVALID, field, MSG);
        return RC_OK;
    }
    size_t alen = n - (size_t)(lt - s) - 2;
    if (s[n - 1] != '>' || n - (size_t)(lt - s) < 3 || alen > PEOPLE_EMAIL_MAX)
        return ctx_fail(cx, RC_INVALID, field, MSG);
    memcpy(addr, lt + 1, alen);
    addr[alen] = '\0';
    int blank = 1;
    for (const char *c = s; c < lt; c++) {
        if (*c == '<' || *c == '>')
            return ctx_fail(cx, RC_INVALID, field, MSG);
        if (*c != ' ')
            blank = 0;
    }
    if (blank || lt == s || lt[-1] != ' ' || strchr(addr, ' ') ||
        people_email_key(addr, key, sizeof key))
        return ctx_fail(cx, RC_INVALID, field, MSG);
    return RC_OK;
}

/* ---- organisation settings ---- */

json_t *notify_settings_json(const struct notify_settings *s)
{
    char url[NOTIFY_URL_MAX + 1];
    smtp_url_public(s->smtp_url, url, sizeof url);
    json_t *defaults =
        json_pack("{s:o, s:s, s:o}", "email", email_json(s->email_off), "digest_day",
                  tenant_day_name(s->digest_day) ? tenant_day_name(s->digest_day) : "mon",
                  "quiet_hours", quiet_json(&s->quiet));
    json_t *smtp = json_pack("{s:o, s:b, s:o, s:b}", "url", url[0] ? json_string(url) : json_null(),
                             "password_set", smtp_url_has_password(s->smtp_url), "from",
                             s->smtp_from[0] ? json_string(s->smtp_from) : json_null(),
                             "uses_deployment_relay", s->smtp_url[0] == '\0');
    return json_pack("{s:i, s:i, s:i, s:o, s:o}", "send_hour", s->send_hour, "reminder_days_before",
                     s->reminder_days_before, "escalate_after_days", s->escalate_after_days,
                     "defaults", defaults, "smtp", smtp);
}

/* Reads the "smtp" object of a settings PATCH into nu (old: the stored settings). */
static enum rc parse_smtp(struct ctx *cx, const json_t *v, const struct notify_settings *old,
                          struct notify_settings *nu)
{
    static const char *const FIELDS[] = {"url", "from", NULL};
    static const char *const SCHEMES[] = {"smtp://", "smtps://", NULL};
    enum rc bad = jsonx_only_at(cx, v, "smtp", FIELDS);
    if (!json_is_object(v))
        return bad;
    json_t *url = json_object_get(v, "url"), *from = json_object_get(v, "from");
    const char *s = NULL;
    if (json_is_null(url) || (json_is_string(url) && json_string_length(url) == 0)) {
        nu->smtp_url[0] = '\0';
    } else if (url) {
        struct url_parts p;
        if (check_url_text(cx, url, "smtp.url", &s))
            bad = RC_INVALID;
        else if (!url_split(s, SCHEMES, &p))
            bad = ctx_fail(cx, RC_INVALID, "smtp.url",
                           "must be smtp://host:port or smtps://host:port, optionally with "
                           "user:password@ before the host");
        else {
            char shown[NOTIFY_URL_MAX + 1];
            smtp_url_public(old->smtp_url, shown, sizeof shown);
            /* The URL as GET showed it keeps the stored password (see the file comment). */
            if (!p.pass_colon && p.host_start > p.auth_start && old->smtp_url[0] &&
                smtp_url_has_password(old->smtp_url) && strcmp(shown, s) == 0)
                snprintf(nu->smtp_url, sizeof nu->smtp_url, "%s", old->smtp_url);
            else
                snprintf(nu->smtp_url, sizeof nu->smtp_url, "%s", s);
        }
    }
    if (json_is_null(from) || (json_is_string(from) && json_string_length(from) == 0)) {
        nu->smtp_from[0] = '\0';
    } else if (from) {
        if (!json_is_string(from) || strlen(json_string_value(from)) != json_string_length(from))
            bad = ctx_fail(cx, RC_INVALID, "smtp.from", "must be a string");
        else if (check_from(cx, "smtp.from", json_string_value(from)))
            bad = RC_INVALID;
        else
            snprintf(nu->smtp_from, sizeof nu->smtp_from, "%s", json_string_value(from));
    }
    return bad;
}

/* Reads the "defaults" object of a settings PATCH into nu. */
static enum rc parse_defaults(struct ctx *cx, const json_t *v, struct notify_settings *nu)
{
    static const char *const FIELDS[] = {"email", "digest_day", "quiet_hours", NULL};
    enum rc bad = jsonx_only_at(cx, v, "defaults", FIELDS);
    if (!json_is_object(v))
        return bad;
    json_t *f;
    if ((f = json_object_get(v, "email")) && parse_email(cx, f, "defaults.email", &nu->email_off))
        bad = RC_INVALID;
    if ((f = json_object_get(v, "digest_day")) &&
        parse_day(cx, f, "defaults.digest_day", &nu->digest_day))
        bad = RC_INVALID;
    if ((f = json_object_get(v, "quiet_hours")) &&
        parse_quiet(cx, f, "defaults.quiet_hours", &nu->quiet))
        bad = RC_INVALID;
    return bad;
}

static void note_change(json_t *changes, const char *key, json_t *old, json_t *fresh)
{
    if (json_equal(old, fresh)) {
        json_decref(old);
        json_decref(fresh);
        return;
    }
    json_object_set_new(changes, key, json_pack("{s:o, s:o}", "old", old, "new", fresh));
}

static json_t *text_or_null(const char *s)
{
    return s[0] ? json_string(s) : json_null();
}

/* A whole number setting of a PATCH: absent leaves *field as it is; present (null
 * included: a setting cannot be "nothing") must lie in [min, max]. */
static enum rc read_number(struct ctx *cx, const json_t *body, const char *key, int min, int max,
                           int *field)
{
    const json_t *f = json_object_get(body, key);
    if (!f)
        return RC_OK;
    int64_t v = *field;
    if (json_is_null(f))
        return ctx_fail(cx, RC_INVALID, key, "must be a whole number from %d to %d", min, max);
    if (jsonx_int64(cx, body, key, 1, min, max, &v))
        return RC_INVALID;
    *field = (int)v;
    return RC_OK;
}

enum rc notify_settings_update(struct ctx *cx, const json_t *body, struct notify_settings *out)
{
    static const char *const FIELDS[] = {
        "send_hour", "reminder_days_before", "escalate_after_days", "defaults", "smtp", NULL};
    enum rc rc = require_admin(cx, "change the notification settings");
    if (rc)
        return rc;
    struct notify_settings old, nu;
    if ((rc = notify_settings_get(cx, &old)))
        return rc;
    nu = old;
    enum rc bad = jsonx_only(cx, body, FIELDS);
    if (!json_is_object(body))
        return bad;
    if (read_number(cx, body, "send_hour", 0, 23, &nu.send_hour))
        bad = RC_INVALID;
    if (read_number(cx, body, "reminder_days_before", 0, 10, &nu.reminder_days_before))
        bad = RC_INVALID;
    if (read_number(cx, body, "escalate_after_days", 0, 30, &nu.escalate_after_days))
        bad = RC_INVALID;
    json_t *f;
    if ((f = json_object_get(body, "defaults")) && parse_defaults(cx, f, &nu))
        bad = RC_INVALID;
    if ((f = json_object_get(body, "smtp")) && parse_smtp(cx, f, &old, &nu))
        bad = RC_INVALID;
    if (bad) {
        secure_zero(&old, sizeof old);
        secure_zero(&nu, sizeof nu);
        return bad;
    }

    /* The audit entry: old and new of what changed, never the SMTP password. */
    char old_url[NOTIFY_URL_MAX + 1], new_url[NOTIFY_URL_MAX + 1];
    smtp_url_public(old.smtp_url, old_url, sizeof old_url);
    smtp_url_public(nu.smtp_url, new_url, sizeof new_url);
    json_t *changes = json_object();
    note_change(changes, "send_hour", json_integer(old.send_hour), json_integer(nu.send_hour));
    note_change(changes, "reminder_days_before", json_integer(old.reminder_days_before),
                json_integer(nu.reminder_days_before));
    note_change(changes, "escalate_after_days", json_integer(old.escalate_after_days),
                json_integer(nu.escalate_after_days));
    note_change(changes, "defaults.email", email_json(old.email_off), email_json(nu.email_off));
    note_change(changes, "defaults.digest_day", json_string(tenant_day_name(old.digest_day)),
                json_string(tenant_day_name(nu.digest_day)));
    note_change(changes, "defaults.quiet_hours", quiet_json(&old.quiet), quiet_json(&nu.quiet));
    note_change(changes, "smtp.url", text_or_null(old_url), text_or_null(new_url));
    note_change(changes, "smtp.from", text_or_null(old.smtp_from), text_or_null(nu.smtp_from));
    if (strcmp(old.smtp_url, nu.smtp_url) != 0 && strcmp(old_url, new_url) == 0)
        json_object_set_new(changes, "smtp.credentials", json_string("changed"));
    secure_zero(&old, sizeof old);
    if (json_object_size(changes) == 0) {
        json_decref(changes);
        *out = nu;
        secure_zero(&nu, sizeof nu);
        return RC_OK;
    }
    nu.updated_at = cx->now;
    if ((rc = notify_settings_store_put(cx->db, cx->actor.tenant_id, &nu, cx->now))) {
        json_decref(changes);
        secure_zero(&nu, sizeof nu);
        return rc;
    }
    if ((rc = audit_record(cx, "notification_settings.update", "tenant", cx->actor.tenant_id,
                           changes))) {
        secure_zero(&nu, sizeof nu);
        return rc;
    }
    *out = nu;
    secure_zero(&nu, sizeof nu);
    return RC_OK;
}

/* ---- preferences ---- */

json_t *notify_prefs_json(const struct notify_prefs *p)
{
    const char *day = tenant_day_name(p->digest_day);
    return json_pack("{s:o, s:s, s:o, s:b}", "email", email_json(p->email_off), "digest_day",
                     day ? day : "mon", "quiet_hours", quiet_json(&p->quiet), "uses_defaults",
                     p->is_default ? 1 : 0);
}

enum rc notify_prefs_update(struct ctx *cx, const json_t *body, struct notify_prefs *out)
{
    static const char *const FIELDS[] = {"email", "digest_day", "quiet_hours", NULL};
    struct notify_prefs p;
    enum rc rc = notify_prefs_get(cx, cx->actor.user_id, &p);
    if (rc)
        return rc;
    enum rc bad = jsonx_only(cx, body, FIELDS);
    if (!json_is_object(body))
        return bad;
    json_t *f;
    if ((f = json_object_get(body, "email")) && parse_email(cx, f, "email", &p.email_off))
        bad = RC_INVALID;
    if ((f = json_object_get(body, "digest_day")) && parse_day(cx, f, "digest_day", &p.digest_day))
        bad = RC_INVALID;
    if ((f = json_object_get(body, "quiet_hours")) && parse_quiet(cx, f, "quiet_hours", &p.quiet))
        bad = RC_INVALID;
    if (bad)
        return bad;
    /* The first save copies the defaults (p already holds them) and applies the change. */
    p.is_default = 0;
    if ((rc = notify_prefs_store_put(cx->db, cx->actor.tenant_id, cx->actor.user_id, &p, cx->now)))
        return rc;
    *out = p;
    return RC_OK;
}

/* ---- webhooks ---- */

#define WEBHOOK_NOT_FOUND "There is no such webhook."

static const char *const WEBHOOK_FORMATS[] = {"json", "slack", "teams", NULL};

json_t *notify_webhook_json(const struct webhook *w)
{
    json_t *kinds = json_array();
    for (int k = 0; k < NOTIFY_KIND_COUNT; k++)
        if (w->kinds & NOTIFY_KIND_BIT(k))
            json_array_append_new(kinds, json_string(notify_kind_name(k)));
    return json_pack("{s:I, s:s, s:s, s:s, s:o, s:b, s:b, s:o, s:o}", "id", (json_int_t)w->id,
                     "name", w->name, "url", w->url, "format", w->format, "kinds", kinds, "active",
                     w->active ? 1 : 0, "secret_set", 1, "created_at", jsonx_instant(w->created_at),
                     "updated_at", jsonx_instant(w->updated_at));
}

/* The URL as the audit log keeps it: its origin, and "/…" when there is more. */
static json_t *url_audit(const char *url)
{
    static const char *const SCHEMES[] = {"http://", "https://", NULL};
    struct url_parts p;
    if (!url_split(url, SCHEMES, &p))
        return json_string("…");
    char text[NOTIFY_URL_MAX + 8];
    snprintf(text, sizeof text, "%.*s%.*s%s", (int)p.scheme_len, url,
             (int)(p.auth_end - p.host_start), url + p.host_start, url[p.auth_end] ? "/…" : "");
    return json_string(text);
}

static json_t *kinds_json(notify_kinds kinds)
{
    json_t *a = json_array();
    for (int k = 0; k < NOTIFY_KIND_COUNT; k++)
        if (kinds & NOTIFY_KIND_BIT(k))
            json_array_append_new(a, json_string(notify_kind_name(k)));
    return a;
}

/* Reads the fields of a webhook create (required 1) or update (0) body into w. *secret_given
 * says whether the body set the secret. */
static enum rc parse_webhook(struct ctx *cx, const json_t *body, int required, struct webhook *w,
                             int *secret_given)
{
    static const char *const FIELDS[] = {"name",   "url",    "format", "kinds",
                                         "secret", "active", NULL};
    static const char *const SCHEMES[] = {"http://", "https://", NULL};
    enum rc bad = jsonx_only(cx, body, FIELDS);
    if (!json_is_object(body))
        return bad;
    const char *s = NULL;
    json_t *f;
    *secret_given = 0;

    if (jsonx_string(cx, body, "name", required, 0, SIZE_MAX, &s))
        bad = RC_INVALID;
    else if (s && jsonx_check_name(cx, "name", s, NOTIFY_WEBHOOK_NAME_MAX))
        bad = RC_INVALID;
    else if (s)
        snprintf(w->name, sizeof w->name, "%s", s);

    f = json_object_get(body, "url");
    if (!f || json_is_null(f)) {
        if (required)
            bad = ctx_fail(cx, RC_INVALID, "url", "is required");
    } else {
        struct url_parts p;
        if (check_url_text(cx, f, "url", &s))
            bad = RC_INVALID;
        else if (!url_split(s, SCHEMES, &p))
            bad = ctx_fail(cx, RC_INVALID, "url", "must be an http:// or https:// address");
        else
            snprintf(w->url, sizeof w->url, "%s", s);
    }

    f = json_object_get(body, "format");
    if (!f || json_is_null(f)) {
        if (required)
            bad = ctx_fail(cx, RC_INVALID, "format", "is required");
    } else {
        int known = 0;
        for (const char *const *fmt = WEBHOOK_FORMATS; *fmt && !known && json_is_string(f); fmt++)
            if (strcmp(*fmt, json_string_value(f)) == 0) {
                snprintf(w->format, sizeof w->format, "%s", *fmt);
                known = 1;
            }
        if (!known)
            bad = ctx_fail(cx, RC_INVALID, "format", "must be json, slack or teams");
    }

    f = json_object_get(body, "kinds");
    if (!f || json_is_null(f)) {
        if (required)
            bad = ctx_fail(cx, RC_INVALID, "kinds", "is required");
    } else if (!json_is_array(f) || json_array_size(f) == 0) {
        bad = ctx_fail(cx, RC_INVALID, "kinds", "must be a non-empty list of notice kinds");
    } else {
        notify_kinds kinds = 0;
        size_t i;
        json_t *k;
        enum rc kbad = RC_OK;
        json_array_foreach(f, i, k)
        {
            int kind = json_is_string(k) ? notify_kind_from_name(json_string_value(k)) : -1;
            char place[32];
            snprintf(place, sizeof place, "kinds[%zu]", i);
            if (kind < 0 || kind >= NOTIFY_KIND_PREFS) {
                kbad = ctx_fail(cx, RC_INVALID, place,
                                "must be new_activities, reminder, overdue, escalation, "
                                "signoff_request, returned, enrolment or digest");
                continue;
            }
            if (kinds & NOTIFY_KIND_BIT(kind)) {
                kbad = ctx_fail(cx, RC_INVALID, place, "repeats %s", notify_kind_name(kind));
                continue;
            }
            kinds |= NOTIFY_KIND_BIT(kind);
        }
        if (kbad)
            bad = kbad;
        else
            w->kinds = kinds;
    }

    f = json_object_get(body, "secret");
    if (f && !json_is_null(f)) {
        if (!json_is_string(f) || strlen(json_string_value(f)) != json_string_length(f))
            bad = ctx_fail(cx, RC_INVALID, "secret", "must be a string");
        else if (json_string_length(f) == 0 || json_string_length(f) > NOTIFY_SECRET_MAX)
            bad = ctx_fail(cx, RC_INVALID, "secret", "must be 1 to %d bytes", NOTIFY_SECRET_MAX);
        else {
            snprintf(w->secret, sizeof w->secret, "%s", json_string_value(f));
            *secret_given = 1;
        }
    } else if (f && !required) {
        bad = ctx_fail(cx, RC_INVALID, "secret", "must be a string (a webhook always has one)");
    }

    int active = w->active;
    if (jsonx_bool(cx, body, "active", 0, &active))
        bad = RC_INVALID;
    else
        w->active = active;
    return bad;
}

enum rc notify_webhooks_list(struct ctx *cx, webhook_each_fn each, void *arg)
{
    enum rc rc = require_admin(cx, "see the webhooks");
    if (rc)
        return rc;
    return notify_webhook_store_each(cx->db, cx->actor.tenant_id, 0, 0, each, arg);
}

/* The webhook with its secret (for the domain's own use). */
static enum rc webhook_load(struct ctx *cx, int64_t id, struct webhook *out)
{
    enum rc rc = notify_webhook_store_get(cx->db, cx->actor.tenant_id, id, out);
    if (rc == RC_NOT_FOUND)
        return ctx_fail(cx, RC_NOT_FOUND, NULL, WEBHOOK_NOT_FOUND);
    return rc;
}

enum rc notify_webhook_get(struct ctx *cx, int64_t id, struct webhook *out)
{
    enum rc rc = require_admin(cx, "see the webhooks");
    if (rc || (rc = webhook_load(cx, id, out)))
        return rc;
    secure_zero(out->secret, sizeof out->secret);
    return RC_OK;
}

enum rc notify_webhook_create(struct ctx *cx, const json_t *body, struct webhook *out,
                              char secret_out[NOTIFY_SECRET_MAX + 1])
{
    enum rc rc = require_admin(cx, "add webhooks");
    if (rc)
        return rc;
    struct webhook w;
    int secret_given = 0;
    memset(&w, 0, sizeof w);
    w.active = 1;
    if ((rc = parse_webhook(cx, body, 1, &w, &secret_given)))
        goto out;
    int64_t count = 0;
    if ((rc = notify_webhook_store_count(cx->db, cx->actor.tenant_id, &count)))
        goto out;
    if (count >= NOTIFY_WEBHOOKS_MAX) {
        rc = ctx_fail_code(cx, RC_CONFLICT, "too_many_webhooks",
                           "An organisation can have at most %d webhooks; delete one first.",
                           NOTIFY_WEBHOOKS_MAX);
        goto out;
    }
    if (!secret_given)
        secure_random_hex(w.secret, 32);
    w.created_at = w.updated_at = cx->now;
    if ((rc = notify_webhook_store_insert(cx->db, cx->actor.tenant_id, &w, cx->now, &w.id)))
        goto out;
    if ((rc = audit_record(cx, "webhook.create", "webhook", w.id,
                           json_pack("{s:s, s:o, s:s, s:o, s:b, s:s}", "name", w.name, "url",
                                     url_audit(w.url), "format", w.format, "kinds",
                                     kinds_json(w.kinds), "active", w.active, "signing_key",
                                     secret_given ? "given" : "generated"))))
        goto out;
    snprintf(secret_out, NOTIFY_SECRET_MAX + 1, "%s", secret_given ? "" : w.secret);
    secure_zero(w.secret, sizeof w.secret);
    *out = w;
out:
    secure_zero(&w, sizeof w);
    return rc;
}

enum rc notify_webhook_update(struct ctx *cx, int64_t id, const json_t *body, struct webhook *out)
{
    enum rc rc = require_admin(cx, "change webhooks");
    if (rc)
        return rc;
    struct webhook old, w;
    int secret_given = 0;
    if ((rc = webhook_load(cx, id, &old)))
        return rc;
    w = old;
    if ((rc = parse_webhook(cx, body, 0, &w, &secret_given)))
        goto out;
    json_t *changes = json_object();
    note_change(changes, "name", json_string(old.name), json_string(w.name));
    if (strcmp(old.url, w.url) != 0)
        json_object_set_new(
            changes, "url",
            json_pack("{s:o, s:o}", "old", url_audit(old.url), "new", url_audit(w.url)));
    note_change(changes, "format", json_string(old.format), json_string(w.format));
    note_change(changes, "kinds", kinds_json(old.kinds), kinds_json(w.kinds));
    note_change(changes, "active", json_boolean(old.active), json_boolean(w.active));
    if (secret_given && strcmp(old.secret, w.secret) != 0)
        json_object_set_new(changes, "signing_key", json_string("changed"));
    if (json_object_size(changes) == 0) {
        json_decref(changes);
    } else {
        w.updated_at = cx->now;
        if ((rc = notify_webhook_store_update(cx->db, cx->actor.tenant_id, &w, cx->now))) {
            json_decref(changes);
            goto out;
        }
        if ((rc = audit_record(cx, "webhook.update", "webhook", id, changes)))
            goto out;
    }
    secure_zero(w.secret, sizeof w.secret);
    *out = w;
out:
    secure_zero(&old, sizeof old);
    secure_zero(&w, sizeof w);
    return rc;
}

enum rc notify_webhook_delete(struct ctx *cx, int64_t id)
{
    enum rc rc = require_admin(cx, "delete webhooks");
    if (rc)
        return rc;
    struct webhook w;
    if ((rc = webhook_load(cx, id, &w)))
        return rc;
    secure_zero(w.secret, sizeof w.secret);
    if ((rc = notify_webhook_store_delete(cx->db, cx->actor.tenant_id, id)))
        return rc == RC_NOT_FOUND ? ctx_fail(cx, RC_NOT_FOUND, NULL, WEBHOOK_NOT_FOUND) : rc;
    return audit_record(cx, "webhook.delete", "webhook", id,
                        json_pack("{s:s, s:o}", "name", w.name, "url", url_audit(w.url)));
}

enum rc notify_webhook_test(struct ctx *cx, int64_t id)
{
    enum rc rc = require_admin(cx, "test webhooks");
    if (rc)
        return rc;
    struct webhook w;
    struct tenant t;
    struct buf body, text;
    char key[NOTIFY_KEY_MAX + 1];
    buf_init(&body, NOTIFY_RENDER_BODY_MAX);
    buf_init(&text, 4096);
    if ((rc = webhook_load(cx, id, &w)) || (rc = tenant_get(cx, &t)))
        goto out;
    secure_zero(w.secret, sizeof w.secret);
    if (!w.active) {
        /* The worker sends only through active webhooks: a test would be cancelled. */
        rc = ctx_fail(cx, RC_CONFLICT, NULL, "This webhook is turned off: turn it on to test it.");
        goto out;
    }
    snprintf(key, sizeof key, "test:%lld:%lld", (long long)id, (long long)cx->now);
    buf_addf(&text,
             "This is a test message for the webhook \"%s\". If you can read it, the "
             "webhook works.",
             w.name);
    if ((rc = buf_failed(&text)))
        goto out;
    const char *public_url =
        cx->cfg && cx->cfg->public_url[0] ? cx->cfg->public_url : "http://127.0.0.1:8080";
    struct notify_brand brand = {
        .name = t.name, .slug = t.slug, .colour = t.brand_colour, .public_url = public_url};
    struct notice n = {.kind = NOTIFY_TEST,
                       .key = key,
                       .user_id = 0,
                       .title = "Test from Waymark",
                       .text = text.data,
                       .html = NULL,
                       .link = "/",
                       .action_label = "Open Waymark"};
    if ((rc = notify_render_webhook(&brand, w.format, &n, NULL, cx->now, &body)))
        goto out;
    struct notify_webhook_row row = {.key = key,
                                     .kind = notify_kind_name(NOTIFY_TEST),
                                     .webhook_id = id,
                                     .recipient = w.url,
                                     .subject = n.title,
                                     .body = body.data};
    int64_t outbox_id = 0;
    rc = notify_settings_store_outbox_webhook(cx->db, cx->actor.tenant_id, &row, cx->now,
                                              &outbox_id);
    if (rc == RC_NOT_FOUND)
        rc = RC_OK; /* a test of this webhook was already queued this second */
out:
    buf_free(&body);
    buf_free(&text);
    return rc;
}

/* ---- one-click unsubscribe ---- */

#define UNSUBSCRIBE_NOT_FOUND "This unsubscribe link is not valid (any more)."

/* The email behind token, or RC_NOT_FOUND; RC_CONFLICT for an email-only kind. */
static enum rc unsubscribe_find(struct ctx *cx, const char *token,
                                struct notify_unsubscribe_row *row, enum notify_kind *kind)
{
    char hash[SECURE_TOKEN_HEX + 1];
    size_t n = token ? strnlen(token, SECURE_TOKEN_HEX + 1) : 0;
    if (n != SECURE_TOKEN_HEX)
        return ctx_fail(cx, RC_NOT_FOUND, NULL, UNSUBSCRIBE_NOT_FOUND);
    for (size_t i = 0; i < n; i++)
        if (!((token[i] >= '0' && token[i] <= '9') || (token[i] >= 'a' && token[i] <= 'f')))
            return ctx_fail(cx, RC_NOT_FOUND, NULL, UNSUBSCRIBE_NOT_FOUND);
    secure_token_hash(token, hash);
    enum rc rc = notify_settings_store_unsubscribe_find(cx->db, hash, row);
    if (rc == RC_NOT_FOUND)
        return ctx_fail(cx, RC_NOT_FOUND, NULL, UNSUBSCRIBE_NOT_FOUND);
    if (rc)
        return rc;
    int k = notify_kind_from_name(row->kind);
    if (k < 0)
        return ctx_fail(cx, RC_NOT_FOUND, NULL, UNSUBSCRIBE_NOT_FOUND);
    *kind = (enum notify_kind)k;
    if (k >= NOTIFY_KIND_PREFS)
        return ctx_fail(cx, RC_CONFLICT, NULL,
                        "Invitation and password-reset emails cannot be unsubscribed.");
    return RC_OK;
}

enum rc notify_unsubscribe_peek(struct ctx *cx, const char *token, enum notify_kind *kind,
                                char *user_name, size_t name_size)
{
    struct notify_unsubscribe_row row;
    enum rc rc = unsubscribe_find(cx, token, &row, kind);
    if (rc == RC_OK && name_size)
        snprintf(user_name, name_size, "%s", row.user_name);
    return rc;
}

enum rc notify_unsubscribe(struct ctx *cx, const char *token, enum notify_kind *kind)
{
    struct notify_unsubscribe_row row;
    struct notify_prefs p;
    enum rc rc = unsubscribe_find(cx, token, &row, kind);
    if (rc)
        return rc;
    /* No one is signed in: the token is the credential. Act as the tenant's system actor
     * for the tenant-scoped reads, and put the caller's actor back afterwards. */
    struct actor saved = cx->actor;
    cx->actor = (struct actor){.tenant_id = row.tenant_id, .roles = PEOPLE_ROLE_ADMIN};
    rc = notify_prefs_get(cx, row.user_id, &p);
    if (rc == RC_OK) {
        p.email_off |= NOTIFY_KIND_BIT(*kind);
        p.is_default = 0;
        rc = notify_prefs_store_put(cx->db, row.tenant_id, row.user_id, &p, cx->now);
    }
    cx->actor = saved;
    return rc;
}
