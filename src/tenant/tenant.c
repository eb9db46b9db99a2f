/*
 * tenant.c — rules for tenants and their settings (see tenant.h).
 *
 * The checks are pure functions of their input except tenant_time_zone_valid, which
 * asks ICU's tz database (core/tz.h): the zones it knows are the ones whose dates
 * Waymark can compute.
 */
#include "tenant.h"

#include <stdio.h>
#include <string.h>

#include "audit/audit.h"
#include "core/jsonx.h"
#include "core/sniff.h"
#include "core/tz.h"
#include "people/people.h"
#include "tenant_store.h"

static const char *const DAYS[7] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};

int tenant_slug_valid(const char *slug)
{
    size_t n = strlen(slug);
    if (n < 2 || n > TENANT_SLUG_MAX || slug[0] == '-' || slug[n - 1] == '-')
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!((slug[i] >= 'a' && slug[i] <= 'z') || (slug[i] >= '0' && slug[i] <= '9') ||
              slug[i] == '-'))
            return 0;
    return 1;
}

enum rc tenant_ensure(struct ctx *cx, const char *slug, const char *name, struct tenant *out,
                      int *created)
{
    enum rc rc = RC_OK;
    if (!tenant_slug_valid(slug))
        rc = ctx_fail(cx, RC_INVALID, "slug",
                      "must be 2 to 63 lowercase letters, digits or hyphens");
    size_t chars = jsonx_utf8_valid(name, strlen(name)) ? jsonx_utf8_length(name) : 0;
    if (chars < 1 || chars > TENANT_NAME_MAX)
        rc = ctx_fail(cx, RC_INVALID, "name", "must be 1 to %d characters", TENANT_NAME_MAX);
    if (rc)
        return rc;

    struct tenant t;
    rc = tenant_store_find_by_slug(cx->db, slug, &t);
    if (rc == RC_OK) {
        *out = t;
        *created = 0;
        return RC_OK;
    }
    if (rc != RC_NOT_FOUND)
        return rc;
    memset(&t, 0, sizeof t);
    snprintf(t.slug, sizeof t.slug, "%s", slug);
    snprintf(t.name, sizeof t.name, "%s", name);
    snprintf(t.time_zone, sizeof t.time_zone, "UTC");
    t.created_at = cx->now;
    t.working_days = TENANT_WORKING_DAYS_DEFAULT;
    snprintf(t.brand_colour, sizeof t.brand_colour, "%s", TENANT_BRAND_COLOUR_DEFAULT);
    t.updated_at = cx->now;
    if ((rc = tenant_store_insert(cx->db, &t)))
        return rc;
    *out = t;
    *created = 1;
    return RC_OK;
}

static enum rc check_name(struct ctx *cx, const char *name);

enum rc tenant_create(struct ctx *cx, const char *slug, const char *name, const char *time_zone,
                      struct tenant *out)
{
    enum rc bad = RC_OK, rc;
    if (!tenant_slug_valid(slug))
        bad = ctx_fail(cx, RC_INVALID, "slug",
                       "must be 2 to 63 lowercase letters, digits or hyphens");
    if ((rc = check_name(cx, name)))
        bad = rc;
    if (!tenant_time_zone_valid(time_zone))
        bad = ctx_fail(cx, RC_INVALID, "time_zone",
                       "must be a time zone of the tz database, like Europe/London");
    if (bad)
        return bad;
    struct tenant t;
    memset(&t, 0, sizeof t);
    snprintf(t.slug, sizeof t.slug, "%s", slug);
    snprintf(t.name, sizeof t.name, "%s", name);
    snprintf(t.time_zone, sizeof t.time_zone, "%s", time_zone);
    t.created_at = cx->now;
    t.working_days = TENANT_WORKING_DAYS_DEFAULT;
    snprintf(t.brand_colour, sizeof t.brand_colour, "%s", TENANT_BRAND_COLOUR_DEFAULT);
    t.updated_at = cx->now;
    rc = tenant_store_insert(cx->db, &t);
    if (rc == RC_CONFLICT)
        return ctx_fail(cx, RC_CONFLICT, "slug", "is already used by another organisation");
    if (rc)
        return rc;
    *out = t;
    return RC_OK;
}

enum rc tenant_find(struct ctx *cx, const char *slug, struct tenant *out)
{
    enum rc rc = tenant_store_find_by_slug(cx->db, slug, out);
    if (rc == RC_NOT_FOUND)
        return ctx_fail(cx, RC_NOT_FOUND, NULL, "There is no organisation with slug '%s'.", slug);
    return rc;
}

/* ---- time zones ---- */

int tenant_time_zone_valid(const char *zone)
{
    /* ICU is the one judge of zones: what it knows is what tz.c can compute dates in. */
    return tz_valid(zone);
}

/* ---- working days ---- */

const char *tenant_day_name(int day)
{
    return day >= 0 && day < 7 ? DAYS[day] : NULL;
}

void tenant_working_days_to_text(unsigned days, char *out, size_t size)
{
    struct buf b;
    buf_init(&b, size ? size - 1 : 0);
    for (int d = 0; d < 7; d++)
        if (days & (1u << d))
            buf_addf(&b, "%s%s", b.len ? "," : "", DAYS[d]);
    snprintf(out, size, "%s", buf_failed(&b) ? "" : b.data);
    buf_free(&b);
}

unsigned tenant_working_days_from_text(const char *text)
{
    unsigned days = 0;
    for (const char *p = text; *p;) {
        size_t n = strcspn(p, ",");
        for (int d = 0; d < 7; d++)
            if (n == 3 && memcmp(p, DAYS[d], 3) == 0)
                days |= 1u << d;
        p += n;
        if (*p == ',')
            p++;
    }
    return days;
}

json_t *tenant_working_days_json(unsigned days)
{
    json_t *a = json_array();
    for (int d = 0; d < 7; d++)
        if (days & (1u << d))
            json_array_append_new(a, json_string(DAYS[d]));
    return a;
}

enum rc tenant_working_days_parse(struct ctx *cx, const json_t *array, const char *field,
                                  unsigned *out)
{
    if (!json_is_array(array) || json_array_size(array) < 1 || json_array_size(array) > 7)
        return ctx_fail(cx, RC_INVALID, field,
                        "must be a list of 1 to 7 days from mon, tue, wed, thu, fri, sat, sun");
    unsigned days = 0;
    size_t i;
    json_t *v;
    json_array_foreach(array, i, v)
    {
        int day = -1;
        for (int d = 0; d < 7 && json_is_string(v); d++)
            if (strcmp(json_string_value(v), DAYS[d]) == 0)
                day = d;
        if (day < 0)
            return ctx_fail(cx, RC_INVALID, field,
                            "must name only mon, tue, wed, thu, fri, sat or sun");
        if (days & (1u << day))
            return ctx_fail(cx, RC_INVALID, field, "names %s twice", DAYS[day]);
        days |= 1u << day;
    }
    *out = days;
    return RC_OK;
}

/* ---- reading ---- */

json_t *tenant_json(const struct tenant *t)
{
    json_t *logo_url = json_null();
    if (t->has_logo) {
        /* The version in the query lets the UI cache the logo and still see a new one. */
        char url[64];
        snprintf(url, sizeof url, "/api/v1/tenant/logo?v=%lld", (long long)t->updated_at);
        logo_url = json_string(url);
    }
    return json_pack("{s:I, s:s, s:s, s:s, s:o, s:s, s:b, s:o, s:o, s:o}", "id", (json_int_t)t->id,
                     "slug", t->slug, "name", t->name, "time_zone", t->time_zone, "working_days",
                     tenant_working_days_json(t->working_days), "brand_colour", t->brand_colour,
                     "has_logo", t->has_logo, "logo_url", logo_url, "created_at",
                     jsonx_instant(t->created_at), "updated_at", jsonx_instant(t->updated_at));
}

enum rc tenant_get(struct ctx *cx, struct tenant *out)
{
    enum rc rc = tenant_store_get(cx->db, cx->actor.tenant_id, out);
    if (rc == RC_NOT_FOUND)
        return ctx_fail(cx, RC_NOT_FOUND, NULL, "There is no such organisation.");
    return rc;
}

/* ---- changing settings ---- */

static enum rc require_admin(struct ctx *cx)
{
    if (cx->actor.roles & PEOPLE_ROLE_ADMIN)
        return RC_OK;
    return ctx_fail(cx, RC_FORBIDDEN, NULL,
                    "Only an admin can change the organisation's settings.");
}

static enum rc check_name(struct ctx *cx, const char *name)
{
    return jsonx_check_name(cx, "name", name, TENANT_NAME_MAX);
}

/* Lower-cases a "#rrggbb" colour into out[8]; RC_INVALID on "brand_colour" otherwise. */
static enum rc check_colour(struct ctx *cx, const char *colour, char out[8])
{
    int ok = strlen(colour) == 7 && colour[0] == '#';
    for (int i = 1; ok && i < 7; i++) {
        char c = colour[i];
        ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    }
    if (!ok)
        return ctx_fail(cx, RC_INVALID, "brand_colour",
                        "must be a colour written #rrggbb, like #1f5fbf");
    for (int i = 0; i < 7; i++)
        out[i] = (char)(colour[i] >= 'A' && colour[i] <= 'F' ? colour[i] + 32 : colour[i]);
    out[7] = '\0';
    return RC_OK;
}

/* Adds {"old": …, "new": …} under key to changes (stealing both values). */
static void note_change(json_t *changes, const char *key, json_t *old, json_t *fresh)
{
    json_object_set_new(changes, key, json_pack("{s:o, s:o}", "old", old, "new", fresh));
}

enum rc tenant_changes_check(struct ctx *cx, const struct tenant_changes *ch)
{
    enum rc bad = RC_OK, rc;
    char colour[8];
    if (ch->name && (rc = check_name(cx, ch->name)))
        bad = rc;
    if (ch->time_zone && !tenant_time_zone_valid(ch->time_zone))
        bad = ctx_fail(cx, RC_INVALID, "time_zone",
                       "must be a time zone of the tz database, like Europe/London");
    if (ch->set_working_days && (ch->working_days == 0 || (ch->working_days & ~0x7fu)))
        bad = ctx_fail(cx, RC_INVALID, "working_days", "must name 1 to 7 days");
    if (ch->brand_colour && (rc = check_colour(cx, ch->brand_colour, colour)))
        bad = rc;
    return bad;
}

enum rc tenant_update(struct ctx *cx, const struct tenant_changes *ch, struct tenant *out)
{
    enum rc rc = require_admin(cx);
    if (rc || (rc = tenant_changes_check(cx, ch)))
        return rc;
    struct tenant old, nu;
    if ((rc = tenant_get(cx, &old)))
        return rc;
    nu = old;
    if (ch->name)
        snprintf(nu.name, sizeof nu.name, "%s", ch->name);
    if (ch->time_zone)
        snprintf(nu.time_zone, sizeof nu.time_zone, "%s", ch->time_zone);
    if (ch->set_working_days)
        nu.working_days = ch->working_days;
    if (ch->brand_colour)
        check_colour(cx, ch->brand_colour, nu.brand_colour);

    json_t *changes = json_object();
    if (strcmp(old.name, nu.name) != 0)
        note_change(changes, "name", json_string(old.name), json_string(nu.name));
    if (strcmp(old.time_zone, nu.time_zone) != 0)
        note_change(changes, "time_zone", json_string(old.time_zone), json_string(nu.time_zone));
    if (old.working_days != nu.working_days)
        note_change(changes, "working_days", tenant_working_days_json(old.working_days),
                    tenant_working_days_json(nu.working_days));
    if (strcmp(old.brand_colour, nu.brand_colour) != 0)
        note_change(changes, "brand_colour", json_string(old.brand_colour),
                    json_string(nu.brand_colour));
    if (json_object_size(changes) == 0) {
        json_decref(changes);
        *out = old;
        return RC_OK;
    }
    nu.updated_at = cx->now;
    if ((rc = tenant_store_update_settings(cx->db, &nu, cx->now))) {
        json_decref(changes);
        return rc;
    }
    if ((rc = audit_record(cx, "tenant.update", "tenant", nu.id, changes)))
        return rc;
    *out = nu;
    return RC_OK;
}

/* ---- logo ---- */

enum rc tenant_logo_set(struct ctx *cx, const void *data, size_t len, struct tenant *out)
{
    enum rc rc = require_admin(cx);
    if (rc)
        return rc;
    if (len == 0)
        return ctx_fail(cx, RC_INVALID, "logo",
                        "is empty: send the PNG or JPEG image itself as the request body");
    if (len > TENANT_LOGO_MAX)
        return ctx_fail(cx, RC_TOO_LARGE, NULL, "The logo must be at most %d KiB.",
                        TENANT_LOGO_MAX / 1024);
    const char *type = sniff_image(data, len);
    if (!type)
        return ctx_fail(cx, RC_UNSUPPORTED_MEDIA, NULL,
                        "The logo must be a PNG or JPEG image (SVG and other formats are not "
                        "accepted).");
    if ((rc = tenant_store_logo_set(cx->db, cx->actor.tenant_id, data, len, type, cx->now)))
        return rc;
    if ((rc = audit_record(cx, "tenant.logo_update", "tenant", cx->actor.tenant_id,
                           json_pack("{s:s, s:I}", "type", type, "bytes", (json_int_t)len))))
        return rc;
    return tenant_get(cx, out);
}

enum rc tenant_logo_get(struct ctx *cx, struct buf *out, const char **type)
{
    char stored[32];
    size_t start = out->len;
    enum rc rc = tenant_store_logo_get(cx->db, cx->actor.tenant_id, out, stored, sizeof stored);
    if (rc == RC_NOT_FOUND)
        return ctx_fail(cx, RC_NOT_FOUND, NULL, "This organisation has no logo.");
    if (rc)
        return rc;
    /* The bytes, not the stored label, decide what the browser is told. */
    const char *sniffed = sniff_image(out->data + start, out->len - start);
    *type = sniffed ? sniffed : "application/octet-stream";
    return RC_OK;
}

enum rc tenant_logo_delete(struct ctx *cx)
{
    enum rc rc = require_admin(cx);
    if (rc)
        return rc;
    struct tenant t;
    if ((rc = tenant_get(cx, &t)))
        return rc;
    if (!t.has_logo)
        return ctx_fail(cx, RC_NOT_FOUND, NULL, "This organisation has no logo.");
    if ((rc = tenant_store_logo_set(cx->db, t.id, NULL, 0, NULL, cx->now)))
        return rc;
    return audit_record(cx, "tenant.logo_delete", "tenant", t.id, NULL);
}
