/*
 * tenant.h — organisations served by one deployment, and their settings.
 *
 * Every row of every table belongs to a tenant. This module owns the tenants table:
 * creating tenants (tenant_ensure, used by the CLI and the demo) and the settings an
 * admin changes through the API — name, time zone, working days, brand colour and logo.
 *
 * Time zones are IANA names that ICU's tz database knows (core/tz.h: "Europe/London",
 * "UTC", "America/Port-au-Prince"), so a typo is refused at once instead of silently
 * meaning UTC, and every accepted zone is one whose dates Waymark can compute.
 *
 * Logos: PNG or JPEG only, recognised by their first bytes (sniff_image in core/sniff.h,
 * never by the declared Content-Type), at most TENANT_LOGO_MAX bytes. SVG is refused on
 * purpose: it can carry scripts. The logo lives in the tenants row, like every file, so
 * one backup covers it.
 *
 * Settings are read by every signed-in user of the tenant (the UI shows the branding);
 * only admins change them, and every change is audited ("tenant.update" with old and new
 * values, "tenant.logo_update", "tenant.logo_delete").
 */
#ifndef WAYMARK_TENANT_H
#define WAYMARK_TENANT_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/ctx.h"

#define TENANT_SLUG_MAX             63
#define TENANT_NAME_MAX             200
#define TENANT_TIME_ZONE_MAX        63
#define TENANT_LOGO_MAX             (512 * 1024)
#define TENANT_WORKING_DAYS_DEFAULT 0x1fu /* mon–fri */
#define TENANT_BRAND_COLOUR_DEFAULT "#1f5fbf"

struct tenant {
    int64_t id;
    char slug[TENANT_SLUG_MAX + 1];
    char name[TENANT_NAME_MAX * 4 + 1]; /* UTF-8: up to 4 bytes a character */
    char time_zone[TENANT_TIME_ZONE_MAX + 1];
    int64_t created_at;
    /* Settings. */
    unsigned working_days; /* bit 0 Monday … bit 6 Sunday */
    char brand_colour[8];  /* "#rrggbb", lowercase */
    int has_logo;
    int64_t updated_at; /* the last change of settings or logo; created_at before any */
};

/* 1 when slug is 2–63 characters of a-z, 0-9 and '-', not starting or ending with '-'. */
int tenant_slug_valid(const char *slug);

/* Returns the tenant with this slug, creating it (named name, time zone UTC, created at
 * cx->now) when missing; *created says which. RC_INVALID for a bad slug or name (details
 * in cx). Runs inside the caller's transaction if there is one. */
enum rc tenant_ensure(struct ctx *cx, const char *slug, const char *name, struct tenant *out,
                      int *created);

/* Creates a tenant with this slug, name and time zone (settings take their defaults),
 * for the CLI. RC_INVALID with a detail per bad field; RC_CONFLICT on "slug" when the
 * slug is taken. Runs inside the caller's transaction. */
enum rc tenant_create(struct ctx *cx, const char *slug, const char *name, const char *time_zone,
                      struct tenant *out);

/* The tenant with this slug. RC_NOT_FOUND (with a message naming the slug) when none. */
enum rc tenant_find(struct ctx *cx, const char *slug, struct tenant *out);

/* ---- settings ---- */

/* 1 when zone is an IANA time zone name that ICU knows (tz_valid; see above). */
int tenant_time_zone_valid(const char *zone);

/* "mon" … "sun" for day 0 … 6; NULL otherwise. */
const char *tenant_day_name(int day);
/* Working days as stored: "mon,tue,wed,thu,fri" in week order, into out. */
void tenant_working_days_to_text(unsigned days, char *out, size_t size);
/* The bits of a stored list; unknown names are ignored. */
unsigned tenant_working_days_from_text(const char *text);
/* ["mon","tue",…] in week order. New reference. */
json_t *tenant_working_days_json(unsigned days);
/* Reads a JSON array of 1–7 distinct day names; else RC_INVALID on field. */
enum rc tenant_working_days_parse(struct ctx *cx, const json_t *array, const char *field,
                                  unsigned *out);

/* The tenant as GET /api/v1/tenant shows it. New reference. */
json_t *tenant_json(const struct tenant *t);

/* The actor's tenant. RC_NOT_FOUND when it does not exist (never, for a signed-in actor). */
enum rc tenant_get(struct ctx *cx, struct tenant *out);

/* What PATCH /api/v1/tenant may change; NULL / 0 means "leave as it is". */
struct tenant_changes {
    const char *name;
    const char *time_zone;
    int set_working_days;
    unsigned working_days;
    const char *brand_colour; /* "#rrggbb", either case */
};

/* Records every problem of ch in cx (RC_INVALID, one detail per field); RC_OK when there
 * is none. Lets a handler that already found malformed fields report the rest too. */
enum rc tenant_changes_check(struct ctx *cx, const struct tenant_changes *ch);

/* Changes the actor's tenant. RC_FORBIDDEN for a non-admin; RC_INVALID with every bad
 * field; writes nothing when anything is wrong. Audits "tenant.update" with the old and
 * new value of each field that changed (nothing when nothing changed). *out is the
 * tenant afterwards. */
enum rc tenant_update(struct ctx *cx, const struct tenant_changes *ch, struct tenant *out);

/* Stores data as the actor's tenant's logo. RC_FORBIDDEN for a non-admin, RC_INVALID for
 * an empty body, RC_TOO_LARGE beyond TENANT_LOGO_MAX, RC_UNSUPPORTED_MEDIA unless the
 * bytes are PNG or JPEG. Audited. *out is the tenant afterwards. */
enum rc tenant_logo_set(struct ctx *cx, const void *data, size_t len, struct tenant *out);

/* Appends the logo to out and sets *type ("image/png" or "image/jpeg", a literal).
 * RC_NOT_FOUND when the tenant has none. */
enum rc tenant_logo_get(struct ctx *cx, struct buf *out, const char **type);

/* Removes the logo. RC_FORBIDDEN for a non-admin, RC_NOT_FOUND when there is none.
 * Audited. */
enum rc tenant_logo_delete(struct ctx *cx);

#endif
