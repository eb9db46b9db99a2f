/*
 * tenant.h — organisations served by one deployment.
 *
 * Every row of every table belongs to a tenant. This module owns the tenants table;
 * the people issue adds users, sign-in and tenant settings (working days, branding).
 */
#ifndef WAYMARK_TENANT_H
#define WAYMARK_TENANT_H

#include <stdint.h>

#include "core/ctx.h"

#define TENANT_SLUG_MAX 63
#define TENANT_NAME_MAX 200

struct tenant {
    int64_t id;
    char slug[TENANT_SLUG_MAX + 1];
    char name[TENANT_NAME_MAX * 4 + 1]; /* UTF-8: up to 4 bytes a character */
    char time_zone[64];
    int64_t created_at;
};

/* 1 when slug is 2–63 characters of a-z, 0-9 and '-', not starting or ending with '-'. */
int tenant_slug_valid(const char *slug);

/* Returns the tenant with this slug, creating it (named name, time zone UTC, created at
 * cx->now) when missing; *created says which. RC_INVALID for a bad slug or name (details
 * in cx). Runs inside the caller's transaction if there is one. */
enum rc tenant_ensure(struct ctx *cx, const char *slug, const char *name, struct tenant *out,
                      int *created);

#endif
